"""Benchmark of the live pull path (issue 19): 100,000 ACLED events pulled, paged, from the local fake API
(tests/fake_apis.py, in a separate process so that its memory is not counted) and staged through the ACLED
adapter into a fresh warehouse; then the history model and core.incidents over them.

    python benchmarks/live_pull.py                 # 100,000 events, pages of 5,000 (ACLED's limit)
    python benchmarks/live_pull.py --events 2000   # a quick check that it works

The events resample real rows of the shared ACLED file (Pakistan and Afghanistan rows first, then the rest)
with new unique ids. Prints one Markdown table: wall time per step and the peak RSS of this process (pull,
CSV writing, staging and conforming all run here). Nothing asserts a time: RESULTS.md states the target.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
SHARED = PROJECT_ROOT.parent / "shared" / "data" / "acled" / "acled_sample_2022h1_global.csv"


def make_events(n: int) -> list[dict]:
    with open(SHARED, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    events = []
    for i in range(n):
        row = dict(rows[i % len(rows)])
        row.update(event_id_cnty=f"PAK{9_000_000 + i}", country="Pakistan", timestamp=str(1_700_000_000 + i % 86_400))
        events.append(row)
    return events


def serve(n: int, ready, stop) -> None:
    from tests.fake_apis import FakeApis

    with FakeApis() as fake:
        fake.state.acled_events = make_events(n)
        ready.send(fake.url)
        stop.wait()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=5000)
    args = parser.parse_args()

    from pipelines.defs.incidents import conform
    from pipelines.defs.incidents.sources.acled import ADAPTER, stage_deletions
    from pipelines.defs.live.acled import AcledClient
    from pipelines.defs.live.http import RetryingClient
    from pipelines.defs.live.pull import pull_acled
    from pipelines.defs.live.settings import live_settings
    from pipelines.defs.reference.curated import TABLES, stage_curated_table
    from pipelines.engine.warehouse import connect_build
    from tests.fake_apis import ACLED_PASSWORD, ACLED_USER

    receive, send = multiprocessing.Pipe(duplex=False)
    stop = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(args.events, send, stop), daemon=True)
    server.start()
    url = receive.recv()
    timings = {}
    try:
        with tempfile.TemporaryDirectory() as temp:
            raw = Path(temp) / "raw"
            settings = live_settings(
                {
                    "ACLED_API_BASE_URL": url,
                    "ACLED_API_USERNAME": ACLED_USER,
                    "ACLED_API_PASSWORD": ACLED_PASSWORD,
                    "PIPELINES_LIVE_COUNTRIES": "Pakistan",
                }
            )
            client = AcledClient(settings, RetryingClient(timeout=60), limit=args.limit)
            started = time.perf_counter()
            result = pull_acled(client, raw, now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
            timings["pull (paged, written to raw/)"] = time.perf_counter() - started
            (path,) = result.files
            con = connect_build(Path(temp) / "warehouse" / "warehouse.duckdb")
            try:
                started = time.perf_counter()
                load = ADAPTER.stage(con, path, raw)
                timings["stage (adapter: staging, quarantine, accounting)"] = time.perf_counter() - started
                # no curated data in this warehouse: its curated tables empty (no raw/curated/)
                for table in TABLES:
                    stage_curated_table(con, table, raw)
                started = time.perf_counter()
                stage_deletions(con, raw)
                for table in conform.TABLES:
                    conform.refresh(con, table)
                timings["versions + core.incidents (conform.refresh)"] = time.perf_counter() - started
                versions = con.execute("select count(*) from core.incident_versions").fetchone()[0]
            finally:
                con.close()
    finally:
        stop.set()
        server.join(10)
    total = sum(timings.values())
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"events {args.events:,}, pages of {args.limit:,} ({client.http.requests} requests); rows read "
        f"{load.rows_read:,}, loaded {load.rows_loaded:,}, quarantined {load.rows_quarantined:,}; versions {versions:,}"
    )
    print("\n| step | s |\n|---|---:|")
    for step, seconds in timings.items():
        print(f"| {step} | {seconds:.2f} |")
    print(f"| **total** | **{total:.2f}** |")
    print(f"\npeak RSS of the pulling process: {peak_mb():,.0f} MB (target: total < 60 s, < 1 GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
