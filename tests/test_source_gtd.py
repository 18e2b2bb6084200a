"""GTD ingestion on the real extract, checked against an independent pandas reading of the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import copy_built, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

GTD_FILE = "gtd/gtd_0814_extract_31col.csv"


@pytest.fixture(scope="module")
def gtd_frame(shared_data):
    return pd.read_csv(shared_data / GTD_FILE, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def gtd_warehouse(shared_warehouse):
    # The session's build of every shared dataset holds this GTD extract as its only GTD file. Every assertion
    # below is about GTD rows (source = 'gtd', its file, its perpetrators), so the other sources beside it change
    # nothing; the build of GTD files alone is tests/test_incremental_build.py's.
    raw, warehouse, _ = shared_warehouse
    assert [p.name for p in (raw / "gtd").iterdir()] == [Path(GTD_FILE).name]
    return raw, warehouse


def number(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.replace("", None))


def test_every_row_is_read_and_accounted(gtd_frame, gtd_warehouse):
    _, warehouse = gtd_warehouse
    ((read, loaded, quarantined),) = read_table(
        warehouse, "select rows_read, rows_loaded, rows_quarantined from dq.file_loads where source = 'gtd'"
    )
    assert read == len(gtd_frame) == 125_087
    assert read == loaded + quarantined
    (in_core,) = read_table(warehouse, "select count(*) from core.incidents where source = 'gtd'")[0]
    assert in_core == loaded


def test_pakistan_yearly_counts_and_fatalities_match(gtd_frame, gtd_warehouse):
    _, warehouse = gtd_warehouse
    pak = gtd_frame[gtd_frame["country_txt"] == "Pakistan"]
    expected = (
        pak.assign(nkill=number(pak["nkill"]))
        .groupby(pak["iyear"].astype(int))
        .agg(incidents=("eventid", "size"), killed=("nkill", "sum"), unknown=("nkill", lambda s: s.isna().sum()))
    )
    rows = read_table(
        warehouse,
        """
        select year(event_date), count(*), coalesce(sum(fatalities_best), 0),
               count(*) filter (where fatalities_best is null)
        from core.incidents where source = 'gtd' and country = 'Pakistan' group by 1 order by 1""",
    )
    actual = pd.DataFrame(rows, columns=["year", "incidents", "killed", "unknown"]).set_index("year")
    assert actual["incidents"].to_dict() == expected["incidents"].to_dict()
    assert actual["killed"].round(6).to_dict() == expected["killed"].round(6).to_dict()
    assert actual["unknown"].to_dict() == expected["unknown"].to_dict()
    assert int(expected["unknown"].sum()) == 142  # the blank nkill values of Pakistan: unknown, not 0


def test_unknown_months_and_days_keep_their_precision(gtd_frame, gtd_warehouse):
    _, warehouse = gtd_warehouse
    month_unknown = (number(gtd_frame["imonth"]) <= 0).sum()
    day_unknown = ((number(gtd_frame["imonth"]) > 0) & (number(gtd_frame["iday"]) <= 0)).sum()
    counts = dict(
        read_table(warehouse, "select date_precision, count(*) from core.incidents where source = 'gtd' group by 1")
    )
    assert counts["year"] == month_unknown
    assert counts["month"] == day_unknown
    first_days = read_table(
        warehouse,
        "select count(*) from core.incidents where source = 'gtd' and "
        "date_precision = 'year' and strftime(event_date, '%m-%d') <> '01-01'",
    )
    assert first_days == [(0,)]


def test_doubtful_and_ranges(gtd_frame, gtd_warehouse):
    _, warehouse = gtd_warehouse
    doubt = number(gtd_frame["doubtterr"])
    rows = dict(
        read_table(
            warehouse,
            "select coalesce(is_doubtful::varchar, 'unknown'), count(*) "
            "from core.incidents where source = 'gtd' group by 1",
        )
    )
    assert rows["true"] == (doubt == 1).sum()
    assert rows["unknown"] == (doubt == -9).sum()
    assert read_table(
        warehouse,
        "select count(*) from core.incidents where source = 'gtd' and "
        "(fatalities_low is distinct from fatalities_best or "
        "fatalities_high is distinct from fatalities_best)",
    ) == [(0,)]


def test_labels_from_the_codebook_and_every_perpetrator(gtd_frame, gtd_warehouse):
    _, warehouse = gtd_warehouse
    bombings = (number(gtd_frame["attacktype1"]) == 3).sum()
    (labelled,) = read_table(
        warehouse, "select count(*) from core.incidents where source = 'gtd' and attack_type = 'Bombing/Explosion'"
    )[0]
    assert labelled == bombings
    roles = dict(
        read_table(
            warehouse, "select role, count(*) from core.incident_perpetrators where incident_id like 'gtd:%' group by 1"
        )
    )
    assert roles["secondary"] == (gtd_frame["gname2"] != "").sum()
    assert roles["tertiary"] == (gtd_frame["gname3"] != "").sum()


def test_groups_resolve_and_unknown_is_not_a_group(gtd_frame, gtd_warehouse):
    _, warehouse = gtd_warehouse
    ttp = (gtd_frame["gname"] == "Tehrik-i-Taliban Pakistan (TTP)").sum()
    (resolved,) = read_table(
        warehouse,
        "select count(*) from core.incidents where source = 'gtd' "
        "and perpetrator_raw = 'Tehrik-i-Taliban Pakistan (TTP)' and group_id = 'ttp'",
    )[0]
    assert resolved == ttp
    assert read_table(
        warehouse, "select count(*) from core.incidents where perpetrator_raw = 'Unknown' and group_id is not null"
    ) == [(0,)]
    unknown = read_table(
        warehouse,
        "select is_not_a_group, incidents from dq.unresolved_groups "
        "where source = 'gtd' and perpetrator_raw = 'Unknown'",
    )
    assert unknown and unknown[0][0] is True
    assert unknown[0][1] == (gtd_frame[["gname", "gname2", "gname3"]] == "Unknown").any(axis=1).sum()


def test_frequent_perpetrators_are_resolved_or_classed(gtd_warehouse):
    _, warehouse = gtd_warehouse
    left = read_table(
        warehouse,
        "select perpetrator_raw, incidents_pak_afg from dq.unresolved_groups "
        "where source = 'gtd' and incidents_pak_afg >= 20 and not is_not_a_group",
    )
    assert left == []


def test_provinces_are_conformed(gtd_warehouse):
    _, warehouse = gtd_warehouse
    # The extract has no provstate column: admin1 is unknown (NULL), not guessed.
    assert read_table(warehouse, "select count(*) from core.incidents where source = 'gtd' and admin1 is not null") == [
        (0,)
    ]


def write_subset(frame: pd.DataFrame, path) -> None:
    frame.to_csv(path, index=False)


def test_changed_removed_and_unchanged_files(gtd_frame, built_warehouse, tmp_path):
    raw, warehouse = copy_built(built_warehouse, tmp_path)  # the curated data's warehouse; GTD files added
    (raw / "gtd").mkdir()
    pak = gtd_frame[gtd_frame["country_txt"] == "Pakistan"].head(100).copy()
    write_subset(pak, raw / "gtd" / "part.csv")
    write_subset(gtd_frame[gtd_frame["country_txt"] == "Afghanistan"].head(50), raw / "gtd" / "other.csv")
    assert run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse)).returncode == 0
    ids = read_table(warehouse, "select incident_id from core.incidents where source = 'gtd' order by 1")
    assert len(ids) == 150

    again = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert again.returncode == 0 and "0 raw file(s) new or changed" in again.stdout
    assert read_table(warehouse, "select incident_id from core.incidents where source = 'gtd' order by 1") == ids

    changed = pak.iloc[10:].copy()
    changed.iloc[0, changed.columns.get_loc("nkill")] = "77.0"
    write_subset(changed, raw / "gtd" / "part.csv")
    assert run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse)).returncode == 0
    assert read_table(warehouse, "select count(*) from core.incidents where source_file = 'gtd/part.csv'") == [(90,)]
    assert read_table(
        warehouse,
        "select fatalities_best from core.incidents where incident_id = ?".replace(
            "?", f"'gtd:{changed.iloc[0]['eventid']}'"
        ),
    ) == [(77.0,)]
    assert read_table(warehouse, "select count(*) from core.incidents where source_file = 'gtd/other.csv'") == [(50,)]

    (raw / "gtd" / "other.csv").unlink()
    assert run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse)).returncode == 0
    assert read_table(warehouse, "select count(*) from core.incidents where source_file = 'gtd/other.csv'") == [(0,)]
    assert read_table(
        warehouse, "select count(*) from dq.file_loads where source_file = 'gtd/other.csv' and is_current"
    ) == [(0,)]


def test_unreadable_file_fails_alone_and_names_the_problem(gtd_frame, built_warehouse, tmp_path):
    raw, warehouse = copy_built(built_warehouse, tmp_path)  # the curated data's warehouse; GTD files added
    (raw / "gtd").mkdir()
    write_subset(gtd_frame.head(20), raw / "gtd" / "good.csv")
    write_subset(gtd_frame.head(5).drop(columns=["gname"]), raw / "gtd" / "bad.csv")
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode != 0
    assert "bad.csv" in result.stdout and "gname" in result.stdout
    assert read_table(warehouse, "select count(*) from core.incidents where source_file = 'gtd/good.csv'") == [(20,)]


def test_untypeable_rows_are_quarantined_with_reasons(gtd_frame, built_warehouse, tmp_path):
    raw, warehouse = copy_built(built_warehouse, tmp_path)  # the curated data's warehouse; GTD files added
    (raw / "gtd").mkdir()
    rows = gtd_frame.head(6).copy()
    rows.loc[rows.index[1], "nkill"] = "40+"
    rows.loc[rows.index[2], ["imonth", "iday"]] = ["2", "31"]
    rows.loc[rows.index[3], "eventid"] = ""
    rows.loc[rows.index[4], "nwound"] = "?1.45"
    write_subset(rows, raw / "gtd" / "dirty.csv")
    assert run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse)).returncode == 0
    quarantine = read_table(
        warehouse,
        "select row_number, column_name, reason, raw_values from dq.quarantine "
        "where source = 'gtd' order by row_number",
    )
    assert [(r[0], r[1]) for r in quarantine] == [(2, "nkill"), (3, "iday"), (4, "eventid"), (5, "nwound")]
    assert "40+" in quarantine[0][2] and "impossible date" in quarantine[1][2] and "?1.45" in quarantine[3][2]
    assert '"nkill":"40+"' in quarantine[0][3].replace(" ", "")  # the raw values, as published
    assert read_table(
        warehouse, "select rows_read, rows_loaded, rows_quarantined from dq.file_loads where source = 'gtd'"
    ) == [(6, 2, 4)]
