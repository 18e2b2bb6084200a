"""ACLED adapter: the real acledR sample checked against pandas recomputations from the raw file, and a
minimal export written here per ACLED's codebook, then a newer export that edits and adds events (upsert)."""

from __future__ import annotations

import csv
import datetime as dt

import pandas as pd
import pytest

from tests.conftest import copy_built, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

SAMPLE = "acled_sample_2022h1_global.csv"


@pytest.fixture(scope="module")
def sample(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "acled" / SAMPLE, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def warehouse(shared_warehouse_with_candidate):
    # The session's build of every shared dataset plus the GED Candidate release and this ACLED sample, its only
    # ACLED file. The assertions below are about the sample's rows (source = 'acled', staging.acled), and the one
    # over every perpetrator keeps to the ACLED and curated rows, those of a build of the curated data and the
    # sample alone.
    raw, wh, _ = shared_warehouse_with_candidate
    assert [p.name for p in (raw / "acled").iterdir()] == [SAMPLE]
    return wh


def core_incidents(wh) -> pd.DataFrame:
    rows = read_table(
        wh,
        "select source_event_id, event_type, event_date, date_precision, event_end_date, country, "
        "fatalities_low, fatalities_best, fatalities_high, perpetrator_raw, attack_type, is_suicide "
        "from core.incidents where source = 'acled'",
    )
    return pd.DataFrame(
        rows,
        columns=[
            "event_id_cnty",
            "event_type",
            "event_date",
            "date_precision",
            "event_end_date",
            "country",
            "low",
            "best",
            "high",
            "perpetrator_raw",
            "attack_type",
            "is_suicide",
        ],
    ).set_index("event_id_cnty")


def test_every_row_of_the_sample_is_read_and_loaded(warehouse, sample):
    assert len(sample) == 9000
    loads = read_table(
        warehouse,
        "select rows_read, rows_loaded, rows_quarantined from dq.file_loads where source = 'acled' and is_current",
    )
    assert loads == [(len(sample), len(sample), 0)]


def test_pakistan_events_and_fatalities(warehouse, sample):
    pakistan = sample[sample["country"] == "Pakistan"]
    core = core_incidents(warehouse)
    core_pakistan = core[core["country"] == "Pakistan"]
    assert len(core_pakistan) == len(pakistan) == 224
    assert core_pakistan["best"].sum() == pytest.approx(pakistan["fatalities"].astype(float).sum())
    # One figure: low = best = high = fatalities, event by event.
    raw = sample.set_index("event_id_cnty")["fatalities"].astype(float)
    assert (core["low"] == core["best"]).all() and (core["high"] == core["best"]).all()
    assert core["best"].sort_index().tolist() == raw.sort_index().tolist()


def test_event_types_follow_the_documented_mapping(warehouse, sample):
    def expected(row) -> str:
        if row["event_type"] == "Battles":
            return "battle"
        if row["event_type"] == "Explosions/Remote violence":
            return "drone_strike" if row["sub_event_type"] == "Air/drone strike" else "attack"
        if row["event_type"] == "Violence against civilians":
            return "one_sided_violence"
        return "other"

    want = sample.set_index("event_id_cnty").apply(expected, axis=1).sort_index()
    core = core_incidents(warehouse).sort_index()
    assert core["event_type"].tolist() == want.tolist()
    assert core["attack_type"].tolist() == sample.set_index("event_id_cnty")["sub_event_type"].sort_index().tolist()
    suicide = sample.loc[sample["sub_event_type"] == "Suicide bomb", "event_id_cnty"]
    assert core.loc[suicide, "is_suicide"].tolist() == [True] * len(suicide)
    assert core.loc[core["event_type"] == "other", "is_suicide"].isna().all()
    assert set(core["perpetrator_raw"]) == set(sample["actor1"])


def test_dates_follow_time_precision(warehouse, sample):
    raw = sample.set_index("event_id_cnty")
    published = pd.to_datetime(raw["event_date"]).dt.date
    precision = raw["time_precision"].astype(float).astype(int)
    core = core_incidents(warehouse)
    day, week, month = (precision == 1), (precision == 2), (precision == 3)
    assert week.sum() > 0 and month.sum() > 0
    assert (core.loc[raw.index[day], "date_precision"] == "day").all()
    assert (core.loc[raw.index[day], "event_date"] == published[day]).all()
    assert core.loc[raw.index[day], "event_end_date"].isna().all()
    # ACLED codes the middle day of a reported week: the known period is that day -3 .. +3.
    assert (core.loc[raw.index[week], "date_precision"] == "range").all()
    assert (core.loc[raw.index[week], "event_date"] == published[week] - dt.timedelta(days=3)).all()
    assert (core.loc[raw.index[week], "event_end_date"] == published[week] + dt.timedelta(days=3)).all()
    assert (core.loc[raw.index[month], "date_precision"] == "month").all()
    assert (core.loc[raw.index[month], "event_date"] == published[month].map(lambda d: d.replace(day=1))).all()


def test_categories_are_kept_as_published(warehouse, sample):
    staged = dict(read_table(warehouse, "select disorder_type, count(*) from staging.acled group by 1"))
    assert staged == sample["disorder_type"].value_counts().to_dict()
    assert "Demostrations" in staged


def test_associated_actors_are_perpetrators_each_with_its_own_group(warehouse, sample):
    expected = sum(len({a.strip() for a in cell.split(";") if a.strip()}) for cell in sample["assoc_actor_1"])
    (associated,) = read_table(
        warehouse,
        "select count(*) from core.incident_perpetrators where role = 'associated' and incident_id like 'acled:%'",
    )[0]
    assert associated == expected
    # Several associated actors share one role: each must keep the group its own name resolves to.
    wrong = read_table(
        warehouse,
        """
        with alias as (select source_system, alias_normalized, min(group_id) as group_id
                       from core.group_aliases group by all)
        select p.incident_id, p.perpetrator_raw, p.group_id
        from core.incident_perpetrators p
        left join alias own on own.source_system = 'acled'
             and own.alias_normalized = normalize_group_name(p.perpetrator_raw)
        left join alias cur on cur.source_system = 'curated'
             and cur.alias_normalized = normalize_group_name(p.perpetrator_raw)
        where split_part(p.incident_id, ':', 1) in ('acled', 'curated')
          and p.group_id is distinct from coalesce(own.group_id, cur.group_id)""",
    )
    assert wrong == []
    (ttp,) = read_table(
        warehouse,
        "select count(*) from core.incident_perpetrators "
        "where perpetrator_raw = 'TTP: Tehreek-i-Taliban Pakistan' and group_id = 'ttp'",
    )[0]
    assert ttp > 0


# ---- a minimal export per ACLED's codebook, then a newer export: the upsert ---------------------------------

COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]


def event(event_id, date, event_type, sub_event_type, actor1, fatalities, timestamp, **more) -> dict:
    country = "Afghanistan" if event_id.startswith("AFG") else "Pakistan"
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        event_id_cnty=event_id,
        event_date=date,
        year=date[:4],
        time_precision="1",
        disorder_type="Political violence",
        event_type=event_type,
        sub_event_type=sub_event_type,
        actor1=actor1,
        inter1="2",
        iso="586" if country == "Pakistan" else "4",
        region="South Asia",
        country=country,
        admin1="Khyber Pakhtunkhwa" if country == "Pakistan" else "Nangarhar",
        location="Peshawar" if country == "Pakistan" else "Jalalabad",
        latitude="34.0",
        longitude="71.5",
        geo_precision="1",
        source="Dawn",
        source_scale="National",
        notes=f"On {date}, test event.",
        fatalities=str(fatalities),
        timestamp=str(timestamp),
    )
    row.update(more)
    return row


FIRST_EXPORT = [
    event(
        "PAK900001",
        "2024-01-02",
        "Battles",
        "Armed clash",
        "Military Forces of Pakistan (2022-)",
        3,
        1704800000,
        actor2="TTP: Tehreek-i-Taliban Pakistan",
        inter2="2",
        interaction="12",
    ),
    event(
        "PAK900002",
        "2024-01-03",
        "Explosions/Remote violence",
        "Suicide bomb",
        "TTP: Tehreek-i-Taliban Pakistan",
        5,
        1704800000,
        assoc_actor_1="Unidentified Armed Group (Pakistan)",
    ),
    event(
        "PAK900003",
        "2024-01-04",
        "Explosions/Remote violence",
        "Air/drone strike",
        "Military Forces of Pakistan (2022-)",
        2,
        1704800000,
        time_precision="2",
    ),
    event(
        "AFG900001",
        "2024-01-05",
        "Violence against civilians",
        "Attack",
        "Islamic State (Afghanistan)",
        1,
        1704800000,
        time_precision="3",
        civilian_targeting="Civilian targeting",
    ),
    event(
        "PAK900004",
        "2024-01-06",
        "Protests",
        "Peaceful protest",
        "Protesters (Pakistan)",
        0,
        1704800000,
        disorder_type="Demonstrations",
        inter1="6",
    ),
]
EDITED = event(
    "PAK900002",
    "2024-01-03",
    "Explosions/Remote violence",
    "Suicide bomb",
    "TTP: Tehreek-i-Taliban Pakistan",
    9,
    1707000000,
    assoc_actor_1="Islamic State (Pakistan); BLA: Baloch Liberation Army",
    notes="Death toll rose to 9.",
)
SECOND_EXPORT = [
    EDITED,
    event("PAK900005", "2024-02-01", "Battles", "Armed clash", "Police Forces of Pakistan (2022-)", 4, 1707000000),
    # an older version of an event the first export has newer: the timestamp decides, not the file
    dict(FIRST_EXPORT[0], fatalities="1", timestamp="1704000000"),
]


def write_export(path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


INCIDENT_COLUMNS = (
    "incident_id, event_type, event_date, date_precision, event_end_date, country, admin1, location, "
    "latitude, longitude, attack_type, perpetrator_raw, group_id, fatalities_low, fatalities_best, "
    "fatalities_high, is_suicide, source_file"
)


@pytest.fixture(scope="module")
def upsert(built_warehouse, tmp_path_factory):
    # added to the warehouse of the curated data (an incremental build of what the source reaches)
    raw, wh = copy_built(built_warehouse, tmp_path_factory.mktemp("acled_upsert"))
    (raw / "acled").mkdir()
    write_export(raw / "acled" / "acled_export_2024-01-10.csv", FIRST_EXPORT)
    first = run_cli("run", "--raw", str(raw), "--warehouse", str(wh))
    assert first.returncode == 0, first.stdout + first.stderr
    before = {r[0]: r for r in read_table(wh, f"select {INCIDENT_COLUMNS} from core.incidents where source = 'acled'")}
    perpetrators_before = sorted(
        read_table(
            wh,
            "select incident_id, perpetrator_raw, role "
            "from core.incident_perpetrators where incident_id like 'acled:%'",
        )
    )
    write_export(raw / "acled" / "acled_export_2024-02-05.csv", SECOND_EXPORT)
    second = run_cli("run", "--raw", str(raw), "--warehouse", str(wh))
    assert second.returncode == 0, second.stdout + second.stderr
    after = {r[0]: r for r in read_table(wh, f"select {INCIDENT_COLUMNS} from core.incidents where source = 'acled'")}
    return wh, before, after, perpetrators_before


def test_first_export_loads_one_row_per_event(upsert):
    _, before, _, perpetrators = upsert
    assert sorted(before) == sorted(f"acled:{r['event_id_cnty']}" for r in FIRST_EXPORT)
    columns = [c.strip() for c in INCIDENT_COLUMNS.split(",")]
    row = lambda event_id: dict(zip(columns, before[f"acled:{event_id}"]))  # noqa: E731
    assert row("PAK900002")["fatalities_best"] == 5 and row("PAK900002")["is_suicide"] is True
    assert row("PAK900003")["event_type"] == "drone_strike"
    assert (row("PAK900003")["event_date"], row("PAK900003")["event_end_date"]) == (
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 7),
    )
    assert (row("AFG900001")["event_date"], row("AFG900001")["date_precision"]) == (dt.date(2024, 1, 1), "month")
    assert row("AFG900001")["event_type"] == "one_sided_violence"
    assert row("PAK900004")["event_type"] == "other" and row("PAK900004")["fatalities_best"] == 0
    assert ("acled:PAK900002", "Unidentified Armed Group (Pakistan)", "associated") in perpetrators


def test_newer_export_replaces_edited_events_and_adds_new_ones(upsert):
    wh, before, after, _ = upsert
    ids = [r[0] for r in read_table(wh, "select incident_id from core.incidents where source = 'acled'")]
    assert len(ids) == len(set(ids)) == 6
    assert set(after) == set(before) | {"acled:PAK900005"}
    columns = [c.strip() for c in INCIDENT_COLUMNS.split(",")]
    edited = dict(zip(columns, after["acled:PAK900002"]))
    assert (edited["fatalities_low"], edited["fatalities_best"], edited["fatalities_high"]) == (9, 9, 9)
    assert edited["source_file"] == "acled/acled_export_2024-02-05.csv"
    # the older copy of PAK900001 in the newer file loses to the first export's newer timestamp
    assert after["acled:PAK900001"] == before["acled:PAK900001"]
    for untouched in ("acled:PAK900003", "acled:AFG900001", "acled:PAK900004"):
        assert after[untouched] == before[untouched], untouched
    # staging keeps both versions as published; only core chooses
    (versions,) = read_table(wh, "select count(*) from staging.acled where event_id_cnty = 'PAK900002'")[0]
    assert versions == 2


def test_perpetrators_follow_the_winning_version(upsert):
    wh, _, _, _ = upsert
    rows = sorted(
        read_table(
            wh,
            "select perpetrator_raw, role, source_file from core.incident_perpetrators "
            "where incident_id = 'acled:PAK900002'",
        )
    )
    newer = "acled/acled_export_2024-02-05.csv"
    assert rows == sorted(
        [
            ("TTP: Tehreek-i-Taliban Pakistan", "primary", newer),
            ("Islamic State (Pakistan)", "associated", newer),
            ("BLA: Baloch Liberation Army", "associated", newer),
        ]
    )
    (pak1,) = read_table(wh, "select count(*) from core.incident_perpetrators where incident_id = 'acled:PAK900001'")[0]
    assert pak1 == 1
    loads = read_table(
        wh,
        "select source_file, rows_read, rows_loaded from dq.file_loads "
        "where source = 'acled' and is_current order by 1",
    )
    assert loads == [("acled/acled_export_2024-01-10.csv", 5, 5), ("acled/acled_export_2024-02-05.csv", 3, 3)]


def test_exports_put_by_hand_write_the_same_history(upsert):
    """Two exports in raw/acled/: every (event, timestamp) is a version in core.incident_versions, known from its
    timestamp, closed by the next one; core.incidents holds the current ones. No pull time: release = file name."""
    wh = upsert[0]
    rows = read_table(
        wh,
        "select source_event_id, fatalities_best, known_from, known_to, closed_by, is_current, "
        "release from core.incident_versions where source = 'acled' and source_event_id in "
        "('PAK900001', 'PAK900002') order by source_event_id, known_from",
    )
    stamp = lambda t: dt.datetime.fromtimestamp(t, dt.UTC).replace(tzinfo=None)  # noqa: E731
    assert rows == [
        # the older version, which only the second export carries, is closed by the first export's newer one
        ("PAK900001", 1.0, stamp(1704000000), stamp(1704800000), "edited", False, "acled_export_2024-02-05.csv"),
        ("PAK900001", 3.0, stamp(1704800000), None, None, True, "acled_export_2024-01-10.csv"),
        ("PAK900002", 5.0, stamp(1704800000), stamp(1707000000), "edited", False, "acled_export_2024-01-10.csv"),
        ("PAK900002", 9.0, stamp(1707000000), None, None, True, "acled_export_2024-02-05.csv"),
    ]
    (current,) = read_table(wh, "select count(*) from core.incident_versions where source = 'acled' and is_current")[0]
    assert current == len(upsert[2])
