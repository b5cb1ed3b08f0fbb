"""Fuzzing (hypothesis) of what reads untrusted text: the normaliser, the matchers, quote and voice
detection, date parsing and the CSV export read back through our own ingest.

Properties already held elsewhere are not repeated here: ``fold`` idempotence and the offset
map (tests/pipelines/test_text.py), quote spans on short texts (tests/pipelines/test_quotes.py).
These tests add any-Unicode texts, hostile markup and the end-to-end properties.
"""

from __future__ import annotations

import io
import json
import unicodedata
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipelines.csvsafe import FORMULA_LEADS, to_csv_bytes
from pipelines.dates import parse_dates
from pipelines.frames import FrameScorer
from pipelines.ingest import IngestOptions, canonical_text, ingest_files
from pipelines.lexicon import LexiconMatcher, load_lexicon
from pipelines.outlets import read_registry, strip_boilerplate
from pipelines.quotes import find_quotes, sentence_spans, voice_of
from pipelines.score import score_text
from pipelines.sources import html_to_text
from pipelines.text import fold

ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
"""Any Unicode text (lone surrogates cannot be stored as UTF-8, so they are left out)."""

_LEX, _ = load_lexicon()
_MATCHER = LexiconMatcher(_LEX).fit()
_SPELLINGS = sorted({s.rstrip("*") for e in _LEX.entries for s in e.spellings})[:400]
_PIECES = st.sampled_from(_SPELLINGS + [
    " ", "  ", "\n", "\n\n", ". ", ", ", "-", "\u2011", "\u00ad", "\u00a0", "\u2019", "'", "\u201c", "\u201d", '"',
    " said ", " told reporters ", " according to ", "Mr Kim", "<b>", "</b>", "&amp;", "http://x.org/regime ",
    "\u0301", "\u200b", "\u202e", "\ufeff", "İ", "ß", "\U0001f600", "e\u0301", "\r\n", "\t"])
LOADED_TEXT = st.lists(_PIECES, max_size=40).map("".join) | ANY_TEXT
"""Texts dense in lexicon terms, joined by awkward separators, or any Unicode text."""


# -- the normaliser ------------------------------------------------------------------

@given(ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_canonical_text_is_idempotent_and_stored_form(text):
    once = canonical_text(text)
    assert canonical_text(once) == once
    assert "\r" not in once and once == once.strip()
    assert unicodedata.is_normalized("NFC", once)


@given(st.lists(st.sampled_from(["<p>", "</p>", "<br>", "<script>", "</script>", "<img src=x onerror=y>",
                                 "&lt;", "&#0;", "&#x110000;", "&bogus;", "<!--", "-->", "<![CDATA[", "]]>",
                                 "text", " ", "\n", "<", ">", "&", "<a href='javascript:x'>", "</a>"]),
                max_size=30).map("".join) | ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_html_to_text_never_raises(fragment):
    out = html_to_text(fragment)
    assert isinstance(out, str) and len(out) <= len(fragment)


# -- the matchers --------------------------------------------------------------------

@given(LOADED_TEXT)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_mention_is_the_text_at_its_offsets(text):
    mentions, quotes, words = score_text(text, _MATCHER)
    last_end = -1
    for m in sorted(mentions, key=lambda m: m["start"]):
        assert 0 <= m["start"] < m["end"] <= len(text)
        assert text[m["start"]:m["end"]] == m["text"]
        assert m["start"] >= last_end                       # no two mentions overlap
        last_end = m["end"]
        assert m["voice"] in ("outlet", "quoted", "attributed")
    assert set(words) == {"outlet", "quoted", "attributed"} and min(words.values()) >= 0


@given(LOADED_TEXT)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_lexicon_and_frame_matches_are_a_spelling_of_their_entry(text):
    for matcher in (_MATCHER, _frame_scorer().matcher_):
        for m in matcher.find(text):
            assert 0 <= m.start < m.end <= len(text)
            assert _is_spelling_of(matcher.lexicon.entries[m.entry], text[m.start:m.end])


def _is_spelling_of(entry, found: str) -> bool:
    """*found*, folded, is one of the entry's spellings folded (or starts with a prefix spelling)."""
    got = fold(found)
    return any(got == fold(s) or (s.endswith("*") and got.startswith(fold(s[:-1]))) for s in entry.spellings)


_FRAMES: list = []


def _frame_scorer():
    if not _FRAMES:
        _FRAMES.append(FrameScorer().fit())
    return _FRAMES[0]


# -- quotes and voice ----------------------------------------------------------------

@given(LOADED_TEXT, st.lists(st.sampled_from(["KCNA", "RT", "Mr Kim", "the ministry", ""]), max_size=3))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_quote_and_voice_detection_never_raise_and_stay_in_the_text(text, outlet_names):
    quotes = find_quotes(text, outlet_names=tuple(outlet_names))
    for q in quotes:
        assert 0 <= q.start <= q.end <= len(text)
        assert q.speaker is None or isinstance(q.speaker, str)
    for a, b in sentence_spans(text):
        assert 0 <= a < b <= len(text)
    for pos in range(0, len(text), 7):
        voice, _, idx = voice_of(quotes, pos, min(pos + 3, len(text)))
        assert voice in ("outlet", "quoted", "attributed") and (idx is None or 0 <= idx < len(quotes))


# -- dates ---------------------------------------------------------------------------

DATE_VALUES = st.one_of(
    st.none(), ANY_TEXT, st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(timezones=st.none() | st.just(timezone.utc)), st.dates(),
    st.from_regex(r"\A[0-9]{1,4}[-/. ][0-9]{1,2}[-/. ][0-9]{1,4}( [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?"
                  r"( ?(Z|[+-][0-9]{2}:?[0-9]{2}|GMT|EST))?\Z"),
    st.sampled_from(["Tue, 30 Feb 2024 10:00:00 +0000", "2024-13-45", "0000-00-00", "9999-12-31T23:59:59Z",
                     "1899-12-31", "1e20", "NaT", "nan", "-1", "17040672000000000", "Mon, 01 Jan 0001 00:00:00 GMT"]))


@given(st.lists(DATE_VALUES, max_size=12), st.sampled_from([None, "DMY", "MDY"]),
       st.sampled_from(["UTC", "Asia/Pyongyang", "America/New_York"]))
@settings(max_examples=400, deadline=None)
def test_date_parsing_never_raises_and_gives_utc_instants(values, order, tz):
    parsed = parse_dates(values, order=order, assume_tz=tz,
                         not_after=datetime(2030, 1, 1, tzinfo=timezone.utc), where="fuzz")
    assert len(parsed.instants) == len(values) == len(parsed.notes)
    for value, instant, note in zip(values, parsed.instants, parsed.notes):
        if instant is None:
            continue
        assert isinstance(instant, datetime)
        assert instant.utcoffset() is not None and instant.utcoffset().total_seconds() == 0
        assert instant <= datetime(2030, 1, 1, tzinfo=timezone.utc)


def test_date_parsing_examples_found_by_hand():
    parsed = parse_dates(["2024-02-30", "1850-06-01", "", "2024-03-01T10:00:00+09:00"], where="x")
    assert parsed.instants[0] is None and parsed.instants[2] is None
    assert parsed.instants[1] == datetime(1850, 6, 1, tzinfo=timezone.utc)
    assert parsed.instants[3] == datetime(2024, 3, 1, 1, 0, tzinfo=timezone.utc)


# -- CSV export, read back through our own ingest ------------------------------------

_CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="<&\u2028\u2029\x85"
                                       ) | st.sampled_from(["\n", "\t", '"', ",", ";", "=", "+", "-", "@"]),
                min_size=1, max_size=60)
_OUTLETS = st.sampled_from(["Alpha Daily", "O'Reilly Wire", "=Equals News", "+Plus Post", "@At Times", "-Minus"])


_REGISTRY = read_registry()


def _kept_whole(text: str, outlet: str) -> bool:
    """Ingest keeps the body as it is (no registry boilerplate line such as a lone "©" removed)."""
    body = canonical_text(text)
    return body != "" and canonical_text(strip_boilerplate(body, _REGISTRY.boilerplate_patterns(outlet))) == body


@given(st.lists(st.tuples(_OUTLETS, _CELL, _CELL, st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3)),
                          st.integers(-10**9, 10**9)), min_size=1, max_size=8, unique_by=lambda r: r[2]))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])
def test_exported_csv_reads_back_to_the_same_table_through_ingest(tmp_path, rows):
    df = pd.DataFrame(rows, columns=["outlet", "title", "text", "score", "count"])
    assume(all(_kept_whole(t, o) for o, t in zip(df["outlet"], df["text"])))
    path = tmp_path / "export.csv"
    path.write_bytes(to_csv_bytes(df))
    result = ingest_files([path], IngestOptions(), "fuzz", registry=_REGISTRY)
    assert result.n_input == len(df) and result.n_rejected == 0
    back = result.articles.sort_values("source_row").reset_index(drop=True)
    assert len(back) + result.n_duplicates == len(df)
    for (_, want), got in zip(df.drop_duplicates(["outlet", "title", "text"]).iterrows(), back.itertuples()):
        lead = "'" if want["outlet"].startswith(FORMULA_LEADS) else ""
        assert got.outlet_raw == lead + want["outlet"]
        lead = "'" if want["text"].startswith(FORMULA_LEADS) else ""
        assert got.text == canonical_text(lead + want["text"])
        extra = json.loads(got.extra)
        # Numbers come back as the same numbers: never prefixed, whatever their sign.
        assert float(extra["score"]) == want["score"] and int(extra["count"]) == want["count"]


@given(st.lists(st.tuples(_CELL, st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
                          st.one_of(st.none(), st.integers(-5, 5))), min_size=1, max_size=10))
@settings(max_examples=200, deadline=None)
def test_export_round_trip_through_pandas_changes_only_formula_text(rows):
    df = pd.DataFrame(rows, columns=["label", "value", "n"])
    df["n"] = df["n"].astype("Int64")
    back = pd.read_csv(io.BytesIO(to_csv_bytes(df)), encoding="utf-8-sig", keep_default_na=False,
                       dtype={"label": str})
    assert list(back.columns) == ["label", "value", "n"]
    expected = [("'" + s if s.startswith(FORMULA_LEADS) else s) for s in df["label"]]
    assert back["label"].tolist() == expected
    assert np.allclose(back["value"].astype(float), df["value"], rtol=1e-15, atol=0)
    assert [None if v == "" else int(v) for v in back["n"].astype(str)] == [None if pd.isna(v) else int(v)
                                                                            for v in df["n"]]


@pytest.mark.parametrize("value", [-3.5, -0.25, 1e-7, -1234567.0])
def test_negative_numbers_stay_numbers_in_the_export(value):
    data = to_csv_bytes(pd.DataFrame({"outlet": ["=A"], "rate": [value], "day": [date(2024, 1, 2)]}))
    assert data.decode("utf-8-sig").splitlines() == ["outlet,rate,day", f"'=A,{value!r},2024-01-02"]
