"""Evidence under the charts: every mention of a cell in its download, a spread of them on screen.

The reviewer's case: KCNA, October 2024, all voices, 467 mentions; the table and its download
held the first 200 lines by date (10-01 to 10-11). Here Outlet K has 540 mentions that month.
"""

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.evidence import KWIC_SHOWN, evidence_frames, load_evidence
from dashboard.loaders import filters_key
from dashboard.tables import evidence_text, file_slug, matrix_evidence_cells, spread_rows
from pipelines.rollups import Filters
from store_factory import BIG_OUTLET, SMALL_OUTLET

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
OCT = (pd.Timestamp("2024-10-01").date(), pd.Timestamp("2024-10-31").date())


def _days(df):
    return pd.to_datetime(df["day"]).dt.strftime("%Y-%m-%d")


def test_big_cell_download_has_every_mention_and_the_table_spans_the_month(big_cell_store_path):
    key = filters_key(Filters(voice="all"))
    shown, download = evidence_frames(str(big_cell_store_path), 1, key, outlet=BIG_OUTLET, start=OCT[0], end=OCT[1],
                                      n_mentions=540)
    assert len(download) == 540 and download["article_id"].nunique() == 240
    assert len(shown) == KWIC_SHOWN
    assert _days(shown).min() == "2024-10-01" and _days(shown).max() == "2024-10-31"   # not 10-01 to 10-11
    assert _days(shown).is_monotonic_increasing


def test_small_cell_reads_once_and_lists_everything(big_cell_store_path):
    key = filters_key(Filters(voice="all"))
    shown, download = evidence_frames(str(big_cell_store_path), 1, key, outlet=SMALL_OUTLET, start=OCT[0], end=OCT[1],
                                      n_mentions=3)
    assert shown is download and len(shown) == 3


def test_category_cell_keeps_only_that_category(big_cell_store_path):
    key = filters_key(Filters(voice="all"))
    shown, download = evidence_frames(str(big_cell_store_path), 1, key, outlet=BIG_OUTLET,
                                      category="delegitimising_label", n_mentions=60)
    assert len(download) == 60 and set(download["term"]) == {"puppet"}


@pytest.mark.parametrize("args, expected", [
    ((200, 467, 467, "2024-10-01", "2024-10-31"),
     "Showing 200 of 467 mentions, spread evenly by date over 2024-10-01 to 2024-10-31 — the download has all 467."),
    ((200, 150_000, 100_000, None, None),
     "Showing 200 of 150,000 mentions, spread evenly by date over the selected dates — the download has the first "
     "100,000 by date."),
    ((12, 12, 12, "2024-10-01", "2024-10-31"),
     "All 12 mentions for 2024-10-01 to 2024-10-31, by date; the download has the same lines."),
    ((1, 1, 1, None, None), "The 1 mention."),
])
def test_evidence_text(args, expected):
    assert evidence_text(*args) == expected


def test_spread_rows_keeps_both_ends_and_order():
    df = pd.DataFrame({"i": range(467)})
    picked = spread_rows(df, 200)["i"].tolist()
    assert len(picked) == 200 and picked[0] == 0 and picked[-1] == 466 and picked == sorted(picked)
    assert spread_rows(df.head(5), 200)["i"].tolist() == [0, 1, 2, 3, 4]


def test_matrix_cells_and_file_slug():
    df = pd.DataFrame({"outlet": ["B", "A", "A"], "category": ["x", "y", "x"], "n_mentions": [2, 0, 5]})
    assert matrix_evidence_cells(df).values.tolist() == [["A", "x", 5], ["B", "x", 2]]
    assert file_slug("=O'Reilly Wire") == "o-reilly-wire" and file_slug("pejorative_label") == "pejorative-label"


def _app(store, **query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["store_path"] = str(store)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def _kwic_preview(at) -> str:
    """The evidence lines drawn as HTML under the chart (:func:`dashboard.kwic.kwic_html`)."""
    return next(m.value for m in at.markdown if "fw-kwic" in m.value)


def _matches(at) -> list[str]:
    """The marked matches of :func:`_kwic_preview`'s lines."""
    return re.findall(r'<mark class="fw-match"[^>]*>([^<]*)</mark>', _kwic_preview(at))


def test_trends_evidence_says_how_many_are_shown(big_cell_store_path):
    at = _app(big_cell_store_path, outlet=BIG_OUTLET, granularity="month", voice="all")
    assert not at.exception
    assert at.selectbox(key="trend_cell").options == ["2024-10-01 · Outlet K · 540 mentions"]
    assert ("Showing 10 of 540 mentions, spread evenly by date over 2024-10-01 to 2024-10-31 — the download has "
            "all 540.") in _captions(at)                # the caption counts the lines drawn, not the table's
    preview = _kwic_preview(at)                        # the first paint: 10 lines spread over the month, no grid
    assert len(at.dataframe) == 0 and preview.count("<tr>") == 1 + 10
    assert re.findall(r"\d{4}-\d{2}-\d{2}", preview)[0] == "2024-10-01"
    assert re.findall(r"\d{4}-\d{2}-\d{2}", preview)[-1] == "2024-10-31"
    at.toggle(key="kwic_all").set_value(True).run()     # "Show all 200 lines as a table"
    assert at.toggle(key="kwic_all").label == "Show all 200 lines as a table"
    assert "Showing 200 of 540 mentions, spread evenly" in _captions(at)
    assert "Showing 10 of" not in _captions(at)
    days = at.dataframe[0].value["day"]
    assert len(days) == 200 and f"{days.min():%d}" == "01" and f"{days.max():%d}" == "31"
    button = next(b for b in at.get("download_button") if b.proto.label == "Download evidence (CSV)")
    assert button.proto.deferred_file_id and not button.proto.url   # built on click, not sent with the page


def test_evidence_download_is_built_on_click_with_every_line(big_cell_store_path):
    """What the deferred button gives (:meth:`Evidence.csv`): every mention of the cell, not the 200 on screen."""
    ev = load_evidence(str(big_cell_store_path), 1, filters_key(Filters(voice="all")), BIG_OUTLET, *OCT, None, 540)
    lines = pd.read_csv(io.BytesIO(ev.csv()), encoding="utf-8-sig")
    assert ev.csv().startswith(b"\xef\xbb\xbf") and len(ev.table) == KWIC_SHOWN
    assert len(lines) == 540 and lines["article_id"].nunique() == 240 and set(lines["outlet"]) == {BIG_OUTLET}
    assert lines["day"].min() == "2024-10-01" and lines["day"].max() == "2024-10-31"


def test_heatmap_has_evidence_for_a_chosen_cell(big_cell_store_path):
    at = _app(big_cell_store_path, voice="all")
    at.switch_page("views/outlets_categories.py").run()
    assert not at.exception
    pick = at.selectbox(key="matrix_cell")
    assert pick.options == ["Outlet K · delegitimising label · 60 mentions",
                            "Outlet K · pejorative label · 480 mentions",
                            "Outlet L · pejorative label · 3 mentions"]
    assert {m.lower() for m in _matches(at)} == {"puppet"}
    at.toggle(key="matrix_kwic_all").set_value(True).run()
    table = at.dataframe[0].value
    assert set(table["term"]) == {"puppet"} and set(table["outlet"]) == {BIG_OUTLET}
    assert "All 60 mentions for 2024-10-01 to 2024-10-31" in _captions(at)
    pick.set_value(1).run()
    assert not at.exception
    assert "Showing 200 of 480 mentions" in _captions(at) and set(at.dataframe[0].value["term"]) == {"regime"}
    assert {m.lower() for m in _matches(at)} == {"regime"} and len(_matches(at)) == 10
    assert [b.proto.label for b in at.get("download_button")] == ["Download chart data (CSV)", "Download evidence (CSV)"]


def test_a_clicked_trend_point_or_volume_bar_chooses_its_cell(store_path):
    from dashboard.charts import trend_chart
    from dashboard.evidence import clicked_trend_cell
    from dashboard.tables import evidence_cells
    from pipelines.rollups import trend
    from pipelines.storage import connect
    from store_factory import ALPHA, OREILLY

    with connect(store_path) as con:
        df = trend(con, Filters(), "week")
    fig, cells = trend_chart(df), evidence_cells(df)
    line = next(i for i, t in enumerate(fig.data) if t.name == OREILLY and t.mode == "lines+markers")
    bar = next(i for i, t in enumerate(fig.data) if t.type == "bar" and t.legendgroup == ALPHA)
    picked = clicked_trend_cell(fig, {"points": [{"curve_number": line, "x": "2026-01-12"}]}, cells)
    assert (cells["outlet"][picked], str(cells["period"][picked])[:10]) == (OREILLY, "2026-01-12")
    picked = clicked_trend_cell(fig, {"points": [{"curve_number": bar, "x": "2026-01-05 00:00"}]}, cells)
    assert (cells["outlet"][picked], str(cells["period"][picked])[:10]) == (ALPHA, "2026-01-05")
    assert clicked_trend_cell(fig, {"points": [{"curve_number": line, "x": "2026-02-02"}]}, cells) is None  # its gap
    assert clicked_trend_cell(fig, {"points": []}, cells) is None and clicked_trend_cell(fig, None, cells) is None
