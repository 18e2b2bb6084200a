"""Measure 2, incremental: a month file (1/120 of the 10x file) added to the built 10x warehouse, through the
ingest path and as a whole run; and, with the 80x measures, the same file added to the 80x warehouse (its cost
must not grow with the warehouse)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from common import (
    build_mode,
    cli_run,
    conform_incidents,
    copy_warehouse,
    count,
    median,
    note,
    raw_dir,
    runs_text,
    verdict,
)


def month_ingest(published: Path, raw: Path, file: Path) -> float:
    """Stage and conform one new file into a copy of the built warehouse (the incremental ingest path)."""
    from pipelines.defs.incidents.sources.registry import adapters
    from pipelines.engine import accounting
    from pipelines.engine import warehouse as wh

    accounting.forget_digests()
    gtd = next(a for a in adapters() if a.name == "gtd")
    started = time.perf_counter()
    con = wh.connect_build(published)
    try:
        gtd.stage(con, file, raw)
        conform_incidents(con)
        con.execute("checkpoint")
    finally:
        con.close()
    return time.perf_counter() - started


def measure(
    out: Path, full_warehouse: Path, files: dict[str, Path], logs: Path, repeats: int, smoke: bool, ingest: dict
) -> dict:
    """The month added to copies of ``full_warehouse``; its shares are of measure 1's figures (``ingest``)."""
    month_dir = out / "month"
    month_raw = raw_dir(month_dir, [files["full"], files["month"]])
    incremental, incremental_ingest = [], []
    for i in range(repeats):
        if not smoke:  # the smoke run checks the ingest path only (a CLI run costs ~20 s)
            copy_warehouse(full_warehouse, month_dir / "warehouse")
            incremental.append(
                cli_run(month_raw, month_dir / "warehouse" / "warehouse.duckdb", logs / f"month_run_{i + 1}.log")[
                    "seconds"
                ]
            )
        copy_warehouse(full_warehouse, month_dir / "ingest")
        incremental_ingest.append(
            month_ingest(month_dir / "ingest" / "warehouse.duckdb", month_raw, month_raw / "gtd" / files["month"].name)
        )
        note(
            "2. incremental",
            f"rep {i + 1}: run {incremental[-1] if incremental else float('nan'):.1f}s, "
            f"ingest {incremental_ingest[-1]:.2f}s",
        )
    built = month_dir / ("ingest" if smoke else "warehouse") / ".build" / "warehouse.duckdb"
    month_rows = count(built, f"select count(*) from core.incidents where source_file = 'gtd/{files['month'].name}'")
    result = {
        "run_s": incremental,
        "ingest_s": incremental_ingest,
        "ingest_median": median(incremental_ingest),
        "month_rows": month_rows,
        "total_rows": count(built, "select count(*) from core.incidents where source = 'gtd'"),
        "ingest_share": median(incremental_ingest) / ingest["pipeline_median"],
    }
    if incremental:
        result["run_median"] = median(incremental)
        result["run_share"] = median(incremental) / ingest["whole_run_median"]
        result["build_mode"] = build_mode(logs / "month_run_1.log")
    return result


def measure_at_80x(
    big_dir: Path, big_warehouse: Path, files: dict[str, Path], logs: Path, repeats: int, big_run_median: float
) -> dict:
    """The same month file added to the 80x warehouse. An incremental run whose cost follows the month and not
    the warehouse takes about as long here as at 10x. Its figures go with measure 3's (results["big_run"])."""
    big_month = big_dir / "month"
    big_month_raw = raw_dir(big_month, [files["big"], files["month"]])
    month_runs = []
    for i in range(repeats):
        copy_warehouse(big_warehouse, big_month / "warehouse")
        month_runs.append(
            cli_run(big_month_raw, big_month / "warehouse" / "warehouse.duckdb", logs / f"big_month_run_{i + 1}.log")[
                "seconds"
            ]
        )
        note("2. incremental at 80x", f"rep {i + 1}: run {month_runs[-1]:.1f}s")
    result = {
        "month_run_s": month_runs,
        "month_run_median": median(month_runs),
        "month_run_share": median(month_runs) / big_run_median,
        "month_build_mode": build_mode(logs / "big_month_run_1.log"),
    }
    shutil.rmtree(big_month)
    return result


def report_lines(results: dict) -> list[str]:
    inc = results["incremental"]
    lines = [
        f"### 2. Incremental: a month file ({inc['month_rows']:,} rows) added to the built warehouse",
        "",
        "| measure | median s | runs (s) | share of the full one |",
        "|---|---:|---|---:|",
        f"| ingest path (`stage()` + `conform_incidents()`) | {inc['ingest_median']:.2f} | {runs_text(inc['ingest_s'])} | "
        f"{inc['ingest_share']:.1%} |",
    ]
    if "run_median" in inc:
        lines += [
            f"| whole `python -m pipelines run` | {inc['run_median']:.1f} | {runs_text(inc['run_s'], 1)} | "
            f"{inc['run_share']:.1%} |"
        ]
    if "month_run_median" in results.get("big_run", {}):
        b = results["big_run"]
        lines += [
            f"| whole `python -m pipelines run`, the same month added to the 80x warehouse | "
            f"{b['month_run_median']:.1f} | {runs_text(b['month_run_s'], 1)} | {b['month_run_share']:.1%} of the 80x run |"
        ]
    if "build_mode" in inc:
        lines += ["", f"- the month run said: `{inc['build_mode']}`"]
    lines += [
        "",
        f"- target <= 10% of the full run: ingest path {verdict(inc['ingest_share'] <= 0.10)}"
        + (f", whole run {verdict(inc['run_share'] <= 0.10)}" if "run_share" in inc else ""),
        "",
    ]
    return lines
