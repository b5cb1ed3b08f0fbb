"""Incremental scoring reads a scattered subset of the store by rowid and gives the rows a full scoring gives;
it scores every article again when a definition's version changes, and each run records those versions."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import duckdb
import pandas as pd
import pytest

from pipelines import run as run_module
from pipelines import wordchoice
from pipelines.demo import generate_demo_corpus
from pipelines.engines import BATCH_TABLES
from pipelines.frames import FRAME_THRESHOLD, FrameScorer
from pipelines.concordance import version_text
from pipelines.incremental import VERSION_COLUMNS, recorded_versions, stored_lexicon
from pipelines.lexicon import load_lexicon
from pipelines.outlets import read_registry
from pipelines.run import RunSummary, _score, export_tables, run_aggregate, run_pipeline
from pipelines.schemas import column_names
from pipelines.storage import write_table, writing
from pipelines.tone import read_gazetteer
from pipelines.topics import read_topics
from pipelines.wordchoice import BUILTIN_PAIRS


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


def score_new(path, run_id: str) -> tuple[bool, RunSummary, dict]:
    """Score the articles without scores as ``framewatch collect`` does (``only_new``), record the run,
    and return (all scored?, the summary, the run's ``runs`` row)."""
    lexicon, _ = load_lexicon()
    summary = RunSummary(run_id)
    with writing(path) as con:
        full_run = _score(con, lexicon, read_topics(), True, summary, False, read_registry(), FrameScorer().fit(),
                          only_new=True)
        run_module._record_run(con, run_id, "score", datetime.now(timezone.utc), 0.0, {}, summary,
                               summary.lexicon_version)
    return full_run, summary, runs_row(path, run_id)


def runs_row(path, run_id: str) -> dict:
    names = ("lexicon_version", *VERSION_COLUMNS)
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute(f"SELECT {', '.join(names)} FROM runs WHERE run_id = ?", [run_id]).fetchone()
    return dict(zip(names, row))


def test_the_run_records_the_versions_of_the_loaded_definitions(scored):
    with duckdb.connect(str(scored / "full.duckdb"), read_only=True) as con:
        (run_id,) = con.execute("SELECT run_id FROM runs WHERE stage = 'run'").fetchone()
    row = runs_row(scored / "full.duckdb", run_id)
    assert {k: row[k] for k in ("lexicon_version", "frames_version", "frame_threshold", "targets_version")} == {
        "lexicon_version": load_lexicon()[0].version, "frames_version": FrameScorer().fit().version,
        "frame_threshold": FRAME_THRESHOLD, "targets_version": read_gazetteer().version}
    assert row["pairs_version"].startswith("pairs-") and row["topics_version"].startswith("topics-")
    with duckdb.connect(str(scored / "full.duckdb"), read_only=True) as con:
        assert recorded_versions(con) == row
        assert version_text(con, "pair") == f"lexicon version {row['lexicon_version']}, pairs version " \
                                            f"{row['pairs_version']}"


def test_an_unchanged_rerun_scores_nothing_and_records_the_same_versions(scored):
    path = scored / "same.duckdb"
    shutil.copyfile(scored / "full.duckdb", path)
    with duckdb.connect(str(path), read_only=True) as con:
        (first,) = con.execute("SELECT run_id FROM runs WHERE stage = 'run'").fetchone()
    full_run, summary, row = score_new(path, "again")
    assert (full_run, summary.n_articles) == (False, 0)
    assert row == runs_row(path, first)
    assert None not in row.values()


def test_editing_only_the_pairs_file_changes_only_the_pairs_version_and_scores_every_article(scored, tmp_path,
                                                                                            monkeypatch):
    path = scored / "pairs.duckdb"
    shutil.copyfile(scored / "full.duckdb", path)
    _, _, before = score_new(path, "before")
    # The user's edit of data/lexicon/pairs.csv (there is no option for another pairs file): drop the first pair.
    lines = BUILTIN_PAIRS.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[1].startswith("government,")
    edited = tmp_path / "pairs.csv"
    edited.write_text(lines[0] + "".join(lines[2:]), encoding="utf-8")
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM pair_mentions WHERE pair_id = 'government'").fetchone()[0] > 0
    monkeypatch.setattr(wordchoice, "BUILTIN_PAIRS", edited)
    full_run, summary, after = score_new(path, "after")
    assert (full_run, summary.n_articles) == (True, 300)
    assert after["pairs_version"] != before["pairs_version"]
    assert {k: v for k, v in after.items() if k != "pairs_version"} == {
        k: v for k, v in before.items() if k != "pairs_version"}
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM pair_mentions WHERE pair_id = 'government'").fetchone()[0] == 0
        assert con.execute("SELECT count(DISTINCT article_id) FROM article_scores").fetchone()[0] == 300
    # ... and the next run, with the same edit, scores nothing.
    full_run, summary, _ = score_new(path, "next")
    assert (full_run, summary.n_articles) == (False, 0)


def test_a_store_from_before_the_version_columns_still_runs(scored):
    path = scored / "old.duckdb"
    shutil.copyfile(scored / "full.duckdb", path)
    with duckdb.connect(str(path)) as con:   # the runs table as framewatch wrote it before these columns
        for name in VERSION_COLUMNS:
            con.execute(f'ALTER TABLE runs DROP COLUMN "{name}"')
        (old_run,) = con.execute("SELECT run_id FROM runs").fetchone()
    (exported,) = export_tables(path, scored / "old-export", ["runs"], ("csv",))   # read as it is
    assert list(pd.read_csv(exported, encoding="utf-8-sig").columns) == column_names("runs")
    summary = run_pipeline(path, [scored / "corpus" / "articles.jsonl"])
    assert (summary.n_ingested, summary.n_duplicates, summary.n_articles) == (0, 300, 300)
    assert runs_row(path, old_run) == {"lexicon_version": load_lexicon()[0].version, **dict.fromkeys(VERSION_COLUMNS)}
    assert runs_row(path, summary.run_id)["pairs_version"].startswith("pairs-")
    assert sorted_rows(path, "mentions") == sorted_rows(scored / "full.duckdb", "mentions")
    aggregated = run_aggregate(path)    # records the versions of the last scoring, which daily counts
    assert runs_row(path, aggregated.run_id) == runs_row(path, summary.run_id)


@pytest.mark.parametrize("table", ["lexicon", "frame_lexicon"])
def test_a_stored_lexicon_has_the_version_of_the_lexicon_written(table, tmp_path):
    lexicon = load_lexicon()[0] if table == "lexicon" else FrameScorer().fit().lexicon_
    assert any(e.variants for e in lexicon.entries) and any(e.note for e in lexicon.entries)
    with writing(tmp_path / "s.duckdb") as con:
        frame = lexicon.to_frame().rename(columns={"category": "frame"} if table == "frame_lexicon" else {})
        write_table(con, table, frame[column_names(table)])
        assert stored_lexicon(con, table).version == lexicon.version


@pytest.mark.parametrize("recorded", ["r2", None])
def test_a_store_scored_under_other_or_unknown_rules_is_scored_again_once(scored, recorded):
    """The scoring rules are code (pipelines.rules.RULES_VERSION): rows recorded under others, or under
    rules no run recorded (a store written before runs.rules_version), are all scored again, once."""
    from pipelines.rules import RULES_VERSION

    path = scored / f"rules-{recorded}.duckdb"
    shutil.copyfile(scored / "full.duckdb", path)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE runs SET rules_version = ?", [recorded])
    full_run, summary, row = score_new(path, "now")
    assert (full_run, summary.n_articles) == (True, 300)
    assert summary.changed_definitions == [f"scoring rules ({recorded or 'unknown'} -> {RULES_VERSION})"]
    assert "(the whole store, scored again; changed since its last scoring: scoring rules" in summary.line()
    assert row["rules_version"] == RULES_VERSION
    for table in (*BATCH_TABLES, "article_clusters"):   # the same rules in fact: the same rows
        assert sorted_rows(path, table) == sorted_rows(scored / "full.duckdb", table), table
    full_run, summary, _ = score_new(path, "next")       # recorded now: nothing left to score
    assert (full_run, summary.n_articles, summary.changed_definitions) == (False, 0, [])
