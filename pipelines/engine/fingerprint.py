"""What a build was made from: lets ``run`` stop at once when nothing changed, and build only what a change
reaches when only incident source files changed.

The inputs of a run have two parts. The *code* part hashes every SQL model, check and contract, every
expectation suite, the package's Python code and the versions of the libraries that compute results. The
*raw* part lists every raw file with its sha256, and for each data file of an incident source adapter
(``pipelines/defs/incidents/sources``: gtd, ucdp_ged, acled, ...) which adapter reads it. The CLI runner stores both with
the build (``meta.run_inputs``, moved to ``meta.build_info`` by publish) and the hash of the two as
``inputs_fingerprint``: a later run whose inputs give the same hash has nothing to do, and one whose code
part is the same and whose raw changes are all incident source files needs only the assets downstream of
those sources (``plan_build``). Nothing here imports Dagster, so these answers are quick.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path

import duckdb

from pipelines.engine.accounting import sha256_of
from pipelines.engine.config import EXPECTATIONS_DIR, PROJECT_ROOT, SQL_DIR

PACKAGE_DIR = PROJECT_ROOT / "pipelines"
LIBRARIES = (
    "duckdb",
    "dagster",
    "great-expectations",
    "pandas",
    "scipy",
    "statsmodels",
    "openpyxl",
    "pyyaml",
    "splink",
)


def _files(root: Path, pattern: str) -> list[Path]:
    """Files under ``root`` matching ``pattern``, skipping hidden files and folders (.build, .DS_Store)."""
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.glob(pattern)
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def code_fingerprint() -> str:
    """One hash of everything but the raw files: SQL, expectation suites, package code, library versions."""
    digest = hashlib.sha256()
    for label, root, pattern in (
        ("sql", SQL_DIR, "**/*.sql"),
        ("expectations", EXPECTATIONS_DIR, "**/*.json"),
        ("code", PACKAGE_DIR, "**/*.py"),
        ("model", PACKAGE_DIR, "**/linkage_model.json"),
    ):
        for path in _files(root, pattern):
            digest.update(f"{label}/{path.relative_to(root).as_posix()}\0{sha256_of(path)}\n".encode())
    for library, version in _library_versions():
        digest.update(f"lib/{library}\0{version}\n".encode())
    return digest.hexdigest()


@cache
def _library_versions() -> tuple[tuple[str, str], ...]:
    """Read once per process: the libraries a process has imported do not change under it, and a run asks for the
    code fingerprint about 7 times (each read scans the installed distributions)."""
    versions = []
    for library in LIBRARIES:
        try:
            versions.append((library, metadata.version(library)))
        except metadata.PackageNotFoundError:
            versions.append((library, "-"))
    return tuple(versions)


def raw_files(raw_dir: Path) -> dict[str, str]:
    """Every raw file (path relative to the raw directory) with its sha256."""
    return {path.relative_to(raw_dir).as_posix(): sha256_of(path) for path in _files(raw_dir, "**/*")}


def incident_source_files(raw_dir: Path, adapters: Iterable) -> dict[str, str]:
    """The data files of the incident source ``adapters`` (path relative to the raw directory -> adapter name;
    ``adapters``: pipelines/defs/incidents/sources/registry.py ``adapters()``, passed in from above).

    Curated files, the lineage sources, mapping.yaml files and anything else are not among them.
    """
    return {a.source_file(p, raw_dir): a.name for a in adapters for p in a.files(raw_dir)}


@dataclass(frozen=True)
class RunInputs:
    code: str  # code_fingerprint()
    raw_files: dict[str, str]  # path -> sha256
    sources: dict[str, str] = field(default_factory=dict)  # path -> incident adapter, for their data files

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(f"code\0{self.code}\n".encode())
        for path, sha256 in sorted(self.raw_files.items()):
            digest.update(f"raw/{path}\0{sha256}\n".encode())
        return digest.hexdigest()

    def raw_rows(self) -> list[dict]:
        """The raw part as stored in meta.run_inputs / meta.build_info (``raw_files``)."""
        return [{"path": p, "sha256": s, "source": self.sources.get(p)} for p, s in sorted(self.raw_files.items())]


def run_inputs(raw_dir: Path, adapters: Iterable) -> RunInputs:
    """The inputs of a run on ``raw_dir``; ``adapters``: the incident source adapters (registry ``adapters()``)."""
    files = raw_files(raw_dir)
    sources = {p: s for p, s in incident_source_files(raw_dir, adapters).items() if p in files}
    return RunInputs(code_fingerprint(), files, sources)


@dataclass(frozen=True)
class PublishedBuild:
    build_id: str
    built_at: str
    fingerprint: str | None  # None: built without a known fingerprint (Dagster UI, a file failed to stage, ...)
    code: str | None = None
    raw_files: tuple[dict, ...] | None = None  # as RunInputs.raw_rows()


def published_build(published: Path) -> PublishedBuild | None:
    """What the published warehouse was built from, or None when there is no published warehouse."""
    try:
        stat = published.stat()
    except OSError:
        return None
    # A run asks three times (the no-op check, the plan, the outcome after publishing); publishing replaces the
    # file (a new inode), so a file whose identity, size and time did not change is not opened again. A file that
    # cannot be opened (another process holds it read-write) is not remembered: the next call tries again.
    try:
        return _published_build(str(published), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    except _Unopenable:
        return None


class _Unopenable(Exception):
    """The published file could not be opened (raised, so that lru_cache does not keep the answer)."""


@lru_cache(maxsize=64)
def _published_build(published: str, device: int, inode: int, size: int, mtime_ns: int) -> PublishedBuild | None:
    try:
        con = duckdb.connect(published, read_only=True)
    except duckdb.Error as exc:
        raise _Unopenable from exc
    try:
        columns = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where "
                "table_schema = 'meta' and table_name = 'build_info'"
            ).fetchall()
        }
        if "build_id" not in columns:
            return None
        wanted = [
            "build_id",
            "built_at::varchar",
            *(c for c in ("inputs_fingerprint", "code_fingerprint", "raw_files") if c in columns),
        ]
        row = con.execute(f"select {', '.join(wanted)} from meta.build_info").fetchone()
        if row is None:
            return None
        values = dict(zip([w.removesuffix("::varchar") for w in wanted], row))
        raw = values.get("raw_files")
        return PublishedBuild(
            values["build_id"],
            values["built_at"],
            values.get("inputs_fingerprint"),
            values.get("code_fingerprint"),
            tuple(raw) if raw is not None else None,
        )
    finally:
        con.close()


def record_run_inputs(con: duckdb.DuckDBPyConnection, inputs: RunInputs | None, run_id: str) -> None:
    """Stamp the working copy with the inputs of the build run ``run_id``; its publish moves them to
    meta.build_info.

    None clears the stamp (a file failed to stage: the build does not reflect every input).
    """
    con.execute("delete from meta.run_inputs")
    if inputs is not None:
        con.execute(
            "insert into meta.run_inputs (run_id, inputs_fingerprint, code_fingerprint, raw_files) values (?, ?, ?, ?)",
            [run_id, inputs.fingerprint, inputs.code, inputs.raw_rows()],
        )


def working_copy_build(con: duckdb.DuckDBPyConnection) -> str | None:
    """The build the working copy was last published as, if no run changed it since (meta.working_copy)."""
    row = con.execute("select any_value(build_id) from meta.working_copy").fetchone()
    return row[0] if row else None


# ---- what to build ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BuildPlan:
    incremental: bool
    reason: str
    sources: tuple[str, ...] = ()  # incremental: the incident adapters whose files changed

    def describe(self) -> str:
        return f"{'incremental' if self.incremental else 'full'} ({self.reason})"


def _names(paths: list[str], limit: int = 3) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def plan_build(inputs: RunInputs, published: PublishedBuild | None, working_copy: str | None) -> BuildPlan:
    """The whole build job, or only what the changed incident source files reach.

    Incremental only when all of these hold, else full (when in doubt, full):
    - the published build recorded its inputs (code and raw parts);
    - the working copy is still the published build (``working_copy``: no run changed it since, e.g. one that
      failed or was not published, which may have left any table half-built);
    - the code part is unchanged (SQL, suites, package code, libraries);
    - every raw file that is new, changed or removed is a data file of an incident source adapter, both in the
      published build's record and now.
    """
    if published is None:
        return BuildPlan(False, "no published build")
    if published.fingerprint is None or published.code is None or published.raw_files is None:
        return BuildPlan(False, "the published build has no fingerprint")
    if working_copy != published.build_id:
        return BuildPlan(False, "the working copy changed since the published build")
    if published.code != inputs.code:
        return BuildPlan(False, "code changed: SQL, suites, package code or libraries")
    before = {r["path"]: (r["sha256"], r["source"]) for r in published.raw_files}
    changed = sorted(
        p for p in before.keys() | inputs.raw_files.keys() if before.get(p, (None,))[0] != inputs.raw_files.get(p)
    )
    if not changed:
        return BuildPlan(False, "no raw file changed")
    others = [
        p
        for p in changed
        if (p in before and before[p][1] is None) or (p in inputs.raw_files and inputs.sources.get(p) is None)
    ]
    if others:
        return BuildPlan(False, f"{_names(others)} changed")
    sources = sorted({s for p in changed for s in (before.get(p, (None, None))[1], inputs.sources.get(p)) if s})
    return BuildPlan(True, f"{', '.join(sources)} changed", tuple(sources))
