"""The project's own errors: each names the file, the stage and a reason a person can act on."""

from __future__ import annotations


class ImrdbError(Exception):
    """Base class for expected failures; the CLI prints them on one line, never as a traceback."""


class LetterError(ImrdbError):
    """A file that could not become a stored letter."""

    stage = "ingest"

    def __init__(self, reason: str, path: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


class SourceError(LetterError):
    """The file could not be read as text: missing, unreadable, too large, not a PDF, encrypted, a scan."""

    stage = "read"


class ParseError(LetterError):
    """The text is not an IMR final determination letter, or is cut off before its decisions."""

    stage = "parse"


class DatabaseURLError(ImrdbError):
    """A --db value that is neither a path nor a SQLAlchemy URL we can use."""


class DatabaseUnavailable(ImrdbError):
    """The database could not be opened or reached: a path that cannot be created, a file that is not
    SQLite, a PostgreSQL server that refuses the connection or the role."""


class WorkerDied(ImrdbError):
    """A parser process was killed (out of memory, or by a signal) in the middle of a run."""


class CannotListen(ImrdbError):
    """`imrdb serve` cannot listen on the address asked for: the port is in use, the host is not this machine's."""


class MigrationError(ImrdbError):
    """`imrdb migrate --revision` names no revision of the schema, or one the database cannot move to
    that way (an upgrade to an older revision, a downgrade to a newer one)."""
