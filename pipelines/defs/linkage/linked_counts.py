"""Multiple-systems estimates of all events per cell of marts.linked_event_counts (docs/data_dictionary.md).

The rule, per cell (year x country x province x event class x group family):
- one source: no estimate (nothing says what it missed);
- two sources: Chapman's estimator N = (n1 + 1)(n2 + 1)/(m + 1) - 1 with Seber's variance
  (n1 + 1)(n2 + 1)(n1 - m)(n2 - m)/((m + 1)^2 (m + 2)) and the normal 95% interval, its low end never below the
  events observed;
- three or more sources and at least MIN_LOGLINEAR_EVENTS events: Poisson log-linear models of the 2^k - 1
  observed capture histories (statsmodels GLM): independence and every model with one or two two-way
  interactions whose interval is finite; the one with the lowest AIC is kept. The unobserved cell is exp(intercept); N = observed +
  exp(intercept), 95% interval observed + exp(intercept +- 1.96 se), which ignores model-selection uncertainty.
  Fewer events: no estimate (the models do not converge on a handful of events).
"""

from __future__ import annotations

import itertools
import math

import duckdb
import numpy as np
import pandas as pd

MIN_LOGLINEAR_EVENTS = 10
Z = 1.959963984540054


def chapman(n1: int, n2: int, m: int, observed: int) -> tuple[float, float, float]:
    estimate = (n1 + 1) * (n2 + 1) / (m + 1) - 1
    variance = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    half = Z * math.sqrt(variance)
    return estimate, max(observed, estimate - half), estimate + half


def capture_matrix(sources: list[str], histories: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Every observable history (a non-empty subset of ``sources``) as 0/1 indicators, with its count."""
    rows, counts = [], []
    for r in range(1, len(sources) + 1):
        for subset in itertools.combinations(sources, r):
            rows.append([int(s in subset) for s in sources])
            counts.append(histories.get("+".join(sorted(subset)), 0))
    return np.array(rows, dtype=float), np.array(counts, dtype=float)


def candidate_models(k: int) -> list[tuple[tuple[int, int], ...]]:
    pairs = list(itertools.combinations(range(k), 2))
    return [()] + [(p,) for p in pairs] + list(itertools.combinations(pairs, 2))


def loglinear(sources: list[str], histories: dict[str, int]) -> tuple[str, float, float, float]:
    """(model, estimate, low, high) of the lowest-AIC model."""
    # Deferred, as in pipelines/defs/marts/stats.py: statsmodels.api takes about 2 s to import, and every process
    # that loads the definitions (code servers, runs launched by the daemon, dg) imports this module.
    import statsmodels.api as sm

    indicators, counts = capture_matrix(sources, histories)
    observed = counts.sum()
    best = None
    for interactions in candidate_models(len(sources)):
        columns = [indicators] + [indicators[:, [i]] * indicators[:, [j]] for i, j in interactions]
        design = sm.add_constant(np.hstack(columns), has_constant="add")
        fit = sm.GLM(counts, design, family=sm.families.Poisson()).fit()
        # a model that cannot place the unobserved cell (an interval beyond any float) is not a candidate
        if not np.isfinite(fit.aic) or not np.isfinite(fit.bse[0]) or fit.params[0] + Z * fit.bse[0] > 700:
            continue
        if best is None or fit.aic < best[0] - 1e-9:
            best = (fit.aic, interactions, fit.params[0], fit.bse[0])
    if best is None:
        return "none: no log-linear model fits", None, None, None
    _, interactions, intercept, se = best
    name = "loglinear: " + (", ".join(f"{sources[i]}*{sources[j]}" for i, j in interactions) or "independence")
    return (
        name,
        observed + math.exp(intercept),
        observed + math.exp(intercept - Z * se),
        observed + math.exp(intercept + Z * se),
    )


CELL = ["period_start", "country", "admin1", "event_class", "group_family"]


def fill_linked_event_estimates(con: duckdb.DuckDBPyConnection) -> int:
    """Fill estimator, estimated_events, estimate_low and estimate_high of marts.linked_event_counts."""
    cells = con.execute("select rowid as row_id, * from marts.linked_event_counts").df()
    if cells.empty:
        return 0
    histories = con.execute("select * from marts.linked_event_histories").df()
    by_cell = {key: dict(zip(g.capture_history, g.events)) for key, g in histories.groupby(CELL, dropna=False)}
    rows = []
    for cell in cells.itertuples(index=False):
        key = tuple(getattr(cell, c) for c in CELL)
        sources = (
            sorted(cell.source_events.keys()) if isinstance(cell.source_events, dict) else sorted(cell.source_events)
        )
        observed = int(cell.distinct_events)
        if len(sources) < 2:
            rows.append((cell.row_id, "none: one source", None, None, None))
        elif len(sources) == 2:
            pair = cell.pairwise_overlaps[0]
            n1, n2, m = pair["a_only"] + pair["in_both"], pair["b_only"] + pair["in_both"], pair["in_both"]
            rows.append((cell.row_id, "chapman", *chapman(n1, n2, m, observed)))
        elif observed < MIN_LOGLINEAR_EVENTS:
            rows.append((cell.row_id, f"none: fewer than {MIN_LOGLINEAR_EVENTS} events", None, None, None))
        else:
            cell_histories = next((h for k, h in by_cell.items() if _same_cell(k, key)), {})
            rows.append((cell.row_id, *loglinear(sources, cell_histories)))
    frame = pd.DataFrame(rows, columns=["row_id", "estimator", "estimated_events", "estimate_low", "estimate_high"])
    con.register("linked_estimates", frame)
    try:
        con.execute("""update marts.linked_event_counts c set estimator = s.estimator,
                           estimated_events = s.estimated_events, estimate_low = s.estimate_low,
                           estimate_high = s.estimate_high
                       from linked_estimates s where c.rowid = s.row_id""")
    finally:
        con.unregister("linked_estimates")
    return len(frame)


def _same_cell(a: tuple, b: tuple) -> bool:
    return all(
        (x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NaT)
        and (y is None or (isinstance(y, float) and math.isnan(y)) or y is pd.NaT)
        or x == y
        for x, y in zip(a, b)
    )
