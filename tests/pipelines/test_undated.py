"""Undated articles are kept and traceable: the run summary counts them by kind of reason,
``framewatch rejects --undated`` lists them with file, row and date note, ``--out`` writes them.

A real CSV with bad dates goes through ``framewatch run`` into a real store; every expectation
about counts and rows is read back from that store's ``articles`` table.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.dates import UNDATED_REASONS, count_undated_reasons, undated_reason, undated_reasons_text
from pipelines.rollups import UNDATED_COLUMNS, Filters, undated_articles, undated_count, undated_reason_counts
from tests.pipelines.test_cli import invoke, query

ROWS = [  # data row: outlet, published, title, body
    ("Harbour Herald", "2024-03-01", "Talks stall", "The regime said the war games were over."),
    ("Harbour Herald", "2024-13-45", "Bad month", "The puppet regime held talks."),
    ("Valley Courier", "yesterday-ish", "Vague, with a comma", "Officials met to discuss sanctions."),
    ("Valley Courier", "", "No date at all", "Officials met again to discuss sanctions."),
    ("Valley Courier", "2099-01-01", "From the future", "Officials met again to discuss the war."),
    ("Valley Courier", "2024-03-02", "Dated", "The talks went on."),
    ("Hill Gazette", "31/04/2024", "Only undated here", "A day April does not have."),
    ("Coast Ledger", "2024-03-03", "Only dated here", "The ships stayed in port."),
]
REASON_BY_ROW = {2: "invalid date", 3: "invalid date", 4: "no date found", 5: "date after the crawl or ingest",
                 7: "invalid date"}
"""What each bad row's date is, as a reader of the CSV above would say it."""


def write_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("outlet", "published", "title", "body"), *ROWS])
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(store, run stdout): the CSV run in batches of 2 records, so the summary adds up over batches."""
    tmp = tmp_path_factory.mktemp("undated")
    store = tmp / "s.duckdb"
    result = invoke("run", "--input", write_csv(tmp / "bad_dates.csv"), "--store", store, "--ingest-batch", "2")
    assert result.exit_code == 0, result.stderr
    return store, result.stdout


def stored_undated(store: Path) -> list[tuple]:
    return query(store, "SELECT source_file, source_row, article_id, outlet, title, date_note FROM articles "
                        "WHERE published_at IS NULL ORDER BY source_file, source_row")


def test_each_bad_date_is_kept_undated_with_its_reason(run):
    store, _ = run
    rows = stored_undated(store)
    assert {row: undated_reason(note) for _, row, _, _, _, note in rows} == REASON_BY_ROW
    assert query(store, "SELECT count(*) FROM articles") == [(len(ROWS),)]       # nothing dropped


def test_the_summary_counts_the_undated_by_kind_of_reason(run):
    store, stdout = run
    rows = stored_undated(store)
    counts = count_undated_reasons([note for *_, note in rows])
    assert sum(counts.values()) == len(rows) and list(counts) == [k for k in UNDATED_REASONS if k in counts]
    assert (f", undated {len(rows)} (kept; {undated_reasons_text(counts)} -- `framewatch rejects --undated` "
            "lists them), ") in stdout
    assert "3 invalid dates, 1 no date found, 1 date after the crawl or ingest" in stdout   # the words a reader sees


def test_rejects_undated_lists_file_row_id_outlet_title_and_note(run):
    store, _ = run
    rows = stored_undated(store)
    result = invoke("rejects", "--store", store, "--undated")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    counts = count_undated_reasons([note for *_, note in rows])
    assert lines[0] == (f"{len(rows)} undated articles (kept, left out of charts over time): "
                        f"{undated_reasons_text(counts)}")
    assert lines[1:] == [f"{src} row {row}\t{aid}\t{outlet}\t{title}\t{note}"   # a CSV's data row, said so
                         for src, row, aid, outlet, title, note in rows]


def test_rejects_undated_limit_and_out_file(run, tmp_path):
    store, _ = run
    rows = stored_undated(store)
    out = tmp_path / "undated.csv"
    result = invoke("rejects", "--store", store, "--undated", "--limit", "1", "--out", out)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and lines[1].startswith(f"{rows[0][0]} row {rows[0][1]}\t{rows[0][2]}\t")
    assert lines[2] == f"wrote {len(rows)} rows to {out}"                      # the file has every row
    written = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(written.columns) == list(UNDATED_COLUMNS)
    assert [tuple(r) for r in written[["source_file", "source_row", "article_id", "outlet", "title",
                                       "date_note"]].itertuples(index=False)] == \
        [(src, str(row), aid, outlet, title, note) for src, row, aid, outlet, title, note in rows]
    assert written["reason"].tolist() == [undated_reason(note) for *_, note in rows]


def test_plain_rejects_points_to_the_undated_on_stderr(run):
    store, _ = run
    n = len(stored_undated(store))
    result = invoke("rejects", "--store", store)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["0 rejected records"]              # stdout stays the rejects listing
    assert f"Also {n} undated articles kept (" in result.stderr and "framewatch rejects --undated" in result.stderr


def test_listing_follows_the_outlet_filter_as_the_count_does(run):
    store, _ = run
    con = duckdb.connect(str(store), read_only=True)
    try:
        for outlets in [(), ("Valley Courier",), ("Hill Gazette", "Harbour Herald")]:
            f = Filters(outlets=outlets)
            listing = undated_articles(con, f)
            assert len(listing) == undated_count(con, f) == sum(undated_reason_counts(con, f).values())
            assert set(listing["outlet"]) <= set(outlets or listing["outlet"])
            assert listing["reason"].tolist() == [undated_reason(n) for n in listing["date_note"]]
        assert len(undated_articles(con, Filters(), limit=2)) == 2
    finally:
        con.close()


def test_a_store_without_undated_articles_says_zero(tmp_path):
    source = tmp_path / "clean.csv"
    with source.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("outlet", "published", "title", "body"), ROWS[0]])
    store = tmp_path / "s.duckdb"
    ran = invoke("run", "--input", source, "--store", store)
    assert ran.exit_code == 0 and "undated" not in ran.stdout
    listed = invoke("rejects", "--store", store, "--undated")
    assert listed.stdout.splitlines() == ["0 undated articles (kept, left out of charts over time)"]
    assert "undated" not in invoke("rejects", "--store", store).stderr


@pytest.mark.parametrize("note, reason", [
    ("invalid date '2024-13-45': month 13 is out of range", "invalid date"),
    ("invalid date '03/14/2024': only reads as MDY, but the column is DMY", "invalid date"),
    ("missing date in column 'published'", "no date found"),
    ("no publication date found", "no date found"),
    ("no publication date found (discarded: meta article:published_time invalid date 'x': not a date; "
     "URL path date 2030-01-01 is after the crawl time 2026-01-01T00:00:00Z)", "no date found"),
    ("no publication date in the feed item", "no date found"),
    ("date 2099-01-01T00:00:00Z is after the crawl/ingest time 2026-12-01T00:00:00Z; not stored",
     "date after the crawl or ingest"),
    ("date 2099-01-01T00:00:00Z is more than a day after the ingest time 2026-12-01T00:00:00Z; not stored",
     "date after the crawl or ingest"),
    ("missing date: the input has no date column (name one with --map published=COLUMN)", "no date found"),
    ("the item has no published date; its updated date is used; date 2030-01-01T00:00:00+00:00 is after the "
     "crawl time 2026-01-01T00:00:00+00:00; not stored", "date after the crawl or ingest"),
    ("something a future reader writes", "other reason"),
    (None, "no reason recorded"),
    ("", "no reason recorded"),
])
def test_undated_reason(note, reason):
    assert undated_reason(note) == reason


def test_reasons_text_counts_and_plurals():
    assert undated_reasons_text(count_undated_reasons(["invalid date 'a': b", None])) == \
        "1 invalid date, 1 no reason recorded"
    assert undated_reasons_text(count_undated_reasons(["missing date in column 'published'"] * 1200
                                                      + ["invalid date 'a': b"] * 2)) == \
        "2 invalid dates, 1,200 no date found"
    assert count_undated_reasons([]) == {} and undated_reasons_text({}) == ""


def _user_columns_csv(path: Path, header: tuple, rows: list[tuple]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


@pytest.mark.parametrize("header, extra, column", [
    (("outlet", "date", "headline", "story_text"), [], "date"),                       # auto-detected
    (("outlet", "when", "headline", "story_text"), ["--map", "published=when"], "when"),  # named by --map
])
def test_date_notes_and_warnings_name_the_column_as_the_file_names_it(tmp_path, header, extra, column):
    src = _user_columns_csv(tmp_path / "user.csv", header, [
        ("Valley Courier", "", "No date", "Officials met."),
        ("Valley Courier", "2024-03-02T10:00:00", "Naive time", "The talks went on."),
        ("Valley Courier", "2099-01-01", "From the future", "Officials met again.")])
    store = tmp_path / "s.duckdb"
    result = invoke("run", "--input", src, "--store", store, *extra)
    assert result.exit_code == 0, result.stderr
    notes = dict(query(store, "SELECT title, date_note FROM articles WHERE published_at IS NULL"))
    assert notes["No date"] == f"missing date in column '{column}'"
    assert "'published'" not in result.stderr
    assert (f"Warning: {src}, outlet 'Valley Courier', column '{column}': 1 date-time value had no UTC offset and "
            "was read in UTC (--assume-tz UTC); if the outlet wrote them in another time zone, give it with "
            "--assume-tz ZONE (an IANA name, e.g. --assume-tz Europe/Moscow) and run again with --fresh "
              "(a new store of only the inputs given): without it the articles already stored keep their times, as a rerun "
              "folds them into the stored copies.") in result.stderr
    # the ingest allows a day (a source's clock or zone): the note says so, not that tomorrow is the ingest time
    future = notes["From the future"]
    assert future.startswith("date 2099-01-01T00:00:00Z is more than a day after the ingest time "), future
    assert future.endswith("; not stored") and undated_reason(future) == "date after the crawl or ingest"
    (ingested_at,) = query(store, "SELECT max(started_at) FROM runs")[0]
    stamp = future.split("ingest time ")[1].split(";")[0]
    assert abs(pd.Timestamp(stamp) - pd.Timestamp(ingested_at)) < pd.Timedelta(minutes=5)   # not a day later


def test_an_input_without_a_date_column_says_so_in_the_note(tmp_path):
    src = _user_columns_csv(tmp_path / "nodate.csv", ("outlet", "headline", "story_text"),
                            [("Valley Courier", "A", "Officials met.")])
    store = tmp_path / "s.duckdb"
    assert invoke("run", "--input", src, "--store", store).exit_code == 0
    assert query(store, "SELECT date_note FROM articles") == [
        ("missing date: the input has no date column (name one with --map published=COLUMN)",)]
