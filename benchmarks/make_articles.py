"""Write N synthetic ~600-word articles as JSONL, streamed in chunks (up to a million and more).

Standalone: ``python benchmarks/make_articles.py --articles 1000000 --out /scratch/articles.jsonl
[--chunk 10000]``.

Uses the seeded generator of ``bench_score.py`` (five invented outlets, neutral reporting
sentences, quotations and reported speech, about 8 built-in lexicon terms per article) one
chunk at a time, each chunk with its own seed, so memory stays at one chunk (~40 MB for
10,000 articles) whatever N is, and the same arguments give the same file. Article ids
``bench-CCCC-NNNNN`` (chunk, row) and URLs are unique (ingest would drop a repeated URL as a
copy); publication times are ``bench_score.published``'s, all in 2022-2025 whatever N (a million
articles: about 2 minutes apart, ~680 a day; they used to advance 37 minutes an article from 2024,
so a million spanned 70 years and ingest left every article after the ingest time undated: 96 %
of them). Prints articles written, bytes and seconds.

Check the free disk first (``df -h``): a million articles is about 4 GB of JSONL.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_score import make_corpus, published  # noqa: E402


def write_articles(out: Path, n: int, chunk: int = 10_000) -> int:
    """Write *n* articles to *out* (JSONL), *chunk* at a time; returns the bytes written."""
    written = 0
    with out.open("w", encoding="utf-8") as f:
        for c, first in enumerate(range(0, n, chunk)):
            rows = make_corpus(min(chunk, n - first), seed=11 + c).drop(columns=["topics_raw"])
            for k, row in enumerate(rows.to_dict("records")):
                i = first + k
                row["article_id"] = f"bench-{c:04d}-{k:05d}"
                row["published"] = published(i, n)
                row["url"] = row["url"].rsplit("/", 1)[0] + f"/{i}"  # per chunk, bench_score's would repeat
                line = json.dumps(row, ensure_ascii=False) + "\n"
                written += len(line.encode("utf-8"))
                f.write(line)
    return written


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=1_000_000, help="articles written (default 1,000,000)")
    ap.add_argument("--out", type=Path, required=True, help="the JSONL file to write")
    ap.add_argument("--chunk", type=int, default=10_000, help="articles generated and written at a time (default 10,000)")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    size = write_articles(args.out, args.articles, args.chunk)
    print(f"{args.articles:,} articles, {size / 1e6:,.0f} MB, {time.perf_counter() - t:.1f} s -> {args.out}")


if __name__ == "__main__":
    main()
