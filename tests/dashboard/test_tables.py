"""C16: every table column gets an explicit type before it reaches st.dataframe."""

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from dashboard.tables import evidence_cells, gap_rows, report_text, selection_totals, typed_table

CASES = Path(__file__).resolve().parents[2].parent / "shared" / "cases"
SCHEMA = {"article_id": "str", "outlet": "str", "published": "datetime", "hits": "int", "score": "float"}

# The tricky values of C16, as pandas reads a CSV without a schema (object columns, mixed).
MIXED = pd.DataFrame({
    "article_id": pd.Series([101, "B-7", 102, 103, 104], dtype=object),
    "outlet": ["Outlet A", "Outlet B", "Outlet A", "Outlet B", "Outlet A"],
    "published": pd.Series(["2026-03-01", "2026-03-01", "2026-03-02", "yesterday", "2026-03-03"], dtype=object),
    "hits": pd.Series([2, 3, 1, 0, None], dtype=object),
    "score": pd.Series([9, 10, 1.5, "n/a", None], dtype=object),
})


def _check(df: pd.DataFrame) -> None:
    typed, report = typed_table(df, SCHEMA)
    pa.Table.from_pandas(typed)                               # 1. serialises to Arrow
    assert len(typed) == 5                                     # rows never dropped
    order = typed.sort_values("score", ascending=False, na_position="last")["score"].tolist()
    assert order[:3] == [10.0, 9.0, 1.5] and pd.isna(order[3]) and pd.isna(order[4])   # 2.
    assert pd.api.types.is_float_dtype(typed["score"])
    assert typed["article_id"].tolist()[:2] == ["101", "B-7"]                          # 3.
    assert pd.api.types.is_string_dtype(typed["article_id"])
    assert pd.isna(typed.loc[3, "published"])                                          # 4.
    assert report["published"] == {"missing": 1, "invalid": 1}
    assert str(typed["published"].dt.tz) == "UTC"
    assert pd.isna(typed.loc[4, "hits"]) and typed.loc[3, "hits"] == 0                # 5.
    assert str(typed["hits"].dtype) == "Int64"
    assert report["hits"] == {"missing": 1, "invalid": 0}
    assert report["score"] == {"missing": 2, "invalid": 1}
    assert "1 in published" in report_text(report)


def test_mixed_columns_inline():
    _check(MIXED)


def test_input_not_modified():
    before = MIXED.copy()
    typed_table(MIXED, SCHEMA)
    pd.testing.assert_frame_equal(MIXED, before)


def test_case_file_c16():
    path = CASES / "C16" / "scores.csv"
    if not path.exists():
        pytest.skip(f"case file absent: {path.name}")
    _check(pd.read_csv(path, dtype=str, keep_default_na=False))   # raw text, as scraped


def test_float_ids_become_clean_strings():
    typed, _ = typed_table(pd.DataFrame({"article_id": [101.0, 7.0]}), {"article_id": "str"})
    assert typed["article_id"].tolist() == ["101", "7"]


@pytest.mark.parametrize("raw, expected", [("true", True), ("No", False), ("1", True), ("maybe", None)])
def test_bool(raw, expected):
    typed, report = typed_table(pd.DataFrame({"b": [raw]}), {"b": "bool"})
    assert (pd.isna(typed["b"].iloc[0]) if expected is None else typed["b"].iloc[0] == expected)
    assert report["b"]["invalid"] == (1 if expected is None else 0)


def test_unknown_type_rejected():
    with pytest.raises(ValueError, match="must be one of"):
        typed_table(pd.DataFrame({"a": [1]}), {"a": "decimal"})


def _trend():
    return pd.DataFrame({"outlet": ["A", "A", "B"], "period": pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-05"]),
                         "n_articles": [2, 0, 3], "n_words": [100, 0, 50], "n_mentions": [3.0, float("nan"), 0.0],
                         "status": ["ok", "not collected", "ok"]})


def test_selection_totals_skip_gaps():
    assert selection_totals(_trend()) == {"articles": 5, "words": 150, "mentions": 3}


def test_gap_rows_and_evidence_cells():
    assert gap_rows(_trend())[["outlet", "status"]].values.tolist() == [["A", "not collected"]]
    assert evidence_cells(_trend())["outlet"].tolist() == ["A"]


def test_evidence_cells_run_by_date_with_the_grey_line_after_the_outlets():
    """With more than three outlets the Evidence opened on the grey line ("All selected outlets" sorts before
    most names); now, as in the one-view chart, it opens on the earliest period's first outlet with mentions."""
    from pipelines.rollups import POOLED

    df = pd.DataFrame({"outlet": ["Zeta", "Al Jazeera", POOLED, "Beta", POOLED, "Zeta"],
                       "period": pd.to_datetime(["2026-01-12", "2026-01-12", "2026-01-12", "2026-01-05", "2026-01-05",
                                                 "2026-01-05"]),
                       "n_mentions": [2.0, 1.0, 3.0, 4.0, 4.0, 0.0]})
    cells = evidence_cells(df)
    assert [(o, f"{p:%m-%d}") for o, p in zip(cells["outlet"], cells["period"])] == [
        ("Beta", "01-05"), (POOLED, "01-05"), ("Al Jazeera", "01-12"), ("Zeta", "01-12"), (POOLED, "01-12")]
    assert cells.index.tolist() == list(range(5)) and "_pooled" not in cells
    assert evidence_cells(df[df["outlet"] != POOLED])["outlet"].tolist() == ["Beta", "Al Jazeera", "Zeta"]


@pytest.mark.parametrize("shown, selected, expected", [
    (500, 2400, "Showing the 500 with the most mentions of 2,400 selected articles"),
    (43, 43, "All 43 selected articles, most mentions first"),
    (1, 1, "The 1 selected article"),
])
def test_article_list_text(shown, selected, expected):
    from dashboard.tables import article_list_text
    assert article_list_text(shown, selected) == expected


def test_placeholders_replace_missing_text_for_display_only():
    from dashboard.tables import PLACEHOLDER, with_placeholders
    df = pd.DataFrame({"speaker": pd.array(["Minister Vale", None, pd.NA], dtype="string"), "n": [1, 2, 3]})
    shown = with_placeholders(df, ["speaker", "absent"])
    assert shown["speaker"].tolist() == ["Minister Vale", PLACEHOLDER, PLACEHOLDER] == ["Minister Vale", "—", "—"]
    assert df["speaker"].isna().sum() == 2                     # the frame given (and its download) is untouched


def test_wire_text_names_the_filter_state():
    from dashboard.tables import wire_text
    from pipelines.rollups import Filters
    assert wire_text(Filters(copies="none")) == "wire copies excluded"
    assert wire_text(Filters(copies="once")) == "each story counted once"
    assert wire_text(Filters()) == "wire copies included"


def test_article_labels_mark_wire_copies():
    from dashboard.tables import article_labels
    df = pd.DataFrame({"published_at": pd.to_datetime(["2026-03-05 08:00", None], utc=True),
                       "outlet": ["Outlet A", "Outlet D"], "title": ["Drills begin", None],
                       "syndicated": pd.array([True, False], dtype="boolean")})
    assert article_labels(df) == ["2026-03-05 · Outlet A · Drills begin · wire copy",
                                  "undated · Outlet D · (no title)"]
    assert article_labels(df.drop(columns="syndicated"))[0] == "2026-03-05 · Outlet A · Drills begin"


def test_article_table_shows_no_none_for_a_missing_link():
    from dashboard.tables import ARTICLE_COLUMNS, ARTICLE_SCHEMA, article_table, with_safe_urls
    raw = pd.DataFrame({"article_id": ["1", "2", "3"], "outlet": ["A", "A", "B"],
                        "published_at": pd.to_datetime(["2026-03-05 08:00"] * 3, utc=True),
                        "title": ["Drills", None, "Talks"],
                        "url": ["https://a.example/1", None, "javascript:alert(1)"],
                        "n_words": [10, 20, 30], "n_mentions": [1, 0, 2], "syndicated": [False, False, True],
                        "cluster_id": [None, None, "c1"]})
    typed, _ = typed_table(with_safe_urls(raw), ARTICLE_SCHEMA)
    shown = article_table(typed)
    assert list(shown.columns) == ARTICLE_COLUMNS
    assert shown["url"].tolist() == ["https://a.example/1", "", ""]        # empty, never "None" or a javascript: link
    assert shown["title"].tolist() == ["Drills", "—", "Talks"]
    assert typed["url"].isna().sum() == 2                                   # the frame given is untouched


def test_partial_and_clip_texts():
    from dashboard.charts import mark_partial_periods
    from dashboard.tables import clip_text, partial_text
    df = pd.DataFrame({"outlet": ["K", "K", "R", "R"], "period": pd.to_datetime(["2024-10-01", "2024-11-01"] * 2)})
    marked = mark_partial_periods(df, "month", pd.Timestamp("2024-10-01").date(), pd.Timestamp("2024-11-10").date())
    assert partial_text(marked) == ("Hollow markers and pale bars: partial periods, only partly inside the dates "
                                    "(2024-11-01 to 2024-11-10), so they hold fewer days than the others.")
    assert partial_text(mark_partial_periods(df, "month", None, None)) == "" and partial_text(df) == ""
    assert clip_text({"intervals": 0, "points": 0}) == ""
    assert clip_text({"intervals": 1, "points": 2}) == (
        "The y axis fits the lines: the 95% interval of 1 point resting on little text runs past its top: dashed up "
        "to the edge, with an open ^ where it goes on, never shaded; 2 values above the axis are drawn as triangles "
        "on its top edge. Hover for the value and the whole interval; the CSV has every value.")
    assert clip_text({"intervals": 19, "points": 0}).startswith(
        "The y axis fits the lines: the 95% intervals of 19 points resting on little text run past its top: dashed "
        "up to the edge, with an open ^ where they go on, never shaded.")
