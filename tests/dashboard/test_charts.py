"""Pure chart builders (no Streamlit): traces, order, gaps, units."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.charts import (CELL_TARGETS, LEGEND_ROW_PX, PALETTE, PAST_CHEVRON, TREND_PLOT_PX, Z_CRITICAL, band_opacity, category_label,
                              cell_target, clipped_counts, distinctive_chart, distinctive_rows, heatmap_chart,
                              legend_rows, mark_partial_periods, period_end, trend_chart, trend_chart_rows, trend_y_top,
                              with_cell_targets)
from dashboard.tables import gap_rows, gaps_text
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


def _rows(spec, outlet=None):
    """The chart's rows (one per outlet and period), of one outlet when given."""
    return [r for r in trend_chart_rows(spec) if outlet is None or r["outlet"] == outlet]


def _layers(spec):
    """Every drawn layer of the trend spec: the lines' layers, then the volume bars."""
    lines, volume = spec["layer"]
    return [*lines["layer"], volume]


def _layer(spec, mark, shape=None):
    return next(l for l in _layers(spec) if l["mark"]["type"] == mark and l["mark"].get("shape") == shape)


@pytest.mark.parametrize("measure, col", [("rate", "rate_per_1k"), ("share", "share")])
def test_trend_one_line_per_outlet_sorted_with_gap(measure, col):
    spec = trend_chart(_trend_frame(), measure)
    line = _layer(spec, "line")
    assert line["encoding"]["color"]["scale"] == {"domain": ["A", "B"], "range": [PALETTE[0], PALETTE[1]]}
    a = _rows(spec, "A")
    assert [r["period"] for r in a] == ["2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z",
                                        "2026-03-04T00:00:00Z"]               # ascending, read as UTC
    assert a[2]["drawn"] is None and a[2]["measured"] == "not collected"  # the gap: null, a break in the line
    # the tooltip says the gap as the caption's list does (it said "no articles" beside "(no data)", round 15)
    assert gaps_text(gap_rows(_trend_frame())).endswith(f"A 2026-03-03 ({a[2]['measured']})")
    assert a[3]["drawn"] == 0.0                                           # a real zero is drawn at 0
    expected = _trend_frame().set_index(["outlet", "period"]).loc[("A", pd.Timestamp("2026-03-01")), col]
    assert a[0]["drawn"] == pytest.approx(expected)
    assert [r["outlet"] for r in _rows(spec)] == ["A"] * 4 + ["B"] * 4


@pytest.mark.parametrize("measure", ["rate", "share"])
def test_trend_of_gaps_only_says_so_instead_of_empty_axes(measure):
    gaps = _trend_frame()
    gaps = gaps[gaps["status"] == "not collected"]                    # outlet A's one period with no articles
    spec = trend_chart(gaps, measure)
    assert trend_chart_rows(spec) == [{"message": "No articles in this selection"}] and spec["mark"]["type"] == "text"
    assert "layer" not in spec                                         # no axes of nothing
    assert len(_rows(trend_chart(_trend_frame(), measure))) == 8       # one period with articles: lines drawn


def test_trend_volume_and_hover():
    spec = trend_chart(_trend_frame(), "rate")
    a, b = _rows(spec, "A"), _rows(spec, "B")
    assert [r["y1"] - r["y0"] for r in a] == [3, 2, 0, 2]              # articles per period
    assert [r["y0"] for r in b] == [3, 2, 0, 2]                        # B stacked on A
    points = _layer(spec, "point")
    assert [t["title"] for t in points["encoding"]["tooltip"]] == ["outlet", "period starting", "value", "95% interval", "n"]
    assert a[0]["n"] == "3 articles, 100 words, 1 mention" and "per 1,000 words" in a[0]["measured"]
    assert a[2]["n"] == "0 articles, 0 words, 0 mentions"
    assert "per 1,000 words" in points["encoding"]["y"]["axis"]["title"]
    assert spec["layer"][1]["encoding"]["y"]["axis"]["title"] == "articles"


@pytest.mark.parametrize("low, high, expected", [
    ([1, 1, 1, 1], [5, 5, 5, 5], ["band"] * 4),                             # a stretch that fits: one band
    ([1, 1, 1, 1], [5, 5, 50, 5], ["bar", "bar", "past", "bar"]),           # one interval past the top breaks it
    ([1, 1, 1, 1, 1], [5, 5, 5, 50, 5], ["band"] * 3 + ["past", "bar"]),
    ([1, np.nan, 1, 1, 1], [5, np.nan, 5, 5, 5], ["bar", "", "band", "band", "band"]),   # a gap has none
    ([0, 0], [10, 10.5], ["bar", "past"]),                                  # exactly at the top still fits
    ([12, 0], [20, 30], ["past", "past"]),                                  # wholly above the axis: past too
])
def test_an_interval_past_the_top_is_never_shaded(low, high, expected):
    from dashboard.charts import interval_drawing

    assert interval_drawing(pd.Series(low, dtype=float), pd.Series(high, dtype=float), 10.0).tolist() == expected


def _interval_frame():
    """One outlet by day: three well-measured days, a day of one 40-word article, two more good days, a gap."""
    words = [10000, 10000, 10000, 40, 10000, 10000, 0]
    mentions = [20.0, 24.0, 16.0, 1.0, 20.0, 22.0, np.nan]
    df = pd.DataFrame({"outlet": "A", "period": pd.date_range("2026-03-01", periods=7, freq="D"),
                       "n_articles": [20, 20, 20, 1, 20, 20, 0], "n_words": words, "n_mentions": mentions,
                       "n_articles_with_mention": [12, 13, 10, 1, 12, 12, 0]})
    return add_measures(df)


@pytest.mark.parametrize("panels", [False, True])
def test_intervals_are_bands_bars_or_dashed_to_the_top_edge_with_the_whole_interval_in_the_tooltip(panels):
    """RUWA's weeks of a few 40-word articles and a demo outlet's 300-word months had 95 % intervals far above the
    axis, drawn as full-height bars and shaded blocks that read as spikes in the data."""
    df = _interval_frame()
    if panels:       # four outlets: the same rule in every panel
        df = pd.concat([df.assign(outlet=o) for o in "ABCD"], ignore_index=True)
    spec = trend_chart(df, "rate")
    layers = spec["spec"]["layer"] if panels else _layers(spec)
    top = trend_y_top(df, "rate")
    a = _rows(spec, "A")
    frame = df[df["outlet"] == "A"]
    assert frame["rate_high"].iloc[3] > 3 * top                                 # the tiny day's interval
    assert [r["band_low"] is not None for r in a] == [True] * 3 + [False] * 4
    assert [r["bar_low"] is not None for r in a] == [False] * 4 + [True, True, False]
    assert [r["past"] for r in a] == [False] * 3 + [True] + [False] * 3
    assert a[3]["past_low"] == pytest.approx(frame["rate_low"].iloc[3]) and a[3]["band_high"] is None
    assert [r["band_high"] for r in a[:3]] == pytest.approx(frame["rate_high"].iloc[:3].to_list())   # not cut
    assert all(r["band_high"] <= top for r in a[:3]) and all(r["bar_high"] <= top for r in a[4:6])
    lo, hi = frame["rate_low"].iloc[3], frame["rate_high"].iloc[3]
    assert a[3]["interval"] == f"{lo:.2f} – {hi:.2f}"                           # the tooltip: the whole interval
    dashed = next(l for l in layers if l["mark"]["type"] == "rule" and l["mark"].get("strokeDash"))
    assert dashed["encoding"]["y"]["field"] == "past_low" and dashed["encoding"]["y2"] == {"datum": top}
    chevron = next(l for l in layers if l["mark"].get("shape") == PAST_CHEVRON)
    assert chevron["encoding"]["y"]["datum"] == top and chevron["mark"]["filled"] is False
    assert chevron["transform"] == dashed["transform"] == [{"filter": "datum.past"}]
    assert [t["field"] for t in chevron["encoding"]["tooltip"]][:4] == ["outlet", "when", "measured", "interval"]


def test_the_spec_gives_vega_nothing_to_warn_about():
    """Three warnings on every render: the rows as ``data.values`` (Streamlit inserts them after Vega's first run,
    over no rows: "Infinite extent"), a dash scale without a legend beside the colour's ("Conflicting legend
    property disable") and one period's domain also on the bars ("Conflicting scale property domain")."""
    from dashboard.charts import TREND_DATA

    one = add_measures(pd.DataFrame({"outlet": ["A", "B"], "period": pd.to_datetime(["2026-03-05"] * 2),
                                     "n_articles": [1, 2], "n_words": [20, 30], "n_mentions": [1, 0],
                                     "n_articles_with_mention": [1, 0]}))
    for spec in (trend_chart(_trend_frame()), trend_chart(one), trend_chart(_outlets_frame(4))):
        assert spec["data"] == {"name": TREND_DATA} and len(spec["datasets"][TREND_DATA]) == len(trend_chart_rows(spec))
    layers = _layers(trend_chart(one))
    assert not any("strokeDash" in l["encoding"] for l in layers)                 # one legend: the colour's
    volume = _layer(trend_chart(one), "rect")["encoding"]["x"]
    assert "domain" not in volume["scale"] and volume["scale"]["type"] == "utc"   # the measure's layers carry it
    assert all("domain" in l["encoding"]["x"]["scale"] for l in layers if l["mark"]["type"] != "rect")


def test_layers_with_nothing_to_draw_are_left_out():
    """Vega warned "Infinite extent" on every render for the layers a filter left empty."""
    marks = [(l["mark"]["type"], l["mark"].get("shape"), bool(l["mark"].get("strokeDash"))) for l in _layers(trend_chart(_trend_frame()))]
    assert marks == [("rule", None, True), ("point", PAST_CHEVRON, False), ("line", None, False),
                     ("point", None, False), ("rect", None, False)]     # every interval of 50-100 words runs past
    solid = _interval_frame().iloc[:3].assign(n_words=300_000, n_mentions=[600.0, 720.0, 480.0]).pipe(add_measures)
    marks = [l["mark"]["type"] for l in _layers(trend_chart(solid))]
    assert marks == ["area", "line", "point", "rect"]                   # no error bars, nothing past the top
    panels = trend_chart(pd.concat([solid.assign(outlet=o) for o in "ABCD"]))
    assert [l["mark"]["type"] for l in panels["spec"]["layer"]] == ["rect", "area", "line", "point"]


def test_share_axis_is_percent():
    spec = trend_chart(_trend_frame(), "share")
    axis = _layer(spec, "line")["encoding"]["y"]["axis"]
    assert axis["format"] == ".0%" and "share of articles" in axis["title"]


def test_empty_trend_has_message():
    spec = trend_chart(_trend_frame().iloc[0:0], "rate")
    assert "No articles" in trend_chart_rows(spec)[0]["message"] and "layer" not in spec


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
    assert marks.customdata[at[("A", "x")]][7] == pytest.approx(20.0)   # after the heatmap's 7 (then y, x)
    assert marks.customdata[at[("B", "x")]][7] == pytest.approx(10.0)
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
    # the row and column labels in the hover are customdata: escaped copies of y and x (plain names here)
    assert marks.hovertemplate == "%{customdata[2]} %{customdata[3]} %{customdata[1]:.1f} (%{customdata[0]}) %{text}"
    i = list(zip(marks.y, marks.meta["keys"])).index(("B", "q"))
    assert list(marks.customdata[i]) == [10.0, 2.0, "B", "Label q"] and marks.text[i] == "2" and marks.x[i] == "Label q"
    assert cell_target(fig, {"curve_number": 1, "point_index": i}) == ("B", "q")
    assert cell_target(fig, {"curve_number": 0, "point_index": 0}) is None          # the heatmap reports nothing
    assert cell_target(fig, {"curve_number": 1, "point_index": 9}) is None
    assert fig.layout.hoverdistance == -1
    with pytest.raises(ValueError, match="keys must name each of the heatmap's 2 columns"):
        with_cell_targets(go.Figure(go.Heatmap(z=[[1.0, 2.0]], x=["a", "b"], y=["A"])), keys=["a"])
    assert with_cell_targets(go.Figure(go.Scatter(x=[1], y=[2]))).data[-1].name != CELL_TARGETS   # no heatmap


def test_cell_targets_draw_names_as_typed_and_keep_them_for_the_click():
    """An outlet named like markup is drawn as typed in the ticks and the hover (plotly reads tags and
    entities in both), while the markers keep the raw name a click is matched on."""
    name, target = "<b>X</b> & Co", "A<B"
    fig = go.Figure(go.Heatmap(z=[[1.0]], x=[target], y=[name], hovertemplate="<b>%{y}</b> · %{x}: %{z}"))
    with_cell_targets(fig)
    marks = fig.data[1]
    assert list(marks.y) == [name] and cell_target(fig, {"curve_number": 1, "point_index": 0}) == (name, target)
    assert marks.hovertemplate == "<b>%{customdata[1]}</b> · %{customdata[2]}: %{customdata[0]}"
    assert list(marks.customdata[0]) == [1.0, "&lt;b&gt;X&lt;/b&gt; &amp; Co", "A&lt;B"]
    assert list(fig.layout.yaxis.ticktext) == ["&lt;b&gt;X&lt;/b&gt; &amp; Co"] and list(fig.layout.yaxis.tickvals) == [name]
    assert list(fig.layout.xaxis.ticktext) == ["A&lt;B"]
    own = go.Figure(go.Heatmap(z=[[1.0]], x=["a"], y=[name]))
    own.update_yaxes(tickmode="array", tickvals=[name], ticktext=["drawn label"])
    assert list(with_cell_targets(own).layout.yaxis.ticktext) == ["drawn label"]   # an axis's own tick text stays
    plain = with_cell_targets(go.Figure(go.Heatmap(z=[[1.0]], x=["a"], y=["Plain News"])))
    assert plain.layout.yaxis.ticktext is None and plain.layout.xaxis.tickmode is None   # nothing to escape: plotly's ticks


def test_trend_chart_on_store(store_path):
    con = storage.connect(store_path)
    try:
        df = rollups.trend(con, rollups.Filters(), "week")
    finally:
        con.close()
    spec = trend_chart(df, "rate")
    names = _layer(spec, "line")["encoding"]["color"]["scale"]["domain"]
    assert names == sorted(df["outlet"].unique())
    gap = _rows(spec, "O'Reilly Wire")
    assert sum(r["drawn"] is None for r in gap) == 1                   # the outage week is a break


LONG_NAMES = ["Capital Ledger", "Eastern Star Daily", "Meridian Herald", "Northgate Wire", "Riverside Post",
              "Voice of the Fatherland", "Westmark Broadcasting Corporation", "Korean Central News Agency",
              "Rodong Sinmun", "Xinhua", "RIA Novosti", "Global Times of the People's Republic"]


def _outlets_frame(n, words=300, mentions=1.0):
    """*n* outlets × 4 weeks of 3 articles at 3.33 per 1,000 words (with 300 words, every interval runs past the
    axis; with 300,000 words and 1,000 mentions they fit under it)."""
    rows = [(o, d, 3, words, mentions, 1) for o in LONG_NAMES[:n]
            for d in pd.date_range("2026-03-02", periods=4, freq="W-MON")]
    return add_measures(pd.DataFrame(rows, columns=["outlet", "period", "n_articles", "n_words", "n_mentions",
                                                    "n_articles_with_mention"]))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_trend_legend_sits_under_the_chart_not_on_the_title(n):
    # The title once shared the top margin with a 7-outlet legend and was drawn over by it.
    spec = trend_chart(_outlets_frame(n), "rate")
    legends = [l["encoding"][c]["legend"] for l in _layers(spec) for c in ("color", "strokeDash")
               if c in l["encoding"] and l["encoding"][c].get("legend")]
    assert legends and all(g["orient"] == "bottom" for g in legends)     # under the chart, never on the title
    assert spec["title"]["anchor"] == "start"
    assert spec["height"] == TREND_PLOT_PX and spec["autosize"]["type"] == "fit-x"   # the plot keeps its height
    assert _layer(spec, "line")["encoding"]["color"]["scale"]["domain"] == sorted(LONG_NAMES[:n])


def test_three_outlets_are_told_apart_by_colour():
    enc = _layer(trend_chart(_outlets_frame(3), "rate"), "line")["encoding"]
    assert len(set(enc["color"]["scale"]["range"])) == 3 and enc["color"]["scale"]["domain"] == sorted(LONG_NAMES[:3])


def _panel_layer(spec, mark, shape=None):
    return next(l for l in spec["spec"]["layer"] if l["mark"]["type"] == mark and l["mark"].get("shape") == shape)


@pytest.mark.parametrize("n", [4, 9, 12])
def test_more_than_three_outlets_get_a_panel_each_on_the_same_axes(n):
    """Past three outlets the bands overlapped into a haze (RUWA: nine outlets by week); each outlet now has its
    own panel with its own band, on one y scale, with the outlets together as a grey line behind it."""
    from dashboard.charts import MAX_OVERLAID, REFERENCE_GREY, trend_panels, uses_panels

    df = _outlets_frame(n, words=300_000, mentions=1000.0)                 # intervals that fit: bands
    assert uses_panels(df) and not uses_panels(_outlets_frame(MAX_OVERLAID))
    spec = trend_chart(df, "rate")
    names = sorted(LONG_NAMES[:n])
    assert spec["facet"]["field"] == "panel" and spec["facet"]["sort"] == [f"{o} · 12 articles" for o in names]
    rows = _rows(spec)
    own = [r for r in rows if r["kind"] == "outlet"]
    assert sorted({r["outlet"] for r in own}) == names and all(r["panel"].startswith(r["outlet"]) for r in own)
    grey = [r for r in rows if r["kind"] == "reference"]
    assert {r["outlet"] for r in grey} == {POOLED} and len(grey) == 4 * n                 # behind each line
    assert {r["panel"] for r in grey} == set(spec["facet"]["sort"])
    assert [r["drawn"] for r in grey[:4]] == pytest.approx([1000 * n / (300 * n)] * 4)   # summed, then divided
    line = _panel_layer(spec, "line")["encoding"]
    assert line["color"]["scale"]["range"][1] == REFERENCE_GREY and line["detail"] == {"field": "kind"}
    assert line["y"]["scale"]["domain"] == [0, trend_y_top(df, "rate")]                  # heights compare
    assert "resolve" not in spec["spec"]                                                  # one y scale in every panel
    assert line["color"]["legend"] is None                                                # the titles name the outlets
    assert _panel_layer(spec, "area")["mark"]["opacity"] == 0.13                          # one band a panel
    assert _panel_layer(spec, "rect")["encoding"]["y"]["field"] == "volume"
    assert max(r["volume"] for r in own) == pytest.approx(0.25 * trend_y_top(df, "rate"))  # pale, along the bottom
    assert spec == trend_panels(df, "rate")


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
    grey = [r for r in _rows(trend_chart(df)) if r["kind"] == "reference"][:4]
    assert grey[0]["value"] is None and grey[1]["value"] == pytest.approx(1000 * 7 / 1200)   # the gap stays a gap


def test_heatmap_category_labels_are_words_but_data_keeps_raw():
    df = add_measures(pd.DataFrame({
        "outlet": ["A", "A"], "category": ["pejorative_label", "doubt_casting"], "n_articles": [2, 2],
        "n_words": [100, 100], "n_mentions": [1, 0], "n_articles_with_mention": [1, 0]}))
    assert list(heatmap_chart(df, "rate").data[0].x) == ["doubt casting", "pejorative label"]
    assert df["category"].tolist() == ["pejorative_label", "doubt_casting"]      # the frame (and CSV) keeps raw values
    assert category_label("militarised_language") == "militarised language"


def test_one_period_is_a_labelled_day_not_hours():
    df = add_measures(pd.DataFrame({"outlet": ["A", "B"], "period": pd.to_datetime(["2026-03-05"] * 2),
                                    "n_articles": [1, 2], "n_words": [20, 30], "n_mentions": [1, 0],
                                    "n_articles_with_mention": [1, 0]}))
    x = _layer(trend_chart(df), "line")["encoding"]["x"]
    assert x["axis"]["values"] == ["2026-03-05T00:00:00Z"] and x["axis"]["format"] == "%d %b %Y"
    assert "formatType" not in x["axis"]          # Vega-Lite drops a format with an unknown formatType
    assert x["scale"]["domain"] == ["2026-03-02T00:00:00Z", "2026-03-08T00:00:00Z"]
    rows = _rows(trend_chart(df))
    assert [(r["y0"], r["y1"]) for r in rows] == [(0, 1), (1, 3)]            # stacked, not on top of each other
    assert {r["bar_end"] for r in rows} == {"2026-03-05T20:24:00Z"}          # 0.85 of the day


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
    spec = trend_chart(df, "rate")                                       # nine outlets: a panel each
    assert _panel_layer(spec, "line")["encoding"]["y"]["scale"]["domain"] == [0, top]
    clipped = clipped_counts(df, "rate", top)
    assert clipped["intervals"] >= 3 and clipped["points"] == 3             # the 125-per-1,000 weeks lie above
    above = [r for r in _rows(spec) if r["above"]]
    assert sorted(r["outlet"] for r in above) == ["Outlet 0", "Outlet 4", "Outlet 7"]
    assert all(r["drawn"] == top for r in above) and above[0]["measured"] == "125.00 mentions per 1,000 words (above the axis)"
    assert _panel_layer(spec, "point")["encoding"]["shape"] == {
        "condition": {"test": "datum.above", "value": "triangle-up"}, "value": "circle"}   # a triangle at the top edge
    assert all(r["band_high"] is None or r["band_high"] <= top for r in _rows(spec))   # no band past the top
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
    assert clipped_counts(df.iloc[0:0], "rate") == {"intervals": 0, "points": 0}


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
    spec = trend_chart(mark_partial_periods(df, "month", pd.Timestamp("2024-10-01").date(),
                                            pd.Timestamp("2024-11-10").date()))
    rows = _rows(spec)
    assert [r["partial"] for r in rows] == [False, True]
    assert [r["note"] for r in rows] == ["", "partial period: 2024-11-01 to 2024-11-10"]
    points = _layer(spec, "point")["encoding"]
    assert points["fill"]["condition"] == {"test": "datum.partial", "value": "white"}   # hollow: a white disc in a ring
    assert points["stroke"]["scale"] == points["fill"]["scale"]                         # of the outlet's colour
    assert "note" in [t["field"] for t in points["tooltip"]]
    assert spec["layer"][1]["encoding"]["opacity"] == {"condition": {"test": "datum.partial", "value": 0.35}, "value": 0.8}


def test_pooled_title_does_not_say_per_outlet():
    pooled = _outlets_frame(1).assign(outlet=rollups.POOLED)
    assert "selected outlets pooled" in trend_chart(pooled)["title"]["text"]
    assert "per outlet" in trend_chart(_outlets_frame(2))["title"]["text"]


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


def test_the_method_note_states_the_axis_and_interval_rule_of_the_code():
    from dashboard.notes import ALL_NOTES, AXIS, TREND_NOTE

    assert "from 0 to 1.15 × the 98th percentile" in AXIS and "a period of 5 or more articles" in AXIS
    assert "a share stops at 104 %" in AXIS and "a band over 3 or more periods in a row" in AXIS
    assert "runs past the top of the axis is never shaded" in AXIS and "open ^" in AXIS
    assert AXIS in TREND_NOTE and AXIS in ALL_NOTES


def test_the_method_notes_axis_numbers_follow_the_charts_constants(monkeypatch):
    """The note is formatted from the constants that draw the axis, so changing one changes the note."""
    import importlib

    from dashboard import charts, notes

    changed = {"Y_HEADROOM": 1.3, "Y_QUANTILE": 0.92, "BAND_MIN_ARTICLES": 7, "SHARE_TOP": 1.1, "MIN_BAND_PERIODS": 4}
    for name, value in changed.items():
        monkeypatch.setattr(charts, name, value)
    try:
        axis = importlib.reload(notes).AXIS
    finally:
        monkeypatch.undo()
        importlib.reload(notes)
    assert "from 0 to 1.3 × the 92nd percentile" in axis and "a period of 7 or more articles" in axis
    assert "a share stops at 110 %" in axis and "a band over 4 or more periods in a row" in axis
    assert "1.15" not in axis and "98th" not in axis


@pytest.mark.parametrize("n, expected", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
                                         (13, "13th"), (21, "21st"), (92, "92nd"), (98, "98th"), (112, "112th")])
def test_ordinal(n, expected):
    from dashboard.notes import ordinal

    assert ordinal(n) == expected
