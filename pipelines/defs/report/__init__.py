"""The analyst report: one self-contained HTML page built from the published warehouse.

Charts are Vega-Lite specifications (made with altair) rendered in the browser by the Vega, Vega-Lite and
vega-embed JavaScript that vl-convert ships, inlined into the page: opening it needs no network.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

REPORT_DIR = "report"
REPORT_FILE = "index.html"
# Below these, a chart would mislead more than it shows: the section says so instead.
MIN_TREND_INCIDENTS = 50
MIN_PUBLISHED_YEARS = 3


def default_report_path(warehouse: Path) -> Path:
    """``warehouse/report/index.html`` beside the published warehouse file."""
    return warehouse.parent / REPORT_DIR / REPORT_FILE


@dataclass
class Figure:
    chart_id: str
    title: str
    source: str
    definitions: str
    coverage: str
    spec: dict | None = None
    table_html: str | None = None
    notice: str | None = None


@dataclass
class Section:
    section_id: str
    title: str
    intro: str
    figures: list[Figure] = field(default_factory=list)


@dataclass
class ReportResult:
    path: Path
    charts: list[str]
    too_little_data: list[str]
    bytes: int


def _years(frame: pd.DataFrame, by: str, label=lambda s: s) -> str:
    if frame.empty:
        return "no data"
    parts = [f"{label(k)} {int(g['year'].min())}–{int(g['year'].max())}" for k, g in frame.groupby(by)]
    return "; ".join(parts)


def _months(frame: pd.DataFrame, by: str, column: str, label=lambda s: s) -> str:
    if frame.empty:
        return "no data"
    return "; ".join(f"{label(k)} {g[column].min():%b %Y}–{g[column].max():%b %Y}" for k, g in frame.groupby(by))


def _table(frame: pd.DataFrame, formats: dict | None = None, row_class=None, sortable: bool = False) -> str:
    formats = formats or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for column, value in record.items():
            if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
                text = "—"
            elif column in formats:
                text = formats[column](value)
            elif isinstance(value, pd.Timestamp):
                text = f"{value:%Y-%m-%d}"
            else:
                text = str(value)
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            # the value a sortable table's script sorts by (other tables keep their plain cells)
            value_attr = f" data-value=\"{value}\"" if sortable and numeric and text != "—" else ""
            cells.append(f"<td{' class=num' if numeric else ''}{value_attr}>{html.escape(text)}</td>")
        css = f" class=\"{row_class(record)}\"" if row_class else ""
        rows.append(f"<tr{css}>{''.join(cells)}</tr>")
    css = " class=\"sortable\"" if sortable else ""
    return f"<table{css}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _trend_section(data, charts) -> Section:
    from pipelines.defs.report.data import DEFAULT_VIOLENCE_CLASS, MONTHLY_FROM, TOP_FAMILIES, TRENDS_FROM_YEAR

    klass = DEFAULT_VIOLENCE_CLASS.replace("_", " ")
    coverage_note = (f" Only {klass}s (violence_class = '{DEFAULT_VIOLENCE_CLASS}': GTD attacks, UCDP one-sided "
                     "violence by militants, suicide attacks); clashes with the state, clashes between groups and "
                     "foreign drone strikes are other classes (marts.attack_trends.violence_class). A covered period "
                     "without events is drawn as 0; a line breaks where its source does not cover the period "
                     "(core.source_coverage); a year it covers only in part is left out of the yearly chart.")

    f = data.frames
    section = Section("trends", "Attack trends",
                      "Incidents and fatalities per source. Sources are never added together: each line is one "
                      "source with its own definition of an incident. Grey dotted rules mark policy events dated "
                      "to the day or month; red triangles mark killings of TTP- and IS-family leaders.")
    for country in ["Pakistan", "Afghanistan"]:
        key = country.lower()
        frame = f[f"trend_yearly_{key}"]
        events = frame[frame["kind"] == "event data"]
        published_years = frame.loc[frame["kind"] == "published total", "year"].nunique()
        figure = Figure(
            f"trend_yearly_{key}", f"{country}: {klass}s and their fatalities per year, by source",
            "marts.attack_trends (year rows), core.published_aggregates (PIPS yearly totals), core.policy_events, "
            "core.leadership_events",
            "Year rows count every incident of the year, whatever its date precision. Fatalities are sums of the "
            "known best figures (unknown is not zero). PIPS counts terrorist attacks only (no operations, clashes "
            "or drone strikes). GTD methods changed in 2011/12: treat 2012 as a break. 'curated' is a selection of "
            f"notable attacks, not a complete count. Shown from {TRENDS_FROM_YEAR}. Markers: grey dotted rules = "
            "policy events dated to the day or month; red triangles = TTP- and IS-family leaders killed (hover for "
            "names)." + coverage_note,
            _years(frame.dropna(subset=["incidents"]), "source", charts.source_label) + ". "
            + f[f"coverage_text_{key}"]["text"][0])
        if events["incidents"].sum() >= MIN_TREND_INCIDENTS or published_years >= MIN_PUBLISHED_YEARS:
            figure.spec = charts.yearly_trend(figure.chart_id, frame, f[f"policy_markers_{key}"],
                                              f[f"kill_markers_{key}"])
        else:
            figure.notice = (f"Too little data: {int(events['incidents'].sum())} incidents in {country} from event "
                             "sources and no published yearly totals.")
        section.figures.append(figure)

    monthly = f["trend_monthly_pakistan"]
    figure = Figure("trend_monthly_pakistan", "Pakistan: incidents per month, by source (month known only)",
                    "marts.attack_trends (month rows), core.policy_events, core.leadership_events",
                    "Month rows count only incidents whose month is known; an incident known only to the year is "
                    f"left out. A multi-day event counts in its first month. Shown from {MONTHLY_FROM[:4]}."
                    + coverage_note,
                    _months(monthly.dropna(subset=["incidents"]), "source", "month", charts.source_label) + ". "
                    + f["coverage_text_pakistan"]["text"][0])
    if _event_incidents(monthly, "source") >= MIN_TREND_INCIDENTS:
        figure.spec = charts.monthly_trend(figure.chart_id, monthly, f["policy_markers_pakistan"],
                                           f["kill_markers_pakistan"])
    else:
        figure.notice = _too_little(monthly, "source")
    section.figures.append(figure)

    families = f["trend_family_pakistan"]
    figure = Figure("trend_family_pakistan", f"Pakistan: incidents per year by group family (largest {TOP_FAMILIES})",
                    "marts.attack_trends (group_family_id), marts.group_family_membership, core.groups",
                    "A group family is the family of the perpetrator group on the event date "
                    "(marts.group_family_membership: splinters that stay in the movement are in their parent's "
                    "family, organisations of their own and defectors are not). '(unattributed)': unknown "
                    "perpetrator, not a group, or a "
                    f"name not yet resolved. Panels have their own y scales. Shown from {TRENDS_FROM_YEAR}. Only "
                    f"{klass}s.",
                    _years(families, "source", charts.source_label))
    if _event_incidents(families, "source") >= MIN_TREND_INCIDENTS:
        figure.spec = charts.small_multiples(figure.chart_id, families, "family", "group family")
    else:
        figure.notice = _too_little(families, "source")
    section.figures.append(figure)

    provinces = f["trend_province_pakistan"]
    figure = Figure("trend_province_pakistan", "Pakistan: incidents per year by province",
                    "marts.attack_trends (admin1_harmonized)",
                    "Provinces conformed across spellings, in one unit for the whole series: FATA, merged into Khyber "
                    "Pakhtunkhwa on 31 May 2018, is in 'Khyber Pakhtunkhwa incl. former FATA' in every year. "
                    f"Panels have their own y scales. Shown from {TRENDS_FROM_YEAR}. Only {klass}s.",
                    _years(provinces, "source", charts.source_label))
    if _event_incidents(provinces, "source") >= MIN_TREND_INCIDENTS:
        figure.spec = charts.small_multiples(figure.chart_id, provinces, "province", "province")
    else:
        figure.notice = _too_little(provinces, "source")
    section.figures.append(figure)
    return section


def _event_incidents(frame: pd.DataFrame, by: str) -> int:
    """Incidents from event sources other than the curated selection of notable attacks."""
    if frame.empty:
        return 0
    return int(frame.loc[frame[by] != "curated", "incidents"].sum())


def _too_little(frame: pd.DataFrame, by: str) -> str:
    total = int(frame["incidents"].sum()) if not frame.empty else 0
    return (f"Too little data: {_event_incidents(frame, by)} incidents from event datasets "
            f"({total} including the curated notable attacks); at least {MIN_TREND_INCIDENTS} are needed.")


def _lineage_section(data, charts) -> Section:
    f = data.frames
    groups, relations = f["lineage_groups"], f["lineage_relations"]
    section = Section("lineage", "Group lineage: the TTP and IS families",
                      "Each row is a group (bar: from its founding, or its first dated relation, to its dissolution "
                      "or today). Each vertical stroke is a dated relation from the group marked ● to the group "
                      "marked ▲: splits, factions, mergers, rejoinings, pledges of allegiance.")
    as_of = (data.build.get("built_at") or dt.datetime.now()).date()
    coverage = (f"{len(groups)} groups, {len(relations)} dated relations, "
                f"{relations['start_date'].min():%Y}–{relations['start_date'].max():%Y}" if len(relations) else "no data")
    figure = Figure("lineage", "TTP and IS families: splits, mergers and pledges over time",
                    "marts.group_lineage (family membership), core.group_relations, core.groups",
                    "Family = descendants of TTP or IS through split_from / faction_of relations; 'linked group' = a "
                    "group tied to a family member by a split, faction, merger, rejoining, pledge or renaming. "
                    "Alliances and rivalries are not drawn. Relations without a date are left out.", coverage)
    if len(relations):
        figure.spec = charts.lineage(figure.chart_id, groups, relations, as_of)
    else:
        figure.notice = "Too little data: no dated lineage relation of the TTP or IS families."
    section.figures.append(figure)
    return section


def _event_study_section(data, charts) -> Section:
    from pipelines.defs.report.data import EVENT_STUDY_MIN_INCIDENTS, OUTCOME_WINDOW

    f = data.frames
    section = Section("event-studies", "Event studies",
                      "What happened to a group family's violence around the removal of its leader, and around "
                      "policy events. These are descriptive before/after comparisons, not causal estimates.")
    study = f["event_study"]
    coverage = (f"{study['leadership_event_id'].nunique()} removals, {study['event_date'].min():%Y}–"
                f"{study['event_date'].max():%Y}; sources: {', '.join(sorted(study['source'].map(charts.source_label).unique()))}"
                if len(study) else "no data")
    figure = Figure("event_study", "Incidents of the leader's group family by month relative to the removal",
                    "marts.decapitation_event_study, core.leadership_events, core.leaders",
                    "Incidents of the leader's family (as of the removal date) whose month is known, per month from "
                    "−12 to +12 around the removal's month (0), every violence class of the source (violence_class "
                    "'all'; drone strikes only for leaders killed by one); an incident counts for every family that "
                    "took part in it. Months outside a source's coverage are absent, not "
                    f"zero. Shown: removals of leaders with a curated role (founder, emir, deputy, commander) with at least {EVENT_STUDY_MIN_INCIDENTS} incidents in one source; only "
                    "sources with incidents in the window.", coverage)
    if len(study):
        figure.spec = charts.event_study(figure.chart_id, study)
    else:
        figure.notice = ("Too little data: no leadership removal has incidents of its group family in the event "
                         "datasets (the curated notable attacks are not used for event studies).")
    section.figures.append(figure)

    outcomes = f["policy_outcomes"]
    national = outcomes[outcomes["scope"] == "national"]
    coverage = (f"{outcomes['policy'].nunique()} policy events, {outcomes['event_date'].min():%Y}–"
                f"{outcomes['event_date'].max():%Y}" if len(outcomes) else "no data")
    definitions = (f"Incidents in the {OUTCOME_WINDOW} covered months before and after the event's month (the "
                   "event's month in neither). Rate ratio = (after / months after) / (before / months before); 95% "
                   "interval quasi-Poisson (a Poisson GLM on the monthly counts with the Pearson dispersion, floored "
                   "at 1: monthly counts are overdispersed); the exact Poisson interval, too narrow when the "
                   "dispersion exceeds 1, is drawn faint beside it. q = Benjamini-Hochberg q-value over every rate "
                   "ratio of marts.policy_outcomes (all violence classes together). ITS: segmented Poisson "
                   "regression over ±24 months with month-of-year terms and Newey-West errors, as rate ratios. "
                   "Events of the same month have the same counts (one finding, not two). Every violence "
                   "class of the source that is an outcome of the event (violence_class 'all'; foreign drone strikes "
                   "only for external and diplomatic events). No estimate where the source does not cover all "
                   f"{OUTCOME_WINDOW} months on both sides (marts.policy_outcomes.not_estimable_reason).")
    figure = Figure("policy_rate_ratios", f"Policy events: national rate ratio, {OUTCOME_WINDOW} months after vs before",
                    "marts.policy_outcomes (scope national), core.policy_events", definitions + " Intervals are "
                    "drawn clipped to 0.05–20; an arrow marks a clipped end.", coverage)
    if national["rate_ratio"].notna().any():
        figure.spec = charts.rate_ratios(figure.chart_id, national)
    else:
        figure.notice = "Too little data: no policy event has incidents before it in any event dataset."
    section.figures.append(figure)

    fits = f["its_fits"]
    figure = Figure("policy_its", "Policy events: UCDP monthly incidents in Pakistan with the interrupted-time-series fit",
                    "marts.event_monthly_series, marts.policy_outcomes (its_fitted), core.policy_events",
                    "Blue: incidents per covered month, ±24 months around the event's month. Red: the fitted mean of "
                    "the segmented Poisson regression (level and slope change at the event, month-of-year terms; the "
                    "event's month is not fitted). The panel title gives the level and slope change as rate ratios. "
                    "Other events inside the window are not modelled here: see marts.policy_outcomes_joint.",
                    f"{fits['event_id'].nunique()} policy events" if len(fits) else "no data")
    if len(fits):
        figure.spec = charts.its_fits(figure.chart_id, fits)
    else:
        figure.notice = "Too little data: no policy event has an ITS fit on UCDP's national counts."
    section.figures.append(figure)

    pooled = f["decapitation_pooled"]
    figure = Figure("decapitation_pooled", "Leader removals pooled: incidents relative to each group family's own "
                    "pre-removal level", "marts.decapitation_pooled",
                    "Each removal's monthly incidents of the leader's family divided by its own mean over months −12 "
                    "to −1, averaged over the removals (1 = the pre-removal level); violence class 'all'. Band: 95% "
                    "interval from a Poisson model clustered by removal. Removals whose months −12..12 the source "
                    "does not all cover, or with fewer than 12 incidents before them, are left out (listed in the "
                    "mart with the reason). Removals of one family close in time share months, so the band is too "
                    "narrow for them.",
                    "; ".join(sorted(pooled["panel"].unique())) if len(pooled) else "no data")
    if len(pooled):
        figure.spec = charts.pooled_event_study(figure.chart_id, pooled)
    else:
        figure.notice = "Too little data: no two removals of one family have 12 incidents before them in a source."
    section.figures.append(figure)

    figure = Figure("policy_outcomes_table", f"Policy outcomes, every scope ({OUTCOME_WINDOW}-month windows)",
                    "marts.policy_outcomes, core.policy_events", definitions + " Click a column header to sort.",
                    coverage)
    if len(outcomes):
        table = outcomes.assign(source=outcomes["source"].map(charts.source_label))
        table = table[["policy", "event_date", "scope", "scope_value", "source", "incidents_before", "incidents_after",
                       "n_months_pre", "n_months_post", "rate_ratio", "rr_ci_low", "rr_ci_high", "dispersion",
                       "rr_exact_ci_low", "rr_exact_ci_high", "rr_p_value", "rr_q_value", "its_level_change",
                       "its_level_p", "same_month_events"]]
        table.columns = ["policy", "date", "scope", "where / whom", "source", "before", "after", "months before",
                         "months after", "rate ratio", "95% CI low", "95% CI high", "dispersion", "exact CI low",
                         "exact CI high", "p", "q", "ITS level change", "ITS p", "same month as"]
        two, three = "{:.2f}".format, "{:.3f}".format
        figure.table_html = _table(table, {"rate ratio": two, "95% CI low": two, "95% CI high": two, "dispersion": two,
                                           "exact CI low": two, "exact CI high": two, "p": three, "q": three,
                                           "ITS level change": two, "ITS p": three,
                                           "before": "{:,}".format, "after": "{:,}".format}, sortable=True)
    else:
        figure.notice = "Too little data: no policy event has incidents in its windows in any event dataset."
    section.figures.append(figure)
    return section


def _reconciliation_section(data, charts) -> Section:
    f = data.frames
    section = Section("reconciliation", "Source reconciliation",
                      "Each source's yearly count beside the totals that PIPS, PICSS, CRSS and SATP publish. They count "
                      "different things (hover a point for its definition), so gaps between lines are definitions as "
                      "much as errors.")
    for country in ["Pakistan", "Afghanistan"]:
        key = country.lower()
        frame = f[f"reconciliation_{key}"]
        figure = Figure(f"reconciliation_{key}", f"{country}: sources side by side per year",
                        "marts.source_reconciliation",
                        "Event data: incidents and known deaths per year. Published: incidents = the publisher's "
                        "attacks, fatalities = its killed. GTD = terrorist attacks; UCDP = lethal events of organised "
                        "violence (battles included); New America/BIJ/Kaggle drones = drone strikes; PIPS = terrorist "
                        "attacks only. Shown from 1990.", _years(frame, "source", charts.source_label))
        events = frame[frame["kind"] == "event_data"]
        published_years = frame.loc[frame["kind"] == "published", "year"].nunique()
        if _event_incidents(events, "source") >= MIN_TREND_INCIDENTS or published_years >= MIN_PUBLISHED_YEARS:
            figure.spec = charts.reconciliation(figure.chart_id, frame)
        else:
            figure.notice = _too_little(events, "source") + " No published totals either."
        section.figures.append(figure)
    return section


def _acled_aggregates_section(data) -> Section:
    """ACLED's published country-month aggregates, summed to years: after 2021 the only source shared by
    Pakistan and Afghanistan in the shared files. A table, not a chart: six event types of different kinds."""
    section = Section("acled_aggregates", "ACLED published aggregates, 2021-2024",
                      "Events and reported fatalities per year and ACLED event type, as ACLED publishes them "
                      "(country-month files summed to years). Battles, explosions/remote violence and violence "
                      "against civilians are political violence by every actor, state forces included; protests, "
                      "riots and strategic developments are not attacks. Not comparable with PIPS's terrorist attacks.")
    for country in ["Pakistan", "Afghanistan"]:
        frame = data.frames[f"acled_aggregates_{country.lower()}"]
        figure = Figure(f"acled_aggregates_{country.lower()}", f"{country}: ACLED events and fatalities by event type",
                        "marts.source_reconciliation (source ACLED), core.published_aggregates",
                        "events = ACLED events of the type; fatalities = ACLED's reported fatalities of those events; "
                        "months = months of the year the published files cover (fewer than 12: a part year).",
                        _years(frame, "edition") if len(frame) else "no ACLED aggregates loaded")
        if len(frame):
            figure.table_html = _table(frame.drop(columns=["edition"]),
                                       {"events": "{:,}".format, "fatalities": "{:,}".format})
        else:
            figure.notice = "No ACLED aggregates in this warehouse (raw/acled_aggregates/ is empty)."
        section.figures.append(figure)
    return section


def _quality_section(data, charts) -> Section:
    f = data.frames
    section = Section("quality", "Data quality",
                      "The latest result of every check, rows rejected per file, and perpetrator names that did not "
                      "resolve to a group.")
    checks = f["checks"]
    failed = checks[~checks["success"]]
    coverage = (f"{len(checks)} checks, latest run {checks['checked_at'].max():%Y-%m-%d %H:%M}; "
                f"{len(failed)} not passed" if len(checks) else "no check results")
    figure = Figure("checks_table", "Latest result of every check", "dq.check_results (latest row per asset and check)",
                    "ERROR checks block publishing; WARN checks are recorded. Checks that did not pass come first.",
                    coverage)
    if len(checks):
        figure.table_html = _table(
            checks.assign(success=checks["success"].map({True: "passed", False: "FAILED"})),
            {"checked_at": "{:%Y-%m-%d %H:%M}".format},
            row_class=lambda r: "fail" if r["success"] == "FAILED" else "")
    else:
        figure.notice = "No check results recorded."
    section.figures.append(figure)

    loads = f["file_loads"]
    figure = Figure("quarantine", "Rows quarantined per file", "dq.file_loads (current file versions), dq.quarantine",
                    "rows_read = rows_loaded + rows_quarantined; the rejected rows, with their reasons, are in "
                    "dq.quarantine.",
                    f"{len(loads)} files, {int(loads['rows_read'].sum()):,} rows read, "
                    f"{int(loads['rows_quarantined'].sum()):,} quarantined" if len(loads) else "no files loaded")
    if len(loads):
        figure.spec = charts.quarantine(figure.chart_id, loads)
    else:
        figure.notice = "No file loaded."
    section.figures.append(figure)

    unresolved = f["unresolved"]
    not_a_group = f["not_a_group"].iloc[0]
    figure = Figure("unresolved", "Unresolved perpetrator names (top by incidents in Pakistan and Afghanistan)",
                    "dq.unresolved_groups",
                    "A name that matches no curated alias stays unresolved (no fuzzy matching): adding an alias "
                    "attributes its incidents on the next run. Names that are deliberately not groups (Unknown, state "
                    "forces, generic descriptions) are not shown: "
                    f"{int(not_a_group['names'])} such names, {int(not_a_group['incidents_pak_afg']):,} incidents in "
                    "Pakistan and Afghanistan.",
                    f"{len(unresolved)} names shown")
    if len(unresolved):
        figure.spec = charts.unresolved(figure.chart_id, unresolved)
    else:
        figure.notice = "Every perpetrator name that is a group resolved to one."
    section.figures.append(figure)
    return section


def _linkage_section(data) -> Section:
    f = data.frames
    section = Section("linkage", "Distinct events and what every source missed",
                      "The drone-strike lists describe many of the same strikes. Record linkage (docs/linkage.md) "
                      "groups the tellings of one strike into a cluster; the distinct events are the clusters, and a "
                      "multiple-systems estimate (Chapman for two lists, log-linear models for three) puts a band on "
                      "how many strikes there were, recorded or not.")
    yearly = f["linked_drone_strikes"]
    figure = Figure("linked_drone_strikes", "Pakistan: US drone strikes per year, per list and distinct",
                    "marts.linked_event_counts",
                    "events = strikes the list records; distinct = clusters after linkage; estimate [low, high] = "
                    "the multiple-systems estimate and its 95% interval, summed over provinces (shown only when "
                    "every province of the year has one).", _years(yearly, "source") if len(yearly) else "")
    if len(yearly):
        wide = yearly.pivot_table(index="year", columns="source", values="events", aggfunc="sum").reset_index()
        totals = yearly.drop_duplicates("year")[["year", "distinct_events", "estimated", "low", "high"]]
        table = wide.merge(totals, on="year")
        one = lambda v: f"{v:,.1f}"
        whole = {c: (lambda v: f"{v:,.0f}") for c in table.columns if c not in ("year", "estimated", "low", "high")}
        figure.table_html = _table(table, {**whole, "estimated": one, "low": one, "high": one, "year": str})
    else:
        figure.notice = "No drone strikes in the warehouse."
    section.figures.append(figure)
    example = f["linked_example_cluster"]
    figure = Figure("linked_example_cluster", "One strike as each list tells it", "core.event_clusters",
                    "The earliest strike that all three lists record, one row per list; the representative is the "
                    "telling the cluster is counted by.", "")
    if len(example):
        figure.table_html = _table(example)
    else:
        figure.notice = "No strike is in all three lists."
    section.figures.append(figure)
    return section


def build_sections(data) -> list[Section]:
    from pipelines.defs.report import charts

    return [_trend_section(data, charts), _lineage_section(data, charts), _event_study_section(data, charts),
            _reconciliation_section(data, charts), _acled_aggregates_section(data), _linkage_section(data),
            _quality_section(data, charts)]


def _json_script(value) -> str:
    # "</" cannot appear inside a <script> element; "<\/" is the same JSON string.
    return json.dumps(value, ensure_ascii=False, default=str).replace("</", "<\\/")


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script. Bundling takes seconds, so the result is kept per
    vl-convert version in the user's cache folder (and per process)."""
    import vl_convert

    cache_dir = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pipelines"
    cached = cache_dir / f"vega-bundle-vl-convert-{vl_convert.__version__}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = vl_convert.javascript_bundle().replace("</script", "<\\/script")
    try:
        write_atomically(cached, bundle)
    except OSError:
        pass  # a read-only home only costs the bundling time
    return bundle


def render_html(data, sections: list[Section]) -> str:
    from pipelines.defs.report.page import PAGE

    bundle = vega_bundle()
    build = data.build
    coverage = data.coverage.copy()
    for column in ("first_event", "last_event"):
        coverage[column] = pd.to_datetime(coverage[column]).dt.strftime("%Y-%m-%d")
    from pipelines.defs.report.charts import source_label

    coverage["source"] = coverage["source"].map(source_label)
    coverage.columns = ["source", "country", "incidents", "first event", "last event", "of which year only"]
    toc = "".join(f'<li><a href="#{s.section_id}">{html.escape(s.title)}</a></li>' for s in sections)
    body = []
    specs = {}
    for s in sections:
        body.append(f'<section id="{s.section_id}"><h2>{html.escape(s.title)}</h2><p class="intro">{html.escape(s.intro)}</p>')
        for fig in s.figures:
            body.append(f'<figure id="fig-{fig.chart_id}"><h3>{html.escape(fig.title)}</h3>')
            if fig.spec is not None:
                specs[fig.chart_id] = fig.spec
                body.append(f'<div class="chart" data-chart="{fig.chart_id}"></div>')
            if fig.table_html is not None:
                body.append(f'<div class="table-wrap" data-table="{fig.chart_id}">{fig.table_html}</div>')
            if fig.notice is not None:
                body.append(f'<p class="notice" data-notice="{fig.chart_id}">{html.escape(fig.notice)}</p>')
            body.append(
                "<figcaption>"
                f"<p><b>Source:</b> {html.escape(fig.source)}</p>"
                f"<p><b>Definitions:</b> {html.escape(fig.definitions)}</p>"
                f"<p><b>Coverage:</b> {html.escape(fig.coverage)}</p>"
                "</figcaption></figure>")
        body.append("</section>")
    too_little = [fig.chart_id for s in sections for fig in s.figures if fig.notice]
    built_at = build.get("built_at")
    from pipelines.engine.warehouse import not_published_notice

    notice = not_published_notice(data.warehouse) if data.warehouse else None
    run_notice = (f'<p class="notice run-notice" id="run-notice"><b>Not the latest run:</b> {html.escape(notice)}.</p>'
                  if notice else "")
    return PAGE.format(
        run_notice=run_notice,
        built=html.escape(f"{built_at:%Y-%m-%d %H:%M} UTC" if built_at else "unknown"),
        build_id=html.escape(str(build.get("build_id"))),
        toc=toc,
        too_little=html.escape(", ".join(too_little) if too_little else "none"),
        coverage=_table(coverage, {"incidents": "{:,}".format, "of which year only": "{:,}".format}),
        body="\n".join(body),
        specs=_json_script(specs),
        vega_bundle=bundle,
    )


def write_atomically(out: Path, text: str) -> None:
    """Write beside the target and rename over it: readers never see half a page, and an existing symlink at
    ``out`` is replaced rather than followed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_report(warehouse: Path, out: Path) -> ReportResult:
    """Read the published warehouse (read-only) and write the report to ``out``."""
    from pipelines.query import connect_published
    from pipelines.defs.report.data import collect

    con = connect_published(warehouse)
    try:
        data = collect(con)
    finally:
        con.close()
    data.warehouse = warehouse  # the latest run's outcome sits beside it (a blocked run is said at the top)
    sections = build_sections(data)
    text = render_html(data, sections)
    write_atomically(out, text)
    figures = [fig for s in sections for fig in s.figures]
    return ReportResult(path=out, charts=[f.chart_id for f in figures if f.spec is not None],
                        too_little_data=[f.chart_id for f in figures if f.notice], bytes=len(text.encode()))
