"""Names read as one: province variants, the curated spellings of groups that sources write differently, and
labels that are not a group. Read from the warehouse the CLI built from the curated files."""

from __future__ import annotations

import pytest

from tests.conftest import read_table

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

ISLAMABAD = [
    "F.C.T.",
    "FCT",
    "F.C.T",
    "ICT",
    "I.C.T.",
    " ict ",
    "Islamabad Capital Territory",
    "Islamabad",
    "Federal Capital Territory",
    "Capital Territory",
]


@pytest.mark.parametrize("spelling", ISLAMABAD)
def test_islamabad_variants_are_one_province(built_warehouse, spelling):
    _, warehouse, _ = built_warehouse
    assert read_table(warehouse, f"select conform_admin1('Pakistan', '{spelling}', date '2020-01-01')") == [
        ("Islamabad Capital Territory",)
    ]


def test_fata_and_other_provinces_are_unchanged(built_warehouse):
    _, warehouse, _ = built_warehouse
    got = read_table(
        warehouse,
        "select conform_admin1('Pakistan', 'F.A.T.A.', date '2018-01-01'), "
        "conform_admin1('Pakistan', 'Fatima', date '2018-01-01'), "
        "conform_admin1('Afghanistan', 'F.C.T.', date '2018-01-01')",
    )
    assert got == [("FATA", "Fatima", "F.C.T.")]


# (spelling, source system it is read in, group): spellings seen in GTD, ACLED, UCDP and the PIPS paper
SPELLINGS = [
    ("Khorasan Chapter of the Islamic State", "gtd", "isk"),
    ("Islamic State (Afghanistan)", "acled", "isk"),
    ("Islamic State of Khorasan (IS-K)", "curated", "isk"),
    ("IS-K", "curated", "isk"),
    ("Lashkar-e-Jhangvi al-Alami", "curated", "lej_alami"),
    ("LeJA", "curated", "lej_alami"),
    ("Hizb-I-Islami", "gtd", "hizb_i_islami"),
    ("Hizb-i Islami-yi Afghanistan", "ucdp", "hizb_i_islami"),
    ("Hizb-i-Islami", "curated", "hizb_i_islami"),
    ("Al-Qaeda Central", "curated", "al_qaeda"),
    ("al-Qaida", "ucdp", "al_qaeda"),
    ("Al-Qa`ida", "gtd", "al_qaeda"),
    ("Harakat ul-Mujahidin (HuM)", "gtd", "hum"),
    ("Harakat ul-Mujahidin", "curated", "hum"),
    ("Harkat-ul-Mujahideen", "curated", "hum"),
    ("Jaish-e-Mohammad (JeM)", "gtd", "jem"),
    ("Jaish-e-Mohammad", "curated", "jem"),
    ("JeM: Jaish-e-Mohammad", "acled", "jem"),
]


@pytest.mark.parametrize("spelling,system,group", SPELLINGS)
def test_curated_spellings_resolve(built_warehouse, spelling, system, group):
    _, warehouse, _ = built_warehouse
    got = read_table(
        warehouse,
        "select distinct group_id from core.group_aliases where source_system = ? "
        "and alias_normalized = normalize_group_name(?)".replace("?", "'{}'").format(
            system, spelling.replace("'", "''")
        ),
    )
    assert got == [(group,)]
    cited = read_table(
        warehouse,
        "select count(*) from core.group_aliases where source_system = '{}' and "
        "alias_normalized = normalize_group_name('{}') and source_url like 'http%'".format(
            system, spelling.replace("'", "''")
        ),
    )
    assert cited[0][0] >= 1


@pytest.mark.parametrize("label", ["Unknown Group", "Unknown", "Unidentified militants", "Unclaimed"])
def test_unknown_labels_are_not_a_group(built_warehouse, label):
    _, warehouse, _ = built_warehouse
    assert (
        read_table(
            warehouse,
            "select count(*) from staging.curated_non_group_perpetrators "
            f"where normalize_group_name(perpetrator_raw) = normalize_group_name('{label}')",
        )[0][0]
        > 0
    )
