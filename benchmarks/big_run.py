"""Measure 3, the whole run on the 80x file (10 million rows): wall time and peak RSS of the process tree. It leaves
the 80x warehouse that measure 4 (and measure 2 at 80x) use."""

from __future__ import annotations

import shutil
from pathlib import Path

from common import cli_run, count, median, note, runs_text, verdict


def measure(big_raw: Path, big_warehouse: Path, logs: Path, repeats: int) -> dict:
    runs = []
    for i in range(repeats):
        if big_warehouse.parent.exists():
            shutil.rmtree(big_warehouse.parent)
        runs.append(cli_run(big_raw, big_warehouse, logs / f"big_run_{i + 1}.log"))
        note("3. 80x run", f"rep {i + 1}: {runs[-1]['seconds']:.1f}s, peak {runs[-1]['peak_rss_mb']:.0f} MB")
    return {
        "s": [r["seconds"] for r in runs],
        "peak_mb": [r["peak_rss_mb"] for r in runs],
        "median_s": median([r["seconds"] for r in runs]),
        "max_peak_mb": max(r["peak_rss_mb"] for r in runs),
        "rows": count(big_warehouse, "select count(*) from core.incidents where source = 'gtd'"),
    }


def report_lines(results: dict) -> list[str]:
    if "big_run" not in results:
        return []
    b = results["big_run"]
    return [
        f"### 3. Whole run on {results['files']['big']['rows']:,} rows",
        "",
        f"- wall time {b['median_s']:.0f} s (runs: {runs_text(b['s'], 0)}); peak RSS of the process tree "
        f"**{b['max_peak_mb']:,.0f} MB** (target < 2,000 MB: {verdict(b['max_peak_mb'] < 2000)}); "
        f"{b['rows']:,} GTD incidents in core.incidents",
        "",
    ]
