"""Republication and topic discovery on real corpora (../shared/corpora; skipped when absent).

Chinese state media vs BBC headlines 2022: Xinhua's headlines reappear at China Daily, CGTN and
Global Times, usually a few hours later. KCNA 2024 and RUWA: an outlet's repeated short texts (photo
captions, a recurring headline) are no copies. KCNA 2024 full texts: NMF proposes topics whose
definitions match their own representative articles.
"""

from __future__ import annotations

import duckdb
import pytest

from pipelines.ingest import IngestOptions, ingest_files
from pipelines.republication import cluster_summary, copy_shares, republication_flows, republished_copies
from pipelines.rollups import Filters
from pipelines.syndication import MIN_OWN_WORDS, find_clusters
from pipelines.text import matching_copy
from pipelines.topic_discovery import discover_topics
from pipelines.topics import TopicDef, TopicMatcher
from tests.conftest import corpus_dir

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def headlines():
    path = corpus_dir("cn_state_vs_bbc_headlines_2022") / "headlines.csv"
    articles = ingest_files([path], IngestOptions(), run_id="test-repub").articles
    con = duckdb.connect()
    con.register("articles", articles)
    con.register("article_clusters", find_clusters(articles))
    yield con
    con.close()


def test_state_media_republish_xinhua_headlines(headlines):
    copies = republished_copies(headlines, Filters(voice="all"))
    flows = republication_flows(copies).set_index(["first_outlet", "outlet"])
    for copier in ("China Daily", "CGTN", "Global Times"):
        assert flows.loc[("Xinhua", copier), "n_copies"] >= 100, copier      # 544, 381, 293 when written
        assert 0 < flows.loc[("Xinhua", copier), "median_lag_hours"] < 24, copier
    assert ("Xinhua", "BBC News") not in flows.index and ("BBC News", "Xinhua") not in flows.index
    later = copies[~copies["is_first"]]
    assert flows["n_copies"].sum() == len(later)
    clusters = cluster_summary(copies)
    assert clusters["n_copies"].sum() == len(copies) and clusters["cluster_id"].is_unique
    shares = copy_shares(headlines, Filters(voice="all"), copies).set_index("outlet")
    assert shares.loc["BBC News", "n_copies"] == 0
    assert shares.loc["China Daily", "share"] > shares.loc["Xinhua", "share"]   # China Daily copies more
    assert (shares["share_low"] <= shares["share"]).all() and (shares["share"] <= shares["share_high"]).all()


def test_headlines_of_one_outlet_never_share_a_cluster(headlines):
    """Every text here is a headline (under 25 words): an outlet repeating its own headline is no copy, so no
    cluster holds two articles of one outlet (before the rule: 574 such later copies, Xinhua 294, BBC 150)."""
    copies = republished_copies(headlines, Filters(voice="all"))
    assert not copies.duplicated(["cluster_id", "outlet"]).any()
    assert (copies.loc[~copies["is_first"], "outlet"] != copies.loc[~copies["is_first"], "first_outlet"]).all()


def _clusters_with_text(articles):
    clusters = find_clusters(articles)
    return clusters.merge(articles[["article_id", "outlet", "title", "text", "text_origin", "n_words"]],
                          on="article_id")


def _own_short_repeats(clustered) -> int:
    """Clustered articles sharing their cluster with another article of their outlet, one of them short."""
    short = clustered.groupby(["cluster_id", "outlet"])["n_words"].transform("min") < MIN_OWN_WORDS
    return int((clustered.duplicated(["cluster_id", "outlet"], keep=False) & short).sum())


def test_kcna_repeated_photo_captions_are_no_copies():
    """KCNA's photo items have no body (their text is the title); six captions came back on later items
    ("DPRK Foreign Minister Leaves for Russia" in September and October) and were counted as copies."""
    path = corpus_dir("kcna_2024") / "kcna_articles.csv"
    articles = ingest_files([path], IngestOptions(topic_column="topics"), run_id="test-kcna-captions").articles
    captions = articles[articles["text"] == "DPRK Foreign Minister Leaves for Russia"]
    assert len(captions) == 2 and (captions["text_origin"] != "body").all()
    without_rule = articles.merge(find_clusters(articles, min_own_words=0), on="article_id")
    assert without_rule["cluster_id"].nunique() >= 6 and set(captions["article_id"]) <= set(without_rule["article_id"])
    assert (without_rule["text_origin"] != "body").all()          # every one of them a caption
    clustered = _clusters_with_text(articles)
    assert _own_short_repeats(clustered) == 0
    assert not set(captions["article_id"]) & set(clustered["article_id"])


def test_ruwa_recurring_headline_is_no_copy_and_the_copy_at_another_outlet_stays():
    """RUWA's records are a headline and a lead; Reuters' "Ukraine and Russia: What you need to know right
    now" (16 articles, headline only) was one cluster of 15 copies. Ukrinform's text at Censor.net stays a copy."""
    path = corpus_dir("ruwa_ukraine_war_2022") / "ruwa_dev.csv"
    articles = ingest_files([path], IngestOptions(topic_column="event"), run_id="test-ruwa-repub").articles
    recurring = articles[(articles["outlet"] == "Reuters")
                         & (articles["text"] == "Ukraine and Russia: What you need to know right now")]
    assert len(recurring) >= 10
    without_rule = find_clusters(articles, min_own_words=0)
    assert without_rule.set_index("article_id").loc[recurring["article_id"], "cluster_id"].nunique() == 1
    clustered = _clusters_with_text(articles)
    assert _own_short_repeats(clustered) == 0
    assert not set(recurring["article_id"]) & set(clustered["article_id"])
    copied = clustered[clustered["text"].str.contains("U.S. senators introduce bill to help Ukraine", regex=False)]
    assert sorted(copied["outlet"]) == ["Censor.net", "Ukrinform"] and copied["syndicated"].all()
    assert len(clustered) < len(without_rule) / 2                 # 6 of 39 clustered articles when written


def test_kcna_topics_match_their_representative_articles():
    path = corpus_dir("kcna_2024") / "kcna_articles.csv"
    articles = ingest_files([path], IngestOptions(topic_column="topics"), run_id="test-topics").articles
    found = discover_topics(articles, 8)
    assert len(found.topics) == 8 and (found.topics["n_articles"] > 0).all()
    assert found.topics["n_articles"].sum() + (found.assignments["topic"] == 0).sum() == found.n_used
    by_id = articles.set_index("article_id")
    matcher = TopicMatcher([TopicDef(str(t), q) for t, q in zip(found.topics["topic"], found.topics["query"])]).fit()
    for t in found.topics["topic"]:
        reps = found.articles.loc[found.articles["topic"] == t, "article_id"]
        hits = [str(t) in matcher.topics_of(matching_copy(by_id.loc[a, "title"] or "")[0],
                                            matching_copy(by_id.loc[a, "text"])[0]) for a in reps]
        assert sum(hits) >= 4, (t, found.topics.set_index("topic").loc[t, "top_terms"])
