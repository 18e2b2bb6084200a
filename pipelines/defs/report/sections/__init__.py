"""The report's sections, one module each: the body's sections (``build(data) -> Section``) and the two parts of
the page's header (the notice of a run that did not publish, the coverage table)."""

from __future__ import annotations

from pipelines.defs.report.figures import Section
from pipelines.defs.report.sections import (
    acled_aggregates,
    event_studies,
    lineage,
    linkage,
    quality,
    reconciliation,
    trends,
)

# The body's sections in page order.
BODY_SECTIONS = [trends, lineage, event_studies, reconciliation, acled_aggregates, linkage, quality]


def build_sections(data) -> list[Section]:
    return [module.build(data) for module in BODY_SECTIONS]
