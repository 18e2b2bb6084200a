"""The README's DuckDB client opens the published warehouse read-only: `.venv/bin/duckdb -readonly FILE`
(duckdb-cli from PyPI, a dependency of the package), also after a working copy in duckdb 2.0's own format."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import CURATED_DIR, PROJECT_ROOT, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

DUCKDB_CLI = Path(sys.executable).parent / "duckdb"


def cli(warehouse: Path, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(DUCKDB_CLI), "-readonly", str(warehouse), "-csv", "-c", sql], capture_output=True, text=True, timeout=120
    )


def test_the_readme_names_this_command():
    assert ".venv/bin/duckdb -readonly warehouse/warehouse.duckdb" in (PROJECT_ROOT / "README.md").read_text()
    assert DUCKDB_CLI.exists(), "duckdb-cli is not installed in the environment (pyproject.toml dependencies)"


def test_the_cli_opens_the_published_file_read_only(built_warehouse):
    _, warehouse, _ = built_warehouse
    with open(CURATED_DIR / "groups.csv", newline="") as handle:
        groups = sum(1 for _ in csv.DictReader(handle))
    result = cli(warehouse, "select count(*) as n from core.groups")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["n", str(groups)]
    # a macro of the contract works too
    macro = cli(warehouse, "select conform_admin1('Pakistan', 'NWFP', date '2010-01-01') as p")
    assert macro.stdout.splitlines() == ["p", "Khyber Pakhtunkhwa"], macro.stderr
    before = warehouse.read_bytes()
    write = cli(warehouse, "create table core.scratch as select 1")
    assert write.returncode != 0 and re.search(r"read.only", write.stderr, re.I), write.stdout + write.stderr
    assert warehouse.read_bytes() == before


def test_a_working_copy_in_the_newer_format_is_rewritten_and_published_readable(built_warehouse, tmp_path):
    raw, warehouse, _ = built_warehouse
    shutil.copytree(raw, tmp_path / "raw")
    published = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, published)
    build = tmp_path / ".build" / "warehouse.duckdb"
    build.parent.mkdir()
    # The working copy an earlier version wrote: duckdb's default (newest) storage format.
    con = duckdb.connect()
    con.execute("attach ? as old_copy (read_only)", [str(warehouse)])
    con.execute("attach ? as new_copy", [str(build)])
    con.execute("copy from database old_copy to new_copy")
    con.close()
    (tmp_path / "raw" / "gtd").mkdir()
    (tmp_path / "raw" / "gtd" / "one.csv").write_text(
        "eventid,iyear,imonth,iday,country_txt,provstate,gname,nkill\n201001010001,2010,1,1,Pakistan,Punjab,Unknown,2\n"
    )
    result = run_cli("run", "--raw", str(tmp_path / "raw"), "--warehouse", str(published))
    assert result.returncode == 0, result.stdout + result.stderr
    got = cli(published, "select count(*) as n from core.incidents where source = 'gtd'")
    assert got.returncode == 0 and got.stdout.splitlines() == ["n", "1"], got.stderr
