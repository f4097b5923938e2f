"""Build `index/data/en_ko_lexicon.tsv` (English word or phrase → Korean search tokens) from the shared
Korean–English word list (`ko_en.tsv` of the development lexicon, CC BY-SA 3.0; see index/data/LEXICON-NOTICE.md).

Usage: python eval/build_glossary.py --lexicon PATH/ko_en.tsv
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

from tqdm import tqdm

from index.korean import headword_tokens
from index.translation import LEXICON_PATH

MAX_WORDS = 3
MAX_ALTERNATIVES = 8
_HANGUL_WORD = re.compile(r"^[가-힣]{2,8}$")
_LEADING = re.compile(r"^(?:to be|to|a|an|the)\s+")
# A usage label: a preposition, perhaps "the" and one lower-case word, then capitalised words (In Joseon Korea, in
# dynastic Korea; the rule would also take "in English" or "on Monday", which the word list does not hold).
_USAGE_LABEL = re.compile(
    r"(?:in|of|at|from|for|by|on|with)\s+(?:the\s+)?(?-i:(?:[a-z]+\s+)?[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*)", re.IGNORECASE
)


def glosses(english: str) -> list[str]:
    """The short glosses of a definition: parentheses dropped, split at ; and , with leading articles (and the
    "to be" of an adjective: 길다 "to be long") gone, and no usage label (a preposition before a name: 진실게임 "in
    Korea", which would make "in Korea" a phrase of its own and hide Korea's 한국)."""
    english = re.sub(r"\([^)]*\)", "", english)
    out = []
    for part in re.split(r"[;,]", english):
        if _USAGE_LABEL.fullmatch(part.strip()):
            continue
        part = _LEADING.sub("", part.strip().lower())
        if part and len(part.split()) <= MAX_WORDS and re.fullmatch(r"[a-z][a-z' -]*", part):
            out.append(part)
    return out


def build(lexicon: Path) -> dict[str, list[str]]:
    """English gloss → Korean search-token strings (one per headword, at most MAX_ALTERNATIVES), headwords whose
    definition has fewer glosses first (생수 "water" before 관개 "irrigation, water")."""
    ranked: dict[str, dict[str, int]] = defaultdict(dict)
    lines = lexicon.read_text(encoding="utf-8").splitlines()
    for line in tqdm(lines, desc="lexicon", unit="pair"):
        korean, _, english = line.partition("\t")
        if not _HANGUL_WORD.match(korean):
            continue
        tokens = " ".join(headword_tokens(korean))
        if not tokens:
            continue
        found = glosses(english)
        for gloss in found:
            ranked[gloss][tokens] = min(ranked[gloss].get(tokens, len(found)), len(found))
    return {gloss: sorted(by_rank, key=by_rank.get)[:MAX_ALTERNATIVES] for gloss, by_rank in ranked.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lexicon", type=Path, required=True, help="The Korean–English word list (ko_en.tsv).")
    args = parser.parse_args()
    table = build(args.lexicon)
    with LEXICON_PATH.open("w", encoding="utf-8") as out:
        for gloss in sorted(table):
            out.write(f"{gloss}\t{'|'.join(table[gloss])}\n")
    print(f"wrote {len(table)} entries to {LEXICON_PATH}")


if __name__ == "__main__":
    main()
