"""Links from a chart cell to the Concordance page, filtered to exactly that cell.

The Concordance page (``views/concordance.py``) reads the cell from these URL keys, beside the
sidebar's own keys (:mod:`dashboard.filters`): ``kind`` (a key of
:data:`pipelines.concordance.KINDS`), ``key`` (the term, frame, pair or target; absent: all),
``cell_outlet`` (absent: every selected outlet), ``cell_from`` and ``cell_to`` (ISO dates;
absent: the selected dates).

Three pages keep the user's own choice in the URL too, so a shared or reloaded link shows what
the sender saw (:data:`CHOICE_KEYS`): ``pair`` (a pair id, on Word choice), ``dt_outlet`` and
``term`` (the outlet compared with the rest and the term whose lines are shown, on Distinctive
terms), ``target`` (repeated, at most six) and ``tone_measure`` (``tone`` or ``negative``,
on Tone toward targets). A page reads its keys on load (:func:`url_choice`): a value that is
not among its current choices, or longer than :data:`MAX_CHOICE_CHARS`, is dropped from the URL
and the page's default applies. A change writes the key (:func:`write_choice`), and the router
(``app.py``) drops the keys of every page but the one shown (:func:`keep_choice_keys`), so Trends
opened with ``pair=`` drops it too. The values are only compared with
the page's options, never shown or rendered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import streamlit as st

CONCORDANCE_PAGE = "views/concordance.py"
ARTICLES_PAGE = "views/articles.py"
CELL_KEYS = ("kind", "key", "cell_outlet", "cell_from", "cell_to")
"""URL keys that describe the cell on the Concordance page (kept by the sidebar's URL writer)."""
ARTICLE_KEY = "article"
"""URL key of the article a link opens on the Articles page (kept by the sidebar's URL writer)."""
CHOICE_KEYS = {"views/word_choice.py": ("pair",), "views/distinctive.py": ("dt_outlet", "term"),
               "views/tone.py": ("target", "tone_measure")}
"""URL keys of the choice made on a page, by page (kept by the sidebar's URL writer, dropped by other pages)."""
MAX_CHOICE_CHARS = 300
"""Longest URL value :func:`url_choice` compares with the options; a longer one is dropped unread."""
PAGE_KEYS = (*CELL_KEYS, ARTICLE_KEY, *(k for keys in CHOICE_KEYS.values() for k in keys))
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

    The selectbox *widget_key* holds positions: ``0 .. len(ids) - 1`` for the listed articles
    (*ids*), and ``len(ids)`` for a linked article that is not listed. Once per link (a new
    link, or the same article moving into or out of the list), the selectbox is pointed at the
    linked article. Returns its id when it is not listed, so the page can add and show it;
    ``None`` when it is listed or there is no link. Call before the selectbox is drawn;
    :func:`forget_linked_article` is its ``on_change``.
    """
    linked = st.query_params.get(ARTICLE_KEY)
    if not linked:
        return None
    listed = linked in ids
    if st.session_state.get(f"{widget_key}_linked") != (linked, listed):
        st.session_state[widget_key] = ids.index(linked) if listed else len(ids)
        st.session_state[f"{widget_key}_linked"] = (linked, listed)
    return None if listed else linked


def forget_linked_article() -> None:
    """Drop the ``article`` URL key once the user chooses another article."""
    st.query_params.pop(ARTICLE_KEY, None)


def keep_choice_keys(page: str) -> None:
    """Drop the :data:`CHOICE_KEYS` of every page but *page* (``"views/x.py"``) from the URL."""
    for other, keys in CHOICE_KEYS.items():
        if other != page:
            for k in keys:
                st.query_params.pop(k, None)


def _linked_marker(widget_key: str) -> str:
    return f"{widget_key}_url"


def url_choice(url_key: str, values: Sequence[str], widget_key: str, *, widget_values: Sequence | None = None,
               many: int = 0) -> bool:
    """Point the widget *widget_key* at the choice named by the URL key *url_key*, once per link.

    Parameters
    ----------
    values : the URL text of each current option (e.g. pair ids), in the widget's order.
    widget_values : what the widget holds for each option (e.g. ``range(len(values))`` for a
        selectbox over positions); default: *values* themselves.
    many : 0 for a one-value widget (selectbox, radio); for a multiselect, the most values kept
        (the URL key is repeated).

    Returns ``True`` when the URL set the widget on this run (call before the widget is drawn).
    URL values not among *values* (or longer than :data:`MAX_CHOICE_CHARS`) are dropped from
    the URL; when none is left the key goes and the widget keeps its default. Nothing is raised.
    """
    asked = st.query_params.get_all(url_key)
    if not asked:
        return False
    known = set(values)
    good = [v for v in dict.fromkeys(asked) if len(v) <= MAX_CHOICE_CHARS and v in known][:max(many, 1)]
    if good != asked:
        st.query_params.pop(url_key, None)
        if good:
            st.query_params[url_key] = good if many else good[0]
    if not good or st.session_state.get(_linked_marker(widget_key)) == good:
        return False
    chosen = [list(widget_values or values)[list(values).index(v)] for v in good]
    st.session_state[widget_key] = chosen if many else chosen[0]
    st.session_state[_linked_marker(widget_key)] = good
    return True


def write_choice(url_key: str, widget_key: str, values: Sequence[str], widget_values: Sequence | None = None) -> None:
    """``on_change`` of a widget read by :func:`url_choice`: write its new value to the URL key *url_key*.

    *values* and *widget_values* are those given to :func:`url_choice` when the widget was
    drawn. A multiselect's list is written as a repeated key; an empty choice removes the key.
    """
    held = list(widget_values or values)
    value = st.session_state[widget_key]
    chosen = [values[held.index(v)] for v in (value if isinstance(value, list) else [value]) if v in held]
    st.query_params.pop(url_key, None)
    if chosen:
        st.query_params[url_key] = chosen if isinstance(value, list) else chosen[0]
    st.session_state[_linked_marker(widget_key)] = chosen
