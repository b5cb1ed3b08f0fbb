"""AppTest of the Tone toward targets page on a store built by the real pipeline."""

import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import open_page, url_values as _url

from pipelines.ingest import IngestOptions
from pipelines.run import ScoreOptions, run_pipeline

HOSTILE = "=O'Tone & News"
TEXTS = {
    # outlet: one text per week; "threat" -2.4 -> -0.5267, "good" +1.9 -> +0.4404, "welcomed" +1.4 -> +0.34
    "Alpha Daily": ["NATO is a threat. Moscow welcomed the talks.", "NATO is a threat.", "Moscow held talks."],
    HOSTILE: ["Moscow is a good partner.", "The weather was mild.", "Washington is a threat."],
}


@pytest.fixture(scope="module")
def tone_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tone_page")
    rows = [dict(id=f"{o[:3]}-{w}", outlet=o, date=f"2026-01-{5 + 7 * w:02d}T09:00:00Z", title=f"Week {w}", body=t)
            for o, texts in TEXTS.items() for w, t in enumerate(texts)]
    pd.DataFrame(rows).to_csv(folder / "a.csv", index=False)
    store = folder / "t.duckdb"
    run_pipeline(store, [folder / "a.csv"], IngestOptions(), ScoreOptions(topic_queries=False), fresh=True)
    return store


def _page(store, **query) -> AppTest:
    return open_page(store, "views/tone.py", **query)


def test_tone_page_shows_chart_heatmap_n_method_and_downloads(tone_store):
    at = _page(tone_store, granularity="week")
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 2
    targets = at.multiselect(key="tone_targets")
    assert targets.value == ["Russia", "NATO", "United States"]        # most sentences first
    captions = "\n".join(c.value for c in at.caption)
    # Alpha Daily: 2 + 1 + 1 sentences in 3 articles; the other outlet: 1 + 0 + 1 in 2 of its 3 articles
    assert "n = 6 sentences naming Russia, NATO, United States in the chosen voice (voice: outlet), in 5 articles" \
        in captions
    assert "targets gazetteer version tgt-" in captions
    assert "lexicon version" not in captions.replace("gazetteer version", "")   # tone uses no loaded-wording lexicon
    assert at.expander[0].label == "How this is measured"
    assert "not the stance toward the target" in at.expander[0].markdown[0].value
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download chart data (CSV)", "Download heatmap data (CSV)"]


def test_tone_cells_lead_to_their_sentences(tone_store):
    at = _page(tone_store, granularity="week")
    cell = at.selectbox(key="tone_cell")
    assert cell.options[0] == "NATO · Alpha Daily · week of 2026-01-05 · 1 sentence, mean tone \u22120.53"
    assert cell.label == "Cell, most sentences first (or click a point of the chart)"
    table = next(m.value for m in at.markdown if "fw-kwic" in m.value)     # the Concordance's KWIC layout
    rows = re.findall(r"<tr><td.*?</tr>", table)
    assert len(rows) == 1 and re.search(r"<mark[^>]*>NATO</mark>", rows[0]) and "NATO (\u22120.53)" in rows[0]
    assert ">Right context</th>" in table and "text-overflow:ellipsis" in table   # cut with an ellipsis, whole on hover
    links = [p for p in at.get("page_link")]
    assert links and links[0].proto.page.endswith("concordance")
    # the heatmap's cells: one per outlet and target with sentences; the hostile outlet is plain text
    matrix_cells = at.selectbox(key="tone_matrix_cell").options
    assert "NATO · Alpha Daily · 2 sentences, mean tone \u22120.53" in matrix_cells
    assert f"Russia · {HOSTILE} · 1 sentence, mean tone +0.44" in matrix_cells


def test_share_negative_measure_and_target_choice(tone_store):
    at = _page(tone_store, granularity="week")
    at.radio(key="tone_measure").set_value("negative").run()
    at.multiselect(key="tone_targets").set_value(["United States"]).run()
    assert not at.exception
    assert at.selectbox(key="tone_cell").options == [f"United States · {HOSTILE} · week of 2026-01-19 · "
                                                     "1 sentence, negative 100%"]
    at.multiselect(key="tone_targets").set_value([]).run()
    assert "Choose at least one target." in [i.value for i in at.info]


def test_store_without_tone_rows_says_how_to_build_them(store_path):
    at = _page(store_path)
    assert not at.exception
    assert any("framewatch score --store PATH" in i.value for i in at.info)


def test_targets_and_measure_are_kept_in_the_url_and_read_from_a_link(tone_store):
    at = _page(tone_store, granularity="week")
    assert "target" not in at.query_params and "tone_measure" not in at.query_params    # defaults: no key
    at.multiselect(key="tone_targets").set_value(["United States", "NATO"]).run()
    at.radio(key="tone_measure").set_value("negative").run()
    assert _url(at, "target") == ["United States", "NATO"] and _url(at, "tone_measure") == ["negative"]
    shared = _page(tone_store, granularity="week", target=["United States", "NATO"], tone_measure="negative")
    assert not shared.exception, [e.value for e in shared.exception]
    assert shared.multiselect(key="tone_targets").value == ["United States", "NATO"]
    assert shared.radio(key="tone_measure").value == "negative"
    assert "n = 3 sentences naming United States, NATO in the chosen voice (voice: outlet), in 3 articles" in "\n".join(c.value for c in shared.caption)
    assert shared.selectbox(key="tone_cell").options[0].endswith("negative 100%")      # the chosen measure
    shared.multiselect(key="tone_targets").set_value([]).run()
    assert "target" not in shared.query_params


def test_bad_targets_and_measure_fall_back_and_leave_the_url(tone_store):
    at = _page(tone_store, granularity="week", target=["<i>Mars</i>", "NATO", "x" * 400], tone_measure="loud")
    assert not at.exception and not at.warning
    assert at.multiselect(key="tone_targets").value == ["NATO"] and _url(at, "target") == ["NATO"]
    assert at.radio(key="tone_measure").value == "tone" and "tone_measure" not in at.query_params
    none_known = _page(tone_store, target="Mars")
    assert none_known.multiselect(key="tone_targets").value == ["Russia", "NATO", "United States"]
    assert "target" not in none_known.query_params


def test_targets_do_not_follow_to_another_page(tone_store):
    at = _page(tone_store, target="NATO", tone_measure="negative")
    assert _url(at, "target") == ["NATO"]
    at.switch_page("views/distinctive.py").run()
    assert "target" not in at.query_params and "tone_measure" not in at.query_params


def test_heatmap_greys_cells_below_the_minimum_of_sentences_and_the_caption_says_so(tone_store):
    # Every cell of this store has 1-2 sentences: all grey at the default 10, none at a minimum of 1.
    at = _page(tone_store)
    assert not at.exception
    spin = at.number_input(key="tone_min_sentences")
    assert spin.value == 10 and spin.label == "Colour cells with at least … sentences"
    captions = "\n".join(c.value for c in at.caption)
    assert "each cell: the value and its n (sentences)" in captions
    # Alpha Daily: NATO 2, Russia 2; the other outlet: Russia 1, United States 1 (6 sentences, 4 cells)
    assert "Grey: 4 cells with fewer than 10 sentences, not coloured" in captions
    spin.set_value(2).run()
    captions = "\n".join(c.value for c in at.caption)
    assert "Grey: 2 cells with fewer than 2 sentences, not coloured" in captions
    spin.set_value(1).run()
    assert not at.exception
    assert "A cell with fewer than 1 sentences would be grey (none here)" in "\n".join(c.value for c in at.caption)
