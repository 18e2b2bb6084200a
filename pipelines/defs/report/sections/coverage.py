"""The header's table: the coverage of each event dataset in core.incidents (Pakistan and Afghanistan)."""

from __future__ import annotations

import pandas as pd

from pipelines.defs.report.charts import source_label
from pipelines.defs.report.figures import html_table


def coverage_table_html(coverage: pd.DataFrame) -> str:
    coverage = coverage.copy()
    for column in ("first_event", "last_event"):
        coverage[column] = pd.to_datetime(coverage[column]).dt.strftime("%Y-%m-%d")
    coverage["source"] = coverage["source"].map(source_label)
    coverage.columns = ["source", "country", "incidents", "first event", "last event", "of which year only"]
    return html_table(coverage, {"incidents": "{:,}".format, "of which year only": "{:,}".format})
