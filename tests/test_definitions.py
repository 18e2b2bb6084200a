"""The Dagster project loads, and holds what the warehouse contract promises."""

import subprocess
import sys

import dagster as dg
import pytest

from pipelines.definitions import BUILD_JOB, defs
from tests.conftest import PROJECT_ROOT, cli_command

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

CORE_TABLES = [
    "groups",
    "group_aliases",
    "group_relations",
    "leaders",
    "leadership_events",
    "policy_events",
    "claims",
    "published_aggregates",
]


def test_definitions_load_with_every_core_table_and_the_build_job():
    keys = {tuple(k.path) for k in defs.resolve_all_asset_keys()}
    for table in CORE_TABLES:
        assert ("core", table) in keys
    assert ("meta", "published_warehouse") in keys
    job = defs.resolve_job_def(BUILD_JOB)
    assert job is not None


def test_publish_waits_for_every_core_table():
    graph = defs.resolve_asset_graph()
    parents = graph.get(dg.AssetKey(["meta", "published_warehouse"])).parent_keys
    assert {dg.AssetKey(["core", t]) for t in CORE_TABLES} <= set(parents)


def test_every_writing_asset_is_in_the_duckdb_pool():
    for assets_def in defs.resolve_asset_graph().assets_defs:
        if assets_def.is_executable:
            assert assets_def.node_def.pools == {"duckdb_warehouse"}, assets_def.keys


def test_error_checks_are_blocking():
    checks = list(defs.resolve_asset_graph().asset_check_keys)
    assert len(checks) >= 20
    for assets_def in defs.resolve_asset_graph().assets_defs:
        for spec in assets_def.check_specs:
            if spec.description and spec.description.startswith("[ERROR]"):
                assert spec.blocking, spec.key


def test_dagster_cli_validates_the_definitions():
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m", "pipelines.definitions"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_help_of_every_command_says_what_it_does():
    for command in ([], ["run"], ["query"]):
        result = subprocess.run(cli_command([*command, "--help"]), capture_output=True, text=True, cwd=PROJECT_ROOT)
        assert result.returncode == 0
        assert "--warehouse" in result.stdout or command == []
        assert len(result.stdout.splitlines()) > 3
