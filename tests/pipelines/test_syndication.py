"""Syndication: near-duplicate clusters of wire copies (MinHash + LSH), distinct stories, C11."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.ingest import IngestOptions, ingest_files
from pipelines.lexicon import LexiconMatcher, load_lexicon
from pipelines.schemas import check_frame, column_names
from pipelines.syndication import (_word_hashes, _WordHashes, distinct_stories, find_clusters, has_wire_dateline,
                                  shingle_hashes)
from pipelines.text import WORD_RE

CASES = Path(__file__).resolve().parents[2].parent / "shared" / "cases"

WIRE = ("PORT CITY (Wire) - Navy ships from three countries began war games near the strait on "
        "Thursday, officials said. The drills are expected to last a week and will include live "
        "firing, a mine-clearing exercise and a mock landing on the northern beaches. Fishing "
        "boats were told to stay out of the area until the exercise ends.")
FOOTER = " Follow Outlet C for more updates."
PARAPHRASE = ("Warships of three navies started joint exercises close to the strait this Thursday, "
              "according to officials. The manoeuvres should run for seven days, with live fire, "
              "mine clearance and a simulated beach landing in the north. Fishermen were asked to "
              "keep clear of the zone while the drills continue.")
OWN = ("Our correspondent watched the war games from the shore, where families had gathered to "
       "see the ships pass and a few protesters held up hand-written signs against the drills.")
REPEAT = ("The city council voted on Tuesday to close the old harbour bridge for repairs that will "
          "take most of the summer, and said ferries would run every half hour in the meantime.")
HEADLINE = "Navy drills begin near the strait"
CAPTION = "DPRK Foreign Minister Leaves for Russia"             # a photo item's caption: title, no body
RECURRING = "Ukraine and Russia: What you need to know right now"   # a headline used every few days
FLASH = "Urgent: Russia closes airspace on borders with Ukraine, Belarus"
STORY = "Russia closes airspace on borders with Ukraine, Belarus"    # the flash's words again: J = 4/5
WORDS_25 = " ".join(REPEAT.split()[:25])                    # MIN_OWN_WORDS words, as shingled
WORDS_24 = " ".join(REPEAT.split()[:24])
DAY = 24 * 60


def corpus(*rows: tuple[str, str, int, str]) -> pd.DataFrame:
    """Articles from (article_id, outlet, minutes after 08:00 UTC, text) rows."""
    t0 = pd.Timestamp("2026-03-05 08:00", tz="UTC")
    return pd.DataFrame([{"article_id": a, "outlet": o, "published_at": t0 + pd.Timedelta(minutes=m), "text": t}
                         for a, o, m, t in rows], columns=["article_id", "outlet", "published_at", "text"])


def as_clusters(result: pd.DataFrame) -> dict[str, set[str]]:
    return {cid: set(g["article_id"]) for cid, g in result.groupby("cluster_id")}


# (corpus, expected {cluster_id: members}, expected syndicated ids)
CASES_TABLE = [
    pytest.param(corpus(("a", "Outlet A", 0, WIRE), ("b", "Outlet B", 20, WIRE), ("c", "Outlet C", 65, WIRE)),
                 {"a": {"a", "b", "c"}}, {"a", "b", "c"}, id="identical-at-3-outlets"),
    pytest.param(corpus(("a", "Outlet A", 0, WIRE), ("c", "Outlet C", 65, WIRE + FOOTER)),
                 {"a": {"a", "c"}}, {"a", "c"}, id="one-line-footer"),
    pytest.param(corpus(("a", "Outlet A", 0, WIRE), ("p", "Outlet B", 30, PARAPHRASE)),
                 {}, set(), id="paraphrase-does-not-cluster"),
    pytest.param(corpus(("a", "Outlet A", 0, WIRE), ("d", "Outlet D", 90, OWN)),
                 {}, set(), id="own-reporting-on-same-event"),
    pytest.param(corpus(("r1", "Outlet A", 0, REPEAT), ("r2", "Outlet A", 45, REPEAT + " Updated at 09:45.")),
                 {"r1": {"r1", "r2"}}, set(), id="same-outlet-repeat-not-syndicated"),
    pytest.param(corpus(("w1", "Outlet A", 0, WIRE), ("w2", "Outlet A", 45, WIRE + " Updated with more detail.")),
                 {"w1": {"w1", "w2"}}, {"w1", "w2"}, id="same-outlet-wire-dateline-syndicated"),
    pytest.param(corpus(("h1", "Outlet A", 0, HEADLINE), ("h2", "Outlet B", 5, HEADLINE.upper()),
                        ("h3", "Outlet C", 9, "Navy drills begin near the border"),
                        ("h4", "Outlet D", 12, "Drills")),
                 {"h1": {"h1", "h2"}}, {"h1", "h2"}, id="short-headlines-identical-only"),
    pytest.param(corpus(("s1", "Outlet A", 0, "War games"), ("s2", "Outlet B", 1, "war-games!"),
                        ("s3", "Outlet C", 2, "War games begin")),
                 {"s1": {"s1", "s2"}}, {"s1", "s2"}, id="shorter-than-one-shingle"),
    pytest.param(corpus(("a", "Outlet A", 0, WIRE), ("b", "Outlet B", 5, WIRE), ("x", "Outlet C", 9, REPEAT),
                        ("y", "Outlet D", 11, REPEAT), ("z", "Outlet E", 12, OWN)),
                 {"a": {"a", "b"}, "x": {"x", "y"}}, {"a", "b", "x", "y"}, id="two-stories"),
    # Short texts (under MIN_OWN_WORDS words) are copies only of another outlet's text.
    pytest.param(corpus(("k1", "KCNA", 0, CAPTION), ("k2", "KCNA", 42 * DAY, CAPTION)),
                 {}, set(), id="own-caption-repeated-is-no-copy"),
    pytest.param(corpus(("r1", "Reuters", 0, RECURRING), ("r2", "Reuters", 12 * DAY, RECURRING),
                        ("r3", "Reuters", 19 * DAY, RECURRING)),
                 {}, set(), id="own-recurring-headline-is-no-copy"),
    pytest.param(corpus(("x1", "Xinhua", 0, FLASH), ("x2", "Xinhua", 25, STORY)),
                 {}, set(), id="own-flash-then-story-is-no-copy"),
    pytest.param(corpus(("k1", "KCNA", 0, CAPTION), ("y", "Yonhap", 30, CAPTION)),
                 {"k1": {"k1", "y"}}, {"k1", "y"}, id="caption-at-another-outlet-is-a-copy"),
    pytest.param(corpus(("k2", "KCNA", 90, CAPTION), ("y", "Yonhap", 30, CAPTION), ("k1", "KCNA", 0, CAPTION)),
                 {"k1": {"k1", "y"}}, {"k1", "y"}, id="own-repeat-beside-a-copy-left-out"),
    pytest.param(corpus(("x", "Xinhua", 0, HEADLINE), ("c1", "China Daily", 10, HEADLINE),
                        ("c2", "China Daily", 600, HEADLINE.upper())),
                 {"x": {"x", "c1"}}, {"x", "c1"}, id="copier-repeating-its-copy-counts-once"),
    pytest.param(corpus(("x1", "Xinhua", 0, FLASH), ("g", "Global Times", 12, STORY), ("x2", "Xinhua", 25, STORY)),
                 {"x1": {"x1", "g"}}, {"x1", "g"}, id="own-variant-joined-through-a-copy-left-out"),
    pytest.param(corpus(("s1", "Outlet A", 0, WORDS_25), ("s2", "Outlet A", 45, WORDS_25)),
                 {"s1": {"s1", "s2"}}, set(), id="own-repeat-of-25-words-is-a-copy"),
    pytest.param(corpus(("s1", "Outlet A", 0, WORDS_24), ("s2", "Outlet A", 45, WORDS_24)),
                 {}, set(), id="own-repeat-of-24-words-is-not"),
    pytest.param(corpus(("s1", "Outlet A", 0, WORDS_24), ("s2", "Outlet A", 45, WORDS_25)),
                 {}, set(), id="own-pair-with-one-short-text-is-not"),
]


@pytest.mark.parametrize("articles, clusters, syndicated", CASES_TABLE)
def test_find_clusters(articles, clusters, syndicated):
    result = find_clusters(articles)
    assert as_clusters(result) == clusters
    assert set(result.loc[result["syndicated"], "article_id"]) == syndicated
    check_frame(result, "article_clusters")
    assert list(result.columns) == column_names("article_clusters")


def test_cluster_columns():
    articles = corpus(("c", "Outlet C", 65, WIRE + FOOTER), ("b", "Outlet B", 20, WIRE), ("a", "Outlet A", 0, WIRE),
                      ("a2", "Outlet A", 70, WIRE))
    result = find_clusters(articles).set_index("article_id")
    assert set(result["cluster_id"]) == {"a"}
    assert result["n_members"].tolist() == [4] * 4
    assert result["n_outlets"].tolist() == [3] * 4
    assert result["is_first"].to_dict() == {"a": True, "b": False, "a2": False, "c": False}
    assert result.loc["a", "similarity"] == 1.0
    assert result.loc["b", "similarity"] == 1.0
    assert 0.7 <= result.loc["c", "similarity"] < 1.0
    assert result.index.tolist()[0] == "a"  # the first member leads its cluster


def test_first_member_ties_and_undated():
    articles = corpus(("b", "Outlet B", 0, WIRE), ("a", "Outlet A", 0, WIRE), ("c", "Outlet C", 0, WIRE))
    articles.loc[articles["article_id"] == "a", "published_at"] = pd.NaT
    result = find_clusters(articles).set_index("article_id")
    assert set(result["cluster_id"]) == {"b"}  # undated after dated; equal times by article_id
    assert result.loc["b", "is_first"]


def test_dtypes_and_no_mutation():
    articles = corpus(("a", "Outlet A", 0, WIRE), ("b", "Outlet B", 20, WIRE))
    before = articles.copy()
    result = find_clusters(articles)
    pd.testing.assert_frame_equal(articles, before)
    assert result.dtypes.astype(str).to_dict() == {
        "article_id": "object", "cluster_id": "object", "n_members": "int64", "n_outlets": "int64",
        "is_first": "bool", "syndicated": "bool", "similarity": "float64"}


@pytest.mark.parametrize("articles", [
    corpus(),
    corpus(("a", "Outlet A", 0, WIRE)),
    corpus(("a", "Outlet A", 0, "..."), ("b", "Outlet B", 1, "!!!")),  # no words: no cluster
], ids=["empty", "one-article", "no-words"])
def test_no_clusters(articles):
    result = find_clusters(articles)
    assert result.empty
    assert list(result.columns) == column_names("article_clusters")
    check_frame(result, "article_clusters")


def test_same_result_whatever_the_order():
    rows = [("a", "Outlet A", 0, WIRE), ("b", "Outlet B", 5, WIRE + FOOTER), ("x", "Outlet C", 9, REPEAT),
            ("y", "Outlet C", 11, REPEAT), ("z", "Outlet E", 12, OWN)]
    forward = find_clusters(corpus(*rows))
    backward = find_clusters(corpus(*rows[::-1]))
    pd.testing.assert_frame_equal(forward, backward)


@pytest.mark.parametrize("kwargs, message", [
    ({"threshold": 0}, "threshold must be in (0, 1]"),
    ({"shingle": 0}, "shingle must be between 1 and"),
    ({"min_own_words": -1}, "min_own_words must be a whole number of words, 0 or more, not -1"),
    ({"min_own_words": 2.5}, "min_own_words must be a whole number of words, 0 or more, not 2.5"),
    ({"min_own_words": True}, "min_own_words must be a whole number of words, 0 or more, not True"),
])
def test_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("]", r"\]")):
        find_clusters(corpus(("a", "Outlet A", 0, WIRE), ("b", "Outlet B", 5, WIRE)), **kwargs)


def test_min_own_words_zero_lets_an_outlet_repeat_its_short_texts():
    """The rule on short texts is the only thing that keeps an outlet's repeated caption out: without it
    (min_own_words=0) the caption is a cluster of one outlet, as it was before the rule."""
    articles = corpus(("k1", "KCNA", 0, CAPTION), ("k2", "KCNA", 42 * DAY, CAPTION), ("y", "Yonhap", 30, CAPTION))
    assert as_clusters(find_clusters(articles)) == {"k1": {"k1", "y"}}
    assert as_clusters(find_clusters(articles, min_own_words=0)) == {"k1": {"k1", "k2", "y"}}
    assert as_clusters(find_clusters(articles, min_own_words=7)) == {"k1": {"k1", "y"}}     # CAPTION: 6 words
    assert as_clusters(find_clusters(articles, min_own_words=6)) == {"k1": {"k1", "k2", "y"}}


def test_own_short_repeat_left_out_is_the_later_one_whatever_the_order():
    """The outlet's earliest short text stays (publication, then article id; undated last), so the
    members and the first copy do not depend on the rows' order."""
    rows = [("k3", "KCNA", None, CAPTION), ("k2", "KCNA", 50, CAPTION.upper()), ("y", "Yonhap", 30, CAPTION),
            ("k1", "KCNA", 50, CAPTION), ("x", "Xinhua", 70, CAPTION)]
    for order in (rows, rows[::-1], rows[2:] + rows[:2]):
        articles = corpus(*[(a, o, 0 if m is None else m, t) for a, o, m, t in order])
        articles.loc[articles["article_id"] == "k3", "published_at"] = pd.NaT
        result = find_clusters(articles).set_index("article_id")
        assert as_clusters(result.reset_index()) == {"y": {"y", "k1", "x"}}       # k1 before k2 (same minute), k3 undated
        assert result["n_members"].tolist() == [3, 3, 3] and result["n_outlets"].tolist() == [3, 3, 3]


# Texts for the reference test: short and long ones, alike in pairs at several similarities, none of them
# near the threshold (where the bands may miss a pair the reference keeps: a known limit, not this rule).
POOL = [CAPTION, RECURRING, FLASH, STORY, HEADLINE, WIRE, WIRE + FOOTER, OWN, WORDS_24, WORDS_25,
        WORDS_25 + " Updated."]


def reference_clusters(articles: pd.DataFrame, threshold: float = 0.7, min_own_words: int = 25) -> dict:
    """The rule of find_clusters the slow way: every pair's estimated Jaccard from the signatures (no
    merging of equal signatures, no bands), connected components, then in each cluster an outlet with a
    text under min_own_words words keeps only its earliest member. {first member: members}."""
    from pipelines.syndication import _signature_values

    values, n_words = _signature_values(articles["text"].tolist())
    n = len(articles)
    parent = list(range(n))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if np.count_nonzero(values[i] == values[j]) / values.shape[1] >= threshold:
                parent[root(i)] = root(j)
    order = articles.assign(nat=articles["published_at"].isna(), short=n_words < min_own_words,
                            root=[root(i) for i in range(n)])
    order = order.sort_values(["nat", "published_at", "article_id"], kind="stable")
    out = {}
    for _, group in order.groupby("root", sort=False):
        has_short = group.groupby("outlet")["short"].transform("any")
        group = group[~(has_short & group.duplicated("outlet"))]
        if len(group) >= 2:
            out[group["article_id"].iloc[0]] = set(group["article_id"])
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Outlet A", "Outlet B", "Outlet C"]), st.integers(0, 30),
                          st.integers(0, len(POOL) - 1)), min_size=2, max_size=12))
def test_clusters_equal_the_rule_computed_pair_by_pair(rows):
    """Merging equal signatures before the bands (an outlet's equal short texts cut to the earliest first)
    gives the clusters of the rule applied to every pair."""
    articles = corpus(*[(f"a{i:02d}", outlet, minute, POOL[k]) for i, (outlet, minute, k) in enumerate(rows)])
    assert as_clusters(find_clusters(articles)) == reference_clusters(articles)


def test_bad_input():
    with pytest.raises(ValueError, match="article_id must be unique; 'a'"):
        find_clusters(corpus(("a", "Outlet A", 0, WIRE), ("a", "Outlet B", 5, WIRE)))
    with pytest.raises(ValueError, match=r"missing \['published_at'\]"):
        find_clusters(pd.DataFrame({"article_id": ["a"], "outlet": ["A"], "text": ["x"]}))


@pytest.mark.parametrize("text, expected", [
    ("PORT CITY (Wire) - Navy ships began war games.", True),
    ("WASHINGTON, March 5 (Reuters) - The U.S. said ...", True),
    ("(AP) — A storm hit the coast.", True),
    ("PARIS (AFP) - Talks resumed.", True),
    ("BEIJING, March 5 (Xinhua) -- China said ...", True),
    ("  MOSCOW (TASS) – Officials said ...", True),
    ("Our correspondent watched (from the shore) - as ships passed.", False),
    ("Navy ships began war games, Reuters reported.", False),
    ("The drills began.\nLONDON (Reuters) - a second report", False),
    ("", False),
])
def test_has_wire_dateline(text, expected):
    assert has_wire_dateline(text) is expected


@pytest.mark.parametrize("ids, expected", [
    (["a", "b", "c"], 1),  # one cluster
    (["a", "b", "z"], 2),  # cluster + an article of its own
    (["x", "y", "z", "a"], 3),
    (["z", "z"], 1),  # repeated ids count once
    ([], 0),
])
def test_distinct_stories(ids, expected):
    clusters = pd.DataFrame({"article_id": ["a", "b", "c", "x", "y"], "cluster_id": ["a", "a", "a", "x", "x"]})
    assert distinct_stories(ids, clusters) == expected


@pytest.mark.parametrize("text, n_shingles", [
    ("one two three four five", 1),
    ("one two three four five six seven", 3),
    ("one two", 1),  # shorter than a shingle: one shingle of all its words
    ("", 0),
    ("... --- !!!", 0),
])
def test_shingle_counts(text, n_shingles):
    assert len(shingle_hashes([text])[0]) == n_shingles


def test_shingles_fold_case_and_punctuation_and_keep_word_order():
    same, folded, swapped = shingle_hashes(["War games near the strait", "WAR-GAMES, near the strait!",
                                            "games war near the strait"])
    assert np.array_equal(same, folded)
    assert not np.array_equal(same, swapped)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab cdé.\nX"), max_size=40), min_size=1, max_size=6))
def test_shingle_hashes_do_not_depend_on_the_batch(texts):
    together = shingle_hashes(texts)
    for text, hashes in zip(texts, together):
        assert np.array_equal(shingle_hashes([text])[0], hashes)


def regex_word_hashes(text) -> np.ndarray:
    """The definition: BLAKE2b (64 bits, little-endian) of each ``WORD_RE`` run of ``text.casefold()``."""
    words = WORD_RE.findall(text.casefold()) if isinstance(text, str) else []
    return np.array([int.from_bytes(hashlib.blake2b(w.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                                    "little") for w in words], dtype=np.uint64)


WORD_TEXTS = [
    "", "   ", "... --- !!!", "one", "War games near the strait", "“Curly” — quotes’ words_1 2024",
    "  lead and trail\n\nspaces  ", "café Straße İstanbul", "Москва заявила о войне", "\u0345 x",
    "ﬀ ligature", "\u212a Kelvin", "emoji 😀 x1", "lone \ud800 surrogate", None,
]


def test_word_hashes_are_the_regex_definition():
    """Texts whose characters outside ASCII fold to no word character take the byte path, the others the
    regular expression; together in one batch, every text gets the definition's hashes."""
    got = _word_hashes(WORD_TEXTS, _WordHashes())
    for text, hashes in zip(WORD_TEXTS, got):
        assert np.array_equal(hashes, regex_word_hashes(text)), repr(text)


def test_word_hashes_with_each_character_between_ascii_words():
    """Each character (a sample of every code point, the ones that fold oddly) between ASCII words."""
    every = "".join(map(chr, range(0x110000)))
    chars = every[0x80::211] + "\u0345\u212a\u0130\u0131\u017f\ufb00\u00df\u00a0\u2028“”—\ud800"
    texts = [f"Ab{c}cd  EF {c}{c}x y_{c}" for c in chars]
    for text, hashes in zip(texts, _word_hashes(texts, _WordHashes())):
        assert np.array_equal(hashes, regex_word_hashes(text)), repr(text)


# ---------------------------------------------------------------------------------------------
# shared failure case C11: syndicated wire copies and feed duplicates inflate counts

def _c11():
    folder = CASES / "C11"
    if not (folder / "articles.csv").is_file():
        pytest.skip(f"shared failure case C11 not present at {folder}")
    articles = ingest_files([folder / "articles.csv"], IngestOptions(), run_id="test-c11").articles
    return articles, find_clusters(articles)


def _war_games_by_outlet(articles: pd.DataFrame) -> dict[str, int]:
    lexicon, _ = load_lexicon()
    matcher = LexiconMatcher(lexicon).fit()
    has = [any(lexicon.entries[m.entry].term == "war games" for m in matcher.find(text)) for text in articles["text"]]
    return articles.assign(has=has).groupby("outlet")["has"].sum().astype(int).to_dict()


def test_c11_feed_duplicate_folded_at_ingest():
    articles, _ = _c11()
    assert articles.groupby("outlet").size().to_dict() == {"Outlet A": 1, "Outlet B": 1, "Outlet C": 1,
                                                            "Outlet D": 1}
    assert articles.set_index("source_id").loc["w1", "n_copies"] == 2  # w4 folded into w1


def test_c11_wire_copies_share_one_cluster():
    articles, clusters = _c11()
    ids = articles.set_index("source_id")["article_id"]
    by_id = clusters.set_index("article_id")
    wire = [ids["w1"], ids["w2"], ids["w3"]]
    assert set(by_id.index) == set(wire)  # o1 is in no cluster
    assert set(by_id.loc[wire, "cluster_id"]) == {ids["w1"]}
    assert by_id.loc[wire, "syndicated"].all()
    assert by_id.loc[ids["w1"], "is_first"]
    assert by_id.loc[wire, "n_outlets"].tolist() == [3, 3, 3]


def test_c11_counts():
    articles, clusters = _c11()
    # Copies included: every outlet has one article using the term.
    assert _war_games_by_outlet(articles) == {"Outlet A": 1, "Outlet B": 1, "Outlet C": 1, "Outlet D": 1}
    lexicon, _ = load_lexicon()
    matcher = LexiconMatcher(lexicon).fit()
    with_term = [a for a, text in zip(articles["article_id"], articles["text"])
                 if any(lexicon.entries[m.entry].term == "war games" for m in matcher.find(text))]
    assert len(with_term) == 4
    assert distinct_stories(with_term, clusters) == 2  # the wire cluster plus o1
    # "Leave wire copies out": every syndicated member goes, the first copy included.
    own = articles[~articles["article_id"].isin(clusters.loc[clusters["syndicated"], "article_id"])]
    counts = _war_games_by_outlet(own)
    assert {o: counts.get(o, 0) for o in ("Outlet A", "Outlet B", "Outlet C", "Outlet D")} == {
        "Outlet A": 0, "Outlet B": 0, "Outlet C": 0, "Outlet D": 1}


def test_clusters_from_batch_sketches_equal_clusters_of_the_whole_corpus():
    """The run sketches each scored batch and clusters the signatures of the whole store: same table."""
    from pipelines.syndication import cluster_sketches, sketch_articles

    articles = corpus(("a", "Outlet A", 0, WIRE), ("p", "Outlet B", 30, PARAPHRASE), ("x", "Outlet C", 9, REPEAT),
                      ("b", "Outlet B", 5, WIRE + FOOTER), ("e", "Outlet E", 3, ""), ("y", "Outlet D", 11, REPEAT),
                      ("w2", "Outlet A", 45, WIRE + " Updated with more detail."), ("z", "Outlet E", 12, OWN),
                      ("c", "Outlet C", 65, WIRE), ("k2", "KCNA", 90, CAPTION), ("k1", "KCNA", 0, CAPTION),
                      ("kx", "Yonhap", 30, CAPTION))
    whole = find_clusters(articles)
    assert len(whole) == 8 and set(whole["article_id"]) >= {"k1", "kx"} and "k2" not in set(whole["article_id"])
    sketches = pd.concat([sketch_articles(articles.iloc[i:i + 2]) for i in range(0, len(articles), 2)][::-1])
    facts = articles.set_index("article_id").loc[sketches["article_id"]]
    got = cluster_sketches(sketches.reset_index(drop=True), facts["outlet"].to_numpy(), facts["published_at"])
    pd.testing.assert_frame_equal(got, whole)


def test_sketch_signatures_are_datasketch_values_losslessly():
    from pipelines.syndication import minhashes, sketch_articles

    sketch = sketch_articles(corpus(("a", "Outlet A", 0, WIRE), ("e", "Outlet B", 1, "  ")))
    expected = minhashes([WIRE])[0].hashvalues
    assert np.array_equal(np.frombuffer(sketch["signature"][0], dtype="<u4").astype(np.uint64), expected)
    assert sketch["signature"][1] is None
    assert sketch["wire_cue"].tolist() == [True, False]
    assert sketch["n_words"].tolist() == [len(WORD_RE.findall(WIRE)), 0] and sketch["n_words"].dtype == np.int32


def test_signature_arrays_carry_word_counts_and_clustering_refuses_a_mask():
    from pipelines.syndication import cluster_signatures, signature_arrays, sketch_articles

    articles = corpus(("k1", "KCNA", 0, CAPTION), ("e", "Outlet B", 1, "  "), ("k2", "KCNA", 5, CAPTION))
    ids, wire, values, n_words = signature_arrays(sketch_articles(articles))
    assert n_words.tolist() == [6, 0, 6] and values.shape == (2, 128)
    with pytest.raises(TypeError, match="number of words"):
        cluster_signatures(ids, wire, values, n_words > 0, articles["outlet"], articles["published_at"])
    assert cluster_signatures(ids, wire, values, n_words, articles["outlet"], articles["published_at"]).empty
    assert len(cluster_signatures(ids, wire, values, n_words, articles["outlet"], articles["published_at"],
                                  min_own_words=0)) == 2


@pytest.mark.parametrize("segment, group, tile", [(1 << 15, 5000, 32), (3, 5000, 32), (1 << 15, 1, 32),
                                                 (1 << 15, 40, 32), (60, 40, 32), (1 << 15, 40, 7), (1 << 15, 40, 128)])
def test_signature_values_are_minhashes_values(monkeypatch, segment, group, tile):
    """The numpy signatures equal datasketch's MinHash.bulk values: texts permuted alone or in groups, a few
    permutations at a time or all at once, long texts cut into segments."""
    from pipelines import syndication

    monkeypatch.setattr(syndication, "_SEGMENT", segment)
    monkeypatch.setattr(syndication, "_GROUP", group)
    monkeypatch.setattr(syndication, "_TILE", tile)
    texts = [WIRE, "", "   ", "one", "two words here", OWN, WIRE + " Updated.", "Ünïcode wörds “quoted” " * 40]
    values, has_words = syndication.signature_values(texts)
    expected = syndication.minhashes(texts)
    assert has_words.tolist() == [m is not None for m in expected] == [True, False, False, True, True, True, True,
                                                                       True]
    assert values.dtype == np.uint32 and values.shape == (6, syndication.NUM_PERM)
    assert np.array_equal(values, np.stack([m.hashvalues for m in expected if m is not None]))


def test_signature_values_fall_back_to_datasketch_under_another_scheme(monkeypatch):
    from pipelines import syndication

    monkeypatch.setattr(syndication, "_affine32_permutations", lambda num_perm, seed: None)
    values, has_words = syndication.signature_values([WIRE, ""], num_perm=64)
    assert has_words.tolist() == [True, False]
    assert np.array_equal(values[0], syndication.minhashes([WIRE], num_perm=64)[0].hashvalues)
