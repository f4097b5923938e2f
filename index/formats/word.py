"""DOCX with `python-docx`: paragraphs and tables in body order; each heading starts a new section.

Tables give one line per row (cells joined with ` | `; a horizontally merged cell once; nested tables
flattened into their cell); content controls (`w:sdt`, e.g. a table of contents) keep their text. Dropped:
page headers and footers, footnotes, comments, text boxes and tracked deletions. The unit is the section:
1 until the first heading that follows some text, then one more at each heading.
"""

from __future__ import annotations

import io

import docx
from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from index.formats.base import LineBuilder, LoadedText, row_line
from index.formats.hwpx import local_name

_HEADING_STYLES = ("Heading", "Title", "제목")


def is_heading(paragraph: Paragraph) -> bool:
    """A heading by style name (English or Korean Word) or by an outline level."""
    style = paragraph.style.name if paragraph.style is not None else ""
    return bool(style and style.startswith(_HEADING_STYLES)) or bool(paragraph._p.xpath("./w:pPr/w:outlineLvl"))


def table_rows(table: Table) -> list[str]:
    """One line per row; a merged cell (the same `<w:tc>` repeated) counted once."""
    lines = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            nested = [line for inner in cell.tables for line in table_rows(inner)]
            cells.append(" ".join([*(p.text for p in cell.paragraphs), *nested]))
        lines.append(row_line(cells))
    return lines


def load_docx(data: bytes) -> LoadedText:
    """Text of a DOCX file, one paragraph or table row per line; the unit is the heading section."""
    document: Document = docx.Document(io.BytesIO(data))
    builder = LineBuilder()
    section = 1
    seen_text = False
    for child in document.element.body.iterchildren():
        name = local_name(child)
        if name == "p":
            paragraph = Paragraph(child, document)
            text = paragraph.text
            if seen_text and text.strip() and is_heading(paragraph):
                section += 1
            builder.add(text, section)
            seen_text = seen_text or bool(text.strip())
        elif name == "tbl":
            for line in table_rows(Table(child, document)):
                builder.add(line, section)
            seen_text = True
        elif name == "sdt":
            builder.add(" ".join(t.text or "" for t in child.iter() if local_name(t) == "t"), section)
    return builder.result("docx", "section")
