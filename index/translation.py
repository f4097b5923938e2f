"""English question words as Korean search tokens, so English questions can match Korean text lexically.

Two word lists (see `index/data/LEXICON-NOTICE.md`): a general English→Korean list derived from Wiktionary
and kengdic, and a small hand-written policy glossary (거점, 사업비, 특구, 지자체, loanwords such as 오픈랩)
that takes precedence. Phrases of up to three words are looked up before single words, a word also as its
dictionary form (studies → study, held → hold), a hyphenated one by its parts; a capitalised word in neither list
(any such word, in a question typed all in lower case) may be a romanised Korean name and also gets its Hangul
spellings (`index/romanization.py`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from index.korean import headword_tokens, tokenize
from index.language import detect_language
from index.regions import find_regions, region_forms
from index.romanization import hangul_spellings

DATA_DIR = Path(__file__).resolve().parent / "data"
LEXICON_PATH = DATA_DIR / "en_ko_lexicon.tsv"
GLOSSARY_PATH = DATA_DIR / "policy_glossary.tsv"
MAX_PHRASE_WORDS = 3
_ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z-]*|\d[\d,.]*")
_MID_SENTENCE_WORD = re.compile(r"(?<![.!?]\s)(?<!^)\b(?!I\b)[A-Za-z][A-Za-z-]*")
STOPWORDS = frozenset(
    {
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "but", "is",
        "are", "was", "were", "be", "been", "being", "do", "does", "did", "what", "which", "who", "whom",
        "whose", "how", "much", "many", "when", "where", "why", "that", "this", "these", "those", "it", "its",
        "their", "there", "here", "as", "into", "about", "than", "will", "would", "can", "could", "should",
        "may", "might", "has", "have", "had", "not", "no", "yes", "any", "some", "each", "per", "over", "under",
        "up", "out", "so", "such", "i", "you", "we", "they", "he", "she", "me", "us", "them", "my", "our",
        "your", "his", "her", "get", "got", "give", "given",
    }
)


def _read_table(path: Path, pretokenized: bool) -> dict[str, list[frozenset[str]]]:
    table: dict[str, list[frozenset[str]]] = {}
    if not path.exists():
        return table
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, _, korean = line.partition("\t")
        alternatives = [
            frozenset(alt.split() if pretokenized else headword_tokens(alt.strip()))
            for alt in korean.split("|")
            if alt.strip()
        ]
        table[english.strip().lower()] = [alt for alt in alternatives if alt]
    return table


@lru_cache(maxsize=1)
def english_to_korean() -> dict[str, list[frozenset[str]]]:
    """English word or phrase → Korean token sets (glossary entries replace the general list's)."""
    table = _read_table(LEXICON_PATH, pretokenized=True)
    table.update(_read_table(GLOSSARY_PATH, pretokenized=False))
    return table


# Endings and what the dictionary form ends with instead: studies → study, producing → produce, industrial →
# industry, jointly → joint (a doubled consonant before -ed/-ing is single: planned → plan).
_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ies", ("y",)), ("ied", ("y",)), ("es", ("", "e")), ("s", ("",)), ("ed", ("", "e")), ("ing", ("", "e")),
    ("ally", ("",)), ("ly", ("",)), ("ial", ("y", "")), ("al", ("", "e")),
)
MIN_STEM = 3
# Irregular past forms and participles of verbs that policy questions use (held → hold).
_IRREGULAR = {
    "began": "begin", "begun": "begin", "bought": "buy", "brought": "bring", "built": "build", "came": "come",
    "became": "become", "chose": "choose", "chosen": "choose", "drew": "draw", "drawn": "draw", "fell": "fall",
    "fallen": "fall", "found": "find", "gave": "give", "grew": "grow", "grown": "grow", "held": "hold",
    "kept": "keep", "known": "know", "led": "lead", "left": "leave", "made": "make", "met": "meet", "paid": "pay",
    "ran": "run", "rose": "rise", "risen": "rise", "said": "say", "sent": "send", "shown": "show", "sold": "sell",
    "sought": "seek", "spent": "spend", "stood": "stand", "taken": "take", "took": "take", "told": "tell",
    "thought": "think", "went": "go", "won": "win", "wrote": "write", "written": "write",
}


def dictionary_forms(word: str) -> list[str]:
    """The word and the forms it may be an inflection or derivation of, most likely first."""
    forms = [word, *([_IRREGULAR[word]] if word in _IRREGULAR else [])]
    for ending, replacements in _ENDINGS:
        stem = word[: -len(ending)]
        if word.endswith(ending):
            forms += [stem + replacement for replacement in replacements if len(stem + replacement) >= MIN_STEM]
            if ending in ("ed", "ing") and len(stem) > MIN_STEM and stem[-1] == stem[-2] not in "aeiou":
                forms.append(stem[:-1])
    return list(dict.fromkeys(forms))


def _lookup(word: str, table: dict[str, list[frozenset[str]]]) -> list[frozenset[str]] | None:
    """The entry of a word or of its dictionary form (investments → investment, planned → plan, held → hold); an
    irregular past form listed itself, with its verb's (won: 원 and 이기다); a hyphenated word not listed whole: its
    parts' entries (pet-food → pet, food)."""
    found: list[frozenset[str]] = []
    for form in dictionary_forms(word):
        if form in table:
            found += table[form]
            if form != word or word not in _IRREGULAR:  # an irregular form listed itself goes on to its verb
                break
    if found:
        return list(dict.fromkeys(found))
    parts = [entry for part in word.split("-") if part and (entry := _lookup(part, table))] if "-" in word else []
    return [alternative for entry in parts for alternative in entry] or None


def english_word_forms(text: str, all_region_names: bool = False) -> list[frozenset[str]]:
    """Each content word (or known phrase) of an English text with its Korean search tokens; a region's
    canonical name (Daegu → 대구), or with `all_region_names` every Korean name of it (대구시, 대구광역시, …)."""
    table = english_to_korean()
    text = re.sub(r"'s\b", "", text)
    written = _ENGLISH_WORD.findall(text)
    words = [w.lower() for w in written]
    # A capital that only starts a sentence (or is "I") says nothing of how the asker writes names.
    any_capital = any(match.group()[0].isupper() for match in _MID_SENTENCE_WORD.finditer(text))
    out: list[frozenset[str]] = []
    i = 0
    while i < len(words):
        size = next(
            (n for n in range(min(MAX_PHRASE_WORDS, len(words) - i), 1, -1) if " ".join(words[i : i + n]) in table),
            1,
        )
        phrase = " ".join(words[i : i + size])
        capitalised = written[i][0].isupper() or not any_capital
        i += size
        if size == 1 and phrase in STOPWORDS:
            continue
        forms = (set(phrase.split()) | set(tokenize(phrase))) - STOPWORDS  # K-water is read as k, water in text
        entry = table[phrase] if size > 1 else _lookup(phrase, table)
        for alternative in entry or []:
            forms |= alternative
        names = region_forms(phrase) if all_region_names else find_regions(phrase)
        forms |= {token for name in names for token in tokenize(name)}
        if entry is None and not names and capitalised:  # a Korean name, romanised (Bonghwa → 봉화)?
            forms |= {spelling for part in phrase.split("-") for spelling in hangul_spellings(part)}
        out.append(frozenset(forms))
    return out


def query_word_forms(query: str) -> list[frozenset[str]]:
    """The search forms of each word of a query: Kiwi content morphemes for Korean (and any Korean in a
    mixed query) with the other names of a region, plus the translations of English words."""
    tokens = dict.fromkeys(tokenize(query))
    if detect_language(query) != "en":
        return [frozenset({token, *_region_tokens(token)}) for token in tokens]
    korean = [frozenset({token, *_region_tokens(token)}) for token in tokens if not token.isascii()]
    return korean + english_word_forms(query, all_region_names=True)


def _region_tokens(token: str) -> set[str]:
    """The search tokens of the other names of the region a Korean token names exactly (대구 → 대구시)."""
    forms = region_forms(token)
    return {form for alias in forms for form in tokenize(alias)} if token in forms else set()
