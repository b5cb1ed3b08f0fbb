"""The hits the proper-name rule leaves out ("Thug" in "Young Thug", rule r3) are recorded, not lost:
counted per run in ``runs`` (``n_name_hits``, ``name_hit_terms``), said on the run's and score's
summary lines, and listed with the name around each by ``framewatch explain``. Counting them changes
no score (the rules digest, tests/pipelines/test_rules_version.py, is unchanged). The Dask engine's
counts are checked in tests/pipelines/test_engines_overlap.py (local, Dask, Dask overlapped with a
re-scored article), a collect's in tests/pipelines/test_collect.py.
"""

from __future__ import annotations

import csv
import json
import shutil

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from pipelines import storage
from pipelines.cli import main
from pipelines.engines import count_name_hits
from pipelines.explain import name_around
from pipelines.run import RunSummary

ARTICLE = ("Prosecutors allege rapper Young Thug led a gang. Critics call him a thug.\n"
           "Mark Savage reported from the Al-Aqsa Martyrs Hospital, where martyrs were mourned.\n"
           "Savage attacks went on; the Center for Countering Disinformation said so.")
# left out: Thug (thugs), Savage (savage), Martyrs (martyrs), Disinformation (disinformation);
# counted: thug, martyrs, and "Savage" opening its sentence
LEFT_OUT = [("Thug", "thugs", "Young Thug"), ("Savage", "savage", "Mark Savage"),
            ("Martyrs", "martyrs", "Al-Aqsa Martyrs Hospital"),
            ("Disinformation", "disinformation", "Countering Disinformation")]


def invoke(*args, **kw):
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:   # click 8.2+ keeps stderr apart always
        runner = CliRunner()
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)


def _hits(rows):
    return pd.DataFrame(rows, columns=["article_id", "start_char", "end_char", "text", "term", "category"])


def test_count_name_hits_counts_each_hit_once_by_term_most_first():
    first = _hits([("a", 1, 5, "Thug", "thugs", "p"), ("a", 9, 15, "Savage", "savage", "h"),
                   ("b", 3, 9, "Savage", "savage", "h")])
    again = _hits([("a", 1, 5, "Thug", "thugs", "p"), ("a", 9, 15, "Savage", "savage", "h")])   # a scored twice
    other = _hits([("c", 0, 7, "Martyrs", "martyrs", "v"), ("c", 20, 27, "Martyrs", "martyrs", "v"),
                   ("d", 2, 6, "Thug", "thugs", "p")])
    assert count_name_hits([first, again, _hits([]), other]) == (
        6, {"martyrs": 2, "savage": 2, "thugs": 2})                     # equal counts: by term
    assert list(count_name_hits([first, again])[1].items()) == [("savage", 2), ("thugs", 1)]
    assert count_name_hits([_hits([])]) == (0, {})      # a batch scored, nothing left out
    assert count_name_hits([]) == (None, {})            # no batch scored: NULL in runs ("scored nothing")


def test_explain_lists_the_hits_left_out_with_the_name_around_each(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    data = json.loads(invoke("explain", path, "--json").stdout)
    assert [(h["text"], h["term"]) for h in data["name_hits"]] == [(t, term) for t, term, _ in LEFT_OUT]
    assert all(data["text"][h["start"]:h["end"]] == h["text"] for h in data["name_hits"])
    assert [h["name"] for h in data["name_hits"]] == ["rapper Young Thug"[len("rapper "):], "Mark Savage",
                                                      "Al-Aqsa Martyrs Hospital", "Countering Disinformation"]
    assert [m["text"] for m in data["mentions"]] == ["thug", "martyrs", "Savage"]   # counted as before
    text = invoke("explain", path).stdout
    assert text.splitlines()[0].endswith("· 3 mentions · 4 left out as parts of names")
    assert "left out as parts of names (not counted; the term written capitalised inside a name):" in text
    assert "hyperbole              savage — in \u201cMark Savage\u201d" in text
    no_names = invoke("explain", "-", "--json", input="Critics call him a thug.")
    assert json.loads(no_names.stdout)["name_hits"] == []
    assert "left out" not in invoke("explain", "-", input="Critics call him a thug.").stdout


@pytest.mark.parametrize("text, start, end, name", [
    ("Rapper Young Thug appeared.", 13, 17, "Rapper Young Thug"),   # a capital opening the sentence joins
    ("He met Young Thug, then left.", 13, 17, "Young Thug"),        # punctuation ends the run
    ("the Revolutionary Martyrs\nCemetery", 18, 25, "Revolutionary Martyrs"),   # so does a line end
    ("at the Al-Aqsa Martyrs Hospital today", 15, 22, "Al-Aqsa Martyrs Hospital"),
])
def test_name_around_is_the_run_of_capitalised_words_on_the_hits_line(text, start, end, name):
    assert name_around(text, start, end) == name


@pytest.fixture
def articles(tmp_path):
    path = tmp_path / "articles.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("outlet", "published", "title", "body"),
                                 ("Harbour Herald", "2024-03-01T09:00:00Z", "Court", ARTICLE),
                                 ("Harbour Herald", "2024-03-02T09:00:00Z", "Names", "Reporters said Mark Savage met the lawyers of Young Thug on Friday.")])
    return path


def _runs(store):
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute("SELECT stage, n_mentions, n_name_hits, name_hit_terms FROM runs ORDER BY started_at").fetchall()


def test_each_scoring_run_records_and_says_the_hits_left_out_and_the_others_record_none(tmp_path, articles):
    store = tmp_path / "s.duckdb"
    run = invoke("run", "--input", articles, "--store", store)
    assert run.exit_code == 0, run.stderr
    terms = {"savage": 2, "thugs": 2, "disinformation": 1, "martyrs": 1}
    assert run.stdout.strip().split(", elapsed")[0].endswith(
        "mentions 3 in 2 articles, left out as parts of names 6 (savage 2, thugs 2, disinformation 1, ...)")
    assert _runs(store) == [("run", 3, 6, json.dumps(terms))]
    assert invoke("ingest", "--input", articles, "--store", store).exit_code == 0
    assert invoke("aggregate", "--store", store).exit_code == 0
    score = invoke("score", "--store", store)
    assert score.exit_code == 0, score.stderr
    assert score.stdout.startswith("scored 2 articles, mentions 3, left out as parts of names 6 (savage 2, thugs 2, "
                                   "disinformation 1, ...), lexicon lex-")
    assert _runs(store)[1:] == [("ingest", 0, None, None), ("aggregate", 3, None, None),
                                ("score", 3, 6, json.dumps(terms))]
    # a store with no name in its texts: 0, and nothing said
    plain = tmp_path / "plain.csv"
    plain.write_text("outlet,published,body\nHarbour Herald,2024-03-01,Critics call him a thug.\n", encoding="utf-8")
    line = invoke("run", "--input", plain, "--store", tmp_path / "p.duckdb").stdout
    assert "left out" not in line and _runs(tmp_path / "p.duckdb") == [("run", 1, 0, "{}")]


def test_the_summary_line_names_three_terms_and_says_when_there_are_more():
    summary = RunSummary("r", n_ingested=5, n_articles=5, n_mentions=7, versions={"rules_version": "r3"},
                         n_name_hits=4, name_hit_terms={"martyrs": 3, "savage": 1})
    assert "mentions 7 in 5 articles, left out as parts of names 4 (martyrs 3, savage 1), elapsed" in summary.line()
    assert "left out" not in RunSummary("r", n_name_hits=4, name_hit_terms={"a": 4}).line()   # an ingest: unscored
    assert "left out" not in RunSummary("r", versions={"rules_version": "r3"}, n_name_hits=0).line()


def test_a_store_from_before_the_columns_gains_them_empty_on_its_next_write(tmp_path, articles):
    store = tmp_path / "s.duckdb"
    assert invoke("run", "--input", articles, "--store", store).exit_code == 0
    old = tmp_path / "old.duckdb"
    shutil.copyfile(store, old)
    with duckdb.connect(str(old)) as con:   # the runs table as framewatch wrote it before these columns
        con.execute('ALTER TABLE runs DROP COLUMN "name_hit_terms"')
        con.execute('ALTER TABLE runs DROP COLUMN "n_name_hits"')
    with storage.writing(old):              # any write adds them, empty on the old rows
        pass
    assert _runs(old) == [("run", 3, None, None)]
    assert invoke("score", "--store", old).exit_code == 0
    assert _runs(old)[-1][2:] == (6, json.dumps({"savage": 2, "thugs": 2, "disinformation": 1, "martyrs": 1}))
