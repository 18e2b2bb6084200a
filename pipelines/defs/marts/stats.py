"""Statistics SQL does not do well, every estimator from statsmodels: rate ratios, interrupted time series,
joint models of overlapping events, pooled event studies, differences-in-differences.

Monthly counts of militant violence are overdispersed, seasonal and autocorrelated, and several events
fall in one window; the estimators below allow for each (docs/data_dictionary.md states them). Every
estimate is per series: event, scope, source and violence class ('all' included); a window the source does
not fully cover (core.source_coverage, the SQL's not_estimable_reason) gets none:

- Rate ratio (marts.policy_outcomes): a two-level Poisson GLM on the window's covered monthly counts,
  ``log E[y] = b0 + b1 post``, so ``exp(b1)`` is (after / months after) / (before / months before). Its
  headline interval is quasi-Poisson Wald on the log scale, scale = Pearson chi2 / (n - 2) floored at 1
  (``dispersion``); the exact Poisson interval (Clopper-Pearson, conditional on the total) is kept beside
  it; ``rr_p_value`` is the quasi-Poisson Wald p-value and ``rr_q_value`` its Benjamini-Hochberg
  adjustment over every non-null p-value of the mart.
- Interrupted time series: segmented Poisson GLM over +-24 months,
  ``log E[y] = b0 + b1 t + b2 post + b3 t post [+ month of year]`` (the event's month and uncovered months
  left out), month-of-year terms when at least 24 covered months lie on each side, Newey-West (HAC)
  standard errors, which also absorb overdispersion (quasi-Poisson point estimates, robust errors).
- Joint model (marts.policy_outcomes_joint): the same regression with one level and one slope term per
  event inside a national policy row's 12-month window (events less than 3 months apart share their terms),
  on the country's counts from 24 months before the first event to 24 after the last.
- Pooled event study (marts.decapitation_pooled): every kept removal's monthly counts divided by its own
  pre-period mean, stacked; a Poisson GLM of those ratios on relative-month indicators with errors
  clustered by event gives exp(b_m) = the mean ratio at month m and its interval.
- Difference in differences (marts.policy_did): a Poisson GLM of both arms' monthly counts with arm and
  month fixed effects and a treated x after term, errors clustered by month with Newey-West correlation
  across months (Driscoll-Kraay); the pre-trend test is a treated x t term fitted on the before months.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

MIN_MONTHS_EACH_SIDE = 6
# Month-of-year terms need two full years on each side to be told apart from the event.
SEASONAL_MONTHS_EACH_SIDE = 24
CONFIDENCE = 0.95

# The columns that identify one monthly series of marts.event_monthly_series besides the event and scope
# (read here only): the source and the violence class ('all' = the classes that are outcomes of the event).
SERIES_DIMENSIONS = ["source", "violence_class"]
EVENT_KEY = ["event_kind", "event_id", "scope", "scope_value"]
SERIES_KEY = EVENT_KEY + SERIES_DIMENSIONS


def _finite(*values) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


# ---- rate ratio ---------------------------------------------------------------------------------------------
def exact_rate_ratios(after, before, months_after, months_before, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Exact Poisson rate ratios and intervals, conditional on the total, for arrays of windows: given
    n = a + b, a is binomial with p = RR T_a / (RR T_a + T_b), so the Clopper-Pearson interval for p maps to
    RR = p / (1 - p) T_b / T_a. Columns rate_ratio (NULL when before = 0), rr_exact_ci_low (0 when after = 0),
    rr_exact_ci_high (NULL when before = 0); all NULL without months on a side or without incidents."""
    from scipy.stats import beta

    a = np.nan_to_num(np.asarray(after, dtype=float))
    b = np.nan_to_num(np.asarray(before, dtype=float))
    t_a, t_b = np.asarray(months_after, dtype=float), np.asarray(months_before, dtype=float)
    alpha = 1 - confidence
    defined = (t_a > 0) & (t_b > 0) & (a + b > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        exposure = t_b / t_a
        p_low = np.where(a == 0, 0.0, beta.ppf(alpha / 2, a, b + 1))
        p_high = np.where(b == 0, 1.0, beta.ppf(1 - alpha / 2, a + 1, b))
        ratio = np.where(b == 0, np.nan, (a / t_a) / (b / t_b))
        low = p_low / (1 - p_low) * exposure
        high = np.where(p_high >= 1, np.nan, p_high / (1 - p_high) * exposure)
    frame = pd.DataFrame({"rate_ratio": ratio, "rr_exact_ci_low": low, "rr_exact_ci_high": high})
    frame[~defined] = np.nan
    return frame


def quasi_poisson_rate_ratio(counts: np.ndarray, after: np.ndarray, confidence: float = CONFIDENCE) -> dict:
    """Two-level Poisson GLM on one window's monthly counts; scale = max(1, Pearson chi2 / (n - 2)).

    Returns rate_ratio, rr_ci_low, rr_ci_high, dispersion, rr_p_value (NULLs when a side has no month, or no
    incident: a ratio from or to nothing has no finite log)."""
    import statsmodels.api as sm
    from statsmodels.genmod.generalized_linear_model import GLMResults

    empty = dict(rate_ratio=None, rr_ci_low=None, rr_ci_high=None, dispersion=None, rr_p_value=None)
    y = np.asarray(counts, dtype=float)
    post = np.asarray(after, dtype=float)
    if len(y) < 3 or post.sum() == 0 or post.sum() == len(y) or y[post == 1].sum() == 0 or y[post == 0].sum() == 0:
        return empty
    design = np.column_stack([np.ones_like(post), post])
    # Started at the group means (the maximum), IRLS stops after one step instead of five.
    start = np.log([y[post == 0].mean(), y[post == 1].mean() / y[post == 0].mean()])
    model = sm.GLM(y, design, family=sm.families.Poisson())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        poisson = model.fit(start_params=start)
        # The same estimates with the quasi-Poisson scale, no narrower than Poisson when underdispersed.
        scale = max(1.0, poisson.pearson_chi2 / poisson.df_resid)
        fit = GLMResults(model, poisson.params, poisson.normalized_cov_params, scale)
    low, high = fit.conf_int(alpha=1 - confidence)[1]
    return dict(
        rate_ratio=math.exp(fit.params[1]),
        rr_ci_low=math.exp(low),
        rr_ci_high=math.exp(high),
        dispersion=float(fit.scale),
        rr_p_value=float(fit.pvalues[1]),
    )


def benjamini_hochberg(p_values: pd.Series) -> pd.Series:
    """BH-adjusted q-values of the non-null p-values; NULL stays NULL."""
    from statsmodels.stats.multitest import multipletests

    q = pd.Series(np.nan, index=p_values.index, dtype=float)
    known = p_values.dropna()
    if len(known):
        q[known.index] = multipletests(known.to_numpy(dtype=float), method="fdr_bh")[1]
    return q


# ---- interrupted time series --------------------------------------------------------------------------------
def newey_west_lags(n: int) -> int:
    """Newey and West's (1994) rule of thumb, floor(4 (n / 100)^(2/9))."""
    return int(math.floor(4 * (n / 100) ** (2 / 9)))


def segmented_design(
    rel_month: np.ndarray, month_of_year: np.ndarray, break_months: list[int], seasonal: bool
) -> tuple[np.ndarray, list[str]]:
    """Constant, trend, one level (t > k) and slope ((t - k) (t > k)) column per break month k, and
    month-of-year indicators (January the reference) when seasonal."""
    t = np.asarray(rel_month, dtype=float)
    columns, names = [np.ones_like(t), t], ["const", "t"]
    for k in break_months:
        post = (t > k).astype(float)
        columns += [post, (t - k) * post]
        names += [f"level_{k}", f"slope_{k}"]
    if seasonal:
        for m in range(2, 13):
            columns.append((np.asarray(month_of_year) == m).astype(float))
            names.append(f"month_{m}")
    return np.column_stack(columns), names


def fit_segmented(
    rel: np.ndarray, covered: np.ndarray, counts: np.ndarray, month_of_year: np.ndarray, break_months: list[int]
):
    """Poisson GLM of the monthly counts on the segmented design with Newey-West errors, on the covered months
    other than the break months, in time order. Returns (fit, term names, model description) or None."""
    import statsmodels.api as sm

    keep = covered & ~np.isin(rel, break_months)
    order = np.argsort(rel[keep], kind="stable")
    rel, counts, month_of_year = rel[keep][order], counts[keep][order], month_of_year[keep][order]
    before, after = rel < min(break_months), rel > max(break_months)
    if before.sum() < MIN_MONTHS_EACH_SIDE or after.sum() < MIN_MONTHS_EACH_SIDE:
        return None
    if counts[before].sum() == 0 or counts[after].sum() == 0:
        return None  # a level change from or to nothing has no finite estimate
    seasonal = before.sum() >= SEASONAL_MONTHS_EACH_SIDE and after.sum() >= SEASONAL_MONTHS_EACH_SIDE
    design, names = segmented_design(rel, month_of_year, break_months, seasonal)
    if seasonal and design.shape[1] * 2 > len(rel):  # too many terms for the months: drop the season
        seasonal = False
        design, names = segmented_design(rel, month_of_year, break_months, seasonal)
    lags = newey_west_lags(len(rel))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.GLM(counts, design, family=sm.families.Poisson()).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    except Exception:  # noqa: BLE001 - a series that does not converge gets no estimate, not a crash
        return None
    if not np.all(np.isfinite(fit.params)) or not np.all(np.isfinite(fit.bse)):
        return None
    terms = "level+slope" if len(break_months) == 1 else f"{len(break_months)} x level+slope"
    model = (
        f"poisson glm, {terms}{', month of year' if seasonal else ''}, newey-west hac {lags} lags, {len(rel)} months"
    )
    return fit, names, model


def _term(fit, names: list[str], name: str, confidence: float) -> tuple:
    """exp(coefficient), its interval and p-value; NULLs when the coefficient is not estimable (a term
    running off to infinity in a sparse series)."""
    i = names.index(name)
    low, high = fit.conf_int(alpha=1 - confidence)[i]
    if not all(abs(v) < 50 for v in (fit.params[i], low, high)):
        return None, None, None, None
    return math.exp(fit.params[i]), math.exp(low), math.exp(high), float(fit.pvalues[i])


ITS_COLUMNS = [
    "its_level_change",
    "its_level_ci_low",
    "its_level_ci_high",
    "its_level_p",
    "its_slope_change",
    "its_slope_ci_low",
    "its_slope_ci_high",
    "its_slope_p",
    "its_model",
]
ITS_SPAN = 24  # months each side of the event; its_fitted has one value per rel_month -24..24


def series_arrays(series: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """rel_month, in_coverage, incidents, month of year of one series, as arrays."""
    return (
        series["rel_month"].to_numpy(dtype=int),
        series["in_coverage"].to_numpy(dtype=bool),
        series["incidents"].to_numpy(dtype=float),
        series["month_of_year"].to_numpy(dtype=int),
    )


def interrupted_time_series(arrays: tuple[np.ndarray, ...], confidence: float = CONFIDENCE) -> dict:
    """arrays: series_arrays() of one event's +-24 months."""
    result = dict.fromkeys(ITS_COLUMNS + ["its_fitted"])
    fitted = fit_segmented(*arrays, [0])
    if fitted is None:
        return result
    fit, names, model = fitted
    level = _term(fit, names, "level_0", confidence)
    slope = _term(fit, names, "slope_0", confidence)
    # The fitted mean of every covered month (the event's month included) for the report's charts.
    rel, covered, _, month_of_year = arrays
    design, _ = segmented_design(rel[covered], month_of_year[covered], [0], seasonal="month_2" in names)
    curve = np.full(2 * ITS_SPAN + 1, np.nan)
    inside = np.abs(rel[covered]) <= ITS_SPAN
    curve[rel[covered][inside] + ITS_SPAN] = fit.predict(design[inside])
    return dict(zip(ITS_COLUMNS, [*level, *slope, model]), its_fitted=[float(v) for v in curve])


# ---- marts.policy_outcomes ----------------------------------------------------------------------------------
def read_series(con) -> pd.DataFrame:
    columns = ", ".join(SERIES_KEY + ["rel_month", "month_start", "in_coverage", "incidents"])
    # A fixed order: the same build gives the same floating-point sums, to the last bit.
    series = con.execute(
        f"select {columns} from marts.event_monthly_series order by {', '.join(SERIES_KEY)}, rel_month"
    ).df()
    series["month_start"] = pd.to_datetime(series["month_start"])
    series["month_of_year"] = series["month_start"].dt.month
    return series


def fill_policy_outcome_statistics(con) -> int:
    """Compute the statistics columns of marts.policy_outcomes from marts.event_monthly_series."""
    keys = ", ".join(SERIES_KEY)
    outcomes = con.execute(
        f"select rowid as row_id, {keys}, window_months, incidents_before, incidents_after, "
        "n_months_pre, n_months_post, not_estimable_reason from marts.policy_outcomes "
        "order by row_id"
    ).df()
    if outcomes.empty:
        return 0
    series = read_series(con)
    # Each series once as arrays: the windows are slices of them (pandas per row costs more than the fits).
    arrays = {key: series_arrays(g) for key, g in series.groupby(SERIES_KEY, dropna=False, sort=False)}
    its, fitted_its = {}, {}
    for key, arr in arrays.items():
        data = (arr[0].tobytes(), arr[1].tobytes(), arr[2].tobytes(), arr[3].tobytes())
        if data not in fitted_its:  # events of one month and place have the same series: fit it once
            fitted_its[data] = (
                interrupted_time_series(arr) if arr[2].sum() > 0 else dict.fromkeys(ITS_COLUMNS + ["its_fitted"])
            )
        its[key] = fitted_its[data]
    exact = exact_rate_ratios(
        outcomes["incidents_after"], outcomes["incidents_before"], outcomes["n_months_post"], outcomes["n_months_pre"]
    )
    empty = dict(rate_ratio=None, rr_ci_low=None, rr_ci_high=None, dispersion=None, rr_p_value=None)
    fitted_windows: dict[tuple, dict] = {}
    rows = []
    nothing = {**empty, **dict.fromkeys(ITS_COLUMNS + ["its_fitted"])}
    for row in outcomes.to_dict("records"):
        key = tuple(row[k] for k in SERIES_KEY)
        reason = row["not_estimable_reason"] if isinstance(row["not_estimable_reason"], str) else None
        if reason is not None:  # a window not fully covered is not evidence: no estimate at all (SQL's reason)
            rows.append({"row_id": row["row_id"], **nothing, "not_estimable_reason": reason, "uncovered": True})
            continue
        after, before = int(row["incidents_after"] or 0), int(row["incidents_before"] or 0)
        if after + before == 0:
            reason = "no events in either window"
        elif before == 0:
            reason = "no events before: the ratio is undefined (its exact lower bound is given)"
        elif after == 0:
            reason = "no events after: the ratio is 0, its quasi-Poisson interval undefined (exact interval given)"
        quasi = empty
        if key in arrays and (row["incidents_after"] or 0) > 0 and (row["incidents_before"] or 0) > 0:
            rel, covered, counts, _ = arrays[key]
            w = row["window_months"]
            inside = covered & (np.abs(rel) <= w) & (rel != 0)
            data = (counts[inside].tobytes(), (rel[inside] > 0).tobytes())
            if data not in fitted_windows:
                fitted_windows[data] = quasi_poisson_rate_ratio(counts[inside], rel[inside] > 0)
            quasi = fitted_windows[data]
        rows.append(
            {
                "row_id": row["row_id"],
                **quasi,
                **its.get(key, dict.fromkeys(ITS_COLUMNS + ["its_fitted"])),
                "not_estimable_reason": reason,
                "uncovered": False,
            }
        )
    frame = pd.DataFrame(rows)
    # The exact columns: the ratio itself is defined when the quasi-Poisson one is not (after = 0); a window
    # the source does not fully cover keeps none of them.
    exact[frame["uncovered"].to_numpy()] = np.nan
    frame[["rate_ratio", "rr_exact_ci_low", "rr_exact_ci_high"]] = exact.to_numpy()
    # One family of tests: every non-null p-value of the mart (all events, scopes, windows, sources and violence
    # classes together), as the data dictionary states.
    frame["rr_q_value"] = benjamini_hochberg(frame["rr_p_value"].astype(float))
    columns = [
        "rate_ratio",
        "rr_ci_low",
        "rr_ci_high",
        "dispersion",
        "rr_exact_ci_low",
        "rr_exact_ci_high",
        "rr_p_value",
        "rr_q_value",
        *ITS_COLUMNS,
        "its_fitted",
        "not_estimable_reason",
    ]
    _update(con, "marts.policy_outcomes", frame, columns)
    return len(frame)


TEXT_COLUMNS = {
    "its_model",
    "did_model",
    "model_first_month",
    "model_last_month",
    "its_fitted",
    "not_estimable_reason",
}  # not floats


def _update(con, table: str, frame: pd.DataFrame, columns: list[str]) -> None:
    frame = frame.astype({c: "float64" for c in columns if c not in TEXT_COLUMNS})
    con.register("statistics_update", frame)
    try:
        assignments = ", ".join(f"{c} = s.{c}" for c in columns)
        con.execute(f"update {table} o set {assignments} from statistics_update s where o.rowid = s.row_id")
    finally:
        con.unregister("statistics_update")


# ---- marts.policy_outcomes_joint ----------------------------------------------------------------------------
def joint_series(series: pd.DataFrame, focal_month: pd.Timestamp) -> pd.DataFrame:
    """The monthly counts of the events' national series (one country, one source: the same counts wherever
    they overlap), each month once, with rel_month counted from the focal event's month."""
    months = series.drop_duplicates("month_start").copy()
    months["rel_month"] = (
        (months["month_start"].dt.year - focal_month.year) * 12 + months["month_start"].dt.month - focal_month.month
    )
    return months.sort_values("rel_month")


def joint_parts(by_event: dict, events: list[str], place: tuple) -> list[pd.DataFrame]:
    """The monthly series of the model's events at one place (scope, scope value, source, violence class).

    A class is the same count in every event's series, but 'all' is not: foreign air strikes are in it only for
    events that concern them (marts.event_monthly_series). So 'all' is rebuilt as the sum of the focal event's
    own classes in every event's months, and a month where one of them is missing is left out."""
    *where, violence_class = place
    if violence_class != "all":
        return [by_event[(e, *place)] for e in events if (e, *place) in by_event]
    classes = sorted(
        {k[-1] for k in by_event if k[0] == events[0] and tuple(k[1:-1]) == tuple(where)}
        - {"all", "not_political_violence"}
    )
    frames = []
    for c in classes:
        parts = [by_event[(e, *where, c)] for e in events if (e, *where, c) in by_event]
        frames += [part.assign(violence_class=c) for part in parts]
    if not frames:
        return []
    long = pd.concat(frames).drop_duplicates(["month_start", "violence_class"])
    summed = long.groupby("month_start", as_index=False, sort=True).agg(
        in_coverage=("in_coverage", "all"),
        incidents=("incidents", lambda v: v.sum(min_count=1)),
        n_classes=("violence_class", "nunique"),
    )
    summed = summed[summed["n_classes"] == len(classes)].drop(columns="n_classes")
    summed["month_of_year"] = summed["month_start"].dt.month
    return [summed]


def fill_policy_outcomes_joint(con) -> int:
    """One segmented model per (focal policy, source): a level and a slope term per event month, fitted on the
    monthly counts from 24 months before the first event to 24 after the last."""
    keys = ", ".join(SERIES_KEY)
    models = con.execute(
        f"select rowid as row_id, {keys}, event_date, term_event_id, term_rel_month "
        "from marts.policy_outcomes_joint order by row_id"
    ).df()
    if models.empty:
        return 0
    series = read_series(con)
    series = series[series["scope"] == "national"]
    # keyed without event_kind: a term's event may be a policy or a leadership removal
    by_event = {key[1:]: group for key, group in series.groupby(SERIES_KEY, dropna=False, sort=False)}
    rows = []
    for key, model_rows in models.groupby(SERIES_KEY, dropna=False, sort=False):
        place = key[2:]  # scope, scope_value and the series dimensions: one country's counts in one source
        events = [key[1], *(e for e in model_rows["term_event_id"] if e != key[1])]
        parts = joint_parts(by_event, events, place)
        breaks = sorted(set(int(m) for m in model_rows["term_rel_month"]))
        fitted, first, last = None, None, None
        if parts:
            focal = pd.Timestamp(model_rows["event_date"].iloc[0]).to_period("M").to_timestamp()
            data = joint_series(pd.concat(parts), focal)
            data = data[data["rel_month"].between(min(breaks) - 24, max(breaks) + 24)]
            fitted = fit_segmented(*series_arrays(data), breaks)
            first, last = data["month_start"].min(), data["month_start"].max()
        for row in model_rows.to_dict("records"):
            values = dict.fromkeys(ITS_COLUMNS)
            if fitted is not None:
                fit, names, model = fitted
                k = int(row["term_rel_month"])
                values = dict(
                    zip(
                        ITS_COLUMNS,
                        [
                            *_term(fit, names, f"level_{k}", CONFIDENCE),
                            *_term(fit, names, f"slope_{k}", CONFIDENCE),
                            model,
                        ],
                    )
                )
            rows.append({"row_id": row["row_id"], "model_first_month": first, "model_last_month": last, **values})
    frame = pd.DataFrame(rows)
    _update(con, "marts.policy_outcomes_joint", frame, ["model_first_month", "model_last_month", *ITS_COLUMNS])
    return len(rows)


# ---- marts.decapitation_pooled ------------------------------------------------------------------------------
def pooled_intervals(stacked: pd.DataFrame, confidence: float = CONFIDENCE) -> dict[int, tuple]:
    """stacked: event, rel_month, ratio. Poisson GLM of the ratios on relative-month indicators (no constant)
    with errors clustered by event: exp(b_m) is the mean ratio of month m. {rel_month: (low, high)} for the
    months with at least two events and a positive mean."""
    import statsmodels.api as sm

    if stacked.empty or stacked["event"].nunique() < 2:
        return {}
    months = sorted(stacked["rel_month"].unique())
    design = (stacked["rel_month"].to_numpy()[:, None] == np.array(months)[None, :]).astype(float)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # hasconst: the indicators sum to one (statsmodels would otherwise look for that with an SVD)
            fit = sm.GLM(
                stacked["ratio"].to_numpy(dtype=float), design, family=sm.families.Poisson(), hasconst=True
            ).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(stacked["event"])[0]})
    except Exception:  # noqa: BLE001 - no interval rather than a crash
        return {}
    bounds = fit.conf_int(alpha=1 - confidence)
    by_month = stacked.groupby("rel_month").agg(mean=("ratio", "mean"), events=("event", "nunique"))
    out = {}
    for i, m in enumerate(months):
        if by_month.loc[m, "mean"] > 0 and by_month.loc[m, "events"] >= 2 and all(abs(v) < 50 for v in bounds[i]):
            out[m] = (math.exp(bounds[i][0]), math.exp(bounds[i][1]))
    return out


def fill_decapitation_pooled(con) -> int:
    """The intervals of marts.decapitation_pooled, from the stacked ratios the mart carries."""
    pooled = con.execute("select rowid as row_id, * from marts.decapitation_pooled order by row_id").df()
    if pooled.empty:
        return 0
    dims = ["family_scope", *SERIES_DIMENSIONS]
    rows = []
    for _, cells in pooled.groupby(dims, dropna=False, sort=False):
        stacked = pd.DataFrame(
            [
                (e, r["rel_month"], v)
                for r in cells.to_dict("records")
                for e, v in zip(r["event_ids"], r["event_ratios"])
            ],
            columns=["event", "rel_month", "ratio"],
        )
        intervals = pooled_intervals(stacked)
        for r in cells.to_dict("records"):
            low, high = intervals.get(r["rel_month"], (None, None))
            rows.append({"row_id": r["row_id"], "ratio_ci_low": low, "ratio_ci_high": high})
    _update(con, "marts.decapitation_pooled", pd.DataFrame(rows), ["ratio_ci_low", "ratio_ci_high"])
    return len(rows)


# ---- marts.policy_did ---------------------------------------------------------------------------------------
DID_COLUMNS = [
    "did_ratio",
    "did_ci_low",
    "did_ci_high",
    "did_p_value",
    "pretrend_ratio",
    "pretrend_p_value",
    "did_model",
]


def difference_in_differences(monthly: pd.DataFrame, confidence: float = CONFIDENCE) -> dict:
    """monthly: rel_month, treated, comparison (incidents of each arm, covered months only, event month left
    out). Poisson GLM with arm and month fixed effects and treated x after; Driscoll-Kraay errors (clustered
    by month, Newey-West across months). Pre-trend: treated x t on the before months, same errors."""
    import statsmodels.api as sm

    result = dict.fromkeys(DID_COLUMNS)
    monthly = monthly.sort_values("rel_month")
    long = pd.concat([monthly.assign(arm=1, y=monthly["treated"]), monthly.assign(arm=0, y=monthly["comparison"])])
    long = long.sort_values(["rel_month", "arm"]).reset_index(drop=True)
    pre, post = monthly[monthly["rel_month"] < 0], monthly[monthly["rel_month"] > 0]
    if len(pre) < MIN_MONTHS_EACH_SIDE or len(post) < MIN_MONTHS_EACH_SIDE:
        return result
    if min(pre["treated"].sum(), post["treated"].sum(), pre["comparison"].sum(), post["comparison"].sum()) == 0:
        return result

    def fit(frame: pd.DataFrame, term: np.ndarray):
        months = pd.get_dummies(frame["rel_month"]).astype(float).to_numpy()
        design = np.column_stack([term, frame["arm"].to_numpy(dtype=float), months])
        time = pd.factorize(frame["rel_month"])[0]
        lags = newey_west_lags(frame["rel_month"].nunique())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sm.GLM(frame["y"].to_numpy(dtype=float), design, family=sm.families.Poisson(), hasconst=True).fit(
                cov_type="hac-groupsum", cov_kwds={"time": time, "maxlags": lags}
            ), lags

    try:
        did, lags = fit(long, (long["arm"] * (long["rel_month"] > 0)).to_numpy(dtype=float))
        before = long[long["rel_month"] < 0].reset_index(drop=True)
        trend, _ = fit(before, (before["arm"] * before["rel_month"]).to_numpy(dtype=float))
    except Exception:  # noqa: BLE001
        return result
    low, high = did.conf_int(alpha=1 - confidence)[0]
    if not _finite(did.params[0], low, high):
        return result
    result.update(
        did_ratio=math.exp(did.params[0]),
        did_ci_low=math.exp(low),
        did_ci_high=math.exp(high),
        did_p_value=float(did.pvalues[0]),
        did_model=f"poisson glm, arm + month fixed effects, driscoll-kraay {lags} lags, "
        f"{monthly['rel_month'].nunique()} months",
    )
    if _finite(trend.params[0], trend.bse[0]):
        result.update(pretrend_ratio=math.exp(trend.params[0]), pretrend_p_value=float(trend.pvalues[0]))
    return result


def fill_policy_did(con) -> int:
    did = con.execute(
        "select rowid as row_id, monthly, not_estimable_reason from marts.policy_did order by row_id"
    ).df()
    if did.empty:
        return 0
    rows = []
    for row in did.to_dict("records"):
        if isinstance(row["not_estimable_reason"], str):  # months the source does not cover: no estimate
            rows.append({"row_id": row["row_id"], **dict.fromkeys(DID_COLUMNS)})
            continue
        monthly = pd.DataFrame(list(row["monthly"]), columns=["rel_month", "treated", "comparison"])
        rows.append({"row_id": row["row_id"], **difference_in_differences(monthly)})
    _update(con, "marts.policy_did", pd.DataFrame(rows), DID_COLUMNS)
    return len(rows)
