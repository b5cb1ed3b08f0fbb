import pandas as pd

from pipelines.aggregate import build_daily
from pipelines.ingest import IngestOptions
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.schemas import ALL, ALL_TOPICS, VOICES
from pipelines.storage import connect
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


def test_daily_equals_the_sums_taken_article_by_article(tmp_path):
    """Every row of ``daily`` (full grid of categories and voices, zero rows included) equals the
    per-article sums done by hand, on a store with several topics, voices, categories and an undated article."""
    tables = build_tables()
    store = build_store(tmp_path / "s.duckdb")
    con = connect(store, read_only=False)
    n = build_daily(con)
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
