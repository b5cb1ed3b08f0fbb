"""One real-browser run of the dashboard, served by ``framewatch dashboard``, following case C15.

C15 (streamlit/streamlit#3832): clicking a download button must not reset the filters, and
the file must hold the data of the current selection, never the previous one. The store is
built here by the real pipeline from a hand-written corpus whose daily shares are C15's
``chart_data.csv`` (:data:`store_factory.C15_ROWS`); the filters are set through the
sidebar widgets, as a user would. Then, on the same store, the evidence path of issue 3: from a
Trends chart cell to the Concordance page, which must list exactly that cell's mentions (on
screen and in its download), also when its link is opened cold in a new browser.
"""

import io
import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from conftest import serving, wait_for_app_idle
from store_factory import build_c15_store

MILITARY_B = [("2026-03-02", 4, 1, 0.25), ("2026-03-03", 6, 3, 0.5), ("2026-03-04", 2, 2, 1.0)]
DIPLOMACY_B = [("2026-03-02", 2, 1, 0.5), ("2026-03-03", 2, 0, 0.0), ("2026-03-04", 3, 0, 0.0)]
"""C15 expected rows for Outlet B, 03-02 to 03-04: period, n_articles, n_articles_with_mention, share."""


@pytest.fixture(scope="module")
def c15_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("c15")
    store = build_c15_store(folder)
    with serving(store, folder / "dashboard.log") as url:
        yield url


def _rows(data: bytes) -> list[tuple]:
    df = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert set(df["outlet"]) == {"Outlet B"}
    return [(p, int(n), int(k), float(s)) for p, n, k, s in
            zip(df["period"], df["n_articles"], df["n_articles_with_mention"], df["share"])]


def _download(page, path):
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download chart data (CSV)").click()
    dl.value.save_as(path)
    return path.read_bytes()


def _box(sidebar, label: str):
    return sidebar.get_by_test_id("stMultiSelect").filter(has_text=label)


def _choose(page, sidebar, label: str, option: str) -> None:
    """Add *option* to the sidebar's *label* filter, as a user does (open, click, close)."""
    _box(sidebar, label).get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")                             # else the page behind the dropdown is aria-hidden


TREND = '[data-testid="stVegaLiteChart"]'
"""The Trends chart (Vega-Lite, drawn as SVG at these sizes)."""
TREND_DRAWN = f"{TREND} svg .role-title-text"


def _settle(page, n_articles: int, url_pattern: str | None = None) -> None:
    """Wait for the rerun caused by the last interaction to end.

    ``notRunning`` alone is not enough: just after a click the frontend can still report the
    previous run as finished (the URL was seen to change before the state became
    ``running``), and a download then serves the previous selection's file. So first wait
    for the caption's n of the *new* selection, which that run draws just before the
    download button, then for the run to end.
    """
    if url_pattern:
        expect(page).to_have_url(re.compile(url_pattern), timeout=20000)
    expect(page.get_by_text(re.compile(rf"^n = {n_articles:,} articles,"))).to_be_visible(timeout=20000)
    wait_for_app_idle(page)


@pytest.mark.browser
def test_c15_download_keeps_filters_and_matches_the_selection(page, c15_url, tmp_path):
    page.set_viewport_size({"width": 1400, "height": 2600})   # Streamlit scrolls an inner container
    page.goto(f"{c15_url}/?granularity=day&voice=all")       # URL for the initial state only
    page.locator(TREND_DRAWN).first.wait_for(timeout=30000)
    _settle(page, 62)                                        # all of C15: 2 outlets × 2 topics × 5 days
    legend = page.locator(f"{TREND} .role-legend-label text")
    points = page.locator(f"{TREND} .points_marks path")        # the points, not the ^ of an interval past the top
    expect(legend).to_have_text(["Outlet A", "Outlet B"])
    sidebar = page.get_by_test_id("stSidebar")
    for box, says in (("Outlets", "All 2 outlets"), ("Topics", "All 2 topics")):   # empty means all, and says so
        expect(_box(sidebar, box).get_by_role("combobox")).to_have_attribute("placeholder", says)
        expect(_box(sidebar, box).get_by_role("button", name=re.compile("^Remove "))).to_have_count(0)

    # Step 2, through the widgets: measure, outlet, topic, dates.
    page.get_by_test_id("stRadio").filter(has_text="Measure").get_by_text("Share of articles").click()
    expect(page.locator(f"{TREND} .role-axis-title text", has_text="share of articles")).to_have_count(1, timeout=20000)
    _settle(page, 62)
    _choose(page, sidebar, "Outlets", "Outlet B")           # a chip narrows the selection
    expect(legend).to_have_text(["Outlet B"], timeout=20000)   # the legend follows the outlet filter
    _settle(page, 30, r"outlet=Outlet\+B&from")
    _choose(page, sidebar, "Topics", "Military")
    _settle(page, 20, r"topic=Military&from")
    for label, day, n in (("From", "02", 15), ("To", "04", 12)):
        sidebar.get_by_role("spinbutton", name=f"day, {label}").click()
        page.keyboard.type(day)
        page.keyboard.press("Escape")                         # close the calendar: the value is committed
        _settle(page, n, rf"{'from' if label == 'From' else 'to'}=2026-03-{day}")

    # Step 3: 3 points (the caption said n = 12 articles: 4 + 6 + 2).
    expect(points).to_have_count(3, timeout=20000)

    # Steps 4 and 5: download twice.
    first = _download(page, tmp_path / "first.csv")
    wait_for_app_idle(page)
    second = _download(page, tmp_path / "second.csv")
    wait_for_app_idle(page)
    assert first.startswith(b"\xef\xbb\xbf")                  # BOM: spreadsheets read UTF-8
    assert _rows(first) == MILITARY_B
    assert second == first                                    # byte-identical

    # Expected 1: nothing was reset by the clicks.
    expect(sidebar.get_by_role("button", name="Remove Outlet B")).to_be_visible()
    expect(sidebar.get_by_role("button", name="Remove Outlet A")).to_have_count(0)
    expect(sidebar.get_by_role("button", name="Remove Military")).to_be_visible()
    expect(sidebar.get_by_role("button", name="Remove Diplomacy")).to_have_count(0)
    expect(sidebar.get_by_role("spinbutton", name="day, From")).to_have_attribute("aria-valuenow", "2")
    expect(sidebar.get_by_role("spinbutton", name="day, To")).to_have_attribute("aria-valuenow", "4")
    assert "from=2026-03-02" in page.url and "to=2026-03-04" in page.url
    expect(points).to_have_count(3)
    expect(legend).to_have_text(["Outlet B"])
    expect(page.get_by_text(re.compile(r"^n = 12 articles,"))).to_be_visible()
    expect(page.get_by_role("heading", name="Evidence")).to_be_visible()
    page.screenshot(path=str(tmp_path / "trends.png"), full_page=True)

    # Step 6: Topic becomes Diplomacy; download straight away (once the rerun has ended).
    _choose(page, sidebar, "Topics", "Diplomacy")
    _settle(page, 19, r"topic=Military&topic=Diplomacy")
    sidebar.get_by_role("button", name="Remove Military").click()
    _settle(page, 7, r"topic=Diplomacy&from")
    third = _download(page, tmp_path / "third.csv")
    assert _rows(third) == DIPLOMACY_B                        # never the Military rows
    expect(points).to_have_count(3)

    # The last outlet chip removed: all outlets again, and the box says so.
    sidebar.get_by_role("button", name="Remove Outlet B").click()
    expect(legend).to_have_text(["Outlet A", "Outlet B"], timeout=20000)
    wait_for_app_idle(page)
    expect(_box(sidebar, "Outlets").get_by_role("combobox")).to_have_attribute("placeholder", "All 2 outlets")
    assert "outlet=" not in page.url


# --- Evidence: from a Trends chart cell to its Concordance lines --------------------------------------------------

CELL_LINES = [f"Report number {k} from Outlet B: the " for k in (41, 42, 43)]
"""C15's Outlet B, Military, 2026-03-03: 6 articles, 3 of them (rows 41-43 of the corpus) naming the "regime" once."""


def _kwic_rows(page):
    return page.locator("table.fw-kwic tbody tr")


def _click_point(page, point, shown, tries: int = 4) -> None:
    """Click *point* on the Trends chart until *shown* (a locator of the clicked cell's evidence) is visible.

    Vega-Lite draws the marks before its view takes events (vega-embed finishes asynchronously, and
    Streamlit embeds the chart again once it knows its width), so a click right after the page is idle
    can fall on a view being replaced; a user would click again, and so does this, at most *tries* times.
    """
    for attempt in range(tries):
        box = point.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        try:
            expect(shown).to_be_visible(timeout=5000)
            break
        except AssertionError:
            if attempt == tries - 1:
                raise
    wait_for_app_idle(page)


@pytest.mark.browser
def test_a_trends_cell_leads_to_exactly_its_concordance_lines(page, c15_url, tmp_path):
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.goto(f"{c15_url}/?granularity=day&voice=all&outlet=Outlet+B&topic=Military")
    page.locator(TREND_DRAWN).first.wait_for(timeout=30000)
    _settle(page, 20)                                         # Outlet B, Military: 5 + 4 + 6 + 2 + 3 articles
    points = page.locator(f"{TREND} .points_marks path")        # the points, not the ^ of an interval past the top
    expect(points).to_have_count(5)                           # 2026-03-01 .. 05: a click on the third is its cell
    _click_point(page, points.nth(2), page.get_by_text(re.compile(r"^All 3 mentions for 2026-03-03 to 2026-03-03")))
    expect(page.get_by_text(re.compile(r"^All 3 mentions for 2026-03-03 to 2026-03-03"))).to_be_visible(timeout=20000)
    expect(_kwic_rows(page)).to_have_count(3)                 # the cell's lines, drawn as HTML under the chart
    expect(_kwic_rows(page).locator("mark")).to_have_text(["regime"] * 3)
    expect(page.get_by_test_id("stMain").get_by_test_id("stDataFrame")).to_have_count(0)   # no grid: 3 lines only
    link = page.get_by_role("link", name="Open these lines in the Concordance")
    expect(link).to_have_attribute("href", re.compile(r"cell_from=2026-03-03"), timeout=20000)   # not the stale link
    wait_for_app_idle(page)
    link.click()

    heading = "Every lexicon term · Outlet Outlet B · 2026-03-03 to 2026-03-03 · all voices"
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=20000)
    wait_for_app_idle(page)
    for key in ("kind=lexicon", "cell_outlet=Outlet+B", "cell_from=2026-03-03", "topic=Military", "voice=all"):
        assert key in page.url                                # the cell and the sidebar's filters, shareable
    expect(page.get_by_text(re.compile(r"^n = 3 lines in 3 articles"))).to_be_visible()
    rows = _kwic_rows(page)
    expect(rows).to_have_count(3)                             # same day: in article-id order, so compare sorted
    assert sorted(rows.locator("td:nth-child(4)").all_inner_texts()) == [s.strip() for s in CELL_LINES]
    expect(rows.locator("mark")).to_have_text(["regime"] * 3)
    expect(rows.locator("td:nth-child(6)")).to_have_text(["spoke about military on 2026-03-03."] * 3)
    cut = page.locator("table.fw-kwic thead th").evaluate_all(        # 'Spea…' was cut at this width
        "ths => ths.filter(th => { const r = document.createRange(); r.selectNodeContents(th);"
        " const cs = getComputedStyle(th); const room = th.clientWidth - parseFloat(cs.paddingLeft)"
        " - parseFloat(cs.paddingRight); return r.getBoundingClientRect().width > room + 0.5; })"
        ".map(th => th.textContent)")
    assert cut == []

    with page.expect_download() as dl:
        page.get_by_role("button", name="Download every line (CSV)").click()
    path = tmp_path / "lines.csv"
    dl.value.save_as(path)
    lines = pd.read_csv(path, encoding="utf-8-sig")
    assert sorted(lines["left"]) == CELL_LINES and lines["match"].tolist() == ["regime"] * 3
    assert set(lines["outlet"]) == {"Outlet B"} and set(lines["day"]) == {"2026-03-03"}
    page.screenshot(path=str(tmp_path / "concordance.png"), full_page=True)

    # The same link opened cold, in a new browser context (no session): the same cell and filters.
    cold = page.context.browser.new_context(viewport={"width": 1400, "height": 2600}).new_page()
    cold.goto(page.url)
    expect(cold.get_by_role("heading", name=heading)).to_be_visible(timeout=30000)
    wait_for_app_idle(cold)
    expect(_kwic_rows(cold)).to_have_count(3)
    expect(cold.get_by_test_id("stSidebar").get_by_role("button", name="Remove Outlet A")).to_have_count(0)
    cold.context.close()


@pytest.mark.browser
def test_a_distinctive_terms_link_opens_on_its_outlet_which_stays_on_that_page(page, c15_url):
    page.set_viewport_size({"width": 1400, "height": 2000})
    page.goto(f"{c15_url}/distinctive?voice=all&dt_outlet=Outlet+B")      # the default outlet is Outlet A
    expect(page.get_by_text(re.compile(r"^n = [\d,]+ articles? of Outlet B,"))).to_be_visible(timeout=30000)
    wait_for_app_idle(page)
    assert "dt_outlet=Outlet+B" in page.url and "voice=all" in page.url
    page.get_by_text("Framing", exact=True).first.click()                    # the top navigation's menu
    page.get_by_test_id("stTopNavDropdownLink").filter(has_text="Tone toward targets").click()
    expect(page.get_by_role("heading", name="Tone toward targets")).to_be_visible(timeout=20000)
    wait_for_app_idle(page)
    expect(page).to_have_url(re.compile(r"voice=all"), timeout=20000)        # the sidebar's keys follow
    assert "dt_outlet" not in page.url                                        # the page's own choice does not


@pytest.fixture(scope="module")
def big_cell_url(big_cell_store_path, tmp_path_factory):
    with serving(big_cell_store_path, tmp_path_factory.mktemp("big_cell") / "dashboard.log") as url:
        yield url


@pytest.mark.browser
def test_trends_draws_ten_evidence_lines_first_and_the_table_on_request(page, big_cell_url):
    from store_factory import BIG_OUTLET

    page.set_viewport_size({"width": 1400, "height": 2600})
    page.goto(f"{big_cell_url}/?granularity=month&voice=all&outlet={BIG_OUTLET.replace(' ', '+')}")
    page.locator(TREND_DRAWN).first.wait_for(timeout=30000)
    wait_for_app_idle(page)
    expect(page.get_by_text(re.compile(r"^Showing 10 of 540 mentions"))).to_be_visible(timeout=20000)
    rows = _kwic_rows(page)
    expect(rows).to_have_count(10)                            # spread over the month: its first and last day
    expect(rows.first.locator("td:nth-child(2)")).to_have_text("2024-10-01")
    expect(rows.last.locator("td:nth-child(2)")).to_have_text("2024-10-31")
    grid = page.get_by_test_id("stMain").get_by_test_id("stDataFrame")
    expect(grid).to_have_count(0)
    page.get_by_text("Show all 200 lines as a table").click()
    expect(grid).to_have_count(1, timeout=20000)
    wait_for_app_idle(page)
    expect(page.get_by_text(re.compile(r"^Showing 200 of 540 mentions"))).to_be_visible(timeout=20000)
    expect(page.get_by_role("button", name="Download evidence (CSV)")).to_be_visible()
    expect(page.get_by_role("link", name="Open these lines in the Concordance")).to_be_visible()
    with page.expect_download(timeout=30000) as dl:         # read by the server when clicked: every line
        page.get_by_role("button", name="Download evidence (CSV)").click()
    lines = pd.read_csv(dl.value.path(), encoding="utf-8-sig")
    assert len(lines) == 540 and lines["article_id"].nunique() == 240 and set(lines["outlet"]) == {BIG_OUTLET}
    assert lines["day"].min() == "2024-10-01" and lines["day"].max() == "2024-10-31"


def _click_heatmap_cell(page, x_label: str, y_label: str) -> None:
    """Click the middle of a heatmap's cell, found from the drawn figure's axes (plotly's ``d2p``)."""
    plot = page.locator(".js-plotly-plot").first
    plot.locator(".main-svg").first.wait_for(timeout=30000)
    # plotly reads two clicks within its doubleClickDelay (500 ms) as a double click, which clears the
    # selection: wait until the last press on this chart is older than that, as a reader's next click is
    page.wait_for_function("gd => Date.now() - (gd._mouseDownTime || 0) > gd._context.doubleClickDelay",
                           arg=plot.element_handle(), timeout=10000)
    box = plot.bounding_box()
    x, y = plot.evaluate("(gd, [x, y]) => [gd._fullLayout.xaxis._offset + gd._fullLayout.xaxis.d2p(x),"
                         " gd._fullLayout.yaxis._offset + gd._fullLayout.yaxis.d2p(y)]", [x_label, y_label])
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.mouse.click(box["x"] + x, box["y"] + y)


@pytest.mark.browser
def test_a_clicked_heatmap_cell_shows_its_evidence(page, big_cell_url):
    from store_factory import BIG_OUTLET

    page.set_viewport_size({"width": 1400, "height": 2200})
    page.goto(f"{big_cell_url}/outlets_categories?voice=all")
    wait_for_app_idle(page)
    box = page.get_by_test_id("stSelectbox").filter(has_text="Heatmap cell")
    cell = box.get_by_role("combobox")
    expect(cell).to_have_value(f"{BIG_OUTLET} · delegitimising label · 60 mentions", timeout=20000)
    _click_heatmap_cell(page, "pejorative label", "Outlet L")
    hover = page.locator(".hoverlayer .hovertext").first    # the cell's own hover label, from its marker
    expect(hover).to_contain_text("Outlet L")
    expect(hover).to_contain_text("mentions per 1,000 words")
    expect(cell).to_have_value("Outlet L · pejorative label · 3 mentions", timeout=20000)
    wait_for_app_idle(page)
    expect(page.get_by_text(re.compile(r"^All 3 mentions for"))).to_be_visible(timeout=20000)
    expect(_kwic_rows(page)).to_have_count(3)
    # a click on another cell follows it; the selectbox still chooses freely afterwards
    _click_heatmap_cell(page, "pejorative label", BIG_OUTLET)
    expect(cell).to_have_value(f"{BIG_OUTLET} · pejorative label · 480 mentions", timeout=20000)
    wait_for_app_idle(page)
    expect(page.get_by_text(re.compile(r"^Showing 10 of 480 mentions"))).to_be_visible(timeout=20000)
    box.click()
    page.get_by_role("option", name="Outlet L · pejorative label · 3 mentions").click()
    wait_for_app_idle(page)
    expect(cell).to_have_value("Outlet L · pejorative label · 3 mentions")
    expect(page.get_by_text(re.compile(r"^All 3 mentions for"))).to_be_visible(timeout=20000)
    # a cell without mentions (0.00) has no lines: a toast says so and the list keeps its cell
    _click_heatmap_cell(page, "delegitimising label", "Outlet L")
    expect(page.get_by_test_id("stToast")).to_contain_text("Outlet L · delegitimising label: no lines to show",
                                                           timeout=20000)
    wait_for_app_idle(page)
    expect(cell).to_have_value("Outlet L · pejorative label · 3 mentions")
    expect(page.get_by_text(re.compile(r"^All 3 mentions for"))).to_be_visible()
