"""Evidence under the charts: every mention of a cell in its download, a spread of them on screen.

The reviewer's case: KCNA, October 2024, all voices, 467 mentions; the table and its download
held the first 200 lines by date (10-01 to 10-11). Here Outlet K has 540 mentions that month.

Since the lines on screen are read alone (:func:`pipelines.rollups.keyword_in_context_spread`) and the
download when clicked, both are checked against the old full read: every line of the cell, of which the
screen showed ``spread_rows``.
"""

import dataclasses
import io
import re
import threading
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dashboard import evidence, exports
from dashboard.charts import period_end
from dashboard.evidence import KWIC_DOWNLOAD_LIMIT, KWIC_SHOWN, evidence_download, evidence_lines, load_evidence
from dashboard.loaders import _cell_filters, filters_key, store_version
from dashboard.tables import evidence_cells, evidence_text, file_slug, matrix_evidence_cells, spread_rows
from pipelines.rollups import POOLED, Filters, outlet_category_matrix, trend
from pipelines.storage import connect
from store_factory import BIG_OUTLET, SMALL_OUTLET, build_demo_store
from tests.pipelines.test_rollups_kwic import reference_kwic

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
OCT = (pd.Timestamp("2024-10-01").date(), pd.Timestamp("2024-10-31").date())


def _days(df):
    return pd.to_datetime(df["day"]).dt.strftime("%Y-%m-%d")


def old_full_read(path, key, outlet, start, end, category=None) -> pd.DataFrame:
    """Every line of a cell, as the evidence read it on every filter change before its lines on screen were
    read alone, up to the download's limit (the screen showed its ``spread_rows``, the download all of it):
    the query as it was before keyword_in_context was rewritten (``reference_kwic``), so that neither the
    lines on screen nor the download is checked against the code that makes it."""
    with connect(path, read_only=True) as con:
        return reference_kwic(con, _cell_filters(key, category), outlet=outlet, period_start=start, period_end=end,
                              limit=KWIC_DOWNLOAD_LIMIT)


def version(path) -> int:
    """The store's version as the page keys it (its modification time): the download refuses any other."""
    return store_version(str(path))


def same_lines(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """The same rows, columns, order and values. A text column whose values are all missing (no speaker in
    these lines) comes from DuckDB as objects, and as text when a line has one: some rows of a bigger frame
    keep its text type. The page types both alike (``tables.typed_table``)."""
    got, want = got.reset_index(drop=True), want.reset_index(drop=True)
    differ = [c for c in want.columns if c in got.columns and got[c].dtype != want[c].dtype]
    assert all(got[c].isna().all() and want[c].isna().all() for c in differ), differ
    for df in (got, want):
        for c in differ:
            df[c] = pd.Series([None] * len(df), dtype=object)
    pd.testing.assert_frame_equal(got, want)


@pytest.fixture(scope="module")
def demo_store_path(tmp_path_factory):
    """A small demo store through the real pipeline: five outlets, four months, topics, three voices, wire copies."""
    return build_demo_store(tmp_path_factory.mktemp("evidence_demo"))


def chart_cells(path, f: Filters):
    """The evidence cells the two pages offer for *f*, as (outlet, start, end, category, chart's n_mentions):
    Trends by month, per outlet and pooled (its days inside the selected dates, as ``views/trends.py``
    cuts them), and Outlets x categories."""
    with connect(path, read_only=True) as con:
        for granularity, pooled in (("month", False), ("month", True)):
            cells = evidence_cells(trend(con, f, granularity, pooled=pooled))
            for outlet, period, n in zip(cells["outlet"], cells["period"], cells["n_mentions"]):
                start = max(d for d in (pd.Timestamp(period).date(), f.start) if d is not None)
                end = min(d for d in (period_end(period, granularity).date(), f.end) if d is not None)
                yield (None if outlet == POOLED else outlet), start, end, None, int(n)
        cells = matrix_evidence_cells(outlet_category_matrix(con, f))
        for outlet, category, n in zip(cells["outlet"], cells["category"], cells["n_mentions"]):
            yield outlet, f.start, f.end, category, int(n)


def _settings(path):
    with connect(path, read_only=True) as con:
        topic = con.execute("SELECT topic FROM article_topics GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        category = con.execute("SELECT category FROM mentions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        lo, hi = con.execute("SELECT min(day), max(day) FROM articles").fetchone()
    mid = lo + (hi - lo) / 2
    return [Filters(), Filters(voice="all", start=mid), Filters(voice="quoted", end=mid), Filters(topics=(topic,)),
            Filters(categories=(category,)), Filters(copies="once", start=mid), Filters(copies="none", end=mid)]


@pytest.mark.parametrize("store", ["demo_store_path", "store_path", "big_cell_store_path"])
def test_lines_on_screen_and_download_are_those_of_the_old_full_read(store, request):
    """For every evidence cell of both pages under many filters: the lines on screen are ``spread_rows`` of
    every line of the cell (at 200 lines and at 7, so small stores have big cells), the count is the chart's,
    and the download is every line (or the first *limit*)."""
    path = request.getfixturevalue(store)
    sizes = []
    for f in _settings(path):
        key, cut = filters_key(f), False
        for outlet, start, end, category, n_chart in chart_cells(path, f):
            every = old_full_read(path, key, outlet, start, end, category)
            cell = dict(outlet=outlet, start=start, end=end, category=category)
            for shown in (KWIC_SHOWN, 7):
                lines, n = evidence_lines(str(path), 1, key, shown=shown, **cell)
                assert n == n_chart == len(every), (f, cell)
                same_lines(lines, spread_rows(every, shown))
            same_lines(evidence_download(str(path), 1, key, **cell), every)
            if n_chart > 5 and not cut:                        # a download cut at its limit: the first lines
                same_lines(evidence_download(str(path), 1, key, limit=5, **cell), every.head(5))
                cut = True
            sizes.append(n_chart)
    assert min(sizes) <= 7 < max(sizes)                        # small and big cells
    if store == "big_cell_store_path":
        assert max(sizes) > KWIC_SHOWN


def test_big_cell_lines_span_the_month(big_cell_store_path):
    key = filters_key(Filters(voice="all"))
    shown, n = evidence_lines(str(big_cell_store_path), 1, key, outlet=BIG_OUTLET, start=OCT[0], end=OCT[1])
    download = evidence_download(str(big_cell_store_path), 1, key, outlet=BIG_OUTLET, start=OCT[0], end=OCT[1])
    assert n == 540 and len(download) == 540 and download["article_id"].nunique() == 240
    assert len(shown) == KWIC_SHOWN
    assert _days(shown).min() == "2024-10-01" and _days(shown).max() == "2024-10-31"   # not 10-01 to 10-11
    assert _days(shown).is_monotonic_increasing


def test_small_cell_lists_everything(big_cell_store_path):
    key = filters_key(Filters(voice="all"))
    shown, n = evidence_lines(str(big_cell_store_path), 1, key, outlet=SMALL_OUTLET, start=OCT[0], end=OCT[1])
    assert n == len(shown) == 3


def test_category_cell_keeps_only_that_category(big_cell_store_path):
    key = filters_key(Filters(voice="all"))
    shown, n = evidence_lines(str(big_cell_store_path), 1, key, outlet=BIG_OUTLET, category="delegitimising_label")
    assert n == 60 and set(shown["term"]) == {"puppet"}


@pytest.mark.parametrize("args, expected", [
    ((200, 467, 467, "2024-10-01", "2024-10-31"),
     "Showing 200 of 467 mentions, spread evenly by date over 2024-10-01 to 2024-10-31 — the download has all 467."),
    ((200, 150_000, 100_000, None, None),
     "Showing 200 of 150,000 mentions, spread evenly by date over the selected dates — the download has the first "
     "100,000 by date."),
    ((12, 12, 12, "2024-10-01", "2024-10-31"),
     "All 12 mentions for 2024-10-01 to 2024-10-31, by date; the download has the same lines."),
    ((1, 1, 1, None, None), "The 1 mention."),
])
def test_evidence_text(args, expected):
    assert evidence_text(*args) == expected


def test_spread_rows_keeps_both_ends_and_order():
    df = pd.DataFrame({"i": range(467)})
    picked = spread_rows(df, 200)["i"].tolist()
    assert len(picked) == 200 and picked[0] == 0 and picked[-1] == 466 and picked == sorted(picked)
    assert spread_rows(df.head(5), 200)["i"].tolist() == [0, 1, 2, 3, 4]


def test_matrix_cells_and_file_slug():
    df = pd.DataFrame({"outlet": ["B", "A", "A"], "category": ["x", "y", "x"], "n_mentions": [2, 0, 5]})
    assert matrix_evidence_cells(df).values.tolist() == [["A", "x", 5], ["B", "x", 2]]
    assert file_slug("=O'Reilly Wire") == "o-reilly-wire" and file_slug("pejorative_label") == "pejorative-label"


def _app(store, **query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["store_path"] = str(store)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def _kwic_preview(at) -> str:
    """The evidence lines drawn as HTML under the chart (:func:`dashboard.kwic.kwic_html`)."""
    return next(m.value for m in at.markdown if "fw-kwic" in m.value)


def _matches(at) -> list[str]:
    """The marked matches of :func:`_kwic_preview`'s lines."""
    return re.findall(r'<mark class="fw-match"[^>]*>([^<]*)</mark>', _kwic_preview(at))


@pytest.fixture
def deferred(monkeypatch):
    """The download buttons' deferred files as Streamlit registers them, ``{file_id: manager}`` (the real
    ``MediaFileManager.add_deferred``, recorded: AppTest's runtime is gone once a run ends)."""
    registered = {}
    add = MediaFileManager.add_deferred

    def recording(self, *args, **kwargs):
        file_id = add(self, *args, **kwargs)
        registered[file_id] = self
        return file_id
    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    return registered


def click_download(registered, button) -> bytes:
    """The file a click on *button* gives: Streamlit's manager runs its deferred callable in a thread of its
    own (as the server does, with no script context) and stores the bytes, read back here."""
    manager, out = registered[button.proto.deferred_file_id], {}
    worker = threading.Thread(target=lambda: out.update(url=manager.execute_deferred(button.proto.deferred_file_id)))
    worker.start()
    worker.join()
    return manager.read_file(out["url"].rsplit("/", 1)[-1].split(".")[0]).content


def test_trends_evidence_says_how_many_are_shown(big_cell_store_path, deferred):
    at = _app(big_cell_store_path, outlet=BIG_OUTLET, granularity="month", voice="all")
    assert not at.exception
    assert at.selectbox(key="trend_cell").options == ["2024-10-01 · Outlet K · 540 mentions"]
    assert ("Showing 10 of 540 mentions, spread evenly by date over 2024-10-01 to 2024-10-31 — the download has "
            "all 540.") in _captions(at)                # the caption counts the lines drawn, not the table's
    preview = _kwic_preview(at)                        # the first paint: 10 lines spread over the month, no grid
    assert len(at.dataframe) == 0 and preview.count("<tr>") == 1 + 10
    assert re.findall(r"\d{4}-\d{2}-\d{2}", preview)[0] == "2024-10-01"
    assert re.findall(r"\d{4}-\d{2}-\d{2}", preview)[-1] == "2024-10-31"
    at.toggle(key="kwic_all").set_value(True).run()     # "Show all 200 lines as a table"
    assert at.toggle(key="kwic_all").label == "Show all 200 lines as a table"
    assert "Showing 200 of 540 mentions, spread evenly" in _captions(at)
    assert "Showing 10 of" not in _captions(at)
    table = at.dataframe[0].value
    assert len(table) == 200 and f"{table['day'].min():%d}" == "01" and f"{table['day'].max():%d}" == "31"
    every = old_full_read(big_cell_store_path, filters_key(Filters(voice="all")), BIG_OUTLET, *OCT)
    old_screen = spread_rows(every, KWIC_SHOWN)          # the same lines as before, in the same order
    for column in ("outlet", "left", "match", "right", "term", "voice"):
        assert table[column].tolist() == old_screen[column].tolist()
    button = next(b for b in at.get("download_button") if b.proto.label == "Download evidence (CSV)")
    assert button.proto.deferred_file_id and not button.proto.url   # built on click, not sent with the page
    clicked = click_download(deferred, button)
    assert clicked == exports.to_csv_bytes(every)                   # every line, as before
    lines = pd.read_csv(io.BytesIO(clicked), encoding="utf-8-sig")
    assert len(lines) == 540 and lines["article_id"].nunique() == 240 and set(lines["outlet"]) == {BIG_OUTLET}
    assert lines["day"].min() == "2024-10-01" and lines["day"].max() == "2024-10-31"


def test_evidence_caches_the_lines_on_screen_and_counts_only(big_cell_store_path):
    """The cached evidence of a big cell holds its 200 lines and counts, and the way to read its download."""
    key = filters_key(Filters(voice="all"))
    ev = load_evidence(str(big_cell_store_path), version(big_cell_store_path), key, BIG_OUTLET, *OCT, None, 540)
    frames = [f.name for f in dataclasses.fields(ev) if isinstance(getattr(ev, f.name), pd.DataFrame)]
    assert frames == ["table"] and len(ev.table) == KWIC_SHOWN
    assert (ev.n_total, ev.n_download, ev.report) == (540, 540, "")
    assert ev.csv() == exports.to_csv_bytes(old_full_read(big_cell_store_path, key, BIG_OUTLET, *OCT))


def test_the_download_of_a_page_whose_store_was_replaced_since_is_refused(big_cell_store_path, tmp_path):
    """A run or collect that replaces the store after the page was drawn: the lines clicked for would be the new
    store's, not those on screen, so the download stops with a message that says to rerun the page."""
    import os
    import shutil

    path = tmp_path / "replaced.duckdb"
    shutil.copyfile(big_cell_store_path, path)
    key = filters_key(Filters(voice="all"))
    ev = load_evidence(str(path), version(path), key, BIG_OUTLET, *OCT, None, 540)
    assert len(pd.read_csv(io.BytesIO(ev.csv()), encoding="utf-8-sig")) == 540
    os.utime(path, ns=(version(path) + 10**9,) * 2)        # as an atomic replace leaves it: another file version
    with pytest.raises(RuntimeError, match=r"The store changed since this page was drawn .* rerun the page"):
        ev.csv()


def test_a_cell_above_the_download_limit_says_what_the_download_holds(big_cell_store_path, monkeypatch):
    """With a limit of 100 lines, the 540-mention cell: 200 lines spread over all 540 on screen, the first
    100 by date in the file, and the caption says both."""
    monkeypatch.setattr(evidence, "KWIC_DOWNLOAD_LIMIT", 100)
    load_evidence.clear()
    key = filters_key(Filters(voice="all"))
    try:
        ev = load_evidence(str(big_cell_store_path), version(big_cell_store_path), key, BIG_OUTLET, *OCT, None, 540)
    finally:
        load_evidence.clear()
    every = old_full_read(big_cell_store_path, key, BIG_OUTLET, *OCT)
    assert ev.caption(200) == ("Showing 200 of 540 mentions, spread evenly by date over 2024-10-01 to 2024-10-31 "
                               "— the download has the first 100 by date.")
    assert ev.table["match"].tolist() == spread_rows(every, KWIC_SHOWN)["match"].tolist()
    assert f"{ev.table['day'].max():%d}" == "31"                   # the screen spans the month, the file does not
    assert ev.csv() == exports.to_csv_bytes(every.head(100))


def test_a_chart_count_that_differs_from_the_lines_is_said(big_cell_store_path):
    """The counts in the caption are the query's; a chart that counted otherwise (rollups older than the
    mentions) is named, not hidden."""
    ev = load_evidence(str(big_cell_store_path), version(big_cell_store_path), filters_key(Filters(voice="all")),
                       BIG_OUTLET, *OCT, None, 530)
    assert (ev.n_total, ev.n_download) == (540, 540)
    assert ev.report == ("The chart counts 530 mentions in this cell and the store lists 540: the counts above are "
                         "the lines'. The store's rollups and its mentions differ (`framewatch aggregate` rebuilds "
                         "the rollups from the mentions).")
    assert "the download has all 540." in ev.caption(200)


def test_heatmap_has_evidence_for_a_chosen_cell(big_cell_store_path):
    at = _app(big_cell_store_path, voice="all")
    at.switch_page("views/outlets_categories.py").run()
    assert not at.exception
    pick = at.selectbox(key="matrix_cell")
    assert pick.options == ["Outlet K · delegitimising label · 60 mentions",
                            "Outlet K · pejorative label · 480 mentions",
                            "Outlet L · pejorative label · 3 mentions"]
    assert {m.lower() for m in _matches(at)} == {"puppet"}
    at.toggle(key="matrix_kwic_all").set_value(True).run()
    table = at.dataframe[0].value
    assert set(table["term"]) == {"puppet"} and set(table["outlet"]) == {BIG_OUTLET}
    assert "All 60 mentions for 2024-10-01 to 2024-10-31" in _captions(at)
    pick.set_value(1).run()
    assert not at.exception
    assert "Showing 200 of 480 mentions" in _captions(at) and set(at.dataframe[0].value["term"]) == {"regime"}
    assert {m.lower() for m in _matches(at)} == {"regime"} and len(_matches(at)) == 10
    assert [b.proto.label for b in at.get("download_button")] == ["Download chart data (CSV)", "Download evidence (CSV)"]


def test_a_clicked_trend_point_or_volume_bar_chooses_its_cell(store_path):
    from dashboard.charts import trend_chart, trend_chart_rows
    from dashboard.evidence import clicked_trend_cell
    from dashboard.tables import evidence_cells
    from pipelines.rollups import trend
    from pipelines.storage import connect
    from store_factory import ALPHA, OREILLY

    with connect(store_path) as con:
        df = trend(con, Filters(), "week")
    spec, cells = trend_chart(df), evidence_cells(df)
    oreilly = next(r for r in trend_chart_rows(spec) if r["outlet"] == OREILLY and r["period"].startswith("2026-01-12"))
    alpha = next(r for r in trend_chart_rows(spec) if r["outlet"] == ALPHA and r["period"].startswith("2026-01-05"))
    picked = clicked_trend_cell({"cell": [{"cell": oreilly["cell"]}]}, cells)           # a point, as Streamlit reports it
    assert (cells["outlet"][picked], str(cells["period"][picked])[:10]) == (OREILLY, "2026-01-12")
    picked = clicked_trend_cell({"cell": [], "cell_bar": [{"cell": alpha["cell"]}]}, cells)   # its volume bar
    assert (cells["outlet"][picked], str(cells["period"][picked])[:10]) == (ALPHA, "2026-01-05")
    gap = next(r for r in trend_chart_rows(spec) if r["outlet"] == OREILLY and r["drawn"] is None)
    assert clicked_trend_cell({"cell_bar": [{"cell": gap["cell"]}]}, cells) is None      # its gap has no cell
    assert clicked_trend_cell({"cell": []}, cells) is None and clicked_trend_cell(None, cells) is None
    from dashboard.evidence import clicked_trend_name                                   # the toast's name of a cell
    assert clicked_trend_name({"cell_bar": [{"cell": gap["cell"]}]}) == f"{OREILLY} · {gap['period'][:10]}"
    assert clicked_trend_name({"cell": []}) is None and clicked_trend_name(None) is None
