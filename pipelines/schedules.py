"""Schedules: a daily build of what changed, a weekly full rebuild that also refreshes the exports.

Both go through the run queue (dagster.yaml): when the sensor's loads or the other schedule's run are
still going, the scheduled run waits its turn instead of failing on the DuckDB lock.
"""

import dagster as dg

TIMEZONE = "UTC"
DAILY_CRON = "0 2 * * *"  # every day at 02:00
WEEKLY_CRON = "0 4 * * 0"  # Sundays at 04:00, after that day's daily build


def build_schedules(build_job, refresh_job) -> list[dg.ScheduleDefinition]:
    daily = dg.ScheduleDefinition(
        name="daily_build",
        cron_schedule=DAILY_CRON,
        execution_timezone=TIMEZONE,
        job=build_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Conforms the files staged since the last build (unchanged files are not conformed "
                    "again), runs every check, rebuilds the tables and marts downstream and publishes.",
    )
    weekly = dg.ScheduleDefinition(
        name="weekly_full_refresh",
        cron_schedule=WEEKLY_CRON,
        execution_timezone=TIMEZONE,
        job=refresh_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Rebuilds every unpartitioned asset (curated data, core tables, marts), publishes, then "
                    "writes every export profile of exports.yaml.",
    )
    return [daily, weekly]
