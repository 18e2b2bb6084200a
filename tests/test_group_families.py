"""marts.group_family_membership and the family every mart takes from it, against a replay of the relations in
plain Python (tests/family_rules.py) and, for LeJ, against the GTD file itself."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from pipelines.engine.warehouse import sql_model
from tests.conftest import CURATED_DIR, read_frame
from tests.family_rules import Families

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def families() -> Families:
    return Families.from_curated(CURATED_DIR)


@pytest.fixture(scope="module")
def facts(shared_warehouse) -> pd.DataFrame:
    _, warehouse, _ = shared_warehouse
    frame = read_frame(
        warehouse,
        "select incident_id, source, source_event_id, event_date, group_id, group_family_id from marts.incident_facts",
    )
    frame["event_date"] = pd.to_datetime(frame["event_date"])
    return frame


@pytest.fixture(scope="module")
def membership(shared_warehouse) -> pd.DataFrame:
    _, warehouse, _ = shared_warehouse
    return read_frame(warehouse, "select * from marts.group_family_membership")


def test_every_incident_takes_its_groups_family_on_its_date(facts, families):
    attributed = facts[facts["group_id"].notna()]
    expected = [families.family(g, d) for g, d in zip(attributed["group_id"], attributed["event_date"])]
    assert list(attributed["group_family_id"]) == expected
    assert facts.loc[facts["group_id"].isna(), "group_family_id"].isna().all()


def test_membership_periods_tile_time_and_agree_with_the_replay(membership, families):
    for group, rows in membership.sort_values("valid_from", na_position="first").groupby("group_id"):
        starts, ends = list(rows["valid_from"]), list(rows["valid_to"])
        assert pd.isna(starts[0]) and pd.isna(ends[-1]), group  # from always to open-ended
        assert all(e == s for e, s in zip(ends[:-1], starts[1:])), group  # no gap, no overlap
        for r in rows.itertuples():
            first = r.valid_from.date() if pd.notna(r.valid_from) else dt.date(1900, 1, 1)
            last = (r.valid_to.date() if pd.notna(r.valid_to) else dt.date(2030, 1, 1)) - dt.timedelta(days=1)
            assert families.family(group, first) == r.family_id == families.family(group, last), (group, r)


def test_a_family_query_for_lej_returns_lejs_gtd_incidents(shared_data, facts):
    gtd = pd.read_csv(
        shared_data / "gtd" / "gtd_0814_extract_31col.csv", usecols=["eventid", "gname"], dtype=str, encoding="latin-1"
    )
    lej_in_gtd = set(gtd.loc[gtd["gname"] == "Lashkar-e-Jhangvi", "eventid"])
    got = set(facts.loc[(facts["source"] == "gtd") & (facts["group_family_id"] == "lej"), "source_event_id"])
    assert len(lej_in_gtd) == 79 and got == lej_in_gtd
    assert not ((facts["group_id"] == "lej") & (facts["group_family_id"] == "ssp")).any()


def test_mqm_h_is_not_in_mqms_family(membership, facts, families):
    mqm_h = membership[membership["group_id"] == "mqm_h"]
    assert set(mqm_h["family_id"]) == {"mqm_h"}
    assert families.family("mqm_h", dt.date(1995, 1, 1)) == "mqm_h"
    assert set(membership.loc[membership["family_id"] == "mqm", "group_id"]) == {"mqm"}
    assert set(facts.loc[facts["group_family_id"] == "mqm", "group_id"]) == {"mqm"}


def test_bla_is_not_in_brass_family(membership, facts):
    assert set(membership.loc[membership["group_id"] == "bla", "family_id"]) == {"bla"}
    bla = facts[facts["group_id"] == "bla"]
    assert (bla["event_date"] >= "2018-11-10").any() and (bla["group_family_id"] == "bla").all()
    assert set(membership.loc[membership["family_id"] == "bras", "group_id"]) == {"bras"}


def test_jua_counts_for_the_ttp_family_2014_2020_and_as_jua_at_split_level(shared_warehouse, facts, families):
    _, warehouse, _ = shared_warehouse
    years = (facts["event_date"].dt.year >= 2014) & (facts["event_date"].dt.year <= 2020)
    jua = facts[years & (facts["group_id"] == "jua")]
    assert len(jua) > 0 and (jua["group_family_id"] == "ttp").all()
    # JuA is in the TTP family throughout 2014-2020: before its split (UCDP names JuA from March 2014, when it
    # was still Ahrar-ul-Hind / TTP Mohmand), after it (a splinter staying in the movement), after the 2020 rejoining
    assert set(jua["source"]) >= {"ucdp_ged", "curated"} and (jua["event_date"] < "2014-08-26").any()
    for day in pd.date_range("2014-01-01", "2020-12-31", freq="MS"):
        assert families.family("jua", day.date()) == "ttp"
    trends = read_frame(
        warehouse,
        "select source, group_id, group_family_id, sum(incidents) as incidents "
        "from marts.attack_trends where period_grain = 'year' "
        "and year(period_start) between 2014 and 2020 group by all",
    )
    trends = trends[trends["source"] != "distinct_events"]  # the linked events re-count the sources' incidents
    split_level = trends[trends["group_id"] == "jua"].groupby("source")["incidents"].sum().to_dict()
    assert split_level == jua.groupby("source").size().to_dict()
    assert set(trends.loc[trends["group_id"] == "jua", "group_family_id"]) == {"ttp"}
    in_period = facts[years & facts["group_id"].notna()]
    expected = in_period[
        [families.family(g, d) == "ttp" for g, d in zip(in_period["group_id"], in_period["event_date"])]
    ]
    family_level = trends[trends["group_family_id"] == "ttp"].groupby("source")["incidents"].sum().to_dict()
    assert family_level == expected.groupby("source").size().to_dict()


def test_defecting_factions_leave_the_ttp_family_from_their_pledge_or_exit(membership, facts):
    def family_on(group, day):
        rows = membership[membership["group_id"] == group]
        day = pd.Timestamp(day)
        hit = rows[
            (rows["valid_from"].isna() | (rows["valid_from"] <= day))
            & (rows["valid_to"].isna() | (rows["valid_to"] > day))
        ]
        assert len(hit) == 1
        return hit.iloc[0]["family_id"]

    # Shahidullah's commanders pledged to IS on 2014-10-14, then merged into IS-K (IS family) on 2015-01-26
    assert family_on("ttp_shahidullah", "2014-10-14") == "ttp_shahidullah"
    assert family_on("ttp_shahidullah", "2015-01-26") == "is"
    # the Punjabi Taliban: TTP's until they gave up the fight on 2014-09-13, again from the 2020 rejoining
    assert family_on("punjabi_taliban", "2014-09-12") == "ttp"
    assert family_on("punjabi_taliban", "2014-09-13") == "punjabi_taliban"
    assert family_on("punjabi_taliban", "2020-08-01") == "ttp"
    punjabi = facts[facts["group_id"] == "punjabi_taliban"]
    assert len(punjabi) > 0
    assert list(punjabi["group_family_id"]) == [
        "ttp"
        if pd.Timestamp("2007-12-14") <= d < pd.Timestamp("2014-09-13") or d >= pd.Timestamp("2020-08-01")
        else "punjabi_taliban"
        for d in punjabi["event_date"]
    ]


def test_pledge_rivalry_and_rejoining_rules_on_made_up_relations():
    """The model itself on a small made-up lineage, against the replay: a splinter staying in the movement, a
    faction pledging elsewhere, one turning on its parent, a rejoining, an umbrella member, a chain."""
    groups = pd.DataFrame(
        {
            "group_id": ["p", "a", "b", "c", "d", "u", "m", "x"],
            "founded_on": [None, "2010-01-01", "2010-01-01", None, "2012-05-01", None, "2001-01-01", None],
        }
    )
    relations = pd.DataFrame(
        [
            ("a_split_p", "a", "p", "split_from", "2010-01-01", None),  # stays in the movement
            ("b_split_p", "b", "p", "split_from", "2010-01-01", None),
            ("b_pledge_x", "b", "x", "pledged_allegiance_to", "2012-03-01", None),  # leaves
            ("b_rejoin_p", "b", "p", "rejoined", "2015-06-01", None),  # comes back
            ("c_faction_p", "c", "p", "faction_of", "2011-01-01", None),
            ("c_rival_p", "p", "c", "rival_of", "2013-01-01", None),  # the parent's rival: leaves
            ("d_split_a", "d", "a", "split_from", "2012-05-01", None),  # chain d > a > p
            ("m_faction_u", "m", "u", "faction_of", "2018-01-01", None),  # umbrella member with its own history
            ("a_pledge_p", "a", "p", "pledged_allegiance_to", "2014-01-01", None),  # a pledge to its own parent
        ],
        columns=["relation_id", "from_group_id", "to_group_id", "relation_type", "start_date", "end_date"],
    )
    rulings = pd.DataFrame(
        {
            "relation_id": ["a_split_p", "b_split_p", "m_faction_u"],
            "ruling": ["stays_in_movement", "stays_in_movement", "own_organisation"],
        }
    )
    con = duckdb.connect()
    for schema in ("core", "marts"):
        con.execute(f"create schema {schema}")
    con.register("g", groups)
    con.register("r", relations)
    con.register("f", rulings)
    con.execute("create table core.groups as select group_id, founded_on::date as founded_on from g")
    con.execute(
        "create table core.group_relations as select relation_id, from_group_id, to_group_id, relation_type, "
        "start_date::date as start_date, end_date::date as end_date from r"
    )
    con.execute("create table core.group_family_rulings as select * from f")
    got = con.execute(f"select * from ({sql_model('marts', 'group_family_membership')})").df()
    replay = Families(groups.fillna(""), relations.fillna(""), rulings)
    for day in pd.date_range("2009-01-01", "2019-01-01", freq="MS"):
        for group in groups["group_id"]:
            rows = got[
                (got["group_id"] == group)
                & (got["valid_from"].isna() | (got["valid_from"] <= day))
                & (got["valid_to"].isna() | (got["valid_to"] > day))
            ]
            assert list(rows["family_id"]) == [replay.family(group, day.date())], (group, day)
    on = lambda g, d: replay.family(g, dt.date.fromisoformat(d))  # noqa: E731
    assert (on("b", "2012-02-01"), on("b", "2013-01-01"), on("b", "2016-01-01")) == ("p", "b", "p")
    assert (on("c", "2012-01-01"), on("c", "2013-01-01")) == ("p", "c")
    assert (on("d", "2013-01-01"), on("a", "2014-06-01"), on("m", "2018-06-01")) == ("p", "p", "m")
    assert set(got.loc[got["group_id"] == "b", "basis"]) == {
        "before_split",
        "stays_in_movement",
        "pledged_to_other",
        "rejoined",
    }
