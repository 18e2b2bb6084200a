"""UCDP Actor Dataset (any release): raw/ucdp_actors/*.csv -> staging.ucdp_actors.

One row per actor with its lineage fields: NameChange/NewName (a comma-separated rename chain),
Splinter/NamePrev/ActorIdPrev, SplitTemp/ActorIdSplitTemp, Alliance/ActorIdAlliance, JoinGroup/
ActorIdGroup. Multi-valued cells are comma-separated; the file starts with a UTF-8 BOM. A row whose
ActorId, or one of whose actor-id lists, is not made of whole numbers is quarantined.
"""

from __future__ import annotations

from pipelines.defs.lineage.sources.base import LineageTable

SOURCE = "ucdp_actors"
ID_LISTS = {
    "ActorIdPrev": "actor_ids_prev",
    "ActorIdSplitTemp": "actor_ids_split_temp",
    "ActorIdAlliance": "actor_ids_alliance",
    "ActorIdGroup": "actor_ids_group",
}


def _items(column: str) -> str:
    """A comma-separated cell as a list of trimmed, non-blank items."""
    return f"list_filter(list_transform(string_split(coalesce(\"{column}\", ''), ','), lambda x: trim(x)), lambda x: x <> '')"


def _flag(column: str) -> str:
    return f'code_int("{column}") = 1'


_bad_list = " when ".join(
    f"len(list_filter({_items(c)}, lambda x: code_int(x) is null)) > 0 then '{c}'" for c in ID_LISTS
)

TYPING_SQL = f"""
select
    _row_number,
    code_int("ActorId") as actor_id,
    trim("NameData") as name_data, trim("NameOrig") as name_orig, trim("NameOrigFull") as name_orig_full,
    trim("NameOrigFullEng") as name_orig_full_eng,
    {_flag("NameChange")} as name_change, {_items("NewName")} as new_names, trim("NewNameFullEng") as new_name_full_eng,
    code_int("Org") as org,
    {_flag("Splinter")} as splinter, trim("NamePrev") as name_prev,
    list_transform({_items("ActorIdPrev")}, lambda x: code_int(x)) as actor_ids_prev,
    {_flag("SplitTemp")} as split_temp, trim("NameSplitTemp") as name_split_temp,
    list_transform({_items("ActorIdSplitTemp")}, lambda x: code_int(x)) as actor_ids_split_temp,
    {_flag("Alliance")} as alliance, trim("NameAlliance") as name_alliance,
    list_transform({_items("ActorIdAlliance")}, lambda x: code_int(x)) as actor_ids_alliance,
    {_flag("JoinGroup")} as join_group, trim("GroupName") as group_name,
    list_transform({_items("ActorIdGroup")}, lambda x: code_int(x)) as actor_ids_group,
    trim("Location") as location, {_items("Location")} as locations,
    trim("Region") as region, trim("Version") as version,
    case when code_int("ActorId") is null then 'ActorId' when {_bad_list} end as _reject_column,
    case when code_int("ActorId") is null then 'ActorId ' || coalesce('''' || "ActorId" || '''', 'blank') || ' is not a whole number'
         when {_bad_list.replace("then '", "then 'not a list of actor ids: ")} end as _reject_reason
from raw_rows
"""

ACTORS = LineageTable(
    source=SOURCE,
    dataset="actors",
    table="ucdp_actors",
    pattern="*.csv",
    required_columns=(
        "ActorId",
        "NameData",
        "NameOrig",
        "NameChange",
        "NewName",
        "Splinter",
        "ActorIdPrev",
        "SplitTemp",
        "ActorIdSplitTemp",
        "Alliance",
        "ActorIdAlliance",
        "JoinGroup",
        "ActorIdGroup",
        "Org",
        "Location",
    ),
    typing_sql=TYPING_SQL,
)
TABLES = (ACTORS,)
