"""Benchmark lexicon matching: the Aho-Corasick automaton vs one big regular-expression alternation.

Standalone: ``python benchmarks/bench_matchers.py [--articles N] [--repeat R]``.

On N synthetic ~600-word articles (default 2,000; the generator of ``bench_score.py``, about
8 built-in lexicon terms each) and the built-in lexicon, times side by side in one run, on
one core, median of R runs (default 3):

* ``aho-corasick, find()``: :meth:`pipelines.lexicon.LexiconMatcher.find` -- the full
  semantics (offset map, sentence-end check, longest-then-earliest resolution, stop phrases);
* ``aho-corasick, raw scan``: only the scan ``find()`` runs (``LexiconMatcher._scan``:
  ahocorasick-rs, every overlapping key occurrence; ``byte_scanner_`` over an ASCII copy's
  bytes, ``scanner_`` over any other copy);
* ``regex on matching copy``: one compiled alternation of every folded spelling (longest
  first) with space lookarounds, ``finditer`` over the same matching copy -- the like-for-like
  comparison of the two scanning engines;
* ``regex on raw text``: the same alternation with ``\\b`` and ``re.IGNORECASE`` over the
  stored text (no folding of quotes, dashes or spaces: what a naive matcher would do).

The matching copies are built once beforehand and not timed. Prints medians, articles/s, the
ratio to the raw Aho-Corasick scan, and the number of hits each found.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_score import make_corpus  # noqa: E402
from pipelines.lexicon import LexiconMatcher, load_lexicon  # noqa: E402
from pipelines.text import fold, matching_copy  # noqa: E402


def alternation(lexicon) -> str:
    """Every folded spelling of the lexicon as one alternation, longest first."""
    alts = set()
    for e in lexicon.entries:
        for s in e.spellings:
            prefix = s.endswith("*")
            core = fold(s[:-1] if prefix else s)
            alts.add(re.escape(core).replace(r"\ ", " ") + (r"\w*" if prefix else ""))
    return "|".join(sorted(alts, key=lambda a: (-len(a), a)))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=2000, help="synthetic articles (default 2,000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each matcher (default 3)")
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    texts = make_corpus(args.articles)["text"].tolist()
    copies = [matching_copy(t) for t in texts]
    lexicon, _ = load_lexicon()
    t = time.perf_counter()
    matcher = LexiconMatcher(lexicon).fit()
    ac_build = time.perf_counter() - t
    alt = alternation(lexicon)
    t = time.perf_counter()
    on_copy = re.compile(f"(?<= )(?:{alt})(?= )")
    on_text = re.compile(rf"\b(?:{alt.replace(' ', '[ -]')})\b", re.IGNORECASE)
    re_build = time.perf_counter() - t

    def ac_find():
        return sum(len(matcher.find(x, c, o)) for x, (c, o) in zip(texts, copies))

    def ac_raw():
        # the scan find() runs (ahocorasick-rs): bytes for an ASCII copy, str otherwise
        scan = matcher._scan
        return sum(len(scan(c)) for c, _ in copies)

    def re_copy():
        return sum(sum(1 for _ in on_copy.finditer(c)) for c, _ in copies)

    def re_text():
        return sum(sum(1 for _ in on_text.finditer(x)) for x in texts)

    cases = [("aho-corasick, find()", ac_find), ("aho-corasick, raw scan", ac_raw),
             ("regex on matching copy", re_copy), ("regex on raw text", re_text)]
    results = {}
    for name, fn in cases:
        if name.startswith("aho"):
            fn()  # warm up (the regexes are compiled already and too slow to run twice for nothing)
        times, hits = [], 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            hits = fn()
            times.append(time.perf_counter() - t)
        results[name] = (statistics.median(times), hits)

    print(f"{len(texts):,} articles, lexicon {lexicon.version} ({len(lexicon.entries)} entries, "
          f"{len(alt.split('|'))} spellings); build: automaton {ac_build * 1000:.0f} ms, "
          f"regexes {re_build * 1000:.0f} ms; median of {args.repeat}, one core\n")
    base = results["aho-corasick, raw scan"][0]
    rows = [("matcher", "median s", "articles/s", "x raw AC", "hits")]
    for name, (sec, hits) in results.items():
        rows.append((name, f"{sec:.3f}", f"{len(texts) / sec:,.0f}", f"{sec / base:.1f}", f"{hits:,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for k, r in enumerate(rows):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            print("  ".join("-" * w for w in widths))
    print("\nhits: find() counts resolved mentions (nested terms once, stop phrases dropped); the raw "
          "scans count every key occurrence, overlapping ones included for Aho-Corasick.")


if __name__ == "__main__":
    main()
