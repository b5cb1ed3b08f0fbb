"""The Trends chart (Vega-Lite) in a real browser, on a small demo store served by ``framewatch dashboard``.

A review found Vega's warnings on every render ("Infinite extent", a legend's "disable", a one-period chart's
"domain"), which hid any warning that matters; intervals past the top of the axis drawn as full-height bars and
shaded blocks; the small multiples' Evidence opening on the grey line; and "/trends" answering "Page not found".
"""

import re

import pytest
from playwright.sync_api import expect

from conftest import serving, wait_for_app_idle
from test_menu_titles import menu_labels

CHART = '[data-testid="stVegaLiteChart"]'
VEGA_LOG = re.compile(r"^(WARN|ERROR)\b")
"""How Vega's logger starts a warning or an error in the console."""

VIEWS = {
    "one view": ("?outlet=Riverside+Post&granularity=month", None),
    "panels": ("?granularity=week", 7),
    "one period": ("?outlet=Meridian+Herald&outlet=Westmark+Broadcasting+Corporation&granularity=day"
                   "&from=2024-01-01&to=2024-01-01", None),
    "panels of one period": ("?granularity=day&from=2024-01-01&to=2024-01-01", 4),
}
"""name -> (URL query, panels: the outlets with articles, or None for one chart) on the demo store's seven outlets,
January to April 2024 (2024-01-01: articles of Meridian Herald, Westmark and two more)."""


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    from store_factory import build_demo_store

    folder = tmp_path_factory.mktemp("trends_browser")
    store = build_demo_store(folder)
    with serving(store, folder / "dashboard.log") as url:
        yield url


def _open_trends(page, url: str) -> list[str]:
    """Open *url* at 1,400 px and wait until the Trends chart has drawn its points; returns the console's Vega
    warnings and errors and the page's script errors, as they come."""
    logs = []
    page.on("console", lambda m: logs.append(m.text) if m.type in ("warning", "error") or VEGA_LOG.match(m.text)
            else None)
    page.on("pageerror", lambda e: logs.append(f"pageerror: {e}"))
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.goto(url)
    page.locator(f"{CHART} svg g.points_marks path").first.wait_for(timeout=60000)   # the data are drawn
    wait_for_app_idle(page, timeout=60000)
    return logs


@pytest.mark.browser
@pytest.mark.parametrize("view", list(VIEWS))
def test_the_trends_chart_renders_without_a_vega_warning(page, demo_url, view):
    query, panels = VIEWS[view]
    logs = _open_trends(page, demo_url + "/" + query)
    chart = page.locator(CHART)
    titles = chart.locator("svg text").filter(has_text=re.compile(r" · \d+ articles?$"))   # the panels' titles
    assert titles.count() == (panels or 0)
    expect(chart.locator("svg g.role-legend")).to_have_count(0 if panels else 1)
    if "one period" in view:
        expect(chart.locator("svg g.role-axis-label text").filter(has_text="01 Jan 2024").first).to_be_visible()
    assert logs == []                      # no Vega warning or error, no script error, no other console warning


@pytest.mark.browser
def test_an_interval_past_the_axis_is_dashed_to_its_top_edge_never_shaded(page, demo_url):
    """Riverside Post by month rests on a few hundred words a month: its intervals run far past the axis."""
    _open_trends(page, demo_url + "/" + VIEWS["one view"][0])
    caption = page.get_by_text(re.compile(r"The y axis fits the lines: the 95% intervals? of \d+ points?"))
    n = int(re.search(r"of (\d+) points?", caption.inner_text()).group(1))
    chart = page.locator(CHART)
    chevrons = chart.locator("svg g.interval_past_end_marks path")
    assert n > 0 and chevrons.count() == n and chart.locator("svg g.interval_past_marks line, "
                                                             "svg g.interval_past_marks path").count() == n
    edge = min(b["y"] + b["height"] / 2 for b in (c.bounding_box() for c in chevrons.all()))
    for area in chart.locator("svg g.interval_band_marks path").all():      # no band reaches the top edge
        assert area.bounding_box()["y"] > edge + 2
    chevrons.first.hover()                                                  # the tooltip: the whole interval
    tip = page.locator("#vg-tooltip-element")
    expect(tip).to_contain_text("95% interval")
    axis = chart.locator("svg g.role-axis[aria-label*='mentions per 1,000 words']").get_attribute("aria-label")
    top = float(re.search(r"values from [\d.]+ to ([\d.]+)", axis).group(1))
    high = float(re.search(r"95% interval\s+[\d.]+ – ([\d.]+)", tip.inner_text()).group(1))
    assert high > top                                                       # it does run past the axis


@pytest.mark.browser
def test_the_panels_open_their_evidence_on_an_outlet_not_the_grey_line(page, demo_url):
    _open_trends(page, demo_url + "/" + VIEWS["panels"][0])
    cell = page.get_by_test_id("stSelectbox").filter(has_text="Chart cell").get_by_role("combobox")
    expect(cell).to_have_value(re.compile(r"^2024-01-01 · "))               # the earliest week
    chosen = cell.input_value()
    assert "All selected outlets" not in chosen and re.fullmatch(r"2024-01-01 · [^·]+ · \d+ mentions?", chosen)
    expect(page.get_by_text(re.compile(r"^(All \d+ mentions|The 1 mention) for 2024-01-01 to 2024-01-07"))).to_be_visible()


PATHS = {"": "Trends", **{file.removeprefix("views/").removesuffix(".py"): label
                          for file, label in menu_labels().items()}}
"""URL path -> the menu label its page is titled with ("" is the root: the Trends page)."""


@pytest.mark.browser
@pytest.mark.parametrize("path", list(PATHS))
def test_every_page_opens_at_its_url_path(page, demo_url, path):
    page.goto(f"{demo_url}/{path}")
    title = page.get_by_test_id("stMainBlockContainer").locator("h1").first
    expect(title).to_have_text(re.compile("^" + re.escape(PATHS[path])), timeout=60000)
    wait_for_app_idle(page, timeout=60000)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    assert page.url.split("?")[0] == f"{demo_url}/{path}"


@pytest.mark.browser
def test_an_unknown_page_path_says_so_and_names_the_pages(page, demo_url):
    """Streamlit answers a path it has no page for with the default page and a "Page not found" dialog that
    names nothing; the app says which path, the closest page paths and all of them, and only until the next
    rerun. A path that is not a page name (a link may carry a URL, which markdown would make a link) is not
    repeated."""
    page.set_viewport_size({"width": 1400, "height": 1200})
    page.goto(f"{demo_url}/wordchoice")
    title = page.get_by_test_id("stMainBlockContainer").locator("h1").first
    expect(title).to_have_text(re.compile("^Trends"), timeout=60000)
    wait_for_app_idle(page, timeout=60000)
    said = page.get_by_test_id("stAlert").filter(has_text="There is no page at /wordchoice; this is Trends.")
    expect(said).to_have_count(1)
    expect(said).to_contain_text("Did you mean /word_choice?")
    expect(said).to_contain_text(", ".join(f"/{p}" for p in sorted(p for p in PATHS if p)))
    page.keyboard.press("Escape")                                  # Streamlit's own dialog
    page.get_by_test_id("stSidebar").get_by_text("All voices", exact=True).click()   # a rerun
    wait_for_app_idle(page, timeout=60000)
    expect(page.get_by_text("There is no page at")).to_have_count(0)
    page.goto(f"{demo_url}/x%5Bclick%5D(https:%2F%2Fexample.org)")
    said = page.get_by_test_id("stAlert").filter(has_text="There is no page at that address; this is Trends.")
    expect(said).to_have_count(1, timeout=60000)
    expect(said.locator("a")).to_have_count(0)                     # no link from the visitor's path
    expect(said).not_to_contain_text("example.org")
