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

The two lexicon kinds live here: ``lexicon`` (*key* a lexicon term: a Trends point, a term)
and ``category`` (*key* a lexicon category: an Outlets × categories cell). The sidebar's
category filter applies to both, so a term or category outside it has no lines.
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
    "category": "pipelines.concordance:category_spans",
    "frame": "pipelines.frames:evidence_spans",
    "pair": "pipelines.wordchoice:evidence_spans",
    "term": "pipelines.distinctive:evidence_spans",
    "target": "pipelines.tone:evidence_spans",
}
"""Concordance kinds and the function (``module:name``) that finds their spans."""

KIND_LABELS: dict[str, str] = {
    "lexicon": "Lexicon term",
    "category": "Lexicon category",
    "frame": "Frame",
    "pair": "Word-choice pair",
    "term": "Distinctive term",
    "target": "Target",
}
"""What the *key* of each kind is, in words (the Concordance page's header and choices)."""


class KindUnavailable(LookupError):
    """A known concordance kind whose module or ``evidence_spans`` function is not installed yet."""


def narrowed(filters: Filters, outlet: str | None, start: date | None, end: date | None) -> Filters:
    """*filters* narrowed to one outlet and to the days of a cell inside the selected dates."""
    lo = max((d for d in (start, filters.start) if d is not None), default=None)
    hi = min((d for d in (end, filters.end) if d is not None), default=None)
    return dataclasses.replace(filters, outlets=(outlet,) if outlet is not None else filters.outlets,
                               start=lo, end=hi)


def empty_spans() -> pd.DataFrame:
    """An ``evidence_spans`` frame with no rows (:data:`SPAN_COLUMNS`)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in SPAN_COLUMNS})


def outside_selection(filters: Filters, outlet: str | None = None, start: date | None = None,
                      end: date | None = None) -> str | None:
    """Why the cell (*outlet*, *start*..*end*) lies outside *filters*, or ``None`` when it is inside.

    A cell is shown within the sidebar's selection: its outlet must be one of the selected
    outlets (all, when ``filters.outlets`` is empty) and its days must overlap the selected dates.
    """
    if outlet is not None and filters.outlets and outlet not in filters.outlets:
        return f"the outlet {outlet!r} is not among the outlets selected in the sidebar"
    f = narrowed(filters, None, start, end)
    if f.start is not None and f.end is not None and f.start > f.end:
        return f"the days {start or '…'} to {end or '…'} are outside the dates selected in the sidebar"
    return None


def query_spans(con: duckdb.DuckDBPyConnection, filters: Filters, outlet: str | None, start: date | None,
                end: date | None, limit: int, *, table: str, alias: str, label: str, conditions,
                equals: dict[str, object], order: str = "") -> pd.DataFrame:
    """The spans of a per-mention table behind a cell: ``SPAN_COLUMNS``, by day, article, offset.

    *table* (e.g. ``mentions``) is read as *alias* and must have ``article_id, start_char,
    end_char, voice, speaker``; *label* is the SQL expression of the ``label`` column;
    *conditions(f, params)* gives the WHERE clauses of the filters *f* (voice, categories ...)
    and appends their parameters; *equals* narrows ``<alias>.<column> = value`` for each value
    that is not None; *order* adds tie-breakers after ``start_char`` (e.g. ``", pm.pair_id"``).
    Articles follow *filters* narrowed to the cell (:func:`narrowed`); at most *limit* rows.
    """
    from .rollups import _selection_sql

    f = narrowed(filters, outlet, start, end)
    params: list = []
    sel = _selection_sql(f, params)
    where = conditions(f, params)
    for col, value in equals.items():
        if value is not None:
            where.append(f"{alias}.{col} = ?")
            params.append(value)
    params.append(int(limit))
    return con.execute(
        f"WITH sel AS ({sel}) SELECT {alias}.article_id, sel.outlet, sel.day, a.title, a.url, {alias}.start_char, "
        f"{alias}.end_char, {label} AS label, {alias}.voice, {alias}.speaker FROM {table} {alias} "
        f"JOIN sel USING (article_id) JOIN articles a USING (article_id) WHERE {' AND '.join(where)} "
        f"ORDER BY sel.day, {alias}.article_id, {alias}.start_char{order} LIMIT ?", params).df()[SPAN_COLUMNS]


def _mention_spans(con: duckdb.DuckDBPyConnection, filters: Filters, column: str | None, key: str | None,
                   outlet: str | None, start: date | None, end: date | None, limit: int) -> pd.DataFrame:
    """Mentions behind a cell, narrowed to ``mentions.<column> = key`` when *key* is given."""
    from .rollups import _mention_conditions

    return query_spans(con, filters, outlet, start, end, limit, table="mentions", alias="m", label="m.term",
                       conditions=lambda f, params: _mention_conditions(f, params, "m."), equals={column: key})


def lexicon_spans(con: duckdb.DuckDBPyConnection, filters: Filters, *, key: str | None = None,
                  outlet: str | None = None, start: date | None = None, end: date | None = None,
                  limit: int = KWIC_LIMIT) -> pd.DataFrame:
    """Lexicon mentions behind a cell (*key*: one lexicon term, ``None``: every term).

    Voice and categories follow *filters*. Returns ``SPAN_COLUMNS`` with ``label`` the term.
    """
    return _mention_spans(con, filters, "term", key, outlet, start, end, limit)


def category_spans(con: duckdb.DuckDBPyConnection, filters: Filters, *, key: str | None = None,
                   outlet: str | None = None, start: date | None = None, end: date | None = None,
                   limit: int = KWIC_LIMIT) -> pd.DataFrame:
    """Lexicon mentions of one category behind a cell (*key*: a lexicon category, ``None``: every one).

    The category narrows the sidebar's categories: a *key* outside ``filters.categories``
    (when that is not empty, i.e. not "all") has no lines. Voice follows *filters*. Returns
    ``SPAN_COLUMNS`` with ``label`` the term.
    """
    if key is not None and filters.categories and key not in filters.categories:
        return empty_spans()
    return _mention_spans(con, filters, "category", key, outlet, start, end, limit)


KEY_COLUMNS = {"lexicon": "term", "category": "category"}
"""The ``mentions`` column that holds the *key* of each lexicon kind."""
CHOICE_COLUMNS = ["key", "label", "n_mentions"]
"""Columns of :func:`key_choices`."""


def key_choices(con: duckdb.DuckDBPyConnection, filters: Filters, kind: str) -> pd.DataFrame:
    """The keys a user can choose for *kind*, with a label for each.

    * ``lexicon`` / ``category``: the terms or categories with at least one mention in the
      selection (voice and categories as *filters* say), with ``n_mentions``, most first;
    * ``frame``: the frames of :data:`pipelines.frames.FRAMES` (label: the codebook name);
    * ``pair``: each pair of the store's ``pairs`` table (label ``loaded / counterpart``),
      then its loaded and its counterpart form (``pair_id:loaded``, ``pair_id:counterpart``);
    * ``target``: the targets of the store's ``targets`` table;
    * ``term`` (any word of the text) and an unavailable kind: no rows.

    Returns
    -------
    DataFrame with :data:`CHOICE_COLUMNS`; ``n_mentions`` is missing for the kinds that are
    not lexicon kinds. Raises ``KeyError`` for a kind not in :data:`KINDS`.
    """
    if kind not in KINDS:
        raise KeyError(f"unknown concordance kind {kind!r}; expected one of {sorted(KINDS)}")
    if kind in KEY_COLUMNS:
        from .rollups import _mention_conditions, _selection_sql

        params: list = []
        sel = _selection_sql(filters, params)
        where = _mention_conditions(filters, params, "m.")
        return con.execute(
            f"WITH sel AS ({sel}) SELECT m.{KEY_COLUMNS[kind]} AS key, m.{KEY_COLUMNS[kind]} AS label, "
            f"count(*) AS n_mentions FROM mentions m JOIN sel USING (article_id) WHERE {' AND '.join(where)} "
            "GROUP BY 1, 2 ORDER BY 3 DESC, 1", params).df()
    rows: list[tuple[str, str]] = []
    try:
        if kind == "frame":
            from .frames import FRAMES

            rows = list(FRAMES.items())
        elif kind == "pair":
            for pid, loaded, counterpart in con.execute(
                    "SELECT pair_id, loaded, counterpart FROM pairs ORDER BY pair_id").fetchall():
                first = str(loaded).split("|")[0]
                rows += [(pid, f"{first} / {counterpart}"), (f"{pid}:loaded", f"{first} (loaded form)"),
                         (f"{pid}:counterpart", f"{counterpart} (counterpart form)")]
        elif kind == "target":
            rows = [(t, t) for (t,) in con.execute("SELECT DISTINCT target FROM targets ORDER BY 1").fetchall()]
    except (ImportError, duckdb.CatalogException):
        rows = []                       # the measure is not installed, or the store predates its table
    return pd.DataFrame({"key": pd.Series([k for k, _ in rows], dtype=object),
                         "label": pd.Series([v for _, v in rows], dtype=object),
                         "n_mentions": pd.Series([None] * len(rows), dtype="Int64")})


def version_text(con: duckdb.DuckDBPyConnection, kind: str) -> str:
    """What the lines of *kind* were found with, in words, for a caption.

    ``frame``: the frame lexicon's version (``frame lexicon version frames-…``,
    :func:`pipelines.frames.stored_version`); ``target``: the targets gazetteer's
    (``targets gazetteer version tgt-…``, column ``version`` of ``targets``); ``term``: no
    list at all (distinctive terms are the articles' own words); ``lexicon``, ``category``
    and ``pair`` (whose forms are lexicon terms and their counterparts): the loaded-wording
    lexicon of the last run (``lexicon version lex-…``, from ``runs``), for ``pair`` with the
    pairs file's (``lexicon version lex-…, pairs version pairs-…``). ``unknown`` stands for
    a version the store does not hold (a table built before the measure existed).
    Raises ``KeyError`` for a kind not in :data:`KINDS`.
    """
    if kind not in KINDS:
        raise KeyError(f"unknown concordance kind {kind!r}; expected one of {sorted(KINDS)}")
    if kind == "term":
        return "no lexicon: distinctive terms are the articles' own words"
    try:
        if kind == "frame":
            from .frames import stored_version
            return f"frame lexicon version {stored_version(con) or 'unknown'}"
        if kind == "target":
            row = con.execute("SELECT any_value(version) FROM targets").fetchone()
            return f"targets gazetteer version {row[0] if row and row[0] else 'unknown'}"
        from .incremental import recorded_versions   # incremental imports the engines, which import this module
        versions = recorded_versions(con)
    except duckdb.CatalogException:          # a store built before that table existed
        return f"{'frame lexicon' if kind == 'frame' else 'targets gazetteer' if kind == 'target' else 'lexicon'}" \
               " version unknown"
    text = f"lexicon version {versions['lexicon_version'] or 'unknown'}"
    return text + f", pairs version {versions['pairs_version'] or 'unknown'}" if kind == "pair" else text


def spans_function(kind: str):
    """The ``evidence_spans`` function of *kind*.

    Raises
    ------
    KeyError
        For a kind that is not in :data:`KINDS` (the message names the known kinds).
    KindUnavailable
        For a known kind whose module is not there yet, or lacks the function. An import
        error *inside* an existing module (a missing dependency, a bad import) is not
        caught: it is a real error.
    """
    if kind not in KINDS:
        raise KeyError(f"unknown concordance kind {kind!r}; expected one of {sorted(KINDS)}")
    module, name = KINDS[kind].split(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        raise KindUnavailable(f"concordance kind {kind!r} needs {module}, which is not installed yet") from exc
    if not hasattr(mod, name):
        raise KindUnavailable(f"concordance kind {kind!r} needs {module}.{name}, which does not exist yet")
    return getattr(mod, name)


def available_kinds() -> list[str]:
    """The kinds of :data:`KINDS` whose function can be loaded now, in the order of :data:`KINDS`."""
    out = []
    for kind in KINDS:
        try:
            spans_function(kind)
        except KindUnavailable:
            continue
        out.append(kind)
    return out


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

    Empty when the cell lies outside *filters* (:func:`outside_selection`).

    Raises
    ------
    KeyError
        For an unknown *kind*.
    KindUnavailable
        For a kind whose module is not installed yet.
    """
    fn = spans_function(kind)
    if outside_selection(filters, outlet, start, end) is not None:
        spans = empty_spans()
    else:
        spans = fn(con, filters, key=key, outlet=outlet, start=start, end=end, limit=limit)
    return with_context(con, spans, width)
