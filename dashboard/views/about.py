"""About the data: runs, rejects, outlets, lexicon categories and the method notes."""

import streamlit as st

from dashboard import charts, exports, frame_loaders, loaders, notes, tables
from dashboard.context import page_context
from pipelines.evaluate import read_validation, validation_display, validation_table
from pipelines.incremental import VERSION_COLUMNS

ctx = page_context(require_selection=False)


def _count(label: str, **kw):
    """A count column with thousands separators (1,427, not 1427)."""
    return st.column_config.NumberColumn(label, format="localized", **kw)


st.title("About the data")
about = loaders.load_about(ctx.path, ctx.version)
s = ctx.summary
st.caption(f"Store: {s['n_articles']:,} articles from {len(s['outlets'])} outlets, "
           f"{s['first_day'] or '?'} to {s['last_day'] or '?'} · lexicon version {ctx.lexicon_version} · frame lexicon "
           f"version {frame_loaders.load_frame_meta(ctx.path, ctx.version)['version'] or 'none'}. "
           "The sidebar filters do not apply on this page.")
st.caption(f"In the whole store, {tables.store_copies_text(s)}. The Republication page counts the same for "
           "the articles the sidebar selects (dated ones only).")

st.subheader("Runs")
runs, _ = tables.typed_table(about["runs"], {"started_at": "datetime", "n_input": "int", "n_ingested": "int",
                                             "n_duplicates": "int", "n_rejected": "int", "n_mentions": "int",
                                             "elapsed_s": "float", "frame_threshold": "int"})
st.dataframe(runs, hide_index=True, key="runs_table", column_order=[  # counts first, identifiers last
    "started_at", "stage", "n_input", "n_ingested", "n_duplicates", "n_rejected", "n_mentions", "elapsed_s",
    "lexicon_version", *VERSION_COLUMNS, "code_version", "run_id"], column_config={
    "started_at": st.column_config.DatetimeColumn("Started (UTC)", format="YYYY-MM-DD HH:mm"),
    "stage": "Stage", "run_id": "Run id", "code_version": "Code version", "lexicon_version": "Lexicon version",
    "pairs_version": "Pairs version", "topics_version": "Topics version", "frames_version": "Frame lexicon version",
    "frame_threshold": "Frame threshold", "targets_version": "Targets version",
    "n_input": _count("Records in"), "n_ingested": _count("Ingested"), "n_duplicates": _count("Duplicates"),
    "n_rejected": _count("Rejected"), "n_mentions": _count("Mentions"),
    "elapsed_s": st.column_config.NumberColumn("Seconds", format="%.1f")})

st.subheader("Rejected records")
rejects, _ = tables.typed_table(about["rejects"], {"n_records": "int", "n_files": "int"})
if rejects.empty:
    st.caption("No records were rejected.")
else:
    st.dataframe(rejects, hide_index=True, key="rejects_table", column_config={
        "reason": "Reason", "n_records": _count("Records"), "n_files": _count("Files"), "example_detail": "Example"})
    st.download_button("Download rejects summary (CSV)", data=exports.to_csv_bytes(about["rejects"]),
                       file_name="framewatch-rejects.csv", mime="text/csv", on_click="ignore",
                       key="dl_rejects", icon=":material/download:")

st.subheader("Feeds")
feeds, _ = tables.typed_table(about["feeds"], {"last_checked": "datetime", "n_items_last": "int",
                                               "n_new_last": "int", "n_articles": "int", "ok": "bool"})
if feeds.empty:
    st.caption("No feed was collected into this store (`framewatch collect`).")
else:
    n_failed = int((~about["feeds"]["ok"].astype(bool)).sum())
    st.caption(f"{len(feeds)} feeds read by `framewatch collect`; "
               f"{tables.count_label(n_failed, 'feed')} failed at the last check (listed first; "
               "their items are retried at the next collect).")
    st.dataframe(feeds, hide_index=True, key="feeds_table", column_order=[
        "ok", "outlet", "last_checked", "last_status", "n_new_last", "n_items_last", "n_articles", "last_error",
        "feed_url"], column_config={
        "ok": "OK", "outlet": "Outlet", "feed_url": "Feed", "last_status": "Last answer", "last_error": "Error",
        "last_checked": st.column_config.DatetimeColumn("Last checked (UTC)", format="YYYY-MM-DD HH:mm"),
        "n_new_last": "New then", "n_items_last": "Items in feed", "n_articles": "Articles stored"})

st.subheader("Outlets")
outlets, _ = tables.typed_table(about["outlets"], {"n_articles": "int", "n_dated": "int", "in_registry": "bool",
                                                   "first_day": "datetime", "last_day": "datetime"})
st.dataframe(outlets, hide_index=True, key="outlets_table", column_config={
    "outlet": "Outlet", "type": "Registry type", "country": "Country", "in_registry": "In registry",
    "n_articles": _count("Articles"), "n_dated": _count("Dated"),
    "first_day": st.column_config.DateColumn("First day", format="YYYY-MM-DD"),
    "last_day": st.column_config.DateColumn("Last day", format="YYYY-MM-DD")})

st.subheader("Lexicon categories")
cats, _ = tables.typed_table(about["categories"], {"n_terms": "int", "n_mentions": "int"})
st.dataframe(cats.assign(category=cats["category"].map(charts.category_label)), hide_index=True,
             key="categories_table", column_config={   # the label the sidebar and the charts give the category
    "category": "Category", "n_terms": _count("Terms", help="Lexicon terms, ignored ones left out"),
    "n_mentions": _count("Mentions (all voices)", help="Mentions in the whole store: the outlet's own words, "
                                                      "quotations and reported speech")})

st.subheader("How each measure is computed")
st.markdown(notes.ALL_NOTES)

st.subheader("Validation against gold sets")
report = read_validation()
if report is None:
    st.caption("No validation report yet: `framewatch evaluate --corpora ../shared/corpora` writes "
               "docs/validation.md and the figures shown here.")
else:
    st.caption(f"From docs/validation.md, written by `framewatch evaluate` on {report['generated_at'][:10]} "
               f"(framewatch {report['code_version']}, lexicon version {report['lexicon_version']}). Precision: "
               "share of hits on an annotated word or span, or of articles given a frame that carry it in the gold; "
               "recall: share of annotated words, spans or framed articles found; 95 % Wilson intervals, "
               "bootstrap intervals for F1.")
    st.markdown(notes.validated("lexicon", ctx.lexicon_version)
                + notes.validated("frames", frame_loaders.load_frame_meta(ctx.path, ctx.version)["version"]))
    figures = validation_table(report)
    st.dataframe(validation_display(figures), hide_index=True, key="validation_table",
                 height=35 * (len(figures) + 1) + 3, column_config={
                     "gold_set": "Gold set", "compared": "Compared", "items": "Items",
                     "n_gold": st.column_config.NumberColumn("Gold", format="localized"),
                     "n_predicted": st.column_config.NumberColumn("Predicted", format="localized"),
                     "precision": "Precision (95 % CI)", "recall": "Recall (95 % CI)", "f1": "F1 (95 % CI)"})
    st.download_button("Download validation figures (CSV)", data=exports.to_csv_bytes(figures),
                       file_name="framewatch-validation.csv", mime="text/csv", on_click="ignore",
                       key="dl_validation", icon=":material/download:")
