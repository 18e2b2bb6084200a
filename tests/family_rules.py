"""Group families recomputed in plain Python from the relations, for tests: a point query (the family of one
group on one date) by replaying the group's dated relations in order, independent of the interval arithmetic of
sql/marts/group_family_membership.sql. The rules are those of docs/data_dictionary.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

MIN = dt.date.min


def _date(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "" or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Change:
    on: dt.date
    order: int
    relation_id: str
    kind: str  # set, attach, leave (a pledge), leave_parent (rivalry, end of a faction)
    attach_to: str | None
    target: str | None = None


class Families:
    def __init__(self, groups: pd.DataFrame, relations: pd.DataFrame, rulings: pd.DataFrame):
        founded = {g: _date(f) for g, f in zip(groups["group_id"], groups["founded_on"])}
        ruling = dict(zip(rulings["relation_id"], rulings["ruling"]))
        self.changes: dict[str, list[Change]] = {}
        for r in relations.itertuples():
            start, end = _date(r.start_date), _date(r.end_date)
            child, parent, kind = r.from_group_id, r.to_group_id, r.relation_type
            if kind in ("split_from", "faction_of"):
                rule = ruling.get(r.relation_id, "stays_in_movement")
                if kind == "split_from" and start is not None and rule != "own_organisation":
                    existed = founded.get(parent) or MIN
                    if existed < start:  # before it split off, the child was part of its parent
                        self._add(child, Change(existed, 0, r.relation_id, "set", parent))
                self._add(
                    child,
                    Change(start or MIN, 1, r.relation_id, "set", parent if rule == "stays_in_movement" else None),
                )
                if kind == "faction_of" and rule == "stays_in_movement" and end is not None:
                    self._add(child, Change(end, 3, r.relation_id, "leave_parent", None, parent))
            elif start is None:
                continue
            elif kind in ("rejoined", "merged_into"):
                self._add(child, Change(start, 2, r.relation_id, "attach", parent))
            elif kind == "pledged_allegiance_to":
                self._add(child, Change(start, 3, r.relation_id, "leave", None, parent))
            elif kind == "rival_of":
                self._add(child, Change(start, 3, r.relation_id, "leave_parent", None, parent))
                self._add(parent, Change(start, 3, r.relation_id, "leave_parent", None, child))
        for changes in self.changes.values():
            changes.sort(key=lambda c: (c.on, c.order, c.relation_id))

    def _add(self, group: str, change: Change) -> None:
        self.changes.setdefault(group, []).append(change)

    def attached_to(self, group: str, on: dt.date) -> str | None:
        """The group this one belongs to on the date (None: it is its own family)."""
        state = None
        for c in self.changes.get(group, []):
            if c.on > on:
                break
            if c.kind == "set" or (c.kind == "attach" and state != c.attach_to):
                state = c.attach_to
            elif c.kind == "leave" and state is not None and state != c.target:
                state = None
            elif c.kind == "leave_parent" and state == c.target:
                state = None
        return state

    def family(self, group, on) -> str | None:
        if group is None or (isinstance(group, float) and pd.isna(group)):
            return None
        on = _date(on)
        if on is None:
            return group
        seen = [group]
        while (parent := self.attached_to(seen[-1], on)) is not None and parent not in seen:
            seen.append(parent)
        return seen[-1]

    @classmethod
    def from_curated(cls, curated: Path) -> Families:
        read = lambda name: pd.read_csv(curated / name, dtype=str, keep_default_na=False)  # noqa: E731
        return cls(read("groups.csv"), read("group_relations.csv"), read("group_family_rulings.csv"))
