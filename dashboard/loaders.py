"""Cached loaders: each opens the store read-only, calls :mod:`pipelines.rollups`, closes it.

Every loader is keyed by the store path (a string), the store file's ``mtime_ns`` (so a
rebuilt store is read again), the filters as a tuple (:func:`filters_key`) and its other
arguments. Only small, aggregated frames are cached.

The charts of the two main pages (``load_*_chart``) are cached too, as resources: one per selection
shared by every session (the Trends chart a Vega-Lite spec, Outlets × categories a ``go.Figure``),
because building one costs several times the query behind it (plotly validates every property it is
given), and a page rerun on every click would otherwise rebuild it. A shared chart must not be
modified; the pages only pass it to ``st.vega_lite_chart`` / ``st.plotly_chart``, which copy it
before serialising. Each is bounded
(``max_entries``) and expires after :data:`FIGURE_TTL_S`.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pipelines import rollups, storage
from pipelines.incremental import VERSION_COLUMNS, recorded_versions

from . import charts, exports, tables

FIGURE_TTL_S = 3600
"""Seconds a cached figure is kept (it is rebuilt from the cached frame after that)."""

FiltersKey = tuple
"""A :class:`pipelines.rollups.Filters` as a plain, hashable tuple (field order)."""


def filters_key(filters: rollups.Filters) -> FiltersKey:
    """The filters as a tuple usable as a cache key."""
    return dataclasses.astuple(filters)


def _filters(key: FiltersKey) -> rollups.Filters:
    return rollups.Filters(*key)


def store_path_from_argv(argv: Sequence[str]) -> str | None:
    """The value of ``--store PATH`` among the script arguments (after streamlit's ``--``), if any."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--store")
    ns, _ = parser.parse_known_args(list(argv))
    return ns.store


def resolve_store_path(session_state, argv: Sequence[str]) -> str:
    """``session_state["store_path"]``, else ``--store`` from *argv*, else the default store."""
    if session_state.get("store_path"):
        return str(session_state["store_path"])
    return str(store_path_from_argv(argv) or storage.DEFAULT_STORE)


def store_version(path: str) -> int | None:
    """The store file's modification time in ns (a cache key), or ``None`` when it is missing."""
    p = Path(path)
    return p.stat().st_mtime_ns if p.is_file() else None


@st.cache_resource(show_spinner=False, max_entries=8)
def _checked(path: str, version: int | None) -> Path:
    return storage.check_store(path, write=False)   # a failed check is not cached: the next call checks again


def checked_store(path: str) -> Path:
    """*path* as :func:`pipelines.storage.check_store` accepted it, checked once per store file version.

    The one check of the store in the dashboard: the router calls it before anything else, and every
    loader opens the store through it, so :func:`pipelines.storage.connect` is handed the checked path
    (a :class:`~pipelines.storage.CheckedStore`) and does not check it again. A store rebuilt in place
    (a new modification time) is checked again.

    Raises
    ------
    pipelines.errors.StoreError
        As :func:`pipelines.storage.check_store` (``write=False``): no file there, a folder, or a file
        that is not a DuckDB store.
    """
    return _checked(path, store_version(path))


class _Store:
    def __init__(self, path: str):
        self.path = path

    def __enter__(self):
        self.con = storage.connect(checked_store(self.path), read_only=True)
        return self.con

    def __exit__(self, *exc):
        self.con.close()


@st.cache_data(show_spinner=False, max_entries=16)
def load_store_summary(path: str, version: int) -> dict:
    """What the filters offer and what every page labels.

    Returns
    -------
    dict with ``n_articles`` (int), ``outlets``, ``topics``, ``categories`` (sorted lists of
    str), ``first_day``, ``last_day`` (``datetime.date`` or ``None``), ``synthetic`` (bool:
    any outlet of registry type ``synthetic``), ``synthetic_outlets`` (sorted list of those
    outlets), ``lexicon_version`` and ``pairs_version`` (of the last scoring run; str or ``None``,
    also for a store from before runs recorded the pairs version), ``n_syndicated`` (int: articles flagged
    ``syndicated`` in ``article_clusters``, the wire copies, first copies included), ``n_clusters`` (int:
    clusters of near-identical copies, the stories), ``n_clustered`` (int: their articles), split into
    ``n_first_copies`` (each cluster's first), ``n_later_copies`` (later copies of another outlet's text:
    what the Republication page counts, there within the selection) and ``n_own_repeats`` (later copies
    at the outlet of the first; ``n_clustered`` is the sum of the three). Whole store, dated or not.
    """
    with _Store(path) as con:
        n = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        outlets = [r[0] for r in con.execute("SELECT DISTINCT outlet FROM articles ORDER BY 1").fetchall()]
        topics = [r[0] for r in con.execute("SELECT DISTINCT topic FROM article_topics ORDER BY 1").fetchall()]
        cats = [r[0] for r in con.execute(
            "SELECT category FROM lexicon WHERE NOT ignore UNION SELECT category FROM mentions ORDER BY 1").fetchall()]
        first, last = con.execute("SELECT min(day), max(day) FROM articles").fetchone()
        synthetic = [r[0] for r in con.execute(
            "SELECT DISTINCT outlet FROM outlets WHERE lower(type) = 'synthetic' ORDER BY 1").fetchall()]
        versions = recorded_versions(con)
        copies = con.execute(
            "SELECT count(*) FILTER (WHERE c.syndicated), count(DISTINCT c.cluster_id), count(*), "
            "count(*) FILTER (WHERE c.is_first), count(*) FILTER (WHERE NOT c.is_first AND a.outlet <> f.outlet) "
            "FROM article_clusters c JOIN articles a USING (article_id) "
            "JOIN articles f ON f.article_id = c.cluster_id").fetchone()
        n_wire, n_clusters, n_clustered, n_first, n_later = (int(v or 0) for v in copies)
    return dict(n_articles=int(n), outlets=outlets, topics=topics, categories=cats, first_day=first,
                last_day=last, synthetic=bool(synthetic), synthetic_outlets=synthetic,
                lexicon_version=versions["lexicon_version"], pairs_version=versions["pairs_version"],
                n_syndicated=n_wire, n_clusters=n_clusters, n_clustered=n_clustered, n_first_copies=n_first,
                n_later_copies=n_later, n_own_repeats=n_clustered - n_first - n_later)


@st.cache_data(show_spinner=False, max_entries=64)
def load_trend(path: str, version: int, filters: FiltersKey, granularity: str, pooled: bool) -> pd.DataFrame:
    """:func:`pipelines.rollups.trend` for these filters (one row per outlet and period), with the
    periods only partly inside the selected dates or the store's days flagged
    (:func:`dashboard.charts.mark_partial_periods`: ``partial``, ``covered_from``, ``covered_to``)."""
    f = _filters(filters)
    with _Store(path) as con:
        df = rollups.trend(con, f, granularity, pooled=pooled)
        first, last = con.execute("SELECT min(day), max(day) FROM articles").fetchone()
    start = max((d for d in (f.start, first) if d is not None), default=None)
    end = min((d for d in (f.end, last) if d is not None), default=None)
    return charts.mark_partial_periods(df, granularity, start, end)


@st.cache_resource(show_spinner=False, max_entries=64, ttl=FIGURE_TTL_S)
def load_trend_chart(path: str, version: int, filters: FiltersKey, granularity: str, pooled: bool,
                     measure: str) -> dict:
    """:func:`dashboard.charts.trend_chart` (a Vega-Lite spec) of :func:`load_trend`, shared by every session
    (do not modify it)."""
    return charts.trend_chart(load_trend(path, version, filters, granularity, pooled), measure)


@st.cache_data(show_spinner=False, max_entries=64)
def load_trend_csv(path: str, version: int, filters: FiltersKey, granularity: str, pooled: bool) -> bytes:
    """The Trends download: :func:`dashboard.exports.trend_rows` of :func:`load_trend` as CSV bytes
    (:func:`dashboard.exports.to_csv_bytes`; one row per outlet and period, so small). When the chart draws a
    panel per outlet (:func:`dashboard.charts.uses_panels`), the grey line it draws in each, all selected outlets
    together (:func:`dashboard.charts.pooled_trend`, outlet ``All selected outlets``, no interval), is in it too."""
    df = load_trend(path, version, filters, granularity, pooled)
    if charts.uses_panels(df):
        df = pd.concat([df, charts.pooled_trend(df)], ignore_index=True)
    return exports.to_csv_bytes(exports.trend_rows(df))


@st.cache_data(show_spinner=False, max_entries=64)
def load_undated(path: str, version: int, filters: FiltersKey) -> int:
    """Number of articles matching the outlet and topic filters that have no date."""
    with _Store(path) as con:
        return int(rollups.undated_count(con, _filters(filters)))


UNDATED_LIST_LIMIT = 100_000
"""Undated articles :func:`load_undated_articles` lists at most (``framewatch rejects --undated --out`` writes all)."""

UNDATED_SHOWN = 1_000
"""Undated articles the expander's table shows (its download has the whole listing)."""


@st.cache_data(show_spinner=False, max_entries=16)
def load_undated_articles(path: str, version: int, filters: FiltersKey) -> tuple[pd.DataFrame, dict[str, int]]:
    """The undated articles :func:`load_undated` counts, each with why it has no date
    (:func:`pipelines.rollups.undated_articles`, the first :data:`UNDATED_LIST_LIMIT`), and all of
    them by kind of reason (:func:`pipelines.rollups.undated_reason_counts`)."""
    with _Store(path) as con:
        f = _filters(filters)
        return rollups.undated_articles(con, f, limit=UNDATED_LIST_LIMIT), rollups.undated_reason_counts(con, f)


@st.cache_data(show_spinner=False, max_entries=16)
def load_undated_csv(path: str, version: int, filters: FiltersKey) -> bytes:
    """The listing of :func:`load_undated_articles` as CSV bytes (:func:`dashboard.exports.to_csv_bytes`),
    built once per selection rather than on every rerun of the page."""
    return exports.to_csv_bytes(load_undated_articles(path, version, filters)[0])


@st.cache_data(show_spinner=False, max_entries=64)
def load_matrix(path: str, version: int, filters: FiltersKey) -> pd.DataFrame:
    """:func:`pipelines.rollups.outlet_category_matrix` for these filters, with the cells the heatmap greys for
    each measure flagged (:func:`dashboard.charts.mark_uncertain_cells`: ``rate_uncertain``, ``share_uncertain``)."""
    with _Store(path) as con:
        return charts.mark_uncertain_cells(rollups.outlet_category_matrix(con, _filters(filters)))


@st.cache_resource(show_spinner=False, max_entries=64, ttl=FIGURE_TTL_S)
def load_matrix_chart(path: str, version: int, filters: FiltersKey, measure: str) -> go.Figure:
    """:func:`dashboard.charts.heatmap_chart` of :func:`load_matrix`, shared by every session (do not modify it)."""
    return charts.heatmap_chart(load_matrix(path, version, filters), measure)


def _cell_filters(filters: FiltersKey, category: str | None) -> rollups.Filters:
    """The filters of a chart cell: *filters*, narrowed to *category* when it is given."""
    f = _filters(filters)
    return f if category is None else dataclasses.replace(f, categories=(category,))


def load_kwic(path: str, version: int, filters: FiltersKey, outlet: str | None,
              period_start: date | None, period_end: date | None, category: str | None = None,
              limit: int = 200) -> pd.DataFrame:
    """:func:`pipelines.rollups.keyword_in_context` for one chart cell, the first *limit* lines by date.

    ``outlet=None``: all selected outlets; ``category``: that lexicon category only (an
    outlet × category cell), else the selected categories. A large *limit* gives every mention
    of a big cell, for its download (up to 100,000 lines). Not cached: the evidence download
    (:meth:`dashboard.evidence.Evidence.csv`) reads it when the reader clicks the button.
    """
    with _Store(path) as con:
        return rollups.keyword_in_context(con, _cell_filters(filters, category), outlet=outlet,
                                          period_start=period_start, period_end=period_end, limit=limit)


def load_kwic_spread(path: str, version: int, filters: FiltersKey, outlet: str | None,
                     period_start: date | None, period_end: date | None, category: str | None = None,
                     shown: int = 200) -> tuple[pd.DataFrame, int]:
    """:func:`pipelines.rollups.keyword_in_context_spread` for one chart cell (arguments as :func:`load_kwic`):
    *shown* lines spread evenly by date over all its mentions, and how many it has. Not cached here:
    :func:`dashboard.evidence.load_evidence` caches what it builds from it."""
    with _Store(path) as con:
        return rollups.keyword_in_context_spread(con, _cell_filters(filters, category), outlet=outlet,
                                                 period_start=period_start, period_end=period_end, shown=shown)


@st.cache_data(show_spinner=False, max_entries=64)
def load_article_list(path: str, version: int, filters: FiltersKey, limit: int = 500) -> pd.DataFrame:
    """:func:`pipelines.rollups.article_list` for these filters."""
    with _Store(path) as con:
        return rollups.article_list(con, _filters(filters), limit=limit)


LEAD_CHARS = 300
"""Characters of an untitled article's text :func:`load_leads` reads (enough for :data:`dashboard.tables.LEAD_WORDS`
words)."""


@st.cache_data(show_spinner=False, max_entries=64)
def load_leads(path: str, version: int, article_ids: tuple[str, ...]) -> dict[str, str]:
    """The start of the text (:data:`LEAD_CHARS` characters) of each article in *article_ids* that has no title,
    for :func:`dashboard.tables.shown_titles` (:func:`dashboard.tables.untitled_ids` gives the ids)."""
    if not article_ids:
        return {}
    with _Store(path) as con:
        rows = con.execute(f"SELECT article_id, left(text, {LEAD_CHARS}) FROM articles WHERE article_id IN "
                           f"(SELECT unnest(?::VARCHAR[])) AND nullif(trim(title), '') IS NULL",
                           [list(article_ids)]).fetchall()
    return {str(i): t for i, t in rows}


def with_lead_titles(path: str, version: int, df: pd.DataFrame, id_column: str = "article_id") -> pd.DataFrame:
    """*df* with each missing title shown as the start of its article's text (:func:`dashboard.tables.shown_titles`
    of :func:`load_leads`); for display only, downloads keep the empty title."""
    return tables.shown_titles(df, load_leads(path, version, tables.untitled_ids(df, id_column)), id_column)


@st.cache_data(show_spinner=False, max_entries=64)
def load_article_count(path: str, version: int, filters: FiltersKey) -> int:
    """:func:`pipelines.rollups.article_count`: how many dated articles the selection holds."""
    with _Store(path) as con:
        return rollups.article_count(con, _filters(filters))


@st.cache_data(show_spinner=False, max_entries=64)
def load_article(path: str, version: int, article_id: str) -> tuple[dict | None, pd.DataFrame]:
    """:func:`pipelines.rollups.article_mentions`: the article row (dict) and its mentions."""
    with _Store(path) as con:
        return rollups.article_mentions(con, article_id)


@st.cache_data(show_spinner=False, max_entries=64)
def load_cluster_members(path: str, version: int, article_id: str) -> pd.DataFrame:
    """:func:`pipelines.rollups.cluster_members`: the article's syndication cluster (empty if none)."""
    with _Store(path) as con:
        return rollups.cluster_members(con, article_id)


@st.cache_data(show_spinner=False, max_entries=8)
def load_about(path: str, version: int) -> dict[str, pd.DataFrame]:
    """Frames for the About page: ``runs`` (with the versions of the definitions each run scored with,
    and the hits it left out as parts of names, ``n_name_hits`` and ``name_hit_terms``,
    NULL where the store predates them, the run's ``settings`` and ``warnings`` as stored (JSON) and
    ``engine``, :func:`dashboard.tables.engine_label` of the settings), ``rejects`` (by reason),
    ``outlets``, ``categories``, ``feeds`` (:func:`pipelines.collect.feed_status`)."""
    with _Store(path) as con:
        runs = con.execute(
            "SELECT started_at, stage, run_id, code_version, lexicon_version, "
            f"{storage.columns_sql(con, 'runs', VERSION_COLUMNS)}, n_input, n_ingested, "
            "n_duplicates, n_rejected, n_mentions, "
            f"{storage.columns_sql(con, 'runs', ('n_name_hits', 'name_hit_terms'))}, "
            "elapsed_s, settings, warnings FROM runs "
            "ORDER BY started_at DESC").df()
        runs.insert(2, "engine", runs["settings"].map(tables.engine_label).astype(object))
        rejects = con.execute(
            "SELECT reason, count(*) AS n_records, count(DISTINCT source_file) AS n_files, "
            "min(detail) AS example_detail FROM rejects GROUP BY reason ORDER BY n_records DESC, reason").df()
        outlets = con.execute(
            "SELECT a.outlet, o.type, o.country, coalesce(o.in_registry, false) AS in_registry, "
            "count(*) AS n_articles, count(a.day) AS n_dated, min(a.day) AS first_day, max(a.day) AS last_day "
            "FROM articles a LEFT JOIN outlets o USING (outlet) GROUP BY ALL ORDER BY a.outlet").df()
        categories = con.execute(
            "SELECT l.category, count(*) FILTER (WHERE NOT l.ignore) AS n_terms, "
            "(SELECT count(*) FROM mentions m WHERE m.category = l.category) AS n_mentions "
            "FROM lexicon l GROUP BY l.category ORDER BY l.category").df()
        from pipelines.collect import feed_status
        feeds = feed_status(con)
    return dict(runs=runs, rejects=rejects, outlets=outlets, categories=categories, feeds=feeds)


def terms_key(filters: rollups.Filters) -> FiltersKey:
    """:func:`filters_key` without the lexicon categories, which distinctive terms do not use."""
    return filters_key(dataclasses.replace(filters, categories=()))


@st.cache_resource(show_spinner="Counting the terms of the selected articles…", max_entries=4)
def load_term_counts(path: str, version: int, filters: FiltersKey, bigrams: bool):
    """:func:`pipelines.distinctive.count_terms` for these filters (a ``TermCounts``).

    Cached as a resource: one shared object (a few MB of counts), not a copy per rerun; do not modify it.
    """
    from pipelines.distinctive import count_terms

    with _Store(path) as con:
        return count_terms(con, _filters(filters), bigrams=bigrams)


@st.cache_data(show_spinner=False, max_entries=32)
def load_distinctive(path: str, version: int, filters: FiltersKey, bigrams: bool, outlet: str,
                     min_count: int) -> pd.DataFrame:
    """:func:`pipelines.distinctive.distinctive_terms` of *outlet* against the other selected outlets."""
    from pipelines.distinctive import distinctive_terms

    return distinctive_terms(load_term_counts(path, version, filters, bigrams), outlet, min_count=min_count)


@st.cache_data(show_spinner=False, max_entries=64)
def load_term_kwic(path: str, version: int, filters: FiltersKey, term: str, outlet: str | None,
                   limit: int, width: int = 80) -> pd.DataFrame:
    """KWIC lines of a distinctive term (:func:`pipelines.concordance.concordance`, kind ``term``): the
    first *limit* by date, with *width* characters of context on each side."""
    from pipelines.concordance import concordance

    with _Store(path) as con:
        return concordance(con, _filters(filters), "term", key=term, outlet=outlet, width=width, limit=limit)
