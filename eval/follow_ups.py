"""Follow-up development conversations from a QA set over titled articles.

A citizen asks "김이수는 몇 년도에 법원장으로 승진했나?" and then "그는 몇 년도에 태어났나?". Such pairs come
from any KorQuAD-style set: a Korean question that names its article's subject (the title) is asked again with
that name replaced by the pronoun 그, after another question of the same article that names it too. The gold
answer and evidence stay those of the rewritten question, so the same questions asked alone are the baseline
(`rag eval --follow-ups`).
"""

from __future__ import annotations

import hashlib
import re

from eval.qa import QAItem
from index.documents import SourceDocument

# The particle right after the name, and the form it takes after 그 (김이수는 → 그는, 김이수가 → 그가).
_PARTICLE = r"(으로|에게|에서|이다|이|은|을|과|의|가|는|를|와|로|에)?"
_AFTER_PRONOUN = {"이": "가", "은": "는", "을": "를", "과": "와", "으로": "로", "이다": "다"}


def subject_name(title: str) -> str:
    """The name an article's questions call its subject by: the title without a trailing parenthesis."""
    return re.sub(r"\s*\([^()]*\)$", "", title).strip()


def with_pronoun(question: str, name: str) -> str:
    """The question with the first mention of `name` that begins a word (and its particle) replaced by 그."""
    found = re.search(r"(?<![\w])" + re.escape(name) + _PARTICLE, question)
    if found is None:
        return question
    particle = found.group(1) or ""
    return question[: found.start()] + "그" + _AFTER_PRONOUN.get(particle, particle) + question[found.end() :]


def _stable_pick(key: str, count: int) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % count


def follow_up_conversations(items: list[QAItem], documents: list[SourceDocument]) -> list[QAItem]:
    """Two-turn conversations: for each answerable Korean question naming its article's subject, another
    question of that article naming it (a fixed pseudo-random one; its answer may stand in the same sentence, as
    in a conversation that asks more about what was just cited), then the question with the name replaced by 그."""
    titles = {document.source: document.title for document in documents}
    naming: dict[str, list[tuple[QAItem, str]]] = {}  # by subject: each question naming it, and its follow-up form
    for item in items:
        title = titles.get(item.doc or "")
        name = subject_name(title) if title else ""
        if item.lang != "ko" or not (item.question and item.evidence) or len(name) < 2:
            continue
        follow_up = with_pronoun(item.question, name)
        if follow_up != item.question:
            naming.setdefault(name, []).append((item, follow_up))
    conversations = []
    for _, group in sorted(naming.items()):
        for item, follow_up in group:
            others = [other for other, _ in group if other.question != item.question]
            if not others:
                continue
            first = others[_stable_pick(item.id, len(others))]
            conversations.append(
                item.model_copy(
                    update={
                        "id": f"{item.id}-follow-up",
                        "type": "conversation",
                        "question": None,
                        "turns": [first.question, follow_up],
                    }
                )
            )
    return conversations
