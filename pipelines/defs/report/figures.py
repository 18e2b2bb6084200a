"""What every section of the report is made of (a Section of Figures) and what the sections share: the coverage
text of a figure, its HTML table and the too-little-data rule."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

# Below these, a chart would mislead more than it shows: the section says so instead.
MIN_TREND_INCIDENTS = 50
MIN_PUBLISHED_YEARS = 3


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


def years_covered(frame: pd.DataFrame, by: str, label=lambda s: s) -> str:
    if frame.empty:
        return "no data"
    parts = [f"{label(k)} {int(g['year'].min())}–{int(g['year'].max())}" for k, g in frame.groupby(by)]
    return "; ".join(parts)


def months_covered(frame: pd.DataFrame, by: str, column: str, label=lambda s: s) -> str:
    if frame.empty:
        return "no data"
    return "; ".join(f"{label(k)} {g[column].min():%b %Y}–{g[column].max():%b %Y}" for k, g in frame.groupby(by))


def html_table(frame: pd.DataFrame, formats: dict | None = None, row_class=None, sortable: bool = False) -> str:
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
            value_attr = f' data-value="{value}"' if sortable and numeric and text != "—" else ""
            cells.append(f"<td{' class=num' if numeric else ''}{value_attr}>{html.escape(text)}</td>")
        css = f' class="{row_class(record)}"' if row_class else ""
        rows.append(f"<tr{css}>{''.join(cells)}</tr>")
    css = ' class="sortable"' if sortable else ""
    return f"<table{css}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def event_incidents(frame: pd.DataFrame, by: str) -> int:
    """Incidents from event sources other than the curated selection of notable attacks."""
    if frame.empty:
        return 0
    return int(frame.loc[frame[by] != "curated", "incidents"].sum())


def too_little_data(frame: pd.DataFrame, by: str) -> str:
    total = int(frame["incidents"].sum()) if not frame.empty else 0
    return (
        f"Too little data: {event_incidents(frame, by)} incidents from event datasets "
        f"({total} including the curated notable attacks); at least {MIN_TREND_INCIDENTS} are needed."
    )
