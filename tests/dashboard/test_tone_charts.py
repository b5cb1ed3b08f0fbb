"""Chart builders of the Tone toward targets page (pure: frames in, figures out)."""

import numpy as np
import pandas as pd
import pytest

from dashboard.charts import CELL_TARGETS
from dashboard.evidence import clicked_cell_name, clicked_heatmap_cell
from dashboard.tone_charts import (FEW_GREY, clicked_tone_cell, tone_cells, tone_colour_text, tone_heatmap,
                                   tone_trend_chart, tone_y_top)


def _trend():
    periods = pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-19"])
    rows = []
    for target in ("Russia", "NATO"):
        for p, mean, low, high, n in zip(periods, (-0.2, np.nan, 0.1), (-0.3, np.nan, -0.9), (-0.1, np.nan, 0.95),
                                         (4, 0, 1)):
            rows.append(dict(outlet="A", target=target, period=p, n_articles=3, n_articles_naming=min(n, 2),
                             n_sentences=n, sum_compound=0.0, n_negative=1, mean_compound=mean, compound_low=low,
                             compound_high=high, share_negative=0.25 if n else np.nan, negative_low=0.1,
                             negative_high=0.5))
    return pd.DataFrame(rows)


def test_trend_chart_has_a_panel_per_target_gaps_and_hollow_wide_points():
    fig = tone_trend_chart(_trend(), "tone")
    assert [a.text for a in fig.layout.annotations] == ["Russia", "NATO"]
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == ["A", "A"] and [t.showlegend for t in lines] == [True, False]
    assert np.isnan(lines[0].y[1])                      # the empty week is a gap, not 0
    assert lines[0].connectgaps is False
    hollow = [t for t in fig.data if t.name == "A wide interval"]
    assert len(hollow) == 2 and list(hollow[0].y) == [0.1]      # ±0.9 is wider than the band limit
    assert not [t for t in fig.data if t.name == "A 95% lower"]   # the one narrow week stands alone: no band,
    bars = [t for t in fig.data if t.name == "A 95% interval"]     # but an error bar from -0.3 to -0.1
    assert len(bars) == 2 and list(bars[0].y) == [pytest.approx(-0.2)] and bars[0].error_y.array[0] == pytest.approx(0.1)
    assert tone_y_top(_trend()) == pytest.approx(0.315)         # 1.05 × the drawn band's -0.3


def test_names_like_markup_are_drawn_as_typed_in_the_trend_and_the_heatmap():
    """plotly reads tags and entities in names, titles, ticks and hovers: an outlet or target named like markup is
    escaped where it is drawn, and the heatmap's cell still answers a click with the raw names."""
    outlet, target = "<b>X</b> & Co", "A<B"
    df = _trend().replace({"outlet": {"A": outlet}, "target": {"Russia": target}})
    df.loc[2, "mean_compound"] = 0.9                           # a point beyond the axis, with its own hover
    fig = tone_trend_chart(df, "tone")
    shown, drawn = "&lt;b&gt;X&lt;/b&gt; &amp; Co", "A&lt;B"
    assert [a.text for a in fig.layout.annotations] == [drawn, "NATO"]
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert {t.name for t in lines} == {shown} and list(lines[0].text) == [target] * 3   # raw: a click's target
    assert f"<b>%{{fullData.name}}</b> · {drawn}<br>" in lines[0].hovertemplate
    band = next(t for t in fig.data if t.name.endswith("95% interval"))
    assert band.legendgroup == lines[0].legendgroup == outlet          # the legend shows and hides both
    beyond = next(t for t in fig.data if t.name == f"{shown} beyond the axis")
    assert beyond.hovertemplate.startswith(f"<b>{shown}</b> · {drawn}<br>")
    matrix = pd.DataFrame([dict(outlet=outlet, target=t, mean_compound=-0.25, compound_low=-0.4, compound_high=-0.1,
                                n_sentences=8, n_articles_naming=3, n_articles=5, share_negative=0.5, negative_low=0.2,
                                negative_high=0.8) for t in (target, "NATO")])
    cells = tone_cells(matrix, "tone")
    hm = tone_heatmap(matrix, "tone")
    marks = _marks(hm)
    assert set(marks.y) == {outlet} and list(hm.layout.yaxis.ticktext) == [shown]
    assert drawn in list(hm.layout.xaxis.ticktext) and outlet not in str(marks.customdata.tolist())
    i = list(marks.x).index(target)
    assert clicked_heatmap_cell(hm, {"points": [{"curve_number": len(hm.data) - 1, "point_index": i}]},
                                cells, "outlet", "target") == int(np.flatnonzero((cells["target"] == target))[0])


def test_a_hollow_point_far_from_0_does_not_squeeze_the_axis_and_sits_on_its_edge():
    df = _trend()
    df.loc[2, "mean_compound"] = 0.9                           # Russia, 19 Jan: one sentence, interval -0.9..0.95
    assert tone_y_top(df) == pytest.approx(0.315)               # still 1.05 x the drawn band's -0.3
    fig = tone_trend_chart(df, "tone")
    edge = next(t for t in fig.data if t.name == "A beyond the axis")
    assert list(edge.y) == [pytest.approx(0.315)] and list(edge.customdata) == [0.9]
    assert edge.marker.symbol == ("triangle-up",) and fig.layout.yaxis.range == (-0.315, 0.315)
    assert "(beyond the axis)" in edge.hovertemplate


def _marks(fig):
    """The invisible markers that carry the heatmap's hover and clicks."""
    return next(t for t in fig.data if t.name == CELL_TARGETS)


def test_heatmap_labels_values_with_a_true_minus_and_n():
    df = pd.DataFrame([dict(outlet="A", target="Russia", mean_compound=-0.25, compound_low=-0.4, compound_high=-0.1,
                            n_sentences=8, n_articles_naming=3, n_articles=5, share_negative=0.5, negative_low=0.2,
                            negative_high=0.8),
                       dict(outlet="A", target="NATO", mean_compound=np.nan, compound_low=np.nan,
                            compound_high=np.nan, n_sentences=0, n_articles_naming=0, n_articles=5,
                            share_negative=np.nan, negative_low=np.nan, negative_high=np.nan)])
    fig = tone_heatmap(df, "tone")
    assert list(fig.data[0].x) == ["Russia", "NATO"]
    assert fig.data[0].text[0] == ["\u22120.25<br>n=8", ""]
    assert fig.data[0].zmid == 0
    assert tone_heatmap(df, "negative").data[0].text[0][0] == "50%<br>n=8"
    marks = _marks(fig)                                      # the hover, on the filled cell's marker
    assert list(marks.x) == ["Russia"] and "%{customdata[0]}" in marks.hovertemplate
    assert marks.customdata[0][0] == "95% interval \u22120.40 – \u22120.10"       # d3's true minus, as in %{z}
    one = df.iloc[[0]].assign(n_sentences=1, compound_low=np.nan, compound_high=np.nan)
    assert _marks(tone_heatmap(one, "tone")).customdata[0][0] == "no interval: fewer than two sentences"
    assert _marks(tone_heatmap(df, "negative")).customdata[0][0] == "95% interval 20.0% – 80.0%"
    cells = tone_cells(df, "tone")
    assert cells["label"].tolist() == ["Russia · A · 8 sentences, mean tone \u22120.25"]


def test_empty_frames_say_so():
    assert "No sentence" in tone_trend_chart(pd.DataFrame(), "tone").layout.annotations[0].text
    assert "No sentence" in tone_heatmap(pd.DataFrame(), "negative").layout.annotations[0].text
    with pytest.raises(ValueError):
        tone_trend_chart(_trend(), "rate")


def test_a_click_chooses_its_cell():
    trend = _trend()
    fig = tone_trend_chart(trend, "tone")
    cells = tone_cells(trend, "tone", "week")          # Russia and NATO, weeks 1 and 3, most sentences first
    nato_line = next(i for i, t in enumerate(fig.data) if t.mode == "lines+markers" and t.text[0] == "NATO")
    hit = clicked_tone_cell(fig, {"points": [{"curve_number": nato_line, "x": "2026-01-19"}]}, cells)
    assert (cells.loc[hit, "target"], cells.loc[hit, "period"]) == ("NATO", pd.Timestamp("2026-01-19"))
    assert clicked_tone_cell(fig, {"points": [{"curve_number": nato_line, "x": "2026-01-12"}]}, cells) is None
    matrix = trend.drop(columns="period").groupby(["outlet", "target"], as_index=False).first()
    hm = tone_heatmap(matrix, "tone")
    mcells = tone_cells(matrix, "tone")
    markers = next(i for i, t in enumerate(hm.data) if t.name == CELL_TARGETS)    # a cell is clicked on its marker
    at = {(y, k): i for i, (y, k) in enumerate(zip(hm.data[markers].y, hm.data[markers].meta["keys"]))}
    for target in ("Russia", "NATO"):
        hit = clicked_heatmap_cell(hm, {"points": [{"curve_number": markers, "point_index": at[("A", target)]}]},
                                   mcells, "outlet", "target")
        assert (mcells.loc[hit, "outlet"], mcells.loc[hit, "target"]) == ("A", target)
    assert clicked_heatmap_cell(hm, None, mcells, "outlet", "target") is None
    nato = {"curve_number": markers, "point_index": at[("A", "NATO")]}
    assert clicked_cell_name(hm, {"points": [{"curve_number": 0, "point_index": 0}, nato]}) == "A · NATO"
    assert clicked_cell_name(hm, {"points": [{"curve_number": 0, "point_index": 0}]}) is None   # not on a target
    assert clicked_cell_name(hm, None) is None
    # the same first clicked target for both: the name of the cell whose row clicked_heatmap_cell returns
    hit = clicked_heatmap_cell(hm, {"points": [nato]}, mcells, "outlet", "target")
    assert f"{mcells.loc[hit, 'outlet']} · {mcells.loc[hit, 'target']}" == clicked_cell_name(hm, {"points": [nato]})
    assert clicked_heatmap_cell(hm, {"points": [{"curve_number": 0, "point_index": 0}]}, mcells, "outlet",
                                "target") is None                                  # the heatmap itself reports nothing
    assert clicked_tone_cell(hm, {"points": [{"curve_number": markers, "point_index": 0, "x": "Russia"}]},
                             mcells) is None                                       # trend points only


def test_heatmap_target_labels_are_set_at_45_degrees_so_long_names_do_not_run_into_each_other():
    # at plotly's own angle (30° for these), "European Union" ran into "China" beside it at 1,400 px
    targets = ["Ukraine", "Taiwan", "United States", "European Union", "China", "United Nations"]
    df = pd.DataFrame([dict(outlet="A", target=t, mean_compound=0.1, compound_low=0.0, compound_high=0.2, n_sentences=5,
                            n_articles_naming=2, n_articles=5, share_negative=0.2, negative_low=0.1, negative_high=0.4)
                       for t in targets])
    fig = tone_heatmap(df, "tone")
    assert fig.layout.xaxis.tickangle == -45 and fig.layout.margin.b >= 100


def test_heatmap_cells_with_few_sentences_are_grey_yet_read_their_value_n_and_why():
    # 1, 9, 10 and 700 sentences: at the minimum of 10 the first two are grey, the others coloured.
    rows = [("A", "Russia", -0.9, 1), ("A", "NATO", -0.3, 700), ("B", "Russia", 0.8, 9), ("B", "NATO", -0.2, 10)]
    df = pd.DataFrame([dict(outlet=o, target=t, mean_compound=v, compound_low=v - 0.1, compound_high=v + 0.1,
                            n_sentences=n, n_articles_naming=n, n_articles=800, share_negative=0.5, negative_low=0.4,
                            negative_high=0.6) for o, t, v, n in rows])
    fig = tone_heatmap(df, "tone")
    heat, grey = fig.data[0], next(t for t in fig.data if t.name == "fewer than 10 sentences")
    assert np.allclose(np.asarray(heat.z, float), [[-0.9, -0.3], [0.8, -0.2]])     # every value kept
    assert [[not np.isnan(v) for v in row] for row in np.asarray(grey.z, float)] == [[True, False], [True, False]]
    assert grey.text[0][0] == "\u22120.90<br>n=1" and grey.text[0][1] == "" and grey.hoverinfo == "skip"
    assert grey.colorscale[0][1] == FEW_GREY and grey.showscale is False
    marks = _marks(fig)
    why = {(y, x): c[4] for x, y, c in zip(marks.x, marks.y, marks.customdata)}
    assert why[("A", "Russia")] == why[("B", "Russia")] == "<br>no colour: fewer than 10 sentences"
    assert why[("A", "NATO")] == why[("B", "NATO")] == ""
    assert "%{customdata[4]}" in marks.hovertemplate
    assert not any(t.name == "fewer than 1 sentences" for t in tone_heatmap(df, "tone", 1).data)   # none below 1
    assert tone_colour_text(10, 2).startswith("Grey: 2 cells with fewer than 10 sentences, not coloured")
    assert "(none here)" in tone_colour_text(1, 0)


@pytest.mark.parametrize("measure, title, tickformat", [("tone", "mean tone (−1 to +1)", None),
                                                        ("negative", "negative sentences", ".0%")])
def test_each_panels_y_axis_names_its_measure_with_its_scale(measure, title, tickformat):
    fig = tone_trend_chart(_trend(), measure)     # the axis said "mean tone" without the scale, "negative" alone
    axes = [fig.layout[k] for k in fig.layout if k.startswith("yaxis")]
    assert len(axes) == 2 and all(a.title.text == title and a.tickformat == tickformat for a in axes)
