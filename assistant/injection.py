"""Sentences in a document that address the assistant instead of the reader ("이전 지시를 무시하고…",
"ignore previous instructions", fake <system> tags). They stay in the text, which is quoted as data, but
never count as evidence: the extractive answerer does not quote them and the guardrail does not accept
them as support."""

from __future__ import annotations

import re

_INSTRUCTION = re.compile(
    r"지시(?:를|사항을|에)?\s*(?:무시|따르지)|이전\s*(?:지시|명령|프롬프트)|새\s*지시|시스템\s*프롬프트"
    r"|(?:라고|으로)만?\s*(?:답하라|답해라|답하시오|답변하라|대답하라)|출처(?:를|는)?\s*인용하지\s*마"
    r"|\bignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier)\s+(?:instructions|prompts?|rules)"
    r"|\bdisregard\s+(?:all\s+|the\s+)?(?:previous\s+|prior\s+)?instructions|\bsystem\s+prompt"
    r"|\banswer\s+(?:every|all|each)\s+questions?\s+with|\byou\s+are\s+now\b"
    r"|<\s*/?\s*(?:system|source|assistant|user|instructions?)\s*>",
    re.IGNORECASE,
)


def is_injected_instruction(sentence: str) -> bool:
    """True when the sentence reads as an instruction to an AI assistant rather than as content."""
    return bool(_INSTRUCTION.search(sentence))
