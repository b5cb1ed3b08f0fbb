"""Distinctive terms: the words that set one selected outlet apart from the others (log-odds, Monroe et al. 2008)."""

import streamlit as st

from dashboard import charts, exports, loaders, notes, tables
from dashboard.render import md_escape
from dashboard.context import page_context
from dashboard.links import concordance_link, url_choice, write_choice
from pipelines.distinctive import DISTINCTIVE_COLUMNS, MIN_COUNT

KWIC_SHOWN = 10  # lines shown inline under the chosen term (the Concordance page has them all)

ctx = page_context()
st.title("Distinctive terms")
key = loaders.terms_key(ctx.filters)
c1, c2, c3, c4 = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
bigrams = c4.toggle("Two-word terms too", key="dt_bigrams", help="Count pairs of adjacent words as terms as well.")
counts = loaders.load_term_counts(ctx.path, ctx.version, key, bigrams)
if len(counts.outlets) < 2:
    st.info("Distinctive terms compare one outlet with the others: select at least two outlets (with articles "
            f"in this selection) in the sidebar. Now: {tables.count_label(len(counts.outlets), 'outlet')}.")
    st.stop()
url_choice("dt_outlet", counts.outlets, "dt_outlet")        # a shared link's outlet
outlet = c1.selectbox("Outlet", counts.outlets, key="dt_outlet", on_change=write_choice,
                      args=("dt_outlet", "dt_outlet", counts.outlets),
                      help="Its terms are compared with those of every other selected outlet, pooled.")
n_shown = c2.number_input("Terms per side", min_value=5, max_value=50, value=15, step=5, key="dt_n")
min_count = c3.number_input("Minimum count", min_value=1, max_value=1000, value=MIN_COUNT, key="dt_min",
                            help="Leave out terms used fewer times than this in the whole selection.")
df = loaders.load_distinctive(ctx.path, ctx.version, key, bigrams, outlet, int(min_count))

event = st.plotly_chart(charts.distinctive_chart(df, outlet, int(n_shown)), key="dt_chart", on_select="rerun",
                        selection_mode="points")
k = counts.outlets.index(outlet)
n_i = int(counts.counts[k].sum())
n_j = int(counts.counts.sum()) - n_i
sample = (f" · counted on a fixed sample of {counts.n_counted:,} of the {counts.n_selected:,} selected articles "
          "(the selection holds more than 2,000,000 words)" if counts.sampled else "")
st.caption(f"n = {tables.count_label(counts.n_articles[outlet], 'article')} of {md_escape(outlet)}, "
           f"{tables.count_label(counts.n_counted - counts.n_articles[outlet], 'article')} of "
           f"{tables.count_label(len(counts.outlets) - 1, 'other outlet')} · {n_i:,} against {n_j:,} counted terms "
           f"(voice: {counts.voice}) · {tables.count_label(len(df), 'term')} used at least {int(min_count)} times"
           f"{sample} · {tables.wire_text(ctx.filters)} · terms: every word of the text, English stop words removed "
           "(no lexicon: the sidebar's lexicon categories do not apply)")
with st.expander("How this is measured"):
    st.markdown(notes.DISTINCTIVE_NOTE)

rows = charts.distinctive_rows(df, int(n_shown))
cc = st.column_config
st.dataframe(rows.drop(columns=["side", "var"]), hide_index=True, key="dt_table", column_config={
    "term": cc.TextColumn("Term"),
    "count_i": cc.NumberColumn("Count here", format="localized", help=f"Uses in {outlet}'s selected articles"),
    "count_j": cc.NumberColumn("Count in rest", format="localized",
                               help="Uses in the other selected outlets' articles, pooled"),
    "per_1k_i": cc.NumberColumn("Per 1,000 here", format="%.2f", help=f"Uses per 1,000 counted terms of {outlet}"),
    "per_1k_j": cc.NumberColumn("Per 1,000 in rest", format="%.2f",
                                help="Uses per 1,000 counted terms of the other selected outlets"),
    "delta": cc.NumberColumn("δ", format="%.3f", help="Log-odds ratio with an informative Dirichlet prior "
                                                      "(Monroe et al. 2008); above 0: more used here"),
    "z": cc.NumberColumn("z", format="%.2f", help="δ over its standard error; above 1.96 (below −1.96): used "
                                                  "more (less) here than chance gives at the 5 % level for this one "
                                                  "term, not corrected for the many terms tested")})
csv_rows = df.assign(outlet=outlet)[["outlet", *DISTINCTIVE_COLUMNS]]
st.download_button("Download chart data (CSV)", data=exports.to_csv_bytes(csv_rows),
                   file_name=f"framewatch-distinctive-{tables.file_slug(outlet)}.csv", mime="text/csv",
                   on_click="ignore", key="dl_distinctive", icon=":material/download:",
                   help=f"Every term used at least {int(min_count)} times, not only those in the chart.")

st.subheader("Evidence")
if rows.empty:
    st.info("No terms in this selection, so there are no lines to show.")
    st.stop()
terms = rows["term"].tolist()
points = (event.selection.points if event and event.selection else []) or []
clicked = next((p.get("y") for p in points if p.get("y") in terms), None)
if clicked is not None and clicked != st.session_state.get("dt_clicked"):
    st.session_state["dt_clicked"] = clicked      # a new click on a bar chooses its term once
    st.session_state["dt_term"] = clicked
    write_choice("term", "dt_term", terms)
elif not url_choice("term", terms, "dt_term") and st.session_state.get("dt_term") not in terms:
    st.session_state.pop("dt_term", None)
z_of = dict(zip(rows["term"], rows["z"]))
term = st.selectbox("Term (or click a bar)", terms, key="dt_term", on_change=write_choice,
                    args=("term", "dt_term", terms), format_func=lambda t: f"{t} · z = {z_of[t]:.2f}")
everyone = "every selected outlet"
scope = st.radio("Lines from", [outlet, everyone], index=0 if z_of[term] > 0 else 1, horizontal=True,
                 key=f"dt_scope_{term}", format_func=md_escape)    # option labels are markdown
cell_outlet = None if scope == everyone else outlet
kwic = loaders.load_term_kwic(ctx.path, ctx.version, key, term, cell_outlet, KWIC_SHOWN, width=45)
if kwic.empty:
    st.info("No occurrence of this term in the chosen voice here.")
else:
    kwic = loaders.with_lead_titles(ctx.path, ctx.version, kwic)    # an untitled article: its first words, marked
    st.dataframe(tables.with_placeholders(kwic[["day", "outlet", "left", "match", "right", "voice", "speaker",
                                                "title"]], ["speaker", "title"]), hide_index=True,
                 key="dt_kwic", column_config=tables.fitted_kwic_config(["day", "outlet", "left", "match", "right",
                                                                         "voice", "speaker", "title"]))
    st.caption(f"The first {tables.count_label(len(kwic), 'line')} by date; the Concordance has every line "
               "and its download.")
concordance_link("term", key=term, outlet=cell_outlet)
