"""Topic discovery page: nothing runs until Run; proposals, chart data, representative articles, saving."""

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.topic_discovery import top_terms_chart
from pipelines.topics import read_topics
from store_factory import build_topic_store

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


@pytest.fixture(scope="module")
def topic_store(tmp_path_factory):
    return build_topic_store(tmp_path_factory.mktemp("themes"))


def _page(store):
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["store_path"] = str(store)
    at.run()
    return at.switch_page("views/topic_discovery.py").run()


def test_run_proposes_the_two_themes_and_saves_one(topic_store):
    at = _page(topic_store)
    assert not at.exception, [e.value for e in at.exception]
    assert any("press **Run**" in i.value for i in at.info) and not at.get("plotly_chart")   # nothing ran yet
    at.slider(key="td_k").set_value(2).run()
    at.button(key="td_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "n = 8 articles used · " in "\n".join(c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 1 and at.expander[0].label == "How this is measured"
    proposals = at.dataframe[0].value
    assert proposals["n_articles"].tolist() == [4, 4]
    assert proposals["share"].tolist() == [50.0, 50.0]                # 4 of 8 each, shown as 50.0%
    assert '"%.1f%%"' in at.dataframe[0].proto.columns                # one decimal in every row (not 50% / 12.35%)
    # the ten top terms wrap (rows over 64 px) in columns that fit beside the sidebar at 1,400 px; they were cut
    config = json.loads(at.dataframe[0].proto.columns)
    assert at.dataframe[0].proto.row_height > 64
    assert sum(config[c]["width"] for c in ("topic", "label", "top_terms", "n_articles", "share")) <= 936
    themes = [set(t.split(", ")) for t in proposals["top_terms"]]
    assert any("striker" in t for t in themes) and any("wheat" in t for t in themes)
    assert len(at.dataframe[1].value) == 4                          # representative articles of proposal 1
    assert [b.proto.label for b in at.get("download_button")] == [
        "Download chart data (CSV)", "Download proposals (CSV)", "Download this definition (YAML)"]

    at.text_input(key="td_name_0").set_value("Theme one").run()
    at.button(key="td_save").click().run()
    saved = Path(topic_store).parent / "topics.discovered.yaml"
    assert read_topics(saved)[-1].name == "Theme one"
    assert any(f"--topics {saved}" in c.value for c in at.code)
    at.button(key="td_save").click().run()                         # the same name again
    assert any("already defined" in e.value for e in at.error)
    assert [t.name for t in read_topics(saved)].count("Theme one") == 1
    at.sidebar.radio(key="fw_voice").set_value("quoted").run()    # voice does not change the articles read
    assert at.dataframe[0].value["n_articles"].tolist() == [4, 4]
    at.sidebar.radio(key="fw_copies").set_value("none").run()     # the copies switch does
    assert any("press **Run**" in i.value for i in at.info)


def test_too_many_topics_for_the_selection_is_a_warning(topic_store):
    at = _page(topic_store)
    at.slider(key="td_k").set_value(9).run()
    at.button(key="td_run").click().run()
    assert not at.exception
    assert any("too few articles for this many topics" in w.value for w in at.warning)


def test_top_terms_chart_has_one_panel_per_topic():
    terms = pd.DataFrame({"topic": [1, 1, 2], "rank": [1, 2, 1], "term": ["grain", "wheat", "goal"],
                          "weight": [0.9, 0.5, 0.7]})
    topics = pd.DataFrame({"topic": [1, 2], "label": ["grain / wheat", "goal"], "n_articles": [4, 4]})
    fig = top_terms_chart(terms, topics)
    assert len(fig.data) == 2 and list(fig.data[0].y) == ["wheat", "grain"]     # best term on top
    assert [a.text for a in fig.layout.annotations] == ["1. grain / wheat (4 articles)", "2. goal (4 articles)"]


def test_top_terms_chart_panels_show_their_weights_on_their_own_axes():
    """A bar's length needs values to be read against: every panel's x axis shows its ticks from 0, and the lowest
    panel of each column names the unit (the chart had no axis values)."""
    terms = pd.DataFrame({"topic": [t for t in range(1, 5) for _ in range(2)], "rank": [1, 2] * 4,
                          "term": list("abcdefgh"), "weight": [0.9, 0.5, 0.07, 0.03, 2.0, 1.0, 0.4, 0.2]})
    topics = pd.DataFrame({"topic": [1, 2, 3, 4], "label": ["a", "c", "e", "g"], "n_articles": [3, 3, 3, 3]})
    fig = top_terms_chart(terms, topics)
    axes = [fig.layout[f"xaxis{i if i > 1 else ''}"] for i in range(1, 5)]
    assert all(a.showticklabels for a in axes) and all(a.rangemode == "tozero" for a in axes)
    assert [a.matches for a in axes] == [None] * 4                 # each panel its own scale (NMF units)
    # four panels in three columns: the lowest of columns 1 (panel 4) and 2, 3 (panels 2, 3 of the first row)
    assert [a.title.text for a in axes] == [None, "NMF weight", "NMF weight", "NMF weight"]
