"""Republication: who publishes a text first and who copies it, from ``article_clusters``.

:mod:`pipelines.syndication` groups near-identical texts into clusters (MinHash over word
5-shingles, estimated Jaccard ≥ 0.7) and marks each cluster's first member (``is_first``:
the earliest ``published_at``, then the smallest ``article_id``; undated members last). A text
under :data:`pipelines.syndication.MIN_OWN_WORDS` words (a headline, a caption) is a copy only of
another outlet's text, so a repeat of an outlet's own text (the diagonal of the flows, the
``own`` of the page's counts) is always a text of that many words or more. This module reads
those clusters for the current selection:

* :func:`republished_copies` -- one row per selected article that belongs to a cluster, with
  its cluster's first copy (outlet, time) and its lag in hours behind it;
* :func:`cluster_summary` -- one row per cluster: the story, who published it first, how many
  copies, which outlets republished it, how late, how similar;
* :func:`republication_flows` -- outlet × outlet counts of "first published by A, copied by B";
* :func:`copy_shares` -- per outlet, the share of its articles that are copies of another
  outlet's text, with a Wilson interval and n;
* :func:`word_diff` -- the first text against a copy, word by word (difflib).

The selection is the sidebar's (:class:`pipelines.rollups.Filters`) with every copy counted,
whatever the *Republished copies* switch says: this page is about the copies. A cluster's
first copy is its first in the whole store, so a copy whose original lies outside the
selected outlets or dates still names that original.
"""

from __future__ import annotations

import dataclasses
import difflib
import re

import duckdb
import numpy as np
import pandas as pd

from .rollups import Filters, _selection_sql, wilson_interval

COPY_COLUMNS = ["cluster_id", "article_id", "outlet", "published_at", "title", "url", "is_first", "similarity",
                "first_article_id", "first_outlet", "first_published_at", "lag_hours"]
"""Columns of :func:`republished_copies`."""

CLUSTER_COLUMNS = ["cluster_id", "story", "first_outlet", "first_published_at", "n_copies", "n_outlets",
                   "republished_by", "max_lag_hours", "min_similarity"]
"""Columns of :func:`cluster_summary`."""

SHARE_COLUMNS = ["outlet", "n_articles", "n_copies", "share", "share_low", "share_high"]
"""Columns of :func:`copy_shares`."""

_WORD_OR_SPACE = re.compile(r"\s+|[^\s]+")


def _every_copy(filters: Filters) -> Filters:
    return dataclasses.replace(filters, copies="every")


def republished_copies(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Every selected, dated article that has a near-identical copy, with its cluster's first copy.

    Parameters
    ----------
    con : open store.
    filters : the selection (outlets, topics, dates); its *copies* mode is ignored (every copy
        counts here).

    Returns
    -------
    DataFrame with :data:`COPY_COLUMNS`, one row per selected clustered article, ordered by
    cluster, first copy first, then publication time. ``first_*`` describe the cluster's first
    copy in the whole store (it may lie outside the selection); ``lag_hours`` is
    ``published_at - first_published_at`` in hours (0.0 for the first copy, NaN when either
    time is missing); ``similarity`` is the estimated Jaccard similarity to the first copy.
    """
    params: list = []
    sel = _selection_sql(_every_copy(filters), params)
    sql = (f"WITH sel AS ({sel}) "
           "SELECT c.cluster_id, c.article_id, a.outlet, a.published_at, a.title, a.url, c.is_first, c.similarity, "
           "f.article_id AS first_article_id, f.outlet AS first_outlet, f.published_at AS first_published_at, "
           "date_diff('second', f.published_at, a.published_at) / 3600.0 AS lag_hours "
           "FROM article_clusters c JOIN sel USING (article_id) JOIN articles a USING (article_id) "
           "JOIN articles f ON f.article_id = c.cluster_id "
           "ORDER BY c.cluster_id, c.is_first DESC, a.published_at, c.article_id")
    df = con.execute(sql, params).df()
    df["lag_hours"] = df["lag_hours"].astype("float64")
    return df[COPY_COLUMNS]


def cluster_summary(copies: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster of :func:`republished_copies`, latest stories first.

    Returns
    -------
    DataFrame with :data:`CLUSTER_COLUMNS`: ``story`` (the first copy's title, else the first
    selected member's), ``first_outlet`` and ``first_published_at`` (the cluster's first copy),
    ``n_copies`` (selected members, the first copy included when selected), ``n_outlets``
    (distinct outlets among them), ``republished_by`` (the other selected members' outlets,
    earliest first, each with its lag: ``"Outlet B (+0.3 h)"``), ``max_lag_hours`` (the latest
    selected copy's lag, hours) and ``min_similarity`` (the lowest estimated Jaccard similarity
    to the first copy).
    """
    if copies.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CLUSTER_COLUMNS})
    groups: dict[str, dict] = {}                 # one pass over plain lists: fast for thousands of clusters
    cols = ["cluster_id", "article_id", "outlet", "title", "first_outlet", "first_published_at", "lag_hours",
            "similarity"]
    for cid, aid, outlet, title, f_outlet, f_time, lag, sim in zip(*(copies[c].tolist() for c in cols)):
        g = groups.setdefault(cid, dict(cluster_id=cid, story=title, first_outlet=f_outlet, first_published_at=f_time,
                                        n_copies=0, outlets=set(), later=[], max_lag_hours=np.nan,
                                        min_similarity=sim))
        if aid == cid:
            g["story"] = title
        else:
            g["later"].append(f"{outlet} ({lag_text(lag)})")
            if not pd.isna(lag):
                g["max_lag_hours"] = lag if pd.isna(g["max_lag_hours"]) else max(g["max_lag_hours"], lag)
        g["n_copies"] += 1
        g["outlets"].add(outlet)
        g["min_similarity"] = min(g["min_similarity"], sim)
    rows = [dict(g, n_outlets=len(g.pop("outlets")), republished_by=", ".join(g.pop("later")))
            for g in groups.values()]
    out = pd.DataFrame(rows, columns=CLUSTER_COLUMNS)
    out["n_copies"] = out["n_copies"].astype("int64")
    out["n_outlets"] = out["n_outlets"].astype("int64")
    return out.sort_values(["first_published_at", "cluster_id"], ascending=[False, True], na_position="last",
                           ignore_index=True)


def lag_text(hours: float) -> str:
    """``+0.3 h``, ``+26 h``, ``-1.0 h`` (a copy stamped before the first: clocks disagree), or ``time unknown``."""
    if pd.isna(hours):
        return "time unknown"
    return f"{hours:+.1f} h" if abs(hours) < 10 else f"{hours:+.0f} h"


def republication_flows(copies: pd.DataFrame) -> pd.DataFrame:
    """Outlet × outlet counts of republished copies: first published by *first_outlet*, copied by *outlet*.

    Counts every selected copy that is not its cluster's first; an outlet repeating its own
    text is on the diagonal.

    Returns
    -------
    DataFrame ``first_outlet, outlet, n_copies, median_lag_hours`` (one row per pair with at
    least one copy, most copies first).
    """
    later = copies[~copies["is_first"].astype(bool)]
    if later.empty:
        return pd.DataFrame({"first_outlet": pd.Series(dtype=object), "outlet": pd.Series(dtype=object),
                             "n_copies": pd.Series(dtype="int64"), "median_lag_hours": pd.Series(dtype="float64")})
    g = later.groupby(["first_outlet", "outlet"], sort=True)
    out = pd.DataFrame({"n_copies": g.size().astype("int64"), "median_lag_hours": g["lag_hours"].median()})
    return out.reset_index().sort_values(["n_copies", "first_outlet", "outlet"], ascending=[False, True, True],
                                         ignore_index=True)


def copy_shares(con: duckdb.DuckDBPyConnection, filters: Filters, copies: pd.DataFrame) -> pd.DataFrame:
    """Per selected outlet, the share of its articles that are copies of another outlet's text.

    A copy here is a cluster member that is not the first copy and whose first copy is at a
    different outlet (an outlet repeating its own text does not count).

    Parameters
    ----------
    copies : :func:`republished_copies` of the same *filters*.

    Returns
    -------
    DataFrame with :data:`SHARE_COLUMNS`, one row per outlet with selected dated articles:
    ``n_articles`` (the denominator, every copy counted), ``n_copies``, ``share`` (a proportion)
    and its Wilson 95 % interval (Wilson 1927).
    """
    params: list = []
    sel = _selection_sql(_every_copy(filters), params)
    den = con.execute(f"SELECT outlet, count(*) AS n_articles FROM ({sel}) GROUP BY outlet ORDER BY outlet",
                      params).df()
    foreign = copies[~copies["is_first"].astype(bool) & (copies["outlet"] != copies["first_outlet"])]
    num = foreign.groupby("outlet").size()
    den["n_articles"] = den["n_articles"].astype("int64")
    den["n_copies"] = den["outlet"].map(num).fillna(0).astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        den["share"] = np.where(den["n_articles"] > 0, den["n_copies"] / den["n_articles"], np.nan)
    low, high = wilson_interval(den["n_copies"], den["n_articles"])
    # At k = 0 (or k = n) the Wilson bound is the share itself up to rounding (1e-19): no bound past the share.
    den["share_low"], den["share_high"] = np.fmin(low, den["share"]), np.fmax(high, den["share"])
    return den[SHARE_COLUMNS]


def cluster_texts(con: duckdb.DuckDBPyConnection, cluster_id: str) -> pd.DataFrame:
    """Every member of one cluster with its text, the first copy first.

    Returns
    -------
    DataFrame ``article_id, outlet, published_at, title, url, is_first, similarity, text``
    (``lag_hours`` behind the first copy added, NaN when a time is missing); empty for an
    unknown *cluster_id*.
    """
    df = con.execute(
        "SELECT c.article_id, a.outlet, a.published_at, a.title, a.url, c.is_first, c.similarity, a.text, "
        "date_diff('second', f.published_at, a.published_at) / 3600.0 AS lag_hours "
        "FROM article_clusters c JOIN articles a USING (article_id) JOIN articles f ON f.article_id = c.cluster_id "
        "WHERE c.cluster_id = ? ORDER BY c.is_first DESC, a.published_at, c.article_id", [cluster_id]).df()
    df["lag_hours"] = df["lag_hours"].astype("float64")
    return df


def word_diff(first: str, copy: str) -> list[tuple[str, str]]:
    """The words of *copy* against *first*, as runs of ``(op, text)``.

    ``op`` is ``"same"`` (in both), ``"removed"`` (only in *first*) or ``"added"`` (only in
    *copy*); whitespace is kept with the words so joining the ``same`` and ``added`` runs gives
    *copy* back, and joining ``same`` and ``removed`` gives *first*. Matching is
    :class:`difflib.SequenceMatcher` over whitespace-separated tokens (autojunk off, so long
    texts with common words are not mangled).
    """
    a = _WORD_OR_SPACE.findall(first or "")
    b = _WORD_OR_SPACE.findall(copy or "")
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("added", "".join(b[j1:j2])))
    return out
