"""What the router hands to the pages through ``st.session_state``."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from pipelines.rollups import Filters

from .filters import Selection
from .loaders import filters_key

KEY = "fw_context"


@dataclass(frozen=True)
class Context:
    """The store being read and the current selection.

    Parameters
    ----------
    path : store path (str); version : its ``mtime_ns`` (cache key).
    summary : :func:`dashboard.loaders.load_store_summary` of the store.
    selection : the sidebar's :class:`dashboard.filters.Selection`.
    """

    path: str
    version: int
    summary: dict
    selection: Selection

    @property
    def filters(self) -> Filters:
        return self.selection.filters

    @property
    def key(self) -> tuple:
        return filters_key(self.selection.filters)

    @property
    def granularity(self) -> str:
        return self.selection.granularity

    @property
    def lexicon_version(self) -> str:
        return self.summary.get("lexicon_version") or "unknown"

    @property
    def pairs_version(self) -> str:
        return self.summary.get("pairs_version") or "unknown"


def page_context() -> Context:
    """The context set by ``app.py``; stops the page with an info message when there is none.

    Every selection is one the pages can show: an empty list filter means all
    (:func:`dashboard.filters.sidebar_filters`).
    """
    ctx: Context | None = st.session_state.get(KEY)
    if ctx is None:
        st.info("Open the dashboard through its main page (`framewatch dashboard`).")
        st.stop()
    return ctx
