"""The package's import graph (tests/tools/import_graph.py): no cycle, and the engine imports no domain."""

import subprocess
import sys

from tests.conftest import PROJECT_ROOT


def test_import_graph_has_no_cycle_and_the_engine_imports_no_domain():
    result = subprocess.run(
        [sys.executable, "-m", "tests.tools.import_graph"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cycles: none" in result.stdout
    assert "pipelines.engine importing what is above it: none" in result.stdout


def test_import_graph_finds_a_cycle_and_an_engine_module_importing_a_domain(tmp_path):
    package = tmp_path / "pipelines"
    (package / "engine").mkdir(parents=True)
    (package / "defs" / "incidents").mkdir(parents=True)
    for init in (package, package / "engine", package / "defs", package / "defs" / "incidents"):
        (init / "__init__.py").write_text("")
    (package / "engine" / "warehouse.py").write_text("from pipelines.defs.incidents import registry\n")
    (package / "defs" / "incidents" / "registry.py").write_text(
        "def adapters():\n    from pipelines.engine.warehouse import connect_build\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.tools.import_graph", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "pipelines.defs.incidents.registry <-> pipelines.engine.warehouse" in result.stdout
    assert "pipelines.engine.warehouse imports pipelines.defs.incidents.registry" in result.stdout
