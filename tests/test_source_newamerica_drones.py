"""New America drone strikes (Pakistan) on the real sheet, checked against an independent pandas reading.

One CLI run builds the warehouse from the curated data plus the real sheet. In that run's copy of the
curated files, Wali-ur-Rehman's killing is moved one day earlier, so that the reconciliation of a curated
leadership event with a New America strike on another day (one event, both dates in core.claims) is
exercised on real rows; every other curated row is as shipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import re

import duckdb
import pandas as pd
import pytest

from pipelines.defs.incidents.sources.newamerica_drones import ADAPTER
from pipelines.engine.config import SQL_DIR
from tests.conftest import CURATED_DIR, copy_curated, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

NA_FILE = "newamerica_drones/newamerica_pakistan_strikes_2004_2018.csv"
NA_PAGE = "https://www.newamerica.org/future-security/reports/americas-counterterrorism-wars/the-drone-war-in-pakistan/"
SHIFTED_LEADER = "wali_ur_rehman"  # its curated killing is moved one day earlier in the test's raw copy


def number(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.replace("", None))


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


@pytest.fixture(scope="module")
def strikes(shared_data) -> pd.DataFrame:
    """The sheet as pandas reads it, with the ids the adapter documents: date + ordinal within the date."""
    frame = pd.read_csv(shared_data / NA_FILE, dtype=str, keep_default_na=False)
    frame["day"] = pd.to_datetime(frame["date"], format="%m/%d/%Y")
    ordinal = frame.groupby("day").cumcount() + 1
    frame["incident_id"] = "newamerica_drones:" + frame["day"].dt.strftime("%Y%m%d") + "-" + ordinal.astype(str)
    return frame


@pytest.fixture(scope="module")
def shifted_event() -> dict[str, str] | None:
    """The curated event of SHIFTED_LEADER's killing, as shipped (None if the curated data lacks it)."""
    with open(CURATED_DIR / "leadership_events.csv", encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["leader_id"] == SHIFTED_LEADER and r["event_type"] == "killed"]
    return rows[0] if len(rows) == 1 and rows[0]["event_precision"] == "day" else None


@pytest.fixture(scope="module")
def na_warehouse(shared_data, tmp_path_factory, shifted_event):
    root = tmp_path_factory.mktemp("newamerica")
    raw = copy_curated(root)
    if shifted_event is not None:
        path = raw / "curated" / "leadership_events.csv"
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header, rows = reader.fieldnames, list(reader)
        for row in rows:
            if row["leadership_event_id"] == shifted_event["leadership_event_id"]:
                row["event_date"] = (dt.date.fromisoformat(row["event_date"]) - dt.timedelta(days=1)).isoformat()
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
    (raw / "newamerica_drones").mkdir()
    (raw / "newamerica_drones" / "strikes.csv").symlink_to(shared_data / NA_FILE)
    warehouse = root / "w.duckdb"
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout + result.stderr
    return raw, warehouse


def leaders_of(strikes: pd.DataFrame) -> pd.DataFrame:
    """Rows naming killed leaders, with the number of persons named (commas and "and" between persons
    when more than one was killed; "aka" or "/" join spellings of one person)."""
    named = strikes[number(strikes["leaders_killed"]).fillna(0) > 0].copy()

    def persons(row) -> int:
        if int(row["leaders_killed"]) == 1:
            return 1
        cell = re.sub(r"[\s.,]+$", "", row["leader_names"])
        return len([p for p in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", cell) if p.strip()])

    named["persons"] = named.apply(persons, axis=1)
    return named


def test_every_row_is_read_and_accounted(strikes, na_warehouse):
    _, warehouse = na_warehouse
    ((read, loaded, quarantined),) = read_table(
        warehouse,
        "select rows_read, rows_loaded, rows_quarantined from dq.file_loads where source = 'newamerica_drones'",
    )
    assert read == len(strikes) == 414
    duplicates = int(strikes.drop(columns=["day", "incident_id"]).duplicated().sum())
    assert (loaded, quarantined) == (read - duplicates, duplicates)
    (in_core,) = read_table(warehouse, "select count(*) from core.incidents where source = 'newamerica_drones'")[0]
    assert in_core == loaded


def test_strikes_and_deaths_per_year_match(strikes, na_warehouse):
    _, warehouse = na_warehouse
    frame = strikes.assign(
        low=number(strikes["total_low"]),
        high=number(strikes["total_high"]),
        avg=number(strikes["total_avg"]),
        strikes_n=number(strikes["strikes"]),
    )
    expected = frame.groupby(frame["day"].dt.year).agg(
        strikes=("strikes_n", "sum"), low=("low", "sum"), high=("high", "sum"), best=("avg", "sum")
    )
    rows = read_table(
        warehouse,
        """
        select year(event_date), count(*), sum(fatalities_low), sum(fatalities_high), sum(fatalities_best)
        from core.incidents where source = 'newamerica_drones' group by 1 order by 1""",
    )
    actual = pd.DataFrame(rows, columns=["year", "strikes", "low", "high", "best"]).set_index("year")
    assert actual["strikes"].to_dict() == expected["strikes"].astype(int).to_dict()
    for column in ("low", "high", "best"):
        assert actual[column].round(6).to_dict() == expected[column].round(6).to_dict(), column


def test_each_strike_as_published_with_a_stable_id(strikes, na_warehouse):
    _, warehouse = na_warehouse
    rows = read_table(
        warehouse,
        """
        select incident_id, event_type, event_date, date_precision, country, perpetrator_raw, fatalities_low,
               fatalities_best, fatalities_high
        from core.incidents where source = 'newamerica_drones'""",
    )
    actual = pd.DataFrame(
        rows,
        columns=[
            "incident_id",
            "event_type",
            "event_date",
            "date_precision",
            "country",
            "perpetrator_raw",
            "low",
            "best",
            "high",
        ],
    ).set_index("incident_id")
    expected = strikes.set_index("incident_id")
    assert sorted(actual.index) == sorted(expected.index)  # the documented id: date + ordinal in the date
    assert set(actual["event_type"]) == {"drone_strike"}
    assert set(actual["perpetrator_raw"]) == {"United States"}
    assert set(actual["date_precision"]) == {"day"} and set(actual["country"]) == {"Pakistan"}
    assert (pd.to_datetime(actual["event_date"]) == expected["day"].reindex(actual.index)).all()
    assert (actual["low"] == number(expected["total_low"]).reindex(actual.index)).all()
    assert (actual["best"] == number(expected["total_avg"]).reindex(actual.index)).all()
    assert (actual["high"] == number(expected["total_high"]).reindex(actual.index)).all()
    # the sheet never contradicts itself here, so low <= best <= high holds everywhere
    assert ((actual["low"] <= actual["best"]) & (actual["best"] <= actual["high"])).all()


def test_the_united_states_is_no_group_and_targets_resolve(strikes, na_warehouse):
    _, warehouse = na_warehouse
    assert read_table(
        warehouse, "select count(*) from core.incidents where source = 'newamerica_drones' and group_id is not null"
    ) == [(0,)]
    assert read_table(
        warehouse,
        "select count(*), count(group_id) from core.incident_perpetrators "
        "where incident_id like 'newamerica_drones:%' and role = 'primary'",
    ) == [(414, 0)]
    with open(CURATED_DIR / "group_aliases.csv", encoding="utf-8-sig", newline="") as handle:
        aliases = {r["alias"]: r["group_id"] for r in csv.DictReader(handle) if r["source_system"] == "newamerica"}
    targets = dict(
        read_table(
            warehouse,
            "select p.perpetrator_raw, min(p.group_id) from core.incident_perpetrators p "
            "where p.incident_id like 'newamerica_drones:%' and role = 'target' "
            "group by all",
        )
    )
    for name, group_id in aliases.items():
        if name in targets:
            assert targets[name] == group_id, name
    counts = dict(
        read_table(
            warehouse,
            "select perpetrator_raw, count(*) from core.incident_perpetrators where "
            "incident_id like 'newamerica_drones:%' and role = 'target' group by all",
        )
    )
    assert (
        counts
        == strikes.loc[strikes["target_organization_name"] != "", "target_organization_name"].value_counts().to_dict()
    )


def test_all_seven_source_columns_are_kept(strikes, na_warehouse, shared_data):
    _, warehouse = na_warehouse
    with open(shared_data / NA_FILE, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    positions = [i for i, h in enumerate(rows[0]) if h == "Source"]
    assert len(positions) == 7
    expected = sorted([row[i].strip() for i in positions if row[i].strip()] for row in rows[1:])
    actual = sorted(r[0] for r in read_table(warehouse, "select sources from staging.newamerica_drones"))
    assert actual == expected


def test_every_named_leader_is_one_leadership_event_of_the_strike(strikes, na_warehouse):
    _, warehouse = na_warehouse
    named = leaders_of(strikes)
    assert (named["persons"] == number(named["leaders_killed"])).all(), named.loc[
        named["persons"] != number(named["leaders_killed"]), "leader_names"
    ].tolist()
    assert (strikes.loc[number(strikes["leaders_killed"]).fillna(0) == 0, "leader_names"] == "").all()
    per_incident = dict(
        read_table(
            warehouse,
            "select incident_id, count(*) from core.leadership_events "
            "where incident_id like 'newamerica_drones:%' group by all",
        )
    )
    expected = named.groupby("incident_id")["persons"].sum().to_dict()
    assert per_incident == expected


def test_curated_leader_killed_in_a_strike_is_one_event_linked_to_it(strikes, na_warehouse):
    _, warehouse = na_warehouse
    for leader_id, name, day in [
        ("baitullah_mehsud", "Baitullah Mehsud", "2009-08-05"),
        ("hakimullah_mehsud", "Hakimullah Mehsud", "2013-11-01"),
    ]:
        strike = strikes[(strikes["day"] == day) & strikes["leader_names"].str.contains(name)]
        assert len(strike) == 1, f"{name} is not named on {day} in the sheet"
        events = read_table(
            warehouse,
            f"""
            select leadership_event_id, source, incident_id from core.leadership_events
            where leader_id = '{leader_id}' and event_type = 'killed'""",
        )
        assert len(events) == 1, events
        ((_, source, incident_id),) = events
        assert source != "newamerica"  # the curated row is the event
        assert incident_id == strike["incident_id"].iloc[0]
        # no second leader was made from the New America spelling
        assert read_table(
            warehouse,
            f"select count(*) from core.leaders where lower(name) = lower('{name}') "
            f"or list_contains(aliases, '{name}')",
        ) == [(1,)]


def test_date_disagreement_keeps_one_event_and_both_dates_as_claims(strikes, na_warehouse, shifted_event):
    if shifted_event is None:
        pytest.skip(f"the curated data has no single day-precision killing of {SHIFTED_LEADER}")
    _, warehouse = na_warehouse
    event_id = shifted_event["leadership_event_id"]
    curated_day = dt.date.fromisoformat(shifted_event["event_date"]) - dt.timedelta(days=1)
    strike = strikes[strikes["day"] == shifted_event["event_date"]]
    strike = strike[strike["leader_names"].map(normalise).str.contains("waliur rehman")]
    assert len(strike) == 1
    events = read_table(
        warehouse,
        f"select leadership_event_id, event_date, incident_id from core.leadership_events "
        f"where leader_id = '{SHIFTED_LEADER}' and event_type = 'killed'",
    )
    assert events == [(event_id, curated_day, strike["incident_id"].iloc[0])]
    claims = read_table(
        warehouse,
        f"select value, is_preferred, source, source_url from core.claims "
        f"where subject_table = 'leadership_events' and subject_id = '{event_id}' "
        f"and attribute = 'event_date' order by value",
    )
    assert (shifted_event["event_date"], False, "newamerica", NA_PAGE) in claims
    assert (curated_day.isoformat(), True, shifted_event["source"], shifted_event["source_url"]) in claims


def test_unmatched_leader_becomes_a_new_leader_and_killing(strikes, na_warehouse):
    _, warehouse = na_warehouse
    with open(CURATED_DIR / "leaders.csv", encoding="utf-8-sig", newline="") as handle:
        curated = {normalise(s) for r in csv.DictReader(handle) for s in [r["name"], *r["aliases"].split(";")] if s}
    assert "nek muhammad" not in curated
    strike = strikes[strikes["leader_names"] == "Nek Muhammad"]
    assert len(strike) == 1
    assert read_table(
        warehouse, "select name, group_id, source, source_url from core.leaders where leader_id = 'nek_muhammad'"
    ) == [("Nek Muhammad", None, "newamerica", NA_PAGE)]
    rows = read_table(
        warehouse,
        """
        select event_type, event_date, method, perpetrator, source, source_url, incident_id
        from core.leadership_events where leader_id = 'nek_muhammad'""",
    )
    assert rows == [
        (
            "killed",
            strike["day"].iloc[0].date(),
            "drone_strike",
            "United States",
            "newamerica",
            NA_PAGE,
            strike["incident_id"].iloc[0],
        )
    ]
    # the group comes from target_organization_name where it resolves ('Al-Qaeda' for Abu Laith al-Libi)
    assert read_table(warehouse, "select group_id from core.leaders where leader_id = 'abu_laith_al_libi'") == [
        ("al_qaeda",)
    ]


def test_duplicate_and_unreadable_rows_are_quarantined(shared_data, tmp_path):
    """Staged in-process on a small file cut from the real sheet: an exact repeat and a bad date."""
    with open(shared_data / NA_FILE, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    bad_date = list(rows[3])
    bad_date[1] = "31/12/2005"
    bad_total = list(rows[4])
    bad_total[rows[0].index("total_low")] = "about 5"
    raw = tmp_path / "raw"
    (raw / "newamerica_drones").mkdir(parents=True)
    path = raw / "newamerica_drones" / "cut.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([rows[0], rows[1], rows[2], rows[1], bad_date, bad_total])
    con = duckdb.connect()
    con.execute((SQL_DIR / "schema.sql").read_text())
    load = ADAPTER.stage(con, path, raw)
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (5, 2, 3)
    quarantined = con.execute("select row_number, column_name, reason from dq.quarantine order by 1").fetchall()
    assert quarantined[0][0] == 3 and "repeats row 1" in quarantined[0][2]
    assert quarantined[1][:2] == (4, "date") and "31/12/2005" in quarantined[1][2]
    assert quarantined[2][:2] == (5, "total_low") and "about 5" in quarantined[2][2]
    ids = [r[0] for r in con.execute("select source_event_id from staging.newamerica_drones order by 1").fetchall()]
    assert ids == ["20040619-1", "20050508-1"]
