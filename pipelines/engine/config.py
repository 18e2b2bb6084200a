"""Where things live: project root, raw directory, warehouse file.

Relative defaults are resolved against the project root (the folder holding ``pyproject.toml``), so
the CLI, ``dagster dev`` and the schedules all agree whatever the working directory is.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent  # pipelines/engine/config.py -> the project root
SQL_DIR = PROJECT_ROOT / "sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

RAW_DIR_ENV = "PIPELINES_RAW_DIR"
WAREHOUSE_ENV = "PIPELINES_WAREHOUSE"


def default_raw_dir() -> Path:
    return Path(os.environ.get(RAW_DIR_ENV) or PROJECT_ROOT / "raw").resolve()


def default_warehouse_path() -> Path:
    return Path(os.environ.get(WAREHOUSE_ENV) or PROJECT_ROOT / "warehouse" / "warehouse.duckdb").resolve()
