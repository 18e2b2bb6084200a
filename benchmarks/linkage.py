"""Benchmark of record linkage (issue 20): a full link of all shared incident data, and how candidate pairs and
time grow with GTD's size (1x, 2x, 5x, 10x).

    python benchmarks/linkage.py --warehouse FILE [--out DIR]

FILE is a warehouse built from every shared dataset (``python -m pipelines run --raw <raw dir with the shared
files>``; tests/conftest.py ``shared_raw_dir`` lays one out). The benchmark works on a copy. GTD at k x: the
extract's rows of marts.incident_facts repeated k times under new incident ids (same dates and countries, so
that each day holds k times the GTD events, as a larger GTD would). Each figure is one full re-link
(``pipelines.defs.linkage.matching.relink(full=True)``): candidate pairs, links, seconds. Growth: the log-log slope of
candidate pairs and of time against the number of incidents between 1x and 10x (2 = quadratic).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.defs.linkage import matching as linkage  # noqa: E402
from pipelines.engine.config import SQL_DIR  # noqa: E402

SCALES = [1, 2, 5, 10]


def scaled_copy(warehouse: Path, directory: Path, scale: int) -> Path:
    target = directory / f"linkage_{scale}x.duckdb"
    shutil.copy(warehouse, target)
    con = duckdb.connect(str(target))
    con.execute((SQL_DIR / "schema.sql").read_text())
    for k in range(1, scale):
        con.execute(f"""insert into marts.incident_facts
                        select * replace (incident_id || '#{k}' as incident_id) from marts.incident_facts
                        where source = 'gtd' and not contains(incident_id, '#')""")
    con.execute("checkpoint")
    con.close()
    return target


def measure(path: Path) -> dict:
    con = duckdb.connect(str(path))
    try:
        incidents = con.execute("select count(*) from marts.incident_facts").fetchall()[0][0]
        started = time.perf_counter()
        result = linkage.relink(con, full=True)
        seconds = time.perf_counter() - started
    finally:
        con.close()
    return {
        "incidents": incidents,
        "candidate_pairs": result.candidate_pairs,
        "links": result.links,
        "clusters": result.clusters,
        "seconds": round(seconds, 2),
    }


def slope(rows: list[dict], key: str) -> float:
    first, last = rows[0], rows[-1]
    return math.log(last[key] / first[key]) / math.log(last["incidents"] / first["incidents"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="linkage-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for scale in SCALES:
        copy = scaled_copy(args.warehouse, out, scale)
        row = {"gtd_scale": f"{scale}x", **measure(copy)}
        rows.append(row)
        print(json.dumps(row), flush=True)
        copy.unlink()
    report = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "load_average_after": os.getloadavg(),
        "rows": rows,
        "growth_exponent_candidate_pairs": round(slope(rows, "candidate_pairs"), 2),
        "growth_exponent_seconds": round(slope(rows, "seconds"), 2),
    }
    (out / "linkage_results.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
