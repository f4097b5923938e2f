"""Saved web pages (news articles) with `trafilatura`: the main text, title, outlet and date.

Navigation, share/print menus, ads, comment widgets and related-article lists are left out by trafilatura;
the project's own cleaning (`index/cleaning.py`) then runs on the result like on any text, and catches
bylines and widget lines trafilatura keeps. The title drops the `| Outlet` suffix; the outlet comes from
`og:site_name`; the date from the page's metadata (a day, no time). trafilatura's author guess is not used:
it garbles Korean bylines. Web pages have no pages or sections.
"""

from __future__ import annotations

import trafilatura

from index.formats.base import LineBuilder, LoadedText, NoTextError


def load_html(data: bytes) -> LoadedText:
    """The article text of an HTML page, one paragraph per line, with its title, outlet and date."""
    extracted = trafilatura.bare_extraction(
        data,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=True,
    )
    if extracted is None or not (extracted.text or "").strip():
        raise NoTextError("no article text found in the web page.")
    builder = LineBuilder()
    for line in extracted.text.split("\n"):
        builder.add(line, 1)
    return builder.result(
        "html", None, title=extracted.title or None, outlet=extracted.sitename or None, published=extracted.date or None
    )
