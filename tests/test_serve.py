"""Datasette as users meet it: through its client, and as a real server over HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from imrdb.ingest import ingest
from imrdb.serve import is_public, load_metadata, make_datasette
from conftest import ROOT, SAMPLES, sample

# Each canned query with the example its description offers, and a row it must return on the samples.
CANNED_EXAMPLES = {
    "uphold_rate_by_specialty": ({"treatment": "soma"}, {"reviewer_specialty": "Anesthesiology"}),
    "overturn_rate_by_category_by_month": ({"category": "Pharmaceuticals"},
                                           {"decision_month": "2014-07", "treatment_category": "Pharmaceuticals"}),
    "overturn_rate_by_drug_class_by_month": ({"drug_class": "Muscle Relaxant"},
                                             {"decision_month": "2014-07", "drug_class": "Muscle Relaxant"}),
    "most_disputed_treatments": ({"category": "Pharmaceuticals"}, {"drug_name": "carisoprodol", "items": 5}),
    "guidelines_cited_for_treatment": ({"treatment": "soma"}, {"source": "MTUS", "topic": "Carisoprodol (Soma)"}),
    "case_lookup": ({"case_number": "cm14-0039927 "}, {"case_number": "CM14-0039927", "position": 1}),
    # CM14-0039927: received 2014-04-04, assigned 2014-06-27, decided 2014-07-29 (116 and 32 days)
    "decision_timeliness": ({"from_month": "2014-01"}, {"decision_month": "2014-07", "priority": "Standard", "letters": 1,
                                                        "median_days": 116, "within_limit": 0,
                                                        "within_limit_from_assignment": 0}),
    "reviewer_profiles": ({"specialty": "Internal Medicine"}, {"primary_specialty": "Internal Medicine", "letters": 1,
                                                               "items": 1, "small_group": "under 10 items"}),
    "case_sources": ({"case_number": "cm14-0039927"}, {"case_number": "CM14-0039927", "outcome": "ingested",
                                                       "is_stored_version": 1}),
}


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


def query_string(params: dict) -> str:
    return urllib.parse.urlencode(params)


def test_every_table_and_column_people_query_is_described(sample_db):
    metadata = load_metadata(sample_db, "imr")
    database = metadata["databases"]["imr"]
    assert metadata["title"] and metadata["source"] and metadata["license"] and metadata["description_html"]
    with sqlite3.connect(sample_db) as connection:
        for table in ("cases", "disputed_items", "guideline_citations", "reviewers", "items_detail", "drug_names",
                      "ingest_runs", "ingest_errors", "source_files", "case_replacements"):
            config = database["tables"][table]
            assert config.get("description"), table
            columns = [row[1] for row in connection.execute(f"pragma table_info([{table}])")]
            undescribed = [c for c in columns if c != "id" and c not in config.get("columns", {})]
            assert not undescribed, f"{table}: no description for {undescribed}"
    for name, query in database["queries"].items():
        assert query.get("title") and (query.get("description") or query.get("description_html")), name


def test_a_letters_page_lists_its_source_files(tmp_path):
    """The same letter from two files is one case; its page links to both files, and the canned query
    case_sources lists them."""
    folder = tmp_path / "letters"
    folder.mkdir()
    letter = sample("003").read_bytes()
    (folder / "a.txt").write_bytes(letter)
    (folder / "b.txt").write_bytes(letter + b"\n")  # downloaded again: other bytes, the same letter
    db = tmp_path / "imr.db"
    assert ingest([folder], str(db), workers=1).duplicate == 1
    datasette = make_datasette(db)
    page = asyncio.run(datasette.client.get("/imr/cases/1"))
    assert page.status_code == 200
    assert re.search(r'<a href="/imr/source_files\?case_id=1">\s*2 rows</a>\s*from case_id in source_files', page.text), \
        page.text[-3000:]
    files = get_json(datasette, "/imr/source_files.json?case_id=1&_sort=id&_shape=array")
    assert [(Path(row["path"]).name, row["outcome"]) for row in files] == [("a.txt", "ingested"), ("b.txt", "duplicate")]
    listed = get_json(datasette, "/imr/case_sources.json?case_number=CM14-0039927&_shape=array")
    assert [(Path(row["path"]).name, row["is_stored_version"]) for row in listed] == [("a.txt", 1), ("b.txt", 0)]


def test_default_facets_and_labels(sample_db):
    datasette = make_datasette(sample_db)
    cases = get_json(datasette, "/imr/cases.json?_size=0")
    facets = {name: {row["label"]: row["count"] for row in facet["results"]} for name, facet in cases["facet_results"].items()}
    assert facets["outcome"] == {"Upheld": 4, "Partially Overturned": 1}
    assert facets["priority"] == {"Standard": 1}
    assert facets["decision_year"] == {2014: 1}
    assert facets["reviewer_specialty"]["Internal Medicine"] == 1 and sum(facets["reviewer_specialty"].values()) == 5
    assert facets["date_of_injury"]["2004"] == 1
    assert facets["source_format"] == {"text": 5} and facets["ocr_engine"] == {}  # how each letter was read
    items = get_json(datasette, "/imr/disputed_items.json?_size=0")
    assert {"decision", "treatment_category", "treatment_subcategory", "drug_class", "reviewer_specialty"} <= set(
        items["facet_results"])
    drug_classes = {row["value"]: row["count"] for row in items["facet_results"]["drug_class"]["results"]}
    assert drug_classes["Muscle Relaxant"] == 5
    by_specialty = {row["value"]: row["count"] for row in items["facet_results"]["reviewer_specialty"]["results"]}
    assert sum(by_specialty.values()) == 12 and by_specialty["Anesthesiology"] == 4
    detail = get_json(datasette, "/imr/items_detail.json?_shape=array&_size=20&reviewer_specialty=Anesthesiology")
    assert len(detail) == 4 and {row["case_outcome"] for row in detail} == {"Partially Overturned"}
    # foreign keys show labels: a case's reviewer by specialty, a citation's letter by case number
    row = get_json(datasette, "/imr/cases.json?_shape=array&_labels=on&case_number=CM14-0039927")[0]
    assert row["reviewer_id"]["label"] == "Internal Medicine"
    citation = get_json(datasette, "/imr/guideline_citations.json?_shape=array&_labels=on&_size=50")
    assert "CM14-0039927" in {c["case_id"]["label"] for c in citation}


def test_citations_facet_by_source_and_canonical_guideline(sample_db):
    datasette = make_datasette(sample_db)
    citations = get_json(datasette, "/imr/guideline_citations.json?_size=0")
    facets = {name: {row["value"]: row["count"] for row in facet["results"]}
              for name, facet in citations["facet_results"].items()}
    assert facets["source"] == {"MTUS": 22, "ODG": 6, "CCR": 3, "ACOEM": 1}
    assert facets["guideline"] == {"Chronic Pain Medical Treatment Guidelines": 22, "Pain": 5,
                                   "Title 8, California Code of Regulations": 3, "Low Back": 1, "Low Back Complaints": 1}
    odg = get_json(datasette, "/imr/guideline_citations.json?_size=0&source=ODG")
    assert {row["value"]: row["count"] for row in odg["facet_results"]["guideline"]["results"]} == {"Pain": 5, "Low Back": 1}


def test_reviewer_specialty_and_year_facets_filter(sample_db):
    datasette = make_datasette(sample_db)
    cases = get_json(datasette, "/imr/cases.json?_size=0")
    internal = next(r for r in cases["facet_results"]["reviewer_specialty"]["results"] if r["value"] == "Internal Medicine")
    toggle = urllib.parse.urlsplit(internal["toggle_url"])
    chosen = get_json(datasette, f"{toggle.path}?{toggle.query.replace('_size=0', '_size=10')}&_shape=objects")
    assert [row["case_number"] for row in chosen["rows"]] == ["CM14-0039927"]
    selected = next(r for r in chosen["facet_results"]["reviewer_specialty"]["results"] if r["value"] == "Internal Medicine")
    assert selected["selected"]
    year = next(r for r in cases["facet_results"]["date_of_injury"]["results"] if r["value"] == "2004")
    query = urllib.parse.urlsplit(year["toggle_url"]).query.replace("_size=0", "_size=10")
    assert "date_of_injury__gte=2004-01-01" in query and "date_of_injury__lt=2005-01-01" in query
    injured = get_json(datasette, f"/imr/cases.json?{query}&_shape=array")
    assert [row["date_of_injury"][:4] for row in injured] == ["2004"]


def test_technical_columns_hidden_from_default_views(sample_db):
    datasette = make_datasette(sample_db)
    response = asyncio.run(datasette.client.get("/imr/cases"))
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith("/imr/cases?") and "_nocol=letter_text" in location and "_nocol=source_sha256" in location
    page = asyncio.run(datasette.client.get(location))
    assert page.status_code == 200
    assert 'data-column="letter_text"' not in page.text and 'data-column="case_summary"' in page.text
    assert "_allcols=1" in page.text  # the table menu offers every column
    everything = asyncio.run(datasette.client.get("/imr/cases?_allcols=1"))
    assert everything.status_code == 200 and 'data-column="letter_text"' in everything.text
    chosen = asyncio.run(datasette.client.get("/imr/cases?_col=case_number"))
    assert chosen.status_code == 200  # the user's own column choice is kept
    facet_link = asyncio.run(datasette.client.get("/imr/cases?outcome=Upheld"))
    assert facet_link.status_code == 302 and "outcome=Upheld" in facet_link.headers["location"]
    # the JSON API and row pages keep every column
    assert "letter_text" in get_json(datasette, "/imr/cases.json?_shape=array&_size=1")[0]
    assert asyncio.run(datasette.client.get("/imr/cases/1")).status_code == 200
    assert asyncio.run(datasette.client.get("/-/imrdb.css")).status_code == 200


def test_search_on_both_tables_through_the_html_page(sample_db):
    datasette = make_datasette(sample_db)
    page = asyncio.run(datasette.client.get("/imr/disputed_items?_nocol=lexicon_version&_search=soma"))
    assert page.status_code == 200 and 'id="_search"' in page.text and "Retro Soma 350mg #90" in page.text
    stemmed = get_json(datasette, "/imr/disputed_items.json?_search=relaxants&_shape=array")
    assert stemmed, "porter stemming: relaxants finds relaxant"
    odd = asyncio.run(datasette.client.get('/imr/cases.json?_search=' + urllib.parse.quote('"laseque AND (')))
    assert odd.status_code == 200  # escaped search mode: no FTS syntax errors from user input


@pytest.mark.parametrize("name", sorted(CANNED_EXAMPLES))
def test_canned_query_with_its_example(sample_db, name):
    params, expected = CANNED_EXAMPLES[name]
    datasette = make_datasette(sample_db)
    rows = get_json(datasette, f"/imr/{name}.json?_shape=array&{query_string(params)}")
    assert rows, f"{name} returned no rows"
    assert any(all(row.get(key) == value for key, value in expected.items()) for row in rows), rows
    page = asyncio.run(datasette.client.get(f"/imr/{name}?{query_string(params)}"))
    assert page.status_code == 200


def test_canned_queries_tolerate_empty_and_odd_parameters(sample_db):
    datasette = make_datasette(sample_db)
    queries = load_metadata(sample_db, "imr")["databases"]["imr"]["queries"]
    for name, query in queries.items():
        assert get_json(datasette, f"/imr/{name}.json?_shape=array") is not None
        for odd in ('"', "o'brien", "10/325 mg #60", "(", "*", "-"):
            params = {param: odd for param in query.get("params", [])}
            response = asyncio.run(datasette.client.get(f"/imr/{name}.json?_shape=array&{query_string(params)}"))
            assert response.status_code == 200, (name, odd, response.text[:300])


def test_decision_rationale_disagreements(sample_db, tmp_path):
    datasette = make_datasette(sample_db)
    assert get_json(datasette, "/imr/decision_rationale_disagreements.json?_shape=array") == []
    copy = tmp_path / "imr.db"
    shutil.copy(sample_db, copy)
    with sqlite3.connect(copy) as connection:
        connection.execute("update disputed_items set medically_necessary = 1 "
                           "where description = 'Carisoprodol 350mg TA #120 with 3 refills QTY:480'")
    rows = get_json(make_datasette(copy), "/imr/decision_rationale_disagreements.json?_shape=array")
    assert [(row["case_number"], row["decision"], row["medically_necessary"]) for row in rows] == [("CM14-0039927", "Upheld", 1)]


def _chart_sql(query: str, filters: dict) -> str:
    from datasette_dashboards import replace_opts_in_query

    return replace_opts_in_query(query, filters)


@pytest.mark.parametrize("filters", [{}, {"date_start": "2014-01-01", "date_end": "2014-12-31"},
                                     {"category": "Pharmaceuticals", "specialty": "Internal Medicine"}])
def test_dashboard_pages_and_every_chart_query(sample_db, filters):
    datasette = make_datasette(sample_db)
    listing = asyncio.run(datasette.client.get("/-/dashboards"))
    assert listing.status_code == 200 and "imr-overview" in listing.text
    page = asyncio.run(datasette.client.get(f"/-/dashboards/imr-overview?{query_string(filters)}"))
    assert page.status_code == 200 and "vega-lite" in page.text
    assert "Internal Medicine" in page.text and "Pharmaceuticals" in page.text  # the select filters' options
    dashboard = load_metadata(sample_db, "imr")["plugins"]["datasette-dashboards"]["imr-overview"]
    assert {"date_start", "date_end", "category"} <= set(dashboard["filters"])
    charts = {slug: chart for slug, chart in dashboard["charts"].items() if chart.get("query")}
    assert {"decisions-over-time", "uphold-by-specialty", "top-drug-classes", "top-categories", "timeliness-days",
            "timeliness-share"} <= set(charts)
    for slug, chart in charts.items():
        assert chart["db"] == "imr"
        # as dashboards.js asks for a chart's data: the SQL with its [[ ]] options filled, the filters as parameters
        sql = _chart_sql(chart["query"], filters)
        data = get_json(datasette, f"/imr.json?_shape=objects&{query_string({'sql': sql, **filters})}")
        assert data["rows"], f"{slug} returned no rows for {filters}"
        chart_page = asyncio.run(datasette.client.get(f"/-/dashboards/imr-overview/{slug}"))
        assert chart_page.status_code == 200
    unfiltered = get_json(datasette, "/imr.json?_shape=objects&" + query_string(
        {"sql": _chart_sql(charts["decisions-over-time"]["query"], {})}))
    # the one dated letter, CM14-0039927 (one item, upheld), between two empty months
    assert sorted((row["month"], row["decision"], row["items"]) for row in unfiltered["rows"]) == [
        ("2014-06-01", "Overturned", 0), ("2014-06-01", "Upheld", 0), ("2014-07-01", "Overturned", 0),
        ("2014-07-01", "Upheld", 1), ("2014-08-01", "Overturned", 0), ("2014-08-01", "Upheld", 0)]


def test_metadata_follows_the_database_name(sample_db, tmp_path):
    other = tmp_path / "claims-2017.db"
    shutil.copy(sample_db, other)
    datasette = make_datasette(other)
    metadata = load_metadata(other, other.stem)
    assert "imr" not in metadata["databases"]
    charts = metadata["plugins"]["datasette-dashboards"]["imr-overview"]["charts"]
    assert {chart["db"] for chart in charts.values() if "db" in chart} == {"claims-2017"}
    assert 'href="/claims-2017/disputed_items"' in metadata["description_html"]
    assert get_json(datasette, "/claims-2017/uphold_rate_by_specialty.json?treatment=soma&_shape=array")
    page = asyncio.run(datasette.client.get("/-/dashboards/imr-overview"))
    assert page.status_code == 200 and '"db": "claims-2017"' in page.text


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
        # a client's mistakes get their error status, and the console stays quiet
        for path, status in CLIENT_ERRORS:
            with pytest.raises(urllib.error.HTTPError) as error:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
            assert error.value.code == status, path
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)
    assert "Traceback" not in stderr and "Error" not in stderr, stderr[:2000]


CLIENT_ERRORS = [
    ("/nosuch", 404),
    ("/imr/nosuchtable", 404),
    ("/imr/cases/999999", 404),
    ("/imr.json?sql=" + urllib.parse.quote("select * from nosuchtable"), 400),
    ("/imr.json?sql=" + urllib.parse.quote("delete from cases"), 400),
    ("/imr.json?sql=" + urllib.parse.quote(
        "with recursive r(i) as (select 1 union all select i + 1 from r) select count(*) from r"), 400),
]


# Where `imrdb serve` cannot listen, and the one line that says so (nothing printed as "Serving").
def _port_in_use(stack) -> tuple[str, int]:
    holder = stack.enter_context(socket.socket())
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return "127.0.0.1", holder.getsockname()[1]


CANNOT_LISTEN = [
    ("port in use", _port_in_use, "error: cannot serve on 127.0.0.1:{port}: the port is in use (another server?): "
                                  "choose another with --port"),
    ("not this machine's address", lambda stack: ("192.0.2.1", 8001),  # TEST-NET-1: never a local address
     "error: cannot serve on 192.0.2.1:8001: not an address of this machine: use one of its own, or 127.0.0.1"),
    ("a host that does not resolve", lambda stack: ("no-such-host.invalid", 8001),
     "error: --host no-such-host.invalid: cannot resolve it: "),
]


@pytest.mark.parametrize("label, where, expected", CANNOT_LISTEN, ids=[case[0] for case in CANNOT_LISTEN])
def test_imrdb_serve_where_it_cannot_listen_is_one_line(sample_db, label, where, expected):
    import contextlib

    with contextlib.ExitStack() as stack:
        host, port = where(stack)
        result = subprocess.run([sys.executable, "-m", "imrdb.cli", "serve", "--db", str(sample_db), "--host", host,
                                 "--port", str(port)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Serving" not in result.stdout and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("warning: serving on")]
    assert len(lines) == 1 and lines[0].startswith(expected.format(port=port)), result.stderr


# Every rate a canned query gives, with the columns that must stand beside it (issue 16): its count, and its
# 95% Wilson interval in the rate's unit (percent), as ci_low and ci_high.
RATE_COLUMNS = {
    "uphold_rate_by_specialty": ("uphold_rate_percent", "items", "upheld", "ci_low", "ci_high"),
    "overturn_rate_by_category_by_month": ("overturn_rate_percent", "items", "overturned", "ci_low", "ci_high"),
    "overturn_rate_by_drug_class_by_month": ("overturn_rate_percent", "items", "overturned", "ci_low", "ci_high"),
    "most_disputed_treatments": ("uphold_rate_percent", "items", "upheld", "ci_low", "ci_high"),
    "decision_timeliness": ("within_limit_percent", "letters", "within_limit", "ci_low", "ci_high"),
    "reviewer_profiles": ("uphold_rate_percent", "items", "upheld", "ci_low", "ci_high"),
}


@pytest.mark.parametrize("name", sorted(RATE_COLUMNS))
def test_every_rate_has_its_count_and_95_percent_interval(sample_db, name):
    from imrdb.rates import wilson_interval

    rate, count, successes, low, high = RATE_COLUMNS[name]
    params = CANNED_EXAMPLES.get(name, ({}, {}))[0]
    rows = get_json(make_datasette(sample_db), f"/imr/{name}.json?_shape=array&{query_string(params)}")
    assert rows, name
    for row in rows:
        expected = wilson_interval(row[successes], row[count])
        assert (row[low], row[high]) == (round(100 * expected[0], 1), round(100 * expected[1], 1)), row
        assert row[low] <= row[rate] <= row[high]
        assert row["small_group"] == (("under 10 letters" if count == "letters" else "under 10 items")
                                      if row[count] < 10 else None)
    # every rate in the queries' SQL is one of these
    queries = load_metadata(sample_db, "imr")["databases"]["imr"]["queries"]
    with_rates = {query for query, config in queries.items() if "_percent" in config["sql"]}
    assert with_rates == set(RATE_COLUMNS)


def test_the_samples_rates_and_intervals(sample_db):
    datasette = make_datasette(sample_db)
    # Soma and carisoprodol by specialty: one upheld item each; 1 of 1 is 20.7% to 100%
    soma = get_json(datasette, "/imr/uphold_rate_by_specialty.json?treatment=soma&_shape=array")
    anesthesiology = next(row for row in soma if row["reviewer_specialty"] == "Anesthesiology")
    assert (anesthesiology["uphold_rate_percent"], anesthesiology["ci_low"], anesthesiology["ci_high"]) == (100.0, 20.7, 100.0)
    # over all 12 sample items, 10 upheld: 83.3%, 55.2% to 95.3%, and the KPI says so
    dashboard = load_metadata(sample_db, "imr")["plugins"]["datasette-dashboards"]["imr-overview"]
    kpi = get_json(datasette, "/imr.json?_shape=array&" + query_string(
        {"sql": _chart_sql(dashboard["charts"]["kpi-uphold-rate"]["query"], {})}))
    assert kpi[0]["rate"].startswith("83.3%<br>") and "55.2–95.3%, 12 items" in kpi[0]["rate"]
    specialties = get_json(datasette, "/imr.json?_shape=array&" + query_string(
        {"sql": _chart_sql(dashboard["charts"]["uphold-by-specialty"]["query"], {})}))
    pain = next(row for row in specialties if row["specialty"] == "Pain Medicine")
    assert (pain["items"], pain["upheld"], pain["ci_low"], pain["ci_high"], pain["group_size"]) == (
        4, 4, 51.0, 100.0, "under 10 items")


def test_reviewer_profiles_mark_a_profile_whose_interval_excludes_the_overall_rate(sample_db, tmp_path):
    copy = tmp_path / "imr.db"
    shutil.copy(sample_db, copy)
    with sqlite3.connect(copy) as connection:  # 30 more overturned items for the Internal Medicine profile
        case_id, = connection.execute("select id from cases where case_number = 'CM14-0039927'").fetchone()
        connection.executemany(
            "insert into disputed_items (case_id, position, description, decision) values (?, ?, 'Added item', 'Overturned')",
            [(case_id, position) for position in range(100, 130)])
    rows = get_json(make_datasette(copy), "/imr/reviewer_profiles.json?_shape=array&specialty=")
    marked = {row["primary_specialty"]: row["compared_with_all"] for row in rows}
    internal = next(row for row in rows if row["primary_specialty"] == "Internal Medicine")
    # 1 of 31 upheld (0.6% to 16.2%) against 10 of 42 over every profile (23.8%)
    assert (internal["items"], internal["upheld"], internal["ci_low"], internal["ci_high"],
            internal["all_reviewers_percent"]) == (31, 1, 0.6, 16.2, 23.8)
    assert marked["Internal Medicine"] == "below all reviewers" and internal["small_group"] is None
    # and, with the overall rate pulled down to 23.8%, the profiles with all items upheld: Pain Medicine 4 of 4
    # (51.0% to 100%) and Physical Medicine & Rehabilitation 2 of 2 (34.2% to 100%); not Occupational Medicine's
    # 1 of 1 (20.7% to 100%) nor Anesthesiology's 2 of 4 (15.0% to 85.0%)
    assert {key: value for key, value in marked.items() if value} == {
        "Internal Medicine": "below all reviewers", "Pain Medicine": "above all reviewers",
        "Physical Medicine & Rehabilitation": "above all reviewers"}


def test_serving_a_database_behind_the_schema_warns(sample_db, tmp_path):
    """`imrdb serve` never migrates (it opens the file read-only): on an older schema it says what to run."""
    import contextlib

    from imrdb.db.engine import downgrade, make_engine

    old = tmp_path / "old.db"
    shutil.copy(sample_db, old)
    engine = make_engine(f"sqlite:///{old}")
    downgrade(engine, "0007")
    engine.dispose()
    with contextlib.ExitStack() as stack:
        host, port = _port_in_use(stack)  # so that the command ends after its checks
        result = subprocess.run([sys.executable, "-m", "imrdb.cli", "serve", "--db", str(old), "--port", str(port)],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
    lines = result.stderr.splitlines()
    assert lines[0] == (f"warning: {old} has an older schema, without table case_replacements, table source_files, "
                        f"ingest_runs.duplicate, cases.days_to_decision, "
                        f"cases.days_assigned_to_decision, cases.ocr_engine, cases.ocr_confidence, cases.ocr_pages: the queries and charts that use them will fail; "
                        f"run `imrdb migrate --db {old}` first"), result.stderr
    assert lines[1].startswith("error: cannot serve on 127.0.0.1:") and len(lines) == 2


def test_decision_timeliness_percentiles_and_limits(sample_db, tmp_path):
    """Nearest-rank median and 90th percentile, the limit by priority, and what is left out, on letters
    added with known days (plus the sample letter decided 2014-07-29, 116 days after its application)."""
    copy = tmp_path / "imr.db"
    shutil.copy(sample_db, copy)
    letters = [("Standard", days) for days in (40, 10, 31, 20, 30)] + [("Expedited", days) for days in (4, 2, 3)]
    letters += [("Standard", -5)]  # decided "before" its application: a date error, left out
    with sqlite3.connect(copy) as connection:
        connection.executemany(
            "insert into cases (decision_date, decision_month, priority, days_to_decision, days_assigned_to_decision,"
            " item_count, warning_count, source_path, source_sha256, source_format, ingested_at)"
            " values ('2015-01-31', '2015-01', ?, ?, ?, 0, 0, 'added', ?, 'text', '2026-12-03')",
            [(priority, days, days - 4, f"sha{index}") for index, (priority, days) in enumerate(letters)])
    rows = get_json(make_datasette(copy), "/imr/decision_timeliness.json?_shape=array&from_month=2015-01&to_month=2015-01")
    by_priority = {row["priority"]: row for row in rows}
    columns = ("letters", "limit_days", "min_days", "median_days", "p90_days", "max_days", "within_limit",
               "within_limit_percent", "ci_low", "ci_high", "within_limit_from_assignment", "small_group")
    # 10, 20, 30, 31, 40: the median is the 3rd (30), the 90th percentile the 5th (40); 3 of 5 within
    # 30 days (23.1% to 88.2%); from assignment (4 days fewer) 6, 16, 26, 27, 36: 4 of 5
    assert [by_priority["Standard"][column] for column in columns] == [
        5, 30, 10, 30, 40, 40, 3, 60.0, 23.1, 88.2, 4, "under 10 letters"]
    # 2, 3, 4 against 3 days: 2 of 3; from assignment -2, -1, 0, of which the negative (a date error) do not count
    assert [by_priority["Expedited"][column] for column in columns] == [
        3, 3, 2, 3, 4, 4, 2, 66.7, 20.8, 93.9, 1, "under 10 letters"]
    assert by_priority["Expedited"]["letters_with_assignment_date"] == 1
    assert set(by_priority) == {"Standard", "Expedited"}
