"""Datasette as users meet it: through its client, and as a real server over HTTP."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from imrdb.ingest import ingest
from imrdb.serve import is_public, make_datasette
from conftest import ROOT, SAMPLES


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("serve") / "imr.db"
    report = ingest([SAMPLES], str(path), workers=1)
    assert report.ingested == 5
    return path


def get_json(datasette, path):
    response = asyncio.run(datasette.client.get(path))
    assert response.status_code == 200, (path, response.text[:500])
    return response.json()


def test_tables_facets_and_search(sample_db):
    datasette = make_datasette(sample_db)
    tables = {t["name"]: t for t in get_json(datasette, "/imr.json")["tables"]}
    for name in ("cases", "disputed_items", "guideline_citations", "reviewers"):
        assert name in tables and not tables[name]["hidden"]
    assert tables["alembic_version"]["hidden"]

    items = get_json(datasette, "/imr/disputed_items.json?_facet=decision&_size=0")
    counts = {row["value"]: row["count"] for row in items["facet_results"]["decision"]["results"]}
    assert counts == {"Upheld": 10, "Overturned": 2}

    found = get_json(datasette, "/imr/disputed_items.json?_search=carisoprodol&_shape=array")
    assert {row["description"] for row in found} >= {"Carisoprodol 350mg TA #120 with 3 refills QTY:480"}
    summaries = get_json(datasette, "/imr/cases.json?_search=laseque&_shape=array")
    assert [row["case_number"] for row in summaries] == ["CM14-0039927"]


def test_uphold_rate_canned_query_matches_brand_names(sample_db):
    datasette = make_datasette(sample_db)
    result = get_json(datasette, "/imr/uphold_rate_by_specialty.json?treatment=soma&_shape=array")
    by_specialty = {row["reviewer_specialty"]: (row["items"], row["upheld"]) for row in result}
    # Soma in 000, 001 and 002, and Carisoprodol (Soma's generic) in 003 and 004 ("Carsoprodol")
    assert sum(items for items, _ in by_specialty.values()) == 5
    assert by_specialty["Anesthesiology"] == (1, 1)


def test_served_read_only_and_time_limited(sample_db):
    datasette = make_datasette(sample_db)
    response = asyncio.run(datasette.client.get("/imr.json?sql=" + urllib.parse.quote("delete from cases")))
    assert response.status_code == 400
    count = get_json(datasette, "/imr.json?_shape=array&sql=" + urllib.parse.quote("select count(*) as n from cases"))
    assert count == [{"n": 5}]
    slow = "with recursive r(i) as (select 1 union all select i + 1 from r) select count(*) from r"
    response = asyncio.run(datasette.client.get("/imr.json?sql=" + urllib.parse.quote(slow)))
    assert response.status_code == 400 and "interrupted" in response.text.lower()


def test_is_public():
    assert not is_public("127.0.0.1") and not is_public("localhost") and not is_public("::1")
    assert is_public("0.0.0.0") and is_public("192.168.1.5")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_imrdb_serve_over_http(sample_db):
    port = _free_port()
    started = time.monotonic()
    server = subprocess.Popen([sys.executable, "-m", "imrdb.cli", "serve", "--db", str(sample_db), "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        body = None
        while time.monotonic() - started < 20:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/imr/cases.json?_shape=array", timeout=2) as response:
                    body = json.load(response)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        startup = time.monotonic() - started
        assert body is not None, server.stderr.read() if server.poll() is not None else "server did not answer"
        assert len(body) == 5
        assert startup < 3, f"took {startup:.1f}s to answer"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=2) as response:
            assert "Disallow: /" in response.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
