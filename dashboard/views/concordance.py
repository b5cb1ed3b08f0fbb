"""Concordance: the KWIC lines behind one chart cell, read from the URL, with their download."""

import duckdb
import streamlit as st

from dashboard import kwic, links, loaders, notes, render, tables
from dashboard.context import page_context
from dashboard.links import CELL_KEYS
from pipelines.concordance import KEY_COLUMNS, KIND_LABELS, KindUnavailable, available_kinds

ctx = page_context()
st.title("Concordance")
cell = kwic.read_cell(st.query_params, ctx.summary["outlets"])
if cell.problems:
    st.warning("Ignored in the link: " + "; ".join(render.md_escape(p) for p in cell.problems) + ".", icon="⚠️")

kinds = available_kinds()
choices = kwic.load_key_choices(ctx.path, ctx.version, ctx.key, cell.kind) if cell.kind in kinds else None
labels = dict(zip(choices["key"], choices["label"])) if choices is not None else {}
# A kind with no list to choose from (a distinctive term) must be typed; an empty list of lexicon terms or
# categories means the selection has no mentions, which the "No lines" message says.
must_type = choices is not None and choices.empty and cell.key is None and cell.kind not in KEY_COLUMNS
opened_bare = not any(k in st.query_params for k in CELL_KEYS)
with st.expander("Choose the cell", expanded=opened_bare or must_type, icon=":material/tune:"):
    c1, c2, c3 = st.columns(3)
    kwic.cell_widget(c1.selectbox, "Evidence of", "kind", cell.kind, clears=("key",),
                     options=list(dict.fromkeys([*kinds, cell.kind])), format_func=lambda k: KIND_LABELS.get(k, k))
    if labels:
        counts = dict(zip(choices["key"], choices["n_mentions"]))
        options = ["", *labels, *([cell.key] if cell.key is not None and cell.key not in labels else [])]
        kwic.cell_widget(c2.selectbox, KIND_LABELS[cell.kind], "key", cell.key or "", options=options,
                         format_func=lambda k: kwic.key_option_label(cell.kind, k, labels, counts))
    else:
        kwic.cell_widget(c2.text_input, KIND_LABELS.get(cell.kind, cell.kind), "key", cell.key or "",
                         placeholder="empty: all", help="Open this page from the measure's own page to fill it in.")
    outlets = list(ctx.filters.outlets or ctx.summary["outlets"])
    kwic.cell_widget(c3.selectbox, "Outlet", "cell_outlet", cell.outlet or "",
                     options=["", *dict.fromkeys([*outlets, *([cell.outlet] if cell.outlet else [])])],
                     format_func=lambda o: o or "All selected outlets")
    if cell.start or cell.end:
        st.button("Show the whole selected period", key="conc_whole_period",
                  on_click=kwic.clear_period)

st.markdown("#### " + kwic.cell_heading(cell, ctx.filters, labels))
the_cell = (ctx.path, ctx.version, ctx.key, cell.kind, cell.key, cell.outlet, cell.start, cell.end)
try:
    lines = kwic.load_concordance(*the_cell)
except KindUnavailable:
    st.info(f"{KIND_LABELS.get(cell.kind, cell.kind)} evidence is not available in this version of framewatch "
            "yet, so there are no lines to show. Choose another kind above.")
    st.stop()
except duckdb.CatalogException:         # a store built before the measure existed
    st.info(f"This store has no {KIND_LABELS.get(cell.kind, cell.kind).lower()} evidence: it was built before "
            "that measure existed. Score it again (`framewatch score --store PATH`) to add it.")
    st.stop()
except ValueError as exc:               # a key the measure does not know (a hand-edited link)
    st.warning(f"The link's {KIND_LABELS.get(cell.kind, cell.kind).lower()} is not one this measure knows: "
               f"{render.md_escape(exc)} Choose one above.", icon="⚠️")
    st.stop()

why_not = kwic.outside_reason(cell, ctx.filters)
n_articles = lines["article_id"].nunique()
st.caption(f"n = {tables.count_label(len(lines), 'line')} in {tables.count_label(n_articles, 'article')} "
           f"· {tables.wire_text(ctx.filters)} · {kwic.load_version_text(ctx.path, ctx.version, cell.kind)}")
with st.expander("How this is measured"):
    st.markdown(notes.CONCORDANCE_NOTE)
st.download_button("Download every line (CSV)", data=kwic.load_concordance_csv(*the_cell),
                   file_name=kwic.file_name(cell), mime="text/csv", on_click="ignore", key="dl_concordance",
                   icon=":material/download:")
if lines.empty and must_type:
    st.info(f"Type a {KIND_LABELS.get(cell.kind, cell.kind).lower()} under *Choose the cell* to see its lines.")
    st.stop()
if lines.empty:
    st.info(f"No lines: {why_not}." if why_not else
            "No lines in this cell under the sidebar's filters (voice, categories, topics, dates).")
    st.stop()

pages = range(0, len(lines), kwic.LINES_PER_PAGE)
kwic.drop_stale_choice("conc_page", pages)           # another cell: start from its first lines
page = 0
if len(pages) > 1:
    page = st.selectbox("Lines", pages, key="conc_page",
                        format_func=lambda p: f"{p + 1:,}–{min(p + kwic.LINES_PER_PAGE, len(lines)):,}")
shown = loaders.with_lead_titles(ctx.path, ctx.version, lines.iloc[page:page + kwic.LINES_PER_PAGE])
st.caption(kwic.lines_text(len(lines), n_articles, page + 1, page + len(shown)))
st.markdown(render.legend_html(), unsafe_allow_html=True)
st.markdown(kwic.kwic_html(shown, first_number=page + 1), unsafe_allow_html=True)

st.subheader("Read the article")
line_names = kwic.line_labels(shown, page + 1)
kwic.drop_stale_choice("conc_read", range(len(shown)))
i = st.selectbox("Line", range(len(shown)), format_func=line_names.__getitem__, key="conc_read")
line = shown.iloc[i]
article = kwic.load_article_text(ctx.path, ctx.version, str(line["article_id"]))
if article is None:
    st.warning("This article is no longer in the store; reload the page.")
    st.stop()
synthetic = article.get("outlet") in ctx.summary.get("synthetic_outlets", ())
st.markdown(render.article_header_html(tables.article_with_title(article), synthetic=synthetic), unsafe_allow_html=True)
url = render.safe_url(article.get("url"))
c1, c2 = st.columns(2)
if url:
    c1.link_button("Open the source", url, icon=":material/open_in_new:")
links.article_link(str(line["article_id"]), label="Read it on the Articles page (every mention, its copies)",
                   container=c2)
st.markdown(render.highlight_html(article.get("text"), kwic.line_span(line)), unsafe_allow_html=True)
