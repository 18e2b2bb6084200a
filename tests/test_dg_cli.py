"""`dg list defs` (the dg project layout, [tool.dg] in pyproject.toml) lists what pipelines.definitions holds."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.definitions import defs
from tests.conftest import PROJECT_ROOT

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow


def dg_command() -> str:
    beside = Path(sys.executable).parent / "dg"
    return str(beside) if beside.exists() else shutil.which("dg") or "dg"


def test_dg_list_defs_lists_every_asset_check_job_schedule_and_sensor(tmp_path):
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path),
        "VIRTUAL_ENV": sys.prefix,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    result = subprocess.run(
        [dg_command(), "list", "defs", "--json"], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    listed = json.loads(result.stdout)

    graph = defs.resolve_asset_graph()
    assert {a["asset_key"] for a in listed["assets"]} == {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {(a["asset_key"], a["group_name"]) for a in listed["assets"]} == {
        (k.to_user_string(), graph.get(k).group_name) for k in graph.get_all_asset_keys()
    }
    assert {c["key"] for c in listed["asset_checks"]} == {
        f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys
    }
    assert {j["name"] for j in listed["jobs"]} == {j.name for j in defs.jobs}
    assert {s["name"] for s in listed["schedules"]} == {s.name for s in defs.schedules}
    assert {s["name"] for s in listed["sensors"]} == {s.name for s in defs.sensors}
    assert len(listed["assets"]) >= 60 and len(listed["asset_checks"]) >= 60
