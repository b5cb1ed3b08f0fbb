"""Benchmark the score stage and the peak memory of a whole run on 20,000 full-text articles.

Standalone: ``python benchmarks/bench_score.py [--articles N] [--repeat R] [--profile] [--no-run]``.

1. Builds a seeded synthetic corpus: N articles (default 20,000) of about 600 words over 5
   invented outlets, with neutral reporting sentences, direct quotations (straight and curly
   marks, a few unbalanced), reported speech ("X said that ...", "according to X", "insisting
   that ...") and about 8 terms of the built-in lexicon per article, in the outlet's own voice,
   quoted and attributed.
2. Times :func:`pipelines.score.score_articles` -- matching + voice + topics, with the fitted
   matchers built once as :func:`pipelines.run.run_pipeline` does -- on ONE core
   (``os.sched_setaffinity(0, {0})``), in chunks of :data:`pipelines.run.SCORE_CHUNK`
   articles like the pipeline; prints the median of R runs (default 3) as articles/s, with a
   per-step breakdown on 2,000 articles.
3. Writes the corpus as JSONL and runs the whole :func:`pipelines.run.run_pipeline` (ingest,
   score, aggregate into a fresh store) in a subprocess, reporting its wall time and peak
   resident memory (``resource.getrusage``, ``ru_maxrss``).

Targets (issue 2): >= 3,000 articles/s for the score stage on one core; peak memory of the
20,000-article run < 1.5 GB. With ``--profile``, prints the top 10 functions by own time
(cProfile, ``tottime``) of scoring 2,000 articles.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines import _compiled  # noqa: E402
from pipelines.lexicon import LexiconMatcher, load_lexicon  # noqa: E402
from pipelines.quotes import count_words_by_voice, find_quotes, voice_of  # noqa: E402
from pipelines.run import SCORE_CHUNK  # noqa: E402
from pipelines.score import score_articles  # noqa: E402
from pipelines.text import count_words, matching_copy  # noqa: E402
from pipelines.topics import TopicMatcher, read_topics  # noqa: E402

TARGET_RATE = 3000
TARGET_RSS_MB = 1536

OUTLETS = ("Harbour Herald", "Northern Courier", "Valley Gazette", "Coastal Wire", "Summit Daily")

PLACES = ("the capital", "the border region", "the northern provinces", "the port city", "the coastal towns",
          "the disputed islands", "the eastern districts", "the mountain villages")
SUBJECTS = ("the finance ministry", "the regional council", "the central bank", "the coalition government",
            "the opposition bloc", "the trade delegation", "the energy regulator", "the defence committee")
TOPICS_WORDS = ("sanctions", "grain exports", "the nuclear talks", "NATO enlargement", "the Taiwan Strait",
                "the ceasefire in Ukraine", "oil prices", "the Iran deal", "missile tests", "refugee flows")
SPEAKERS = ("Foreign Minister Lena Hartwig", "a spokesman for the ministry", "Senator Paul Okafor",
            "the state news agency", "Kim Sol Ju, a senior official", "Defence Secretary Ana Ribeiro",
            "the opposition leader", "an analyst at the Lakeside Institute")
NEUTRAL = (
    "Officials from {subj} met behind closed doors in {place} for several hours on {day}.",
    "The talks focused on {topic}, according to a statement published after the meeting.",
    "Prices of fuel and grain rose again last month, and traders in {place} expect further increases.",
    "Residents of {place} described long queues at the checkpoints and shortages of medicine.",
    "{Subj} published its annual report on the economy, energy supplies and public spending.",
    "The delegation is expected to travel to {place} next week for a second round of discussions.",
    "Analysts have followed {topic} closely since the 1990s, when the first agreements were signed.",
    "The country's exports fell by four per cent in the third quarter, the statistics office said.",
    "Several thousand people gathered in {place} on {day} to mark the anniversary of the agreement.",
    "Shipping companies rerouted vessels away from {place} after insurers raised their premiums.",
    "The vote on the budget was postponed until after the holidays, a parliamentary aide said.",
    "Schools in {place} reopened on {day} after repairs to roofs damaged in the winter storms.",
    "{Subj} said it would publish detailed figures on {topic} by the end of the month.",
    "Diplomats described the mood at the summit as cautious but workmanlike.",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Sentences carrying one loaded term ({t}) in each voice.
OUTLET_VOICE = (
    "The {t} once again showed its true face in {place}.",
    "Behind the latest moves on {topic} stands the {t}, as events in {place} make clear.",
    "Nobody should be surprised by the {t} any longer.",
)
QUOTED_VOICE = (
    "\u201cThis is nothing but {t},\u201d said {speaker}.",
    "\"We reject the {t} outright,\" {speaker} told reporters in {place}.",
    "{Speaker} called the plan \u2018{t}\u2019 and left the room.",
    "\u201cThe people of {place} know the {t} for what it is. They will not be fooled.\u201d",
)
ATTRIBUTED_VOICE = (
    "{Speaker} said that the {t} would not go unanswered.",
    "According to {speaker}, the {t} is a threat to the whole region.",
    "{Speaker} dismissed the proposal, insisting that the {t} had failed.",
    "The agency reported that the {t} had been discussed at length in {place}.",
)


def _terms() -> list[str]:
    lexicon, _ = load_lexicon()
    return [e.term for e in lexicon.entries if not e.ignore and not e.term.endswith("*")]


def _fill(template: str, rng: random.Random, term: str = "") -> str:
    subj, speaker = rng.choice(SUBJECTS), rng.choice(SPEAKERS)
    return template.format(t=term, place=rng.choice(PLACES), subj=subj, Subj=subj[0].upper() + subj[1:],
                           topic=rng.choice(TOPICS_WORDS), day=rng.choice(DAYS), speaker=speaker,
                           Speaker=speaker[0].upper() + speaker[1:])


CORPUS_START = datetime(2022, 1, 1, tzinfo=timezone.utc)
CORPUS_END = datetime(2026, 1, 1, tzinfo=timezone.utc)
"""The synthetic corpora's publication times lie in [CORPUS_START, CORPUS_END): all in the past, so
ingest dates every article (a date after the ingest time is left undated)."""


def published(i: int, n: int) -> str:
    """Publication time of article *i* of *n* (ISO 8601, UTC): 37 minutes apart from
    :data:`CORPUS_START` while *n* of them fit before :data:`CORPUS_END` (up to ~56,800 articles),
    closer for larger *n* (a million: about 2 minutes apart, ~680 a day over four years)."""
    step = min(37 * 60.0, (CORPUS_END - CORPUS_START).total_seconds() / max(n, 1))
    return (CORPUS_START + timedelta(seconds=int(i * step))).isoformat().replace("+00:00", "Z")


def make_corpus(n: int, words: int = 600, terms_per_article: int = 8, seed: int = 11) -> pd.DataFrame:
    """*n* synthetic articles as a frame with the columns of the ``articles`` table that scoring reads.

    Columns: ``article_id, outlet, published, title, text, topics_raw, url``.
    """
    rng = random.Random(seed)
    terms = _terms()
    loaded = [OUTLET_VOICE, QUOTED_VOICE, ATTRIBUTED_VOICE]
    rows = []
    for i in range(n):
        sentences, count = [], 0
        while count < words - 11 * terms_per_article:  # the loaded sentences add ~11 words each
            s = _fill(rng.choice(NEUTRAL), rng)
            sentences.append(s)
            count += len(s.split())
        for _ in range(terms_per_article):
            s = _fill(rng.choice(rng.choice(loaded)), rng, rng.choice(terms))
            sentences.insert(rng.randrange(len(sentences) + 1), s)
        if rng.random() < 0.03:
            sentences.append("He said \u201cthis quotation never closes")
        paras, k = [], 0
        while k < len(sentences):
            step = rng.randint(2, 5)
            paras.append(" ".join(sentences[k:k + step]))
            k += step
        rows.append({
            "article_id": f"bench-{i:06d}",
            "outlet": OUTLETS[i % len(OUTLETS)],
            "published": published(i, n),
            "title": f"{_fill(rng.choice(NEUTRAL), rng).split(',')[0][:80]} ({i})",
            "text": "\n\n".join(paras),
            "topics_raw": None,
            "url": f"https://{OUTLETS[i % len(OUTLETS)].lower().replace(' ', '')}.example/{i}",
        })
    return pd.DataFrame(rows)


def time_score(corpus: pd.DataFrame, lexicon, matcher, topic_matcher) -> tuple[float, int]:
    """Seconds to score *corpus* in pipeline-sized chunks, and the mentions found."""
    t0 = time.perf_counter()
    n_mentions = 0
    for s in range(0, len(corpus), SCORE_CHUNK):
        chunk = corpus.iloc[s:s + SCORE_CHUNK][["article_id", "title", "text", "topics_raw"]]
        result = score_articles(chunk, lexicon, topic_matcher, use_topic_column=True, matcher=matcher)
        n_mentions += len(result.mentions)
    return time.perf_counter() - t0, n_mentions


def breakdown(texts: list[str], titles: list[str], matcher, topic_matcher) -> dict[str, float]:
    """Microseconds per article spent in each step of scoring."""
    out = {}
    t = time.perf_counter()
    copies = [matching_copy(x) for x in texts]
    out["matching copy"] = time.perf_counter() - t
    t = time.perf_counter()
    found = [matcher.find(x, c, o) for x, (c, o) in zip(texts, copies)]
    out["lexicon matching"] = time.perf_counter() - t
    t = time.perf_counter()
    quotes = [find_quotes(x) for x in texts]
    out["find quotes"] = time.perf_counter() - t
    t = time.perf_counter()
    for q, ms in zip(quotes, found):
        for m in ms:
            voice_of(q, m.start, m.end)
    out["voice of mentions"] = time.perf_counter() - t
    t = time.perf_counter()
    for x, q in zip(texts, quotes):
        count_words_by_voice(x, q)
    out["words by voice"] = time.perf_counter() - t
    t = time.perf_counter()
    for (c, _), title in zip(copies, titles):
        topic_matcher.topics_of(c, matching_copy(title)[0])
    out["topics"] = time.perf_counter() - t
    return {k: 1e6 * v / len(texts) for k, v in out.items()}


_RUN_SCRIPT = """
import json, os, resource, sys, time
from pathlib import Path
if hasattr(os, "sched_setaffinity"):  # undo the parent's pinning: the whole run gets every core
    os.sched_setaffinity(0, range(os.cpu_count()))
sys.path.insert(0, sys.argv[3])
from pipelines.run import run_pipeline
t0 = time.perf_counter()
s = run_pipeline(sys.argv[1], [Path(sys.argv[2])], fresh=True)
print(json.dumps({"elapsed": time.perf_counter() - t0, "line": s.line(),
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run_whole(corpus: pd.DataFrame, workdir: Path) -> dict:
    """Write *corpus* as JSONL and run the whole pipeline on it in a fresh process."""
    path = workdir / "bench_articles.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for rec in corpus.drop(columns=["article_id", "topics_raw"]).rename(columns={"text": "body"}).to_dict(
                "records"):
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    proc = subprocess.run([sys.executable, "-c", _RUN_SCRIPT, str(workdir / "bench.duckdb"), str(path), str(ROOT)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"the whole run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(rows: list[tuple[str, str, str, str]]) -> str:
    head = ("measure", "result", "target", "ok")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(4)]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths))  # noqa: E731
    return "\n".join([line(head), line(tuple("-" * w for w in widths)), *map(line, rows)])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=20_000, help="synthetic articles (default 20,000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (default 3)")
    ap.add_argument("--profile", action="store_true", help="cProfile 2,000 articles, print the top 10 by tottime")
    ap.add_argument("--no-run", action="store_true", help="skip the whole-pipeline memory run")
    args = ap.parse_args(argv)

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    t = time.perf_counter()
    corpus = make_corpus(args.articles)
    gen_s = time.perf_counter() - t
    words = corpus["text"].map(count_words)
    lexicon, _ = load_lexicon()
    matcher = LexiconMatcher(lexicon).fit()
    topic_matcher = TopicMatcher(read_topics()).fit()
    print(f"corpus: {len(corpus):,} synthetic articles, {words.mean():.0f} words on average "
          f"(generated in {gen_s:.1f}s); lexicon {lexicon.version}, {len(lexicon.entries)} entries; "
          f"chunks of {SCORE_CHUNK}; cores: {sorted(os.sched_getaffinity(0))}")
    print(_compiled.summary())   # compiled or from source (FRAMEWATCH_PURE_PYTHON=1): say which was timed

    time_score(corpus.iloc[:500], lexicon, matcher, topic_matcher)  # warm up
    runs = [time_score(corpus, lexicon, matcher, topic_matcher) for _ in range(args.repeat)]
    times = [r[0] for r in runs]
    n_mentions = runs[0][1]
    rate = len(corpus) / statistics.median(times)
    print(f"score runs (s): {', '.join(f'{x:.2f}' for x in times)}; mentions {n_mentions:,} "
          f"({n_mentions / len(corpus):.1f} per article)")

    sample = corpus.iloc[:2000]
    steps = breakdown(sample["text"].tolist(), sample["title"].tolist(), matcher, topic_matcher)
    print("\nper-article cost by step (2,000 articles, one core):")
    for k, v in steps.items():
        print(f"  {k:<20} {v:8.1f} µs")
    print(f"  {'sum':<20} {sum(steps.values()):8.1f} µs  (~{1e6 / sum(steps.values()):,.0f} articles/s)")

    rows = [("score stage, articles/s (median of %d, 1 core)" % args.repeat, f"{rate:,.0f}", f">= {TARGET_RATE:,}",
             "yes" if rate >= TARGET_RATE else "NO")]
    if not args.no_run:
        with tempfile.TemporaryDirectory(prefix="fw-bench-") as tmp:
            res = run_whole(corpus, Path(tmp))
        rss_mb = res["maxrss_kb"] / 1024
        print(f"\nwhole run: {res['line']}")
        rows.append((f"whole run_pipeline on {len(corpus):,} articles, peak RSS (MB)", f"{rss_mb:,.0f}",
                     f"< {TARGET_RSS_MB:,}", "yes" if rss_mb < TARGET_RSS_MB else "NO"))
        rows.append((f"whole run_pipeline on {len(corpus):,} articles, wall (s)", f"{res['elapsed']:.1f}", "-", "-"))
    print()
    print(table(rows))

    if args.profile:
        prof = cProfile.Profile()
        chunk = sample[["article_id", "title", "text", "topics_raw"]]
        prof.enable()
        score_articles(chunk, lexicon, topic_matcher, matcher=matcher)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(10)
        print("\ncProfile of scoring 2,000 articles, top 10 by tottime:")
        print(out.getvalue())


if __name__ == "__main__":
    main()
