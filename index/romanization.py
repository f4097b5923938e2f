"""Korean words written in the Latin alphabet back into Hangul: Bonghwa → 봉화, Eumseong → 음성, Nuri → 누리.

English questions name Korean places, companies and projects as they are romanised (the Revised Romanization,
with the older k/t/p for ㄱ/ㄷ/ㅂ as in Pohang or Kimchi). Every way of reading a word as syllables gives one
Hangul spelling; most are no word at all and simply match nothing in the index, the right one matches the
documents' own word.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Romanised spellings of the 19 initial consonants, 21 vowels and the final consonants, as indexes of the
# Unicode Hangul syllable block (initial × 588 + vowel × 28 + final).
_INITIALS: dict[str, tuple[int, ...]] = {
    "g": (0,), "kk": (1,), "n": (2,), "d": (3,), "tt": (4,), "r": (5,), "l": (5,), "m": (6,), "b": (7,),
    "pp": (8,), "s": (9,), "ss": (10,), "": (11,), "j": (12,), "jj": (13,), "ch": (14,), "k": (15, 0),
    "t": (16, 3), "p": (17, 7), "h": (18,),
}
_VOWELS: dict[str, int] = {
    "a": 0, "ae": 1, "ya": 2, "yae": 3, "eo": 4, "e": 5, "yeo": 6, "ye": 7, "o": 8, "wa": 9, "wae": 10,
    "oe": 11, "yo": 12, "u": 13, "wo": 14, "we": 15, "wi": 16, "yu": 17, "eu": 18, "ui": 19, "i": 20,
}
_FINALS: dict[str, int] = {"": 0, "k": 1, "g": 1, "n": 4, "t": 7, "l": 8, "m": 16, "p": 17, "ng": 21}
_SYLLABLE_BASE = 0xAC00
MAX_LETTERS = 16  # longer words are no Korean name
MAX_SPELLINGS = 32  # per word: enough for a name's ambiguous syllable boundaries
_LATIN_WORD = re.compile(r"[a-z]+")


def _syllables(word: str, start: int) -> list[tuple[int, str]]:
    """Every (end, Hangul syllable) that a syllable of `word` starting at `start` can be."""
    out = []
    for initial, consonants in _INITIALS.items():
        if not word.startswith(initial, start):
            continue
        after_initial = start + len(initial)
        for vowel, vowel_index in _VOWELS.items():
            if not word.startswith(vowel, after_initial):
                continue
            after_vowel = after_initial + len(vowel)
            for final, final_index in _FINALS.items():
                if word.startswith(final, after_vowel):
                    for consonant in consonants:
                        code = _SYLLABLE_BASE + (consonant * 21 + vowel_index) * 28 + final_index
                        out.append((after_vowel + len(final), chr(code)))
    return out


@lru_cache(maxsize=4096)
def hangul_spellings(word: str) -> tuple[str, ...]:
    """The Hangul spellings a romanised word can stand for (at most MAX_SPELLINGS, in reading order; none for
    a word that cannot be read as Korean syllables, as most English words cannot)."""
    word = word.lower()
    if not _LATIN_WORD.fullmatch(word) or len(word) > MAX_LETTERS:
        return ()
    readings: dict[int, list[str]] = {0: [""]}  # position → the Hangul read up to it
    for position in range(len(word)):
        for prefix in readings.get(position, [])[:MAX_SPELLINGS]:
            for end, syllable in _syllables(word, position):
                readings.setdefault(end, []).append(prefix + syllable)
    return tuple(dict.fromkeys(readings.get(len(word), [])))[:MAX_SPELLINGS]
