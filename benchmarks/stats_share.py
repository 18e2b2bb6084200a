"""Benchmark of issue 16: the statistics of a build of the full shared data as a share of that build's time.

    python benchmarks/stats_share.py [--shared ../shared/data] [--out DIR] [--repeats N] [--write-results]

1. Builds a warehouse from every shared dataset with ``python -m pipelines run`` (the layout of the tests'
   shared_warehouse fixture) and takes its wall time: the build.
2. In a fresh process on a copy of that warehouse, times every statistics step the build ran
   (pipelines/defs/marts/stats.py: the fills of marts.policy_outcomes, policy_outcomes_joint, decapitation_pooled and
   policy_did), the first import of statsmodels and scipy included, as the build pays it.
Every figure is the median of ``--repeats`` runs; the load average is printed beside it. With
``--write-results`` the figures replace the "Statistics share of a build" section of benchmarks/RESULTS.md.
Nothing asserts a time; the target (< 20%) is stated with its verdict.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
TARGET_SHARE = 0.20
SECTION = "## Statistics share of a build (issue 16)"

TIMER = r"""
import json, sys, time
import duckdb
from pipelines.defs.marts.assets import AFTER  # imports dagster: the build's cost, not the statistics'
con = duckdb.connect(sys.argv[1])
started = time.perf_counter()  # statsmodels and scipy are imported by the first statistics step, as in a build
times = {}
for mart, fill in AFTER.items():
    t = time.perf_counter()
    fill(con)
    times[mart] = time.perf_counter() - t
con.close()
times["total"] = time.perf_counter() - started
print(json.dumps(times))
"""


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def build(shared: Path, root: Path) -> tuple[float, Path]:
    from tests.conftest import shared_raw_dir

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    raw = shared_raw_dir(root, shared)
    warehouse = root / "warehouse.duckdb"
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pipelines", "run", "--raw", str(raw), "--warehouse", str(warehouse)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds, warehouse


def statistics_time(warehouse: Path, work: Path) -> dict[str, float]:
    copy = work / "statistics.duckdb"
    shutil.copy(warehouse, copy)
    result = subprocess.run(
        [sys.executable, "-c", TIMER, str(copy)], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    copy.unlink()
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=PROJECT_ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "pipelines-bench-statistics")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args(argv)

    builds, stats_runs, loads = [], [], []
    for i in range(args.repeats):
        seconds, warehouse = build(args.shared, args.out / f"run{i}")
        loads.append(load())
        builds.append(seconds)
        stats_runs.append(statistics_time(warehouse, args.out))
        loads.append(load())
    build_s = statistics.median(builds)
    per_mart = {k: statistics.median(r[k] for r in stats_runs) for k in stats_runs[0]}
    share = per_mart["total"] / build_s
    import platform

    lines = [
        SECTION,
        "",
        f"`python benchmarks/stats_share.py --repeats {args.repeats}` on {platform.node()} "
        f"({os.cpu_count()} cores, {platform.python_version()}), load average (1/5/15 min) "
        f"{', '.join(loads)}. Build: `python -m pipelines run` over every shared dataset (wall time); "
        "statistics: every pipelines/defs/marts/stats.py step the build runs, timed in a fresh process on a copy of the "
        "built warehouse, the first import of statsmodels and scipy included.",
        "",
        "| measure | seconds |",
        "|---|---:|",
        f"| full shared-data build | {build_s:.1f} |",
    ]
    lines += [f"| statistics: marts.{mart} | {s:.2f} |" for mart, s in per_mart.items() if mart != "total"]
    lines += [
        f"| statistics, total (imports included) | {per_mart['total']:.2f} |",
        "",
        f"**Share: {share:.1%}** of the build (target < {TARGET_SHARE:.0%}: "
        f"{'met' if share < TARGET_SHARE else '**missed**'}).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write_results:
        results = PROJECT_ROOT / "benchmarks" / "RESULTS.md"
        current = results.read_text()
        if SECTION in current:
            head, _, rest = current.partition(SECTION)
            tail = rest[rest.find("\n## ") :] if "\n## " in rest else ""
            current = head + text + tail
        else:
            current = current.rstrip("\n") + "\n\n" + text
        results.write_text(current)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
