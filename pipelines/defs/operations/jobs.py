"""The jobs' names and the selections the planner's builds run (pipelines/defs/operations/planner.py).

The jobs themselves are made in pipelines/definitions.py, from the assets of every domain; the sensor, the
schedules and the CLI runner name them and select within them through this module.
"""

from collections.abc import Sequence

import dagster as dg

from pipelines.defs.incidents.assets import staging_assets
from pipelines.defs.incidents.run_inputs import RUN_INPUTS_KEY
from pipelines.defs.incidents.sources.registry import adapters
from pipelines.defs.operations.planner import BUILD_TAG, INPUTS_TAG

BUILD_JOB = "build_warehouse"
INCREMENTAL_BUILD_JOB = "build_warehouse_incremental"
REFRESH_JOB = "refresh_warehouse_and_exports"


def load_job_name(source: str) -> str:
    return f"load_{source}_file"


def incremental_selection(build_selection: dg.AssetSelection, sources: Sequence[str]) -> dg.AssetSelection:
    """What new, changed or removed files of the incident ``sources`` reach within the build job.

    Every asset downstream of those sources' staging assets (not the partitioned staging assets themselves,
    which the load jobs materialize) with its checks, publish and report among them (they are downstream of
    everything), and the checks of those staging assets. Assets outside it read nothing the change touches:
    their tables would come out as they are.
    """
    staged = [asset for adapter, asset in zip(adapters(), staging_assets) if adapter.name in sources]
    if len(staged) != len(set(sources)):
        raise KeyError(f"not incident sources: {sorted(set(sources) - {a.name for a in adapters()})}")
    # (with the other tables of a multi-asset: core.incident_versions is written with core.incidents)
    reached = dg.AssetSelection.assets(*staged).downstream().required_multi_asset_neighbors()
    reached -= dg.AssetSelection.assets(*staging_assets)
    # meta.run_inputs (prune removed files, stamp the inputs) starts every build.
    return (
        (reached & build_selection)
        | dg.AssetSelection.assets(RUN_INPUTS_KEY)
        | dg.AssetSelection.checks_for_assets(*staged)
    )


def planned_selection(
    build_selection: dg.AssetSelection, graph, plan
) -> tuple[list[dg.AssetKey], list[dg.AssetCheckKey]]:
    """The assets and checks of the build ``plan`` (pipelines/defs/operations/planner.py) chose: the whole build job, or for an
    incremental build what the changed incident sources reach. The CLI runs this subset of BUILD_JOB in
    process; the sensor and the daily schedule request it from the daemon."""
    selection = (
        incremental_selection(build_selection, plan.build.sources) if plan.build.incremental else build_selection
    )
    return sorted(selection.resolve(graph)), sorted(selection.resolve_checks(graph))


def build_run_request(plan, build_selection: dg.AssetSelection, graph, job_name: str) -> dg.RunRequest:
    """The build run of ``plan``: the planned subset of the build job, tagged with the inputs it was planned for."""
    assets, checks = planned_selection(build_selection, graph, plan)
    return dg.RunRequest(
        run_key=plan.build_run_key,
        job_name=job_name,
        asset_selection=assets,
        asset_check_keys=checks,
        tags={INPUTS_TAG: plan.inputs.fingerprint, BUILD_TAG: plan.describe()},
    )


def job_contents(definitions: dg.Definitions, job_name: str) -> tuple[set[dg.AssetKey], set[dg.AssetCheckKey]]:
    """The assets and the asset checks an asset job of ``definitions`` runs."""
    job = next(j for j in definitions.jobs if j.name == job_name)
    graph = definitions.resolve_asset_graph()
    return set(job.selection.resolve(graph)), set(job.selection.resolve_checks(graph))
