"""Synthetic GTD- and UCDP-format files for the benchmarks, resampled from the shared real rows.

A file of scale ``s`` holds ``round(s * rows of the real file)`` real rows, each copy given a new unique
id (``<real id><4-digit batch>``), so every quirk of the real data (blank counts, unknown months, three
perpetrator names, the HDX hashtag row under the UCDP header) is kept at any size. DuckDB does the
copying, so 10 million rows take seconds. Files go outside the repository by default.

    python benchmarks/generate.py --scale 10 --out /tmp/pipelines-bench
    python benchmarks/generate.py --scale 0.02 --source ucdp --batch 9000 --out DIR
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
GTD_FILE = SHARED_DATA / "gtd" / "gtd_0814_extract_31col.csv"
UCDP_FILE = SHARED_DATA / "ucdp_ged" / "ged221_pakistan_hdx.csv"
DEFAULT_OUT = Path(tempfile.gettempdir()) / "pipelines-bench"


def scale_label(scale: float) -> str:
    """``10`` -> ``10x``, ``0.02`` -> ``0.02x``: the part of a file name that says its size."""
    return f"{scale:g}x"


def _read_sql(path: Path, skip_hxl: bool) -> str:
    # Every column as text: the copies keep the real file's spelling of each value (``1.0``, blanks).
    source = (
        f"read_csv('{path}', all_varchar = true, header = true, delim = ',', quote = '\"', "
        "escape = '\"', parallel = false)"
    )
    return f"(select * from {source} where not starts_with(coalesce(year, ''), '#'))" if skip_hxl else source


def resample(
    con: duckdb.DuckDBPyConnection,
    source_file: Path,
    id_columns: list[str],
    scale: float,
    batch: int,
    destination: Path,
    skip_hxl: bool = False,
    newline: str = "\n",
) -> int:
    """Write ``scale`` times ``source_file``'s rows to ``destination`` (no header); return the row count."""
    con.execute(
        f"create or replace temp table real_rows as select row_number() over () as _real_row, * "
        f"from {_read_sql(source_file, skip_hxl)}"
    )
    real = con.execute("select count(*) from real_rows").fetchone()[0]
    wanted = round(scale * real)
    copies = max(1, math.ceil(scale))
    if batch + copies > 10_000:
        raise ValueError("batch + copies must stay below 10,000 (the id suffix has four digits)")
    columns = [
        r[0] for r in con.execute("select column_name from (describe real_rows)").fetchall() if r[0] != "_real_row"
    ]
    select = ", ".join(
        f'r."{c}" || lpad((k.range + {batch})::varchar, 4, \'0\') as "{c}"' if c in id_columns else f'r."{c}"'
        for c in columns
    )
    query = f"select {select} from real_rows r cross join range({copies}) k"
    if wanted < real * copies:
        # A fraction of a copy: a fixed pseudo-random subset, the same on every machine.
        query += f" order by hash(r._real_row, k.range, {batch}) limit {wanted}"
    else:
        query += " order by k.range, r._real_row"
    newline_sql = newline.replace("\r", "\\r").replace("\n", "\\n")
    con.execute(f"copy ({query}) to '{destination}' (format csv, header false, new_line '{newline_sql}')")
    return wanted


def _write(header_lines: list[str], body: Path, destination: Path) -> None:
    """Header (and, for UCDP, the HXL row) first, then the body DuckDB wrote."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial")
    with open(partial, "wb") as out:
        out.write("".join(header_lines).encode("utf-8"))
        with open(body, "rb") as rows:
            shutil.copyfileobj(rows, out, 1 << 22)
    os.replace(partial, destination)


def _head(path: Path, lines: int) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [handle.readline() for _ in range(lines)]


def generate(source: str, scale: float, out: Path, batch: int = 0, name: str | None = None) -> tuple[Path, int]:
    """Write one synthetic file; return its path and number of data rows."""
    if source == "gtd":
        real, ids, head_lines, skip_hxl = GTD_FILE, ["eventid"], 1, False
        folder = "gtd"
    elif source == "ucdp":
        real, ids, head_lines, skip_hxl = UCDP_FILE, ["id", "relid"], 2, True
        folder = "ucdp_ged"
    else:
        raise ValueError(f"unknown source {source!r} (gtd or ucdp)")
    destination = out / folder / (name or f"{source}_{scale_label(scale)}_b{batch}.csv")
    con = duckdb.connect()
    with tempfile.TemporaryDirectory(dir=out if out.exists() else None) as tmp:
        body = Path(tmp) / "body.csv"
        head = _head(real, head_lines)
        # The same line ending as the real file's header: a reader sniffing the file sees one dialect.
        newline = "\r\n" if head[0].endswith("\r\n") else "\n"
        rows = resample(con, real, ids, scale, batch, body, skip_hxl, newline)
        con.close()
        _write(head, body, destination)
    return destination, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        action="append",
        required=True,
        help="size as a multiple of the real file (repeatable): 1, 10, 80, 0.02 ...",
    )
    parser.add_argument("--source", choices=["gtd", "ucdp", "both"], default="both")
    parser.add_argument(
        "--batch", type=int, default=0, help="first id batch (use a different one for files that must not share ids)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for scale in args.scale:
        for source in ["gtd", "ucdp"] if args.source == "both" else [args.source]:
            path, rows = generate(source, scale, args.out, args.batch)
            print(f"{path}: {rows:,} rows, {path.stat().st_size / 1e6:,.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
