"""The ingest's fast paths give what the plain functions give (speed is measured in benchmarks/bench_ingest.py).

``text.text_hash`` and ``text.count_words`` (one-pass forms) = their regular-expression definitions, ``BoilerplateScreen`` =
``outlets.strip_boilerplate`` with every pattern, ``canonical_text`` idempotent (the second call
is skipped when no boilerplate was removed), JSON lines read as bytes by orjson = read as text by ``json``.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.ingest import (_ASCII_LOOKALIKES, BoilerplateScreen, _jsonl_rows, _open_text, _read_file,
                              _required_literal, _why_no_records, canonical_text)
from pipelines.outlets import read_registry, strip_boilerplate
from pipelines.text import WORD_RE, count_words, text_hash, text_hash_and_count


def regex_text_hash(text: str) -> str:
    """The definition ``text_hash`` must equal: white-space runs to one space by regex, strip, casefold."""
    return hashlib.sha1(re.sub(r"\s+", " ", text).strip().casefold().encode("utf-8")).hexdigest()[:16]


def regex_count_words(text: str) -> int:
    """The definition ``count_words`` must equal: the number of ``WORD_RE`` matches."""
    return len(WORD_RE.findall(text))


@functools.cache
def _patterns(outlet: str) -> list[re.Pattern]:
    return read_registry().boilerplate_patterns(outlet)


EVERY = "".join(map(chr, range(0x110000)))
SPACES = [c for c in EVERY if c.isspace()]

TEXTS = [
    "", " ", "a", "_", "Hello, world!", "  Two  spaces\tand\na line  ", "ß STRASSE Straße", "İstanbul ıi ſs",
    "“Quoted” — dash’s words 12,5 %", "a\u0301b c_d 12 \u3000x", "\u2028line\u2029sep\x1c\x1d\x1e\x1f\x85end",
    "日本語のテキスト 和 text", "\ud800 lone surrogate ab", "emoji 😀 x1 y_2", "\xa0nbsp\xa0",
    " ".join(SPACES) + "x" + "".join(SPACES),
]


def _outcome(fn, text):
    try:
        return fn(text)
    except Exception as exc:  # noqa: BLE001 - a lone surrogate cannot be encoded: both must fail alike
        return type(exc)


@pytest.mark.parametrize("text", TEXTS)
def test_text_hash_and_count_words_equal_their_regex_definitions(text):
    assert _outcome(text_hash, text) == _outcome(regex_text_hash, text)
    assert count_words(text) == regex_count_words(text)
    assert _outcome(text_hash_and_count, text) == _outcome(both_definitions, text)


def both_definitions(text: str) -> tuple[str, int]:
    return regex_text_hash(text), regex_count_words(text)


def test_utf8_paths_with_each_character_between_ascii_words():
    """text_hash and count_words read a text on its UTF-8 bytes when its characters outside ASCII are
    no white space, unchanged by casefold (hash) or no word characters (count): each character,
    taking the byte path or not, between ASCII words gives what the definitions give."""
    for c in EVERY[0x1C:0x20] + EVERY[0x80::61] + "“”‘’–—…\xa0\u2028\u3000\u212aßÉéİ\ud800":
        text = f"Ab{c}cd  EF {c}{c}x\n\ny_{c}"
        assert _outcome(text_hash, text) == _outcome(regex_text_hash, text), repr(c)
        assert count_words(text) == regex_count_words(text), repr(c)
        assert _outcome(text_hash_and_count, text) == _outcome(both_definitions, text), repr(c)


def test_str_split_breaks_on_exactly_the_characters_regex_s_matches():
    assert set(re.findall(r"\s", EVERY)) == set(SPACES)
    assert len(SPACES) > 20  # Unicode spaces, not only ASCII ones


def test_count_words_on_every_code_point():
    # Each character alone, and all of them in a row (runs across every boundary of \w).
    assert count_words(EVERY.replace("\ud800", "")) == regex_count_words(EVERY.replace("\ud800", ""))
    sample = EVERY[::997]
    assert [count_words(c + " " + c + c) for c in sample] == [regex_count_words(c + " " + c + c) for c in sample]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_fast_paths_on_any_text(text):
    assert text_hash(text) == regex_text_hash(text)
    assert count_words(text) == regex_count_words(text)
    assert text_hash_and_count(text) == both_definitions(text)
    assert canonical_text(canonical_text(text)) == canonical_text(text)


def test_ascii_lookalikes_are_all_the_ignorecase_exceptions():
    """Every character outside ASCII that matches an ASCII character ignoring case."""
    found = set()
    for i in range(128):
        found |= {c for c in re.findall(re.escape(chr(i)), EVERY, re.IGNORECASE) if not c.isascii()}
    assert found == set(_ASCII_LOOKALIKES)


@pytest.mark.parametrize("pattern, expected", [
    (r"(?i)(?P<cut>(?:^|\s+)read (?:the )?full (?:article|story) (?:at|on)\s+[\w.-]+)$", "read "),
    (r"(?i)^\W{0,3}all rights reserved\W{0,3}$", "all rights reserved"),
    (r"(?P<cut>(?:^|\s+)-0-)\s*$", "-0-"),
    (r"^a|bcdef", None),                    # alternatives: no run every match holds
    (r"(?i:abcdef)xy", None),               # a group with its own flags ends the run
    (r"ab(?:cd)?ef", None),
    (r"abcd(?=efgh)", "abcd"),              # a look-ahead is not part of the run
    (r"x{5}", None),
    (r"[abc]{3}", None),
])
def test_required_literal(pattern, expected):
    assert _required_literal(re.compile(pattern)) == expected


FOOTERS = [
    "Read Full Article at RT.com", "READ FULL ARTICLE AT RT.COM", "Read more: the story", "© 2026 Example Times",
    "All rights reserved.", "ALL RIGHTS REſERVED", "This report is also available at the following addresses:",
    "This report is also available at the FOLLOWİNG addresses:", "rEad thE full story at example.org",
    "The end of the story. -0-", "-0-", "Related stories", "We read full reports at night.",
    "Say “read” — no full stop", "The people read it. Read full article at kcna.kp",
]
WORDS = ["The minister said", "Read", "full", "article", "at", "rt.com", "İ", "ı", "ſ", "“quoted”", "-0-", "  ", ""]


def test_lower_case_of_other_characters_holds_no_ascii_but_for_lookalikes():
    """What lets the screen look for an ASCII run in ``text.lower()`` of a text in another script."""
    assert {c for c in EVERY[128:] if any(x.isascii() for x in c.lower())} <= set(_ASCII_LOOKALIKES)


@pytest.mark.parametrize("footer", FOOTERS[:3] + ["Read full article at RT.com", "ALL RIGHTS RESERVED", "BAC\u212a"])
@pytest.mark.parametrize("body", ["Москва заявила о переговорах. " * 20, "中国外交部发言人表示。" * 30])
def test_screen_on_texts_in_another_script(body, footer):
    """Mostly non-ASCII texts are screened on ``text.lower()``; the same text comes out as with every pattern."""
    patterns = _patterns("RT")
    text = canonical_text(f"{body}\n{footer}\n{body}")
    assert BoilerplateScreen(patterns)(text) == strip_boilerplate(text, patterns)
    assert "Read" not in BoilerplateScreen(patterns)(canonical_text(f"{body}\nRead full article at RT.com"))


@pytest.mark.parametrize("outlet", ["RT", "KCNA", "Unknown Outlet", "BBC News"])
@pytest.mark.parametrize("footer", FOOTERS)
def test_screen_strips_as_strip_boilerplate(outlet, footer):
    patterns = _patterns(outlet)
    text = canonical_text(f"First paragraph of the story.\n\n{footer}\nLast line.\n{footer}")
    assert BoilerplateScreen(patterns)(text) == strip_boilerplate(text, patterns)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FOOTERS), st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join)),
                max_size=6),
       st.sampled_from(["RT", "KCNA", "Unknown Outlet"]))
def test_screen_strips_as_strip_boilerplate_on_any_lines(lines, outlet):
    patterns = _patterns(outlet)
    text = canonical_text("\n".join(lines))
    assert BoilerplateScreen(patterns)(text) == strip_boilerplate(text, patterns)


def test_a_pattern_after_a_cut_is_kept_even_when_no_line_holds_its_run():
    """Cutting ``XX`` out of ``abXXcd`` makes ``abcd``, which the second pattern removes."""
    patterns = [re.compile(r"(?P<cut>XX)"), re.compile(r"^abcd$")]
    text = "abXXcd\nother"
    assert strip_boilerplate(text, patterns) == "other"
    assert BoilerplateScreen(patterns)(text) == "other"


def test_screen_finds_a_run_spelt_with_the_kelvin_sign():
    """``K`` (U+212A) matches ``k`` ignoring case: a text holding it is screened with the pattern's own flags."""
    patterns = [re.compile(r"(?i)^\W*back to top\W*$")]
    text = "Story.\nBAC\u212a TO TOP"
    assert strip_boilerplate(text, patterns) == "Story.\n"
    assert BoilerplateScreen(patterns)(text) == "Story.\n"


def test_a_text_without_boilerplate_comes_back_as_the_same_object():
    patterns = _patterns("RT")
    text = "Nothing to remove here.\n\nA second paragraph."
    assert BoilerplateScreen(patterns)(text) is text


# -- JSON lines read as bytes by orjson = read as text by the standard parser -------------------

def reference_jsonl(path):
    """The JSON-lines reader before the bytes path: the file as text (``newline=""``), each line by ``json``;
    a decoding error ends the file with the ``unreadable_file`` reject ``_read_file`` gives."""
    warnings = []
    out = []
    try:
        fh, note = _open_text(path)
        if note:
            warnings.append(note)
        with fh:
            for rec in _jsonl_rows(path, fh):
                out.append(rec)
    except Exception as exc:  # noqa: BLE001 - as _read_file
        out.append({"_source_file": str(path), "_source_row": None,
                    "_reject": ("unreadable_file", f"{type(exc).__name__}: {exc}")})
    if not out:   # as _read_file: a file that gives no record is named, with why
        warnings.append(f"{path}: {_why_no_records(path)}; no records read")
    return out, warnings


def read_jsonl(path):
    warnings = []
    return list(_read_file(path, warnings)), warnings


JSON_LINES = [
    '{"outlet": "A", "text": "plain “curly” — text", "n": 3, "ok": true, "none": null}',
    '{"outlet": "B", "nested": {"big": 123456789012345678901234567890}, "text": "x"}',
    '{"big": 123456789012345678901234567890, "neg": -9223372036854775809}',
    '{"f": 1.0000000000000002, "g": 1e400, "h": NaN}',
    '{"lone": "\\ud800 x"}', '{"pair": "\\ud83d\\ude00"}', '{"a": 1, "a": 2}',
    '["not", "an", "object"]', '42', '{"broken": ', '{"ctrl": "a\tb"}', '', '   ', '\u00a0', '{"x": "\u2028y"}',
    '{"t": "é ü"}  ', '\ufeff{"bom": "inside"}',
]


@pytest.mark.parametrize("sep", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_jsonl_bytes_path_reads_as_the_text_path(tmp_path, sep, bom):
    path = tmp_path / "in.jsonl"
    path.write_bytes(bom + sep.join(JSON_LINES).encode("utf-8", "surrogatepass"))
    assert read_jsonl(path) == reference_jsonl(path)
    assert read_jsonl(path)[0][0]["text"] == "plain “curly” — text"


@pytest.mark.parametrize("data", [
    b'{"a": "x"}\n{"b": "caf\xe9"}\n{"c": "y"}\n',     # Windows-1252 line: read line by line, with a note
    b'{"a": "x"}\n{"b": "y"}\n{"c": "\xe2\x80',         # ends inside a character
    b'\xff\xfe{\x00}\x00',                               # UTF-16 byte-order mark
])
def test_jsonl_files_that_are_not_utf8_throughout_read_as_before(tmp_path, data):
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    assert read_jsonl(path) == reference_jsonl(path)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(JSON_LINES), st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\r\r\n"])),
                max_size=8))
def test_jsonl_bytes_path_on_any_lines(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("jsonl") / "in.jsonl"
    path.write_bytes("".join(line + sep for line, sep in lines).encode("utf-8", "surrogatepass"))
    assert read_jsonl(path) == reference_jsonl(path)
