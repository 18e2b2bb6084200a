"""Schedules: a daily build of what changed, a weekly full rebuild that also refreshes the exports.

The daily build asks the same planner as the CLI and the sensor (pipelines/defs/operations/planner.py): nothing to do, the part
of the build job changed incident sources reach, or all of it. Loading new files is the sensor's work; a build
that starts while a raw file is not staged in its current version is published without an input stamp, so the
next run builds everything. Both go through the run queue (dagster.yaml): when the sensor's loads or the other
schedule's run are still going, the scheduled run waits its turn instead of failing on the DuckDB lock.
"""

import os

import dagster as dg

from pipelines.defs.operations.jobs import build_run_request
from pipelines.defs.operations.planner import plan_run
from pipelines.engine.resources import RawDirectoryResource, WarehouseResource
from pipelines.engine.warehouse import WarehouseBusyError

TIMEZONE = "UTC"
DAILY_CRON_ENV = "PIPELINES_DAILY_CRON"  # e.g. "30 5 * * *": another time of day for the daily build
DAILY_CRON = os.environ.get(DAILY_CRON_ENV) or "0 2 * * *"  # every day at 02:00
WEEKLY_CRON = "0 4 * * 0"  # Sundays at 04:00, after that day's daily build


def build_schedules(build_job, refresh_job, build_selection: dg.AssetSelection) -> list[dg.ScheduleDefinition]:
    @dg.schedule(
        name="daily_build",
        cron_schedule=DAILY_CRON,
        execution_timezone=TIMEZONE,
        job=build_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Plans like `python -m pipelines run` (pipelines/defs/operations/planner.py) and runs the build it chose: "
        "nothing when no input changed since the published build, only what changed incident source "
        "files reach, or the whole build job (conform, every check, every table and mart, publish).",
    )
    def daily_build(context: dg.ScheduleEvaluationContext, raw: RawDirectoryResource, warehouse: WarehouseResource):
        try:
            plan = plan_run(raw.root, warehouse.published, wait=False)
        except WarehouseBusyError as exc:  # a run is writing the warehouse; it publishes what it built
            return dg.SkipReason(str(exc))
        if plan.build is None:
            return dg.SkipReason(f"build: {plan.describe()}")
        request = build_run_request(plan, build_selection, context.repository_def.asset_graph, build_job.name)
        # A schedule tick's run key is its own (one run per tick), not the input fingerprint.
        return request.with_replaced_attrs(run_key=None)

    weekly = dg.ScheduleDefinition(
        name="weekly_full_refresh",
        cron_schedule=WEEKLY_CRON,
        execution_timezone=TIMEZONE,
        job=refresh_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Rebuilds every unpartitioned asset (curated data, core tables, marts), publishes, then "
        "writes every export profile of exports.yaml.",
    )
    return [daily_build, weekly]
