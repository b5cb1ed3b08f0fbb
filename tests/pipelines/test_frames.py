"""Frames: frame-lexicon tokens, the threshold, voice, bad frame files, rollups and evidence.

Every count below was made by hand on the texts written here, with the tiny frame lexicon
:data:`FRAMES_CSV`.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.concordance import SPAN_COLUMNS, concordance
from pipelines.errors import ConfigError, LexiconError
from pipelines.frames import (FRAMES, FrameScorer, evidence_spans, frame_matrix, frame_trend, read_frames_lexicon,
                              score_frame_texts, score_frames, stored_threshold, stored_version)
from pipelines.rollups import Filters
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.schemas import check_frame
from pipelines.score import score_articles
from pipelines.lexicon import load_lexicon
from pipelines.prepared import quotes_by_article

FRAMES_CSV = """term,variants,frame,note,ignore
missile,missiles,security_defense,,
troops,,security_defense,,
drills,,Security & defense,label instead of key,
tank,tanks,security_defense,,
think tank,,,blocks tank,true
war,,security_defense,,
war crimes,,crime_punishment,,
sanctions,,economic,,
tariffs,,economic,,
GDP,,economic,,
"""
FRAMEWATCH = Path(sys.executable).with_name("framewatch")


@pytest.fixture(scope="module")
def frames_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("frames") / "frames.csv"
    path.write_text(FRAMES_CSV, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scorer(frames_file) -> FrameScorer:
    return FrameScorer(read_frames_lexicon(frames_file)[0]).fit()


def _used(df: pd.DataFrame, doc: int) -> dict[str, float]:
    rows = df[(df["doc"] == doc) & ((df["score"] > 0) | df["uses_frame"])]
    return {f: (s, bool(u)) for f, s, u in zip(rows["frame"], rows["score"], rows["uses_frame"])}


TEXTS = [
    "Missiles and troops moved; the drills went on.",                     # security 3: used
    "Sanctions and tariffs hurt GDP. A missile flew.",                   # economic 3 used, security 1
    "The think tank said war crimes were committed.",                   # crime 1; 'tank' blocked, 'war' inside
    "Troops held drills.",                                                # security 2: one short
    "",                                                                   # nothing: other
    "The war. Crimes followed, and the tanks rolled in (https://troops.example/missile).",  # war 1, tanks 1
]


def test_hand_counted_tokens_and_frames(scorer):
    df = score_frame_texts(TEXTS, scorer)
    assert list(df.columns) == ["doc", "frame", "score", "uses_frame"]
    assert len(df) == 15 * len(TEXTS)
    assert list(df.loc[df["doc"] == 0, "frame"]) == list(FRAMES)
    assert _used(df, 0) == {"security_defense": (3.0, True)}
    assert _used(df, 1) == {"economic": (3.0, True), "security_defense": (1.0, False)}
    assert _used(df, 2) == {"crime_punishment": (1.0, False), "other": (0.0, True)}
    assert _used(df, 3) == {"security_defense": (2.0, False), "other": (0.0, True)}
    assert _used(df, 4) == {"other": (0.0, True)}
    # 'war crimes' never spans a sentence end; nothing counts inside a web address.
    assert _used(df, 5) == {"security_defense": (2.0, False), "other": (0.0, True)}


@pytest.mark.parametrize("threshold, uses", [(2, True), (3, False)])
def test_threshold_boundary_two_tokens(frames_file, threshold, uses):
    lexicon, _ = read_frames_lexicon(frames_file)
    df = score_frame_texts(["Troops held drills."], lexicon, threshold=threshold)
    row = df[df["frame"] == "security_defense"].iloc[0]
    assert (row["score"], bool(row["uses_frame"])) == (2.0, uses)
    assert bool(df.loc[df["frame"] == "other", "uses_frame"].iloc[0]) is (not uses)


def test_builtin_lexicon_reads_and_scores_a_security_story():
    df = score_frame_texts(["Troops fired missiles during drills near the border; warships followed."])
    used = set(df.loc[df["uses_frame"], "frame"])
    assert used == {"security_defense"}


VOICE_TEXT = "The missile test went ahead. \u201cTroops, drills and more missiles will follow,\u201d said General Ray."


def test_tokens_carry_the_voice_of_the_quotation_and_the_article_counts_every_voice(scorer):
    arts = pd.DataFrame({"article_id": ["a1"], "outlet": ["Beta"], "title": [None], "text": [VOICE_TEXT],
                         "topics_raw": [None]})
    lexicon, _ = load_lexicon()
    quotes = score_articles(arts, lexicon, None).quotes
    result = score_frames(arts, quotes, scorer)
    check_frame(result.article_frames, "article_frames")
    check_frame(result.frame_mentions, "frame_mentions")
    m = result.frame_mentions
    got = [(VOICE_TEXT[s:e], v, sp if isinstance(sp, str) else None) for s, e, v, sp in zip(m["start_char"], m["end_char"], m["voice"], m["speaker"])]
    assert got == [("missile", "outlet", None), ("Troops", "quoted", "General Ray"),
                   ("drills", "quoted", "General Ray"), ("missiles", "quoted", "General Ray")]
    sec = result.article_frames.set_index("frame").loc["security_defense"]
    assert (sec["method"], sec["score"], bool(sec["uses_frame"])) == ("lexicon", 4.0, True)


def test_find_gives_the_tokens_and_scores_that_score_frames_writes(scorer):
    """FrameScorer.find (one text) and score_frames (a batch) run the same per-article core."""
    texts = [VOICE_TEXT, *TEXTS]
    arts = pd.DataFrame({"article_id": [f"a{i}" for i in range(len(texts))], "outlet": "Beta", "title": None,
                         "text": texts, "topics_raw": None})
    lexicon, _ = load_lexicon()
    scored = score_articles(arts, lexicon, None)
    result = score_frames(arts, scored.quotes, scorer)
    quotes = quotes_by_article(scored.quotes)
    for aid, text in zip(arts["article_id"], texts):
        tokens = scorer.find(text, quotes.get(aid))
        m = result.frame_mentions[result.frame_mentions["article_id"] == aid]
        assert [(t.frame, t.term, t.start, t.end, t.voice, t.speaker) for t in tokens] == [
            (f, t, s, e, v, sp if isinstance(sp, str) else None)
            for f, t, s, e, v, sp in zip(m["frame"], m["term"], m["start_char"], m["end_char"], m["voice"], m["speaker"])]
        f = result.article_frames[result.article_frames["article_id"] == aid]
        assert scorer.frame_scores(tokens) == list(zip(f["frame"], f["score"], f["uses_frame"]))
    assert len(result.frame_mentions) == 4 + 3 + 4 + 1 + 2 + 0 + 2 and set(result.frame_mentions["voice"]) == {"outlet", "quoted", "attributed"}


BAD_FILES = [
    ("term,frame\nmissile,weapons\n", "line 2, column 'frame': unknown frame for 'missile'", "found 'weapons'"),
    ("term,frame\nmissile,\n", "line 2, column 'frame': no frame for 'missile'", "found an empty cell"),
    ("term\nmissile\n", "line 2, column 'frame': no frame for 'missile'", "no 'frame' column"),
    ("term,frame\nmissile,other\n", "line 2, column 'frame': unknown frame for 'missile'", "'other' has no terms"),
    ("term,frame\nwar,security_defense\nWar,economic\n", "line 3: 'War' is listed under two frames",
     "'security_defense' at line 2 and 'economic' here"),
    ("term,frame\nmiss*ile,security_defense\n", "line 2, column 'term': '*' inside a term", "'*' only at the end"),
]


@pytest.mark.parametrize("content, where_what, detail", BAD_FILES)
def test_bad_frame_files_name_line_expected_and_found(tmp_path, content, where_what, detail):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        read_frames_lexicon(path)
    assert f"{path}, {where_what}" in str(info.value)
    assert detail in str(info.value)
    assert "expected" in str(info.value) and "Fix:" in str(info.value)


def test_missing_frame_file_and_bad_threshold(tmp_path):
    with pytest.raises(LexiconError, match="frame lexicon file not found.*--frames"):
        read_frames_lexicon(tmp_path / "nope.csv")
    with pytest.raises(ConfigError, match="invalid frame threshold.*found 0"):
        FrameScorer(threshold=0).fit()


def test_cli_stops_on_a_bad_frame_file_and_leaves_no_store(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("term,frame\nmissile,weapons\n", encoding="utf-8")
    corpus = tmp_path / "in.csv"
    corpus.write_text("outlet,published,text\nAlpha,2026-01-05,Troops moved.\n", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    proc = subprocess.run([str(FRAMEWATCH), "run", "--input", str(corpus), "--store", str(store), "--frames", str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"Error: {bad}, line 2, column 'frame': unknown frame for 'missile'")
    assert not store.exists()


# --- a store built by the real pipeline --------------------------------------------------

ARTICLES = [
    ("A1", "Alpha", "2026-01-05", "Missiles, troops and drills filled the day."),         # security 3
    ("A2", "Alpha", "2026-01-06", "Sanctions, tariffs and GDP were discussed."),           # economic 3
    ("A3", "Alpha", "2026-01-20", "Troops and drills again."),                              # security 2: other
    ("B1", "Beta", "2026-01-07", VOICE_TEXT),                                               # security 1 own + 3 quoted
    ("B2", "Beta", "2026-01-08", "Missiles, missiles, missiles."),                         # security 3
]


@pytest.fixture(scope="module")
def store(tmp_path_factory, frames_file) -> Path:
    folder = tmp_path_factory.mktemp("store")
    corpus = folder / "articles.csv"
    pd.DataFrame(ARTICLES, columns=["id", "outlet", "published", "text"]).to_csv(corpus, index=False)
    path = folder / "store.duckdb"
    run_pipeline(path, [corpus], score_options=ScoreOptions(frames=frames_file), fresh=True)
    return path


@pytest.fixture
def con(store):
    c = duckdb.connect(str(store), read_only=True)
    yield c
    c.close()


def _ids(con) -> dict[str, str]:
    """source id -> article_id."""
    return dict(con.execute("SELECT source_id, article_id FROM articles").fetchall())


def test_every_article_has_fifteen_lexicon_rows_and_the_threshold_is_recorded(con):
    n = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    rows = con.execute("SELECT article_id, count(*), count(DISTINCT frame) FROM article_frames "
                       "WHERE method = 'lexicon' GROUP BY 1").fetchall()
    assert len(rows) == n == 5 and all(r[1:] == (15, 15) for r in rows)
    assert stored_threshold(con) == 3
    assert stored_version(con).startswith("frames-")
    # Exactly one of: 'other', or at least one substantive frame.
    bad = con.execute("SELECT article_id FROM article_frames WHERE method = 'lexicon' GROUP BY 1 HAVING "
                      "bool_or(uses_frame AND frame = 'other') = bool_or(uses_frame AND frame <> 'other')").fetchall()
    assert bad == []


def _cell(df: pd.DataFrame, outlet: str, frame: str) -> tuple:
    r = df[(df["outlet"] == outlet) & (df["frame"] == frame)].iloc[0]
    return int(r["n_articles_with_frame"]), int(r["n_articles"])


def test_matrix_counts_tokens_in_the_chosen_voice(con):
    every = frame_matrix(con, Filters(voice="all"))
    assert len(every) == 2 * 15
    assert _cell(every, "Alpha", "security_defense") == (1, 3)
    assert _cell(every, "Alpha", "economic") == (1, 3)
    assert _cell(every, "Alpha", "other") == (1, 3)
    assert _cell(every, "Beta", "security_defense") == (2, 2)
    assert _cell(every, "Beta", "other") == (0, 2)
    own = frame_matrix(con, Filters(voice="outlet"))
    assert _cell(own, "Beta", "security_defense") == (1, 2)     # B1's own words hold one token
    assert _cell(own, "Beta", "other") == (1, 2)
    quoted = frame_matrix(con, Filters(voice="quoted"))
    assert _cell(quoted, "Beta", "security_defense") == (1, 2)  # B1's quotation holds three
    tokens = every.set_index(["outlet", "frame"])["n_tokens"]
    assert tokens[("Beta", "security_defense")] == 7.0 and tokens[("Alpha", "other")] == 0.0


def test_all_voices_agree_with_the_stored_article_frames(con):
    m = frame_matrix(con, Filters(voice="all"))
    stored = con.execute("SELECT a.outlet, f.frame, count(*) FILTER (WHERE f.uses_frame) FROM article_frames f "
                         "JOIN articles a USING (article_id) WHERE f.method = 'lexicon' GROUP BY 1, 2").fetchall()
    assert {(o, f): k for o, f, k in stored} == {(o, f): k for o, f, k in
                                               zip(m["outlet"], m["frame"], m["n_articles_with_frame"])}


def test_matrix_share_has_the_wilson_interval_worked_by_hand(con):
    # k = 1, n = 3, z = 1.96: centre (1/3 + z²/6) / (1 + z²/3) = 0.42692,
    # half-width z·sqrt(2/27 + z²/36) / (1 + z²/3) = 0.36542 -> (0.06149, 0.79234).
    r = frame_matrix(con, Filters(voice="all")).set_index(["outlet", "frame"]).loc[("Alpha", "economic")]
    assert r["share"] == pytest.approx(1 / 3)
    assert (r["share_low"], r["share_high"]) == pytest.approx((0.06149, 0.79234), abs=1e-4)


def test_trend_has_gaps_not_zeros(con):
    t = frame_trend(con, Filters(voice="all"), "security_defense", "week")
    alpha = t[t["outlet"] == "Alpha"]
    assert [p.date() for p in alpha["period"]] == [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
    assert list(alpha["n_articles"]) == [2, 0, 1]
    assert list(alpha["n_articles_with_frame"]) == [1, 0, 0]
    assert alpha["share"].iloc[0] == 0.5 and pd.isna(alpha["share"].iloc[1]) and alpha["share"].iloc[2] == 0.0
    assert list(alpha["status"]) == ["ok", "no data", "ok"]
    beta = t[t["outlet"] == "Beta"].iloc[0]
    assert (beta["n_articles_with_frame"], beta["n_articles"]) == (2, 2)
    with pytest.raises(ValueError, match="frame must be one of"):
        frame_trend(con, Filters(), "weapons")


def test_evidence_spans_are_exactly_the_tokens_of_the_cell(con):
    ids = _ids(con)
    texts = dict(con.execute("SELECT article_id, text FROM articles").fetchall())
    spans = evidence_spans(con, Filters(voice="all"), key="security_defense", outlet="Beta")
    assert list(spans.columns) == SPAN_COLUMNS
    got = [(a, texts[a][s:e]) for a, s, e in zip(spans["article_id"], spans["start_char"], spans["end_char"])]
    assert got == [(ids["B1"], "missile"), (ids["B1"], "Troops"), (ids["B1"], "drills"), (ids["B1"], "missiles"),
                   (ids["B2"], "Missiles"), (ids["B2"], "missiles"), (ids["B2"], "missiles")]
    assert spans["label"].iloc[0] == "Security & defense: missile"
    # Own voice: B1 does not use the frame in its own words, so its one own token is not evidence.
    own = evidence_spans(con, Filters(voice="outlet"), key="security_defense", outlet="Beta")
    assert list(own["article_id"]) == [ids["B2"]] * 3
    # A3's two tokens fall short of the threshold: only A1's three are behind Alpha's cell.
    alpha = evidence_spans(con, Filters(voice="all"), key="security_defense", outlet="Alpha")
    assert list(alpha["article_id"]) == [ids["A1"]] * 3
    # The cell's period narrows it; 'other' has no tokens.
    assert evidence_spans(con, Filters(voice="all"), key="security_defense", outlet="Beta",
                          start=date(2026, 1, 8), end=date(2026, 1, 8))["article_id"].tolist() == [ids["B2"]] * 3
    assert evidence_spans(con, Filters(voice="all"), key="other").empty


def test_concordance_kind_frame_gives_kwic_lines(con):
    lines = concordance(con, Filters(voice="all"), "frame", key="economic", outlet="Alpha")
    assert list(lines["match"]) == ["Sanctions", "tariffs", "GDP"]


@pytest.fixture(scope="module")
def model_store(store, tmp_path_factory) -> Path:
    """The store with model rows for three of its five articles (A1, A2 economic; B1 security)."""
    import shutil

    path = tmp_path_factory.mktemp("model") / "store.duckdb"
    shutil.copyfile(store, path)
    c = duckdb.connect(str(path))
    ids = _ids(c)
    rows = [(ids[s], f, "model", 0.9 if (s, f) in {("A1", "economic"), ("A2", "economic"), ("B1", "security_defense")}
             else 0.1, (s, f) in {("A1", "economic"), ("A2", "economic"), ("B1", "security_defense")})
            for s in ("A1", "A2", "B1") for f in FRAMES]
    c.executemany("INSERT INTO article_frames VALUES (?, ?, ?, ?, ?)", rows)
    c.close()
    return path


def test_model_rows_count_only_the_articles_the_model_scored(model_store):
    c = duckdb.connect(str(model_store), read_only=True)
    try:
        from pipelines.frames import available_methods

        assert available_methods(c) == ["lexicon", "model"]
        m = frame_matrix(c, Filters(voice="outlet"), method="model")
        assert _cell(m, "Alpha", "economic") == (2, 2)           # A3 has no model rows: not in the denominator
        assert _cell(m, "Beta", "security_defense") == (1, 1)
        assert _cell(m, "Beta", "other") == (0, 1)
        assert m["n_tokens"].isna().all()
        # The lexicon rows are untouched by the model's.
        assert _cell(frame_matrix(c, Filters(voice="all")), "Alpha", "economic") == (1, 3)
    finally:
        c.close()


def test_rescoring_with_another_threshold_keeps_the_model_rows(model_store, frames_file, tmp_path):
    import shutil

    from pipelines.run import run_score

    path = tmp_path / "s.duckdb"
    shutil.copyfile(model_store, path)
    run_score(path, ScoreOptions(frames=frames_file, frame_threshold=2, topic_queries=None))
    c = duckdb.connect(str(path), read_only=True)
    try:
        assert c.execute("SELECT count(*) FROM article_frames WHERE method = 'model'").fetchone()[0] == 3 * 15
        assert stored_threshold(c) == 2
        # With 2 tokens enough, A3 (troops, drills) now uses Security & defense.
        assert _cell(frame_matrix(c, Filters(voice="all")), "Alpha", "security_defense") == (2, 3)
    finally:
        c.close()


def test_a_model_of_two_frames_scores_only_those_two(store, tmp_path):
    """Rows for economic and security only: the matrix has those two columns, not 13 false zeros."""
    import shutil

    from pipelines.frames import scored_frames

    path = tmp_path / "two.duckdb"
    shutil.copyfile(store, path)
    c = duckdb.connect(str(path))
    try:
        ids = _ids(c)
        c.executemany("INSERT INTO article_frames VALUES (?, ?, 'model', ?, ?)",
                      [(ids[s], f, p, p >= 0.5) for s in ("A1", "B1")
                       for f, p in (("economic", 0.9 if s == "A1" else 0.2), ("security_defense", 0.3))])
        assert scored_frames(c, "model") == ["economic", "security_defense"]
        assert scored_frames(c, "lexicon") == list(FRAMES)
        m = frame_matrix(c, Filters(voice="outlet"), method="model")
        assert sorted(set(m["frame"])) == ["economic", "security_defense"]
        assert _cell(m, "Alpha", "economic") == (1, 1) and _cell(m, "Beta", "economic") == (0, 1)
        assert _cell(m, "Alpha", "security_defense") == (0, 1)
        with pytest.raises(ValueError, match="does not score 'morality'"):
            frame_trend(c, Filters(voice="outlet"), "morality", method="model")
    finally:
        c.close()


def test_a_cells_tokens_are_those_of_its_articles_using_the_frame_the_concordances_lines(con):
    # A3 holds 2 security tokens (below the threshold of 3): they are not Alpha's evidence, nor its token count.
    for voice in ("all", "outlet", "quoted"):
        m = frame_matrix(con, Filters(voice=voice))
        for outlet, frame, k, tokens in zip(m["outlet"], m["frame"], m["n_articles_with_frame"], m["n_tokens"]):
            if frame == "other":       # its articles are those with no frame: no tokens to show
                continue
            lines = evidence_spans(con, Filters(voice=voice), key=frame, outlet=outlet)
            assert (tokens, k) == (len(lines), lines["article_id"].nunique()), (voice, outlet, frame)
    every = frame_matrix(con, Filters(voice="all")).set_index(["outlet", "frame"])
    assert every.loc[("Alpha", "security_defense"), "n_tokens"] == 3.0      # A1's 3, not A3's 2 as well
    trend = frame_trend(con, Filters(voice="all"), "security_defense", "month")
    assert trend.loc[trend["outlet"] == "Alpha", "n_tokens"].sum() == 3.0
