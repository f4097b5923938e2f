"""HWP 5.x (한글 2002 and later): an OLE compound file whose `BodyText/SectionN` streams hold records.

Own reader on `olefile`: paragraphs, tables row by row (cells joined with ` | `), text boxes and other
shapes (their paragraphs after the anchoring one), footnotes/endnotes (`[각주] …`). Dropped on purpose:
running headers/footers, hidden comments, page-number and other layout controls, pictures. The unit is
the body section (1-based). Password, DRM and distribution-only (배포용) files are refused.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

import olefile

from index.errors import MalformedFileError
from index.formats.base import LineBuilder, LoadedText, ProtectedDocumentError, row_line
from index.formats.sniff import HWP_SIGNATURE

# FileHeader (256 bytes): signature[32], version UINT32 @32, property flags UINT32 @36.
COMPRESSED, PASSWORD, DISTRIBUTION = 1 << 0, 1 << 1, 1 << 2
DRM, CERT_ENCRYPTED, CERT_DRM = 1 << 4, 1 << 8, 1 << 10

TAG_PARA_HEADER, TAG_PARA_TEXT, TAG_CTRL_HEADER, TAG_LIST_HEADER, TAG_TABLE = 66, 67, 71, 72, 77

# PARA_TEXT control characters that take 8 UTF-16 units (inline and extended controls).
_WIDE_CONTROLS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}
_NARROW_CONTROLS = {10: " ", 24: "-", 30: " ", 31: " "}  # line break, hyphen, non-breaking and fixed spaces
_PARAGRAPH_END = 13
_TAB = 9
_DROPPED_CONTROLS = {"head", "foot", "tcmt"}  # running header/footer, hidden comment
_NOTE_LABELS = {"fn  ": "[각주]", "en  ": "[미주]"}


@dataclass
class Record:
    """One record of a section stream; records of a higher level nest under the one before."""

    tag: int
    level: int
    data: bytes
    children: list[Record] = field(default_factory=list)


def parse_records(buf: bytes) -> list[Record]:
    """A record stream as a forest: header UINT32 = tag (10 bits), level (10), size (12; 0xFFF: UINT32 follows)."""
    roots: list[Record] = []
    stack: list[Record] = []
    pos = 0
    while pos + 4 <= len(buf):
        (header,) = struct.unpack_from("<I", buf, pos)
        pos += 4
        tag, level, size = header & 0x3FF, (header >> 10) & 0x3FF, header >> 20
        if size == 0xFFF:
            (size,) = struct.unpack_from("<I", buf, pos)
            pos += 4
        record = Record(tag, level, buf[pos : pos + size])
        pos += size
        while stack and stack[-1].level >= level:
            stack.pop()
        (stack[-1].children if stack else roots).append(record)
        stack.append(record)
    return roots


def check_protection(flags: int) -> None:
    """Refuse a document whose body is encrypted: password, 배포용 (distribution) or DRM/certificate."""
    if flags & PASSWORD:
        raise ProtectedDocumentError(
            "the HWP document is password-protected (암호가 걸린 문서); save it without a password."
        )
    if flags & DISTRIBUTION:
        raise ProtectedDocumentError(
            "the HWP document is distribution-only (배포용 문서): its body is encrypted; ask for an editable copy."
        )
    if flags & (DRM | CERT_ENCRYPTED | CERT_DRM):
        raise ProtectedDocumentError("the HWP document is DRM/certificate-protected (DRM 문서); it cannot be read.")


def paragraph_text(record: Record) -> str:
    """The characters of a PARA_TEXT record: inline controls skipped, tabs and line breaks as spaces."""
    units = struct.unpack(f"<{len(record.data) // 2}H", record.data[: len(record.data) // 2 * 2])
    out: list[str] = []
    i = 0
    while i < len(units):
        code = units[i]
        if code >= 32:
            out.append(chr(code))
            i += 1
        elif code in _WIDE_CONTROLS:
            out.append(" " if code == _TAB else "")
            i += 8
        elif code == _PARAGRAPH_END:
            break
        else:
            out.append(_NARROW_CONTROLS.get(code, ""))
            i += 1
    # Characters outside the BMP arrive as two surrogate units: let the codec join them.
    return "".join(out).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def paragraph_lines(paragraph: Record) -> list[str]:
    """A paragraph's text, then the lines of its tables, notes and text boxes."""
    lines = ["".join(paragraph_text(c) for c in paragraph.children if c.tag == TAG_PARA_TEXT)]
    for control in (c for c in paragraph.children if c.tag == TAG_CTRL_HEADER):
        control_id = control.data[:4][::-1].decode("latin-1")
        if control_id in _DROPPED_CONTROLS:
            continue
        if control_id == "tbl ":
            lines += table_lines(control)
        elif control_id in _NOTE_LABELS:
            lines.append(f"{_NOTE_LABELS[control_id]} {' '.join(nested_lines(control))}")
        else:  # text boxes and other shapes ('gso '), and any other control holding paragraphs
            lines += nested_lines(control)
    return lines


def nested_lines(node: Record) -> list[str]:
    """The lines of every paragraph under `node`."""
    out: list[str] = []
    for child in node.children:
        out += paragraph_lines(child) if child.tag == TAG_PARA_HEADER else nested_lines(child)
    return out


def table_lines(control: Record) -> list[str]:
    """A table control as its caption, then one line per row. A cell's paragraphs are the siblings that
    follow its LIST_HEADER, whose column and row are UINT16s at offset 8."""
    rows: dict[int, list[list[str]]] = defaultdict(list)
    caption: list[str] = []
    cell: list[str] | None = None
    seen_table = False
    for child in control.children:
        if child.tag == TAG_TABLE:
            seen_table = True
        elif child.tag == TAG_LIST_HEADER:
            if seen_table and len(child.data) >= 12:
                _column, row = struct.unpack_from("<HH", child.data, 8)
                cell = []
                rows[row].append(cell)
            else:
                cell = caption
        elif child.tag == TAG_PARA_HEADER and cell is not None:
            cell.append(" ".join(paragraph_lines(child)))
    lines = [row_line([" ".join(c) for c in rows[r]]) for r in sorted(rows)]
    return ([" ".join(caption)] if caption else []) + lines


def _section_streams(ole: olefile.OleFileIO) -> list[str]:
    sections = [
        path for path in ole.listdir() if len(path) == 2 and path[0] == "BodyText" and path[1].startswith("Section")
    ]
    return ["/".join(p) for p in sorted(sections, key=lambda p: int(p[1][7:] or 0))]


def load_hwp(data: bytes) -> LoadedText:
    """Text of an HWP 5.x file, one paragraph or table row per line; the unit is the body section."""
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        header = ole.openstream("FileHeader").read()
        if not header.startswith(HWP_SIGNATURE) or len(header) < 40:
            raise MalformedFileError("not an HWP 5 file (no FileHeader signature).")
        (flags,) = struct.unpack_from("<I", header, 36)
        check_protection(flags)
        streams = _section_streams(ole)
        if not streams:
            raise MalformedFileError("the HWP file has no BodyText sections.")
        builder = LineBuilder()
        for number, name in enumerate(streams, 1):
            raw = ole.openstream(name).read()
            if flags & COMPRESSED:
                raw = zlib.decompress(raw, -15)  # raw deflate, no zlib header
            for record in parse_records(raw):
                if record.tag == TAG_PARA_HEADER:
                    for line in paragraph_lines(record):
                        builder.add(line, number)
    return builder.result("hwp", "section")
