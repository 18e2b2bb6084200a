"""Record linkage (pipelines/defs/linkage/matching.py) on small made-up incident tables: the pitfalls docs/linkage.md names
behave as documented, and an incremental re-link after one file changes equals a full re-link."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.defs.linkage import matching as linkage
from pipelines.engine.config import SQL_DIR

FACT_COLUMNS = [
    "incident_id",
    "source",
    "source_file",
    "event_type",
    "is_suicide",
    "attack_type",
    "event_date",
    "date_precision",
    "event_end_date",
    "country",
    "admin1",
    "admin1_harmonized",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "group_family_id",
    "target_type",
    "fatalities_best",
    "fatalities_low",
    "fatalities_high",
]


def strike(
    incident_id: str,
    day: str,
    location: str,
    deaths: float,
    admin2: str = "North Waziristan",
    lat: float | None = None,
    lon: float | None = None,
    low: float | None = None,
    high: float | None = None,
    file: str | None = None,
) -> dict:
    source = incident_id.split(":")[0]
    return {
        "incident_id": incident_id,
        "source": source,
        "source_file": file or f"{source}/list.csv",
        "event_type": "drone_strike",
        "is_suicide": None,
        "attack_type": "Drone strike",
        "event_date": pd.Timestamp(day).date(),
        "date_precision": "day",
        "event_end_date": None,
        "country": "Pakistan",
        "admin1": "FATA",
        "admin1_harmonized": "Khyber Pakhtunkhwa incl. former FATA",
        "admin2": admin2,
        "location": location,
        "latitude": lat,
        "longitude": lon,
        "group_family_id": None,
        "target_type": None,
        "fatalities_best": deaths,
        "fatalities_low": low if low is not None else deaths,
        "fatalities_high": high if high is not None else deaths,
    }


def warehouse(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse (the contract of sql/schema.sql) whose marts.incident_facts holds ``rows``."""
    con = duckdb.connect()
    con.execute((SQL_DIR / "schema.sql").read_text())
    set_facts(con, rows)
    return con


def set_facts(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    frame = pd.DataFrame(rows, columns=FACT_COLUMNS)
    con.register("facts_frame", frame)
    con.execute("""create or replace table marts.incident_facts as
                   select * replace (event_date::date as event_date, event_end_date::date as event_end_date,
                                     is_suicide::boolean as is_suicide, latitude::double as latitude,
                                     longitude::double as longitude, group_family_id::varchar as group_family_id,
                                     target_type::varchar as target_type)
                   from facts_frame""")
    con.unregister("facts_frame")


def links(con) -> set[tuple[str, str]]:
    return {
        tuple(r)
        for r in con.execute("select incident_id_a, incident_id_b from core.event_links where is_link").fetchall()
    }


def clusters(con) -> set[frozenset[str]]:
    rows = con.execute("select cluster_id, list(incident_id) from core.event_clusters group by 1").fetchall()
    return {frozenset(members) for _, members in rows}


def test_a_strike_dated_one_day_later_in_another_source_is_linked():
    con = warehouse(
        [
            strike("newamerica_drones:1", "2010-09-03", "Datta Khel", 4, low=2, high=7),
            strike("bij:Ob115", "2010-09-04", "Datta Khel", 4, low=2, high=4),
        ]
    )
    linkage.relink(con)
    assert links(con) == {("bij:Ob115", "newamerica_drones:1")}
    row = con.execute("select gamma_date, gamma_place from core.event_links").fetchone()
    assert row == (3, 5)  # "one day apart" (levels count down from the first), "place names agree"


def test_a_transliterated_place_name_is_linked():
    con = warehouse(
        [
            strike("kaggle_drones:151", "2010-09-03", "MiranShah", 6, low=6, high=9),
            strike("bij:Ob114", "2010-09-03", "Miram Shah", 6, low=6, high=9),
            strike("newamerica_drones:2", "2010-09-03", "Dattakhel", 3, low=2, high=4),
            strike("bij:Ob115", "2010-09-03", "Datta Khel", 3, low=3, high=4),
        ]
    )
    linkage.relink(con)
    assert links(con) == {("bij:Ob114", "kaggle_drones:151"), ("bij:Ob115", "newamerica_drones:2")}


def test_two_different_strikes_on_the_same_day_in_the_same_agency_stay_apart():
    # (the strikes of 8 September 2010 in North Waziristan as New America and the Bureau tell them)
    con = warehouse(
        [
            strike("newamerica_drones:a", "2010-09-08", "Ambor Shaga", 4),
            strike("newamerica_drones:b", "2010-09-08", "Danday Darpakhel", 10),
            strike("bij:Ob119", "2010-09-08", "Ambar Shaga", 3, low=3, high=4),
            strike("bij:Ob120", "2010-09-08", "Danda Darpakhel", 10),
        ]
    )
    linkage.relink(con)
    assert clusters(con) == {
        frozenset({"newamerica_drones:a", "bij:Ob119"}),
        frozenset({"newamerica_drones:b", "bij:Ob120"}),
    }


def test_one_source_splitting_a_strike_into_two_rows_ends_in_one_cluster():
    # New America tells one strike as two rows (two vehicles hit, 3 and 4 dead); the Bureau as one row of 7
    con = warehouse(
        [
            strike("newamerica_drones:s1", "2012-05-24", "Mir Ali", 3, low=3, high=4),
            strike("newamerica_drones:s2", "2012-05-24", "Mir Ali", 4, low=3, high=4),
            strike("bij:Ob300", "2012-05-24", "Mir Ali", 7, low=4, high=7),
        ]
    )
    linkage.relink(con)
    assert clusters(con) == {frozenset({"newamerica_drones:s1", "newamerica_drones:s2", "bij:Ob300"})}
    representative = con.execute("select incident_id from core.event_clusters where is_representative").fetchall()
    assert len(representative) == 1


def test_every_incident_is_in_exactly_one_cluster_and_unlinked_ones_are_alone():
    rows = [
        strike("newamerica_drones:1", "2010-09-03", "Datta Khel", 4),
        strike("bij:1", "2010-09-03", "Datta Khel", 4),
        strike("bij:2", "2011-01-01", "Wana", 2, admin2="South Waziristan"),
    ]
    con = warehouse(rows)
    linkage.relink(con)
    frame = con.execute("select * from core.event_clusters").df()
    assert sorted(frame.incident_id) == sorted(r["incident_id"] for r in rows)
    assert frame.groupby("cluster_id").is_representative.sum().eq(1).all()
    assert set(frame[frame.incident_id == "bij:2"].cluster_size) == {1}


def test_without_any_link_every_incident_is_its_own_representative_cluster():
    """No pair links (one source, or far apart): the clusters are the incidents themselves, as Splink's
    connected components of a graph without edges would be (matching._cluster skips Splink then)."""
    rows = [
        strike("newamerica_drones:1", "2010-09-03", "Datta Khel", 4),
        strike("newamerica_drones:2", "2012-05-01", "Wana", 2, admin2="South Waziristan"),
        strike("newamerica_drones:3", "2014-11-20", "Mir Ali", 1),
    ]
    con = warehouse(rows)
    linkage.relink(con)
    assert links(con) == set()
    found = con.execute(
        "select incident_id, cluster_id, is_representative, cluster_size, source from core.event_clusters order by 1"
    ).fetchall()
    assert found == [(r["incident_id"], r["incident_id"], True, 1, r["source"]) for r in rows]


def base_rows() -> list[dict]:
    rows = []
    for i in range(30):
        day = pd.Timestamp("2010-01-01") + pd.Timedelta(days=3 * i)
        place = ["Datta Khel", "Mir Ali", "Miram Shah"][i % 3]
        deaths = i % 7 + 1
        rows.append(
            strike(
                f"newamerica_drones:{i}",
                str(day.date()),
                place,
                deaths,
                low=deaths,
                high=deaths + 2,
                file="newamerica_drones/a.csv",
            )
        )
        if i % 4:
            rows.append(
                strike(
                    f"bij:{i}",
                    str((day + pd.Timedelta(days=i % 2)).date()),
                    place,
                    deaths,
                    low=deaths,
                    high=deaths + 1,
                    file="mapped/bij/b.xlsx",
                )
            )
        if i % 3 == 0:  # a third list, whose pairs with New America do not touch the Bureau's file
            rows.append(
                strike(
                    f"kaggle_drones:{i}",
                    str(day.date()),
                    place,
                    deaths,
                    low=deaths - 1,
                    high=deaths + 1,
                    file="mapped/kaggle_drones/k.csv",
                )
            )
    return rows


def table(con, name: str) -> pd.DataFrame:
    frame = con.execute(f"select * from {name}").df()
    return frame.sort_values(list(frame.columns[:2])).reset_index(drop=True)


def test_an_incremental_relink_after_one_file_changes_equals_a_full_relink():
    rows = base_rows()
    con = warehouse(rows)
    first = linkage.relink(con)
    assert first.mode == "full" and first.links > 10
    # the Bureau's file changes: one strike re-dated, one removed, one added
    changed = [dict(r) for r in rows if r["incident_id"] != "bij:5"]
    for r in changed:
        if r["incident_id"] == "bij:6":
            r["event_date"] = (pd.Timestamp(r["event_date"]) + pd.Timedelta(days=1)).date()
    changed.append(strike("bij:99", "2010-01-04", "Mir Ali", 2, low=2, high=3, file="mapped/bij/b.xlsx"))
    set_facts(con, changed)
    second = linkage.relink(con)
    assert second.mode == "incremental" and second.files_relinked == ["mapped/bij/b.xlsx"]
    # only pairs touching the changed file's incidents were scored again
    every_pair = linkage.relink(warehouse(changed)).candidate_pairs
    assert 0 < second.candidate_pairs < every_pair

    fresh = warehouse(changed)
    linkage.relink(fresh, full=True)
    for name in ("core.event_links", "core.event_clusters"):
        pd.testing.assert_frame_equal(table(con, name), table(fresh, name))
    assert ("bij:5", "newamerica_drones:5") not in links(con) and any("bij:99" in pair for pair in links(con))


def test_nothing_changed_scores_nothing():
    con = warehouse(base_rows())
    linkage.relink(con)
    again = linkage.relink(con)
    assert again.mode == "incremental" and again.candidate_pairs == 0 and again.files_relinked == []
