"""Wiring: each stage reads the store, calls the pure functions, validates and writes.

:func:`run_ingest`, :func:`run_score`, :func:`run_aggregate` and :func:`run_pipeline` are
what the ``framewatch`` commands call. Every call works on a copy of the store and replaces
the store only when it has finished (:func:`pipelines.storage.writing`), and records a
``runs`` row with the code version, the versions of the definitions it scored with (lexicon,
pairs, topics, frame lexicon and threshold, targets, and the scoring rules' version;
:func:`pipelines.incremental.definition_versions`),
its settings and its counts.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from . import __version__
from .aggregate import build_article_counts, build_daily
from .csvsafe import to_csv_bytes
from .dates import count_undated_reasons, undated_reasons_text
from .engines import (BATCH_TABLES, DaskScorer, EngineOptions, ScoreStages, count_name_hits, plan_batches, read_batch,
                      score_dask, score_local, store_rowids)
from .errors import plural
from .frame_model import apply_to_new_articles
from .frames import (FRAME_THRESHOLD, FrameScorer, frame_lexicon_frame, read_frames_lexicon, reset_frames,
                     stored_threshold)
from .incremental import VERSION_COLUMNS, definition_versions, recorded_versions, unscored_rowids
from .ingest import IngestOptions, duplicate_keys, ingest_file_batches
from .lexicon import Lexicon, LexiconMatcher, load_lexicon
from .outlets import BUILTIN_REGISTRY, Registry, read_registry
from .schemas import column_names
from .storage import read_table, write_table, writing
from .syndication import cluster_signatures, find_clusters, signature_arrays, sketch_articles
from .tone import Gazetteer, prepare_targets, read_gazetteer
from .topics import TopicDef, TopicMatcher, read_topics, split_topic_cell
from .wordchoice import start_pairs

SCORE_CHUNK = 5000
"""Articles scored and written per chunk (bounds memory on large stores)."""


@dataclass
class RunSummary:
    """Counts of a run, as printed on one line by the CLI."""

    run_id: str
    n_input: int = 0
    n_ingested: int = 0
    n_duplicates: int = 0
    n_rejected: int = 0
    n_undated: int = 0
    n_title_only: int = 0
    """Articles stored by this run without a body: their text is the title and lead (``text_origin``
    ``title+lead``; e.g. KCNA's photo and video items). They count in every denominator."""
    reject_reasons: dict[str, int] = field(default_factory=dict)
    """This run's rejected records by reason (``no_text 12``), most first as they came."""
    undated_reasons: dict[str, int] = field(default_factory=dict)
    """The undated articles stored by this run by kind of reason (:func:`pipelines.dates.count_undated_reasons`)."""
    n_articles: int = 0
    n_mentions: int = 0
    n_name_hits: int | None = None
    """Lexicon hits left out as parts of proper names in the articles this run scored
    (:func:`pipelines.lexicon.name_parts`: "Young Thug"); None when it scored nothing."""
    name_hit_terms: dict[str, int] = field(default_factory=dict)
    """Those hits by lexicon term, most first (:func:`pipelines.engines.count_name_hits`)."""
    n_daily_rows: int = 0
    n_model_articles: int = 0
    """Articles given rows of the store's frame model in this run (:func:`pipelines.frame_model.apply_to_new_articles`)."""
    lexicon_version: str | None = None
    versions: dict[str, str | int | None] = field(default_factory=dict)
    """Versions of the definitions scored with, by ``runs`` column (:func:`pipelines.incremental.definition_versions`);
    empty when the run scored nothing (an ingest)."""
    elapsed_s: float = 0.0
    warnings: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """Wall seconds of each step of the run (ingest, score, clusters, aggregate, commit), for benchmarks.
    An overlapped run (:func:`_ingest_and_score`): ``ingest`` includes fitting the stages and
    starting the cluster, ``score`` is the scoring left when the ingest ended, ``rescore`` the
    part of it spent re-scoring, and ``overlap`` the seconds from the first batch handed to the
    workers to the end of the ingest."""
    n_scored_during_ingest: int | None = None
    """Overlapped run: articles scored while the ingest was still going (None: no overlap)."""
    n_rescored: int | None = None
    """Overlapped run: articles scored again at the end because a later copy changed their topics."""
    changed_definitions: list[str] = field(default_factory=list)
    """The definitions (lexicon, topics, ...) whose version differs from the store's last scoring: why
    the stored articles' scores changed (the line names them)."""
    notes: list[str] = field(default_factory=list)
    """Said to the user beside the line, not recorded in ``runs`` (not about this run's data): that the
    last command writing the store never ended (:func:`pipelines.storage.writing`)."""

    def line(self) -> str:
        """One-line summary: ingested (and how many without a body), duplicates, rejected, undated (by kind
        of reason), mentions and the articles scored (``the whole store, scored again`` when that is more
        than this run's: a run scores every stored article; with the definitions that changed since the
        store's last scoring, ``; changed since its last scoring: topics``; an ingest says it scored nothing),
        the hits left out as parts of names when there were some, with their three most frequent terms
        (``left out as parts of names 26 (thug 9, savage 5, martyrs 4, ...)``), elapsed
        (wall seconds of the run's work; starting Python and reading the definitions not counted)."""
        ingested = f"ingested {self.n_ingested}"
        if self.n_title_only:
            ingested += f" ({self.n_title_only} without a body: title and lead only)"
        if self.versions:
            scored = f"mentions {self.n_mentions} in {self.n_articles} article{'' if self.n_articles == 1 else 's'}"
            if self.n_articles != self.n_ingested:
                why = f"; changed since its last scoring: {', '.join(self.changed_definitions)}" \
                    if self.changed_definitions else ""
                scored += f" (the whole store, scored again{why})"
        else:
            scored = "not scored yet (`framewatch score`, then `framewatch aggregate`)"
        parts = [ingested, f"duplicates {self.n_duplicates}", f"rejected {self.n_rejected}", scored,
                 f"elapsed {self.elapsed_s:.1f}s"]
        if self.n_undated:
            reasons = undated_reasons_text(self.undated_reasons)
            parts.insert(3, f"undated {self.n_undated} (kept; {reasons + ' -- ' if reasons else ''}"
                            "`framewatch rejects --undated` lists them)")
        if self.versions and self.n_name_hits:
            parts.insert(-1, f"left out as parts of names {self.n_name_hits} ({self.name_hits_text()})")
        if self.n_model_articles:
            parts.insert(-1, f"frame model applied to {plural(self.n_model_articles, 'new article')}")
        if self.n_scored_during_ingest is not None:
            parts.insert(-1, f"scored during ingest {self.n_scored_during_ingest}, re-scored {self.n_rescored}")
        return ", ".join(parts)

    def stored_nothing(self) -> bool:
        """True when the run read its input and the store holds none of it: every record rejected,
        or no records at all (an empty file, only a header row or blank lines, files not read). A
        record folded into a stored article (the same file run again) is held, so it counts as stored."""
        return self.n_ingested == 0 and self.n_duplicates == 0

    def nothing_stored_text(self, store: str | Path) -> str:
        """Why :meth:`stored_nothing`, in one sentence for the ``Error:`` line: ``nothing was stored: 0 of
        12 records ingested: 12 rejected (no_text 12); `framewatch rejects --store S` lists why``, or, when
        no record was read, that the input held none (the warnings before it name each file and why)."""
        if self.n_input == 0:
            return ("nothing was stored: the input held no records (the Warning: lines above say why for each "
                    "file: empty, only a header row or only blank lines); give a file with a header row and at "
                    "least one record")
        reasons = ", ".join(f"{reason} {n:,}" for reason, n in sorted(self.reject_reasons.items(),
                                                                       key=lambda kv: -kv[1]))
        return (f"nothing was stored: 0 of {plural(self.n_input, 'record')} ingested: {self.n_rejected:,} rejected"
                + (f" ({reasons})" if reasons else "") + f"; `framewatch rejects --store {store}` lists why")

    def name_hits_text(self, top: int = 3) -> str:
        """The *top* terms most often left out as parts of names, with their hits: ``thug 9, savage 5,
        martyrs 4, ...`` (``...`` when there are more terms)."""
        terms = list(self.name_hit_terms.items())
        return ", ".join(f"{term} {n}" for term, n in terms[:top]) + (", ..." if len(terms) > top else "")

    def versions_text(self) -> str:
        """The definitions scored with, as recorded in ``runs``: ``lexicon lex-…, pairs pairs-…, topics
        topics-…, frames frames-… (threshold 3), targets tgt-…, scoring rules r3`` (``none`` for an empty
        definition, ``unknown`` for rules not recorded)."""
        v = {name: value or "none" for name, value in self.versions.items()}
        return (f"lexicon {self.lexicon_version or 'none'}, pairs {v.get('pairs_version', 'none')}, "
                f"topics {v.get('topics_version', 'none')}, frames {v.get('frames_version', 'none')} "
                f"(threshold {v.get('frame_threshold', 'none')}), targets {v.get('targets_version', 'none')}, "
                f"scoring rules {self.versions.get('rules_version') or 'unknown'}")


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)


def _record_run(con, run_id: str, stage: str, started: datetime, elapsed: float, settings: dict,
                summary: RunSummary, lexicon_version: str | None) -> None:
    write_table(con, "runs", pd.DataFrame([{
        "run_id": run_id, "stage": stage, "started_at": started, "elapsed_s": elapsed,
        "code_version": __version__, "lexicon_version": lexicon_version,
        "settings": json.dumps(settings, default=str, sort_keys=True),
        "n_input": summary.n_input, "n_ingested": summary.n_ingested, "n_duplicates": summary.n_duplicates,
        "n_rejected": summary.n_rejected, "n_mentions": summary.n_mentions,
        "warnings": json.dumps(summary.warnings, ensure_ascii=False),
        **{name: summary.versions.get(name) for name in VERSION_COLUMNS},
        "n_name_hits": summary.n_name_hits,
        "name_hit_terms": None if summary.n_name_hits is None else json.dumps(summary.name_hit_terms,
                                                                              ensure_ascii=False),
    }]))


def _ingest(con, inputs: list[Path], options: IngestOptions, run_id: str, summary: RunSummary,
            progress: bool, registry: Registry) -> None:
    # Batch by batch: each batch's articles are in the store before the next is read, so at most
    # one batch of texts is in memory (duplicates of earlier batches update them like stored ones).
    for result in ingest_file_batches(inputs, options, run_id, stored_keys(con), registry=registry,
                                      progress=progress):
        write_ingest(con, result, summary, registry, refresh=False)
    summary.warnings += _refresh_outlets(con, registry)


def stored_keys(con) -> dict[str, str]:
    """Duplicate keys of the stored articles (:func:`pipelines.ingest.duplicate_keys`)."""
    stored = con.execute("SELECT article_id, outlet, published_at, title, text_hash, url_norm, "
                         "coalesce(source_id, '') AS source_id FROM articles").df()
    return duplicate_keys(stored)


def write_ingest(con, result, summary: RunSummary, registry: Registry, refresh: bool = True) -> np.ndarray:
    """Write an :class:`pipelines.ingest.IngestResult` (articles, copies, rejects, coverage) and add its counts.

    *refresh*: rebuild the ``outlets`` table from the stored articles (once per ingest is enough).

    Returns
    -------
    ndarray of int64
        Sorted ``rowid`` of the stored articles whose topic cell a copy in *result* changed (a
        topic it did not list): the only thing a later record changes in what an earlier
        article's scores are computed from (``article_topics`` of the topic column).
    """
    articles = result.articles
    changed = np.empty(0, dtype=np.int64)
    if len(articles):
        write_table(con, "articles", articles[column_names("articles")])
    if result.duplicates_of_stored:
        from .ingest import merge_topic_cells
        stored = {aid: (rowid, cell) for aid, rowid, cell in con.execute(
            "SELECT article_id, rowid, topics_raw FROM articles WHERE article_id IN (SELECT unnest(?))",
            [list(result.duplicates_of_stored)]).fetchall()}
        copies = pd.DataFrame([(aid, n, merge_topic_cells(stored[aid][1] if aid in stored else None, topics))
                               for aid, (n, topics) in result.duplicates_of_stored.items()],
                              columns=["article_id", "n_more", "topics_raw"]).astype({"topics_raw": object})
        changed = np.array(sorted(stored[aid][0] for aid, cell in zip(copies["article_id"], copies["topics_raw"])
                                  if aid in stored and split_topic_cell(cell) != split_topic_cell(stored[aid][1])),
                           dtype=np.int64)
        # One set-based update: a batch may hold thousands of copies of earlier batches' articles.
        # Only copies of this run's own articles count in n_copies: an article stored by an earlier
        # run read again (the same file run twice) is a duplicate, not one more copy; its topic
        # labels are still merged (a later listing under another section is data of the article).
        con.register("_fw_copies", copies)
        try:
            con.execute("UPDATE articles SET n_copies = articles.n_copies + CASE WHEN articles.run_id = ? "
                        "THEN c.n_more ELSE 0 END, topics_raw = c.topics_raw "
                        "FROM _fw_copies AS c WHERE articles.article_id = c.article_id", [summary.run_id])
        finally:
            con.unregister("_fw_copies")
    write_table(con, "rejects", _new_rejects(con, result.rejects, summary.run_id))
    if len(result.coverage):
        # A newer coverage file replaces what was known of the same outlet-days.
        con.register("_fw_cov", result.coverage)
        con.execute("DELETE FROM coverage USING _fw_cov WHERE coverage.outlet = _fw_cov.outlet "
                    "AND coverage.day = _fw_cov.day")
        con.unregister("_fw_cov")
        write_table(con, "coverage", result.coverage)
    if refresh:
        summary.warnings += _refresh_outlets(con, registry)
    summary.n_input += result.n_input
    summary.n_ingested += result.n_ingested
    summary.n_duplicates += result.n_duplicates
    summary.n_rejected += result.n_rejected
    for reason, n in result.rejects["reason"].value_counts(sort=False).items():
        summary.reject_reasons[reason] = summary.reject_reasons.get(reason, 0) + int(n)
    summary.n_undated += result.n_undated
    if len(articles):
        summary.n_title_only += int((articles["text_origin"] == "title+lead").sum())
    if result.n_undated:
        undated = articles.loc[articles["published_at"].isna(), "date_note"].tolist()
        for kind, n in count_undated_reasons(undated).items():
            summary.undated_reasons[kind] = summary.undated_reasons.get(kind, 0) + n
    summary.warnings += result.warnings
    return changed


_EVENT_REJECTS = ("feed_failed", "page_failed")
"""Reject reasons that record an event (a fetch that failed this time), not a record: kept at every run."""


def _new_rejects(con, rejects: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """*rejects* without the rows an earlier run already stored (same file, row, reason, detail and
    record): a file run again is rejected again, but its records are listed and counted once by
    ``framewatch rejects`` and the dashboard. Failed fetches (:data:`_EVENT_REJECTS`) all stay."""
    if rejects.empty:
        return rejects
    files = sorted(set(rejects["source_file"]))
    seen = {(f, None if r is None else int(r), reason, detail, record) for f, r, reason, detail, record in con.execute(
        "SELECT source_file, source_row, reason, detail, record FROM rejects WHERE run_id <> ? "
        "AND source_file IN (SELECT unnest(?))", [run_id, files]).fetchall()}
    if not seen:
        return rejects
    keys = zip(rejects["source_file"], rejects["source_row"], rejects["reason"], rejects["detail"], rejects["record"])
    keep = [reason in _EVENT_REJECTS or (f, None if pd.isna(r) else int(r), reason, detail, record) not in seen
            for f, r, reason, detail, record in keys]
    return rejects[keep]


def _refresh_outlets(con, registry: Registry) -> list[str]:
    """Rebuild the ``outlets`` table for the outlets of the stored articles, keeping what the store knows.

    An outlet named by a user registry given to this run (``--outlets``) takes that entry's
    country and type; one the store already knows from a registry keeps its stored row (a run
    without the user's registry, or with another one, changes nothing the store learnt from an
    earlier run: e.g. the demo's outlets stay ``synthetic``, which the dashboard's banner reads);
    the others take the built-in registry's entry, or none (``in_registry`` false).

    Returns
    -------
    list of str
        One warning per stored outlet whose country or type this run's registry changed
        (``outlet registry FILE changed 'Foo News': type 'x' -> 'y'``); empty when none did.
    """
    names = [r[0] for r in con.execute("SELECT DISTINCT outlet FROM articles ORDER BY 1").fetchall()]
    stored = {outlet: (country, kind, known) for outlet, country, kind, known in
              con.execute("SELECT outlet, country, type, in_registry FROM outlets").fetchall()}
    builtin = BUILTIN_REGISTRY.name
    rows, changes = [], []
    for name in names:
        entry = registry.outlets.get(name)
        before = stored.get(name)
        if entry is not None and (entry.source != builtin or before is None or not before[2]):
            row = (entry.country, entry.type, True)
            if entry.source != builtin and before is not None and before[2] and before[:2] != row[:2]:
                what = "; ".join(f"{field} {old!r} -> {new!r}" for field, old, new
                                 in zip(("country", "type"), before[:2], row[:2]) if old != new)
                changes.append(f"outlet registry {entry.source} changed the stored outlet '{name}': {what}")
        else:
            row = before if before is not None else (None, None, False)
        rows.append({"outlet": name, "country": row[0], "type": row[1], "in_registry": bool(row[2])})
    write_table(con, "outlets", pd.DataFrame(rows, columns=column_names("outlets")), replace=True)
    return changes


def _score(con, lexicon: Lexicon, topics: list[TopicDef], use_topic_column: bool, summary: RunSummary,
           progress: bool, registry: Registry, frames: FrameScorer | None = None,
           gazetteer: Gazetteer | None = None, only_new: bool = False, engine: EngineOptions | None = None,
           column_only: frozenset = frozenset()) -> bool:
    """Score the stored articles; with *only_new*, only those without scores, unless the lexicon,
    topics, frames, pairs or targets differ from the store's, or the scoring rules
    (:data:`pipelines.rules.RULES_VERSION`) from those its last scoring recorded (then all); then give articles without
    rows of the store's frame model those rows (:func:`pipelines.frame_model.apply_to_new_articles`).

    The *topics* queries apply to the articles not stored by a run of *column_only*
    (:func:`column_only_runs`), which keep their topic column's topics; when every stored article
    is of such a run, no query is written or applied (as with *topics* empty).
    Returns True when all were scored."""
    frames = frames or FrameScorer().fit()
    recorded = recorded_versions(con)
    before = definition_versions(con, stored_threshold(con), recorded["rules_version"]) if only_new else None
    topics = topics if _queries_apply(con, topics, column_only) else []
    _write_topics(con, topics, use_topic_column)
    outlet_names = {name: registry.names_of(name)
                    for (name,) in con.execute("SELECT DISTINCT outlet FROM articles").fetchall()}
    stages = _fit_stages(con, lexicon, topics, use_topic_column, frames, gazetteer, summary.warnings, outlet_names,
                         column_only)
    summary.versions = definition_versions(con, frames.threshold)
    summary.changed_definitions = _changed(recorded, summary.versions, lexicon.version)
    full = before is None or before != summary.versions
    if full:
        _clear_scores(con, frames)
    # Batches are cut in store order and read by rowid range: each read touches only its own rows.
    todo = store_rowids(con) if full else unscored_rowids(con)
    rest = np.empty(0, dtype=np.int64) if full else np.setdiff1d(store_rowids(con), todo, assume_unique=True)
    t_score = time.perf_counter()
    sketches: list = []
    name_hits: list = []
    if engine is not None and engine.name == "dask":
        n_mentions = score_dask(con, plan_batches(todo, SCORE_CHUNK), stages, engine, sketches, name_hits)
    else:
        n_mentions = score_local(con, plan_batches(todo, SCORE_CHUNK), stages, progress, sketches, name_hits)
    summary.n_name_hits, summary.name_hit_terms = count_name_hits(name_hits)
    summary.stage_seconds["score"] = time.perf_counter() - t_score
    _finish_score(con, sketches, rest, summary, lexicon)
    summary.n_mentions = n_mentions
    summary.n_articles = len(todo)
    return full


def column_only_runs(con) -> frozenset:
    """``run_id`` of the store's runs (``framewatch run``) that took topics from the input's topic
    column instead of the topic queries (``--topic-column`` without ``--topics``: ``topic_queries``
    false in ``runs.settings``). Their articles' topics are their column's, whatever a later run's
    topic queries: data of the article, like its text (:func:`pipelines.engines.score_batch`)."""
    rows = con.execute("SELECT run_id, settings FROM runs WHERE stage = 'run'").fetchall()
    return frozenset(run_id for run_id, settings in rows
                     if (json.loads(settings or "{}").get("score") or {}).get("topic_queries") is False)


def _queries_apply(con, topics: list[TopicDef], column_only: frozenset) -> bool:
    """Whether some stored article is to be matched against *topics* (one not of a *column_only* run)."""
    if not topics:
        return False
    if not column_only:
        return True
    return con.execute("SELECT count(*) FROM (SELECT 1 FROM articles WHERE run_id NOT IN (SELECT unnest(?)) "
                       "LIMIT 1)", [sorted(column_only)]).fetchall()[0][0] > 0


_DEFINITIONS = {"lexicon_version": "lexicon", "pairs_version": "word-choice pairs", "topics_version": "topics",
                "frames_version": "frame lexicon", "frame_threshold": "frame threshold", "targets_version": "targets",
                "rules_version": "scoring rules"}


def _changed(recorded: dict, versions: dict, lexicon_version: str | None) -> list[str]:
    """The definitions whose version differs from the store's last scoring (:func:`recorded_versions`),
    by name, the scoring rules with both versions (``scoring rules (r2 -> r3)``; ``unknown`` for a
    store whose runs did not record them); empty for a store never scored."""
    if recorded.get("lexicon_version") is None:
        return []
    now = {**versions, "lexicon_version": lexicon_version}
    changed = [name for name in _DEFINITIONS if recorded.get(name) != now.get(name)]
    return [f"{_DEFINITIONS[name]} ({recorded.get(name) or 'unknown'} -> {now.get(name) or 'unknown'})"
            if name == "rules_version" else _DEFINITIONS[name] for name in changed]


def _write_topics(con, topics: list[TopicDef], use_topic_column: bool) -> None:
    """The ``topics`` table: the topic definitions, and with *use_topic_column* the other topics
    named in the stored articles' topic cells."""
    topic_rows = [{"topic": t.name, "query": t.query, "source": Path(t.source).name} for t in topics]
    if use_topic_column:
        column_topics = con.execute("SELECT DISTINCT topics_raw FROM articles WHERE topics_raw IS NOT NULL").fetchall()
        names = sorted({t for (cell,) in column_topics for t in split_topic_cell(cell)} - {t.name for t in topics})
        topic_rows += [{"topic": n, "query": None, "source": "input column"} for n in names]
    write_table(con, "topics", pd.DataFrame(topic_rows, columns=column_names("topics")), replace=True)


def _fit_stages(con, lexicon: Lexicon, topics: list[TopicDef], use_topic_column: bool, frames: FrameScorer,
                gazetteer: Gazetteer | None, warnings: list[str], outlet_names: dict,
                column_only: frozenset = frozenset()) -> ScoreStages:
    """Write the definition tables (``frame_lexicon``, ``lexicon``, ``targets``, ``pairs``) and fit the
    per-batch stages; the pairs left out are added to *warnings*."""
    write_table(con, "frame_lexicon", frame_lexicon_frame(frames.lexicon_), replace=True)
    write_table(con, "lexicon", lexicon.to_frame(), replace=True)
    matcher = LexiconMatcher(lexicon).fit()
    target_matcher = prepare_targets(con, gazetteer)
    pair_matcher = start_pairs(con, lexicon, warnings)
    topic_matcher = TopicMatcher(topics).fit() if topics else None
    return ScoreStages(lexicon, matcher, topic_matcher, use_topic_column, outlet_names, pair_matcher, frames,
                       target_matcher, column_only)


def _clear_scores(con, frames: FrameScorer) -> None:
    """Delete every article's scores (before all are scored again)."""
    for table in ("mentions", "quotes", "article_topics", "article_scores", "pair_mentions", "target_mentions"):
        con.execute(f'DELETE FROM "{table}"')
    reset_frames(con, frames)


def _finish_score(con, sketches: list, rest: np.ndarray, summary: RunSummary, lexicon: Lexicon) -> None:
    """After the batches: ``article_clusters`` of the whole store (:func:`_clusters`),
    ``article_counts`` (:func:`pipelines.aggregate.build_article_counts`), then the frame model's
    rows for articles without them (:func:`pipelines.frame_model.apply_to_new_articles`)."""
    t_clusters = time.perf_counter()
    write_table(con, "article_clusters", _clusters(con, sketches, rest), replace=True)
    summary.stage_seconds["clusters"] = time.perf_counter() - t_clusters
    t_counts = time.perf_counter()
    build_article_counts(con)   # what the dashboard's rollups read (pipelines.rollups)
    summary.stage_seconds["article_counts"] = time.perf_counter() - t_counts
    coverage = apply_to_new_articles(con)  # model rows for articles that have none, if the model is unchanged
    if coverage is not None:
        summary.n_model_articles = coverage.n_scored
        summary.warnings += [coverage.warning] if coverage.warning else []
    summary.lexicon_version = lexicon.version


def _clusters(con, sketches: list, rest: np.ndarray) -> pd.DataFrame:
    """``article_clusters`` of the whole store from the batches' signatures (clusters cross batch
    boundaries); *rest*, the sorted rowids of the articles not scored in this run (an incremental
    run; empty when all were), are sketched here, a batch at a time, so no more than a batch of
    texts is read at once."""
    for batch in plan_batches(rest, SCORE_CHUNK):
        sketches.append(signature_arrays(sketch_articles(read_batch(con, batch, ("article_id", "text")))))
    if not sketches:
        return find_clusters(pd.DataFrame(columns=["article_id", "outlet", "published_at", "text"]))
    ids = np.concatenate([part[0] for part in sketches])
    wire = np.concatenate([part[1] for part in sketches])
    has_words = np.concatenate([part[3] for part in sketches])
    values = np.concatenate([part[2] for part in sketches if len(part[2])]) if has_words.any() else None
    sketches.clear()
    facts = con.execute("SELECT article_id, outlet, published_at FROM articles").df().set_index("article_id")
    facts = facts.reindex(pd.Index(ids, dtype=object))
    if values is None:
        return find_clusters(pd.DataFrame(columns=["article_id", "outlet", "published_at", "text"]))
    return cluster_signatures(ids, wire, values, has_words, facts["outlet"].to_numpy(dtype=object),
                              facts["published_at"])


def _ingest_and_score(con, inputs: list[Path], ingest_options: IngestOptions, run_id: str, summary: RunSummary,
                      progress: bool, registry: Registry, lexicon: Lexicon, topics: list[TopicDef],
                      use_topic_column: bool, frames: FrameScorer, gazetteer: Gazetteer | None,
                      engine: EngineOptions, t0: float, column_only: frozenset = frozenset()) -> None:
    """Ingest and score at once on the Dask engine: the rows of :func:`_ingest` then :func:`_score`.

    The stages are fitted first; the stored articles (a store run again) and then each ingest
    batch's new articles are handed to the workers (:class:`pipelines.engines.DaskScorer`) in
    batches of :data:`SCORE_CHUNK` as soon as they are in the store, cut in store order as
    :func:`_score` cuts them (the last, shorter batch when the ingest ends), so this process
    ingests the next records while the workers score. An article's scores depend on the other
    articles only through its topic cell, which a later copy of it can extend
    (:func:`write_ingest`); an article already handed over whose cell changes is scored again
    at the end (its rows deleted, then appended again), so the tables hold the rows
    :func:`_score` writes, the re-scored articles' rows last. The outlets' names are sent with
    each batch (the registry's, as :func:`_score` takes them), and the ``topics`` table, the
    pairs' warnings and the versions are written when the ingest has ended, as after
    :func:`_ingest`. *t0*: the run's start (``perf_counter``) for ``stage_seconds``. *column_only*: as
    :func:`_score` takes it (this run's own id among them when its articles take no topic queries).
    """
    steps = summary.stage_seconds
    pair_warnings: list[str] = []   # said after the ingest's warnings, as _score says them
    recorded = recorded_versions(con)
    if run_id in column_only:         # the queries serve the stored articles only, if any of them
        topics = topics if _queries_apply(con, topics, column_only) else []
    stages = _fit_stages(con, lexicon, topics, use_topic_column, frames, gazetteer, pair_warnings, {}, column_only)
    _clear_scores(con, frames)
    sketches: list = []
    name_hits: list = []               # each partition's, as appended (an article scored again: twice)
    todo = store_rowids(con)           # stored before this run: all are scored again, first
    seen = int(todo[-1]) + 1 if len(todo) else 0   # the first rowid not yet read
    sent = 0                           # every rowid below it is in a partition handed over
    rescore: list[np.ndarray] = []

    with DaskScorer(con, stages, engine, sketches, names_of=registry.names_of, name_hits=name_hits) as scorer:
        def hand_over(rowids: np.ndarray, last: bool) -> np.ndarray:
            nonlocal sent
            while len(rowids) >= SCORE_CHUNK or (last and len(rowids)):
                batch = plan_batches(rowids[:SCORE_CHUNK], SCORE_CHUNK)[0]
                scorer.submit(batch)
                sent, rowids = batch.last + 1, rowids[SCORE_CHUNK:]
            return rowids

        todo = hand_over(todo, last=False)
        for result in ingest_file_batches(inputs, ingest_options, run_id, stored_keys(con), registry=registry,
                                          progress=progress):
            changed = write_ingest(con, result, summary, registry, refresh=False)
            if use_topic_column and len(changed):
                rescore.append(changed[changed < sent])   # the others are read after the change
            new = store_rowids(con, f"rowid >= {seen}")
            if len(new):
                seen = int(new[-1]) + 1
                todo = hand_over(np.concatenate([todo, new]), last=False)
            scorer.append_ready()
        summary.warnings += _refresh_outlets(con, registry)
        t_ingest = time.perf_counter()
        steps["ingest"] = t_ingest - t0
        summary.n_scored_during_ingest = scorer.n_scored()
        steps["overlap"] = t_ingest - scorer.first_submit if scorer.first_submit is not None else 0.0
        hand_over(todo, last=True)
        _write_topics(con, topics, use_topic_column)
        summary.warnings += pair_warnings
        summary.versions = definition_versions(con, frames.threshold)
        summary.changed_definitions = _changed(recorded, summary.versions, lexicon.version)
        scorer.finish()
        t_rescore = time.perf_counter()
        again = np.unique(np.concatenate(rescore)) if rescore else np.empty(0, dtype=np.int64)
        if len(again):
            _delete_scores(con, again)
            for batch in plan_batches(again, SCORE_CHUNK):
                scorer.submit(batch, sketch=False)   # same texts: the signatures are already in
            scorer.finish()
        summary.n_rescored = len(again)
        steps["rescore"] = time.perf_counter() - t_rescore
    steps["score"] = time.perf_counter() - t_ingest
    _finish_score(con, sketches, np.empty(0, dtype=np.int64), summary, lexicon)
    summary.n_mentions = con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
    summary.n_articles = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    summary.n_name_hits, summary.name_hit_terms = count_name_hits(name_hits)


def _delete_scores(con, rowids: np.ndarray) -> None:
    """Delete the rows of every per-batch table (:data:`pipelines.engines.BATCH_TABLES`; the frame
    lexicon's ``article_frames`` rows, not a model's) of the articles *rowids*."""
    ids = [r[0] for r in con.execute("SELECT article_id FROM articles WHERE rowid IN (SELECT unnest(?::BIGINT[]))",
                                     [rowids.tolist()]).fetchall()]
    for table in BATCH_TABLES:
        extra = " AND method = 'lexicon'" if table == "article_frames" else ""
        con.execute(f'DELETE FROM "{table}" WHERE article_id IN (SELECT unnest(?)){extra}', [ids])


@dataclass
class ScoreOptions:
    """Settings of the score stage.

    Parameters
    ----------
    lexicons : lexicon files used instead of the built-in one (``--lexicon``).
    extra_lexicons : lexicon files used beside it (``--extra-lexicon``).
    topics : topic definitions file (``--topics``; default ``data/topics.yaml``).
    topic_queries : ``run``: apply the topic queries to this run's articles (True), or give them only
        their topic column's topics (False; :func:`column_only_runs`); the articles of earlier runs
        keep theirs either way. ``score``: apply them to every article (True) or to none (False);
        None: each article as the run that stored it said.
    topic_column : take topics from the input's topic column as well.
    frames : frame lexicon file (``--frames``; default ``data/frames/frames.csv``).
    frame_threshold : frame-lexicon tokens an article needs to use a frame (``--frame-threshold``).
    targets : gazetteer of targets for tone (``--targets``; default ``data/targets.yaml``).
    engine : where the per-batch score stages run (``--engine``, ``--scheduler``, ``--work-dir``;
        :class:`pipelines.engines.EngineOptions`; default here, batch after batch).
    """

    lexicons: list[Path] = field(default_factory=list)
    extra_lexicons: list[Path] = field(default_factory=list)
    topics: Path | None = None
    topic_queries: bool | None = True
    topic_column: bool = True
    frames: Path | None = None
    frame_threshold: int = FRAME_THRESHOLD
    targets: Path | None = None
    engine: EngineOptions = field(default_factory=EngineOptions)

    def frame_scorer(self) -> FrameScorer:
        """The fitted frame scorer (validates the frames file and threshold)."""
        return FrameScorer(read_frames_lexicon(self.frames)[0], self.frame_threshold).fit()

    def load(self) -> tuple[Lexicon, list[str], list[TopicDef]]:
        lexicon, warnings = load_lexicon(self.lexicons or None, self.extra_lexicons)
        # Read (and checked) even when this run's articles take none: they may serve stored articles.
        return lexicon, warnings, read_topics(self.topics)


def run_pipeline(store: str | Path, inputs: list[Path], ingest_options: IngestOptions | None = None,
                 score_options: ScoreOptions | None = None, fresh: bool = False,
                 progress: bool = False) -> RunSummary:
    """Ingest *inputs*, score every article and rebuild ``daily``, atomically.

    The lexicon and topics are loaded (and validated) before anything is read, so a bad
    lexicon stops the run with the store untouched.

    Returns
    -------
    RunSummary

    Raises
    ------
    LexiconError, TopicError, ConfigError
        On a bad lexicon, topics file, registry or option (the store is left as it was).
    """
    ingest_options = ingest_options or IngestOptions()
    score_options = score_options or ScoreOptions()
    lexicon, lex_warnings, topics = score_options.load()
    frames = score_options.frame_scorer()
    gazetteer = read_gazetteer(score_options.targets)
    registry = read_registry(ingest_options.outlets or None)
    run_id = new_run_id()
    summary = RunSummary(run_id, warnings=list(lex_warnings))
    started, t0 = datetime.now(timezone.utc), time.perf_counter()
    steps = summary.stage_seconds
    engine = score_options.engine
    with writing(store, fresh=fresh, notes=summary.notes) as con:
        # Articles of runs that took topics from their column instead of the queries keep them (this
        # run's too, when it does); the topic queries apply to every other stored article.
        column_only = column_only_runs(con) | ({run_id} if score_options.topic_queries is False else set())
        if engine.name == "dask" and engine.overlap:
            _ingest_and_score(con, inputs, ingest_options, run_id, summary, progress, registry, lexicon, topics,
                              score_options.topic_column, frames, gazetteer, engine, t0, column_only)
        else:
            _ingest(con, inputs, ingest_options, run_id, summary, progress, registry)
            steps["ingest"] = time.perf_counter() - t0
            _score(con, lexicon, topics, score_options.topic_column, summary, progress, registry, frames,
                   gazetteer=gazetteer, engine=engine, column_only=column_only)
        t_aggregate = time.perf_counter()
        summary.n_daily_rows = build_daily(con)
        steps["aggregate"] = time.perf_counter() - t_aggregate
        summary.elapsed_s = time.perf_counter() - t0
        settings = {"inputs": [str(p) for p in inputs], "ingest": asdict(ingest_options),
                    "score": asdict(score_options), "fresh": fresh, "lexicon_sources": list(lexicon.sources)}
        if summary.n_scored_during_ingest is not None:   # what the overlap did (not a setting, but the run's record)
            settings["overlap"] = {"scored_during_ingest": summary.n_scored_during_ingest,
                                   "rescored": summary.n_rescored, "seconds": round(steps["overlap"], 3)}
        _record_run(con, run_id, "run", started, summary.elapsed_s, settings, summary, lexicon.version)
        t_commit = time.perf_counter()
    steps["commit"] = time.perf_counter() - t_commit  # checkpoint and atomic replace of the store
    return summary


def run_ingest(store: str | Path, inputs: list[Path], options: IngestOptions | None = None, fresh: bool = False,
               progress: bool = False) -> RunSummary:
    """Ingest only (``articles``, ``rejects``); run :func:`run_score` and :func:`run_aggregate` after."""
    options = options or IngestOptions()
    registry = read_registry(options.outlets or None)
    run_id = new_run_id()
    summary = RunSummary(run_id)
    started, t0 = datetime.now(timezone.utc), time.perf_counter()
    with writing(store, fresh=fresh, notes=summary.notes) as con:
        _ingest(con, inputs, options, run_id, summary, progress, registry)
        summary.elapsed_s = time.perf_counter() - t0
        _record_run(con, run_id, "ingest", started, summary.elapsed_s,
                    {"inputs": [str(p) for p in inputs], "ingest": asdict(options), "fresh": fresh}, summary, None)
    return summary


def run_score(store: str | Path, options: ScoreOptions | None = None, progress: bool = False) -> RunSummary:
    """Score every stored article again with the given lexicon and topics."""
    options = options or ScoreOptions(topic_queries=None)
    _require_store(store)
    lexicon, warnings, topics = options.load()
    topics = topics if options.topic_queries is not False else []
    frames = options.frame_scorer()
    gazetteer = read_gazetteer(options.targets)
    run_id = new_run_id()
    summary = RunSummary(run_id, warnings=list(warnings))
    started, t0 = datetime.now(timezone.utc), time.perf_counter()
    with writing(store, notes=summary.notes) as con:
        column_only = column_only_runs(con) if options.topic_queries is None else frozenset()
        _score(con, lexicon, topics, options.topic_column, summary, progress, read_registry(), frames,
               gazetteer=gazetteer, engine=options.engine, column_only=column_only)
        summary.elapsed_s = time.perf_counter() - t0
        _record_run(con, run_id, "score", started, summary.elapsed_s, {"score": asdict(options)}, summary,
                    lexicon.version)
    return summary


def run_aggregate(store: str | Path) -> RunSummary:
    """Rebuild the rollups of the scored articles: ``daily`` and ``article_counts`` (a store written
    before ``article_counts`` existed gets it, and with it the dashboard's fast queries)."""
    run_id = new_run_id()
    summary = RunSummary(run_id)
    started, t0 = datetime.now(timezone.utc), time.perf_counter()
    _require_store(store)
    with writing(store, notes=summary.notes) as con:
        summary.n_daily_rows = build_daily(con)
        build_article_counts(con)
        summary.n_mentions = con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
        summary.elapsed_s = time.perf_counter() - t0
        summary.versions = versions = recorded_versions(con)   # of the last scoring, which daily counts
        _record_run(con, run_id, "aggregate", started, summary.elapsed_s, {}, summary, versions["lexicon_version"])
    return summary


def _require_store(store: str | Path) -> None:
    from .storage import connect
    connect(store).close()


def export_tables(store: str | Path, out_dir: str | Path, tables: list[str] | None = None,
                  formats: tuple[str, ...] = ("parquet", "csv")) -> list[Path]:
    """Write tables of the store to *out_dir* as Parquet and/or CSV.

    CSV files are UTF-8 with a byte-order mark, and text cells that begin with ``=``, ``+``,
    ``-``, ``@``, TAB or CR are prefixed with ``'`` (:mod:`pipelines.csvsafe`); Parquet
    keeps every value as stored.

    Returns the paths written.
    """
    from .schemas import TABLES
    from .storage import connect

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    con: duckdb.DuckDBPyConnection = connect(store)
    written = []
    try:
        for name in tables or list(TABLES):
            df = read_table(con, name)
            if "parquet" in formats:
                df.to_parquet(out / f"{name}.parquet", index=False)
                written.append(out / f"{name}.parquet")
            if "csv" in formats:
                # UTF-8 with BOM and formula-leading text neutralised, as the dashboard downloads.
                (out / f"{name}.csv").write_bytes(to_csv_bytes(df))
                written.append(out / f"{name}.csv")
    finally:
        con.close()
    return written
