"""Pulls written as raw files, so that they are staged, checked and conformed like any file put in raw/.

- UCDP: one file per version, ``raw/ucdp_ged/ucdp_ged_api_v<version>_pulled-<UTC>.csv`` (a version is
  immutable: a version already pulled is not pulled again).
- ACLED: per pull, the events changed since the previous pull ``raw/acled/acled_api_pulled-<UTC>.csv`` and
  the deletions since then ``raw/acled/deletions/acled_deletions_pulled-<UTC>.csv``; the pulls are listed in
  ``raw/acled/api_pulls.json`` (their times and row counts, never credentials).

``<UTC>`` (``YYYYMMDDTHHMMSSZ``) is when the pull started: what the warehouse knew from then on, which an
as-of build (``run --as-of``) selects by. Every file is written under a hidden temporary name and renamed
when the whole pull succeeded: a failed or malformed pull leaves raw/ exactly as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.defs.live.acled import AcledClient
from pipelines.defs.live.http import MalformedResponse
from pipelines.defs.live.ucdp import UcdpClient

PULLED = re.compile(r"_pulled-(\d{8}T\d{6}Z)")
STAMP = "%Y%m%dT%H%M%SZ"
DELETIONS_FOLDER = "deletions"
ACLED_STATE = "api_pulls.json"
DELETION_COLUMNS = ("event_id_cnty", "deleted_timestamp")


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime(STAMP)


def pulled_at(path: Path | str) -> dt.datetime | None:
    """When the pull that wrote this file started (UTC, naive), from its name; None for files put by hand."""
    found = PULLED.search(Path(path).name)
    return dt.datetime.strptime(found.group(1), STAMP) if found else None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class PendingFile:
    """A file written under a hidden name beside its final one; ``commit`` renames it, ``discard`` removes it."""

    final: Path
    columns: list[str] | None = None
    rows: int = 0
    temp: Path = field(init=False)

    def __post_init__(self) -> None:
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.temp = self.final.with_name(f".{self.final.name}.partial")

    def write(self, pages: Iterable[list[dict]], columns: Iterable[str] | None = None) -> None:
        with open(self.temp, "w", newline="", encoding="utf-8") as handle:
            writer = None
            for number, page in enumerate(pages):
                for row in page:
                    if writer is None:
                        self.columns = list(columns or row.keys())
                        writer = csv.writer(handle)
                        writer.writerow(self.columns)
                    extra = set(row) - set(self.columns)
                    if extra:  # the API changed its columns during the pull: pull again
                        raise MalformedResponse(f"page {number}: columns {sorted(extra)} not in the first page")
                    writer.writerow([_cell(row.get(c)) for c in self.columns])
                    self.rows += 1
            if writer is None and columns:
                self.columns = list(columns)
                csv.writer(handle).writerow(self.columns)

    def commit(self) -> Path:
        os.replace(self.temp, self.final)
        return self.final

    def discard(self) -> None:
        self.temp.unlink(missing_ok=True)


# ---- UCDP -------------------------------------------------------------------------------------------------


def ucdp_file(raw_dir: Path, version: str, moment: dt.datetime) -> Path:
    return raw_dir / "ucdp_ged" / f"ucdp_ged_api_v{version}_pulled-{stamp(moment)}.csv"


def pulled_ucdp_versions(raw_dir: Path) -> dict[str, Path]:
    found = {}
    for path in sorted((raw_dir / "ucdp_ged").glob("ucdp_ged_api_v*_pulled-*.csv")):
        found[path.name.removeprefix("ucdp_ged_api_v").split("_pulled-")[0]] = path
    return found


@dataclass
class PullResult:
    files: list[Path]
    rows: dict[str, int]  # per file name: rows written (= rows the API returned)
    skipped: str | None = None


def pull_ucdp(client: UcdpClient, raw_dir: Path, version: str, now: dt.datetime | None = None) -> PullResult:
    """Pull one UCDP GED version into raw/ucdp_ged/ (nothing when that version was pulled already)."""
    if version in pulled_ucdp_versions(raw_dir):
        return PullResult(
            [], {}, skipped=f"version {version} already pulled: {pulled_ucdp_versions(raw_dir)[version].name}"
        )
    pending = PendingFile(ucdp_file(raw_dir, version, now or dt.datetime.now(dt.UTC)))
    try:
        pending.write(client.pages(version))
        if pending.columns is None:
            pending.discard()
            return PullResult([], {}, skipped=f"version {version}: no events for these countries and dates")
        path = pending.commit()
    except BaseException:
        pending.discard()
        raise
    return PullResult([path], {path.name: pending.rows})


# ---- ACLED ------------------------------------------------------------------------------------------------


def acled_pulls(raw_dir: Path) -> list[dict]:
    path = raw_dir / "acled" / ACLED_STATE
    return json.loads(path.read_text())["pulls"] if path.exists() else []


def last_acled_pull(raw_dir: Path) -> dt.datetime | None:
    pulls = acled_pulls(raw_dir)
    return max(dt.datetime.fromisoformat(p["pulled_at"]) for p in pulls) if pulls else None


def pull_acled(client: AcledClient, raw_dir: Path, now: dt.datetime | None = None) -> PullResult:
    """Pull the ACLED events changed, and the deletions made, since the last pull (everything the first time)."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    last = last_acled_pull(raw_dir)
    since = int(last.replace(tzinfo=dt.UTC).timestamp()) if last else None
    events = PendingFile(raw_dir / "acled" / f"acled_api_pulled-{stamp(moment.replace(tzinfo=dt.UTC))}.csv")
    deletions = PendingFile(
        raw_dir / "acled" / DELETIONS_FOLDER / f"acled_deletions_pulled-{stamp(moment.replace(tzinfo=dt.UTC))}.csv"
    )
    try:
        events.write(client.events(since))
        deletions.write(_deletion_rows(client.deletions(since)), columns=DELETION_COLUMNS)
        files = []
        # An empty pull writes no file: two empty files would be the same bytes under two names.
        for pending in (events, deletions):
            if pending.rows:
                files.append(pending.commit())
            else:
                pending.discard()
    except BaseException:
        events.discard()
        deletions.discard()
        raise
    state = raw_dir / "acled" / ACLED_STATE
    pulls = [
        *acled_pulls(raw_dir),
        {
            "pulled_at": moment.isoformat(),
            "since": since,
            "events": events.rows,
            "deletions": deletions.rows,
            "files": [p.name for p in files],
        },
    ]
    temp = state.with_name(f".{state.name}.partial")
    temp.write_text(json.dumps({"pulls": pulls}, indent=1) + "\n")
    os.replace(temp, state)
    return PullResult(files, {p.name: (events.rows if p.parent.name == "acled" else deletions.rows) for p in files})


def _deletion_rows(pages: Iterable[list[dict]]) -> Iterator[list[dict]]:
    for page in pages:
        yield [{c: row.get(c) for c in DELETION_COLUMNS} for row in page]
