"""A fork server for ``python -m pipelines ...`` in tests (tests/conftest.py's ``run_cli``).

Every CLI run of a test used to start a new interpreter that imported dagster and great_expectations again:
about 9 s of CPU per run, a third of a curated build. This process imports them once and then forks one
child per request; the child sets the request's environment, working directory, argv and output files and runs
``pipelines.cli.main`` exactly as ``pipelines/__main__.py`` does, ending with ``sys.exit`` and the normal
interpreter shutdown (atexit, finalizers). A child is a process of its own: a test can kill it, hold a lock
against it, or see it die of a fault injected with SIGKILL, as with a fresh interpreter.

What a fork cannot give is a module imported under the request's environment: ``run_cli`` sends a request
here only when the variables read at import time (IMPORT_TIME_ENV) are those this server was started with.

Protocol (JSON lines): the test writes ``{"id", "args", "env", "cwd", "stdout", "stderr"}`` (and
``file_size_limit``, an RLIMIT_FSIZE for the child, if any); the server answers ``{"id", "pid"}`` once the child is
forked and ``{"id", "returncode"}`` (negative: killed by that signal) when it has exited, with the child's CPU
seconds ("cpu"; tests/conftest.py logs them). Several children may run at once (a test that starts a second run
while a first one holds the warehouse): answers come in the order things happen, each with its request's id.
EOF on stdin stops the server once its children have exited.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import sys

# Read when a module is imported (pipelines/defs/operations/schedules.py's daily cron), or by the interpreter at start-up.
IMPORT_TIME_ENV = ("PIPELINES_DAILY_CRON",)
IMPORT_TIME_PREFIXES = ("PYTHON",)


def serve() -> dict | None:
    # The protocol gets its own descriptors; fd 0 and 1 of this process (and so of every child) are /dev/null
    # until a child points 1 and 2 at its request's files.
    proto_in = os.dup(0)
    proto_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)

    # What `python -m pipelines run` imports on every run (gx_checks sets this variable before importing GX).
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import threading

    import great_expectations  # noqa: F401

    import pipelines.cli  # noqa: F401
    import pipelines.definitions  # noqa: F401
    import pipelines.runner  # noqa: F401

    warm_lazy_imports()
    if threading.active_count() != 1:  # forking a process with threads is not safe: refuse, run_cli falls back
        os.write(proto_out, json.dumps({"error": f"{threading.active_count()} threads after import"}).encode() + b"\n")
        return None
    # The imported modules' objects move to the permanent generation: the children's garbage collections then
    # skip them instead of touching (and so copying) every page they inherited.
    gc.freeze()
    os.write(proto_out, b'{"ready": true}\n')

    def answer(message: dict) -> None:
        os.write(proto_out, json.dumps(message).encode() + b"\n")

    # A child's exit wakes the select below through this pipe (SIGCHLD's handler does nothing; the signal module
    # writes to the wakeup fd), so that a finished run is answered at once while others run.
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_write)
    running: dict[int, object] = {}  # pid -> request id
    pending, stdin_open = b"", True
    while stdin_open or running:
        readable = select.select([proto_in, wake_read] if stdin_open else [wake_read], [], [])[0]
        if wake_read in readable:
            while True:
                try:
                    if not os.read(wake_read, 512):
                        break
                except BlockingIOError:
                    break
        while running:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
            if pid == 0:
                break
            cpu = usage.ru_utime + usage.ru_stime
            answer({"id": running.pop(pid), "returncode": os.waitstatus_to_exitcode(status), "cpu": cpu})
        if proto_in in readable:
            chunk = os.read(proto_in, 65536)
            stdin_open = bool(chunk)
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    for fd in (proto_in, proto_out, wake_read, wake_write):
                        os.close(fd)
                    return request
                running[pid] = request["id"]
                answer({"id": request["id"], "pid": pid})
    return None


def warm_lazy_imports() -> None:
    """Import here what every ``run`` imports only once it runs (about 320 modules, 1 s of CPU per run): the
    storages and migrations (sqlalchemy, alembic) of the Dagster instance it creates, the filesystem IO manager's
    upath and fsspec, the report's chart renderer, the statistics libraries the marts' fills import in every build
    that has incidents (statsmodels, scipy.stats), and Splink with its SQL dialect for the record linkage. A
    throwaway instance is created and disposed of for that; it leaves no thread (``serve`` checks) and nothing a
    run reads. A module missing in another version of a library only costs its import in the child."""
    import importlib

    import dagster as dg

    dg.DagsterInstance.ephemeral().dispose()
    for name in (
        "upath",
        "fsspec.implementations.local",
        "vl_convert",
        "pipelines.engine.progress",
        "statsmodels.api",
        "statsmodels.stats.multitest",
        "scipy.stats",
        # record linkage (pipelines/defs/linkage/matching.py), in every build that links incidents: about 0.25 s
        "splink",
        "splink.clustering",
        "splink.comparison_level_library",
        "sqlglot.dialects.duckdb",
        "upath.core",
    ):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def limit_file_size(limit: int) -> None:
    """RLIMIT_FSIZE for this process: every write past ``limit`` bytes fails as on a full disk
    (tests/test_reliability.py); a forked child and a fresh interpreter (conftest's preexec_fn) both set it here."""
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def run_child(request: dict) -> None:
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(handle, fd)
        os.close(handle)
    if request.get("file_size_limit") is not None:
        limit_file_size(request["file_size_limit"])
    sys.argv = [str(__import__("pipelines").__path__[0] + "/__main__.py"), *request["args"]]
    from pipelines.cli import main

    sys.exit(main(request["args"]))


if __name__ == "__main__":
    sys.path[0] = os.getcwd()  # as for `python -m pipelines` started in the project root
    child_request = serve()
    if child_request is not None:
        run_child(child_request)
