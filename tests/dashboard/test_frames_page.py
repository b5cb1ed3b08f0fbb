"""AppTest of the Frames page on the hand-made store (tests/dashboard/store_factory.py, FRAME_TERMS)."""

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
    cell = widget(at.selectbox, "Chart cell (week starting; or click a point)")
    assert cell.options[0].startswith("2026-01-05 · ")
    links = [p.proto for p in at.get("page_link")]
    assert links[0].page == "concordance"
    assert "kind=frame" in links[0].query_string and "key=public_opinion" in links[0].query_string
    assert "cell_from=2026-01-05" in links[0].query_string and "cell_to=2026-01-11" in links[0].query_string
    heat = widget(at.selectbox, "Heatmap cell (outlet · frame; or click a cell)")
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
