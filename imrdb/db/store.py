"""Write letters' rows idempotently, a batch per transaction, from one writer.

- A file whose content hash is stored already is unchanged: nothing is written.
- A letter whose case number is stored with other content replaces that case's rows.
- Each letter is written whole or not at all; a batch that fails is retried letter by letter, so
  one bad letter costs only itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import JSON, DateTime, bindparam, delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from imrdb import __version__
from imrdb.db.models import cases, disputed_items, drug_names, guideline_citations, ingest_errors, ingest_runs, reviewers
from imrdb.rows import LetterRows
from imrdb.sources import text_path

INGESTED, UNCHANGED, REPLACED = "ingested", "unchanged", "replaced"


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class FailedFile:
    path: str
    sha256: str | None
    stage: str
    message: str


def known_hashes(connection: Connection, hashes: Sequence[str]) -> set[str]:
    """Which of these content hashes are stored already."""
    found: set[str] = set()
    for start in range(0, len(hashes), 500):
        chunk = list(hashes[start: start + 500])
        found.update(connection.execute(select(cases.c.source_sha256).where(cases.c.source_sha256.in_(chunk))).scalars())
    return found


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.dialect = engine.dialect.name
        self._reviewer_ids: dict[str, int] = {}
        dialect_insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        self._add_reviewer = dialect_insert(reviewers).on_conflict_do_nothing(index_elements=["profile_key"])
        self._reviewer_by_key = select(reviewers.c.id).where(reviewers.c.profile_key == bindparam("key"))
        self._lz4: bool | None = None  # PostgreSQL: can the server compress with lz4 (asked once)
        # PostgreSQL through psycopg 3 writes with COPY (`_copy_rows`); any other driver with INSERT ... RETURNING
        self.copy = self.dialect == "postgresql" and engine.dialect.driver == "psycopg"

    # -- ingest runs -----------------------------------------------------------------------

    def start_run(self, paths: Iterable[str]) -> int:
        host = socket.gethostname()
        with self.engine.begin() as connection:
            # runs of this host still "running" whose process is gone were killed (kill -9, power loss)
            running = connection.execute(
                select(ingest_runs.c.id, ingest_runs.c.pid)
                .where(ingest_runs.c.status == "running", ingest_runs.c.host == host)
            ).all()
            dead = [run.id for run in running if run.pid is None or not _process_alive(run.pid)]
            if dead:
                connection.execute(update(ingest_runs).where(ingest_runs.c.id.in_(dead)).values(status="killed"))
            return connection.execute(
                insert(ingest_runs).returning(ingest_runs.c.id),
                {"started_at": now(), "paths": [text_path(path) for path in paths], "status": "running",
                 "files_seen": 0, "ingested": 0, "unchanged": 0, "replaced": 0, "failed": 0,
                 "host": host, "pid": os.getpid(), "imrdb_version": __version__},
            ).scalar_one()

    def finish_run(self, run_id: int, status: str, counts: dict[str, int]) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(ingest_runs).where(ingest_runs.c.id == run_id).values(finished_at=now(), status=status, **counts)
            )

    def refresh_drug_names(self, rows: Sequence[dict]) -> None:
        """Make `drug_names` match the lexicon (upserts, so concurrent ingests do not collide)."""
        dialect_insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        with self.engine.begin() as connection:
            stored = {row.name: (row.generic, row.drug_class) for row in connection.execute(select(drug_names))}
            wanted = {row["name"]: (row["generic"], row["drug_class"]) for row in rows}
            if stored == wanted:
                return
            gone = [name for name in stored if name not in wanted]
            for start in range(0, len(gone), 500):
                connection.execute(delete(drug_names).where(drug_names.c.name.in_(gone[start: start + 500])))
            changed = [row for row in rows if stored.get(row["name"]) != (row["generic"], row["drug_class"])]
            if changed:
                statement = dialect_insert(drug_names)
                connection.execute(statement.on_conflict_do_update(
                    index_elements=["name"],
                    set_={"generic": statement.excluded.generic, "drug_class": statement.excluded.drug_class},
                ), changed)

    # -- writing ---------------------------------------------------------------------------

    def write_batch(self, letters: Sequence[LetterRows], failures: Sequence[FailedFile], run_id: int | None) -> list[str]:
        """Write a batch in one transaction; return each letter's outcome (ingested/unchanged/replaced).

        If the batch transaction fails (a concurrent writer took a case number, a constraint), it is
        retried letter by letter, and a letter that still fails is returned as an exception.
        """
        for attempt in range(3):
            try:
                with self.engine.begin() as connection:
                    outcomes = self._write(connection, letters, run_id)
                    self._record_failures(connection, failures, run_id)
                return outcomes
            except (IntegrityError, OperationalError) as error:
                if isinstance(error, OperationalError) and not _is_lock_error(error):
                    raise
                self._reviewer_ids.clear()  # a rolled-back transaction may have held new reviewer ids
                if attempt == 2 or len(letters) <= 1:
                    break
        outcomes: list = []
        for letter in letters:
            try:
                with self.engine.begin() as connection:
                    outcomes.extend(self._write(connection, [letter], run_id))
            except DBAPIError as error:
                self._reviewer_ids.clear()
                outcomes.append(error)
        self.record_failures(failures, run_id)
        return outcomes

    def record_failures(self, failures: Sequence[FailedFile], run_id: int | None) -> None:
        with self.engine.begin() as connection:
            self._record_failures(connection, failures, run_id)

    def _record_failures(self, connection: Connection, failures: Sequence[FailedFile], run_id: int | None) -> None:
        if failures:
            connection.execute(insert(ingest_errors), [
                {"run_id": run_id, "path": failure.path, "sha256": failure.sha256, "stage": failure.stage,
                 "message": failure.message, "created_at": now()} for failure in failures
            ])

    def _write(self, connection: Connection, letters: Sequence[LetterRows], run_id: int | None) -> list[str]:
        stamp = now()
        if self.dialect == "postgresql":
            self._compress_with_lz4(connection)
        outcomes = [INGESTED] * len(letters)
        # content stored already, or met earlier in this batch, is unchanged: the first copy is the one
        stored_hashes = known_hashes(connection, [letter.sha256 for letter in letters])
        candidates: list[int] = []
        seen_hashes: set[str] = set()
        for index, letter in enumerate(letters):
            if letter.sha256 in stored_hashes or letter.sha256 in seen_hashes:
                outcomes[index] = UNCHANGED
            else:
                seen_hashes.add(letter.sha256)
                candidates.append(index)
        # of new letters sharing a case number, the batch's last wins; earlier ones are superseded
        last_for_case = {letters[index].case_number: index for index in candidates if letters[index].case_number}
        numbers = list(last_for_case)
        existing = {}
        for start in range(0, len(numbers), 500):
            rows = connection.execute(
                select(cases.c.case_number, cases.c.id)
                .where(cases.c.case_number.in_(numbers[start: start + 500]))
            )
            existing.update({row.case_number: row.id for row in rows})

        to_write: list[int] = []
        replaced_ids: list[int] = []
        for index in candidates:
            number = letters[index].case_number
            if number and last_for_case[number] != index:
                outcomes[index] = REPLACED
                continue
            if number in existing:
                replaced_ids.append(existing[number])
                outcomes[index] = REPLACED
            to_write.append(index)
        if replaced_ids:
            self._delete_cases(connection, replaced_ids)
        if not to_write:
            return outcomes

        case_rows = []
        for index in to_write:
            letter = letters[index]
            case_rows.append({**letter.case, "reviewer_id": self._reviewer_id(connection, letter.reviewer),
                              "ingested_at": stamp, "ingest_run_id": run_id})
        case_ids = self._insert(connection, cases, case_rows)
        index_new_rows(connection, "cases", case_ids)

        item_rows, item_citations = [], []
        for case_id, index in zip(case_ids, to_write):
            letter = letters[index]
            for item, citations in zip(letter.items, letter.citations):
                item_rows.append({**item, "case_id": case_id})
                item_citations.append((case_id, citations))
        if not item_rows:
            return outcomes
        item_ids = self._insert(connection, disputed_items, item_rows)
        index_new_rows(connection, "disputed_items", item_ids)
        citation_rows = [
            {**citation, "disputed_item_id": item_id, "case_id": case_id}
            for item_id, (case_id, citations) in zip(item_ids, item_citations)
            for citation in citations
        ]
        if citation_rows:
            self._insert(connection, guideline_citations, citation_rows, want_ids=False)
        return outcomes

    def _compress_with_lz4(self, connection: Connection) -> None:
        """Let this transaction compress long values (letter_text, rationales) with lz4, not pglz.

        pglz_compress was the server's largest single cost (about 2.5 of its 18 CPU-seconds for
        20,000 letters); with lz4 the whole ingest took 19.1 s instead of 21.2 s (medians), and the
        tables 2% more space. Only how values are stored changes: every reader decompresses either,
        and the setting ends with the transaction. Skipped where the server lacks lz4 (PostgreSQL
        before 14, or built without it), where the SET would fail. The one thing it rules out:
        moving the data directory itself (not a pg_dump) to a PostgreSQL built without lz4."""
        if self._lz4 is None:
            self._lz4 = bool(connection.exec_driver_sql(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'").scalar())
        if self._lz4:
            connection.exec_driver_sql("SET LOCAL default_toast_compression = lz4")

    def _insert(self, connection: Connection, table, rows: list[dict], want_ids: bool = True) -> list[int]:
        """Insert rows, returning their new ids in order.

        SQLite: the transaction holds the database's write lock (BEGIN IMMEDIATE), so ids can be
        assigned from max(id) and the rows sent with one plain executemany, the fastest path.
        PostgreSQL with psycopg 3: ids reserved from the table's sequence and the rows sent with
        COPY (`_copy_rows`). Any other driver: INSERT ... RETURNING. Both are safe with concurrent writers.
        """
        if self.copy:
            return _copy_rows(connection, table, rows, want_ids)
        if self.dialect != "sqlite":
            if not want_ids:
                connection.execute(insert(table), rows)
                return []
            return connection.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars().all()
        first = connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {table.name}").scalar_one()
        names = list(rows[0])
        values_of = operator.itemgetter(*names)
        # only JSON and timestamp columns need converting for the sqlite3 driver
        convert = [index for index, name in enumerate(names, start=1)
                   if isinstance(table.c[name].type, (JSON, DateTime))]
        values = []
        for offset, row in enumerate(rows, start=first):
            record = (offset, *values_of(row))
            if convert:
                converted = list(record)
                for index in convert:
                    converted[index] = _sqlite_value(converted[index])
                record = tuple(converted)
            values.append(record)
        columns = ", ".join(["id", *names])
        marks = ", ".join("?" * (len(names) + 1))
        connection.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", values)
        return list(range(first, first + len(rows)))

    def _delete_cases(self, connection: Connection, case_ids: list[int]) -> None:
        connection.execute(delete(guideline_citations).where(guideline_citations.c.case_id.in_(case_ids)))
        connection.execute(delete(disputed_items).where(disputed_items.c.case_id.in_(case_ids)))
        connection.execute(delete(cases).where(cases.c.id.in_(case_ids)))

    def _reviewer_id(self, connection: Connection, reviewer: dict | None) -> int | None:
        if reviewer is None:
            return None
        key = reviewer["profile_key"]
        cached = self._reviewer_ids.get(key)
        if cached is not None:
            return cached
        connection.execute(self._add_reviewer, reviewer)
        reviewer_id = connection.execute(self._reviewer_by_key, {"key": key}).scalar_one()
        self._reviewer_ids[key] = reviewer_id
        return reviewer_id

    # -- re-deriving -----------------------------------------------------------------------

    def update_rows(self, connection: Connection, table, values: list[dict]) -> None:
        """Update re-derived columns of `table`'s rows; each dict has the row's `id` and the columns to set."""
        if not values:
            return
        columns = [key for key in values[0] if key != "id"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({column: bindparam(f"b_{column}") for column in columns})
        )
        connection.execute(statement, [{f"b_{key}": value for key, value in row.items()} for row in values])

    def replace_citations(self, connection: Connection, item_ids: list[int], rows: list[dict]) -> None:
        """Replace the guideline citations of these items with `rows` (re-derived; each has its
        disputed_item_id and case_id). Citations are not in the full-text index: nothing else to keep."""
        if not item_ids:
            return
        connection.execute(delete(guideline_citations).where(guideline_citations.c.disputed_item_id.in_(item_ids)))
        if rows:
            self._insert(connection, guideline_citations, rows, want_ids=False)

    def refresh_statistics(self) -> None:
        """Planner statistics after a batch of writes, so faceted pages use the covering indexes.

        SQLite: a full ANALYZE (about 2 s at 200,000 letters; sampled statistics left several facet
        pages choosing worse plans). PostgreSQL: ANALYZE of the imrdb tables."""
        with self.engine.begin() as connection:
            if self.dialect == "sqlite":
                connection.exec_driver_sql("ANALYZE")
            else:
                for table in (cases, disputed_items, guideline_citations, reviewers):
                    connection.exec_driver_sql(f"ANALYZE {table.name}")


# The searched columns of each table with a full-text index (SQLite FTS5; PostgreSQL indexes itself).
FULL_TEXT = {"cases": ("case_summary",), "disputed_items": ("description", "rationale")}


def index_new_rows(connection: Connection, table: str, ids: Sequence[int]) -> None:
    """Add just-inserted rows to the table's SQLite full-text index, one statement per batch.

    Migration 0004 replaced the per-row insert triggers with this: anything inserting rows
    outside the store must call it (or rebuild the index)."""
    if not ids or connection.dialect.name != "sqlite":
        return
    columns = ", ".join(FULL_TEXT[table])
    connection.exec_driver_sql(
        f"INSERT INTO {table}_fts (rowid, {columns}) SELECT id, {columns} FROM {table} WHERE id BETWEEN ? AND ?",
        (min(ids), max(ids)),
    )


# `n` new ids for a table from its own sequence: nextval never hands a value out twice, whatever
# other writers do at the same time (their ids may interleave with these; each set stays unique).
_RESERVE_IDS = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")


def _copy_rows(connection: Connection, table, rows: list[dict], want_ids: bool) -> list[int]:
    """PostgreSQL (psycopg 3): reserve the rows' ids from the table's sequence, then send the rows
    with one COPY, inside the caller's transaction. Returns the ids in row order (ascending, as
    INSERT ... RETURNING gave them).

    The same rows as `insert(table)` would write: JSON values (None included, which SQLAlchemy's
    JSON type stores as JSON null) go as jsonb, other values through psycopg's own adapters, and a
    column with a scalar Python default that the rows leave out gets that default. An error, such
    as a unique violation when another writer stored the same case first, is raised as SQLAlchemy's
    (IntegrityError, ...), so `write_batch` retries as it does for any statement.

    For 20,000 letters the writer's own CPU time fell from 8.3 s to 1.5 s (INSERT ... RETURNING through
    SQLAlchemy's insertmanyvalues sends long statements that psycopg re-parses in Python) and the
    server's from 21 to 17.5 s (no statements to parse and plan)."""
    import psycopg  # the postgres extra; only a psycopg connection gets here
    from psycopg.types.json import Jsonb

    names = list(rows[0])
    defaults = {column.name: column.default.arg for column in table.c
                if column.name not in names and column.default is not None and column.default.is_scalar}
    values_of = operator.itemgetter(*names)
    first = 1 if want_ids else 0  # the id leads each record
    jsonb = [index for index, name in enumerate(names, start=first) if isinstance(table.c[name].type, JSON)]
    ids: list[int] = []
    if want_ids:
        ids = sorted(connection.execute(_RESERVE_IDS, {"table": table.name, "n": len(rows)}).scalars())
    quote = connection.dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in [*(["id"] if want_ids else []), *names, *defaults])
    statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN"
    tail = tuple(defaults.values())
    try:
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for index, row in enumerate(rows):
                record = [ids[index], *values_of(row), *tail] if want_ids else [*values_of(row), *tail]
                for position in jsonb:
                    record[position] = Jsonb(record[position])
                copy.write_row(record)
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, None, error, psycopg.Error, dialect=connection.dialect) from error
    return ids


@functools.lru_cache(maxsize=1)
def _sqlite_timestamp(value: dt.datetime) -> str:  # a batch's rows share one timestamp: format it once
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_value(value):
    """A JSON or timestamp value as the sqlite3 driver stores it (what SQLAlchemy would send)."""
    if isinstance(value, dt.datetime):
        return _sqlite_timestamp(value)
    if value is None:
        return None
    return "[]" if value == [] else json.dumps(value)  # most letters have no parse warnings


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    return True


def _is_lock_error(error: OperationalError) -> bool:
    message = str(error.orig).lower() if error.orig else str(error).lower()
    return "locked" in message or "busy" in message or "deadlock" in message or "could not serialize" in message
