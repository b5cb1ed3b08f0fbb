"""Score engines: the per-batch score stages as one pure function, run here or on a Dask cluster.

The score stage is a pure function of a batch of articles (:func:`score_batch`): lexicon
matching, voice and topics (:func:`pipelines.score.score_articles`), frames
(:func:`pipelines.frames.score_frames`), word-choice pairs
(:func:`pipelines.wordchoice.find_pair_mentions`) and tone toward targets
(:func:`pipelines.tone.score_targets`). An engine only decides where the batches run:

* ``local`` (the default): batch after batch in this process (:func:`score_local`);
* ``dask``: the batches are written as Parquet partitions to a directory or fsspec URL
  (``s3://``, ``gs://`` ...), scored on a ``dask.distributed`` cluster -- the scheduler given
  by address, or a ``LocalCluster`` of two worker processes -- each worker writing its
  tables as Parquet beside them; this process then appends them to the store partition by
  partition, in the order the local engine would (:func:`score_dask`, through
  :class:`DaskScorer`, which ``framewatch run`` also feeds batch by batch while it ingests:
  :func:`pipelines.run._ingest_and_score`).

Both engines give the same rows in the same order: the batches, their contents and the
functions applied are the same.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import ConfigError
from .frames import FrameScorer, score_frames
from .lexicon import Lexicon, LexiconMatcher, load_lexicon
from .prepared import prepare_texts
from .score import score_articles
from .storage import append_parquet, transaction, write_table
from .syndication import signature_arrays, sketch_articles
from .tone import TargetMatcher, read_gazetteer, score_targets
from .topics import TopicMatcher, assign_topics, read_topics, split_topic_cell
from .wordchoice import PairMatcher, find_pair_mentions, load_pairs

ENGINES = ("local", "dask")
"""Allowed values of ``framewatch run --engine``."""
BATCH_TABLES = ("mentions", "quotes", "article_topics", "article_scores", "pair_mentions", "article_frames",
                "frame_mentions", "target_mentions")
"""Tables a batch of articles adds rows to, in the order they are written."""
QUIET_CLUSTER = {
    "distributed.admin.tick.interval": "1s",               # event-loop health check (default every 20 ms)
    "distributed.admin.system-monitor.interval": "5s",     # CPU, memory and disk samples for a dashboard (500 ms)
    "distributed.worker.memory.monitor-interval": "1s",    # the nanny's look at its worker's memory (100 ms)
    "distributed.worker.profile.enabled": False,           # the worker's stack sampler, for a dashboard (10 ms)
}
"""Dask settings of the ``LocalCluster`` the Dask engine starts itself (no scheduler given). Dask's
defaults poll and sample for a dashboard we do not serve, in this process (scheduler, nannies) and in
each worker (a busy worker's stack sampler walks the scoring thread's stack every 10 ms); the effect on
a whole run is in ``benchmarks/RESULTS.md`` §I.2 (``bench_engines.py``)."""
LOCAL_SCHEDULER = {"dashboard_address": "127.0.0.1:0"}
"""Scheduler settings of that ``LocalCluster``: its HTTP server (health and metrics routes; no dashboard
is served) on a free port of this machine only. Dask's default, port 8787 on every interface, warns
"Port 8787 is already in use" when another cluster (a second run, a notebook's) holds it."""
NAME_HITS = "name_hits"
"""The key of :func:`score_batch`'s output that is no store table: the batch's lexicon hits left out as
parts of proper names (:data:`pipelines.score.NAME_HIT_COLUMNS`). Both engines hand each batch's rows
to the run, which records their count and terms in ``runs`` (:func:`count_name_hits`)."""
ARTICLE_COLUMNS = ("article_id", "outlet", "title", "text", "topics_raw", "run_id")
"""Columns of ``articles`` the score stages read (``run_id``: whether topic queries apply, :class:`ScoreStages`)."""


@dataclass(frozen=True)
class EngineOptions:
    """Where the score stage runs.

    Parameters
    ----------
    name : one of :data:`ENGINES`.
    scheduler : address of a running Dask scheduler (``tcp://HOST:PORT``); None: start a
        ``LocalCluster`` of *n_workers* single-threaded worker processes.
    workdir : directory or fsspec URL for the Parquet partitions (articles in, tables out);
        every worker must be able to read and write it. None: a temporary local directory,
        removed afterwards (fine for a LocalCluster only).
    n_workers : workers of the LocalCluster.
    overlap : ``framewatch run`` only: hand each ingest batch's articles to the workers as soon as
        they are stored, so ingest and scoring overlap (:func:`pipelines.run._ingest_and_score`);
        False: ingest everything, then score (``--no-overlap``). The local engine ignores it.
    """

    name: str = "local"
    scheduler: str | None = None
    workdir: str | None = None
    n_workers: int = 2
    overlap: bool = True

    def __post_init__(self):
        if self.name not in ENGINES:
            raise ConfigError(f"unknown engine {self.name!r}", where="--engine", expected=" or ".join(ENGINES),
                              found=repr(self.name), fix="use --engine local (default) or --engine dask")
        if self.name == "local" and (self.scheduler or self.workdir):
            raise ConfigError("--scheduler and --work-dir need the Dask engine", where="--engine",
                              expected="--engine dask", found="--engine local", fix="add --engine dask")


@dataclass(frozen=True)
class ScoreStages:
    """The fitted per-batch stages of a scoring run (picklable: shipped once to each worker).

    Parameters
    ----------
    lexicon, matcher : the lexicon and its fitted :class:`pipelines.lexicon.LexiconMatcher`.
    topic_matcher : fitted topic queries, or None.
    use_topic_column : also take topics from ``topics_raw``.
    outlet_names : outlet -> the names it goes by (voice: the outlet quoting itself).
    pair_matcher, frames, target_matcher : fitted word-choice pairs, frame scorer, target matcher.
    column_only : ``run_id`` of the runs whose articles take their topics from their topic column only
        (stored by a run with ``--topic-column`` and without topic queries): the topic queries
        apply to the other articles (:func:`pipelines.run.column_only_runs`).
    """

    lexicon: Lexicon
    matcher: LexiconMatcher
    topic_matcher: TopicMatcher | None
    use_topic_column: bool
    outlet_names: dict = field(hash=False)
    pair_matcher: PairMatcher
    frames: FrameScorer
    target_matcher: TargetMatcher
    column_only: frozenset = frozenset()


def score_batch(articles: pd.DataFrame, stages: ScoreStages, progress: bool = False,
                shared: bool = True, sketch: bool = False) -> dict[str, pd.DataFrame]:
    """Score a batch of articles with every per-batch stage (pure: no store).

    Parameters
    ----------
    articles : frame with the :data:`ARTICLE_COLUMNS` of the ``articles`` table.
    stages : the fitted stages.
    shared : build each article's matching copy and quotes once and hand them to every stage
        (:mod:`pipelines.prepared`); False: each stage builds its own (same rows, slower; for
        tests and benchmarks).
    sketch : also return ``"sketches"``, the near-duplicate signatures of the batch's texts
        (:func:`pipelines.syndication.sketch_articles`), so clustering the whole store later
        needs only the signatures, not the texts.

    Returns
    -------
    dict name -> rows: ``"sketches"`` first (with *sketch*), then each of :data:`BATCH_TABLES`, then
    :data:`NAME_HITS` (the hits left out as parts of names, which no table stores).
    """
    s = stages
    prepared = prepare_texts(articles) if shared else None
    result = score_articles(articles, s.lexicon, s.topic_matcher, use_topic_column=s.use_topic_column,
                            progress=progress, matcher=s.matcher, outlet_names=s.outlet_names, prepared=prepared)
    frames = score_frames(articles, result.quotes, s.frames, prepared)
    extra = {"sketches": sketch_articles(articles)} if sketch else {}
    topics = _column_topics_only(articles, result.article_topics, s)
    return {**extra, "mentions": result.mentions, "quotes": result.quotes, "article_topics": topics,
            "article_scores": result.article_scores,
            "pair_mentions": find_pair_mentions(articles, result.quotes, s.pair_matcher, prepared),
            "article_frames": frames.article_frames, "frame_mentions": frames.frame_mentions,
            "target_mentions": score_targets(articles, result.quotes, s.target_matcher, prepared),
            NAME_HITS: result.name_hits}


def count_name_hits(parts: list[pd.DataFrame]) -> tuple[int | None, dict[str, int]]:
    """The lexicon hits left out as parts of proper names in a run: how many, and how many of each
    term, most first (then by term).

    Parameters
    ----------
    parts : the :data:`NAME_HITS` rows of the run's batches (:func:`score_batch`), in any order. An
        article scored twice in the run (an overlapped run scores again the articles whose topic cell
        a later copy changed, :func:`pipelines.run._ingest_and_score`) counts once: rows are told
        apart by article and offsets.

    Returns
    -------
    (n_hits, {term: n_hits})
        ``(None, {})`` when *parts* is empty: the run scored no batch (a ``collect`` with nothing new), which
        ``runs`` records as NULL ("scored nothing"), not as 0 hits; ``(0, {})`` when batches were scored
        without such hits.
    """
    if not parts:
        return None, {}
    parts = [p for p in parts if len(p)]
    if not parts:
        return 0, {}
    hits = pd.concat(parts, ignore_index=True).drop_duplicates(["article_id", "start_char", "end_char"])
    by_term = hits.groupby("term").size()
    order = sorted(by_term.items(), key=lambda kv: (-kv[1], kv[0]))
    return len(hits), {str(term): int(n) for term, n in order}


def _column_topics_only(articles: pd.DataFrame, topics: pd.DataFrame, s: ScoreStages) -> pd.DataFrame:
    """*topics* (``article_topics`` rows of the batch) with the articles of ``s.column_only`` runs
    given their topic column's topics alone (:func:`pipelines.topics.assign_topics` without queries),
    in their place; unchanged when the queries apply to every article of the batch."""
    if s.topic_matcher is None or not s.column_only or "run_id" not in articles:
        return topics
    own = articles["run_id"].isin(s.column_only).to_numpy()
    if not own.any():
        return topics
    ids = articles["article_id"].to_numpy(dtype=object)[own]
    cells = articles["topics_raw"].to_numpy(dtype=object)[own] if "topics_raw" in articles else [None] * len(ids)
    mine = [(aid, topic, source) for aid, cell in zip(ids, cells) for topic, source in
            assign_topics([], split_topic_cell(cell) if s.use_topic_column and isinstance(cell, str) else [])]
    out = pd.concat([topics[~topics["article_id"].isin(ids)], pd.DataFrame(mine, columns=list(topics.columns))],
                    ignore_index=True).astype(topics.dtypes.to_dict())
    order = pd.Series(range(len(articles)), index=articles["article_id"].to_numpy(dtype=object))
    return out.iloc[np.argsort(order[out["article_id"]].to_numpy(), kind="stable")].reset_index(drop=True)


def default_stages(use_topic_column: bool = False) -> ScoreStages:
    """The fitted stages of a run with the built-in lexicon, topic queries, pairs, frames and
    gazetteer, built without a store (as :func:`pipelines.run.run_score` builds them; no
    outlet aliases). For tests and benchmarks of :func:`score_batch`."""
    lexicon, _ = load_lexicon()
    pairs, _ = load_pairs(lexicon)
    return ScoreStages(lexicon, LexiconMatcher(lexicon).fit(), TopicMatcher(read_topics()).fit(), use_topic_column,
                       {}, PairMatcher(pairs, lexicon).fit(), FrameScorer().fit(),
                       TargetMatcher(read_gazetteer()).fit())


def write_batch(con, tables: dict[str, pd.DataFrame]) -> int:
    """Append the rows of :func:`score_batch` to the store, table by table, in one transaction
    (one commit a batch; :func:`pipelines.storage.transaction`); returns the mentions written."""
    with transaction(con):
        written = {name: write_table(con, name, tables[name]) for name in BATCH_TABLES}
    return written["mentions"]


def read_articles(con, ids: list[str]) -> pd.DataFrame:
    """The :data:`ARTICLE_COLUMNS` of the articles *ids* (in store order).

    A filter on ``article_id`` reads the text of every row group of ``articles``; the score
    stage reads by :func:`read_batch` instead. For tests and benchmarks of single batches."""
    cols = ", ".join(ARTICLE_COLUMNS)
    return con.execute(f"SELECT {cols} FROM articles WHERE article_id IN (SELECT unnest(?))", [ids]).df()


@dataclass(frozen=True, eq=False)
class Batch:
    """One score batch of stored articles, named by DuckDB ``rowid`` (the row's position in ``articles``).

    Parameters
    ----------
    first, last : smallest and largest ``rowid`` of the batch (inclusive).
    rowids : the batch's rowids (sorted int64 array) when it holds only some of the rows
        between *first* and *last* (an incremental run's subset); None: every row between them.

    A rowid stays the row's as long as no row of ``articles`` is deleted (a checkpoint compacts
    only row groups with deleted rows, which renumbers them; DuckDB 2.0 ``VACUUM`` docs), and
    updates of ``n_copies`` and ``topics_raw`` keep it. A plan is used in the connection and
    run that made it, which delete no article.
    """

    first: int
    last: int
    rowids: np.ndarray | None = None

    def __len__(self) -> int:
        return self.last - self.first + 1 if self.rowids is None else len(self.rowids)


def store_rowids(con, where: str = "") -> np.ndarray:
    """Sorted ``rowid`` (int64 array) of the stored articles, or of those matching the SQL
    condition *where* on ``articles`` (e.g. ``article_id NOT IN (...)``)."""
    cond = f" WHERE {where}" if where else ""
    rows = con.execute(f"SELECT rowid AS r FROM articles{cond} ORDER BY rowid").fetchnumpy()["r"]
    return np.asarray(rows, dtype=np.int64)


def plan_batches(rowids: np.ndarray, size: int) -> list[Batch]:
    """Sorted *rowids* cut into consecutive :class:`Batch` es of *size* (store order), each a
    plain range when its rows are consecutive, so reading one touches only its row groups."""
    plan = []
    for i in range(0, len(rowids), size):
        part = rowids[i:i + size]
        first, last = int(part[0]), int(part[-1])
        plan.append(Batch(first, last, None if last - first + 1 == len(part) else part))
    return plan


def read_batch(con, batch: Batch, columns: tuple[str, ...] = ARTICLE_COLUMNS) -> pd.DataFrame:
    """The *columns* of the articles of *batch*, in store order (rowid).

    A ``rowid`` range is pushed down to the scan, which reads only the row groups it spans
    (per batch cost bounded by the batch, not the store, unlike a filter on ``article_id``)."""
    sql, params = _batch_query(batch, columns)
    return con.execute(sql, params).df()


def _batch_query(batch: Batch, columns: tuple[str, ...] = ARTICLE_COLUMNS) -> tuple[str, list]:
    """The SELECT (and its parameters) of :func:`read_batch`: *batch*'s articles in store order."""
    cols = ", ".join(columns)
    sql, params = f"SELECT {cols} FROM articles WHERE rowid BETWEEN ? AND ?", [batch.first, batch.last]
    if batch.rowids is not None:
        sql += " AND rowid IN (SELECT unnest(?::BIGINT[]))"
        params.append(batch.rowids.tolist())
    return sql + " ORDER BY rowid", params


def _sql_quote(path: str) -> str:
    """*path* inside a single-quoted SQL string literal."""
    return path.replace("'", "''")


def score_local(con, plan: list[Batch], stages: ScoreStages, progress: bool = False,
                sketches: list | None = None, name_hits: list | None = None) -> int:
    """Score the batches of *plan* (:func:`plan_batches`) here, one after the other, and append
    the rows; returns the mentions written.

    *sketches*: a list to which each batch's near-duplicate signatures are appended
    (:func:`pipelines.syndication.signature_arrays` of :func:`score_batch`'s ``"sketches"``).
    *name_hits*: a list to which each batch's :data:`NAME_HITS` rows are appended (:func:`count_name_hits`)."""
    n_mentions = 0
    for batch in plan:
        tables = score_batch(read_batch(con, batch), stages, progress, sketch=sketches is not None)
        if sketches is not None:
            sketches.append(signature_arrays(tables.pop("sketches")))
        if name_hits is not None:
            name_hits.append(tables[NAME_HITS])
        n_mentions += write_batch(con, tables)
    return n_mentions


def score_partition(path: str, out: str, stages: ScoreStages, sketch: bool = False,
                    outlet_names: dict | None = None) -> dict[str, str]:
    """Worker side: score the Parquet partition *path*, write each table to ``{out}/{table}/``.

    *outlet_names*: outlet -> the names it goes by for this partition's outlets, instead of
    the *stages*' (an overlapped run fits the stages before the ingest has seen every outlet).
    Returns table name -> the Parquet file written for it.
    """
    import fsspec

    if outlet_names is not None:
        stages = dataclasses.replace(stages, outlet_names=outlet_names)
    articles = pd.read_parquet(path)
    name = path.rstrip("/").rsplit("/", 1)[-1]
    fs, _ = fsspec.core.url_to_fs(out)
    written = {}
    for table, rows in score_batch(articles, stages, sketch=sketch).items():
        target = f"{out}/{table}/{name}"
        fs.makedirs(f"{out}/{table}", exist_ok=True)
        rows.to_parquet(target, index=False)
        written[table] = target
    return written


class DaskScorer:
    """Score batches of stored articles on a Dask cluster while this process goes on, and append
    their rows to the store in the order they were handed over (the one writer stays here).

    Use it as a context manager: :meth:`submit` writes a batch's articles as one Parquet
    partition (``{workdir}/run-XXXX/articles/part-NNNNN.parquet``) and hands it to the cluster
    (the cluster is started, and the fitted *stages* scattered once to every worker, at the
    first batch, so a run with nothing to score starts none); :meth:`append_ready` appends the
    partitions already scored, in order, without waiting; :meth:`finish` waits for the rest.
    At most 2 x workers + 1 partitions wait: :meth:`submit` appends the oldest first (waiting
    for it) beyond that, which bounds the disk used and holds back a caller that produces
    batches faster than the workers score them. Each partition's files are deleted once
    appended, and the run directory (or the temporary work dir) on leaving.

    The partitions are appended in groups, one transaction a group: :meth:`submit` appends once
    as many are scored as there are workers (or when too many wait: then it waits for that many),
    with every scored one after them; DuckDB reads each table's files of the group in one
    ``INSERT`` (:func:`pipelines.storage.append_parquet`), on one thread while the workers score
    (they have the other cores). Fewer, larger commits cost this process less, and with *checkpoint* it
    compresses what it appended while the workers score, instead of all at once when the run
    ends (benchmarks/RESULTS.md).

    Parameters
    ----------
    con : the store's (only) writable connection.
    stages : the fitted per-batch stages.
    options : the engine's settings (scheduler, work dir, workers).
    sketches : a list to which each partition's near-duplicate signatures are appended
        (:func:`pipelines.syndication.signature_arrays`), in order; None: none computed.
    name_hits : a list to which each partition's :data:`NAME_HITS` rows (the workers write them beside
        the tables) are appended as it is appended, in order (:func:`count_name_hits`); None: not read.
    names_of : outlet name -> the names it goes by (:meth:`pipelines.outlets.Registry.names_of`);
        when given, each partition is sent the names of its own outlets instead of using the
        *stages*' ``outlet_names``.
    checkpoint : ``CHECKPOINT`` the store after each group appended (no row changes: the working
        copy is checkpointed anyway before it replaces the store). Not while an ingest writes
        articles beside the scoring (:func:`pipelines.run._ingest_and_score`): each checkpoint
        would compress the articles' last row group again (benchmarks/RESULTS.md, G.3.2).

    Attributes
    ----------
    n_mentions : mentions appended so far.
    n_submitted, n_appended : articles handed over, and whose rows are in the store.
    first_submit : ``time.perf_counter()`` of the first batch handed over (None before).

    Raises
    ------
    ConfigError
        When Dask (``pip install "framewatch[dask]"``) is missing or the scheduler cannot be reached.
    """

    def __init__(self, con, stages: ScoreStages, options: EngineOptions, sketches: list | None = None,
                 names_of=None, checkpoint: bool = False, name_hits: list | None = None):
        try:
            import fsspec
            import distributed  # noqa: F401  (checked here, before any work is done)
        except ImportError as exc:
            raise ConfigError("the Dask engine needs dask.distributed", where="--engine dask",
                              expected="dask[distributed] and fsspec installed", found=str(exc),
                              fix='pip install "framewatch[dask]"') from exc
        self.con, self.stages, self.options, self.sketches, self.names_of = con, stages, options, sketches, names_of
        self.checkpoint, self.name_hits = checkpoint, name_hits
        self.own_dir = options.workdir is None
        self.workdir = (tempfile.mkdtemp(prefix="framewatch-dask-") if self.own_dir else options.workdir).rstrip("/")
        self.fs, _ = fsspec.core.url_to_fs(self.workdir)
        protocols = self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        self.local = "file" in protocols
        self.run_dir = f"{self.workdir}/run-{secrets.token_hex(6)}"
        self.client = self.cluster = self.shared = None
        self.ahead = self.group = 1
        self.pending: collections.deque = collections.deque()
        self.n_mentions = self.n_submitted = self.n_appended = self.n_partitions = 0
        self.first_submit: float | None = None

    def __enter__(self) -> DaskScorer:
        self.fs.makedirs(f"{self.run_dir}/articles", exist_ok=True)
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.client is not None:
                self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        finally:
            if self.own_dir:
                shutil.rmtree(self.workdir, ignore_errors=True)
            else:
                self.fs.rm(self.run_dir, recursive=True)

    def _start(self) -> None:
        import dask
        from distributed import Client, LocalCluster

        options = self.options
        try:
            if options.scheduler:
                self.client = Client(options.scheduler, timeout="10s")
            else:
                with dask.config.set(QUIET_CLUSTER):   # the nannies hand it to their workers
                    self.cluster = LocalCluster(n_workers=options.n_workers, threads_per_worker=1, processes=True,
                                                dashboard_address=None, scheduler_kwargs=LOCAL_SCHEDULER)
                    self.client = Client(self.cluster)
        except OSError as exc:
            raise ConfigError("cannot reach the Dask scheduler", where=f"--scheduler {options.scheduler}",
                              expected="a running dask scheduler at that address", found=str(exc),
                              fix="start one with `dask scheduler` and workers with `dask worker ADDRESS`") from exc
        # hash=False: a random key instead of tokenizing (hashing) every fitted stage first
        self.shared = self.client.scatter(self.stages, broadcast=True, hash=False)
        self.group = max(len(self.client.scheduler_info().get("workers", {})), 1)
        self.ahead = 2 * self.group + 1

    def submit(self, batch: Batch, sketch: bool = True) -> None:
        """Write *batch*'s articles (read from the store now) as a partition and hand it to the
        cluster; then append what is ready (waiting for the oldest when too many wait).
        *sketch*: also compute the batch's signatures (when the scorer collects them)."""
        if self.client is None:
            self._start()
            self.first_submit = time.perf_counter()
        path = f"{self.run_dir}/articles/part-{self.n_partitions:05d}.parquet"
        self.n_partitions += 1
        if self.local:   # DuckDB writes the partition itself: no frame in between (the same rows, as
            # pandas reads them back: tests/pipelines/test_engines.py holds the two engines' tables equal)
            sql, params = _batch_query(batch)
            target = self.fs._strip_protocol(path)
            n_articles = self.con.execute(f"COPY ({sql}) TO '{_sql_quote(target)}' (FORMAT PARQUET)",
                                          params).fetchone()[0]
            outlets = [] if self.names_of is None else [r[0] for r in self.con.execute(
                f"SELECT DISTINCT outlet FROM read_parquet('{_sql_quote(target)}')").fetchall()]
        else:
            articles = read_batch(self.con, batch)
            n_articles = len(articles)
            outlets = [] if self.names_of is None else articles["outlet"].unique().tolist()
            articles.to_parquet(path, index=False)
        names = None
        if self.names_of is not None:
            names = {o: self.names_of(o) for o in outlets if isinstance(o, str)}
        sketch = sketch and self.sketches is not None
        future = self.client.submit(score_partition, path, out=self.run_dir, stages=self.shared, sketch=sketch,
                                    outlet_names=names, pure=False)
        self.pending.append((path, n_articles, future))
        self.n_submitted += n_articles
        while len(self.pending) > self.ahead or self._n_ready() >= self.group:
            self._append_group(self.group)

    def append_ready(self) -> None:
        """Append the partitions scored so far, in order, up to the first still being scored."""
        if self._n_ready():
            self._append_group(1)

    def finish(self) -> None:
        """Wait for every partition handed over and append it."""
        while self.pending:
            self._append_group(self.group)

    def n_scored(self) -> int:
        """Articles whose partitions are scored (appended, or done and waiting to be)."""
        return self.n_appended + sum(n for _, n, future in self.pending if future.done())

    def _n_ready(self) -> int:
        """Partitions scored at the head of the queue (before the first still being scored)."""
        return next((k for k, (_, _, future) in enumerate(self.pending) if not future.done()), len(self.pending))

    def _append_group(self, wait_for: int) -> None:
        """Append the first *wait_for* partitions waiting (waiting for them to be scored) and every
        scored one after them, in order: one transaction for the group (local work dir)."""
        group = []
        while self.pending and (len(group) < wait_for or self.pending[0][2].done()):
            group.append(self.pending.popleft())
        written = [future.result() for _, _, future in group]
        for files in written:
            if "sketches" in files:
                self.sketches.append(signature_arrays(pd.read_parquet(files["sketches"])))
            if self.name_hits is not None:
                self.name_hits.append(pd.read_parquet(files[NAME_HITS]))
        if self.local:   # DuckDB reads the workers' files itself: no frame in between
            busy = any(not future.done() for _, _, future in self.pending)   # the workers have the other cores
            with _one_thread(self.con) if busy else contextlib.nullcontext():
                with transaction(self.con):
                    n = {t: append_parquet(self.con, t, [self.fs._strip_protocol(f[t]) for f in written])
                         for t in BATCH_TABLES}
                if self.checkpoint:
                    self.con.execute("CHECKPOINT")
            self.n_mentions += n["mentions"]
        else:            # a URL DuckDB may not read (s3://, memory:// ...): through fsspec and pandas
            for files in written:
                self.n_mentions += write_batch(self.con, {t: pd.read_parquet(files[t]) for t in BATCH_TABLES})
        self.fs.rm([f for (path, _, _), files in zip(group, written) for f in (path, *files.values())])
        self.n_appended += sum(n_articles for _, n_articles, _ in group)


@contextlib.contextmanager
def _one_thread(con):
    """DuckDB runs the statements of the ``with`` block on one thread (then as many as before)."""
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(threads)}")


def score_dask(con, plan: list[Batch], stages: ScoreStages, options: EngineOptions,
               sketches: list | None = None, name_hits: list | None = None) -> int:
    """Score the batches of *plan* (:func:`plan_batches`) on a Dask cluster, one Parquet partition a batch.

    Each batch is handed to the cluster as soon as its partition is written, and the scored
    ones are appended in partition order (as the local engine writes) while the workers go on,
    so this process's reading, writing and appending overlaps the scoring instead of preceding
    and following it (:class:`DaskScorer`: DuckDB reads the workers' Parquet files directly
    when the work dir is local, :func:`pipelines.storage.append_parquet`; through pandas for
    other URLs). The store is checkpointed after each group of partitions appended, while the
    workers go on, so little is left to compress when the run ends. Returns the mentions written.
    *sketches*, *name_hits*: as for :func:`score_local` (the workers compute the signatures too).

    Raises
    ------
    ConfigError
        When Dask (``pip install "framewatch[dask]"``) is missing or the scheduler cannot be reached.
    """
    with DaskScorer(con, stages, options, sketches, checkpoint=True, name_hits=name_hits) as scorer:
        for batch in plan:
            scorer.submit(batch)
        scorer.finish()
        return scorer.n_mentions
