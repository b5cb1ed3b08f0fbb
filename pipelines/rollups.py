"""Aggregation rules: rates per 1,000 words and shares of articles for any grouping.

Every figure is computed from article-level rows by summing numerators and denominators
over the group (never by averaging per-day or per-outlet ratios), so a week, a month, a set
of topics or a pool of outlets gets the same, exact answer. An article with several of the
selected topics is counted once.

Measures (with ``k`` the numerator and ``n`` the denominator of the group):

* **rate per 1,000 words** = 1000 × Σ mentions / Σ words. The words are those of the chosen
  voice: for ``voice="outlet"`` the words outside quotations and reported speech, for
  ``"quoted"`` the words inside direct quotations, for ``"attributed"`` the words inside
  reported speech, for ``"all"`` every word. The 95 % interval is the wider of two: the
  Wilson score interval of k/n with each word a trial, and the ratio-estimator interval
  with articles as clusters (Cochran 1977, §6.4), which widens it when mentions bunch up
  in a few articles, as loaded words do. Both times 1000.
* **share of articles** = Σ articles with at least one mention / Σ articles, with a Wilson
  score interval (Wilson 1927; Brown, Cai & DasGupta 2001 recommend it over the Wald
  interval for small n).

A period in which an outlet has no articles is a gap: its rate and share are missing, never
zero. Where a coverage file says the collector ran that day and found nothing, the mention
count is 0 and the status says ``no articles``; where it says the collector was down, the
status is ``not collected``; with no coverage information the status is ``no data``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from .aggregate import COPY_FLAG_LATER, COPY_FLAG_SYNDICATED
from .schemas import ALL, VOICES

GRANULARITIES = ("day", "week", "month")
"""Periods a rollup can group by. Weeks start on Monday (ISO 8601); months on the 1st."""

POOLED = "All selected outlets"
"""The ``outlet`` value of pooled rows (numerators and denominators summed over outlets)."""

Z95 = 1.959963984540054

COPY_MODES = ("every", "once", "none")
"""Values of :attr:`Filters.copies`: count every copy, each story once (its first copy), or no wire copy."""


@dataclass(frozen=True)
class Filters:
    """What the user selected. Empty tuples mean "all".

    Parameters
    ----------
    outlets, topics, categories : tuples of names; empty selects everything.
    start, end : first and last UTC day included (``None``: unbounded).
    voice : ``"outlet"``, ``"quoted"``, ``"attributed"`` or ``"all"``.
    copies : how near-identical copies (``article_clusters``) count, one of :data:`COPY_MODES`:
        ``"every"`` copy counts as an article; ``"once"``: each story counts once, as its first
        copy (``is_first``: the earliest publication time, then the smallest ``article_id``;
        undated copies come last), so a later copy is left out even when that first copy lies
        outside the selected outlets or dates; ``"none"``: wire copies are left out (every
        member of a cluster flagged ``syndicated``, the first copy included), so republished
        text does not count as coverage at all.
    """

    outlets: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    voice: str = "outlet"
    categories: tuple[str, ...] = field(default=())
    copies: str = "every"

    def __post_init__(self) -> None:
        if self.voice not in (*VOICES, ALL):
            raise ValueError(f"voice must be one of {(*VOICES, ALL)}, not {self.voice!r}")
        if self.copies not in COPY_MODES:
            raise ValueError(f"copies must be one of {COPY_MODES}, not {self.copies!r}")

    @property
    def exclude_syndicated(self) -> bool:
        """True when wire copies are left out (``copies="none"``)."""
        return self.copies == "none"


def wilson_interval(k, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes in n trials.

    Parameters
    ----------
    k, n : array-like of the same shape; n may be 0 (the interval is then NaN).

    Returns
    -------
    low, high : float arrays of that shape, proportions in [0, 1].
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, k / n, np.nan)
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        low = np.clip(centre - half, 0, 1)
        high = np.clip(centre + half, 0, 1)
    bad = ~(n > 0)
    low[bad] = np.nan
    high[bad] = np.nan
    return low, high


def ratio_interval(y_sum, x_sum, y2_sum, xy_sum, x2_sum, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """95 % interval of the ratio Σy / Σx with articles as clusters (ratio estimator).

    The variance is the linearised (delta-method) variance of a ratio estimator, Cochran
    (1977), *Sampling Techniques*, §6.4: ``n / (n - 1) · Σ(y_i - r·x_i)² / (Σx)²``, written
    with the sums ``Σy², Σxy, Σx²`` so it can be computed from grouped rows. Mentions cluster
    in articles (one article repeats a term), which a per-word binomial interval ignores.

    Returns
    -------
    low, high : float arrays (proportions per word); NaN where n < 2 or Σx = 0.
    """
    y, x = np.asarray(y_sum, float), np.asarray(x_sum, float)
    y2, xy, x2, n = (np.asarray(a, float) for a in (y2_sum, xy_sum, x2_sum, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = y / x
        resid = np.clip(y2 - 2 * r * xy + r * r * x2, 0, None)
        se = np.sqrt(n / (n - 1) * resid) / x
        ok = (n >= 2) & (x > 0)
        low = np.where(ok, np.clip(r - z * se, 0, None), np.nan)
        high = np.where(ok, r + z * se, np.nan)
    return low, high


def add_measures(df: pd.DataFrame) -> pd.DataFrame:
    """Return *df* with rates and shares computed from its sums.

    Expects columns ``n_articles``, ``n_words``, ``n_mentions``, ``n_articles_with_mention``
    and, for the rate interval, the per-article sums of squares ``sum_y2`` (mentions²),
    ``sum_xy`` (mentions × words) and ``sum_x2`` (words²) when available. Adds
    ``rate_per_1k``, ``rate_low``, ``rate_high`` (mentions per 1,000 words) and ``share``,
    ``share_low``, ``share_high`` (proportion of articles, Wilson 95 %). The rate interval is
    the wider of the Wilson interval on words and the ratio-estimator interval with articles
    as clusters (:func:`ratio_interval`): Wilson alone is too narrow when mentions cluster in
    articles, the ratio interval alone has zero width when there are no mentions. Rows with
    no articles (or no words in the voice) get NaN, never 0.
    """
    out = df.copy()
    words = out["n_words"].astype(float)
    k = out["n_mentions"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate_per_1k"] = np.where(words > 0, 1000 * k / words, np.nan)
    low, high = wilson_interval(k.fillna(0), words.fillna(0))
    if {"sum_y2", "sum_xy", "sum_x2"} <= set(out.columns):
        r_low, r_high = ratio_interval(k.fillna(0), words, out["sum_y2"], out["sum_xy"], out["sum_x2"],
                                       out["n_articles"])
        low = np.where(np.isnan(r_low), low, np.fmin(low, r_low))
        high = np.where(np.isnan(r_high), high, np.fmax(high, r_high))
        out = out.drop(columns=["sum_y2", "sum_xy", "sum_x2"])
    nan = words.isna() | ~(words > 0) | k.isna()
    out["rate_low"] = np.where(nan, np.nan, 1000 * low)
    out["rate_high"] = np.where(nan, np.nan, 1000 * high)
    n = out["n_articles"].astype(float)
    ka = out["n_articles_with_mention"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(n > 0, ka / n, np.nan)
    low, high = wilson_interval(ka.fillna(0), n.fillna(0))
    out["share_low"], out["share_high"] = low, high
    return out


def check_filter_names(con: duckdb.DuckDBPyConnection, filters: Filters, where: str | None = None) -> None:
    """Check that every outlet and topic *filters* names is one the store holds.

    A command that filters (``topics discover --outlet/--topic``) would otherwise select nothing
    and say so in other words ("too few articles"). Names are compared exactly, as the filter
    applies them; a name that differs only in case, or is close (``difflib``), is suggested.

    Raises
    ------
    ConfigError
        For the first unknown name: *where* (e.g. the store's path), the name, the store's names
        (at most 30, then how many more), the close one if any, and the option to fix.
    """
    import difflib

    from .errors import ConfigError

    checks = (("outlet", "--outlet", filters.outlets, "SELECT DISTINCT outlet FROM articles ORDER BY 1"),
              ("topic", "--topic", filters.topics, "SELECT DISTINCT topic FROM article_topics ORDER BY 1"))
    for kind, option, wanted, sql in checks:
        if not wanted:
            continue
        names = [r[0] for r in con.execute(sql).fetchall() if r[0] is not None]
        for name in wanted:
            if name in names:
                continue
            folded = {n.casefold(): n for n in names}
            close = folded.get(name.casefold()) or next(
                iter(folded[c] for c in difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)), None)
            shown = ", ".join(f"'{n}'" for n in names[:30]) + (f" and {len(names) - 30} more" if len(names) > 30 else "")
            raise ConfigError(f"unknown {kind} '{name}'", where=where,
                              expected=f"{'an' if kind == 'outlet' else 'a'} {kind} in the store: {shown or 'none'}",
                              found=repr(name) + (f" (did you mean '{close}'?)" if close else ""),
                              fix=f"name it as the store does, e.g. {option} '{close or (names[0] if names else name)}'")


def _in_list(column: str, values: tuple[str, ...], params: list) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


class CountLayout(NamedTuple):
    """What ``article_counts`` holds in a store (:func:`_count_layout`)."""

    positions: dict[str, int]
    """``{category: position}``: ``counts[position]`` (1-based) holds the category's mentions."""
    topic_bits: dict[str, int]
    """``{topic: bit}`` of ``article_count_topics``: ``topic_bits`` has bit *bit* set for the topic;
    ``{}`` for a table built before the column existed."""
    copy_flags: bool
    """The table's ``copy_flags`` say which articles ``article_clusters`` marks (False: built before)."""


def _article_conditions(filters: Filters, params: list, alias: str = "",
                        counts: CountLayout | None = None) -> list[str]:
    """WHERE conditions on ``articles`` (or ``article_counts``) for the outlet, topic and wire-copy filters.

    The topic filter is a semi-join with ``article_topics``, the wire-copy filter an anti-join with
    ``article_clusters``. With *counts* (conditions on ``article_counts``, :func:`_count_layout`) the
    selected topics that have a bit are one test of ``topic_bits`` against their mask instead, and only
    the others (a store with more topics than :data:`pipelines.aggregate.TOPIC_BITS`, or names the store
    does not hold) keep the semi-join, OR-ed with it; the wire-copy filter tests ``copy_flags`` when the
    table has them. The same rows, without hashing a million article ids."""
    where = []
    if filters.outlets:
        where.append(_in_list(f"{alias}outlet", filters.outlets, params))
    if filters.topics:
        bits = counts.topic_bits if counts is not None else {}
        mask = sum(1 << bits[t] for t in set(filters.topics) if t in bits)
        rest = tuple(t for t in filters.topics if t not in bits)
        either = []
        if mask:
            either.append(f"({alias}topic_bits & ?::UBIGINT) <> 0")
            params.append(mask)
        if rest:
            cond = _in_list("topic", rest, params)
            either.append(f"{alias}article_id IN (SELECT article_id FROM article_topics WHERE {cond})")
        where.append(either[0] if len(either) == 1 else f"({' OR '.join(either)})")
    if filters.copies != "every":
        flag, cond = (COPY_FLAG_SYNDICATED, "syndicated") if filters.copies == "none" else (COPY_FLAG_LATER,
                                                                                             "NOT is_first")
        if counts is not None and counts.copy_flags:
            where.append(f"({alias}copy_flags & {flag}) = 0")
        else:
            where.append(f"{alias}article_id NOT IN (SELECT article_id FROM article_clusters WHERE {cond})")
    return where


def _date_conditions(filters: Filters, params: list) -> list[str]:
    """WHERE conditions on ``a.day`` for the start and end dates (both included)."""
    where = []
    if filters.start is not None:
        where.append("a.day >= ?")
        params.append(filters.start)
    if filters.end is not None:
        where.append("a.day <= ?")
        params.append(filters.end)
    return where


def _selection_sql(filters: Filters, params: list, *, words: bool = True) -> str:
    """SQL for the selected, dated articles: article_id, outlet, day, n_words (of the voice).

    ``words=False``: ``article_id, outlet, day, row_id`` (the article's ``rowid``) instead, from
    ``articles`` alone (no join with ``article_scores``), for a query that reads rows back by it."""
    where = ["a.day IS NOT NULL", *_article_conditions(filters, params, "a."), *_date_conditions(filters, params)]
    if not words:
        return f"SELECT a.article_id, a.outlet, a.day, a.rowid AS row_id FROM articles a WHERE {' AND '.join(where)}"
    if filters.voice == ALL:
        n_words = "a.n_words"
        join = ""
    else:
        n_words = "coalesce(s.n_words, 0)"
        join = "LEFT JOIN article_scores s ON s.article_id = a.article_id AND s.voice = ?"
        params.insert(0, filters.voice)
    return (f"SELECT a.article_id, a.outlet, a.day, {n_words} AS n_words FROM articles a {join} "
            f"WHERE {' AND '.join(where)}")


def _mention_conditions(filters: Filters, params: list, alias: str = "") -> list[str]:
    """WHERE conditions on ``mentions`` for the voice and category filters."""
    where = ["TRUE"]
    if filters.voice != ALL:
        where.append(f"{alias}voice = ?")
        params.append(filters.voice)
    if filters.categories:
        where.append(_in_list(f"{alias}category", filters.categories, params))
    return where


def _mentions_sql(filters: Filters, params: list) -> str:
    """SQL for mention counts per selected article under the voice and category filters.

    Reads the ``sel`` CTE of :func:`_selection_sql`, which every caller defines first: only the
    mentions of selected articles are grouped (on a million-article store a topic or outlet
    filter otherwise grouped all 8 million mentions to keep a few)."""
    where = _mention_conditions(filters, params)
    return (f"SELECT article_id, count(*) AS n FROM mentions WHERE {' AND '.join(where)} "
            "AND article_id IN (SELECT article_id FROM sel) GROUP BY article_id")


def _count_layout(con: duckdb.DuckDBPyConnection) -> CountLayout | None:
    """What ``article_counts`` holds (:class:`CountLayout`) when the store has that table filled and
    complete (:func:`pipelines.aggregate.build_article_counts`), else None.

    None, so the rollups join ``articles``, ``article_scores`` and ``mentions`` instead, for a store
    written before the table existed (opened read-only as the dashboard does, nothing can add it), and
    for one whose table does not cover every dated article: an ``ingest`` since the last scoring adds
    articles that the joins count (with no mentions, words or topics until they are scored) and the
    table does not hold yet. Articles are only ever added, so a table with (voices + 1) rows for each
    dated article holds them all. A table built before ``topic_bits`` or ``copy_flags`` existed (the
    columns missing, or NULL where a write added them) is read with the semi-join with ``article_topics``
    or the anti-join with ``article_clusters`` for those filters."""
    have = {(t, c) for t, c in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = current_schema() AND table_name IN "
        "('article_counts', 'article_count_categories', 'article_count_topics')").fetchall()}
    if not {t for t, _ in have} >= {"article_counts", "article_count_categories"}:
        return None
    n_rows, n_dated = con.execute("SELECT (SELECT count(*) FROM article_counts), "
                                  "(SELECT count(day) FROM articles)").fetchone()
    if n_rows == 0 or n_rows != (len(VOICES) + 1) * n_dated:
        return None
    positions = dict(con.execute("SELECT category, position FROM article_count_categories").fetchall())

    def filled(column: str) -> bool:
        return ("article_counts", column) in have and not con.execute(
            f"SELECT EXISTS (SELECT 1 FROM article_counts WHERE {column} IS NULL)").fetchone()[0]

    bits = {}
    if ("article_count_topics", "bit") in have and filled("topic_bits"):
        bits = dict(con.execute("SELECT topic, bit FROM article_count_topics").fetchall())
    return CountLayout(positions, bits, filled("copy_flags"))


def _count_positions(con: duckdb.DuckDBPyConnection) -> dict[str, int] | None:
    """``{category: position}`` of ``article_counts.counts`` when the rollups read that table, else None
    (see :func:`_count_layout`)."""
    layout = _count_layout(con)
    return layout.positions if layout is not None else None


def _counts_sql(filters: Filters, counts: CountLayout, params: list) -> str:
    """SQL for the selected, dated articles from ``article_counts``: ``article_id, outlet, day``,
    ``x`` (words of the voice) and ``y`` (mentions of the voice in the selected categories), the
    rows :func:`_selection_sql` and :func:`_mentions_sql` give joined, without reading ``mentions``;
    topic and wire-copy filters test the table's bits where it has them (:func:`_article_conditions`)."""
    if filters.categories:
        picked = sorted({counts.positions[c] for c in filters.categories if c in counts.positions})
        y = " + ".join(f"a.counts[{i}]" for i in picked) or "0"
    else:
        y = "a.n_mentions"
    params.append(filters.voice)
    where = ["a.voice = ?", *_article_conditions(filters, params, "a.", counts), *_date_conditions(filters, params)]
    return (f"SELECT a.article_id, a.outlet, a.day, a.n_words AS x, ({y}) AS y, a.counts "
            f"FROM article_counts a WHERE {' AND '.join(where)}")


def article_facts(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """One row per selected article: ``article_id, outlet, day, n_words, n_mentions``.

    ``n_words`` are the words in the chosen voice; ``n_mentions`` the mentions in that voice
    and those categories (0 when none). Undated articles are left out (see
    :func:`undated_count`).
    """
    params: list = []
    sel = _selection_sql(filters, params)
    men = _mentions_sql(filters, params)
    sql = (f"WITH sel AS ({sel}), men AS ({men}) "
           "SELECT sel.article_id, sel.outlet, sel.day, sel.n_words, coalesce(men.n, 0) AS n_mentions "
           "FROM sel LEFT JOIN men USING (article_id)")
    return con.execute(sql, params).df()


def _undated_where(filters: Filters, params: list) -> str:
    """The WHERE condition of the undated articles matching *filters* (their parameters appended)."""
    return " AND ".join(["day IS NULL", *_article_conditions(filters, params)])


def undated_count(con: duckdb.DuckDBPyConnection, filters: Filters) -> int:
    """Articles that match the outlet and topic filters but have no valid date (left out of charts)."""
    params: list = []
    return con.execute(f"SELECT count(*) FROM articles WHERE {_undated_where(filters, params)}", params).fetchall()[0][0]


UNDATED_COLUMNS = ("article_id", "source_file", "source_row", "outlet", "title", "reason", "date_note")
"""Columns of :func:`undated_articles`."""


def undated_articles(con: duckdb.DuckDBPyConnection, filters: Filters = Filters(),
                     limit: int | None = None) -> pd.DataFrame:
    """The articles :func:`undated_count` counts, each with why it has no date.

    Parameters
    ----------
    filters : the outlet, topic and wire-copy filters apply (dates and voice cannot).
    limit : at most this many rows (None: all), in the order below.

    Returns
    -------
    DataFrame of :data:`UNDATED_COLUMNS`, one row per article, ordered by ``source_file``,
    ``source_row``, ``article_id``: where the record was read (file and 1-based row, line or
    item; NULL row when the input has none), outlet, title, the kind of reason
    (:func:`pipelines.dates.undated_reason`) and the ``articles.date_note`` that gives it.
    """
    from .dates import undated_reason

    params: list = []
    sql = (f"SELECT article_id, source_file, source_row, outlet, title, date_note FROM articles "
           f"WHERE {_undated_where(filters, params)} ORDER BY source_file, source_row NULLS LAST, article_id")
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    df = con.execute(sql, params).df()
    df.insert(5, "reason", [undated_reason(n) for n in df["date_note"].astype(object).tolist()])
    return df[list(UNDATED_COLUMNS)]


def undated_reason_counts(con: duckdb.DuckDBPyConnection, filters: Filters = Filters()) -> dict[str, int]:
    """:func:`undated_articles` by kind of reason, ``{reason: n}`` as
    :func:`pipelines.dates.count_undated_reasons` gives it (summed over all of them, not a limited list)."""
    from .dates import count_undated_reasons

    params: list = []
    rows = con.execute(f"SELECT date_note, count(*) FROM articles WHERE {_undated_where(filters, params)} "
                       "GROUP BY date_note", params).fetchall()
    return count_undated_reasons([note for note, _ in rows], [n for _, n in rows])


def _period_floor(days: pd.Series, granularity: str) -> pd.Series:
    d = pd.to_datetime(days)
    if granularity == "day":
        return d.dt.normalize()
    if granularity == "week":
        return (d - pd.to_timedelta(d.dt.day_of_week, unit="D")).dt.normalize()
    if granularity == "month":
        return d.dt.to_period("M").dt.to_timestamp()
    raise ValueError(f"granularity must be one of {GRANULARITIES}, not {granularity!r}")


def _period_grid(first: pd.Timestamp, last: pd.Timestamp, granularity: str) -> pd.DatetimeIndex:
    freq = {"day": "D", "week": "W-MON", "month": "MS"}[granularity]
    return pd.date_range(first, last, freq=freq)


PERIOD_SQL = {"day": "day", "week": "date_trunc('week', day)", "month": "date_trunc('month', day)"}
"""DuckDB expression of a period's first day for each granularity (``date_trunc('week')`` is the ISO Monday)."""


def trend_cells(con: duckdb.DuckDBPyConnection, filters: Filters, granularity: str = "week",
                pooled: bool = False) -> pd.DataFrame:
    """The sums behind :func:`trend`, one row per outlet (or :data:`POOLED`) and period with articles.

    Returns
    -------
    DataFrame, unsorted: ``outlet, period`` (the period's first day), ``n_articles, n_words,
    n_mentions, n_articles_with_mention`` and the per-article sums of squares ``sum_y2``
    (mentions²), ``sum_xy`` (mentions × words), ``sum_x2`` (words²) of :func:`ratio_interval`.
    Summed in DuckDB (``GROUP BY outlet, period``), so only chart cells leave the database,
    not one row per article; the squares are summed as integers (exact), then read as floats.
    The per-article words and mentions come from ``article_counts`` (one row per article and voice,
    :func:`pipelines.aggregate.build_article_counts`); a store without it joins ``articles``,
    ``article_scores`` and ``mentions`` instead, with the same result (at a million articles and 8
    million mentions, seconds instead of tens of milliseconds per filter change).
    """
    params: list = []
    outlet = "?::VARCHAR" if pooled else "sel.outlet"
    period = f"{PERIOD_SQL[granularity].replace('day', 'sel.day')}::DATE"
    layout = _count_layout(con)
    if layout is not None:
        sel = _counts_sql(filters, layout, params)
        params += [POOLED] if pooled else []
        f = (f"f AS (SELECT {outlet} AS outlet, {period} AS period, sel.x::BIGINT AS x, sel.y::BIGINT AS y "
             "FROM sel)")
    else:
        sel = _selection_sql(filters, params)
        men = _mentions_sql(filters, params)
        params += [POOLED] if pooled else []          # after the CTEs' parameters, as in the text
        f = (f"men AS ({men}), f AS (SELECT {outlet} AS outlet, {period} AS period, "
             "sel.n_words::BIGINT AS x, coalesce(men.n, 0)::BIGINT AS y FROM sel LEFT JOIN men USING (article_id))")
    sql = (f"WITH sel AS ({sel}), {f} "
           "SELECT outlet, period, count(*) AS n_articles, sum(x) AS n_words, sum(y) AS n_mentions, "
           "count(*) FILTER (WHERE y > 0) AS n_articles_with_mention, "
           "sum(y * y)::DOUBLE AS sum_y2, sum(x * y)::DOUBLE AS sum_xy, sum(x * x)::DOUBLE AS sum_x2 "
           "FROM f GROUP BY outlet, period")
    df = con.execute(sql, params).df()
    for c in ("n_articles", "n_words", "n_mentions", "n_articles_with_mention"):
        df[c] = df[c].astype("int64")
    return df


def trend(con: duckdb.DuckDBPyConnection, filters: Filters, granularity: str = "week",
          pooled: bool = False) -> pd.DataFrame:
    """Rate per 1,000 words and share of articles per outlet and period.

    Returns
    -------
    DataFrame with one row per outlet and period on a complete grid from the first to the
    last period of the selection (or of the filter's date range), sorted by outlet then
    period: ``outlet, period`` (Timestamp of the period's first day), ``n_articles,
    n_words, n_mentions, n_articles_with_mention``, the measures of :func:`add_measures`,
    ``collected`` (True / False / NA from the coverage table) and ``status`` (``ok``,
    ``no articles``, ``not collected``, ``no data``). Periods without articles have NaN
    rates and shares (gaps). With *pooled*, all selected outlets are summed into one
    series named :data:`POOLED`. The sums come from :func:`trend_cells` (one row per chart
    cell from DuckDB).
    """
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES}, not {granularity!r}")
    agg = trend_cells(con, filters, granularity, pooled)
    cols = ["outlet", "period", "n_articles", "n_words", "n_mentions", "n_articles_with_mention"]
    bounded = filters.start is not None and filters.end is not None and (filters.outlets or pooled)
    if agg.empty and not bounded:
        return add_measures(pd.DataFrame(columns=cols)).assign(collected=pd.NA, status=pd.Series(dtype=str))
    agg["period"] = _period_floor(agg["period"], granularity) if len(agg) else pd.Series(dtype="datetime64[us]")
    first = pd.Timestamp(filters.start) if filters.start else agg["period"].min()
    last = pd.Timestamp(filters.end) if filters.end else agg["period"].max()
    grid_periods = _period_grid(_period_floor(pd.Series([first]), granularity).iloc[0], last, granularity)
    # Every selected outlet gets the whole grid: one without articles in the range is a gap.
    outlets = sorted(set(agg["outlet"]) if not filters.outlets else set(filters.outlets))
    if pooled:
        outlets = [POOLED]
    grid = pd.MultiIndex.from_product([outlets, grid_periods], names=["outlet", "period"]).to_frame(index=False)
    out = grid.merge(agg, on=["outlet", "period"], how="left")
    for c in ("n_articles", "n_words", "n_articles_with_mention"):
        out[c] = out[c].fillna(0).astype("int64")
    out["n_mentions"] = out["n_mentions"].astype("float64")
    out = _apply_coverage(con, out, filters, granularity, pooled)
    return add_measures(out).sort_values(["outlet", "period"], ignore_index=True)


def _apply_coverage(con, out: pd.DataFrame, filters: Filters, granularity: str, pooled: bool) -> pd.DataFrame:
    cov = con.execute("SELECT outlet, day, collected FROM coverage").df()
    if pooled or cov.empty:
        out["collected"] = pd.array([pd.NA] * len(out), dtype="boolean")
    else:
        cov["period"] = _period_floor(cov["day"], granularity)
        c = cov.groupby(["outlet", "period"])["collected"].all().rename("collected").reset_index()
        out = out.merge(c, on=["outlet", "period"], how="left")
        out["collected"] = out["collected"].astype("boolean")
    empty = out["n_articles"] == 0
    collected = out["collected"].fillna(False).astype(bool)
    not_collected = (~out["collected"].fillna(True)).astype(bool)
    out.loc[empty & ~collected, "n_mentions"] = np.nan
    out.loc[empty & collected, "n_mentions"] = 0.0
    status = np.where(~empty, "ok", np.where(collected, "no articles",
                                             np.where(not_collected, "not collected", "no data")))
    out["status"] = status
    return out


def outlet_category_matrix(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Rate per 1,000 words and share of articles for every outlet × category.

    Returns
    -------
    DataFrame with one row per selected outlet and lexicon category (categories with no
    mention are present with 0): ``outlet, category, n_articles, n_words, n_mentions,
    n_articles_with_mention`` and the measures of :func:`add_measures`. Denominators are the
    outlet's articles and words (in the chosen voice) in the selection. Summed from
    ``article_counts`` when the store has it, else from ``mentions`` (same result; see :func:`trend_cells`).
    """
    layout = _count_layout(con)
    if layout is not None and layout.positions:
        df = _matrix_from_counts(con, filters, layout)
    else:
        df = _matrix_from_mentions(con, filters)
    if filters.categories:
        df = df[df["category"].isin(filters.categories)]
    for c in ("n_articles", "n_words", "n_mentions", "n_articles_with_mention"):
        df[c] = df[c].astype("int64")
    return add_measures(df).sort_values(["outlet", "category"], ignore_index=True)


def _matrix_from_counts(con: duckdb.DuckDBPyConnection, filters: Filters, counts: CountLayout) -> pd.DataFrame:
    """The sums of :func:`outlet_category_matrix` from ``article_counts``: per outlet, every category's
    sums as a list (one pass over the selected rows), then picked for each lexicon category."""
    params: list = []
    sel = _counts_sql(dataclasses.replace(filters, categories=()), counts, params)
    k = range(1, max(counts.positions.values()) + 1)
    # Integer sums (exact; read as floats below, as the joins' sums of floats of integers are):
    # a third of the CPU of FILTER and DOUBLE aggregates over list elements.
    lists = {"m": "sum(counts[{i}])", "a": "sum((counts[{i}] > 0)::INTEGER)",
             "y2": "sum(counts[{i}]::BIGINT * counts[{i}])", "xy": "sum(x::BIGINT * counts[{i}])"}
    per = ", ".join(f"[{', '.join(e.format(i=i) for i in k)}] AS {name}" for name, e in lists.items())
    sql = (f"WITH sel AS ({sel}), den AS (SELECT outlet, count(*) AS n_articles, sum(x) AS n_words, "
           f"sum(x::BIGINT * x)::DOUBLE AS sum_x2, {per} FROM sel GROUP BY outlet) "
           "SELECT d.outlet, c.category, d.n_articles, d.n_words, coalesce(d.m[p.position], 0) AS n_mentions, "
           "coalesce(d.a[p.position], 0) AS n_articles_with_mention, "
           "coalesce(d.y2[p.position], 0)::DOUBLE AS sum_y2, coalesce(d.xy[p.position], 0)::DOUBLE AS sum_xy, "
           "d.sum_x2 "
           "FROM den d CROSS JOIN (SELECT DISTINCT category FROM lexicon WHERE NOT ignore) c "
           "LEFT JOIN article_count_categories p ON p.category = c.category")
    return con.execute(sql, params).df()


def _matrix_from_mentions(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """The sums of :func:`outlet_category_matrix` joined from ``mentions`` (a store without ``article_counts``)."""
    params: list = []
    sel = _selection_sql(filters, params)
    where = _mention_conditions(filters, params, "m.")
    sql = (f"WITH sel AS ({sel}), "
           "den AS (SELECT outlet, count(*) AS n_articles, sum(n_words) AS n_words, "
           "sum(n_words::DOUBLE * n_words) AS sum_x2 FROM sel GROUP BY outlet), "
           "per AS (SELECT sel.outlet, m.category, m.article_id, any_value(sel.n_words) AS x, count(*) AS y "
           f"FROM mentions m JOIN sel USING (article_id) WHERE {' AND '.join(where)} GROUP BY 1, 2, 3), "
           "men AS (SELECT outlet, category, sum(y) AS n_mentions, count(*) AS n_articles_with_mention, "
           "sum(y::DOUBLE * y) AS sum_y2, sum(x::DOUBLE * y) AS sum_xy FROM per GROUP BY 1, 2) "
           "SELECT d.outlet, c.category, d.n_articles, d.n_words, coalesce(men.n_mentions, 0) AS n_mentions, "
           "coalesce(men.n_articles_with_mention, 0) AS n_articles_with_mention, "
           "coalesce(men.sum_y2, 0) AS sum_y2, coalesce(men.sum_xy, 0) AS sum_xy, d.sum_x2 "
           "FROM den d CROSS JOIN (SELECT DISTINCT category FROM lexicon WHERE NOT ignore) c "
           "LEFT JOIN men ON men.outlet = d.outlet AND men.category = c.category")
    return con.execute(sql, params).df()


def article_list(con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 500) -> pd.DataFrame:
    """The selected articles, most mentions first, then newest.

    Returns
    -------
    DataFrame of at most *limit* rows: ``article_id, outlet, published_at, title, url,
    n_words, n_mentions`` (mentions in the chosen voice and categories), ``syndicated`` and
    ``cluster_id`` (from ``article_clusters``; False / NULL for articles with no copies).
    """
    params: list = []
    sel = _selection_sql(filters, params)
    men = _mentions_sql(filters, params)
    params.append(int(limit))
    sql = (f"WITH sel AS ({sel}), men AS ({men}) "
           "SELECT a.article_id, a.outlet, a.published_at, a.title, a.url, a.n_words, "
           "coalesce(men.n, 0) AS n_mentions, coalesce(c.syndicated, FALSE) AS syndicated, c.cluster_id "
           "FROM sel JOIN articles a USING (article_id) "
           "LEFT JOIN men USING (article_id) LEFT JOIN article_clusters c USING (article_id) ORDER BY n_mentions DESC, a.published_at DESC, a.article_id "
           "LIMIT ?")
    return con.execute(sql, params).df()


def article_mentions(con: duckdb.DuckDBPyConnection, article_id: str) -> tuple[dict, pd.DataFrame]:
    """One article and its mentions.

    Returns
    -------
    (article, mentions): the ``articles`` row as a dict (``None`` if unknown) and its
    ``mentions`` rows sorted by ``start_char``.
    """
    row = con.execute("SELECT * FROM articles WHERE article_id = ?", [article_id]).df()
    men = con.execute("SELECT * FROM mentions WHERE article_id = ? ORDER BY start_char", [article_id]).df()
    return (row.iloc[0].to_dict() if len(row) else None), men


def _kwic_cell(filters: Filters, params: list, outlet: str | None, period_start: date | None,
               period_end: date | None, term: str | None) -> tuple[str, list[str]]:
    """The SQL of a chart cell's articles (:func:`_selection_sql` with ``words=False``: ``article_id,
    outlet, day, row_id``) and the WHERE conditions on its mentions (alias ``m.``), parameters appended."""
    start = max((d for d in (period_start, filters.start) if d is not None), default=None)
    end = min((d for d in (period_end, filters.end) if d is not None), default=None)
    f = dataclasses.replace(filters, outlets=(outlet,) if outlet is not None else filters.outlets,
                            start=start, end=end)
    sel = _selection_sql(f, params, words=False)
    where = _mention_conditions(f, params, "m.")
    if term is not None:
        where.append("m.term = ?")
        params.append(term)
    return sel, where


_KWIC_CONTEXTS = ("substr(a.text, greatest({m}.start_char - ?, 0) + 1, {m}.start_char - greatest({m}.start_char - ?, 0)) "
                  "AS left, {m}.{match}, substr(a.text, {m}.end_char + 1, ?) AS right")
"""``left, match, right`` of a KWIC line from mention alias ``{m}`` and article ``a`` (three *width* parameters):
``substr`` counts characters as Python's slices do (``text[max(0, start - width):start]``, ``text[end:end + width]``)."""


def keyword_in_context(con: duckdb.DuckDBPyConnection, filters: Filters, *, outlet: str | None = None,
                       period_start: date | None = None, period_end: date | None = None,
                       term: str | None = None, width: int = 80, limit: int = 200) -> pd.DataFrame:
    """KWIC (concordance) lines of the mentions behind a chart cell.

    Returns
    -------
    DataFrame of at most *limit* rows: ``article_id, outlet, day, title, left, match,
    right, term, category, voice, speaker, start_char, end_char``, where ``left`` and
    ``right`` are up to *width* characters of the article text on either side of the match;
    the first *limit* mentions by ``day, article_id, start_char``.

    Reads as little as it can: the cell's articles from ``articles`` alone (outlet, topic and date
    filters; no word counts), the top *limit* of their mentions sorted on narrow columns only, then the
    title and the two contexts (``substr`` in DuckDB, counting characters as Python does) of those rows
    alone, read back by ``rowid``. The evidence download of a chart cell is this with a large *limit*
    (``dashboard.evidence``); the lines on screen are :func:`keyword_in_context_spread`.
    """
    params: list = []
    sel, where = _kwic_cell(filters, params, outlet, period_start, period_end, term)
    params += [int(limit), int(width), int(width), int(width)]
    order = "day, article_id, start_char"
    contexts = _KWIC_CONTEXTS.format(m="top", match="match")
    sql = (f"WITH sel AS ({sel}), top AS (SELECT m.article_id, sel.outlet, sel.day, sel.row_id, m.text AS match, "
           "m.term, m.category, m.voice, m.speaker, m.start_char, m.end_char "
           f"FROM mentions m JOIN sel USING (article_id) WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?) "
           f"SELECT top.article_id, top.outlet, top.day, a.title, {contexts}, top.term, top.category, top.voice, "
           f"top.speaker, top.start_char, top.end_char FROM top JOIN articles a ON a.rowid = top.row_id "
           "ORDER BY top.day, top.article_id, top.start_char")
    return con.execute(sql, params).df()


def _spread_condition(shown: int) -> str:
    """SQL: is position ``pos`` (0-based) of ``n`` rows one of the *shown* spread evenly over them?

    The positions of :func:`dashboard.tables.spread_rows`, ``np.unique(np.linspace(0, n - 1, shown).round())``,
    with numpy's arithmetic: the i-th value is ``i * ((n - 1) / (shown - 1))`` in doubles, rounded half to
    even (``round_even``). For ``n > shown`` the step exceeds 1, so the i that lands on ``pos`` is within one
    of ``round(pos / step)``: those three are tested. Every position when ``n <= shown``.
    """
    s = int(shown)
    if s < 1:
        raise ValueError(f"shown must be at least 1, not {shown!r}")
    if s == 1:
        return "(n <= 1 OR pos = 0)"
    step = f"((n - 1)::DOUBLE / {s - 1})"
    tests = [f"round_even(least(greatest(round(pos / {step}) + {d}, 0), {s - 1}) * {step}, 0) = pos" for d in (-1, 0, 1)]
    return f"(n <= {s} OR {' OR '.join(tests)})"


def keyword_in_context_spread(con: duckdb.DuckDBPyConnection, filters: Filters, *, outlet: str | None = None,
                              period_start: date | None = None, period_end: date | None = None,
                              term: str | None = None, width: int = 80,
                              shown: int = 200) -> tuple[pd.DataFrame, int]:
    """KWIC lines of *shown* mentions of a chart cell spread evenly over all of them by date, and their count.

    Parameters are those of :func:`keyword_in_context`, with *shown* (at least 1) in place of *limit*.

    Returns
    -------
    (lines, n_mentions)
        *lines*: DataFrame with the columns of :func:`keyword_in_context`, at most *shown* rows: of the
        cell's ``n_mentions`` mentions in ``day, article_id, start_char`` order, those at positions
        ``np.unique(np.linspace(0, n_mentions - 1, shown).round())``, in that order (every mention when
        there are at most *shown*). The same rows as :func:`dashboard.tables.spread_rows` of
        :func:`keyword_in_context` with a *limit* of at least ``n_mentions``, without reading the others.
        *n_mentions*: int, all of the cell's mentions (not only those listed).

    Method: one query. The cell's mentions are numbered (``row_number``) in that order on narrow columns
    only (the sort keys and the mention's and its article's ``rowid``; no text) and counted (``count(*)
    OVER ()``); the spread positions are picked in SQL (:func:`_spread_condition`); the picked rows alone
    are read back by ``rowid``: their mention, their article's title and the two contexts. The cost is
    that of :func:`keyword_in_context` with a small *limit* (mostly the scan of ``mentions``), whatever
    the cell's size. ``benchmarks/bench_dashboard_queries.py`` times it (column "Trends evidence").

    Raises
    ------
    ValueError
        If *shown* is less than 1.
    """
    pick = _spread_condition(shown)
    params: list = []
    sel, where = _kwic_cell(filters, params, outlet, period_start, period_end, term)
    params += [int(width), int(width), int(width)]
    contexts = _KWIC_CONTEXTS.format(m="m", match="text AS match")
    sql = (f"WITH sel AS ({sel}), numbered AS (SELECT m.rowid AS mention_row, sel.row_id, "
           "row_number() OVER (ORDER BY sel.day, m.article_id, m.start_char) - 1 AS pos, count(*) OVER () AS n "
           f"FROM mentions m JOIN sel USING (article_id) WHERE {' AND '.join(where)}), "
           f"picked AS (SELECT mention_row, row_id, pos, n FROM numbered WHERE {pick}) "
           f"SELECT m.article_id, a.outlet, a.day, a.title, {contexts}, m.term, m.category, m.voice, m.speaker, "
           "m.start_char, m.end_char, p.n AS _n FROM picked p JOIN mentions m ON m.rowid = p.mention_row "
           "JOIN articles a ON a.rowid = p.row_id ORDER BY p.pos")
    lines = con.execute(sql, params).df()
    n = int(lines["_n"].iloc[0]) if len(lines) else 0
    return lines.drop(columns="_n"), n


def article_count(con: duckdb.DuckDBPyConnection, filters: Filters) -> int:
    """Number of selected, dated articles: the rows :func:`article_list` would return with no limit.

    With a topic or wire-copy filter, counted from the ``all`` rows of ``article_counts`` when the
    rollups read that table (:func:`_count_layout`: filled, and covering every dated article) and it
    holds the bits of that filter (:func:`_article_conditions`); otherwise from ``articles`` alone,
    which without those filters is cheaper still. Never joined with ``article_scores``: the voice's
    words do not change the count."""
    params: list = []
    layout = _count_layout(con) if filters.topics or filters.copies != "every" else None
    if layout is not None and (layout.topic_bits if filters.topics else layout.copy_flags):
        params.append(ALL)
        where = ["a.voice = ?", *_article_conditions(filters, params, "a.", layout), *_date_conditions(filters, params)]
        return int(con.execute(f"SELECT count(*) FROM article_counts a WHERE {' AND '.join(where)}",
                               params).fetchone()[0])
    sel = _selection_sql(filters, params, words=False)
    return int(con.execute(f"SELECT count(*) FROM ({sel})", params).fetchone()[0])


def cluster_members(con: duckdb.DuckDBPyConnection, article_id: str) -> pd.DataFrame:
    """Every member of the syndication cluster that holds *article_id* (itself included).

    Returns
    -------
    DataFrame with one row per member, the earliest first (then by publication time and
    article_id): ``article_id, outlet, published_at, title, url, is_first, syndicated,
    similarity`` (columns of ``article_clusters`` and ``articles``). Empty, with those
    columns, when the article has no near-identical copy.
    """
    return con.execute(
        "SELECT c.article_id, a.outlet, a.published_at, a.title, a.url, c.is_first, c.syndicated, c.similarity "
        "FROM article_clusters c JOIN articles a USING (article_id) "
        "WHERE c.cluster_id = (SELECT cluster_id FROM article_clusters WHERE article_id = ? LIMIT 1) "
        "ORDER BY c.is_first DESC, a.published_at, c.article_id", [article_id]).df()
