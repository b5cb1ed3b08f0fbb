"""The default topic definitions file: shape and simple syntax checks.

The query parser itself is tested with ``pipelines/topics.py``; here we only check that the
shipped file is well formed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

TOPICS_FILE = Path(__file__).resolve().parents[2] / "data" / "topics.yaml"

REQUIRED = [
    "War in Ukraine",
    "North Korea",
    "Sanctions",
    "NATO",
    "Nuclear weapons",
    "China and Taiwan",
    "Middle East",
    "Iran",
]

DOCUMENT = yaml.safe_load(TOPICS_FILE.read_text(encoding="utf-8"))
TOPICS = DOCUMENT["topics"]
TOKEN = re.compile(r'\(|\)|"[^"]*"|[^\s()"]+')


def test_file_shape():
    assert set(DOCUMENT) == {"topics"}
    assert isinstance(TOPICS, list)
    assert 10 <= len(TOPICS) <= 14


def test_required_topics_present():
    names = [topic["name"] for topic in TOPICS]
    assert [name for name in REQUIRED if name not in names] == []


def test_names_unique():
    names = [topic["name"] for topic in TOPICS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.get("name", "?"))
def test_every_topic_has_name_query_description(topic):
    assert set(topic) == {"name", "query", "description"}
    for key in ("name", "query", "description"):
        assert isinstance(topic[key], str) and topic[key].strip(), key
    assert "\n" not in topic["description"]


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t["name"])
def test_query_parentheses_and_quotes_balanced(topic):
    query = topic["query"]
    assert query.count('"') % 2 == 0
    depth = 0
    for token in TOKEN.findall(query):
        depth += {"(": 1, ")": -1}.get(token, 0)
        assert depth >= 0, f"')' before its '(' in {query!r}"
    assert depth == 0


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t["name"])
def test_query_tokens_follow_the_grammar(topic):
    tokens = TOKEN.findall(topic["query"])
    previous = None
    for token in tokens:
        if token in {"(", ")", "AND", "OR", "NOT"}:
            if token in {"AND", "OR"}:
                assert previous not in {None, "(", "AND", "OR", "NOT"}, topic["query"]
        else:
            # operators are upper case only: a lower-case "or"/"and"/"not" would be a word
            assert token not in {"or", "and", "not", "Or", "And", "Not"}, token
            words = token.strip('"').split()
            assert words, f"empty phrase in {topic['query']!r}"
            # the prefix star may only end the last word
            assert all("*" not in word for word in words[:-1]), token
            assert words[-1].count("*") <= 1 and words[-1].rstrip("*").count("*") == 0, token
        previous = token
    assert previous not in {"AND", "OR", "NOT", "("}


def test_file_reads_with_the_topic_parser():
    from pipelines.topics import read_topics

    names = [topic.name for topic in read_topics(TOPICS_FILE)]
    assert names == [topic["name"] for topic in TOPICS]
