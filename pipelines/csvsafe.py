"""CSV that opens safely in a spreadsheet (used by ``framewatch export`` and the dashboard).

A text cell that begins with ``=``, ``+``, ``-``, ``@``, TAB or CR is run as a formula by
spreadsheet programs (OWASP "CSV injection"); quoting the field does not stop it. Such
cells of text columns are prefixed with ``'``. Numeric columns are left alone, so ``-0.25``
stays a number.
"""

from __future__ import annotations

import pandas as pd

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP)."""


def neutralise_cell(value):
    """Prefix a formula-leading *string* with ``'``; return anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def _is_text_column(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s) or s.dtype == object


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """The frame as CSV bytes: UTF-8 with BOM, a header row, no index, text cells neutralised.

    Parameters
    ----------
    df : DataFrame of shape (n_rows, n_columns); not modified.

    Returns
    -------
    bytes
        The CSV file, ``n_rows + 1`` lines; missing values are empty cells, never 0.
    """
    out = df.copy()
    for col in out.columns:
        if _is_text_column(out[col]):
            out[col] = out[col].astype(object).map(neutralise_cell)
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
