"""Record linkage: the same event told by several sources (or twice by one) becomes one cluster.

core.event_links holds every candidate pair that Splink's Fellegi-Sunter model scores at MUTUAL_THRESHOLD or
more, with the comparison values that decided it and ``is_link`` (the decision rule below); core.event_clusters
the connected components of the links (one row per incident: every incident is in exactly one cluster, most
alone). docs/linkage.md argues the blocking, the comparisons and the thresholds.

    input       sql/linkage/event_link_input.sql (the one model linkage reads: switch columns there)
    blocking    sql/linkage/candidate_pairs.sql (date windows x place x class; our SQL, handed to Splink as
                its blocked pairs, because day windows over date precision are not an equi-join)
    scoring     Splink 5 on DuckDB with the parameters in pipelines/defs/linkage/linkage_model.json (one model per domain of
                DOMAINS), estimated without
                labels (``python -m pipelines.defs.linkage.matching estimate --warehouse FILE``: u by random sampling,
                m by expectation maximisation) and kept in the repository, so that every build scores with
                the same model and an incremental re-link equals a full one exactly.
    incremental meta.event_link_inputs keeps, per source file, a key of its link input rows; a re-link
                deletes the links touching incidents of changed or removed files and scores only the
                candidate pairs with a side among the changed files' incidents. ``is_link`` and the clusters
                are recomputed over every stored pair (cheap: a few thousand rows).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.engine.config import PROJECT_ROOT, SQL_DIR
from pipelines.engine.reader import clear_raw_rows, read_raw_file
from pipelines.engine.warehouse import transaction

MODEL_PATH = Path(__file__).with_name("linkage_model.json")
# A pair is a link when Splink's match probability is at least LINK_THRESHOLD, or, between two different
# sources, at least MUTUAL_THRESHOLD and each side is the other's most probable partner in the other's source
# (each list tells a strike once: the best mutual candidate on a day with one strike is that strike even
# when the names differ). core.event_links keeps every pair scored at MUTUAL_THRESHOLD or more, with is_link;
# whether a pair is mutual best is decided again over all stored pairs at every re-link (docs/linkage.md).
LINK_THRESHOLD = 0.95
MUTUAL_THRESHOLD = 0.3
CHANGED_VARIABLE = "link_changed_ids"
# One model per linkage domain: the drone-strike lists compare other fields, tolls and place names than attack
# and conflict datasets do, and u (how often two unrelated records agree) differs between them. A pair is scored
# by the drone model when both sides are drone strikes, else by the general model.
DOMAINS = {"drone_strike": "event_class = 'drone_strike'", "general": "event_class <> 'drone_strike'"}
# The columns Splink compares (and keeps in core.event_links as the values that decided a pair).
COMPARED = [
    "country",
    "event_year",
    "date_start",
    "date_end",
    "date_precision",
    "event_class",
    "place_key",
    "place_text",
    "admin2_key",
    "admin1",
    "latitude",
    "longitude",
    "group_family",
    "target",
    "deaths_best",
    "deaths_low",
    "deaths_high",
]


def input_sql() -> str:
    return (SQL_DIR / "linkage" / "event_link_input.sql").read_text()


def candidate_sql() -> str:
    return (SQL_DIR / "linkage" / "candidate_pairs.sql").read_text()


# ---------------------------------------------------------------------------------------------- the model
def _gap():
    # days between the two periods (0 when they overlap); both day-precise or not
    return "greatest(0, date_diff('day', date_end_l, date_start_r), date_diff('day', date_end_r, date_start_l))"


def settings(probability_two_random_records_match: float = 1e-4):
    """The Splink settings: what is compared and at which levels (docs/linkage.md, "Comparisons")."""
    import splink.comparison_level_library as cll
    from splink import SettingsCreator

    both_days = "date_precision_l = 'day' and date_precision_r = 'day'"
    date = {
        "output_column_name": "date",
        "comparison_description": "days between the two periods, and whether both are day-precise",
        "comparison_levels": [
            cll.NullLevel("date_start"),
            # m fixed, not estimated (docs/linkage.md, "Estimation": EM on date confounds one event with one
            # place's many events); u is estimated by random sampling like every other level
            {"sql_condition": f"{both_days} and {_gap()} = 0", "label_for_charts": "same day", "m_probability": 0.70},
            {
                "sql_condition": f"{both_days} and {_gap()} = 1",
                "label_for_charts": "one day apart",
                "m_probability": 0.20,
            },
            {
                "sql_condition": f"{both_days} and {_gap()} <= 3",
                "label_for_charts": "2-3 days apart",
                "m_probability": 0.06,
            },
            {
                "sql_condition": f"{_gap()} = 0",
                "label_for_charts": "an imprecise period contains the other",
                "m_probability": 0.03,
            },
            {**cll.ElseLevel().create_level_dict("duckdb"), "m_probability": 0.01},
        ],
    }
    distance = (
        "2 * 6371 * asin(sqrt(pow(sin(radians(latitude_r - latitude_l) / 2), 2) + cos(radians(latitude_l))"
        " * cos(radians(latitude_r)) * pow(sin(radians(longitude_r - longitude_l) / 2), 2)))"
    )
    no_place = "(%s is null and admin2_key_{s} is null and admin1_{s} is null and latitude_{s} is null)"
    place = {
        "output_column_name": "place",
        "comparison_description": "place name, distance, district, province",
        "comparison_levels": [
            {
                "sql_condition": " or ".join((no_place % "place_key_{s}").format(s=s) for s in "lr"),
                "label_for_charts": "one side has no place",
                "is_null_level": True,
            },
            # one list's name inside the other's description counts: "Zeralita" / "Zeralita in the Azam
            # Warsak region", "Shaktoi" / "Bichi village near Shaktoi"
            {
                "sql_condition": "(jaro_winkler_similarity(place_key_l, place_key_r) >= 0.92 "
                "or (length(place_key_l) >= 4 and contains(place_text_r, place_key_l)) "
                "or (length(place_key_r) >= 4 and contains(place_text_l, place_key_r))) "
                f"and coalesce({distance} <= 25, true)",
                "label_for_charts": "place names agree",
            },
            {"sql_condition": f"{distance} <= 5", "label_for_charts": "within 5 km"},
            {
                "sql_condition": "jaro_winkler_similarity(place_key_l, place_key_r) >= 0.8 "
                "and admin2_key_l = admin2_key_r",
                "label_for_charts": "similar place names, same district",
            },
            {"sql_condition": "admin2_key_l = admin2_key_r", "label_for_charts": "same district, names differ"},
            {
                "sql_condition": f"admin1_l = admin1_r or coalesce({distance} <= 50, false)",
                "label_for_charts": "same province or within 50 km",
            },
            cll.ElseLevel(),
        ],
    }
    event_class = {
        "output_column_name": "event_class",
        "comparison_levels": [
            cll.NullLevel("event_class"),
            # not estimated (every EM round blocks on it): sources nearly always agree on the class of one event
            {**cll.ExactMatchLevel("event_class").create_level_dict("duckdb"), "m_probability": 0.95},
            {
                **cll.ElseLevel().create_level_dict("duckdb"),
                "m_probability": 0.05,
            },  # compatible classes only: blocking never pairs a drone strike with a bombing
        ],
    }
    family = {
        "output_column_name": "group_family",
        "comparison_levels": [cll.NullLevel("group_family"), cll.ExactMatchLevel("group_family"), cll.ElseLevel()],
    }
    target = {
        "output_column_name": "target",
        "comparison_levels": [cll.NullLevel("target"), cll.ExactMatchLevel("target"), cll.ElseLevel()],
    }
    overlap = "deaths_low_l <= deaths_high_r and deaths_low_r <= deaths_high_l"
    deaths = {
        "output_column_name": "deaths",
        "comparison_description": "death tolls: the same toll of 5+, a published range meeting the other, the "
        "same toll of 1-4, both none, within half (or 2), else",
        "comparison_levels": [
            cll.NullLevel("deaths_best"),
            # a shared toll of 7 says much, a shared 0 little (most events kill no one): separate levels, fixed
            # bins rather than term frequencies so that a score never depends on the other rows (an
            # incremental re-link then equals a full one)
            {
                "sql_condition": "deaths_best_l = deaths_best_r and deaths_best_l >= 5",
                "label_for_charts": "same toll, 5+",
            },
            # a published range (low < high) that meets the other's: the lists give a low and a high figure
            {
                "sql_condition": f"{overlap} and (deaths_low_l < deaths_high_l or deaths_low_r < deaths_high_r)",
                "label_for_charts": "a published range meets the other",
            },
            {
                "sql_condition": "deaths_best_l = deaths_best_r and deaths_best_l >= 1",
                "label_for_charts": "same toll, 1-4",
            },
            {"sql_condition": "deaths_best_l = 0 and deaths_best_r = 0", "label_for_charts": "both none"},
            {
                "sql_condition": "abs(deaths_best_l - deaths_best_r) <= greatest(2, 0.5 * greatest(deaths_best_l, "
                "deaths_best_r))",
                "label_for_charts": "within half (or 2)",
            },
            cll.ElseLevel(),
        ],
    }
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="incident_id",
        probability_two_random_records_match=probability_two_random_records_match,
        comparisons=[date, place, event_class, family, target, deaths],
        blocking_rules_to_generate_predictions=[],
        additional_columns_to_retain=["source"],
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=False,
    )


def _load_input(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create or replace temp table link_input as {input_sql()}")


def _linker(con: duckdb.DuckDBPyConnection, model, where: str = "true"):
    """A Splink linker over the link input records that ``where`` selects (one domain, or all of them)."""
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    con.execute(
        f"create or replace temp table link_records as "
        f"select incident_id, source, {', '.join(COMPARED)} from link_input where {where}"
    )
    frame = db_api.register("link_records")
    return Linker(frame, model), db_api


PRIOR_RULE = "l.date_start = r.date_start and l.place_key = r.place_key and l.source <> r.source"


def _m(model: dict, comparison: str, label: str) -> float:
    comp = next(c for c in model["comparisons"] if c["output_column_name"] == comparison)
    return next(
        lv["m_probability"]
        for lv in comp["comparison_levels"]
        if lv.get("label_for_charts") == label or lv["sql_condition"].startswith(label)
    )


def estimate_models(con: duckdb.DuckDBPyConnection) -> dict:
    """One model per domain of DOMAINS, each estimated on that domain's records only."""
    _load_input(con)
    return {domain: estimate_model(con, where) for domain, where in DOMAINS.items()}


def estimate_model(con: duckdb.DuckDBPyConnection, where: str = "true") -> dict:
    """Splink's parameters from the warehouse's incidents, without labels (docs/linkage.md, "Estimation"):
    u by random sampling (seeded); the m of place, deaths, perpetrator family and target by expectation
    maximisation over the pairs of the same day, country and class; the m of date and class fixed (see
    settings()); the prior (the share of all pairs that match) from the pairs PRIOR_RULE finds, divided by that
    rule's recall as the model itself puts it (m of the same day x m of agreeing place names)."""
    linker, _ = _linker(con, settings(), where)
    compared = "(l.source <> r.source or l.source not in ('gtd', 'ucdp_ged'))"
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=20)
    linker.training.estimate_parameters_using_expectation_maximisation(
        f"l.country = r.country and l.date_start = r.date_start and l.event_class = r.event_class and {compared}",
        fix_u_probabilities=True,
    )
    model = linker.misc.save_model_to_json()
    recall = _m(model, "date", "same day") * _m(model, "place", "place names agree")
    linker.training.estimate_probability_two_random_records_match([PRIOR_RULE], recall=recall)
    return linker.misc.save_model_to_json()


def load_model() -> dict:
    return json.loads(MODEL_PATH.read_text())


# ------------------------------------------------------------------------------------------------ linking
@dataclass
class Relink:
    mode: str  # "full" or "incremental"
    reason: str
    candidate_pairs: int = 0
    links: int = 0
    clusters: int = 0
    files_relinked: list[str] = field(default_factory=list)


def _score(con: duckdb.DuckDBPyConnection, changed_ids: list[str] | None, models: dict) -> int:
    """Score the candidate pairs (all, or those touching ``changed_ids``) into temp table scored_links;
    returns the number of candidate pairs."""
    if changed_ids is None:
        con.execute(f"set variable {CHANGED_VARIABLE} = null")
    else:
        con.execute(f"set variable {CHANGED_VARIABLE} = ?::varchar[]", [changed_ids])
    con.execute(f"create or replace temp table link_candidates as {candidate_sql()}")
    con.execute(f"set variable {CHANGED_VARIABLE} = null")
    pairs = con.execute("select count(*) from link_candidates").fetchall()[0][0]
    cols = ", ".join(
        f"{c}_l, {c}_r" for c in COMPARED if c not in ("country", "event_year")
    )  # blocked on, not compared
    if pairs == 0:
        con.execute("create or replace temp table scored_links as select * from core.event_links where false")
        return 0
    levels = ", ".join(f"gamma_{c}" for c in ("date", "place", "event_class", "group_family", "target", "deaths"))
    con.execute("create or replace temp table scored_links as select * from core.event_links where false")
    con.execute("""create or replace temp table link_candidates_all as
                   select c.*, l.event_class = 'drone_strike' and r.event_class = 'drone_strike' as drone_pair
                   from link_candidates c join link_input l on l.incident_id = c.join_key_l
                   join link_input r on r.incident_id = c.join_key_r""")
    for domain in DOMAINS:
        drone = domain == "drone_strike"
        con.execute(
            "create or replace temp table link_candidates as "
            "select match_key, join_key_l, join_key_r from link_candidates_all where drone_pair = ?",
            [drone],
        )
        if not con.execute("select count(*) from link_candidates").fetchall()[0][0]:
            continue
        # the drone model's records are the drone strikes; the general model sees every record (a battle may
        # be paired with a drone strike)
        linker, db_api = _linker(con, models[domain], DOMAINS[domain] if drone else "true")
        blocked = db_api.register("link_candidates")
        linker.table_management.register_blocked_pairs_for_predict(blocked)
        predictions = linker.inference.predict(threshold_match_probability=MUTUAL_THRESHOLD, warning_mode="never")
        con.execute(f"""
            insert into scored_links by name
            select incident_id_l as incident_id_a, incident_id_r as incident_id_b, source_l as source_a,
                   source_r as source_b, match_probability, match_weight, {levels}, {cols}
            from {predictions.physical_name}
        """)
        predictions.drop_table_from_database_and_remove_from_cache()
    return pairs


def _row_keys(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""create or replace temp table link_row_keys as
                   select source_file, md5(string_agg(incident_id || row_key, ',' order by incident_id)) as row_key
                   from link_input group by source_file""")


def _cluster(con: duckdb.DuckDBPyConnection) -> int:
    """core.event_clusters: connected components of core.event_links over every incident (Splink's
    clustering); cluster_id = the smallest incident_id of the component; the representative is the most
    precise telling (day-precise, with coordinates, then a district, then the smallest id)."""
    con.execute("create or replace temp table link_nodes as select incident_id from link_input")
    con.execute(
        "create or replace temp table link_edges as select incident_id_a as incident_id_l, "
        "incident_id_b as incident_id_r, 1.0 as match_probability from core.event_links where is_link"
    )
    if con.execute("select count(*) from link_edges").fetchall()[0][0] == 0:
        # No link at all (e.g. one source): every incident is its own component. Splink (its import and its
        # clustering) would say the same at about a second's cost, every build of the curated files.
        con.execute(
            "create or replace temp table link_components as select incident_id, incident_id as cluster_id "
            "from link_nodes"
        )
    else:
        from splink import DuckDBAPI
        from splink.clustering import cluster_pairwise_predictions_at_threshold

        db_api = DuckDBAPI(connection=con)
        nodes, edges = db_api.register("link_nodes"), db_api.register("link_edges")
        clusters = cluster_pairwise_predictions_at_threshold(
            nodes,
            edges,
            db_api=db_api,
            node_id_column_name="incident_id",
            edge_id_column_name_left="incident_id_l",
            edge_id_column_name_right="incident_id_r",
            threshold_match_probability=0.5,
        )  # the edges are the links (is_link), weight 1
        con.execute(f"""
            create or replace temp table link_components as
            select c.incident_id, min(c.incident_id) over (partition by c.cluster_id) as cluster_id
            from {clusters.physical_name} c
        """)
        clusters.drop_table_from_database_and_remove_from_cache()
    con.execute("delete from core.event_clusters")
    con.execute("""
        insert into core.event_clusters by name
        select c.cluster_id, c.incident_id,
               row_number() over (partition by c.cluster_id order by (i.date_precision = 'day') desc,
                                  (i.latitude is not null) desc, (i.admin2_key is not null) desc, i.incident_id) = 1
                   as is_representative,
               count(*) over (partition by c.cluster_id) as cluster_size,
               i.source, i.date_start as event_date, i.date_precision, i.country, i.admin1, i.event_class,
               i.group_family
        from link_components c join link_input i using (incident_id)
    """)
    return con.execute("select count(distinct cluster_id) from core.event_clusters").fetchall()[0][0]


def _store(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("insert into core.event_links by name select * from scored_links")
    con.execute(f"""
        update core.event_links e set is_link = d.is_link
        from (select incident_id_a, incident_id_b,
                     match_probability >= {LINK_THRESHOLD}
                     or (source_a <> source_b and match_probability >= {MUTUAL_THRESHOLD}
                         and rank() over (partition by incident_id_a, source_b order by match_probability desc) = 1
                         and rank() over (partition by incident_id_b, source_a order by match_probability desc) = 1)
                         as is_link
              from core.event_links) d
        where e.incident_id_a = d.incident_id_a and e.incident_id_b = d.incident_id_b""")


def relink(con: duckdb.DuckDBPyConnection, full: bool = False, model: dict | None = None) -> Relink:
    """``model``: the models per domain (default: pipelines/defs/linkage/linkage_model.json)."""
    """Bring core.event_links and core.event_clusters up to date with marts.incident_facts: only the pairs
    touching incidents of changed source files are scored again, unless ``full`` or nothing is recorded."""
    model = model or load_model()
    model_digest = json.dumps(model, sort_keys=True)
    _load_input(con)
    _row_keys(con)
    recorded = con.execute("select distinct model from meta.event_link_inputs").fetchall()
    why = (
        "asked for"
        if full
        else "nothing recorded"
        if not recorded
        else "model changed"
        if len(recorded) > 1 or recorded[0][0] != model_digest
        else None
    )
    with transaction(con):
        if why is not None:
            con.execute("delete from core.event_links")
            pairs = _score(con, None, model)
            files = [r[0] for r in con.execute("select source_file from link_row_keys order by 1").fetchall()]
        else:
            files = [
                r[0]
                for r in con.execute("""
                select distinct source_file from (
                    (select source_file, row_key from meta.event_link_inputs
                     except select source_file, row_key from link_row_keys)
                    union
                    (select source_file, row_key from link_row_keys
                     except select source_file, row_key from meta.event_link_inputs))
                order by 1""").fetchall()
            ]
            changed = [
                r[0]
                for r in con.execute(
                    "select incident_id from link_input where list_contains(?::varchar[], source_file)", [files]
                ).fetchall()
            ]
            # links of changed files' incidents and of incidents that are gone
            con.execute(
                """delete from core.event_links
                           where list_contains(?::varchar[], incident_id_a) or list_contains(?::varchar[], incident_id_b)
                              or incident_id_a not in (select incident_id from link_input)
                              or incident_id_b not in (select incident_id from link_input)""",
                [changed, changed],
            )
            pairs = _score(con, changed, model) if changed else 0
            if not changed:
                con.execute("create or replace temp table scored_links as select * from core.event_links where false")
        _store(con)
        clusters = _cluster(con)
        con.execute("delete from meta.event_link_inputs")
        con.execute(
            "insert into meta.event_link_inputs select source_file, row_key, ? from link_row_keys", [model_digest]
        )
    links = con.execute("select count(*) from core.event_links where is_link").fetchall()[0][0]
    if why is not None:
        return Relink("full", why, pairs, links, clusters, files)
    return Relink("incremental", f"{len(files)} source file(s) changed", pairs, links, clusters, files)


# ------------------------------------------------------------------------------------------- evaluation
EVALUATION_PAIRS = PROJECT_ROOT / "tests" / "data" / "linkage_eval_pairs.csv"


def evaluate(con: duckdb.DuckDBPyConnection, labels: Path = EVALUATION_PAIRS) -> pd.DataFrame:
    """Precision, recall and F1 of core.event_links (is_link) on the hand-labelled pairs, per domain.
    A labelled pair counts as linked when its two incidents are linked directly (not only through a cluster)."""
    read_raw_file(con, labels, encoding="utf-8")
    try:
        scored = con.execute("""
            select p.domain, p.is_match::int = 1 as is_match, coalesce(e.is_link, false) as is_link
            from raw_rows p
            left join core.event_links e
              on e.incident_id_a = least(p.incident_id_a, p.incident_id_b)
             and e.incident_id_b = greatest(p.incident_id_a, p.incident_id_b)
        """).df()
    finally:
        clear_raw_rows(con)
    rows = []
    for domain, group in scored.groupby("domain"):
        tp = int((group.is_link & group.is_match).sum())
        fp = int((group.is_link & ~group.is_match).sum())
        fn = int((~group.is_link & group.is_match).sum())
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        rows.append(
            {
                "domain": domain,
                "pairs": len(group),
                "matches": int(group.is_match.sum()),
                "true_positives": tp,
                "false_positives": fp,
                "false_negatives": fn,
                "precision": precision,
                "recall": recall,
                "f1": f1,
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.defs.linkage.matching",
        description="Estimate the record-linkage model (no labels) from a warehouse.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    est = sub.add_parser("estimate", help=f"estimate Splink's parameters and write {MODEL_PATH.name}")
    est.add_argument("--warehouse", type=Path, required=True, help="a built warehouse (read only)")
    est.add_argument("--out", type=Path, default=MODEL_PATH)
    ev = sub.add_parser("evaluate", help="precision/recall/F1 of a warehouse's links on the labelled pairs")
    ev.add_argument("--warehouse", type=Path, required=True, help="a built warehouse (read only)")
    args = parser.parse_args(argv)
    if args.command == "evaluate":
        con = duckdb.connect(str(args.warehouse), read_only=True)
        print(evaluate(con).to_markdown(index=False, floatfmt=".3f"))
        return 0
    con = duckdb.connect()
    con.execute((SQL_DIR / "schema.sql").read_text())  # the macros the input model uses
    con.execute(f"attach '{args.warehouse}' as w (read_only)")
    con.execute("create or replace view marts.incident_facts as select * from w.marts.incident_facts")
    model = estimate_models(con)
    args.out.write_text(json.dumps(model, indent=2, sort_keys=True) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
