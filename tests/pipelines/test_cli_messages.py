"""Messages a new user tripped on, each as the user met it: click's runner on real files and real stores.

- an input file none of whose records could be ingested warns, naming its columns, what a record
  needs and the ``--map`` that names it (it gave 50 rejects, exit 0 and no word);
- pages (.txt, .html) of a folder that could not be ingested warn once a folder, with what a page
  needs (each page warned of its "columns: body" and ``--map``, 20 lines and "... and N more");
- ``topics discover --outlet Rt`` names the unknown outlet and the store's outlets, with the close
  one (it said "too few articles ... found 0"); the same for ``--topic``;
- ``explain -`` with nothing on stdin is an error, not an empty explanation; stdin that is not
  UTF-8 is read as a file is (it stopped with a UnicodeEncodeError traceback), and its BOM is
  not kept in the text (every offset was one too far);
- ``--map`` help lists every field it takes, ``rejects --help`` promises only the file lines it gives.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from pipelines.ingest import FIELDS
from tests.pipelines.test_cli import invoke, query


def _csv(path: Path, header: tuple, rows: list[tuple]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


# --------------------------------------------------------------------------- nothing ingested from a file

def test_a_file_none_of_whose_records_could_be_ingested_warns_with_its_columns_and_the_map(tmp_path):
    bad = _csv(tmp_path / "no_text.csv", ("outlet", "date", "url"),
               [("KCNA", f"2024-01-{d:02d}", f"http://kcna.kp/{d}") for d in range(1, 6)])
    good = _csv(tmp_path / "good.csv", ("outlet", "date", "title", "text"),
                [("KCNA", "2024-01-01", "A", "The puppet regime held war games.")])
    store = tmp_path / "s.duckdb"
    result = invoke("run", "--input", bad, "--input", good, "--store", store)
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert warnings == [
        f"Warning: {bad}: none of its 5 records could be ingested (no_text 5); its columns: outlet, date, url; "
        "expected a text column: body (body, text, content, story_text, ...), title (title, headline, heading, "
        "head, ...) or lead (lead, desc, description, summary, ...); name yours with --map body=COLUMN (or --map "
        "title=COLUMN); `framewatch rejects` lists them"]
    assert result.stdout.startswith("ingested 1, duplicates 0, rejected 5,")
    assert query(store, "SELECT count(*) FROM rejects WHERE reason = 'no_text'") == [(5,)]

    # named with --map, the same file goes in, and nothing is said
    fixed = invoke("run", "--input", bad, "--store", tmp_path / "t.duckdb", "--map", "body=url")
    assert fixed.exit_code == 0 and "Warning:" not in fixed.stderr
    assert fixed.stdout.startswith("ingested 5,")


def test_a_file_whose_records_name_no_outlet_warns_with_the_outlet_option(tmp_path):
    bad = _csv(tmp_path / "no_outlet.csv", ("date", "title", "text"), [("2024-01-01", "A", "Some words.")])
    store = tmp_path / "s.duckdb"
    result = invoke("ingest", "--input", bad, "--store", store)
    assert result.exit_code == 3, result.stderr   # nothing stored
    assert (f"Warning: {bad}: none of its 1 record could be ingested (no_outlet 1); its columns: date, title, text; "
            "expected an outlet column (outlet, outlet_name, source, source_name, ...), a URL, or --outlet NAME; "
            "name yours with --map outlet=COLUMN, or give --outlet NAME; `framewatch rejects` lists them"
            ) in result.stderr.splitlines()
    assert result.stderr.splitlines()[-1] == (f"Error: nothing was stored: 0 of 1 record ingested: 1 rejected "
                                              f"(no_outlet 1); `framewatch rejects --store {store}` lists why.")



def test_pages_without_an_outlet_warn_once_a_folder_with_what_a_page_needs(tmp_path):
    folder, sub = tmp_path / "pages", tmp_path / "pages" / "more"
    sub.mkdir(parents=True)
    for k in range(25):
        (folder / f"story{k}.txt").write_text(f"Story {k}: the puppet regime held war games.\n")
    (sub / "page.html").write_text("<html><body><article><p>The puppet regime held war games again, "
                                   "officials said on Monday.</p></article></body></html>")
    (folder / "kept.txt").write_text("---\noutlet: KCNA\ndate: 2024-01-01\n---\nThe puppet regime held war games.\n")
    result = invoke("run", "--input", folder, "--store", tmp_path / "s.duckdb")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ingested 1, duplicates 0, rejected 26,")
    need = ("expected an outlet: 'outlet:' in a page's front matter or sidecar (name.json), an HTML page's og:site_name "
            "or URL, or --outlet NAME; give --outlet NAME, or add 'outlet:' to each page's front matter or sidecar; "
            "`framewatch rejects` lists them")
    assert sorted(line for line in result.stderr.splitlines() if line.startswith("Warning:")) == sorted([
        f"Warning: {folder}: 25 pages could not be ingested (no_outlet 25); {need}",
        f"Warning: {sub}: 1 page could not be ingested (no_outlet 1); {need}"])
    fixed = invoke("run", "--input", folder, "--outlet", "KCNA", "--store", tmp_path / "t.duckdb")
    assert "Warning:" not in fixed.stderr and fixed.stdout.startswith("ingested 27,")

def test_a_file_of_duplicates_only_is_not_warned_about(tmp_path):
    good = _csv(tmp_path / "good.csv", ("outlet", "date", "title", "text"),
                [("KCNA", "2024-01-01", "A", "The puppet regime held war games.")])
    store = tmp_path / "s.duckdb"
    assert invoke("run", "--input", good, "--store", store).exit_code == 0
    again = invoke("run", "--input", good, "--store", store)
    assert again.exit_code == 0 and "Warning:" not in again.stderr


# --------------------------------------------------------------------------- help texts

def test_map_help_lists_every_field_it_takes():
    for command in ("run", "ingest"):
        text = " ".join(invoke(command, "--help").stdout.split())
        listed = text.split("Use COLUMN for FIELD (")[1].split(")")[0]
        assert listed.split(", ") == list(FIELDS)


def test_rejects_help_says_what_each_place_counts_and_the_listing_keeps_to_it(tmp_path):
    text = " ".join(invoke("rejects", "--help").stdout.split())
    assert ('"FILE row N" for the Nth data row of a CSV/TSV or Parquet file (the header and blank lines not counted; '
            'a CSV record\'s detail ends with its file line, "(file line 7)", or lines, "(file lines 7-9)"') in text
    assert '"FILE line N" for a line of a JSON-lines file' in text
    # a blank line, a quoted cell over two lines, then a row with a cell too many, then no text
    src = tmp_path / "mixed.csv"
    src.write_text('outlet,date,title,text\n\nKCNA,2024-01-01,A,"two\nlines"\nKCNA,2024-01-02,B,c,extra\n'
                   "KCNA,2024-01-03,,\n", encoding="utf-8")
    lines = tmp_path / "mixed.jsonl"
    lines.write_text('\n{"outlet": "KCNA", "text": "fine words"}\n{"outlet": "KCNA"}\n', encoding="utf-8")
    store = tmp_path / "s.duckdb"
    assert invoke("run", "--input", src, "--input", lines, "--store", store).exit_code == 0
    details = dict(query(store, "SELECT reason, detail FROM rejects WHERE source_file = ?", [str(src)]))
    assert details["bad_row"] == "5 cells where the header has 4 (file line 5)"
    assert details["no_text"].endswith("(file line 6)")   # the blank line 2 is not a row, but is a line
    listing = invoke("rejects", "--store", store).stdout.splitlines()[1:]
    assert [line.split("\t")[0] for line in listing] == [f"{src} row 2", f"{src} row 3", f"{lines} line 3"]


# --------------------------------------------------------------------------- unknown filter names

@pytest.fixture(scope="module")
def rt_store(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("filters")
    rows = [(outlet, f"2024-01-{d:02d}", f"{outlet} {d}", f"Sanctions on the regime, day {d}, and the war games.")
            for outlet in ("RT", "Harbour Herald") for d in range(1, 4)]
    src = _csv(tmp / "a.csv", ("outlet", "date", "title", "text"), rows)
    store = tmp / "s.duckdb"
    assert invoke("run", "--input", src, "--store", store).exit_code == 0
    return store


@pytest.mark.parametrize("args, message", [
    (["--outlet", "Rt"], "unknown outlet 'Rt'; expected an outlet in the store: 'Harbour Herald', 'RT'; "
                         "found 'Rt' (did you mean 'RT'?). Fix: name it as the store does, e.g. --outlet 'RT'"),
    (["--outlet", "RT", "--outlet", "Harbor Herald"],
     "unknown outlet 'Harbor Herald'; expected an outlet in the store: 'Harbour Herald', 'RT'; found "
     "'Harbor Herald' (did you mean 'Harbour Herald'?). Fix: name it as the store does, e.g. --outlet 'Harbour Herald'"),
    (["--outlet", "TASS"], "unknown outlet 'TASS'; expected an outlet in the store: 'Harbour Herald', 'RT'; "
                           "found 'TASS'. Fix: name it as the store does, e.g. --outlet 'Harbour Herald'"),
    (["--topic", "sanction"], "unknown topic 'sanction'; expected a topic in the store: "),
])
def test_topics_discover_names_an_unknown_outlet_or_topic_and_the_stores_own(rt_store, args, message):
    result = invoke("topics", "discover", "--store", rt_store, *args, "-k", "2")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {rt_store}: {message}"), lines
    if args[0] == "--topic":
        assert "'Sanctions'" in lines[0] and lines[0].endswith("(did you mean 'Sanctions'?). Fix: name it as the "
                                                               "store does, e.g. --topic 'Sanctions'")


def test_topics_discover_with_known_names_is_not_stopped_by_the_check(rt_store):
    result = invoke("topics", "discover", "--store", rt_store, "--outlet", "RT", "--topic", "Sanctions", "-k", "2")
    assert "unknown" not in result.stderr


# --------------------------------------------------------------------------- explain with no text

@pytest.mark.parametrize("stdin", ["", "  \n\t\n"])
def test_explain_of_empty_stdin_is_an_error(stdin):
    result = invoke("explain", "-", input=stdin)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: stdin ('-'): no article text to explain; expected the text of an article: plain text or an HTML "
        "page; found nothing. Fix: pipe the article in, e.g. framewatch explain - < article.txt"]
    assert result.stdout == ""


def test_explain_of_an_empty_file_is_an_error(tmp_path):
    empty = tmp_path / "article.txt"
    empty.write_text("\n")
    result = invoke("explain", empty, "--json")
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {empty}: no article text to explain;")
    assert invoke("explain", "-", input="The puppet regime held war games.\n").exit_code == 0



@pytest.mark.parametrize("stdin", [
    "Le r\u00e9gime fantoche. The puppet regime held war games.".encode("cp1252"),  # a Windows pipe
    b"\xef\xbb\xbfLe r\xc3\xa9gime fantoche. The puppet regime held war games.",   # UTF-8 with a BOM
])
def test_explain_reads_stdin_as_a_file_is_read(stdin, tmp_path):
    result = invoke("explain", "-", "--json", input=stdin)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["text"] == "Le r\u00e9gime fantoche. The puppet regime held war games."
    assert [(m["start"], m["end"], m["text"]) for m in data["mentions"]] == [(24, 37, "puppet regime"), (43, 52, "war games")]
    article = tmp_path / "article.txt"
    article.write_bytes(stdin)
    assert json.loads(invoke("explain", article, "--json").stdout)["mentions"] == data["mentions"]

@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_explain_reads_a_page_on_stdin_as_its_html_file_is_read(bom, tmp_path):
    """A page piped in is parsed as HTML (outlet from og:site_name, text without markup) with or without a
    UTF-8 BOM: with one, it was read as plain text, its tags scored and no outlet read."""
    page = bom + (b'<html><head><meta property="og:site_name" content="Alpha"></head>'
                  b"<body><p>The puppet regime held war games on Friday.</p></body></html>")
    article = tmp_path / "article.html"
    article.write_bytes(page)
    piped, read = (json.loads(invoke("explain", src, "--json", input=page).stdout) for src in ("-", article))
    assert piped["outlet"] == read["outlet"] == "Alpha"
    assert piped["text"] == read["text"] and "<" not in piped["text"]
    assert piped["mentions"] == read["mentions"] and [m["text"] for m in piped["mentions"]] == ["puppet regime", "war games"]


def test_an_offset_of_a_day_keeps_the_run_and_the_article_and_explain_says_so(tmp_path):
    """'+25:00' stopped run with a ValueError traceback, storing nothing (the good rows neither), and explain
    --date likewise."""
    path = tmp_path / "a.csv"
    path.write_text("outlet,published,title,body\nA,2024-01-02T10:00:00+25:00,T,The puppet regime held war games.\n"
                    "A,2024-01-03T10:00:00+02:00,U,The regime said so.\n", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    result = invoke("run", "--input", path, "--store", store)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ingested 2, duplicates 0, rejected 0, undated 1 (kept; 1 invalid date")
    assert query(store, "SELECT title, day FROM articles ORDER BY title") == [("T", None), ("U", date(2024, 1, 3))]
    article = tmp_path / "a.txt"
    article.write_text("The puppet regime held war games.\n", encoding="utf-8")
    explained = invoke("explain", article, "--date", "2024-01-02T10:00:00+25:00")
    assert explained.exit_code == 1 and "Traceback" not in explained.output
    assert explained.stderr.startswith("Error: --date '2024-01-02T10:00:00+25:00': cannot read --date;")
    assert "time zone offset +25:00 is out of range" in explained.stderr


def test_a_failed_feed_url_is_left_to_collect_s_own_report():
    from pipelines.ingest import IngestOptions, ingest_records
    from pipelines.outlets import read_registry

    records = [{"_source_file": "https://example.org/rss", "_source_row": None,
                "_reject": ("feed_failed", "timeout: no answer in 20 s"), "outlet": "RT"},
               {"_source_file": "local.csv", "_source_row": 1, "_reject": ("bad_row", "2 cells where the header has 3")}]
    result = ingest_records(iter(records), IngestOptions(), read_registry(), "r1")
    assert result.warnings == ["local.csv: none of its 1 record could be ingested (bad_row 1); "
                               "`framewatch rejects` lists them"]
