"""Ingest and store, on SQLite and PostgreSQL: what lands, idempotence, replacement, bad input."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from imrdb.db.engine import current_revision, downgrade, head_revision, make_engine, migrate, revisions
import imrdb.ingest
from imrdb.ingest import ingest
from conftest import DEV_FACTS, REAL_DEV, ROOT, SAMPLES, sample

IMRDB = [sys.executable, "-m", "imrdb.cli"]


def rows(url: str, sql: str, **params):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def test_samples_land_as_a_careful_reader_reads_them(db_url):
    report = ingest([SAMPLES], db_url, workers=2)
    assert (report.ingested, report.unchanged, report.replaced, report.failed) == (5, 0, 0, 0)
    assert rows(db_url, "select count(*) from cases") == [(5,)]
    assert rows(db_url, "select count(*) from disputed_items") == [(12,)]
    seed_002 = rows(db_url, """
        select c.outcome, c.patient_age, c.patient_sex, c.date_of_injury, r.specialties, r.licensure_states,
               r.primary_specialty
        from cases c join reviewers r on r.id = c.reviewer_id where c.source_path like '%002_%'""")
    outcome, age, sex, injury, specialties, states, primary = seed_002[0]
    if isinstance(specialties, str):  # JSON text on SQLite, jsonb on PostgreSQL
        specialties, states = json.loads(specialties), json.loads(states)
    assert (outcome, age, sex, injury) == ("Partially Overturned", 77, "female", "2001-09-10")
    assert (specialties, states, primary) == (["Anesthesiology", "Pain Management"], ["California"], "Anesthesiology")
    items = rows(db_url, """
        select i.position, i.description, i.decision, i.medically_necessary from disputed_items i
        join cases c on c.id = i.case_id where c.source_path like '%002_%' order by i.position""")
    assert [(p, d, dec, bool(m)) for p, d, dec, m in items] == [
        (1, "Retro Norco 10/325mg #90", "Overturned", True), (2, "Retro Soma 350mg #90", "Upheld", False),
        (3, "Retro Ultram 50mg #12", "Overturned", True), (4, "Retro medrol dose pack", "Upheld", False)]
    header = rows(db_url, """select date_assigned, date_of_injury, decision_date, ur_denial_date, application_received,
                             priority, decision_year from cases where case_number = 'CM14-0039927'""")
    assert header == [("2014-06-27", "2004-05-17", "2014-07-29", "2014-03-04", "2014-04-04", "Standard", 2014)]
    citations = rows(db_url, """
        select g.role, g.source, g.guideline, g.topic, g.pages from guideline_citations g
        join cases c on c.id = g.case_id where c.case_number = 'CM14-0039927' order by g.id""")
    assert citations == [
        ("claims_administrator", "MTUS", "Chronic Pain Medical Treatment Guidelines", "Muscle relaxants (for pain)", "63"),
        ("imr_reviewer", "MTUS", "Chronic Pain Medical Treatment Guidelines", "Muscle relaxants for pain", "63-66"),
        ("imr_reviewer", "ODG", "Pain", "Carisoprodol", None),
    ]
    run = rows(db_url, "select status, files_seen, ingested, unchanged, replaced, failed from ingest_runs")
    assert run == [("finished", 5, 5, 0, 0, 0)]


def test_reingest_changes_nothing_and_a_changed_letter_replaces_its_case(db_url, tmp_path):
    folder = tmp_path / "batch"
    shutil.copytree(SAMPLES, folder)
    ingest([folder], db_url, workers=1)
    before = rows(db_url, "select id, case_number, source_sha256 from cases order by id")
    again = ingest([folder], db_url, workers=2)
    assert (again.ingested, again.unchanged, again.replaced, again.failed) == (0, 5, 0, 0)
    assert rows(db_url, "select id, case_number, source_sha256 from cases order by id") == before

    corrected = folder / sample("003").name
    corrected.write_text(corrected.read_text().replace("Upheld", "Overturned"))
    third = ingest([folder], db_url, workers=1)
    assert (third.ingested, third.unchanged, third.replaced, third.failed) == (0, 4, 1, 0)
    assert rows(db_url, "select count(*) from cases where case_number = 'CM14-0039927'") == [(1,)]
    assert rows(db_url, """select i.decision from disputed_items i join cases c on c.id = i.case_id
                           where c.case_number = 'CM14-0039927'""") == [("Overturned",)]
    assert rows(db_url, "select count(*) from disputed_items") == [(12,)]
    assert rows(db_url, "select count(*) from guideline_citations where case_id not in (select id from cases)") == [(0,)]
    assert rows(db_url, "select replaced from ingest_runs order by id") == [(0,), (0,), (1,)]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_reingest_parses_only_the_new_files(db_url, tmp_path, monkeypatch, workers):
    folder = tmp_path / "batch"
    shutil.copytree(SAMPLES, folder)
    ingest([folder], db_url, workers=workers)
    new = folder / "zz_new.txt"
    new.write_text(sample("003").read_text().replace("CM14-0039927", "CM14-0039928"))
    parsed = []
    real_parse_file = imrdb.ingest.parse_file

    def parse_file(path, *args):
        if path != str(new):
            raise AssertionError(f"{path} is stored already and was parsed again")
        parsed.append(path)
        return real_parse_file(path, *args)

    monkeypatch.setattr(imrdb.ingest, "parse_file", parse_file)  # forked workers inherit it
    again = ingest([folder], db_url, workers=workers, batch_size=2)
    assert (again.ingested, again.unchanged, again.failed, again.files_seen) == (1, 5, 0, 6)
    assert parsed == ([str(new)] if workers == 1 else [])  # a worker's list is its own


def test_the_same_letter_twice_in_one_batch_is_stored_once(db_url, tmp_path):
    letter = sample("003").read_text()
    (tmp_path / "a.txt").write_text(letter)
    (tmp_path / "b.txt").write_text(letter)  # an identical copy
    (tmp_path / "c.txt").write_text(letter.replace("Upheld", "Overturned"))  # a corrected copy, same case
    report = ingest([tmp_path], db_url, workers=1)
    assert (report.ingested, report.unchanged, report.duplicate, report.replaced, report.failed) == (1, 1, 0, 1, 0)
    assert rows(db_url, "select source_path from cases") == [(str(tmp_path / "c.txt"),)]
    assert _replacements(db_url) == [("CM14-0039927", "a.txt", "c.txt", ["outcome", "item 1 decision"])]
    (tmp_path / "c.txt").unlink()
    again = ingest([tmp_path], db_url, workers=1)  # a.txt was ingested before: unchanged, whatever the case holds now
    assert (again.ingested, again.unchanged, again.duplicate, again.replaced) == (0, 2, 0, 0)
    assert rows(db_url, "select count(*) from cases") == [(1,)]
    assert rows(db_url, "select source_path from cases") == [(str(tmp_path / "c.txt"),)]


def _replacements(url: str) -> list[tuple]:
    found = rows(url, "select case_number, old_path, new_path, changed_fields from case_replacements order by id")
    return [(number, Path(old).name, Path(new).name, json.loads(fields) if isinstance(fields, str) else fields)
            for number, old, new, fields in found]


def _sources(url: str) -> dict[str, list[tuple[str, str]]]:
    """case number (or id) -> [(file name, outcome)] of its source files, in the order they were recorded."""
    found: dict[str, list[tuple[str, str]]] = {}
    for number, path, outcome in rows(url, "select coalesce(c.case_number, cast(c.id as varchar(20))), f.path, f.outcome "
                                           "from source_files f join cases c on c.id = f.case_id order by f.id"):
        found.setdefault(number, []).append((Path(path).name, outcome))
    return found


def copies_folder(folder: Path, letters: list[Path]) -> Path:
    """Each letter as three files that differ only in trailing bytes (downloaded three times), plus, for a
    PDF, its text export: the same letter four times over."""
    from imrdb.sources import FORMATS, text_of

    folder.mkdir(parents=True)
    for letter in letters:
        data = letter.read_bytes()
        for copy, tail in enumerate([b"", b"\n", b"\n%%EOF\n" if letter.suffix == ".pdf" else b"\n\n"]):
            (folder / f"{letter.stem}-{copy}{letter.suffix}").write_bytes(data + tail)
        if letter.suffix == ".pdf":
            (folder / f"{letter.stem}-export.txt").write_text(text_of(data, FORMATS[".pdf"], str(letter)).text)
    return folder


@pytest.mark.parametrize("workers, batch_size", [(1, 1000), (2, 3)], ids=["one process", "two workers, small batches"])
def test_copies_of_a_letter_are_one_case_and_a_reingest_parses_nothing(db_url, tmp_path, monkeypatch, workers, batch_size):
    """The same letter in several files: one case that keeps its first file (in path order, however the
    workers finish) and lists the others; the unchanged folder again is all unchanged, nothing replaced."""
    letters = sorted(SAMPLES.glob("*.txt"))[:3] + sorted(REAL_DEV.glob("*.pdf"))[:2]
    folder = copies_folder(tmp_path / "copies", letters)
    pdfs = len(letters) - 3
    first = ingest([folder], db_url, workers=workers, batch_size=batch_size)
    assert (first.ingested, first.unchanged, first.duplicate, first.replaced, first.failed) == (
        len(letters), 0, 2 * len(letters) + pdfs, 0, 0)
    assert first.summary() == (f"{len(letters)} ingested, 0 unchanged, {2 * len(letters) + pdfs} duplicate, 0 replaced, "
                               f"0 failed ({3 * len(letters) + pdfs} files)")
    cases = rows(db_url, "select source_path from cases order by id")
    assert [Path(path).name for (path,) in cases] == [f"{letter.stem}-0{letter.suffix}" for letter in letters]
    sources = _sources(db_url)
    assert len(sources) == len(letters) and all(
        names[0][1] == "ingested" and {outcome for _, outcome in names[1:]} == {"duplicate"} for names in sources.values())
    assert sorted(len(names) for names in sources.values()) == sorted([3] * 3 + [4] * pdfs)
    assert rows(db_url, "select duplicate from ingest_runs") == [(2 * len(letters) + pdfs,)]

    def parse_file(path, *args):
        raise AssertionError(f"{path} was ingested before and was parsed again")

    monkeypatch.setattr(imrdb.ingest, "parse_file", parse_file)  # forked workers inherit it
    again = ingest([folder], db_url, workers=workers, batch_size=batch_size)
    assert (again.ingested, again.unchanged, again.duplicate, again.replaced, again.failed) == (
        0, 3 * len(letters) + pdfs, 0, 0, 0)
    assert rows(db_url, "select source_path from cases order by id") == cases
    assert rows(db_url, "select count(*) from case_replacements") == [(0,)]
    assert rows(db_url, "select count(*) from source_files where last_seen_at > first_seen_at") == [(3 * len(letters) + pdfs,)]


def test_a_corrected_letter_replaces_its_case_and_says_what_changed(db_url, tmp_path):
    """Only a letter that differs replaces: the case keeps its id, the change is recorded, and an old
    version met again later (a stale copy) is a duplicate that leaves the correction in place."""
    original = sample("003").read_text()
    corrected = original.replace("Upheld", "Overturned").replace("02/11/2014", "02/12/2014")
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "letter.txt").write_text(original)
    ingest([tmp_path / "v1"], db_url, workers=1)
    (case_id,) = rows(db_url, "select id from cases")[0]
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / "letter.txt").write_text(corrected)
    report = ingest([tmp_path / "v2"], db_url, workers=1)
    assert (report.ingested, report.duplicate, report.replaced) == (0, 0, 1)
    assert rows(db_url, "select id, source_path from cases") == [(case_id, str(tmp_path / "v2" / "letter.txt"))]
    changed = _replacements(db_url)[0][3]
    assert "outcome" in changed and "item 1 decision" in changed
    assert rows(db_url, "select case_id, old_sha256 != new_sha256 from case_replacements") == [(case_id, True)]
    (tmp_path / "stale").mkdir()
    (tmp_path / "stale" / "letter-again.txt").write_text(original + "\n")  # the first version, other bytes
    stale = ingest([tmp_path / "stale"], db_url, workers=1)
    assert (stale.ingested, stale.duplicate, stale.replaced) == (0, 1, 0)
    assert rows(db_url, "select i.decision from disputed_items i") == [("Overturned",)]
    assert _sources(db_url) == {"CM14-0039927": [("letter.txt", "ingested"), ("letter.txt", "replaced"),
                                                 ("letter-again.txt", "duplicate")]}
    everything = ingest([tmp_path], db_url, workers=2)
    assert (everything.ingested, everything.unchanged, everything.duplicate, everything.replaced) == (0, 3, 0, 0)


def test_a_database_made_before_source_files_keeps_its_files_unchanged(db_url, tmp_path):
    """Revision 0009 copies the stored cases into source_files: a database an older imrdb made says
    "unchanged" for its files, and a copy of a stored letter (its letter hash unknown) is a duplicate."""
    folder = tmp_path / "letters"
    shutil.copytree(SAMPLES, folder)
    ingest([folder], db_url, workers=1)
    engine = make_engine(db_url)
    try:
        downgrade(engine, "0007")
        migrate(engine)
    finally:
        engine.dispose()
    assert rows(db_url, "select count(*), count(size), count(letter_sha256) from source_files") == [(5, 0, 0)]
    (folder / "zz-copy.txt").write_text(sample("002").read_text() + "\n")
    again = ingest([folder], db_url, workers=2)
    assert (again.ingested, again.unchanged, again.duplicate, again.replaced, again.failed) == (0, 5, 1, 0, 0)


def test_a_refused_file_is_not_remembered_so_the_next_run_tries_it_again(db_url, tmp_path):
    """Only files that gave a letter go into source_files: a refused one ("needs OCR first", not a
    letter) is read again by every run, so a run after the fix (OCR installed, the file replaced) takes it."""
    pytest.importorskip("fpdf")
    from test_robustness import _pdf

    _pdf(tmp_path / "scan.pdf", None)
    (tmp_path / "memo.txt").write_text("Dear claimant,\nYour appointment is on Monday.\n")
    shutil.copy(sample("001"), tmp_path / "letter.txt")
    for _ in range(2):
        report = ingest([tmp_path], db_url, workers=1)
        assert {Path(failure.path).name for failure in report.failures} == {"scan.pdf", "memo.txt"}
    assert [Path(path).name for (path,) in rows(db_url, "select path from source_files")] == ["letter.txt"]
    (tmp_path / "memo.txt").write_text(sample("002").read_text())  # the file fixed: a letter now
    fixed = ingest([tmp_path], db_url, workers=1)
    assert (fixed.ingested, fixed.unchanged, fixed.failed) == (1, 1, 1)


BAD_FILES = [
    ("empty.txt", b"", "read", "file is empty"),
    ("random.txt", bytes(range(256)) * 8, "read", "not a text file (binary data)"),
    ("random.pdf", b"%PDF-1.7\n" + os.urandom(2000), "read", "damaged or unreadable PDF"),
    ("memo.txt", b"Dear claimant,\nYour appointment is on Monday.\n", "parse", "not an IMR final determination letter"),
    ("cut.txt", b"HOW THE IMR FINAL DETERMINATION WAS MADE\nThe expert reviewer is Board Certified in Surgery and is "
                b"licensed to practice in California.\nCLINICAL CASE SUMMARY\nThe patient is a 40 year old male.\n",
     "parse", "cut off before its decisions"),
    # not regular files: opening a pipe waited for a writer for ever; /dev/zero was read without end
    ("pipe.txt", os.mkfifo, "read", "not a regular file (a pipe, socket or device)"),
    ("zero.txt", lambda path: os.symlink("/dev/zero", path), "read", "not a regular file (a pipe, socket or device)"),
]


@pytest.mark.parametrize("name,content,stage,reason", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_gets_one_line_and_the_batch_still_lands(db_url, tmp_path, name, content, stage, reason):
    folder = tmp_path / "batch"
    shutil.copytree(SAMPLES, folder)
    content(folder / name) if callable(content) else (folder / name).write_bytes(content)
    report = ingest([folder], db_url, workers=2)
    assert (report.ingested, report.failed) == (5, 1)
    failure = report.failures[0]
    assert failure.path == str(folder / name) and failure.stage == stage and reason in failure.message
    assert rows(db_url, "select path, stage from ingest_errors") == [(str(folder / name), stage)]
    assert rows(db_url, "select count(*) from cases") == [(5,)]


def test_windows_1252_and_bom_are_decoded(db_url, tmp_path):
    letter = sample("001").read_text().replace("The injured worker", "The injured worker\u2019s caf\u00e9")
    (tmp_path / "cp1252.txt").write_bytes(letter.replace("\n", "\r\n").encode("cp1252"))
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + sample("004").read_text().encode("utf-8"))
    report = ingest([tmp_path], db_url, workers=1)
    assert (report.ingested, report.failed) == (2, 0)
    summary = rows(db_url, "select case_summary from cases where case_summary like '%caf%'")[0][0]
    assert "worker's caf\u00e9" in summary


def test_migrations_upgrade_and_downgrade(db_url):
    engine = make_engine(db_url)
    try:
        migrate(engine)
        assert current_revision(engine) is not None
        downgrade(engine, "base")
        assert current_revision(engine) is None
        migrate(engine)
        head = current_revision(engine)
        with engine.connect() as connection:
            assert connection.execute(text("select count(*) from cases")).scalar_one() == 0
        assert head is not None
        # the models and the migrations describe the same schema
        from alembic import command

        from imrdb.db.engine import alembic_config

        with engine.connect() as connection:
            command.check(alembic_config(connection))
    finally:
        engine.dispose()


# -- the command line, as a user runs it -------------------------------------------------------


def run_cli(*args, cwd=ROOT):
    return subprocess.run(IMRDB + [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_cli_ingest_summary_and_exit_codes(tmp_path):
    db = tmp_path / "imr.db"
    first = run_cli("ingest", SAMPLES, "--db", db)
    assert first.returncode == 0, first.stderr
    assert "5 ingested, 0 unchanged, 0 duplicate, 0 replaced, 0 failed" in first.stdout
    second = run_cli("ingest", SAMPLES, "--db", db)
    assert "0 ingested, 5 unchanged, 0 duplicate, 0 replaced, 0 failed" in second.stdout and second.returncode == 0

    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "empty.txt").write_text("")
    bad = run_cli("ingest", tmp_path / "bad", "--db", db)
    assert bad.returncode == 1
    assert f"{tmp_path / 'bad' / 'empty.txt'}: file is empty" in bad.stderr
    assert "Traceback" not in bad.stderr

    missing = run_cli("ingest", tmp_path / "nope", "--db", db)
    assert missing.returncode == 1
    assert f"error: {tmp_path / 'nope'}: no such file or folder" in " ".join(missing.stderr.split())
    assert "Traceback" not in missing.stderr
    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from cases").fetchone() == (5,)
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)


# A database the commands cannot open: one line naming it and the driver's reason, exit 1, no traceback.
UNUSABLE_DATABASES = [
    # (what --db is, made in tmp_path, how to make it, the line expected on stderr)
    ("not a database", lambda tmp: _write(tmp / "notes.db", "these are notes, not SQLite\n" * 500),
     "{db}: cannot open the database: file is not a database"),
    ("its folder is a file", lambda tmp: _write(tmp / "plain", "x") / "imr.db",
     "{db}: cannot create its folder {parent}: File exists"),
    ("no server", lambda tmp: "postgresql+psycopg://postgres:secret@127.0.0.1:9/test",
     "postgresql+psycopg://postgres:***@127.0.0.1:9/test: cannot open the database: connection failed"),
]


def _write(path, text):
    path.write_text(text)
    return path


CREATING = [["ingest", SAMPLES], ["migrate"]]
READING = [["reprocess"], ["unmapped"], ["export-sqlite", "OUT"]]  # a missing file: MISSING_DATABASES below


@pytest.mark.parametrize("command, label, make, expected", [
    pytest.param(command, *case, id=f"{case[0]}-{command[0]}")
    for case in UNUSABLE_DATABASES for command in CREATING + (READING if case[0] != "its folder is a file" else [])
])
def test_cli_a_database_it_cannot_open_is_one_line(tmp_path, command, label, make, expected):
    db = make(tmp_path)
    before = db.read_bytes() if isinstance(db, Path) and db.exists() else None
    args = [tmp_path / "out.db" if arg == "OUT" else arg for arg in command]
    result = run_cli(*args, "--db", db)
    assert result.returncode == 1, result.stdout + result.stderr
    parent = db.parent if isinstance(db, Path) else None
    assert "error: " + expected.format(db=db, parent=parent) in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    if before is not None:
        assert db.read_bytes() == before  # the file that is not a database is left as it was
    assert "secret" not in result.stderr


# The commands that read or re-derive stored rows never create a database: a mistyped --db is refused.
MISSING_DATABASES = [
    ("no such file", lambda tmp: tmp / "typo.db", "{db}: no such database; create it with `imrdb ingest PATH --db {db}`"),
    ("a folder", lambda tmp: tmp, "{db}: a folder, not a database file"),
    ("another program's SQLite", lambda tmp: _sqlite_with_a_table(tmp / "other.db"), "{db}: not an imrdb database (no schema)"),
]


def _sqlite_with_a_table(path):
    with sqlite3.connect(path) as connection:
        connection.execute("create table notes (body text)")
    return path


@pytest.mark.parametrize("command", [["reprocess"], ["unmapped"], ["coverage"], ["export-sqlite", "OUT"]],
                         ids=lambda command: command[0])
@pytest.mark.parametrize("label, make, expected", MISSING_DATABASES, ids=[case[0] for case in MISSING_DATABASES])
def test_cli_reading_commands_never_create_a_database(tmp_path, command, label, make, expected):
    db = make(tmp_path)
    before = sorted(path.name for path in tmp_path.iterdir())
    content = db.read_bytes() if db.is_file() else None
    args = [tmp_path / "out.db" if arg == "OUT" else arg for arg in command]
    result = run_cli(*args, "--db", db)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error: " + expected.format(db=db) in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == before  # no file made, not even out.db
    assert content is None or db.read_bytes() == content  # another program's file left as it was (not made WAL)


@pytest.mark.parametrize("content, reason", [
    ("{bad", "Expecting property name enclosed in double quotes"),
    ('["CM16-0213037"]', "a JSON object keyed by case number is expected"),
    (b"\xff\xfe\x00", "can't decode byte 0xff"),
], ids=["not JSON", "a list", "not UTF-8"])
def test_cli_evaluate_with_a_bad_facts_file_is_one_line(tmp_path, content, reason):
    facts = tmp_path / "facts.json"
    facts.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = run_cli("evaluate", SAMPLES, facts)
    assert result.returncode == 1
    line = " ".join(result.stderr.split())
    assert f"error: {facts}: not a facts file" in line and reason in line, result.stderr
    assert "Traceback" not in result.stderr


def test_cli_evaluate_with_facts_for_none_of_the_letters_is_one_line(tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"CM00-0000001": {}, "CM00-0000002": {}}))
    result = run_cli("evaluate", SAMPLES, facts)
    assert result.returncode == 1
    assert " ".join(result.stderr.split()) == (f"error: {SAMPLES}: none of its 5 letter files has facts in {facts} "
                                               "(2 case numbers there): is it the right facts file?")


@pytest.mark.skipif(not REAL_DEV.exists(), reason="real dev letters not present in ../shared")
def test_cli_evaluate_real_letters(tmp_path):
    result = run_cli("evaluate", REAL_DEV, DEV_FACTS, "--no-diff")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("60 letters scored, 0 failed to parse")
    assert "  case_number               60/60  100.00%" in result.stdout


def test_cli_migrate_down_and_up(tmp_path):
    db = tmp_path / "m.db"
    assert "revision" in run_cli("migrate", "--db", db).stdout
    down = run_cli("migrate", "--db", db, "--downgrade", "--revision", "base")
    assert down.returncode == 0 and "database at revision base" in down.stdout
    up = run_cli("migrate", "--db", db)
    assert up.returncode == 0 and "database at revision base" not in up.stdout


def _table_counts(db: str) -> dict:
    tables = ("cases", "disputed_items", "guideline_citations", "ingest_runs", "reviewers")
    return {table: rows(db, f"select count(*) from {table}")[0][0] for table in tables}


# A populated database taken down to an older revision and back up: every row kept. On SQLite, 0007's
# downgrade copies ingest_runs, which cases refer to (it failed with a foreign key error before).
@pytest.mark.parametrize("revision", ["0007", "0006", "0004", "0001"])
def test_cli_migrate_down_and_up_keeps_the_rows(db_url, revision):
    assert run_cli("ingest", SAMPLES, "--db", db_url, "-q").returncode == 0
    before = _table_counts(db_url)
    down = run_cli("migrate", "--db", db_url, "--downgrade", "--revision", revision)
    assert down.returncode == 0 and f"database at revision {revision}" in down.stdout, down.stderr[-2000:]
    assert _table_counts(db_url) == before
    up = run_cli("migrate", "--db", db_url)
    assert up.returncode == 0 and f"database at revision {head_revision()}" in up.stdout, up.stderr[-2000:]
    assert _table_counts(db_url) == before
    if db_url.startswith("sqlite"):
        assert rows(db_url, "pragma foreign_key_check") == [] and rows(db_url, "pragma integrity_check") == [("ok",)]
    found = rows(db_url, "select count(*) from disputed_items_fts where disputed_items_fts match 'medically'"
                 if db_url.startswith("sqlite") else
                 "select count(*) from disputed_items where search_vector @@ to_tsquery('english', 'medically')")
    assert found[0][0] > 0  # search still works after the round trip
    again = run_cli("ingest", SAMPLES, "--db", db_url, "-q")
    assert again.returncode == 0 and "0 ingested, 5 unchanged" in again.stdout


def test_migrating_leaves_foreign_keys_enforced(tmp_path):
    from imrdb.db.engine import downgrade, make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    try:
        migrate(engine)
        downgrade(engine, "0006")
        migrate(engine)
        with engine.connect() as connection:  # the pool hands back the connection the migrations used
            assert connection.exec_driver_sql("pragma foreign_keys").scalar_one() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("args, expected", [
    (["--revision", "nonsense"], "error: --revision nonsense: Can't locate revision identified by 'nonsense' "
                                 f"(the revisions: base, {', '.join(revisions())}; head is the newest)"),
    (["--downgrade", "--revision", "9999"], "error: --revision 9999: Can't locate revision identified by '9999'"),
], ids=["upgrade", "downgrade"])
def test_cli_migrate_to_an_unknown_revision_is_one_line(tmp_path, args, expected):
    db = tmp_path / "m.db"
    assert run_cli("migrate", "--db", db).returncode == 0
    result = run_cli("migrate", "--db", db, *args)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(expected) and len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("command", [["ingest", SAMPLES], ["migrate"], ["migrate", "--downgrade", "-r", "0005"],
                                     ["reprocess"]], ids=["ingest", "migrate", "downgrade", "reprocess"])
def test_a_database_from_a_newer_imrdb_is_refused_in_one_line(db_url, command):
    assert run_cli("ingest", SAMPLES, "--db", db_url, "-q").returncode == 0
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("update alembic_version set version_num = '0042'"))
    engine.dispose()
    result = run_cli(*command, "--db", db_url)
    assert result.returncode == 1
    assert " ".join(result.stderr.split()).startswith(
        "error: the database's schema is at revision 0042, which this imrdb (") and len(result.stderr.splitlines()) == 1
    assert "a newer imrdb wrote it; upgrade imrdb to use it" in " ".join(result.stderr.split())
    assert rows(db_url, "select version_num from alembic_version") == [("0042",)]
    assert rows(db_url, "select count(*) from cases") == [(5,)]


def test_cli_ingest_of_a_folder_without_letters_warns(tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "notes.docx").write_text("not a letter format")
    result = run_cli("ingest", folder, "--db", tmp_path / "imr.db", "-q")
    assert result.returncode == 0
    assert "0 ingested, 0 unchanged, 0 duplicate, 0 replaced, 0 failed (0 files)" in result.stdout
    assert result.stderr.strip() == f"warning: no letter files (.pdf .txt .text .md .markdown .html .htm) in {folder}"


@pytest.mark.skipif(not REAL_DEV.exists(), reason="real dev letters not present in ../shared")
def test_real_pdfs_ingest(tmp_path):
    db = f"sqlite:///{tmp_path / 'dev.db'}"
    report = ingest([REAL_DEV], db, workers=2)
    assert (report.ingested, report.failed) == (60, 0)
    assert rows(db, "select count(*) from disputed_items") == [(136,)]
    assert rows(db, "select source_format, count(*) from cases group by source_format") == [("pdf", 60)]
    # every item carries the reviewer's own citations
    assert rows(db, """select count(*) from disputed_items i where not exists (
                         select 1 from guideline_citations g where g.disputed_item_id = i.id and g.role = 'imr_reviewer')
                       and i.case_id not in (select id from cases where letter_text like '%Expert Reviewer did not cite%')""") == [(0,)]


def test_export_sqlite_snapshot_serves_the_same_rows(db_url, tmp_path):
    from imrdb.export import export_sqlite

    ingest([SAMPLES], db_url, workers=2)
    out = tmp_path / "snapshot.db"
    counts = export_sqlite(db_url, out)
    assert (counts["cases"], counts["disputed_items"], counts["source_files"]) == (5, 12, 5)
    snapshot = f"sqlite:///{out}"
    query = """select c.case_number, c.outcome, i.position, i.description, i.decision
               from disputed_items i join cases c on c.id = i.case_id order by i.id"""
    assert rows(snapshot, query) == rows(db_url, query)
    assert rows(snapshot, "select specialties from reviewers order by id") == [
        (json.dumps(value) if not isinstance(value, str) else value,) for (value,) in rows(db_url, "select specialties from reviewers order by id")]
    # full-text search works in the snapshot
    assert rows(snapshot, "select count(*) from disputed_items_fts where disputed_items_fts match 'carisoprodol'") == [(3,)]
    with pytest.raises(Exception, match="already exists"):
        export_sqlite(db_url, out)
    again = ingest([SAMPLES], snapshot, workers=1)  # the snapshot knows its files too
    assert (again.ingested, again.unchanged) == (0, 5)


@pytest.mark.parametrize("given,found", [
    (".", ["a.txt", "scan.pdf", "notes/b.md"]),
    ("./", ["a.txt", "scan.pdf", "notes/b.md"]),
    ("notes", ["notes/b.md"]),
    ("./notes/", ["notes/b.md"]),
    ("a.txt", ["a.txt"]),
    ("./a.txt", ["a.txt"]),
    ("{root}/", ["{root}/a.txt", "{root}/scan.pdf", "{root}/notes/b.md"]),
])
def test_found_files_are_spelled_from_the_path_given(tmp_path, monkeypatch, given, found):
    from imrdb.sources import find_letter_files

    (tmp_path / "notes").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("a.txt", "notes/b.md", "scan.pdf", "notes/.draft.txt", ".hidden/c.txt", "photo.jpg"):
        (tmp_path / name).write_text("x")
    monkeypatch.chdir(tmp_path)
    sources = list(find_letter_files([given.format(root=tmp_path)]))
    assert [source.path for source in sources] == [path.format(root=tmp_path) for path in found]
    assert [source.format for source in sources] == [
        {".txt": "text", ".md": "markdown", ".pdf": "pdf"}[Path(path).suffix] for path in found]


def _square_unless_negative(number: int) -> int:
    if number < 0:
        raise ValueError(f"{number} is negative")
    return number * number


@pytest.mark.parametrize("count,window", [(1, 1), (2, 1), (2, 3), (3, 50)])
def test_workers_give_results_in_order_whatever_the_window(count, window):
    from imrdb.workers import Workers

    with Workers(count, _square_unless_negative) as workers:
        assert list(workers.map(range(40), window)) == [number * number for number in range(40)]


def _own_niceness(_task):
    return os.nice(0)


def test_workers_run_below_the_writers_priority():
    from imrdb.ingest import WORKER_NICENESS
    from imrdb.workers import Workers

    writer = os.nice(0)
    with Workers(2, _own_niceness, niceness=WORKER_NICENESS) as workers:
        assert set(workers.map(range(6), 2)) == {min(19, writer + WORKER_NICENESS)}
    assert os.nice(0) == writer  # only the workers were lowered


def test_a_task_the_machinery_fails_on_is_an_error_not_a_hang():
    from imrdb.errors import ImrdbError
    from imrdb.workers import Workers

    with Workers(2, _square_unless_negative) as workers:
        with pytest.raises(ImrdbError, match="a parser process failed: ValueError: -3 is negative"):
            list(workers.map([1, 2, -3, 4, 5], 2))


def test_the_writer_collects_garbage_less_often_only_while_it_ingests(tmp_path):
    import gc

    from imrdb.ingest import MAIN_GC_THRESHOLD, Ingester

    before = gc.get_threshold()
    during = []
    ingester = Ingester(str(tmp_path / "imr.db"), workers=1, batch_size=2,
                        on_progress=lambda _count: during.append(gc.get_threshold()))
    report = ingester.run([SAMPLES])
    assert report.ingested == len(list(SAMPLES.glob("*.txt"))) and report.failed == 0
    assert during and set(during) == {(MAIN_GC_THRESHOLD, *before[1:])}
    assert gc.get_threshold() == before


# File names that are not UTF-8 (archives made on other systems): stored and shown with \xNN escapes.
TEXT_PATHS = [
    ("ascii", "letters/CM14-0039927.txt", "letters/CM14-0039927.txt"),
    ("UTF-8 accent", "lettres/décision.pdf", "lettres/décision.pdf"),
    ("Latin-1 byte", os.fsdecode(b"lettres/d\xe9cision.pdf"), "lettres/d\\xe9cision.pdf"),
    ("Windows-1252 quotes", os.fsdecode(b"\x93quoted\x94.txt"), "\\x93quoted\\x94.txt"),
]


@pytest.mark.parametrize("label, path, expected", TEXT_PATHS, ids=[case[0] for case in TEXT_PATHS])
def test_text_path(label, path, expected):
    from imrdb.sources import text_path

    assert text_path(path) == expected
    assert text_path(Path(path)) == expected


def test_file_names_that_are_not_utf8_are_stored_escaped(db_url, tmp_path):
    """A Latin-1 file name used to fail the whole batch (the driver refuses lone surrogates)."""
    folder = tmp_path / "letters"
    folder.mkdir()
    (Path(os.fsdecode(bytes(folder) + b"/d\xe9cision.txt"))).write_bytes(sample("001").read_bytes())
    (Path(os.fsdecode(bytes(folder) + b"/vide\xe9.txt"))).write_bytes(b"")  # fails: empty
    shutil.copy(sample("002"), folder / "plain.txt")
    result = run_cli("ingest", folder, "--db", db_url, "-q")
    assert result.returncode == 1  # the empty file failed; the rest landed
    assert "2 ingested, 0 unchanged, 0 duplicate, 0 replaced, 1 failed (3 files)" in result.stdout
    assert f"failed: {folder}/vide\\xe9.txt: file is empty" in result.stderr
    assert sorted(path for (path,) in rows(db_url, "select source_path from cases")) == [
        f"{folder}/d\\xe9cision.txt", f"{folder}/plain.txt"]
    assert rows(db_url, "select path from ingest_errors") == [(f"{folder}/vide\\xe9.txt",)]
    again = run_cli("ingest", folder, "--db", db_url, "-q")
    assert "0 ingested, 2 unchanged, 0 duplicate, 0 replaced, 1 failed (3 files)" in again.stdout
