"""Every adapter module in pipelines/sources that defines ``ADAPTER`` is a source: adding a source is
adding a module (plus its SQL models and tests), nothing else."""

import importlib
import pkgutil
from functools import cache

import pipelines.sources as package
from pipelines.sources.base import SourceAdapter

NOT_ADAPTERS = {"base", "registry", "xlsx"}


@cache
def adapters() -> tuple[SourceAdapter, ...]:
    found = []
    for module in pkgutil.iter_modules(package.__path__):
        if module.name in NOT_ADAPTERS:
            continue
        adapter = getattr(importlib.import_module(f"{package.__name__}.{module.name}"), "ADAPTER", None)
        if isinstance(adapter, SourceAdapter):
            found.append(adapter)
    return tuple(sorted(found, key=lambda a: a.name))


def adapter(name: str) -> SourceAdapter:
    for candidate in adapters():
        if candidate.name == name:
            return candidate
    raise KeyError(name)
