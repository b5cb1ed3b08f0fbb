"""Benchmark a whole run, ingest to dashboard-ready store, at 20,000 to 1,000,000 articles.

Standalone: ``python benchmarks/bench_million.py [--articles 20000 100000 ...] [--engine local dask]
[--overlap on off] [--corpus-dir DIR] [--store-dir DIR] [--ingest-batch N] [--keep] [--copy]``.

For each size N it writes the synthetic corpus ``{corpus-dir}/articles-N.jsonl`` if it is
missing (``make_articles.py``: ~600 words, ~4.25 KB an article, a million is ~4.25 GB), then
for each engine runs ``framewatch run --fresh`` on it (:func:`pipelines.run.run_pipeline` in a
new process) under ``/usr/bin/time``, and prints wall seconds, user and system CPU seconds
(the Dask workers are child processes, so their CPU is counted), peak RSS of the biggest
process (the main one for ``local``; for ``dask`` the main process or one worker, whichever
peaked higher), the load average before and after, and each step's wall seconds and
articles/s (ingest, score, clusters, aggregate, commit = checkpoint and atomic replace).
With ``--engine dask`` the run overlaps the ingest with the scoring unless ``--overlap off``
(``framewatch run --no-overlap``); ``--overlap on off`` times both. For an overlapped run,
``score`` is the scoring left when the ingest ended; the run also reports how long the ingest
and the scoring ran together (from its first batch handed to the workers to the end of the
ingest, and that as a share of the ingest), the articles scored during the ingest and those
re-scored at the end. "Idle core-s" is cores x wall - (user + system CPU): the time the
machine's cores were not working for the run (the other jobs of a shared machine are not
counted, so it includes the time they took).
``--copy`` also times the copy-and-swap a later run on the finished store pays
(:func:`pipelines.storage.writing` with nothing to do: copy the file, checkpoint, replace).

Targets (issue 4): a million articles in under 15 minutes on 2 cores, peak memory under 4 GB.
The machine is usually shared: read the CPU seconds next to the wall seconds, and rerun on an
idle machine before quoting the wall time as the tool's speed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_SECONDS = 15 * 60
TARGET_RSS_GB = 4.0
STEPS = ("ingest", "score", "clusters", "aggregate", "commit")
CORES = os.cpu_count() or 1


def run_child(corpus: Path, store: Path, engine: str, ingest_batch: int | None, overlap: bool = True) -> None:
    """In the timed process: one ``run_pipeline`` with ``--fresh``; prints its summary as JSON."""
    from pipelines.engines import EngineOptions
    from pipelines.ingest import IngestOptions
    from pipelines.run import ScoreOptions, run_pipeline

    ingest = IngestOptions(batch_size=ingest_batch) if ingest_batch else IngestOptions()
    engine_options = EngineOptions(engine, overlap=overlap)
    summary = run_pipeline(store, [corpus], ingest, ScoreOptions(engine=engine_options), fresh=True)
    print(json.dumps({"n_ingested": summary.n_ingested, "n_mentions": summary.n_mentions,
                      "n_daily_rows": summary.n_daily_rows, "steps": summary.stage_seconds,
                      "n_scored_during_ingest": summary.n_scored_during_ingest, "n_rescored": summary.n_rescored}))


def time_run(corpus: Path, store: Path, engine: str, ingest_batch: int | None, overlap: bool = True) -> dict:
    """Run :func:`run_child` under ``/usr/bin/time``; wall, CPU, peak RSS and the run's steps."""
    cmd = ["/usr/bin/time", "-f", "TIME %e %U %S %M", sys.executable, __file__, "--child", str(corpus), str(store),
           engine, str(ingest_batch or 0), "on" if overlap else "off"]
    load_before = os.getloadavg()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    load_after = os.getloadavg()
    timing = [line for line in proc.stderr.splitlines() if line.startswith("TIME ")]
    if proc.returncode or not timing:
        raise SystemExit(f"the run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    wall, user, system, rss_kb = timing[-1].split()[1:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**out, "wall": float(wall), "user": float(user), "sys": float(system), "rss_gb": int(rss_kb) / 1e6,
            "load_before": load_before[0], "load_after": load_after[0]}


def time_copy(store: Path) -> float:
    """Wall seconds of entering and leaving :func:`pipelines.storage.writing` on *store* with no change."""
    from pipelines.storage import writing

    t = time.perf_counter()
    with writing(store):
        pass
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> None:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        corpus, store, engine, batch, overlap = sys.argv[2:7]
        run_child(Path(corpus), Path(store), engine, int(batch) or None, overlap == "on")
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, nargs="+", default=[20_000, 100_000],
                    help="corpus sizes, each timed [default: 20000 100000]")
    ap.add_argument("--engine", nargs="+", choices=["local", "dask"], default=["local", "dask"],
                    help="engines, each timed [default: local dask]")
    ap.add_argument("--overlap", nargs="+", choices=["on", "off"], default=["on"],
                    help="dask: overlap the ingest with the scoring, or not (--no-overlap); both: on off [default: on]")
    ap.add_argument("--corpus-dir", type=Path, default=ROOT / "data" / "bench",
                    help="where articles-N.jsonl are read or written [default: data/bench]")
    ap.add_argument("--store-dir", type=Path, default=ROOT / "data" / "store",
                    help="where the stores million-N-ENGINE.duckdb are built [default: data/store]")
    ap.add_argument("--ingest-batch", type=int, default=None, help="records per ingest batch [default: the run's]")
    ap.add_argument("--keep", action="store_true", help="keep the stores (default: delete each after timing)")
    ap.add_argument("--copy", action="store_true", help="also time the copy-and-swap of each finished store")
    args = ap.parse_args(argv)

    from make_articles import write_articles

    args.corpus_dir.mkdir(parents=True, exist_ok=True)
    args.store_dir.mkdir(parents=True, exist_ok=True)
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")
    from pipelines import _compiled   # the runs' processes decide the same way
    print(_compiled.summary())
    rows = []
    for n in args.articles:
        corpus = args.corpus_dir / f"articles-{n}.jsonl"
        if not corpus.exists():
            t = time.perf_counter()
            size = write_articles(corpus, n)
            print(f"wrote {corpus} ({n:,} articles, {size / 1e6:,.0f} MB) in {time.perf_counter() - t:.0f} s")
        runs = [(e, o == "on") for e in args.engine for o in (args.overlap if e == "dask" else ["on"])]
        for engine, overlap in runs:
            label = engine if engine == "local" or overlap else f"{engine} --no-overlap"
            store = args.store_dir / f"million-{n}-{engine}{'' if overlap else '-no-overlap'}.duckdb"
            r = time_run(corpus, store, engine, args.ingest_batch, overlap)
            r["copy"] = time_copy(store) if args.copy else None
            r["store_gb"] = store.stat().st_size / 1e9
            if not args.keep:
                store.unlink(missing_ok=True)
            rows.append((n, label, r))
            steps = ", ".join(f"{s} {r['steps'].get(s, 0):.0f} s ({n / max(r['steps'].get(s, 0), 1e-9):,.0f}/s)"
                              for s in STEPS)
            print(f"{n:,} articles, {label}: {r['wall']:.0f} s wall, {r['user']:.0f} s user, {r['sys']:.0f} s sys, "
                  f"peak RSS {r['rss_gb']:.2f} GB, load {r['load_before']:.1f} -> {r['load_after']:.1f}; {steps}; "
                  f"{_overlap_text(r)}", flush=True)

    print("\n| articles | engine | load avg (start -> end) | wall s | user CPU s | sys CPU s | peak RSS GB | "
          "store GB | " + " | ".join(f"{s} s (art/s)" for s in STEPS) + " | copy-and-swap s |")
    print("|---" * (9 + len(STEPS)) + "|")
    for n, engine, r in rows:
        cells = " | ".join(f"{r['steps'].get(s, 0):.1f} ({n / max(r['steps'].get(s, 0), 1e-9):,.0f})" for s in STEPS)
        copy = f"{r['copy']:.1f}" if r["copy"] is not None else "-"
        print(f"| {n:,} | {engine} | {r['load_before']:.1f} -> {r['load_after']:.1f} | {r['wall']:.0f} | "
              f"{r['user']:.0f} | {r['sys']:.0f} | {r['rss_gb']:.2f} | {r['store_gb']:.2f} | {cells} | {copy} |")
    print("\n| articles | engine | idle core-s | ingest and scoring together s (share of the ingest) | "
          "articles scored during the ingest | re-scored at the end |")
    print("|---" * 6 + "|")
    for n, engine, r in rows:
        steps = r["steps"]
        together = (f"{steps['overlap']:.1f} ({steps['overlap'] / max(steps['ingest'], 1e-9):.0%})"
                    if "overlap" in steps else "-")
        scored = r.get("n_scored_during_ingest")
        print(f"| {n:,} | {engine} | {_idle(r):.0f} | {together} | {'-' if scored is None else f'{scored:,}'} | "
              f"{'-' if r.get('n_rescored') is None else r['n_rescored']} |")
    for n, engine, r in rows:
        cpu = r["user"] + r["sys"]
        print(f"{n:,} {engine}: {cpu / n * 1e3:.2f} ms of CPU an article; a million at this rate: "
              f"{cpu / n * 1e6 / 60:.0f} min of CPU (target: {TARGET_SECONDS // 60} min wall on 2 cores, "
              f"peak RSS < {TARGET_RSS_GB:.0f} GB)")


def _idle(r: dict) -> float:
    """Core-seconds the run left its machine's cores without work (cores x wall - CPU)."""
    return CORES * r["wall"] - r["user"] - r["sys"]


def _overlap_text(r: dict) -> str:
    steps = r["steps"]
    text = f"idle {_idle(r):.0f} core-s of {CORES * r['wall']:.0f}"
    if "overlap" in steps:
        text += (f"; ingest and scoring together {steps['overlap']:.0f} s of the ingest's {steps['ingest']:.0f} s, "
                 f"{r['n_scored_during_ingest']:,} articles scored during the ingest, {r['n_rescored']} re-scored "
                 f"({steps.get('rescore', 0):.1f} s)")
    return text


if __name__ == "__main__":
    main()
