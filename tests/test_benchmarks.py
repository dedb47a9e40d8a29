"""The benchmark script runs from a fresh clone: a tiny run of every stage (not a timing: the figures are
the README's, from full runs). It broke once unnoticed when text_of's answer changed shape."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT


def test_the_benchmark_runs_every_stage_and_writes_its_table(tmp_path):
    out = tmp_path / "bench"
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--text", "12", "--pdf", "3",
                          "--scale", "40", "--repeat", "1", "--workers", "2", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    table = (out / "results.md").read_text()
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines() if line.startswith("| ")}
    assert set(rows) >= {"ingest 12 text letters into a new database", "re-ingest 12 unchanged", "ingest 3 PDF letters",
                         "ingest 12 files: 3 PDF letters x 3 copies + text export",
                         "re-ingest that unchanged folder (12 unchanged, 0 replaced)",
                         "peak memory (RSS), ingest main process", "uphold rate by specialty for soma, 40 letters"}
    assert "3 ingested, 9 duplicate" in rows["ingest 12 files: 3 PDF letters x 3 copies + text export"]
    assert re.search(r"\| \d+\.\d\dx \| <= 2\.0x \|$", rows["ingest 12 text letters into a new database"])
    assert "Where the text ingest's time goes" in table
