"""Issue 14: source coverage, violence classes, the harmonized province and unknowns, on the shared real files
with the UCDP GED Candidate release (October 2023) beside GED 22.1 (to December 2021). Every expected value is
recomputed with pandas from the raw files (and the curated CSVs), never from the marts."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from tests.conftest import CURATED_DIR, read_frame
from tests.test_marts import family, lineage  # noqa: F401 - lineage is a fixture used below

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

HDX = "ucdp_ged/ged221_pakistan_hdx.csv"
CANDIDATE = "ucdp_ged/ged_candidate_v23_0_10_global.csv"
KAGGLE = "kaggle_pakistan/pakistan_suicide_attacks_ver11_plus2.csv"
KP_HARMONIZED = "Khyber Pakhtunkhwa incl. former FATA"


def months(first: str, last: str) -> set[pd.Period]:
    return set(pd.period_range(first, last, freq="M"))


# What the releases say they cover (UCDP: GED 22.1 = 1989-2021; Candidate 23.0.10 = October 2023), per country:
# the HDX file holds Pakistan only, the Candidate file the whole world.
UCDP_COVERED = {
    "Pakistan": months("1989-01", "2021-12") | months("2023-10", "2023-10"),
    "Afghanistan": months("2023-10", "2023-10"),
}
KAGGLE_COVERED = months("1995-11", "2017-11")  # declared in mappings/kaggle_pakistan_suicide_attacks.yaml


@pytest.fixture(scope="module")
def ucdp(shared_data) -> pd.DataFrame:
    """Both UCDP releases as published; an event id in both keeps the newer release (the Candidate file)."""
    hdx = pd.read_csv(shared_data / HDX, skiprows=[1], low_memory=False)
    candidate = pd.read_csv(shared_data / CANDIDATE, low_memory=False)
    frame = pd.concat([candidate, hdx]).drop_duplicates("id", keep="first")
    frame["month"] = pd.to_datetime(frame["date_start"].str[:10]).dt.to_period("M")
    frame["year"] = frame["month"].dt.year
    government = frame["side_a"].str.startswith("Government of")
    frame["violence_class"] = frame["type_of_violence"].map(
        {1: "state_vs_militant_clash", 2: "militant_vs_militant_clash", 3: "non_state_attack"}
    )
    frame.loc[(frame["type_of_violence"] == 3) & government, "violence_class"] = "state_violence_against_civilians"
    return frame


@pytest.fixture(scope="module")
def warehouse(shared_warehouse_with_candidate):
    return shared_warehouse_with_candidate[1]


def test_source_coverage_declares_releases_and_never_bridges_the_gap(warehouse):
    coverage = read_frame(warehouse, "select * from core.source_coverage where source = 'ucdp_ged'")
    coverage["month"] = pd.to_datetime(coverage["month_start"]).dt.to_period("M")
    for country, expected in UCDP_COVERED.items():
        assert set(coverage.loc[coverage["country"] == country, "month"]) == expected
    assert set(coverage["basis"]) == {"declared"}
    # a file of one country covers only that country: the HDX file covers Pakistan and nothing else
    hdx = coverage[coverage["source_file"].str.endswith("ged221_pakistan_hdx.csv")]
    assert set(hdx["country"]) == {"Pakistan"}
    acled = read_frame(warehouse, "select distinct countable from core.source_coverage where source = 'acled'")
    assert acled["countable"].tolist() == [False]  # the ACLED sample is not a count
    gtd = read_frame(
        warehouse,
        "select min(month_start) as first_note from core.source_coverage "
        "where source = 'gtd' and method_note is not null",
    )
    assert str(gtd["first_note"][0])[:7] == "2012-01"


def test_no_policy_outcome_counts_a_month_outside_coverage(warehouse, ucdp):
    """National Pakistan, every class of UCDP: before/after counts and covered months equal pandas on the raw
    releases restricted to the months the releases cover; a window not fully covered has no estimate."""
    rows = read_frame(
        warehouse,
        "select * from marts.policy_outcomes where source = 'ucdp_ged' and "
        "scope = 'national' and scope_value = 'Pakistan'",
    )
    assert len(rows) > 0
    pak = ucdp[ucdp["country"] == "Pakistan"]
    counts = pak.groupby(["violence_class", "month"]).size()
    totals = pak.groupby("month").size()
    for row in rows.itertuples():
        month = pd.Period(row.event_date, "M")
        before = {month - k for k in range(1, row.window_months + 1)} & UCDP_COVERED["Pakistan"]
        after = {month + k for k in range(1, row.window_months + 1)} & UCDP_COVERED["Pakistan"]
        series = totals if row.violence_class == "all" else counts.get(row.violence_class, pd.Series(dtype=int))
        expect_before = int(sum(series.get(m, 0) for m in before)) if before else None
        expect_after = int(sum(series.get(m, 0) for m in after)) if after else None
        assert (row.n_months_pre, row.n_months_post) == (len(before), len(after)), row
        got_before = None if pd.isna(row.incidents_before) else int(row.incidents_before)
        got_after = None if pd.isna(row.incidents_after) else int(row.incidents_after)
        assert (got_before, got_after) == (expect_before, expect_after), row
        if len(before) < row.window_months or len(after) < row.window_months:
            assert pd.isna(row.rate_ratio) and pd.isna(row.its_level_change), row
            assert "covers" in row.not_estimable_reason


def test_decapitation_study_rows_are_covered_months(warehouse):
    rows = read_frame(
        warehouse, "select source, month_start, incidents from marts.decapitation_event_study where source = 'ucdp_ged'"
    )
    rows["month"] = pd.to_datetime(rows["month_start"]).dt.to_period("M")
    # TTP's and the other families' base country is Pakistan, Global groups have no coverage at all
    assert set(rows["month"]) <= UCDP_COVERED["Pakistan"]
    assert rows["incidents"].notna().all()


def test_khorasani_has_no_ucdp_rate_ratio_and_says_why(warehouse):
    rows = read_frame(
        warehouse,
        "select * from marts.policy_outcomes where event_id = "
        "'omar_khalid_khorasani_killed_20220807' and source = 'ucdp_ged'",
    )
    assert {"all", "non_state_attack", "state_vs_militant_clash"} <= set(rows["violence_class"])
    month = pd.Period("2022-08", "M")
    for row in rows.itertuples():
        after = {month + k for k in range(1, row.window_months + 1)} & UCDP_COVERED["Pakistan"]
        assert row.n_months_post == len(after) < row.window_months
        assert pd.isna(row.rate_ratio) and pd.isna(row.rr_ci_low) and pd.isna(row.rr_ci_high)
        assert row.not_estimable_reason.startswith("ucdp_ged covers")


def kaggle_months(shared_data) -> pd.Series:
    frame = pd.read_csv(shared_data / KAGGLE, encoding="cp1252")
    text = frame["Date"].str.replace(r"^[A-Za-z]+\s*-\s*", "", regex=True)
    parsed = pd.Series(pd.NaT, index=frame.index)
    for fmt in ("%B %d-%Y", "%b %d-%Y", "%B-%d-%Y", "%b-%d-%Y"):
        parsed = parsed.fillna(pd.to_datetime(text, format=fmt, errors="coerce"))
    assert parsed.notna().all()
    return parsed.dt.to_period("M")


def test_kaggle_suicide_events_after_declared_coverage_are_null(warehouse, shared_data):
    month_of = kaggle_months(shared_data)
    assert sum(m > max(KAGGLE_COVERED) for m in month_of) == 2  # the two July 2018 rows
    series = read_frame(
        warehouse,
        "select * from marts.event_monthly_series where event_id = 'paigham_e_pakistan' "
        "and source = 'kaggle_suicide' and scope = 'national' and violence_class = 'all'",
    )
    series["month"] = pd.to_datetime(series["month_start"]).dt.to_period("M")
    for row in series.itertuples():
        if row.month in KAGGLE_COVERED:
            assert row.in_coverage and row.incidents == int((month_of == row.month).sum()), row
        else:
            assert not row.in_coverage and pd.isna(row.incidents), row
    outcome = read_frame(
        warehouse,
        "select * from marts.policy_outcomes where event_id = 'paigham_e_pakistan' and "
        "source = 'kaggle_suicide' and scope = 'national' and violence_class = 'all'",
    )
    for row in outcome.itertuples():
        month = pd.Period("2018-01", "M")
        before = {month - k for k in range(1, row.window_months + 1)} & KAGGLE_COVERED
        assert row.incidents_before == sum(int((month_of == m).sum()) for m in before)
        assert row.n_months_post == 0 and pd.isna(row.incidents_after) and pd.isna(row.rate_ratio)
        assert row.not_estimable_reason is not None
    trends = read_frame(
        warehouse,
        "select sum(incidents) as n, max(covered_months) as covered from marts.attack_trends "
        "where source = 'kaggle_suicide' and period_grain = 'month' "
        "and period_start = date '2018-07-01'",
    )
    assert (trends["n"][0], trends["covered"][0]) == (2, 0)  # shown as published, flagged as not covered


def test_ucdp_incidents_per_year_and_violence_class(warehouse, ucdp):
    mart = read_frame(
        warehouse,
        "select year(period_start) as year, violence_class, sum(incidents) as incidents "
        "from marts.attack_trends where source = 'ucdp_ged' and country = 'Pakistan' "
        "and period_grain = 'year' group by all",
    )
    got = mart.set_index(["year", "violence_class"])["incidents"].astype(int).to_dict()
    pak = ucdp[ucdp["country"] == "Pakistan"]
    expected = pak.groupby(["year", "violence_class"]).size().to_dict()
    assert got == expected
    # one-sided violence splits by the government on side_a
    assert {c for _, c in got} == {
        "state_vs_militant_clash",
        "militant_vs_militant_clash",
        "non_state_attack",
        "state_violence_against_civilians",
    }


def normalize(name: str) -> str:
    """normalize_group_name of sql/schema.sql: bracketed acronyms out, lower case, non-alphanumerics as one space."""
    name = re.sub(r"\(\s*[^()\s]*[A-Z][^()\s]*[A-Z][^()\s]*\s*\)", " ", name)
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


def ucdp_groups() -> dict[str, str]:
    """UCDP side name (normalised) -> group, from the curated aliases: UCDP's own spellings first, then curated
    names unless classed 'not a group' for UCDP."""
    aliases = pd.read_csv(CURATED_DIR / "group_aliases.csv", dtype=str)
    not_groups = pd.read_csv(CURATED_DIR / "non_group_perpetrators.csv", dtype=str)
    excluded = {normalize(n) for n in not_groups.loc[not_groups["source_system"] == "ucdp", "perpetrator_raw"]}
    curated = {
        normalize(a): g
        for a, g in zip(
            aliases.loc[aliases["source_system"] == "curated", "alias"],
            aliases.loc[aliases["source_system"] == "curated", "group_id"],
        )
        if normalize(a) not in excluded
    }
    own = {
        normalize(a): g
        for a, g in zip(
            aliases.loc[aliases["source_system"] == "ucdp", "alias"],
            aliases.loc[aliases["source_system"] == "ucdp", "group_id"],
        )
    }
    return {**curated, **own}


def test_ttp_as_side_b_of_non_state_events_counts_for_the_ttp(warehouse, ucdp, lineage):  # noqa: F811
    """Hakimullah Mehsud's killing (TTP, 2013-11): the TTP family's non-state clashes per month are every UCDP
    type-2 event with a TTP-family group on either side, side_a or side_b."""
    groups = ucdp_groups()
    clashes = ucdp[(ucdp["type_of_violence"] == 2) & (ucdp["country"] == "Pakistan")].copy()
    day = pd.to_datetime(clashes["date_start"].str[:10]).dt.date

    def families(side):
        return [
            family(groups.get(normalize(n)) if isinstance(n, str) else None, d, lineage)
            for n, d in zip(clashes[side], day)
        ]

    clashes["family_a"], clashes["family_b"] = families("side_a"), families("side_b")
    ttp_b_only = clashes[(clashes["family_b"] == "ttp") & (clashes["family_a"] != "ttp")]
    assert len(ttp_b_only) > 0  # the case the issue is about
    took_part = clashes[(clashes["family_a"] == "ttp") | (clashes["family_b"] == "ttp")]
    mart = read_frame(
        warehouse,
        "select rel_month, incidents from marts.decapitation_event_study "
        "where leadership_event_id = 'hakimullah_mehsud_killed_20131101' and "
        "source = 'ucdp_ged' and violence_class = 'militant_vs_militant_clash' "
        "order by rel_month",
    )
    month = pd.Period("2013-11", "M")
    expected = [(rel, int((took_part["month"] == month + rel).sum())) for rel in range(-12, 13)]
    assert list(mart.itertuples(index=False, name=None)) == expected
    assert sum(n for _, n in expected) > int(
        ((clashes["family_a"] == "ttp") & clashes["month"].between(month - 12, month + 12)).sum()
    )


def test_harmonized_kp_including_former_fata_per_year(warehouse, ucdp):
    pak = ucdp[ucdp["country"] == "Pakistan"]
    in_unit = pak["adm_1"].fillna("").str.contains(r"khyber|pakhtun|federally administered", case=False, regex=True)
    expected = pak[in_unit].groupby("year").size().to_dict()
    mart = read_frame(
        warehouse,
        "select year(period_start) as year, sum(incidents) as n from marts.attack_trends "
        "where source = 'ucdp_ged' and period_grain = 'year' and admin1_harmonized = ? "
        "group by all",
        [KP_HARMONIZED],
    )
    assert mart.set_index("year")["n"].astype(int).to_dict() == expected
    # the as-of-date unit still shows the relabelling the harmonized unit hides
    merged = read_frame(
        warehouse,
        "select count(*) filter (where admin1 = 'FATA') as fata, "
        "count(*) filter (where admin1 = 'Khyber Pakhtunkhwa') as kp from core.incidents "
        "where source = 'ucdp_ged' and event_date >= date '2018-05-31'",
    )
    assert merged["fata"][0] == 0 and merged["kp"][0] > 0


def test_fata_merger_province_outcome_uses_the_harmonized_unit(warehouse, ucdp):
    row = read_frame(
        warehouse,
        "select * from marts.policy_outcomes where event_id = 'fata_merger_25th_amendment' "
        "and scope = 'province' and source = 'ucdp_ged' and violence_class = 'all' "
        "and window_months = 12",
    ).iloc[0]
    assert row["scope_value"] == KP_HARMONIZED
    pak = ucdp[
        (ucdp["country"] == "Pakistan")
        & ucdp["adm_1"].fillna("").str.contains(r"khyber|pakhtun|federally administered", case=False)
    ]
    month = pd.Period("2018-05", "M")
    before = int(pak["month"].between(month - 12, month - 1).sum())
    after = int(pak["month"].between(month + 1, month + 12).sum())
    assert (row["incidents_before"], row["incidents_after"]) == (before, after)
    assert after > 0  # not the 34 -> 0 of KP-or-FATA as of date


def test_every_counting_mart_carries_unknowns_and_class(warehouse):
    for table in (
        "event_monthly_series",
        "policy_outcomes",
        "decapitation_event_study",
        "split_outcomes",
        "attack_trends",
        "source_reconciliation",
    ):
        columns = set(read_frame(warehouse, f"select * from marts.{table} limit 0").columns)
        assert "violence_class" in columns, table
    for table in ("event_monthly_series", "decapitation_event_study", "attack_trends"):
        columns = set(read_frame(warehouse, f"select * from marts.{table} limit 0").columns)
        assert {"incidents", "incidents_unknown_fatalities", "doubtful_incidents"} <= columns, table
    classes = read_frame(warehouse, "select distinct violence_class from marts.policy_outcomes")
    assert "all" in set(classes["violence_class"])


def test_drone_strikes_are_outcomes_only_of_events_that_concern_them(warehouse):
    rows = read_frame(
        warehouse,
        "select distinct o.event_id, p.category from marts.policy_outcomes o "
        "join core.policy_events p on p.policy_event_id = o.event_id "
        "where o.violence_class = 'foreign_air_strike'",
    )
    assert len(rows) > 0 and set(rows["category"]) <= {"external", "diplomatic"}
    law = read_frame(
        warehouse,
        "select count(*) as n from marts.policy_outcomes where event_id = "
        "'twenty_first_amendment' and source = 'newamerica_drones'",
    )
    assert law["n"][0] == 0  # US strikes are not an outcome of a Pakistani constitutional amendment


def test_source_reconciliation_flags_partial_years_and_samples(warehouse, ucdp):
    mart = read_frame(
        warehouse, "select * from marts.source_reconciliation where kind = 'event_data' and violence_class = 'all'"
    )
    ucdp_2023 = mart[(mart["source"] == "ucdp_ged") & (mart["year"] == 2023) & (mart["country"] == "Pakistan")].iloc[0]
    assert ucdp_2023["covered_months"] == 1 and ucdp_2023["is_partial_year"]
    assert ucdp_2023["incidents"] == int(((ucdp["country"] == "Pakistan") & (ucdp["year"] == 2023)).sum())
    ucdp_2020 = mart[(mart["source"] == "ucdp_ged") & (mart["year"] == 2020) & (mart["country"] == "Pakistan")].iloc[0]
    assert ucdp_2020["covered_months"] == 12 and not ucdp_2020["is_partial_year"]
    assert "UCDP GED" in ucdp_2020["counts"]
    acled = mart[mart["source"] == "acled"]
    assert len(acled) > 0 and not acled["countable"].any()


@pytest.mark.parametrize(
    "coverage, key",
    [
        ("{from: 2017-01-01, to: 2016-01-01, countries: [Pakistan]}", "coverage.to"),
        ("{from: 2017-01-01, to: soon, countries: [Pakistan]}", "coverage.to"),
        ("{from: 2017-01-01, to: 2018-01-01, countries: []}", "coverage.countries"),
        ("{from: 2017-01-01, to: 2018-01-01}", "coverage"),
    ],
)
def test_a_bad_coverage_declaration_names_its_key(tmp_path, coverage, key):
    from pipelines.defs.incidents.sources.mapped import MappingError, load_mapping

    text = (CURATED_DIR.parent.parent / "mappings" / "kaggle_pakistan_suicide_attacks.yaml").read_text()
    text = re.sub(r"^coverage: .*$", f"coverage: {coverage}", text, flags=re.M)
    (tmp_path / "mapping.yaml").write_text(text)
    with pytest.raises(MappingError, match=re.escape(f"key '{key}'")):
        load_mapping(tmp_path / "mapping.yaml")


def test_the_shipped_kaggle_mapping_declares_its_coverage():
    from pipelines.defs.incidents.sources.mapped import load_mapping

    mapping = load_mapping(CURATED_DIR.parent.parent / "mappings" / "kaggle_pakistan_suicide_attacks.yaml")
    assert (mapping.coverage_from, mapping.coverage_to, mapping.coverage_countries) == (
        dt.date(1995, 11, 1),
        dt.date(2017, 11, 30),
        ["Pakistan"],
    )


def test_a_changed_taxonomy_reclassifies_stored_incidents_and_the_marts(built_warehouse, tmp_path):
    """Editing raw/curated/violence_classes.csv needs no re-load: the next run rewrites the classes of the
    stored incidents (curated data only, a made-up rule change) and the marts follow."""
    from tests.conftest import copy_built, run_cli

    raw, warehouse = copy_built(built_warehouse, tmp_path)  # a run on the curated data published it
    expected = len(pd.read_csv(raw / "curated" / "incidents.csv"))
    before = read_frame(warehouse, "select violence_class, count(*) as n from marts.incident_facts group by 1")
    assert before.set_index("violence_class")["n"].to_dict() == {"non_state_attack": expected}

    rules = raw / "curated" / "violence_classes.csv"
    rules.write_text(
        rules.read_text().replace("curated,attack,non_state_attack,", "curated,attack,militant_vs_militant_clash,")
    )
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout + result.stderr
    after = read_frame(warehouse, "select violence_class, count(*) as n from marts.incident_facts group by 1")
    assert after.set_index("violence_class")["n"].to_dict() == {"militant_vs_militant_clash": expected}
    core = read_frame(warehouse, "select distinct violence_class from core.incidents")
    assert core["violence_class"].tolist() == ["militant_vs_militant_clash"]
