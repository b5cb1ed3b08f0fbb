"""A tiny hand-made store for dashboard tests: every table, three invented outlets.

The corpus is written for the tests: outlet names with an apostrophe and a leading ``=``,
a ``<script>`` title and a ``**markdown**`` title, mentions in all three voices, one outlet
with a collector outage (a week with no articles), one undated article.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from pipelines import storage
from pipelines.rules import RULES_VERSION
from pipelines.schemas import ALL, ALL_TOPICS, NO_TOPIC

ALPHA, OREILLY, EQUALS = "Alpha Daily", "O'Reilly Wire", "=Equals News"
OUTLETS = (ALPHA, OREILLY, EQUALS)
TOPICS = ("Diplomacy", "Military")
LEXICON = (("regime", "pejorative label"), ("hegemon", "pejorative label"),
           ("puppet", "delegitimising label"), ("war games", "militarised language"))
CATEGORIES = ("delegitimising label", "militarised language", "pejorative label")
LEXICON_VERSION = "lex-test-0001"
PAIRS_VERSION = "pairs-test-0001"
FIRST_MONDAY = date(2026, 1, 5)
GAP_WEEK = 4
"""O'Reilly Wire has no articles in this week: its collector was down."""
SCRIPT_TITLE = "<script>alert('x')</script> Regime watch"
MARKDOWN_TITLE = "**markdown** headline [link](https://evil.example)"
SPEAKER_HTML = "Dr <i>Lee</i>"
_WORD = re.compile(r"\w+")


def _segments(k: int) -> list[tuple[str, str, str | None]]:
    """(text, voice, speaker) pieces of article *k*; joined with a paragraph break."""
    term = LEXICON[k % 2][0]
    outlet = (f"The {term} pressed ahead on day {k}, observers wrote." if k % 4 != 3
              else f"Officials met on day {k} to talk.")
    segs = [(outlet, "outlet", None)]
    if k % 2 == 0:
        segs.append(("\u201cThe puppet leaders will fail,\u201d", "quoted", "Minister Vale"))
    if k % 3 == 0:
        segs.append((f"According to {SPEAKER_HTML}, the war games continue.", "attributed", SPEAKER_HTML))
    return segs


def build_tables(synthetic: bool = True) -> dict[str, pd.DataFrame]:
    """Frames for every table of the store, keyed by table name."""
    articles, mentions, quotes, topics, scores = [], [], [], [], []
    k = 0
    plan = []
    for week in range(10):
        for j, outlet in enumerate(OUTLETS):
            if outlet == OREILLY and week == GAP_WEEK:
                continue
            for n in range(1 + (week + j) % 2):
                plan.append((outlet, FIRST_MONDAY + timedelta(days=7 * week + (2 * n + j) % 5)))
    plan.append((ALPHA, None))  # undated
    for k, (outlet, day) in enumerate(plan):
        aid = "B-7" if k == 5 else f"{100 + k}"
        segs = _segments(k)
        text, offs = "", []
        for i, (s, voice, speaker) in enumerate(segs):
            if i:
                text += "\n\n"
            offs.append((len(text), voice, speaker, s))
            text += s
        words = {v: 0 for v in ("outlet", "quoted", "attributed")}
        for qid, (start, voice, speaker, s) in enumerate(offs):
            words[voice] += len(_WORD.findall(s))
            if voice != "outlet":
                quotes.append(dict(article_id=aid, quote_id=qid, start_char=start, end_char=start + len(s),
                                   kind="direct" if voice == "quoted" else "reported", speaker=speaker,
                                   cue="said" if voice == "quoted" else "according to", closed=True))
            for term, category in LEXICON:
                for m in re.finditer(re.escape(term), s, flags=re.I):
                    mentions.append(dict(
                        article_id=aid, start_char=start + m.start(), end_char=start + m.end(),
                        text=m.group(0), term=term, category=category, target=None, counterpart=None,
                        voice=voice, speaker=speaker, quote_id=qid if voice != "outlet" else None))
        for voice, n in words.items():
            scores.append(dict(article_id=aid, voice=voice, n_words=n,
                               n_mentions=sum(1 for m in mentions if m["article_id"] == aid and m["voice"] == voice)))
        title = SCRIPT_TITLE if k == 0 else MARKDOWN_TITLE if k == 1 else f"Story {k} from {outlet}"
        published = (datetime(day.year, day.month, day.day, 9, 30, tzinfo=timezone.utc) if day else None)
        articles.append(dict(
            article_id=aid, outlet=outlet, outlet_raw=outlet, published_at=published,
            day=day, date_source="column" if day else None, date_note=None if day else "no date in input",
            title=title, text=text, text_origin="body",
            url="javascript:alert(1)" if k == 0 else f"https://example.org/{aid}", url_norm=None,
            source_id=None, source_file="test.csv", source_row=k + 1, n_words=len(_WORD.findall(text)),
            n_copies=1, text_hash=f"h{k}", topics_raw=None, lang="en", extra=None, run_id="run-1"))
        tops = []
        if k % 7 == 6:
            tops = [NO_TOPIC]
        else:
            if k % 3 in (0, 2):
                tops.append("Military")
            if k % 3 in (1, 2):
                tops.append("Diplomacy")
        topics += [dict(article_id=aid, topic=t, source="query") for t in tops]

    art = pd.DataFrame(articles)
    art["published_at"] = pd.to_datetime(art["published_at"], utc=True)
    art["day"] = pd.to_datetime(art["day"]).dt.date
    men = pd.DataFrame(mentions)
    men["quote_id"] = men["quote_id"].astype("Int64")
    dated = art.dropna(subset=["day"])
    daily = (dated.groupby(["outlet", "day"]).agg(n_articles=("article_id", "size"), n_words=("n_words", "sum"))
             .reset_index())
    per_article = men.groupby("article_id").size()
    daily["n_mentions"] = [int(per_article.reindex(dated[(dated.outlet == o) & (dated.day == d)].article_id).fillna(0).sum())
                           for o, d in zip(daily.outlet, daily.day)]
    daily["n_articles_with_mention"] = [
        int((per_article.reindex(dated[(dated.outlet == o) & (dated.day == d)].article_id).fillna(0) > 0).sum())
        for o, d in zip(daily.outlet, daily.day)]
    daily = daily.assign(topic=ALL_TOPICS, category=ALL, voice=ALL)
    coverage = pd.DataFrame([
        dict(outlet=OREILLY, day=FIRST_MONDAY + timedelta(days=d), collected=(d // 7 != GAP_WEEK),
             articles_fetched=None, source_file="coverage.csv") for d in range(70)])
    outlets = pd.DataFrame([
        dict(outlet=ALPHA, country="XA", type="synthetic" if synthetic else "commercial", in_registry=True),
        dict(outlet=OREILLY, country="XB", type="wire", in_registry=True),
        dict(outlet=EQUALS, country=None, type=None, in_registry=False)])
    lexicon = pd.DataFrame([dict(term=t, variants=None, category=c, target=None, counterpart=None, note=None,
                                 ignore=False, source="lexicon.csv", extra=None) for t, c in LEXICON])
    topics_df = pd.DataFrame([dict(topic=t, query=t.lower(), source="topics.yaml") for t in TOPICS])
    runs = pd.DataFrame([dict(
        run_id="run-1", stage="run", started_at=pd.Timestamp("2026-03-20 10:00", tz="UTC"), elapsed_s=1.5,
        code_version="0.1.0", lexicon_version=LEXICON_VERSION, settings=json.dumps({"input": "test.csv"}),
        n_input=len(art) + 3, n_ingested=len(art), n_duplicates=1, n_rejected=2, n_mentions=len(men),
        warnings="[]", pairs_version=PAIRS_VERSION, topics_version=None, frames_version=None, frame_threshold=3,
        targets_version=None, rules_version=RULES_VERSION, n_name_hits=2, name_hit_terms='{"puppet": 2}')])
    rejects = pd.DataFrame([
        dict(run_id="run-1", source_file="test.csv", source_row=90, reason="no_text", detail="empty text", record="{}"),
        dict(run_id="run-1", source_file="test.csv", source_row=91, reason="bad_date_and_text",
             detail="=cmd|' /C calc'!A0", record="{}")])
    return {
        "articles": art, "rejects": rejects, "mentions": men, "quotes": pd.DataFrame(quotes),
        "article_topics": pd.DataFrame(topics), "article_scores": pd.DataFrame(scores), "daily": daily,
        "lexicon": lexicon, "topics": topics_df, "outlets": outlets, "coverage": coverage, "runs": runs,
    }


def build_store(path: Path, synthetic: bool = True) -> Path:
    """Write the test store to *path* and return *path*."""
    with storage.writing(path, fresh=True) as con:
        for name, df in build_tables(synthetic).items():
            storage.write_table(con, name, df)
        score_frames(con)
    return path


FRAME_TERMS = (("pressed", "security_defense"), ("ahead", "security_defense"), ("war games", "security_defense"),
               ("observers", "public_opinion"), ("wrote", "public_opinion"), ("day", "public_opinion"),
               ("leaders", "public_opinion"))
"""The frame lexicon of the test store. By hand, over the 43 dated articles k = 0..42: Public opinion
(day, observers, wrote) is used in the outlet's own words by the 33 with k % 4 != 3; Security & defense
has 2 own tokens (pressed ahead) and a third, attributed, when k % 3 == 0, so it is used only with
every voice counted, by the 11 with k % 3 == 0 and k % 4 != 3; the 10 with k % 4 == 3 use Other."""


def score_frames(con) -> None:
    """``article_frames`` and ``frame_mentions`` by the real frame stage, with :data:`FRAME_TERMS`."""
    from pipelines.frames import FrameScorer, reset_frames
    from pipelines.frames import score_frames as frame_stage
    from pipelines.lexicon import Entry, build_lexicon

    lexicon, _ = build_lexicon([Entry(t, f, source="factory", line=i) for i, (t, f) in enumerate(FRAME_TERMS, 2)])
    scorer = FrameScorer(lexicon).fit()
    reset_frames(con, scorer)
    result = frame_stage(con.execute("SELECT article_id, text FROM articles").df(),
                         con.execute("SELECT * FROM quotes").df(), scorer)
    storage.write_table(con, "article_frames", result.article_frames)
    storage.write_table(con, "frame_mentions", result.frame_mentions)


# --- case C15: a store whose daily shares are those of ../shared/cases/C15/chart_data.csv ---

C15_ROWS = (
    # outlet, topic, day, articles_total, articles_matching  (share = matching / total)
    ("Outlet A", "Military", "2026-03-01", 4, 1), ("Outlet A", "Military", "2026-03-02", 5, 2),
    ("Outlet A", "Military", "2026-03-03", 3, 0), ("Outlet A", "Military", "2026-03-04", 6, 3),
    ("Outlet A", "Military", "2026-03-05", 2, 1),
    ("Outlet A", "Diplomacy", "2026-03-01", 2, 0), ("Outlet A", "Diplomacy", "2026-03-02", 3, 1),
    ("Outlet A", "Diplomacy", "2026-03-03", 2, 0), ("Outlet A", "Diplomacy", "2026-03-04", 4, 1),
    ("Outlet A", "Diplomacy", "2026-03-05", 1, 0),
    ("Outlet B", "Military", "2026-03-01", 5, 2), ("Outlet B", "Military", "2026-03-02", 4, 1),
    ("Outlet B", "Military", "2026-03-03", 6, 3), ("Outlet B", "Military", "2026-03-04", 2, 2),
    ("Outlet B", "Military", "2026-03-05", 3, 0),
    ("Outlet B", "Diplomacy", "2026-03-01", 1, 0), ("Outlet B", "Diplomacy", "2026-03-02", 2, 1),
    ("Outlet B", "Diplomacy", "2026-03-03", 2, 0), ("Outlet B", "Diplomacy", "2026-03-04", 3, 0),
    ("Outlet B", "Diplomacy", "2026-03-05", 2, 1),
)
"""C15's aggregated daily data: 2 outlets × 2 topics × 5 days."""


def write_c15_corpus(folder: Path) -> tuple[Path, Path]:
    """Articles (CSV with a ``topic`` column) and a one-term lexicon reproducing :data:`C15_ROWS`.

    Each (outlet, topic, day) gets *articles_total* articles, of which *articles_matching*
    use the lexicon term "regime" once; every text is different, so none is a duplicate.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for outlet, topic, day, total, matching in C15_ROWS:
        for i in range(total):
            k = len(rows)
            word = "regime" if i < matching else "government"
            rows.append(dict(id=f"c15-{k}", outlet=outlet, date=f"{day}T09:00:00Z", topic=topic,
                             title=f"{topic} story {k}",
                             body=f"Report number {k} from {outlet}: the {word} spoke about {topic.lower()} on {day}."))
    articles = folder / "c15.csv"
    pd.DataFrame(rows).to_csv(articles, index=False)
    lexicon = folder / "lexicon.csv"
    lexicon.write_text("term,category\nregime,pejorative_label\n")
    return articles, lexicon


def build_c15_store(folder: Path) -> Path:
    """Run the real pipeline on the C15 corpus (topics from the ``topic`` column only)."""
    from pipelines.ingest import IngestOptions
    from pipelines.run import ScoreOptions, run_pipeline

    articles, lexicon = write_c15_corpus(folder)
    store = folder / "c15.duckdb"
    run_pipeline(store, [articles], IngestOptions(topic_column="topic"),
                 ScoreOptions(lexicons=[lexicon], topic_queries=False), fresh=True)
    return store


# --- case C11: wire copies of one story at three outlets, a feed duplicate, one original ---

def build_c11_store(folder: Path, case: Path) -> Path:
    """Run the real pipeline (built-in lexicon and topics) on ``case/articles.csv`` (case C11).

    The store holds 4 articles: w1, w2, w3 (one wire text at Outlets A, B, C; one cluster, all
    ``syndicated``) and o1 (original reporting at Outlet D); w4, w1 with tracking parameters,
    is folded at ingest.
    """
    from pipelines.ingest import IngestOptions
    from pipelines.run import ScoreOptions, run_pipeline

    store = folder / "c11.duckdb"
    run_pipeline(store, [case / "articles.csv"], IngestOptions(), ScoreOptions(), fresh=True)
    return store


# --- a month with more mentions than the evidence table shows (KCNA 2024-10: 467 mentions) ---

BIG_OUTLET, SMALL_OUTLET = "Outlet K", "Outlet L"
BIG_ARTICLES = 240
"""Outlet K publishes 240 articles over October 2024, each naming the "regime" twice (480 mentions)
and every fourth one a "puppet" too; Outlet L publishes three, one "regime" each."""


def write_big_cell_corpus(folder: Path) -> tuple[Path, Path]:
    """Articles and a two-category lexicon for :func:`build_big_cell_store`."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for k in range(BIG_ARTICLES):
        day = date(2024, 10, 1) + timedelta(days=k * 31 // BIG_ARTICLES)
        puppet = " The puppet council agreed." if k % 4 == 0 else ""
        rows.append(dict(id=f"k-{k}", outlet=BIG_OUTLET, date=f"{day}T08:00:00Z", topic="Politics",
                         title=f"Bulletin {k}",
                         body=f"Bulletin {k}: the regime met today. Later the regime spoke again.{puppet}"))
    for k in range(3):
        rows.append(dict(id=f"l-{k}", outlet=SMALL_OUTLET, date=f"2024-10-{10 + k}T08:00:00Z", topic="Politics",
                         title=f"Note {k}", body=f"Note {k}: the regime is in the news."))
    articles = folder / "big.csv"
    pd.DataFrame(rows).to_csv(articles, index=False)
    lexicon = folder / "lexicon.csv"
    lexicon.write_text("term,category\nregime,pejorative_label\npuppet,delegitimising_label\n")
    return articles, lexicon


def build_big_cell_store(folder: Path) -> Path:
    """Run the real pipeline on :func:`write_big_cell_corpus` (topics from the ``topic`` column only)."""
    from pipelines.ingest import IngestOptions
    from pipelines.run import ScoreOptions, run_pipeline

    articles, lexicon = write_big_cell_corpus(folder)
    store = folder / "big.duckdb"
    run_pipeline(store, [articles], IngestOptions(topic_column="topic"),
                 ScoreOptions(lexicons=[lexicon], topic_queries=False), fresh=True)
    return store


# --- republication: one story copied by two outlets at staggered times, plus own reporting ---

REPUB_BODY = ("KYIV - Negotiators from both countries met again on Monday to reopen the grain corridor across "
              "the Black Sea, after three weeks in which no ship left the ports of Odesa. Officials said the "
              "talks would go on for several days and that insurers were waiting for written guarantees.")
"""42 words; Outlet A publishes it at 06:00, Outlet B at 08:30 (+2.5 h), Outlet C the next day at 06:00
(+24 h) with a 5-word footer (estimated Jaccard about 38/43 = 0.88)."""


def write_republication_corpus(folder: Path) -> Path:
    """r1 (Outlet A, first), r2 (Outlet B, +2.5 h), r3 (Outlet C, +24 h, footer); b1 (Outlet B) and d1
    (Outlet D): own reporting."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        dict(id="r1", outlet="Outlet A", date="2026-03-02T06:00:00Z", title="Grain corridor talks resume",
             body=REPUB_BODY),
        dict(id="r2", outlet="Outlet B", date="2026-03-02T08:30:00Z", title="Talks on grain corridor resume",
             body=REPUB_BODY),
        dict(id="r3", outlet="Outlet C", date="2026-03-03T06:00:00Z", title="Grain talks resume",
             body=REPUB_BODY + " Follow Outlet C for more."),
        dict(id="b1", outlet="Outlet B", date="2026-03-04T09:00:00Z", title="Port workers wait",
             body="Dock workers in the port said on Wednesday that they had not been paid since January."),
        dict(id="d1", outlet="Outlet D", date="2026-03-04T10:00:00Z", title="Our view on the corridor",
             body="The corridor matters to millions of people who depend on bread prices staying low."),
    ]
    path = folder / "republication.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def build_republication_store(folder: Path) -> Path:
    """Run the real pipeline (built-in lexicon and topics) on :func:`write_republication_corpus`."""
    from pipelines.ingest import IngestOptions
    from pipelines.run import ScoreOptions, run_pipeline

    store = folder / "republication.duckdb"
    run_pipeline(store, [write_republication_corpus(folder)], IngestOptions(), ScoreOptions(), fresh=True)
    return store


# --- topic discovery: two obviously separate themes, four articles each ---

TOPIC_THEMES = {
    "football": ["The football club won the league match after a late goal by the striker.",
                 "The striker scored a goal and the football club climbed the league table.",
                 "A late goal gave the football club a league win; the coach praised the striker.",
                 "The coach said the football club needs another striker to score a goal in the league."],
    "grain": ["Grain exports through the Black Sea corridor resumed as wheat prices fell at the port.",
              "Wheat prices rose after grain ships were stopped at the port on the Black Sea corridor.",
              "The port reopened the grain corridor and wheat exports rose on the Black Sea.",
              "Ships carrying wheat and grain left the port through the Black Sea corridor."],
}
"""Eight articles: f0-f3 on a football club, g0-g3 on grain shipping; no word but stop words in common."""


def topic_articles() -> pd.DataFrame:
    """:data:`TOPIC_THEMES` as an article frame: ``article_id`` (f0..f3, g0..g3), ``outlet``, ``title``, ``text``,
    ``published_at`` (one a day from 2026-03-02), outlets alternating between Outlet A and Outlet B."""
    rows = [dict(article_id=f"{theme[0]}{i}", outlet="Outlet A" if i % 2 == 0 else "Outlet B", title="", text=text,
                 published_at=f"2026-03-0{2 + i}T08:00:00Z")
            for theme, texts in TOPIC_THEMES.items() for i, text in enumerate(texts)]
    return pd.DataFrame(rows)


def build_topic_store(folder: Path) -> Path:
    """Run the real pipeline (built-in lexicon and topics) on :func:`topic_articles`."""
    from pipelines.ingest import IngestOptions
    from pipelines.run import ScoreOptions, run_pipeline

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "themes.csv"
    topic_articles().rename(columns={"article_id": "id", "published_at": "date", "text": "body"}).to_csv(path, index=False)
    store = folder / "themes.duckdb"
    run_pipeline(store, [path], IngestOptions(), ScoreOptions(), fresh=True)
    return store


# --- a small demo store: the shipped synthetic corpus through the real pipeline ---

def build_demo_store(folder: Path, n_articles: int = 400, months: int = 4) -> Path:
    """``framewatch demo``'s corpus (:func:`pipelines.demo.generate_demo_corpus`: five outlets, topics, three
    voices, wire copies) of *n_articles* over *months*, run through the real pipeline into ``folder/demo.duckdb``."""
    from pipelines.demo import generate_demo_corpus
    from pipelines.ingest import IngestOptions
    from pipelines.run import run_pipeline

    corpus = generate_demo_corpus(folder / "demo", n_articles=n_articles, months=months)
    store = folder / "demo.duckdb"
    run_pipeline(store, [corpus.articles_path], IngestOptions(outlets=[corpus.outlets_path]), fresh=True)
    return store
