"""The mapping keys of docs/mappings.md on small made-up files, through `python -m pipelines run`, and the
documented keys against those the loader accepts.

Expected values are worked out here from the CSV text (Python's csv module, pandas), not from the loader.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest

from pipelines.defs.incidents.sources import mapped
from tests.conftest import PROJECT_ROOT, copy_curated, read_frame, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

# A suicide-attack list with no event id and one row per attacker (rows 1 and 2 are exact copies), year and
# month in separate columns (0 = unknown month), several perpetrators per cell, -1 for an unknown count.
ATTACKS = """Year,Month,Day,Province,Killed,Injured,Group
2018,5,,FATA,3,10,"Tehrik-i-Taliban Pakistan (TTP) (suspected), Lashkar-e-Islam"
2018,5,,FATA,3,10,"Tehrik-i-Taliban Pakistan (TTP) (suspected), Lashkar-e-Islam"
2018,6,,FATA,2,-1,Tehrik-i-Taliban Pakistan (TTP)
2017,0,,KP,-1,4,Lashkar-e-Islam (suspected)
2016,3,14,Balochistan,5,,"Lashkar-e-Islam, Tehrik-i-Taliban Pakistan (TTP), Jamaat-ul-Ahrar"
"""
ATTACKS_MAPPING = """
source_name: attackers_db
description: one row per attacker, no event id
id_column: _row_number
columns:
  event_date: {year: Year, month: {column: Month, unknown: [0]}, day: Day}
  admin1: Province
  fatalities_best: {column: Killed, parser: int, unknown: [-1, -9, -99]}
  wounded: {column: Injured, parser: int, unknown: [-1]}
perpetrators: {column: Group, separator: ',', suspected_marker: '(suspected)'}
constants:
  event_type: attack
  country: Pakistan
"""
DATASET = "mapped/attackers/attacks.csv"
# A GTD website export mapped with alias_system: gtd: 'Lashkar-e-Islam (Pakistan)' is a spelling only GTD's
# curated aliases know; the same name in the dataset without alias_system stays unresolved.
EXPORT = (
    "eventid,iyear,imonth,iday,provstate,gname,nkill\n201801010001,2018,1,1,Khyber Pakhtunkhwa,"
    "Lashkar-e-Islam (Pakistan),2\n"
)
EXPORT_MAPPING = """
source_name: gtd_web_export
description: GTD website export
id_column: eventid
alias_system: gtd
columns:
  event_date: {year: iyear, month: {column: imonth, unknown: [0]}, day: {column: iday, unknown: [0]}}
  admin1: provstate
  perpetrator_raw: gname
  fatalities_best: {column: nkill, parser: int}
constants:
  event_type: attack
  country: Pakistan
"""


def rows() -> list[dict]:
    return list(csv.DictReader(io.StringIO(ATTACKS)))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("mapping_keys")
    raw = copy_curated(root)
    (raw / "mapped" / "attackers").mkdir(parents=True)
    (raw / "mapped" / "attackers" / "mapping.yaml").write_text(ATTACKS_MAPPING)
    (raw / DATASET).write_text(ATTACKS)
    (raw / "mapped" / "export").mkdir()
    (raw / "mapped" / "export" / "mapping.yaml").write_text(EXPORT_MAPPING)
    (raw / "mapped" / "export" / "gtd.csv").write_text(EXPORT)
    (raw / "mapped" / "plain").mkdir()
    (raw / "mapped" / "plain" / "mapping.yaml").write_text(
        EXPORT_MAPPING.replace("alias_system: gtd\n", "").replace("gtd_web_export", "plain_export")
    )
    (raw / "mapped" / "plain" / "gtd.csv").write_text(EXPORT)
    path = root / "w.duckdb"
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    return path


def incidents(warehouse) -> pd.DataFrame:
    return read_frame(
        warehouse,
        "select * from core.incidents where source = 'attackers_db' "
        "and source_file = 'mapped/attackers/attacks.csv' order by incident_id",
    )


def test_row_number_ids_load_every_row_and_mark_exact_copies(warehouse):
    source = rows()
    assert read_table(
        warehouse,
        "select rows_read, rows_loaded, rows_quarantined from dq.file_loads "
        f"where source_file = '{DATASET}' and is_current",
    ) == [(len(source), len(source), 0)]
    frame = incidents(warehouse)
    assert {i for i in frame["source_event_id"] if i.startswith("attacks#")} == {
        f"attacks#{i}" for i in range(1, len(source) + 1)
    }
    # Exact copies, found by pandas: every later copy points at the first row with the same cells.
    table = pd.read_csv(io.StringIO(ATTACKS), dtype=str, keep_default_na=False)
    table["row"] = range(1, len(table) + 1)
    first = table.groupby(list(table.columns[:-1]))["row"].transform("min")
    expected = {
        f"attackers_db:attacks#{r}": (f"attackers_db:attacks#{f}" if f < r else None)
        for r, f in zip(table["row"], first)
    }
    got = {i: (d if isinstance(d, str) else None) for i, d in zip(frame["incident_id"], frame["duplicate_of"])}
    assert got == expected
    # Counting marts count the attack once: incidents and deaths per year in marts.attack_trends.
    unique = table.drop_duplicates(subset=list(table.columns[:-1]))
    trends = read_frame(
        warehouse,
        "select year(period_start) as year, sum(incidents)::int as incidents "
        "from marts.attack_trends where source = 'attackers_db' and period_grain = 'year' "
        "group by all order by year",
    )
    assert (
        dict(zip(trends["year"], trends["incidents"]))
        == unique["Year"].astype(int).value_counts().sort_index().to_dict()
    )


def test_date_parts_give_the_precision_of_what_is_known(warehouse):
    frame = incidents(warehouse).set_index("source_event_id")
    for i, row in enumerate(rows(), start=1):
        got = frame.loc[f"attacks#{i}"]
        month = int(row["Month"]) if row["Month"] not in ("", "0") else None
        day = int(row["Day"]) if row["Day"] and month else None
        precision = "day" if day else "month" if month else "year"
        assert got["date_precision"] == precision, (i, got["date_precision"])
        assert got["event_date"] == pd.Timestamp(int(row["Year"]), month or 1, day or 1)
    # The 2018 FATA merger (31 May 2018) falls on the side the month says.
    assert frame.loc["attacks#1", "admin1"] == "FATA" and frame.loc["attacks#3", "admin1"] == "Khyber Pakhtunkhwa"


def test_per_field_unknown_codes_leave_the_value_null(warehouse):
    frame = incidents(warehouse).set_index("source_event_id")
    for i, row in enumerate(rows(), start=1):
        killed = None if row["Killed"] in ("-1", "-9", "-99", "") else float(row["Killed"])
        injured = None if row["Injured"] in ("-1", "") else float(row["Injured"])
        got_killed, got_injured = frame.loc[f"attacks#{i}", ["fatalities_best", "wounded"]]
        assert (None if pd.isna(got_killed) else got_killed) == killed
        assert (None if pd.isna(got_injured) else got_injured) == injured


def test_every_perpetrator_with_its_role_and_suspected_flag(warehouse):
    got = read_frame(
        warehouse,
        "select incident_id, perpetrator_raw, role, suspected, group_id "
        "from core.incident_perpetrators where incident_id like 'attackers_db:%'",
    )
    expected = set()
    for i, row in enumerate(rows(), start=1):
        for n, name in enumerate(row["Group"].split(","), start=1):
            suspected = "(suspected)" in name
            expected.add(
                (
                    f"attackers_db:attacks#{i}",
                    name.replace("(suspected)", "").strip(),
                    {1: "primary", 2: "secondary", 3: "tertiary"}[n],
                    suspected,
                )
            )
    assert set(zip(got["incident_id"], got["perpetrator_raw"], got["role"], got["suspected"])) == expected
    groups = dict(zip(got["perpetrator_raw"], got["group_id"]))
    assert groups["Tehrik-i-Taliban Pakistan (TTP)"] == "ttp" and groups["Lashkar-e-Islam"] == "lei"
    # core.incidents names the first perpetrator, without the marker
    first = incidents(warehouse).set_index("source_event_id")["perpetrator_raw"]
    assert first["attacks#4"] == "Lashkar-e-Islam" and first["attacks#5"] == "Lashkar-e-Islam"


def test_an_impossible_date_from_parts_is_quarantined_with_its_reason(tmp_path):
    raw = copy_curated(tmp_path)
    (raw / "mapped" / "attackers").mkdir(parents=True)
    (raw / "mapped" / "attackers" / "mapping.yaml").write_text(ATTACKS_MAPPING)
    (raw / DATASET).write_text(
        "Year,Month,Day,Province,Killed,Injured,Group\n2019,2,30,KP,1,1,TTP\n2019,2,28,KP,1,1,TTP\n"
    )
    warehouse = tmp_path / "w.duckdb"
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout + result.stderr
    assert read_table(warehouse, "select row_number, reason from dq.quarantine") == [
        (1, "Year/Month/Day 2019-2-30 is not a date (event_date)")
    ]


def test_alias_system_resolves_a_spelling_through_that_systems_aliases(warehouse):
    got = dict(
        read_table(
            warehouse,
            "select source, group_id from core.incidents where perpetrator_raw = 'Lashkar-e-Islam (Pakistan)'",
        )
    )
    assert got == {"gtd_web_export": "lei", "plain_export": None}
    perpetrators = dict(
        read_table(
            warehouse,
            "select split_part(incident_id, ':', 1), group_id "
            "from core.incident_perpetrators "
            "where perpetrator_raw = 'Lashkar-e-Islam (Pakistan)'",
        )
    )
    assert perpetrators == {"gtd_web_export": "lei", "plain_export": None}
    # month and day 0 are GTD's unknown codes: here both are known
    assert read_table(warehouse, "select date_precision from core.incidents where source = 'gtd_web_export'") == [
        ("day",)
    ]


# ---- the documentation and the loader agree ----------------------------------------------------------------
def documented_keys(heading: str) -> set[str]:
    """The first column of the table under ``heading`` in docs/mappings.md."""
    text = (PROJECT_ROOT / "docs" / "mappings.md").read_text()
    section = text.split(heading, 1)[1]
    table = re.search(r"\n\|[^\n]*\|\n\|[-| ]+\|\n((?:\|[^\n]*\|\n)+)", section).group(1)
    return {re.search(r"`([^`]+)`", line).group(1) for line in table.splitlines()}


def test_the_documented_mapping_keys_are_exactly_those_the_loader_accepts():
    assert documented_keys("## Keys") == mapped.TOP_KEYS
    assert documented_keys("### Per-field keys") == mapped.FIELD_KEYS
    assert documented_keys("### A date from several columns") == set(mapped.DATE_PARTS) | mapped.DATE_PART_KEYS
    assert documented_keys("### Several perpetrators in one column") == mapped.PERPETRATOR_KEYS


def test_the_documented_alias_source_systems_are_exactly_those_the_loader_accepts():
    from pipelines.defs.reference.curated import ALIAS_SOURCE_SYSTEMS

    text = (PROJECT_ROOT / "docs" / "curated_data.md").read_text()
    line = re.search(r"- `source_system` in: ([^\n]+)", text).group(1)
    assert set(re.findall(r"`([^`]+)`", line)) == set(ALIAS_SOURCE_SYSTEMS)
    assert set(mapped.ALIAS_SYSTEMS) <= set(ALIAS_SOURCE_SYSTEMS)
    documented = re.search(r"`alias_system` \| no \| ([^\n]+)", (PROJECT_ROOT / "docs" / "mappings.md").read_text())
    assert set(re.findall(r"`([a-z_]+)`", documented.group(1))) >= set(mapped.ALIAS_SYSTEMS)


def test_an_unknown_key_is_refused_naming_the_allowed_ones(tmp_path):
    path = tmp_path / "mapping.yaml"
    path.write_text(ATTACKS_MAPPING.replace("perpetrators:", "perpetrator_list:"))
    with pytest.raises(mapped.MappingError, match="key 'perpetrator_list': unknown key"):
        mapped.load_mapping(path)
