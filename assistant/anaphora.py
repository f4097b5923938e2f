"""Words that point back to something said before: demonstratives and pronouns (그 사업, 본 협약, 이를 통해)."""

from __future__ import annotations

from index.korean import Morpheme, morphemes

# Kiwi tag → forms. 본/동/양/당 are the determiners of official writing (본 사업, 동 명칭, 양 지자체, 당 기관).
POINTERS: dict[str, frozenset[str]] = {
    "MM": frozenset({"그", "이", "저", "해당", "그런", "이런", "본", "동", "양", "당"}),
    "NP": frozenset(
        {"그", "그녀", "이", "이들", "그들", "거기", "그곳", "그것", "이것", "여기", "이곳", "저기", "그쪽"}
    ),
    "NNG": frozenset({"해당", "이번", "상기"}),
}
# The pronouns of those that stand for a person or a place (그가, 그녀의, 그곳의), not for a thing (그것).
ENTITY_PRONOUNS = POINTERS["NP"] - {"그것", "이것"}
OPENING_MORPHEMES = 3  # a sentence "opens with" a pointer when one is among its first three morphemes


def is_pointer(morpheme: Morpheme) -> bool:
    """True for a demonstrative or pronoun that refers to something named earlier."""
    return morpheme.form in POINTERS.get(morpheme.tag, ())


def opens_with_pointer(text: str) -> bool:
    """True when a sentence's subject is named only earlier in the text (본 사업은…, 이를 통해…, 그는…)."""
    return any(is_pointer(m) for m in morphemes(text)[:OPENING_MORPHEMES])
