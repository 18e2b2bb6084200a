"""A sensor on the raw directory: a new or changed file launches the load of its partition."""

import json

import dagster as dg

from pipelines.accounting import sha256_of
from pipelines.resources import RawDirectoryResource
from pipelines.sources.registry import adapters


def scan_raw_files(raw: RawDirectoryResource) -> dict[str, dict[str, str]]:
    """{source: {partition key: sha256}} for every file in the raw directory."""
    return {a.name: {a.partition_key(p, raw.root): sha256_of(p) for p in a.files(raw.root)} for a in adapters()}


@dg.sensor(
    description="Watches raw/<source>/ folders; launches a load for every new or changed file (cursor: file -> "
                "sha256) and drops the partitions of removed files.",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def raw_files_sensor(context: dg.SensorEvaluationContext, raw: RawDirectoryResource) -> dg.SensorResult:
    from pipelines.definitions import load_job_name

    previous = json.loads(context.cursor) if context.cursor else {}
    current = scan_raw_files(raw)
    run_requests, partition_requests = [], []
    for source, files in current.items():
        before = previous.get(source, {})
        new = [key for key in files if key not in before]
        changed = [key for key in files if key in before and before[key] != files[key]]
        removed = [key for key in before if key not in files]
        if new:
            partition_requests.append(dg.AddDynamicPartitionsRequest(f"{source}_files", new))
        if removed:
            partition_requests.append(dg.DeleteDynamicPartitionsRequest(f"{source}_files", removed))
        for key in sorted(new + changed):
            run_requests.append(dg.RunRequest(run_key=f"{source}:{key}:{files[key]}", job_name=load_job_name(source),
                                              partition_key=key))
    return dg.SensorResult(run_requests=run_requests, dynamic_partitions_requests=partition_requests,
                           cursor=json.dumps(current, sort_keys=True))
