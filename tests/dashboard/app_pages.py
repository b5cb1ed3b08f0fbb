"""Helpers for AppTests of one page: open the app on a store with URL keys, switch to the page, find a widget."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def open_page(store, page: str, **query) -> AppTest:
    """Run the app on *store* opened straight on *page* (``"views/x.py"``) with the URL keys *query*, as a link does.

    (Running the default page first would lose the keys of *page*'s own choice: the router drops
    the other pages' keys, :func:`dashboard.links.keep_choice_keys`.)
    """
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["store_path"] = str(store)
    for k, v in query.items():
        at.query_params[k] = v
    return at.switch_page(page).run()


def widget(items, label: str):
    """The first widget of *items* (e.g. ``at.selectbox``) with this label."""
    return next(w for w in items if w.label == label)


def url_values(at: AppTest, key: str) -> list[str]:
    """The values of URL key *key* after the last run, as a list (AppTest holds one value as a string)."""
    v = at.query_params.get(key, [])
    return [v] if isinstance(v, str) else list(v)
