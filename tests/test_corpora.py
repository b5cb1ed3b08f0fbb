"""End to end: ``framewatch run`` on each real corpus in ../shared/corpora.

Each corpus runs once (a real ``framewatch`` process, a fresh store) and the store is then
checked: counts reconcile with the input records, every outlet has daily aggregates whose
article totals equal its dated articles, the outlets are the corpus's canonical ones, and
loaded wording is found. A corpus that is absent is skipped with the reason. These runs take
about 3-15 s each.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines.schemas import ALL, ALL_TOPICS

pytestmark = pytest.mark.corpus

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
FRAMEWATCH = Path(sys.executable).with_name("framewatch")
SUMMARY_RE = re.compile(r"^ingested (\d+)(?: \(\d+ without a body: title and lead only\))?, "
                        r"duplicates (\d+), rejected (\d+)(?:, undated \d+ \(kept; [^)]*\))?, "
                        r"mentions (\d+) in \d+ articles(?: \(the whole store, scored again\))?"
                        r"(?:, left out as parts of names \d+ \([^)]*\))?, elapsed \d+\.\ds$")


@dataclass(frozen=True)
class Corpus:
    name: str
    file: str
    flags: tuple[str, ...]
    outlet_column: str
    n_outlets: int
    must_include: frozenset[str]


CASES = [
    Corpus("ruwa_ukraine_war_2022", "ruwa_dev.csv", ("--topic-column", "event"), "outlet_domain", 9,
           frozenset({"RT", "TASS", "Reuters", "BBC News", "Al Jazeera English"})),
    Corpus("rss_world_news_2023", "rss_world_news_2023.csv", (), "outlet", 24,
           frozenset({"RT", "Al Jazeera English", "BBC News", "New York Times", "Reuters"})),
    Corpus("kcna_2024", "kcna_articles.csv", ("--topic-column", "topics"), "outlet", 1, frozenset({"KCNA"})),
    Corpus("cn_state_vs_bbc_headlines_2022", "headlines.csv", (), "outlet", 5,
           frozenset({"CGTN", "Xinhua", "Global Times", "China Daily", "BBC News"})),
]


@dataclass
class Run:
    corpus: Corpus
    store: Path
    counts: dict[str, int]
    n_records: int
    raw_outlets: set[str]

    def query(self, sql: str, params=None) -> list[tuple]:
        con = duckdb.connect(str(self.store), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


def _read_records(path: Path, outlet_column: str) -> tuple[int, set[str]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        n, outlets = 0, set()
        for row in reader:
            n += 1
            outlets.add((row.get(outlet_column) or "").strip())
    return n, outlets - {""}


@pytest.fixture(scope="module", params=CASES, ids=[c.name for c in CASES])
def corpus_run(request, tmp_path_factory) -> Run:
    corpus: Corpus = request.param
    path = CORPORA / corpus.name / corpus.file
    if not path.is_file():
        pytest.skip(f"real corpus {corpus.name} not found at ../shared/corpora/{corpus.name}/{corpus.file} "
                    "(the corpora are not part of the repository)")
    store = tmp_path_factory.mktemp(corpus.name) / "store.duckdb"
    proc = subprocess.run([str(FRAMEWATCH), "run", "--input", str(path), "--store", str(store), "--fresh",
                           *corpus.flags], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one summary line, got {lines!r}"
    m = SUMMARY_RE.match(lines[0])
    assert m, f"summary line does not match: {lines[0]!r}"
    counts = dict(zip(("ingested", "duplicates", "rejected", "mentions"), map(int, m.groups())))
    n_records, raw_outlets = _read_records(path, corpus.outlet_column)
    return Run(corpus, store, counts, n_records, raw_outlets)


def test_counts_reconcile_with_the_input(corpus_run: Run):
    c = corpus_run.counts
    assert corpus_run.n_records == c["ingested"] + c["duplicates"] + c["rejected"]
    (n_input, n_ingested, n_dup, n_rej, n_men), = corpus_run.query(
        "SELECT n_input, n_ingested, n_duplicates, n_rejected, n_mentions FROM runs WHERE stage = 'run'")
    assert (n_input, n_ingested, n_dup, n_rej, n_men) == (
        corpus_run.n_records, c["ingested"], c["duplicates"], c["rejected"], c["mentions"])
    assert corpus_run.query("SELECT count(*), sum(n_copies) FROM articles") == [
        (c["ingested"], c["ingested"] + c["duplicates"])]
    assert corpus_run.query("SELECT count(*) FROM rejects") == [(c["rejected"],)]
    assert corpus_run.query("SELECT count(*) FROM mentions") == [(c["mentions"],)]


def test_every_outlet_has_daily_aggregates_that_add_up(corpus_run: Run):
    dated = dict(corpus_run.query("SELECT outlet, count(published_at) FROM articles GROUP BY 1"))
    daily = dict(corpus_run.query("SELECT outlet, sum(n_articles) FROM daily WHERE topic = ? AND category = ? "
                                  "AND voice = ? GROUP BY 1", [ALL_TOPICS, ALL, ALL]))
    assert set(daily) == set(dated)
    assert all(n > 0 for n in daily.values())
    assert daily == dated
    no_rows = corpus_run.query("SELECT outlet FROM articles EXCEPT SELECT outlet FROM daily WHERE n_articles > 0")
    assert no_rows == []


def test_outlets_are_the_corpus_canonical_outlets(corpus_run: Run):
    corpus = corpus_run.corpus
    outlets = {o for (o,) in corpus_run.query("SELECT DISTINCT outlet FROM articles")}
    assert len(outlets) == corpus.n_outlets, sorted(outlets)
    assert corpus.must_include <= outlets, sorted(outlets)
    # One canonical outlet per distinct outlet value of the input: none split, none merged.
    assert len(corpus_run.raw_outlets) == corpus.n_outlets


def test_loaded_wording_is_found(corpus_run: Run):
    assert corpus_run.counts["mentions"] > 0
    by_outlet = corpus_run.query("SELECT a.outlet, count(*) FROM mentions m JOIN articles a USING (article_id) "
                                 "GROUP BY 1")
    assert by_outlet


def test_topics_cover_every_article(corpus_run: Run):
    missing = corpus_run.query("SELECT count(*) FROM articles WHERE article_id NOT IN "
                               "(SELECT article_id FROM article_topics)")
    assert missing == [(0,)]


@pytest.mark.parametrize("corpus_run", [c for c in CASES if c.name == "kcna_2024"], indirect=True,
                         ids=["kcna_2024"])
def test_kcna_loaded_wording_in_its_own_voice_and_in_others(corpus_run: Run):
    voices = dict(corpus_run.query("SELECT voice, count(*) FROM mentions GROUP BY 1"))
    assert voices.get("outlet", 0) > 0
    assert voices.get("quoted", 0) + voices.get("attributed", 0) > 0


def test_frames_scored_for_every_article_and_frame(corpus_run: Run):
    n_articles = corpus_run.query("SELECT count(*) FROM articles")[0][0]
    rows = corpus_run.query("SELECT count(*), count(DISTINCT article_id), count(DISTINCT frame) FROM article_frames "
                            "WHERE method = 'lexicon'")
    assert rows == [(15 * n_articles, n_articles, 15)]
    # An article uses 'other' exactly when it uses no substantive frame; every token is in its article.
    assert corpus_run.query("SELECT count(*) FROM (SELECT article_id FROM article_frames WHERE method = 'lexicon' "
                            "GROUP BY 1 HAVING bool_or(uses_frame AND frame = 'other') = "
                            "bool_or(uses_frame AND frame <> 'other'))") == [(0,)]
    assert corpus_run.query("SELECT count(*) FROM frame_mentions f JOIN articles a USING (article_id) "
                            "WHERE f.end_char > length(a.text) OR f.start_char >= f.end_char") == [(0,)]
    assert corpus_run.query("SELECT count(*) FROM article_frames WHERE method = 'lexicon' AND uses_frame "
                            "AND frame <> 'other'")[0][0] > 0


def test_frame_cells_count_the_tokens_their_concordance_shows(corpus_run: Run):
    # The heatmap's hover gives k articles and the cell's tokens; the Concordance it links to lists the tokens
    # of exactly those k articles. Tokens of articles below the threshold are in neither (KCNA, Security &
    # defense: 188 articles, 2,462 tokens; the hover once said 2,675, counting 168 articles below it as well).
    from pipelines.frames import evidence_spans, frame_matrix
    from pipelines.rollups import Filters

    con = duckdb.connect(str(corpus_run.store), read_only=True)
    try:
        m = frame_matrix(con, Filters())
        below = 0
        for outlet, frame, k, tokens in zip(m["outlet"], m["frame"], m["n_articles_with_frame"], m["n_tokens"]):
            if frame == "other" or not k:
                continue
            lines = evidence_spans(con, Filters(), key=frame, outlet=outlet, limit=10**7)
            assert (int(tokens), int(k)) == (len(lines), lines["article_id"].nunique()), (outlet, frame)
            below += con.execute("SELECT count(*) FROM frame_mentions f JOIN articles a USING (article_id) "
                                 "WHERE a.outlet = ? AND f.frame = ? AND f.voice = 'outlet'",
                                 [outlet, frame]).fetchone()[0] - int(tokens)
    finally:
        con.close()
    assert below > 0      # the corpus has articles below the threshold, so the old count would differ
