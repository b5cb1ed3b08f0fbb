"""Pure chart builders of the Frames page: frames in, ``plotly.graph_objects.Figure`` out.

Colours, gaps and bands follow :mod:`dashboard.charts` (Okabe-Ito lines, Cividis heatmap).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pipelines.frames import FRAMES

from .charts import (PALETTE, REFERENCE_GREY, _empty, _partial_notes, band_opacity, band_traces, heatmap_grid,
                     label_share_panels, panel_grid, plotly_text, reference_trace, share_panels, summed_share,
                     with_cell_targets)
from .tables import count_label

SHORT_LABELS = {**FRAMES, "legality": "Legality & jurisprudence", "policy": "Policy prescription",
                "external_regulation": "External regulation"}
"""Frame labels short enough for a heatmap axis (the codebook labels are in :data:`FRAMES`)."""


SELECTION = "all selected outlets"
"""Name (and legend group) of the grey reference line in every panel of :func:`frame_trend_chart`: the frame's
share in the articles of all selected outlets together (in :data:`dashboard.charts.REFERENCE_GREY`, as on Trends). A
click on it selects no evidence cell."""


def selection_trend(df: pd.DataFrame) -> pd.DataFrame:
    """The frame's share in all the outlets of a trend frame together, per period (numerators and denominators
    summed, so it is the share of the selected articles, not a mean of the outlets' shares).

    Parameters
    ----------
    df : the frame of :func:`pipelines.frames.frame_trend`; not modified.

    Returns
    -------
    DataFrame with ``period``, ``n_articles``, ``n_articles_with_frame`` and ``share`` (NaN for a period
    without articles: a gap), one row per period, in order.
    """
    return summed_share(df, "n_articles_with_frame", "n_articles")


def frame_trend_chart(df: pd.DataFrame, frame_label: str) -> go.Figure:
    """Share of articles using one frame over time: a small panel per outlet, with its 95 % Wilson band.

    One chart with a line and a band per outlet crowded into a tangle at seven outlets (the demo), so each
    outlet has its own panel (outlets in name order, left to right; one to three panels a row), all on the same
    axes (0 to 100 %, the same periods), titled with the outlet and its articles. Behind the outlet's line in
    every panel, a thin grey line gives the frame's share in all selected outlets together
    (:func:`selection_trend`; not drawn when only one outlet has articles, where it is that outlet's own line, as
    the Frames page counts one outlet). Grid cells left over in the last row draw no axes.

    Parameters
    ----------
    df : the frame of :func:`pipelines.frames.frame_trend` (one row per outlet and period;
        gaps are rows with a missing share), optionally with ``partial`` and
        ``covered_from``/``covered_to`` from :func:`dashboard.charts.mark_partial_periods`.
    frame_label : the frame's name, for the title.

    Returns
    -------
    go.Figure
        Per outlet a line (a gap is a break, never 0) over its interval (a shaded band; error bars on a stretch
        of one or two periods, :func:`dashboard.charts.band_traces`), its traces in the legend group of
        the outlet (a click on a point names its evidence cell, :func:`dashboard.evidence.clicked_trace_cell`);
        a period only partly inside the selected dates is a hollow point. The hover gives k of n articles and
        the interval; the grey line's, the selection's k of n. The y axes are the share of articles, 0 to
        100 %. With no articles at all (an empty frame, or gaps only), no axes: the message "No scored
        articles in this selection".
    """
    outlets = [] if df is None or df.empty else sorted(str(o) for o in df["outlet"].unique())
    cols = panel_grid(len(outlets))[1]
    counts = (pd.Series(dtype=float) if df is None or df.empty     # articles per outlet, for titles and the grey line
              else df.groupby(df["outlet"].astype(str))["n_articles"].sum())
    with_articles = int((counts > 0).sum())
    title = f"Share of articles using the frame “{frame_label}”, one panel per outlet"
    subtitle = ("line: the outlet's share (band or bar: 95% interval)"
                + (f"; grey: {SELECTION} together" if with_articles > 1 else ""))
    if df is None or df.empty or not (df["n_articles"].fillna(0) > 0).any():   # nothing but gaps: no empty axes
        fig = go.Figure()
        fig.update_layout(title=dict(text=title, x=0), template="plotly_white")
        return _empty(fig, "No scored articles in this selection")
    data = df.assign(outlet=df["outlet"].astype(str)).sort_values(["outlet", "period"])
    fig = share_panels([f"{o} · {count_label(int(counts[o]), 'article')}" for o in outlets], title, subtitle)
    reference = selection_trend(data) if with_articles > 1 else None
    colour = PALETTE[0]
    for i, (outlet, g) in enumerate(data.groupby("outlet", sort=True)):
        at = dict(row=i // cols + 1, col=i % cols + 1)
        if reference is not None:
            fig.add_trace(reference_trace(
                reference, "n_articles_with_frame", "n_articles", SELECTION, dict(color=REFERENCE_GREY, width=1.5),
                "%{y:.1%} of articles use the frame<br>n = %{customdata[0]:,.0f} of %{customdata[1]:,.0f} articles"),
                **at)
        fig.add_traces(band_traces(g, "share_low", "share_high", outlet, colour, band_opacity(1)),
                       rows=at["row"], cols=at["col"])
        partial = g["partial"].fillna(False).astype(bool).to_numpy() if "partial" in g else np.zeros(len(g), bool)
        custom = np.empty((len(g), 5), dtype=object)
        for j, col in enumerate(("share_low", "share_high", "n_articles_with_frame", "n_articles")):
            custom[:, j] = g[col].to_numpy(float)
        custom[:, 4] = _partial_notes(g, partial)
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(g["period"]), y=g["share"], mode="lines+markers", name=plotly_text(outlet),
            legendgroup=outlet, connectgaps=False, line=dict(color=colour, width=2),   # the hover shows the name
            marker=dict(size=np.where(partial, 8, 6).tolist(), color=np.where(partial, "white", colour).tolist(),
                        line=dict(width=2, color=colour)),
            customdata=custom,
            hovertemplate=("<b>%{fullData.name}</b><br>%{x|%d %b %Y}<br>%{y:.1%} of articles use the frame<br>"
                           "95% interval %{customdata[0]:.1%} – %{customdata[1]:.1%}<br>"
                           "n = %{customdata[2]:,.0f} of %{customdata[3]:,.0f} articles%{customdata[4]}"
                           "<extra></extra>")), **at)
    return label_share_panels(fig, len(outlets), "share of articles")


COLOUR_BY = {"difference": "Difference from the frame's share in all selected outlets", "share": "Share of articles"}
"""What the outlets × frames heatmap colours (key -> label); the first is the default. The cells read the share
either way."""

MIN_COLOUR_ARTICLES = 10
"""Fewest articles an outlet needs in the selection for its heatmap cells to be coloured: below 10, one
article moves a share by more than 10 points, more than most differences on the chart. Such cells are grey and
still read their share and k/n."""

FEW_ARTICLES_GREY = "#c8c8c8"
"""The cells of outlets below the minimum: darker than the diverging scale's white middle ("as often")."""
COLOUR_BAR = dict(orientation="h", x=0, xanchor="left", y=1.01, yanchor="bottom", len=0.5, thickness=12)
"""The heatmap's colour bar lies over the cells, its title above it (from the left, as it is long), so the 15
columns keep the figure's width."""


def frame_differences(df: pd.DataFrame, min_articles: int = MIN_COLOUR_ARTICLES) -> pd.DataFrame:
    """Each outlet's share of articles using a frame against that frame's share in all selected outlets.

    Parameters
    ----------
    df : the frame of :func:`pipelines.frames.frame_matrix` (one row per outlet × frame); not modified.
    min_articles : outlets with fewer scored articles than this (``n_articles``) are flagged ``few_articles``.

    Returns
    -------
    DataFrame
        A copy of *df* with ``selection_articles_with_frame`` and ``selection_articles`` (Σ over the
        outlets of ``n_articles_with_frame`` and ``n_articles``, per frame), ``selection_share``
        (their ratio, 0-1; NaN when no outlet has articles), ``difference_points`` (100 × (``share`` −
        ``selection_share``): percentage points, positive when the outlet uses the frame more often
        than the selection as a whole; NaN where ``share`` is) and ``few_articles`` (bool). The
        frame's share pools the articles (sums numerators and denominators), so it is the share of all
        the selected articles, not the mean of the outlets' shares.
    """
    out = df.copy()
    pooled = out.groupby("frame")[["n_articles_with_frame", "n_articles"]].transform("sum")
    out["selection_articles_with_frame"] = pooled["n_articles_with_frame"].astype("int64")
    out["selection_articles"] = pooled["n_articles"].astype("int64")
    k, n = out["selection_articles_with_frame"].to_numpy(float), out["selection_articles"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["selection_share"] = np.where(n > 0, k / n, np.nan)
    out["difference_points"] = 100 * (out["share"].astype(float) - out["selection_share"])
    out["few_articles"] = out["n_articles"].astype(float) < min_articles
    return out


def _check_colour(colour: str) -> None:
    """Raise ValueError for a *colour* not in :data:`COLOUR_BY`."""
    if colour not in COLOUR_BY:
        raise ValueError(f"colour must be one of {tuple(COLOUR_BY)}, not {colour!r}")


def heatmap_colour_text(colour: str, min_articles: int, n_few_outlets: int = 0) -> str:
    """What the colour of :func:`frame_heatmap_chart` means, as a caption (markdown); *n_few_outlets* is how
    many outlets with articles are below *min_articles* (grey).

    Raises ValueError for a *colour* not in :data:`COLOUR_BY`.
    """
    _check_colour(colour)
    text = ("Colour: the outlet's share minus the frame's share in all selected outlets' articles together, "
            "in percentage points (blue: the outlet uses the frame more often than the selection as a whole; "
            "red: less often; white: as often)" if colour == "difference" else
            "Colour: the share of the outlet's articles using the frame (one scale for every frame)")
    if not n_few_outlets:
        return f"{text}. An outlet with fewer than {min_articles} articles in the selection would be grey (none here)."
    few = "the outlet" if n_few_outlets == 1 else f"the {n_few_outlets} outlets"
    return (f"{text}. Grey: {few} with fewer than {min_articles} articles in the selection, not coloured "
            "(the shares are still printed).")


def frame_heatmap_chart(df: pd.DataFrame, colour: str = "difference",
                        min_articles: int = MIN_COLOUR_ARTICLES) -> go.Figure:
    """Heatmap of the share of articles using each frame, per outlet, over the whole selection.

    Parameters
    ----------
    df : :func:`frame_differences` of the frame of :func:`pipelines.frames.frame_matrix` (the page has it
        for its download, so it is not computed twice), or that frame itself, whose differences are
        then computed here with *min_articles*.
    colour : ``"difference"`` (default: each cell coloured by ``difference_points`` of
        :func:`frame_differences`, on a diverging scale centred on 0, so every frame's column shows
        which outlets use it more or less often than the selection as a whole) or ``"share"`` (the
        share itself, 0 to the largest share, on one scale for all frames).
    min_articles : outlets with fewer articles than this get grey cells (the colour of a share of a
        few articles would shout): :data:`MIN_COLOUR_ARTICLES` by default.

    Returns
    -------
    go.Figure
        Rows are outlets, columns the frames in codebook order; each cell reads its share and "k/n"
        articles whatever the colour. The first heatmap's ``z`` is the colour's value of every cell
        (points or share); a second heatmap named ``"fewer than N articles"`` covers the cells of
        outlets below *min_articles* in grey. The hover gives the share, its 95 % Wilson interval, k of n
        articles, the frame's tokens in those k articles (lexicon: the Concordance's lines for the cell,
        :func:`pipelines.frames.frame_matrix`), the frame's share in all selected outlets and the colour's
        value with its unit. Cells with a share take clicks (:func:`dashboard.charts.with_cell_targets`).

    Raises
    ------
    ValueError
        For a *colour* not in :data:`COLOUR_BY`.
    """
    _check_colour(colour)
    fig = go.Figure()
    fig.update_layout(title=dict(text="Share of articles using each frame, by outlet (whole selection)", x=0),
                      template="plotly_white", margin=dict(l=160, r=20, t=130, b=150))
    if df is None or df.empty:
        return _empty(fig, "No scored articles in this selection")
    computed = {"difference_points", "few_articles"} <= set(df.columns)
    data = df if computed else frame_differences(df, min_articles)
    outlets = sorted(data["outlet"].unique())
    frames = [f for f in FRAMES if f in set(data["frame"])]

    grid = heatmap_grid(data, "frame", outlets, frames)
    labels = [SHORT_LABELS[f] for f in frames]
    share, k, n = (grid(c).to_numpy(float) for c in ("share", "n_articles_with_frame", "n_articles"))
    text = np.array([[("" if np.isnan(v) else f"{v:.0%}<br>{int(a)}/{int(b)}") for v, a, b in zip(*row)]
                     for row in zip(share, k, n)], dtype=object)
    few = grid("few_articles").fillna(False).to_numpy(bool) & ~np.isnan(share)
    z = grid("difference_points" if colour == "difference" else "share").to_numpy(float)
    solid = z[~few & ~np.isnan(z)]
    if colour == "difference":
        reach = max(1.0, float(np.abs(solid).max())) if solid.size else 1.0
        scale = dict(colorscale="RdBu", zmin=-reach, zmax=reach, colorbar=dict(
            title=dict(text="points above (+) or below (−) the frame's share in all selected outlets",
                       side="top"), tickformat="+.0f" if reach >= 4 else "+.1f", ticksuffix=" pts",   # no "+1, +1"
            **COLOUR_BAR))
    else:
        scale = dict(colorscale="Cividis", zmin=0, zmax=max(0.01, float(solid.max())) if solid.size else 1.0,
                     colorbar=dict(title=dict(text="share of articles", side="top"), tickformat=".0%",
                                   **COLOUR_BAR))

    def colour_line(s: float, d: float, is_few: bool) -> str:
        if np.isnan(s):
            return ""
        if is_few:
            return f"no colour: fewer than {min_articles} articles"
        if colour == "share":
            return f"colour: the share, {s:.1%}"
        return (f"colour: {d:+.1f} points".replace("-", "−")
                + " (the outlet's share minus the frame's share in all selected outlets)")

    tokens = grid("n_tokens").to_numpy(float)
    custom = np.empty(z.shape + (10,), dtype=object)
    for j, col in enumerate(("share", "share_low", "share_high", "n_articles_with_frame", "n_articles",
                             "selection_share", "selection_articles_with_frame", "selection_articles")):
        custom[:, :, j] = grid(col).to_numpy(float)
    custom[:, :, 8] = [["" if np.isnan(t) else f", {t:,.0f} frame tokens in them" for t in row] for row in tokens]
    diff = grid("difference_points").to_numpy(float)
    custom[:, :, 9] = [[colour_line(*c) for c in zip(*row)] for row in zip(share, diff, few)]
    fig.add_trace(go.Heatmap(
        z=z, x=labels, y=outlets, text=text.tolist(), texttemplate="%{text}",
        textfont=dict(size=10), xgap=2, ygap=2, customdata=custom, **scale,   # "293/379" fits
        hovertemplate=("<b>%{y}</b> · %{x}<br>%{customdata[0]:.1%} of articles use the frame<br>"
                       "95% interval %{customdata[1]:.1%} – %{customdata[2]:.1%}<br>"
                       "n = %{customdata[3]:,.0f} of %{customdata[4]:,.0f} articles%{customdata[8]}<br>"
                       "all selected outlets: %{customdata[5]:.1%} (%{customdata[6]:,.0f} of "
                       "%{customdata[7]:,.0f} articles)<br>%{customdata[9]}<extra></extra>")))
    if few.any():   # drawn over the colour; its own labels, as it hides the first heatmap's
        fig.add_trace(go.Heatmap(
            z=np.where(few, 0.0, np.nan), x=labels, y=outlets, name=f"fewer than {min_articles} articles",
            text=np.where(few, text, "").tolist(), texttemplate="%{text}", textfont=dict(size=10), xgap=2, ygap=2,
            colorscale=[[0, FEW_ARTICLES_GREY], [1, FEW_ARTICLES_GREY]], showscale=False, hoverinfo="skip"))
    fig.update_layout(height=max(400, 230 + 48 * len(outlets)))
    fig.update_yaxes(autorange="reversed", title_text="outlet")
    fig.update_xaxes(title_text="frame", tickangle=-35)
    return with_cell_targets(fig, keys=frames)
