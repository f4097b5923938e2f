"""Which document format a file is, from its bytes (magic numbers, zip contents), never its name."""

from __future__ import annotations

import io
import zipfile

import olefile

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HWP_SIGNATURE = b"HWP Document File"
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body")

# Recognised containers the loaders cannot read, with what to tell the user.
UNSUPPORTED = {
    "hwp3": "an HWP 3.x file (before 2002); save it as HWP 5 or HWPX in 한글",
    "ole": "an old Office file (.doc/.xls/.ppt) or another OLE container; save it as DOCX or PDF",
    "zip": "a zip archive that is neither HWPX nor DOCX",
}


def _ole_format(data: bytes) -> str | None:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            is_hwp = ole.exists("FileHeader") and ole.openstream("FileHeader").read(17) == HWP_SIGNATURE
    except Exception:  # a damaged container: olefile raises OSError, ValueError, struct.error…
        return None
    return "hwp" if is_hwp else "ole"


def _zip_format(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    if mimetype == b"application/hwp+zip" or "Contents/section0.xml" in names:
        return "hwpx"
    if "word/document.xml" in names:
        return "docx"
    return "zip"


def sniff_format(data: bytes) -> str | None:
    """`hwp`, `hwpx`, `docx`, `pdf` or `html` for a readable document; `hwp3`, `ole` or `zip` for a
    recognised container that is not supported (see `UNSUPPORTED`); None for anything else (plain text,
    or bytes no loader knows)."""
    if data.startswith(OLE_MAGIC):
        return _ole_format(data)
    if data.startswith(HWP_SIGNATURE + b" V3"):
        return "hwp3"
    if data.startswith(b"PK\x03\x04"):
        return _zip_format(data)
    if b"%PDF-" in data[:1024]:  # some writers put a few junk bytes before the header
        return "pdf"
    if data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(_HTML_STARTS):
        return "html"
    return None
