"""Articles: the selected articles, and one article with every mention highlighted by voice."""

import streamlit as st

from dashboard import exports, links, loaders, render, republication, tables
from dashboard.context import page_context
from dashboard.undated import show_undated

ctx = page_context()
st.title("Articles")
LIMIT = 500
raw = loaders.load_article_list(ctx.path, ctx.version, ctx.key, LIMIT)
n_selected = loaders.load_article_count(ctx.path, ctx.version, ctx.key)
undated = loaders.load_undated(ctx.path, ctx.version, ctx.key)
df, report = tables.typed_table(tables.with_safe_urls(raw), tables.ARTICLE_SCHEMA)
if df.empty:
    st.info("No dated articles match this selection."
            + (f" Undated articles that match: {undated:,} (they cannot be placed in time)."
               if undated else " Widen the outlets, topics or dates in the sidebar."))
    show_undated(ctx, undated)
    st.stop()
cols = tables.ARTICLE_COLUMNS
df = loaders.with_lead_titles(ctx.path, ctx.version, df)     # an untitled article shows its first words, marked
st.dataframe(tables.article_table(df), hide_index=True,
             column_config=tables.column_config(cols, title_width=330), key="article_table")
st.caption(f"{tables.article_list_text(len(df), n_selected)} (mentions in the chosen voice and categories) · "
           f"{tables.wire_text(ctx.filters)} · "
           f"{tables.count_label(undated, 'undated article')} left out · lexicon version {ctx.lexicon_version}. "
           f"{tables.MIDNIGHT_NOTE} A title starting “{tables.NO_TITLE}” is the article's first words: its source "
           f"gave no headline (the download leaves the title empty). {tables.report_text(report)}")
st.download_button("Download article list (CSV)", data=exports.to_csv_bytes(exports.article_rows(raw)),
                   file_name="framewatch-articles.csv", mime="text/csv", on_click="ignore",
                   key="dl_articles", icon=":material/download:")
show_undated(ctx, undated)

st.subheader("Read an article")
labels = tables.article_labels(df)
unlisted = links.linked_article(df["article_id"].astype(str).tolist(), "article_pick")   # a Concordance line's
options = list(range(len(df)))
if unlisted:                      # the linked article heads the options, so what is selected is what is shown
    linked, _ = loaders.load_article(ctx.path, ctx.version, unlisted)
    labels = [*labels, tables.linked_article_label(linked)]
    options = [len(df), *options]
i = st.selectbox("Article", options, format_func=labels.__getitem__, key="article_pick",
                 on_change=links.forget_linked_article)
article_id = unlisted if i == len(df) else str(df["article_id"].iloc[i])
if unlisted and i == len(df):
    st.caption("Shown: the article of the link you followed, which is not among the articles listed above.")
article, mentions = loaders.load_article(ctx.path, ctx.version, article_id)
if article is None:
    st.warning("This article is no longer in the store; reload the page.")
    st.stop()
synthetic = article.get("outlet") in ctx.summary.get("synthetic_outlets", ())
st.markdown(render.article_header_html(tables.article_with_title(article), synthetic=synthetic), unsafe_allow_html=True)
members = loaders.load_cluster_members(ctx.path, ctx.version, article_id)
if first := republication.first_published_html(article_id, members):
    st.markdown(first, unsafe_allow_html=True)
copies = render.also_published_html(article_id, members)
if copies:
    st.markdown(copies, unsafe_allow_html=True)
url = render.safe_url(article.get("url"))
if url:
    st.link_button("Open the source", url, icon=":material/open_in_new:")
else:
    st.caption("No web link for this article (missing or not an http(s) address).")
st.markdown(render.legend_html(), unsafe_allow_html=True)
shown, shown_mentions = render.clip_article(article.get("text"), mentions)
if len(shown) < len(article.get("text") or "") and st.toggle(
        f"Show the whole text ({len(article['text']):,} characters; slow to render)", key="article_whole"):
    shown, shown_mentions = article["text"], mentions
st.markdown(render.highlight_html(shown, shown_mentions), unsafe_allow_html=True)
if len(shown) < len(article.get("text") or ""):
    st.caption(f"Shown: the first {len(shown):,} of {len(article['text']):,} characters, with "
               f"{len(shown_mentions):,} of {len(mentions):,} mentions; the switch above shows the whole text.")
by_voice = mentions["voice"].value_counts().reindex(["outlet", "quoted", "attributed"], fill_value=0)
st.caption(f"{tables.count_label(len(mentions), 'mention')} in all voices: {by_voice['outlet']} outlet, {by_voice['quoted']} quoted, "
           f"{by_voice['attributed']} attributed. Hover a highlight for its term, category, voice and speaker.")
