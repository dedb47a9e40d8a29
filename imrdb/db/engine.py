"""Database URLs, engines and migrations: SQLite by default, PostgreSQL for teams."""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import time
import urllib.parse
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError

from imrdb import __version__
from imrdb.errors import DatabaseUnavailable, DatabaseURLError, MigrationError
from imrdb.rates import register_functions

DEFAULT_DB = "data/imr.db"
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 60_000  # a second writer waits this long for the first one's transaction
SQLITE_PAGE_SIZE = 16384  # for new files: fewer, larger pages; a letter's text fits on one
MIGRATION_LOCK_ID = 73_114_101  # an arbitrary constant naming imrdb's migration lock on PostgreSQL


def database_url(value: str | os.PathLike | None = None) -> str:
    """`--db` as given: a SQLAlchemy URL, or a file path for SQLite. Default: $IMRDB_DATABASE or data/imr.db."""
    value = str(value) if value else os.environ.get("IMRDB_DATABASE") or DEFAULT_DB
    if "://" in value:
        try:
            url = make_url(value)
        except ArgumentError:
            raise DatabaseURLError(f"--db {value!r} is not a database URL or file path") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise DatabaseURLError(f"--db {value!r}: only SQLite and PostgreSQL are supported")
        if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{Path(value).expanduser()}"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseUnavailable(f"{path}: cannot create its folder {path.parent}: {error.strerror or error}") from None
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # takes effect only on a new, empty file
            _wal(cursor)  # readers (Datasette) never block the writer
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable across crashes of the process under WAL
            cursor.execute("PRAGMA cache_size=-32000")  # 32 MB: the facet indexes stay in memory while writing
            cursor.close()
            register_functions(dbapi_connection)  # wilson_low / wilson_high, as PostgreSQL has them (0008)

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):
            # Take the write lock at BEGIN so two writers queue instead of deadlocking on upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return _explain_connect_failures(engine, str(path))
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise DatabaseURLError(
            f"the driver for {make_url(url).drivername} is not installed ({exc.name}): pip install 'imrdb[postgres]'"
        ) from None
    return _explain_connect_failures(engine, engine.url.render_as_string(hide_password=True))


def _wal(cursor: sqlite3.Cursor) -> None:
    """PRAGMA journal_mode=WAL, retried while the database is locked. When two processes open the
    same new file at once (two ingests starting together), SQLite answers the second one's switch to
    WAL with "database is locked" at once, without waiting (where waiting could deadlock, it skips
    the busy handler): 391 of 1,000 such openings failed in a test before this retry."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = 0.002
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(2 * pause, 0.1)


def _explain_connect_failures(engine: Engine, name: str) -> Engine:
    """A database that cannot be opened or stops working is an expected failure: one line naming it
    and the driver's reason (DatabaseUnavailable), not a traceback. Translated: a failure to connect,
    and on an open connection the failures only the machine's owner can fix (`outside_failure`: a
    full disk, an I/O error, a read-only file or role, a lost server). Any other error (a constraint,
    a lock to retry, a bug) is SQLAlchemy's, as before."""

    @event.listens_for(engine, "handle_error")
    def _unavailable(context):
        error = context.original_exception
        if error is None or context.is_pre_ping:  # a pre-ping's failure is SQLAlchemy's to retry
            return None
        if context.connection is None:  # no connection: the connect itself failed
            return DatabaseUnavailable(f"{name}: cannot open the database: {_first_line(error)}")
        reason = outside_failure(error, context.is_disconnect)
        return DatabaseUnavailable(f"{name}: {reason}") if reason else None

    return engine


# Failures of the database's machine, not of imrdb or the letters. SQLite: primary result codes
# (https://www.sqlite.org/rescode.html). PostgreSQL: SQLSTATE classes and codes
# (https://www.postgresql.org/docs/current/errcodes-appendix.html).
SQLITE_OUTSIDE_FAILURES = {
    3: "SQLITE_PERM", 8: "SQLITE_READONLY", 10: "SQLITE_IOERR", 11: "SQLITE_CORRUPT", 13: "SQLITE_FULL",
    14: "SQLITE_CANTOPEN", 26: "SQLITE_NOTADB",
}
POSTGRES_OUTSIDE_FAILURES = (
    "08",     # connection exception
    "25006",  # read-only transaction (a standby, default_transaction_read_only)
    "42501",  # insufficient privilege: the role may not write these tables
    "53",     # insufficient resources: disk full, out of memory, too many connections
    "57P",    # operator intervention: the server is shutting down or restarting
    "58",     # system error: an I/O error on the server
    "XX001", "XX002",  # data or index corrupted
)


def outside_failure(error: BaseException, is_disconnect: bool = False) -> str | None:
    """The reason, when a driver's error is one the machine's owner must fix (disk full, I/O error,
    read-only database, permission denied, server gone); None for anything else."""
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)  # an extended code: its low byte is the primary one
        return _first_line(error) if code is not None and code & 0xFF in SQLITE_OUTSIDE_FAILURES else None
    if is_disconnect:
        line = _first_line(error)
        return line if "connection" in line.lower() else f"the connection to the server was lost: {line}"
    state = getattr(error, "sqlstate", None) or ""
    return _first_line(error) if state.startswith(POSTGRES_OUTSIDE_FAILURES) else None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def make_reader(url: str) -> Engine:
    """An engine that only reads, for a worker process: a SQLite file is opened read-only, so a
    reader never takes the write lock and never waits for the writer (WAL)."""
    path = sqlite_path(url)
    if path is None:
        return make_engine(url)
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        register_functions(connection)
        return connection

    return _explain_connect_failures(create_engine("sqlite://", creator=connect), str(path))


def alembic_config(connection=None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (upgrade), creating it if it is new."""
    from alembic import command

    if revision == "head" and _at_head(engine):
        return  # the common case for every ingest after the first: no Alembic run needed
    with _migrating(engine) as connection, _explain_revision(revision):
        if connection.dialect.name == "postgresql":
            # two ingests starting at once on a new database: the second waits for the first's schema
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
        _refuse_unknown_schema(connection)
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    with _migrating(engine) as connection, _explain_revision(revision):
        _refuse_unknown_schema(connection)
        command.downgrade(alembic_config(connection), revision)


def _refuse_unknown_schema(connection) -> None:
    """A database a newer imrdb has migrated past this one's newest revision: say so, touch nothing."""
    from alembic.runtime.migration import MigrationContext

    stored = MigrationContext.configure(connection).get_current_revision()
    known = revisions()
    if stored is not None and stored not in known:
        raise MigrationError(f"the database's schema is at revision {stored}, which this imrdb ({__version__}, newest "
                             f"revision {known[-1]}) does not know: a newer imrdb wrote it; upgrade imrdb to use it")


@contextlib.contextmanager
def _migrating(engine: Engine):
    """A connection in one transaction for a migration. SQLite alters a table by copying it and
    dropping the old one (Alembic's batch mode); with foreign keys enforced, that drop would fail on a
    table others refer to (ingest_runs) or, worse, cascade-delete the rows that refer to it (cases ->
    disputed_items). So enforcement is off while migrating, as Alembic advises, and the rows are
    checked before the commit instead."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # before BEGIN: inside a transaction the pragma does nothing
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
                    raise MigrationError(f"the migration would leave {len(broken)} rows referring to missing rows "
                                         f"(first: {broken[0][0]} row {broken[0][1]}); nothing was changed")
        finally:
            if sqlite and connection.connection.driver_connection is not None:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


@functools.lru_cache(maxsize=1)
def revisions() -> tuple[str, ...]:
    """The schema's revisions, oldest first (read once from migrations/)."""
    from alembic.script import ScriptDirectory

    return tuple(script.revision for script in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions())))


@contextlib.contextmanager
def _explain_revision(revision: str):
    """Alembic's refusal of a revision (unknown, or the wrong way) as one line listing the real ones."""
    from alembic.util import CommandError

    try:
        yield
    except CommandError as error:
        known = ", ".join(["base", *revisions()])
        raise MigrationError(f"--revision {revision}: {_first_line(error)} (the revisions: {known}; head is the newest)") from None


def open_existing(db: str | os.PathLike | None) -> Engine:
    """An engine on a database that exists already and holds imrdb's schema, for the commands that
    read or re-derive stored rows: a mistyped --db is refused in one line, and nothing is created or
    changed on the way (make_engine alone would create a file, and switch any SQLite file to WAL)."""
    url = database_url(db)
    path = sqlite_path(url)
    if path is not None:
        check_sqlite_database(path)
        return make_engine(url)
    engine = make_engine(url)
    if current_revision(engine) is None:
        engine.dispose()
        raise DatabaseUnavailable(f"{engine.url.render_as_string(hide_password=True)}: {_NO_SCHEMA}")
    return engine


_NO_SCHEMA = "not an imrdb database (no schema); create it with `imrdb ingest PATH --db ...` or `imrdb migrate --db ...`"


def check_sqlite_database(path: Path) -> None:
    """Refuse, in one line, a SQLite path that is not an imrdb database, opening it read-only so that
    nothing is created or changed: a missing file, a folder, a file that is not SQLite, another
    program's SQLite file (no imrdb schema)."""
    if path.is_dir():
        raise DatabaseUnavailable(f"{path}: a folder, not a database file")
    if not path.is_file():
        raise DatabaseUnavailable(f"{path}: no such database; create it with `imrdb ingest PATH --db {path}`")
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
            stored = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError as error:
        if "no such table" not in str(error):
            raise DatabaseUnavailable(f"{path}: cannot open the database: {_first_line(error)}") from None
        stored = []
    except sqlite3.DatabaseError as error:  # "file is not a database"
        raise DatabaseUnavailable(f"{path}: cannot open the database: {_first_line(error)}") from None
    if not stored:
        raise DatabaseUnavailable(f"{path}: {_NO_SCHEMA}")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _at_head(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            stored = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    except Exception:  # no version table yet: a new database
        return False
    return stored == [head_revision()]


def head_revision() -> str:
    return revisions()[-1]
