"""Crashes: a run killed (SIGKILL) at any point of ingest, score or aggregate leaves the last good
store, and running it again gives the tables an uninterrupted run gives. Same input, lexicon and
settings give identical tables.

The run is a real ``framewatch run`` subprocess. It is stopped at a named pause point
(:mod:`pipelines.faults`: the environment variable ``FRAMEWATCH_TEST_PAUSE_AT``), where it
writes its pid to a file and sleeps; the test then kills it, so every kill lands at the same
place in every run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.loaders import load_store_summary
from pipelines.faults import PAUSE_AT, PAUSE_FILE
from pipelines.run import run_pipeline
from pipelines.schemas import TABLES
from pipelines.storage import connect, read_table

REPO = Path(__file__).resolve().parents[2]

POINTS = [
    # stage, pause point
    ("ingest", "ingest:read"),
    ("ingest", "write:articles"),
    ("ingest", "write:rejects"),
    ("score", "write:lexicon"),
    ("score", "write:mentions"),
    ("score", "write:article_clusters"),
    ("aggregate", "aggregate:deleted"),
    ("aggregate", "write:runs"),
    ("aggregate", "store:replace"),
]
"""Where runs are killed: three points in each stage, from nothing written to the finished copy."""

VOLATILE = {"runs": ["run_id", "started_at", "elapsed_s"]}
"""Columns that differ between two runs of the same input: the run's id and its timing."""

OUTLETS = ["Press TV", "Reuters", "RT"]
SENTENCES = [
    "The regime in Kyiv shelled the town, officials said.",
    "\u201cThe imperialists are waging war games,\u201d the spokesman said.",
    "Western powers discussed the special military operation on Tuesday.",
    "According to the ministry, the puppet regime refused the talks.",
    "Talks on trade and the economy resumed in Geneva.",
]


def _write_corpus(path: Path, first: int, n: int) -> Path:
    """*n* articles, numbered from *first*, over three outlets and ten days, one reject row."""
    rows = []
    for i in range(first, first + n):
        text = " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(1 + i % 4))
        rows.append({"id": f"a{i}", "outlet": OUTLETS[i % 3], "date": f"2024-03-{1 + i % 10:02d}",
                     "title": f"Report {i}", "text": f"{text} Article {i}."})
    rows.append({"id": f"empty{first}", "outlet": "RT", "date": "2024-03-05", "title": "", "text": ""})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def store_tables(store: Path) -> dict[str, pd.DataFrame]:
    """Every declared table of *store*, rows sorted, with run ids and timings left out."""
    con = connect(store)
    try:
        out = {}
        for name in TABLES:
            df = read_table(con, name)
            df = df.drop(columns=[c for c in df.columns if c == "run_id" or c in VOLATILE.get(name, [])])
            # list cells (article_counts' per-category counts) sort as tuples
            key = df.apply(lambda col: col.map(lambda v: tuple(v) if isinstance(v, (list, np.ndarray)) else v)
                           if col.dtype == object else col)
            out[name] = df.loc[key.sort_values(list(key.columns)).index].reset_index(drop=True) if len(df) else df
        return out
    finally:
        con.close()


def assert_same_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=True, obj=f"table {name}")


def _kill_at(point: str, store: Path, data: Path, tmp_path: Path) -> int:
    """Start ``framewatch run`` on *store*, wait until it reaches *point*, SIGKILL it; return its pid."""
    marker = tmp_path / f"paused-{point.replace(':', '_')}"
    env = dict(os.environ, **{PAUSE_AT: point, PAUSE_FILE: str(marker)})
    proc = subprocess.Popen([sys.executable, "-c", "from pipelines.cli import main; main()", "run",
                             "--input", str(data), "--store", str(store)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the run ended (code {proc.returncode}) before pause point {point}:\n{err.decode()}")
        assert time.monotonic() < deadline, f"the run did not reach {point} within 120 s"
        time.sleep(0.05)
    assert int(marker.read_text()) == proc.pid
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return proc.pid


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The first input's store (the last good one), and the store after the second input, uninterrupted."""
    tmp = tmp_path_factory.mktemp("crash")
    first, second = _write_corpus(tmp / "first.csv", 0, 60), _write_corpus(tmp / "second.csv", 60, 60)
    good = tmp / "good.duckdb"
    run_pipeline(good, [first])
    uninterrupted = tmp / "uninterrupted.duckdb"
    shutil.copyfile(good, uninterrupted)
    run_pipeline(uninterrupted, [second])
    return {"good": good, "second": second, "good_tables": store_tables(good),
            "after": store_tables(uninterrupted)}


@pytest.mark.parametrize("stage, point", POINTS, ids=[p for _, p in POINTS])
def test_a_run_killed_leaves_the_last_good_store_and_a_rerun_completes_it(runs, tmp_path, stage, point):
    store = tmp_path / "store.duckdb"
    shutil.copyfile(runs["good"], store)
    before = store.read_bytes()
    killed = _kill_at(point, store, runs["second"], tmp_path)
    # The store is the last good one, byte for byte; the killed run's working copy is left over.
    assert store.read_bytes() == before
    assert [p.name for p in tmp_path.glob("store.duckdb.tmp-*")]
    assert_same_tables(store_tables(store), runs["good_tables"])
    summary = load_store_summary(str(store), 0)
    assert summary["n_articles"] == 60 and summary["outlets"] == sorted(OUTLETS)
    # Running it again finishes with what an uninterrupted run gives, cleans up, and says the last run was killed.
    rerun = run_pipeline(store, [runs["second"]])
    assert_same_tables(store_tables(store), runs["after"])
    assert not list(tmp_path.glob("store.duckdb.tmp-*"))
    assert len(rerun.notes) == 1 and f"(pid {killed} on " in rerun.notes[0]
    assert rerun.notes[0].endswith("never ended (killed?); the store is the last good one it found; "
                                   "the working copy it left was removed")


def test_a_killed_runs_working_copy_wal_and_spill_folder_are_removed_by_the_next_run(runs, tmp_path):
    store = tmp_path / "store.duckdb"
    shutil.copyfile(runs["good"], store)
    left = [tmp_path / "store.duckdb.tmp-99999", tmp_path / "store.duckdb.tmp-99999.wal"]
    for f in left:
        f.write_bytes(b"left by a killed run")
    spill = tmp_path / "store.duckdb.tmp-99999.tmp"       # DuckDB's temp_directory of that working copy
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"\0" * 1024)
    run_pipeline(store, [runs["second"]])
    assert_same_tables(store_tables(store), runs["after"])
    assert not list(tmp_path.glob("store.duckdb.tmp-*"))


def test_the_second_input_changed_the_store(runs):
    # Guards the test above: a kill that left the store as it was must differ from a finished run.
    assert len(runs["after"]["articles"]) == 120 and len(runs["good_tables"]["articles"]) == 60
    assert len(runs["after"]["mentions"]) > len(runs["good_tables"]["mentions"]) > 0
    assert len(runs["after"]["rejects"]) == 2


def test_same_input_lexicon_and_settings_give_identical_tables(runs, tmp_path):
    first, second = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    for store in (first, second):
        run_pipeline(store, [runs["second"]], fresh=True)
    a, b = store_tables(first), store_tables(second)
    assert_same_tables(a, b)
    assert all(len(a[name]) for name in ("articles", "mentions", "quotes", "article_scores", "daily", "runs"))
