"""The compiled path of LexiconMatcher.find (pipelines/_match.c) against the Python path.

Every comparison first asserts the compiled path answered (``native_.find`` is not None), so a
test cannot pass by both sides running the Python path.
"""

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.lexicon import LexiconMatcher, Match, load_lexicon

ROOT = Path(__file__).resolve().parents[2]

LEX = (
    "term,variants,category,ignore\n"
    "regime,,delegitimising,false\n"
    "regimes,,delegitimising,false\n"
    "puppet regime,,delegitimising,false\n"
    "sanctions regime,,delegitimising,true\n"
    "imperialists,,pejorative,false\n"
    "imperialists' lackeys,,pejorative,false\n"
    "lackeys,,pejorative,false\n"
    "imperialis*,,pejorative,false\n"
    "imperialist,,other,false\n"
    "war games,war-games,militarised,false\n"
    "games people,,chained,false\n"
    "people play,,chained,false\n"
    "so-called,,doubt,false\n"
    "US-led,US led,pejorative,false\n"
    "a b,,tiny,false\n"
    "b c,,tiny,false\n"
    "a b c d,,tiny,false\n"
    "réunion,,accent,false\n"
    "режим,,cyrillic,false\n"
    "u.s. imperialists,,pejorative,false\n"
    "hegem*,,pejorative,false\n"
    "don't,,contraction,false\n"
)


@pytest.fixture(scope="module")
def matcher(tmp_path_factory):
    path = tmp_path_factory.mktemp("lex") / "lex.csv"
    path.write_text(LEX, encoding="utf-8")
    lexicon, _ = load_lexicon([path])
    return LexiconMatcher(lexicon).fit()


def _both(matcher, text):
    """(compiled, Python) matches of *text*; asserts the compiled path covered it."""
    native = matcher.native_.find(text)
    assert native is not None, "the compiled path declined a BMP text"
    assert matcher.find(text) == native
    return native, matcher._find_python(text)


def _terms(matcher, text, found):
    return [(text[m.start:m.end], matcher.lexicon.entries[m.entry].term) for m in found]


def test_the_extension_is_built_and_used():
    from pipelines import _match

    lexicon, _ = load_lexicon()
    m = LexiconMatcher(lexicon).fit()
    assert isinstance(m.native_, _match.Automaton)
    assert m.native_.n_states > len(lexicon.entries)
    assert m.native_.find("The puppet regime") == m.find("The puppet regime") != []


@pytest.mark.parametrize("text, expected", [
    ("", []),
    ("   \n\t ", []),
    ("regime", [("regime", "regime")]),                                        # the whole text
    ("regime.", [("regime", "regime")]),
    ("  regime  ", [("regime", "regime")]),                                    # white space at both ends
    ("The puppet regime fell.", [("puppet regime", "puppet regime")]),         # nested: longest once
    ("the sanctions regime", []),                                              # stop phrase blocks regime
    ("imperialists' lackeys", [("imperialists' lackeys", "imperialists' lackeys")]),
    ("imperialists\u2019 lackeys", [("imperialists\u2019 lackeys", "imperialists' lackeys")]),
    ("imperialist", [("imperialist", "imperialis*")]),                          # equal spans: the first found
    ("imperialism and hegemonism", [("imperialism", "imperialis*"), ("hegemonism", "hegem*")]),
    ("War-Games", [("War-Games", "war games")]),
    ("WAR\u2013GAMES", [("WAR\u2013GAMES", "war games")]),                      # en dash
    ("war\u00a0games", [("war\u00a0games", "war games")]),                      # no-break space
    ("war ,  games", [("war ,  games", "war games")]),                          # punctuation and a run of spaces
    ("war.  Games", []),                                                        # a sentence end between the words
    ("war\ngames", []),                                                         # a line break
    ("war\n\ngames", []),
    ("U.S.  imperialists", [("U.S.  imperialists", "u.s. imperialists")]),     # an abbreviation is no sentence end
    ("war games people play", [("games people", "games people")]),           # chained terms: the longest
    ("a b c", [("a b", "a b")]),                                                # equal length: the earliest
    ("a b c d", [("a b c d", "a b c d")]),
    ("x a b c d a b c", [("a b c d", "a b c d"), ("a b", "a b")]),
    ("so-called US\u2011led", [("so-called", "so-called"), ("US\u2011led", "US-led")]),
    ("the re\u00adgime", [("re\u00adgime", "regime")]),                          # soft hyphen deleted
    ("the \u00ad regime", [("regime", "regime")]),
    ("a\u200bb c", []),                                                         # zero-width deleted: "ab c"
    ("see http://regime.example/war-games now, regime", [("regime", "regime")]),  # inside a web address
    ("WWW.REGIME.EXAMPLE regime", [("REGIME", "regime"), ("regime", "regime")]),  # "www." is case-sensitive
    ("www regime", [("regime", "regime")]),
    ("Réunion régime", [("Réunion", "réunion")]),
    ("режим РЕЖИМ", [("режим", "режим"), ("РЕЖИМ", "режим")]),
    ("don't", [("don't", "don't")]),
    ("don\u2019t", [("don\u2019t", "don't")]),
    ("regimen regimes", [("regimes", "regimes")]),
    ("\u201cregime\u201d", [("regime", "regime")]),
    ("日本 regime 中文", [("regime", "regime")]),                               # two-byte text
    ("naïve regime", [("regime", "regime")]),                                   # one-byte text beyond ASCII
])
def test_compiled_path_equals_python_path(matcher, text, expected):
    native, python = _both(matcher, text)
    assert native == python
    assert _terms(matcher, text, native) == expected


def test_matches_are_match_objects_equal_and_hashed_by_value(matcher):
    native, python = _both(matcher, "The puppet regime and the imperialists")
    assert all(type(m) is Match for m in native)
    assert [hash(m) for m in native] == [hash(m) for m in python]
    assert native[0] == Match(4, 17, native[0].entry)


def test_only_non_bmp_texts_take_the_python_path(matcher):
    text = "the regime \U0001F600 war games"
    assert matcher.native_.find(text) is None
    assert _terms(matcher, text, matcher.find(text)) == [("regime", "regime"), ("war games", "war games")]


def test_a_lone_surrogate_raises_as_in_the_python_path(matcher):
    text = "regime \ud800"
    assert matcher.native_.find(text) is None
    with pytest.raises(UnicodeEncodeError):
        matcher._find_python(text)
    with pytest.raises(UnicodeEncodeError):
        matcher.find(text)


def test_a_given_copy_is_not_needed(matcher):
    from pipelines.text import matching_copy

    text = "The puppet regime\u2019s war-games"
    copy, offsets = matching_copy(text)
    assert matcher.find(text, copy, offsets) == matcher._find_python(text, copy, offsets) == matcher.find(text)


def test_count_is_the_number_of_overlapping_key_occurrences(matcher):
    # " puppet regime " and " regime " (a suffix of it) both end at the last space
    assert matcher.native_.count("puppet regime") == 2
    assert matcher.native_.count("nothing here") == 0
    assert matcher.native_.count("\U0001F600") is None


def test_a_pickled_matcher_rebuilds_its_automaton(matcher):
    text = "The puppet regime\u2019s war-games; imperialism. See www.regime.example. So-called REGIMES."
    loaded = pickle.loads(pickle.dumps(matcher))
    assert loaded.native_ is not None and loaded.native_ is not matcher.native_
    assert loaded.find(text) == matcher.find(text) == matcher._find_python(text)
    with pytest.raises(TypeError):
        pickle.dumps(matcher.native_)


def test_builtin_lexicon_on_tricky_text():
    lexicon, _ = load_lexicon()
    m = LexiconMatcher(lexicon).fit()
    text = ("The U.S. imperialists\u2019 lackeys staged war-games again. The so-called \u201csanctions regime\u201d "
            "and the puppet  regime; the Kiev regime\u2019s neo-Nazis. US-led NATO-backed forces.\n"
            "https://kcna.kp/puppet-regime regime change.")
    native = m.native_.find(text)
    assert native is not None and len(native) >= 6
    assert native == m._find_python(text)


def test_automaton_rejects_bad_arguments():
    from pipelines import _match
    from pipelines.text import crosses_sentence_end
    from pipelines.lexicon import web_addresses

    lut = bytes(65536)
    good = ([b"\x00\x01\x00"], [(0, False, False, False)], lut, 2, crosses_sentence_end, web_addresses, Match)
    _match.Automaton(*good)
    with pytest.raises(ValueError, match="lut"):
        _match.Automaton(good[0], good[1], bytes(10), *good[3:])
    with pytest.raises(ValueError, match="n_classes"):
        _match.Automaton(*good[:3], 1, *good[4:])
    with pytest.raises(ValueError, match="class"):
        _match.Automaton([b"\x00\x05"], *good[1:])
    with pytest.raises(ValueError, match="too short"):
        _match.Automaton([b"\x00\x01"], *good[1:])
    with pytest.raises(ValueError, match="same length"):
        _match.Automaton(good[0], [], *good[2:])
    with pytest.raises(TypeError, match="slot"):
        _match.Automaton(*good[:6], int)
    a = _match.Automaton.__new__(_match.Automaton)
    with pytest.raises(RuntimeError, match="not initialised"):
        a.find("x")


def test_without_the_extension_a_warning_says_so_once_and_the_python_path_matches():
    code = (
        "import sys, warnings\n"
        "sys.modules['pipelines._match'] = None\n"   # the import fails as when the module is not built
        "warnings.simplefilter('always')\n"
        "from pipelines.lexicon import LexiconMatcher, load_lexicon\n"
        "lex, _ = load_lexicon()\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    a = LexiconMatcher(lex).fit(); b = LexiconMatcher(lex).fit()\n"
        "print(len([x for x in w if 'pipelines._match' in str(x.message)]), a.native_, len(b.find('the puppet regime')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "None", "1"]


def test_random_texts_of_terms_and_filler(matcher):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    words = ["regime", "Regime", "REGIMES", "regimen", "puppet", "sanctions", "war", "games", "people", "play",
             "imperialists", "imperialist", "imperialism", "lackeys", "so", "called", "US", "led", "a", "b", "c",
             "d", "U.S.", "Mr.", "hegemony", "Réunion", "режим", "don", "t", "http://x.example/regime", "www.",
             "WWW.", "http", "re\u00adgime", "日本", "x", "_", "9"]
    seps = [" ", "  ", ", ", ". ", "! ", "? ", "\n", "\n\n", "-", ".", "\u2019", "'", "\u2019 ", "\u00a0", "\u00ad",
            " \u201c", "\u201d ", "\u2013", "\t", "\u200b", " (", ") ", "\u00a0\u00a0"]
    piece = st.tuples(st.sampled_from(words), st.sampled_from(seps)).map("".join)

    @settings(max_examples=1500, deadline=None)
    @given(st.sampled_from(seps + [""]), st.lists(piece, max_size=30).map("".join))
    def check(lead, body):
        text = lead + body
        native, python = _both(matcher, text)
        assert native == python

    check()


def test_random_texts_of_any_bmp_characters(matcher):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    alphabet = st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",))
    chunk = st.one_of(st.text(alphabet, max_size=4), st.sampled_from(["regime", "war games", "a b c", "imperialist"]))

    @settings(max_examples=800, deadline=None)
    @given(st.lists(chunk, max_size=20).map("".join))
    def check(text):
        native, python = _both(matcher, text)
        assert native == python

    check()


def test_long_texts_scanned_in_pieces_match_the_python_path(matcher):
    """Copies over ~1,200 characters are scanned as four interleaved pieces: terms across the
    pieces' seams must be found once, as by one scan."""
    import random

    rng = random.Random(4)
    words = ["regime", "puppet", "war", "games", "people", "play", "a", "b", "c", "d", "imperialists", "lackeys",
             "filler", "text", "imperialism", "so-called"]
    for n in (300, 301, 302, 303, 700, 2500):
        text = " ".join(rng.choice(words) for _ in range(n))
        native, python = _both(matcher, text)
        assert native == python and len(native) > n // 10
