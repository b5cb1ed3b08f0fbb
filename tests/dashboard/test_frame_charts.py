"""Chart builders of the Frames page, tested on hand-made frames without Streamlit."""

import numpy as np
import pandas as pd
import pytest

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
    from dashboard.evidence import clicked_trace_cell

    fig = frame_trend_chart(_trend(), "Economic")
    line = next(i for i, t in enumerate(fig.data) if t.name == "A")
    cells = _trend()[_trend()["n_articles_with_frame"] > 0].reset_index(drop=True)
    assert clicked_trace_cell(fig, {"points": [{"curve_number": line, "x": "2026-01-05"}]}, cells) == 0


def _matrix() -> pd.DataFrame:
    """Three outlets × two frames as :func:`pipelines.frames.frame_matrix` gives them: A (40 articles) and
    B (60) well covered, C only 4; Security & defense is common (70 of 104), Morality rare (8 of 104)."""
    rows = [("A", "morality", 40, 6), ("A", "security_defense", 40, 20),
            ("B", "morality", 60, 0), ("B", "security_defense", 60, 48),
            ("C", "morality", 4, 2), ("C", "security_defense", 4, 2)]
    df = pd.DataFrame(rows, columns=["outlet", "frame", "n_articles", "n_articles_with_frame"])
    df["share"] = df["n_articles_with_frame"] / df["n_articles"]
    df["share_low"], df["share_high"], df["n_tokens"] = df["share"] / 2, (1 + df["share"]) / 2, 7.0
    return df


def test_differences_pool_the_frames_articles_and_flag_outlets_with_few():
    from dashboard.frame_charts import frame_differences

    df = _matrix()
    out = frame_differences(df, min_articles=10).set_index(["outlet", "frame"])
    assert "difference_points" not in df                                   # the input is left alone
    assert out.loc[("A", "morality"), "selection_articles_with_frame"] == 8
    assert out.loc[("A", "morality"), "selection_articles"] == 104
    assert out.loc[("B", "security_defense"), "selection_share"] == 70 / 104   # Σk / Σn, not the mean of shares
    assert np.isclose(out.loc[("A", "morality"), "difference_points"], 100 * (6 / 40 - 8 / 104))
    assert np.isclose(out.loc[("B", "security_defense"), "difference_points"], 100 * (48 / 60 - 70 / 104))
    assert out["few_articles"].tolist() == [False, False, False, False, True, True]


def test_heatmap_colours_by_difference_from_the_frame_on_a_scale_centred_on_zero():
    from dashboard.charts import CELL_TARGETS
    from dashboard.frame_charts import frame_differences

    fig = frame_heatmap_chart(_matrix(), min_articles=10)
    heat = fig.data[0]
    expected = frame_differences(_matrix(), 10).pivot(index="outlet", columns="frame", values="difference_points")
    expected = expected[["morality", "security_defense"]]                     # codebook order
    assert np.allclose(np.asarray(heat.z, float), expected.to_numpy())
    # The scale is symmetric and reaches the largest difference of the outlets with enough articles
    # (B's Security & defense, +12.7 points), not C's (from 4 articles: +42.3 on Morality).
    reach = abs(expected.loc[["A", "B"]]).to_numpy().max()
    assert heat.zmin == -reach and heat.zmax == reach
    assert heat.colorscale[0][1] == "rgb(103,0,31)" and heat.colorscale[-1][1] == "rgb(5,48,97)"   # red below
    assert heat.text[0][0] == "15%<br>6/40"                                  # the cells still read the share
    assert "the frame's share in all selected outlets" in heat.colorbar.title.text
    # C's row is covered in grey, with its own labels; its cells still take clicks.
    grey = next(t for t in fig.data if t.name == "fewer than 10 articles")
    assert [[not np.isnan(v) for v in row] for row in np.asarray(grey.z, float)] == [[False] * 2, [False] * 2,
                                                                                      [True] * 2]
    assert grey.text[2][0] == "50%<br>2/4" and grey.hoverinfo == "skip"
    targets = next(t for t in fig.data if t.name == CELL_TARGETS)
    assert list(targets.y).count("C") == 2
    lines = {(y, k): c[9] for y, k, c in zip(targets.y, targets.meta["keys"], targets.customdata)}
    assert lines[("C", "morality")] == "no colour: fewer than 10 articles"
    assert lines[("B", "morality")] == ("colour: −7.7 points (the outlet's share minus the frame's share in all "
                                        "selected outlets)")
    assert targets.customdata[0][8] == ", 7 frame tokens in them"


def test_heatmap_coloured_by_share_keeps_one_scale_and_the_model_has_no_tokens_to_show():
    df = _matrix().assign(n_tokens=np.nan)
    fig = frame_heatmap_chart(df, colour="share", min_articles=3)
    heat = fig.data[0]
    assert np.allclose(np.asarray(heat.z, float)[:, 1], [0.5, 0.8, 0.5])
    assert heat.zmin == 0 and heat.zmax == 0.8 and heat.colorbar.tickformat == ".0%"
    assert not [t for t in fig.data if str(t.name).startswith("fewer than")]   # C's 4 articles reach 3
    targets = fig.data[-1]
    assert targets.customdata[0][8] == "" and targets.customdata[0][9] == "colour: the share, 15.0%"


def test_an_unknown_colour_is_refused_with_the_choices():
    import pytest

    from dashboard.frame_charts import heatmap_colour_text

    with pytest.raises(ValueError, match=r"colour must be one of \('difference', 'share'\), not 'rate'"):
        frame_heatmap_chart(_matrix(), colour="rate")
    with pytest.raises(ValueError, match="colour must be one of"):
        heatmap_colour_text("rate", 10)


def test_the_method_note_states_the_colour_and_the_default_minimum():
    from dashboard.frame_charts import MIN_COLOUR_ARTICLES
    from dashboard.notes import ALL_NOTES, FRAMES_HEATMAP, FRAMES_MODEL_NOTE, FRAMES_NOTE

    assert f"({MIN_COLOUR_ARTICLES} unless changed)" in FRAMES_HEATMAP
    assert "`difference_points`" in FRAMES_HEATMAP and "`few_articles`" in FRAMES_HEATMAP
    assert all(FRAMES_HEATMAP in note for note in (FRAMES_NOTE, FRAMES_MODEL_NOTE, ALL_NOTES))


def _three_outlets() -> pd.DataFrame:
    """A, B, C over two weeks: A 1 of 2 then 2 of 4, B 0 of 2 then 1 of 1, C a gap then 3 of 3."""
    rows = [("A", "2026-01-05", 2, 1), ("A", "2026-01-12", 4, 2), ("B", "2026-01-05", 2, 0),
            ("B", "2026-01-12", 1, 1), ("C", "2026-01-05", 0, 0), ("C", "2026-01-12", 3, 3)]
    df = pd.DataFrame(rows, columns=["outlet", "period", "n_articles", "n_articles_with_frame"])
    df["period"] = pd.to_datetime(df["period"])
    df["share"] = np.where(df["n_articles"] > 0, df["n_articles_with_frame"] / df["n_articles"].clip(lower=1), np.nan)
    df["share_low"], df["share_high"] = df["share"] / 2, (1 + df["share"]) / 2
    return df


def test_each_outlet_has_its_own_panel_with_all_selected_outlets_behind_it():
    from dashboard.frame_charts import SELECTION

    fig = frame_trend_chart(_three_outlets(), "Economic")
    lines = {t.name: t for t in fig.data if t.name in ("A", "B", "C")}
    assert len({t.xaxis for t in lines.values()}) == 3                  # one panel each, not one tangle
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["A · 6 articles", "B · 3 articles", "C · 3 articles"]
    grey = [t for t in fig.data if t.name == SELECTION]
    assert sorted(t.xaxis for t in grey) == sorted(t.xaxis for t in lines.values())   # behind every outlet
    assert np.allclose(np.asarray(grey[0].y, float), [1 / 4, 6 / 8])    # pooled: Σk / Σn, not a mean of shares
    assert not fig.layout.showlegend and "grey: all selected outlets" in fig.layout.title.subtitle.text
    for axis in [k for k in fig.layout if k.startswith("yaxis")]:       # the same scale in every panel
        assert list(fig.layout[axis].range) == [0, 1.04] and fig.layout[axis].tickformat == ".0%"
    # 2 × 2 panels: A, B on top, C under A; dates under C and under B (the lowest panel of its column)
    assert [bool(fig.layout[f"xaxis{s}"].showticklabels) for s in ("", "2", "3")] == [False, True, True]


def test_a_single_outlet_has_one_panel_and_no_selection_line():
    from dashboard.frame_charts import SELECTION

    fig = frame_trend_chart(_trend(), "Economic")
    assert not [t for t in fig.data if t.name == SELECTION]
    assert [a.text for a in fig.layout.annotations] == ["A · 3 articles"]
    assert "grey" not in fig.layout.title.subtitle.text


def test_a_click_finds_the_outlets_cell_and_none_on_the_selection_line():
    from dashboard.evidence import clicked_trace_cell
    from dashboard.frame_charts import SELECTION

    df = _three_outlets()
    fig = frame_trend_chart(df, "Economic")
    cells = df[df["n_articles_with_frame"] > 0].reset_index(drop=True)
    b = next(i for i, t in enumerate(fig.data) if t.name == "B")
    grey = next(i for i, t in enumerate(fig.data) if t.name == SELECTION)
    assert cells.iloc[clicked_trace_cell(fig, {"points": [{"curve_number": b, "x": "2026-01-12"}]}, cells)][
        ["outlet", "n_articles"]].tolist() == ["B", 1]
    assert clicked_trace_cell(fig, {"points": [{"curve_number": grey, "x": "2026-01-12"}]}, cells) is None


def test_panel_titles_start_at_their_panels_and_leftover_cells_draw_no_axes():
    fig = frame_trend_chart(_three_outlets(), "Economic")                 # 2 x 2: the fourth cell is empty
    for i, annotation in enumerate(fig.layout.annotations):
        assert annotation.xanchor == "left" and annotation.x == fig.layout[f"xaxis{i + 1 if i else ''}"].domain[0]
    assert fig.layout.xaxis.domain[0] == 0 and fig.layout.xaxis2.domain[0] > 0.5   # not left of the plot
    assert fig.layout.xaxis4.visible is False and fig.layout.yaxis4.visible is False
    assert all(fig.layout[f"{a}axis{k}"].visible is not False for a in "xy" for k in ("", "2", "3"))


def test_an_outlet_name_is_text_in_its_panel_title_and_hover_and_still_finds_its_cell():
    """README: outlet names are always rendered escaped; the click still names the outlet as stored."""
    from dashboard.evidence import clicked_trace_cell

    df = _three_outlets().replace({"outlet": {"B": "<b>X</b> & Co"}})
    fig = frame_trend_chart(df, "Economic")
    assert [a.text for a in fig.layout.annotations] == [
        "&lt;b&gt;X&lt;/b&gt; &amp; Co · 3 articles", "A · 6 articles", "C · 3 articles"]   # drawn as typed, not bold
    line = next(i for i, t in enumerate(fig.data) if t.legendgroup == "<b>X</b> & Co" and t.mode == "lines+markers")
    assert fig.data[line].name == "&lt;b&gt;X&lt;/b&gt; &amp; Co" and "%{fullData.name}" in fig.data[line].hovertemplate
    cells = df[df["n_articles_with_frame"] > 0].reset_index(drop=True)
    hit = clicked_trace_cell(fig, {"points": [{"curve_number": line, "x": "2026-01-12"}]}, cells)
    assert cells.iloc[hit]["outlet"] == "<b>X</b> & Co"


def test_the_selection_line_is_the_shared_reference_grey_and_the_subtitle_names_band_and_bar():
    from dashboard.charts import REFERENCE_GREY
    from dashboard.frame_charts import SELECTION

    fig = frame_trend_chart(_three_outlets(), "Economic")
    assert {t.line.color for t in fig.data if t.name == SELECTION} == {REFERENCE_GREY}
    assert "(band or bar: 95% interval)" in fig.layout.title.subtitle.text


def test_an_outlet_without_articles_adds_no_selection_line():
    """Two outlets chosen, one with no articles: the selection is the other outlet alone (as the Frames page
    counts it), so no grey line repeats its line."""
    from dashboard.frame_charts import SELECTION

    df = _trend()
    empty = df.assign(outlet="B", n_articles=0, n_articles_with_frame=0, share=np.nan, share_low=np.nan,
                      share_high=np.nan)
    fig = frame_trend_chart(pd.concat([df, empty], ignore_index=True), "Economic")
    assert [a.text for a in fig.layout.annotations] == ["A · 3 articles", "B · 0 articles"]
    assert not [t for t in fig.data if t.name == SELECTION] and "grey" not in fig.layout.title.subtitle.text


@pytest.mark.parametrize("n, grid", [(1, (1, 1)), (2, (1, 2)), (4, (2, 2)), (5, (2, 3)), (7, (3, 3)), (10, (4, 3))])
def test_panels_fill_rows_of_one_to_three(n, grid):
    from dashboard.frame_charts import panel_grid

    assert panel_grid(n) == grid


def test_a_small_difference_scale_has_distinct_tick_labels():
    df = _matrix()
    df.loc[df["outlet"] == "B", ["n_articles", "n_articles_with_frame"]] = [[40, 6], [40, 20]]   # B = A
    df = df[df["outlet"] != "C"]
    df["share"] = df["n_articles_with_frame"] / df["n_articles"]
    bar = frame_heatmap_chart(df).data[0].colorbar
    assert bar.tickformat == "+.1f"                 # ±1 point: "+0.5", not "+1" twice
