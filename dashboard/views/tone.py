"""Tone toward targets: sentence tone (VADER) of sentences naming a target, by outlet, period and voice."""

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import charts, evidence, exports, kwic, links, notes, tables, tone_charts, tone_loaders
from dashboard.context import page_context

ctx = page_context()
st.title("Tone toward targets")
totals = tone_loaders.load_target_totals(ctx.path, ctx.version, ctx.key)
gazetteer = tone_loaders.load_gazetteer_version(ctx.path, ctx.version)
if gazetteer is None:
    st.info("This store has no tone data yet: it was built before the tone stage existed. Rebuild it with "
            "`framewatch score --store PATH`.")
    st.stop()
if totals.empty:
    st.info("No sentence in this selection names a target of the gazetteer, so there is no tone to show.")
    st.stop()

c1, c2 = st.columns([3, 2])
names = totals["target"].tolist()
counts = dict(zip(totals["target"], totals["n_sentences"]))
MAX_TARGETS = 6
linked = links.url_choice("target", names, "tone_targets", many=MAX_TARGETS)      # a shared link's targets
chosen = c1.multiselect("Targets", names, default=None if linked else names[:3], key="tone_targets",
                        max_selections=MAX_TARGETS, format_func=lambda t: f"{t} ({counts[t]:,})",   # short chips
                        help="In brackets: sentences naming the target in this selection, in the chosen voice.",
                        on_change=links.write_choice, args=("target", "tone_targets", names))
tone_measures = list(tone_charts.TONE_MEASURES)
links.url_choice("tone_measure", tone_measures, "tone_measure")
measure = c2.radio("Measure", tone_measures, format_func=tone_charts.TONE_MEASURE_LABELS.get,
                   horizontal=True, key="tone_measure", on_change=links.write_choice,
                   args=("tone_measure", "tone_measure", tone_measures))
voice_text = f"voice: {ctx.filters.voice}"
version_text = f"targets gazetteer version {gazetteer}"     # tone uses no loaded-wording lexicon
conc_ok = (Path(__file__).parent / Path(links.CONCORDANCE_PAGE).name).exists()


def cell_evidence(cells: pd.DataFrame, key: str, by_period: bool, fig=None, event=None) -> None:
    """A selectbox of cells (or a click on a point of *fig*), the first lines of the chosen one and a link
    to all of them in the Concordance."""
    if cells.empty:
        st.info("No sentence names these targets here, so there are no lines to show.")
        return
    if event is not None:
        index = (tone_charts.clicked_tone_cell(fig, event.selection, cells) if by_period else
                 evidence.clicked_heatmap_cell(fig, event.selection, cells, "outlet", "target"))
        evidence.follow_click(key, index, event.selection, evidence.clicked_cell_name(fig, event.selection))
    label = ("Cell (target · outlet), most sentences first (or click a cell of the heatmap)" if not by_period
             else "Cell, most sentences first (or click a point of the chart)")
    i = st.selectbox(label, range(len(cells)), format_func=cells["label"].__getitem__, key=key)
    cell = cells.iloc[i]
    f = ctx.filters
    start = end = None
    if by_period:
        start = max(d for d in (pd.Timestamp(cell["period"]).date(), f.start) if d is not None)
        end = min(d for d in (charts.period_end(cell["period"], ctx.granularity).date(), f.end) if d is not None)
    lines = tone_loaders.load_tone_lines(ctx.path, ctx.version, ctx.key, cell["target"], cell["outlet"], start, end)
    st.markdown(kwic.kwic_html(lines), unsafe_allow_html=True)     # the Concordance's KWIC lines, escaped
    shown = f"the first {len(lines)} of {int(cell['n_sentences']):,} sentences" if cell["n_sentences"] > len(lines) \
        else f"all {len(lines)} sentences"
    st.caption(f"Showing {shown}; *Evidence of* is the target and the sentence's compound score; hover a cut "
               "context for all of it.")
    if conc_ok:
        links.concordance_link("target", key=cell["target"], outlet=cell["outlet"], start=start, end=end,
                               label="Open every line of this cell in the Concordance")


if not chosen:
    st.info("Choose at least one target.")
else:
    trend = tone_loaders.load_tone_trend(ctx.path, ctx.version, ctx.key, ctx.granularity, tuple(chosen))
    trend_fig = tone_charts.tone_trend_chart(trend, measure)
    trend_event = st.plotly_chart(trend_fig, key="tone_trend_chart", on_select="rerun", selection_mode="points")
    n_sent, n_arts = tone_loaders.load_naming_counts(ctx.path, ctx.version, ctx.key, tuple(chosen))
    st.caption(f"n = {n_sent:,} sentences naming {', '.join(chosen)} in the chosen voice ({voice_text}), "
               f"in {tables.count_label(n_arts, 'article')} (a sentence naming two of them counts for each) · "
               f"{tables.wire_text(ctx.filters)} · {version_text}")
    st.caption("Hollow point: fewer than two articles, or a 95 % interval wider than half the scale; its band "
               "is not drawn (it would cover the panel), the hover and the download give it. The axis fits the points "
               "with an interval; a hollow point beyond it is a triangle on its edge (hover for its value).")
    with st.expander("How this is measured"):
        st.markdown(notes.TONE_NOTE)
    st.download_button("Download chart data (CSV)",
                       data=exports.to_csv_bytes(trend.assign(period=pd.to_datetime(trend["period"]).dt.date)),
                       file_name=f"framewatch-tone-{ctx.granularity}.csv", mime="text/csv", on_click="ignore",
                       key="dl_tone_trend", icon=":material/download:")
    st.subheader("Evidence")
    cell_evidence(tone_charts.tone_cells(trend, measure, ctx.granularity), "tone_cell", True, trend_fig, trend_event)

st.subheader("Outlets × targets")
matrix = tone_loaders.load_tone_matrix(ctx.path, ctx.version, ctx.key)
min_sentences = int(st.columns([3, 2])[1].number_input(
    "Colour cells with at least … sentences", min_value=1, max_value=100_000,
    value=tone_charts.MIN_COLOUR_SENTENCES, step=1, key="tone_min_sentences",
    help="Cells with fewer sentences are grey: the mean tone of one to three sentences is as extreme as chance "
         "makes it. Their value and n are still printed."))
matrix_fig = tone_charts.tone_heatmap(matrix, measure, min_sentences)
matrix_event = st.plotly_chart(matrix_fig, key="tone_heatmap", on_select="rerun", selection_mode="points")
n_few = int(((matrix["n_sentences"] > 0) & (matrix["n_sentences"] < min_sentences)).sum()) if len(matrix) else 0
st.caption(f"n = {int(totals['n_sentences'].sum()):,} sentences naming a target ({voice_text}) · every target named "
           f"in the selection · each cell: the value and its n (sentences) · empty cell: the outlet never names the "
           f"target · {version_text}")
st.caption(tone_charts.tone_colour_text(min_sentences, n_few))
st.download_button("Download heatmap data (CSV)", data=exports.to_csv_bytes(matrix),
                   file_name="framewatch-tone-outlets-targets.csv", mime="text/csv", on_click="ignore",
                   key="dl_tone_matrix", icon=":material/download:")
cell_evidence(tone_charts.tone_cells(matrix, measure), "tone_matrix_cell", False, matrix_fig, matrix_event)
