"""The notice at the top of the page when the latest run did not publish (a blocked or failed run): the page then
shows an older build, and says so."""

from __future__ import annotations

import html
from pathlib import Path

from pipelines.engine.warehouse import not_published_notice


def run_notice_html(warehouse: Path | None) -> str:
    """The notice's paragraph, or "" when the latest run published (or no warehouse file was read)."""
    notice = not_published_notice(warehouse) if warehouse else None
    if not notice:
        return ""
    return f'<p class="notice run-notice" id="run-notice"><b>Not the latest run:</b> {html.escape(notice)}.</p>'
