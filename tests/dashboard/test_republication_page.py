"""Republication page: AppTest on the hand-made store, chart builders, escaped first-vs-copy view."""

import pandas as pd
import pytest

from dashboard.republication import copy_share_chart, diff_html, first_published_html, flow_heatmap
from app_pages import open_page
from store_factory import build_republication_store


@pytest.fixture(scope="module")
def repub_store(tmp_path_factory):
    return build_republication_store(tmp_path_factory.mktemp("repub"))


def _page(store, page="views/republication.py", **query):
    return open_page(store, page, **query)


def test_page_lists_the_story_its_copies_lags_and_downloads(repub_store):
    at = _page(repub_store)
    assert not at.exception, [e.value for e in at.exception]
    caption = "\n".join(c.value for c in at.caption)
    assert "n = 5 articles selected (every copy counted)" in caption
    assert "1 story with near-identical copies" in caption and "2 copies of another outlet's text" in caption
    assert "copies: estimated Jaccard ≥ 0.7 of 5-word shingles (MinHash, 128 permutations)" in caption
    assert "lexicon version" not in caption                     # the page uses no lexicon
    assert at.expander[0].label == "How this is measured"
    assert [b.proto.label for b in at.get("download_button")] == [
        "Download chart data (CSV)", "Download copy shares (CSV)", "Download copies (CSV)"]
    stories = at.dataframe[0].value
    assert list(at.dataframe[0].proto.column_order)[:3] == ["story", "first_outlet", "republished_by"]
    assert stories["republished_by"].tolist() == ["Outlet B (+2.5 h), Outlet C (+24 h)"]
    members = at.dataframe[1].value
    assert members["outlet"].tolist() == ["Outlet A", "Outlet B", "Outlet C"]
    assert members["lag_hours"].tolist() == [0.0, 2.5, 24.0]


def test_page_ignores_the_switch_and_compares_texts(repub_store):
    at = _page(repub_store, copies="none")                      # the sidebar leaves wire copies out elsewhere
    assert not at.exception
    assert "n = 5 articles selected" in "\n".join(c.value for c in at.caption)
    at.selectbox(key="repub_pair").set_value(2).run()           # Outlet A → Outlet C
    assert at.selectbox(key="repub_story").options[0].endswith("Grain corridor talks resume · 3 copies")
    pick = at.selectbox(key="repub_copy")
    pick.set_value(2).run()                                     # Outlet C, with its footer
    html = "\n".join(m.value for m in at.markdown)
    assert '<ins title="only in this copy"' in html and "Follow Outlet C for more." in html


def test_article_view_says_where_the_text_appeared_first(repub_store):
    at = _page(repub_store, page="views/articles.py")
    pick = at.selectbox(key="article_pick")
    copy = next(j for j, label in enumerate(pick.options) if "Outlet C" in label)
    pick.set_value(copy).run()
    html = "\n".join(m.value for m in at.markdown)
    assert "<strong>First published by Outlet A</strong> on 2026-03-02 06:00 UTC (24 hours earlier)" in html
    assert html.count("Outlet A") == 1                          # said once: not again under "Also published by"
    assert "<strong>Also published by:</strong> Outlet B (" in html
    first = next(j for j, label in enumerate(pick.options) if "Outlet A" in label)
    at.selectbox(key="article_pick").set_value(first).run()
    assert "First published by" not in "\n".join(m.value for m in at.markdown)


def test_first_published_html_escapes_and_counts_hours():
    members = pd.DataFrame({"article_id": ["a", "b"], "outlet": ["<b>Wire</b>", "B"],
                            "published_at": pd.to_datetime(["2026-03-02 06:00", "2026-03-02 08:30"], utc=True),
                            "is_first": [True, False], "similarity": [1.0, 0.91]})
    out = first_published_html("b", members)
    assert "&lt;b&gt;Wire&lt;/b&gt;" in out and "<b>Wire" not in out
    assert "(2.5 hours earlier)" in out and "similarity 0.91" in out
    assert first_published_html("a", members) == ""             # the first copy itself


def test_diff_html_escapes_both_texts():
    out = diff_html("<script>x</script> same", "<img src=x> same")
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;x&lt;/script&gt;" in out and "&lt;img" in out


def test_charts_show_counts_and_intervals():
    flows = pd.DataFrame({"first_outlet": ["A", "A"], "outlet": ["B", "C"], "n_copies": [3, 1],
                          "median_lag_hours": [2.5, 24.0]})
    heat = flow_heatmap(flows).data[0]
    assert list(heat.x) == ["B", "C"] and list(heat.y) == ["A"] and heat.z.tolist() == [[3.0, 1.0]]
    shares = pd.DataFrame({"outlet": ["A", "B"], "n_articles": [1, 2], "n_copies": [0, 1], "share": [0.0, 0.5],
                           "share_low": [0.0, 0.0945], "share_high": [0.7935, 0.9055]})
    bar = copy_share_chart(shares).data[0]
    assert list(bar.y) == ["B", "A"] and list(bar.x) == [0.5, 0.0]
    assert list(bar.error_x.array) == pytest.approx([0.4055, 0.7935])
    assert flow_heatmap(flows.iloc[0:0]).layout.annotations[0].text == "No republished copies in this selection"
