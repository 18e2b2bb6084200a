"""The statistics of issue 16, recomputed independently: counts from the raw UCDP file with pandas, every
estimate refitted here with statsmodels, q-values and pooled means recomputed with pandas. Rows are those of
violence_class 'all' (for UCDP: every type_of_violence); a group family's incidents are those any of its groups
took part in (both sides of a non-state clash), families replayed from the curated CSVs (tests/family_rules.py)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import binomtest

from tests.conftest import CURATED_DIR, read_frame
from tests.test_coverage_classes import normalize, ucdp_groups
from tests.test_marts import family, lineage  # noqa: F401 - fixtures reused

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

TOL = 1e-6
KP_HARMONIZED = "Khyber Pakhtunkhwa incl. former FATA"
# What GED 22.1 declares it covers (UCDP's release naming: events 1989-01 to 2021-12), Pakistan only.
UCDP_FIRST, UCDP_LAST = pd.Period("1989-01", "M"), pd.Period("2021-12", "M")
EVENTS = {  # event id -> (kind, curated file)
    "national_action_plan_2014": "policy_events.csv",
    "op_zarb_e_azb": "policy_events.csv",
    "baitullah_mehsud_killed_20090805": "leadership_events.csv",
}


@pytest.fixture(scope="module")
def ucdp_raw(shared_data) -> pd.DataFrame:
    """The raw UCDP GED file: the HXL hashtag row dropped, a repeated id counted once, each event in the month
    it starts."""
    raw = pd.read_csv(shared_data / "ucdp_ged" / "ged221_pakistan_hdx.csv", dtype=str, keep_default_na=False)
    raw = raw[~raw["year"].str.startswith("#")].drop_duplicates("id").copy()
    raw["month"] = pd.to_datetime(raw["date_start"].str[:10]).dt.to_period("M")
    return raw


@pytest.fixture(scope="module")
def ucdp_pakistan_monthly(ucdp_raw) -> pd.Series:
    """Events per month in Pakistan, every type of violence (violence_class 'all' for UCDP)."""
    raw = ucdp_raw[ucdp_raw["type_of_violence"].isin(["1", "2", "3"]) & (ucdp_raw["country"] == "Pakistan")]
    return raw["month"].value_counts().sort_index()


def event_month(event_id: str) -> pd.Period:
    frame = pd.read_csv(CURATED_DIR / EVENTS[event_id], dtype=str)
    column = "policy_event_id" if "policy_event_id" in frame.columns else "leadership_event_id"
    date_column = "start_date" if "start_date" in frame.columns else "event_date"
    return pd.Period(frame.set_index(column).loc[event_id, date_column], "M")


def window(monthly: pd.Series, month: pd.Period, months: int) -> pd.DataFrame:
    rel = [r for r in range(-months, months + 1) if r != 0]
    return pd.DataFrame(
        {
            "rel_month": rel,
            "month": [month + r for r in rel],
            "incidents": [int(monthly.get(month + r, 0)) for r in rel],
        }
    )


def mart_row(warehouse, event_id: str) -> pd.Series:
    frame = read_frame(
        warehouse,
        "select * from marts.policy_outcomes where event_id = ? and scope = 'national' "
        "and scope_value = 'Pakistan' and window_months = 12 and source = 'ucdp_ged' "
        "and violence_class = 'all'",
        [event_id],
    )
    assert len(frame) == 1
    return frame.iloc[0]


@pytest.mark.parametrize("event_id", list(EVENTS))
def test_rate_ratio_and_its_recomputed_from_the_raw_ucdp_file(shared_warehouse, ucdp_pakistan_monthly, event_id):
    _, warehouse, _ = shared_warehouse
    row = mart_row(warehouse, event_id)
    month = event_month(event_id)
    data = window(ucdp_pakistan_monthly, month, 12)
    post = (data["rel_month"] > 0).astype(float)
    before, after = int(data.loc[post == 0, "incidents"].sum()), int(data.loc[post == 1, "incidents"].sum())
    assert (row["incidents_before"], row["incidents_after"]) == (before, after)
    assert (row["n_months_pre"], row["n_months_post"]) == (12, 12)
    assert row["not_estimable_reason"] is None or pd.isna(row["not_estimable_reason"])

    # quasi-Poisson: a two-level Poisson GLM, scale = Pearson chi2 / (n - 2) floored at 1
    design = sm.add_constant(post.to_numpy())
    poisson = sm.GLM(data["incidents"].to_numpy(float), design, family=sm.families.Poisson()).fit()
    scale = max(1.0, float(np.sum((data["incidents"] - poisson.fittedvalues) ** 2 / poisson.fittedvalues)) / (24 - 2))
    quasi = sm.GLM(data["incidents"].to_numpy(float), design, family=sm.families.Poisson()).fit(scale=scale)
    low, high = np.exp(quasi.conf_int()[1])
    assert row["rate_ratio"] == pytest.approx(after / before, abs=TOL)
    assert row["dispersion"] == pytest.approx(scale, abs=TOL)
    assert (row["rr_ci_low"], row["rr_ci_high"]) == (pytest.approx(low, abs=TOL), pytest.approx(high, abs=TOL))
    assert row["rr_p_value"] == pytest.approx(quasi.pvalues[1], abs=TOL)
    assert row["dispersion"] > 2  # these series are overdispersed: the headline interval is wider than exact
    assert row["rr_ci_low"] < row["rr_exact_ci_low"] and row["rr_ci_high"] > row["rr_exact_ci_high"]

    exact = binomtest(after, after + before, 0.5).proportion_ci(0.95, method="exact")
    assert row["rr_exact_ci_low"] == pytest.approx(exact.low / (1 - exact.low), abs=TOL)
    assert row["rr_exact_ci_high"] == pytest.approx(exact.high / (1 - exact.high), abs=TOL)

    # ITS: +-24 months, month-of-year terms (24 covered months each side), Newey-West errors
    its = window(ucdp_pakistan_monthly, month, 24)
    t = its["rel_month"].astype(float)
    frame = pd.DataFrame({"const": 1.0, "t": t, "level": (t > 0).astype(float), "slope": t * (t > 0)})
    seasons = pd.get_dummies(
        pd.Categorical(its["month"].dt.month, categories=range(1, 13)), prefix="m", drop_first=True
    ).astype(float)
    frame = pd.concat([frame, seasons], axis=1)
    lags = math.floor(4 * (len(its) / 100) ** (2 / 9))
    fit = sm.GLM(its["incidents"].to_numpy(float), frame, family=sm.families.Poisson()).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags}
    )
    ci = np.exp(fit.conf_int())
    for term, name in [("level", "its_level"), ("slope", "its_slope")]:
        assert row[f"{name}_change"] == pytest.approx(math.exp(fit.params[term]), abs=TOL)
        assert row[f"{name}_ci_low"] == pytest.approx(ci.loc[term, 0], abs=TOL)
        assert row[f"{name}_ci_high"] == pytest.approx(ci.loc[term, 1], abs=TOL)
        assert row[f"{name}_p"] == pytest.approx(fit.pvalues[term], abs=TOL)
    assert "month of year" in row["its_model"] and f"{lags} lags" in row["its_model"]


def test_q_values_are_benjamini_hochberg_over_the_mart(shared_warehouse):
    _, warehouse, _ = shared_warehouse
    mart = read_frame(warehouse, "select rr_p_value, rr_q_value from marts.policy_outcomes")
    known = mart.dropna(subset=["rr_p_value"]).sort_values("rr_p_value").reset_index(drop=True)
    assert mart["rr_q_value"].isna().equals(mart["rr_p_value"].isna())
    m = len(known)
    expected = (known["rr_p_value"] * m / (known.index + 1))[::-1].cummin()[::-1].clip(upper=1)
    assert np.allclose(known["rr_q_value"], expected, atol=1e-12)
    assert known["rr_q_value"].is_monotonic_increasing
    assert m > 1000 and (known["rr_q_value"] >= known["rr_p_value"]).all()


def test_overlapping_and_same_month_events_and_the_joint_model(shared_warehouse):
    _, warehouse, _ = shared_warehouse
    zarb = mart_row(warehouse, "op_zarb_e_azb")
    nap = mart_row(warehouse, "national_action_plan_2014")
    assert "national_action_plan_2014" in list(zarb["overlapping_events"])
    assert "op_zarb_e_azb" in list(nap["overlapping_events"])
    assert list(nap["same_month_events"]) == ["aps_peshawar_attack"]
    assert list(zarb["same_month_events"]) == []
    joint = read_frame(
        warehouse,
        "select * from marts.policy_outcomes_joint where event_id = 'op_zarb_e_azb' "
        "and source = 'ucdp_ged' and violence_class = 'all'",
    ).set_index("term_event_id")
    assert {"op_zarb_e_azb", "national_action_plan_2014", "aps_peshawar_attack"} <= set(joint.index)
    assert (
        joint.loc["op_zarb_e_azb", "term_rel_month"] == 0
        and joint.loc["national_action_plan_2014", "term_rel_month"] == 6
    )
    # NAP and the school attack share a month, hence one term
    assert (
        joint.loc["national_action_plan_2014", "its_level_change"]
        == joint.loc["aps_peshawar_attack", "its_level_change"]
    )
    for term in ["op_zarb_e_azb", "national_action_plan_2014"]:
        r = joint.loc[term]
        assert r["its_level_ci_low"] < r["its_level_change"] < r["its_level_ci_high"]
        assert 0 <= r["its_level_p"] <= 1 and r["its_model"].startswith("poisson glm")


@pytest.fixture(scope="module")
def ucdp_family_events(ucdp_raw, lineage) -> pd.DataFrame:  # noqa: F811
    """(UCDP event, month, family) for every family that took part in an event of the raw file: for a
    state-based event (1) its non-government side(s), for a non-state clash (2) both sides, for one-sided
    violence (3) side_a; a side named by the curated aliases resolves to its group, whose family on the event's
    date the curated relations give."""
    raw = ucdp_raw
    groups = ucdp_groups()
    rows = []
    for r in raw.itertuples():
        kind, day = r.type_of_violence, pd.Timestamp(r.date_start[:10]).date()
        sides = [
            s
            for s, used in (
                (r.side_a, kind in ("2", "3") or not r.side_a.startswith("Government of")),
                (r.side_b, kind == "2" or (kind == "1" and not r.side_b.startswith("Government of"))),
            )
            if used and s
        ]
        for side in sides:
            group = groups.get(normalize(side))
            if group is not None:
                rows.append((r.id, pd.Period(day, "M"), family(group, day, lineage)))
    return pd.DataFrame(rows, columns=["id", "month", "family"]).drop_duplicates()


def test_decapitation_pooled_ttp_family_recomputed(shared_warehouse, ucdp_family_events, lineage):  # noqa: F811
    _, warehouse, _ = shared_warehouse
    # the removals as loaded (curated ones and the targets New America names); their counts come from the raw file
    removals = read_frame(
        warehouse,
        """select leadership_event_id, group_id, strftime(event_date, '%Y-%m-%d') as event_date
        from core.leadership_events
        where event_type in ('killed', 'captured', 'arrested', 'died') and event_precision in ('day', 'month')""",
    )
    ttp = ucdp_family_events[ucdp_family_events["family"] == "ttp"].drop_duplicates("id")
    per_month = ttp.groupby("month").size()
    ratios, included, excluded = {}, set(), {}
    for r in removals.itertuples():
        date = dt.date.fromisoformat(r.event_date)
        if family(r.group_id, date, lineage) != "ttp":
            continue
        month = pd.Period(date, "M")
        if not (UCDP_FIRST <= month - 12 and month + 12 <= UCDP_LAST):  # every month -12..12 covered, or left out
            excluded[r.leadership_event_id] = "covers"
            continue
        counts = {rel: int(per_month.get(month + rel, 0)) for rel in range(-12, 13)}
        pre = [counts[rel] for rel in range(-12, 0)]
        if sum(pre) < 12:
            excluded[r.leadership_event_id] = "fewer than 12"
            continue
        included.add(r.leadership_event_id)
        mean = sum(pre) / len(pre)
        for rel, n in counts.items():
            ratios.setdefault(rel, []).append(n / mean)
    mart = read_frame(
        warehouse,
        "select * from marts.decapitation_pooled where family_scope = 'ttp' "
        "and source = 'ucdp_ged' and violence_class = 'all' order by rel_month",
    ).set_index("rel_month")
    assert included and excluded and list(mart.index) == list(range(-12, 13))
    assert set(ratios) == set(range(-12, 13))
    for rel, values in ratios.items():
        assert mart.loc[rel, "n_events"] == len(values) == len(included)
        assert mart.loc[rel, "mean_ratio"] == pytest.approx(np.mean(values), abs=TOL)
        assert set(mart.loc[rel, "event_ids"]) == included
    listed = {x["leadership_event_id"]: x["reason"] for x in mart.loc[0, "excluded_events"]}
    assert set(listed) == set(excluded)
    assert all(why in listed[e] for e, why in excluded.items())
    both = mart.dropna(subset=["ratio_ci_low", "ratio_ci_high"])
    assert len(both) == 25
    assert ((both["ratio_ci_low"] <= both["mean_ratio"]) & (both["mean_ratio"] <= both["ratio_ci_high"])).all()
    everything = read_frame(warehouse, "select * from marts.decapitation_pooled where ratio_ci_low is not null")
    assert (
        (everything["ratio_ci_low"] <= everything["mean_ratio"])
        & (everything["mean_ratio"] <= everything["ratio_ci_high"])
    ).all()


def test_difference_in_differences_rows(shared_warehouse, ucdp_raw, ucdp_pakistan_monthly):
    _, warehouse, _ = shared_warehouse
    did = read_frame(warehouse, "select * from marts.policy_did where source = 'ucdp_ged' and violence_class = 'all'")
    zarb = did[did["event_id"] == "op_zarb_e_azb"].iloc[0]
    # harmonized provinces: FATA and Khyber Pakhtunkhwa are one unit on both sides of the 2018 merger
    assert (zarb["treated_unit"], zarb["comparison_unit"]) == (KP_HARMONIZED, "rest of Pakistan")
    monthly = pd.DataFrame(list(zarb["monthly"]))
    assert len(monthly) == 24 and 0 not in set(monthly["rel_month"])
    assert zarb["treated_before"] == monthly.loc[monthly["rel_month"] < 0, "treated"].sum()
    # the arms recomputed from the raw file: KP and former FATA as one unit against every other named province
    month = event_month("op_zarb_e_azb")
    pak = ucdp_raw[ucdp_raw["country"] == "Pakistan"]
    in_unit = pak["adm_1"].str.contains(r"khyber|pakhtun|federally administered", case=False, regex=True)
    for rel, treated, comparison in monthly[["rel_month", "treated", "comparison"]].itertuples(index=False):
        this = pak["month"] == month + rel
        assert treated == int((this & in_unit).sum())
        assert comparison == int((this & ~in_unit & (pak["adm_1"] != "")).sum())
    # the two arms never exceed the country's count (incidents with no province are in neither)
    national = {rel: int(ucdp_pakistan_monthly.get(month + rel, 0)) for rel in monthly["rel_month"]}
    assert all(
        t + c <= national[rel] for rel, t, c in monthly[["rel_month", "treated", "comparison"]].itertuples(index=False)
    )
    fitted = did.dropna(subset=["did_ratio"])
    assert len(fitted) >= 5 and fitted["pretrend_p_value"].notna().all()
    assert ((fitted["did_ci_low"] < fitted["did_ratio"]) & (fitted["did_ratio"] < fitted["did_ci_high"])).all()
    family_rows = did[did["scope"] == "group_family"]
    assert (family_rows["comparison_unit"].str.startswith("other group families")).all()
