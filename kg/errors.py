"""kg's errors. The CLI turns each into one line on stderr and an exit code."""
from __future__ import annotations

__all__ = ["KgError", "UsageError", "InputError", "DuplicateDocumentId", "SchemaError", "Neo4jError", "StoreError", "EvalError",
           "NothingRead", "StrictFailure"]


class KgError(Exception):
    """Root of every error kg raises on purpose. ``exit_code`` is what the CLI exits with."""

    exit_code = 2


class UsageError(KgError):
    """Bad options or configuration (missing file, unknown format, bad parameter)."""


class InputError(KgError):
    """An input that cannot be read at all."""


class DuplicateDocumentId(InputError):
    """Two inputs state one document id (JSON lines' ``id``): neither may replace the other, and
    no argument order decides which one is kept."""


class SchemaError(KgError):
    """A relation schema or alias file that is malformed."""


class Neo4jError(KgError):
    """Neo4j unreachable, authentication failed, missing database, or a failed write."""


class StoreError(KgError):
    """The embedded store cannot be read or written, or another kg process holds it."""


class EvalError(KgError):
    """A gold file that cannot be scored."""


class NothingRead(UsageError):
    """No document could be read: nothing is written (an earlier output stays as it was)."""


class StrictFailure(KgError):
    """``--strict`` and some input was skipped: nothing is written."""

    exit_code = 1
