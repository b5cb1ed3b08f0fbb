"""AppTest of the Frames page on the hand-made store (tests/dashboard/store_factory.py, FRAME_TERMS)."""

import json

import pytest

from app_pages import open_page, widget
from store_factory import ALPHA, EQUALS, OREILLY, build_store


def _page(store, **query):
    return open_page(store, "views/frames.py", **query)


def test_page_shows_both_charts_n_threshold_version_method_and_downloads(store_path):
    at = _page(store_path)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 2
    assert [b.proto.label for b in at.get("download_button")] == ["Download chart data (CSV)",
                                                                  "Download heatmap data (CSV)"]
    caption = at.caption[0].value
    assert caption.startswith("n = 43 scored articles, 0 articles using “Economic”")
    assert "≥ 3 frame-lexicon tokens in the outlet's own words" in caption
    assert "1 undated article left out" in caption and "frame lexicon version frames-" in caption
    assert at.expander[0].label == "How this is measured"
    assert "Field et al. 2018" in at.expander[0].markdown[0].value
    assert any("uses “Economic”" in i.value for i in at.info)
    assert widget(at.radio, "Method").options == ["Frame lexicon"]


def test_own_voice_counts_and_the_cell_links_to_the_concordance(store_path):
    at = _page(store_path)
    widget(at.selectbox, "Frame").set_value("public_opinion").run()
    assert not at.exception
    assert at.caption[0].value.startswith("n = 43 scored articles, 33 articles using “Public opinion”")
    heat = next(c.value for c in at.caption if "each cell" in c.value)       # the heatmap's: every frame, not one
    assert heat.startswith("n = 43 scored articles · each cell: the share of the outlet's articles using the frame")
    assert "33 articles" not in heat and "Public opinion" not in heat
    cell = widget(at.selectbox, "Chart cell (week starting; or click a point)")
    assert cell.options[0].startswith("2026-01-05 · ")
    links = [p.proto for p in at.get("page_link")]
    assert links[0].page == "concordance"
    assert "kind=frame" in links[0].query_string and "key=public_opinion" in links[0].query_string
    assert "cell_from=2026-01-05" in links[0].query_string and "cell_to=2026-01-11" in links[0].query_string
    heat = widget(at.selectbox, "Heatmap cell (outlet · frame; or click a cell)")
    trend_chart, heatmap = [c.proto for c in at.get("plotly_chart")]
    assert list(trend_chart.selection_mode) and list(heatmap.selection_mode)   # both take clicks (heatmap: its markers)
    # The factory's plan deals k = 0..42 to Alpha (15), O'Reilly (13) and =Equals (15) week by week; those
    # with k % 4 == 3 use Other: 39 at Alpha; 11, 15, 27, 31, 35 at O'Reilly; 3, 7, 19, 23 at =Equals.
    assert heat.options == [f"{EQUALS} · Public opinion · 11 of 15 articles",
                            f"{ALPHA} · Public opinion · 14 of 15 articles",
                            f"{OREILLY} · Public opinion · 8 of 13 articles"]


def test_security_is_used_only_when_every_voice_counts(store_path):
    at = _page(store_path)
    widget(at.selectbox, "Frame").set_value("security_defense").run()
    assert at.caption[0].value.startswith("n = 43 scored articles, 0 articles using “Security & defense”")
    at = _page(store_path, voice="all")
    widget(at.selectbox, "Frame").set_value("security_defense").run()
    assert not at.exception
    assert at.caption[0].value.startswith("n = 43 scored articles, 11 articles using “Security & defense”")
    assert "≥ 3 frame-lexicon tokens in every voice" in at.caption[0].value


@pytest.fixture(scope="module")
def store_without_frames(tmp_path_factory):
    import duckdb

    path = build_store(tmp_path_factory.mktemp("noframes") / "s.duckdb")
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE article_frames")
    con.close()
    return path


def test_a_store_scored_before_frames_says_how_to_rescore(store_without_frames):
    at = _page(store_without_frames)
    assert not at.exception
    assert any("framewatch score --store PATH" in i.value for i in at.info)
    assert not at.get("plotly_chart")


@pytest.fixture(scope="module")
def store_with_model(tmp_path_factory):
    """The test store plus model rows: the model says every article uses Security & defense and nothing else."""
    import duckdb

    from pipelines.frames import FRAMES

    path = build_store(tmp_path_factory.mktemp("model") / "s.duckdb")
    con = duckdb.connect(str(path))
    ids = [r[0] for r in con.execute("SELECT article_id FROM articles").fetchall()]
    con.executemany("INSERT INTO article_frames VALUES (?, ?, 'model', ?, ?)",
                    [(a, f, 0.8 if f == "security_defense" else 0.1, f == "security_defense") for a in ids for f in FRAMES])
    con.close()
    return path


def test_model_method_ignores_the_voice_and_says_so(store_with_model):
    at = _page(store_with_model)
    method = widget(at.radio, "Method")
    assert method.options == ["Frame lexicon", "Trained model"]
    method.set_value("model").run()
    widget(at.selectbox, "Frame").set_value("security_defense").run()
    assert not at.exception
    caption = at.caption[0].value
    assert caption.startswith("n = 43 scored articles, 43 articles using “Security & defense”")
    assert "the voice filter does not apply to the model" in caption
    assert any("The model has no tokens to show" in c.value for c in at.caption)


MODEL_FRAMES = {"security_defense": 0.8, "political": 0.2}
"""A model trained on two frames only (the others left out for too few labelled articles): every
article uses Security & defense (0.8 ≥ 0.5) and none Political (0.2)."""
CARD = {"created_at": "2026-11-02T09:00:00+00:00", "training_file": "labels*v2.csv", "n_articles": 60,
        "frames_skipped": {"economic": "4 labelled articles, fewer than 5"},
        "cross_validation": {"folds": 5, "macro_f1": 0.61, "macro_baseline_f1": 0.34}}


def _two_frame_model_store(path, skip: int = 0):
    """The test store plus rows of a model of two frames (:data:`MODEL_FRAMES`) for all but the
    first *skip* articles, written through ``write_table`` with its ``frames apply`` run and card,
    as ``framewatch frames apply`` leaves them."""
    import json
    from datetime import datetime, timezone

    import pandas as pd

    from pipelines import storage
    from pipelines.run import RunSummary, _record_run

    build_store(path)
    with storage.writing(path) as con:
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY article_id").fetchall()][skip:]
        rows = pd.DataFrame([(a, f, "model", p, p >= 0.5) for a in ids for f, p in MODEL_FRAMES.items()],
                            columns=["article_id", "frame", "method", "score", "uses_frame"])
        storage.write_table(con, "article_frames", rows)
        settings = {"model": "/somewhere/frames_model.skops", "model_sha256": "ab12" * 16, "card": CARD}
        _record_run(con, "apply-1", "frames apply", datetime(2026, 11, 3, tzinfo=timezone.utc), 1.0,
                    json.loads(json.dumps(settings)), RunSummary("apply-1", n_input=len(ids)), None)
    return path


@pytest.fixture(scope="module")
def store_with_two_frame_model(tmp_path_factory):
    return _two_frame_model_store(tmp_path_factory.mktemp("model2") / "s.duckdb")


def _model_page(store):
    at = _page(store)
    widget(at.radio, "Method").set_value("model").run()
    return at


def test_model_picker_and_heatmap_hold_only_the_frames_the_model_scores(store_with_two_frame_model):
    at = _model_page(store_with_two_frame_model)
    assert not at.exception, [e.value for e in at.exception]
    assert widget(at.selectbox, "Frame").options == ["Security & defense", "Political"]
    heat = at.get("plotly_chart")[1].proto.spec
    import json

    x = json.loads(heat)["data"][0]["x"]
    assert x == ["Security & defense", "Political"]          # no Economic (or any other) 0 % column
    caption = at.caption[0].value
    assert caption.startswith("n = 43 scored articles, 43 articles using “Security & defense”")
    assert "not scored by the model: Economic, Capacity & resources" in caption
    # Political is scored, and truly 0: none of the 43 articles reach 0.5.
    widget(at.selectbox, "Frame").set_value("political").run()
    assert not at.exception
    assert at.caption[0].value.startswith("n = 43 scored articles, 0 articles using “Political”")


def test_model_caption_and_note_name_the_model_not_the_lexicon(store_with_two_frame_model):
    at = _model_page(store_with_two_frame_model)
    caption = at.caption[0].value
    assert "frame lexicon version" not in caption
    assert r"model frames\_model\.skops (sha256 ab12ab12ab12…)" in caption
    assert r"trained 2026\-11\-02 on 60 labelled articles of labels\*v2\.csv" in caption
    assert "macro F1 0.61 (always-yes 0.34, 5 folds)" in caption
    assert "left out in training: Economic (4 labelled articles, fewer than 5)" in caption
    note = at.expander[0].markdown[0].value
    assert note.startswith("**Model method**") and "Field et al. 2018" not in note
    assert "60 labelled articles" in note
    # Back on the lexicon: its version and its note again.
    widget(at.radio, "Method").set_value("lexicon").run()
    assert "frame lexicon version frames-" in at.caption[0].value
    assert "Field et al. 2018" in at.expander[0].markdown[0].value


def test_a_frame_chosen_under_the_lexicon_that_the_model_does_not_score_is_dropped(store_with_two_frame_model):
    at = _page(store_with_two_frame_model)
    widget(at.selectbox, "Frame").set_value("public_opinion").run()
    widget(at.radio, "Method").set_value("model").run()
    assert not at.exception, [e.value for e in at.exception]
    assert widget(at.selectbox, "Frame").value == "security_defense"


@pytest.fixture(scope="module")
def store_with_partial_model(tmp_path_factory):
    """The two-frame model's rows and run for all but 3 of the 44 articles (added after
    ``frames apply`` while the model file was gone)."""
    return _two_frame_model_store(tmp_path_factory.mktemp("model3") / "s.duckdb", skip=3)


def test_model_rows_that_miss_articles_are_said_with_the_counts(store_with_partial_model, store_with_two_frame_model):
    at = _model_page(store_with_partial_model)
    assert not at.exception, [e.value for e in at.exception]
    warnings = [w.value for w in at.warning if "model rows" in w.value]
    assert warnings == ["model rows cover 41 of 44 articles; run `framewatch frames apply --model "
                        "frames_model.skops --store PATH` to score the rest: until then the model's counts leave "
                        "those articles out."]
    assert at.caption[0].value.startswith("n = 40 scored articles")
    widget(at.radio, "Method").set_value("lexicon").run()
    assert not [w for w in at.warning if "model rows" in w.value]         # the lexicon covers every article
    assert not [w for w in _model_page(store_with_two_frame_model).warning if "model rows" in w.value]


def _store_cells(store):
    """Per outlet × frame, straight from the store: k articles using the frame, n the outlet's scored dated
    articles, the share and its difference from the frame's share in all of them, in points. The lexicon's
    ``article_frames`` rows count every voice, so they are what the page shows with ``voice=all``."""
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute("""
            WITH arts AS (SELECT article_id, outlet FROM articles WHERE day IS NOT NULL
                          AND article_id IN (SELECT article_id FROM article_frames WHERE method = 'lexicon')),
                 cells AS (SELECT a.outlet, f.frame, count(*) FILTER (WHERE f.uses_frame) AS k
                           FROM arts a JOIN article_frames f USING (article_id) WHERE f.method = 'lexicon'
                           GROUP BY 1, 2),
                 den AS (SELECT outlet, count(*) AS n FROM arts GROUP BY 1)
            SELECT c.outlet, c.frame, c.k, d.n, c.k / d.n AS share,
                   100 * (c.k / d.n - sum(c.k) OVER (PARTITION BY c.frame) / (SELECT count(*) FROM arts))
                       AS difference_points
            FROM cells c JOIN den d USING (outlet)""").df()
    finally:
        con.close()


def _heatmap(at) -> dict:
    import json

    return json.loads(at.get("plotly_chart")[1].proto.spec)


def _array(value):
    """A figure JSON's array as numpy: plotly writes numeric arrays as ``{"dtype", "bdata" (base64), "shape"}``."""
    import base64

    import numpy as np

    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(d) for d in str(value.get("shape", len(flat))).split(",")])
    return np.asarray(value, dtype=float)


def _z_by_cell(spec: dict) -> dict:
    from dashboard.frame_charts import SHORT_LABELS

    heat = spec["data"][0]
    key = {label: f for f, label in SHORT_LABELS.items()}
    return {(o, key[x]): v for o, row in zip(heat["y"], _array(heat["z"])) for x, v in zip(heat["x"], row)}


def test_heatmap_colour_is_each_outlets_share_minus_the_frames_share_on_the_store(store_path):
    import numpy as np

    at = _page(store_path, voice="all")
    assert not at.exception, [e.value for e in at.exception]
    assert widget(at.radio, "Colour").value == "difference"                  # the informative colour by default
    expected = _store_cells(store_path)
    assert set(expected["n"]) == {13, 15}                                     # the factory's outlets, all ≥ 10
    z = _z_by_cell(_heatmap(at))
    assert len(z) == len(expected) == 3 * 15
    for row in expected.itertuples():
        assert np.isclose(z[(row.outlet, row.frame)], row.difference_points), (row.outlet, row.frame)
    assert expected["difference_points"].abs().max() > 5                     # something to see, not all zeros
    heat = _heatmap(at)["data"][0]
    assert heat["zmax"] == -heat["zmin"] and np.isclose(heat["zmax"], expected["difference_points"].abs().max())
    colour = next(c.value for c in at.caption if c.value.startswith("Colour:"))
    assert "the outlet's share minus the frame's share in all selected outlets' articles together" in colour
    assert "would be grey (none here)" in colour
    # By share: the colour is the share itself, on one scale.
    widget(at.radio, "Colour").set_value("share").run()
    assert not at.exception
    z = _z_by_cell(_heatmap(at))
    assert all(np.isclose(z[(r.outlet, r.frame)], r.share) for r in expected.itertuples())
    assert next(c.value for c in at.caption if c.value.startswith("Colour:")).startswith(
        "Colour: the share of the outlet's articles using the frame")


def test_outlets_below_the_minimum_are_grey_yet_readable_and_clickable(store_path):
    import numpy as np

    from dashboard.charts import CELL_TARGETS

    at = _page(store_path, voice="all")
    widget(at.number_input, "Colour outlets with at least … articles").set_value(14).run()
    assert not at.exception, [e.value for e in at.exception]
    expected = _store_cells(store_path)
    small = set(expected.loc[expected["n"] < 14, "outlet"])
    assert small == {OREILLY}                                                 # 13 articles
    spec = _heatmap(at)
    grey = next(t for t in spec["data"] if t.get("name") == "fewer than 14 articles")
    covered = {o for o, row in zip(grey["y"], _array(grey["z"])) if not np.isnan(row).all()}
    assert covered == small and not np.isnan(_array(grey["z"])[grey["y"].index(OREILLY)]).any()
    assert grey["text"][grey["y"].index(OREILLY)][0].endswith("/13")          # the share and k/n still read
    # The scale reaches the largest difference of the outlets that are coloured, not O'Reilly's.
    heat = spec["data"][0]
    assert np.isclose(heat["zmax"], expected.loc[expected["n"] >= 14, "difference_points"].abs().max())
    targets = next(t for t in spec["data"] if t.get("name") == CELL_TARGETS)
    assert targets["y"].count(OREILLY) == 15
    assert {c[9] for y, c in zip(targets["y"], targets["customdata"]) if y == OREILLY} == {
        "no colour: fewer than 14 articles"}
    colour = next(c.value for c in at.caption if c.value.startswith("Colour:"))
    assert "Grey: the outlet with fewer than 14 articles in the selection, not coloured" in colour


def test_the_heatmap_differences_are_computed_once_per_run(store_path, monkeypatch):
    """The page computes frame_differences for its download and hands it to the chart, which does not
    compute it again (it did: twice per run). A spy counts the calls; the real function runs."""
    import dashboard.frame_charts as fc

    calls = []
    real = fc.frame_differences

    def counted(*args, **kwargs):
        calls.append(args[1:] or kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(fc, "frame_differences", counted)
    at = _page(store_path)
    assert not at.exception, [e.value for e in at.exception]
    assert len(calls) == 1


def test_the_heatmap_of_precomputed_differences_equals_the_one_it_computes(store_path):
    import duckdb

    from dashboard.frame_charts import frame_differences, frame_heatmap_chart
    from pipelines.frames import frame_matrix
    from pipelines.rollups import Filters

    with duckdb.connect(str(store_path), read_only=True) as con:
        matrix = frame_matrix(con, Filters())
    for colour, n in [("difference", 10), ("share", 3), ("difference", 30)]:
        given = frame_heatmap_chart(frame_differences(matrix, n), colour, n)
        computed = frame_heatmap_chart(matrix, colour, n)
        assert given.to_json() == computed.to_json(), (colour, n)


def test_one_outlet_is_coloured_by_its_share_not_a_white_difference_of_zero(store_path):
    import numpy as np

    at = _page(store_path, outlet=ALPHA, voice="all")
    assert not at.exception, [e.value for e in at.exception]
    assert "Colour" not in [r.label for r in at.radio]           # no choice to make: the difference is 0 everywhere
    assert any("one outlet selected" in c.value for c in at.caption)
    heat = _heatmap(at)["data"][0]
    assert heat["colorscale"][0][1] != heat["colorscale"][-1][1] and heat["zmin"] == 0
    expected = _store_cells(store_path)
    expected = expected[expected["outlet"] == ALPHA]
    z = _z_by_cell(_heatmap(at))
    assert all(np.isclose(z[(ALPHA, r.frame)], r.share) for r in expected.itertuples())
    trend = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [a["text"] for a in trend["layout"]["annotations"]] == [f"{ALPHA} · {expected['n'].iloc[0]} articles"]
