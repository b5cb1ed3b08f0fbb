"""Score: lexicon mentions with their voice, quotation spans, topics and per-article counts.

:func:`score_articles` is a pure function of a batch of articles, so it runs the same on
one core, in chunks, or on a cluster. For each article it

1. builds the matching copy of the text (:func:`pipelines.text.matching_copy`);
2. finds lexicon mentions (:class:`pipelines.lexicon.LexiconMatcher`: longest match first,
   no multi-word match across a sentence end);
3. finds direct quotations and reported speech (:func:`pipelines.quotes.find_quotes`) and
   gives every mention its voice -- ``quoted`` inside a direct quotation, ``attributed``
   inside reported speech, ``outlet`` otherwise -- with the speaker when one was found;
4. counts the words in each voice (the denominators of voice-specific rates);
5. assigns topics from the topic queries (over title and text) and the input's topic column.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pandas as pd

from .lexicon import Lexicon, LexiconMatcher
from .prepared import PreparedText
from .quotes import Voices, count_words_by_voice, find_quotes
from .schemas import VOICES
from .text import matching_copy
from .topics import TopicMatcher, assign_topics, split_topic_cell


@dataclass
class ScoreResult:
    """Rows for the ``mentions``, ``quotes``, ``article_topics`` and ``article_scores`` tables."""

    mentions: pd.DataFrame
    quotes: pd.DataFrame
    article_topics: pd.DataFrame
    article_scores: pd.DataFrame


MENTION_FIELDS = ("start", "end", "text", "term", "category", "target", "counterpart", "voice", "speaker",
                  "quote_id")
"""The fields of a mention, as :func:`score_text` names them (``mentions`` columns without ``article_id``)."""
_MENTION_COLUMN = {"start": "start_char", "end": "end_char"}
"""The ``mentions`` column of a field of :data:`MENTION_FIELDS` whose name differs."""


def score_text(text: str, matcher: LexiconMatcher, copy: str | None = None,
               offsets=None, outlet_names: tuple[str, ...] = (),
               sentences=None) -> tuple[list[dict], list, dict[str, int]]:
    """Score one text: its mentions (as dicts), its quotation spans, and words per voice.

    *copy* and *offsets* are the text's matching copy, when the caller has built it.
    *outlet_names* are the article's own outlet and its aliases: reported speech whose speaker
    is the outlet itself ("the KCNA commentary said ...") stays in the outlet's voice.
    *sentences*: a callable returning the text's sentence spans, when the caller keeps them
    (see :func:`pipelines.quotes.find_quotes`).

    Returns
    -------
    mentions : list of dicts with ``start, end, text, term, category, target, counterpart,
        voice, speaker, quote_id`` (offsets into *text*).
    quotes : list of :class:`pipelines.quotes.Quote`.
    words : ``{"outlet": n, "quoted": n, "attributed": n}``.
    """
    if copy is None:
        copy, offsets = matching_copy(text)
    columns: tuple[list, ...] = tuple([] for _ in MENTION_FIELDS)
    quotes, words, _ = _score_into(columns, text, copy, offsets, matcher, outlet_names, sentences)
    return [dict(zip(MENTION_FIELDS, row)) for row in zip(*columns)], quotes, words


def _score_into(columns: tuple[list, ...], text: str, copy: str, offsets, matcher: LexiconMatcher,
                outlet_names: tuple[str, ...], sentences) -> tuple[list, dict[str, int], dict[str, int]]:
    """The core of :func:`score_text` and :func:`score_articles`: match, find quotes, give each
    mention its voice, and append its fields to *columns* (one list per :data:`MENTION_FIELDS`,
    in that order; no dict or tuple per mention, which the batch would keep alive).

    Returns ``(quotes, words by voice, mentions by voice)``; the last two are ``{voice: n}``
    over :data:`pipelines.schemas.VOICES`.
    """
    c_start, c_end, c_text, c_term, c_cat, c_target, c_counter, c_voice, c_speaker, c_qid = columns
    matches = matcher.find(text, copy, offsets)
    quotes = find_quotes(text, outlet_names=outlet_names, sentences=sentences)
    entries = matcher.lexicon.entries
    of = Voices(quotes).of
    counts = dict.fromkeys(VOICES, 0)
    for m in matches:
        entry = entries[m.entry]
        voice, speaker, qid = of(m.start, m.end)
        counts[voice] += 1
        c_start.append(m.start)
        c_end.append(m.end)
        c_text.append(text[m.start:m.end])
        c_term.append(entry.term)
        c_cat.append(entry.category)
        c_target.append(entry.target)
        c_counter.append(entry.counterpart)
        c_voice.append(voice)
        c_speaker.append(speaker)
        c_qid.append(qid)
    return quotes, count_words_by_voice(text, quotes), counts


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
    """
    matcher = matcher or LexiconMatcher(lexicon).fit()
    # the mentions table's columns, in _score_into's field order (MENTION_FIELDS, offsets renamed)
    men_rows: dict[str, list] = {k: [] for k in ("article_id", *(_MENTION_COLUMN.get(f, f) for f in MENTION_FIELDS))}
    quote_rows: dict[str, list] = {k: [] for k in ("article_id", "quote_id", "start_char", "end_char", "kind",
                                                   "speaker", "cue", "closed")}
    topic_rows: list[tuple[str, str, str]] = []
    score_rows: dict[str, list] = {k: [] for k in ("article_id", "voice", "n_words", "n_mentions")}
    ids = articles["article_id"].tolist()
    titles = articles["title"].tolist() if "title" in articles else [None] * len(ids)
    texts = articles["text"].tolist()
    raw_topics = articles["topics_raw"].tolist() if "topics_raw" in articles else [None] * len(ids)
    outlets = articles["outlet"].tolist() if "outlet" in articles else [None] * len(ids)
    outlet_names = outlet_names or {}
    it = range(len(ids))
    if progress:
        from tqdm import tqdm
        it = tqdm(it, desc="score", unit=" articles", file=sys.stderr, leave=False)
    # the mentions' fields go straight into the table's columns (score_text's rows, no dict per mention)
    m_aid = men_rows["article_id"]
    m_columns = tuple(men_rows[k] for k in men_rows if k != "article_id")
    n_voices = len(VOICES)
    for i in it:
        aid, text = ids[i], texts[i]
        p = prepared.get(aid) if prepared is not None else None
        copy, offsets = p.matching if p is not None else matching_copy(text)
        outlet = outlets[i] if isinstance(outlets[i], str) else None
        names = outlet_names.get(outlet, (outlet,)) if outlet else ()
        n = len(m_aid)
        quotes, words, counts = _score_into(m_columns, text, copy, offsets, matcher, names,
                                            p.sentences if p is not None else None)
        if p is not None:
            p.quotes = quotes
        m_aid.extend([aid] * (len(m_columns[0]) - n))
        nq = len(quotes)
        if nq:
            quote_rows["article_id"].extend([aid] * nq)
            quote_rows["quote_id"].extend(range(nq))
            quote_rows["start_char"].extend([q.start for q in quotes])
            quote_rows["end_char"].extend([q.end for q in quotes])
            quote_rows["kind"].extend([q.kind for q in quotes])
            quote_rows["speaker"].extend([q.speaker for q in quotes])
            quote_rows["cue"].extend([q.cue for q in quotes])
            quote_rows["closed"].extend([q.closed for q in quotes])
        score_rows["article_id"].extend([aid] * n_voices)
        score_rows["voice"].extend(VOICES)
        for v in VOICES:
            score_rows["n_words"].append(words[v])
            score_rows["n_mentions"].append(counts[v])
        title = titles[i] if isinstance(titles[i], str) else ""
        by_query: list[str] = []
        if topic_matcher is not None:
            by_query = topic_matcher.topics_of(copy, matching_copy(title)[0]) if title else \
                topic_matcher.topics_of(copy)
        by_column = split_topic_cell(raw_topics[i]) if use_topic_column and isinstance(raw_topics[i], str) else []
        topic_rows.extend((aid, t, src) for t, src in assign_topics(by_query, by_column))
    mentions_df = pd.DataFrame(men_rows)
    mentions_df["quote_id"] = mentions_df["quote_id"].astype("Int64")
    return ScoreResult(
        mentions=mentions_df,
        quotes=pd.DataFrame(quote_rows),
        article_topics=pd.DataFrame(topic_rows, columns=["article_id", "topic", "source"]).drop_duplicates(
            ["article_id", "topic"], ignore_index=True),
        article_scores=pd.DataFrame(score_rows),
    )
