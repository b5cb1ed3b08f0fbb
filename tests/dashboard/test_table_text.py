"""Tables as a user reads them: no text cell says "None", counts sort as numbers, no value or header is cut at
its column's edge.

Streamlit draws a grey "None" in every missing cell (text, number or date alike): About the data showed it for
an outlet outside the registry (type, country), a run that scored nothing (engine, versions), a feed that failed
at its first request. The house placeholder is "—" (:data:`dashboard.tables.PLACEHOLDER`). A count written as
text to show "—" sorted as text ("1,234" before "987"), so counts are number columns, and a missing count reads
Streamlit's "None", which the column's help explains. And About's fixed column widths cut a run's engine "dask, 2
local workers" at 1,400 pixels; Republication's "Min. sim." header too.
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pandas as pd
import pytest

from app_pages import open_page
from dashboard.tables import CELL_PADDING_PX, MAIN_WIDTH, PLACEHOLDER, fitted_widths, shown_table, text_px

PAGES = ["views/trends.py", "views/outlets_categories.py", "views/frames.py", "views/word_choice.py",
         "views/distinctive.py", "views/tone.py", "views/topic_discovery.py", "views/concordance.py",
         "views/articles.py", "views/republication.py", "views/about.py"]
DASK_LOCAL = {"name": "dask", "scheduler": None, "n_workers": 2, "overlap": True}
DASK_CLUSTER = {"name": "dask", "scheduler": "tcp://10.0.0.5:8786", "n_workers": 2, "overlap": True}


@pytest.fixture(scope="module")
def gappy_store(store_path, tmp_path_factory):
    """The test store with what real stores hold and the hand-made one lacks: runs that scored on Dask (local
    workers; a cluster) and an ingest run that scored nothing (no engine, versions, threshold), an outlet outside
    the registry with only an undated article (no type, country, first or last day), and a feed that failed at
    its first request (no answer, item count or new items)."""
    store = tmp_path_factory.mktemp("gappy") / "gappy.duckdb"
    shutil.copyfile(store_path, store)
    with duckdb.connect(str(store)) as con:
        settings = json.loads(con.execute("SELECT settings FROM runs").fetchone()[0])
        for n, (stage, engine) in enumerate([("run", DASK_LOCAL), ("run", DASK_CLUSTER), ("ingest", None)]):
            s = {**settings, "score": {"engine": engine}} if engine else {"inputs": ["more.jsonl"]}
            blank = ", ".join(f"NULL AS {c}" for c in ("lexicon_version", "pairs_version", "topics_version",
                                                        "frames_version", "frame_threshold", "targets_version",
                                                        "rules_version")) if engine is None else ""
            con.execute(f"INSERT INTO runs SELECT * REPLACE ('20260321T10000{n}Z-0a1b2c' AS run_id, ? AS stage, "
                        f"started_at + INTERVAL {n + 1} DAY AS started_at, ? AS settings"
                        f"{', ' + blank if blank else ''})"
                        " FROM runs WHERE run_id = 'run-1'", [stage, json.dumps(s)])
        con.execute("INSERT INTO articles SELECT * REPLACE ('lone-1' AS article_id, 'Lone Undated' AS outlet, "
                    "NULL AS published_at, NULL AS day, NULL AS title) FROM articles LIMIT 1")
        con.execute("INSERT INTO feed_state VALUES ('https://example.org/feed.xml', 'Lone Undated', NULL, NULL, "
                    "TIMESTAMPTZ '2026-03-22 08:00:00+00', 'timeout', 'no answer within 30 s', NULL, NULL)")
    return store


def _shown_columns(table) -> list[str]:
    order = list(table.proto.column_order)
    return order or list(table.value.columns)


def _config(table) -> dict:
    return {k: v or {} for k, v in json.loads(table.proto.columns or "{}").items()}


def _missing_explained(table) -> None:
    """Every shown cell holds a value (or "—"), except a number column's, whose help then says what None is."""
    config = _config(table)
    shown = table.value[_shown_columns(table)]
    for col in shown.columns[shown.isna().any()]:
        assert pd.api.types.is_numeric_dtype(shown[col]), (col, "a missing text or date cell reads None")
        assert "None" in (config.get(col, {}).get("help") or ""), (col, "a missing count needs its None explained")


COUNT_COLUMNS = {"source_row", "frame_threshold", "count_i", "count_j", "rank", "topic"}
"""Columns holding counts (besides ``n_*``) that a table may show."""


def _assert_counts_are_numbers(table) -> None:
    """A count column is a number column with a format, holding numbers, so it sorts as numbers."""
    config = _config(table)
    for col in _shown_columns(table):
        if col.startswith("n_") or col in COUNT_COLUMNS:
            assert pd.api.types.is_numeric_dtype(table.value[col]), (col, table.value[col].dtype)
            kind = (config.get(col, {}).get("type_config") or {})
            assert kind.get("type") in (None, "number"), (col, kind)
            assert col in ("rank", "topic") or kind.get("format"), (col, "a count column needs a format")


@pytest.mark.parametrize("page", PAGES)
def test_no_table_cell_on_any_page_is_missing(store_path, page):
    """A missing cell is drawn "None": every shown cell of every table holds a value (or "—"), and counts are
    number columns (a missing one explained in the help)."""
    at = open_page(store_path, page)
    assert not at.exception, [e.value for e in at.exception]
    for table in at.dataframe:
        _missing_explained(table)
        _assert_counts_are_numbers(table)


def test_about_shows_a_dash_where_a_run_outlet_or_feed_has_no_value(gappy_store):
    at = open_page(gappy_store, "views/about.py")
    assert not at.exception, [e.value for e in at.exception]
    for table in at.dataframe:
        _missing_explained(table)
        _assert_counts_are_numbers(table)
    tables = [t.value for t in at.dataframe]
    runs = next(v for v in tables if "engine" in v.columns)
    ingest = runs[runs["stage"] == "ingest"].iloc[0]
    assert ingest["engine"] == ingest["topics_version"] == PLACEHOLDER
    assert pd.isna(ingest["frame_threshold"])                        # a number: None, explained in its help
    assert sorted(runs["engine"]) == sorted(["dask, 2 local workers", "dask, tcp://10.0.0.5:8786", PLACEHOLDER,
                                             PLACEHOLDER])   # the hand-made run scored with no engine recorded
    outlets = next(v for v in tables if "in_registry" in v.columns).set_index("outlet")
    assert outlets.loc["Lone Undated", ["type", "country", "first_day", "last_day"]].tolist() == [PLACEHOLDER] * 4
    assert outlets["first_day"].drop("Lone Undated").str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    feed = next(v for v in tables if "feed_url" in v.columns).iloc[0]
    assert feed["last_status"] == "timeout" and pd.isna(feed["n_items_last"]) and pd.isna(feed["n_new_last"])
    assert "—: the run scored nothing" in " ".join(c.value for c in at.caption)


def test_the_runs_tables_show_every_engine_and_version_whole_and_fit_the_page(gappy_store):
    at = open_page(gappy_store, "views/about.py")
    assert not at.exception
    for table in at.dataframe[:2]:       # what each run did; what it scored with
        config = json.loads(table.proto.columns)
        widths = {c: config[c]["width"] for c in table.proto.column_order}
        assert sum(widths.values()) <= MAIN_WIDTH, widths
        for col, width in widths.items():
            header = config[col]["label"]
            cells = [v for v in table.value[col] if isinstance(v, str)]   # the text cells, as shown
            longest = max([text_px(header), *map(text_px, cells)])
            assert longest + CELL_PADDING_PX + 2 <= width, (col, width, longest)   # drawn from the left padding
    assert at.dataframe[0].value["engine"].map(text_px).max() > 97 - 2 * CELL_PADDING_PX   # the old width cut it


@pytest.mark.parametrize("page", PAGES)
def test_no_table_header_runs_past_its_column(request, store_path, page):
    """A header drawn from the left padding must end inside a column of a fixed pixel width (Republication's
    tables need the wire copies of case C11)."""
    at = open_page(request.getfixturevalue("c11_store_path") if page == "views/republication.py" else store_path,
                   page)
    assert not at.exception
    assert at.dataframe or page not in ("views/republication.py", "views/about.py", "views/articles.py")
    for table in at.dataframe:
        for col, c in json.loads(table.proto.columns or "{}").items():
            if isinstance(c.get("width"), int):
                assert text_px(c.get("label") or col) + CELL_PADDING_PX <= c["width"], (page, col, c)


def test_shown_table_puts_the_placeholder_in_text_and_named_columns_only():
    df = pd.DataFrame({"name": pd.array(["a", None], dtype="string"), "obj": ["x", None],
                       "day": pd.to_datetime(["2024-03-01", None]), "n": pd.array([1200, None], dtype="Int64"),
                       "rate": [0.5, float("nan")]})
    out = shown_table(df, as_text={"day": "{:%Y-%m-%d}".format, "n": "{:,}".format, "absent": str})
    assert out["name"].tolist() == ["a", PLACEHOLDER] and out["obj"].tolist() == ["x", PLACEHOLDER]
    assert out["day"].tolist() == ["2024-03-01", PLACEHOLDER] and out["n"].tolist() == ["1,200", PLACEHOLDER]
    assert out["rate"].isna().tolist() == [False, True]      # not named: kept a number
    assert df["name"].isna().tolist() == [False, True]        # the input is not modified
    assert list(out.columns) == list(df.columns)


def test_fitted_widths_fit_the_longest_text_of_each_column():
    df = pd.DataFrame({"engine": ["local", "dask, 2 local workers", None], "n": [5, 1_234_567, 8]})
    widths = fitted_widths(df, {"engine": "Engine", "n": "Records in"}, {"n": "{:,}".format})
    assert widths["engine"] == int(-(-text_px("dask, 2 local workers") // 1)) + 2 * CELL_PADDING_PX
    assert widths["n"] == int(-(-max(text_px("Records in"), text_px("1,234,567")) // 1)) + 2 * CELL_PADDING_PX
    assert text_px("iiii") < text_px("WWWW") and text_px("é") == text_px("中")     # proportional; others wide
    squeezed = fitted_widths(df, {"engine": "Engine", "n": "Records in"}, {"n": "{:,}".format},
                             total=sum(widths.values()) - 10)
    assert {c: widths[c] - squeezed[c] for c in widths} == {"engine": 5, "n": 5}        # right padding, evenly
    tight = fitted_widths(df, {"engine": "Engine", "n": "Records in"}, {"n": "{:,}".format}, total=100)
    assert {c: widths[c] - tight[c] for c in widths} == {"engine": 6, "n": 6}           # never under 2 pixels


def test_about_counts_one_outlet_in_the_singular(store_path, tmp_path):
    store = tmp_path / "one.duckdb"             # KCNA's store read "1,275 articles from 1 outlets"
    shutil.copyfile(store_path, store)
    with duckdb.connect(str(store)) as con:
        con.execute("DELETE FROM articles WHERE outlet <> (SELECT min(outlet) FROM articles)")
    at = open_page(store, "views/about.py")
    assert not at.exception, [e.value for e in at.exception]
    assert " from 1 outlet, " in at.caption[0].value, at.caption[0].value
