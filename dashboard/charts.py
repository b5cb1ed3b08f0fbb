"""Pure chart builders: frames in, ``plotly.graph_objects.Figure`` out (no Streamlit).

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies); the
heatmap uses Cividis. Titles and axes name the unit.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pipelines.rollups import POOLED

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
"""Okabe & Ito (2008) colour-blind-safe colours, most distinct first."""

MEASURES = {
    "rate": ("rate_per_1k", "rate_low", "rate_high", "mentions per 1,000 words"),
    "share": ("share", "share_low", "share_high", "share of articles"),
}
"""measure → (value column, low, high, unit label)."""

MEASURE_LABELS = {"rate": "Rate per 1,000 words", "share": "Share of articles"}

DASHES = ("solid", "dash", "dot", "dashdot")
"""Line styles: past the eighth outlet the colours repeat, so the dash tells them apart."""

TREND_PLOT_PX = 420
"""Height of the trend chart's plotting area (lines and volume bars), in pixels."""
LEGEND_ROW_PX = 24
LEGEND_WIDTH_PX = 760
"""A conservative width for the legend under the chart (narrow windows wrap it sooner)."""

Y_QUANTILE = 0.98
Y_HEADROOM = 1.15
BAND_MIN_ARTICLES = 5
"""The trend's y axis runs from 0 to ``Y_HEADROOM`` × the ``Y_QUANTILE`` quantile of the plotted
values, so the wide intervals of periods with few words cannot squash every line near 0 (they
are cut at the top). Only when every value is 0 do the bands of periods with at least
``BAND_MIN_ARTICLES`` articles set the top. (The upper bounds are not in the quantile: on RUWA,
whose articles are ~40 words, a week of 5 articles still has a band 6× its rate.)"""
SHARE_TOP = 1.04
"""A share never exceeds 100 %: the axis stops just above it."""

PERIOD_OFFSETS = {"day": "1D", "week": "7D", "month": "MS"}
"""Length of a period (:data:`pipelines.rollups.GRANULARITIES`), as a pandas offset from its first day."""


def panel_grid(n_panels: int) -> tuple[int, int]:
    """(rows, columns) of the small multiples for *n_panels* outlets: one column for one, two up to four, then
    three, so that each panel's plot stays at least ~240 pixels wide in the main column of a 1,400-pixel window
    (about 850 pixels between the figure's margins: ~395 at two columns, ~245 at three)."""
    cols = 1 if n_panels <= 1 else 2 if n_panels <= 4 else 3
    return -(-max(1, n_panels) // cols), cols


def category_label(category: str) -> str:
    """A lexicon category as a label: ``"pejorative_label"`` → ``"pejorative label"``.

    Only for display (axes, chips); files and downloads keep the raw value.
    """
    return str(category).replace("_", " ")


def legend_rows(names, width_px: int = LEGEND_WIDTH_PX) -> int:
    """How many rows a horizontal legend of *names* needs in *width_px* (an estimate, rounded up).

    An entry is ~40 px of line sample plus ~7 px per character at plotly's default 12 px font.
    """
    rows, used = 1, 0
    for name in names:
        w = 40 + 7 * len(str(name))
        if used and used + w > width_px:
            rows, used = rows + 1, 0
        used += w
    return rows


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def measure_columns(measures: dict[str, tuple], measure: str) -> tuple:
    """``(value, low, high, unit)`` of *measure* in a chart module's *measures* table.

    Raises ValueError naming the allowed measures when *measure* is not one of them.
    """
    if measure not in measures:
        raise ValueError(f"measure must be one of {tuple(measures)}, not {measure!r}")
    return measures[measure]


def heatmap_grid(df: pd.DataFrame, across: str, outlets: list, keys: list):
    """A function ``col -> DataFrame`` of *df[col]* with rows *outlets* and columns *keys* (values of *across*).

    Cells *df* has no row for are NaN, so a heatmap leaves them empty.
    """
    def grid(col: str) -> pd.DataFrame:
        return df.pivot(index="outlet", columns=across, values=col).reindex(index=outlets, columns=keys)
    return grid


CELL_TARGETS = "cell targets"
"""The ``name`` of the marker trace :func:`with_cell_targets` adds to a heatmap figure."""


def with_cell_targets(fig: go.Figure, keys: list | None = None) -> go.Figure:
    """Make the filled cells of *fig*'s heatmap clickable in Streamlit (in place; returns *fig*).

    Streamlit's chart selection gives nothing for a click on a heatmap
    (streamlit/streamlit#8760), so an invisible marker (a scatter trace named
    :data:`CELL_TARGETS`) sits at the centre of every cell with a value and takes the hover
    and the click. With ``hoverdistance=-1`` the marker nearest the cursor is the one hovered;
    on a grid that is the cell under it. The heatmap keeps its colours and cell labels; its
    hover label moves to the markers (``%{z}`` becomes the ``customdata`` after the heatmap's own). The
    axes keep the heatmap's own range (cell edges; a y axis drawn reversed stays reversed), so
    call it after the axes are set.

    The ``y`` and ``x`` values stay as given (an outlet's name, matched on a click), while what is drawn
    of them is escaped (:func:`plotly_text`), so a name such as ``<b>X</b> & Co`` reads as typed:
    ``%{y}`` and ``%{x}`` in the hover become ``customdata`` holding the escaped labels, and an axis
    without ticks of its own whose labels escaping changes gets the escaped labels as tick text (every
    label then, so only then).

    Parameters
    ----------
    fig : a figure whose first ``go.Heatmap`` trace has ``x``, ``y``, ``z`` (rows × columns,
        NaN for an empty cell), and optionally ``customdata`` (rows × columns × k), ``text``
        (rows × columns) and ``hovertemplate``.
    keys : what each column stands for, in the order of the heatmap's ``x`` (e.g. a category's
        key behind its display label); default the ``x`` labels. Kept in the markers' ``meta``
        for :func:`dashboard.evidence.clicked_heatmap_cell`.
    """
    heat = next((t for t in fig.data if isinstance(t, go.Heatmap)), None)
    if heat is None:
        return fig
    z = np.asarray(heat.z, dtype=float)
    rows, cols = np.nonzero(~np.isnan(z))
    x, y = list(heat.x), list(heat.y)
    keys = list(x if keys is None else keys)
    if len(keys) != len(x):
        raise ValueError(f"keys must name each of the heatmap's {len(x)} columns, got {len(keys)}")
    custom = np.zeros(z.shape + (0,)) if heat.customdata is None else np.asarray(heat.customdata)
    custom = custom.reshape(z.shape + (-1,))
    k = custom.shape[2]
    template = ((heat.hovertemplate or "%{y} · %{x}<br>%{z}<extra></extra>").replace("%{z", f"%{{customdata[{k}]")
                .replace("%{y}", f"%{{customdata[{k + 1}]}}").replace("%{x}", f"%{{customdata[{k + 2}]}}"))
    text = None if heat.text is None else [heat.text[r][c] for r, c in zip(rows, cols)]
    y_drawn, x_drawn = [plotly_text(v) for v in y], [plotly_text(v) for v in x]   # each label escaped once
    labels = np.array([[y_drawn[r], x_drawn[c]] for r, c in zip(rows, cols)], dtype=object).reshape(-1, 2)
    fig.add_trace(go.Scatter(
        x=[x[c] for c in cols], y=[y[r] for r in rows], mode="markers", name=CELL_TARGETS, showlegend=False,
        marker=dict(size=1, opacity=0), selected=dict(marker=dict(opacity=0)),
        unselected=dict(marker=dict(opacity=0)), text=text,
        customdata=np.concatenate([custom[rows, cols].astype(object), z[rows, cols, None].astype(object), labels],
                                  axis=1),
        hovertemplate=template, meta={"keys": [keys[c] for c in cols]}))
    heat.update(hoverinfo="skip", hovertemplate=None)
    for axis, given, drawn, update in ((fig.layout.yaxis, y, y_drawn, fig.update_yaxes),
                                       (fig.layout.xaxis, x, x_drawn, fig.update_xaxes)):
        if axis.ticktext is None and axis.tickvals is None and drawn != [str(v) for v in given]:
            update(tickmode="array", tickvals=given, ticktext=drawn)   # only then: plotly's own ticks thin out
    fig.update_layout(hoverdistance=-1, clickmode="event+select")
    # the cells' edges, as the heatmap alone would have them (markers would widen an automatic range)
    fig.update_xaxes(range=[-0.5, len(x) - 0.5], autorange=False)
    reversed_y = fig.layout.yaxis.autorange == "reversed"
    fig.update_yaxes(range=[len(y) - 0.5, -0.5] if reversed_y else [-0.5, len(y) - 0.5], autorange=False)
    return fig


def cell_target(fig: go.Figure, point: dict) -> tuple | None:
    """``(row label, column key)`` of a selected point on :func:`with_cell_targets`' markers, else ``None``.

    *point* is one of Streamlit's ``event.selection["points"]`` (``curve_number``, ``point_index``).
    """
    n, i = point.get("curve_number"), point.get("point_index")
    if n is None or i is None or not 0 <= n < len(fig.data) or fig.data[n].name != CELL_TARGETS:
        return None
    trace = fig.data[n]
    return (trace.y[i], trace.meta["keys"][i]) if 0 <= i < len(trace.y) else None


def _empty(fig: go.Figure, message: str) -> go.Figure:
    """*fig* with only *message*: no empty axes with made-up ranges, and a short height."""
    fig.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                       font=dict(size=16, color="#555"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=240, showlegend=False)
    return fig


def _runs(mask: np.ndarray) -> list[slice]:
    """Slices of consecutive True values in *mask* (the drawn stretches between gaps)."""
    out, start = [], None
    for i, ok in enumerate(mask):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            out.append(slice(start, i))
            start = None
    if start is not None:
        out.append(slice(start, len(mask)))
    return out


def period_end(period, granularity: str) -> pd.Timestamp:
    """The last day of the period that starts on *period* (``"month"``: 2024-11-01 → 2024-11-30)."""
    if granularity not in PERIOD_OFFSETS:
        raise ValueError(f"granularity must be one of {tuple(PERIOD_OFFSETS)}, not {granularity!r}")
    p = pd.Timestamp(period)
    return p + pd.tseries.frequencies.to_offset(PERIOD_OFFSETS[granularity]) - pd.Timedelta(days=1)


def mark_partial_periods(df: pd.DataFrame, granularity: str, start, end) -> pd.DataFrame:
    """*df* with the periods that are only partly inside ``start``–``end`` flagged.

    A month from 2024-11-01 when the data end on 2024-11-10 holds ten days, not a month: it is
    drawn hollow and its CSV row says ``partial``. Days are never partial.

    Parameters
    ----------
    df : a trend frame (``period`` = first day of each period); not modified.
    granularity : ``"day"``, ``"week"`` or ``"month"``.
    start, end : first and last day counted (the selected dates clipped to the data's span);
        ``None`` leaves that side open.

    Returns
    -------
    DataFrame
        A copy with ``partial`` (bool) and ``covered_from``, ``covered_to`` (Timestamps: the
        days of the period inside the range, so equal to its first and last day when whole).
    """
    out = df.copy()
    first = pd.to_datetime(out["period"])
    last = pd.to_datetime([period_end(p, granularity) for p in first]) if len(out) else first
    lo = first if start is None else first.clip(lower=pd.Timestamp(start))
    hi = pd.Series(last, index=out.index)
    hi = hi if end is None else hi.clip(upper=pd.Timestamp(end))
    out["covered_from"], out["covered_to"] = lo, hi
    out["partial"] = ((lo > first) | (hi < pd.Series(last, index=out.index))).astype(bool)
    return out


def _y_sample(df: pd.DataFrame, measure: str) -> tuple[np.ndarray, np.ndarray]:
    val, _, high, _ = MEASURES[measure]
    values = pd.to_numeric(df[val], errors="coerce").to_numpy(float)
    highs = pd.to_numeric(df[high], errors="coerce").to_numpy(float)
    return values, highs


def trend_y_top(df: pd.DataFrame, measure: str = "rate") -> float | None:
    """The top of the trend's y axis (it starts at 0), or ``None`` for an empty frame.

    ``Y_HEADROOM`` × the ``Y_QUANTILE`` quantile of the plotted values; for shares at most
    :data:`SHARE_TOP`. When every value is 0 the widest band of a period with at least
    ``BAND_MIN_ARTICLES`` articles (else the widest band) sets the top, so a run of zeros still
    shows its intervals.
    """
    if df is None or df.empty:
        return None
    values, highs = _y_sample(df, measure)
    values = values[np.isfinite(values)]
    top = Y_HEADROOM * float(np.quantile(values, Y_QUANTILE)) if values.size else 0.0
    if top <= 0:
        solid = highs[pd.to_numeric(df["n_articles"], errors="coerce").to_numpy(float) >= BAND_MIN_ARTICLES]
        for pool in (solid[np.isfinite(solid)], highs[np.isfinite(highs)]):
            if pool.size and pool.max() > 0:
                top = float(pool.max())
                break
        else:
            top = 0.1 if measure == "share" else 1.0
    return min(top, SHARE_TOP) if measure == "share" else top


def clipped_counts(df: pd.DataFrame, measure: str = "rate", top: float | None = None) -> dict[str, int]:
    """How many 95 % intervals (their upper bounds) and points lie above the y axis of :func:`trend_chart`.

    Returns
    -------
    dict with ``intervals`` (drawn dashed to the top edge: :func:`interval_drawing`) and ``points`` (ints);
    *top* defaults to :func:`trend_y_top`.
    """
    top = trend_y_top(df, measure) if top is None else top
    if top is None:
        return {"intervals": 0, "points": 0}
    values, highs = _y_sample(df, measure)
    return {"intervals": int(np.sum(highs > top)), "points": int(np.sum(values > top))}


def band_opacity(n_lines: int) -> float:
    """Fill opacity of one interval band: 0.13 for up to three lines, fainter as more overlap
    (0.045 for nine), so nine outlets' bands stay a haze behind the lines, not a wall."""
    return round(max(0.04, 0.13 * min(1.0, 3 / max(1, n_lines))), 3)


MIN_BAND_PERIODS = 3
"""Fewest periods in a row between gaps drawn as a filled band; shorter stretches get error bars."""


def interval_drawing(low: pd.Series, high: pd.Series, top: float) -> np.ndarray:
    """How the Trends chart draws each period's 95 % interval under a y axis that ends at *top*.

    The rule: an interval that fits under the axis (``high <= top``) is part of a shaded band when it is in a
    stretch of at least :data:`MIN_BAND_PERIODS` such periods in a row, else an error bar. An interval that runs
    past the top is never shaded: a band cut at the top of the axis is a block as high as the plot, which reads as
    a spike in the data (RUWA's weeks of a few 40-word articles, a demo outlet's months of 300 words). It is a
    thin dashed line from its lower bound to the top edge, ending in an open chevron that says it goes on; the
    band breaks there. The tooltip gives the whole interval, and the CSV every bound.

    Parameters
    ----------
    low, high : the lower and upper bounds of one series, in period order (NaN: no interval, a gap).
    top : the top of the y axis (:func:`trend_y_top`).

    Returns
    -------
    ndarray of str, shape (n_periods,)
        ``"band"``, ``"bar"``, ``"past"`` or ``""`` (no interval).
    """
    lo, hi = pd.to_numeric(low, errors="coerce").to_numpy(float), pd.to_numeric(high, errors="coerce").to_numpy(float)
    known = np.isfinite(lo) & np.isfinite(hi)
    fits = known & (hi <= top)
    out = np.where(known, "past", "").astype(object)
    for seg in _runs(fits):
        out[seg] = "band" if seg.stop - seg.start >= MIN_BAND_PERIODS else "bar"
    return out.astype(str)


def band_traces(g: pd.DataFrame, low: str, high: str, name: str, colour: str, alpha: float) -> list[go.Scatter]:
    """The 95 % interval of one series (rows of *g* by ``period``; a missing *low* or *high* is a gap).

    Per stretch of at least :data:`MIN_BAND_PERIODS` periods between gaps, an invisible upper line
    and a lower line filled up to it, in *colour* at opacity *alpha*. The periods of a shorter
    stretch (one standing alone, or two between gaps) get error bars instead (one trace
    ``"<name> 95% interval"`` for all of them, an invisible marker at the interval's middle): a band
    over one or two periods is a spike or a wedge that looks like data. All hidden from the
    legend, without hover (the line's hover gives the interval).
    """
    out, alone = [], []
    for seg in _runs(g[[high, low]].notna().all(axis=1).to_numpy()):
        if seg.stop - seg.start < MIN_BAND_PERIODS:
            alone.extend(range(seg.start, seg.stop))
            continue
        part = g.iloc[seg]
        band = dict(x=pd.to_datetime(part["period"]), legendgroup=name, mode="lines", line=dict(width=0),
                    hoverinfo="skip", showlegend=False)
        out.append(go.Scatter(y=part[high], name=f"{name} 95% upper", **band))
        out.append(go.Scatter(y=part[low], name=f"{name} 95% lower", fill="tonexty", fillcolor=_rgba(colour, alpha),
                              **band))
    if alone:
        part = g.iloc[alone]
        lo, hi = part[low].to_numpy(float), part[high].to_numpy(float)
        out.append(go.Scatter(x=pd.to_datetime(part["period"]), y=(lo + hi) / 2, name=f"{name} 95% interval",
                              legendgroup=name, mode="markers", marker=dict(size=0, opacity=0), showlegend=False,
                              hoverinfo="skip", error_y=dict(type="data", array=(hi - lo) / 2, color=colour,
                                                             thickness=1.5, width=4)))
    return out


TITLES = {"rate": "Mentions per 1,000 words", "share": "Share of articles with at least one mention"}


def _partial_notes(g: pd.DataFrame, partial: np.ndarray) -> list[str]:
    """Hover lines: ``"<br>partial period: 2024-11-01 to 2024-11-10"`` for a partial period, else ``""``."""
    if "covered_from" not in g:
        return ["<br>partial period" if p else "" for p in partial]
    return [f"<br>partial period: {a:%Y-%m-%d} to {b:%Y-%m-%d}" if p else ""
            for p, a, b in zip(partial, pd.to_datetime(g["covered_from"]), pd.to_datetime(g["covered_to"]))]


def _value_format(measure: str) -> str:
    return ".1%" if measure == "share" else ".2f"


MAX_OVERLAID = 3
"""Most outlets :func:`trend_chart` draws in one chart. With more, their bands overlap into a haze that hides the
lines (RUWA's nine outlets by week: about 120 bands over each other), so each outlet gets a panel of its own on
the same axes (small multiples, as the Frames page draws its trend), with the selected outlets together as a
grey reference line."""
PANEL_PX = 170
"""Height of one outlet's panel in the small multiples of :func:`trend_chart` and of :func:`share_panels`
(several rows of them)."""
ONE_ROW_PANEL_PX = 330
"""Height of the panels of :func:`share_panels` when they fit in one row."""
PANEL_TITLE_CHARS = {1: 120, 2: 76, 3: 52}
"""Longest panel title of :func:`share_panels` on one line, by panels a row: a longer one ("Westmark Broadcasting
Corporation · 219 uses, 217 articles") breaks before its last " · ", else it runs into the next panel's title."""
PANEL_GAP_PX = 56
"""Space between two rows of :func:`share_panels`, for the lower panel's title."""
PANELS_TOP_PX = 120
"""Top margin of :func:`share_panels`: its title, the subtitle and the top panels' one-line titles."""
PANEL_TITLE_LINE_PX = 18
"""What :func:`share_panels` adds to :data:`PANELS_TOP_PX` when a top panel's title takes a second line (else
that line lies on the subtitle)."""
REFERENCE_GREY = "#8c8c8c"
"""The grey line of all selected outlets together in the panels of Trends and Frames."""
VOLUME_SHARE = 0.25
"""The article bars of a panel fill at most this share of its height (the most articles of any outlet's period)."""


def uses_panels(df: pd.DataFrame) -> bool:
    """True when :func:`trend_chart` draws *df* (a trend frame) as one panel per outlet: more than
    :data:`MAX_OVERLAID` outlets (a pooled frame has one)."""
    return df is not None and len(df) > 0 and df["outlet"].nunique() > MAX_OVERLAID


def share_panels(titles: list[str], title: str, subtitle: str) -> go.Figure:
    """A plotly figure of empty small multiples of a share: a panel per title, laid out by :func:`panel_grid`.

    The Frames and Word choice trends draw their outlets into it (panel *i* is row ``i // cols + 1``, column
    ``i % cols + 1``), then call :func:`label_share_panels`. Each panel's title (an outlet and its n) starts at
    its panel's left edge; grid cells left over in the last row draw no axes; no legend (the titles name the
    outlets).

    Parameters
    ----------
    titles : the panels' titles as plain text, in drawing order (an outlet's name as it is stored: they are
        escaped here, :func:`plotly_text`; a long one is broken, :data:`PANEL_TITLE_CHARS`).
    title, subtitle : the figure's title and the subtitle under it (what a line and a band are).
    """
    rows, cols = panel_grid(len(titles))
    panel_px = ONE_ROW_PANEL_PX if rows == 1 else PANEL_PX
    area = rows * panel_px + (rows - 1) * PANEL_GAP_PX
    shown = [_panel_title(t, cols) for t in titles]
    top = PANELS_TOP_PX + PANEL_TITLE_LINE_PX * any("<br>" in t for t in shown[:cols])
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.07, vertical_spacing=PANEL_GAP_PX / area,
                        subplot_titles=shown)
    fig.update_layout(
        title=dict(text=title, x=0, subtitle=dict(text=subtitle, font=dict(size=13))), template="plotly_white",
        hovermode="closest", height=area + top + 64, margin=dict(l=70, r=20, t=top, b=64), showlegend=False)
    for i, annotation in enumerate(fig.layout.annotations):   # the panels' titles at their left edge
        annotation.update(font=dict(size=13), x=fig.layout[f"xaxis{i + 1 if i else ''}"].domain[0], xanchor="left",
                          align="left")
    for i in range(len(titles), rows * cols):                  # cells left over in the last row: no bare axes
        fig.layout[f"xaxis{i + 1}"].visible = fig.layout[f"yaxis{i + 1}"].visible = False
    return fig


def summed_share(df: pd.DataFrame, numerator: str, denominator: str) -> pd.DataFrame:
    """All the outlets of a share frame together, per period: *numerator* and *denominator* summed over the
    outlets, then divided (the share of the selection, not a mean of the outlets' shares). The grey line of
    :func:`share_panels`.

    Returns
    -------
    DataFrame with ``period``, *denominator*, *numerator* and ``share`` (NaN where the denominator is 0: a
    gap), one row per period, in order; *df* is not modified.
    """
    out = (df.groupby("period", sort=True)[[denominator, numerator]].sum().reset_index()
           if len(df) else pd.DataFrame(columns=["period", denominator, numerator]))
    n, k = out[denominator].to_numpy(float), out[numerator].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(n > 0, k / n, np.nan)
    return out


def reference_trace(ref: pd.DataFrame, numerator: str, denominator: str, name: str, line: dict,
                    hover: str) -> go.Scatter:
    """The grey line of :func:`summed_share` *ref* for one panel of :func:`share_panels`: a gap is a break, no
    band. Its hover is *name*, the period's date, then *hover*, in which ``%{customdata[0]}`` and
    ``%{customdata[1]}`` are the period's *numerator* and *denominator*."""
    return go.Scatter(x=pd.to_datetime(ref["period"]), y=ref["share"], mode="lines", name=name, legendgroup=name,
                      connectgaps=False, line=line, customdata=ref[[numerator, denominator]].to_numpy(float),
                      hovertemplate=f"<b>{name}</b><br>%{{x|%d %b %Y}}<br>{hover}<extra></extra>")


def plotly_text(text) -> str:
    """*text* (an outlet's name, say) escaped for plotly's HTML-like labels and hovers, so ``<b>X</b> & Co``
    is drawn as typed: ``&``, ``<`` and ``>`` become entities. Quotes stay as they are, since plotly reads no
    ``&quot;`` (it would show those six characters)."""
    return html.escape(str(text), quote=False)


def _panel_title(title: str, cols: int) -> str:
    """Plain *title* escaped (:func:`plotly_text`), on two lines, broken before its last " · ", when it is
    longer than :data:`PANEL_TITLE_CHARS`."""
    if len(title) <= PANEL_TITLE_CHARS[cols] or " · " not in title:
        return plotly_text(title)
    head, tail = title.rsplit(" · ", 1)
    return f"{plotly_text(head)}<br>{plotly_text(tail)}"


def label_share_panels(fig: go.Figure, n_panels: int, y_title: str) -> go.Figure:
    """The shared axes of :func:`share_panels` once drawn: every y axis 0 to :data:`SHARE_TOP` in %, one time
    axis for all (the same periods in every panel), its dates and title under the lowest panel of each column,
    *y_title* beside the first panel of each row. Returns *fig*, changed in place."""
    rows, cols = panel_grid(n_panels)
    fig.update_yaxes(tickformat=".0%", range=[0, SHARE_TOP], autorange=False, dtick=0.5 if rows > 1 else 0.2)
    fig.update_xaxes(matches="x", showticklabels=False)
    for i in range(n_panels):
        axis = "" if i == 0 else str(i + 1)
        if i % cols == 0:
            fig.layout[f"yaxis{axis}"].title.text = y_title
        if i + cols >= n_panels:       # the lowest panel of its column: dates and the axis title
            fig.layout[f"xaxis{axis}"].update(showticklabels=True, title_text="period (UTC)")
    return fig


def pooled_trend(df: pd.DataFrame) -> pd.DataFrame:
    """All the outlets of a trend frame together, per period: numerators and denominators summed, then divided.

    The grey reference line of the small multiples and its rows in the download. The point values are those
    the "Pool selected outlets" switch gives (the same sums); the interval is left empty, since the rate's
    cluster interval needs per-article sums the per-outlet rows do not carry (switch pooling on for the band).

    Parameters
    ----------
    df : a trend frame (:func:`pipelines.rollups.trend`, per outlet and period); not modified.

    Returns
    -------
    DataFrame with one row per period, ``outlet`` = :data:`pipelines.rollups.POOLED`, the four sums
    (``n_mentions`` missing only where no outlet has a count), ``rate_per_1k`` and ``share`` (NaN for a period
    without articles: a gap), empty ``rate_low``, ``rate_high``, ``share_low``, ``share_high``, ``status``
    (``ok``, or ``no data`` for a gap), and ``partial``, ``covered_from``, ``covered_to`` when *df* has them.
    """
    sums = ["n_articles", "n_words", "n_mentions", "n_articles_with_mention"]
    if df is None or df.empty:
        return pd.DataFrame(columns=["outlet", "period", *sums, "rate_per_1k", "share", "status"])
    g = df.groupby("period", sort=True)
    out = g[["n_articles", "n_words", "n_articles_with_mention"]].sum()
    out["n_mentions"] = g["n_mentions"].sum(min_count=1)
    for col in ("partial", "covered_from", "covered_to"):
        if col in df.columns:
            out[col] = g[col].first()
    out = out.reset_index()
    words, n = out["n_words"].to_numpy(float), out["n_articles"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate_per_1k"] = np.where(words > 0, 1000 * out["n_mentions"].to_numpy(float) / words, np.nan)
        out["share"] = np.where(n > 0, out["n_articles_with_mention"].to_numpy(float) / n, np.nan)
    for col in ("rate_low", "rate_high", "share_low", "share_high"):
        out[col] = np.nan
    out["status"] = np.where(n > 0, "ok", "no data")
    out.insert(0, "outlet", POOLED)
    return out[["outlet", "period", *sums, *[c for c in out.columns if c not in ("outlet", "period", *sums)]]]


TREND_CELL = "cell"
"""Name of the trend chart's point selection on its points; ``cell_bar`` on its volume bars. Each selected
datum carries ``cell`` = :func:`trend_cell_key` of its outlet (or :data:`pipelines.rollups.POOLED`) and period."""
TREND_SELECTIONS = (TREND_CELL, f"{TREND_CELL}_bar")
"""The selection parameters of :func:`trend_chart` (``st.vega_lite_chart(selection_mode=...)``)."""
TREND_DATA = "trend"
"""The name of the trend chart's rows in its spec's ``datasets``. A named dataset, not ``data.values``:
Streamlit sends both as Arrow, but embeds named datasets in the spec before Vega's first run, while it inserts
top-level values after it; that first run over no rows warned "Infinite extent" for every scale on every
render."""
TREND_VOLUME_PX = 100
TREND_GAP_PX = 24
"""Height of the trend chart's volume bars, and of the gap above them, in pixels (the lines get the rest of
:data:`TREND_PLOT_PX`)."""
PANEL_WIDTH_PX = {1: 820, 2: 390, 3: 258}
"""Width of one panel's plot in the small multiples, by panels a row (:func:`panel_grid`): what fits the main
column of a 1,400-pixel window beside the y axes. A Vega-Lite facet cannot take the page's width."""


def trend_cell_key(outlet, period) -> str:
    """``"<outlet>|<YYYY-MM-DD>"``: a trend cell as the chart's selection reports it (split on the last ``|``)."""
    return f"{outlet}|{pd.Timestamp(period):%Y-%m-%d}"


def _utc(ts) -> str:
    """A timestamp as Vega reads it in UTC (an ISO string with ``Z``; without it a browser reads local time)."""
    return f"{pd.Timestamp(ts):%Y-%m-%dT%H:%M:%S}Z"


def _num(x) -> float | None:
    """A float for the chart's JSON, ``None`` (a gap: a break in the line) for a missing value."""
    return None if x is None or pd.isna(x) else float(x)


def _period_spans(periods: pd.Series) -> dict:
    """period → (start, end) of its volume bar: 85 % of the way to the next period (the last period and a
    lone one: as long as the one before, or a day), so the bars of months, weeks and days all keep a gap."""
    p = sorted(pd.to_datetime(periods).drop_duplicates())
    step = [b - a for a, b in zip(p, p[1:])]
    lengths = step + [step[-1] if step else pd.Timedelta(days=1)]
    return {a: (a, a + 0.85 * d) for a, d in zip(p, lengths)}


def _named_data(rows: list[dict]) -> dict:
    """The spec keys that hold *rows* as the dataset :data:`TREND_DATA`."""
    return {"datasets": {TREND_DATA: rows}, "data": {"name": TREND_DATA}}


def trend_chart_rows(spec: dict) -> list[dict]:
    """The rows a trend spec (:func:`trend_chart`) draws: its :data:`TREND_DATA` dataset, or the message of an
    empty chart (``[{"message": ...}]``)."""
    return spec["datasets"][TREND_DATA] if "datasets" in spec else spec["data"]["values"]


def _empty_spec(title: str, message: str) -> dict:
    """A chart spec with only *message*: no empty axes with made-up ranges, and a short height."""
    return {"title": {"text": title, "anchor": "start"}, "height": 200, "width": "container",
            "data": {"values": [{"message": message}]},
            "mark": {"type": "text", "fontSize": 16, "color": "#555"},
            "encoding": {"text": {"field": "message", "type": "nominal"}},
            "config": {"view": {"stroke": None}}}


def _count(k, noun: str) -> str:
    """``"1 mention"``, ``"2,345 mentions"`` (a missing count is 0)."""
    k = int(k) if pd.notna(k) else 0
    return f"{k:,} {noun}{'' if k == 1 else 's'}"


def _gap_text(status, n: int) -> str:
    """What a trend tooltip says of a period with no value: the row's status as the caption's gap list
    names it (``no data``, ``not collected``, ``no articles``), else ``no articles`` or ``no words``."""
    if isinstance(status, str) and status != "ok":
        return status
    return "no articles" if n == 0 else "no words"


def _trend_rows(data: pd.DataFrame, measure: str, top: float, spans: dict, kind: str = "outlet",
                panel: str | None = None) -> list[dict]:
    """The chart rows of a trend frame sorted by outlet and period: one per outlet and period.

    Each: ``outlet``, ``period`` and ``bar_end`` (UTC ISO), ``cell`` (:func:`trend_cell_key`), the value
    (``value``; ``drawn``: cut at *top*, ``None`` for a gap), ``above`` (the value is over *top*), the interval
    (:func:`interval_drawing`) as a band (``band_low``/``band_high``), an error bar (``bar_low``/``bar_high``)
    or, when it runs past *top*, from its lower bound to the top edge (``past_low``, the lower bound cut at
    *top*; ``past``), ``partial``, ``n_articles``, ``y0``/``y1`` (the articles stacked over the outlets before
    it), ``kind`` and ``panel``, and the tooltip's texts (``when``, ``measured``, ``interval``: the whole
    interval, ``n``, ``note``).
    """
    val, low, high, unit = MEASURES[measure]
    fmt = _value_format(measure)
    stacked: dict = {}                                   # period -> articles of the outlets stacked below
    rows = []
    for outlet, g in data.groupby("outlet", sort=True):
        drawing = interval_drawing(g[low], g[high], top)
        partial = g["partial"].fillna(False).astype(bool).to_numpy() if "partial" in g else np.zeros(len(g), bool)
        notes = [n.replace("<br>", "") for n in _partial_notes(g, partial)]
        status = g["status"] if "status" in g else pd.Series(None, index=g.index, dtype=object)
        cols = zip(pd.to_datetime(g["period"]), g[val], g[low], g[high], g["n_articles"], g["n_words"], g["n_mentions"],
                   status)
        for j, (period, v, lo, hi, n, words, mentions, gap) in enumerate(cols):
            v, lo, hi = _num(v), _num(lo), _num(hi)
            n = int(n) if pd.notna(n) else 0
            y0 = stacked.get(period, 0)
            stacked[period] = y0 + n
            band, bar, past = (drawing[j] == k for k in ("band", "bar", "past"))
            rows.append({
                "outlet": outlet, "period": _utc(period), "bar_end": _utc(spans[period][1]),
                "cell": trend_cell_key(outlet, period), "kind": kind, "panel": panel or outlet,
                "value": v, "drawn": None if v is None else min(v, top), "above": v is not None and v > top,
                "band_low": lo if band else None, "band_high": hi if band else None,
                "bar_low": lo if bar else None, "bar_high": hi if bar else None,
                "past": bool(past), "past_low": min(lo, top) if past else None,
                "partial": bool(partial[j]), "n_articles": n, "y0": y0, "y1": y0 + n,
                "when": f"{period:%d %b %Y}",
                "measured": (_gap_text(gap, n) if v is None else
                             f"{format(v, fmt)} {unit}" + (" (above the axis)" if v > top else "")),
                "interval": ("switch on Pool selected outlets" if kind == "reference" else "") if lo is None or hi is None
                            else f"{format(lo, fmt)} – {format(hi, fmt)}",
                "n": ", ".join(_count(k, noun) for k, noun in ((n, "article"), (words, "word"), (mentions, "mention"))),
                "note": notes[j]})
    return rows


def _time_axis(spans: dict) -> dict:
    """The x encoding (UTC): at most 12 ticks; one period alone: a few days around it, labelled by its date."""
    x = {"field": "period", "type": "temporal", "title": "period (UTC)", "scale": {"type": "utc"},   # utc: UTC labels
         "axis": {"labelOverlap": True, "grid": False, "tickCount": min(len(spans), 12)}}
    if len(spans) <= 12:   # few periods: a tick on each period's first day, named by its date (not "March" alone)
        x["axis"].update(values=[_utc(p) for p in spans], format="%d %b %Y")
    if len(spans) == 1:
        (p, _), = spans.values()
        x["scale"]["domain"] = [_utc(p - pd.Timedelta(days=3)), _utc(p + pd.Timedelta(days=3))]
    return x


def _bar_axis(x: dict) -> dict:
    """The x encoding of the volume bars: *x* without a fixed domain (one period). The bars' layer takes the
    domain of the measure's layers; given it too, Vega-Lite reads it as text in the bars' layer and as dates in the
    others and warns of a conflict on every render."""
    return {**x, "scale": {k: v for k, v in x["scale"].items() if k != "domain"}}


def _tooltip(rows: list[dict]) -> list[dict]:
    return [{"field": f, "type": "nominal", "title": t} for f, t in (
        ("outlet", "outlet"), ("when", "period starting"), ("measured", "value"), ("interval", "95% interval"),
        ("n", "n"), *((("note", "note"),) if any(r["note"] for r in rows) else ()))]


PAST_CHEVRON = "M -1 0.5 L 0 -0.5 L 1 0.5"
"""The open chevron (an SVG path in Vega's unit square) at the top edge where an interval runs past the axis."""


def _measure_layers(rows: list[dict], x: dict, y: dict, colour: dict, tooltip: list, band_alpha: float,
                    line: dict, top: float) -> list[dict]:
    """The layers on the measure's axis (:func:`interval_drawing`): the bands, the short stretches' error bars,
    the intervals that run past *top* (dashed to the top edge, an open chevron there), the line (*line*: its
    encoding beyond x and y), and the points, clickable (:data:`TREND_CELL`; a triangle for a point over the
    axis, hollow for a partial period, faded when another point is selected).

    A layer that would draw nothing in *rows* is left out: Vega warns of an empty layer's scale extent
    ("Infinite extent") on every render, which hides the warnings that matter. The line and the points stay
    (the points hold the click selection)."""
    def has(field: str) -> bool:
        return any(r[field] is not None for r in rows)

    layers = []
    if has("band_low"):
        layers.append({"name": "interval_band", "mark": {"type": "area", "opacity": band_alpha, "tooltip": False},
                       "transform": [{"filter": "datum.kind == 'outlet'"}],   # its nulls break the band
                       "encoding": {"x": x, "y": {**y, "field": "band_low"}, "y2": {"field": "band_high"},
                                    "color": colour}})
    if has("bar_low"):
        layers.append({"name": "interval_bar",
                       "mark": {"type": "rule", "strokeWidth": 1.5, "opacity": 0.6},   # under the line, not data
                       "transform": [{"filter": "isValid(datum.bar_low)"}],
                       "encoding": {"x": x, "y": {**y, "field": "bar_low"}, "y2": {"field": "bar_high"},
                                    "color": colour}})
    if has("past_low"):
        past = [{"filter": "datum.past"}]
        layers += [{"name": "interval_past",
                    "mark": {"type": "rule", "strokeWidth": 1, "strokeDash": [3, 3], "opacity": 0.6},
                    "transform": past,
                    "encoding": {"x": x, "y": {**y, "field": "past_low"}, "y2": {"datum": top}, "color": colour}},
                   {"name": "interval_past_end",
                    "mark": {"type": "point", "shape": PAST_CHEVRON, "filled": False, "strokeWidth": 1.5,
                             "size": 70, "opacity": 1},
                    "transform": past,
                    "encoding": {"x": x, "y": {**y, "datum": top}, "stroke": colour, "tooltip": tooltip}}]
    return [*layers,
            {"name": "line", "mark": {"type": "line"}, "encoding": {"x": x, "y": {**y, "field": "drawn"}, **line}},
            {"name": "points",
             "mark": {"type": "point", "filled": True, "strokeWidth": 2, "opacity": 1, "cursor": "pointer"},
             "transform": [{"filter": "isValid(datum.drawn)"}],
             "params": [_click_param(TREND_CELL)],
             "encoding": {"x": x, "y": {**y, "field": "drawn"}, "stroke": colour,
                          "fill": {"condition": {"test": "datum.partial", "value": "white"}, **colour},
                          "shape": {"condition": {"test": "datum.above", "value": "triangle-up"}, "value": "circle"},
                          "size": {"condition": {"test": "datum.above", "value": 110}, "value": 45},
                          "opacity": {"condition": {"param": TREND_CELL, "empty": True, "value": 1}, "value": 0.35},
                          "tooltip": tooltip}}]


def _click_param(name: str) -> dict:
    """A selection parameter *name* that a click sets to the clicked datum's ``cell`` (a double click clears it)."""
    return {"name": name, "select": {"type": "point", "fields": ["cell"], "on": "click", "clear": "dblclick"}}


def trend_chart(df: pd.DataFrame, measure: str = "rate") -> dict:
    """A measure per outlet over time, with a 95 % interval band and article volume.

    Parameters
    ----------
    df : the frame of :func:`pipelines.rollups.trend` (one row per outlet and period, gaps
        as rows with missing measures; optionally ``partial``, ``covered_from``, ``covered_to`` of
        :func:`mark_partial_periods`).
    measure : ``"rate"`` (mentions per 1,000 words) or ``"share"`` (share of articles).

    Returns
    -------
    dict
        A Vega-Lite spec for ``st.vega_lite_chart`` (Vega-Lite, not plotly: the first page then loads
        no plotly, whose 4.7 MB script was most of the dashboard's first render; benchmarks/RESULTS.md,
        section K). Up to :data:`MAX_OVERLAID` outlets (or the pooled series), one view on one time axis
        (UTC): per outlet, a line (a missing value is a break, never a zero) with points, and its 95 %
        intervals (:func:`interval_drawing`): a shaded band over stretches of at least
        :data:`MIN_BAND_PERIODS` periods that fit under the axis, an error bar for shorter ones, and a
        dashed line to the top edge with an open chevron for an interval that runs past the axis; a
        partial period's point is hollow; a point above the y axis (:func:`trend_y_top`) is a triangle at
        its top edge with its value in the tooltip. Under it, the number of articles per period, stacked
        by outlet (a partial period pale). One legend entry per outlet (its colour). More outlets:
        :func:`trend_panels`. Clicking a point selects :data:`TREND_CELL`, a bar ``cell_bar``
        (:data:`TREND_SELECTIONS`). With no articles at all (an empty frame, or gaps only), no axes: the
        message "No articles in this selection". The rows (:func:`_trend_rows`, sorted by outlet, then
        period) are the named dataset :data:`TREND_DATA` (:func:`trend_chart_rows` reads them).

    Raises
    ------
    ValueError
        *measure* is not one of :data:`MEASURES`.
    """
    val, low, high, unit = measure_columns(MEASURES, measure)
    if uses_panels(df):
        return trend_panels(df, measure)
    names = [] if df is None or df.empty else sorted(str(o) for o in df["outlet"].unique())
    title = (f"{TITLES[measure]}, {'selected outlets pooled' if names == [POOLED] else 'per outlet'} "
             "(band or bar: 95% interval)")
    if df is None or df.empty or not (df["n_articles"].fillna(0) > 0).any():   # nothing but gaps: no empty axes
        return _empty_spec(title, "No articles in this selection")
    data = df.assign(outlet=df["outlet"].astype(str)).sort_values(["outlet", "period"])
    top = trend_y_top(data, measure)
    spans = _period_spans(data["period"])
    rows = _trend_rows(data, measure, top, spans)
    colour = {"field": "outlet", "type": "nominal", "title": None,
              "scale": {"domain": names, "range": [PALETTE[i % len(PALETTE)] for i in range(len(names))]},
              "legend": {"orient": "bottom", "direction": "horizontal", "columns": min(len(names), 4),
                         "labelLimit": 260, "symbolType": "stroke", "symbolStrokeWidth": 3, "symbolOpacity": 1}}
    # One view, two stacked y scales (the lines above, the volume bars under them): a Vega-Lite concat
    # cannot fill the page's width (only a single or layered view can: width "container"). Every layer
    # names the same legend and axis, or Vega-Lite drops them when it merges the layers.
    x = _time_axis(spans)
    y = {"type": "quantitative",
         "scale": {"domain": [0, top], "nice": False, "range": [TREND_PLOT_PX - TREND_VOLUME_PX - TREND_GAP_PX, 0]},
         "axis": {"title": unit, "labelFlush": False, **({"format": ".0%"} if measure == "share" else {})}}
    tooltip = _tooltip(rows)
    lines = {"layer": _measure_layers(rows, x, y, colour, tooltip, band_opacity(len(names)),
                                      {"color": colour, "strokeWidth": {"value": 2.5}}, top)}
    volume = {"name": "volume", "mark": {"type": "rect", "cursor": "pointer"},
              "params": [_click_param(TREND_SELECTIONS[1])],
              "encoding": {"x": _bar_axis(x), "x2": {"field": "bar_end"},
                           "y": {"field": "y0", "type": "quantitative",
                                 "scale": {"range": [TREND_PLOT_PX, TREND_PLOT_PX - TREND_VOLUME_PX], "nice": True},
                                 "axis": {"title": "articles", "orient": "left", "tickCount": 3, "grid": False}},
                           "y2": {"field": "y1"}, "color": colour,
                           "opacity": {"condition": {"test": "datum.partial", "value": 0.35}, "value": 0.8},
                           "tooltip": tooltip}}
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "title": {"text": title, "anchor": "start"}, **_named_data(rows),
            "width": "container", "height": TREND_PLOT_PX, "layer": [lines, volume],
            "autosize": {"type": "fit-x", "contains": "padding"},     # the page's width; the height is the plot's
            "resolve": {"scale": {"y": "independent"}, "axis": {"y": "independent"}},
            "config": {"view": {"stroke": None}, "legend": {"labelFontSize": 13}}}


def trend_panels(df: pd.DataFrame, measure: str = "rate") -> dict:
    """The trend of many outlets as small multiples: one panel per outlet, all on the same axes.

    A Vega-Lite facet (:func:`trend_chart`'s rows, ``panel`` = the outlet), per outlet in name order, left
    to right, one to three panels a row (:func:`panel_grid`), each titled with its outlet and its articles:
    its line over its 95 % band, points and error bars as in :func:`trend_chart`, its articles per period
    as pale bars along the bottom of the panel (a second y scale, the same in every panel, at most
    :data:`VOLUME_SHARE` of its height) and, behind them, a thin grey line with small points of all the
    selected outlets together (:func:`pooled_trend`, its rows' ``kind`` ``"reference"``, ``outlet``
    :data:`pipelines.rollups.POOLED`; only when more than one outlet has articles). Every panel has the y
    axis of :func:`trend_y_top` over all outlets, so heights compare across panels. No legend: the panel
    titles name the outlets. Empty selection: as :func:`trend_chart`.
    """
    val, low, high, unit = measure_columns(MEASURES, measure)
    outlets = [] if df is None or df.empty else sorted(str(o) for o in df["outlet"].unique())
    title = f"{TITLES[measure]}, one panel per outlet"
    if df is None or df.empty or not (df["n_articles"].fillna(0) > 0).any():
        return _empty_spec(title, "No articles in this selection")
    data = df.assign(outlet=df["outlet"].astype(str)).sort_values(["outlet", "period"])
    counts = data.groupby("outlet")["n_articles"].sum()
    reference = pooled_trend(data) if int((counts > 0).sum()) > 1 else None
    top = trend_y_top(data, measure)
    most = float(data["n_articles"].max()) or 1.0
    spans = _period_spans(data["period"])
    label = {o: f"{o} · {int(counts[o]):,} articles" for o in outlets}
    # the articles on the measure's own scale (a Vega-Lite facet fails on a second, independent y scale):
    # the most articles of any outlet's period reach VOLUME_SHARE of the axis; the tooltip gives the count
    rows = [{**r, "panel": label[r["outlet"]], "volume": r["n_articles"] / most * VOLUME_SHARE * top}
            for r in _trend_rows(data, measure, top, spans)]
    if reference is not None:
        shared = _trend_rows(reference.assign(outlet=POOLED), measure, top, spans, kind="reference")
        rows += [{**r, "panel": label[o]} for o in outlets for r in shared]
    rows_n, cols = panel_grid(len(outlets))
    subtitle = ("line: the outlet (band or bar: 95% interval)"
                + ("; grey line: all selected outlets together" if reference is not None else "")
                + "; pale bars: its articles per period (same scale in every panel); periods in UTC")
    colour = {"field": "kind", "type": "nominal", "legend": None,
              "scale": {"domain": ["outlet", "reference"], "range": [PALETTE[0], REFERENCE_GREY]}}
    x = {**_time_axis(spans), "title": None}      # the subtitle says UTC, once
    y = {"type": "quantitative", "scale": {"domain": [0, top], "nice": False},
         "axis": {"title": unit, "labelFlush": False, **({"format": ".0%"} if measure == "share" else {})}}
    tooltip = _tooltip(rows)
    measure_layers = _measure_layers(rows, x, y, colour, tooltip, band_opacity(1),
                                     {"color": colour, "detail": {"field": "kind"},
                                      "strokeWidth": {"condition": {"test": "datum.kind == 'reference'", "value": 1.5},
                                                      "value": 2}}, top)
    measure_layers[-1]["encoding"]["size"] = {"condition": [{"test": "datum.above", "value": 90},
                                                            {"test": "datum.kind == 'reference'", "value": 12}],
                                              "value": 30}
    volume = {"name": "volume", "mark": {"type": "rect", "cursor": "pointer", "color": "#787878"},
              "params": [_click_param(TREND_SELECTIONS[1])],
              "transform": [{"filter": "datum.kind == 'outlet'"}],
              "encoding": {"x": _bar_axis(x), "x2": {"field": "bar_end"},
                           "y": {**y, "field": "volume"}, "y2": {"datum": 0},
                           "opacity": {"condition": {"test": "datum.partial", "value": 0.14}, "value": 0.28},
                           "tooltip": tooltip}}
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "title": {"text": title, "subtitle": subtitle, "anchor": "start"}, **_named_data(rows),
            "facet": {"field": "panel", "type": "nominal", "sort": [label[o] for o in outlets],
                      "header": {"title": None, "labelAnchor": "start", "labelFontSize": 13, "labelLimit": 0}},
            "columns": cols,
            "spec": {"width": PANEL_WIDTH_PX[cols], "height": PANEL_PX,
                     "layer": [volume, *measure_layers]},
            "spacing": {"row": 24, "column": 16},
            "resolve": {"axis": {"x": "independent"}},   # each panel its time axis: none under the empty cells
            "config": {"view": {"stroke": None}}}


UNCERTAIN_SCALE_SHARE = 0.5
"""A heatmap cell of :func:`heatmap_chart` is grey, not coloured, when its 95 % interval is wider than this share
of the colour scale: its colour could then stand for almost any value on the scale. (RUWA's News-Front: 4
mentions of a category in 612 words read 6.54 per 1,000 words with an interval of 2.1 to 18.6, wider than the
whole scale of 0 to 7.03, next to cells resting on 250,000 words.) The rule follows the value-suppressing
uncertainty palettes of Correll, Moritz & Heer (CHI 2018), in two steps: coloured, or grey."""
UNCERTAIN_GREY = "#c8c8c8"
"""The colour of the uncertain cells (the Frames and Tone heatmaps' grey for their few-article cells)."""
UNCERTAIN_COLUMNS = {"rate": "rate_uncertain", "share": "share_uncertain"}
"""measure → the column of :func:`mark_uncertain_cells` that says a cell is grey for it."""


def _scale_of(values: np.ndarray, highs: np.ndarray) -> float:
    """The top of a colour scale from 0 that holds *values* (their largest; when all are 0, the largest upper
    bound, so a chart of zeros still tells a solid zero from a guess); 0 when there is nothing."""
    for pool in (values, highs):
        pool = pool[np.isfinite(pool)]
        if pool.size and pool.max() > 0:
            return float(pool.max())
    return 0.0


def uncertain_cells(df: pd.DataFrame, measure: str = "rate") -> tuple[np.ndarray, float]:
    """Which rows of an outlet × category frame are too uncertain to colour, and the colour scale's top.

    Parameters
    ----------
    df : the frame of :func:`pipelines.rollups.outlet_category_matrix`; not modified.
    measure : ``"rate"`` or ``"share"``.

    Returns
    -------
    (uncertain, top)
        *uncertain*: bool array of ``len(df)``: the row's 95 % interval (``high - low``) is wider than
        :data:`UNCERTAIN_SCALE_SHARE` × the scale of all rows (:func:`_scale_of`). *top*: the top of the colour
        scale of the coloured rows (their largest value; that of all rows when none is coloured), so one grey
        cell's large value does not wash out the colours of the others.
    """
    val, low, high, _ = measure_columns(MEASURES, measure)
    if df is None or df.empty:
        return np.zeros(0, bool), 0.0
    values, lows, highs = (pd.to_numeric(df[c], errors="coerce").to_numpy(float) for c in (val, low, high))
    scale = _scale_of(values, highs)
    width = highs - lows
    uncertain = np.isfinite(values) & (~np.isfinite(width) | (width > UNCERTAIN_SCALE_SHARE * scale)) \
        if scale > 0 else np.zeros(len(df), bool)
    solid = values[~uncertain & np.isfinite(values)]
    top = _scale_of(solid, highs[~uncertain]) if solid.size else scale
    return uncertain, top


def mark_uncertain_cells(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of an outlet × category frame with ``rate_uncertain`` and ``share_uncertain`` (bool): the cells
    :func:`heatmap_chart` greys for that measure (:func:`uncertain_cells`), so the download says what the chart
    shows grey."""
    out = df.copy()
    for measure, col in UNCERTAIN_COLUMNS.items():
        out[col] = uncertain_cells(out, measure)[0] if len(out) else pd.Series(dtype=bool)
    return out


def outlet_n_label(outlet, n_articles, n_words) -> str:
    """A heatmap row label: the outlet (escaped) over its denominators in small grey type, e.g.
    ``News-Front<br><span ...>68 articles · 612 words</span>``."""
    arts = f"{int(n_articles):,} article{'s' if int(n_articles) != 1 else ''}"
    words = f"{int(n_words):,} word{'s' if int(n_words) != 1 else ''}"
    return (f"{plotly_text(outlet)}<br><span style='font-size:10px;color:#666'>{arts} · {words}</span>")


def heatmap_chart(df: pd.DataFrame, measure: str = "rate") -> go.Figure:
    """Heatmap of a measure for every outlet × category, each cell labelled with its value.

    Parameters
    ----------
    df : the frame of :func:`pipelines.rollups.outlet_category_matrix`.
    measure : ``"rate"`` or ``"share"``.

    Returns
    -------
    go.Figure
        One heatmap: rows are outlets, each labelled with its n (articles, and words in the chosen voice:
        the denominators of every cell in the row), columns categories; hover gives the value, its 95 %
        interval and n (mentions, articles, words). Cells whose interval is too wide to colour
        (:func:`uncertain_cells`) are covered by a second heatmap named ``"uncertain"`` in grey, which reads the
        value and its interval; the first heatmap's ``z`` keeps every value, and its colour scale runs from 0
        to the largest coloured value.
    """
    val, low, high, unit = measure_columns(MEASURES, measure)
    fig = go.Figure()
    fig.update_layout(title=dict(text=f"{TITLES[measure]}, by outlet and lexicon category", x=0),
                      template="plotly_white", margin=dict(l=160, r=20, t=70, b=120))
    if df is None or df.empty:
        return _empty(fig, "No articles in this selection")
    outlets = sorted(df["outlet"].unique())
    categories = sorted(df["category"].unique())
    grid = heatmap_grid(df, "category", outlets, categories)
    z = grid(val)
    labels = [category_label(c) for c in categories]
    pyfmt = "{:.1%}" if measure == "share" else "{:.2f}"
    text = z.map(lambda v: "" if pd.isna(v) else pyfmt.format(v))
    uncertain, top = uncertain_cells(df, measure)
    grey = heatmap_grid(df.assign(_grey=uncertain), "category", outlets, categories)("_grey")
    grey = grey.fillna(False).to_numpy(bool) & ~np.isnan(z.to_numpy(float))
    lows, highs = grid(low).to_numpy(float), grid(high).to_numpy(float)
    why = np.where(grey, "<br>grey: the 95% interval is wider than half the colour scale", "").astype(object)
    custom = np.dstack([grid(c).to_numpy(float).astype(object) for c in
                        (low, high, "n_mentions", "n_articles_with_mention", "n_articles", "n_words")] + [why])
    fmt = _value_format(measure)
    fig.add_trace(go.Heatmap(
        z=z.to_numpy(float), x=labels, y=outlets, text=text.to_numpy(), texttemplate="%{text}",
        textfont=dict(size=14), colorscale="Cividis", zmin=0, zmax=top if top > 0 else None,
        colorbar=dict(title=dict(text=unit, side="right"), tickformat=".0%" if measure == "share" else None),
        customdata=custom, xgap=2, ygap=2,
        hovertemplate=(f"<b>%{{y}}</b> · %{{x}}<br>%{{z:{fmt}}} {unit}<br>"
                       f"95% interval %{{customdata[0]:{fmt}}} – %{{customdata[1]:{fmt}}}<br>"
                       "n = %{customdata[2]:,.0f} mentions in %{customdata[3]:,.0f} of %{customdata[4]:,.0f} "
                       "articles, %{customdata[5]:,.0f} words%{customdata[6]}<extra></extra>")))
    if grey.any():   # drawn over the colour, with the value and its interval (it hides the first heatmap's labels)
        short = "{:.0%}" if measure == "share" else "{:.1f}"
        grey_text = [[(f"{t}<br><span style='font-size:10px'>{short.format(a)}–{short.format(b)}</span>"
                       if g else "") for t, g, a, b in zip(tr, gr, ar, br)]
                     for tr, gr, ar, br in zip(text.to_numpy(), grey, lows, highs)]
        fig.add_trace(go.Heatmap(
            z=np.where(grey, 0.0, np.nan), x=labels, y=outlets, name="uncertain", text=grey_text,
            texttemplate="%{text}", textfont=dict(size=13, color="#333"), xgap=2, ygap=2,
            colorscale=[[0, UNCERTAIN_GREY], [1, UNCERTAIN_GREY]], showscale=False, hoverinfo="skip"))
    n = df.drop_duplicates("outlet").set_index("outlet")
    fig.update_layout(height=max(320, 90 + 60 * len(outlets)))
    fig.update_yaxes(autorange="reversed", title_text=None, automargin=True, tickmode="array", tickvals=outlets,
                     ticktext=[outlet_n_label(o, n.at[o, "n_articles"], n.at[o, "n_words"]) for o in outlets])
    fig.update_xaxes(title_text="lexicon category", side="bottom")
    return with_cell_targets(fig, keys=categories)


Z_CRITICAL = 1.959963984540054
"""|z| above which a distinctive term is marked (two-sided 5 % for one term, uncorrected)."""


def distinctive_rows(df: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The terms a distinctive-terms chart shows: the *n* highest z above 0, the *n* lowest below.

    Parameters
    ----------
    df : the frame of :func:`pipelines.distinctive.distinctive_terms` (z descending).

    Returns
    -------
    The rows of *df* with z > 0 (at most *n*, highest first) then z < 0 (at most *n*, the
    lowest last), with a column ``side``: ``"outlet"`` or ``"rest"``.
    """
    top = df[df["z"] > 0].head(n).assign(side="outlet")
    bottom = df[df["z"] < 0].tail(n).assign(side="rest")
    return pd.concat([top, bottom], ignore_index=True)


def distinctive_chart(df: pd.DataFrame, outlet: str, n: int = 20) -> go.Figure:
    """Horizontal bars of the log-odds z-score of the terms most distinctive for *outlet* and for the rest.

    Parameters
    ----------
    df : the frame of :func:`pipelines.distinctive.distinctive_terms` for *outlet*.
    outlet : the outlet compared with the other selected outlets (shown escaped).
    n : bars per side.

    Returns
    -------
    go.Figure
        One bar per term of :func:`distinctive_rows` (the outlet's terms on top, the rest's
        at the bottom), x = z, dotted lines at ±1.96; hover gives both counts, rates per
        1,000 counted terms, δ and z. Each bar's ``customdata[0]`` is its term (for a click).
    """
    name = plotly_text(outlet)
    fig = go.Figure()
    fig.update_layout(title=dict(text=f"Distinctive terms: {name} against the other selected outlets", x=0),
                      template="plotly_white", margin=dict(l=10, r=20, t=60, b=60), bargap=0.25,
                      legend=dict(orientation="h", yanchor="top", y=-0.08, x=0))
    rows = distinctive_rows(df, n) if df is not None and len(df) else pd.DataFrame()
    if rows.empty:
        return _empty(fig, "No terms to compare in this selection")
    for side, colour, label in (("outlet", PALETTE[0], f"more in {name}"),
                                ("rest", PALETTE[1], "more in the other selected outlets")):
        g = rows[rows["side"] == side]
        if g.empty:
            continue
        custom = np.column_stack([g["term"].astype(str), g["count_i"], g["count_j"], g["per_1k_i"],
                                  g["per_1k_j"], g["delta"]])
        fig.add_trace(go.Bar(
            x=g["z"], y=g["term"], orientation="h", name=label, marker_color=colour, customdata=custom,
            hovertemplate=(f"<b>%{{customdata[0]}}</b><br>{name}: %{{customdata[1]:,}} "
                           "(%{customdata[3]:.2f} per 1,000 terms)<br>other outlets: %{customdata[2]:,} "
                           "(%{customdata[4]:.2f} per 1,000 terms)<br>δ = %{customdata[5]:.3f} · "
                           "z = %{x:.2f}<extra></extra>")))
    for x in (-Z_CRITICAL, Z_CRITICAL):
        fig.add_vline(x=x, line=dict(color="#777", width=1, dash="dot"))
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=list(rows["term"]),
                     title_text=None, automargin=True)
    fig.update_xaxes(title_text="z-score of the log-odds ratio (dotted: ±1.96)", zeroline=True,
                     zerolinecolor="#444")
    fig.update_layout(height=140 + 22 * len(rows))
    return fig
