"""keyword_in_context (the evidence lines under a chart cell) gives the rows, order and contexts of
the query it replaced (before 9c82c26: every mention of the selection joined with its article text,
sorted, contexts cut in Python), on the demo store and on texts beyond ASCII; keyword_in_context_spread
(the lines on screen) gives exactly ``spread_rows`` of every such line, and their count."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest

from dashboard.tables import spread_rows
from pipelines.demo import generate_demo_corpus
from pipelines.ingest import IngestOptions
from pipelines.rollups import (Filters, _mention_conditions, _selection_sql, _spread_condition, keyword_in_context,
                               keyword_in_context_spread)
from pipelines.run import ScoreOptions, run_pipeline


def reference_kwic(con, filters: Filters, *, outlet=None, period_start=None, period_end=None, term=None,
                   width: int = 80, limit: int = 200) -> pd.DataFrame:
    """The query keyword_in_context ran before 9c82c26, as it was."""
    start = max((d for d in (period_start, filters.start) if d is not None), default=None)
    end = min((d for d in (period_end, filters.end) if d is not None), default=None)
    f = dataclasses.replace(filters, outlets=(outlet,) if outlet is not None else filters.outlets,
                            start=start, end=end)
    params: list = []
    sel = _selection_sql(f, params)
    where = _mention_conditions(f, params, "m.")
    if term is not None:
        where.append("m.term = ?")
        params.append(term)
    params.append(int(limit))
    sql = (f"WITH sel AS ({sel}) SELECT m.article_id, sel.outlet, sel.day, a.title, m.text AS match, "
           "m.term, m.category, m.voice, m.speaker, m.start_char, m.end_char, a.text AS _text "
           "FROM mentions m JOIN sel USING (article_id) JOIN articles a USING (article_id) "
           f"WHERE {' AND '.join(where)} ORDER BY sel.day, m.article_id, m.start_char LIMIT ?")
    df = con.execute(sql, params).df()
    df["left"] = [t[max(0, s - width):s] for t, s in zip(df["_text"], df["start_char"])]
    df["right"] = [t[e:e + width] for t, e in zip(df["_text"], df["end_char"])]
    return df[["article_id", "outlet", "day", "title", "left", "match", "right", "term", "category",
               "voice", "speaker", "start_char", "end_char"]]


def assert_same(con, filters: Filters, **kw) -> int:
    new = keyword_in_context(con, filters, **kw)
    old = reference_kwic(con, filters, **kw)
    assert len(new) > 0, f"the case selects no mention, so it checks nothing: {filters} {kw}"
    pd.testing.assert_frame_equal(new.reset_index(drop=True), old.reset_index(drop=True))
    return len(new)


@pytest.fixture(scope="module")
def demo_con(tmp_path_factory):
    corpus = generate_demo_corpus(tmp_path_factory.mktemp("demo"))
    store = tmp_path_factory.mktemp("store") / "demo.duckdb"
    run_pipeline(store, [corpus.articles_path], IngestOptions(outlets=[corpus.outlets_path]), fresh=True)
    con = duckdb.connect(str(store), read_only=True)
    yield con
    con.close()


def store_names(con):
    """The store's outlets (most articles first), its biggest topic, its most used category and term, and
    its first and last day."""
    outlets = [r[0] for r in con.execute("SELECT outlet FROM articles GROUP BY 1 ORDER BY count(*) DESC").fetchall()]
    topic = con.execute("SELECT topic FROM article_topics GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    category, term = con.execute("SELECT category, term FROM mentions GROUP BY ALL ORDER BY count(*) DESC "
                                 "LIMIT 1").fetchone()
    return outlets, topic, category, term, con.execute("SELECT min(day), max(day) FROM articles").fetchone()


def test_demo_store_cells_give_the_old_rows(demo_con):
    con = demo_con
    outlets, topic, category, term, (lo, hi) = store_names(con)
    busiest = con.execute("SELECT date_trunc('week', a.day)::DATE FROM mentions m JOIN articles a USING (article_id) "
                          "WHERE a.outlet = ? AND m.voice = 'outlet' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
                          [outlets[0]]).fetchone()[0]
    week = (busiest, busiest + timedelta(days=6))                 # the outlet's busiest week: a Trends cell
    cases = [
        (Filters(), dict(outlet=outlets[0], period_start=week[0], period_end=week[1])),      # a Trends cell
        (Filters(), dict(period_start=week[0], period_end=week[1])),                        # pooled cell
        (Filters(outlets=tuple(outlets[:2])), dict(period_start=lo, period_end=hi, limit=7)),
        (Filters(topics=(topic,)), dict(outlet=outlets[1])),
        (Filters(categories=(category,)), dict(outlet=outlets[0], limit=100_000)),           # outlet x category
        (Filters(voice="all", start=week[0]), dict(width=15, limit=500)),
        (Filters(voice="quoted"), dict(limit=50)),
        (Filters(copies="once", start=week[0]), dict(outlet=outlets[-1])),
        (Filters(), dict(term=term, limit=100_000, width=0)),
        (Filters(voice="all"), dict(limit=100_000)),                                        # every mention
    ]
    sizes = [assert_same(con, f, **kw) for f, kw in cases]
    assert sizes[2] == 7                             # the limit cuts
    assert sizes[-1] == con.execute("SELECT count(*) FROM mentions m JOIN articles a USING (article_id) "
                                    "WHERE a.day IS NOT NULL").fetchone()[0] > 1000


def test_contexts_count_characters_beyond_ascii_as_python_does(tmp_path):
    lexicon = tmp_path / "lex.csv"
    lexicon.write_text("term,category\nregime,delegitimising\n", encoding="utf-8")
    articles = tmp_path / "a.csv"
    pd.DataFrame({"id": ["r1", "r2", "r3"], "outlet": ["Outlet Ä", "Outlet Ä", "Outlet B"],
                  "published": ["2026-03-01", "2026-03-01", "2026-03-02"],
                  "body": ["Ünïcödé 🚀🚀 — «the regime» said 中文 again; the regime ✓ replied ü.",
                           "regime",
                           "Plain text then the regime at the end regime"]}).to_csv(articles, index=False)
    store = tmp_path / "s.duckdb"
    run_pipeline(store, [articles], IngestOptions(), ScoreOptions(lexicons=[lexicon]), fresh=True)
    with duckdb.connect(str(store), read_only=True) as con:
        for width in (0, 3, 12, 80):
            assert assert_same(con, Filters(voice="all"), width=width) == 5
        lines = keyword_in_context(con, Filters(voice="all"), width=12)
    assert "é 🚀🚀 — «the " in set(lines["left"]) and " ✓ replied ü" in set(lines["right"])   # 12 characters
    assert ((lines["left"] == "") & (lines["right"] == "")).sum() == 1            # a text that is the match alone


@pytest.mark.parametrize("shown", [1, 2, 3, 7, 10, 11, 200, 201])
def test_spread_positions_are_those_of_spread_rows(shown):
    """The SQL test of a position (numpy's ``linspace`` in doubles, rounded half to even) picks what
    ``spread_rows`` picks, for every count up to 1,500 (ties at .5 included: e.g. 16 rows, 11 shown)
    and for larger ones."""
    counts = [*range(1500), *np.random.default_rng(shown).integers(1500, 300_000, 12).tolist(), 199 * 500 + 1]
    with duckdb.connect() as con:
        got = dict(con.execute(f"SELECT n, list(pos ORDER BY pos) FROM (SELECT n, unnest(range(n)) AS pos FROM "
                               f"(SELECT unnest(?::BIGINT[]) AS n)) WHERE {_spread_condition(shown)} GROUP BY n",
                               [counts]).fetchall())
    for n in counts:
        want = spread_rows(pd.DataFrame(index=range(n)), shown).index.tolist()
        assert got.get(n, []) == want, (n, shown)


def test_spread_positions_round_half_to_even():
    """16 rows, 11 shown: ``linspace`` gives 0, 1.5, 3, 4.5, ... 15; numpy rounds each .5 to the even side."""
    with duckdb.connect() as con:
        got = [r[0] for r in con.execute("SELECT pos FROM (SELECT 16 AS n, unnest(range(16)) AS pos) "
                                         f"WHERE {_spread_condition(11)} ORDER BY pos").fetchall()]
    assert got == [0, 2, 3, 4, 6, 8, 9, 10, 12, 14, 15]


def test_spread_condition_needs_a_line():
    with pytest.raises(ValueError, match="shown must be at least 1, not 0"):
        _spread_condition(0)


def test_spread_lines_are_spread_rows_of_every_line(demo_con):
    """On screen, a cell's lines are spread_rows of all its lines (the old full read, here the query of
    before 9c82c26), for cells big and small, pooled and per outlet, and the count is all of them."""
    con = demo_con
    outlets, topic, category, term, (lo, hi) = store_names(con)
    month = (date(lo.year, lo.month, 1), date(lo.year, lo.month, 28))
    quiet = con.execute("SELECT a.day FROM mentions m JOIN articles a USING (article_id) WHERE a.outlet = ? "
                        "AND m.voice = 'outlet' AND a.day IS NOT NULL GROUP BY 1 ORDER BY count(*), 1 LIMIT 1",
                        [outlets[0]]).fetchone()[0]
    cases = [
        (Filters(), dict(outlet=outlets[0], period_start=month[0], period_end=month[1])),    # a Trends cell
        (Filters(), dict(period_start=month[0], period_end=month[1])),                      # pooled cell
        (Filters(), {}),                                                                    # everything
        (Filters(outlets=tuple(outlets[:2])), dict(period_start=lo, period_end=hi, width=7)),
        (Filters(topics=(topic,)), dict(outlet=outlets[1])),
        (Filters(categories=(category,)), dict(outlet=outlets[0])),                         # outlet x category
        (Filters(voice="all", start=month[0]), dict(width=15)),
        (Filters(voice="quoted"), {}),
        (Filters(voice="attributed"), dict(outlet=outlets[-1])),
        (Filters(copies="once", start=month[0]), dict(outlet=outlets[-1])),
        (Filters(copies="none"), dict(period_start=month[0], period_end=month[1])),
        (Filters(), dict(term=term, width=0)),
        (Filters(outlets=(outlets[0],), start=quiet, end=quiet), {}),                        # one day: small
    ]
    counts = []
    for f, kw in cases:
        every = reference_kwic(con, f, limit=10**9, **kw)
        for shown in (200, 7, 2, 1):
            lines, n = keyword_in_context_spread(con, f, shown=shown, **kw)
            assert n == len(every) > 0, (f, kw)
            pd.testing.assert_frame_equal(lines.reset_index(drop=True), spread_rows(every, shown).reset_index(drop=True))
        counts.append(len(every))
    assert min(counts) <= 7 and max(counts) > 1000 and sum(200 < c for c in counts) >= 5   # small and big cells


def test_spread_of_a_cell_without_mentions_is_empty(demo_con):
    lines, n = keyword_in_context_spread(demo_con, Filters(topics=("no such topic",)))
    assert n == 0 and lines.empty
    assert list(lines.columns) == list(keyword_in_context(demo_con, Filters(), limit=1).columns)
