"""Event studies: a group family's violence around its leader's removal, and violence around policy events."""

from __future__ import annotations

from pipelines.defs.report import charts
from pipelines.defs.report.data import EVENT_STUDY_MIN_INCIDENTS, OUTCOME_WINDOW
from pipelines.defs.report.figures import Figure, Section, html_table


def build(data) -> Section:
    f = data.frames
    section = Section(
        "event-studies",
        "Event studies",
        "What happened to a group family's violence around the removal of its leader, and around "
        "policy events. These are descriptive before/after comparisons, not causal estimates.",
    )
    study = f["event_study"]
    coverage = (
        f"{study['leadership_event_id'].nunique()} removals, {study['event_date'].min():%Y}–"
        f"{study['event_date'].max():%Y}; sources: {', '.join(sorted(study['source'].map(charts.source_label).unique()))}"
        if len(study)
        else "no data"
    )
    figure = Figure(
        "event_study",
        "Incidents of the leader's group family by month relative to the removal",
        "marts.decapitation_event_study, core.leadership_events, core.leaders",
        "Incidents of the leader's family (as of the removal date) whose month is known, per month from "
        "−12 to +12 around the removal's month (0), every violence class of the source (violence_class "
        "'all'; drone strikes only for leaders killed by one); an incident counts for every family that "
        "took part in it. Months outside a source's coverage are absent, not "
        "zero. Shown: removals of leaders with a curated role (founder, emir, deputy, commander) with at least "
        f"{EVENT_STUDY_MIN_INCIDENTS} incidents in one source; only "
        "sources with incidents in the window.",
        coverage,
    )
    if len(study):
        figure.spec = charts.event_study(figure.chart_id, study)
    else:
        figure.notice = (
            "Too little data: no leadership removal has incidents of its group family in the event "
            "datasets (the curated notable attacks are not used for event studies)."
        )
    section.figures.append(figure)

    outcomes = f["policy_outcomes"]
    national = outcomes[outcomes["scope"] == "national"]
    coverage = (
        f"{outcomes['policy'].nunique()} policy events, {outcomes['event_date'].min():%Y}–"
        f"{outcomes['event_date'].max():%Y}"
        if len(outcomes)
        else "no data"
    )
    definitions = (
        f"Incidents in the {OUTCOME_WINDOW} covered months before and after the event's month (the "
        "event's month in neither). Rate ratio = (after / months after) / (before / months before); 95% "
        "interval quasi-Poisson (a Poisson GLM on the monthly counts with the Pearson dispersion, floored "
        "at 1: monthly counts are overdispersed); the exact Poisson interval, too narrow when the "
        "dispersion exceeds 1, is drawn faint beside it. q = Benjamini-Hochberg q-value over every rate "
        "ratio of marts.policy_outcomes (all violence classes together). ITS: segmented Poisson "
        "regression over ±24 months with month-of-year terms and Newey-West errors, as rate ratios. "
        "Events of the same month have the same counts (one finding, not two). Every violence "
        "class of the source that is an outcome of the event (violence_class 'all'; foreign drone strikes "
        "only for external and diplomatic events). No estimate where the source does not cover all "
        f"{OUTCOME_WINDOW} months on both sides (marts.policy_outcomes.not_estimable_reason)."
    )
    figure = Figure(
        "policy_rate_ratios",
        f"Policy events: national rate ratio, {OUTCOME_WINDOW} months after vs before",
        "marts.policy_outcomes (scope national), core.policy_events",
        definitions + " Intervals are drawn clipped to 0.05–20; an arrow marks a clipped end.",
        coverage,
    )
    if national["rate_ratio"].notna().any():
        figure.spec = charts.rate_ratios(figure.chart_id, national)
    else:
        figure.notice = "Too little data: no policy event has incidents before it in any event dataset."
    section.figures.append(figure)

    fits = f["its_fits"]
    figure = Figure(
        "policy_its",
        "Policy events: UCDP monthly incidents in Pakistan with the interrupted-time-series fit",
        "marts.event_monthly_series, marts.policy_outcomes (its_fitted), core.policy_events",
        "Blue: incidents per covered month, ±24 months around the event's month. Red: the fitted mean of "
        "the segmented Poisson regression (level and slope change at the event, month-of-year terms; the "
        "event's month is not fitted). The panel title gives the level and slope change as rate ratios. "
        "Other events inside the window are not modelled here: see marts.policy_outcomes_joint.",
        f"{fits['event_id'].nunique()} policy events" if len(fits) else "no data",
    )
    if len(fits):
        figure.spec = charts.its_fits(figure.chart_id, fits)
    else:
        figure.notice = "Too little data: no policy event has an ITS fit on UCDP's national counts."
    section.figures.append(figure)

    pooled = f["decapitation_pooled"]
    figure = Figure(
        "decapitation_pooled",
        "Leader removals pooled: incidents relative to each group family's own pre-removal level",
        "marts.decapitation_pooled",
        "Each removal's monthly incidents of the leader's family divided by its own mean over months −12 "
        "to −1, averaged over the removals (1 = the pre-removal level); violence class 'all'. Band: 95% "
        "interval from a Poisson model clustered by removal. Removals whose months −12..12 the source "
        "does not all cover, or with fewer than 12 incidents before them, are left out (listed in the "
        "mart with the reason). Removals of one family close in time share months, so the band is too "
        "narrow for them.",
        "; ".join(sorted(pooled["panel"].unique())) if len(pooled) else "no data",
    )
    if len(pooled):
        figure.spec = charts.pooled_event_study(figure.chart_id, pooled)
    else:
        figure.notice = "Too little data: no two removals of one family have 12 incidents before them in a source."
    section.figures.append(figure)

    figure = Figure(
        "policy_outcomes_table",
        f"Policy outcomes, every scope ({OUTCOME_WINDOW}-month windows)",
        "marts.policy_outcomes, core.policy_events",
        definitions + " Click a column header to sort.",
        coverage,
    )
    if len(outcomes):
        table = outcomes.assign(source=outcomes["source"].map(charts.source_label))
        table = table[
            [
                "policy",
                "event_date",
                "scope",
                "scope_value",
                "source",
                "incidents_before",
                "incidents_after",
                "n_months_pre",
                "n_months_post",
                "rate_ratio",
                "rr_ci_low",
                "rr_ci_high",
                "dispersion",
                "rr_exact_ci_low",
                "rr_exact_ci_high",
                "rr_p_value",
                "rr_q_value",
                "its_level_change",
                "its_level_p",
                "same_month_events",
            ]
        ]
        table.columns = [
            "policy",
            "date",
            "scope",
            "where / whom",
            "source",
            "before",
            "after",
            "months before",
            "months after",
            "rate ratio",
            "95% CI low",
            "95% CI high",
            "dispersion",
            "exact CI low",
            "exact CI high",
            "p",
            "q",
            "ITS level change",
            "ITS p",
            "same month as",
        ]
        two, three = "{:.2f}".format, "{:.3f}".format
        figure.table_html = html_table(
            table,
            {
                "rate ratio": two,
                "95% CI low": two,
                "95% CI high": two,
                "dispersion": two,
                "exact CI low": two,
                "exact CI high": two,
                "p": three,
                "q": three,
                "ITS level change": two,
                "ITS p": three,
                "before": "{:,}".format,
                "after": "{:,}".format,
            },
            sortable=True,
        )
    else:
        figure.notice = "Too little data: no policy event has incidents in its windows in any event dataset."
    section.figures.append(figure)
    return section
