"""Three input errors a new user met, each in the tool's own format: one ``Error:`` line (what,
where, expected, found, fix) and exit 1 for a bad path or lexicon file; a ``rejects`` row naming
the field, the type found and the type expected for a record with a field of the wrong type.

1. every path option and argument of every command is checked by ``errors.check_path`` as it is
   parsed (click's own checks said ``Invalid value for '--input'`` with its usage text, exit 2);
2. ``lexicon check A B`` checks every file, one ``Error:`` line per bad file (its first problem);
3. a JSON, Parquet or front-matter record whose outlet, title, text ... is a list, an object, a
   number or a boolean goes to ``rejects`` (it was stored as its JSON: outlet ``'["x"]'``).

Driven in-process with click's CliRunner on real files and real DuckDB stores, as ``test_cli.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.cli import _CheckedPath
from tests.pipelines.test_cli import ALL_COMMANDS, LEXICON_CSV, corpus, invoke, query  # noqa: F401 (a fixture)
from tests.pipelines.test_cli_errors import OUTPUTS, _assert_one_error, _listing, articles, built  # noqa: F401 (fixtures)

# --------------------------------------------------------------------------- 1. every path, our check

# Every input path: the command line before it, the option ("" for an argument), what the message calls
# it, and what it must be (False a file, True a folder, None either). {articles}: the tiny corpus;
# {new}: a store path with nothing there yet (the commands that write one check it and stop).
INPUTS = [
    (["run", "--store", "{new}"], "--input", "the input", None),
    (["ingest", "--store", "{new}"], "--input", "the input", None),
    *[(["run", "--input", "{articles}", "--store", "{new}"], option, what, False) for option, what in [
        ("--source-config", "the source configuration"), ("--outlets", "the outlet registry"),
        ("--coverage", "the coverage file"), ("--lexicon", "the lexicon file"), ("--extra-lexicon", "the lexicon file"),
        ("--topics", "the topics file"), ("--frames", "the frame lexicon"), ("--targets", "the gazetteer")]],
    (["collect", "--store", "{new}"], "--feeds", "the feeds file", False),
    (["collect", "--store", "{new}"], "--outlets", "the outlet registry", False),
    (["explain"], "", "the article", False),
    (["explain", "{articles}"], "--lexicon", "the lexicon file", False),
    (["explain", "{articles}"], "--extra-lexicon", "the lexicon file", False),
    (["lexicon", "check", "{lexicon}"], "--pairs", "the pairs file", False),
    (["lexicon", "suggest"], "", "the labelled data", None),
    (["lexicon", "suggest", "{articles}"], "--lexicon", "the lexicon file", False),
    (["evaluate", "--out", "{tmp}/report.md"], "--corpora", "the corpora folder", True),
    (["evaluate", "--corpora", "{tmp}"], "--lexicon", "the lexicon file", False),
    (["frames", "train", "--out", "{tmp}/m.skops"], "", "the labelled articles", False),
    (["frames", "apply", "--store", "{new}"], "--model", "the model file", False),
]


def _command_of(args: list[str]) -> tuple[str, ...]:
    return tuple(a for a in args[:2] if not a.startswith("-") and "{" not in a)


def _checked_params():
    for path, command in ALL_COMMANDS:
        for param in getattr(command, "params", []):
            yield path, param


def test_every_path_parameter_goes_through_our_check():
    """No click.Path left with click's own checks (exists, file_okay, dir_okay): those print click's usage
    text and exit 2. The only plain paths: `lexicon check`'s files, which the command checks one by one."""
    plain = [(path, p.name) for path, p in _checked_params()
             if isinstance(p.type, click.Path) and not isinstance(p.type, _CheckedPath)]
    assert plain == [(("lexicon", "check"), "paths")]
    assert not any(p.type.exists or not (p.type.file_okay and p.type.dir_okay) for path, p in _checked_params()
                   if isinstance(p.type, click.Path) and not isinstance(p.type, _CheckedPath))


def test_the_table_covers_every_input_path():
    inputs = {(path, p.opts[0] if isinstance(p, click.Option) else "") for path, p in _checked_params()
              if isinstance(p.type, _CheckedPath) and p.type.exists}
    covered = {(_command_of(args), option) for args, option, _, _ in INPUTS}
    # ingest and score take their flags from the decorators run takes them from (ingest_flags, score_flags).
    missing = {(path, option) for path, option in inputs - covered
               if not (path in (("ingest",), ("score",)) and (("run",), option) in covered)}
    assert missing == set() and covered <= inputs


def _fill(args, tmp_path, articles):
    lexicon = tmp_path / "lexicon.csv"
    lexicon.write_text(LEXICON_CSV, encoding="utf-8")
    return [str(a).format(articles=articles, new=tmp_path / "new.duckdb", tmp=tmp_path, lexicon=lexicon)
            for a in args]


BAD_INPUTS = [(*case, bad) for case in INPUTS for bad in ("missing", "through_a_file", "wrong_kind")
              if not (bad == "wrong_kind" and case[3] is None)]   # a file or a folder: no wrong kind


@pytest.mark.parametrize("args, option, what, folder, bad", BAD_INPUTS,
                         ids=[f"{' '.join(_command_of(a))} {o or 'arg'} {b}" for a, o, _, _, b in BAD_INPUTS])
def test_a_bad_input_path_is_one_error_line_exit_1(tmp_path, articles, args, option, what, folder, bad):
    line = _fill(args, tmp_path, articles)
    (tmp_path / "somedir").mkdir()
    path = {"missing": tmp_path / "nope.csv", "through_a_file": articles / "x.csv",
            "wrong_kind": articles if folder else tmp_path / "somedir"}[bad]
    message = {"missing": f"{what} was not found", "through_a_file": f"a folder in {what}'s path is a file",
               "wrong_kind": f"{what} path is a {'file' if folder else 'folder'}"}[bad]
    expected = {"missing": {None: "an existing file or folder", True: "an existing folder",
                            False: "an existing file"}[folder],
                "through_a_file": f"'{articles}' to be a folder",
                "wrong_kind": f"the path of a {'folder' if folder else 'file'}"}[bad]
    before = _listing(tmp_path)
    result = invoke(*line, *([option] if option else []), path)
    _assert_one_error(result, f"{path}: {message}", f"; expected {expected}")
    if bad == "missing":   # the fix names the option, or the command for an argument
        assert f"e.g. {option or 'framewatch ' + ' '.join(_command_of(args))} " in result.stderr
    assert _listing(tmp_path) == before   # stopped before any work: no store, no lock, no output


def test_the_two_cases_of_the_report(tmp_path, articles, built):
    result = invoke("run", "--input", "nonexistent.csv", "--store", tmp_path / "s.duckdb")
    _assert_one_error(result, "nonexistent.csv: the input was not found", "relative paths start in ",
                      "e.g. --input articles.csv")
    result = invoke("export", "--store", built, "--out", articles)
    _assert_one_error(result, f"{articles}: the export folder path is a file", "e.g. --out exports")


@pytest.mark.parametrize("args, what", OUTPUTS, ids=[" ".join(a[:2]) for a, _ in OUTPUTS])
def test_an_output_path_of_the_wrong_kind_is_one_error_line_exit_1(tmp_path, articles, built, args, what):
    folder = args[:2] in (["export", "--store"], ["demo", "--store"])
    out = articles if folder else tmp_path / "somedir"
    (tmp_path / "somedir").mkdir()
    before = _listing(tmp_path)
    result = invoke(*[a.format(store=built, tmp=tmp_path, articles=articles) for a in args], out)
    _assert_one_error(result, f"{out}: {what} path is a {'file' if folder else 'folder'}")
    assert _listing(tmp_path) == before


def test_a_local_work_dir_is_checked_a_url_is_not(tmp_path, articles):
    result = invoke("run", "--input", articles, "--store", tmp_path / "s.duckdb", "--engine", "dask",
                    "--work-dir", articles)
    _assert_one_error(result, f"{articles}: the work dir path is a file", "e.g. --work-dir ")
    # A URL is the workers' storage, not this machine's: only the engine's own check (local engine) answers.
    result = invoke("run", "--input", articles, "--store", tmp_path / "s.duckdb", "--work-dir", "s3://bucket/w")
    _assert_one_error(result, "--scheduler and --work-dir need the Dask engine")
    assert _listing(tmp_path) == ["articles.csv"]


def test_explain_still_reads_stdin(tmp_path):
    result = invoke("explain", "-", "--outlet", "Harbour Herald", "--json",
                    input="The imperialists have learnt nothing.\n")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["outlet"] == "Harbour Herald"


# --------------------------------------------------------------------------- 2. lexicon check, every file

def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_lexicon_check_reports_every_bad_file_not_only_the_first(tmp_path):
    bad1 = _write(tmp_path / "bad1.csv", "term,category\nwar games,militarised_language\n,empty\n")
    bad2 = _write(tmp_path / "bad2.csv", "term,ignore\nregime,maybe\n")
    result = invoke("lexicon", "check", bad1, bad2)
    assert result.exit_code == 1
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"Error: {bad1}, line 3, column 'term': empty term; expected a word or phrase; found an empty cell. "
        "Fix: fill in the term or delete the line",
        f"Error: {bad2}, line 2, column 'ignore': invalid value in column 'ignore'; expected true or false "
        "(or empty); found 'maybe'. Fix: write true for a stop phrase, false or nothing otherwise",
        "2 errors in 2 of 2 lexicon files; nothing was changed"]


def test_lexicon_check_goes_on_after_a_missing_file_or_a_folder_and_fails(tmp_path):
    good = _write(tmp_path / "good.csv", "term,category\npuppet regime,delegitimising_label\n")
    (tmp_path / "somedir").mkdir()
    result = invoke("lexicon", "check", tmp_path / "nope.csv", good, tmp_path / "somedir")
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and lines.pop() == "2 errors in 2 of 3 lexicon files; nothing was changed", result.stderr
    assert lines[0].startswith(f"Error: {tmp_path / 'nope.csv'}: the lexicon file was not found; expected an "
                               "existing file; found nothing.")
    assert lines[1].startswith(f"Error: {tmp_path / 'somedir'}: the lexicon file path is a folder;")
    assert all(" Fix: " in line for line in lines)


def test_lexicon_check_checks_the_good_files_together(tmp_path):
    one = _write(tmp_path / "one.csv", "term,category\nwar games,militarised_language\n")
    two = _write(tmp_path / "two.csv", "term,category\nWar-games,euphemism\n")
    bad = _write(tmp_path / "bad.csv", "term\nbad*term\n")
    result = invoke("lexicon", "check", one, bad, two)
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines.pop() == "2 errors in 2 of 3 lexicon files; nothing was changed"
    assert [line.split(":")[0] for line in lines] == ["Error"] * 2
    assert f"{bad}, line 2, column 'term': '*' inside a term" in lines[0]
    assert (f"{two}, line 2: 'War-games' is listed twice with different categories" in lines[1]
            and f"found 'militarised_language' at {one}, line 2 and 'euphemism' here" in lines[1])


def test_lexicon_check_of_good_files_is_unchanged(tmp_path):
    one = _write(tmp_path / "one.csv", "term,category\nwar games,militarised\n")
    two = _write(tmp_path / "two.csv", "term,category\npuppet regime,delegitimising\n")
    result = invoke("lexicon", "check", one, two)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: 2 terms in 2 categories (delegitimising, militarised), version lex-")


# --------------------------------------------------------------------------- 3. fields of the wrong type

def _rejects(store: Path) -> list[tuple]:
    return query(store, "SELECT source_row, reason, detail FROM rejects ORDER BY source_row")


def test_the_reported_record_is_rejected_naming_each_field(tmp_path):
    source = _write(tmp_path / "a.jsonl", json.dumps({"outlet": ["x"], "published": 12345, "body": 7}) + "\n"
                    + json.dumps({"outlet": "Harbour Herald", "published": 12345, "body": "The talks went on."}) + "\n")
    store = tmp_path / "s.duckdb"
    result = invoke("run", "--input", source, "--store", store)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ingested 1, duplicates 0, rejected 1,")
    assert _rejects(store) == [(1, "wrong_type", "field 'outlet' holds a list ([\"x\"]), expected text (a string); "
                                "field 'body' holds a number (7), expected text (a string); give it as text "
                                "(in JSON: a string in double quotes)")]
    # A number as a date follows dates' documented epoch rule (10 or 13 digits): 12345 is a date note.
    assert query(store, "SELECT outlet, text, published_at, date_note FROM articles") == [
        ("Harbour Herald", "The talks went on.", None,
         "invalid date '12345': a number with 5 digits is not a date (epoch seconds have 10 digits, milliseconds 13)")]


WRONG = [  # a record's fields -> the part of the reject detail that names the field, the type found and expected
    ({"title": {"a": 1}}, "field 'title' holds an object ({\"a\": 1}), expected text (a string)"),
    ({"headline": True}, "field 'headline' (title) holds a boolean (true), expected text (a string)"),
    ({"lead": 3.5}, "field 'lead' holds a number (3.5), expected text (a string)"),
    ({"url": ["https://a.example/1"]}, "field 'url' holds a list ([\"https://a.example/1\"]), expected text"),
    ({"lang": 1}, "field 'lang' holds a number (1), expected text (a string)"),
    ({"id": [1]}, "field 'id' holds a list ([1]), expected a string or a number"),
    ({"id": False}, "field 'id' holds a boolean (false), expected a string or a number"),
]


@pytest.mark.parametrize("fields, detail", WRONG, ids=[next(iter(f)) + "-" + type(next(iter(f.values()))).__name__
                                                      for f, _ in WRONG])
@pytest.mark.parametrize("fmt", ["jsonl", "json", "parquet"])
def test_a_field_of_the_wrong_type_rejects_the_record_in_every_tabular_reader(tmp_path, fields, detail, fmt):
    good = {"outlet": "Harbour Herald", "published": "2024-03-01", "body": "The talks went on.", "id": "g1"}
    bad = {**good, "body": "The drills went on.", **fields}
    if fmt == "parquet":   # one record a file: a Parquet column holds one type
        sources = [tmp_path / "good.parquet", tmp_path / "bad.parquet"]
        pq.write_table(pa.Table.from_pylist([good]), sources[0])
        pq.write_table(pa.Table.from_pylist([bad]), sources[1])
    else:
        sources = [tmp_path / f"a.{fmt}"]
        text = (json.dumps([good, bad]) if fmt == "json" else json.dumps(good) + "\n" + json.dumps(bad) + "\n")
        sources[0].write_text(text, encoding="utf-8")
    store = tmp_path / "s.duckdb"
    result = invoke("run", *[a for s in sources for a in ("--input", s)], "--store", store)
    assert result.exit_code == 0, result.stderr
    rejects = query(store, "SELECT source_file, source_row, reason, detail FROM rejects")
    assert len(rejects) == 1, rejects
    src, row, reason, text = rejects[0]
    assert (Path(src).name, row, reason) == (sources[-1].name, 1 if fmt == "parquet" else 2, "wrong_type")
    assert detail in text
    assert query(store, "SELECT text FROM articles") == [("The talks went on.",)]


def test_front_matter_of_the_wrong_type_is_rejected_too(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    _write(folder / "a.txt", "---\noutlet: [Harbour Herald, Northern Courier]\ndate: 2024-03-01\n---\n\nThe talks.\n")
    _write(folder / "b.txt", "---\noutlet: Harbour Herald\ntitle: 2024\n---\n\nThe drills.\n")
    _write(folder / "c.txt", "---\noutlet: Harbour Herald\ntitle: Port\n---\n\nThe boats stayed in port.\n")
    store = tmp_path / "s.duckdb"
    assert invoke("run", "--input", folder, "--store", store).exit_code == 0
    rejects = query(store, "SELECT source_file, reason, detail FROM rejects ORDER BY source_file")
    assert [(Path(f).name, r) for f, r, _ in rejects] == [("a.txt", "wrong_type"), ("b.txt", "wrong_type")]
    assert "field 'outlet' holds a list ([\"Harbour Herald\", \"Northern Courier\"])" in rejects[0][2]
    assert "field 'title' holds a number (2024)" in rejects[1][2]
    assert query(store, "SELECT title FROM articles") == [("Port",)]


def test_a_list_in_the_topic_column_is_its_labels_an_object_is_rejected(tmp_path):
    rows = [{"outlet": "Harbour Herald", "body": "The talks went on.", "section": ["Talks", "Region"]},
            {"outlet": "Harbour Herald", "body": "The drills went on.", "section": "Drills"},
            {"outlet": "Harbour Herald", "body": "The boats stayed.", "section": {"name": "Port"}}]
    source = _write(tmp_path / "a.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    store = tmp_path / "s.duckdb"
    result = invoke("run", "--input", source, "--store", store, "--topic-column", "section")
    assert result.exit_code == 0, result.stderr
    assert sorted(query(store, "SELECT a.text, t.topic FROM article_topics t JOIN articles a USING (article_id)")) == [
        ("The drills went on.", "Drills"), ("The talks went on.", "Region"), ("The talks went on.", "Talks")]
    assert _rejects(store) == [(3, "wrong_type", "field 'section' (topic) holds an object ({\"name\": \"Port\"}), "
                                "expected a string, a number or a list of them; give it as text (in JSON: a string "
                                "in double quotes)")]


def test_a_json_record_without_the_topic_key_is_stored_a_key_no_record_gives_stops_the_run(tmp_path):
    """--topic-column stopped the whole run when one JSON-lines record left the key out."""
    source = _write(tmp_path / "a.jsonl",
                    '{"outlet": "Harbour Herald", "body": "The talks went on.", "section": "Talks"}\n'
                    '{"outlet": "Harbour Herald", "body": "The drills went on."}\n')
    store = tmp_path / "s.duckdb"
    result = invoke("run", "--input", source, "--store", store, "--topic-column", "section")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ingested 2, duplicates 0, rejected 0,")
    assert sorted(query(store, "SELECT text, topics_raw FROM articles")) == [
        ("The drills went on.", None), ("The talks went on.", "Talks")]
    before = store.read_bytes()
    result = invoke("run", "--input", source, "--store", store, "--topic-column", "sections")
    _assert_one_error(result, f"Error: {source}: --topic-column sections names a key no record of the file gives; "
                              "expected a key at least one of its records gives (a record without it has no value "
                              "there), such as its first record's outlet, body, section; found 'sections' nowhere in "
                              "the file. Fix: check the spelling")
    assert store.read_bytes() == before


def test_ingest_reads_a_feed_files_dates_without_an_offset_in_assume_tz_and_warns_naming_it(tmp_path):
    """A feed or page given to run/ingest read such a date as UTC, whatever --assume-tz said, without a word."""
    from tests.pipelines.test_ingest import NAIVE_FEED

    feed = _write(tmp_path / "feed.xml", NAIVE_FEED)
    for zone, stored in [(None, "2026-03-01 10:00:00"), ("Europe/Moscow", "2026-03-01 07:00:00")]:
        store = tmp_path / f"{zone or 'utc'}.duckdb".replace("/", "-")
        result = invoke("ingest", "--input", feed, "--store", store, *(["--assume-tz", zone] if zone else []))
        assert result.exit_code == 0, result.stderr
        assert query(store, "SELECT strftime(published_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') FROM articles "
                            "WHERE title = 'Talks'") == [(stored,)]
        zone = zone or "UTC"
        assert (f"Warning: {feed}, the items' dates: 1 date-time value had no UTC offset and was read in {zone} "
                f"(--assume-tz {zone}); if the outlet wrote them in another time zone, give it with --assume-tz ZONE "
                "(an IANA name, e.g. --assume-tz Europe/Moscow) and run again with --fresh "
              "(a new store of only the inputs given): without it the articles already stored keep their times, as a rerun "
              "folds them into the stored copies.") in result.stderr.splitlines()


def test_a_key_given_twice_is_a_reject_when_a_field_reads_it_and_kept_with_a_warning_when_none_does(tmp_path):
    """JSON readers keep the last of a key given twice without a word: the body was 'second'."""
    source = _write(tmp_path / "a.jsonl",
                    '{"outlet": "Harbour Herald", "title": "A", "text": "first", "text": "second", "section": "A"}\n'
                    '{"outlet": "Harbour Herald", "text": "The talks went on.", "section": "Talks", "section": "Ports"}\n'
                    '{"outlet": "Harbour Herald", "text": "The drills went on.", "note": "x", "note": "y", '
                    '"section": "Drills"}\n')
    store = tmp_path / "s.duckdb"
    result = invoke("ingest", "--input", source, "--store", store, "--topic-column", "section")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ingested 1, duplicates 0, rejected 2,")
    assert (f"Warning: {source}: the key 'note' is given twice in line 3; no field is read from it, so each value "
            "is kept in the article's extra, as 'note' and 'note_2'") in result.stderr.splitlines()
    assert _rejects(store) == [
        (1, "repeated_key", "line 1: the key 'text' is given twice with different values; the body is read from it, "
                            "and framewatch cannot tell which of them is the body; give the key once in the record"),
        (2, "repeated_key", "line 2: the key 'section' is given twice with different values; the topic is read from "
                            "it, and framewatch cannot tell which of them is the topic; give the key once in the "
                            "record")]
    assert query(store, "SELECT text, extra FROM articles") == [("The drills went on.", '{"note": "x", "note_2": "y"}')]
    listing = invoke("rejects", "--store", store)
    assert f"{source} line 1\trepeated_key\tline 1: the key 'text' is given twice" in listing.stdout


def test_the_naive_date_advice_followed_literally_re_reads_the_dates_and_a_plain_rerun_says_they_kept_theirs(tmp_path):
    """run's advice 'give --assume-tz ZONE and run again' did nothing (the rerun folded every article into
    its stored copy) and the rerun warned the values 'were read in' the zone all the same."""
    csv_file = _write(tmp_path / "naive.csv", "outlet,title,text,published\n"
                                              "TASS,Talks,The talks went on.,Fri, 01 Mar 2024 10:00:00\n"
                                              "TASS,Drills,The drills went on.,2024-03-02 10:00\n".replace(
                                                  "Fri, 01 Mar 2024 10:00:00", '"Fri, 01 Mar 2024 10:00:00"'))
    store = tmp_path / "s.duckdb"

    def times():
        return query(store, "SELECT title, strftime(published_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') FROM articles "
                            "ORDER BY title")

    first = invoke("ingest", "--input", csv_file, "--store", store)
    assert first.exit_code == 0, first.stderr
    assert "and run again with --fresh (a new store of only the inputs given)" in first.stderr
    again = invoke("ingest", "--input", csv_file, "--store", store, "--assume-tz", "Europe/Moscow")
    assert again.exit_code == 0, again.stderr
    assert "read in Europe/Moscow" not in again.stderr
    assert (f"Warning: {csv_file}: 2 date-time values without a UTC offset belong to articles already in the store, "
            "which keep the times they were stored with (they were not read in --assume-tz now); to read them in a "
            "time zone, run again with --assume-tz ZONE --fresh (a new store of only the inputs given).") in \
        again.stderr.splitlines()
    assert times() == [("Drills", "2024-03-02 10:00"), ("Talks", "2024-03-01 10:00")]
    fresh = invoke("ingest", "--input", csv_file, "--store", store, "--assume-tz", "Europe/Moscow", "--fresh")
    assert fresh.exit_code == 0, fresh.stderr
    assert "2 date-time values had no UTC offset and were read in Europe/Moscow" in fresh.stderr
    assert times() == [("Drills", "2024-03-02 07:00"), ("Talks", "2024-03-01 07:00")]
