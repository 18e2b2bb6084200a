"""SQL checks from ``sql/checks/<schema>/<table>__<name>.sql`` as Dagster asset checks.

Each check's query returns the failing rows (first column an id). ERROR checks block everything
downstream in the run (so nothing is published); WARN checks are recorded and shown. Every result
is appended to ``dq.check_results``.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.defs.incidents.run_inputs import RUN_INPUTS_KEY
from pipelines.defs.incidents.sources.registry import adapters
from pipelines.engine.column_docs import check_description
from pipelines.engine.config import SQL_DIR
from pipelines.engine.faults import fault_point
from pipelines.engine.resources import WAREHOUSE_POOL, WarehouseResource
from pipelines.engine.warehouse import model_dependencies

SAMPLE_SIZE = 20
HEADER = re.compile(r"^--\s*(severity|description):\s*(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class SqlCheck:
    schema: str
    table: str
    name: str
    severity: str
    description: str
    sql: str

    @classmethod
    def from_file(cls, path: Path) -> "SqlCheck":
        table, _, name = path.stem.partition("__")
        text = path.read_text()
        header = dict(HEADER.findall(text))
        severity = header.get("severity", "ERROR").upper()
        if severity not in ("ERROR", "WARN"):
            raise ValueError(f"{path}: severity must be ERROR or WARN, not {severity!r}")
        # The whole header (a description may go on over several comment lines), not just its first line.
        return cls(path.parent.name, table, name, severity, check_description(text) or name, text)

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey([self.schema, self.table])


def discover_sql_checks(root: Path = SQL_DIR / "checks") -> list[SqlCheck]:
    return [SqlCheck.from_file(p) for p in sorted(root.glob("*/*__*.sql"))]


def record_check_result(
    con,
    run_id: str,
    asset: str,
    check_name: str,
    severity: str,
    success: bool,
    observed_value: str | None,
    unexpected_count: int | None,
    sample: list[str],
) -> None:
    con.execute(
        "insert into dq.check_results by name select ? as run_id, ? as asset, ? as check_name, ? as severity, "
        "? as success, ? as observed_value, ? as unexpected_count, ?::varchar[] as unexpected_sample, "
        "? as checked_at",
        [
            run_id,
            asset,
            check_name,
            severity,
            success,
            observed_value,
            unexpected_count,
            sample,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
        ],
    )
    fault_point("check", f"{asset}:{check_name}")


def check_result(
    context: dg.AssetCheckExecutionContext,
    con,
    asset: dg.AssetKey,
    name: str,
    severity: str,
    description: str,
    failing: int,
    sample: list[str],
    observed_value: str | None = None,
) -> dg.AssetCheckResult:
    """Record a check's outcome in dq.check_results and turn it into a Dagster result."""
    asset_name = ".".join(asset.path)
    passed = failing == 0
    record_check_result(
        con,
        context.run.run_id,
        asset_name,
        name,
        severity,
        passed,
        observed_value if observed_value is not None else str(failing),
        failing,
        sample,
    )
    return dg.AssetCheckResult(
        passed=passed,
        asset_key=asset,
        check_name=name,
        severity=dg.AssetCheckSeverity.ERROR if severity == "ERROR" else dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "severity": severity,
            "unexpected_count": failing,
            "unexpected_sample": dg.MetadataValue.json(sample),
        },
    )


def staging_check_deps(asset: dg.AssetKey) -> list[dg.AssetKey]:
    """A check on an incident source's staged rows waits for meta.run_inputs, which first drops the rows of
    files gone from the raw folder (else the check would validate them once more)."""
    return [RUN_INPUTS_KEY] if asset.path[0] == "staging" and asset.path[1] in {a.name for a in adapters()} else []


@dataclass(frozen=True)
class CheckDefinition:
    """One check: its Dagster spec and how it is evaluated on the warehouse's open connection."""

    spec: dg.AssetCheckSpec
    evaluate: Callable[[dg.AssetCheckExecutionContext, duckdb.DuckDBPyConnection], dg.AssetCheckResult]


def sql_check(check: SqlCheck) -> CheckDefinition:
    deps = [
        dg.AssetKey(list(ref))
        for ref in model_dependencies(check.sql)
        if ref != (check.schema, check.table) and ref[0] in ("staging", "core", "marts")
    ]
    deps += staging_check_deps(check.asset_key)

    def evaluate(context: dg.AssetCheckExecutionContext, con) -> dg.AssetCheckResult:
        failing = con.execute(f"select count(*) from ({check.sql})").fetchone()[0]
        sample = [str(r[0]) for r in con.execute(f"select * from ({check.sql}) limit {SAMPLE_SIZE}").fetchall()]
        return check_result(
            context, con, check.asset_key, check.name, check.severity, check.description, failing, sample
        )

    spec = dg.AssetCheckSpec(
        check.name,
        asset=check.asset_key,
        description=f"[{check.severity}] {check.description}",
        blocking=check.severity == "ERROR",
        additional_deps=deps,
    )
    return CheckDefinition(spec, evaluate)


def sql_checks() -> list[CheckDefinition]:
    return [sql_check(c) for c in discover_sql_checks()]


def _step_name(asset: dg.AssetKey, blocking: bool) -> str:
    return "checks__" + "__".join(asset.path) + ("__blocking" if blocking else "__warnings")


def check_steps(checks: list[CheckDefinition]) -> list[dg.AssetChecksDefinition]:
    """The checks as Dagster definitions, one step per asset and blocking-ness.

    A step costs Dagster about as much as a small check itself (events stored, upstream versions read), and a
    build runs 72 checks. The blocking checks of one asset share a step (what they block is the same: that
    asset's downstream), and so do its warnings (they block nothing); a blocking and a non-blocking check
    never do, so that a warning's extra dependencies never hold up what a blocking check gates. Each check
    keeps its own key, result and dq.check_results row, and a run that selects some of an asset's checks
    evaluates only those."""
    grouped: dict[tuple[dg.AssetKey, bool], list[CheckDefinition]] = {}
    for check in checks:
        grouped.setdefault((check.spec.asset_key, check.spec.blocking), []).append(check)
    return [_check_step(_step_name(asset, blocking), group) for (asset, blocking), group in grouped.items()]


def _check_step(name: str, checks: list[CheckDefinition]) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        name=name,
        specs=[c.spec for c in checks],
        can_subset=True,
        pool=WAREHOUSE_POOL,
        description="; ".join(c.spec.description or c.spec.name for c in checks),
    )
    def _checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        selected = context.selected_asset_check_keys
        errors = []
        with warehouse.connect() as con:
            for check in checks:
                if check.spec.key not in selected:
                    continue
                try:
                    yield check.evaluate(context, con)
                except Exception as exc:  # the step's other checks still run; the step fails at the end
                    context.log.error(f"{check.spec.key.to_user_string()}: {exc}")
                    errors.append(exc)
        if errors:
            raise errors[0]

    return _checks
