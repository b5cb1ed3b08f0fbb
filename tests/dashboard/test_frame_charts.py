"""Chart builders of the Frames page, tested on hand-made frames without Streamlit."""

import numpy as np
import pandas as pd

from dashboard.frame_charts import frame_heatmap_chart, frame_trend_chart
from pipelines.frames import FRAMES


def _trend() -> pd.DataFrame:
    # Outlet A: 1 of 2, a gap, 0 of 1.
    return pd.DataFrame({
        "outlet": ["A"] * 3, "period": pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-19"]),
        "n_articles": [2, 0, 1], "n_articles_with_frame": [1, 0, 0], "share": [0.5, np.nan, 0.0],
        "share_low": [0.0945, np.nan, 0.0], "share_high": [0.9055, np.nan, 0.7935],
        "partial": [False, False, True]})


def test_trend_breaks_at_a_gap_and_bands_each_stretch():
    fig = frame_trend_chart(_trend(), "Security & defense")
    line = next(t for t in fig.data if t.name == "A")
    assert line.connectgaps is False and np.isnan(line.y[1])
    assert list(line.customdata[0][2:4]) == [1.0, 2.0]          # k of n in the hover
    assert not [t for t in fig.data if t.name == "A 95% upper"]  # two lone periods around the gap: no band,
    bars = next(t for t in fig.data if t.name == "A 95% interval")   # an error bar each, from low to high
    assert [round(y - e, 4) for y, e in zip(bars.y, bars.error_y.array)] == [0.0945, 0.0]
    assert [round(y + e, 4) for y, e in zip(bars.y, bars.error_y.array)] == [0.9055, 0.7935]
    assert line.marker.color[2] == "white"                       # the partial period is hollow
    assert "Security & defense" in fig.layout.title.text and fig.layout.yaxis.tickformat == ".0%"


def test_empty_selection_says_so():
    fig = frame_trend_chart(_trend().iloc[0:0], "Economic")
    assert fig.layout.annotations[0].text == "No scored articles in this selection"


def test_a_selection_of_gaps_only_says_so_instead_of_empty_axes():
    gap = _trend().iloc[[1]]                                     # one outlet, one period, no articles
    fig = frame_trend_chart(gap, "Economic")
    assert [a.text for a in fig.layout.annotations] == ["No scored articles in this selection"]
    assert not fig.data and fig.layout.xaxis.visible is False


def test_heatmap_has_every_frame_in_codebook_order_with_k_of_n():
    rows = [("A", f, 3, 1 if f == "economic" else 0) for f in FRAMES]
    df = pd.DataFrame(rows, columns=["outlet", "frame", "n_articles", "n_articles_with_frame"])
    df["share"] = df["n_articles_with_frame"] / df["n_articles"]
    df["share_low"], df["share_high"], df["n_tokens"] = 0.0, 1.0, 0.0
    fig = frame_heatmap_chart(df)
    heat = fig.data[0]
    assert list(heat.x)[0] == "Economic" and list(heat.x)[-1] == "Other" and len(heat.x) == 15
    assert heat.text[0][0] == "33%<br>1/3" and heat.text[0][1] == "0%<br>0/3"


def test_a_click_on_a_point_finds_its_evidence_cell():
    from dashboard.evidence import clicked_trend_cell

    fig = frame_trend_chart(_trend(), "Economic")
    line = next(i for i, t in enumerate(fig.data) if t.name == "A")
    cells = _trend()[_trend()["n_articles_with_frame"] > 0].reset_index(drop=True)
    assert clicked_trend_cell(fig, {"points": [{"curve_number": line, "x": "2026-01-05"}]}, cells) == 0
