"""AppTest of the Word choice page on a store built by the real pipeline from hand-written articles."""

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import APP, open_page, url_values as _url
from dashboard import pair_charts, tables
from tests.pipelines.test_wordchoice import ARTICLES as PIPELINE_ARTICLES
from tests.pipelines.test_wordchoice import build_pair_store

PAGE = "views/word_choice.py"
HOSTILE = "O'Reilly *Wire*"
ARTICLES = [*PIPELINE_ARTICLES[:1], ("a1b", "Outlet A", "2026-01-05", "The war games went on."),
            *PIPELINE_ARTICLES[1:],
            ("h1", HOSTILE, "2026-01-08", "The military exercises ended and the government left.")]


@pytest.fixture(scope="module")
def pair_store(tmp_path_factory):
    return build_pair_store(tmp_path_factory.mktemp("word_choice_page"), ARTICLES)


def _page(store, **query) -> AppTest:
    return open_page(store, PAGE, **query)


def test_page_shows_the_most_used_pair_with_its_n_method_and_downloads(pair_store):
    at = _page(pair_store)
    assert not at.exception, [e.value for e in at.exception]
    choice = at.selectbox(key="pair_choice")
    assert choice.format_func(choice.options.index(choice.value) if isinstance(choice.value, str) else choice.value) \
        .startswith("\u2018regime\u2019 (+6 more) vs \u2018government\u2019 \u00b7 8 uses")
    captions = "\n".join(c.value for c in at.caption)
    # outlet voice: A 2 regime + 2 government, B 3 government, the hostile outlet 1 government
    assert "n = 8 uses of either form (2 loaded) in 5 articles, voice: outlet" in captions
    assert "lexicon version lex-" in captions
    assert "pairs version pairs-" in captions                   # the pairs file's own version, from runs
    assert "Hollow markers: " in captions                       # every cell rests on fewer than 5 articles
    assert [b.proto.label for b in at.get("download_button")] == [
        "Download chart data (CSV)", "Download outlet summary (CSV)", "Download all pairs \u00d7 outlets (CSV)"]
    assert "How this is measured" in [e.label for e in at.expander]
    assert len(at.get("plotly_chart")) == 2
    table = next(d for d in at.dataframe if "pair" in d.value.columns)   # all pairs x outlets, shares in %
    regime = table.value[table.value["pair"].str.startswith("\u2018regime\u2019")].set_index("outlet")
    assert regime["share"].max() == 50.0 and regime["share"].min() == 0.0   # A: 2 of 4; B: 0 of 3
    assert '"%.1f%%"' in table.proto.columns                               # 50.0%, not 50% beside 1.15%


def test_voice_from_the_url_changes_what_counts(pair_store):
    at = _page(pair_store, voice="quoted")
    assert not at.exception
    captions = "\n".join(c.value for c in at.caption)
    assert "n = 1 use of either form (1 loaded) in 1 article, voice: quoted" in captions


def test_choosing_another_pair_and_one_form_narrows_the_evidence(pair_store):
    at = _page(pair_store, voice="all")
    choice = at.selectbox(key="pair_choice")
    labels = [choice.format_func(k) for k in choice.options] if not isinstance(choice.options[0], str) else \
        choice.options
    j = next(k for k, label in enumerate(labels) if label.startswith("\u2018war games\u2019"))
    choice.set_value(j).run()
    assert not at.exception
    assert "n = 2 uses of either form (1 loaded) in 2 articles, voice: all" in "\n".join(c.value for c in at.caption)
    at.radio(key="pair_form").set_value("counterpart").run()
    lines = at.dataframe[-1].value          # the evidence table comes last
    assert list(lines["match"]) == ["military exercises"] and list(lines["outlet"]) == [HOSTILE]
    link = at.get("page_link")[0].proto      # the whole selection: every outlet, the selected dates
    assert (link.page, link.query_string) == (
        "concordance", "kind=pair&key=military_exercises%3Acounterpart&cell_from=2026-01-05&cell_to=2026-01-13")
    at.selectbox(key="pair_cell").set_value(1).run()   # the first (week, outlet) cell: the week of 5 January
    assert at.get("page_link")[0].proto.query_string == (
        "kind=pair&key=military_exercises%3Acounterpart&cell_outlet=O%27Reilly+%2AWire%2A&cell_from=2026-01-05&cell_to=2026-01-11")


def test_pair_description_is_escaped_markdown(pair_store):
    at = _page(pair_store)
    text = "\n".join(m.value for m in at.markdown)
    assert "**a state's government** · loaded form: regime, puppet regime" in text
    assert "\u2018government\u2019 is the plain word\\." in text or "'government' is the plain word\\." in text


def test_a_store_scored_without_pairs_says_how_to_get_them(store_path):
    at = _page(store_path)
    assert not at.exception
    assert any("framewatch score --store PATH" in i.value for i in at.info)


def test_outlet_chart_puts_n_in_the_row_labels_and_hollows_small_cells():
    df = pd.DataFrame(dict(outlet=["X", "Y"], pair_id="p", n_loaded=[3, 0], n_counterpart=[1, 0], n_forms=[4, 0],
                           share=[0.75, float("nan")], share_low=[0.3, float("nan")], share_high=[0.95, float("nan")],
                           n_articles=[2, 0], n_articles_loaded=[1, 0], article_share=[0.5, float("nan")],
                           article_share_low=[0.1, float("nan")], article_share_high=[0.9, float("nan")],
                           n_outlet_articles=[2, 3], small_n=[True, False]))
    fig = pair_charts.pair_outlet_chart(df, {"loaded": "war games|war rehearsal", "counterpart": "military exercises"})
    trace = fig.data[0]
    assert list(trace.y) == ["Y · no use", "X · n = 4 uses, 2 articles"]
    assert list(trace.marker.color) == ["#0072B2", "white"]
    one = pair_charts.pair_outlet_chart(df.assign(n_forms=[1, 0], n_loaded=[1, 0], n_articles=[1, 0]),
                                        {"loaded": "war games", "counterpart": "military exercises"})
    assert list(one.data[0].y) == ["Y · no use", "X · n = 1 use, 1 article"]    # it said "1 uses, 1 articles"
    assert "\u2018war games\u2019 (+1 more) vs \u2018military exercises\u2019" in fig.layout.title.text


def test_the_pair_is_kept_in_the_url_and_read_from_a_link(pair_store):
    at = _page(pair_store, voice="all", pair="military_exercises")
    assert not at.exception, [e.value for e in at.exception]
    choice = at.selectbox(key="pair_choice")
    assert choice.format_func(choice.value).startswith("\u2018war games\u2019")       # not the default pair
    assert "n = 2 uses of either form (1 loaded) in 2 articles, voice: all" in "\n".join(c.value for c in at.caption)
    assert _url(at, "pair") == ["military_exercises"]
    choice.set_value(0).run()                                  # the user picks the most used pair
    assert _url(at, "pair") != ["military_exercises"] and len(_url(at, "pair")) == 1
    assert at.selectbox(key="pair_choice").value == 0
    again = _page(pair_store, voice="all", pair=_url(at, "pair")[0])      # the written link opens on it
    assert again.selectbox(key="pair_choice").value == 0 and _url(again, "pair") == _url(at, "pair")


def test_an_unknown_or_overlong_pair_falls_back_to_the_default_and_leaves_the_url(pair_store):
    for bad in ("<script>alert(1)</script>", "military_exercises" + "x" * 400):
        at = _page(pair_store, voice="all", pair=bad)
        assert not at.exception and not at.error and not at.warning
        choice = at.selectbox(key="pair_choice")
        assert choice.value == 0 and choice.format_func(0).startswith("\u2018regime\u2019")
        assert "pair" not in at.query_params
        assert at.query_params["voice"] in ("all", ["all"])                 # the sidebar's keys are kept


def test_the_pair_does_not_follow_to_another_page(pair_store):
    at = _page(pair_store, pair="military_exercises")
    assert _url(at, "pair") == ["military_exercises"]
    at.switch_page("views/tone.py").run()
    assert not at.exception and "pair" not in at.query_params


def _pair_frame(outlet: str, periods: list[str], shares: list[float]) -> pd.DataFrame:
    share = pd.Series(shares, dtype=float)
    return pd.DataFrame(dict(outlet=outlet, period=pd.to_datetime(periods), pair_id="p", n_loaded=1, n_counterpart=1,
                             n_forms=share.notna().astype(int) * 4, share=share, share_low=share - 0.1,
                             share_high=share + 0.1, n_articles=2, n_articles_loaded=1, article_share=0.5,
                             small_n=False))


def test_trend_chart_bands_only_stretches_of_three_periods_and_gives_shorter_ones_error_bars():
    # X: three weeks in a row, a gap, one week alone; Y: two weeks, a gap, two weeks. Before band_traces
    # every stretch got a band, so X's lone week and Y's pairs drew spikes and wedges
    weeks = ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02"]
    df = pd.concat([_pair_frame("X", weeks, [0.2, 0.4, 0.3, None, 0.5]),
                    _pair_frame("Y", weeks, [0.6, 0.7, None, 0.8, 0.9])])
    fig = pair_charts.pair_trend_chart(df, {"loaded": "war games", "counterpart": "military exercises"})
    fills = [t for t in fig.data if getattr(t, "fill", None) == "tonexty"]
    assert [f.legendgroup for f in fills] == ["X"]                      # one band: X's three weeks
    assert list(pd.to_datetime(list(fills[0].x))) == list(pd.to_datetime(weeks[:3]))
    bars = {t.legendgroup: t for t in fig.data if t.name.endswith("95% interval")}
    assert list(pd.to_datetime(list(bars["X"].x))) == [pd.Timestamp("2026-02-02")]
    assert list(pd.to_datetime(list(bars["Y"].x))) == list(pd.to_datetime(weeks[:2] + weeks[3:]))
    assert list(bars["Y"].y) == pytest.approx([0.6, 0.7, 0.8, 0.9])
    assert list(bars["Y"].error_y.array) == pytest.approx([0.1] * 4)
    lines = [t for t in fig.data if t.name in ("X", "Y")]
    assert [len(t.x) for t in lines] == [5, 5] and all(t.connectgaps is False for t in lines)   # the gap stays a break


def test_pages_without_that_choice_drop_the_pair_key_on_load(pair_store):
    for page in ("views/trends.py", "views/concordance.py", "views/articles.py"):
        at = _page(pair_store, voice="all", pair="military_exercises")
        at.switch_page(page).run()
        assert not at.exception, page
        assert "pair" not in at.query_params, page
        assert at.query_params["voice"] in ("all", ["all"]), page        # the sidebar's keys are kept
    at = AppTest.from_file(str(APP), default_timeout=60)                 # a link opening straight on Trends
    at.session_state["store_path"] = str(pair_store)
    at.query_params["pair"] = "military_exercises"
    at.query_params["target"] = "NATO"
    at.run()
    assert not at.exception and "pair" not in at.query_params and "target" not in at.query_params
    assert at.title[0].value == "Trends in loaded wording"


def test_coinciding_lines_get_their_own_marker_and_dash_and_the_caption_names_them(pair_store):
    # a new user saw two outlets in the legend whose 0 % lines hid under a third outlet's line
    import duckdb

    from dashboard.render import md_escape
    from pipelines import wordchoice
    from pipelines.rollups import Filters

    at = _page(pair_store)
    assert not at.exception, [e.value for e in at.exception]
    granularity = at.session_state["fw_granularity"]
    with duckdb.connect(str(pair_store), read_only=True) as con:
        shares = wordchoice.pair_shares(con, Filters(voice="outlet"), granularity, "government")
    assert not shares.empty
    expected = pair_charts.shared_values_text(shares, granularity)
    # outlet voice, week of 5 January: Outlet B 0 of 3 and the hostile outlet 0 of 1 use the loaded form
    assert f"{HOSTILE} and Outlet B at 0% in 1 {granularity}" in expected    # names sorted
    captions = [c.value for c in at.caption]
    assert md_escape(expected) in captions                       # names escaped: "*Wire*" stays literal
    fig = pair_charts.pair_trend_chart(shares, {"loaded": "regime", "counterpart": "government"})
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert len(lines) == shares["outlet"].nunique() == 3
    assert len({t.marker.symbol for t in lines}) == 3 and len({t.line.dash for t in lines}) == 3
    sizes = [t.marker.size for t in lines]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == 3   # the one drawn under is larger
    assert all(t.cliponaxis is False for t in lines)             # markers at 0 % are not cut in half


def test_shared_values_text_groups_outlets_by_period_and_value_and_ignores_periods_without_use():
    weeks = ["2026-01-05", "2026-01-12", "2026-01-19"]
    df = pd.concat([_pair_frame("X", weeks, [0.0, 0.5, None]), _pair_frame("Y", weeks, [0.0, 0.5, None]),
                    _pair_frame("Z", weeks, [0.0, 0.25, None])])
    text = pair_charts.shared_values_text(df, "week")
    assert text.startswith("Several outlets share a value, so their lines coincide: X, Y and Z at 0% in 1 week; "
                           "X and Y at 50% in 1 week.")
    assert pair_charts.shared_values_text(_pair_frame("X", weeks, [0.0, 0.0, 0.0]), "week") == ""   # one outlet
    assert pair_charts.shared_values_text(df[df["outlet"] != "Y"].assign(share=[0.1, 0.2, None, 0.3, 0.4, None]),
                                          "week") == ""
    # 9 periods each shared by a different pair of outlets: three named, the rest counted
    many = pd.concat([_pair_frame(o, [f"2026-01-{d:02d}" for d in range(1, 10)],
                                  [0.1 * (d if o in ("A", "B") else d + 0.5) for d in range(1, 10)]) for o in "ABC"])
    assert "; 6 more such coincidences. Each outlet" in pair_charts.shared_values_text(many, "month")


def _five_outlets() -> pd.DataFrame:
    """Five outlets over three weeks: E uses neither form; D's second week rests on one article (small n)."""
    weeks = ["2026-01-05", "2026-01-12", "2026-01-19"]
    df = pd.concat([_pair_frame("A", weeks, [0.25, 0.5, 0.75]), _pair_frame("B", weeks, [0.0, 0.0, 0.5]),
                    _pair_frame("C", weeks, [1.0, None, 0.5]), _pair_frame("D", weeks, [0.5, 1.0, 0.0]),
                    _pair_frame("E", weeks, [None, None, None])], ignore_index=True)
    df["n_loaded"] = (df["share"] * df["n_forms"]).fillna(0).astype(int)
    df["n_articles"] = df["n_forms"] // 2
    df.loc[(df["outlet"] == "D") & (df["period"] == pd.Timestamp(weeks[1])), ["n_articles", "small_n"]] = [1, True]
    return df


PAIR = {"loaded": "regime", "counterpart": "government"}


def test_more_than_three_outlets_get_a_panel_each_on_the_same_axes_with_all_outlets_in_grey():
    # a new user could not read nine RUWA outlets' lines and markers drawn over each other
    df = _five_outlets()
    fig = pair_charts.pair_trend_chart(df, PAIR)
    lines = {t.name: t for t in fig.data if t.mode == "lines+markers"}
    assert sorted(lines) == ["A", "B", "C", "D"]                        # E uses neither form: no line
    assert len({t.xaxis for t in lines.values()}) == 4                  # one panel each, not one tangle
    assert [a.text for a in fig.layout.annotations] == [
        "A · 12 uses, 6 articles", "B · 12 uses, 6 articles", "C · 8 uses, 4 articles", "D · 12 uses, 5 articles",
        "E · no use", "neither form used"]
    assert fig.layout.annotations[-1].xref == "x5 domain"               # said in E's own panel
    assert not fig.layout.showlegend and "one panel per outlet" in fig.layout.title.text
    assert fig.layout.title.subtitle.text.startswith("line: the outlet's share (band or bar: 95% interval;")
    for axis in [k for k in fig.layout if k.startswith("yaxis")]:       # the same scale in every panel
        assert list(fig.layout[axis].range) == [0, 1.04] and fig.layout[axis].tickformat == ".0%"
    assert all(fig.layout[k].matches == "x" for k in fig.layout if k.startswith("xaxis"))   # the same periods
    grey = [t for t in fig.data if t.name == pair_charts.SELECTION]
    assert len(grey) == 5 and len({t.xaxis for t in grey}) == 5        # behind every outlet, E's too
    # Σ loaded / Σ uses of the week, not a mean of the outlets' shares (week 1: (1+0+4+2)/16, mean 0.44)
    assert np.allclose(np.asarray(grey[0].y, float), [7 / 16, 6 / 12, 7 / 16])
    assert list(lines["D"].marker.color) == ["#0072B2", "white", "#0072B2"]     # few articles: hollow
    assert "95% interval %{customdata[0]:.1%}" in lines["D"].hovertemplate     # interval and n in the hover
    assert "n = %{customdata[2]:,.0f} loaded of %{customdata[3]:,.0f} uses" in lines["D"].hovertemplate
    assert [t.legendgroup for t in fig.data if getattr(t, "fill", None) == "tonexty"] == ["A", "B", "D"]
    assert list(lines["C"].y)[1] != list(lines["C"].y)[1] and lines["C"].connectgaps is False   # a gap, not 0


def test_up_to_three_outlets_stay_in_one_chart_with_a_legend():
    df = _five_outlets()
    fig = pair_charts.pair_trend_chart(df[df["outlet"].isin(["A", "B", "C"])], PAIR)
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == ["A", "B", "C"] and {t.xaxis for t in lines} == {None}   # one plot
    assert len({t.marker.symbol for t in lines}) == 3 and fig.layout.showlegend is not False
    assert fig.layout.title.text.endswith("(band or bar: 95% interval)")          # band_traces draws both
    assert not [t for t in fig.data if t.name == pair_charts.SELECTION]
    assert pair_charts.draws_panels(df[df["outlet"] != "E"]) and not pair_charts.draws_panels(df[df["outlet"] < "D"])
    assert not pair_charts.draws_panels(df.assign(n_forms=0))              # no use at all: one chart saying so
    caption = tables.panels_text(df[df["outlet"] != "E"], hidden="lines", grey=pair_charts.PANELS_GREY)
    assert caption.startswith("One panel per outlet: 4 outlets' lines in one chart hide each other.")
    assert "the grey line is all selected outlets together (their uses summed, no band)." in caption


def test_panels_drop_the_coinciding_lines_caption_and_the_grey_line_when_one_outlet_uses_a_form():
    df = _five_outlets()
    three = pair_charts.shared_values_text(df[df["outlet"].isin(["B", "C", "D"])], "week")
    assert "B and C at 50% in 1 week" in three                      # one chart: B's line lies on C's
    assert pair_charts.shared_values_text(df, "week") == ""        # in panels no line lies on another's
    alone = df.assign(n_forms=df["n_forms"].where(df["outlet"] == "A", 0),
                      share=df["share"].where(df["outlet"] == "A"))
    fig = pair_charts.pair_trend_chart(alone, PAIR)
    assert not [t for t in fig.data if t.name == pair_charts.SELECTION]    # it would repeat A's line
    assert "grey" not in fig.layout.title.subtitle.text
    assert [a.text for a in fig.layout.annotations].count("neither form used") == 4


def test_a_long_panel_title_breaks_before_its_n_and_an_outlet_name_is_text():
    from dashboard.charts import PANEL_TITLE_LINE_PX, PANELS_TOP_PX

    df = _five_outlets()
    df["outlet"] = df["outlet"].replace({"A": "A Broadcasting Corporation of the North", "B": "<b>B</b> & Co"})
    fig = pair_charts.pair_trend_chart(df, PAIR)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[0] == "&lt;b&gt;B&lt;/b&gt; &amp; Co · 12 uses, 6 articles"         # drawn as typed, not bold
    assert titles[1] == "A Broadcasting Corporation of the North<br>12 uses, 6 articles"
    assert fig.layout.annotations[1].align == "left"
    line = next(t for t in fig.data if t.mode == "lines+markers" and t.legendgroup == "<b>B</b> & Co")
    assert line.name == "&lt;b&gt;B&lt;/b&gt; &amp; Co" and "%{fullData.name}" in line.hovertemplate  # hover too
    # a top panel's second title line gets a line of margin, so it is not drawn on the subtitle
    assert fig.layout.margin.t == PANELS_TOP_PX + PANEL_TITLE_LINE_PX
    assert pair_charts.pair_trend_chart(_five_outlets(), PAIR).layout.margin.t == PANELS_TOP_PX


def test_an_outlet_name_is_text_in_the_one_chart_view_and_the_outlet_chart():
    df = _five_outlets()
    df["outlet"] = df["outlet"].replace({"B": "<b>B</b> & Co"})
    fig = pair_charts.pair_trend_chart(df[df["outlet"] < "C"], PAIR)     # two outlets: one chart with a legend
    assert [t.name for t in fig.data if t.mode == "lines+markers"] == ["&lt;b&gt;B&lt;/b&gt; &amp; Co", "A"]
    overall = df[df["period"] == df["period"].min()]                     # one row per outlet, as without periods
    rows = list(pair_charts.pair_outlet_chart(overall, PAIR).data[0].y)
    assert "&lt;b&gt;B&lt;/b&gt; &amp; Co · n = 4 uses, 2 articles" in rows and not any("<b>" in r for r in rows)
