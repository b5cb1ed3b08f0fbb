"""Lexicon suggestions: candidate loaded terms ranked from labelled data, for a person to review.

``framewatch lexicon suggest LABELLED`` reads sentences (or articles) whose biased words or
spans were marked by annotators, counts every word as *annotated* (inside a marked word or
span) or *unannotated* (elsewhere), and ranks words by the log-odds ratio of being annotated,
with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, §3.5; the same
:func:`pipelines.distinctive.log_odds` as the distinctive-terms measure): the prior of a word
is its count over the whole labelled set (``α_0`` = all counted words), so a word seen twice
cannot outrank one marked forty times out of fifty. Words are those of the matcher's folded
copy (lower case, hyphens split), at least two characters with a letter, and not in the
distinctive-terms stop-word list; only single words are ranked (BABE/MBIC annotate words).

Terms the lexicon already matches are flagged (``in_lexicon`` names the lexicon term), not
proposed: the output holds the *top* new candidates, and the known terms that rank among
them so a reviewer sees what is covered. Nothing here writes to a lexicon file: the output
is a CSV in the lexicon's own columns with ``category`` left empty for a person to fill in.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ConfigError
from .evaluate import GoldSet, labelled_sentences, read_basil_folder, word_spans
from .lexicon import Lexicon, LexiconMatcher

FORMATS = ("babe", "basil", "csv")
"""Labelled-data formats: BABE/MBIC files (``;``-separated CSV or ``.xlsx`` with ``text`` and
``biased_words``), a BASIL folder (``articles/`` and ``annotations/``; lexical spans), or any
delimited file with a ``text`` column and a ``biased_words`` column (``|``-separated words or a
Python-style list)."""

MIN_ANNOTATED = 3
"""Default: a word must be annotated at least this many times to be suggested."""

LEXICON_COLUMNS = ["term", "variants", "category", "target", "counterpart", "note", "ignore"]
SUGGESTION_COLUMNS = LEXICON_COLUMNS + ["n_annotated", "n_unannotated", "log_odds", "z", "in_lexicon"]
"""Columns of :func:`suggest_terms`: the lexicon's columns (``category`` empty), then the
evidence: occurrences inside and outside annotations, the log-odds ratio (natural log), its
z-score, and the lexicon term that already matches the word (empty when none)."""


def guess_format(path: str | Path) -> str:
    """``basil`` for a folder, ``babe`` for ``.xlsx`` or a ``;``-separated file, else ``csv``."""
    path = Path(path)
    if path.is_dir():
        return "basil"
    if path.suffix.lower() == ".xlsx":
        return "babe"
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        first = fh.readline()
    return "babe" if first.count(";") > first.count(",") else "csv"


def read_labelled(path: str | Path, fmt: str | None = None) -> GoldSet:
    """Read labelled data as a :class:`pipelines.evaluate.GoldSet` (texts with annotated spans).

    Raises
    ------
    ConfigError
        When *path* does not exist, *fmt* is unknown, or the file lacks its columns.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError("labelled data not found", where=str(path), expected="a CSV/XLSX file or a BASIL folder",
                          found="nothing at this path", fix="check the path")
    fmt = fmt or guess_format(path)
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format '{fmt}'", expected=", ".join(FORMATS), found=fmt,
                          fix="pass --format babe, basil or csv")
    if fmt == "basil":
        return read_basil_folder(path)
    if path.is_dir():
        raise ConfigError("a folder given as a file", where=str(path), expected=f"a {fmt} file", found="a folder",
                          fix="pass the file, or --format basil for a BASIL folder")
    if path.suffix.lower() == ".xlsx":
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
    else:
        frame = pd.read_csv(path, sep=";" if fmt == "babe" else None, engine="python", dtype=str,
                            keep_default_na=False, encoding="utf-8-sig")
    return labelled_sentences(frame, path.stem, path.name, path.name)


def count_annotated(gold: GoldSet) -> tuple[Counter, Counter]:
    """Occurrences of each counted word inside and outside the annotated spans of *gold*.

    Returns
    -------
    (annotated, unannotated) : Counters of folded word -> occurrences.
    """
    from .distinctive import MIN_TERM_LENGTH, STOP_WORDS

    inside: Counter = Counter()
    outside: Counter = Counter()
    for t in gold.texts:
        for s, e, word in word_spans(t.text):
            if len(word) < MIN_TERM_LENGTH or word in STOP_WORDS or not any(c.isalpha() for c in word):
                continue
            marked = any(gs < e and s < ge for gs, ge in t.spans)
            (inside if marked else outside)[word] += 1
    return inside, outside


def known_term(word: str, matcher: LexiconMatcher) -> str:
    """The lexicon term that matches *word* on its own ("" when none does)."""
    for m in matcher.find(word):
        if m.start == 0 and m.end == len(word):
            return matcher.lexicon.entries[m.entry].term
    return ""


def suggest_terms(gold: GoldSet, lexicon: Lexicon, *, top: int = 50, min_annotated: int = MIN_ANNOTATED,
                  source: str = "") -> pd.DataFrame:
    """Rank candidate loaded terms of *gold* by the log-odds of being annotated.

    Parameters
    ----------
    gold : labelled texts (:func:`read_labelled`).
    lexicon : the lexicon whose terms are flagged instead of proposed.
    top : number of new candidates (not in the lexicon) to return.
    min_annotated : leave out words annotated fewer times than this.
    source : name of the labelled data, for the ``note`` column.

    Returns
    -------
    DataFrame with :data:`SUGGESTION_COLUMNS`, highest z first: the *top* new candidates and
    the lexicon's own terms that rank as high (flagged in ``in_lexicon``).
    """
    from .distinctive import log_odds

    inside, outside = count_annotated(gold)
    words = sorted(set(inside) | set(outside))
    if not words:
        return pd.DataFrame(columns=SUGGESTION_COLUMNS)
    y_a = pd.Series(inside, dtype="int64").reindex(words, fill_value=0)
    y_u = pd.Series(outside, dtype="int64").reindex(words, fill_value=0)
    ranked = log_odds(y_a, y_u, (y_a + y_u).astype(float))
    ranked = ranked[ranked["count_i"] >= min_annotated].sort_values(["z", "term"], ascending=[False, True])
    matcher = LexiconMatcher(lexicon).fit()
    ranked["in_lexicon"] = [known_term(w, matcher) for w in ranked["term"]]
    new = ranked[ranked["in_lexicon"] == ""].head(top)
    cutoff = new["z"].min() if len(new) else np.inf
    out = ranked[(ranked["in_lexicon"] == "") & ranked["term"].isin(new["term"]) |
                 (ranked["in_lexicon"] != "") & (ranked["z"] >= cutoff)].copy()
    out = out.rename(columns={"count_i": "n_annotated", "count_j": "n_unannotated", "delta": "log_odds"})
    for col in ("variants", "category", "target", "counterpart"):
        out[col] = ""
    out["ignore"] = "false"
    out["note"] = [f"Candidate from {source or gold.name}: annotated {a} of {a + u} times; review before use."
                   for a, u in zip(out["n_annotated"], out["n_unannotated"])]
    out["log_odds"] = out["log_odds"].round(3)
    out["z"] = out["z"].round(2)
    return out[SUGGESTION_COLUMNS].reset_index(drop=True)
