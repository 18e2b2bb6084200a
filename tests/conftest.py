"""Shared fixtures: the project's curated data, the real files in ../shared/data, built warehouses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CURATED_DIR = PROJECT_ROOT / "raw" / "curated"
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public files beside the project. Required under CI; skipped with a reason elsewhere."""
    if not SHARED_DATA.is_dir():
        message = (f"real data not found at {SHARED_DATA}: put the shared data folder beside the project "
                   "(see README, 'Real datasets')")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DATA


def run_cli(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``python -m pipelines ...`` in a fresh process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("DAGSTER_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args], capture_output=True, text=True, env=full_env,
        cwd=PROJECT_ROOT, timeout=timeout,
    )


def copy_curated(destination: Path) -> Path:
    """A raw directory holding a copy of the project's curated files (tests may then damage it)."""
    raw = destination / "raw"
    shutil.copytree(CURATED_DIR, raw / "curated")
    return raw


def read_table(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """One warehouse built by the CLI from the curated data: (raw dir, warehouse file, the run)."""
    root = tmp_path_factory.mktemp("built")
    raw = copy_curated(root)
    warehouse = root / "warehouse" / "warehouse.duckdb"
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout + result.stderr
    return raw, warehouse, result
