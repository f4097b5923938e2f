"""Read files into raw text. One loader per file type; new types plug in through `LOADERS`."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from index.errors import InputError, MalformedFileError, UnsupportedFileError

_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
# Only spaces and tabs: `\s` would also match newlines and swallow the blank line before a heading.
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(\*\*|__|`)")


def decode_text(data: bytes, name: str) -> str:
    """Bytes to text: UTF-16 when it starts with a UTF-16 byte-order mark (Windows Notepad's "Unicode"),
    else UTF-8 (with or without BOM), else CP949, the usual legacy Korean encoding."""
    binary = MalformedFileError(f"{name}: looks like a binary file, not text.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = {"utf-16": "UTF-16"}
    elif b"\x00" in data:
        raise binary
    else:
        encodings = {"utf-8-sig": "UTF-8", "cp949": "CP949"}
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise binary
        return text
    raise MalformedFileError(f"{name}: not valid {' or '.join(encodings.values())} text.")


def load_markdown(data: bytes, name: str) -> str:
    """Markdown to plain text: headings, emphasis, links and images reduced to their words."""
    text = decode_text(data, name)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    return _MD_EMPHASIS.sub("", text)


LOADERS: dict[str, Callable[[bytes, str], str]] = {
    ".txt": decode_text,
    ".md": load_markdown,
}


def supported_suffixes() -> list[str]:
    """File name endings that can be ingested."""
    return sorted(LOADERS)


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """The supported files named or found (recursively) under the given paths, sorted per folder."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in LOADERS)
        elif path.is_file():
            if path.suffix.lower() not in LOADERS:
                raise UnsupportedFileError(
                    f"{path.name}: unsupported file type; supported: {', '.join(supported_suffixes())}."
                )
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder.")
    return files


def load_bytes(data: bytes, name: str, max_bytes: int) -> str:
    """Raw text of a file's contents, chosen by the file name's ending."""
    loader = LOADERS.get(Path(name).suffix.lower())
    if loader is None:
        raise UnsupportedFileError(f"{name}: unsupported file type; supported: {', '.join(supported_suffixes())}.")
    if len(data) > max_bytes:
        raise InputError(f"{name}: {len(data)} bytes is more than the limit of {max_bytes} (RAG_MAX_FILE_BYTES).")
    return loader(data, name)


def load_file(path: Path, max_bytes: int) -> str:
    """Raw text of a file on disk."""
    return load_bytes(path.read_bytes(), path.name, max_bytes)
