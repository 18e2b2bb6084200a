"""Vega-Lite chart specifications (through altair) for the analyst report.

Each builder returns a spec dict whose main dataset is inline and named after the chart, so that the page
(and its test) can read back exactly the numbers the chart draws.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

WIDTH = 820
SOURCE_LABELS = {
    "gtd": "GTD",
    "ucdp_ged": "UCDP GED",
    "acled": "ACLED",
    "newamerica_drones": "New America drones",
    "bij": "BIJ drones",
    "kaggle_suicide": "Kaggle suicide attacks",
    "kaggle_drones": "Kaggle drone attacks",
    "curated": "curated (notable attacks)",
    "PIPS": "PIPS (published)",
    "PICSS": "PICSS (published)",
    "CRSS": "CRSS (published)",
    "SATP": "SATP (published)",
}
# One colour per source in every chart; published totals in dark greys and black.
SOURCE_COLORS = {
    "GTD": "#f58518",
    "UCDP GED": "#4c78a8",
    "ACLED": "#72b7b2",
    "New America drones": "#54a24b",
    "BIJ drones": "#b5d99c",
    "Kaggle suicide attacks": "#b279a2",
    "Kaggle drone attacks": "#9d755d",
    "curated (notable attacks)": "#e45756",
    "PIPS (published)": "#000000",
    "PICSS (published)": "#636363",
    "CRSS (published)": "#bcbd22",
    "SATP (published)": "#17becf",
}
KIND_DASH = {"domain": ["event data", "published total"], "range": [[1, 0], [6, 3]]}
# The events after record linkage (docs/linkage.md): a line beside each source, not a source of its own.
SOURCE_LABELS["distinct_events"] = "distinct events (linked)"
SOURCE_COLORS["distinct events (linked)"] = "#6a3d9a"
RELATION_LABELS = {
    "split_from": "split from",
    "faction_of": "faction of",
    "merged_into": "merged into",
    "rejoined": "rejoined",
    "pledged_allegiance_to": "pledged allegiance to",
    "renamed_to": "renamed to",
}


def source_label(source: str) -> str:
    return SOURCE_LABELS.get(source, source)


def _source_color(field: str, labels, title: str = "source"):
    import altair as alt

    domain = sorted(set(labels), key=lambda label: (label.endswith("(published)"), label.lower()))
    return alt.Color(
        f"{field}:N",
        title=title,
        scale=alt.Scale(domain=domain, range=[SOURCE_COLORS.get(label, "#8c8c8c") for label in domain]),
    )


def _kind_dash():
    import altair as alt

    # No legend (its dash symbols do not show beside line+point marks): the chart's subtitle says it.
    return alt.StrokeDash("kind:N", scale=alt.Scale(**KIND_DASH), legend=None)


def _records(frame: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: dates as local ISO date-times (parsed as local time, so labels never shift a day),
    NaN as null."""
    out = []
    for row in frame.to_dict("records"):
        clean = {}
        for key, value in row.items():
            if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
                value = None
            elif isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
                value = pd.Timestamp(value).strftime("%Y-%m-%dT00:00:00")
            elif hasattr(value, "item"):
                value = value.item()
            clean[key] = value
        out.append(clean)
    return out


# The rows of the named datasets of the chart being built. altair copies a chart, with its inline rows, on every
# method call (encode, mark_*, layer, properties) and validates inline rows when it builds one: most of the report's
# time. So a chart is built with empty named datasets and ``_finish`` puts the rows into its dictionary.
_ROWS: dict[str, list[dict]] = {}


def _data(name: str, frame: pd.DataFrame):
    import altair as alt

    _ROWS[name] = _records(frame)
    return alt.InlineData(values=[], name=name)


def _fill_rows(node) -> None:
    """Every named dataset of the spec gets its rows (``_data``)."""
    if isinstance(node, dict):
        named = "values" in node and isinstance(node.get("name"), str) and node["name"] in _ROWS
        if named:
            node["values"] = _ROWS[node["name"]]
        for key, value in node.items():
            if not (named and key == "values"):  # not into the rows themselves
                _fill_rows(value)
    elif isinstance(node, list):
        for value in node:
            _fill_rows(value)


DASH_NOTE = "solid lines: event datasets · dashed lines: published totals"


def _finish(chart, title: str | None = None) -> dict:
    # The fonts and the title go into the dictionary, not through altair's configure_*() and properties(): each of
    # those copies the whole chart with its inline rows (four copies a chart, every build).
    spec = chart.to_dict(validate=False)
    _fill_rows(spec)
    _ROWS.clear()
    config = spec.setdefault("config", {})
    for key, values in (
        ("axis", {"labelFontSize": 11, "titleFontSize": 12}),
        ("legend", {"labelFontSize": 11, "labelLimit": 260, "titleFontSize": 12}),
        ("title", {"anchor": "start", "fontSize": 14}),
    ):
        config[key] = dict(sorted({**config.get(key, {}), **values}.items()))  # altair's key order
    if title:
        spec["title"] = title
    # Not validated against the Vega-Lite schema here: that walks every inline data row (about a fifth of the
    # report's time on the shared data, in every build); tests/test_report.py validates every chart of the
    # curated and the shared reports instead, and the browser test renders them.
    return spec


def _markers(policies: pd.DataFrame, kills: pd.DataFrame, name: str, height: int):
    """Grey rules for policy events, red triangles at the top for leadership kills."""
    import altair as alt

    layers = []
    if len(policies):
        layers.append(
            alt.Chart(_data(f"{name}_policies", policies))
            .mark_rule(color="#9e9e9e", strokeDash=[2, 3], opacity=0.8)
            .encode(
                x="date:T",
                tooltip=[
                    alt.Tooltip("name:N", title="policy event"),
                    alt.Tooltip("category:N"),
                    alt.Tooltip("date:T", format="%d %b %Y"),
                ],
            )
        )
    if len(kills):
        layers.append(
            alt.Chart(_data(f"{name}_kills", kills))
            .mark_point(shape="triangle-down", color="#c62828", filled=True, size=70)
            .encode(
                x="date:T",
                y=alt.value(4),
                tooltip=[
                    alt.Tooltip("leader:N", title="leader killed"),
                    alt.Tooltip("grp:N", title="group"),
                    alt.Tooltip("date:T", format="%d %b %Y"),
                ],
            )
        )
    return layers


def yearly_trend(name: str, frame: pd.DataFrame, policies: pd.DataFrame, kills: pd.DataFrame) -> dict:
    """Incidents and fatalities per year, one line per source, PIPS totals dashed, event markers."""
    import altair as alt

    frame = frame.assign(series=frame["source"].map(source_label), date=pd.to_datetime(frame["year"].astype(str)))
    base = alt.Chart(_data(name, frame)).encode(
        x=alt.X("date:T", title="year", axis=alt.Axis(format="%Y", labelAngle=0)),
        color=_source_color("series", frame["series"]),
        strokeDash=_kind_dash(),
    )
    panels = []
    for measure, title in [("incidents", "incidents per year"), ("fatalities", "fatalities per year (known figures)")]:
        lines = base.mark_line(point=alt.OverlayMarkDef(size=18)).encode(
            y=alt.Y(f"{measure}:Q", title=title),
            tooltip=[
                alt.Tooltip("series:N", title="source"),
                alt.Tooltip("year:Q", title="year"),
                alt.Tooltip(f"{measure}:Q", format=",.0f"),
            ],
        )  # no filter of NULLs: a year the source does not cover breaks its line (Vega-Lite's default for lines)
        panels.append(
            alt.layer(lines, *_markers(policies, kills, f"{name}_{measure}", 220)).properties(
                width=WIDTH - 200, height=220
            )
        )
    return _finish(
        alt.vconcat(*panels)
        .resolve_scale(color="shared")
        .properties(title=alt.TitleParams(DASH_NOTE, fontSize=12, fontWeight="normal", color="#555"))
    )


def monthly_trend(name: str, frame: pd.DataFrame, policies: pd.DataFrame, kills: pd.DataFrame) -> dict:
    import altair as alt

    frame = frame.assign(series=frame["source"].map(source_label))
    lines = (
        alt.Chart(_data(name, frame))
        .mark_line(strokeWidth=1.2)
        .encode(
            x=alt.X("month:T", title="month", axis=alt.Axis(format="%Y", labelAngle=0)),
            y=alt.Y("incidents:Q", title="incidents per month (month known)"),
            color=_source_color("series", frame["series"]),
            tooltip=[
                alt.Tooltip("series:N", title="source"),
                alt.Tooltip("month:T", format="%b %Y"),
                alt.Tooltip("incidents:Q"),
                alt.Tooltip("fatalities:Q", format=",.0f"),
            ],
        )
    )
    return _finish(alt.layer(lines, *_markers(policies, kills, name, 260)).properties(width=WIDTH - 200, height=260))


def small_multiples(name: str, frame: pd.DataFrame, facet_field: str, facet_title: str, columns: int = 3) -> dict:
    """Yearly incidents per source, one panel per group family or province (independent y scales)."""
    import altair as alt

    frame = frame.assign(source_name=frame["source"].map(source_label), date=pd.to_datetime(frame["year"].astype(str)))
    chart = (
        alt.Chart(_data(name, frame))
        .mark_line(point=alt.OverlayMarkDef(size=10), strokeWidth=1.2)
        .encode(
            x=alt.X("date:T", title="year", axis=alt.Axis(format="%Y", labelAngle=0, tickCount=6)),
            y=alt.Y("incidents:Q", title="incidents per year"),
            color=_source_color("source_name", frame["source_name"]),
            tooltip=[
                alt.Tooltip(f"{facet_field}:N", title=facet_title),
                alt.Tooltip("source_name:N", title="source"),
                alt.Tooltip("year:Q"),
                alt.Tooltip("incidents:Q"),
            ],
        )
        .properties(width=220, height=130)
        .facet(
            facet=alt.Facet(
                f"{facet_field}:N", title=None, header=alt.Header(labelFontSize=12, labelFontWeight="bold")
            ),
            columns=columns,
        )
        .resolve_scale(y="independent")
    )
    return _finish(chart)


def lineage(name: str, groups: pd.DataFrame, relations: pd.DataFrame, as_of: dt.date) -> dict:
    """A timeline: one row per group (its known life span as a bar), each relation an arrow-like rule from
    the group that moved to the group it joined or left, at the relation's date."""
    import altair as alt

    groups = groups.copy()
    first_relation = (
        pd.concat(
            [
                relations[["from_group_id", "start_date"]].rename(columns={"from_group_id": "group_id"}),
                relations[["to_group_id", "start_date"]].rename(columns={"to_group_id": "group_id"}),
            ]
        )
        .groupby("group_id")["start_date"]
        .min()
    )
    groups["span_start"] = groups["founded_on"].fillna(groups["group_id"].map(first_relation))
    groups["span_end"] = groups["dissolved_on"].fillna(pd.Timestamp(as_of))
    groups["founded"] = groups["founded_on"].dt.strftime("%Y-%m-%d").fillna("unknown")
    family_order = {"TTP family": 0, "IS family": 1, "linked group": 2}
    groups = groups.sort_values(
        ["family", "span_start"], key=lambda s: s.map(family_order) if s.name == "family" else s
    )
    groups["label"] = groups["short_name"] + " — " + groups["name"].str.slice(0, 40)
    order = list(groups["label"])
    label = dict(zip(groups["group_id"], groups["label"]))
    rel = relations.assign(
        from_label=relations["from_group_id"].map(label),
        to_label=relations["to_group_id"].map(label),
        relation=relations["relation_type"].map(RELATION_LABELS).fillna(relations["relation_type"]),
        date=relations["start_date"],
        date_text=relations["start_date"].dt.strftime("%Y-%m-%d")
        + " ("
        + relations["start_precision"].fillna("?")
        + ")",
    ).dropna(subset=["from_label", "to_label"])
    # An explicit domain keeps the rows in family order in every layer (a sort would be dropped on merge).
    rows = alt.Scale(domain=order)
    start = pd.Timestamp(year=max(2000, int(rel["date"].min().year) - 1), month=1, day=1)
    x_scale = alt.Scale(domain=[start.strftime("%Y-%m-%dT00:00:00"), pd.Timestamp(as_of).strftime("%Y-%m-%dT00:00:00")])
    groups["span_start"] = groups["span_start"].clip(lower=start)
    y = alt.Y("label:N", scale=rows, title=None, axis=alt.Axis(labelLimit=330, labelFontSize=11))
    spans = (
        alt.Chart(_data(f"{name}_groups", groups))
        .mark_bar(height=9, opacity=0.35)
        .encode(
            x=alt.X(
                "span_start:T", title="date", scale=x_scale, axis=alt.Axis(format="%Y", labelAngle=0, tickCount=12)
            ),
            x2="span_end:T",
            y=y,
            color=alt.Color(
                "family:N",
                title="family (group row)",
                scale=alt.Scale(domain=list(family_order), range=["#1565c0", "#6a1b9a", "#9e9e9e"]),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="group"),
                alt.Tooltip("founded:N", title="founded"),
                alt.Tooltip("family:N"),
            ],
        )
    )
    relation_scale = alt.Scale(
        domain=list(RELATION_LABELS.values()), range=["#d84315", "#2e7d32", "#00838f", "#f9a825", "#ad1457", "#5d4037"]
    )
    rules = (
        alt.Chart(_data(name, rel))
        .mark_rule(strokeWidth=2.2)
        .encode(
            x=alt.X("date:T", scale=x_scale),
            y=alt.Y("from_label:N", scale=rows),
            y2="to_label:N",
            stroke=alt.Stroke("relation:N", title="relation (from ● to ▲)", scale=relation_scale),
            tooltip=[
                alt.Tooltip("from_group_id:N", title="from"),
                alt.Tooltip("relation:N"),
                alt.Tooltip("to_group_id:N", title="to"),
                alt.Tooltip("date_text:N", title="date"),
                alt.Tooltip("source:N"),
                alt.Tooltip("note:N"),
            ],
        )
    )
    starts = (
        alt.Chart(_data(name, rel))
        .mark_point(filled=True, size=45, opacity=1)
        .encode(
            x=alt.X("date:T", scale=x_scale),
            y=alt.Y("from_label:N", scale=rows),
            color=alt.Color("relation:N", scale=relation_scale, legend=None),
        )
    )
    ends = (
        alt.Chart(_data(name, rel))
        .mark_point(shape="triangle-up", filled=True, size=60, opacity=1)
        .encode(
            x=alt.X("date:T", scale=x_scale),
            y=alt.Y("to_label:N", scale=rows),
            color=alt.Color("relation:N", scale=relation_scale, legend=None),
        )
    )
    chart = (
        alt.layer(spans, rules, starts, ends)
        .resolve_scale(color="independent")
        .properties(width=WIDTH - 260, height=max(200, 19 * len(order)))
    )
    return _finish(chart)


def event_study(name: str, frame: pd.DataFrame) -> dict:
    import altair as alt

    frame = frame.assign(source_name=frame["source"].map(source_label))
    order = list(dict.fromkeys(frame["event_label"]))
    lines = (
        alt.Chart()
        .mark_line(point=alt.OverlayMarkDef(size=12), strokeWidth=1.3)
        .encode(
            x=alt.X(
                "rel_month:Q",
                title="months from the removal (0 = its month)",
                scale=alt.Scale(domain=[-12, 12]),
                axis=alt.Axis(values=list(range(-12, 13, 3))),
            ),
            y=alt.Y("incidents:Q", title="incidents of the family"),
            color=_source_color("source_name", frame["source_name"]),
            tooltip=[
                alt.Tooltip("event_label:N", title="event"),
                alt.Tooltip("source_name:N", title="source"),
                alt.Tooltip("rel_month:Q", title="relative month"),
                alt.Tooltip("incidents:Q"),
                alt.Tooltip("fatalities_best:Q", title="fatalities", format=",.0f"),
            ],
        )
    )
    zero = alt.Chart().mark_rule(color="#c62828", strokeDash=[4, 3]).encode(x=alt.datum(0))
    chart = (
        alt.layer(lines, zero, data=_data(name, frame))
        .properties(width=230, height=120)
        .facet(
            facet=alt.Facet(
                "event_label:N", sort=order, title=None, header=alt.Header(labelFontSize=10, labelLimit=300)
            ),
            columns=3,
        )
        .resolve_scale(y="independent")
    )
    return _finish(chart)


RR_CLIP = (0.05, 20)


def rate_ratios(name: str, frame: pd.DataFrame) -> dict:
    """Forest plot: national rate ratio (12 months after / before) with its headline quasi-Poisson 95%
    interval, the exact Poisson interval faint beside it, and an arrow where an interval runs off the axis."""
    import altair as alt

    low, high = RR_CLIP
    frame = frame[frame["rate_ratio"].notna() & (frame["rate_ratio"] > 0)]
    frame = frame.assign(
        source_name=frame["source"].map(source_label),
        event=frame["policy"].str.slice(0, 48) + " (" + frame["event_date"].dt.strftime("%Y-%m") + ")",
        ci_low=frame["rr_ci_low"].clip(lower=low),
        ci_high=frame["rr_ci_high"].clip(upper=high),
        exact_low=frame["rr_exact_ci_low"].clip(lower=low),
        exact_high=frame["rr_exact_ci_high"].clip(upper=high).fillna(high),
        clipped_low=frame["rr_ci_low"] < low,
        clipped_high=frame["rr_ci_high"] > high,
    )
    order = list(dict.fromkeys(frame.sort_values("event_date")["event"]))
    scale = alt.Scale(type="log", domain=[low, high], clamp=True)
    x = alt.X("rate_ratio:Q", title="rate ratio, after / before (log scale; 1 = no change)", scale=scale)
    y = alt.Y("event:N", sort=order, title=None, axis=alt.Axis(labelLimit=360))
    tooltip = [
        alt.Tooltip("policy:N"),
        alt.Tooltip("source_name:N", title="source"),
        alt.Tooltip("incidents_before:Q", title="before"),
        alt.Tooltip("incidents_after:Q", title="after"),
        alt.Tooltip("rate_ratio:Q", format=".2f"),
        alt.Tooltip("rr_ci_low:Q", format=".2f", title="95% CI low (quasi-Poisson)"),
        alt.Tooltip("rr_ci_high:Q", format=".2f", title="95% CI high (quasi-Poisson)"),
        alt.Tooltip("dispersion:Q", format=".2f"),
        alt.Tooltip("rr_exact_ci_low:Q", format=".2f", title="exact CI low"),
        alt.Tooltip("rr_exact_ci_high:Q", format=".2f", title="exact CI high"),
        alt.Tooltip("rr_q_value:Q", format=".3f", title="q (BH)"),
    ]
    base = alt.Chart(_data(name, frame)).encode(
        y=y, yOffset=alt.YOffset("source_name:N"), color=_source_color("source_name", frame["source_name"])
    )
    exact = base.mark_rule(strokeWidth=4, opacity=0.18).encode(x=alt.X("exact_low:Q", scale=scale), x2="exact_high:Q")
    bars = base.mark_rule(strokeWidth=1.5).encode(x=alt.X("ci_low:Q", scale=scale), x2="ci_high:Q")
    points = base.mark_point(filled=True, size=40).encode(x=x, tooltip=tooltip)
    left = (
        base.mark_point(shape="triangle-left", filled=True, size=30)
        .encode(x=alt.X("ci_low:Q", scale=scale))
        .transform_filter("datum.clipped_low")
    )
    right = (
        base.mark_point(shape="triangle-right", filled=True, size=30)
        .encode(x=alt.X("ci_high:Q", scale=scale))
        .transform_filter("datum.clipped_high")
    )
    one = (
        alt.Chart(alt.InlineData(values=[{"no_change": 1}]))
        .mark_rule(color="#555", strokeDash=[3, 3])
        .encode(x=alt.X("no_change:Q", scale=scale))
    )
    chart = alt.layer(exact, bars, points, left, right, one).properties(width=WIDTH - 480, height=alt.Step(9))
    return _finish(chart)


def pooled_event_study(name: str, frame: pd.DataFrame) -> dict:
    """Mean ratio to the pre-period level by relative month, with its 95% band, per family scope and source."""
    import altair as alt

    frame = frame.assign(source_name=frame["source"].map(source_label))
    base = alt.Chart().encode(
        x=alt.X(
            "rel_month:Q",
            title="months from the removal (0 = its month)",
            scale=alt.Scale(domain=[-12, 12]),
            axis=alt.Axis(values=list(range(-12, 13, 3))),
        ),
        color=_source_color("source_name", frame["source_name"]),
    )
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("ratio_ci_low:Q", title="incidents / pre-period mean"), y2="ratio_ci_high:Q"
    )
    line = base.mark_line(point=alt.OverlayMarkDef(size=14)).encode(
        y="mean_ratio:Q",
        tooltip=[
            alt.Tooltip("panel:N", title="removals"),
            alt.Tooltip("source_name:N", title="source"),
            alt.Tooltip("rel_month:Q", title="relative month"),
            alt.Tooltip("n_events:Q", title="removals"),
            alt.Tooltip("mean_ratio:Q", format=".2f"),
            alt.Tooltip("ratio_ci_low:Q", format=".2f"),
            alt.Tooltip("ratio_ci_high:Q", format=".2f"),
        ],
    )
    level = alt.Chart().mark_rule(color="#555", strokeDash=[3, 3]).encode(y=alt.datum(1))
    zero = alt.Chart().mark_rule(color="#c62828", strokeDash=[4, 3]).encode(x=alt.datum(0))
    chart = (
        alt.layer(band, line, level, zero, data=_data(name, frame))
        .properties(width=330, height=170)
        .facet(
            facet=alt.Facet("panel:N", title=None, header=alt.Header(labelFontSize=11, labelLimit=400)),
            columns=2,
        )
        .resolve_scale(y="independent")
    )
    return _finish(chart)


def its_fits(name: str, frame: pd.DataFrame) -> dict:
    """Monthly counts around each policy event with the interrupted-time-series fit drawn over them."""
    import altair as alt

    base = alt.Chart().encode(
        x=alt.X(
            "rel_month:Q",
            title="months from the event (0 = its month)",
            scale=alt.Scale(domain=[-24, 24]),
            axis=alt.Axis(values=list(range(-24, 25, 6))),
        )
    )
    points = base.mark_line(point=alt.OverlayMarkDef(size=10), strokeWidth=1, color="#4c78a8").encode(
        y=alt.Y("incidents:Q", title="incidents per month"),
        tooltip=[
            alt.Tooltip("panel:N", title="event"),
            alt.Tooltip("rel_month:Q", title="relative month"),
            alt.Tooltip("incidents:Q"),
            alt.Tooltip("fitted:Q", format=".1f", title="ITS fit"),
        ],
    )
    fit = base.mark_line(color="#e45756", strokeWidth=2).encode(y="fitted:Q").transform_filter("isValid(datum.fitted)")
    zero = alt.Chart().mark_rule(color="#555", strokeDash=[4, 3]).encode(x=alt.datum(0))
    chart = (
        alt.layer(points, fit, zero, data=_data(name, frame))
        .properties(width=230, height=120)
        .facet(
            facet=alt.Facet("panel:N", title=None, header=alt.Header(labelFontSize=10, labelLimit=300)),
            columns=3,
        )
        .resolve_scale(y="independent")
    )
    return _finish(chart)


def reconciliation(name: str, frame: pd.DataFrame) -> dict:
    import altair as alt

    frame = frame.assign(
        source_name=frame["source"].map(source_label),
        date=pd.to_datetime(frame["year"].astype(str)),
        kind=frame["kind"].map({"event_data": "event data", "published": "published total"}),
    )
    base = alt.Chart(_data(name, frame)).encode(
        x=alt.X("date:T", title="year", axis=alt.Axis(format="%Y", labelAngle=0)),
        color=_source_color("source_name", frame["source_name"]),
        strokeDash=_kind_dash(),
    )
    panels = []
    for measure, title in [
        ("incidents", "incidents (or published attacks) per year"),
        ("fatalities", "fatalities (known) per year"),
    ]:
        panels.append(
            base.mark_line(point=alt.OverlayMarkDef(size=16))
            .encode(
                y=alt.Y(f"{measure}:Q", title=title),
                tooltip=[
                    alt.Tooltip("source_name:N", title="source"),
                    alt.Tooltip("year:Q"),
                    alt.Tooltip(f"{measure}:Q", format=",.0f"),
                    alt.Tooltip("counts:N", title="what it counts"),
                ],
            )
            .transform_filter(f"isValid(datum.{measure})")
            .properties(width=WIDTH - 200, height=200)
        )
    return _finish(
        alt.vconcat(*panels).properties(
            title=alt.TitleParams(DASH_NOTE, fontSize=12, fontWeight="normal", color="#555")
        )
    )


def quarantine(name: str, frame: pd.DataFrame) -> dict:
    import altair as alt

    chart = (
        alt.Chart(_data(name, frame))
        .mark_bar(color="#ef6c00")
        .encode(
            x=alt.X(
                "rows_quarantined:Q", title="rows quarantined (current file versions)", axis=alt.Axis(tickMinStep=1)
            ),
            y=alt.Y("source_file:N", sort="-x", title=None, axis=alt.Axis(labelLimit=420)),
            tooltip=[
                alt.Tooltip("source_file:N", title="file"),
                alt.Tooltip("rows_read:Q", format=","),
                alt.Tooltip("rows_loaded:Q", format=","),
                alt.Tooltip("rows_quarantined:Q", format=","),
            ],
        )
        .properties(width=WIDTH - 480, height=alt.Step(16))
    )
    return _finish(chart)


def unresolved(name: str, frame: pd.DataFrame) -> dict:
    import altair as alt

    frame = frame.assign(
        name=frame["perpetrator_raw"].str.slice(0, 50) + " [" + frame["source"].map(source_label) + "]"
    )
    chart = (
        alt.Chart(_data(name, frame))
        .mark_bar(color="#c62828")
        .encode(
            x=alt.X("incidents_pak_afg:Q", title="incidents in Pakistan and Afghanistan"),
            y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=420)),
            tooltip=[
                alt.Tooltip("perpetrator_raw:N", title="name"),
                alt.Tooltip("source:N"),
                alt.Tooltip("incidents:Q", format=",", title="incidents (all countries)"),
                alt.Tooltip("incidents_pak_afg:Q", format=","),
            ],
        )
        .properties(width=WIDTH - 480, height=alt.Step(16))
    )
    return _finish(chart)
