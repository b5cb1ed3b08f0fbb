"""AppTest: under "N undated articles left out", an expander lists those articles with their
date notes and offers them as CSV, for the page's outlet filter; checked against the store.

The store is built by ``framewatch run`` from the CSV with bad dates of
``tests/pipelines/test_undated.py``.
"""

from __future__ import annotations

import json

from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import loaders
from pipelines.dates import count_undated_reasons, undated_reason, undated_reasons_text
from pipelines.rollups import Filters
from tests.pipelines.test_cli import invoke, query
from tests.pipelines.test_undated import write_csv

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
LISTED = ["article_id", "source_file", "source_row", "outlet", "title", "date_note"]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("undated_app")
    path = tmp / "s.duckdb"
    result = invoke("run", "--input", write_csv(tmp / "bad_dates.csv"), "--store", path)
    assert result.exit_code == 0, result.stderr
    return path


def stored(store: Path, outlets: tuple[str, ...] = ()) -> list[tuple]:
    where = " AND outlet IN (SELECT unnest(?))" if outlets else ""
    return query(store, f"SELECT {', '.join(LISTED)} FROM articles WHERE published_at IS NULL{where} "
                        "ORDER BY source_file, source_row", [list(outlets)] if outlets else None)


def app(store: Path, page: str, **params) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["store_path"] = str(store)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page != "views/trends.py":
        at.switch_page(page).run()
    listing = [t for t in at.toggle if t.key == "undated_list"]   # the listing is drawn on request
    if listing:
        listing[0].set_value(True)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def undated_expander(at: AppTest, n: int):
    label = f"{n:,} undated article{'' if n == 1 else 's'} left out: which, and why"
    found = [e for e in at.expander if e.label == label]
    assert len(found) == 1, [e.label for e in at.expander]
    return found[0]


def check_listing(at: AppTest, rows: list[tuple]) -> None:
    box = undated_expander(at, len(rows))
    table = box.dataframe[0].value
    got = [(a, f, int(r), o, t, n) for a, f, r, o, t, n in table[LISTED].itertuples(index=False)]
    assert table["source_row"].dtype == "Int64"              # a number column, so row 10 sorts after row 9
    assert json.loads(box.dataframe[0].proto.columns)["source_row"]["type_config"] == {"type": "number", "format": "%d"}
    assert got == [(a, f, r, o, t, n) for a, f, r, o, t, n in rows]
    assert table["reason"].tolist() == [undated_reason(note) for *_, note in rows]
    counts = count_undated_reasons([note for *_, note in rows])
    assert f"time: {undated_reasons_text(counts)}." in "\n".join(c.value for c in box.caption)
    buttons = box.get("download_button")
    assert [b.proto.label for b in buttons] == ["Download undated articles (CSV)"]
    assert buttons[0].proto.url.endswith(".csv")


def test_the_listing_waits_for_the_toggle(store):
    """Collapsed or not, an expander's body runs: the table and its download come only on request."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["store_path"] = str(store)
    at.run()
    box = undated_expander(at, len(stored(store)))
    assert not box.dataframe and not box.get("download_button")
    assert [t.label for t in box.toggle] == ["List them, with why each has no date"]


@pytest.mark.parametrize("page", ["views/trends.py", "views/outlets_categories.py", "views/word_choice.py",
                                  "views/articles.py", "views/frames.py"])
def test_each_page_that_leaves_undated_out_lists_them(store, page):
    rows = stored(store)
    at = app(store, page)
    assert f"{len(rows)} undated articles left out" in "\n".join(c.value for c in at.caption)
    check_listing(at, rows)


def test_the_listing_follows_the_outlet_filter(store):
    outlets = ("Valley Courier",)
    rows = stored(store, outlets)
    assert rows and len(rows) < len(stored(store))
    check_listing(app(store, "views/trends.py", outlet=list(outlets)), rows)


def test_an_outlet_with_only_undated_articles_still_lists_them(store):
    rows = stored(store, ("Hill Gazette",))
    at = app(store, "views/articles.py", outlet=["Hill Gazette"])
    assert any("No dated articles match" in i.value for i in at.info)
    check_listing(at, rows)


def test_no_expander_without_undated_articles(store):
    dated = [o for (o,) in query(store, "SELECT DISTINCT outlet FROM articles GROUP BY outlet "
                                        "HAVING count(*) FILTER (WHERE published_at IS NULL) = 0")]
    at = app(store, "views/trends.py", outlet=dated)
    assert dated and not [e for e in at.expander if "undated" in e.label]
    assert "0 undated articles left out" in "\n".join(c.value for c in at.caption)


def test_the_download_is_the_listing_as_csv(store):
    """The bytes the button serves (:func:`dashboard.loaders.load_undated_csv`) hold every listed article."""
    data = loaders.load_undated_csv(str(store), store.stat().st_mtime_ns, loaders.filters_key(Filters()))
    back = pd.read_csv(BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert [tuple(r) for r in back[LISTED].itertuples(index=False)] == \
        [tuple(str(v) for v in row) for row in stored(store)]


def test_a_long_listing_shows_its_head_and_says_so(store, monkeypatch):
    monkeypatch.setattr(loaders, "UNDATED_SHOWN", 2)
    rows = stored(store)
    box = undated_expander(app(store, "views/trends.py"), len(rows))
    assert len(box.dataframe[0].value) == 2
    assert f"The table shows the first 2; the download has {len(rows)}." in "\n".join(c.value for c in box.caption)
