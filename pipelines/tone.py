"""Tone toward targets: the tone of the sentences that name a country, bloc or organisation.

A *gazetteer* (``data/targets.yaml``, or ``--targets FILE``) lists targets -- the United
States, Russia, NATO, the EU, the UN ... -- with their names, metonyms (capitals, seats and
leaders' offices: "Washington", "the Kremlin") and demonyms ("American"), the names that must
match with their capitals ("US" is not "us"), and phrases that block a shorter name inside them
("Washington Post", "South China Sea"). :func:`read_gazetteer` validates it; errors name the
file, line, what was expected and what was found.

Method, per article (:func:`target_sentences`):

1. **Names.** :class:`TargetMatcher` finds every name with one Aho-Corasick automaton
   (pyahocorasick) over the lexicon's matching copy of the text (:mod:`pipelines.text`):
   whole words, case, hyphens, dashes and apostrophes folded ("US-led" holds "US",
   "Russia's" holds "Russia"); a ``match_case`` name must have a capital wherever the
   gazetteer writes one ("US", "US-led", "the West", "The West", "TURKEY" match; "us",
   "the west", "turkey" do not); several-word names never run across a sentence end; nothing
   matches inside a web address; overlapping names resolve longest first, then earliest, and
   a blocking phrase that wins is dropped (spaCy's ``filter_spans`` rule, as the lexicon).
2. **Datelines.** A name inside a dateline opening the text or a paragraph ("Pyongyang,
   December 24 (KCNA) --", "BEIJING (Reuters) -", "JERUSALEM —";
   :func:`pipelines.text.dateline_spans`) says where the story was filed, not what it is
   about: it names no target. Its sentence still counts for the targets named elsewhere in it.
3. **Sentences** are those of :func:`pipelines.quotes.sentence_spans`.
4. **Tone.** Each sentence that names a target is scored once with VADER (Hutto & Gilbert
   2014, the ``vaderSentiment`` package): ``compound`` in [-1, 1] and the proportions
   ``pos``, ``neu``, ``neg``. Every target name in the sentence is first replaced by the
   neutral word "it", because VADER's lexicon scores some names ("United" +1.8, "Great"
   +3.1, "Security" +1.4, "Defense" +0.5): without this every sentence about the United
   States or Great Britain would lean positive.
5. **One row per target per sentence** (table ``target_mentions``): a sentence naming the US
   as "Washington" and "the Pentagon" counts once for the United States; a sentence naming
   the US and China counts once for each, with the same tone (``n_targets`` = 2). The row's
   offsets, voice and speaker are those of the target's first name in the sentence; its
   voice follows :func:`pipelines.quotes.voice_of`, as for lexicon mentions (``quoted``
   inside a direct quotation, ``attributed`` inside reported speech, else ``outlet``).

Caveats, said again in the dashboard: VADER was built and validated for social-media text,
not news; the tone of a sentence is not the stance toward the target (in "Russia condemned the
US attack" the US and Russia get the same negative tone).

Rollups (:func:`tone_trend`, :func:`tone_matrix`) give, per outlet × period × target, the
number of sentences, the mean compound with a 95 % interval, and the share of negative
sentences (compound ≤ -0.05, VADER's convention) with a 95 % interval (articles as clusters,
Student's t for few articles); see
:func:`add_tone_measures`.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ahocorasick
import duckdb
import numpy as np
import pandas as pd
import yaml
from scipy.stats import t as student_t

from .concordance import KWIC_LIMIT, SPAN_COLUMNS, narrowed
from .errors import GazetteerError, parse_yaml, read_utf8
from .lexicon import longest_first, outside_urls
from .prepared import PreparedText, each_prepared, prepared_quotes
from .quotes import Quote, Voices, sentence_spans
from .rollups import (GRANULARITIES, Filters, _in_list, _period_floor, _period_grid, _selection_sql,
                      ratio_interval, wilson_interval)
from .schemas import ALL, column_names
from .storage import write_table
from .text import CopyOffsets, crosses_sentence_end, dateline_spans, fold, matching_copy

BUILTIN_TARGETS = Path(__file__).resolve().parent.parent / "data" / "targets.yaml"
KINDS = ("country", "bloc", "organisation", "group")
"""Allowed values of a target's ``kind``."""
ALIAS_KINDS = ("names", "metonyms", "demonyms", "not")
"""Keys of a target that list names (``not``: phrases that block a name)."""
KNOWN_KEYS = ("target", "kind", *ALIAS_KINDS, "match_case", "note")
NEGATIVE = -0.05
"""A sentence is negative when its compound score is at most this (VADER's own threshold)."""
PLACEHOLDER = "it"
"""The word that replaces target names before a sentence is scored (not in VADER's lexicon)."""
MINUS = "\u2212"


@dataclass(frozen=True)
class Alias:
    """One name of a target. ``kind`` is ``name``, ``metonym``, ``demonym`` or ``block``."""

    text: str
    target: str
    kind: str
    match_case: bool = False
    line: int = 0


@dataclass(frozen=True)
class Target:
    """A target with its names (``aliases``, blocking phrases included) and a note."""

    target: str
    kind: str
    aliases: tuple[Alias, ...]
    note: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Gazetteer:
    """A validated list of targets read from ``source``."""

    targets: tuple[Target, ...]
    source: str = ""

    @property
    def aliases(self) -> tuple[Alias, ...]:
        return tuple(a for t in self.targets for a in t.aliases)

    @property
    def version(self) -> str:
        """``tgt-`` and 12 hex digits of SHA-256 over the targets' content (not the file's)."""
        rows = sorted(json.dumps([t.target, t.kind, sorted((a.text, a.kind, a.match_case) for a in t.aliases)],
                                 ensure_ascii=False) for t in self.targets)
        return "tgt-" + hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()[:12]

    def to_frame(self) -> pd.DataFrame:
        """The ``targets`` table: one row per name (and blocking phrase) of every target."""
        rows = [dict(target=t.target, kind=t.kind, alias=a.text, alias_kind=a.kind, match_case=a.match_case,
                     note=t.note, source=Path(self.source).name, version=self.version)
                for t in self.targets for a in t.aliases]
        return pd.DataFrame(rows, columns=column_names("targets"))


# --------------------------------------------------------------------------------------
# Reading and validating the gazetteer


def _node_map(node) -> dict:
    return {k.value: v for k, v in node.value} if isinstance(node, yaml.MappingNode) else {}


def _string_list(item: dict, nodes: dict, key: str, path: Path, line: int) -> list[tuple[str, int]]:
    """``item[key]`` as (text, line) pairs; a single string is a list of one."""
    value = item.get(key)
    if value is None:
        return []
    node = nodes.get(key)
    where = f"{path}, line {node.start_mark.line + 1 if node is not None else line}, key '{key}'"
    if isinstance(value, str):
        value, subnodes = [value], [node]
    elif isinstance(value, list) and isinstance(node, yaml.SequenceNode):
        subnodes = node.value
    else:
        raise GazetteerError("not a list of names", where=where, expected="a list such as [Russia, Russian Federation]",
                             found=type(value).__name__, fix="write the names in square brackets, comma-separated")
    out = []
    for v, n in zip(value, subnodes):
        if not isinstance(v, str) or not fold(v):
            raise GazetteerError("a name with no letters or digits", where=where,
                                 expected="a word or phrase", found=repr(v),
                                 fix="write the name itself; punctuation is ignored when matching")
        out.append((v.strip(), n.start_mark.line + 1))
    return out


def _read_target(item, node, path: Path) -> Target:
    line = node.start_mark.line + 1
    if not isinstance(item, dict):
        raise GazetteerError("a target is not a mapping", where=f"{path}, line {line}",
                             expected="'- target: NAME' with names, metonyms, demonyms, ...", found=repr(item)[:60],
                             fix="write each target as '- target: ...' followed by its keys")
    nodes = _node_map(node)
    unknown = [k for k in item if k not in KNOWN_KEYS]
    if unknown:
        k = unknown[0]
        raise GazetteerError(f"unknown key '{k}'", where=f"{path}, line {nodes[k].start_mark.line + 1}",
                             expected=f"one of {', '.join(KNOWN_KEYS)}", found=repr(k),
                             fix="rename the key (aliases go under names, metonyms or demonyms)")
    name = item.get("target")
    if not isinstance(name, str) or not name.strip():
        raise GazetteerError("a target has no name", where=f"{path}, line {line}", expected="target: NAME",
                             found=repr(name), fix="give the target a name, e.g. 'target: Russia'")
    name = name.strip()
    kind = item.get("kind", "country")
    if kind not in KINDS:
        raise GazetteerError(f"unknown kind of target '{name}'",
                             where=f"{path}, line {nodes['kind'].start_mark.line + 1}, key 'kind'",
                             expected=f"one of {', '.join(KINDS)}", found=repr(kind), fix="use one of the kinds listed")
    exact = {fold(t): (t, ln) for t, ln in _string_list(item, nodes, "match_case", path, line)}
    aliases: list[Alias] = []
    seen: dict[str, int] = {}
    for key, alias_kind in (("names", "name"), ("metonyms", "metonym"), ("demonyms", "demonym"), ("not", "block")):
        for text, ln in _string_list(item, nodes, key, path, line):
            f = fold(text)
            if f in seen:
                raise GazetteerError(f"'{text}' is listed twice for '{name}'", where=f"{path}, line {ln}",
                                     expected="each name once (case, dots and hyphens are ignored)",
                                     found=f"also on line {seen[f]}", fix="delete one of the two")
            seen[f] = ln
            match_case = alias_kind != "block" and f in exact and exact[f][0] == text
            aliases.append(Alias(text, name, alias_kind, match_case, ln))
    for f, (text, ln) in exact.items():
        if not any(a.match_case and fold(a.text) == f for a in aliases):
            raise GazetteerError(f"match_case names '{text}', which is not a name of '{name}'",
                                 where=f"{path}, line {ln}, key 'match_case'",
                                 expected="a name written exactly as in names, metonyms or demonyms", found=repr(text),
                                 fix="copy the name from the lists above, with its capitals and dots")
    if not any(a.kind != "block" for a in aliases):
        raise GazetteerError(f"target '{name}' has no names", where=f"{path}, line {line}",
                             expected="at least one of names, metonyms, demonyms", found="none",
                             fix="add 'names: [...]'")
    note = item.get("note")
    return Target(name, kind, tuple(aliases), str(note).strip() if note else None, line)


def read_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """Read and validate a gazetteer of targets (default: ``data/targets.yaml``).

    The file is YAML: ``targets:`` (or the top level) is a list of mappings with the keys of
    :data:`KNOWN_KEYS` (see the file's header for their meaning).

    Returns
    -------
    Gazetteer

    Raises
    ------
    GazetteerError
        On a missing file, invalid YAML, a key given twice in one mapping (YAML would keep the
        last without a word), a wrong shape, an unknown key or kind, a name with
        no letters, a name listed twice (in one target or in two: a mention must have one
        target), a ``match_case`` entry that is not one of the target's names, or a target
        without names -- with the file, line, what was expected and what was found.
    """
    path = Path(path) if path else BUILTIN_TARGETS
    if not path.is_file():
        raise GazetteerError("gazetteer file not found", where=str(path), expected="a YAML file of targets",
                             found="nothing at this path", fix="check the path given to --targets")
    try:   # parsed once: the node tree gives line numbers, the document the values
        node, data = parse_yaml(read_utf8(path, GazetteerError, "gazetteer file"), path, GazetteerError)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise GazetteerError("not valid YAML", where=f"{path}, line {mark.line + 1}" if mark else str(path),
                             expected="targets: [{target, names, ...}]", found=str(getattr(exc, "problem", exc)),
                             fix="check indentation and quoting") from None
    items, nodes = data, node
    if isinstance(data, dict):
        items, nodes = data.get("targets"), _node_map(node).get("targets")
    if not isinstance(items, list) or not items:
        raise GazetteerError("wrong shape", where=str(path), expected="a non-empty 'targets:' list",
                             found=type(items).__name__ if items is not None else "no 'targets:' key",
                             fix="see data/targets.yaml for the format")
    targets: list[Target] = []
    owner: dict[str, Alias] = {}
    for item, n in zip(items, nodes.value):
        t = _read_target(item, n, path)
        if any(t.target == other.target for other in targets):
            first = next(o for o in targets if o.target == t.target)
            raise GazetteerError(f"target '{t.target}' is defined twice", where=f"{path}, line {t.line}",
                                 expected="unique target names", found=f"also on line {first.line}",
                                 fix="merge the two entries")
        for a in t.aliases:
            other = owner.get(fold(a.text))
            if other is not None:
                raise GazetteerError(f"'{a.text}' is a name of two targets", where=f"{path}, line {a.line}",
                                     expected="each name in one target (a mention must have one target)",
                                     found=f"'{other.target}' on line {other.line} and '{t.target}' here",
                                     fix="keep the name in one target")
            owner[fold(a.text)] = a
        targets.append(t)
    return Gazetteer(tuple(targets), str(path))


# --------------------------------------------------------------------------------------
# Matching


@dataclass(frozen=True, slots=True)
class TargetMatch:
    """A target name at ``text[start:end]``; ``alias`` indexes :attr:`Gazetteer.aliases`."""

    start: int
    end: int
    alias: int


def capitals_match(found: str, name: str) -> bool:
    """Does *found* have a capital wherever *name* has one (letters and digits compared in order)?

    >>> capitals_match("US", "US"), capitals_match("us", "US"), capitals_match("The West", "the West")
    (True, False, True)
    """
    a = [c for c in name if c.isalnum()]
    f = [c for c in found if c.isalnum()]
    return len(a) == len(f) and all(fc.isupper() or not ac.isupper() for ac, fc in zip(a, f))


class TargetMatcher:
    """Find target names in texts with one Aho-Corasick automaton (pyahocorasick).

    Estimator pattern: ``__init__`` stores the gazetteer, :meth:`fit` compiles
    ``automaton_`` and ``aliases_``, :meth:`find` returns matches.
    """

    def __init__(self, gazetteer: Gazetteer):
        self.gazetteer = gazetteer

    def fit(self) -> TargetMatcher:
        automaton = ahocorasick.Automaton()
        self.aliases_ = self.gazetteer.aliases
        for idx, alias in enumerate(self.aliases_):
            key = " " + fold(alias.text) + " "
            automaton.add_word(key, (len(key), idx, " " in key.strip()))
        automaton.make_automaton()
        self.automaton_ = automaton
        return self

    def find(self, text: str, copy: str | None = None, offsets=None) -> list[TargetMatch]:
        """Non-overlapping target names in *text*, sorted by start (blocking phrases removed).

        *copy*, *offsets*: the text's matching copy (:func:`pipelines.text.matching_copy`), if built
        (*offsets* a :class:`pipelines.text.CopyOffsets` or an int64 array).
        """
        if copy is None:
            copy, offsets = matching_copy(text)
        hits = [(end_idx - length + 2, end_idx, idx, multiword)
                for end_idx, (length, idx, multiword) in self.automaton_.iter(copy)]
        if not hits:
            return []
        # every hit's first and last character mapped to the text at once (indexing a
        # CopyOffsets one hit at a time would build its whole array)
        positions = [p for s, e, _, _ in hits for p in (s, e - 1)]
        mapped = (offsets.take_inner(positions) if isinstance(offsets, CopyOffsets)
                  else np.asarray(offsets)[positions].tolist())
        spans = []
        for (s, e, idx, multiword), t_start, t_last in zip(hits, mapped[::2], mapped[1::2]):
            t_end = t_last + 1
            alias = self.aliases_[idx]
            if alias.match_case and not capitals_match(text[t_start:t_end], alias.text):
                continue
            if multiword and crosses_sentence_end(text, t_start, t_end):
                continue
            spans.append((s, e, idx, t_start, t_end))
        return [TargetMatch(t_start, t_end, idx) for _, _, idx, t_start, t_end in longest_first(outside_urls(text, spans))
                if self.aliases_[idx].kind != "block"]


# --------------------------------------------------------------------------------------
# Scoring

_ANALYZER = None


def _windowed_vader():
    """VADER's ``SentimentIntensityAnalyzer`` whose negation and idiom checks get the six
    words around the scored word instead of the whole sentence.

    Stock VADER (3.3.2) lower-cases the sentence's whole word list in ``_negation_check`` and
    ``_special_idioms_check`` for each lexicon word and each of the three words before it:
    quadratic in the sentence length (two thirds of its time on KCNA's ~36-word sentences).
    Both read only the words ``i - 3 .. i + 2`` (``i >= start_i + 1``, so never a negative
    index; the look-ahead is guarded by the list length, which the window keeps equivalent),
    so the same checks on ``words[max(i - 3, 0):i + 3]`` at the shifted index give the same
    valences; ``tests/pipelines/test_tone.py`` compares the scores with stock VADER's.
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as Stock

    class WindowedVader(Stock):
        @staticmethod
        def _negation_check(valence, words_and_emoticons, start_i, i):
            lo = i - 3 if i > 3 else 0
            return Stock._negation_check(valence, words_and_emoticons[lo:i + 3], start_i, i - lo)

        @staticmethod
        def _special_idioms_check(valence, words_and_emoticons, i):
            lo = i - 3 if i > 3 else 0
            return Stock._special_idioms_check(valence, words_and_emoticons[lo:i + 3], i - lo)

    return WindowedVader()


def analyzer():
    """VADER's ``SentimentIntensityAnalyzer`` (its lexicon ships inside the wheel), built once,
    with its word-window checks made linear (:func:`_windowed_vader`; same scores)."""
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = _windowed_vader()
    return _ANALYZER


def masked_sentence(text: str, start: int, end: int, matches: list[TargetMatch]) -> str:
    """``text[start:end]`` with every target name in it replaced by :data:`PLACEHOLDER`."""
    parts, pos = [], start
    for m in matches:
        parts += [text[pos:m.start], PLACEHOLDER]
        pos = m.end
    parts.append(text[pos:end])
    return "".join(parts)


_TONE_CACHE: dict[str, dict[str, float]] = {}
_TONE_CACHE_SIZE = 50_000
"""Sentences whose VADER scores are kept (a repeated sentence -- boilerplate, a syndicated
story, a template -- is scored once); the cache is emptied when full."""


def clear_tone_cache() -> None:
    """Forget the cached sentence scores of :func:`sentence_tone` (for benchmarks: a timed
    run should score its sentences as a run of new articles does)."""
    _TONE_CACHE.clear()


def sentence_tone(sentence: str) -> dict[str, float]:
    """VADER scores of *sentence*: ``compound`` in [-1, 1] and ``pos``, ``neu``, ``neg`` (proportions).

    A pure function of the sentence (VADER has no state between calls), so the scores of a
    sentence seen before are taken from a bounded cache (a new dict each call).
    """
    tone = _TONE_CACHE.get(sentence)
    if tone is None:
        tone = analyzer().polarity_scores(sentence)
        if len(_TONE_CACHE) >= _TONE_CACHE_SIZE:
            _TONE_CACHE.clear()
        _TONE_CACHE[sentence] = tone
    return dict(tone)


def _in_dateline(start: int, spans: list[tuple[int, int]], starts: list[int]) -> bool:
    """Does the name starting at *start* lie inside one of the dateline *spans* (``starts`` their starts)?"""
    i = bisect.bisect_right(starts, start) - 1
    return i >= 0 and start < spans[i][1]


def target_sentences(text: str, quotes: list[Quote], matcher: TargetMatcher, copy: str | None = None,
                     offsets: np.ndarray | None = None, sentences=None) -> list[dict]:
    """The rows of one article's ``target_mentions`` (without ``article_id``).

    Parameters
    ----------
    text : the stored article text; *quotes* its :func:`pipelines.quotes.find_quotes` spans.
    matcher : a fitted :class:`TargetMatcher`; *copy*, *offsets*: the matching copy, if built.
    sentences : a callable returning ``sentence_spans(text)`` when the caller keeps them; None:
        computed here (only when a target is found).

    Returns
    -------
    list of dicts with ``target, alias, start_char, end_char, sent_start, sent_end, voice,
    speaker, n_targets, compound, pos, neu, neg``, in text order, one per target per sentence.
    A name inside a dateline (:func:`pipelines.text.dateline_spans`: "Pyongyang, December 24
    (KCNA) --" opening the text or a paragraph) names no target: the sentence counts only for the
    targets it names elsewhere (its tone is scored as before, every name masked).
    """
    matches = matcher.find(text, copy, offsets)
    if not matches:
        return []
    sents = sentences() if sentences is not None else sentence_spans(text)
    starts = [a for a, _ in sents]
    groups: dict[int, list[TargetMatch]] = {}
    for m in matches:
        groups.setdefault(max(0, bisect.bisect_right(starts, m.start) - 1), []).append(m)
    aliases = matcher.aliases_
    of = Voices(quotes).of
    filed = dateline_spans(text)
    filed_starts = [s for s, _ in filed]
    rows = []
    for i, ms in groups.items():
        # a name inside a dateline ("Pyongyang, December 24 (KCNA) --") says where the story was
        # filed: it is masked for the tone like any name, but names no target
        named = [m for m in ms if not _in_dateline(m.start, filed, filed_starts)] if filed else ms
        if not named:
            continue
        a, b = sents[i] if sents else (0, len(text))
        b = max(b, ms[-1].end)
        tone = sentence_tone(masked_sentence(text, a, b, ms))
        firsts: dict[str, TargetMatch] = {}
        for m in named:
            firsts.setdefault(aliases[m.alias].target, m)
        for target, m in firsts.items():
            voice, speaker, _ = of(m.start, m.end)
            rows.append(dict(target=target, alias=aliases[m.alias].text, start_char=m.start, end_char=m.end,
                             sent_start=a, sent_end=b, voice=voice, speaker=speaker, n_targets=len(firsts),
                             compound=tone["compound"], pos=tone["pos"], neu=tone["neu"], neg=tone["neg"]))
    return rows


def score_targets(articles: pd.DataFrame, quotes: pd.DataFrame, matcher: TargetMatcher,
                  prepared: dict[str, PreparedText] | None = None) -> pd.DataFrame:
    """Target mentions and sentence tone for a batch of articles.

    Parameters
    ----------
    articles : frame with ``article_id, text`` (the ``articles`` table).
    quotes : the batch's ``quotes`` rows (from :func:`pipelines.score.score_articles`), which
        give each mention its voice; quotation spans are not searched again.
    matcher : a fitted :class:`TargetMatcher`.
    prepared : the batch's shared texts after :func:`pipelines.score.score_articles` filled
        them (:mod:`pipelines.prepared`): their matching copies and quotes are used instead of
        building them again (same rows). None: built here.

    Returns
    -------
    DataFrame with the columns of the ``target_mentions`` table.
    """
    by_article = prepared_quotes(prepared, quotes)
    rows = []
    for aid, text, p in each_prepared(articles, prepared):
        copy, offsets = p.matching if p is not None else matching_copy(text)
        for row in target_sentences(text, by_article.get(aid, []), matcher, copy, offsets,
                                    p.sentences if p is not None else None):
            row["article_id"] = aid
            rows.append(row)
    return pd.DataFrame(rows, columns=column_names("target_mentions"))


def prepare_targets(con: duckdb.DuckDBPyConnection, gazetteer: Gazetteer | None = None) -> TargetMatcher:
    """Write the ``targets`` table (replacing it) and return the fitted matcher for the score stage."""
    gazetteer = gazetteer or read_gazetteer()
    write_table(con, "targets", gazetteer.to_frame(), replace=True)
    return TargetMatcher(gazetteer).fit()


# --------------------------------------------------------------------------------------
# Rollups

def _query_mentions(con: duckdb.DuckDBPyConnection, filters: Filters, targets, select: str, tail: str,
                    tail_params: tuple = ()) -> pd.DataFrame:
    """``SELECT {select} FROM target_mentions t JOIN sel ... {tail}`` over the selected articles
    (``sel``: :func:`pipelines.rollups._selection_sql`), in the chosen voice, for *targets* (``None``: all)."""
    params: list = []
    sel = _selection_sql(filters, params)
    where = ["TRUE"]
    if filters.voice != ALL:
        where.append("t.voice = ?")
        params.append(filters.voice)
    if targets:
        where.append(_in_list("t.target", tuple(targets), params))
    return con.execute(f"WITH sel AS ({sel}) SELECT {select} FROM target_mentions t JOIN sel USING (article_id) "
                       f"JOIN articles a USING (article_id) WHERE {' AND '.join(where)} {tail}",
                       [*params, *tail_params]).df()


def tone_facts(con: duckdb.DuckDBPyConnection, filters: Filters, targets=None) -> pd.DataFrame:
    """One row per selected article and target it names (in the chosen voice).

    Returns
    -------
    DataFrame: ``article_id, outlet, day, target, n_sentences`` (sentences naming the
    target), ``sum_compound`` (sum of their compound scores), ``n_negative`` (those with
    compound ≤ -0.05). Undated articles are left out.
    """
    return _query_mentions(
        con, filters, targets, "t.article_id, sel.outlet, sel.day, t.target, count(*) AS n_sentences, "
        f"sum(t.compound) AS sum_compound, count(*) FILTER (WHERE t.compound <= {NEGATIVE}) AS n_negative",
        "GROUP BY ALL ORDER BY sel.day, t.article_id, t.target")


def _sum_facts(facts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Group sums of :func:`tone_facts` rows, with the per-article squares the intervals need."""
    x = facts["n_sentences"].astype(float)
    y = facts["sum_compound"].astype(float) + x      # compound + 1 per sentence: a ratio of non-negatives
    z = facts["n_negative"].astype(float)
    f = facts.assign(_x2=x * x, _y2=y * y, _xy=x * y, _z2=z * z, _xz=x * z, _y=y)
    g = f.groupby(keys, sort=True)
    return pd.DataFrame({
        "n_articles_naming": g.size(), "n_sentences": g["n_sentences"].sum(),
        "sum_compound": g["sum_compound"].sum(), "n_negative": g["n_negative"].sum(),
        "sum_y": g["_y"].sum(), "sum_y2": g["_y2"].sum(), "sum_xy": g["_xy"].sum(), "sum_x2": g["_x2"].sum(),
        "sum_z2": g["_z2"].sum(), "sum_xz": g["_xz"].sum(),
    }).reset_index()


def add_tone_measures(df: pd.DataFrame) -> pd.DataFrame:
    """Return *df* with the tone measures computed from its sums.

    Expects ``n_sentences``, ``sum_compound``, ``n_negative``, ``n_articles_naming`` and the
    per-article sums of squares of :func:`_sum_facts`. Adds

    * ``mean_compound`` = Σ compound / Σ sentences (every sentence weighs the same), with
      ``compound_low``, ``compound_high``: the 95 % ratio-estimator interval with articles as
      clusters (Cochran 1977, §6.4; :func:`pipelines.rollups.ratio_interval`), because the
      sentences of one article share its author and subject, with Student's t quantile on
      (articles - 1) degrees of freedom instead of 1.96, because a cell often holds only a
      few articles (two articles: t = 12.7). It is computed for compound + 1 (in [0, 2]), so
      the bounds stay within [-1, 1]; NaN below two articles.
    * ``share_negative`` = Σ negative sentences / Σ sentences, with ``negative_low``,
      ``negative_high``: the wider of the Wilson interval (each sentence a trial) and the
      same cluster interval (with t), within [0, 1].

    Rows with no sentences get NaN (a gap), never 0.
    """
    out = df.copy()
    x = out["n_sentences"].astype(float)
    n = out["n_articles_naming"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["mean_compound"] = np.where(x > 0, out["sum_compound"].astype(float) / x, np.nan)
        out["share_negative"] = np.where(x > 0, out["n_negative"].astype(float) / x, np.nan)
    with np.errstate(invalid="ignore"):
        t = np.where(n >= 2, student_t.ppf(0.975, np.maximum(n - 1, 1)), np.nan)
    low, high = ratio_interval(out["sum_y"], x, out["sum_y2"], out["sum_xy"], out["sum_x2"], n, z=t)
    out["compound_low"], out["compound_high"] = low - 1, np.minimum(high - 1, 1.0)
    k = out["n_negative"].astype(float)
    w_low, w_high = wilson_interval(k, x)
    r_low, r_high = ratio_interval(k, x, out["sum_z2"], out["sum_xz"], out["sum_x2"], n, z=t)
    out["negative_low"] = np.where(np.isnan(r_low), w_low, np.fmin(w_low, r_low))
    out["negative_high"] = np.where(np.isnan(r_high), w_high, np.minimum(np.fmax(w_high, r_high), 1.0))
    return out.drop(columns=["sum_y", "sum_y2", "sum_xy", "sum_x2", "sum_z2", "sum_xz"])


TONE_COLUMNS = ["n_articles", "n_articles_naming", "n_sentences", "sum_compound", "n_negative", "mean_compound",
                "compound_low", "compound_high", "share_negative", "negative_low", "negative_high"]


def _articles_per(con, filters: Filters, keys: list[str], granularity: str | None = None) -> pd.DataFrame:
    params: list = []
    sel = _selection_sql(filters, params)
    arts = con.execute(f"SELECT outlet, day FROM ({sel})", params).df()
    if granularity is not None:
        arts["period"] = _period_floor(arts["day"], granularity) if len(arts) else pd.Series(dtype="datetime64[us]")
    return arts.groupby(keys).size().rename("n_articles").reset_index()


def _finish(grid: pd.DataFrame, sums: pd.DataFrame, arts: pd.DataFrame, keys: list[str], outlet_keys: list[str]):
    out = grid.merge(sums, on=keys, how="left").merge(arts, on=outlet_keys, how="left")
    for c in ("n_articles", "n_articles_naming", "n_sentences", "n_negative"):
        out[c] = out[c].fillna(0).astype("int64")
    out["sum_compound"] = out["sum_compound"].fillna(0.0)
    for c in ("sum_y", "sum_y2", "sum_xy", "sum_x2", "sum_z2", "sum_xz"):
        out[c] = out[c].fillna(0.0)
    return add_tone_measures(out)


def tone_trend(con: duckdb.DuckDBPyConnection, filters: Filters, granularity: str = "week",
               targets=None) -> pd.DataFrame:
    """Tone toward each target per outlet and period.

    Parameters
    ----------
    filters : the sidebar's selection; ``voice`` selects the voice of the target mention,
        ``categories`` (lexicon categories) do not apply.
    granularity : ``"day"``, ``"week"`` or ``"month"``.
    targets : target names (``None``: every target named in the selection).

    Returns
    -------
    DataFrame with one row per outlet, target and period on a complete grid from the first to
    the last period of the selection, sorted by target (in the order of *targets*), outlet, period: ``outlet, target,
    period`` (Timestamp of the period's first day), ``n_articles`` (selected articles of the
    outlet in the period), then the columns of :func:`add_tone_measures`. A period with no
    sentence naming the target has NaN measures (a gap), never 0.
    """
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES}, not {granularity!r}")
    facts = tone_facts(con, filters, targets)
    cols = ["outlet", "target", "period", *TONE_COLUMNS]
    if facts.empty:
        return pd.DataFrame(columns=cols)
    facts["period"] = _period_floor(facts["day"], granularity)
    sums = _sum_facts(facts, ["outlet", "target", "period"])
    arts = _articles_per(con, filters, ["outlet", "period"], granularity)
    first = pd.Timestamp(filters.start) if filters.start else min(facts["period"].min(), arts["period"].min())
    last = pd.Timestamp(filters.end) if filters.end else max(facts["period"].max(), arts["period"].max())
    periods = _period_grid(_period_floor(pd.Series([first]), granularity).iloc[0], last, granularity)
    outlets = sorted(set(filters.outlets) if filters.outlets else set(arts["outlet"]))
    names = list(targets) if targets else sorted(set(facts["target"]))
    grid = pd.MultiIndex.from_product([outlets, names, periods], names=["outlet", "target", "period"]).to_frame(
        index=False)
    out = _finish(grid, sums, arts, ["outlet", "target", "period"], ["outlet", "period"])
    order = {t: i for i, t in enumerate(names)}
    return out[cols].sort_values(["target", "outlet", "period"], key=lambda c: c.map(order) if c.name == "target"
                                 else c, ignore_index=True)


def tone_matrix(con: duckdb.DuckDBPyConnection, filters: Filters, targets=None) -> pd.DataFrame:
    """Tone toward each target per outlet over the whole selection.

    Returns
    -------
    DataFrame with one row per selected outlet and target (targets named nowhere in the
    selection are left out; an outlet that never names a target has NaN measures there):
    ``outlet, target`` and the columns of :func:`add_tone_measures`, with ``n_articles`` the
    outlet's selected articles. Sorted by outlet, then target: in the order of *targets*, or
    most sentences first (then by name) when *targets* is ``None``.
    """
    facts = tone_facts(con, filters, targets)
    cols = ["outlet", "target", *TONE_COLUMNS]
    if facts.empty:
        return pd.DataFrame(columns=cols)
    sums = _sum_facts(facts, ["outlet", "target"])
    arts = _articles_per(con, filters, ["outlet"])
    outlets = sorted(set(filters.outlets) if filters.outlets else set(arts["outlet"]))
    by_n = facts.groupby("target")["n_sentences"].sum()
    names = list(targets) if targets else sorted(by_n.index, key=lambda t: (-by_n[t], t))
    grid = pd.MultiIndex.from_product([outlets, names], names=["outlet", "target"]).to_frame(index=False)
    return _finish(grid, sums, arts, ["outlet", "target"], ["outlet"])[cols]


def compound_label(target: str, compound: float) -> str:
    """``"Russia (−0.62)"``: the target and the sentence's compound score, with a true minus sign."""
    return f"{target} ({compound:+.2f})".replace("-", MINUS)


def evidence_spans(con: duckdb.DuckDBPyConnection, filters: Filters, *, key: str | None = None,
                   outlet: str | None = None, start: date | None = None, end: date | None = None,
                   limit: int = KWIC_LIMIT) -> pd.DataFrame:
    """Target mentions behind a cell (*key*: one target, ``None``: every target).

    The span is the target's first name in the sentence (the KWIC match, with the sentence
    around it as context); ``label`` is the target and the sentence's compound score, e.g.
    ``"Russia (−0.62)"``. Voice follows *filters*; lexicon categories do not apply.

    Returns
    -------
    DataFrame with :data:`pipelines.concordance.SPAN_COLUMNS`, in date, article, offset order.
    """
    df = _query_mentions(
        con, narrowed(filters, outlet, start, end), (key,) if key is not None else None,
        "t.article_id, sel.outlet, sel.day, a.title, a.url, t.start_char, t.end_char, t.target, t.compound, "
        "t.voice, t.speaker", "ORDER BY sel.day, t.article_id, t.start_char, t.target LIMIT ?", (int(limit),))
    df["label"] = [compound_label(t, c) for t, c in zip(df["target"], df["compound"])]
    return df[SPAN_COLUMNS]


def naming_counts(con: duckdb.DuckDBPyConnection, filters: Filters, targets=None) -> tuple[int, int]:
    """(sentence rows, distinct articles) naming any of *targets* (``None``: any target) in the selection.

    A sentence naming two of the targets counts twice (one row per target), an article once.
    """
    df = _query_mentions(con, filters, targets, "count(*) AS n, count(DISTINCT t.article_id) AS a", "")
    return int(df["n"].iloc[0]), int(df["a"].iloc[0])


def target_totals(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Targets named in the selection, most sentences first: ``target, n_sentences, n_articles``."""
    return _query_mentions(con, filters, None, "t.target, count(*) AS n_sentences, "
                           "count(DISTINCT t.article_id) AS n_articles", "GROUP BY 1 ORDER BY 2 DESC, 1")
