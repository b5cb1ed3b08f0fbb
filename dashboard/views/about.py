"""About the data: runs, rejects, outlets, lexicon categories and the method notes."""

import streamlit as st

from dashboard import charts, exports, frame_loaders, loaders, notes, tables
from dashboard.context import page_context
from pipelines.evaluate import read_validation, validation_display, validation_table

# Two runs tables, each fitting the main column of a 1,400-pixel window (about 940 pixels beside the sidebar)
# so neither scrolls sideways: which run, when, where it scored and its counts; then the versions of the
# definitions each run scored with. Each column is as wide as its longest text (tables.fitted_widths), so a long
# value (an engine "dask, 2 local workers") is whole. The run id is left to the download: it repeats the start
# time (20261201T061503Z-a1b2c3), and its 170 pixels pushed the table past the page on some start times.
# (Comments, not strings: Streamlit's magic would write a string on the page.)
RUN_COLUMNS = ["started_at", "stage", "engine", "n_input", "n_ingested", "n_duplicates", "n_rejected", "n_mentions",
               "n_name_hits", "elapsed_s"]
VERSION_TABLE_COLUMNS = ["started_at", "lexicon_version", "pairs_version", "topics_version", "frames_version",
                         "frame_threshold", "targets_version", "rules_version", "code_version"]
VALIDATION_ROW_HEIGHT = 66   # Streamlit wraps a cell's text only in rows taller than 64 px
RUN_LABELS = {"started_at": "Started (UTC)", "stage": "Stage", "engine": "Engine", "n_input": "Records in",
              "n_ingested": "Ingested", "n_duplicates": "Duplicates", "n_rejected": "Rejected",
              "n_mentions": "Mentions", "n_name_hits": "In names", "elapsed_s": "Seconds", "lexicon_version": "Lexicon",
              "pairs_version": "Word-choice pairs", "topics_version": "Topic queries",
              "frames_version": "Frame lexicon",
              "frame_threshold": "Threshold", "targets_version": "Targets", "rules_version": "Rules",
              "code_version": "Code"}
COUNT_TEXT = "{:,}".format         # a count as format="localized" shows it (English locale)
RUN_TEXT = {"started_at": "{:%Y-%m-%d %H:%M}".format, "elapsed_s": "{:.1f}".format, "frame_threshold": "{:d}".format,
            **dict.fromkeys(["n_input", "n_ingested", "n_duplicates", "n_rejected", "n_mentions", "n_name_hits"],
                            COUNT_TEXT)}
RULES_HELP = ("Version of the scoring rules: the code that applies the definitions (matching, names, voice, "
              "datelines ...; its changelog is in pipelines/rules.py). A collect under other rules scores every "
              "article again; —: the run scored nothing, or the store predates the column (unknown rules)")
NAME_HITS_HELP = ("Lexicon hits left out as parts of proper names ('Thug' in 'Young Thug': a lower-case term "
                  "capitalised inside a name) in the articles the run scored; the download gives them by term "
                  "(name_hit_terms), and framewatch explain lists an article's; None: the run scored nothing, or "
                  "the store predates the column")
ENGINE_HELP = ("Where the run scored: local, or a Dask cluster (its scheduler, or the local workers it started); "
               "— for a run that scored nothing")


ctx = page_context()


def _count(label: str, **kw):
    """A count column with thousands separators (1,427, not 1427)."""
    return st.column_config.NumberColumn(label, format="localized", **kw)


def _text(label: str, **kw):
    return st.column_config.TextColumn(label, **kw)


def _sized(config: dict, widths: dict) -> dict:
    """*config* with each column's width in *widths*."""
    return {column: {**c, "width": widths[column]} for column, c in config.items()}


st.title("About the data")
about = loaders.load_about(ctx.path, ctx.version)
s = ctx.summary
st.caption(f"Store: {tables.count_label(s['n_articles'], 'article')} from "
           f"{tables.count_label(len(s['outlets']), 'outlet')}, {s['first_day'] or '?'} to {s['last_day'] or '?'} "
           f"· lexicon version {ctx.lexicon_version} · frame lexicon "
           f"version {frame_loaders.load_frame_meta(ctx.path, ctx.version)['version'] or 'none'}. "
           "The sidebar filters do not apply on this page.")
st.caption(f"In the whole store, {tables.store_copies_text(s)}. The Republication page counts the same for "
           "the articles the sidebar selects (dated ones only).")

st.subheader("Runs")
runs, _ = tables.typed_table(about["runs"], {"started_at": "datetime", "n_input": "int", "n_ingested": "int",
                                             "n_duplicates": "int", "n_rejected": "int", "n_mentions": "int",
                                             "n_name_hits": "int", "elapsed_s": "float", "frame_threshold": "int"})
runs = tables.shown_table(runs)   # "—", not "None", in an empty text cell; counts stay numbers, so they sort as such
L = RUN_LABELS
widths = {table: tables.fitted_widths(runs, {c: L[c] for c in columns}, RUN_TEXT)   # each table fits on its own
          for table, columns in (("runs", RUN_COLUMNS), ("versions", VERSION_TABLE_COLUMNS))}
STARTED = st.column_config.DatetimeColumn(L["started_at"], format="YYYY-MM-DD HH:mm")
# Two tables that fit the page, both a row per run, latest first: what each run did, then what it scored with.
st.dataframe(runs, hide_index=True, key="runs_table", column_order=RUN_COLUMNS, column_config=_sized({
    "started_at": STARTED, "stage": _text(L["stage"]), "engine": _text(L["engine"], help=ENGINE_HELP),
    **{c: _count(L[c]) for c in ("n_input", "n_ingested", "n_duplicates", "n_rejected", "n_mentions")},
    "n_name_hits": _count(L["n_name_hits"], help=NAME_HITS_HELP),
    "elapsed_s": st.column_config.NumberColumn(L["elapsed_s"], format="%.1f")}, widths["runs"]))
st.dataframe(runs, hide_index=True, key="run_versions_table", column_order=VERSION_TABLE_COLUMNS,
             column_config=_sized({
    "started_at": STARTED,
    **{c: _text(L[c]) for c in ("lexicon_version", "pairs_version", "topics_version", "frames_version",
                                "targets_version")},
    "frame_threshold": st.column_config.NumberColumn(
        L["frame_threshold"], format="%d", help="Frame threshold: frame-lexicon tokens an article needed to use a "
                                                "frame; None: the run scored nothing"),
    "rules_version": _text(L["rules_version"], help=RULES_HELP),
    "code_version": _text(L["code_version"], help="framewatch version")}, widths["versions"]))
st.caption("Versions are content hashes of the definitions a run scored with, and Rules the version of the scoring "
           "rules that applied them (—: the run scored nothing, or the store predates the column). The download has "
           "every column of every run, with its run id, settings and warnings as stored (JSON).")
st.download_button("Download runs (CSV)", data=exports.to_csv_bytes(about["runs"]), file_name="framewatch-runs.csv",
                   mime="text/csv", on_click="ignore", key="dl_runs", icon=":material/download:")

st.subheader("Rejected records")
rejects, _ = tables.typed_table(about["rejects"], {"n_records": "int", "n_files": "int"})
if rejects.empty:
    st.caption("No records were rejected.")
else:
    st.dataframe(tables.shown_table(rejects), hide_index=True, key="rejects_table", column_config={
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
    # a feed that failed at its first request has no answer or error text yet ("—"), nor item counts (None)
    feeds = tables.shown_table(feeds)
    st.dataframe(feeds, hide_index=True, key="feeds_table", column_order=[
        "ok", "outlet", "last_checked", "last_status", "n_new_last", "n_items_last", "n_articles", "last_error",
        "feed_url"], column_config={
        "ok": "OK", "outlet": "Outlet", "feed_url": "Feed", "last_status": "Last answer", "last_error": "Error",
        "last_checked": st.column_config.DatetimeColumn("Last checked (UTC)", format="YYYY-MM-DD HH:mm"),
        "n_new_last": _count("New then", help="Items new to the store at the last check; None: no answer yet"),
        "n_items_last": _count("Items in feed", help="Items the feed listed at the last check; None: no answer yet"),
        "n_articles": _count("Articles stored")})

st.subheader("Outlets")
outlets, _ = tables.typed_table(about["outlets"], {"n_articles": "int", "n_dated": "int", "in_registry": "bool",
                                                   "first_day": "datetime", "last_day": "datetime"})
# An outlet outside the registry has no type or country, one with only undated articles no first or last day:
# "—" (ISO days as text sort as dates do).
outlets = tables.shown_table(outlets, as_text={"first_day": "{:%Y-%m-%d}".format, "last_day": "{:%Y-%m-%d}".format})
st.dataframe(outlets, hide_index=True, key="outlets_table", column_config={
    "outlet": "Outlet", "type": "Registry type", "country": "Country", "in_registry": "In registry",
    "n_articles": _count("Articles"), "n_dated": _count("Dated"),
    "first_day": _text("First day"), "last_day": _text("Last day")})

st.subheader("Lexicon categories")
cats, _ = tables.typed_table(about["categories"], {"n_terms": "int", "n_mentions": "int"})
st.dataframe(tables.shown_table(cats.assign(category=cats["category"].map(charts.category_label))), hide_index=True,
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
    st.dataframe(tables.shown_table(validation_display(figures)), hide_index=True, key="validation_table",
                 # fixed widths that fit beside the sidebar; rows tall enough (> 64 px) for long labels to wrap
                 row_height=VALIDATION_ROW_HEIGHT, height=VALIDATION_ROW_HEIGHT * len(figures) + 38, column_config={
                     "gold_set": _text("Gold set", width=150), "compared": _text("Compared", width=214),
                     "items": _text("Items", width=92),
                     "n_gold": st.column_config.NumberColumn("Gold", format="localized", width=58),
                     "n_predicted": st.column_config.NumberColumn("Predicted", format="localized", width=72),
                     "precision": _text("Precision (95 % CI)", width=118), "recall": _text("Recall (95 % CI)", width=118),
                     "f1": _text("F1 (95 % CI)", width=110)})
    st.download_button("Download validation figures (CSV)", data=exports.to_csv_bytes(figures),
                       file_name="framewatch-validation.csv", mime="text/csv", on_click="ignore",
                       key="dl_validation", icon=":material/download:")
