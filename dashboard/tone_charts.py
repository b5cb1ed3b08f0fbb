"""Chart builders of the Tone toward targets page: frames in, ``go.Figure`` out (no Streamlit).

Colours follow :mod:`dashboard.charts` (Okabe-Ito lines); the tone heatmap uses a diverging
red-blue scale centred on 0 (neutral), the share of negative sentences Cividis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .charts import (DASHES, PALETTE, _empty, band_opacity, band_traces, heatmap_grid, measure_columns, plotly_text,
                     with_cell_targets)

TONE_MEASURES = {
    "tone": ("mean_compound", "compound_low", "compound_high", "mean tone (VADER compound, −1 to +1)"),
    "negative": ("share_negative", "negative_low", "negative_high", "share of negative sentences"),
}
"""measure → (value column, low, high, unit label)."""
TONE_MEASURE_LABELS = {"tone": "Mean tone", "negative": "Share of negative sentences"}
ROW_PX = 300
"""Height of one target's panel in the trend chart, in pixels."""
BAND_MAX_WIDTH = {"tone": 1.0, "negative": 0.5}
"""A band is drawn only where the interval is at most half the scale wide (±0.5 of tone, ±25 points of
share); a wider one (a period with a few articles) would cover the whole panel and hide the other
outlets. Those points are drawn hollow, and their interval is in the hover and the download."""


def _fmt(measure: str) -> str:
    return ".1%" if measure == "negative" else "+.2f"


def _d3(value: float, fmt: str) -> str:
    """*value* as plotly shows it with d3 format *fmt* (``".1%"``, ``".0%"``, ``"+.2f"``: the same
    spec in Python's format mini-language), with d3's true minus sign (U+2212) instead of a hyphen."""
    return format(value, fmt).replace("-", "\u2212")


Y_MIN_TOP = 0.25
"""The tone axis runs at least from −0.25 to +0.25, so noise near 0 is not blown up."""


def tone_y_top(df: pd.DataFrame) -> float:
    """Half the height of the tone axis (symmetric around 0, shared by every panel), at least
    :data:`Y_MIN_TOP`, at most 1: room for every mean tone whose interval is drawn
    (:data:`BAND_MAX_WIDTH`) and for that interval. A hollow point (no interval, or a wider one)
    does not widen the axis: one thin period would squeeze every panel around 0; beyond the
    axis it is drawn as a triangle on the edge (:func:`tone_trend_chart`). 1.0 when no point has a
    drawn interval."""
    mean = pd.to_numeric(df["mean_compound"], errors="coerce")
    low, high = pd.to_numeric(df["compound_low"], errors="coerce"), pd.to_numeric(df["compound_high"], errors="coerce")
    drawn = ((high - low) <= BAND_MAX_WIDTH["tone"]) & mean.notna()
    if not drawn.any():
        return 1.0
    reach = pd.concat([mean[drawn].abs(), low[drawn].abs(), high[drawn].abs()]).to_numpy(float)
    return float(min(1.0, 1.05 * max(Y_MIN_TOP, reach.max())))


def tone_trend_chart(df: pd.DataFrame, measure: str = "tone") -> go.Figure:
    """Lines of a tone measure per outlet over time, one panel per target, with 95 % bands.

    Parameters
    ----------
    df : the frame of :func:`pipelines.tone.tone_trend` (gaps as rows with missing measures).
    measure : ``"tone"`` (mean compound) or ``"negative"`` (share of negative sentences).

    Returns
    -------
    go.Figure
        One row per target (shared x axis); per outlet a line (``connectgaps=False``: a gap is
        a break, never 0) over its shaded 95 % interval (an error bar on a period standing alone,
        :func:`dashboard.charts.band_traces`), hollow points where the interval is
        missing (fewer than two articles) or wider than :data:`BAND_MAX_WIDTH`; a dotted line at
        0 for tone. Hover gives the value, interval and n (sentences, articles naming the
        target, articles).
    """
    val, low, high, unit = measure_columns(TONE_MEASURES, measure)
    targets = [] if df is None or df.empty else list(dict.fromkeys(df["target"]))
    fig = make_subplots(rows=max(1, len(targets)), cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=[plotly_text(t) for t in targets] or None)
    fig.update_layout(title=dict(text=f"{TONE_MEASURE_LABELS[measure]} of sentences naming each target, per outlet "
                                      "(band: 95% interval)", x=0),
                      template="plotly_white", hovermode="closest", height=110 + ROW_PX * max(1, len(targets)),
                      legend=dict(orientation="h", y=-0.08, yanchor="top", x=0), margin=dict(l=70, r=20, t=80, b=60))
    if not targets or df[val].notna().sum() == 0:
        return _empty(fig, "No sentence names these targets in this selection")
    fmt = _fmt(measure)
    top = tone_y_top(df)
    outlets = sorted(df["outlet"].unique())
    alpha = band_opacity(len(outlets))
    for r, target in enumerate(targets, start=1):
        for i, outlet in enumerate(outlets):
            g = df[(df["target"] == target) & (df["outlet"] == outlet)].sort_values("period")
            colour, dash = PALETTE[i % len(PALETTE)], DASHES[(i // len(PALETTE)) % len(DASHES)]
            x = pd.to_datetime(g["period"])
            narrow = (g[high] - g[low] <= BAND_MAX_WIDTH[measure]).to_numpy()
            drawn = g.assign(**{low: g[low].where(narrow), high: g[high].where(narrow)})   # wide: no band
            # drawn as typed; text keeps the raw target for clicks; '%{' would start a hover variable
            name, shown = plotly_text(outlet), plotly_text(target).replace("%{", "%&#123;")
            for trace in band_traces(drawn, low, high, str(outlet), colour, alpha):   # its legendgroup: the line's
                fig.add_trace(trace, row=r, col=1)
            custom = np.column_stack([g[c].to_numpy(float) for c in
                                      (low, high, "n_sentences", "n_articles_naming", "n_articles")]) if len(g) else None
            fig.add_trace(go.Scatter(
                x=x, y=g[val], mode="lines+markers", name=name, legendgroup=outlet, showlegend=r == 1,
                connectgaps=False, line=dict(color=colour, width=2.5, dash=dash),
                marker=dict(size=7, color=colour),
                customdata=custom, text=[target] * len(g),
                hovertemplate=(f"<b>%{{fullData.name}}</b> · {shown}<br>%{{x|%d %b %Y}}<br>%{{y:{fmt}}} {unit}<br>"
                               f"95% interval %{{customdata[0]:{fmt}}} – %{{customdata[1]:{fmt}}}<br>"
                               "n = %{customdata[2]:,.0f} sentences in %{customdata[3]:,.0f} of "
                               "%{customdata[4]:,.0f} articles<extra></extra>")), row=r, col=1)
            wide = ~narrow & g[val].notna().to_numpy()
            if wide.any():   # hollow: a white disc with the outlet's ring over the point (the legend keeps a dot)
                fig.add_trace(go.Scatter(x=x[wide], y=g.loc[wide, val], mode="markers", legendgroup=outlet,
                                         name=f"{name} wide interval", showlegend=False, hoverinfo="skip",
                                         text=[target] * int(wide.sum()),
                                         marker=dict(size=8, color="white", line=dict(width=2, color=colour))),
                              row=r, col=1)
            beyond = (g[val].abs() > top).to_numpy() if measure == "tone" else np.zeros(len(g), bool)
            if beyond.any():   # a hollow point beyond the axis: a triangle on its edge, its value on hover
                v = g.loc[beyond, val].to_numpy(float)
                fig.add_trace(go.Scatter(
                    x=x[beyond], y=np.sign(v) * top, mode="markers", name=f"{name} beyond the axis",
                    legendgroup=outlet, showlegend=False, cliponaxis=False, customdata=v, text=[target] * len(v),
                    marker=dict(symbol=np.where(v > 0, "triangle-up", "triangle-down").tolist(), size=10,
                                color="white", line=dict(width=2, color=colour)),
                    hovertemplate=(f"<b>{name}</b> · {shown}<br>%{{x|%d %b %Y}}<br>%{{customdata:{fmt}}} {unit} "
                                   "(beyond the axis)<extra></extra>")), row=r, col=1)
        if measure == "tone":
            fig.add_hline(y=0, line=dict(color="#888", width=1, dash="dot"), row=r, col=1)
            fig.update_yaxes(range=[-top, top], row=r, col=1, title_text="mean tone (−1 to +1)", zeroline=False)
        else:   # short titles: a panel is ~170 pixels tall
            fig.update_yaxes(range=[0, 1.02], row=r, col=1, tickformat=".0%", title_text="negative sentences")
    fig.update_xaxes(title_text="period (UTC)", row=len(targets), col=1)
    return fig


MIN_COLOUR_SENTENCES = 10
"""Fewest sentences a tone heatmap cell needs to be coloured: the mean of 1-3 sentences (the share of
negative ones) would shout as loudly as that of 700. Such cells are grey and still read their value and n.
Ten, as the Frames heatmap's ten articles (:data:`dashboard.frame_charts.MIN_COLOUR_ARTICLES`)."""

FEW_GREY = "#c8c8c8"
"""The cells below the minimum: darker than the diverging scale's white middle (neutral)."""


def tone_colour_text(min_sentences: int, n_few_cells: int = 0) -> str:
    """The tone heatmap's grey rule as a caption: cells with fewer than *min_sentences* sentences are
    not coloured; *n_few_cells* is how many cells with sentences are below it."""
    if not n_few_cells:
        return (f"A cell with fewer than {min_sentences} sentences would be grey (none here): one sentence moves "
                "its value a long way.")
    few = "1 cell" if n_few_cells == 1 else f"{n_few_cells:,} cells"
    return (f"Grey: {few} with fewer than {min_sentences} sentences, not coloured (one sentence moves the value a "
            "long way); the value and n are still printed, the interval is in the hover and the download.")


def tone_heatmap(df: pd.DataFrame, measure: str = "tone", min_sentences: int = MIN_COLOUR_SENTENCES) -> go.Figure:
    """Heatmap of a tone measure for every outlet × target, each cell labelled with its value and n.

    Parameters
    ----------
    df : the frame of :func:`pipelines.tone.tone_matrix`.
    measure : ``"tone"`` or ``"negative"``.
    min_sentences : cells with sentences but fewer than this (``n_sentences``) are grey, not
        coloured (:data:`MIN_COLOUR_SENTENCES`), as the Frames heatmap greys outlets with few
        articles.

    Returns
    -------
    go.Figure
        Rows are outlets, columns targets (in the order of *df*'s first appearance); an empty
        cell is an outlet that never names the target. Hover gives the interval, n and, for a
        grey cell, why it has no colour. The cells below *min_sentences* are covered by a second
        heatmap named ``"fewer than N sentences"`` in grey with the same labels; the first
        heatmap's ``z`` keeps every value.
    """
    val, low, high, unit = measure_columns(TONE_MEASURES, measure)
    fig = go.Figure()
    fig.update_layout(title=dict(text=f"{TONE_MEASURE_LABELS[measure]} by outlet and target, whole selection", x=0),
                      template="plotly_white", margin=dict(l=180, r=20, t=70, b=120))
    if df is None or df.empty:
        return _empty(fig, "No sentence names a target in this selection")
    outlets = sorted(df["outlet"].unique())
    targets = list(dict.fromkeys(df["target"]))
    grid = heatmap_grid(df, "target", outlets, targets)
    z = grid(val)
    n = grid("n_sentences")
    cell_fmt = ".0%" if measure == "negative" else "+.2f"
    text = [[("" if pd.isna(v) else _d3(v, cell_fmt) + f"<br>n={int(k)}")
             for v, k in zip(zr, nr)] for zr, nr in zip(z.to_numpy(float), n.to_numpy(float))]
    fmt = _fmt(measure)
    lows, highs = grid(low).to_numpy(float), grid(high).to_numpy(float)
    interval = np.array([[("no interval: fewer than two sentences" if np.isnan(a) or np.isnan(b) else
                           f"95% interval {_d3(a, fmt)} – {_d3(b, fmt)}") for a, b in zip(ra, rb)]
                         for ra, rb in zip(lows, highs)], dtype=object)
    zs, ns = z.to_numpy(float), n.to_numpy(float)
    few = ~np.isnan(zs) & (ns < min_sentences)
    why = np.where(few, f"<br>no colour: fewer than {min_sentences} sentences", "").astype(object)
    custom = np.dstack([interval] + [grid(c).to_numpy(float).astype(object) for c in
                                     ("n_sentences", "n_articles_naming", "n_articles")] + [why])
    scale = dict(colorscale="RdBu", zmid=0, zmin=-1, zmax=1) if measure == "tone" else \
        dict(colorscale="Cividis", zmin=0, zmax=1)
    fig.add_trace(go.Heatmap(
        z=z.to_numpy(float), x=targets, y=outlets, text=text, texttemplate="%{text}",
        textfont=dict(size=12 if len(targets) <= 12 else 9),
        colorbar=dict(title=dict(text=unit, side="right"), tickformat=".0%" if measure == "negative" else None),
        customdata=custom, xgap=2, ygap=2, **scale,
        hovertemplate=(f"<b>%{{y}}</b> · %{{x}}<br>%{{z:{fmt}}} {unit}<br>%{{customdata[0]}}<br>"
                       "n = %{customdata[1]:,.0f} sentences in %{customdata[2]:,.0f} of %{customdata[3]:,.0f} "
                       "articles%{customdata[4]}<extra></extra>")))
    if few.any():   # drawn over the colour; its own labels, as it hides the first heatmap's
        fig.add_trace(go.Heatmap(
            z=np.where(few, 0.0, np.nan), x=targets, y=outlets, name=f"fewer than {min_sentences} sentences",
            text=np.where(few, np.array(text, dtype=object), "").tolist(), texttemplate="%{text}",
            textfont=dict(size=12 if len(targets) <= 12 else 9), xgap=2, ygap=2,
            colorscale=[[0, FEW_GREY], [1, FEW_GREY]], showscale=False, hoverinfo="skip"))
    fig.update_layout(height=max(320, 120 + 55 * len(outlets)))
    fig.update_yaxes(autorange="reversed", title_text="outlet", showgrid=False)
    # no grid line across an empty cell; labels at 45°: at plotly's own 30° a long one ("European Union",
    # "United Nations") ran into its neighbour's at a 1,400-pixel window
    fig.update_xaxes(title_text="target", side="bottom", showgrid=False, tickangle=-45)
    return with_cell_targets(fig)


def tone_cells(df: pd.DataFrame, measure: str = "tone", granularity: str | None = None) -> pd.DataFrame:
    """The cells of a tone frame that have sentences, with a label for a selectbox.

    Parameters
    ----------
    df : a :func:`pipelines.tone.tone_trend` frame (with ``period``) or
        :func:`pipelines.tone.tone_matrix` frame (without).

    Returns
    -------
    DataFrame of the rows with ``n_sentences > 0``, most sentences first (then target, outlet,
    period), with a ``label`` column such as ``"Russia · RT · week of 2024-03-04 · 12 sentences,
    mean tone −0.31"``.
    """
    if df is None or df.empty:
        return pd.DataFrame(columns=[*(df.columns if df is not None else []), "label"])
    val = TONE_MEASURES[measure][0]
    cells = df[df["n_sentences"] > 0].copy()
    keys = ["target", "outlet", *(["period"] if "period" in cells else [])]
    cells = cells.sort_values(["n_sentences", *keys], ascending=[False, *[True] * len(keys)], ignore_index=True)
    cell_fmt = ".0%" if measure == "negative" else "+.2f"
    what = "negative" if measure == "negative" else "mean tone"
    when = ([f" · {granularity or 'period'} of {pd.Timestamp(p):%Y-%m-%d}" for p in cells["period"]]
            if "period" in cells else [""] * len(cells))
    cells["label"] = [f"{t} · {o}{w} · {int(n)} sentence{'s' if n != 1 else ''}, {what} "
                      + _d3(v, cell_fmt)
                      for t, o, w, n, v in zip(cells["target"], cells["outlet"], when, cells["n_sentences"], cells[val])]
    return cells


def clicked_tone_cell(fig: go.Figure, selection, cells: pd.DataFrame) -> int | None:
    """The row of *cells* (:func:`tone_cells` of a trend) whose point was clicked, or ``None``.

    Parameters
    ----------
    fig : the figure as drawn (:func:`tone_trend_chart`): a point's trace names its outlet in
        ``legendgroup`` and its target in ``text``. (A heatmap cell is found by
        :func:`dashboard.evidence.clicked_heatmap_cell`.)
    selection : the chart's selection state (``event.selection``), or ``None``.
    """
    for p in (selection or {}).get("points", []):
        n = p.get("curve_number")
        if n is None or not 0 <= n < len(fig.data) or p.get("x") is None:
            continue
        trace = fig.data[n]
        if trace.text is None or not len(trace.text) or "period" not in cells:
            continue
        hit = ((cells["outlet"] == trace.legendgroup) & (cells["target"] == trace.text[0])
               & (pd.to_datetime(cells["period"]) == pd.Timestamp(p["x"])))
        if hit.any():
            return int(np.flatnonzero(hit.to_numpy())[0])
    return None
