"""Score: lexicon mentions with their voice, quotation spans, topics and per-article counts.

:func:`score_articles` is a pure function of a batch of articles, so it runs the same on
one core, in chunks, or on a cluster. For each article it

1. builds the matching copy of the text (:func:`pipelines.text.matching_copy`) when the topic
   queries, the matcher's Python path or the later stages need it;
2. finds lexicon mentions (:class:`pipelines.lexicon.LexiconMatcher`: longest match first,
   no multi-word match across a sentence end), leaving out those that are part of a proper
   name (:func:`pipelines.lexicon.name_parts`: "Young Thug", "Mark Savage"), which it returns
   apart (``ScoreResult.name_hits``: no store table; each run records how many, and of which
   terms, in ``runs``);
3. finds direct quotations and reported speech (:func:`pipelines.quotes.find_quotes`) and
   gives every mention its voice -- ``quoted`` inside a direct quotation, ``attributed``
   inside reported speech, ``outlet`` otherwise -- with the speaker when one was found;
4. counts the words in each voice (the denominators of voice-specific rates);
5. assigns topics from the topic queries (over title and text) and the input's topic column.
"""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

from .lexicon import Lexicon, LexiconMatcher, name_parts
from .prepared import PreparedText
from .quotes import Quote, Voices, count_words_by_voice, find_quotes
from .schemas import VOICES
from .text import matching_copy, matching_copy_text
from .topics import TopicMatcher, assign_topics, split_topic_cell


@dataclass
class ScoreResult:
    """Rows for the ``mentions``, ``quotes``, ``article_topics`` and ``article_scores`` tables, and the
    hits left out as parts of proper names (``name_hits``: :data:`NAME_HIT_COLUMNS`, no store table)."""

    mentions: pd.DataFrame
    quotes: pd.DataFrame
    article_topics: pd.DataFrame
    article_scores: pd.DataFrame
    name_hits: pd.DataFrame


NAME_HIT_COLUMNS = ("article_id", "start_char", "end_char", "text", "term", "category")
"""Columns of ``ScoreResult.name_hits``: one row per lexicon hit left out as part of a proper name
(:func:`pipelines.lexicon.name_parts`), with its offsets into ``articles.text``, as ``mentions`` has them."""


MENTION_FIELDS = ("start", "end", "text", "term", "category", "target", "counterpart", "voice", "speaker",
                  "quote_id")
"""The fields of a mention, as :func:`score_text` names them (``mentions`` columns without ``article_id``)."""
_MENTION_COLUMN = {"start": "start_char", "end": "end_char"}
"""The ``mentions`` column of a field of :data:`MENTION_FIELDS` whose name differs."""


def score_text(text: str, matcher: LexiconMatcher, copy: str | None = None,
               offsets=None, outlet_names: tuple[str, ...] = (),
               sentences=None, name_hits: list | None = None) -> tuple[list[dict], list, dict[str, int]]:
    """Score one text: its mentions (as dicts), its quotation spans, and words per voice.

    *copy* and *offsets* are the text's matching copy, when the caller has built it (the
    matcher builds it when its path needs it).
    *outlet_names* are the article's own outlet and its aliases: reported speech whose speaker
    is the outlet itself ("the KCNA commentary said ...") stays in the outlet's voice.
    *sentences*: a callable returning the text's sentence spans, when the caller keeps them
    (see :func:`pipelines.quotes.find_quotes`).
    *name_hits*: a list to which the hits left out as parts of proper names are appended, in text
    order, as dicts with ``start, end, text, term, category``.

    Returns
    -------
    mentions : list of dicts with ``start, end, text, term, category, target, counterpart,
        voice, speaker, quote_id`` (offsets into *text*).
    quotes : list of :class:`pipelines.quotes.Quote`.
    words : ``{"outlet": n, "quoted": n, "attributed": n}``.
    """
    matches, names = split_names(text, matcher.find(text, copy, offsets), matcher, sentences)
    if name_hits is not None:
        entries = matcher.lexicon.entries
        name_hits += [{"start": m.start, "end": m.end, "text": text[m.start:m.end], "term": entries[m.entry].term,
                       "category": entries[m.entry].category} for m in names]
    quotes = find_quotes(text, outlet_names=outlet_names, sentences=sentences)
    voices = _voices(matches, quotes)
    columns = _mention_columns([matches], [[text[m.start:m.end] for m in matches]], [voices],
                               matcher.lexicon.entries)
    return [dict(zip(MENTION_FIELDS, row)) for row in zip(*columns)], quotes, count_words_by_voice(text, quotes)


def without_names(text: str, matches: list, matcher: LexiconMatcher, sentences=None) -> list:
    """*matches* (of *matcher* in *text*) without those that are part of a proper name
    (:func:`pipelines.lexicon.name_parts`); *sentences* as in :func:`score_text`."""
    return split_names(text, matches, matcher, sentences)[0]


def split_names(text: str, matches: list, matcher: LexiconMatcher, sentences=None) -> tuple[list, list]:
    """*matches* (of *matcher* in *text*) split into those that count and those that are part of a
    proper name (:func:`pipelines.lexicon.name_parts`), each in the order given; *sentences* as in
    :func:`score_text`."""
    if not matches:
        return matches, []
    names = name_parts(text, matches, matcher.lowercase_, sentences)
    if not any(names):
        return matches, []
    return [m for m, name in zip(matches, names) if not name], [m for m, name in zip(matches, names) if name]


def _voices(matches: list, quotes: list[Quote]) -> list[tuple[str, str | None, int | None]]:
    """``(voice, speaker, quote_id)`` of each match (:meth:`pipelines.quotes.Voices.of`)."""
    if not matches:
        return []
    of = Voices(quotes).of
    return [of(m.start, m.end) for m in matches]


def _mention_columns(matches: list[list], texts: list[list[str]], voices: list[list[tuple]],
                     entries) -> tuple[list, ...]:
    """The :data:`MENTION_FIELDS` columns of a batch's mentions, in that order, built once per
    batch from each article's matches, their texts and their :func:`_voices` (one list each per
    article); *entries* are the lexicon's."""
    flat = list(chain.from_iterable(matches))
    fields = [entries[m.entry] for m in flat]
    voice, speaker, qid = (list(c) for c in zip(*chain.from_iterable(voices))) if flat else ([], [], [])
    return ([m.start for m in flat], [m.end for m in flat], list(chain.from_iterable(texts)),
            [e.term for e in fields], [e.category for e in fields], [e.target for e in fields],
            [e.counterpart for e in fields], voice, speaker, qid)


def _int_column(values: list[int]):
    """An int64 array of *values* for a frame column (pandas infers the same dtype from the list,
    slower); an empty list stays a list (the column's dtype as pandas infers it, as before)."""
    return np.array(values, dtype=np.int64) if values else values


def score_articles(articles: pd.DataFrame, lexicon: Lexicon, topic_matcher: TopicMatcher | None,
                   use_topic_column: bool = True, progress: bool = False,
                   matcher: LexiconMatcher | None = None,
                   outlet_names: dict[str, tuple[str, ...]] | None = None,
                   prepared: dict[str, PreparedText] | None = None) -> ScoreResult:
    """Score a batch of articles.

    Parameters
    ----------
    articles : frame with ``article_id, title, text, topics_raw`` (the ``articles`` table).
    lexicon : the lexicon to match.
    topic_matcher : fitted topic queries, or None to use none.
    use_topic_column : also take topics from ``topics_raw`` (split on ``;`` and ``|``).
    outlet_names : outlet -> the names it goes by (canonical name and aliases); the frame's
        ``outlet`` column, when present, selects them (default: the canonical name alone).
    prepared : the batch's shared texts (:func:`pipelines.prepared.prepare_texts`): their
        matching copies are used (built here when missing) and their ``quotes`` set, for the
        later stages. None: nothing shared (same rows).

    Returns
    -------
    ScoreResult

    Notes
    -----
    Three passes over the batch: the first matches the lexicon and the topic queries on the
    matching copy (C and Aho-Corasick; a copy is built only when the topics, the matcher's
    Python path or *prepared* need it), the second finds the quotes, the third gives voices and
    word counts. Each pass keeps its own code and data warm, so the batch costs less than the
    same work article by article (issue 4). The tables' columns are built once per batch, and
    Python's cyclic garbage collector is paused while the batch is scored (:func:`_gc_paused`).
    """
    matcher = matcher or LexiconMatcher(lexicon).fit()
    with _gc_paused():
        return _score_in_passes(articles, lexicon, topic_matcher, use_topic_column, progress, matcher,
                                outlet_names, prepared)


@contextmanager
def _gc_paused():
    """Pause Python's cyclic garbage collector for the block, then restore it as it was.

    Scoring a batch allocates many small containers (the quote finder's tuples) while the
    batch's results (quotes, matches, voices) stay alive until its tables are built, so the
    collector's passes keep walking the same growing heap: about 50 µs an article of the bench
    corpus, a tenth of the stage (pure Python, batches of 5,000). The
    batch makes no reference cycles (a collection after a batch scored with the collector off
    finds nothing unreachable on the bench, demo, KCNA and RUWA corpora), so pausing it frees
    no less memory. Reference counting frees everything else as before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _score_in_passes(articles: pd.DataFrame, lexicon: Lexicon, topic_matcher: TopicMatcher | None,
                      use_topic_column: bool, progress: bool, matcher: LexiconMatcher,
                      outlet_names: dict[str, tuple[str, ...]] | None,
                      prepared: dict[str, PreparedText] | None) -> ScoreResult:
    """:func:`score_articles` with its fitted *matcher*, the collector paused."""
    ids = articles["article_id"].tolist()
    n = len(ids)
    titles = articles["title"].tolist() if "title" in articles else [None] * n
    texts = articles["text"].tolist()
    raw_topics = articles["topics_raw"].tolist() if "topics_raw" in articles else [None] * n
    outlets = articles["outlet"].tolist() if "outlet" in articles else [None] * n
    outlet_names = outlet_names or {}
    preps = [prepared.get(aid) for aid in ids] if prepared is not None else [None] * n
    topics_on = topic_matcher is not None and bool(topic_matcher.keys_)
    find = matcher.find

    # pass 1: lexicon matches and topics
    matches: list[list] = []
    named: list[tuple[str, str, list]] = []   # (article id, text, its matches left out as parts of names)
    topic_rows: list[tuple[str, str, str]] = []
    for aid, text, title, raw, p in zip(ids, texts, titles, raw_topics, preps):
        if p is not None:
            copy, offsets = p.matching
        elif topics_on:
            copy, offsets = matching_copy(text)
        else:
            copy = offsets = None   # the matcher builds it if its path needs it
        kept, names = split_names(text, find(text, copy, offsets), matcher, p.sentences if p is not None else None)
        matches.append(kept)
        if names:
            named.append((aid, text, names))
        if topic_matcher is None:
            by_query = []
        elif not topics_on:
            by_query = topic_matcher.topics_of()
        elif isinstance(title, str) and title:
            by_query = topic_matcher.topics_of(copy, matching_copy_text(title))
        else:
            by_query = topic_matcher.topics_of(copy)
        by_column = split_topic_cell(raw) if use_topic_column and isinstance(raw, str) else []
        topic_rows += [(aid, topic, source) for topic, source in assign_topics(by_query, by_column)]

    # pass 2: quotes
    quotes_of: list[list[Quote]] = []
    voices_of: list[list[tuple]] = []
    mention_texts: list[list[str]] = []
    n_words: list[int] = []
    n_mentions: list[int] = []
    it = range(n)
    if progress:
        from tqdm import tqdm
        it = tqdm(it, desc="score", unit=" articles", file=sys.stderr, leave=False)
    for i in it:
        text, p = texts[i], preps[i]
        outlet = outlets[i] if isinstance(outlets[i], str) else None
        quotes = find_quotes(text, outlet_names=outlet_names.get(outlet, (outlet,)) if outlet else (),
                             sentences=p.sentences if p is not None else None)
        if p is not None:
            p.quotes = quotes
        quotes_of.append(quotes)
    # pass 3: voices and words by voice
    for text, ms, quotes in zip(texts, matches, quotes_of):
        voices = _voices(ms, quotes)
        voices_of.append(voices)
        mention_texts.append([text[m.start:m.end] for m in ms])
        words = count_words_by_voice(text, quotes)
        n_words += [words[v] for v in VOICES]
        in_voice = [v[0] for v in voices]
        n_mentions += [in_voice.count(v) for v in VOICES]

    columns = _mention_columns(matches, mention_texts, voices_of, matcher.lexicon.entries)
    men_rows = {"article_id": [aid for aid, ms in zip(ids, matches) for _ in ms]}
    for field, column in zip(MENTION_FIELDS, columns):
        men_rows[_MENTION_COLUMN.get(field, field)] = column
    men_rows["start_char"] = _int_column(men_rows["start_char"])
    men_rows["end_char"] = _int_column(men_rows["end_char"])
    mentions_df = pd.DataFrame(men_rows)
    mentions_df["quote_id"] = mentions_df["quote_id"].astype("Int64")
    flat = list(chain.from_iterable(quotes_of))
    quotes_df = pd.DataFrame({
        "article_id": [aid for aid, qs in zip(ids, quotes_of) for _ in qs],
        "quote_id": _int_column([k for qs in quotes_of for k in range(len(qs))]),
        "start_char": _int_column([q.start for q in flat]),
        "end_char": _int_column([q.end for q in flat]),
        "kind": [q.kind for q in flat],
        "speaker": [q.speaker for q in flat],
        "cue": [q.cue for q in flat],
        "closed": np.array([q.closed for q in flat], dtype=bool) if flat else [],
    })
    return ScoreResult(
        mentions=mentions_df,
        quotes=quotes_df,
        article_topics=pd.DataFrame(topic_rows, columns=["article_id", "topic", "source"]).drop_duplicates(
            ["article_id", "topic"], ignore_index=True),
        article_scores=pd.DataFrame({"article_id": [aid for aid in ids for _ in VOICES], "voice": list(VOICES) * n,
                                     "n_words": _int_column(n_words), "n_mentions": _int_column(n_mentions)}),
        name_hits=_name_hit_rows(named, matcher.lexicon.entries),
    )


def _name_hit_rows(named: list[tuple[str, str, list]], entries) -> pd.DataFrame:
    """``ScoreResult.name_hits`` of a batch: :data:`NAME_HIT_COLUMNS` for each ``(article id, text,
    matches left out as parts of names)`` of *named*; *entries* are the lexicon's."""
    rows = [(aid, m.start, m.end, text[m.start:m.end], entries[m.entry].term, entries[m.entry].category)
            for aid, text, ms in named for m in ms]
    frame = pd.DataFrame(rows, columns=list(NAME_HIT_COLUMNS)).astype(object)
    return frame.astype({"start_char": "int64", "end_char": "int64"})
