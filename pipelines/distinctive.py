"""Distinctive terms: the log-odds ratio with an informative Dirichlet prior, outlet against the rest.

The method is Monroe, Colaresi & Quinn (2008), "Fightin' Words: Lexical Feature Selection
and Evaluation for Identifying the Content of Political Conflict", *Political Analysis*
16(4), 372-403, §3.5 (eqs. 16-22). For a term *w*, an outlet *i* and the rest *j* (every other
selected outlet, pooled):

* counts ``y_iw``, ``y_jw``; totals ``n_i``, ``n_j`` (every counted term of the side);
* an informative Dirichlet prior ``α_w = α_0 · π_w`` with ``π_w`` the term's share of all
  counted terms of the *current selection* (both sides), ``α_0 = Σ_w α_w``;
* ``δ_w = log((y_iw + α_w) / (n_i + α_0 − y_iw − α_w)) − log((y_jw + α_w) / (n_j + α_0 − y_jw − α_w))``;
* ``σ²_w ≈ 1/(y_iw + α_w) + 1/(y_jw + α_w)``; ``z_w = δ_w / √σ²_w``.

Our choice of α_0: by default the selection's total count *N* (so ``α_w`` is simply the
term's count in the whole selection, the "background corpus as prior" reading used by most
implementations); :func:`distinctive_terms` takes another ``alpha_0``. ``z > 1.96`` marks a
term the outlet uses more than the rest beyond what sampling noise would give at the 5 %
level *for that one term*; over thousands of terms many pass by chance (no correction for
multiple comparisons). Counts are per word occurrence, not per article.

Terms (:func:`article_terms`) are the words of the article's matching copy
(:func:`pipelines.text.matching_copy`: lower case, quotes, dashes and punctuation folded),
at least :data:`MIN_TERM_LENGTH` characters, with at least one letter, not in
:data:`STOP_WORDS`; optionally bigrams of two such words that are next to each other in the
text, in the same voice, with no punctuation or line break between them. With a voice other
than ``all``, only words in that voice count: a word's voice is given by the ``quotes``
spans of its article exactly as a mention's (:func:`pipelines.quotes.voice_of`).

Everything is computed at query time for the current filter; nothing new is stored. A
selection of more than :data:`MAX_WORDS` words is counted on a fixed pseudo-random sample
of its articles (``hash(article_id)`` order) holding about that many words, which the caller
reports (about 350,000-650,000 words a second on one core: RSS items to KCNA full texts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from .concordance import KWIC_LIMIT, SPAN_COLUMNS, narrowed
from .quotes import Quote, voice_of
from .rollups import Filters, _selection_sql
from .schemas import ALL, VOICES
from .text import fold, matching_copy

STOP_WORDS = frozenset(ENGLISH_STOP_WORDS)
"""Words never counted: scikit-learn's English stop-word list (318 words, Glasgow IR group)."""

MIN_TERM_LENGTH = 2
"""Shortest word counted, in characters (drops the ``s`` of a folded ``regime's``)."""

MIN_COUNT = 5
"""Default: terms used fewer times than this in the whole selection are not reported
(they are still counted in the totals ``n_i`` and ``n_j``)."""

MAX_WORDS = 2_000_000
"""Words (``articles.n_words``) of the largest selection counted in full; a larger one is
counted on a fixed sample of its articles: in ``hash(article_id)`` order, up to the article
that reaches this many words."""

BIGRAM_BREAKS = ".,;:!?()[]{}\"\n\u201c\u201d\u201e\u00ab\u00bb\u2013\u2014\u2026"
"""Characters that end a bigram: a pair of words with one of these between them is no bigram."""
_BREAK_TABLE = np.zeros(0x10000, dtype=bool)
_BREAK_TABLE[[ord(c) for c in BIGRAM_BREAKS]] = True

_VOICE_CODE = {v: k for k, v in enumerate(VOICES)}


@dataclass(frozen=True)
class ArticleTerms:
    """The words of one article with their offsets and voices.

    Attributes
    ----------
    words : list of str, the folded words in text order (stop words included).
    starts, ends : int arrays, offsets of each word in the article text (end exclusive).
    voices : int array, index into :data:`pipelines.schemas.VOICES` of each word's voice.
    joined : bool array of length ``len(words) - 1``: True when word *k* and *k + 1* may form a
        bigram (no :data:`BIGRAM_BREAKS` character between them, same voice); ``None`` when
        not asked for.
    """

    words: list[str]
    starts: np.ndarray
    ends: np.ndarray
    voices: np.ndarray
    joined: np.ndarray | None


def _voices(quotes: list[Quote], starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Voice code of each word ``[starts[k], ends[k])``, as :func:`voice_of` gives it."""
    out = np.zeros(len(starts), dtype=np.int8)
    if not quotes or not len(starts):
        return out
    # Elementary segments between quote bounds; each gets the voice of its innermost quote.
    bounds = np.unique(np.array([0] + [q.start for q in quotes] + [q.end for q in quotes], dtype=np.int64))
    seg = np.array([_VOICE_CODE[voice_of(quotes, int(b), int(b) + 1)[0]] for b in bounds], dtype=np.int8)
    k_start = np.searchsorted(bounds, starts, side="right") - 1
    k_last = np.searchsorted(bounds, ends - 1, side="right") - 1
    out = seg[k_start]
    # A word across a quote bound is rare: ask voice_of about the whole word.
    for k in np.flatnonzero(k_start != k_last):
        out[k] = _VOICE_CODE[voice_of(quotes, int(starts[k]), int(ends[k]))[0]]
    return out


def article_terms(text: str, quotes: list[Quote] = (), pairs: bool = True) -> ArticleTerms:
    """Split *text* into folded words with offsets and voices (see the module docstring).

    Parameters
    ----------
    text : the canonical article text (``articles.text``).
    quotes : the article's quotation spans (``quotes`` rows as :class:`Quote`).
    pairs : also find which neighbouring words may form a bigram (``joined``).

    Returns
    -------
    ArticleTerms
        ``fold(text[starts[k]:ends[k]]) == words[k]`` for every *k*.
    """
    copy, offsets = matching_copy(text)
    words = copy.split()
    if not words:
        empty = np.zeros(0, dtype=np.int64)
        return ArticleTerms([], empty, empty, np.zeros(0, dtype=np.int8), np.zeros(0, dtype=bool) if pairs else None)
    lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    cstart = np.empty(len(words), dtype=np.int64)
    cstart[0] = 1
    np.cumsum(lens[:-1] + 1, out=cstart[1:])
    cstart[1:] += 1
    starts = offsets[cstart]
    ends = offsets[cstart + lens - 1] + 1
    voices = _voices(list(quotes), starts, ends)
    joined = None
    if pairs and len(words) > 1:
        if text.isascii():
            breaks = _BREAK_TABLE[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
        else:
            breaks = _BREAK_TABLE[np.minimum(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32), 0xFFFF)]
        cum = np.zeros(len(text) + 1, dtype=np.int64)
        np.cumsum(breaks, out=cum[1:])
        joined = (cum[starts[1:]] == cum[ends[:-1]]) & (voices[1:] == voices[:-1])
    elif pairs:
        joined = np.zeros(0, dtype=bool)
    return ArticleTerms(words, starts, ends, voices, joined)


_KEEP: dict[str, bool] = {}


def _kept(words: list[str]) -> list[bool]:
    """For each word, whether it is counted: long enough, has a letter, not a stop word (memoised)."""
    known = _KEEP
    for w in set(words).difference(known):
        known[w] = len(w) >= MIN_TERM_LENGTH and w not in STOP_WORDS and any(c.isalpha() for c in w)
    out = [known[w] for w in words]
    if len(known) > 2_000_000:          # a bound on the memo over a long-running dashboard
        known.clear()
    return out


def term_list(terms: ArticleTerms, voice: str = ALL, bigrams: bool = False) -> list[str]:
    """The counted terms of one article in *voice* (``"all"`` or one of VOICES), in text order.

    Unigrams first, then (with *bigrams*) every pair of adjacent counted words joined by a
    space, where :attr:`ArticleTerms.joined` allows it.
    """
    words = terms.words
    keep = _kept(words)
    if voice != ALL:
        code = _VOICE_CODE[voice]
        keep = [k and v == code for k, v in zip(keep, terms.voices.tolist())]
    out = [w for w, k in zip(words, keep) if k]
    if bigrams and len(words) > 1:
        if terms.joined is None:
            raise ValueError("bigrams need article_terms(..., pairs=True)")
        joined = terms.joined.tolist()
        out += [f"{words[k]} {words[k + 1]}" for k in range(len(words) - 1)
                if joined[k] and keep[k] and keep[k + 1]]
    return out


def _identity(doc: list[str]) -> list[str]:
    return doc


@dataclass(frozen=True)
class TermCounts:
    """Term counts per outlet for one selection.

    Attributes
    ----------
    outlets : list of outlet names (rows of *counts*), sorted.
    terms : ndarray of str, shape (n_terms,), sorted (columns of *counts*).
    counts : int32 ndarray of shape (n_outlets, n_terms): occurrences of each term in the
        outlet's counted articles, in the chosen voice.
    n_articles : dict outlet -> articles counted; *n_selected* : articles in the selection.
    voice, bigrams : what was counted.
    """

    outlets: list[str]
    terms: np.ndarray
    counts: np.ndarray
    n_articles: dict[str, int]
    n_selected: int
    voice: str
    bigrams: bool

    @property
    def sampled(self) -> bool:
        """True when fewer articles were counted than the selection holds."""
        return sum(self.n_articles.values()) < self.n_selected

    @property
    def n_counted(self) -> int:
        return sum(self.n_articles.values())


def _quotes_by_article(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, list[Quote]]:
    rows = con.execute(
        "SELECT article_id, start_char, end_char, kind, speaker, cue, closed FROM quotes "
        "WHERE article_id IN (SELECT unnest(?)) ORDER BY article_id, quote_id", [ids]).fetchall() if ids else []
    out: dict[str, list[Quote]] = {}
    for aid, s, e, kind, speaker, cue, closed in rows:
        out.setdefault(aid, []).append(Quote(s, e, kind, speaker, cue, bool(closed)))
    return out


def count_terms(con: duckdb.DuckDBPyConnection, filters: Filters, *, bigrams: bool = False,
                max_words: int = MAX_WORDS, chunk: int = 2000) -> TermCounts:
    """Count the terms of the selected articles per outlet (the document-term matrix, summed).

    Parameters
    ----------
    con : an open store.
    filters : the selection (outlets, topics, dates, wire copies, voice; categories do not apply).
    bigrams : count adjacent word pairs too.
    max_words : when the selection holds more words, count a fixed sample of its articles
        holding about this many (see :data:`MAX_WORDS`).
    chunk : articles read from the store at a time (bounds memory).

    Returns
    -------
    TermCounts
        Built with scikit-learn's :class:`CountVectorizer` (sparse, one row per article) over
        :func:`term_list`, then summed per outlet.
    """
    params: list = []
    sel = _selection_sql(filters, params)
    n_selected = int(con.execute(f"SELECT count(*) FROM ({sel})", params).fetchone()[0])
    rows = con.execute(
        "SELECT article_id, outlet FROM (SELECT s.article_id, s.outlet, sum(a.n_words) OVER (ORDER BY "
        "hash(s.article_id), s.article_id ROWS UNBOUNDED PRECEDING) - a.n_words AS words_before "
        f"FROM ({sel}) s JOIN articles a USING (article_id)) WHERE words_before < ?",
        [*params, int(max_words)]).fetchall()
    ids = [r[0] for r in rows]
    outlet_of = dict(rows)
    docs: list[list[str]] = []
    doc_outlets: list[str] = []
    for s in range(0, len(ids), chunk):
        part = ids[s:s + chunk]
        texts = con.execute("SELECT article_id, text FROM articles WHERE article_id IN (SELECT unnest(?))",
                            [part]).fetchall()
        quotes = _quotes_by_article(con, part) if filters.voice != ALL else {}
        for aid, text in texts:
            docs.append(term_list(article_terms(text, quotes.get(aid, ()), pairs=bigrams), filters.voice, bigrams))
            doc_outlets.append(outlet_of[aid])
    outlets = sorted(set(doc_outlets))
    if not docs or not any(docs):
        return TermCounts(outlets, np.array([], dtype=object), np.zeros((len(outlets), 0), dtype=np.int32),
                          {o: doc_outlets.count(o) for o in outlets}, n_selected, filters.voice, bigrams)
    vec = CountVectorizer(analyzer=_identity, lowercase=False)
    x = vec.fit_transform(docs)
    row_of = {o: k for k, o in enumerate(outlets)}
    row_idx = [row_of[o] for o in doc_outlets]
    group = sparse.csr_matrix((np.ones(len(docs), dtype=np.int32), (row_idx, range(len(docs)))),
                              shape=(len(outlets), len(docs)))
    counts = (group @ x).toarray().astype(np.int32)      # 24 outlets x 220k bigrams: 21 MB
    n_articles = pd.Series(doc_outlets).value_counts().to_dict()
    return TermCounts(outlets, vec.get_feature_names_out(), counts, {o: int(n_articles[o]) for o in outlets},
                      n_selected, filters.voice, bigrams)


def log_odds(counts_i: pd.Series, counts_j: pd.Series, prior: pd.Series) -> pd.DataFrame:
    """Log-odds ratio with an informative Dirichlet prior, group *i* against group *j*.

    Monroe, Colaresi & Quinn (2008), §3.5, eqs. 16-22:
    ``δ_w = log((y_iw+α_w)/(n_i+α_0−y_iw−α_w)) − log((y_jw+α_w)/(n_j+α_0−y_jw−α_w))``,
    ``σ²_w ≈ 1/(y_iw+α_w) + 1/(y_jw+α_w)``, ``z_w = δ_w/√σ²_w``.

    Parameters
    ----------
    counts_i, counts_j : Series of term -> count (word occurrences) of each side; terms
        missing from one side count 0 there. ``n_i`` and ``n_j`` are their sums.
    prior : Series of term -> ``α_w`` (pseudo-counts, all > 0); ``α_0`` is its sum.

    Returns
    -------
    DataFrame with one row per term of *prior*, in its order: ``term, count_i, count_j``
    (int), ``delta`` (natural log of the odds ratio), ``var`` (σ², approximate variance of
    delta), ``z``. A term absent from both sides still gets a row (its δ comes from the prior
    and the totals alone).

    Raises
    ------
    ValueError
        When a prior is not positive, or a term is counted but has no prior.
    """
    counts_i = counts_i.astype("int64")
    counts_j = counts_j.astype("int64")
    unknown = counts_i.index.union(counts_j.index).difference(prior.index)
    if len(unknown):
        raise ValueError(f"{len(unknown)} counted terms have no prior, e.g. {list(unknown[:3])}; "
                         "the prior must cover every counted term")
    alpha = prior.astype(float)
    if not (alpha > 0).all():
        bad = list(alpha.index[~(alpha > 0)][:3])
        raise ValueError(f"every prior α_w must be > 0; not so for {bad}")
    y_i = counts_i.reindex(alpha.index, fill_value=0).to_numpy(dtype=float)
    y_j = counts_j.reindex(alpha.index, fill_value=0).to_numpy(dtype=float)
    a = alpha.to_numpy()
    return _log_odds_frame(alpha.index.to_numpy(), y_i, y_j, a, float(counts_i.sum()), float(counts_j.sum()),
                           float(a.sum()))


def _log_odds_frame(terms, y_i, y_j, a, n_i: float, n_j: float, a0: float) -> pd.DataFrame:
    delta = (np.log(y_i + a) - np.log(n_i + a0 - y_i - a)) - (np.log(y_j + a) - np.log(n_j + a0 - y_j - a))
    var = 1.0 / (y_i + a) + 1.0 / (y_j + a)
    return pd.DataFrame({"term": terms, "count_i": y_i.astype("int64"), "count_j": y_j.astype("int64"),
                         "delta": delta, "var": var, "z": delta / np.sqrt(var)})


DISTINCTIVE_COLUMNS = ["term", "count_i", "count_j", "per_1k_i", "per_1k_j", "delta", "var", "z"]
"""Columns of :func:`distinctive_terms`."""


def distinctive_terms(counts: TermCounts, outlet: str, *, min_count: int = MIN_COUNT,
                      alpha_0: float | None = None) -> pd.DataFrame:
    """Every term's log-odds z-score for *outlet* against the other outlets of *counts*, pooled.

    Parameters
    ----------
    counts : from :func:`count_terms`.
    outlet : one of ``counts.outlets``.
    min_count : leave out terms used fewer times than this in the whole selection.
    alpha_0 : strength of the prior (``Σ α_w``); ``None``: the selection's total count, so
        ``α_w`` is the term's count over every selected outlet.

    Returns
    -------
    DataFrame with :data:`DISTINCTIVE_COLUMNS`, most distinctive for *outlet* first (z
    descending; the rest's most distinctive terms are last). ``count_i`` / ``count_j``:
    occurrences in the outlet / the rest; ``per_1k_i`` / ``per_1k_j``: per 1,000 counted
    terms of that side; ``delta``, ``var``, ``z`` as in :func:`log_odds`.

    Raises
    ------
    ValueError
        When *outlet* is not in *counts*, or the selection has fewer than two outlets (there
        is no "rest" to compare with).
    """
    if outlet not in counts.outlets:
        raise ValueError(f"outlet {outlet!r} is not in the selection; expected one of {counts.outlets}")
    if len(counts.outlets) < 2:
        raise ValueError("distinctive terms compare an outlet with the rest: select at least two outlets")
    k = counts.outlets.index(outlet)
    y_i = counts.counts[k].astype(float)
    total = counts.counts.sum(axis=0).astype(float)
    y_j = total - y_i
    n = float(total.sum())
    if n == 0:
        return pd.DataFrame(columns=DISTINCTIVE_COLUMNS)
    a0 = n if alpha_0 is None else float(alpha_0)
    a = a0 * total / n
    out = _log_odds_frame(counts.terms, y_i, y_j, a, float(y_i.sum()), float(y_j.sum()), a0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["per_1k_i"] = 1000 * y_i / y_i.sum() if y_i.sum() else np.nan
        out["per_1k_j"] = 1000 * y_j / y_j.sum() if y_j.sum() else np.nan
    out = out[total >= min_count]
    return out.sort_values(["z", "term"], ascending=[False, True], ignore_index=True)[DISTINCTIVE_COLUMNS]


_FOLDS_APART_RE = "[\u00ad\u200b\u200c\u200d\u2060\ufeff]"
"""Characters that folding deletes but DuckDB's ``lower`` keeps (soft hyphen, zero-width)."""


def evidence_spans(con: duckdb.DuckDBPyConnection, filters: Filters, *, key: str | None = None,
                   outlet: str | None = None, start: date | None = None, end: date | None = None,
                   limit: int = KWIC_LIMIT) -> pd.DataFrame:
    """Occurrences of a distinctive term (*key*) in the selected articles, for the concordance.

    A term matches where the article's words (:func:`article_terms`) equal its folded words
    in a row, so matches are word-bounded and folded exactly as they were counted; a bigram
    does not match across punctuation. Under a voice filter, only occurrences in that voice
    (every word of it); ``voice`` and ``speaker`` come from the ``quotes`` spans
    (:func:`pipelines.quotes.voice_of`). Every selected article is searched, also when the
    counts came from a sample. *key* ``None`` (or one with no word) gives no rows: a line
    for every word of the selection is no evidence of anything.

    Returns
    -------
    DataFrame with :data:`pipelines.concordance.SPAN_COLUMNS` (``label``: the folded term),
    at most *limit* rows, by day, then article, then offset.
    """
    words = fold(key).split() if key else []
    if not words or limit <= 0:
        return pd.DataFrame(columns=SPAN_COLUMNS)
    f = narrowed(filters, outlet, start, end)
    params: list = []
    sel = _selection_sql(f, params)
    # Cheap pre-filter: every word of the term is in the lower-cased text, unless the text has
    # characters that folding deletes (soft hyphens, zero-width spaces).
    has_words = " AND ".join("strpos(lower(a.text), ?) > 0" for _ in words)
    params += words
    params.append(_FOLDS_APART_RE)
    cur = con.execute(
        f"WITH sel AS ({sel}) SELECT sel.article_id, sel.outlet, sel.day, a.title, a.url, a.text "
        f"FROM sel JOIN articles a USING (article_id) WHERE ({has_words}) OR regexp_matches(a.text, ?) "
        "ORDER BY sel.day, sel.article_id", params)
    code = None if f.voice == ALL else _VOICE_CODE[f.voice]
    label = " ".join(words)
    rows: list[tuple] = []
    quote_con = con.cursor()
    while len(rows) < limit:
        batch = cur.fetchmany(500)
        if not batch:
            break
        quotes = _quotes_by_article(quote_con, [b[0] for b in batch])
        for aid, out_name, day, title, url, text in batch:
            qs = quotes.get(aid, [])
            for s, e in _occurrences(article_terms(text, qs, pairs=len(words) > 1), words, code):
                voice, speaker, _ = voice_of(qs, s, e)
                rows.append((aid, out_name, day, title, url, s, e, label, voice, speaker))
                if len(rows) >= limit:
                    break
            if len(rows) >= limit:
                break
    quote_con.close()
    return pd.DataFrame(rows, columns=SPAN_COLUMNS)


def _occurrences(terms: ArticleTerms, words: list[str], voice_code: int | None) -> list[tuple[int, int]]:
    """(start, end) offsets where *words* occur in a row in *terms* (joined, in the voice)."""
    m = len(words)
    out = []
    tw = terms.words
    for k in range(len(tw) - m + 1):
        if tw[k] != words[0] or tw[k:k + m] != words:
            continue
        if m > 1 and not terms.joined[k:k + m - 1].all():
            continue
        if voice_code is not None and not (terms.voices[k:k + m] == voice_code).all():
            continue
        out.append((int(terms.starts[k]), int(terms.ends[k + m - 1])))
    return out
