"""Measure 1, full ingest of the 10x GTD file: the pipeline's staging + conforming path (adapter ``stage()`` and
``conform_incidents()`` on a fresh copy of a curated-only warehouse), the least that design can cost, DuckDB's
``CREATE TABLE AS SELECT * FROM read_csv()`` into a database file, pandas ``read_csv`` + insert into a DuckDB file,
and the whole ``python -m pipelines run`` (which leaves the 10x warehouse the later measures use)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from common import cli_run, conform_incidents, count, median, median_value, note, runs_text, verdict


def wh_build_path(published: Path) -> Path:
    from pipelines.engine.warehouse import build_path_for

    return build_path_for(published)


class TimedConnection:
    """A DuckDB connection that records how long each statement of at least 50 ms took (the ingest profile)."""

    def __init__(self, con, statements: list):
        self._con, self._statements = con, statements

    def execute(self, sql, *args, **kwargs):
        started = time.perf_counter()
        result = self._con.execute(sql, *args, **kwargs)
        seconds = time.perf_counter() - started
        if seconds >= 0.05:
            self._statements.append((round(seconds, 2), " ".join(str(sql).split())[:90]))
        return result

    def __getattr__(self, name):
        return getattr(self._con, name)


def pipeline_ingest(
    base_build: Path, work: Path, raw: Path, file: Path, statements: list | None = None
) -> tuple[float, int]:
    """Stage one GTD file and conform it into core.incidents on a fresh copy of a curated-only warehouse.

    ``statements`` (if given) receives (seconds, statement) for every statement of 50 ms or more."""
    from pipelines.defs.incidents.sources.registry import adapters
    from pipelines.engine import accounting
    from pipelines.engine import warehouse as wh

    published = work / "warehouse.duckdb"
    if work.exists():
        shutil.rmtree(work)
    wh.build_path_for(published).parent.mkdir(parents=True)
    shutil.copyfile(base_build, wh.build_path_for(published))
    accounting.forget_digests()  # hash the file as a first run would
    gtd = next(a for a in adapters() if a.name == "gtd")
    started = time.perf_counter()
    con = wh.connect_build(published)
    timed_con = TimedConnection(con, statements) if statements is not None else con
    try:
        gtd.stage(timed_con, file, raw)
        conform_incidents(timed_con)
        timed_con.execute("checkpoint")
        seconds = time.perf_counter() - started
        rows = con.execute("select count(*) from core.incidents where source = 'gtd'").fetchone()[0]
    finally:
        con.close()
    return seconds, rows


def design_floor(built: Path, file: Path, database: Path) -> dict[str, float]:
    """What the pipeline's design costs at the least, with no typing, rules or conforming: reading the file
    as text into memory, and writing the three tables it must hold (staging.gtd, the GTD rows of
    core.incidents and core.incident_perpetrators, copied from memory) into a new database file."""
    import duckdb

    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    try:
        con.execute(f"attach '{built}' as built (read_only)")
        times = {}
        started = time.perf_counter()
        con.execute(
            f"create temp table text_rows as select * from read_csv('{file}', all_varchar = true, parallel = true)"
        )
        times["read as text"] = time.perf_counter() - started
        for name, sql in (
            ("staging.gtd", "select * from built.staging.gtd"),
            ("core.incidents", "select * from built.core.incidents where source = 'gtd'"),
            (
                "core.incident_perpetrators",
                "select * from built.core.incident_perpetrators where split_part(source_file, '/', 1) = 'gtd'",
            ),
        ):
            table = name.replace(".", "_")
            con.execute(f"create temp table mem_{table} as {sql}")
            started = time.perf_counter()
            con.execute(f"create table {table} as select * from mem_{table}")
            con.execute("checkpoint")
            times[f"write {name}"] = time.perf_counter() - started
    finally:
        con.close()
        database.unlink(missing_ok=True)
    return times


def duckdb_native(file: Path, database: Path) -> tuple[float, int]:
    import duckdb

    database.unlink(missing_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(str(database))
    con.execute(f"create table incidents as select * from read_csv('{file}')")
    con.close()
    seconds = time.perf_counter() - started
    return seconds, count(database, "select count(*) from incidents")


def pandas_insert(file: Path, database: Path) -> tuple[float, int]:
    import duckdb
    import pandas as pd

    database.unlink(missing_ok=True)
    started = time.perf_counter()
    frame = pd.read_csv(file, low_memory=False)
    con = duckdb.connect(str(database))
    con.register("frame", frame)
    con.execute("create table incidents as select * from frame")
    con.close()
    del frame
    seconds = time.perf_counter() - started
    return seconds, count(database, "select count(*) from incidents")


def measure(
    out: Path, logs: Path, base_build: Path, full_raw: Path, full_file: Path, full_warehouse: Path, repeats: int
) -> dict:
    """Every ingest path ``repeats`` times on ``full_file``; ``full_warehouse`` is left built by the last CLI run."""
    pipeline, native, pandas_path, whole = [], [], [], []
    rows = {}
    profiles, floors = [], []
    for i in range(repeats):
        profiles.append([])
        seconds, rows["pipeline"] = pipeline_ingest(
            base_build, out / "ingest", full_raw, full_raw / "gtd" / full_file.name, profiles[-1]
        )
        pipeline.append(seconds)
        floors.append(design_floor(wh_build_path(out / "ingest" / "warehouse.duckdb"), full_file, out / "floor.duckdb"))
        seconds, rows["duckdb"] = duckdb_native(full_file, out / "native.duckdb")
        native.append(seconds)
        seconds, rows["pandas"] = pandas_insert(full_file, out / "pandas.duckdb")
        pandas_path.append(seconds)
        note(
            "1. ingest",
            f"rep {i + 1}: pipeline {pipeline[-1]:.2f}s, duckdb {native[-1]:.2f}s, pandas {pandas_path[-1]:.2f}s",
        )
    for i in range(repeats):
        if full_warehouse.parent.exists():
            shutil.rmtree(full_warehouse.parent)
        whole.append(cli_run(full_raw, full_warehouse, logs / f"full_run_{i + 1}.log"))
        note("1. whole run", f"rep {i + 1}: {whole[-1]['seconds']:.1f}s, peak {whole[-1]['peak_rss_mb']:.0f} MB")
    rows["cli"] = count(full_warehouse, "select count(*) from core.incidents where source = 'gtd'")
    ingest = {
        "rows": rows,
        "pipeline_s": pipeline,
        "duckdb_s": native,
        "pandas_s": pandas_path,
        "whole_run_s": [w["seconds"] for w in whole],
        "whole_run_peak_mb": [w["peak_rss_mb"] for w in whole],
        "pipeline_median": median(pipeline),
        "duckdb_median": median(native),
        "pandas_median": median(pandas_path),
        "whole_run_median": median([w["seconds"] for w in whole]),
    }
    ingest["profile"] = profiles[pipeline.index(median_value(pipeline))]  # the statements of the median run
    ingest["floor_s"] = {part: median([f[part] for f in floors]) for part in floors[0]}
    ingest["floor_total"] = sum(ingest["floor_s"].values())
    ingest["pipeline_over_duckdb"] = ingest["pipeline_median"] / ingest["duckdb_median"]
    ingest["pandas_over_pipeline"] = ingest["pandas_median"] / ingest["pipeline_median"]
    return ingest


def report_lines(results: dict) -> list[str]:
    i = results["ingest"]
    rows_full = results["files"]["full"]["rows"]
    return [
        f"### 1. Full ingest of {rows_full:,} GTD rows",
        "",
        "| path | median s | runs (s) | rows in the table |",
        "|---|---:|---|---:|",
        f"| DuckDB `CREATE TABLE AS SELECT * FROM read_csv()` into a file (the limit) | {i['duckdb_median']:.2f} | "
        f"{runs_text(i['duckdb_s'])} | {i['rows']['duckdb']:,} |",
        f"| pipeline: `stage()` + `conform_incidents()` (staging, quarantine, accounting, conforming, group resolution) | "
        f"{i['pipeline_median']:.2f} | {runs_text(i['pipeline_s'])} | {i['rows']['pipeline']:,} |",
        f"| pandas `read_csv` + insert into a DuckDB file | {i['pandas_median']:.2f} | {runs_text(i['pandas_s'])} | "
        f"{i['rows']['pandas']:,} |",
        f"| whole `python -m pipelines run` (fresh warehouse: + curated data, checks, GX, marts, publish) | "
        f"{i['whole_run_median']:.1f} | {runs_text(i['whole_run_s'], 1)} | {i['rows']['cli']:,} |",
        "",
        f"- pipeline / DuckDB native = **{i['pipeline_over_duckdb']:.2f}x** (target <= 2.0x: "
        f"{verdict(i['pipeline_over_duckdb'] <= 2.0)})",
        f"- pandas / pipeline = **{i['pandas_over_pipeline']:.2f}x** (target >= 2x faster than pandas: "
        f"{verdict(i['pandas_over_pipeline'] >= 2.0)})",
        f"- whole run peak RSS: {max(i['whole_run_peak_mb']):.0f} MB",
        "",
        "The least this design can cost (`design_floor()`: read the file as text, write the three tables it "
        "holds from memory; medians): "
        + ", ".join(f"{part} {x:.2f} s" for part, x in i["floor_s"].items())
        + f"; together **{i['floor_total']:.2f} s = {i['floor_total'] / i['duckdb_median']:.2f}x** DuckDB's native "
        "load.",
        "",
        "Where the pipeline's time goes (the median run's statements of 50 ms or more, in order):",
        "",
        "| s | statement |",
        "|---:|---|",
        *[f"| {seconds:.2f} | `{statement.replace('|', '/')}` |" for seconds, statement in i.get("profile", [])],
        "",
    ]
