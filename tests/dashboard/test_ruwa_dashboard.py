"""The dashboard on the real RUWA corpus (../shared/corpora; skipped when absent), where a new user found: a
heatmap cell on 612 words looking as solid as one on 250,000, nine outlets' weekly bands in one unreadable chart,
"—" for the 707 RT items that have no headline, and "00:00 UTC" on dates given without a time."""

from __future__ import annotations

import json

import pytest

from app_pages import open_page
from dashboard import charts, loaders
from dashboard.tables import NO_TITLE
from pipelines.rollups import Filters

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def ruwa_store(tmp_path_factory):
    from tests.conftest import corpus_dir

    from pipelines.ingest import IngestOptions
    from pipelines.run import ScoreOptions, run_pipeline

    path = corpus_dir("ruwa_ukraine_war_2022") / "ruwa_dev.csv"
    store = tmp_path_factory.mktemp("ruwa") / "ruwa.duckdb"
    run_pipeline(store, [path], IngestOptions(topic_column="event"), ScoreOptions(), fresh=True)
    return store


def _key():
    return loaders.filters_key(Filters())


def test_heatmap_greys_the_outlets_resting_on_a_few_hundred_words(ruwa_store):
    df = loaders.load_matrix(str(ruwa_store), loaders.store_version(str(ruwa_store)), _key())
    words = df.drop_duplicates("outlet").set_index("outlet")["n_words"]
    assert words["News-Front"] < 1_000 and words["TASS"] < 1_000 and words["Censor.net"] > 200_000
    grey = df.groupby("outlet")["rate_uncertain"].mean()
    assert grey["News-Front"] == grey["TASS"] == 1.0                  # every cell of the two smallest
    assert grey["Censor.net"] == grey["Ukrinform"] == 0.0             # none of the two largest
    fig = charts.heatmap_chart(df, "rate")
    assert any("68 articles · 612 words" in t for t in fig.layout.yaxis.ticktext)


def test_default_trends_draw_a_panel_per_outlet(ruwa_store):
    at = open_page(ruwa_store, "views/trends.py")
    assert not at.exception, [e.value for e in at.exception]
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["facet"]["field"] == "panel" and len(spec["facet"]["sort"]) == 9   # one titled panel per outlet
    layers = {l["mark"]["type"]: l for l in spec["spec"]["layer"]}
    assert {"area", "line", "point"} <= set(layers)                                # each panel its band and line
    assert layers["area"]["mark"]["opacity"] == 0.13                               # one band a panel, not nine


def test_rt_items_show_their_first_words_and_no_invented_midnight(ruwa_store):
    at = open_page(ruwa_store, "views/articles.py", outlet="RT")
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    assert table["title"].str.startswith(f"{NO_TITLE} ").all() and len(table) == 500
    assert table["published_at"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()   # RUWA gives days only
    page = "\n".join(m.value for m in at.markdown)
    assert "00:00 UTC" not in page and f"<h3 style=\"margin-bottom:0\">{NO_TITLE} " in page
