"""The ``framewatch`` command line, end to end on tiny hand-written corpora.

Most tests drive the click group in-process with :class:`click.testing.CliRunner`; one runs
the installed ``framewatch`` script, and the atomic-write test kills a real ``framewatch run``
mid-write. No test here starts a server.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import duckdb
import pytest
from click.testing import CliRunner

from pipelines.cli import dashboard_command, main
from pipelines.schemas import ALL, ALL_TOPICS, TABLES

FRAMEWATCH = Path(sys.executable).with_name("framewatch")
SUMMARY_RE = re.compile(r"^ingested (\d+), duplicates (\d+), rejected (\d+), mentions (\d+) in (\d+) articles"
                        r"(?: \(the whole store, scored again\))?, elapsed (\d+\.\d)s$")


def _runner() -> CliRunner:
    # click < 8.2 mixes stderr into output unless told not to; 8.2+ always keeps it apart.
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


def invoke(*args: str, input: str | None = None):
    return _runner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def summary_counts(stdout: str) -> dict[str, int]:
    """The one summary line as {ingested, duplicates, rejected, mentions}; fails on anything else."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected exactly one summary line, got {lines!r}"
    m = SUMMARY_RE.match(lines[0])
    assert m, f"summary line does not match {SUMMARY_RE.pattern!r}: {lines[0]!r}"
    return dict(zip(("ingested", "duplicates", "rejected", "mentions"), map(int, m.groups()[:4])))


def query(store: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# --------------------------------------------------------------------------- tiny corpus

# Two invented outlets. Row 1: a loaded term inside curly quotes (quoted). Row 2: one after
# "X said that" (attributed). Row 3: one in the outlet's own sentence (outlet). Row 4: no
# title and no text (rejected). Row 5: an exact copy of row 3 (duplicate).
CORPUS_ROWS = [
    ("outlet", "published", "title", "body", "url"),
    ("Harbour Herald", "2024-03-01T09:00:00Z", "Talks stall",
     "The minister described the neighbours as a \u201cpuppet regime\u201d on Monday. Delegates left early.",
     "https://herald.example/a1"),
    ("Harbour Herald", "2024-03-02T10:00:00Z", "Drills",
     "Officials said that the war games would continue next week. Observers watched from the hills.",
     "https://herald.example/a2"),
    ("Northern Courier", "2024-03-02T11:00:00Z", "Editorial",
     "The imperialists have learnt nothing, this newspaper believes. Fishing boats stayed in port.",
     "https://courier.example/b1"),
    ("Northern Courier", "2024-03-03T12:00:00Z", "", "", "https://courier.example/b2"),
    ("Northern Courier", "2024-03-02T11:00:00Z", "Editorial",
     "The imperialists have learnt nothing, this newspaper believes. Fishing boats stayed in port.",
     "https://courier.example/b1"),
]
EXPECTED_VOICES = {"puppet regime": "quoted", "war games": "attributed", "imperialists": "outlet"}

LEXICON_CSV = """term,category,counterpart,lang
puppet regime,delegitimising,government,en
war games,militarised,military exercises,en
imperialists,pejorative,,en
"""

# Words no shipped lexicon lists: matched only when this file is loaded.
NOVEL_LEXICON_CSV = "term,category\nfishing boats,test_only\nobservers,test_only\ndelegates,test_only\n"

ARTICLE_TXT = (
    "The minister described the neighbours as a \u201cpuppet regime\u201d on Monday. "
    "Officials said that the war games would continue next week. "
    "The imperialists have learnt nothing, this newspaper believes.\n"
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "articles.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(CORPUS_ROWS)
    return path


@pytest.fixture
def lexicon_file(tmp_path: Path) -> Path:
    path = tmp_path / "lexicon.csv"
    path.write_text(LEXICON_CSV, encoding="utf-8")
    return path


@pytest.fixture
def bad_lexicon(tmp_path: Path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text("term,category,ignore\nwar games,militarised_language,false\npuppet regime,delegitimising_label,maybe\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path: Path, corpus: Path, lexicon_file: Path) -> Path:
    """A good store built from the tiny corpus with the tiny lexicon."""
    path = tmp_path / "store" / "fw.duckdb"
    result = invoke("run", "--input", corpus, "--store", path, "--lexicon", lexicon_file)
    assert result.exit_code == 0, result.stderr
    return path


# --------------------------------------------------------------------------- help and examples

def _commands(group: click.Group, path: tuple[str, ...] = ()):
    yield path, group
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, path + (name,))
        else:
            yield path + (name,), cmd


ALL_COMMANDS = list(_commands(main))
ISSUE_COMMANDS = {("run",), ("ingest",), ("score",), ("aggregate",), ("explain",), ("dashboard",), ("demo",),
                  ("export",), ("rejects",), ("lexicon", "check")}


def test_every_command_named_in_the_issue_exists():
    assert ISSUE_COMMANDS <= {path for path, _ in ALL_COMMANDS}


@pytest.mark.parametrize("path", [p for p, _ in ALL_COMMANDS], ids=lambda p: " ".join(p) or "framewatch")
def test_help_ends_with_an_example_of_the_command(path):
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.stderr
    last = [line for line in result.stdout.splitlines() if line.strip()][-1].strip()
    assert last.startswith(" ".join(("Example: framewatch",) + path)), (
        f"`framewatch {' '.join(path)} --help` must end with a one-line example; it ends with {last!r}")


@pytest.mark.parametrize("path", [p for p, c in ALL_COMMANDS if p and not isinstance(c, click.Group)],
                         ids=lambda p: " ".join(p))
def test_every_option_has_help_text(path):
    cmd = main
    for name in path:
        cmd = cmd.commands[name]
    undocumented = [p.name for p in cmd.params if isinstance(p, click.Option) and not p.help]
    assert not undocumented, f"`framewatch {' '.join(path)}` options without help: {undocumented}"


@pytest.mark.parametrize("group_path", [p for p, c in ALL_COMMANDS if isinstance(c, click.Group)],
                         ids=lambda p: " ".join(p) or "framewatch")
def test_every_command_is_listed_in_its_groups_help(group_path):
    group = main
    for name in group_path:
        group = group.commands[name]
    listed = invoke(*group_path, "--help").stdout
    for name in group.commands:
        assert re.search(rf"^\s+{re.escape(name)}\s", listed, re.M), f"{name!r} missing from --help"


def test_installed_script_runs_as_a_real_process():
    proc = subprocess.run([str(FRAMEWATCH), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Example: framewatch" in proc.stdout
    version = subprocess.run([str(FRAMEWATCH), "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("framewatch")


# --------------------------------------------------------------------------- run

def test_run_prints_one_summary_line_with_the_right_counts(store, tmp_path, corpus, lexicon_file):
    again = tmp_path / "again.duckdb"
    result = invoke("run", "--input", corpus, "--store", again, "--lexicon", lexicon_file)
    assert result.exit_code == 0, result.stderr
    assert summary_counts(result.stdout) == {"ingested": 3, "duplicates": 1, "rejected": 1, "mentions": 3}
    (n_input, n_ingested, n_dup, n_rej, n_men), = query(
        again, "SELECT n_input, n_ingested, n_duplicates, n_rejected, n_mentions FROM runs WHERE stage = 'run'")
    assert n_input == 5 == n_ingested + n_dup + n_rej
    assert (n_ingested, n_dup, n_rej, n_men) == (3, 1, 1, 3)
    assert query(again, "SELECT count(*), sum(n_copies) FROM articles") == [(3, 4)]
    assert query(again, "SELECT reason FROM rejects") == [("no_text",)]


def test_run_gives_each_mention_its_voice(store):
    rows = query(store, "SELECT m.term, m.voice, m.speaker, a.text, m.start_char, m.end_char, m.text "
                        "FROM mentions m JOIN articles a USING (article_id)")
    assert {term: voice for term, voice, *_ in rows} == EXPECTED_VOICES
    for term, voice, speaker, text, start, end, matched in rows:
        assert text[start:end] == matched
    assert {t: s for t, _, s, *_ in rows}["war games"] == "Officials"


def test_run_store_is_dashboard_ready(store):
    per_outlet = dict(query(store, "SELECT outlet, sum(n_articles) FROM daily WHERE topic = ? AND category = ? "
                                   "AND voice = ? GROUP BY 1", [ALL_TOPICS, ALL, ALL]))
    assert per_outlet == {"Harbour Herald": 2, "Northern Courier": 1}


def test_run_with_the_builtin_lexicon(tmp_path, corpus):
    result = invoke("run", "--input", corpus, "--store", tmp_path / "b.duckdb")
    assert result.exit_code == 0, result.stderr
    counts = summary_counts(result.stdout)
    assert counts["mentions"] >= 3
    voices = dict(query(tmp_path / "b.duckdb", "SELECT term, voice FROM mentions"))
    assert {t: voices.get(t) for t in EXPECTED_VOICES} == EXPECTED_VOICES


def test_run_again_folds_everything_into_duplicates(store, corpus, lexicon_file):
    result = invoke("run", "--input", corpus, "--store", store, "--lexicon", lexicon_file)
    assert summary_counts(result.stdout) == {"ingested": 0, "duplicates": 4, "rejected": 1, "mentions": 3}
    assert query(store, "SELECT count(*) FROM articles") == [(3,)]
    # the mentions are the whole store's, every article scored again: the line says so
    assert ", mentions 3 in 3 articles (the whole store, scored again), elapsed " in result.stdout


def test_a_run_after_a_killed_one_says_so_on_stderr(tmp_path, corpus):
    from pipelines.storage import LOCK_NOTE

    store = tmp_path / "s.duckdb"
    assert invoke("run", "--input", corpus, "--store", store).exit_code == 0
    # What a run killed with SIGKILL leaves: its lock file without an 'ended' line (the OS lock is gone)
    gone = subprocess.Popen(["true"])
    gone.wait()
    (tmp_path / "s.duckdb.lock").write_text(f"{LOCK_NOTE}\npid: {gone.pid}\ncommand: framewatch run --input x.csv\n"
                                            "started: 2026-01-02T03:04:05Z\n", encoding="utf-8")
    result = invoke("run", "--input", corpus, "--store", store)
    assert result.exit_code == 0, result.stderr
    assert (f"Note: the last command that wrote this store (pid {gone.pid} (framewatch run --input x.csv, started "
            "2026-01-02T03:04:05Z)) never ended (killed?); the store is the last good one it found\n") in result.stderr
    assert "Note:" not in invoke("run", "--input", corpus, "--store", store).stderr   # that run ended


def test_the_summary_line_says_what_was_scored_and_which_articles_have_no_body(tmp_path):
    articles = tmp_path / "a.csv"
    articles.write_text("outlet,published,title,body\n"
                        "Harbour Herald,2024-03-01,Puppet regime holds war games,The puppet regime held war games.\n"
                        "Harbour Herald,2024-03-02,Photo: war games at sea,\n", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    ingested = invoke("ingest", "--input", articles, "--store", store)
    assert ingested.exit_code == 0, ingested.stderr
    assert ingested.stdout.startswith("ingested 2 (1 without a body: title and lead only), duplicates 0, rejected 0, "
                                      "not scored yet (`framewatch score`, then `framewatch aggregate`), elapsed ")
    assert "mentions" not in ingested.stdout
    assert query(store, "SELECT text_origin, count(*) FROM articles GROUP BY 1 ORDER BY 1") == [
        ("body", 1), ("title+lead", 1)]
    fresh = invoke("run", "--input", articles, "--store", tmp_path / "r.duckdb")
    n_mentions = query(tmp_path / "r.duckdb", "SELECT count(*) FROM mentions")[0][0]
    assert fresh.stdout.startswith(f"ingested 2 (1 without a body: title and lead only), duplicates 0, rejected 0, "
                                   f"mentions {n_mentions} in 2 articles, elapsed ")


@pytest.mark.parametrize("command", ["run", "ingest"])
def test_missing_input_path_is_an_error_and_the_store_is_kept(store, tmp_path, command):
    # A typo in --input must not give exit 0 -- with --fresh it would replace a good store with an empty one.
    before = store.read_bytes()
    result = invoke(command, "--input", tmp_path / "nope.csv", "--store", store, "--fresh")
    assert result.exit_code != 0
    assert result.stderr.startswith("Usage:") or result.stderr.startswith("Error: ")
    assert "Error: " in result.stderr and "nope.csv" in result.stderr
    assert "Traceback" not in result.stderr
    assert store.read_bytes() == before


# --------------------------------------------------------------------------- lexicons

def _assert_names_file_line_column(stderr: str, path: Path, line: int, column: str) -> None:
    assert stderr.startswith("Error: "), stderr
    assert path.name in stderr
    assert f"line {line}" in stderr
    assert f"column '{column}'" in stderr
    assert "expected" in stderr and "found" in stderr
    assert "Traceback" not in stderr


def test_run_with_a_bad_lexicon_fails_and_leaves_the_store_as_it_was(store, corpus, bad_lexicon):
    before_bytes, before_mtime = store.read_bytes(), store.stat().st_mtime_ns
    result = invoke("run", "--input", corpus, "--store", store, "--lexicon", bad_lexicon)
    assert result.exit_code == 1
    _assert_names_file_line_column(result.stderr, bad_lexicon, 3, "ignore")
    assert "'maybe'" in result.stderr
    assert result.stdout == ""
    assert store.read_bytes() == before_bytes and store.stat().st_mtime_ns == before_mtime
    assert not list(store.parent.glob("*.tmp-*"))


def test_lexicon_check_good_file(lexicon_file):
    result = invoke("lexicon", "check", lexicon_file)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: 3 terms in 3 categories (delegitimising, militarised, pejorative), "
                                    "version lex-")


def test_lexicon_check_builtin_file():
    builtin = Path(__file__).resolve().parents[2] / "data" / "lexicon" / "loaded_wording.csv"
    result = invoke("lexicon", "check", builtin)
    assert result.exit_code == 0, result.stderr
    # Terms and stop phrases counted apart, as README's Lexicon section counts them: the same numbers.
    m = re.match(r"ok: (\d+) terms in 10 categories \(.*\), with (\d+) variant spellings; (\d+) stop phrases "
                 r"\((\d+) entries in all\), version lex-", result.stdout)
    assert m, result.stdout
    terms, variants, stops, entries = map(int, m.groups())
    assert terms + stops == entries
    with builtin.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert entries == len(rows) and stops == sum(r["ignore"].strip().lower() == "true" for r in rows)
    readme = " ".join((builtin.parents[2] / "README.md").read_text(encoding="utf-8").split())
    assert f"{terms} terms in 10 categories" in readme and f"plus {stops} stop phrases" in readme
    assert f"{variants} variant spellings" in readme


def test_lexicon_check_bad_file(bad_lexicon):
    result = invoke("lexicon", "check", bad_lexicon)
    assert result.exit_code == 1
    _assert_names_file_line_column(result.stderr, bad_lexicon, 3, "ignore")


@pytest.mark.parametrize("content, line, column", [
    ("term,category\nwar games,militarised_language\n,empty\n", 3, "term"),
    ("term,category\nwar games,militarised_language\nbad*term,x\n", 3, "term"),
    ("term,variants\nwar games,war-games|***\n", 2, "variants"),
])
def test_lexicon_check_names_line_and_column(tmp_path, content, line, column):
    path = tmp_path / "lex.csv"
    path.write_text(content, encoding="utf-8")
    result = invoke("lexicon", "check", path)
    assert result.exit_code == 1
    _assert_names_file_line_column(result.stderr, path, line, column)


def test_lexicon_check_missing_file(tmp_path):
    result = invoke("lexicon", "check", tmp_path / "nope.csv")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "nope.csv" in result.stderr


def test_lexicon_check_reports_every_fault_of_every_file_in_one_pass(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("term,category,ignore\nwar games,militarised_language,\n,empty,\nbad*term,x,maybe\n"
                   "war-games,euphemism,\ntoo,many,cells,here\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("term\nregime\n", encoding="utf-8")
    result = invoke("lexicon", "check", bad, good, tmp_path / "nope.csv")
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert [line.split(": ", 2)[1] for line in lines[:-1]] == [
        f"{bad}, line 3, column 'term'", f"{bad}, line 4, column 'term'", f"{bad}, line 4, column 'ignore'",
        f"{bad}, line 5", f"{bad}, line 6", str(tmp_path / "nope.csv")]
    assert all(line.startswith("Error: ") and "expected" in line and "found" in line and "Fix:" in line
               for line in lines[:-1])
    assert lines[-1] == "6 errors in 2 of 3 lexicon files; nothing was changed"


def test_lexicon_check_caps_the_errors_printed_per_file(tmp_path):
    path = tmp_path / "stars.csv"
    path.write_text("term\n" + "".join(f"bad*{i}\n" for i in range(60)), encoding="utf-8")
    result = invoke("lexicon", "check", path)
    errors = [line for line in result.stderr.splitlines() if "'*' inside a term" in line]
    assert result.exit_code == 1 and len(errors) == 50 and "line 51," in errors[-1]
    assert f"Error: ... and 10 more in {path} (--max-errors 0 prints every one)" in result.stderr
    assert result.stderr.splitlines()[-1] == "60 errors in 1 of 1 lexicon file; nothing was changed"
    every = invoke("lexicon", "check", "--max-errors", "0", path)
    assert every.exit_code == 1 and every.stderr.count("'*' inside a term") == 60 and "more in" not in every.stderr


def test_lexicon_check_warnings_are_capped_by_max_errors_too(tmp_path):
    path = tmp_path / "repeats.csv"
    path.write_text("term\n" + "regime\n" * 31, encoding="utf-8")
    result = invoke("lexicon", "check", "--max-errors", "5", path)
    assert result.exit_code == 0 and result.stdout.startswith("ok: 1 term in 1 category (loaded), version")
    assert result.stderr.count("'regime' repeats line 2; kept once") == 5
    assert result.stderr.splitlines()[-1] == "Warning: ... and 25 more (--max-errors 0 prints every one)"
    assert invoke("lexicon", "check", "--max-errors", "0", path).stderr.count("repeats line 2") == 30


def test_run_stops_on_a_bad_lexicon_naming_its_first_problem_and_how_to_list_the_rest(tmp_path, corpus):
    bad = tmp_path / "bad.csv"
    bad.write_text("term,ignore\n,true\nx*y,\nok,maybe\nregime,\n", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    result = invoke("run", "--input", corpus, "--store", store, "--lexicon", bad)
    assert result.exit_code == 1 and not store.exists()
    assert result.stderr.startswith(f"Error: {bad}, line 2, column 'term': empty term;")
    assert f"(2 more problems in the lexicon files; `framewatch lexicon check {bad}` lists every one)" in result.stderr


YAML_ONE_PROBLEM = "entries:\n  - term: puppet regime\n    category: pejorative_label\n    category: euphemism\n"
YAML_TWO_PROBLEMS = YAML_ONE_PROBLEM + "  - term: war games\n    note: a\n    note: b\n"


@pytest.mark.parametrize("option", ["--lexicon", "--extra-lexicon"])
@pytest.mark.parametrize("text, more", [(YAML_ONE_PROBLEM, None), (YAML_TWO_PROBLEMS, "1 more problem in")])
def test_run_counts_the_lexicon_problems_after_the_first_with_either_option(tmp_path, corpus, option, text, more):
    # a file whose only entry is bad has no terms left, but that is no problem of its own:
    # lexicon check lists one, so "1 more" was one too many (round 15, item 3)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    result = invoke("run", "--input", corpus, "--store", tmp_path / "s.duckdb", option, bad)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bad}, line 4: key 'category' is given twice;")
    assert "has no terms" not in result.stderr
    if more is None:
        assert "more problem" not in result.stderr
    else:
        assert f"({more} the lexicon files; `framewatch lexicon check " in result.stderr
        assert f"{bad}` lists every one)" in result.stderr
    checked = invoke("lexicon", "check", bad)
    assert f"{1 if more is None else 2} error" in checked.stderr + checked.output


def test_term_only_csv_is_valid_with_category_loaded(tmp_path):
    path = tmp_path / "terms.csv"
    path.write_text("term\nwar games\npuppet regime\n", encoding="utf-8")
    result = invoke("lexicon", "check", path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: 2 terms in 1 category (loaded), version")


def test_yaml_lexicon_is_valid(tmp_path):
    path = tmp_path / "terms.yaml"
    path.write_text("entries:\n  - term: war games\n    category: militarised\n    variants: [war-games]\n"
                    "  - term: puppet regime\n    category: delegitimising\n", encoding="utf-8")
    result = invoke("lexicon", "check", path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: 2 terms in 2 categories (delegitimising, militarised), with 1 variant "
                                    "spelling, version")


def test_extra_lexicon_columns_are_kept(store):
    extras = {term: json.loads(extra) for term, extra in query(store, "SELECT term, extra FROM lexicon")}
    assert extras == {t: {"lang": "en"} for t in EXPECTED_VOICES}


def test_lexicon_replaces_and_extra_lexicon_adds(tmp_path, corpus):
    novel = tmp_path / "novel.csv"
    novel.write_text(NOVEL_LEXICON_CSV, encoding="utf-8")
    builtin = summary_counts(invoke("run", "--input", corpus, "--store", tmp_path / "1.duckdb").stdout)
    instead = summary_counts(invoke("run", "--input", corpus, "--store", tmp_path / "2.duckdb",
                                    "--lexicon", novel).stdout)
    beside = summary_counts(invoke("run", "--input", corpus, "--store", tmp_path / "3.duckdb",
                                   "--extra-lexicon", novel).stdout)
    # "Delegates", "Observers", "Fishing boats": one each in the three stored articles.
    assert instead["mentions"] == 3
    assert beside["mentions"] == builtin["mentions"] + instead["mentions"]
    assert query(tmp_path / "2.duckdb", "SELECT DISTINCT category FROM mentions") == [("test_only",)]


# --------------------------------------------------------------------------- explain

@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE_TXT, encoding="utf-8")
    return path


def _check_explanation(data: dict) -> None:
    assert set(data) == {"outlet", "published_at", "n_words", "text", "mentions", "name_hits"}
    assert data["n_words"] > 20
    for m in data["mentions"]:
        assert set(m) == {"start", "end", "text", "term", "category", "voice", "speaker"}
        assert data["text"][m["start"]:m["end"]] == m["text"]
        assert m["voice"] in ("outlet", "quoted", "attributed")
    voices = {m["term"]: m["voice"] for m in data["mentions"]}
    assert {t: voices.get(t) for t in EXPECTED_VOICES} == EXPECTED_VOICES


def test_explain_json(article, lexicon_file):
    result = invoke("explain", article, "--outlet", "Harbour Herald", "--date", "2024-03-01", "--json",
                    "--lexicon", lexicon_file)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    _check_explanation(data)
    assert data["outlet"] == "Harbour Herald"
    assert data["published_at"].startswith("2024-03-01")
    assert len(data["mentions"]) == 3
    speakers = {m["term"]: m["speaker"] for m in data["mentions"]}
    assert speakers["war games"] == "Officials" and speakers["imperialists"] is None


def test_explain_json_with_builtin_lexicon(article):
    result = invoke("explain", article, "--json")
    assert result.exit_code == 0, result.stderr
    _check_explanation(json.loads(result.stdout))


def test_explain_reads_stdin():
    result = invoke("explain", "-", "--json", input=ARTICLE_TXT)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    _check_explanation(data)
    assert data["published_at"] is None


def test_explain_marks_voices_for_a_person(article, lexicon_file):
    result = invoke("explain", article, "--lexicon", lexicon_file)
    assert result.exit_code == 0, result.stderr
    assert "\u201c{puppet regime}\u201d" in result.stdout
    assert "<war games>" in result.stdout
    assert "[imperialists]" in result.stdout
    assert "\033[" not in result.stdout  # no colours when not on a terminal


def test_explain_missing_file(tmp_path):
    result = invoke("explain", tmp_path / "nope.txt", "--json")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "nope.txt" in result.stderr


@pytest.mark.parametrize("date, expected", [
    ("2024-03-01", "2024-03-01T00:00:00Z"),
    ("2024-03-01T10:00:00+02:00", "2024-03-01T08:00:00Z"),
    ("8 July 2024", "2024-07-08T00:00:00Z"),
])
def test_explain_date_is_a_utc_instant(article, date, expected):
    result = invoke("explain", article, "--date", date, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["published_at"] == expected


@pytest.mark.parametrize("date, found", [
    ("notadate", "not a date format"),
    ("2024-13-45", "month 13 is out of range"),
    ("05/06/2024", "ambiguous"),
])
def test_explain_bad_date_is_an_error_not_dropped(article, date, found):
    result = invoke("explain", article, "--date", date, "--json")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: --date {date!r}")
    assert "expected an ISO 8601 date" in result.stderr and found in result.stderr
    assert result.stdout == ""


def test_explain_bad_lexicon(article, bad_lexicon):
    result = invoke("explain", article, "--lexicon", bad_lexicon)
    assert result.exit_code == 1
    _assert_names_file_line_column(result.stderr, bad_lexicon, 3, "ignore")


# --------------------------------------------------------------------------- export, rejects, stages

def test_export_writes_parquet_and_csv_for_every_table(store, tmp_path):
    out = tmp_path / "exports"
    result = invoke("export", "--store", store, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv"))
    import pandas as pd
    assert len(pd.read_parquet(out / "articles.parquet")) == 3
    assert len(pd.read_csv(out / "mentions.csv")) == 3


def test_export_one_table_as_csv(store, tmp_path):
    out = tmp_path / "x"
    result = invoke("export", "--store", store, "--out", out, "--table", "daily", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in out.iterdir()] == ["daily.csv"]


def test_export_unknown_table(store, tmp_path):
    result = invoke("export", "--store", store, "--out", tmp_path / "x", "--table", "nope")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "nope" in result.stderr


def test_rejects_lists_reasons(store):
    result = invoke("rejects", "--store", store)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1 rejected record: no_text 1"
    # Row 4 of the data (the header not counted) is line 5 of the file: the label says which it is.
    assert re.match(r"^.*articles\.csv row 4\tno_text\tno text: .* \(file line 5\)$", lines[1]), lines


def test_stages_one_by_one_match_run(tmp_path, corpus, lexicon_file, store):
    staged = tmp_path / "staged.duckdb"
    assert invoke("ingest", "--input", corpus, "--store", staged).exit_code == 0
    scored = invoke("score", "--store", staged, "--lexicon", lexicon_file)
    assert scored.exit_code == 0, scored.stderr
    assert "mentions 3" in scored.stdout
    assert invoke("aggregate", "--store", staged).exit_code == 0
    daily = "SELECT outlet, topic, day, category, voice, n_articles, n_words, n_mentions FROM daily ORDER BY ALL"
    assert query(staged, daily) == query(store, daily)


@pytest.mark.parametrize("command", ["score", "aggregate", "rejects", "dashboard"])
def test_commands_on_a_missing_store_fail_cleanly(tmp_path, command):
    result = invoke(command, "--store", tmp_path / "missing.duckdb")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "missing.duckdb" in result.stderr
    assert not (tmp_path / "missing.duckdb").exists()


# --------------------------------------------------------------------------- dashboard command

def test_dashboard_binds_localhost_by_default():
    cmd = dashboard_command("some/store.duckdb", 8599)
    joined = " ".join(cmd)
    assert "--server.address 127.0.0.1" in joined
    assert "--server.port 8599" in joined
    assert cmd[cmd.index("--store") + 1] == str(Path("some/store.duckdb").resolve())
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("app.py")


def test_dashboard_host_option_default_is_localhost():
    host = next(p for p in main.commands["dashboard"].params if p.name == "host")
    assert host.default == "127.0.0.1"
    assert "--server.address 0.0.0.0" in " ".join(dashboard_command("s.duckdb", 8501, "0.0.0.0"))


def test_dashboard_passes_its_options_to_the_server(store, monkeypatch):
    seen = {}
    monkeypatch.setattr("pipelines.cli.serve_dashboard", lambda s, p, h: seen.update(store=s, port=p, host=h))
    assert invoke("dashboard", "--store", store, "--port", "8600").exit_code == 0
    assert seen == {"store": store, "port": 8600, "host": "127.0.0.1"}   # the path its --store check accepted
    assert seen["store"].readable   # so connecting to it does not check it again


# --------------------------------------------------------------------------- atomic writes

def test_killed_run_leaves_the_last_good_store(tmp_path, store):
    from pipelines.demo import generate_demo_corpus

    corpus = generate_demo_corpus(tmp_path / "demo")
    inputs = []
    for i in range(5):
        copy = tmp_path / "demo" / f"copy{i}.jsonl"
        shutil.copyfile(corpus.articles_path, copy)
        inputs += ["--input", str(copy)]
    (n_before,), = query(store, "SELECT count(*) FROM articles")
    proc = subprocess.Popen([str(FRAMEWATCH), "run", *inputs, "--store", str(store),
                             "--outlets", str(corpus.outlets_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tmp = store.with_name(f"{store.name}.tmp-{proc.pid}")
    try:
        deadline = time.monotonic() + 60
        while not tmp.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert tmp.exists(), "the run never started writing its copy of the store"
        time.sleep(1.0)
        assert proc.poll() is None, "the run finished before it could be killed; make the input larger"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert query(store, "SELECT count(*) FROM articles") == [(n_before,)]
    assert query(store, "SELECT count(*) FROM runs") == [(1,)]


def test_next_run_removes_the_copy_left_by_a_killed_run(store, corpus, lexicon_file):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = store.with_name(f"{store.name}.tmp-{int(dead.stdout)}")
    shutil.copyfile(store, stale)  # what a run killed mid-write leaves behind
    result = invoke("run", "--input", corpus, "--store", store, "--lexicon", lexicon_file)
    assert result.exit_code == 0, result.stderr
    assert not stale.exists()


def test_score_keeps_the_topic_mode_of_the_store(tmp_path):
    from pipelines.storage import connect

    data = tmp_path / "k.csv"
    data.write_text("outlet,date,section,body\nKCNA,2024-01-01,Home News,NATO held war games.\n")
    store = tmp_path / "k.duckdb"

    def topics():
        con = connect(store)
        try:
            return sorted(r[0] for r in con.execute("SELECT topic FROM article_topics").fetchall())
        finally:
            con.close()

    assert invoke("run", "--input", data, "--store", store, "--topic-column", "section").exit_code == 0
    assert topics() == ["Home News"]
    assert invoke("score", "--store", store).exit_code == 0
    assert topics() == ["Home News"]            # a plain rescore does not add the queries' topics
    assert invoke("score", "--store", store, "--topic-queries").exit_code == 0
    assert "NATO" in topics() and "Home News" in topics()


def test_export_csv_is_spreadsheet_safe(tmp_path):
    import pandas as pd

    from pipelines.csvsafe import to_csv_bytes

    data = tmp_path / "x.csv"
    data.write_text('outlet,date,title,body\n=Outlet F,2026-01-01,"=HYPERLINK(""x"")",The regime fell.\n')
    store = tmp_path / "x.duckdb"
    assert invoke("run", "--input", data, "--store", store).exit_code == 0
    assert invoke("export", "--store", store, "--out", tmp_path / "out", "--table", "articles",
                  "--format", "csv").exit_code == 0
    raw = (tmp_path / "out" / "articles.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "'=Outlet F" in text and "'=HYPERLINK" in text and ",=" not in text
    assert to_csv_bytes(pd.DataFrame({"s": [-0.25], "t": ["-x"]})).decode("utf-8-sig") == "s,t\n-0.25,'-x\n"


def test_the_outlet_quoting_itself_stays_in_its_own_voice(tmp_path):
    data = tmp_path / "k.txt"
    data.write_text("The KCNA commentary said that the puppet forces staged war games.\n", encoding="utf-8")
    result = invoke("explain", data, "--outlet", "KCNA", "--json")
    voices = {m["term"]: m["voice"] for m in json.loads(result.stdout)["mentions"]}
    assert voices["war games"] == "outlet"
    other = invoke("explain", data, "--outlet", "Reuters", "--json")
    assert {m["voice"] for m in json.loads(other.stdout)["mentions"]} == {"attributed"}
