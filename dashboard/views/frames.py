"""Frames: each outlet's share of articles using a Media Frames Corpus frame, over time and overall."""

import pandas as pd
import streamlit as st

from dashboard import charts, evidence, exports, frame_charts, frame_loaders, links, loaders, notes, render, tables
from dashboard.context import page_context
from dashboard.undated import show_undated
from pipelines.frame_model import coverage_warning
from pipelines.frames import FRAMES

METHOD_LABELS = {"lexicon": "Frame lexicon", "model": "Trained model"}
VOICE_WORDS = {"outlet": "in the outlet's own words", "quoted": "in direct quotations",
               "attributed": "in reported speech", "all": "in every voice"}

ctx = page_context()
st.title("Frames")
meta = frame_loaders.load_frame_meta(ctx.path, ctx.version)
if not meta["methods"]:
    st.info("This store has no frame scores: it was scored before frames were measured. Rescore it with "
            "`framewatch score --store PATH` and reload this page.")
    st.stop()

c1, c2 = st.columns([3, 2])
method = c2.radio("Method", meta["methods"], format_func=METHOD_LABELS.__getitem__, horizontal=True,
                  key="frames_method")
scored = meta["frames"][method]            # the model scores only the frames it was trained on
if st.session_state.get("frames_frame") not in scored:
    st.session_state.pop("frames_frame", None)
frame = c1.selectbox("Frame", scored, format_func=FRAMES.__getitem__, key="frames_frame",
                     help=None if method == "lexicon" else "Only the frames the trained model scores.")
if method == "lexicon":
    how = f"an article uses a frame at ≥ {meta['threshold']} frame-lexicon tokens {VOICE_WORDS[ctx.filters.voice]}"
    version = f"frame lexicon version {meta['version'] or 'unknown'}"
    note = notes.FRAMES_NOTE + notes.validated("frames", meta["version"])
else:
    unscored = [FRAMES[f] for f in FRAMES if f not in scored]
    how = ("frames decided by the trained model from whole texts (the voice filter does not apply to the model)"
           + (f"; not scored by the model: {', '.join(unscored)}" if unscored else ""))
    version = notes.model_facts(meta["model_card"])
    note = notes.FRAMES_MODEL_NOTE + "\n\n**This store's model:** " + version + "."
    n_covered, n_articles = (meta["model_card"] or {}).get("coverage") or (None, None)
    if n_covered is not None and n_covered < n_articles:  # model file gone or changed since `frames apply`
        st.warning(coverage_warning(n_covered, n_articles, (meta["model_card"] or {}).get("model_file") or "MODEL")
                   + ": until then the model's counts leave those articles out.")

trend = frame_loaders.load_frame_trend(ctx.path, ctx.version, ctx.key, ctx.granularity, frame, method)
matrix = frame_loaders.load_frame_matrix(ctx.path, ctx.version, ctx.key, method)
undated = loaders.load_undated(ctx.path, ctx.version, ctx.key)
n_articles = int(matrix.drop_duplicates("outlet")["n_articles"].sum()) if len(matrix) else 0
n_using = int(matrix.loc[matrix["frame"] == frame, "n_articles_with_frame"].sum()) if len(matrix) else 0
common = (f"{how} · {tables.wire_text(ctx.filters)} · {tables.count_label(undated, 'undated article')} left out · "
          f"{version}")
caption = (f"n = {tables.count_label(n_articles, 'scored article')}, "
           f"{tables.count_label(n_using, 'article')} using “{FRAMES[frame]}” · {common}")

st.subheader(f"{FRAMES[frame]} over time")
fig = frame_charts.frame_trend_chart(trend, FRAMES[frame])
event = st.plotly_chart(fig, key="frames_trend_chart", on_select="rerun", selection_mode="points")
gaps = tables.gap_rows(trend)
st.caption(caption + (f" · {tables.gaps_text(gaps.assign(outlet=gaps['outlet'].map(render.md_escape)))}"
                      if len(trend) else ""))
if tables.partial_text(trend):
    st.caption(tables.partial_text(trend).replace("Hollow markers and pale bars", "Hollow points"))
with st.expander("How this is measured"):
    st.markdown(note)
trend_rows = trend.drop(columns=["covered_from", "covered_to"], errors="ignore").assign(
    period=pd.to_datetime(trend["period"]).dt.strftime("%Y-%m-%d"), method=method)
st.download_button("Download chart data (CSV)", data=exports.to_csv_bytes(trend_rows),
                   file_name=f"framewatch-frame-{frame}-{ctx.granularity}.csv", mime="text/csv",
                   on_click="ignore", key="dl_frames_trend", icon=":material/download:")
show_undated(ctx, undated)

cells = trend[trend["n_articles_with_frame"] > 0].sort_values(["period", "outlet"])
if method == "model":
    st.caption("The model has no tokens to show: the Concordance lists this frame's lexicon tokens in the cell's "
               "articles that use it by the lexicon.")
if cells.empty:
    st.info(f"No article in this selection uses “{FRAMES[frame]}”, so there are no lines to show.")
else:
    labels = [f"{p:%Y-%m-%d} · {o} · {k} of {n} articles" for p, o, k, n in
              zip(pd.to_datetime(cells["period"]), cells["outlet"], cells["n_articles_with_frame"],
                  cells["n_articles"])]
    cells = cells.reset_index(drop=True)
    evidence.follow_click("frames_trend_cell", evidence.clicked_trace_cell(fig, event.selection, cells),
                          event.selection)
    i = st.selectbox(f"Chart cell ({ctx.granularity} starting; or click a point)", range(len(cells)),
                     format_func=labels.__getitem__, key="frames_trend_cell")
    cell = cells.iloc[i]
    f = ctx.filters
    start = max(d for d in (pd.Timestamp(cell["period"]).date(), f.start) if d is not None)
    end = min(d for d in (charts.period_end(cell["period"], ctx.granularity).date(), f.end) if d is not None)
    links.concordance_link("frame", key=frame, outlet=cell["outlet"], start=start, end=end)

st.subheader("Outlets × frames")
h1, h2 = st.columns([3, 2])
n_outlets = int(matrix.loc[matrix["n_articles"] > 0, "outlet"].nunique()) if len(matrix) else 0
if n_outlets > 1:
    colour = h1.radio("Colour", list(frame_charts.COLOUR_BY), format_func=frame_charts.COLOUR_BY.__getitem__,
                      horizontal=True, key="frames_colour",
                      help="The cells read each outlet's share either way. The difference shows, frame by frame, "
                           "which outlets use a frame more or less often than all selected outlets together; one "
                           "scale of shares is dominated by the most used frame.")
else:   # one outlet is the whole selection: its difference from it is 0 in every cell, a white chart
    colour = "share"
    h1.caption("Colour: the share of articles (one outlet selected: its difference from all selected outlets "
               "would be 0 in every cell).")
min_articles = h2.number_input("Colour outlets with at least … articles", min_value=1, max_value=100_000,
                               value=frame_charts.MIN_COLOUR_ARTICLES, step=1, key="frames_min_articles",
                               help="Outlets with fewer articles in the selection get grey cells: one article moves "
                                    "their shares by many points.")
matrix = frame_charts.frame_differences(matrix, int(min_articles))
matrix_fig = frame_charts.frame_heatmap_chart(matrix, colour, int(min_articles))
matrix_event = st.plotly_chart(matrix_fig, key="frames_matrix_chart", on_select="rerun", selection_mode="points")
n_few = int(matrix.loc[matrix["few_articles"] & (matrix["n_articles"] > 0), "outlet"].nunique())
st.caption(f"n = {tables.count_label(n_articles, 'scored article')} · each cell: the share of the outlet's articles "
           f"using the frame, with k/n · {common}")
st.caption(frame_charts.heatmap_colour_text(colour, int(min_articles), n_few))
st.download_button("Download heatmap data (CSV)", data=exports.to_csv_bytes(matrix.assign(method=method)),
                   file_name="framewatch-outlets-frames.csv", mime="text/csv", on_click="ignore",
                   key="dl_frames_matrix", icon=":material/download:")
used = matrix[(matrix["n_articles_with_frame"] > 0) & (matrix["frame"] != "other")]
if used.empty:
    st.info("No article in this selection uses a frame other than “Other”, so there are no lines to show.")
else:
    labels = [f"{o} · {FRAMES[fr]} · {k} of {n} articles" for o, fr, k, n in
              zip(used["outlet"], used["frame"], used["n_articles_with_frame"], used["n_articles"])]
    used = used.reset_index(drop=True)
    evidence.follow_click("frames_matrix_cell", evidence.clicked_heatmap_cell(
        matrix_fig, matrix_event.selection, used, "outlet", "frame"), matrix_event.selection,
        evidence.clicked_cell_name(matrix_fig, matrix_event.selection))
    j = st.selectbox("Heatmap cell (outlet · frame; or click a cell)", range(len(used)),
                     format_func=labels.__getitem__, key="frames_matrix_cell")
    cell = used.iloc[j]
    links.concordance_link("frame", key=cell["frame"], outlet=cell["outlet"], start=ctx.filters.start,
                           end=ctx.filters.end)
