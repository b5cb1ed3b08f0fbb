"""Topic discovery page parts: the cached NMF run, the top-terms chart and the default topics file."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from pipelines import topic_discovery

from .charts import PALETTE, _empty
from .loaders import FiltersKey, _filters, _Store

DISCOVERED_FILE = "topics.discovered.yaml"
"""Default file name of saved proposals, beside the store."""
CHART_TERMS = 8
"""Top terms drawn per topic."""


@st.cache_data(show_spinner="Finding topics (NMF over TF-IDF)…", max_entries=8)
def load_topic_proposals(path: str, version: int, filters: FiltersKey, n_topics: int,
                         max_articles: int = topic_discovery.MAX_ARTICLES) -> topic_discovery.TopicProposals:
    """:func:`pipelines.topic_discovery.discover_topics` on the selected articles; cached by filters and *n_topics*.

    Raises :class:`pipelines.errors.ConfigError` when the selection is too small for *n_topics*.
    """
    with _Store(path) as con:
        articles = topic_discovery.selected_articles(con, _filters(filters))
    return topic_discovery.discover_topics(articles, n_topics, max_articles=max_articles)


def discovered_path(store_path: str) -> Path:
    """``topics.discovered.yaml`` in the store's folder."""
    return Path(store_path).resolve().parent / DISCOVERED_FILE


def top_terms_chart(terms, topics, n_terms: int = CHART_TERMS) -> go.Figure:
    """One small horizontal bar chart per proposed topic: its top *n_terms* terms by NMF weight.

    Parameters
    ----------
    terms : ``TopicProposals.terms`` (``topic, rank, term, weight``).
    topics : ``TopicProposals.topics`` (``topic, label, n_articles``), for the panel titles.

    Returns
    -------
    go.Figure
        Panels in three columns, best term on top; weights are NMF units, comparable within a
        panel only, so each panel has its own x axis, from 0, with its values (about three ticks)
        and, under the lowest panel of each column, the title "NMF weight".
    """
    if terms is None or terms.empty:
        return _empty(go.Figure(), "No topics proposed")
    ids = topics["topic"].tolist()
    cols = 3
    rows = (len(ids) + cols - 1) // cols
    titles = [f"{t}. {label} ({n:,} articles)" for t, label, n in
              zip(topics["topic"], topics["label"], topics["n_articles"])]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.12,
                        vertical_spacing=min(0.12, 0.6 / max(rows, 1)))
    for i, t in enumerate(ids):
        g = terms[(terms["topic"] == t) & (terms["rank"] <= n_terms)].sort_values("rank", ascending=False)
        fig.add_trace(go.Bar(x=g["weight"], y=g["term"], orientation="h", marker_color=PALETTE[i % len(PALETTE)],
                             showlegend=False, hovertemplate="%{y}: weight %{x:.3f}<extra>topic " + str(t) + "</extra>"),
                      row=i // cols + 1, col=i % cols + 1)
    fig.update_layout(title=dict(text="Top terms of each proposed topic (NMF weight)", x=0), template="plotly_white",
                      height=80 + 230 * rows, margin=dict(l=10, r=10, t=90, b=60))
    fig.update_annotations(font_size=12)
    # Each panel's own axis values: a bar's length is read against them (weights compare within a panel only).
    fig.update_xaxes(showticklabels=True, rangemode="tozero", nticks=4, tickformat=".2~f", tickfont=dict(size=10))
    for i in range(len(ids)):
        if i + cols >= len(ids):           # the lowest panel of its column
            fig.layout[f"xaxis{i + 1 if i else ''}"].title = dict(text="NMF weight", font=dict(size=11))
    return fig
