"""Outlets × categories: a category no selected outlet uses is named beside the heatmap, so its column of
zeros has its reason (the demo's "hyperbole" column read 0.00 for every outlet with no word said)."""

import duckdb

from app_pages import open_page

def test_caption_names_the_categories_no_selected_outlet_uses(store_path):
    with duckdb.connect(str(store_path), read_only=True) as con:
        used = {c for (c,) in con.execute("SELECT DISTINCT category FROM mentions WHERE voice = 'outlet'").fetchall()}
        every = {c for (c,) in con.execute("SELECT DISTINCT category FROM lexicon").fetchall()}
    unused = sorted(every - used)
    assert unused and used                     # the test store has both kinds
    at = open_page(store_path, "views/outlets_categories.py")
    assert not at.exception, [e.value for e in at.exception]
    caption = at.caption[0].value
    from dashboard.charts import category_label

    assert f"no mention of {', '.join(category_label(c) for c in unused)} in this selection" in caption
    assert not any(category_label(c) in caption.split("no mention of")[1] for c in used)


def test_no_such_note_when_every_category_is_used():
    import pandas as pd

    from dashboard.tables import unused_categories_text

    df = pd.DataFrame({"outlet": ["A", "A", "B", "B"], "category": ["x", "y", "x", "y"], "n_mentions": [0, 2, 1, 0]})
    assert unused_categories_text(df) == ""
    assert unused_categories_text(df.assign(n_mentions=[0, 2, 0, 1])) == (
        " · no mention of x in this selection (its column reads 0)")


def test_page_gives_each_outlets_n_and_its_download_carries_n_and_the_grey_flags(store_path):
    """The heatmap's denominators are on the page (row labels, caption) and in the CSV, with the cells it greys."""
    import io
    import json

    import pandas as pd

    from dashboard import charts, exports, loaders

    at = open_page(store_path, "views/outlets_categories.py")
    assert not at.exception, [e.value for e in at.exception]
    captions = "\n".join(c.value for c in at.caption)
    assert "Under each outlet, its n: articles, and words in the chosen voice" in captions
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    labels = spec["layout"]["yaxis"]["ticktext"]
    with duckdb.connect(str(store_path), read_only=True) as con:
        n = dict(con.execute("SELECT a.outlet, count(*) FROM articles a WHERE a.day IS NOT NULL GROUP BY 1").fetchall())
    assert len(labels) == len(n)
    for label in labels:
        outlet = next(o for o in n if label.startswith(charts.plotly_text(o)))     # & < > as entities, quotes as typed
        assert f"{n[outlet]:,} article" in label and " words</span>" in label
    version = loaders.store_version(str(store_path))
    key = loaders.filters_key(loaders.rollups.Filters())
    csv = pd.read_csv(io.BytesIO(exports.to_csv_bytes(loaders.load_matrix(str(store_path), version, key))),
                      encoding="utf-8-sig")
    assert {"n_articles", "n_words", "n_mentions", "rate_low", "rate_high", "rate_uncertain", "share_uncertain"} \
        <= set(csv.columns)
    assert csv.groupby("outlet")["n_articles"].first().to_dict() == {exports.neutralise_cell(o): k for o, k in n.items()}
