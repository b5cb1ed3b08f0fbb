"""Tone toward targets on a real corpus: KCNA 2024 (../shared/corpora/kcna_2024, full texts)."""

from __future__ import annotations

import pytest

from pipelines import storage
from pipelines.ingest import IngestOptions
from pipelines.rollups import Filters
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.text import dateline_spans
from pipelines.tone import evidence_spans, tone_matrix
from tests.conftest import corpus_dir

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def kcna(tmp_path_factory):
    folder = corpus_dir("kcna_2024")
    store = tmp_path_factory.mktemp("kcna_tone") / "kcna.duckdb"
    run_pipeline(store, [folder / "kcna_articles.csv"], IngestOptions(topic_column="topics"), ScoreOptions(),
                 fresh=True)
    con = storage.connect(store)
    yield con
    con.close()


def test_kcna_own_voice_is_negative_toward_the_us_and_positive_toward_the_dprk(kcna):
    m = tone_matrix(kcna, Filters(voice="outlet")).set_index("target")
    us, dprk = m.loc["United States"], m.loc["North Korea"]
    # 2024 KCNA in its own voice (693 sentences in 124 articles when written): mean about -0.20,
    # well over half of the sentences negative; the DPRK itself about +0.22.
    assert us["n_sentences"] > 300 and us["n_articles_naming"] > 50
    assert us["compound_high"] < 0 and us["share_negative"] > 0.5
    assert dprk["compound_low"] > 0 and dprk["share_negative"] < 0.3
    assert m.loc["South Korea", "mean_compound"] < 0


def test_kcna_every_counted_sentence_has_its_evidence_line(kcna):
    f = Filters(voice="outlet")
    n = int(tone_matrix(kcna, f, targets=("United States",))["n_sentences"].sum())
    spans = evidence_spans(kcna, f, key="United States")
    assert len(spans) == n
    texts = dict(kcna.execute("SELECT article_id, text FROM articles WHERE article_id IN (SELECT unnest(?))",
                              [spans["article_id"].unique().tolist()]).fetchall())
    matched = {texts[a][s:e] for a, s, e in zip(spans["article_id"], spans["start_char"], spans["end_char"])}
    assert matched <= {"US", "U.S", "U.S.", "USA", "United States", "United States of America", "America",
                       "American", "Americans", "Washington", "Pentagon", "White House", "State Department",
                       "Capitol Hill"}
    assert "us" not in matched


def test_kcna_datelines_name_no_target(kcna):
    # "Pyongyang, December 24 (KCNA) --" opens most KCNA articles: Pyongyang there is where the story
    # was filed (968 outlet-voice North Korea rows before the rule), not a mention of North Korea.
    texts = dict(kcna.execute("SELECT article_id, text FROM articles").fetchall())
    opened = [aid for aid, text in texts.items() if any(a == 0 for a, _ in dateline_spans(text))]
    assert len(opened) > 900
    rows = kcna.execute("SELECT article_id, start_char FROM target_mentions").fetchall()
    assert rows and not any(a <= s < b for aid, s in rows for a, b in dateline_spans(texts[aid]))
    # a dateline sentence that names the DPRK again still counts for it
    first = dict(kcna.execute("SELECT article_id, min(sent_start) FROM target_mentions WHERE target = 'North Korea' "
                              "GROUP BY 1").fetchall())
    assert sum(first.get(aid) == 0 for aid in opened) > 500
