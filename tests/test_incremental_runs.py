"""What a run skips must not change what it builds: the no-op stop and group re-resolution by change."""

from __future__ import annotations

import csv

import pytest

from tests.conftest import copy_built, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

HEADER = ["eventid", "iyear", "imonth", "iday", "country_txt", "provstate", "gname", "gname2", "nkill"]
NEW_NAME = "Benchmark Fictional Front"  # resolves to no group until the test adds an alias


def write_gtd(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


def add_alias(raw, alias, group_id):
    with open(raw / "curated" / "group_aliases.csv", "a", newline="") as handle:
        csv.writer(handle).writerow([alias, group_id, "gtd", "test alias", "test", "https://example.org/"])


def run(raw, warehouse):
    return run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))


def groups(warehouse):
    incidents = dict(read_table(warehouse, "select incident_id, group_id from core.incidents where source = 'gtd'"))
    perpetrators = dict(
        read_table(
            warehouse,
            "select incident_id || '/' || role, group_id "
            "from core.incident_perpetrators where incident_id like 'gtd:%'",
        )
    )
    return incidents, perpetrators


def test_alias_changes_re_resolve_only_and_all_stored_names(built_warehouse, tmp_path):
    raw, warehouse = copy_built(built_warehouse, tmp_path)  # the curated data's warehouse; GTD files added
    write_gtd(
        raw / "gtd" / "a.csv",
        [
            ["1", "2010", "5", "3", "Pakistan", "Punjab", NEW_NAME, "", "2"],
            ["2", "2010", "6", "4", "Pakistan", "Sindh", "Tehrik-i-Taliban Pakistan (TTP)", NEW_NAME, "1"],
            ["3", "2011", "1", "1", "Pakistan", "Sindh", "Unknown", "", ""],
        ],
    )
    assert run(raw, warehouse).returncode == 0
    incidents, perpetrators = groups(warehouse)
    assert incidents == {"gtd:1": None, "gtd:2": "ttp", "gtd:3": None}
    assert perpetrators == {
        "gtd:1/primary": None,
        "gtd:2/primary": "ttp",
        "gtd:2/secondary": None,
        "gtd:3/primary": None,
    }

    # a new alias reaches the rows already stored (no file of the source changed) ...
    add_alias(raw, NEW_NAME.upper() + ".", "jua")  # another spelling: it resolves after normalisation
    result = run(raw, warehouse)
    assert result.returncode == 0 and "0 raw file(s) new or changed" in result.stdout
    incidents, perpetrators = groups(warehouse)
    assert incidents == {"gtd:1": "jua", "gtd:2": "ttp", "gtd:3": None}
    assert perpetrators == {
        "gtd:1/primary": "jua",
        "gtd:2/primary": "ttp",
        "gtd:2/secondary": "jua",
        "gtd:3/primary": None,
    }

    # ... and a new file is resolved with it too; removing the alias undoes it everywhere
    write_gtd(raw / "gtd" / "b.csv", [["4", "2012", "2", "2", "Pakistan", "Punjab", NEW_NAME, "", "0"]])
    assert run(raw, warehouse).returncode == 0
    assert groups(warehouse)[0]["gtd:4"] == "jua"
    lines = (raw / "curated" / "group_aliases.csv").read_text().splitlines(keepends=True)
    (raw / "curated" / "group_aliases.csv").write_text("".join(lines[:-1]))
    assert run(raw, warehouse).returncode == 0
    incidents, perpetrators = groups(warehouse)
    assert incidents == {"gtd:1": None, "gtd:2": "ttp", "gtd:3": None, "gtd:4": None}
    assert perpetrators["gtd:2/secondary"] is None and perpetrators["gtd:2/primary"] == "ttp"


def test_a_run_with_nothing_changed_stops_early_and_any_change_rebuilds(built_warehouse, tmp_path):
    raw, warehouse = copy_built(built_warehouse, tmp_path)  # a run on the curated data published it
    published = warehouse.read_bytes()
    (build_id,) = read_table(warehouse, "select build_id from meta.build_info")[0]

    again = run(raw, warehouse)
    assert again.returncode == 0 and "nothing changed" in again.stdout
    assert warehouse.read_bytes() == published  # not even re-published

    with open(raw / "curated" / "non_group_perpetrators.csv", "a", newline="") as handle:
        csv.writer(handle).writerow(["Masked men", "gtd", "unknown", "test row"])
    changed = run(raw, warehouse)
    assert changed.returncode == 0 and "nothing changed" not in changed.stdout
    assert read_table(warehouse, "select build_id from meta.build_info")[0][0] != build_id
    assert read_table(
        warehouse, "select count(*) from staging.curated_non_group_perpetrators where perpetrator_raw = 'Masked men'"
    ) == [(1,)]


def test_a_file_that_failed_to_stage_is_tried_again_not_taken_as_done(built_warehouse, tmp_path):
    raw, warehouse = copy_built(built_warehouse, tmp_path)  # the curated data's warehouse; GTD files added
    write_gtd(raw / "gtd" / "good.csv", [["1", "2010", "5", "3", "Pakistan", "Punjab", "Unknown", "", "2"]])
    (raw / "gtd" / "bad.csv").write_text("eventid,iyear\n5,2010\n")  # no gname: cannot be staged
    first = run(raw, warehouse)
    assert first.returncode != 0
    second = run(raw, warehouse)
    assert second.returncode != 0 and "nothing changed" not in second.stdout and "bad.csv" in second.stdout
