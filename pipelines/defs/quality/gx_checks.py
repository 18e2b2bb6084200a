"""Great Expectations suites from ``expectations/<schema>.<table>.json`` as Dagster asset checks.

GX's SQL datasource fails on DuckDB (GX issues #10738, #11579), so each suite runs on pandas batches
pulled from DuckDB: one source file at a time, at most BATCH_VECTORS DuckDB vectors (about 200,000 rows)
per batch, and only the columns the suite names, so memory stays bounded whatever the table's size.
Each expectation carries GX's own ``severity``: ``critical`` expectations form the suite's blocking
ERROR check (``gx_errors``), the ``warning``/``info`` ones its WARN check (``gx_warnings``).
``import great_expectations`` costs seconds, so it happens inside the checks, never at definition load.

Results are cached per source file in ``meta.gx_results`` (``validate_cached``): a check fingerprints
every file of its table in one grouped DuckDB scan over the columns the suite reads, and runs GX only on
the files whose fingerprint, or whose expectations, changed since they were last validated. When every
file is cached, GX is not even imported. Only row-wise expectations (CACHEABLE_EXPECTATIONS) are cached.
"""

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

import dagster as dg

from pipelines.defs.quality.checks import CheckDefinition, check_result, staging_check_deps
from pipelines.engine.config import EXPECTATIONS_DIR
from pipelines.engine.warehouse import transaction

BATCH_VECTORS = 100  # DuckDB hands out 2,048-row vectors: about 200,000 rows per batch
SAMPLE_SIZE = 20
ERROR_SEVERITIES = {"critical"}
COLUMN_KWARGS = ("column", "column_A", "column_B")

# Expectations whose verdict on a row depends on that row alone: their result over a table is the
# combination of their results over its files (unexpected counts add up, success is the AND), so a
# file's result can be cached under a fingerprint of that file's rows. Anything else (uniqueness, row
# counts, means, min/max, increasing values, column types inferred by pandas, ...) looks across rows;
# those are never cached and run over every file at every validation. No suite uses one today (rules
# across rows are SQL checks, expectations/README.md); note that, like every expectation here, they run
# batch by batch, so a table-wide GX rule would not see the whole table even without the cache. (A
# ``mostly`` is likewise judged per batch, as before the cache: a file's batches are the same either way.)
CACHEABLE_EXPECTATIONS = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_match_regex_list",
        "expect_column_values_to_not_match_regex_list",
        "expect_column_values_to_match_like_pattern",
        "expect_column_values_to_not_match_like_pattern",
        "expect_column_values_to_match_strftime_format",
        "expect_column_values_to_be_dateutil_parseable",
        "expect_column_values_to_be_json_parseable",
        "expect_column_values_to_match_json_schema",
        "expect_column_value_lengths_to_be_between",
        "expect_column_value_lengths_to_equal",
        "expect_column_pair_values_to_be_equal",
        "expect_column_pair_values_to_be_in_set",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_select_column_values_to_be_unique_within_record",
        "expect_multicolumn_sum_to_equal",
    }
)
# Part of every cache key: bump it when the shape or meaning of a cached per-file result changes.
CACHE_FORMAT = 1


@dataclass(frozen=True)
class Suite:
    schema: str
    table: str
    path: Path
    definition: dict

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey([self.schema, self.table])

    @property
    def id_column(self) -> str | None:
        return self.definition.get("meta", {}).get("id_column")

    def expectations(self, severity: str) -> list[dict]:
        def is_error(e: dict) -> bool:
            return e.get("severity", "critical") in ERROR_SEVERITIES

        return [e for e in self.definition["expectations"] if is_error(e) == (severity == "ERROR")]

    def columns(self, expectations: list[dict]) -> list[str]:
        names: dict[str, None] = {}
        for expectation in expectations:
            kwargs = expectation.get("kwargs", {})
            for key in COLUMN_KWARGS:
                if key in kwargs:
                    names[kwargs[key]] = None
            for name in kwargs.get("column_list", []):
                names[name] = None
        return list(names)


def discover_suites(root: Path = EXPECTATIONS_DIR) -> list[Suite]:
    suites = []
    for path in sorted(root.glob("*.*.json")):
        schema, table = path.stem.split(".", 1)
        definition = json.loads(path.read_text())
        if not definition.get("expectations"):
            raise ValueError(f"{path}: a suite needs a non-empty 'expectations' list")
        suites.append(Suite(schema, table, path, definition))
    return suites


@cache
def _batch_definition():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no bar per validation
    asset = context.data_sources.add_pandas("warehouse").add_dataframe_asset("batch")
    return gx, asset.add_batch_definition_whole_dataframe("whole")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Target:
    """The table a suite reads, the columns it pulls, and how one source file's rows are selected."""

    def __init__(self, con, suite: Suite, expectations: list[dict]):
        self.suite = suite
        self.table = f"{suite.schema}.{suite.table}"
        self.id_column = suite.id_column
        self.select = list(dict.fromkeys(([self.id_column] if self.id_column else []) + suite.columns(expectations)))
        self.has_file = (
            con.execute(
                "select count(*) from information_schema.columns where table_schema = ? and table_name = ? "
                "and column_name = 'source_file'",
                [suite.schema, suite.table],
            ).fetchone()[0]
            > 0
        )

    def files(self, con) -> list[str | None]:
        """Every source file of the table in order (one None when the table has no source_file)."""
        if not self.has_file:
            return [None]
        return [r[0] for r in con.execute(f"select distinct source_file from {self.table} order by 1").fetchall()]

    def fingerprints(self, con) -> list[tuple[str | None, int, str]]:
        """(source file, rows, hash of its rows over the selected columns) for every file, in one scan.

        The hash is blind to row order but not to duplicates: the exact sum of the rows' 64-bit hashes,
        with their xor. DuckDB's hash() of NULL differs from that of any value, and the columns' order
        is part of a row's hash.
        """
        row = f"hash({', '.join(_quote(c) for c in self.select) or 'NULL'})"
        aggregates = f"count(*), sum({row}::hugeint)::varchar || ':' || bit_xor({row})::varchar"
        if self.has_file:
            sql = f"select source_file, {aggregates} from {self.table} group by source_file order by 1"
        else:
            sql = f"select NULL, {aggregates} from {self.table}"
        return [(f, n, h) for f, n, h in con.execute(sql).fetchall()]

    def validate_file(
        self,
        con,
        source_file: str | None,
        expectations: list[dict],
        gx_suite,
        batch_definition,
    ) -> list[dict]:
        """GX over one file's rows, batch by batch; one result per expectation."""
        result_format = {"result_format": "COMPLETE", "return_unexpected_index_query": False}
        if self.id_column:
            result_format["unexpected_index_column_names"] = [self.id_column]
        where, params = "", []
        if self.has_file:
            where, params = (
                ("where source_file = ?", [source_file])
                if source_file is not None
                else ("where source_file is null", [])
            )
        results = [{"success": True, "unexpected_count": 0, "sample": [], "batches": 0} for _ in expectations]
        cursor = con.execute(f"select {', '.join(_quote(c) for c in self.select)} from {self.table} {where}", params)
        while not (frame := cursor.fetch_df_chunk(BATCH_VECTORS)).empty:
            batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
            outcome = batch.validate(gx_suite, result_format=result_format)
            if sorted(r.expectation_config.meta.get(POSITION) for r in outcome.results) != list(range(len(results))):
                raise RuntimeError(f"{self.table}: GX returned results that do not match the suite's expectations")
            for result in outcome.results:
                item = results[result.expectation_config.meta[POSITION]]
                item["batches"] += 1
                item["success"] = item["success"] and bool(result.success)
                details = result.result or {}
                item["unexpected_count"] += int(details.get("unexpected_count") or 0)
                if (error := _exception_message(result.exception_info)) is not None:
                    item["success"] = False
                    item["error"] = error
                for row in details.get("unexpected_index_list") or []:
                    if len(item["sample"]) < SAMPLE_SIZE:
                        item["sample"].append(str(row.get(self.id_column)) if self.id_column else str(row))
                if "observed_value" in details:
                    item["observed_value"] = str(details["observed_value"])
        return results


def _exception_message(info: dict | None) -> str | None:
    """The error of an expectation that could not be evaluated, else None. GX's exception_info is one
    ``{raised_exception, exception_message, ...}`` dict or, when a metric raised (a bad regex, a missing
    column), one such dict per metric, keyed by the metric."""
    if not info:
        return None
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    messages = [str(e.get("exception_message")) for e in entries if e.get("raised_exception")]
    return "; ".join(messages) if messages else None


# GX returns a suite's results grouped by column, not in the suite's order: each expectation carries its
# position in this meta key, and each result is matched to its expectation by it.
POSITION = "pipelines_position"


def _gx_runner(suite: Suite, expectations: list[dict]):
    gx, batch_definition = _batch_definition()
    tagged = [dict(e, meta={**e.get("meta", {}), POSITION: i}) for i, e in enumerate(expectations)]
    return gx.ExpectationSuite(name=suite.path.stem, expectations=tagged), batch_definition


def _merge(expectations: list[dict], per_file: list[list[dict]]) -> list[dict]:
    """One summary per expectation from its results per file, files in order: counts and batches add up,
    success is the AND, the sample keeps the first SAMPLE_SIZE ids, the last error or observed value wins."""
    summary = [
        {
            "type": e["type"],
            "kwargs": e.get("kwargs", {}),
            "success": True,
            "unexpected_count": 0,
            "sample": [],
            "batches": 0,
        }
        for e in expectations
    ]
    for results in per_file:
        for item, result in zip(summary, results, strict=True):
            item["batches"] += result["batches"]
            item["success"] = item["success"] and result["success"]
            item["unexpected_count"] += result["unexpected_count"]
            if "error" in result:
                item["error"] = result["error"]
            item["sample"].extend(result["sample"][: SAMPLE_SIZE - len(item["sample"])])
            if "observed_value" in result:
                item["observed_value"] = result["observed_value"]
    return summary


def validate(con, suite: Suite, expectations: list[dict]) -> list[dict]:
    """Run expectations over the table batch by batch, every file, no cache; one summary per expectation."""
    target = _Target(con, suite, expectations)
    files = target.files(con)
    if not files:
        return _merge(expectations, [])
    gx_suite, batch_definition = _gx_runner(suite, expectations)
    return _merge(expectations, [target.validate_file(con, f, expectations, gx_suite, batch_definition) for f in files])


@dataclass
class Validation:
    summary: list[dict]  # as validate() returns it
    files: int  # source files in the table (1 for a table without source_file)
    files_validated: int  # files GX ran on
    files_cached: int  # files whose (cacheable) results came from meta.gx_results


@cache
def _versions() -> dict[str, str]:
    # Read from the installed packages' metadata: importing great_expectations here would cost seconds.
    return {name: version(name) for name in ("great_expectations", "duckdb", "pandas")}


def expectations_hash(con, suite: Suite, target: _Target, expectations: list[dict]) -> str:
    """What a cached result depends on besides the rows: the expectations (canonical JSON), the id column,
    the columns' types, the batch and sample sizes, and the versions of GX, DuckDB (its hash()) and pandas."""
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ?",
            [suite.schema, suite.table],
        ).fetchall()
    )
    key = {
        "format": CACHE_FORMAT,
        "expectations": expectations,
        "id_column": target.id_column,
        "columns": [[c, types.get(c)] for c in target.select],
        "batch_vectors": BATCH_VECTORS,
        "sample_size": SAMPLE_SIZE,
        "versions": _versions(),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def validate_cached(con, suite: Suite, severity: str, expectations: list[dict] | None = None) -> Validation:
    """validate(), with each file's results cached in meta.gx_results (``con`` must be able to write).

    A file is validated again when its rows over the selected columns, or the expectations, changed; the
    entries of removed files are dropped; results with an error are not stored. Expectations outside
    CACHEABLE_EXPECTATIONS run over every file every time. GX is imported only if some file needs it.
    """
    expectations = suite.expectations(severity) if expectations is None else expectations
    target = _Target(con, suite, expectations)
    cacheable = [i for i, e in enumerate(expectations) if e["type"] in CACHEABLE_EXPECTATIONS]
    always = [i for i, e in enumerate(expectations) if e["type"] not in CACHEABLE_EXPECTATIONS]
    key_hash = expectations_hash(con, suite, target, [expectations[i] for i in cacheable])
    fingerprints = target.fingerprints(con)
    stored = con.execute(
        "select source_file, expectations_hash, row_count, rows_hash, results from meta.gx_results "
        "where suite = ? and severity = ?",
        [suite.path.name, severity],
    ).fetchall()
    cached: dict[str | None, list[dict]] = {}
    for source_file, stored_hash, rows, rows_hash, results in stored:
        results = json.loads(results)
        if (
            stored_hash == key_hash
            and (source_file, rows, rows_hash) in fingerprints
            and len(results) == len(cacheable)
        ):
            cached[source_file] = results

    runners: dict[tuple[int, ...], tuple] = {}

    def run(source_file: str | None, indexes: list[int]) -> dict[int, dict]:
        if not indexes:
            return {}
        if tuple(indexes) not in runners:
            runners[tuple(indexes)] = _gx_runner(suite, [expectations[i] for i in indexes])
        gx_suite, batch_definition = runners[tuple(indexes)]
        return dict(
            zip(
                indexes,
                target.validate_file(con, source_file, [expectations[i] for i in indexes], gx_suite, batch_definition),
            )
        )

    per_file, fresh, validated = [], [], 0
    for source_file, rows, rows_hash in fingerprints:
        if source_file in cached:
            results = dict(zip(cacheable, cached[source_file])) | run(source_file, always)
        else:
            results = run(source_file, cacheable + always)
            if not any("error" in results[i] for i in cacheable):
                fresh.append((source_file, rows, rows_hash, [results[i] for i in cacheable]))
        validated += bool(always) or source_file not in cached
        per_file.append([results[i] for i in range(len(expectations))])

    hits = {(f, key_hash, rows, rows_hash) for f, rows, rows_hash in fingerprints if f in cached}
    stale = [row[:4] for row in stored if tuple(row[:4]) not in hits]
    fresh = fresh if cacheable else []
    if stale or fresh:
        _store(con, suite, severity, key_hash, stale, fresh)
    return Validation(_merge(expectations, per_file), len(fingerprints), validated, len(cached))


def _store(con, suite: Suite, severity: str, key_hash: str, stale: list[tuple], fresh: list[tuple]) -> None:
    """Drop stale entries (changed or removed files, old expectations) and add the new ones, in one transaction."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with transaction(con):
        for source_file, stored_hash, rows, rows_hash in stale:
            con.execute(
                "delete from meta.gx_results where suite = ? and severity = ? and source_file is not distinct "
                "from ? and expectations_hash = ? and row_count = ? and rows_hash = ?",
                [suite.path.name, severity, source_file, stored_hash, rows, rows_hash],
            )
        for source_file, rows, rows_hash, results in fresh:
            con.execute(
                "insert into meta.gx_results by name select ? as suite, ? as severity, ? as source_file, "
                "? as expectations_hash, ? as row_count, ? as rows_hash, ?::json as results, ? as checked_at",
                [suite.path.name, severity, source_file, key_hash, rows, rows_hash, json.dumps(results), now],
            )


def gx_check(suite: Suite, severity: str) -> CheckDefinition:
    name = "gx_errors" if severity == "ERROR" else "gx_warnings"
    expectations = suite.expectations(severity)

    def evaluate(context: dg.AssetCheckExecutionContext, con) -> dg.AssetCheckResult:
        # con is the read-write connection to the working copy, under the writer lock and the warehouse pool
        # (one warehouse step at a time): the cache is written through it, like dq.check_results.
        validation = validate_cached(con, suite, severity, expectations)
        summary = validation.summary
        failed = [s for s in summary if not s["success"]]
        sample = [f"{s['type']}({s['kwargs'].get('column', '')}): {i}" for s in failed for i in s["sample"]]
        observed = (
            "; ".join(
                f"{s['type']}({s['kwargs'].get('column', '')}) {s['unexpected_count']} unexpected"
                + (f" [{s['error']}]" if s.get("error") else "")
                for s in failed
            )
            or "all passed"
        )
        result = check_result(
            context,
            con,
            suite.asset_key,
            name,
            severity,
            f"{len(expectations)} expectations",
            sum(s["unexpected_count"] for s in failed) or len(failed),
            sample[:SAMPLE_SIZE],
            observed,
        )
        return dg.AssetCheckResult(
            passed=result.passed,
            asset_key=result.asset_key,
            check_name=result.check_name,
            severity=result.severity,
            description=result.description,
            metadata={
                **result.metadata,
                "files": validation.files,
                "files_validated": validation.files_validated,
                "files_cached": validation.files_cached,
                "expectations": dg.MetadataValue.json([{k: v for k, v in s.items() if k != "sample"} for s in summary]),
            },
        )

    spec = dg.AssetCheckSpec(
        name,
        asset=suite.asset_key,
        blocking=severity == "ERROR",
        additional_deps=staging_check_deps(suite.asset_key),
        description=f"[{severity}] {len(expectations)} Great Expectations expectation(s) from "
        f"expectations/{suite.path.name}",
    )
    return CheckDefinition(spec, evaluate)


def gx_checks() -> list[CheckDefinition]:
    return [
        gx_check(suite, severity)
        for suite in discover_suites()
        for severity in ("ERROR", "WARN")
        if suite.expectations(severity)
    ]
