from datetime import date

import duckdb
import pandas as pd
import pytest

from pipelines.aggregate import DAILY_CHUNK_ARTICLES, DAILY_CHUNK_ROWS, build_daily, daily_chunks
from pipelines.ingest import IngestOptions
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.schemas import ALL, ALL_TOPICS, VOICES
from pipelines.storage import _configure, connect, ensure_tables
from tests.dashboard.store_factory import build_store, build_tables


def test_daily_has_numerators_denominators_and_exact_totals(tmp_path):
    data = tmp_path / "a.csv"
    data.write_text('outlet,date,topic,body\n'
                    'A,2026-03-02,x;y,"The regime fell. “The regime must go,” said Ann Lee."\n'
                    'A,2026-03-02,x,"Calm day."\n'
                    'B,2026-03-03,,"War games began."\n'
                    'B,not a date,,"The regime again."\n')
    lexicon = tmp_path / "lex.csv"
    lexicon.write_text("term,category\nregime,delegitimising\nwar games,militarised\n")
    store = tmp_path / "s.duckdb"
    run_pipeline(store, [data], IngestOptions(topic_column="topic"), ScoreOptions(lexicons=[lexicon]), fresh=True)
    con = connect(store)
    d = con.execute("SELECT * FROM daily").df().set_index(["outlet", "topic", "day", "category", "voice"])
    day = next(iter(sorted({k[2] for k in d.index if k[0] == "A"})))
    total = d.loc[("A", "(all topics)", day, "all", "all")]
    assert (total["n_articles"], total["n_mentions"], total["n_articles_with_mention"]) == (2, 2, 1)
    assert d.loc[("A", "x", day, "all", "all"), "n_articles"] == 2       # topic x: both articles
    assert d.loc[("A", "y", day, "all", "all"), "n_articles"] == 1
    quoted = d.loc[("A", "(all topics)", day, "delegitimising", "quoted")]
    assert (quoted["n_mentions"], quoted["n_articles_with_mention"]) == (1, 1)
    assert quoted["n_words"] == 4                                          # words inside the quotation
    zero = d.loc[("A", "(all topics)", day, "militarised", "all")]
    assert (zero["n_articles"], zero["n_mentions"]) == (2, 0)              # zero rows are present
    voices = [d.loc[("A", "(all topics)", day, "all", v), "n_words"] for v in ("outlet", "quoted", "attributed")]
    assert sum(voices) == total["n_words"]
    # The undated article of B is kept in articles but left out of daily.
    assert con.execute("SELECT count(*) FROM articles WHERE outlet = 'B'").fetchall()[0][0] == 2
    assert d.xs(("B", "(all topics)"), level=("outlet", "topic")).xs(("all", "all"), level=("category", "voice"))[
        "n_articles"].sum() == 1
    con.close()


def _daily_by_hand(tables) -> "pd.DataFrame":
    """``daily`` recomputed in pandas from the article-level tables, article by article."""
    art = tables["articles"].dropna(subset=["day"])[["article_id", "outlet", "day", "n_words"]]
    top = pd.concat([tables["article_topics"][["article_id", "topic"]],
                     art[["article_id"]].assign(topic=ALL_TOPICS)])
    base = art.merge(top, on="article_id")
    words = pd.concat([tables["article_scores"][["article_id", "voice", "n_words"]],
                       art[["article_id", "n_words"]].assign(voice=ALL)])
    words = words.set_index(["article_id", "voice"])["n_words"].to_dict()
    men = tables["mentions"]
    counts: dict = {}
    for a, c, v in zip(men["article_id"], men["category"], men["voice"]):
        for key in ((a, c, v), (a, c, ALL), (a, ALL, v), (a, ALL, ALL)):
            counts[key] = counts.get(key, 0) + 1
    lex = tables["lexicon"]
    cats = sorted({*lex.loc[~lex["ignore"].astype(bool), "category"], ALL})
    rows = []
    for (outlet, topic, day), cell in base.groupby(["outlet", "topic", "day"]):
        ids = list(cell["article_id"])
        for c in cats:
            for v in (*VOICES, ALL):
                found = [counts[(a, c, v)] for a in ids if (a, c, v) in counts]
                rows.append(dict(outlet=outlet, topic=topic, day=day, category=c, voice=v, n_articles=len(ids),
                                 n_words=sum(words.get((a, v), 0) for a in ids), n_mentions=sum(found),
                                 n_articles_with_mention=len(found)))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("max_articles", [1, 2, DAILY_CHUNK_ARTICLES])
def test_daily_equals_the_sums_taken_article_by_article(tmp_path, max_articles):
    """Every row of ``daily`` (full grid of categories and voices, zero rows included) equals the
    per-article sums done by hand, on a store with several topics, voices, categories and an undated
    article, whatever the number of articles aggregated at a time (one day's articles per span too)."""
    tables = build_tables()
    store = build_store(tmp_path / "s.duckdb")
    con = connect(store, read_only=False)
    n = build_daily(con, max_articles)
    got = con.execute("SELECT * FROM daily ORDER BY outlet, topic, day, category, voice").df()
    con.close()
    want = _daily_by_hand(tables).sort_values(["outlet", "topic", "day", "category", "voice"]).reset_index(drop=True)
    assert n == len(want) == len(got)
    assert len(set(zip(got["topic"], got["voice"], got["category"]))) > 12     # the check spans the grid
    assert got["n_mentions"].sum() > 0 and (got["n_mentions"] == 0).any()
    for col in ("outlet", "topic", "category", "voice"):
        assert list(got[col]) == list(want[col]), col
    assert [str(d)[:10] for d in got["day"]] == [str(d)[:10] for d in want["day"]]
    for col in ("n_articles", "n_words", "n_mentions", "n_articles_with_mention"):
        assert got[col].astype(int).tolist() == want[col].astype(int).tolist(), col


def _cells_in(per_day, span):
    """The (outlet, day) cells of *per_day* inside *span*, in (outlet, day) order."""
    first, last = (span[0], pd.Timestamp(span[1])), (span[2], pd.Timestamp(span[3]))
    return [(o, d, n) for o, d, n in zip(per_day["outlet"], per_day["day"], per_day["n"]) if first <= (o, d) <= last]


def test_daily_chunks_cover_every_dated_article_once_in_whole_days(tmp_path):
    con = _synthetic_store(tmp_path / "s.duckdb", outlets=2, days=9, per_day=3)
    con.execute("UPDATE articles SET day = NULL WHERE article_id IN ('a0', 'a5')")      # undated: in no span
    per_day = con.execute("SELECT outlet, day, count(*) AS n FROM articles WHERE day IS NOT NULL "
                          "GROUP BY ALL ORDER BY outlet, day").df()
    for cap in (1, 2, 3, 7, 10**9):
        spans = daily_chunks(con, cap)
        covered = []
        for span in spans:
            inside = _cells_in(per_day, span)
            assert sum(n for *_, n in inside) <= cap or len(inside) == 1, (cap, span)  # a day is never split
            covered += [(o, d) for o, d, _ in inside]
        assert covered == list(zip(per_day["outlet"], per_day["day"]))             # each day once, in order
    # Outlet 0: days 1-3 hold 8 articles (one undated), 4-6 and 7-9 hold 9; outlet 1 the same.
    assert [(s[0], s[2]) for s in daily_chunks(con, 9)] == [("Outlet 0", "Outlet 0")] * 3 + [("Outlet 1", "Outlet 1")] * 3
    assert daily_chunks(con, 10**9) == [("Outlet 0", date(2022, 1, 1), "Outlet 1", date(2022, 1, 9))]  # one span
    for bounds in ((0, 10), (10, 0)):
        with pytest.raises(ValueError, match="at least 1"):
            daily_chunks(con, *bounds)
    con.close()


def test_daily_spans_run_across_outlets_so_many_small_outlets_take_few(tmp_path):
    """One span per outlet read the whole mentions table once an outlet, so many small outlets took
    several times as long as one pass. Spans run across outlets, so their number follows the articles."""
    con = _synthetic_store(tmp_path / "s.duckdb", outlets=400, days=5, per_day=1)
    assert len(daily_chunks(con, 500)) == 4                                            # 2,000 articles
    # Each (outlet, day) holds one article in 3 topics: 4 x 11 categories x 4 voices = 176 rows of daily.
    assert len(daily_chunks(con, 10**9, max_rows=176 * 100)) == 20                     # 100 days a span
    assert len(daily_chunks(con, 10**9, max_rows=1)) == 2000                           # a day is never split
    got = {}
    for cap in (500, 7, 10**9):
        build_daily(con, cap)
        got[cap] = con.execute("SELECT * FROM daily ORDER BY ALL").df()
    con.close()
    assert len(got[500]) == 400 * 5 * 4 * 11 * 4        # outlets x days x (3 topics + all) x categories x voices
    pd.testing.assert_frame_equal(got[500], got[10**9])
    pd.testing.assert_frame_equal(got[7], got[10**9])


def _synthetic_store(path, outlets=1, days=1461, per_day=4) -> duckdb.DuckDBPyConnection:
    """*outlets* outlets with *per_day* articles a day each for *days* days, of 600 words, each in three
    of nine topics and with eight mentions (in ten categories and three voices). One outlet over four
    years: 5,844 articles and a ``daily`` grid of about 450,000 rows."""
    con = duckdb.connect(str(path))
    ensure_tables(con)
    n = outlets * days * per_day
    con.execute(f"""INSERT INTO articles (article_id, outlet, day, text, text_origin, source_file, n_words,
                                          n_copies, text_hash, run_id)
                    SELECT 'a' || i, 'Outlet ' || (i % {outlets}),
                           DATE '2022-01-01' + (i // {outlets * per_day})::INTEGER, 'x', 'text', 'f',
                           600, 1, 'h' || i, 'r' FROM range({n}) t(i)""")
    con.execute(f"INSERT INTO article_topics SELECT 'a' || i, 'topic ' || ((i + k) % 9), 'query' "
                f"FROM range({n}) t(i), range(3) u(k)")
    con.execute(f"INSERT INTO article_scores SELECT 'a' || i, v, 200, 2 FROM range({n}) t(i), "
                "(VALUES ('outlet'), ('quoted'), ('attributed')) w(v)")
    con.execute(f"""INSERT INTO mentions (article_id, start_char, end_char, text, term, category, voice)
                    SELECT 'a' || i, k, k + 1, 't', 't', 'cat ' || ((i + k) % 10),
                           ['outlet', 'quoted', 'attributed'][1 + k % 3] FROM range({n}) t(i), range(8) u(k)""")
    con.execute("INSERT INTO lexicon (term, category, ignore, source) "
                "SELECT 't' || c, 'cat ' || c, false, 'x' FROM range(10) t(c)")
    return con


def test_daily_in_spans_fits_a_memory_limit_the_whole_store_at_once_does_not(tmp_path):
    """The store's tables in one pass ran out of DuckDB's memory limit (in a 100,000-article run at
    512 MB; here a 5,844-article store at 32 MB); spans of 200 articles build the same table within it.
    (Measured with DuckDB 2.0.1: should a later DuckDB build the one pass within 32 MB, the first
    assertion fails, and the store or the limit needs retuning so that the test still shows a bound.)"""
    path = tmp_path / "s.duckdb"
    _synthetic_store(path).close()

    def build(max_articles, max_rows=DAILY_CHUNK_ROWS):
        con = _configure(duckdb.connect(str(path)))
        con.execute("SET threads = 2")
        con.execute("SET memory_limit = '32MB'")
        try:
            cells = con.execute("SELECT count(DISTINCT (a.day, t.topic)) FROM articles a "
                                "JOIN article_topics t USING (article_id)").fetchone()[0] + con.execute(
                "SELECT count(DISTINCT day) FROM articles").fetchone()[0]                   # + (all topics)
            return build_daily(con, max_articles, max_rows), cells, con.execute(
                "SELECT sum(n_articles), sum(n_words), sum(n_mentions), sum(n_articles_with_mention) FROM daily "
                "WHERE category = 'all' AND voice = 'all' AND topic = '(all topics)'").fetchone()
        finally:
            con.close()

    with pytest.raises(duckdb.OutOfMemoryException):
        build(10**9, 10**12)                             # one pass
    rows, cells, sums = build(200)
    assert rows == cells * 11 * 4                        # days x topics, x (10 categories + all) x 4 voices
    assert sums == (5844, 5844 * 600, 5844 * 8, 5844)
