"""The analyst report: written after every run and by `report`, opened in headless Chromium as a person would.

The page's numbers are read back from the rendered Vega views and compared with SQL written here against the
marts, not with the report code's own queries.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from tests.browser import Browser, chromium_path
from tests.conftest import read_frame, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

CHART_QUERY = """Array.from(document.querySelectorAll('div.chart[data-chart]')).map(function (el) {
  const svg = el.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  return {id: el.dataset.chart, width: box.width, height: box.height,
          marks: el.querySelectorAll('svg .mark-line path, svg .mark-symbol path, svg .mark-rect path, svg .mark-rule line').length};
})"""


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        message = "chromium not installed (apt-get install chromium; .ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def open_report(chromium: str, html: Path, screenshot: Path):
    """Render the page; return (charts, console errors, requests, page data reader, notices)."""
    with Browser(chromium) as browser:
        page = browser.open(html)
        assert page.wait_until("window.reportReady") is True, page.console_errors
        charts = page.evaluate(CHART_QUERY)
        notices = page.evaluate("Array.from(document.querySelectorAll('[data-notice]')).map(e => e.dataset.notice)")
        views = {c["id"]: None for c in charts}
        data = {}
        for chart_id in views:
            data[chart_id] = page.evaluate(f"window.reportViews[{chart_id!r}].data({chart_id!r})")
        page.screenshot(screenshot)
        return charts, list(page.console_errors), list(page.requests), data, notices


def assert_rendered(charts, errors, requests):
    assert errors == []
    # Self-contained: the only request is the page itself.
    assert [r for r in requests if not r.startswith(("file:", "data:", "blob:"))] == []
    for chart in charts:
        assert chart["width"] > 100 and chart["height"] > 50, chart
        assert chart["marks"] > 0, chart


def yearly_from_marts(warehouse: Path, country: str) -> dict:
    """{(source, year): (incidents, fatalities)} recomputed from marts.attack_trends (non-state attacks, the
    report's default class) and PIPS published totals: a year a source covers in full (core.source_coverage,
    12 countable months) without events is 0, a year it covers in part or not at all is NULL (a break in the
    line), and a source without coverage (the curated selection) is shown as it is."""
    events = read_frame(
        warehouse,
        """
        select source, year(period_start) as year, sum(incidents) as incidents, sum(fatalities_best) as fatalities
        from marts.attack_trends where period_grain = 'year' and country = ? and year(period_start) >= 1990
          and violence_class = 'non_state_attack'
        group by 1, 2
    """,
        [country],
    )
    coverage = read_frame(
        warehouse,
        """
        select source, year(month_start) as year, count(distinct month_start) as months
        from core.source_coverage where countable and country = ? group by 1, 2
    """,
        [country],
    )
    covered = {(s, int(y)): int(m) for s, y, m in zip(coverage["source"], coverage["year"], coverage["months"])}
    counted = {
        (s, int(y)): (i, f)
        for s, y, i, f in zip(events["source"], events["year"], events["incidents"], events["fatalities"])
    }
    rows = []
    for source in sorted({s for s, _ in covered}):
        years = [y for s, y in covered if s == source]
        for year in range(max(min(years), 1990), max(years) + 1):
            if covered.get((source, year), 0) < 12:
                rows.append((source, year, None, None))
            else:
                incidents, fatalities = counted.get((source, year), (0, 0.0))
                rows.append((source, year, incidents, 0.0 if pd.isna(fatalities) else fatalities))
    rows += [(s, y, i, f) for (s, y), (i, f) in counted.items() if s not in {c for c, _ in covered}]
    events = pd.DataFrame(rows, columns=["source", "year", "incidents", "fatalities"])
    published = read_frame(
        warehouse,
        """
        select 'PIPS' as source, year(period_start) as year,
               sum(value) filter (where measure = 'attacks') as incidents,
               sum(value) filter (where measure = 'killed') as fatalities
        from core.published_aggregates
        where publisher = 'PIPS' and country = ? and period_grain = 'year' and year(period_start) >= 1990
          and is_preferred
          and measure in ('attacks', 'killed')
        group by 1, 2
    """,
        [country],
    )
    out = {}
    for frame in (events, published):
        for row in frame.itertuples():
            fat = None if pd.isna(row.fatalities) else float(row.fatalities)
            inc = None if pd.isna(row.incidents) else int(row.incidents)
            out[(row.source, int(row.year))] = (inc, fat)
    return out


def yearly_from_page(rows: list[dict]) -> dict:
    return {
        (r["source"], r["year"]): (r["incidents"], None if r["fatalities"] is None else float(r["fatalities"]))
        for r in rows
    }


def test_run_writes_the_report_of_the_published_warehouse(built_warehouse):
    _, warehouse, result = built_warehouse
    report = warehouse.parent / "report" / "index.html"
    assert "report.analyst_report" in result.stdout
    text = report.read_text()
    build_id = read_frame(warehouse, "select build_id from meta.build_info")["build_id"][0]
    # The report names the build it read: the one published by this run.
    assert build_id in text
    assert "<script src=" not in text and "cdn." not in text


def test_curated_report_renders_and_says_which_sections_have_too_little_data(built_warehouse, chromium, tmp_path):
    _, warehouse, _ = built_warehouse
    out = tmp_path / "curated" / "report.html"
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    result = run_cli("report", "--warehouse", str(warehouse), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before  # read-only

    charts, errors, requests, data, notices = open_report(chromium, out, tmp_path / "curated.png")
    assert_rendered(charts, errors, requests)
    assert (tmp_path / "curated.png").stat().st_size > 10_000
    ids = {c["id"] for c in charts}
    assert {"trend_yearly_pakistan", "lineage", "reconciliation_pakistan", "quarantine"} <= ids
    # The curated data have no event-study incidents: the section says so instead of drawing an empty chart.
    assert read_frame(warehouse, "select count(*) as n from marts.decapitation_event_study")["n"][0] == 0
    assert "event_study" in notices and "event_study" not in ids
    assert not ids & set(notices)
    assert yearly_from_page(data["trend_yearly_pakistan"]) == yearly_from_marts(warehouse, "Pakistan")


def test_lineage_chart_draws_every_dated_ttp_split(built_warehouse, chromium, tmp_path):
    _, warehouse, _ = built_warehouse
    out = tmp_path / "report.html"
    assert run_cli("report", "--warehouse", str(warehouse), "--out", str(out)).returncode == 0
    _, errors, _, data, _ = open_report(chromium, out, tmp_path / "lineage.png")
    assert errors == []
    splits = read_frame(
        warehouse,
        """
        select from_group_id, strftime(start_date, '%Y-%m-%d') as day from core.group_relations
        where relation_type = 'split_from' and to_group_id = 'ttp' and start_date is not null""",
    )
    drawn = {(r["from_group_id"], r["date_text"][:10]) for r in data["lineage"] if r["relation_type"] == "split_from"}
    assert set(zip(splits["from_group_id"], splits["day"])) <= drawn
    assert len(splits) >= 3


def test_report_on_the_shared_data_renders_every_chart_with_the_marts_numbers(shared_warehouse, chromium, tmp_path):
    _, warehouse, _ = shared_warehouse
    out = tmp_path / "index.html"
    result = run_cli("report", "--warehouse", str(warehouse), "--out", str(out))
    assert result.returncode == 0, result.stderr
    charts, errors, requests, data, notices = open_report(chromium, out, tmp_path / "shared.png")
    print(f"screenshot: {tmp_path / 'shared.png'}")
    assert_rendered(charts, errors, requests)
    # every section has data, but ACLED's aggregates: the shared layout holds no raw/acled_aggregates file
    # (tests/test_published_aggregates.py builds its own)
    assert [n for n in notices if not n.startswith("acled_aggregates_")] == []
    assert len(charts) >= 12
    assert yearly_from_page(data["trend_yearly_pakistan"]) == yearly_from_marts(warehouse, "Pakistan")

    study = read_frame(
        warehouse,
        """
        select leadership_event_id, source, rel_month, incidents from marts.decapitation_event_study
        where leadership_event_id = 'hakimullah_mehsud_killed_20131101' and violence_class = 'all'""",
    )
    page = {
        (r["source"], r["rel_month"]): r["incidents"]
        for r in data["event_study"]
        if r["leadership_event_id"] == "hakimullah_mehsud_killed_20131101"
    }
    expected = {
        (s, m): n
        for s, m, n in zip(study["source"], study["rel_month"], study["incidents"])
        if study.loc[study["source"] == s, "incidents"].sum() > 0
    }
    assert page and page == expected

    recon = read_frame(
        warehouse,
        """select source, year, incidents from marts.source_reconciliation
                                     where country = 'Pakistan' and year >= 1990
                                       and ((kind = 'event_data' and violence_class = 'all')
                                            or (kind = 'published' and is_preferred and source <> 'ACLED'))""",
    )
    page = {(r["source"], r["year"]): r["incidents"] for r in data["reconciliation_pakistan"]}
    assert page == {
        (s, y): (None if pd.isna(n) else int(n)) for s, y, n in zip(recon["source"], recon["year"], recon["incidents"])
    }
    acled = read_frame(
        warehouse,
        """select regexp_extract(definition, '^ACLED event type ([^:]+):', 1) as event_type,
                                            incidents from marts.source_reconciliation
                                     where country = 'Pakistan' and source = 'ACLED' and year = 2022""",
    )
    html_text = out.read_text()
    start = html_text.index('data-table="acled_aggregates_pakistan"')
    table = html_text[start : html_text.index("</table>", start)]
    assert len(acled) == 6
    for event_type, events in zip(acled["event_type"], acled["incidents"]):
        assert f"<td class=num>2022</td><td>{html.escape(event_type)}</td><td class=num>{int(events):,}</td>" in table


def chart_specs(page: Path) -> dict:
    text = page.read_text()
    start = text.index('id="chart-specs">') + len('id="chart-specs">')
    return json.loads(text[start : text.index("</script>", start)])


def test_every_chart_of_the_curated_and_shared_reports_is_valid_vega_lite(built_warehouse, shared_warehouse):
    """The charts are written without altair's validation (pipelines/defs/report/charts.py): every spec of the
    reports the two session builds wrote is validated here against the Vega-Lite schema altair ships."""
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema.core import load_schema

    schema = load_schema()
    for _, warehouse, _ in (built_warehouse, shared_warehouse):
        specs = chart_specs(warehouse.parent / "report" / "index.html")
        assert len(specs) >= 4, warehouse
        for chart_id, spec in specs.items():
            assert validate_jsonschema(spec, schema, raise_error=False) is None, chart_id
        # (and the check does fail on a spec that is not Vega-Lite)
        broken = {**next(iter(specs.values())), "mark": {"type": "no such mark"}}
        assert validate_jsonschema(broken, schema, raise_error=False) is not None


def test_report_command_defaults_and_errors(built_warehouse, tmp_path):
    _, warehouse, _ = built_warehouse
    copy = tmp_path / "wh" / "warehouse.duckdb"
    copy.parent.mkdir()
    copy.write_bytes(warehouse.read_bytes())
    result = run_cli("report", "--warehouse", str(copy))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "wh" / "report" / "index.html").stat().st_size > 500_000  # the JavaScript is inline

    missing = run_cli("report", "--warehouse", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 1 and "no warehouse" in missing.stderr


def test_out_that_is_a_symlink_is_replaced_not_followed(built_warehouse, tmp_path):
    _, warehouse, _ = built_warehouse
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("keep me")
    link = tmp_path / "site" / "index.html"
    link.parent.mkdir()
    link.symlink_to(outside)
    result = run_cli("report", "--warehouse", str(warehouse), "--out", str(link))
    assert result.returncode == 0, result.stderr
    assert outside.read_text() == "keep me"
    assert not link.is_symlink() and "<!DOCTYPE html>" in link.read_text()


def test_statistics_figures_show_the_marts_estimates_and_the_table_sorts_by_q(shared_warehouse, chromium, tmp_path):
    """Issue 16: the forest plot draws the quasi-Poisson interval (exact beside it), the pooled event study its
    mart's means and band, and clicking the q header sorts the policy table by q."""
    _, warehouse, _ = shared_warehouse
    out = tmp_path / "index.html"
    assert run_cli("report", "--warehouse", str(warehouse), "--out", str(out)).returncode == 0
    with Browser(chromium) as browser:
        page = browser.open(out)
        assert page.wait_until("window.reportReady") is True, page.console_errors
        forest = page.evaluate("window.reportViews['policy_rate_ratios'].data('policy_rate_ratios')")
        pooled = page.evaluate("window.reportViews['decapitation_pooled'].data('decapitation_pooled')")
        fits = page.evaluate("window.reportViews['policy_its'].data('policy_its')")
        header = (
            "Array.from(document.querySelectorAll('figure table.sortable th')).findIndex(th => th.textContent === 'q')"
        )
        column = page.evaluate(header)
        assert column >= 0
        page.evaluate(f"document.querySelectorAll('figure table.sortable th')[{column}].click()")
        q = page.evaluate(
            f"Array.from(document.querySelectorAll('figure table.sortable tbody tr'))"
            f".map(r => r.cells[{column}].dataset.value)"
        )
        assert page.console_errors == []

    mart = read_frame(
        warehouse,
        """
        select event_id, source, rr_ci_low, rr_ci_high, rr_exact_ci_low from marts.policy_outcomes
        where event_id = 'national_action_plan_2014' and scope = 'national' and window_months = 12
          and violence_class = 'all'""",
    )
    nap = {r["source"]: r for r in forest if r["policy"].startswith("National Action Plan")}
    ucdp = mart[mart["source"] == "ucdp_ged"].iloc[0]
    assert nap["ucdp_ged"]["rr_ci_low"] == pytest.approx(ucdp["rr_ci_low"])
    assert nap["ucdp_ged"]["rr_exact_ci_low"] == pytest.approx(ucdp["rr_exact_ci_low"])
    assert nap["ucdp_ged"]["rr_ci_low"] < nap["ucdp_ged"]["rr_exact_ci_low"]  # the headline one is wider

    expected = read_frame(
        warehouse,
        """select rel_month, mean_ratio, ratio_ci_low from marts.decapitation_pooled
                                        where family_scope = 'ttp' and source = 'ucdp_ged' and violence_class = 'all'
                                        order by rel_month""",
    )
    drawn = sorted(
        (r["rel_month"], r["mean_ratio"], r["ratio_ci_low"])
        for r in pooled
        if r["family_scope"] == "ttp" and r["source"] == "ucdp_ged"
    )
    assert [m for m, _, _ in drawn] == list(expected["rel_month"])
    assert [v for _, v, _ in drawn] == pytest.approx(list(expected["mean_ratio"]))
    assert {r["event_id"] for r in fits} >= {"national_action_plan_2014", "op_zarb_e_azb"}

    values = [float(v) for v in q if v is not None]
    assert len(values) > 10 and values == sorted(values)
    assert q[: len(values)] == [v for v in q if v is not None]  # blanks last
