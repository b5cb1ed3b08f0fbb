"""Benchmark the whole ``framewatch run`` on the RUWA corpus, ingest to dashboard-ready store.

Standalone: ``python benchmarks/bench_ruwa.py [--repeat R] [--corpus PATH]``.

Runs ``framewatch run --input ruwa_dev.csv --topic-column event --store <fresh> --fresh``
(the installed script, a new process each time, so start-up and imports are counted) R times
(default 3) on all available cores and prints the median wall time next to the target of
issue 2 (< 30 s on a 2-core machine), with each run's summary line and peak memory.

The corpus is read from ``../shared/corpora/ruwa_ukraine_war_2022/ruwa_dev.csv`` next to the
repository unless ``--corpus`` names another file.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "ruwa_ukraine_war_2022" / "ruwa_dev.csv"
FRAMEWATCH = Path(sys.executable).with_name("framewatch")
TARGET_S = 30.0


def run_once(corpus: Path, workdir: Path) -> tuple[float, str, float]:
    """Wall seconds, summary line and peak RSS (MB) of one ``framewatch run``."""
    store = workdir / "ruwa.duckdb"
    t0 = time.perf_counter()
    # wait4 gives this child's own resource usage (ru_maxrss in KB on Linux).
    proc = subprocess.Popen([str(FRAMEWATCH), "run", "--input", str(corpus), "--topic-column", "event",
                             "--store", str(store), "--fresh"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"framewatch run failed ({proc.returncode}):\n{err}")
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, out.strip().splitlines()[-1], rss_mb


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs timed (default 3)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the RUWA CSV (default: ../shared/corpora/ruwa_ukraine_war_2022/ruwa_dev.csv)")
    args = ap.parse_args(argv)
    if not args.corpus.is_file():
        raise SystemExit(f"RUWA corpus not found at {args.corpus}; pass --corpus PATH")
    if not FRAMEWATCH.exists():
        raise SystemExit(f"no framewatch script next to {sys.executable}; install the project (pip install -e .)")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"framewatch run on {args.corpus.name} --topic-column event, {args.repeat} runs, {cores} cores")
    walls = []
    with tempfile.TemporaryDirectory(prefix="fw-bench-ruwa-") as tmp:
        for i in range(args.repeat):
            wall, line, rss = run_once(args.corpus, Path(tmp))
            walls.append(wall)
            print(f"  run {i + 1}: {wall:6.2f} s wall  (peak RSS so far {rss:,.0f} MB)  {line}")
    med = statistics.median(walls)
    rows = [("measure", "result", "target", "ok"),
            (f"whole run on RUWA, wall s (median of {args.repeat}, {cores} cores)", f"{med:.1f}", f"< {TARGET_S:.0f}",
             "yes" if med < TARGET_S else "NO")]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    print()
    for k, r in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
        if k == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
