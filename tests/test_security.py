"""Security: the query command reads the warehouse and nothing else, values from the command line never become
SQL, and secrets in the environment stay out of output and the warehouse.

tests/test_run.py already shows through the CLI that drop, delete, create table, copy ... to, attach and
read_csv('/etc/passwd') are refused; this file covers the rest of what DuckDB offers."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from tests.conftest import copy_curated, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

SECRET = "sk-test-7f3a9c-do-not-leak"


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


REFUSED = {
    # writes of every kind
    "insert into core.groups (group_id, name) values ('x', 'x')": "read-only",
    "update core.groups set name = 'x'": "read-only",
    "alter table core.groups add column x integer": "read-only",
    "create view core.v as select 1": "read-only",
    "create macro core.m(x) as x": "read-only",
    "truncate core.groups": "read-only",
    "select 1; drop table core.groups": "read-only",  # a second statement is not a way round
    # other files, through every table function and replacement scan
    "select * from read_text('/etc/hostname')": "file system operations are disabled",
    "select * from read_blob('/etc/hostname')": "file system operations are disabled",
    "select * from read_parquet('/tmp/x.parquet')": "file system operations are disabled",
    "select * from read_json('/etc/hostname')": "file system operations are disabled",
    "select * from glob('/etc/*')": "file system operations are disabled",
    "select * from '/etc/passwd'": "",
    "copy (select * from core.groups) to '/tmp/groups_leak.csv'": "",
    "export database '/tmp/warehouse_leak'": "",
    "attach ':memory:' as scratch": "",
    # extensions and configuration
    "install httpfs": "disabled",
    "load httpfs": "disabled",
    "set enable_external_access = true": "locked",
    "reset lock_configuration": "locked",
    "set autoload_known_extensions = true": "locked",
    "create secret (type s3, key_id 'k', secret 's')": "",
    # environment variables (where a secret would be)
    "select getenv('ACLED_API_KEY')": "",
}


@pytest.mark.parametrize("statement", list(REFUSED))
def test_query_refuses_what_would_write_or_reach_outside(built_warehouse, statement):
    from pipelines.query import QueryRefused, run_query

    _, warehouse, _ = built_warehouse
    before = sha(warehouse)
    with pytest.raises(QueryRefused) as refused:
        run_query(warehouse, statement)
    assert REFUSED[statement] in str(refused.value)
    assert sha(warehouse) == before


def test_query_refusals_reach_the_user_as_one_line_and_nothing_is_written(built_warehouse, tmp_path):
    _, warehouse, _ = built_warehouse
    before = sha(warehouse)
    for statement in (
        "install httpfs",
        f"select * from read_text('{warehouse}')",
        f"copy (select * from core.groups) to '{tmp_path}/leak.csv'",
        f"export database '{tmp_path}/leak'",
    ):
        result = run_cli("query", statement, "--warehouse", str(warehouse))
        assert result.returncode == 1 and result.stderr.startswith("error: "), statement
        assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
    assert sha(warehouse) == before


def test_a_temporary_table_lives_only_in_the_session(built_warehouse):
    from pipelines.query import run_query

    _, warehouse, _ = built_warehouse
    before = sha(warehouse)
    assert run_query(warehouse, "create temp table scratch as select 1 as x; select x from scratch") == (["x"], [(1,)])
    assert sha(warehouse) == before
    assert read_table(warehouse, "select count(*) from information_schema.tables where table_name = 'scratch'") == [
        (0,)
    ]


def test_paths_and_file_names_from_the_command_line_are_values_not_sql(shared_data, tmp_path):
    """--raw, the file names under it and a mapped dataset's folder reach SQL only as bound parameters."""
    injection = "x'); drop table core.groups; --"
    root = tmp_path / "raw dir ' quoted"
    raw = copy_curated(root)
    (raw / "gtd").mkdir()
    gtd = pd.read_csv(shared_data / "gtd" / "gtd_0814_extract_31col.csv", dtype=str, keep_default_na=False)
    name = f"{injection}.csv"
    gtd[gtd["country_txt"] == "Pakistan"].head(7).to_csv(raw / "gtd" / name, index=False)
    warehouse = tmp_path / "w'; drop table x; --" / "warehouse.duckdb"
    result = run_cli(
        "run",
        "--raw",
        str(raw),
        "--warehouse",
        str(warehouse),
        env={
            "ACLED_API_KEY": SECRET,
            "PIPELINES_SECRET_PROBE": SECRET,
            "UCDP_API_TOKEN": SECRET,
            "ACLED_API_USERNAME": SECRET,
            "ACLED_API_PASSWORD": SECRET,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    groups = len(pd.read_csv(raw / "curated" / "groups.csv"))
    assert read_table(warehouse, "select count(*) from core.groups") == [(groups,)]
    assert read_table(
        warehouse,
        "select count(*) from core.incidents where source_file = ?".replace(
            "?", "'gtd/" + injection.replace("'", "''") + ".csv'"
        ),
    ) == [(7,)]
    assert read_table(warehouse, "select raw_dir from meta.build_info") == [(str(raw),)]

    # Secrets in the environment appear nowhere: not in the output, not in either warehouse file.
    assert SECRET not in result.stdout + result.stderr
    for path in (warehouse, warehouse.parent / ".build" / warehouse.name):
        assert SECRET.encode() not in path.read_bytes()
    query = run_cli(
        "query",
        "select * from duckdb_settings()",
        "--warehouse",
        str(warehouse),
        "--format",
        "csv",
        env={"ACLED_API_KEY": SECRET},
    )
    assert query.returncode == 0 and SECRET not in query.stdout


def test_api_credentials_stay_out_of_errors_files_and_the_help(tmp_path):
    """The live pulls read their credentials from the environment only: a refused login, a pull against a
    server that is not there and --help name the variables, never their values; nothing is written."""
    from tests.fake_apis import FakeApis

    with FakeApis() as fake:
        env = {
            "ACLED_API_BASE_URL": fake.url,
            "ACLED_API_USERNAME": "someone@example.org",
            "ACLED_API_PASSWORD": SECRET,
            "UCDP_API_BASE_URL": f"{fake.url}/api",
            "UCDP_API_TOKEN": SECRET,
        }
        refused = run_cli("pull", "acled", "--raw", str(tmp_path), env=env)
        ucdp = run_cli("pull", "ucdp", "--version", "24.1", "--raw", str(tmp_path), env=env)
    assert refused.returncode == 1 and "HTTP 400" in refused.stderr and "nothing was written" in refused.stderr
    assert ucdp.returncode == 1 and "HTTP 401" in ucdp.stderr
    missing = run_cli("pull", "acled", "--raw", str(tmp_path), env={"ACLED_API_USERNAME": "", "ACLED_API_PASSWORD": ""})
    assert missing.returncode == 2 and "ACLED_API_USERNAME, ACLED_API_PASSWORD" in missing.stderr
    for result in (refused, ucdp, missing):
        assert SECRET not in result.stdout + result.stderr and "Traceback" not in result.stderr
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
