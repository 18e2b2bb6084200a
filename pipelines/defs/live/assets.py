"""Live sources in Dagster: assets that pull the UCDP GED API (a partition per version) and the ACLED API
(a partition per pull) into raw/ and stage the pulled files through their adapters, and the schedules that
request them (UCDP monthly, ACLED weekly).

The schedules are off unless their credentials are set (pipelines/defs/live/settings.py); a tick without them
skips, naming the missing variables. No job of the embedded default run (``python -m pipelines run``, the
build and load jobs) contains these assets: that run never reaches the network. What is pulled is conformed
by the next build (``daily_build``).
"""

import datetime as dt

import dagster as dg

from pipelines.defs.incidents.sources import acled
from pipelines.defs.incidents.sources.registry import adapter
from pipelines.defs.live.acled import AcledClient
from pipelines.defs.live.pull import pull_acled, pull_ucdp, stamp
from pipelines.defs.live.settings import live_settings
from pipelines.defs.live.ucdp import UcdpClient, VersionNotPublished, is_candidate
from pipelines.engine.resources import WAREHOUSE_POOL, RawDirectoryResource, WarehouseResource

GROUP = "live"
UCDP_VERSIONS = dg.DynamicPartitionsDefinition(name="ucdp_ged_versions")
ACLED_PULLS = dg.DynamicPartitionsDefinition(name="acled_pulls")
UCDP_JOB, ACLED_JOB = "pull_ucdp_ged", "pull_acled"
UCDP_CRON = "0 3 25 * *"  # the 25th at 03:00 UTC: last month's candidate release is out by then
ACLED_CRON = "0 3 * * 2"  # Tuesdays at 03:00 UTC: after ACLED's weekly update


def _stage(warehouse: WarehouseResource, raw: RawDirectoryResource, source: str, path) -> dict:
    """Stage one pulled file through its adapter (the path every raw file takes); its accounting as metadata."""
    with warehouse.connect() as con:
        load = adapter(source).stage(con, path, raw.root)
    if load.rows_read != load.rows_loaded + load.rows_quarantined:
        raise AssertionError(f"{load.source_file}: rows do not add up")
    return {
        "source_file": load.source_file,
        "rows_read": load.rows_read,
        "rows_loaded": load.rows_loaded,
        "rows_quarantined": load.rows_quarantined,
    }


def _register_file(context: dg.AssetExecutionContext, source: str, raw: RawDirectoryResource, path) -> None:
    # The file is now one of raw/<source>/: its staging partition exists like any file the sensor found.
    key = adapter(source).partition_key(path, raw.root)
    context.instance.add_dynamic_partitions(f"{source}_files", [key])


@dg.asset(
    key=["raw", "ucdp_ged_api"],
    partitions_def=UCDP_VERSIONS,
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description="One UCDP GED version (yearly YY.1 or candidate YY.0.M) pulled from the "
    "UCDP API for the configured countries and start date into raw/ucdp_ged/, and staged.",
)
def ucdp_ged_api(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw: RawDirectoryResource
) -> dg.MaterializeResult:
    settings = live_settings()
    if settings.missing_ucdp():
        raise dg.Failure(f"UCDP pull needs the environment variable(s) {', '.join(settings.missing_ucdp())}")
    version = context.partition_key
    try:
        result = pull_ucdp(UcdpClient(settings), raw.root, version)
    except VersionNotPublished as exc:
        context.log.info(str(exc))
        return dg.MaterializeResult(metadata={"version": version, "published": False})
    if result.skipped:
        context.log.info(result.skipped)
        return dg.MaterializeResult(metadata={"version": version, "published": True, "pulled": result.skipped})
    (path,) = result.files
    _register_file(context, "ucdp_ged", raw, path)
    staged = _stage(warehouse, raw, "ucdp_ged", path)
    context.log.info(f"UCDP {version}: {result.rows[path.name]} events -> {staged}")
    return dg.MaterializeResult(
        metadata={
            "version": version,
            "kind": "candidate" if is_candidate(version) else "yearly",
            "countries": dg.MetadataValue.json(list(settings.countries)),
            "start_date": settings.start_date.isoformat(),
            "events_pulled": dg.MetadataValue.int(result.rows[path.name]),
            **{k: (dg.MetadataValue.int(v) if isinstance(v, int) else v) for k, v in staged.items()},
            "dagster/row_count": dg.MetadataValue.int(staged["rows_loaded"]),
        }
    )


@dg.asset(
    key=["raw", "acled_api"],
    partitions_def=ACLED_PULLS,
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description="One ACLED pull: the events of the configured countries changed since the "
    "previous pull, and the deletions since then, into raw/acled/ and raw/acled/deletions/, staged.",
)
def acled_api(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw: RawDirectoryResource
) -> dg.MaterializeResult:
    settings = live_settings()
    if settings.missing_acled():
        raise dg.Failure(f"ACLED pull needs the environment variable(s) {', '.join(settings.missing_acled())}")
    moment = dt.datetime.strptime(context.partition_key, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    result = pull_acled(AcledClient(settings), raw.root, now=moment)
    metadata: dict = {"pulled_at": moment.isoformat(), "files": dg.MetadataValue.json(sorted(result.rows))}
    loaded = 0
    for path in result.files:
        if path.parent.name == "deletions":
            with warehouse.connect() as con:
                for load in acled.stage_deletions(con, raw.root):
                    metadata[f"{load.source_file}: rows read / loaded / quarantined"] = (
                        f"{load.rows_read} / {load.rows_loaded} / {load.rows_quarantined}"
                    )
        else:
            _register_file(context, "acled", raw, path)
            staged = _stage(warehouse, raw, "acled", path)
            loaded += staged["rows_loaded"]
            metadata[f"{staged['source_file']}: rows read / loaded / quarantined"] = (
                f"{staged['rows_read']} / {staged['rows_loaded']} / {staged['rows_quarantined']}"
            )
    metadata["dagster/row_count"] = dg.MetadataValue.int(loaded)
    return dg.MaterializeResult(metadata=metadata)


live_assets = [ucdp_ged_api, acled_api]


def ucdp_versions_due(today: dt.date) -> list[str]:
    """The candidate release of last month and, from June on, this year's yearly release (UCDP publishes it
    mid-year); a version already pulled is skipped by the asset."""
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    due = [f"{last_month.year % 100}.0.{last_month.month}"]
    if today.month >= 6:
        due.append(f"{today.year % 100}.1")
    return due


def build_live_schedules() -> tuple[list[dg.JobDefinition], list[dg.ScheduleDefinition]]:
    ucdp_job = dg.define_asset_job(
        UCDP_JOB,
        selection=[ucdp_ged_api],
        partitions_def=UCDP_VERSIONS,
        description="Pull one UCDP GED version and stage it.",
    )
    acled_job = dg.define_asset_job(
        ACLED_JOB,
        selection=[acled_api],
        partitions_def=ACLED_PULLS,
        description="Pull ACLED's changes and deletions since the last pull, stage them.",
    )
    settings = live_settings()

    def status(missing: list[str]) -> dg.DefaultScheduleStatus:
        return dg.DefaultScheduleStatus.STOPPED if missing else dg.DefaultScheduleStatus.RUNNING

    def off(missing: list[str]) -> str:
        return f" Off: set {', '.join(missing)} to turn it on." if missing else ""

    @dg.schedule(
        name="ucdp_monthly_pull",
        cron_schedule=UCDP_CRON,
        execution_timezone="UTC",
        job=ucdp_job,
        default_status=status(settings.missing_ucdp()),
        description="Monthly: pulls last month's UCDP GED candidate release and, from June, this year's "
        "yearly release (needs UCDP_API_TOKEN)." + off(settings.missing_ucdp()),
    )
    def ucdp_monthly_pull(context: dg.ScheduleEvaluationContext):
        missing = live_settings().missing_ucdp()
        if missing:
            return dg.SkipReason(f"UCDP pull is off: the environment variable(s) {', '.join(missing)} are not set")
        day = context.scheduled_execution_time.date()
        versions = ucdp_versions_due(day)
        # A schedule cannot return partition requests (a sensor can): it adds the partitions itself.
        context.instance.add_dynamic_partitions(UCDP_VERSIONS.name, versions)
        return [dg.RunRequest(partition_key=v, run_key=f"ucdp-{v}") for v in versions]

    @dg.schedule(
        name="acled_weekly_pull",
        cron_schedule=ACLED_CRON,
        execution_timezone="UTC",
        job=acled_job,
        default_status=status(settings.missing_acled()),
        description="Weekly: pulls ACLED's events changed and deleted since the last pull (needs "
        "ACLED_API_USERNAME and ACLED_API_PASSWORD)." + off(settings.missing_acled()),
    )
    def acled_weekly_pull(context: dg.ScheduleEvaluationContext):
        missing = live_settings().missing_acled()
        if missing:
            return dg.SkipReason(f"ACLED pull is off: the environment variable(s) {', '.join(missing)} are not set")
        key = stamp(context.scheduled_execution_time)
        context.instance.add_dynamic_partitions(ACLED_PULLS.name, [key])
        return [dg.RunRequest(partition_key=key, run_key=f"acled-{key}")]

    return [ucdp_job, acled_job], [ucdp_monthly_pull, acled_weekly_pull]
