"""ACLED's published country-month aggregates, summed to years: after 2021 the only source shared by Pakistan and
Afghanistan in the shared files. A table, not a chart: six event types of different kinds."""

from __future__ import annotations

from pipelines.defs.report.figures import Figure, Section, html_table, years_covered


def build(data) -> Section:
    section = Section(
        "acled_aggregates",
        "ACLED published aggregates, 2021-2024",
        "Events and reported fatalities per year and ACLED event type, as ACLED publishes them "
        "(country-month files summed to years). Battles, explosions/remote violence and violence "
        "against civilians are political violence by every actor, state forces included; protests, "
        "riots and strategic developments are not attacks. Not comparable with PIPS's terrorist attacks.",
    )
    for country in ["Pakistan", "Afghanistan"]:
        frame = data.frames[f"acled_aggregates_{country.lower()}"]
        figure = Figure(
            f"acled_aggregates_{country.lower()}",
            f"{country}: ACLED events and fatalities by event type",
            "marts.source_reconciliation (source ACLED), core.published_aggregates",
            "events = ACLED events of the type; fatalities = ACLED's reported fatalities of those events; "
            "months = months of the year the published files cover (fewer than 12: a part year).",
            years_covered(frame, "edition") if len(frame) else "no ACLED aggregates loaded",
        )
        if len(frame):
            figure.table_html = html_table(
                frame.drop(columns=["edition"]), {"events": "{:,}".format, "fatalities": "{:,}".format}
            )
        else:
            figure.notice = "No ACLED aggregates in this warehouse (raw/acled_aggregates/ is empty)."
        section.figures.append(figure)
    return section
