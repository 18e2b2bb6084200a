"""``python -m pipelines run``: every asset materialized in this process through Dagster.

One Dagster run per new or changed raw file (its source's staging partition), then one run of the
build job (curated data, conforming, checks, marts, publish). Unchanged files are not staged again,
and when no input at all changed since the published build (pipelines/engine/fingerprint.py) the run stops
before loading Dagster. When the only changes are files of incident sources (gtd, ucdp_ged, ...) and the
working copy is still the published build, the build job runs only on what those sources reach
(a subset of ``build_warehouse``: conforming, their checks, the tables and marts that read incidents,
publish, report); anything else, or any doubt, runs the whole build job. pipelines/defs/operations/planner.py decides, as
it does for the sensor and the daily schedule. Runs are recorded in the project's Dagster instance
(``.dagster/``, or $DAGSTER_HOME) so that ``dagster dev`` shows them; ``--ephemeral`` keeps no record.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.defs.incidents.sources.registry import adapters
from pipelines.engine.accounting import failed_files
from pipelines.engine.config import PROJECT_ROOT
from pipelines.engine.fingerprint import published_build, run_inputs
from pipelines.engine.warehouse import (
    WarehouseBusyError,
    build_path_for,
    connect_build,
    file_lock,
    run_lock_path_for,
    seed_working_copy,
    working_copy_held_open,
    write_last_run,
    writer_lock,
)

if TYPE_CHECKING:
    import dagster as dg

# Exit codes of `run` (README, "Exit codes"): 0 published, every file loaded; 1 not published (a blocking check,
# a failed asset, or a build that would drop a file's rows); 2 bad arguments or an unwritable warehouse folder;
# 3 another run holds the warehouse; 4 published, but one or more files could not be read (each keeps its
# previous version, if any; dq.file_loads has it with status 'failed').
EXIT_OK, EXIT_NOT_PUBLISHED, EXIT_BUSY, EXIT_FILES_FAILED = 0, 1, 3, 4
QUARANTINE_WARN_SHARE = 0.01
RUN_CONFIG = {"loggers": {"progress": {}}}
# Set (to 1) or --ephemeral: runs go to a throwaway instance and leave no trace in the project's instance.
EPHEMERAL_ENV = "PIPELINES_DAGSTER_EPHEMERAL"
LAUNCHER_TAG, PID_TAG = "pipelines/launched_by", "pipelines/pid"


def dagster_home() -> Path:
    """The Dagster instance CLI runs are recorded in: $DAGSTER_HOME, else the project's .dagster/ (whose
    dagster.yaml is the one `dagster dev` and `dagster-daemon run` use, README)."""
    return Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster").resolve()


def ephemeral_requested(ephemeral: bool = False) -> bool:
    return ephemeral or os.environ.get(EPHEMERAL_ENV, "").lower() in ("1", "true", "yes")


def _instance(ephemeral: bool) -> dg.DagsterInstance:
    import dagster as dg

    if ephemeral_requested(ephemeral):
        return dg.DagsterInstance.ephemeral()
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    instance = dg.DagsterInstance.from_config(str(home))
    _fail_runs_of_dead_cli_processes(instance)
    return instance


def _fail_runs_of_dead_cli_processes(instance: dg.DagsterInstance) -> None:
    """A CLI run killed mid-step (SIGKILL, power loss) stays 'started' in the instance and keeps its slot of the
    DuckDB pool, so every later run would wait for that slot forever: mark it failed and free its slots."""
    import dagster as dg

    active = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED]
    for record in instance.get_run_records(dg.RunsFilter(statuses=active, tags={LAUNCHER_TAG: "cli"})):
        run = record.dagster_run
        pid = int(run.tags.get(PID_TAG, "0") or 0)
        try:
            os.kill(pid, 0) if pid > 0 else None
            alive = pid > 0
        except ProcessLookupError:
            alive = False
        except PermissionError:
            alive = True
        if not alive:
            instance.report_run_failed(run, f"the CLI process {pid} that ran it is gone (killed)")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)


def run_pipeline(raw_dir: Path, warehouse: Path, out=None, ephemeral: bool = False) -> int:
    out = out or sys.stdout
    started = time.monotonic()
    if not raw_dir.is_dir():
        print(f"error: raw directory {raw_dir} does not exist", file=sys.stderr)
        return 2
    print(f"pipelines run: raw {raw_dir} -> warehouse {warehouse}", file=out, flush=True)
    inputs = run_inputs(raw_dir, adapters())
    published = published_build(warehouse)
    if published is not None and published.fingerprint == inputs.fingerprint:
        print("  0 raw file(s) new or changed", file=out)
        print(
            f"  nothing changed since the published build {published.build_id} ({published.built_at} UTC): no raw "
            f"file, SQL model, suite or code; nothing to do ({time.monotonic() - started:.1f}s)",
            file=out,
            flush=True,
        )
        return 0
    # Dagster and the definitions load only when there is work (a few seconds): deferred imports of dagster.
    from pipelines.definitions import BUILD_JOB, build_definitions, job_contents, load_job_name, planned_selection
    from pipelines.defs.operations.planner import BUILD_TAG, INPUTS_TAG, plan_run  # with the definitions: dagster
    from pipelines.engine.progress import ProgressHandler, progress_logger  # dagster

    handler = ProgressHandler(out)
    results = []
    started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    try:
        with file_lock(run_lock_path_for(warehouse), warehouse, wait=False):
            # A published file without its working copy (a copied folder): start from it, never from nothing.
            with writer_lock(warehouse):
                seed_working_copy(warehouse)
            # Decided before anything writes the working copy: the loads below make it differ from the published
            # build. The sensor and the daily schedule decide with the same planner.
            plan = plan_run(raw_dir, warehouse)
            if plan.build is None:  # another run published these very inputs meanwhile
                print(f"  build: {plan.describe()}", file=out, flush=True)
                return 0
            defs = build_definitions(raw_dir, warehouse, loggers={"progress": progress_logger(handler)})
            tags = {LAUNCHER_TAG: "cli", PID_TAG: str(os.getpid())}
            with working_copy_held_open(warehouse), _instance(ephemeral) as instance:
                add, delete = plan.partition_changes(
                    {f"{s}_files": set(instance.get_dynamic_partitions(f"{s}_files")) for s in plan.files}
                )
                for name, keys in add.items():
                    instance.add_dynamic_partitions(name, keys)
                for name, keys in delete.items():
                    for key in keys:
                        instance.delete_dynamic_partition(name, key)
                print(f"  {len(plan.loads)} raw file(s) new or changed", file=out, flush=True)
                for source, key in plan.loads:
                    job = defs.resolve_job_def(load_job_name(source))
                    results.append(
                        job.execute_in_process(
                            instance=instance, partition_key=key, tags=tags, raise_on_error=False, run_config=RUN_CONFIG
                        )
                    )
                build_job = defs.resolve_job_def(BUILD_JOB)
                all_assets, all_checks = job_contents(defs, BUILD_JOB)
                selection = next(j for j in defs.jobs if j.name == BUILD_JOB).selection
                assets, checks = planned_selection(selection, defs.resolve_asset_graph(), plan)
                print(
                    f"  build: {plan.describe()}: {len(assets)} of {len(all_assets)} assets, "
                    f"{len(checks)} of {len(all_checks)} checks",
                    file=out,
                    flush=True,
                )
                if plan.build.incremental:
                    build_job = build_job.get_subset(asset_selection=set(assets), asset_check_selection=set(checks))
                # meta.run_inputs, its first step, stamps the inputs only if every file above staged cleanly.
                results.append(
                    build_job.execute_in_process(
                        instance=instance,
                        raise_on_error=False,
                        run_config=RUN_CONFIG,
                        tags={**tags, INPUTS_TAG: plan.inputs.fingerprint, BUILD_TAG: plan.describe()},
                    )
                )
    except WarehouseBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except OSError as exc:
        # e.g. the warehouse folder is a file or cannot be written; the published file is not touched
        print(
            f"error: cannot write the working copy of {warehouse} ({exc}); the published warehouse is unchanged",
            file=sys.stderr,
        )
        return 2
    return summarize(results, warehouse, time.monotonic() - started, out, started_at)


def file_summary(warehouse: Path, since: dt.datetime) -> tuple[list[tuple], list[tuple], dict[str, list]]:
    """Files staged since ``since``: (source_file, read, loaded, quarantined) of each, the files that failed
    (source_file, error, version still loaded) and, per file, its most frequent quarantine reasons."""
    if not build_path_for(warehouse).exists():
        return [], [], {}
    with writer_lock(warehouse):
        con = connect_build(warehouse)
        try:
            staged = con.execute(
                "select source_file, rows_read, rows_loaded, rows_quarantined from dq.file_loads "
                "where is_current and loaded_at >= ? order by source_file",
                [since],
            ).fetchall()
            failed = failed_files(con, since)
            reasons: dict[str, list] = {}
            for source_file, reason, count in con.execute(
                """
                    select q.source_file, regexp_replace(q.reason, '\\s+', ' ', 'g') as reason, count(*) as n
                    from dq.quarantine q join dq.file_loads f using (source, source_file, sha256)
                    where f.is_current and f.loaded_at >= ? and f.rows_quarantined > ? * f.rows_read
                    group by all order by q.source_file, n desc, reason""",
                [since, QUARANTINE_WARN_SHARE],
            ).fetchall():
                reasons.setdefault(source_file, []).append((reason, count))
        finally:
            con.close()
    return staged, failed, reasons


def summarize(results: list, warehouse: Path, seconds: float, out, since: dt.datetime | None = None) -> int:
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
    staged, failed_now, reasons = file_summary(warehouse, since) if since is not None else ([], [], {})
    # Failed loads do not stop the build: only the build run's own failures and blocking checks do.
    ok = (not results or results[-1].success) and not blocking and published
    print("", file=out)
    print("summary", file=out)
    if staged:
        print(f"  files staged   {len(staged)}", file=out)
        for source_file, read, loaded, quarantined in staged:
            print(
                f"    {source_file:<58} read {read:>9,}  loaded {loaded:>9,}  quarantined {quarantined:>7,}", file=out
            )
            if read and quarantined > QUARANTINE_WARN_SHARE * read:
                top = "; ".join(f"{reason} ({count:,})" for reason, count in reasons.get(source_file, [])[:3])
                print(
                    f"    WARN  {source_file}: {quarantined / read:.1%} of its rows quarantined (more than "
                    f"{QUARANTINE_WARN_SHARE:.0%}); top reasons: {top} (see dq.quarantine)",
                    file=out,
                )
    if failed_now:
        print(f"  files failed   {len(failed_now)} (recorded in dq.file_loads with status 'failed')", file=out)
        for source_file, error, kept in failed_now:
            kept_text = f"its previous version ({kept[:12]}) stays loaded" if kept else "no earlier version was loaded"
            print(f"    {source_file}: {kept_text}; {error.splitlines()[0] if error else ''}", file=out)
    print(f"  assets built   {len(built)} ({rows:,} rows in their tables)", file=out)
    print(
        f"  checks         {len(evaluations) - len(failed)} passed, {len(blocking)} failed (ERROR), "
        f"{len(failed) - len(blocking)} warnings (WARN)",
        file=out,
    )
    for e in failed:
        print(f"    {e.severity.value:<5} {'.'.join(e.asset_key.path)}:{e.check_name}", file=out)
    if failed_steps:
        print(f"  failed steps   {', '.join(failed_steps)}", file=out)
    print(
        f"  published      {'yes: ' + str(warehouse) if published else 'no (the previous warehouse is unchanged)'}",
        file=out,
    )
    print(f"  time           {seconds:.1f}s", file=out)
    code = (EXIT_FILES_FAILED if failed_now else EXIT_OK) if ok else EXIT_NOT_PUBLISHED
    result = {
        EXIT_OK: "SUCCESS",
        EXIT_FILES_FAILED: "PUBLISHED WITH FAILED FILES",
        EXIT_NOT_PUBLISHED: "FAILED (not published)",
    }[code]
    print(f"  result         {result} (exit {code})", file=out, flush=True)
    _record_outcome(warehouse, published, blocking, failed_steps, failed_now)
    return code


def _record_outcome(warehouse: Path, published: bool, blocking: list, failed_steps: list[str], failed_files_: list):
    """warehouse.duckdb.last_run.json: what `query` and the report tell analysts about the latest run."""

    def count(e):
        value = e.metadata.get("unexpected_count")
        return value.value if value is not None else None

    build = published_build(warehouse)
    try:
        write_last_run(
            warehouse,
            {
                "finished_at": dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
                "published": published,
                "blocking_checks": [
                    {"check": f"{'.'.join(e.asset_key.path)}:{e.check_name}", "unexpected_count": count(e)}
                    for e in blocking
                ],
                "failed_steps": failed_steps,
                "failed_files": [{"source_file": f, "error": err} for f, err, _ in failed_files_],
                "published_build_id": build.build_id if build else None,
                "published_built_at": build.built_at if build else None,
            },
        )
    except OSError:
        return  # the outcome is a courtesy to readers; the run's result stands
    if not published and warehouse.exists():
        # The report analysts open is that of the published build; its top now says the latest run did not publish.
        # Deferred: the report imports pandas and altair, needed only here.
        from pipelines.defs.report import build_report, default_report_path

        try:
            build_report(warehouse, default_report_path(warehouse))
        except Exception:  # noqa: BLE001 - a report that cannot be written does not change the run's outcome
            pass
