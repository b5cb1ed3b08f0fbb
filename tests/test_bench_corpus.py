"""The synthetic benchmark corpora are dated in the past, whatever their size, so every article of a
benchmark store is dated and the dashboard's per-period queries run on all of it.

They used to advance 37 minutes an article from 2024: a million articles spanned 70 years and
ingest left the 96 % dated after the ingest time undated, so the million-article store's daily
rollups held 4 % of its articles.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

from bench_score import CORPUS_END, CORPUS_START, published  # noqa: E402
from make_articles import write_articles  # noqa: E402

from pipelines.cli import main  # noqa: E402


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


@pytest.mark.parametrize("n", [1, 20_000, 56_000, 1_000_000, 5_000_000])
def test_every_publication_time_lies_in_the_window_and_they_increase(n):
    first, second, last = _at(published(0, n)), _at(published(1, n)), _at(published(n - 1, n))
    assert CORPUS_START <= first < last < CORPUS_END or n == 1
    assert second > first
    assert CORPUS_END < datetime.now(timezone.utc)


def test_small_corpora_keep_37_minutes_between_articles():
    assert (_at(published(1, 20_000)) - _at(published(0, 20_000))).total_seconds() == 37 * 60


def test_an_ingested_benchmark_corpus_has_no_undated_article(tmp_path):
    corpus, store = tmp_path / "articles.jsonl", tmp_path / "bench.duckdb"
    write_articles(corpus, 300, chunk=100)
    result = CliRunner().invoke(main, ["ingest", "--input", str(corpus), "--store", str(store)])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(store), read_only=True) as con:
        n, undated = con.execute("SELECT count(*), count(*) FILTER (published_at IS NULL) FROM articles").fetchone()
    assert (n, undated) == (300, 0)
