import pandas as pd
import pytest

from pipelines.lexicon import load_lexicon
from pipelines.schemas import NO_TOPIC, check_frame
from pipelines.lexicon import LexiconMatcher
from pipelines.score import NAME_HIT_COLUMNS, score_articles, score_text
from pipelines.text import count_words
from pipelines.topics import TopicDef, TopicMatcher

ARTICLES = pd.DataFrame({
    "article_id": ["a1", "a2", "a3"],
    "outlet": ["Outlet A", "Outlet B", "Outlet A"],
    "title": ["NATO drills", None, "Weather"],
    "text": [
        "The regime staged war games. “The puppet regime will fall,” said Ann Lee.",
        "Officials said that the war games were a provocation.\nAccording to Reuters, talks failed.",
        "Rain is expected tomorrow.",
    ],
    "topics_raw": [None, "bucha", None],
})


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory):
    path = tmp_path_factory.mktemp("lex") / "lex.csv"
    path.write_text("term,category\nregime,delegitimising\npuppet regime,delegitimising\n"
                    "war games,militarised\nprovocation,militarised\n")
    return load_lexicon([path])[0]


@pytest.fixture(scope="module")
def result(lexicon):
    topics = TopicMatcher([TopicDef("NATO", "nato"), TopicDef("War games", '"war games"')]).fit()
    return score_articles(ARTICLES, lexicon, topics)


@pytest.mark.parametrize("table", ["mentions", "quotes", "article_topics", "article_scores"])
def test_frames_match_their_tables(result, table):
    check_frame(getattr(result, table), table)


def test_mentions_have_voice_speaker_and_exact_offsets(result):
    m = result.mentions
    speakers = [s if isinstance(s, str) else None for s in m["speaker"]]
    got = list(zip(m["article_id"], m["term"], m["voice"], speakers))
    assert got == [("a1", "regime", "outlet", None), ("a1", "war games", "outlet", None),
                   ("a1", "puppet regime", "quoted", "Ann Lee"),
                   ("a2", "war games", "attributed", "Officials"), ("a2", "provocation", "attributed", "Officials")]
    texts = ARTICLES.set_index("article_id")["text"]
    for row in m.itertuples():
        assert texts[row.article_id][row.start_char:row.end_char] == row.text


def test_words_per_voice_add_up_and_mentions_per_voice_match(result):
    s = result.article_scores
    for aid, text in zip(ARTICLES["article_id"], ARTICLES["text"]):
        assert s.loc[s["article_id"] == aid, "n_words"].sum() == count_words(text)
    a1 = s[s["article_id"] == "a1"].set_index("voice")["n_mentions"].to_dict()
    assert a1 == {"outlet": 2, "quoted": 1, "attributed": 0}


def test_topics_from_queries_title_and_column_with_no_topic_bucket(result):
    t = result.article_topics
    got = sorted(zip(t["article_id"], t["topic"], t["source"]))
    assert got == [("a1", "NATO", "query"), ("a1", "War games", "query"), ("a2", "War games", "query"),
                   ("a2", "bucha", "column"), ("a3", NO_TOPIC, "none")]


def test_score_text_gives_each_article_the_rows_of_score_articles(lexicon, result):
    """One text through score_text and the batch through score_articles: the same mentions,
    quotes and words per voice (both run the same per-article core)."""
    matcher = LexiconMatcher(lexicon).fit()
    for aid, outlet, text in zip(ARTICLES["article_id"], ARTICLES["outlet"], ARTICLES["text"]):
        mentions, quotes, words = score_text(text, matcher, outlet_names=(outlet,))
        rows = result.mentions[result.mentions["article_id"] == aid].drop(columns="article_id").rename(
            columns={"start_char": "start", "end_char": "end"})
        assert mentions == [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in rows.to_dict("records")]
        q = result.quotes[result.quotes["article_id"] == aid]
        assert [(x.start, x.end, x.kind, x.speaker, x.cue, x.closed) for x in quotes] == list(
            zip(q["start_char"], q["end_char"], q["kind"], q["speaker"], q["cue"], q["closed"]))
        s = result.article_scores[result.article_scores["article_id"] == aid]
        assert words == dict(zip(s["voice"], s["n_words"]))
    assert sum(len(score_text(t, matcher)[0]) for t in ARTICLES["text"]) == len(result.mentions) == 5


def test_the_batch_pauses_the_collector_and_restores_it(lexicon):
    """score_articles pauses Python's cyclic collector for the batch and leaves it as it found it
    (on, off, or after an error); a batch leaves no reference cycles, so the pause frees no less."""
    import gc

    topics = TopicMatcher([TopicDef("NATO", "nato")]).fit()
    assert gc.isenabled()
    gc.collect()
    score_articles(pd.concat([ARTICLES] * 20, ignore_index=True).assign(
        article_id=lambda d: [f"a{i}" for i in range(len(d))]), lexicon, topics)
    assert gc.isenabled()
    assert gc.collect() == 0
    gc.disable()
    try:
        score_articles(ARTICLES, lexicon, topics)
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(KeyError):
        score_articles(ARTICLES.drop(columns="text"), lexicon, topics)
    assert gc.isenabled()


# --- proper names (pipelines.lexicon.name_parts) ----------------------------------------
@pytest.fixture(scope="module")
def builtin():
    return LexiconMatcher(load_lexicon()[0]).fit()


# Sentences from ../shared/corpora (RSS world news 2023, KCNA 2024, RUWA, Chinese state media
# headlines), with the match the built-in lexicon finds and whether it counts.
@pytest.mark.parametrize("text, found, counted", [
    # names: a lower-case term written capitalised in a run of capitalised words
    ("The judge presiding over the trial of rapper Young Thug ruled that rap lyrics can be admitted.",
     "Thug", False),
    ("Barbra Streisand tells the BBC's Mark Savage how she got Apple's digital assistant to pronounce her name",
     "Savage", False),
    ("Dozens were taken to the nearby Al-Aqsa Martyrs Hospital, where a photographer was working.", "Martyrs", False),
    ("Wreaths were laid before the Revolutionary Martyrs Cemetery on Mt Taesong.", "Martyrs", False),
    ("It is up to three months, Israeli Defense Minister Yoav Gallant said on Sunday.", "Gallant", False),
    ("Descendants of Nanjing Massacre survivors granted to record history", "Massacre", False),
    # still counted: sentence or clause start, title case, acronyms, a capitalised word alone
    ("Savage attacks continued overnight in the south.", "Savage", True),
    ("Shelling of the Donetsk region: The Rashists attacked the Donetsk region.", "Rashists", True),
    ('Kim Yo Jong released a press statement "Reckless challenge hysteria will hasten the end".', "Reckless", True),
    ("Palestinians Sue Biden for Failing to Prevent Genocide in Gaza", "Genocide", True),
    ("Wreaths Laid at Martyrs Cemeteries", "Martyrs", True),
    ("The Disinformation Is Real.", "Disinformation", True),
    ("NATO Aggression was condemned by the ministry.", "Aggression", True),
    ("e international game in Wales' 49-26 win over the Barbarians in a non-cap test match", "Barbarians", True),
    ("THE SAVAGE Attack shocked the city.", "SAVAGE", True),
    # a term written with a capital in the lexicon always counts
    ("They said the US Imperialists And Their Lackeys staged drills.", "US Imperialists", True),
    ("Kim Jong Un slammed the Kyiv regime and Moscow.", "Kyiv regime", True),
])
def test_a_lowercase_term_inside_a_proper_name_is_not_counted(builtin, text, found, counted):
    matcher = builtin
    assert found in [text[m.start:m.end] for m in matcher.find(text)]
    name_hits: list = []
    mentions, _, _ = score_text(text, matcher, name_hits=name_hits)
    assert (found in [m["text"] for m in mentions]) is counted
    assert (found in [h["text"] for h in name_hits]) is not counted   # left out: handed back, not lost


def test_score_articles_leaves_out_the_same_name_parts_as_score_text(builtin):
    texts = ["Prosecutors allege rapper Young Thug led gang as trial begins.\nProsecutors call him a thug.",
             "Many citizens visited the Revolutionary Martyrs Cemetery. The martyrs were honoured."]
    arts = pd.DataFrame({"article_id": ["a", "b"], "title": [None, None], "text": texts, "topics_raw": [None, None]})
    matcher = builtin
    res = score_articles(arts, matcher.lexicon, None, matcher=matcher)
    assert res.mentions["text"].tolist() == ["thug", "martyrs"]
    for aid, text in zip(["a", "b"], texts):
        assert ([m["start"] for m in score_text(text, matcher)[0]]
                == res.mentions.loc[res.mentions["article_id"] == aid, "start_char"].tolist())
    # the hits left out, as score_text hands them back, with their offsets into the text
    assert res.name_hits.values.tolist() == [["a", 32, 36, "Thug", "thugs", "pejorative_label"],
                                             ["b", 40, 47, "Martyrs", "martyrs", "victimhood"]]
    assert list(res.name_hits.columns) == list(NAME_HIT_COLUMNS)
    for aid, text in zip(["a", "b"], texts):
        hits: list = []
        score_text(text, matcher, name_hits=hits)
        rows = res.name_hits[res.name_hits["article_id"] == aid]
        assert [(h["start"], h["end"], h["text"], h["term"]) for h in hits] == list(
            zip(rows["start_char"], rows["end_char"], rows["text"], rows["term"]))
        assert all(text[h["start"]:h["end"]] == h["text"] for h in hits)
    none = score_articles(arts.assign(text=["No names here.", "Nor here."]), matcher.lexicon, None, matcher=matcher)
    assert none.name_hits.empty and list(none.name_hits.columns) == list(NAME_HIT_COLUMNS)
