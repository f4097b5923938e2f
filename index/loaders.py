"""Read files into raw text with a page/section map. One loader per format; new formats plug in through
`LOADERS` (by format) and `SUFFIXES` (the file names `collect_files` picks up in folders).

The format is read from the bytes (magic numbers, zip contents), not the name: real files carry the wrong
extension. Only plain text, which has no signature, is told apart by its name (`.txt`, `.md`).
"""

from __future__ import annotations

import codecs
import importlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from index.errors import InputError, MalformedFileError, RagError, UnsupportedFileError
from index.formats.base import LoadedText, row_line
from index.formats.sniff import UNSUPPORTED, sniff_format

_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
# Only spaces and tabs: `\s` would also match newlines and swallow the blank line before a heading.
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(\*\*|__|`)")
# A table's delimiter row (|---|:--:|) and its other rows (| a | b |), cells split at pipes that are not escaped.
_MD_TABLE_DELIMITER = re.compile(
    r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*(?:\n|$)", re.MULTILINE
)
_MD_TABLE_ROW = re.compile(r"^[ \t]*\|(.*)\|[ \t]*$", re.MULTILINE)
_MD_CELL_BORDER = re.compile(r"(?<!\\)\|")


def decode_text(data: bytes, name: str) -> str:
    """Bytes to text: UTF-16 when it starts with a UTF-16 byte-order mark (Windows Notepad's "Unicode"),
    else UTF-8 (with or without BOM), else CP949, the usual legacy Korean encoding."""
    binary = MalformedFileError(f"{name}: looks like a binary file, not text.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = {"utf-16": "UTF-16"}
    elif b"\x00" in data:
        raise binary
    else:
        encodings = {"utf-8-sig": "UTF-8", "cp949": "CP949"}
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise binary
        return text
    raise MalformedFileError(f"{name}: not valid {' or '.join(encodings.values())} text.")


def _markdown_cells(row: str) -> list[str]:
    """The cells of a markdown table row (between its outer pipes), escaped pipes unescaped."""
    return [cell.replace("\\|", "|") for cell in _MD_CELL_BORDER.split(row)]


def load_markdown(data: bytes, name: str) -> str:
    """Markdown to plain text: headings, emphasis, links and images reduced to their words; a table's rows
    become table-row lines like every loader's (`row_line`: cells joined by " | ") without its delimiter row."""
    text = decode_text(data, name)
    text = _MD_TABLE_DELIMITER.sub("", text)
    text = _MD_TABLE_ROW.sub(lambda row: row_line(_markdown_cells(row.group(1))), text)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    return _MD_EMPHASIS.sub("", text)


def _on_first_use(module: str, function: str) -> Callable[[bytes, str], LoadedText]:
    """A loader whose module (and parser library) is imported when a file of its format first comes: the PDF and
    HTML libraries alone take half a second to import, which a server or a search would pay for nothing."""

    def load(data: bytes, _name: str) -> LoadedText:
        loaded: LoadedText = getattr(importlib.import_module(module), function)(data)
        return loaded

    return load


LOADERS: dict[str, Callable[[bytes, str], LoadedText]] = {
    "txt": lambda data, name: LoadedText(decode_text(data, name), "txt"),
    "md": lambda data, name: LoadedText(load_markdown(data, name), "md"),
    "hwp": _on_first_use("index.formats.hwp5", "load_hwp"),
    "hwpx": _on_first_use("index.formats.hwpx", "load_hwpx"),
    "pdf": _on_first_use("index.formats.pdf", "load_pdf"),
    "docx": _on_first_use("index.formats.word", "load_docx"),
    "html": _on_first_use("index.formats.webpage", "load_html"),
}
SUFFIXES = {
    ".txt": "txt",
    ".md": "md",
    ".hwp": "hwp",
    ".hwpx": "hwpx",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}
TEXT_FORMATS = ("txt", "md", "html")  # formats a file can be in without a signature in its bytes


def supported_suffixes() -> list[str]:
    """File name endings that can be ingested."""
    return sorted(SUFFIXES)


def _unsupported(name: str, why: str = "unsupported file type") -> UnsupportedFileError:
    return UnsupportedFileError(f"{name}: {why}; supported: {', '.join(supported_suffixes())}.")


def detect_format(data: bytes, name: str) -> str:
    """The format of a file, from its bytes; the name decides only between text formats. An
    `UnsupportedFileError` for a format no loader reads, a `MalformedFileError` for a file named as a
    document format whose bytes are not one (a broken or truncated download)."""
    sniffed = sniff_format(data)
    if sniffed in LOADERS:
        return sniffed
    if sniffed in UNSUPPORTED:
        raise _unsupported(name, UNSUPPORTED[sniffed])
    named = SUFFIXES.get(Path(name).suffix.lower())
    if named is None:
        raise _unsupported(name)
    if named in TEXT_FORMATS:
        return named
    kind = named.upper()
    raise MalformedFileError(f"{name}: not a valid {kind} file (its bytes are not a {kind} document).")


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """The supported files named or found (recursively) under the given paths, sorted per folder."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES:
                raise _unsupported(path.name)
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder.")
    return files


def load_document(data: bytes, name: str, max_bytes: int) -> LoadedText:
    """A file's raw text and page/section map, read by the loader for the format its bytes are in.

    Every failure is a `RagError` whose message starts with the file name: 415 (`UnsupportedFileError`)
    for a format no loader reads, 422 (`MalformedFileError`) for a broken, protected or text-less file.
    """
    if len(data) > max_bytes:
        raise InputError(f"{name}: {len(data)} bytes is more than the limit of {max_bytes} (RAG_MAX_FILE_BYTES).")
    fmt = detect_format(data, name)
    if fmt in ("txt", "md"):
        return LOADERS[fmt](data, name)  # their errors already name the file
    try:
        return LOADERS[fmt](data, name)
    except RagError as exc:
        raise type(exc)(f"{name}: {exc}") from exc
    except Exception as exc:  # parsers of untrusted files raise anything: report it as a broken file
        raise MalformedFileError(f"{name}: cannot read this {fmt.upper()} file ({type(exc).__name__}: {exc}).") from exc


def load_bytes(data: bytes, name: str, max_bytes: int) -> str:
    """Raw text of a file's contents (see `load_document`)."""
    return load_document(data, name, max_bytes).text


def load_file(path: Path, max_bytes: int) -> str:
    """Raw text of a file on disk."""
    return load_bytes(path.read_bytes(), path.name, max_bytes)
