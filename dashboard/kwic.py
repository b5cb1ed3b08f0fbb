"""The Concordance page's pieces: the cell read from the URL, its loaders, the cell in words,
the KWIC lines as an escaped HTML table, and their download.

The cell comes from the URL keys of :mod:`dashboard.links` (``kind``, ``key``,
``cell_outlet``, ``cell_from``, ``cell_to``); the sidebar's filters apply as well
(:func:`pipelines.concordance.concordance`). Everything user-provided (terms, outlet names,
titles, speakers, article text) reaches the page through :func:`html.escape` or
:func:`dashboard.render.md_escape`; links only through :func:`dashboard.render.safe_url`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st

from pipelines import concordance as conc
from pipelines.schemas import ALL

from . import charts, tables
from .exports import to_csv_bytes
from .loaders import FiltersKey, _filters, _Store
from .render import VOICE_LABELS, VOICE_STYLES, md_escape, safe_url

LINES_PER_PAGE = 100
"""KWIC lines drawn on screen at once; the download has every line."""
CONTEXT_SHOWN = 70
"""Characters of context drawn on each side of the match (the download keeps 80)."""
DOWNLOAD_COLUMNS = ["day", "outlet", "title", "left", "match", "right", "label", "voice", "speaker", "url",
                    "article_id", "start_char", "end_char"]
"""Columns of the concordance download, in order."""


@dataclass(frozen=True)
class Cell:
    """A concordance cell read from the URL.

    Parameters
    ----------
    kind : a key of :data:`pipelines.concordance.KINDS`.
    key : the term, category, frame, pair or target (``None``: all of them).
    outlet : the cell's outlet (``None``: every selected outlet).
    start, end : the cell's first and last day (``None``: the selected dates).
    problems : URL values that were ignored, in words.
    """

    kind: str = "lexicon"
    key: str | None = None
    outlet: str | None = None
    start: date | None = None
    end: date | None = None
    problems: tuple[str, ...] = field(default=())


def read_cell(params, outlets) -> Cell:
    """The cell named by the URL *params* (a mapping of str to str); *outlets* are the store's.

    An unknown kind, an outlet the store does not have, or a date that is not ISO
    ``YYYY-MM-DD`` is ignored and named in ``problems``.
    """
    problems = []
    kind = params.get("kind") or "lexicon"
    if kind not in conc.KINDS:
        problems.append(f"unknown kind {kind!r} (known: {', '.join(conc.KINDS)}); showing lexicon terms")
        kind = "lexicon"
    outlet = params.get("cell_outlet") or None
    if outlet is not None and outlet not in outlets:
        problems.append(f"the store has no outlet {outlet!r}; showing every selected outlet")
        outlet = None
    days = []
    for name in ("cell_from", "cell_to"):
        raw = params.get(name) or None
        try:
            days.append(date.fromisoformat(raw) if raw else None)
        except ValueError:
            problems.append(f"{name}={raw!r} is not a date (YYYY-MM-DD)")
            days.append(None)
    return Cell(kind, params.get("key") or None, outlet, days[0], days[1], tuple(problems))


def key_label(kind: str, key, labels: dict | None = None) -> str:
    """A key as shown: its label from :func:`pipelines.concordance.key_choices` (*labels*, key → label)
    when there is one (a frame's codebook name, a pair's two forms), a lexicon category with
    spaces for underscores, anything else as it is."""
    if labels and key in labels and labels[key] != key:
        return str(labels[key])
    return charts.category_label(key) if kind == "category" else str(key)


def key_option_label(kind: str, key, labels: dict, counts: dict) -> str:
    """A key in the chooser: ``All`` for ``""``, else its label and, for lexicon kinds, its mentions."""
    if key in (None, ""):
        return "All"
    n = counts.get(key)
    return key_label(kind, key, labels) + ("" if n is None or pd.isna(n) else
                                           f" ({tables.count_label(int(n), 'mention')})")


def cell_heading(cell: Cell, filters, labels: dict | None = None) -> str:
    """The cell in words, as escaped markdown, e.g.
    ``Lexicon category *pejorative label* · Outlet KCNA · 2024-03-01 to 2024-03-31 · outlet's own words``.

    The dates are the cell's days inside the selected dates; the voice is the sidebar's;
    *labels* (key → label) name the key (:func:`key_label`).
    """
    noun = conc.KIND_LABELS.get(cell.kind, cell.kind)
    what = (f"{noun} *{md_escape(key_label(cell.kind, cell.key, labels))}*" if cell.key is not None
            else f"Every {noun.lower()}")
    if cell.outlet is not None:
        who = f"Outlet {md_escape(cell.outlet)}"
    elif filters.outlets:        # the words of the page's outlet selector ("All selected outlets"), with how many
        who = f"All selected outlets ({tables.count_label(len(filters.outlets), 'outlet')})"
    else:                        # the sidebar keeps every outlet: that is every outlet of the store
        who = "All selected outlets (every outlet)"
    f = conc.narrowed(filters, None, cell.start, cell.end)
    if f.start is not None and f.end is not None:
        when = f"{f.start} to {f.end}"
    elif f.start is not None or f.end is not None:
        when = f"{f.start or '…'} to {f.end or '…'}"
    else:
        when = "all dates"
    voice = "all voices" if filters.voice == ALL else VOICE_LABELS.get(filters.voice, filters.voice)
    return " · ".join((what, who, when, md_escape(voice)))


def outside_reason(cell: Cell, filters) -> str | None:
    """Why *cell* has no lines whatever the store holds (it lies outside the sidebar's selection), or ``None``."""
    why = conc.outside_selection(filters, cell.outlet, cell.start, cell.end)
    if why is None and cell.kind == "category" and cell.key is not None and filters.categories \
            and cell.key not in filters.categories:
        why = (f"the category {key_label(cell.kind, cell.key)!r} is not among the lexicon categories "
               "selected in the sidebar")
    return why


def _to_url(widget_key: str, url_key: str, clears: tuple[str, ...] = ()) -> None:
    value = st.session_state[widget_key]
    for k in (url_key, *clears):
        st.query_params.pop(k, None)
    if value not in (None, ""):
        st.query_params[url_key] = value


def cell_widget(draw, label: str, url_key: str, value, clears: tuple[str, ...] = (), **kw):
    """Draw a widget (``draw``: e.g. ``st.selectbox``) for one URL key of the cell and return its value.

    The URL is the truth: the widget starts from *value* (read from the URL) on every run, and
    a change writes the URL key (removing it for ``None`` or ``""``, and removing the keys in
    *clears* too) before the rerun.
    """
    wkey = f"conc_{url_key}"
    st.session_state[wkey] = value
    return draw(label, key=wkey, on_change=_to_url, args=(wkey, url_key, clears), **kw)


def drop_stale_choice(widget_key: str, options) -> None:
    """Forget a selectbox's value that is not among its *options* any more (the cell changed under it)."""
    if widget_key in st.session_state and st.session_state[widget_key] not in options:
        del st.session_state[widget_key]


def clear_period() -> None:
    """Drop the cell's own days from the URL: the selected dates apply."""
    for k in ("cell_from", "cell_to"):
        st.query_params.pop(k, None)


@st.cache_data(show_spinner=False, max_entries=8)
def load_concordance(path: str, version: int, filters: FiltersKey, kind: str, key: str | None,
                     outlet: str | None, start: date | None, end: date | None) -> pd.DataFrame:
    """:func:`pipelines.concordance.concordance` of the cell: every line (at most ``KWIC_LIMIT``).

    Raises ``KindUnavailable`` for a kind whose module is not installed yet (not cached).
    """
    with _Store(path) as con:
        return conc.concordance(con, _filters(filters), kind, key=key, outlet=outlet, start=start, end=end)


@st.cache_data(show_spinner=False, max_entries=4)
def load_concordance_csv(path: str, version: int, filters: FiltersKey, kind: str, key: str | None,
                         outlet: str | None, start: date | None, end: date | None) -> bytes:
    """The download of :func:`load_concordance` (CSV bytes of :func:`download_rows`), built once per cell."""
    lines = load_concordance(path, version, filters, kind, key, outlet, start, end)
    return to_csv_bytes(download_rows(lines))


@st.cache_data(show_spinner=False, max_entries=32)
def load_key_choices(path: str, version: int, filters: FiltersKey, kind: str) -> pd.DataFrame:
    """:func:`pipelines.concordance.key_choices`: the keys of *kind* to choose from (empty: type one)."""
    with _Store(path) as con:
        return conc.key_choices(con, _filters(filters), kind)


@st.cache_data(show_spinner=False, max_entries=16)
def load_version_text(path: str, version: int, kind: str) -> str:
    """:func:`pipelines.concordance.version_text`: the version of what *kind*'s lines were found with."""
    with _Store(path) as con:
        return conc.version_text(con, kind)


@st.cache_data(show_spinner=False, max_entries=32)
def load_article_text(path: str, version: int, article_id: str) -> dict | None:
    """``title, outlet, published_at, url, text`` of one article (``None`` when it is not in the store)."""
    with _Store(path) as con:
        row = con.execute("SELECT title, outlet, published_at, url, text FROM articles WHERE article_id = ?",
                          [article_id]).df()
    return row.iloc[0].to_dict() if len(row) else None


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) or v is pd.NA else str(v)


def _folded(text) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", _text(text).casefold()).split())


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _day(v) -> str:
    return "undated" if v is None or pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d}"


KWIC_TABLE_COLUMNS = (("#", "36px", "right"), ("Date", "84px", "left"), ("Outlet", "11%", "left"),
                      ("Left context", "", "right"), ("Match", "10%", "center"), ("Right context", "", "left"),
                      ("Voice", "66px", "left"), ("Speaker", "76px", "left"), ("Article", "14%", "left"))
"""Header, width (empty: the contexts share what is left) and alignment of each column of :func:`kwic_html`.
Speaker has a width in pixels, wide enough for its header (at 6 % of the page it read "Spea…"); outlets and
speakers wrap onto a second line before they are cut. (A ``max(%, px)`` width would be ignored: in a table
with a fixed layout Chromium treats a width that mixes percent and pixels as ``auto``.)"""
LABEL_COLUMN = ("Evidence of", "11%", "left")
"""The column of ``label``, after Match, drawn only when a label says more than its match (a frame, a
pair form, a target's tone), not for lexicon lines whose label is their term."""
_CELL = "overflow:hidden;white-space:nowrap;text-overflow:ellipsis;"
_WRAP = "overflow:hidden;display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2;overflow-wrap:anywhere;"
"""Up to two lines, then cut at the end with an ellipsis: for labels ("Economic: interest rate": the
frame comes first), titles, outlets and speakers, which lose their meaning when cut to one line."""
_LEFT = "display:flex;justify-content:flex-end;overflow:hidden;white-space:nowrap;"
"""The left context keeps its end (next to the match) when cut: flex-end overflows on the left."""


def _cell(content: str, hover: str = "", style: str = _CELL) -> str:
    tip = f' title="{html.escape(hover)}"' if hover else ""
    return f"<td style='padding:3px 4px'><div style='{style}'{tip}>{content}</div></td>"


def kwic_html(lines: pd.DataFrame, first_number: int = 1) -> str:
    """KWIC lines (:data:`pipelines.concordance.KWIC_COLUMNS`) as an escaped HTML table.

    The classic layout, one line per row: left context right-aligned (cut on its left), the
    match marked in its voice's style (:data:`dashboard.render.VOICE_STYLES`), right context
    left-aligned (cut on its right); then voice, speaker, and the title linked to the article's
    http(s) address (no link otherwise). Cut cells show their whole text on hover. Contexts
    are at most :data:`CONTEXT_SHOWN` characters; rows are numbered from *first_number*.
    The ``label`` gets a column of its own (:data:`LABEL_COLUMN`) when any label is not just
    its match in other case or punctuation ("fake-news" is the term "fake news").
    """
    with_label = any(_folded(lbl) != _folded(m) for lbl, m in zip(lines["label"], lines["match"]))
    columns = list(KWIC_TABLE_COLUMNS)
    if with_label:
        columns.insert(5, LABEL_COLUMN)
    head = "".join(f"<th style='{f'width:{w};' if w else ''}text-align:{a};padding:3px 4px;{_CELL}'>{h}</th>"
                   for h, w, a in columns)
    rows = []
    for i, r in enumerate(lines.to_dict("records")):
        voice = _text(r.get("voice"))
        style = VOICE_STYLES.get(voice, "border-bottom:2px solid #000;")
        left = _one_line(_text(r.get("left")))[-CONTEXT_SHOWN:]
        right = _one_line(_text(r.get("right")))[:CONTEXT_SHOWN]
        match = _one_line(_text(r.get("match")))
        title = _text(r.get("title")) or tables.NO_TITLE
        url = safe_url(r.get("url"))
        article = (f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">{html.escape(title)}</a>'
                   if url else html.escape(title))
        outlet, speaker, label = _text(r.get("outlet")), _text(r.get("speaker")), _text(r.get("label"))
        cells = [
            _cell(str(first_number + i), style=_CELL + "text-align:right;color:#777"),
            _cell(_day(r.get("day"))),
            _cell(html.escape(outlet), outlet, _WRAP),
            _cell(f"<span>{html.escape(left)}</span>", left, _LEFT),
            _cell(f'<mark class="fw-match" style="{style}color:inherit;padding:0 2px;font-weight:600">'
                  f"{html.escape(match)}</mark>", f"{match} ({label})", "text-align:center"),
            _cell(html.escape(right), right),
            _cell(f'<span style="{style}padding:0 4px">{html.escape(voice)}</span>' if voice else "", voice),
            _cell(html.escape(speaker) or tables.PLACEHOLDER, speaker, _WRAP),
            _cell(article, title, _WRAP)]
        if with_label:
            cells.insert(5, _cell(html.escape(label), label, _WRAP))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ("<table class='fw-kwic' style='width:100%;table-layout:fixed;border-collapse:collapse;"
            "font-size:0.85em'><thead><tr>" + head + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def line_labels(lines: pd.DataFrame, first_number: int = 1) -> list[str]:
    """``#12 · 2024-01-29 · KCNA · title`` for each KWIC line (plain text, for a selectbox)."""
    return [f"#{first_number + i} · {_day(d)} · {_text(o)} · {(_text(t) or tables.NO_TITLE)[:80]}"
            for i, (d, o, t) in enumerate(zip(lines["day"], lines["outlet"], lines["title"]))]


def line_span(line) -> pd.DataFrame:
    """One KWIC line as a one-row ``mentions``-like frame for :func:`dashboard.render.highlight_html`."""
    return pd.DataFrame([dict(start_char=line["start_char"], end_char=line["end_char"], term=line["label"],
                              category=None, voice=line["voice"], speaker=line["speaker"])])


def download_rows(lines: pd.DataFrame) -> pd.DataFrame:
    """Every KWIC line with the download's columns (:data:`DOWNLOAD_COLUMNS`); ``day`` as an ISO date."""
    out = lines.reindex(columns=DOWNLOAD_COLUMNS)
    out["day"] = [None if pd.isna(d) else f"{pd.Timestamp(d):%Y-%m-%d}" for d in out["day"]]
    return out


def file_name(cell: Cell) -> str:
    """``framewatch-concordance-<kind>[-<key>][-<outlet>][-<from>].csv``."""
    parts = [cell.kind, cell.key, cell.outlet, cell.start]
    return "framewatch-concordance-" + "-".join(tables.file_slug(p) for p in parts if p is not None) + ".csv"


def lines_text(n_lines: int, n_articles: int, first: int, last: int) -> str:
    """The caption over the table: ``"Lines 1–100 of 376, from 120 articles, by date"``."""
    if n_lines == 0:
        return "No lines."
    capped = " (the most one query returns: the cell may hold more)" if n_lines >= conc.KWIC_LIMIT else ""
    where = f"from {tables.count_label(n_articles, 'article')}"
    if first == 1 and last >= n_lines:
        return f"All {tables.count_label(n_lines, 'line')}{capped}, {where}, by date; the download has the same lines."
    return (f"Lines {first:,}–{last:,} of {n_lines:,}{capped}, {where}, by date; "
            f"the download has all {n_lines:,}.")
