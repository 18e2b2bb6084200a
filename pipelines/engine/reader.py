"""The one reader of raw files: a CSV or XLSX file into temp tables every loader types in SQL.

``read_raw_file`` leaves

- ``raw_rows``: one row per data row, every column VARCHAR, in file order, named
  as the header says (DuckDB's names: trimmed, a repeated header gets a suffix, ``gname`` then ``gname_1``);
- ``raw_rejects``: one row per line the CSV reader could not parse (row_number = its line, the header being
  line 1; the first column at fault; the reason; the line as raw_values), empty for a workbook;
- ``raw_blank_rows``: the data rows (the header is row 0) that are empty lines, which DuckDB skips;

and returns the header. ``number_raw_rows`` then turns ``raw_rows`` into a view with ``_row_number``, once a
loader has dropped rows that are not data (an HXL hashtag row): a row's place among the file's data rows (the
header is row 0), counting the lines that are not in ``raw_rows`` (rejected or empty), so that a row is named by
its place in the file whatever came before it. (A quoted field that spans lines counts as one row.) Incident
sources, mapped datasets, curated tables, lineage sources and ACLED deletions all read through here, so an
encoding, a BOM or a broken line is handled the same way everywhere.
"""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path

import duckdb

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
ENCODINGS = ("auto", "utf-8", "utf-16", "cp1252", "latin-1")


class RawFileError(ValueError):
    """A file that cannot be read at all; the message names the file and what is wrong."""


def _decode_error(path: Path, encoding: str) -> UnicodeDecodeError | None:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 22), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return exc
    return None


def _mixes_line_endings(path: Path) -> bool:
    """True when some lines end with CRLF and others with LF alone (a hand-edited Windows file)."""
    crlf = lf = 0
    last = b""
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            crlf += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
            lf += chunk.count(b"\n")
            last = chunk[-1:]
    return 0 < crlf < lf


def _empty_lines(path: Path) -> list[int]:
    """The numbers (1-based) of the empty lines outside quoted fields: DuckDB skips them. Most files have none,
    which one pass over the bytes tells; only a file with an empty line is read line by line."""
    tail = b""
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            window = tail + chunk
            if b"\n\n" in window or b"\n\r\n" in window or window.startswith((b"\n", b"\r\n")) and not tail:
                break
            tail = window[-2:]
        else:
            return []
    found, quotes = [], 0
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if quotes % 2 == 0 and line.strip(b"\r\n") == b"":
                found.append(number)
            quotes += line.count(b'"')
    return found


def detect_encoding(path: Path, candidates: tuple[str, ...] = ("utf-8", "cp1252", "latin-1")) -> str:
    """The first encoding that decodes the whole file (UTF-8 first; cp1252 for Windows exports)."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return next((e for e in candidates if _decode_error(path, e) is None), "latin-1")


def clear_raw_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what an earlier read on this connection left (DuckDB appends to an existing rejects table)."""
    views = [
        r[0]
        for r in con.execute(
            "select view_name from duckdb_views() where temporary and view_name in ('raw_rows', 'typed')"
        ).fetchall()
    ]
    for view in sorted(views):
        con.execute(f"drop view {view}")
    for table in (
        "raw_rows",
        "raw_rows_read",
        "raw_rejects",
        "raw_blank_rows",
        "raw_reject_errors",
        "raw_reject_scans",
        "typed_rejects",
    ):
        con.execute(f"drop table if exists {table}")


def read_raw_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    encoding: str = "auto",
    encoding_declared_in: Path | None = None,
    header_row: int | None = None,
    sheet: str | None = None,
    required: tuple[str, ...] = (),
    strict: bool = True,
) -> list[str]:
    """Read ``path`` into ``raw_rows`` and ``raw_rejects`` (module docstring); return its header.

    CSV: comma-separated, ``"`` quoting (a quoted field may hold commas and newlines), ``encoding`` 'auto'
    (UTF-16 by its BOM, else the first of UTF-8, cp1252, latin-1 that decodes the whole file) or the one
    named; a UTF-8 BOM is skipped. ``header_row`` (1-based, default 1) skips lines above the header.
    ``strict=False`` keeps a line with too many fields (the extra ones dropped) and stray quotes.
    XLSX: the sheet named, else the first whose header row (``header_row``, else the first of the top 30
    rows holding every ``required`` column) qualifies; blank rows are skipped.
    """
    clear_raw_rows(con)
    if path.stat().st_size == 0:
        raise RawFileError(f"{path}: the file is empty (0 bytes), not even a header")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        _read_xlsx(con, path, sheet, required, header_row)
    else:
        _read_csv(con, path, encoding, encoding_declared_in, header_row or 1, strict)
    return [r[0] for r in con.execute("select column_name from (describe raw_rows)").fetchall()]


def _read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, encoding: str, declared_in: Path | None, header_row: int, strict: bool
) -> None:
    if encoding not in ENCODINGS:
        raise RawFileError(f"{path}: unknown encoding {encoding!r} (one of {', '.join(ENCODINGS)})")
    if encoding == "auto":
        encoding = detect_encoding(path)
    else:
        error = _decode_error(path, encoding)
        if error is not None:
            said = f" as {declared_in} says" if declared_in else ""
            raise RawFileError(f"{path}: not {encoding}{said} ({error})") from None
    skip = header_row - 1
    with tempfile.TemporaryDirectory() as scratch:
        source = path
        mixed = _mixes_line_endings(path)
        if encoding != "utf-8" or mixed:
            # Decoded by Python's codec (cp1252 quotes, UTF-16): DuckDB reads only UTF-8 exactly. Mixed line
            # endings become LF: DuckDB's strict reader refuses a file with both (Python's csv read them).
            source = Path(scratch) / "utf8.csv"
            with (
                open(path, encoding=encoding, newline=None if mixed else "") as text,
                open(source, "w", encoding="utf-8", newline="") as out,
            ):
                for chunk in iter(lambda: text.read(1 << 20), ""):
                    out.write(chunk)
        try:
            con.execute(
                "create temp table raw_rows as select * from read_csv(?, all_varchar = true, header = true, "
                "delim = ',', quote = '\"', escape = '\"', encoding = 'utf-8', skip = ?, strict_mode = ?, "
                "store_rejects = true, rejects_table = 'raw_reject_errors', rejects_scan = 'raw_reject_scans', "
                # lines skipped above the header are counted by one thread (the mapped reader always did so)
                "parallel = ?)",
                [str(source), skip, strict, skip == 0],
            )
        except duckdb.Error as exc:
            # from None: the message says it all, and the run's summary shows the innermost error
            raise RawFileError(f"{path}: cannot be read as CSV ({str(exc).splitlines()[0]})") from None
        blank = [line - skip - 1 for line in _empty_lines(source) if line - skip - 1 > 0]
    con.execute("create temp table raw_blank_rows as select unnest(?::bigint[]) as row_number", [blank])
    # DuckDB reports one error per column of a short line: one reject per line, with the first column at fault.
    con.execute(
        "create temp table raw_rejects as select line - ? as row_number, "
        "arg_min(column_name, column_idx) as column_name, "
        "arg_min(error_type || ': ' || error_message, column_idx) as reason, "
        "to_json({'line': any_value(csv_line)}) as raw_values from raw_reject_errors group by line",
        [skip],
    )


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return text if text.strip() != "" else None


def _read_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, sheet: str | None, required: tuple[str, ...], header_row: int | None
) -> None:
    """One sheet, every cell as text: workbooks often open with notes or summary sheets, so without a sheet
    name the first whose header row holds every required column is read."""
    import openpyxl
    import pandas as pd

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure means the file is not a readable workbook
        raise RawFileError(f"{path}: cannot be read as an XLSX workbook ({exc})") from exc
    try:
        for name in [sheet] if sheet else workbook.sheetnames:
            if name not in workbook.sheetnames:
                raise RawFileError(f"{path}: no sheet named {name!r} (sheets: {', '.join(workbook.sheetnames)})")
            rows = [[_cell_text(v) for v in row] for row in workbook[name].iter_rows(values_only=True)]
            start = (
                header_row - 1
                if header_row is not None
                else next(
                    (i for i, row in enumerate(rows[:30]) if set(required) <= {(v or "").strip() for v in row}), None
                )
            )
            if start is None:
                continue
            header = [(v or f"column_{i + 1}").strip() for i, v in enumerate(rows[start])]
            seen: dict[str, int] = {}
            for i, h in enumerate(header):  # repeated headers get a suffix, as DuckDB's CSV reader gives them
                if h in seen:
                    seen[h] += 1
                    header[i] = f"{h}_{seen[h]}"
                else:
                    seen[h] = 0
            body = [row + [None] * (len(header) - len(row)) for row in rows[start + 1 :]]
            body = [row[: len(header)] for row in body if any(v is not None for v in row)]
            con.register("xlsx_frame", pd.DataFrame(body, columns=header, dtype="string"))
            try:
                con.execute("create temp table raw_rows as select * from xlsx_frame")
            finally:
                con.unregister("xlsx_frame")
            con.execute(
                "create temp table raw_rejects as select 0::bigint as row_number, "
                "''::varchar as column_name, ''::varchar as reason, '{}'::json as raw_values limit 0"
            )
            con.execute("create temp table raw_blank_rows as select 0::bigint as row_number limit 0")
            return
    finally:
        workbook.close()
    raise RawFileError(
        f"{path}: no sheet has a header row with {', '.join(required)} (sheets: {', '.join(workbook.sheetnames)})"
    )


def number_raw_rows(con: duckdb.DuckDBPyConnection, added_columns: list[str] = ()) -> None:
    """Make ``raw_rows`` a view with ``_row_number`` (1-based, in file order) and ``added_columns`` as NULL
    VARCHARs, without copying the rows.

    The rows as read stay in ``raw_rows_read``, their rowids in file order. Only when a loader removed rows (an
    HXL hashtag row) are they copied once and renumbered.
    """
    con.execute("alter table raw_rows rename to raw_rows_read")
    # Rows a table gets inside an open transaction have rowids from DuckDB's MAX_ROW_ID on, not from 0: the
    # position is the rowid minus the first one.
    span = "select count(*), coalesce(min(rowid), 0), coalesce(max(rowid) + 1 - min(rowid), 0) from raw_rows_read"
    count, first, positions = con.execute(span).fetchone()
    if count != positions:
        con.execute("create or replace temp table raw_rows_kept as select * from raw_rows_read order by rowid")
        con.execute("drop table raw_rows_read")
        con.execute("alter table raw_rows_kept rename to raw_rows_read")
        count, first, positions = con.execute(span).fetchone()
    added = "".join(f", null::varchar as {quote(c)}" for c in added_columns)
    position = f"(rowid - {int(first)} + 1)"
    # Data rows missing from raw_rows_read (rejected lines: data row = line - 1; empty lines): the k-th row read is
    # the k-th number not among them, k + #{missing m_r (r-th smallest) with m_r - r < k}.
    missing = con.execute(
        "select list(m order by m) from (select row_number - 1 as m from raw_rejects "
        "union select row_number from raw_blank_rows)"
    ).fetchone()[0]
    shift = ""
    if missing:
        offsets = [m - r for r, m in enumerate(missing, start=1)]
        shift = f" + len(list_filter({offsets}::bigint[], lambda o: o < {position}))"
    con.execute(f"create temp view raw_rows as select {position}{shift} as _row_number, *{added} from raw_rows_read")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
