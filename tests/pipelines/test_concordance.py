"""The concordance contract and its two lexicon kinds, on a three-article store built by the real pipeline.

The corpus (offsets counted by hand):

* First (Alpha, 2026-03-02): ``The regime held war games again.``: "regime" 4–10 and "war
  games" 16–25, both the outlet's own words.
* Third (Beta, 2026-03-03): ``“The regime lies,” she said. Beta saw war games.``: "regime"
  5–11 quoted (speaker "she"), "war games" 38–47 the outlet's own.
* Second (Alpha, 2026-03-09): ``Officials said that the regime was weak. The puppet council
  met.``: "regime" 24–30 attributed to "Officials", "puppet" 45–51 the outlet's own.
"""

from datetime import date

import pytest

from pipelines import concordance as conc
from pipelines.ingest import IngestOptions
from pipelines.rollups import Filters
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.storage import connect

CORPUS = ('id,outlet,date,title,body\n'
          'a1,Alpha,2026-03-02T09:00:00Z,First,The regime held war games again.\n'
          'a2,Alpha,2026-03-09T09:00:00Z,Second,Officials said that the regime was weak. The puppet council met.\n'
          'b1,Beta,2026-03-03T09:00:00Z,Third,"\u201cThe regime lies,\u201d she said. Beta saw war games."\n')
LEXICON = "term,category\nregime,pejorative\npuppet,delegitimising\nwar games,militarised\n"
EVERY_VOICE = Filters(voice="all")


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    folder = tmp_path_factory.mktemp("conc")
    (folder / "a.csv").write_text(CORPUS, encoding="utf-8")
    (folder / "lex.csv").write_text(LEXICON)
    store = folder / "s.duckdb"
    run_pipeline(store, [folder / "a.csv"], IngestOptions(), ScoreOptions(lexicons=[folder / "lex.csv"],
                                                                             topic_queries=False), fresh=True)
    c = connect(store, read_only=True)
    yield c
    c.close()


def _lines(df):
    return [(t, m, v) for t, m, v in zip(df["title"], df["match"], df["voice"])]


def test_a_term_in_every_voice_gives_its_three_lines_in_date_order(con):
    df = conc.concordance(con, EVERY_VOICE, "lexicon", key="regime")
    assert list(df.columns) == conc.KWIC_COLUMNS
    assert _lines(df) == [("First", "regime", "outlet"), ("Third", "regime", "quoted"),
                          ("Second", "regime", "attributed")]
    assert df["speaker"].tolist()[1:] == ["she", "Officials"]
    assert df["start_char"].tolist() == [4, 5, 24] and df["end_char"].tolist() == [10, 11, 30]
    assert df["left"].tolist() == ["The ", "\u201cThe ", "Officials said that the "]
    assert df["right"].tolist() == [" held war games again.", " lies,\u201d she said. Beta saw war games.",
                                    " was weak. The puppet council met."]
    assert df["label"].tolist() == ["regime"] * 3


def test_the_cell_narrows_to_its_outlet_and_days_and_the_voice_follows_the_filters(con):
    df = conc.concordance(con, Filters(), "lexicon", outlet="Alpha", start=date(2026, 3, 1), end=date(2026, 3, 7))
    assert _lines(df) == [("First", "regime", "outlet"), ("First", "war games", "outlet")]   # then by offset
    quoted = conc.concordance(con, Filters(voice="quoted"), "lexicon")
    assert _lines(quoted) == [("Third", "regime", "quoted")]


def test_context_width_cuts_both_sides(con):
    df = conc.concordance(con, EVERY_VOICE, "lexicon", key="puppet", width=5)
    assert (df["left"].tolist(), df["match"].tolist(), df["right"].tolist()) == ([" The "], ["puppet"],
                                                                                   [" coun"])


def test_limit_keeps_the_first_lines_by_date(con):
    df = conc.concordance(con, EVERY_VOICE, "lexicon", key="regime", limit=2)
    assert df["title"].tolist() == ["First", "Third"]


def test_category_kind_gives_the_mentions_of_one_category(con):
    df = conc.concordance(con, Filters(), "category", key="militarised")
    assert _lines(df) == [("First", "war games", "outlet"), ("Third", "war games", "outlet")]
    assert df["outlet"].tolist() == ["Alpha", "Beta"] and df["label"].tolist() == ["war games"] * 2
    one = conc.concordance(con, Filters(), "category", key="militarised", outlet="Beta")
    assert one["start_char"].tolist() == [38] and one["match"].tolist() == ["war games"]


def test_category_outside_the_selected_categories_has_no_lines(con):
    f = Filters(categories=("pejorative", "delegitimising"))
    assert conc.concordance(con, f, "category", key="militarised").empty
    assert conc.concordance(con, f, "category", key="delegitimising")["match"].tolist() == ["puppet"]
    assert conc.concordance(con, f, "lexicon", key="war games").empty      # a term of an unselected category


def test_a_cell_outside_the_selection_has_no_lines_and_says_why(con):
    f = Filters(outlets=("Beta",), start=date(2026, 3, 1), end=date(2026, 3, 5), voice="all")
    assert conc.outside_selection(f, "Alpha") == "the outlet 'Alpha' is not among the outlets selected in the sidebar"
    assert conc.concordance(con, f, "lexicon", outlet="Alpha").empty        # not Alpha's lines
    assert "outside the dates" in conc.outside_selection(f, None, date(2026, 3, 9), date(2026, 3, 15))
    assert conc.concordance(con, f, "lexicon", start=date(2026, 3, 9), end=date(2026, 3, 15)).empty
    assert conc.outside_selection(f, "Beta", date(2026, 3, 2), date(2026, 3, 8)) is None
    assert len(conc.concordance(con, f, "lexicon", outlet="Beta")) == 2


def test_key_choices_rank_terms_and_categories_of_the_selection(con):
    terms = conc.key_choices(con, EVERY_VOICE, "lexicon")
    assert list(terms.columns) == conc.CHOICE_COLUMNS
    assert list(zip(terms["key"], terms["n_mentions"])) == [("regime", 3), ("war games", 2), ("puppet", 1)]
    cats = conc.key_choices(con, Filters(), "category")       # the outlet's own words only
    assert list(zip(cats["key"], cats["n_mentions"])) == [("militarised", 2), ("delegitimising", 1),
                                                          ("pejorative", 1)]


def test_key_choices_of_other_kinds_come_from_their_tables_or_are_empty(con):
    assert conc.key_choices(con, Filters(), "term").empty          # any word: typed, not chosen
    frames = conc.key_choices(con, Filters(), "frame")
    assert dict(zip(frames["key"], frames["label"]))["security_defense"] == "Security & defense"
    assert frames["n_mentions"].isna().all()
    targets = conc.key_choices(con, Filters(), "target")           # the store's gazetteer
    assert targets["key"].tolist() == [t for (t,) in con.execute("SELECT DISTINCT target FROM targets ORDER BY 1")
                                       .fetchall()] and "United States" in targets["key"].tolist()
    with pytest.raises(KeyError):
        conc.key_choices(con, Filters(), "nope")


def test_match_is_always_the_text_at_the_offsets(con):
    df = conc.concordance(con, EVERY_VOICE, "lexicon")
    texts = dict(con.execute("SELECT article_id, text FROM articles").fetchall())
    assert len(df) == 6
    for aid, s, e, left, match, right in zip(df["article_id"], df["start_char"], df["end_char"], df["left"],
                                             df["match"], df["right"]):
        t = texts[aid]
        assert (t[s:e], t[max(0, s - 80):s], t[e:e + 80]) == (match, left, right)


def test_each_kind_names_the_version_of_what_its_lines_were_found_with(con):
    from pipelines.frames import stored_version
    lexicon = con.execute("SELECT lexicon_version FROM runs WHERE lexicon_version IS NOT NULL").fetchone()[0]
    gazetteer = con.execute("SELECT DISTINCT version FROM targets").fetchall()
    assert lexicon.startswith("lex-") and len(gazetteer) == 1 and gazetteer[0][0].startswith("tgt-")
    assert conc.version_text(con, "lexicon") == conc.version_text(con, "category") == f"lexicon version {lexicon}"
    # A pair's forms are lexicon terms, its pairs those of the pairs file; none of them fits this lexicon
    # (tests/pipelines/test_incremental.py has the store where they do).
    assert con.execute("SELECT pairs_version FROM runs WHERE lexicon_version IS NOT NULL").fetchone() == (None,)
    assert conc.version_text(con, "pair") == f"lexicon version {lexicon}, pairs version unknown"
    assert conc.version_text(con, "frame") == f"frame lexicon version {stored_version(con)}"
    assert stored_version(con).startswith("frames-")
    assert conc.version_text(con, "target") == f"targets gazetteer version {gazetteer[0][0]}"
    assert "no lexicon" in conc.version_text(con, "term")
    with pytest.raises(KeyError, match="unknown concordance kind 'nope'"):
        conc.version_text(con, "nope")


def test_a_store_without_a_gazetteer_says_its_version_is_unknown(tmp_path):
    import duckdb

    bare = duckdb.connect(str(tmp_path / "bare.duckdb"))
    assert conc.version_text(bare, "target") == "targets gazetteer version unknown"
    assert conc.version_text(bare, "frame") == "frame lexicon version unknown"
    assert conc.version_text(bare, "pair") == "lexicon version unknown"


def test_unknown_kind_names_the_known_ones(con):
    with pytest.raises(KeyError, match=r"unknown concordance kind 'nope'; expected one of \['category', "):
        conc.concordance(con, Filters(), "nope")


def test_a_kind_whose_module_is_not_there_is_unavailable_not_an_error(con, monkeypatch):
    monkeypatch.setitem(conc.KINDS, "later", "pipelines.not_written_yet:evidence_spans")
    monkeypatch.setitem(conc.KINDS, "half", "pipelines.concordance:not_written_yet")
    for kind in ("later", "half"):
        with pytest.raises(conc.KindUnavailable, match=kind):
            conc.concordance(con, Filters(), kind)
    assert "later" not in conc.available_kinds() and conc.available_kinds()[:2] == ["lexicon", "category"]


def test_an_import_error_inside_an_existing_module_is_not_hidden(con, monkeypatch, tmp_path):
    (tmp_path / "fw_broken_measure.py").write_text("import fw_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(conc.KINDS, "broken", "fw_broken_measure:evidence_spans")
    with pytest.raises(ModuleNotFoundError, match="fw_missing_dependency"):
        conc.spans_function("broken")
