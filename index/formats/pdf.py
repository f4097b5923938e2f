"""PDF: the text layer page by page with `pdfplumber`; image-only pages by Tesseract OCR (`pypdfium2` renders).

- Lines are rebuilt from characters (pdfplumber's own line builder drops the trailing space glyph the rule
  below needs) and reflowed into paragraphs. 한글 justifies text and wraps inside words; it keeps a space
  glyph at the end of a line that wraps at a word boundary, so in such documents a wrapped line without
  one joins the next with no space (`안|전` → `안전`).
- Running headers/footers (the same text, digits masked, in the top/bottom 8% of at least half the pages)
  and page numbers (`- 3 -`, `3 / 17`, `p. 3`, `3쪽`) are dropped.
- Tables are emitted row by row (`cell | cell`) where they stand on the page.
- A paragraph that runs to the right edge at the bottom of a page continues on the next one; it counts
  for the page where it starts. The unit is the page (1-based).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pdfplumber
import pypdfium2
import pytesseract

from index.formats.base import LineBuilder, LoadedText, NoTextError, ProtectedDocumentError, row_line

BULLET = re.compile(
    r"^\s*([□■○●◦◎◇◆▶▷▪•※\-–·*ㅇoO]\s|[0-9]{1,2}[.)]\s|[가-하][.)]\s|\([0-9가-하]\)|[①-⑳]|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ][.\s])"
)
PAGE_NUMBER = re.compile(r"^[\s\-–—(]*((page|p\.)\s*)?\d{1,4}(\s*/\s*\d{1,4})?[\s\-–—)]*(쪽|페이지)?$", re.IGNORECASE)
MARGIN = 0.08  # share of the page height at the top and bottom where headers and footers live
OCR_DPI = 300
# A line whose words Tesseract is on average less than this sure of (0-100) is more likely wrong than right: what
# it reads in a picture, a stamp or a smudge. On KorQuAD paragraphs rendered clean, at half resolution and blurred
# with noise, every such line was noise and every line of real text scored 60 or more.
OCR_MIN_CONFIDENCE = 50
OCR_INSTALL_HINT = "install Tesseract OCR (`make ocr`: apt-get install tesseract-ocr tesseract-ocr-kor)"

Char = dict[str, Any]  # a pdfplumber character: text, x0, x1, top, bottom, size


@dataclass
class Line:
    """One visual line of a page."""

    text: str
    ends_with_space: bool  # a real space glyph ends the line (Hancom: wrapped at a word boundary)
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


@dataclass
class Page:
    """What one page holds: body lines, tables (top, rows of (cell lines, cell right edge)) and whether it
    had any characters or pictures at all."""

    number: int
    height: float
    lines: list[Line]
    tables: list[tuple[float, list[list[tuple[list[Line], float]]]]]
    has_chars: bool
    has_images: bool


@dataclass
class Block:
    """A paragraph or table row on its page; `open_end` when it may continue on the next page."""

    page: int
    text: str
    is_row: bool = False
    open_end: bool = False
    ends_with_space: bool = False


def build_lines(chars: list[Char]) -> list[Line]:
    """Characters grouped into visual lines, with a space wherever a visible gap has no space glyph."""
    rows: list[list[Char]] = []
    for ch in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
        if rows and abs(rows[-1][0]["top"] - ch["top"]) <= max(2.0, 0.3 * ch["size"]):
            rows[-1].append(ch)
        else:
            rows.append([ch])
    lines = []
    for row in rows:
        row.sort(key=lambda c: c["x0"])
        parts: list[str] = []
        previous: Char | None = None
        for ch in row:
            if previous is not None and ch["x0"] - previous["x1"] > 0.25 * ch["size"] and parts[-1] != " ":
                parts.append(" ")
            parts.append(ch["text"])
            previous = ch
        raw = "".join(parts)
        ink = [c for c in row if c["text"].strip()]
        if not ink:
            continue
        lines.append(
            Line(
                raw.strip(),
                raw.endswith(" "),
                ink[0]["x0"],
                ink[-1]["x1"],
                min(c["top"] for c in ink),
                max(c["bottom"] for c in ink),
                max(c["size"] for c in ink),
            )
        )
    return lines


def reaches_edge(line: Line, right: float, slack: float = 1.5) -> bool:
    """True when a line runs (nearly) to the right text edge, i.e. it wraps."""
    return line.x1 >= right - slack * line.size


def reflow(lines: list[Line], right: float, space_glyphs: bool) -> list[str]:
    """Wrapped visual lines joined into paragraphs. A paragraph ends at a short line, a vertical gap of
    1.2 line heights or a bulleted line."""
    paragraphs: list[str] = []
    previous: Line | None = None
    for line in lines:
        if (
            previous is not None
            and reaches_edge(previous, right)
            and line.top - previous.bottom < 1.2 * previous.size
            and not BULLET.match(line.text)
        ):
            if space_glyphs:
                separator = " " if previous.ends_with_space else ""
            else:
                separator = "" if paragraphs[-1].endswith("-") and line.text[:1].isalpha() else " "
            paragraphs[-1] += separator + line.text
        else:
            paragraphs.append(line.text)
        previous = line
    return paragraphs


def cell_text(lines: list[Line], right: float, space_glyphs: bool) -> str:
    """A table cell's lines joined: no space at a full-width wrap without a space glyph (Hancom style)."""
    text = ""
    for i, line in enumerate(lines):
        if i:
            previous = lines[i - 1]
            mid_word = space_glyphs and not previous.ends_with_space and reaches_edge(previous, right, 1.2)
            text += "" if mid_word else " "
        text += line.text
    return text


def _inside(obj: Char, bbox: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = bbox
    return x0 <= (obj["x0"] + obj["x1"]) / 2 <= x1 and top <= (obj["top"] + obj["bottom"]) / 2 <= bottom


def read_page(number: int, page: pdfplumber.page.Page) -> Page:
    """One page's lines outside tables and its tables' cells."""
    chars = page.chars
    found = page.find_tables()
    tables = []
    for table in found:
        rows = [
            [(build_lines([c for c in chars if _inside(c, box)]), box[2]) for box in row.cells if box is not None]
            for row in table.rows
        ]
        tables.append((table.bbox[1], rows))
    body = [c for c in chars if not any(_inside(c, t.bbox) for t in found)]
    return Page(number, float(page.height), build_lines(body), tables, bool(chars), bool(page.images))


def _in_margin(line: Line, height: float) -> bool:
    return line.top < MARGIN * height or line.bottom > (1 - MARGIN) * height


def _furniture_key(line: Line) -> str:
    return re.sub(r"\d+", "#", line.text.replace(" ", ""))


def running_furniture(pages: list[Page]) -> set[str]:
    """Keys of lines repeated in the margins of at least half the pages (and at least 3)."""
    counts = Counter(k for p in pages for k in {_furniture_key(ln) for ln in p.lines if _in_margin(ln, p.height)})
    return {k for k, n in counts.items() if len(pages) >= 3 and n >= max(3, len(pages) // 2)}


def page_blocks(page: Page, furniture: set[str], space_glyphs: bool) -> list[Block]:
    """A text page's paragraphs and table rows in reading order."""
    body = [
        ln
        for ln in page.lines
        if not (_in_margin(ln, page.height) and (_furniture_key(ln) in furniture or PAGE_NUMBER.match(ln.text)))
    ]
    right = max((ln.x1 for ln in body), default=0.0)
    tables = sorted(page.tables, key=lambda t: t[0])
    blocks: list[Block] = []
    pending: list[Line] = []

    def flush() -> None:
        paragraphs = reflow(pending, right, space_glyphs)
        blocks.extend(Block(page.number, p) for p in paragraphs)
        if paragraphs:
            blocks[-1].open_end = reaches_edge(pending[-1], right)
            blocks[-1].ends_with_space = pending[-1].ends_with_space
        pending.clear()

    for line in [*body, None]:
        while tables and (line is None or tables[0][0] < line.top):
            flush()
            rows = tables.pop(0)[1]
            glyphs = any(ln.ends_with_space for row in rows for lines, _ in row for ln in lines)
            blocks.extend(
                Block(page.number, row_line([cell_text(lines, edge, glyphs) for lines, edge in row]), is_row=True)
                for row in rows
            )
        if line is not None:
            pending.append(line)
    flush()
    return blocks


def join_across_pages(blocks: list[Block], space_glyphs: bool) -> list[Block]:
    """A paragraph left open at the bottom of a page continues with the first paragraph of the next."""
    merged: list[Block] = []
    for block in blocks:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.open_end
            and not last.is_row
            and not block.is_row
            and last.page != block.page
            and not BULLET.match(block.text)
        ):
            last.text += (" " if last.ends_with_space or not space_glyphs else "") + block.text
            last.open_end, last.ends_with_space = block.open_end, block.ends_with_space
        else:
            merged.append(block)
    return merged


def ocr_page(data: bytes, index: int) -> list[str]:
    """Paragraphs Tesseract reads on page `index` rendered at 300 dpi (Korean and English when installed)."""
    try:
        installed = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError) as exc:
        raise NoTextError(f"this PDF page is a scanned image and OCR is not available; {OCR_INSTALL_HINT}.") from exc
    lang = "+".join(code for code in ("kor", "eng") if code in installed) or "eng"
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[index].render(scale=OCR_DPI / 72).to_pil()
    finally:
        document.close()
    return confident_paragraphs(pytesseract.image_to_data(image, lang=lang, output_type=pytesseract.Output.DICT))


def confident_paragraphs(words: dict[str, list[Any]]) -> list[str]:
    """Tesseract's paragraphs from its word table (`image_to_data`), without the lines it is unsure of
    (OCR_MIN_CONFIDENCE); English words hyphenated at a wrap are joined again."""
    lines: dict[tuple[int, int, int], list[tuple[str, float]]] = {}
    for i, word in enumerate(words["text"]):
        confidence = float(words["conf"][i])
        if word.strip() and confidence >= 0:
            key = (words["block_num"][i], words["par_num"][i], words["line_num"][i])
            lines.setdefault(key, []).append((word.strip(), confidence))
    paragraphs: dict[tuple[int, int], list[str]] = {}
    for (block, paragraph, _), line in lines.items():
        if sum(confidence for _, confidence in line) / len(line) >= OCR_MIN_CONFIDENCE:
            paragraphs.setdefault((block, paragraph), []).append(" ".join(word for word, _ in line))
    joined = (re.sub(r"(\w)-\n(\w)", r"\1\2", "\n".join(rows)) for rows in paragraphs.values())
    return [text.replace("\n", " ") for text in joined]


def _open(data: bytes) -> list[Page]:
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return [read_page(n, page) for n, page in enumerate(pdf.pages, 1)]
    except Exception as exc:
        if "password" in repr(exc).lower() or "encrypt" in repr(exc).lower():
            raise ProtectedDocumentError("the PDF is password-protected; save an unprotected copy.") from exc
        raise


def load_pdf(data: bytes) -> LoadedText:
    """Text of a PDF, one paragraph or table row per line; the unit is the page. Pages without any
    characters but with a picture are OCRed; a PDF that yields no text at all is refused with the reason."""
    pages = _open(data)
    furniture = running_furniture(pages)
    line_ends = [ln.ends_with_space for p in pages for ln in p.lines]
    space_glyphs = bool(line_ends) and sum(line_ends) >= 0.1 * len(line_ends)
    blocks: list[Block] = []
    for page in pages:
        if page.has_chars:
            blocks += page_blocks(page, furniture, space_glyphs)
        elif page.has_images:
            blocks += [Block(page.number, p) for p in ocr_page(data, page.number - 1)]
    builder = LineBuilder()
    for block in join_across_pages(blocks, space_glyphs):
        builder.add(block.text, block.page)
    loaded = builder.result("pdf", "page")
    if not loaded.text.strip():
        scanned = not any(p.has_chars for p in pages)
        reason = "OCR found no words on its scanned pages" if scanned else "it has no text"
        raise NoTextError(f"the PDF yields no text: {reason}.")
    return loaded
