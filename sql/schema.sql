-- The warehouse contract: every schema and every table other issues and analysts rely on.
-- Names and column names are the interface; add columns, never rename. Applied at every connection:
-- tables that are missing are created, tables whose columns changed are migrated (see warehouse.py).
-- staging.* tables are created by the source loaders (one per source, typed, renamed).

CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS dq;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS meta;

-- Group names are matched after this normalisation: lower case; bracketed acronyms such as "(TTP)" or
-- "(LeJ)" dropped (a bracketed word with two or more capitals), but "(Pakistan)" kept because it
-- distinguishes groups; every run of non-alphanumerics becomes one space.
CREATE OR REPLACE MACRO normalize_group_name(name) AS
    nullif(trim(regexp_replace(
        lower(regexp_replace(name, '\(\s*[^()\s]*[A-Z][^()\s]*[A-Z][^()\s]*\s*\)', ' ', 'g')),
        '[^a-z0-9]+', ' ', 'g')), '');

-- The last day a date of the given precision can stand for (2014-06-01 with precision month -> 2014-06-30).
CREATE OR REPLACE MACRO period_end(d, precision) AS
    CASE precision WHEN 'month' THEN (d + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE
                   WHEN 'year' THEN (d + INTERVAL 1 YEAR - INTERVAL 1 DAY)::DATE
                   ELSE d END;

-- A code or count written as text, possibly as a float ("1.0"): the whole number, or NULL when the
-- text is blank, not a number, not whole, or beyond BIGINT ('inf', '1e20': NULL, never an error).
CREATE OR REPLACE MACRO code_int(x) AS
    CASE WHEN try_cast(x AS DOUBLE) = floor(try_cast(x AS DOUBLE)) THEN try_cast(try_cast(x AS DOUBLE) AS BIGINT) END;

-- True when text that is not blank fails to parse as a finite number (such a value is quarantined, not
-- nulled); 'inf', 'nan' and numbers beyond DOUBLE (1e400) are not counts.
CREATE OR REPLACE MACRO not_a_number(x) AS
    nullif(trim(x), '') IS NOT NULL AND coalesce(NOT isfinite(try_cast(trim(x) AS DOUBLE)), true);

-- A count as published, with the unknown codes -9 / -99 (and blanks) turned into NULL: unknown, never 0.
CREATE OR REPLACE MACRO count_or_unknown(x) AS
    CASE WHEN try_cast(x AS DOUBLE) IN (-9, -99) THEN NULL ELSE try_cast(x AS DOUBLE) END;

-- Pakistani provinces under one spelling (docs/conventions.md). The tribal areas are 'FATA' for events
-- before the 25th Amendment merged them into Khyber Pakhtunkhwa (31 May 2018) and 'Khyber Pakhtunkhwa'
-- from that day; Afghan provinces and other countries' regions keep the source's spelling.
CREATE OR REPLACE MACRO conform_admin1(country, name, on_date) AS
    CASE
        WHEN nullif(trim(name), '') IS NULL THEN NULL
        WHEN country IS DISTINCT FROM 'Pakistan' THEN trim(name)
        WHEN regexp_matches(lower(name), '(federally administered|^fata$|tribal area|^f\.a\.t\.a)')
            THEN CASE WHEN on_date >= DATE '2018-05-31' THEN 'Khyber Pakhtunkhwa' ELSE 'FATA' END
        WHEN regexp_matches(lower(name), '(khyber|pakhtunkhwa|pakhtoonkhwa|pakhtunkhaw|north[- ]west frontier|^nwfp$|^kpk?$)')
            THEN 'Khyber Pakhtunkhwa'
        WHEN regexp_matches(lower(name), '(balochistan|baluchistan|baluchestan)') THEN 'Balochistan'
        WHEN regexp_matches(lower(name), '^punjab') THEN 'Punjab'
        WHEN regexp_matches(lower(name), '^sind') THEN 'Sindh'
        WHEN regexp_matches(lower(name), '(islamabad|federal capital|^ict$)') THEN 'Islamabad Capital Territory'
        WHEN regexp_matches(lower(name), '(azad|^ajk$|jammu)') THEN 'Azad Kashmir'
        WHEN regexp_matches(lower(name), '(gilgit|northern areas)') THEN 'Gilgit-Baltistan'
        ELSE trim(name)
    END;

CREATE TABLE IF NOT EXISTS core.groups (
    group_id            VARCHAR PRIMARY KEY,  -- stable slug, e.g. 'ttp'
    name                VARCHAR NOT NULL,
    short_name          VARCHAR,
    ideology            VARCHAR,
    base_country        VARCHAR,
    founded_on          DATE,                 -- first day of the known period
    founded_precision   VARCHAR,              -- day / month / year
    dissolved_on        DATE,
    dissolved_precision VARCHAR,
    proscribed_pk_on    DATE,
    note                VARCHAR,
    source              VARCHAR NOT NULL,
    source_url          VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS core.group_aliases (
    alias            VARCHAR NOT NULL,        -- as the source system spells it
    alias_normalized VARCHAR NOT NULL,        -- normalize_group_name(alias)
    group_id         VARCHAR NOT NULL,
    source_system    VARCHAR NOT NULL,        -- gtd, ucdp, acled, newamerica, bij, cpost, kaggle, mmp, curated
    note             VARCHAR,
    source           VARCHAR NOT NULL,
    source_url       VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS core.group_relations (
    relation_id     VARCHAR PRIMARY KEY,
    from_group_id   VARCHAR NOT NULL,
    to_group_id     VARCHAR NOT NULL,
    relation_type   VARCHAR NOT NULL,         -- split_from, faction_of, merged_into, rejoined, pledged_allegiance_to, renamed_to, allied_with, rival_of
    start_date      DATE,
    start_precision VARCHAR,
    end_date        DATE,
    end_precision   VARCHAR,
    source          VARCHAR NOT NULL,
    source_url      VARCHAR NOT NULL,
    note            VARCHAR
);

CREATE TABLE IF NOT EXISTS core.leaders (
    leader_id  VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    aliases    VARCHAR[],
    group_id   VARCHAR,
    role       VARCHAR,
    note       VARCHAR,
    source     VARCHAR NOT NULL,
    source_url VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS core.leadership_events (
    leadership_event_id    VARCHAR PRIMARY KEY,
    leader_id              VARCHAR NOT NULL,
    group_id               VARCHAR,
    event_type             VARCHAR NOT NULL,  -- killed, captured, arrested, died, false_report
    event_date             DATE,
    event_precision        VARCHAR,
    announced_date         DATE,
    confirmed_by_group_date DATE,
    method                 VARCHAR,           -- drone_strike, raid, military_operation, arrest, ied, infighting, natural, unknown
    perpetrator            VARCHAR,
    country                VARCHAR,
    admin1                 VARCHAR,
    location               VARCHAR,
    successor_leader_id    VARCHAR,
    incident_id            VARCHAR,           -- the strike or attack in core.incidents, where known
    note                   VARCHAR,
    source                 VARCHAR NOT NULL,
    source_url             VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS core.policy_events (
    policy_event_id VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,
    category        VARCHAR NOT NULL,         -- policy, legislation, institution, military_operation, diplomatic, external
    start_date      DATE,
    start_precision VARCHAR,
    end_date        DATE,
    end_precision   VARCHAR,
    scope_country   VARCHAR,
    scope_admin1    VARCHAR,                  -- null = national
    target_group_id VARCHAR,                  -- null = all groups
    description     VARCHAR,
    source          VARCHAR NOT NULL,
    source_url      VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS core.claims (
    claim_id      VARCHAR PRIMARY KEY,
    subject_table VARCHAR NOT NULL,
    subject_id    VARCHAR NOT NULL,
    attribute     VARCHAR NOT NULL,
    value         VARCHAR,
    is_preferred  BOOLEAN NOT NULL,
    note          VARCHAR,
    source        VARCHAR NOT NULL,
    source_url    VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS core.published_aggregates (
    publisher    VARCHAR NOT NULL,            -- e.g. PIPS
    report       VARCHAR,
    country      VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_grain VARCHAR NOT NULL,            -- year / month
    measure      VARCHAR NOT NULL,            -- attacks, killed, injured, suicide_attacks
    value        BIGINT NOT NULL,
    definition   VARCHAR,
    note         VARCHAR,
    source       VARCHAR NOT NULL,
    source_url   VARCHAR NOT NULL
);

-- One row per source event, conformed from every incident source. Fatality counts are DOUBLE because
-- sources publish fractions (GTD splits deaths over related events: 0.5, 0.33); NULL = unknown, never 0.
CREATE TABLE IF NOT EXISTS core.incidents (
    incident_id      VARCHAR NOT NULL,        -- <source>:<source_event_id>, stable across re-runs
    source           VARCHAR NOT NULL,
    source_event_id  VARCHAR NOT NULL,
    event_type       VARCHAR NOT NULL,        -- attack, drone_strike, battle, one_sided_violence, other
    event_date       DATE,                    -- first day of the known period
    date_precision   VARCHAR,                 -- day, month, year, range
    event_end_date   DATE,
    country          VARCHAR,
    admin1           VARCHAR,                 -- conformed province (see docs/conventions.md)
    admin2           VARCHAR,
    location         VARCHAR,
    latitude         DOUBLE,
    longitude        DOUBLE,
    geo_precision    VARCHAR,
    attack_type      VARCHAR,
    target_type      VARCHAR,
    perpetrator_raw  VARCHAR,                 -- as the source names the (first) perpetrator
    group_id         VARCHAR,                 -- null when unknown or unresolved
    fatalities_best  DOUBLE,
    fatalities_low   DOUBLE,
    fatalities_high  DOUBLE,
    wounded          DOUBLE,
    is_suicide       BOOLEAN,
    is_doubtful      BOOLEAN,                 -- GTD doubtterr = 1
    source_file      VARCHAR NOT NULL,
    loaded_at        TIMESTAMP NOT NULL
);

-- Every perpetrator of an incident (GTD gname/gname2/gname3, UCDP non-state sides, ...).
CREATE TABLE IF NOT EXISTS core.incident_perpetrators (
    incident_id     VARCHAR NOT NULL,
    perpetrator_raw VARCHAR NOT NULL,
    group_id        VARCHAR,
    role            VARCHAR NOT NULL,         -- primary, secondary, tertiary, side_a, side_b, associated
    source_file     VARCHAR NOT NULL
);

-- Which file version's rows core.incidents holds, so a run only conforms what changed.
CREATE TABLE IF NOT EXISTS meta.conformed_files (
    source      VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    conformed_at TIMESTAMP NOT NULL
);

-- One row per file version that a loader read. rows_read = rows_loaded + rows_quarantined, always.
CREATE TABLE IF NOT EXISTS dq.file_loads (
    source           VARCHAR NOT NULL,        -- the adapter: curated, gtd, ucdp_ged, ...
    dataset          VARCHAR NOT NULL,        -- what the file feeds (for curated: the table, e.g. groups)
    source_file      VARCHAR NOT NULL,        -- path relative to the raw directory
    sha256           VARCHAR NOT NULL,
    rows_read        BIGINT NOT NULL,
    rows_loaded      BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    is_current       BOOLEAN NOT NULL,        -- false once a newer version replaced it or the file was removed
    loaded_at        TIMESTAMP NOT NULL,
    extra_columns    VARCHAR[]                -- headers the loader does not use: accepted and ignored
);

-- Every rejected row: where it was, what it said, which column was at fault and why.
CREATE TABLE IF NOT EXISTS dq.quarantine (
    source       VARCHAR NOT NULL,
    dataset      VARCHAR NOT NULL,
    source_file  VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    row_number   BIGINT NOT NULL,             -- 1-based data row (the header is row 0)
    column_name  VARCHAR,
    reason       VARCHAR NOT NULL,
    raw_values   JSON,
    quarantined_at TIMESTAMP NOT NULL
);

-- Perpetrator names that resolve to no group (sql/dq/unresolved_groups.sql).
CREATE TABLE IF NOT EXISTS dq.unresolved_groups (
    source             VARCHAR NOT NULL,
    perpetrator_raw    VARCHAR NOT NULL,
    incidents          BIGINT NOT NULL,
    incidents_pak_afg  BIGINT NOT NULL,      -- of them, in Pakistan or Afghanistan
    is_not_a_group     BOOLEAN NOT NULL,     -- classed as not a group in raw/curated/non_group_perpetrators.csv
    not_a_group_reason VARCHAR
);

-- One row per check per run, kept across runs so data quality can be followed over time.
CREATE TABLE IF NOT EXISTS dq.check_results (
    run_id            VARCHAR NOT NULL,
    asset             VARCHAR NOT NULL,
    check_name        VARCHAR NOT NULL,
    severity          VARCHAR NOT NULL,       -- ERROR (blocking) / WARN
    success           BOOLEAN NOT NULL,
    observed_value    VARCHAR,
    unexpected_count  BIGINT,
    unexpected_sample VARCHAR[],              -- ids of failing rows, capped
    checked_at        TIMESTAMP NOT NULL
);

-- What the published file is: one row, rewritten by every publish.
CREATE TABLE IF NOT EXISTS meta.build_info (
    build_id     VARCHAR NOT NULL,
    run_id       VARCHAR,
    built_at     TIMESTAMP NOT NULL,
    raw_dir      VARCHAR,
    pipelines_version VARCHAR
);
