"""Benchmark near-duplicate clustering (:func:`pipelines.syndication.find_clusters`).

Standalone: ``python benchmarks/bench_syndication.py [n_full_texts] [n_headlines]``.

Two synthetic batches, each timed three times (median CPU and wall-clock seconds printed, with the
CPU time spent in shingle hashing and in MinHash signatures):

* *full texts*: 20,000 articles of about 600 words over 8 invented outlets; 10 % of them are
  wire copies of 300 stories (some with an outlet footer, some with the last sentence cut);
* *headlines*: 13,000 headline-length texts (6-16 words), 5 % repeated at other outlets.

The RUWA headline corpus (``../shared/corpora/ruwa_ukraine_war_2022``, 13,276 rows of
headline + lead) is timed as well when it is present next to the repository.

``--baseline OTHER_TREE [--input FILE --articles N --repeat R]``: instead, the sketching of the score stage
(:func:`pipelines.syndication.sketch_articles`: shingles, MinHash signatures, wire datelines) of this
checkout against another checkout's (its ``pipelines`` loaded beside this one, as ``bench_ingest.py
--baseline`` loads it: :func:`bench_ingest.baseline_module`), on ONE core,
alternately, CPU time, median of R (default 5), µs an article and ratio, with a check that both give
the same frame; on the synthetic full texts, or on the ``text`` of the first N records of a JSON-lines
*FILE* (e.g. ``make_articles.py`` output).
"""

from __future__ import annotations

import itertools
import random
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_ingest import baseline_module  # noqa: E402 (beside this script)

from pipelines.syndication import find_clusters, minhashes, shingle_hashes  # noqa: E402

RUWA = ROOT.parent / "shared" / "corpora" / "ruwa_ukraine_war_2022" / "ruwa_dev.csv"
OUTLETS = [f"Outlet {c}" for c in "ABCDEFGH"]


def _vocabulary(rng: random.Random, size: int = 20000) -> tuple[list[str], list[float]]:
    """Invented words and their cumulative Zipf weights."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 10))) for _ in range(size)]
    return words, list(itertools.accumulate(1 / (rank + 1) for rank in range(size)))


def _sentence(rng: random.Random, words, cum_weights, n: int) -> str:
    return " ".join(rng.choices(words, cum_weights=cum_weights, k=n)).capitalize() + "."


def make_full_texts(n: int, words_per_text: int = 600, seed: int = 11) -> pd.DataFrame:
    """*n* articles of about *words_per_text* words; 10 % are copies of 300 wire stories."""
    rng = random.Random(seed)
    words, weights = _vocabulary(rng)

    def text() -> str:
        out, count = [], 0
        while count < words_per_text:
            k = rng.randint(8, 30)
            out.append(_sentence(rng, words, weights, k))
            count += k
        return " ".join(out)

    wires = ["CAPITAL CITY (Reuters) - " + text() for _ in range(300)]
    rows = []
    for i in range(n):
        if i % 10 == 0:
            body = rng.choice(wires)
            if rng.random() < 0.3:
                body += " Follow us for more updates."
            elif rng.random() < 0.3:
                body = body.rsplit(".", 2)[0] + "."
        else:
            body = text()
        rows.append({"article_id": f"a{i:06d}", "outlet": rng.choice(OUTLETS),
                     "published_at": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(minutes=i),
                     "text": body})
    return pd.DataFrame(rows)


def make_headlines(n: int, seed: int = 12) -> pd.DataFrame:
    """*n* headline-length texts; 5 % repeat an earlier headline at another outlet."""
    rng = random.Random(seed)
    words, weights = _vocabulary(rng)
    rows = []
    for i in range(n):
        if i and i % 20 == 0:
            body = rows[rng.randrange(len(rows))]["text"]
        else:
            body = _sentence(rng, words, weights, rng.randint(6, 16))
        rows.append({"article_id": f"h{i:06d}", "outlet": rng.choice(OUTLETS),
                     "published_at": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(minutes=i),
                     "text": body})
    return pd.DataFrame(rows)


def read_ruwa() -> pd.DataFrame | None:
    if not RUWA.is_file():
        return None
    df = pd.read_csv(RUWA, dtype=str, keep_default_na=False)
    text = (df["title"].str.strip() + "\n" + df["desc"].str.strip()).str.strip()
    return pd.DataFrame({"article_id": [f"r{i:06d}" for i in range(len(df))], "outlet": df["outlet_domain"],
                         "published_at": pd.to_datetime(df["date"], utc=True), "text": text})


def _median_time(fn, repeat: int = 3) -> tuple[float, float]:
    """Median CPU seconds of this process and median wall-clock seconds of *repeat* calls.

    CPU time is what one core spends; wall time also counts waiting for a busy machine.
    """
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall)


def bench(name: str, df: pd.DataFrame, num_perm: int = 128) -> None:
    n_words = df["text"].str.count(r"\w+").sum()
    texts = df["text"].tolist()
    t_shingle, _ = _median_time(lambda: shingle_hashes(texts))
    t_minhash, _ = _median_time(lambda: minhashes(texts, num_perm=num_perm))
    result = None

    def run():
        nonlocal result
        result = find_clusters(df, num_perm=num_perm)

    t_total, t_wall = _median_time(run)
    n_clusters = result["cluster_id"].nunique()
    print(f"{name}: {len(df):,} articles, {n_words / len(df):.0f} words each, num_perm={num_perm}: "
          f"find_clusters {t_total:.2f} s CPU, {t_wall:.2f} s wall (CPU: shingle hashing {t_shingle:.2f} s, "
          f"shingles + MinHash {t_minhash:.2f} s); "
          f"{n_clusters:,} clusters, {len(result):,} clustered articles, {int(result['syndicated'].sum()):,} syndicated")


def compare_sketching(baseline: Path, texts: list[str], repeat: int) -> None:
    """``sketch_articles`` of this checkout and of *baseline*, alternately on one core: µs of CPU an article."""
    import os

    from pipelines import syndication

    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    sides = {"baseline": baseline_module(baseline, "syndication"), "this": syndication}
    articles = pd.DataFrame({"article_id": [f"a{i}" for i in range(len(texts))], "text": texts})
    times: dict[str, list[float]] = {k: [] for k in sides}
    frames = {}
    load = os.getloadavg()[0]
    for _ in range(repeat):
        for name, module in sides.items():
            t0 = time.process_time()
            frames[name] = module.sketch_articles(articles)
            times[name].append(time.process_time() - t0)
    med = {k: statistics.median(v) / len(texts) * 1e6 for k, v in times.items()}
    print(f"sketch_articles, {len(texts):,} texts, one core, median of {repeat}; load average {load:.2f} -> "
          f"{os.getloadavg()[0]:.2f}: baseline {med['baseline']:.1f} µs an article, this {med['this']:.1f} µs, "
          f"ratio {med['baseline'] / med['this']:.2f}x; frames identical: "
          f"{'yes' if frames['baseline'].equals(frames['this']) else 'NO'}")


def main(argv: list[str]) -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n_full", nargs="?", type=int, default=20000, help="synthetic full texts (default 20,000)")
    ap.add_argument("n_heads", nargs="?", type=int, default=13000, help="synthetic headlines (default 13,000)")
    ap.add_argument("--baseline", type=Path, metavar="OTHER_TREE",
                    help="older checkout: compare sketch_articles with it instead")
    ap.add_argument("--input", type=Path, help="with --baseline: JSON-lines file whose 'text' fields are sketched")
    ap.add_argument("--articles", type=int, default=20000, help="with --input: first N records (default 20,000)")
    ap.add_argument("--repeat", type=int, default=5, help="with --baseline: timed runs of each side (default 5)")
    args = ap.parse_args(argv[1:])
    if args.baseline:
        if args.input:
            import json

            with args.input.open("rb") as fh:
                texts = [json.loads(line)["text"] for line in itertools.islice(fh, args.articles)]
        else:
            texts = make_full_texts(args.n_full)["text"].tolist()
        compare_sketching(args.baseline, texts, args.repeat)
        return
    full = make_full_texts(args.n_full)
    bench("full texts", full)
    bench("full texts", full, num_perm=64)
    bench("headlines", make_headlines(args.n_heads))
    ruwa = read_ruwa()
    if ruwa is not None:
        bench("RUWA headline + lead", ruwa)
    else:
        print(f"RUWA corpus not found at {RUWA.relative_to(ROOT.parent)}: skipped")


if __name__ == "__main__":
    main(sys.argv)
