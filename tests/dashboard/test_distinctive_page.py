"""AppTest of the Distinctive terms page on the hand-made store (tests/dashboard/store_factory.py)."""

from streamlit.testing.v1 import AppTest

from app_pages import open_page, widget
from store_factory import ALPHA, EQUALS, OREILLY


def _page(store, **query) -> AppTest:
    return open_page(store, "views/distinctive.py", **query)


def test_page_compares_the_chosen_outlet_with_the_rest_and_links_a_term(store_path):
    at = _page(store_path)
    assert not at.exception, [e.value for e in at.exception]
    outlet = widget(at.selectbox, "Outlet")
    assert outlet.options == [EQUALS, ALPHA, OREILLY]
    outlet.set_value(ALPHA).run()
    caption = at.caption[0].value
    # Alpha Daily has 15 dated articles, the two others 28; only the outlet's own voice is counted.
    assert caption.startswith("n = 15 articles of Alpha Daily, 28 articles of 2 other outlets")
    assert "(voice: outlet)" in caption and "lexicon version lex-test-0001" in caption
    assert at.expander[0].label == "How this is measured" and "Monroe" in at.expander[0].markdown[0].value
    assert len(at.get("plotly_chart")) == 1
    table = at.dataframe[0].value
    assert list(table.columns[:3]) == ["term", "count in outlet", "count in the rest"]
    assert table["z"].is_monotonic_decreasing
    term = widget(at.selectbox, "Term (or click a bar)")
    term.set_value(table["term"].iloc[0]).run()
    lines = at.dataframe[1].value
    assert len(lines) > 0 and set(lines["outlet"]) == {ALPHA}
    assert all(m.lower() == table["term"].iloc[0] for m in lines["match"])
    link = at.get("page_link")[0].proto
    assert link.page == "concordance"
    assert f"key={table['term'].iloc[0]}" in link.query_string and "cell_outlet=Alpha+Daily" in link.query_string
    assert at.get("download_button")[0].proto.label == "Download chart data (CSV)"


def test_one_outlet_is_not_enough(store_path):
    at = _page(store_path, outlet=OREILLY)
    assert not at.exception
    assert any("select at least two outlets" in i.value for i in at.info)
    assert not at.get("plotly_chart")
