"""Command line: ``python -m pipelines {run,query,export,report} ...``. Heavy imports happen inside commands."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

from pipelines.engine.config import RAW_DIR_ENV, WAREHOUSE_ENV, default_raw_dir, default_warehouse_path


def _add_warehouse(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"published warehouse file (default: ${WAREHOUSE_ENV} or warehouse/warehouse.duckdb)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines",
        description="Event-data warehouse for militant violence in Pakistan and Afghanistan.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="load every source, check it, build every table and publish the warehouse",
        description="Materialize every asset through Dagster, in this process: load the raw files, run the "
        "data-quality checks, build the tables and, when every blocking check passed, publish "
        "the warehouse atomically. Exits non-zero on any failed asset or blocking check; the "
        "previously published warehouse is then left as it was.",
    )
    run.add_argument(
        "--raw",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"raw directory, one folder per source (default: ${RAW_DIR_ENV} or raw/)",
    )
    run.add_argument(
        "--as-of",
        type=_date,
        default=None,
        metavar="DATE",
        help="build from what was known on DATE (YYYY-MM-DD): the pulled files of that day or "
        "earlier, files put in raw/ by hand by their modification time (docs/sources_api.md)",
    )
    _add_warehouse(run)
    run.add_argument(
        "--ephemeral",
        action="store_true",
        help="record the runs in a throwaway Dagster instance instead of the project's (.dagster/, or "
        "$DAGSTER_HOME), e.g. for a scratch warehouse; $PIPELINES_DAGSTER_EPHEMERAL=1 does the same",
    )

    pull = commands.add_parser(
        "pull",
        help="pull the UCDP GED or ACLED API into raw/ (credentials from the environment)",
        description="Pull one UCDP GED version, or the ACLED events and deletions since the last pull, into the "
        "raw folder as files that the next run stages. Credentials come from the environment only "
        "(UCDP_API_TOKEN; ACLED_API_USERNAME, ACLED_API_PASSWORD); a failed pull writes nothing.",
    )
    pull.add_argument("source", choices=["ucdp", "acled"])
    pull.add_argument("--version", help="UCDP GED version: yearly YY.1 (e.g. 25.1) or candidate YY.0.M (25.0.3)")
    pull.add_argument(
        "--raw", type=Path, default=None, metavar="DIR", help=f"raw directory (default: ${RAW_DIR_ENV} or raw/)"
    )

    query = commands.add_parser(
        "query",
        help="run one read-only SQL query against the published warehouse",
        description="Run one SQL query against the published warehouse, opened read-only: statements "
        "that would change data are refused.",
    )
    source = query.add_mutually_exclusive_group(required=True)
    source.add_argument("sql", nargs="?", help="the SQL query")
    source.add_argument("--file", type=Path, metavar="FILE", help="read the query from a .sql file")
    query.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output format")
    _add_warehouse(query)

    export = commands.add_parser(
        "export",
        help="write one export profile of exports.yaml from the published warehouse",
        description="Write the tables of one export profile (exports.yaml) from the published warehouse, "
        "opened read-only, into <out>/<profile>/<YYYY-MM-DD>T<hhmmss>/ with a manifest.json "
        "(row counts, sizes, sha256, columns, warehouse build, source files). The folder appears "
        "complete or not at all; only the profile's newest keep_last exports are kept.",
    )
    export.add_argument("profile", help="profile name in the profiles file")
    export.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="export root (default: $PIPELINES_EXPORT_ROOT or exports/ beside the warehouse)",
    )
    export.add_argument(
        "--profiles",
        type=Path,
        default=None,
        metavar="FILE",
        help="profiles file (default: exports.yaml at the project root)",
    )
    _add_warehouse(export)
    report = commands.add_parser(
        "report",
        help="write the analyst report (self-contained HTML with charts) of the published warehouse",
        description="Read the published warehouse (read-only) and write one self-contained HTML page with charts "
        "of attack trends, group lineage, event studies, source reconciliation and data quality. The "
        "page needs no network to open.",
    )
    report.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="HTML file to write (default: report/index.html beside the warehouse file)",
    )
    _add_warehouse(report)

    dev = commands.add_parser(
        "dev",
        help="start the Dagster UI with its daemon (dagster dev) on the project's instance",
        description="Start `dagster dev -m pipelines.definitions` (UI, schedules, sensor) with DAGSTER_HOME set to the "
        "project's instance (.dagster/, where `run` records its builds) unless DAGSTER_HOME is set. "
        "Ctrl-C (SIGINT) or SIGTERM stops it and every process it started, also when it was started in "
        "the background by a script.",
    )
    dev.add_argument("--port", type=int, default=3000, help="UI port (default 3000)")
    dev.add_argument("--host", default="127.0.0.1", help="UI host (default 127.0.0.1)")
    commands.add_parser(
        "daemon",
        help="run the schedules and the sensor without the UI (dagster-daemon run) on the project's instance",
        description="Start `dagster-daemon run -m pipelines.definitions` with DAGSTER_HOME set to the project's "
        "instance (.dagster/) unless DAGSTER_HOME is set. SIGINT or SIGTERM stops it.",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        if args.as_of is not None:
            return command_run_as_of(args.raw, args.warehouse, args.as_of)
        return command_run(args.raw, args.warehouse, args.ephemeral)
    if args.command == "pull":
        return command_pull(args.source, args.version, args.raw)
    if args.command == "query":
        sql = args.file.read_text() if args.file else args.sql
        return command_query(sql, args.warehouse, args.format)
    if args.command == "export":
        return command_export(args.profile, args.out, args.warehouse, args.profiles)
    if args.command == "report":
        return command_report(args.warehouse, args.out)
    if args.command == "dev":
        return command_dagster(["dagster", "dev", "-m", "pipelines.definitions", "-p", str(args.port), "-h", args.host])
    if args.command == "daemon":
        return command_dagster(["dagster-daemon", "run", "-m", "pipelines.definitions"])
    return 2


STOP_GRACE_SECONDS = 10  # after SIGINT/SIGTERM, Dagster's own shutdown gets this long before its processes are ended


def command_dagster(argv: list[str]) -> int:
    """Run a Dagster command on the project's instance and stop it, with everything it started, on request.

    Dagster maps SIGTERM to whatever SIGINT does, and a process started in the background by a non-interactive
    shell (`... &` in a script, nohup) inherits SIGINT *ignored*: such a `dagster dev` ignored both and had to
    be killed, leaving its webserver, daemon and code server behind. Here the command runs in a session of its
    own with both signals at their defaults; SIGINT or SIGTERM to this process is passed on as SIGINT, and if
    Dagster's shutdown (which waits up to 30 s per daemon thread) is not done within STOP_GRACE_SECONDS, every
    process of that session is ended, so a stop is always bounded and leaves nothing running.
    """
    import os
    import signal
    import subprocess

    from pipelines.runner import dagster_home  # deferred: duckdb and the adapters, not needed for --help

    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    stop_requested: list[float] = []

    def request_stop(_signum, _frame) -> None:
        if not stop_requested:
            stop_requested.append(time.monotonic())
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGINT)

    # Handlers set before the child starts: it inherits neither them nor an ignored SIGINT (exec resets
    # handled signals to their defaults).
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, request_stop)
    executable = Path(sys.executable).parent / argv[0]
    process = subprocess.Popen(
        [str(executable), *argv[1:]], env={**os.environ, "DAGSTER_HOME": str(home)}, start_new_session=True
    )
    ended = False
    while True:
        try:
            code = process.wait(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            if stop_requested and not ended and time.monotonic() - stop_requested[0] > STOP_GRACE_SECONDS:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                ended = True
    # Whatever Dagster started and left behind in its session (a code server, a run worker) goes with it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    return 0 if code in (0, -signal.SIGINT) or stop_requested else 1


def command_run(raw: Path | None, warehouse: Path | None, ephemeral: bool = False) -> int:
    from pipelines.runner import run_pipeline  # deferred: duckdb and the adapters (dagster loads later still)

    return run_pipeline(
        (raw or default_raw_dir()).resolve(), (warehouse or default_warehouse_path()).resolve(), ephemeral=ephemeral
    )


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def command_run_as_of(raw: Path | None, warehouse: Path | None, as_of) -> int:
    from pipelines.defs.live.as_of import raw_as_of  # deferred: duckdb and the adapters
    from pipelines.runner import run_pipeline  # deferred: duckdb and the adapters (dagster loads later still)

    raw_dir = (raw or default_raw_dir()).resolve()
    target = (warehouse or default_warehouse_path()).resolve()
    if target == default_warehouse_path():
        print("error: --as-of builds a vintage warehouse: give it its own --warehouse FILE", file=sys.stderr)
        return 2
    if not raw_dir.is_dir():
        print(f"error: raw directory {raw_dir} does not exist", file=sys.stderr)
        return 2
    with raw_as_of(raw_dir, as_of, target.parent) as (vintage_raw, left_out):
        print(
            f"as of {as_of}: {len(left_out)} raw file(s) known only later are left out"
            + (f" ({', '.join(left_out[:5])}{', ...' if len(left_out) > 5 else ''})" if left_out else "")
        )
        # never recorded in the project's instance: its partitions are those of another (vintage) raw folder
        return run_pipeline(vintage_raw, target, ephemeral=True)


def command_pull(source: str, version: str | None, raw: Path | None) -> int:
    # deferred: httpx, the live clients' library, only for `pull`
    from pipelines.defs.live.acled import AcledClient
    from pipelines.defs.live.http import ApiError
    from pipelines.defs.live.pull import pull_acled, pull_ucdp
    from pipelines.defs.live.settings import live_settings

    settings = live_settings()
    missing = settings.missing_ucdp() if source == "ucdp" else settings.missing_acled()
    if missing:
        print(
            f"error: {source} pull needs the environment variable(s) {', '.join(missing)} (docs/sources_api.md)",
            file=sys.stderr,
        )
        return 2
    if source == "ucdp" and not version:
        print("error: pull ucdp needs --version (e.g. 25.1 or 25.0.3)", file=sys.stderr)
        return 2
    raw_dir = (raw or default_raw_dir()).resolve()
    try:
        if source == "ucdp":
            from pipelines.defs.live.ucdp import UcdpClient  # deferred: httpx

            result = pull_ucdp(UcdpClient(settings), raw_dir, version)
        else:
            result = pull_acled(AcledClient(settings), raw_dir)
    except (ApiError, ValueError) as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return 1
    if result.skipped:
        print(f"nothing pulled: {result.skipped}")
    for path in result.files:
        print(f"pulled {result.rows[path.name]:,} rows to {path}")
    if not result.files and not result.skipped:
        print("nothing new since the last pull")
    return 0


def command_query(sql: str, warehouse: Path | None, output_format: str) -> int:
    from pipelines.query import QueryRefused, format_result, run_query  # deferred: duckdb

    path = (warehouse or default_warehouse_path()).resolve()
    try:
        columns, rows = run_query(path, sql)
    except (QueryRefused, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(format_result(columns, rows, output_format))
    from pipelines.engine.warehouse import not_published_notice  # deferred: duckdb

    notice = not_published_notice(path)  # stderr: the result on stdout stays clean for scripts
    if notice:
        print(f"warning: {notice}", file=sys.stderr)
    return 0


def command_export(profile: str, out: Path | None, warehouse: Path | None, profiles_file: Path | None) -> int:
    # deferred: duckdb, only for `export`
    from pipelines.defs.exports.profiles import (
        PROFILES_FILE,
        ExportError,
        default_export_root,
        load_profiles,
        run_export,
    )

    path = (warehouse or default_warehouse_path()).resolve()
    try:
        profiles = load_profiles(profiles_file or PROFILES_FILE)
        if profile not in profiles:
            raise ExportError(f"no profile {profile!r}; profiles: {', '.join(sorted(profiles)) or '(none)'}")
        result = run_export(profiles[profile], path, out.absolute() if out else default_export_root(path))
    except (ExportError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"exported {profile} to {result.folder}")
    for entry in result.manifest["files"]:
        print(f"  {entry['file']:<40} {entry['rows']:>9,} rows {entry['bytes']:>12,} bytes")
    for old in result.removed:
        print(f"  removed old export {old.name}")
    return 0


def command_report(warehouse: Path | None, out: Path | None) -> int:
    from pipelines.defs.report import build_report, default_report_path  # deferred: pandas, altair

    path = (warehouse or default_warehouse_path()).resolve()
    target = out.absolute() if out else default_report_path(path)
    if target.is_dir():
        print(f"error: --out {target} is a directory; give a file name", file=sys.stderr)
        return 2
    try:
        result = build_report(path, target)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"report written to {result.path} ({result.bytes:,} bytes, {len(result.charts)} charts)")
    if result.too_little_data:
        print(f"  too little data for: {', '.join(result.too_little_data)}")
    return 0
