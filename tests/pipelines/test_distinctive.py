"""Distinctive terms: the log-odds ratio with an informative Dirichlet prior (Monroe et al. 2008)."""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import storage
from pipelines.concordance import SPAN_COLUMNS, concordance
from pipelines.distinctive import (article_terms, count_terms, distinctive_terms, evidence_spans, log_odds,
                                   term_list)
from pipelines.ingest import IngestOptions
from pipelines.quotes import find_quotes
from pipelines.rollups import Filters
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.text import fold
from tests.conftest import corpus_dir

A, B, C = "Outlet A", "Outlet B", "Outlet C"
DOCS = [  # id, outlet, day, body
    ("d1", A, "2026-01-05", "Regime troops. Regime."),
    ("d2", A, "2026-01-06", "Peace talks."),
    ("d3", B, "2026-01-07", "Government troops, peace talks."),
    ("d4", C, "2026-01-08", "Kim said: \u201cThe regime lies.\u201d Troops moved."),
    ("d5", C, "2026-01-09", "The hege\u00admonic press of \u0130stanbul."),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("distinctive")
    rows = [dict(id=i, outlet=o, date=f"{d}T09:00:00Z", title=f"Story {i}", body=b) for i, o, d, b in DOCS]
    pd.DataFrame(rows).to_csv(folder / "docs.csv", index=False)
    (folder / "lexicon.csv").write_text("term,category\nregime,pejorative_label\n")
    path = folder / "s.duckdb"
    run_pipeline(path, [folder / "docs.csv"], IngestOptions(), ScoreOptions(lexicons=[folder / "lexicon.csv"]),
                 fresh=True)
    con = storage.connect(path)
    yield con
    con.close()


def _ln(q: Fraction) -> float:
    return math.log(q.numerator) - math.log(q.denominator)


# The three-document example, on paper. Outlet A: d1 "Regime troops. Regime." and d2 "Peace
# talks."; outlet B: d3 "Government troops, peace talks." (no stop words, no quotes).
#   A: regime 2, troops 1, peace 1, talks 1         n_i = 5
#   B: government 1, troops 1, peace 1, talks 1     n_j = 4
# Prior from the whole selection with α_0 = N = 9, so α_w = the term's total count:
#   α(regime) = 2, α(government) = 1, α(troops) = α(peace) = α(talks) = 2.
# δ_w = ln[(y_iw+α_w)/(n_i+α_0−y_iw−α_w)] − ln[(y_jw+α_w)/(n_j+α_0−y_jw−α_w)]
#   regime:     ln[(2+2)/(14−2−2)] − ln[(0+2)/(13−0−2)] = ln(4/10) − ln(2/11) = ln(11/5) =  0.788457
#               σ² = 1/4 + 1/2 = 3/4,  z = 0.788457 / 0.866025 = 0.910432
#   government: ln[(0+1)/(14−0−1)] − ln[(1+1)/(13−1−1)] = ln(1/13) − ln(2/11) = ln(11/26) = −0.860201
#               σ² = 1/1 + 1/2 = 3/2,  z = −0.860201 / 1.224745 = −0.702351
#   troops (and peace, talks): ln[(1+2)/(14−1−2)] − ln[(1+2)/(13−1−2)] = ln(3/11) − ln(3/10) = ln(10/11)
#               = −0.095310,  σ² = 1/3 + 1/3 = 2/3,  z = −0.116730
# Equal counts give a negative δ: one occurrence in A's 5 terms is a smaller share than in B's 4.
PAPER = {  # term: (count_i, count_j, δ, σ²)
    "regime": (2, 0, _ln(Fraction(11, 5)), Fraction(3, 4)),
    "government": (0, 1, _ln(Fraction(11, 26)), Fraction(3, 2)),
    "troops": (1, 1, _ln(Fraction(10, 11)), Fraction(2, 3)),
    "peace": (1, 1, _ln(Fraction(10, 11)), Fraction(2, 3)),
    "talks": (1, 1, _ln(Fraction(10, 11)), Fraction(2, 3)),
}
COUNTS_A = pd.Series({"regime": 2, "troops": 1, "peace": 1, "talks": 1})
COUNTS_B = pd.Series({"government": 1, "troops": 1, "peace": 1, "talks": 1})
PRIOR = COUNTS_A.add(COUNTS_B, fill_value=0)


def _check_paper(df: pd.DataFrame) -> None:
    got = df.set_index("term")
    assert sorted(got.index) == sorted(PAPER)
    for term, (y_i, y_j, delta, var) in PAPER.items():
        row = got.loc[term]
        assert (row["count_i"], row["count_j"]) == (y_i, y_j)
        assert row["delta"] == pytest.approx(delta, abs=1e-9)
        assert row["var"] == pytest.approx(float(var), abs=1e-9)
        assert row["z"] == pytest.approx(delta / math.sqrt(var), abs=1e-9)


def test_log_odds_three_document_example_on_paper():
    df = log_odds(COUNTS_A, COUNTS_B, PRIOR)
    assert list(df.columns) == ["term", "count_i", "count_j", "delta", "var", "z"]
    _check_paper(df)
    assert df.set_index("term").loc["regime", "z"] == pytest.approx(0.910432, abs=1e-6)
    assert df.set_index("term").loc["government", "z"] == pytest.approx(-0.702351, abs=1e-6)


def test_three_documents_through_the_store_give_the_paper_numbers(store):
    counts = count_terms(store, Filters(outlets=(A, B)))
    assert counts.outlets == [A, B] and counts.n_articles == {A: 2, B: 1} and not counts.sampled
    df = distinctive_terms(counts, A, min_count=1)
    _check_paper(df)
    assert df["term"].tolist()[0] == "regime" and df["term"].tolist()[-1] == "government"
    assert df.set_index("term").loc["regime", "per_1k_i"] == pytest.approx(1000 * 2 / 5)


def test_swapping_the_sides_negates_delta_and_keeps_the_variance():
    ab = log_odds(COUNTS_A, COUNTS_B, PRIOR).set_index("term")
    ba = log_odds(COUNTS_B, COUNTS_A, PRIOR).set_index("term")
    assert (ba["delta"] == -ab["delta"]).all()
    assert (ba["var"] == ab["var"]).all()
    assert (ba["count_i"] == ab["count_j"]).all()


def test_a_term_absent_from_both_sides_is_set_by_the_prior_and_the_totals():
    """hegemon: y_i = y_j = 0, α = 1; α_0 = 9 + 1 = 10, n_i = 5, n_j = 4:
    δ = ln[1/(5+10−1)] − ln[1/(4+10−1)] = ln(13/14) = −0.074108, σ² = 1 + 1 = 2."""
    prior = pd.concat([PRIOR, pd.Series({"hegemon": 1})])
    row = log_odds(COUNTS_A, COUNTS_B, prior).set_index("term").loc["hegemon"]
    assert (row["count_i"], row["count_j"]) == (0, 0)
    assert row["delta"] == pytest.approx(_ln(Fraction(13, 14)), abs=1e-9)
    assert row["var"] == pytest.approx(2.0)
    assert row["z"] == pytest.approx(_ln(Fraction(13, 14)) / math.sqrt(2), abs=1e-9)


def test_a_counted_term_without_a_positive_prior_is_an_error():
    with pytest.raises(ValueError, match="no prior"):
        log_odds(COUNTS_A, COUNTS_B, PRIOR.drop("regime"))
    with pytest.raises(ValueError, match="> 0"):
        log_odds(COUNTS_A, COUNTS_B, PRIOR.replace(1, 0))


def test_more_than_two_outlets_each_against_the_other_two_pooled(store):
    counts = count_terms(store, Filters(voice="all"))
    assert counts.outlets == [A, B, C]
    by = {o: pd.Series(counts.counts[k], index=counts.terms) for k, o in enumerate(counts.outlets)}
    total = by[A] + by[B] + by[C]
    for outlet in (A, B, C):
        rest = total - by[outlet]
        want = log_odds(by[outlet], rest, total[total > 0]).set_index("term")
        got = distinctive_terms(counts, outlet, min_count=1).set_index("term")
        assert sorted(got.index) == sorted(want.index)
        pd.testing.assert_series_equal(got["z"], want.loc[got.index, "z"], check_names=False)
        assert (got["count_j"] == rest[got.index]).all()
    # C's "regime" is inside the quotation, counted with voice "all": 3 of them in the selection.
    assert distinctive_terms(counts, C, min_count=1).set_index("term").loc["regime", "count_j"] == 2


def test_one_outlet_cannot_be_compared_and_min_count_filters_rows_not_totals(store):
    with pytest.raises(ValueError, match="at least two outlets"):
        distinctive_terms(count_terms(store, Filters(outlets=(A,))), A)
    counts = count_terms(store, Filters(outlets=(A, B)))
    df = distinctive_terms(counts, A, min_count=2)
    assert sorted(df["term"]) == ["peace", "regime", "talks", "troops"]       # government (1) left out
    _check_paper(pd.concat([df, distinctive_terms(counts, A, min_count=1).query("term == 'government'")]))


def test_words_get_the_voice_of_their_quotation():
    text = "Kim said: \u201cThe regime lies.\u201d Troops moved."
    terms = article_terms(text, find_quotes(text))
    assert term_list(terms, "outlet") == ["kim", "said", "troops", "moved"]
    assert term_list(terms, "quoted") == ["regime", "lies"]
    assert term_list(terms, "all") == ["kim", "said", "regime", "lies", "troops", "moved"]


@pytest.mark.parametrize("text, bigrams", [
    ("Peace talks, troops moved", ["peace talks", "troops moved"]),       # no pair across the comma
    ("A war of words", []),                                              # "war words" is not in the text
    ("War-games began. Games end", ["war games", "games began", "games end"]),  # hyphen joins, period splits
    ("Talks \u201cfailed badly\u201d today", ["failed badly"]),         # no pair across quotation marks
])
def test_bigrams_are_adjacent_words_with_no_punctuation_between(text, bigrams):
    terms = article_terms(text)
    words = term_list(terms, "all")
    assert term_list(terms, "all", bigrams=True) == words + bigrams


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab Z\u00e9-\u2019\u201c\u201d.\n\u00ad\u200b\u0130\u00a0,1")),
               max_size=60))
def test_word_offsets_point_at_the_word_in_the_text(text):
    terms = article_terms(text)
    assert len(terms.words) == len(terms.starts) == len(terms.ends)
    for w, s, e in zip(terms.words, terms.starts, terms.ends):
        assert fold(text[s:e]) == w


def test_evidence_spans_are_the_counted_occurrences(store):
    f = Filters(outlets=(A, B))
    spans = evidence_spans(store, f, key="Regime")
    assert list(spans.columns) == SPAN_COLUMNS
    assert spans["article_id"].nunique() == 1 and len(spans) == 2                       # both in d1
    text = store.execute("SELECT text FROM articles WHERE article_id = ?", [spans["article_id"][0]]).fetchone()[0]
    assert [text[s:e] for s, e in zip(spans["start_char"], spans["end_char"])] == ["Regime", "Regime"]
    assert set(spans["label"]) == {"regime"} and set(spans["voice"]) == {"outlet"}
    assert evidence_spans(store, f, key="regime", outlet=B).empty
    pairs = evidence_spans(store, f, key="peace talks")
    assert pairs["outlet"].tolist() == [A, B] and len(evidence_spans(store, f, key="peace talks", limit=1)) == 1
    assert evidence_spans(store, f, key="troops peace").empty                            # across a comma
    assert evidence_spans(store, f, key=None).empty


def test_evidence_follows_the_voice_filter_and_names_the_speaker(store):
    quoted = evidence_spans(store, Filters(voice="quoted"), key="regime")
    assert quoted["outlet"].tolist() == [C] and quoted["voice"].tolist() == ["quoted"]
    assert quoted["speaker"].tolist() == ["Kim"]
    assert evidence_spans(store, Filters(voice="outlet"), key="regime")["outlet"].tolist() == [A, A]
    lines = concordance(store, Filters(voice="all"), "term", key="regime", width=10)
    assert lines["match"].tolist() == ["Regime", "Regime", "regime"]
    assert lines["left"].tolist()[2] == "aid: \u201cThe "                                   # 10 characters


@pytest.mark.corpus
def test_ruwa_rt_writes_kiev_and_reuters_kyiv(tmp_path):
    """RUWA (Ukraine war 2022), RT against Reuters in their own voice: RT spells the capital
    'Kiev' (49 times, never in Reuters), Reuters 'Kyiv' (46, never in RT); each is among its
    side's 20 most distinctive terms with |z| > 1.96, and the concordance finds every counted one."""
    path = corpus_dir("ruwa_ukraine_war_2022") / "ruwa_dev.csv"
    store = tmp_path / "ruwa.duckdb"
    run_pipeline(store, [path], IngestOptions(topic_column="event"), ScoreOptions(), fresh=True)
    con = storage.connect(store)
    try:
        f = Filters(outlets=("RT", "Reuters"))
        counts = count_terms(con, f)
        rt = distinctive_terms(counts, "RT")
        reuters = distinctive_terms(counts, "Reuters").set_index("term")
        assert "kiev" in rt["term"].head(20).tolist() and "kyiv" in rt["term"].tail(20).tolist()
        kiev = rt.set_index("term").loc["kiev"]
        assert kiev["z"] > 1.96 and kiev["count_j"] == 0
        assert reuters.loc["kyiv", "z"] > 1.96 and reuters.loc["kyiv", "count_j"] == 0
        assert reuters.loc["kiev", "z"] == pytest.approx(-kiev["z"])        # two outlets: the same comparison
        assert len(evidence_spans(con, f, key="kiev", outlet="RT")) == kiev["count_i"]
        assert len(evidence_spans(con, f, key="kyiv", outlet="Reuters")) == reuters.loc["kyiv", "count_i"]
    finally:
        con.close()


def test_evidence_finds_words_that_lower_case_alone_would_miss(store):
    """A soft hyphen inside a word and a capital dotted I fold to the plain word."""
    f = Filters(voice="all")
    for key, want in (("hegemonic", "hege\u00admonic"), ("istanbul", "\u0130stanbul")):
        spans = evidence_spans(store, f, key=key)
        text = store.execute("SELECT text FROM articles WHERE article_id = ?", [spans["article_id"][0]]).fetchone()[0]
        assert [text[s:e] for s, e in zip(spans["start_char"], spans["end_char"])] == [want]
