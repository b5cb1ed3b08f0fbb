import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from pipelines.ingest import IngestOptions
from pipelines.rollups import POOLED, Filters, add_measures, outlet_category_matrix, trend, wilson_interval
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.storage import connect
from tests.conftest import case_dir


@pytest.fixture
def regime_lexicon(tmp_path):
    path = tmp_path / "lex.csv"
    path.write_text("term,category\nregime,delegitimising\nwar games,militarised\n")
    return path


def build(tmp_path, inputs, lexicon, **ingest):
    store = tmp_path / "s.duckdb"
    run_pipeline(store, inputs, IngestOptions(**ingest), ScoreOptions(lexicons=[lexicon]), fresh=True)
    return connect(store)


@pytest.mark.parametrize("k, n, low, high", [
    (0, 10, 0.0, 0.2775),
    (5, 10, 0.2366, 0.7634),
    (10, 10, 0.7225, 1.0),
    (1, 1000, 0.00018, 0.00565),
])
def test_wilson_interval_matches_published_values(k, n, low, high):
    lo, hi = wilson_interval([k], [n])
    assert lo[0] == pytest.approx(low, abs=1e-4) and hi[0] == pytest.approx(high, abs=1e-4)


def test_no_articles_is_a_gap_not_a_zero():
    df = add_measures(pd.DataFrame({"n_articles": [0, 4], "n_words": [0, 100], "n_mentions": [0, 2],
                                    "n_articles_with_mention": [0, 1]}))
    assert math.isnan(df["share"][0]) and math.isnan(df["rate_per_1k"][0]) and math.isnan(df["share_low"][0])
    assert df["share"][1] == 0.25 and df["rate_per_1k"][1] == 20.0


def test_c12_shares_are_normalised_and_pooled_from_sums(tmp_path, regime_lexicon):
    con = build(tmp_path, [case_dir("C12") / "articles.csv"], regime_lexicon)
    f = Filters(voice="all")
    t = trend(con, f, "day")
    a = t[t["outlet"] == "Outlet A"]
    b = t[t["outlet"] == "Outlet B"]
    assert a["n_mentions"].tolist() == [2, 2] and b["n_mentions"].tolist() == [1, 2]          # raw counts
    assert a["share"].round(2).tolist() == [0.50, 0.20] and b["share"].tolist() == [0.5, 1.0]  # shares
    pooled = trend(con, f, "day", pooled=True)
    assert pooled["outlet"].unique().tolist() == [POOLED]
    assert pooled["share"].round(3).tolist() == [0.5, 0.333]      # 3/6 and 4/12, not the mean of ratios 0.60
    assert pooled["n_articles"].tolist() == [6, 12] and pooled["n_articles_with_mention"].tolist() == [3, 4]


def test_c13_collector_outage_is_missing_and_empty_collected_day_is_zero(tmp_path, regime_lexicon):
    case = case_dir("C13")
    con = build(tmp_path, [case / "articles.csv"], regime_lexicon, coverage=[case / "coverage.csv"])
    t = trend(con, Filters(voice="all", start=date(2026, 3, 1), end=date(2026, 3, 6)), "day")
    assert t["period"].dt.day.tolist() == [1, 2, 3, 4, 5, 6]                          # ascending, complete
    hits = [None if pd.isna(x) else int(x) for x in t["n_mentions"]]
    assert hits == [1, 2, None, 0, 1, 0]
    share = [None if pd.isna(x) else round(x, 3) for x in t["share"]]
    assert share == [0.333, 1.0, None, 0.0, 0.5, None]
    assert t["status"].tolist() == ["ok", "ok", "not collected", "ok", "ok", "no articles"]
    assert t["collected"].tolist() == [True, True, False, True, True, True]


def test_gap_without_coverage_information(tmp_path, regime_lexicon):
    p = tmp_path / "a.csv"
    p.write_text("outlet,date,body\nA,2026-03-02,The regime fell.\nA,2026-03-16,Calm day.\n")
    con = build(tmp_path, [p], regime_lexicon)
    t = trend(con, Filters(voice="all"), "week")
    assert t["n_articles"].tolist() == [1, 0, 1]
    assert t["status"].tolist() == ["ok", "no data", "ok"]
    assert np.isnan(t["rate_per_1k"][1]) and np.isnan(t["n_mentions"][1])


def test_voice_denominators_and_topics_counted_once(tmp_path, regime_lexicon):
    p = tmp_path / "a.csv"
    p.write_text('outlet,date,topic,body\n'
                 'A,2026-03-02,x;y,"The regime fell. “The regime must go,” said Ann Lee."\n'
                 'A,2026-03-03,x,"Calm day, nothing else to see here."\n')
    con = build(tmp_path, [p], regime_lexicon, topic_column="topic")
    both = trend(con, Filters(voice="all", topics=("x", "y")), "month")
    assert both["n_articles"].tolist() == [2]          # the article with both topics counts once
    outlet = trend(con, Filters(voice="outlet"), "month")
    quoted = trend(con, Filters(voice="quoted"), "month")
    assert outlet["n_mentions"].tolist() == [1] and quoted["n_mentions"].tolist() == [1]
    assert quoted["n_words"].tolist() == [4]            # words inside the quotation only
    assert outlet["n_words"][0] + quoted["n_words"][0] + trend(con, Filters(voice="attributed"), "month")[
        "n_words"][0] == trend(con, Filters(voice="all"), "month")["n_words"][0]


def test_daily_table_agrees_with_rollups(tmp_path, regime_lexicon):
    con = build(tmp_path, [case_dir("C12") / "articles.csv"], regime_lexicon)
    daily = con.execute("SELECT outlet, day, n_articles, n_articles_with_mention FROM daily "
                        "WHERE topic = '(all topics)' AND category = 'all' AND voice = 'all' ORDER BY 1, 2").df()
    t = trend(con, Filters(voice="all"), "day")
    assert daily["n_articles"].tolist() == t["n_articles"].tolist()
    assert daily["n_articles_with_mention"].tolist() == t["n_articles_with_mention"].tolist()


def test_outlet_category_matrix_has_zero_cells(tmp_path, regime_lexicon):
    con = build(tmp_path, [case_dir("C12") / "articles.csv"], regime_lexicon)
    m = outlet_category_matrix(con, Filters(voice="all"))
    assert set(m["category"]) == {"delegitimising", "militarised"}
    cell = m.set_index(["outlet", "category"])
    assert cell.loc[("Outlet A", "militarised"), "n_mentions"] == 0
    assert cell.loc[("Outlet A", "delegitimising"), "n_articles_with_mention"] == 4
    assert cell.loc[("Outlet A", "delegitimising"), "n_articles"] == 14


def test_selected_outlet_without_articles_in_range_is_a_gap(tmp_path, regime_lexicon):
    p = tmp_path / "a.csv"
    p.write_text("outlet,date,body\nA,2026-03-02,The regime fell.\nB,2026-04-20,Calm day.\n")
    con = build(tmp_path, [p], regime_lexicon)
    t = trend(con, Filters(voice="all", outlets=("A", "B"), start=date(2026, 3, 2), end=date(2026, 3, 8)), "week")
    assert t["outlet"].tolist() == ["A", "B"]
    assert t["status"].tolist() == ["ok", "no data"] and np.isnan(t["rate_per_1k"][1])


def test_article_count_is_the_untruncated_article_list(tmp_path, regime_lexicon):
    from pipelines.rollups import article_count, article_list

    p = tmp_path / "a.csv"
    p.write_text("outlet,date,body\nA,2026-03-02,The regime fell.\nA,2026-03-03,Calm day.\n"
                 "B,2026-03-03,Another regime day.\nB,,No date here.\n")
    con = build(tmp_path, [p], regime_lexicon)
    for f, expected in [(Filters(voice="all"), 3), (Filters(voice="all", outlets=("B",)), 1),
                        (Filters(voice="all", start=date(2026, 3, 3)), 2)]:
        assert article_count(con, f) == expected == len(article_list(con, f, limit=1000))
    assert len(article_list(con, Filters(voice="all"), limit=2)) == 2          # the list is truncated,
    assert article_count(con, Filters(voice="all")) == 3                        # the count is not


def test_selected_outlet_with_no_articles_at_all_in_range_still_gets_gap_rows(tmp_path, regime_lexicon):
    p = tmp_path / "a.csv"
    p.write_text("outlet,date,body\nA,2026-03-02,The regime fell.\n")
    con = build(tmp_path, [p], regime_lexicon)
    t = trend(con, Filters(voice="all", outlets=("A",), start=date(2026, 4, 1), end=date(2026, 5, 31)), "month")
    assert t["period"].dt.month.tolist() == [4, 5]
    assert t["status"].tolist() == ["no data", "no data"] and t["rate_per_1k"].isna().all()


def test_c11_excluding_wire_copies(tmp_path):
    lexicon = tmp_path / "lex.csv"
    lexicon.write_text("term,category\nwar games,militarised\n")
    con = build(tmp_path, [case_dir("C11") / "articles.csv"], lexicon)
    from pipelines.rollups import article_list
    with_copies = outlet_category_matrix(con, Filters(voice="all")).set_index("outlet")["n_articles_with_mention"]
    assert with_copies.to_dict() == {"Outlet A": 1, "Outlet B": 1, "Outlet C": 1, "Outlet D": 1}
    without = outlet_category_matrix(con, Filters(voice="all", copies="none"))
    assert without.set_index("outlet")["n_articles_with_mention"].to_dict() == {"Outlet D": 1}
    once = outlet_category_matrix(con, Filters(voice="all", copies="once"))  # w1 (first, Outlet A) stays
    assert once.set_index("outlet")["n_articles_with_mention"].to_dict() == {"Outlet A": 1, "Outlet D": 1}
    listed = article_list(con, Filters(voice="all"))
    wire = listed[listed["syndicated"]]
    assert sorted(wire["outlet"]) == ["Outlet A", "Outlet B", "Outlet C"] and wire["cluster_id"].nunique() == 1
    assert listed.loc[~listed["syndicated"], "cluster_id"].isna().all()
    stories = con.execute("SELECT count(DISTINCT coalesce(c.cluster_id, m.article_id)) FROM mentions m "
                          "LEFT JOIN article_clusters c USING (article_id) WHERE m.term = 'war games'").fetchall()
    assert stories[0][0] == 2  # distinct stories using the term: the wire story and o1


def test_c11_cluster_members_of_a_wire_copy(tmp_path):
    from pipelines.rollups import cluster_members

    lexicon = tmp_path / "lex.csv"
    lexicon.write_text("term,category\nwar games,militarised\n")
    con = build(tmp_path, [case_dir("C11") / "articles.csv"], lexicon)
    ids = dict(con.execute("SELECT source_id, article_id FROM articles").fetchall())
    for member in ("w1", "w2", "w3"):
        m = cluster_members(con, ids[member])
        assert m["outlet"].tolist() == ["Outlet A", "Outlet B", "Outlet C"]      # earliest first, w4 folded away
        assert m["is_first"].tolist() == [True, False, False] and m["syndicated"].all()
        assert m["article_id"].iloc[0] == ids["w1"] and ids[member] in m["article_id"].tolist()
    alone = cluster_members(con, ids["o1"])
    assert alone.empty and "published_at" in alone.columns                     # original reporting: no copies
    assert cluster_members(con, "no-such-article").empty


def test_rate_interval_widens_when_mentions_cluster_in_one_article():
    from pipelines.rollups import ratio_interval
    # 10 articles of 100 words; 10 mentions: spread one per article, or all in one article.
    spread = dict(y2=10 * 1, xy=10 * 100, x2=10 * 100 ** 2)
    bunched = dict(y2=10 ** 2, xy=10 * 100, x2=10 * 100 ** 2)
    lo_s, hi_s = ratio_interval([10], [1000], [spread["y2"]], [spread["xy"]], [spread["x2"]], [10])
    lo_b, hi_b = ratio_interval([10], [1000], [bunched["y2"]], [bunched["xy"]], [bunched["x2"]], [10])
    assert lo_s[0] == pytest.approx(0.01) and hi_s[0] == pytest.approx(0.01)   # no spread between articles
    assert hi_b[0] - lo_b[0] > 0.015                                           # bunched: much wider
    df = add_measures(pd.DataFrame({"n_articles": [10, 10], "n_words": [1000, 1000], "n_mentions": [10, 10],
                                    "n_articles_with_mention": [10, 1], "sum_y2": [10, 100],
                                    "sum_xy": [1000, 1000], "sum_x2": [100000, 100000]}))
    wilson_width = df["rate_high"][0] - df["rate_low"][0]
    assert df["rate_high"][1] - df["rate_low"][1] > wilson_width          # never narrower than Wilson
    assert "sum_y2" not in df.columns


@pytest.mark.parametrize("granularity", ["day", "week", "month"])
@pytest.mark.parametrize("voice", ["all", "outlet", "quoted"])
@pytest.mark.parametrize("pooled", [False, True])
def test_trend_cells_are_the_sums_of_the_article_rows(tmp_path, regime_lexicon, granularity, voice, pooled):
    from pipelines.rollups import article_facts, trend_cells
    p = tmp_path / "a.csv"      # two outlets; Monday 2 March and Sunday 8 March share an ISO week, 31 March a month
    p.write_text('outlet,date,body\n'
                 'A,2026-03-02,"The regime fell, the regime rose. “The regime must go,” said Ann Lee."\n'
                 'A,2026-03-08,"Calm day, nothing to see here at all today."\n'
                 'A,2026-03-09,"War games again. The regime held war games."\n'
                 'B,2026-03-08,"“War games,” said Bo. Nothing else here."\n'
                 'B,2026-03-31,"The regime. The regime. The regime said war games."\n'
                 'B,,"Undated regime story."\n')
    con = build(tmp_path, [p], regime_lexicon)
    f = Filters(voice=voice)
    facts = article_facts(con, f)
    floor = {"day": "D", "week": "W-SUN", "month": "M"}[granularity]
    facts["period"] = pd.to_datetime(facts["day"]).dt.to_period(floor).dt.start_time
    facts["outlet"] = POOLED if pooled else facts["outlet"]
    x, y = facts["n_words"].astype(int), facts["n_mentions"].astype(int)
    facts = facts.assign(k=(y > 0).astype(int), y2=y * y, xy=x * y, x2=x * x)
    want = facts.groupby(["outlet", "period"]).agg(
        n_articles=("article_id", "size"), n_words=("n_words", "sum"), n_mentions=("n_mentions", "sum"),
        n_articles_with_mention=("k", "sum"), sum_y2=("y2", "sum"), sum_xy=("xy", "sum"), sum_x2=("x2", "sum"))
    got = trend_cells(con, f, granularity, pooled)
    got = got.assign(period=pd.to_datetime(got["period"])).set_index(["outlet", "period"]).sort_index()
    assert len(got) == len(want) and (got.index == want.index).all()
    for col in want.columns:
        assert got[col].astype(float).tolist() == want[col].astype(float).tolist(), col
    assert got["n_articles"].sum() == 5                       # the undated article is left out
