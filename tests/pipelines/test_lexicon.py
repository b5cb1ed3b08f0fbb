import json
from pathlib import Path

import pytest

from pipelines.errors import LexiconError
from pipelines.lexicon import (LexiconMatcher, build_lexicon, check_lexicon_files, load_lexicon,
                               read_lexicon)
from pipelines.sources import read_html_string
from tests.conftest import case_dir


def _matcher(tmp_path, rows: str, name="lex.csv"):
    path = tmp_path / name
    path.write_text(rows, encoding="utf-8")
    lex, _ = load_lexicon([path])
    return lex, LexiconMatcher(lex).fit()


def _hits(lex, matcher, text):
    return [(text[m.start:m.end], lex.entries[m.entry].term) for m in matcher.find(text)]


LEX = ("term,category\nregime,delegitimising\nregimes,delegitimising\nimperialists,pejorative\n"
       "imperialists' lackeys,pejorative\nwar games,militarised\nso-called,doubt\nhegemonic policy,pejorative\n"
       "imperialis*,pejorative\npuppet regime,delegitimising\n")


@pytest.mark.parametrize("text, expected", [
    ("a regimen of pills", []),                                             # word boundary
    ("The regimes fell.", [("regimes", "regimes")]),                        # listed inflection
    ("The puppet regime fell.", [("puppet regime", "puppet regime")]),      # nested: longest once
    ("PUPPET-REGIME", [("PUPPET-REGIME", "puppet regime")]),
    ("imperialism", [("imperialism", "imperialis*")]),                      # prefix term
    ("the puppet. Regime change", [("Regime", "regime")]),                  # no match across sentences
    ("war\ngames", []),                                                     # nor across a line break
    ("the re\u00adgime fell", [("re\u00adgime", "regime")]),                # a soft hyphen inside a word
    ("war.games", [("war.games", "war games")]),                            # no white space after the '.'
])
def test_matching_rules(tmp_path, text, expected):
    lex, m = _matcher(tmp_path, LEX)
    assert _hits(lex, m, text) == expected


def test_stop_phrase_blocks_shorter_term(tmp_path):
    path = tmp_path / "stop.csv"
    path.write_text("term,category,ignore\nregime,delegitimising,false\nsanctions regime,delegitimising,true\n")
    lex, _ = load_lexicon([path])
    m = LexiconMatcher(lex).fit()
    assert _hits(lex, m, "The sanctions regime holds; the regime fell.") == [("regime", "regime")]


def test_c07_curly_apostrophes_and_possessives(tmp_path):
    case = case_dir("C07")
    lex, _ = load_lexicon([case / "lexicon.csv"])
    m = LexiconMatcher(lex).fit()
    texts = {json.loads(line)["id"]: json.loads(line)["text"]
             for line in (case / "texts.jsonl").read_text(encoding="utf-8").splitlines()}
    expected = {"a1": ["regime"], "a2": ["regime"], "a5": ["regime"], "a6": ["regime"], "a7": ["regime"],
                "a3": ["imperialists' lackeys"], "a4": ["imperialists' lackeys"], "a8": ["imperialists"]}
    for key, terms in expected.items():
        before = texts[key]
        assert [lex.entries[x.entry].term for x in m.find(texts[key])] == terms, key
        assert texts[key] == before  # the text itself is never rewritten


def test_c08_hyphens_nbsp_soft_hyphen_and_sentence_ends(tmp_path):
    case = case_dir("C08")
    lex, _ = load_lexicon([case / "lexicon.csv"])
    m = LexiconMatcher(lex).fit()
    expected = {**{f"h{i}": ["war games"] for i in range(1, 8)}, "h8": ["so-called"], "h9": ["so-called"],
                "h10": ["hegemonic policy"], "h11": []}
    for line in (case / "texts.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        text = rec["text"] if "text" in rec else read_html_string(rec["html"])["body"]
        found = m.find(text)
        assert [lex.entries[x.entry].term for x in found] == expected[rec["id"]], rec["id"]
        for x in found:  # offsets point into the original characters
            assert text[x.start:x.end].replace("\u00ad", "").lower().replace("\u2011", "-")[:3] in ("war", "so-", "so ",
                                                                                                  "heg")


@pytest.mark.parametrize("content, message", [
    ("category\nregime\n", "line 1: no 'term' column; expected a header row with a 'term' column"),
    ("term,category\nregime,x\n,y\n", "line 3, column 'term': empty term"),
    ("term,ignore\nregime,maybe\n", "line 2, column 'ignore': invalid value in column 'ignore'; expected true or "
                                    "false (or empty); found 'maybe'"),
    ("term\n--\n", "line 2, column 'term': term has no letters or digits"),
    ("term\nim*perial\n", "'*' inside a term"),
    ("term,category\nregime,a\nRegime,b\n", "'Regime' is listed twice with different categories"),
    ("term,category\nregime,a,extra\n", "line 2: more cells than header columns"),
    ("", "empty lexicon file"),
    ('term,category\n"unclosed,x\n', "line 2: a quoted cell is not closed where it should be"),     # swallowed ","
    ('term,category\nregime,a\n"puppet,b\nhegemon,c\n', "line 3: a quoted cell is not closed"),       # ... and lines
    ('term,category\nregime,a\n"pup"pet,b\n', "line 3: a quoted cell is not closed where it should be"),
    ('term,category\nregime,a\n"puppet,b\nhegemon",c\nwar games,d\n',
     "lines 3-4: a cell spans lines; expected one record per line; found 2 lines in one record"),
])
def test_lexicon_errors_name_file_line_column(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as err:
        load_lexicon([path])
    assert str(path) in str(err.value)
    assert message in str(err.value)
    assert "Fix:" in str(err.value)


def test_quoted_cells_with_delimiters_and_doubled_quotes_still_read(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('term,variants,category\nregime,"regimes|the regime",a\n"war games, drills",,b\n'
                    '"say ""hi""",,c\nlast,,d', encoding="utf-8")                       # no line end after the last
    lexicon, _ = load_lexicon([path])
    entries = {e.term: e for e in lexicon.entries}
    assert set(entries) == {"regime", "war games, drills", 'say "hi"', "last"}
    assert sorted(entries["regime"].variants) == ["regimes", "the regime"] and entries["last"].line == 5


def test_term_only_csv_defaults_category_and_keeps_extra_columns(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("term,lang\nregime,en\nрежим,ru\n", encoding="utf-8")
    lex, warnings = load_lexicon([path])
    assert [e.category for e in lex.entries] == ["loaded", "loaded"]
    assert lex.entries[1].extra == {"lang": "ru"}
    assert json.loads(lex.to_frame()["extra"][0]) == {"lang": "en"}
    checked, warnings, errors = check_lexicon_files([path])
    assert (len(checked.entries), warnings, errors) == (2, [], [(str(path), [])])


def test_check_lexicon_files_checks_each_file_then_the_good_ones_together(tmp_path):
    files = {"one.csv": "term,category\nwar games,militarised_language\n", "bad.yaml": "- term: [unclosed\n",
             "two.csv": "term,category\nwar-games,euphemism\npuppet regime,delegitimising_label\n",
             "three.csv": "term\nregime\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    names = ("one.csv", "missing.csv", "bad.yaml", "two.csv")
    lex, warnings, errors = check_lexicon_files([tmp_path / n for n in names])
    assert lex is None and warnings == []
    assert [f for f, _ in errors] == [str(tmp_path / n) for n in names]
    assert [[e.what for e in problems] for _, problems in errors] == [
        [], ["the lexicon file was not found"], ["not valid YAML"],
        ["'war-games' is listed twice with different categories"]]
    assert [[e.where for e in problems] for _, problems in errors] == [
        [], [str(tmp_path / "missing.csv")], [f"{tmp_path / 'bad.yaml'}, line 2, column 1"],
        [f"{tmp_path / 'two.csv'}, line 2"]]
    lex, warnings, errors = check_lexicon_files([tmp_path / "one.csv", tmp_path / "three.csv"])
    assert all(p == [] for _, p in errors) and [e.term for e in lex.entries] == ["war games", "regime"]


# One file with several different faults: every one is reported, in line order, each with its line.
MANY_FAULTS = (
    "term,variants,category,ignore\n"
    "war games,,militarised,\n"           # 2: good
    ",,empty,\n"                           # 3: empty term
    "bad*term,,x,maybe\n"                  # 4: '*' inside a term AND a bad ignore value
    "regime,,a,\n"                         # 5: good
    '"unclosed"x,,b,\n'                    # 6: a quote closed too early
    "war-games,,euphemism,\n"              # 7: same term as line 2, other category
    "ok,--|fine,c,\n"                      # 8: a variant with no letters
    "too,many,cells,here,now\n"            # 9: more cells than columns
    "puppet regime,,a,\n"                  # 10: good
)


def test_check_lexicon_files_reports_every_fault_of_a_file(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text(MANY_FAULTS, encoding="utf-8")
    lex, _, [(name, problems)] = check_lexicon_files([path])
    assert lex is None and name == str(path)
    assert [(e.where.removeprefix(f"{path}, "), e.what) for e in problems] == [
        ("line 3, column 'term'", "empty term"),
        ("line 4, column 'term'", "'*' inside a term"),
        ("line 4, column 'ignore'", "invalid value in column 'ignore'"),
        ("line 6", "a quoted cell is not closed where it should be"),
        ("line 7", "'war-games' is listed twice with different categories"),
        ("line 8, column 'variants'", "term has no letters or digits"),
        ("line 9", "more cells than header columns"),
    ]
    assert all(e.expected and e.found and e.fix for e in problems)
    # a run still stops at the first, and says how many more there are and how to list them
    with pytest.raises(LexiconError) as err:
        load_lexicon([path])
    assert err.value.where == f"{path}, line 3, column 'term'"
    assert f"6 more problems in the lexicon files; `framewatch lexicon check {path}` lists every one" in str(err.value)


@pytest.mark.parametrize("name, text, where, what", [
    ("many.yaml", "- term: war games\n- [a list]\n- term: '--'\n- term: x\n  ignore: maybe\n",
     ["line 2", "line 3, key 'term'", "line 4, key 'ignore'"],
     ["entry is not a mapping", "term has no letters or digits", "invalid value in column 'ignore'"]),
    ("many.dic", "%\n1\tthreat\n%\nwar games\t1\nregime\t7\n*bad\t1\nok\t9\n",
     ["line 5", "line 6", "line 7"], ["unknown category id", "'*' inside a term", "unknown category id"]),
])
def test_yaml_and_dic_files_report_every_fault(tmp_path, name, text, where, what):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    _, _, [(_, problems)] = check_lexicon_files([path])
    assert [e.where.removeprefix(f"{path}, ") for e in problems] == where
    assert [e.what for e in problems] == what


def test_check_lexicon_files_reads_and_builds_each_file_once(tmp_path, monkeypatch):
    """Each file is read once and the entries built once (the check used to build a good file twice:
    alone, then with the others)."""
    import pipelines.lexicon as lexicon_module

    calls = {"read": [], "build": 0}
    read, build = lexicon_module.read_lexicon, lexicon_module.build_lexicon

    def counting_read(path, *args, **kwargs):
        calls["read"].append(Path(path).name)
        return read(path, *args, **kwargs)

    def counting_build(*args, **kwargs):
        calls["build"] += 1
        return build(*args, **kwargs)

    monkeypatch.setattr(lexicon_module, "read_lexicon", counting_read)
    monkeypatch.setattr(lexicon_module, "build_lexicon", counting_build)
    for name, text in {"a.csv": "term\nregime\n", "b.csv": "term,category\nwar games,m\n"}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    lex, _, errors = check_lexicon_files([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert [e.term for e in lex.entries] == ["regime", "war games"] and all(p == [] for _, p in errors)
    assert calls == {"read": ["a.csv", "b.csv"], "build": 1}


def test_a_file_without_terms_is_an_error_but_stop_phrases_beside_terms_are_not(tmp_path):
    (tmp_path / "header.csv").write_text("term,category\n", encoding="utf-8")
    (tmp_path / "stops.csv").write_text("term,ignore\nsanctions regime,true\n", encoding="utf-8")
    (tmp_path / "terms.csv").write_text("term\nregime\n", encoding="utf-8")
    _, _, [(_, problems)] = check_lexicon_files([tmp_path / "header.csv"])
    assert [e.what for e in problems] == ["the lexicon file has no terms"]
    _, _, [(_, problems)] = check_lexicon_files([tmp_path / "stops.csv"])
    assert [e.what for e in problems] == ["the lexicon has no terms"]
    lex, _, errors = check_lexicon_files([tmp_path / "terms.csv", tmp_path / "stops.csv"])   # as --extra-lexicon
    assert [e.term for e in lex.entries] == ["regime", "sanctions regime"] and all(p == [] for _, p in errors)


def test_yaml_and_dic_lexicons(tmp_path):
    y = tmp_path / "lex.yaml"
    y.write_text("entries:\n  - term: war games\n    category: militarised\n    variants: [war drills]\n"
                 "  - regime\n", encoding="utf-8")
    entries = read_lexicon(y)
    assert [(e.term, e.category, e.variants, e.line) for e in entries] == [
        ("war games", "militarised", ("war drills",), 2), ("regime", "loaded", (), 5)]
    d = tmp_path / "lex.dic"
    d.write_text("%\n1\tthreat\n2\tlabel\n%\nwar games\t1\nregime\t2\n", encoding="utf-8")
    assert [(e.term, e.category) for e in read_lexicon(d)] == [("war games", "threat"), ("regime", "label")]
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - term: [\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="not valid YAML"):
        read_lexicon(bad)


def test_duplicate_in_same_category_is_kept_once_with_warning(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("term,category\nregime,a\nregime,a\n", encoding="utf-8")
    lex, warnings = build_lexicon(read_lexicon(path))
    assert len(lex.entries) == 1 and "repeats line 2" in warnings[0]


def test_version_is_a_content_hash(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("term\nregime\nwar games\n")
    b.write_text("term\nwar games\nregime\n")  # same content, other order and file
    va, vb = load_lexicon([a])[0].version, load_lexicon([b])[0].version
    assert va == vb and va.startswith("lex-")
    b.write_text("term\nwar games\nregimes\n")
    assert load_lexicon([b])[0].version != va


def test_builtin_lexicon_loads_and_extra_adds_beside_it(tmp_path):
    builtin, _ = load_lexicon()
    assert len([e for e in builtin.entries if not e.ignore]) >= 250 and len(builtin.categories) >= 8
    extra = tmp_path / "extra.csv"
    extra.write_text("term,category\nzorblax,custom\n")
    both, _ = load_lexicon(None, [extra])
    assert len(both.entries) == len(builtin.entries) + 1 and "custom" in both.categories
    instead, _ = load_lexicon([extra])
    assert instead.categories == ["custom"]


def test_unclosed_quote_in_a_lexicon_csv_is_an_error_not_a_merged_term(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('term,category\n"regime,a\nwar games,b\n', encoding="utf-8")
    with pytest.raises(LexiconError, match="line 2: a quoted cell is not closed.*Fix: close the quote"):
        load_lexicon([path])


def test_no_match_inside_web_addresses(tmp_path):
    lex, m = _matcher(tmp_path, "term\nevil\nregime\n")
    text = "See http://evil.example/regime and www.regime.example; the regime fell. Evil deeds."
    assert _hits(lex, m, text) == [("regime", "regime"), ("Evil", "evil")]


def _longest_first_by_scan(spans):
    """Reference: every kept span compared with every candidate (spaCy's filter_spans)."""
    taken = []
    for sp in sorted(spans, key=lambda m: (-(m[1] - m[0]), m[0])):
        if not any(sp[0] < t[1] and t[0] < sp[1] for t in taken):
            taken.append(sp)
    return sorted(taken, key=lambda m: m[0])


def test_longest_first_keeps_the_longest_then_the_earliest():
    from pipelines.lexicon import longest_first
    # (0, 5) beats the shorter (3, 6) and (0, 2); (6, 9) and (5, 8) tie in length: the earlier wins
    spans = [(3, 6, "b"), (0, 5, "a"), (0, 2, "c"), (6, 9, "e"), (5, 8, "d"), (9, 10, "f")]
    assert longest_first(spans) == [(0, 5, "a"), (5, 8, "d"), (9, 10, "f")]


@pytest.mark.parametrize("min_length", [1, 0])   # non-empty spans (as matches are), and empty ones too
def test_longest_first_is_the_plain_scan_on_any_spans(min_length):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from pipelines.lexicon import longest_first

    span = st.tuples(st.integers(0, 60), st.integers(min_length, 12)).map(lambda t: (t[0], t[0] + t[1]))

    @settings(max_examples=400, deadline=None)
    @given(st.lists(span, max_size=40))
    def check(raw):
        spans = [(s, e, k) for k, (s, e) in enumerate(raw)]
        assert longest_first(spans) == _longest_first_by_scan(spans)

    check()


def _find_by_array(matcher, text):
    """Reference: find() as it was before CopyOffsets -- every hit mapped through the int64
    offsets array one by one, every multi-word hit through crosses_sentence_end, the web
    address filter whenever the text holds "http" or "www.", then longest_first."""
    import numpy as np

    from pipelines.lexicon import longest_first, outside_urls
    from pipelines.text import crosses_sentence_end, matching_copy

    import ahocorasick

    automaton = ahocorasick.Automaton()
    for key, value in zip(matcher.keys_, matcher.values_):
        automaton.add_word(key, value)
    automaton.make_automaton()
    copy, offsets = matching_copy(text)
    offsets = np.asarray(offsets)
    spans = []
    for end_idx, (length, idx, prefix, multiword) in automaton.iter(copy):
        if idx < 0:
            continue
        s = end_idx - length + 2
        e = copy.find(" ", end_idx + 1) if prefix else end_idx
        t_start, t_end = int(offsets[s]), int(offsets[e - 1]) + 1
        if multiword and crosses_sentence_end(text, t_start, t_end):
            continue
        spans.append((s, e, idx, t_start, t_end))
    entries = matcher.lexicon.entries
    return [(t_start, t_end, idx) for _, _, idx, t_start, t_end in longest_first(outside_urls(text, spans))
            if not entries[idx].ignore]


def test_find_equals_the_per_hit_reference_on_any_text(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    import numpy as np

    from pipelines.text import matching_copy

    rows = "".join(line + ",\n" for line in LEX.splitlines()[1:])
    lex, m = _matcher(tmp_path, "term,category,ignore\n" + rows + "sanctions regime,delegitimising,true\n")
    # "Réunion" and "режим" give copies outside ASCII (the str scanner; the rest go through the bytes one);
    # a separator of one character ("-", ".", "\n", ...) keeps a span as long as its copy
    words = ["regime", "Regime", "regimes", "puppet", "war", "games", "imperialists", "imperialism", "lackeys",
             "so", "called", "sanctions", "http://x.example/", "www.", "HTTP://", "www", "http", "U.S.", "Mr.",
             "Réunion", "режим", "re\u00adgime", "im\u00adperialism"]
    seps = [" ", "  ", ", ", ". ", "! ", "\n", "-", ".", "?", "\u2019 ", "' ", "\u00a0", "\u00ad", " \u201c",
            "\U0001F600 "]
    piece = st.tuples(st.sampled_from(words), st.sampled_from(seps)).map("".join)

    @settings(max_examples=400, deadline=None)
    @given(st.lists(piece, max_size=25).map("".join))
    def check(text):
        expected = _find_by_array(m, text)
        assert [(x.start, x.end, x.entry) for x in m.find(text)] == expected
        copy, offsets = matching_copy(text)
        assert [(x.start, x.end, x.entry) for x in m.find(text, copy, np.asarray(offsets))] == expected

    check()


def test_www_or_http_without_an_address_still_matches(tmp_path):
    lex, m = _matcher(tmp_path, "term\nregime\n")
    assert _hits(lex, m, "the www regime and the http regime") == [("regime", "regime"), ("regime", "regime")]


def test_a_pickled_matcher_rebuilds_its_scanner_and_finds_the_same(tmp_path):
    import pickle

    lex, m = _matcher(tmp_path, LEX)
    text = "The puppet regime’s war-games; imperialism. See www.regime.example. So-called REGIMES."
    loaded = pickle.loads(pickle.dumps(m))
    assert loaded.find(text) == m.find(text) and len(m.find(text)) == 5
