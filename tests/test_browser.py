"""End to end in a real browser: `imrdb serve` on a loopback port, driven by Debian's headless Chromium.

Needs /usr/bin/chromium (apt-get install chromium chromium-driver) and Playwright for Python
(`pip install playwright`, in the test extra). Playwright's own browser download is never used:
the test launches the system Chromium, so `playwright install` is not needed.
The dashboard's screenshots are saved to tests/artifacts/dashboard.png (the sample letters) and
tests/artifacts/dashboard-intervals.png (300 synthetic letters, the 95% intervals and small groups).
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)", allow_module_level=True)
try:
    from playwright.sync_api import expect, sync_playwright
except ImportError as error:  # pragma: no cover - depends on the environment
    pytest.skip(f"playwright does not import ({error}); pip install playwright", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`imrdb serve` on the sample letters, on a free loopback port: its base URL."""
    from imrdb.ingest import ingest

    db = tmp_path_factory.mktemp("browser") / "imr.db"
    assert ingest([SAMPLES], str(db), workers=1).ingested == 5
    yield from _serve(db)


SYNTHETIC_LETTERS = 300


@pytest.fixture(scope="module")
def synthetic_server(tmp_path_factory):
    """`imrdb serve` on 300 synthetic letters (benchmarks/corpus.py): specialties with many items and with few."""
    from imrdb.ingest import ingest

    folder = tmp_path_factory.mktemp("synthetic")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "corpus.py"), str(folder / "letters"), "--count",
                    str(SYNTHETIC_LETTERS)], check=True, capture_output=True, timeout=120)
    assert ingest([folder / "letters"], str(folder / "imr.db"), workers=1).ingested == SYNTHETIC_LETTERS
    yield from _serve(folder / "imr.db")


def _serve(db: Path):
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "imrdb.cli", "serve", "--db", str(db), "--port", str(port)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"imrdb serve did not start: {process.communicate()[1][-2000:]}")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def page(tmp_path):
    """A page in a fresh headless Chromium profile; fails the test on any uncaught script error."""
    errors: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.on("pageerror", lambda error: errors.append(str(error)))
            yield page
        finally:
            context.close()
    assert not errors, f"script errors in the page: {errors}"


def test_facet_search_and_dashboard(server, page):
    # the home page: title, description, the way to the dashboard
    page.goto(server + "/")
    expect(page.locator("h1")).to_have_text("California IMR decisions")
    expect(page.get_by_role("link", name="IMR overview dashboard")).to_be_visible()

    # disputed items: the letter's technical columns are out of the default view; apply a facet
    page.goto(server + "/imr/disputed_items")
    assert "_nocol=lexicon_version" in page.url
    decision_facet = page.locator('.facet-info[data-column="decision"]')
    expect(decision_facet).to_contain_text("Upheld")
    decision_facet.get_by_role("link", name="Overturned", exact=True).click()
    page.wait_for_url("**decision=Overturned**")
    expect(page.locator("h3").first).to_have_text(re.compile(r'2 rows\s+where decision = "Overturned"'))
    rows = page.locator("table.rows-and-columns tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table.rows-and-columns")).to_contain_text("Retro Norco 10/325mg #90")

    # full-text search of rationales (and descriptions): a generic name finds the item
    page.goto(server + "/imr/disputed_items")
    page.fill("#_search", "carisoprodol")
    page.locator("#_search").press("Enter")
    page.wait_for_url("**_search=carisoprodol**")
    expect(page.locator("table.rows-and-columns")).to_contain_text("Carisoprodol 350mg TA #120 with 3 refills QTY:480")

    # and of case summaries
    page.goto(server + "/imr/cases")
    page.fill("#_search", "laseque")
    page.locator("#_search").press("Enter")
    page.wait_for_url("**_search=laseque**")
    expect(page.locator("table.rows-and-columns")).to_contain_text("CM14-0039927")

    # a letter facet by reviewer specialty (a related facet through reviewers)
    page.goto(server + "/imr/cases")
    page.locator('.facet-info[data-column="reviewer_specialty"]').get_by_role("link", name="Internal Medicine").click()
    page.wait_for_url("**_where=**")
    expect(page.locator("table.rows-and-columns tbody tr")).to_have_count(1)

    # a canned query with its example
    page.goto(server + "/imr/uphold_rate_by_specialty?treatment=soma")
    expect(page.locator("table.rows-and-columns")).to_contain_text("Anesthesiology")

    # the dashboard, reached from the dashboards list: charts render and the filters apply
    page.goto(server + "/-/dashboards")
    page.get_by_role("link", name="IMR decisions overview").click()
    page.wait_for_url("**/-/dashboards/imr-overview**")
    for chart in ("decisions-over-time", "uphold-by-specialty", "top-drug-classes", "top-categories"):
        page.locator(f"#chart-{chart}").locator("svg, canvas").first.wait_for(state="visible")
    expect(page.locator("#chart-kpi-letters")).to_contain_text("5")
    expect(page.locator("#chart-top-guidelines table")).to_contain_text("MTUS")
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.select_option("#category", "Pharmaceuticals")
    page.fill("#date_start", "2014-01-01")
    page.get_by_role("button", name="Apply").or_(page.locator('input[type="submit"][value="Apply"]')).first.click()
    page.wait_for_url("**category=Pharmaceuticals**")
    page.locator("#chart-decisions-over-time").locator("svg, canvas").first.wait_for(state="visible")
    expect(page.locator("#chart-kpi-letters")).to_contain_text("1")  # CM14-0039927, the one dated letter


def _chart_rows(base: str, chart: str) -> list[dict]:
    """A dashboard chart's rows, asked for as dashboards.js asks (no filters)."""
    import json
    import urllib.parse

    import yaml
    from datasette_dashboards import replace_opts_in_query

    query = yaml.safe_load((ROOT / "datasette-metadata.yml").read_text())["plugins"]["datasette-dashboards"][
        "imr-overview"]["charts"][chart]["query"]
    url = f"{base}/imr.json?" + urllib.parse.urlencode({"sql": replace_opts_in_query(query, {}), "_shape": "array"})
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def _vega_number(value: float) -> str:
    return f"{value:g}"  # as Vega writes a number in a mark's description: 74 for 74.0, 59.7


def test_dashboard_draws_95_percent_intervals_and_sets_small_groups_apart(synthetic_server, page):
    page.goto(synthetic_server + "/-/dashboards/imr-overview")
    chart = page.locator("#chart-uphold-by-specialty")
    chart.locator("svg").first.wait_for(state="visible")
    expect(page.locator("#chart-uphold-by-specialty").locator("xpath=..")).to_contain_text(
        "groups under 10 items in grey")
    legend = chart.locator("g.role-legend")
    expect(legend).to_contain_text("10 items or more")
    expect(legend).to_contain_text("under 10 items")

    rows = _chart_rows(synthetic_server, "uphold-by-specialty")
    assert len(rows) == 15 and {row["group_size"] for row in rows} == {"10 items or more", "under 10 items"}
    bars = chart.locator("g.layer_0_marks path")
    error_bars = chart.locator("g.role-mark.mark-rule path, g.role-mark.mark-rule line")
    expect(bars).to_have_count(len(rows))
    expect(error_bars).to_have_count(len(rows))  # one interval per specialty
    x_axis = chart.locator("g.role-axis-domain").first.bounding_box()  # from 0% to 100%
    for row in rows:
        specialty = row["specialty"]
        bar = chart.locator(f'g.layer_0_marks path[aria-label*="specialty: {specialty};"]')
        interval = chart.locator(f'g.role-mark.mark-rule [aria-label*="specialty: {specialty};"]')
        # the interval's ends, as described by the mark and where they are drawn
        expect(interval).to_have_attribute("aria-label", re.compile(
            rf": {re.escape(_vega_number(row['ci_low']))}; specialty: {re.escape(specialty)};"
            rf" upper_ci_low: {re.escape(_vega_number(row['ci_high']))};"))
        drawn = interval.bounding_box()
        for end, percent in ((drawn["x"], row["ci_low"]), (drawn["x"] + drawn["width"], row["ci_high"])):
            assert end == pytest.approx(x_axis["x"] + x_axis["width"] * percent / 100, abs=2.5), (specialty, percent)
        assert drawn["x"] <= bar.bounding_box()["x"] + bar.bounding_box()["width"] <= drawn["x"] + drawn["width"] + 1
        grey = row["items"] < 10
        expect(bar).to_have_attribute("fill", "#c8c8c8" if grey else "#4c78a8")

    # the headline rate with its interval, and the timeliness charts with theirs
    expect(page.locator("#chart-kpi-uphold-rate")).to_contain_text(re.compile(r"\d+\.\d%\s*\d+\.\d–\d+\.\d%, [\d,]+ items"))
    share = page.locator("#chart-timeliness-share")
    share.locator("svg").first.wait_for(state="visible")
    timeliness = _chart_rows(synthetic_server, "timeliness-share")
    expect(share.locator("g.role-mark.mark-rule path, g.role-mark.mark-rule line")).to_have_count(len(timeliness))
    expect(page.locator("#chart-timeliness-days")).to_contain_text("30 days: standard limit")
    expect(page.locator("#chart-timeliness-days")).to_contain_text("3 days: expedited limit")
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-intervals.png"), full_page=True)
