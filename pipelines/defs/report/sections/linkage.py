"""Record linkage: distinct drone strikes per year and one strike as each list tells it."""

from __future__ import annotations

from pipelines.defs.report.figures import Figure, Section, html_table, years_covered


def build(data) -> Section:
    f = data.frames
    section = Section(
        "linkage",
        "Distinct events and what every source missed",
        "The drone-strike lists describe many of the same strikes. Record linkage (docs/linkage.md) "
        "groups the tellings of one strike into a cluster; the distinct events are the clusters, and a "
        "multiple-systems estimate (Chapman for two lists, log-linear models for three) puts a band on "
        "how many strikes there were, recorded or not.",
    )
    yearly = f["linked_drone_strikes"]
    figure = Figure(
        "linked_drone_strikes",
        "Pakistan: US drone strikes per year, per list and distinct",
        "marts.linked_event_counts",
        "events = strikes the list records; distinct = clusters after linkage; estimate [low, high] = "
        "the multiple-systems estimate and its 95% interval, summed over provinces (shown only when "
        "every province of the year has one).",
        years_covered(yearly, "source") if len(yearly) else "",
    )
    if len(yearly):
        wide = yearly.pivot_table(index="year", columns="source", values="events", aggfunc="sum").reset_index()
        totals = yearly.drop_duplicates("year")[["year", "distinct_events", "estimated", "low", "high"]]
        table = wide.merge(totals, on="year")

        def one(v):
            return f"{v:,.1f}"

        whole = {c: (lambda v: f"{v:,.0f}") for c in table.columns if c not in ("year", "estimated", "low", "high")}
        figure.table_html = html_table(table, {**whole, "estimated": one, "low": one, "high": one, "year": str})
    else:
        figure.notice = "No drone strikes in the warehouse."
    section.figures.append(figure)
    example = f["linked_example_cluster"]
    figure = Figure(
        "linked_example_cluster",
        "One strike as each list tells it",
        "core.event_clusters",
        "The earliest strike that all three lists record, one row per list; the representative is the "
        "telling the cluster is counted by.",
        "",
    )
    if len(example):
        figure.table_html = html_table(example)
    else:
        figure.notice = "No strike is in all three lists."
    section.figures.append(figure)
    return section
