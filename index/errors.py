"""User-facing errors: each carries a message that says what went wrong and how to fix it."""

from __future__ import annotations


class RagError(Exception):
    """Base of every error the CLI shows as one line (exit 2) and the API as a 4xx/503 `detail`."""

    status_code = 400


class InputError(RagError):
    """The request or command line is not acceptable (empty, too long, bad value)."""

    status_code = 422


class NotFoundError(RagError):
    """A named document or session does not exist."""

    status_code = 404


class UnsupportedFileError(RagError):
    """A file type the loaders cannot read."""

    status_code = 415


class MalformedFileError(RagError):
    """A file that cannot be decoded or parsed."""

    status_code = 422


class IndexUnavailableError(RagError):
    """The index is missing, damaged or was built with another embedding model."""

    status_code = 503


class ModelUnavailableError(RagError):
    """The embedding model cannot be loaded."""

    status_code = 503
