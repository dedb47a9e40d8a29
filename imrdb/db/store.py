"""Write letters' rows idempotently, a batch per transaction, from one writer.

- Every file that gave a letter is noted in source_files by the SHA-256 of its bytes: a file whose
  bytes were seen before is unchanged (only noted as seen again, at its path).
- A letter whose facts equal a stored letter's (another file of the same letter) is a duplicate: its
  file is listed among the case's sources, nothing else is written.
- A letter whose case number is stored with other facts replaces that case's rows in place (same id),
  and the change is recorded in case_replacements.
- Each letter is written whole or not at all; a batch that fails is retried letter by letter, so
  one bad letter costs only itself.
- Into an empty SQLite database, a bulk load defers the facet and full-text indexes to one build at its end.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
import os
import socket
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import JSON, DateTime, bindparam, delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from imrdb import __version__
from imrdb.db.models import (case_replacements, cases, disputed_items, drug_names, guideline_citations, ingest_errors,
                              ingest_runs, reviewers, source_files)
from imrdb.rows import LetterRows, changed_fields, letter_facts, letter_hash
from imrdb.sources import text_path

INGESTED, UNCHANGED, REPLACED, DUPLICATE = "ingested", "unchanged", "replaced", "duplicate"
LIVE = ("running", "indexing")  # the statuses of a run whose process may still be at work


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class FailedFile:
    path: str
    sha256: str | None
    stage: str
    message: str


@dataclass
class KnownFile:
    """A file whose bytes were ingested before (from any path): not parsed again, only noted as seen."""

    path: str
    sha256: str
    size: int


LETTER_LOCK_CLASS = 73_114_102  # the first key of imrdb's per-letter advisory locks on PostgreSQL (see _lock_letters)
# Each key once, in ascending order (OFFSET 0 keeps the sort below the locking): two writers locking overlapping
# sets take them in the same order, so neither can hold one the other waits for while waiting for one it holds.
_LOCK_LETTERS = text("SELECT pg_advisory_xact_lock(:lock_class, key) FROM "
                     "(SELECT DISTINCT key FROM unnest(CAST(:keys AS integer[])) AS key ORDER BY key OFFSET 0) AS keys")


def _lock_letters(connection: Connection, letter_hashes: Sequence[str]) -> None:
    """PostgreSQL: hold a lock on each of these letters (by hash) until the transaction ends. Two machines
    ingesting copies of one letter that has no case number then queue, and the second sees the first's case
    (a duplicate) instead of storing a second one; a letter with a case number queues on that number's unique
    index instead. SQLite needs none: its writers take the database's one write lock at BEGIN."""
    keys = [int(digest[:8], 16) - 2**31 for digest in letter_hashes]  # 32 bits of each hash, as an int4
    if keys:
        connection.execute(_LOCK_LETTERS, {"lock_class": LETTER_LOCK_CLASS, "keys": keys})


def _in_chunks(connection: Connection, statement, column, values: Sequence) -> Iterator:
    """Rows of `statement` where `column` is one of `values`, asked 500 values at a time."""
    values = list(dict.fromkeys(values))
    for start in range(0, len(values), 500):
        yield from connection.execute(statement.where(column.in_(values[start: start + 500])))


def known_hashes(connection: Connection, hashes: Sequence[str]) -> set[str]:
    """Which of these files' hashes were ingested before (from any path)."""
    return {row.sha256 for row in _in_chunks(connection, select(source_files.c.sha256), source_files.c.sha256, hashes)}


def _stored_files(connection: Connection, hashes: Sequence[str]) -> dict[str, list[tuple]]:
    """sha256 -> [(id, path, case id, letter hash)] of the files recorded with those bytes, oldest first."""
    found: dict[str, list[tuple]] = {}
    statement = select(source_files.c.id, source_files.c.sha256, source_files.c.path, source_files.c.case_id,
                       source_files.c.letter_sha256).order_by(source_files.c.id)
    for row in _in_chunks(connection, statement, source_files.c.sha256, hashes):
        found.setdefault(row.sha256, []).append((row.id, row.path, row.case_id, row.letter_sha256))
    for rows in found.values():
        rows.sort()
    return found


def _stored_letters(connection: Connection, letter_hashes: Sequence[str]) -> dict[str, int]:
    """letter hash -> the case that letter is (any file with those facts, whichever version the case holds now)."""
    statement = select(source_files.c.letter_sha256, source_files.c.case_id).where(source_files.c.case_id.is_not(None))
    return {row.letter_sha256: row.case_id
            for row in _in_chunks(connection, statement, source_files.c.letter_sha256, letter_hashes)}


def _stored_cases(connection: Connection, numbers: Sequence[str]) -> dict[str, tuple[int, str, str]]:
    """case number -> (id, sha256, path) of the stored cases with those numbers."""
    statement = select(cases.c.case_number, cases.c.id, cases.c.source_sha256, cases.c.source_path)
    return {row.case_number: (row.id, row.source_sha256, row.source_path)
            for row in _in_chunks(connection, statement, cases.c.case_number, numbers)}


def _stored_facts(connection: Connection, case_ids: Sequence[int]) -> dict[int, list]:
    """case id -> its stored letter's facts (`letter_facts`), to compare a new version with."""
    if not case_ids:
        return {}
    case_statement = select(cases, reviewers.c.profile_key).select_from(cases.outerjoin(reviewers))
    stored = {row.id: row._mapping for row in _in_chunks(connection, case_statement, cases.c.id, case_ids)}
    items: dict[int, list] = {case_id: [] for case_id in stored}
    citations: dict[int, list] = {}
    for row in _in_chunks(connection, select(disputed_items).order_by(disputed_items.c.position),
                          disputed_items.c.case_id, case_ids):
        items[row.case_id].append(row._mapping)
    for row in _in_chunks(connection, select(guideline_citations).order_by(guideline_citations.c.position),
                          guideline_citations.c.case_id, case_ids):
        citations.setdefault(row.disputed_item_id, []).append(row._mapping)
    return {case_id: letter_facts(case, {"profile_key": case["profile_key"]} if case["profile_key"] else None,
                                  sorted(items[case_id], key=lambda item: item["position"]),
                                  [citations.get(item["id"], []) for item in sorted(items[case_id], key=lambda item: item["position"])])
            for case_id, case in stored.items()}


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
            # runs of this host still running (or indexing) whose process is gone were killed (kill -9, power loss)
            running = connection.execute(
                select(ingest_runs.c.id, ingest_runs.c.pid)
                .where(ingest_runs.c.status.in_(LIVE), ingest_runs.c.host == host)
            ).all()
            dead = [run.id for run in running if run.pid is None or not _process_alive(run.pid)]
            if dead:
                connection.execute(update(ingest_runs).where(ingest_runs.c.id.in_(dead)).values(status="killed"))
            return connection.execute(
                insert(ingest_runs).returning(ingest_runs.c.id),
                {"started_at": now(), "paths": [text_path(path) for path in paths], "status": "running",
                 "files_seen": 0, "ingested": 0, "unchanged": 0, "duplicate": 0, "replaced": 0, "failed": 0,
                 "host": host, "pid": os.getpid(), "imrdb_version": __version__},
            ).scalar_one()

    def fill_letter_hashes(self, per_transaction: int = 500) -> int:
        """Give the files recorded by revision 0009 (from cases an older imrdb stored) their letter hash,
        from the stored rows, so that a copy of such a letter is known for a duplicate. Once per database:
        afterwards there are none to fill. Returns how many were filled."""
        missing = (select(source_files.c.id, source_files.c.case_id)
                   .where(source_files.c.letter_sha256.is_(None), source_files.c.case_id.is_not(None),
                          source_files.c.sha256 == select(cases.c.source_sha256)
                          .where(cases.c.id == source_files.c.case_id).scalar_subquery())
                   .limit(per_transaction))
        filled = 0
        while True:
            with self.engine.begin() as connection:
                found = connection.execute(missing).all()
                facts = _stored_facts(connection, [row.case_id for row in found])
                if found:
                    connection.execute(update(source_files).where(source_files.c.id == bindparam("b_id"))
                                       .values(letter_sha256=bindparam("b_hash")),
                                       [{"b_id": row.id, "b_hash": letter_hash(facts[row.case_id])} for row in found])
            filled += len(found)
            if len(found) < per_transaction:
                return filled

    def others_running(self, run_id: int, connection: Connection | None = None) -> bool:
        """Whether another ingest of this host is running or indexing now (its process alive)."""
        if connection is None:
            with self.engine.connect() as connection:
                return self.others_running(run_id, connection)
        running = connection.execute(
            select(ingest_runs.c.pid).where(ingest_runs.c.status.in_(LIVE), ingest_runs.c.host == socket.gethostname(),
                                            ingest_runs.c.id != run_id)).scalars().all()
        return any(pid is not None and _process_alive(pid) for pid in running)

    def claim_final_build(self, run_id: int, status: str) -> bool:
        """At a run's end: True when a bulk load's build is pending and this is the last live run, which is
        then marked "indexing" and builds it. Otherwise the run is marked `status` in the same transaction,
        so of two runs ending together the later one always sees the earlier one done, and builds."""
        if not self.bulk_load_pending():
            return False
        with self.engine.begin() as connection:
            build = self._pending(connection) and not self.others_running(run_id, connection)
            connection.execute(update(ingest_runs).where(ingest_runs.c.id == run_id)
                               .values(status="indexing" if build else status))
        return build

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

    def write_batch(self, letters: Sequence[LetterRows], failures: Sequence[FailedFile], run_id: int | None,
                    known: Sequence[KnownFile] = ()) -> list[str]:
        """Write a batch in one transaction; return each letter's outcome (ingested, unchanged, duplicate, replaced).
        `known`: files the workers found ingested before, noted as seen again.

        If the batch transaction fails (a concurrent writer took a case number, a constraint), it is
        retried letter by letter, and a letter that still fails is returned as an exception.
        """
        for attempt in range(3):
            try:
                with self.engine.begin() as connection:
                    outcomes = self._write(connection, letters, run_id, known)
                    self._record_failures(connection, failures, run_id)
                return outcomes
            except (IntegrityError, OperationalError) as error:
                if isinstance(error, OperationalError) and not _is_lock_error(error):
                    raise
                self._reviewer_ids.clear()  # a rolled-back transaction may have held new reviewer ids
                if attempt == 2 or len(letters) + len(known) <= 1:
                    break
        outcomes: list = []
        for letter in letters:
            try:
                with self.engine.begin() as connection:
                    outcomes.extend(self._write(connection, [letter], run_id))
            except DBAPIError as error:
                self._reviewer_ids.clear()
                outcomes.append(error)
        with self.engine.begin() as connection:
            if known:
                self._write(connection, [], run_id, known)
            self._record_failures(connection, failures, run_id)
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

    def _write(self, connection: Connection, letters: Sequence[LetterRows], run_id: int | None,
               known: Sequence[KnownFile] = ()) -> list[str]:
        """Write a batch's letters (and note its known files) in the caller's transaction; each letter's outcome.

        In path order, each letter is: UNCHANGED when its file's bytes were seen before (stored, or earlier in
        the batch); DUPLICATE when the same letter (`letter_facts`) came from another file before, whose case
        keeps its source and lists this file among its sources; REPLACED when its case number is stored (or
        met earlier in the batch) with other facts, the case updated in place and the change recorded;
        INGESTED otherwise. Only the last version of a case met in a batch is written."""
        stamp = now()
        if self.dialect == "postgresql":
            self._compress_with_lz4(connection)
        files = _stored_files(connection, [letter.sha256 for letter in letters] + [file.sha256 for file in known])
        fresh = [letter for letter in letters if letter.sha256 not in files]
        if self.dialect == "postgresql":
            _lock_letters(connection, [letter.letter_sha256 for letter in fresh if not letter.case_number])
        stored_letters = _stored_letters(connection, [letter.letter_sha256 for letter in fresh])
        numbers = list({letter.case_number for letter in fresh
                        if letter.case_number and letter.letter_sha256 not in stored_letters})
        stored_cases = _stored_cases(connection, numbers)  # case number -> (id, sha256, path)
        stored_facts = _stored_facts(connection, [case[0] for case in stored_cases.values()])

        outcomes: list = [INGESTED] * len(letters)
        owner: list = [None] * len(letters)  # each letter's case: ("id", case id) or ("new", index of the letter written)
        by_sha: dict[str, tuple] = {}
        by_letter: dict[str, tuple] = {}
        latest: dict[str, int] = {}  # case number -> index of its newest version in this batch
        replacements: list[tuple[int, dict]] = []  # (index of the new version, row less its case id)
        for index, letter in enumerate(letters):
            number = letter.case_number
            if letter.sha256 in files:
                outcomes[index], owner[index] = UNCHANGED, ("id", files[letter.sha256][0][2])
            elif letter.sha256 in by_sha:
                outcomes[index], owner[index] = UNCHANGED, by_sha[letter.sha256]
            elif letter.letter_sha256 in stored_letters:
                outcomes[index], owner[index] = DUPLICATE, ("id", stored_letters[letter.letter_sha256])
            elif letter.letter_sha256 in by_letter:
                outcomes[index], owner[index] = DUPLICATE, by_letter[letter.letter_sha256]
            elif number and (number in latest or number in stored_cases):
                if number in latest:
                    current = letters[latest[number]]
                    was = (current.sha256, current.source_path, current.facts())
                else:
                    case_id, sha256, path = stored_cases[number]
                    was = (sha256, path, stored_facts[case_id])
                changed = changed_fields(was[2], letter.facts())
                if not changed:  # a case stored before its letter was hashed (revision 0009): the same letter
                    outcomes[index] = DUPLICATE
                    owner[index] = ("id", stored_cases[number][0]) if number not in latest else ("new", latest[number])
                else:
                    outcomes[index] = REPLACED
                    replacements.append((index, {"case_number": number, "old_sha256": was[0], "old_path": was[1],
                                                 "new_sha256": letter.sha256, "new_path": letter.source_path,
                                                 "changed_fields": changed, "ingest_run_id": run_id,
                                                 "replaced_at": stamp}))
                    latest[number], owner[index] = index, ("new", index)
            else:
                if number:
                    latest[number] = index
                owner[index] = ("new", index)
            if outcomes[index] != UNCHANGED:
                by_sha.setdefault(letter.sha256, owner[index])
                by_letter.setdefault(letter.letter_sha256, owner[index])

        # the newest version of each case is written: over the stored case (same id), or as a new one
        written = sorted({*latest.values(), *(index for index, letter in enumerate(letters)
                                              if owner[index] == ("new", index) and not letter.case_number)})
        updates = [index for index in written if letters[index].case_number in stored_cases]
        inserts = [index for index in written if letters[index].case_number not in stored_cases]
        case_of: dict[int, int] = {}  # index of a written letter -> its case id
        for index in updates:
            case_of[index] = stored_cases[letters[index].case_number][0]
        if updates:
            self._delete_items(connection, [case_of[index] for index in updates])
            connection.execute(self._update_case, [
                {**{f"b_{key}": value for key, value in letters[index].case.items()}, "b_id": case_of[index],
                 "b_reviewer_id": self._reviewer_id(connection, letters[index].reviewer), "b_ingested_at": stamp,
                 "b_ingest_run_id": run_id} for index in updates])
        index_now = not self.full_text_deferred(connection)
        if inserts:
            case_rows = [{**letters[index].case, "reviewer_id": self._reviewer_id(connection, letters[index].reviewer),
                          "ingested_at": stamp, "ingest_run_id": run_id} for index in inserts]
            case_ids = self._insert(connection, cases, case_rows)
            case_of.update(zip(inserts, case_ids))
            if index_now:
                index_new_rows(connection, "cases", case_ids)
        self._write_items(connection, [(case_of[index], letters[index]) for index in written], index_now)

        def case_id(index: int) -> int:
            """The case of a letter: any version of a case number's letter is the case that number has now."""
            kind, value = owner[index]
            if kind == "id":
                return value
            number = letters[value].case_number
            return case_of[latest[number]] if number else case_of[value]

        if replacements:
            connection.execute(insert(case_replacements),
                               [{**row, "case_id": case_id(index)} for index, row in replacements])
        self._note_files(connection, files, stamp, run_id, [
            (letter.source_path, letter.sha256, letter.size, letter.letter_sha256, case_id(index), outcomes[index])
            for index, letter in enumerate(letters)] + [
            (file.path, file.sha256, file.size, None, None, UNCHANGED) for file in known])
        return outcomes

    def _write_items(self, connection: Connection, written: list[tuple[int, LetterRows]], index_now: bool) -> None:
        item_rows, item_citations = [], []
        for case_id, letter in written:
            for item, citations in zip(letter.items, letter.citations):
                item_rows.append({**item, "case_id": case_id})
                item_citations.append((case_id, citations))
        if not item_rows:
            return
        item_ids = self._insert(connection, disputed_items, item_rows)
        if index_now:
            index_new_rows(connection, "disputed_items", item_ids)
        citation_rows = [
            {**citation, "disputed_item_id": item_id, "case_id": case_id}
            for item_id, (case_id, citations) in zip(item_ids, item_citations)
            for citation in citations
        ]
        if citation_rows:
            self._insert(connection, guideline_citations, citation_rows, want_ids=False)

    def _note_files(self, connection: Connection, stored: dict[str, list[tuple]], stamp: dt.datetime,
                    run_id: int | None, seen: list[tuple]) -> None:
        """Record each file of the batch in source_files: a new (bytes, path) pair as a new row, one seen
        before as seen again. `seen`: (path, sha256, size, letter hash, case id, outcome); a known file's
        letter hash and case, when not given, are those of another file with the same bytes."""
        again, new, pairs = [], [], set()
        batch: dict[str, tuple] = {}  # sha256 -> (letter hash, case id) of this batch's files
        for path, sha256, size, letter_sha256, case_id, outcome in seen:
            if (sha256, path) in pairs:
                continue
            pairs.add((sha256, path))
            same_bytes = stored.get(sha256, [])
            row = next((row for row in same_bytes if row[1] == path), None)
            if row is not None:
                again.append(row[0])
                continue
            if case_id is None:
                letter_sha256, case_id = (same_bytes[0][3], same_bytes[0][2]) if same_bytes else batch.get(sha256, (None, None))
            batch.setdefault(sha256, (letter_sha256, case_id))
            new.append({"path": path, "sha256": sha256, "size": size, "letter_sha256": letter_sha256,
                        "case_id": case_id, "outcome": outcome, "ingest_run_id": run_id,
                        "first_seen_at": stamp, "last_seen_at": stamp})
        for start in range(0, len(again), 500):
            connection.execute(update(source_files).where(source_files.c.id.in_(again[start: start + 500]))
                               .values(last_seen_at=stamp))
        if new:
            self._insert(connection, source_files, new, want_ids=False)

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

    def _delete_items(self, connection: Connection, case_ids: list[int]) -> None:
        """A replaced case's items and citations (its row is updated in place, keeping its id)."""
        connection.execute(delete(guideline_citations).where(guideline_citations.c.case_id.in_(case_ids)))
        connection.execute(delete(disputed_items).where(disputed_items.c.case_id.in_(case_ids)))

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

    @functools.cached_property
    def _update_case(self):
        """UPDATE of a replaced case's row in place (its id, and so every link to it, stays)."""
        columns = [column.name for column in cases.c if column.name != "id"]
        return update(cases).where(cases.c.id == bindparam("b_id")).values(
            {column: bindparam(f"b_{column}") for column in columns})

    # -- bulk loading (SQLite) ---------------------------------------------------------------

    def full_text_deferred(self, connection: Connection) -> bool:
        """Whether the full-text index is being left for the end of a bulk load (its triggers are gone)."""
        if self.dialect != "sqlite":
            return False
        return connection.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('cases_ad', 'disputed_items_ad')"
        ).scalar_one() < 2

    def begin_bulk_load(self) -> bool:
        """For a load into an empty SQLite database: drop the facet indexes and the full-text triggers, so
        that rows are only appended while loading, and `finish_bulk_load` builds both once at the end (the
        usual bulk-loading order). True when this run did so; anything already deferred stays deferred."""
        if self.dialect != "sqlite":
            return False
        with self.engine.begin() as connection:
            if connection.exec_driver_sql("SELECT 1 FROM cases LIMIT 1").first() or self.full_text_deferred(connection):
                return False
            for index in DEFERRED_INDEXES:
                connection.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
            for table in FULL_TEXT:
                for trigger in full_text_triggers(table):
                    connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
            return True

    def bulk_load_pending(self) -> bool:
        """Whether a bulk load's final build is still to do (a deferred index or trigger is missing)."""
        if self.dialect != "sqlite":
            return False
        with self.engine.connect() as connection:
            return self._pending(connection)

    def _pending(self, connection: Connection) -> bool:
        return build_pending(connection.exec_driver_sql(SCHEMA_NAMES).scalars())

    def finish_bulk_load(self) -> bool:
        """Build what a bulk load left for the end, in one transaction: the facet indexes, the full-text
        index of every row, and the triggers that keep it in step from then on. Killed halfway, it leaves
        the database as it was before, and the next run builds it. False when there was nothing to do."""
        if self.dialect != "sqlite":
            return False
        with self.engine.begin() as connection:
            if not self._pending(connection):  # another run built it while this one waited for the lock
                return False
            for index in DEFERRED_INDEXES:
                index.create(connection, checkfirst=True)
            if self.full_text_deferred(connection):
                for table in FULL_TEXT:
                    for name in full_text_triggers(table):
                        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
                    connection.exec_driver_sql(f"INSERT INTO {table}_fts ({table}_fts) VALUES ('rebuild')")
                    for statement in full_text_triggers(table).values():
                        connection.exec_driver_sql(statement)
        return True

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

    def refresh_letter_hashes(self, connection: Connection, case_ids: Sequence[int]) -> int:
        """After these cases' rows were re-derived (`imrdb reprocess`): the files their stored letters came
        from take the hash of the facts as stored now, what this imrdb computes for a copy of the letter,
        so that a copy from another file is still known for a duplicate (for a letter without a case number,
        the only way it is). Files of versions a case no longer holds keep theirs. Returns files updated."""
        if not case_ids:
            return 0
        facts = _stored_facts(connection, case_ids)
        current = (select(source_files.c.case_id, source_files.c.letter_sha256).distinct()
                   .join(cases, (cases.c.id == source_files.c.case_id) & (cases.c.source_sha256 == source_files.c.sha256))
                   .where(source_files.c.letter_sha256.is_not(None)))
        updates = [{"b_case": row.case_id, "b_old": row.letter_sha256, "b_new": letter_hash(facts[row.case_id])}
                   for row in _in_chunks(connection, current, source_files.c.case_id, case_ids)]
        updates = [change for change in updates if change["b_old"] != change["b_new"]]
        if updates:
            connection.execute(update(source_files)
                               .where(source_files.c.case_id == bindparam("b_case"),
                                      source_files.c.letter_sha256 == bindparam("b_old"))
                               .values(letter_sha256=bindparam("b_new")), updates)
        return len(updates)

    def refresh_statistics(self) -> None:
        """Planner statistics after a batch of writes, so faceted pages use the covering indexes.

        SQLite: a full ANALYZE (about 2 s at 200,000 letters; sampled statistics left several facet
        pages choosing worse plans). PostgreSQL: ANALYZE of the imrdb tables."""
        with self.engine.begin() as connection:
            if self.dialect == "sqlite":
                connection.exec_driver_sql("ANALYZE")
            else:
                for table in (cases, disputed_items, guideline_citations, reviewers, source_files, case_replacements):
                    connection.exec_driver_sql(f"ANALYZE {table.name}")


# The searched columns of each table with a full-text index (SQLite FTS5; PostgreSQL indexes itself).
FULL_TEXT = {"cases": ("case_summary",), "disputed_items": ("description", "rationale")}


# Indexes a bulk load builds at its end: every index on the letter tables that only serves readers. Kept while
# loading: the unique ones and source_files' letter hash (the writer's own checks), and the citations' case_id
# (deleting a replaced case's rows).
DEFERRED_INDEXES = tuple(index for table in (cases, disputed_items, guideline_citations, source_files) for index in
                         sorted(table.indexes, key=lambda index: index.name)
                         if index.name not in ("ix_guideline_citations_case_id", "ix_source_files_letter_sha256"))


SCHEMA_NAMES = "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger')"


def build_pending(present: Iterable[str]) -> bool:
    """Given the names of a SQLite database's indexes and triggers (SCHEMA_NAMES): whether a bulk load's
    build is still to do (a deferred index or full-text trigger is missing)."""
    wanted = {index.name for index in DEFERRED_INDEXES} | {name for table in FULL_TEXT for name in full_text_triggers(table)}
    return not wanted <= set(present)


def full_text_triggers(table: str) -> dict[str, str]:
    """The triggers that keep a table's SQLite full-text index in step when rows are deleted or their
    searched columns change (new rows are indexed by `index_new_rows`), as revision 0004 left them."""
    fts, columns = f"{table}_fts", FULL_TEXT[table]
    cols = ", ".join(f"[{column}]" for column in columns)
    old = ", ".join(f"old.[{column}]" for column in columns)
    new = ", ".join(f"new.[{column}]" for column in columns)
    remove = f"INSERT INTO [{fts}] ([{fts}], rowid, {cols}) VALUES('delete', old.rowid, {old});"
    return {
        f"{table}_ad": f"CREATE TRIGGER [{table}_ad] AFTER DELETE ON [{table}] BEGIN {remove} END",
        f"{table}_au": f"CREATE TRIGGER [{table}_au] AFTER UPDATE OF {cols} ON [{table}] BEGIN {remove} "
                       f"INSERT INTO [{fts}] (rowid, {cols}) VALUES (new.rowid, {new}); END",
    }


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
