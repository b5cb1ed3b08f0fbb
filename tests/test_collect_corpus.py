"""Real corpus: collecting KCNA articles from a loopback feed into a KCNA store scores only the
new articles, and gives them exactly the scores of one batch run over the same inputs."""

from __future__ import annotations

import http.server
import threading
from email.utils import format_datetime
from xml.sax.saxutils import escape

import pandas as pd
import pytest

from pipelines.collect import CollectOptions, Feed, PoliteClient, collect_feeds
from pipelines.run import run_pipeline
from pipelines.storage import connect
from tests.conftest import corpus_dir

pytestmark = pytest.mark.corpus

HELD_OUT = 80


def _rows(store, sql: str, ids: list[str]) -> list[tuple]:
    con = connect(store)
    try:
        return sorted(con.execute(sql, [ids]).fetchall())
    finally:
        con.close()


def test_kcna_items_collected_into_a_kcna_store_score_like_a_full_run(tmp_path):
    df = pd.read_csv(corpus_dir("kcna_2024") / "kcna_articles.csv", dtype=str, keep_default_na=False)
    df = df.drop_duplicates("url", ignore_index=True)  # one item per article in the feed
    base, new = df.iloc[:-HELD_OUT], df.iloc[-HELD_OUT:]
    base.to_csv(tmp_path / "base.csv", index=False)
    run_pipeline(tmp_path / "s.duckdb", [tmp_path / "base.csv"])
    items = "".join(
        f"<item><title>{escape(r.headline)}</title><link>{escape(r.url)}</link>"
        f"<pubDate>{format_datetime(pd.Timestamp(r.date, tz='UTC').to_pydatetime())}</pubDate>"
        f"<content:encoded>{escape(r.story_text)}</content:encoded></item>" for r in new.itertuples())
    feed = ('<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>KCNA</title>{items}</channel></rss>").encode("utf-8")
    (tmp_path / "feed.xml").write_bytes(feed)
    # The same inputs in one batch run: the CSV and the feed saved as a file.
    run_pipeline(tmp_path / "full.duckdb", [tmp_path / "base.csv", tmp_path / "feed.xml"])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = feed if self.path == "/feed.xml" else b""
            self.send_response(200 if body else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
        summary = collect_feeds(tmp_path / "s.duckdb", [Feed("KCNA", url)], CollectOptions(min_interval=0),
                                client=PoliteClient(min_interval=0))
    finally:
        server.shutdown()
        server.server_close()
    # Some held-out rows repeat a stored article under another URL (same day, title and text):
    # the batch run folds them into that article too, so the two stores hold the same articles.
    full_ids = {r[0] for r in _rows(tmp_path / "full.duckdb", "SELECT article_id FROM articles WHERE "
                                    "article_id NOT IN (SELECT unnest(?))", [])}
    con = connect(tmp_path / "s.duckdb")
    try:
        new_ids = [r[0] for r in con.execute("SELECT article_id FROM articles WHERE source_file = ?", [url]).fetchall()]
        assert {r[0] for r in con.execute("SELECT article_id FROM articles").fetchall()} == full_ids
    finally:
        con.close()
    assert summary.items_new + summary.items_duplicate == HELD_OUT and summary.items_new > HELD_OUT // 2
    assert (summary.articles_scored, summary.full_rescore) == (summary.items_new, False)
    assert len(new_ids) == summary.items_new
    # Same article ids, texts and scores as when the CSV and the saved feed are run at once.
    for sql in ("SELECT article_id, text FROM articles WHERE article_id IN (SELECT unnest(?))",
                "SELECT article_id, start_char, end_char, term, voice, speaker FROM mentions "
                "WHERE article_id IN (SELECT unnest(?))",
                "SELECT article_id, voice, n_words, n_mentions FROM article_scores WHERE article_id IN (SELECT unnest(?))",
                "SELECT article_id, frame, score FROM article_frames WHERE article_id IN (SELECT unnest(?))",
                "SELECT article_id, topic FROM article_topics WHERE article_id IN (SELECT unnest(?))",
                "SELECT article_id, pair_id, form, start_char, voice FROM pair_mentions "
                "WHERE article_id IN (SELECT unnest(?))",
                "SELECT article_id, target, sent_start, compound FROM target_mentions "
                "WHERE article_id IN (SELECT unnest(?))"):
        collected = _rows(tmp_path / "s.duckdb", sql, new_ids)
        assert collected or "pair_mentions" in sql, sql  # (KCNA rarely uses a word-choice pair form)
        assert collected == _rows(tmp_path / "full.duckdb", sql, new_ids), sql
