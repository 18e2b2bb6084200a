-- A table macro, not a model: created (again) right before a model that calls it runs (create_macros in
-- pipelines/engine/warehouse.py). Used by sql/marts/policy_outcomes.sql and sql/marts/policy_outcomes_joint.sql.
-- its_placeholders(): one row of the interrupted-time-series columns of both marts (ITS_COLUMNS in
-- pipelines/defs/marts/stats.py), NULL and typed: the model builds them empty, pipelines/defs/marts/stats.py fills them.
create or replace macro its_placeholders() as table
select
    cast(null as double) as its_level_change,
    cast(null as double) as its_level_ci_low,
    cast(null as double) as its_level_ci_high,
    cast(null as double) as its_level_p,
    cast(null as double) as its_slope_change,
    cast(null as double) as its_slope_ci_low,
    cast(null as double) as its_slope_ci_high,
    cast(null as double) as its_slope_p,
    cast(null as varchar) as its_model;
