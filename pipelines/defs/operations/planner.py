"""One planner for a run: which raw files to load or drop, and which build follows.

Every way a run starts asks this module, so that they all decide alike:
- ``python -m pipelines run`` (pipelines/runner.py) executes the plan in its own process;
- the ``raw_files_sensor`` under ``dagster-daemon`` / ``dagster dev`` (pipelines/defs/operations/sensors.py) launches one load
  run per file to (re)load, then one build run with the build chosen here;
- the ``daily_build`` schedule (pipelines/defs/operations/schedules.py) launches the build chosen here.

The build is ``nothing`` (the published warehouse was built from exactly these inputs), ``incremental`` (only
incident source files changed: the part of the build job they reach) or ``full`` (pipelines/engine/fingerprint.py
``plan_build`` says why). Files are compared with what is staged in the working copy (``dq.file_loads``): a
file whose (source, path, sha256) is not current there is loaded; a staged file gone from the raw folder is
dropped, by ``pipelines.defs.incidents.run_inputs.prune_removed_files`` at the start of the build run (asset
``meta.run_inputs``), the one place that prunes. Nothing here imports Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.defs.incidents.sources.registry import adapter, adapters
from pipelines.engine.accounting import sha256_of
from pipelines.engine.fingerprint import (
    BuildPlan,
    PublishedBuild,
    RunInputs,
    plan_build,
    published_build,
    run_inputs,
    working_copy_build,
)
from pipelines.engine.warehouse import build_path_for, connect_build, writer_lock

# Run tags: the inputs a build run was planned for (its meta.run_inputs stamp is only written when the raw
# folder still gives this fingerprint and every file is loaded), and the plan in words (shown in the UI).
INPUTS_TAG = "pipelines/inputs_fingerprint"
BUILD_TAG = "pipelines/build"


def partitions_name(source: str) -> str:
    """The dynamic partitions of a source's staging asset: one partition per raw file."""
    return f"{source}_files"


@dataclass(frozen=True)
class RunPlan:
    inputs: RunInputs
    published: PublishedBuild | None
    files: dict[str, dict[str, str]]  # source -> {partition key: sha256} of every file in the raw folder
    loads: tuple[tuple[str, str], ...]  # (source, partition key) new or changed since it was staged
    removed: tuple[tuple[str, str], ...]  # (source, source_file) staged but gone from the raw folder
    build: BuildPlan | None  # None: nothing changed since the published build

    @property
    def kind(self) -> str:
        """nothing, incremental or full."""
        if self.build is None:
            return "nothing"
        return "incremental" if self.build.incremental else "full"

    def describe(self) -> str:
        if self.build is None:
            return "nothing (no raw file, SQL model, suite or code changed since the published build)"
        return self.build.describe()

    def load_run_key(self, source: str, key: str) -> str:
        """One load per file version: a changed file gets a new key (Dagster never runs a run key twice)."""
        return f"load:{source}:{key}:{self.files[source][key]}"

    @property
    def build_run_key(self) -> str:
        return f"build:{self.inputs.fingerprint}"

    def partition_changes(self, known: dict[str, set[str]]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """The dynamic partitions to add and to delete, given the ``known`` ones per partitions name."""
        add, delete = {}, {}
        for source, files in self.files.items():
            name = partitions_name(source)
            have = known.get(name, set())
            if new := sorted(set(files) - have):
                add[name] = new
            if gone := sorted(have - set(files)):
                delete[name] = gone
        return add, delete


def staged_changes(
    con: duckdb.DuckDBPyConnection, raw_dir: Path
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(loads, removed) of the incident sources against the working copy ``con``: (source, partition key) of
    every raw file not staged in its current version, and (source, source_file) of every staged file gone."""
    current = set(con.execute("select source, source_file, sha256 from dq.file_loads where is_current").fetchall())
    loads, removed = [], []
    for source_adapter in adapters():
        present = {}
        for path in source_adapter.files(raw_dir):
            present[source_adapter.source_file(path, raw_dir)] = path
            if (source_adapter.name, source_adapter.source_file(path, raw_dir), sha256_of(path)) not in current:
                loads.append((source_adapter.name, source_adapter.partition_key(path, raw_dir)))
        removed += sorted((s, f) for s, f, _ in current if s == source_adapter.name and f not in present)
    return sorted(loads), removed


def inputs_as_loaded(
    con: duckdb.DuckDBPyConnection, inputs: RunInputs, raw_dir: Path
) -> tuple[RunInputs, list[tuple[str, str]]]:
    """The run's inputs as the working copy ``con`` holds them, and the raw files still not staged.

    A file whose current version failed to load (dq.file_loads, status 'failed') keeps its previous version
    (if any): the inputs name that version instead (or leave the file out), so the build is recorded as made
    from what it holds and the next run sees the file as changed again (incremental once it is fixed). The
    second element lists the files that are neither staged in their current version nor recorded as failed.
    """
    pending, _ = staged_changes(con, raw_dir)
    failed = {
        (s, f, sha)
        for s, f, sha in con.execute(
            "select source, source_file, sha256 from dq.file_loads where status = 'failed'"
        ).fetchall()
    }
    files, sources, still_pending = dict(inputs.raw_files), dict(inputs.sources), []
    for source, key in pending:
        a = adapter(source)
        path = a.path_for(key, raw_dir)
        source_file = a.source_file(path, raw_dir)
        if (source, source_file, sha256_of(path)) not in failed:
            still_pending.append((source, key))
            continue
        row = con.execute(
            "select sha256 from dq.file_loads where source = ? and source_file = ? and is_current",
            [source, source_file],
        ).fetchone()
        if row:
            files[source_file] = row[0]
        else:
            files.pop(source_file, None)
            sources.pop(source_file, None)
    return RunInputs(inputs.code, files, sources), still_pending


def plan_run(raw_dir: Path, warehouse: Path, wait: bool = True) -> RunPlan:
    """What a run on ``raw_dir`` for the published ``warehouse`` does. ``wait=False`` raises WarehouseBusyError
    instead of waiting while another process writes the working copy (the sensor then skips its tick)."""
    inputs = run_inputs(raw_dir, adapters())
    published = published_build(warehouse)
    files = {a.name: {a.partition_key(p, raw_dir): sha256_of(p) for p in a.files(raw_dir)} for a in adapters()}
    if published is not None and published.fingerprint == inputs.fingerprint:
        return RunPlan(inputs, published, files, (), (), None)
    loads: list = [(a.name, key) for a in adapters() for key in sorted(files[a.name])]
    removed: list = []
    working_copy = None
    if build_path_for(warehouse).exists():
        with writer_lock(warehouse, wait=wait):
            con = connect_build(warehouse)
            try:
                loads, removed = staged_changes(con, raw_dir)
                working_copy = working_copy_build(con)
            finally:
                con.close()
    return RunPlan(inputs, published, files, tuple(loads), tuple(removed), plan_build(inputs, published, working_copy))
