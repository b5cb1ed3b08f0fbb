"""Check that the compiled lexicon matcher finds exactly what the Python path finds, on whole corpora.

Standalone: ``python benchmarks/check_match_native.py [--input FILE.jsonl ...] [--corpora DIR]
[--no-demo] [--synthetic N]``.

For every text, with the 2,000-term benchmark lexicon (``bench_match_baselines.make_lexicon``)
and the built-in one: ``LexiconMatcher.find`` (the compiled path, :mod:`pipelines._match`, for
every text it covers), ``native_.find`` and ``_find_python`` (the Python path over the matching
copy) must give the same :class:`pipelines.lexicon.Match` list -- term (entry), start, end, in the
same order. Texts:

* ``--input``: JSONL files (e.g. ``make_articles.py`` output): the ``text``, ``title``, ``lead``
  and ``body`` fields, and title + body joined by a blank line;
* the demo corpus (``pipelines.demo.generate_demo_corpus``, seed 7, written to a temporary
  folder) unless ``--no-demo``: the same fields and joins;
* ``--corpora`` (default ``../shared/corpora``): every distinct non-empty string cell of every
  ``.csv`` / ``.tsv`` file in it (RUWA, KCNA, RSS, headlines and the gold sets' text columns);
* ``--synthetic N``: ``bench_score.make_corpus(N)`` (default 2,000; 0 for none).

Prints, per source and lexicon, the texts, how many the compiled path covered (the rest: a
character outside the BMP), the mentions and the texts that differ; exits with status 1 if any
text differs.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_match_baselines import make_lexicon  # noqa: E402
from bench_score import make_corpus  # noqa: E402
from pipelines.lexicon import LexiconMatcher, load_lexicon  # noqa: E402

FIELDS = ("text", "title", "lead", "body")


def jsonl_texts(path: Path) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            texts += [rec[k] for k in FIELDS if isinstance(rec.get(k), str) and rec[k]]
            if rec.get("title") and rec.get("body"):
                texts.append(f"{rec['title']}\n\n{rec['body']}")
    return texts


def table_texts(path: Path) -> list[str]:
    csv.field_size_limit(1 << 30)
    seen: set[str] = set()
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.reader(f, delimiter="\t" if path.suffix == ".tsv" else ","):
            seen.update(c for c in row if c)
    return sorted(seen)


def sources(args) -> list[tuple[str, list[str]]]:
    out = []
    if args.synthetic:
        out.append((f"synthetic make_corpus({args.synthetic})", make_corpus(args.synthetic)["text"].tolist()))
    for path in args.input:
        out.append((str(path), jsonl_texts(Path(path))))
    if not args.no_demo:
        from pipelines.demo import generate_demo_corpus

        with tempfile.TemporaryDirectory() as tmp:
            generate_demo_corpus(Path(tmp))
            texts = jsonl_texts(Path(tmp) / "articles.jsonl")
        out.append(("demo corpus (seed 7)", texts))
    corpora = Path(args.corpora)
    if corpora.is_dir():
        for path in sorted(corpora.rglob("*")):
            if path.suffix in (".csv", ".tsv") and path.is_file():
                out.append((str(path.relative_to(corpora)), table_texts(path)))
    else:
        print(f"corpora: {corpora} not found, skipped")
    return out


def compare(matcher: LexiconMatcher, texts: list[str]) -> tuple[int, int, int, list[int]]:
    """(covered, mentions, texts, indexes of differing texts)."""
    covered = mentions = 0
    bad = []
    for i, text in enumerate(texts):
        native = matcher.native_.find(text)
        python = matcher._find_python(text)
        covered += native is not None
        mentions += len(python)
        if (native is not None and native != python) or matcher.find(text) != python:
            bad.append(i)
    return covered, mentions, len(texts), bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", action="append", default=[], help="a JSONL file of articles (repeatable)")
    ap.add_argument("--corpora", default=str(ROOT.parent / "shared" / "corpora"),
                    help="folder of real corpora whose text cells are checked (default: ../shared/corpora)")
    ap.add_argument("--no-demo", action="store_true", help="skip the demo corpus (framewatch demo's, seed 7)")
    ap.add_argument("--synthetic", type=int, default=2000, help="synthetic articles, 0 for none (default 2,000)")
    args = ap.parse_args(argv)
    lexicons = [("2,000-term", make_lexicon()), ("built-in", load_lexicon()[0])]
    matchers = [(name, LexiconMatcher(lex).fit()) for name, lex in lexicons]
    print("| texts from | lexicon | texts | compiled path | mentions | differing |")
    print("|---|---|---|---|---|---|")
    failed = 0
    totals = {name: [0, 0, 0] for name, _ in matchers}
    for label, texts in sources(args):
        for name, matcher in matchers:
            covered, mentions, n, bad = compare(matcher, texts)
            totals[name][0] += n
            totals[name][1] += covered
            totals[name][2] += mentions
            failed += len(bad)
            print(f"| {label} | {name} | {n:,} | {covered:,} | {mentions:,} | {len(bad)} |")
            for i in bad[:3]:
                print(f"  differs: {texts[i][:200]!r}")
    for name, (n, covered, mentions) in totals.items():
        print(f"| **all** | {name} | {n:,} | {covered:,} | {mentions:,} | |")
    print("identical" if not failed else f"{failed} texts differ")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
