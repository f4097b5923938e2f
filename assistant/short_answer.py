"""The short answer: the exact phrase of a cited sentence that answers the question.

Candidates are the noun phrases of the sentence (runs of Kiwi nominal morphemes, numbers with their units,
names, quoted titles) and every run of whole words inside them. Boosted trees fitted on development data
(`eval/fit_answer_model.py`, `assistant/tree_model.py`) score each with features of the question: what it asks
for (a person, a date, an amount, a count, a place...), the particle and the noun it asks about (its focus),
how far the candidate stands from the question's words in the sentence and whether they stand on the same
sides of it as around the question word, what role the particle after it gives it, and how much of it the
question already says. The best candidate is the short answer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from assistant.numbers import values
from assistant.question_types import YEAR_ASKED
from index.formats.base import CELL_SEPARATOR
from index.korean import Morpheme, morphemes
from index.language import detect_language
from index.translation import STOPWORDS, english_word_forms, query_word_forms

if TYPE_CHECKING:
    from assistant.tree_model import TreeEnsemble

NOMINAL_TAGS = frozenset({"NNG", "NNP", "NNB", "NR", "SN", "SL", "SH", "XPN", "XSN", "W_SERIAL", "SW"})
CONTENT_TAGS = frozenset({"NNG", "NNP", "NR", "SN", "SL", "SH", "XR", "VV", "VA"})
MAX_WORDS = 8
_CELL_MARK = CELL_SEPARATOR.strip()
_NUMBER_TAGS = frozenset({"SN", "NR"})  # digits and Korean number words (만, 억)
# Quotation marks and title brackets, opening and closing (straight quotes are both).
QUOTE_PAIRS = (("「", "」"), ("『", "』"), ("〈", "〉"), ("《", "》"), ("‘", "’"), ("“", "”"), ('"', '"'), ("'", "'"))
_OPENING = "".join(opening for opening, _ in QUOTE_PAIRS)
_CLOSING = "".join(closing for _, closing in QUOTE_PAIRS)
# What a question asks for, from its question word (Korean or English whole words).
KIND_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "date",
        re.compile(
            rf"{YEAR_ASKED.pattern}|언제|몇\s*(?:년|월|일|세기)|시기|시점|날짜|일자|\bwhen\b|what (?:month|date)"
            r"|\bperiod\b|\bdate\b",
            re.I,
        ),
    ),
    ("money", re.compile(r"얼마|금액|예산|비용|사업비|how much|budget|\bcost|\bworth\b|\bvalue of\b", re.I)),
    ("count", re.compile(r"몇|how many|number of", re.I)),
    ("percent", re.compile(r"비율|비중|퍼센트|percent|share|\brate\b", re.I)),
    ("person", re.compile(r"누구|누가|인물|사람|이름|명칭|\bwho(?:m|se)?\b|\bname\b", re.I)),
    (
        "place",
        re.compile(
            r"어디|어느\s*(?:곳|지역|나라|도시)|곳[은이]|장소|위치|출생지"
            r"|\bwhere\b|which (?:city|region|country|province)",
            re.I,
        ),
    ),
)
KINDS = ("date", "money", "count", "percent", "person", "place")
_WH_WORD = re.compile(r"누구|누가|언제|어디|무엇|무슨|어떤|어떠한|어느|몇|얼마|뭐")
_DATE_UNIT = re.compile(r"\d\s*(?:년|월|일|세기|년대)|\b(?:19|20)\d{2}\b")
PARTICLE_CLASSES = {"은": "topic", "는": "topic", "이": "subject", "가": "subject", "을": "object", "를": "object"}
# What the morpheme after a candidate makes of it (a particle's role, or the copula: "X이다").
ROLES = ("topic", "subject", "object", "genitive", "adverbial", "copula")
_ROLE_OF_TAG = {"JKS": "subject", "JKO": "object", "JKG": "genitive", "JKB": "adverbial", "VCP": "copula"}
# Nouns that name no kind of thing ("the name of X", "what thing"): a question's focus is the noun before them.
GENERIC_NOUNS = frozenset(
    {"이름", "명칭", "칭호", "것", "무엇", "뭐", "곳", "누구", "언제", "어디", "얼마", "수", "때", "말"}
)

# Each feature once, in the column order the trees were fitted on, with whether it describes the phrase whatever is
# asked (computed once per sentence: `Span.fixed`) or what the phrase shares with the question.
_PHRASE, _QUESTION = True, False
_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("question_overlap", _QUESTION),
    ("any_in_question", _QUESTION),
    ("words", _PHRASE),
    ("log_chars", _PHRASE),
    ("has_number", _PHRASE),
    ("has_name", _PHRASE),
    ("is_quoted", _PHRASE),
    ("whole_run", _PHRASE),
    ("run_suffix", _PHRASE),
    ("run_prefix", _PHRASE),
    ("kind_match", _QUESTION),
    ("kind_mismatch", _QUESTION),
    ("kind_expected", _QUESTION),
    ("particle_match", _QUESTION),
    ("head_noun_match", _QUESTION),
    ("distance", _QUESTION),
    ("position", _PHRASE),
    ("before_match", _QUESTION),
    ("after_match", _QUESTION),
    *((f"kind_{kind}", _PHRASE) for kind in KINDS),
    ("question_characters", _QUESTION),
    ("focus_match", _QUESTION),
    ("adjacent_match", _QUESTION),
    ("order_agreement", _QUESTION),
    ("hangul_share", _PHRASE),
    ("edge_in_question", _QUESTION),
    *((f"next_{role}", _PHRASE) for role in ROLES),
)
FEATURES = tuple(name for name, _ in _COLUMNS)
PHRASE_FEATURES = tuple(name for name, phrase in _COLUMNS if phrase)
QUESTION_FEATURES = tuple(name for name, phrase in _COLUMNS if not phrase)
_PHRASE_COLUMNS = [i for i, (_, phrase) in enumerate(_COLUMNS) if phrase]
_QUESTION_COLUMNS = [i for i, (_, phrase) in enumerate(_COLUMNS) if not phrase]
# "which company", "which K-water department", "what kind of service": the (up to two) words right after which/what.
_ASKED_NOUN = re.compile(r"\b(?:which|what)\s+(?:(?:kind|type|sort)\s+of\s+)?([\w-]+)(?:\s+([\w-]+))?", re.IGNORECASE)
_GLOSS = re.compile(r"(?<=[가-힣])\([^()가-힣\d]+\)")
CONTEXT_WORDS = 2  # content words either side of the question word and of a candidate that are compared
CACHED_SENTENCES = 1024  # sentences whose candidate phrases are kept (about 40 KB each): questions re-score them


@dataclass(frozen=True)
class Span:
    """A candidate phrase: offsets in the sentence, the morpheme after it and what it is regardless of the question."""

    start: int
    end: int
    next_morpheme: Morpheme | None
    before: frozenset[str]  # the content words before it and after it (CONTEXT_WORDS each)
    after: frozenset[str]
    text: str
    kind: str | None
    content: tuple[str, ...]  # its content words, lower-cased
    letters: str  # its letters and digits
    bigrams: frozenset[str]
    fixed: tuple[float, ...]  # its PHRASE_FEATURES


@dataclass(frozen=True)
class QuestionCues:
    """What the question asks for: kind, the particle after its question word and the noun it asks about."""

    kind: str | None
    particle: str | None
    head_noun: str | None
    tokens: frozenset[str]
    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    focus: frozenset[str] = frozenset()  # the noun asked about (센터의 이름은 → 센터; which company → 기업, 업체)
    characters: frozenset[str] = frozenset()
    before_question_word: frozenset[str] = frozenset()
    after_question_word: frozenset[str] = frozenset()
    english: bool = False


def _particle_class(form: str) -> str:
    return PARTICLE_CLASSES.get(form, form)


def question_cues(question: str) -> QuestionCues:
    """The cues of a question: its kind, the particle and noun after a Korean question word, the noun asked about,
    and its words (an English question's with their Korean translations)."""
    english = detect_language(question) == "en"
    kind = _asked_kind(question, english)
    tokens = morphemes(question)
    particle = head = None
    before: frozenset[str] = frozenset()
    after_words: frozenset[str] = frozenset()
    wh = _WH_WORD.search(question)
    wh_start, wh_end = (wh.start(), wh.end()) if wh else (len(question), len(question))
    if wh:
        after = [m for m in tokens if m.start >= wh.end()]
        nouns = [m for m in after if m.tag in ("NNG", "NNP", "NNB")][:1]
        head = nouns[0].form if nouns and nouns[0].start - wh.end() <= 3 else None
        particle = next((m.form for m in after[:3] if m.tag.startswith("J")), None)
        before = _context([m for m in tokens if m.end <= wh.start()][::-1])
        after_words = _context(after)
    content = frozenset(m.form.lower() for m in tokens if m.tag in CONTENT_TAGS)
    content |= {form for forms in query_word_forms(question) for form in forms}  # English: Korean translations
    nouns_before = [
        m.form for m in tokens if m.end <= wh_start and m.tag in ("NNG", "NNP") and m.form not in GENERIC_NOUNS
    ]
    return QuestionCues(
        kind,
        _particle_class(particle) if particle else None,
        head,
        content,
        before,
        after_words,
        focus=_english_focus(question) if english else _korean_focus(head, nouns_before),
        characters=character_bigrams(question),
        before_question_word=frozenset(m.form.lower() for m in tokens if m.end <= wh_start and m.tag in CONTENT_TAGS),
        after_question_word=frozenset(m.form.lower() for m in tokens if m.start >= wh_end and m.tag in CONTENT_TAGS),
        english=english,
    )


def _asked_kind(question: str, english: bool) -> str | None:
    """What the question asks for: the first kind whose cue it holds; in English, the kind of the cue that comes
    first (Who was the minister when ... asks for a person)."""
    found = [
        (match.start(), rank, name) for rank, (name, cue) in enumerate(KIND_CUES) if (match := cue.search(question))
    ]
    if not found:
        return None
    return min(found)[2] if english else found[0][2]  # found is in KIND_CUES order


def _korean_focus(head: str | None, nouns_before: list[str]) -> frozenset[str]:
    """The noun a Korean question asks about: the one after its question word, or the last one before it."""
    if head and head not in GENERIC_NOUNS:
        return frozenset({head})
    return frozenset(nouns_before[-1:])


def _english_focus(question: str) -> frozenset[str]:
    """The Korean words of the noun an English question asks about: the (up to two) words after which/what, as a
    compound's head may be either (which company → 기업, 업체; which K-water department → ..., 과, 부서), up to a
    function word or a verb (what is: none; which company developed: company)."""
    for asked in _ASKED_NOUN.finditer(question):
        first, second = asked.group(1), (asked.group(2) or "").lower()
        if first.lower() in STOPWORDS:
            continue
        noun = first if not second or second in STOPWORDS or second.endswith("ed") else f"{first} {second}"
        return frozenset(form for forms in english_word_forms(noun) for form in forms if not form.isascii())
    return frozenset()


def character_bigrams(text: str) -> frozenset[str]:
    """Pairs of consecutive letters or digits, blanks and punctuation removed (robust to word splitting); a
    one-letter text: its letter."""
    letters = _letters(text.lower())
    return frozenset(letters[i : i + 2] for i in range(len(letters) - 1)) or frozenset(letters)


def _context(tokens: list[Morpheme]) -> frozenset[str]:
    """The first CONTEXT_WORDS content words of `tokens` (in the order given)."""
    return frozenset([m.form.lower() for m in tokens if m.tag in CONTENT_TAGS][:CONTEXT_WORDS])


def _nominal(token: Morpheme) -> bool:
    """A morpheme a noun phrase may hold (a table's cell separator ends one: cells are phrases of their own)."""
    return token.tag in NOMINAL_TAGS and token.form != _CELL_MARK


def noun_runs(tokens: list[Morpheme], text: str) -> list[list[Morpheme]]:
    """Maximal runs of nominal morphemes, joined when separated by nothing or by spaces only."""
    runs: list[list[Morpheme]] = []
    current: list[Morpheme] = []
    for token in tokens:
        joined = current and text[current[-1].end : token.start].strip() == "" and token.start >= current[-1].end
        if _nominal(token) and (not current or joined):
            current.append(token)
            continue
        if current:
            runs.append(current)
        current = [token] if _nominal(token) else []
    if current:
        runs.append(current)
    return runs


def candidate_spans(sentence: str) -> list[Span]:
    """Every run of whole words inside the sentence's noun phrases (at most MAX_WORDS words)."""
    return list(_sentence_spans(sentence))


@lru_cache(maxsize=CACHED_SENTENCES)
def _sentence_spans(sentence: str) -> tuple[Span, ...]:
    tokens = morphemes(sentence)
    position = {id(t): i for i, t in enumerate(tokens)}
    spans: list[Span] = []
    seen: set[tuple[int, int]] = set()
    for run in noun_runs(tokens, sentence):
        words: list[list[Morpheme]] = [[run[0]]]
        for token in run[1:]:
            if token.start > words[-1][-1].end:
                words.append([token])
            else:
                words[-1].append(token)
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + MAX_WORDS) + 1):
                if _cuts_a_quantity(words, i, j):
                    continue
                piece = tuple(m for word in words[i:j] for m in word)
                start, end = piece[0].start, piece[-1].end
                if (start, end) in seen or not sentence[start:end].strip(" ,·"):
                    continue
                seen.add((start, end))
                first, last = position[id(piece[0])], position[id(piece[-1])]
                text = sentence[start:end]
                kind = _phrase_kind(text, piece)
                letters = _letters(text)
                next_morpheme = tokens[last + 1] if last + 1 < len(tokens) else None
                role = _role(next_morpheme)
                fixed = (
                    float(len(text.split())),
                    math.log1p(len(text)),
                    float(any(m.tag in _NUMBER_TAGS for m in piece)),
                    float(any(m.tag == "NNP" for m in piece)),
                    float(sentence[start - 1 : start] in _OPENING and sentence[end : end + 1] in _CLOSING),
                    float(i == 0 and j == len(words)),
                    float(j == len(words)),
                    float(i == 0),
                    start / max(len(sentence), 1),
                    *(float(kind == name) for name in KINDS),
                    sum(1 for ch in letters if "가" <= ch <= "힣") / max(len(letters), 1),
                    *(float(role == name) for name in ROLES),
                )
                spans.append(
                    Span(
                        start,
                        end,
                        next_morpheme,
                        _context(tokens[:first][::-1]),
                        _context(tokens[last + 1 :]),
                        text,
                        kind,
                        tuple(m.form.lower() for m in piece if m.tag in CONTENT_TAGS),
                        letters,
                        character_bigrams(text),
                        fixed,
                    )
                )
    return tuple(spans)


def _cuts_a_quantity(words: list[list[Morpheme]], i: int, j: int) -> bool:
    """True when words i..j-1 of a noun run cut a quantity written in several words: a number without the rest of
    it or its unit (2만 of 2만 5000명, 49억300만 of 49억300만 원), or a unit or number without the number before it
    (5000명 or 원 of the same)."""
    before_number = i > 0 and _is_number(words[i - 1]) and words[i][0].tag in _NUMBER_TAGS | {"NNB"}
    after_number = j < len(words) and _is_number(words[j - 1]) and words[j][0].tag in _NUMBER_TAGS | {"NNB"}
    return before_number or after_number


def _is_number(word: list[Morpheme]) -> bool:
    """A word that is a number only (2만, 49억300만; not 코로나19 or G20)."""
    return all(m.tag in _NUMBER_TAGS for m in word)


def answer_spans(sentence: str, cues: QuestionCues) -> list[Span]:
    """The candidate phrases that may answer the question: for a Korean question, none inside a gloss (a
    parenthesis right after a Korean word holding no Korean and no digits: 가상화폐(virtual currency),
    히사마쓰마루(久松丸)), which restates the word before it in another script."""
    spans = candidate_spans(sentence)
    if cues.english:
        return spans
    glosses = [(m.start(), m.end()) for m in _GLOSS.finditer(sentence)]
    return [s for s in spans if not any(start < s.start and s.end < end for start, end in glosses)]


def _phrase_kind(text: str, pieces: tuple[Morpheme, ...]) -> str | None:
    """What a candidate is: a date, an amount of money, a percentage (both as `assistant.numbers` reads them:
    1억 5천만 달러, 5억불), a count, a name, or None."""
    measures = {measure.kind for measure, _ in values(text)}
    if "money" in measures:
        return "money"
    if "percent" in measures:
        return "percent"
    if _DATE_UNIT.search(text):
        return "date"
    if any(m.tag in ("SN", "NR") for m in pieces):
        return "count"
    if any(m.tag == "NNP" for m in pieces):
        return "person"  # a proper noun: a person, a place or an organisation
    return None


def _kind_matches(expected: str | None, kind: str | None) -> bool:
    if expected is None or kind is None:
        return False
    return expected == kind or (expected == "place" and kind == "person")


def feature_matrix(sentence: str, spans: list[Span], cues: QuestionCues) -> np.ndarray:
    """One row of FEATURES per candidate span: its PHRASE_FEATURES, then what it shares with the question."""
    matched = [m for m in morphemes(sentence) if m.form.lower() in cues.tokens]
    matrix = np.empty((len(spans), len(FEATURES)), dtype=np.float64)
    matrix[:, _PHRASE_COLUMNS] = np.array([span.fixed for span in spans]).reshape(len(spans), len(PHRASE_FEATURES))
    asked = [_question_features(sentence, span, cues, matched) for span in spans]
    matrix[:, _QUESTION_COLUMNS] = np.array(asked).reshape(len(spans), len(QUESTION_FEATURES))
    return matrix


def _question_features(sentence: str, span: Span, cues: QuestionCues, matched: list[Morpheme]) -> list[float]:
    """The QUESTION_FEATURES of a span; `matched` are the sentence's morphemes that are words of the question."""
    in_question = sum(1 for form in span.content if form in cues.tokens)
    outside = [m for m in matched if m.end <= span.start or m.start >= span.end]
    distance = min((min(abs(m.start - span.end), abs(span.start - m.end)) for m in outside), default=len(sentence))
    next_morpheme = span.next_morpheme
    particle = next_morpheme.form if next_morpheme and next_morpheme.tag.startswith("J") else None
    next_form = next_morpheme.form if next_morpheme else None
    content = span.content
    return [
        in_question / max(len(content), 1),
        float(in_question > 0),
        float(_kind_matches(cues.kind, span.kind)),
        float(cues.kind is not None and span.kind is not None and not _kind_matches(cues.kind, span.kind)),
        float(cues.kind is not None),
        float(particle is not None and _particle_class(particle) == cues.particle),
        float(
            cues.head_noun is not None
            and (span.text.endswith(cues.head_noun) or next_form == cues.head_noun)
        ),
        math.log1p(distance),
        float(bool(cues.before & span.before)),
        float(bool(cues.after & span.after)),
        _share(span.bigrams, cues.characters),
        float(any(span.letters.endswith(focus) or next_form == focus for focus in cues.focus)),
        float(bool((span.before | span.after) & cues.tokens)),
        _order_agreement(matched, span, cues),
        float(len(content) > 1 and (content[0] in cues.tokens or content[-1] in cues.tokens)),
    ]


def _share(pairs: frozenset[str], question: frozenset[str]) -> float:
    return len(pairs & question) / len(pairs) if pairs else 0.0


def _letters(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def _role(morpheme: Morpheme | None) -> str | None:
    """The role a following morpheme gives a candidate (topic, subject, object, genitive, adverbial, copula)."""
    if morpheme is None:
        return None
    if morpheme.tag in ("JX", "JKS", "JKO") and morpheme.form in PARTICLE_CLASSES:
        return PARTICLE_CLASSES[morpheme.form]
    return _ROLE_OF_TAG.get(morpheme.tag)


def _order_agreement(matched: list[Morpheme], span: Span, cues: QuestionCues) -> float:
    """How well the question's words stand around the candidate as they stand around its question word: words
    before the question word found before the candidate, words after it found after, less the other way round
    (a share of the question words found; 0 for a question with nothing after its question word)."""
    if not cues.after_question_word:
        return 0.0
    before = {m.form.lower() for m in matched if m.end <= span.start}
    after = {m.form.lower() for m in matched if m.start >= span.end}
    found = before | after
    if not found:
        return 0.0
    agree = len(cues.before_question_word & before) + len(cues.after_question_word & after)
    disagree = len(cues.before_question_word & after) + len(cues.after_question_word & before)
    return (agree - disagree) / len(found)


def answer_likeness(sentences: list[str], cues: QuestionCues, model: TreeEnsemble) -> list[float]:
    """How much each sentence holds a phrase that answers: the best probability of its candidates that are not
    words of the question (0 when it has none). All sentences' candidates are scored in one batch."""
    matrices = [feature_matrix(sentence, answer_spans(sentence, cues), cues) for sentence in sentences]
    new = [m[m[:, FEATURES.index("any_in_question")] == 0] for m in matrices]
    if not any(len(m) for m in new):
        return [0.0] * len(sentences)
    probabilities = model.probabilities(np.vstack(new))
    ends = np.cumsum([len(m) for m in new])
    return [float(probabilities[end - len(m) : end].max()) if len(m) else 0.0 for m, end in zip(new, ends, strict=True)]


def best_span(question: str, sentence: str, model: TreeEnsemble) -> tuple[int, int, float] | None:
    """The (start, end, probability) of the phrase of `sentence` most likely to answer `question`, or None
    when the sentence has no candidate phrase."""
    cues = question_cues(question)
    spans = answer_spans(sentence, cues)
    if not spans:
        return None
    scores = model.probabilities(feature_matrix(sentence, spans, cues))
    index = int(np.argmax(scores))
    return spans[index].start, spans[index].end, float(scores[index])
