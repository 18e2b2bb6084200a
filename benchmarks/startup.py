"""Measure 6, start-up: ``python -m pipelines --help``, and a no-op run on the built 10x warehouse (a second run
with nothing to do)."""

from __future__ import annotations

from pathlib import Path

from common import cli, cli_run, measure_command, median, note, runs_text, verdict


def measure(full_raw: Path, full_warehouse: Path, logs: Path, repeats: int, smoke: bool = False) -> dict:
    """``--help`` at least 5 times (a fraction of a second each: a median of few runs is noise), once in the
    smoke run (one repetition of each measure); the no-op run ``repeats`` times."""
    helps = [measure_command(cli("--help"))["seconds"] for _ in range(repeats if smoke else max(repeats, 5))]
    noops = []
    for i in range(repeats):
        noops.append(cli_run(full_raw, full_warehouse, logs / f"noop_{i + 1}.log")["seconds"])
    noop_log = (logs / "noop_1.log").read_text()
    note("6. start-up", f"--help {median(helps):.2f}s, no-op run {median(noops):.2f}s")
    return {
        "help_s": helps,
        "help_median": median(helps),
        "noop_s": noops,
        "noop_median": median(noops),
        "noop_said_nothing_changed": "nothing changed" in noop_log,
    }


def report_lines(results: dict) -> list[str]:
    s = results["startup"]
    return [
        "### 6. Start-up",
        "",
        f"- `python -m pipelines --help`: {s['help_median']:.2f} s (runs: {runs_text(s['help_s'])}; target < 1 s: "
        f"{verdict(s['help_median'] < 1)})",
        f"- no-op run (nothing changed) on the built warehouse: {s['noop_median']:.2f} s (runs: {runs_text(s['noop_s'])}; "
        f"target < 10 s: {verdict(s['noop_median'] < 10)}); it said nothing changed: {s['noop_said_nothing_changed']}",
        "",
    ]
