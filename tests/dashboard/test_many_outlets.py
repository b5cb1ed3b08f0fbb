"""Five outlets through the real pipeline: Trends draws a panel per outlet (more than three overlap into a haze),
with the outlets together as a grey line whose cells have evidence and rows in the download."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from app_pages import open_page

OUTLETS = ["Outlet A", "Outlet B", "Outlet C", "Outlet D", "Outlet E"]


@pytest.fixture(scope="module")
def five_store(tmp_path_factory):
    from pipelines.ingest import IngestOptions
    from pipelines.run import ScoreOptions, run_pipeline

    folder = tmp_path_factory.mktemp("five")
    rows = []
    for i, outlet in enumerate(OUTLETS):
        for week in range(4):
            day = pd.Timestamp("2026-03-02") + pd.Timedelta(days=7 * week + i % 3)
            rows.append(dict(id=f"{i}-{week}", outlet=outlet, date=f"{day:%Y-%m-%d}T10:15:00Z",
                             title=f"Report {week} from {outlet}",
                             body=f"The regime spoke again in week {week}. Observers at {outlet} said little more "
                                  "about the talks, which went on for hours."))
    path = folder / "articles.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    store = folder / "five.duckdb"
    run_pipeline(store, [path], IngestOptions(), ScoreOptions(), fresh=True)
    return store


def test_trends_draws_a_panel_per_outlet_with_the_grey_line_and_its_evidence(five_store):
    at = open_page(five_store, "views/trends.py")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.get("plotly_chart")                           # Vega-Lite: the first page loads no plotly
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["facet"]["sort"] == [f"{o} · 4 articles" for o in OUTLETS]   # a panel each, titled
    assert "One panel per outlet: 5 outlets' bands in one chart hide each other" in "\n".join(c.value for c in at.caption)
    cells = at.selectbox(key="trend_cell")
    assert any(" · All selected outlets · 5 mentions" in o for o in cells.options)      # the grey line's points
    assert cells.value == 0 and cells.options[0] == "2026-03-02 · Outlet A · 1 mention"  # opens on the first panel
    assert cells.options[5] == "2026-03-02 · All selected outlets · 5 mentions"         # after the outlets' cells
    assert any("The 1 mention for 2026-03-02 to 2026-03-08" in c.value for c in at.caption)   # Outlet A's, not 5
    pooled = next(i for i, o in enumerate(cells.options) if "All selected outlets" in o)
    cells.set_value(pooled).run()
    assert not at.exception
    assert any("All 5 mentions" in c.value for c in at.caption)                           # every outlet's lines


def test_trend_download_has_the_grey_lines_rows(five_store):
    from dashboard import loaders
    from pipelines.rollups import POOLED, Filters

    version = loaders.store_version(str(five_store))
    csv = pd.read_csv(io.BytesIO(loaders.load_trend_csv(str(five_store), version, loaders.filters_key(Filters()),
                                                        "week", False)), encoding="utf-8-sig")
    pooled = csv[csv["outlet"] == POOLED]
    assert len(pooled) == 4 and (pooled["n_articles"] == 5).all() and (pooled["n_mentions"] == 5).all()
    per_outlet = csv[csv["outlet"] != POOLED].groupby("period")[["n_words", "n_mentions"]].sum()
    assert pooled.set_index("period")["rate_per_1k"].to_dict() == pytest.approx(
        (1000 * per_outlet["n_mentions"] / per_outlet["n_words"]).to_dict())
    assert pooled["rate_low"].isna().all()                       # no interval drawn, none claimed


def test_a_click_on_the_grey_line_or_a_panels_bar_names_its_cell(five_store):
    from dashboard import charts, loaders, tables
    from dashboard.evidence import clicked_trend_cell
    from pipelines.rollups import POOLED, Filters

    df = loaders.load_trend(str(five_store), loaders.store_version(str(five_store)), loaders.filters_key(Filters()),
                            "week", False)
    spec = charts.trend_chart(df, "rate")
    cells = tables.evidence_cells(pd.concat([df, charts.pooled_trend(df)]))
    grey = [r for r in charts.trend_chart_rows(spec) if r["kind"] == "reference" and r["drawn"] is not None][1]
    i = clicked_trend_cell({charts.TREND_CELL: [{"cell": grey["cell"]}]}, cells)      # a point of the grey line
    assert cells.loc[i, "outlet"] == POOLED and f"{pd.Timestamp(cells.loc[i, 'period']):%Y-%m-%d}" == grey["period"][:10]
    bar = next(r for r in charts.trend_chart_rows(spec) if r["kind"] == "outlet" and r["outlet"] == "Outlet C"
               and r["period"] == grey["period"])
    j = clicked_trend_cell({charts.TREND_SELECTIONS[1]: [{"cell": bar["cell"]}]}, cells)   # a panel's bar
    assert cells.loc[j, "outlet"] == "Outlet C"


WORDING = {"Outlet A": "The regime met again.", "Outlet B": "The government met again.",
           "Outlet C": "The regime and the government met again.", "Outlet D": "The government met; the regime lied.",
           "Outlet E": "The ministers met again."}


@pytest.fixture(scope="module")
def five_pair_store(tmp_path_factory):
    """Five outlets over three weeks through the real pipeline; Outlet E uses neither 'regime' nor 'government'."""
    from tests.pipelines.test_wordchoice import build_pair_store

    articles = [(f"{o[-1]}{week}", o, f"{pd.Timestamp('2026-01-05') + pd.Timedelta(days=7 * week):%Y-%m-%d}", text)
                for o, text in WORDING.items() for week in range(3)]
    return build_pair_store(tmp_path_factory.mktemp("five_pairs"), articles)


def test_word_choice_draws_a_panel_per_outlet_and_downloads_the_same_rows(five_pair_store, monkeypatch):
    # a new user found nine RUWA outlets overlaid in one unreadable chart
    import duckdb
    import streamlit.testing.v1.app_test as app_test_mod
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    from dashboard import exports, notes, pair_charts
    from pipelines import wordchoice
    from pipelines.rollups import Filters

    stores = []

    class Capturing(MemoryMediaFileStorage):              # the download's bytes (AppTest does not expose them)
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test_mod, "MemoryMediaFileStorage", Capturing)
    at = open_page(five_pair_store, "views/word_choice.py", pair="government")
    assert not at.exception, [e.value for e in at.exception]
    captions = "\n".join(c.value for c in at.caption)
    assert "One panel per outlet: 5 outlets' lines in one chart hide each other" in captions
    assert "Choose up to 3 outlets in the sidebar to draw them in one chart" in captions
    assert "Hollow markers: " in captions                           # n is still shown: every cell is one article
    assert "Several outlets share a value" not in captions          # no line lies on another's
    assert "n = 18 uses of either form (9 loaded) in 12 articles, voice: outlet" in captions
    assert notes.WORD_CHOICE_PANELS in next(e for e in at.expander if e.label == "How this is measured").markdown[0].value
    granularity = at.session_state["fw_granularity"]
    with duckdb.connect(str(five_pair_store), read_only=True) as con:
        shares = wordchoice.pair_shares(con, Filters(voice="outlet"), granularity, "government")
    fig = pair_charts.pair_trend_chart(shares, {"loaded": "regime", "counterpart": "government"})
    assert [a.text for a in fig.layout.annotations] == [
        "Outlet A · 3 uses, 3 articles", "Outlet B · 3 uses, 3 articles", "Outlet C · 6 uses, 3 articles",
        "Outlet D · 6 uses, 3 articles", "Outlet E · no use", "neither form used"]
    button = next(b for b in at.get("download_button") if b.proto.label == "Download chart data (CSV)")
    data = stores[-1].get_file(button.proto.url.rsplit("/", 1)[-1]).content
    assert data == exports.to_csv_bytes(shares)                     # the chart's rows, as before: no grey-line rows
    rows = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert sorted(rows["outlet"].unique()) == OUTLETS and len(rows) == 5 * shares["period"].nunique()
