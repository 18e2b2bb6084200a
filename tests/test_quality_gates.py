"""Blocking checks: a file that would corrupt an analysis stops publishing; WARN problems do not."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import copy_built, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gtd_rows(shared_data):
    frame = pd.read_csv(shared_data / "gtd" / "gtd_0814_extract_31col.csv", dtype=str, keep_default_na=False)
    return frame[frame["country_txt"] == "Pakistan"].head(40).copy()


def build_file(warehouse):
    return warehouse.parent / ".build" / warehouse.name


def test_negative_fatalities_and_duplicate_ids_block_the_run(gtd_rows, built_warehouse, tmp_path):
    raw, warehouse = copy_built(built_warehouse, tmp_path)  # the curated data's warehouse; GTD files added
    (raw / "gtd").mkdir()
    gtd_rows.to_csv(raw / "gtd" / "good.csv", index=False)
    assert run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse)).returncode == 0
    published = warehouse.read_bytes()
    before = read_table(warehouse, "select * from core.incidents order by incident_id")

    bad = gtd_rows.head(5).copy()
    bad["eventid"] = [str(9_000_000_000_00 + i) for i in range(5)]
    bad.loc[bad.index[1], "nkill"] = "-5"
    bad.loc[bad.index[3], "eventid"] = bad.iloc[2]["eventid"]
    bad.to_csv(raw / "gtd" / "bad.csv", index=False)
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode != 0
    assert "core.incidents:incident_id_unique" in result.stdout and "core.incidents:gx_errors" in result.stdout

    failures = dict(
        read_table(
            build_file(warehouse),
            "select asset || ':' || check_name, unexpected_sample from dq.check_results "
            "where not success and severity = 'ERROR'",
        )
    )
    assert any(f"gtd:{bad.iloc[2]['eventid']}" in s for s in failures["core.incidents:incident_id_unique"])
    # The GX suite (expectations/core.incidents.json) names the row with the negative count.
    negative = f"gtd:{bad.iloc[1]['eventid']}"
    assert any("fatalities_best" in s and s.endswith(negative) for s in failures["core.incidents:gx_errors"])
    # Analysts still have the previous good warehouse, byte for byte.
    assert warehouse.read_bytes() == published
    assert read_table(warehouse, "select * from core.incidents order by incident_id") == before


def test_warn_only_problems_let_the_run_finish(gtd_rows, built_warehouse, tmp_path):
    raw, warehouse = copy_built(built_warehouse, tmp_path)  # the curated data's warehouse; GTD files added
    (raw / "gtd").mkdir()
    odd = gtd_rows.copy()
    odd["gname"] = [f"Unheard-of Front {i}" for i in range(len(odd))]  # nobody resolves these
    odd.to_csv(raw / "gtd" / "odd.csv", index=False)
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout
    assert "WARN  core.incidents:unresolved_perpetrators_share" in result.stdout
    rows = read_table(
        warehouse,
        "select success, severity, unexpected_sample from dq.check_results "
        "where check_name = 'unresolved_perpetrators_share'",
    )
    assert rows and rows[-1][0] is False and rows[-1][1] == "WARN" and rows[-1][2][0].startswith("gtd: 40 of 40")
    names = read_table(
        warehouse,
        "select count(*) from dq.unresolved_groups where source = 'gtd' "
        "and perpetrator_raw like 'Unheard-of Front%' and not is_not_a_group",
    )
    assert names == [(40,)]
