import bisect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.text import (CopyOffsets, count_words, crosses_sentence_end, dateline_spans, fold, matching_copy,
                            text_hash)


@pytest.mark.parametrize("text, expected", [
    ("The Regime’s envoy", " the regime s envoy "),
    ("war\u2011games", " war games "),            # non-breaking hyphen
    ("war\u00a0games", " war games "),            # NBSP
    ("war\u202fgames", " war games "),            # narrow NBSP
    ("war \u2013 games", " war games "),          # en dash with spaces
    ("hege\u00admonic policy", " hegemonic policy "),  # soft hyphen deleted
    ("regime\u02bcs", " regime s "),              # modifier-letter apostrophe
    ("“So-called” ELECTION!", " so called election "),
    ("İstanbul", " istanbul "),                   # lower() would give two code points
    ("", "  "),
    ("...", "  "),
])
def test_matching_copy_folds(text, expected):
    copy, offsets = matching_copy(text)
    assert copy == expected
    assert len(offsets) == len(copy)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
@settings(max_examples=300, deadline=None)
def test_offsets_map_every_copy_char_back_to_its_source(text):
    copy, offsets = matching_copy(text)
    assert offsets[0] == -1 and offsets[-1] == len(text)
    inner = offsets[1:-1]
    assert all(inner[i] < inner[i + 1] for i in range(len(inner) - 1))
    for ch, at in zip(copy[1:-1], inner):
        if ch != " ":
            source = text[at]
            assert ch == source.lower()[0] or not source.isascii()


@given(st.text(max_size=100))
@settings(max_examples=200, deadline=None)
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@pytest.mark.parametrize("text, start, end, expected", [
    ("They lost the war. Games resume.", 14, 24, True),
    ("They lost the war! Games resume.", 14, 24, True),
    ("the war\nGames", 4, 13, True),
    ("the U.S. Navy sailed", 4, 13, False),
    ("Mr. Smith spoke", 0, 9, False),
    ("war games today", 0, 9, False),
])
def test_crosses_sentence_end(text, start, end, expected):
    assert crosses_sentence_end(text, start, end) is expected


def test_count_words_and_hash():
    assert count_words("The regime’s “war-games”, 2024.") == 6
    assert text_hash("A  b\nC") == text_hash("a b c")
    assert text_hash("a b") != text_hash("a c")


# Characters that take the one-for-one path (ASCII, BMP punctuation, NBSP, accented and
# upper-case letters, 'İ', the modifier apostrophe) and the general one (soft hyphen,
# zero-width joiner, an emoji), in runs that make space runs of every length.
_MIXED = st.lists(st.sampled_from(list("ab Z.,!?-_x9\n\t") + ["  ", "\u00a0", "\u2019", "\u201c", "\u2013", "İ",
                                                                  "é", "\u02bc", "\u00ad", "\u200d", "\U0001F600",
                                                                  "Ω", "\x00", "\uffff", "\u0301"]),
                  max_size=60).map("".join)


@given(_MIXED)
@settings(max_examples=400, deadline=None)
def test_fast_copy_and_offsets_equal_the_general_path(text):
    from pipelines.text import _matching_copy_general

    copy, offsets = matching_copy(text)
    ref_copy, ref_offsets = _matching_copy_general(text)
    assert copy == ref_copy
    positions = list(range(len(copy)))
    # before the array is built (take answers from the dropped spaces), then after
    assert np.array_equal(offsets.take(positions), ref_offsets)
    assert offsets.take_inner(positions[1:-1]) == ref_offsets[1:-1].tolist()
    gaps = offsets.gap_list()
    assert [p - 1 + bisect.bisect_right(gaps, p - 1) for p in positions[1:-1]] == ref_offsets[1:-1].tolist()
    assert np.asarray(offsets).dtype == np.int64 and np.array_equal(np.asarray(offsets), ref_offsets)
    assert offsets.take_inner(positions[1:-1]) == ref_offsets[1:-1].tolist()
    # the gap list of offsets given as the array (the general path's, or a caller's)
    gaps = CopyOffsets(len(text), ref_offsets).gap_list()
    assert [p - 1 + bisect.bisect_right(gaps, p - 1) for p in positions[1:-1]] == ref_offsets[1:-1].tolist()


def test_copy_offsets_answer_as_the_int64_array():
    copy, offsets = matching_copy("“War,  games”\u00a0now.")
    assert copy == " war games now "
    # “ W a r ,  _ _ g a m e s ” NBSP n o w .   (text positions 0..17; a run keeps its first space)
    array = np.array([-1, 1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 14, 15, 16, 18])
    assert len(offsets) == len(array)
    assert offsets[5] == 7 and offsets[-1] == 18
    assert np.array_equal(offsets[1:-1], array[1:-1])
    assert np.array_equal(offsets[np.array([1, 5])], [1, 7])
    assert (offsets == array).all()
    assert list(offsets) == array.tolist()
    with pytest.raises(IndexError):
        matching_copy("war")[1].take([5])


# ---- the compiled fold (pipelines._match.fold_copy) against the numpy path ------------------------
# The C function is called by name, not through matching_copy (which falls back to numpy when the
# module is missing, so comparing through it would compare numpy with itself): without the module
# these comparisons skip, saying why, and test_compiled_fold_is_built_and_answers fails.

try:
    from pipelines import _match
except ImportError as _exc:   # pragma: no cover - test_compiled_fold_is_built_and_answers fails then
    _match = None
    _NO_MATCH = f"pipelines._match is not built ({_exc}): run `pip install -e .`; nothing to compare"
else:
    _NO_MATCH = ""
needs_compiled = pytest.mark.skipif(_match is None, reason=_NO_MATCH)

_DECLINED = ["\u00ad", "\u200b", "\U0001f600", "\ud800"]   # to delete, outside the BMP, a lone surrogate
_FOLD_ALPHABET_C = (list("aZ09 _-.,'\"\n\t") + ["\u00a0", "\u2019", "\u201c", "\u0130", "\u00df", "\u00b5", "\u0301",
                                               "\u02bc", "\u2014", "\u3000", "\u0416", "\u05d0"])
_FOLD_ALPHABET = st.sampled_from(_FOLD_ALPHABET_C + _DECLINED)


def _c_declines(text: str) -> bool:
    """Whether fold_copy must leave *text* to numpy: a character to delete, outside the BMP, or a surrogate."""
    from pipelines.text import _table16
    table = _table16()
    return any(ord(c) > 0xFFFF or 0xD800 <= ord(c) <= 0xDFFF or table[ord(c)] == 0 for c in text)


def _same_copy(text: str) -> bool:
    """The C fold of *text* equals the numpy one (copy and offsets), or C declines exactly the texts it
    should and matching_copy then gives numpy's answer. Returns whether C answered."""
    from pipelines.text import _matching_copy_numpy, _table16_bytes
    answer = _match.fold_copy(text, _table16_bytes())
    assert (answer is None) == _c_declines(text)
    try:
        ref_copy, ref_offsets = _matching_copy_numpy(text)
    except UnicodeEncodeError:   # a lone surrogate: numpy refuses it, and so does matching_copy
        with pytest.raises(UnicodeEncodeError):
            matching_copy(text)
        return False
    if answer is None:
        copy, offsets = matching_copy(text)
    else:
        copy = answer[0]
        offsets = CopyOffsets(len(text), kept=np.frombuffer(answer[1], dtype=np.bool_), n=len(copy))
    assert copy == ref_copy
    assert np.array_equal(np.asarray(offsets), np.asarray(ref_offsets))
    inner = list(range(1, len(copy) - 1))
    assert offsets.take_inner(inner) == ref_offsets.take_inner(inner)
    return answer is not None


@needs_compiled
@settings(max_examples=400, deadline=None)
@given(st.lists(_FOLD_ALPHABET, max_size=60).map("".join))
def test_compiled_fold_gives_the_numpy_copy_and_offsets(text):
    _same_copy(text)


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FOLD_ALPHABET_C), max_size=60).map("".join))
def test_compiled_fold_answers_every_bmp_text_without_deletions_as_numpy_does(text):
    assert _same_copy(text)


@needs_compiled
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_compiled_fold_gives_the_numpy_copy_for_any_text(text):
    _same_copy(text)


def test_matching_copy_runs_the_compiled_fold():
    from pipelines import text as text_module
    assert _match is not None, _NO_MATCH
    assert text_module._fold_copy is _match.fold_copy


def test_compiled_fold_is_built_and_answers():
    """The compiled fold is in use: it answers for a BMP text and leaves the rest to numpy."""
    from pipelines import text as text_module
    assert text_module._fold_copy is not None, "pipelines._match is not built: run `pip install -e .`"
    table = text_module._table16_bytes()
    copy, kept = text_module._fold_copy("Ab\u00a0 c\u2019d ", table)
    assert copy == " ab c d "
    assert bytes(kept) == bytes([1, 1, 1, 0, 1, 1, 1, 1])
    assert text_module._fold_copy("soft\u00adhyphen", table) is None
    assert text_module._fold_copy("emoji \U0001f600", table) is None
    assert text_module._fold_copy("lone \ud800", table) is None
    with pytest.raises(ValueError, match="65536"):
        text_module._fold_copy("x", b"short")


@given(_MIXED | st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
@settings(max_examples=400, deadline=None)
def test_matching_copy_text_is_the_copy_of_matching_copy(text):
    """The copy alone (an ASCII text folded without numpy) is matching_copy's copy, every ASCII
    character and other scripts included."""
    from pipelines.text import matching_copy_text

    assert matching_copy_text(text) == matching_copy(text)[0]
    every_ascii = "".join(map(chr, range(128))) + text
    assert matching_copy_text(every_ascii) == matching_copy(every_ascii)[0]


# Openings from ../shared/corpora (KCNA 2024, RSS world news 2023) and near misses.
@pytest.mark.parametrize("text, dateline", [
    ("Pyongyang, December 24 (KCNA) -- Japan continues", "Pyongyang, December 24 (KCNA) -- "),
    ("Pyongyang, January 12 (KCNA) --Kim Jong Un, president", "Pyongyang, January 12 (KCNA) --"),
    ("Pyongyang, November 3 (KCNA) \u2013 Avengers are", "Pyongyang, November 3 (KCNA) \u2013 "),
    ("SAN DIEGO (AP) \u2014 The U.S. is seeing", "SAN DIEGO (AP) \u2014 "),
    ("WASHINGTON (NEXSTAR) -- B. Taylor is", "WASHINGTON (NEXSTAR) -- "),
    ("ADIYAMAN, Turkey \u2014 As the temperatures", "ADIYAMAN, Turkey \u2014 "),
    ("RIO DE JANEIRO \u2014 A man who", "RIO DE JANEIRO \u2014 "),
    ("BEIJING, March 5 (Xinhua) -- China", "BEIJING, March 5 (Xinhua) -- "),
    ("WASHINGTON, Oct. 5 \u2014 Officials", "WASHINGTON, Oct. 5 \u2014 "),
    ("Rangers v Celtic: No room for error", None),
    ("U.S. - China High Level Agricultural Dialogue", None),
    ("- He made an important speech. (photos accompanied)", None),
    ("Russia - China summit opens", None),
    ("Talks in Pyongyang (KCNA) -- mid-line", None),
    ("Russian drone takes out Leopard tank (VIDEO) \u2013 RIA", None),
])
def test_dateline_spans(text, dateline):
    spans = dateline_spans(text)
    assert [text[a:b] for a, b in spans] == ([dateline] if dateline else [])


def test_dateline_spans_at_every_paragraph_start():
    text = "Title line\nPyongyang, May 1 (KCNA) -- Body.\nMOSCOW \u2014 More."
    assert [text[a:b] for a, b in dateline_spans(text)] == ["Pyongyang, May 1 (KCNA) -- ", "MOSCOW \u2014 "]
