"""The Dask engine's overlapped run (ingest batches handed to the workers as soon as they are
stored) builds the tables of a run that ingests first and scores after, and of the local engine,
including when a late copy of an article changes its topics, joins its cluster, or an outlet
first appears late; a run killed mid-overlap leaves the last good store and a rerun completes it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines import run as run_module
from pipelines.engines import EngineOptions
from pipelines.faults import PAUSE_AT, PAUSE_FILE
from pipelines.ingest import IngestOptions
from pipelines.quotes import find_quotes
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.schemas import TABLES

REPO = Path(__file__).resolve().parents[2]
# Differ between any two runs: the run's id, start and duration, and its settings (which name the engine).
RUN_COLUMNS = {"run_id", "started_at", "elapsed_s", "settings"}
CHUNK = 10
"""Score batch (SCORE_CHUNK) and ingest batch of these tests: many partitions for a small corpus."""

SENTENCES = [
    "The regime in Kyiv shelled the town on Monday, officials in the region said.",
    "\u201cThe imperialists are waging war games near our border,\u201d the spokesman said.",
    "Western powers discussed the special military operation at length on Tuesday, Mark Savage reported.",
    "According to the ministry, the puppet regime refused the talks and left Geneva.",
    "Talks on trade and the economy resumed in Geneva after a pause of two months.",
    "Farmers said the harvest was late because of the floods in the north.",
]
RT_TEXT = "Russia Today reported that the imperialists are waging war games again."


def _unique(i: int) -> str:
    """Forty words no other article has, so only real copies are near-duplicates."""
    return " ".join(f"item{i}word{k}" for k in range(40)) + "."


def _row(i: int, outlet: str, topic: str, text: str | None = None, url: str | None = None) -> dict:
    body = text or " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(2 + i % 4)) + f" {_unique(i)}"
    return {"id": f"a{i}", "outlet": outlet, "date": f"2024-03-{1 + i % 20:02d}", "title": f"Report {i}",
            "text": body, "url": url or f"https://example.org/{outlet.replace(' ', '').lower()}/{i}", "topic": topic}


def corpus_rows() -> list[dict]:
    """130 records, ingested 10 at a time: 110 articles of two outlets (each batch handed over whole,
    in batches of 10), RT's first articles in the eleventh batch, then late copies:

    * record 110 copies article 1 (handed over long before) under another topic: it must be scored again;
    * record 111 copies article 2 under its own topic: its topics do not change, nothing to re-score;
    * record 112 is article 3's text at another outlet: a cluster with an article scored long before;
    * record 120 copies article 115 (stored with the eleventh batch, not yet handed over: 8 articles
      wait for a batch of 10) under another topic: read after the change, nothing to re-score.
    """
    outlets = ["Press TV", "Reuters"]
    rows = [_row(i, outlets[i % 2], "war" if i % 3 else "economy") for i in range(100)]
    rows += [_row(i, "RT", "war", text=f"{RT_TEXT} {_unique(i)}") for i in range(100, 110)]
    rows.append({**rows[1], "id": "copy-1", "topic": "diplomacy"})
    rows.append({**rows[2], "id": "copy-2"})
    rows.append(_row(112, "Xinhua", "war", text=rows[3]["text"]))
    rows += [_row(i, outlets[i % 2], "economy") for i in range(113, 120)]
    rows.append({**rows[115], "id": "copy-115", "topic": "sanctions"})
    rows += [_row(i, outlets[i % 2], "war") for i in range(121, 130)]
    assert rows[115]["id"] == "a115" and len(rows) == 130
    return rows


def table_rows(path: Path, name: str) -> list[tuple]:
    """Rows of table *name* without the run columns, sorted (the re-scored articles' rows come last)."""
    with duckdb.connect(str(path), read_only=True) as con:
        cols = [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall() if r[0] not in RUN_COLUMNS]
        select = ", ".join(f'"{c}"' for c in cols)
        return sorted(con.execute(f'SELECT {select} FROM "{name}"').fetchall(), key=repr)


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def dask(overlap: bool) -> ScoreOptions:
    return ScoreOptions(engine=EngineOptions("dask", overlap=overlap))


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The corpus run by the local engine, by Dask without and with the overlap; then a second
    input (copies of stored articles under new topics, new articles) added to each store."""
    tmp = tmp_path_factory.mktemp("overlap")
    first = tmp / "first.csv"
    pd.DataFrame(corpus_rows()).to_csv(first, index=False)
    rows = corpus_rows()
    second_rows = [{**rows[5], "id": "copy-5", "topic": "diplomacy"}, {**rows[125], "id": "copy-125", "topic": "arms"}]
    second_rows += [_row(i, "RT", "war", text=f"{RT_TEXT} {_unique(i)}") for i in range(200, 215)]
    second = tmp / "second.csv"
    pd.DataFrame(second_rows).to_csv(second, index=False)
    ingest = IngestOptions(topic_column="topic", batch_size=CHUNK)
    mp = pytest.MonkeyPatch()
    mp.setattr(run_module, "SCORE_CHUNK", CHUNK)
    out = {}
    try:
        for name, options in (("local", ScoreOptions()), ("plain", dask(False)), ("overlap", dask(True))):
            path = tmp / f"{name}.duckdb"
            out[name] = (path, run_pipeline(path, [first], ingest, options, fresh=True))
            again = tmp / f"{name}-again.duckdb"
            shutil.copyfile(path, again)
            out[f"{name}-again"] = (again, run_pipeline(again, [second], ingest, options))
    finally:
        mp.undo()
    return out


@pytest.mark.parametrize("name", sorted(TABLES))
def test_overlapped_run_builds_every_table_as_ingest_then_score_and_the_local_engine(stores, name):
    overlap = table_rows(stores["overlap"][0], name)
    assert overlap == table_rows(stores["plain"][0], name)
    assert overlap == table_rows(stores["local"][0], name)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_overlapped_run_on_a_stored_corpus_builds_every_table_as_the_others(stores, name):
    overlap = table_rows(stores["overlap-again"][0], name)
    assert overlap == table_rows(stores["plain-again"][0], name)
    assert overlap == table_rows(stores["local-again"][0], name)


def test_a_late_copy_under_another_topic_is_rescored_and_only_then(stores):
    path, summary = stores["overlap"]
    # Only article 1 was handed over before its copy changed its topics; article 115's copy came
    # while it waited for a full batch, and article 2's copy named no new topic.
    assert summary.n_rescored == 1
    topics = dict(query(path, "SELECT a.source_id, list(t.topic ORDER BY t.topic) FROM article_topics t "
                              "JOIN articles a USING (article_id) WHERE a.source_id IN ('a1', 'a2', 'a115') "
                              "AND t.source = 'column' GROUP BY 1"))
    assert topics == {"a1": ["diplomacy", "war"], "a2": ["war"], "a115": ["economy", "sanctions"]}
    # A second input copying a stored article (scored again in this run, first) under a new topic.
    assert stores["overlap-again"][1].n_rescored == 1
    assert stores["plain"][1].n_rescored is None and stores["local"][1].n_rescored is None


@pytest.mark.parametrize("name", ["", "-again"])
def test_each_engine_records_the_hits_left_out_as_names_once_per_article(stores, name):
    """'Savage' in 'Mark Savage' (SENTENCES[2]) is left out in every article holding it; article 1 holds
    it and is scored twice by the overlapped run (its late copy), yet counts once."""
    path = stores[f"local{name}"][0]
    n = query(path, "SELECT count(*) FROM articles WHERE text LIKE '%Mark Savage reported%'")[0][0]
    assert n > 20 and query(path, "SELECT count(*) FROM articles WHERE source_id = 'a1' AND text LIKE "
                                  "'%Mark Savage%'") == [(1,)]
    assert query(path, "SELECT count(*) FROM mentions WHERE term = 'savage'") == [(0,)]
    for engine in ("local", "plain", "overlap"):
        path, summary = stores[f"{engine}{name}"]
        assert (summary.n_name_hits, summary.name_hit_terms) == (n, {"savage": n}), engine
        assert f"left out as parts of names {n} (savage {n})," in summary.line()
        assert query(path, "SELECT n_name_hits, name_hit_terms FROM runs ORDER BY started_at DESC LIMIT 1") == [
            (n, f'{{"savage": {n}}}')]
    assert stores[f"overlap{name}"][1].n_rescored == 1


def test_the_overlap_scored_articles_while_the_ingest_went_on(stores):
    summary = stores["overlap"][1]
    # 13 batches of 10 records: at most 2 x 2 workers + 1 partitions wait, so the first ones were
    # appended before the ingest read its last batches.
    assert summary.n_scored_during_ingest >= 5 * CHUNK
    assert summary.n_articles == stores["plain"][1].n_articles == 127
    assert summary.n_mentions == stores["plain"][1].n_mentions == stores["local"][1].n_mentions > 0
    assert summary.stage_seconds["overlap"] > 0
    assert "scored during ingest" in summary.line() and "re-scored 1" in summary.line()
    settings = query(stores["overlap"][0], "SELECT settings FROM runs")[0][0]
    assert f'"scored_during_ingest": {summary.n_scored_during_ingest}' in settings and '"rescored": 1' in settings


def test_a_late_copy_at_another_outlet_joins_the_cluster_of_an_early_article(stores):
    path = stores["overlap"][0]
    members = query(path, "SELECT a.source_id, c.is_first FROM article_clusters c JOIN articles a USING (article_id) "
                          "WHERE c.cluster_id = (SELECT article_id FROM articles WHERE source_id = 'a3') ORDER BY 1")
    assert members == [("a112", False), ("a3", True)]


def test_an_outlet_first_seen_late_is_known_by_its_aliases(stores):
    # Reported speech by "Russia Today" in RT's own article is RT's own voice (the registry's alias),
    # which a batch scored without RT's names would attribute to someone else.
    assert find_quotes(RT_TEXT, outlet_names=("RT",)) != find_quotes(RT_TEXT, outlet_names=("RT", "Russia Today"))
    voices = query(stores["overlap"][0], "SELECT DISTINCT m.voice FROM mentions m JOIN articles a USING (article_id) "
                                         "WHERE a.outlet = 'RT' AND m.term = 'imperialists'")
    assert voices == [("outlet",)]


# --------------------------------------------------------------------------- killed mid-overlap

def _kill_mid_overlap(store: Path, data: Path, tmp_path: Path) -> None:
    """``framewatch run --fresh --engine dask`` (score batches of 10, ingest batches of 10) stopped at
    the first append of a scored partition and killed with its workers."""
    marker = tmp_path / "paused"
    env = dict(os.environ, **{PAUSE_AT: "write:mentions", PAUSE_FILE: str(marker)})
    code = f"import pipelines.run as r; r.SCORE_CHUNK = {CHUNK}; from pipelines.cli import main; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "run", "--input", str(data), "--store", str(store), "--fresh",
                             "--topic-column", "topic", "--ingest-batch", str(CHUNK), "--engine", "dask"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            if proc.poll() is not None:
                out, err = proc.communicate()
                pytest.fail(f"the run ended (code {proc.returncode}) before it paused:\n{err.decode()[-3000:]}")
            assert time.monotonic() < deadline, "the run did not reach write:mentions within 180 s"
            time.sleep(0.05)
        assert int(marker.read_text()) == proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):   # the run, and the cluster's processes it started
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()


def test_a_run_killed_mid_overlap_leaves_the_last_good_store_and_a_rerun_completes_it(stores, tmp_path):
    good, _ = stores["overlap"]
    store = tmp_path / "store.duckdb"
    shutil.copyfile(good, store)
    before = store.read_bytes()
    data = tmp_path / "new.csv"
    pd.DataFrame(corpus_rows()).to_csv(data, index=False)
    _kill_mid_overlap(store, data, tmp_path)
    assert store.read_bytes() == before
    # The working copy (with its log, opened as a copy) holds part of the input: the kill came
    # while the ingest was still going, after at least one batch was handed to the workers.
    work = [f for f in tmp_path.glob("store.duckdb.tmp-*") if f.suffix != ".wal"]
    assert len(work) == 1
    probe = tmp_path / "probe.duckdb"
    shutil.copyfile(work[0], probe)
    if work[0].with_name(work[0].name + ".wal").exists():
        shutil.copyfile(work[0].with_name(work[0].name + ".wal"), tmp_path / "probe.duckdb.wal")
    with duckdb.connect(str(probe)) as con:
        n_stored, n_mentions = con.execute("SELECT (SELECT count(*) FROM articles), "
                                           "(SELECT count(*) FROM mentions)").fetchall()[0]
    assert CHUNK <= n_stored < 127 and n_mentions == 0
    # Running it again finishes with what an uninterrupted run gives, and cleans up.
    ingest = IngestOptions(topic_column="topic", batch_size=CHUNK)
    mp = pytest.MonkeyPatch()
    mp.setattr(run_module, "SCORE_CHUNK", CHUNK)
    try:
        summary = run_pipeline(store, [data], ingest, dask(True), fresh=True)
    finally:
        mp.undo()
    assert summary.n_rescored == 1
    uninterrupted = tmp_path / "uninterrupted.duckdb"
    run_pipeline(uninterrupted, [data], ingest, fresh=True)
    for name in TABLES:
        assert table_rows(store, name) == table_rows(uninterrupted, name), name
    assert not list(tmp_path.glob("store.duckdb.tmp-*"))
