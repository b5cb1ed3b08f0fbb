"""Cached loaders of the Word choice page (counterpart pairs, :mod:`pipelines.wordchoice`).

Keyed like :mod:`dashboard.loaders`: store path, the store's ``mtime_ns``, the filters as a
tuple, and the loader's own arguments. Only aggregated frames and at most a page of KWIC
lines are cached.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from pipelines import wordchoice
from pipelines.concordance import concordance

from .loaders import FiltersKey, _filters, _Store


@st.cache_data(show_spinner=False, max_entries=16)
def load_has_pairs(path: str, version: int) -> bool:
    """Whether the store was scored with word-choice pairs (a ``pairs`` table with rows)."""
    with _Store(path) as con:
        have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return {"pairs", "pair_mentions"} <= have and con.execute("SELECT count(*) FROM pairs").fetchone()[0] > 0


@st.cache_data(show_spinner=False, max_entries=64)
def load_pair_totals(path: str, version: int, filters: FiltersKey) -> pd.DataFrame:
    """:func:`pipelines.wordchoice.pair_totals`: every pair with its uses in the selection, most used first."""
    with _Store(path) as con:
        return wordchoice.pair_totals(con, _filters(filters))


@st.cache_data(show_spinner=False, max_entries=64)
def load_pair_shares(path: str, version: int, filters: FiltersKey, granularity: str | None,
                     pair_id: str | None) -> pd.DataFrame:
    """:func:`pipelines.wordchoice.pair_shares` (``granularity=None``: the whole selection per outlet)."""
    with _Store(path) as con:
        return wordchoice.pair_shares(con, _filters(filters), granularity, pair_id)


@st.cache_data(show_spinner=False, max_entries=32)
def load_pair_lines(path: str, version: int, filters: FiltersKey, key: str, outlet: str | None,
                    start: date | None, end: date | None, limit: int) -> pd.DataFrame:
    """The first *limit* KWIC lines (by date) of a cell: :func:`pipelines.concordance.concordance`, kind ``pair``."""
    with _Store(path) as con:
        return concordance(con, _filters(filters), "pair", key=key, outlet=outlet, start=start, end=end,
                           limit=limit)
