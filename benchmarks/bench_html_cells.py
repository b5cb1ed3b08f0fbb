"""Benchmark HTML-fragment cleaning (:func:`pipelines.sources.html_to_text`) on feed-summary cells.

Standalone: ``python benchmarks/bench_html_cells.py [n_cells]`` (default 30,000, the size of
the RSS corpus's summary column). Times the cleaning of *n_cells* short HTML fragments three
times and prints the median seconds and cells per second. Target: 30,000 cells in under 3 s
on one core, so cleaning never dominates ingest of a feed corpus.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.sources import html_to_text  # noqa: E402

CELLS = ("<p>Officials described the <b>drills</b> as war&nbsp;games.</p><p>More.</p>",
         "<div><a href='https://example.org/x'>Read more</a> &amp; <i>analysis</i> of the talks</div>",
         "Plain text summary with no markup at all, as many feeds send.")


def main(n: int = 30_000) -> None:
    cells = [CELLS[i % len(CELLS)] + f" {i}" for i in range(n)]
    times = []
    for _ in range(3):
        start = time.perf_counter()
        for cell in cells:
            html_to_text(cell)
        times.append(time.perf_counter() - start)
    med = statistics.median(times)
    print(f"html_to_text: {n:,} cells, median {med:.2f} s of {', '.join(f'{t:.2f}' for t in times)} "
          f"-> {n / med:,.0f} cells/s (target: 30,000 cells < 3 s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30_000)
