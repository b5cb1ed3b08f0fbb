"""Concordance (KWIC): the sentences behind any chart cell, for every measure.

Each measure that can be charted names the spans of text behind a cell: a lexicon mention, a
frame-lexicon token, a counterpart-pair form, a distinctive term, a target mention. A *kind*
maps to a function in the measure's own module (:data:`KINDS`) with the signature::

    evidence_spans(con, filters, *, key=None, outlet=None, start=None, end=None,
                   limit=KWIC_LIMIT) -> DataFrame[SPAN_COLUMNS]

where *filters* is the sidebar's :class:`pipelines.rollups.Filters` (outlets, topics, dates,
voice, categories, wire copies), *key* says which term / frame / pair / target the cell is
about (``None``: all of them), *outlet*, *start*, *end* narrow to the cell's outlet and
period (inclusive UTC days), and *limit* caps the rows. Rows come in date order, then
article, then offset. :func:`concordance` adds the context on both sides of each span.
"""

from __future__ import annotations

import dataclasses
import importlib
from datetime import date

import duckdb
import pandas as pd

from .rollups import Filters

KWIC_LIMIT = 100_000
"""Most lines one concordance query returns (every line of any realistic cell)."""

SPAN_COLUMNS = ["article_id", "outlet", "day", "title", "url", "start_char", "end_char", "label", "voice",
                "speaker"]
"""Columns of an ``evidence_spans`` frame. ``start_char``/``end_char`` are offsets into
``articles.text`` (end exclusive); ``label`` is what the line is evidence of (the lexicon
term, the frame, the pair form, the target); ``voice`` is one of ``outlet``, ``quoted``,
``attributed``; ``speaker`` the quoted or attributed speaker when known."""

KWIC_COLUMNS = ["article_id", "outlet", "day", "title", "left", "match", "right", "label", "voice", "speaker",
                "url", "start_char", "end_char"]
"""Columns of :func:`concordance`."""

KINDS: dict[str, str] = {
    "lexicon": "pipelines.concordance:lexicon_spans",
    "frame": "pipelines.frames:evidence_spans",
    "pair": "pipelines.wordchoice:evidence_spans",
    "term": "pipelines.distinctive:evidence_spans",
    "target": "pipelines.tone:evidence_spans",
}
"""Concordance kinds and the function (``module:name``) that finds their spans."""


def narrowed(filters: Filters, outlet: str | None, start: date | None, end: date | None) -> Filters:
    """*filters* narrowed to one outlet and to the days of a cell inside the selected dates."""
    lo = max((d for d in (start, filters.start) if d is not None), default=None)
    hi = min((d for d in (end, filters.end) if d is not None), default=None)
    return dataclasses.replace(filters, outlets=(outlet,) if outlet is not None else filters.outlets,
                               start=lo, end=hi)


def lexicon_spans(con: duckdb.DuckDBPyConnection, filters: Filters, *, key: str | None = None,
                  outlet: str | None = None, start: date | None = None, end: date | None = None,
                  limit: int = KWIC_LIMIT) -> pd.DataFrame:
    """Lexicon mentions behind a cell (*key*: one lexicon term, ``None``: every term).

    Voice and categories follow *filters*. Returns ``SPAN_COLUMNS`` with ``label`` the term.
    """
    from .rollups import _mention_conditions, _selection_sql

    f = narrowed(filters, outlet, start, end)
    params: list = []
    sel = _selection_sql(f, params)
    where = _mention_conditions(f, params, "m.")
    if key is not None:
        where.append("m.term = ?")
        params.append(key)
    params.append(int(limit))
    return con.execute(
        f"WITH sel AS ({sel}) SELECT m.article_id, sel.outlet, sel.day, a.title, a.url, m.start_char, m.end_char, "
        "m.term AS label, m.voice, m.speaker FROM mentions m JOIN sel USING (article_id) "
        f"JOIN articles a USING (article_id) WHERE {' AND '.join(where)} "
        "ORDER BY sel.day, m.article_id, m.start_char LIMIT ?", params).df()[SPAN_COLUMNS]


def spans_function(kind: str):
    """The ``evidence_spans`` function of *kind*; ``KeyError`` naming the known kinds otherwise."""
    if kind not in KINDS:
        raise KeyError(f"unknown concordance kind {kind!r}; expected one of {sorted(KINDS)}")
    module, name = KINDS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def with_context(con: duckdb.DuckDBPyConnection, spans: pd.DataFrame, width: int = 80) -> pd.DataFrame:
    """Add ``left``, ``match``, ``right`` (up to *width* characters each side) to *spans*.

    Returns a frame with :data:`KWIC_COLUMNS`, rows in the order of *spans*.
    """
    out = spans.copy()
    ids = list(dict.fromkeys(out["article_id"].tolist()))
    texts = dict(con.execute("SELECT article_id, text FROM articles WHERE article_id IN (SELECT unnest(?))",
                             [ids]).fetchall()) if ids else {}
    starts, ends = out["start_char"].astype(int).tolist(), out["end_char"].astype(int).tolist()
    docs = [texts.get(a, "") for a in out["article_id"]]
    out["left"] = [t[max(0, s - width):s] for t, s in zip(docs, starts)]
    out["match"] = [t[s:e] for t, s, e in zip(docs, starts, ends)]
    out["right"] = [t[e:e + width] for t, e in zip(docs, ends)]
    return out[KWIC_COLUMNS].reset_index(drop=True)


def concordance(con: duckdb.DuckDBPyConnection, filters: Filters, kind: str = "lexicon", *,
                key: str | None = None, outlet: str | None = None, start: date | None = None,
                end: date | None = None, width: int = 80, limit: int = KWIC_LIMIT) -> pd.DataFrame:
    """KWIC lines of the cell (*kind*, *key*, *outlet*, *start*..*end*) under *filters*.

    Returns
    -------
    DataFrame with :data:`KWIC_COLUMNS`, at most *limit* rows, in date order.

    Raises
    ------
    KeyError
        For an unknown *kind*.
    """
    spans = spans_function(kind)(con, filters, key=key, outlet=outlet, start=start, end=end, limit=limit)
    return with_context(con, spans, width)
