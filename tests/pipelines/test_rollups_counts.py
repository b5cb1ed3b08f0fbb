"""The rollups read ``article_counts`` when the store has it (built by every scoring) and give the
same frames -- rows, order, dtypes, values -- as the joins with ``mentions`` they fall back to on a
store without it (written before it existed), for a grid of filters on a freshly built demo store.

The topic filter tests the table's ``topic_bits`` for topics with a bit (``article_count_topics``) and
keeps the semi-join with ``article_topics`` for the others: checked on the demo store, on a store whose
topics come from the KCNA corpus's section column, on one with more topics than bits, and on a store
from before ``topic_bits`` existed. A store ingested into since its last scoring is answered by the joins
(the table does not hold the new articles) until ``framewatch aggregate`` or a scoring rebuilds it."""

from __future__ import annotations

import itertools
import shutil
from datetime import timedelta

import duckdb
import pandas as pd
import pytest

from pipelines.aggregate import TOPIC_BITS, build_article_counts
from pipelines.demo import generate_demo_corpus
from pipelines.ingest import IngestOptions
from pipelines.rollups import (Filters, _count_layout, _count_positions, _selection_sql, article_count,
                               outlet_category_matrix, trend, trend_cells)
from pipelines.run import ScoreOptions, run_aggregate, run_ingest, run_pipeline
from pipelines.storage import connect, ensure_tables
from tests.conftest import corpus_dir


def _path(con) -> str:
    return con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0]


def _with_joins(store, name: str = "joins.duckdb") -> duckdb.DuckDBPyConnection:
    """A read-only connection to a copy of *store* with ``article_counts`` emptied: the rollups join."""
    path = store.with_name(name)
    shutil.copy(store, path)
    with duckdb.connect(str(path)) as con:
        con.execute("DELETE FROM article_counts")
    return duckdb.connect(str(path), read_only=True)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """(connection to the demo store as built, connection to a copy with ``article_counts`` emptied)."""
    corpus = generate_demo_corpus(tmp_path_factory.mktemp("demo"))
    store = tmp_path_factory.mktemp("store") / "demo.duckdb"
    run_pipeline(store, [corpus.articles_path], IngestOptions(outlets=[corpus.outlets_path]), fresh=True)
    slow = _with_joins(store, "old.duckdb")
    fast = duckdb.connect(str(store), read_only=True)
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
    shutil.copy(_path(fast), path)
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
    shutil.copy(_path(slow), path)
    run_aggregate(path)
    with duckdb.connect(str(path), read_only=True) as con:
        assert _count_positions(con) is not None
        pd.testing.assert_frame_equal(con.execute("SELECT * FROM article_counts").df(),
                                      fast.execute("SELECT * FROM article_counts").df())


def assert_same_rollups(fast, slow, f: Filters, i: int = 0) -> bool:
    """The count, matrix, trends and trend cells of *f* are equal on both stores; True when mentions are counted."""
    params: list = []
    joined = slow.execute(f"SELECT count(*) FROM ({_selection_sql(f, params)})", params).fetchone()[0]
    assert article_count(fast, f) == article_count(slow, f) == joined, f   # as when it joined article_scores
    m_new, m_old = outlet_category_matrix(fast, f), outlet_category_matrix(slow, f)
    pd.testing.assert_frame_equal(m_new, m_old, obj=str(f))
    for granularity, pooled in [("week", False), ("month", True), ("day", i % 2 == 0)][: 3 if i % 5 == 0 else 2]:
        t_new, t_old = trend(fast, f, granularity, pooled), trend(slow, f, granularity, pooled)
        pd.testing.assert_frame_equal(t_new, t_old, obj=f"{f} {granularity} {pooled}")
        key = ["outlet", "period"]
        c_new = trend_cells(fast, f, granularity, pooled).sort_values(key, ignore_index=True)
        c_old = trend_cells(slow, f, granularity, pooled).sort_values(key, ignore_index=True)
        pd.testing.assert_frame_equal(c_new, c_old)
    return len(m_new) > 0 and m_new["n_mentions"].sum() > 0


def test_rollups_from_article_counts_equal_the_joins_with_mentions(stores):
    fast, slow = stores
    filters = grid(fast)
    assert len(filters) > 100
    non_empty = sum(assert_same_rollups(fast, slow, f, i) for i, f in enumerate(filters))
    assert non_empty > len(filters) // 4     # most cases count mentions: the comparison is not of empty frames


def topic_grid(con, topics: list[str]) -> list[Filters]:
    """Topic filters of one, several and every topic (and names the store does not hold), with other filters."""
    outlets = [r[0] for r in con.execute("SELECT outlet FROM articles GROUP BY 1 ORDER BY count(*) DESC").fetchall()]
    lo, hi = con.execute("SELECT min(day), max(day) FROM articles").fetchone()
    picks = [*((t,) for t in topics), tuple(topics[:3]), tuple(topics[-2:]), tuple(topics),
             ("no such topic",), ("no such topic", topics[-1]), (topics[0], topics[0])]
    out = [Filters(topics=p) for p in picks]
    out += [Filters(topics=p, voice=v, outlets=(outlets[0],) if i % 2 else (), start=lo + (hi - lo) / 3 if i % 3 else None,
                    categories=("delegitimising",) if i % 4 == 1 else ())
            for i, (p, v) in enumerate(itertools.product(picks[-6:], ["quoted", "all"]))]
    return out


def _bits_of_articles_ok(con) -> bool:
    """Every row's ``topic_bits`` is the OR of its article's topics' bits (0 without one)."""
    return con.execute(
        "SELECT count(*) FROM article_counts a LEFT JOIN (SELECT t.article_id, bit_or(1::UBIGINT << p.bit) AS b "
        "FROM article_topics t JOIN article_count_topics p USING (topic) GROUP BY 1) t USING (article_id) "
        "WHERE a.topic_bits IS DISTINCT FROM coalesce(t.b, 0::UBIGINT)").fetchone()[0] == 0


def test_topic_bits_are_the_articles_topics_and_filter_as_the_semi_join(stores):
    fast, slow = stores
    bits = _count_layout(fast).topic_bits
    topics = [r[0] for r in fast.execute("SELECT topic FROM article_topics GROUP BY 1 ORDER BY count(*) DESC, 1").fetchall()]
    assert list(bits) == topics[:TOPIC_BITS] and sorted(bits.values()) == list(range(len(topics)))   # all of them
    assert _bits_of_articles_ok(fast)
    for i, f in enumerate(topic_grid(fast, topics)):
        assert_same_rollups(fast, slow, f, i)


def test_copy_flags_are_the_articles_clusters(stores):
    """``copy_flags`` is what ``article_clusters`` says (the demo has wire copies and later copies); the
    wire-copy filters of the 113-filter grid compare the rollups to the anti-joins."""
    fast, _ = stores
    assert _count_layout(fast).copy_flags
    flags = dict(fast.execute("SELECT flags, count(DISTINCT article_id) FROM (SELECT a.article_id, a.copy_flags AS flags "
                              "FROM article_counts a) GROUP BY 1").fetchall())
    assert flags.get(1, 0) + flags.get(3, 0) > 0 and flags.get(3, 0) + flags.get(2, 0) > 0 and flags[0] > 0
    assert fast.execute(
        "SELECT count(*) FROM article_counts a LEFT JOIN (SELECT article_id, bool_or(syndicated) AS s, "
        "bool_or(NOT is_first) AS later FROM article_clusters GROUP BY 1) c USING (article_id) "
        "WHERE a.copy_flags <> (CASE WHEN coalesce(c.s, false) THEN 1 ELSE 0 END) "
        "+ (CASE WHEN coalesce(c.later, false) THEN 2 ELSE 0 END)").fetchone()[0] == 0


def test_a_store_from_before_topic_bits_takes_the_joins(stores, tmp_path):
    """The dashboard opens a store read-only: one whose ``article_counts`` has no ``topic_bits`` and
    ``copy_flags`` (and no ``article_count_topics``) is still read, the topic filter as a semi-join, the
    wire-copy filter as an anti-join; ``aggregate`` adds the bits; a write that only adds the columns
    (NULL) leaves the joins in place."""
    fast, slow = stores
    path = tmp_path / "before.duckdb"
    shutil.copy(_path(fast), path)
    with duckdb.connect(str(path)) as con:
        con.execute("ALTER TABLE article_counts DROP COLUMN topic_bits")
        con.execute("ALTER TABLE article_counts DROP COLUMN copy_flags")
        con.execute("DROP TABLE article_count_topics")
    with duckdb.connect(str(path), read_only=True) as old:
        assert _count_layout(old) == (_count_positions(fast), {}, False)
        topics = [r[0] for r in old.execute("SELECT topic FROM article_topics GROUP BY 1 ORDER BY count(*) DESC").fetchall()]
        for i, f in enumerate(topic_grid(old, topics[:4])[:12] + grid(old)[::9]):   # topics, copies
            assert_same_rollups(old, slow, f, i)
    with connect(path, read_only=False) as con:        # a writing connection adds the columns, empty
        ensure_tables(con)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM article_counts WHERE topic_bits IS NULL").fetchone()[0] > 0
        assert _count_layout(con) == (_count_positions(fast), {}, False)
    run_aggregate(path)
    with duckdb.connect(str(path), read_only=True) as con:
        assert _count_layout(con) == _count_layout(fast)
        pd.testing.assert_frame_equal(con.execute("SELECT * FROM article_counts").df(),
                                      fast.execute("SELECT * FROM article_counts").df())


def test_an_ingest_after_scoring_is_counted_through_the_joins_until_aggregate(stores, tmp_path):
    """``ingest`` alone adds articles (0 mentions until scored) that ``article_counts`` does not hold:
    the rollups count them as the joins do; ``framewatch aggregate`` puts them in the table."""
    fast, slow = stores
    path = tmp_path / "ingested.duckdb"
    shutil.copy(_path(fast), path)
    outlet, lo = fast.execute("SELECT outlet, min(day) FROM articles GROUP BY 1 ORDER BY 1 LIMIT 1").fetchone()
    new = tmp_path / "new.csv"
    new.write_text("outlet,date,body\n" + "".join(
        f'{outlet},{lo + timedelta(days=3 * i)},"Later article {i}: the regime said the war games went on."\n'
        for i in range(6)) + f'{outlet},not a date,"An undated one."\n')
    run_ingest(path, [new])
    with duckdb.connect(str(path), read_only=True) as con:
        assert _count_layout(con) is None                          # the table lacks the 6 dated articles
        assert article_count(con, Filters()) == article_count(fast, Filters()) + 6
        assert article_count(con, Filters(outlets=(outlet,), voice="all")) == \
            article_count(fast, Filters(outlets=(outlet,))) + 6
        joins = _with_joins(path)
        for i, f in enumerate(grid(fast)[::7]):
            assert_same_rollups(con, joins, f, i)
        joins.close()
    run_aggregate(path)
    with duckdb.connect(str(path), read_only=True) as con, _with_joins(path, "joins2.duckdb") as joins:
        assert _count_layout(con) is not None
        n = con.execute("SELECT count(*), sum(n_mentions) FROM article_counts WHERE article_id IN "
                        "(SELECT article_id FROM articles WHERE source_file LIKE '%new.csv')").fetchone()
        assert n == (4 * 6, 0)                                      # scored later: no mentions yet
        for i, f in enumerate(grid(fast)[::7]):
            assert_same_rollups(con, joins, f, i)


def test_column_topics_of_kcna(tmp_path):
    """KCNA's site sections as topics (14, several an article): every topic has a bit, and the bit tests
    give the semi-join's rollups for each topic alone, several and all."""
    corpus = corpus_dir("kcna_2024") / "kcna_articles.csv"
    store = tmp_path / "kcna.duckdb"
    run_pipeline(store, [corpus], IngestOptions(topic_column="topics"), fresh=True)
    with duckdb.connect(str(store), read_only=True) as fast, _with_joins(store) as slow:
        topics = [r[0] for r in fast.execute("SELECT topic FROM article_topics GROUP BY 1 ORDER BY count(*) DESC, 1").fetchall()]
        assert len(topics) > 10 and list(_count_layout(fast).topic_bits) == topics
        assert fast.execute("SELECT count(*) FROM (SELECT article_id FROM article_topics GROUP BY 1 "
                            "HAVING count(*) > 1)").fetchone()[0] > 0   # articles with several topics
        assert _bits_of_articles_ok(fast)
        for i, f in enumerate(topic_grid(fast, topics)):
            assert_same_rollups(fast, slow, f, i)


def test_more_topics_than_bits(tmp_path):
    """70 topics from a topic column: the 64 with the most articles get bits (the 64th the top bit of the
    UBIGINT), the 6 others are filtered by the semi-join, alone or OR-ed with bits."""
    n_topics = TOPIC_BITS + 6
    rows = ["outlet,date,topic,body"]
    for i in range(3 * n_topics):
        # article i has topic i % n_topics, and topic 0..(i % 9) as well: frequencies differ, ties broken by name
        labels = {f"t{i % n_topics:02d}", *(f"t{k:02d}" for k in range(i % 9))}
        body = "The regime spoke." if i % 2 else '""War games,"" said Ann Lee, ""are a threat.""'
        rows.append(f'{"AB"[i % 2]},2026-03-{1 + i % 28:02d},{";".join(sorted(labels))},"Article {i}. {body}"')
    data = tmp_path / "many.csv"
    data.write_text("\n".join(rows) + "\n")
    lexicon = tmp_path / "lex.csv"
    lexicon.write_text("term,category\nregime,delegitimising\nwar games,militarised\n")
    store = tmp_path / "many.duckdb"
    run_pipeline(store, [data], IngestOptions(topic_column="topic"), ScoreOptions(lexicons=[lexicon]), fresh=True)
    with duckdb.connect(str(store), read_only=True) as fast, _with_joins(store) as slow:
        topics = [r[0] for r in fast.execute("SELECT topic FROM article_topics GROUP BY 1 ORDER BY count(*) DESC, 1").fetchall()]
        bits = _count_layout(fast).topic_bits
        assert len(topics) >= n_topics and list(bits) == topics[:TOPIC_BITS]     # (and the queries' topics)
        assert bits[topics[TOPIC_BITS - 1]] == 63 and fast.execute(
            "SELECT count(*) FROM article_counts WHERE topic_bits >= (1::UBIGINT << 63)").fetchone()[0] > 0
        assert _bits_of_articles_ok(fast)
        without = topics[TOPIC_BITS:]
        picks = [(topics[0],), (topics[TOPIC_BITS - 1],), (without[0],), tuple(without), (topics[TOPIC_BITS - 1], without[-1]),
                 tuple(topics[30:40]) + (without[2],), tuple(topics)]
        filters = [Filters(topics=p, voice=v) for p in picks for v in ("outlet", "quoted", "all")]
        filters += [Filters(topics=p, outlets=("A",), categories=("militarised",)) for p in picks]
        for i, f in enumerate(filters):
            assert_same_rollups(fast, slow, f, i)
            assert article_count(fast, f) > 0 or f.outlets, f     # every pick selects articles
