"""Collect: RSS/Atom feeds and their article pages into the store, politely and incrementally.

:func:`collect_feeds` reads each feed of a feeds file (``data/feeds.yaml``,
:func:`read_feeds`), keeps the items not yet in the store, optionally fetches each new
item's page and extracts its main text (trafilatura, through
:func:`pipelines.sources.read_html_string`), adds them through the ordinary ingest path
(:func:`pipelines.ingest.ingest_records`: outlet registry, dates, duplicates, rejects), then
scores only the articles that have no scores yet and rebuilds ``daily``.

Politeness (:class:`PoliteClient`): robots.txt honoured for feeds and pages (fetched once
per host and cached; a host whose robots.txt answers 5xx or not at all is not crawled, one
that answers 4xx is open, as RFC 9309 says), at most one request per host every
``min_interval`` seconds (or the host's ``Crawl-delay`` if longer), a User-Agent naming
framewatch, timeouts, and retries with exponential backoff on 429/5xx answers, timeouts and
connection errors. Conditional GET: each feed's ``ETag`` / ``Last-Modified`` are kept in
the ``feed_state`` table and sent back, so an unchanged feed costs one ``304`` answer.

A feed or page that fails goes to the summary and to ``rejects`` (reasons ``feed_failed``,
``page_failed``) and never stops the others. A failed page's item is not stored, and its
feed's validators are not updated, so the next run fetches the feed again and retries it.
Items are written in batches, each batch with the ``feed_state`` of its feeds, through the
store's atomic :func:`pipelines.storage.writing`; an interrupted collection leaves the
batches already written, and the next run skips their items (known URLs) and scores any
article left unscored.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import pandas as pd
import requests
import yaml

from . import __version__
from .dates import check_zone, naive_warning, parse_dates
from .errors import ConfigError, parse_yaml
from .ingest import IngestOptions, ingest_records, normalise_url
from .outlets import Registry, read_registry
from .schemas import column_names
from .sources import _decode as decode_page
from .sources import read_feed, read_html_string
from .storage import connect, write_table, writing

FEEDS_FILE = Path(__file__).resolve().parents[1] / "data" / "feeds.yaml"
"""The default feeds file."""

UA_TOKEN = "framewatch"
"""The product token robots.txt rules are matched against."""

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""HTTP answers that are retried (with backoff); any other 4xx/5xx fails at once."""

_FEED_KEYS = {"outlet", "url", "full_text", "enabled", "notes"}


def user_agent(contact: str | None = None) -> str:
    """``framewatch/<version> (+<contact>)``, or a research-collector note without a contact."""
    return f"{UA_TOKEN}/{__version__} (+{contact})" if contact else \
        f"{UA_TOKEN}/{__version__} (media-framing research collector)"


# --------------------------------------------------------------------------------------------
# the feeds file


@dataclass(frozen=True)
class Feed:
    """One entry of a feeds file: ``outlet`` (registry name), ``url``, ``full_text``,
    ``enabled``, ``notes`` and the ``line`` it starts on."""

    outlet: str
    url: str
    full_text: bool = False
    enabled: bool = True
    notes: str | None = None
    line: int = 0


def read_feeds(path: str | Path | None = None, registry: Registry | None = None) -> list[Feed]:
    """Read and validate a feeds file (default :data:`FEEDS_FILE`).

    Parameters
    ----------
    path : the YAML file: ``feeds:`` followed by a list of entries (see ``data/feeds.yaml``).
    registry : the outlet registry every ``outlet`` must name (default: the built-in one).

    Returns
    -------
    list of Feed, in file order (disabled entries included, with ``enabled=False``).

    Raises
    ------
    ConfigError
        When the file cannot be read or is not YAML, gives a key twice in one mapping (YAML would
        keep the last without a word), or an entry lacks ``outlet`` or ``url``,
        names an outlet the registry does not know, has a URL that is not http(s), repeats a
        URL, has an unknown key or a non-boolean flag; the message names the file and line.
    """
    path = Path(path) if path else FEEDS_FILE
    registry = registry or read_registry()
    try:
        node, document = parse_yaml(path.read_text(encoding="utf-8"), path, ConfigError)
    except OSError as exc:
        raise ConfigError("cannot read the feeds file", where=str(path), found=exc.strerror or str(exc),
                          fix="check the path given to --feeds") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError("the feeds file is not valid YAML",
                          where=f"{path}, line {mark.line + 1}" if mark else str(path), expected="YAML",
                          found=str(getattr(exc, "problem", exc)), fix="quote URLs that hold ': ' or ' #'") from None
    entries = document.get("feeds") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ConfigError("the feeds file has no list of feeds", where=f"{path}, line 1",
                          expected="a top-level key 'feeds:' holding a list of entries",
                          found=type(document).__name__ if not isinstance(document, dict) else
                          f"keys {sorted(document)}", fix="see data/feeds.yaml for the format")
    seq = next(v for k, v in node.value if k.value == "feeds")
    feeds, seen = [], {}
    for entry, item_node in zip(entries, seq.value):
        line = item_node.start_mark.line + 1
        where = f"{path}, line {line}"
        if not isinstance(entry, dict):
            raise ConfigError("a feed entry is not a mapping", where=where, expected="outlet: ..., url: ...",
                              found=repr(entry), fix="write each feed as '- outlet: NAME' and 'url: URL' lines")
        unknown = sorted(set(map(str, entry)) - _FEED_KEYS)
        if unknown:
            raise ConfigError(f"unknown key {unknown[0]!r} in a feed entry", where=where,
                              expected=", ".join(sorted(_FEED_KEYS)), found=unknown[0], fix="remove or rename it")
        outlet, url = entry.get("outlet"), entry.get("url")
        if not isinstance(outlet, str) or not outlet.strip():
            raise ConfigError("a feed entry has no outlet", where=where, expected="outlet: NAME (from the registry)",
                              found=repr(outlet), fix="add the outlet's registry name")
        if outlet.strip() not in registry:
            canonical, known = registry.canonical(outlet.strip())
            hint = f"write '{canonical}' (its registry name)" if known else \
                "use a name from data/outlets.yaml or add the outlet to a registry given with --outlets"
            raise ConfigError(f"unknown outlet {outlet.strip()!r}", where=where,
                              expected="the canonical name of an outlet in the registry", found=repr(outlet), fix=hint)
        if not isinstance(url, str) or not re.match(r"^https?://[^/\s]+", url.strip(), re.I):
            raise ConfigError("a feed URL is missing or not http(s)", where=where, expected="url: https://...",
                              found=repr(url), fix="give the feed's full http(s) address")
        for flag in ("full_text", "enabled"):
            if flag in entry and not isinstance(entry[flag], bool):
                raise ConfigError(f"'{flag}' is not true or false", where=where, expected="true or false",
                                  found=repr(entry[flag]), fix=f"write {flag}: true")
        url = url.strip()
        if url in seen:
            raise ConfigError("a feed URL is listed twice", where=where, expected="each URL once",
                              found=f"{url} (also on line {seen[url]})", fix="remove one of the entries")
        seen[url] = line
        notes = entry.get("notes")
        feeds.append(Feed(outlet=outlet.strip(), url=url, full_text=bool(entry.get("full_text", False)),
                          enabled=bool(entry.get("enabled", True)), notes=str(notes) if notes else None, line=line))
    return feeds


# --------------------------------------------------------------------------------------------
# HTTP


class FetchError(Exception):
    """A request that did not give a usable answer.

    ``reason``: robots_disallowed, robots_unavailable, http_error, timeout, connection_error
    or too_large; ``detail`` in words; ``attempts`` made; ``status`` (HTTP code) when one came.
    """

    def __init__(self, reason: str, detail: str, attempts: int = 0, status: int | None = None):
        self.reason, self.detail, self.attempts, self.status = reason, detail, attempts, status
        super().__init__(f"{reason}: {detail}")


@dataclass
class Fetched:
    """An answer: final ``url`` (after redirects), ``status`` (200 or 304), ``headers``,
    ``content`` (bytes) and the ``attempts`` it took."""

    url: str
    status: int
    headers: dict
    content: bytes
    attempts: int


class PoliteClient:
    """HTTP GET with robots.txt, a per-host interval, timeouts, retries and backoff.

    Parameters
    ----------
    user_agent : str
        Sent on every request (:func:`user_agent`).
    min_interval : float, default 1.0
        Seconds between two requests to one host (``--rate``); a robots.txt ``Crawl-delay``
        for framewatch, if longer, wins.
    timeout : float, default 20
        Seconds to connect and seconds to wait for data.
    attempts : int, default 3
        Tries per URL; retried after ``backoff * 2**(try - 1)`` seconds (1, 2, 4 ...).
    backoff : float, default 1.0
    max_bytes : int, default 10_000_000
        Larger answers fail with ``too_large``.
    clock, sleep : callables, default ``time.monotonic`` and ``time.sleep``
        Injected by tests to count waits instead of timing them.
    session : requests.Session, optional

    Attributes
    ----------
    log : list of (host, clock time, url)
        Every request sent (robots.txt included), in order.
    """

    def __init__(self, user_agent: str = user_agent(), *, min_interval: float = 1.0, timeout: float = 20.0,
                 attempts: int = 3, backoff: float = 1.0, max_bytes: int = 10_000_000,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 session: requests.Session | None = None):
        if min_interval < 0 or timeout <= 0 or attempts < 1 or backoff < 0:
            raise ConfigError("bad collect setting", expected="--rate >= 0, --timeout > 0, attempts >= 1",
                              found=f"rate {min_interval}, timeout {timeout}, attempts {attempts}",
                              fix="e.g. --rate 1.0 --timeout 20")
        self.user_agent, self.min_interval, self.timeout = user_agent, min_interval, timeout
        self.attempts, self.backoff, self.max_bytes = attempts, backoff, max_bytes
        self.clock, self.sleep = clock, sleep
        self.session = session or requests.Session()
        self.log: list[tuple[str, float, str]] = []
        self._next_at: dict[str, float] = {}
        self._interval: dict[str, float] = {}
        self._robots: dict[str, RobotFileParser | FetchError] = {}

    def get(self, url: str, headers: dict | None = None) -> Fetched:
        """GET *url* if robots.txt allows it.

        Raises
        ------
        FetchError
            When robots.txt forbids it or cannot be read, or no usable answer came.
        """
        self._check_robots(url)
        return self._fetch(url, headers or {})

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        rules = self._robots[origin]
        if isinstance(rules, FetchError):
            raise FetchError("robots_unavailable", f"{origin}/robots.txt could not be read ({rules.detail}); "
                             "the host is not crawled", rules.attempts, rules.status)
        if not rules.can_fetch(UA_TOKEN, url):
            raise FetchError("robots_disallowed", f"{origin}/robots.txt disallows {parts.path or '/'} "
                             f"for {UA_TOKEN}")

    def _read_robots(self, origin: str) -> RobotFileParser | FetchError:
        rules = RobotFileParser(origin + "/robots.txt")
        try:
            answer = self._fetch(origin + "/robots.txt", {})
        except FetchError as exc:
            if exc.status is None or exc.status >= 500:
                return exc
            rules.parse([])  # 4xx: no rules, everything allowed (RFC 9309, 2.3.1.3)
            return rules
        rules.parse(decode_page(answer.content, html=False)[0].splitlines())
        delay = rules.crawl_delay(UA_TOKEN)
        if delay:
            self._interval[urlsplit(origin).netloc.lower()] = float(delay)
        return rules

    def _wait_turn(self, host: str, url: str) -> None:
        now = self.clock()
        ready = self._next_at.get(host)
        if ready is not None and now < ready:
            self.sleep(ready - now)
            now = self.clock()
        self._next_at[host] = now + max(self.min_interval, self._interval.get(host, 0.0))
        self.log.append((host, now, url))

    def _fetch(self, url: str, headers: dict) -> Fetched:
        host = urlsplit(url).netloc.lower()
        tries = 0
        while True:
            tries += 1
            hint = 0.0
            self._wait_turn(host, url)
            try:
                answer = self.session.get(url, headers={**headers, "User-Agent": self.user_agent},
                                          timeout=self.timeout, stream=True, allow_redirects=True)
                try:
                    status = answer.status_code
                    content = b"" if status == 304 or status in RETRY_STATUSES else self._read(answer, tries)
                finally:
                    answer.close()
            except requests.Timeout:
                failure = FetchError("timeout", f"no answer within {self.timeout:g} s", tries)
            except requests.RequestException as exc:
                failure = FetchError("connection_error", f"{type(exc).__name__}: {_first_line(exc)}", tries)
            else:
                if status < 400:
                    return Fetched(answer.url, status, dict(answer.headers), content, tries)
                failure = FetchError("http_error", f"HTTP {status} {answer.reason or ''}".strip(), tries, status)
                if status not in RETRY_STATUSES:
                    raise failure
                hint = _retry_after(answer.headers.get("Retry-After"))
            if tries >= self.attempts:
                failure.detail += f" after {tries} attempts"
                raise failure
            self.sleep(max(self.backoff * 2 ** (tries - 1), hint))

    def _read(self, answer: requests.Response, tries: int) -> bytes:
        chunks, size = [], 0
        for chunk in answer.iter_content(65536):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError("too_large", f"the answer is larger than {self.max_bytes:,} bytes", tries)
            chunks.append(chunk)
        return b"".join(chunks)


MAX_RETRY_AFTER = 60.0
"""Longest wait, in seconds, a ``Retry-After`` answer header is honoured for (a longer one is ignored)."""


def _retry_after(value: str | None) -> float:
    """Seconds of a ``Retry-After`` header given in seconds (0 when absent, a date, or over the cap)."""
    try:
        seconds = float(value) if value is not None else 0.0
    except ValueError:
        return 0.0
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER else 0.0


def _first_line(exc: object) -> str:
    return " ".join(str(exc).split())[:300]


# --------------------------------------------------------------------------------------------
# collecting


@dataclass
class CollectOptions:
    """Settings of a collection.

    Parameters
    ----------
    since : only items published at or after this instant (``--since``); undated items are kept.
    full_text : fetch every new item's page, whatever the feed entry says (``--full-text``).
    min_interval : seconds between two requests to one host (``--rate``).
    timeout : seconds to connect / to wait for data (``--timeout``).
    max_items : at most this many new items per feed and run (``--max-items``); None: all.
    attempts, backoff : tries per URL and the first backoff in seconds (doubled each retry).
    batch_size : new items written to the store per atomic batch.
    contact : URL or e-mail put in the User-Agent (``--contact``).
    assume_tz : zone in which a feed's or page's date-time without a UTC offset is read (default
        UTC; ``--assume-tz``), checked here (:func:`pipelines.dates.check_zone`), before any request.
    """

    since: datetime | None = None
    full_text: bool = False
    min_interval: float = 1.0
    timeout: float = 20.0
    max_items: int | None = None
    attempts: int = 3
    backoff: float = 1.0
    batch_size: int = 200
    contact: str | None = None
    assume_tz: str = "UTC"

    def __post_init__(self) -> None:
        check_zone(self.assume_tz)

    def client(self) -> PoliteClient:
        return PoliteClient(user_agent(self.contact), min_interval=self.min_interval, timeout=self.timeout,
                            attempts=self.attempts, backoff=self.backoff)


@dataclass
class CollectSummary:
    """Counts of a collection, printed on one line by ``framewatch collect``."""

    run_id: str
    feeds_ok: int = 0
    feeds_failed: int = 0
    feeds_not_modified: int = 0
    items_seen: int = 0
    items_new: int = 0
    items_duplicate: int = 0
    items_rejected: int = 0
    items_before_since: int = 0
    items_over_max: int = 0
    pages_fetched: int = 0
    pages_failed: int = 0
    articles_scored: int = 0
    model_scored: int = 0
    full_rescore: bool = False
    changed: list[str] = field(default_factory=list)
    """With *full_rescore*: what changed since the store's last scoring (:attr:`pipelines.run.RunSummary.changed_definitions`)."""
    n_mentions: int = 0
    name_hits: str = ""
    """The hits left out as parts of names in the articles scored, as the run line says them (``17 (martyrs 14,
    glorious 2, ever-victorious 1)``; :meth:`pipelines.run.RunSummary.name_hits_text`); empty when none."""
    elapsed_s: float = 0.0
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line: feeds ok/failed/not modified, items new/duplicate/rejected, pages, mentions (and the hits
        left out as parts of names, when some were)."""
        parts = [f"feeds ok {self.feeds_ok}, failed {self.feeds_failed}, not modified {self.feeds_not_modified}",
                 f"items new {self.items_new}, duplicate {self.items_duplicate}, rejected {self.items_rejected}"
                 + (f", before --since {self.items_before_since}" if self.items_before_since else "")
                 + (f", left for later (--max-items) {self.items_over_max}" if self.items_over_max else ""),
                 f"pages fetched {self.pages_fetched}, failed {self.pages_failed}",
                 f"scored {self.articles_scored}"
                 + (f" (all: {self._why()})" if self.full_rescore else ""),
                 f"mentions {self.n_mentions}", f"elapsed {self.elapsed_s:.1f}s"]
        if self.model_scored:
            parts.insert(-2, f"frame model applied to {self.model_scored}")
        if self.name_hits:
            parts.insert(-1, f"left out as parts of names {self.name_hits}")
        return "; ".join(parts)

    def _why(self) -> str:
        """Why every stored article was scored again: ``scoring rules changed (r2 -> r3), lexicon changed``."""
        if not self.changed:
            return "a definition's version changed, see runs"
        parts = [item.partition(" (") for item in self.changed]   # "scoring rules (r2 -> r3)"
        return ", ".join(f"{name} changed" + (f" ({versions}" if versions else "") for name, _, versions in parts)


@dataclass
class _Batch:
    records: list[dict] = field(default_factory=list)
    states: list[dict] = field(default_factory=list)


def collect_feeds(store: str | Path, feeds: list[Feed], options: CollectOptions | None = None, *,
                  client: PoliteClient | None = None, registry: Registry | None = None,
                  score_options=None) -> CollectSummary:
    """Collect *feeds* into *store*, then score the new articles and rebuild ``daily``.

    Parameters
    ----------
    store : the DuckDB store (created when missing).
    feeds : from :func:`read_feeds`; disabled entries are skipped.
    options : CollectOptions.
    client : the HTTP client (default ``options.client()``); tests pass one with a fake clock.
    registry : outlet registry (default: the built-in one).
    score_options : :class:`pipelines.run.ScoreOptions`; default: those of the store's last
        run, score or collect (:func:`stored_score_options`), so the lexicon stays the same.

    Returns
    -------
    CollectSummary

    Raises
    ------
    LexiconError, TopicError, ConfigError
        On a bad lexicon, topics or frames file (checked before any request is sent).
    """
    from .run import RunSummary, new_run_id

    options = options or CollectOptions()
    registry = registry or read_registry()
    score_options = score_options or stored_score_options(store)
    scoring = _load_scoring(score_options)
    client = client or options.client()
    run_id = new_run_id()
    summary = CollectSummary(run_id, warnings=list(scoring[1]))
    run_summary = RunSummary(run_id)
    started, t0 = datetime.now(timezone.utc), time.perf_counter()
    known = known_urls(store)
    states = _feed_states(store)
    batch = _Batch()
    for feed in feeds:
        if not feed.enabled:
            continue
        _collect_feed(client, feed, states.get(feed.url), known, options, summary, batch)
        if len(batch.records) >= options.batch_size:
            with writing(store) as con:
                _write_batch(con, batch, registry, run_id, summary, run_summary, options.assume_tz)
            batch = _Batch()
    with writing(store) as con:
        _write_batch(con, batch, registry, run_id, summary, run_summary, options.assume_tz)
        _score_and_aggregate(con, scoring, score_options, registry, summary, run_summary)
        summary.elapsed_s = time.perf_counter() - t0
        run_summary.elapsed_s = summary.elapsed_s
        # Items skipped as already stored never reached the ingest: count them as its duplicates,
        # so records in = ingested + duplicates + rejected, as for files.
        skipped = summary.items_duplicate - run_summary.n_duplicates
        run_summary.n_input += skipped
        run_summary.n_duplicates += skipped
        settings = {"collect": {**asdict(options), "feeds": [f.url for f in feeds if f.enabled]},
                    "score": asdict(score_options), "summary": summary.line()}
        from .run import _record_run
        _record_run(con, run_id, "collect", started, summary.elapsed_s, settings, run_summary, scoring[0].version)
    return summary


def _load_scoring(score_options) -> tuple:
    from .tone import read_gazetteer

    lexicon, warnings, topics = score_options.load()
    return lexicon, warnings, topics, score_options.frame_scorer(), read_gazetteer(score_options.targets)


def _score_and_aggregate(con, scoring, score_options, registry, summary, run_summary) -> None:
    from .aggregate import build_daily
    from .frame_model import CoverageWarning
    from .run import _score, column_only_runs

    lexicon, _, topics, frames, gazetteer = scoring
    had_scores = con.execute("SELECT count(*) FROM article_scores").fetchall()[0][0] > 0
    # Feed items come without a topic column: the topic queries apply to them (and to every stored
    # article but those of runs that took topics from their column instead).
    full = _score(con, lexicon, topics, score_options.topic_column, run_summary, False, registry,
                  frames, gazetteer=gazetteer, only_new=True, column_only=column_only_runs(con))
    summary.full_rescore = full and had_scores
    summary.changed = list(run_summary.changed_definitions)
    summary.articles_scored = run_summary.n_articles
    summary.model_scored = run_summary.n_model_articles
    summary.warnings += [w for w in run_summary.warnings if isinstance(w, CoverageWarning)]  # the frame model's
    summary.n_mentions = run_summary.n_mentions
    if run_summary.n_name_hits:
        summary.name_hits = f"{run_summary.n_name_hits} ({run_summary.name_hits_text()})"
    build_daily(con)


def _collect_feed(client: PoliteClient, feed: Feed, state: dict | None, known: set[str],
                  options: CollectOptions, summary: CollectSummary, batch: _Batch) -> None:
    """Fetch one feed (and its new pages); add records and the feed's new state to *batch*."""
    checked = datetime.now(timezone.utc)
    old = state or {}
    new_state = {"feed_url": feed.url, "outlet": feed.outlet, "etag": old.get("etag"),
                 "last_modified": old.get("last_modified"), "last_checked": checked, "last_status": None,
                 "last_error": None, "n_items_last": old.get("n_items_last"), "n_new_last": 0}
    batch.states.append(new_state)
    headers = {}
    if old.get("etag"):
        headers["If-None-Match"] = old["etag"]
    if old.get("last_modified"):
        headers["If-Modified-Since"] = old["last_modified"]
    try:
        answer = client.get(feed.url, headers)
    except FetchError as exc:
        _feed_failed(feed, summary, batch, new_state, exc.reason, exc.detail, exc.status)
        return
    new_state["last_status"] = str(answer.status)
    if answer.status == 304:
        summary.feeds_not_modified += 1
        return
    records = list(read_feed(feed.url, data=answer.content, base_url=answer.url, assume_tz=options.assume_tz))
    if len(records) == 1 and records[0].get("_source_row") is None and "_reject" in records[0]:
        _feed_failed(feed, summary, batch, new_state, "not_a_feed", records[0]["_reject"][1], answer.status)
        return
    summary.feeds_ok += 1
    new_state["n_items_last"] = len(records)
    complete = True  # every item handled: the feed's validators may be kept
    n_new = n_naive = 0
    for rec in records:
        summary.items_seen += 1
        if "_reject" in rec:
            batch.records.append(rec)
            continue
        rec["outlet"] = feed.outlet
        rec["fetched_at"] = checked
        rec["feed"] = feed.url
        if rec.get("url"):
            rec["url"] = urljoin(answer.url, rec["url"])
        published = rec.get("published")
        if options.since and isinstance(published, datetime) and published < options.since:
            summary.items_before_since += 1
            continue
        norm = normalise_url(rec.get("url"))
        if norm and norm in known:
            summary.items_duplicate += 1
            continue
        if options.max_items is not None and n_new >= options.max_items:
            summary.items_over_max += 1
            complete = False
            continue
        if feed.full_text or options.full_text:
            outcome = _add_page(client, rec, known, summary, batch, options.assume_tz)
            if outcome == "failed":
                complete = False  # keep the old validators: the next run reads the feed and retries
                continue
            if outcome == "duplicate":
                if norm:
                    known.add(norm)
                continue
        if norm:
            known.add(norm)
        n_new += 1
        n_naive += rec.get("_naive_date", False)
        batch.records.append(rec)
    new_state["n_new_last"] = n_new
    if n_naive:
        summary.warnings.append(naive_items_warning(feed, n_naive, options.assume_tz))
    if complete:
        new_state["etag"] = answer.headers.get("ETag") or answer.headers.get("etag")
        new_state["last_modified"] = answer.headers.get("Last-Modified") or answer.headers.get("last-modified")


def naive_items_warning(feed: Feed, n_naive: int, assume_tz: str) -> str:
    """The warning for *n_naive* new items of *feed* whose date (the feed's, or their page's) had no UTC
    offset and was read in *assume_tz* (:func:`pipelines.dates.naive_warning`): ``--assume-tz`` fixes
    the next collect, and the items stored now keep their times (a later collect skips them as known)."""
    return naive_warning(n_naive, assume_tz, place=f"{feed.outlet} feed {feed.url}, the new items' dates",
                         then="from the next collect on; the items stored now keep their times (a later collect "
                              "skips items already stored)")


def _feed_failed(feed: Feed, summary: CollectSummary, batch: _Batch, state: dict, reason: str, detail: str,
                 status: int | None) -> None:
    summary.feeds_failed += 1
    summary.failures.append(f"{feed.outlet} feed {feed.url}: {detail}")
    state["last_status"] = str(status) if status else reason
    state["last_error"] = detail
    batch.records.append({"_source_file": feed.url, "_source_row": None,
                          "_reject": ("feed_failed", f"{reason}: {detail}"), "outlet": feed.outlet})


def _add_page(client: PoliteClient, rec: dict, known: set[str], summary: CollectSummary, batch: _Batch,
              assume_tz: str = "UTC") -> str:
    """Fetch the item's page and put its main text in *rec*.

    Returns "ok", "duplicate" (the page's canonical URL is already stored or taken) or "failed"
    (a ``page_failed`` reject is added to *batch*)."""
    url = rec.get("url")
    fetched_at = datetime.now(timezone.utc)
    page: dict = {}
    failure = None
    if not url:
        failure = "no_url: the item has no link to fetch"
    else:
        try:
            answer = client.get(url)
        except FetchError as exc:
            failure = f"{exc.reason}: {exc.detail}"
        else:
            summary.pages_fetched += 1
            # The page's date is only read when the item has none: a JSON-LD datePublished the page gives
            # twice (repeated_key) does not fail a page whose item the feed dates.
            page = read_html_string(decode_page(answer.content, html=True)[0], fetched_at=fetched_at,
                                    assume_tz=assume_tz, date_given=rec.get("published") is not None)
            if "_reject" in page:   # no text, or an undated item's date in a key given twice (repeated_key)
                failure = f"{page['_reject'][0]}: {page['_reject'][1]}"
    if failure:
        summary.pages_failed += 1
        summary.failures.append(f"page {url}: {failure}")
        batch.records.append({"_source_file": url or rec.get("feed", ""), "_source_row": rec.get("_source_row"),
                              "_reject": ("page_failed", failure), "title": rec.get("title"),
                              "feed": rec.get("feed"), "outlet": rec.get("outlet")})
        return "failed"
    canonical = _canonical(page.get("url"), answer.url, url)
    if canonical and normalise_url(canonical) != normalise_url(url):
        rec["feed_link"] = url
        rec["url"] = canonical
        if normalise_url(canonical) in known:
            summary.items_duplicate += 1
            return "duplicate"
        known.add(normalise_url(canonical))
    rec["body"] = page["body"]
    for key in ("title", "lead"):
        if not rec.get(key) and page.get(key):
            rec[key] = page[key]
    if rec.get("published") is None and page.get("published") is not None:
        rec["published"] = page["published"]
        rec["date_source"] = page.get("date_source")
        rec["date_note"] = page.get("date_note")
        if page.get("_naive_date"):
            rec["_naive_date"] = True
    if page.get("outlet"):
        rec["page_site_name"] = page["outlet"]
    rec["fetched_at"] = fetched_at
    return "ok"


def _canonical(declared: str | None, final_url: str, link: str) -> str | None:
    """The page's ``<link rel=canonical>`` made absolute, when it is an article URL on the same site.

    A canonical that points at the home page or at another site is ignored (some sites get it wrong)."""
    if not declared:
        return None
    absolute = urljoin(final_url, declared)
    parts, ref = urlsplit(absolute), urlsplit(link)
    same_site = _site(parts.netloc) == _site(ref.netloc)
    return absolute if same_site and parts.path.strip("/") and parts.scheme in ("http", "https") else None


def _site(netloc: str) -> str:
    host = netloc.lower().split(":")[0]
    return host[4:] if host.startswith("www.") else host


def _write_batch(con, batch: _Batch, registry: Registry, run_id: str, summary: CollectSummary,
                 run_summary, assume_tz: str = "UTC") -> None:
    """Ingest the batch's records and store its feeds' state, in the caller's atomic write."""
    from .run import stored_keys, write_ingest

    result = ingest_records(iter(batch.records), IngestOptions(assume_tz=assume_tz), registry, run_id,
                            stored_keys(con))
    write_ingest(con, result, run_summary, registry)
    summary.items_new += result.n_ingested
    summary.items_duplicate += result.n_duplicates
    summary.items_rejected += int((~result.rejects["reason"].isin(["feed_failed", "page_failed"])).sum())
    if batch.states:
        states = pd.DataFrame(batch.states, columns=column_names("feed_state"))
        states["last_checked"] = pd.to_datetime(states["last_checked"], utc=True)
        for col in ("n_items_last", "n_new_last"):
            states[col] = states[col].astype("Int64")
        con.executemany("DELETE FROM feed_state WHERE feed_url = ?", [(u,) for u in states["feed_url"]])
        write_table(con, "feed_state", states)


def _query_store(store: str | Path, table: str, sql: str) -> list[tuple]:
    """Rows of *sql* on the store read-only; none when the store or *table* does not exist yet."""
    if not Path(store).exists():
        return []
    con = connect(store)
    try:
        have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return con.execute(sql).fetchall() if table in have else []
    finally:
        con.close()


def known_urls(store: str | Path) -> set[str]:
    """Normalised URLs of stored articles (and the feed links their canonical URLs replaced)."""
    rows = _query_store(store, "articles", "SELECT url_norm, extra FROM articles WHERE url_norm IS NOT NULL "
                                           "OR extra LIKE '%feed_link%'")
    known = {norm for norm, _ in rows if norm}
    for _, extra in rows:
        m = re.search(r'"feed_link": "((?:[^"\\]|\\.)*)"', extra or "")
        if m:
            known.add(normalise_url(json.loads(f'"{m.group(1)}"')))
    return known


def _feed_states(store: str | Path) -> dict[str, dict]:
    names = column_names("feed_state")
    rows = _query_store(store, "feed_state", f"SELECT {', '.join(names)} FROM feed_state")
    return {row[0]: dict(zip(names, row)) for row in rows}


_SCORE_SETTINGS = ("lexicons", "extra_lexicons", "topics", "topic_queries", "topic_column", "frames",
                   "frame_threshold", "targets")
"""The settings of a score that decide its numbers (others, such as where it runs, are not carried over)."""


def stored_score_options(store: str | Path):
    """The :class:`pipelines.run.ScoreOptions` of the store's last run, score or collect
    (default options for a new store), so collecting never changes the lexicon silently."""
    from .run import ScoreOptions

    rows = _query_store(store, "runs", "SELECT settings FROM runs WHERE stage IN ('run', 'score', 'collect') "
                                       "ORDER BY started_at DESC LIMIT 1")
    saved = json.loads(rows[0][0]).get("score") if rows else None
    if not isinstance(saved, dict):
        return ScoreOptions()
    kept = {f.name: saved[f.name] for f in fields(ScoreOptions) if f.name in saved and f.name in _SCORE_SETTINGS}
    for key in ("lexicons", "extra_lexicons"):
        kept[key] = [Path(p) for p in kept.get(key) or []]
    for key in ("topics", "frames", "targets"):
        kept[key] = Path(kept[key]) if kept.get(key) else None
    return ScoreOptions(**kept)


def parse_since(value: str | None) -> datetime | None:
    """``--since`` (ISO date or date-time; a date is 00:00 UTC) as a UTC instant.

    Raises
    ------
    ConfigError
        When the value is not a date.
    """
    if not value:
        return None
    parsed = parse_dates([value])
    if parsed.instants[0] is None:
        raise ConfigError("--since is not a date", where="--since", expected="YYYY-MM-DD or an ISO 8601 date-time",
                          found=repr(value), fix="e.g. --since 2026-01-01")
    return parsed.instants[0]


# --------------------------------------------------------------------------------------------
# extraction quality


_TOKEN = re.compile(r"\w+")


def token_f1(extracted: str, gold: str) -> tuple[float, float, float]:
    """Token precision, recall and F1 of *extracted* text against *gold* text.

    Tokens are runs of word characters, lower-cased, compared as bags (a token counts as many
    times as it appears in both), the metric of the article-extraction benchmark (Scrapinghub
    2020). Two empty texts score 1.0; one empty text scores 0.0.

    Returns
    -------
    (precision, recall, f1), each in [0, 1]
    """
    from collections import Counter

    got, want = Counter(_TOKEN.findall(extracted.lower())), Counter(_TOKEN.findall(gold.lower()))
    if not got and not want:
        return 1.0, 1.0, 1.0
    common = sum((got & want).values())
    precision = common / sum(got.values()) if got else 0.0
    recall = common / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def extraction_quality(folder: str | Path, limit: int | None = None) -> pd.DataFrame:
    """Token F1 of framewatch's page extraction on the article-extraction benchmark.

    Parameters
    ----------
    folder : the benchmark folder (``html/<id>.html.gz`` and ``ground-truth.json`` with
        ``{id: {"articleBody": ..., "url": ...}}``, as in ``../shared/corpora/html_extraction_benchmark``).
    limit : score only the first *limit* pages (sorted by id).

    Returns
    -------
    DataFrame, one row per page: ``page`` (id), ``url``, ``precision``, ``recall``, ``f1``,
    ``n_gold`` and ``n_extracted`` (tokens). The extracted text is the ``body`` that
    collection stores (:func:`pipelines.sources.read_html_string`; "" when it finds none).

    Raises
    ------
    ConfigError
        When ``ground-truth.json`` is missing.
    """
    import gzip

    folder = Path(folder)
    truth_file = folder / "ground-truth.json"
    if not truth_file.is_file():
        raise ConfigError("no ground-truth.json in the benchmark folder", where=str(folder),
                          expected="html/<id>.html.gz and ground-truth.json", found="nothing",
                          fix="point to the html_extraction_benchmark folder")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    rows = []
    for page in sorted(truth)[:limit]:
        raw = gzip.decompress((folder / "html" / f"{page}.html.gz").read_bytes())
        record = read_html_string(decode_page(raw, html=True)[0], url=truth[page].get("url"))
        body = record.get("body") or ""
        gold = truth[page].get("articleBody") or ""
        p, r, f = token_f1(body, gold)
        rows.append({"page": page, "url": truth[page].get("url"), "precision": p, "recall": r, "f1": f,
                     "n_gold": len(_TOKEN.findall(gold)), "n_extracted": len(_TOKEN.findall(body))})
    return pd.DataFrame(rows, columns=["page", "url", "precision", "recall", "f1", "n_gold", "n_extracted"])


# --------------------------------------------------------------------------------------------
# status


def feed_status(con) -> pd.DataFrame:
    """The feeds a store was collected from, for the About page: one row per feed.

    Returns
    -------
    DataFrame with ``outlet``, ``feed_url``, ``last_checked`` (UTC), ``last_status``,
    ``last_error``, ``n_items_last``, ``n_new_last``, ``n_articles`` (stored articles that came
    from the feed) and ``ok`` (false when the last request failed), failed feeds first; empty
    (same columns) for a store that was never collected into.
    """
    cols = ["outlet", "feed_url", "last_checked", "last_status", "last_error", "n_items_last", "n_new_last",
            "n_articles", "ok"]
    have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "feed_state" not in have:
        return pd.DataFrame(columns=cols)
    return con.execute(
        "SELECT f.outlet, f.feed_url, f.last_checked, f.last_status, f.last_error, f.n_items_last, f.n_new_last, "
        "(SELECT count(*) FROM articles a WHERE a.source_file = f.feed_url) AS n_articles, "
        "f.last_error IS NULL AS ok FROM feed_state f ORDER BY ok, f.outlet, f.feed_url").df()[cols]
