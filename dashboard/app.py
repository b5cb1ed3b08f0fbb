"""framewatch dashboard: the router.

Run with ``streamlit run dashboard/app.py -- --store PATH`` (or ``framewatch dashboard``).
It finds the store, draws the sidebar filters, and hands the selection to the pages.

The pages live in ``dashboard/views/``, not ``dashboard/pages/``: Streamlit 1.67 treats a
``pages/`` folder beside the entrypoint as the old multipage mode until ``st.navigation``
has run once in the process, so a first request to ``/articles`` (and every AppTest rerun)
would run the page script alone, without this router and its filters.
"""

from __future__ import annotations

import sys

import duckdb
import streamlit as st

from dashboard import loaders, notes
from dashboard.context import KEY, Context
from dashboard.filters import sidebar_filters
from pipelines.errors import FramewatchError

HOW_TO_BUILD = ("Build one with `framewatch demo` (synthetic demo data) or "
                "`framewatch run --input FILE --store PATH`, then start the dashboard with "
                "`--store PATH` and reload this page.")


def _store_problem(path: str):
    """(summary, version, message): message is set when the store cannot be shown."""
    version = loaders.store_version(path)
    if version is None:
        return None, None, f"No framewatch store at `{path}`. {HOW_TO_BUILD}"
    try:
        summary = loaders.load_store_summary(path, version)
    except (FramewatchError, duckdb.Error) as exc:
        return None, None, f"The file `{path}` could not be read as a framewatch store ({type(exc).__name__}). {HOW_TO_BUILD}"
    if summary["n_articles"] == 0:
        return None, None, f"The store at `{path}` holds no articles yet. {HOW_TO_BUILD}"
    return summary, version, None


st.set_page_config(page_title="framewatch", layout="wide")
store_path = loaders.resolve_store_path(st.session_state, sys.argv[1:])
summary, version, problem = _store_problem(store_path)

if problem:
    def _no_store() -> None:
        st.title("framewatch")
        st.error(problem)

    st.navigation([st.Page(_no_store, title="framewatch", default=True)]).run()
else:
    if summary["synthetic"]:
        st.warning(notes.SYNTHETIC_BANNER, icon="⚠️")
    selection = sidebar_filters(summary)
    st.session_state[KEY] = Context(store_path, version, summary, selection)
    pages = [
        st.Page("views/trends.py", title="Trends", icon=":material/show_chart:", default=True),
        st.Page("views/outlets_categories.py", title="Outlets × categories", icon=":material/grid_on:"),
        st.Page("views/articles.py", title="Articles", icon=":material/article:"),
        st.Page("views/about.py", title="About the data", icon=":material/info:"),
    ]
    st.navigation(pages, position="top").run()
