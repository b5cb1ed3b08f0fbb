"""AppTest of the Concordance page and of the links that lead to it, on the hand-made store.

Counted by hand from :mod:`store_factory`: Alpha Daily's articles in the weeks of 5 and 12
January 2026 are k = 0 (5 Jan, "regime", the ``<script>`` title and a ``javascript:`` URL),
k = 4 (12 Jan, "regime") and k = 5 (14 Jan, "hegemon", article id B-7); each names its term
once in the outlet's own words, and both terms are pejorative labels.
"""

import re

from streamlit.testing.v1 import AppTest

from pipelines import concordance
from app_pages import APP, open_page
from store_factory import ALPHA, EQUALS, OREILLY

ALPHA_CELL = dict(kind="category", key="pejorative label", cell_outlet=ALPHA, cell_from="2026-01-05",
                  cell_to="2026-01-18")


def _concordance(store, **query) -> AppTest:
    return open_page(store, "views/concordance.py", **query)


def _heading(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("#### "))


def _table(at) -> str:
    return next(m.value for m in at.markdown if "fw-kwic" in m.value)


def _rows(html: str) -> list[str]:
    return re.findall(r"<tr><td.*?</tr>", html)


def _captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def test_a_cell_from_the_url_is_stated_and_shows_exactly_its_lines(store_path):
    at = _app_cell(store_path)
    assert not at.exception, [e.value for e in at.exception]
    assert _heading(at) == ("#### Lexicon category *pejorative label* · Outlet Alpha Daily · 2026-01-05 to "
                            "2026-01-18 · outlet's own words")
    assert "n = 3 lines in 3 articles" in _captions(at)
    assert "lexicon version lex-test-0001" in _captions(at)
    rows = _rows(_table(at))
    assert [re.search(r"<mark[^>]*>(.*?)</mark>", r).group(1) for r in rows] == ["regime", "regime", "hegemon"]
    assert [re.search(r"(2026-\d\d-\d\d)", r).group(1) for r in rows] == ["2026-01-05", "2026-01-12", "2026-01-14"]
    assert all("Alpha Daily" in r for r in rows)
    assert [b.proto.label for b in at.get("download_button")] == ["Download every line (CSV)"]
    assert at.get("download_button")[0].proto.url.endswith(".csv")
    assert at.expander[1].label == "How this is measured"
    # The cell stays in the URL beside the sidebar's filters (the sidebar writes the URL on every run).
    assert {k: at.query_params[k] for k in ALPHA_CELL} == ALPHA_CELL
    assert at.query_params["voice"] in ("outlet", ["outlet"])


def _app_cell(store_path, **extra):
    return _concordance(store_path, **ALPHA_CELL, **extra)


def test_titles_are_escaped_and_only_http_links_are_links(store_path):
    html = _table(_app_cell(store_path))
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Regime watch" in html
    assert "javascript:" not in html
    assert 'href="https://example.org/B-7"' in html


def test_shared_link_opened_cold_applies_its_filters_and_its_cell(store_path):
    at = _concordance(store_path, voice="all", outlet=[ALPHA, OREILLY], kind="category", key="militarised language")
    assert not at.exception
    assert _heading(at).startswith("#### Lexicon category *militarised language* · All selected outlets (2 outlets) · ")
    assert _heading(at).endswith(" · all voices")
    rows = _rows(_table(at))
    # "war games" is said in reported speech in every article k with k % 3 == 0, at Alpha and O'Reilly only here.
    assert rows and all("war games" in r and "attributed" in r for r in rows)
    assert not any(EQUALS in r for r in rows)
    assert at.query_params["kind"] in ("category", ["category"]) and at.query_params["voice"] in ("all", ["all"])


def test_opened_without_a_cell_offers_the_choice_and_writes_it_to_the_url(store_path):
    at = _concordance(store_path)
    assert not at.exception
    assert at.expander[0].label == "Choose the cell"
    # the heading uses the outlet selector's words ("All selected outlets"), true to the sidebar (every outlet)
    outlet_box = at.selectbox(key="conc_cell_outlet")
    assert outlet_box.format_func(outlet_box.value) == "All selected outlets"
    assert _heading(at) == ("#### Every lexicon term · All selected outlets (every outlet) · 2026-01-05 to 2026-03-13 "
                            "· outlet's own words")
    assert "kind" not in at.query_params
    assert at.selectbox(key="conc_key").value == "" and at.selectbox(key="conc_cell_outlet").value == ""   # "All"
    at.selectbox(key="conc_kind").set_value("lexicon")
    at.selectbox(key="conc_key").set_value("hegemon").run()
    assert at.query_params["key"] in ("hegemon", ["hegemon"])
    assert _heading(at).startswith("#### Lexicon term *hegemon* · All selected outlets (every outlet)")
    marks = re.findall(r"<mark[^>]*>(.*?)</mark>", _table(at))
    assert marks and set(marks) == {"hegemon"}
    at.selectbox(key="conc_kind").set_value("category").run()
    assert at.query_params["kind"] in ("category", ["category"]) and "key" not in at.query_params   # key reset


def test_a_cell_outside_the_sidebar_selection_says_why(store_path):
    at = _concordance(store_path, outlet=[OREILLY], **ALPHA_CELL)
    assert not at.exception
    assert any("not among the outlets selected in the sidebar" in i.value for i in at.info)
    assert "n = 0 lines in 0 articles" in _captions(at)


def test_unknown_and_not_yet_installed_kinds_are_friendly(store_path, monkeypatch):
    at = _concordance(store_path, kind="nonsense")
    assert not at.exception
    assert any("unknown kind 'nonsense'" in w.value for w in at.warning)
    assert _heading(at).startswith("#### Every lexicon term")
    monkeypatch.setitem(concordance.KINDS, "later", "pipelines.not_written_yet:evidence_spans")
    monkeypatch.setitem(concordance.KIND_LABELS, "later", "Later measure")
    at = _concordance(store_path, kind="later", key="x")
    assert not at.exception
    assert any("Later measure evidence is not available in this version" in i.value for i in at.info)


def test_a_store_without_the_measures_table_and_a_bad_key_are_explained(store_path, monkeypatch, tmp_path):
    (tmp_path / "fw_old_store_measure.py").write_text(
        "def evidence_spans(con, filters, *, key=None, outlet=None, start=None, end=None, limit=0):\n"
        "    if key == 'bad':\n"
        "        raise ValueError('frame must be one of (...), not \\'bad\\'')\n"
        "    return con.execute('SELECT * FROM measure_rows_of_a_newer_version').df()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(concordance.KINDS, "newer", "fw_old_store_measure:evidence_spans")
    monkeypatch.setitem(concordance.KIND_LABELS, "newer", "Newer measure")
    at = _concordance(store_path, kind="newer", key="x")
    assert not at.exception
    assert any("This store has no newer measure evidence" in i.value for i in at.info)
    at = _concordance(store_path, kind="newer", key="bad")
    assert not at.exception
    assert any("is not one this measure knows: frame must be one of" in w.value for w in at.warning)


def test_a_big_cell_is_paged_with_its_total_stated(big_cell_store_path):
    at = _concordance(big_cell_store_path, kind="lexicon", key="regime", cell_outlet="Outlet K")
    assert not at.exception
    assert "Lines 1–100 of 480, from 240 articles, by date; the download has all 480." in _captions(at)
    assert len(_rows(_table(at))) == 100
    at.selectbox(key="conc_page").set_value(400).run()
    assert "Lines 401–480 of 480" in _captions(at)
    assert len(_rows(_table(at))) == 80
    at.selectbox(key="conc_key").set_value("puppet").run()        # 60 lines: one page, from the first
    assert not at.exception
    assert "All 60 lines, from 60 articles, by date" in _captions(at) and len(_rows(_table(at))) == 60


def test_trends_and_heatmap_evidence_link_to_their_cell(store_path):
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["store_path"] = str(store_path)
    at.run()
    link = at.get("page_link")[0].proto
    assert (link.page, link.query_string) == (
        "concordance", "kind=lexicon&cell_outlet=Alpha+Daily&cell_from=2026-01-05&cell_to=2026-01-11")
    at.switch_page("views/outlets_categories.py").run()
    link = at.get("page_link")[0].proto
    assert link.query_string == "kind=category&key=pejorative+label&cell_outlet=%3DEquals+News"


def test_read_the_article_marks_the_line(store_path):
    at = _app_cell(store_path)
    at.selectbox(key="conc_read").set_value(2).run()
    article = next(m.value for m in at.markdown if 'class="fw-article"' in m.value)
    assert re.findall(r"<mark[^>]*>(.*?)</mark>", article) == ["hegemon"]
    assert "Story 5 from Alpha Daily" in "\n".join(m.value for m in at.markdown)


def test_a_line_links_to_its_article_on_the_articles_page(store_path):
    at = _app_cell(store_path)
    at.selectbox(key="conc_read").set_value(2).run()
    link = next(p.proto for p in at.get("page_link") if p.proto.page == "articles")
    assert link.query_string == "article=B-7"
    at.switch_page("views/articles.py")
    at.query_params["article"] = "B-7"
    at.run()
    assert not at.exception
    assert "Story 5 from Alpha Daily" in "\n".join(m.value for m in at.markdown)
    assert at.query_params["article"] in ("B-7", ["B-7"])          # kept by the sidebar's URL writer


def test_frame_lines_name_the_frame_lexicon_version_and_keep_the_frame_name(store_path):
    from pipelines.frames import stored_version
    from pipelines.storage import connect

    with connect(store_path, read_only=True) as con:
        version = stored_version(con)
    at = _concordance(store_path, kind="frame")
    assert not at.exception, [e.value for e in at.exception]
    assert f"frame lexicon version {version}" in _captions(at) and version.startswith("frames-")
    assert "lex-test-0001" not in _captions(at)                 # the loaded-wording lexicon found none of these
    table = _table(at)
    assert "<th style='width:11%;text-align:left" in table and ">Evidence of</th>" in table
    styles = re.findall(r"<td style='padding:3px 4px'><div style='([^']*)'", _rows(table)[0])
    label, title = styles[5], styles[-1]                        # Evidence of (after Match), Article
    assert "flex-end" not in label                              # was cut at its start: "onomic: interest rate"
    assert "-webkit-line-clamp:2" in label and "-webkit-line-clamp:2" in title   # two lines, then cut at the end


def test_a_linked_article_missing_from_the_list_is_still_shown(store_path):
    from pipelines.storage import connect

    with connect(store_path) as con:
        undated = con.execute("SELECT article_id, title, outlet FROM articles WHERE day IS NULL").fetchone()
    at = _concordance(store_path)
    at.switch_page("views/articles.py")
    at.query_params["article"] = undated[0]
    at.run()
    assert not at.exception
    assert undated[1] in "\n".join(m.value for m in at.markdown)
    assert "not among the articles listed above" in _captions(at)
    pick = at.selectbox(key="article_pick")                    # what is selected is what is shown
    assert pick.options[0] == f"Linked (not listed above): undated · {undated[2]} · {undated[1]}"
    assert pick.index == 0
    pick.set_value(0).run()                                     # another article: the link is dropped
    assert "article" not in at.query_params
    assert "not among the articles listed above" not in _captions(at)


def test_a_selection_without_mentions_says_there_are_no_lines_not_type_a_term(store_path):
    # O'Reilly Wire's first article is of 2026-01-06: on 2026-01-05 the lexicon-term list is empty because
    # there is nothing to list, not because a term must be typed (as for a distinctive term).
    at = _concordance(store_path, outlet=OREILLY, **{"from": "2026-01-05", "to": "2026-01-05"})
    assert not at.exception, [e.value for e in at.exception]
    assert [i.value for i in at.info] == ["No lines in this cell under the sidebar's filters (voice, categories, "
                                          "topics, dates)."]
    assert at.expander[0].proto.expanded is True                    # opened bare: the cell chooser is open
    typed = _concordance(store_path, kind="term")                  # a distinctive term has no list: type one
    assert [i.value for i in typed.info] == ["Type a distinctive term under *Choose the cell* to see its lines."]
