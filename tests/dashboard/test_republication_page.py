"""Republication page: AppTest on the hand-made store, chart builders, escaped first-vs-copy view."""

import re

import duckdb
import pandas as pd
import pytest

from dashboard.republication import copy_counts, copy_share_chart, diff_html, first_published_html, flow_heatmap
from dashboard.tables import copies_text, store_copies_text
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
    assert "1 story with near-identical copies" in caption and "2 later copies of another outlet's text" in caption
    assert ("copies: estimated Jaccard ≥ 0.7 of 5-word shingles (MinHash, 128 permutations); a text under 25 "
            "words is a copy only of another outlet's text") in caption
    assert "lexicon version" not in caption                     # the page uses no lexicon
    assert at.expander[0].label == "How this is measured"
    assert [b.proto.label for b in at.get("download_button")] == [
        "Download chart data (CSV)", "Download copy shares (CSV)", "Download copies (CSV)"]
    stories = at.dataframe[0].value
    assert list(at.dataframe[0].proto.column_order)[:3] == ["story", "first_outlet", "republished_by"]
    # no-break spaces inside each copy: the wrapped cell breaks between copies only
    assert stories["republished_by"].tolist() == ["Outlet\u00a0B\u00a0(+2.5\u00a0h), Outlet\u00a0C\u00a0(+24\u00a0h)"]
    members = at.dataframe[1].value
    assert members["outlet"].tolist() == ["Outlet A", "Outlet B", "Outlet C"]
    assert members["lag_hours"].tolist() == [0.0, 2.5, 24.0]


def test_page_ignores_the_switch_and_compares_texts(repub_store):
    at = _page(repub_store, copies="none")                      # the sidebar leaves wire copies out elsewhere
    assert not at.exception
    assert "n = 5 articles selected" in "\n".join(c.value for c in at.caption)
    at.selectbox(key="repub_pair").set_value(2).run()           # Outlet A → Outlet C
    assert at.selectbox(key="repub_story").options[0].endswith("Grain corridor talks resume · first + 2 later copies")
    pick = at.selectbox(key="repub_copy")
    pick.set_value(2).run()                                     # Outlet C, with its footer
    html = "\n".join(m.value for m in at.markdown)
    assert '<ins title="only in this copy"' in html and "Follow Outlet C for more." in html
    assert "First copy: Outlet A · 2026-03-02 06:00 UTC. Struck through in red" in "\n".join(c.value for c in at.caption)
    assert "synthetic (demo)" not in html                       # real outlets: no badge on the copy's header


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
    assert not copy_share_chart(shares).layout.annotations                       # bars to read: nothing to say


def test_bars_of_zero_only_say_that_no_article_copies_another_outlet():
    from dashboard.republication import NO_COPIES_TEXT

    shares = pd.DataFrame({"outlet": ["KCNA"], "n_articles": [1275], "n_copies": [0], "share": [0.0],
                           "share_low": [0.0], "share_high": [0.003]})    # one outlet: its own repeats are no copy
    fig = copy_share_chart(shares)
    assert [a.text for a in fig.layout.annotations] == [NO_COPIES_TEXT] and list(fig.data[0].x) == [0.0]


# --------------------------------------------------------------------------- the counts of copies, page by page

COPIES_SQL = ("SELECT count(*), count(DISTINCT c.cluster_id), count(*) FILTER (WHERE c.is_first), "
              "count(*) FILTER (WHERE NOT c.is_first AND a.outlet <> f.outlet), count(*) FILTER (WHERE c.syndicated) "
              "FROM article_clusters c JOIN articles a USING (article_id) JOIN articles f ON f.article_id = c.cluster_id")


def _store_counts(store, where: str = "TRUE") -> dict:
    """The clustered articles of the store (those matching *where*, on ``a``), counted by SQL, not by the page."""
    with duckdb.connect(str(store), read_only=True) as con:
        n, stories, first, later, wire = con.execute(f"{COPIES_SQL} WHERE {where}").fetchone()
    return dict(n=n, stories=stories, first=first, later=later, own=n - first - later, wire=wire)


def _copies_sentence(caption: str) -> dict:
    m = re.search(r"([\d,]+) articles? in ([\d,]+) stor(?:y|ies) with near-identical copies: ([\d,]+) first "
                  r"cop(?:y|ies)(?:, | and )([\d,]+) later cop(?:y|ies) of another outlet's text"
                  r"(?: and ([\d,]+) repeats? of an outlet's own text)?", caption)
    assert m, caption
    n, stories, first, later, own = (int((g or "0").replace(",", "")) for g in m.groups())
    return dict(n=n, stories=stories, first=first, later=later, own=own)


@pytest.mark.parametrize("outlets", [(), ("Outlet B",), ("Outlet A", "Outlet C")])
def test_republication_caption_counts_agree_with_the_store(repub_store, outlets):
    at = _page(repub_store, **({"outlet": list(outlets)} if outlets else {}))
    assert not at.exception, [e.value for e in at.exception]
    caption = at.caption[0].value
    where = "a.day IS NOT NULL" + (f" AND a.outlet IN ({', '.join(repr(o) for o in outlets)})" if outlets else "")
    expected = _store_counts(repub_store, where)
    assert _copies_sentence(caption) == {k: expected[k] for k in ("n", "stories", "first", "later", "own")}
    assert "About the data gives these counts for the whole store" in caption
    if outlets == ("Outlet B",):                   # its first copy (Outlet A) is outside the selection
        assert expected == dict(n=1, stories=1, first=0, later=1, own=0, wire=1)


def test_about_and_the_sidebar_give_the_whole_store_in_the_same_words(repub_store):
    at = _page(repub_store, page="views/about.py", outlet=["Outlet B"])   # the sidebar's selection does not apply
    assert not at.exception, [e.value for e in at.exception]
    expected = _store_counts(repub_store)
    caption = next(c.value for c in at.caption if c.value.startswith("In the whole store,"))
    assert _copies_sentence(caption) == {k: expected[k] for k in ("n", "stories", "first", "later", "own")}
    assert f"all {expected['n']:,} are wire copies (first copies included)" in caption
    assert "The Republication page counts the same for the articles the sidebar selects" in caption
    help_text = next(r.help for r in at.sidebar.radio if r.label == "Republished copies")
    assert _copies_sentence(help_text) == _copies_sentence(caption)
    # the Republication page, on every outlet, says the same numbers (the store's articles are all dated)
    republication = _page(repub_store)
    assert _copies_sentence(republication.caption[0].value) == _copies_sentence(caption)


@pytest.mark.parametrize("counts, text", [
    ((0, 0, 0, 0, 0), "no near-identical copies"),
    ((2, 1, 1, 1, 0), "2 articles in 1 story with near-identical copies: 1 first copy and 1 later copy of another "
                      "outlet's text"),
    ((6, 2, 1, 3, 2), "6 articles in 2 stories with near-identical copies: 1 first copy, 3 later copies of another "
                      "outlet's text and 2 repeats of an outlet's own text"),
])
def test_copies_text(counts, text):
    assert copies_text(*counts) == text


def test_copy_counts_split_first_copies_later_copies_and_own_repeats():
    copies = pd.DataFrame({
        "cluster_id": ["r1", "r1", "r1", "x1", "x1", "y1"],
        "outlet": ["A", "B", "A", "C", "C", "B"],          # r1: A first, B copies, A repeats itself; x1: C twice
        "first_outlet": ["A", "A", "A", "C", "C", "A"],    # y1: a copy whose first (at A) is not selected
        "is_first": [True, False, False, True, False, False]})
    assert copy_counts(copies) == (6, 3, 2, 2, 2)


@pytest.mark.parametrize("n_wire, ending", [(6, "; all 6 are wire copies (first copies included)"),
                                            (4, "; 4 of them are wire copies (first copies included)"),
                                            (1, "; 1 of them is a wire copy (first copies included)"),
                                            (0, "; none is a wire copy")])
def test_store_copies_text_says_how_many_are_wire_copies(n_wire, ending):
    summary = dict(n_clustered=6, n_clusters=2, n_first_copies=2, n_later_copies=3, n_own_repeats=1,
                   n_syndicated=n_wire)
    assert store_copies_text(summary) == copies_text(6, 2, 2, 3, 1) + ending


def test_stories_table_counts_the_copies_after_the_first_and_says_when_the_first_is_not_selected(repub_store):
    # a new user read "Copies 2" for a story republished once: the table now counts the later copies alone
    with duckdb.connect(str(repub_store), read_only=True) as con:
        later = con.execute("SELECT count(*) FROM articles WHERE outlet IN ('Outlet B', 'Outlet C') "
                            "AND title ILIKE '%grain%'").fetchone()[0]
    assert later == 2
    at = _page(repub_store)
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0]
    assert "n_copies" not in table.proto.column_order and "n_later" in table.proto.column_order
    assert table.value["n_later"].tolist() == [later]
    assert '"Later copies"' in table.proto.columns
    assert at.selectbox(key="repub_story").options[0].endswith(f"first + {later} later copies")
    # without Outlet A the first copy is not among the selected articles; its two copies still are
    at = _page(repub_store, outlet=["Outlet B", "Outlet C", "Outlet D"])
    assert not at.exception, [e.value for e in at.exception]
    assert at.dataframe[0].value["n_later"].tolist() == [later]
    assert at.selectbox(key="repub_story").options[0].endswith(f"{later} later copies, the first not selected")


def test_republished_by_lists_every_later_copy_unbroken_and_the_rows_grow_to_show_them():
    from dashboard.republication import NBSP, republished_lines, story_row_height

    copies = pd.DataFrame({
        "cluster_id": ["a1"] * 5 + ["b1"] * 2 + ["c1"],
        "article_id": ["a1", "a2", "a3", "a4", "a5", "b1", "b2", "c1"],
        "outlet": ["Wire", "Capital Ledger", "Riverside Post", "Voice of the Fatherland", "Eastern Star Daily",
                   "Outlet D", "Outlet E", "Outlet F"],
        "lag_hours": [0.0, 2.5, 17.0, 30.2, float("nan"), 0.0, -1.0, 0.0]})
    clusters = pd.DataFrame({"cluster_id": ["c1", "a1", "b1"]}, index=[7, 8, 9])
    cells = republished_lines(clusters, copies)
    assert cells.index.tolist() == [7, 8, 9]
    assert cells.str.replace(NBSP, " ").tolist() == [
        "",                                                               # no later copy selected
        "Capital Ledger (+2.5 h), Riverside Post (+17 h), Voice of the Fatherland (+30 h), "
        "Eastern Star Daily (time unknown)",                              # four outlets, none cut
        "Outlet E (-1.0 h)"]
    assert " " not in cells[8].replace(", ", "")                          # breaks only between copies
    assert story_row_height(cells) == 21 * 4 + 10                         # four lines
    capped = republished_lines(clusters, copies, max_lines=3)
    assert capped[8].replace(NBSP, " ").endswith("Riverside Post (+17 h), … 2 more: choose the story below")
    assert story_row_height(pd.Series(["x", "y"])) == 66                  # two lines at least: titles wrap


# --------------------------------------------------------------------------- an outlet's repeated short texts

CAPTIONS = [  # (id, outlet, date, title) of items with no body: the text is the title (a photo item's caption)
    ("k1", "KCNA", "2024-09-17T00:00:00Z", "DPRK Foreign Minister Leaves for Russia"),
    ("k2", "KCNA", "2024-10-29T00:00:00Z", "DPRK Foreign Minister Leaves for Russia"),       # the next trip
    ("k3", "KCNA", "2024-09-25T00:00:00Z", "DPRK Foreign Minister Back Home"),
    ("k4", "KCNA", "2024-11-07T00:00:00Z", "DPRK Foreign Minister Back Home"),
    ("y1", "Yonhap", "2024-09-17T06:00:00Z", "DPRK Foreign Minister Leaves for Russia"),     # a copy elsewhere
]


@pytest.fixture(scope="module")
def captions_store(tmp_path_factory):
    from pipelines.ingest import IngestOptions
    from pipelines.run import ScoreOptions, run_pipeline

    folder = tmp_path_factory.mktemp("captions")
    path = folder / "captions.csv"
    pd.DataFrame([dict(id=i, outlet=o, date=d, title=t) for i, o, d, t in CAPTIONS]).to_csv(path, index=False)
    store = folder / "captions.duckdb"
    run_pipeline(store, [path], IngestOptions(), ScoreOptions(), fresh=True)
    return store


def test_an_outlets_repeated_captions_are_no_copies_a_copy_at_another_outlet_is(captions_store):
    """A new user saw KCNA's photo captions (title only, repeated on a later trip) counted as copies:
    under 25 words, a text is a copy only of another outlet's text."""
    at = _page(captions_store)
    assert not at.exception, [e.value for e in at.exception]
    assert _copies_sentence(at.caption[0].value) == dict(n=2, stories=1, first=1, later=1, own=0)
    stories = at.dataframe[0].value
    assert stories["first_outlet"].tolist() == ["KCNA"] and stories["n_later"].tolist() == [1]
    assert stories["republished_by"].str.replace("\u00a0", " ").tolist() == ["Yonhap (+6.0 h)"]
    members = at.dataframe[1].value
    assert members["outlet"].tolist() == ["KCNA", "Yonhap"]
    assert members["published_at"].dt.strftime("%Y-%m-%d").tolist() == ["2024-09-17", "2024-09-17"]
    assert _store_counts(captions_store) == dict(n=2, stories=1, first=1, later=1, own=0, wire=2)


def test_method_note_and_caption_state_the_rule_on_short_texts():
    from dashboard import notes
    from dashboard.republication import SETTINGS_TEXT
    from pipelines.syndication import MIN_OWN_WORDS

    assert f"a text of fewer than {MIN_OWN_WORDS} words" in notes.REPUBLICATION
    assert "is a copy only of another outlet's text" in notes.REPUBLICATION
    assert "keeps only its earliest member" in notes.REPUBLICATION and "(Henzinger 2006)" in notes.REPUBLICATION
    assert f"a text under {MIN_OWN_WORDS} words is a copy only of another outlet's text" in SETTINGS_TEXT
