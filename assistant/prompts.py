"""Prompt templates for the LLM backends: plain files under `prompts/`, read once and formatted.

A prompt file holds a `[system]` section and a `[user]` section; `{name}` fields are filled with
`str.format` (values are never parsed as templates, so braces in sources are harmless). Files are
named `<kind>_<language>.txt`, e.g. `answer_ko.txt`; `RAG_PROMPTS_DIR` points at another folder.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from index.errors import RagError

DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
KINDS = ("answer", "condense", "claim")
_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.MULTILINE)


class PromptError(RagError):
    """A prompt file is missing or malformed."""

    status_code = 500


@dataclass(frozen=True)
class Prompt:
    """A system message and a user message template."""

    name: str
    system: str
    user: str

    @property
    def fields(self) -> set[str]:
        """The `{name}` fields the templates use."""
        parsed = string.Formatter().parse(self.system + self.user)
        return {field for _, field, _, _ in parsed if field}

    def messages(self, **values: str) -> list[BaseMessage]:
        """The chat messages with every field filled in."""
        missing = self.fields - values.keys()
        if missing:
            raise PromptError(f"Prompt {self.name} needs {sorted(missing)}.")
        return [SystemMessage(self.system.format(**values)), HumanMessage(self.user.format(**values))]


def parse_prompt(name: str, text: str) -> Prompt:
    """A prompt from the text of a prompt file."""
    parts = _SECTION.split(text)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if set(sections) != {"system", "user"} or not all(sections.values()):
        raise PromptError(f"Prompt {name} needs a non-empty [system] and [user] section.")
    return Prompt(name, sections["system"], sections["user"])


@lru_cache(maxsize=32)
def _load(path: Path) -> Prompt:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"Cannot read prompt file {path} ({exc}); RAG_PROMPTS_DIR names the folder.") from exc
    return parse_prompt(path.stem, text)


def load_prompt(kind: str, language: str, directory: Path | None = None) -> Prompt:
    """The `kind` prompt (answer, condense, claim) for a language (ko; anything else is en)."""
    if kind not in KINDS:
        raise ValueError(f"unknown prompt kind {kind!r}")
    folder = (directory or DEFAULT_PROMPTS_DIR).resolve()
    return _load(folder / f"{kind}_{'ko' if language == 'ko' else 'en'}.txt")
