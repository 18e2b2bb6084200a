"""Record linkage on the real shared datasets, through the warehouse the CLI builds (``python -m pipelines run``):
the links reproduce the labelled evaluation set at the figures of benchmarks/RESULTS.md, and the
multiple-systems estimates of marts.linked_event_counts equal an independent recomputation (pandas +
statsmodels' formula interface) on the mart's own counts."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from tests.conftest import PROJECT_ROOT, read_frame

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

LABELS = PROJECT_ROOT / "tests" / "data" / "linkage_eval_pairs.csv"
# The figures reported in benchmarks/RESULTS.md ("Record linkage"): true positives, false positives, false negatives.
REPORTED = {"drone_strike": (66, 1, 1), "suicide_attack": (3, 0, 35)}


def test_every_incident_is_in_one_cluster_with_one_representative(shared_warehouse):
    _, warehouse, _ = shared_warehouse
    counts = read_frame(
        warehouse,
        """
        select (select count(*) from core.incidents) as incidents,
               (select count(distinct incident_id) from core.event_clusters) as clustered,
               (select count(*) from core.event_clusters) as rows,
               (select count(*) from (select cluster_id from core.event_clusters group by 1
                                      having count(*) filter (where is_representative) <> 1)) as bad_clusters""",
    )
    row = counts.iloc[0]
    assert row.incidents == row.clustered == row.rows and row.bad_clusters == 0


def test_links_reproduce_the_labelled_pairs_at_the_reported_figures(shared_warehouse):
    _, warehouse, _ = shared_warehouse
    labels = pd.read_csv(LABELS)
    assert (labels.domain == "drone_strike").sum() >= 150 and (labels.domain == "suicide_attack").sum() >= 100
    assert set(labels.is_match) == {0, 1} and labels.evidence.str.len().min() > 10
    links = read_frame(warehouse, "select incident_id_a, incident_id_b from core.event_links where is_link")
    linked = {frozenset(p) for p in zip(links.incident_id_a, links.incident_id_b)}
    labels["linked"] = [frozenset((a, b)) in linked for a, b in zip(labels.incident_id_a, labels.incident_id_b)]
    for domain, group in labels.groupby("domain"):
        tp = int((group.linked & (group.is_match == 1)).sum())
        fp = int((group.linked & (group.is_match == 0)).sum())
        fn = int((~group.linked & (group.is_match == 1)).sum())
        assert (tp, fp, fn) == REPORTED[domain], domain
    tp, fp, fn = REPORTED["drone_strike"]
    assert tp / (tp + fp) >= 0.95 and tp / (tp + fn) >= 0.90


def test_the_labelled_ids_exist_in_the_warehouse(shared_warehouse):
    _, warehouse, _ = shared_warehouse
    labels = pd.read_csv(LABELS)
    ids = set(read_frame(warehouse, "select incident_id from core.incidents").incident_id)
    assert set(labels.incident_id_a) | set(labels.incident_id_b) <= ids


def chapman(n1, n2, m):
    n = (n1 + 1) * (n2 + 1) / (m + 1) - 1
    var = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    return n, n - 1.959963984540054 * math.sqrt(var), n + 1.959963984540054 * math.sqrt(var)


def test_chapman_estimates_equal_a_recomputation_on_the_marts_overlaps(shared_warehouse):
    _, warehouse, _ = shared_warehouse
    cells = read_frame(warehouse, "select * from marts.linked_event_counts where n_sources = 2")
    assert len(cells) > 0
    for cell in cells.itertuples():
        (pair,) = cell.pairwise_overlaps
        n1, n2, m = pair["a_only"] + pair["in_both"], pair["b_only"] + pair["in_both"], pair["in_both"]
        assert n1 + n2 - m == cell.distinct_events
        n, low, high = chapman(n1, n2, m)
        assert cell.estimator == "chapman"
        assert cell.estimated_events == pytest.approx(n)
        assert cell.estimate_low == pytest.approx(max(low, cell.distinct_events))
        assert cell.estimate_high == pytest.approx(high)


def test_loglinear_estimates_equal_a_recomputation_on_the_marts_histories(shared_warehouse):
    _, warehouse, _ = shared_warehouse
    cells = read_frame(warehouse, "select * from marts.linked_event_counts where estimator like 'loglinear:%'")
    histories = read_frame(warehouse, "select * from marts.linked_event_histories")
    assert len(cells) >= 5
    for cell in cells.itertuples():
        mine = histories[
            (histories.period_start == cell.period_start)
            & (histories.event_class == cell.event_class)
            & (histories.admin1 == cell.admin1)
            & (histories.group_family == cell.group_family)
        ]
        sources = sorted(cell.source_events.keys())
        frame = pd.DataFrame(
            [
                {
                    **{f"s{i}": int(s in subset) for i, s in enumerate(sources)},
                    "n": int(mine[mine.capture_history == "+".join(subset)].events.sum()),
                }
                for r in range(1, len(sources) + 1)
                for subset in itertools.combinations(sources, r)
            ]
        )
        assert frame.n.sum() == cell.distinct_events
        # the model the mart names, as a formula
        terms = [f"s{i}" for i in range(len(sources))]
        named = cell.estimator.removeprefix("loglinear: ")
        if named != "independence":
            for interaction in named.split(", "):
                a, b = interaction.split("*")
                terms.append(f"s{sources.index(a)}:s{sources.index(b)}")
        fit = smf.glm("n ~ " + " + ".join(terms), data=frame, family=sm.families.Poisson()).fit()
        unseen, se = math.exp(fit.params["Intercept"]), fit.bse["Intercept"]
        assert cell.estimated_events == pytest.approx(cell.distinct_events + unseen, rel=1e-6)
        assert cell.estimate_low == pytest.approx(
            cell.distinct_events + unseen * math.exp(-1.959963984540054 * se), rel=1e-6
        )
        assert cell.estimate_high == pytest.approx(
            cell.distinct_events + unseen * math.exp(1.959963984540054 * se), rel=1e-6
        )
        # and no other candidate (independence, one or two two-way interactions) has a lower AIC
        pairs = [f"s{i}:s{j}" for i, j in itertools.combinations(range(len(sources)), 2)]
        for extra in [()] + [(p,) for p in pairs] + list(itertools.combinations(pairs, 2)):
            other = smf.glm(
                "n ~ " + " + ".join([*(f"s{i}" for i in range(len(sources))), *extra]),
                data=frame,
                family=sm.families.Poisson(),
            ).fit()
            if other.params["Intercept"] + 1.959963984540054 * other.bse["Intercept"] <= 700:
                assert other.aic >= fit.aic - 1e-6
