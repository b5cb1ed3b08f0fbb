"""Shared per-article work: a batch scored with one matching copy and one list of quotes per
article gives exactly the tables of every stage building its own."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.demo import generate_demo_corpus
from pipelines.engines import BATCH_TABLES, NAME_HITS, default_stages, read_articles, score_batch
from pipelines.prepared import PreparedText, each_prepared, prepare_texts, prepared_quotes, quotes_by_article
from pipelines.quotes import find_quotes, sentence_spans
from pipelines.run import run_ingest
from pipelines.score import score_articles
from pipelines.storage import connect
from pipelines.text import matching_copy

# Hand-made: a term, a target, a pair form and frame words inside and outside quotes; curly
# quotes and a non-ASCII text; dense cues (sentences split over the whole text); no quotes.
TEXTS = {
    "a1": "The regime’s puppet forces staged war-games near the border, KCNA said. "
          "“The US imperialists are warmongers,” Kim Yo Jong said. NATO officials said that the "
          "drills were defensive. Russia said that the sanctions would fail.",
    "a2": "Die Regierung: the so-called \u00abspecial military operation\u00bb in Ukraine went on; "
          "Moscow called it a liberation. Prices of grain rose.",
    "a3": "Markets were calm on Monday.",
}


@pytest.fixture(scope="module")
def stages():
    return default_stages(use_topic_column=True)


@pytest.fixture(scope="module")
def demo_articles(tmp_path_factory):
    """200 demo articles, ingested into a real store and read back as the score stage reads them."""
    tmp = tmp_path_factory.mktemp("prepared")
    corpus = generate_demo_corpus(tmp / "corpus", n_articles=200)
    run_ingest(tmp / "s.duckdb", [corpus.articles_path], fresh=True)
    with connect(tmp / "s.duckdb") as con:
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY article_id").fetchall()]
        return read_articles(con, ids)


def hand_batch() -> pd.DataFrame:
    return pd.DataFrame({"article_id": list(TEXTS), "outlet": ["KCNA", "TASS", "Reuters"],
                         "title": ["Drills", None, "Calm"], "text": list(TEXTS.values()),
                         "topics_raw": ["security", None, "economy;markets"]})


@pytest.mark.parametrize("batch", ["hand", "demo"])
def test_shared_batch_gives_the_tables_of_each_stage_on_its_own(stages, demo_articles, batch):
    articles = hand_batch() if batch == "hand" else demo_articles
    shared = score_batch(articles, stages)
    alone = score_batch(articles, stages, shared=False)
    assert list(shared) == list(alone) == [*BATCH_TABLES, NAME_HITS]
    for name in [*BATCH_TABLES, NAME_HITS]:
        pd.testing.assert_frame_equal(shared[name], alone[name], check_exact=True, obj=name)
    # every table has rows, so the comparison compares something
    assert all(len(shared[name]) for name in BATCH_TABLES if batch == "demo")
    if batch == "hand":
        assert {"mentions", "quotes", "pair_mentions", "frame_mentions", "target_mentions"} <= \
            {name for name in BATCH_TABLES if len(shared[name])}


def test_each_prepared_pairs_every_article_with_its_shared_text_or_none():
    articles = pd.DataFrame({"article_id": ["a3", "a1"], "text": [TEXTS["a3"], TEXTS["a1"]]})
    shared = prepare_texts(articles.iloc[:1])                   # a1 is not in it
    assert [(aid, text, p is shared["a3"] if p is not None else None)
            for aid, text, p in each_prepared(articles, shared)] == [("a3", TEXTS["a3"], True), ("a1", TEXTS["a1"], None)]
    assert [p for _, _, p in each_prepared(articles, None)] == [None, None]


def test_prepared_text_builds_the_matching_copy_once():
    p = PreparedText("War\u2011games in the capital’s port")
    copy, offsets = p.matching
    assert copy == " war games in the capital s port "
    assert (offsets == matching_copy(p.text)[1]).all()
    assert p.matching is p.matching          # the same tuple, not built again
    assert p.quotes is None


def test_prepared_text_keeps_its_sentences_for_quotes_and_tone():
    p = PreparedText("Kim said the talks failed. Officials said that. Markets rose.")
    assert p.sentences() == sentence_spans(p.text) == [(0, 26), (27, 47), (48, 61)]
    assert p.sentences() is p.sentences()
    # dense cues: reported speech splits the whole text, with the kept sentences or its own
    assert find_quotes(p.text, sentences=p.sentences) == find_quotes(p.text)
    assert [(q.speaker, p.text[q.start:q.end]) for q in find_quotes(p.text)] == [("Kim", "the talks failed")]


def test_score_articles_records_each_articles_quotes_for_the_later_stages(stages):
    articles = hand_batch()
    prepared = prepare_texts(articles)
    result = score_articles(articles, stages.lexicon, None, matcher=stages.matcher, prepared=prepared)
    for aid, text, outlet in zip(TEXTS, TEXTS.values(), articles["outlet"]):
        assert prepared[aid].quotes == find_quotes(text, outlet_names=(outlet,))
    # KCNA's own "KCNA said" is its voice: Kim Yo Jong's quote, NATO's and Russia's reported speech
    assert [(q.kind, q.speaker) for q in prepared["a1"].quotes] == \
        [("direct", "Kim Yo Jong"), ("reported", "NATO officials"), ("reported", "Russia")]
    assert prepared["a3"].quotes == []
    # the shared quotes are the quotes rows read back
    assert prepared_quotes(prepared, None) == {a: p.quotes for a, p in prepared.items()}
    rebuilt = quotes_by_article(result.quotes)
    assert {a: [(q.start, q.end, q.kind, q.speaker, q.cue, q.closed) for q in qs] for a, qs in rebuilt.items()} == \
        {a: [(q.start, q.end, q.kind, q.speaker, q.cue, q.closed) for q in p.quotes]
         for a, p in prepared.items() if p.quotes}


def test_stages_rebuild_quotes_from_the_rows_until_the_score_stage_filled_them():
    rows = pd.DataFrame({"article_id": ["b", "a", "a"], "quote_id": [0, 1, 0], "start_char": [5, 20, 1],
                         "end_char": [9, 30, 12], "kind": ["direct", "reported", "direct"],
                         "speaker": [None, "he", "Kim"], "cue": [None, "said", "said"], "closed": [True, True, False]})
    prepared = prepare_texts(pd.DataFrame({"article_id": ["a", "b"], "text": ["x", "y"]}))
    quotes = prepared_quotes(prepared, rows)       # not filled: rebuilt, in quote_id order
    assert [(q.start, q.end, q.speaker, q.closed) for q in quotes["a"]] == [(1, 12, "Kim", False), (20, 30, "he", True)]
    assert [(q.start, q.kind, q.speaker, q.cue) for q in quotes["b"]] == [(5, "direct", None, None)]
    assert quotes_by_article(rows.iloc[:0]) == {} and quotes_by_article(None) == {}


def test_quotes_rows_without_cue_and_closed_still_give_voices():
    rows = pd.DataFrame({"article_id": ["a"], "quote_id": [0], "start_char": [3], "end_char": [8],
                         "kind": ["reported"], "speaker": ["Kim"]})
    assert [(q.start, q.end, q.kind, q.speaker, q.cue, q.closed) for q in quotes_by_article(rows)["a"]] == \
        [(3, 8, "reported", "Kim", None, True)]


def test_pair_matcher_skips_only_groups_that_could_find_nothing(stages, demo_articles):
    """The word-choice matcher runs only the groups with a form in the copy: the uses are those
    of running every group, as it did before (demo articles and the hand-made ones)."""
    pm = stages.pair_matcher
    n_found = 0
    for text in [*demo_articles["text"], *TEXTS.values()]:
        copy, offsets = matching_copy(text)
        every = []
        for matcher, meta in pm.groups_:
            for x in matcher.find(text, copy, offsets):
                pair, form, term = meta[x.entry]
                every.append((x.start, x.end, pair, form, term))
        every.sort(key=lambda u: (u[0], u[2]))
        found = pm.find(text, copy, offsets)
        assert [(m.start, m.end, m.pair, m.form, m.term) for m in found] == every
        n_found += len(found)
    assert n_found > 50 and len(pm.groups_) > 1
