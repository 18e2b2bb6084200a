"""The curated reference data, checked on its own with pandas (independently of the loaders)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.conftest import CURATED_DIR

ID = re.compile(r"^[a-z0-9_]+$")


def read(name: str) -> pd.DataFrame:
    frames = [
        pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8") for p in sorted(CURATED_DIR.glob(name))
    ]
    assert frames, f"no curated file matches {name}"
    return pd.concat(frames, ignore_index=True)


def dates(frame: pd.DataFrame, column: str) -> pd.Series:
    values = frame.loc[frame[column] != "", column]
    parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    bad = values[parsed.isna()]
    assert bad.empty, f"{column}: not YYYY-MM-DD dates: {bad.tolist()}"
    return parsed


@pytest.fixture(scope="module")
def groups():
    return read("groups.csv")


@pytest.fixture(scope="module")
def leaders():
    return read("leaders.csv")


SOURCED = [
    "groups.csv",
    "group_aliases.csv",
    "group_relations.csv",
    "leaders.csv",
    "leadership_events.csv",
    "policy_events.csv",
    "claims*.csv",
    "published_aggregates.csv",
    "incidents.csv",
]


@pytest.mark.parametrize("name", SOURCED)
def test_every_row_has_a_source_and_a_url(name):
    frame = read(name)
    assert len(frame) > 0
    missing = frame[(frame["source"].str.strip() == "") | (frame["source_url"].str.strip() == "")]
    assert missing.empty, f"{name}: rows without source/source_url: {missing.index.tolist()}"
    urls = frame["source_url"].str.split(r"\s*;\s*").explode()
    assert urls.str.match(r"^https?://\S+$").all(), urls[~urls.str.match(r"^https?://\S+$")].tolist()


def test_enough_reference_rows_for_the_analyses():
    assert len(read("groups.csv")) >= 30
    assert len(read("group_relations.csv")) >= 25
    assert len(read("leadership_events.csv")) >= 25
    assert len(read("policy_events.csv")) >= 20
    assert len(read("incidents.csv")) >= 40


def test_groups_the_analyses_need_are_present(groups):
    needed = {
        "ttp",
        "jua",
        "hua",
        "ahrar_ul_hind",
        "ttp_sajna",
        "tnsm",
        "lei",
        "isk",
        "is_pakistan",
        "tkp",
        "jundullah_pk",
        "lej",
        "lej_alami",
        "al_qaeda",
        "aqis",
        "afghan_taliban",
        "haqqani",
        "imu",
        "iju",
        "tip",
        "let",
        "jem",
        "bla",
        "blf",
        "bra",
        "tlp",
        "nrf",
    }
    assert needed <= set(groups["group_id"])
    assert groups["group_id"].is_unique
    assert groups["group_id"].str.match(ID).all()


def test_groups_parse(groups):
    assert set(groups["ideology"]) - {""} <= {
        "deobandi_jihadist",
        "salafi_jihadist",
        "sectarian",
        "ethnonationalist_separatist",
        "islamist_political",
        "anti_taliban_resistance",
        "other",
    }
    for column, precision in [("founded_on", "founded_precision"), ("dissolved_on", "dissolved_precision")]:
        parsed = dates(groups, column)
        assert set(groups[precision]) <= {"", "day", "month", "year"}
        month_rows = groups.loc[parsed.index][groups.loc[parsed.index, precision] == "month"]
        assert (pd.to_datetime(month_rows[column]).dt.day == 1).all()
    dates(groups, "proscribed_pk_on")
    ttp = groups.set_index("group_id").loc["ttp"]
    assert ttp["founded_on"].startswith("2007-12")  # TTP formed in December 2007 (domain facts)


def test_aliases_point_at_groups(groups):
    aliases = read("group_aliases.csv")
    assert set(aliases["group_id"]) <= set(groups["group_id"])
    assert set(aliases["source_system"]) <= {
        "gtd",
        "ucdp",
        "acled",
        "newamerica",
        "mmp",
        "curated",
        "mapped",
        "bij",
        "kaggle_drones",
        "kaggle_suicide",
    }
    assert {"gtd", "ucdp"} <= set(aliases["source_system"])
    assert not aliases.duplicated(["alias", "source_system"]).any()
    gtd_ttp = aliases[(aliases["source_system"] == "gtd") & (aliases["group_id"] == "ttp")]
    assert "Tehrik-i-Taliban Pakistan (TTP)" in set(gtd_ttp["alias"])


def test_relations_parse_and_cover_the_2014_splits(groups):
    relations = read("group_relations.csv")
    assert relations["relation_id"].is_unique
    assert set(relations["relation_type"]) <= {
        "split_from",
        "faction_of",
        "merged_into",
        "rejoined",
        "pledged_allegiance_to",
        "renamed_to",
        "allied_with",
        "rival_of",
    }
    ids = set(groups["group_id"])
    assert set(relations["from_group_id"]) <= ids and set(relations["to_group_id"]) <= ids
    assert (relations["from_group_id"] != relations["to_group_id"]).all()
    start = dates(relations, "start_date")
    end = dates(relations, "end_date")
    both = start.index.intersection(end.index)
    assert (end[both] >= start[both]).all()

    def start(child, relation, parent):
        match = relations[
            (relations["from_group_id"] == child)
            & (relations["relation_type"] == relation)
            & (relations["to_group_id"] == parent)
        ]
        return set(match["start_date"])

    # Dates from ../shared/reference/domain_facts.md (Dawn, RFE/RL, AP), each cited there.
    assert "2014-08-26" in start("jua", "split_from", "ttp")
    assert "2014-05-28" in start("ttp_sajna", "split_from", "ttp")
    assert "2017-11-11" in start("hua", "split_from", "jua")
    rejoined = relations[
        (relations["relation_type"] == "rejoined")
        & (relations["to_group_id"] == "ttp")
        & (relations["start_date"].str[:4] == "2020")
    ]
    assert {"jua", "hua"} <= set(rejoined["from_group_id"])  # the August 2020 re-mergers


def test_leaders_and_leadership_events_are_consistent(groups, leaders):
    events = read("leadership_events.csv")
    ids = set(leaders["leader_id"])
    assert leaders["leader_id"].is_unique and events["leadership_event_id"].is_unique
    assert set(events["leader_id"]) <= ids
    assert set(events["successor_leader_id"]) - {""} <= ids
    assert set(events["group_id"]) - {""} <= set(groups["group_id"])
    assert set(leaders["group_id"]) - {""} <= set(groups["group_id"])
    assert set(events["event_type"]) <= {"killed", "captured", "arrested", "died", "false_report"}
    assert set(events["method"]) - {""} <= {
        "drone_strike",
        "raid",
        "military_operation",
        "arrest",
        "ied",
        "infighting",
        "natural",
        "unknown",
    }
    event_date = dates(events, "event_date")
    assert len(event_date) == len(events)
    for column in ("announced_date", "confirmed_by_group_date"):
        later = dates(events, column)
        assert (later >= event_date[later.index]).all(), column
    # Facts from ../shared/reference/domain_facts.md, each with a cited source there.
    by_leader = events[events["event_type"] == "killed"].set_index("leader_id")["event_date"]
    assert by_leader["baitullah_mehsud"] == "2009-08-05"
    assert by_leader["hakimullah_mehsud"] == "2013-11-01"
    assert by_leader["hafiz_saeed_khan"] == "2016-07-26"
    false_reports = events[events["event_type"] == "false_report"]
    assert len(false_reports) >= 3


def test_policy_events_parse(groups):
    policies = read("policy_events.csv")
    assert policies["policy_event_id"].is_unique
    assert set(policies["category"]) <= {
        "policy",
        "legislation",
        "institution",
        "military_operation",
        "diplomatic",
        "external",
    }
    start = dates(policies, "start_date")
    assert len(start) == len(policies)
    end = dates(policies, "end_date")
    assert (end >= start[end.index]).all()
    assert set(policies["target_group_id"]) - {""} <= set(groups["group_id"])
    names = " ".join(policies["name"]).lower()
    for needle in ("zarb", "national action plan", "doha", "kabul", "radd"):
        assert needle in names, needle


def test_published_aggregates_cover_pips_years():
    aggregates = read("published_aggregates.csv")
    dates(aggregates, "period_start")
    assert not aggregates.duplicated(
        ["publisher", "report", "country", "period_start", "period_grain", "measure", "definition"]
    ).any()
    preferred = aggregates[aggregates["is_preferred"] == "true"]
    assert set(aggregates["is_preferred"]) == {"true", "false"}  # several editions, one preferred
    assert not preferred.duplicated(["publisher", "country", "period_start", "period_grain", "measure"]).any()
    values = pd.to_numeric(aggregates["value"], errors="raise")
    assert (values >= 0).all()
    pips = preferred[(preferred["publisher"] == "PIPS") & (preferred["measure"] == "attacks")]
    years = set(pips["period_start"].str[:4].astype(int))
    assert len(years & set(range(2008, 2024))) >= 10
    assert pips.set_index("period_start").loc["2014-01-01", "value"] == "1206"


def test_incidents_parse(groups):
    incidents = read("incidents.csv")
    assert incidents["source_event_id"].is_unique
    event_date = dates(incidents, "event_date")
    assert len(event_date) == len(incidents)
    assert set(incidents["country"]) <= {"Pakistan", "Afghanistan"}
    low = pd.to_numeric(incidents["fatalities_low"].replace("", None))
    high = pd.to_numeric(incidents["fatalities_high"].replace("", None))
    both = low.notna() & high.notna()
    assert (low[both] <= high[both]).all()
    assert set(incidents["group_id"]) - {""} <= set(groups["group_id"])
    assert event_date.min().year <= 2008 and event_date.max().year >= 2023


def test_claims_keep_every_version_and_prefer_one():
    claims = read("claims*.csv")
    assert claims["claim_id"].is_unique
    assert set(claims["is_preferred"]) <= {"true", "false"}
    preferred = claims.groupby(["subject_table", "subject_id", "attribute"])["is_preferred"].apply(
        lambda s: (s == "true").sum()
    )
    assert (preferred == 1).all(), preferred[preferred != 1]
    disputed = claims.groupby(["subject_table", "subject_id", "attribute"]).size()
    assert (disputed >= 2).sum() >= 8  # at least the disputes of the reference paper
    text = " ".join(claims["subject_id"])
    for subject in ("fazlullah", "farooqi", "jua"):
        assert subject in text, subject


def test_preferred_claims_equal_the_main_tables():
    claims = read("claims*.csv")
    keyed = {
        "groups": ("groups.csv", "group_id"),
        "group_relations": ("group_relations.csv", "relation_id"),
        "leaders": ("leaders.csv", "leader_id"),
        "leadership_events": ("leadership_events.csv", "leadership_event_id"),
        "policy_events": ("policy_events.csv", "policy_event_id"),
        "incidents": ("incidents.csv", "source_event_id"),
    }
    for _, claim in claims[claims["is_preferred"] == "true"].iterrows():
        if claim["subject_table"] == "published_aggregates":
            continue
        file, key = keyed[claim["subject_table"]]
        table = read(file).set_index(key)
        assert claim["subject_id"] in table.index, claim["claim_id"]
        assert table.loc[claim["subject_id"], claim["attribute"]] == claim["value"], claim["claim_id"]
