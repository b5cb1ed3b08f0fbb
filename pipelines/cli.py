"""The ``framewatch`` command line: a thin client of the library.

Each command parses its options, calls one library function and prints a one-line summary.
Errors that stop a run print ``Error: ...`` on stderr and exit with status 1; bad records
never stop a run (see ``framewatch rejects``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import FramewatchError, plural
from .storage import DEFAULT_STORE

STORE_HELP = f"DuckDB store file [default: {DEFAULT_STORE}]"


EXIT_ERROR = 1
"""An ``Error:`` line: nothing was done (a bad option, path, lexicon, ...); the store is as it was."""
EXIT_NOTHING_STORED = 3
"""``run`` / ``ingest`` read their input but stored none of it (every record rejected, or no records):
the store holds the rejects and the run's row; ``Error: nothing was stored: ...`` says why."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (128 + SIGINT); SIGTERM gives 143 and SIGHUP 129 (128 + the signal), the store kept as Ctrl-C keeps it."""

EXIT_STATUS_HELP = ("Exit status: 0 done; 1 an Error: line, nothing done (the store as it was); 2 a usage error "
                    "(click's message); 3 run or ingest stored nothing (every record rejected, or the input "
                    "held no records: see `framewatch rejects`); 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP: stopped, "
                    "the store left as it was before the command (collect keeps the batches it wrote).")


def _fail(exc: Exception) -> None:
    click.echo(f"Error: {exc}", err=True)
    sys.exit(EXIT_ERROR)


def _stopped(exc: KeyboardInterrupt, kept: str = "the store was left as it was before this command") -> None:
    """Say that the command was stopped (Ctrl-C, or SIGTERM / SIGHUP: :class:`pipelines.errors.Terminated`)
    and what was *kept*; exit 130, or 128 + the signal."""
    from .errors import Terminated

    if isinstance(exc, Terminated):
        click.echo(f"Stopped by {exc.name}: {kept}.", err=True)
        sys.exit(exc.exit_status)
    click.echo(f"Interrupted: {kept}.", err=True)
    sys.exit(EXIT_INTERRUPTED)


def _quoted_path(message: str) -> str | None:
    """The first quoted path in an ``OSError``'s message, for one raised without ``filename`` (pyarrow's
    "[Errno 21] Failed to open local file '/x/articles.parquet'. Detail: ..."), or None."""
    import re

    m = re.search(r"'([^']*[/\\.][^']*)'", message)
    return m.group(1) if m else None


class _Group(click.Group):
    def invoke(self, ctx):
        from .errors import describe_os_error, raise_on_stop_signals

        # The outermost group: SIGTERM and SIGHUP stop a command as Ctrl-C does (the store kept), not silently.
        previous = raise_on_stop_signals() if ctx.parent is None else {}
        try:
            return super().invoke(ctx)
        except FramewatchError as exc:
            _fail(exc)
        except OSError as exc:  # a path no check foresaw: still one Error: line, not a traceback
            where = " and ".join(str(f) for f in (exc.filename, exc.filename2) if f) or _quoted_path(str(exc))
            _fail(FramewatchError("cannot use a file or folder", where=where,
                                  expected="a path the command can read or write", found=describe_os_error(exc),
                                  fix="check the path, that its folders exist and that you may write there"))
        except KeyboardInterrupt as exc:
            _stopped(exc)
        finally:
            import signal

            for signum, handler in previous.items():
                signal.signal(signum, handler)


def store_option(write: bool, default: str = str(DEFAULT_STORE), help: str = "DuckDB store file."):
    """The ``--store`` option of every command: the path is checked (:func:`pipelines.storage.check_store`)
    as it is parsed, before the command does any work, so a bad path stops with one ``Error:`` line.
    The command gets the :class:`~pipelines.storage.CheckedStore`, which the store functions do not check again."""
    from .storage import check_store

    def check(ctx, param, value):
        return check_store(value, write=write)

    return click.option("--store", default=default, show_default=True, help=help, callback=check)


class _CheckedPath(click.Path):
    """A path option or argument checked as it is parsed by :func:`pipelines.errors.check_path` (our
    ``Error:`` line, exit 1), not by click (its usage text, exit 2): an input (*exists*) must be there,
    an output (*write*) must be in a folder this user can write; either must be of the right kind
    (*folder*: True a folder, False a file, None either). *option* (default: the option's name) and
    *example* go into the fix; ``-`` passes unchecked with *allow_dash*, a URL (``s3://...``) with *url_ok*."""

    def __init__(self, what: str, example: str, *, folder: bool | None = False, exists: bool = False,
                 write: bool = False, allow_dash: bool = False, option: str | None = None, url_ok: bool = False):
        super().__init__(file_okay=folder is not True, dir_okay=folder is not False, allow_dash=allow_dash)
        self.what, self.example, self.folder, self.exists, self.write, self.option, self.url_ok = (
            what, example, folder, exists, write, option, url_ok)

    def convert(self, value, param, ctx):
        from .errors import ConfigError, check_path

        if not (self.allow_dash and value == "-") and not (self.url_ok and "://" in value):
            check_path(value, self.what, ConfigError, option=self.option or param.opts[0], example=self.example,
                       folder=self.folder, write=self.write, exists=self.exists)
        return value


def _input(what: str, example: str, **kwargs) -> _CheckedPath:
    """The type of an input path option: it must exist (see :class:`_CheckedPath`)."""
    return _CheckedPath(what, example, exists=True, **kwargs)


def _progress() -> bool:
    return sys.stderr.isatty()


def _ingest_options(maps, topic_column, default_outlet, dayfirst, source_config, assume_tz, outlets, coverage,
                    ingest_batch=None):
    from .errors import ConfigError, describe_os_error, repeated_json_keys, repeated_key_error
    from .ingest import IngestOptions, parse_mapping

    config = {}
    if source_config:
        try:
            text = Path(source_config).read_text(encoding="utf-8-sig")
            config = json.loads(text)
        except OSError as exc:
            raise ConfigError("cannot read the source configuration", where=str(source_config),
                              expected="a JSON file this user can read", found=describe_os_error(exc),
                              fix="check the file's path and permissions") from None
        except json.JSONDecodeError as exc:
            raise ConfigError("the source configuration is not valid JSON",
                              where=f"{source_config}, line {exc.lineno}, column {exc.colno}",
                              expected='JSON like {"Outlet A": {"date_order": "DMY"}}', found=exc.msg,
                              fix="check the file's JSON syntax (double quotes around names and values)") from None
        if repeats := repeated_json_keys(text):   # json keeps the last value of a key given twice
            raise repeated_key_error(repeats[0], source_config, ConfigError, "JSON")
        if not isinstance(config, dict):
            raise ConfigError("the source configuration is not a JSON object", where=str(source_config),
                              expected='an object of outlet -> settings, like {"Outlet A": {"date_order": "DMY"}}',
                              found=f"a JSON {type(config).__name__}", fix="wrap the settings in { } by outlet")
    return IngestOptions(mapping=parse_mapping(list(maps)), topic_column=topic_column,
                         date_order="DMY" if dayfirst else None, source_config=config, assume_tz=assume_tz,
                         outlets=[Path(p) for p in outlets], coverage=[Path(p) for p in coverage],
                         default_outlet=default_outlet,
                         **({"batch_size": ingest_batch} if ingest_batch is not None else {}))


def _score_options(lexicons, extra_lexicons, topics, topic_column_given, frames=None, frame_threshold=None,
                   targets=None):
    from .frames import FRAME_THRESHOLD
    from .run import ScoreOptions

    return ScoreOptions(lexicons=[Path(p) for p in lexicons], extra_lexicons=[Path(p) for p in extra_lexicons],
                        topics=Path(topics) if topics else None,
                        topic_queries=bool(topics) or not topic_column_given, topic_column=True,
                        frames=Path(frames) if frames else None, frame_threshold=frame_threshold or FRAME_THRESHOLD,
                        targets=Path(targets) if targets else None)


def assume_tz_option(what: str):
    """``--assume-tz ZONE``: the zone *what* without a UTC offset are read in (run, ingest, collect)."""
    return click.option("--assume-tz", default="UTC", show_default=True,
                        help=f"Time zone of {what} without an offset (IANA name, e.g. Europe/Moscow; an unknown "
                             "name stops the command before any work).")


def ingest_flags(f):
    opts = [
        click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN",
                     help="Use COLUMN for FIELD (outlet, published, title, lead, body, url, id, lang, topic). "
                          "topic=COLUMN adds the column's topic labels to the topic queries' topics "
                          "(--topic-column uses them instead). Repeatable."),
        click.option("--topic-column", metavar="COLUMN",
                     help="Input column holding topic labels (split on ';' and '|'). Used instead of the topic "
                          "queries unless --topics is also given; these articles keep them in later runs."),
        click.option("--outlet", "default_outlet", metavar="NAME",
                     help="Outlet for records that name none (e.g. a folder of one site's pages)."),
        click.option("--dayfirst", is_flag=True, help="Read numeric dates as day/month/year everywhere."),
        click.option("--source-config", type=_input("the source configuration", "sources.json"),
                     help='JSON: per-outlet settings, e.g. {"Outlet A": {"date_order": "DMY"}}.'),
        assume_tz_option("dates"),
        click.option("--outlets", multiple=True, type=_input("the outlet registry", "my_outlets.yaml"),
                     help="Extra outlet registry YAML (same format as data/outlets.yaml). Repeatable."),
        click.option("--coverage", multiple=True, type=_input("the coverage file", "coverage.csv"),
                     help="CSV of outlet, date, collected: days the collector ran (gaps vs zeros). Repeatable."),
        click.option("--ingest-batch", type=click.IntRange(min=1), default=None,
                     help="Records read and written to the store per batch, bounding the texts held in memory "
                          "[default: 10000]."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def score_flags(f):
    opts = [
        click.option("--lexicon", "lexicons", multiple=True, type=_input("the lexicon file", "my_terms.csv"),
                     help="Lexicon file (CSV, YAML or .dic) used INSTEAD of the built-in one. Repeatable."),
        click.option("--extra-lexicon", "extra_lexicons", multiple=True,
                     type=_input("the lexicon file", "my_terms.csv"), help="Lexicon file used BESIDE the built-in one (or the --lexicon files). Repeatable."),
        click.option("--topics", type=_input("the topics file", "my_topics.yaml"),
                     help="Topic definitions YAML [default: data/topics.yaml]."),
        click.option("--frames", type=_input("the frame lexicon", "my_frames.csv"),
                     help="Frame lexicon (CSV or YAML: term, variants, frame, note) [default: data/frames/frames.csv]."),
        click.option("--frame-threshold", type=click.IntRange(min=1), default=3, show_default=True,
                     help="Frame-lexicon tokens an article needs to use a frame (Field et al. 2018)."),
        click.option("--targets", type=_input("the gazetteer", "my_targets.yaml"),
                     help="Gazetteer of targets for tone (YAML: target, names, metonyms, demonyms, match_case, not) "
                          "[default: data/targets.yaml]."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=EXIT_STATUS_HELP + "\n\n\b\nExample: framewatch run --input articles.csv "
                                       "--store data/store/news.duckdb")
@click.version_option(__version__, prog_name="framewatch")
def main():
    """framewatch: loaded wording, voice and topics per outlet over time.

    Ingest articles, score them against a lexicon of loaded wording (separating the outlet's
    own voice from quoted and reported speech), aggregate per outlet, topic and day, and
    chart the result in a dashboard.

    The file STORE.lock beside a store stays by design (not a sign of a crash): a command that
    writes the store locks it while it works, so that two never write at once, and the lock ends
    with the command, however it ends. It names the last command that held it. Safe to leave.
    """


@main.command(epilog=EXIT_STATUS_HELP + "\n\n\b\nExample: framewatch run --input "
                     "../shared/corpora/ruwa_ukraine_war_2022/ruwa_dev.csv --topic-column event "
                     "--store data/store/ruwa.duckdb")
@click.option("--input", "inputs", multiple=True, required=True, type=_input("the input", "articles.csv", folder=None),
              help="CSV/TSV, JSONL/JSON, Parquet, RSS/Atom file, or folder of .txt/.html. Repeatable.")
@store_option(write=True)
@click.option("--fresh", is_flag=True, help="Start a new store instead of adding to the existing one.")
@ingest_flags
@score_flags
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where the score stage runs: here, or on a Dask cluster over Parquet partitions.")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="Dask scheduler address (with --engine dask) [default: a LocalCluster of 2 workers].")
@click.option("--work-dir", metavar="PATH|URL",
              type=_CheckedPath("the work dir", "/shared/framewatch-work", folder=True, write=True, url_ok=True),
              help="Directory or fsspec URL (s3://, gs://) every Dask worker can read and write, for the "
                   "Parquet partitions [default: a temporary local directory].")
@click.option("--overlap/--no-overlap", default=True, show_default=True,
              help="With --engine dask: score each ingest batch while the next is read (--no-overlap: ingest "
                   "everything first, then score; same tables).")
def run(inputs, store, fresh, maps, topic_column, default_outlet, dayfirst, source_config, assume_tz, outlets, coverage,
        ingest_batch, lexicons, extra_lexicons, topics, frames, frame_threshold, targets, engine, scheduler, work_dir,
        overlap):
    """Ingest, score and aggregate in one go; print a one-line summary.

    The store is replaced only when the whole run has finished, so an interrupted run leaves
    the last good store. Records that cannot be used go to the rejects table
    (see `framewatch rejects`). While it runs, the run holds a lock on STORE.lock beside the
    store (a second run on the same store stops with an error naming it); the file stays after
    the run, by design, and is safe to leave.

    The summary line counts this run's input records (ingested + duplicates + rejected = records
    read; a duplicate is a copy folded into an article already read or stored), then the
    mentions (lexicon hits, every voice) in the articles scored: every stored article, so the
    whole store when it held articles before. Elapsed: wall seconds of the run's work.

    A run that stores none of its input (every record rejected, or files with no records: empty,
    only a header row, only blank lines) still writes its rejects, then prints "Error: nothing was
    stored: ..." saying why and exits with status 3. SIGTERM stops it as Ctrl-C does: the store
    is left as it was before the run (exit status 143; Ctrl-C 130).
    """
    from .engines import EngineOptions
    from .run import run_pipeline

    score_options = _score_options(lexicons, extra_lexicons, topics, bool(topic_column), frames, frame_threshold,
                                   targets)
    score_options.engine = EngineOptions(engine, scheduler, work_dir, overlap=overlap)
    summary = run_pipeline(store, [Path(p) for p in inputs],
                           _ingest_options(maps, topic_column, default_outlet, dayfirst, source_config, assume_tz, outlets,
                                           coverage, ingest_batch),
                           score_options, fresh=fresh, progress=_progress())
    _print_notes(summary)
    _print_warnings(summary.warnings)
    click.echo(summary.line())
    _exit_if_nothing_stored(summary, store)


def _exit_if_nothing_stored(summary, store) -> None:
    """The ``Error:`` line and exit status 3 of a run or ingest that stored none of its input
    (:meth:`pipelines.run.RunSummary.stored_nothing`), after its summary line."""
    if summary.stored_nothing():
        click.echo(f"Error: {summary.nothing_stored_text(store)}.", err=True)
        sys.exit(EXIT_NOTHING_STORED)


def _print_notes(summary) -> None:
    """Print a run's notes (:attr:`pipelines.run.RunSummary.notes`, e.g. that the last run on the store was killed)."""
    for note in getattr(summary, "notes", ()):
        click.echo(f"Note: {note}", err=True)


def _print_warnings(warnings, limit: int | None = 20, rest: str = "see the runs table"):
    """Print up to *limit* warnings (None: all), then how many more and where they are (*rest*)."""
    shown = warnings if limit is None else warnings[:limit]
    for w in shown:
        click.echo(f"Warning: {w}", err=True)
    if len(warnings) > len(shown):
        click.echo(f"Warning: ... and {len(warnings) - len(shown):,} more ({rest})", err=True)


@main.command(epilog="\b\nExample: framewatch collect --feeds data/feeds.yaml --store data/store/news.duckdb "
                     "--since 2026-01-01 --full-text")
@click.option("--feeds", "feeds_file", type=_input("the feeds file", "my_feeds.yaml"),
              show_default="data/feeds.yaml, built in",
              help="Feeds file (YAML: outlet, url, full_text, enabled, notes).")
@store_option(write=True)
@click.option("--since", help="Only items published on or after this date (ISO 8601); for a first run.")
@click.option("--full-text", is_flag=True, help="Fetch every new item's page and store its main text.")
@click.option("--rate", default=1.0, show_default=True, type=click.FloatRange(0),
              help="Seconds between two requests to the same host.")
@click.option("--timeout", default=20.0, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Seconds to connect and to wait for data.")
@click.option("--max-items", type=click.IntRange(1), help="At most N new items per feed in this run.")
@click.option("--contact", help="URL or e-mail added to the User-Agent, so sites can reach you.")
@click.option("--outlets", "outlets", multiple=True, type=_input("the outlet registry", "my_outlets.yaml"),
              help="Extra outlet registry (YAML) the feeds' outlets may name. Repeatable.")
@assume_tz_option("feed and page dates")
def collect(feeds_file, store, since, full_text, rate, timeout, max_items, contact, outlets, assume_tz):
    """Read RSS/Atom feeds into the store, politely and incrementally; print a one-line summary.

    Only items not yet in the store are taken; they go through the same ingest as files
    (outlet registry, dates, duplicates, rejects), then only the new articles are scored
    (every article, once, when a definition -- lexicon, topics, frames, pairs, targets -- or this
    framewatch's scoring rules differ from the store's last scoring; the line says which) and daily
    is rebuilt. robots.txt is
    honoured, one request per host per --rate seconds, conditional GET for unchanged feeds.
    A feed or page that fails is listed and stored in rejects; the others go on.
    """
    from .collect import CollectOptions, collect_feeds, parse_since, read_feeds
    from .outlets import read_registry

    options = CollectOptions(since=parse_since(since), full_text=full_text, min_interval=rate, timeout=timeout,
                             max_items=max_items, contact=contact, assume_tz=assume_tz)
    registry = read_registry([Path(p) for p in outlets] or None)
    feeds = read_feeds(Path(feeds_file) if feeds_file else None, registry)
    try:
        summary = collect_feeds(store, feeds, options, registry=registry)
    except KeyboardInterrupt as exc:
        _stopped(exc, "the batches already written stay in the store; the next collect skips their items and "
                      "scores what is left unscored")
    for failure in summary.failures[:20]:
        click.echo(f"Failed: {failure}", err=True)
    _print_notes(summary)
    _print_warnings(summary.warnings)
    click.echo(summary.line())


@main.command(epilog=EXIT_STATUS_HELP + "\n\n\b\nExample: framewatch ingest --input kcna.csv "
                                        "--store data/store/kcna.duckdb")
@click.option("--input", "inputs", multiple=True, required=True, type=_input("the input", "articles.csv", folder=None),
              help="Input file or folder.")
@store_option(write=True)
@click.option("--fresh", is_flag=True, help="Start a new store instead of adding to the existing one.")
@ingest_flags
def ingest(inputs, store, fresh, maps, topic_column, default_outlet, dayfirst, source_config, assume_tz, outlets, coverage,
           ingest_batch):
    """Ingest only: read inputs into articles and rejects (then run `score` and `aggregate`).

    Like `run`, an ingest that stores none of its input says why ("Error: nothing was stored: ...")
    and exits with status 3.
    """
    from .run import run_ingest

    summary = run_ingest(store, [Path(p) for p in inputs],
                         _ingest_options(maps, topic_column, default_outlet, dayfirst, source_config, assume_tz, outlets,
                                           coverage, ingest_batch),
                         fresh=fresh, progress=_progress())
    _print_notes(summary)
    _print_warnings(summary.warnings)
    click.echo(summary.line())
    _exit_if_nothing_stored(summary, store)


@main.command(epilog="\b\nExample: framewatch score --store data/store/kcna.duckdb --extra-lexicon my_terms.csv")
@store_option(write=True)
@click.option("--topic-queries/--no-topic-queries", default=None,
              help="Apply the topic queries to every article, or take topics only from the input's topic "
                   "column [default: each article as the run that stored it did].")
@score_flags
def score(store, topic_queries, lexicons, extra_lexicons, topics, frames, frame_threshold, targets):
    """Score every stored article: mentions with their voice, quotations, topics, frames, tone toward targets."""
    from .run import run_score

    opts = _score_options(lexicons, extra_lexicons, topics, False, frames, frame_threshold, targets)
    opts.topic_queries = True if topics else topic_queries
    summary = run_score(store, opts, progress=_progress())
    _print_notes(summary)
    _print_warnings(summary.warnings)
    names = f"left out as parts of names {summary.n_name_hits} ({summary.name_hits_text()}), " \
        if summary.n_name_hits else ""
    click.echo(f"scored {plural(summary.n_articles, 'article')}, mentions {summary.n_mentions}, {names}"
               f"{summary.versions_text()}, elapsed {summary.elapsed_s:.1f}s")


@main.command(epilog="\b\nExample: framewatch aggregate --store data/store/kcna.duckdb")
@store_option(write=True)
def aggregate(store):
    """Rebuild the rollups: the daily table (outlet × topic × day × category × voice) and the per-article counts the dashboard sums."""
    from .run import run_aggregate

    summary = run_aggregate(store)
    _print_notes(summary)
    click.echo(f"daily rows {summary.n_daily_rows}, mentions {summary.n_mentions}, elapsed {summary.elapsed_s:.1f}s")


@main.command(epilog="\b\nExample: framewatch explain article.txt --outlet KCNA --date 2024-07-08 --json")
@click.argument("source", type=_input("the article", "article.txt", allow_dash=True, option="framewatch explain"))
@click.option("--outlet", help="Outlet of the article (canonicalised through the registry).")
@click.option("--date", "date_", help="Publication date or instant (ISO 8601).")
@click.option("--lexicon", "lexicons", multiple=True, type=_input("the lexicon file", "my_terms.csv"),
              help="Lexicon file used instead of the built-in one. Repeatable.")
@click.option("--extra-lexicon", "extra_lexicons", multiple=True, type=_input("the lexicon file", "my_terms.csv"),
              help="Lexicon file used beside the built-in one. Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of the marked-up text.")
def explain(source, outlet, date_, lexicons, extra_lexicons, as_json):
    """Score one article (a .txt, .html or '-' for stdin) and show every mention and its voice.

    Then the lexicon hits left out as parts of proper names ('Thug' in 'Young Thug': a term the
    lexicon writes in lower case, capitalised inside a name), each with the name around it.

    With --json, prints {"outlet", "published_at", "n_words", "text", "mentions": [{"start",
    "end", "text", "term", "category", "voice", "speaker"}], "name_hits": [{"start", "end",
    "text", "term", "category", "name"}]}; start/end are character offsets into "text", the
    cleaned article text.
    """
    from .explain import explain_article, render_explanation

    result = explain_article(source, outlet=outlet, date=date_, lexicons=[Path(p) for p in lexicons],
                             extra_lexicons=[Path(p) for p in extra_lexicons])
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(render_explanation(result, color=sys.stdout.isatty()))


@main.command(epilog="\b\nExample: framewatch dashboard --store data/store/ruwa.duckdb --port 8501")
@store_option(write=False)
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535), help="Port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; 0.0.0.0 exposes the dashboard to the network.")
def dashboard(store, port, host):
    """Serve the Streamlit dashboard for a store on http://HOST:PORT.

    "Ready on URL" is printed once this command's own server answers there and has run the
    default page once. A port already taken stops it with an Error: line naming who holds it.
    Ctrl-C, SIGTERM and SIGHUP stop the server too.
    """
    from .storage import connect

    connect(store).close()  # a clear error now rather than in the browser
    serve_dashboard(store, port, host)


def dashboard_command(store, port: int = 8501, host: str = "127.0.0.1") -> list[str]:
    """The command line that serves the dashboard for *store* on *host*:*port* (pure, no I/O).

    No file watcher and no rerun on save: a served dashboard does not re-import its modules
    under live sessions (a source change mid-rerun failed one with ``KeyError: 'dashboard'``).
    No forced full garbage collection after every script run (``runner.postScriptGC``): with
    the dashboard's caches in the heap it was most of the server's Python time under 20 users
    (figures in ``docs/reliability.md``, "Many users"); Python's own collector still runs.
    """
    app = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    return [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
            "--server.port", str(port), "--server.address", host, "--browser.gatherUsageStats", "false",
            "--client.toolbarMode", "viewer", "--server.enableXsrfProtection", "true",
            "--server.fileWatcherType", "none", "--server.runOnSave", "false", "--runner.postScriptGC", "false",
            "--", "--store", str(Path(store).resolve())]


def serve_dashboard(store, port: int, host: str = "127.0.0.1") -> None:
    """Run Streamlit on :func:`dashboard_command` until it stops; exit with its status.

    The port is checked first (:func:`pipelines.server.check_port`: a taken port is one ``Error:``
    line naming who holds it); "Ready" is said only once our server answers, after the default
    page was run once (:func:`pipelines.server.serve_warmed`), so the first user does not pay the
    process's imports and first queries. Ctrl-C stops the server and exits 0; SIGTERM and SIGHUP
    stop it, wait for it, and end this process by the same signal (a shell sees 128 + the signal).
    """
    import signal

    from .errors import FramewatchError
    from .server import ServerNotStarted, Stopped, check_port, local_url, serve_warmed

    check_port(host, port)
    cmd = dashboard_command(store, port, host)
    click.echo(f"Serving the dashboard for {store} on http://{host}:{port} (Ctrl+C to stop)", err=True)
    try:
        status = serve_warmed(cmd, local_url(host, port), lambda line: click.echo(line, err=True),
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    except KeyboardInterrupt:
        sys.exit(0)
    except Stopped as exc:
        signal.signal(exc.signum, signal.SIG_DFL)
        os.kill(os.getpid(), exc.signum)
        raise
    except ServerNotStarted as exc:
        check_port(host, port)                        # taken since the check above: say by whom
        raise FramewatchError("the dashboard server did not start", where=f"{host}:{port}",
                              expected="Streamlit answering on its health endpoint", found=str(exc),
                              fix="read the server's output above") from None
    sys.exit(status)


@main.command(epilog="\b\nExample: framewatch demo --store data/store/demo.duckdb --serve")
@store_option(write=True, default="data/store/demo.duckdb", help="DuckDB store file to build.")
@click.option("--out", type=_CheckedPath("the demo corpus folder", "data/demo", folder=True, write=True),
              default="data/demo", show_default=True, help="Folder for the generated corpus.")
@click.option("--articles", "n_articles", default=2400, show_default=True, type=int, help="Articles to generate.")
@click.option("--seed", default=7, show_default=True, type=int, help="Random seed (same seed, same corpus).")
@click.option("--serve", is_flag=True, help="Serve the dashboard on the store afterwards.")
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535), help="Port for --serve.")
def demo(store, out, n_articles, seed, serve, port):
    """Generate the SYNTHETIC demo corpus (fictional outlets), build a store from it, optionally serve it."""
    from .demo import generate_demo_corpus
    from .ingest import IngestOptions
    from .run import run_pipeline
    from .server import check_port

    if serve:
        check_port("127.0.0.1", port)                 # before the build, not after it
    corpus = generate_demo_corpus(Path(out), n_articles=n_articles, seed=seed)
    summary = run_pipeline(store, [corpus.articles_path], IngestOptions(outlets=[corpus.outlets_path]),
                           fresh=True, progress=_progress())
    _print_notes(summary)
    _print_warnings(summary.warnings)
    click.echo(f"synthetic demo corpus in {out}: " + summary.line())
    if serve:
        serve_dashboard(store, port, "127.0.0.1")


@main.command(epilog="\b\nExample: framewatch export --store data/store/kcna.duckdb --out exports/ --format csv")
@store_option(write=False)
@click.option("--out", type=_CheckedPath("the export folder", "exports", folder=True, write=True),
              required=True, help="Folder to write into.")
@click.option("--table", "tables", multiple=True, help="Table to export (repeatable; default: all).")
@click.option("--format", "fmt", type=click.Choice(["both", "parquet", "csv"]), default="both", show_default=True,
              help="File format(s) to write.")
def export(store, out, tables, fmt):
    """Write the store's tables as Parquet and/or CSV files."""
    from .errors import ConfigError
    from .run import export_tables
    from .schemas import TABLES

    unknown = [t for t in tables if t not in TABLES]
    if unknown:
        raise ConfigError(f"unknown table '{unknown[0]}'", expected=", ".join(TABLES), found=unknown[0],
                          fix="name one of the tables listed")
    formats = ("parquet", "csv") if fmt == "both" else (fmt,)
    paths = export_tables(store, out, list(tables) or None, formats)
    click.echo(f"wrote {plural(len(paths), 'file')} to {out}")


@main.command(epilog="\b\nExample: framewatch rejects --store data/store/ruwa.duckdb --undated --out undated.csv")
@store_option(write=False)
@click.option("--limit", default=20, show_default=True, type=int, help="Rows to list (0: only the summary).")
@click.option("--undated", is_flag=True,
              help="List the undated articles instead: kept, but left out of every chart over time.")
@click.option("--out", type=_CheckedPath("the listing file", "rejects.csv", write=True),
              help="Also write every row of the listing (not only --limit) to this CSV file.")
def rejects(store, limit, undated, out):
    """Summarise rejected records by reason and list some of them.

    Each listed record is PLACE, reason, detail, tab-separated. PLACE says what it counts:
    "FILE row N" for the Nth data row of a CSV/TSV or Parquet file (the header and blank lines not
    counted; a CSV record's detail ends with its file line, "(file line 7)", or lines, "(file
    lines 7-9)", since a quoted cell may span lines), "FILE line N" for a line of a JSON-lines
    file, "FILE item N" for an item of a JSON list or a feed, and FILE alone for a page (.txt,
    .html) or a whole file that was not read (unreadable_file, unsupported_file: the detail says
    what the file is and how to fix it).

    With --undated: the articles stored without a date (a missing, invalid or future date),
    by kind of reason, then each as PLACE, article id, outlet, title, date note. Without
    it, a line on stderr says how many there are.
    """
    from .csvsafe import to_csv_bytes
    from .dates import undated_reasons_text
    from .ingest import record_place
    from .rollups import undated_articles, undated_reason_counts
    from .storage import connect

    con = connect(store)
    try:
        reasons = undated_reason_counts(con)
        n_undated = sum(reasons.values())
        if undated:
            click.echo(f"{n_undated} undated article{'' if n_undated == 1 else 's'} "
                       "(kept, left out of charts over time)"
                       + (": " + undated_reasons_text(reasons) if n_undated else ""))
            listing = undated_articles(con, limit=None if out else limit)
            for row in listing.head(limit).itertuples(index=False):
                click.echo(f"{record_place(row.source_file, row.source_row)}\t{row.article_id}\t{row.outlet}\t"
                           f"{row.title or ''}\t{row.date_note or ''}")
        else:
            summary = con.execute("SELECT reason, count(*) FROM rejects GROUP BY 1 ORDER BY 2 DESC").fetchall()
            total = sum(n for _, n in summary)
            click.echo(f"{total} rejected record{'' if total == 1 else 's'}"
                       + (": " + ", ".join(f"{r} {n}" for r, n in summary) if total else ""))
            listing = con.execute("SELECT source_file, source_row, reason, detail, record, run_id FROM rejects "
                                  "ORDER BY source_file, source_row" + ("" if out else " LIMIT ?"),
                                  [] if out else [limit]).df()
            for src, row, reason, detail in listing.head(limit)[["source_file", "source_row", "reason",
                                                                  "detail"]].itertuples(index=False):
                click.echo(f"{record_place(src, row)}\t{reason}\t{detail}")
            if n_undated:
                click.echo(f"Also {n_undated} undated article{'' if n_undated == 1 else 's'} kept "
                           f"({undated_reasons_text(reasons)}): `framewatch rejects --undated` lists them", err=True)
        if out:
            Path(out).write_bytes(to_csv_bytes(listing))
            click.echo(f"wrote {plural(len(listing), 'row')} to {out}")
    finally:
        con.close()


@main.group(cls=_Group, epilog="\b\nExample: framewatch lexicon check my_terms.csv")
def lexicon():
    """Work with lexicon files."""


@lexicon.command("check", epilog="\b\nExample: framewatch lexicon check data/lexicon/loaded_wording.csv "
                                 "--pairs data/lexicon/pairs.csv")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--pairs", "pairs_file", type=_input("the pairs file", "data/lexicon/pairs.csv"),
              help="Also check a word-choice pairs file (as data/lexicon/pairs.csv) against these lexicon files: "
                   "terms and counterparts agree, no form on both sides, every form can be matched.")
@click.option("--max-errors", type=click.IntRange(min=0), default=50, show_default=True,
              help="Errors printed per file, and warnings in all (the rest are counted); 0 prints every one.")
def lexicon_check(paths, pairs_file, max_errors):
    """Validate lexicon files; errors name file, line, column, expected and found.

    A good set prints "ok:" and its counts: the terms (entries counted when matched) by category,
    their variant spellings, and the stop phrases (entries marked ignore: true, which only block a
    shorter term inside them); terms and stop phrases are the entries, the file's records.

    Every problem of every file is reported in one pass: one Error: line each (a bad line with
    several faults gets one per fault; a file that cannot be read at all, e.g. not UTF-8 or with no
    'term' column, gets that one), then a count; exit status 1 if any.

    Terms are literal: one holding ( ) [ ] { } + ? | \\ ^ $ is an error saying what would be
    matched ('(war games' as 'war games'). A category that is a near miss of a built-in or
    declared one ('pejoratve_label', 'militarised language') is an error; any other new category
    is a Warning: line until it is declared ('# categories: my_category' before a CSV's header,
    'categories: [my_category]' in YAML). A declaration in any of the files given covers them all,
    as it does for the files a run loads together (--lexicon, --extra-lexicon): check the files
    you load together in one command. New categories that look alike ('local_slur' and
    'locl_slur') get one Warning: line naming both with their lines. A term repeated in one
    category is a warning too. A YAML key given twice in one mapping (in an entry also 'Term' and
    'term') is an error naming both lines: YAML would keep the last without a word; so is a CSV
    header naming a column twice.
    """
    from .lexicon import check_lexicon_files

    lex, warnings, errors = check_lexicon_files(paths)
    _print_warnings(warnings, max_errors or None, "--max-errors 0 prints every one")
    n_errors = sum(len(problems) for _, problems in errors)
    if n_errors:
        for path, problems in errors:
            shown = problems if not max_errors else problems[:max_errors]
            for error in shown:
                click.echo(f"Error: {error}", err=True)
            if len(problems) > len(shown):
                click.echo(f"Error: ... and {len(problems) - len(shown)} more in {path} "
                           f"(--max-errors 0 prints every one)", err=True)
        n_bad = sum(1 for _, problems in errors if problems)
        click.echo(f"{plural(n_errors, 'error')} in {n_bad} of {plural(len(errors), 'lexicon file')}; "
                   "nothing was changed", err=True)
        sys.exit(1)
    click.echo(f"ok: {lex.counts_text()}, version {lex.version}")
    if pairs_file:
        from .wordchoice import PairMatcher, read_pairs, resolve_pairs

        pairs, _ = resolve_pairs(read_pairs(pairs_file), lex, strict=True)
        PairMatcher(pairs, lex).fit().check()
        click.echo(f"ok: {plural(len(pairs), 'word-choice pair')}")


@lexicon.command("suggest", epilog="\b\nExample: framewatch lexicon suggest "
                                   "../shared/corpora/gold_babe_mbic/final_labels_SG2.csv --top 50 --out candidates.csv")
@click.argument("labelled", type=_input("the labelled data", "final_labels_SG2.csv", folder=None,
                                        option="framewatch lexicon suggest"))
@click.option("--format", "fmt", type=click.Choice(["babe", "basil", "csv"]),
              help="babe: BABE/MBIC file (';'-separated CSV or .xlsx); basil: BASIL folder; csv: any delimited file "
                   "with 'text' and 'biased_words' ('|'-separated) columns [default: guessed from the path].")
@click.option("--top", default=50, show_default=True, type=click.IntRange(1), help="New candidate terms to list.")
@click.option("--min-annotated", default=3, show_default=True, type=click.IntRange(1),
              help="Leave out words annotated fewer times than this.")
@click.option("--lexicon", "lexicons", multiple=True, type=_input("the lexicon file", "my_terms.csv"),
              help="Lexicon whose terms are flagged instead of proposed [default: the built-in one]. Repeatable.")
@click.option("--out", type=_CheckedPath("the candidates file", "candidates.csv", write=True), help="Write the candidates as CSV (lexicon columns) here.")
def lexicon_suggest(labelled, fmt, top, min_annotated, lexicons, out):
    """Rank candidate loaded terms in labelled data (log-odds of annotated vs unannotated words).

    For a person to review: the output uses the lexicon's columns with an empty category, plus
    n_annotated, n_unannotated, log_odds, z and in_lexicon (terms the lexicon already has are
    flagged, not proposed). It never edits a lexicon file.
    """
    from .lexicon import load_lexicon
    from .suggest import read_labelled, suggest_terms

    lex, _ = load_lexicon([Path(p) for p in lexicons] or None)
    gold = read_labelled(labelled, fmt)
    table = suggest_terms(gold, lex, top=top, min_annotated=min_annotated, source=Path(labelled).name)
    n_new = int((table["in_lexicon"] == "").sum())
    if out:
        from .csvsafe import to_csv_bytes

        Path(out).write_bytes(to_csv_bytes(table))
        click.echo(f"{plural(n_new, 'candidate term')} ({len(table) - n_new:,} already in the lexicon, flagged) from "
                   f"{plural(len(gold.texts), 'text')} written to {out}; the lexicon was not changed")
    else:
        click.echo(table[["term", "n_annotated", "n_unannotated", "log_odds", "z", "in_lexicon"]].to_string(index=False))


@main.command(epilog="\b\nExample: framewatch evaluate --corpora ../shared/corpora --out docs/validation.md")
@click.option("--corpora", required=True, type=_input("the corpora folder", "../shared/corpora", folder=True),
              help="Folder holding the gold sets (gold_babe_mbic/, gold_basil/, gold_narrative_frames_climate/), "
                   "laid out as ../shared/corpora. Sets that are missing are reported as not evaluated.")
@click.option("--out", type=_CheckedPath("the report", "docs/validation.md", write=True),
              default="docs/validation.md", show_default=True,
              help="Markdown report; the JSON the dashboard reads is written beside it (same name, .json).")
@click.option("--lexicon", "lexicons", multiple=True, type=_input("the lexicon file", "my_terms.csv"),
              help="Lexicon evaluated instead of the built-in one. Repeatable.")
@click.option("--set", "sets", multiple=True, help="Only these loaded-wording gold sets (babe, mbic, basil). "
                                                   "Repeatable [default: all].")
@click.option("--frames/--no-frames", default=True, show_default=True, help="Also evaluate frame detection.")
@click.option("--boot", default=1000, show_default=True, type=click.IntRange(100),
              help="Bootstrap resamples for the F1 intervals.")
@click.option("--seed", default=20260601, show_default=True, type=int, help="Seed of the bootstrap.")
def evaluate(corpora, out, lexicons, sets, frames, boot, seed):
    """Measure the lexicon and frame detectors against gold sets; write the report and its JSON.

    Precision, recall and F1 of lexicon hits against BABE and MBIC biased words and BASIL
    lexical-bias spans (token overlap; outlet voice and all voices), and per-frame precision,
    recall and F1 against the Narrative Frames Corpus, each with its n and a 95 % interval.
    """
    from .evaluate import run_evaluation, write_report
    from .lexicon import load_lexicon

    lex, _ = load_lexicon([Path(p) for p in lexicons] or None)
    command = " ".join(["framewatch evaluate", "--corpora", str(corpora), "--out", str(out)]
                       + [f"--lexicon {p}" for p in lexicons] + [f"--set {s}" for s in sets]
                       + ([] if frames else ["--no-frames"]) + ([f"--boot {boot}"] if boot != 1000 else [])
                       + ([f"--seed {seed}"] if seed != 20260601 else []))
    report = run_evaluation(corpora, lex, sets=tuple(sets) or None, frames=frames, n_boot=boot, seed=seed,
                            command=command)
    md, js = write_report(report, out)
    parts = [f"{r['name']} precision {r['outlet']['overlap']['precision']['value']:.2f} recall "
             f"{r['outlet']['overlap']['recall']['value']:.2f} (outlet voice)" for r in report["lexicon"]]
    if report["frames"]:
        parts.append(f"frames: {len(report['frames']['frames'])} evaluated")
    click.echo("; ".join(parts) + f"; wrote {md} and {js}")


@main.group(cls=_Group, epilog="\b\nExample: framewatch frames train labelled.csv --out models/frames.skops")
def frames():
    """Frame models trained on your own labelled articles."""


@frames.command("train", epilog="\b\nExample: framewatch frames train labelled.csv --out models/frames.skops "
                                "--label-column frames")
@click.argument("labelled", type=_input("the labelled articles", "labelled.csv", option="framewatch frames train"))
@click.option("--out", type=_CheckedPath("the model file", "models/frames.skops", write=True), required=True,
              help="Model file to write (.skops); <out>.metrics.csv and <out>.card.json are written beside it.")
@click.option("--text-column", default="text", show_default=True, help="Column with the article text.")
@click.option("--title-column", default="title", show_default=True,
              help="Column with the headline, put before the text when the file has it.")
@click.option("--label-column", default="frames", show_default=True,
              help="Column holding each article's frames, separated by ';' or '|'.")
@click.option("--indicator-columns", metavar="COL,COL,...",
              help="Instead of --label-column: one true/false column per frame, named after the frame.")
@click.option("--any-labels", is_flag=True,
              help="Train on your own frame names as written, not only the 15 Media Frames Corpus frames.")
@click.option("--folds", default=5, show_default=True, type=int, help="Cross-validation folds.")
def frames_train(labelled, out, text_column, title_column, label_column, indicator_columns, any_labels, folds):
    """Train a frame model on labelled articles and cross-validate it.

    The model is TF-IDF with a one-vs-rest linear SVM, each frame calibrated (Platt). Prints
    cross-validated precision, recall and F1 per frame and saves the model with skops (never
    pickle), its metrics and a card describing the training data.
    """
    from .frame_model import read_labelled, save_frame_model, train_frame_model

    columns = [c.strip() for c in indicator_columns.split(",") if c.strip()] if indicator_columns else None
    data = read_labelled(labelled, text_column=text_column, title_column=title_column or None,
                         label_column=label_column, indicator_columns=columns, any_labels=any_labels)
    trained = train_frame_model(data, folds=folds)
    _print_warnings(trained.warnings)
    click.echo(trained.metrics.to_string(index=False, float_format=lambda v: f"{v:.3f}",
                                         columns=["frame", "support", "predicted", "precision", "recall", "f1",
                                                  "baseline_f1"], na_rep="-"))
    paths = save_frame_model(trained, out)
    cv = trained.card["cross_validation"]
    click.echo(f"trained on {plural(len(data.texts), 'article')}, {plural(len(trained.model.frames_), 'frame')}, "
               f"{folds}-fold macro F1 "
               f"{cv['macro_f1']:.3f} (labelling every article: {cv['macro_baseline_f1']:.3f}); wrote "
               + ", ".join(str(p) for p in paths))


@frames.command("apply", epilog="\b\nExample: framewatch frames apply --model models/frames.skops "
                                "--store data/store/kcna.duckdb")
@click.option("--model", "model_path", required=True, type=_input("the model file", "models/frames.skops"),
              help="Model file written by `framewatch frames train`.")
@store_option(write=True)
@click.option("--out", type=_CheckedPath("the predictions file", "predictions.csv", write=True),
              help="Also write the predictions to this CSV file (the only output of a model trained with "
                   "--any-labels).")
def frames_apply(model_path, store, out):
    """Predict the frames of every stored article with a trained model.

    Writes article_frames rows with method 'model', replacing the previous model rows; an
    article uses a frame when the calibrated probability is at least 0.5. A model of your own
    frame scheme (--any-labels) writes only --out. Articles that a later run, score or collect
    adds get this model's rows too while the model file is unchanged (same path and sha256).
    """
    from .frame_model import apply_frame_model

    click.echo(apply_frame_model(store, model_path, out=out).line())



@main.group("topics", cls=_Group, epilog="\b\nExample: framewatch topics discover --store data/store/ruwa.duckdb -k 10")
def topics_group():
    """Find topics in the stored articles and save them as topic definitions."""


@topics_group.command("discover", epilog="\b\nExample: framewatch topics discover --store data/store/ruwa.duckdb "
                                         "--outlet RT --from 2022-03-01 --to 2022-06-30 -k 10 --save-to my_topics.yaml")
@store_option(write=False)
@click.option("--outlet", "outlets", multiple=True, help="Only these outlets (repeatable) [default: all].")
@click.option("--topic", "topic_names", multiple=True, help="Only articles in these topics (repeatable).")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First UTC day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last UTC day (YYYY-MM-DD).")
@click.option("--copies", type=click.Choice(["every", "once", "none"]), default="every", show_default=True,
              help="Near-identical copies: count every copy, each story once (its first copy), or no wire copies.")
@click.option("-k", "--n-topics", default=8, show_default=True, type=int, help="Number of topics to propose.")
@click.option("--save-to", type=_CheckedPath("the topics file", "my_topics.yaml", write=True),
              help="Append every proposal to this topics YAML file (a new file starts as a copy of "
                   "data/topics.yaml, since score --topics replaces the built-in topics).")
@click.option("--prefix", default="Discovered", show_default=True, help="Name prefix of the saved topics.")
def topics_discover(store, outlets, topic_names, start, end, copies, n_topics, save_to, prefix):
    """Propose topics with NMF over TF-IDF (scikit-learn) and print their top terms and article counts.

    Proposals are unsupervised: read them before saving. A saved definition matches an article
    with at least two of the proposal's top six terms.
    """
    from .rollups import Filters, check_filter_names
    from .storage import connect
    from .topic_discovery import discover_topics, save_topics, selected_articles

    filters = Filters(outlets=tuple(outlets), topics=tuple(topic_names), start=start.date() if start else None,
                      end=end.date() if end else None, copies=copies)
    con = connect(store, read_only=True)
    try:
        check_filter_names(con, filters, where=str(store))
        articles = selected_articles(con, filters)
    finally:
        con.close()
    found = discover_topics(articles, n_topics)
    for row in found.topics.itertuples():
        click.echo(f"{row.topic}. {row.label}: {plural(row.n_articles, 'article')} ({row.share:.1%}); {row.top_terms}")
    click.echo(f"{plural(n_topics, 'topic')} from {found.n_used:,} of {plural(found.n_selected, 'selected article')}"
               + (" (a fixed sample)" if found.capped else "") + f", {plural(found.n_terms, 'term')}")
    if save_to:
        save_topics(save_to, [(f"{prefix} {row.topic}: {row.label}", row.query,
                               f"Proposed by framewatch topic discovery (NMF, {plural(n_topics, 'topic')}); top terms: "
                               f"{row.top_terms}.") for row in found.topics.itertuples()])
        click.echo(f"saved {plural(n_topics, 'topic definition')} to {save_to}; re-score with: "
                   f"framewatch score --store {store} --topics {save_to}")

if __name__ == "__main__":  # pragma: no cover
    main()
