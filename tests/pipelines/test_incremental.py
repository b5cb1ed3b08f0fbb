"""Incremental scoring reads a scattered subset of the store by rowid and gives the rows a full scoring gives."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pipelines import run as run_module
from pipelines.demo import generate_demo_corpus
from pipelines.engines import BATCH_TABLES
from pipelines.frames import FrameScorer
from pipelines.lexicon import load_lexicon
from pipelines.outlets import read_registry
from pipelines.run import RunSummary, _score, run_pipeline
from pipelines.storage import writing
from pipelines.topics import read_topics


def sorted_rows(path, name: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return sorted(con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """The demo corpus (300 articles) scored in full, in batches of 40."""
    tmp = tmp_path_factory.mktemp("incremental")
    corpus = generate_demo_corpus(tmp / "corpus", n_articles=300)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(run_module, "SCORE_CHUNK", 40)
        run_pipeline(tmp / "full.duckdb", [corpus.articles_path], fresh=True)
    return tmp


@pytest.mark.parametrize("chunk", [40, 1000])
def test_scoring_only_a_scattered_subset_again_gives_the_full_runs_rows(scored, chunk, monkeypatch):
    full, part = scored / "full.duckdb", scored / f"part-{chunk}.duckdb"
    shutil.copyfile(full, part)
    with duckdb.connect(str(part)) as con:
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY rowid").fetchall()]
        lost = ids[1::3]   # every third article, scattered over the store, loses its scores
        for table in (*BATCH_TABLES, "article_clusters"):
            con.execute(f'DELETE FROM "{table}" WHERE article_id IN (SELECT unnest(?))', [lost])
        assert con.execute("SELECT count(DISTINCT article_id) FROM article_scores").fetchall()[0][0] == 200
    monkeypatch.setattr(run_module, "SCORE_CHUNK", chunk)
    lexicon, _ = load_lexicon()
    summary = RunSummary("incremental")
    with writing(part) as con:
        full_run = _score(con, lexicon, read_topics(), True, summary, False, read_registry(), FrameScorer().fit(),
                          only_new=True)
    assert not full_run and summary.n_articles == len(lost) == 100
    for table in (*BATCH_TABLES, "article_clusters"):
        rows = sorted_rows(part, table)
        assert rows == sorted_rows(full, table), table
        assert rows, table
