"""Nothing lost, nothing doubled: bad input, kills, Ctrl-C, concurrent writers, hostile text."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imrdb.db.store import DEFERRED_INDEXES
from imrdb.errors import ParseError
from imrdb.ingest import KILLED_ITS_READER, TOO_SLOW, ingest
from imrdb.letter import Letter
from imrdb.parse import parse_letter
from imrdb.serve import indexes_pending, make_datasette
from imrdb.workers import DIED
from conftest import REAL_DEV, ROOT, SAMPLES, sample

IMRDB = [sys.executable, "-m", "imrdb.cli"]


def make_batch(folder: Path, count: int, seed: int = 0) -> Path:
    """`count` distinct letters: the samples with case numbers and dates varied (every file differs)."""
    folder.mkdir(parents=True, exist_ok=True)
    templates = [path.read_text() for path in sorted(SAMPLES.glob("*.txt"))]
    rng = random.Random(seed)
    for index in range(count):
        text = templates[index % len(templates)]
        number = f"CM{15 + index % 3}-{index:07d}"
        if "<b>Case Number:</b>" in text:
            text = text.replace("CM14-0039927", number)
        else:
            text = f"Case Number: {number}\nDate Assigned: 01/0{1 + index % 9}/2015 Date of Injury: 05/17/2004\n" \
                   f"Decision Date: 02/1{index % 10}/2015 UR Denial Date: 12/01/2014\n" \
                   f"Priority: Standard Application Received: 12/15/2014\n" + text
        text = text.replace("clinical case summary", f"clinical case summary (copy {rng.random():.12f})", 1)
        (folder / f"letter_{index:05d}.txt").write_text(text)
    return folder


def snapshot(db: Path) -> dict:
    """What a database holds, independent of row ids and ingest times."""
    with sqlite3.connect(db) as connection:
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
        return {
            "cases": sorted(connection.execute(
                "select case_number, source_sha256, outcome, item_count from cases").fetchall()),
            "items": sorted(connection.execute(
                "select c.case_number, i.position, i.description, i.decision from disputed_items i "
                "join cases c on c.id = i.case_id").fetchall()),
            "citations": connection.execute("select count(*) from guideline_citations").fetchone()[0],
            "orphans": connection.execute(
                "select count(*) from disputed_items where case_id not in (select id from cases)").fetchone()[0],
            "fts": [connection.execute(f"insert into {table}_fts ({table}_fts, rank) values ('integrity-check', 1)").rowcount
                    for table in ("cases", "disputed_items")],  # raises if the index disagrees with the rows
            "search": connection.execute(
                "select count(*) from disputed_items_fts where disputed_items_fts match 'medically'").fetchone()[0],
        }


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return make_batch(tmp_path_factory.mktemp("batch") / "letters", 400)


@pytest.fixture(scope="module")
def clean_snapshot(batch, tmp_path_factory):
    db = tmp_path_factory.mktemp("clean") / "clean.db"
    report = ingest([batch], str(db), workers=2)
    assert (report.ingested, report.failed) == (400, 0)
    return snapshot(db)


# -- kills and interrupts ----------------------------------------------------------------------


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as connection:
            return connection.execute("select count(*) from cases").fetchone()[0]
    except sqlite3.Error:
        return -1  # not created yet, or mid-migration


# kill points: right at start (before or during the migration), and after 16, 160 and 320 letters landed
@pytest.mark.parametrize("kill_after_letters", [None, 16, 160, 320])
def test_sigkill_at_any_moment_then_rerun_equals_a_clean_run(batch, clean_snapshot, tmp_path, kill_after_letters):
    db = tmp_path / "killed.db"
    process = subprocess.Popen(IMRDB + ["ingest", str(batch), "--db", str(db), "--batch-size", "16", "-q"],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if kill_after_letters is None:
        time.sleep(0.3)
    else:
        deadline = time.monotonic() + 120
        while _stored(db) < kill_after_letters and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
    killed_mid_run = process.poll() is None
    workers = _children(process.pid) if killed_mid_run else []
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    _assert_gone(workers)  # the parser processes die with it, not left waiting for tasks for ever
    stored_at_kill = _stored(db)
    rerun = subprocess.run(IMRDB + ["ingest", str(batch), "--db", str(db), "-q"], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert snapshot(db) == clean_snapshot
    if kill_after_letters:
        assert killed_mid_run and kill_after_letters <= stored_at_kill < 400, "the kill did not land mid-run"
        with sqlite3.connect(db) as connection:
            statuses = [row[0] for row in connection.execute("select status from ingest_runs order by id")]
        assert statuses == ["killed", "finished"]  # the dead run is not left "running"


# An ingest killed (kill -9) inside its final build: the build's transaction has rebuilt the full-text
# index of disputed items, not yet committed, when the process dies.
KILLED_IN_FINAL_BUILD = """
import os, signal, sys
from sqlalchemy.engine import Connection
from imrdb.cli import app
run = Connection.exec_driver_sql
def exec_driver_sql(self, statement, *args, **kwargs):
    result = run(self, statement, *args, **kwargs)
    if "disputed_items_fts" in statement and "'rebuild'" in statement:
        os.kill(os.getpid(), signal.SIGKILL)
    return result
Connection.exec_driver_sql = exec_driver_sql
app(sys.argv[1:])
"""


def _schema(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute("select type, name, tbl_name, sql from sqlite_master "
                                  "where type in ('index', 'trigger') order by name").fetchall()


def test_an_ingest_killed_in_its_final_build_is_completed_by_the_next_run(batch, clean_snapshot, tmp_path):
    """A first ingest into a new database builds the facet and full-text indexes once, at its end, in one
    transaction: killed there, it leaves every letter stored and the build undone, and the next run (here,
    with nothing new to ingest) builds it before anything else."""
    db = tmp_path / "killed-in-build.db"
    killed = subprocess.run([sys.executable, "-c", KILLED_IN_FINAL_BUILD, "ingest", str(batch), "--db", str(db),
                             "--batch-size", "64", "-q"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert _stored(db) == 400
    with sqlite3.connect(db) as connection:
        assert connection.execute("select status from ingest_runs").fetchall() == [("indexing",)]
        assert connection.execute("select count(*) from sqlite_master where name = 'disputed_items_ad'").fetchone() == (0,)
        assert connection.execute("select count(*) from disputed_items_fts where disputed_items_fts match 'medically'"
                                  ).fetchone() == (0,)  # the rebuild was rolled back with the process
    assert indexes_pending(db)
    with socket.socket() as busy:  # serve says so (and then, here, that the port is taken)
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        served = subprocess.run(IMRDB + ["serve", "--db", str(db), "--port", str(busy.getsockname()[1])], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
    assert served.returncode == 1 and "the search and facet indexes are not built yet" in served.stderr, served.stderr
    rerun = subprocess.run(IMRDB + ["ingest", str(batch), "--db", str(db), "-q"], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert rerun.stdout.strip() == "0 ingested, 400 unchanged, 0 duplicate, 0 replaced, 0 failed (400 files)", rerun.stderr
    assert snapshot(db) == clean_snapshot and not indexes_pending(db)
    with sqlite3.connect(db) as connection:
        assert connection.execute("select status from ingest_runs order by id").fetchall() == [("killed",), ("finished",)]
    reference = tmp_path / "incremental.db"  # the same schema as a database filled letter by letter
    ingest([sorted(batch.iterdir())[0]], str(reference), workers=1)
    ingest([batch], str(reference), workers=1)
    assert _schema(db) == _schema(reference)


def _assert_gone(pids: list[int], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if _running(pid)]
        time.sleep(0.05)
    assert not alive, f"processes left running: {alive}"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def _children(pid: int) -> list[int]:
    children = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as handle:
            children.extend(int(child) for child in handle.read().split())
    return children


# A process that starts parser workers, prints their ids and is killed at once (kill -9).
ORPHANED_WORKERS = """
import os, signal, sys
import imrdb.workers as workers
if sys.argv[1] == "own check":
    workers._die_with = lambda parent: False  # as where the kernel cannot be asked (not Linux)
pool = workers.Workers(2, abs)
print(" ".join(str(process.pid) for process in pool._processes), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("watch", ["kernel", "own check"])
def test_workers_whose_parent_was_killed_end_too(watch):
    """kill -9 of an ingest used to leave its parser processes waiting for tasks for ever (two more
    sleeping processes per killed run). Linux kills them with it (PR_SET_PDEATHSIG); elsewhere an idle
    worker looks for its parent every second."""
    result = subprocess.run([sys.executable, "-c", ORPHANED_WORKERS, watch], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == -signal.SIGKILL, result.stderr
    pids = [int(pid) for pid in result.stdout.split()]
    assert len(pids) == 2
    _assert_gone(pids, within=5)


def test_a_worker_killed_mid_run_is_replaced_and_nothing_is_lost(batch, clean_snapshot, tmp_path):
    """Killed from outside (the out-of-memory killer) while on a file: that file is reported failed, a
    new worker takes the rest, the run finishes; the rerun reads the file again and equals a clean run."""
    db = tmp_path / "worker-killed.db"
    process = subprocess.Popen(IMRDB + ["ingest", str(batch), "--db", str(db), "--batch-size", "16", "--workers", "2", "-q"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _stored(db) < 16 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    workers = _children(process.pid)
    assert process.poll() is None and workers, "the run ended before a worker could be killed"
    os.kill(workers[0], signal.SIGKILL)
    out, err = process.communicate(timeout=120)
    assert "Traceback" not in err
    if out.strip() == "399 ingested, 0 unchanged, 0 duplicate, 0 replaced, 1 failed (400 files)":  # it died on a file
        assert process.returncode == 1 and len(err.strip().splitlines()) == 1
        assert err.startswith("failed: ") and KILLED_ITS_READER in err, err
    else:  # it died between files: nothing to blame, its task went to the new worker
        assert out.strip() == "400 ingested, 0 unchanged, 0 duplicate, 0 replaced, 0 failed (400 files)", out + err
        assert process.returncode == 0 and err == "", err
    _assert_gone(workers)
    with sqlite3.connect(db) as connection:
        assert connection.execute("select status from ingest_runs").fetchall() == [("finished",)]
    rerun = subprocess.run(IMRDB + ["ingest", str(batch), "--db", str(db), "-q"], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert snapshot(db) == clean_snapshot


# An ingest whose parse (or whose query for stored files) kills its own process on cue, as a crash in
# the PDF library or the out-of-memory killer would: argv = how, signal number, then imrdb's arguments.
SELF_KILLING_PARSE = """
import os, sys, time
import imrdb.ingest as ingest
how, number = sys.argv[1], int(sys.argv[2])
if how in ("on a file", "hangs on a file"):
    parse = ingest.parse_file
    def parse_file(path, source_format, sha256, data, *rest):
        if b"CRASH-THE-READER" in data:
            if how == "hangs on a file":
                time.sleep(3600)  # as a PDF that sends its reader into an endless loop
            os.kill(os.getpid(), number)
        return parse(path, source_format, sha256, data, *rest)
    ingest.parse_file = parse_file
else:  # on no file: every worker dies asking what is stored
    def known(self, hashes):
        os.kill(os.getpid(), number)
    ingest.ChunkReader.known = known
from imrdb.cli import main
sys.argv = ["imrdb", *sys.argv[3:]]
main()
"""
POISONOUS = ["letter_00007.txt", "letter_00008.txt", "letter_00300.txt"]  # two in one chunk of 50


@pytest.mark.parametrize("how, number, reason", [
    ("on a file", signal.SIGSEGV, KILLED_ITS_READER),
    ("on a file", signal.SIGKILL, KILLED_ITS_READER),
    ("hangs on a file", 0, TOO_SLOW.format(seconds=2)),
], ids=["crash", "out-of-memory kill", "endless loop"])
def test_a_file_that_kills_or_hangs_its_parser_costs_only_itself(batch, tmp_path, how, number, reason):
    letters = tmp_path / "letters"
    shutil.copytree(batch, letters)
    for name in POISONOUS:
        with open(letters / name, "a") as handle:
            handle.write("CRASH-THE-READER\n")
    db = tmp_path / "poisoned.db"
    for attempt in ("first", "again"):
        result = subprocess.run([sys.executable, "-c", SELF_KILLING_PARSE, how, str(int(number)), "ingest",
                                 str(letters), "--db", str(db), "--batch-size", "16", "--workers", "2", "-q",
                                 "--file-time-limit", "2"], cwd=ROOT, capture_output=True, text=True, timeout=250)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        counts = "397 ingested, 0 unchanged" if attempt == "first" else "0 ingested, 397 unchanged"
        assert result.stdout.strip() == f"{counts}, 0 duplicate, 0 replaced, 3 failed (400 files)"
        assert result.stderr.splitlines() == [f"failed: {letters / name}: {reason}" for name in POISONOUS]
    with sqlite3.connect(db) as connection:
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
        assert connection.execute("select count(*) from cases").fetchone()[0] == 397
        assert connection.execute("select count(*) from cases where source_path like '%letter_0000_.txt'").fetchone()[0] == 8
        assert sorted(connection.execute("select path, stage from ingest_errors where run_id = 1")) == [
            (str(letters / name), "parse") for name in POISONOUS]


def test_workers_that_keep_dying_on_no_file_end_the_run_with_one_line(batch, tmp_path):
    """Something other than a file kills every worker: after a few replacements the run stops, not loops."""
    db = tmp_path / "dying.db"
    result = subprocess.run([sys.executable, "-c", SELF_KILLING_PARSE, "on no file", str(int(signal.SIGKILL)), "ingest",
                             str(batch), "--db", str(db), "--workers", "2", "-q"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {DIED}"
    with sqlite3.connect(db) as connection:
        assert connection.execute("select status from ingest_runs").fetchall() == [("failed",)]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_ctrl_c_or_sigterm_stops_after_the_current_transaction(batch, clean_snapshot, tmp_path, stop):
    db = tmp_path / "interrupted.db"
    process = subprocess.Popen(IMRDB + ["ingest", str(batch), "--db", str(db), "--batch-size", "8", "-q"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # wait until some letters have landed, then interrupt
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as connection:
                    if connection.execute("select count(*) from cases").fetchone()[0] >= 16:
                        break
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    workers = _children(process.pid)
    process.send_signal(stop)
    out, err = process.communicate(timeout=60)
    _assert_gone(workers)
    assert process.returncode == 1
    assert "interrupted" in out and "run the same command again to continue" in err
    assert "Traceback" not in err
    with sqlite3.connect(db) as connection:
        stored = connection.execute("select count(*) from cases").fetchone()[0]
        status = connection.execute("select status, ingested from ingest_runs").fetchall()
    assert 16 <= stored < 400
    assert status == [("interrupted", stored)]
    rerun = subprocess.run(IMRDB + ["ingest", str(batch), "--db", str(db), "-q"], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert f"{400 - stored} ingested, {stored} unchanged" in rerun.stdout
    assert snapshot(db) == clean_snapshot


def test_two_ingests_at_once_store_everything_once(batch, db_url):
    """Two writers on one new database, SQLite or PostgreSQL: both finish, nothing doubled."""
    command = IMRDB + ["ingest", str(batch), "--db", db_url, "--batch-size", "16", "-q", "-w", "1"]
    processes = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outputs = [process.communicate(timeout=600) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.connect() as connection:
        assert connection.execute(text("select count(*), count(distinct case_number) from cases")).one() == (400, 400)
        assert connection.execute(text("select count(*) from disputed_items")).scalar_one() == 400 // 5 * 12
        runs = connection.execute(text("select ingested + unchanged + duplicate + replaced, failed from ingest_runs")).all()
    engine.dispose()
    assert sorted(runs) == [(400, 0), (400, 0)]


def _open_new_database(path: Path, barrier, answers) -> None:
    from imrdb.db.engine import make_engine

    barrier.wait()  # both processes open the same new file at the same moment
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            answers.put(connection.exec_driver_sql("pragma journal_mode").scalar_one())
    except Exception as error:  # noqa: BLE001 - the answer is the failure itself
        answers.put(f"{type(error).__name__}: {error}")
    finally:
        engine.dispose()


def test_two_processes_opening_one_new_database_both_get_it(tmp_path):
    """SQLite answers the second of two simultaneous switches of a new file to WAL with "database is
    locked" at once, without waiting: before make_engine retried it, 391 of 1,000 such openings failed,
    and two ingests started together on a new database could lose one of them."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    answers = context.Queue()
    outcomes = []
    for attempt in range(40):
        barrier = context.Barrier(2)
        processes = [context.Process(target=_open_new_database, args=(tmp_path / f"{attempt}.db", barrier, answers))
                     for _ in range(2)]
        for process in processes:
            process.start()
        outcomes += [answers.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=60)
    assert outcomes == ["wal"] * 80


def test_two_ingests_at_once_and_datasette_keeps_serving(batch, clean_snapshot, tmp_path):
    db = tmp_path / "shared.db"  # new: both processes race to create and migrate it too
    commands = [IMRDB + ["ingest", str(batch), "--db", str(db), "--batch-size", "4", "-q", "-w", "1"]] * 2
    processes = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for command in commands]
    while all(process.poll() is None for process in processes):  # until the schema has landed
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
                if connection.execute("select count(*) from sqlite_master where name = 'items_detail'").fetchone()[0]:
                    break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.01)
    datasette = make_datasette(db)
    answered = 0
    while any(process.poll() is None for process in processes):
        response = asyncio.run(datasette.client.get("/shared.json?sql=" + urllib.parse.quote("select count(*) from cases")))
        assert response.status_code == 200, response.text[:300]
        answered += 1
        time.sleep(0.01)
    outputs = [process.communicate() for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert answered > 0
    totals = [out for out, _ in outputs]
    assert all("0 failed" in out for out in totals)
    assert snapshot(db) == clean_snapshot
    # both began as bulk loads of a new database: whichever ended last built the indexes
    present = {name for _, name, _, _ in _schema(db)}
    assert {index.name for index in DEFERRED_INDEXES} <= present and "disputed_items_ad" in present


# -- the database's machine fails mid-run ------------------------------------------------------

STOPPED = r"(\d[\d,]*) letters? (?:were|was) stored before that and are kept: fix it, then run the same command again to continue"


def _limit_file_size(limit: int):
    def limit_file_size():  # in the child before it starts: its writes past `limit` bytes fail (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_file_size


@contextlib.contextmanager
def _small_file_system(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted on `folder` (needs root; skips where mounting is not allowed)."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


# How a SQLite file stops growing mid-run, what SQLite then says, and how the owner makes room again.
FULL_DISKS = [
    ("a file size limit", "disk I/O error"),  # RLIMIT_FSIZE: write() fails with EFBIG
    ("a full file system", "database or disk is full"),  # ENOSPC on a 4 MB tmpfs
]


@pytest.mark.parametrize("how, reason", FULL_DISKS, ids=[case[0] for case in FULL_DISKS])
def test_a_database_that_cannot_grow_ends_the_run_with_one_line_and_nothing_lost(
        batch, clean_snapshot, tmp_path, how, reason):
    with contextlib.ExitStack() as stack:
        if how == "a file size limit":
            folder, limit = tmp_path, _limit_file_size(4_000_000)
        else:
            folder, limit = stack.enter_context(_small_file_system(tmp_path / "small", "4m")), None
        db = folder / "full.db"
        result = subprocess.run(IMRDB + ["ingest", str(batch), "--db", str(db), "--batch-size", "16", "-q"], cwd=ROOT,
                                capture_output=True, text=True, timeout=300, preexec_fn=limit)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        told = re.fullmatch(f"error: {re.escape(str(db))}: {reason}; {STOPPED}", result.stderr.strip())
        assert told, result.stderr
        stored = int(told.group(1).replace(",", ""))
        assert 16 <= stored < 400, "the disk should fill mid-run, after some batches"
        with sqlite3.connect(db) as connection:
            assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
            assert connection.execute("select count(*) from cases").fetchone()[0] == stored
            assert connection.execute("select status, ingested from ingest_runs").fetchall() == [("failed", stored)]
        if how == "a full file system":  # the owner makes room
            subprocess.run(["mount", "-o", "remount,size=64m", str(folder)], check=True)
        rerun = subprocess.run(IMRDB + ["ingest", str(batch), "--db", str(db), "-q"], cwd=ROOT,
                               capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr
        assert f"{400 - stored} ingested, {stored} unchanged" in rerun.stdout
        assert snapshot(db) == clean_snapshot


@contextlib.contextmanager
def _postgres_role(url: str) -> Iterator[tuple[str, str, object]]:
    """A new login role that owns nothing yet and may create tables in `url`'s schema: (its URL, its
    name, an administrator's engine). Dropped afterwards with whatever it made."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    role = f"imrdb_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        schema = connection.exec_driver_sql("select current_schema()").scalar_one()
        connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        connection.exec_driver_sql(f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {role}")
    try:
        yield make_url(url).set(username=role).render_as_string(hide_password=False), role, admin
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")
            connection.exec_driver_sql(f"DROP OWNED BY {role}")
            connection.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()


def test_a_postgresql_server_that_drops_the_writer_ends_the_run_with_one_line(batch, postgres_url):
    """The server ends the ingest's sessions mid-run and refuses new ones (a restart, an administrator):
    one line, every batch written so far kept; once it lets the role in again, a rerun completes."""
    with _postgres_role(postgres_url) as (url, role, admin):
        command = IMRDB + ["ingest", str(batch), "--db", url, "--batch-size", "16", "-q"]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def stored() -> int:
            with admin.connect() as connection:
                if connection.exec_driver_sql("select to_regclass('cases')").scalar_one() is None:
                    return 0
                return connection.exec_driver_sql("select count(*) from cases").scalar_one()

        deadline = time.monotonic() + 120
        while stored() < 16 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process.poll() is None, "the run ended before the server could drop it"
        with admin.connect() as connection:
            connection.exec_driver_sql(f"ALTER ROLE {role} NOLOGIN")
            connection.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")
        out, err = process.communicate(timeout=120)
        assert process.returncode == 1, out + err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        told = re.fullmatch(f"error: {re.escape(url)}: (.+); {STOPPED}", err.strip())
        assert told, err
        assert re.search("terminat|connection|not permitted to log in", told.group(1)), told.group(1)
        assert int(told.group(2).replace(",", "")) == stored() >= 16

        with admin.connect() as connection:
            connection.exec_driver_sql(f"ALTER ROLE {role} LOGIN")
        rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr
        with admin.connect() as connection:
            assert connection.exec_driver_sql("select count(*), count(distinct case_number) from cases").one() == (400, 400)
            runs = connection.exec_driver_sql("select status from ingest_runs order by id").scalars().all()
        assert runs[-1] == "finished" and runs[0] in ("failed", "killed")  # "killed" when it could not say so itself


def test_a_postgresql_role_that_may_not_write_is_one_line(postgres_url):
    from imrdb.db.engine import make_engine, migrate

    engine = make_engine(postgres_url)
    migrate(engine)
    engine.dispose()
    with _postgres_role(postgres_url) as (url, role, admin):
        with admin.connect() as connection:
            schema = connection.exec_driver_sql("select current_schema()").scalar_one()
            connection.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
            before = connection.exec_driver_sql("select count(*) from ingest_runs").scalar_one()
        result = subprocess.run(IMRDB + ["ingest", str(SAMPLES), "--db", url, "-q"], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 1
        assert result.stderr.strip() == f"error: {url}: permission denied for table drug_names", result.stderr
        with admin.connect() as connection:
            assert connection.exec_driver_sql("select count(*) from ingest_runs").scalar_one() == before


# -- bad input ---------------------------------------------------------------------------------


def _pdf(path: Path, text: str | None, password: str | None = None) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    if text:
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 5, text)
    else:
        pdf.rect(20, 20, 100, 100, style="F")  # a page with marks but no text, like a scan
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    pdf.output(str(path))
    return path


def test_pdf_failures_say_what_to_do(tmp_path):
    pytest.importorskip("fpdf")
    _pdf(tmp_path / "scan.pdf", None)
    _pdf(tmp_path / "locked.pdf", "secret text", password="pw")
    _pdf(tmp_path / "good.pdf", sample("003").read_text().replace("<b>", "").replace("</b>", ""))
    report = ingest([tmp_path], str(tmp_path / "imr.db"), workers=1)
    reasons = {Path(f.path).name: f.message for f in report.failures}
    assert reasons["scan.pdf"] == "PDF has 1 page(s) but no text layer and no scanned page to OCR"
    assert "encrypted" in reasons["locked.pdf"]
    assert report.ingested == 1 and report.failed == 2


def test_size_limit(tmp_path):
    shutil.copy(sample("002"), tmp_path / "big.txt")
    report = ingest([tmp_path], str(tmp_path / "imr.db"), workers=1, max_bytes=1000)
    assert report.failed == 1 and "over the 1,000-byte limit" in report.failures[0].message


def _without_root_privileges() -> list[str]:
    """A command prefix under which file permissions apply (root's DAC override is dropped)."""
    if os.geteuid() != 0:
        return []
    probe = subprocess.run(["unshare", "-U", "true"], capture_output=True) if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        pytest.skip("running as root and `unshare -U` is unavailable: root reads every file")
    return ["unshare", "-U"]  # a new user namespace: still uid 0 on disk, but no capability over root's files


def test_unreadable_file_is_refused_not_fatal(tmp_path):
    folder = tmp_path / "batch"
    shutil.copytree(SAMPLES, folder)
    secret = folder / "secret.txt"
    secret.write_text(sample("001").read_text())
    secret.chmod(0)
    db = tmp_path / "imr.db"
    command = _without_root_privileges() + IMRDB + ["ingest", str(folder), "--db", str(db), "-w", "1"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert f"{secret}: permission denied" in " ".join(result.stderr.split())
    assert "5 ingested" in result.stdout and "1 failed" in result.stdout
    assert "Traceback" not in result.stderr


def test_strict_stops_at_the_first_failure(tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a_empty.txt").write_text("")
    for index, path in enumerate(sorted(SAMPLES.glob("*.txt"))):
        shutil.copy(path, folder / f"b_{index}.txt")
    result = subprocess.run(IMRDB + ["ingest", str(folder), "--db", str(tmp_path / "imr.db"), "--strict", "--batch-size", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "a_empty.txt: file is empty" in result.stderr
    assert "0 ingested" in result.stdout and "1 failed" in result.stdout and "interrupted" in result.stdout


def test_error_lines_name_the_path_as_the_user_gave_it(tmp_path):
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "empty.txt").write_text("")
    (tmp_path / "letters" / "[red]odd name.txt").write_text("")  # not taken for terminal markup
    result = subprocess.run(IMRDB + ["ingest", "letters", "--db", "imr.db"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "letters/empty.txt: file is empty" in result.stderr
    assert "letters/[red]odd name.txt: file is empty" in result.stderr
    assert str(tmp_path) not in result.stderr + result.stdout
    with sqlite3.connect(tmp_path / "imr.db") as connection:
        assert connection.execute("select path from ingest_errors order by path").fetchall() == [
            ("letters/[red]odd name.txt",), ("letters/empty.txt",)]


# -- hostile text ------------------------------------------------------------------------------

HOSTILE = "'); DROP TABLE cases; -- <script>alert('x')</script> <img src=x onerror=alert(1)>"


def test_sql_and_html_in_a_letter_are_stored_verbatim_and_shown_escaped(tmp_path):
    text = sample("001").read_text().replace("Percocet 10/325 mg 30: Upheld", f"Percocet {HOSTILE}: Upheld", 1)
    (tmp_path / "hostile.txt").write_text(text)
    db = tmp_path / "imr.db"
    assert ingest([tmp_path / "hostile.txt"], str(db), workers=1).ingested == 1
    with sqlite3.connect(db) as connection:
        descriptions = [row[0] for row in connection.execute("select description from disputed_items")]
    assert f"Percocet {HOSTILE}" in descriptions
    datasette = make_datasette(db)
    page = asyncio.run(datasette.client.get("/imr/disputed_items", follow_redirects=True))
    assert page.status_code == 200
    assert "<script>alert('x')</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_served_sql_returns_at_most_1000_rows(tmp_path):
    db = tmp_path / "imr.db"
    ingest([SAMPLES], str(db), workers=1)
    many = "with recursive r(i) as (select 1 union all select i + 1 from r where i < 5000) select i from r"
    response = asyncio.run(make_datasette(db).client.get("/imr.json?_shape=objects&sql=" + urllib.parse.quote(many)))
    body = response.json()
    assert len(body["rows"]) == 1000 and body["truncated"] is True


def test_robots_are_told_not_to_index_unless_allowed(tmp_path):
    db = tmp_path / "imr.db"
    ingest([SAMPLES], str(db), workers=1)
    blocked = asyncio.run(make_datasette(db).client.get("/robots.txt")).text
    allowed = asyncio.run(make_datasette(db, allow_robots=True).client.get("/robots.txt")).text
    assert blocked.splitlines() == ["User-agent: *", "Disallow: /"]
    assert allowed.splitlines() == ["User-agent: *", "Allow: /"]


def test_serve_on_a_public_address_warns(tmp_path):
    db = tmp_path / "imr.db"
    ingest([SAMPLES], str(db), workers=1)
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(IMRDB + ["serve", "--db", str(db), "--host", "0.0.0.0", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stderr.readline()
        assert "warning: serving on 0.0.0.0: anyone who can reach this machine can read the database" in line
    finally:
        server.terminate()
        server.wait(timeout=10)


# -- the parser on random and mutated input ----------------------------------------------------

def _letters_to_mutate() -> list[str]:
    """The sample letters, and the real dev letters' text when ../shared is present."""
    letters = [path.read_text() for path in sorted(SAMPLES.glob("*.txt"))]
    if REAL_DEV.exists():
        from imrdb.sources import SourceFile, read_letter

        letters += [read_letter(SourceFile(path, "pdf")).text for path in sorted(REAL_DEV.glob("*.pdf"))[:20]]
    return letters


LETTERS = _letters_to_mutate()


def _mutate(text: str, data) -> str:
    lines = text.splitlines()
    operation = data.draw(st.sampled_from(["drop", "duplicate", "shuffle", "truncate", "encoding", "join"]))
    if not lines:
        return text
    index = data.draw(st.integers(0, len(lines) - 1))
    if operation == "drop":
        del lines[index: index + data.draw(st.integers(1, 20))]
    elif operation == "duplicate":
        lines[index:index] = lines[index: index + data.draw(st.integers(1, 20))]
    elif operation == "shuffle":
        chunk = lines[index: index + 30]
        random.Random(data.draw(st.integers())).shuffle(chunk)
        lines[index: index + 30] = chunk
    elif operation == "truncate":
        return "\n".join(lines)[: data.draw(st.integers(0, len(text)))]
    elif operation == "encoding":
        return text.encode("utf-8").decode("latin-1")
    elif operation == "join":
        return "".join(lines)
    return "\n".join(lines)


def _parses_or_refuses(text: str) -> None:
    started = time.perf_counter()
    try:
        assert isinstance(parse_letter(text), Letter)
    except ParseError:
        pass
    assert time.perf_counter() - started < 2, "parser took too long"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_letters_parse_or_raise_parse_error(data):
    text = data.draw(st.sampled_from(LETTERS))
    for _ in range(data.draw(st.integers(1, 4))):
        text = _mutate(text, data)
    _parses_or_refuses(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=3000))
def test_random_text_parses_or_raises_parse_error(text):
    _parses_or_refuses(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([
    "CLINICAL CASE SUMMARY", "IMR ISSUES, DECISIONS AND RATIONALES", "HOW THE IMR FINAL DETERMINATION WAS MADE",
    "Decision rationale:", "MAXIMUS guideline:", "Claims Administrator guideline:", ": Upheld", ": Overturned",
    "was the original request.", "The remaining IMR eligible portion of the original request,", "is:",
    "Board Certified in", "and is licensed to practice in", "medically necessary", "not", ".", "\n", " ",
    "Decision based on MTUS", "Non-MTUS Citation", "Page(s): 12-", "<b>", "**", "(", ")", "a" * 50,
]), max_size=300))
def test_letter_shaped_noise_parses_or_raises_parse_error(parts):
    _parses_or_refuses("".join(parts))


def test_pathological_backtracking_inputs_finish_quickly():
    for text in ["Board Certified in " + "a, " * 20000, ": " * 50000 + "Upheld", "Decision based on " * 20000,
                 "IMR ISSUES, DECISIONS AND RATIONALES\n" + "x was the original request. " * 5000 + "is: Upheld",
                 "CLINICAL CASE SUMMARY\n" + "1 year old " * 20000, "State(s) of Licensure: " + "Texas " * 30000]:
        _parses_or_refuses(text)
