"""Any other CSV/XLSX, loaded through a mapping file instead of code (docs/mappings.md).

``raw/mapped/<dataset>/`` holds the data files of one dataset and its ``mapping.yaml``; every data file is
one partition (``<dataset>/<file name>``). The mapping is validated here and turned into small temp tables
(``mapping_fields``, ``mapping_values``, ``mapping_drop_rules``) and variables that the fixed model
``sql/staging/mapped.sql`` reads, so parsing stays in DuckDB and a new dataset needs no code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from pipelines.defs.incidents.sources.base import SourceAdapter, SourceFileError, near_miss_hint, quote
from pipelines.engine.reader import ENCODINGS, EXCEL_SUFFIXES, read_raw_file

MAPPING_FILE = "mapping.yaml"
DATA_SUFFIXES = (".csv", *EXCEL_SUFFIXES)

# Incident fields a mapping may fill, with the kind of value each holds in staging.mapped.
FIELDS: dict[str, str] = {
    "source_event_id": "text",
    "event_type": "text",
    "event_date": "date",
    "event_end_date": "date",
    "country": "text",
    "admin1": "text",
    "admin2": "text",
    "location": "text",
    "latitude": "number",
    "longitude": "number",
    "geo_precision": "text",
    "attack_type": "text",
    "target_type": "text",
    "perpetrator_raw": "text",
    "fatalities_best": "number",
    "fatalities_low": "number",
    "fatalities_high": "number",
    "wounded": "number",
    "wounded_low": "number",
    "wounded_high": "number",
    "is_suicide": "bool",
    "is_doubtful": "bool",
}
PARSERS = {"text": "text", "int": "number", "float": "number", "int_lenient": "number", "date": "date", "bool": "bool"}
DEFAULT_PARSER = {"text": "text", "number": "float", "date": "date", "bool": "bool"}
EVENT_TYPES = ("attack", "drone_strike", "battle", "one_sided_violence", "other")
BEST_ESTIMATES = ("none", "low", "high", "midpoint")
TOP_KEYS = {
    "source_name",
    "description",
    "encoding",
    "sheet",
    "header_row",
    "required_columns",
    "id_column",
    "columns",
    "constants",
    "date_formats",
    "drop_rows",
    "null_values",
    "best_estimate",
    "perpetrators",
    "alias_system",
    "coverage",
}
COVERAGE_KEYS = {"from", "to", "countries"}
# Source systems whose curated spellings (raw/curated/group_aliases.csv) a mapped dataset may borrow.
ALIAS_SYSTEMS = ("gtd", "ucdp", "acled", "newamerica")
FIELD_KEYS = {"column", "parser", "date_formats", "on_error", "replace", "values", "unknown"}
# event_date from several columns: {year: <column>, month: ..., day: ...}; each part a header or {column, unknown}.
DATE_PARTS = ("year", "month", "day")
DATE_PART_KEYS = {"column", "unknown"}
PERPETRATOR_KEYS = {"column", "separator", "suspected_marker"}
ROW_NUMBER_ID = "_row_number"  # id_column: _row_number, the row's number in its file is its id
DROP_KEYS = {"column", "is_blank", "equals", "matches", "reason"}
RESERVED_SOURCE_NAMES = {"curated", "mapped", "gtd", "ucdp_ged", "acled", "newamerica_drones"}


class MappingError(SourceFileError):
    """A mapping file that is not valid; the message names the file and the key."""


@dataclass
class FieldSpec:
    field: str
    column: str | None = None  # source column; None for a constant
    constant: str | None = None
    parser: str = "text"
    on_error: str = "quarantine"
    date_formats: list[str] = field(default_factory=list)
    replace: list[tuple[str, str]] = field(default_factory=list)
    values: dict[str, str | None] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # codes that mean "unknown" in this column (e.g. -1, -9)


@dataclass
class DropRule:
    column: str
    kind: str  # blank / equals / matches
    value: str | None
    reason: str


@dataclass
class Mapping:
    path: Path
    source_name: str
    description: str
    encoding: str = "auto"
    sheet: str | None = None
    header_row: int | None = None  # 1-based
    required_columns: list[str] = field(default_factory=list)
    id_columns: list[str] = field(default_factory=list)
    fields: list[FieldSpec] = field(default_factory=list)
    drop_rows: list[DropRule] = field(default_factory=list)
    null_values: list[str] = field(default_factory=list)
    best_estimate: str = "none"
    # The period and countries the dataset says it covers (core.source_coverage, basis 'declared'); None = observed
    coverage_from: dt.date | None = None
    coverage_to: dt.date | None = None
    coverage_countries: list[str] = field(default_factory=list)
    row_number_id: bool = False  # id_column: _row_number
    perpetrator_separator: str = ","
    suspected_marker: str | None = None
    alias_system: str | None = None  # another source system whose aliases resolve this dataset's names

    def source_columns(self) -> list[str]:
        used = self.id_columns + [f.column for f in self.fields if f.column] + [r.column for r in self.drop_rows]
        return list(dict.fromkeys(used))


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _read_coverage(mapping: Mapping, coverage, fail) -> None:
    """coverage: {from: 1995-11-01, to: 2017-11-30, countries: [Pakistan]}: all three keys, from <= to."""
    if not isinstance(coverage, dict) or set(coverage) != COVERAGE_KEYS:
        raise fail("coverage", "must be {from: YYYY-MM-DD, to: YYYY-MM-DD, countries: [Country, ...]}")
    for key in ("from", "to"):
        value = coverage[key]
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                value = None
        if not isinstance(value, dt.date):
            raise fail(f"coverage.{key}", f"{coverage[key]!r} is not a date (YYYY-MM-DD)")
        setattr(mapping, f"coverage_{key}", value)
    if mapping.coverage_from > mapping.coverage_to:
        raise fail("coverage.to", f"{mapping.coverage_to} is before coverage.from {mapping.coverage_from}")
    countries = coverage["countries"]
    if not isinstance(countries, list) or not countries or not all(isinstance(c, str) and c for c in countries):
        raise fail("coverage.countries", "must be a non-empty list of country names, e.g. [Pakistan]")
    mapping.coverage_countries = list(countries)


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file; every error names the file and the key at fault."""

    def fail(key: str, problem: str) -> MappingError:
        return MappingError(f"{path}: key '{key}': {problem}")

    if not path.is_file():
        raise MappingError(
            f"{path}: no mapping file: every folder under raw/mapped/ needs a {MAPPING_FILE} "
            "(see docs/mappings.md and the examples in mappings/)"
        )
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(doc, dict):
        raise MappingError(f"{path}: a mapping is a YAML dictionary of keys (source_name, columns, ...)")
    unknown = sorted(set(doc) - TOP_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key (allowed: {', '.join(sorted(TOP_KEYS))})")
    for key in ("source_name", "description", "id_column", "columns"):
        if doc.get(key) in (None, "", [], {}):
            raise fail(key, "missing required key")
    source_name = str(doc["source_name"])
    if not re.fullmatch(r"[a-z][a-z0-9_]*", source_name):
        raise fail(
            "source_name", f"{source_name!r} must be lower case letters, digits and _ (it prefixes incident ids)"
        )
    if source_name in RESERVED_SOURCE_NAMES:
        raise fail("source_name", f"{source_name!r} is the name of a built-in source; choose another")
    mapping = Mapping(path=path, source_name=source_name, description=str(doc["description"]))

    mapping.encoding = str(doc.get("encoding", "auto")).lower()
    if mapping.encoding not in ENCODINGS:
        raise fail("encoding", f"{mapping.encoding!r} is not one of {', '.join(ENCODINGS)}")
    if doc.get("sheet") is not None:
        mapping.sheet = str(doc["sheet"])
    if doc.get("header_row") is not None:
        if not isinstance(doc["header_row"], int) or isinstance(doc["header_row"], bool) or doc["header_row"] < 1:
            raise fail("header_row", "must be a row number, 1 for the first row")
        mapping.header_row = doc["header_row"]
    id_column = doc["id_column"]
    if id_column == ROW_NUMBER_ID:
        mapping.row_number_id = True
    else:
        mapping.id_columns = [str(c) for c in (id_column if isinstance(id_column, list) else [id_column])]
        if ROW_NUMBER_ID in mapping.id_columns:
            raise fail("id_column", f"{ROW_NUMBER_ID} is the row's number and stands alone, not in a list")
    null_values = doc.get("null_values", [])
    if not isinstance(null_values, list):
        raise fail("null_values", "must be a list of texts that mean 'unknown'")
    mapping.null_values = [_text(v).strip().lower() for v in null_values]
    if doc.get("alias_system") is not None:
        mapping.alias_system = str(doc["alias_system"])
        if mapping.alias_system not in ALIAS_SYSTEMS:
            raise fail("alias_system", f"{mapping.alias_system!r} is not one of {', '.join(ALIAS_SYSTEMS)}")
    mapping.best_estimate = str(doc.get("best_estimate", "none"))
    if mapping.best_estimate not in BEST_ESTIMATES:
        raise fail("best_estimate", f"{mapping.best_estimate!r} is not one of {', '.join(BEST_ESTIMATES)}")

    if doc.get("coverage") is not None:
        _read_coverage(mapping, doc["coverage"], fail)

    default_formats = doc.get("date_formats", [])
    if not isinstance(default_formats, list) or not all(isinstance(f, str) for f in default_formats):
        raise fail("date_formats", "must be a list of strptime formats such as '%m/%d/%Y'")

    columns = doc["columns"]
    if not isinstance(columns, dict):
        raise fail("columns", "must map incident fields to source columns, e.g. 'event_date: Date'")
    constants = doc.get("constants") or {}
    if not isinstance(constants, dict):
        raise fail("constants", "must map incident fields to fixed values, e.g. 'country: Pakistan'")

    def unknown_codes(spec: dict, key: str) -> list[str]:
        codes = spec.get("unknown", [])
        if not isinstance(codes, list) or any(isinstance(c, (dict, list)) for c in codes):
            raise fail(f"{key}.unknown", "must be a list of codes that mean unknown, e.g. [-1, -9, -99]")
        return [_text(c).strip() for c in codes]

    columns = dict(columns)
    date_spec = columns.get("event_date")
    if isinstance(date_spec, dict) and set(date_spec) & set(DATE_PARTS):
        del columns["event_date"]
        unknown = sorted(set(date_spec) - set(DATE_PARTS))
        if unknown:
            raise fail(
                f"columns.event_date.{unknown[0]}",
                f"unknown key: a date from several columns has the keys {', '.join(DATE_PARTS)}",
            )
        if "year" not in date_spec:
            raise fail("columns.event_date.year", "missing required key (the year's column)")
        if "day" in date_spec and "month" not in date_spec:
            raise fail("columns.event_date.month", "a day without a month cannot be placed")
        for part in DATE_PARTS:
            if part not in date_spec:
                continue
            key = f"columns.event_date.{part}"
            part_spec = date_spec[part]
            part_spec = {"column": part_spec} if isinstance(part_spec, str) else part_spec
            if not isinstance(part_spec, dict) or not part_spec.get("column"):
                raise fail(f"{key}.column", "missing required key (the source column's header)")
            extra = sorted(set(part_spec) - DATE_PART_KEYS)
            if extra:
                raise fail(f"{key}.{extra[0]}", f"unknown key (allowed: {', '.join(sorted(DATE_PART_KEYS))})")
            mapping.fields.append(
                FieldSpec(
                    field=f"event_date_{part}",
                    column=str(part_spec["column"]),
                    parser="int",
                    unknown=unknown_codes(part_spec, key),
                )
            )
    perpetrators = doc.get("perpetrators")
    if perpetrators is not None:
        perpetrators = {"column": perpetrators} if isinstance(perpetrators, str) else perpetrators
        if not isinstance(perpetrators, dict) or not perpetrators.get("column"):
            raise fail("perpetrators.column", "missing required key (the column naming the perpetrators)")
        extra = sorted(set(perpetrators) - PERPETRATOR_KEYS)
        if extra:
            raise fail(f"perpetrators.{extra[0]}", f"unknown key (allowed: {', '.join(sorted(PERPETRATOR_KEYS))})")
        separator = perpetrators.get("separator", ",")
        if not isinstance(separator, str) or not separator:
            raise fail("perpetrators.separator", "must be the text between two names, e.g. ','")
        marker = perpetrators.get("suspected_marker")
        if marker is not None and (not isinstance(marker, str) or not marker.strip()):
            raise fail(
                "perpetrators.suspected_marker", "must be the text that marks a suspected group, e.g. '(suspected)'"
            )
        mapping.perpetrator_separator, mapping.suspected_marker = separator, marker
        mapping.fields.append(FieldSpec(field="perpetrators", column=str(perpetrators["column"]), parser="text"))
    for name, spec in columns.items():
        key = f"columns.{name}"
        if name not in FIELDS or name == "source_event_id":
            raise fail(
                key,
                "not an incident field (allowed: "
                f"{', '.join(f for f in FIELDS if f != 'source_event_id')}; the id comes from id_column)",
            )
        if name in constants:
            raise fail(key, "given both as a column and in constants")
        if isinstance(spec, str):
            spec = {"column": spec}
        if not isinstance(spec, dict) or not spec.get("column"):
            raise fail(f"{key}.column", "missing required key (the source column's header)")
        unknown = sorted(set(spec) - FIELD_KEYS)
        if unknown:
            raise fail(f"{key}.{unknown[0]}", f"unknown key (allowed: {', '.join(sorted(FIELD_KEYS))})")
        kind = FIELDS[name]
        parser = str(spec.get("parser", DEFAULT_PARSER[kind]))
        if parser not in PARSERS:
            raise fail(f"{key}.parser", f"unknown parser {parser!r} (parsers: {', '.join(PARSERS)})")
        if PARSERS[parser] != kind:
            raise fail(f"{key}.parser", f"parser {parser!r} does not give a {kind} for field {name}")
        on_error = str(spec.get("on_error", "quarantine")).lower()
        if on_error in ("none", "null"):
            on_error = "null"
        if on_error not in ("quarantine", "null"):
            raise fail(f"{key}.on_error", f"{on_error!r} is not 'quarantine' or 'null'")
        if name in ("event_date", "source_event_id", "event_type") and on_error == "null":
            raise fail(f"{key}.on_error", f"{name} is required, so a value that does not parse is quarantined")
        formats = spec.get("date_formats", default_formats)
        if kind == "date":
            if not isinstance(formats, list) or not formats or not all(isinstance(f, str) for f in formats):
                raise fail(
                    f"{key}.date_formats",
                    "a date field needs a list of strptime formats (here or in the top-level date_formats)",
                )
        replace = spec.get("replace", [])
        if not isinstance(replace, list) or not all(isinstance(r, dict) and "pattern" in r for r in replace):
            raise fail(f"{key}.replace", "must be a list of {pattern: <regex>, with: <text>}")
        for r in replace:
            try:
                re.compile(str(r["pattern"]))
            except re.error as exc:
                raise fail(f"{key}.replace", f"pattern {r['pattern']!r} is not a regular expression ({exc})") from exc
        values = spec.get("values", {})
        if not isinstance(values, dict):
            raise fail(f"{key}.values", "must map source values to field values")
        mapping.fields.append(
            FieldSpec(
                field=name,
                column=str(spec["column"]),
                parser=parser,
                on_error=on_error,
                date_formats=list(formats) if kind == "date" else [],
                replace=[(str(r["pattern"]), _text(r.get("with", "") or "")) for r in replace],
                values={_text(k).strip(): (None if v is None else _text(v)) for k, v in values.items()},
                unknown=unknown_codes(spec, key),
            )
        )
    for name, value in constants.items():
        key = f"constants.{name}"
        if name not in FIELDS or name == "source_event_id":
            raise fail(key, "not an incident field")
        if FIELDS[name] == "date":
            raise fail(key, "a date cannot be a constant")
        mapping.fields.append(
            FieldSpec(field=name, constant=None if value is None else _text(value), parser=DEFAULT_PARSER[FIELDS[name]])
        )
    given = {f.field: f for f in mapping.fields}
    if "event_date" not in given and "event_date_year" not in given:
        raise fail("columns.event_date", "missing required key (every incident needs a date)")
    if "event_type" not in given:
        raise fail("constants.event_type", "missing required key (event_type as a constant or a column)")
    if given["event_type"].constant is not None and given["event_type"].constant not in EVENT_TYPES:
        raise fail("constants.event_type", f"{given['event_type'].constant!r} is not one of {', '.join(EVENT_TYPES)}")

    drops = doc.get("drop_rows") or []
    if not isinstance(drops, list):
        raise fail("drop_rows", "must be a list of rules")
    for i, rule in enumerate(drops, start=1):
        key = f"drop_rows[{i}]"
        if not isinstance(rule, dict):
            raise fail(key, "a rule is a dictionary with column, one of is_blank/equals/matches, and reason")
        unknown = sorted(set(rule) - DROP_KEYS)
        if unknown:
            raise fail(f"{key}.{unknown[0]}", f"unknown key (allowed: {', '.join(sorted(DROP_KEYS))})")
        for required in ("column", "reason"):
            if not rule.get(required):
                raise fail(f"{key}.{required}", "missing required key")
        kinds = [k for k in ("is_blank", "equals", "matches") if k in rule]
        if len(kinds) != 1:
            raise fail(key, "needs exactly one condition: is_blank, equals or matches")
        kind = kinds[0]
        if kind == "is_blank" and rule[kind] is not True:
            raise fail(f"{key}.is_blank", "write 'is_blank: true'")
        if kind == "matches":
            try:
                re.compile(str(rule[kind]))
            except re.error as exc:
                raise fail(f"{key}.matches", f"not a regular expression ({exc})") from exc
        mapping.drop_rows.append(
            DropRule(
                str(rule["column"]),
                {"is_blank": "blank"}.get(kind, kind),
                None if kind == "is_blank" else _text(rule[kind]),
                str(rule["reason"]),
            )
        )

    required = doc.get("required_columns")
    if required is None:
        mapping.required_columns = mapping.source_columns()
    elif not isinstance(required, list):
        raise fail("required_columns", "must be a list of column headers")
    else:
        mapping.required_columns = [str(c) for c in required]
    return mapping


def _resolve_header(mapping: Mapping, header: list[str], path: Path) -> dict[str, str]:
    """The file's header for each column the mapping names (exact, else equal after trimming spaces)."""
    trimmed = {}
    for h in header:
        trimmed.setdefault(h.strip(), h)
    resolved, missing = {}, []
    for column in dict.fromkeys(mapping.source_columns() + mapping.required_columns):
        actual = column if column in header else trimmed.get(column.strip())
        if actual is None:
            if column in mapping.required_columns or column in mapping.id_columns:
                missing.append(column)
            continue
        resolved[column] = actual
    if missing:
        raise SourceFileError(
            f"{path}: missing required column(s) {', '.join(missing)} named in "
            f"{mapping.path} (the file has: {', '.join(header)})"
            + near_miss_hint(missing, header).replace(
                "(rename the header in the file, or load it as a mapped dataset, docs/mappings.md)",
                "(correct the mapping or the header)",
            )
        )
    return resolved


def install_mapping(
    con: duckdb.DuckDBPyConnection,
    mapping: Mapping | None,
    dataset: str,
    header: dict[str, str] | None = None,
    file_name: str = "",
) -> None:
    """The mapping as temp tables and variables for sql/staging/mapped.sql (empty when mapping is None)."""
    header = header or {}
    fields, values = [], []
    if mapping is not None:
        for order, column in enumerate(mapping.id_columns):
            fields.append(
                (
                    "source_event_id",
                    -len(mapping.id_columns) + order,
                    header[column],
                    None,
                    "text",
                    "quarantine",
                    [],
                    [],
                )
            )
        for order, spec in enumerate(mapping.fields):
            column = header.get(spec.column) if spec.column else None
            if spec.column and column is None:
                continue  # an optional column this file does not have: the field stays NULL
            fields.append(
                (
                    spec.field,
                    order,
                    column,
                    spec.constant,
                    spec.parser,
                    spec.on_error,
                    [{"pattern": p, "replacement": w} for p, w in spec.replace],
                    spec.unknown,
                )
            )
            values += [(spec.field, k, v) for k, v in spec.values.items()]
    con.execute(
        "create or replace temp table mapping_fields (field varchar, field_order integer, "
        "source_column varchar, constant varchar, parser varchar, on_error varchar, "
        "replacements struct(pattern varchar, replacement varchar)[], unknown varchar[])"
    )
    if fields:
        con.executemany("insert into mapping_fields values (?, ?, ?, ?, ?, ?, ?, ?)", fields)
    con.execute(
        "create or replace temp table mapping_values (field varchar, source_value varchar, field_value varchar)"
    )
    if values:
        con.executemany("insert into mapping_values values (?, ?, ?)", values)
    con.execute(
        "create or replace temp table mapping_drop_rules (rule_order integer, source_column varchar, "
        "kind varchar, value varchar, reason varchar)"
    )
    rules = (
        [(i, header.get(r.column, r.column), r.kind, r.value, r.reason) for i, r in enumerate(mapping.drop_rows)]
        if mapping
        else []
    )
    if rules:
        con.executemany("insert into mapping_drop_rules values (?, ?, ?, ?, ?)", rules)
    # strptime formats must be constants in DuckDB: one variable per date field (all formats in order),
    # plus the subsets with a day and with a month, which say the precision of the format that matched.
    specs = {s.field: s for s in mapping.fields} if mapping else {}
    for name in ("event_date", "event_end_date"):
        formats = specs[name].date_formats if name in specs else []
        day = [f for f in formats if re.search(r"%[dje]", f)]
        month = [f for f in formats if re.search(r"%[mbBh]", f)]
        for suffix, subset in (("formats", formats), ("day_formats", day), ("month_formats", month)):
            con.execute(f"set variable mapped_{name}_{suffix} = ?::varchar[]", [subset or ["%%never%%"]])
    con.execute("set variable mapped_source_name = ?", [mapping.source_name if mapping else ""])
    con.execute("set variable mapped_dataset = ?", [dataset])
    con.execute("set variable mapped_best_estimate = ?", [mapping.best_estimate if mapping else "none"])
    con.execute("set variable mapped_coverage_from = ?::date", [mapping.coverage_from if mapping else None])
    con.execute("set variable mapped_coverage_to = ?::date", [mapping.coverage_to if mapping else None])
    con.execute(
        "set variable mapped_coverage_countries = ?::varchar[]",
        [mapping.coverage_countries if mapping and mapping.coverage_countries else None],
    )
    con.execute("set variable mapped_alias_system = ?", [mapping.alias_system if mapping else None])
    con.execute("set variable mapped_null_values = ?::varchar[]", [mapping.null_values if mapping else []])
    con.execute(
        "set variable mapped_id_columns = ?",
        [(ROW_NUMBER_ID if mapping.row_number_id else " + ".join(mapping.id_columns)) if mapping else ""],
    )
    # id_column: _row_number: '<file name without extension>#<row>' (two files of a dataset never share an id)
    con.execute(
        "set variable mapped_row_id_prefix = ?",
        [f"{Path(file_name).stem}#" if mapping and mapping.row_number_id else None],
    )
    con.execute("set variable mapped_perpetrator_separator = ?", [mapping.perpetrator_separator if mapping else ","])
    con.execute(
        "set variable mapped_suspected_marker = ?",
        [re.escape(mapping.suspected_marker.strip()) if mapping and mapping.suspected_marker else None],
    )


class MappedAdapter(SourceAdapter):
    def files(self, raw_dir: Path) -> list[Path]:
        """Every data file one level down (raw/mapped/<dataset>/<file>); mapping.yaml is not data."""
        folder = self.folder(raw_dir)
        if not folder.is_dir():
            return []
        return sorted(
            p
            for d in folder.iterdir()
            if d.is_dir() and not d.name.startswith(".")
            for p in d.iterdir()
            if p.is_file() and p.suffix.lower() in DATA_SUFFIXES and not p.name.startswith((".", "~$"))
        )

    def partition_key(self, path: Path, raw_dir: Path) -> str:
        return f"{path.parent.name}/{path.name}"

    def read_raw(self, con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
        mapping = load_mapping(path.parent / MAPPING_FILE)
        header = read_raw_file(
            con,
            path,
            encoding=mapping.encoding,
            encoding_declared_in=mapping.path,
            header_row=mapping.header_row,
            sheet=mapping.sheet,
            required=tuple(mapping.required_columns),
        )
        install_mapping(con, mapping, path.parent.name, _resolve_header(mapping, header, path), path.name)
        return header

    def extra_columns(self, con: duckdb.DuckDBPyConnection, header: list[str]) -> list[str]:
        used = {
            r[0]
            for r in con.execute(
                "select source_column from mapping_fields union select source_column from mapping_drop_rules"
            ).fetchall()
        }
        return [c for c in header if c not in used]

    @property
    def alias_system_sql(self) -> str:
        # Each dataset resolves through its own system 'mapped:<source_name>' (sql/macros/group_of.sql).
        return MAPPED_SYSTEM_SQL

    def ensure_staging_table(self, con: duckdb.DuckDBPyConnection) -> None:
        install_mapping(con, None, "")
        con.execute(
            "create or replace temp table raw_rows as select 0::bigint as _row_number, "
            "null::varchar as column_1 limit 0"
        )
        self._ensure_model_staging_table(con)


# The alias system of a conformed row of a mapped dataset (its incident_id is '<source_name>:<id>').
MAPPED_SYSTEM_SQL = "'mapped:' || split_part(incident_id, ':', 1)"

ADAPTER = MappedAdapter(
    name="mapped",
    description="mapped CSV/XLSX (raw/mapped/<dataset>/ with a mapping.yaml)",
    # Each dataset resolves names through its own source_name's aliases, then its alias_system's, then
    # 'mapped' and the curated names (alias_system_sql: resolution per row's system, sql/macros/group_of.sql).
    source_system="mapped",
    required_columns=(),
    patterns=("*/*.csv", "*/*.xlsx", "*/*.xlsm"),
    # Several files of one source_name may be versions of one dataset: the conform model keeps, per event,
    # the row of the last file, so every change re-conforms the whole source.
    conform_whole_source=True,
)

__all__ = ["ADAPTER", "MappingError", "load_mapping", "quote"]
