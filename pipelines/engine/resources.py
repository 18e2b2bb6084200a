"""Dagster resources: the warehouse a run writes and publishes, and the raw directory it reads."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.engine import warehouse as wh
from pipelines.engine.config import default_raw_dir, default_warehouse_path

# Every asset that writes DuckDB is in this pool; dagster.yaml limits it to one run at a time.
WAREHOUSE_POOL = "duckdb_warehouse"


class WarehouseResource(dg.ConfigurableResource):
    """The published warehouse file; runs write its working copy and publish at the end."""

    path: str

    @property
    def published(self) -> Path:
        return Path(self.path).resolve()

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the working copy, serialised across processes.

        From the first one on, the working copy may differ from the published build: meta.working_copy is
        emptied, and until a publish fills it again the next CLI run builds everything (pipelines/runner.py).
        """
        with wh.writer_lock(self.published, wait=True):
            con = wh.connect_build(self.published)
            try:
                con.execute("delete from meta.working_copy")
                yield con
            finally:
                con.close()


class RawDirectoryResource(dg.ConfigurableResource):
    """The folder analysts drop source files into, one sub-folder per adapter."""

    path: str

    @property
    def root(self) -> Path:
        return Path(self.path).resolve()


def build_resources(raw_dir: Path | None = None, warehouse_path: Path | None = None) -> dict:
    return {
        "warehouse": WarehouseResource(path=str(warehouse_path or default_warehouse_path())),
        "raw": RawDirectoryResource(path=str(raw_dir or default_raw_dir())),
    }
