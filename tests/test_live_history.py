"""Event history end to end: pulls from the fake APIs at two dates with an ACLED edit, an ACLED deletion and a
UCDP candidate release superseded by a yearly one between them, each followed by `python -m pipelines run`.

Then core.incidents holds the current state, core.incident_versions every version with the edit, the deletion
and the dropped candidate event, core.incidents_as_of(first date) returns what the first build held, and
`run --as-of <first date>` builds a warehouse equal, table by table, to the one built on the first date."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest

from pipelines.defs.live.acled import AcledClient
from pipelines.defs.live.http import MalformedResponse, RetryingClient
from pipelines.defs.live.pull import pull_acled, pull_ucdp
from pipelines.defs.live.settings import live_settings
from pipelines.defs.live.ucdp import UcdpClient
from tests.conftest import copy_built, read_frame, read_table, run_cli
from tests.content_hash import file_sha256, table_hashes
from tests.fake_apis import ACLED_PASSWORD, ACLED_USER, UCDP_TOKEN, FakeApis, Fault

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

T1 = dt.datetime(2023, 11, 15, 9, 30, tzinfo=dt.UTC)
T2 = dt.datetime(2024, 7, 1, 9, 30, tzinfo=dt.UTC)
EDIT_AT = T1 + dt.timedelta(days=20)
DELETE_AT = T1 + dt.timedelta(days=40)


def unix(moment: dt.datetime) -> int:
    return int(moment.timestamp())


OLD_ONLY, NEW_ONLY = ("data_id", "event_id_no_cnty", "iso3"), ("disorder_type", "civilian_targeting", "tags")


def old_layout(event: dict) -> dict:
    row = {k: v for k, v in event.items() if k not in NEW_ONLY}
    return {
        "data_id": "9" + event["event_id_cnty"][3:],
        "event_id_no_cnty": event["event_id_cnty"][3:],
        "iso3": event["event_id_cnty"][:3],
        **row,
    }


def as_api(frame: pd.DataFrame) -> list[dict]:
    return [{k: (None if v == "" else v) for k, v in r.items()} for r in frame.to_dict("records")]


@pytest.fixture(scope="module")
def story(shared_data, built_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("live_history")
    # The pulls land in a copy of the session's build of the curated data, as in an analyst's warehouse: the first
    # run builds what they reach (the builds from nothing below compare with it).
    raw, warehouse = copy_built(built_warehouse, root)

    acled = pd.read_csv(shared_data / "acled" / "acled_sample_2022h1_global.csv", dtype=str, keep_default_na=False)
    acled = acled[acled["country"].isin(["Pakistan", "Afghanistan"])].head(40).copy()
    acled["timestamp"] = acled["timestamp"].str.replace(".0", "", regex=False)
    events = acled.to_dict("records")
    candidate = pd.read_csv(
        shared_data / "ucdp_ged" / "ged_candidate_v23_0_10_global.csv", dtype=str, keep_default_na=False
    )
    candidate = candidate[candidate["country"].isin(["Pakistan", "Afghanistan"])].sort_values("date_start")
    hdx = pd.read_csv(shared_data / "ucdp_ged" / "ged221_pakistan_hdx.csv", dtype=str, keep_default_na=False)
    hdx = hdx[hdx["year"] == "2021"].head(5)[list(candidate.columns)]
    candidate_rows = as_api(candidate)
    dropped, revised = candidate_rows[len(candidate_rows) // 2], candidate_rows[len(candidate_rows) // 3]
    yearly_rows = as_api(hdx) + [
        dict(r, best="77", high="80") if r is revised else r for r in candidate_rows if r is not dropped
    ]

    with FakeApis() as fake:
        env = {
            "UCDP_API_BASE_URL": f"{fake.url}/api",
            "UCDP_API_TOKEN": UCDP_TOKEN,
            "ACLED_API_BASE_URL": fake.url,
            "ACLED_API_USERNAME": ACLED_USER,
            "ACLED_API_PASSWORD": ACLED_PASSWORD,
            "PIPELINES_LIVE_START_DATE": "2020-01-01",
        }
        settings = live_settings(env)
        http = RetryingClient(timeout=5, retries=2, backoff=0.01, sleep=lambda s: None)
        fake.state.ucdp_versions["23.0.10"] = candidate_rows
        # The first pull is served in ACLED's layout before 2023-03-20, the second in today's.
        fake.state.acled_events = [old_layout(e) for e in events]
        first = [
            pull_ucdp(UcdpClient(settings, http, page_size=25), raw, "23.0.10", now=T1),
            pull_acled(AcledClient(settings, http, limit=15), raw, now=T1),
        ]
        run1 = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
        assert run1.returncode == 0, run1.stdout + run1.stderr
        snapshot = root / "built_on_first_date.duckdb"
        shutil.copy(warehouse, snapshot)

        edited = dict(events[0], fatalities="42", notes="Death toll revised.", timestamp=str(unix(EDIT_AT)))
        deleted = events[1]
        fake.state.acled_events = [edited, *events[1:]]
        fake.state.acled_deletions = [{"event_id_cnty": deleted["event_id_cnty"], "deleted_timestamp": unix(DELETE_AT)}]
        fake.state.ucdp_versions["24.1"] = yearly_rows
        second = [
            pull_ucdp(UcdpClient(settings, http, page_size=25), raw, "24.1", now=T2),
            pull_acled(AcledClient(settings, http, limit=15), raw, now=T2),
        ]
        run2 = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
        assert run2.returncode == 0, run2.stdout + run2.stderr

        # A third pull that meets a malformed page: it fails, and neither raw/ nor the warehouse changes.
        files_before = sorted(p.relative_to(raw).as_posix() for p in raw.rglob("*"))
        published_before = file_sha256(warehouse)
        fake.state.acled_events = [dict(e, timestamp=str(unix(T2) + 5)) for e in events[2:40]]
        fake.state.faults.append(Fault("/api/acled/read", 2, 200, body=b'{"status": 200, "data": "truncated'))
        with pytest.raises(MalformedResponse):
            pull_acled(AcledClient(settings, http, limit=15), raw, now=T2 + dt.timedelta(days=7))
        failed_pull = (files_before, sorted(p.relative_to(raw).as_posix() for p in raw.rglob("*")), published_before)
    return dict(
        raw=raw,
        warehouse=warehouse,
        snapshot=snapshot,
        root=root,
        events=events,
        edited=edited,
        deleted=deleted,
        candidate=candidate_rows,
        dropped=dropped,
        revised=revised,
        yearly=yearly_rows,
        pulls=first + second,
        failed_pull=failed_pull,
    )


def test_core_incidents_hold_the_current_state(story):
    wh = story["warehouse"]
    acled = read_frame(wh, "select source_event_id, fatalities_best from core.incidents where source = 'acled'")
    expected = {e["event_id_cnty"]: float(e["fatalities"]) for e in story["events"]}
    expected[story["edited"]["event_id_cnty"]] = 42.0
    del expected[story["deleted"]["event_id_cnty"]]
    assert dict(zip(acled["source_event_id"], acled["fatalities_best"])) == expected
    ucdp = read_frame(
        wh, "select source_event_id, fatalities_best, source_file from core.incidents where source = 'ucdp_ged'"
    )
    # the yearly release's events, each once, from the yearly file; the candidate event it lacks is gone
    assert sorted(ucdp["source_event_id"]) == sorted(r["id"] for r in story["yearly"])
    assert set(ucdp["source_file"]) == {"ucdp_ged/ucdp_ged_api_v24.1_pulled-20240701T093000Z.csv"}
    assert ucdp.set_index("source_event_id").loc[story["revised"]["id"], "fatalities_best"] == 77.0
    # perpetrators follow the current versions only
    assert read_table(
        wh,
        "select count(*) from core.incident_perpetrators where incident_id = ?".replace(
            "?", f"'acled:{story['deleted']['event_id_cnty']}'"
        ),
    ) == [(0,)]
    assert read_table(
        wh,
        "select count(*) from core.incident_perpetrators p where p.incident_id like 'ucdp_ged:%' "
        "and p.source_file not like '%v24.1%'",
    ) == [(0,)]


def test_incident_versions_keep_both_versions_the_deletion_and_the_superseded_candidate(story):
    wh = story["warehouse"]
    versions = read_frame(wh, "select * from core.incident_versions")
    edit = versions[versions["source_event_id"] == story["edited"]["event_id_cnty"]].sort_values("known_from")
    original = next(e for e in story["events"] if e["event_id_cnty"] == story["edited"]["event_id_cnty"])
    assert edit["fatalities_best"].tolist() == [float(original["fatalities"]), 42.0]
    assert edit["known_from"].tolist() == [
        pd.Timestamp(int(original["timestamp"]), unit="s"),
        pd.Timestamp(EDIT_AT.replace(tzinfo=None)),
    ]
    assert edit["known_to"].iloc[0] == pd.Timestamp(EDIT_AT.replace(tzinfo=None)) and pd.isna(edit["known_to"].iloc[1])
    assert edit["closed_by"].iloc[0] == "edited" and edit["is_current"].tolist() == [False, True]
    (gone,) = versions[versions["source_event_id"] == story["deleted"]["event_id_cnty"]].to_dict("records")
    assert gone["deleted_at"] == pd.Timestamp(DELETE_AT.replace(tzinfo=None)) == gone["known_to"]
    assert gone["closed_by"] == "deleted" and not gone["is_current"]
    ucdp = versions[versions["source"] == "ucdp_ged"]
    (drop,) = ucdp[ucdp["source_event_id"] == story["dropped"]["id"]].to_dict("records")
    assert drop["release"] == "23.0.10" and drop["closed_by"] == "dropped by 24.1" and not drop["is_current"]
    assert drop["known_from"] == pd.Timestamp(T1.replace(tzinfo=None))
    assert drop["deleted_at"] == drop["known_to"] == pd.Timestamp(T2.replace(tzinfo=None))
    revised = ucdp[ucdp["source_event_id"] == story["revised"]["id"]].sort_values("known_from")
    assert revised["release"].tolist() == ["23.0.10", "24.1"]
    assert revised["closed_by"].tolist()[0] == "revised in 24.1" and revised["fatalities_best"].tolist()[1] == 77.0
    # one version per (event, release) and one current version per event at most
    assert not ucdp.duplicated(["source_event_id", "release"]).any()
    assert versions[versions["is_current"]]["incident_id"].is_unique
    current = read_frame(wh, "select incident_id from core.incidents where source in ('acled', 'ucdp_ged')")
    assert sorted(current["incident_id"]) == sorted(versions[versions["is_current"]]["incident_id"])


def test_every_pulled_batch_is_accounted_for(story):
    loads = read_frame(
        story["warehouse"],
        "select source_file, rows_read, rows_loaded, rows_quarantined "
        "from dq.file_loads where is_current and source_file like '%_pulled-%'",
    )
    pulled = {
        f"{p.parent.relative_to(story['raw']).as_posix()}/{p.name}": result.rows[p.name]
        for result in story["pulls"]
        for p in result.files
    }
    assert sorted(loads["source_file"]) == sorted(pulled)
    for row in loads.to_dict("records"):
        assert row["rows_read"] == pulled[row["source_file"]]  # every row the API sent was read
        assert row["rows_read"] == row["rows_loaded"] + row["rows_quarantined"]


def test_the_acled_schema_change_between_pulls_is_staged_as_served(story):
    wh = story["warehouse"]
    loads = dict(
        read_table(wh, "select source_file, extra_columns from dq.file_loads where is_current and source = 'acled'")
    )
    first, second = sorted(loads)
    assert sorted(loads[first]) == sorted(OLD_ONLY)  # accepted and recorded, not read
    assert loads[second] == []
    staged = read_frame(wh, "select source_file, disorder_type, civilian_targeting, tags from staging.acled")
    old = staged[staged["source_file"] == first]
    assert len(old) == len(story["events"]) and old[["disorder_type", "civilian_targeting", "tags"]].isna().all().all()
    new = staged[staged["source_file"] == second]
    assert new["disorder_type"].tolist() == [story["edited"]["disorder_type"]]


def test_a_failed_pull_changes_nothing(story):
    before, after, published = story["failed_pull"]
    assert after == before
    assert file_sha256(story["warehouse"]) == published


def test_incidents_as_of_the_first_date_is_what_the_first_build_held(story):
    columns = "incident_id, source_file, fatalities_best, event_date, perpetrator_raw, group_id"
    first = read_frame(story["snapshot"], f"select {columns} from core.incidents order by incident_id")
    as_of = read_frame(
        story["warehouse"],
        f"select {columns} from core.incidents_as_of(TIMESTAMP "
        f"'{T1.replace(tzinfo=None) + dt.timedelta(days=1)}') order by incident_id",
    )
    pd.testing.assert_frame_equal(first, as_of)


def test_a_build_as_of_the_first_date_equals_the_build_made_on_it(story):
    vintage = story["root"] / "vintage" / "vintage.duckdb"
    result = run_cli("run", "--as-of", T1.date().isoformat(), "--raw", str(story["raw"]), "--warehouse", str(vintage))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 raw file(s) known only later are left out" in result.stdout  # 24.1, the 2nd ACLED pull, its deletions
    expected, got = table_hashes(story["snapshot"]), table_hashes(vintage)
    assert sorted(got) == sorted(expected)
    assert {t for t in expected if expected[t] != got[t]} == set()


def test_the_history_checks_pass_on_the_built_history_and_catch_a_broken_one(story, tmp_path):
    from pipelines.engine.config import SQL_DIR

    checks = {p.stem: p.read_text() for p in (SQL_DIR / "checks" / "core").glob("incident_versions__*.sql")}
    assert sorted(checks) == ["incident_versions__one_current_version_per_event", "incident_versions__periods_ordered"]
    assert read_table(
        story["warehouse"],
        "select check_name, bool_and(success) from dq.check_results where "
        "asset = 'core.incident_versions' group by all order by all",
    ) == [("one_current_version_per_event", True), ("periods_ordered", True)]
    broken = tmp_path / "broken.duckdb"
    shutil.copy(story["warehouse"], broken)
    con = duckdb.connect(str(broken))
    try:
        # reopen the edited event's first version: two current versions, and a current one with a known_to
        con.execute(
            "update core.incident_versions set is_current = true where source_event_id = ? and closed_by = 'edited'",
            [story["edited"]["event_id_cnty"]],
        )
        failing = {name: [r[0] for r in con.execute(sql).fetchall()] for name, sql in checks.items()}
    finally:
        con.close()
    incident = f"acled:{story['edited']['event_id_cnty']}"
    assert failing["incident_versions__one_current_version_per_event"] == [f"{incident} (2 current versions)"]
    assert len(failing["incident_versions__periods_ordered"]) == 1
    assert failing["incident_versions__periods_ordered"][0].startswith(incident)


def test_the_second_build_equals_a_build_from_nothing_on_the_same_files(story):
    """The run after the second pulls conformed the new versions and deletions incrementally (marts included);
    a build from nothing on the same raw folder comes out the same, table by table."""
    fresh = story["root"] / "fresh" / "warehouse.duckdb"
    result = run_cli("run", "--raw", str(story["raw"]), "--warehouse", str(fresh))
    assert result.returncode == 0, result.stdout + result.stderr
    expected, got = table_hashes(fresh), table_hashes(story["warehouse"])
    assert sorted(got) == sorted(expected)
    assert {t for t in expected if expected[t] != got[t]} == set()
