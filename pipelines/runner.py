"""``python -m pipelines run``: every asset materialized in this process through Dagster.

One Dagster run per new or changed raw file (its source's staging partition), then one run of the
build job (curated data, conforming, checks, marts, publish). Unchanged files are not staged again,
and when no input at all changed since the published build (pipelines/fingerprint.py) the run stops
before loading Dagster. When the only changes are files of incident sources (gtd, ucdp_ged, ...) and the
working copy is still the published build, the build job runs only on what those sources reach
(``build_warehouse_incremental``: conforming, their checks, the tables and marts that read incidents,
publish, report); anything else, or any doubt, runs the whole build job.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.accounting import sha256_of
from pipelines.fingerprint import (BuildPlan, PublishedBuild, RunInputs, plan_build, published_build,
                                  record_run_inputs, run_inputs, working_copy_build)
from pipelines.incidents import prune_removed_files
from pipelines.sources.registry import adapters
from pipelines.warehouse import (WarehouseBusyError, build_path_for, connect_build, file_lock, run_lock_path_for,
                                 writer_lock)

if TYPE_CHECKING:
    import dagster as dg

RUN_CONFIG = {"loggers": {"progress": {}}}


def _instance() -> dg.DagsterInstance:
    import dagster as dg

    # With DAGSTER_HOME set (e.g. to the repo root, as for `dagster dev`), runs are recorded in that
    # instance and show up in the UI; otherwise an ephemeral instance keeps the CLI self-contained.
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def plan_loads(instance: dg.DagsterInstance, raw_dir: Path, warehouse: Path) -> list[tuple[str, str]]:
    """Register a partition per raw file (dropping removed ones); return the (source, key) to stage."""
    loaded: set[tuple[str, str, str]] = set()
    if build_path_for(warehouse).exists():
        con = connect_build(warehouse)
        try:
            loaded = set(con.execute("select source, source_file, sha256 from dq.file_loads where is_current")
                         .fetchall())
        finally:
            con.close()
    todo = []
    for adapter in adapters():
        partitions = f"{adapter.name}_files"
        files = {adapter.partition_key(p, raw_dir): p for p in adapter.files(raw_dir)}
        known = set(instance.get_dynamic_partitions(partitions))
        new = sorted(set(files) - known)
        if new:
            instance.add_dynamic_partitions(partitions, new)
        for gone in sorted(known - set(files)):
            instance.delete_dynamic_partition(partitions, gone)
        for key, path in sorted(files.items()):
            if (adapter.name, adapter.source_file(path, raw_dir), sha256_of(path)) not in loaded:
                todo.append((adapter.name, key))
    return todo


def run_pipeline(raw_dir: Path, warehouse: Path, out=None) -> int:
    out = out or sys.stdout
    started = time.monotonic()
    if not raw_dir.is_dir():
        print(f"error: raw directory {raw_dir} does not exist", file=sys.stderr)
        return 2
    print(f"pipelines run: raw {raw_dir} -> warehouse {warehouse}", file=out, flush=True)
    inputs = run_inputs(raw_dir)
    published = published_build(warehouse)
    if published is not None and published.fingerprint == inputs.fingerprint:
        print("  0 raw file(s) new or changed", file=out)
        print(f"  nothing changed since the published build {published.build_id} ({published.built_at} UTC): no raw "
              f"file, SQL model, suite or code; nothing to do ({time.monotonic() - started:.1f}s)", file=out,
              flush=True)
        return 0
    # Dagster and the definitions load only when there is work (a few seconds).
    from pipelines.definitions import BUILD_JOB, INCREMENTAL_BUILD_JOB, build_definitions, job_contents, load_job_name
    from pipelines.progress import ProgressHandler, progress_logger

    handler = ProgressHandler(out)
    results = []
    try:
        with file_lock(run_lock_path_for(warehouse), warehouse, wait=False):
            # Decided before anything writes the working copy: the loads below make it differ from the published build.
            plan = build_plan(inputs, published, warehouse)
            defs = build_definitions(raw_dir, warehouse, loggers={"progress": progress_logger(handler)},
                                     incremental_sources=plan.sources)
            with _instance() as instance:
                loads = plan_loads(instance, raw_dir, warehouse)
                print(f"  {len(loads)} raw file(s) new or changed", file=out, flush=True)
                for source, key in loads:
                    job = defs.resolve_job_def(load_job_name(source))
                    results.append(job.execute_in_process(instance=instance, partition_key=key,
                                                          raise_on_error=False, run_config=RUN_CONFIG))
                # Only a build from cleanly staged inputs may later be taken as "nothing changed".
                build_run_id = str(uuid.uuid4())
                with writer_lock(warehouse):
                    con = connect_build(warehouse)
                    try:
                        # Staged rows of files gone from the raw folder go before the staged sources' checks run
                        # (which would otherwise validate them once more). core.incidents prunes too, for runs
                        # launched from Dagster.
                        if prune_removed_files(con, raw_dir):
                            con.execute("delete from meta.working_copy")  # now differs from the published build
                        record_run_inputs(con, inputs if all(r.success for r in results) else None, build_run_id)
                    finally:
                        con.close()
                job_name = INCREMENTAL_BUILD_JOB if plan.incremental else BUILD_JOB
                assets, checks = job_contents(defs, job_name)
                all_assets, all_checks = job_contents(defs, BUILD_JOB)
                print(f"  build: {plan.describe()}: {len(assets)} of {len(all_assets)} assets, "
                      f"{len(checks)} of {len(all_checks)} checks", file=out, flush=True)
                results.append(defs.resolve_job_def(job_name).execute_in_process(
                    instance=instance, raise_on_error=False, run_config=RUN_CONFIG, run_id=build_run_id))
    except WarehouseBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except OSError as exc:
        # e.g. the warehouse folder is a file or cannot be written; the published file is not touched
        print(f"error: cannot write the working copy of {warehouse} ({exc}); the published warehouse is "
              "unchanged", file=sys.stderr)
        return 2
    return summarize(results, warehouse, time.monotonic() - started, out)


def build_plan(inputs: RunInputs, published: PublishedBuild | None, warehouse: Path) -> BuildPlan:
    """The whole build job or only what changed incident files reach (pipelines/fingerprint.py plan_build)."""
    working_copy = None
    if build_path_for(warehouse).exists():
        with writer_lock(warehouse):
            con = connect_build(warehouse)
            try:
                working_copy = working_copy_build(con)
            finally:
                con.close()
    return plan_build(inputs, published, working_copy)


def summarize(results: list, warehouse: Path, seconds: float, out) -> int:
    import dagster as dg

    built = [e for r in results for e in r.get_asset_materialization_events()]
    rows = 0
    for event in built:
        count = event.materialization.metadata.get("dagster/row_count")
        rows += count.value if count is not None else 0
    evaluations = [e for r in results for e in r.get_asset_check_evaluations()]
    failed = [e for e in evaluations if not e.passed]
    blocking = [e for e in failed if e.severity == dg.AssetCheckSeverity.ERROR]
    failed_steps = sorted({s for r in results for s in r.get_failed_step_keys()})
    published = any(e.asset_key == dg.AssetKey(["meta", "published_warehouse"]) for e in built)
    ok = all(r.success for r in results) and not blocking and published
    print("", file=out)
    print("summary", file=out)
    print(f"  assets built   {len(built)} ({rows:,} rows in their tables)", file=out)
    print(f"  checks         {len(evaluations) - len(failed)} passed, {len(blocking)} failed (ERROR), "
          f"{len(failed) - len(blocking)} warnings (WARN)", file=out)
    for e in failed:
        print(f"    {e.severity.value:<5} {'.'.join(e.asset_key.path)}:{e.check_name}", file=out)
    if failed_steps:
        print(f"  failed steps   {', '.join(failed_steps)}", file=out)
    print(f"  published      {'yes: ' + str(warehouse) if published else 'no (the previous warehouse is unchanged)'}",
          file=out)
    print(f"  time           {seconds:.1f}s", file=out)
    print(f"  result         {'SUCCESS' if ok else 'FAILED'}", file=out, flush=True)
    return 0 if ok else 1
