"""Score engines: the Dask engine (LocalCluster, 2 worker processes) builds the same store as the local one."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipelines import run as run_module
from pipelines.demo import generate_demo_corpus
from pipelines.engines import BATCH_TABLES, EngineOptions, batches
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
        partitions = []   # where this process writes the articles' partitions
        to_parquet = pd.DataFrame.to_parquet

        def recording(frame, path, *args, **kwargs):
            partitions.append(str(path))
            return to_parquet(frame, path, *args, **kwargs)

        mp.setattr(pd.DataFrame, "to_parquet", recording)
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


def test_batches_cut_ids_in_order():
    assert batches(list("abcde"), 2) == [["a", "b"], ["c", "d"], ["e"]]
    assert batches([], 3) == []


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
