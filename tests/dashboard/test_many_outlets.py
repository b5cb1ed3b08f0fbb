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
