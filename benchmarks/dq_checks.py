"""Measure 4, the data-quality checks of core.incidents on the 80x warehouse's 10 million rows (the smoke run: on
its small full warehouse): the GX suite and the SQL checks as the pipeline runs them, against the same checks
written as plain SQL, each in a child process with its peak RSS.

    python benchmarks/dq_checks.py --mode gx|sql --warehouse FILE --json OUT   # one child: run.py starts it
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from common import measure_command, median, note, runs_text, verdict


def _expectation_sql(expectation: dict) -> str:
    """The rows a GX column expectation finds unexpected, as a SQL predicate (NULLs as GX treats them)."""
    kwargs = expectation["kwargs"]
    column = f'"{kwargs["column"]}"'
    kind = expectation["type"]
    if kind == "expect_column_values_to_not_be_null":
        return f"{column} is null"
    if kind == "expect_column_values_to_be_in_set":
        values = ", ".join("'" + str(v).replace("'", "''") + "'" for v in kwargs["value_set"])
        return f"{column} is not null and {column} not in ({values})"
    if kind == "expect_column_values_to_be_between":
        parts = []
        if kwargs.get("min_value") is not None:
            parts.append(f"{column} < {kwargs['min_value']}")
        if kwargs.get("max_value") is not None:
            parts.append(f"{column} > {kwargs['max_value']}")
        return f"{column} is not null and ({' or '.join(parts)})"
    if kind == "expect_column_values_to_match_regex":
        pattern = kwargs["regex"].replace("'", "''")
        return f"{column} is not null and not regexp_matches({column}::varchar, '{pattern}')"
    raise ValueError(f"no SQL translation for {kind}")


def run_checks(warehouse: Path, mode: str) -> dict:
    """core.incidents' GX suite and SQL checks as the pipeline runs them (mode gx), or the suite's
    expectations translated to one SQL scan plus the same SQL checks (mode sql)."""
    import duckdb

    from pipelines.defs.quality import checks, gx_checks
    from pipelines.engine.warehouse import DEFAULT_MEMORY_LIMIT

    con = duckdb.connect(str(warehouse), read_only=True)
    con.execute(f"set memory_limit = '{os.environ.get('PIPELINES_DUCKDB_MEMORY_LIMIT') or DEFAULT_MEMORY_LIMIT}'")
    suite = next(s for s in gx_checks.discover_suites() if (s.schema, s.table) == ("core", "incidents"))
    expectations = suite.definition["expectations"]
    result: dict = {"mode": mode, "expectations": len(expectations)}
    started = time.perf_counter()
    if mode == "gx":
        summary = []
        for severity in ("ERROR", "WARN"):
            summary += gx_checks.validate(con, suite, suite.expectations(severity))
        result["unexpected"] = {f"{s['type']}({s['kwargs'].get('column')})": s["unexpected_count"] for s in summary}
    else:
        predicates = [_expectation_sql(e) for e in expectations]
        counts = con.execute(
            "select " + ", ".join(f"count(*) filter (where {p})" for p in predicates) + " from core.incidents"
        ).fetchone()
        for predicate, failing in zip(predicates, counts):
            if failing:  # ids of failing rows, capped as the pipeline's samples are
                con.execute(f"select incident_id from core.incidents where {predicate} limit 20").fetchall()
        result["unexpected"] = {f"{e['type']}({e['kwargs'].get('column')})": n for e, n in zip(expectations, counts)}
    result["expectations_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    failing_checks = {}
    for check in checks.discover_sql_checks():
        if (check.schema, check.table) == ("core", "incidents"):
            failing_checks[check.name] = con.execute(f"select count(*) from ({check.sql})").fetchone()[0]
            con.execute(f"select * from ({check.sql}) limit {checks.SAMPLE_SIZE}").fetchall()
    result["sql_checks_seconds"] = time.perf_counter() - started
    result["sql_checks"] = failing_checks
    result["rows"] = con.execute("select count(*) from core.incidents").fetchone()[0]
    con.close()
    return result


def measure_checks(warehouse: Path, mode: str, log: Path) -> dict:
    """run_checks in a child process, so its peak RSS is its own."""
    output = log.with_suffix(".json")
    measured = measure_command(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--mode",
            mode,
            "--warehouse",
            str(warehouse),
            "--json",
            str(output),
        ],
        log,
    )
    if measured["returncode"] != 0:
        raise SystemExit(f"checks ({mode}) failed; see {log}")
    return {**json.loads(output.read_text()), **measured}


def summarize_checks(runs: list[dict]) -> dict:
    return {
        "s": [c["seconds"] for c in runs],
        "median_s": median([c["seconds"] for c in runs]),
        "expectations_median_s": median([c["expectations_seconds"] for c in runs]),
        "sql_checks_median_s": median([c["sql_checks_seconds"] for c in runs]),
        "max_peak_mb": max(c["peak_rss_mb"] for c in runs),
        "rows": runs[0]["rows"],
        "unexpected": runs[0]["unexpected"],
        "sql_checks": runs[0]["sql_checks"],
    }


def measure(warehouse: Path, logs: Path, repeats: int) -> dict:
    checks = {"gx": [], "sql": []}
    for i in range(repeats):
        for mode in ("gx", "sql"):
            checks[mode].append(measure_checks(warehouse, mode, logs / f"checks_{mode}_{i + 1}.log"))
            note(
                "4. checks",
                f"{mode} rep {i + 1}: {checks[mode][-1]['seconds']:.1f}s, "
                f"peak {checks[mode][-1]['peak_rss_mb']:.0f} MB",
            )
    return {mode: summarize_checks(runs) for mode, runs in checks.items()}


def report_lines(results: dict) -> list[str]:
    if "checks" not in results:
        return []
    c = results["checks"]
    return [
        f"### 4. Data-quality checks of core.incidents on {c['gx']['rows']:,} rows",
        "",
        "| checks | total s | expectations s | SQL checks s | runs (s) | peak RSS MB |",
        "|---|---:|---:|---:|---|---:|",
        f"| as the pipeline runs them: GX suite ({c['gx']['rows']:,} rows in pandas batches) + SQL checks | "
        f"{c['gx']['median_s']:.1f} | {c['gx']['expectations_median_s']:.1f} | {c['gx']['sql_checks_median_s']:.1f} | "
        f"{runs_text(c['gx']['s'], 1)} | {c['gx']['max_peak_mb']:,.0f} |",
        f"| the same as plain SQL: the suite's expectations in one scan + the same SQL checks | "
        f"{c['sql']['median_s']:.1f} | {c['sql']['expectations_median_s']:.1f} | {c['sql']['sql_checks_median_s']:.1f} | "
        f"{runs_text(c['sql']['s'], 1)} | {c['sql']['max_peak_mb']:,.0f} |",
        "",
        f"- GX / plain SQL = {c['gx']['median_s'] / c['sql']['median_s']:.1f}x; peak memory under 2 GB: "
        f"{verdict(max(c['gx']['max_peak_mb'], c['sql']['max_peak_mb']) < 2000)}; both found the same unexpected "
        f"counts: {c['gx']['unexpected'] == c['sql']['unexpected']}",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    """The child process of measure_checks: one mode's checks, their results written as JSON."""
    parser = argparse.ArgumentParser(description="the checks of core.incidents in one mode (a child of run.py)")
    parser.add_argument("--mode", choices=["gx", "sql"], required=True)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)
    args.json.write_text(json.dumps(run_checks(args.warehouse, args.mode)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
