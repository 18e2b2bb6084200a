"""Attack trends: incidents and fatalities per source and year or month, by country, group family and province."""

from __future__ import annotations

from pipelines.defs.report import charts
from pipelines.defs.report.data import DEFAULT_VIOLENCE_CLASS, MONTHLY_FROM, TOP_FAMILIES, TRENDS_FROM_YEAR
from pipelines.defs.report.figures import (
    MIN_PUBLISHED_YEARS,
    MIN_TREND_INCIDENTS,
    Figure,
    Section,
    event_incidents,
    months_covered,
    too_little_data,
    years_covered,
)


def build(data) -> Section:
    klass = DEFAULT_VIOLENCE_CLASS.replace("_", " ")
    coverage_note = (
        f" Only {klass}s (violence_class = '{DEFAULT_VIOLENCE_CLASS}': GTD attacks, UCDP one-sided "
        "violence by militants, suicide attacks); clashes with the state, clashes between groups and "
        "foreign drone strikes are other classes (marts.attack_trends.violence_class). A covered period "
        "without events is drawn as 0; a line breaks where its source does not cover the period "
        "(core.source_coverage); a year it covers only in part is left out of the yearly chart."
    )

    f = data.frames
    section = Section(
        "trends",
        "Attack trends",
        "Incidents and fatalities per source. Sources are never added together: each line is one "
        "source with its own definition of an incident. Grey dotted rules mark policy events dated "
        "to the day or month; red triangles mark killings of TTP- and IS-family leaders.",
    )
    for country in ["Pakistan", "Afghanistan"]:
        key = country.lower()
        frame = f[f"trend_yearly_{key}"]
        events = frame[frame["kind"] == "event data"]
        published_years = frame.loc[frame["kind"] == "published total", "year"].nunique()
        figure = Figure(
            f"trend_yearly_{key}",
            f"{country}: {klass}s and their fatalities per year, by source",
            "marts.attack_trends (year rows), core.published_aggregates (PIPS yearly totals), core.policy_events, "
            "core.leadership_events",
            "Year rows count every incident of the year, whatever its date precision. Fatalities are sums of the "
            "known best figures (unknown is not zero). PIPS counts terrorist attacks only (no operations, clashes "
            "or drone strikes). GTD methods changed in 2011/12: treat 2012 as a break. 'curated' is a selection of "
            f"notable attacks, not a complete count. Shown from {TRENDS_FROM_YEAR}. Markers: grey dotted rules = "
            "policy events dated to the day or month; red triangles = TTP- and IS-family leaders killed (hover for "
            "names)." + coverage_note,
            years_covered(frame.dropna(subset=["incidents"]), "source", charts.source_label)
            + ". "
            + f[f"coverage_text_{key}"]["text"][0],
        )
        if events["incidents"].sum() >= MIN_TREND_INCIDENTS or published_years >= MIN_PUBLISHED_YEARS:
            figure.spec = charts.yearly_trend(
                figure.chart_id, frame, f[f"policy_markers_{key}"], f[f"kill_markers_{key}"]
            )
        else:
            figure.notice = (
                f"Too little data: {int(events['incidents'].sum())} incidents in {country} from event "
                "sources and no published yearly totals."
            )
        section.figures.append(figure)

    monthly = f["trend_monthly_pakistan"]
    figure = Figure(
        "trend_monthly_pakistan",
        "Pakistan: incidents per month, by source (month known only)",
        "marts.attack_trends (month rows), core.policy_events, core.leadership_events",
        "Month rows count only incidents whose month is known; an incident known only to the year is "
        f"left out. A multi-day event counts in its first month. Shown from {MONTHLY_FROM[:4]}." + coverage_note,
        months_covered(monthly.dropna(subset=["incidents"]), "source", "month", charts.source_label)
        + ". "
        + f["coverage_text_pakistan"]["text"][0],
    )
    if event_incidents(monthly, "source") >= MIN_TREND_INCIDENTS:
        figure.spec = charts.monthly_trend(
            figure.chart_id, monthly, f["policy_markers_pakistan"], f["kill_markers_pakistan"]
        )
    else:
        figure.notice = too_little_data(monthly, "source")
    section.figures.append(figure)

    families = f["trend_family_pakistan"]
    figure = Figure(
        "trend_family_pakistan",
        f"Pakistan: incidents per year by group family (largest {TOP_FAMILIES})",
        "marts.attack_trends (group_family_id), marts.group_family_membership, core.groups",
        "A group family is the family of the perpetrator group on the event date "
        "(marts.group_family_membership: splinters that stay in the movement are in their parent's "
        "family, organisations of their own and defectors are not). '(unattributed)': unknown "
        "perpetrator, not a group, or a "
        f"name not yet resolved. Panels have their own y scales. Shown from {TRENDS_FROM_YEAR}. Only "
        f"{klass}s.",
        years_covered(families, "source", charts.source_label),
    )
    if event_incidents(families, "source") >= MIN_TREND_INCIDENTS:
        figure.spec = charts.small_multiples(figure.chart_id, families, "family", "group family")
    else:
        figure.notice = too_little_data(families, "source")
    section.figures.append(figure)

    provinces = f["trend_province_pakistan"]
    figure = Figure(
        "trend_province_pakistan",
        "Pakistan: incidents per year by province",
        "marts.attack_trends (admin1_harmonized)",
        "Provinces conformed across spellings, in one unit for the whole series: FATA, merged into Khyber "
        "Pakhtunkhwa on 31 May 2018, is in 'Khyber Pakhtunkhwa incl. former FATA' in every year. "
        f"Panels have their own y scales. Shown from {TRENDS_FROM_YEAR}. Only {klass}s.",
        years_covered(provinces, "source", charts.source_label),
    )
    if event_incidents(provinces, "source") >= MIN_TREND_INCIDENTS:
        figure.spec = charts.small_multiples(figure.chart_id, provinces, "province", "province")
    else:
        figure.notice = too_little_data(provinces, "source")
    section.figures.append(figure)
    return section
