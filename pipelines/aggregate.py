"""Aggregate: the ``daily`` table, outlet × topic × day × category × voice.

Each row carries its numerators and denominators, so any coarser grouping is a plain sum
(see :mod:`pipelines.rollups`): ``n_articles`` and ``n_words`` (the words in that voice) of
the outlet's articles on that day and topic, ``n_mentions`` of the category in that voice,
and ``n_articles_with_mention``. Rows with category ``all`` / voice ``all`` count across
categories / voices (an article with a mention in two voices counts once there), and rows
with topic ``(all topics)`` count every article once whatever its topics, so they are the
rows to sum across topics. Every combination with at least one article is present, with
zero mentions where there are none; undated articles are left out.
"""

from __future__ import annotations

from datetime import date

import duckdb

from .faults import pause_point
from .schemas import ALL, ALL_TOPICS, VOICES, column_names

DAILY_SQL = f"""
WITH art AS (SELECT article_id, outlet, day, n_words FROM articles
             WHERE day IS NOT NULL
               AND (outlet > $first_outlet OR (outlet = $first_outlet AND day >= $first_day))
               AND (outlet < $last_outlet OR (outlet = $last_outlet AND day <= $last_day))),
top AS (SELECT article_id, topic FROM article_topics SEMI JOIN art USING (article_id)
        UNION ALL SELECT article_id, '{ALL_TOPICS}' FROM art),
words AS (SELECT article_id, voice, n_words FROM article_scores SEMI JOIN art USING (article_id)
          UNION ALL SELECT article_id, '{ALL}', n_words FROM art),
cats AS (SELECT DISTINCT category FROM lexicon WHERE NOT ignore UNION SELECT '{ALL}'),
voices AS (SELECT unnest([{", ".join(f"'{v}'" for v in (*VOICES, ALL))}]) AS voice),
men AS (SELECT article_id, coalesce(category, '{ALL}') AS category, coalesce(voice, '{ALL}') AS voice,
               count(*) AS n
        FROM mentions SEMI JOIN art USING (article_id) GROUP BY GROUPING SETS ((article_id, category, voice), (article_id, category),
                                              (article_id, voice), (article_id))),
base AS (SELECT art.outlet, top.topic, art.day, art.article_id FROM art JOIN top USING (article_id)),
cells AS (SELECT outlet, topic, day, count(*) AS n_articles FROM base GROUP BY ALL),
cell_words AS (SELECT b.outlet, b.topic, b.day, w.voice, sum(w.n_words) AS n_words
               FROM base b JOIN words w USING (article_id) GROUP BY ALL),
cell_mentions AS (SELECT b.outlet, b.topic, b.day, m.category, m.voice, sum(m.n) AS n_mentions,
                         count(*) AS n_articles_with_mention
                  FROM base b JOIN men m USING (article_id) GROUP BY ALL)
SELECT c.outlet, c.topic, c.day, k.category, v.voice,
       c.n_articles::INTEGER AS n_articles,
       coalesce(w.n_words, 0)::BIGINT AS n_words,
       coalesce(m.n_mentions, 0)::BIGINT AS n_mentions,
       coalesce(m.n_articles_with_mention, 0)::INTEGER AS n_articles_with_mention
FROM cells c CROSS JOIN cats k CROSS JOIN voices v
LEFT JOIN cell_words w ON w.outlet = c.outlet AND w.topic = c.topic AND w.day = c.day AND w.voice = v.voice
LEFT JOIN cell_mentions m ON m.outlet = c.outlet AND m.topic = c.topic AND m.day = c.day
                         AND m.category = k.category AND m.voice = v.voice
ORDER BY 1, 2, 3, 4, 5
"""
"""The rows of ``daily`` for the articles from ``($first_outlet, $first_day)`` to ``($last_outlet,
$last_day)`` in (outlet, day) order, both ends counted. Sums are taken per (outlet, topic, day[,
category][, voice]) first and then spread over the full grid of categories and voices, so the query's
memory grows with the number of chart cells, not with articles x categories x voices (crossing every
article with every category and voice first ran out of the store's memory limit at 100,000 articles:
``benchmarks/RESULTS.md`` §C.3)."""

DAILY_CHUNK_ARTICLES = 25_000
"""At most about this many articles (one day of one outlet may be more) go into one run of
:data:`DAILY_SQL`. A row of ``daily`` depends only on its outlet's articles of its day, so the table
is the union of the spans' rows. In one pass, the query's hash tables grew with the whole store and
ran out of the store's 512 MB memory limit (``storage._configure``) in 2 of 3 runs at 100,000
articles, where the run's own unwritten tables already held part of that memory
(``benchmarks/RESULTS.md`` §L.1). Each run reads the whole ``mentions`` table to find its span's
mentions, so spans are as large as memory allows and run across outlets (one span per outlet read it
once an outlet: on a store of many small outlets, several times the one pass's time, §L.1)."""

DAILY_CHUNK_ROWS = 500_000
"""At most about this many rows of ``daily`` (one day of one outlet may give more) come out of one run
of :data:`DAILY_SQL`: its memory grows with them too (the grid of topics x categories x voices of each
day), and a store whose outlets publish an article or two a day has about as many days as articles. A
100,000-article store of 2.2 million rows needed 300-400 MB in one pass."""

Span = tuple[str, date, str, date]
"""``(first_outlet, first_day, last_outlet, last_day)``: the dated articles from the first (outlet, day)
to the last, in (outlet, day) order, both ends counted."""


def daily_chunks(con: duckdb.DuckDBPyConnection, max_articles: int = DAILY_CHUNK_ARTICLES,
                 max_rows: int = DAILY_CHUNK_ROWS) -> list[Span]:
    """The spans (:data:`Span`) :func:`build_daily` aggregates one at a time.

    The dated articles, in (outlet, day) order, are cut into runs of whole (outlet, day) cells
    holding at most *max_articles* articles and giving at most *max_rows* rows of ``daily`` (the
    cell's topics, and ``(all topics)``, x categories x voices); one cell over either is a span of
    its own. A span may run across outlets. Returns a list in that order that covers every dated
    article exactly once; empty for a store without dated articles. Raises ValueError when
    *max_articles* or *max_rows* is below 1.
    """
    if max_articles < 1 or max_rows < 1:
        raise ValueError(f"max_articles and max_rows must be at least 1, got {max_articles} and {max_rows}")
    grid = con.execute("SELECT (SELECT count(DISTINCT category) FROM lexicon WHERE NOT ignore) + 1").fetchone()[0]
    grid *= len(VOICES) + 1
    per_day = con.execute("SELECT a.outlet, a.day, count(DISTINCT a.article_id), count(DISTINCT t.topic) + 1 "
                          "FROM articles a LEFT JOIN article_topics t USING (article_id) WHERE a.day IS NOT NULL "
                          "GROUP BY ALL ORDER BY 1, 2").fetchall()
    spans: list[Span] = []
    first = last = None
    held = rows = 0
    for outlet, day, n, topics in per_day:
        if first is not None and (held + n > max_articles or rows + topics * grid > max_rows):
            spans.append((*first, *last))
            first = None
        if first is None:
            first, held, rows = (outlet, day), 0, 0
        last, held, rows = (outlet, day), held + n, rows + topics * grid
    if first is not None:
        spans.append((*first, *last))
    return spans


def build_daily(con: duckdb.DuckDBPyConnection, max_articles: int = DAILY_CHUNK_ARTICLES,
                max_rows: int = DAILY_CHUNK_ROWS) -> int:
    """Rebuild the ``daily`` table from the article-level tables; returns its row count.

    The rows are written one :func:`daily_chunks` span at a time (*max_articles* articles and
    *max_rows* rows at most in each), so the memory this takes is bounded by the span, not by the
    store; the table is the same whatever the bounds. Raises ValueError when a bound is below 1.
    """
    cols = ", ".join(f'"{c}"' for c in column_names("daily"))
    spans = daily_chunks(con, max_articles, max_rows)
    con.execute('DELETE FROM "daily"')
    pause_point("aggregate:deleted")
    for first_outlet, first_day, last_outlet, last_day in spans:
        con.execute(f'INSERT INTO "daily" ({cols}) {DAILY_SQL}',
                    {"first_outlet": first_outlet, "first_day": first_day,
                     "last_outlet": last_outlet, "last_day": last_day})
    return con.execute('SELECT count(*) FROM "daily"').fetchall()[0][0]


def build_article_counts(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild ``article_counts``, ``article_count_categories`` and ``article_count_topics`` from ``articles``,
    ``article_scores``, ``mentions`` and ``article_topics`` (in DuckDB, so the same whatever engine scored the
    store); returns the row count of ``article_counts``.

    One row per dated article × voice (``outlet``, ``quoted``, ``attributed``, ``all``): the article's
    ``outlet`` and ``day``, its words in that voice (``article_scores.n_words``, 0 without a row;
    ``articles.n_words`` for ``all``), its mentions in that voice (``n_mentions``) and per category
    (``counts``, an ``INTEGER[]`` in the order of ``article_count_categories``: every category found in
    ``mentions``, sorted by name, ``position`` 1-based), and its topics as bits (``topic_bits``, a
    ``UBIGINT``: bit ``article_count_topics.bit`` set when the article has that topic; the
    :data:`TOPIC_BITS` topics with the most articles, then by name, get one; an article's other topics
    are only in ``article_topics``) and what ``article_clusters`` says of it (``copy_flags``:
    :data:`COPY_FLAG_SYNDICATED`, :data:`COPY_FLAG_LATER`, or-ed; 0 outside any cluster). The rollups of :mod:`pipelines.rollups` read it instead of joining the
    selected articles with every mention on each filter change (at a million articles, 8 million
    mentions: seconds per query), and test the bits instead of a semi-join of a million article ids with
    ``article_topics`` or an anti-join with ``article_clusters`` (``benchmarks/bench_dashboard_queries.py``,
    rows "one topic" and "wire copies once"). Called at the end of
    every scoring (``pipelines.run._finish_score``), whose tables it is derived from, and by
    ``framewatch aggregate``. Built :data:`ARTICLE_COUNTS_CHUNK` articles (in store order) a statement,
    each sorted by day, outlet, article and voice."""
    con.execute('DELETE FROM "article_count_categories"')
    con.execute('INSERT INTO "article_count_categories" (position, category) '
                "SELECT row_number() OVER (ORDER BY category)::INTEGER, category "
                "FROM (SELECT DISTINCT category FROM mentions)")
    con.execute('DELETE FROM "article_count_topics"')
    con.execute('INSERT INTO "article_count_topics" (bit, topic) '
                "SELECT (row_number() OVER (ORDER BY n DESC, topic) - 1)::INTEGER AS bit, topic "
                "FROM (SELECT topic, count(DISTINCT article_id) AS n FROM article_topics GROUP BY topic) "
                "ORDER BY bit LIMIT ?", [TOPIC_BITS])
    cats = [c for (c,) in con.execute('SELECT category FROM "article_count_categories" ORDER BY position').fetchall()]
    per_cat = "".join(f", count(*) FILTER (WHERE category = ?) AS c{i}" for i in range(len(cats)))
    counts = "[" + ", ".join(f"coalesce(men.c{i}, 0)" for i in range(len(cats))) + "]::INTEGER[]"
    voices = ", ".join(f"'{v}'" for v in (*VOICES, ALL))
    cols = ", ".join(f'"{c}"' for c in column_names("article_counts"))
    con.execute('DELETE FROM "article_counts"')
    first, last = con.execute("SELECT min(rowid), max(rowid) FROM articles").fetchone()
    for lo in range(first or 0, (last if last is not None else -1) + 1, ARTICLE_COUNTS_CHUNK):
        _insert_article_counts(con, cols, counts, per_cat, voices, cats, lo, lo + ARTICLE_COUNTS_CHUNK)
    return con.execute('SELECT count(*) FROM "article_counts"').fetchall()[0][0]


TOPIC_BITS = 64
"""Topics that get a bit in ``article_counts.topic_bits`` (a ``UBIGINT``): a topic filter made of them is
a bit test on the rows already read; one that names any other topic keeps the semi-join with
``article_topics`` for those (:func:`pipelines.rollups._article_conditions`)."""


COPY_FLAG_SYNDICATED = 1
"""Bit of ``article_counts.copy_flags``: the article is in a cluster of ``article_clusters`` flagged
``syndicated`` (left out by the wire-copy filter ``copies="none"``, :class:`pipelines.rollups.Filters`)."""

COPY_FLAG_LATER = 2
"""Bit of ``article_counts.copy_flags``: the article is a copy, not the first (``is_first`` false), in a
cluster of ``article_clusters`` (left out by ``copies="once"``)."""


ARTICLE_COUNTS_CHUNK = 100_000
"""Articles (by ``rowid``) whose ``article_counts`` rows one statement builds: within the memory limit
of a run's store (:func:`pipelines.storage.connect`, 512 MB), which one statement for a million
articles (4 million rows sorted with their lists) ran out of, at the end of a million-article run."""


def _insert_article_counts(con, cols: str, counts: str, per_cat: str, voices: str, cats: list, lo: int, hi: int) -> None:
    """Insert the ``article_counts`` rows of the articles with ``lo <= rowid < hi`` (see :func:`build_article_counts`)."""
    con.execute(f'INSERT INTO "article_counts" ({cols}) '
                "WITH art AS (SELECT article_id, outlet, day, n_words FROM articles "
                f"WHERE day IS NOT NULL AND rowid >= {int(lo)} AND rowid < {int(hi)}), "
                f"men AS (SELECT article_id, coalesce(voice, '{ALL}') AS voice, count(*) AS n{per_cat} FROM mentions "
                "WHERE article_id IN (SELECT article_id FROM art) "
                "GROUP BY GROUPING SETS ((article_id, voice), (article_id))), "
                "tb AS (SELECT t.article_id, bit_or(1::UBIGINT << p.bit) AS bits FROM article_topics t "
                "JOIN article_count_topics p USING (topic) WHERE t.article_id IN (SELECT article_id FROM art) "
                "GROUP BY t.article_id), "
                f"cl AS (SELECT article_id, bit_or((CASE WHEN syndicated THEN {COPY_FLAG_SYNDICATED} ELSE 0 END) "
                f"| (CASE WHEN NOT is_first THEN {COPY_FLAG_LATER} ELSE 0 END)) AS flags FROM article_clusters "
                "WHERE article_id IN (SELECT article_id FROM art) GROUP BY article_id) "
                "SELECT art.article_id, v.voice, art.outlet, art.day, "
                f"(CASE WHEN v.voice = '{ALL}' THEN art.n_words ELSE coalesce(s.n_words, 0) END)::INTEGER, "
                f"coalesce(men.n, 0)::INTEGER, {counts}, coalesce(tb.bits, 0)::UBIGINT, coalesce(cl.flags, 0)::UTINYINT "
                f"FROM art CROSS JOIN (SELECT unnest([{voices}]) AS voice) v "
                "LEFT JOIN article_scores s ON s.article_id = art.article_id AND s.voice = v.voice "
                "LEFT JOIN men ON men.article_id = art.article_id AND men.voice = v.voice "
                "LEFT JOIN tb ON tb.article_id = art.article_id LEFT JOIN cl ON cl.article_id = art.article_id "
                "ORDER BY art.day, art.outlet, art.article_id, v.voice", cats)
