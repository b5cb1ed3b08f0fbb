"""Outlets × categories: a heatmap of a measure per outlet and lexicon category."""

import streamlit as st

from dashboard import charts, evidence, exports, links, loaders, notes, tables
from dashboard.context import page_context
from dashboard.filters import measure_radio
from dashboard.undated import show_undated

ctx = page_context()
st.title("Outlets × categories")
measure = measure_radio(st, key="matrix_measure")
df = loaders.load_matrix(ctx.path, ctx.version, ctx.key)
undated = loaders.load_undated(ctx.path, ctx.version, ctx.key)
fig = loaders.load_matrix_chart(ctx.path, ctx.version, ctx.key, measure)
event = st.plotly_chart(fig, key="matrix_chart", on_select="rerun", selection_mode="points")
n = tables.selection_totals(df.drop_duplicates("outlet")) if len(df) else tables.selection_totals(df)
mentions = int(df["n_mentions"].sum()) if len(df) else 0
st.caption(f"n = {tables.count_label(n['articles'], 'article')}, {n['words']:,} words in the chosen voice, "
           f"{tables.count_label(mentions, 'mention')} · {tables.wire_text(ctx.filters)} "
           f"· {tables.count_label(undated, 'undated article')} left out · lexicon version {ctx.lexicon_version}"
           + tables.unused_categories_text(df, charts.category_label))
st.caption(tables.uncertain_text(df, measure))
with st.expander("How this is measured"):
    st.markdown(notes.MATRIX_NOTE + notes.validated("lexicon", ctx.lexicon_version))
st.download_button("Download chart data (CSV)", data=exports.to_csv_bytes(df),
                   file_name="framewatch-outlets-categories.csv", mime="text/csv", on_click="ignore",
                   key="dl_matrix", icon=":material/download:")
show_undated(ctx, undated)

st.subheader("Evidence")
cells = tables.matrix_evidence_cells(df)
if cells.empty:
    st.info("No mentions in this selection, so there are no lines to show.")
else:
    labels = [f"{o} · {charts.category_label(c)} · {tables.count_label(int(k), 'mention')}" for o, c, k in
              zip(cells["outlet"], cells["category"], cells["n_mentions"])]
    evidence.follow_click("matrix_cell", evidence.clicked_heatmap_cell(fig, event.selection, cells, "outlet",
                                                                       "category"), event.selection,
                          evidence.clicked_cell_name(fig, event.selection))
    i = st.selectbox("Heatmap cell (outlet · category; or click a cell)", range(len(cells)),
                     format_func=labels.__getitem__, key="matrix_cell")
    cell = cells.iloc[i]
    evidence.show_evidence(ctx, outlet=cell["outlet"], start=ctx.filters.start, end=ctx.filters.end,
                           category=cell["category"], n_mentions=int(cell["n_mentions"]), key="matrix_kwic",
                           file_name=f"framewatch-kwic-{tables.file_slug(cell['outlet'])}-"
                                     f"{tables.file_slug(cell['category'])}.csv")
    links.concordance_link("category", key=cell["category"], outlet=cell["outlet"])
