from pipelines.ingest import IngestOptions
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.storage import connect


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
