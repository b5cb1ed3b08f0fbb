"""Word choice: counterpart pairs ("regime" / "government"), the share of the loaded form.

A *pair* names one thing two ways: a **loaded form** (one or more lexicon terms, with their
variants, e.g. "war games", "war rehearsal") and a **counterpart form** (the lexicon's
``counterpart`` of those terms, e.g. "military exercises", plus its own variants). Pairs are
declared in ``data/lexicon/pairs.csv`` (:data:`BUILTIN_PAIRS`), one per line:

========================  ======================================================================
``pair_id``               short id (lowercase letters, digits, ``_``), unique
``concept``               what both forms name ("Russia's war in Ukraine from February 2022")
``loaded``                lexicon terms of the loaded form, ``|``-separated; their variants come
                          from the lexicon, and each term's ``counterpart`` there must be this
                          pair's ``counterpart``
``counterpart``           the counterpart form's canonical phrase
``counterpart_variants``  other spellings of it, ``|``-separated
``contested``             empty when the counterpart is the plain word; otherwise who holds the
                          counterpart itself to be loaded (``annexation`` / ``reunification``:
                          each side rejects the other's word)
``note``                  who uses the loaded form, and why it is loaded
========================  ======================================================================

**Measure** (:func:`pair_shares`): for an outlet and period, the share of the loaded form
among the uses of both forms, ``n_loaded / (n_loaded + n_counterpart)``, in the voice chosen
in the sidebar. Its 95 % interval is the wider of the Wilson score interval with each use a
trial and the ratio-estimator interval with articles as clusters (Cochran 1977, §6.4, as for
rates in :mod:`pipelines.rollups`), because one article tends to repeat its own word. The
share of *articles* (among those using either form, the share using the loaded form at
least once; Wilson) is given beside it.

**Matching** uses the lexicon's machinery (:class:`pipelines.lexicon.LexiconMatcher`): folded
case, hyphens and quotes, whole words, no multi-word form across a sentence end, longest
match first ("military exercises" is not also "exercises"). Each pair is counted on its
own: "Kyiv regime" is a use of "regime" for the pair ``government`` and of "Kyiv regime" for
``ukraine_government``. A form is not counted inside a lexicon stop phrase ("sanctions
regime"), and a counterpart is not counted inside a longer lexicon term ("puppet
government", "invasion forces"): the phrase is loaded, so it is not the plain word. Each use
gets its voice and speaker exactly as lexicon mentions do (:func:`pipelines.quotes.voice_of`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ahocorasick
import duckdb
import numpy as np
import pandas as pd

from .concordance import KWIC_LIMIT, query_spans
from .errors import LexiconError, read_utf8
from .lexicon import BUILTIN_LEXICON, Entry, Lexicon, LexiconMatcher, check_header, csv_records
from .prepared import PreparedText, each_prepared, prepared_quotes
from .quotes import Voices
from .rollups import (GRANULARITIES, Filters, _in_list, _period_floor, _period_grid, _selection_sql,
                      ratio_interval, wilson_interval)
from .schemas import ALL, column_names
from .storage import write_table
from .text import fold, matching_copy

BUILTIN_PAIRS = BUILTIN_LEXICON.parent / "pairs.csv"
PAIR_COLUMNS = ("pair_id", "concept", "loaded", "counterpart", "counterpart_variants", "contested", "note")
REQUIRED_COLUMNS = ("pair_id", "loaded", "counterpart")
FORMS = ("loaded", "counterpart")
"""Values of ``pair_mentions.form``."""
MIN_ARTICLES = 5
"""A cell whose forms come from fewer articles than this is flagged ``small_n``: its interval
rests on too few independent texts to read much into."""
_PAIR_ID_RE = re.compile(r"[a-z0-9_]+")
_ASCII_FOLD = {i: fold(chr(i)) or " " for i in range(128)}
"""ASCII characters as :func:`pipelines.text.matching_copy` folds them (letters lowered, the rest spaces)."""


@dataclass(frozen=True)
class Pair:
    """One counterpart pair as declared (``line`` is its 1-based line in ``source``).

    After :func:`resolve_pairs`, ``loaded_entries`` holds the lexicon entries of the loaded
    form and ``category`` their lexicon category.
    """

    pair_id: str
    loaded: tuple[str, ...]
    counterpart: str
    counterpart_variants: tuple[str, ...] = ()
    concept: str | None = None
    contested: str | None = None
    note: str | None = None
    source: str = ""
    line: int = 0
    loaded_entries: tuple[Entry, ...] = ()
    category: str | None = None

    @property
    def counterpart_spellings(self) -> tuple[str, ...]:
        return (self.counterpart, *self.counterpart_variants)

    @property
    def loaded_spellings(self) -> tuple[str, ...]:
        return tuple(s for e in self.loaded_entries for s in e.spellings)

    @property
    def where(self) -> str:
        return f"{self.source}, line {self.line}"


def _split(cell) -> tuple[str, ...]:
    return tuple(v.strip() for v in str(cell or "").split("|") if v.strip())


def _opt(cell) -> str | None:
    return str(cell).strip() or None if cell is not None else None


def read_pairs(path: str | Path = BUILTIN_PAIRS) -> list[Pair]:
    """Read a pairs file (UTF-8 CSV with the columns of :data:`PAIR_COLUMNS`).

    Returns
    -------
    list of :class:`Pair`, in file order, not yet checked against a lexicon.

    Raises
    ------
    LexiconError
        With file, line and column, for a missing file or column, a column named twice, an empty or malformed
        ``pair_id``, a repeated ``pair_id``, an empty ``loaded`` or ``counterpart``, a
        counterpart with no letters or digits, a ``*`` in a counterpart, or a quoted cell that
        is not closed (:func:`pipelines.lexicon.csv_records`).
    """
    path = Path(path)
    if not path.is_file():
        raise LexiconError("pairs file not found", where=str(path), expected="a CSV file of counterpart pairs",
                           found="nothing at this path", fix="check the path, or use data/lexicon/pairs.csv")
    records = csv_records(csv.reader(io.StringIO(read_utf8(path, LexiconError, "pairs file"), newline=""),
                                     strict=True), path)
    header_line, header = next(records, (1, []))
    check_header(header, path, header_line)
    header = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise LexiconError("pairs file lacks a required column", where=f"{path}, line 1",
                           expected=f"a header with {', '.join(REQUIRED_COLUMNS)}", found=f"columns {header}",
                           fix=f"add the column(s) {', '.join(missing)}")
    pairs: list[Pair] = []
    seen: dict[str, int] = {}
    for line, cells in records:
        row = dict(zip(header, cells))
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue

        def where(col: str, line=line) -> str:
            return f"{path}, line {line}, column '{col}'"

        pid = (row.get("pair_id") or "").strip()
        if not _PAIR_ID_RE.fullmatch(pid):
            raise LexiconError("invalid pair_id", where=where("pair_id"),
                               expected="lowercase letters, digits and '_' (e.g. military_exercises)",
                               found=repr(pid), fix="give the pair a short id such as 'government'")
        if pid in seen:
            raise LexiconError(f"pair_id '{pid}' is used twice", where=where("pair_id"),
                               expected="each pair_id once", found=f"also on line {seen[pid]}",
                               fix="rename one of the pairs or merge them")
        seen[pid] = line
        loaded = _split(row.get("loaded"))
        if not loaded:
            raise LexiconError("empty loaded form", where=where("loaded"),
                               expected="one or more lexicon terms, '|'-separated", found="an empty cell",
                               fix="name the lexicon term(s) of the loaded form")
        counterpart = (row.get("counterpart") or "").strip()
        variants = _split(row.get("counterpart_variants"))
        for spelling, col in [(counterpart, "counterpart")] + [(v, "counterpart_variants") for v in variants]:
            if not fold(spelling.replace("*", "")):
                raise LexiconError("counterpart has no letters or digits", where=where(col),
                                   expected="the plain phrase for the same thing", found=repr(spelling),
                                   fix="write the counterpart phrase, e.g. 'military exercises'")
            if "*" in spelling:
                raise LexiconError("'*' in a counterpart", where=where(col), expected="whole words",
                                   found=repr(spelling), fix="list each spelling in counterpart_variants")
        pairs.append(Pair(pair_id=pid, loaded=loaded, counterpart=counterpart, counterpart_variants=variants,
                          concept=_opt(row.get("concept")), contested=_opt(row.get("contested")),
                          note=_opt(row.get("note")), source=str(path), line=line))
    return pairs


def _key(spelling: str) -> str:
    return fold(spelling.rstrip("*")) + ("*" if spelling.endswith("*") else "")


def _contains(outer: str, inner: str) -> bool:
    """Whether phrase *inner* occurs in phrase *outer* as whole words (both folded)."""
    return f" {inner} " in f" {outer} "


def resolve_pairs(pairs: list[Pair], lexicon: Lexicon, strict: bool = True) -> tuple[list[Pair], list[str]]:
    """Check *pairs* against *lexicon* and attach each pair's lexicon entries.

    Each loaded term must be a term (not a stop phrase) of the lexicon whose ``counterpart``
    is the pair's counterpart (after folding), all of one category; no loaded term may be in
    two pairs; no spelling may be on both sides of a pair; and no counterpart spelling may be
    a lexicon term itself (it would be loaded, not plain). :meth:`PairMatcher.check` then
    checks that the matcher finds every spelling standing alone.

    Parameters
    ----------
    strict : raise on a pair that disagrees with the lexicon (True, for the built-in
        lexicon). False (a user's own lexicon, which need not hold the built-in pairs'
        terms) keeps a pair with the loaded terms the lexicon has and leaves out a pair it
        cannot support, each with a warning.

    Returns
    -------
    (pairs, warnings)

    Raises
    ------
    LexiconError
        What, where (pairs file and line), expected, found and how to fix it.
    """
    terms = {fold(e.term): e for e in lexicon.entries}
    spellings = {_key(s): e for e in lexicon.entries for s in e.spellings}
    owner: dict[str, Pair] = {}
    kept, warnings = [], []
    for pair in pairs:
        try:
            entries, absent = [], []
            for term in pair.loaded:
                entry = terms.get(fold(term))
                if entry is None and not strict:
                    absent.append(term)
                    continue
                if entry is None or entry.ignore:
                    raise LexiconError(f"loaded term '{term}' of pair '{pair.pair_id}' is not a lexicon term",
                                       where=pair.where, expected="a term of the lexicon (not a stop phrase)",
                                       found="no such term" if entry is None else "a stop phrase",
                                       fix="add the term to the lexicon or remove it from the pair")
                if fold(entry.counterpart or "") != fold(pair.counterpart):
                    raise LexiconError(
                        f"pair '{pair.pair_id}' disagrees with the lexicon's counterpart of '{term}'",
                        where=pair.where, expected=f"counterpart '{pair.counterpart}' (as the pair says)",
                        found=f"'{entry.counterpart or ''}' at {entry.source}, line {entry.line}",
                        fix="make the lexicon's counterpart column and the pair name the same phrase")
                entries.append(entry)
            if not entries:
                raise LexiconError(f"no loaded term of pair '{pair.pair_id}' is in the lexicon", where=pair.where,
                                   expected="at least one of its terms", found=", ".join(absent),
                                   fix="add the terms to your lexicon to measure this pair")
            if absent:
                warnings.append(f"word-choice pair '{pair.pair_id}' kept without "
                                f"{', '.join(repr(t) for t in absent)}: not in the lexicon")
            categories = sorted({e.category for e in entries})
            if len(categories) > 1:
                raise LexiconError(f"the loaded terms of pair '{pair.pair_id}' have different categories",
                                   where=pair.where, expected="one lexicon category per pair",
                                   found=", ".join(categories), fix="split the pair in two")
            pair = dataclasses.replace(pair, loaded=tuple(e.term for e in entries), loaded_entries=tuple(entries),
                                       category=categories[0])
            loaded = {_key(s) for s in pair.loaded_spellings}
            for s in pair.counterpart_spellings:
                if _key(s) in loaded:
                    raise LexiconError(f"the forms of pair '{pair.pair_id}' overlap", where=pair.where,
                                       expected="no spelling in both the loaded and the counterpart form",
                                       found=f"'{s}' in both", fix="remove it from one side")
                if _key(s) in spellings and not spellings[_key(s)].ignore:
                    other = spellings[_key(s)]
                    raise LexiconError(f"counterpart '{s}' of pair '{pair.pair_id}' is itself a lexicon term",
                                       where=pair.where, expected="a plain (unloaded) phrase",
                                       found=f"'{other.term}' at {other.source}, line {other.line}",
                                       fix="choose a plain counterpart, or take the term out of the lexicon")
        except LexiconError as exc:
            if strict:
                raise
            warnings.append(f"word-choice pair '{pair.pair_id}' left out: {exc.message}")
            continue
        for e in entries:
            if fold(e.term) in owner:
                raise LexiconError(f"lexicon term '{e.term}' is in two pairs", where=pair.where,
                                   expected="each loaded term in one pair",
                                   found=f"also in pair '{owner[fold(e.term)].pair_id}' ({owner[fold(e.term)].where})",
                                   fix="keep the term in one of the pairs")
            owner[fold(e.term)] = pair
        kept.append(pair)
    return kept, warnings


def load_pairs(lexicon: Lexicon, path: str | Path | None = None) -> tuple[list[Pair], list[str]]:
    """The pairs of *path* (default: the built-in pairs file) checked against *lexicon*.

    Strict (errors stop the run) when the lexicon includes the built-in lexicon file;
    otherwise pairs the lexicon cannot support are left out with a warning.

    Returns
    -------
    (pairs, warnings)
    """
    strict = str(BUILTIN_LEXICON) in lexicon.sources
    return resolve_pairs(read_pairs(path or BUILTIN_PAIRS), lexicon, strict=strict)


def start_pairs(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, warnings: list[str]) -> PairMatcher:
    """Score-stage set-up: load and check the pairs for *lexicon*, write the ``pairs`` table.

    Warnings (pairs left out) are appended to *warnings*. Returns the fitted, checked
    :class:`PairMatcher` that :func:`find_pair_mentions` uses chunk by chunk.

    Raises
    ------
    LexiconError
        As :func:`load_pairs` and :meth:`PairMatcher.check`.
    """
    pairs, notes = load_pairs(lexicon)
    warnings.extend(notes)
    matcher = PairMatcher(pairs, lexicon).fit()
    matcher.check()
    write_table(con, "pairs", pairs_frame(pairs), replace=True)
    return matcher


def pairs_frame(pairs: list[Pair]) -> pd.DataFrame:
    """The ``pairs`` table."""
    return pd.DataFrame({
        "pair_id": [p.pair_id for p in pairs],
        "concept": [p.concept for p in pairs],
        "loaded": ["|".join(p.loaded) for p in pairs],
        "loaded_spellings": ["|".join(p.loaded_spellings) for p in pairs],
        "counterpart": [p.counterpart for p in pairs],
        "counterpart_spellings": ["|".join(p.counterpart_spellings) for p in pairs],
        "category": [p.category for p in pairs],
        "contested": [p.contested for p in pairs],
        "note": [p.note for p in pairs],
        "source": [Path(p.source).name for p in pairs],
    }, columns=column_names("pairs"))


@dataclass(frozen=True, slots=True)
class PairMatch:
    """A use of a pair form: ``text[start:end]``; ``pair`` indexes the matcher's pairs."""

    start: int
    end: int
    pair: int
    form: str
    term: str


def _words(spelling: str) -> set[str]:
    words = set(fold(spelling.rstrip("*")).split())
    return {w + "*" for w in words} if spelling.endswith("*") else words


def _conflict(a: set[str], b: set[str]) -> bool:
    """Whether a phrase of one word set could overlap a phrase of the other in a text."""
    for x in a:
        for y in b:
            if x == y or (x.endswith("*") and y.startswith(x[:-1])) or (y.endswith("*") and x.startswith(y[:-1])):
                return True
    return False


class PairMatcher:
    """Find the forms of every pair in texts, each pair counted on its own.

    Follows the estimator pattern: ``__init__`` stores the pairs and the lexicon, :meth:`fit`
    builds ``groups_`` (one :class:`pipelines.lexicon.LexiconMatcher` per group of pairs
    whose phrases share no word, so longest-first never lets one pair's form hide another
    pair's), :meth:`find` returns :class:`PairMatch` es.

    Parameters
    ----------
    pairs : pairs resolved against *lexicon* (:func:`resolve_pairs`).
    lexicon : its stop phrases block forms inside them; its terms that contain a counterpart
        block that counterpart.
    """

    def __init__(self, pairs: list[Pair], lexicon: Lexicon):
        self.pairs = pairs
        self.lexicon = lexicon

    def _blockers(self, pair: Pair) -> list[Entry]:
        counterparts = [fold(s) for s in pair.counterpart_spellings]
        own = {fold(e.term) for e in pair.loaded_entries}
        out = []
        for e, folded in self._folded:
            if e.ignore or folded[0] in own:
                continue
            if any(_contains(f, c) and f != c for f in folded for c in counterparts):
                out.append(dataclasses.replace(e, ignore=True))
        return out

    def fit(self) -> PairMatcher:
        stops = [e for e in self.lexicon.entries if e.ignore]
        self._folded = [(e, [fold(s.rstrip("*")) for s in e.spellings]) for e in self.lexicon.entries]
        members: list[list[int]] = []
        words: list[set[str]] = []
        blockers = [self._blockers(p) for p in self.pairs]
        for i, pair in enumerate(self.pairs):
            w = set().union(*(_words(s) for s in (*pair.loaded_spellings, *pair.counterpart_spellings)),
                            *(_words(s) for b in blockers[i] for s in b.spellings))
            for g, gw in enumerate(words):
                if not _conflict(w, gw):
                    members[g].append(i)
                    gw |= w
                    break
            else:
                members.append([i])
                words.append(w)
        groups = []
        for ids in members:
            entries, meta = [], []
            for i in ids:
                pair = self.pairs[i]
                for e in pair.loaded_entries:
                    entries.append(Entry(term=e.term, variants=e.variants, category=pair.pair_id))
                    meta.append((i, "loaded", e.term))
                entries.append(Entry(term=pair.counterpart, variants=pair.counterpart_variants,
                                     category=pair.pair_id))
                meta.append((i, "counterpart", pair.counterpart))
            extra = [b for i in ids for b in blockers[i]] + stops
            groups.append((LexiconMatcher(Lexicon(tuple(entries + extra), ())).fit(), meta))
        self.groups_ = groups
        # Which groups have a form here? One pass of one automaton over every form's key (padded
        # as LexiconMatcher pads them), valued by the groups holding it, lets an article skip
        # the passes of groups none of whose forms it contains: those could only find stop
        # phrases and blockers, which are never returned.
        anywhere = ahocorasick.Automaton()
        for g, (matcher, _) in enumerate(groups):
            for entry in matcher.lexicon.entries:
                if entry.ignore:
                    continue
                for s in entry.spellings:
                    key = " " + fold(s.rstrip("*")) + ("" if s.endswith("*") else " ")
                    anywhere.add_word(key, anywhere.get(key, frozenset()) | {g})
        anywhere.make_automaton()
        self.anywhere_ = anywhere
        return self

    def _groups_in(self, copy: str) -> list[int]:
        """Indices of the groups with a form key in *copy*, ascending."""
        return sorted({g for _, groups in self.anywhere_.iter(copy) for g in groups})

    def find(self, text: str, copy: str | None = None, offsets: np.ndarray | None = None) -> list[PairMatch]:
        """Every use of a pair form in *text* (offsets into *text*), sorted by start, then pair."""
        if not self.pairs:
            return []
        if copy is None:
            if text.isascii() and not self._groups_in(" " + " ".join(text.translate(_ASCII_FOLD).split()) + " "):
                return []      # the ASCII matching copy, built without offsets, holds no form
            copy, offsets = matching_copy(text)
        out = []
        for g in self._groups_in(copy):
            matcher, meta = self.groups_[g]
            for m in matcher.find(text, copy, offsets):
                i, form, term = meta[m.entry]
                out.append(PairMatch(m.start, m.end, i, form, term))
        out.sort(key=lambda m: (m.start, m.pair))
        return out

    def check(self) -> None:
        """Raise :class:`LexiconError` for a spelling that is not found when it stands alone.

        A form the matcher cannot find on its own (it runs across a sentence end, or a longer
        lexicon phrase always swallows it) would silently count zero.
        """
        for i, pair in enumerate(self.pairs):
            forms = [("loaded", s) for s in pair.loaded_spellings] + \
                    [("counterpart", s) for s in pair.counterpart_spellings]
            for form, spelling in forms:
                if spelling.endswith("*"):
                    continue
                found = [(m.pair, m.form, m.start, m.end) for m in self.find(spelling)]
                if (i, form, 0, len(spelling)) not in found:
                    raise LexiconError(f"{form} form '{spelling}' of pair '{pair.pair_id}' cannot be matched",
                                       where=pair.where, expected="the spelling found when it stands alone",
                                       found=f"matches {found}",
                                       fix="write the spelling as it appears in running text, in one sentence")


def find_pair_mentions(articles: pd.DataFrame, quotes: pd.DataFrame, matcher: PairMatcher,
                       prepared: dict[str, PreparedText] | None = None) -> pd.DataFrame:
    """The ``pair_mentions`` rows of a batch of articles.

    Parameters
    ----------
    articles : frame with ``article_id`` and ``text`` (the ``articles`` table).
    quotes : the ``quotes`` rows of those articles (from the score stage), which give every
        use its voice and speaker exactly as lexicon mentions get theirs.
    matcher : a fitted :class:`PairMatcher`.
    prepared : the batch's shared texts after :func:`pipelines.score.score_articles` filled
        them (:mod:`pipelines.prepared`): their matching copies and quotes are used instead of
        building them again (same rows). None: built here.

    Returns
    -------
    DataFrame with the columns of the ``pair_mentions`` table.
    """
    by_article = prepared_quotes(prepared, quotes)
    rows: dict[str, list] = {c: [] for c in column_names("pair_mentions")}
    for aid, text, p in each_prepared(articles, prepared):
        found = matcher.find(text, *p.matching) if p is not None else matcher.find(text)
        if not found:
            continue
        of = Voices(by_article.get(aid)).of
        for m in found:
            voice, speaker, _ = of(m.start, m.end)
            for col, value in (("article_id", aid), ("pair_id", matcher.pairs[m.pair].pair_id), ("form", m.form),
                               ("term", m.term), ("start_char", m.start), ("end_char", m.end), ("voice", voice),
                               ("speaker", speaker)):
                rows[col].append(value)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# Rollups

SHARE_COLUMNS = ["outlet", "period", "pair_id", "n_loaded", "n_counterpart", "n_forms", "share", "share_low",
                 "share_high", "n_articles", "n_articles_loaded", "article_share", "article_share_low",
                 "article_share_high", "n_outlet_articles", "small_n"]
"""Columns of :func:`pair_shares` (without ``period`` when it has no granularity)."""


def _pair_conditions(filters: Filters, params: list) -> list[str]:
    """WHERE conditions on ``pair_mentions pm`` for the voice and category filters."""
    where = ["TRUE"]
    if filters.voice != ALL:
        where.append("pm.voice = ?")
        params.append(filters.voice)
    if filters.categories:
        cond = _in_list("category", filters.categories, params)
        where.append(f"pm.pair_id IN (SELECT pair_id FROM pairs WHERE {cond})")
    return where


def _uses_sql(filters: Filters, params: list, pair_id: str | None) -> str:
    """Per selected article and pair: outlet, day, loaded uses (y) and uses of either form (x)."""
    sel = _selection_sql(filters, params)
    where = _pair_conditions(filters, params)
    if pair_id is not None:
        where.append("pm.pair_id = ?")
        params.append(pair_id)
    return (f"WITH sel AS ({sel}) SELECT sel.outlet, sel.day, pm.article_id, pm.pair_id, "
            "count(*) FILTER (WHERE pm.form = 'loaded') AS y, count(*) AS x "
            f"FROM pair_mentions pm JOIN sel USING (article_id) WHERE {' AND '.join(where)} "
            "GROUP BY ALL")


def add_pair_measures(df: pd.DataFrame) -> pd.DataFrame:
    """*df* with the shares of :func:`pair_shares` computed from its sums.

    Expects ``n_loaded``, ``n_forms``, ``n_articles``, ``n_articles_loaded`` and the
    per-article sums ``sum_y2``, ``sum_xy``, ``sum_x2`` (y: loaded uses, x: uses of either
    form); drops the sums. Rows with no use of either form get NaN shares (a gap, not 0).
    """
    out = df.copy()
    k, n = out["n_loaded"].astype(float), out["n_forms"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(n > 0, k / n, np.nan)
    low, high = wilson_interval(k, n)
    r_low, r_high = ratio_interval(k, n, out["sum_y2"], out["sum_xy"], out["sum_x2"], out["n_articles"])
    low = np.where(np.isnan(r_low), low, np.fmin(low, r_low))
    high = np.where(np.isnan(r_high), high, np.fmax(high, np.fmin(r_high, 1.0)))
    out["share_low"], out["share_high"] = low, high
    ka, na = out["n_articles_loaded"].astype(float), out["n_articles"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["article_share"] = np.where(na > 0, ka / na, np.nan)
    out["article_share_low"], out["article_share_high"] = wilson_interval(ka, na)
    out["small_n"] = (out["n_articles"] > 0) & (out["n_articles"] < MIN_ARTICLES)
    return out.drop(columns=["sum_y2", "sum_xy", "sum_x2"])


def pair_shares(con: duckdb.DuckDBPyConnection, filters: Filters, granularity: str | None = None,
                pair_id: str | None = None) -> pd.DataFrame:
    """Share of the loaded form per outlet × period × pair, with its interval and n.

    Parameters
    ----------
    filters : the sidebar selection; its voice chooses which uses count, its categories which
        pairs (by the lexicon category of the loaded form).
    granularity : ``"day"``, ``"week"``, ``"month"``, or ``None`` for one row per outlet and
        pair over the whole selection (no ``period`` column).
    pair_id : one pair, or ``None`` for every pair used in the selection.

    Returns
    -------
    DataFrame with :data:`SHARE_COLUMNS`: ``n_loaded``, ``n_counterpart``, ``n_forms`` (uses),
    ``share`` = n_loaded / n_forms with ``share_low``/``share_high`` (95 %: the wider of
    Wilson over uses and the ratio-estimator interval with articles as clusters),
    ``n_articles`` (articles using either form), ``n_articles_loaded`` (of those, using the
    loaded form), ``article_share`` with its Wilson bounds, ``n_outlet_articles`` (the
    outlet's selected articles in the period, whether or not they use a form) and
    ``small_n`` (fewer than :data:`MIN_ARTICLES` articles). With a granularity every
    selected outlet has every period from the first to the last of the selection for each
    pair shown; a period with no use of either form has NaN shares (a gap, never 0). Without
    one, for one *pair_id*, every outlet with selected articles has a row (zero uses and NaN
    shares where it uses neither form); for every pair, the outlets using one. Sorted by pair,
    outlet, period.

    Raises
    ------
    ValueError
        For an unknown granularity.
    """
    if granularity is not None and granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES} or None, not {granularity!r}")
    params: list = []
    uses = con.execute(_uses_sql(filters, params, pair_id), params).df()
    params = []
    arts = con.execute(f"SELECT outlet, day FROM ({_selection_sql(filters, params)})", params).df()
    keys = ["outlet", "pair_id"] if granularity is None else ["outlet", "period", "pair_id"]
    if granularity is not None:
        uses["period"] = _period_floor(uses["day"], granularity) if len(uses) else pd.Series(dtype="datetime64[us]")
        arts["period"] = _period_floor(arts["day"], granularity) if len(arts) else pd.Series(dtype="datetime64[us]")
    x, y = uses["x"].astype(float), uses["y"].astype(float)
    uses = uses.assign(has_loaded=(y > 0).astype("int64"), y2=y * y, xy=x * y, x2=x * x)
    g = uses.groupby(keys, sort=True)
    agg = pd.DataFrame({"n_loaded": g["y"].sum(), "n_forms": g["x"].sum(), "n_articles": g.size(),
                        "n_articles_loaded": g["has_loaded"].sum(), "sum_y2": g["y2"].sum(),
                        "sum_xy": g["xy"].sum(), "sum_x2": g["x2"].sum()}).reset_index()
    outlet_keys = keys[:-1]
    volume = arts.groupby(outlet_keys).size().rename("n_outlet_articles").reset_index()
    if granularity is None and pair_id is None:
        grid = agg[keys]
    elif granularity is None:   # an outlet with selected articles but no use: a row of zeros ("no use")
        grid = pd.DataFrame({"outlet": sorted(set(arts["outlet"]) | set(agg["outlet"])), "pair_id": pair_id})
    else:
        outlets = sorted(filters.outlets or set(arts["outlet"]))
        pair_ids = [pair_id] if pair_id is not None else sorted(set(agg["pair_id"]))
        first = pd.Timestamp(filters.start) if filters.start else arts["period"].min()
        last = pd.Timestamp(filters.end) if filters.end else arts["period"].max()
        periods = (_period_grid(_period_floor(pd.Series([first]), granularity).iloc[0], last, granularity)
                   if len(arts) or filters.start else [])
        grid = pd.MultiIndex.from_product([outlets, periods, pair_ids], names=keys).to_frame(index=False)
    out = grid.merge(agg, on=keys, how="left").merge(volume, on=outlet_keys, how="left")
    for c in ("n_loaded", "n_forms", "n_articles", "n_articles_loaded", "n_outlet_articles"):
        out[c] = out[c].fillna(0).astype("int64")
    for c in ("sum_y2", "sum_xy", "sum_x2"):
        out[c] = out[c].fillna(0.0)
    out["n_counterpart"] = out["n_forms"] - out["n_loaded"]
    out = add_pair_measures(out)
    cols = [c for c in SHARE_COLUMNS if c in out.columns]
    return out[cols].sort_values(["pair_id", *outlet_keys], ignore_index=True)


def pair_totals(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Every pair with its uses in the selection, most used first.

    Returns
    -------
    DataFrame with one row per pair of the ``pairs`` table (those of the selected categories):
    ``pair_id, concept, loaded, counterpart, category, contested, note, n_loaded,
    n_counterpart, n_forms, n_articles``; pairs with no use come last, with zeros.
    """
    params: list = []
    uses = _uses_sql(filters, params, None)
    where = "TRUE"
    if filters.categories:
        where = _in_list("category", filters.categories, params)
    return con.execute(
        f"WITH u AS ({uses}) SELECT p.pair_id, p.concept, p.loaded, p.counterpart, p.category, p.contested, p.note, "
        "coalesce(sum(u.y), 0)::BIGINT AS n_loaded, coalesce(sum(u.x - u.y), 0)::BIGINT AS n_counterpart, "
        "coalesce(sum(u.x), 0)::BIGINT AS n_forms, count(u.article_id) AS n_articles "
        f"FROM pairs p LEFT JOIN u USING (pair_id) WHERE {where} GROUP BY ALL "
        "ORDER BY n_forms DESC, p.pair_id", params).df()


# --------------------------------------------------------------------------------------
# Evidence (concordance kind "pair")

def parse_key(key: str | None) -> tuple[str | None, str | None]:
    """``"pair_id"`` → (pair_id, None); ``"pair_id:loaded"`` / ``"pair_id:counterpart"`` → (pair_id, form).

    Raises
    ------
    ValueError
        For a form other than ``loaded`` or ``counterpart``.
    """
    if key is None:
        return None, None
    pid, _, form = str(key).partition(":")
    if form and form not in FORMS:
        raise ValueError(f"pair key {key!r}: the form after ':' must be one of {FORMS}")
    return pid, form or None


def evidence_spans(con: duckdb.DuckDBPyConnection, filters: Filters, *, key: str | None = None,
                   outlet: str | None = None, start: date | None = None, end: date | None = None,
                   limit: int = KWIC_LIMIT) -> pd.DataFrame:
    """The uses of pair forms behind a cell (concordance kind ``pair``).

    Parameters
    ----------
    key : ``"pair_id"`` (both forms of one pair), ``"pair_id:loaded"`` or
        ``"pair_id:counterpart"`` (one form), or ``None`` (every pair).
    outlet, start, end : the cell (see :mod:`pipelines.concordance`); voice and categories
        follow *filters*, as in :func:`pair_shares`.

    Returns
    -------
    DataFrame with :data:`pipelines.concordance.SPAN_COLUMNS`; ``label`` is the matched form's
    canonical term and which form it is, e.g. ``"regime (loaded)"``.
    """
    pid, form = parse_key(key)
    return query_spans(con, filters, outlet, start, end, limit, table="pair_mentions", alias="pm",
                       label="pm.term || ' (' || pm.form || ')'", conditions=_pair_conditions,
                       equals={"pair_id": pid, "form": form}, order=", pm.pair_id")
