"""Incremental scoring: which articles still need scores, and whether the old scores still hold.

The score stage (:func:`pipelines.run._score` with ``only_new=True``, used by
``framewatch collect``) scores only :func:`unscored_rowids` when :func:`definitions_digest` of
the store is the same before and after it writes the current lexicon, topics, frame lexicon,
word-choice pairs and targets; any difference (an edited lexicon, a new topic query, another
frame threshold) means every stored article is scored again. Either way, articles without rows
of the store's frame model then get them (:func:`pipelines.frame_model.apply_to_new_articles`).
"""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np

from .engines import store_rowids

DEFINITION_QUERIES = {
    "lexicon": "SELECT term, variants, category, target, counterpart, ignore FROM lexicon",
    "topics": "SELECT topic, query FROM topics WHERE query IS NOT NULL",
    "frame_lexicon": "SELECT term, variants, frame, ignore FROM frame_lexicon",
    "pairs": "SELECT pair_id, loaded_spellings, counterpart_spellings, category FROM pairs",
    "targets": "SELECT target, alias, alias_kind, match_case FROM targets",
}
"""What the per-article scores depend on, one query per definition table (notes and file names left out).
Topics from an input column are left out: they belong to the article, not to the definitions."""


def definitions_digest(con: duckdb.DuckDBPyConnection, frame_threshold: int) -> str:
    """Content hash of the definition tables (:data:`DEFINITION_QUERIES`) and the frame threshold.

    Returns
    -------
    str
        40 hex digits; equal digests mean per-article scores computed under one are valid under the other.
    """
    digest = hashlib.sha1(f"frame_threshold={frame_threshold}".encode())
    for name, query in DEFINITION_QUERIES.items():
        rows = sorted(con.execute(query).fetchall(), key=repr)
        digest.update(f"\n{name}:{rows!r}".encode("utf-8"))
    return digest.hexdigest()


def unscored_rowids(con: duckdb.DuckDBPyConnection) -> np.ndarray:
    """``rowid`` of the stored articles that have no ``article_scores`` rows yet, sorted (int64 array;
    :class:`pipelines.engines.Batch` says how long a rowid holds)."""
    return store_rowids(con, "article_id NOT IN (SELECT article_id FROM article_scores)")
