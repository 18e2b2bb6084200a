"""Statistics SQL does not do well: exact rate-ratio intervals and interrupted time series.

Rate ratio. After / before incidents per covered month, RR = (a / T_after) / (b / T_before). Its 95%
interval is exact, conditional on the total: given n = a + b, a is binomial with p = RR T_a / (RR T_a + T_b),
so the Clopper-Pearson interval for p maps to RR = p / (1 - p) * T_b / T_a. With b = 0 the ratio and
its upper bound are undefined (NULL); with a = 0 the ratio and its lower bound are 0.

Interrupted time series. Segmented Poisson regression on the monthly counts from -24 to +24 months
(the event's month left out, months outside the source's coverage left out, not set to zero):
log E[y] = b0 + b1 t + b2 post + b3 t post, with t the month relative to the event and post = t > 0.
Overdispersion is allowed for by the quasi-Poisson scale (Pearson chi2 / df). Reported as rate ratios:
its_level_change = exp(b2) (the jump after the event), its_slope_change = exp(b3) (the change in the
monthly trend), with their Wald p-values. Needs at least 6 covered months on each side and some events.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

MIN_MONTHS_EACH_SIDE = 6
# One monthly series: an event, its scope, a source and a violence class (marts.event_monthly_series).
SERIES_KEY = ["event_kind", "event_id", "scope", "scope_value", "source", "violence_class"]


def rate_ratio(after: int, before: int, months_after: int, months_before: int,
               confidence: float = 0.95) -> tuple[float | None, float | None, float | None]:
    from scipy.stats import beta

    if months_after <= 0 or months_before <= 0:
        return None, None, None
    a, b = int(after), int(before)
    n = a + b
    exposure = months_before / months_after
    alpha = 1 - confidence
    if n == 0:
        return None, None, None
    p_low = 0.0 if a == 0 else beta.ppf(alpha / 2, a, b + 1)
    p_high = 1.0 if b == 0 else beta.ppf(1 - alpha / 2, a + 1, b)
    ratio = None if b == 0 else (a / months_after) / (b / months_before)
    low = p_low / (1 - p_low) * exposure
    high = None if p_high >= 1 else p_high / (1 - p_high) * exposure
    return ratio, low, high


def interrupted_time_series(series: pd.DataFrame) -> tuple[float | None, float | None, float | None, float | None]:
    """series: rel_month, incidents, in_coverage. Returns (level RR, slope RR, level p, slope p)."""
    import statsmodels.api as sm

    data = series[(series["in_coverage"]) & (series["rel_month"] != 0)]
    pre, post = data[data["rel_month"] < 0], data[data["rel_month"] > 0]
    if len(pre) < MIN_MONTHS_EACH_SIDE or len(post) < MIN_MONTHS_EACH_SIDE or data["incidents"].sum() == 0:
        return None, None, None, None
    if pre["incidents"].sum() == 0 or post["incidents"].sum() == 0:
        return None, None, None, None  # a level change from or to nothing has no finite estimate
    t = data["rel_month"].to_numpy(dtype=float)
    after = (t > 0).astype(float)
    design = np.column_stack([np.ones_like(t), t, after, t * after])
    try:
        fit = sm.GLM(data["incidents"].to_numpy(dtype=float), design, family=sm.families.Poisson()).fit(scale="X2")
    except Exception:  # noqa: BLE001 - a series that does not converge gets no estimate, not a crash
        return None, None, None, None
    level, slope = fit.params[2], fit.params[3]
    if not (math.isfinite(level) and math.isfinite(slope)):
        return None, None, None, None
    return math.exp(level), math.exp(slope), float(fit.pvalues[2]), float(fit.pvalues[3])


def fill_policy_outcome_statistics(con) -> int:
    """Compute the statistics columns of marts.policy_outcomes from marts.event_monthly_series."""
    outcomes = con.execute("select rowid as row_id, * from marts.policy_outcomes").df()
    if outcomes.empty:
        return 0
    series = con.execute("select event_kind, event_id, scope, scope_value, source, violence_class, rel_month, "
                         "in_coverage, incidents from marts.event_monthly_series").df()
    its = {}
    for key, group in series.groupby(SERIES_KEY, dropna=False):
        its[key] = interrupted_time_series(group)
    rows = []
    for row in outcomes.itertuples(index=False):
        reason = row.not_estimable_reason if isinstance(row.not_estimable_reason, str) else None
        if reason is not None:  # a window not fully covered is not evidence: no estimate at all
            rows.append((row.row_id, None, None, None, None, None, None, None, reason))
            continue
        after, before = int(row.incidents_after or 0), int(row.incidents_before or 0)
        ratio, low, high = rate_ratio(after, before, row.n_months_post, row.n_months_pre)
        if after + before == 0:
            reason = "no events in either window"
        elif before == 0:
            reason = "no events before: the ratio is undefined (its lower bound is given)"
        level, slope, level_p, slope_p = its.get(tuple(getattr(row, k) for k in SERIES_KEY), (None,) * 4)
        rows.append((row.row_id, ratio, low, high, level, slope, level_p, slope_p, reason))
    frame = pd.DataFrame(rows, columns=["row_id", "rate_ratio", "rr_ci_low", "rr_ci_high", "its_level_change",
                                        "its_slope_change", "its_level_p", "its_slope_p", "not_estimable_reason"])
    con.register("policy_statistics", frame)
    try:
        con.execute("""
            update marts.policy_outcomes o set
                rate_ratio = s.rate_ratio, rr_ci_low = s.rr_ci_low, rr_ci_high = s.rr_ci_high,
                its_level_change = s.its_level_change, its_slope_change = s.its_slope_change,
                its_level_p = s.its_level_p, its_slope_p = s.its_slope_p,
                not_estimable_reason = s.not_estimable_reason
            from policy_statistics s where o.rowid = s.row_id
        """)
    finally:
        con.unregister("policy_statistics")
    return len(frame)
