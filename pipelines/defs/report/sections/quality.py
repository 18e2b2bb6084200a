"""Data quality: the latest result of every check, rows quarantined per file, unresolved perpetrator names."""

from __future__ import annotations

from pipelines.defs.report import charts
from pipelines.defs.report.figures import Figure, Section, html_table


def build(data) -> Section:
    f = data.frames
    section = Section(
        "quality",
        "Data quality",
        "The latest result of every check, rows rejected per file, and perpetrator names that did not "
        "resolve to a group.",
    )
    checks = f["checks"]
    failed = checks[~checks["success"]]
    coverage = (
        f"{len(checks)} checks, latest run {checks['checked_at'].max():%Y-%m-%d %H:%M}; {len(failed)} not passed"
        if len(checks)
        else "no check results"
    )
    figure = Figure(
        "checks_table",
        "Latest result of every check",
        "dq.check_results (latest row per asset and check)",
        "ERROR checks block publishing; WARN checks are recorded. Checks that did not pass come first.",
        coverage,
    )
    if len(checks):
        figure.table_html = html_table(
            checks.assign(success=checks["success"].map({True: "passed", False: "FAILED"})),
            {"checked_at": "{:%Y-%m-%d %H:%M}".format},
            row_class=lambda r: "fail" if r["success"] == "FAILED" else "",
        )
    else:
        figure.notice = "No check results recorded."
    section.figures.append(figure)

    loads = f["file_loads"]
    figure = Figure(
        "quarantine",
        "Rows quarantined per file",
        "dq.file_loads (current file versions), dq.quarantine",
        "rows_read = rows_loaded + rows_quarantined; the rejected rows, with their reasons, are in dq.quarantine.",
        f"{len(loads)} files, {int(loads['rows_read'].sum()):,} rows read, "
        f"{int(loads['rows_quarantined'].sum()):,} quarantined"
        if len(loads)
        else "no files loaded",
    )
    if len(loads):
        figure.spec = charts.quarantine(figure.chart_id, loads)
    else:
        figure.notice = "No file loaded."
    section.figures.append(figure)

    unresolved = f["unresolved"]
    not_a_group = f["not_a_group"].iloc[0]
    figure = Figure(
        "unresolved",
        "Unresolved perpetrator names (top by incidents in Pakistan and Afghanistan)",
        "dq.unresolved_groups",
        "A name that matches no curated alias stays unresolved (no fuzzy matching): adding an alias "
        "attributes its incidents on the next run. Names that are deliberately not groups (Unknown, state "
        "forces, generic descriptions) are not shown: "
        f"{int(not_a_group['names'])} such names, {int(not_a_group['incidents_pak_afg']):,} incidents in "
        "Pakistan and Afghanistan.",
        f"{len(unresolved)} names shown",
    )
    if len(unresolved):
        figure.spec = charts.unresolved(figure.chart_id, unresolved)
    else:
        figure.notice = "Every perpetrator name that is a group resolved to one."
    section.figures.append(figure)
    return section
