"""Tone toward targets: the gazetteer, name matching, sentence tone, voice, rollups and evidence."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import storage
from pipelines.errors import GazetteerError
from pipelines.quotes import find_quotes
from pipelines.rollups import Filters
from pipelines.schemas import check_frame
from pipelines.tone import (TargetMatcher, capitals_match, evidence_spans, read_gazetteer, score_targets,
                            sentence_tone, target_sentences, tone_matrix, tone_trend)


@pytest.fixture(scope="module")
def matcher():
    return TargetMatcher(read_gazetteer()).fit()


def _found(matcher, text):
    """(target, text as written) of every target name in *text*."""
    return [(matcher.aliases_[m.alias].target, text[m.start:m.end]) for m in matcher.find(text)]


# --- the built-in gazetteer ------------------------------------------------------------

def test_builtin_gazetteer_is_valid_and_versioned():
    g = read_gazetteer()
    names = [t.target for t in g.targets]
    assert {"United States", "Russia", "NATO", "North Korea", "China", "Ukraine", "Iran", "Israel",
            "European Union", "United Nations"} <= set(names)
    assert 20 <= len(names) <= 30
    assert g.version.startswith("tgt-") and len(g.version) == 16
    table = check_frame(g.to_frame(), "targets")
    us = table[table["target"] == "United States"]
    assert us.loc[us["alias"] == "US", "match_case"].item()
    assert not us.loc[us["alias"] == "Washington", "match_case"].item()
    assert set(us["alias_kind"]) == {"name", "metonym", "demonym", "block"}


# --- matching -------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # "US" matches only in capitals; "us" is a pronoun
    ("The US told us to wait.", [("United States", "US")]),
    ("US-led drills began.", [("United States", "US")]),
    ("They told us nothing.", []),
    # "U.S." is its own name; at a sentence end its last dot is punctuation
    ("Talks with the U.S. ended.", [("United States", "U.S")]),
    # "UN" in capitals; "un-American" is not the UN, it is a demonym of the US
    ("a UN-backed plan", [("United Nations", "UN")]),
    ("un-American views", [("United States", "American")]),
    # the longest name wins; blocking phrases are not mentions
    ("The People's Republic of China said so.", [("China", "People's Republic of China")]),
    ("Ships sailed in the South China Sea.", []),
    ("The Washington Post reported it.", []),
    ("Latin American leaders met.", []),
    # capitals as written: "the West" / "The West" but not "the west"
    ("The West imposed sanctions.", [("the West", "The West")]),
    ("Rain fell in the west of the country.", []),
    ("Turkey and turkey", [("Turkey", "Turkey")]),
    # case, hyphens and possessives fold as in the lexicon
    ("Russia's envoy and the KREMLIN", [("Russia", "Russia"), ("Russia", "KREMLIN")]),
    ("the Democratic People's Republic of Korea", [("North Korea", "Democratic People's Republic of Korea")]),
    # nothing inside a web address
    ("See https://www.nato.int/news for NATO news.", [("NATO", "NATO")]),
])
def test_names_are_matched_as_the_gazetteer_says(matcher, text, expected):
    assert _found(matcher, text) == expected


def test_several_word_name_never_crosses_a_sentence_end(matcher):
    assert _found(matcher, "He was united. States differ.") == []


@pytest.mark.parametrize("found, name, ok", [
    ("US", "US", True), ("us", "US", False), ("Us", "US", False), ("U.S", "U.S.", True),
    ("The West", "the West", True), ("the west", "the West", False), ("TURKEY", "Turkey", True),
])
def test_capitals_match(found, name, ok):
    assert capitals_match(found, name) is ok


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Moscow", "us", "US", "the", "NATO", "said", "Kyiv", ".", ",", "\u201c", "Beijing's",
                                 "South", "China", "Sea", "\n", "U.S.", "talks"]), max_size=30))
def test_offsets_point_at_a_name_of_the_target(matcher, words):
    text = " ".join(words)
    for m in matcher.find(text):
        alias = matcher.aliases_[m.alias]
        assert alias.kind != "block"
        assert "".join(c for c in text[m.start:m.end] if c.isalnum()).lower() == \
            "".join(c for c in alias.text if c.isalnum()).lower()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Moscow", "US", "the", "West", "NATO", "said", "U.S.", "  ", ".", "\u201c", "\u00ad",
                                 "South", "China", "Sea", "\n", "\u2013", "Russia\u2019s", "www.nato.int"]),
                min_size=1, max_size=30))
def test_names_map_through_the_copy_offsets_without_building_their_array(matcher, words):
    from pipelines.text import matching_copy

    text = " ".join(words)
    copy, offsets = matching_copy(text)
    reference = matcher.find(text, copy, np.asarray(matching_copy(text)[1]))   # the int64 array, hit by hit
    fast_path = offsets._array is None   # the copy kept only its mask (no soft hyphen in the text)
    assert matcher.find(text, copy, offsets) == reference
    assert offsets._array is None or not fast_path


# --- sentence tone (values worked out by hand from VADER's lexicon) -------------------

@pytest.mark.parametrize("sentence, compound, pos, neu, neg", [
    # "good" is +1.9: compound = 1.9 / sqrt(1.9² + 15) = 0.4404; pos = (1.9 + 1) / (2.9 + 5 neutral words)
    ("The it is a good partner.", 0.4404, 0.367, 0.633, 0.0),
    # "threat" is -2.4: -2.4 / sqrt(2.4² + 15) = -0.5267; neg = 3.4 / (3.4 + 3)
    ("it is a threat.", -0.5267, 0.0, 0.469, 0.531),
    # no word of the lexicon
    ("it held talks in it.", 0.0, 0.0, 1.0, 0.0),
])
def test_sentence_tone_hand_computed(sentence, compound, pos, neu, neg):
    assert sentence_tone(sentence) == {"compound": compound, "pos": pos, "neu": neu, "neg": neg}


_VADER_WORDS = st.sampled_from([
    "good", "bad", "threat", "great", "hate", "love", "war", "peace", "no", "not", "never", "without", "doubt",
    "so", "this", "least", "at", "very", "kind", "of", "sort", "but", "isn't", "nor", "or", "extremely",
    "GOOD", "BAD", "VERY", "the", "it", "is", "a", "cut", "the", "mustard", "bad", "ass", "yeah", "right",
    "hand", "to", "mouth", "back", "handed", "blow", "smoke", "kiss", "of", "death", "!", "?", ":)", "US", "puppet"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_VADER_WORDS, max_size=30).map(" ".join))
def test_windowed_vader_equals_stock_vader(sentence):
    # the analyzer's negation and idiom checks read a six-word window: the same scores as
    # stock VADER's whole-sentence checks on sentences dense in negations, idioms and boosters
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from pipelines.tone import analyzer
    assert type(analyzer()) is not SentimentIntensityAnalyzer
    assert analyzer().polarity_scores(sentence) == _STOCK_VADER.polarity_scores(sentence)


def _stock_vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    return SentimentIntensityAnalyzer()


_STOCK_VADER = _stock_vader()


def test_sentence_tone_cache_gives_vader_scores_and_fresh_dicts():
    # a repeated sentence comes from the cache: the same scores as VADER's, in a new dict each
    # time (a caller changing one must not change the next)
    from pipelines import tone
    sentence = "The plan is a threat and a good deal at once."
    expected = tone.analyzer().polarity_scores(sentence)
    first = sentence_tone(sentence)
    assert sentence in tone._TONE_CACHE
    first["compound"] = 99.0
    second = sentence_tone(sentence)
    assert second == expected and second is not tone._TONE_CACHE[sentence]
    tone.clear_tone_cache()
    assert not tone._TONE_CACHE
    assert sentence_tone(sentence) == expected


def test_target_names_are_masked_before_scoring(matcher):
    # Unmasked, VADER adds "United" (+1.8): 3.7 / sqrt(3.7² + 15) = 0.6908.
    text = "The United States is a good partner."
    [row] = target_sentences(text, [], matcher)
    assert row["compound"] == 0.4404
    assert sentence_tone(text)["compound"] == 0.6908


def test_one_row_per_target_per_sentence(matcher):
    text = ("Washington and the Pentagon disagreed with the White House. Pyongyang held talks in Seoul.\n"
            "NATO is a threat.")
    rows = target_sentences(text, [], matcher)
    assert [(r["target"], r["alias"], r["n_targets"]) for r in rows] == [
        ("United States", "Washington", 1), ("North Korea", "Pyongyang", 2), ("South Korea", "Seoul", 2),
        ("NATO", "NATO", 1)]
    first, nk, sk, nato = rows
    assert text[first["sent_start"]:first["sent_end"]] == "Washington and the Pentagon disagreed with the White House."
    assert text[first["start_char"]:first["end_char"]] == "Washington"
    assert (nk["sent_start"], nk["sent_end"]) == (sk["sent_start"], sk["sent_end"])
    assert nk["compound"] == sk["compound"] == 0.0
    assert nato["compound"] == -0.5267 and nato["neg"] == 0.531


# Sentences from the corpora in ../shared/corpora (KCNA 2024, RSS world news 2023).
@pytest.mark.parametrize("text, expected", [
    # the dateline's place is where the story was filed: no row
    ("Pyongyang, December 24 (KCNA) -- Japan continues discharging nuclear-contaminated water into sea, "
     "endangering the lives and security of all mankind.", [("Japan", "Japan")]),
    ("Pyongyang, January 12 (KCNA) --Kim Jong Un received a message of greeting.", []),
    ("Pyongyang, November 3 (KCNA) \u2013 Avengers are visiting the class education halls.", []),
    ("MOSCOW \u2014 Palestinian militants carried out an attack.", [("Palestine", "Palestinian")]),
    ("BEIJING \u2014 Bill Gates says he is in China to meet old friends.", [("China", "China")]),
    ("ANCHORAGE, Alaska (AP) \u2014 The U.S. is seeing a big increase in cases.", [("United States", "U.S")]),
    # the same sentence names the target again outside the dateline: it counts, once
    ("Pyongyang, January 2 (KCNA) -- The grand art performance is going on with splendor amid the applause "
     "of citizens in Pyongyang, the capital city of the DPRK.", [("North Korea", "Pyongyang")]),
    # a dateline opens a later paragraph too
    ("Talks ended.\nWASHINGTON, Oct. 5 (Reuters) - Officials met.", []),
    # not datelines: the place is the subject, or the parenthesis is no agency before a dash
    ("Pyongyang slammed the drills.", [("North Korea", "Pyongyang")]),
    ("Talks in Pyongyang (KCNA) -- no dateline mid-line.", [("North Korea", "Pyongyang")]),
    ("U.S. - China High Level Agricultural Dialogue opens", [("United States", "U.S"), ("China", "China")]),
])
def test_a_name_in_a_dateline_names_no_target(matcher, text, expected):
    rows = target_sentences(text, [], matcher)
    assert [(r["target"], text[r["start_char"]:r["end_char"]]) for r in rows] == expected
    assert all(r["n_targets"] == len(expected) for r in rows)


def test_dateline_name_is_still_masked_for_the_tone(matcher):
    text = "Pyongyang, January 2 (KCNA) -- Citizens in Pyongyang enjoyed a great performance."
    [row] = target_sentences(text, [], matcher)
    assert row["start_char"] == text.index("Pyongyang", 1)
    assert row["compound"] == sentence_tone("it, January 2 (KCNA) -- Citizens in it enjoyed a great "
                                            "performance.")["compound"]


def test_voice_and_speaker_of_the_target_name(matcher):
    text = ("\u201cWashington is a menace,\u201d Kim Yo Jong said.\n"
            "The ministry said that NATO is a threat.\n"
            "Moscow welcomed the talks.")
    rows = target_sentences(text, find_quotes(text), matcher)
    got = {r["target"]: (r["voice"], r["speaker"]) for r in rows}
    assert got["United States"] == ("quoted", "Kim Yo Jong")
    assert got["NATO"][0] == "attributed" and got["NATO"][1].lower() == "the ministry"
    assert got["Russia"] == ("outlet", None)
    assert {r["target"]: r["compound"] for r in rows}["Russia"] == 0.34     # "welcomed" +1.4


def test_score_targets_frame_matches_its_table(matcher):
    arts = pd.DataFrame({"article_id": ["a1", "a2"], "text": ["Kyiv said that Moscow lied.", "Rain today."]})
    quotes = pd.DataFrame({"article_id": ["a1"], "quote_id": [0], "start_char": [15], "end_char": [26],
                           "kind": ["reported"], "speaker": ["Kyiv"], "cue": ["said"], "closed": [True]})
    df = check_frame(score_targets(arts, quotes, matcher), "target_mentions")
    assert df[["target", "voice"]].values.tolist() == [["Ukraine", "outlet"], ["Russia", "attributed"]]
    assert set(df["article_id"]) == {"a1"}


# --- gazetteer errors -----------------------------------------------------------------

@pytest.mark.parametrize("body, message", [
    ("targets:\n  - target: Russia\n    alias: [Moscow]\n",
     "line 3: unknown key 'alias'; expected one of target, kind, names, metonyms, demonyms, not, match_case, note"),
    ("targets:\n  - target: Russia\n    names: [Russia, Moscow]\n  - target: City\n    names: [Moscow]\n",
     "line 5: 'Moscow' is a name of two targets; expected each name in one target (a mention must have one "
     "target); found 'Russia' on line 3 and 'City' here"),
    ("targets:\n  - target: US\n    names: [United States]\n    match_case: [US]\n",
     "line 4, key 'match_case': match_case names 'US', which is not a name of 'US'"),
    ("targets:\n  - target: X\n    kind: planet\n    names: [X]\n",
     "line 3, key 'kind': unknown kind of target 'X'; expected one of country, bloc, organisation, group; "
     "found 'planet'"),
    ("targets:\n  - target: X\n    names: [X, '...']\n",
     "line 3, key 'names': a name with no letters or digits"),
    ("targets:\n  - target: X\n    names: [X]\n  - target: X\n    names: [Y]\n",
     "line 4: target 'X' is defined twice"),
    ("targets:\n  - target: X\n    note: only a note\n", "line 2: target 'X' has no names"),
    ("targets:\n  - target: X\n    names: [X\n", "not valid YAML"),
    ("targets: []\n", "wrong shape; expected a non-empty 'targets:' list"),
])
def test_gazetteer_errors_name_file_line_expected_found(tmp_path, body, message):
    path = tmp_path / "targets.yaml"
    path.write_text(body)
    with pytest.raises(GazetteerError) as exc:
        read_gazetteer(path)
    assert message in str(exc.value)
    assert str(path) in str(exc.value)


def test_missing_gazetteer_file(tmp_path):
    with pytest.raises(GazetteerError, match="gazetteer file not found.*Fix: check the path given to --targets"):
        read_gazetteer(tmp_path / "nope.yaml")


# --- rollups on a tiny hand-made store ------------------------------------------------

def _article(aid, outlet, day):
    return dict(article_id=aid, outlet=outlet, outlet_raw=outlet, published_at=pd.Timestamp(day, tz="UTC"),
                day=pd.Timestamp(day).date(), date_source="column", date_note=None, title=f"Title {aid}",
                text="x" * 200, text_origin="body", url=f"https://example.org/{aid}", url_norm=None, source_id=None,
                source_file="t.csv", source_row=1, n_words=40, n_copies=1, text_hash=aid, topics_raw=None,
                lang="en", extra=None, run_id="r")


def _row(aid, target, start, compound, voice="outlet"):
    return dict(article_id=aid, target=target, alias=target, start_char=start, end_char=start + 6, sent_start=start,
                sent_end=start + 40, voice=voice, speaker=None if voice == "outlet" else "Someone", n_targets=1,
                compound=compound, pos=0.0, neu=1.0, neg=0.0)


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory):
    """Outlet A: articles a1 (2 sentences on Russia: -0.5, -0.1), a2 (+0.3 in its own voice, -0.9
    quoted) and a3 (-0.2), all in the week of 2026-01-05; Outlet B: article b1 that week (names no
    target) and b2 the next week (Russia, 0.0)."""
    arts = pd.DataFrame([_article("a1", "A", "2026-01-05"), _article("a2", "A", "2026-01-07"),
                         _article("a3", "A", "2026-01-08"), _article("b1", "B", "2026-01-06"),
                         _article("b2", "B", "2026-01-13")])
    rows = pd.DataFrame([_row("a1", "Russia", 0, -0.5), _row("a1", "Russia", 50, -0.1), _row("a2", "Russia", 0, 0.3),
                         _row("a2", "Russia", 50, -0.9, voice="quoted"), _row("a3", "Russia", 0, -0.2),
                         _row("b2", "Russia", 0, 0.0), _row("b2", "NATO", 100, 0.2)])
    path = tmp_path_factory.mktemp("tone") / "t.duckdb"
    with storage.writing(path, fresh=True) as con:
        storage.write_table(con, "articles", arts)
        storage.write_table(con, "target_mentions", rows)
    con = storage.connect(path)
    yield con
    con.close()


def test_trend_mean_share_and_cluster_intervals_by_hand(tiny_store):
    df = tone_trend(tiny_store, Filters(), "week", targets=("Russia",))
    a = df[(df["outlet"] == "A") & (df["period"] == pd.Timestamp("2026-01-05"))].iloc[0]
    assert (a["n_articles"], a["n_articles_naming"], a["n_sentences"], a["n_negative"]) == (3, 3, 4, 3)
    assert a["mean_compound"] == pytest.approx(-0.125)        # (-0.5 - 0.1 + 0.3 - 0.2) / 4
    # Articles as clusters: residuals y_i - r x_i are -0.6 + 0.25, 0.3 + 0.125, -0.2 + 0.125, squares
    # summing to 0.30875; se = sqrt(3/2 × 0.30875) / 4 = 0.170133; t(0.975, 2 df) = 4.302653;
    # half-width 0.732022.
    assert a["compound_low"] == pytest.approx(-0.125 - 0.732022, abs=1e-5)
    assert a["compound_high"] == pytest.approx(-0.125 + 0.732022, abs=1e-5)
    assert a["share_negative"] == pytest.approx(0.75)
    # Wilson for 3/4 is [0.3006, 0.9544]; the cluster interval (0.75 ± 4.3027 × 0.28641) is wider: [0, 1].
    assert (a["negative_low"], a["negative_high"]) == (pytest.approx(0.0), pytest.approx(1.0))
    # Outlet B has an article in the first week but no sentence naming Russia: a gap, not a zero.
    b = df[(df["outlet"] == "B") & (df["period"] == pd.Timestamp("2026-01-05"))].iloc[0]
    assert b["n_articles"] == 1 and b["n_sentences"] == 0 and np.isnan(b["mean_compound"])
    assert np.isnan(b["compound_low"]) and np.isnan(b["share_negative"])
    # One article: a mean, but no cluster interval.
    b2 = df[(df["outlet"] == "B") & (df["period"] == pd.Timestamp("2026-01-12"))].iloc[0]
    assert b2["mean_compound"] == 0.0 and np.isnan(b2["compound_low"])
    assert len(df) == 4 and list(df.columns[:3]) == ["outlet", "target", "period"]


def test_voice_filter_selects_the_rows_of_that_voice(tiny_store):
    all_voices = tone_matrix(tiny_store, Filters(voice="all"), targets=("Russia",))
    a = all_voices[all_voices["outlet"] == "A"].iloc[0]
    assert a["n_sentences"] == 5 and a["mean_compound"] == pytest.approx(-0.28)     # (-0.6 + 0.3 - 0.9 - 0.2) / 5
    quoted = tone_matrix(tiny_store, Filters(voice="quoted"))
    assert quoted.set_index("outlet").loc["A", "mean_compound"] == pytest.approx(-0.9)
    assert np.isnan(quoted.set_index("outlet").loc["B", "mean_compound"])


def test_matrix_orders_targets_by_sentences(tiny_store):
    df = tone_matrix(tiny_store, Filters())
    assert list(df["target"].unique()) == ["Russia", "NATO"]
    nato = df[(df["outlet"] == "A") & (df["target"] == "NATO")].iloc[0]
    assert nato["n_articles"] == 3 and nato["n_sentences"] == 0 and np.isnan(nato["mean_compound"])


def test_evidence_spans_follow_the_cell(tiny_store):
    spans = evidence_spans(tiny_store, Filters(), key="Russia", outlet="A", start=date(2026, 1, 5),
                           end=date(2026, 1, 11))
    assert spans[["article_id", "start_char", "label", "voice"]].values.tolist() == [
        ["a1", 0, "Russia (\u22120.50)", "outlet"], ["a1", 50, "Russia (\u22120.10)", "outlet"],
        ["a2", 0, "Russia (+0.30)", "outlet"], ["a3", 0, "Russia (\u22120.20)", "outlet"]]
    assert len(evidence_spans(tiny_store, Filters(voice="all"), key="Russia", outlet="A")) == 5
    assert evidence_spans(tiny_store, Filters(), key="NATO")["outlet"].tolist() == ["B"]
    assert len(evidence_spans(tiny_store, Filters(), limit=2)) == 2


# --- the stage inside the score step --------------------------------------------------

def test_score_stage_writes_target_rows_and_a_bad_gazetteer_stops_the_run(tmp_path):
    from pipelines.ingest import IngestOptions
    from pipelines.run import ScoreOptions, run_pipeline

    inputs = tmp_path / "a.csv"
    pd.DataFrame([
        dict(id="1", outlet="Outlet A", date="2026-01-05T09:00:00Z", title="One",
             body="NATO is a threat. The ministry said that Washington lied."),
        dict(id="2", outlet="Outlet B", date="2026-01-06T09:00:00Z", title="Two", body="Rain is expected today."),
    ]).to_csv(inputs, index=False)
    store = tmp_path / "s.duckdb"
    run_pipeline(store, [inputs], IngestOptions(), ScoreOptions(), fresh=True)
    con = storage.connect(store)
    try:
        rows = con.execute("SELECT target, alias, voice, compound, n_targets FROM target_mentions "
                           "ORDER BY start_char").fetchall()
        version = con.execute("SELECT DISTINCT version FROM targets").fetchall()
    finally:
        con.close()
    # "threat" -2.4 -> -0.5267; "lied" -1.6 -> -1.6 / sqrt(1.6² + 15) = -0.3818, in reported speech
    assert rows == [("NATO", "NATO", "outlet", -0.5267, 1), ("United States", "Washington", "attributed", -0.3818, 1)]
    assert version == [(read_gazetteer().version,)]

    own = tmp_path / "targets.yaml"
    own.write_text("targets:\n  - target: Alliance\n    kind: bloc\n    names: [NATO]\n")
    run_pipeline(store, [], IngestOptions(), ScoreOptions(targets=own))
    con = storage.connect(store)
    try:
        assert con.execute("SELECT target FROM target_mentions").fetchall() == [("Alliance",)]
    finally:
        con.close()

    own.write_text("targets:\n  - target: Alliance\n    names: [NATO]\n    aliases: [the alliance]\n")
    before = store.stat().st_mtime_ns
    with pytest.raises(GazetteerError, match="line 4: unknown key 'aliases'"):
        run_pipeline(store, [], IngestOptions(), ScoreOptions(targets=own))
    assert store.stat().st_mtime_ns == before


def test_cli_targets_option_validates_before_the_run(tmp_path):
    from click.testing import CliRunner

    from pipelines.cli import main

    inputs = tmp_path / "a.csv"
    inputs.write_text("outlet,date,body\nOutlet A,2026-01-05,NATO met.\n")
    bad = tmp_path / "targets.yaml"
    bad.write_text("targets:\n  - target: X\n    kind: planet\n    names: [X]\n")
    store = tmp_path / "s.duckdb"
    result = CliRunner().invoke(main, ["run", "--input", str(inputs), "--store", str(store), "--targets", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}, line 3, key 'kind': unknown kind of target 'X'" in result.output
    assert not store.exists()
