"""Mapped datasets (raw/mapped/<dataset>/ + mapping.yaml) on the real Kaggle and BIJ files, checked against an
independent pandas reading of each file; plus a user's new dataset and bad mappings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipelines.defs.incidents.sources.mapped import ADAPTER, MappingError, load_mapping
from tests.conftest import PROJECT_ROOT, copy_curated, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

MAPPINGS = PROJECT_ROOT / "mappings"
SUICIDE_V11 = "kaggle_pakistan/pakistan_suicide_attacks_ver11_plus2.csv"
SUICIDE_OLDER = "kaggle_pakistan/pakistan_suicide_attacks_older_cleaned.csv"
DRONES_JAN = "kaggle_pakistan/pakistan_drone_attacks_2017-01.csv"
DRONES_NOV = "kaggle_pakistan/pakistan_drone_attacks_2017-11.csv"
BIJ = "bij_drones/bij_pakistan_strikes_2004_2018.xlsx"
BIJ_SHEET = "Drone strikes data"

# A dataset a user adds without code: a CSV and a mapping, written here.
USER_CSV = """Ref,Day,Province,Dead,Hurt,Group,Note
P-1,03/01/2019,KP,4,10+,Tehrik-i-Taliban Pakistan,
P-2,15/01/2019,Balochistan,2,,BLA,"two lines
in one cell"
P-3,20/01/2019,Sindh,three,1,Unknown,
P-4,31/02/2019,Punjab,1,1,Unknown,
TOTAL,,,7,11,,
"""
USER_MAPPING = """
source_name: user_attacks
description: attacks a user compiled from reports
id_column: Ref
columns:
  event_date: {column: Day, date_formats: ['%d/%m/%Y']}
  admin1: Province
  fatalities_best: {column: Dead, parser: int}
  wounded: {column: Hurt, parser: int_lenient}
  perpetrator_raw: Group
constants:
  event_type: attack
  country: Pakistan
drop_rows:
  - {column: Ref, equals: TOTAL, reason: summary row (TOTAL)}
"""


def csv_frame(path: Path) -> pd.DataFrame:
    return pd.read_csv(
        path, encoding="cp1252" if "older" not in path.name else "latin-1", dtype=str, keep_default_na=False
    )


def number(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.str.strip().replace("", None))


@pytest.fixture(scope="module")
def frames(shared_data):
    return {
        "suicide_v11": csv_frame(shared_data / SUICIDE_V11),
        "suicide_older": csv_frame(shared_data / SUICIDE_OLDER),
        "drones_jan": csv_frame(shared_data / DRONES_JAN),
        "drones_nov": csv_frame(shared_data / DRONES_NOV),
        "bij": pd.read_excel(shared_data / BIJ, sheet_name=BIJ_SHEET, dtype=str),
    }


@pytest.fixture(scope="module")
def mapped_warehouse(shared_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("mapped")
    raw = copy_curated(root)
    layout = {
        "kaggle_suicide": ("kaggle_pakistan_suicide_attacks.yaml", [SUICIDE_V11, SUICIDE_OLDER]),
        "kaggle_drones": ("kaggle_pakistan_drone_attacks.yaml", [DRONES_JAN, DRONES_NOV]),
        "bij": ("bij_pakistan_drone_strikes.yaml", [BIJ]),
    }
    for dataset, (mapping, files) in layout.items():
        folder = raw / "mapped" / dataset
        folder.mkdir(parents=True)
        shutil.copy(MAPPINGS / mapping, folder / "mapping.yaml")
        for name in files:
            (folder / Path(name).name).symlink_to(shared_data / name)
    user = raw / "mapped" / "user_attacks"
    user.mkdir()
    (user / "attacks_2019.csv").write_text(USER_CSV)
    (user / "mapping.yaml").write_text(USER_MAPPING)
    (user / "notes.txt").write_text("not a data file")
    warehouse = root / "w.duckdb"
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout + result.stderr
    return raw, warehouse


def loads(warehouse) -> dict[str, tuple[int, int, int]]:
    return {
        f: (read, loaded, quarantined)
        for f, read, loaded, quarantined in read_table(
            warehouse,
            "select source_file, rows_read, rows_loaded, rows_quarantined from dq.file_loads "
            "where source = 'mapped' and is_current",
        )
    }


def staged(warehouse, where: str) -> pd.DataFrame:
    build = warehouse.parent / ".build" / warehouse.name
    rows = read_table(
        build,
        f"select source_event_id, wounded_high, longitude, parse_notes, raw_values from staging.mapped where {where}",
    )
    return pd.DataFrame(rows, columns=["id", "wounded_high", "longitude", "parse_notes", "raw_values"])


def test_partitions_are_data_files_one_level_down(mapped_warehouse):
    raw, _ = mapped_warehouse
    keys = [ADAPTER.partition_key(p, raw) for p in ADAPTER.files(raw)]
    assert "user_attacks/attacks_2019.csv" in keys and "bij/bij_pakistan_strikes_2004_2018.xlsx" in keys
    assert not any(k.endswith(("mapping.yaml", "notes.txt")) for k in keys)
    assert len(keys) == 6


def test_rows_read_equal_the_files_data_rows(frames, mapped_warehouse):
    _, warehouse = mapped_warehouse
    found = loads(warehouse)
    expected = {
        "mapped/kaggle_suicide/" + Path(SUICIDE_V11).name: len(frames["suicide_v11"]),
        "mapped/kaggle_suicide/" + Path(SUICIDE_OLDER).name: len(frames["suicide_older"]),
        "mapped/kaggle_drones/" + Path(DRONES_JAN).name: len(frames["drones_jan"]),
        "mapped/kaggle_drones/" + Path(DRONES_NOV).name: len(frames["drones_nov"]),
        "mapped/bij/" + Path(BIJ).name: len(frames["bij"]),
    }
    assert list(expected.values()) == [498, 492, 398, 405, 430]
    for source_file, rows in expected.items():
        read, loaded, quarantined = found[source_file]
        assert read == rows and read == loaded + quarantined, source_file


def test_totals_rows_are_quarantined_with_their_reason(frames, mapped_warehouse):
    _, warehouse = mapped_warehouse
    for key, name in (("drones_jan", DRONES_JAN), ("drones_nov", DRONES_NOV)):
        frame = frames[key]
        blank = [i + 1 for i in frame.index[frame["S#"].str.strip() == ""]]
        assert len(blank) == 1
        rows = read_table(
            warehouse,
            "select row_number, column_name, reason, raw_values from dq.quarantine "
            f"where source_file = 'mapped/kaggle_drones/{Path(name).name}'",
        )
        assert [(r[0], r[1], r[2]) for r in rows] == [(blank[0], "S#", "summary row (TOTALS)")]
        # the summary's figures are kept as published
        assert json.loads(rows[0][3])["Total Died Mix"] == frame.iloc[blank[0] - 1]["Total Died Mix"]


def test_lenient_counts_load_with_the_raw_text_kept(frames, mapped_warehouse):
    _, warehouse = mapped_warehouse
    frame = frames["suicide_v11"]
    plus = frame[frame["Injured Max"].str.strip().str.fullmatch(r"\d+\+")]
    assert set(plus["Injured Max"].str.strip()) == {"40+", "100+"}
    rows = staged(warehouse, "source_file like '%ver11%'").set_index("id")
    for _, source in plus.iterrows():
        row = rows.loc[source["S#"]]
        assert row["wounded_high"] == float(source["Injured Max"].strip().rstrip("+"))
        assert f"'{source['Injured Max'].strip()}' read as" in row["parse_notes"]
        assert json.loads(row["raw_values"])["Injured Max"] == source["Injured Max"]


def test_unparseable_cells_load_as_null_with_the_raw_kept(frames, mapped_warehouse):
    """Decision (docs/mappings.md): the shipped suicide mapping sets on_error: null for coordinates and wounded,
    so the attack and its deaths still count; the field is NULL, parse_notes names the column, raw_values
    keeps the cell. Nothing from the suicide file is quarantined."""
    _, warehouse = mapped_warehouse
    frame = frames["suicide_v11"]
    bad_longitude = frame[frame["Longitude"] == "?1.456944"]
    url = frame[frame["Injured Max"].str.startswith("http")]
    assert len(bad_longitude) == 1 and len(url) == 1
    rows = staged(warehouse, "source_file like '%ver11%'").set_index("id")
    row = rows.loc[bad_longitude.iloc[0]["S#"]]
    assert pd.isna(row["longitude"]) and "Longitude '?1.456944' is not a number" in row["parse_notes"]
    assert json.loads(row["raw_values"])["Longitude"] == "?1.456944"
    row = rows.loc[url.iloc[0]["S#"]]
    assert pd.isna(row["wounded_high"]) and "Injured Max 'http" in row["parse_notes"]
    assert json.loads(row["raw_values"])["Injured Max"] == url.iloc[0]["Injured Max"]
    assert (
        read_table(warehouse, "select count(*) from dq.quarantine where source_file like 'mapped/kaggle_suicide/%'")[0][
            0
        ]
        == 0
    )


def test_suicide_yearly_counts_and_killed_match(frames, mapped_warehouse):
    _, warehouse = mapped_warehouse
    frame = frames["suicide_v11"]
    low, high = number(frame["Killed Min"]), number(frame["Killed Max"])
    expected = (
        pd.DataFrame(
            {
                "year": frame["Date"].str.strip().str[-4:].astype(int),
                "low": low,
                "high": high,
                "best": low.fillna(high),  # mapping: best_estimate low
            }
        )
        .groupby("year")
        .agg(incidents=("low", "size"), low=("low", "sum"), high=("high", "sum"), best=("best", "sum"))
    )
    rows = read_table(
        warehouse,
        """
        select year(event_date), count(*), coalesce(sum(fatalities_low), 0), coalesce(sum(fatalities_high), 0),
               coalesce(sum(fatalities_best), 0)
        from core.incidents where source = 'kaggle_suicide' group by 1 order by 1""",
    )
    actual = pd.DataFrame(rows, columns=["year", "incidents", "low", "high", "best"]).set_index("year")
    for column in ("incidents", "low", "high", "best"):
        assert actual[column].astype(float).to_dict() == expected[column].astype(float).to_dict(), column
    # the newer file wins over the older version for the events both hold; every row is an attack, suicide
    (files, suicide, types) = read_table(
        warehouse,
        """
        select list(distinct source_file), bool_and(is_suicide), list(distinct event_type)
        from core.incidents where source = 'kaggle_suicide'""",
    )[0]
    assert files == ["mapped/kaggle_suicide/" + Path(SUICIDE_V11).name] and suicide and types == ["attack"]


def test_suicide_dates_match_an_independent_parse(frames, mapped_warehouse):
    _, warehouse = mapped_warehouse
    frame = frames["suicide_v11"]
    # independent reading: drop the weekday, then let pandas read month names of any form
    text = frame["Date"].str.replace(r"^[A-Za-z]+-", "", regex=True).str.replace("-", " ")
    expected = dict(zip("kaggle_suicide:" + frame["S#"], pd.to_datetime(text, format="mixed").dt.date))
    actual = dict(
        read_table(warehouse, "select incident_id, event_date from core.incidents where source = 'kaggle_suicide'")
    )
    assert actual == expected


def test_drone_versions_keep_the_newer_file_per_strike(frames, mapped_warehouse):
    _, warehouse = mapped_warehouse
    nov = frames["drones_nov"][frames["drones_nov"]["S#"].str.strip() != ""]
    rows = read_table(
        warehouse,
        "select source_event_id, source_file, fatalities_high, perpetrator_raw, "
        "event_type from core.incidents where source = 'kaggle_drones'",
    )
    assert sorted(r[0] for r in rows) == sorted(nov["S#"])
    assert {r[1] for r in rows} == {"mapped/kaggle_drones/" + Path(DRONES_NOV).name}
    assert sum(r[2] or 0 for r in rows) == number(nov["Total Died Mix"]).sum()
    assert {(r[3], r[4]) for r in rows} == {("United States", "drone_strike")}
    # the extra columns of the Nov 2017 version are kept in raw_values
    build = warehouse.parent / ".build" / warehouse.name
    (raw,) = read_table(
        build, "select raw_values from staging.mapped where source_file like '%2017-11%' and source_event_id = '1'"
    )[0]
    assert {"No of Strike", "Temperature(C)"} <= set(json.loads(raw))


def test_bij_strikes(frames, mapped_warehouse):
    _, warehouse = mapped_warehouse
    frame = frames["bij"]
    rows = read_table(
        warehouse,
        "select source_event_id, fatalities_low, fatalities_high, fatalities_best, "
        "event_date, admin1 from core.incidents where source = 'bij'",
    )
    assert sorted(r[0] for r in rows) == sorted(frame["Strike ID"])
    assert sum(r[1] for r in rows) == number(frame["Minimum total people killed"]).sum()
    assert sum(r[2] for r in rows) == number(frame["Maximum total people killed"]).sum()
    assert all(r[1] == r[3] for r in rows)  # best_estimate low
    dates = dict(zip(frame["Strike ID"], pd.to_datetime(frame["Date"]).dt.date))
    assert {r[0]: r[4] for r in rows} == dates
    waziristan = frame.loc[frame["Area"].str.strip() == "North Waziristan", "Strike ID"]
    assert {r[5] for r in rows if r[0] in set(waziristan)} == {"FATA"}


def test_a_users_new_dataset_loads_without_code(mapped_warehouse):
    _, warehouse = mapped_warehouse
    assert loads(warehouse)["mapped/user_attacks/attacks_2019.csv"] == (5, 2, 3)
    quarantined = read_table(
        warehouse,
        "select row_number, column_name, reason from dq.quarantine "
        "where source_file = 'mapped/user_attacks/attacks_2019.csv' order by 1",
    )
    assert [(r[0], r[1]) for r in quarantined] == [(3, "Dead"), (4, "Day"), (5, "Ref")]
    assert "'three' is not a whole number" in quarantined[0][2]
    assert "'31/02/2019' matches none of the date_formats" in quarantined[1][2]
    assert quarantined[2][2] == "summary row (TOTAL)"
    rows = read_table(
        warehouse,
        "select incident_id, event_date, admin1, fatalities_best, wounded, group_id "
        "from core.incidents where source = 'user_attacks' order by 1",
    )
    assert [(r[0], str(r[1]), r[2], r[3], r[4]) for r in rows] == [
        ("user_attacks:P-1", "2019-01-03", "Khyber Pakhtunkhwa", 4.0, 10.0),
        ("user_attacks:P-2", "2019-01-15", "Balochistan", 2.0, None),
    ]
    assert rows[0][5] == "ttp"  # resolved through the curated aliases


def write_mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    return path


def test_bad_mappings_fail_naming_the_file_and_the_key(tmp_path):
    unknown_parser = write_mapping(tmp_path, USER_MAPPING.replace("parser: int}", "parser: integer}"))
    with pytest.raises(MappingError) as error:
        load_mapping(unknown_parser)
    assert str(unknown_parser) in str(error.value) and "columns.fatalities_best.parser" in str(error.value)
    assert "unknown parser 'integer'" in str(error.value)

    no_id = write_mapping(tmp_path, USER_MAPPING.replace("id_column: Ref\n", ""))
    with pytest.raises(MappingError) as error:
        load_mapping(no_id)
    assert str(no_id) in str(error.value) and "'id_column': missing required key" in str(error.value)

    no_date = write_mapping(
        tmp_path, USER_MAPPING.replace("  event_date: {column: Day, date_formats: ['%d/%m/%Y']}\n", "")
    )
    with pytest.raises(MappingError, match="columns.event_date"):
        load_mapping(no_date)


def test_shipped_mappings_are_valid():
    for path in sorted(MAPPINGS.glob("*.yaml")):
        load_mapping(path)


def test_a_bad_mapping_fails_its_file_in_a_run(tmp_path):
    raw = copy_curated(tmp_path)
    folder = raw / "mapped" / "broken"
    folder.mkdir(parents=True)
    (folder / "attacks.csv").write_text(USER_CSV)
    (folder / "mapping.yaml").write_text(USER_MAPPING.replace("parser: int}", "parser: integer}"))
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "mapping.yaml" in output and "columns.fatalities_best.parser" in output
