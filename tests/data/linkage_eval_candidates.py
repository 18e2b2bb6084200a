"""How the pairs of tests/data/linkage_eval_pairs.csv were drawn (docs/linkage.md, "Evaluation set"): from a
built warehouse's core.incidents, never from the linkage's output, with a fixed seed.

    python tests/data/linkage_eval_candidates.py WAREHOUSE drones|suicide > candidates.txt

drones: pairs of strikes from two different lists (New America, the Bureau, Kaggle) or one list twice, in the
same agency, at most three days apart: a random sample per stratum (same day / 1-3 days apart / days on which
the agency had two or more strikes in one list / the same list twice).
suicide: the Kaggle suicide-attack list against GTD (Pakistan, bombings, same day or the next), UCDP GED
one-sided violence (same day or next, same province) and the curated incidents against all three.
Each candidate is printed with the raw fields a labeller reads; the labels and evidence are written by hand.
"""

import sys

import duckdb

DRONE_LISTS = "('newamerica_drones', 'bij', 'kaggle_drones')"


def drone_pairs(con) -> str:
    return f"""
    with s as (
        select *, regexp_replace(lower(coalesce(admin2, '')), '[^a-z]|agency', '', 'g') as agency
        from core.incidents where source in {DRONE_LISTS}
    ),
    busy as (select source, agency, event_date from s group by all having count(*) >= 2),
    pairs as (
        select a.incident_id as a, b.incident_id as b, abs(a.event_date - b.event_date) as gap,
               a.source = b.source as same_list,
               exists (select 1 from busy k where k.agency = a.agency and k.event_date = a.event_date) as busy_day
        from s a join s b on a.agency = b.agency and a.incident_id < b.incident_id
         and abs(a.event_date - b.event_date) <= 3
    ),
    strata as (
        select *, case when same_list then 'same_list' when busy_day then 'busy_day'
                       when gap = 0 then 'same_day' else 'days_apart' end as stratum from pairs
    )
    select stratum, a, b from strata
    qualify row_number() over (partition by stratum order by hash(a || b || 'seed20')) <=
            case stratum when 'same_day' then 55 when 'days_apart' then 40 when 'busy_day' then 40 else 25 end
    order by stratum, a, b
    """


def suicide_pairs(con) -> str:
    return """
    with k as (select * from core.incidents where source = 'kaggle_suicide'),
    c as (select * from core.incidents where source = 'curated'),
    g as (select * from core.incidents where source = 'gtd' and country = 'Pakistan'
          and attack_type = 'Bombing/Explosion' and date_precision = 'day'),
    u as (select * from core.incidents where source = 'ucdp_ged' and event_type = 'one_sided_violence'),
    pairs as (
        select 'kaggle_gtd' as stratum, k.incident_id as a, g.incident_id as b from k join g
          on g.event_date between k.event_date - 1 and k.event_date + 1
        union all
        select 'kaggle_ucdp', k.incident_id, u.incident_id from k join u
          on u.event_date between k.event_date - 1 and k.event_date + 1 and u.admin1 = k.admin1
        union all
        select 'curated_' || o.source, c.incident_id, o.incident_id from c join core.incidents o
          on o.source in ('kaggle_suicide', 'gtd', 'ucdp_ged') and o.country = c.country
         and o.event_date between c.event_date - 1 and c.event_date + 1
         and (o.source <> 'gtd' or o.attack_type in ('Bombing/Explosion', 'Armed Assault', 'Assassination'))
         and (o.source <> 'ucdp_ged' or o.admin1 = c.admin1)
    )
    select stratum, a, b from pairs
    qualify row_number() over (partition by stratum order by hash(a || b || 'seed20')) <=
            case stratum when 'kaggle_gtd' then 50 when 'kaggle_ucdp' then 30 else 12 end
    order by stratum, a, b
    """


def describe(con, incident_id: str) -> str:
    row = con.execute(
        """select source, event_date, date_precision, admin1, admin2, location, fatalities_low,
                                fatalities_high, wounded, target_type, attack_type, perpetrator_raw
                         from core.incidents where incident_id = ?""",
        [incident_id],
    ).fetchall()[0]
    return " | ".join("" if v is None else str(v) for v in row)


def main() -> None:
    con = duckdb.connect(sys.argv[1], read_only=True)
    sql = drone_pairs(con) if sys.argv[2] == "drones" else suicide_pairs(con)
    for stratum, a, b in con.execute(sql).fetchall():
        print(f"{stratum},{a},{b}\n    A {describe(con, a)}\n    B {describe(con, b)}")


if __name__ == "__main__":
    main()
