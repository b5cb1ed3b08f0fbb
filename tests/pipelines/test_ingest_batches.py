"""Streaming ingest: a run writes its articles batch by batch (at most one batch of texts in
memory) and builds the same store as an ingest of the whole input at once."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipelines import run as run_module
from pipelines.errors import ConfigError
from pipelines.ingest import IngestOptions, ingest_batches, ingest_files, iter_records
from pipelines.outlets import read_registry
from pipelines.run import run_pipeline
from pipelines.schemas import TABLES

RUN_COLUMNS = {"run_id", "started_at", "elapsed_s", "settings"}
BODY = ("The regime in Kyiv shelled the town, officials said. \u201cThe imperialists are waging war games,\u201d "
        "the spokesman said. Talks on trade resumed in Geneva on {day}. Report number {i}.")


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def corpus_rows(n: int = 23) -> list[dict]:
    """*n* articles over three outlets, plus copies of earlier articles further down (by URL with
    another topic, and by outlet, id, day, title and text) and two records that are rejected."""
    rows = [{"id": f"a{i}", "outlet": ["Press TV", "Reuters", "RT"][i % 3], "published": f"2024-03-{1 + i % 9:02d}",
             "title": f"Report {i}", "body": BODY.format(day=i % 9, i=i), "url": f"https://example.org/{i}",
             "topic": "war" if i % 2 else "trade"} for i in range(n)]
    rows.insert(12, dict(rows[1], topic="diplomacy", id="copy-by-url"))       # copy of batch 1, by URL
    rows.insert(17, dict(rows[3], url=None))                                   # copy of batch 1, by text
    rows.insert(19, dict(rows[14], url=rows[14]["url"] + "?utm_source=x"))     # copy of a13 in its batch
    rows.insert(8, {"id": "x", "outlet": "", "published": "2024-03-01", "title": "t", "body": "no outlet"})
    rows.insert(20, {"id": "y", "outlet": "RT", "published": "2024-03-02", "title": "", "body": ""})
    return rows


def store_rows(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        out = {}
        for name in TABLES:
            cols = [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall() if r[0] not in RUN_COLUMNS]
            select = ", ".join(f'"{c}"' for c in cols)
            out[name] = sorted(con.execute(f'SELECT {select} FROM "{name}"').fetchall(), key=repr)
        return out


def test_run_writes_each_batch_before_reading_the_next(tmp_path, monkeypatch):
    path = write_jsonl(tmp_path / "in.jsonl", corpus_rows())
    calls = []
    real_write = run_module.write_ingest

    def counting_write(con, result, summary, registry, refresh=True):
        before = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
        texts = len(result.articles["text"]) if "text" in result.articles else 0
        real_write(con, result, summary, registry, refresh)
        after = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
        calls.append((result.n_input, texts, before, after))

    monkeypatch.setattr(run_module, "write_ingest", counting_write)
    summary = run_pipeline(tmp_path / "batched.duckdb", [path], IngestOptions(batch_size=5), fresh=True)
    monkeypatch.undo()

    n_records = len(corpus_rows())
    assert [c[0] for c in calls] == [5, 5, 5, 5, 5, 3]         # records read per batch (28 in all)
    assert max(c[1] for c in calls) <= 5                        # never more than one batch of texts
    for (_, texts, before, after), previous in zip(calls, [None] + calls):
        assert after - before == texts                          # each batch's articles are in the store ...
        if previous is not None:
            assert before == previous[3]                        # ... before the next batch is written
    assert summary.n_input == n_records == summary.n_ingested + summary.n_duplicates + summary.n_rejected
    assert (summary.n_ingested, summary.n_duplicates, summary.n_rejected) == (23, 3, 2)

    whole = run_pipeline(tmp_path / "whole.duckdb", [path], IngestOptions(batch_size=1000), fresh=True)
    assert (whole.n_ingested, whole.n_duplicates, whole.n_rejected) == (23, 3, 2)
    assert store_rows(tmp_path / "batched.duckdb") == store_rows(tmp_path / "whole.duckdb")


def test_copies_of_earlier_batches_update_their_article(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", corpus_rows())
    run_pipeline(tmp_path / "s.duckdb", [path], IngestOptions(batch_size=4), fresh=True)
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        rows = dict(((src_id, (n, topics)) for src_id, n, topics in
                     con.execute("SELECT source_id, n_copies, topics_raw FROM articles").fetchall()))
    assert rows["a1"] == (2, "war; diplomacy")      # the URL copy eight records later, with its topic
    assert rows["a3"] == (2, "war")                  # the text copy
    assert rows["a13"] == (2, "war")                 # a copy in its own batch, by URL without tracking
    assert sum(n for n, _ in rows.values()) == 23 + 3


@pytest.mark.parametrize("dates, declared, n_warnings", [
    (["2024-03-05 10:00", "2024-03-06T08:00:00Z", "2024-03-07 11:30", "bad date", ""] * 3, None, 2),  # naive
    (["2024-03-05", "03/04/2024", "04/05/2024", "25/04/2024", "13/05/2024"] * 3, None, 0),  # order proved later
    (["03/04/2024", "04/05/2024", "05/06/2024", "2024-03-05 10:00"] * 3, None, 3),  # ambiguous order, naive
    (["03/04/2024", "04/05/2024", "25/04/2024", "04/25/2024"] * 3, None, 2),        # mostly day first
    (["03/04/2024", "04/05/2024", "25/04/2024"] * 4, "DMY", 0),                     # declared
])
def test_batches_give_the_dates_and_warnings_of_the_whole_column(tmp_path, dates, declared, n_warnings):
    rows = [{"id": f"d{i}", "outlet": "Reuters" if i % 4 else "RT", "published": d, "title": f"T{i}",
             "body": BODY.format(day=d, i=i)} for i, d in enumerate(dates)]
    path = write_jsonl(tmp_path / "dates.jsonl", rows)
    options = IngestOptions(date_order=declared)
    whole = ingest_files([path], options, "run-1")
    registry = read_registry()
    for size in (1, 2, 5):
        warnings: list[str] = []
        parts = list(ingest_batches(iter_records([path], warnings), options, registry, "run-1", batch_size=size,
                                    read_warnings=warnings, now=None))
        got = [r for part in parts if len(part.articles)
               for r in part.articles[["source_id", "published_at", "date_note"]].astype(str).itertuples(index=False)]
        assert sorted(got) == sorted(whole.articles[["source_id", "published_at", "date_note"]]
                                     .astype(str).itertuples(index=False))
        assert [w for part in parts for w in part.warnings] == whole.warnings
        assert sum(p.n_input for p in parts) == len(rows)
    assert len(whole.warnings) == n_warnings


def test_batch_size_must_be_positive():
    with pytest.raises(ConfigError, match="ingest batch size"):
        IngestOptions(batch_size=0)
