import pytest

from pipelines.errors import TopicError
from pipelines.schemas import NO_TOPIC
from pipelines.text import matching_copy
from pipelines.topics import (TopicDef, TopicMatcher, assign_topics, parse_query, read_topics, split_topic_cell)


@pytest.mark.parametrize("query, text, expected", [
    ("nato", "NATO leaders met.", True),
    ("nato", "Donato met.", False),                                  # whole words only
    ("ukrain*", "Ukrainian forces", True),                          # prefix
    ('"north korea*"', "The North Korean army", True),              # phrase with prefix last word
    ('"north korea"', "north of Korea", False),
    ("sanctions AND russia", "Russia faces sanctions", True),
    ("sanctions russia", "Russia faces new sanctions", True),         # implicit AND
    ("sanctions russia", "sanctions only", False),
    ("iran OR tehran", "In Tehran today", True),
    ("(ukraine OR kyiv) NOT football", "Kyiv football final", False),
    ("(ukraine OR kyiv) NOT football", "Kyiv under fire", True),
    ("NOT weather", "Anything else", True),
    ("a OR b AND c", "a only", True),                                # AND binds tighter than OR
    ("(a OR b) AND c", "a only", False),
    ('"war-games"', "war games began", True),                       # hyphen folds to space
])
def test_queries(query, text, expected):
    tm = TopicMatcher([TopicDef("T", query)]).fit()
    assert (tm.topics_of(matching_copy(text)[0]) == ["T"]) is expected


@pytest.mark.parametrize("query, message", [
    ("", "empty query"),
    ("(ukraine OR kyiv", "unclosed parenthesis"),
    ('"north korea', "unbalanced double quote"),
    ("ukraine OR", "missing term"),
    ("ukraine )", "unexpected token"),
])
def test_bad_queries_say_where(query, message):
    with pytest.raises(TopicError, match=message):
        parse_query(query, where="topics.yaml, topic 'X'")


def test_title_and_text_both_count():
    tm = TopicMatcher([TopicDef("NATO", "nato AND summit")]).fit()
    assert tm.topics_of(matching_copy("NATO meets")[0], matching_copy("The summit opened")[0]) == ["NATO"]


def test_builtin_topics_cover_the_required_set():
    names = {t.name for t in read_topics()}
    for required in ("War in Ukraine", "North Korea", "Sanctions", "NATO", "Nuclear weapons", "China and Taiwan",
                     "Middle East", "Iran"):
        assert required in names


def test_topics_file_errors(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text("topics:\n  - name: A\n    query: 'x'\n  - name: A\n    query: 'y'\n")
    with pytest.raises(TopicError, match="defined twice"):
        read_topics(p)
    p.write_text("topics:\n  - name: A\n    query: '(x'\n")
    with pytest.raises(TopicError, match=r"topic 'A', character 3: unclosed parenthesis"):
        read_topics(p)


@pytest.mark.parametrize("cell, expected", [
    ("Home News; Latest News", ["Home News", "Latest News"]),
    ("bucha", ["bucha"]),
    ("a|b ;c", ["a", "b", "c"]),
    ("", []),
    (None, []),
])
def test_split_topic_cell(cell, expected):
    assert split_topic_cell(cell) == expected


def test_assign_topics_puts_untopical_articles_in_no_topic():
    assert assign_topics([], []) == [(NO_TOPIC, "none")]
    assert assign_topics(["NATO"], ["NATO", "bucha"]) == [("NATO", "query"), ("bucha", "column")]


@pytest.mark.parametrize("text", [
    "NATO leaders met in Kyiv and Moscow; sanctions on Russia.",
    "Санкции: NATO and Україна, Kyiv — the North Korean army.",   # a non-ASCII copy: the str scanner
    "Nothing to see here.",
    "",
])
def test_keys_in_is_every_key_occurring_in_the_copy_and_survives_pickling(text):
    """keys_in gives the keys that occur in the copy (overlapping ones too), whichever scanner
    (bytes for ASCII, str otherwise) runs, also after the matcher was pickled as for a Dask worker."""
    import cloudpickle

    tm = TopicMatcher(read_topics()).fit()
    copy = matching_copy(text)[0]
    expected = {k for k in tm.keys_ if k in copy}
    assert tm.keys_in(copy) == expected
    assert cloudpickle.loads(cloudpickle.dumps(tm)).keys_in(copy) == expected
    if "NATO" in text:
        assert expected  # the check is not vacuous


def test_all_queries_in_one_call_answer_as_each_query_alone():
    """topics_of evaluates every query in one compiled call (compile_queries): the topics are those
    whose own compiled query (compile_query) holds, in the file's order, on articles of the
    built-in topics, on none, and with every topic's keys found at once."""
    from pipelines.topics import compile_query, compile_queries

    tm = TopicMatcher(read_topics()).fit()
    each = [(name, compile_query(tree)) for name, tree in tm.trees_]
    texts = ["NATO leaders met in Kyiv and Moscow; sanctions on Russia.", "Nothing to see here.",
             "Iran and the IAEA: nuclear talks in Vienna; North Korea tests a missile.", ""]
    for found in [tm.keys_in(matching_copy(t)[0]) for t in texts] + [set(), set(tm.keys_)]:
        assert list(tm.holds_(found)) == [test(found) for _, test in each]
    for text in texts:
        found = tm.keys_in(matching_copy(text)[0])
        assert tm.topics_of(matching_copy(text)[0]) == [name for name, test in each if test(found)]
    assert any(tm.topics_of(matching_copy(texts[0])[0])) and compile_queries([])(set()) == ()
    import cloudpickle   # as a Dask worker gets it

    clone = cloudpickle.loads(cloudpickle.dumps(tm))
    assert [clone.topics_of(matching_copy(t)[0]) for t in texts] == [tm.topics_of(matching_copy(t)[0]) for t in texts]
