"""A sensor on the raw directory: the planner's decision (pipelines/defs/operations/planner.py) launched under the daemon.

Each tick plans like ``python -m pipelines run``: one ``load_<source>_file`` run per new or changed file (its
staging partition), the dynamic partitions of new files added and those of removed files deleted, then one run
of ``build_warehouse`` with the build the planner chose (the whole job, or for an incremental build only what
the changed incident sources reach). The run queue (one run at a time, oldest first) runs the loads before the
build. The sensor waits while any run is queued or in progress, so it never plans against a half-loaded
working copy; run keys (file version, input fingerprint) keep a tick from launching the same work twice.
"""

import dagster as dg

from pipelines.defs.operations.jobs import build_run_request, load_job_name
from pipelines.defs.operations.planner import plan_run
from pipelines.engine.resources import RawDirectoryResource, WarehouseResource
from pipelines.engine.warehouse import WarehouseBusyError

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def build_raw_files_sensor(load_jobs, build_job, build_selection: dg.AssetSelection) -> dg.SensorDefinition:
    @dg.sensor(
        name="raw_files_sensor",
        jobs=[*load_jobs, build_job],
        description="Watches raw/<source>/ folders and plans like `python -m pipelines run` (pipelines/defs/operations/planner.py): "
        "launches one load_<source>_file run per new or changed file, adds the partitions of new files "
        "and deletes those of removed ones, then launches build_warehouse with the build the planner "
        "chose (incremental for changed incident sources, else full). Waits while runs are queued or in "
        "progress.",
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.STOPPED,
    )
    def raw_files_sensor(context: dg.SensorEvaluationContext, raw: RawDirectoryResource, warehouse: WarehouseResource):
        if context.instance.get_run_records(dg.RunsFilter(statuses=IN_PROGRESS), limit=1):
            return dg.SkipReason("runs are queued or in progress: planning once they are done")
        try:
            plan = plan_run(raw.root, warehouse.published, wait=False)
        except WarehouseBusyError as exc:
            return dg.SkipReason(str(exc))
        add, delete = plan.partition_changes(
            {name: set(context.instance.get_dynamic_partitions(name)) for name in (f"{s}_files" for s in plan.files)}
        )
        partition_requests = [
            *(dg.AddDynamicPartitionsRequest(n, keys) for n, keys in add.items()),
            *(dg.DeleteDynamicPartitionsRequest(n, keys) for n, keys in delete.items()),
        ]
        run_requests = [
            dg.RunRequest(run_key=plan.load_run_key(source, key), job_name=load_job_name(source), partition_key=key)
            for source, key in plan.loads
        ]
        if plan.build is not None:
            run_requests.append(
                build_run_request(plan, build_selection, context.repository_def.asset_graph, build_job.name)
            )
        if not run_requests and not partition_requests:
            return dg.SkipReason(f"build: {plan.describe()}")
        context.log.info(
            f"{len(plan.loads)} raw file(s) to load, {len(plan.removed)} removed; build: {plan.describe()}"
        )
        return dg.SensorResult(run_requests=run_requests, dynamic_partitions_requests=partition_requests)

    return raw_files_sensor
