"""Re-deriving stored items after the lexicon changes; the curator's unmapped list and coverage."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

import pytest

from imrdb.enrich import reload_lexicon
from imrdb.ingest import ingest
from imrdb.reprocess import reprocess, stored_coverage, unmapped
from conftest import ROOT, SAMPLES


@pytest.fixture
def lexicon_copy(tmp_path, monkeypatch):
    folder = tmp_path / "lexicon"
    shutil.copytree(ROOT / "data" / "lexicon", folder)
    monkeypatch.setenv("IMRDB_LEXICON_DIR", str(folder))
    reload_lexicon()
    yield folder
    monkeypatch.delenv("IMRDB_LEXICON_DIR")
    reload_lexicon()


def soma_items(db):
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "select description, drug_name, drug_class from disputed_items where description like '%soma%' order by id"
        ).fetchall()


def test_lexicon_change_reaches_stored_rows_without_rereading_files(tmp_path, lexicon_copy):
    db = tmp_path / "imr.db"
    letters = shutil.copytree(SAMPLES, tmp_path / "letters")
    ingest([letters], str(db), workers=1)
    shutil.rmtree(letters)  # reprocess reads only the database
    assert soma_items(db) == [("SOMA 350MG #60", "carisoprodol", "Muscle Relaxant"),
                              ("Soma 350 mg #60", "carisoprodol", "Muscle Relaxant"),
                              ("Retro Soma 350mg #90", "carisoprodol", "Muscle Relaxant")]
    assert unmapped(str(db)) == []

    # a curator deletes the brand name "Soma"
    drugs = lexicon_copy / "drugs.csv"
    drugs.write_text("\n".join(line for line in drugs.read_text().splitlines() if not line.startswith("Soma,")) + "\n")
    report = reprocess(str(db))
    assert report.items == 12 and report.updated >= 3
    assert [row[1] for row in soma_items(db)] != ["carisoprodol"] * 3
    listed = {description for description, _, _ in unmapped(str(db))}
    assert {"SOMA 350MG #60", "Soma 350 mg #60", "Retro Soma 350mg #90"} <= listed
    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from drug_names where name = 'soma'").fetchone() == (0,)

    # and puts it back
    shutil.copy(ROOT / "data" / "lexicon" / "drugs.csv", drugs)
    again = reprocess(str(db))
    assert again.updated >= 3 and [row[1] for row in soma_items(db)] == ["carisoprodol"] * 3
    assert reprocess(str(db)).updated == 0


def test_coverage_and_unmapped_commands(tmp_path):
    db = tmp_path / "imr.db"
    ingest([SAMPLES], str(db), workers=1)
    report = stored_coverage(str(db))
    assert (report.total, report.categorized, report.pharmaceutical, report.pharmaceutical_with_drug) == (12, 12, 12, 12)
    result = subprocess.run([sys.executable, "-m", "imrdb.cli", "coverage", "--db", str(db)], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0 and "with a drug name:           12 (100.0%)" in result.stdout
    with sqlite3.connect(db) as connection:
        connection.execute("update disputed_items set treatment_category = null where description like 'Valium%'")
    result = subprocess.run([sys.executable, "-m", "imrdb.cli", "unmapped", "--db", str(db)], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert "1  no category   Valium 10 mg #30" in result.stdout


def test_reprocess_rederives_stored_citations_on_both_backends(db_url):
    """A database written by the citation reader of before (two guidelines in one row, ODG chapters as
    written) is fixed from its stored texts alone, and a second run changes nothing."""
    from sqlalchemy import create_engine, delete, insert, select, update

    from imrdb.db.models import guideline_citations as g
    from imrdb.db.models import source_files as f
    from imrdb.db.store import _stored_facts
    from imrdb.rows import letter_hash

    ingest([SAMPLES], db_url, workers=1)
    engine = create_engine(db_url)
    with engine.begin() as connection:
        item_id, case_id = connection.execute(select(g.c.disputed_item_id, g.c.case_id).order_by(g.c.id).limit(1)).one()
        connection.execute(delete(g).where(g.c.disputed_item_id == item_id))
        old_rows = [
            ("MTUS", "MTUS Low Back Complaints 2004, Section(s): Physical Methods, and Chronic Pain Medical Treatment "
                     "2009, Section(s): Epidural steroid injections (ESIs)",
             "Low Back Complaints", "Physical Methods, and Chronic Pain Medical Treatment 2009, Section(s): Epidural "
                                    "steroid injections (ESIs)"),
            ("ODG", "Non-MTUS Citation Official Disability Guidelines (ODG), Low Back & Thoracic chapter (Acute & "
                    "Chronic), Preoperative testing, general",
             "Low Back & Thoracic chapter (Acute & Chronic)", "Preoperative testing, general"),
        ]
        connection.execute(insert(g), [
            {"disputed_item_id": item_id, "case_id": case_id, "position": position, "role": "imr_reviewer",
             "source": source, "text": text, "guideline": guideline, "year": 2004, "topic": topic}
            for position, (source, text, guideline, topic) in enumerate(old_rows, start=1)])
        # an older imrdb hashed the letter's facts with the citation texts it had split
        old_hash = letter_hash(_stored_facts(connection, [case_id])[case_id])
        connection.execute(update(f).where(f.c.case_id == case_id).values(letter_sha256=old_hash))
        others = connection.execute(select(f.c.path, f.c.letter_sha256).where(f.c.case_id != case_id)).all()
    report = reprocess(db_url)
    assert report.items_recited == 1 and report.citations_after == report.citations_before + 1
    with engine.connect() as connection:
        rows = connection.execute(
            select(g.c.position, g.c.source, g.c.guideline, g.c.year, g.c.topic, g.c.text, g.c.case_id)
            .where(g.c.disputed_item_id == item_id).order_by(g.c.position)).all()
    assert [tuple(row[:5]) for row in rows] == [
        (1, "MTUS", "Low Back Complaints", 2004, "Physical Methods"),
        (2, "MTUS", "Chronic Pain Medical Treatment Guidelines", 2009, "Epidural steroid injections (ESIs)"),
        (3, "ODG", "Low Back", None, "Preoperative testing, general")]
    assert rows[1].text == "Chronic Pain Medical Treatment 2009, Section(s): Epidural steroid injections (ESIs)"
    assert {row.case_id for row in rows} == {case_id}
    with engine.connect() as connection:  # the letter's file takes the hash of the facts as stored now
        now_hash = letter_hash(_stored_facts(connection, [case_id])[case_id])
        assert connection.execute(select(f.c.letter_sha256).where(f.c.case_id == case_id)).scalars().all() == [now_hash]
        assert connection.execute(select(f.c.path, f.c.letter_sha256).where(f.c.case_id != case_id)).all() == others
    assert now_hash != old_hash
    engine.dispose()
    assert reprocess(db_url).items_recited == 0


def test_unmapped_lists_citations_without_a_chapter(tmp_path):
    db = tmp_path / "imr.db"
    ingest([SAMPLES], str(db), workers=1)
    with sqlite3.connect(db) as connection:
        connection.execute("update guideline_citations set guideline = null, text = 'Official Disability Guidelines' "
                           "where source = 'ODG'")
        odg = connection.execute("select count(*) from guideline_citations where source = 'ODG'").fetchone()[0]
    from imrdb.reprocess import citation_figures, unmapped_citations

    assert unmapped_citations(str(db)) == [("Official Disability Guidelines", "ODG", odg)]
    figures = citation_figures(str(db))
    assert (figures.odg.rows, figures.odg.null, figures.odg.in_list, figures.two_guidelines) == (odg, odg, 0, [])
    result = subprocess.run([sys.executable, "-m", "imrdb.cli", "unmapped", "--db", str(db)], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert f"{odg:6d}  ODG no chapter  Official Disability Guidelines" in result.stdout


def _timeliness(db_url):
    from sqlalchemy import text

    from imrdb.db.engine import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(
                "select case_number, days_to_decision, days_assigned_to_decision from cases "
                "where case_number is not null order by case_number")).all()
    finally:
        engine.dispose()


def test_timeliness_set_at_ingest_by_reprocess_and_by_the_migration(db_url):
    from sqlalchemy import text

    from imrdb.db.engine import downgrade, make_engine, migrate

    ingest([SAMPLES], db_url, workers=1)
    # CM14-0039927: Application Received 04/04/2014, Date Assigned 06/27/2014, Decision Date 07/29/2014
    expected = [("CM14-0039927", 116, 32)]
    assert _timeliness(db_url) == expected
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:  # stored before imrdb computed them, or computed wrongly
            connection.execute(text("update cases set days_to_decision = null, days_assigned_to_decision = 7"))
        report = reprocess(db_url)
        assert (report.letters, report.letters_updated) == (5, 5)  # the four undated letters had a 7 too
        assert _timeliness(db_url) == expected and reprocess(db_url).letters_updated == 0
        downgrade(engine, "0007")  # the columns go, and migration 0008 fills them again from the dates
        migrate(engine)
    finally:
        engine.dispose()
    assert _timeliness(db_url) == expected


@pytest.mark.parametrize("decision, received, assigned, expected", [
    ("2014-07-29", "2014-04-04", "2014-06-27", {"days_to_decision": 116, "days_assigned_to_decision": 32}),
    ("2016-03-01", "2016-02-01", "2016-02-29", {"days_to_decision": 29, "days_assigned_to_decision": 1}),  # leap day
    ("2017-01-02", "2016-12-31", None, {"days_to_decision": 2, "days_assigned_to_decision": None}),
    ("2015-05-01", "2015-05-03", "2015-05-01", {"days_to_decision": -2, "days_assigned_to_decision": 0}),  # a date error: kept
    (None, "2015-05-03", "2015-05-01", {"days_to_decision": None, "days_assigned_to_decision": None}),
])
def test_timeliness_from_a_letters_dates(decision, received, assigned, expected):
    from imrdb.rows import timeliness

    assert timeliness(decision, received, assigned) == expected
