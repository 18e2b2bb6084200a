"""Where the test suite's time goes: per test module, its time on the xdist workers and the CLI runs it started.

    python benchmarks/test_suite.py --out DIR [-- PYTEST ARGS]     # runs the suite (the README's test command)
    python benchmarks/test_suite.py --durations OUT.txt --cli-log CLI.jsonl   # summarizes an earlier run

The suite runs with $PIPELINES_TEST_CLI_LOG set (tests/conftest.py then logs every CLI run a test starts: the
test, wall and CPU seconds) and ``--durations=0``. The summary (``<out>/test_suite.md``) gives, per module, the
time its tests and fixtures took on a worker, how much of it was CLI runs, their count and CPU seconds: the
suite's time is the sum over modules divided by the two workers, so it shows which modules to make cheaper.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DURATION = re.compile(r"^\s*([\d.]+)s (?:call|setup|teardown)\s+tests/(\w+)\.py::")
SUMMARY = re.compile(r"=+ .*\d+ passed.* in ([\d.]+)s")


def summarize(durations: Path, cli_log: Path) -> str:
    module_time: collections.Counter = collections.Counter()
    suite_seconds = None
    for line in durations.read_text().splitlines():
        if m := DURATION.match(line):
            module_time[m.group(2)] += float(m.group(1))
        if m := SUMMARY.search(line):
            suite_seconds = float(m.group(1))
    runs: dict[str, list] = collections.defaultdict(lambda: [0, 0, 0.0, 0.0])  # CLI calls, builds, wall, CPU
    for line in cli_log.read_text().splitlines():
        entry = json.loads(line)
        module = Path(entry["test"].split("::")[0]).stem
        row = runs[module]
        row[0] += 1
        row[1] += entry["args"] == ["run"]
        row[2] += entry["wall"]
        row[3] += entry["cpu"] or 0.0
    lines = [
        f"Suite: {suite_seconds:.0f} s (pytest's summary line)" if suite_seconds else "Suite: (no summary line)",
        f"Time on the workers, tests of 0.5 s or more: {sum(module_time.values()):.0f} s; of it in CLI runs: "
        f"{sum(r[2] for r in runs.values()):.0f} s wall, {sum(r[3] for r in runs.values()):.0f} s CPU, "
        f"{sum(r[1] for r in runs.values())} builds (`run`) of {sum(r[0] for r in runs.values())} CLI calls",
        "",
        "| module | on a worker (s) | CLI wall (s) | CLI CPU (s) | builds | CLI calls | rest (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for module in sorted(set(module_time) | set(runs), key=lambda m: -module_time[m]):
        calls, builds, wall, cpu = runs.get(module, [0, 0, 0.0, 0.0])
        lines.append(
            f"| {module} | {module_time[module]:.1f} | {wall:.1f} | {cpu:.1f} | {builds} | {calls} | "
            f"{module_time[module] - wall:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="folder for the run's durations, CLI log and summary")
    parser.add_argument("--durations", type=Path, help="the output of an earlier `pytest --durations=0` run")
    parser.add_argument("--cli-log", type=Path, help="its $PIPELINES_TEST_CLI_LOG file")
    args, pytest_args = parser.parse_known_args(argv)
    pytest_args = [a for a in pytest_args if a != "--"]
    if args.durations and args.cli_log:
        print(summarize(args.durations, args.cli_log), end="")
        return 0
    if not args.out:
        parser.error("give --out DIR (to run the suite) or --durations and --cli-log (to summarize a run)")
    args.out.mkdir(parents=True, exist_ok=True)
    durations, cli_log = args.out / "durations.txt", args.out / "cli.jsonl"
    cli_log.unlink(missing_ok=True)
    with durations.open("w") as handle:
        subprocess.run(
            [sys.executable, "-m", "pytest", "--durations=0", "--durations-min=0.5", *pytest_args],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PIPELINES_TEST_CLI_LOG": str(cli_log)},
            stdout=handle,
            stderr=subprocess.STDOUT,
            check=False,
        )
    summary = summarize(durations, cli_log)
    (args.out / "test_suite.md").write_text(summary)
    print(summary, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
