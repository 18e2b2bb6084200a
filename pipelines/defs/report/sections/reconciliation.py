"""Source reconciliation: each source's yearly count beside the totals that publishers publish."""

from __future__ import annotations

from pipelines.defs.report import charts
from pipelines.defs.report.figures import (
    MIN_PUBLISHED_YEARS,
    MIN_TREND_INCIDENTS,
    Figure,
    Section,
    event_incidents,
    too_little_data,
    years_covered,
)


def build(data) -> Section:
    f = data.frames
    section = Section(
        "reconciliation",
        "Source reconciliation",
        "Each source's yearly count beside the totals that PIPS, PICSS, CRSS and SATP publish. They count "
        "different things (hover a point for its definition), so gaps between lines are definitions as "
        "much as errors.",
    )
    for country in ["Pakistan", "Afghanistan"]:
        key = country.lower()
        frame = f[f"reconciliation_{key}"]
        figure = Figure(
            f"reconciliation_{key}",
            f"{country}: sources side by side per year",
            "marts.source_reconciliation",
            "Event data: incidents and known deaths per year. Published: incidents = the publisher's "
            "attacks, fatalities = its killed. GTD = terrorist attacks; UCDP = lethal events of organised "
            "violence (battles included); New America/BIJ/Kaggle drones = drone strikes; PIPS = terrorist "
            "attacks only. Shown from 1990.",
            years_covered(frame, "source", charts.source_label),
        )
        events = frame[frame["kind"] == "event_data"]
        published_years = frame.loc[frame["kind"] == "published", "year"].nunique()
        if event_incidents(events, "source") >= MIN_TREND_INCIDENTS or published_years >= MIN_PUBLISHED_YEARS:
            figure.spec = charts.reconciliation(figure.chart_id, frame)
        else:
            figure.notice = too_little_data(events, "source") + " No published totals either."
        section.figures.append(figure)
    return section
