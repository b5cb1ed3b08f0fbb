"""Pure chart builders (no Streamlit): traces, order, gaps, units."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.charts import LEGEND_ROW_PX, PALETTE, category_label, heatmap_chart, legend_rows, trend_chart
from pipelines import rollups, storage
from pipelines.rollups import add_measures


def _trend_frame():
    # C13-like: outlet A has a gap (not collected) on 03-03; rows deliberately out of order.
    rows = [("A", "2026-03-04", 2, 100, 0, 0, "ok"), ("A", "2026-03-01", 3, 100, 1, 1, "ok"),
            ("A", "2026-03-03", 0, 0, np.nan, 0, "not collected"), ("A", "2026-03-02", 2, 100, 2, 2, "ok"),
            ("B", "2026-03-01", 1, 50, 1, 1, "ok"), ("B", "2026-03-02", 1, 50, 0, 0, "ok"),
            ("B", "2026-03-03", 1, 50, 1, 1, "ok"), ("B", "2026-03-04", 1, 50, 0, 0, "ok")]
    df = pd.DataFrame(rows, columns=["outlet", "period", "n_articles", "n_words", "n_mentions",
                                     "n_articles_with_mention", "status"])
    df["period"] = pd.to_datetime(df["period"])
    return add_measures(df)


def _lines(fig):
    return [t for t in fig.data if isinstance(t, go.Scatter) and t.showlegend is not False]


@pytest.mark.parametrize("measure, col", [("rate", "rate_per_1k"), ("share", "share")])
def test_trend_one_line_per_outlet_sorted_with_gap(measure, col):
    fig = trend_chart(_trend_frame(), measure)
    lines = _lines(fig)
    assert [t.name for t in lines] == ["A", "B"]
    a = lines[0]
    x = pd.to_datetime(list(a.x))
    assert list(x) == sorted(x)                                     # x ascending
    assert a.connectgaps is False
    y = np.array(a.y, dtype=float)
    assert np.isnan(y[2])                                           # the gap is present, null
    assert y[3] == 0.0                                              # a real zero is drawn at 0
    assert a.line.color == PALETTE[0]


def test_trend_band_volume_and_hover():
    fig = trend_chart(_trend_frame(), "rate")
    bars = [t for t in fig.data if isinstance(t, go.Bar)]
    assert [b.name for b in bars] == ["A", "B"] and all(b.yaxis == "y2" for b in bars)
    assert list(bars[0].y) == [3, 2, 0, 2]
    fills = [t for t in fig.data if getattr(t, "fill", None) == "tonexty"]
    # outlet A's band is split at the gap into two stretches, B's is one
    assert len([f for f in fills if f.legendgroup == "A"]) == 2
    assert len([f for f in fills if f.legendgroup == "B"]) == 1
    hover = _lines(fig)[0].hovertemplate
    assert "95% interval" in hover and "articles" in hover and "words" in hover
    assert "per 1,000 words" in fig.layout.yaxis.title.text
    assert fig.layout.yaxis2.title.text == "articles"


def test_share_axis_is_percent():
    fig = trend_chart(_trend_frame(), "share")
    assert fig.layout.yaxis.tickformat == ".0%" and "share of articles" in fig.layout.yaxis.title.text


def test_empty_trend_has_message():
    fig = trend_chart(_trend_frame().iloc[0:0], "rate")
    assert not fig.data and "No articles" in fig.layout.annotations[0].text
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis2.visible is False   # no axes of nothing


def test_empty_heatmap_has_message_and_no_axes():
    fig = heatmap_chart(pd.DataFrame(), "share")
    assert not fig.data and "No articles" in fig.layout.annotations[0].text
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False


def test_unknown_measure():
    with pytest.raises(ValueError):
        trend_chart(_trend_frame(), "mean")


def test_heatmap_values_and_hover():
    df = add_measures(pd.DataFrame({
        "outlet": ["B", "B", "A", "A"], "category": ["x", "y", "x", "y"], "n_articles": [2, 2, 4, 4],
        "n_words": [100, 100, 200, 200], "n_mentions": [1, 0, 4, 2], "n_articles_with_mention": [1, 0, 2, 1]}))
    fig = heatmap_chart(df, "rate")
    hm = fig.data[0]
    assert list(hm.y) == ["A", "B"] and list(hm.x) == ["x", "y"]
    assert hm.z[0][0] == pytest.approx(20.0) and hm.text[1][0] == "10.00"
    assert "n = " in hm.hovertemplate and hm.colorbar.title.text == "mentions per 1,000 words"
    assert heatmap_chart(df, "share").data[0].text[0][1] == "25.0%"


def test_trend_chart_on_store(store_path):
    con = storage.connect(store_path)
    try:
        df = rollups.trend(con, rollups.Filters(), "week")
    finally:
        con.close()
    fig = trend_chart(df, "rate")
    names = [t.name for t in _lines(fig)]
    assert names == sorted(df["outlet"].unique())
    gap = _lines(fig)[names.index("O'Reilly Wire")]
    assert np.isnan(np.array(gap.y, dtype=float)).sum() == 1        # the outage week is a break


LONG_NAMES = ["Capital Ledger", "Eastern Star Daily", "Meridian Herald", "Northgate Wire", "Riverside Post",
              "Voice of the Fatherland", "Westmark Broadcasting Corporation", "Korean Central News Agency",
              "Rodong Sinmun", "Xinhua", "RIA Novosti", "Global Times of the People's Republic"]


def _outlets_frame(n):
    rows = [(o, d, 3, 300, 1.0, 1) for o in LONG_NAMES[:n] for d in pd.date_range("2026-03-02", periods=4, freq="W-MON")]
    return add_measures(pd.DataFrame(rows, columns=["outlet", "period", "n_articles", "n_words", "n_mentions",
                                                    "n_articles_with_mention"]))


@pytest.mark.parametrize("n", [2, 7, 12])
def test_trend_legend_sits_under_the_chart_not_on_the_title(n):
    # The title once shared the top margin with a 7-outlet legend and was drawn over by it.
    fig = trend_chart(_outlets_frame(n), "rate")
    legend, margin, title = fig.layout.legend, fig.layout.margin, fig.layout.title
    assert legend.orientation == "h"
    assert legend.yref == "container" and legend.y == 0 and legend.yanchor == "bottom"   # at the figure's foot
    assert title.yref == "container" and title.y == 1 and title.yanchor == "top"         # alone at the top
    rows = legend_rows(LONG_NAMES[:n])
    assert margin.b >= 60 + rows * LEGEND_ROW_PX                     # axis labels + every legend row fit below
    plot_px = fig.layout.height - margin.t - margin.b
    assert plot_px >= 400                                            # the chart does not shrink as outlets grow
    assert len(_lines(fig)) == n


def test_legend_rows_grow_with_names():
    assert legend_rows(["A", "B"]) == 1
    assert legend_rows(LONG_NAMES[:7]) >= 2 and legend_rows(LONG_NAMES) > legend_rows(LONG_NAMES[:7])


def test_twelve_outlets_are_told_apart_by_colour_and_dash():
    styles = [(t.line.color, t.line.dash) for t in _lines(trend_chart(_outlets_frame(12), "rate"))]
    assert len(set(styles)) == 12


def test_heatmap_category_labels_are_words_but_data_keeps_raw():
    df = add_measures(pd.DataFrame({
        "outlet": ["A", "A"], "category": ["pejorative_label", "doubt_casting"], "n_articles": [2, 2],
        "n_words": [100, 100], "n_mentions": [1, 0], "n_articles_with_mention": [1, 0]}))
    assert list(heatmap_chart(df, "rate").data[0].x) == ["doubt casting", "pejorative label"]
    assert df["category"].tolist() == ["pejorative_label", "doubt_casting"]      # the frame (and CSV) keeps raw values
    assert category_label("militarised_language") == "militarised language"


def test_one_period_is_a_labelled_day_not_milliseconds():
    df = add_measures(pd.DataFrame({"outlet": ["A", "B"], "period": pd.to_datetime(["2026-03-05"] * 2),
                                    "n_articles": [1, 2], "n_words": [20, 30], "n_mentions": [1, 0],
                                    "n_articles_with_mention": [1, 0]}))
    fig = trend_chart(df)
    axis = fig.layout.xaxis2
    assert list(axis.ticktext) == ["05 Mar 2026"] and axis.range[0] < pd.Timestamp("2026-03-05") < axis.range[1]
    bars = [t for t in fig.data if t.type == "bar"]
    assert [b.offset for b in bars] == [-0.4 * 86_400_000, 0.0]       # side by side, not on top of each other
