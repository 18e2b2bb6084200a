"""Descriptions for Dagster's metadata, read from where the project already documents things.

- A SQL model's or check's description is its whole header comment (every leading ``--`` line), not its first
  line: the UI shows what it is given, and a first line cut mid-sentence said less than the file.
- A column's description comes from the contract (the ``-- comment`` after the column in sql/schema.sql) or,
  for the marts, from docs/data_dictionary.md (the first cell of a measure row names its column(s) in
  backticks). A column documented in neither has none. Nothing here imports Dagster.
"""

from __future__ import annotations

import re
from functools import cache

from pipelines.engine.config import PROJECT_ROOT, SQL_DIR

DICTIONARY = PROJECT_ROOT / "docs" / "data_dictionary.md"
TABLE_START = re.compile(r"^CREATE TABLE IF NOT EXISTS (\w+)\.(\w+)\s*\(", re.IGNORECASE)
COLUMN_LINE = re.compile(r"^\s+(\w+)\s+[A-Z][^-]*?--\s*(.+?)\s*$")
SECTION = re.compile(r"^##\s+(marts|core|dq|staging)\.(\w+)\b")
ROW = re.compile(r"^\|\s*(.+?)\s*\|\s*(.+?)\s*\|\s*$")
BULLET = re.compile(r"^- ((?:`\w+`(?:,\s*|\s*/\s*)?)+)\s*:\s*(.+)$")
# A table built from another keeps its columns' meanings.
INHERITS = {("marts", "incident_facts"): ("core", "incidents")}


def header_comment(sql: str, skip: tuple[str, ...] = ()) -> str | None:
    """Every leading ``--`` line of ``sql``, without the dashes, lines starting with ``skip`` left out."""
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            if line.strip():
                break
            continue
        text = line[2:].strip()
        if not text.lower().startswith(skip):
            lines.append(text)
    return "\n".join(lines).strip() or None


def check_description(sql: str) -> str | None:
    """A check's header without its ``severity:`` line, ``description:`` dropped from the first line."""
    text = header_comment(sql, skip=("severity:",))
    return re.sub(r"^description:\s*", "", text) if text else None


@cache
def contract_columns() -> dict[tuple[str, str], dict[str, str]]:
    """{(schema, table): {column: its comment in sql/schema.sql}}."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    table = None
    for line in (SQL_DIR / "schema.sql").read_text().splitlines():
        if start := TABLE_START.match(line):
            table = found.setdefault((start.group(1), start.group(2)), {})
        elif line.startswith(")"):
            table = None
        elif table is not None and (column := COLUMN_LINE.match(line)):
            table[column.group(1)] = column.group(2)
    return found


@cache
def dictionary_columns() -> dict[tuple[str, str], dict[str, str]]:
    """{(schema, table): {column: definition}} from the measure tables of docs/data_dictionary.md."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    table = None
    for line in DICTIONARY.read_text().splitlines() if DICTIONARY.exists() else []:
        if line.startswith("## "):
            section = SECTION.match(line)
            table = found.setdefault((section.group(1), section.group(2)), {}) if section else None
        elif table is not None and (row := ROW.match(line) or BULLET.match(line)):
            for name in re.findall(r"`(\w+)`", row.group(1)):
                table.setdefault(name, row.group(2))
    return found


def column_descriptions(schema: str, table: str) -> dict[str, str]:
    inherited = column_descriptions(*INHERITS[(schema, table)]) if (schema, table) in INHERITS else {}
    return {**inherited, **dictionary_columns().get((schema, table), {}), **contract_columns().get((schema, table), {})}
