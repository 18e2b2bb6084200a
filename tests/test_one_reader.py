"""One reader and one accounting writer (issue 15): every raw file is read by pipelines/engine/reader.py and
every file version is recorded by accounting.record_file_load. The reader keeps what each old reader handled;
each test below writes a small file with one such quirk and checks what the reader makes of it."""

from __future__ import annotations

import codecs
import inspect
import json
import re
from pathlib import Path

import duckdb
import pytest

from pipelines.defs.reference import curated
from pipelines.engine import accounting
from pipelines.engine.reader import RawFileError, number_raw_rows, read_raw_file
from tests.conftest import PROJECT_ROOT

PIPELINES = PROJECT_ROOT / "pipelines"
READER = "pipelines/engine/reader.py"
CSV_READING = re.compile(r"read_csv|csv\.reader|csv\.DictReader|csv\.Sniffer|load_workbook")


def python_files() -> dict[str, str]:
    return {p.relative_to(PROJECT_ROOT).as_posix(): p.read_text(encoding="utf-8") for p in PIPELINES.rglob("*.py")}


def test_a_single_csv_reading_function_in_pipelines():
    readers = {path: CSV_READING.findall(text) for path, text in python_files().items() if CSV_READING.search(text)}
    assert set(readers) == {READER}, f"raw files read outside the one reader: {sorted(set(readers) - {READER})}"
    text = (PROJECT_ROOT / READER).read_text(encoding="utf-8")
    # one DuckDB CSV scan (in _read_csv) and one workbook open: the only places bytes of a raw file are parsed
    assert text.count("from read_csv(") == 1 and text.count("load_workbook(") == 1


def test_a_single_accounting_writer():
    writes = re.compile(
        r"insert into dq\.(file_loads|quarantine)|update dq\.file_loads|delete from dq\.(file_loads|quarantine)", re.I
    )
    writers = {path for path, text in python_files().items() if writes.search(text)}
    assert writers == {"pipelines/engine/accounting.py"}
    # in accounting.py the inserts are in record_file_load only (forget_file only retires versions)
    inserts = re.compile(r"insert into dq\.(file_loads|quarantine)", re.I)
    assert len(inserts.findall(inspect.getsource(accounting.record_file_load))) == len(
        inserts.findall((PIPELINES / "engine" / "accounting.py").read_text(encoding="utf-8"))
    )


@pytest.fixture()
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def rows(con) -> list[tuple]:
    return con.execute("select * from raw_rows order by _row_number").fetchall()


def rejects(con) -> list[tuple]:
    return con.execute("select row_number, column_name, reason, raw_values from raw_rejects order by 1").fetchall()


def read(con, path: Path, **options) -> list[str]:
    header = read_raw_file(con, path, **options)
    number_raw_rows(con)
    return header


def test_utf8_bom_does_not_stick_to_the_first_header(con, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"id,name\n1,Quetta\n")
    assert read(con, path) == ["id", "name"]
    assert rows(con) == [(1, "1", "Quetta")]


def test_utf16_with_bom_and_cp1252_are_decoded(con, tmp_path):
    utf16 = tmp_path / "excel.csv"
    utf16.write_bytes("id,city\n1,Dera Isma\u00efl Khan\n".encode("utf-16"))
    assert read(con, utf16) == ["id", "city"] and rows(con) == [(1, "1", "Dera Isma\u00efl Khan")]
    windows = tmp_path / "windows.csv"
    windows.write_bytes("id,note\n1,\u201cTTP\u201d claimed it \u2013 police\n".encode("cp1252"))
    read(con, windows)
    assert rows(con) == [(1, "1", "\u201cTTP\u201d claimed it \u2013 police")]  # not C1 control characters


def test_a_declared_encoding_that_does_not_decode_names_who_declared_it(con, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("id,city\n1,Pe\u015fawar\u00e9\n".encode("cp1252", errors="replace"))
    mapping = tmp_path / "mapping.yaml"
    with pytest.raises(RawFileError, match=rf"latin\.csv: not utf-8 as {re.escape(str(mapping))} says"):
        read_raw_file(con, path, encoding="utf-8", encoding_declared_in=mapping)


def test_quoted_commas_newlines_and_quotes_stay_in_their_cell(con, tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('id,note\n1,"Bannu, Lakki Marwat\nand Karak"\n2,"the ""Punjabi Taliban"""\n', encoding="utf-8")
    read(con, path)
    assert rows(con) == [(1, "1", "Bannu, Lakki Marwat\nand Karak"), (2, "2", 'the "Punjabi Taliban"')]


def test_headers_are_trimmed_and_a_repeated_header_gets_a_suffix(con, tmp_path):
    path = tmp_path / "headers.csv"
    path.write_text(" eventid ,gname,gname\n7,TTP,LeJ\n", encoding="utf-8")
    assert read(con, path) == ["eventid", "gname", "gname_1"]


def test_an_empty_cell_is_null_and_the_text_null_is_text(con, tmp_path):
    path = tmp_path / "nulls.csv"
    path.write_text("id,group\n1,\n2,NULL\n", encoding="utf-8")
    read(con, path)
    assert rows(con) == [(1, "1", None), (2, "2", "NULL")]


def test_a_short_line_is_a_reject_with_its_line_and_first_missing_column(con, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("id,city,killed\n1,Quetta,3\n2,Swat\n3,Kurram,0\n", encoding="utf-8")
    read(con, path)
    assert rows(con) == [(1, "1", "Quetta", "3"), (3, "3", "Kurram", "0")]  # its place in the file, after the reject
    ((line, column, reason, raw),) = rejects(con)
    assert (line, column) == (3, "killed") and reason.startswith("MISSING COLUMNS")  # the header is line 1
    assert json.loads(raw) == {"line": "2,Swat"}


def test_strict_refuses_a_long_line_lenient_keeps_its_first_fields(con, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("id,name\n1,TTP,extra\n2,JuA\n", encoding="utf-8")
    read(con, path)
    assert rows(con) == [(2, "2", "JuA")] and rejects(con)[0][:2] == (2, None)
    read(con, path, strict=False)
    assert rows(con) == [(1, "1", "TTP"), (2, "2", "JuA")] and rejects(con) == []


def test_header_row_skips_the_lines_above_the_header(con, tmp_path):
    path = tmp_path / "preamble.csv"
    path.write_text("Suicide attacks in Pakistan\nexported 2017-11-20\nS#,City\n1,Quetta\n", encoding="utf-8")
    assert read(con, path, header_row=3) == ["S#", "City"]
    assert rows(con) == [(1, "1", "Quetta")]


def test_mixed_line_endings_are_read_line_by_line(con, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(b'id,note\r\n1,"two\r\nlines"\r\n2,b\n3,c\r\n')
    read(con, path)
    assert [r[1] for r in rows(con)] == ["1", "2", "3"] and rejects(con) == []
    assert rows(con)[0][2].splitlines() == ["two", "lines"]


def test_an_empty_file_is_refused_with_what_is_wrong(con, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(RawFileError, match="the file is empty \\(0 bytes\\), not even a header"):
        read_raw_file(con, path)


def test_rows_dropped_before_numbering_are_not_counted(con, tmp_path):
    path = tmp_path / "hxl.csv"
    path.write_text("id,year\n#id,#date+year\n11,2009\n12,2010\n", encoding="utf-8")
    read_raw_file(con, path)
    con.execute("delete from raw_rows where starts_with(id, '#')")
    number_raw_rows(con, ["best"])
    assert rows(con) == [(1, "11", "2009", None), (2, "12", "2010", None)]


def test_a_workbook_sheet_is_found_by_its_required_columns(con, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["Read me first"])
    sheet = workbook.create_sheet("Data")
    sheet.append(["Compiled by hand"])
    sheet.append(["S#", "Date", "Killed", "Killed"])
    sheet.append([1, "2009-10-09", 41.0, None])
    sheet.append([None, None, None, None])
    sheet.append([2, "2009-10-16", 3.5, 2])
    path = tmp_path / "attacks.xlsx"
    workbook.save(path)
    assert read(con, path, required=("S#", "Killed")) == ["S#", "Date", "Killed", "Killed_1"]
    assert rows(con) == [(1, "1", "2009-10-09", "41", None), (2, "2", "2009-10-16", "3.5", "2")]
    assert rejects(con) == []
    with pytest.raises(RawFileError, match="no sheet named 'Summary'"):
        read_raw_file(con, path, sheet="Summary")


def test_curated_rows_keep_their_row_numbers_around_unreadable_and_blank_rows(con, tmp_path):
    """The curated loader used Python's csv reader for exact positions: through the one reader, a quarantined
    row still names its row in the file (the header is row 0) and its column."""
    table = curated.TABLES_BY_NAME["violence_classes"]
    folder = tmp_path / "raw" / "curated"
    folder.mkdir(parents=True)
    path = folder / "violence_classes.csv"
    header = ",".join(table.column_names)
    path.write_bytes(
        "\r\n".join(
            [
                header,
                "gtd,Bombing/Explosion,non_state_attack,attacktype1 = 3,GTD codebook,https://start.umd.edu",
                "gtd,Armed Assault,non_state_attack",
                "gtd,Hijacking,not_a_class,attacktype1 = 4,GTD codebook,https://start.umd.edu",
                ",,,,,",
                'gtd,Assassination,non_state_attack,"attacktype1 = 1\nby name",GTD codebook,https://start.umd.edu\n',
            ]
        ).encode()
    )
    load, good = curated.read_curated_file(con, table, path, tmp_path / "raw")
    assert [(row["source_row"], row["source_category"]) for row in good] == [
        ("1", "Bombing/Explosion"),
        ("5", "Assassination"),
    ]
    quarantined = [(q.row_number, q.column_name, q.reason.split(":")[0]) for q in load.quarantined]
    assert quarantined == [
        (2, "rule", "MISSING COLUMNS"),
        (3, "violence_class", "violence_class 'not_a_class' is not one of " + ", ".join(curated.VIOLENCE_CLASSES)),
        (4, None, "blank row"),
    ]
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (5, 2, 3)
    assert load.source_file == "curated/violence_classes.csv"


def test_a_curated_file_that_is_not_utf8_is_refused(con, tmp_path):
    table = curated.TABLES_BY_NAME["violence_classes"]
    path = tmp_path / "violence_classes.csv"
    path.write_bytes((",".join(table.column_names) + "\ngtd,Caf\u00e9,non_state_attack,r,s,u\n").encode("cp1252"))
    with pytest.raises(RawFileError, match="violence_classes.csv: not utf-8"):
        curated.read_curated_file(con, table, path, tmp_path)


def test_rows_read_inside_a_transaction_are_numbered_from_one(con, tmp_path):
    # Loaders read inside their transaction, where DuckDB numbers new rows from MAX_ROW_ID, not 0; a removed
    # row (an HXL hashtag row) makes the rows be renumbered.
    path = tmp_path / "t.csv"
    path.write_text("id,kind\n#id,#kind\n1,a\n2,b\n")
    con.execute("begin")
    read_raw_file(con, path)
    con.execute("delete from raw_rows where id = '#id'")
    number_raw_rows(con)
    assert rows(con) == [(1, "1", "a"), (2, "2", "b")]
    con.execute("rollback")
    con.execute("begin")
    read(con, path)
    assert [r[0] for r in rows(con)] == [1, 2, 3]
    con.execute("commit")


def test_rows_after_a_rejected_or_an_empty_line_keep_their_place_in_the_file(con, tmp_path):
    # DuckDB leaves rejected lines and empty lines out of what it reads: a row's number must still be its place
    # among the file's data rows (the header is row 0), as every loader quarantines and identifies rows by it.
    path = tmp_path / "gaps.csv"
    path.write_text('id,place\n1,Quetta\n2,Peshawar,extra\n\n4,"Bannu\n\nDistrict"\n5,Swat\n')
    read(con, path)
    lines = path.read_text().split("\n")
    assert rows(con) == [(1, "1", "Quetta"), (4, "4", "Bannu\n\nDistrict"), (5, "5", "Swat")]
    assert [r[0] for r in rejects(con)] == [lines.index("2,Peshawar,extra") + 1]  # its line (the header is line 1)
    assert con.execute("select row_number from raw_blank_rows").fetchall() == [(3,)]


def test_an_empty_line_in_a_curated_file_is_a_quarantined_blank_row(con, tmp_path):
    table = curated.TABLES_BY_NAME["violence_classes"]
    folder = tmp_path / "raw" / "curated"
    folder.mkdir(parents=True)
    path = folder / "violence_classes.csv"
    good = "gtd,Bombing/Explosion,non_state_attack,attacktype1 = 3,GTD codebook,https://start.umd.edu"
    bad = "gtd,Hijacking,not_a_class,attacktype1 = 4,GTD codebook,https://start.umd.edu"
    path.write_text("\n".join([",".join(table.column_names), good, "", bad]) + "\n")
    load, kept = curated.read_curated_file(con, table, path, tmp_path / "raw")
    assert [row["source_row"] for row in kept] == ["1"]
    assert [(q.row_number, q.reason.split(" '")[0]) for q in load.quarantined] == [
        (2, "blank row"),
        (3, "violence_class"),
    ]
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (3, 1, 2)
