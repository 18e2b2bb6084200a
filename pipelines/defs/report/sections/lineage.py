"""Group lineage: the TTP and IS families' splits, mergers and pledges over time."""

from __future__ import annotations

import datetime as dt

from pipelines.defs.report import charts
from pipelines.defs.report.figures import Figure, Section


def build(data) -> Section:
    f = data.frames
    groups, relations = f["lineage_groups"], f["lineage_relations"]
    section = Section(
        "lineage",
        "Group lineage: the TTP and IS families",
        "Each row is a group (bar: from its founding, or its first dated relation, to its dissolution "
        "or today). Each vertical stroke is a dated relation from the group marked ● to the group "
        "marked ▲: splits, factions, mergers, rejoinings, pledges of allegiance.",
    )
    as_of = (data.build.get("built_at") or dt.datetime.now()).date()
    coverage = (
        f"{len(groups)} groups, {len(relations)} dated relations, "
        f"{relations['start_date'].min():%Y}–{relations['start_date'].max():%Y}"
        if len(relations)
        else "no data"
    )
    figure = Figure(
        "lineage",
        "TTP and IS families: splits, mergers and pledges over time",
        "marts.group_lineage (family membership), core.group_relations, core.groups",
        "Family = descendants of TTP or IS through split_from / faction_of relations; 'linked group' = a "
        "group tied to a family member by a split, faction, merger, rejoining, pledge or renaming. "
        "Alliances and rivalries are not drawn. Relations without a date are left out.",
        coverage,
    )
    if len(relations):
        figure.spec = charts.lineage(figure.chart_id, groups, relations, as_of)
    else:
        figure.notice = "Too little data: no dated lineage relation of the TTP or IS families."
    section.figures.append(figure)
    return section
