-- The warehouse contract: every schema and every table other issues and analysts rely on.
-- Names and column names are the interface; add columns, never rename. Applied at every connection:
-- tables that are missing are created, tables whose columns changed are migrated (see warehouse.py).
-- staging.* tables are created by the source loaders (one per source, typed, renamed); the lineage sources'
-- staging tables are declared below so that they exist (empty) when their raw folders are absent.

-- Types are upper case here (pipelines/engine/column_docs.py reads a column line by its upper-case type); noqa: CP05 on
-- a macro's line because sqlfluff takes its parameters for types.
-- sqlfluff:rules:capitalisation.types:extended_capitalisation_policy:upper

CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS dq;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS meta;

-- Group names are matched after this normalisation: lower case; bracketed acronyms such as "(TTP)" or
-- "(LeJ)" dropped (a bracketed word with two or more capitals), but "(Pakistan)" kept because it
-- distinguishes groups; every run of non-alphanumerics becomes one space.
CREATE OR REPLACE MACRO normalize_group_name(name) AS  -- noqa: CP05
    nullif(trim(regexp_replace(
        lower(regexp_replace(name, '\(\s*[^()\s]*[A-Z][^()\s]*[A-Z][^()\s]*\s*\)', ' ', 'g')),
        '[^a-z0-9]+', ' ', 'g')), '');

-- A person's name for exact matching: lower case, accents dropped, every run of other characters one space.
CREATE OR REPLACE MACRO normalize_person_name(name) AS  -- noqa: CP05
    trim(regexp_replace(lower(strip_accents(name)), '[^a-z0-9]+', ' ', 'g'));

-- The last day a date of the given precision can stand for (2014-06-01 with precision month -> 2014-06-30).
-- (The parameter is not called precision: sqlfluff cannot parse that keyword as a name.)
CREATE OR REPLACE MACRO period_end(d, d_precision) AS  -- noqa: CP05
    CASE d_precision WHEN 'month' THEN (d + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE
                     WHEN 'year' THEN (d + INTERVAL 1 YEAR - INTERVAL 1 DAY)::DATE
                     ELSE d END;

-- A code or count written as text, possibly as a float ("1.0"): the whole number, or NULL when the
-- text is blank, not a number, not whole, or beyond BIGINT ('inf', '1e20': NULL, never an error).
CREATE OR REPLACE MACRO code_int(x) AS  -- noqa: CP05
    CASE WHEN try_cast(x AS DOUBLE) = floor(try_cast(x AS DOUBLE)) THEN try_cast(try_cast(x AS DOUBLE) AS BIGINT) END;

-- True when text that is not blank fails to parse as a finite number (such a value is quarantined, not
-- nulled); 'inf', 'nan' and numbers beyond DOUBLE (1e400) are not counts.
CREATE OR REPLACE MACRO not_a_number(x) AS  -- noqa: CP05
    nullif(trim(x), '') IS NOT NULL AND coalesce(NOT isfinite(try_cast(trim(x) AS DOUBLE)), TRUE);

-- A count as published, with the unknown codes -9 / -99 (and blanks) turned into NULL: unknown, never 0.
CREATE OR REPLACE MACRO count_or_unknown(x) AS  -- noqa: CP05
    CASE WHEN try_cast(x AS DOUBLE) IN (-9, -99) THEN NULL ELSE try_cast(x AS DOUBLE) END;

-- When the pull that wrote a raw file started (pipelines/defs/live/pull.py names its files ..._pulled-<UTC>.csv):
-- what the warehouse knew from then on. NULL for a file put in raw/ by hand (its date is unknown).
CREATE OR REPLACE MACRO pulled_at(source_file) AS  -- noqa: CP05
    try_strptime(nullif(regexp_extract(source_file, '_pulled-([0-9]{8}T[0-9]{6}Z)', 1), ''), '%Y%m%dT%H%M%SZ');

-- The UCDP GED release a file holds, from its name: API pulls (ucdp_ged_api_v25.0.3_pulled-...), UCDP's own
-- file names (ged_candidate_v23_0_10_..., GEDEvent_v25_1..., ged221...). Yearly 'YY.1', candidate 'YY.0.M';
-- NULL when the name does not say.
CREATE OR REPLACE MACRO ucdp_release(source_file) AS coalesce(  -- noqa: CP05
    nullif(regexp_extract(source_file, '_v([0-9]{2}\.(1|0\.[0-9]{1,2}))_pulled-', 1), ''),
    nullif(replace(regexp_extract(lower(source_file), 'v([0-9]{2}_0_[0-9]{1,2}|[0-9]{2}_1)([^0-9]|$)', 1), '_', '.'),
           ''),
    nullif(regexp_extract(lower(source_file), 'ged([0-9]{2})1([^0-9]|$)', 1), '') || '.1');

-- Pakistani provinces under one spelling (docs/conventions.md). The tribal areas are 'FATA' for events
-- before the 25th Amendment merged them into Khyber Pakhtunkhwa (31 May 2018) and 'Khyber Pakhtunkhwa'
-- from that day; Afghan provinces and other countries' regions keep the source's spelling.
CREATE OR REPLACE MACRO conform_admin1(country, name, on_date) AS  -- noqa: CP05
    CASE
        WHEN nullif(trim(name), '') IS NULL THEN NULL
        WHEN country IS DISTINCT FROM 'Pakistan' THEN trim(name)
        WHEN regexp_matches(lower(name), '(federally administered|^fata$|tribal area|^f\.a\.t\.a)')
            THEN CASE WHEN on_date >= DATE '2018-05-31' THEN 'Khyber Pakhtunkhwa' ELSE 'FATA' END
        WHEN regexp_matches(lower(name),
                            '(khyber|pakhtunkhwa|pakhtoonkhwa|pakhtunkhaw|north[- ]west frontier|^nwfp$|^kpk?$)')
            THEN 'Khyber Pakhtunkhwa'
        WHEN regexp_matches(lower(name), '(balochistan|baluchistan|baluchestan)') THEN 'Balochistan'
        WHEN regexp_matches(lower(name), '^punjab') THEN 'Punjab'
        WHEN regexp_matches(lower(name), '^sind') THEN 'Sindh'
        WHEN regexp_matches(lower(trim(name)),
                            '(islamabad|federal capital|capital territory|^i\.? ?c\.? ?t\.?$|^f\.? ?c\.? ?t\.?$)')
            THEN 'Islamabad Capital Territory'
        WHEN regexp_matches(lower(name), '(azad|^ajk$|jammu)') THEN 'Azad Kashmir'
        WHEN regexp_matches(lower(name), '(gilgit|northern areas)') THEN 'Gilgit-Baltistan'
        ELSE trim(name)
    END;

-- One province unit for a whole series (admin1 is the unit in force on the event date): the tribal areas and
-- Khyber Pakhtunkhwa are 'Khyber Pakhtunkhwa incl. former FATA' in every year, before and after the merger of
-- 31 May 2018; other units are conform_admin1's.
CREATE OR REPLACE MACRO harmonize_admin1(country, conformed) AS  -- noqa: CP05
    CASE WHEN country = 'Pakistan' AND conformed IN ('FATA', 'Khyber Pakhtunkhwa')
         THEN 'Khyber Pakhtunkhwa incl. former FATA' ELSE conformed END;

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
    source          VARCHAR NOT NULL,         -- the preferred source's citation (curated first, then UCDP, then MMP)
    source_url      VARCHAR NOT NULL,
    note            VARCHAR,
    sources         VARCHAR[]                 -- every source system asserting the relation, preferred first
);

-- One row per split_from / faction_of relation whose effect on group families we decided, with its citation
-- (raw/curated/group_family_rulings.csv): stays_in_movement (the child is in its parent's family from the
-- relation's date), own_organisation (the child is its own family), left_movement (the child leaves the
-- parent's family at the split). Read by marts.group_family_membership.
CREATE TABLE IF NOT EXISTS core.group_family_rulings (
    relation_id VARCHAR PRIMARY KEY,
    ruling      VARCHAR NOT NULL,
    note        VARCHAR,
    source      VARCHAR NOT NULL,
    source_url  VARCHAR NOT NULL
);

-- Every source's assertion of a relation (curated row, UCDP actor field, MMP link): attached to the reconciled
-- relation of core.group_relations it supports, or, when it supports none, with relation_id NULL and the
-- reason (listed again in dq.unmapped_relation_assertions). sql/core/group_relation_sources.sql.
CREATE TABLE IF NOT EXISTS core.group_relation_sources (
    relation_id      VARCHAR,                 -- the reconciled relation in core.group_relations; NULL = unmapped
    source_system    VARCHAR NOT NULL,        -- curated, ucdp, mmp
    source_record    VARCHAR NOT NULL,        -- the curated relation_id, 'ucdp actor 5865 Splinter 356', 'mmp link 957'
    source_type      VARCHAR NOT NULL,        -- the source's own kind: a curated type, Splinter, SplitTemp, spl, aff, ...
    from_external_id VARCHAR,                 -- UCDP actor id / MMP group id (NULL for curated rows)
    to_external_id   VARCHAR,
    from_group_id    VARCHAR,
    to_group_id      VARCHAR,
    relation_type    VARCHAR,                 -- as this source types it, in our vocabulary
    start_date       DATE,                    -- as this source dates it (UCDP gives no dates)
    start_precision  VARCHAR,
    is_preferred     BOOLEAN NOT NULL,        -- the assertion core.group_relations takes its type and source from
    touches_pakistan_map BOOLEAN,             -- MMP: a group of the link is on a Pakistan map
    unmapped_reason  VARCHAR,                 -- why the assertion supports no relation
    source           VARCHAR NOT NULL,
    source_url       VARCHAR NOT NULL,
    note             VARCHAR
);

-- A group's id in another dataset: the UCDP ActorId, the Stanford MMP group id.
CREATE TABLE IF NOT EXISTS core.group_external_ids (
    group_id      VARCHAR NOT NULL,
    system        VARCHAR NOT NULL,           -- ucdp, mmp
    external_id   VARCHAR NOT NULL,
    external_name VARCHAR,                    -- the name that system uses
    matched_by    VARCHAR,                    -- how the id was matched (the alias or the crosswalk row)
    source        VARCHAR NOT NULL,
    source_url    VARCHAR NOT NULL
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
    report       VARCHAR,                     -- the edition the figure was published in
    country      VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_grain VARCHAR NOT NULL,            -- year / month
    measure      VARCHAR NOT NULL,            -- attacks, events, killed, injured, suicide_attacks
    value        BIGINT NOT NULL,
    definition   VARCHAR,
    note         VARCHAR,
    source       VARCHAR NOT NULL,
    source_url   VARCHAR NOT NULL,
    event_type   VARCHAR,                     -- the publisher's own category (ACLED event type); NULL = all it counts
    is_preferred BOOLEAN NOT NULL,            -- one preferred value per (publisher, country, period, measure, event_type)
    source_file  VARCHAR                      -- the raw file of a figure read from a published file (ACLED); NULL = curated
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
    loaded_at        TIMESTAMP NOT NULL,
    -- issue 14: comparable classes, a stable province unit, deaths by side (docs/data_dictionary.md)
    source_category  VARCHAR,                 -- the source's own category, the key of raw/curated/violence_classes.csv
    violence_class   VARCHAR,                 -- non_state_attack, state_vs_militant_clash, militant_vs_militant_clash, foreign_air_strike, state_violence_against_civilians, not_political_violence
    admin1_published VARCHAR,                 -- the province as the source wrote it
    admin1_harmonized VARCHAR,                -- one unit for the whole series: FATA and KP = 'Khyber Pakhtunkhwa incl. former FATA'
    deaths_side_a    DOUBLE,                  -- UCDP deaths_a (side_a's own dead)
    deaths_side_b    DOUBLE,                  -- UCDP deaths_b
    deaths_civilians DOUBLE,                  -- UCDP deaths_civilians
    deaths_unknown_side DOUBLE,               -- UCDP deaths_unknown (dead whose side is not known)
    deaths_perpetrators DOUBLE,               -- GTD nkillter (perpetrators killed)
    duplicate_of     VARCHAR                  -- incident_id of an earlier row this one copies exactly (mapped
                                              -- id_column: _row_number); marts count the incident once
);

-- Every perpetrator of an incident (GTD gname/gname2/gname3, UCDP non-state sides, ...).
CREATE TABLE IF NOT EXISTS core.incident_perpetrators (
    incident_id     VARCHAR NOT NULL,
    perpetrator_raw VARCHAR NOT NULL,
    group_id        VARCHAR,
    role            VARCHAR NOT NULL,         -- primary, secondary, tertiary, side_a, side_b, associated, additional
    source_file     VARCHAR NOT NULL,
    suspected       BOOLEAN                   -- the source marks the attribution as suspected; NULL: it does not say
);

-- What the tables kept file by file hold (pipelines/engine/file_rows.py: core.incidents, core.incident_perpetrators,
-- core.incident_versions, marts.incident_facts), so that a run replaces only the rows of the source files whose
-- rows changed: per table and file, the key of its rows when they were written and the code they were computed
-- with. A different code_fingerprint or inputs_digest, or no record, rebuilds the whole table.
CREATE TABLE IF NOT EXISTS meta.file_row_keys (
    table_name       VARCHAR NOT NULL,        -- schema.table
    source_file      VARCHAR NOT NULL,
    row_key          VARCHAR NOT NULL,        -- changes whenever the file's rows may have changed
    code_fingerprint VARCHAR NOT NULL,        -- SQL, suites, package code, libraries (pipelines/engine/fingerprint.py)
    inputs_digest    VARCHAR NOT NULL         -- what every row is computed from besides its file (marts.incident_facts:
                                              -- md5 of the rows of marts.group_family_membership); '' when nothing
);
-- The records of earlier code (one per table), replaced by meta.file_row_keys: a warehouse that has them is
-- rebuilt whole once.
DROP TABLE IF EXISTS meta.conformed_files;
DROP TABLE IF EXISTS meta.group_resolution;
DROP TABLE IF EXISTS meta.incident_facts_inputs;

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
    extra_columns    VARCHAR[],               -- headers the loader does not use: accepted and ignored
    status           VARCHAR NOT NULL DEFAULT 'loaded',  -- 'loaded', or 'failed': the file could not be read
    error            VARCHAR                  -- status 'failed': why (the previous version, if any, stays current)
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

-- UCDP actors located in Pakistan or Afghanistan that map to no group, with the reason.
CREATE TABLE IF NOT EXISTS dq.unmapped_ucdp_actors (
    actor_id   BIGINT NOT NULL,
    name       VARCHAR NOT NULL,
    org        BIGINT,                       -- UCDP Org: 1 organised, 2 informal supporters, 3 identity group, 4 government
    location   VARCHAR,
    reason     VARCHAR NOT NULL,             -- state_actor, identity_group, informal_supporters, no_curated_group
    source_file VARCHAR NOT NULL
);

-- Relation assertions of UCDP and MMP that support no row of core.group_relations, with the reason.
CREATE TABLE IF NOT EXISTS dq.unmapped_relation_assertions (
    source_system    VARCHAR NOT NULL,        -- ucdp, mmp
    source_record    VARCHAR NOT NULL,        -- 'ucdp actor 3047 Splinter 356', 'mmp link 971'
    source_type      VARCHAR NOT NULL,
    from_external_id VARCHAR,
    to_external_id   VARCHAR,
    from_group_id    VARCHAR,
    to_group_id      VARCHAR,
    start_date       DATE,
    start_precision  VARCHAR,
    touches_pakistan_map BOOLEAN,
    reason           VARCHAR NOT NULL
);

-- Contradictions between relation sources (sql/dq/relation_conflicts.sql).
CREATE TABLE IF NOT EXISTS dq.relation_conflicts (
    conflict_kind     VARCHAR NOT NULL,      -- split_vs_merger, dates_apart, type_disagreement, impossible_dates
    relation_id       VARCHAR NOT NULL,
    other_relation_id VARCHAR,
    from_group_id     VARCHAR NOT NULL,
    to_group_id       VARCHAR NOT NULL,
    source_systems    VARCHAR[] NOT NULL,
    detail            VARCHAR NOT NULL
);

-- Staging tables of the lineage sources (pipelines/defs/lineage/sources/): typed rows of the raw files.
CREATE TABLE IF NOT EXISTS staging.ucdp_actors (
    actor_id            BIGINT NOT NULL,
    name_data           VARCHAR,
    name_orig           VARCHAR,
    name_orig_full      VARCHAR,
    name_orig_full_eng  VARCHAR,
    name_change         BOOLEAN,
    new_names           VARCHAR[],            -- NewName split on commas, in order (a rename chain)
    new_name_full_eng   VARCHAR,
    org                 BIGINT,
    splinter            BOOLEAN,
    name_prev           VARCHAR,
    actor_ids_prev      BIGINT[],
    split_temp          BOOLEAN,
    name_split_temp     VARCHAR,
    actor_ids_split_temp BIGINT[],
    alliance            BOOLEAN,
    name_alliance       VARCHAR,
    actor_ids_alliance  BIGINT[],
    join_group          BOOLEAN,
    group_name          VARCHAR,
    actor_ids_group     BIGINT[],
    location            VARCHAR,
    locations           VARCHAR[],
    region              VARCHAR,
    version             VARCHAR,
    source_file         VARCHAR NOT NULL,
    source_row          BIGINT NOT NULL
);

-- ACLED's published country-month aggregates, one row per (file, country, month, event type) and measure:
-- raw/acled_aggregates/*.csv (pipelines/defs/reference/published_sources.py).
CREATE TABLE IF NOT EXISTS staging.acled_aggregates (
    country      VARCHAR NOT NULL,
    period_start DATE NOT NULL,               -- the first day of the month
    event_type   VARCHAR NOT NULL,            -- ACLED event type (Battles, Explosions/Remote violence, ...)
    measure      VARCHAR NOT NULL,            -- events (file with an Events column) or killed (Fatalities)
    value        BIGINT NOT NULL,
    source_file  VARCHAR NOT NULL,
    source_row   BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.mmp_links (
    link_id         BIGINT NOT NULL,
    link_type       VARCHAR NOT NULL,         -- all, riv, aff, spl, mer
    group1_id       BIGINT NOT NULL,
    group2_id       BIGINT NOT NULL,
    date_raw        VARCHAR,                  -- as published: '2008-08-00', '0000-00-00'
    start_date      DATE,                     -- first day of the known period; NULL when 0000-00-00
    start_precision VARCHAR,
    description     VARCHAR,
    source_file     VARCHAR NOT NULL,
    source_row      BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.mmp_map_groups (
    map_group_id BIGINT NOT NULL,
    map_id       BIGINT NOT NULL,
    group_id     BIGINT NOT NULL,
    source_file  VARCHAR NOT NULL,
    source_row   BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.mmp_maps (
    map_id      BIGINT NOT NULL,
    url         VARCHAR,
    name        VARCHAR NOT NULL,
    start_year  BIGINT,
    end_year    BIGINT,
    published   BOOLEAN,
    source_file VARCHAR NOT NULL,
    source_row  BIGINT NOT NULL
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
    pipelines_version VARCHAR,
    inputs_fingerprint VARCHAR,            -- raw files, SQL, suites and code it was built from (NULL: unknown)
    -- The two parts of inputs_fingerprint (pipelines/engine/fingerprint.py), so that the next run can tell what changed:
    -- when the code part is the same and only files of incident sources changed, it builds only the assets
    -- downstream of those sources (pipelines/runner.py). NULL when inputs_fingerprint is.
    code_fingerprint   VARCHAR,            -- SQL, expectation suites, package code, library versions
    raw_files          STRUCT(path VARCHAR, sha256 VARCHAR, source VARCHAR)[]  -- every raw file; source: its
                                           -- incident source adapter (gtd, ...), NULL for other files (curated, ...)
);

-- The inputs of the CLI run now building the working copy (at most one row): written once every raw file
-- staged cleanly, moved into meta.build_info by publish. A no-op run compares against it. The two parts
-- (code_fingerprint, raw_files) are as in meta.build_info.
CREATE TABLE IF NOT EXISTS meta.run_inputs (
    run_id             VARCHAR NOT NULL,  -- the Dagster run of the build it stamps: publish takes it only in that run,
                                          -- never one left by a run that failed into a later run (UI, schedule)
    inputs_fingerprint VARCHAR NOT NULL,
    code_fingerprint   VARCHAR NOT NULL,
    raw_files          STRUCT(path VARCHAR, sha256 VARCHAR, source VARCHAR)[] NOT NULL
);

-- The build the working copy was last published as (at most one row): written by publish, emptied whenever an
-- asset or check opens the working copy (pipelines/engine/resources.py). A run builds only what a change reaches
-- when this still names the published build; otherwise an earlier run that failed or was not published may
-- have left tables half-built that the change does not reach, and the whole build job runs.
CREATE TABLE IF NOT EXISTS meta.working_copy (
    build_id VARCHAR NOT NULL              -- meta.build_info.build_id of that publish
);

-- Great Expectations results per (suite, severity, source file), so that a run runs GX only on the files
-- whose rows or expectations changed: adding one month costs that month, not the warehouse
-- (pipelines/defs/quality/gx_checks.py). An entry is used only while its whole key matches: the expectations with the
-- column types and the GX, DuckDB and pandas versions (expectations_hash), and the file's rows over the
-- columns the suite reads (row_count, rows_hash: an order-blind sum and xor of their hashes). A file whose
-- key changed is validated again and its entry replaced; a removed file's entry is dropped; a result with
-- an error is never stored. Only a cache: emptying it makes the next run validate everything again.
CREATE TABLE IF NOT EXISTS meta.gx_results (
    suite             VARCHAR NOT NULL,       -- file name in expectations/, e.g. core.incidents.json
    severity          VARCHAR NOT NULL,       -- ERROR (gx_errors) / WARN (gx_warnings)
    source_file       VARCHAR,                -- NULL: a table without source_file, validated as one
    expectations_hash VARCHAR NOT NULL,
    row_count         BIGINT NOT NULL,
    rows_hash         VARCHAR NOT NULL,
    results           JSON NOT NULL,          -- per cached expectation: success, unexpected_count, sample, ...
    checked_at        TIMESTAMP NOT NULL
);

-- One row per (source, release or file, country, month) that an incident source covers (sql/core/source_coverage.sql):
-- a month outside it is unknown, a covered month without events is 0.
CREATE TABLE IF NOT EXISTS core.source_coverage (
    source        VARCHAR NOT NULL,           -- core.incidents.source
    source_file   VARCHAR NOT NULL,           -- the release or file that covers the month
    country       VARCHAR NOT NULL,
    month_start   DATE NOT NULL,
    basis         VARCHAR NOT NULL,           -- declared (the release or mapping states its period) / observed (first to last month of the file)
    countable     BOOLEAN NOT NULL,           -- false for samples (the ACLED sample file): not a count of events
    method_note   VARCHAR                     -- a change in how the source collected data that breaks comparisons
);

-- Record linkage (pipelines/defs/linkage/matching.py, docs/linkage.md). One row per pair of incidents that Splink scores
-- at 0.3 or more; is_link: the pair is the same event told twice (the decision rule of docs/linkage.md).
-- incident_id_a < incident_id_b. gamma_*: the
-- comparison level of each comparison (-1 = nothing to compare); *_l / *_r: the values compared of a / b.
CREATE TABLE IF NOT EXISTS core.event_links (
    incident_id_a       VARCHAR NOT NULL,
    incident_id_b       VARCHAR NOT NULL,
    source_a            VARCHAR NOT NULL,
    source_b            VARCHAR NOT NULL,
    match_probability   DOUBLE NOT NULL,
    match_weight        DOUBLE NOT NULL,
    is_link             BOOLEAN,
    gamma_date          INTEGER,
    gamma_place         INTEGER,
    gamma_event_class   INTEGER,
    gamma_group_family  INTEGER,
    gamma_target        INTEGER,
    gamma_deaths        INTEGER,
    date_start_l DATE, date_start_r DATE, date_end_l DATE, date_end_r DATE,
    date_precision_l VARCHAR, date_precision_r VARCHAR, event_class_l VARCHAR, event_class_r VARCHAR,
    place_key_l VARCHAR, place_key_r VARCHAR, place_text_l VARCHAR, place_text_r VARCHAR,
    admin2_key_l VARCHAR, admin2_key_r VARCHAR,
    admin1_l VARCHAR, admin1_r VARCHAR, latitude_l DOUBLE, latitude_r DOUBLE, longitude_l DOUBLE, longitude_r DOUBLE,
    group_family_l VARCHAR, group_family_r VARCHAR, target_l VARCHAR, target_r VARCHAR,
    deaths_best_l DOUBLE, deaths_best_r DOUBLE, deaths_low_l DOUBLE, deaths_low_r DOUBLE,
    deaths_high_l DOUBLE, deaths_high_r DOUBLE
);

-- Every incident in exactly one cluster (most alone): the connected components of the links (is_link).
-- cluster_id = the smallest incident_id of the cluster; one representative per cluster (its most precise telling).
CREATE TABLE IF NOT EXISTS core.event_clusters (
    cluster_id        VARCHAR NOT NULL,
    incident_id       VARCHAR NOT NULL,
    is_representative BOOLEAN NOT NULL,
    cluster_size      BIGINT NOT NULL,
    -- the member incident as linkage saw it (sql/linkage/event_link_input.sql): the marts count clusters by these
    source            VARCHAR NOT NULL,
    event_date        DATE,
    date_precision    VARCHAR,
    country           VARCHAR,
    admin1            VARCHAR,
    event_class       VARCHAR,
    group_family      VARCHAR
);

-- What core.event_links was computed from: per source file, a key of its link input rows, and the model.
CREATE TABLE IF NOT EXISTS meta.event_link_inputs (
    source_file VARCHAR NOT NULL,
    row_key     VARCHAR NOT NULL,
    model       VARCHAR NOT NULL
);
