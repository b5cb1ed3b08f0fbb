"""The evidence under a chart: the concordance (KWIC) lines behind one cell, and their download.

Trends and Outlets × categories both end with it. On screen: :data:`KWIC_PREVIEW` lines as
compact HTML, and a table of at most :data:`KWIC_SHOWN` lines on request, spread evenly over the
cell's mentions in date order (so a month is not represented by its first ten days); only those
lines are read on a filter change. The download holds every mention of the cell (up to
:data:`KWIC_DOWNLOAD_LIMIT`, the first by date), read when the reader clicks its button, from the
store the page was drawn from (a store replaced since, by a run or a collect, is refused, not
read: the browser says the file failed). Both come from the same filters and the same order, so
the file holds every line on screen when the cell has at most :data:`KWIC_DOWNLOAD_LIMIT`
mentions; above that, the first :data:`KWIC_DOWNLOAD_LIMIT` by date (the caption says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import streamlit as st

from . import charts, exports, kwic, loaders, tables
from .charts import cell_target

KWIC_SHOWN = 200
"""Concordance lines on screen for one cell (in the table the user can switch on)."""
KWIC_PREVIEW = 10
"""Concordance lines of a cell shown as compact HTML on the first paint."""
KWIC_DOWNLOAD_LIMIT = 100_000
"""Concordance lines in one evidence download (every mention of any realistic cell)."""


def evidence_lines(path: str, version: int, filters: tuple, *, outlet: str | None = None,
                   start: date | None = None, end: date | None = None, category: str | None = None,
                   shown: int = KWIC_SHOWN) -> tuple[pd.DataFrame, int]:
    """The on-screen KWIC lines of one cell and the cell's mention count, without the other lines.

    Parameters
    ----------
    path, version, filters : as for every loader.
    outlet : the cell's outlet (``None``: all selected outlets, pooled).
    start, end : the cell's period (``None``: the selected dates).
    category : the cell's lexicon category (``None``: the selected categories).
    shown : lines wanted on screen.

    Returns
    -------
    (lines, n_mentions)
        *lines*: a frame of :func:`pipelines.rollups.keyword_in_context`, at most *shown* rows spread
        evenly over the cell's mentions by date: :func:`dashboard.tables.spread_rows` of every mention,
        read as :func:`pipelines.rollups.keyword_in_context_spread` does (only the lines shown).
        *n_mentions*: all of the cell's mentions (int).
    """
    return loaders.load_kwic_spread(path, version, filters, outlet, start, end, category, shown)


def evidence_download(path: str, version: int, filters: tuple, *, outlet: str | None = None,
                      start: date | None = None, end: date | None = None, category: str | None = None,
                      limit: int = KWIC_DOWNLOAD_LIMIT) -> pd.DataFrame:
    """Every KWIC line of one cell, for its download (arguments as :func:`evidence_lines`).

    Returns
    -------
    DataFrame of :func:`pipelines.rollups.keyword_in_context`: the cell's first *limit* mentions by
    ``day, article_id, start_char`` (all of them when it has at most *limit*), read on a read-only
    connection of its own (:func:`dashboard.loaders.load_kwic`).
    """
    return loaders.load_kwic(path, version, filters, outlet, start, end, category, limit)


@dataclass(frozen=True)
class Evidence:
    """What :func:`show_evidence` draws for one cell, ready to show, and how to read its download.

    Parameters
    ----------
    table : the on-screen KWIC lines, typed (:func:`dashboard.tables.typed_table`), with
        placeholders for missing speakers and titles; at most :data:`KWIC_SHOWN` rows.
    n_total : the cell's mentions; n_download : the lines in the download (``min(n_total, limit)``).
    start, end : the cell's period (``None``: the selected dates).
    report : unreadable values found while typing the table, and a count that differs from the
        chart's, as sentences (or ``""``).
    path, version, filters, outlet, category : the cell, for :meth:`csv` (as :func:`evidence_lines`).
    limit : the download's limit (:data:`KWIC_DOWNLOAD_LIMIT`).
    """

    table: pd.DataFrame
    n_total: int
    n_download: int
    start: date | None
    end: date | None
    report: str
    path: str
    version: int
    filters: tuple
    outlet: str | None
    category: str | None
    limit: int

    def csv(self) -> bytes:
        """The download: every line of the cell (:func:`evidence_download`) as CSV bytes
        (:func:`dashboard.exports.to_csv_bytes`).

        Read and built when the reader clicks the download button (:func:`show_evidence` hands this
        method to ``st.download_button`` as a deferred download), on a connection of its own, and not
        kept: a big cell's download (up to 100,000 lines, tens of MB) cost every filter change the
        read of every line and, cached, the memory of a few such frames.

        Raises
        ------
        RuntimeError
            When the store file is not the one the page was drawn from (its version, the modification
            time, differs: a run or collect replaced it since): the file would not hold the lines and
            counts on screen. Streamlit runs this in a thread of its own and the browser shows only
            "Failed to generate file for download" (the message is in the server's log); a rerun of
            the page draws the new store's lines and a download that matches them.
        """
        if loaders.store_version(self.path) != self.version:
            raise RuntimeError("The store changed since this page was drawn (a run or collect replaced it), so "
                               "its evidence would not match the lines on screen: rerun the page (press R) and "
                               "download again.")
        return exports.to_csv_bytes(evidence_download(self.path, self.version, self.filters, outlet=self.outlet,
                                                      start=self.start, end=self.end, category=self.category,
                                                      limit=self.limit))

    def caption(self, n_shown: int) -> str:
        """The counts sentence for *n_shown* lines on screen (and unreadable values, if any)."""
        return " ".join(t for t in (tables.evidence_text(n_shown, self.n_total, self.n_download, self.start,
                                                         self.end), self.report) if t)


def count_mismatch_text(n_chart: int, n_lines: int) -> str:
    """A sentence for a cell whose chart counts *n_chart* mentions while the store lists *n_lines*, or ``""``."""
    if n_chart == n_lines:
        return ""
    return (f"The chart counts {tables.count_label(n_chart, 'mention')} in this cell and the store lists "
            f"{n_lines:,}: the counts above are the lines'. The store's rollups and its mentions differ "
            "(`framewatch aggregate` rebuilds the rollups from the mentions).")


@st.cache_resource(show_spinner=False, max_entries=16, ttl=3600)
def load_evidence(path: str, version: int, filters: tuple, outlet: str | None, start: date | None,
                  end: date | None, category: str | None, n_mentions: int) -> Evidence:
    """:func:`evidence_lines` of one cell, typed once and shared by every session.

    Caches only the on-screen table (at most :data:`KWIC_SHOWN` rows) and the counts: the download is
    read when clicked (:meth:`Evidence.csv`). A resource, not a copy per rerun: the table is only read;
    do not modify it. The counts in the caption are the query's: *n_mentions* (the chart's count of the
    cell) is checked against it, and a difference is said in ``report``.
    """
    lines, n = evidence_lines(path, version, filters, outlet=outlet, start=start, end=end, category=category)
    shown, report = tables.typed_table(lines, tables.KWIC_SCHEMA)
    shown = loaders.with_lead_titles(path, version, shown)          # an untitled article: its first words, marked
    notes = " ".join(t for t in (tables.report_text(report), count_mismatch_text(n_mentions, n)) if t)
    return Evidence(tables.with_placeholders(shown[tables.KWIC_COLUMNS], ["speaker", "title"]), n,
                    min(n, KWIC_DOWNLOAD_LIMIT), start, end, notes, path, version, filters, outlet, category,
                    KWIC_DOWNLOAD_LIMIT)


def show_evidence(ctx, *, outlet: str | None, start: date | None, end: date | None, category: str | None,
                  n_mentions: int, file_name: str, key: str) -> None:
    """Draw the KWIC lines of one cell, a caption and the download button.

    The caption counts the lines drawn: the preview, or the table when it is switched on.

    First :data:`KWIC_PREVIEW` lines as the Concordance page's compact HTML table
    (:func:`dashboard.kwic.kwic_html`, one line a row; spread evenly over the on-screen lines), and, when there are more, a toggle (key
    ``<key>_all``, off by default) that draws every on-screen line as a table (key
    ``<key>_table``). The interactive table is the heaviest element of the page in the browser
    (a canvas grid and its script), so the first paint goes without it. The download button's
    file is built when it is clicked (:meth:`Evidence.csv`), not sent with the page.
    """
    ev = load_evidence(ctx.path, ctx.version, ctx.key, outlet, start, end, category, n_mentions)
    preview = tables.spread_rows(ev.table, KWIC_PREVIEW)
    st.markdown(kwic.kwic_html(preview.assign(label=preview["term"])), unsafe_allow_html=True)
    n_shown = len(preview)
    if len(ev.table) > len(preview) and st.toggle(
            f"Show all {len(ev.table):,} lines as a table", key=f"{key}_all",
            help=f"The {len(preview)} lines above are spread evenly by date over these {len(ev.table):,}."):
        st.dataframe(ev.table, hide_index=True, column_config=tables.column_config(tables.KWIC_COLUMNS),
                     key=f"{key}_table")
        n_shown = len(ev.table)
    st.caption(ev.caption(n_shown))
    st.download_button("Download evidence (CSV)", data=ev.csv, file_name=file_name,
                       mime="text/csv", on_click="ignore", key=f"dl_{key}", icon=":material/download:")


def clicked_trend_cell(selection, cells: pd.DataFrame) -> int | None:
    """The row of *cells* (:func:`dashboard.tables.evidence_cells`) whose point or volume bar was clicked on the trend chart.

    Parameters
    ----------
    selection : the chart's selection state (``event.selection`` of :func:`dashboard.charts.trend_chart`:
        per selection parameter, ``cell`` and ``cell_bar``, a list of the clicked data, each with ``cell``,
        :func:`dashboard.charts.trend_cell_key`), or ``None``.

    Returns
    -------
    int or None
        The first selected point's cell, else the first selected bar's, or ``None`` (nothing selected,
        or a period without mentions, which has no cell).
    """
    keys = [charts.trend_cell_key(o, p) for o, p in zip(cells["outlet"], cells["period"])]
    return next((keys.index(key) for key in _clicked_trend_keys(selection) if key in keys), None)


def clicked_trend_name(selection) -> str | None:
    """``"<outlet> · <YYYY-MM-DD>"`` of the first point or bar clicked on the trend chart, or ``None`` (for the toast
    of :func:`follow_click` when the clicked cell has no mentions)."""
    key = next((k for k in _clicked_trend_keys(selection) if "|" in k), None)
    return None if key is None else " · ".join(key.rsplit("|", 1))


def _clicked_trend_keys(selection):
    """The ``cell`` keys (:func:`dashboard.charts.trend_cell_key`) of the trend chart's clicked points, then bars."""
    for param in charts.TREND_SELECTIONS:
        for datum in (selection or {}).get(param) or []:
            key = datum.get("cell") if isinstance(datum, dict) else None
            if isinstance(key, str):
                yield key


def clicked_trace_cell(fig, selection, cells: pd.DataFrame) -> int | None:
    """The row of *cells* whose point was clicked on a plotly trend (the Frames page's panels).

    Parameters
    ----------
    fig : the plotly figure as drawn (:func:`dashboard.frame_charts.frame_trend_chart`); a point's trace
        names its outlet through ``legendgroup`` (lines, partial-period rings, volume bars).
    selection : the chart's selection state (``event.selection``: ``points`` with
        ``curve_number`` and ``x``), or ``None``.

    Returns
    -------
    int or None
        The first selected point's cell, or ``None`` (nothing selected, or a point without
        mentions, which has no cell).
    """
    for p in (selection or {}).get("points", []):
        n = p.get("curve_number")
        if n is None or not 0 <= n < len(fig.data) or p.get("x") is None:
            continue
        trace = fig.data[n]
        outlet, period = trace.legendgroup or trace.name, pd.Timestamp(p["x"])
        hit = cells.index[(cells["outlet"] == outlet) & (pd.to_datetime(cells["period"]) == period)]
        if len(hit):
            return int(cells.index.get_loc(hit[0]))
    return None


def clicked_heatmap_cell(fig, selection, cells: pd.DataFrame, row: str, column: str) -> int | None:
    """The row of *cells* whose heatmap cell was clicked (on :func:`dashboard.charts.with_cell_targets`' markers).

    Parameters
    ----------
    fig : the heatmap figure as drawn, with its cell targets.
    selection : the chart's selection state (``event.selection``: ``points`` with
        ``curve_number`` and ``point_index``), or ``None``.
    cells : the selectable cells, one per row, with columns *row* (the heatmap's y labels)
        and *column* (the keys given to ``with_cell_targets``).

    Returns
    -------
    int or None
        The position in *cells* of the first selected cell, or ``None`` (nothing selected, a
        click elsewhere, or a cell that is not among *cells*, e.g. one without mentions).
    """
    for _, target in _clicked_targets(fig, selection):
        hit = np.flatnonzero((cells[row] == target[0]).to_numpy() & (cells[column] == target[1]).to_numpy())
        if len(hit):
            return int(hit[0])
    return None


def clicked_cell_name(fig, selection) -> str | None:
    """``"row · column"`` (as labelled on the chart) of the first clicked heatmap cell, or ``None``."""
    for p, _ in _clicked_targets(fig, selection):
        trace, i = fig.data[p["curve_number"]], p["point_index"]
        return f"{trace.y[i]} · {trace.x[i]}"
    return None


def _clicked_targets(fig, selection):
    """``(point, (row label, column key))`` for each selected point on a cell target, in selection order
    (:func:`dashboard.charts.cell_target`); points elsewhere are skipped."""
    for p in (selection or {}).get("points", []):
        target = cell_target(fig, p)
        if target is not None:
            yield p, target


def follow_click(widget_key: str, index: int | None, selection, clicked: str | None = None) -> None:
    """Point the cell selectbox *widget_key* at a clicked cell, once per new click.

    Call before the selectbox is drawn. The chart keeps its selection across reruns, so a
    click is applied only when the selection differs from the last one seen; choosing
    another cell in the selectbox afterwards is not overridden. *clicked* names the clicked
    cell (:func:`clicked_cell_name`): when it is not among the selectbox's cells (*index* is
    ``None``: no lines to show), a toast says so once instead of nothing happening.
    """
    seen = f"{widget_key}_click_seen"
    signature = repr(selection)
    if st.session_state.get(seen) != signature:
        if index is not None:
            st.session_state[widget_key] = index
        elif clicked:
            st.toast(f"{clicked}: no lines to show in this selection; the cell below is unchanged.",
                     icon=":material/info:")
    st.session_state[seen] = signature
