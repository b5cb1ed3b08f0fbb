"""Hostile content in a real browser: every page shows script, HTML and markdown from the store inert.

The store is built by the real pipeline from a corpus whose outlet names, titles, texts, topic
labels and URLs hold ``<script>``, ``<img src=x onerror=...>``, ``javascript:`` links and
markdown links (written HTML-escaped in the CSV, so ingest's HTML-to-text step turns them into
the literal characters, as a feed that escapes its markup would); speaker names are set to an
``<img onerror>`` afterwards. Each payload would set ``window.__pwned`` or open a dialog if it ran.
On every page the test checks, in the page and in every frame: no dialog opened, ``__pwned``
never set, no ``img[src=x]``, no script carrying a payload, no link that is not http(s).
"""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from conftest import serving, wait_for_app_idle
from pipelines.ingest import IngestOptions
from pipelines.run import run_pipeline
from pipelines.storage import writing

OUTLETS = ['<img src=x onerror="window.__pwned=\'outlet\'">Img News',
           "[Evil](javascript:window.__pwned='md-outlet') **Wire**",
           "Plain <script>window.__pwned='script-outlet'</script> Post"]
TITLES = ["<script>window.__pwned='title'</script> Regime talks",
          "<img src=x onerror=\"window.__pwned='img-title'\"> NATO drills",
          "[click me](javascript:window.__pwned='md-title') economy <a href=\"javascript:alert(1)\">a</a>"]
TOPIC = "<b onmouseover=\"window.__pwned='topic'\">War</b>"
SPEAKER = "<img src=x onerror=\"window.__pwned='speaker'\">Vale"
TEXT = ("The regime in Kyiv and the US imperialists held war games near NATO's border on day {i}. "
        "\u201cThe puppet regime will fall,\u201d said Minister Vale. <script>window.__pwned='text'</script> "
        "[a link](javascript:window.__pwned='md-text') <img src=x onerror=\"window.__pwned='img-text'\"> "
        "<iframe src=\"javascript:alert(1)\"></iframe> The economy and inflation suffered; Russia blamed "
        "Washington. Officials said the special military operation continues. ![pic](x \"a\") $x$ :red[red]")

PAGES = ["", "outlets_categories", "frames", "word_choice", "distinctive", "tone", "topic_discovery",
         "concordance?kind=lexicon", "articles", "republication", "about"]
"""Every page of the dashboard, by its URL path (Trends is the default page, at "/"; the Concordance
page with a kind chosen)."""

CHECK = """() => {
  const bad = [];
  if (window.__pwned !== undefined) bad.push('window.__pwned = ' + window.__pwned);
  if (document.querySelector('img[src="x"]')) bad.push('img[src=x] injected');
  if (document.querySelector('iframe[src^="javascript" i]')) bad.push('javascript: iframe injected');
  for (const s of document.querySelectorAll('script'))
    if ((s.textContent || '').includes('__pwned')) bad.push('script element with a payload');
  for (const el of document.querySelectorAll('[onerror], [onmouseover], [onclick]'))
    if ((el.getAttribute('onerror') || el.getAttribute('onmouseover') || el.getAttribute('onclick') || '')
        .includes('__pwned')) bad.push('element with a payload handler: ' + el.tagName);
  for (const a of document.querySelectorAll('a[href]')) {
    const p = a.protocol;
    if (p !== 'http:' && p !== 'https:' && p !== 'blob:') bad.push('link with scheme ' + p + ' ' + a.getAttribute('href'));
  }
  return bad;
}"""


def _write_corpus(path):
    rows = []
    for i in range(36):
        rows.append({"outlet": html.escape(OUTLETS[i % 3]), "date": f"2024-0{1 + i % 3}-{1 + i % 27:02d}",
                     "title": html.escape(TITLES[i % 3]), "text": html.escape(TEXT.format(i=i)),
                     "url": f"javascript:window.__pwned='url{i}'" if i % 2 else f"https://example.org/{i}",
                     "topic": html.escape(TOPIC) if i % 2 else "Diplomacy"})
    pd.DataFrame(rows).to_csv(path, index=False)


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    _write_corpus(folder / "hostile.csv")
    store = folder / "hostile.duckdb"
    run_pipeline(store, [folder / "hostile.csv"], IngestOptions(topic_column="topic"), fresh=True)
    with writing(store) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.columns "
                                            "WHERE column_name = 'speaker'").fetchall()]
        for table in tables:
            con.execute(f'UPDATE "{table}" SET speaker = ? WHERE speaker IS NOT NULL', [SPEAKER])
        # The payloads are in the store as the literal characters (the precondition of this test).
        assert {r[0] for r in con.execute("SELECT DISTINCT outlet FROM articles").fetchall()} == set(OUTLETS)
        assert con.execute("SELECT count(*) FROM articles WHERE text LIKE '%<script>%' AND title LIKE '%<%'"
                           ).fetchall()[0][0] == 36
        assert con.execute("SELECT count(*) FROM mentions WHERE speaker = ?", [SPEAKER]).fetchall()[0][0] > 0
        assert con.execute("SELECT count(*) FROM article_topics WHERE topic = ?", [TOPIC]).fetchall()[0][0] == 18
    with serving(store, folder / "dashboard.log") as url:
        yield url


def _inert(page) -> list[str]:
    bad = []
    for frame in page.frames:
        bad += [f"{frame.url}: {b}" for b in frame.evaluate(CHECK)]
    return bad


@pytest.mark.browser
def test_every_page_shows_hostile_content_inert(page, hostile_url):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.set_viewport_size({"width": 1400, "height": 2200})
    for path in PAGES:
        page.goto(f"{hostile_url}/{path}")
        page.get_by_test_id("stMain").wait_for(timeout=30000)
        wait_for_app_idle(page, timeout=60000)
        page.wait_for_timeout(500)                         # let charts and images settle
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_text("Page not found")).to_have_count(0)    # the page itself, not the default one
        assert _inert(page) == [], path
        assert dialogs == [], path
    # The outlet names are shown as text (inert, not dropped): the sidebar's picker lists them verbatim,
    # and a chosen one is a chip (the filter starts empty, meaning all, so there is no chip before).
    page.goto(f"{hostile_url}/")
    wait_for_app_idle(page, timeout=60000)
    chips = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").first
    chips.get_by_role("combobox").click()
    page.get_by_role("option", name=re.compile(r"<img src=x onerror=")).first.click()
    page.keyboard.press("Escape")
    wait_for_app_idle(page, timeout=60000)
    assert re.search(r"<img src=x onerror=", chips.inner_text())
    assert _inert(page) == [] and dialogs == []
    # Streamlit's XSRF protection is on: the server set its token cookie.
    assert "_streamlit_xsrf" in {c["name"] for c in page.context.cookies()}


@pytest.mark.browser
def test_the_check_sees_each_kind_of_injection(page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.set_content('<img src="x" onerror="window.__pwned=1"><a href="javascript:void(0)">j</a>'
                     '<script>window.__pwned = window.__pwned || 2; alert("hi")</script>')
    page.wait_for_timeout(300)
    bad = page.evaluate(CHECK)
    assert bad[0] == "window.__pwned = 1" or bad[0] == "window.__pwned = 2"
    assert "img[src=x] injected" in bad and "script element with a payload" in bad
    assert any(b.startswith("link with scheme javascript:") for b in bad)
    assert dialogs == ["hi"]


@pytest.mark.browser
def test_an_article_with_hostile_text_shows_it_as_text(page, hostile_url):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.set_viewport_size({"width": 1400, "height": 2200})
    page.goto(f"{hostile_url}/articles")
    wait_for_app_idle(page, timeout=60000)
    main = page.get_by_test_id("stMain")
    # The article's text is shown with its markup as characters, and its mentions marked.
    expect(main.get_by_text(re.compile(r"<script>window.__pwned='text'</script> \[a link\]\(javascript:"))
           ).to_be_visible(timeout=30000)
    expect(main.locator("mark").first).to_be_visible()
    page.wait_for_timeout(500)
    assert _inert(page) == [] and dialogs == []
