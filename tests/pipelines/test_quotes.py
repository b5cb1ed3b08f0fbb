"""Tests for pipelines.quotes: direct quotations, reported speech, voice and word counts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipelines.quotes import (
    WORD_RE,
    Quote,
    Voices,
    count_words_by_voice,
    find_quotes,
    sentence_spans,
    voice_of,
)

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"


def spans(text: str, kind: str | None = None) -> list[str]:
    return [text[q.start:q.end] for q in find_quotes(text) if kind is None or q.kind == kind]


def only(text: str, kind: str) -> Quote:
    found = [q for q in find_quotes(text) if q.kind == kind]
    assert len(found) == 1, (text, found)
    return found[0]


# ----------------------------------------------------------------------------- direct quotes

@pytest.mark.parametrize("text, expected", [
    ('He said "we will win" today.', ["we will win"]),
    ("He said “we will win” today.", ["we will win"]),
    ("Er sagte „wir gewinnen“ heute.", ["wir gewinnen"]),
    ("Il a dit «nous gagnerons» hier.", ["nous gagnerons"]),
    ("Er sagte »wir gewinnen« heute.", ["wir gewinnen"]),
    ("They call it ‘peace’ now.", ["peace"]),
    ("They call it 'peace' now.", ["peace"]),
    ("Sie nennen es ‹Frieden› jetzt.", ["Frieden"]),
    ("他说「和平」。", ["和平"]),
])
def test_quote_marks(text, expected):
    assert spans(text, "direct") == expected


def test_direct_offsets_exclude_marks():
    text = "He said “we will win” today."
    q = only(text, "direct")
    assert text[q.start - 1] == "“" and text[q.end] == "”" and q.closed


@pytest.mark.parametrize("text", [
    "The regime’s army marched.",
    "The imperialists’ lackeys marched.",
    "The imperialists' lackeys marched.",
    "Music of the ’90s returned.",
    "Music of the '90s returned.",
    "They don't like it.",
    "They love rock 'n' roll music.",
    "He is 5'11\" tall.",
    "They laid a 12\" pipe.",
    "The Workers' Party of Korea met. The Party's line held.",
    "A 5″ gap.",
    "Pay \" here \" twice.",
])
def test_apostrophes_and_inch_marks_never_quote(text):
    assert spans(text, "direct") == []


def test_plural_possessive_closes_an_open_single_quote():
    assert spans("They denounced the ‘imperialists’ as warmongers.", "direct") == ["imperialists"]
    assert spans("He denounced the ‘imperialists’ lackeys’, they said.", "direct") == [
        "imperialists’ lackeys"]


def test_inch_mark_inside_a_quote_does_not_close_it():
    text = 'He said "the 12" pipe burst" yesterday.'
    assert spans(text, "direct") == ['the 12" pipe burst']


@pytest.mark.parametrize("text, expected", [
    ("They called the government a ‘regime’.", "regime"),
    ("Voters went to the “elections” on Sunday.", "elections"),
    ('The so-called "peace mission" left.', "peace mission"),
])
def test_scare_quotes_have_no_speaker(text, expected):
    q = only(text, "direct")
    assert (text[q.start:q.end], q.speaker, q.cue) == (expected, None, None)


def test_nested_single_in_double():
    text = "“They call it ‘peace’, but it is war,” she said."
    got = find_quotes(text)
    assert [text[q.start:q.end] for q in got if q.kind == "direct"] == [
        "They call it ‘peace’, but it is war,", "peace"]
    outer = got[0]
    assert outer.speaker == "she" and outer.cue == "said"
    i = text.index("peace")
    voice, _, idx = voice_of(got, i, i + 5)
    assert voice == "quoted" and got[idx].end - got[idx].start == 5


def test_three_paragraph_quotation_opening_marks_only():
    text = ("The minister spoke at length.\n"
            "“We will defend our sovereignty.\n"
            "“We will not bow to pressure.\n"
            "“We will prevail,” said Minister Choe Son Hui.\n"
            "The meeting ended.")
    direct = [q for q in find_quotes(text) if q.kind == "direct"]
    assert [text[q.start:q.end] for q in direct] == [
        "We will defend our sovereignty.", "We will not bow to pressure.", "We will prevail,"]
    assert all(q.closed for q in direct)
    assert {q.speaker for q in direct} == {"Minister Choe Son Hui"}


def test_unbalanced_quote_does_not_leak_into_next_paragraph():
    text = "He said “the puppets are doomed.\nThe outlet wrote about “war games” next."
    direct = [q for q in find_quotes(text) if q.kind == "direct"]
    assert [(text[q.start:q.end], q.closed) for q in direct] == [
        ("the puppets are doomed.", False), ("war games", True)]
    assert direct[0].end == text.index("\n")


def test_stray_closer_is_ignored():
    text = "The talks failed” and the army moved. Later “peace” came."
    assert spans(text, "direct") == ["peace"]


@pytest.mark.parametrize("text, speaker, cue", [
    ("“We will win,” said Kim Yo Jong.", "Kim Yo Jong", "said"),
    ("“We will win,” Kim Yo Jong said.", "Kim Yo Jong", "said"),
    ("“We will win,” he told reporters.", "he", "told"),
    ("“We will win” — Kim Yo Jong.", "Kim Yo Jong", "—"),
    ("“The US is the root cause,” the ministry said.", "the ministry", "said"),
    ("“It is illegal,” a spokesman for the ministry said.", "a spokesman for the ministry", "said"),
    ("Kim Yo Jong said: “We will win.”", "Kim Yo Jong", "said"),
    ("Kim Yo Jong said, “We will win.”", "Kim Yo Jong", "said"),
    ("Minister of Foreign Affairs Sergey Lavrov said: “NATO is a threat.”",
     "Minister of Foreign Affairs Sergey Lavrov", "said"),
    ("Kim Yo Jong told Reuters: “We will win.”", "Kim Yo Jong", "told"),
    ("Zakharova wrote on Telegram: “The West lies.”", "Zakharova", "wrote"),
    ("According to the ministry, “the drills are war games.”", "the ministry", "According to"),
])
def test_direct_quote_speaker_and_cue(text, speaker, cue):
    q = [q for q in find_quotes(text) if q.kind == "direct"][0]
    assert (q.speaker, q.cue) == (speaker, cue)


def test_new_sentence_after_quote_is_not_its_attribution():
    text = "“We will win.” Officials met later."
    assert only(text, "direct").speaker is None


# ----------------------------------------------------------------------------- reported speech

@pytest.mark.parametrize("text, span, speaker, cue", [
    ("The KCNA commentary said that the enemy was reckless.", "the enemy was reckless",
     "The KCNA commentary", "said"),
    ("Lavrov claimed the West was lying.", "the West was lying", "Lavrov", "claimed"),
    ("The general spoke for an hour, insisting that the enemy would be crushed.",
     "the enemy would be crushed", "The general", "insisting"),
    ("The US is an empire, he said.", "The US is an empire", "he", "said"),
    ("The US is an empire, said Kim Yo Jong.", "The US is an empire", "Kim Yo Jong", "said"),
    ("The US is an empire, the envoy told reporters.", "The US is an empire", "the envoy", "told"),
    ("According to the ministry, the drills were war games.", "the drills were war games",
     "the ministry", "According to"),
    ("The drills were war games, according to the ministry.", "The drills were war games",
     "the ministry", "according to"),
    ("Lavrov dismissed the reports as Western propaganda.", "the reports as Western propaganda",
     "Lavrov", "dismissed"),
    ("The ministry described the drills as war games.", "the drills as war games",
     "The ministry", "described"),
    ("Pyongyang branded the envoy a traitor.", "the envoy a traitor", "Pyongyang", "branded"),
    ("Zakharova called the elections a farce.", "the elections a farce", "Zakharova", "called"),
    ("He accused Washington of staging provocations.", "Washington of staging provocations",
     "He", "accused"),
    ("Reuters reported that the talks had failed.", "the talks had failed", "Reuters", "reported"),
    ("Kim Yo Jong told reporters on Monday that the drills were a rehearsal.",
     "the drills were a rehearsal", "Kim Yo Jong", "told"),
    ("A spokesman for the ministry said the sanctions were illegal.", "the sanctions were illegal",
     "A spokesman for the ministry", "said"),
    ("Maria Zakharova, the ministry’s spokeswoman, said the West was lying.",
     "the West was lying", "Maria Zakharova", "said"),
    ("In the words of the ministry, the drills are provocations.", "the drills are provocations",
     "the ministry", "In the words of"),
    ("TASS quoted Lavrov as saying that NATO was hostile.", "NATO was hostile", "Lavrov",
     "quoted ... as saying"),
])
def test_reported_speech(text, span, speaker, cue):
    q = [q for q in find_quotes(text) if q.kind == "reported"][0]
    assert (text[q.start:q.end], q.speaker, q.cue) == (span, speaker, cue)


@pytest.mark.parametrize("text", [
    "The army attacked the village.",
    "The plan was described as a farce.",
    "He was told to leave.",
    "The delegation called for talks.",
    "He said.",
])
def test_no_reported_span_without_a_cue_clause(text):
    assert spans(text, "reported") == []


def test_direct_quote_after_cue_is_not_also_reported():
    text = "Kim Yo Jong said: “The puppets will pay.”"
    assert [q.kind for q in find_quotes(text)] == ["direct"]


def test_kcna_style_paragraph():
    text = ('The KCNA commentary said that the "puppet forces" are staging war games, '
            "adding that the imperialists will pay.")
    quotes = find_quotes(text)
    i = text.index("puppet forces")
    assert voice_of(quotes, i, i + len("puppet forces"))[0] == "quoted"
    j = text.index("war games")
    voice, speaker, _ = voice_of(quotes, j, j + len("war games"))
    assert (voice, speaker) == ("attributed", "The KCNA commentary")
    k = text.index("imperialists")
    assert voice_of(quotes, k, k + len("imperialists"))[:2] == ("attributed", "The KCNA commentary")
    assert voice_of(quotes, 0, 3) == ("outlet", None, None)


# ----------------------------------------------------------------------------- sentences

def test_sentence_spans():
    text = "Mr. Kim met Gen. Lee in the U.S. on Jan. 5. They said “no.” Then J. Smith left!\nNew? Yes."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Mr. Kim met Gen. Lee in the U.S. on Jan. 5.", "They said “no.”", "Then J. Smith left!",
        "New?", "Yes."]


# ----------------------------------------------------------------------------- voice and counts

def test_voice_of_precedence():
    quotes = [Quote(0, 50, "reported", "the ministry", "said", True),
              Quote(10, 20, "direct", "Kim", "said", True),
              Quote(10, 20, "reported", "X", "said", True)]
    assert voice_of(quotes, 12, 15) == ("quoted", "Kim", 1)
    assert voice_of(quotes, 25, 30) == ("attributed", "the ministry", 0)
    assert voice_of(quotes, 45, 55) == ("outlet", None, None)
    assert voice_of([], 0, 1) == ("outlet", None, None)


def test_count_words_by_voice():
    text = "The army moved. “War games,” he said. The ministry said that imperialists lied."
    quotes = find_quotes(text)
    counts = count_words_by_voice(text, quotes)
    assert counts == {"outlet": 9, "quoted": 2, "attributed": 2}
    assert sum(counts.values()) == len(WORD_RE.findall(text))


# ----------------------------------------------------------------------------- properties

_ALPHABET = st.sampled_from(list("ab Zs1 .,;:!?\n\"'“”„«»‹›‘’‚「」″—-()") + [
    " said ", " told ", " according to ", ", he said", " claimed that ", " called ", " as ",
    " accused ", " of ", "Kim Yo Jong", " the ministry", "n't", "'n'", " 's", "’90s"])
_TEXTS = st.lists(_ALPHABET, max_size=60).map("".join) | st.text(max_size=200)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_find_quotes_properties(text):
    quotes = find_quotes(text)
    for q in quotes:
        assert 0 <= q.start <= q.end <= len(text)
        assert q.kind in ("direct", "reported")
        assert q.closed or q.kind == "direct"
    assert [(q.start, -q.end) for q in quotes] == sorted((q.start, -q.end) for q in quotes)
    counts = count_words_by_voice(text, quotes)
    assert sum(counts.values()) == len(WORD_RE.findall(text))
    for m in WORD_RE.finditer(text):
        voice, speaker, idx = voice_of(quotes, m.start(), m.end())
        if idx is None:
            assert voice == "outlet"
        else:
            q = quotes[idx]
            assert q.start <= m.start() and m.end() <= q.end
            assert voice == ("quoted" if q.kind == "direct" else "attributed")
    for a, b in sentence_spans(text):
        assert 0 <= a < b <= len(text)


@settings(max_examples=200, deadline=None)
@given(_TEXTS)
def test_count_words_matches_per_word_voice(text):
    quotes = find_quotes(text)
    expected = {"outlet": 0, "quoted": 0, "attributed": 0}
    for m in WORD_RE.finditer(text):
        expected[voice_of(quotes, m.start(), m.end())[0]] += 1
    assert count_words_by_voice(text, quotes) == expected


# ----------------------------------------------------------------------------- real corpus

@pytest.mark.corpus
def test_kcna_corpus():
    path = CORPORA / "kcna_2024" / "kcna_articles.csv"
    if not path.exists():
        pytest.skip(f"real corpus not present: {path}")
    with path.open(newline="", encoding="utf-8") as f:
        texts = [row["story_text"] or "" for row in csv.DictReader(f)]
    with_marks = with_direct = 0
    for text in texts:
        quotes = find_quotes(text)
        counts = count_words_by_voice(text, quotes)
        assert sum(counts.values()) == len(WORD_RE.findall(text))
        if "“" in text or '"' in text:
            with_marks += 1
            with_direct += any(q.kind == "direct" for q in quotes)
    assert with_marks and with_direct / with_marks >= 0.30


# ----------------------------------------------------------------------------- fast paths
# The fast paths of pipelines.quotes must give exactly what the straightforward definitions
# give: word counts on a byte mask vs WORD_RE, sentences found around a cue vs
# sentence_spans, speakers read from a short token window vs the full window.

_UNICODE_WORDS = st.sampled_from([
    "word", "Wörter", "İstanbul", "naïve", "Ⅻ", "x²", "½", "_id", "K", "日本語", "٣", "a_b",
    " ", "  ", "\n", "\t", "\xa0", "\u2009", "’", "'", "“", "”", "—", "…", "«", "»", "-", ".",
    "\ud800", "🙂", "é", "ß",
])
_UNICODE_TEXTS = st.lists(_UNICODE_WORDS, max_size=40).map("".join) | st.text(max_size=120)


@settings(max_examples=300, deadline=None)
@given(_UNICODE_TEXTS, st.lists(st.tuples(st.integers(-3, 130), st.integers(0, 60), st.booleans()), max_size=8))
def test_count_words_by_voice_on_any_text_and_quotes(text, raw):
    quotes = [Quote(a, a + ln, "direct" if d else "reported", None, None, True) for a, ln, d in raw]
    expected = {"outlet": 0, "quoted": 0, "attributed": 0}
    for m in WORD_RE.finditer(text):
        expected[voice_of(quotes, m.start(), m.end())[0]] += 1
    assert count_words_by_voice(text, quotes) == expected


@settings(max_examples=400, deadline=None)
@given(_UNICODE_TEXTS, st.lists(st.tuples(st.integers(0, 120), st.integers(0, 40), st.booleans()), max_size=10),
       st.booleans())
@example("He said war games would follow.", [(3, 14, True), (3, 14, False), (0, 30, False)], False)  # equal spans
def test_count_words_by_voice_on_quotes_apart_or_nested(text, raw, apart):
    """Quotes that stand apart or nest but never cross, sorted as find_quotes sorts them (most
    articles; count_words_by_voice's short path), ends inside words and equal spans included:
    the counts of voice_of word by word."""
    spans = sorted(((min(a, len(text)), min(a + ln, len(text)), d) for a, ln, d in raw),
                   key=lambda r: (r[0], -r[1], not r[2]))
    kept: list[tuple[int, int, bool]] = []
    for a, b, d in spans:   # keep a span unless it crosses a kept one (or, apart, touches one inside)
        if all(b <= ka or a >= kb or (not apart and ka <= a and b <= kb) for ka, kb, _ in kept):
            kept.append((a, b, d))
    quotes = [Quote(a, b, "direct" if d else "reported", None, None, True) for a, b, d in kept]
    expected = {"outlet": 0, "quoted": 0, "attributed": 0}
    for m in WORD_RE.finditer(text):
        expected[voice_of(quotes, m.start(), m.end())[0]] += 1
    assert count_words_by_voice(text, quotes) == expected


_QUOTE_LISTS = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 40), st.booleans(), st.booleans()), max_size=10)


@settings(max_examples=400, deadline=None)
@given(_QUOTE_LISTS, st.lists(st.tuples(st.integers(-5, 110), st.integers(0, 30)), max_size=20), st.booleans())
def test_voices_equal_voice_of(raw, spans_, by_start):
    """Voices(quotes).of gives voice_of's answer on any span, for quotes sorted as find_quotes
    sorts them (bisection and reach pre-check) or in any order (the plain scan), ties included."""
    quotes = [Quote(a, a + ln, "direct" if d else "reported", f"s{k}" if named else None, None, True)
              for k, (a, ln, d, named) in enumerate(raw)]
    if by_start:
        quotes.sort(key=lambda q: (q.start, -q.end))
    voices = Voices(quotes)
    for a, ln in spans_:
        assert voices.of(a, a + ln) == voice_of(quotes, a, a + ln)


def test_is_title_equals_its_regex_form():
    from pipelines.quotes import _TITLE_RE, _is_title

    def reference(tok):
        return bool(_TITLE_RE.match(tok)) and tok[0].isupper() or (len(tok) == 2 and tok[1] == "." and tok[0].isupper())

    toks = ["", ".", "A.", "a.", "Ł.", "Ab", "ab", "1", "1.", "É", "ÿ", "×", "Σ", "Σ.", "ΣA", "Þor", "ß"]
    toks += [chr(i) + t for i in range(0x250) for t in ("", ".", "x")]
    for tok in toks:
        assert _is_title(tok) == reference(tok), tok


def test_voices_on_found_quotes():
    text = ("“War games,” he said. The ministry said that imperialists lied. "
            "According to Kim Yo Jong, “the ‘puppets’ will pay,” she added.")
    quotes = find_quotes(text)
    voices = Voices(quotes)
    checked = {voices.of(m.start(), m.end())[0] for m in WORD_RE.finditer(text)}
    assert checked == {"outlet", "quoted", "attributed"}
    for m in WORD_RE.finditer(text):
        assert voices.of(m.start(), m.end()) == voice_of(quotes, m.start(), m.end())
    assert Voices([]).of(0, 3) == Voices(None).of(0, 3) == ("outlet", None, None)


def _sentence_of(text: str, pos: int) -> tuple[int, int] | None:
    found = None
    for a, b in sentence_spans(text):
        if a <= pos:
            found = (a, b)
    return found


_SENT_WORDS = st.sampled_from([
    "Mr", "mr", "U.S", "no", "No", "etc", "a", "B", "é", "x2", "12", " ", "  ", "\n", "\n\n",
    ".", "..", "!", "?", "?!", '"', "”", "’", ")", "(", "“", "Hello", "world", "abcdef", "Jan",
    "\t", "«", "»", ". ", ". The", " said", "No. 5",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_SENT_WORDS, max_size=80).map("".join), st.integers(1, 50), st.integers(1, 60))
def test_sentence_found_around_a_cue_is_the_sentence_spans_one(text, step, far):
    import re

    from pipelines import quotes as qmod

    positions = [m.start() for m in re.finditer(r"(?<![\w\-’'])[A-Za-z]", text)]
    old = qmod._BACK_STEP, qmod._FAR
    qmod._BACK_STEP, qmod._FAR = step, far  # small steps exercise every path
    try:
        finder = qmod._SentenceFinder(text)
        for pos in positions:
            expected = _sentence_of(text, pos)
            got = finder.at(pos)
            assert got == expected or (expected is None and got[0] < 0), (text, pos)
    finally:
        qmod._BACK_STEP, qmod._FAR = old


def test_sentence_boundary_regexes_agree():
    from pipelines import quotes as qmod

    text = ("Mr. Kim spoke. The U.S. said No. 5 was fine. etc... Then “Go!” he said.\n\n"
            "A. B. Smith arrived... Prices rose (sharply). “Why?” asked Mr.\nNext. x2. 12. İ. K.")
    slow = [(m.start(), m.end(), m.end(1)) for m in qmod._BOUNDARY_RE.finditer(text)]
    fast = [(m.start(), m.end(), m.end(m.lastindex) if m.lastindex else -1)
            for m in qmod._BOUNDARY_FAST_RE.finditer(text)]
    assert slow == fast


@settings(max_examples=300, deadline=None)
@given(_TEXTS, st.data())
def test_short_token_windows_give_the_full_window_answer(text, data):
    from pipelines import quotes as qmod

    if not text:
        return
    pos = data.draw(st.integers(0, len(text)))
    floor = data.draw(st.integers(0, pos))
    lo = max(floor, pos - 70)
    assert qmod._subject_before(text, pos, floor) == qmod._subject_in(text, qmod._tokens(text, lo, pos), pos, False)
    limit = data.draw(st.integers(pos, len(text)))
    hi = min(limit, pos + 70)
    assert qmod._speaker_after(text, pos, limit) == qmod._speaker_in(text, qmod._tokens(text, pos, hi), pos, False)


# ----------------------------------------------------------------------------- attribution forms
# Review findings: the outlet must not be blamed for the common attribution forms (A), and the
# outlet's own words must not be excused as someone else's (B). Each row: text, a term of the
# text (its first occurrence), the voice it must get, the speaker it must get.

def _voice_of_term(text: str, term: str, outlet_names: tuple[str, ...] = ()):
    i = text.index(term)
    quotes = find_quotes(text, outlet_names=outlet_names) if outlet_names else find_quotes(text)
    return voice_of(quotes, i, i + len(term))[:2]


_CLAUSE = "The Kiev regime is a puppet of Washington"


@pytest.mark.parametrize("text, term, voice, speaker", [
    # lowercase role descriptor (+ name) before the cue
    (f"{_CLAUSE}, foreign ministry spokeswoman Maria Zakharova said.", "Kiev regime", "attributed",
     "foreign ministry spokeswoman Maria Zakharova"),
    (f"{_CLAUSE}, Kremlin spokesman Dmitry Peskov told reporters.", "puppet", "attributed",
     "Kremlin spokesman Dmitry Peskov"),
    (f"{_CLAUSE}, Russian envoy Ivan Petrov said.", "puppet", "attributed", "Russian envoy Ivan Petrov"),
    (f"{_CLAUSE}, a senior US official said.", "puppet", "attributed", "a senior US official"),
    (f"{_CLAUSE}, the ministry said in a statement.", "puppet", "attributed", "the ministry"),
    ("Ukraine is creating more terrorists than it is fighting, tech mogul Elon Musk has said.", "terrorists",
     "attributed", "tech mogul Elon Musk"),
    (f"{_CLAUSE}, Zakharova had said.", "puppet", "attributed", "Zakharova"),
    (f"{_CLAUSE}, the envoy has claimed.", "puppet", "attributed", "the envoy"),
    # headline forms
    ("Reports of mass graves are fakes, Russian OSCE envoy says", "fakes", "attributed", "Russian OSCE envoy"),
    ("Kiev regime is a puppet of Washington - Zakharova", "Kiev regime", "attributed", "Zakharova"),
    ("American hegemonism fuels tensions in Asia – Lavrov", "hegemonism", "attributed", "Lavrov"),
    ("American hegemonism fuels tensions in Asia — Sergey Lavrov", "hegemonism", "attributed", "Sergey Lavrov"),
    ("American hegemonism fuels tensions in Asia – Lavrov\nThe minister spoke in Vientiane.", "hegemonism",
     "attributed", "Lavrov"),
    ("The talks went well. American hegemonism fuels tensions – Lavrov. He left.", "hegemonism",
     "attributed", "Lavrov"),
    ("Peskov: the Kiev regime is a puppet", "Kiev regime", "attributed", "Peskov"),
    ("Maria Zakharova: the Kiev regime is a puppet", "puppet", "attributed", "Maria Zakharova"),
    # parenthetical cue inside the sentence: the whole sentence
    ("The Kiev regime, Peskov said, is a puppet", "Kiev regime", "attributed", "Peskov"),
    ("The Kiev regime, Peskov said, is a puppet", "puppet", "attributed", "Peskov"),
    ("The Kiev regime, the envoy told reporters, is a puppet.", "puppet", "attributed", "the envoy"),
    # a byline or wire sign-off is not a speaker
    ("President Zelensky met critics of the puppet regime in Washington. — Ukrinform.", "puppet regime",
     "outlet", None),
    ("The puppet regime shelled Kharkiv - Reuters", "puppet regime", "outlet", None),
    ("The puppet regime shelled Kharkiv – AFP", "puppet regime", "outlet", None),
    ("The puppet regime shelled Kharkiv — RIA Novosti", "puppet regime", "outlet", None),
    # headline labels are not speakers
    ("Mariupol: the invaders shelled the city", "invaders", "outlet", None),
    ("Factbox: the invaders shelled the city", "invaders", "outlet", None),
    ("Shelling of Donetsk region: the invaders shelled the city", "invaders", "outlet", None),
    ("The invaders came - the town of Izium.", "invaders", "outlet", None),
])
def test_attribution_forms(text, term, voice, speaker):
    assert _voice_of_term(text, term) == (voice, speaker)


@pytest.mark.parametrize("text, term, voice, speaker", [
    # "according to" + no speaker: the outlet's own voice
    ("Double-dealing standards are the means for implementing the hegemonic policy and for aggression as "
     "such standards change according to whether the targets are pro-U.S. or anti-U.S.", "hegemonic",
     "outlet", None),
    ("We regard the recent provocation of the ROK as a serious provocation that deserves retaliation "
     "according to the right to self-defence.", "provocation", "outlet", None),
    ("The puppets will be punished according to the law.", "puppets", "outlet", None),
    ("The puppets acted according to the plan of their masters.", "puppets", "outlet", None),
    ("The puppets were punished according to international law.", "puppets", "outlet", None),
    ("The puppets are doomed, according to reports.", "puppets", "outlet", None),
    ("The puppets are doomed according to the rules of history.", "puppets", "outlet", None),
    ("The puppets acted according to our judgment of the situation.", "puppets", "outlet", None),
    # "according to" + a speaker still attributes
    ("The puppets are doomed, according to officials.", "puppets", "attributed", "officials"),
    ("The puppets are doomed, according to Western sources.", "puppets", "attributed", "Western sources"),
    ("The puppets are doomed, according to media reports.", "puppets", "attributed", "media reports"),
    ("The puppets are doomed, according to witnesses.", "puppets", "attributed", "witnesses"),
    ("The puppets are doomed, according to a statement by the ministry.", "puppets", "attributed",
     "a statement by the ministry"),
    ("According to data from the UN, the invaders killed 300 civilians.", "invaders", "attributed",
     "data from the UN"),
    ("According to a spokesman, the invaders killed 300 civilians.", "invaders", "attributed", "a spokesman"),
    ("According to Sergey Lavrov, the puppets are doomed.", "puppets", "attributed", "Sergey Lavrov"),
    ("The puppets are doomed, according to foreign ministry spokeswoman Yara Kestel.", "puppets",
     "attributed", "foreign ministry spokeswoman Yara Kestel"),
    ("The puppets met for 3 hours, according to a schedule seen by reporters.", "puppets", "attributed",
     "a schedule seen by reporters"),
    ("A senior official who asked not to be named accused Israel of running a smear campaign.",
     "smear campaign", "attributed", "A senior official"),
    ('"Puppets," said a spokesperson for the Northgate defence ministry.', "Puppets", "quoted",
     "a spokesperson for the Northgate defence ministry"),
    ("Guests: Phillip Moskos, the puppet master", "puppet", "outlet", None),
    ("The aggressor is massing aviation, according to the press service of the General Staff.", "aggressor",
     "attributed", "the press service of the General Staff"),
    # a reported span never crosses a paragraph break; "U.S." can end a sentence
    ("Germany announced on August 2 that it joined the UN Command, a multinational aggression mechanism led "
     "by the U.S.\nThe UN Command is an illegal mechanism to drag the armed forces of its vassal states into "
     "war.", "vassal states", "outlet", None),
    ("Germany announced on August 2 that it joined the UN Command, a multinational aggression mechanism led "
     "by the U.S.\nThe UN Command is an illegal mechanism.", "aggression mechanism", "attributed", "Germany"),
    ("Germany announced that it joined a mechanism led by the U.S. The UN Command drags its vassal states "
     "into war.", "vassal states", "outlet", None),
    # nonsense speakers
    ("Noting that the flood was used for tarnishing the image of our state, he denounced the enemies, "
     "branding their fabrications as a smear campaign.", "smear campaign", "attributed", "he"),
    ("The Foreign Ministry of the DPRK strongly denounces and rejects the trumpeting of the U.S., "
     "branding it as a violation of the sovereignty of our state.", "violation", "attributed",
     "The Foreign Ministry of the DPRK"),
])
def test_outlet_voice_is_not_excused(text, term, voice, speaker):
    assert _voice_of_term(text, term) == (voice, speaker)


@pytest.mark.parametrize("text, term, outlets, voice, speaker", [
    ("- The KCNA in a commentary says that the puppets are doomed.", "puppets", ("KCNA",), "outlet", None),
    ("KCNA reported on October 16 that the puppets blew up the roads.", "puppets", ("KCNA",), "outlet", None),
    ("The puppets are doomed, this news agency said.", "puppets", ("KCNA",), "outlet", None),
    ("The puppets are doomed, Reuters reported.", "puppets", ("Reuters",), "outlet", None),
    ("The puppet regime shelled Kharkiv - Censor.NET", "puppet regime", ("Censor.NET",), "outlet", None),
    ("The puppets are doomed, Rodong Sinmun says.", "puppets", ("KCNA",), "attributed", "Rodong Sinmun"),
    ("The puppets are doomed, Reuters reported.", "puppets", ("KCNA",), "attributed", "Reuters"),
    ("- The KCNA in a commentary says that the puppets are doomed.", "puppets", ("TASS",), "attributed",
     "The KCNA in a commentary"),
])
def test_outlet_as_speaker_is_the_outlet_voice(text, term, outlets, voice, speaker):
    assert _voice_of_term(text, term, outlets) == (voice, speaker)


def test_outlet_names_default_keeps_the_outlet_as_a_speaker():
    text = "KCNA reported on October 16 that the puppets blew up the roads."
    assert _voice_of_term(text, "puppets") == ("attributed", "KCNA")


def test_find_cues_str_find_path_matches_cue_patterns():
    """The str.find scan of single-word cues keeps the boundaries of the cue patterns."""
    from pipelines.quotes import _CUE_PATTERNS, _CUE_TOKENS, _find_cues

    token_set = frozenset(_CUE_TOKENS)   # the old token-set method, the reference
    for text in ["said said", "-said x said", "’said it, he said", "said- x said_ and said", "résaid said",
                 "saidé said٣ ٣said said", "He said. She said: “x”", "it's said’s said", "saidsaid said"]:
        keys = {_CUE_TOKENS[t] for t in token_set.intersection(text.split())}
        ref = sorted((m.start(), m.end(), m.group()) for k in keys for m in _CUE_PATTERNS[k].finditer(text))
        assert _find_cues(text) == ref, text


_CUE_CHUNKS = st.sampled_from([
    "said", "Said", "said,", "said,”", "(said", "“According", "according", "to", "According", "words", "In",
    "in", "the", "of", "quoted", "says", "say", "saying", "told", "Told", "tells", "essay", "unsaid", "said’s",
    "'said", "‘said", "—said", "said—", "said:“", "said.\"", "said_", "-said", "SAID", "é", "🙂", "said🙂",
    "called", "calls", "x", ",", ".", "”", '"', "'", "’", "(", ")", ":",
])
_CUE_SPACES = st.sampled_from([" ", "  ", "\n", "\t", "\xa0", "\u3000", ""])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(_CUE_CHUNKS, _CUE_SPACES), max_size=14))
def test_find_cues_scan_equals_the_token_set_reference(parts):
    """The Aho-Corasick scan finds the cues of the token-set method it replaced: forms whose
    anchor is a whitespace chunk (with a lead and a tail of _CUE_TOKENS), every occurrence
    with the pattern's boundaries, ASCII and non-ASCII texts alike."""
    from pipelines.quotes import _CUE_PATTERNS, _CUE_RE, _CUE_TOKENS, _find_cues

    text = "".join(c + sp for c, sp in parts)
    if text.isupper():
        ref = [(m.start(), m.end(), m.group()) for m in _CUE_RE.finditer(text)]
    else:
        keys = {_CUE_TOKENS[t] for t in frozenset(_CUE_TOKENS).intersection(text.split())}
        ref = sorted((m.start(), m.end(), m.group()) for k in keys for m in _CUE_PATTERNS[k].finditer(text))
    assert _find_cues(text) == ref


# ----------------------------------------------------------------------------- cheap paths = their regex forms

_TOKEN_WORDS = st.sampled_from([
    "Mr.", "U.S.", "A.", "a.", "Gen.", "No.", "said,", "“We", "x”,", "don't", "rock-'n'-roll", "_id",
    "Wörter", "İstanbul", "x²", "½", "٣", "日本語", "é", "\u0301", "🙂", "-", "’", "...", "—", ",”",
    " ", "  ", "\t", "\n", "\xa0", "\u2009", "\x1c", "\u3000", "Kim", "Yo", "Jong", "3.5", "e.g.",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_TOKEN_WORDS, max_size=30).map("".join) | st.text(max_size=80), st.data())
def test_tokens_equal_the_token_regex(text, data):
    """_tokens (whitespace chunks, all-alphanumeric ones taken whole) = _TOK_RE.finditer on any window."""
    from pipelines import quotes as qmod

    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    ref = [(m.start(), m.end(), m.group()) for m in qmod._TOK_RE.finditer(text, a, b)]
    assert qmod._tokens(text, a, b) == ref


_PRECHECK_TEXT = st.lists(st.sampled_from([
    " that", " THAT", " tHaT", " thAt", "that", " who ", " WHO", " on Monday", ",", ":", " ", "\n", ".",
    "“", "\"", "'", "‘", "«", "»", "„", "‚", "‹", "「", "”", "’", " said", " in a statement", "x", "\u0130",
    "\u212a", "\u017f", " ", "\t",
]), max_size=25).map("".join)


@settings(max_examples=500, deadline=None)
@given(_PRECHECK_TEXT, st.data())
def test_reported_speech_prechecks_never_skip_a_match(text, data):
    """The substring checks in front of _THAT_GAP_RE, _OPEN_AFTER_CUE_RE and _WHO_RE only skip
    windows where the pattern cannot match (so _one_cue decides as without them)."""
    from pipelines import quotes as qmod

    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    if qmod._THAT_GAP_RE.match(text, a, b):
        assert "that" in text[a:b].lower()
    m = qmod._OPEN_AFTER_CUE_RE.match(text, a)
    if m and m.end() <= b:
        assert qmod._OPENER_RE.search(text, a, b)
    if qmod._WHO_RE.search(text, a, b):
        assert text.find("who", a, b) >= 0


def test_only_ascii_letters_fold_to_that():
    """The "that" pre-check lower-cases the window: no other character matches t/h/a under
    re.IGNORECASE or lower-cases to one of them."""
    import re

    fold = re.compile("[tha]", re.IGNORECASE)
    odd = [c for c in map(chr, range(0x110000)) if c not in "tThHaA"
           and (fold.fullmatch(c) or c.lower() in ("t", "h", "a"))]
    assert odd == []


_ACCORDING_WORDS = st.sampled_from([
    "a", "the", "statement", "statements", "by", "from", "of", "seen", "published", "data", "reports", "media",
    "Western", "sources", "ministry", "Ministry", "Foreign", "spokesman", "for", "analyst", "Priya", "Halden",
    "UN", "report", "schedule", "after", "meeting", "law", "whether", "him", "officials", "senior", "US",
    "at", "in", "the", "Lakeside", "Institute", ",", ".", "and", "who", "said", "Kim", "Yo", "Jong", "issued",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_ACCORDING_WORDS, min_size=0, max_size=30), st.integers(0, 200))
def test_according_speaker_short_window_equals_the_full_window(words, cut):
    """The shorter token window tried first gives the full window's answer."""
    from pipelines.quotes import _according_in, _according_speaker, _tokens

    text = "According to " + " ".join(words) + " the end"
    ce = len("According to")
    se = min(len(text), ce + cut)
    hi = min(se, ce + 120)
    toks = _tokens(text, ce, hi)
    ref = _according_in(text, toks, ce, False) if toks else None
    assert _according_speaker(text, ce, se) == ref


def test_word_mask_fast_path_is_the_code_point_mask_on_every_code_point():
    """text.word_mask (count_words_by_voice's mask): a mostly-ASCII text whose characters outside
    ASCII are all non-word ones takes the UTF-8 bytes path (continuation bytes deleted); it must equal the code-point
    table's mask, with every such code point (in chunks padded with ASCII so the path is taken),
    and texts holding word characters outside ASCII must too."""
    import re

    import numpy as np

    from pipelines.text import _mostly_ascii, _word_code_points, word_mask

    def by_code_points(text):
        cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        return np.where(_word_code_points()[cps], np.uint8(0x61), np.uint8(0x20)).tobytes()

    word = re.compile(r"\w")
    non_word = "".join(chr(c) for c in range(0x80, 0x110000) if not word.match(chr(c)))
    pad = "He said no, and left x " * 4000
    for k in range(0, len(non_word), 2000):
        text = pad + "“" + non_word[k:k + 2000] + "” \ud800 " + pad
        assert _mostly_ascii(text, text.encode("utf-8", "surrogatepass"))      # the fast path's case
        assert word_mask(text) == by_code_points(text)
    words = [chr(c) for c in range(0x80, 0x110000, 7) if word.match(chr(c))]
    for k in range(0, len(words), 500):
        text = "It’s “x” " + " ".join(words[k:k + 500]) + "—end"
        assert word_mask(text) == by_code_points(text)
    assert word_mask("plain ascii, words_1") == by_code_points("plain ascii, words_1")


def test_quote_built_from_a_row_equals_the_dataclass_init():
    """find_quotes' fast constructor sets every field as Quote(...) does; the result stays frozen."""
    import dataclasses

    from pipelines.quotes import _quote

    row = (3, 9, "reported", "the ministry", "said", False)
    q = _quote(row)
    assert q == Quote(*row) and hash(q) == hash(Quote(*row)) and repr(q) == repr(Quote(*row))
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.start = 0


# ---- the compiled sentence splitter (pipelines._match.sentence_spans) against the Python one ----

_SPAN_ALPHABET = st.sampled_from(
    list("aZ09 .!?\n\t_'\"()[]") + ["Mr", "mr", "No", "no", "U.S", "Inc", "The", "It", "etc", "e.g", "Jan",
                                    "\u00a0", "\u2019", "\u201c", "\u201d", "\u00ab", "\u00bb", "\u00c9", "\u00d7",
                                    "\u00e9", "\u0130", "\u0663", "\u00b2", "\u2028", "\u3000", "\U0001d400", "\ud800"])


# The C functions are called by name, not through quotes.sentence_spans / quotes._tokens (which run
# the Python ones when the module is missing, so comparing through them would compare Python with
# itself): without the module these comparisons skip, saying why, and the "are built" tests fail.
try:
    from pipelines import _match
except ImportError as _exc:   # pragma: no cover - the "are built" tests below fail then
    _match = None
    _NO_MATCH = f"pipelines._match is not built ({_exc}): run `pip install -e .`; nothing to compare"
else:
    _NO_MATCH = ""
needs_compiled = pytest.mark.skipif(_match is None, reason=_NO_MATCH)


def _c_sentence_spans(text: str) -> list[tuple[int, int]]:
    """pipelines._match.sentence_spans with the tables quotes.sentence_spans gives it."""
    from pipelines import quotes
    return _match.sentence_spans(text, quotes._ABBREV, quotes._ABBREV_CAN_END, quotes._SENT_STARTERS,
                                 quotes._period_ends_at)


def _c_tokens(text: str, a: int, b: int) -> list[tuple[int, int, str]]:
    """pipelines._match.tokens with the tables quotes._tokens gives it."""
    from pipelines import quotes
    return _match.tokens(text, a, b, quotes._TOK_ABBREV, quotes._tok_fallback)


def _same_spans(text: str) -> None:
    from pipelines import quotes
    expected = quotes._sentence_spans_python(text)
    assert _c_sentence_spans(text) == expected
    assert quotes.sentence_spans(text) == expected


@needs_compiled
@settings(max_examples=600, deadline=None)
@given(st.lists(_SPAN_ALPHABET, max_size=40).map("".join))
def test_compiled_sentence_spans_equal_the_python_ones(text):
    _same_spans(text)


@needs_compiled
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_compiled_sentence_spans_equal_the_python_ones_on_any_text(text):
    _same_spans(text)


@pytest.mark.parametrize("text", [
    "", " ", "\n\n", "A b. C d.", "Mr. Smith left. He said no. 5 of them. The U.S. The end.",
    "word" * 5 + ". Next", "((((((((((((((Mr. Smith", "x (Mr. y. Z", "Dr. \u00dcnal. \u00d1o", "Is it? \u201cYes.\u201d No",
    "end.\u00a0The", "end.\nThe", "a. (B c", "He left at 5 p.m. The", "Jan. 5", "Inc. And", "No. 5", "said no. The",
])
def test_compiled_sentence_spans_examples(text):
    from pipelines import quotes
    assert _match is not None, _NO_MATCH
    assert quotes._native_spans is _match.sentence_spans
    _same_spans(text)


# ---- the compiled tokenizer (pipelines._match.tokens) against the Python one --------------------

_TOKEN_ALPHABET = st.sampled_from(
    list("aZ09 .,;!?\n\t_-'\"()") + ["Mr", "Gen", "Dr.", "U.S", "said", "\u2019", "\u201c", "\u201d", "\u00a0",
                                     "\u00c9", "\u00e9", "\u0663", "\u00b2", "\u3000", "\u2014", "\U0001d400"])


@needs_compiled
@settings(max_examples=600, deadline=None)
@given(st.lists(_TOKEN_ALPHABET, max_size=30).map("".join), st.integers(0, 40), st.integers(0, 50))
def test_compiled_tokens_equal_the_python_ones(text, a, b):
    from pipelines import quotes
    assert _c_tokens(text, a, b) == quotes._tokens_python(text, a, b)


@needs_compiled
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.integers(0, 45), st.integers(0, 45))
def test_compiled_tokens_equal_the_python_ones_on_any_text(text, a, b):
    from pipelines import quotes
    assert _c_tokens(text, a, b) == quotes._tokens_python(text, a, b)


def test_compiled_tokens_are_built():
    from pipelines import quotes
    assert _match is not None, _NO_MATCH
    assert quotes._native_tokens is _match.tokens
    assert quotes._tokens("Gen. Kim said, \u201cNo.", 0, 21) == [
        (0, 4, "Gen."), (5, 8, "Kim"), (9, 13, "said"), (13, 14, ","), (15, 16, "\u201c"), (16, 18, "No"), (18, 19, ".")]
