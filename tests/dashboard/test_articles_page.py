"""Articles page: an article too long to render at once shows its start, and the whole on request.

A scraped page with a runaway body (2 MB, 120,000 mentions) was the article with the most mentions,
so the page chose it and rendered every character and mark: over a minute, a 490,000 px page.
"""

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import render

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PARAGRAPH = ("The imperialists held war games. " * 20).strip()   # 659 characters, 40 mentions
N_PARAGRAPHS = 400                                      # 263,999 characters with the line breaks, 16,000 mentions


@pytest.fixture(scope="module")
def long_store(tmp_path_factory) -> Path:
    from pipelines.ingest import IngestOptions
    from pipelines.run import ScoreOptions, run_pipeline

    folder = tmp_path_factory.mktemp("long")
    rows = [dict(outlet="Runaway Post", date="2024-03-12", title="A page that never ends",
                 body="\n".join([PARAGRAPH] * N_PARAGRAPHS)),
            dict(outlet="Runaway Post", date="2024-03-13", title="A short one", body="The imperialists held war games.")]
    pd.DataFrame(rows).to_csv(folder / "articles.csv", index=False)
    store = folder / "long.duckdb"
    run_pipeline(store, [folder / "articles.csv"], IngestOptions(), ScoreOptions(), fresh=True)
    return store


def _app(store) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["store_path"] = str(store)
    at.run()
    return at.switch_page("views/articles.py").run()


def _article_html(at) -> str:
    return next(m.value for m in at.markdown if 'class="fw-article"' in m.value)


def test_a_long_article_shows_its_start_and_the_whole_on_request(long_store):
    at = _app(long_store)
    assert not at.exception
    shown = _article_html(at)
    assert shown.count("<mark") == 6_040 and shown.count("<br>") == 150   # 151 paragraphs of 40 mentions
    captions = "\n".join(c.value for c in at.caption)
    assert "Shown: the first 99,659 of 263,999 characters, with 6,040 of 16,000 mentions" in captions
    at.toggle(key="article_whole").set_value(True).run()
    assert _article_html(at).count("<mark") == 16_000 and "Shown: the first" not in "\n".join(c.value for c in at.caption)


def test_a_short_article_is_shown_whole_without_the_switch(long_store):
    at = _app(long_store)
    at.selectbox(key="article_pick").set_value(1).run()
    assert not at.exception
    assert _article_html(at).count("<mark") == 2 and not at.toggle


@pytest.mark.parametrize("text, limit, expected", [
    ("short", 10, "short"),
    ("one\ntwo\nthree", 10, "one\ntwo"),        # at the last line break within the limit
    ("x" * 30, 10, "x" * 10),                   # no line break: at the limit
    ("a\n" + "x" * 30, 10, "a\n" + "x" * 8),    # a line break only in the first half: at the limit
])
def test_clip_article_cuts_at_a_line_break(text, limit, expected):
    mentions = pd.DataFrame({"start_char": [0, 4], "end_char": [3, 7]})
    clipped, kept = render.clip_article(text, mentions, limit)
    assert clipped == expected
    assert list(kept["end_char"]) == ([3, 7] if len(text) <= limit else [e for e in (3, 7) if e <= len(clipped)])
