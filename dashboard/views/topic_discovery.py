"""Topic discovery: NMF over TF-IDF proposes topics for the selection; a proposal can be saved as a topic definition."""

import dataclasses

import streamlit as st

from dashboard import exports, loaders, notes, render, tables
from dashboard import topic_discovery as td
from dashboard.context import page_context
from pipelines.errors import FramewatchError
from pipelines.topic_discovery import MAX_ARTICLES, save_topic, topic_yaml

ctx = page_context()
# Voice and lexicon categories do not change which articles are read: keep the proposals when they change.
key = loaders.filters_key(dataclasses.replace(ctx.filters, voice="all", categories=()))
st.title("Topic discovery")
st.caption("Proposals are unsupervised: read their terms and articles before you keep one.")
c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
k = c1.slider("Number of topics", min_value=2, max_value=20, value=8, key="td_k")
if c2.button("Run", type="primary", key="td_run", icon=":material/play_arrow:"):
    st.session_state["td_ran"] = (key, k)
method = st.expander("How this is measured")
method.markdown(notes.TOPIC_DISCOVERY)
if st.session_state.get("td_ran") != (key, k):
    st.info("Choose the number of topics and press **Run** (NMF takes a few seconds; it runs again only when "
            "the filters or the number of topics change).")
    st.stop()
try:
    p = td.load_topic_proposals(ctx.path, ctx.version, key, k)
except FramewatchError as exc:
    st.warning(str(exc))
    st.stop()

n_none = int((p.assignments["topic"] == 0).sum())
st.caption(f"n = {tables.count_label(p.n_used, 'article')} used"
           + (f" (a fixed sample of the {p.n_selected:,} selected: the cap is {MAX_ARTICLES:,})" if p.capped else "")
           + f" · {p.n_terms:,} terms · {k} topics · {tables.count_label(n_none, 'article')} in no topic"
           f" · {tables.wire_text(ctx.filters)} · lexicon version {ctx.lexicon_version}")
st.plotly_chart(td.top_terms_chart(p.terms, p.topics), key="td_chart")
st.download_button("Download chart data (CSV)", data=exports.to_csv_bytes(p.terms), file_name=f"framewatch-topics-k{k}-terms.csv",
                   mime="text/csv", on_click="ignore", key="dl_td_terms", icon=":material/download:")

st.subheader("Proposed topics")
# Widths that fit beside the sidebar at a 1,400-pixel window, and rows tall enough (> 64 px) for Streamlit to
# wrap the ten top terms onto a second line instead of cutting them.
st.dataframe(p.topics.drop(columns="query").assign(share=p.topics["share"] * 100), hide_index=True, key="td_topics",
             row_height=66, height=38 + 66 * len(p.topics), column_config={
    "topic": st.column_config.NumberColumn("Topic", width=56),
    "label": st.column_config.TextColumn("Label (three top terms)", width=210),
    "top_terms": st.column_config.TextColumn("Top terms, best first", width=480),
    "n_articles": st.column_config.NumberColumn("Articles", format="localized", width=76,
                                                help="Articles whose strongest topic this is"),
    "share": st.column_config.NumberColumn("Share of articles", format="%.1f%%", width=112),   # one decimal in every row
})
st.download_button("Download proposals (CSV)", data=exports.to_csv_bytes(p.topics),
                   file_name=f"framewatch-topics-k{k}.csv", mime="text/csv", on_click="ignore",
                   key="dl_td_topics", icon=":material/download:")

labels = [f"{t}. {label}" for t, label in zip(p.topics["topic"], p.topics["label"])]
i = st.selectbox("Proposal", range(len(labels)), format_func=labels.__getitem__, key="td_pick")
chosen = p.topics.iloc[i]
st.markdown("**Representative articles** (largest weight on this topic)")
representative = loaders.with_lead_titles(ctx.path, ctx.version,   # an untitled article: its first words, marked
                                          p.articles[p.articles["topic"] == chosen["topic"]].drop(columns="topic"))
st.dataframe(tables.shown_table(representative),
             hide_index=True,
             key="td_articles", column_config={
                 "rank": st.column_config.NumberColumn("Rank"), "article_id": st.column_config.TextColumn("Article id"),
                 "outlet": st.column_config.TextColumn("Outlet"), "title": st.column_config.TextColumn("Title"),
                 "weight": st.column_config.NumberColumn(
                     "Weight", format="%.4f", help="The article's weight on this topic in NMF's article-topic "
                                                   "matrix W (no unit; larger: more of the article is this topic)")})

st.subheader("Save as topic definition")
st.markdown("The definition matches an article that contains at least two of the proposal's top terms:")
st.code(chosen["query"], language=None, wrap_lines=True)
name = st.text_input("Topic name", value=f"Discovered: {chosen['label']}", key=f"td_name_{i}", max_chars=80)
target = td.discovered_path(ctx.path)
description = f"Proposed by framewatch topic discovery (NMF, {k} topics); top terms: {chosen['top_terms']}."
s1, s2 = st.columns(2)
if s1.button("Save as topic definition", key="td_save", icon=":material/save:"):
    try:
        written = save_topic(target, name, chosen["query"], description)
    except FramewatchError as exc:
        st.error(str(exc))
    else:
        st.success(f"Saved topic {render.md_escape(name.strip())} to the file below. Re-score the store with it "
                   "(its topics replace the built-in ones; a new file starts as a copy of them):")
        st.code(f"framewatch score --store {ctx.path} --topics {written}", language="bash", wrap_lines=True)
try:
    yaml_text = topic_yaml(name, chosen["query"], description)
except FramewatchError as exc:
    s2.caption(str(exc))
else:
    s2.download_button("Download this definition (YAML)", data=yaml_text.encode("utf-8"),
                       file_name=f"topic-{tables.file_slug(name)}.yaml", mime="application/x-yaml",
                       on_click="ignore", key="dl_td_yaml", icon=":material/download:")
st.caption(f"Topics file: {render.md_escape(str(target))}")
