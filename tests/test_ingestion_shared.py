"""The ingestion acceptance run: every shared dataset in one raw directory, nothing lost."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import read_table

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow


def test_every_file_is_read_in_full(shared_warehouse, shared_data):
    _, warehouse, result = shared_warehouse
    assert "SUCCESS" in result.stdout
    loads = {
        r[0]: r[1:]
        for r in read_table(
            warehouse,
            "select source_file, rows_read, rows_loaded, rows_quarantined from dq.file_loads where is_current",
        )
    }
    expected = {
        "gtd/gtd_0814_extract_31col.csv": len(pd.read_csv(shared_data / "gtd/gtd_0814_extract_31col.csv", dtype=str)),
        "ucdp_ged/ged221_pakistan_hdx.csv": len(
            pd.read_csv(shared_data / "ucdp_ged/ged221_pakistan_hdx.csv", dtype=str, skiprows=[1])
        ),
        "newamerica_drones/newamerica_pakistan_strikes_2004_2018.csv": len(
            pd.read_csv(shared_data / "newamerica_drones/newamerica_pakistan_strikes_2004_2018.csv", dtype=str)
        ),
        "mapped/bij_drones/bij_pakistan_strikes_2004_2018.xlsx": len(
            pd.read_excel(
                shared_data / "bij_drones/bij_pakistan_strikes_2004_2018.xlsx",
                sheet_name="Drone strikes data",
                dtype=str,
            ).dropna(how="all")
        ),
        "mapped/kaggle_suicide/pakistan_suicide_attacks_ver11_plus2.csv": len(
            pd.read_csv(
                shared_data / "kaggle_pakistan/pakistan_suicide_attacks_ver11_plus2.csv", dtype=str, encoding="cp1252"
            )
        ),
        "mapped/kaggle_drones/pakistan_drone_attacks_2017-11.csv": len(
            pd.read_csv(
                shared_data / "kaggle_pakistan/pakistan_drone_attacks_2017-11.csv", dtype=str, encoding="latin-1"
            )
        ),
    }
    assert expected["gtd/gtd_0814_extract_31col.csv"] == 125_087
    assert expected["ucdp_ged/ged221_pakistan_hdx.csv"] == 6_416
    for source_file, rows in expected.items():
        read, loaded, quarantined = loads[source_file]
        assert read == rows, source_file
        assert read == loaded + quarantined, source_file


def test_every_error_check_passes_on_the_shared_data(shared_warehouse):
    _, warehouse, _ = shared_warehouse
    failed = read_table(
        warehouse, "select asset, check_name from dq.check_results where severity = 'ERROR' and not success"
    )
    assert failed == []


def test_frequent_perpetrators_resolve_or_are_classed(shared_warehouse):
    _, warehouse, _ = shared_warehouse
    left = read_table(
        warehouse,
        "select source, perpetrator_raw, incidents_pak_afg from dq.unresolved_groups "
        "where incidents_pak_afg >= 20 and not is_not_a_group and source <> 'curated'",
    )
    assert left == []


def test_provinces_use_one_spelling(shared_warehouse):
    _, warehouse, _ = shared_warehouse
    names = {
        r[0]
        for r in read_table(
            warehouse, "select distinct admin1 from core.incidents where country = 'Pakistan' and admin1 is not null"
        )
    }
    assert names <= {
        "Khyber Pakhtunkhwa",
        "FATA",
        "Balochistan",
        "Punjab",
        "Sindh",
        "Islamabad Capital Territory",
        "Azad Kashmir",
        "Gilgit-Baltistan",
    }, names
    late_fata = read_table(
        warehouse, "select count(*) from core.incidents where admin1 = 'FATA' and event_date >= DATE '2018-05-31'"
    )
    assert late_fata == [(0,)]
