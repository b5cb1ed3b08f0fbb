"""How a ``run`` ends when it is not a plain success, as a new user met it: a run that stored
nothing exited 0, a binary file was "only a header row", SIGTERM was silent, ``rejects`` said
``FILE:N`` for a data row. Each end has its own exit status and one sentence saying what was kept.

Most tests drive the click group in-process (``test_cli.invoke``); the signal tests run a real
``framewatch run`` that stops at a pause point (:mod:`pipelines.faults`) and get the signal there,
so every signal lands at the same place.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.cli import EXIT_NOTHING_STORED
from pipelines.faults import PAUSE_AT, PAUSE_FILE
from tests.pipelines.test_cli import CORPUS_ROWS, corpus, invoke, query  # noqa: F401 (corpus: a fixture)

REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- a run that stores nothing

def _write(path: Path, data: str | bytes) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


ALL_REJECTED = "outlet,title,body\nA,,\nB,,\n,Title,Some words.\n"


@pytest.mark.parametrize("command", ["run", "ingest"])
def test_a_run_whose_every_record_is_rejected_exits_3_saying_so_and_keeps_the_rejects(tmp_path, command):
    src = _write(tmp_path / "all_rejected.csv", ALL_REJECTED)
    store = tmp_path / "s.duckdb"
    result = invoke(command, "--input", src, "--store", store)
    assert result.exit_code == EXIT_NOTHING_STORED == 3
    assert result.stdout.startswith("ingested 0, duplicates 0, rejected 3")   # the summary line still comes
    assert result.stderr.splitlines()[-1] == (
        f"Error: nothing was stored: 0 of 3 records ingested: 3 rejected (no_text 2, no_outlet 1); "
        f"`framewatch rejects --store {store}` lists why.")
    # ... and what it names lists them: the rejects and the run's row are in the store
    listed = invoke("rejects", "--store", store)
    assert listed.exit_code == 0 and listed.stdout.splitlines()[0] == "3 rejected records: no_text 2, no_outlet 1"
    assert query(store, "SELECT count(*), sum(n_rejected) FROM runs") == [(1, 3)]


@pytest.mark.parametrize("name, data, why", [
    ("header.csv", "outlet,title,body\n", "only a header row"),
    ("blank.csv", "\n\n\n", "only blank lines (3 lines)"),
    ("blank.jsonl", "\n \n", "only blank lines (2 lines)"),
    ("empty.jsonl", "", "the file is empty"),
])
def test_an_input_without_records_exits_3_and_names_the_file_and_why(tmp_path, name, data, why):
    src = _write(tmp_path / name, data)
    result = invoke("run", "--input", src, "--store", tmp_path / "s.duckdb")
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        f"Warning: {src}: {why}; no records read",
        "Error: nothing was stored: the input held no records (the Warning: lines above say why for each file: "
        "empty, only a header row or only blank lines); give a file with a header row and at least one record."]


def test_a_gzip_given_as_a_csv_is_named_for_what_it_is_and_exits_3(tmp_path):
    src = _write(tmp_path / "articles.csv", gzip.compress("\n".join(",".join(r) for r in CORPUS_ROWS).encode(),
                                                          mtime=0))
    store = tmp_path / "s.duckdb"
    result = invoke("run", "--input", src, "--store", store)
    assert result.exit_code == 3
    out = tmp_path / "articles.decompressed.csv"
    assert result.stderr.splitlines() == [
        f"Warning: {src}: not read (unreadable_file): not a text file; expected a CSV file (text); found a "
        f"gzip-compressed file (it starts with the bytes 1f 8b). Fix: decompress it first (gzip -dc {src} > {out}), "
        f"then give {out}",
        f"Error: nothing was stored: 0 of 1 record ingested: 1 rejected (unreadable_file 1); "
        f"`framewatch rejects --store {store}` lists why."]
    assert invoke("rejects", "--store", store).stdout.splitlines()[1].startswith(
        f"{src}\tunreadable_file\tnot a text file;")   # the whole file: no row


def test_a_run_that_stores_something_or_finds_its_records_stored_exits_0(tmp_path, corpus):
    store = tmp_path / "s.duckdb"
    first = invoke("run", "--input", corpus, "--store", store)   # one record rejected, the others stored
    assert first.exit_code == 0 and "Error:" not in first.stderr
    again = invoke("run", "--input", corpus, "--store", store)   # every record a duplicate of a stored one
    assert again.exit_code == 0 and "Error:" not in again.stderr
    assert again.stdout.startswith("ingested 0, duplicates 4, rejected 1,")


def test_the_exit_statuses_are_in_the_help_and_the_readme():
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    for command in ([], ["run"], ["ingest"]):
        text = " ".join(invoke(*command, "--help").stdout.split())
        assert ("Exit status: 0 done; 1 an Error: line, nothing done (the store as it was); 2 a usage error "
                "(click's message); 3 run or ingest stored nothing (every record rejected, or the input held no "
                "records: see `framewatch rejects`); 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP: stopped, the store left "
                "as it was before the command (collect keeps the batches it wrote).") in text, command
    for status in ("status 3", "143", "130"):
        assert status in readme


# --------------------------------------------------------------------------- SIGTERM, SIGHUP and Ctrl-C

def _as_in_a_terminal() -> None:
    """In the child, before exec: SIGINT, SIGTERM and SIGHUP do what they do for a command typed in a terminal.

    A test run started in the background or under ``nohup`` (a CI job) passes on SIGINT and SIGHUP *ignored*, and
    the run keeps a signal ignored from its start (as ``nohup framewatch run`` wants): the signal sent below would
    then do nothing and the test would wait for its timeout."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def _stop_at(point: str, signum: int, store: Path, data: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``framewatch run`` until it reaches *point*, send it *signum*, and return how it ended."""
    marker = tmp_path / f"paused-{point.replace(':', '_')}-{signum}"
    env = dict(os.environ, **{PAUSE_AT: point, PAUSE_FILE: str(marker)})
    proc = subprocess.Popen([sys.executable, "-c", "from pipelines.cli import main; main()", "run",
                             "--input", str(data), "--store", str(store)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_as_in_a_terminal)
    try:
        while not marker.exists():   # waits for the run to get there; no timing is measured
            if proc.poll() is not None:
                pytest.fail(f"the run ended (code {proc.returncode}) before {point}:\n{proc.stderr.read()}")
            time.sleep(0.05)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture
def built(tmp_path, corpus) -> tuple[Path, Path, bytes]:
    """A store built from the tiny corpus, a second input with new articles, and the store's bytes."""
    store = tmp_path / "s.duckdb"
    assert invoke("run", "--input", corpus, "--store", store).exit_code == 0
    more = tmp_path / "more.csv"
    more.write_text("outlet,published,title,body\n" + "".join(
        f"Harbour Herald,2024-03-{d:02d}T09:00:00Z,Day {d},The war games went on for day {d}.\n" for d in range(4, 9)),
        encoding="utf-8")
    return store, more, store.read_bytes()


@pytest.mark.parametrize("point", ["ingest:read", "write:mentions", "store:replace"])
@pytest.mark.parametrize("signum, status, said", [
    (signal.SIGTERM, 143, "Stopped by SIGTERM: "),
    (signal.SIGHUP, 129, "Stopped by SIGHUP: "),
    (signal.SIGINT, 130, "Interrupted: "),   # Ctrl-C, as before: the other two are handled like it
])
def test_a_signal_stops_a_run_saying_so_and_leaves_the_last_good_store(tmp_path, built, point, signum, status, said):
    store, more, before = built
    ended = _stop_at(point, signum, store, more, tmp_path)
    assert ended.returncode == status, ended.stderr
    assert ended.stderr.splitlines()[-1] == f"{said}the store was left as it was before this command."
    assert "Traceback" not in ended.stderr and ended.stdout == ""
    assert store.read_bytes() == before                       # the last good store, byte for byte
    assert not list(tmp_path.glob("s.duckdb.tmp-*"))          # its working copy removed
    assert "ended: " in (tmp_path / "s.duckdb.lock").read_text()   # the lock says the command ended
    assert invoke("run", "--input", more, "--store", store).stderr == ""   # no note of a killed run


def test_a_signal_ignored_from_the_start_stays_ignored(tmp_path, built):
    """``nohup framewatch run ...`` ignores SIGHUP: the run must not start listening to it."""
    store, more, _ = built
    marker = tmp_path / "paused"
    env = dict(os.environ, **{PAUSE_AT: "ingest:read", PAUSE_FILE: str(marker)})
    proc = subprocess.Popen(["nohup", sys.executable, "-c", "from pipelines.cli import main; main()", "run",
                             "--input", str(more), "--store", str(store)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_as_in_a_terminal)   # then nohup ignores SIGHUP, as from a terminal
    try:
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        proc.send_signal(signal.SIGHUP)   # ignored: the run is still paused, and SIGTERM then stops it
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 143 and "Stopped by SIGTERM" in err and "SIGHUP" not in err
