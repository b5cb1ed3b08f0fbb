"""Topic discovery on a tiny corpus with two obviously separate themes (football, grain shipping)."""

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from pipelines.errors import ConfigError, TopicError
from pipelines.text import matching_copy
from pipelines.topic_discovery import discover_topics, proposal_query, save_topic, save_topics, topic_yaml
from pipelines.topics import BUILTIN_TOPICS, TopicDef, TopicMatcher, parse_query, read_topics
from tests.dashboard.store_factory import build_topic_store, topic_articles


@pytest.fixture(scope="module")
def found():
    return discover_topics(topic_articles(), 2)


def _theme_of(found, word):
    return int(found.terms.loc[found.terms["term"] == word, "topic"].iloc[0])


def test_two_themes_are_recovered(found):
    football, grain = _theme_of(found, "striker"), _theme_of(found, "wheat")
    assert {football, grain} == {1, 2}
    by_article = dict(zip(found.assignments["article_id"], found.assignments["topic"]))
    assert {a for a, t in by_article.items() if t == football} == {"f0", "f1", "f2", "f3"}
    assert {a for a, t in by_article.items() if t == grain} == {"g0", "g1", "g2", "g3"}
    assert found.topics.set_index("topic").loc[[football, grain], "n_articles"].tolist() == [4, 4]
    assert found.topics["share"].tolist() == [0.5, 0.5]
    top = found.topics.set_index("topic")["top_terms"]
    assert {"football", "goal", "league", "striker"} <= set(top[football].split(", "))
    assert {"grain", "wheat", "port", "corridor"} <= set(top[grain].split(", "))
    assert (found.n_selected, found.n_used, found.capped) == (8, 8, False)


def test_same_input_same_proposals(found):
    again = discover_topics(topic_articles(), 2)
    pd.testing.assert_frame_equal(found.topics, again.topics)
    pd.testing.assert_frame_equal(found.terms, again.terms)


def test_generated_queries_parse_and_match_their_representative_articles(found):
    articles = topic_articles().set_index("article_id")
    matcher = TopicMatcher([TopicDef(f"t{t}", q) for t, q in zip(found.topics["topic"], found.topics["query"])]).fit()
    for t in found.topics["topic"]:
        parse_query(found.topics.set_index("topic").loc[t, "query"])
        reps = found.articles.loc[found.articles["topic"] == t, "article_id"]
        assert len(reps) == 4
        for a in reps:
            assert matcher.topics_of(matching_copy(articles.loc[a, "text"])[0]) == [f"t{t}"], a


def test_a_cap_takes_a_fixed_sample():
    one = discover_topics(topic_articles(), 2, max_articles=6)
    two = discover_topics(topic_articles(), 2, max_articles=6)
    assert (one.n_selected, one.n_used, one.capped) == (8, 6, True)
    assert one.assignments["article_id"].tolist() == two.assignments["article_id"].tolist()


@pytest.mark.parametrize("k, n, what", [(1, 8, "too few topics"), (8, 8, "too few articles"),
                                        (3, 4, "too few terms")])
def test_impossible_requests_stop_with_a_clear_error(k, n, what):
    articles = topic_articles()
    if what == "too few terms":   # four identical texts: every term is in every article (max_df drops them)
        articles = articles.iloc[:4].assign(text="Same words every time")
    with pytest.raises(ConfigError, match=what):
        discover_topics(articles.iloc[:n], k)


@pytest.mark.parametrize("terms, query", [
    (["a", "b", "c"], '("a" AND "b") OR ("a" AND "c") OR ("b" AND "c")'),
    (["black", "black sea", "sea", "corridor"], '("black" AND "sea") OR ("black" AND "corridor") OR ("sea" AND "corridor")'),
    (["grain", "wheat"], '"grain" AND "wheat"'),
    (["grain"], '"grain"'),
])
def test_proposal_query_by_hand(terms, query):
    assert proposal_query(terms) == query


def test_proposal_query_takes_six_terms():
    q = proposal_query([f"t{i}" for i in range(10)])
    assert q.count(" OR ") == 14 and '"t6"' not in q      # C(6, 2) = 15 pairs


def test_save_starts_from_the_builtin_topics_and_appends(tmp_path):
    path = tmp_path / "topics.discovered.yaml"
    save_topic(path, "Grain shipping", proposal_query(["grain", "wheat", "port"]))
    names = [t.name for t in read_topics(path)]
    assert names == [t.name for t in read_topics(BUILTIN_TOPICS)] + ["Grain shipping"]
    assert path.read_text().startswith(BUILTIN_TOPICS.read_text().rstrip("\n"))   # comments kept
    save_topic(path, "Football", '"striker" AND "goal"', "Clubs and matches.")
    last = read_topics(path)[-1]
    assert (last.name, last.query, last.description) == ("Football", '"striker" AND "goal"', "Clubs and matches.")


def test_save_refuses_a_duplicate_and_leaves_the_file_alone(tmp_path):
    path = tmp_path / "mine.yaml"
    save_topic(path, "Grain shipping", '"grain"', base=None)
    before = path.read_text()
    with pytest.raises(TopicError, match="a topic named 'Grain shipping' is already defined") as err:
        save_topics(path, [("Wheat", '"wheat"', None), ("Grain shipping", '"port"', None)])
    assert "Fix: choose another name" in str(err.value)
    assert path.read_text() == before                              # nothing written, not even "Wheat"
    with pytest.raises(TopicError, match="already defined"):
        save_topic(tmp_path / "new.yaml", "War in Ukraine", '"kyiv"')  # a built-in name, copied into a new file


@pytest.mark.parametrize("name, problem", [("", "is empty"), ("  ", "is empty"), ("two\nlines", "several lines"),
                                           ("x" * 81, "longer than 80"), ("(no topic)", "is reserved")])
def test_save_refuses_bad_names(tmp_path, name, problem):
    with pytest.raises(TopicError, match=problem):
        save_topic(tmp_path / "t.yaml", name, '"grain"')
    assert not (tmp_path / "t.yaml").exists()


def test_save_refuses_a_query_that_does_not_parse(tmp_path):
    with pytest.raises(TopicError, match="unbalanced double quote"):
        save_topic(tmp_path / "t.yaml", "Broken", '"grain AND wheat')


def test_topic_yaml_is_a_topics_file():
    doc = yaml.safe_load(topic_yaml("Grain: shipping", '"grain" AND "port"'))
    assert doc["topics"][0]["name"] == "Grain: shipping" and doc["topics"][0]["query"] == '"grain" AND "port"'


def test_cli_discover_prints_and_saves(tmp_path):
    from pipelines.cli import main

    store = build_topic_store(tmp_path / "s")
    out = tmp_path / "found.yaml"
    result = CliRunner().invoke(main, ["topics", "discover", "--store", str(store), "-k", "2", "--save-to", str(out),
                                       "--prefix", "Found"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sum(": 4 articles (50.0%)" in line for line in lines[:2]) == 2
    assert "2 topics from 8 of 8 selected articles" in lines[2]
    assert f"--topics {out}" in lines[3]
    assert [t.name for t in read_topics(out)][-2:] == [f"Found 1: {lines[0].split('. ', 1)[1].split(':')[0]}",
                                                       f"Found 2: {lines[1].split('. ', 1)[1].split(':')[0]}"]
    again = CliRunner().invoke(main, ["topics", "discover", "--store", str(store), "-k", "2", "--save-to", str(out),
                                      "--prefix", "Found"])
    assert again.exit_code == 1 and "already defined" in again.output
    small = CliRunner().invoke(main, ["topics", "discover", "--store", str(store), "-k", "9"])
    assert small.exit_code == 1 and "too few articles for this many topics" in small.output
