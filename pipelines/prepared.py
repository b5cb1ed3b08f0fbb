"""Per-article work shared by the score stages of one batch: matching copy, quotes, sentences.

Every per-batch stage (:func:`pipelines.score.score_articles`, frames, word-choice pairs,
tone toward targets) needs the article's matching copy (:func:`pipelines.text.matching_copy`)
and its quotation spans (:func:`pipelines.quotes.find_quotes`). Built by each stage on its
own, the copy was folded four or five times per article and the quotes rebuilt from the
``quotes`` frame three times (issue 4: 7,456 ``matching_copy`` calls for 1,500 demo
articles); reported speech and tone both split the text into sentences. :func:`prepare_texts`
makes one :class:`PreparedText` per article of a batch; the score stage builds its copy once
and records its quotes in it, and the later stages read them from it instead of recomputing
them; the sentence spans are computed on first need and kept.

The stage functions still work without it (``prepared=None``, their default): the result is
the same rows either way (``tests/pipelines/test_prepared.py`` checks every table).
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from .quotes import Quote, sentence_spans
from .text import CopyOffsets, matching_copy


class PreparedText:
    """One article's text with its matching copy (built on first use) and its quotes.

    Attributes
    ----------
    text : the stored article text (``articles.text``).
    quotes : its :class:`pipelines.quotes.Quote` spans as :func:`pipelines.quotes.find_quotes`
        returned them (list position = ``quote_id``); None until the score stage has run.
    """

    __slots__ = ("text", "quotes", "_copy", "_sentences")

    def __init__(self, text: str):
        self.text = text
        self.quotes: list[Quote] | None = None
        self._copy: tuple[str, CopyOffsets] | None = None
        self._sentences: list[tuple[int, int]] | None = None

    @property
    def matching(self) -> tuple[str, CopyOffsets]:
        """``(copy, offsets)`` of :func:`pipelines.text.matching_copy` for :attr:`text`, built once
        (*offsets* answers as the int64 array; :meth:`pipelines.text.CopyOffsets.take_inner`
        maps many positions at once without building it)."""
        if self._copy is None:
            self._copy = matching_copy(self.text)
        return self._copy

    def sentences(self) -> list[tuple[int, int]]:
        """``(start, end)`` of each sentence (:func:`pipelines.quotes.sentence_spans`), built once.

        A method, not a property: stages that need sentences only sometimes (reported speech
        with dense cues, a sentence holding a target) take it as a callable.
        """
        if self._sentences is None:
            self._sentences = sentence_spans(self.text)
        return self._sentences


def prepare_texts(articles: pd.DataFrame) -> dict[str, PreparedText]:
    """One :class:`PreparedText` per article of a batch.

    Parameters
    ----------
    articles : frame with ``article_id, text`` (the ``articles`` table); ids are unique.

    Returns
    -------
    dict article_id -> PreparedText (nothing computed yet: copies are built on first use).
    """
    return {aid: PreparedText(text) for aid, text in zip(articles["article_id"].tolist(),
                                                          articles["text"].tolist())}


def each_prepared(articles: pd.DataFrame,
                  prepared: dict[str, PreparedText] | None) -> Iterator[tuple[str, str, PreparedText | None]]:
    """``(article_id, text, its PreparedText or None)`` for each row of *articles*, in order.

    *articles*: frame with ``article_id, text`` (the ``articles`` table); *prepared*: the
    batch's shared texts, or None (every third item is then None).
    """
    for aid, text in zip(articles["article_id"].tolist(), articles["text"].tolist()):
        yield aid, text, (prepared.get(aid) if prepared is not None else None)


def quotes_by_article(quotes: pd.DataFrame | None) -> dict[str, list[Quote]]:
    """article_id -> its :class:`pipelines.quotes.Quote` spans, rebuilt from ``quotes`` rows.

    *quotes*: rows of the ``quotes`` table (``article_id, quote_id, start_char, end_char, kind,
    speaker``, and ``cue, closed`` when present: voice needs only the first six); each list is
    in ``quote_id`` order, so a position is a quote_id.
    """
    out: dict[str, list[Quote]] = {}
    if quotes is None or quotes.empty:
        return out
    q = quotes.sort_values(["article_id", "quote_id"])
    cues = q["cue"] if "cue" in q else [None] * len(q)
    closes = q["closed"] if "closed" in q else [True] * len(q)
    for aid, s, e, kind, speaker, cue, closed in zip(q["article_id"], q["start_char"], q["end_char"], q["kind"],
                                                      q["speaker"], cues, closes):
        out.setdefault(aid, []).append(Quote(int(s), int(e), kind, speaker if isinstance(speaker, str) else None,
                                             cue if isinstance(cue, str) else None, bool(closed)))
    return out


def prepared_quotes(prepared: dict[str, PreparedText] | None, quotes: pd.DataFrame | None) -> dict[str, list[Quote]]:
    """article_id -> quotes: from *prepared* when the score stage filled it, else rebuilt from
    the *quotes* rows (:func:`quotes_by_article`)."""
    if prepared is not None and all(p.quotes is not None for p in prepared.values()):
        return {aid: p.quotes for aid, p in prepared.items()}
    return quotes_by_article(quotes)


def matching_of(prepared: dict[str, PreparedText] | None, aid: str, text: str) -> tuple[str, CopyOffsets]:
    """The matching copy of article *aid*: the shared one when *prepared* holds it, else built now."""
    if prepared is not None:
        p = prepared.get(aid)
        if p is not None:
            return p.matching
    return matching_copy(text)
