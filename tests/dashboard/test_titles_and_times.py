"""An article whose source gave no title shows its first words, marked "(no title)", not "—" (RUWA's 707 RT items
are a lead without a headline); a date given without a time shows as the day, not an invented "00:00 UTC"
(the store keeps such dates at 00:00 UTC and does not record that they had no time)."""

from __future__ import annotations

import pandas as pd
import pytest

from app_pages import open_page
from dashboard.render import _when
from dashboard.tables import NO_TITLE, lead_title, when_text

LEAD = ("When the world came dangerously close to atomic Armageddon and the regime in charge "
        "looked away, observers said little.")


@pytest.fixture(scope="module")
def titles_store(tmp_path_factory):
    from pipelines.ingest import IngestOptions
    from pipelines.run import ScoreOptions, run_pipeline

    folder = tmp_path_factory.mktemp("titles")
    rows = [dict(id="a1", outlet="Outlet A", date="2026-03-02", title="", lead=LEAD, body=""),
            dict(id="b1", outlet="Outlet B", date="2026-03-03T14:05:00Z", title="The regime answers",
                 lead="", body="The regime answered at length, observers wrote, in a statement of its own.")]
    path = folder / "articles.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    store = folder / "titles.duckdb"
    run_pipeline(store, [path], IngestOptions(), ScoreOptions(), fresh=True)
    return store


@pytest.mark.parametrize("text, expected", [
    (LEAD, f"{NO_TITLE} When the world came dangerously close to atomic Armageddon and the regime …"),
    ("Short lead only", f"{NO_TITLE} Short lead only"),
    ("   ", NO_TITLE), (None, NO_TITLE), (float("nan"), NO_TITLE)])
def test_lead_title(text, expected):
    assert lead_title(text) == expected


@pytest.mark.parametrize("value, table, header", [
    ("2026-03-02 00:00:00+00:00", "2026-03-02", "2026-03-02"),
    ("2026-03-02 00:00:01+00:00", "2026-03-02 00:00", "2026-03-02 00:00 UTC"),
    ("2026-03-02 14:05:00+00:00", "2026-03-02 14:05", "2026-03-02 14:05 UTC"),
    ("2026-03-02 03:00:00+03:00", "2026-03-02", "2026-03-02"),          # midnight once in UTC
    (None, None, "undated")])
def test_a_time_of_exactly_midnight_shows_the_day_alone(value, table, header):
    ts = None if value is None else pd.Timestamp(value)
    assert when_text(ts) == table and _when(ts) == header


def test_articles_page_shows_the_first_words_and_the_day_not_a_dash_and_midnight(titles_store):
    at = open_page(titles_store, "views/articles.py")
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value.set_index("outlet")
    assert table.loc["Outlet A", "title"].startswith(f"{NO_TITLE} When the world came dangerously close")
    assert table.loc["Outlet B", "title"] == "The regime answers"
    assert table.loc["Outlet A", "published_at"] == "2026-03-02"
    assert table.loc["Outlet B", "published_at"] == "2026-03-03 14:05"
    captions = "\n".join(c.value for c in at.caption)
    assert "A time of exactly 00:00 UTC is not shown, only the day" in captions
    options = at.selectbox(key="article_pick").options
    assert any(f"Outlet A · {NO_TITLE} When the world" in o for o in options)
    a = next(i for i, o in enumerate(options) if "Outlet A" in o)
    at.selectbox(key="article_pick").set_value(a).run()
    page = "\n".join(m.value for m in at.markdown)
    assert f"<h3 style=\"margin-bottom:0\">{NO_TITLE} When the world came" in page
    assert "Outlet A · 2026-03-02<" in page and "00:00" not in page


def test_the_download_keeps_the_title_empty(titles_store):
    from dashboard import exports, loaders
    from pipelines.rollups import Filters

    raw = loaders.load_article_list(str(titles_store), loaders.store_version(str(titles_store)),
                                    loaders.filters_key(Filters()), 500)
    rows = exports.article_rows(raw).set_index("outlet")
    assert pd.isna(rows.loc["Outlet A", "title"]) or rows.loc["Outlet A", "title"] == ""


def test_evidence_and_concordance_show_the_first_words_for_an_untitled_article(titles_store):
    at = open_page(titles_store, "views/trends.py")
    assert not at.exception, [e.value for e in at.exception]
    page = "\n".join(m.value for m in at.markdown)
    assert f"{NO_TITLE} When the world came" in page                    # the preview of the cell's lines
    at = open_page(titles_store, "views/concordance.py", kind="lexicon", cell_outlet="Outlet A")
    assert not at.exception, [e.value for e in at.exception]
    page = "\n".join(m.value for m in at.markdown)
    assert f"{NO_TITLE} When the world came" in page
    assert any(f"Outlet A · {NO_TITLE} When" in o for o in at.selectbox(key="conc_read").options)
    assert "00:00" not in page
