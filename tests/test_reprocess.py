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
