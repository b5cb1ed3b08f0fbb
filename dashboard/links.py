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
CELL_KEYS = ("kind", "key", "cell_outlet", "cell_from", "cell_to")
"""URL keys that describe the cell on the Concordance page (kept by the sidebar's URL writer)."""


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
