"""Chart builders of the Word choice page: frames of :func:`pipelines.wordchoice.pair_shares` in,
``plotly.graph_objects.Figure`` out (no Streamlit).

Cells resting on fewer than :data:`pipelines.wordchoice.MIN_ARTICLES` articles (``small_n``)
are drawn hollow, so a 100 % from two articles does not look like a finding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pipelines.wordchoice import MIN_ARTICLES

from .charts import (DASHES, PALETTE, SHARE_TOP, _empty, band_opacity, band_traces, label_share_panels, legend_rows,
                     panel_grid, plotly_text, reference_trace, share_panels, summed_share, uses_panels)
from .tables import count_label

SYMBOLS = ("circle", "square", "diamond", "triangle-up", "triangle-down", "pentagon", "hexagon", "star")
"""Marker shapes, one an outlet, so outlets whose lines coincide (several at 0 %) stay told apart."""

PLOT_PX = 380
"""Height of the plotting area of the share-over-time chart, in pixels."""

SELECTION = "all selected outlets"
"""Name of the grey line in every panel of :func:`pair_trend_chart` past :data:`dashboard.charts.MAX_OVERLAID`
outlets: the loaded form's share of the uses of all selected outlets together (:func:`selection_shares`)."""
SELECTION_GREY = "#b0b0b0"
"""Its colour: paler than an outlet's line, since it swings with the few uses of a week (RUWA's 'regime')."""


def pair_title(pair: dict) -> str:
    """``'regime' (and 3 more) vs 'government'`` for a ``pairs`` row (a dict)."""
    loaded = str(pair["loaded"]).split("|")
    more = f" (+{len(loaded) - 1} more)" if len(loaded) > 1 else ""
    return f"\u2018{loaded[0]}\u2019{more} vs \u2018{pair['counterpart']}\u2019"


def _hover(g: pd.DataFrame, when: str) -> tuple[np.ndarray, str]:
    custom = np.empty((len(g), 7), dtype=object)
    for j, col in enumerate(("share_low", "share_high", "n_loaded", "n_forms", "n_articles")):
        custom[:, j] = g[col].to_numpy(float)
    custom[:, 5] = ["<br>few articles: read with care" if s else "" for s in g["small_n"].astype(bool)]
    custom[:, 6] = g["article_share"].to_numpy(float)
    template = ("<b>%{fullData.name}</b>" + when + "<br>loaded form: %{x:.1%}"
                "<br>95% interval %{customdata[0]:.1%} – %{customdata[1]:.1%}"
                "<br>n = %{customdata[2]:,.0f} loaded of %{customdata[3]:,.0f} uses in %{customdata[4]:,.0f} articles"
                "<br>articles using the loaded form: %{customdata[6]:.1%}%{customdata[5]}<extra></extra>")
    return custom, template


def selection_shares(df: pd.DataFrame) -> pd.DataFrame:
    """The loaded form's share of the uses of all the outlets of a pair frame together, per period: the uses
    summed over the outlets, then divided (the share of the selection's uses, not a mean of the outlets' shares).

    Parameters
    ----------
    df : :func:`pipelines.wordchoice.pair_shares` of one pair with a granularity; not modified.

    Returns
    -------
    DataFrame with ``period``, ``n_forms``, ``n_loaded`` and ``share`` (NaN for a period in which no outlet uses
    either form: a gap), one row per period, in order.
    """
    return summed_share(df, "n_loaded", "n_forms")


def pair_trend_chart(df: pd.DataFrame, pair: dict) -> go.Figure:
    """Share of the loaded form per outlet over time, with a 95 % band: one chart for up to
    :data:`dashboard.charts.MAX_OVERLAID` outlets, else one panel per outlet (:func:`pair_trend_panels`).

    Parameters
    ----------
    df : :func:`pipelines.wordchoice.pair_shares` of one pair with a granularity (one row
        per outlet and period; periods without a use are gaps, drawn as breaks).
    pair : the pair's ``pairs`` row (``loaded``, ``counterpart``).

    Returns
    -------
    go.Figure
        Per outlet a line with markers (hollow where ``small_n``; its own colour, dash and marker
        shape, :data:`SYMBOLS`, so coinciding lines stay apart: :func:`shared_values_text`) over its shaded interval
        band (:func:`dashboard.charts.band_traces`: a stretch of one or two periods between
        gaps gets error bars instead of a band); y from 0 to 100 %.
    """
    if draws_panels(df):
        return pair_trend_panels(df, pair)
    fig = go.Figure()
    names = [] if df is None or df.empty else sorted(str(o) for o in df["outlet"].unique())
    legend_px = 24 * legend_rows(names) + 8 if names else 0
    fig.update_layout(
        title=dict(text=f"Share of the loaded form: {pair_title(pair)} (band or bar: 95% interval)", x=0,
                   xanchor="left"),
        template="plotly_white", height=PLOT_PX + 70 + 60 + legend_px, hovermode="closest",
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0, xanchor="left"),
        margin=dict(l=70, r=20, t=70, b=60 + legend_px))
    fig.update_yaxes(title_text="loaded form, share of uses", tickformat=".0%", range=[0, SHARE_TOP])
    fig.update_xaxes(title_text="period (UTC)")
    if df is None or df.empty or not (df["n_forms"] > 0).any():
        return _empty(fig, "Neither form is used in this selection")
    data = df.sort_values(["outlet", "period"])
    alpha = band_opacity(data["outlet"].nunique())
    for i, (outlet, g) in enumerate(data.groupby("outlet", sort=True)):
        # every outlet its own colour, dash and marker shape: a dashed line lets a line under it show through
        colour, dash = PALETTE[i % len(PALETTE)], DASHES[(i + i // len(PALETTE)) % len(DASHES)]
        symbol = SYMBOLS[i % len(SYMBOLS)]
        name = str(outlet)
        fig.add_traces(band_traces(g, "share_low", "share_high", name, colour, alpha))   # hover-less, unshown names
        custom, template = _hover(g, "<br>%{x|%d %b %Y}")
        small = g["small_n"].astype(bool).to_numpy()
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(g["period"]), y=g["share"], mode="lines+markers", name=plotly_text(name), legendgroup=name,
            connectgaps=False, line=dict(color=colour, width=2.5, dash=dash), customdata=custom,
            cliponaxis=False,                     # a marker at 0 % is drawn whole, not cut in half by the axis
            # each outlet drawn over the last a size smaller, so a marker under another shows around it
            marker=dict(size=max(7, 13 - i), symbol=symbol, color=np.where(small, "white", colour).tolist(),
                        line=dict(width=2, color=colour)),
            hovertemplate=template.replace("%{x:.1%}", "%{y:.1%}")))
    return fig


def pair_trend_panels(df: pd.DataFrame, pair: dict) -> go.Figure:
    """Share of the loaded form over time, a small panel per outlet on the same axes, with its 95 % band.

    Nine outlets' lines, markers and bands in one chart (RUWA) cover each other, most of them at 0 %, so past
    :data:`dashboard.charts.MAX_OVERLAID` outlets each has its own panel (outlets in name order, left to right,
    :func:`dashboard.charts.panel_grid`), all from 0 to 100 % over the same periods, titled with the outlet's
    uses of either form and its articles using one (or "no use"). Behind the outlet's line, a thin grey line
    gives the share in all selected outlets together (:func:`selection_shares`; not drawn when only one outlet
    uses a form, where it would be that outlet's line). A panel of an outlet that uses neither form says so.

    Parameters
    ----------
    df : :func:`pipelines.wordchoice.pair_shares` of one pair with a granularity, with at least one use.
    pair : the pair's ``pairs`` row.

    Returns
    -------
    go.Figure
        Per outlet a line with markers in one colour (hollow where ``small_n``; a gap is a break, never 0 %)
        over its band (:func:`dashboard.charts.band_traces`); the hover as in the one-chart view; no legend.
    """
    data = df.assign(outlet=df["outlet"].astype(str)).sort_values(["outlet", "period"])
    totals = data.groupby("outlet", sort=True)[["n_forms", "n_articles"]].sum()
    outlets = list(totals.index)
    used = totals["n_forms"] > 0
    counts = [f"{count_label(int(u), 'use')}, {count_label(int(a), 'article')}" if u else "no use"
              for u, a in zip(totals["n_forms"], totals["n_articles"])]
    titles = [f"{o} · {c}" for o, c in zip(outlets, counts)]
    subtitle = ("line: the outlet's share (band or bar: 95% interval; hollow: fewer than "
                f"{MIN_ARTICLES} articles)" + (f"; grey: {SELECTION} together" if used.sum() > 1 else ""))
    fig = share_panels(titles, f"Share of the loaded form: {pair_title(pair)}, one panel per outlet", subtitle)
    cols = panel_grid(len(outlets))[1]
    reference = selection_shares(data) if used.sum() > 1 else None
    colour = PALETTE[0]
    for i, (outlet, g) in enumerate(data.groupby("outlet", sort=True)):
        at = dict(row=i // cols + 1, col=i % cols + 1)
        if not used[outlet]:
            axis = "" if i == 0 else str(i + 1)
            fig.add_annotation(text="neither form used", showarrow=False, xref=f"x{axis} domain",
                               yref=f"y{axis} domain", x=0.5, y=0.5, font=dict(size=13, color="#555"),
                               bgcolor="rgba(255,255,255,0.85)")           # over the grey line
        if reference is not None:
            fig.add_trace(reference_trace(
                reference, "n_loaded", "n_forms", SELECTION, dict(color=SELECTION_GREY, width=1.25),
                "loaded form: %{y:.1%}<br>n = %{customdata[0]:,.0f} loaded of %{customdata[1]:,.0f} uses"), **at)
        if not used[outlet]:
            continue
        fig.add_traces(band_traces(g, "share_low", "share_high", outlet, colour, band_opacity(1)),
                       rows=at["row"], cols=at["col"])
        custom, template = _hover(g, "<br>%{x|%d %b %Y}")
        small = g["small_n"].astype(bool).to_numpy()
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(g["period"]), y=g["share"], mode="lines+markers", name=plotly_text(outlet),
            legendgroup=outlet, connectgaps=False, line=dict(color=colour, width=2), customdata=custom, cliponaxis=False,
            marker=dict(size=7, color=np.where(small, "white", colour).tolist(), line=dict(width=2, color=colour)),
            hovertemplate=template.replace("%{x:.1%}", "%{y:.1%}")), **at)
    return label_share_panels(fig, len(outlets), "loaded form, share of uses")


def draws_panels(df: pd.DataFrame) -> bool:
    """True when :func:`pair_trend_chart` draws *df* as one panel per outlet
    (:func:`dashboard.charts.uses_panels`, and some outlet uses a form); its caption sentence is
    :func:`dashboard.tables.panels_text` with ``hidden="lines"`` and :data:`PANELS_GREY`."""
    return uses_panels(df) and bool((df["n_forms"] > 0).any())


PANELS_GREY = "their uses summed, no band"
"""How the grey line of :func:`pair_trend_panels` is made, for :func:`dashboard.tables.panels_text`."""


def pair_outlet_chart(df: pd.DataFrame, pair: dict) -> go.Figure:
    """Per-outlet share of the loaded form over the whole selection: a dot with its 95 % interval and n.

    Parameters
    ----------
    df : :func:`pipelines.wordchoice.pair_shares` of one pair without a granularity.
    pair : the pair's ``pairs`` row.

    Returns
    -------
    go.Figure
        One row per outlet (highest share on top) labelled with its n (uses and articles),
        an error bar for the interval; hollow dots for ``small_n``; outlets that use neither
        form are labelled "no use" and have no dot.
    """
    fig = go.Figure()
    fig.update_layout(title=dict(text=f"Whole selection, per outlet: {pair_title(pair)}", x=0),
                      template="plotly_white", margin=dict(l=20, r=30, t=60, b=50))
    fig.update_xaxes(title_text="loaded form, share of uses (95% interval)", tickformat=".0%")
    if df is None or df.empty:
        return _empty(fig, "Neither form is used in this selection")
    data = df.sort_values(["share", "outlet"], ascending=[True, False], na_position="first")
    used = (data["n_forms"] > 0).to_numpy()
    small = data["small_n"].astype(bool).to_numpy()
    custom, template = _hover(data, "")
    # the n of each row is part of its axis label, so no text sits on the dots or their bars
    rows = [f"{plotly_text(o)} · n = {count_label(int(u), 'use')}, {count_label(int(a), 'article')}" if u
            else f"{plotly_text(o)} · no use"
            for o, u, a in zip(data["outlet"], data["n_forms"], data["n_articles"])]
    share = data["share"].where(used)
    fig.add_trace(go.Scatter(
        x=share, y=rows, mode="markers", name="share", customdata=custom,
        error_x=dict(type="data", symmetric=False, array=(data["share_high"] - data["share"]).where(used),
                     arrayminus=(data["share"] - data["share_low"]).where(used), color="#555", thickness=1.5),
        marker=dict(size=11, color=np.where(small, "white", PALETTE[0]).tolist(), line=dict(width=2, color=PALETTE[0])),
        hovertemplate=template.replace("%{fullData.name}", "%{y}"), showlegend=False))
    fig.update_yaxes(automargin=True, categoryorder="array", categoryarray=rows)
    fig.update_xaxes(range=[0, SHARE_TOP])
    fig.update_layout(height=max(260, 110 + 34 * len(data)))
    return fig


def small_n_text(df: pd.DataFrame) -> str:
    """A caption sentence on the hollow (few-article) cells of a pair frame, or ``""``."""
    if df is None or df.empty or not df["small_n"].any():
        return ""
    n = int(df["small_n"].sum())
    return (f"Hollow markers: {n:,} cell{'s' if n != 1 else ''} resting on fewer than {MIN_ARTICLES} articles; "
            "their share says little.")


def shared_values_text(df: pd.DataFrame, granularity: str | None = None) -> str:
    """A caption sentence on outlets whose lines coincide (the same share in the same period), or ``""``.

    Parameters
    ----------
    df : :func:`pipelines.wordchoice.pair_shares` of one pair with a granularity.
    granularity : ``"day"``, ``"week"`` or ``"month"``, to name the periods (else "periods").

    Returns
    -------
    str
        The groups of outlets sharing a value, most periods first (at most three named, e.g.
        "Northgate Wire, Riverside Post and Westmark at 0.0 % in 18 months"), and how the chart
        keeps them apart. Periods where an outlet uses neither form are not values. ``""`` too when the
        chart has a panel per outlet (:func:`draws_panels`), where no line lies on another's.
    """
    if df is None or df.empty or draws_panels(df):     # one panel per outlet: no line lies on another's
        return ""
    used = df[(df["n_forms"] > 0) & df["share"].notna()]
    groups: dict[tuple, int] = {}
    for (_, value), g in used.groupby(["period", used["share"].round(9)], sort=False):
        if len(g) > 1:
            key = (tuple(sorted(g["outlet"].astype(str))), float(value))
            groups[key] = groups.get(key, 0) + 1
    if not groups:
        return ""
    unit = {"day": "day", "week": "week", "month": "month"}.get(granularity or "", "period")
    ranked = sorted(groups.items(), key=lambda kv: (-kv[1], -len(kv[0][0]), kv[0]))
    parts = []
    for (outlets, value), n in ranked[:3]:
        names = ", ".join(outlets[:-1]) + " and " + outlets[-1]
        share = f"{value:.0%}" if round(value * 100, 9) == round(value * 100) else f"{value:.1%}"
        parts.append(f"{names} at {share} in {n:,} {unit}{'s' if n != 1 else ''}")
    more = len(ranked) - 3
    rest = f"; {more:,} more such coincidence{'s' if more != 1 else ''}" if more > 0 else ""
    return ("Several outlets share a value, so their lines coincide: " + "; ".join(parts) + rest
            + ". Each outlet has its own marker shape and dash: a line drawn under another shows "
            "through its gaps, a marker under another around its edges.")
