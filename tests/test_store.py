"""The single writer on its own: PostgreSQL's COPY path writes exactly what INSERT ... RETURNING
wrote, both backends read back the same rows, and a concurrent writer's conflict is retried."""

from __future__ import annotations

import copy
import datetime as dt
import threading
import time
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

import imrdb.db.store
from imrdb.db.engine import make_engine, migrate
from imrdb.db.models import cases, disputed_items, guideline_citations, reviewers
from imrdb.db.store import INGESTED, REPLACED, UNCHANGED, Store
from imrdb.ingest import parse_file
from imrdb.rows import LetterRows, changed_fields, letter_hash
from imrdb.sources import sha256_of
from conftest import SAMPLES, postgres_schema

STAMP = dt.datetime(2026, 11, 24, 13, 5, 7, 123456, tzinfo=dt.timezone.utc)  # every row's ingested_at
TABLES = (reviewers, cases, disputed_items, guideline_citations)
# what COPY's text format escapes or reads as special, and what an encoding could mangle
AWKWARD = "tab\there, back\\slash, \\N and \\. alone, new\nline\r\n \"double\" 'single' é 中文 ☃ ,;|"


def sample_letters() -> list[LetterRows]:
    letters = []
    for path in sorted(SAMPLES.glob("*.txt")):
        data = path.read_bytes()
        letters.append(parse_file(str(path), "text", sha256_of(data), data))
    assert all(isinstance(letter, LetterRows) for letter in letters)
    return letters


def _awkward_text(letter: LetterRows) -> None:
    letter.case["case_summary"] = AWKWARD
    letter.case["letter_text"] = AWKWARD * 500  # long enough to be compressed and stored out of line
    letter.items[0]["rationale"] = AWKWARD
    letter.items[0]["description"] = "\\N"
    letter.citations[0][0]["text"] = "\\."


def _nulls(letter: LetterRows) -> None:
    """Every nullable column None: SQL NULL, except JSON's, which SQLAlchemy's JSON type writes as JSON null."""
    for table, rows in ((cases, [letter.case]), (disputed_items, letter.items),
                        (guideline_citations, [row for citations in letter.citations for row in citations])):
        for row in rows:
            row.update({name: None for name in row if table.c[name].nullable})


def _numbers(letter: LetterRows) -> None:
    letter.items[0].update(quantity=0.1, refills=0, medically_necessary=False, is_retrospective=True)
    letter.items[1].update(quantity=1e-7, refills=12, medically_necessary=True, is_retrospective=None)
    letter.case["patient_age"] = 0


def _warnings(letter: LetterRows) -> None:
    letter.case["parse_warnings"] = ["ünïcode \"quoted\"", "back\\slash", AWKWARD]
    letter.case["warning_count"] = 3


def _no_items(letter: LetterRows) -> None:
    letter.items, letter.citations = [], []
    letter.case["item_count"] = 0


def _no_reviewer(letter: LetterRows) -> None:
    letter.reviewer = None


VARIANTS = {"samples as parsed": None, "awkward text": _awkward_text, "nulls": _nulls, "numbers": _numbers,
            "parse warnings": _warnings, "no items": _no_items, "no reviewer": _no_reviewer}


def variant_letters(change) -> list[LetterRows]:
    """The sample letters, the one with the most items changed (and written first)."""
    letters = sample_letters()
    if change is not None:
        letters.sort(key=lambda letter: -len(letter.items))
        change(letters[0])
    return letters


def write(url: str, letters: list[LetterRows], use_copy: bool | None = None) -> list[str]:
    engine = make_engine(url)
    try:
        migrate(engine)
        store = Store(engine)
        if use_copy is not None:
            assert store.copy, "PostgreSQL through psycopg is meant to write with COPY"
            store.copy = use_copy
        return store.write_batch(letters, [], None)
    finally:
        engine.dispose()


def stored_text(url: str) -> dict[str, list[str]]:
    """Every row of the letter tables as PostgreSQL prints it (search vector included; JSON null
    and SQL NULL told apart; timestamps to the microsecond), and each id sequence's next value."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            found = {table.name: connection.exec_driver_sql(f"SELECT t::text FROM {table.name} t ORDER BY id").scalars().all()
                     for table in TABLES}
            for table in TABLES:
                found[f"{table.name} next id"] = connection.exec_driver_sql(
                    f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id'))").scalar_one()
            return found
    finally:
        engine.dispose()


def read_back(url: str) -> dict[str, list[dict]]:
    """Every row of the letter tables as SQLAlchemy reads it, timestamps in UTC."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            found = {}
            for table in TABLES:
                found[table.name] = [
                    {key: _utc(value) for key, value in row._mapping.items()}
                    for row in connection.execute(select(table).order_by(table.c.id))
                ]
            return found
    finally:
        engine.dispose()


def _utc(value):
    if isinstance(value, dt.datetime):  # SQLite gives back the UTC time without its zone
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
    return value


@pytest.mark.parametrize("change", VARIANTS.values(), ids=VARIANTS.keys())
def test_postgres_copy_writes_what_insert_returning_wrote(change, monkeypatch):
    monkeypatch.setattr(imrdb.db.store, "now", lambda: STAMP)
    with postgres_schema() as by_copy, postgres_schema() as by_insert:
        assert write(by_copy, variant_letters(change), use_copy=True) == [INGESTED] * 5
        assert write(by_insert, variant_letters(change), use_copy=False) == [INGESTED] * 5
        copied, inserted = stored_text(by_copy), stored_text(by_insert)
    assert copied == inserted
    assert len(copied["cases"]) == 5 and copied["guideline_citations"]


@pytest.mark.parametrize("change", VARIANTS.values(), ids=VARIANTS.keys())
def test_both_backends_read_back_the_rows_written(change, monkeypatch, tmp_path):
    monkeypatch.setattr(imrdb.db.store, "now", lambda: STAMP)
    letters = variant_letters(change)
    sqlite_url = f"sqlite:///{tmp_path / 'imr.db'}"
    write(sqlite_url, copy.deepcopy(letters))
    with postgres_schema() as postgres_url:
        write(postgres_url, copy.deepcopy(letters))
        on_postgres = read_back(postgres_url)
    on_sqlite = read_back(sqlite_url)
    assert on_postgres == on_sqlite
    # and they are the rows given: the first letter's case, items and citations, ids in order
    case = on_postgres["cases"][0]
    assert {key: case[key] for key in letters[0].case} == letters[0].case
    assert case["ingested_at"] == STAMP
    items = [row for row in on_postgres["disputed_items"] if row["case_id"] == case["id"]]
    assert [{key: row[key] for key in item} for row, item in zip(items, letters[0].items)] == letters[0].items
    assert [row["case_id"] for row in on_postgres["disputed_items"]] == sorted(
        row["case_id"] for row in on_postgres["disputed_items"])  # items follow their cases' ids
    cited = [row for row in on_postgres["guideline_citations"] if row["case_id"] == case["id"]]
    assert [{key: row[key] for key in citation} for row, citation in
            zip(cited, [citation for citations in letters[0].citations for citation in citations])] == [
        citation for citations in letters[0].citations for citation in citations]
    assert {row["disputed_item_id"] for row in cited} <= {row["id"] for row in items}


def test_a_unique_violation_is_sqlalchemys_integrity_error(db_url):
    """What `write_batch` catches to retry: COPY's error too, not psycopg's own."""
    letter = sample_letters()[0]
    write(db_url, [letter])
    engine = make_engine(db_url)
    try:
        store = Store(engine)
        row = {**letter.case, "reviewer_id": None, "ingested_at": STAMP, "ingest_run_id": None}
        with pytest.raises(IntegrityError), engine.begin() as connection:
            store._insert(connection, cases, [row])
    finally:
        engine.dispose()


def _changed(letter: LetterRows) -> LetterRows:
    """The same case number with other content (a corrected letter)."""
    changed = copy.deepcopy(letter)
    changed.case["case_summary"] += " Corrected."
    changed.case["source_sha256"] = "f" * 64
    changed.items, changed.citations = changed.items[:1], changed.citations[:1]
    changed.case["item_count"] = 1
    changed.letter_sha256 = letter_hash(changed.facts())  # a different letter, not a copy
    return changed


def _waits_on_a_lock(engine, application_name: str, query: str = "COPY cases%") -> bool:
    """Whether that application's statement (`query`, a LIKE pattern: by default its COPY into cases) waits
    on another transaction's lock (a fresh transaction each time: pg_stat_activity is a snapshot per transaction)."""
    with engine.connect() as connection:
        return bool(connection.execute(text(
            "select count(*) from pg_stat_activity where application_name = :name "
            "and wait_event_type = 'Lock' and query like :query"), {"name": application_name, "query": query}
        ).scalar_one())


RACES = {  # what the second writer sends while the first writer's transaction holds the case -> its outcome
    "the same file": (lambda letter: letter, UNCHANGED),
    "the same case, changed": (_changed, REPLACED),
}


@pytest.mark.parametrize("second, outcome", RACES.values(), ids=RACES.keys())
def test_a_concurrent_writers_conflict_in_copy_is_retried(postgres_url, second, outcome):
    """Two machines ingest the same case at once: the second's COPY waits on the first's
    uncommitted row, fails with a unique violation when the first commits, and the batch is
    retried, seeing the committed case."""
    first = next(letter for letter in sample_letters() if letter.case_number)
    first.reviewer = None  # so the COPY, not the reviewer upsert, is where the second writer waits
    late = second(copy.deepcopy(first))
    name = f"imrdb_race_{uuid.uuid4().hex[:8]}"  # the second writer's connections, to watch for
    engines = [make_engine(postgres_url), make_engine(f"{postgres_url}&application_name={name}"),
               make_engine(postgres_url)]
    try:
        migrate(engines[0])
        early_store, late_store, watcher = Store(engines[0]), Store(engines[1]), engines[2]
        attempts: list[str] = []
        write_once = late_store._write

        def recording_write(connection, letters, run_id, known=()):
            try:
                result = write_once(connection, letters, run_id, known)
            except Exception as error:
                attempts.append(type(error).__name__)
                raise
            attempts.append("written")
            return result

        late_store._write = recording_write
        outcomes: list = []
        with engines[0].begin() as connection:
            assert early_store._write(connection, [first], None) == [INGESTED]
            racer = threading.Thread(target=lambda: outcomes.extend(late_store.write_batch([late], [], None)))
            racer.start()
            deadline = time.monotonic() + 30
            while not _waits_on_a_lock(watcher, name):
                assert time.monotonic() < deadline, "the second writer never waited on the first"
                time.sleep(0.02)
        racer.join(timeout=60)
        assert outcomes == [outcome]
        assert attempts == ["IntegrityError", "written"]
        with watcher.connect() as watching:
            stored = watching.execute(text("select source_sha256, item_count from cases")).all()
            items = watching.execute(text("select count(*) from disputed_items")).scalar_one()
        winner = first if outcome == UNCHANGED else late
        assert stored == [(winner.sha256, len(winner.items))] and items == len(winner.items)
    finally:
        for engine in engines:
            engine.dispose()


def test_two_machines_storing_copies_of_a_letter_without_a_case_number_make_one_case(postgres_url):
    """No case number, no unique index to queue on: the second writer waits on the first's lock on the
    letter, then sees the first's case and counts its copy a duplicate, instead of storing a second case."""
    from imrdb.db.store import DUPLICATE

    first = copy.deepcopy(next(letter for letter in sample_letters() if letter.case_number))
    first.case["case_number"] = None  # a letter whose case number could not be read
    first.reviewer = None
    first.letter_sha256 = letter_hash(first.facts())
    other_file = copy.deepcopy(first)  # the same letter from another file: other bytes, the same facts
    other_file.case["source_sha256"], other_file.case["source_path"] = "e" * 64, "copy/of/the-letter.pdf"
    assert other_file.letter_sha256 == first.letter_sha256
    name = f"imrdb_copy_{uuid.uuid4().hex[:8]}"
    engines = [make_engine(postgres_url), make_engine(f"{postgres_url}&application_name={name}"),
               make_engine(postgres_url)]
    try:
        migrate(engines[0])
        outcomes: list = []
        with engines[0].begin() as connection:
            assert Store(engines[0])._write(connection, [first], None) == [INGESTED]
            racer = threading.Thread(target=lambda: outcomes.extend(Store(engines[1]).write_batch([other_file], [], None)))
            racer.start()
            deadline = time.monotonic() + 30
            while not _waits_on_a_lock(engines[2], name, query="%pg_advisory_xact_lock%"):
                assert time.monotonic() < deadline, "the second writer did not wait for the first"
                time.sleep(0.02)
        racer.join(timeout=60)
        assert outcomes == [DUPLICATE]
        with engines[2].connect() as watching:
            assert watching.execute(text("select count(*) from cases")).scalar_one() == 1
            sources = watching.execute(text("select path, outcome from source_files order by id")).all()
        assert sources == [(first.source_path, INGESTED), ("copy/of/the-letter.pdf", DUPLICATE)]
    finally:
        for engine in engines:
            engine.dispose()


def test_long_values_are_compressed_with_lz4_where_the_server_has_it(postgres_url):
    write(postgres_url, variant_letters(_awkward_text))
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            if int(connection.exec_driver_sql("SHOW server_version_num").scalar_one()) < 140000:
                pytest.skip("PostgreSQL before 14 has one compression method")
            has_lz4 = connection.exec_driver_sql(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'").scalar()
            methods = set(connection.exec_driver_sql(
                "SELECT pg_column_compression(letter_text) FROM cases").scalars())
    finally:
        engine.dispose()
    assert methods == ({"lz4"} if has_lz4 else {"pglz"})  # every letter's text is long enough to be compressed


def test_refresh_statistics_analyzes_every_table_an_ingest_writes_on_postgresql(postgres_url):
    """The planner's statistics cover the source files and replacements too: a re-ingest looks every file
    up in source_files by its hash, which a freshly loaded table without statistics can plan badly."""
    from imrdb.ingest import ingest

    ingest([SAMPLES], postgres_url, workers=1)
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            analyzed = dict(connection.exec_driver_sql(
                "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE schemaname = current_schema()").all())
    finally:
        engine.dispose()
    tables = ("cases", "disputed_items", "guideline_citations", "reviewers", "source_files", "case_replacements")
    assert {table: analyzed.get(table) for table in tables} == dict.fromkeys(tables, True)


# -- which driver errors are the machine's, not imrdb's ----------------------------------------
# Each row makes a real error on a real database; outside_failure tells the owner's problems (one
# line, the run stops) from the ones the store handles itself (retry a lock, a constraint).


def _sqlite_error(tmp_path, make) -> BaseException:
    import sqlite3

    db = tmp_path / "e.db"
    with sqlite3.connect(db) as connection:
        connection.execute("create table t (id integer primary key, name text unique)")
        connection.execute("insert into t values (1, 'a')")
    try:
        make(db, sqlite3)
    except sqlite3.Error as error:
        return error
    raise AssertionError("no error was raised")


def _write_read_only(db, sqlite3):
    sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("insert into t values (2, 'b')")


def _not_a_database(db, sqlite3):
    db.write_bytes(b"not a database at all, just text" * 100)
    sqlite3.connect(db).execute("select * from t")


def _locked(db, sqlite3):
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("begin immediate")
    sqlite3.connect(db, timeout=0, isolation_level=None).execute("begin immediate")


SQLITE_ERRORS = [
    ("read-only file", _write_read_only, "attempt to write a readonly database"),
    ("not a database", _not_a_database, "file is not a database"),
    ("locked: the store retries", _locked, None),
    ("unique violation", lambda db, sqlite3: sqlite3.connect(db).execute("insert into t values (2, 'a')"), None),
    ("syntax error", lambda db, sqlite3: sqlite3.connect(db).execute("selec 1"), None),
]


@pytest.mark.parametrize("label, make, expected", SQLITE_ERRORS, ids=[case[0] for case in SQLITE_ERRORS])
def test_outside_failures_sqlite(tmp_path, label, make, expected):
    from imrdb.db.engine import outside_failure

    assert outside_failure(_sqlite_error(tmp_path, make)) == expected


POSTGRES_ERRORS = [
    ("permission denied", "SET ROLE {role}; INSERT INTO t VALUES (2, 'b')", "permission denied for table t"),
    ("read-only transaction", "SET TRANSACTION READ ONLY; INSERT INTO t VALUES (2, 'b')",
     "cannot execute INSERT in a read-only transaction"),
    ("unique violation", "INSERT INTO t VALUES (2, 'a')", None),
    ("syntax error", "SELEC 1", None),
]


@pytest.mark.parametrize("label, statements, expected", POSTGRES_ERRORS, ids=[case[0] for case in POSTGRES_ERRORS])
def test_outside_failures_postgresql(postgres_url, label, statements, expected):
    import psycopg
    from sqlalchemy.engine import make_url

    from imrdb.db.engine import outside_failure

    url = make_url(postgres_url)
    conninfo = {"host": url.host, "port": url.port or 5432, "user": url.username, "dbname": url.database,
                "options": url.query["options"]}
    role = f"imrdb_t_{uuid.uuid4().hex[:10]}"  # may use the schema, not write its table
    with psycopg.connect(**conninfo, autocommit=True) as admin:
        admin.execute("CREATE TABLE t (id integer primary key, name text unique)")
        admin.execute("INSERT INTO t VALUES (1, 'a')")
        admin.execute(f"CREATE ROLE {role}")
        try:
            admin.execute(f"GRANT USAGE ON SCHEMA {admin.execute('select current_schema()').fetchone()[0]} TO {role}")
            with psycopg.connect(**conninfo) as connection, pytest.raises(psycopg.Error) as raised:
                for statement in statements.format(role=role).split("; "):
                    connection.execute(statement)
        finally:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")
    assert outside_failure(raised.value) == expected


# -- which files are one letter ------------------------------------------------------------------


def _parsed(text: str, name: str = "letter.txt") -> LetterRows:
    data = text.encode("utf-8")
    letter = parse_file(name, "text", sha256_of(data), data)
    assert isinstance(letter, LetterRows), letter
    return letter


SAMPLE_003 = next(SAMPLES.glob("003_*.txt")).read_text()
SAME_LETTER = {  # another file, the same letter: other bytes, the same letter hash
    "downloaded again, a trailing line break": lambda text: text + "\n",
    "CRLF line ends and a byte order mark": lambda text: "\ufeff" + text.replace("\n", "\r\n"),
    "the summary wrapped at 60 columns": lambda text: text.replace(
        "She is s/p lumbar fusion surgery and", "She is s/p lumbar fusion\nsurgery and"),
    "plain text instead of markdown": lambda text: text.replace("**", "").replace("### ", ""),
}
OTHER_LETTER = {  # a corrected letter: what changed_fields names
    "the decision overturned": (lambda text: text.replace(":** Upheld", ":** Overturned").replace(
        "is not medically necessary and the request is not medically necessary",
        "is medically necessary"), ["outcome", "item 1 decision", "item 1 rationale", "item 1 medically_necessary"]),
    "the decision date": (lambda text: text.replace("07/29/2014", "07/30/2014"), ["decision_date"]),
    "the patient's age": (lambda text: text.replace("39 year old", "40 year old"), ["patient_age", "case_summary"]),
    "another citation": (lambda text: text.replace("Page(s): 63.", "Page(s): 64."), ["item 1 citations"]),
    "the reviewer's specialty": (lambda text: text.replace("Internal Medicine", "Family Practice"), ["reviewer"]),
}


@pytest.mark.parametrize("spelling", SAME_LETTER.values(), ids=SAME_LETTER.keys())
def test_the_same_letter_in_another_file_has_the_same_letter_hash(spelling):
    original, copy = _parsed(SAMPLE_003), _parsed(spelling(SAMPLE_003))
    assert copy.sha256 != original.sha256
    assert copy.letter_sha256 == original.letter_sha256
    assert changed_fields(original.facts(), copy.facts()) == []


@pytest.mark.parametrize("correction, changed", OTHER_LETTER.values(), ids=OTHER_LETTER.keys())
def test_a_corrected_letter_names_what_changed(correction, changed):
    original, corrected = _parsed(SAMPLE_003), _parsed(correction(SAMPLE_003))
    assert corrected.letter_sha256 != original.letter_sha256
    assert changed_fields(original.facts(), corrected.facts()) == changed
