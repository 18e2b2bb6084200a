"""Exports: files and manifests that match each other and the warehouse, filters that cannot inject SQL, and
nothing ever written outside the export root."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipelines.defs.exports.profiles import ExportError, ExportProfile, load_profiles, parse_profile, run_export
from tests.conftest import PROJECT_ROOT, read_frame, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

SHIPPED = sorted(load_profiles())


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read(path) -> pd.DataFrame:
    """A file read back independently of the code that wrote it."""
    if path.suffix == ".parquet":
        con = duckdb.connect()
        try:
            return con.execute("select * from read_parquet(?)", [str(path)]).df()
        finally:
            con.close()
    if path.suffix == ".csv":
        return pd.read_csv(path)
    return pd.read_excel(path, engine="openpyxl")


def _export_cli(profile: str, warehouse, out, *extra: str):
    result = run_cli("export", profile, "--warehouse", str(warehouse), "--out", str(out), *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    folders = list((out / profile).iterdir())
    assert len(folders) == 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{6}", folders[0].name), folders
    return folders[0], json.loads((folders[0] / "manifest.json").read_text())


@pytest.mark.parametrize("profile", SHIPPED)
def test_manifest_checksums_sizes_rows_and_columns_match_the_files(built_warehouse, tmp_path, profile):
    raw, warehouse, _ = built_warehouse
    folder, manifest = _export_cli(profile, warehouse, tmp_path)

    assert manifest["profile"] == profile
    assert manifest["dagster_run_id"] is None  # exported from the command line
    assert manifest["warehouse_build_id"] == read_table(warehouse, "select build_id from meta.build_info")[0][0]
    dt.datetime.fromisoformat(manifest["created_at"])
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f["file"] for f in manifest["files"]] + ["manifest.json"]
    )
    for entry in manifest["files"]:
        path = folder / entry["file"]
        assert entry["sha256"] == _sha256(path)
        assert entry["bytes"] == path.stat().st_size
        frame = _read(path)
        assert entry["rows"] == len(frame)
        assert [c["name"] for c in entry["columns"]] == list(frame.columns)
        assert all(c["type"] for c in entry["columns"])

    # Sources: every raw file the published warehouse was built from, with its hash recomputed from disk.
    files = {s["file"]: s["sha256"] for s in manifest["sources"]}
    current = {r[0] for r in read_table(warehouse, "select source_file from dq.file_loads where is_current")}
    assert set(files) == current and current
    for name, digest in files.items():
        assert digest == _sha256(raw / name)


def test_research_profile_is_the_full_incidents_table(built_warehouse, tmp_path):
    _, warehouse, _ = built_warehouse
    folder, _ = _export_cli("research_incidents_full", warehouse, tmp_path)
    exported = _read(folder / "incidents.parquet").sort_values("incident_id").reset_index(drop=True)
    expected = read_frame(warehouse, "select * from core.incidents").sort_values("incident_id").reset_index(drop=True)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(exported, expected, check_dtype=False)


def test_policy_profile_has_pakistan_yearly_trends_with_pips_alongside(built_warehouse, tmp_path):
    _, warehouse, _ = built_warehouse
    folder, _ = _export_cli("policy_team_pakistan_yearly", warehouse, tmp_path)
    trends = _read(folder / "yearly_trends_by_group_family.csv")
    assert len(trends) == len(_read(folder / "yearly_trends_by_group_family.xlsx"))

    facts = read_frame(warehouse, "select * from marts.incident_facts")
    facts["year"] = pd.to_datetime(facts["event_date"]).dt.year
    facts = facts[(facts["country"] == "Pakistan") & (facts["year"] >= 2007)]
    keys = ["year", "source", "violence_class", "group_family_id"]
    expected = (
        facts.assign(
            group_family_id=facts["group_family_id"].fillna("(none)"),
            violence_class=facts["violence_class"].fillna("(none)"),
        )
        .groupby(keys)
        .size()
        .rename("expected")
        .reset_index()
    )
    got = trends.assign(
        group_family_id=trends["group_family_id"].fillna("(none)"),
        violence_class=trends["violence_class"].fillna("(none)"),
    )
    merged = got.merge(expected, on=keys, how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["incidents"] == merged["expected"]).all()

    pips = read_frame(
        warehouse,
        "select year(period_start) as year, measure, value from core.published_aggregates "
        "where publisher = 'PIPS' and period_grain = 'year' and country = 'Pakistan' and is_preferred",
    )
    killed = dict(zip(pips.loc[pips["measure"] == "killed", "year"], pips.loc[pips["measure"] == "killed", "value"]))
    for _, row in trends.iterrows():
        assert (pd.isna(row["pips_killed"]) and row["year"] not in killed) or row["pips_killed"] == killed[row["year"]]
    totals = _read(folder / "pips_yearly_totals.csv")
    assert set(totals["year"]) == {y for y in pips["year"] if y >= 2007}


def test_groups_filter_keeps_the_family_only(built_warehouse, tmp_path):
    _, warehouse, _ = built_warehouse
    folder, manifest = _export_cli("newsroom_ttp_family_incidents", warehouse, tmp_path)
    exported = _read(folder / "incidents.csv")
    facts = read_frame(warehouse, "select * from marts.incident_facts")
    expected = facts[
        (facts["group_family_id"] == "ttp")
        & (facts["country"] == "Pakistan")
        & (pd.to_datetime(facts["event_date"]).dt.year >= 2018)
    ]
    assert set(exported["incident_id"]) == set(expected["incident_id"])
    assert manifest["filters"] == {"country": ["Pakistan"], "years": {"from": 2018}, "groups": ["ttp"]}


def _profile(name="probe", filters=None, keep_last=3, **table) -> ExportProfile:
    table = table or {"table": "core.incidents"}
    return parse_profile(
        name,
        {
            "owner": "tests",
            "formats": ["csv"],
            "keep_last": keep_last,
            "filters": filters,
            "tables": [{"name": "rows", **table}],
        },
    )


@pytest.mark.parametrize(
    "filters",
    [
        {"country": "Pakistan' or '1'='1"},
        {"country": ["x'); drop table core.incidents; --"]},
        {"groups": ["ttp' or true or '"]},
        {"groups": ['"group_family_id"'], "country": 'Pakistan" or 1=1 --'},
    ],
)
def test_filters_with_injection_strings_match_nothing_and_change_nothing(built_warehouse, tmp_path, filters):
    _, warehouse, _ = built_warehouse
    before = read_table(warehouse, "select count(*) from core.incidents")[0][0]
    profile = _profile(filters=filters, table="marts.incident_facts")
    result = run_export(profile, warehouse, tmp_path)
    assert [f["rows"] for f in result.manifest["files"]] == [0]
    assert len(pd.read_csv(result.folder / "rows.csv")) == 0
    assert read_table(warehouse, "select count(*) from core.incidents")[0][0] == before > 0


def test_a_filter_on_a_column_the_table_lacks_is_refused(built_warehouse, tmp_path):
    _, warehouse, _ = built_warehouse
    profile = _profile(filters={"groups": ["ttp"]}, table="core.groups")
    with pytest.raises(ExportError, match="group_family_id"):
        run_export(profile, warehouse, tmp_path)
    assert list((tmp_path / "probe").iterdir()) == []


@pytest.mark.parametrize("name", ["../escape", "/tmp/absolute", "a/b", "..", "UPPER", ""])
def test_profile_names_that_could_leave_the_root_are_refused(name):
    with pytest.raises(ExportError, match="not allowed"):
        _profile(name=name)


def test_table_names_and_table_references_are_validated():
    with pytest.raises(ExportError, match="not allowed"):
        parse_profile("ok", {"owner": "t", "formats": ["csv"], "tables": [{"name": "../../x", "table": "core.groups"}]})
    with pytest.raises(ExportError, match="schema.table"):
        _profile(table="core.groups; drop table core.groups")


def test_cli_refuses_a_profile_file_that_escapes_the_root(built_warehouse, tmp_path):
    _, warehouse, _ = built_warehouse
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(
        "profiles:\n  ../../escaped:\n    owner: x\n    formats: [csv]\n"
        "    tables: [{name: groups, table: core.groups}]\n"
    )
    root = tmp_path / "root" / "exports"
    result = run_cli(
        "export", "../../escaped", "--profiles", str(profiles), "--warehouse", str(warehouse), "--out", str(root)
    )
    assert result.returncode == 1
    assert "not allowed" in result.stderr
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "root").exists()


def test_a_profile_built_around_validation_is_still_refused(built_warehouse, tmp_path):
    _, warehouse, _ = built_warehouse
    sneaky = ExportProfile("../outside", "x", "", ("csv",), 1, _profile().tables)
    with pytest.raises(ExportError):
        run_export(sneaky, warehouse, tmp_path / "root")
    assert not (tmp_path / "outside").exists()


def test_symlinks_under_or_at_the_root_are_refused(built_warehouse, tmp_path):
    _, warehouse, _ = built_warehouse
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "probe").symlink_to(outside)
    with pytest.raises(ExportError, match="symlink"):
        run_export(_profile(), warehouse, root)
    linked_root = tmp_path / "linked_root"
    linked_root.symlink_to(outside)
    with pytest.raises(ExportError, match="symlink"):
        run_export(_profile(), warehouse, linked_root)
    assert list(outside.iterdir()) == []


def test_keep_last_keeps_the_newest_exports_and_a_failed_export_leaves_nothing(built_warehouse, tmp_path):
    _, warehouse, _ = built_warehouse
    start = dt.datetime(2024, 1, 7, 4, 0, 0, tzinfo=dt.UTC)
    results = [
        run_export(_profile(keep_last=2), warehouse, tmp_path, now=start + dt.timedelta(seconds=i)) for i in range(3)
    ]
    assert sorted(p.name for p in (tmp_path / "probe").iterdir()) == ["2024-01-07T040001", "2024-01-07T040002"]
    assert results[2].removed == [results[0].folder]

    broken = _profile(keep_last=2, sql="select * from core.no_such_table")
    with pytest.raises(duckdb.Error):
        run_export(broken, warehouse, tmp_path, now=start + dt.timedelta(seconds=10))
    assert sorted(p.name for p in (tmp_path / "probe").iterdir()) == ["2024-01-07T040001", "2024-01-07T040002"]


def test_the_dagster_asset_writes_an_export_with_its_run_id(built_warehouse, tmp_path, monkeypatch):
    from pipelines.defs.exports.assets import export_asset
    from pipelines.engine.resources import WarehouseResource

    _, warehouse, _ = built_warehouse
    monkeypatch.setenv("PIPELINES_EXPORT_ROOT", str(tmp_path))
    profile = load_profiles()["research_incidents_full"]
    asset = export_asset(profile, dg.AssetKey(["meta", "published_warehouse"]))
    result = dg.materialize([asset], resources={"warehouse": WarehouseResource(path=str(warehouse))})
    assert result.success
    folders = list((tmp_path / "research_incidents_full").iterdir())
    assert len(folders) == 1
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    assert manifest["dagster_run_id"] == result.run_id


def test_export_help_and_unknown_profile():
    help_text = run_cli("export", "--help")
    assert help_text.returncode == 0 and "--out" in help_text.stdout and "--warehouse" in help_text.stdout
    unknown = run_cli("export", "no_such_profile", "--warehouse", str(PROJECT_ROOT / "missing.duckdb"))
    assert unknown.returncode == 1 and "research_incidents_full" in unknown.stderr
