"""The Dask engine's append: the workers' Parquet files read by DuckDB (local work dir) or through
pandas (other fsspec URLs) give the rows the local engine writes; a file of another schema is refused."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pipelines.demo import generate_demo_corpus
from pipelines.engines import BATCH_TABLES, EngineOptions, default_stages, plan_batches, read_batch, score_batch, \
    store_rowids
from pipelines.errors import StoreError
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.storage import append_parquet, connect, ensure_tables, write_table
from pipelines.schemas import TABLES

RUN_COLUMNS = {"run_id", "started_at", "elapsed_s", "settings"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("append")
    return generate_demo_corpus(tmp / "corpus", n_articles=60).articles_path


@pytest.fixture(scope="module")
def scored(corpus, tmp_path_factory):
    """Every batch table of 60 demo articles, as score_batch returns them."""
    store = tmp_path_factory.mktemp("scored") / "s.duckdb"
    run_pipeline(store, [corpus], fresh=True)
    con = connect(store)
    try:
        articles = read_batch(con, plan_batches(store_rowids(con), 60)[0])
    finally:
        con.close()
    return score_batch(articles, default_stages())


def rows(con, name):
    cols = ", ".join(f'"{c.name}"' for c in TABLES[name])
    return con.execute(f'SELECT {cols} FROM "{name}"').fetchall()


def test_append_parquet_writes_the_rows_write_table_writes(scored, tmp_path):
    a, b = duckdb.connect(), duckdb.connect()
    ensure_tables(a)
    ensure_tables(b)
    for name in BATCH_TABLES:
        frame = scored[name]
        assert len(frame) > 0
        # The frame as the worker writes it, then a copy with an all-null nullable column (Arrow's
        # null type) and one with its columns in another order, and an empty one.
        speakerless = frame.assign(speaker=None) if "speaker" in frame else frame
        for k, version in enumerate([frame, speakerless, frame[frame.columns[::-1]], frame.iloc[:0]]):
            path = tmp_path / f"{name}-{k}.parquet"
            version.to_parquet(path, index=False)
            assert append_parquet(b, name, path) == write_table(a, name, version) == len(version)
        assert rows(b, name) == rows(a, name)
        assert len(rows(a, name)) == 3 * len(frame)


def test_append_parquet_of_several_files_writes_their_rows_in_order(scored, tmp_path):
    """Several partitions' files in one call: files of another schema than the one before (an
    all-null column, columns in another order, pandas' float64 columns of a file without rows)
    between files of the same schema; the rows are those of the files one by one, in order."""
    import pandas as pd

    for name in BATCH_TABLES:
        frame = scored[name]
        half = len(frame) // 2
        speakerless = frame.iloc[:half].assign(speaker=None) if "speaker" in frame else frame.iloc[:half]
        empty = pd.DataFrame({c: pd.Series([], dtype="float64") for c in frame.columns})
        versions = [frame.iloc[:half], frame.iloc[half:], speakerless, empty, frame[frame.columns[::-1]], frame]
        paths = []
        for k, version in enumerate(versions):
            paths.append(tmp_path / f"{name}-{k}.parquet")
            version.to_parquet(paths[-1], index=False)
        one_by_one, together = duckdb.connect(), duckdb.connect()
        ensure_tables(one_by_one)
        ensure_tables(together)
        assert append_parquet(together, name, paths) == sum(append_parquet(one_by_one, name, p) for p in paths) \
            == sum(len(v) for v in versions)
        assert rows(together, name) == rows(one_by_one, name) and len(rows(together, name)) == 3 * len(frame) + half


def test_append_parquet_of_several_files_writes_nothing_when_one_is_refused(scored, tmp_path):
    con = duckdb.connect()
    ensure_tables(con)
    good, bad = tmp_path / "good.parquet", tmp_path / "bad.parquet"
    scored["mentions"].to_parquet(good, index=False)
    scored["mentions"].drop(columns="term").to_parquet(bad, index=False)
    with pytest.raises(StoreError, match="does not match table 'mentions'") as err:
        append_parquet(con, "mentions", [good, bad])
    assert err.value.where == str(bad)
    assert rows(con, "mentions") == []


@pytest.mark.parametrize("change, message", [
    (lambda f: f.assign(extra_col=1), "extra \\['extra_col'\\]"),
    (lambda f: f.drop(columns="term"), "missing \\['term'\\]"),
    (lambda f: f.assign(start_char=f["start_char"].astype(str)), "wrong type \\['start_char large_string'\\]"),
    (lambda f: f.assign(category=1), "wrong type \\['category int64'\\]"),
])
def test_append_parquet_refuses_a_file_of_another_schema(scored, tmp_path, change, message):
    con = duckdb.connect()
    ensure_tables(con)
    path = tmp_path / "bad.parquet"
    change(scored["mentions"]).to_parquet(path, index=False)
    with pytest.raises(StoreError, match="does not match table 'mentions'") as err:
        append_parquet(con, "mentions", path)
    assert re.search(message, err.value.found)
    assert rows(con, "mentions") == []


def test_append_parquet_refuses_nulls_in_a_not_null_column(scored, tmp_path):
    con = duckdb.connect()
    ensure_tables(con)
    frame = scored["mentions"].copy()
    frame.loc[frame.index[:3], "term"] = None
    path = tmp_path / "nulls.parquet"
    frame.to_parquet(path, index=False)
    with pytest.raises(StoreError, match="null values in NOT NULL column mentions.term") as err:
        append_parquet(con, "mentions", path)
    assert err.value.found == "3 nulls"
    with pytest.raises(StoreError, match="unknown table"):
        append_parquet(con, "no_such_table", path)
    assert rows(con, "mentions") == []


@pytest.mark.parametrize("workdir, by_duckdb", [("memory://fw-append-test", 0), (None, 3 * len(BATCH_TABLES))])
def test_dask_engine_appends_a_local_work_dir_by_duckdb_and_a_url_through_pandas(corpus, tmp_path, monkeypatch,
                                                                                workdir, by_duckdb):
    """A ``memory://`` work dir (shared by the in-process workers of this cluster, unreadable by
    DuckDB) takes the pandas path, a local one DuckDB's (3 partitions x 8 tables' files); both build the
    same tables as the local engine."""
    from distributed import LocalCluster

    from pipelines import engines
    from pipelines import run as run_module

    monkeypatch.setattr(run_module, "SCORE_CHUNK", 20)
    calls = []   # one entry a file appended (several partitions' files may come in one call)

    def counted(con, name, paths):
        calls.extend([name] * (1 if isinstance(paths, (str, Path)) else len(paths)))
        return append_parquet(con, name, paths)

    monkeypatch.setattr(engines, "append_parquet", counted)
    local = run_pipeline(tmp_path / "local.duckdb", [corpus], fresh=True)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        engine = EngineOptions("dask", scheduler=cluster.scheduler_address, workdir=workdir)
        dask = run_pipeline(tmp_path / "dask.duckdb", [corpus], fresh=True, score_options=ScoreOptions(engine=engine))
    assert dask.n_mentions == local.n_mentions > 0 and len(calls) == by_duckdb
    with duckdb.connect(str(tmp_path / "local.duckdb"), read_only=True) as a, \
            duckdb.connect(str(tmp_path / "dask.duckdb"), read_only=True) as b:
        for name in BATCH_TABLES:
            cols = [r[0] for r in a.execute(f'DESCRIBE "{name}"').fetchall() if r[0] not in RUN_COLUMNS]
            select = ", ".join(f'"{c}"' for c in cols)
            assert b.execute(f'SELECT {select} FROM "{name}"').fetchall() == \
                a.execute(f'SELECT {select} FROM "{name}"').fetchall() != []


def test_append_parquet_takes_a_file_without_rows_whatever_its_types(tmp_path):
    """A batch without quotes gives pandas' empty columns (float64, not text): nothing to append,
    not an error (a Dask partition of such articles stopped the run). With rows, those types are refused."""
    import pandas as pd

    articles = pd.DataFrame({"article_id": ["x"], "outlet": ["Reuters"], "title": ["Rain"],
                             "text": ["Rain fell in the north on Monday."], "topics_raw": [None]})
    quotes = score_batch(articles, default_stages())["quotes"]
    assert len(quotes) == 0 and (quotes.dtypes == "float64").any()
    con = duckdb.connect()
    ensure_tables(con)
    path = tmp_path / "empty.parquet"
    quotes.to_parquet(path, index=False)
    assert append_parquet(con, "quotes", path) == 0
    pd.DataFrame({c: [1.0] for c in quotes.columns}).to_parquet(tmp_path / "one.parquet", index=False)
    with pytest.raises(StoreError, match="does not match table 'quotes'"):
        append_parquet(con, "quotes", tmp_path / "one.parquet")
    assert rows(con, "quotes") == []
