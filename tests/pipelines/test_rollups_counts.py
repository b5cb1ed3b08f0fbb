"""The rollups read ``article_counts`` when the store has it (built by every scoring) and give the
same frames -- rows, order, dtypes, values -- as the joins with ``mentions`` they fall back to on a
store without it (written before it existed), for a grid of filters on a freshly built demo store."""

from __future__ import annotations

import itertools
import shutil
from datetime import timedelta

import duckdb
import pandas as pd
import pytest

from pipelines.aggregate import build_article_counts
from pipelines.demo import generate_demo_corpus
from pipelines.ingest import IngestOptions
from pipelines.rollups import (Filters, _count_positions, _selection_sql, article_count, outlet_category_matrix,
                               trend, trend_cells)
from pipelines.run import run_aggregate, run_pipeline


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """(connection to the demo store as built, connection to a copy with ``article_counts`` emptied)."""
    corpus = generate_demo_corpus(tmp_path_factory.mktemp("demo"))
    store = tmp_path_factory.mktemp("store") / "demo.duckdb"
    run_pipeline(store, [corpus.articles_path], IngestOptions(outlets=[corpus.outlets_path]), fresh=True)
    old = store.with_name("old.duckdb")
    shutil.copy(store, old)
    with duckdb.connect(str(old)) as con:
        con.execute("DELETE FROM article_counts")
    fast, slow = duckdb.connect(str(store), read_only=True), duckdb.connect(str(old), read_only=True)
    yield fast, slow
    fast.close()
    slow.close()


def grid(con) -> list[Filters]:
    outlets = [r[0] for r in con.execute("SELECT outlet FROM articles GROUP BY 1 ORDER BY count(*) DESC").fetchall()]
    topics = [r[0] for r in con.execute("SELECT topic FROM article_topics GROUP BY 1 ORDER BY count(*) DESC "
                                        "LIMIT 2").fetchall()]
    cats = [r[0] for r in con.execute("SELECT category FROM mentions GROUP BY 1 ORDER BY count(*) DESC").fetchall()]
    lo, hi = con.execute("SELECT min(day), max(day) FROM articles").fetchone()
    mid = lo + (hi - lo) / 2
    dates = [(None, None), (lo, mid), (mid + timedelta(days=1), None), (None, mid)]
    # Every outlet x category x voice x copies choice; topics and dates turn with them.
    out = []
    for i, (outlet, cat, voice, copies) in enumerate(itertools.product(
            [(), (outlets[0],), tuple(outlets[:2])], [(), (cats[0],), (cats[-1], cats[1], cats[-1])],
            ["outlet", "quoted", "attributed", "all"], ["every", "once", "none"])):
        start, end = dates[i % len(dates)]
        out.append(Filters(outlets=outlet, topics=[(), (topics[0],), tuple(topics)][i // 4 % 3], categories=cat,
                           voice=voice, copies=copies, start=start, end=end))
    # Names the store does not hold, and dates after its last day: empty or zero answers.
    out += [Filters(outlets=("no such outlet",)), Filters(categories=("no such category",)),
            Filters(categories=("no such category", cats[0]), voice="all"),
            Filters(start=hi + timedelta(days=5)), Filters(outlets=(outlets[0],), start=hi + timedelta(days=5))]
    return out


def test_the_store_has_article_counts_and_the_copy_falls_back(stores):
    fast, slow = stores
    n_dated = fast.execute("SELECT count(*) FROM articles WHERE day IS NOT NULL").fetchone()[0]
    assert fast.execute("SELECT count(*) FROM article_counts").fetchone()[0] == 4 * n_dated > 0
    assert _count_positions(fast) and _count_positions(slow) is None


def test_article_counts_rebuilt_gives_the_same_rows(stores, tmp_path):
    fast, _ = stores
    before = fast.execute("SELECT * FROM article_counts").df()
    path = tmp_path / "again.duckdb"
    shutil.copy(fast.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0], path)
    with duckdb.connect(str(path)) as con:
        build_article_counts(con)
        after = con.execute("SELECT * FROM article_counts").df()
    pd.testing.assert_frame_equal(before, after)
    # y of every article and voice is its count of mentions rows in that voice
    check = fast.execute("SELECT count(*) FROM article_counts a LEFT JOIN (SELECT article_id, voice, count(*) n "
                         "FROM mentions GROUP BY ALL UNION ALL SELECT article_id, 'all', count(*) FROM mentions "
                         "GROUP BY ALL) m USING (article_id, voice) "
                         "WHERE a.n_mentions <> coalesce(m.n, 0) OR list_sum(a.counts) <> a.n_mentions").fetchone()[0]
    assert check == 0


def test_aggregate_fills_article_counts_of_a_store_without_them(stores, tmp_path):
    fast, slow = stores
    path = tmp_path / "old.duckdb"
    shutil.copy(slow.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0], path)
    run_aggregate(path)
    with duckdb.connect(str(path), read_only=True) as con:
        assert _count_positions(con) is not None
        pd.testing.assert_frame_equal(con.execute("SELECT * FROM article_counts").df(),
                                      fast.execute("SELECT * FROM article_counts").df())


def test_rollups_from_article_counts_equal_the_joins_with_mentions(stores):
    fast, slow = stores
    filters = grid(fast)
    assert len(filters) > 100
    non_empty = 0
    for i, f in enumerate(filters):
        params: list = []
        joined = slow.execute(f"SELECT count(*) FROM ({_selection_sql(f, params)})", params).fetchone()[0]
        assert article_count(fast, f) == article_count(slow, f) == joined, f   # as when it joined article_scores
        m_new, m_old = outlet_category_matrix(fast, f), outlet_category_matrix(slow, f)
        pd.testing.assert_frame_equal(m_new, m_old, obj=str(f))
        non_empty += len(m_new) > 0 and m_new["n_mentions"].sum() > 0
        for granularity, pooled in [("week", False), ("month", True), ("day", i % 2 == 0)][: 3 if i % 5 == 0 else 2]:
            t_new, t_old = trend(fast, f, granularity, pooled), trend(slow, f, granularity, pooled)
            pd.testing.assert_frame_equal(t_new, t_old, obj=f"{f} {granularity} {pooled}")
            key = ["outlet", "period"]
            c_new = trend_cells(fast, f, granularity, pooled).sort_values(key, ignore_index=True)
            c_old = trend_cells(slow, f, granularity, pooled).sort_values(key, ignore_index=True)
            pd.testing.assert_frame_equal(c_new, c_old)
    assert non_empty > len(filters) // 4     # most cases count mentions: the comparison is not of empty frames
