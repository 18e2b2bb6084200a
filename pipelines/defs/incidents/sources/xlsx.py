"""Spreadsheets as raw rows: every cell as text, the header found by the columns it must hold."""

from pathlib import Path

import duckdb

from pipelines.defs.incidents.sources.base import SourceFileError


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return text if text.strip() != "" else None


def read_xlsx_sheet(con: duckdb.DuckDBPyConnection, path: Path, sheet: str | None,
                    required: tuple[str, ...] = (), header_row: int | None = None) -> None:
    """Create temp table raw_rows from one sheet: the named one, or the first whose header row holds
    every required column (workbooks often open with notes or summary sheets)."""
    import openpyxl
    import pandas as pd

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure means the file is not a readable workbook
        raise SourceFileError(f"{path}: cannot be read as an XLSX workbook ({exc})") from exc
    names = [sheet] if sheet else workbook.sheetnames
    for name in names:
        if name not in workbook.sheetnames:
            raise SourceFileError(f"{path}: no sheet named {name!r} (sheets: {', '.join(workbook.sheetnames)})")
        rows = [[_text(v) for v in row] for row in workbook[name].iter_rows(values_only=True)]
        start = header_row
        if start is None:
            start = next((i for i, row in enumerate(rows[:30])
                          if set(required) <= {(v or "").strip() for v in row}), None)
        if start is None:
            continue
        header = [(v or f"column_{i + 1}").strip() for i, v in enumerate(rows[start])]
        seen: dict[str, int] = {}
        for i, h in enumerate(header):  # duplicated headers get a suffix, as DuckDB's CSV reader does
            if h in seen:
                seen[h] += 1
                header[i] = f"{h}_{seen[h]}"
            else:
                seen[h] = 0
        body = [row + [None] * (len(header) - len(row)) for row in rows[start + 1:]]
        body = [row[: len(header)] for row in body if any(v is not None for v in row)]
        frame = pd.DataFrame(body, columns=header, dtype="string")
        con.register("xlsx_frame", frame)
        try:
            con.execute("create or replace temp table raw_rows as select * from xlsx_frame")
        finally:
            con.unregister("xlsx_frame")
        con.execute("create or replace temp table raw_rejects as select 0::bigint as row_number, "
                    "''::varchar as column_name, ''::varchar as reason, '{}'::json as raw_values limit 0")
        workbook.close()
        return
    workbook.close()
    raise SourceFileError(f"{path}: no sheet has a header row with {', '.join(required)} "
                          f"(sheets: {', '.join(workbook.sheetnames)})")
