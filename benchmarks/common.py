"""What the measures of run.py share: running and measuring a command, medians, the raw folders and warehouses
they build, and the report's wording."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))  # this checkout's pipelines package, not an installed one


def conform_incidents(con) -> None:
    """What the asset core.incidents does once the files are staged: core.incident_versions, core.incidents and
    core.incident_perpetrators refreshed from their SQL models, file by file (pipelines/defs/incidents/conform.py)."""
    from pipelines.defs.incidents import conform

    for table in conform.TABLES:
        conform.refresh(con, table)


# ---- measuring -----------------------------------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                tree.setdefault(int(fields[1]), []).append(int(entry))
            except (OSError, IndexError):
                continue
    return tree


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants, from /proc."""
    tree, total, todo = _children(), 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
        todo.extend(tree.get(current, []))
    return total


def measure_command(args: list[str], log: Path | None = None, env: dict | None = None) -> dict:
    """Run a command; its wall time, exit code and peak RSS: the higher of the process tree's resident
    memory polled every 0.1 s from /proc and the main process's own high-water mark (VmHWM, read by
    GNU time). The kernel's figure for a child of this process is not used: it starts from this
    (large) process's memory at fork."""
    started = time.perf_counter()
    out = open(log, "w") if log else subprocess.DEVNULL
    hwm_file = Path(tempfile.mkstemp(suffix=".maxrss")[1])
    wrapped = ["/usr/bin/time", "-f", "%M", "-o", str(hwm_file), *args] if Path("/usr/bin/time").exists() else args
    try:
        process = subprocess.Popen(
            wrapped,
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PIPELINES_DAGSTER_EPHEMERAL": "1", **(env or {})},
        )
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.1)
    finally:
        if log:
            out.close()
    seconds = time.perf_counter() - started
    try:
        hwm = int(hwm_file.read_text().split()[-1]) * 1024
    except (ValueError, IndexError):
        hwm = 0
    hwm_file.unlink(missing_ok=True)
    return {
        "seconds": seconds,
        "returncode": process.returncode,
        "peak_rss_mb": max(peak, hwm) / 1e6,
        "polled_tree_peak_mb": peak / 1e6,
        "main_process_hwm_mb": hwm / 1e6,
    }


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values)


def median_value(values: list[float]) -> float:
    """The measured value at the median (the lower one for an even count), to pick that run's details."""
    return statistics.median_low(values)


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def note(step: str, message: str) -> None:
    """A progress line, with the machine's load at that moment."""
    print(f"[{time.strftime('%H:%M:%S')}] {step}: {message} (load {load()})", flush=True)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipelines", *args]


# ---- raw directories and warehouses ---------------------------------------------------------------------
def raw_dir(root: Path, gtd_files: list[Path]) -> Path:
    """A raw directory: the project's curated files and links to the given GTD files."""
    raw = root / "raw"
    if raw.exists():
        shutil.rmtree(raw)
    shutil.copytree(PROJECT_ROOT / "raw" / "curated", raw / "curated")
    (raw / "gtd").mkdir()
    for path in gtd_files:
        (raw / "gtd" / path.name).symlink_to(path)
    return raw


def copy_warehouse(source: Path, destination: Path) -> None:
    """Copy a published warehouse and its working copy (the .build folder) to another folder."""
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(source.parent, destination, ignore=shutil.ignore_patterns("spill", "*.lock"))


def cli_run(raw: Path, warehouse: Path, log: Path) -> dict:
    result = measure_command(cli("run", "--raw", str(raw), "--warehouse", str(warehouse)), log)
    if result["returncode"] != 0:
        raise SystemExit(f"pipeline run failed (exit {result['returncode']}); see {log}")
    return result


def build_mode(log: Path) -> str:
    """The run's own line saying whether it built everything or only what the change reaches."""
    return next(
        (line.strip() for line in log.read_text().splitlines() if line.strip().startswith("build:")), "(no build line)"
    )


def count(warehouse: Path, sql: str) -> int:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def count_csv_rows(path: Path) -> int:
    import duckdb

    con = duckdb.connect()
    try:
        return con.execute(f"select count(*) from read_csv('{path}', all_varchar = true)").fetchone()[0]
    finally:
        con.close()


# ---- the report's wording --------------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def runs_text(values: list[float], digits: int = 2) -> str:
    """The runs' figures, as the report lists them beside their median."""
    return ", ".join(f"{x:.{digits}f}" for x in values)
