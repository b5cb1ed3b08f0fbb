"""Syndication: near-identical copies of one text across outlets or URLs (``article_clusters``).

Wire stories (Reuters, AP, AFP, Xinhua, ...) are republished word for word, or with an
outlet's own footer or a trimmed last paragraph, by many outlets. Counted as independent
articles they make small outlets look prolific and overstate "N outlets used the term".
Exact copies are already folded at ingest (:mod:`pipelines.ingest`: same normalised URL, or
same outlet, id, day, title and text); this module finds the *near* copies that exact
hashing misses, so the dashboard can count a story once or leave wire copies out.

:func:`find_clusters` is a pure function of a batch of articles (it runs in the score stage);
:func:`distinct_stories` counts stories with a cluster counted once.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from datasketch import MinHash, MinHashLSH
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .text import WORD_RE, outside_ascii

WIRE_AGENCIES = (
    "Wire", "Reuters", "AP", "Associated Press", "AFP", "Agence France-Presse", "Xinhua", "TASS",
    "RIA Novosti", "Interfax", "UPI", "dpa", "ANSA", "EFE", "Kyodo", "Yonhap", "KCNA", "PTI", "IANS",
    "ANI", "Anadolu", "IRNA", "Bernama", "Antara", "WAM", "SPA", "MENA", "Ukrinform",
)
"""Agency names that, in parentheses in an opening dateline, mark a wire copy."""

WIRE_DATELINE_RE = re.compile(
    r"\A\s*[^\n()]{0,80}?\(\s*(?:" + "|".join(re.escape(a) for a in WIRE_AGENCIES) + r")\s*\)\s*(?:-{1,2}|–|—)",
    re.IGNORECASE,
)
"""An opening wire dateline: ``PORT CITY (Wire) -``, ``LONDON, March 5 (Reuters) -``,
``(AP) —``, ``BEIJING, March 5 (Xinhua) --``. Up to 80 characters (no line break or
parenthesis) may come before the agency tag; a dash, double hyphen, en or em dash after it."""

_COLUMNS = ("article_id", "cluster_id", "n_members", "n_outlets", "is_first", "syndicated", "similarity")
_DTYPES = {"article_id": object, "cluster_id": object, "n_members": "int64", "n_outlets": "int64",
           "is_first": bool, "syndicated": bool, "similarity": "float64"}

# Odd 64-bit multipliers, one per position in a shingle (digits of pi and e, forced odd),
# so "a b c d e" and "b a c d e" hash apart.
_POSITION_MULTIPLIERS = np.array(
    [0x243F6A8885A308D3, 0x13198A2E03707345, 0xA4093822299F31D1, 0x082EFA98EC4E6C89, 0x452821E638D01377,
     0xBE5466CF34E90C6D, 0xC0AC29B7C97C50DD, 0x3F84D5B5B5470917, 0x9216D5D98979FB1B, 0xD1310BA698DFB5AD,
     0xB7E151628AED2A6B, 0xBF7158809CF4F3C7, 0x62E7160F38B4DA56 | 1, 0xA784D9045190CFEF, 0x324E7738926CFBE5,
     0xF4BF8D8D8C31D763],
    dtype=np.uint64,
)
_MAX_SHINGLE = len(_POSITION_MULTIPLIERS)

THRESHOLD = 0.7
"""Default minimum estimated Jaccard similarity of two texts' word-shingle sets for a copy (:func:`find_clusters`)."""
NUM_PERM = 128
"""Default MinHash permutations per signature (:func:`minhashes`)."""
SHINGLE = 5
"""Default words per shingle (:func:`shingle_hashes`)."""
MIN_OWN_WORDS = 25
"""Default fewest words a text needs to be a copy of a text of its own outlet (:func:`find_clusters`): shorter
texts (a headline, a photo caption, a title and lead) pair only with other outlets' texts."""
CHUNK = 2000
"""Texts shingled at a time by :func:`minhashes` (2,000 texts of 600 words: about 50 MB of work arrays)."""


def has_wire_dateline(text: str) -> bool:
    """True when *text* opens with a wire dateline such as ``PORT CITY (Wire) -`` (:data:`WIRE_DATELINE_RE`)."""
    return bool(WIRE_DATELINE_RE.match(text or ""))


class _WordHashes(dict):
    """word -> stable 64-bit hash (BLAKE2b), computed on first lookup."""

    def __missing__(self, word: str) -> int:
        value = self[word] = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
        return value


_ASCII_WORDS = bytes((c + 32 if 0x41 <= c <= 0x5A else c) if c < 128 and (chr(c).isalnum() or c == 0x5F) else 0x20
                     for c in range(256))
"""``bytes.translate`` table for UTF-8 bytes: an ASCII word character (``\\w``) to its lower case, any other byte to a space."""


def _word_hashes(texts: list, cache: _WordHashes) -> list[np.ndarray]:
    """The BLAKE2b hash of each word of each text's ``casefold()`` (words = :data:`WORD_RE` runs), uint64 arrays.

    A text whose characters outside ASCII case-fold to no word character (curly quotes, dashes,
    symbols) has only ASCII words, and ASCII case folding is lower-casing: its words are the runs
    of ASCII letters, digits and ``_`` of its UTF-8 bytes, lowered (one byte table), which Arrow
    splits and dictionary-encodes for the whole batch at once, so each distinct word is hashed
    once and no Python string is made per word. Other texts go through the regular expression.
    """
    out: list[np.ndarray | None] = [None] * len(texts)
    masked: list[bytes] = []
    where: list[int] = []
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            out[i] = np.empty(0, dtype=np.uint64)
            continue
        data = text.encode("utf-8", "surrogatepass")
        # (a text mostly in another script, more than one extra UTF-8 byte in eight characters, goes to the
        # regular expression at once)
        if not text.isascii() and ((len(data) - len(text)) * 8 > len(text) or WORD_RE.search(
                outside_ascii(data).casefold())):
            words = WORD_RE.findall(text.casefold())
            out[i] = np.fromiter(map(cache.__getitem__, words), dtype=np.uint64, count=len(words))
            continue
        runs = data.translate(_ASCII_WORDS).strip()
        if runs:
            masked.append(runs)
            where.append(i)
        else:
            out[i] = np.empty(0, dtype=np.uint64)
    if masked:
        words = pc.ascii_split_whitespace(pa.array(masked, type=pa.large_string()))
        codes = pc.dictionary_encode(words.flatten())
        distinct = codes.dictionary.to_pylist()
        hashes = np.fromiter(map(cache.__getitem__, distinct), dtype=np.uint64, count=len(distinct))
        hashes = hashes[codes.indices.to_numpy()]
        bounds = words.offsets.to_numpy()
        for k, i in enumerate(where):
            out[i] = hashes[bounds[k]:bounds[k + 1]]
    return out


def shingle_hashes(texts: Iterable[str], shingle: int = SHINGLE) -> list[np.ndarray]:
    """Hash the word *shingle*-shingles of each text (case-folded, words = ``\\w+`` runs).

    Each distinct word is hashed once (BLAKE2b, 64 bits; :func:`_word_hashes`); a shingle's hash is a
    position-weighted sum of its words' hashes (mod 2^64, one odd multiplier per position),
    folded to 32 bits, computed for the whole batch at once with numpy. A text with fewer
    words than *shingle* gives one shingle of all its words; a text with no words gives none.
    The hashes depend only on the words, not on the batch, so they are stable across runs.

    Returns
    -------
    list of uint32 arrays, one per text, shape (max(n_words - shingle + 1, 1),) or (0,).
    """
    return _shingles(texts, shingle)[0]


def _shingles(texts: Iterable[str], shingle: int = SHINGLE) -> tuple[list[np.ndarray], list[int]]:
    """:func:`shingle_hashes` of *texts* and the number of words of each (0 for a text with no words)."""
    if not 1 <= shingle <= _MAX_SHINGLE:
        raise ValueError(f"shingle must be between 1 and {_MAX_SHINGLE} words, not {shingle!r}")
    pad = np.zeros(shingle - 1, dtype=np.uint64)
    parts: list[np.ndarray] = []
    lengths: list[int] = []
    for words in _word_hashes(list(texts), _WordHashes()):
        parts.append(words)
        parts.append(pad)  # zero hashes after each text: a short text's one shingle ends there
        lengths.append(len(words))
    flat = np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)
    total = len(flat) - (shingle - 1)
    acc = np.zeros(max(total, 0), dtype=np.uint64)
    for j in range(shingle):
        acc += flat[j:j + total] * _POSITION_MULTIPLIERS[j]
    folded = ((acc >> np.uint64(32)) ^ (acc & np.uint64(0xFFFFFFFF))).astype(np.uint32)
    out = []
    start = 0
    for n in lengths:
        out.append(folded[start:start + (n - shingle + 1 if n >= shingle else min(n, 1))])
        start += n + shingle - 1
    return out, lengths


def minhashes(texts: Iterable[str], num_perm: int = NUM_PERM, shingle: int = SHINGLE, seed: int = 1) -> list[MinHash | None]:
    """MinHash signature of each text's word-shingle set (None for a text with no words).

    Built with :meth:`datasketch.MinHash.bulk` (default ``affine32`` permutation scheme) from
    the hashes of :func:`shingle_hashes`; ``int`` is the hash function because the shingles
    are already hashed (datasketch pre-mixes every input with a MurmurHash3 finaliser). Texts
    are shingled :data:`CHUNK` at a time, so memory stays bounded on large stores.
    """
    texts = list(texts)
    out: list[MinHash | None] = [None] * len(texts)
    for start in range(0, len(texts), CHUNK):
        hashes = shingle_hashes(texts[start:start + CHUNK], shingle)
        keep = [i for i, h in enumerate(hashes) if len(h)]
        sketches = MinHash.bulk((hashes[i].tolist() for i in keep), num_perm=num_perm, seed=seed, hashfunc=int)
        for i, m in zip(keep, sketches):
            out[start + i] = m
    return out


_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
"""MurmurHash3's 32-bit finaliser (shift, multiplier, shift, multiplier, shift): datasketch's pre-mix
of every input under its ``affine32`` permutation scheme."""
_SEGMENT = 1 << 15
"""Shingles of one text permuted at once by :func:`signature_values` (num_perm x 32,768 uint32: 16 MB at 128)."""
_GROUP = 5000
"""Shingles of consecutive texts permuted together by :func:`signature_values`: numpy's broadcast multiply
and add cost about twice as much an element on the rows of one 600-word text (~630 shingles) as on
rows of 5,000 or more (``benchmarks/bench_syndication.py``)."""
_TILE = 32
"""Permutations computed at once by :func:`_signature_rows` (32 x 5,000 uint32: 640 KB, about a quarter less
CPU than all 128 at once, whose 2.5 MB work array leaves the cache)."""


@functools.cache
def _affine32_permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The (a, b) uint32 arrays of ``MinHash(num_perm, seed)`` when its scheme is ``affine32``
    (datasketch 2's default), else None (another scheme: :func:`signature_values` uses datasketch)."""
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
    if getattr(m, "scheme", None) != "affine32":
        return None
    a, b = m.permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def signature_values(texts: Iterable[str], num_perm: int = NUM_PERM, shingle: int = SHINGLE,
                     seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The MinHash signature values of each text, as :func:`minhashes` gives them, for a whole chunk at once.

    Under datasketch's ``affine32`` scheme a signature value is the minimum, over the text's
    shingle hashes h, of ``a * fmix32(h) + b`` (mod 2^32), one (a, b) per permutation; here the
    values of consecutive texts (:data:`_GROUP` shingles or more together) are laid out as
    (num_perm, n_shingles) and reduced along the contiguous rows, text by text
    (:func:`_signature_rows`), which numpy does several times faster than ``MinHash.update_batch``'s
    reduction down the columns of (n_shingles, num_perm): the same uint32 values (the tests compare
    them). Under another scheme, :func:`minhashes`' values.

    Returns
    -------
    values : uint32 array of shape (n_with_words, num_perm), the texts with words in order.
    has_words : bool array of shape (n_texts,).
    """
    values, n_words = _signature_values(texts, num_perm=num_perm, shingle=shingle, seed=seed)
    return values, n_words > 0


def _signature_values(texts: Iterable[str], num_perm: int = NUM_PERM, shingle: int = SHINGLE,
                      seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """:func:`signature_values`, with each text's number of words (int32, 0 for a text with no words)
    in place of the has-words mask."""
    texts = list(texts)
    perms = _affine32_permutations(num_perm, seed)
    if perms is None:
        sketches = minhashes(texts, num_perm=num_perm, shingle=shingle, seed=seed)
        n_words = np.array([len(w) for w in _word_hashes(texts, _WordHashes())], dtype=np.int32)
        values = [m.hashvalues.astype(np.uint32) for m in sketches if m is not None]
        return (np.stack(values) if values else np.empty((0, num_perm), dtype=np.uint32)), n_words
    a, b = perms[0][:, None], perms[1][:, None]
    n_words = np.zeros(len(texts), dtype=np.int32)
    out: list[np.ndarray] = []
    for start in range(0, len(texts), CHUNK):
        group: list[np.ndarray] = []
        size = 0
        hashes, lengths = _shingles(texts[start:start + CHUNK], shingle)
        n_words[start:start + len(lengths)] = lengths
        for hv in hashes:
            if not len(hv):
                continue
            if group and size + len(hv) > _SEGMENT:
                out.append(_signature_rows(group, a, b))
                group, size = [], 0
            group.append(hv)
            size += len(hv)
            if size >= _GROUP:
                out.append(_signature_rows(group, a, b))
                group, size = [], 0
        if group:
            out.append(_signature_rows(group, a, b))
    values = np.concatenate(out) if out else np.empty((0, num_perm), dtype=np.uint32)
    return values, n_words


def _signature_rows(group: list[np.ndarray], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The affine32 signature of each text of *group* (its shingle hashes, none empty), shape (len(group), num_perm).

    Laid out as (permutations, n_shingles of the whole group), :data:`_TILE` permutations at a time, reduced
    along the contiguous rows per text (``np.minimum.reduceat``); a text longer than :data:`_SEGMENT`
    shingles comes alone, in parts."""
    s1, m1, s2, m2, s3 = _FMIX32
    hv = np.concatenate(group).astype(np.uint32)
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    hv = hv ^ (hv >> s3)
    if len(hv) > _SEGMENT:  # one long text
        sig = None
        for lo in range(0, len(hv), _SEGMENT):
            permuted = a * hv[None, lo:lo + _SEGMENT]
            permuted += b
            part = permuted.min(axis=1)
            sig = part if sig is None else np.minimum(sig, part)
        return sig[None, :]
    starts = np.cumsum([0] + [len(h) for h in group[:-1]])
    rows = np.empty((len(group), len(a)), dtype=np.uint32)
    for k in range(0, len(a), _TILE):  # a few permutations at a time: the work array stays in cache
        permuted = a[k:k + _TILE] * hv[None, :]
        permuted += b[k:k + _TILE]
        rows[:, k:k + _TILE] = np.minimum.reduceat(permuted, starts, axis=1).T
    return rows


def find_clusters(articles: pd.DataFrame, threshold: float = THRESHOLD, num_perm: int = NUM_PERM, shingle: int = SHINGLE,
                  seed: int = 1, min_own_words: int = MIN_OWN_WORDS) -> pd.DataFrame:
    """Group articles whose texts are near-identical copies of one another.

    Method
    ------
    Each text is case-folded and split into words (runs of ``\\w``); its set of word
    *shingle*-grams (5 consecutive words by default) is summarised by a MinHash signature of
    *num_perm* values (Broder 1997, "On the resemblance and containment of documents"): the
    share of equal signature values between two texts estimates the Jaccard similarity of their
    shingle sets (|A ∩ B| / |A ∪ B|, a proportion in [0, 1]), with standard error about
    sqrt(J(1-J)/num_perm) (0.04 at J = 0.7, num_perm = 128). Candidate pairs come from
    datasketch's ``MinHashLSH(threshold, num_perm)``, which cuts each signature into b bands of
    r rows (b, r chosen by datasketch to balance false positives and negatives at *threshold*)
    and pairs texts that agree on a whole band; each candidate pair is then kept only when its
    estimated Jaccard (``MinHash.jaccard``) is ≥ *threshold*. Clusters are the connected
    components of the kept pairs. Texts with exactly the same signature are merged before the
    index (their estimated Jaccard is 1.0), so a story copied by hundreds of outlets costs one
    index entry.

    Why these settings: 5-word shingles are long enough that unrelated reports on the same
    event ("Navy ships began war games near the strait") share few of them, and short enough
    that a copy with a one-line footer, a changed dateline or a trimmed last paragraph keeps
    most: a 100-word wire text plus a 6-word footer keeps J ≈ 0.94. At a threshold of 0.7 a
    copy may drop up to 30 % of the original's shingles or add up to about 40 % new ones,
    while an edit of one word in every 15 already brings J down to about 0.5 and a genuine
    paraphrase shares almost no shingles -- rewritten copies are treated as own reporting.

    Speed: words are split and hashed for a whole chunk of texts at once (Arrow, numpy) and
    sketched with :func:`signature_values` (``MinHash.bulk``'s values, computed along contiguous
    rows); on one core a 600-word English text takes about 0.1 ms of CPU, half of it words and
    shingles (``benchmarks/bench_syndication.py --baseline`` times the sketching). ``num_perm=64``
    saves about a tenth of that (0.102 -> 0.093 ms on ``make_articles.py`` texts) and raises the
    standard error at J = 0.7 from 0.040 to 0.057, so the default stays 128.

    Short texts at their own outlet: a text of fewer than *min_own_words* words (25 by default:
    a headline, a photo caption, a title and lead with no body) is a copy only of another
    outlet's text, never of its own outlet's. Outlets reuse their own short texts for
    different articles -- a photo item's caption (KCNA's "DPRK Foreign Minister Leaves for
    Russia" on two trips six weeks apart), a recurring headline (Reuters' "Ukraine and Russia:
    What you need to know right now", 16 times in RUWA; WSJ's "What's News: World-Wide"), a
    flash's words again in the full story (Xinhua's "Urgent: ..." then "...") -- so alike short
    texts at one outlet show a template, not a republished article; the same words at *another*
    outlet still show copying (Xinhua's headlines at China Daily, CGTN and Global Times). This
    follows two findings of near-duplicate detection: shingling is unreliable for pairs on the
    same site, where templates make unrelated pages alike, and precise for pairs on different
    sites (Henzinger 2006, "Finding near-duplicate web pages: a large-scale evaluation of
    algorithms", SIGIR); and a document of a few tokens is too short to be judged a duplicate
    (codeparrot's near-deduplication script sketches no file of fewer than 10 distinct tokens;
    text-dedup's MinHash skips documents under its ``min_length`` tokens). The number 25 is
    ours, from the real corpora: at one outlet, alike texts under 25 words were templates (KCNA
    captions of 5-10 words, Reuters and WSJ recurring headlines of 10-13, Al Jazeera's "list of
    key events" of 21), those of 27 words or more the same article under two URLs (Al Jazeera
    27, WSJ 30, RT 38, ABC News 41, Ukrinform 45, Times of India 116 words). The rule: in a
    cluster, an outlet with a short member keeps only its earliest member (by ``published_at``,
    then ``article_id``); its later members there are the outlet repeating its own text and are
    in no cluster. The other outlets' members stay, even one alike only to a left-out member
    (the outlet's alike short texts stand as one text, its earliest). So a short text never
    shares a cluster with another text of its own outlet, a cluster of one outlet holds only
    texts of *min_own_words* words or more, and pairs of texts of different outlets count
    whatever their length.

    ``syndicated`` is true for every member of a cluster spanning two or more outlets (the
    first copy included: it is wire copy too), and for every member of a single-outlet cluster
    in which some text opens with a wire dateline (:data:`WIRE_DATELINE_RE`, e.g.
    ``PORT CITY (Wire) -``, ``(Reuters) -``, ``(Xinhua) --``). A single-outlet cluster
    with no such dateline (an outlet repeating its own text under another URL) is not
    syndicated.

    Known limits
    ------------
    * Short texts: a text with fewer than *shingle* words is one shingle of all its words, so
      headline-only texts cluster only when (nearly) identical -- and identical headlines at
      different outlets *do* cluster and are marked syndicated, even generic ones ("Live
      updates", "Morning briefing") written independently. Headline corpora need care.
    * Short texts at one outlet: a template of *min_own_words* words or more (a newsletter's
      fixed 85-word summary under changing headlines, The Hill in RSS world news) still pairs
      at its outlet; an article repeated at its outlet in fewer words (a short brief moved to
      another URL) is not a copy. Length is counted in the text as stored, so a title and
      lead of 25 words or more counts as long.
    * Short texts with footers: a fixed footer weighs more on a short text. The 23-word wire
      text of case C11 plus a 6-word footer is at J = 19/25 = 0.76, just above the threshold;
      a 12-word text with the same footer would not cluster.
    * Estimates: near the threshold a pair may fall on either side (standard error above);
      LSH may miss a pair of true similarity just above the threshold (false negative).
    * Chaining: clusters are connected components, so A~B and B~C put A and C together even
      when A and C are below the threshold; ``similarity`` (to the first member) shows it.
    * A wire story that only one article of the batch carries is in no cluster, whatever its
      dateline. Texts with no words are in no cluster. Undated articles sort after dated ones
      when choosing the first member.

    Parameters
    ----------
    articles : DataFrame with columns ``article_id`` (unique), ``outlet``, ``published_at``
        (datetime; NaT allowed) and ``text``. Not modified.
    threshold : minimum estimated Jaccard similarity of word-shingle sets, in (0, 1].
    num_perm : MinHash permutations (signature length); fewer is faster and noisier.
    shingle : words per shingle.
    seed : seed of the MinHash permutations (fixed, so results are reproducible).
    min_own_words : fewest words (``\\w`` runs, as shingled) a text needs to be a copy of a text of
        its own outlet; 0 lets every text be one.

    Returns
    -------
    DataFrame shaped as the ``article_clusters`` table: one row per article in a cluster of two
    or more members, ordered by cluster, then publication; ``cluster_id`` is the ``article_id``
    of the earliest member (by ``published_at``, then ``article_id``).
    """
    _check_settings(threshold, min_own_words)
    missing = [c for c in ("article_id", "outlet", "published_at", "text") if c not in articles.columns]
    if missing:
        raise ValueError(f"find_clusters needs columns article_id, outlet, published_at, text; missing {missing}")
    if articles["article_id"].duplicated().any():
        dup = articles.loc[articles["article_id"].duplicated(), "article_id"].iloc[0]
        raise ValueError(f"article_id must be unique; {dup!r} appears more than once")
    sketch = sketch_articles(articles, num_perm=num_perm, shingle=shingle, seed=seed)
    return cluster_sketches(sketch, articles["outlet"], articles["published_at"], threshold=threshold,
                            min_own_words=min_own_words)


def _check_settings(threshold: float, min_own_words: int) -> None:
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], not {threshold!r}")
    if isinstance(min_own_words, bool) or not isinstance(min_own_words, (int, np.integer)) or min_own_words < 0:
        raise ValueError(f"min_own_words must be a whole number of words, 0 or more, not {min_own_words!r}")


def sketch_articles(articles: pd.DataFrame, num_perm: int = NUM_PERM, shingle: int = SHINGLE,
                    seed: int = 1) -> pd.DataFrame:
    """The part of :func:`find_clusters` that reads the texts, for one batch of articles.

    A batch's sketches depend only on its own texts, so they can be computed batch by batch
    (in the score stage, on any engine) and only the signatures kept for
    :func:`cluster_sketches` over the whole store.

    Parameters
    ----------
    articles : DataFrame with columns ``article_id`` and ``text``.

    Returns
    -------
    DataFrame with one row per article, in the order given: ``article_id``, ``wire_cue``
    (bool, :func:`has_wire_dateline`), ``n_words`` (int32: the words shingled, 0 for a text with
    none; a text under :data:`MIN_OWN_WORDS` pairs only with other outlets' texts), ``signature``
    (bytes: the *num_perm* MinHash values of :func:`minhashes` as little-endian uint32 --
    lossless, datasketch's values are below 2**32 -- or None for a text with no words).
    """
    texts = articles["text"]
    # Verbatim copies (common for wire stories) are shingled and sketched once.
    text_codes, distinct_texts = pd.factorize(texts, sort=False)
    values, n_words = _signature_values(distinct_texts, num_perm=num_perm, shingle=shingle, seed=seed)
    rows = iter(values.astype("<u4"))
    distinct = [next(rows).tobytes() if words else None for words in n_words.tolist()]
    codes = text_codes.tolist()
    return pd.DataFrame({
        "article_id": articles["article_id"].to_numpy(dtype=object),
        "wire_cue": np.array([isinstance(t, str) and has_wire_dateline(t) for t in texts.tolist()], dtype=bool),
        "n_words": np.array([n_words[c] if c >= 0 else 0 for c in codes], dtype=np.int32),
        "signature": pd.Series([distinct[c] if c >= 0 else None for c in codes], dtype=object),
    })


def _row_hashes(values: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row of a 2-D uint32 array (equal rows, equal hashes; others almost never)."""
    out = np.zeros(len(values), dtype=np.uint64)
    for j in range(values.shape[1]):
        out *= np.uint64(0x9E3779B97F4A7C15)
        out ^= values[:, j].astype(np.uint64) * _POSITION_MULTIPLIERS[j % _MAX_SHINGLE]
        out ^= out >> np.uint64(29)
    return out


def _equal_row_groups(values: np.ndarray) -> list[np.ndarray]:
    """Row indices of *values* (2-D) grouped by equal rows, groups of two or more, each in row order."""
    hashes = _row_hashes(values)
    order = np.argsort(hashes, kind="stable")
    sorted_hashes = hashes[order]
    starts = np.flatnonzero(np.r_[True, sorted_hashes[1:] != sorted_hashes[:-1]])
    ends = np.r_[starts[1:], len(order)]
    groups = []
    for a, b in zip(starts[ends - starts >= 2].tolist(), ends[ends - starts >= 2].tolist()):
        rows = np.sort(order[a:b])
        exact: dict[bytes, list[int]] = {}  # a hash collision splits into exact groups here
        for r in rows.tolist():
            exact.setdefault(values[r].tobytes(), []).append(r)
        groups += [np.array(g) for g in exact.values() if len(g) >= 2]
    return groups


def cluster_sketches(sketch: pd.DataFrame, outlets, published_at, threshold: float = THRESHOLD,
                     min_own_words: int = MIN_OWN_WORDS) -> pd.DataFrame:
    """Clusters of near-identical texts from their :func:`sketch_articles` rows (the method of :func:`find_clusters`).

    Parameters
    ----------
    sketch : :func:`sketch_articles` rows of every article to cluster (``article_id`` unique),
        concatenated in any order.
    outlets, published_at : array-likes of length n_articles aligned with *sketch*: each
        article's outlet and publication instant (NaT allowed).
    threshold : minimum estimated Jaccard similarity, in (0, 1].
    min_own_words : fewest words a text needs to be a copy of a text of its own outlet.

    Candidate pairs are those that agree on a whole band of the signature, with the bands of
    ``datasketch.MinHashLSH(threshold, num_perm)`` (so the same pairs as its index), found by
    sorting each band's rows instead of holding an index of a million entries; a pair is kept
    when its estimated Jaccard (share of equal signature values) is >= *threshold* and, for two
    texts of one outlet, both have *min_own_words* words or more.

    Returns
    -------
    DataFrame shaped as the ``article_clusters`` table (see :func:`find_clusters`).
    """
    return cluster_signatures(*signature_arrays(sketch), outlets, published_at, threshold, min_own_words)


def signature_arrays(sketch: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`sketch_articles` rows as compact arrays for :func:`cluster_signatures`: article ids
    (object, n), wire cues (bool, n), signatures of the texts with words (uint32, (n_with_words,
    num_perm)) and each text's number of words (int32, n; 0 for a text with no words, which has
    no signature, so ``n_words > 0`` says which texts have one)."""
    signatures = sketch["signature"].tolist()
    n_words = sketch["n_words"].to_numpy(dtype=np.int32)
    values = np.frombuffer(b"".join(sig for sig in signatures if sig is not None), dtype="<u4").copy()
    n_with_words = sum(sig is not None for sig in signatures)
    if n_with_words != int(np.count_nonzero(n_words)):
        raise ValueError(f"sketch rows disagree: {n_with_words} signatures but {np.count_nonzero(n_words)} texts "
                         "with words")
    return (sketch["article_id"].to_numpy(dtype=object), sketch["wire_cue"].to_numpy(dtype=bool),
            values.reshape(n_with_words, -1) if n_with_words else values.reshape(0, 0), n_words)


def _earliest_first(members: np.ndarray, times: np.ndarray, article_ids: np.ndarray) -> np.ndarray:
    """*members* (article rows) from the earliest: by publication (NaT last), then article id."""
    key = [(np.isnat(times[m]), times[m] if not np.isnat(times[m]) else np.datetime64(0, "ns"), str(article_ids[m]))
           for m in members.tolist()]
    return members[sorted(range(len(members)), key=key.__getitem__)]


def cluster_signatures(article_ids: np.ndarray, wire_cue: np.ndarray, values: np.ndarray, n_words: np.ndarray,
                       outlets, published_at, threshold: float = THRESHOLD,
                       min_own_words: int = MIN_OWN_WORDS) -> pd.DataFrame:
    """:func:`cluster_sketches` on the compact arrays of :func:`signature_arrays` (article ids,
    wire cues, uint32 signatures of shape (n_with_words, num_perm), words per text), all aligned.

    Equal signatures are merged before the bands (one representative each); an outlet's short
    texts among them are first cut down to the earliest, as the cluster rule of
    :func:`find_clusters` would cut them (equal signatures have the same partners, so they end
    in one cluster), which keeps a caption repeated thousands of times to one row in the bands.
    """
    _check_settings(threshold, min_own_words)
    n_words = np.asarray(n_words)
    if n_words.dtype == bool:
        raise TypeError("cluster_signatures takes each text's number of words (signature_arrays), not a has-words mask")
    n = len(article_ids)
    rows = np.flatnonzero(n_words > 0)
    if n < 2 or len(rows) < 2:
        return _empty()
    num_perm = values.shape[1]
    article_ids = np.asarray(article_ids, dtype=object)
    outlet_codes = pd.factorize(pd.Series(np.asarray(outlets, dtype=object)), use_na_sentinel=False)[0]
    times = pd.to_datetime(pd.Series(published_at), utc=True).to_numpy(dtype="datetime64[ns]")   # UTC, NaT kept
    outlet = outlet_codes[rows]                      # per signature row
    is_short = n_words[rows] < min_own_words
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    # Identical signatures first (estimated Jaccard 1.0): one representative each in the bands.
    is_rep = np.ones(len(rows), dtype=bool)
    for group in _equal_row_groups(values):
        if is_short[group].any():
            group = _without_own_repeats(group, is_short, outlet, rows, times, article_ids, is_rep)
        if len(group) >= 2:
            left.append(np.full(len(group) - 1, group[0]))
            right.append(group[1:])
            is_rep[group[1:]] = False
    reps = np.flatnonzero(is_rep)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    pairs: list[np.ndarray] = []
    for start, end in lsh.hashranges:
        for group in _equal_row_groups(values[reps, start:end]):
            members = reps[group]
            a, b = np.triu_indices(len(members), k=1)
            pairs.append(members[a] * np.int64(len(rows)) + members[b])
    if pairs:
        keys = np.unique(np.concatenate(pairs))
        a, b = keys // len(rows), keys % len(rows)
        for k in range(0, len(keys), 100_000):
            sa, sb = a[k:k + 100_000], b[k:k + 100_000]
            similar = np.count_nonzero(values[sa] == values[sb], axis=1) / float(num_perm) >= threshold
            left.append(sa[similar])
            right.append(sb[similar])
    left_rows = rows[np.concatenate(left)] if left else np.empty(0, dtype=np.int64)
    if not len(left_rows):
        return _empty()
    right_rows = rows[np.concatenate(right)]
    graph = coo_matrix((np.ones(len(left_rows), dtype=np.int8), (left_rows, right_rows)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    members = np.flatnonzero(sizes[labels] >= 2)
    position = np.full(n, -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))

    frame = pd.DataFrame({
        "row": members,
        "label": labels[members],
        "article_id": article_ids[members],
        "outlet": np.asarray(outlets, dtype=object)[members],
        "outlet_code": outlet_codes[members],
        "short": n_words[members] < min_own_words,
        "published_at": times[members],
        "wire_cue": np.asarray(wire_cue, dtype=bool)[members],
    })
    frame = frame.sort_values(["label", "published_at", "article_id"], na_position="last", kind="stable")
    # An outlet with a short text in a cluster keeps only its earliest member there (find_clusters).
    own = frame.groupby(["label", "outlet_code"], sort=False)
    frame = frame[~(own["short"].transform("any") & (own.cumcount() > 0)).to_numpy()]
    frame = frame[frame.groupby("label")["row"].transform("size").to_numpy() >= 2]
    if frame.empty:
        return _empty()
    groups = frame.groupby("label", sort=False)
    first_row = groups["row"].transform("first")
    frame["cluster_id"] = groups["article_id"].transform("first")
    frame["n_members"] = groups["row"].transform("size").astype("int64")
    frame["n_outlets"] = groups["outlet"].transform("nunique").astype("int64")
    frame["is_first"] = (frame["row"] == first_row).to_numpy()
    frame["syndicated"] = ((frame["n_outlets"] >= 2) | groups["wire_cue"].transform("any")).astype(bool)
    r_pos, f_pos = position[frame["row"].to_numpy()], position[first_row.to_numpy()]
    frame["similarity"] = np.where(r_pos == f_pos, 1.0,
                                   np.count_nonzero(values[r_pos] == values[f_pos], axis=1) / float(num_perm))
    frame = frame.sort_values(["cluster_id", "is_first", "published_at", "article_id"],
                              ascending=[True, False, True, True], na_position="last", kind="stable")
    return frame[list(_COLUMNS)].reset_index(drop=True).astype(_DTYPES)


def _without_own_repeats(group: np.ndarray, is_short: np.ndarray, outlet: np.ndarray, rows: np.ndarray,
                         times: np.ndarray, article_ids: np.ndarray, is_rep: np.ndarray) -> np.ndarray:
    """*group* (signature rows with equal signatures, in row order) without the short texts that
    repeat an earlier short text of their outlet: those are marked in no cluster (``is_rep``
    False, in no pair) and left out of the group returned, still in row order."""
    keep = np.ones(len(group), dtype=bool)
    for code in np.unique(outlet[group[is_short[group]]]).tolist():
        at = np.flatnonzero(is_short[group] & (outlet[group] == code))
        if len(at) < 2:
            continue
        first = _earliest_first(rows[group[at]], times, article_ids)[0]
        later = at[rows[group[at]] != first]
        keep[later] = False
        is_rep[group[later]] = False
    return group[keep]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _DTYPES.items()})


def distinct_stories(article_ids: Iterable[str], clusters: pd.DataFrame) -> int:
    """Number of distinct stories among *article_ids*: each cluster counts once.

    Parameters
    ----------
    article_ids : ids of the selected articles (duplicates are ignored).
    clusters : the ``article_clusters`` table (or :func:`find_clusters` output); articles not
        in it are stories of their own.
    """
    ids = pd.Series(pd.unique(pd.Series(list(article_ids), dtype=object)), dtype=object)
    story = clusters.drop_duplicates("article_id").set_index("article_id")["cluster_id"]
    return int(ids.map(story).fillna(ids).nunique())
