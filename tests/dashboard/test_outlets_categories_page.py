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
