"""``python -m pipelines run``: every asset materialized in this process through Dagster."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import dagster as dg

from pipelines.definitions import BUILD_JOB, build_definitions
from pipelines.progress import ProgressHandler, progress_logger
from pipelines.warehouse import WarehouseBusyError, file_lock, run_lock_path_for


def _instance() -> dg.DagsterInstance:
    # With DAGSTER_HOME set (e.g. to the repo root, as for `dagster dev`), runs are recorded in that
    # instance and show up in the UI; otherwise an ephemeral instance keeps the CLI self-contained.
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_pipeline(raw_dir: Path, warehouse: Path, out=None) -> int:
    out = out or sys.stdout
    started = time.monotonic()
    if not raw_dir.is_dir():
        print(f"error: raw directory {raw_dir} does not exist", file=sys.stderr)
        return 2
    print(f"pipelines run: raw {raw_dir} -> warehouse {warehouse}", file=out, flush=True)
    handler = ProgressHandler(out)
    defs = build_definitions(raw_dir, warehouse, loggers={"progress": progress_logger(handler)})
    job = defs.resolve_job_def(BUILD_JOB)
    try:
        with file_lock(run_lock_path_for(warehouse), warehouse, wait=False):
            with _instance() as instance:
                result = job.execute_in_process(
                    instance=instance, raise_on_error=False, run_config={"loggers": {"progress": {}}}
                )
    except WarehouseBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    return summarize(result, handler, warehouse, time.monotonic() - started, out)


def summarize(result, handler: ProgressHandler, warehouse: Path, seconds: float, out) -> int:
    built = result.get_asset_materialization_events()
    rows = 0
    for event in built:
        count = event.materialization.metadata.get("dagster/row_count")
        rows += count.value if count is not None else 0
    evaluations = result.get_asset_check_evaluations()
    failed = [e for e in evaluations if not e.passed]
    blocking = [e for e in failed if e.severity == dg.AssetCheckSeverity.ERROR]
    failed_steps = result.get_failed_step_keys() if hasattr(result, "get_failed_step_keys") else []
    published = any(e.asset_key == dg.AssetKey(["meta", "published_warehouse"]) for e in built)
    ok = result.success and not blocking and published
    print("", file=out)
    print("summary", file=out)
    print(f"  assets built   {len(built)} ({rows:,} rows in their tables)", file=out)
    print(f"  checks         {len(evaluations) - len(failed)} passed, {len(blocking)} failed (ERROR), "
          f"{len(failed) - len(blocking)} warnings (WARN)", file=out)
    for e in failed:
        print(f"    {e.severity.value:<5} {'.'.join(e.asset_key.path)}:{e.check_name}", file=out)
    if failed_steps:
        print(f"  failed steps   {', '.join(sorted(failed_steps))}", file=out)
    print(f"  published      {'yes: ' + str(warehouse) if published else 'no (the previous warehouse is unchanged)'}",
          file=out)
    print(f"  time           {seconds:.1f}s", file=out)
    print(f"  result         {'SUCCESS' if ok else 'FAILED'}", file=out, flush=True)
    return 0 if ok else 1
