"""Cached loaders of the Frames page (:mod:`pipelines.frames`).

Keyed like :mod:`dashboard.loaders`: store path, the store's ``mtime_ns``, the filters as a
tuple, and the loader's own arguments. Only aggregated frames are cached.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipelines import frames
from pipelines.frame_model import latest_model_card

from .charts import mark_partial_periods
from .loaders import FiltersKey, _filters, _Store


@st.cache_data(show_spinner=False, max_entries=16)
def load_frame_meta(path: str, version: int) -> dict:
    """What the Frames page needs to know about the store.

    Returns
    -------
    dict with ``methods`` (list of str: methods with rows in ``article_frames``; empty for a
    store scored before frames existed), ``threshold`` (int: tokens needed, from the last
    scoring), ``version`` (str or None: the frame lexicon's version,
    :func:`pipelines.frames.frames_version`), ``frames`` (method -> the frames it scores,
    :func:`pipelines.frames.scored_frames`) and ``model_card`` (dict or None:
    :func:`pipelines.frame_model.latest_model_card`).
    """
    with _Store(path) as con:
        have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if not {"article_frames", "frame_mentions", "frame_lexicon"} <= have:
            return dict(methods=[], threshold=frames.FRAME_THRESHOLD, version=None, frames={}, model_card=None)
        methods = frames.available_methods(con)
        card = latest_model_card(con) if "model" in methods and "runs" in have else None
        return dict(methods=methods, threshold=frames.stored_threshold(con), version=frames.stored_version(con),
                    frames={m: frames.scored_frames(con, m) for m in methods}, model_card=card)


@st.cache_data(show_spinner=False, max_entries=64)
def load_frame_matrix(path: str, version: int, filters: FiltersKey, method: str) -> pd.DataFrame:
    """:func:`pipelines.frames.frame_matrix`: every outlet × frame over the selection."""
    with _Store(path) as con:
        return frames.frame_matrix(con, _filters(filters), method)


@st.cache_data(show_spinner=False, max_entries=64)
def load_frame_trend(path: str, version: int, filters: FiltersKey, granularity: str, frame: str,
                     method: str) -> pd.DataFrame:
    """:func:`pipelines.frames.frame_trend` for one frame, with partial periods flagged
    (:func:`dashboard.charts.mark_partial_periods`)."""
    f = _filters(filters)
    with _Store(path) as con:
        df = frames.frame_trend(con, f, frame, granularity, method)
        first, last = con.execute("SELECT min(day), max(day) FROM articles").fetchone()
    start = max((d for d in (f.start, first) if d is not None), default=None)
    end = min((d for d in (f.end, last) if d is not None), default=None)
    return mark_partial_periods(df, granularity, start, end)
