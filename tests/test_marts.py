"""The marts, recomputed independently with pandas from core.incidents and the curated CSV files."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from scipy.stats import binomtest

from tests.conftest import CURATED_DIR, read_frame
from tests.family_rules import Families

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

SOURCES = ["gtd", "ucdp_ged"]


@pytest.fixture(scope="module")
def incidents(shared_warehouse) -> pd.DataFrame:
    _, warehouse, _ = shared_warehouse
    frame = read_frame(
        warehouse,
        "select incident_id, source, event_date, date_precision, country, admin1, group_id, "
        "fatalities_best from core.incidents",
    )
    frame["event_date"] = pd.to_datetime(frame["event_date"])
    frame["month"] = frame["event_date"].dt.to_period("M")
    frame.loc[~frame["date_precision"].isin(["day", "month", "range"]), "month"] = pd.NaT
    return frame


@pytest.fixture(scope="module")
def lineage() -> Families:
    """Group families over time, replayed in plain Python from the curated relations and family rulings
    (tests/family_rules.py; the rules of marts.group_family_membership)."""
    return Families.from_curated(CURATED_DIR)


def family(group: str | None, on: dt.date, lineage: Families) -> str | None:
    return lineage.family(group, on)


@pytest.fixture(scope="module")
def with_family(incidents, lineage) -> pd.DataFrame:
    frame = incidents.copy()
    frame["family"] = [family(g, d.date(), lineage) for g, d in zip(frame["group_id"], frame["event_date"])]
    return frame


def test_yearly_and_monthly_pakistan_trends(shared_warehouse, incidents):
    _, warehouse, _ = shared_warehouse
    mart = read_frame(
        warehouse,
        """
        select period_grain, period_start, source, sum(incidents) as incidents, sum(fatalities_best) as killed,
               sum(incidents_unknown_fatalities) as unknown
        from marts.attack_trends where country = 'Pakistan' and source in ('gtd', 'ucdp_ged') group by all""",
    )
    pak = incidents[(incidents["country"] == "Pakistan") & incidents["source"].isin(SOURCES)]
    yearly = pak.groupby([pak["event_date"].dt.year, "source"]).agg(
        incidents=("incident_id", "size"),
        killed=("fatalities_best", "sum"),
        unknown=("fatalities_best", lambda s: s.isna().sum()),
    )
    got = mart[mart["period_grain"] == "year"].copy()
    got["year"] = pd.to_datetime(got["period_start"]).dt.year
    got = got.set_index(["year", "source"]).sort_index()
    assert got["incidents"].to_dict() == yearly["incidents"].to_dict()
    assert got["killed"].round(6).to_dict() == yearly["killed"].round(6).to_dict()
    assert got["unknown"].to_dict() == yearly["unknown"].to_dict()

    monthly = pak.dropna(subset=["month"]).groupby(["month", "source"]).agg(incidents=("incident_id", "size"))
    got = mart[mart["period_grain"] == "month"].copy()
    got["month"] = pd.to_datetime(got["period_start"]).dt.to_period("M")
    assert got.set_index(["month", "source"])["incidents"].to_dict() == monthly["incidents"].to_dict()
    # year rows count incidents whose month is unknown too; month rows do not
    assert pak["month"].isna().sum() > 0


def window_counts(frame, mask, month, months, before: bool):
    offsets = range(-months, 0) if before else range(1, months + 1)
    periods = {month + k for k in offsets}
    selected = frame[mask & frame["month"].isin(periods)]
    return len(selected), float(selected["fatalities_best"].sum())


@pytest.mark.parametrize("child, split_date", [("jua", "2014-08-26"), ("ttp_sajna", "2014-05-28")])
def test_split_outcomes(shared_warehouse, with_family, lineage, child, split_date):
    _, warehouse, _ = shared_warehouse
    mart = read_frame(
        warehouse,
        "select * from marts.split_outcomes where parent_group_id = 'ttp' and "
        "child_group_id = ? and window_months = 12 and violence_class = 'all'",
        [child],
    ).set_index("source")
    month = pd.Period(split_date, "M")
    parent_family = family("ttp", dt.date.fromisoformat(split_date), lineage)
    for source in SOURCES:
        data = with_family[with_family["source"] == source]
        row = mart.loc[source]
        assert (row["parent_incidents_before"], row["parent_fatalities_best_before"]) == window_counts(
            data, data["group_id"] == "ttp", month, 12, True
        )
        assert (row["parent_incidents_after"], row["parent_fatalities_best_after"]) == window_counts(
            data, data["group_id"] == "ttp", month, 12, False
        )
        assert (row["child_incidents_after"], row["child_fatalities_best_after"]) == window_counts(
            data, data["group_id"] == child, month, 12, False
        )
        assert (row["family_incidents_before"], row["family_fatalities_best_before"]) == window_counts(
            data, data["family"] == parent_family, month, 12, True
        )
        assert (row["family_incidents_after"], row["family_fatalities_best_after"]) == window_counts(
            data, data["family"] == parent_family, month, 12, False
        )
    # The family grows when the child leaves: its attacks still count as the TTP family's.
    ucdp = mart.loc["ucdp_ged"]
    assert ucdp["family_incidents_after"] >= ucdp["parent_incidents_after"]


@pytest.mark.parametrize("event_id", ["op_zarb_e_azb", "national_action_plan_2014"])
def test_policy_outcomes_national_12_months_ucdp(shared_warehouse, incidents, event_id):
    _, warehouse, _ = shared_warehouse
    policies = pd.read_csv(CURATED_DIR / "policy_events.csv", dtype=str).set_index("policy_event_id")
    month = pd.Period(policies.loc[event_id, "start_date"], "M")
    row = read_frame(
        warehouse,
        "select * from marts.policy_outcomes where event_id = ? and scope = 'national' "
        "and window_months = 12 and source = 'ucdp_ged' and violence_class = 'all'",
        [event_id],
    ).iloc[0]
    ucdp = incidents[(incidents["source"] == "ucdp_ged") & (incidents["country"] == "Pakistan")]
    before, killed_before = window_counts(ucdp, ucdp["month"].notna(), month, 12, True)
    after, killed_after = window_counts(ucdp, ucdp["month"].notna(), month, 12, False)
    assert (row["incidents_before"], row["incidents_after"]) == (before, after)
    assert (row["fatalities_before"], row["fatalities_after"]) == (killed_before, killed_after)
    assert (row["n_months_pre"], row["n_months_post"]) == (12, 12)  # UCDP covers 1989-2021
    assert row["rate_ratio"] == pytest.approx(after / before)
    interval = binomtest(after, after + before, 0.5).proportion_ci(0.95, method="exact")
    assert row["rr_exact_ci_low"] == pytest.approx(interval.low / (1 - interval.low))
    assert row["rr_exact_ci_high"] == pytest.approx(interval.high / (1 - interval.high))
    assert row["its_level_p"] is not None and 0 <= row["its_level_p"] <= 1


@pytest.mark.parametrize("event_id", ["hakimullah_mehsud_killed_20131101", "fazlullah_killed_20180613"])
def test_decapitation_event_study_ucdp(shared_warehouse, with_family, lineage, event_id):
    _, warehouse, _ = shared_warehouse
    events = pd.read_csv(CURATED_DIR / "leadership_events.csv", dtype=str).set_index("leadership_event_id")
    event_date = dt.date.fromisoformat(events.loc[event_id, "event_date"])
    group_family = family(events.loc[event_id, "group_id"], event_date, lineage)
    mart = read_frame(
        warehouse,
        "select rel_month, group_family_id, incidents, fatalities_best from "
        "marts.decapitation_event_study where leadership_event_id = ? and source = 'ucdp_ged' "
        "and violence_class = 'all' order by rel_month",
        [event_id],
    )
    assert set(mart["group_family_id"]) == {group_family}
    # an incident counts for every family that took part in it (both sides of a UCDP clash), once
    _, warehouse_file, _ = shared_warehouse
    sides = read_frame(
        warehouse_file,
        "select incident_id, group_id from core.incident_perpetrators where group_id is not null and role <> 'target'",
    )
    dates = with_family.set_index("incident_id")["event_date"]
    sides = sides[sides["incident_id"].isin(dates.index)]
    side_families = {
        i
        for i, g in zip(sides["incident_id"], sides["group_id"])
        if family(g, dates[i].date(), lineage) == group_family
    }
    ucdp = with_family[
        (with_family["source"] == "ucdp_ged")
        & ((with_family["family"] == group_family) | with_family["incident_id"].isin(side_families))
    ]
    month = pd.Period(event_date, "M")
    last_covered = with_family.loc[with_family["source"] == "ucdp_ged", "month"].max()
    expected = []
    for rel in range(-12, 13):
        if month + rel > last_covered:
            continue  # after the source's coverage: missing, not zero
        rows = ucdp[ucdp["month"] == month + rel]
        expected.append((rel, len(rows), float(rows["fatalities_best"].sum())))
    assert list(mart[["rel_month", "incidents", "fatalities_best"]].itertuples(index=False, name=None)) == expected


def test_source_reconciliation_sets_sources_beside_pips(shared_warehouse, incidents):
    _, warehouse, _ = shared_warehouse
    mart = read_frame(warehouse, "select * from marts.source_reconciliation where country = 'Pakistan'")
    published = pd.read_csv(CURATED_DIR / "published_aggregates.csv", dtype=str)
    pips = published[
        (published["publisher"] == "PIPS")
        & (published["measure"] == "attacks")
        & (published["country"] == "Pakistan")
        & (published["is_preferred"] == "true")
    ]
    got = mart[(mart["source"] == "PIPS") & (mart["is_preferred"] == True)].set_index("year")["incidents"].dropna()  # noqa: E712  # years with other measures only
    assert {int(p[:4]): int(v) for p, v in zip(pips["period_start"], pips["value"])} == got.astype(int).to_dict()
    ucdp = incidents[(incidents["source"] == "ucdp_ged") & (incidents["country"] == "Pakistan")]
    got = mart[(mart["source"] == "ucdp_ged") & (mart["violence_class"] == "all")].set_index("year")["incidents"]
    assert got.to_dict() == ucdp.groupby(ucdp["event_date"].dt.year).size().to_dict()
