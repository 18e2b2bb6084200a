"""UCDP GED adapter: the real HDX Pakistan export (with its HXL hashtag row) and the Candidate release,
checked against pandas recomputations from the raw files; a small two-release run for quarantine and
for which release wins when both hold an event."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from tests.conftest import copy_built, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

HDX = "ged221_pakistan_hdx.csv"
CANDIDATE = "ged_candidate_v23_0_10_global.csv"


def read_ged(path, hxl_row: bool) -> pd.DataFrame:
    # Row 2 of the HDX export is the HXL hashtag row (#date+year, ...): not an event.
    return pd.read_csv(path, dtype=str, keep_default_na=False, skiprows=[1] if hxl_row else None)


@pytest.fixture(scope="module")
def hdx(shared_data) -> pd.DataFrame:
    return read_ged(shared_data / "ucdp_ged" / HDX, hxl_row=True)


@pytest.fixture(scope="module")
def candidate(shared_data) -> pd.DataFrame:
    return read_ged(shared_data / "ucdp_ged" / CANDIDATE, hxl_row=False)


@pytest.fixture(scope="module")
def warehouse(shared_warehouse_with_candidate):
    # The session's build of every shared dataset plus the GED Candidate release holds both UCDP files and no
    # other. Every assertion below is about UCDP rows (source = 'ucdp_ged' or one of its files), so the other
    # sources beside them change nothing.
    raw, wh, _ = shared_warehouse_with_candidate
    assert sorted(p.name for p in (raw / "ucdp_ged").iterdir()) == sorted([CANDIDATE, HDX])
    return wh


def test_every_data_row_is_read_and_the_hxl_row_is_not(warehouse, hdx, candidate):
    loads = {
        r[0]: r[1:]
        for r in read_table(
            warehouse,
            "select source_file, rows_read, rows_loaded, rows_quarantined from dq.file_loads "
            "where source = 'ucdp_ged' and is_current",
        )
    }
    assert len(hdx) == 6416
    assert loads[f"ucdp_ged/{HDX}"] == (len(hdx), len(hdx), 0)
    assert loads[f"ucdp_ged/{CANDIDATE}"] == (len(candidate), len(candidate), 0)
    (hashtags,) = read_table(
        warehouse, "select count(*) from staging.ucdp_ged where year is null or starts_with(coalesce(side_a, ''), '#')"
    )[0]
    assert hashtags == 0


def test_pakistan_events_and_best_deaths_per_year(warehouse, hdx, candidate):
    both = pd.concat([hdx, candidate])
    pakistan = both[both["country"] == "Pakistan"].assign(best=lambda f: f["best"].astype(float))
    expected = pakistan.groupby(pakistan["date_start"].str[:4].astype(int)).agg(
        events=("id", "size"), best=("best", "sum")
    )
    rows = read_table(
        warehouse,
        "select year(event_date), count(*), sum(fatalities_best) from core.incidents "
        "where source = 'ucdp_ged' and country = 'Pakistan' group by 1",
    )
    got = pd.DataFrame(rows, columns=["year", "events", "best"]).set_index("year").sort_index()
    assert got["events"].to_dict() == expected["events"].to_dict()
    assert got["best"].to_dict() == pytest.approx(expected["best"].to_dict())


def test_multi_day_events_are_ranges_ending_on_date_end(warehouse, hdx):
    multi_day = hdx[hdx["date_start"] != hdx["date_end"]]
    assert len(multi_day) == 348
    rows = read_table(
        warehouse,
        "select source_event_id, event_date, event_end_date, date_precision "
        f"from core.incidents where source_file = 'ucdp_ged/{HDX}'",
    )
    core = pd.DataFrame(rows, columns=["id", "event_date", "event_end_date", "date_precision"]).set_index("id")
    assert (core["date_precision"] == "range").sum() == len(multi_day)
    ranged = core.loc[multi_day["id"]]
    assert (ranged["date_precision"] == "range").all()
    assert [str(d) for d in ranged["event_end_date"]] == [d[:10] for d in multi_day["date_end"]]
    assert [str(d) for d in ranged["event_date"]] == [d[:10] for d in multi_day["date_start"]]
    single = core.drop(index=multi_day["id"])
    assert (single["date_precision"] == "day").all() and single["event_end_date"].isna().all()


def test_deaths_are_kept_as_published_and_only_ucdp_contradicts_low_best_high(warehouse, hdx):
    rows = read_table(
        warehouse,
        "select source_event_id, fatalities_low, fatalities_best, fatalities_high "
        f"from core.incidents where source_file = 'ucdp_ged/{HDX}'",
    )
    core = pd.DataFrame(rows, columns=["id", "low", "best", "high"]).set_index("id").sort_index()
    raw = hdx.set_index("id")[["low", "best", "high"]].astype(float).sort_index()
    pd.testing.assert_frame_equal(core, raw, check_dtype=False)
    # low <= best <= high holds for every event where UCDP itself gives an ordered range; the events where
    # UCDP's figures contradict each other are loaded as published (a check flags them), not repaired.
    raw_contradictions = set(raw.index[(raw["low"] > raw["best"]) | (raw["best"] > raw["high"])])
    core_contradictions = set(core.index[(core["low"] > core["best"]) | (core["best"] > core["high"])])
    assert core_contradictions == raw_contradictions


def test_perpetrator_follows_type_of_violence(warehouse, hdx):
    rows = read_table(
        warehouse,
        f"select source_event_id, event_type, perpetrator_raw from core.incidents where source_file = 'ucdp_ged/{HDX}'",
    )
    core = pd.DataFrame(rows, columns=["id", "event_type", "perpetrator_raw"]).set_index("id")
    raw = hdx.set_index("id")
    merged = raw.join(core)
    government = lambda side: side.str.startswith("Government of")  # noqa: E731
    one_sided = merged[merged["type_of_violence"] == "3"]
    assert len(one_sided) == 559
    assert (one_sided["perpetrator_raw"] == one_sided["side_a"]).all()
    assert (one_sided["event_type"] == "one_sided_violence").all()
    state = merged[merged["type_of_violence"] == "1"]
    expected = state["side_b"].where(~government(state["side_b"]), state["side_a"].where(~government(state["side_a"])))
    assert state["perpetrator_raw"].fillna("").tolist() == expected.fillna("").tolist()
    both_governments = state[government(state["side_a"]) & government(state["side_b"])]
    assert len(both_governments) > 0 and both_governments["perpetrator_raw"].isna().all()
    non_state = merged[merged["type_of_violence"] == "2"]
    assert (non_state["perpetrator_raw"] == non_state["side_a"]).all()
    assert (merged.loc[merged["type_of_violence"] != "3", "event_type"] == "battle").all()

    sides = read_table(
        warehouse,
        "select split_part(incident_id, ':', 2), perpetrator_raw, role "
        f"from core.incident_perpetrators where source_file = 'ucdp_ged/{HDX}'",
    )
    listed = set(sides)
    for event_id, row in non_state.iterrows():
        assert (event_id, row["side_a"], "side_a") in listed and (event_id, row["side_b"], "side_b") in listed
    assert not any(
        name.startswith("Government of") for event_id, name, _ in listed if raw.loc[event_id, "type_of_violence"] == "1"
    )


def test_named_sides_resolve_through_ucdp_aliases(warehouse):
    rows = dict(
        read_table(
            warehouse, "select perpetrator_raw, min(group_id) from core.incidents where source = 'ucdp_ged' group by 1"
        )
    )
    aliases = dict(read_table(warehouse, "select alias, group_id from core.group_aliases where source_system = 'ucdp'"))
    assert rows["TTP"] == aliases["TTP"]
    assert rows["al-Qaida"] == aliases["al-Qaida"]


def test_candidate_placeholder_actors_resolve_to_no_group(warehouse, candidate):
    placeholder = lambda side: side.str.startswith("XXX")  # noqa: E731
    government = lambda side: side.str.startswith("Government of")  # noqa: E731
    # The perpetrator rule, recomputed: 1 -> the non-government side (side_b first), 2 and 3 -> side_a.
    perpetrator = candidate["side_a"].where(
        candidate["type_of_violence"] != "1",
        candidate["side_b"].where(
            ~government(candidate["side_b"]), candidate["side_a"].where(~government(candidate["side_a"]))
        ),
    )
    expected = int(placeholder(perpetrator.fillna("")).sum())
    assert expected > 100
    rows = read_table(
        warehouse,
        "select count(*), count(group_id) from core.incidents "
        f"where source_file = 'ucdp_ged/{CANDIDATE}' and perpetrator_raw like 'XXX%'",
    )
    assert rows[0] == (expected, 0)
    (listed, resolved) = read_table(
        warehouse, "select count(*), count(group_id) from core.incident_perpetrators where perpetrator_raw like 'XXX%'"
    )[0]
    assert listed >= expected and resolved == 0


def test_fata_events_after_the_merger_are_khyber_pakhtunkhwa(warehouse, hdx):
    fata = hdx[hdx["adm_1"] == "Federally Administered Tribal Areas"]
    after = set(fata.loc[fata["date_start"].str[:10] >= "2018-05-31", "id"])
    rows = read_table(
        warehouse, f"select source_event_id, admin1 from core.incidents where source_file = 'ucdp_ged/{HDX}'"
    )
    admin1 = dict(rows)
    assert after and all(admin1[i] == "Khyber Pakhtunkhwa" for i in after)
    assert all(admin1[i] == "FATA" for i in set(fata["id"]) - after)


# ---- two small releases written here: quarantine reasons, and the newer release wins an event -------------


@pytest.fixture(scope="module")
def two_releases(hdx, built_warehouse, tmp_path_factory):
    # added to the warehouse of the curated data (an incremental build of what the source reaches)
    raw, wh = copy_built(built_warehouse, tmp_path_factory.mktemp("ucdp_releases"))
    folder = raw / "ucdp_ged"
    folder.mkdir()
    header = list(hdx.columns)
    # non-state events (both sides are perpetrators), all before the newer release's extra event
    sample = hdx[(hdx["type_of_violence"] == "2") & (hdx["date_end"] < "2011")].head(6).to_dict("records")
    bad = [
        dict(sample[0], id=""),
        dict(sample[1], id=sample[2]["id"]),
        dict(sample[3], date_start="2009-02-30"),
        dict(sample[4], best="n/a"),
    ]
    older = [sample[2], sample[5], *bad]
    edited = dict(sample[5], best="99", high="120")
    later = dict(sample[5], id="990000001", date_start="2011-03-01 00:00:00.000", date_end="2011-03-01 00:00:00.000")
    with open(folder / "ged_release_a.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        handle.write(
            ",".join("#date+year" if c == "year" else "#group+name+first" if c == "side_a" else "" for c in header)
            + "\n"
        )
        writer.writerows(older)
    with open(folder / "ged_release_0_newer.csv", "w", newline="") as handle:  # sorts first by name
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows([edited, later])
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(wh))
    assert result.returncode == 0, result.stdout + result.stderr
    return wh, sample, edited


def test_unusable_rows_are_quarantined_with_the_column_and_why(two_releases):
    wh, sample, _ = two_releases
    (loads,) = read_table(
        wh,
        "select rows_read, rows_loaded, rows_quarantined from dq.file_loads "
        "where source_file = 'ucdp_ged/ged_release_a.csv'",
    )
    assert loads == (6, 2, 4)  # the hashtag row is neither read nor quarantined
    rows = read_table(
        wh,
        "select row_number, column_name, reason from dq.quarantine "
        "where source_file = 'ucdp_ged/ged_release_a.csv' order by row_number",
    )
    assert [(r[0], r[1]) for r in rows] == [(3, "id"), (4, "id"), (5, "date_start"), (6, "best")]
    assert rows[0][2] == "id is empty"
    assert rows[1][2] == f"duplicate id {sample[2]['id']} (first at row 1)"
    assert "2009-02-30" in rows[2][2] and "n/a" in rows[3][2]


def test_an_event_in_two_releases_is_taken_once_from_the_newer(two_releases):
    wh, sample, edited = two_releases
    rows = read_table(
        wh,
        "select source_file, fatalities_best, fatalities_high from core.incidents "
        f"where incident_id = 'ucdp_ged:{sample[5]['id']}'",
    )
    assert rows == [("ucdp_ged/ged_release_0_newer.csv", 99.0, 120.0)]
    (duplicates,) = read_table(wh, "select count(*) - count(distinct incident_id) from core.incidents")[0]
    assert duplicates == 0
    (perpetrators,) = read_table(
        wh,
        "select count(*) from core.incident_perpetrators "
        f"where incident_id = 'ucdp_ged:{sample[5]['id']}' "
        "and source_file <> 'ucdp_ged/ged_release_0_newer.csv'",
    )[0]
    assert perpetrators == 0
    (sides,) = read_table(
        wh, f"select count(*) from core.incident_perpetrators where incident_id = 'ucdp_ged:{sample[5]['id']}'"
    )[0]
    assert sides == 2
