"""framewatch dashboard: the router.

Run with ``streamlit run dashboard/app.py -- --store PATH`` (or ``framewatch dashboard``).
It finds the store, draws the sidebar filters, and hands the selection to the pages.

The pages live in ``dashboard/views/``, not ``dashboard/pages/``: Streamlit 1.67 treats a
``pages/`` folder beside the entrypoint as the old multipage mode until ``st.navigation``
has run once in the process, so a first request to ``/articles`` (and every AppTest rerun)
would run the page script alone, without this router and its filters.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb
import streamlit as st

from dashboard import links, loaders, notes
from dashboard.context import KEY, Context
from dashboard.filters import sidebar_filters
from dashboard.render import md_escape
from pipelines.errors import FramewatchError

# The tab's icon: Streamlit's own, from its installed files. Without a ``page_icon`` Streamlit shows each
# page's icon as the tab's icon, and for a ``:material/...:`` icon it fetches an SVG from fonts.gstatic.com,
# which fails offline (the icons on the page itself come from the font Streamlit bundles). An emoji is the
# fallback should a Streamlit release move the file: it becomes a ``data:`` URL, no request either.
# (A comment, not a string: Streamlit's magic writes a bare string in this script on every page.)
FAVICON = Path(st.__file__).parent / "static" / "favicon.png"

DEFAULT_PAGE = "views/trends.py"   # the page at the app's root URL (and at /trends); a comment, as above

HOW_TO_BUILD = ("Build one with `framewatch demo` (synthetic demo data) or "
                "`framewatch run --input FILE --store PATH`, then start the dashboard with "
                "`--store PATH` and reload this page.")


def _store_problem(path: str):
    """(summary, version, message): message is set when the store cannot be shown.

    The store is checked once (:func:`dashboard.loaders.checked_store`, once per file version); the
    loaders open it through that check and do not repeat it.
    """
    try:
        loaders.checked_store(path)
        version = loaders.store_version(path)
        summary = loaders.load_store_summary(path, version)
    except (FramewatchError, duckdb.Error) as exc:
        if not Path(path).is_file():      # nothing there, or a folder
            return None, None, f"No framewatch store at `{path}`. {HOW_TO_BUILD}"
        return None, None, f"The file `{path}` could not be read as a framewatch store ({type(exc).__name__}). {HOW_TO_BUILD}"
    if summary["n_articles"] == 0:
        return None, None, f"The store at `{path}` holds no articles yet. {HOW_TO_BUILD}"
    return summary, version, None


def requested_page_path() -> str | None:
    """The page path the browser asked for when the session opened on a URL (``wordchoice`` for
    ``/wordchoice``), or None (the root, or a rerun from a page already open). Streamlit answers a path
    it has no page for with the default page and no word (its "page not found" message carries no
    name), so the app checks the request itself (``PagesManager.intended_page_name``, Streamlit 1.67)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    name = getattr(getattr(ctx, "pages_manager", None), "intended_page_name", None)
    return name or None


def unknown_page_text(asked: str, shown: str, paths: list[str]) -> str:
    """What the page says over itself when the URL named no page: ``There is no page at /wordchoice; this is
    Trends. Did you mean /word_choice? Pages: /about, ...`` (the closest paths by ``difflib``), as markdown
    with the paths escaped (:func:`dashboard.render.md_escape`); a path that is not letters, digits, ``_``
    and ``-`` is "that address" (a link may carry anything, and markdown links a URL even escaped)."""
    import difflib

    close = difflib.get_close_matches(asked.lower(), paths, n=2, cutoff=0.6)
    guess = f" Did you mean {' or '.join(f'/{p}' for p in close)}?" if close else ""
    # the path is the visitor's: named only when it reads like a page path (markdown would make a link of a URL)
    where = f"/{asked}" if re.fullmatch(r"[\w-]{1,60}", asked, flags=re.ASCII) else "that address"
    return (f"There is no page at {md_escape(where)}; this is {shown}.{md_escape(guess)} "
            f"Pages: {md_escape(', '.join(f'/{p}' for p in paths))}.")


st.set_page_config(page_title="framewatch", page_icon=FAVICON if FAVICON.is_file() else "📰", layout="wide")
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
    sections = {
        "Loaded wording": [("views/trends.py", "Trends", ":material/show_chart:"),
                           ("views/outlets_categories.py", "Outlets × categories", ":material/grid_on:")],
        "Framing": [("views/frames.py", "Frames", ":material/filter_frames:"),
                    ("views/word_choice.py", "Word choice", ":material/compare_arrows:"),
                    ("views/distinctive.py", "Distinctive terms", ":material/sort_by_alpha:"),
                    ("views/tone.py", "Tone toward targets", ":material/sentiment_neutral:"),
                    ("views/topic_discovery.py", "Topic discovery", ":material/hub:")],
        "Evidence": [("views/concordance.py", "Concordance", ":material/format_quote:"),
                     ("views/articles.py", "Articles", ":material/article:"),
                     ("views/republication.py", "Republication", ":material/content_copy:")],
        "About": [("views/about.py", "About the data", ":material/info:")],
    }
    files = {}                                    # url path -> page file, to know whose URL keys to keep
    pages = {}
    for section, entries in sections.items():
        pages[section] = []
        for file, title, icon in entries:
            name = Path(file).stem                # the page's URL path: /frames, /word_choice, /about, ...
            if file == DEFAULT_PAGE:
                # Served at "/" (its url_path is ""), so "/trends", as a link or a bookmark writes it, was "Page not
                # found": a hidden twin answers there. The default page's own name must then differ (Streamlit
                # keys pages by it); nobody sees it.
                found = [st.Page(file, title=title, icon=icon, default=True, url_path=f"{name}_home"),
                         st.Page(file, title=title, icon=icon, url_path=name, visibility="hidden")]
            else:
                found = [st.Page(file, title=title, icon=icon, url_path=name)]
            pages[section] += found
            files.update((p.url_path, file) for p in found)
    page = st.navigation(pages, position="top")
    links.keep_choice_keys(files.get(page.url_path, ""))   # other pages' choices (pair=, target=, ...) leave the URL
    if (asked := requested_page_path()) is not None and asked not in files:
        st.warning(unknown_page_text(asked, page.title, sorted(p for p in files if p and not p.endswith("_home"))),
                   icon=":material/link_off:")
    page.run()
