"""One real-browser run of the dashboard: filter, chart update, download twice (C15)."""

import io
from urllib.parse import quote

import pandas as pd
import pytest
from playwright.sync_api import expect

from conftest import wait_for_app_idle
from store_factory import ALPHA, OREILLY


@pytest.mark.browser
def test_filter_chart_and_download(page, app_url, tmp_path):
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(f"{app_url}/?outlet={quote(ALPHA)}")
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30000)
    wait_for_app_idle(page)
    legend = page.locator(".js-plotly-plot .legendtext")
    expect(legend).to_have_count(1)
    expect(legend.first).to_have_text(ALPHA)

    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("combobox").first.click()
    page.get_by_role("option", name=OREILLY).click()
    page.keyboard.press("Escape")                      # else the page behind the dropdown is aria-hidden
    expect(legend).to_have_count(2, timeout=20000)
    wait_for_app_idle(page)                            # else the download button may be stale
    assert "Reilly" in page.url

    # remove Alpha Daily: only O'Reilly Wire stays
    sidebar.get_by_role("button", name=f"Remove {ALPHA}").click()
    expect(legend).to_have_count(1, timeout=20000)
    expect(legend.first).to_have_text(OREILLY)
    wait_for_app_idle(page)

    button = page.get_by_role("button", name="Download chart data (CSV)")
    with page.expect_download() as first:
        button.click()
    first.value.save_as(tmp_path / "first.csv")
    wait_for_app_idle(page)
    with page.expect_download() as second:
        button.click()
    second.value.save_as(tmp_path / "second.csv")

    data = (tmp_path / "first.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data == (tmp_path / "second.csv").read_bytes()          # C15: byte-identical
    rows = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert set(rows["outlet"]) == {OREILLY} and len(rows) == 10    # 10 weeks, gap row included
    gap = rows[rows["status"] == "not collected"]
    assert len(gap) == 1 and pd.isna(gap["rate_per_1k"].iloc[0])    # C13: empty, never 0
    # the filters survived the clicks (C15)
    expect(legend).to_have_count(1)
    expect(legend.first).to_have_text(OREILLY)
    page.screenshot(path=str(tmp_path / "trends.png"), full_page=True)
