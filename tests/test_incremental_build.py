"""A run after new, changed or removed incident source files builds only what they reach, and marts.incident_facts
replaces only the rows of the files that changed; the warehouse it leaves equals one built from nothing."""

from __future__ import annotations

import csv
import re
import shutil
import signal
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipelines.definitions import BUILD_JOB, INCREMENTAL_BUILD_JOB, build_definitions, job_contents
from pipelines.defs.incidents.sources.registry import adapters
from pipelines.engine import fingerprint
from pipelines.engine.config import SQL_DIR
from pipelines.engine.fingerprint import PublishedBuild, RunInputs, plan_build
from pipelines.engine.warehouse import connect_build, model_dependencies, publish
from tests.conftest import copy_built, copy_warehouse, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

GTD_FILE = "gtd/gtd_0814_extract_31col.csv"
UCDP_FILE = "ucdp_ged/ged221_pakistan_hdx.csv"
# Columns that say when or by which run something happened: they differ between any two builds.
RUN_COLUMNS = {"loaded_at", "checked_at", "quarantined_at", "built_at", "conformed_at", "run_id", "build_id", "raw_dir"}


def run(raw: Path, warehouse: Path, **env):
    return run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse), env=env)


def build_line(result) -> str:
    return next(line.strip() for line in result.stdout.splitlines() if line.strip().startswith("build: "))


def differences(a: Path, b: Path) -> dict[str, tuple[int, int]]:
    """Per table, the rows only in ``a`` and only in ``b`` (multisets, ``except all`` both ways), without the
    columns of RUN_COLUMNS. dq.file_loads: the current file versions; dq.check_results (a log of every run):
    the latest outcome of each check."""
    con = duckdb.connect()
    try:
        for alias, path in (("a", a), ("b", b)):
            con.execute(f"attach '{str(path)}' as {alias} (read_only)")
        tables = {}
        for alias in ("a", "b"):
            tables[alias] = {
                tuple(r)
                for r in con.execute(
                    "select table_schema, table_name from information_schema.tables where table_catalog = ? "
                    "and table_schema <> 'main'",
                    [alias],
                ).fetchall()
            }
        assert tables["a"] == tables["b"]
        found = {}
        for schema, table in sorted(tables["a"]):
            columns = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_catalog = 'a' and table_schema = ? "
                    "and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
            ]
            kept = [f'"{c}"' for c in columns if c not in RUN_COLUMNS] or ["1"]
            where = {("dq", "file_loads"): "where is_current"}.get((schema, table), "")
            if (schema, table) == ("dq", "check_results"):
                kept = ["asset", "check_name", "severity", "success", "observed_value", "unexpected_count"]
                where = "qualify row_number() over (partition by asset, check_name order by checked_at desc) = 1"

            def rows(alias, kept=kept, schema=schema, table=table, where=where):
                return f'select {", ".join(kept)} from {alias}."{schema}"."{table}" {where}'

            only_a = con.execute(f"select count(*) from ({rows('a')} except all {rows('b')})").fetchone()[0]
            only_b = con.execute(f"select count(*) from ({rows('b')} except all {rows('a')})").fetchone()[0]
            if only_a or only_b:
                found[f"{schema}.{table}"] = (only_a, only_b)
        return found
    finally:
        con.close()


def facts_line(result) -> str:
    return next(line for line in result.stdout.splitlines() if "built   marts.incident_facts" in line)


@pytest.fixture(scope="module")
def base(shared_data, built_warehouse, tmp_path_factory):
    """Raw state A (curated, 300 GTD and 200 UCDP rows of Pakistan), its published warehouse, and the 200 next
    GTD rows to add as a new monthly file. A is built on a copy of the session's curated build (what the tests
    compare with is always built from nothing)."""
    root = tmp_path_factory.mktemp("incremental")
    gtd = pd.read_csv(shared_data / GTD_FILE, dtype=str, keep_default_na=False)
    pak = gtd[gtd["country_txt"] == "Pakistan"]
    raw, warehouse = copy_built(built_warehouse, root / "a")
    (raw / "gtd").mkdir()
    pak.head(300).to_csv(raw / "gtd" / "first.csv", index=False)
    (raw / "ucdp_ged").mkdir()
    lines = (shared_data / UCDP_FILE).read_text(encoding="utf-8").splitlines(keepends=True)
    (raw / "ucdp_ged" / "ged.csv").write_text("".join(lines[:202]), encoding="utf-8")  # header, HXL, 200 events
    result = run(raw, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    assert build_line(result).startswith("build: incremental (gtd, ucdp_ged changed)"), build_line(result)
    return {"root": root, "raw": raw, "warehouse": warehouse, "month": pak.iloc[300:500]}


def state(base, tmp_path) -> tuple[Path, Path]:
    """A copy of raw state A and of its published warehouse (with the working copy) to change."""
    raw = tmp_path / "raw"
    shutil.copytree(base["raw"], raw)
    return raw, copy_warehouse(base["warehouse"], tmp_path / "w")


def fresh_build(raw: Path, tmp_path: Path, name: str = "fresh") -> Path:
    warehouse = tmp_path / name / "warehouse.duckdb"
    result = run(raw, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "build: full (no published build)" in result.stdout
    return warehouse


@pytest.fixture(scope="module")
def fresh_with_month(base, tmp_path_factory) -> Path:
    """A warehouse built from nothing on raw state A plus the month's GTD file (gtd/month.csv): the state two tests
    reach by other ways (an incremental build; a build after a code change), built once for both."""
    root = tmp_path_factory.mktemp("fresh_with_month")
    raw = root / "raw"
    shutil.copytree(base["raw"], raw)
    base["month"].to_csv(raw / "gtd" / "month.csv", index=False)
    return fresh_build(raw, root)


def test_a_new_gtd_file_builds_only_what_it_reaches_and_equals_a_build_from_nothing(base, fresh_with_month, tmp_path):
    raw, warehouse = state(base, tmp_path)
    base["month"].to_csv(raw / "gtd" / "month.csv", index=False)
    result = run(raw, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    line = build_line(result)
    assert line.startswith("build: incremental (gtd changed): "), line
    built, total = map(int, re.search(r"(\d+) of (\d+) assets", line).groups())
    assert 0 < built < total
    # curated, lineage and group tables are not rebuilt; what reads incidents is
    assert "built   core.groups " not in result.stdout and "built   marts.group_lineage " not in result.stdout
    assert "built   marts.group_family_membership " not in result.stdout
    assert "built   core.incidents " in result.stdout and "built   marts.attack_trends " in result.stdout
    assert "published      yes" in result.stdout
    assert facts_line(result).endswith("incremental: +200 -0 rows")
    assert read_table(warehouse, "select count(*) from marts.incident_facts where source_file = 'gtd/month.csv'") == [
        (200,)
    ]

    assert differences(warehouse, fresh_with_month) == {}
    # (and the comparison does see 200 incidents more than before)
    assert differences(warehouse, base["warehouse"])["marts.incident_facts"] == (200, 0)


def test_removing_a_gtd_file_removes_its_rows_and_equals_a_build_from_nothing(base, tmp_path):
    raw, warehouse = state(base, tmp_path)
    (raw / "gtd" / "first.csv").unlink()
    result = run(raw, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    assert build_line(result).startswith("build: incremental (gtd changed)")
    assert facts_line(result).endswith("incremental: +0 -300 rows")
    for table in ("core.incidents", "marts.incident_facts"):
        assert read_table(warehouse, f"select count(*) from {table} where source = 'gtd'") == [(0,)]
    assert read_table(warehouse, "select count(*) from marts.incident_facts where source = 'ucdp_ged'") == [(200,)]

    assert differences(warehouse, fresh_build(raw, tmp_path)) == {}


def add_alias(raw: Path, alias: str, group_id: str) -> None:
    with open(raw / "curated" / "group_aliases.csv", "a", newline="") as handle:
        csv.writer(handle).writerow([alias, group_id, "gtd", "test alias", "test", "https://example.org/"])


def test_an_alias_change_builds_everything_and_re_resolved_rows_reach_incident_facts(base, tmp_path):
    raw, warehouse = state(base, tmp_path)
    # the GTD perpetrator naming most stored incidents that resolves to no group and is not classed "not a group"
    name, incidents = read_table(
        warehouse,
        """
        select perpetrator_raw, count(*) from core.incidents
        where source = 'gtd' and group_id is null
          and perpetrator_raw not in (select perpetrator_raw from dq.unresolved_groups where is_not_a_group)
        group by 1 order by 2 desc, 1 limit 1""",
    )[0]
    add_alias(raw, name, "ttp")
    result = run(raw, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    assert build_line(result).startswith("build: full (curated/group_aliases.csv changed)")
    assert "built   core.groups " in result.stdout
    # the group lineage did not change: incident_facts replaced the rows of the re-resolved GTD file only
    assert facts_line(result).endswith("incremental: +300 -300 rows")
    con = duckdb.connect(str(warehouse), read_only=True)
    facts = con.execute(
        "select count(*) from marts.incident_facts where perpetrator_raw = ? and group_id = 'ttp'", [name]
    ).fetchall()
    con.close()
    assert facts == [(incidents,)]

    assert differences(warehouse, fresh_build(raw, tmp_path)) == {}


def test_a_curated_change_builds_everything(base, tmp_path):
    raw, warehouse = state(base, tmp_path)
    with open(raw / "curated" / "non_group_perpetrators.csv", "a", newline="") as handle:
        csv.writer(handle).writerow(["Masked men", "gtd", "unknown", "test row"])
    base["month"].to_csv(raw / "gtd" / "month.csv", index=False)  # an incident file too: still everything
    result = run(raw, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    line = build_line(result)
    assert line.startswith("build: full (curated/non_group_perpetrators.csv changed)"), line
    built, total = map(int, re.search(r"(\d+) of (\d+) assets", line).groups())
    assert built == total
    assert "built   core.groups " in result.stdout


def test_a_family_ruling_change_rebuilds_incident_facts_from_the_new_membership(base, tmp_path):
    """marts.incident_facts depends on marts.group_family_membership (meta.file_row_keys keeps its
    digest): a changed ruling changes families without any incident changing, and the mart is rebuilt whole."""
    raw, warehouse = state(base, tmp_path)
    rulings = raw / "curated" / "group_family_rulings.csv"
    text = rulings.read_text()
    assert "ttp_sajna_split_from_ttp_2014,stays_in_movement," in text
    rulings.write_text(
        text.replace(
            "ttp_sajna_split_from_ttp_2014,stays_in_movement,", "ttp_sajna_split_from_ttp_2014,own_organisation,"
        )
    )
    result = run(raw, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    assert build_line(result).startswith("build: full (curated/group_family_rulings.csv changed)")
    assert "built   marts.group_family_membership " in result.stdout
    assert facts_line(result).endswith("full")
    assert read_table(
        warehouse,
        "select distinct family_id from marts.group_family_membership "
        "where group_id = 'ttp_sajna' and valid_from = date '2014-05-28'",
    ) == [("ttp_sajna",)]
    assert differences(warehouse, fresh_build(raw, tmp_path)) == {}


def test_a_code_change_builds_everything_and_rebuilds_incident_facts(base, fresh_with_month, tmp_path):
    raw, warehouse = state(base, tmp_path)
    # As if the published build had been made by other code (SQL, suites, package or libraries).
    con = duckdb.connect(str(warehouse))
    con.execute("update meta.build_info set code_fingerprint = 'other code'")
    con.close()
    con = duckdb.connect(str(warehouse.parent / ".build" / warehouse.name))
    con.execute(
        "update meta.file_row_keys set code_fingerprint = 'other code' where table_name = 'marts.incident_facts'"
    )
    con.close()
    base["month"].to_csv(raw / "gtd" / "month.csv", index=False)
    result = run(raw, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    assert build_line(result).startswith("build: full (code changed")
    assert facts_line(result).endswith("full")
    assert differences(warehouse, fresh_with_month) == {}


def test_after_a_run_that_did_not_publish_the_next_builds_everything(base, tmp_path):
    raw, warehouse = state(base, tmp_path)
    base["month"].to_csv(raw / "gtd" / "month.csv", index=False)
    killed = run(raw, warehouse, PIPELINES_FAULT_AT="mart:marts.attack_trends")
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert build_line(killed).startswith("build: incremental (gtd changed)")
    again = run(raw, warehouse)
    assert again.returncode == 0, again.stdout + again.stderr
    assert build_line(again).startswith("build: full (the working copy changed since the published build)")
    # and the next change is incremental again
    (raw / "gtd" / "month.csv").unlink()
    result = run(raw, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    assert build_line(result).startswith("build: incremental (gtd changed)")
    assert differences(warehouse, base["warehouse"]) == {}


# ---- the plan, without running anything --------------------------------------------------------------------
def published(
    raw_files: dict[str, tuple[str, str | None]],
    code: str = "code",
    build_id: str = "b1",
    fingerprint: str | None = "f",
) -> PublishedBuild:
    rows = tuple({"path": p, "sha256": s, "source": src} for p, (s, src) in raw_files.items())
    return PublishedBuild(build_id, "2025-01-01", fingerprint, code, rows)


BEFORE = {
    "curated/groups.csv": ("g1", None),
    "gtd/a.csv": ("a1", "gtd"),
    "mapped/kaggle/x.csv": ("x1", "mapped"),
    "mapped/kaggle/mapping.yaml": ("m1", None),
}


def inputs(changes: dict[str, tuple[str, str | None] | None], code: str = "code") -> RunInputs:
    files = {**BEFORE, **changes}
    files = {p: v for p, v in files.items() if v is not None}
    return RunInputs(code, {p: s for p, (s, _) in files.items()}, {p: src for p, (_, src) in files.items() if src})


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"gtd/b.csv": ("b1", "gtd")}, (True, "gtd changed", ("gtd",))),
        ({"gtd/a.csv": ("a2", "gtd")}, (True, "gtd changed", ("gtd",))),
        ({"gtd/a.csv": None}, (True, "gtd changed", ("gtd",))),
        (
            {"gtd/a.csv": None, "ucdp_ged/u.csv": ("u1", "ucdp_ged")},
            (True, "gtd, ucdp_ged changed", ("gtd", "ucdp_ged")),
        ),
        ({"mapped/kaggle/x.csv": ("x2", "mapped")}, (True, "mapped changed", ("mapped",))),
        ({"curated/groups.csv": ("g2", None)}, (False, "curated/groups.csv changed", ())),
        ({"curated/groups.csv": None, "gtd/b.csv": ("b1", "gtd")}, (False, "curated/groups.csv changed", ())),
        ({"mapped/kaggle/mapping.yaml": ("m2", None)}, (False, "mapped/kaggle/mapping.yaml changed", ())),
        ({"mmp/links.csv": ("l1", None)}, (False, "mmp/links.csv changed", ())),
        ({"gtd/notes.txt": ("n1", None)}, (False, "gtd/notes.txt changed", ())),
    ],
)
def test_plan_incremental_only_for_incident_source_files(changes, expected):
    plan = plan_build(inputs(changes), published(BEFORE), "b1")
    assert (plan.incremental, plan.reason, plan.sources) == expected


def test_plan_full_whenever_in_doubt():
    change = {"gtd/b.csv": ("b1", "gtd")}
    assert plan_build(inputs(change), None, None).reason == "no published build"
    assert (
        plan_build(inputs(change), published(BEFORE, fingerprint=None), "b1").reason
        == "the published build has no fingerprint"
    )
    assert (
        plan_build(inputs(change), PublishedBuild("b1", "2025-01-01", "f"), "b1").reason
        == "the published build has no fingerprint"
    )
    assert (
        plan_build(inputs(change), published(BEFORE), None).reason
        == "the working copy changed since the published build"
    )
    assert (
        plan_build(inputs(change), published(BEFORE), "b0").reason
        == "the working copy changed since the published build"
    )
    assert plan_build(inputs(change, code="new"), published(BEFORE), "b1").reason.startswith("code changed")
    # a file that was not an incident source's and now is (or the reverse) is not taken as one
    assert not plan_build(inputs({"gtd/a.csv": ("a1", None)}), published(BEFORE), "b1").incremental


def test_inputs_split_into_code_and_raw_files_attributed_to_incident_sources(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    for path in (
        "curated/groups.csv",
        "gtd/a.csv",
        "mapped/kaggle/data.csv",
        "mapped/kaggle/mapping.yaml",
        "mmp/links.csv",
        "gtd/.hidden.csv",
    ):
        (raw / path).parent.mkdir(parents=True, exist_ok=True)
        (raw / path).write_text(path)
    found = fingerprint.run_inputs(raw, adapters())
    assert set(found.raw_files) == {
        "curated/groups.csv",
        "gtd/a.csv",
        "mapped/kaggle/data.csv",
        "mapped/kaggle/mapping.yaml",
        "mmp/links.csv",
    }
    assert found.sources == {"gtd/a.csv": "gtd", "mapped/kaggle/data.csv": "mapped"}
    # any SQL model (or suite, or module) changes the code part, and with it the whole fingerprint
    sql = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql)
    monkeypatch.setattr(fingerprint, "SQL_DIR", sql)
    assert fingerprint.run_inputs(raw, adapters()) == found
    with open(sql / "marts" / "incident_facts.sql", "a") as handle:
        handle.write("\n-- a comment\n")
    changed = fingerprint.run_inputs(raw, adapters())
    assert changed.code != found.code and changed.fingerprint != found.fingerprint
    assert changed.raw_files == found.raw_files


def test_publish_takes_the_input_stamp_only_of_the_run_it_was_written_for(tmp_path):
    published = tmp_path / "w" / "warehouse.duckdb"
    stamp = RunInputs("code", {"gtd/a.csv": "a1"}, {"gtd/a.csv": "gtd"})
    for publishing_run, stamped in (("run-b", False), ("run-a", True)):
        con = connect_build(published)
        fingerprint.record_run_inputs(con, stamp, "run-a")  # e.g. a CLI run whose build then failed
        con.close()
        build_id = publish(published, publishing_run, tmp_path)
        build = fingerprint.published_build(published)
        assert build.build_id == build_id
        if stamped:
            assert (build.fingerprint, build.code, build.raw_files) == (
                stamp.fingerprint,
                "code",
                ({"path": "gtd/a.csv", "sha256": "a1", "source": "gtd"},),
            )
        else:  # a later build (Dagster UI, schedule) does not claim inputs it was not started with
            assert (build.fingerprint, build.code, build.raw_files) == (None, None, None)
        assert read_table(published, "select count(*) from meta.run_inputs") == [(0,)]
        assert read_table(published, "select build_id from meta.working_copy") == [(build_id,)]


# ---- the asset graph: the subset must hold everything that reads what the change touches --------------------
def test_nothing_outside_the_incremental_job_reads_what_incident_files_change():
    names = [a.name for a in adapters()]
    defs = build_definitions(incremental_sources=names)
    graph = defs.resolve_asset_graph()
    all_assets, all_checks = job_contents(defs, BUILD_JOB)
    assets, checks = job_contents(defs, INCREMENTAL_BUILD_JOB)
    staged = {dg.AssetKey(["staging", n]) for n in names}
    touched = assets | staged
    assert {
        dg.AssetKey(["core", "incidents"]),
        dg.AssetKey(["core", "incident_perpetrators"]),
        dg.AssetKey(["marts", "incident_facts"]),
        dg.AssetKey(["dq", "unresolved_groups"]),
        dg.AssetKey(["meta", "published_warehouse"]),
        dg.AssetKey(["report", "analyst_report"]),
    } <= assets
    assert not assets & staged  # the load jobs stage files
    # every asset or check of the build job that depends on something touched is in the incremental job
    for key in all_assets - assets:
        assert not set(graph.get(key).parent_keys) & touched, key
    for key in all_checks - checks:
        spec = graph.get_check_spec(key)
        assert key.asset_key not in touched and not {d.asset_key for d in spec.additional_deps} & touched, key
    assert {k for k in all_checks if k.asset_key in staged} <= checks
    # and the declared dependencies are what the SQL reads: every model's tables are among its parents
    for path in sorted(SQL_DIR.glob("*/*.sql")):
        if path.parent.name not in ("core", "dq", "marts"):
            continue
        key = dg.AssetKey([path.parent.name, path.stem])
        parents = set(graph.get(key).parent_keys)
        for ref in model_dependencies(path.read_text()):
            if ref != (path.parent.name, path.stem):
                assert dg.AssetKey(list(ref)) in parents, (key, ref)
    for key in (dg.AssetKey(["core", "incidents"]), dg.AssetKey(["core", "incident_perpetrators"])):
        assert staged <= set(graph.get(key).parent_keys)


def test_a_single_source_reaches_fewer_assets_than_every_source():
    defs = build_definitions(incremental_sources=["gtd"])
    assets, checks = job_contents(defs, INCREMENTAL_BUILD_JOB)
    all_assets, all_checks = job_contents(defs, BUILD_JOB)
    assert dg.AssetKey(["core", "leaders"]) not in assets  # reads staging.newamerica_drones, not GTD
    assert dg.AssetCheckKey(dg.AssetKey(["staging", "gtd"]), "gx_errors") in checks
    assert not {k for k in checks if k.asset_key == dg.AssetKey(["staging", "ucdp_ged"])}
    assert len(assets) < len(all_assets) and len(checks) < len(all_checks)
