"""Trends: a measure per outlet over time, its n, method, data, and the evidence behind a cell."""

import pandas as pd
import streamlit as st

from dashboard import charts, evidence, links, loaders, notes, tables
from dashboard.context import page_context
from dashboard.filters import measure_radio, pool_toggle
from dashboard.undated import show_undated
from pipelines.rollups import POOLED

ctx = page_context()
st.title("Trends in loaded wording")    # the menu calls it "Trends" (app.py); the title says of what
c1, c2 = st.columns([3, 2])
measure = measure_radio(c1, key="trend_measure")
pooled = pool_toggle(c2, key="trend_pooled")

df = loaders.load_trend(ctx.path, ctx.version, ctx.key, ctx.granularity, pooled)
undated = loaders.load_undated(ctx.path, ctx.version, ctx.key)
fig = loaders.load_trend_chart(ctx.path, ctx.version, ctx.key, ctx.granularity, pooled, measure)
clickable = "layer" in fig or "facet" in fig           # not the message of an empty selection
event = st.vega_lite_chart(fig, key="trend_chart", width="stretch", on_select="rerun" if clickable else "ignore",
                           selection_mode=list(charts.TREND_SELECTIONS) if clickable else None)

n = tables.selection_totals(df)
gaps = tables.gap_rows(df)
st.caption(f"n = {tables.count_label(n['articles'], 'article')}, {n['words']:,} words in the chosen voice, "
           f"{tables.count_label(n['mentions'], 'mention')} · {tables.wire_text(ctx.filters)} "
           f"· {tables.count_label(undated, 'undated article')} left out · lexicon version {ctx.lexicon_version}"
           + (f" · {tables.gaps_text(gaps)}" if len(df) else ""))
panels = charts.uses_panels(df)
chart_notes = " ".join(t for t in (tables.panels_text(df) if panels else "", tables.partial_text(df),
                                   tables.clip_text(charts.clipped_counts(df, measure))) if t)
if chart_notes:
    st.caption(chart_notes)
with st.expander("How this is measured"):
    st.markdown(notes.TREND_NOTE + notes.validated("lexicon", ctx.lexicon_version))
st.download_button("Download chart data (CSV)",
                   data=loaders.load_trend_csv(ctx.path, ctx.version, ctx.key, ctx.granularity, pooled), file_name=f"framewatch-trend-{ctx.granularity}.csv", mime="text/csv",
                   on_click="ignore", key="dl_trend", icon=":material/download:")
show_undated(ctx, undated)

st.subheader("Evidence")
cells = tables.evidence_cells(pd.concat([df, charts.pooled_trend(df)]) if panels else df)   # the grey line's too
if cells.empty:
    st.info("No mentions in this selection, so there are no lines to show.")
else:
    labels = [f"{p:%Y-%m-%d} · {o} · {tables.count_label(int(k), 'mention')}" for o, p, k in
              zip(cells["outlet"], pd.to_datetime(cells["period"]), cells["n_mentions"])]
    selection = event.selection if clickable else None
    evidence.follow_click("trend_cell", evidence.clicked_trend_cell(selection, cells), selection,
                          evidence.clicked_trend_name(selection))
    i = st.selectbox(f"Chart cell ({ctx.granularity} starting; or click a point)", range(len(cells)),
                     format_func=labels.__getitem__, key="trend_cell")
    cell = cells.iloc[i]
    f = ctx.filters                      # the cell's days inside the selected dates
    start = max(d for d in (pd.Timestamp(cell["period"]).date(), f.start) if d is not None)
    end = min(d for d in (charts.period_end(cell["period"], ctx.granularity).date(), f.end) if d is not None)
    outlet = None if cell["outlet"] == POOLED else cell["outlet"]
    evidence.show_evidence(ctx, outlet=outlet, start=start, end=end, category=None,
                           n_mentions=int(cell["n_mentions"]), key="kwic",
                           file_name=f"framewatch-kwic-{tables.file_slug(cell['outlet'])}-{start}.csv")
    links.concordance_link("lexicon", outlet=outlet, start=start, end=end)
