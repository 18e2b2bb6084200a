"""Read-only queries against the published warehouse.

The file is opened read-only, and external access (other files, ATTACH, COPY ... TO, extension
installs) is switched off and the configuration locked, so a query can read the warehouse and
nothing else.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from pathlib import Path

import duckdb

READ_ONLY_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


class QueryRefused(Exception):
    """A query that would change data or reach outside the warehouse, or that is not valid SQL."""


def connect_published(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: build one with `python -m pipelines run` first")
    return duckdb.connect(str(path), read_only=True, config=READ_ONLY_CONFIG)


def run_query(path: Path, sql: str) -> tuple[list[str], list[tuple]]:
    con = connect_published(path)
    try:
        result = con.execute(sql)
        if result.description is None:
            return [], []
        return [d[0] for d in result.description], result.fetchall()
    except duckdb.Error as exc:
        message = str(exc)
        if "read-only" in message or "read only" in message:
            raise QueryRefused(
                f"the warehouse is opened read-only; statements that change data are refused ({message})"
            ) from exc
        if "external access" in message.lower() or "lock_configuration" in message or "locked" in message:
            raise QueryRefused(f"queries may only read the warehouse itself ({message})") from exc
        raise QueryRefused(message) from exc
    finally:
        con.close()


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def format_result(columns: list[str], rows: list[tuple], output_format: str) -> str:
    if output_format == "json":
        return (
            json.dumps(
                [dict(zip(columns, map(_plain, row))) for row in rows], ensure_ascii=False, default=str, indent=2
            )
            + "\n"
        )
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if v is None else _plain(v) for v in row])
        return buffer.getvalue()
    cells = [["NULL" if v is None else str(_plain(v)) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()  # noqa: E731
    out = [line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
