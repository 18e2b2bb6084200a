"""UCDP Actor Dataset and Stanford MMP links as sources of core.group_relations, checked against the raw
files (recomputed with pandas) and against small files written here."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.conftest import CURATED_DIR, copy_curated, read_frame, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

UCDP_FILE = "ucdp_actors/ucdp_actor_list_221.csv"


def _ids(cell: str) -> list[int]:
    return [int(x) for x in re.split(r"\s*,\s*", cell.strip()) if x]


@pytest.fixture(scope="module")
def actors(shared_data) -> pd.DataFrame:
    frame = pd.read_csv(shared_data / UCDP_FILE, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    frame["ActorId"] = frame["ActorId"].astype(int)
    return frame.set_index("ActorId", drop=False)


@pytest.fixture(scope="module")
def ucdp_groups(shared_warehouse) -> dict[int, str]:
    _, warehouse, _ = shared_warehouse
    rows = read_table(warehouse, "select external_id, group_id from core.group_external_ids where system = 'ucdp'")
    return {int(a): g for a, g in rows}


def test_every_ucdp_actor_in_pakistan_or_afghanistan_is_mapped_or_listed_with_a_reason(
    shared_warehouse, actors, ucdp_groups
):
    _, warehouse, _ = shared_warehouse
    located = actors[
        actors["Location"].str.split(r"\s*,\s*").apply(lambda places: "Pakistan" in places or "Afghanistan" in places)
    ]
    unmapped = read_frame(warehouse, "select actor_id, reason from dq.unmapped_ucdp_actors").set_index("actor_id")
    mapped = set(located["ActorId"]) & set(ucdp_groups)
    assert len(located) == 139  # the README's figure check: 139 actors name Pakistan or Afghanistan
    assert mapped.isdisjoint(unmapped.index)
    assert mapped | set(unmapped.index) == set(located["ActorId"])
    assert (unmapped["reason"].str.len() > 0).all()
    # UCDP's own Org code explains the governments and identity groups
    governments = set(located.loc[located["Org"] == "4", "ActorId"])
    assert governments and governments <= set(unmapped.index)
    assert unmapped.loc[sorted(governments), "reason"].str.startswith("state_actor").all()
    identity = set(located.loc[located["Org"] == "3", "ActorId"])
    assert unmapped.loc[sorted(identity), "reason"].str.startswith("identity_group").all()
    # the actors the GED sides resolve through keep their UCDP id
    assert {356: "ttp", 5864: "ttp_sajna", 5865: "ttp_shehryar", 5928: "jua", 234: "is"}.items() <= ucdp_groups.items()


def test_ucdp_names_shared_with_other_countries_do_not_map_elsewhere(actors, ucdp_groups):
    # 'BRA' and 'NRF' are also actors in other countries (Bougainville, Sudan): only the located ones map
    for group in ("bra", "nrf"):
        for actor_id in [a for a, g in ucdp_groups.items() if g == group]:
            assert re.search(r"\b(Pakistan|Afghanistan)\b", actors.loc[actor_id, "Location"]), actor_id


def test_every_file_row_is_accounted_for(shared_warehouse, shared_data):
    _, warehouse, _ = shared_warehouse
    loads = read_frame(
        warehouse,
        "select source_file, rows_read, rows_loaded, rows_quarantined from dq.file_loads "
        "where source in ('ucdp_actors', 'mmp') and is_current",
    ).set_index("source_file")
    for name in (UCDP_FILE, "mmp/links.csv", "mmp/map_groups.csv", "mmp/maps.csv"):
        expected = len(pd.read_csv(shared_data / name, dtype=str, keep_default_na=False, encoding="utf-8-sig"))
        row = loads.loc[name]
        assert row["rows_read"] == expected == row["rows_loaded"] + row["rows_quarantined"]
    staged = read_table(warehouse, "select count(*) from staging.mmp_links")[0][0]
    assert staged == loads.loc["mmp/links.csv", "rows_loaded"]


def test_ttp_splinters_and_the_is_rename_chain_come_with_source_ucdp(shared_warehouse, actors, ucdp_groups):
    _, warehouse, _ = shared_warehouse
    relations = read_frame(
        warehouse, "select from_group_id, to_group_id, relation_type, sources from core.group_relations"
    )
    with_ucdp = relations[relations["sources"].apply(lambda s: "ucdp" in list(s))]
    pairs = set(zip(with_ucdp["from_group_id"], with_ucdp["to_group_id"], with_ucdp["relation_type"]))
    unmapped = set(read_table(warehouse, "select actor_id from dq.unmapped_ucdp_actors").__iter__())
    unmapped = {a for (a,) in unmapped}
    splinters = actors[(actors["Splinter"] == "1") & actors["ActorIdPrev"].apply(lambda c: 356 in _ids(c))]
    factions = actors[(actors["SplitTemp"] == "1") & actors["ActorIdSplitTemp"].apply(lambda c: 356 in _ids(c))]
    assert len(splinters) >= 4
    for actor_id in splinters["ActorId"]:
        if actor_id in unmapped:
            continue
        assert (ucdp_groups[actor_id], "ttp", "split_from") in pairs, actor_id
    for actor_id in factions["ActorId"]:  # the TTP factions UCDP names (Tariq Afridi, ...) are TTP itself
        assert (
            actor_id in unmapped
            or ucdp_groups[actor_id] == "ttp"
            or (ucdp_groups[actor_id], "ttp", "faction_of") in pairs
        )
    # IS (234): NameOrig, then each NewName in order, is one rename after another
    aliases = pd.read_csv(CURATED_DIR / "group_aliases.csv", dtype=str, keep_default_na=False)
    by_name = {
        a.strip().lower(): g
        for a, g, s in zip(aliases["alias"], aliases["group_id"], aliases["source_system"])
        if s == "ucdp"
    }
    chain = [actors.loc[234, "NameOrig"]] + [n.strip() for n in actors.loc[234, "NewName"].split(",")]
    groups = [by_name[name.strip().lower()] for name in chain]
    assert groups[-1] == "is" and len(set(groups)) == len(chain) == 5
    for old, new in zip(groups, groups[1:]):
        assert (old, new, "renamed_to") in pairs


def test_mmp_split_and_merger_links_touching_the_pakistan_maps_are_mapped_or_counted(shared_warehouse, shared_data):
    _, warehouse, _ = shared_warehouse
    maps = pd.read_csv(shared_data / "mmp/maps.csv", dtype=str, keep_default_na=False)
    map_groups = pd.read_csv(shared_data / "mmp/map_groups.csv", dtype=str, keep_default_na=False)
    links = pd.read_csv(shared_data / "mmp/links.csv", dtype=str, keep_default_na=False)
    pakistan_maps = set(maps.loc[maps["name"].str.startswith("Pakistan"), "id"])
    on_maps = set(map_groups.loc[map_groups["map_id"].isin(pakistan_maps), "group_id"])
    touching = links[
        links["type"].isin(["spl", "mer"]) & (links["group1"].isin(on_maps) | links["group2"].isin(on_maps))
    ]
    expected = {f"mmp link {i}" for i in touching["id"]}
    assert len(expected) == 16
    placed = read_frame(
        warehouse,
        "select source_record, relation_id from core.group_relation_sources "
        "where source_system = 'mmp' and relation_id is not null",
    )
    counted = read_frame(
        warehouse,
        "select source_record, reason, touches_pakistan_map "
        "from dq.unmapped_relation_assertions where source_system = 'mmp'",
    )
    assert set(placed["source_record"]).isdisjoint(counted["source_record"])
    assert expected <= set(placed["source_record"]) | set(counted["source_record"])
    assert counted.loc[counted["source_record"].isin(expected), "touches_pakistan_map"].all()
    # a link whose group the crosswalk does not map is counted with that reason
    crosswalk = set(pd.read_csv(CURATED_DIR / "mmp_group_crosswalk.csv", dtype=str)["mmp_group_id"])
    outside = {
        f"mmp link {i}"
        for i, a, b in zip(touching["id"], touching["group1"], touching["group2"])
        if a not in crosswalk or b not in crosswalk
    }
    reasons = counted.set_index("source_record")["reason"]
    assert outside and all("mmp_group_crosswalk" in reasons[r] for r in outside)
    # the splits MMP shares with our curated lineage support those relations
    assert {"mmp link 951", "mmp link 957", "mmp link 397", "mmp link 653"} <= set(placed["source_record"])
    # every link of the file is counted once, placed or not (aff, all, riv included)
    assert len(set(placed["source_record"]) | set(counted["source_record"])) == len(links)


def test_reconciled_lineage_edges_are_the_curated_ones_on_the_shared_files(shared_warehouse):
    """tests/test_marts.py recomputes families from raw/curated/group_relations.csv: that stays right only
    while UCDP and MMP add no split_from / faction_of edge of their own. If they do, adapt that test."""
    _, warehouse, _ = shared_warehouse
    curated = pd.read_csv(CURATED_DIR / "group_relations.csv", dtype=str, keep_default_na=False)
    curated = curated[curated["relation_type"].isin(["split_from", "faction_of"])]
    core = read_frame(
        warehouse,
        "select from_group_id, to_group_id, relation_type from core.group_relations "
        "where relation_type in ('split_from', 'faction_of')",
    )
    assert set(map(tuple, core.values)) == set(
        zip(curated["from_group_id"], curated["to_group_id"], curated["relation_type"])
    )


def test_ttp_timeline_lists_founding_emirs_splits_and_remergers_in_date_order(shared_warehouse):
    _, warehouse, _ = shared_warehouse
    timeline = read_frame(warehouse, "select * from marts.group_timeline where group_id = 'ttp' order by event_order")
    dated = timeline[timeline["event_date"].notna()]
    assert list(dated["event_date"]) == sorted(dated["event_date"])
    assert timeline["event_date"].isna().sum() == 0 or timeline["event_date"].isna().iloc[-1]
    assert timeline["sources"].apply(len).gt(0).all() and timeline["source_urls"].apply(len).gt(0).all()
    groups = pd.read_csv(CURATED_DIR / "groups.csv", dtype=str, keep_default_na=False).set_index("group_id")
    founded = timeline[timeline["event_kind"] == "founded"]
    assert list(founded["event_date"].astype(str)) == [groups.loc["ttp", "founded_on"]]
    position = dict(zip(timeline["event_order"], range(len(timeline))))
    # every emir (and the founder) takes over, and each removal follows his start
    leaders = pd.read_csv(CURATED_DIR / "leaders.csv", dtype=str, keep_default_na=False)
    emirs = leaders[(leaders["group_id"] == "ttp") & leaders["role"].isin(["emir", "founder"])]["leader_id"]
    events = pd.read_csv(CURATED_DIR / "leadership_events.csv", dtype=str, keep_default_na=False)
    for emir in emirs:
        starts = timeline[(timeline["leader_id"] == emir) & (timeline["event_kind"] == "leader_start")]
        assert len(starts), emir
        removals = events[(events["leader_id"] == emir) & (events["event_type"] != "false_report")]
        for r in removals.itertuples():
            row = timeline[(timeline["leader_id"] == emir) & (timeline["event_kind"] == f"leader_{r.event_type}")]
            assert list(row["event_date"].astype(str)) == [r.event_date], emir
            assert position[row["event_order"].iloc[0]] > position[starts["event_order"].iloc[0]]
    # the 2014 splits from TTP and the 2020 rejoinings, each with its relation's sources
    relations = pd.read_csv(CURATED_DIR / "group_relations.csv", dtype=str, keep_default_na=False)
    splits = relations[
        (relations["to_group_id"] == "ttp")
        & (relations["relation_type"] == "split_from")
        & relations["start_date"].str.startswith("2014")
    ]
    remergers = relations[
        (relations["to_group_id"] == "ttp")
        & (relations["relation_type"] == "rejoined")
        & relations["start_date"].str.startswith("2020")
    ]
    assert len(splits) == 6 and len(remergers) == 4
    by_relation = timeline.set_index("relation_id")
    for r in pd.concat([splits, remergers]).itertuples():
        event = by_relation.loc[r.relation_id]
        assert str(event["event_date"].date()) == r.start_date
        assert list(event["source_systems"])[0] == "curated" and r.source in list(event["sources"])
    assert "ucdp" in list(by_relation.loc["ttp_sajna_split_from_ttp_2014", "source_systems"])
    last_split = max(position[by_relation.loc[r, "event_order"]] for r in splits["relation_id"])
    first_remerger = min(position[by_relation.loc[r, "event_order"]] for r in remergers["relation_id"])
    assert last_split < first_remerger


def test_without_the_lineage_folders_the_relations_are_the_curated_ones(built_warehouse):
    _, warehouse, _ = built_warehouse
    for table in ("ucdp_actors", "mmp_links", "mmp_map_groups", "mmp_maps"):
        assert read_table(warehouse, f"select count(*) from staging.{table}") == [(0,)]
    curated = pd.read_csv(CURATED_DIR / "group_relations.csv", dtype=str)
    rows = read_table(warehouse, "select relation_id, sources from core.group_relations")
    assert {r for r, _ in rows} == set(curated["relation_id"])
    assert all(list(s) == ["curated"] for _, s in rows)
    assert read_table(
        warehouse, "select count(*) from dq.relation_conflicts where conflict_kind <> 'impossible_dates'"
    ) == [(0,)]


MMP_MAPS = (
    '"id","url","name","description","startyear","endyear","published","group_id"\n'
    '"35","pak","Pakistan -- All","test map","1970","2015","1",NULL\n'
)
MMP_MAP_GROUPS = (
    '"id","map_id","group_id","min_zoom","max_zoom","position"\n'
    '"1","35","105","1","1","1"\n"2","35","215","1","1","2"\n"3","35","451","1","1","3"\n'
)
MMP_LINKS = """id,type,group1,group2,date,description
1,mer,451,215,2009-00-00,LeJ-A merges back into LeJ (made up: contradicts the curated 2009 split)
2,spl,215,451,2012-05-00,LeJ-A splits from LeJ (made up: more than a year after the curated 2009 split)
3,spl,105,999,2010-00-00,a TTP splinter the crosswalk does not know
4,aff,459,1,2014-11-00,Jundullah vows allegiance to IS (month only: the curated day is 17 Nov 2014)
5,all,21,105,1990-00-00,AQ and TTP allies (made up: before TTP was founded)
6,xyz,105,215,2010-00-00,an unknown link type
"""


@pytest.fixture(scope="module")
def conflicting(tmp_path_factory):
    root = tmp_path_factory.mktemp("lineage_conflicts")
    raw = copy_curated(root)
    (raw / "mmp").mkdir()
    (raw / "mmp" / "maps.csv").write_text(MMP_MAPS)
    (raw / "mmp" / "map_groups.csv").write_text(MMP_MAP_GROUPS)
    (raw / "mmp" / "links.csv").write_text(MMP_LINKS)
    warehouse = root / "warehouse.duckdb"
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout + result.stderr
    return warehouse


def test_contradictions_are_listed(conflicting):
    conflicts = read_frame(
        conflicting, "select conflict_kind, relation_id, other_relation_id, detail from dq.relation_conflicts"
    )
    kinds = conflicts.groupby("conflict_kind")["relation_id"].apply(set).to_dict()
    assert (
        "lej_alami__merged_into__lej__2009__mmp" in kinds["split_vs_merger"]
        or "lej_alami_split_from_lej_2009" in kinds["split_vs_merger"]
    )
    apart = conflicts[conflicts["conflict_kind"] == "dates_apart"]
    assert {frozenset(p) for p in zip(apart["relation_id"], apart["other_relation_id"])} == {
        frozenset({"lej_alami_split_from_lej_2009", "lej_alami__split_from__lej__2012__mmp"})
    }
    impossible = conflicts[conflicts["conflict_kind"] == "impossible_dates"]
    assert impossible["detail"].str.contains("mmp link 5 dates it 1990-01-01").any()


def test_a_date_disagreement_within_a_year_is_one_relation_with_a_claim(conflicting):
    sources = read_frame(
        conflicting,
        "select relation_id, source_record from core.group_relation_sources "
        "where source_record in ('mmp link 4', 'jundullah_pk_pledged_allegiance_to_is_2014')",
    )
    assert set(sources["relation_id"]) == {"jundullah_pk_pledged_allegiance_to_is_2014"}
    relation = read_table(
        conflicting,
        "select start_date::varchar, sources from core.group_relations "
        "where relation_id = 'jundullah_pk_pledged_allegiance_to_is_2014'",
    )
    assert relation == [("2014-11-17", ["curated", "mmp"])]
    claims = read_table(
        conflicting,
        "select value, is_preferred from core.claims where subject_id = "
        "'jundullah_pk_pledged_allegiance_to_is_2014' and attribute = 'start_date'",
    )
    assert ("2014-11-01", False) in claims and sum(p for _, p in claims) == 1


def test_unplaceable_links_are_counted_and_bad_rows_quarantined(conflicting):
    counted = dict(read_table(conflicting, "select source_record, reason from dq.unmapped_relation_assertions"))
    assert "MMP 999" in counted["mmp link 3"]
    quarantined = read_table(conflicting, "select row_number, column_name from dq.quarantine where source = 'mmp'")
    assert quarantined == [(6, "type")]
    loads = read_table(
        conflicting,
        "select rows_read, rows_loaded, rows_quarantined from dq.file_loads "
        "where source_file = 'mmp/links.csv' and is_current",
    )
    assert loads == [(6, 5, 1)]
