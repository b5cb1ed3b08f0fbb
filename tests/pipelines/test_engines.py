"""Score engines: the Dask engine (LocalCluster, 2 worker processes) builds the same store as the local one."""

from __future__ import annotations

import socket
import warnings

import duckdb
import numpy as np
import pytest

from pipelines import run as run_module
from pipelines.demo import generate_demo_corpus
from pipelines.engines import BATCH_TABLES, DaskScorer, EngineOptions, plan_batches, read_batch, store_rowids
from pipelines.errors import ConfigError
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.schemas import TABLES

# Differ between any two runs: the run's id, start and duration, and its settings (which name the engine).
RUN_COLUMNS = {"run_id", "started_at", "elapsed_s", "settings"}


def table_rows(path, name: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        cols = [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall() if r[0] not in RUN_COLUMNS]
        select = ", ".join(f'"{c}"' for c in cols)
        return con.execute(f'SELECT {select} FROM "{name}"').fetchall()


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The demo corpus (300 articles) run by both engines, in batches of 40 (8 Parquet partitions);
    the Dask run keeps its partitions under a ``file://`` URL (the fsspec path a bucket would take)."""
    tmp = tmp_path_factory.mktemp("engines")
    corpus = generate_demo_corpus(tmp / "corpus", n_articles=300)
    inputs = [corpus.articles_path]
    mp = pytest.MonkeyPatch()
    mp.setattr(run_module, "SCORE_CHUNK", 40)
    try:
        local = run_pipeline(tmp / "local.duckdb", inputs, fresh=True)
        workdir = tmp / "work"
        workdir.mkdir()
        engine = EngineOptions("dask", workdir=workdir.as_uri())
        partitions = []   # where this process wrote the articles' partitions, as each group is appended
        append_group = DaskScorer._append_group

        def recording(scorer, wait_for):
            waiting = [str(path) for path, _, _ in scorer.pending]
            append_group(scorer, wait_for)
            partitions.extend(waiting[:len(waiting) - len(scorer.pending)])   # a group leaves from the front

        mp.setattr(DaskScorer, "_append_group", recording)
        dask = run_pipeline(tmp / "dask.duckdb", inputs, score_options=ScoreOptions(engine=engine), fresh=True)
    finally:
        mp.undo()
    return tmp / "local.duckdb", tmp / "dask.duckdb", local, dask, workdir, partitions


@pytest.mark.parametrize("name", sorted(TABLES))
def test_dask_engine_builds_every_table_as_the_local_engine(stores, name):
    local, dask, *_ = stores
    assert table_rows(dask, name) == table_rows(local, name)


def test_both_engines_scored_every_article_in_several_partitions(stores):
    local, _, local_summary, dask_summary, *_ = stores
    assert dask_summary.n_articles == local_summary.n_articles == 300
    assert dask_summary.n_mentions == local_summary.n_mentions > 0
    # Every per-batch table has rows, so the comparison above compares something.
    assert all(len(table_rows(local, t)) > 0 for t in BATCH_TABLES)


def test_dask_engine_uses_the_work_dir_and_removes_its_partitions(stores):
    workdir, partitions = stores[-2:]
    assert len(partitions) == 8 and all(p.startswith(workdir.as_uri() + "/") for p in partitions)
    assert workdir.is_dir() and list(workdir.iterdir()) == []


def test_plan_cuts_rowids_in_store_order_into_ranges_or_subsets():
    plan = plan_batches(np.array([0, 1, 2, 3, 4], dtype=np.int64), 2)
    assert [(b.first, b.last, b.rowids, len(b)) for b in plan] == [(0, 1, None, 2), (2, 3, None, 2), (4, 4, None, 1)]
    gaps = plan_batches(np.array([3, 7, 8, 20, 21], dtype=np.int64), 3)
    assert [(b.first, b.last, len(b)) for b in gaps] == [(3, 8, 3), (20, 21, 2)]
    assert gaps[0].rowids.tolist() == [3, 7, 8] and gaps[1].rowids is None
    assert plan_batches(np.empty(0, dtype=np.int64), 3) == []


def test_read_batch_reads_exactly_the_planned_articles_in_store_order(stores):
    local, *_ = stores
    with duckdb.connect(str(local), read_only=True) as con:
        stored = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY rowid").fetchall()]
        every = store_rowids(con)
        assert len(every) == len(stored) == 300
        read = [aid for b in plan_batches(every, 70) for aid in read_batch(con, b)["article_id"]]
        assert read == stored
        # A scattered subset (an incremental run): every third article, in batches that skip the others.
        subset = every[::3]
        plan = plan_batches(subset, 25)
        assert any(b.rowids is not None for b in plan)
        assert [aid for b in plan for aid in read_batch(con, b, ("article_id",))["article_id"]] == stored[::3]


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "spark"}, "unknown engine 'spark'"),
    ({"name": "local", "scheduler": "tcp://127.0.0.1:8786"}, "--scheduler and --work-dir need the Dask engine"),
])
def test_bad_engine_options_say_what_and_how_to_fix(kwargs, message):
    with pytest.raises(ConfigError, match=message) as err:
        EngineOptions(**kwargs)
    assert err.value.fix


def test_unreachable_scheduler_is_a_config_error(tmp_path):
    corpus = generate_demo_corpus(tmp_path / "corpus", n_articles=5)
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler"):
        run_pipeline(tmp_path / "s.duckdb", [corpus.articles_path], fresh=True,
                     score_options=ScoreOptions(engine=EngineOptions("dask", scheduler="tcp://127.0.0.1:1")))


def test_local_cluster_takes_a_free_port_not_dasks_8787(tmp_path):
    """Dask's scheduler serves HTTP (health, metrics) on 127.0.0.1:8787 by default and warns "Port 8787
    is already in use" when another cluster holds it; the engine's LocalCluster takes a free port instead."""
    corpus = generate_demo_corpus(tmp_path / "corpus", n_articles=5)
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:   # already held by something else: as good for this test
        pass
    ports = []
    start = DaskScorer._start

    def recording(scorer):
        start(scorer)
        ports.append(scorer.cluster.scheduler.http_server.port)

    try:
        with warnings.catch_warnings(record=True) as caught, pytest.MonkeyPatch.context() as mp:
            warnings.simplefilter("always")
            mp.setattr(DaskScorer, "_start", recording)
            summary = run_pipeline(tmp_path / "s.duckdb", [corpus.articles_path], fresh=True,
                                   score_options=ScoreOptions(engine=EngineOptions("dask", n_workers=1)))
    finally:
        holder.close()
    assert summary.n_articles == 5
    assert len(ports) == 1 and ports[0] != 8787
    assert not [w for w in caught if "already in use" in str(w.message)]
