"""A key given twice in one mapping of a definition file stops the run.

PyYAML and json keep the last value of a key given twice without a word, so an outlet registry
that gives ``domains:`` twice, or a topic whose ``query:`` is given twice, lost the first. Every
reader of a definition file (topics, outlets, feeds, targets, YAML lexicons and frame lexicons,
``--source-config``) now stops with its own error naming the key, both lines and the fix, at any
depth of the file; a key beside a YAML merge key (``<<: *base``) that overrides the base's is not
a repeat. On the command line the store is left as it was and the exit status is 1.
"""

from __future__ import annotations

import csv
import json
import textwrap
from pathlib import Path

import pytest
import yaml

from pipelines.collect import read_feeds
from pipelines.errors import (ConfigError, GazetteerError, LexiconError, TopicError, repeated_json_keys,
                              repeated_key_error, repeated_yaml_keys)
from pipelines.frames import read_frames_lexicon
from pipelines.lexicon import read_lexicon
from pipelines.outlets import read_registry
from pipelines.tone import read_gazetteer
from pipelines.topics import read_topics
from tests.pipelines.test_cli import CORPUS_ROWS, invoke


def _yaml_repeats(text: str, **kw) -> list[tuple]:
    return [(r.key, r.line, r.again, r.again_line, r.trail)
            for r in repeated_yaml_keys(yaml.compose(textwrap.dedent(text), Loader=yaml.SafeLoader), **kw)]


# --------------------------------------------------------------------------- finding them: YAML

@pytest.mark.parametrize("text, expected", [
    ("a: 1\nb: 2\na: 3\n", [("a", 1, "a", 3, ())]),
    # in a nested mapping, and in a mapping that is an item of a list
    ("outlets:\n  - name: RT\n    domains: [rt.com]\n    domains: [rt.ru]\n",
     [("domains", 3, "domains", 4, ("'outlets'", "item 1"))]),
    ("top:\n  inner:\n    k: 1\n    k: 2\n", [("k", 3, "k", 4, ("'top'", "'inner'"))]),
    # quoted or not, the same key; a flow mapping too
    ("'RT': 1\nRT: 2\n", [("RT", 1, "RT", 2, ())]),
    ("m: {x: 1, y: 2, x: 3}\n", [("x", 1, "x", 1, ("'m'",))]),
    # keys compared as constructed: true and True are one key
    ("true: 1\nTrue: 2\n", [("true", 1, "True", 2, ())]),
    # every repeat, in file order
    ("a: 1\na: 2\nb: {c: 1, c: 2}\n", [("a", 1, "a", 2, ()), ("c", 3, "c", 3, ("'b'",))]),
])
def test_keys_given_twice_are_found_at_any_depth_with_both_lines(text, expected):
    assert _yaml_repeats(text) == expected


@pytest.mark.parametrize("text", [
    "a: 1\nA: 2\n",                                    # case differs: two keys to YAML
    "1: x\n'1': y\n",                                  # an int and a string
    "a: {k: 1}\nb: {k: 2}\n",                          # the same key in two mappings
    "- {k: 1}\n- {k: 2}\n",                            # in two list items
    "base: &b {name: x, kind: y}\nitem:\n  <<: *b\n  name: z\n",   # a merge key overridden
    "a: &a {k: 1}\nb: &b {k: 2}\nc:\n  <<: *a\n  <<: *b\n",         # two merge keys
    "base: &b {k: 1}\nc:\n  <<: [*b]\n  k: 2\n",                    # a list of merged mappings
])
def test_keys_that_only_look_repeated_are_not(text):
    assert _yaml_repeats(text) == []


def test_a_repeat_in_an_anchored_mapping_is_reported_once_though_merged_twice():
    text = "base: &b\n  k: 1\n  k: 2\nx:\n  <<: *b\ny:\n  <<: *b\n"
    assert _yaml_repeats(text) == [("k", 2, "k", 3, ("'base'",))]


def test_fold_makes_keys_that_differ_in_case_one_and_skip_leaves_nodes_out():
    assert _yaml_repeats("Term: a\nterm: b\n", fold=str.lower) == [("Term", 1, "term", 2, ())]
    node = yaml.compose("entries:\n  - {k: 1, k: 2}\nk2: 1\nk2: 2\n", Loader=yaml.SafeLoader)
    entries = node.value[0][1].value
    assert [(r.key, r.line) for r in repeated_yaml_keys(node, skip=entries)] == [("k2", 3)]


# --------------------------------------------------------------------------- finding them: JSON

@pytest.mark.parametrize("text, expected", [
    ('{"a": 1,\n "a": 2}', [("a", 1, 2, ())]),
    ('{"RT": {"date_order": "DMY",\n        "date_order": "MDY"}}', [("date_order", 1, 2, ("'RT'",))]),
    ('{"x": [\n {"q": 1},\n {"q": 1, "q": 2}\n]}', [("q", 3, 3, ("'x'", "item 2"))]),
    # an escape that writes the same key
    ('{"A": 1,\n "\\u0041": 2}', [("A", 1, 2, ())]),
    # braces, colons, commas and escaped quotes inside strings are text, not structure
    ('{"s\\"": "{[:,\\"", "t": "}", "u": {"s\\"": 1}}', []),
    ('{"a": {"k": 1}, "b": {"k": 2}, "A": 3}', []),
    ('[{"k": 1}, {"k": 2}]', []),
])
def test_json_keys_given_twice_are_found_with_their_lines(text, expected):
    json.loads(text)   # valid JSON, as the reader has checked before
    assert [(r.key, r.line, r.again_line, r.trail) for r in repeated_json_keys(text)] == expected


def test_the_message_names_the_key_both_lines_where_and_the_fix():
    (repeat,) = repeated_yaml_keys(yaml.compose("topics:\n  - name: A\n    query: a\n    query: b\n"))
    message = str(repeated_key_error(repeat, "t.yaml", TopicError))
    assert message == ("t.yaml, line 4: key 'query' is given twice; expected each key once in a mapping (YAML "
                       "keeps only the last value: line 3's would be lost); found 'query' on lines 3 and 4, under "
                       "'topics' > item 1. Fix: keep one 'query' (merge what the two give into it) and delete the "
                       "other")
    (repeat,) = repeated_json_keys('{"a": 1, "a": 2}')
    message = str(repeated_key_error(repeat, "c.json", ConfigError, "JSON"))
    assert message == ("c.json, line 1: key 'a' is given twice; expected each key once in an object (JSON keeps "
                       "only the last value: the first would be lost); found 'a' twice on line 1, at the top level. "
                       "Fix: keep one 'a' (merge what the two give into it) and delete the other")


# --------------------------------------------------------------------------- each reader

TOPICS = """\
topics:
  - name: A
    query: nato
    description: first
  - name: B
    query: russia
    query: ukraine
"""
OUTLETS = """\
outlets:
  - name: Test Outlet
    domains: [test-outlet.example]
    country: RU
    type: state-controlled
    domains: [other.example]
"""
OUTLETS_TWICE_AT_THE_TOP = """\
outlets:
  - name: Test Outlet A
    type: commercial
boilerplate: []
outlets:
  - name: Test Outlet B
    type: commercial
"""
FEEDS = """\
feeds:
  - outlet: RT
    url: http://127.0.0.1:9/rss
    full_text: true
    full_text: false
"""
TARGETS = """\
targets:
  - target: Freedonia
    names: [Freedonia]
    demonyms: [Freedonian]
    names: [Fredonia]
"""
LEXICON = """\
entries:
  - term: imperialists
    category: pejorative_label
  - term: war games
    category: militarised_language
    category: euphemism
"""
FRAMES = """\
entries:
  - term: tariff
    frame: economic
    frame: legality
"""


def _reader_cases():
    return [
        ("topics.yaml", TOPICS, read_topics, TopicError, "query", 6, 7),
        ("outlets.yaml", OUTLETS, lambda p: read_registry([p]), ConfigError, "domains", 3, 6),
        ("outlets.yaml", OUTLETS_TWICE_AT_THE_TOP, lambda p: read_registry([p]), ConfigError, "outlets", 1, 5),
        ("feeds.yaml", FEEDS, read_feeds, ConfigError, "full_text", 4, 5),
        ("targets.yaml", TARGETS, read_gazetteer, GazetteerError, "names", 3, 5),
        ("lexicon.yaml", LEXICON, read_lexicon, LexiconError, "category", 5, 6),
        ("frames.yaml", FRAMES, read_frames_lexicon, LexiconError, "frame", 3, 4),
    ]


@pytest.mark.parametrize("name, text, read, error, key, line, again_line", _reader_cases(),
                         ids=lambda v: v if isinstance(v, str) and v.endswith(".yaml") else None)
def test_every_reader_stops_on_a_key_given_twice(tmp_path, name, text, read, error, key, line, again_line):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error) as caught:
        read(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line {again_line}: key '{key}' is given twice; expected each key once ")
    assert f"found '{key}' on lines {line} and {again_line}, " in message
    assert f"Fix: keep one '{key}' (merge" in message


def test_a_topics_file_whose_merge_key_is_overridden_is_read_with_the_override(tmp_path):
    path = tmp_path / "topics.yaml"
    path.write_text("defaults: &d\n  description: shared\n  query: nato\ntopics:\n"
                    "  - <<: *d\n    name: A\n    description: own\n  - <<: *d\n    name: B\n", encoding="utf-8")
    assert [(t.name, t.query, t.description) for t in read_topics(path)] == [("A", "nato", "own"),
                                                                             ("B", "nato", "shared")]


def test_an_outlet_registry_with_a_merge_key_overridden_is_read(tmp_path):
    path = tmp_path / "outlets.yaml"
    path.write_text("outlets:\n  - &a {name: Test Outlet A, type: commercial, country: GB}\n"
                    "  - <<: *a\n    name: Test Outlet B\n", encoding="utf-8")
    registry = read_registry([path])
    assert registry.outlets["Test Outlet B"].country == "GB"
    assert registry.outlets["Test Outlet A"].country == "GB"


def test_a_lexicon_entry_key_given_twice_but_for_case_is_a_repeat(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text("- term: regime\n  Category: pejorative_label\n  category: euphemism\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"line 3: key 'Category' is given twice; expected each key once in a "
                                           r"mapping \(only the last is read: line 2's would be lost\); found "
                                           r"'Category' on line 2 and 'category' on line 3 \(keys are read ignoring "
                                           r"case\), under item 1\. Fix"):
        read_lexicon(path)


def test_lexicon_check_reports_an_entry_with_a_key_twice_and_keeps_reading(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text(LEXICON + "  - term: puppet regime\n    category: pejorative_label\n", encoding="utf-8")
    problems: list = []
    entries = read_lexicon(path, problems)
    assert [e.term for e in entries] == ["imperialists", "puppet regime"]
    assert [str(p).split(":")[0] for p in problems] == [f"{path}, line 6"]


def test_a_lexicon_key_given_twice_outside_the_entries_stops_reading_the_file(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text("categories: [a_label]\ncategories: [b_label]\nentries:\n  - term: regime\n"
                    "    category: a_label\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"line 2: key 'categories' is given twice"):
        read_lexicon(path, [])


def test_lexicon_entries_sharing_a_merged_base_are_read_with_their_own_keys(tmp_path):
    # the lexicon's YAML is parsed once (repeats looked for before merge keys are flattened): a key an
    # entry gives beside '<<: *base' overrides the base's, and is no repeat
    path = tmp_path / "lexicon.yaml"
    path.write_text("base: &b {category: pejorative_label}\nentries:\n  - <<: *b\n    term: regime\n"
                    "  - <<: *b\n    term: junta\n    category: euphemism\n", encoding="utf-8")
    problems: list = []
    entries = read_lexicon(path, problems)
    assert [(e.term, e.category) for e in entries] == [("regime", "pejorative_label"), ("junta", "euphemism")]
    assert problems == []


def test_lexicon_entries_given_only_through_a_merge_key_stop_with_a_message(tmp_path):
    # before: a StopIteration traceback
    path = tmp_path / "lexicon.yaml"
    path.write_text("x: &x {entries: [{term: regime, category: pejorative_label}]}\n<<: *x\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"line 2: 'entries' given through a merge key; expected 'entries:' written "
                                           r"at the top of the file.*Fix: write 'entries:'"):
        read_lexicon(path, [])


def test_lexicon_categories_given_beside_a_merge_key_are_placed_on_their_own_line(tmp_path):
    # the document is built from the same nodes, which puts the merged keys first: the line is the
    # last 'categories' key's, the one read
    path = tmp_path / "lexicon.yaml"
    path.write_text("x: &x\n  categories: [a_label]\n<<: *x\ncategories: 7\nentries:\n  - term: regime\n"
                    "    category: a_label\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"line 4, key 'categories': wrong YAML shape.*found 7"):
        read_lexicon(path, [], declared={})
    path.write_text("x: &x\n  categories: [a_label]\n<<: *x\ncategories: [b_label]\nentries:\n  - term: regime\n"
                    "    category: b_label\n", encoding="utf-8")
    declared: dict = {}
    read_lexicon(path, [], declared=declared)
    assert declared == {"b_label": f"{path}, line 4"}
    # given only through the merge key (a StopIteration traceback before): read, on the anchor's line
    path.write_text("x: &x\n  categories: [a_label]\n<<: *x\nentries:\n  - term: regime\n"
                    "    category: a_label\n", encoding="utf-8")
    declared = {}
    assert [e.term for e in read_lexicon(path, [], declared=declared)] == ["regime"]
    assert declared == {"a_label": f"{path}, line 2"}


# --------------------------------------------------------------------------- on the command line

def _assert_repeat_error(result, path: Path, key: str, line: int, again_line: int) -> None:
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    errors = [x for x in result.stderr.splitlines() if x.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"Error: {path}, line {again_line}: key '{key}' is given twice; "), errors[0]
    assert f"found '{key}' on lines {line} and {again_line}, " in errors[0]
    assert f"Fix: keep one '{key}' (merge" in errors[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """A store after one good run of the tiny corpus of test_cli.py, and that corpus."""
    folder = tmp_path_factory.mktemp("built")
    articles = folder / "articles.csv"
    with articles.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(CORPUS_ROWS)
    store = folder / "store.duckdb"
    assert invoke("run", "--input", articles, "--store", store).exit_code == 0
    return store, articles


@pytest.mark.parametrize("option, name, text, key, line, again_line", [
    ("--topics", "topics.yaml", TOPICS, "query", 6, 7),
    ("--outlets", "outlets.yaml", OUTLETS, "domains", 3, 6),
    ("--targets", "targets.yaml", TARGETS, "names", 3, 5),
    ("--lexicon", "lexicon.yaml", LEXICON, "category", 5, 6),
    ("--extra-lexicon", "lexicon.yaml", LEXICON, "category", 5, 6),
    ("--frames", "frames.yaml", FRAMES, "frame", 3, 4),
    ("--source-config", "sources.json", '{"Test Outlet": {"date_order": "DMY",\n'
                                         '                 "date_order": "MDY"}}\n', "date_order", 1, 2),
])
def test_run_stops_on_a_key_given_twice_and_leaves_the_store_as_it_was(tmp_path, built, option, name, text, key,
                                                                       line, again_line):
    store, articles = built
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = store.read_bytes()
    result = invoke("run", "--input", articles, "--store", store, option, path)
    _assert_repeat_error(result, path, key, line, again_line)
    assert store.read_bytes() == before
    assert not list(store.parent.glob(f"{store.name}.tmp-*"))


def test_ingest_stops_on_a_source_config_key_given_twice(tmp_path, built):
    store, articles = built
    path = tmp_path / "sources.json"
    path.write_text('{"A": {"date_order": "DMY"},\n "A": {"date_order": "MDY"}}\n', encoding="utf-8")
    before = store.read_bytes()
    result = invoke("ingest", "--input", articles, "--store", store, "--source-config", path)
    _assert_repeat_error(result, path, "A", 1, 2)
    assert "expected each key once in an object (JSON keeps only the last value: line 1's would be lost)" \
        in result.stderr
    assert store.read_bytes() == before


def test_lexicon_check_gives_the_repeat_as_an_error_line_and_exit_1(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text(LEXICON, encoding="utf-8")
    result = invoke("lexicon", "check", path)
    assert result.exit_code == 1
    assert f"Error: {path}, line 6: key 'category' is given twice; expected each key once in a mapping (YAML " \
        "keeps only the last value: line 5's would be lost); found 'category' on lines 5 and 6, under 'entries' > " \
        "item 2. Fix: " in result.stderr
    assert "1 error in 1 of 1 lexicon file; nothing was changed" in result.stderr


def test_collect_stops_on_a_feeds_file_key_given_twice_before_any_request(tmp_path, built):
    store, _ = built
    path = tmp_path / "feeds.yaml"
    # the URL is never asked for: the file is refused while it is read
    path.write_text(FEEDS, encoding="utf-8")
    before = store.read_bytes()
    result = invoke("collect", "--feeds", path, "--store", store)
    _assert_repeat_error(result, path, "full_text", 4, 5)
    assert store.read_bytes() == before


@pytest.mark.parametrize("name, text, read, error", [
    ("topics.yaml", "topics:\n  - name: A\x01\n    query: a\n", read_topics, TopicError),
    ("targets.yaml", "targets:\n  - target: A\x01\n    names: [A]\n", read_gazetteer, GazetteerError),
    ("outlets.yaml", "outlets:\n  - name: A\x01\n", lambda p: read_registry([p]), ConfigError),
    ("feeds.yaml", "feeds:\n  - outlet: A\x01\n", read_feeds, ConfigError),
])
def test_a_character_yaml_refuses_is_still_the_readers_own_error(tmp_path, name, text, read, error):
    # parse_yaml makes PyYAML's loader, which refuses the character as it is made: that is 'not
    # valid YAML' of the file, not a traceback (the gazetteer gave a ReaderError traceback before)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error, match=r"not valid YAML; .*unacceptable character #x0001"):
        read(path)


# --------------------------------------------------------------------------- a CSV column given twice

@pytest.mark.parametrize("name, text, read, found", [
    ("lexicon.csv", "term,category,category\nregime,pejorative_label,euphemism\n", read_lexicon,
     "found 'category' as columns 2 and 3"),
    ("lexicon.csv", "# categories: x_label\nterm,Category,category\nregime,x_label,euphemism\n", read_lexicon,
     "found 'Category' as column 2 and 'category' as column 3 (columns are read ignoring case)"),
    ("frames.csv", "term,frame,frame\ntariff,economic,legality\n", read_frames_lexicon,
     "found 'frame' as columns 2 and 3"),
])
def test_a_lexicon_csv_naming_a_column_twice_stops(tmp_path, name, text, read, found):
    # dict(zip(header, row)) kept the last column's cell: 'regime' was read as a euphemism
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LexiconError) as caught:
        read(path)
    line = text.count("\n", 0, text.index("term,")) + 1
    message = str(caught.value)
    assert message.startswith(f"{path}, line {line}: column '")
    assert " is given twice in the header; expected each column once (only the last is read: column 2's " \
           "cells would be lost); " + found + ". Fix: rename or delete one of the two columns" in message


def test_a_pairs_file_naming_a_column_twice_stops(tmp_path):
    from pipelines.wordchoice import read_pairs

    path = tmp_path / "pairs.csv"
    path.write_text("pair_id,loaded,counterpart,counterpart\nregime,regime,government,administration\n",
                    encoding="utf-8")
    with pytest.raises(LexiconError, match=r"line 1: column 'counterpart' is given twice in the header; .* found "
                                           r"'counterpart' as columns 3 and 4"):
        read_pairs(path)


def test_lexicon_check_names_a_csv_column_given_twice(tmp_path):
    path = tmp_path / "lexicon.csv"
    path.write_text("term,category,category\nregime,pejorative_label,euphemism\n", encoding="utf-8")
    result = invoke("lexicon", "check", path)
    assert result.exit_code == 1
    assert f"Error: {path}, line 1: column 'category' is given twice in the header" in result.stderr
