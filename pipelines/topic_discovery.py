"""Topic discovery: NMF over TF-IDF proposes topics for the selected articles; a proposal can be saved.

Method: non-negative matrix factorisation (Lee & Seung 1999, "Learning the parts of objects by
non-negative matrix factorization"; 2001, "Algorithms for non-negative matrix factorization")
of the TF-IDF document-term matrix, the usual way of finding topics in news text with NMF
(Greene & Cross 2017, "Exploring the political agenda of the European Parliament using a
dynamic topic modeling approach"; O'Callaghan et al. 2015). scikit-learn does the work:

* :class:`~sklearn.feature_extraction.text.TfidfVectorizer` over title + text: lower case,
  English stop words removed, words of two or more characters starting with a letter (no
  numbers, no underscores), words and two-word phrases, a term must be in at least
  ``min_df`` articles and at most ``max_df`` of them, l2-normalised rows;
* :class:`~sklearn.decomposition.NMF` with ``n_topics`` components, NNDSVD initialisation
  (Boutsidis & Gallopoulos 2008; deterministic) and a fixed ``random_state``.

An article belongs to the topic of its largest weight in ``W`` when that weight is at least
``min_weight`` of the article's total weight (else to none). Above ``max_articles`` articles a
fixed sample is used (the articles sorted by id, then sampled with ``random_state``), and
the result says so.

A proposal becomes a topic definition in our query language (:mod:`pipelines.topics`) by
:func:`proposal_query`; :func:`save_topic` appends it to a topics YAML file.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

from .errors import ConfigError, TopicError
from .rollups import Filters, _selection_sql
from .schemas import ALL_TOPICS, NO_TOPIC
from .topics import BUILTIN_TOPICS, parse_query, read_topics

MAX_ARTICLES = 5000
"""Most articles one discovery run uses; a larger selection is sampled (deterministically)."""
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W_]+\b"
"""Terms: two or more letters or digits, starting with a letter (no bare numbers, no underscores)."""
QUERY_TERMS = 6
"""Top terms of a proposal that go into its topic definition."""
MIN_QUERY_TERMS = 2
"""An article must contain at least this many of those terms to match the definition."""
NAME_MAX = 80


@dataclass(frozen=True)
class TopicProposals:
    """What :func:`discover_topics` found.

    Attributes
    ----------
    topics : DataFrame, one row per proposed topic: ``topic`` (1-based int), ``label`` (its
        three top terms), ``top_terms`` (the ``n_top_terms`` best, ``", "``-joined, best
        first), ``n_articles`` (articles assigned to it), ``share`` (of the articles used),
        ``query`` (:func:`proposal_query` of its top terms).
    terms : DataFrame ``topic, rank, term, weight``: the top terms with their weight in ``H``
        (the NMF topic-term matrix, arbitrary non-negative units; compare within a topic).
    articles : DataFrame ``topic, rank, article_id, outlet, title, weight``: the articles with
        the largest weight on each topic (representative articles), ``weight`` in ``W``.
    assignments : DataFrame ``article_id, topic, weight`` for every article used (``topic``
        is 0 for none).
    n_selected, n_used : articles in the selection, and those used (fewer when capped).
    n_terms : size of the vocabulary (columns of the document-term matrix).
    """

    topics: pd.DataFrame
    terms: pd.DataFrame
    articles: pd.DataFrame
    assignments: pd.DataFrame
    n_selected: int
    n_used: int
    n_terms: int

    @property
    def capped(self) -> bool:
        return self.n_used < self.n_selected


def selected_articles(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """The selected, dated articles with their text: ``article_id, outlet, day, title, text``.

    The sidebar's outlets, topics, dates and *Republished copies* mode apply (so with "count
    each story once" a wire story weighs once, not once per copy).
    """
    params: list = []
    sel = _selection_sql(filters, params)
    return con.execute(f"WITH sel AS ({sel}) SELECT sel.article_id, sel.outlet, sel.day, a.title, a.text "
                       "FROM sel JOIN articles a USING (article_id) ORDER BY sel.article_id", params).df()


def discover_topics(articles: pd.DataFrame, n_topics: int = 8, *, max_articles: int = MAX_ARTICLES,
                    n_top_terms: int = 10, n_representative: int = 5, min_df: int = 2, max_df: float = 0.9,
                    min_weight: float = 0.1, random_state: int = 0) -> TopicProposals:
    """Propose *n_topics* topics for *articles* with NMF over TF-IDF (see the module docstring).

    Parameters
    ----------
    articles : DataFrame with ``article_id``, ``outlet``, ``title``, ``text`` (one row per
        article; not modified).
    n_topics : number of topics (NMF components), 2 or more.
    max_articles : cap on the articles used; above it a fixed sample is taken.
    n_top_terms, n_representative : terms and articles reported per topic.
    min_df, max_df : TF-IDF vocabulary limits (articles, and share of articles).
    min_weight : an article is assigned to its strongest topic only when that topic holds at
        least this share of its total weight.
    random_state : seed of the sample and of NMF.

    Returns
    -------
    TopicProposals

    Raises
    ------
    ConfigError
        When *n_topics* is below 2 or not below the number of articles, or when the
        vocabulary holds fewer terms than *n_topics* (too few or too similar articles).
    """
    n_selected = len(articles)
    if n_topics < 2:
        raise ConfigError("too few topics", where="topic discovery", expected="2 or more topics",
                          found=str(n_topics), fix="ask for at least 2 topics")
    if n_selected <= n_topics:
        raise ConfigError("too few articles for this many topics", where="topic discovery",
                          expected=f"more than {n_topics} articles", found=f"{n_selected:,}",
                          fix="widen the selection or ask for fewer topics")
    used = articles.sort_values("article_id", kind="stable")
    if n_selected > max_articles:
        used = used.sample(n=max_articles, random_state=random_state)
    used = used.reset_index(drop=True)
    docs = [f"{t if isinstance(t, str) else ''}\n{x if isinstance(x, str) else ''}"
            for t, x in zip(used["title"].tolist(), used["text"].tolist())]
    vectorizer = TfidfVectorizer(stop_words="english", token_pattern=TOKEN_PATTERN, ngram_range=(1, 2),
                                 min_df=min(min_df, len(docs)), max_df=max_df, sublinear_tf=True, dtype=np.float32)
    try:
        dtm = vectorizer.fit_transform(docs)
    except ValueError:          # scikit-learn: "After pruning, no terms remain" / "empty vocabulary"
        dtm = None
    n_terms = 0 if dtm is None else dtm.shape[1]
    if n_terms < n_topics:
        raise ConfigError("too few terms for this many topics", where="topic discovery",
                          expected=f"at least {n_topics} terms in {min_df} or more articles", found=f"{n_terms:,}",
                          fix="widen the selection or ask for fewer topics")
    model = NMF(n_components=n_topics, init="nndsvd", random_state=random_state, max_iter=1000)
    w = model.fit_transform(dtm)
    h = model.components_
    vocab = vectorizer.get_feature_names_out()

    best = w.argmax(axis=1)
    total = w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        strength = np.where(total > 0, w.max(axis=1) / total, 0.0)
    topic_of = np.where(strength >= min_weight, best + 1, 0)
    assignments = pd.DataFrame({"article_id": used["article_id"].to_numpy(), "topic": topic_of.astype("int64"),
                                "weight": w.max(axis=1).astype("float64")})

    term_rows, article_rows, topic_rows = [], [], []
    for k in range(n_topics):
        order = np.argsort(-h[k], kind="stable")[:n_top_terms]
        top = [str(vocab[j]) for j in order if h[k, j] > 0]
        term_rows += [dict(topic=k + 1, rank=r + 1, term=vocab[j], weight=float(h[k, j]))
                      for r, j in enumerate(order) if h[k, j] > 0]
        docs_k = np.argsort(-w[:, k], kind="stable")[:n_representative]
        article_rows += [dict(topic=k + 1, rank=r + 1, article_id=used["article_id"].iloc[i],
                              outlet=used["outlet"].iloc[i], title=used["title"].iloc[i], weight=float(w[i, k]))
                         for r, i in enumerate(docs_k) if w[i, k] > 0]
        n_k = int((topic_of == k + 1).sum())
        topic_rows.append(dict(topic=k + 1, label=" / ".join(top[:3]), top_terms=", ".join(top), n_articles=n_k,
                               share=n_k / len(used), query=proposal_query(top) if top else ""))
    return TopicProposals(
        topics=pd.DataFrame(topic_rows, columns=["topic", "label", "top_terms", "n_articles", "share", "query"]),
        terms=pd.DataFrame(term_rows, columns=["topic", "rank", "term", "weight"]),
        articles=pd.DataFrame(article_rows, columns=["topic", "rank", "article_id", "outlet", "title", "weight"]),
        assignments=assignments, n_selected=n_selected, n_used=len(used), n_terms=n_terms)


def proposal_query(terms: list[str], n_terms: int = QUERY_TERMS, min_terms: int = MIN_QUERY_TERMS) -> str:
    """A topic definition (:mod:`pipelines.topics` syntax) for a proposal's top *terms*, best first.

    Our query language has AND, OR and NOT but no "at least k of", so "at least *min_terms* of
    the first *n_terms* terms" is written out as an OR of every AND of *min_terms* of them:
    ``("a" AND "b") OR ("a" AND "c") OR ...`` (15 pairs for 6 terms). Why not a plain OR of the
    top terms: NMF weighs terms, it does not require them, and one common top term ("president",
    "military") alone matches far more articles than the topic holds; two of them together
    keep the definition close to the proposal. Each term is a quoted phrase (two-word terms
    match in sequence); a term that contains, or is part of, a term already taken ("black
    sea" after "black") is skipped, since together they would count as two. With *min_terms*
    terms or fewer, the terms are ANDed.

    Returns
    -------
    str, already checked with :func:`pipelines.topics.parse_query`.

    Raises
    ------
    ValueError
        When *terms* is empty.
    """
    chosen: list[str] = []
    for term in dict.fromkeys(t.strip().lower() for t in terms if t and t.strip()):
        words = term.split()
        if any(_contains(words, c.split()) or _contains(c.split(), words) for c in chosen):
            continue                      # "black sea" after "black": the longer one adds nothing to an AND
        chosen.append(term)
        if len(chosen) == n_terms:
            break
    if not chosen:
        raise ValueError("a topic definition needs at least one term")
    quoted = [f'"{t.replace(chr(34), "")}"' for t in chosen]
    if len(quoted) <= min_terms or min_terms <= 1:
        query = (" AND " if len(quoted) <= min_terms else " OR ").join(quoted)
    else:
        query = " OR ".join(f"({' AND '.join(c)})" for c in itertools.combinations(quoted, min_terms))
    parse_query(query, where="generated topic definition")
    return query


def _contains(words: list[str], part: list[str]) -> bool:
    """True when *part* occurs in *words* as a run of whole words."""
    n = len(part)
    return any(words[i:i + n] == part for i in range(len(words) - n + 1))


def _check_name(name: str, where: str) -> str:
    clean = (name or "").strip()
    problem = ("is empty" if not clean else "spans several lines" if "\n" in clean or "\r" in clean else
               f"is longer than {NAME_MAX} characters" if len(clean) > NAME_MAX else
               "is reserved" if clean in (NO_TOPIC, ALL_TOPICS) else None)
    if problem:
        raise TopicError(f"the topic name {problem}", where=where,
                         expected=f"one line of 1 to {NAME_MAX} characters, not {NO_TOPIC!r} or {ALL_TOPICS!r}",
                         found=repr(name)[:100], fix="type another name")
    return clean


def topic_yaml(name: str, query: str, description: str | None = None) -> str:
    """One topic definition as a YAML document ``topics: [{name, description, query}]`` (the format of
    ``data/topics.yaml``). Raises :class:`TopicError` for a bad name or a query that does not parse."""
    name = _check_name(name, "topic definition")
    parse_query(query, where=f"topic '{name}'")
    entry = {"name": name, "description": description or "Proposed by framewatch topic discovery (NMF over TF-IDF); review before use.",
             "query": query}
    return yaml.safe_dump({"topics": [entry]}, sort_keys=False, allow_unicode=True, width=1_000_000)


def save_topic(path: str | Path, name: str, query: str, description: str | None = None,
               base: str | Path | None = BUILTIN_TOPICS) -> Path:
    """Append one topic definition to the topics YAML file *path*: :func:`save_topics` with one entry."""
    return save_topics(path, [(name, query, description)], base)


def save_topics(path: str | Path, entries: list[tuple[str, str, str | None]],
                base: str | Path | None = BUILTIN_TOPICS) -> Path:
    """Append topic definitions ``(name, query, description)`` to the topics YAML file *path*.

    A missing file is created as a copy of *base* (the built-in ``data/topics.yaml`` by
    default; ``None``: empty), because ``framewatch score --topics FILE`` uses the topics of
    FILE *instead of* the built-in ones. The entries are added as text at the end of the
    ``topics:`` list, so the file's comments stay. Every name is checked before anything is
    written, and the new file is written whole to a temporary file, read back with
    :func:`pipelines.topics.read_topics` and only then moved into place: a failed save
    leaves the file as it was.

    Returns
    -------
    Path of the file written.

    Raises
    ------
    TopicError
        For a bad name (empty, several lines, longer than 80 characters, reserved), a name
        already in the file or given twice, a query that does not parse, or an existing file
        that is not a topics file (as :func:`~pipelines.topics.read_topics` says).
    """
    path = Path(path)
    if path.is_file():
        names = {t.name for t in read_topics(path)}
        old = path.read_text(encoding="utf-8-sig")
    else:
        names = {t.name for t in read_topics(base)} if base else set()
        old = Path(base).read_text(encoding="utf-8-sig") if base else "topics:\n"
    added = []
    for name, query, description in entries:
        name = _check_name(name, str(path))
        if name in names:
            raise TopicError(f"a topic named '{name}' is already defined", where=str(path), expected="a new name",
                             found=name, fix="choose another name, or edit the file to replace the old definition")
        names.add(name)
        added += yaml.safe_load(topic_yaml(name, query, description))["topics"]
    data = yaml.safe_load(old)
    if isinstance(data, dict) and isinstance(data.get("topics"), list) and list(data)[-1] == "topics":
        block = yaml.safe_dump(added, sort_keys=False, allow_unicode=True, width=1_000_000)
        new = old.rstrip("\n") + "\n\n" + "".join("  " + line if line.strip() else line
                                                  for line in block.splitlines(keepends=True))
    elif isinstance(data, list) or data is None or data == {"topics": None}:
        new = yaml.safe_dump({"topics": (data if isinstance(data, list) else []) + added}, sort_keys=False,
                             allow_unicode=True, width=1_000_000)
    else:
        raise TopicError("not a topics file", where=str(path), expected="topics: [{name, query}] as its last key",
                         found=type(data).__name__, fix="save to another file")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".topics-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(new)
        if not {e["name"] for e in added} <= {t.name for t in read_topics(tmp)}:
            raise TopicError("the appended topics could not be read back", where=str(path),
                             expected=", ".join(e["name"] for e in added), found="fewer", fix="save to a new file")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
