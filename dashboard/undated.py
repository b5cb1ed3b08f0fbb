"""The undated articles a page leaves out: which they are and why, in an expander under its caption."""

from __future__ import annotations

import streamlit as st

from pipelines.dates import undated_reasons_text

from . import loaders, tables

UNDATED_SCHEMA = {"article_id": "str", "source_file": "str", "source_row": "int", "outlet": "str", "title": "str",
                  "reason": "str", "date_note": "str"}
"""Types of the listed columns (:data:`pipelines.rollups.UNDATED_COLUMNS`)."""


def show_undated(ctx, n_undated: int, key: str = "undated") -> None:
    """Under a caption that says "N undated articles left out": an expander listing them (file, row,
    outlet, title, kind of reason, date note) with a CSV download. Nothing when *n_undated* is 0.

    The listing is :func:`dashboard.loaders.load_undated_articles` for the page's outlet, topic
    and wire-copy filters, the same articles :func:`pipelines.rollups.undated_count` counts. It is
    queried, drawn and offered for download only once the reader turns on the expander's toggle:
    Streamlit runs a collapsed expander's body too, and on a million-article store the table and
    its CSV cost every page about a second of first render (benchmarks/RESULTS.md, H.5).
    """
    if not n_undated:
        return
    with st.expander(f"{tables.count_label(n_undated, 'undated article')} left out: which, and why"):
        if not st.toggle("List them, with why each has no date", key=f"{key}_list"):
            st.caption("Turn on to list them here and download them (`framewatch rejects --undated` lists them too).")
            return
        listing, reasons = loaders.load_undated_articles(ctx.path, ctx.version, ctx.key)
        shown = ""
        if len(listing) > loaders.UNDATED_SHOWN:
            shown = f" The table shows the first {loaders.UNDATED_SHOWN:,}; the download has {len(listing):,}."
        if len(listing) < n_undated:
            shown += " `framewatch rejects --undated --out FILE.csv` writes all of them."
        st.caption(f"Kept in the store (their words count where no period is needed), but they cannot be placed in "
                   f"time: {undated_reasons_text(reasons)}. Row is the data row of the input file (the header not "
                   f"counted), the line of a JSON-lines file or the item of a feed.{shown}")
        typed, _ = tables.typed_table(listing.head(loaders.UNDATED_SHOWN), UNDATED_SCHEMA)
        typed = loaders.with_lead_titles(ctx.path, ctx.version, typed)     # untitled: its first words, marked
        cc = st.column_config
        # "—", not "None", for an empty note; the row stays a number, so it sorts as one (None for a feed item)
        st.dataframe(tables.shown_table(typed), hide_index=True,
                     key=f"{key}_table", column_config={
            "article_id": cc.TextColumn("Article id"), "source_file": cc.TextColumn("Input file"),
            "source_row": cc.NumberColumn("Row", format="%d", help="None: a feed item, which has no row"),
            "outlet": cc.TextColumn("Outlet"),
            "title": cc.TextColumn("Title", width="medium"), "reason": cc.TextColumn("Reason"),
            "date_note": cc.TextColumn("Date note", width="large")})
        st.download_button("Download undated articles (CSV)",
                           data=loaders.load_undated_csv(ctx.path, ctx.version, ctx.key),
                           file_name="framewatch-undated-articles.csv", mime="text/csv", on_click="ignore",
                           key=f"dl_{key}", icon=":material/download:")
