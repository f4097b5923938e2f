"""Which sentences of a document may serve as evidence, for the extractive answerer and the guardrail alike.

Not the headline: it names the topic, so it resembles any sentence about it without supporting any. Not a
sentence that addresses the assistant instead of the reader ("이전 지시를 무시하고…", "ignore previous
instructions", fake <system> tags): it stays in the text, which is quoted as data, but never counts as
evidence."""

from __future__ import annotations

import re

from index.documents import SourceDocument
from index.metadata import read_title

_INSTRUCTION = re.compile(
    r"지시(?:를|사항을|에)?\s*(?:무시|따르지)|이전\s*(?:지시|명령|프롬프트)|새\s*지시|시스템\s*프롬프트"
    r"|(?:라고|으로)만?\s*(?:답하라|답해라|답하시오|답변하라|대답하라)|출처(?:를|는)?\s*인용하지\s*마"
    r"|\bignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier)\s+(?:instructions|prompts?|rules)"
    r"|\bdisregard\s+(?:all\s+|the\s+)?(?:previous\s+|prior\s+)?instructions|\bsystem\s+prompt"
    r"|\banswer\s+(?:every|all|each)\s+questions?\s+with|\byou\s+are\s+now\b"
    r"|<\s*/?\s*(?:system|source|assistant|user|instructions?)\s*>",
    re.IGNORECASE,
)

HEADLINE_SLACK = 1.5  # a headline line may carry up to half its length again (outlet, tags)


def is_injected_instruction(sentence: str) -> bool:
    """True when the sentence reads as an instruction to an AI assistant rather than as content."""
    return bool(_INSTRUCTION.search(sentence))


def headline_line(document: SourceDocument) -> str:
    """The document's first line when its title was read from it, with the [tag] before the title if any (a
    byline: `[조 영 태 국가균형발전위원회 총괄기획국장] 광주 인공지능 단지…`); empty when the title came from
    elsewhere (a web page's <title>, a file's properties)."""
    end = document.text.find("\n")
    first = document.text[: end if end >= 0 else len(document.text)]
    return first if read_title(first)[0] == document.title else ""


def is_headline(document: SourceDocument, sentence: str) -> bool:
    """True when the sentence is (part of) the document's title or its headline line, or the title with a little
    around it (an outlet's name, a tag); a real sentence that mentions the title is no headline."""
    title = document.title
    return bool(title) and (
        sentence in title
        or sentence in headline_line(document)
        or (title in sentence and len(sentence) <= HEADLINE_SLACK * len(title))
    )


def can_be_evidence(document: SourceDocument, sentence: str) -> bool:
    """True when the sentence may answer a question or support a claim: neither headline nor instruction."""
    return not is_headline(document, sentence) and not is_injected_instruction(sentence)
