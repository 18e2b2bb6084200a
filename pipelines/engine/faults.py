"""Fault injection for the reliability tests: off unless ``PIPELINES_FAULT_AT`` is set.

``PIPELINES_FAULT_AT=<point>`` (or ``<point>:<detail>``) makes the process kill itself with SIGKILL when
it reaches that point, the way a power cut or the OOM killer would: no exception handler, ``finally``
or atexit runs. The points are

- ``ingest``  staging a raw file, after its rows are written and before that transaction commits
  (detail: the source file, e.g. ``ingest:gtd/part.csv``);
- ``check``   right after a check result is recorded (detail: ``<asset>:<check>``);
- ``mart``    building a table of ``marts``, before its transaction commits (detail: ``marts.<table>``);
- ``publish`` after the working copy is copied beside the published file, before the atomic rename.

tests/test_reliability.py uses them to show that the published warehouse survives and the next run
recovers. Nothing else reads the variable.
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "PIPELINES_FAULT_AT"


def fault_point(point: str, detail: str | None = None) -> None:
    wanted = os.environ.get(FAULT_ENV)
    if wanted and wanted in (point, f"{point}:{detail}"):
        os.kill(os.getpid(), signal.SIGKILL)
