"""Cached loaders of the Tone toward targets page (:mod:`pipelines.tone`).

Keyed like :mod:`dashboard.loaders`: store path, its ``mtime_ns``, the filters as a tuple and
the page's own arguments. Only aggregated frames and capped evidence lines are cached.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from pipelines import concordance, tone

from .loaders import FiltersKey, _filters, _Store


@st.cache_data(show_spinner=False, max_entries=64)
def load_target_totals(path: str, version: int, filters: FiltersKey) -> pd.DataFrame:
    """:func:`pipelines.tone.target_totals`: targets named in the selection, most sentences first."""
    with _Store(path) as con:
        return tone.target_totals(con, _filters(filters))


@st.cache_data(show_spinner=False, max_entries=64)
def load_naming_counts(path: str, version: int, filters: FiltersKey, targets: tuple[str, ...]) -> tuple[int, int]:
    """:func:`pipelines.tone.naming_counts`: (sentence rows, distinct articles) naming the chosen targets."""
    with _Store(path) as con:
        return tone.naming_counts(con, _filters(filters), targets)


@st.cache_data(show_spinner=False, max_entries=64)
def load_tone_trend(path: str, version: int, filters: FiltersKey, granularity: str,
                    targets: tuple[str, ...]) -> pd.DataFrame:
    """:func:`pipelines.tone.tone_trend` for the chosen targets."""
    with _Store(path) as con:
        return tone.tone_trend(con, _filters(filters), granularity, targets)


@st.cache_data(show_spinner=False, max_entries=64)
def load_tone_matrix(path: str, version: int, filters: FiltersKey) -> pd.DataFrame:
    """:func:`pipelines.tone.tone_matrix` for every target named in the selection."""
    with _Store(path) as con:
        return tone.tone_matrix(con, _filters(filters))


@st.cache_data(show_spinner=False, max_entries=16)
def load_gazetteer_version(path: str, version: int) -> str | None:
    """The ``version`` of the store's ``targets`` table (``None`` when the store has none)."""
    with _Store(path) as con:
        row = con.execute("SELECT any_value(version) FROM targets").fetchone()
    return row[0] if row else None


@st.cache_data(show_spinner=False, max_entries=32)
def load_tone_lines(path: str, version: int, filters: FiltersKey, target: str, outlet: str | None,
                    start: date | None, end: date | None, limit: int = 20) -> pd.DataFrame:
    """The first *limit* KWIC lines of a cell (:func:`pipelines.concordance.concordance`, kind ``target``)."""
    with _Store(path) as con:
        return concordance.concordance(con, _filters(filters), "target", key=target, outlet=outlet, start=start,
                                       end=end, limit=limit)
