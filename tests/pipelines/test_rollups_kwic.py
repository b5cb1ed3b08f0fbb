"""keyword_in_context (the evidence lines under a chart cell) gives the rows, order and contexts of
the query it replaced (before 9c82c26: every mention of the selection joined with its article text,
sorted, contexts cut in Python), on the demo store and on texts beyond ASCII."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

from pipelines.demo import generate_demo_corpus
from pipelines.ingest import IngestOptions
from pipelines.rollups import Filters, _mention_conditions, _selection_sql, keyword_in_context
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


def test_demo_store_cells_give_the_old_rows(demo_con):
    con = demo_con
    outlets = [r[0] for r in con.execute("SELECT outlet FROM articles GROUP BY 1 ORDER BY count(*) DESC").fetchall()]
    topic = con.execute("SELECT topic FROM article_topics GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    category, term = con.execute("SELECT category, term FROM mentions GROUP BY ALL ORDER BY count(*) DESC "
                                 "LIMIT 1").fetchone()
    lo, hi = con.execute("SELECT min(day), max(day) FROM articles").fetchone()
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
