"""What a build was made from, as one hash: lets ``run`` stop at once when nothing changed.

The fingerprint covers every raw file (by content), every SQL model, check and contract, every
expectation suite, the package's Python code and the versions of the libraries that compute results.
The CLI runner stores it with the build (``meta.build_info.inputs_fingerprint``); a later run whose
inputs give the same hash has nothing to do. Nothing here imports Dagster, so that answer is quick.
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

import duckdb

from pipelines.accounting import sha256_of
from pipelines.config import EXPECTATIONS_DIR, PROJECT_ROOT, SQL_DIR

PACKAGE_DIR = PROJECT_ROOT / "pipelines"
LIBRARIES = ("duckdb", "dagster", "great-expectations", "pandas", "scipy", "statsmodels", "openpyxl", "pyyaml")


def _files(root: Path, pattern: str) -> list[Path]:
    """Files under ``root`` matching ``pattern``, skipping hidden files and folders (.build, .DS_Store)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob(pattern)
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts))


def inputs_fingerprint(raw_dir: Path) -> str:
    digest = hashlib.sha256()
    for label, root, pattern in (("raw", raw_dir, "**/*"), ("sql", SQL_DIR, "**/*.sql"),
                                 ("expectations", EXPECTATIONS_DIR, "**/*.json"), ("code", PACKAGE_DIR, "**/*.py")):
        for path in _files(root, pattern):
            digest.update(f"{label}/{path.relative_to(root).as_posix()}\0{sha256_of(path)}\n".encode())
    for library in LIBRARIES:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"lib/{library}\0{version}\n".encode())
    return digest.hexdigest()


def published_build(published: Path) -> tuple[str, str, str] | None:
    """(build_id, built_at, inputs_fingerprint) of the published warehouse, or None when unknown."""
    if not published.exists():
        return None
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        return None
    try:
        columns = {r[0] for r in con.execute("select column_name from information_schema.columns where "
                                             "table_schema = 'meta' and table_name = 'build_info'").fetchall()}
        if "inputs_fingerprint" not in columns:
            return None
        row = con.execute("select build_id, built_at::varchar, inputs_fingerprint from meta.build_info "
                          "where inputs_fingerprint is not null").fetchone()
        return tuple(row) if row else None
    finally:
        con.close()


def record_run_inputs(con: duckdb.DuckDBPyConnection, fingerprint: str | None) -> None:
    """Stamp the working copy with the inputs of the run building it; publish moves it to meta.build_info.

    None clears the stamp (a file failed to stage: the build does not reflect every input).
    """
    con.execute("delete from meta.run_inputs")
    if fingerprint is not None:
        con.execute("insert into meta.run_inputs values (?)", [fingerprint])
