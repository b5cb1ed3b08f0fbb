"""Republication: which stories were copied, by whom, how late; the flows between outlets; the evidence."""

import streamlit as st

from dashboard import evidence, exports, notes, render, tables
from dashboard import republication as rp
from dashboard.context import page_context

ctx = page_context()
st.title("Republication")
data = rp.load_republication(ctx.path, ctx.version, ctx.key)
copies, clusters, flows, shares = data["copies"], data["clusters"], data["flows"], data["shares"]
n_articles = int(shares["n_articles"].sum())

st.caption(f"n = {tables.count_label(n_articles, 'article')} selected (every copy counted); among them "
           f"{tables.copies_text(*rp.copy_counts(copies))}{' (the bars)' if len(copies) else ''} · About the data "
           f"gives these counts for the whole store · {rp.SETTINGS_TEXT}")
with st.expander("How this is measured"):
    st.markdown(notes.REPUBLICATION)

left, right = st.columns(2)
flow_fig = rp.flow_heatmap(flows)
flow_event = left.plotly_chart(flow_fig, key="repub_flows", on_select="rerun", selection_mode="points")
left.download_button("Download chart data (CSV)", data=exports.to_csv_bytes(flows),
                     file_name="framewatch-republication-flows.csv", mime="text/csv", on_click="ignore",
                     key="dl_repub_flows", icon=":material/download:")
right.plotly_chart(rp.copy_share_chart(shares), key="repub_shares")
right.download_button("Download copy shares (CSV)", data=exports.to_csv_bytes(shares),
                      file_name="framewatch-republication-shares.csv", mime="text/csv", on_click="ignore",
                      key="dl_repub_shares", icon=":material/download:")

st.subheader("Stories with copies")
if clusters.empty:
    st.info("No near-identical copies among the selected articles.")
    st.stop()
clusters = rp.with_later_copies(clusters, copies)
shown = tables.with_placeholders(clusters.assign(max_lag_hours=clusters["max_lag_hours"].round(1),
                                                republished_by=rp.republished_lines(clusters, copies)), ["story"])
width, row_height = rp.STORY_WIDTHS, rp.story_row_height(shown["republished_by"])
story_event = st.dataframe(
    shown, hide_index=True, key="repub_clusters", column_order=rp.STORY_COLUMNS, on_select="rerun",
    selection_mode="single-row", row_height=row_height, height=38 + row_height * min(len(shown), rp.STORY_ROWS_SHOWN),
    column_config={
        "story": st.column_config.TextColumn("Story", width=width["story"], help="The first copy's title"),
        "first_outlet": st.column_config.TextColumn("First by", width=width["first_outlet"],
                                                    help="The outlet that published the text first"),
        "first_published_at": st.column_config.DatetimeColumn(
            "First (UTC)", format="YYYY-MM-DD HH:mm", width=width["first_published_at"],
            help="When the first copy was published, UTC"),
        "n_later": st.column_config.NumberColumn(
            "Later copies", width=width["n_later"],
            help="Selected copies published after the first one (the first copy, by the outlet in "
                 "'First by', is not counted): 1 for a story republished once"),
        "n_outlets": st.column_config.NumberColumn("Outlets", width=width["n_outlets"],
                                                   help="Outlets among those copies"),
        "republished_by": st.column_config.TextColumn(
            "Republished by", width=width["republished_by"],
            help="The other selected copies' outlets, earliest first, each with its hours after the first copy"),
        "max_lag_hours": st.column_config.NumberColumn("Last (h)", format="%.1f", width=width["max_lag_hours"],
                                                       help="Hours from the first copy to the latest one"),
        "min_similarity": st.column_config.NumberColumn(
            "Min. sim.", format="%.2f", width=width["min_similarity"],
            help="The lowest estimated Jaccard similarity of a copy to the first (0 to 1)"),
    })
st.caption("Republished by: every later copy's outlet, earliest first, with its hours after the first copy. "
           "Click a row to see its story's copies under Evidence.")
st.download_button("Download copies (CSV)", data=exports.to_csv_bytes(copies),
                   file_name="framewatch-republication-copies.csv", mime="text/csv", on_click="ignore",
                   key="dl_repub_copies", icon=":material/download:")

st.subheader("Evidence")
pairs = ["All"] + [f"{a} → {b}" for a, b in zip(flows["first_outlet"], flows["outlet"])]
clicked = evidence.clicked_heatmap_cell(flow_fig, flow_event.selection, flows, "first_outlet", "outlet")
evidence.follow_click("repub_pair", None if clicked is None else clicked + 1, flow_event.selection)   # 0 is "All"
rows_seen = repr(story_event.selection.rows)   # a row clicked in the stories table: show its story below, once
if st.session_state.get("repub_story_row_seen") != rows_seen:
    if story_event.selection.rows:
        st.session_state["repub_pair"], st.session_state["repub_story"] = 0, story_event.selection.rows[0]
    st.session_state["repub_story_row_seen"] = rows_seen
pair = st.selectbox("Chart cell (first published by → copied by; or click a cell)", range(len(pairs)),
                    format_func=pairs.__getitem__, key="repub_pair")
if pair:
    cell = flows.iloc[pair - 1]
    ids = copies.loc[(copies["first_outlet"] == cell["first_outlet"]) & (copies["outlet"] == cell["outlet"])
                     & ~copies["is_first"].astype(bool), "cluster_id"]
    choices = clusters[clusters["cluster_id"].isin(set(ids))]
else:
    choices = clusters
labels = rp.story_labels(choices)
i = st.selectbox("Story", range(len(choices)), format_func=labels.__getitem__, key="repub_story")
members = tables.with_safe_urls(rp.load_cluster_texts(ctx.path, ctx.version, str(choices["cluster_id"].iloc[i])))
st.dataframe(tables.shown_table(tables.with_placeholders(   # no address: an empty link cell; no title: "—"
    members.drop(columns=["text", "article_id"]).assign(lag_hours=members["lag_hours"].round(1)), ["url"], "")),
             hide_index=True, key="repub_members", column_config={
                 "outlet": st.column_config.TextColumn("Outlet"),
                 "published_at": st.column_config.DatetimeColumn("Published (UTC)", format="YYYY-MM-DD HH:mm"),
                 "title": st.column_config.TextColumn("Title", width="large"),
                 "url": st.column_config.LinkColumn("Link", display_text="open"),
                 "is_first": st.column_config.CheckboxColumn("First copy"),
                 "similarity": st.column_config.NumberColumn(
                     "Similarity", format="%.2f", help="Estimated Jaccard similarity to the first copy (0 to 1)"),
                 "lag_hours": st.column_config.NumberColumn("Lag (h)", help="Hours after the first copy"),
             })
if len(members) < 2:
    st.info("Only one member of this cluster is in the store now.")
    st.stop()
member_labels = [rp.member_label(r) for _, r in members.iterrows()]
j = st.selectbox("Compare the first copy with", range(1, len(members)), format_func=member_labels.__getitem__,
                 key="repub_copy")
first, copy = members.iloc[0], members.iloc[j]
st.caption(f"First copy: {rp.member_label(first, similarity=False)}. Struck through in red: words only in the "
           "first copy; underlined in green: words only in this copy.")
synthetic = copy["outlet"] in ctx.summary.get("synthetic_outlets", ())      # the badge the Articles page shows
st.markdown(render.article_header_html(copy.to_dict(), synthetic=synthetic), unsafe_allow_html=True)
st.markdown(rp.diff_html(first["text"], copy["text"]), unsafe_allow_html=True)
