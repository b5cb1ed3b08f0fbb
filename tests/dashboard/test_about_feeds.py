"""About page: the feeds a store was collected from, failed ones first, or a line saying there are none."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import pandas as pd

from app_pages import open_page
from pipelines import storage
from pipelines.collect import feed_status


def _with_feeds(store_path, tmp_path):
    store = tmp_path / "feeds.duckdb"
    shutil.copyfile(store_path, store)
    when = datetime(2026, 3, 2, 6, 15, tzinfo=timezone.utc)
    with storage.writing(store) as con:
        storage.write_table(con, "feed_state", pd.DataFrame([
            {"feed_url": "https://a.example/rss", "outlet": "Outlet <b>A</b>", "etag": '"x"', "last_modified": None,
             "last_checked": when, "last_status": "304", "last_error": None, "n_items_last": 20, "n_new_last": 0},
            {"feed_url": "https://b.example/rss", "outlet": "Outlet B", "etag": None, "last_modified": None,
             "last_checked": when, "last_status": "503", "last_error": "HTTP 503 Service Unavailable after 3 attempts",
             "n_items_last": None, "n_new_last": 0}]))
    return store


def test_feed_status_lists_failed_feeds_first(store_path, tmp_path):
    store = _with_feeds(store_path, tmp_path)
    con = storage.connect(store)
    try:
        status = feed_status(con)
    finally:
        con.close()
    assert status["feed_url"].tolist() == ["https://b.example/rss", "https://a.example/rss"]
    assert status["ok"].tolist() == [False, True]
    assert status["n_articles"].tolist() == [0, 0]


def test_about_page_shows_the_feeds(store_path, tmp_path):
    at = open_page(_with_feeds(store_path, tmp_path), "views/about.py")
    assert not at.exception
    assert "2 feeds read by `framewatch collect`; 1 feed failed at the last check" in " ".join(
        c.value for c in at.caption)
    table = next(d for d in at.dataframe if "feed_url" in d.value.columns)
    assert table.value["outlet"].tolist() == ["Outlet B", "Outlet <b>A</b>"]


def test_about_page_without_feeds_says_so(store_path):
    at = open_page(store_path, "views/about.py")
    assert not at.exception
    assert any("No feed was collected into this store" in c.value for c in at.caption)
