"""Layout in a real browser at a 1,400 × 1,800 window, on a small demo store: the tables of About the data,
Republication, Word choice and Distinctive terms fit beside the sidebar (no sideways scroll hiding a column),
and a story clicked in Republication's table is the one its Evidence shows."""

import re

import pytest
from playwright.sync_api import expect

from conftest import serving, wait_for_app_idle

FITTING_PAGES = ["about", "republication", "word_choice", "distinctive"]
"""Pages whose every table must fit the main column (the review found About's runs table, Republication's
stories table, Word choice's two tables and Distinctive terms' evidence scrolling sideways)."""


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    from store_factory import build_demo_store

    folder = tmp_path_factory.mktemp("layout")
    store = build_demo_store(folder)
    with serving(store, folder / "dashboard.log") as url:
        yield url


def _open(page, url):
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.goto(url)
    page.get_by_test_id("stMainBlockContainer").wait_for(timeout=30000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60000)
    wait_for_app_idle(page, timeout=60000)


@pytest.mark.browser
@pytest.mark.parametrize("path", FITTING_PAGES)
def test_no_table_scrolls_sideways_at_1400_pixels(page, demo_url, path):
    _open(page, f"{demo_url}/{path}")
    page.wait_for_function("""() => { const d = [...document.querySelectorAll('[data-testid=stDataFrame]')];
                                      return d.length && d.every(x => x.querySelector('.dvn-scroller')) }""")
    widths = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stDataFrame] .dvn-scroller')]
                                   .map(s => [s.scrollWidth, s.clientWidth])""")
    assert widths and all(inner <= outer + 1 for inner, outer in widths), (path, widths)


@pytest.mark.browser
def test_a_story_clicked_in_the_table_is_the_one_evidence_shows(page, demo_url):
    _open(page, f"{demo_url}/republication")
    story = page.get_by_role("combobox", name="Story")
    # the third story's title, from the table's accessible copy (rows 2, 3, 4 hold the first three stories)
    title = page.locator('[data-testid=stDataFrame] [role=row][aria-rowindex="4"] [aria-colindex="1"]').first \
        .text_content(timeout=20000)
    assert title and title not in story.input_value()
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.locator("canvas").first.bounding_box()   # the table is drawn on a canvas: click the third row
    page.mouse.click(box["x"] + 18, box["y"] + 38 + 2.5 * 66)
    expect(story).to_have_value(re.compile(re.escape(title)), timeout=20000)
    wait_for_app_idle(page)


@pytest.mark.parametrize("columns", [["day", "outlet", "left", "match", "right", "voice", "speaker", "title"],
                                     ["day", "outlet", "left", "match", "right", "voice", "speaker", "term", "title"]])
def test_fitted_kwic_columns_add_up_to_the_main_column(columns):
    from dashboard.tables import MAIN_WIDTH, fitted_kwic_config

    config = fitted_kwic_config(columns)
    assert list(config) == columns and sum(c["width"] for c in config.values()) <= MAIN_WIDTH
    assert config["title"]["width"] >= 100
