"""Published totals with their own definitions and editions, and ACLED's country-month aggregates, through the CLI,
against pandas on the curated CSV and the shared ACLED files."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.defs.reference.published_sources import ACLED_AGGREGATES
from tests.conftest import CURATED_DIR, copy_curated, read_frame, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

FILES = ["acled_country_month_events_2021_2024.csv", "acled_country_month_fatalities_2021_2024.csv"]
# A made-up third file of a made-up country: every kind of bad row, beside two good ones.
BAD_FILE = """Country,Event month,Event Type,Events
Testland,2022-01-01,Battles,3
Testland,2022-02-01,Battles,
Testland,2022-02-15,Battles,4
Testland,2022-03-01,,5
,2022-03-01,Riots,1
Testland,2022-04-01,Riots,12+
Testland,2022-05-01,Riots,0
"""


@pytest.fixture(scope="module")
def acled(shared_data, tmp_path_factory):
    """A warehouse built by the CLI from the curated files and the ACLED aggregates: (warehouse, raw dir)."""
    root = tmp_path_factory.mktemp("acled_aggregates")
    raw = copy_curated(root)
    folder = raw / "acled_aggregates"
    folder.mkdir()
    for name in FILES:
        (folder / name).symlink_to(shared_data / "acled_aggregates" / name)
    (folder / "testland_events.csv").write_text(BAD_FILE)
    warehouse = root / "warehouse" / "warehouse.duckdb"
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout + result.stderr
    return warehouse, raw


def test_pakistan_2022_events_and_fatalities_by_event_type_equal_the_files(acled, shared_data):
    warehouse, _ = acled
    for name, column, measure in ((FILES[0], "Events", "events"), (FILES[1], "Fatalities", "killed")):
        frame = pd.read_csv(shared_data / "acled_aggregates" / name, dtype={column: "int64"})
        pakistan = frame[(frame["Country"] == "Pakistan") & frame["Event month"].str.startswith("2022")]
        expected = pakistan.groupby("Event Type")[column].sum().to_dict()
        assert len(expected) == 6
        core = read_frame(
            warehouse,
            "select event_type, sum(value) as value from core.published_aggregates "
            "where publisher = 'ACLED' and country = 'Pakistan' and measure = ? "
            "and year(period_start) = 2022 and period_grain = 'month' group by all",
            [measure],
        )
        assert dict(zip(core["event_type"], core["value"])) == expected
        mart = read_frame(
            warehouse,
            "select regexp_extract(definition, '^ACLED event type ([^:]+):', 1) as event_type, "
            "incidents, fatalities_best, published_months from marts.source_reconciliation "
            "where source = 'ACLED' and country = 'Pakistan' and year = 2022",
        )
        value = "incidents" if measure == "events" else "fatalities_best"
        assert {t: int(v) for t, v in zip(mart["event_type"], mart[value])} == expected
        assert set(mart["published_months"]) == {12}
    # 2024 is a part year (Jan-Sep), flagged, and 2021-2024 are all there
    months = read_frame(
        warehouse,
        "select year, min(published_months) as months from marts.source_reconciliation "
        "where source = 'ACLED' and country = 'Afghanistan' group by year order by year",
    )
    assert list(months.itertuples(index=False, name=None)) == [(2021, 12), (2022, 12), (2023, 12), (2024, 9)]


def test_every_acled_row_is_loaded_or_quarantined_with_a_reason(acled, shared_data):
    warehouse, _ = acled
    loads = read_frame(
        warehouse,
        "select source_file, rows_read, rows_loaded, rows_quarantined from dq.file_loads "
        "where source = 'acled_aggregates' and is_current",
    ).set_index("source_file")
    for name in FILES:
        rows = len(pd.read_csv(shared_data / "acled_aggregates" / name))
        assert tuple(loads.loc[f"acled_aggregates/{name}"]) == (rows, rows, 0)
    assert tuple(loads.loc["acled_aggregates/testland_events.csv"]) == (7, 2, 5)
    reasons = read_frame(
        warehouse,
        "select row_number, column_name, reason from dq.quarantine "
        "where source_file = 'acled_aggregates/testland_events.csv' order by row_number",
    )
    assert list(reasons["row_number"]) == [2, 3, 4, 5, 6]
    assert "blank (unknown, not 0)" in reasons["reason"][0]
    assert "first day of a month" in reasons["reason"][1]
    assert list(reasons["column_name"][2:]) == ["Event Type", "Country", "Events"]
    kept = read_frame(
        warehouse,
        "select period_start, value from core.published_aggregates where country = 'Testland' order by period_start",
    )
    assert list(kept["value"]) == [3, 0]  # a published 0 stays 0; the blank one is not made 0


def test_a_file_with_neither_value_column_is_refused():
    assert "Events or Fatalities" in ACLED_AGGREGATES.detect(["Country", "Event month", "Event Type", "Count"])
    assert ACLED_AGGREGATES.detect(["Country", "Event month", "Event Type", "Fatalities"]) is None


def test_published_rows_keep_every_edition_with_one_preferred(acled):
    warehouse, _ = acled
    curated = pd.read_csv(CURATED_DIR / "published_aggregates.csv", dtype=str, keep_default_na=False)
    core = read_frame(warehouse, "select * from core.published_aggregates where publisher <> 'ACLED'")
    assert len(core) == len(curated)
    key = ["publisher", "country", "period_start", "measure"]
    preferred = curated.groupby(key)["is_preferred"].apply(lambda s: (s == "true").sum())
    assert (preferred == 1).all()
    assert (curated.groupby(key).size() > 1).sum() >= 4  # figures published in several editions or definitions
    # every (edition, definition) is its own reconciliation row, never joined with another edition's figures
    mart = read_frame(
        warehouse, "select * from marts.source_reconciliation where kind = 'published' and source <> 'ACLED'"
    )
    for r in mart.itertuples():
        rows = curated[
            (curated["publisher"] == r.source)
            & (curated["report"] == r.edition)
            & (curated["period_start"].str[:4] == str(r.year))
        ]
        own = rows[rows["definition"] == r.definition]
        value = lambda m: own.loc[own["measure"] == m, "value"]  # noqa: E731, B023 - used in this iteration only
        assert (pd.isna(r.incidents) and value("attacks").empty) or [int(r.incidents)] == value("attacks").astype(
            int
        ).tolist()
        assert (pd.isna(r.fatalities_best) and value("killed").empty) or [int(r.fatalities_best)] == value(
            "killed"
        ).astype(int).tolist()
    picss_2016 = mart[(mart["source"] == "PICSS") & (mart["year"] == 2016)].set_index("edition")
    assert picss_2016.loc["PICSS Annual Security Assessment Report 2017", "incidents"] == 513
    assert pd.isna(picss_2016.loc["PICSS Annual Security Assessment Report 2017", "fatalities_best"])
    assert tuple(picss_2016.loc["PICSS annual report 2016 (provisional)", ["incidents", "fatalities_best"]]) == (
        500,
        950,
    )
    pips_2007 = mart[(mart["source"] == "PIPS") & (mart["year"] == 2007)].set_index("incidents")
    assert pips_2007.loc[1306, "suicide_attacks"] == 60 and pd.isna(pips_2007.loc[1306, "fatalities_best"])
    assert pips_2007.loc[1442, "fatalities_best"] == 3448 and pips_2007.loc[1442, "definition"].startswith("all 2007")
    assert (pips_2007.loc[1306, "is_preferred"], pips_2007.loc[1442, "is_preferred"]) == (True, False)
    assert tuple(picss_2016["is_preferred"].sort_index()) == (True, False)


def test_the_report_shows_the_acled_aggregates(acled):
    warehouse, _ = acled
    page = (warehouse.parent / "report" / "index.html").read_text()
    start = page.index('data-table="acled_aggregates_pakistan"')
    table = page[start : page.index("</table>", start)]
    assert "<td class=num>2022</td><td>Battles</td><td class=num>479</td>" in table
