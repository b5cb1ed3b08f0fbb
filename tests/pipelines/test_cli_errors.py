"""Bad ``--store`` paths and bad dates, as a new user meets them: one ``Error:`` line, exit 1, no
traceback and nothing left behind (no lock, no working copy, no folder), or a warning that
counts what it says.

Every command is driven in-process with click's CliRunner, as in ``test_cli.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipelines.errors import StoreError
from pipelines.storage import connect
from tests.pipelines.test_cli import ALL_COMMANDS, corpus, invoke, query  # noqa: F401 (corpus: a fixture)


@pytest.fixture
def articles(corpus: Path) -> Path:
    """The tiny corpus of test_cli.py, ``tmp_path/articles.csv``."""
    return corpus


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _assert_one_error(result, *parts: str) -> None:
    """Exit 1, nothing on stdout, and one ``Error:`` line holding what, expected, found, a fix and *parts*."""
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for part in ("; expected ", "; found ", " Fix: ", *parts):
        assert part in lines[0], (part, lines[0])


# --------------------------------------------------------------------------- the cases found (1-6)

def test_1_a_folder_as_store(tmp_path, articles):
    folder = tmp_path / "somedir"
    folder.mkdir()
    result = invoke("run", "--input", articles, "--store", folder)
    _assert_one_error(result, f"{folder}: the store path is a folder", f"--store {folder / 'news.duckdb'}")
    assert _listing(folder) == []


def test_2_a_store_whose_folder_is_a_file(tmp_path, articles):
    before = articles.read_bytes()
    result = invoke("run", "--input", articles, "--store", articles / "x.duckdb")
    _assert_one_error(result, "a folder in the store's path is a file", f"found '{articles}' is a file")
    assert articles.read_bytes() == before
    assert _listing(tmp_path) == ["articles.csv"]


def test_3_a_folder_that_cannot_be_written(tmp_path, articles):
    # /proc refuses new files even to root, so this holds whoever runs the tests.
    result = invoke("run", "--input", articles, "--store", "/proc/x.duckdb")
    _assert_one_error(result, "/proc/x.duckdb: cannot write the store there", "expected a folder ('/proc')")
    assert not Path("/proc/x.duckdb.lock").exists()
    assert _listing(tmp_path) == ["articles.csv"]


@pytest.mark.parametrize("fresh", [[], ["--fresh"]])
def test_4_an_existing_file_that_is_not_duckdb_is_refused_and_kept(tmp_path, articles, fresh):
    notdb = tmp_path / "notdb.duckdb"
    notdb.write_text("not a database\n")
    result = invoke("run", "--input", articles, "--store", notdb, *fresh)
    _assert_one_error(result, "notdb.duckdb: the file is not a DuckDB store", "found 15 bytes",
                      "never replaced")
    assert notdb.read_text() == "not a database\n"
    assert _listing(tmp_path) == ["articles.csv", "notdb.duckdb"]  # no .tmp-NNNN, no .lock


def test_5_dashboard_on_a_file_that_is_not_a_store(tmp_path, articles):
    result = invoke("dashboard", "--store", articles)
    _assert_one_error(result, f"{articles}: the file is not a DuckDB store")
    # The dashboard's own pages open the store through the same check.
    with pytest.raises(StoreError, match="the file is not a DuckDB store"):
        connect(articles, read_only=True)
    assert _listing(tmp_path) == ["articles.csv"]


@pytest.mark.parametrize("store", ["x.duckdb", "new/deeper/x.duckdb"])
def test_6_a_failed_first_run_leaves_no_lock_no_copy_no_folder(tmp_path, articles, store):
    result = invoke("run", "--input", articles, "--store", tmp_path / store, "--topic-column", "nope")
    _assert_one_error(result, "--topic-column nope", "found 'nope'")
    assert _listing(tmp_path) == ["articles.csv"]


def test_6_a_failed_run_on_a_good_store_leaves_it_as_it_was(tmp_path, articles):
    store = tmp_path / "x.duckdb"
    assert invoke("run", "--input", articles, "--store", store).exit_code == 0
    before = store.read_bytes()
    result = invoke("run", "--input", articles, "--store", store, "--topic-column", "nope")
    _assert_one_error(result, "found 'nope'")
    assert store.read_bytes() == before
    assert not list(tmp_path.glob("x.duckdb.tmp-*"))


# --------------------------------------------------------------------------- every command, one check

STORE_COMMANDS = sorted(path for path, cmd in ALL_COMMANDS if any(p.name == "store" for p in cmd.params))
# What each command needs besides --store to get as far as its options are parsed.
REQUIRED = {("run",): ["--input", "{articles}"], ("ingest",): ["--input", "{articles}"],
            ("export",): ["--out", "{tmp}/out"], ("frames", "apply"): ["--model", "{articles}"]}


def test_the_commands_with_a_store_are_the_expected_ones():
    assert {("run",), ("ingest",), ("score",), ("aggregate",), ("collect",), ("export",), ("dashboard",), ("demo",),
            ("rejects",), ("frames", "apply"), ("topics", "discover")} <= set(STORE_COMMANDS)


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=" ".join)
@pytest.mark.parametrize("bad", ["folder", "through_a_file", "not_duckdb"])
def test_every_command_checks_its_store_the_same_way_before_any_work(tmp_path, articles, command, bad):
    folder = tmp_path / "somedir"
    folder.mkdir()
    store = {"folder": folder, "through_a_file": articles / "x.duckdb", "not_duckdb": articles}[bad]
    message = {"folder": "the store path is a folder", "through_a_file": "a folder in the store's path is a file",
               "not_duckdb": "the file is not a DuckDB store"}[bad]
    extra = [a.format(articles=articles, tmp=tmp_path) for a in REQUIRED.get(command, [])]
    before = _listing(tmp_path)
    result = invoke(*command, *extra, "--store", store)
    _assert_one_error(result, f"{store}: {message}")
    assert _listing(tmp_path) == before  # nothing made: no demo corpus, no export folder, no lock


@pytest.mark.parametrize("command", ["export", "rejects", "dashboard", "topics discover"])
def test_read_only_commands_need_an_existing_store(tmp_path, command):
    extra = ["--out", tmp_path / "out"] if command == "export" else []
    result = invoke(*command.split(), *extra, "--store", tmp_path / "missing.duckdb")
    _assert_one_error(result, "missing.duckdb: no store at this path")
    assert _listing(tmp_path) == []


ONCE = {  # a command line that does its work on a real store ({store}: built by `run`, {demo}: by `demo`; {new}: none)
    "run, new store": ["run", "--input", "{articles}", "--store", "{new}"],
    "run": ["run", "--input", "{articles}", "--store", "{store}"],
    "ingest": ["ingest", "--input", "{articles}", "--store", "{store}"],
    "score": ["score", "--store", "{store}"],
    "aggregate": ["aggregate", "--store", "{store}"],
    "collect": ["collect", "--feeds", "{feeds}", "--store", "{store}", "--rate", "0"],
    "export": ["export", "--store", "{store}", "--out", "{tmp}/out", "--table", "runs"],
    "rejects": ["rejects", "--store", "{store}"],
    "dashboard": ["dashboard", "--store", "{store}"],
    "topics discover": ["topics", "discover", "--store", "{demo}", "-k", "2"],   # the tiny corpus is too small for it
    "demo": ["demo", "--store", "{new}", "--out", "{tmp}/demo", "--articles", "30"],
}


@pytest.mark.parametrize("name", ONCE)
def test_each_command_checks_its_store_once(tmp_path, articles, built, monkeypatch, name):
    """The --store callback checks the path; the store functions given the checked path do not check it again
    (they did: run checked it twice, score four times). Counted at check_path, which every store check calls."""
    import pipelines.storage

    feeds = tmp_path / "feeds.yaml"   # a feed that is switched off: collect reads the store, asks no server
    feeds.write_text("feeds:\n  - outlet: RT\n    url: https://example.org/rss\n    enabled: false\n")
    demo = tmp_path / "demo.duckdb"
    if "{demo}" in ONCE[name]:
        assert invoke("demo", "--store", demo, "--out", tmp_path / "demo_corpus", "--articles", "60").exit_code == 0
    real_check_path, checked = pipelines.storage.check_path, []

    def counting_check_path(path, what, *args, **kwargs):
        checked.append(what)
        return real_check_path(path, what, *args, **kwargs)

    monkeypatch.setattr(pipelines.storage, "check_path", counting_check_path)
    monkeypatch.setattr("pipelines.cli.serve_dashboard", lambda store, port, host: None)  # no server: its checks are the dashboard's
    args = [a.format(articles=articles, store=built, demo=demo, new=tmp_path / "new.duckdb", feeds=feeds, tmp=tmp_path)
            for a in ONCE[name]]
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr
    assert checked == ["the store"]


# --------------------------------------------------------------------------- dates (7) and rejects (8)

def _csv(path: Path, rows: list[tuple]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("outlet", "published", "title", "body"), *rows])
    return path


def test_7_an_impossible_date_is_reported_as_such_not_as_ambiguous(tmp_path):
    source = _csv(tmp_path / "one.csv", [("Harbour Herald", "13/13/2024", "Talks", "The talks stalled again.")])
    store = tmp_path / "s.duckdb"
    result = invoke("run", "--input", source, "--store", store)
    assert result.exit_code == 0, result.stderr
    assert "ambiguous" not in result.stderr
    assert query(store, "SELECT published_at, date_note FROM articles") == [
        (None, "invalid date '13/13/2024': month 13 is out of range in either order (DMY or MDY)")]


def test_7_the_ambiguity_warning_counts_only_the_ambiguous_dates(tmp_path):
    source = _csv(tmp_path / "two.csv", [("Harbour Herald", "13/13/2024", "Talks", "The talks stalled again."),
                                         ("Harbour Herald", "03/04/2024", "Drills", "The drills went on.")])
    result = invoke("run", "--input", source, "--store", tmp_path / "s.duckdb")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "ambiguous" in line]
    assert len(warnings) == 1 and ": 1 numeric date is ambiguous" in warnings[0], result.stderr


def test_8_a_bad_row_says_which_number_is_the_data_row_and_which_the_file_line(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("outlet,published,title,body\n"
                      "Harbour Herald,2024-03-01,Talks,The talks stalled.\n"
                      "Harbour Herald,2024-03-02,Drills,The drills went on.,stray\n"
                      'Harbour Herald,2024-03-03,Port,"Boats stayed\nin port.",stray\n', encoding="utf-8")
    store = tmp_path / "s.duckdb"
    assert invoke("run", "--input", source, "--store", store).exit_code == 0
    listed = invoke("rejects", "--store", store).stdout.splitlines()[1:]
    assert listed == [f"{source} row 2\tbad_row\t5 cells where the header has 4 (file line 3)",
                      f"{source} row 3\tbad_row\t5 cells where the header has 4 (file lines 4-5)"]


def test_9_a_quote_never_closed_is_named_where_it_swallowed_the_lines_after_it(tmp_path):
    """An unclosed quote reads the rest of the file into one cell: the row is short of cells and the reason
    said only that, so the good rows it swallowed went unexplained."""
    source = tmp_path / "quote.csv"
    source.write_text('outlet,published,title,body\nHarbour Herald,2024-03-01,"Talks,The talks stalled.\n'
                      "Harbour Herald,2024-03-02,Drills,The drills went on.\n", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    assert invoke("run", "--input", source, "--store", store).exit_code == 3   # nothing stored: the one row rejected
    listing = invoke("rejects", "--store", store).stdout.splitlines()
    assert listing[0] == "1 rejected record: bad_row 1"
    assert listing[1] == (f"{source} row 1\tbad_row\t3 cells where the header has 4 (file lines 2-3); a "
                          "cell runs from file line 2 to 3: a quote opened there is probably not closed, and the lines "
                          'after it were read into that cell (close the quote; a quote inside a cell is written twice, "")')


# --------------------------------------------------------------------------- output paths, the same check

OUTPUTS = [  # command line before the output option, the option, what the message calls it
    (["export", "--store", "{store}", "--out"], "the export folder"),
    (["demo", "--store", "{tmp}/d.duckdb", "--out"], "the demo corpus folder"),
    (["lexicon", "suggest", "{articles}", "--format", "csv", "--out"], "the candidates file"),
    (["evaluate", "--corpora", "{tmp}", "--out"], "the report"),
    (["frames", "train", "{articles}", "--out"], "the model file"),
    (["frames", "apply", "--model", "{articles}", "--store", "{store}", "--out"], "the predictions file"),
    (["topics", "discover", "--store", "{store}", "--save-to"], "the topics file"),
    (["rejects", "--store", "{store}", "--out"], "the listing file"),
]


@pytest.fixture
def built(tmp_path, articles) -> Path:
    store = tmp_path / "s.duckdb"
    assert invoke("run", "--input", articles, "--store", store).exit_code == 0
    return store


@pytest.mark.parametrize("args, what", OUTPUTS, ids=[" ".join(a[:2]) for a, _ in OUTPUTS])
@pytest.mark.parametrize("bad", ["through_a_file", "unwritable"])
def test_output_paths_are_checked_before_any_work(tmp_path, articles, built, args, what, bad):
    out = {"through_a_file": articles / "x", "unwritable": Path("/proc/x")}[bad]
    message = {"through_a_file": f"a folder in {what}'s path is a file",
               "unwritable": f"cannot write {what} there"}[bad]
    before = _listing(tmp_path)
    result = invoke(*[a.format(store=built, tmp=tmp_path, articles=articles) for a in args], out)
    _assert_one_error(result, f"{out}: {message}", f"e.g. {args[-1]} ")
    assert _listing(tmp_path) == before


def test_an_os_error_no_check_foresaw_is_one_error_line_too(tmp_path, built):
    # export writes <out>/articles.parquet; a folder of that name is found only while writing.
    (tmp_path / "ex" / "articles.parquet").mkdir(parents=True)
    result = invoke("export", "--store", built, "--out", tmp_path / "ex", "--format", "parquet")
    _assert_one_error(result, "articles.parquet: cannot use a file or folder; expected a path the command can read "
                              "or write; found it is a folder, not a file.")
    assert "Errno" not in result.stderr and "IsADirectoryError" not in result.stderr
