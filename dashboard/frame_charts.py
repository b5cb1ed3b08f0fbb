"""Pure chart builders of the Frames page: frames in, ``plotly.graph_objects.Figure`` out.

Colours, gaps and bands follow :mod:`dashboard.charts` (Okabe-Ito lines, Cividis heatmap).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pipelines.frames import FRAMES

from .charts import (DASHES, LEGEND_ROW_PX, PALETTE, SHARE_TOP, _empty, _partial_notes, band_opacity, band_traces,
                     heatmap_grid, legend_rows, with_cell_targets)

SHORT_LABELS = {**FRAMES, "legality": "Legality & jurisprudence", "policy": "Policy prescription",
                "external_regulation": "External regulation"}
"""Frame labels short enough for a heatmap axis (the codebook labels are in :data:`FRAMES`)."""


def frame_trend_chart(df: pd.DataFrame, frame_label: str) -> go.Figure:
    """Share of articles using one frame, per outlet over time, with its 95 % Wilson band.

    Parameters
    ----------
    df : the frame of :func:`pipelines.frames.frame_trend` (one row per outlet and period;
        gaps are rows with a missing share), optionally with ``partial`` and
        ``covered_from``/``covered_to`` from :func:`dashboard.charts.mark_partial_periods`.
    frame_label : the frame's name, for the title.

    Returns
    -------
    go.Figure
        Per outlet a line (a gap is a break, never 0) over a shaded band; a period only partly
        inside the selected dates is a hollow point. The hover gives k of n articles and the
        interval. The y axis is the share of articles, 0 to 100 %. With no articles at all (an
        empty frame, or gaps only), no axes: the message "No scored articles in this selection".
    """
    fig = go.Figure()
    names = [] if df is None or df.empty else sorted(str(o) for o in df["outlet"].unique())
    bottom = 60 + (LEGEND_ROW_PX * legend_rows(names) + 8 if names else 0)
    fig.update_layout(
        title=dict(text=f"Share of articles using the frame “{frame_label}”, per outlet (band: 95% interval)", x=0),
        template="plotly_white", height=420 + bottom, hovermode="closest", margin=dict(l=70, r=20, t=60, b=bottom),
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0, xanchor="left", title_text=""))
    fig.update_yaxes(title_text="share of articles", tickformat=".0%", range=[0, SHARE_TOP], autorange=False)
    fig.update_xaxes(title_text="period (UTC)")
    if df is None or df.empty or not (df["n_articles"].fillna(0) > 0).any():   # nothing but gaps: no empty axes
        return _empty(fig, "No scored articles in this selection")
    data = df.sort_values(["outlet", "period"])
    alpha = band_opacity(data["outlet"].nunique())
    for i, (outlet, g) in enumerate(data.groupby("outlet", sort=True)):
        colour, name = PALETTE[i % len(PALETTE)], str(outlet)
        x = pd.to_datetime(g["period"])
        fig.add_traces(band_traces(g, "share_low", "share_high", name, colour, alpha))
        partial = g["partial"].fillna(False).astype(bool).to_numpy() if "partial" in g else np.zeros(len(g), bool)
        custom = np.empty((len(g), 5), dtype=object)
        for j, col in enumerate(("share_low", "share_high", "n_articles_with_frame", "n_articles")):
            custom[:, j] = g[col].to_numpy(float)
        custom[:, 4] = _partial_notes(g, partial)
        fig.add_trace(go.Scatter(
            x=x, y=g["share"], mode="lines+markers", name=name, legendgroup=name, connectgaps=False,
            line=dict(color=colour, width=2.5, dash=DASHES[(i // len(PALETTE)) % len(DASHES)]),
            marker=dict(size=np.where(partial, 9, 7).tolist(), color=np.where(partial, "white", colour).tolist(),
                        line=dict(width=2, color=colour)),
            customdata=custom,
            hovertemplate=("<b>%{fullData.name}</b><br>%{x|%d %b %Y}<br>%{y:.1%} of articles use the frame<br>"
                           "95% interval %{customdata[0]:.1%} – %{customdata[1]:.1%}<br>"
                           "n = %{customdata[2]:,.0f} of %{customdata[3]:,.0f} articles%{customdata[4]}"
                           "<extra></extra>")))
    return fig


def frame_heatmap_chart(df: pd.DataFrame) -> go.Figure:
    """Heatmap of the share of articles using each frame, per outlet, over the whole selection.

    Parameters
    ----------
    df : the frame of :func:`pipelines.frames.frame_matrix`.

    Returns
    -------
    go.Figure
        Rows are outlets, columns the 15 frames in codebook order; each cell reads its share
        and "k/n" articles, and the hover adds the 95 % Wilson interval and the frame tokens.
    """
    fig = go.Figure()
    fig.update_layout(title=dict(text="Share of articles using each frame, by outlet (whole selection)", x=0),
                      template="plotly_white", margin=dict(l=160, r=20, t=70, b=150))
    if df is None or df.empty:
        return _empty(fig, "No scored articles in this selection")
    outlets = sorted(df["outlet"].unique())
    frames = [f for f in FRAMES if f in set(df["frame"])]

    grid = heatmap_grid(df, "frame", outlets, frames)
    z, k, n = grid("share"), grid("n_articles_with_frame"), grid("n_articles")
    text = [[("" if pd.isna(v) else f"{v:.0%}<br>{int(a)}/{int(b)}") for v, a, b in zip(zr, kr, nr)]
            for zr, kr, nr in zip(z.to_numpy(float), k.to_numpy(float), n.to_numpy(float))]
    custom = np.dstack([grid(c).to_numpy(float) for c in ("share_low", "share_high", "n_articles_with_frame",
                                                          "n_articles", "n_tokens")])
    fig.add_trace(go.Heatmap(
        z=z.to_numpy(float), x=[SHORT_LABELS[f] for f in frames], y=outlets, text=text, texttemplate="%{text}",
        textfont=dict(size=10), colorscale="Cividis", zmin=0, xgap=2, ygap=2, customdata=custom,   # "293/379" fits
        colorbar=dict(title=dict(text="share of articles", side="right"), tickformat=".0%"),
        hovertemplate=("<b>%{y}</b> · %{x}<br>%{z:.1%} of articles use the frame<br>"
                       "95% interval %{customdata[0]:.1%} – %{customdata[1]:.1%}<br>"
                       "n = %{customdata[2]:,.0f} of %{customdata[3]:,.0f} articles, "
                       "%{customdata[4]:,.0f} frame tokens<extra></extra>")))
    fig.update_layout(height=max(340, 170 + 48 * len(outlets)))
    fig.update_yaxes(autorange="reversed", title_text="outlet")
    fig.update_xaxes(title_text="frame", tickangle=-35)
    return with_cell_targets(fig, keys=frames)
