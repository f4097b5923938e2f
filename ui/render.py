"""Pure HTML rendering for the UI: answers with clickable [n], citation buttons, the source panel with the
quoted span in <mark>, verdict badges and the documents table. No Gradio here, so all of it is unit-tested.

Every piece of document or user text goes through `html.escape`; only the markup made here is trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape
from urllib.parse import quote

from assistant.answer import ShortAnswerSpan
from assistant.citations import Citation
from assistant.claims import ClaimCheck
from index.documents import SourceDocument
from ui.i18n import label

MARKER = re.compile(r"\[(\d+)\]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~\[\]])")
CONTEXT_CHARS = 300
VERDICT_COLOURS = {"supported": "#1a7f37", "contradicted": "#cf222e", "not_found": "#6e7781"}


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def answer_offsets(c: Citation, span: ShortAnswerSpan | None) -> tuple[int, int] | None:
    """The short answer's offsets when it lies inside this citation."""
    if span is None or span.doc_id != c.doc_id or not c.start <= span.start < span.end <= c.end:
        return None
    return span.start, span.end


def cite_attributes(c: Citation, span: ShortAnswerSpan | None = None) -> str:
    """The data attributes a clickable citation carries: enough for the source panel without any state (with
    the short answer's offsets when it lies inside the citation)."""
    inside = answer_offsets(c, span)
    answer = f'data-astart="{inside[0]}" data-aend="{inside[1]}" ' if inside else ""
    return (
        f'data-n="{c.n}" data-doc="{_attr(c.doc_id)}" data-start="{c.start}" data-end="{c.end}" {answer}'
        f'title="{_attr(c.title)}"'
    )


def cite_href(c: Citation, span: ShortAnswerSpan | None = None) -> str:
    """The link of an inline [n]: `#cite/<n>/<doc_id>/<start>/<end>[/<answer start>/<answer end>]` (the chat's
    HTML sanitiser keeps links but drops data attributes, so the citation travels in the fragment; the page
    script reads it)."""
    inside = answer_offsets(c, span)
    answer = f"/{inside[0]}/{inside[1]}" if inside else ""
    return f"#cite/{c.n}/{quote(c.doc_id, safe='')}/{c.start}/{c.end}{answer}"


def escape_markdown(text: str) -> str:
    """Text that Markdown shows as typed: HTML escaped, Markdown's inline markup characters and each line's list
    or heading mark back-slashed, each line break kept (a list of titles stays one title a line)."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", escape(text, quote=False))
    text = re.sub(r"^(\s*)(\d+)\.", r"\1\2\\.", re.sub(r"^(\s*)([#>+-])", r"\1\\\2", text, flags=re.M), flags=re.M)
    return text.replace("\n", "<br>")


def answer_html(
    text: str, citations: Sequence[Citation], short_answer: str | None = None, span: ShortAnswerSpan | None = None
) -> str:
    """The answer for the chat (Markdown with inline HTML): the short answer first, in bold, then the text with
    every `[n]` that has a citation as a link that opens it in the source panel (see `cite_href`); the rest of
    the text is escaped."""
    by_n = {c.n: c for c in citations}
    parts: list[str] = []
    if short_answer and text.startswith(short_answer + "\n"):
        parts.append(f'<strong class="short-answer">{escape(short_answer)}</strong><br>\n')
        text = text[len(short_answer) + 1 :]
    last = 0
    for match in MARKER.finditer(text):
        citation = by_n.get(int(match.group(1)))
        if citation is None:
            continue
        parts.append(escape_markdown(text[last : match.start()]))
        parts.append(
            f'<a href="{cite_href(citation, span)}" class="cite-ref" title="{_attr(citation.title)}">[{citation.n}]</a>'
        )
        last = match.end()
    parts.append(escape_markdown(text[last:]))
    return "".join(parts)


def _meta_line(outlet: str | None, published: str | None, source: str, page: int | None = None) -> str:
    return " · ".join(escape(x) for x in (outlet, published, source, f"p. {page}" if page else None) if x)


def citation_list_html(
    citations: Sequence[Citation], lang: str, span: ShortAnswerSpan | None = None, heading: str = "citations"
) -> str:
    """The citations of the last answer as buttons (title, outlet, date) under the label `heading` (`related`: the
    closest sentences shown with a refusal); a hint when there are none."""
    if not citations:
        return f'<div class="cite-list empty">{escape(label(lang, "no_citations"))}</div>'
    items = "".join(
        f'<li><button type="button" class="cite-btn" {cite_attributes(c, span)}>'
        f'<span class="cite-n">[{c.n}]</span> <span class="cite-title">{escape(c.title)}</span>'
        f'<span class="cite-meta">{_meta_line(c.outlet, c.published, c.source, c.page)}</span></button></li>'
        for c in citations
    )
    return (
        f'<div class="cite-list {heading}"><h4>{escape(label(lang, heading))}</h4>'
        f'<ol class="cite-items">{items}</ol></div>'
    )


def context_bounds(text: str, start: int, end: int, context: int = CONTEXT_CHARS) -> tuple[int, int]:
    """About `context` characters either side of text[start:end], widened to whole words."""
    lo = max(0, start - context)
    hi = min(len(text), end + context)
    if lo > 0:
        space = text.rfind(" ", 0, lo)
        newline = text.rfind("\n", 0, lo)
        lo = max(space, newline) + 1
    if hi < len(text):
        cut = min((i for i in (text.find(" ", hi), text.find("\n", hi)) if i != -1), default=len(text))
        hi = cut
    return lo, hi


def highlighted(text: str, start: int, end: int, answer: tuple[int, int] | None = None) -> str:
    """`text` escaped, with text[start:end] inside <mark> and the short answer (offsets in `text`, inside the
    mark) in <strong class="answer-mark">."""
    if answer is None or not start <= answer[0] < answer[1] <= end:
        inner = escape(text[start:end])
    else:
        inner = (
            f'{escape(text[start : answer[0]])}<strong class="answer-mark">{escape(text[answer[0] : answer[1]])}'
            f"</strong>{escape(text[answer[1] : end])}"
        )
    return f"{escape(text[:start])}<mark>{inner}</mark>{escape(text[end:])}"


def source_html(
    document: SourceDocument | None,
    start: int,
    end: int,
    n: int | None,
    lang: str,
    context: int = CONTEXT_CHARS,
    answer: tuple[int, int] | None = None,
) -> str:
    """The source panel: the cited document's title, outlet and date, the quoted span in <mark> inside its
    context (with the short answer, given as document offsets, in bold), and the whole cleaned text (also
    highlighted) behind a <details>."""
    if document is None or not 0 <= start < end <= len(document.text):
        return f'<div class="source-panel missing">{escape(label(lang, "source_missing"))}</div>'
    text = document.text
    lo, hi = context_bounds(text, start, end, context)
    inside = (answer[0] - lo, answer[1] - lo) if answer else None
    snippet = highlighted(text[lo:hi], start - lo, end - lo, inside)
    snippet = ("…" if lo > 0 else "") + snippet + ("…" if hi < len(text) else "")
    number = f'<span class="cite-n">[{n}]</span> ' if n is not None else ""
    page = document.page_at(start)
    meta = " · ".join(
        escape(x)
        for x in (document.outlet, document.author, document.published, ", ".join(document.regions))
        + ((f"p. {page}",) if page else ())
        if x
    )
    return (
        f'<div class="source-panel" data-doc="{_attr(document.doc_id)}">'
        f'<h4 class="source-title">{number}{escape(document.title)}</h4>'
        f'<div class="source-meta">{meta}</div>'
        f'<div class="source-file">{escape(document.source)} · {escape(document.doc_id)} · {start}–{end}</div>'
        f'<blockquote class="source-context">{snippet}</blockquote>'
        f'<details class="source-full"><summary>{escape(label(lang, "full_document"))}</summary>'
        f'<div class="source-text">{highlighted(text, start, end, answer)}</div></details>'
        "</div>"
    )


def source_placeholder(lang: str) -> str:
    """The source panel before any citation is opened."""
    return f'<div class="source-panel empty">{escape(label(lang, "source_placeholder"))}</div>'


def verdict_badge(verdict: str, lang: str) -> str:
    """A colour-coded badge: green supported, red contradicted, grey not found."""
    colour = VERDICT_COLOURS.get(verdict, VERDICT_COLOURS["not_found"])
    key = f"verdict_{verdict}" if verdict in VERDICT_COLOURS else "verdict_not_found"
    return (
        f'<span class="verdict-badge verdict-{_attr(verdict)}" style="background:{colour}">'
        f"{escape(label(lang, key))}</span>"
    )


def claim_html(check: ClaimCheck, lang: str) -> str:
    """A claim verdict: badge, explanation, the conflicting figure, and each evidence quote with its source."""
    conflict = (
        f'<p class="claim-conflict"><strong>{escape(label(lang, "conflict"))}:</strong> '
        f"<mark>{escape(check.conflict)}</mark></p>"
        if check.conflict
        else ""
    )
    if check.evidence:
        quotes = "".join(
            f'<li><blockquote class="evidence-quote">“{escape(c.quote)}”</blockquote>'
            f'<div class="evidence-source"><span class="cite-n">[{c.n}]</span> {escape(c.title)}'
            f' <span class="cite-meta">{_meta_line(c.outlet, c.published, c.source, c.page)}</span></div></li>'
            for c in check.evidence
        )
        evidence = f'<ol class="evidence">{quotes}</ol>'
    else:
        evidence = f'<p class="evidence empty">{escape(label(lang, "no_evidence"))}</p>'
    return (
        f'<div class="claim-result">{verdict_badge(check.verdict, lang)}'
        f'<p class="claim-text">“{escape(check.claim)}”</p>'
        f'<p class="claim-explanation">{escape(check.explanation)}</p>{conflict}'
        f'<h4>{escape(label(lang, "evidence"))}</h4>{evidence}</div>'
    )


def documents_html(documents: Iterable[SourceDocument], lang: str, summary: str = "") -> str:
    """The indexed documents as a table (title, outlet, date, regions, file), newest first."""
    rows = "".join(
        f"<tr><td data-label='{_attr(label(lang, 'doc_title'))}'>{escape(d.title)}</td>"
        f"<td data-label='{_attr(label(lang, 'doc_outlet'))}'>{escape(d.outlet or '—')}</td>"
        f"<td data-label='{_attr(label(lang, 'doc_date'))}'>{escape(d.published or '—')}</td>"
        f"<td data-label='{_attr(label(lang, 'doc_regions'))}'>{escape(', '.join(d.regions) or '—')}</td>"
        f"<td data-label='{_attr(label(lang, 'doc_source'))}'><code>{escape(d.source)}</code></td></tr>"
        for d in sorted(documents, key=lambda d: (d.published or "", d.source), reverse=True)
    )
    head = "".join(
        f"<th>{escape(label(lang, key))}</th>"
        for key in ("doc_title", "doc_outlet", "doc_date", "doc_regions", "doc_source")
    )
    caption = f"<p class='doc-summary'>{escape(summary)}</p>" if summary else ""
    return (
        f"<div class='doc-list'><h4>{escape(label(lang, 'documents'))}</h4>{caption}"
        f"<table class='doc-table'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )
