"""Benchmark lexicon matching with offsets against two baselines: spaCy's PhraseMatcher and a per-term regex loop.

Standalone: ``python benchmarks/bench_match_baselines.py [--articles N] [--repeat R] [--regex-articles M]
[--no-corpora]``. Needs spaCy (``pip install -e ".[bench]"``).

Same texts, same 2,000-term lexicon, same run, one core (``os.sched_setaffinity``), median of R
runs (default 3):

* ``framewatch``: :meth:`pipelines.lexicon.LexiconMatcher.find` from the stored text -- the
  fold (case, quotes, dashes, spaces: the matching copy of :mod:`pipelines.text`), the
  Aho-Corasick scan, the sentence-end check, longest-then-earliest resolution and stop phrases,
  all inside the timed loop; offsets into the stored text. Every text of these corpora whose
  characters lie in the BMP takes the compiled path (:mod:`pipelines._match`: the three in one C
  pass); the rest (a character outside the BMP) the Python path.
* ``spaCy PhraseMatcher``: ``spacy.blank("en")`` tokenizer (``nlp.make_doc``) and a
  ``PhraseMatcher(attr="LOWER")`` holding every spelling of every term; offsets from
  ``doc[start:end].start_char / end_char``; raw (unfolded) text, as a spaCy user would run it.
* ``regex loop``: one compiled ``\\bterm\\b`` (``re.IGNORECASE``, hyphen or space between
  words) per spelling, ``finditer`` of each over each article -- what a data scientist writes
  first. It is slow, so it is timed on the first M articles (default 200) and its rate is
  articles/s over those.

The lexicon is the built-in one (about 344 entries) plus synthetic entries up to 2,000: two-
and three-word phrases over invented words, and every fifth one over ordinary English words
that do occur in the corpus, so the extra terms are hit too. Corpora: the synthetic ~600-word
articles of ``bench_score.py`` (default 20,000) and, unless ``--no-corpora``, the real corpora
in ``../shared/corpora`` that are present (RUWA descriptions, KCNA full texts, RSS summaries,
headlines). Prints a table per corpus: median seconds, articles/s, MB/s, the ratio of each
baseline's time to ours, and the number of mentions each found (they differ by design: ours
folds dashes and quotes and resolves nested terms; the baselines count every hit). After the
synthetic table it prints where our time goes, in CPU microseconds an article: the compiled
fold and scan (``native_.count``), the compiled resolve (offsets, sentence ends, overlaps,
``Match`` objects), the whole ``find``; and the Python path from the same texts
(``_find_python``: matching copy, ahocorasick-rs scan, resolve) for comparison.

Fairness: both sides start from the stored text and end with character offsets into it, in
the timed loop -- our fold on one side, spaCy's tokenizer (``make_doc``) and its
``Span.start_char`` / ``end_char`` on the other. spaCy matches the raw text (no folding of
dashes, quotes or spaces), which is less work than ours and what a spaCy user would run.

Targets (issue 4): framewatch >= 15,000 articles/s on the synthetic corpus, one core, with
offsets; >= 10x spaCy's PhraseMatcher in the same run.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_score import NEUTRAL, make_corpus  # noqa: E402
from pipelines.lexicon import Entry, LexiconMatcher, build_lexicon, load_lexicon  # noqa: E402

TARGET_RATE = 15_000
TARGET_RATIO = 10.0
CORPORA = ROOT.parent / "shared" / "corpora"
# (name, file under CORPORA, text column)
REAL = (
    ("RUWA descriptions", "ruwa_ukraine_war_2022/ruwa_dev.csv", "desc"),
    ("KCNA full texts", "kcna_2024/kcna_articles.csv", "story_text"),
    ("RSS summaries", "rss_world_news_2023/rss_world_news_2023.csv", "summary_html"),
    ("CN/BBC headlines", "cn_state_vs_bbc_headlines_2022/headlines.csv", "headline"),
)
_SYLLABLES = ("ka", "lo", "mer", "vin", "dra", "tus", "pel", "zor", "quin", "bax", "sen", "tor", "ulm", "gri")


def make_lexicon(size: int = 2000, seed: int = 5):
    """The built-in lexicon plus synthetic entries (category ``synthetic``) up to *size* entries."""
    base, _ = load_lexicon()
    rng = random.Random(seed)
    common = sorted({w.strip(".,{}").lower() for s in NEUTRAL for w in s.split()
                     if w.isalpha() and len(w) > 3})
    seen = {e.term.lower() for e in base.entries}
    extra: list[Entry] = []
    while len(base.entries) + len(extra) < size:
        k = len(extra)
        if k % 5 == 0:
            words = rng.sample(common, 2)
        else:
            words = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
                     for _ in range(rng.randint(2, 3))]
        term = " ".join(words)
        if term in seen:
            continue
        seen.add(term)
        extra.append(Entry(term=term, category="synthetic", source="synthetic", line=k + 1))
    lexicon, _ = build_lexicon(list(base.entries) + extra)
    return lexicon


def spellings(lexicon) -> list[str]:
    """Every spelling of every term that is not a stop phrase, prefix stars removed."""
    return sorted({s.rstrip("*") for e in lexicon.entries if not e.ignore for s in e.spellings})


def ours(matcher):
    def run(texts):
        return sum(len(matcher.find(t)) for t in texts)
    return run


def spacy_phrase_matcher(words):
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    pm = PhraseMatcher(nlp.vocab, attr="LOWER")
    pm.add("TERM", [nlp.make_doc(w) for w in words])

    def run(texts):
        n = 0
        for t in texts:
            doc = nlp.make_doc(t)
            spans = [(doc[s:e].start_char, doc[s:e].end_char) for _, s, e in pm(doc)]
            n += len(spans)
        return n
    return run


def regex_loop(words):
    patterns = [re.compile(r"\b" + r"[\s-]+".join(map(re.escape, w.split())) + r"\b", re.IGNORECASE)
                for w in words]

    def run(texts):
        n = 0
        for t in texts:
            for p in patterns:
                n += len([(m.start(), m.end()) for m in p.finditer(t)])
        return n
    return run


def measure(fn, texts, repeat):
    fn(texts[:50])  # warm up
    times, hits = [], 0
    for _ in range(repeat):
        t = time.process_time()
        hits = fn(texts)
        times.append(time.process_time() - t)
    return statistics.median(times), hits


def breakdown(matcher, texts, repeat):
    """CPU microseconds an article (median of *repeat*) of ``find`` and its parts on *texts*: the
    compiled fold and Aho-Corasick scan alone (``native_.count``: no resolve), the compiled
    ``native_.find`` (plus the resolve: offsets, sentence ends, overlaps, ``Match`` objects), the
    whole :meth:`LexiconMatcher.find` (plus its Python method call), and the Python path from the
    same texts (``_find_python``: matching copy, ahocorasick-rs scan, resolve)."""
    native = matcher.native_          # None when pipelines._match is not built: only find and the Python path
    parts = ({"compiled fold + scan": native.count, "compiled find": native.find} if native is not None else {})
    parts |= {"find": matcher.find, "Python path": matcher._find_python}
    times: dict[str, list[float]] = {k: [] for k in parts}
    for _ in range(repeat):
        for name, fn in parts.items():
            t = time.process_time()
            for x in texts:
                fn(x)
            times[name].append(time.process_time() - t)
    return {k: statistics.median(v) / len(texts) * 1e6 for k, v in times.items()}


def read_texts(path: Path, column: str) -> list[str]:
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8", newline="") as f:
        return [r[column] for r in csv.DictReader(f) if r.get(column)]


def table(name, texts, cases, repeat, regex_n):
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"\n## {name}: {len(texts):,} texts, {mb:.1f} MB, "
          f"{sum(len(t.split()) for t in texts) / len(texts):.0f} words a text on average")
    results = {}
    for label, fn in cases:
        sub = texts[:regex_n] if label == "regex loop" else texts
        sec, hits = measure(fn, sub, repeat if label != "regex loop" else 1)
        results[label] = (sec, hits, len(sub), mb * len(sub) / len(texts))
    base = results["framewatch"][0] / results["framewatch"][2]
    rows = [("matcher", "articles", "CPU s", "articles/s", "MB/s", "x framewatch", "mentions")]
    for label, (sec, hits, n, m) in results.items():
        rows.append((label, f"{n:,}", f"{sec:.2f}", f"{n / sec:,.0f}", f"{m / sec:.1f}",
                     f"{sec / n / base:.1f}", f"{hits:,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for k, r in enumerate(rows):
        print("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) + " |")
        if k == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return results


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=20_000, help="synthetic articles (default 20,000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each matcher (default 3)")
    ap.add_argument("--regex-articles", type=int, default=200, help="articles for the slow per-term regex loop (default 200)")
    ap.add_argument("--no-corpora", action="store_true", help="skip the real corpora of ../shared/corpora")
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    lexicon = make_lexicon()
    words = spellings(lexicon)
    t = time.perf_counter()
    matcher = LexiconMatcher(lexicon).fit()
    build_ours = time.perf_counter() - t
    t = time.perf_counter()
    cases = [("framewatch", ours(matcher)), ("spaCy PhraseMatcher", spacy_phrase_matcher(words))]
    build_spacy = time.perf_counter() - t
    cases.append(("regex loop", regex_loop(words)))
    print(f"lexicon {lexicon.version}: {len(lexicon.entries):,} entries, {len(words):,} spellings; "
          f"build: automaton {build_ours:.2f} s, spaCy {build_spacy:.2f} s; CPU time (process_time), "
          f"median of {args.repeat}, one core; load average {os.getloadavg()[0]:.1f}")
    synthetic = make_corpus(args.articles)["text"].tolist()
    res = table(f"synthetic (bench_score.make_corpus({args.articles}))", synthetic, cases, args.repeat,
                args.regex_articles)
    ours_rate = len(synthetic) / res["framewatch"][0]
    ratio = res["spaCy PhraseMatcher"][0] / res["framewatch"][0]
    print(f"\ntarget: >= {TARGET_RATE:,} articles/s -> {ours_rate:,.0f} "
          f"({'met' if ours_rate >= TARGET_RATE else 'NOT met'}); >= {TARGET_RATIO:.0f}x PhraseMatcher -> "
          f"{ratio:.1f}x ({'met' if ratio >= TARGET_RATIO else 'NOT met'})")
    parts = breakdown(matcher, synthetic[:2000], args.repeat)
    compiled = (f"compiled fold + scan {parts['compiled fold + scan']:.1f}; compiled resolve (offsets, sentence "
                f"ends, overlaps, Match objects) {parts['compiled find'] - parts['compiled fold + scan']:.1f}; "
                if "compiled find" in parts else "the compiled module is not built; ")
    print(f"where our time goes ({min(2000, len(synthetic)):,} synthetic articles, CPU us an article): "
          f"{compiled}whole find, with its Python call, {parts['find']:.1f} (the Python path from the same texts: "
          f"{parts['Python path']:.1f}, {parts['Python path'] / parts['find']:.1f}x)")
    if args.no_corpora:
        return
    for name, rel, column in REAL:
        path = CORPORA / rel
        if path.exists():
            table(name, read_texts(path, column), cases, args.repeat, args.regex_articles)
        else:
            print(f"\n## {name}: skipped, {path} not found")


if __name__ == "__main__":
    main()
