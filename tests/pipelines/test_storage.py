import multiprocessing

import pandas as pd
import pytest

from pipelines.errors import StoreError
from pipelines.storage import connect, read_table, write_table, writing


def _frame():
    return pd.DataFrame({"article_id": ["a1"], "topic": ["NATO"], "source": ["query"]})


def test_failed_write_leaves_the_last_good_store(tmp_path):
    store = tmp_path / "s.duckdb"
    with writing(store, fresh=True) as con:
        write_table(con, "article_topics", _frame())
    with pytest.raises(RuntimeError):
        with writing(store) as con:
            write_table(con, "article_topics", _frame())
            raise RuntimeError("killed mid-write")
    con = connect(store)
    assert len(read_table(con, "article_topics")) == 1
    con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.duckdb", "s.duckdb.lock"]


def _hold_lock(store, ready, release):
    with writing(store):
        ready.set()
        release.wait(20)


def test_a_second_writer_is_refused_while_the_first_runs(tmp_path):
    store = tmp_path / "s.duckdb"
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(store, ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        with pytest.raises(StoreError, match="being written by another framewatch run"):
            with writing(store):
                pass
    finally:
        release.set()
        holder.join(20)
    with writing(store) as con:  # free again once the first writer is done
        write_table(con, "article_topics", _frame())
