"""Measure 5, one query per mart at 1x and 10x (the smoke run: its small full file only)."""

from __future__ import annotations

import shutil
from pathlib import Path

from common import cli_run, median, note, raw_dir, timed, verdict

MART_QUERIES = {
    "attack_trends": "select period_start, sum(incidents) as incidents, sum(fatalities_best) as killed "
    "from marts.attack_trends where period_grain = 'year' and country = 'Pakistan' "
    "group by 1 order by 1",
    "incident_facts": "select group_family_id, count(*) as incidents, sum(fatalities_best) as killed "
    "from marts.incident_facts where country = 'Pakistan' and event_date >= date '2012-01-01' "
    "and event_date < date '2013-01-01' group by 1 order by 2 desc",
    "policy_outcomes": "select event_id, scope, scope_value, source, incidents_before, incidents_after, rate_ratio, "
    "rr_ci_low, rr_ci_high from marts.policy_outcomes where window_months = 12 order by event_date",
    "split_outcomes": "select * from marts.split_outcomes where window_months = 12 order by split_date",
    "decapitation_event_study": "select rel_month, sum(incidents) as incidents from marts.decapitation_event_study "
    "group by 1 order by 1",
    "event_monthly_series": "select scope, rel_month, sum(incidents) as incidents from marts.event_monthly_series "
    "where rel_month between -12 and 12 group by all order by all",
    "source_reconciliation": "select year, source, sum(incidents) as incidents from marts.source_reconciliation "
    "where country = 'Pakistan' group by all order by all",
    "group_lineage": "select * from marts.group_lineage where ancestor_group_id = 'ttp' order by depth",
}


def mart_times(warehouse: Path, repeats: int) -> dict[str, float]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    times = {}
    try:
        for mart, sql in MART_QUERIES.items():
            con.execute(sql).fetchall()  # first read of the table's pages: not counted
            times[mart] = median([timed(lambda sql=sql: con.execute(sql).fetchall()) for _ in range(max(repeats, 5))])
    finally:
        con.close()
    return times


def measure(out: Path, one_file: Path | None, full_warehouse: Path, scale: float, logs: Path, repeats: int) -> dict:
    """The queries on a warehouse built from ``one_file`` (the 1x file; None in the smoke run) and on the
    ``scale``x ``full_warehouse`` of measure 1."""
    marts = {}
    if one_file is not None:
        one_dir = out / "one"
        one_raw = raw_dir(one_dir, [one_file])
        one_warehouse = one_dir / "warehouse" / "warehouse.duckdb"
        if one_warehouse.parent.exists():
            shutil.rmtree(one_warehouse.parent)
        cli_run(one_raw, one_warehouse, logs / "one_run.log")
        marts["1x"] = mart_times(one_warehouse, repeats)
    marts[f"{scale:g}x"] = mart_times(full_warehouse, repeats)
    note("5. marts", "done")
    return marts


def report_lines(results: dict) -> list[str]:
    marts = results["marts"]
    scales = list(marts)
    lines = [
        "### 5. One query per mart (ms)",
        "",
        "| mart | " + " | ".join(scales) + " |",
        "|---|" + "---:|" * len(scales),
    ]
    for mart in MART_QUERIES:
        lines.append(f"| {mart} | " + " | ".join(f"{marts[s][mart] * 1000:.1f}" for s in scales) + " |")
    slowest = max(marts[scales[-1]].values()) * 1000
    lines += ["", f"- slowest at {scales[-1]}: {slowest:.1f} ms (target < 200 ms: {verdict(slowest < 200)})", ""]
    return lines
