"""Incremental scoring: which articles still need scores, and whether the old scores still hold.

The score stage (:func:`pipelines.run._score` with ``only_new=True``, used by
``framewatch collect``) scores only :func:`unscored_rowids` when :func:`definition_versions` of
the store are the same before and after it writes the current lexicon, topics, frame lexicon,
word-choice pairs and targets, and the scoring rules (:data:`pipelines.rules.RULES_VERSION`) are
those of the store's last scoring; any difference (an edited lexicon or pairs file, a new topic
query, another frame threshold, a framewatch whose scoring rules changed, or a store whose runs
never recorded its rules) means every stored article is scored again. Either way, articles
without rows of the store's frame model then get them
(:func:`pipelines.frame_model.apply_to_new_articles`). Every run that scores records the same
versions in its ``runs`` row, so the store says which definitions and rules its numbers were computed under.
"""

from __future__ import annotations

import hashlib
import json

import duckdb
import numpy as np

from .engines import store_rowids
from .lexicon import Entry, Lexicon
from .rules import RULES_VERSION
from .schemas import column_names
from .storage import columns_sql

VERSION_COLUMNS = ("pairs_version", "topics_version", "frames_version", "frame_threshold", "targets_version",
                   "rules_version")
"""The ``runs`` columns beside ``lexicon_version`` that :func:`definition_versions` fills."""

_ROW_VERSIONS = {
    "pairs_version": ("pairs-", f"SELECT {', '.join(c for c in column_names('pairs') if c != 'source')} FROM pairs"),
    "topics_version": ("topics-", "SELECT topic, query FROM topics WHERE query IS NOT NULL"),
}
"""Definitions without a version of their own: a prefix and the rows whose content is hashed (file names
left out; topics from an input column too, as they belong to the article, not to the definitions)."""


def definition_versions(con: duckdb.DuckDBPyConnection, frame_threshold: int,
                        rules_version: str | None = RULES_VERSION) -> dict[str, str | int | None]:
    """The version of each definition the per-article scores depend on, read from the store's tables,
    and of the scoring rules that apply them.

    ``lexicon_version``: :attr:`pipelines.lexicon.Lexicon.version` of the ``lexicon`` table (the
    loaded lexicon's own version: entries with their notes, not their files); ``frames_version``:
    :func:`pipelines.frames.stored_version` (of ``frame_lexicon``); ``targets_version``: the
    ``tgt-`` version stored with ``targets`` (:attr:`pipelines.tone.Gazetteer.version`);
    ``pairs_version`` and ``topics_version``: ``pairs-`` / ``topics-`` and 12 hex digits of
    SHA-256 over the rows of ``pairs`` (file name left out) and the topic queries;
    ``frame_threshold``: *frame_threshold*; ``rules_version``: *rules_version* (the rules are code,
    not a table: this framewatch's :data:`pipelines.rules.RULES_VERSION`, or for the rows already
    stored the version the store's last scoring recorded, :func:`recorded_versions`; None: unknown).
    An empty table gives None.

    Returns
    -------
    dict
        ``lexicon_version`` and :data:`VERSION_COLUMNS` (str or None; ``frame_threshold`` int).
        Equal dicts mean per-article scores computed under one are valid under the other.
    """
    from .frames import stored_version

    lexicon = stored_lexicon(con, "lexicon")
    targets = sorted(v for (v,) in con.execute("SELECT DISTINCT version FROM targets").fetchall())
    versions: dict[str, str | int | None] = {
        "lexicon_version": lexicon.version if lexicon.entries else None,
        "frames_version": stored_version(con),
        "frame_threshold": int(frame_threshold),
        "targets_version": "|".join(targets) or None,
        "rules_version": rules_version,
    }
    for name, (prefix, query) in _ROW_VERSIONS.items():
        rows = sorted(json.dumps(row, ensure_ascii=False, default=str) for row in con.execute(query).fetchall())
        versions[name] = prefix + hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()[:12] if rows else None
    return versions


def recorded_versions(con: duckdb.DuckDBPyConnection) -> dict[str, str | int | None]:
    """The versions recorded by the store's last run that scored (its latest ``runs`` row with a
    lexicon version): ``lexicon_version`` and :data:`VERSION_COLUMNS`, None where unknown (no such
    run, or a store written before the column existed, read as it is)."""
    names = ("lexicon_version", *VERSION_COLUMNS)
    rows = con.execute(f"SELECT {columns_sql(con, 'runs', names)} FROM runs WHERE lexicon_version IS NOT NULL "
                       "ORDER BY started_at DESC LIMIT 1").fetchall()
    return dict(zip(names, rows[0] if rows else (None,) * len(names)))


def stored_lexicon(con: duckdb.DuckDBPyConnection, table: str = "lexicon") -> Lexicon:
    """The entries of the ``lexicon`` or ``frame_lexicon`` table (its ``frame`` as the category) as a
    :class:`pipelines.lexicon.Lexicon` without sources, whose ``version`` is that of the lexicon written there."""
    query = {"lexicon": "SELECT term, variants, category, target, counterpart, note, ignore FROM lexicon",
             "frame_lexicon": "SELECT term, variants, frame, NULL, NULL, note, ignore FROM frame_lexicon"}[table]
    entries = tuple(Entry(term=term, category=category, variants=tuple(variants.split("|")) if variants else (),
                          target=target, counterpart=counterpart, note=note, ignore=bool(ignore))
                    for term, variants, category, target, counterpart, note, ignore in con.execute(query).fetchall())
    return Lexicon(entries, ())


def unscored_rowids(con: duckdb.DuckDBPyConnection) -> np.ndarray:
    """``rowid`` of the stored articles that have no ``article_scores`` rows yet, sorted (int64 array;
    :class:`pipelines.engines.Batch` says how long a rowid holds)."""
    return store_rowids(con, "article_id NOT IN (SELECT article_id FROM article_scores)")
