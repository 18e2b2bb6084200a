"""Every adapter module in pipelines/defs/incidents/sources that defines ``ADAPTER`` is a source: adding a source is
adding a module (plus its SQL models and tests), nothing else."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import TYPE_CHECKING

import duckdb

import pipelines.defs.incidents.sources as package
from pipelines.engine.warehouse import register_staging_tables

if TYPE_CHECKING:  # base.py imports this module (looks_like asks for the other adapters)
    from pipelines.defs.incidents.sources.base import SourceAdapter

NOT_ADAPTERS = {"base", "registry", "xlsx"}


@cache
def adapters() -> tuple[SourceAdapter, ...]:
    found = []
    for module in pkgutil.iter_modules(package.__path__):
        if module.name in NOT_ADAPTERS:
            continue
        adapter = getattr(importlib.import_module(f"{package.__name__}.{module.name}"), "ADAPTER", None)
        if adapter is not None:  # a SourceAdapter (sources/base.py)
            found.append(adapter)
    return tuple(sorted(found, key=lambda a: a.name))


def ensure_staging_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The staging table of every adapter, empty until a file is staged: every model can rely on them."""
    for adapter in adapters():
        adapter.ensure_staging_table(con)


# The engine opens working copies for every domain; it learns here which staging tables they hold.
register_staging_tables(ensure_staging_tables)


def adapter(name: str) -> SourceAdapter:
    for candidate in adapters():
        if candidate.name == name:
            return candidate
    raise KeyError(name)
