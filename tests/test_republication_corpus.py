"""Republication and topic discovery on real corpora (../shared/corpora; skipped when absent).

Chinese state media vs BBC headlines 2022: Xinhua's headlines reappear at China Daily, CGTN and
Global Times, usually a few hours later. KCNA 2024 full texts: NMF proposes topics whose
definitions match their own representative articles.
"""

from __future__ import annotations

import duckdb
import pytest

from pipelines.ingest import IngestOptions, ingest_files
from pipelines.republication import cluster_summary, copy_shares, republication_flows, republished_copies
from pipelines.rollups import Filters
from pipelines.syndication import find_clusters
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
