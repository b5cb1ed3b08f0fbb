"""Downloads: CSV bytes that open safely in a spreadsheet.

Neutralisation of formula-leading text (CSV injection) is :mod:`pipelines.csvsafe`, shared
with ``framewatch export``: the app shows the original text; the exported file prefixes such
text cells with ``'``.
"""

from __future__ import annotations

import pandas as pd

from pipelines.csvsafe import FORMULA_LEADS, neutralise_cell, to_csv_bytes  # noqa: F401 (re-exported)

TREND_COLUMNS = ["outlet", "period", "n_articles", "n_words", "n_mentions", "n_articles_with_mention",
                 "rate_per_1k", "rate_low", "rate_high", "share", "share_low", "share_high",
                 "collected", "status", "partial"]
"""Columns of the trend chart download, in order."""

MEASURE_COLUMNS = ["rate_per_1k", "rate_low", "rate_high", "share", "share_low", "share_high"]
"""Rates, shares and their interval bounds: rounded in the download only (see :func:`trend_rows`)."""
CSV_DECIMALS = 10
"""Decimals kept for measures in a download: enough for any rate, and no ``8.67e-16`` float noise."""
REAL_ZERO_STATUSES = ("ok", "no articles")
"""Row statuses whose mention counts are real numbers; for the others (``not collected``, ``no data``)
nobody looked, so the counts are empty, never 0."""

ARTICLE_COLUMNS = ["article_id", "outlet", "published_at", "title", "url", "n_words", "n_mentions",
                   "syndicated", "cluster_id"]
"""Columns of the article list download, in order (C11: ``syndicated`` and ``cluster_id`` included)."""


def trend_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The charted trend rows with the download's columns; ``period`` as an ISO date.

    Gap rows whose status is neither ``ok`` nor ``no articles`` (the collector was down, or
    nobody knows) have empty ``n_mentions`` and ``n_articles_with_mention``, like their rates:
    nothing was counted. With status ``no articles`` the collector ran and the outlet published
    nothing, so those counts are a real 0. Rates, shares and interval bounds are rounded to
    :data:`CSV_DECIMALS` decimals (the frame in memory keeps full precision); ``partial`` is
    True for a period only partly inside the selected dates (False when the frame has no such
    column).

    Parameters
    ----------
    df : the frame returned by :func:`pipelines.rollups.trend` (or
        :func:`dashboard.loaders.load_trend`, which adds ``partial``); not modified.

    Returns
    -------
    DataFrame of shape (n_rows, len(TREND_COLUMNS)), sorted by outlet then period.
    """
    out = df.reindex(columns=TREND_COLUMNS).sort_values(["outlet", "period"], ignore_index=True)
    out["period"] = pd.to_datetime(out["period"]).dt.strftime("%Y-%m-%d")
    uncounted = ~out["status"].isin(REAL_ZERO_STATUSES) & out["status"].notna()
    for col in ("n_mentions", "n_articles_with_mention"):
        out[col] = pd.to_numeric(out[col]).astype("Int64").mask(uncounted)
    for col in MEASURE_COLUMNS:
        out[col] = pd.to_numeric(out[col]).astype(float).round(CSV_DECIMALS) + 0.0   # + 0.0: no "-0.0"
    out["partial"] = out["partial"].astype("boolean").fillna(False).astype(bool)
    return out


def article_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The article list with the download's columns, in order.

    Parameters
    ----------
    df : the frame returned by :func:`pipelines.rollups.article_list`.

    Returns
    -------
    DataFrame of shape (n_articles, 9) with :data:`ARTICLE_COLUMNS`: ``syndicated`` is
    True / False (False for an article with no copies) and ``cluster_id`` is empty then.
    """
    out = df.reindex(columns=ARTICLE_COLUMNS)
    out["syndicated"] = out["syndicated"].fillna(False).astype(bool)
    return out
