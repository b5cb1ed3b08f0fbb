"""Word choice: the share of the loaded form of a counterpart pair per outlet, over time and overall."""

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import charts, exports, links, loaders, notes, pair_charts, pair_loaders, tables
from dashboard.context import page_context
from dashboard.render import md_escape
from dashboard.undated import show_undated
from pipelines.wordchoice import MIN_ARTICLES



def _text(value) -> str:
    return value if isinstance(value, str) else ""


ctx = page_context()
st.title("Word choice")
if not pair_loaders.load_has_pairs(ctx.path, ctx.version):
    st.info("This store has no word-choice pairs yet: it was scored before they existed, or with a lexicon that "
            "holds none of the pairs' terms. Score it again with `framewatch score --store PATH`.")
    st.stop()

totals = pair_loaders.load_pair_totals(ctx.path, ctx.version, ctx.key)
if totals.empty:
    st.info("No pair belongs to the selected lexicon categories.")
    st.stop()
labels = [f"{pair_charts.pair_title(p)} · {tables.count_label(int(p['n_forms']), 'use')}"
          for p in totals.to_dict("records")]
pair_ids, positions = [str(p) for p in totals["pair_id"]], range(len(totals))
links.url_choice("pair", pair_ids, "pair_choice", widget_values=positions)    # a shared link's pair
i = st.selectbox("Pair (most used in this selection first)", positions, format_func=labels.__getitem__,
                 key="pair_choice", on_change=links.write_choice, args=("pair", "pair_choice", pair_ids, positions))
pair = totals.iloc[i].to_dict()
pid = pair["pair_id"]
about = (f"**{md_escape(_text(pair['concept']) or pid)}** · loaded form: "
         f"{md_escape(pair['loaded'].replace('|', ', '))} ({md_escape(charts.category_label(pair['category']))}) "
         f"· counterpart: {md_escape(pair['counterpart'])}  \n{md_escape(_text(pair['note']))}")
if _text(pair["contested"]):
    about += f"  \n*Contested:* {md_escape(pair['contested'])}"
st.markdown(about)

trend = pair_loaders.load_pair_shares(ctx.path, ctx.version, ctx.key, ctx.granularity, pid)
overall = pair_loaders.load_pair_shares(ctx.path, ctx.version, ctx.key, None, pid)
undated = loaders.load_undated(ctx.path, ctx.version, ctx.key)
st.plotly_chart(pair_charts.pair_trend_chart(trend, pair), key="pair_trend")
n_uses, n_articles = int(overall["n_forms"].sum()), int(overall["n_articles"].sum())
st.caption(f"n = {tables.count_label(n_uses, 'use')} of either form ({int(overall['n_loaded'].sum()):,} loaded) in "
           f"{tables.count_label(n_articles, 'article')}, voice: {ctx.filters.voice} · {tables.wire_text(ctx.filters)} "
           f"· {tables.count_label(undated, 'undated article')} left out · lexicon version {ctx.lexicon_version} "
           f"· pairs version {ctx.pairs_version}")
panels = (tables.panels_text(trend, hidden="lines", grey=pair_charts.PANELS_GREY)
          if pair_charts.draws_panels(trend) else "")
small = " ".join(t for t in (panels, pair_charts.small_n_text(trend)) if t)
if small:
    st.caption(small)
shared = pair_charts.shared_values_text(trend, ctx.granularity)
if shared:
    st.caption(md_escape(shared))
st.download_button("Download chart data (CSV)", data=exports.to_csv_bytes(trend),
                   file_name=f"framewatch-word-choice-{tables.file_slug(pid)}-{ctx.granularity}.csv", mime="text/csv",
                   on_click="ignore", key="dl_pair_trend", icon=":material/download:")

st.plotly_chart(pair_charts.pair_outlet_chart(overall, pair), key="pair_outlets")
st.download_button("Download outlet summary (CSV)", data=exports.to_csv_bytes(overall),
                   file_name=f"framewatch-word-choice-{tables.file_slug(pid)}-outlets.csv", mime="text/csv",
                   on_click="ignore", key="dl_pair_outlets", icon=":material/download:")
with st.expander("How this is measured"):
    st.markdown(notes.WORD_CHOICE_NOTE)
show_undated(ctx, undated)

st.subheader("All pairs × outlets")
every = pair_loaders.load_pair_shares(ctx.path, ctx.version, ctx.key, None, None)
if every.empty:
    st.info("No pair form is used in this selection.")
else:
    titles = {p["pair_id"]: pair_charts.pair_title(p) for p in totals.to_dict("records")}
    order = {p: k for k, p in enumerate(totals["pair_id"])}
    every = every.assign(_order=every["pair_id"].map(order)).sort_values(["_order", "outlet"]).drop(columns="_order")
    table = every.assign(pair=every["pair_id"].map(titles))[
        ["pair", "outlet", "share", "share_low", "share_high", "n_loaded", "n_forms", "n_articles", "article_share",
         "small_n"]]
    percent = ["share", "share_low", "share_high", "article_share"]     # shown as 12.3%, one decimal in every row
    # Widths that fit beside the sidebar at a 1,400-pixel window (936 pixels), rows tall enough (> 64 px) for
    # Streamlit to wrap a long pair title or outlet name instead of cutting it.
    st.dataframe(table.assign(**{c: table[c] * 100 for c in percent}), hide_index=True, key="pair_table",
                 row_height=66, height=38 + 66 * min(len(table), 8), column_config={
        "pair": st.column_config.TextColumn("Pair", width=240, pinned=True, help="Loaded form vs counterpart"),
        "outlet": st.column_config.TextColumn("Outlet", width=150),
        "share": st.column_config.NumberColumn("Loaded", format="%.1f%%", width=68,
                                               help="The loaded form's share of the uses of either form"),
        "share_low": st.column_config.NumberColumn("95% low", format="%.1f%%", width=68,
                                                   help="95 % interval of the share, low end"),
        "share_high": st.column_config.NumberColumn("95% high", format="%.1f%%", width=70,
                                                    help="95 % interval of the share, high end"),
        "n_loaded": st.column_config.NumberColumn("Loaded uses", format="localized", width=86,
                                                  help="Uses of the loaded form"),
        "n_forms": st.column_config.NumberColumn("Uses", format="localized", width=56, help="Uses of either form"),
        "n_articles": st.column_config.NumberColumn("Articles", format="localized", width=64,
                                                    help="Articles using either form"),
        "article_share": st.column_config.NumberColumn(
            "Art. loaded", format="%.1f%%", width=80,
            help="Share of those articles that use the loaded form at least once"),
        "small_n": st.column_config.CheckboxColumn(f"n < {MIN_ARTICLES}", width=54, help=f"Fewer than {MIN_ARTICLES} "
                                                   "articles: the share says little")})
    st.download_button("Download all pairs × outlets (CSV)", data=exports.to_csv_bytes(every),
                       file_name="framewatch-word-choice-all-pairs.csv", mime="text/csv", on_click="ignore",
                       key="dl_pair_all", icon=":material/download:")

st.subheader("Evidence")
cells = trend[trend["n_forms"] > 0].sort_values(["period", "outlet"], ignore_index=True)
if cells.empty:
    st.info("Neither form is used in this selection, so there are no lines to show.")
else:
    options = [(None, None, None)] + [(o, p, n) for o, p, n in zip(cells["outlet"], cells["period"], cells["n_forms"])]
    cell_labels = [f"Whole selection · every outlet · {tables.count_label(n_uses, 'use')}"] + [
        f"{pd.Timestamp(p):%Y-%m-%d} · {o} · {tables.count_label(int(n), 'use')}" for o, p, n in options[1:]]
    c1, c2 = st.columns([3, 2])
    j = c1.selectbox(f"Chart cell ({ctx.granularity} starting)", range(len(options)),
                     format_func=cell_labels.__getitem__, key="pair_cell")
    form = c2.radio("Form", ["both", "loaded", "counterpart"], horizontal=True, key="pair_form")
    outlet, period, _ = options[j]
    f = ctx.filters
    start, end = f.start, f.end
    if period is not None:   # the cell's days inside the selected dates
        start = max(d for d in (pd.Timestamp(period).date(), f.start) if d is not None)
        end = min(d for d in (charts.period_end(period, ctx.granularity).date(), f.end) if d is not None)
    key = pid if form == "both" else f"{pid}:{form}"
    lines = pair_loaders.load_pair_lines(ctx.path, ctx.version, ctx.key, key, outlet, start, end, 50)
    shown, _ = tables.typed_table(lines.rename(columns={"label": "term"}), tables.KWIC_SCHEMA)
    shown = loaders.with_lead_titles(ctx.path, ctx.version, shown)  # an untitled article: its first words, marked
    st.dataframe(tables.with_placeholders(shown[tables.KWIC_COLUMNS], ["speaker", "title"]), hide_index=True,
                 column_config={**tables.fitted_kwic_config(tables.KWIC_COLUMNS),
                                "term": st.column_config.TextColumn("Form", width=tables.KWIC_WIDTHS["term"])},
                 key="pair_kwic")
    st.caption(f"The first {len(lines):,} lines by date; the Concordance has every line of the cell, "
               "with its download.")
    if (Path(__file__).resolve().parents[1] / links.CONCORDANCE_PAGE).exists():
        links.concordance_link("pair", key=key, outlet=outlet, start=start, end=end)
