"""In a real browser at 1,400 × 1,800: About's runs tables (with Dask runs and an ingest run) do not scroll
sideways, and the text widths the page sizes its columns by are the browser's own."""

import pytest

from conftest import serving, wait_for_app_idle
from dashboard.tables import text_px
from test_table_text import gappy_store  # noqa: F401  (the store, as a fixture)

SAMPLES = ["dask, 2 local workers", "dask, tcp://10.0.0.5:8786", "20261201T045255Z-8e07bd", "Records in",
           "Duplicates", "frames-4911951ab41e", "2026-03-21 10:00", "1,234,567", "Min. sim.", "Word-choice pairs",
           "WMQ@%&~|il.,;:!?'\"()[]{}<>/\\_-+=*#$^`"]


@pytest.mark.browser
def test_about_tables_fit_and_text_widths_match_the_browser(page, gappy_store, tmp_path):  # noqa: F811
    with serving(gappy_store, tmp_path / "dashboard.log") as url:
        page.set_viewport_size({"width": 1400, "height": 1800})
        page.goto(f"{url}/about")
        page.get_by_test_id("stDataFrame").first.wait_for(timeout=60000)
        wait_for_app_idle(page, timeout=60000)
        page.wait_for_function("""() => { const d = [...document.querySelectorAll('[data-testid=stDataFrame]')];
                                          return d.length >= 4 && d.every(x => x.querySelector('.dvn-scroller')) }""",
                               timeout=60000)
        widths = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stDataFrame] .dvn-scroller')]
                                       .map(s => [s.scrollWidth, s.clientWidth])""")
        assert all(inner <= outer + 1 for inner, outer in widths[:2]), widths     # the two runs tables
        font = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stDataFrame] canvas'))"
                             ".fontFamily")
        assert "Source Sans" in font, font
        measured = page.evaluate("""([texts, family]) => { const c = document.createElement('canvas').getContext('2d');
                                      c.font = '14px ' + family; return texts.map(t => c.measureText(t).width) }""",
                                 [SAMPLES, font])
    for text, px in zip(SAMPLES, measured):   # never narrower than drawn, and not much wider
        assert px - 0.5 <= text_px(text) <= px * 1.03 + 1, (text, px, text_px(text))
