"""The first step of every build run: what the build is made of.

It drops the staged rows of raw files that are gone (the one place that prunes; pipelines/defs/operations/planner.py decides
which) and stamps the working copy with the run's inputs (meta.run_inputs), which publish moves to
meta.build_info so that a later run can tell "nothing changed" or "only incident files changed". The stamp is
written only when the run was planned for exactly these inputs (run tag pipelines/inputs_fingerprint, set by the
CLI, the sensor and the daily schedule) and every raw file is staged in its current version; a build launched
by hand from the UI, or one after a failed load, gets no stamp and the next run builds everything.
"""

from pathlib import Path

import dagster as dg
import duckdb

from pipelines.defs.incidents.sources.registry import adapters
from pipelines.defs.operations.planner import INPUTS_TAG, inputs_as_loaded, staged_changes
from pipelines.engine.accounting import forget_file
from pipelines.engine.fingerprint import record_run_inputs, run_inputs
from pipelines.engine.resources import WAREHOUSE_POOL, RawDirectoryResource, WarehouseResource
from pipelines.engine.warehouse import table_exists

RUN_INPUTS_KEY = dg.AssetKey(["meta", "run_inputs"])


def prune_removed_files(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> list[str]:
    """Files loaded earlier but gone from the raw directory (pipelines/defs/operations/planner.py decides which): drop
    their staged rows. Called once per build run, by the asset meta.run_inputs, before anything reads them."""
    removed = []
    for source, source_file in staged_changes(con, raw_dir)[1]:
        forget_file(con, source, source_file)
        if table_exists(con, "staging", source):
            con.execute(f"delete from staging.{source} where source_file = ?", [source_file])
        removed.append(source_file)
    return removed


@dg.asset(
    key=RUN_INPUTS_KEY,
    group_name="publish",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description="What this build is made of. Runs first in every build: drops the staged rows of raw files that "
    "are gone from the raw folder (dq.file_loads, staging.<source>), then stamps meta.run_inputs with "
    "the run's inputs (code fingerprint, every raw file's sha256) when the run was planned for exactly "
    "these inputs and every raw file is staged in its current version.\n\n"
    "Publish moves the stamp to meta.build_info; without it the next run builds everything.",
)
def run_inputs_asset(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw: RawDirectoryResource
) -> dg.MaterializeResult:
    inputs = run_inputs(raw.root, adapters())
    planned = context.run.tags.get(INPUTS_TAG)
    with warehouse.connect() as con:
        removed = prune_removed_files(con, raw.root)
        # a file that failed to load counts as its previous version (issue 15: it fails alone)
        loaded_inputs, pending = inputs_as_loaded(con, inputs, raw.root)
        stamped = planned == inputs.fingerprint and not pending
        record_run_inputs(con, loaded_inputs if stamped else None, context.run_id)
    if stamped:
        why = "stamped: planned for these inputs, every raw file staged"
    elif pending:
        why = f"not stamped: {len(pending)} raw file(s) not staged in their current version"
    elif planned is None:
        why = "not stamped: not planned by the CLI, the sensor or the schedule (e.g. launched from the UI)"
    else:
        why = "not stamped: the raw folder changed since the run was planned"
    context.log.info(f"removed files dropped: {', '.join(removed) or 'none'}; {why}")
    return dg.MaterializeResult(
        metadata={
            "stamp": why,
            "inputs_fingerprint": inputs.fingerprint,
            "raw_files": dg.MetadataValue.int(len(inputs.raw_files)),
            "removed_files_dropped": dg.MetadataValue.json(removed) if removed else "none",
            "files_not_staged": dg.MetadataValue.json([f"{s}/{k}" for s, k in pending]) if pending else "none",
        }
    )
