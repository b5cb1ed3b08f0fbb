"""Pure chart builders (no Streamlit): traces, order, gaps, units."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.charts import (CELL_TARGETS, LEGEND_ROW_PX, PALETTE, Z_CRITICAL, band_opacity, category_label,
                              cell_target, clipped_counts, distinctive_chart, distinctive_rows, heatmap_chart,
                              legend_rows, mark_partial_periods, period_end, trend_chart, trend_y_top,
                              with_cell_targets)
from pipelines import rollups, storage
from pipelines.distinctive import DISTINCTIVE_COLUMNS
from pipelines.rollups import POOLED, add_measures


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


@pytest.mark.parametrize("measure", ["rate", "share"])
def test_trend_of_gaps_only_says_so_instead_of_empty_axes(measure):
    gaps = _trend_frame()
    gaps = gaps[gaps["status"] == "not collected"]                    # outlet A's one period with no articles
    fig = trend_chart(gaps, measure)
    assert [a.text for a in fig.layout.annotations] == ["No articles in this selection"]
    assert not fig.data
    assert len(_lines(trend_chart(_trend_frame(), measure))) == 2     # one period with articles: lines drawn


def test_trend_band_volume_and_hover():
    fig = trend_chart(_trend_frame(), "rate")
    bars = [t for t in fig.data if isinstance(t, go.Bar)]
    assert [b.name for b in bars] == ["A", "B"] and all(b.yaxis == "y2" for b in bars)
    assert list(bars[0].y) == [3, 2, 0, 2]
    fills = [t for t in fig.data if getattr(t, "fill", None) == "tonexty"]
    # outlet A's stretches around the gap (03-01..03-02, 03-04) are too short for a band: error bars;
    # B's four periods in a row are one band
    assert len([f for f in fills if f.legendgroup == "A"]) == 0
    assert len([f for f in fills if f.legendgroup == "B"]) == 1
    bars = {t.legendgroup: t for t in fig.data if t.name.endswith("95% interval")}
    assert list(bars) == ["A"]
    assert list(pd.to_datetime(list(bars["A"].x))) == list(pd.to_datetime(["2026-03-01", "2026-03-02", "2026-03-04"]))
    a = _trend_frame().set_index(["outlet", "period"]).loc["A"].sort_index().drop(pd.Timestamp("2026-03-03"))
    assert np.array(bars["A"].y) - np.array(bars["A"].error_y.array) == pytest.approx(a["rate_low"].to_numpy())
    assert np.array(bars["A"].y) + np.array(bars["A"].error_y.array) == pytest.approx(a["rate_high"].to_numpy())
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
    assert hm.colorbar.title.text == "mentions per 1,000 words" and hm.hoverinfo == "skip"
    marks = fig.data[-1]                  # the hover label moved to the cells' markers, the value as customdata
    assert marks.name == CELL_TARGETS and "n = " in marks.hovertemplate and "%{z" not in marks.hovertemplate
    at = {(y, x): i for i, (y, x) in enumerate(zip(marks.y, marks.x))}
    assert marks.customdata[at[("A", "x")]][-1] == pytest.approx(20.0)
    assert marks.customdata[at[("B", "x")]][-1] == pytest.approx(10.0)
    assert "%{customdata[7]:.2f} mentions per 1,000 words" in marks.hovertemplate
    assert heatmap_chart(df, "share").data[0].text[0][1] == "25.0%"


def _two_outlets():
    """Big: 3 mentions per 1,000 words on 100,000 words; Tiny: 4 mentions in 500 words (8.0) and 0 in 500."""
    return add_measures(pd.DataFrame({
        "outlet": ["Big", "Big", "Tiny", "Tiny"], "category": ["x", "y", "x", "y"], "n_articles": [900, 900, 9, 9],
        "n_words": [100_000, 100_000, 500, 500], "n_mentions": [300, 100, 4, 0],
        "n_articles_with_mention": [250, 90, 3, 0]}))


def test_cells_on_a_tiny_denominator_are_uncertain_and_leave_the_colour_scale_to_the_others():
    from dashboard.charts import UNCERTAIN_SCALE_SHARE, mark_uncertain_cells, uncertain_cells

    df = _two_outlets()
    uncertain, top = uncertain_cells(df, "rate")
    assert uncertain.tolist() == [False, False, True, True]     # Tiny's intervals span most of the scale, its 0 too
    assert top == pytest.approx(3.0)                             # Big's 3.0, not Tiny's 8.0
    width = (df["rate_high"] - df["rate_low"]).to_numpy()
    assert (width[2:] > UNCERTAIN_SCALE_SHARE * 8.0).all() and (width[:2] < UNCERTAIN_SCALE_SHARE * 8.0).all()
    marked = mark_uncertain_cells(df)
    assert marked["rate_uncertain"].tolist() == [False, False, True, True]
    assert marked["share_uncertain"].tolist() == uncertain_cells(df, "share")[0].tolist()
    assert "rate_uncertain" not in df                            # not modified
    # the same outlet on as many words as Big is coloured
    solid = df.assign(n_words=100_000, n_articles=900, n_mentions=[300, 100, 800, 0],
                      n_articles_with_mention=[250, 90, 500, 0])
    assert not uncertain_cells(add_measures(solid.drop(columns=[c for c in solid if "rate" in c or "share" in c])),
                               "rate")[0].any()


def test_heatmap_greys_uncertain_cells_with_their_interval_and_labels_rows_with_their_n():
    df = _two_outlets()
    fig = heatmap_chart(df, "rate")
    heat, grey = fig.data[0], fig.data[1]
    assert grey.name == "uncertain" and fig.data[2].name == CELL_TARGETS
    assert np.isnan(np.asarray(grey.z, float)[0]).all() and not np.isnan(np.asarray(grey.z, float)[1]).any()
    lo, hi = df.loc[2, "rate_low"], df.loc[2, "rate_high"]
    assert grey.text[1][0] == f"8.00<br><span style='font-size:10px'>{lo:.1f}–{hi:.1f}</span>"
    assert grey.text[0] == ["", ""]
    assert heat.zmax == pytest.approx(3.0) and heat.z[1][0] == pytest.approx(8.0)   # the value is kept
    assert list(fig.layout.yaxis.tickvals) == ["Big", "Tiny"]                     # clicks still name outlets
    assert [t.split("<br>")[0] for t in fig.layout.yaxis.ticktext] == ["Big", "Tiny"]
    assert "900 articles · 100,000 words" in fig.layout.yaxis.ticktext[0]
    assert "9 articles · 500 words" in fig.layout.yaxis.ticktext[1]
    marks = fig.data[2]
    i = list(zip(marks.y, marks.meta["keys"])).index(("Tiny", "x"))
    assert "wider than half the colour scale" in marks.customdata[i][6]
    assert cell_target(fig, {"curve_number": 2, "point_index": i}) == ("Tiny", "x")


def test_heatmap_row_label_escapes_the_outlet():
    df = _two_outlets().replace({"Tiny": "<b>Bold</b> & co"})
    labels = heatmap_chart(df, "rate").layout.yaxis.ticktext
    assert any(t.startswith("&lt;b&gt;Bold&lt;/b&gt; &amp; co<br>") for t in labels)


def test_uncertain_text_counts_the_grey_cells_and_names_the_scale():
    from dashboard.tables import uncertain_text

    df = _two_outlets()
    text = uncertain_text(df, "rate")
    assert "Grey: 2 cells whose 95 % intervals are wider than half the colour scale (0 to 3.00 mentions per 1,000 " \
           "words)" in text
    assert "A cell whose" in uncertain_text(df[df["outlet"] == "Big"], "rate") and "(none here)" in \
        uncertain_text(df[df["outlet"] == "Big"], "rate")
    assert uncertain_text(df.iloc[0:0], "rate") == ""


def test_cell_targets_cover_exactly_the_filled_cells_and_name_their_keys():
    fig = go.Figure(go.Heatmap(z=[[1.0, np.nan], [0.0, 2.0]], x=["Label p", "Label q"], y=["A", "B"],
                               customdata=[[[7], [8]], [[9], [10]]], text=[["1", ""], ["0", "2"]],
                               hovertemplate="%{y} %{x} %{z:.1f} (%{customdata[0]}) %{text}"))
    with_cell_targets(fig, keys=["p", "q"])
    marks = fig.data[1]
    assert sorted(zip(marks.y, marks.meta["keys"])) == [("A", "p"), ("B", "p"), ("B", "q")]   # not the empty cell
    assert marks.hovertemplate == "%{y} %{x} %{customdata[1]:.1f} (%{customdata[0]}) %{text}"
    i = list(zip(marks.y, marks.meta["keys"])).index(("B", "q"))
    assert list(marks.customdata[i]) == [10.0, 2.0] and marks.text[i] == "2" and marks.x[i] == "Label q"
    assert cell_target(fig, {"curve_number": 1, "point_index": i}) == ("B", "q")
    assert cell_target(fig, {"curve_number": 0, "point_index": 0}) is None          # the heatmap reports nothing
    assert cell_target(fig, {"curve_number": 1, "point_index": 9}) is None
    assert fig.layout.hoverdistance == -1
    with pytest.raises(ValueError, match="keys must name each of the heatmap's 2 columns"):
        with_cell_targets(go.Figure(go.Heatmap(z=[[1.0, 2.0]], x=["a", "b"], y=["A"])), keys=["a"])
    assert with_cell_targets(go.Figure(go.Scatter(x=[1], y=[2]))).data[-1].name != CELL_TARGETS   # no heatmap


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


@pytest.mark.parametrize("n", [1, 2, 3])
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


def test_three_outlets_are_told_apart_by_colour():
    styles = [(t.line.color, t.line.dash) for t in _lines(trend_chart(_outlets_frame(3), "rate"))]
    assert len({c for c, _ in styles}) == 3


def _primary_y_axes(fig):
    """The layout names of the axes the lines are drawn on (the panels' left axes, not their volume axes)."""
    return sorted({t.yaxis for t in fig.data if isinstance(t, go.Scatter)})


@pytest.mark.parametrize("n", [4, 9, 12])
def test_more_than_three_outlets_get_a_panel_each_on_the_same_axes(n):
    """Past three outlets the bands overlapped into a haze (RUWA: nine outlets by week); each outlet now has its
    own panel with its own band, on one y scale, with the outlets together as a grey line behind it."""
    from dashboard.charts import MAX_OVERLAID, REFERENCE_GREY, trend_panels, uses_panels

    df = _outlets_frame(n)
    assert uses_panels(df) and not uses_panels(_outlets_frame(MAX_OVERLAID))
    fig = trend_chart(df, "rate")
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [f"{o} · 12 articles" for o in sorted(LONG_NAMES[:n])]
    lines = [t for t in fig.data if getattr(t, "mode", None) == "lines+markers"]
    assert sorted(t.name for t in lines) == sorted(LONG_NAMES[:n])
    assert len({t.yaxis for t in lines}) == n and len({t.xaxis for t in lines}) == n     # one panel each
    grey = [t for t in fig.data if t.name == POOLED]
    assert len(grey) == n and all(t.line.color == REFERENCE_GREY and t.legendgroup == POOLED for t in grey)
    assert {t.yaxis for t in grey} == {t.yaxis for t in lines}                            # behind each line
    assert list(grey[0].y) == pytest.approx([1000 * n / (300 * n)] * 4)                   # summed, then divided
    top = trend_y_top(df, "rate")
    for axis in _primary_y_axes(fig):
        assert tuple(fig.layout[axis.replace("y", "yaxis")].range) == (0, top)            # heights compare
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == n and {t.yaxis for t in bars}.isdisjoint({t.yaxis for t in lines})   # own volume axes
    assert fig.layout.showlegend is False
    fills = {t.fillcolor for t in fig.data if getattr(t, "fill", None) == "tonexty"}
    assert fills and all(f.endswith(",0.13)") for f in fills)                            # one band a panel
    assert fig.to_json() == trend_panels(df, "rate").to_json()


def test_the_grey_line_of_the_panels_is_the_pooled_series_and_a_gap_stays_a_gap():
    from dashboard.charts import pooled_trend

    df = _outlets_frame(4)
    first = df["period"].min()
    df.loc[df["period"] == first, ["n_articles", "n_words", "n_articles_with_mention"]] = 0
    df.loc[df["period"] == first, "n_mentions"] = np.nan                      # no outlet has articles that week
    df.loc[(df["outlet"] == LONG_NAMES[0]) & (df["period"] != first), "n_mentions"] = 4.0
    pooled = pooled_trend(df)
    assert (pooled["outlet"] == POOLED).all() and len(pooled) == 4
    assert np.isnan(pooled["rate_per_1k"].iloc[0]) and pooled["status"].iloc[0] == "no data"
    assert pooled["rate_per_1k"].iloc[1] == pytest.approx(1000 * (4 + 3) / 1200)
    assert pooled["share"].iloc[1] == pytest.approx(4 / 12)
    assert pooled[["rate_low", "share_high"]].isna().all().all()              # no interval without per-article sums
    assert "rate_low" in df and len(df) == 16                                  # not modified
    assert pooled_trend(df.iloc[0:0]).empty


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


# --- y axis from the plotted values (RUWA: tiny-n weeks had bands up to 500 per 1,000 words) ---

def _ruwa_like():
    """9 outlets × 20 weeks of ~2 per 1,000 words over 2,000 words; three weeks of one 8-word article."""
    rows = []
    for i in range(9):
        for w, d in enumerate(pd.date_range("2022-02-28", periods=20, freq="W-MON")):
            tiny = (i, w) in {(0, 3), (4, 11), (7, 19)}
            rows.append((f"Outlet {i}", d, 1 if tiny else 8, 8 if tiny else 2000,
                         (1.0 if tiny else float(2 + (i + w) % 4)), 1 if tiny else 3))
    return add_measures(pd.DataFrame(rows, columns=["outlet", "period", "n_articles", "n_words", "n_mentions",
                                                    "n_articles_with_mention"]))


def test_y_axis_follows_the_lines_not_the_tiny_n_bands():
    df = _ruwa_like()
    assert df["rate_high"].max() > 400                                 # the intervals that pushed the axis to 500
    top = trend_y_top(df, "rate")
    solid = df[df["n_articles"] >= 5]
    assert solid["rate_per_1k"].max() < top < 15                        # every well-measured line fits, none squashed
    fig = trend_chart(df, "rate")                                        # nine outlets: a panel each
    assert all(tuple(fig.layout[a.replace("y", "yaxis")].range) == (0, top) for a in _primary_y_axes(fig))
    assert fig.layout.yaxis.autorange is False
    clipped = clipped_counts(df, "rate", top)
    assert clipped["bands"] >= 3 and clipped["points"] == 3             # the 125-per-1,000 weeks lie above
    above = [t for t in fig.data if t.name and t.name.endswith("above the axis")]
    assert sorted(t.legendgroup for t in above) == ["Outlet 0", "Outlet 4", "Outlet 7"]
    assert all(max(t.y) <= top for t in above) and above[0].customdata[0] == pytest.approx(125.0)
    assert band_opacity(2) == 0.13 and band_opacity(9) < band_opacity(4) < 0.13


def test_y_axis_share_never_above_100_percent_and_zeros_keep_their_bands():
    df = _ruwa_like()
    assert trend_y_top(df, "share") <= 1.04
    zeros = df.assign(n_mentions=0.0, n_articles_with_mention=0).pipe(add_measures)
    solid = zeros.loc[zeros["n_articles"] >= 5, "rate_high"]
    assert solid.max() <= trend_y_top(zeros, "rate") <= 1.15 * solid.max()   # no mentions: the bands still show
    tiny = zeros[zeros["n_articles"] < 5]
    assert trend_y_top(tiny, "rate") == pytest.approx(tiny["rate_high"].max())   # only tiny n: the widest band
    assert trend_y_top(df.iloc[0:0], "rate") is None
    assert clipped_counts(df.iloc[0:0], "rate") == {"bands": 0, "points": 0}


@pytest.mark.parametrize("granularity, start, end, expected", [
    # KCNA: data 2024-10-01 to 2024-11-10, monthly: November holds ten days
    ("month", "2024-10-01", "2024-11-10", [False, True]),
    ("month", "2024-10-05", "2024-11-30", [True, False]),
    ("month", None, None, [False, False]),
    ("day", "2024-10-01", "2024-11-10", [False, False]),
])
def test_mark_partial_periods(granularity, start, end, expected):
    periods = ["2024-10-01", "2024-11-01"] if granularity == "month" else ["2024-10-01", "2024-11-10"]
    df = pd.DataFrame({"outlet": ["KCNA"] * 2, "period": pd.to_datetime(periods)})
    before = df.copy()
    out = mark_partial_periods(df, granularity, start and pd.Timestamp(start).date(), end and pd.Timestamp(end).date())
    assert out["partial"].tolist() == expected
    pd.testing.assert_frame_equal(df, before)                          # a copy, the input untouched
    if granularity == "month" and end == "2024-11-10":
        assert (f"{out['covered_from'].iloc[1]:%Y-%m-%d}", f"{out['covered_to'].iloc[1]:%Y-%m-%d}") == (
            "2024-11-01", "2024-11-10")


def test_weeks_cut_by_the_range_are_partial():
    df = pd.DataFrame({"outlet": ["A"] * 3, "period": pd.date_range("2026-03-02", periods=3, freq="W-MON")})
    out = mark_partial_periods(df, "week", pd.Timestamp("2026-03-04").date(), pd.Timestamp("2026-03-22").date())
    assert out["partial"].tolist() == [True, False, False]             # 03-02 week starts before the range
    assert period_end("2026-03-16", "week") == pd.Timestamp("2026-03-22")
    assert period_end("2024-02-01", "month") == pd.Timestamp("2024-02-29")


def test_partial_period_is_hollow_with_a_hover_note():
    df = add_measures(pd.DataFrame({"outlet": ["KCNA"] * 2, "period": pd.to_datetime(["2024-10-01", "2024-11-01"]),
                                    "n_articles": [300, 90], "n_words": [90000, 27000], "n_mentions": [400.0, 120.0],
                                    "n_articles_with_mention": [200, 60]}))
    fig = trend_chart(mark_partial_periods(df, "month", pd.Timestamp("2024-10-01").date(),
                                           pd.Timestamp("2024-11-10").date()))
    line = _lines(fig)[0]
    assert line.marker.symbol is None and line.marker.size == 7        # the legend keeps a solid dot
    ring = next(t for t in fig.data if t.name == "KCNA partial period")
    assert list(pd.to_datetime(list(ring.x))) == [pd.Timestamp("2024-11-01")] and ring.marker.color == "white"
    assert ring.marker.line.color == line.line.color and ring.hoverinfo == "skip"
    assert line.customdata[1][6] == "<br>partial period: 2024-11-01 to 2024-11-10" and line.customdata[0][6] == ""
    assert "%{customdata[6]}" in line.hovertemplate
    bar = next(t for t in fig.data if t.type == "bar")
    assert list(bar.marker.opacity) == [0.8, 0.35]                     # the short month's volume is pale too


def test_pooled_title_does_not_say_per_outlet():
    pooled = _outlets_frame(1).assign(outlet=rollups.POOLED)
    assert "selected outlets pooled" in trend_chart(pooled).layout.title.text
    assert "per outlet" in trend_chart(_outlets_frame(2)).layout.title.text


def _distinctive_frame():
    # As distinctive_terms returns it: z descending; two terms for the outlet, three for the rest.
    rows = [("kiev", 49, 0, 10.8, 0.0, 0.92, 0.03, 5.3), ("moscow", 61, 25, 13.5, 2.7, 0.51, 0.02, 4.1),
            ("war", 5, 5, 1.1, 0.5, 0.01, 0.4, 0.0), ("kyiv", 0, 46, 0.0, 5.0, -0.9, 0.04, -2.6),
            ("russia", 50, 344, 11.0, 37.7, -0.4, 0.01, -4.6), ("ukraine", 47, 621, 10.4, 68.0, -0.5, 0.01, -8.2)]
    return pd.DataFrame(rows, columns=DISTINCTIVE_COLUMNS)


def test_distinctive_rows_take_each_end_and_leave_z_zero_out():
    rows = distinctive_rows(_distinctive_frame(), n=2)
    assert rows["term"].tolist() == ["kiev", "moscow", "russia", "ukraine"]
    assert rows["side"].tolist() == ["outlet", "outlet", "rest", "rest"]


def test_distinctive_chart_bars_per_side_with_escaped_outlet_and_term_for_a_click():
    fig = distinctive_chart(_distinctive_frame(), "<b>RT</b>", n=5)
    assert [t.name for t in fig.data] == ["more in &lt;b&gt;RT&lt;/b&gt;", "more in the other selected outlets"]
    assert list(fig.data[0].y) == ["kiev", "moscow"] and list(fig.data[1].y) == ["kyiv", "russia", "ukraine"]
    assert [c[0] for c in fig.data[1].customdata] == ["kyiv", "russia", "ukraine"]
    assert "&lt;b&gt;RT&lt;/b&gt;" in fig.layout.title.text and "<b>RT" not in fig.layout.title.text
    assert sorted(s.x0 for s in fig.layout.shapes) == pytest.approx([-Z_CRITICAL, Z_CRITICAL])
    assert list(fig.layout.yaxis.categoryarray) == ["kiev", "moscow", "kyiv", "russia", "ukraine"]


def test_distinctive_chart_without_terms_says_so():
    fig = distinctive_chart(_distinctive_frame().iloc[0:0], "RT")
    assert not fig.data and fig.layout.annotations[0].text == "No terms to compare in this selection"
