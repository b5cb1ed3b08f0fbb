"""The dashboard works air-gapped: in a real browser whose every request to another host is aborted,
each page renders with its icons and no request leaves the machine.

Streamlit shows a page's ``:material/...:`` icon as the tab's icon by fetching an SVG from
fonts.gstatic.com unless the app sets ``page_icon`` (``dashboard/app.py`` does); the icons on the
page come from the Material Symbols font in Streamlit's own static files.
"""

from urllib.parse import urlparse

import pytest

from conftest import serving, wait_for_app_idle

PAGES = ["", "outlets_categories", "frames", "word_choice", "distinctive", "tone", "topic_discovery",
         "concordance", "articles", "republication", "about"]
"""URL paths of every page of the router (``""``: Trends, the default)."""

LOCAL = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(scope="module")
def offline_url(store_path, tmp_path_factory):
    with serving(store_path, tmp_path_factory.mktemp("offline") / "dashboard.log") as url:
        yield url


@pytest.mark.browser
def test_every_page_renders_its_icons_with_no_request_leaving_the_machine(page, offline_url):
    left = []

    def block_remote(route):
        url = route.request.url
        if urlparse(url).scheme in ("http", "https", "ws", "wss") and urlparse(url).hostname not in LOCAL:
            left.append(url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", block_remote)
    page.set_viewport_size({"width": 1400, "height": 1800})
    for path in PAGES:
        page.goto(f"{offline_url}/{path}")
        page.get_by_test_id("stMainBlockContainer").wait_for(timeout=30000)
        wait_for_app_idle(page, timeout=60000)
        assert page.get_by_test_id("stException").count() == 0, path
        # the top navigation's section menus and the page's own icons use the bundled icon font
        icons = page.locator('[data-testid="stIconMaterial"]')
        assert icons.count() > 0, path
        family = icons.first.evaluate("e => getComputedStyle(e).fontFamily")
        assert "Material Symbols" in family, (path, family)
        # The font loads on first use, possibly after the app went idle, and the page's CSS may declare
        # the family more than once: ask the browser to load every face the icons match and wait for
        # it. A blocked or missing font rejects the promise or leaves a face that is not loaded.
        statuses = page.evaluate(
            """() => document.fonts.load('24px "Material Symbols Rounded"', 'home')
                    .then(faces => faces.map(f => f.status), err => ['failed: ' + err])""")
        assert statuses and all(s == "loaded" for s in statuses), (path, statuses)
        # the page may declare the face anew while it settles: wait for check() too, not one look
        page.wait_for_function("document.fonts.check('24px \"Material Symbols Rounded\"')", timeout=15000)
        favicon = page.evaluate("document.querySelector(\"link[rel='shortcut icon']\")?.href || ''")
        assert urlparse(favicon).hostname in LOCAL | {None}, (path, favicon)
    assert left == [], f"requests that would leave the machine: {sorted(set(left))}"
