"""What the Dagster UI shows: whole descriptions, asset groups by domain, the checks on the marts.

(The metadata of materializations is tested on a CLI build recorded in an instance: tests/test_daemon.py.)
"""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.engine.config import SQL_DIR

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

GRAPH = defs.resolve_asset_graph()


def leading_comment(path) -> list[str]:
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].strip())
    return lines


def test_every_sql_model_shows_its_whole_header_comment():
    models = [p for layer in ("core", "dq", "marts") for p in sorted((SQL_DIR / layer).glob("*.sql"))]
    assert len(models) >= 20
    for path in models:
        spec = GRAPH.get(dg.AssetKey([path.parent.name, path.stem]))
        header = leading_comment(path)
        if header:
            assert spec.description == "\n".join(header), path
    # e.g. the first line of attack_trends' header ends mid-phrase; its description goes on to the end
    trends = GRAPH.get(dg.AssetKey(["marts", "attack_trends"])).description
    assert trends.startswith("marts.attack_trends: incidents and casualties per period x country x province x group")
    assert trends.endswith("its casualty columns are NULL (the tellings disagree).") and trends.count("\n") >= 10


def test_every_sql_check_shows_its_whole_description():
    specs = {(tuple(k.asset_key.path), k.name): GRAPH.get_check_spec(k) for k in GRAPH.asset_check_keys}
    paths = sorted((SQL_DIR / "checks").glob("*/*__*.sql"))
    assert len(paths) >= 20
    for path in paths:
        table, _, name = path.stem.partition("__")
        spec = specs[((path.parent.name, table), name)]
        lines = [line for line in leading_comment(path) if not line.startswith("severity:")]
        lines[0] = lines[0].removeprefix("description:").strip()
        severity = next(line for line in leading_comment(path) if line.startswith("severity:")).split(":")[1].strip()
        assert spec.description == f"[{severity}] " + "\n".join(lines), path
        assert spec.blocking == (severity == "ERROR"), path


def test_asset_groups_are_domains_and_siblings_share_one():
    group = {tuple(k.path): GRAPH.get(k).group_name for k in GRAPH.get_all_asset_keys()}
    assert (
        group[("core", "group_relations")]
        == group[("core", "group_relation_sources")]
        == group[("core", "groups")]
        == group[("marts", "group_lineage")]
        == group[("staging", "ucdp_actors")]
    )
    assert (
        group[("core", "incidents")]
        == group[("staging", "gtd")]
        == group[("marts", "incident_facts")]
        == group[("dq", "unresolved_groups")]
    )
    assert group[("core", "leaders")] == group[("core", "leadership_events")] == group[("staging", "curated_leaders")]
    # no group is a layer: each holds tables of more than one layer (but the analyses and operational groups)
    # (live: the API pulls into raw/, operational steps like publish and exports)
    for name in set(group.values()) - {"publish", "report", "exports", "live", "marts", "event_studies"}:
        layers = {path[0] for path, g in group.items() if g == name}
        assert len(layers) >= 2, (name, layers)


# ---- checks on the marts ------------------------------------------------------------------------------------
MART_CHECKS = [
    "incident_facts__incidents_match_core",
    "attack_trends__year_totals_match_core",
    "source_reconciliation__event_totals_match_core",
]


def run_check(warehouse, name) -> list[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return [r[0] for r in con.execute((SQL_DIR / "checks" / "marts" / f"{name}.sql").read_text()).fetchall()]
    finally:
        con.close()


def test_mart_totals_checks_are_blocking_checks_of_the_marts():
    for name in MART_CHECKS:
        table, _, check = name.partition("__")
        key = dg.AssetCheckKey(dg.AssetKey(["marts", table]), check)
        assert key in GRAPH.asset_check_keys
        spec = GRAPH.get_check_spec(key)
        assert spec.blocking and dg.AssetKey(["core", "incidents"]) in {d.asset_key for d in spec.additional_deps}


def test_mart_totals_checks_pass_on_a_build_and_name_the_source_an_incident_went_missing_from(
    built_warehouse, tmp_path
):
    _, warehouse, _ = built_warehouse
    for name in MART_CHECKS:
        assert run_check(warehouse, name) == [], name
    # independent recomputation of what the checks compare: per source, core.incidents against each mart
    con = duckdb.connect(str(warehouse), read_only=True)
    core = dict(con.execute("select source, count(*) from core.incidents group by all").fetchall())
    # the linked events (source 'distinct_events', issue 20) re-count the sources' incidents: not a source
    trends = dict(
        con.execute(
            "select source, sum(incidents) from marts.attack_trends where period_grain = 'year' "
            "and source <> 'distinct_events' group by all"
        ).fetchall()
    )
    con.close()
    assert core == trends and sum(core.values()) > 0

    damaged = tmp_path / "damaged.duckdb"
    shutil.copy(warehouse, damaged)
    con = duckdb.connect(str(damaged))
    con.execute(
        "delete from marts.incident_facts where incident_id = (select min(incident_id) from marts.incident_facts)"
    )
    con.execute(
        "update marts.attack_trends set incidents = incidents + 1 where rowid = (select min(rowid) from "
        "marts.attack_trends where period_grain = 'year')"
    )
    con.execute(
        "delete from marts.source_reconciliation where kind = 'event_data' and rowid = (select min(rowid) "
        "from marts.source_reconciliation where kind = 'event_data' and violence_class = 'all')"
    )
    con.close()
    for name in MART_CHECKS:
        failing = run_check(damaged, name)
        assert len(failing) == 1 and failing[0].startswith("curated: core.incidents "), (name, failing)


def test_coverage_check_of_the_marts_passes_and_fires_on_a_month_counted_outside_coverage(
    shared_warehouse_with_candidate, tmp_path
):
    """The ERROR check event_monthly_series__counted_months_in_coverage on the shared build with the GED
    Candidate release (whose gap, January 2022 - September 2023, is outside coverage), then on damaged copies."""
    _, warehouse, _ = shared_warehouse_with_candidate
    name = "event_monthly_series__counted_months_in_coverage"
    key = dg.AssetCheckKey(dg.AssetKey(["marts", "event_monthly_series"]), "counted_months_in_coverage")
    assert key in GRAPH.asset_check_keys and GRAPH.get_check_spec(key).blocking
    assert run_check(warehouse, name) == []
    con = duckdb.connect(str(warehouse), read_only=True)
    # independently: an uncovered UCDP month of the gap exists in the series and has no count
    gap = con.execute(
        "select count(*), count(incidents) from marts.event_monthly_series where source = 'ucdp_ged' "
        "and month_start between DATE '2022-01-01' and DATE '2023-09-01' and scope = 'national' "
        "and scope_value = 'Pakistan'"
    ).fetchone()
    con.close()
    assert gap[0] > 0 and gap[1] == 0
    for damage in (
        "update marts.event_monthly_series set in_coverage = true, incidents = 0 where rowid = (select "
        "min(rowid) from marts.event_monthly_series where not in_coverage and scope = 'national')",
        "update marts.event_monthly_series set incidents = 0 where rowid = (select min(rowid) from "
        "marts.event_monthly_series where not in_coverage)",
    ):
        damaged = tmp_path / "damaged.duckdb"
        shutil.copy(warehouse, damaged)
        con = duckdb.connect(str(damaged))
        con.execute(damage)
        con.close()
        assert len(run_check(damaged, name)) == 1, damage
        damaged.unlink()
