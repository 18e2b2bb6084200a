"""Dagster as users run it: CLI builds recorded in the instance, the sensor and the daily schedule under a real
`dagster-daemon`, the webserver's GraphQL API, and a clean stop on SIGINT.

Every test works on a copy of one warehouse built by the CLI from the curated files, with a Dagster instance of
its own (a temporary DAGSTER_HOME holding the project's dagster.yaml), and polls that instance rather
than sleeping fixed times. Waits are generous (a loaded 2-core machine) but bounded.

The sensor, the schedule and the webserver mostly wait (ticks, the cron minute, runs as fresh processes, a
server starting): their scenarios run side by side, each in a thread of its own started with the module
(`scenarios`), and each test asserts on its own scenario's results once that is over.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import dagster as dg
import pytest

from pipelines.defs.operations.planner import BUILD_TAG, INPUTS_TAG
from tests.conftest import EPHEMERAL_ENV, PROJECT_ROOT, cli_command, copy_curated, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

PROJECT_YAML = PROJECT_ROOT / "dagster.yaml"
RUN_WAIT = 420  # seconds: a tick (every 60 s), a load and a build, each a fresh process, on a busy machine
STOP_WAIT = 15  # seconds: the bound for a clean stop
GTD_HEADER = ["eventid", "iyear", "imonth", "iday", "country_txt", "provstate", "gname", "gname2", "nkill"]
BASE_ROWS = [["8001", "2011", "7", "8", "Pakistan", "Khyber Pakhtunkhwa", "Tehrik-i-Taliban Pakistan (TTP)", "", ""]]
GTD_ROWS = [
    ["9001", "2012", "3", "4", "Pakistan", "Punjab", "Tehrik-i-Taliban Pakistan (TTP)", "", "3"],
    ["9002", "2013", "5", "6", "Pakistan", "Sindh", "Unknown", "", ""],
]


def new_home(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(PROJECT_YAML, folder / "dagster.yaml")
    return folder


def state_env(state: dict, **extra) -> dict:
    """The environment of every process of a test: its own instance, raw folder and warehouse."""
    env = {
        **os.environ,
        "DAGSTER_HOME": str(state["home"]),
        EPHEMERAL_ENV: "0",
        "PIPELINES_RAW_DIR": str(state["raw"]),
        "PIPELINES_WAREHOUSE": str(state["warehouse"]),
        **extra,
    }
    return env


def cli_run(state: dict) -> subprocess.CompletedProcess:
    return run_cli(
        "run",
        "--raw",
        str(state["raw"]),
        "--warehouse",
        str(state["warehouse"]),
        env={"DAGSTER_HOME": str(state["home"]), EPHEMERAL_ENV: "0"},
    )


def instance_of(state: dict) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(state["home"]))


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict:
    """A warehouse built by `python -m pipelines run` from the curated files, recorded in its own instance."""
    root = tmp_path_factory.mktemp("daemon_base")
    state = {
        "root": root,
        "raw": copy_curated(root),
        "warehouse": root / "warehouse" / "warehouse.duckdb",
        "home": new_home(root / "dagster_home"),
    }
    write_gtd(state["raw"] / "gtd" / "base.csv", BASE_ROWS)  # two incident sources: curated and gtd
    result = cli_run(state)
    assert result.returncode == 0, result.stdout + result.stderr
    return state


def copy_state(base: dict, destination: Path) -> dict:
    shutil.copytree(base["root"], destination, symlinks=True)
    return {
        "root": destination,
        "raw": destination / "raw",
        "warehouse": destination / "warehouse" / "warehouse.duckdb",
        "home": destination / "dagster_home",
    }


# ---- processes ----------------------------------------------------------------------------------------------
def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc: children of each thread)."""
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited


class Service:
    """A Dagster process started as the README says, stopped by SIGINT, its whole process tree accounted for."""

    def __init__(self, args: list[str], env: dict, cwd: Path, log: Path, ignore_sigint: bool = False):
        self.log = log
        handle = open(log, "w")
        # A process started in the background by a script inherits SIGINT ignored: `pipelines dev` must stop anyway.
        preexec = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore_sigint else None
        self.process = subprocess.Popen(
            cli_command(args),
            env=env,
            cwd=cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec,
        )
        handle.close()
        self.seen: set[int] = set()

    def watch(self) -> set[int]:
        self.seen |= descendants(self.process.pid)
        return self.seen

    def stop(self) -> tuple[float, set[int]]:
        """SIGINT; the seconds until the process exited and the processes it started that are still alive."""
        self.watch()
        started = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
        took = time.monotonic() - started
        deadline = time.monotonic() + 5  # children may need a moment after the parent to be reaped
        while time.monotonic() < deadline and any(alive(p) for p in self.seen):
            time.sleep(0.2)
        return took, {p for p in self.seen if alive(p)}

    def kill(self) -> None:
        """Cleanup after a failed test: this process and every process it was seen to start."""
        for pid in [self.process.pid, *self.watch()]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


def assert_clean_stop(service: Service) -> None:
    took, left = service.stop()
    assert service.process.returncode is not None, f"still running {took:.0f}s after SIGINT\n{service.output()}"
    assert took <= STOP_WAIT, f"stopped only {took:.1f}s after SIGINT\n{service.output()}"
    assert not left, f"processes left running: {sorted(left)}"


def dagster_cli(state: dict, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dagster", *args, "-m", "pipelines.definitions"],
        env=state_env(state),
        cwd=state["root"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# Set when the module's scenarios are torn down (a session stopped early, -x): their waits give up at once.
ABANDONED = threading.Event()


def assert_not_abandoned() -> None:
    assert not ABANDONED.is_set(), "abandoned: the test session stopped before this scenario was over"


def wait_for_runs(state: dict, service: Service, done, what: str) -> list[dg.DagsterRun]:
    """Poll the instance until ``done(runs)`` holds (runs newest first); fail on a failed run or at RUN_WAIT."""
    deadline = time.monotonic() + RUN_WAIT
    with instance_of(state) as instance:
        while True:
            assert_not_abandoned()
            service.watch()
            runs = instance.get_runs()
            failed = [r for r in runs if r.status == dg.DagsterRunStatus.FAILURE]
            assert not failed, f"run {failed[0].job_name} failed\n{service.output()}"
            if done(runs):
                return runs
            assert service.process.poll() is None, f"the daemon exited\n{service.output()}"
            assert time.monotonic() < deadline, (
                f"no {what} within {RUN_WAIT}s: {[(r.job_name, r.status) for r in runs]}"
            )
            time.sleep(2)


def succeeded(runs, job_name: str, **tags) -> list[dg.DagsterRun]:
    return [
        r
        for r in runs
        if r.job_name == job_name
        and r.status == dg.DagsterRunStatus.SUCCESS
        and all(r.tags.get(k) == v for k, v in tags.items())
    ]


def what_ran(instance: dg.DagsterInstance, run: dg.DagsterRun) -> tuple[set, set]:
    """The assets a run materialized and the checks it evaluated, from its event log."""
    from dagster._core.events import DagsterEventType

    assets = {
        e.dagster_event.asset_key for e in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
    }
    checks = {
        e.dagster_event.event_specific_data.asset_check_key
        for e in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    }
    return assets, checks


BY_SENSOR = {"dagster/sensor_name": "raw_files_sensor"}


def built_after_load(runs) -> dg.DagsterRun | None:
    """The sensor's build launched with (after) its load of drop.csv, once both succeeded. (A tick that came
    before the file was dropped launches nothing: nothing changed since the CLI build.)"""
    loads = [r for r in succeeded(runs, "load_gtd_file", **BY_SENSOR) if r.tags.get("dagster/partition") == "drop.csv"]
    if not loads:
        return None
    # runs are newest first: the build is the sensor run created right after the load, by the same tick
    after = [
        r for r in runs[: runs.index(loads[0])] if r.job_name == "build_warehouse" and r.tags.get("dagster/sensor_name")
    ]
    build = after[-1] if after else None
    return build if build is not None and build.status == dg.DagsterRunStatus.SUCCESS else None


def write_gtd(path: Path, rows: list[list[str]] = GTD_ROWS) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(GTD_HEADER)
        writer.writerows(rows)


# ---- the sensor, the schedule and the webserver, side by side ------------------------------------------------
class Scenario:
    """What a test asserts on, run beforehand in a thread of its own (``work(state, folder)``, on a copy of the base
    state of its own); the test reads what it returned, or meets the exception that ended it, with ``result()``."""

    def __init__(self, work, state: dict, folder: Path):
        self.state = state
        self.value = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work, state, folder), name=work.__name__, daemon=True)
        self.thread.start()

    def _run(self, work, *args) -> None:
        try:
            self.value = work(*args)
        except BaseException as error:  # raised again in the test, which names what failed
            self.error = error

    def result(self):
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.value


@pytest.fixture(scope="module", autouse=True)
def scenarios(request, base, tmp_path_factory) -> dict[str, Scenario]:
    """The scenarios of this module's selected tests, started together as soon as the base state is built (the
    quick tests run meanwhile), each on a copy of it of its own (its own DAGSTER_HOME, raw folder and warehouse).
    Every scenario stops or kills the services it started; at teardown the ones still running give up."""
    plan = {  # scenario: what it does, the test that asserts on it (defined below)
        "daemon": (sensor_scenario, test_the_sensor_loads_a_dropped_file_then_runs_the_build_the_cli_would),
        "cli": (cli_scenario, test_the_sensor_loads_a_dropped_file_then_runs_the_build_the_cli_would),
        "schedule": (schedule_scenario, test_a_daily_schedule_tick_runs_the_planned_build),
        "web": (webserver_scenario, test_the_webserver_shows_every_definition_and_stops_cleanly),
    }
    selected = {item.name for item in request.session.items if item.getparent(pytest.Module) is request.node}
    # every copy is made before any scenario starts: the quick tests may then read the base state meanwhile
    copies = {}
    for name, (_, test) in plan.items():
        if test.__name__ in selected:
            folder = tmp_path_factory.mktemp(name)
            copies[name] = (copy_state(base, folder / name), folder)
    ABANDONED.clear()
    started = {name: Scenario(plan[name][0], state, folder) for name, (state, folder) in copies.items()}
    yield started
    ABANDONED.set()
    for scenario in started.values():
        scenario.thread.join()


# ---- CLI builds are in the instance ----------------------------------------------------------------------------
def test_a_cli_build_records_its_materializations_and_checks_in_the_instance(base):
    from pipelines.definitions import BUILD_JOB, defs, job_contents

    assets, checks = job_contents(defs, BUILD_JOB)
    marts = {k for k in assets if k.path[0] == "marts"}
    assert len(marts) >= 9
    with instance_of(base) as instance:
        runs = instance.get_runs()
        assert [r.job_name for r in runs if r.job_name == BUILD_JOB] == [BUILD_JOB]
        assert all(
            r.status == dg.DagsterRunStatus.SUCCESS and r.tags.get(INPUTS_TAG) for r in runs if r.job_name == BUILD_JOB
        )
        incidents = instance.get_latest_materialization_event(dg.AssetKey(["core", "incidents"]))
        assert incidents is not None
        expected = read_table(base["warehouse"], "select count(*) from core.incidents")[0][0]
        assert incidents.asset_materialization.metadata["dagster/row_count"].value == expected
        for key in marts:
            event = instance.get_latest_materialization_event(key)
            assert event is not None, key
            rows = read_table(base["warehouse"], f"select count(*) from {key.path[0]}.{key.path[1]}")[0][0]
            assert event.asset_materialization.metadata["dagster/row_count"].value == rows, key
        # every check of the build has a recorded evaluation
        evaluated = {
            key
            for key in checks
            if instance.event_log_storage.get_latest_asset_check_execution_by_key([key]).get(key) is not None
        }
        assert evaluated == checks
    # and nothing of this throwaway build went to the project's own instance
    assert not (PROJECT_ROOT / ".dagster" / "history" / "runs" / f"{runs[0].run_id}.db").exists()


def test_materializations_say_table_columns_rows_per_source_and_preview_every_source(base):
    """What a data engineer reads in the UI: table name, typed and described columns, counts per source, a preview
    drawn from every source with unknown values blank, and no empty metadata value anywhere."""
    from pipelines.definitions import BUILD_JOB, defs, job_contents

    assets, _ = job_contents(defs, BUILD_JOB)
    tables = {k for k in assets if k.path[0] in ("staging", "core", "dq", "marts")}
    with instance_of(base) as instance:
        events = {k: instance.get_latest_materialization_event(k).asset_materialization for k in tables}
        build = next(r for r in instance.get_runs() if r.job_name == BUILD_JOB)
        from dagster._core.events import DagsterEventType

        every = [
            e.dagster_event.event_specific_data.materialization
            for e in instance.all_logs(build.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
        ]
    for key, event in events.items():
        name = ".".join(key.path)
        assert event.metadata["dagster/table_name"].value == name
        schema = event.metadata["dagster/column_schema"].value
        built = read_table(
            base["warehouse"],
            f"select column_name, data_type from information_schema.columns "
            f"where table_schema = '{key.path[0]}' and table_name = '{key.path[1]}' "
            "order by ordinal_position",
        )
        assert [(c.name, c.type) for c in schema.columns] == built, name
    incidents = events[dg.AssetKey(["core", "incidents"])]
    described = {c.name: c.description for c in incidents.metadata["dagster/column_schema"].value.columns}
    assert described["admin1"] == "conformed province (see docs/conventions.md)"  # sql/schema.sql's comment
    trends = {
        c.name: c.description
        for c in events[dg.AssetKey(["marts", "attack_trends"])].metadata["dagster/column_schema"].value.columns
    }
    assert trends["fatal_incidents"].startswith("incidents with `fatalities_best` > 0")  # the data dictionary
    counts = dict(read_table(base["warehouse"], "select source, count(*) from core.incidents group by all"))
    assert incidents.metadata["rows_per_source"].value == counts and set(counts) == {"curated", "gtd"}
    preview = incidents.metadata["preview"].value
    assert "| gtd " in preview and "| curated " in preview  # both sources, though gtd sorts after curated
    for event in every:
        for label, value in event.metadata.items():
            shown = value.value if hasattr(value, "value") else value
            assert shown not in ("", [], {}, None), (event.asset_key, label)
            if label == "preview":
                assert not {"nan", "NaT", "None", "<NA>"} & {cell.strip() for cell in shown.split("|")}, event.asset_key


# ---- the sensor under a real daemon ------------------------------------------------------------------------------
def sensor_scenario(daemon_state: dict, folder: Path) -> list[dg.DagsterRun]:
    """A daemon with the sensor turned on after a file was dropped: its runs once it built after loading the file."""
    daemon = Service(["daemon"], state_env(daemon_state), daemon_state["root"], folder / "daemon.log")
    try:
        # dropped before the sensor is turned on, so that its first tick sees the file (a tick before the drop
        # would leave the test waiting out the sensor's 60 s interval)
        write_gtd(daemon_state["raw"] / "gtd" / "drop.csv")
        dagster_cli(daemon_state, "sensor", "start", "raw_files_sensor")
        runs = wait_for_runs(daemon_state, daemon, built_after_load, "load and build after the drop")
        assert_clean_stop(daemon)
    finally:
        if daemon.process.poll() is None:
            daemon.kill()
    return runs


def cli_scenario(cli_state: dict, folder: Path) -> subprocess.CompletedProcess:
    """The CLI, with no daemon, on a folder where the same file was dropped: its run."""
    write_gtd(cli_state["raw"] / "gtd" / "drop.csv")
    return cli_run(cli_state)


def test_the_sensor_loads_a_dropped_file_then_runs_the_build_the_cli_would(scenarios):
    daemon_state = scenarios["daemon"].state
    runs = scenarios["daemon"].result()
    loads = succeeded(runs, "load_gtd_file", **BY_SENSOR)
    assert [r.tags.get("dagster/partition") for r in loads] == ["drop.csv"]
    build = built_after_load(runs)
    assert build.tags[BUILD_TAG] == "incremental (gtd changed)"
    # the runs ran one after the other: the load before the build
    with instance_of(daemon_state) as instance:
        stats = {r.run_id: instance.get_run_stats(r.run_id) for r in (loads[0], build)}
    assert stats[loads[0].run_id].end_time <= stats[build.run_id].start_time
    # the published warehouse holds the file's rows, and the build was stamped with its inputs
    assert read_table(
        daemon_state["warehouse"], "select incident_id from core.incidents where source = 'gtd' order by all"
    ) == [("gtd:8001",), ("gtd:9001",), ("gtd:9002",)]
    again = cli_run(daemon_state)
    assert again.returncode == 0 and "nothing to do" in again.stdout, again.stdout

    # The CLI on the same folder decides the same: same plan, same assets and checks.
    cli_state = scenarios["cli"].state
    result = scenarios["cli"].result()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "  build: incremental (gtd changed): " in result.stdout
    with instance_of(cli_state) as instance:
        cli_build = next(
            r
            for r in instance.get_runs()
            if r.job_name == "build_warehouse" and r.tags.get(BUILD_TAG, "").startswith("incremental")
        )
        cli_ran = what_ran(instance, cli_build)
    with instance_of(daemon_state) as instance:
        daemon_ran = what_ran(instance, build)
    assert cli_build.tags[BUILD_TAG] == build.tags[BUILD_TAG]
    assert cli_build.tags[INPUTS_TAG] == build.tags[INPUTS_TAG]
    # the daemon's run was launched with exactly the planned subset, and both runs ran the same steps
    assert daemon_ran == (set(build.asset_selection), set(build.asset_check_selection))
    assert cli_ran == daemon_ran
    assert dg.AssetKey(["core", "incidents"]) in daemon_ran[0] and dg.AssetKey(["core", "groups"]) not in daemon_ran[0]
    assert read_table(cli_state["warehouse"], "select count(*) from core.incidents") == read_table(
        daemon_state["warehouse"], "select count(*) from core.incidents"
    )


# ---- the daily schedule under a real daemon -------------------------------------------------------------------
def add_curated_incident(raw: Path) -> str:
    incidents = raw / "curated" / "incidents.csv"
    rows = list(csv.DictReader(incidents.open(newline="")))
    extra = dict(rows[-1], source_event_id=rows[-1]["source_event_id"] + "_schedule_test")
    with incidents.open("a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(rows[0])).writerow(extra)
    return extra["source_event_id"]


def schedule_scenario(state: dict, folder: Path) -> tuple[int, list[dg.DagsterRun]]:
    """A curated incident added, then a daemon with the daily schedule every minute: the incidents there were
    before, and the daemon's runs once the schedule's build succeeded."""
    before = read_table(state["warehouse"], "select count(*) from core.incidents")[0][0]
    add_curated_incident(state["raw"])
    # The schedule is on by default; its time of day comes from the environment, here every minute.
    daemon = Service(
        ["daemon"], state_env(state, PIPELINES_DAILY_CRON="* * * * *"), state["root"], folder / "daemon.log"
    )
    try:
        runs = wait_for_runs(
            state,
            daemon,
            lambda rs: succeeded(rs, "build_warehouse", **{"dagster/schedule_name": "daily_build"}),
            "scheduled build",
        )
        assert_clean_stop(daemon)
    finally:
        if daemon.process.poll() is None:
            daemon.kill()
    return before, runs


def test_a_daily_schedule_tick_runs_the_planned_build(scenarios):
    state = scenarios["schedule"].state
    before, runs = scenarios["schedule"].result()
    build = succeeded(runs, "build_warehouse", **{"dagster/schedule_name": "daily_build"})[0]
    assert build.tags[BUILD_TAG] == "full (curated/incidents.csv changed)"
    assert read_table(state["warehouse"], "select count(*) from core.incidents")[0][0] == before + 1
    again = cli_run(state)
    assert again.returncode == 0 and "nothing to do" in again.stdout, again.stdout


# ---- the webserver ---------------------------------------------------------------------------------------------
QUERY = """{
  assetNodes { assetKey { path } latestMaterialization: assetMaterializations(limit: 1) { runId }
               assetChecksOrError { ... on AssetChecks { checks { name } } } }
  repositoriesOrError { ... on RepositoryConnection { nodes {
    name location { name } jobs { name } schedules { name }
    sensors { name sensorState { status ticks(dayRange: 1, limit: 5) { status error { message } skipReason } } } } } }
}"""


# What the UI sends when an analyst switches a sensor on.
START_SENSOR = """mutation ($selector: SensorSelector!) {
  startSensor(sensorSelector: $selector) {
    __typename ... on Sensor { sensorState { status } } ... on PythonError { message } } }"""


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body
    return body["data"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def webserver_scenario(state: dict, folder: Path) -> dict:
    """`pipelines dev` started in the background, the sensor switched on through its GraphQL API, until the sensor's
    first tick: what the API showed then."""
    port = free_port()
    # Started the way a script starts it in the background (SIGINT ignored): SIGINT must stop it all the same.
    dev = Service(["dev", "--port", str(port)], state_env(state), state["root"], folder / "dev.log", ignore_sigint=True)
    try:
        deadline = time.monotonic() + RUN_WAIT
        while True:
            assert_not_abandoned()
            dev.watch()
            assert dev.process.poll() is None, dev.output()
            try:
                data = graphql(port, QUERY)
                if data["repositoriesOrError"].get("nodes"):
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"no webserver within {RUN_WAIT}s\n{dev.output()}"
            time.sleep(2)
        # switched on through the webserver, as the UI's toggle does (the sensor scenario uses `dagster sensor start`)
        repository = data["repositoriesOrError"]["nodes"][0]
        selector = {
            "repositoryName": repository["name"],
            "repositoryLocationName": repository["location"]["name"],
            "sensorName": "raw_files_sensor",
        }
        started = graphql(port, START_SENSOR, {"selector": selector})["startSensor"]
        assert started == {"__typename": "Sensor", "sensorState": {"status": "RUNNING"}}, started
        while True:  # the sensor's first finished tick (nothing changed since the CLI build: skipped)
            assert_not_abandoned()
            dev.watch()
            data = graphql(port, QUERY)
            sensor = data["repositoriesOrError"]["nodes"][0]["sensors"][0]
            ticks = sensor["sensorState"]["ticks"]
            # a tick is listed as STARTED while the sensor is still being evaluated (slow on a loaded machine)
            if ticks and ticks[0]["status"] != "STARTED":
                break
            assert time.monotonic() < deadline, f"no sensor tick within {RUN_WAIT}s\n{dev.output()}"
            time.sleep(2)
        assert_clean_stop(dev)
    finally:
        if dev.process.poll() is None:
            dev.kill()
    return data


def test_the_webserver_shows_every_definition_and_stops_cleanly(scenarios):
    from pipelines.definitions import defs

    data = scenarios["web"].result()

    graph = defs.resolve_asset_graph()
    nodes = {tuple(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert set(nodes) == {tuple(k.path) for k in graph.get_all_asset_keys()}
    shown_checks = {(path, c["name"]) for path, n in nodes.items() for c in n["assetChecksOrError"].get("checks", [])}
    assert shown_checks == {(tuple(k.asset_key.path), k.name) for k in graph.asset_check_keys}
    repository = data["repositoriesOrError"]["nodes"][0]
    assert {j["name"] for j in repository["jobs"]} >= {j.name for j in defs.jobs}
    assert {s["name"] for s in repository["schedules"]} == {s.name for s in defs.schedules}
    assert {s["name"] for s in repository["sensors"]} == {s.name for s in defs.sensors}
    ticks = repository["sensors"][0]["sensorState"]["ticks"]
    assert ticks[0]["status"] != "FAILURE", ticks[0]
    assert "nothing" in (ticks[0]["skipReason"] or ""), ticks[0]
    # the CLI build's materializations are what the UI shows for core.incidents and the marts
    for path, node in nodes.items():
        if path == ("core", "incidents") or path[0] == "marts":
            assert node["latestMaterialization"], path
