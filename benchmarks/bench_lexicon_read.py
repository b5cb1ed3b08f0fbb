"""Benchmark reading a YAML lexicon: ``read_lexicon`` against PyYAML parsing the same file once and twice.

Standalone: ``python benchmarks/bench_lexicon_read.py [--entries N] [--repeat R]``.

Writes a YAML lexicon of N entries (default 2,000; ``categories:`` and ``entries:`` with a term, a
category and a note each), then times side by side in one run, alternating, on one core, CPU time
(``time.process_time``), median of R rounds (default 5):

* ``read_lexicon``: :func:`pipelines.lexicon.read_lexicon` -- one parse (PyYAML's safe loader: the
  nodes, for lines and repeated keys, then the document built from them), the checks, the entries;
* ``yaml.safe_load``: PyYAML's safe loader on the same text, once: the floor for any YAML reader;
* ``yaml.compose + yaml.safe_load``: the same text parsed twice, as ``read_lexicon`` did before it
  built the document from the nodes it had composed.

Prints the medians and each one's ratio to ``read_lexicon``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.lexicon import read_lexicon  # noqa: E402


def lexicon_yaml(n: int) -> str:
    """A YAML lexicon of *n* entries in two categories."""
    lines = ["categories: [pejorative_label, euphemism]", "entries:"]
    for i in range(n):
        lines += [f"  - term: loaded term {i}", f"    category: {'pejorative_label' if i % 2 else 'euphemism'}",
                  f"    note: entry number {i}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--entries", type=int, default=2000, help="lexicon entries (default 2,000)")
    ap.add_argument("--repeat", type=int, default=5, help="timed rounds (default 5)")
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with tempfile.TemporaryDirectory(prefix="fw-bench-lexicon-") as tmp:
        path = Path(tmp) / "lexicon.yaml"
        text = lexicon_yaml(args.entries)
        path.write_text(text, encoding="utf-8")
        cases = {"read_lexicon": lambda: read_lexicon(path),
                 "yaml.safe_load": lambda: yaml.safe_load(text),
                 "yaml.compose + yaml.safe_load": lambda: (yaml.compose(text), yaml.safe_load(text))}
        assert len(read_lexicon(path)) == args.entries
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.repeat):
            for name, run in cases.items():
                t = time.process_time()
                run()
                times[name].append(time.process_time() - t)
    print(f"{args.entries:,}-entry YAML lexicon ({len(text.encode()) / 1e3:,.0f} kB); one core, CPU ms, alternating, "
          f"median of {args.repeat}; load average {os.getloadavg()[0]:.1f}\n")
    print("| reader | CPU ms (runs) | x read_lexicon |\n|---|---|---|")
    ours = statistics.median(times["read_lexicon"])
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"| {name} | {median * 1000:.0f} ({' / '.join(f'{x * 1000:.0f}' for x in runs)}) | {median / ours:.2f} |")


if __name__ == "__main__":
    main()
