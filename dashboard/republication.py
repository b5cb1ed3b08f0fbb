"""Republication page parts: cached loaders, chart builders and the escaped first-vs-copy view.

Loaders follow :mod:`dashboard.loaders` (keyed by store path, version and filters tuple);
chart builders are pure functions returning ``go.Figure``; HTML is built from
:func:`html.escape`-d pieces only.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pipelines import republication
from pipelines.syndication import MIN_OWN_WORDS, NUM_PERM, SHINGLE, THRESHOLD

from .charts import PALETTE, _empty, with_cell_targets
from .loaders import FiltersKey, _filters, _Store
from .render import _when

SETTINGS_TEXT = (f"copies: estimated Jaccard ≥ {THRESHOLD:g} of {SHINGLE}-word shingles "
                 f"(MinHash, {NUM_PERM} permutations); a text under {MIN_OWN_WORDS} words is a copy only of "
                 "another outlet's text")
"""The clustering settings, for the page's caption (the page uses no lexicon)."""
STORY_COLUMNS = ("story", "first_outlet", "republished_by", "n_later", "n_outlets", "max_lag_hours",
                 "first_published_at", "min_similarity")
"""Columns of the stories table, in order: who copied whom first, so they show beside the story (wide enough for
most titles) before any horizontal scroll."""


@st.cache_data(show_spinner=False, max_entries=32)
def load_republication(path: str, version: int, filters: FiltersKey) -> dict[str, pd.DataFrame]:
    """The page's frames for these filters: ``copies`` (:func:`pipelines.republication.republished_copies`),
    ``clusters`` (:func:`~pipelines.republication.cluster_summary`), ``flows``
    (:func:`~pipelines.republication.republication_flows`) and ``shares``
    (:func:`~pipelines.republication.copy_shares`)."""
    f = _filters(filters)
    with _Store(path) as con:
        copies = republication.republished_copies(con, f)
        shares = republication.copy_shares(con, f, copies)
    return dict(copies=copies, clusters=republication.cluster_summary(copies),
                flows=republication.republication_flows(copies), shares=shares)


def copy_counts(copies: pd.DataFrame) -> tuple[int, int, int, int, int]:
    """``(n_clustered, n_stories, n_first, n_later, n_own)`` of :func:`pipelines.republication.republished_copies`
    for :func:`dashboard.tables.copies_text`: the selected clustered articles, their clusters, the first copies
    among them, the later copies of another outlet's text (the sum of ``copy_shares``' ``n_copies``) and the
    later copies at the first copy's outlet."""
    first = copies["is_first"].astype(bool)
    later = int((~first & (copies["outlet"] != copies["first_outlet"])).sum())
    n_first = int(first.sum())
    return len(copies), int(copies["cluster_id"].nunique()), n_first, later, len(copies) - n_first - later


@st.cache_data(show_spinner=False, max_entries=32)
def load_cluster_texts(path: str, version: int, cluster_id: str) -> pd.DataFrame:
    """:func:`pipelines.republication.cluster_texts`: one cluster's members with their texts."""
    with _Store(path) as con:
        return republication.cluster_texts(con, cluster_id)


def flow_heatmap(flows: pd.DataFrame) -> go.Figure:
    """Heatmap of republished copies: rows the outlet that published first, columns the outlet that copied.

    Parameters
    ----------
    flows : :func:`pipelines.republication.republication_flows`.

    Returns
    -------
    go.Figure
        One heatmap of counts (copies); hover gives the pair, the count and the median lag in
        hours. Pairs with no copy are blank, not 0-coloured.
    """
    fig = go.Figure()
    fig.update_layout(title=dict(text="Copies: first published by (row), copied by (column)", x=0),
                      template="plotly_white", margin=dict(l=10, r=10, t=70, b=10))   # axes take what labels need
    if flows is None or flows.empty:
        return _empty(fig, "No republished copies in this selection")
    z = flows.pivot(index="first_outlet", columns="outlet", values="n_copies")      # rows and columns sorted
    lags = flows.pivot(index="first_outlet", columns="outlet", values="median_lag_hours").reindex_like(z)
    firsts, copiers = list(z.index), list(z.columns)
    text = z.map(lambda v: "" if pd.isna(v) else f"{int(v):,}")
    fig.add_trace(go.Heatmap(
        z=z.to_numpy(float), x=copiers, y=firsts, text=text.to_numpy(), texttemplate="%{text}",
        textfont=dict(size=14), colorscale="Cividis", zmin=0, zmax=max(1.0, float(np.nanmax(z.to_numpy(float)))),
        xgap=2, ygap=2,
        colorbar=dict(title=dict(text="copies", side="right"), thickness=12),
        customdata=lags.to_numpy(float)[..., None],
        hovertemplate=("first published by <b>%{y}</b>, copied by <b>%{x}</b><br>%{z:,.0f} copies · median lag "
                       "%{customdata[0]:.1f} h<extra></extra>")))
    fig.update_layout(height=max(400, 220 + 60 * len(firsts)))
    fig.update_yaxes(autorange="reversed", title_text="first published by", automargin=True, showgrid=False)
    fig.update_xaxes(title_text="copied by", side="bottom", automargin=True, showgrid=False)   # no line across a blank
    return with_cell_targets(fig)


NO_COPIES_TEXT = "No selected article copies<br>another outlet's text"
"""Said over :func:`copy_share_chart` when every bar is 0 (an outlet repeating its own text is not a copy here)."""


def copy_share_chart(shares: pd.DataFrame) -> go.Figure:
    """Horizontal bars: each outlet's share of articles that copy another outlet's text, with Wilson 95 % bars;
    when no article does, :data:`NO_COPIES_TEXT` over them.

    Parameters
    ----------
    shares : :func:`pipelines.republication.copy_shares`.
    """
    fig = go.Figure()
    fig.update_layout(title=dict(text="Share of articles copying another outlet", x=0), template="plotly_white", margin=dict(l=160, r=20, t=70, b=60))
    if shares is None or shares.empty:
        return _empty(fig, "No articles in this selection")
    df = shares.sort_values("outlet", ascending=False)
    share = df["share"].to_numpy(float)
    fig.add_trace(go.Bar(
        x=share, y=df["outlet"], orientation="h", marker_color=PALETTE[0],
        error_x=dict(type="data", symmetric=False, array=df["share_high"].to_numpy(float) - share,
                     arrayminus=share - df["share_low"].to_numpy(float), color="#444"),
        customdata=np.stack([df["n_copies"], df["n_articles"], df["share_low"], df["share_high"]], axis=-1),
        hovertemplate=("<b>%{y}</b><br>%{x:.1%} copies (%{customdata[0]:,.0f} of %{customdata[1]:,.0f} articles)"
                       "<br>95% interval %{customdata[2]:.1%} – %{customdata[3]:.1%}<extra></extra>")))
    fig.update_xaxes(tickformat=".0%", range=[0, 1.04], title_text="share of articles (Wilson 95 % interval)")
    fig.update_layout(height=max(260, 120 + 40 * len(df)))
    if not df["n_copies"].sum():   # bars of 0 only: say why, or the chart looks broken (one outlet, KCNA)
        fig.add_annotation(text=NO_COPIES_TEXT, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                           font=dict(size=13, color="#555"))   # in the plot, half a page wide: two short lines
    return fig


_DIFF_STYLES = {"removed": "background:#FCE4E4;text-decoration:line-through;color:#7A1F1F;",
                "added": "background:#DDF4E4;border-bottom:2px solid #009E73;color:#0B4D2F;"}


def diff_html(first: str, copy: str) -> str:
    """The copy's text against the first copy's as escaped HTML: removed words struck through in red,
    added words underlined in green (:func:`pipelines.republication.word_diff`)."""
    parts = []
    for op, text in republication.word_diff(first, copy):
        piece = html.escape(text).replace("\n", "<br>")
        if op == "same":
            parts.append(piece)
        else:
            label = "only in the first copy" if op == "removed" else "only in this copy"
            tag = "del" if op == "removed" else "ins"
            parts.append(f'<{tag} title="{label}" style="{_DIFF_STYLES[op]}">{piece}</{tag}>')
    return '<div class="fw-diff" style="line-height:1.6">' + "".join(parts) + "</div>"


def member_label(row, similarity: bool = True) -> str:
    """``Outlet B · 2026-03-02 08:30 UTC · +2.5 h · similarity 1.00`` for a member of :func:`load_cluster_texts`
    (``first copy`` for the lag of the first; without *similarity*, ``Outlet A · 2026-03-02 06:00 UTC``)."""
    if not similarity:
        return f"{row['outlet']} · {_when(row['published_at'])}"
    lag = "first copy" if bool(row["is_first"]) else republication.lag_text(row["lag_hours"])
    return f"{row['outlet']} · {_when(row['published_at'])} · {lag} · similarity {row['similarity']:.2f}"


def with_later_copies(clusters: pd.DataFrame, copies: pd.DataFrame) -> pd.DataFrame:
    """A copy of a cluster summary with ``first_selected`` (bool: the cluster's first copy is among the selected
    articles) and ``n_later`` (int: its selected copies after the first), so "3 copies" cannot be read as three
    republications of one story (it was the first and two later ones).

    Parameters
    ----------
    clusters : :func:`pipelines.republication.cluster_summary` of *copies*.
    copies : :func:`pipelines.republication.republished_copies` (one row per selected clustered article).
    """
    first = copies.loc[copies["is_first"].astype(bool), "cluster_id"]
    selected = clusters["cluster_id"].isin(set(first))
    return clusters.assign(first_selected=selected.to_numpy(),
                           n_later=(clusters["n_copies"] - selected.astype("int64")).astype("int64"))


STORY_LINES = 4
"""Most later copies a "Republished by" cell lists in the stories table (its rows grow to fit them)."""
STORY_WIDTHS = {"story": 203, "first_outlet": 120, "republished_by": 205, "n_later": 82, "n_outlets": 56,
                "max_lag_hours": 54, "first_published_at": 120, "min_similarity": 62}
"""Pixel widths of the stories table's columns (:data:`STORY_COLUMNS`): 902 in all, which with the row
selection column (about 36) stays within the ~938 pixels of the main column beside the sidebar at a
1,400-pixel window, so the table does not scroll sideways. Each header ends inside its column
(:func:`dashboard.tables.text_px`): "Min. sim." was cut at 54 pixels; the story's title, which wraps, gave them room."""
STORY_ROWS_SHOWN = 8
"""Rows the stories table shows before it scrolls."""
NBSP = "\u00a0"


def republished_lines(clusters: pd.DataFrame, copies: pd.DataFrame, max_lines: int = STORY_LINES) -> pd.Series:
    """The "Republished by" cell of each row of *clusters*: its later copies, earliest first, for a cell that wraps.

    Each copy reads ``Outlet B (+2.5 h)`` (:func:`pipelines.republication.lag_text`), as in ``republished_by``,
    but with no-break spaces inside, so a wrapped cell breaks only between copies (Streamlit's table wraps at
    spaces and draws a newline as a space): one copy a line in the table's column, none cut. Beyond
    *max_lines* copies the last item says how many more (``… 12 more: choose the story below``); the story's
    members below the table list them all.

    Parameters
    ----------
    clusters : rows of :func:`pipelines.republication.cluster_summary` (``cluster_id``).
    copies : :func:`pipelines.republication.republished_copies` (a cluster's first copy is the row whose
        ``article_id`` is its ``cluster_id``).

    Returns
    -------
    Series of str aligned with *clusters*, items joined by ``", "`` ("" for a cluster with no later copy).
    """
    later = copies[copies["article_id"] != copies["cluster_id"]]
    items = (later["outlet"].astype(str) + " (" + later["lag_hours"].map(republication.lag_text) + ")").map(
        lambda item: item.replace(" ", NBSP))

    def cell(group: pd.Series) -> str:
        group = group.tolist()
        if len(group) > max_lines:
            group = group[:max_lines - 1] + [f"… {len(group) - max_lines + 1} more: choose the story below"]
        return ", ".join(group)

    joined = items.groupby(later["cluster_id"], sort=False).agg(cell)
    return pd.Series(clusters["cluster_id"].map(joined).fillna("").tolist(), index=clusters.index, dtype=object)


def story_row_height(cells: pd.Series) -> int:
    """Pixel height of the stories table's rows for the "Republished by" *cells* of :func:`republished_lines`:
    a line for each item of the fullest cell (at least two lines, so a long title wraps too), 21 pixels a line.
    Streamlit wraps a cell's text only in rows taller than 64 pixels."""
    n = int(cells.str.count(", ").max() + 1) if len(cells) else 1
    return max(66, 21 * n + 10)


def story_labels(clusters: pd.DataFrame) -> list[str]:
    """``2026-03-02 06:00 UTC · Outlet A · Grain talks resume · first + 2 later copies`` for each row of
    :func:`with_later_copies` (``· 2 later copies, the first not selected`` when the sidebar leaves the first out)."""
    def copies(n: int, first: bool) -> str:
        later = f"{n:,} later cop{'y' if n == 1 else 'ies'}"
        return f"first + {later}" if first else f"{later}, the first not selected"

    return [f"{_when(w)} · {o} · {s} · {copies(n, bool(f))}"
            for w, o, s, n, f in zip(clusters["first_published_at"], clusters["first_outlet"], clusters["story"],
                                     clusters["n_later"].astype(int), clusters["first_selected"])]


def first_published_html(article_id: str, members: pd.DataFrame) -> str:
    """``First published by Outlet A on 2026-03-02 06:00 UTC (2.5 hours earlier).`` as escaped HTML, or ``""``.

    Shown on an article that is a later copy in its cluster (not the first copy).

    Parameters
    ----------
    article_id : the article shown.
    members : :func:`pipelines.rollups.cluster_members` of that article (first copy first).
    """
    if members is None or len(members) < 2 or members["article_id"].iloc[0] == article_id:
        return ""
    first = members.iloc[0]
    here = members[members["article_id"] == article_id]
    if here.empty:
        return ""
    lag = (pd.Timestamp(here["published_at"].iloc[0]) - pd.Timestamp(first["published_at"])).total_seconds() / 3600 \
        if pd.notna(here["published_at"].iloc[0]) and pd.notna(first["published_at"]) else float("nan")
    earlier = ("at the same stamped time" if lag == 0 else "time difference unknown" if pd.isna(lag) else
               f"{lag:.1f} hours earlier" if abs(lag) < 10 else f"{lag:,.0f} hours earlier")
    return (f'<p class="fw-first" style="margin:0 0 4px 0"><strong>First published by '
            f"{html.escape(str(first['outlet']))}</strong> on {_when(first['published_at'])} ({earlier}); "
            f"this text is a copy (similarity {float(here['similarity'].iloc[0]):.2f}).</p>")
