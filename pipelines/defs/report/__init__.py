"""The analyst report: one self-contained HTML page built from the published warehouse.

data.py reads the warehouse's numbers, sections/ turns them into one Section of figures per report section
(charts from charts.py), and page.py assembles and writes the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.defs.report.data import collect
from pipelines.defs.report.page import render_html, write_atomically
from pipelines.defs.report.sections import build_sections
from pipelines.query import connect_published

REPORT_DIR = "report"
REPORT_FILE = "index.html"


def default_report_path(warehouse: Path) -> Path:
    """``warehouse/report/index.html`` beside the published warehouse file."""
    return warehouse.parent / REPORT_DIR / REPORT_FILE


@dataclass
class ReportResult:
    path: Path
    charts: list[str]
    too_little_data: list[str]
    bytes: int


def build_report(warehouse: Path, out: Path) -> ReportResult:
    """Read the published warehouse (read-only) and write the report to ``out``."""
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
    return ReportResult(
        path=out,
        charts=[f.chart_id for f in figures if f.spec is not None],
        too_little_data=[f.chart_id for f in figures if f.notice],
        bytes=len(text.encode()),
    )
