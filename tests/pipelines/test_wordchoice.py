"""Word choice (counterpart pairs): the pairs file, matching, voices, shares and their intervals.

The store tests run the real pipeline (built-in lexicon and pairs) on four hand-written
articles; every count and bound below was worked out by hand from them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.errors import LexiconError
from pipelines.ingest import IngestOptions
from pipelines.lexicon import load_lexicon
from pipelines.rollups import Filters
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.wordchoice import (BUILTIN_PAIRS, PairMatcher, evidence_spans, load_pairs, pair_shares,
                                  pair_totals, parse_key, read_pairs, resolve_pairs)

HEADER = "pair_id,concept,loaded,counterpart,counterpart_variants,contested,note\n"
ARTICLES = [
    # id, outlet, date, body
    ("a1", "Outlet A", "2026-01-05", "The regime met on Monday. The regime spoke again. "
                                     "The government of Norway said nothing."),
    ("a2", "Outlet A", "2026-01-13", "The government said the talks went well."),
    ("b1", "Outlet B", "2026-01-06", "The government and the government's allies met.\n\n"
                                     "\u201cThe regime will fall,\u201d Mr Smith said."),
    ("b2", "Outlet B", "2026-01-07", "The sanctions regime was extended by the government."),
]


@pytest.fixture(scope="module")
def builtin():
    lexicon, _ = load_lexicon()
    pairs, warnings = load_pairs(lexicon)
    return lexicon, pairs, warnings


@pytest.fixture(scope="module")
def matcher(builtin):
    lexicon, pairs, _ = builtin
    return PairMatcher(pairs, lexicon).fit()


def build_pair_store(folder: Path, articles=ARTICLES) -> Path:
    """Run the real pipeline (built-in lexicon and pairs, no topic queries) on *articles*
    (``(id, outlet, day, body)`` tuples); return the store's path."""
    rows = [dict(id=i, outlet=o, date=f"{d}T09:00:00Z", title=f"Story {i}", body=b) for i, o, d, b in articles]
    pd.DataFrame(rows).to_csv(folder / "articles.csv", index=False)
    store = folder / "s.duckdb"
    run_pipeline(store, [folder / "articles.csv"], IngestOptions(), ScoreOptions(topic_queries=False), fresh=True)
    return store


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    store = build_pair_store(tmp_path_factory.mktemp("wordchoice"))
    c = duckdb.connect(str(store), read_only=True)
    yield c
    c.close()


def _uses(matcher, text):
    return [(text[m.start:m.end], matcher.pairs[m.pair].pair_id, m.form, m.term) for m in matcher.find(text)]


# --- the built-in pairs file -------------------------------------------------------------

def test_builtin_pairs_agree_with_the_builtin_lexicon(builtin, matcher):
    lexicon, pairs, warnings = builtin
    assert warnings == []
    assert len(pairs) == len(read_pairs(BUILTIN_PAIRS)) >= 20
    ids = {p.pair_id for p in pairs}
    assert {"government", "military_exercises", "invasion", "militants_terrorists", "annexation"} <= ids
    matcher.check()   # every spelling is found when it stands alone
    annexation = next(p for p in pairs if p.pair_id == "annexation")
    assert annexation.loaded == ("reunification",) and annexation.counterpart == "annexation"
    assert annexation.contested  # both words are loaded, in opposite directions


# --- matching ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Joint military exercises began; critics called them war-games.",
     [("Joint military exercises", "military_exercises", "counterpart", "military exercises"),
      ("war-games", "military_exercises", "loaded", "war games")]),
    ("They stopped the war. Games resumed.", []),
    ("The invasion forces crossed; the invasion began, a special military operation, Moscow said.",
     [("invasion", "invasion", "counterpart", "invasion"),
      ("special military operation", "invasion", "loaded", "special military operation")]),
    ("A puppet government, the sanctions regime and the Government.",
     [("puppet government", "government", "loaded", "puppet government"),
      ("Government", "government", "counterpart", "government")]),
    ("The Kyiv regime and the Ukrainian government.",
     [("Kyiv regime", "ukraine_government", "loaded", "Kyiv regime"),
      ("regime", "government", "loaded", "regime"),
      ("Ukrainian government", "ukraine_government", "counterpart", "Ukrainian government"),
      ("government", "government", "counterpart", "government")]),
    ("The regime\u2019s envoy; a regimen of pills.", [("regime", "government", "loaded", "regime")]),
])
def test_forms_match_longest_first_and_each_pair_on_its_own(matcher, text, expected):
    assert _uses(matcher, text) == expected


def test_offsets_point_at_the_matched_text(matcher):
    text = "Les \u00ab war\u00a0games \u00bb et la r\u00e9union; the WAR GAMES and military\u2011exercises."
    found = matcher.find(text)
    assert [text[m.start:m.end] for m in found] == ["war\u00a0games", "WAR GAMES", "military\u2011exercises"]


WORDS = ["regime", "government", "war", "games", "military", "exercises", "Kyiv", "Ukrainian", "sanctions",
         "invasion", "special", "operation", "the", "puppet", "-", ".", "'s", "\u2019", "\u00ad", "\u00e9t\u00e9"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=12), st.sampled_from([" ", "  ", "\n", "-"]))
def test_the_quick_check_never_hides_a_use(matcher, words, sep):
    from pipelines.text import matching_copy

    text = sep.join(words)
    copy, offsets = matching_copy(text)
    assert matcher.find(text) == matcher.find(text, copy, offsets)
    for m in matcher.find(text):
        assert text[m.start:m.end].strip() == text[m.start:m.end] != ""


# --- bad pairs files ---------------------------------------------------------------------

LEXICON_CSV = ("term,category,counterpart,ignore\n"
               "regime,delegitimising_label,government,false\n"
               "war games,militarised_language,military exercises,false\n"
               "crusade,hyperbole,campaign,false\n"
               "sanctions regime,delegitimising_label,,true\n")


@pytest.fixture()
def small_lexicon(tmp_path):
    path = tmp_path / "lex.csv"
    path.write_text(LEXICON_CSV)
    lexicon, _ = load_lexicon([path])
    return lexicon


def _pairs_file(tmp_path, body: str, header: str = HEADER):
    path = tmp_path / "pairs.csv"
    path.write_text(header + body)
    return path


@pytest.mark.parametrize("header, body, what, where", [
    ("pair_id,loaded\n", "x,regime\n", "lacks a required column", "line 1"),
    (HEADER, "Bad Id,,regime,government,,,\n", "invalid pair_id", "line 2, column 'pair_id'"),
    (HEADER, "a,,regime,government,,,\nb,,war games,military exercises,,,\na,,crusade,campaign,,,\n",
     "pair_id 'a' is used twice", "line 4, column 'pair_id'"),
    (HEADER, "a,,,government,,,\n", "empty loaded form", "line 2, column 'loaded'"),
    (HEADER, "a,,regime,--,,,\n", "counterpart has no letters or digits", "line 2, column 'counterpart'"),
    (HEADER, "a,,regime,government,govern*,,\n", "'*' in a counterpart", "column 'counterpart_variants'"),
    (HEADER, 'a,,regime,government,,,\nb,,"war games,military exercises,,,\n', "a quoted cell is not closed",
     "line 3"),                                             # the open quote would swallow the rest of the file
    (HEADER, 'a,,regime,"government\nadministration",,,\n', "a cell spans lines", "lines 2-3"),
])
def test_malformed_pairs_files_stop_with_file_line_and_column(tmp_path, header, body, what, where):
    with pytest.raises(LexiconError) as err:
        read_pairs(_pairs_file(tmp_path, body, header))
    assert what in err.value.what and where in err.value.where


@pytest.mark.parametrize("body, what, found", [
    ("a,,junta,government,,,\n", "loaded term 'junta' of pair 'a' is not a lexicon term", "no such term"),
    ("a,,sanctions regime,government,,,\n", "is not a lexicon term", "a stop phrase"),
    ("a,,regime,administration,,,\n", "disagrees with the lexicon's counterpart of 'regime'", "'government' at"),
    ("a,,regime|war games,government,,,\n", "disagrees with the lexicon's counterpart of 'war games'",
     "'military exercises'"),
    ("a,,regime,government,Regime,,\n", "the forms of pair 'a' overlap", "'Regime' in both"),
    ("a,,regime,government,crusade,,\n", "counterpart 'crusade' of pair 'a' is itself a lexicon term",
     "'crusade' at"),
    ("a,,regime,government,,,\nb,,regime,government,,,\n", "lexicon term 'regime' is in two pairs",
     "also in pair 'a'"),
])
def test_pairs_that_disagree_with_the_lexicon_stop_the_run(tmp_path, small_lexicon, body, what, found):
    with pytest.raises(LexiconError) as err:
        resolve_pairs(read_pairs(_pairs_file(tmp_path, body)), small_lexicon, strict=True)
    assert what in err.value.what and found in err.value.found
    assert "pairs.csv, line 2" in err.value.where or "line 3" in err.value.where


def test_a_users_lexicon_leaves_unsupported_pairs_out_with_a_warning(tmp_path, small_lexicon):
    body = "a,,regime,government,,,\nb,,junta,military government,,,\n"
    pairs, warnings = resolve_pairs(read_pairs(_pairs_file(tmp_path, body)), small_lexicon, strict=False)
    assert [p.pair_id for p in pairs] == ["a"]
    assert len(warnings) == 1 and "pair 'b' left out" in warnings[0] and "junta" in warnings[0]


def test_a_lexicon_without_pairs_finds_nothing(small_lexicon):
    matcher = PairMatcher([], small_lexicon).fit()
    assert matcher.find("The regime and the government.") == [] and matcher.find("R\u00e9gime, government.") == []


def test_a_form_that_cannot_be_matched_is_an_error(tmp_path, small_lexicon):
    pairs, _ = resolve_pairs(read_pairs(_pairs_file(tmp_path, "a,,regime,government,peace. Talks,,\n")),
                             small_lexicon)
    with pytest.raises(LexiconError) as err:
        PairMatcher(pairs, small_lexicon).fit().check()
    assert "counterpart form 'peace. Talks' of pair 'a' cannot be matched" in err.value.what


@pytest.mark.parametrize("key, expected", [(None, (None, None)), ("government", ("government", None)),
                                           ("government:loaded", ("government", "loaded")),
                                           ("invasion:counterpart", ("invasion", "counterpart"))])
def test_parse_key(key, expected):
    assert parse_key(key) == expected


def test_parse_key_rejects_an_unknown_form():
    with pytest.raises(ValueError, match="must be one of"):
        parse_key("government:neutral")


# --- the stage and the store ----------------------------------------------------------------

def test_stage_writes_uses_with_voice_and_speaker(con):
    rows = con.execute("SELECT a.outlet, pm.article_id, pm.form, pm.term, pm.voice, pm.speaker, "
                       "substr(a.text, pm.start_char + 1, pm.end_char - pm.start_char) AS text "
                       "FROM pair_mentions pm JOIN articles a USING (article_id) WHERE pm.pair_id = 'government' "
                       "ORDER BY a.source_id, pm.start_char").fetchall()
    assert [(o, f, t, v, s, x) for o, _, f, t, v, s, x in rows] == [
        ("Outlet A", "loaded", "regime", "outlet", None, "regime"),
        ("Outlet A", "loaded", "regime", "outlet", None, "regime"),
        ("Outlet A", "counterpart", "government", "outlet", None, "government"),
        ("Outlet A", "counterpart", "government", "outlet", None, "government"),
        ("Outlet B", "counterpart", "government", "outlet", None, "government"),
        ("Outlet B", "counterpart", "government", "outlet", None, "government"),
        ("Outlet B", "loaded", "regime", "quoted", "Mr Smith", "regime"),
        # b2: "sanctions regime" is a stop phrase, so only "the government" counts
        ("Outlet B", "counterpart", "government", "outlet", None, "government"),
    ]
    pairs = con.execute("SELECT pair_id, counterpart, category FROM pairs WHERE pair_id = 'government'").fetchall()
    assert pairs == [("government", "government", "delegitimising_label")]


def test_shares_over_the_selection_with_wilson_and_cluster_intervals(con):
    df = pair_shares(con, Filters(), None, "government").set_index("outlet")
    a, b = df.loc["Outlet A"], df.loc["Outlet B"]
    # Outlet A: a1 has 2 "regime" + 1 "government", a2 has 1 "government": 2 of 4 uses loaded.
    assert (a.n_loaded, a.n_counterpart, a.n_forms, a.n_articles, a.n_articles_loaded) == (2, 2, 4, 2, 1)
    assert a.share == 0.5 and a.article_share == 0.5
    # Wilson (2 of 4): 0.150-0.850; ratio estimator with articles as clusters: r = 0.5,
    # residuals 2 - 1.5 and 0 - 0.5, se = sqrt(2/1 * 0.5) / 4 = 0.25 -> 0.5 -/+ 1.96 * 0.25. The wider wins.
    assert a.share_low == pytest.approx(0.5 - 1.959964 * 0.25, abs=1e-5)
    assert a.share_high == pytest.approx(0.5 + 1.959964 * 0.25, abs=1e-5)
    # Outlet B in its own voice: 0 of 3 (the quoted "regime" is Mr Smith's). Wilson upper bound for 0/3:
    # (z^2/6 + z*sqrt(z^2/36)) / (1 + z^2/3) = 2 * 0.64027 / 2.28049 = 0.56151.
    assert (b.n_loaded, b.n_counterpart, b.share, b.share_low) == (0, 3, 0.0, 0.0)
    assert b.share_high == pytest.approx(0.56151, abs=1e-4)
    assert bool(a.small_n) and bool(b.small_n)      # 2 articles each, fewer than 5


@pytest.mark.parametrize("voice, loaded, counterpart", [("outlet", 0, 3), ("quoted", 1, 0), ("all", 1, 3),
                                                       ("attributed", 0, 0)])
def test_the_voice_filter_chooses_which_uses_count(con, voice, loaded, counterpart):
    df = pair_shares(con, Filters(voice=voice), None, "government")
    row = df[df["outlet"] == "Outlet B"]
    got = (int(row["n_loaded"].sum()), int(row["n_counterpart"].sum())) if len(row) else (0, 0)
    assert got == (loaded, counterpart)


def test_an_outlet_with_articles_but_no_use_has_a_row_over_the_selection(con):
    """The whole-selection rows held only outlets using a form: an outlet with articles and no use was
    missing from Word choice's outlet chart without a word, where it should read "no use" (round 15)."""
    df = pair_shares(con, Filters(voice="attributed"), None, "government").set_index("outlet")
    assert list(df.index) == ["Outlet A", "Outlet B"]
    b = df.loc["Outlet B"]
    assert (b.n_forms, b.n_articles, b.n_outlet_articles, bool(b.small_n)) == (0, 0, 2, False)
    assert np.isnan(b.share) and np.isnan(b.share_low)       # no use is no share, never 0 %


def test_weekly_shares_keep_gaps_as_gaps(con):
    df = pair_shares(con, Filters(), "week", "government")
    got = {(o, p.date()): (r.n_loaded, r.n_forms, r.n_outlet_articles, r.share) for o, p, r in
           zip(df["outlet"], df["period"], df.itertuples())}
    assert got[("Outlet A", date(2026, 1, 5))][:3] == (2, 3, 1) and got[("Outlet A", date(2026, 1, 5))][3] == \
        pytest.approx(2 / 3)
    assert got[("Outlet A", date(2026, 1, 12))] == (0, 1, 1, 0.0)
    b2 = got[("Outlet B", date(2026, 1, 12))]
    assert b2[:3] == (0, 0, 0) and pd.isna(b2[3])        # no articles that week: a gap, not 0 %
    assert len(df) == 4


def test_pair_totals_rank_pairs_by_use(con):
    totals = pair_totals(con, Filters(voice="all"))
    assert totals.iloc[0]["pair_id"] == "government"
    assert tuple(totals.iloc[0][["n_loaded", "n_counterpart", "n_forms", "n_articles"]]) == (3, 5, 8, 4)
    assert (totals.iloc[1:]["n_forms"] == 0).all() and len(totals) == len(read_pairs(BUILTIN_PAIRS))
    euphemisms = pair_totals(con, Filters(categories=("euphemism",)))
    assert "government" not in set(euphemisms["pair_id"]) and "invasion" in set(euphemisms["pair_id"])


def test_evidence_spans_for_a_pair_and_for_one_form(con):
    spans = evidence_spans(con, Filters(voice="all"), key="government", outlet="Outlet B")
    assert list(spans["label"]) == ["government (counterpart)", "government (counterpart)", "regime (loaded)",
                                    "government (counterpart)"]
    assert list(spans["speaker"].fillna("-")) == ["-", "-", "Mr Smith", "-"]
    loaded = evidence_spans(con, Filters(), key="government:loaded", start=date(2026, 1, 5), end=date(2026, 1, 11))
    texts = dict(con.execute("SELECT article_id, text FROM articles").fetchall())
    assert [texts[a][s:e] for a, s, e in zip(loaded["article_id"], loaded["start_char"], loaded["end_char"])] == \
        ["regime", "regime"]
    assert set(loaded["outlet"]) == {"Outlet A"}


def test_a_users_own_lexicon_runs_with_the_pairs_it_supports(tmp_path):
    pd.DataFrame([dict(id="x", outlet="O", date="2026-01-05T09:00:00Z", title="t",
                       body="The regime and the government.")]).to_csv(tmp_path / "a.csv", index=False)
    (tmp_path / "lex.csv").write_text("term,category,counterpart\nregime,delegitimising_label,government\n")
    summary = run_pipeline(tmp_path / "s.duckdb", [tmp_path / "a.csv"], IngestOptions(),
                           ScoreOptions(lexicons=[tmp_path / "lex.csv"], topic_queries=False), fresh=True)
    c = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    try:
        assert c.execute("SELECT pair_id, loaded FROM pairs").fetchall() == [("government", "regime")]
        assert c.execute("SELECT form, term FROM pair_mentions ORDER BY start_char").fetchall() == \
            [("loaded", "regime"), ("counterpart", "government")]
    finally:
        c.close()
    assert sum("left out" in w for w in summary.warnings) == len(read_pairs(BUILTIN_PAIRS)) - 1
    assert any("pair 'government' kept without 'puppet regime'" in w for w in summary.warnings)


# --- a real corpus ------------------------------------------------------------------------------

@pytest.mark.corpus
def test_ruwa_special_military_operation_against_invasion(tmp_path):
    """RUWA (headlines and leads, 2022): Reuters and the BBC never say "special military operation"."""
    from tests.conftest import corpus_dir

    from pipelines.text import fold

    folder = corpus_dir("ruwa_ukraine_war_2022")
    store = tmp_path / "ruwa.duckdb"
    run_pipeline(store, [folder / "ruwa_dev.csv"], IngestOptions(topic_column="event"), ScoreOptions(), fresh=True)
    c = duckdb.connect(str(store), read_only=True)
    try:
        df = pair_shares(c, Filters(voice="all"), None, "invasion").set_index("outlet")
        for outlet in ("Reuters", "BBC News"):
            row = df.loc[outlet]
            assert row.n_loaded == 0 and row.n_counterpart >= 50, (outlet, row.n_counterpart)
            assert row.share_high < 0.1
        assert df.loc["News-Front", "n_loaded"] >= 1          # the pro-Kremlin outlet uses the Kremlin's name
        # every stored use is one of its pair's spellings, at the stored offsets
        texts = dict(c.execute("SELECT article_id, text FROM articles").fetchall())
        spellings = {(p, "loaded"): {fold(s) for s in ls.split("|")} for p, ls in
                     c.execute("SELECT pair_id, loaded_spellings FROM pairs").fetchall()}
        spellings |= {(p, "counterpart"): {fold(s) for s in cs.split("|")} for p, cs in
                      c.execute("SELECT pair_id, counterpart_spellings FROM pairs").fetchall()}
        rows = c.execute("SELECT article_id, pair_id, form, start_char, end_char FROM pair_mentions").fetchall()
        assert len(rows) > 3000
        bad = [r for r in rows if fold(texts[r[0]][r[3]:r[4]]) not in spellings[(r[1], r[2])]]
        assert not bad, bad[:5]
    finally:
        c.close()


def test_lexicon_check_validates_a_pairs_file(tmp_path):
    from click.testing import CliRunner

    from pipelines.cli import main
    from pipelines.lexicon import BUILTIN_LEXICON

    ok = CliRunner().invoke(main, ["lexicon", "check", str(BUILTIN_LEXICON), "--pairs", str(BUILTIN_PAIRS)])
    assert ok.exit_code == 0 and f"ok: {len(read_pairs(BUILTIN_PAIRS))} word-choice pairs" in ok.output
    bad = _pairs_file(tmp_path, "a,,war games,military exercises,war-games,,\n")
    res = CliRunner().invoke(main, ["lexicon", "check", str(BUILTIN_LEXICON), "--pairs", str(bad)])
    assert res.exit_code == 1
    assert "pairs.csv, line 2: the forms of pair 'a' overlap" in res.output
