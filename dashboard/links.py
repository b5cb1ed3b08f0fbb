"""Links from a chart cell to the Concordance page, filtered to exactly that cell.

The Concordance page (``views/concordance.py``) reads the cell from these URL keys, beside the
sidebar's own keys (:mod:`dashboard.filters`): ``kind`` (a key of
:data:`pipelines.concordance.KINDS`), ``key`` (the term, frame, pair or target; absent: all),
``cell_outlet`` (absent: every selected outlet), ``cell_from`` and ``cell_to`` (ISO dates;
absent: the selected dates).
"""

from __future__ import annotations

from datetime import date

import streamlit as st

CONCORDANCE_PAGE = "views/concordance.py"
ARTICLES_PAGE = "views/articles.py"
CELL_KEYS = ("kind", "key", "cell_outlet", "cell_from", "cell_to")
"""URL keys that describe the cell on the Concordance page (kept by the sidebar's URL writer)."""
ARTICLE_KEY = "article"
"""URL key of the article a link opens on the Articles page (kept by the sidebar's URL writer)."""
PAGE_KEYS = (*CELL_KEYS, ARTICLE_KEY)
"""Every URL key that belongs to a page rather than to the sidebar."""


def cell_params(kind: str, *, key: str | None = None, outlet: str | None = None, start: date | None = None,
                end: date | None = None) -> dict[str, str]:
    """URL query parameters that open the Concordance page on one cell."""
    params = {"kind": kind}
    if key is not None:
        params["key"] = str(key)
    if outlet is not None:
        params["cell_outlet"] = str(outlet)
    if start is not None:
        params["cell_from"] = start.isoformat()
    if end is not None:
        params["cell_to"] = end.isoformat()
    return params


def concordance_link(kind: str, *, key: str | None = None, outlet: str | None = None, start: date | None = None,
                     end: date | None = None, label: str = "Open these lines in the Concordance",
                     container=st) -> None:
    """Draw a page link to the Concordance page filtered to the cell (sidebar filters carry over)."""
    container.page_link(CONCORDANCE_PAGE, label=label, icon=":material/format_quote:",
                        query_params=cell_params(kind, key=key, outlet=outlet, start=start, end=end))


def article_link(article_id: str, *, label: str = "Read it on the Articles page", container=st) -> None:
    """Draw a page link to the Articles page opened on one article (sidebar filters carry over)."""
    container.page_link(ARTICLES_PAGE, label=label, icon=":material/article:",
                        query_params={ARTICLE_KEY: str(article_id)})


def linked_article(ids: list[str], widget_key: str) -> str | None:
    """The article named by the URL's ``article`` key, for the Articles page.

    When it is one of *ids* (the listed articles), the selectbox *widget_key* (over
    ``range(len(ids))``) is pointed at it, once per link, and ``None`` is returned; when it is
    not listed, its id is returned so the page can show it anyway. ``None`` without a link.
    Call before the selectbox is drawn; :func:`forget_linked_article` is its ``on_change``.
    """
    linked = st.query_params.get(ARTICLE_KEY)
    if not linked:
        return None
    if linked not in ids:
        return linked
    if st.session_state.get(f"{widget_key}_linked") != linked:
        st.session_state[widget_key] = ids.index(linked)
        st.session_state[f"{widget_key}_linked"] = linked
    return None


def forget_linked_article() -> None:
    """Drop the ``article`` URL key once the user chooses another article."""
    st.query_params.pop(ARTICLE_KEY, None)
