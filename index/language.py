"""Language identification for Korean and English text, by script."""

from __future__ import annotations

import re

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str:
    """Return "ko" when Hangul makes up a fair share of the letters, else "en"."""
    hangul = len(_HANGUL.findall(text))
    latin = len(_LATIN.findall(text))
    if hangul == 0 and latin == 0:
        return "ko"
    # A Hangul syllable carries about three Latin letters' worth of text.
    return "ko" if hangul * 3 >= latin else "en"
