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

import duckdb

from .faults import pause_point
from .schemas import ALL, ALL_TOPICS, VOICES, column_names

DAILY_SQL = f"""
WITH art AS (SELECT article_id, outlet, day, n_words FROM articles WHERE day IS NOT NULL),
top AS (SELECT article_id, topic FROM article_topics
        UNION ALL SELECT article_id, '{ALL_TOPICS}' FROM art),
words AS (SELECT article_id, voice, n_words FROM article_scores
          UNION ALL SELECT article_id, '{ALL}', n_words FROM art),
cats AS (SELECT DISTINCT category FROM lexicon WHERE NOT ignore UNION SELECT '{ALL}'),
voices AS (SELECT unnest([{", ".join(f"'{v}'" for v in (*VOICES, ALL))}]) AS voice),
men AS (SELECT article_id, coalesce(category, '{ALL}') AS category, coalesce(voice, '{ALL}') AS voice,
               count(*) AS n
        FROM mentions GROUP BY GROUPING SETS ((article_id, category, voice), (article_id, category),
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
"""The rows of ``daily``. Sums are taken per (outlet, topic, day[, category][, voice]) first
and then spread over the full grid of categories and voices, so the query's memory grows with
the number of chart cells, not with articles x categories x voices (crossing every article
with every category and voice first ran out of the store's memory limit at 100,000 articles:
``benchmarks/RESULTS.md`` §C.3)."""


def build_daily(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild the ``daily`` table from the article-level tables; returns its row count."""
    cols = ", ".join(f'"{c}"' for c in column_names("daily"))
    con.execute('DELETE FROM "daily"')
    pause_point("aggregate:deleted")
    con.execute(f'INSERT INTO "daily" ({cols}) {DAILY_SQL}')
    return con.execute('SELECT count(*) FROM "daily"').fetchall()[0][0]
