import contextlib
import fcntl
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipelines.errors import StoreError
from pipelines.faults import PAUSE_AT, PAUSE_FILE
from pipelines.storage import LOCK_NOTE, connect, lock_holder, read_table, write_table, writing

ROOT = Path(__file__).resolve().parents[2]


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


@contextlib.contextmanager
def _writer_in_another_process(store):
    """A forked process writing *store* (holding its lock) for the ``with`` block; yields the process."""
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(store, ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        yield holder
    finally:
        release.set()
        holder.join(20)


def test_a_second_writer_is_refused_while_the_first_runs(tmp_path):
    store = tmp_path / "s.duckdb"
    with _writer_in_another_process(store):
        with pytest.raises(StoreError, match="being written by another framewatch run"):
            with writing(store):
                pass
    with writing(store) as con:  # free again once the first writer is done
        write_table(con, "article_topics", _frame())


def test_the_lock_file_says_what_it_is_and_who_holds_it(tmp_path):
    store = tmp_path / "s.duckdb"
    lock = tmp_path / "s.duckdb.lock"
    with _writer_in_another_process(store) as holder:
        text = lock.read_text(encoding="utf-8")
        assert text.startswith(LOCK_NOTE) and "not a sign of a crash" in text and "Safe to leave" in text
        held = lock_holder(text)
        assert held["pid"] == str(holder.pid) and held["host"] == socket.gethostname()
        assert held["command"] and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", held["started"])
        assert "finished" not in held
        with pytest.raises(StoreError) as err:
            with writing(store):
                pass
        message = str(err.value)
        assert (f"found a lock held by pid {holder.pid} on {held['host']} "
                f"({held['command']}, started {held['started']})") in message
        assert "no longer running" not in message and "do not delete it" in message
    after = lock_holder(lock.read_text(encoding="utf-8"))
    assert after["pid"] == str(holder.pid) and after["ended"].endswith("(the lock is free)")
    notes = []
    with writing(store, notes=notes):   # the last writer ended: nothing to say
        pass
    assert notes == []


_KILLED_WRITER = """
import sys
from pipelines.storage import writing
with writing(sys.argv[1]):
    pass   # pauses at store:replace, where the test kills it
"""


def test_the_next_writer_notes_that_the_last_one_never_ended(tmp_path):
    store = tmp_path / "s.duckdb"
    with writing(store, fresh=True) as con:
        write_table(con, "article_topics", _frame())
    marker = tmp_path / "paused"
    env = dict(os.environ, **{PAUSE_AT: "store:replace", PAUSE_FILE: str(marker)})
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(store)], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the writer did not reach its pause point"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert "ended" not in lock_holder((tmp_path / "s.duckdb.lock").read_text(encoding="utf-8"))
    notes = []
    with writing(store, notes=notes):
        pass
    assert len(notes) == 1
    assert notes[0].startswith(f"the last command that wrote this store (pid {proc.pid} on "
                               f"{socket.gethostname()} (-c {store}, started ")
    assert notes[0].endswith(") never ended (killed?); the store is the last good one it found; "
                             "the working copy it left was removed")
    assert not list(tmp_path.glob("s.duckdb.tmp-*"))
    (tmp_path / "s.duckdb.lock").write_text(str(proc.pid))   # an older framewatch's lock file: only a pid
    notes = []
    with writing(store, notes=notes):
        pass
    assert notes == []


def test_a_lock_held_after_its_pid_died_says_so(tmp_path):
    """The OS lock outlives the pid written in the file only when a process that pid started still
    holds it (e.g. one that inherited the file); the error says so instead of naming a dead run."""
    store = tmp_path / "s.duckdb"
    with writing(store, fresh=True) as con:
        write_table(con, "article_topics", _frame())
    dead = subprocess.Popen(["true"])
    dead.wait()
    with open(tmp_path / "s.duckdb.lock", "a+") as fh:   # another open file: flock conflicts even in one process
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fh.seek(0)
        fh.truncate()
        fh.write(f"{LOCK_NOTE}\npid: {dead.pid}\nhost: {socket.gethostname()}\ncommand: framewatch run\n"
                 "started: 2026-01-01T00:00:00Z\n")
        fh.flush()
        with pytest.raises(StoreError, match=f"pid {dead.pid} is no longer running, so a process it started"):
            with writing(store):
                pass
    with writing(store):   # the lock released: the next run takes it
        pass


def test_a_lock_file_of_an_older_framewatch_holds_only_the_pid():
    assert lock_holder("12345\n") == {"pid": "12345"}
    assert lock_holder("") == {}
    assert lock_holder(f"{LOCK_NOTE}\npid: 7\nfinished: 2026-12-01T02:02:04Z (the lock is free)\n") == {
        "pid": "7", "ended": "2026-12-01T02:02:04Z (the lock is free)"}   # an earlier name of 'ended'
