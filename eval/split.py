"""A deterministic three-way split of development data by article, so nothing fitted is reported.

Questions about the same article (documents sharing a title) land in the same part: `fit` trains the
evidence and short-answer models, `calibrate` chooses the refusal cut-off, `test` is what we report.
Unanswerable questions have no article and are split by their id.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from eval.qa import QAItem
from index.documents import SourceDocument

Part = Literal["fit", "calibrate", "test"]
PARTS: tuple[Part, ...] = ("fit", "calibrate", "test")
SHARES = (0.5, 0.2)  # fit, calibrate; the rest is test


def part_of(key: str) -> Part:
    """The part a group key (an article title, or an item id) falls into."""
    fraction = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    if fraction < SHARES[0]:
        return "fit"
    return "calibrate" if fraction < SHARES[0] + SHARES[1] else "test"


def items_in_part(items: list[QAItem], documents: list[SourceDocument], part: str) -> list[QAItem]:
    """The items of one part: answerable ones by their gold document's title, the others by id."""
    titles = {document.source: document.title for document in documents}
    return [item for item in items if part_of(titles.get(item.doc or "", item.id) if item.doc else item.id) == part]
