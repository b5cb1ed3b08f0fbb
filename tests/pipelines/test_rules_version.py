"""The scoring rules' version (pipelines.rules.RULES_VERSION) moves whenever the rules' output moves.

A small fixed corpus, written for this test, exercises each scoring rule (whole words and folding,
nested terms and stop phrases, prefixes, proper names, headlines, voice and speakers, quotations
over paragraphs, topic queries and the topic column, frames, word-choice pairs, targets with
case-only names, blocked phrases and datelines, tone, a text outside the Basic Multilingual Plane).
It is scored with definitions of its own, written here (so an edit of the built-in lexicon, a
definition with a version of its own, does not move it), by the real score stage
(:func:`pipelines.engines.score_batch`), and the digest of every table's rows is compared with
:data:`pipelines.rules.RULES_DIGEST`. A rule changed without a bump of the version fails here.
"""

from __future__ import annotations

import hashlib
import json
import math

import pandas as pd
import pytest

from pipelines.engines import BATCH_TABLES, ScoreStages, score_batch
from pipelines.frames import FrameScorer, read_frames_lexicon
from pipelines.lexicon import LexiconMatcher, load_lexicon
from pipelines.rules import RULES_DIGEST, RULES_VERSION
from pipelines.tone import TargetMatcher, read_gazetteer
from pipelines.topics import TopicMatcher, read_topics
from pipelines.wordchoice import PairMatcher, load_pairs

LEXICON = """term,variants,category,target,counterpart,note,ignore
regime,,delegitimising_label,,government,,false
puppet regime,,delegitimising_label,,government,,false
sanctions regime,,delegitimising_label,,,Blocks regime in the legal phrase.,true
imperialists,imperialist,pejorative_label,West,,,false
US imperialists,,pejorative_label,United States,,,false
war games,,militarised_language,,military exercises,,false
thug,thugs,pejorative_label,,,,false
savage,savages,dehumanising_language,,,,false
martyrs,,glorifying_language,,,,false
hegemon*,,pejorative_label,,,,false
so-called,,doubt_casting,,,,false
witch hunt,,conspiracy_framing,,,,false
"""
PAIRS = """pair_id,concept,loaded,counterpart,counterpart_variants,contested,note
government,a state's government,regime|puppet regime,government,governments,,Regime denies legitimacy.
exercises,drills,war games,military exercises,military drills,,Games makes drills a provocation.
"""
TOPICS = """topics:
  - name: North Korea
    description: The DPRK.
    query: '"north korea*" OR dprk OR pyongyang'
  - name: Sanctions
    description: Sanctions.
    query: 'sanction* NOT "sanctions regime"'
"""
FRAMES = """term,variants,frame,note,ignore
economy,economic|economies,economic,,
trade,,economic,,
jobs,,economic,,
missile*,,security_defense,,
troops,,security_defense,,
border,,security_defense,,
"""
TARGETS = """targets:
  - target: United States
    kind: country
    names: [United States, US]
    metonyms: [Washington]
    demonyms: [American, Americans]
    match_case: [US]
    not: [Washington Post]
    note: Test.
  - target: North Korea
    kind: country
    names: [North Korea, DPRK]
    metonyms: [Pyongyang]
    demonyms: [North Korean, North Koreans]
    match_case: [DPRK]
    note: Test.
  - target: China
    kind: country
    names: [China]
    metonyms: [Beijing]
    demonyms: [Chinese]
    note: Test.
"""

ARTICLES = [  # (outlet, title, text, topics_raw)
    ("KCNA", "US Imperialists Stage War Games",
     "Pyongyang, December 24 (KCNA) -- The US imperialists staged war games again near the border.\n\n"
     "Pyongyang, the capital, condemned the savage provocation of the Americans, a spokesman for the DPRK said.",
     None),
    ("Wire", "China rejects report",
     "BEIJING (Reuters) - China rejected a Washington Post report on Tuesday. The regime in Pyongyang "
     "said nothing. us and them: the us in lower case is no country.\n\n"
     "JERUSALEM — Officials met. Beijing praised the wonderful, peaceful trade agreement with Washington.",
     "Sanctions;Diplomacy"),
    ("Daily", "Rapper in court",
     "Rapper Young Thug appeared in court on Monday. Critics called him a thug. Mark Savage reported "
     "from the Al-Aqsa Martyrs Hospital, where martyrs were mourned. Thugs, he wrote, ran the streets.",
     None),
    ("Daily", "Voices",
     'The minister said the "puppet regime" would fall. According to Kim Yong, the imperialists are '
     'hegemonic. He said that the war games were provocative. "This is a witch hunt," Trump said.\n\n'
     "“The regime will fall.\n\n“And the imperialists will pay,” the general said. An unclosed “quote about "
     "the regime\n\nends here, and the regime in the next paragraph is the outlet's.",
     "North Korea|Sanctions"),
    ("KCNA", "Sanctions",
     "The sanctions regime on the DPRK was extended. North Korean officials denounced the so-called "
     "sanctions. The so‑called ‘regime’s’ leaders—hegemonists all—met. Regimen and regimes are not terms.",
     None),
    ("Wire", "Economy",
     "The economy grew. Economic data on trade and jobs were strong; economies elsewhere slowed. Missiles "
     "and troops massed at the border. The United States condemned the horrible, deadly attack by North Korea.",
     ""),
    ("Wire", "Rocket",
     "The regime 🚀 fired missiles at dawn. 😠 Washington called it a reckless, savage act; the US said war "
     "games would follow.",
     None),
]


@pytest.fixture(scope="module")
def stages(tmp_path_factory) -> ScoreStages:
    """The score stages fitted on this test's own definitions (not the built-in ones)."""
    tmp = tmp_path_factory.mktemp("rules")
    files = {}
    for name, text in {"lexicon.csv": LEXICON, "pairs.csv": PAIRS, "topics.yaml": TOPICS, "frames.csv": FRAMES,
                       "targets.yaml": TARGETS}.items():
        (tmp / name).write_text(text, encoding="utf-8")
        files[name] = tmp / name
    lexicon, _ = load_lexicon([files["lexicon.csv"]])
    pairs, _ = load_pairs(lexicon, files["pairs.csv"])
    frames = FrameScorer(read_frames_lexicon(files["frames.csv"])[0]).fit()
    return ScoreStages(lexicon, LexiconMatcher(lexicon).fit(), TopicMatcher(read_topics(files["topics.yaml"])).fit(),
                       True, {"KCNA": ("KCNA", "Korean Central News Agency")}, PairMatcher(pairs, lexicon).fit(),
                       frames, TargetMatcher(read_gazetteer(files["targets.yaml"])).fit())


@pytest.fixture(scope="module")
def tables(stages) -> dict[str, pd.DataFrame]:
    articles = pd.DataFrame([{"article_id": f"a{i}", "outlet": outlet, "title": title, "text": text,
                              "topics_raw": topics, "run_id": "r"} for i, (outlet, title, text, topics)
                             in enumerate(ARTICLES)])
    return score_batch(articles, stages)


def _value(v):
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 6)
    if hasattr(v, "item"):           # NumPy scalars
        return _value(v.item())
    return v if v is None or isinstance(v, (bool, int, str)) else str(v)


def table_digest(df: pd.DataFrame) -> str:
    """16 hex digits of SHA-256 over the column names and the sorted rows (floats to 6 decimals)."""
    rows = sorted(json.dumps([_value(v) for v in row], ensure_ascii=False) for row in df.itertuples(index=False))
    return hashlib.sha256("\n".join([json.dumps(list(df.columns)), *rows]).encode("utf-8")).hexdigest()[:16]


def test_the_scored_rows_have_the_digest_recorded_with_the_rules_version(tables):
    digest = {name: table_digest(tables[name]) for name in BATCH_TABLES}
    changed = [name for name in BATCH_TABLES if RULES_DIGEST.get(name) != digest[name]]
    assert not changed, (
        f"scores changed ({', '.join(changed)}) under scoring rules {RULES_VERSION}: bump RULES_VERSION in "
        f"pipelines/rules.py, add a changelog line (commit, rule, tables changed) and update the digest to "
        f"RULES_DIGEST = {json.dumps(digest, indent=4)}\n(stores scored under the old rules are then scored "
        f"again by the next collect; if no stored score can change, say why in the changelog instead)")


def _mentions(tables, article: int) -> list[tuple]:
    """(text, voice) of article *article*'s mentions, in text order."""
    m = tables["mentions"]
    m = m[m["article_id"] == f"a{article}"].sort_values("start_char")
    text = ARTICLES[article][2]
    return [(text[s:e], v) for s, e, v in zip(m["start_char"], m["end_char"], m["voice"])]


def _targets(tables, article: int) -> list[tuple]:
    """(start, target) of article *article*'s target rows."""
    t = tables["target_mentions"]
    t = t[t["article_id"] == f"a{article}"]
    return sorted(zip(t["start_char"], t["target"]))


def test_the_corpus_exercises_the_rules_it_stands_for(tables):
    """The digest stands for a rule only if the corpus meets it: the rows that show each is met."""
    names = [t for t, _ in _mentions(tables, 2)]               # the proper-name rule (38ceda6)
    assert names == ["thug", "martyrs", "Thugs"]               # not Young Thug, Mark Savage, Al-Aqsa Martyrs
    assert _mentions(tables, 3) == [
        ("puppet regime", "quoted"), ("imperialists", "attributed"), ("hegemonic", "attributed"),
        ("war games", "attributed"), ("witch hunt", "quoted"), ("regime", "quoted"), ("imperialists", "quoted"),
        ("regime", "quoted"), ("regime", "outlet")]           # an unclosed quotation ends with its paragraph
    assert _mentions(tables, 4) == [("so-called", "outlet"), ("so‑called", "outlet"), ("regime", "quoted"),
                                    ("hegemonists", "outlet")]  # a stop phrase, folding, prefixes, whole words
    assert [t for t, _ in _mentions(tables, 6)][0] == "regime" and "🚀" in ARTICLES[6][2]
    dateline = len("Pyongyang, December 24 (KCNA) --")       # the dateline rule (eb0c535)
    assert _targets(tables, 0)[0] == (37, "United States") and all(start > dateline for start, _ in _targets(tables, 0))
    assert "North Korea" in {t for _, t in _targets(tables, 0)}   # Pyongyang after the dateline still counts
    assert _targets(tables, 1)[0] == (20, "China")           # not BEIJING (Reuters), nor the Washington Post
    topics = tables["article_topics"]
    assert set(topics.loc[topics["article_id"] == "a1", "topic"]) == {"North Korea", "Sanctions", "Diplomacy"}
    frames = tables["article_frames"]
    assert set(frames.loc[frames["uses_frame"] & (frames["article_id"] == "a5"), "frame"]) == {
        "economic", "security_defense"}
    assert len(tables["pair_mentions"]) and len(tables["quotes"]) and tables["target_mentions"]["compound"].abs().sum()
