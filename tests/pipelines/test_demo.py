"""Tests of the synthetic demo corpus generator (:mod:`pipelines.demo`)."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
import yaml

from pipelines.demo import DEMO_TERMS, EVENT_NAME, DemoCorpus, generate_demo_corpus

LEXICON = Path(__file__).resolve().parents[2] / "data" / "lexicon" / "loaded_wording.csv"

WIRE = "Northgate Wire"
BROADCASTER = "Westmark Broadcasting Corporation"
STATE_PEJORATIVE = "Voice of the Fatherland"
STATE_GLORIFYING = "Eastern Star Daily"
COMMERCIAL = "Meridian Herald"
SMALL = "Riverside Post"

_NON_ALNUM = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lowercase, non-alphanumerics to one space (hyphen, apostrophe, NBSP ~ space)."""
    return _NON_ALNUM.sub(" ", text.lower()).strip()


# Longest term first, so "puppet regime" wins over "puppet" and "regime" at the same start;
# leftmost match wins otherwise, and matches never overlap (a nested term is counted once).
_TERMS_BY_FOLD = {fold(t): t for t in DEMO_TERMS}
_TERM_RE = re.compile(r"\b(?:" + "|".join(
    " +".join(map(re.escape, f.split()))
    for f in sorted(_TERMS_BY_FOLD, key=len, reverse=True)) + r")\b")


def _term_of(match: re.Match) -> str:
    return _TERMS_BY_FOLD[" ".join(match.group(0).split())]


def count_terms(text: str) -> Counter:
    return Counter(_term_of(m) for m in _TERM_RE.finditer(fold(text)))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> DemoCorpus:
    return generate_demo_corpus(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def articles(corpus) -> list[dict]:
    with open(corpus.articles_path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def truth(corpus) -> list[dict]:
    with open(corpus.truth_path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def outlet_of(articles) -> dict[str, str]:
    return {a["id"]: a["outlet"] for a in articles}


def _month(published: str) -> tuple[int, int]:
    when = datetime.fromisoformat(published)
    return when.year, when.month


def _months_between(a: tuple[int, int], b: tuple[int, int]) -> int:
    return (b[0] - a[0]) * 12 + b[1] - a[1]


# ---------------------------------------------------------------------------------- shape


def test_size_outlets_and_span(corpus, articles):
    assert corpus.n_articles == len(articles) >= 2000
    assert len({a["outlet"] for a in articles}) >= 5
    months = sorted(_month(a["published"]) for a in articles)
    assert _months_between(months[0], months[-1]) + 1 >= 18


def _is_local(title: str) -> bool:
    """True for a title written from a local topic's templates (weather, sports, culture)."""
    from pipelines import demo

    patterns = [re.escape(t).replace(re.escape("{place}"), ".+") for topic in demo._LOCAL
                for t in demo._TOPICS[topic]["titles"]]
    return any(re.fullmatch(p, title) for p in patterns)


def test_records_have_exactly_the_declared_keys_and_valid_values(articles):
    keys = ["id", "outlet", "published", "title", "body", "url", "synthetic"]
    assert len({a["id"] for a in articles}) == len(articles)
    assert len({a["url"] for a in articles}) == len(articles)
    for a in articles:
        assert list(a) == keys
        assert a["synthetic"] is True
        assert re.fullmatch(r"[a-z]+-\d{6}", a["id"])
        when = datetime.fromisoformat(a["published"])
        assert when.utcoffset() is not None
        assert re.search(r"(Z|[+-]\d\d:\d\d)$", a["published"])
        n_words = len(a["body"].split())
        low, high = (100, 300) if _is_local(a["title"]) else (250, 700)   # local stories are short briefs
        assert low <= n_words <= high, (a["id"], a["title"], n_words)
        assert a["body"].count("\n\n") >= 2


def test_published_offsets_vary_and_some_are_zulu(articles):
    suffixes = {re.search(r"(Z|[+-]\d\d:\d\d)$", a["published"]).group(1) for a in articles}
    assert "Z" in suffixes
    assert len(suffixes) >= 4


def test_urls_are_on_synthetic_hosts_with_date_path(articles):
    for a in articles:
        url = urlparse(a["url"])
        assert url.scheme == "https"
        assert url.hostname.endswith(".synthetic.example")
        assert url.path.startswith(datetime.fromisoformat(a["published"]).strftime("/%Y/%m/%d/"))


def test_outlet_registry_is_all_synthetic_and_covers_every_outlet(corpus, articles):
    document = yaml.safe_load(corpus.outlets_path.read_text(encoding="utf-8"))
    entries = document["outlets"]
    assert all(e["type"] == "synthetic" for e in entries)
    assert {e["name"] for e in entries} == {a["outlet"] for a in articles}
    hosts = {e["name"]: e["domains"] for e in entries}
    for a in articles:
        assert urlparse(a["url"]).hostname in hosts[a["outlet"]]


def test_outlet_registry_loads_with_the_registry_reader(corpus):
    from pipelines.outlets import read_registry

    registry = read_registry([corpus.outlets_path])
    url = "https://northgate-wire.synthetic.example/2024/01/02/x-1"
    assert registry.canonical(None, url)[0] == WIRE
    assert registry.info(STATE_PEJORATIVE)["type"] == "synthetic"


def test_readme_says_synthetic_with_seed_and_counts(corpus):
    text = corpus.readme_path.read_text(encoding="utf-8")
    assert "SYNTHETIC" in text
    assert "fictional" in text and "not real news" in text.lower()
    assert "seed: 7" in text
    assert f"articles: {corpus.n_articles}" in text


def test_text_has_real_world_typography(articles):
    bodies = "".join(a["body"] for a in articles)
    for char in ["\u201c", "\u201d", '"', "\u2019", "\u2013", "\u00a0"]:
        assert char in bodies, repr(char)
    assert "war-games" in bodies and "so-called" in bodies


# ----------------------------------------------------------------------------- determinism


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, corpus):
    again = generate_demo_corpus(tmp_path / "again")
    other = generate_demo_corpus(tmp_path / "other", seed=8)
    for name in ["articles_path", "truth_path", "outlets_path", "readme_path"]:
        assert getattr(again, name).read_bytes() == getattr(corpus, name).read_bytes(), name
    assert other.articles_path.read_bytes() != corpus.articles_path.read_bytes()
    assert other.truth_path.read_bytes() != corpus.truth_path.read_bytes()


def test_small_corpus_and_bad_arguments(tmp_path):
    small = generate_demo_corpus(tmp_path, n_articles=40, months=4)
    assert small.n_articles == 40
    with pytest.raises(ValueError, match="n_articles >= 1"):
        generate_demo_corpus(tmp_path, n_articles=0)


# ------------------------------------------------------------------------------ coverage


def test_small_outlet_has_a_month_without_articles(articles):
    months = {_month(a["published"]) for a in articles if a["outlet"] == SMALL}
    first, last = min(months), max(months)
    span = _months_between(first, last) + 1
    assert span > len(months), "expected a collection gap between first and last article"
    per_outlet = Counter(a["outlet"] for a in articles)
    assert per_outlet[SMALL] == min(per_outlet.values())


TOPIC_WORDS = ["ukraine", "kyiv", "north korea", "pyongyang", "sanctions", "nato", "nuclear",
               "taiwan", "gaza", "iran", "tehran", "israel", "russia", "moscow", "china",
               "beijing", "korean"]


def test_topics_and_a_non_empty_no_topic_bucket(articles):
    hits = Counter()
    no_topic = 0
    for a in articles:
        text = fold(a["title"] + " " + a["body"])
        found = [w for w in TOPIC_WORDS if re.search(rf"\b{w}\b", text)]
        hits.update(found)
        no_topic += not found
    for word in ["ukraine", "pyongyang", "sanctions", "nato", "nuclear", "taiwan", "gaza",
                 "tehran"]:
        assert hits[word] >= 50, word
    assert 0.05 * len(articles) <= no_topic <= 0.5 * len(articles)


# ------------------------------------------------------------------------------- truth


def test_truth_counts_equal_term_occurrences_in_bodies(articles, truth):
    expected = defaultdict(Counter)
    for t in truth:
        expected[t["id"]][t["term"]] += 1
    assert {t["voice"] for t in truth} == {"outlet", "quoted", "attributed"}
    for a in articles:
        assert count_terms(a["body"]) == expected.get(a["id"], Counter()), a["id"]
        assert count_terms(a["title"]) == Counter(), a["id"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_truth_is_exact_for_other_seeds(tmp_path, seed):
    c = generate_demo_corpus(tmp_path, n_articles=600, seed=seed)
    expected = defaultdict(Counter)
    for line in c.truth_path.read_text(encoding="utf-8").splitlines():
        t = json.loads(line)
        expected[t["id"]][t["term"]] += 1
    for line in c.articles_path.read_text(encoding="utf-8").splitlines():
        a = json.loads(line)
        assert count_terms(a["body"]) == expected.get(a["id"], Counter()), a["id"]


def test_fold_and_count_helpers():
    text = ("The imperialists\u2019 lackeys and the puppet regime held war-games; "
            "the Kyiv regime\u2019s so called plan. A puppet, then a regime!")
    assert count_terms(text) == Counter({"imperialists' lackeys": 1, "puppet regime": 1,
                                         "war games": 1, "Kyiv regime": 1, "so-called": 1,
                                         "puppet": 1, "regime": 1})


_CUES = re.compile(r"\b(said|says|insisted|claimed|warned|argued|according to|accused|"
                   r"dismissed)\b")
_SENTENCE_END = re.compile(r"[.!?][\"\u201d]?(?:\s|$)")


def _quote_state(paragraph: str) -> list[bool]:
    """For each character of a paragraph: inside a double-quoted span?"""
    inside, state = False, []
    for i, ch in enumerate(paragraph):
        # A scare quote ‘...’ opens after a space and closes before a non-letter.
        if ch == "\u2018" and (i == 0 or not paragraph[i - 1].isalnum()):
            state.append(True)
            inside = True
            continue
        if ch == "\u2019" and inside and (i + 1 == len(paragraph) or not paragraph[i + 1].isalnum()) \
                and "\u2018" in paragraph[:i]:
            state.append(True)
            inside = False
            continue
        if ch == "\u201c" or (ch == '"' and not inside):
            state.append(True)
            inside = True
            continue
        if ch == "\u201d" or (ch == '"' and inside):
            state.append(True)
            inside = False
            continue
        state.append(inside)
    return state


def test_truth_voice_is_what_the_text_shows(articles, truth):
    """Quoted terms sit inside double quotes; attributed ones in a sentence with a cue."""
    by_id = defaultdict(list)
    for t in truth:
        by_id[t["id"]].append(t)
    for a in articles:
        found = []
        for paragraph in a["body"].split("\n\n"):
            # Fold one character for one, so match offsets are offsets into the paragraph.
            flat = re.sub(r"[\W_]", " ", paragraph.lower())
            quoted = _quote_state(paragraph)
            for m in _TERM_RE.finditer(flat):
                sentence_start = max([e.end() for e in _SENTENCE_END.finditer(
                    paragraph, 0, m.start())] or [0])
                ends = _SENTENCE_END.search(paragraph, m.end())
                sentence = paragraph[sentence_start: ends.end() if ends else len(paragraph)]
                if quoted[m.start()]:
                    voice = "quoted"
                elif _CUES.search(sentence) and "\u201c" not in sentence \
                        and '"' not in sentence:
                    voice = "attributed"
                else:
                    voice = "outlet"
                found.append((_term_of(m), voice))
        assert found == [(t["term"], t["voice"]) for t in by_id[a["id"]]], a["id"]


# ------------------------------------------------------------------------------ habits


def _voice_shares(truth, outlet_of) -> dict[str, dict[str, float]]:
    counts = defaultdict(Counter)
    for t in truth:
        counts[outlet_of[t["id"]]][t["voice"]] += 1
    return {o: {v: c[v] / sum(c.values()) for v in ("outlet", "quoted", "attributed")}
            for o, c in counts.items()}


def test_outlet_habits_differ_as_promised(articles, truth, outlet_of):
    shares = _voice_shares(truth, outlet_of)
    assert shares[WIRE]["outlet"] < 0.2
    assert shares[WIRE]["quoted"] + shares[WIRE]["attributed"] > 0.8
    assert shares[STATE_PEJORATIVE]["outlet"] > 0.5
    assert shares[STATE_GLORIFYING]["outlet"] > 0.5
    assert shares[COMMERCIAL]["outlet"] > 0.5
    assert shares[BROADCASTER]["attributed"] == max(shares[BROADCASTER].values())

    per_article = Counter(outlet_of[t["id"]] for t in truth)
    n_articles = Counter(a["outlet"] for a in articles)
    rate = {o: per_article[o] / n_articles[o] for o in n_articles}
    assert rate[BROADCASTER] < 0.5 * rate[STATE_PEJORATIVE]
    assert rate[BROADCASTER] < rate[WIRE]

    terms = defaultdict(Counter)
    for t in truth:
        if t["voice"] == "outlet":
            terms[outlet_of[t["id"]]][t["term"]] += 1
    top = {o: {term for term, _ in c.most_common(5)} for o, c in terms.items()}
    assert {"imperialists", "puppet regime", "war games"} & top[STATE_PEJORATIVE]
    assert {"special military operation", "liberated", "heroic"} & top[STATE_GLORIFYING]
    assert {"so-called", "regime", "fake news", "baseless allegations"} & top[COMMERCIAL]


def test_commercial_outlet_uses_scare_quotes(articles):
    bodies = [a["body"] for a in articles if a["outlet"] == COMMERCIAL]
    assert sum("\u2018regime\u2019" in b for b in bodies) >= 10
    assert sum("\u201celections\u201d" in b for b in bodies) >= 5


def test_glorifying_state_outlet_rises_after_the_event(articles, truth, outlet_of):
    event = next(a for a in articles if EVENT_NAME in a["body"])
    event_day = datetime.fromisoformat(event["published"]).date()
    own = Counter(t["id"] for t in truth if t["voice"] == "outlet")
    before, after = [], []
    for a in articles:
        if a["outlet"] == STATE_GLORIFYING:
            day = datetime.fromisoformat(a["published"]).date()
            (after if day >= event_day else before).append(own[a["id"]])
    assert before and after
    assert sum(after) / len(after) > 2 * sum(before) / len(before)


# ------------------------------------------------------------------------------ lexicon


def _lexicon_forms(path: Path) -> set[str]:
    forms = set()
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            forms.add(fold(row["term"]))
            forms.update(fold(v) for v in (row.get("variants") or "").split("|") if v.strip())
    return forms


@pytest.mark.skipif(not LEXICON.exists(),
                    reason=f"built-in lexicon {LEXICON} not written yet; the generator's "
                           "terms cannot be checked against it")
def test_every_planted_term_is_in_the_builtin_lexicon(truth):
    forms = _lexicon_forms(LEXICON)
    assert {t["term"] for t in truth} <= set(DEMO_TERMS)
    missing = sorted(t for t in DEMO_TERMS if fold(t) not in forms)
    assert not missing, f"terms planted by the demo generator but absent from {LEXICON}"


@pytest.mark.skipif(not LEXICON.exists(),
                    reason=f"built-in lexicon {LEXICON} not written yet")
def test_builtin_matcher_counts_exactly_the_planted_terms(articles, truth):
    """The whole built-in lexicon (not only the planted terms) finds nothing unplanted."""
    from pipelines.lexicon import LexiconMatcher, load_lexicon

    lexicon, _ = load_lexicon()
    matcher = LexiconMatcher(lexicon).fit()
    expected = defaultdict(Counter)
    for t in truth:
        expected[t["id"]][t["term"]] += 1
    for a in articles:
        found = Counter(lexicon.entries[m.entry].term for m in matcher.find(a["body"]))
        assert found == expected.get(a["id"], Counter()), a["id"]
        assert matcher.find(a["title"]) == [], a["id"]


# ------------------------------------------------------------------------------ republication

COPIERS = {"Capital Ledger": WIRE, "Riverside Post": WIRE, STATE_PEJORATIVE: STATE_GLORIFYING}
"""Republishing outlet -> the outlet whose stories it republishes."""


def _copies(articles) -> list[tuple[dict, dict]]:
    """(copy, original) pairs: a copy has the original's title at another outlet, later."""
    by_title = defaultdict(list)
    for a in articles:
        by_title[(a["title"], a["outlet"])].append(a)
    pairs = []
    for a in articles:
        source = COPIERS.get(a["outlet"])
        for o in by_title.get((a["title"], source), []) if source else []:
            if _paragraphs_in(o["body"], a["body"]) and o["published"] != a["published"]:
                pairs.append((a, o))
    return pairs


def _paragraphs_in(original: str, copy: str) -> bool:
    """Every paragraph of the original but the first is in the copy, in order, unchanged (the
    end marker of Voice of the Fatherland aside)."""
    rest = original.split("\n\n")[1:]
    body = copy.removesuffix(" -0-")
    return "\n\n".join(rest) in body


def test_copies_carry_the_original_text_and_truth_some_hours_later(articles, truth):
    pairs = _copies(articles)
    per_copier = Counter(c["outlet"] for c, _ in pairs)
    n = len(articles)
    # 5 %, 1 % and 1 % of the 2,400 articles asked for (copies count in them).
    assert per_copier == {"Capital Ledger": round(0.05 * n), "Riverside Post": round(0.01 * n),
                          STATE_PEJORATIVE: round(0.01 * n)}
    by_id = defaultdict(list)
    for t in truth:
        by_id[t["id"]].append((t["term"], t["voice"]))
    styles = Counter()
    for copy, original in pairs:
        lag = (datetime.fromisoformat(copy["published"]) - datetime.fromisoformat(original["published"]))
        assert 1 <= lag.total_seconds() / 3600 <= 31, (copy["id"], lag)
        assert by_id[copy["id"]] == by_id[original["id"]], copy["id"]
        assert copy["url"] != original["url"]
        if copy["body"] == original["body"]:
            styles["verbatim"] += 1
        elif copy["body"].endswith("This story was first published by Northgate Wire."):
            styles["footer"] += 1
        elif copy["outlet"] == "Riverside Post":
            assert "(Northgate Wire) \u2013" not in copy["body"].split("\n\n")[0]
            assert copy["body"].endswith("Northgate Wire contributed to this report.")
            styles["first line"] += 1
        else:
            assert copy["body"].startswith("Republished from Eastern Star Daily.\n\n")
            assert copy["body"].endswith(" -0-")
            styles["state"] += 1
    assert styles["verbatim"] > 0 and styles["footer"] > 0
    assert styles["first line"] == round(0.01 * n) and styles["state"] == round(0.01 * n)


def test_copies_cluster_with_their_original_which_comes_first(articles):
    """The store's near-duplicate detection (word 5-shingles, Jaccard >= 0.7) groups every copy
    with its original, and the original is the cluster's first member."""
    import pandas as pd

    from pipelines.syndication import find_clusters

    pairs = _copies(articles)
    wanted = {a["id"] for pair in pairs for a in pair}
    frame = pd.DataFrame([{"article_id": a["id"], "outlet": a["outlet"], "text": a["body"],
                           "published_at": pd.Timestamp(a["published"]).tz_convert("UTC")}
                          for a in articles if a["id"] in wanted])
    clusters = find_clusters(frame).set_index("article_id")
    for copy, original in pairs:
        assert clusters.loc[copy["id"], "cluster_id"] == clusters.loc[original["id"], "cluster_id"], copy["id"]
        assert bool(clusters.loc[original["id"], "is_first"]), original["id"]
        assert not bool(clusters.loc[copy["id"], "is_first"]), copy["id"]


def test_sentences_every_outlet_uses_hold_no_frame_term():
    """Frames come from topics and outlets' own sentences, so the Frames page can tell outlets
    apart (these sentences once put "talks" and "markets" in nearly every demo article)."""
    from pipelines import demo
    from pipelines.frames import FrameScorer

    scorer = FrameScorer().fit()
    generic = demo._GENERIC_FILLER + demo._OPENERS + demo._SUBJECTS + demo._PREDICATES
    assert {t: [x.term for x in scorer.find(t)] for t in generic if scorer.find(t)} == {}


# ------------------------------------------------------------------------------ the built store


def _build_store(corpus: DemoCorpus, path: Path) -> Path:
    """The demo store as ``framewatch demo`` builds it."""
    from pipelines.ingest import IngestOptions
    from pipelines.run import run_pipeline

    run_pipeline(path, [corpus.articles_path], IngestOptions(outlets=[corpus.outlets_path]), fresh=True)
    return path


@pytest.fixture(scope="module")
def demo_store(corpus, tmp_path_factory) -> Path:
    return _build_store(corpus, tmp_path_factory.mktemp("store") / "demo.duckdb")


def _lexicon_frames() -> set[str]:
    """The frames of the built-in frame lexicon file (its ``frame`` column, keys or codebook
    labels; stop phrases have none), plus ``other``, which an article uses when it uses none."""
    from pipelines.frames import BUILTIN_FRAMES, OTHER, frame_key

    with open(BUILTIN_FRAMES, encoding="utf-8", newline="") as f:
        return {frame_key(row["frame"]) for row in csv.DictReader(f) if row["frame"].strip()} | {OTHER}


def test_every_frame_of_the_frame_lexicon_is_used_and_outlets_differ(demo_store):
    """What the Frames page shows by default (own voice, every outlet, topic and day): every
    frame of the lexicon is used by at least 20 articles and by at least two outlets, at shares
    that differ between outlets (the largest at least 1.3 times the smallest), and the outlets
    lead on different frames (at least four outlets have the largest share of some frame)."""
    import duckdb

    from pipelines.frames import frame_matrix
    from pipelines.rollups import Filters

    frames = _lexicon_frames()
    assert len(frames) == 15
    with duckdb.connect(str(demo_store), read_only=True) as con:
        matrix = frame_matrix(con, Filters())
    assert set(matrix["frame"]) == frames
    leaders = {}
    for frame, rows in matrix.groupby("frame"):
        assert rows["n_articles_with_frame"].sum() >= 20, frame
        assert (rows["n_articles_with_frame"] > 0).sum() >= 2, frame
        assert rows["share"].max() >= 1.3 * rows["share"].min(), frame
        leaders[frame] = rows.loc[rows["share"].idxmax(), "outlet"]
    assert len(set(leaders.values())) >= 4, leaders
    assert leaders["morality"] == STATE_PEJORATIVE and leaders["cultural_identity"] == STATE_GLORIFYING


def _slot_values() -> re.Pattern:
    """Whatever fills a template slot: places, seats, actors, speakers, weekdays."""
    from pipelines import demo

    values = set(demo._SPEAKERS) | set(demo._WEEKDAYS)
    for topic in demo._TOPICS.values():
        for key in ("places", "seats", "actors"):
            values.update(topic.get(key, []))
    names = "|".join(sorted(map(re.escape, values), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{names})(?!\w)", re.IGNORECASE)


def _shape(sentence: str, slots: re.Pattern) -> str:
    """A sentence with its slot fillings, numbers and quotation marks made the same: sentences
    of one template get one shape."""
    sentence = re.sub(r"\d+", "N", slots.sub("X", sentence))
    return re.sub("[\u201c\u201d\u2018\u2019\"']", "'", " ".join(sentence.split()))


def _assert_varied(sentences: dict[str, list[str]], what: str) -> None:
    slots = _slot_values()
    for name, found in sentences.items():
        shapes = Counter(_shape(s, slots) for s in found)
        assert len(shapes) >= 3, (what, name, shapes)
        if len(found) >= 30:
            top, n = shapes.most_common(1)[0]
            assert n <= 0.8 * len(found), (what, name, top, n, len(found))


def test_no_target_is_named_in_sentences_of_one_template(demo_store):
    """The Tone and Evidence pages list the sentences that name a target (a country, bloc or
    organisation): each target's come from 3 templates or more, none holding 80 % of them (every
    sentence naming Japan once read "Japan's coast guard issued a warning to ships in the area.")."""
    import duckdb

    with duckdb.connect(str(demo_store), read_only=True) as con:
        rows = con.execute("SELECT m.target, substr(a.text, m.sent_start + 1, m.sent_end - m.sent_start) "
                           "FROM target_mentions m JOIN articles a USING (article_id)").fetchall()
    sentences = defaultdict(list)
    for target, sentence in rows:
        sentences[target].append(sentence)
    assert {"Japan", "United Nations", "South Korea", "Belarus"} <= set(sentences)
    _assert_varied(sentences, "target")


def test_no_topic_is_named_in_sentences_of_one_template(demo_store):
    """Each topic of the store (data/topics.yaml) is named, in the sentences whose words match its
    query, by 3 templates or more, none holding 80 % of them."""
    import duckdb

    from pipelines.quotes import sentence_spans
    from pipelines.text import matching_copy
    from pipelines.topics import TopicMatcher, read_topics

    matcher = TopicMatcher(read_topics()).fit()
    with duckdb.connect(str(demo_store), read_only=True) as con:
        texts = [t for (t,) in con.execute("SELECT text FROM articles").fetchall()]
        stored = {t for (t,) in con.execute("SELECT DISTINCT topic FROM article_topics").fetchall()}
    sentences = defaultdict(list)
    for text in texts:
        for start, end in sentence_spans(text):
            for topic in matcher.topics_of(matching_copy(text[start:end])[0]):
                sentences[topic].append(text[start:end])
    assert set(sentences) <= stored and len(sentences) >= 10
    _assert_varied(sentences, "topic")


def test_two_builds_give_equal_tables(demo_store, tmp_path):
    """Same seed, same store: every table equal row for row, but for what names the run (its id,
    time, duration, settings, code version) and the input file's path."""
    import duckdb

    again = _build_store(generate_demo_corpus(tmp_path / "corpus"), tmp_path / "again.duckdb")
    volatile = {"run_id", "started_at", "elapsed_s", "settings", "code_version", "source_file"}
    with duckdb.connect(str(demo_store), read_only=True) as a, duckdb.connect(str(again), read_only=True) as b:
        tables = [t for (t,) in a.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        assert tables == [t for (t,) in b.execute("SELECT table_name FROM information_schema.tables "
                                                   "ORDER BY 1").fetchall()]
        n_rows = 0
        for table in tables:
            frames = []
            for con in (a, b):
                df = con.execute(f'SELECT * FROM "{table}"').df()
                df = df[[c for c in df.columns if c not in volatile]].astype(str)
                frames.append(df.sort_values(list(df.columns)).reset_index(drop=True))
            pd.testing.assert_frame_equal(frames[0], frames[1], obj=table)
            n_rows += len(frames[0])
    assert n_rows > 10_000


def _generator_topic(title: str) -> str | None:
    """The demo topic whose title templates wrote *title* (None for a title no template matches)."""
    from pipelines import demo

    for topic, spec in demo._TOPICS.items():
        if any(re.fullmatch(re.escape(t).replace(re.escape("{place}"), ".+"), title) for t in spec["titles"]):
            return topic
    return None


def test_topic_discovery_finds_the_generators_topics_not_its_place_names(articles):
    """NMF over TF-IDF (the Topic discovery page) on the demo corpus. The generic sentences used to name the
    topic's places once every ~30 words and the local stories shared five towns, so the page's default of 8
    topics proposed first a catch-all of place names: nuclear talks (Vienna, Oslo, New York) with every
    weather, sports and culture story (Oakridge, Lindenport, Harwick). Now at 8 topics each proposal holds
    at most two international topics (the nuclear talks join Iran's inspections) or the local news, and at
    11 (the generator's topics) each proposal is one generator topic."""
    from pipelines import demo
    from pipelines.topic_discovery import discover_topics

    frame = pd.DataFrame({"article_id": [a["id"] for a in articles], "outlet": [a["outlet"] for a in articles],
                          "title": [a["title"] for a in articles], "text": [a["body"] for a in articles]})
    truth = frame.set_index("article_id")["title"].map(_generator_topic)
    group = truth.map(lambda t: "local" if t in demo._LOCAL else t)
    places = {w.lower() for spec in demo._TOPICS.values() for p in spec["places"] for w in p.split()} - {"the"}

    def members(proposals, of):
        a = proposals.assignments.assign(of=proposals.assignments["article_id"].map(of)).dropna(subset=["of"])
        return {t: g["of"].value_counts() for t, g in a.groupby("topic")}

    eight = discover_topics(frame, 8)
    for topic, counts in members(eight, group).items():
        assert counts.iloc[:2].sum() >= 0.9 * counts.sum() and ("local" not in counts.index[:2] or
                                                                 counts.iloc[0] >= 0.9 * counts.sum()), counts
    local = next(t for t, counts in members(eight, group).items() if counts.index[0] == "local")
    label = eight.topics.set_index("topic").loc[local, "label"].split(" / ")   # named by its words, not its towns
    assert sum(term in places for term in label) <= 1, label
    eleven = discover_topics(frame, 11)
    for topic, counts in members(eleven, truth).items():
        assert counts.iloc[0] >= 0.9 * counts.sum(), counts
    assert len(members(eleven, truth)) == 11 and {c.index[0] for c in members(eleven, truth).values()} == set(
        demo._TOPICS)
