"""The report's numbers: read-only queries on the published warehouse, one frame per chart or table.

Every figure comes from a mart or a contract table as documented in docs/data_dictionary.md; nothing here
adds sources together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

COUNTRIES = ["Pakistan", "Afghanistan"]
# Families whose lineage the report draws (and whose leaders' deaths mark the trend charts).
LINEAGE_ROOTS = ["ttp", "is"]
# Relations that make or move a group's membership of a family; alliances and rivalries do not.
LINEAGE_RELATIONS = ["split_from", "faction_of", "merged_into", "rejoined", "pledged_allegiance_to", "renamed_to"]
# Leadership events that remove a leader (a false report of death is not a removal).
REMOVALS = ["killed", "captured", "arrested", "died"]
MONTHLY_FROM = "2001-01-01"
TRENDS_FROM_YEAR = 1990
TOP_FAMILIES = 8
TOP_UNRESOLVED = 15
EVENT_STUDY_MIN_INCIDENTS = 10
OUTCOME_WINDOW = 12
# Trend charts show one violence class (core.incidents.violence_class): like PIPS's totals, attacks by militants.
DEFAULT_VIOLENCE_CLASS = "non_state_attack"
# Event studies and policy outcomes show 'all': every class of the source that is an outcome of the event.
OUTCOME_VIOLENCE_CLASS = "all"


@dataclass
class ReportData:
    build: dict
    coverage: pd.DataFrame
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    warehouse: Path | None = None  # the published file read (its latest run's outcome is said at the top)


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def build_info(con) -> dict:
    row = con.execute("select build_id, run_id, built_at, raw_dir from meta.build_info").fetchone()
    if row is None:
        return {"build_id": None, "run_id": None, "built_at": None, "raw_dir": None}
    return dict(zip(["build_id", "run_id", "built_at", "raw_dir"], row))


def source_coverage(con) -> pd.DataFrame:
    """First and last dated event and incident count per source, Pakistan and Afghanistan only."""
    return _df(
        con,
        """
        select source, country, count(*) as incidents, min(event_date) as first_event, max(event_date) as last_event,
               count(*) filter (where date_precision = 'year') as incidents_year_only
        from core.incidents where country in ('Pakistan', 'Afghanistan')
        group by source, country order by country desc, source
    """,
    )


# Per source and period of one violence class, with core.source_coverage: a covered period without events is 0,
# a period the source does not cover is NULL (the chart breaks its line there), and a source without coverage
# (the curated selection) is shown as it is.
COVERED_PERIODS = """
    with ev as (
        select period_start, source, sum(incidents) as incidents, sum(fatalities_best) as fatalities
        from marts.attack_trends
        where period_grain = $grain and country = $country and violence_class = $class and period_start >= $from
        group by all
    ),
    covered as (
        select source, date_trunc($grain, month_start)::date as period_start, count(distinct month_start) as months
        from core.source_coverage where countable and country = $country group by all
    ),
    span as (
        select source, greatest(min(period_start), $from::date) as first_period, max(period_start) as last_period
        from covered group by source
    ),
    grid as (
        select s.source, unnest(generate_series(s.first_period, s.last_period,
                                                case $grain when 'year' then interval 1 year else interval 1 month end))::date
               as period_start
        from span s where s.first_period <= s.last_period
    )
    select g.period_start, g.source,
           case when c.months > 0 then coalesce(e.incidents, 0) end as incidents,
           case when c.months > 0 then coalesce(e.fatalities, 0) end as fatalities,
           coalesce(c.months, 0) as covered_months
    from grid g
    left join covered c using (source, period_start)
    left join ev e using (source, period_start)
    union all
    select e.period_start, e.source, e.incidents, e.fatalities, null
    from ev e where e.source not in (select source from covered)
"""


def covered_periods(con, country: str, grain: str, since: str, violence_class: str) -> pd.DataFrame:
    return _df(con, COVERED_PERIODS, {"grain": grain, "country": country, "class": violence_class, "from": since})


def coverage_text(con, country: str) -> str:
    """Each countable source's covered months in the country as spans ('UCDP 1989-01–2021-12, 2023-10'), and
    the gaps between them: every figure states what it can and cannot see."""
    rows = _df(
        con,
        """
        with m as (select distinct source, month_start from core.source_coverage where countable and country = ?),
        runs as (select source, month_start,
                        month_start - to_months(row_number() over (partition by source order by month_start)::int) as run
                 from m)
        select source, strftime(min(month_start), '%Y-%m') as first, strftime(max(month_start), '%Y-%m') as last
        from runs group by source, run order by source, first
    """,
        [country],
    )
    if rows.empty:
        return f"no event data covers {country}"
    parts = []
    for source, spans in rows.groupby("source", sort=True):
        parts.append(
            source + " " + ", ".join(a if a == b else f"{a}–{b}" for a, b in zip(spans["first"], spans["last"]))
        )
    return f"covered months in {country}: " + "; ".join(parts)


def yearly_trend(con, country: str) -> pd.DataFrame:
    """Per source and year: incidents and known fatalities of the default violence class (attack_trends year
    rows; 0 in covered years without events, NULL in years the source does not cover in full) plus PIPS totals."""
    events = covered_periods(con, country, "year", f"{TRENDS_FROM_YEAR}-01-01", DEFAULT_VIOLENCE_CLASS)
    # a year the source covers only in part (UCDP 2023: the October Candidate release) is not comparable with a
    # whole one: left out (the monthly chart shows its months)
    partial = events["covered_months"].notna() & (events["covered_months"] < 12)
    events.loc[partial, ["incidents", "fatalities"]] = None
    events = pd.DataFrame(
        {
            "year": pd.to_datetime(events["period_start"]).dt.year.astype(int),
            "source": events["source"],
            "kind": "event data",
            "incidents": events["incidents"].astype("Int64"),
            "fatalities": events["fatalities"],
        }
    )
    published = _df(
        con,
        """
        select year(period_start)::integer as year, publisher as source, 'published total' as kind,
               max(value) filter (where measure = 'attacks')::bigint as incidents,
               max(value) filter (where measure = 'killed')::double as fatalities
        from core.published_aggregates
        where publisher = 'PIPS' and country = ? and period_grain = 'year' and measure in ('attacks', 'killed')
          and is_preferred
        group by all
    """,
        [country],
    )
    frame = pd.concat([events, published], ignore_index=True).sort_values(["source", "year"], ignore_index=True)
    return frame[frame["year"] >= TRENDS_FROM_YEAR].reset_index(drop=True)


def monthly_trend(con, country: str) -> pd.DataFrame:
    frame = covered_periods(con, country, "month", MONTHLY_FROM, DEFAULT_VIOLENCE_CLASS)
    frame = frame.rename(columns={"period_start": "month"}).drop(columns="covered_months")
    frame["month"] = pd.to_datetime(frame["month"])
    frame["incidents"] = frame["incidents"].astype("Int64")
    return frame.sort_values(["source", "month"], ignore_index=True)


def family_trend(con, country: str) -> pd.DataFrame:
    """Yearly incidents per source for the largest group families (and the unattributed)."""
    return _df(
        con,
        """
        with fam as (
            select coalesce(t.group_family_id, '(unattributed)') as family_id, t.source,
                   year(t.period_start)::integer as year, sum(t.incidents)::bigint as incidents
            from marts.attack_trends t
            where t.period_grain = 'year' and t.country = ? and year(t.period_start) >= ? and t.violence_class = ?
            group by all
        ), top as (
            select family_id from fam group by family_id
            order by family_id = '(unattributed)' desc, sum(incidents) desc limit ?
        )
        select fam.*, coalesce(g.short_name, fam.family_id) as family
        from fam join top using (family_id) left join core.groups g on g.group_id = fam.family_id
        order by family_id, source, year
    """,
        [country, TRENDS_FROM_YEAR, DEFAULT_VIOLENCE_CLASS, TOP_FAMILIES + 1],
    )


def province_trend(con, country: str) -> pd.DataFrame:
    return _df(
        con,
        """
        select coalesce(admin1_harmonized, '(province unknown)') as province, source,
               year(period_start)::integer as year, sum(incidents)::bigint as incidents
        from marts.attack_trends
        where period_grain = 'year' and country = ? and year(period_start) >= ? and violence_class = ?
        group by all order by province, source, year
    """,
        [country, TRENDS_FROM_YEAR, DEFAULT_VIOLENCE_CLASS],
    )


def policy_markers(con, country: str) -> pd.DataFrame:
    return _df(
        con,
        """
        select name, category, start_date as date, start_precision as precision
        from core.policy_events
        where scope_country = ? and start_precision in ('day', 'month')
        order by start_date
    """,
        [country],
    )


def leader_kill_markers(con, country: str) -> pd.DataFrame:
    """Leaders of TTP- and IS-family groups (their family on the day) removed (killed, captured, ...) in the country."""
    return _df(
        con,
        f"""
        select distinct coalesce(l.name, e.leader_id) as leader, e.group_id, coalesce(g.short_name, e.group_id) as grp,
               e.event_type, e.event_date as date
        from core.leadership_events e
        join marts.group_family_membership m on m.group_id = e.group_id
             and e.event_date >= coalesce(m.valid_from, '-infinity'::date)
             and e.event_date < coalesce(m.valid_to, 'infinity'::date)
             and m.family_id in ({", ".join("?" * len(LINEAGE_ROOTS))})
        left join core.leaders l using (leader_id)
        left join core.groups g on g.group_id = e.group_id
        where e.event_type = 'killed' and e.country = ? and e.event_precision in ('day', 'month')
        order by date
    """,
        [*LINEAGE_ROOTS, country],
    )


def lineage(con) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(groups, relations) of the TTP and IS families: descendants in marts.group_lineage plus every group
    that a lineage relation (split, faction, merger, rejoining, pledge, renaming) links to them."""
    roots = ", ".join("?" * len(LINEAGE_ROOTS))
    kinds = ", ".join("?" * len(LINEAGE_RELATIONS))
    members = _df(
        con,
        f"""
        select descendant_group_id as group_id, ancestor_group_id as family_root
        from marts.group_lineage where ancestor_group_id in ({roots})
    """,
        LINEAGE_ROOTS,
    )
    ids = list(members["group_id"])
    if not ids:
        return pd.DataFrame(), pd.DataFrame()
    marks = ", ".join("?" * len(ids))
    relations = _df(
        con,
        f"""
        select r.from_group_id, r.to_group_id, r.relation_type, r.start_date, r.start_precision, r.end_date,
               r.source, coalesce(r.note, '') as note
        from core.group_relations r
        where r.relation_type in ({kinds}) and (r.from_group_id in ({marks}) or r.to_group_id in ({marks}))
          and r.start_date is not null
        order by r.start_date
    """,
        [*LINEAGE_RELATIONS, *ids, *ids],
    )
    linked = set(relations["from_group_id"]) | set(relations["to_group_id"]) | set(ids)
    marks = ", ".join("?" * len(linked))
    groups = _df(
        con,
        f"""
        select group_id, coalesce(short_name, name) as short_name, name, founded_on, founded_precision,
               dissolved_on
        from core.groups where group_id in ({marks})
    """,
        sorted(linked),
    )
    family = dict(zip(members["group_id"], members["family_root"]))
    # A group in both families (none today) is drawn in the first root's.
    groups["family"] = [
        {"ttp": "TTP family", "is": "IS family"}.get(family.get(g), "linked group") for g in groups["group_id"]
    ]
    return groups, relations


def event_study(con) -> pd.DataFrame:
    """Incidents by month relative to each leader's removal, for the sources with any incident in the window
    and the removals of curated leaders with at least EVENT_STUDY_MIN_INCIDENTS in one source."""
    return _df(
        con,
        f"""
        with s as (
            select d.*, sum(d.incidents) over (partition by d.leadership_event_id, d.source) as source_total
            from marts.decapitation_event_study d where d.violence_class = '{OUTCOME_VIOLENCE_CLASS}'
        ), kept as (
            -- Leaders with a curated role (founder, emir, deputy, commander): the drone-era targets that only
            -- New America lists would bury them in dozens of near-identical al-Qaeda panels.
            select * from s where source_total > 0
              and leadership_event_id in (select leadership_event_id from s group by 1
                                          having max(source_total) >= {EVENT_STUDY_MIN_INCIDENTS})
              and leadership_event_id in (select e.leadership_event_id from core.leadership_events e
                                          join core.leaders l using (leader_id) where l.role is not null)
        )
        select k.leadership_event_id, k.group_family_id, k.rel_month::integer as rel_month, k.source,
               k.incidents::bigint as incidents, k.fatalities_best,
               coalesce(l.name, e.leader_id) as leader, e.event_type, e.event_date,
               coalesce(l.name, e.leader_id) || ' (' || coalesce(g.short_name, k.group_family_id) || ' family), '
                 || e.event_type || ' ' || strftime(e.event_date, '%Y-%m-%d') as event_label
        from kept k
        join core.leadership_events e using (leadership_event_id)
        join core.leaders l using (leader_id)
        left join core.groups g on g.group_id = k.group_family_id
        order by e.event_date, k.leadership_event_id, k.source, k.rel_month
    """,
    )


def policy_outcomes(con) -> pd.DataFrame:
    return _df(
        con,
        """
        select p.name as policy, o.event_date, o.scope, o.scope_value, o.source, o.window_months,
               o.incidents_before::bigint as incidents_before, o.incidents_after::bigint as incidents_after,
               o.n_months_pre, o.n_months_post, o.rate_ratio, o.rr_ci_low, o.rr_ci_high,
               o.its_level_change, o.its_level_p, o.dispersion, o.rr_exact_ci_low, o.rr_exact_ci_high,
               o.rr_p_value, o.rr_q_value, o.its_slope_change, o.its_slope_p,
               array_to_string(o.same_month_events, ', ') as same_month_events
        from marts.policy_outcomes o join core.policy_events p on p.policy_event_id = o.event_id
        where o.event_kind = 'policy' and o.window_months = ? and o.incidents_before + o.incidents_after > 0
          and o.violence_class = ?
        order by o.event_date, o.scope, o.scope_value, o.source
    """,
        [OUTCOME_WINDOW, OUTCOME_VIOLENCE_CLASS],
    )


def decapitation_pooled(con) -> pd.DataFrame:
    """The pooled event study of every removal and of the TTP and IS families, for the sources where at least
    two removals are pooled (the outcome violence class)."""
    return _df(
        con,
        f"""
        with p as (
            select d.*, max(d.n_events) over (partition by d.family_scope, d.source) as most_events
            from marts.decapitation_pooled d
            where d.family_scope in ('all', 'ttp', 'is') and d.violence_class = '{OUTCOME_VIOLENCE_CLASS}'
        )
        select p.family_scope, p.source, p.rel_month::integer as rel_month, p.n_events::integer as n_events,
               p.mean_ratio, p.ratio_ci_low, p.ratio_ci_high,
               case p.family_scope when 'all' then 'every removal' else coalesce(g.short_name, p.family_scope) || ' family' end
                 || ' (up to ' || p.most_events || ' removals, ' || len(p.excluded_events) || ' left out)' as panel
        from p left join core.groups g on g.group_id = p.family_scope
        where p.most_events >= 2 and p.n_events > 0
        order by p.family_scope, p.source, p.rel_month
    """,
    )


def its_fits(con) -> pd.DataFrame:
    """UCDP national monthly counts around each policy event with the ITS fit, from the marts."""
    return _df(
        con,
        f"""
        with o as (
            select event_id, source, scope, scope_value, violence_class, its_fitted, its_level_change,
                   its_slope_change
            from marts.policy_outcomes
            where event_kind = 'policy' and scope = 'national' and source = 'ucdp_ged' and window_months = 12
              and its_fitted is not null and violence_class = '{OUTCOME_VIOLENCE_CLASS}'
        )
        select s.event_id, s.rel_month::integer as rel_month, s.incidents::bigint as incidents,
               o.its_fitted[s.rel_month + 25] as fitted,
               p.name || ' (' || strftime(p.start_date, '%Y-%m') || '): level ' || round(o.its_level_change, 2)
                 || ', slope ' || round(o.its_slope_change, 3) as panel
        from marts.event_monthly_series s
        join o using (event_id, source, scope, scope_value, violence_class)
        join core.policy_events p on p.policy_event_id = s.event_id
        where s.in_coverage
        order by p.start_date, s.event_id, s.rel_month
    """,
    )


def reconciliation(con, country: str) -> pd.DataFrame:
    return _df(
        con,
        """
        select year::integer as year, source, kind, counts, incidents::bigint as incidents,
               fatalities_best as fatalities
        from marts.source_reconciliation where country = ? and year >= ?
          -- one line per source: every violence class of an event source together; the preferred edition of
          -- each published total; ACLED's aggregates by event type have their own section
          and ((kind = 'event_data' and violence_class = 'all') or (kind = 'published' and is_preferred and source <> 'ACLED'))
        order by source, year
    """,
        [country, TRENDS_FROM_YEAR],
    )


def acled_aggregates(con, country: str) -> pd.DataFrame:
    """ACLED's published events and fatalities per year and event type (marts.source_reconciliation)."""
    return _df(
        con,
        """
        select year::integer as year, regexp_extract(definition, '^ACLED event type ([^:]+):', 1) as event_type,
               incidents::bigint as events, fatalities_best::bigint as fatalities, published_months::integer as months,
               edition
        from marts.source_reconciliation
        where country = ? and source = 'ACLED' and kind = 'published' and is_preferred and year between 2021 and 2024
        order by year, event_type
    """,
        [country],
    )


def latest_checks(con) -> pd.DataFrame:
    return _df(
        con,
        """
        select asset, check_name, severity, success, observed_value, unexpected_count, checked_at
        from dq.check_results
        qualify row_number() over (partition by asset, check_name order by checked_at desc) = 1
        order by success, severity, asset, check_name
    """,
    )


def file_loads(con) -> pd.DataFrame:
    return _df(
        con,
        """
        select source, source_file, rows_read, rows_loaded, rows_quarantined, loaded_at
        from dq.file_loads where is_current order by rows_quarantined desc, source_file
    """,
    )


def unresolved(con) -> pd.DataFrame:
    """The names that should have resolved and did not ('not a group' names are left out on purpose)."""
    return _df(
        con,
        f"""
        select source, perpetrator_raw, incidents, incidents_pak_afg
        from dq.unresolved_groups where not coalesce(is_not_a_group, false)
        order by incidents_pak_afg desc, incidents desc, source, perpetrator_raw limit {TOP_UNRESOLVED}
    """,
    )


def linked_yearly(con, event_class: str) -> pd.DataFrame:
    """Per year: each source's events, the distinct events after linkage and the multiple-systems estimate
    (the cells of marts.linked_event_counts summed over provinces and families; an interval is shown only when
    every cell of the year has an estimate)."""
    return _df(
        con,
        """
        with cells as (select * from marts.linked_event_counts where event_class = ? and country = 'Pakistan'),
        entries as (
            select year(period_start)::integer as year, unnest(map_keys(source_events)) as source,
                   unnest(map_values(source_events)) as events
            from cells
        ),
        per_source as (select year, source, sum(events)::bigint as events from entries group by all),
        totals as (
            select year(period_start)::integer as year, sum(distinct_events)::bigint as distinct_events,
                   case when count(*) = count(estimated_events) then sum(estimated_events) end as estimated,
                   case when count(*) = count(estimated_events) then sum(estimate_low) end as low,
                   case when count(*) = count(estimated_events) then sum(estimate_high) end as high,
                   string_agg(distinct estimator, '; ') as estimators
            from cells group by all
        )
        select t.year, p.source, p.events, t.distinct_events, t.estimated, t.low, t.high, t.estimators
        from totals t left join per_source p using (year)
        order by t.year, p.source
    """,
        [event_class],
    )


def example_cluster(con) -> pd.DataFrame:
    """One strike as each source tells it: the largest cluster of drone strikes with one member per source,
    the earliest such."""
    return _df(
        con,
        """
        with c as (
            select cluster_id, min(event_date) as first_day from core.event_clusters
            where event_class = 'drone_strike' group by cluster_id
            having count(*) = 3 and count(distinct source) = 3
            order by first_day limit 1
        )
        select i.source, i.source_event_id, i.event_date, i.admin2, i.location, i.fatalities_low,
               i.fatalities_high, e.is_representative
        from c join core.event_clusters e using (cluster_id) join core.incidents i using (incident_id)
        order by i.source
    """,
    )


def collect(con: duckdb.DuckDBPyConnection) -> ReportData:
    data = ReportData(build=build_info(con), coverage=source_coverage(con))
    f = data.frames
    for country in COUNTRIES:
        key = country.lower()
        f[f"trend_yearly_{key}"] = yearly_trend(con, country)
        f[f"policy_markers_{key}"] = policy_markers(con, country)
        f[f"kill_markers_{key}"] = leader_kill_markers(con, country)
        f[f"reconciliation_{key}"] = reconciliation(con, country)
        f[f"coverage_text_{key}"] = pd.DataFrame({"text": [coverage_text(con, country)]})
        f[f"acled_aggregates_{key}"] = acled_aggregates(con, country)
    f["trend_monthly_pakistan"] = monthly_trend(con, "Pakistan")
    f["trend_family_pakistan"] = family_trend(con, "Pakistan")
    f["trend_province_pakistan"] = province_trend(con, "Pakistan")
    f["lineage_groups"], f["lineage_relations"] = lineage(con)
    f["event_study"] = event_study(con)
    f["policy_outcomes"] = policy_outcomes(con)
    f["decapitation_pooled"] = decapitation_pooled(con)
    f["its_fits"] = its_fits(con)
    f["checks"] = latest_checks(con)
    f["file_loads"] = file_loads(con)
    f["unresolved"] = unresolved(con)
    f["linked_drone_strikes"] = linked_yearly(con, "drone_strike")
    f["linked_example_cluster"] = example_cluster(con)
    f["not_a_group"] = _df(
        con,
        """
        select count(*) as names, coalesce(sum(incidents_pak_afg), 0)::bigint as incidents_pak_afg
        from dq.unresolved_groups where is_not_a_group""",
    )
    return data
