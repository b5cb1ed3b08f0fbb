"""Extraction quality of `framewatch collect --full-text` on the article-extraction benchmark.

Each page of ../shared/corpora/html_extraction_benchmark (181 saved news pages with their gold
article body) goes through the same path a fetched page takes (pipelines.sources.read_html_string:
noise blocks removed, trafilatura, boilerplate lines dropped), and the stored body is compared
with the gold text by token precision, recall and F1 (pipelines.collect.token_f1). Prints the
median and mean, the distribution and the worst pages; --out writes one row per page as CSV.

    .venv/bin/python benchmarks/bench_extraction.py            # --corpus PATH --out FILE.csv --worst 10
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pipelines.collect import extraction_quality

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "html_extraction_benchmark"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="the benchmark's folder (default: ../shared/corpora/html_extraction_benchmark)")
    ap.add_argument("--out", type=Path, help="write per-page precision, recall and F1 here (CSV)")
    ap.add_argument("--worst", type=int, default=10, help="pages with the lowest F1 to list")
    args = ap.parse_args()
    if not (args.corpus / "ground-truth.json").is_file():
        raise SystemExit(f"benchmark not found at {args.corpus} (it is not part of the repository)")
    t0 = time.perf_counter()
    df = extraction_quality(args.corpus)
    elapsed = time.perf_counter() - t0
    print(f"pages {len(df)}, {elapsed:.1f} s ({len(df) / elapsed:.1f} pages/s)")
    for col in ("precision", "recall", "f1"):
        s = df[col]
        print(f"{col:<9} median {s.median():.3f}  mean {s.mean():.3f}  p10 {s.quantile(0.1):.3f}  "
              f"min {s.min():.3f}")
    for bound in (0.9, 0.5):
        print(f"pages with F1 >= {bound}: {(df['f1'] >= bound).sum()} of {len(df)}")
    print(f"\nworst {args.worst} pages by F1:")
    worst = df.nsmallest(args.worst, "f1")
    for row in worst.itertuples(index=False):
        print(f"  F1 {row.f1:.3f}  P {row.precision:.3f}  R {row.recall:.3f}  gold {row.n_gold:>5}  "
              f"extracted {row.n_extracted:>5}  {row.url}")
    if args.out:
        df.to_csv(args.out, index=False)
        print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
