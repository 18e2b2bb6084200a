"""Shared fixtures: the project's curated data, the real files in ../shared/data, built warehouses."""

from __future__ import annotations

import itertools
import json
import locale
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

from tests import cli_zygote

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CURATED_DIR = PROJECT_ROOT / "raw" / "curated"
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
# Throwaway warehouses built by tests leave no runs in the project's Dagster instance (.dagster/): every CLI run
# started by a test, in a subprocess or not, uses a throwaway instance unless the test gives it a DAGSTER_HOME
# of its own and sets this to 0 (tests/test_dagster_instance.py).
EPHEMERAL_ENV = "PIPELINES_DAGSTER_EPHEMERAL"
os.environ[EPHEMERAL_ENV] = "1"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public files beside the project. Required under CI; skipped with a reason elsewhere."""
    if not SHARED_DATA.is_dir():
        message = (
            f"real data not found at {SHARED_DATA}: put the shared data folder beside the project "
            "(see README, 'Real datasets')"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DATA


def run_cli(
    *args: str, env: dict | None = None, timeout: int = 600, file_size_limit: int | None = None
) -> subprocess.CompletedProcess:
    """Run ``python -m pipelines ...`` in a process of its own, as a user would (``start_cli``), to its end."""
    started = time.monotonic()
    result, cpu = start_cli(*args, env=env, file_size_limit=file_size_limit).wait(timeout)
    _log_cli_run(args, time.monotonic() - started, cpu)
    return result


def start_cli(*args: str, env: dict | None = None, file_size_limit: int | None = None) -> StartedCli:
    """Start ``python -m pipelines ...`` in a process of its own, as a user would; ``wait`` for its result.

    The process is forked from tests/cli_zygote.py, which has imported dagster and great_expectations once for
    the session (about 9 s of CPU saved per run), unless the environment differs in a variable read at import
    time or $PIPELINES_TEST_FORK is 0: then it is a fresh interpreter. ``file_size_limit``: the process's
    RLIMIT_FSIZE (bytes), so that every write past it fails as on a full disk."""
    full_env = {**os.environ, EPHEMERAL_ENV: "1", **(env or {})}
    if "DAGSTER_HOME" not in (env or {}):  # only a test's own instance, never the developer's
        full_env.pop("DAGSTER_HOME", None)
    zygote = _zygote(full_env)
    if zygote is not None:
        return zygote.start(list(args), full_env, PROJECT_ROOT, file_size_limit)
    folder = Path(tempfile.mkdtemp(prefix="cli_run_", dir=_run_folder()))
    out, err = folder / "stdout", folder / "stderr"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        process = subprocess.Popen(
            cli_command(args),
            stdout=stdout,
            stderr=stderr,
            env=full_env,
            cwd=PROJECT_ROOT,
            preexec_fn=None if file_size_limit is None else lambda: cli_zygote.limit_file_size(file_size_limit),
        )

    def finish(timeout: float) -> tuple[int, float | None]:
        before = os.times()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        after = os.times()
        return (
            process.returncode,
            after.children_user + after.children_system - before.children_user - before.children_system,
        )

    return StartedCli(list(args), process.pid, out, err, finish)


# Where the CLI runs of the tests go (benchmarks/test_suite.py): one JSON line per run, with the test that
# started it, its wall and CPU seconds.
CLI_LOG_ENV = "PIPELINES_TEST_CLI_LOG"


def _log_cli_run(args, wall: float, cpu: float | None) -> None:
    path = os.environ.get(CLI_LOG_ENV)
    if not path:
        return
    line = {
        "test": os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0],
        "args": list(args)[:1],
        "wall": round(wall, 2),
        "cpu": None if cpu is None else round(cpu, 2),
    }
    with open(path, "a") as handle:
        handle.write(json.dumps(line) + "\n")


class Zygote:
    """The pytest side of tests/cli_zygote.py: requests from any thread, each answer routed to its request by id."""

    def __init__(self, env: dict):
        self.env = env
        self.process = subprocess.Popen(
            [sys.executable, str(PROJECT_ROOT / "tests" / "cli_zygote.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=PROJECT_ROOT,
        )
        self.buffer = b""
        self.lock = threading.Lock()  # one writer of requests at a time
        self.answers: dict[int, queue.Queue] = {}
        self.ids = itertools.count()
        self.folder = Path(tempfile.mkdtemp(prefix="cli_zygote_"))
        answer = self._read(time.monotonic() + 300)
        if not answer.get("ready"):
            raise RuntimeError(f"cli zygote not ready: {answer}")
        threading.Thread(target=self._route_answers, name="cli_zygote answers", daemon=True).start()

    def _read(self, deadline: float | None) -> dict:
        while b"\n" not in self.buffer:
            left = None if deadline is None else deadline - time.monotonic()
            if (left is not None and left <= 0) or not select.select([self.process.stdout], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError("cli zygote exited")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def _route_answers(self) -> None:
        while True:
            try:
                answer = self._read(None)
            except (RuntimeError, OSError, ValueError):  # the server exited: every waiting request learns it
                for waiting in list(self.answers.values()):
                    waiting.put({"error": "cli zygote exited"})
                return
            self.answers[answer["id"]].put(answer)

    def _answer(self, request_id: int, timeout: float) -> dict:
        answer = self.answers[request_id].get(timeout=timeout)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def serves(self, env: dict) -> bool:
        def import_time(environ):
            return {
                k: v
                for k, v in environ.items()
                if k in cli_zygote.IMPORT_TIME_ENV or k.startswith(cli_zygote.IMPORT_TIME_PREFIXES)
            }

        return self.process.poll() is None and import_time(env) == import_time(self.env)

    def start(self, args: list[str], env: dict, cwd: Path, file_size_limit: int | None = None) -> StartedCli:
        """A CLI process forked for ``args``, running (its output goes to files of its own)."""
        request_id = next(self.ids)
        out, err = self.folder / f"{request_id}.stdout", self.folder / f"{request_id}.stderr"
        request = {"id": request_id, "args": args, "env": env, "cwd": str(cwd), "stdout": str(out), "stderr": str(err)}
        if file_size_limit is not None:
            request["file_size_limit"] = file_size_limit
        for path in (out, err):  # there before the child opens them, for a test that reads them as they grow
            path.touch()
        self.answers[request_id] = queue.Queue()
        with self.lock:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        pid = self._answer(request_id, 60)["pid"]
        return StartedCli(args, pid, out, err, lambda timeout: self._finish(request_id, pid, args, timeout))

    def _finish(self, request_id: int, pid: int, args: list[str], timeout: float) -> tuple[int, float | None]:
        try:
            answer = self._answer(request_id, timeout)
        except queue.Empty:
            os.kill(pid, signal.SIGKILL)
            self._answer(request_id, 60)
            raise subprocess.TimeoutExpired(cli_command(args), timeout) from None
        finally:
            if self.answers[request_id].empty():
                self.answers.pop(request_id, None)
        return answer["returncode"], answer.get("cpu")

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


def cli_command(args) -> list[str]:
    """``python -m pipelines ...`` as a fresh interpreter runs it (a forked run reports the same command)."""
    return [sys.executable, "-m", "pipelines", *args]


class StartedCli:
    """A ``python -m pipelines ...`` process that is running: its pid, its output files, and ``wait``."""

    def __init__(self, args: list[str], pid: int, stdout: Path, stderr: Path, finish):
        self.args, self.pid, self.stdout, self.stderr = args, pid, stdout, stderr
        self._finish = finish  # (timeout) -> (returncode, CPU seconds or None)

    def wait(self, timeout: float = 600) -> tuple[subprocess.CompletedProcess, float | None]:
        """Its result once it has exited (killed past ``timeout``: subprocess.TimeoutExpired), with its CPU seconds."""
        returncode, cpu = self._finish(timeout)
        # text=True of subprocess.run: the locale's encoding, universal newlines
        stdout, stderr = (
            path.read_text(encoding=locale.getpreferredencoding(False)) for path in (self.stdout, self.stderr)
        )
        return subprocess.CompletedProcess(cli_command(self.args), returncode, stdout, stderr), cpu

    def running(self) -> bool:
        return not _exited(self.pid)

    def kill(self) -> None:
        """SIGKILL, if it still runs (a test that gives up on it)."""
        if self.running():
            os.kill(self.pid, signal.SIGKILL)

    def lines(self, timeout: float = 600):
        """Its standard output line by line as it is written, until it exits."""
        deadline = time.monotonic() + timeout
        with open(self.stdout, encoding=locale.getpreferredencoding(False)) as handle:
            partial = ""
            while time.monotonic() < deadline:
                partial += handle.readline()
                if partial.endswith("\n"):
                    yield partial
                    partial = ""
                elif _exited(self.pid):
                    if rest := partial + handle.read():
                        yield from rest.splitlines(keepends=True)
                    return
                else:
                    time.sleep(0.05)


def _exited(pid: int) -> bool:
    """Whether ``pid`` no longer runs (a zombie, not yet reaped by its parent, counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


_ZYGOTE: list = []  # [Zygote or None] once tried


def _zygote(env: dict) -> Zygote | None:
    if os.environ.get("PIPELINES_TEST_FORK", "1") == "0" or not hasattr(os, "fork"):
        return None
    if not _ZYGOTE:
        try:
            base = {**os.environ, EPHEMERAL_ENV: "1"}
            base.pop("DAGSTER_HOME", None)
            _ZYGOTE.append(Zygote(base))
        except (RuntimeError, TimeoutError, OSError):
            _ZYGOTE.append(None)
    zygote = _ZYGOTE[0]
    return zygote if zygote is not None and zygote.serves(env) else None


# Scheduling only, never what a test asserts: with one module per worker (--dist loadfile), the modules that took
# longest on CI's machine start first, so that no worker is left alone with a long one at the end. The rest keep
# their order.
LONGEST_FIRST = (
    "test_daemon",  # the longest in time, though mostly waiting: it starts first, beside two modules that compute
    "test_reliability",
    "test_incremental_build",
    "test_bad_curated",
    "test_failed_files",
    "test_incremental_runs",
    "test_source_gtd",
    "test_benchmarks",
    "test_bad_inputs",
    "test_coverage_classes",
    "test_live_history",
    "test_source_acled",
    "test_gx_cache",
    "test_quality_gates",
)


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))


def pytest_sessionfinish(session, exitstatus):
    if _ZYGOTE and _ZYGOTE[0] is not None:
        _ZYGOTE[0].close()
    if _RUN_FOLDER:
        shutil.rmtree(_RUN_FOLDER[0], ignore_errors=True)


_RUN_FOLDER: list[Path] = []  # where fresh interpreters' output files go, removed at the session's end


def _run_folder() -> Path:
    if not _RUN_FOLDER:
        _RUN_FOLDER.append(Path(tempfile.mkdtemp(prefix="cli_runs_")))
    return _RUN_FOLDER[0]


def copy_curated(destination: Path) -> Path:
    """A raw directory holding a copy of the project's curated files (tests may then damage it)."""
    raw = destination / "raw"
    shutil.copytree(CURATED_DIR, raw / "curated")
    return raw


def read_table(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def build_once(
    tmp_path_factory, name: str, make_raw, warehouse_in: str, start_from: tuple | None = None
) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """A warehouse built by the CLI once per test session, shared by every pytest-xdist worker (the first to ask
    builds it under a file lock, the others wait and read what it recorded): (raw dir, warehouse file, the run).
    Tests only read it; a test that changes a warehouse copies it first.

    ``start_from``: another session build whose warehouse folder the run starts from (``make_raw`` then adds files
    to that build's raw files), as an analyst adds files to a warehouse: the run builds what the new files reach."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / f"session_{name}"
    record = root / "run.json"
    with FileLock(f"{root}.lock"):
        if not record.exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir(parents=True)
            raw = make_raw(root)
            warehouse = root / warehouse_in
            if start_from is not None:
                copy_warehouse(start_from[1], warehouse.parent)
            result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
            record.write_text(
                json.dumps(
                    {
                        "raw": str(raw),
                        "warehouse": str(warehouse),
                        "args": result.args,
                        "returncode": result.returncode,
                        "stdout": result.stdout,
                        "stderr": result.stderr,
                    }
                )
            )
        done = json.loads(record.read_text())
    result = subprocess.CompletedProcess(done["args"], done["returncode"], done["stdout"], done["stderr"])
    assert result.returncode == 0, result.stdout + result.stderr
    return Path(done["raw"]), Path(done["warehouse"]), result


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """One warehouse built by the CLI from the curated data: (raw dir, warehouse file, the run)."""
    return build_once(tmp_path_factory, "built", copy_curated, "warehouse/warehouse.duckdb")


def copy_warehouse(warehouse: Path, destination: Path) -> Path:
    """A copy of a warehouse folder (the published file, its working copy, the report) at ``destination``."""
    shutil.copytree(warehouse.parent, destination)
    return destination / warehouse.name


def copy_built(built: tuple[Path, Path, subprocess.CompletedProcess], destination: Path) -> tuple[Path, Path]:
    """A copy of a session-built state to change: its raw directory and its warehouse folder, as a run of the CLI
    on that raw directory would have left them. For tests whose first step is a build of the curated data from
    nothing, which the session's ``built_warehouse`` is."""
    raw, warehouse, _ = built
    shutil.copytree(raw, destination / "raw", symlinks=True)
    return destination / "raw", copy_warehouse(warehouse, destination / "warehouse")


SHARED_LAYOUT = {
    # raw folder -> files from ../shared/data (the acceptance set of the ingestion issue)
    "gtd": ["gtd/gtd_0814_extract_31col.csv"],
    "ucdp_ged": ["ucdp_ged/ged221_pakistan_hdx.csv"],
    "newamerica_drones": ["newamerica_drones/newamerica_pakistan_strikes_2004_2018.csv"],
    "mapped/kaggle_suicide": ["kaggle_pakistan/pakistan_suicide_attacks_ver11_plus2.csv"],
    "mapped/kaggle_drones": ["kaggle_pakistan/pakistan_drone_attacks_2017-11.csv"],
    "mapped/bij_drones": ["bij_drones/bij_pakistan_strikes_2004_2018.xlsx"],
    # published aggregates (not incident sources)
    "acled_aggregates": [
        "acled_aggregates/acled_country_month_events_2021_2024.csv",
        "acled_aggregates/acled_country_month_fatalities_2021_2024.csv",
    ],
    # group-lineage sources (not incident sources)
    "ucdp_actors": ["ucdp_actors/ucdp_actor_list_221.csv"],
    "mmp": ["mmp/links.csv", "mmp/map_groups.csv", "mmp/maps.csv"],
}
MAPPINGS = {
    "mapped/kaggle_suicide": "kaggle_pakistan_suicide_attacks.yaml",
    "mapped/kaggle_drones": "kaggle_pakistan_drone_attacks.yaml",
    "mapped/bij_drones": "bij_pakistan_drone_strikes.yaml",
}


def shared_raw_dir(root: Path, shared: Path) -> Path:
    """A raw directory with the curated files and links to the real shared datasets."""
    raw = copy_curated(root)
    for folder, files in SHARED_LAYOUT.items():
        (raw / folder).mkdir(parents=True)
        for name in files:
            (raw / folder / Path(name).name).symlink_to(shared / name)
        if folder in MAPPINGS:
            shutil.copy(PROJECT_ROOT / "mappings" / MAPPINGS[folder], raw / folder / "mapping.yaml")
    return raw


@pytest.fixture(scope="session")
def shared_warehouse(shared_data, tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """One warehouse built by the CLI from every shared dataset: (raw dir, warehouse, the run)."""
    return build_once(
        tmp_path_factory, "shared", lambda root: shared_raw_dir(root, shared_data), "warehouse/warehouse.duckdb"
    )


def read_frame(warehouse: Path, sql: str, params: list | None = None):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


# Issue 14: the shared datasets plus the UCDP GED Candidate release (October 2023), which leaves a gap of
# January 2022 - September 2023 after GED 22.1, and the ACLED sample (not countable).
COVERAGE_EXTRA = {
    "ucdp_ged": ["ucdp_ged/ged_candidate_v23_0_10_global.csv"],
    "acled": ["acled/acled_sample_2022h1_global.csv"],
}


@pytest.fixture(scope="session")
def shared_warehouse_with_candidate(
    shared_data, shared_warehouse, tmp_path_factory
) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """The shared warehouse with the GED Candidate file and the ACLED sample added (a run on a copy of it: both are
    incident sources, so it builds what they reach)."""

    def make_raw(root: Path) -> Path:
        raw = shared_raw_dir(root, shared_data)
        for folder, files in COVERAGE_EXTRA.items():
            (raw / folder).mkdir(parents=True, exist_ok=True)
            for name in files:
                (raw / folder / Path(name).name).symlink_to(shared_data / name)
        return raw

    return build_once(
        tmp_path_factory, "shared_candidate", make_raw, "warehouse/warehouse.duckdb", start_from=shared_warehouse
    )
