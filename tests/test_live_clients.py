"""The UCDP GED and ACLED API clients and pulls against a local fake server (tests/fake_apis.py): paging to the
last page, a token expiring mid-pull, 429 with Retry-After, a 500 then success, a malformed page, an ACLED
schema change. Pages are built from rows of the shared UCDP GED and ACLED files; request counts are bounded."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from pipelines.defs.live.acled import AcledClient
from pipelines.defs.live.http import ApiError, MalformedResponse, RetryingClient
from pipelines.defs.live.pull import pull_acled, pull_ucdp, pulled_at
from pipelines.defs.live.settings import live_settings
from pipelines.defs.live.ucdp import UcdpClient, VersionNotPublished
from tests.fake_apis import ACLED_PASSWORD, ACLED_USER, UCDP_TOKEN, FakeApis, Fault

T1 = dt.datetime(2023, 6, 30, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def ucdp_rows(shared_data) -> list[dict]:
    """Pakistan and Afghanistan events of the shared candidate release, as the API returns them (JSON values)."""
    frame = pd.read_csv(
        shared_data / "ucdp_ged" / "ged_candidate_v23_0_10_global.csv", dtype=str, keep_default_na=False
    )
    frame = frame[frame["country"].isin(["Pakistan", "Afghanistan", "India"])]
    return [{k: (None if v == "" else v) for k, v in r.items()} for r in frame.to_dict("records")]


@pytest.fixture(scope="module")
def acled_rows(shared_data) -> list[dict]:
    frame = pd.read_csv(shared_data / "acled" / "acled_sample_2022h1_global.csv", dtype=str, keep_default_na=False)
    frame["timestamp"] = frame["timestamp"].str.replace(".0", "", regex=False)
    return frame.to_dict("records")


@pytest.fixture
def fake():
    with FakeApis() as server:
        yield server


def settings(fake, **more):
    return live_settings(
        {
            "UCDP_API_BASE_URL": f"{fake.url}/api",
            "UCDP_API_TOKEN": UCDP_TOKEN,
            "ACLED_API_BASE_URL": fake.url,
            "ACLED_API_USERNAME": ACLED_USER,
            "ACLED_API_PASSWORD": ACLED_PASSWORD,
            "PIPELINES_LIVE_START_DATE": "2000-01-01",
            **more,
        }
    )


def http(waits=None):
    return RetryingClient(
        timeout=5, retries=3, backoff=0.01, sleep=(waits.append if waits is not None else (lambda s: None))
    )


def read_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_ucdp_pages_to_the_last_page_for_the_configured_countries(fake, ucdp_rows, tmp_path):
    fake.state.ucdp_versions["23.0.10"] = ucdp_rows
    expected = [r for r in ucdp_rows if r["country"] in ("Pakistan", "Afghanistan")]
    client = UcdpClient(settings(fake), http(), page_size=7)
    result = pull_ucdp(client, tmp_path, "23.0.10", now=T1)
    (path,) = result.files
    assert path.name == "ucdp_ged_api_v23.0.10_pulled-20230630T120000Z.csv"
    assert pulled_at(path) == dt.datetime(2023, 6, 30, 12)
    written = read_csv(path)
    assert sorted(written["id"]) == sorted(r["id"] for r in expected)  # every page, nothing twice
    assert set(written["country"]) <= {"Pakistan", "Afghanistan"} and "India" not in set(written["country"])
    pages = -(-len(expected) // 7)
    assert fake.count("/api/gedevents/23.0.10") == pages
    sent = [q for _, p, q in fake.state.requests if p == "/api/gedevents/23.0.10"]
    assert sent[0]["Country"] == "770,700" and sent[0]["StartDate"] == "2000-01-01" and sent[0]["pagesize"] == "7"
    # a version once pulled is immutable: not pulled again
    assert pull_ucdp(client, tmp_path, "23.0.10", now=T1 + dt.timedelta(days=1)).skipped
    assert fake.count("/api/gedevents/23.0.10") == pages


def test_ucdp_without_a_token_is_refused_and_an_unknown_version_is_not_published(fake, ucdp_rows, tmp_path):
    fake.state.ucdp_versions["23.0.10"] = ucdp_rows
    with pytest.raises(ApiError, match="HTTP 401"):
        pull_ucdp(UcdpClient(settings(fake, UCDP_API_TOKEN=""), http()), tmp_path, "23.0.10", now=T1)
    with pytest.raises(VersionNotPublished):
        pull_ucdp(UcdpClient(settings(fake), http()), tmp_path, "99.1", now=T1)
    assert list(tmp_path.rglob("*")) == [tmp_path / "ucdp_ged"]  # nothing written, not even a partial file


def test_429_with_retry_after_and_a_500_are_retried(fake, ucdp_rows, tmp_path):
    fake.state.ucdp_versions["23.0.10"] = ucdp_rows
    fake.state.faults += [
        Fault("/api/gedevents", 1, 429, headers={"Retry-After": "7"}),
        Fault("/api/gedevents", 2, 500),
    ]
    waits = []
    client = UcdpClient(settings(fake), http(waits), page_size=20)
    result = pull_ucdp(client, tmp_path, "23.0.10", now=T1)
    assert waits[0] == 7.0  # Retry-After honoured
    assert waits[1] == pytest.approx(0.01)  # the first backoff step
    expected = [r["id"] for r in ucdp_rows if r["country"] in ("Pakistan", "Afghanistan")]
    assert sorted(read_csv(result.files[0])["id"]) == sorted(expected)
    assert client.http.requests == -(-len(expected) // 20) + 2


def test_a_500_that_persists_fails_after_the_retries_and_writes_nothing(fake, ucdp_rows, tmp_path):
    fake.state.ucdp_versions["23.0.10"] = ucdp_rows
    fake.state.faults.append(Fault("/api/gedevents", 1, 503, times=99))
    client = UcdpClient(settings(fake), http(), page_size=20)
    with pytest.raises(ApiError, match="HTTP 503"):
        pull_ucdp(client, tmp_path, "23.0.10", now=T1)
    assert client.http.requests == 1 + 4  # page 0, then page 1 tried 1 + 3 times
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("body", [b"<html>gateway</html>", b'{"TotalPages": 3, "Result": "oops"}', b"[1, 2]"])
def test_a_malformed_page_stops_the_pull_with_a_clear_error_and_nothing_half_written(fake, ucdp_rows, tmp_path, body):
    fake.state.ucdp_versions["23.0.10"] = ucdp_rows
    fake.state.faults.append(Fault("/api/gedevents", 1, 200, body=body))
    with pytest.raises(MalformedResponse, match="page 1"):
        pull_ucdp(UcdpClient(settings(fake), http(), page_size=20), tmp_path, "23.0.10", now=T1)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []


def pak_afg(rows, n=None):
    picked = [dict(r) for r in rows if r["country"] in ("Pakistan", "Afghanistan")]
    return picked[:n] if n else picked


def test_acled_oauth_paging_and_a_token_expiring_mid_pull(fake, acled_rows, tmp_path):
    rows = pak_afg(acled_rows)
    fake.state.acled_events = rows
    fake.state.expire_token_after = 2  # the third page answers 401: refresh, then go on
    client = AcledClient(settings(fake), http(), limit=10)
    result = pull_acled(client, tmp_path, now=T1)
    (events,) = result.files
    written = read_csv(events)
    assert sorted(written["event_id_cnty"]) == sorted(r["event_id_cnty"] for r in rows)
    assert list(written.columns) == list(acled_rows[0].keys())
    grants = [q["grant_type"] for m, p, q in fake.state.requests if p == "/oauth/token"]
    assert grants == ["password", "refresh_token"]
    pages = len(rows) // 10 + 1
    assert fake.count("/api/acled/read") == pages + 1  # + the page answered 401
    sent = [q for _, p, q in fake.state.requests if p == "/api/acled/read"]
    assert sent[0]["country"] == "Pakistan|Afghanistan" and "timestamp" not in sent[0]
    state = json.loads((tmp_path / "acled" / "api_pulls.json").read_text())
    assert state["pulls"][0]["events"] == len(rows) and ACLED_PASSWORD not in json.dumps(state)


def test_acled_second_pull_asks_only_for_changes_and_deletions_since_the_first(fake, acled_rows, tmp_path):
    rows = pak_afg(acled_rows, 12)
    fake.state.acled_events = rows
    client = AcledClient(settings(fake), http(), limit=5)
    pull_acled(client, tmp_path, now=T1)
    t2 = T1 + dt.timedelta(days=7)
    edited = dict(rows[0], fatalities="42", timestamp=str(int((T1 + dt.timedelta(days=1)).timestamp())))
    fake.state.acled_events = [edited, *rows[1:]]
    fake.state.acled_deletions = [
        {"event_id_cnty": rows[1]["event_id_cnty"], "deleted_timestamp": int((T1 + dt.timedelta(days=2)).timestamp())}
    ]
    result = pull_acled(client, tmp_path, now=t2)
    events, deletions = result.files
    assert read_csv(events)["event_id_cnty"].tolist() == [edited["event_id_cnty"]]
    assert read_csv(deletions).to_dict("records") == [
        {
            "event_id_cnty": rows[1]["event_id_cnty"],
            "deleted_timestamp": str(fake.state.acled_deletions[0]["deleted_timestamp"]),
        }
    ]
    since = str(int(T1.timestamp()))
    last_reads = [q for _, p, q in fake.state.requests if p == "/api/acled/read"][-1]
    assert last_reads["timestamp"] == since and last_reads["timestamp_where"] == ">="
    last_deleted = [q for _, p, q in fake.state.requests if p == "/api/deleted/read"][-1]
    assert last_deleted["deleted_timestamp"] == since
    assert [q["grant_type"] for m, p, q in fake.state.requests if p == "/oauth/token"] == ["password"]


def test_acled_wrong_password_is_a_clear_error_without_the_password(fake, tmp_path):
    client = AcledClient(settings(fake, ACLED_API_PASSWORD="wrong-secret-xyz"), http())
    with pytest.raises(ApiError) as error:
        pull_acled(client, tmp_path, now=T1)
    assert "HTTP 400" in str(error.value) and "wrong-secret-xyz" not in str(error.value)
    assert not (tmp_path / "acled" / "api_pulls.json").exists()


def test_missing_credentials_are_named(monkeypatch):
    s = live_settings({})
    assert s.missing_acled() == ["ACLED_API_USERNAME", "ACLED_API_PASSWORD"] and s.missing_ucdp() == ["UCDP_API_TOKEN"]
    s = live_settings({"ACLED_API_USERNAME": "a", "ACLED_API_PASSWORD": "secret-pw"})
    assert "secret-pw" not in repr(s) and s.missing_acled() == []


def test_acled_schema_change_as_on_2023_03_20(fake, acled_rows, tmp_path):
    """Before 2023-03-20 ACLED sent event_id_no_cnty, data_id and iso3 and no disorder_type, civilian_targeting
    or tags; a pull gets whichever layout the API serves, written as served."""
    old = []
    for r in pak_afg(acled_rows, 6):
        row = {k: v for k, v in r.items() if k not in ("disorder_type", "civilian_targeting", "tags")}
        old.append({"data_id": "1", "event_id_no_cnty": r["event_id_cnty"][3:], "iso3": "PAK", **row})
    fake.state.acled_events = old
    (path,) = pull_acled(AcledClient(settings(fake), http(), limit=50), tmp_path, now=T1).files
    columns = list(read_csv(path).columns)
    assert {"data_id", "event_id_no_cnty", "iso3"} <= set(columns) and "disorder_type" not in columns
