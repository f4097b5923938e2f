"""HWPX (OWPML, KS X 6101): a zip whose `Contents/sectionN.xml` parts hold the body.

Read with `zipfile` + `lxml`, giving the same lines as the HWP 5 reader for the same document: paragraphs,
tables row by row, text boxes and captions, footnotes/endnotes. `<hp:t>` has mixed content, so the text
after each inline child (`<hp:fwSpace/>`, `<hp:tab/>`, `<hp:lineBreak/>` …) is kept. Headers, footers and
hidden comments are dropped. The unit is the section (1-based). Encrypted packages are refused.
"""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from index.errors import MalformedFileError
from index.formats.base import LineBuilder, LoadedText, ProtectedDocumentError, row_line

_INLINE = {"tab": " ", "lineBreak": " ", "fwSpace": " ", "nbSpace": " ", "hyphen": "-"}
_NOTES = {"footNote": "[각주]", "endNote": "[미주]"}
_SECTION = re.compile(r"Contents/section(\d+)\.xml")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def local_name(element: etree._Element) -> str:
    """An element's tag without its namespace ('' for comments and processing instructions)."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def paragraph_lines(paragraph: etree._Element) -> list[str]:
    """A `<hp:p>`'s text, then the lines of the tables, notes and text boxes anchored in it."""
    text: list[str] = []
    extra: list[str] = []
    for run in (r for r in paragraph if local_name(r) == "run"):
        for item in run:
            name = local_name(item)
            if name == "t":
                text.append(item.text or "")
                for inline in item:  # <hp:t>a<hp:fwSpace/>b</hp:t>: the tail is text too
                    text.append(_INLINE.get(local_name(inline), ""))
                    text.append(inline.tail or "")
            elif name == "tbl":
                extra += table_lines(item)
            elif name == "ctrl":
                for control in item:
                    label = _NOTES.get(local_name(control))
                    if label:
                        extra.append(f"{label} {' '.join(nested_lines(control))}")
            else:  # pictures, rectangles, containers…: their text boxes (drawText) and captions
                extra += nested_lines(item)
    return ["".join(text), *extra]


def nested_lines(node: etree._Element) -> list[str]:
    """The lines of every paragraph under `node`."""
    out: list[str] = []
    for child in node:
        out += paragraph_lines(child) if local_name(child) == "p" else nested_lines(child)
    return out


def table_lines(table: etree._Element) -> list[str]:
    """A table's caption, then one line per row."""
    captions = [" ".join(nested_lines(c)) for c in table if local_name(c) == "caption"]
    rows = [
        row_line([" ".join(nested_lines(cell)) for cell in row if local_name(cell) == "tc"])
        for row in table
        if local_name(row) == "tr"
    ]
    return captions + rows


def load_hwpx(data: bytes) -> LoadedText:
    """Text of an HWPX package, one paragraph or table row per line; the unit is the section."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        if "META-INF/manifest.xml" in names and b"encryption-data" in archive.read("META-INF/manifest.xml"):
            raise ProtectedDocumentError(
                "the HWPX document is encrypted (암호가 걸린 문서); save it without a password."
            )
        sections = sorted((int(m.group(1)), n) for n in names if (m := _SECTION.fullmatch(n)))
        if not sections:
            raise MalformedFileError("the HWPX package has no Contents/sectionN.xml.")
        builder = LineBuilder()
        for number, (_, name) in enumerate(sections, 1):
            root = etree.fromstring(archive.read(name), _PARSER)
            for paragraph in (p for p in root if local_name(p) == "p"):
                for line in paragraph_lines(paragraph):
                    builder.add(line, number)
    return builder.result("hwpx", "section")
