"""``run --as-of DATE``: a raw folder holding what was known on DATE, for a build "as known on that date".

Every file of the raw folder is linked into a temporary folder of the same layout, except the data files of
the incident sources (raw/<source>/) known only after DATE: a pulled file by the time in its name (the
pull's start, pipelines/defs/live/pull.py), a file put there by hand by its modification time (the only date it
has). raw/acled/api_pulls.json is written back as it stood then (the pulls up to DATE). Curated, lineage and
mapping files are reference data without a history: they are taken as they are. Built from that folder, the
warehouse equals one built on DATE from the files then present, table by table (tests/test_live_history.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pipelines.defs.incidents.sources.registry import adapters
from pipelines.defs.live.pull import ACLED_STATE, pulled_at


def known_by(as_of: dt.date) -> dt.datetime:
    """The end of the day DATE (UTC): a file pulled on DATE was known on DATE."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())


def file_known_at(path: Path) -> dt.datetime:
    stamped = pulled_at(path)
    if stamped is not None:
        return stamped
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)


def _incident_folders() -> set[str]:
    return {a.name for a in adapters()}  # raw/<name>/ (mapped datasets: raw/mapped/<dataset>/)


@contextlib.contextmanager
def raw_as_of(raw_dir: Path, as_of: dt.date, parent: Path) -> Iterator[tuple[Path, list[str]]]:
    """(temporary raw folder, the files left out as known only after DATE)."""
    limit = known_by(as_of)
    folders = _incident_folders()
    parent.mkdir(parents=True, exist_ok=True)
    left_out = []
    with tempfile.TemporaryDirectory(prefix=".as-of-", dir=parent) as temp:
        root = Path(temp) / "raw"
        root.mkdir()
        for path in sorted(raw_dir.rglob("*")):
            if not path.is_file():
                continue
            relative = path.relative_to(raw_dir)
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            in_source = relative.parts[0] in folders
            if relative.as_posix() == f"acled/{ACLED_STATE}":
                pulls = [
                    p
                    for p in json.loads(path.read_text())["pulls"]
                    if dt.datetime.fromisoformat(p["pulled_at"]) < limit
                ]
                if pulls:
                    target.write_text(json.dumps({"pulls": pulls}, indent=1) + "\n")
                continue
            if in_source and path.suffix.lower() in (".csv", ".xlsx", ".xls") and file_known_at(path) >= limit:
                left_out.append(relative.as_posix())
                continue
            target.symlink_to(path.resolve())
            if path.name == "mapping.yaml":  # a mapping is read, not linked through: copy it
                target.unlink()
                shutil.copy2(path, target)
        yield root, left_out
