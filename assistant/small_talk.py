"""Greetings, thanks, goodbyes, "who are you?" and "what documents do you have?": answered with what the assistant
does and what is indexed, not from the documents.

Without this, "hi" or "thanks" went to the answerer like a question, and a word list glossing them (hi → 이, thanks →
감사, which also means an audit) could cite a random sentence. A message is small talk only when all of it is: every
part between punctuation marks is a known phrase ("안녕하세요", "고마워요", "Hi, what can you do?");
"안녕하세요, 광주 AI 예산은?" is a question (asked without its greeting). Korean parts are compared by their Kiwi
morphemes without endings or particles (안녕하세요, 안녕하십니까 → 안녕), English parts by their words.
"""

from __future__ import annotations

import re
from enum import Enum

from index.korean import morphemes

SMALL_TALK = "small-talk"  # the `generator` of an answer written here


class Intent(Enum):
    """What a small-talk message does, in the order the reply prefers them (a greeting with thanks: greeting)."""

    DOCUMENTS = "documents"  # what documents do you have, 문서 목록
    INTRODUCE = "introduce"  # hello, who are you, what can you do, help
    FAREWELL = "farewell"
    THANKS = "thanks"
    ACKNOWLEDGE = "acknowledge"  # ok, 알겠습니다


_KOREAN = {
    Intent.INTRODUCE: {
        "안녕", "반갑", "하이", "헬로", "좋 아침", "잘 부탁", "너 누구", "당신 누구", "너 뭐", "넌 뭐", "뭐 하 수 있",
        "무엇 하 수 있", "뭐 하 줄 알", "어떻 사용", "어떻 쓰", "사용법", "도움말", "도움",
    },
    Intent.FAREWELL: {"잘 가", "잘 있", "안녕히 계", "안녕히 가", "다음 보", "나중 보"},
    Intent.THANKS: {"고맙", "감사", "땡큐", "수고", "고생"},
    Intent.ACKNOWLEDGE: {"알", "좋", "오케이", "네", "예", "응", "그렇", "그렇군"},
}
_ENGLISH = {
    Intent.INTRODUCE: {
        "hi", "hello", "hey", "hiya", "greetings", "good morning", "good afternoon", "good evening", "how are you",
        "what's up", "whats up", "who are you", "what are you", "what can you do", "what do you do", "help",
        "how does this work", "how do i use this", "how do i use you", "nice to meet you",
    },
    Intent.FAREWELL: {"bye", "goodbye", "bye bye", "see you", "see you later", "good night"},
    Intent.THANKS: {"thanks", "thank you", "thx", "ty", "cheers", "many thanks", "thanks a lot", "thank you very much"},
    Intent.ACKNOWLEDGE: {"ok", "okay", "great", "cool", "got it", "i see", "nice", "alright", "all right", "sure"},
}
# "What documents do you have?", "어떤 문서들이 있어?": a word for the documents, and only words that ask for a list.
_DOCUMENT_WORDS = {"문서", "자료", "목록", "document", "documents", "source", "sources", "file", "files"}
_LISTING_WORDS = {
    "어떤", "무슨", "뭐", "무엇", "있", "보이", "알", "가지", "색인", "전체", "모든", "들",
    "what", "which", "do", "you", "have", "are", "there", "list", "the", "show", "me", "all", "your", "indexed",
    "available", "is", "in", "index", "of", "can", "see", "any", "know",
}
# Words that may follow an English phrase without changing it (hi there, thanks so much) and interjections that may
# open a Korean one (네 고마워요).
_ENGLISH_TAILS = ("there", "again", "so much", "very much", "a lot", "all", "everyone")
_KOREAN_FILLERS = {"네", "예", "응", "아", "오", "와"}
# Morphemes that carry no meaning of their own here: endings, particles, the copula, suffixes, auxiliary verbs
# (보여 줘, 알고 있어), symbols. Not a particle of place or means (JKB): "어떤 문서에 있어?" asks where an answer
# stands, not for the list of documents.
_DROPPED_TAG_PREFIXES = ("E", "J", "S", "XS", "VCP", "VX")


def _korean_key(part: str) -> str:
    forms = [m.form for m in morphemes(part) if m.tag == "JKB" or not m.tag.startswith(_DROPPED_TAG_PREFIXES)]
    while len(forms) > 1 and forms[0] in _KOREAN_FILLERS:
        forms = forms[1:]
    return " ".join(forms)


def _english_key(part: str) -> str:
    key = " ".join(re.findall(r"[a-z']+", part.lower()))
    for tail in _ENGLISH_TAILS:
        if key.endswith(" " + tail):
            return key[: -len(tail) - 1]
    return key


def _part_intent(part: str) -> Intent | None:
    if part.isascii():
        key, table = _english_key(part), _ENGLISH
    else:
        key, table = _korean_key(part), _KOREAN
    words = set(key.split())
    if words & _DOCUMENT_WORDS and words <= _DOCUMENT_WORDS | _LISTING_WORDS:
        return Intent.DOCUMENTS
    return next((intent for intent, phrases in table.items() if key in phrases), None)


def _parts(message: str) -> list[re.Match[str]]:
    return [m for m in re.finditer(r"[^,.!?~;:…\n]+", message) if re.search(r"\w", m.group())]


def small_talk_intent(message: str) -> Intent | None:
    """The intent of a message that is small talk as a whole; None for anything else (a question, a claim)."""
    intents = [_part_intent(part.group().strip()) for part in _parts(message)]
    if not intents or None in intents:
        return None
    return min(intents, key=list(Intent).index)  # type: ignore[arg-type]


def without_small_talk(message: str) -> str:
    """The message without the small talk before or after what it asks ("안녕하세요, 광주 AI 예산은?" → "광주 AI
    예산은?", "How much is it? Thanks!" → "How much is it?"); the message itself when nothing else is left."""
    asked = [part for part in _parts(message) if _part_intent(part.group().strip()) is None]
    if not asked:
        return message
    start, end = asked[0].start(), asked[-1].end()
    end += len(re.match(r"[.!?~…]*", message[end:]).group())  # type: ignore[union-attr]  # keep its question mark
    return message[start:end].strip()


def small_talk_reply(intent: Intent, language: str, titles: list[str]) -> str:
    """The reply in the asker's language; an introduction names what is indexed (`titles`, newest first or as
    listed) so the asker knows what to ask about."""
    if intent is Intent.INTRODUCE:
        return _introduction(language, titles)
    if intent is Intent.DOCUMENTS:
        return _document_list(language, titles)
    replies = {
        Intent.FAREWELL: ("안녕히 가세요! 언제든 다시 물어보세요.", "Goodbye! Come back any time."),
        Intent.THANKS: ("천만에요! 더 궁금한 것이 있으면 문서에 대해 물어보세요.",
                        "You're welcome! Ask me anything else about the documents."),
        Intent.ACKNOWLEDGE: ("네. 더 궁금한 것이 있으면 문서에 대해 물어보세요.",
                             "Sure. Ask me anything else about the documents."),
    }
    korean, english = replies[intent]
    return korean if language == "ko" else english


SHOWN_TITLES = 3  # in an introduction
LISTED_TITLES = 10  # in the answer to "what documents do you have?"


def _document_list(language: str, titles: list[str]) -> str:
    if not titles:
        return "아직 색인된 문서가 없습니다: 문서를 먼저 추가해 주세요." if language == "ko" else (
            "No documents are indexed yet: add some first.")
    listed = "\n".join(f"- {title}" for title in titles[:LISTED_TITLES])
    more = len(titles) - LISTED_TITLES
    if language == "ko":
        tail = f"\n… 외 {more}건 (전체 목록: 문서 탭, GET /api/documents)" if more > 0 else ""
        return f"색인된 문서 {len(titles)}건:\n{listed}{tail}"
    tail = f"\n… and {more} more (all of them: the Documents tab, GET /api/documents)" if more > 0 else ""
    return f"{len(titles)} document{'s' if len(titles) != 1 else ''} indexed:\n{listed}{tail}"


def _introduction(language: str, titles: list[str]) -> str:
    shown = ", ".join(f"「{title}」" for title in titles[:SHOWN_TITLES])
    more = len(titles) - SHOWN_TITLES
    if language == "ko":
        intro = (
            "안녕하세요! 정책톡입니다. 색인된 문서에 대해 한국어나 영어로 물어보시면, 답과 함께 근거 문장과 "
            "그 문서·매체·날짜를 보여 드립니다."
        )
        if not titles:
            return f"{intro} 아직 색인된 문서가 없습니다: 문서를 먼저 추가해 주세요."
        return f"{intro} 지금 문서 {len(titles)}건이 있습니다: {shown}{f' 외 {more}건' if more > 0 else ''}."
    intro = (
        "Hello! I'm 정책톡 (policy-rag). Ask me about the indexed documents in English or Korean: I answer with the "
        "source sentences and their document, outlet and date."
    )
    if not titles:
        return f"{intro} No documents are indexed yet: add some first."
    count = f"{len(titles)} document{'s' if len(titles) != 1 else ''}"
    return f"{intro} There are {count}: {shown}{f' and {more} more' if more > 0 else ''}."
