"""The Concordance holds exactly the mentions each chart cell counts, on real corpora.

RUWA (9 outlets, short texts, dated by event) and KCNA 2024 (full texts, one outlet) are
scored by the real pipeline; then for every (outlet, month) cell of the trend and every
(outlet, category) cell of the heatmap, in the outlet's own voice and in all voices, the
number of concordance lines equals the cell's mention count, and every line's match is the
stored mention text at its offsets. A corpus that is absent is skipped with the reason.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines import concordance as conc
from pipelines.ingest import IngestOptions
from pipelines.rollups import Filters, outlet_category_matrix, trend
from pipelines.run import ScoreOptions, run_pipeline
from pipelines.storage import connect
from tests.conftest import corpus_dir

pytestmark = pytest.mark.corpus

CORPORA = {"ruwa_ukraine_war_2022": ("ruwa_dev.csv", "event"), "kcna_2024": ("kcna_articles.csv", "topics")}


@pytest.fixture(scope="module", params=list(CORPORA))
def con(request, tmp_path_factory):
    file, topic_column = CORPORA[request.param]
    source = corpus_dir(request.param) / file
    store = tmp_path_factory.mktemp(request.param) / "s.duckdb"
    run_pipeline(store, [source], IngestOptions(topic_column=topic_column), ScoreOptions(), fresh=True)
    c = connect(store, read_only=True)
    yield c
    c.close()


@pytest.mark.parametrize("voice", ["outlet", "all"])
def test_every_trend_cell_has_exactly_its_mentions_as_lines(con, voice):
    f = Filters(voice=voice)
    cells = trend(con, f, "month")
    cells = cells[cells["n_mentions"].fillna(0) > 0]
    assert len(cells) > 5
    for outlet, period, n in zip(cells["outlet"], cells["period"], cells["n_mentions"]):
        start = pd.Timestamp(period).date()
        end = (pd.Timestamp(period) + pd.offsets.MonthEnd(0)).date()
        lines = conc.concordance(con, f, "lexicon", outlet=outlet, start=start, end=end)
        assert len(lines) == int(n), (outlet, start)
        assert set(lines["outlet"]) == {outlet} and lines["day"].between(pd.Timestamp(start), pd.Timestamp(end)).all()
    every = conc.concordance(con, f, "lexicon")
    assert len(every) == int(cells["n_mentions"].sum())


def test_every_heatmap_cell_has_exactly_its_mentions_as_lines(con):
    f = Filters()
    cells = outlet_category_matrix(con, f)
    cells = cells[cells["n_mentions"] > 0]
    for outlet, category, n in zip(cells["outlet"], cells["category"], cells["n_mentions"]):
        lines = conc.concordance(con, f, "category", key=category, outlet=outlet)
        assert len(lines) == int(n), (outlet, category)


def test_each_line_is_the_stored_mention_at_its_offsets(con):
    lines = conc.concordance(con, Filters(voice="all"), "lexicon")
    stored = con.execute("SELECT article_id, start_char, text FROM mentions").df()
    joined = lines.merge(stored, on=["article_id", "start_char"], how="left", validate="one_to_one")
    assert len(joined) == len(lines) > 100
    assert (joined["match"] == joined["text"]).all()
