"""Benchmark the ingest's own cost per article, part by part, against an older checkout.

Standalone: ``python benchmarks/bench_ingest.py --input FILE.jsonl [--articles N] [--repeat R] [--batch B]
[--baseline OTHER_TREE] [--whole]``.

Reads the first N records (default 20,000) of *FILE* (any input ``framewatch ingest`` reads;
e.g. ``make_articles.py``'s synthetic JSONL) and runs the ingest's parts as
:func:`pipelines.ingest.ingest_batches` runs them on its streaming path, ``--batch`` records at
a time (default :data:`pipelines.ingest.INGEST_BATCH`), on ONE core (``os.sched_setaffinity``),
CPU seconds (``time.process_time``), timing each part. Streaming path: each batch's dates are
parsed at once and the batch folded and written before the next is read. ``_IngestState.read``
takes that path unless a batch holds numeric dates of an undeclared order (``29/01``): it then
holds the rows until the input ends, the order being the whole column's. Here every batch is
parsed with ``parse_dates(..., final=True)`` and folded, never held: the same work on a
streaming input, while a held input is timed as if it streamed, each batch in its own order.

* **read** -- :func:`pipelines.ingest.iter_records`: the file read, decoded and parsed (JSON
  lines, CSV rows, ...) into raw records;
* **row** -- ``_IngestState.row`` for every record: column mapping, outlet, HTML, canonical
  text (line ends, NFC), boilerplate lines, the record's checks (rejects);
* **dates** -- ``_IngestState.parse_dates`` (:func:`pipelines.dates.parse_dates`);
* **fold** -- ``_IngestState.fold``: URL normalisation, text hash, duplicate keys (within the
  batch, across batches), word counts, the ``articles`` frame;
* **write** -- :func:`pipelines.run.write_ingest` of each batch into a new store file (DuckDB
  inserts, copies of earlier batches, rejects).

With ``--baseline OTHER_TREE`` (a checkout or ``git worktree`` of an older commit) its ``pipelines``
package is loaded beside this one (as ``pipelines_baseline``) and the two are timed
alternately in this process, R times each (default 3); medians, µs of CPU an article, ratios,
and a check that both built the same ``articles`` and ``rejects`` rows (run_id left out).
``--whole``: also ``framewatch ingest`` of the same N records (a new process under
``/usr/bin/time``, this checkout only): wall and CPU seconds, articles/s, peak RSS.

The near-duplicate signatures (MinHash, :func:`pipelines.syndication.sketch_articles`) are not
part of the ingest: they are computed per score batch (``engines.score_batch``), in the main
process with the local engine and on the workers with Dask.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pipelines  # noqa: E402

PARTS = ("read", "row", "dates", "fold", "write")


def load_baseline(checkout: Path):
    """The ``pipelines`` package of *checkout*, imported as ``pipelines_baseline``."""
    init = checkout / "pipelines" / "__init__.py"
    if not init.is_file():
        raise SystemExit(f"--baseline: no pipelines/__init__.py under {checkout}")
    spec = importlib.util.spec_from_file_location("pipelines_baseline", init,
                                                  submodule_search_locations=[str(init.parent)])
    pkg = importlib.util.module_from_spec(spec)
    sys.modules["pipelines_baseline"] = pkg
    spec.loader.exec_module(pkg)
    return pkg


def _module(pkg, name: str):
    return importlib.import_module(f"{pkg.__name__}.{name}")


def baseline_module(checkout: Path, name: str):
    """Module ``pipelines.<name>`` of *checkout*, in its package loaded beside this one (:func:`load_baseline`);
    for the other benchmarks' ``--baseline OTHER_TREE``. Stops (SystemExit) when *checkout* has no such module."""
    if not (checkout / "pipelines" / f"{name}.py").is_file():
        raise SystemExit(f"--baseline {checkout}: no pipelines/{name}.py there; give a checkout of framewatch")
    return _module(load_baseline(checkout), name)


def time_parts(pkg, path: Path, batch: int, store: Path) -> tuple[dict[str, float], object, object]:
    """CPU seconds of each part of an ingest of *path* by package *pkg*; the tables it wrote.

    The streaming path of ``_IngestState.read``: every batch's dates parsed with ``final=True``
    and the batch folded at once, never held back (see the module docstring)."""
    ingest, run, storage, outlets = (_module(pkg, m) for m in ("ingest", "run", "storage", "outlets"))
    registry = outlets.read_registry(None)
    state = ingest._IngestState(ingest.IngestOptions(), registry, "bench", None, datetime.now(timezone.utc))
    summary = run.RunSummary("bench")
    spent = dict.fromkeys(PARTS, 0.0)
    store.unlink(missing_ok=True)
    con = storage.connect(store, read_only=False)
    storage.ensure_tables(con)
    warnings: list[str] = []
    t = time.process_time()
    records = iter(ingest.iter_records([path], warnings))
    while True:
        t0 = time.process_time()
        chunk = list(islice(records, batch))
        t1 = time.process_time()
        spent["read"] += t1 - t0
        if not chunk:
            break
        # _IngestState.read's streaming path, its parts timed apart; read would hold the rows of
        # a batch with numeric dates of an undeclared order, here they are parsed and folded now
        state.n_input += len(chunk)
        rows = [row for row in map(state.row, chunk) if row is not None]
        t2 = time.process_time()
        state.parse_dates(rows, final=True)
        t3 = time.process_time()
        state.fold(rows)
        t4 = time.process_time()
        result = state.drain()
        run.write_ingest(con, result, summary, registry, refresh=False)
        t5 = time.process_time()
        spent["row"] += t2 - t1
        spent["dates"] += t3 - t2
        spent["fold"] += t4 - t3
        spent["write"] += t5 - t4
    spent["total"] = time.process_time() - t
    articles = con.execute("SELECT * EXCLUDE (run_id) FROM articles ORDER BY article_id").df()
    rejects = con.execute("SELECT * EXCLUDE (run_id) FROM rejects ORDER BY source_file, source_row").df()
    con.close()
    store.unlink(missing_ok=True)
    return spent, articles, rejects


def whole_ingest(path: Path, n: int, workdir: Path) -> str:
    """``framewatch ingest`` of *path* in a new process under /usr/bin/time: one line of figures."""
    store = workdir / "whole.duckdb"
    cmd = ["/usr/bin/time", "-f", "%e %U %S %M", sys.executable, "-m", "pipelines.cli", "ingest",
           "--input", str(path), "--store", str(store), "--fresh"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr)
    wall, user, system, kb = proc.stderr.strip().splitlines()[-1].split()
    cpu = float(user) + float(system)
    return (f"whole `framewatch ingest`, {n:,} articles: wall {float(wall):.1f} s, CPU {cpu:.1f} s "
            f"({cpu / n * 1e6:.0f} µs an article), {n / float(wall):,.0f} articles/s wall, "
            f"peak RSS {int(kb) / 1024:.0f} MB")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", type=Path, required=True, help="input file (e.g. a make_articles.py JSONL)")
    ap.add_argument("--articles", type=int, default=20_000, help="first N records of the input (default 20,000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each side (default 3)")
    ap.add_argument("--batch", type=int, default=None, help="records per batch (default: INGEST_BATCH)")
    ap.add_argument("--baseline", type=Path, metavar="OTHER_TREE", help="checkout of an older commit to time beside this one")
    ap.add_argument("--whole", action="store_true", help="also time a whole `framewatch ingest` (new process)")
    args = ap.parse_args(argv)
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from pipelines.ingest import INGEST_BATCH

    batch = args.batch or INGEST_BATCH
    with tempfile.TemporaryDirectory(prefix="bench_ingest-") as tmp:
        work = Path(tmp)
        path = work / f"input{args.input.suffix}"
        with args.input.open("rb") as src, path.open("wb") as dst:
            dst.writelines(islice(src, args.articles))  # (one line per record in JSONL)
        sides = {"this": pipelines}
        if args.baseline:
            sides = {"baseline": load_baseline(args.baseline), "this": pipelines}
        times: dict[str, list[dict[str, float]]] = {k: [] for k in sides}
        tables = {}
        load = os.getloadavg()
        for _ in range(args.repeat):
            for name, pkg in sides.items():
                spent, articles, rejects = time_parts(pkg, path, batch, work / f"{name}.duckdb")
                times[name].append(spent)
                tables[name] = (articles, rejects)
        n = len(tables["this"][0]) + len(tables["this"][1])
        print(f"{n:,} records of {args.input.name} ({len(tables['this'][0]):,} articles), batches of {batch:,}, "
              f"one core, median of {args.repeat}; load average {load[0]:.2f} -> {os.getloadavg()[0]:.2f}")
        head = "| part | " + " | ".join(f"{k} µs/article" for k in sides) + (" | ratio |" if len(sides) == 2 else " |")
        print(head)
        print("|" + "---|" * (head.count("|") - 1))
        for part in PARTS + ("total",):
            med = {k: statistics.median(t[part] for t in v) / max(n, 1) * 1e6 for k, v in times.items()}
            cells = " | ".join(f"{med[k]:,.1f}" for k in sides)
            ratio = f" | {med['baseline'] / med['this']:.2f}x" if len(sides) == 2 and med["this"] else ""
            print(f"| {part} | {cells}{ratio} |")
        med_total = statistics.median(t["total"] for t in times["this"])
        print(f"this checkout: {n / med_total:,.0f} articles/s of CPU (ingest parts only)")
        if args.baseline:
            import pandas as pd

            same = True
            for i, what in enumerate(("articles", "rejects")):
                a, b = tables["baseline"][i], tables["this"][i]
                try:
                    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
                except AssertionError as exc:
                    same = False
                    print(f"{what}: DIFFER: {str(exc)[:300]}")
            print("tables identical: " + ("yes" if same else "NO"))
        if args.whole:
            print(whole_ingest(path, n, work))


if __name__ == "__main__":
    main()
