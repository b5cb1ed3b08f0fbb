"""AppTest of the Distinctive terms page on the hand-made store (tests/dashboard/store_factory.py)."""

import json

from streamlit.testing.v1 import AppTest

from app_pages import open_page, url_values as _url, widget
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
    assert "(voice: outlet)" in caption and "English stop words removed" in caption
    assert "lexicon version" not in caption          # the lexicon plays no part in the terms (a user asked what does)
    assert at.expander[0].label == "How this is measured" and "Monroe" in at.expander[0].markdown[0].value
    assert len(at.get("plotly_chart")) == 1
    table = at.dataframe[0].value
    assert list(table.columns[:3]) == ["term", "count_i", "count_j"]
    labels = {c: v.get("label") for c, v in json.loads(at.dataframe[0].proto.columns).items()}
    assert [labels[c] for c in table.columns if c in labels] == [
        "Term", "Count here", "Count in rest", "Per 1,000 here", "Per 1,000 in rest", "δ", "z"]
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


def test_outlet_and_term_are_kept_in_the_url_and_read_from_a_link(store_path):
    at = _page(store_path)
    widget(at.selectbox, "Outlet").set_value(ALPHA).run()
    assert _url(at, "dt_outlet") == [ALPHA]
    terms = list(at.dataframe[0].value["term"])                  # the widget's options, in its order
    widget(at.selectbox, "Term (or click a bar)").set_value(terms[2]).run()
    assert _url(at, "term") == [terms[2]] and _url(at, "dt_outlet") == [ALPHA]
    shared = _page(store_path, dt_outlet=ALPHA, term=terms[2])     # the link a colleague opens
    assert not shared.exception, [e.value for e in shared.exception]
    assert widget(shared.selectbox, "Outlet").value == ALPHA
    assert shared.caption[0].value.startswith("n = 15 articles of Alpha Daily")
    assert widget(shared.selectbox, "Term (or click a bar)").value == terms[2]
    assert all(m.lower() == terms[2] for m in shared.dataframe[1].value["match"])     # its lines
    assert f"key={terms[2]}" in shared.get("page_link")[0].proto.query_string


def test_unknown_outlet_and_term_fall_back_to_the_defaults_and_leave_the_url(store_path):
    at = _page(store_path, dt_outlet="<b>Nobody</b>", term="x" * 5000, voice="all")
    assert not at.exception and not at.error
    assert not any("Nobody" in w.value or "Ignored" in w.value for w in at.warning)   # the synthetic banner only
    assert widget(at.selectbox, "Outlet").value == EQUALS                 # the first outlet
    assert widget(at.selectbox, "Term (or click a bar)").value == at.dataframe[0].value["term"].iloc[0]
    assert "dt_outlet" not in at.query_params and "term" not in at.query_params
    assert at.query_params["voice"] in ("all", ["all"])


def test_outlet_and_term_do_not_follow_to_another_page(store_path):
    at = _page(store_path, dt_outlet=ALPHA)
    assert _url(at, "dt_outlet") == [ALPHA]
    at.switch_page("views/word_choice.py").run()
    assert "dt_outlet" not in at.query_params and "term" not in at.query_params
