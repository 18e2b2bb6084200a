"""Errors that say what to do: a header that differs only in case, spaces or punctuation names the column it
probably is; a file in the wrong folder, or a GTD website export, is told where it belongs. One run of
`python -m pipelines run` over made-up files; each fails alone (recorded as failed), the rest publishes."""

from __future__ import annotations

import pytest

from tests.conftest import copy_curated, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

ACLED_RENAMED = (
    "event_id_cnty,event_date,time_precision,event_type,sub_event_type,Actor1,country,Fatalities,"
    "timestamp\nPAK1,2022-01-05,1,Battles,Armed clash,TTP,Pakistan,2,1650000000\n"
)
GTD_WEB_EXPORT = (
    "GTD ID,DATE,COUNTRY,CITY,PERPETRATOR GROUP,FATALITIES,INJURED,TARGET TYPE\n"
    "201801010001,2018-01-01,Pakistan,Quetta,Baloch Liberation Army (BLA),2,3,Police\n"
)
GTD_FILE = (
    "eventid,iyear,imonth,iday,country_txt,provstate,gname,nkill\n201001010001,2010,1,1,Pakistan,Punjab,Unknown,2\n"
)
MAPPING = """
source_name: near_miss
description: a mapped file whose id header has another case
id_column: Ref
columns:
  event_date: {column: Day, date_formats: ['%d/%m/%Y']}
constants:
  event_type: attack
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hints")
    raw = copy_curated(root)
    for folder, name, text in (
        ("acled", "renamed.csv", ACLED_RENAMED),
        ("gtd", "web_export.csv", GTD_WEB_EXPORT),
        ("ucdp_ged", "gtd_events.csv", GTD_FILE),
        ("mapped/near", "attacks.csv", "ref ,Day\nP-1,03/01/2019\n"),
    ):
        (raw / folder).mkdir(parents=True, exist_ok=True)
        (raw / folder / name).write_text(text)
    (raw / "mapped" / "near" / "mapping.yaml").write_text(MAPPING)
    warehouse = root / "w.duckdb"
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    errors = dict(read_table(warehouse, "select source_file, error from dq.file_loads where status = 'failed'"))
    return result, errors


def test_every_bad_file_fails_alone_and_the_rest_publishes(run):
    result, errors = run
    assert result.returncode == 4, result.stdout + result.stderr
    assert set(errors) == {
        "acled/renamed.csv",
        "gtd/web_export.csv",
        "ucdp_ged/gtd_events.csv",
        "mapped/near/attacks.csv",
    }


def test_a_header_that_differs_in_case_names_the_column(run):
    _, errors = run
    message = errors["acled/renamed.csv"]
    assert "missing required column(s) actor1, fatalities" in message
    assert "'actor1' is probably 'Actor1'" in message and "'fatalities' is probably 'Fatalities'" in message
    assert "'Ref' is probably 'ref'" in errors["mapped/near/attacks.csv"]


def test_a_gtd_website_export_is_sent_to_raw_mapped(run):
    _, errors = run
    assert "looks like a GTD website export" in errors["gtd/web_export.csv"]
    assert "raw/mapped/<dataset>/ with a mapping.yaml" in errors["gtd/web_export.csv"]


def test_a_file_of_another_source_is_told_its_folder(run):
    _, errors = run
    assert "this looks like a GTD file: put it in raw/gtd/" in errors["ucdp_ged/gtd_events.csv"]
