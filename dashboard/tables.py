"""Explicitly typed tables for ``st.dataframe`` and small summaries of chart frames.

Streamlit serialises frames through Arrow; an object column that mixes numbers and text
('n/a', 'B-7') either fails or is stringified and then sorts as text. :func:`typed_table`
gives every column one declared type first and reports what it had to coerce.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

TYPES = ("str", "float", "int", "datetime", "bool")
"""Column types :func:`typed_table` understands."""

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _blank(s: pd.Series) -> pd.Series:
    """True where a cell is missing or an empty / whitespace-only string."""
    return s.isna() | s.astype(object).map(lambda v: isinstance(v, str) and not v.strip())


def _as_text(v):
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _as_bool(v):
    if isinstance(v, bool):
        return v
    key = str(v).strip().lower()
    return True if key in _TRUE else False if key in _FALSE else None


def typed_table(df: pd.DataFrame, schema: dict[str, str]) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """Give each column of *df* an explicit type; count what could not be read.

    Parameters
    ----------
    df : DataFrame of shape (n_rows, n_columns); not modified. Rows are never dropped.
    schema : column name → one of :data:`TYPES`. ``"int"`` is pandas' nullable ``Int64``;
        ``"datetime"`` is UTC (naive values are taken as UTC); ``"str"`` turns ``101.0`` into
        ``'101'``. Columns not named keep their dtype, except object columns, which become text.

    Returns
    -------
    (typed, report)
        *typed* has the same shape as *df*. *report* maps each schema column to
        ``{"missing": m, "invalid": i}``: *i* counts cells that held something that is not
        a valid value of the type (now missing, never 0); *m* counts all missing cells after typing.
    """
    out = df.copy()
    report: dict[str, dict[str, int]] = {}
    for col in out.columns:
        kind = schema.get(col)
        if kind is None:
            if out[col].dtype == object:
                out[col] = pd.array(out[col].map(_as_text), dtype="string")
            continue
        if kind not in TYPES:
            raise ValueError(f"type of column {col!r} must be one of {TYPES}, not {kind!r}")
        raw = out[col]
        blank = _blank(raw)
        if kind == "str":
            new = pd.Series(pd.array(raw.astype(object).map(_as_text), dtype="string"), index=raw.index)
            new[blank & raw.isna()] = pd.NA
        elif kind in ("float", "int"):
            num = pd.to_numeric(raw.where(~blank), errors="coerce")
            if kind == "int":
                num = num.where(num.isna() | (num == num.round()))
                new = num.astype("Int64")
            else:
                new = num.astype("float64")
        elif kind == "datetime":
            if pd.api.types.is_datetime64_any_dtype(raw):
                new = raw.dt.tz_localize("UTC") if raw.dt.tz is None else raw.dt.tz_convert("UTC")
            else:
                new = pd.to_datetime(raw.where(~blank).astype(object), errors="coerce", utc=True, format="mixed")
        else:  # bool
            new = pd.Series(pd.array(raw.where(~blank).map(_as_bool, na_action="ignore"), dtype="boolean"),
                            index=raw.index)
        out[col] = new
        missing = out[col].isna()
        report[col] = {"missing": int(missing.sum()), "invalid": int((missing & ~blank).sum())}
    return out, report


def report_text(report: dict[str, dict[str, int]]) -> str:
    """One sentence naming the columns with unreadable values, or ``""`` when there are none."""
    bad = [f"{r['invalid']} in {col}" for col, r in report.items() if r.get("invalid")]
    return ("Unreadable values shown blank (not zero): " + ", ".join(bad) + ".") if bad else ""


def selection_totals(df: pd.DataFrame) -> dict[str, int]:
    """Articles, words and mentions summed over the rows of a trend or matrix frame.

    For an outlet × category matrix, pass one category's rows (denominators repeat per category).
    """
    return {
        "articles": int(df["n_articles"].sum()) if len(df) else 0,
        "words": int(df["n_words"].sum()) if len(df) else 0,
        "mentions": int(df["n_mentions"].fillna(0).sum()) if len(df) else 0,
    }


def gap_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of a trend frame that are gaps (no articles): ``outlet, period, status``."""
    if df.empty:
        return df.reindex(columns=["outlet", "period", "status"])
    return df.loc[df["n_articles"] == 0, ["outlet", "period", "status"]].reset_index(drop=True)


def evidence_cells(df: pd.DataFrame) -> pd.DataFrame:
    """The (outlet, period) cells of a trend frame that have mentions, in date order.

    The Trends page lists them in this order and opens its Evidence on the first: the earliest period with
    mentions, and in it the first outlet by name. In the small multiples the frame also holds the grey line of all
    selected outlets (outlet :data:`pipelines.rollups.POOLED`); its cell comes after the outlets' cells of the same
    period, so the page opens on an outlet's cell, as the one-view chart does, not on the grey line.

    Returns
    -------
    DataFrame with ``outlet, period, n_mentions`` (one row per cell with ``n_mentions > 0``).
    """
    from pipelines.rollups import POOLED

    if df.empty:
        return df.reindex(columns=["outlet", "period", "n_mentions"])
    cells = df.loc[df["n_mentions"].fillna(0) > 0, ["outlet", "period", "n_mentions"]]
    order = cells.assign(_pooled=cells["outlet"] == POOLED).sort_values(["period", "_pooled", "outlet"])
    return order.drop(columns="_pooled").reset_index(drop=True)


def spread_rows(df: pd.DataFrame, n: int) -> pd.DataFrame:
    """*n* rows of *df* spread evenly from its first row to its last (all rows when it has at most *n*).

    For a KWIC frame in date order this samples the whole period, not its first days.
    """
    if len(df) <= n:
        return df
    picks = np.unique(np.linspace(0, len(df) - 1, n).round().astype(int))
    return df.iloc[picks]


def evidence_text(n_shown: int, n_total: int, n_download: int, start=None, end=None) -> str:
    """The caption of an evidence table: how many of the cell's mentions are listed and downloadable.

    ``"Showing 200 of 467 mentions, spread evenly by date over 2024-10-01 to 2024-10-31 —
    the download has all 467."``
    """
    when = f" for {start} to {end}" if start and end else ""
    if n_shown >= n_total:
        return (f"All {count_label(n_total, 'mention')}{when}, by date; the download has the same lines."
                if n_total != 1 else f"The 1 mention{when}.")
    over = f" over {start} to {end}" if start and end else " over the selected dates"
    if n_download >= n_total:
        tail = f"the download has all {n_total:,}."
    else:
        tail = f"the download has the first {n_download:,} by date."
    return f"Showing {n_shown:,} of {count_label(n_total, 'mention')}, spread evenly by date{over} — {tail}"


def file_slug(text) -> str:
    """*text* as a file-name part: letters and digits, runs of anything else as one ``-``."""
    return re.sub(r"[^0-9A-Za-z]+", "-", str(text)).strip("-").lower() or "x"


def matrix_evidence_cells(df: pd.DataFrame) -> pd.DataFrame:
    """The (outlet, category) cells of an outlet × category matrix that have mentions, by outlet then category.

    Returns
    -------
    DataFrame with ``outlet, category, n_mentions`` (one row per cell with ``n_mentions > 0``).
    """
    if df.empty:
        return df.reindex(columns=["outlet", "category", "n_mentions"])
    cells = df.loc[df["n_mentions"].fillna(0) > 0, ["outlet", "category", "n_mentions"]]
    return cells.sort_values(["outlet", "category"], ignore_index=True)


KWIC_SCHEMA = {"article_id": "str", "outlet": "str", "day": "datetime", "title": "str", "left": "str",
               "match": "str", "right": "str", "term": "str", "category": "str", "voice": "str",
               "speaker": "str", "start_char": "int", "end_char": "int"}
KWIC_COLUMNS = ["day", "outlet", "left", "match", "right", "voice", "speaker", "term", "title"]
ARTICLE_SCHEMA = {"article_id": "str", "outlet": "str", "published_at": "datetime", "title": "str",
                  "url": "str", "n_words": "int", "n_mentions": "int", "syndicated": "bool", "cluster_id": "str"}
ARTICLE_COLUMNS = ["published_at", "outlet", "title", "n_mentions", "n_words", "syndicated", "url"]
"""Columns of the article list as shown (the download has all of :data:`dashboard.exports.ARTICLE_COLUMNS`)."""
PLACEHOLDER = "—"
"""Shown in a table cell that has no value (no speaker, no title); the downloads keep it empty."""
NO_TITLE = "(no title)"
"""Starts the title shown for an article whose source gave none (RUWA's RT items are a lead without a headline):
the first words of its text follow (:func:`lead_title`). Downloads keep the title empty."""
LEAD_WORDS = 12
"""Words of the text :func:`lead_title` shows for an article without a title."""


def lead_title(text, words: int = LEAD_WORDS) -> str:
    """What to show for an article without a title: ``"(no title) The British singer suggested authorities
    use his music to get anti-vaccine demonstrators …"``, the first *words* words of *text* (its lead, for a
    title-and-lead record) after :data:`NO_TITLE`; :data:`NO_TITLE` alone when *text* is empty or missing."""
    parts = str(text).split() if isinstance(text, str) else []
    if not parts:
        return NO_TITLE
    return f"{NO_TITLE} {' '.join(parts[:words])}{' …' if len(parts) > words else ''}"


def has_title(title) -> bool:
    """True when *title* is a non-blank string."""
    return isinstance(title, str) and bool(title.strip())


def shown_titles(df: pd.DataFrame, leads: dict, id_column: str = "article_id") -> pd.DataFrame:
    """A copy of *df* whose missing or blank ``title`` reads :func:`lead_title` of the article's text in *leads*
    (article id -> the start of its text, :func:`dashboard.loaders.load_leads`), for display only."""
    out = df.copy()
    if "title" not in out.columns or id_column not in out.columns:
        return out
    out["title"] = pd.array([t if has_title(t) else lead_title(leads.get(str(i)))
                             for t, i in zip(out["title"].astype(object), out[id_column])], dtype="string")
    return out


def untitled_ids(df: pd.DataFrame, id_column: str = "article_id") -> tuple[str, ...]:
    """The ids of the rows of *df* without a title, sorted and unique (a hashable cache key for the leads)."""
    if df is None or df.empty or "title" not in df.columns:
        return ()
    return tuple(sorted({str(i) for t, i in zip(df["title"].astype(object), df[id_column]) if not has_title(t)}))


def article_with_title(article: dict) -> dict:
    """*article* (an ``articles`` row as a dict, with ``text``) whose missing title reads :func:`lead_title` of its
    text, for the article's header."""
    return article if has_title(article.get("title")) else {**article, "title": lead_title(article.get("text"))}


def when_text(value) -> str | None:
    """A publication time as the dashboard shows it, in UTC: ``"2024-03-05 14:05"``, or the day alone,
    ``"2024-03-05"``, at exactly 00:00:00. A source that gives a date without a time is stored at 00:00 UTC
    (:mod:`pipelines.dates`) and the store does not record which did, so a time of 00:00 would be invented
    for it; the rare article stamped exactly at midnight shows its day only too. ``None`` when missing.
    ISO text, so a column of it sorts as the times do."""
    if value is None or pd.isna(value):
        return None
    t = pd.Timestamp(value)
    if t.tzinfo is not None:
        t = t.tz_convert("UTC")
    return f"{t:%Y-%m-%d}" if (t.hour, t.minute, t.second, t.microsecond) == (0, 0, 0, 0) else f"{t:%Y-%m-%d %H:%M}"


MIDNIGHT_NOTE = ("A time of exactly 00:00 UTC is not shown, only the day: a source that gives a date without a "
                 "time is stored at 00:00 UTC, and the store does not record which did.")
"""Said where publication times are listed (:func:`when_text`)."""


def column_config(columns, title_width: str | int = "medium") -> dict:
    """``st.dataframe`` column configs with human labels for the named *columns*.

    *title_width* is the title's width (Streamlit's ``"small"``, ``"medium"``, ``"large"`` or pixels):
    medium by default, so a KWIC line's contexts and voice stay in view at a 1,400-pixel window; the
    article list, whose title is what a reader scans, gives it more.
    """
    import streamlit as st  # local: the rest of this module does not need Streamlit

    cc = st.column_config
    known = {
        "day": cc.DateColumn("Day", format="YYYY-MM-DD"),
        "outlet": cc.TextColumn("Outlet"),
        "left": cc.TextColumn("Left context", width="medium", alignment="right"),   # its end meets the match
        "match": cc.TextColumn("Match"),
        "right": cc.TextColumn("Right context", width="medium"),
        "voice": cc.TextColumn("Voice"),
        "speaker": cc.TextColumn("Speaker"),
        "term": cc.TextColumn("Lexicon term"),
        "title": cc.TextColumn("Title", width=title_width),
        "published_at": cc.TextColumn("Published (UTC)", help="Day and time in UTC; the day alone where the "
                                                              "time is 00:00, which is what a source giving only a "
                                                              "date is stored at (see the caption)"),
        "n_words": cc.NumberColumn("Words", format="localized", help="Words in the article, every voice"),
        "n_mentions": cc.NumberColumn("Mentions", format="localized",
                                      help="Lexicon mentions in the chosen voice and categories"),
        "url": cc.LinkColumn("Link", display_text="open",     # a host name (40 characters) was cut in the column
                             help="The article's page at its outlet (hover a link for its address)."),
        "article_id": cc.TextColumn("Article id"),
        "syndicated": cc.CheckboxColumn("Wire copy", help="Its text also appears at another outlet, or it "
                                                          "repeats with a wire dateline such as '(Reuters) -'."),
        "cluster_id": cc.TextColumn("Cluster id"),
    }
    return {c: known[c] for c in columns if c in known}


MAIN_WIDTH = 936
"""Pixels a table may use in the main column of a 1,400-pixel window beside the sidebar (the grid has 938;
a table whose columns add up to more scrolls sideways)."""
KWIC_WIDTHS = {"day": 88, "outlet": 128, "left": 145, "match": 92, "right": 145, "voice": 58, "speaker": 70,
               "term": 88}
"""Pixel widths of the KWIC columns in a fitted evidence table (:func:`fitted_kwic_config`); the title takes
what is left."""


SANS_14_PX = (2.8, 4.1, 6, 7, 7, 11.6, 8.6, 3.5, 4.3, 4.3, 5.9, 7, 3.5, 4.4, 3.5, 4.9, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
              3.5, 3.5, 7, 7, 7, 6, 11.9, 7.7, 8.3, 8, 8.7, 7.4, 7, 8.7, 9.2, 3.7, 6.8, 8.2, 6.9, 10.2, 9.1, 9.3, 8,
              9.3, 8, 7.5, 7.6, 9.1, 7.3, 11.1, 7.2, 6.7, 7.6, 4.3, 4.9, 4.3, 7, 7, 7.6, 7.1, 7.8, 6.4, 7.8, 7, 4.1,
              7.1, 7.7, 3.5, 3.5, 7, 3.6, 11.7, 7.7, 7.6, 7.8, 7.8, 4.9, 5.9, 4.8, 7.7, 6.6, 10.1, 6.3, 6.6, 6, 4.3,
              3.4, 4.3, 7)
"""Pixel width of each printable ASCII character (space to ``~``) in a table cell or header: Source Sans at
14 px, regular weight, as Streamlit's tables draw them (measured in chromium with canvas ``measureText``,
rounded up to 0.1 px). Other characters count :data:`WIDE_CHAR_PX`."""
WIDE_CHAR_PX = 12.0
"""Width counted for a character outside :data:`SANS_14_PX` (wider than any ASCII letter but ``W`` and ``@``)."""
CELL_PADDING_PX = 8
"""Space Streamlit's tables leave on each side of a cell's text (its ``spacing.sm``)."""


def text_px(text) -> float:
    """Estimated width in pixels of *text* in a table cell (:data:`SANS_14_PX`); ``str(text)`` for others."""
    return sum(SANS_14_PX[o - 32] if 32 <= (o := ord(c)) < 127 else WIDE_CHAR_PX for c in str(text))


def fitted_widths(df: pd.DataFrame, labels: dict, write: dict | None = None, total: int = MAIN_WIDTH) -> dict:
    """Pixel widths for ``st.dataframe`` columns that show each header and every cell whole.

    A column is as wide as its longest text (header or cell, :func:`text_px`) plus :data:`CELL_PADDING_PX` on
    both sides, so a value such as a run's engine ``dask, 2 local workers`` is never cut at the column's edge
    whatever the store holds (fixed widths guessed for typical values cut longer ones). When the columns would
    add up to more than *total*, their right padding shrinks, evenly, to no less than 2 pixels (the text is
    drawn from the left padding, so it still ends inside its column).

    Parameters
    ----------
    df : the frame as shown (after :func:`shown_table`); not modified.
    labels : column -> its header, for the columns to size (in the table's order).
    write : column -> function giving a present value's text as the column's format shows it (``"{:,}".format``
        for a localized count, ``"{:%Y-%m-%d %H:%M}".format`` for a time); other columns are counted as
        ``str(value)``. Missing values count as :data:`PLACEHOLDER`.

    Returns
    -------
    dict column -> int pixels, for ``width`` in the column configs. The sum exceeds *total* when the texts do
    (the table then scrolls sideways rather than cut a value).
    """
    write = write or {}
    out = {}
    for col, label in labels.items():
        text = write.get(col, str)
        longest = max((text_px(PLACEHOLDER if pd.isna(v) else text(v)) for v in df[col]), default=0.0)
        out[col] = int(np.ceil(max(text_px(label), longest))) + 2 * CELL_PADDING_PX
    excess, room = sum(out.values()) - total, CELL_PADDING_PX - 2
    if excess > 0 and out:
        cut = min(room, int(np.ceil(excess / len(out))))
        out = {col: w - cut for col, w in out.items()}
    return out


def fitted_kwic_config(columns) -> dict:
    """:func:`column_config` for a KWIC evidence table whose columns fit :data:`MAIN_WIDTH` (no sideways
    scroll at a 1,400-pixel window): :data:`KWIC_WIDTHS`, and the title gets the rest (at least 100 pixels).
    Cut cells show their whole text on hover; the Concordance link under the table gives each line whole."""
    config = column_config(columns)
    fixed = {c: KWIC_WIDTHS[c] for c in columns if c in KWIC_WIDTHS}
    widths = {**fixed, "title": max(100, MAIN_WIDTH - sum(fixed.values()))}
    return {c: {**cfg, "width": widths[c]} if c in widths else cfg for c, cfg in config.items()}


def with_safe_urls(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of *df* whose ``url`` keeps only http(s) addresses (others become missing)."""
    from .render import safe_url

    out = df.copy()
    if "url" in out.columns:
        out["url"] = pd.array([safe_url(u) for u in out["url"]], dtype="string")
    return out


def linked_article_label(article: dict | None) -> str:
    """``Linked (not listed above): date · outlet · title`` for the Articles page's selectbox, from
    :func:`dashboard.loaders.load_article`'s article (``None``: ``Linked article (not in the store)``)."""
    if article is None:
        return "Linked article (not in the store)"
    when = pd.Timestamp(article.get("published_at")) if article.get("published_at") is not None else pd.NaT
    day = "undated" if pd.isna(when) else f"{when:%Y-%m-%d}"
    title = article.get("title")
    t = str(title) if has_title(title) else lead_title(article.get("text"))
    return f"Linked (not listed above): {day} · {article.get('outlet')} · {t[:90]}"


def article_labels(df: pd.DataFrame) -> list[str]:
    """``date · outlet · title`` for each row of a typed article list (plain text, for a selectbox).

    ``· wire copy`` follows the title of a row whose ``syndicated`` is true.
    """
    out = []
    wire = df["syndicated"] if "syndicated" in df.columns else pd.Series(False, index=df.index)
    for when, outlet, title, w in zip(df["published_at"], df["outlet"], df["title"], wire):
        day = "undated" if pd.isna(when) else f"{when:%Y-%m-%d}"
        t = NO_TITLE if pd.isna(title) else str(title)
        out.append(f"{day} · {outlet} · {t[:90]}" + (" · wire copy" if not pd.isna(w) and w else ""))
    return out


def engine_label(settings) -> str | None:
    """Where a run scored, from its ``runs.settings`` JSON: ``"local"``, ``"dask, 2 local workers"`` or
    ``"dask, tcp://HOST:8786"`` (:class:`pipelines.engines.EngineOptions`); None for a run that scored
    nothing (``ingest``, ``aggregate``) or settings that are not JSON."""
    try:
        engine = json.loads(settings)["score"]["engine"]
        name = engine["name"]
    except (TypeError, ValueError, KeyError):
        return None
    if name != "dask":
        return str(name)
    where = engine.get("scheduler") or count_label(int(engine.get("n_workers") or 0), "local worker")
    return f"dask, {where}"


def unused_categories_text(df: pd.DataFrame, label=str) -> str:
    """`` · no mention of hyperbole in this selection (its column reads 0)`` for the categories of an outlets ×
    categories frame (``category``, ``n_mentions``) that no selected outlet uses, named by *label*; ``""``
    when every category is used. A column of zeros then has its reason beside the chart."""
    if df is None or df.empty:
        return ""
    totals = df.groupby("category", sort=True)["n_mentions"].sum()
    unused = [label(c) for c in totals.index[totals == 0]]
    if not unused:
        return ""
    return (f" · no mention of {', '.join(unused)} in this selection "
            f"({'its column reads' if len(unused) == 1 else 'their columns read'} 0)")


def uncertain_text(df: pd.DataFrame, measure: str = "rate") -> str:
    """The grey rule of the outlets × categories heatmap as a caption sentence, with how many cells it greys
    and the colour scale's top (:func:`dashboard.charts.uncertain_cells`); ``""`` for an empty frame."""
    from .charts import MEASURES, UNCERTAIN_SCALE_SHARE, uncertain_cells

    if df is None or df.empty:
        return ""
    uncertain, top = uncertain_cells(df, measure)
    scale = f"0 to {top:.0%}" if measure == "share" else f"0 to {top:.2f} {MEASURES[measure][3]}"
    wider = f"wider than {'half' if UNCERTAIN_SCALE_SHARE == 0.5 else f'{UNCERTAIN_SCALE_SHARE:.0%} of'} the colour scale ({scale})"
    n_text = "Under each outlet, its n: articles, and words in the chosen voice (every cell's denominators)."
    n = int(uncertain.sum())
    if not n:
        return f"{n_text} A cell whose 95 % interval is {wider} would be grey (none here)."
    cells = "1 cell whose 95 % interval is" if n == 1 else f"{n:,} cells whose 95 % intervals are"
    return (f"{n_text} Grey: {cells} {wider}, so a colour would claim more than the n supports; "
            f"{'it reads its' if n == 1 else 'each reads its'} value with the interval under it.")


def count_label(n: int, noun: str, plural: str | None = None) -> str:
    """``"1 article"`` / ``"3 articles"`` with thousands separators."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def article_list_text(n_shown: int, n_selected: int) -> str:
    """How many of the selected articles the list shows, e.g.
    ``"Showing the 500 with the most mentions of 2,400 selected articles"``.

    *n_selected* comes from a count query (:func:`pipelines.rollups.article_count`), never
    from the length of the truncated list.
    """
    if n_shown >= n_selected == 1:
        return "The 1 selected article"
    if n_shown >= n_selected:
        return f"All {count_label(n_selected, 'selected article')}, most mentions first"
    return f"Showing the {n_shown:,} with the most mentions of {count_label(n_selected, 'selected article')}"


def gaps_text(gaps: pd.DataFrame, limit: int = 4) -> str:
    """A short sentence naming the gaps of a trend frame (see :func:`gap_rows`)."""
    if gaps.empty:
        return "no gaps"
    items = [f"{o} {pd.Timestamp(p):%Y-%m-%d} ({s})" for o, p, s in
             zip(gaps["outlet"], gaps["period"], gaps["status"])]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return (count_label(len(items), "gap") + " (no articles; drawn as a break, not a zero): "
            + "; ".join(items[:limit]) + more)


def with_placeholders(df: pd.DataFrame, columns, placeholder: str = PLACEHOLDER) -> pd.DataFrame:
    """A copy of *df* whose missing cells in the named text *columns* read *placeholder*.

    For display only: ``st.dataframe`` shows a grey "None" for a missing string, which reads
    as a speaker or title called None. Downloads are built from the untouched frame.
    """
    out = df.copy()
    for col in columns:
        if col in out.columns:
            out[col] = out[col].astype("string").fillna(placeholder)
    return out


def shown_table(df: pd.DataFrame, as_text: dict | None = None, placeholder: str = PLACEHOLDER) -> pd.DataFrame:
    """A copy of *df* as ``st.dataframe`` shows it, with no cell that reads "None": *placeholder* instead.

    Streamlit draws a grey "None" in every missing cell, whatever the column's type (text, number, date);
    it has no setting for it. Text columns (``string`` or ``object``) get *placeholder* in their missing
    cells. A number or date column can hold only its own type, so a column of those that may miss values
    is named in *as_text*: its cells become text, each written by the function given for it
    (``{"first_day": "{:%Y-%m-%d}".format}``), and its column config must then be a text column.
    Downloads are built from the untouched frame.

    Parameters
    ----------
    df : DataFrame of shape (n_rows, n_columns); not modified. Column types other than text and those
        named in *as_text* are kept (a missing value there still reads "None": name the column).
    as_text : column -> function of one present value returning its text; columns *df* lacks are ignored.

    Returns
    -------
    DataFrame of the same shape and column order.
    """
    out = df.copy()
    for col, write in (as_text or {}).items():
        if col in out.columns:
            out[col] = pd.array([placeholder if pd.isna(v) else write(v) for v in out[col]], dtype="string")
    text = [c for c in out.columns if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype)]
    return with_placeholders(out, text, placeholder)


def article_table(df: pd.DataFrame) -> pd.DataFrame:
    """The typed article list as shown: :data:`ARTICLE_COLUMNS`, the publication time as :func:`when_text`
    (the day alone at 00:00), a dash for a missing title (pass the list through :func:`shown_titles` first to
    show the start of its text instead) and an empty Link cell (not a grey "None") for an article with no usable
    web address.

    Parameters
    ----------
    df : the article list after :func:`with_safe_urls` and :func:`typed_table`; not modified.
    """
    shown = with_placeholders(df[ARTICLE_COLUMNS], ["title"])
    shown["published_at"] = pd.array([when_text(v) for v in shown["published_at"]], dtype="string")
    return with_placeholders(shown, ["url", "published_at"], placeholder="")


def partial_text(df: pd.DataFrame) -> str:
    """A caption sentence on the partial periods of a trend frame (``partial``, ``covered_from``,
    ``covered_to``), or ``""`` when every period is whole."""
    if df.empty or "partial" not in df.columns or not df["partial"].any():
        return ""
    part = df.loc[df["partial"].astype(bool)].drop_duplicates("period").sort_values("period")
    spans = [f"{a:%Y-%m-%d} to {b:%Y-%m-%d}" for a, b in zip(part["covered_from"], part["covered_to"])]
    return ("Hollow markers and pale bars: partial periods, only partly inside the dates ("
            + "; ".join(spans) + "), so they hold fewer days than the others.")


def panels_text(df: pd.DataFrame, hidden: str = "bands",
                grey: str = "sums divided, its band with Pool selected outlets") -> str:
    """The caption sentence of a trend drawn as one panel per outlet: on Trends (the defaults; drawn so when
    :func:`dashboard.charts.uses_panels`) and on Word choice (``hidden="lines"``,
    ``grey=``:data:`dashboard.pair_charts.PANELS_GREY`; :func:`dashboard.pair_charts.draws_panels`).

    Parameters
    ----------
    df : the trend frame drawn, one row per outlet and period.
    hidden : what of the outlets would hide each other in one chart.
    grey : how the grey line of all selected outlets is made, said in brackets after it.
    """
    from .charts import MAX_OVERLAID

    n = df["outlet"].nunique()
    return (f"One panel per outlet: {n} outlets' {hidden} in one chart hide each other. Every panel has the same "
            f"axes; the grey line is all selected outlets together ({grey}). Choose up to {MAX_OVERLAID} outlets in "
            "the sidebar to draw them in one chart.")


def clip_text(clipped: dict[str, int]) -> str:
    """A caption sentence on what lies above the trend's y axis (:func:`dashboard.charts.clipped_counts`; the rule
    is :func:`dashboard.charts.interval_drawing`)."""
    parts = []
    if clipped.get("intervals"):
        n = clipped["intervals"]
        parts.append(f"the 95% interval{'' if n == 1 else 's'} of {count_label(n, 'point')} resting on little "
                     f"text {'runs' if n == 1 else 'run'} past its top: dashed up to the edge, with an open ^ where "
                     f"{'it goes' if n == 1 else 'they go'} on, never shaded")
    if clipped.get("points"):
        n = clipped["points"]
        parts.append(f"{count_label(n, 'value')} above the axis {'is' if n == 1 else 'are'} drawn as "
                     f"{'a triangle' if n == 1 else 'triangles'} on its top edge")
    return ("The y axis fits the lines: " + "; ".join(parts) + ". Hover for the value and the whole interval; "
            "the CSV has every value.") if parts else ""


def wire_text(filters) -> str:
    """The state of the "Republished copies" filter for a caption: ``"wire copies included"`` (every copy),
    ``"each story counted once"`` (first copies only) or ``"wire copies excluded"``."""
    copies = filters.copies if filters is not None else "every"
    return {"once": "each story counted once", "none": "wire copies excluded"}.get(copies, "wire copies included")


def copies_text(n_clustered: int, n_stories: int, n_first: int, n_later: int, n_own: int = 0) -> str:
    """What the clustered articles are, so two counts of copies read as parts of one whole, e.g.
    ``"329 articles in 161 stories with near-identical copies: 161 first copies and 168 later copies of
    another outlet's text"`` (``", … and 3 repeats of an outlet's own text"`` when *n_own*).

    Parameters
    ----------
    n_clustered : articles in a cluster of near-identical texts (``article_clusters``), ``n_first +
        n_later + n_own``.
    n_stories : their clusters.
    n_first : each cluster's first copy (the earliest published), when it is among them.
    n_later : later copies whose first copy is at another outlet (the Republication page's copies).
    n_own : later copies at the outlet of the first copy (an outlet repeating its own text).
    """
    if not n_clustered:
        return "no near-identical copies"
    parts = [count_label(n_first, "first copy", "first copies"),
             count_label(n_later, "later copy of another outlet's text", "later copies of another outlet's text")]
    if n_own:
        parts.append(count_label(n_own, "repeat of an outlet's own text", "repeats of an outlet's own text"))
    return (f"{count_label(n_clustered, 'article')} in {count_label(n_stories, 'story', 'stories')} with "
            f"near-identical copies: {', '.join(parts[:-1])} and {parts[-1]}")


def store_copies_text(summary: dict) -> str:
    """:func:`copies_text` of the whole store (:func:`dashboard.loaders.load_store_summary`), with its wire
    copies: ``"…; all 329 are wire copies (first copies included)"``, or ``"…; 12 of them are …"``."""
    n, n_wire = summary.get("n_clustered", 0), summary.get("n_syndicated", 0)
    text = copies_text(n, summary.get("n_clusters", 0), summary.get("n_first_copies", 0),
                       summary.get("n_later_copies", 0), summary.get("n_own_repeats", 0))
    if not n:
        return text
    if not n_wire:
        return f"{text}; none is a wire copy"
    wire = ("it is a" if n == 1 else f"all {n:,} are") if n_wire == n else f"{n_wire:,} of them {'is a' if n_wire == 1 else 'are'}"
    return f"{text}; {wire} wire cop{'y' if n_wire == 1 else 'ies'} (first copies included)"
