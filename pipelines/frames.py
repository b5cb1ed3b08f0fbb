"""Frames: the 15 Policy Frames of the Media Frames Corpus, scored per article with a lexicon.

The frames are those of the Media Frames Corpus codebook (Boydstun et al. 2014, "Tracking
the development of media frames within and across policy issues"; Card et al. 2015, "The
Media Frames Corpus"), in :data:`FRAMES`. An article *uses* a frame when at least
:data:`FRAME_THRESHOLD` (3) of its tokens are terms of that frame's lexicon, the rule of
Field et al. (2018, "Framing and agenda-setting in Russian news", EMNLP); it uses
``other`` when it uses none of the 14 substantive frames. An article can use several frames.

The frame lexicon (``data/frames/frames.csv``, written by this project; see its README) is
read and matched exactly as the loaded-wording lexicon (:mod:`pipelines.lexicon`): the same
file formats and validation, the same folding of case, hyphens and quotes, whole words,
longest match first, no multi-word term across a sentence end, nothing inside a web address,
stop phrases (``ignore: true``) that block a shorter term ("think tank" is no *tank*). Each
term belongs to exactly one frame.

**Voice.** Every frame-lexicon token is stored with its voice (``frame_mentions``), as
lexicon mentions are: ``outlet``, ``quoted`` or ``attributed``. ``article_frames`` holds the
*whole-article* count (every voice), the figure Field et al. used and the one comparable to
a model's whole-text prediction. Dashboard figures are computed from ``frame_mentions`` at
query time in the sidebar's voice: with *outlet* (the default) an article uses a frame when 3
of the outlet's *own* words are frame terms, so an outlet quoting a general about troops and
missiles is not counted as framing the story as security unless it says so itself. Per-voice
rows in ``article_frames`` would have multiplied a table whose columns are fixed (model rows
share it) by four for a figure that one GROUP BY gives.

Stage: :func:`reset_frames` from :func:`pipelines.run._score`, then :func:`score_frames` per
batch inside :func:`pipelines.engines.score_batch`. Pure scoring: :func:`score_frames` (a batch of articles with
their quotation spans) and :func:`score_frame_texts` (plain texts, for evaluation).
Rollups: :func:`frame_trend`, :func:`frame_matrix`. Evidence: :func:`evidence_spans`.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from .concordance import KWIC_LIMIT, SPAN_COLUMNS, narrowed
from .errors import ConfigError, LexiconError
from .lexicon import Entry, Lexicon, LexiconMatcher, build_lexicon, read_lexicon
from .prepared import PreparedText, matching_of, prepared_quotes
from .quotes import Voices
from .rollups import Filters, _apply_coverage, _period_floor, _period_grid, _selection_sql, wilson_interval
from .schemas import ALL, column_names
from .storage import write_table
from .text import fold

FRAMES: dict[str, str] = {
    "economic": "Economic",
    "capacity_resources": "Capacity & resources",
    "morality": "Morality",
    "fairness_equality": "Fairness & equality",
    "legality": "Legality, constitutionality & jurisprudence",
    "policy": "Policy prescription & evaluation",
    "crime_punishment": "Crime & punishment",
    "security_defense": "Security & defense",
    "health_safety": "Health & safety",
    "quality_of_life": "Quality of life",
    "cultural_identity": "Cultural identity",
    "public_opinion": "Public opinion",
    "political": "Political",
    "external_regulation": "External regulation & reputation",
    "other": "Other",
}
"""Frame key -> label of the Media Frames Corpus codebook, in codebook order."""

OTHER = "other"
SUBSTANTIVE = tuple(k for k in FRAMES if k != OTHER)
"""The 14 frames that have lexicon terms (``other`` is the article that uses none of them)."""

FRAME_THRESHOLD = 3
"""Frame-lexicon tokens an article needs to use a frame (Field et al. 2018). ``--frame-threshold``."""

METHODS = ("lexicon", "model")
"""Values of ``article_frames.method``: this lexicon, or the supervised model of
``framewatch frames train/apply`` (:mod:`pipelines.frame_model`)."""

BUILTIN_FRAMES = Path(__file__).resolve().parent.parent / "data" / "frames" / "frames.csv"
STOP = "(stop phrase)"
"""Frame of a stop phrase: it only blocks shorter terms inside it."""

TRIAL_COLUMNS = ["doc", "frame", "score", "uses_frame"]
"""Columns of :func:`score_frame_texts`."""

_LABELS = {v.lower(): k for k, v in FRAMES.items()}


def frame_key(value: str) -> str | None:
    """The frame key of *value* (a key such as ``security_defense`` or a codebook label such as
    ``Security & defense``, any case), or ``None`` when it names no frame."""
    v = " ".join(str(value).split()).lower()
    return v if v in FRAMES else _LABELS.get(v)


def _frame_of(entry: Entry) -> str:
    where = f"{entry.source}, line {entry.line}, column 'frame'"
    raw = entry.extra.get("frame")
    if raw is None:
        if entry.ignore:
            return STOP
        raise LexiconError(f"no frame for '{entry.term}'", where=where,
                           expected=f"one of {', '.join(SUBSTANTIVE)} (or its label, e.g. 'Security & defense')",
                           found="an empty cell (or no 'frame' column)",
                           fix="add a 'frame' column and name the frame the term signals")
    key = frame_key(raw)
    if key is None or key == OTHER:
        raise LexiconError(f"unknown frame for '{entry.term}'", where=where,
                           expected=f"one of {', '.join(SUBSTANTIVE)} (or its label, e.g. 'Security & defense')",
                           found=repr(raw), fix="use one of the 14 frame keys; 'other' has no terms")
    return key


def read_frames_lexicon(path: str | Path | None = None) -> tuple[Lexicon, list[str]]:
    """Read and validate a frame-lexicon file (default: :data:`BUILTIN_FRAMES`).

    The file is a lexicon file (:func:`pipelines.lexicon.read_lexicon`: CSV with a header,
    or YAML) with a ``frame`` column: ``term,variants,frame,note[,ignore]``. Variants are
    ``|``-separated; a trailing ``*`` makes a prefix. Returns a :class:`Lexicon` whose entries'
    ``category`` is the frame key, and the warnings of :func:`pipelines.lexicon.build_lexicon`.

    Raises
    ------
    LexiconError
        Naming file, line and column, what was expected and found: missing file, no or
        unknown frame, a term listed under two frames, a bad term, no terms at all.
    """
    path = Path(path) if path is not None else BUILTIN_FRAMES
    if not path.is_file():
        raise LexiconError("frame lexicon file not found", where=str(path),
                           expected="a CSV or YAML file with term and frame columns", found="nothing at this path",
                           fix="check the path given to --frames")
    entries = [dataclasses.replace(e, category=_frame_of(e)) for e in read_lexicon(path)]
    seen: dict[str, Entry] = {}
    for e in entries:
        for spelling in e.spellings:
            k = fold(spelling.rstrip("*")) + ("*" if spelling.endswith("*") else "")
            other = seen.setdefault(k, e)
            if other.category != e.category:
                raise LexiconError(f"'{spelling}' is listed under two frames", where=f"{e.source}, line {e.line}",
                                   expected="each term (after folding case, hyphens and apostrophes) in one frame",
                                   found=f"'{other.category}' at line {other.line} and '{e.category}' here",
                                   fix="keep it under the frame it signals most, or drop it")
    return build_lexicon(entries)


@dataclass(frozen=True, slots=True)
class FrameToken:
    """A frame-lexicon token: ``text[start:end]``, the frame and term, its voice and speaker."""

    start: int
    end: int
    frame: str
    term: str
    voice: str = "outlet"
    speaker: str | None = None


class FrameScorer:
    """Find frame-lexicon tokens and decide which frames an article uses.

    Estimator pattern: ``__init__`` stores the settings, :meth:`fit` reads the lexicon (when
    none was given) and compiles the matcher (``lexicon_``, ``matcher_``).

    Parameters
    ----------
    lexicon : a frame lexicon (:func:`read_frames_lexicon`), or None for the built-in one.
    threshold : int >= 1, tokens an article needs to use a frame (:data:`FRAME_THRESHOLD`).

    Raises
    ------
    ConfigError
        From :meth:`fit`, for a threshold that is not a whole number >= 1.
    """

    def __init__(self, lexicon: Lexicon | None = None, threshold: int = FRAME_THRESHOLD):
        self.lexicon = lexicon
        self.threshold = threshold

    def fit(self) -> FrameScorer:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, np.integer)) or self.threshold < 1:
            raise ConfigError("invalid frame threshold", where="--frame-threshold",
                              expected="a whole number of tokens, 1 or more", found=repr(self.threshold),
                              fix=f"use {FRAME_THRESHOLD} (Field et al. 2018) unless you have a reason")
        self.lexicon_ = self.lexicon if self.lexicon is not None else read_frames_lexicon()[0]
        self.matcher_ = LexiconMatcher(self.lexicon_).fit()
        return self

    @property
    def version(self) -> str:
        """The frame lexicon's version (:func:`frames_version`)."""
        return frames_version(self.lexicon_)

    def find(self, text: str, quotes: list | None = None, copy: str | None = None,
             offsets: np.ndarray | None = None) -> list[FrameToken]:
        """Frame-lexicon tokens of *text*, by start, each with its voice from *quotes*
        (:class:`pipelines.quotes.Quote` spans of the same text; None: every token ``outlet``)."""
        columns: tuple[list, ...] = ([], [], [], [], [], [])
        self._find_into(columns, text, quotes, copy, offsets)
        return [FrameToken(s, e, f, t, v, sp) for f, t, s, e, v, sp in zip(*columns)]

    def _find_into(self, columns: tuple[list, ...], text: str, quotes: list | None, copy: str | None,
                   offsets: np.ndarray | None) -> dict[str, int]:
        """The core of :meth:`find` and :func:`score_frames`: append each token's ``frame, term,
        start, end, voice, speaker`` to *columns* (six lists, in that order; no object per token,
        which a batch would keep alive) and return ``{substantive frame: tokens}``."""
        c_frame, c_term, c_start, c_end, c_voice, c_speaker = columns
        entries = self.lexicon_.entries
        of = Voices(quotes).of
        counts = dict.fromkeys(SUBSTANTIVE, 0)
        for m in self.matcher_.find(text, copy, offsets):
            voice, speaker, _ = of(m.start, m.end)
            e = entries[m.entry]
            counts[e.category] += 1
            c_frame.append(e.category)
            c_term.append(e.term)
            c_start.append(m.start)
            c_end.append(m.end)
            c_voice.append(voice)
            c_speaker.append(speaker)
        return counts

    def frame_scores(self, tokens: list[FrameToken]) -> list[tuple[str, float, bool]]:
        """``(frame, score, uses_frame)`` for each of the 15 frames, in :data:`FRAMES` order.

        ``score`` is the number of tokens of the frame (0.0 for ``other``, which has no
        terms); ``other`` is used when no substantive frame reaches the threshold.
        """
        counts = dict.fromkeys(SUBSTANTIVE, 0)
        for t in tokens:
            counts[t.frame] += 1
        return self._scores(counts)

    def _scores(self, counts: dict[str, int]) -> list[tuple[str, float, bool]]:
        """:meth:`frame_scores` from ``{substantive frame: tokens}`` (every key of :data:`SUBSTANTIVE`)."""
        rows = [(f, float(n), n >= self.threshold) for f, n in counts.items()]
        rows.append((OTHER, 0.0, not any(u for _, _, u in rows)))
        return rows


def frames_version(lexicon: Lexicon) -> str:
    """The frame lexicon's version: ``frames-`` and its content hash (the hash of
    :attr:`Lexicon.version`, whose ``lex-`` prefix names the loaded-wording lexicon). The one
    name of a frame lexicon in the store, on the Frames page and in docs/validation.md."""
    return "frames-" + lexicon.version.removeprefix("lex-")


def _as_scorer(frames: Lexicon | FrameScorer | None, threshold: int) -> FrameScorer:
    if isinstance(frames, FrameScorer):
        return frames if hasattr(frames, "matcher_") else frames.fit()
    return FrameScorer(frames, threshold).fit()


def score_frame_texts(texts: list[str], frames_lexicon: Lexicon | FrameScorer | None = None,
                      threshold: int = FRAME_THRESHOLD) -> pd.DataFrame:
    """Frame scores of plain texts, every token counted (no voice): for evaluation against gold labels.

    Parameters
    ----------
    texts : list of str, n_texts texts.
    frames_lexicon : a frame lexicon (:func:`read_frames_lexicon`), a fitted or unfitted
        :class:`FrameScorer` (its threshold then wins), or None for the built-in lexicon.
    threshold : tokens needed to use a frame.

    Returns
    -------
    DataFrame of shape (15 × n_texts, 4): ``doc`` (int, index into *texts*), ``frame`` (key of
    :data:`FRAMES`), ``score`` (float: frame-lexicon tokens; 0 for ``other``), ``uses_frame``
    (bool), ordered by doc then frame as in :data:`FRAMES`.
    """
    scorer = _as_scorer(frames_lexicon, threshold)
    rows = [(i, f, s, u) for i, text in enumerate(texts)
            for f, s, u in scorer.frame_scores(scorer.find(text or ""))]
    df = pd.DataFrame(rows, columns=TRIAL_COLUMNS)
    return df.astype({"doc": "int64", "score": "float64", "uses_frame": "bool"})


@dataclass
class FrameResult:
    """Rows for the ``article_frames`` (method ``lexicon``) and ``frame_mentions`` tables."""

    article_frames: pd.DataFrame
    frame_mentions: pd.DataFrame


def score_frames(articles: pd.DataFrame, quotes: pd.DataFrame | None, scorer: FrameScorer,
                 prepared: dict[str, PreparedText] | None = None) -> FrameResult:
    """Score a batch of articles for frames (pure: no store).

    Parameters
    ----------
    articles : frame with ``article_id, text`` (the ``articles`` table).
    quotes : the ``quotes`` rows of those articles (``article_id, quote_id, start_char,
        end_char, kind, speaker``), which give each token its voice; None: all ``outlet``.
        ``quote_id`` must be the 0-based position of the span in the article's list, as
        :func:`pipelines.score.score_articles` writes it.
    scorer : a fitted :class:`FrameScorer`.
    prepared : the batch's shared texts after :func:`pipelines.score.score_articles` filled
        them (:mod:`pipelines.prepared`): their matching copies and quotes are used instead of
        building them again (same rows). None: built here.

    Returns
    -------
    FrameResult
        ``article_frames``: 15 rows per article (method ``lexicon``, score = tokens in every
        voice); ``frame_mentions``: one row per token.
    """
    by_article = prepared_quotes(prepared, quotes)
    af: dict[str, list] = {k: [] for k in column_names("article_frames")}
    fm: dict[str, list] = {k: [] for k in column_names("frame_mentions")}
    # scorer.find's tokens go straight into the table's columns (no FrameToken per token)
    fm_aid = fm["article_id"]
    fm_columns = tuple(fm[k] for k in ("frame", "term", "start_char", "end_char", "voice", "speaker"))
    n_frames = len(FRAMES)
    for aid, text in zip(articles["article_id"].tolist(), articles["text"].tolist()):
        copy, offsets = matching_of(prepared, aid, text)
        n = len(fm_aid)
        counts = scorer._find_into(fm_columns, text, by_article.get(aid), copy, offsets)
        fm_aid.extend([aid] * (len(fm_columns[0]) - n))
        scores = scorer._scores(counts)
        af["article_id"].extend([aid] * n_frames)
        af["method"].extend(["lexicon"] * n_frames)
        for f, s, u in scores:
            af["frame"].append(f)
            af["score"].append(s)
            af["uses_frame"].append(u)
    frame_mentions = pd.DataFrame(fm)
    for c in ("start_char", "end_char"):
        frame_mentions[c] = frame_mentions[c].astype("int64")
    return FrameResult(pd.DataFrame(af).astype({"score": "float64", "uses_frame": "bool"}), frame_mentions)


# --- stage ----------------------------------------------------------------------------

def frame_lexicon_frame(lexicon: Lexicon) -> pd.DataFrame:
    """The ``frame_lexicon`` table of *lexicon* (its ``lexicon`` table, with ``frame`` for ``category``)."""
    return lexicon.to_frame().rename(columns={"category": "frame"})[column_names("frame_lexicon")]


def reset_frames(con: duckdb.DuckDBPyConnection, scorer: FrameScorer) -> None:
    """Before scoring: drop the lexicon rows of ``article_frames`` (model rows stay: rescoring
    the lexicon does not invalidate a model's output), all ``frame_mentions``, and store the
    frame lexicon in ``frame_lexicon``."""
    con.execute("DELETE FROM article_frames WHERE method = 'lexicon'")
    con.execute("DELETE FROM frame_mentions")
    write_table(con, "frame_lexicon", frame_lexicon_frame(scorer.lexicon_), replace=True)


# --- rollups --------------------------------------------------------------------------

def stored_threshold(con: duckdb.DuckDBPyConnection) -> int:
    """The frame threshold of the store's last scoring (``runs.settings``), else :data:`FRAME_THRESHOLD`."""
    for (settings,) in con.execute("SELECT settings FROM runs WHERE stage IN ('run', 'score') "
                                   "ORDER BY started_at DESC LIMIT 1").fetchall():
        value = json.loads(settings).get("score", {}).get("frame_threshold")
        if isinstance(value, int) and value >= 1:
            return value
    return FRAME_THRESHOLD


def stored_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """Version (:func:`frames_version`) of the frame lexicon in ``frame_lexicon``; None when empty."""
    from .incremental import stored_lexicon   # incremental imports the engines, which import this module

    lexicon = stored_lexicon(con, "frame_lexicon")
    return frames_version(lexicon) if lexicon.entries else None


def available_methods(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Methods with rows in ``article_frames``, in :data:`METHODS` order."""
    have = {r[0] for r in con.execute("SELECT DISTINCT method FROM article_frames").fetchall()}
    return [m for m in METHODS if m in have]


def scored_frames(con: duckdb.DuckDBPyConnection, method: str) -> list[str]:
    """Frames that *method* scores, in codebook order: every frame for ``lexicon``; for
    ``model`` only those with model rows in ``article_frames`` (the frames the model was
    trained on; the others are not scored, which is not 0)."""
    if method != "model":
        return list(FRAMES)
    have = {r[0] for r in con.execute("SELECT DISTINCT frame FROM article_frames WHERE method = 'model'").fetchall()}
    return [f for f in FRAMES if f in have]


def _frame_facts(con: duckdb.DuckDBPyConnection, filters: Filters, method: str,
                 threshold: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The selected articles scored by *method* (``article_id, outlet, day``) and, sparse, their
    ``article_id, frame, n_tokens, uses_frame`` rows of the frames each article uses (for the
    lexicon: at least *threshold* tokens in the voice; every used ``other`` included). Tokens of
    an article below the threshold are left out, so ``n_tokens`` summed over a cell is the
    number of lines :func:`evidence_spans` gives for it."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    params: list = []
    sel = _selection_sql(dataclasses.replace(filters, voice=ALL), params)
    params.append(method)
    scored = f"WITH sel AS ({sel}) SELECT article_id, outlet, day FROM sel WHERE article_id IN " \
             "(SELECT article_id FROM article_frames WHERE method = ?)"
    arts = con.execute(scored, params).df()
    if method == "model":
        used = con.execute(
            "SELECT article_id, frame, NULL::DOUBLE AS n_tokens, uses_frame FROM article_frames "
            "WHERE method = 'model' AND uses_frame AND article_id IN (SELECT unnest(?))",
            [arts["article_id"].tolist()]).df()
        return arts, used
    threshold = stored_threshold(con) if threshold is None else threshold
    voice_sql, vparams = ("", []) if filters.voice == ALL else ("AND voice = ?", [filters.voice])
    used = con.execute(
        f"SELECT article_id, frame, count(*)::DOUBLE AS n_tokens, TRUE AS uses_frame FROM frame_mentions "
        f"WHERE article_id IN (SELECT unnest(?)) {voice_sql} GROUP BY 1, 2 HAVING count(*) >= ?",
        [arts["article_id"].tolist(), *vparams, threshold]).df()
    using = set(used["article_id"])
    none = arts.loc[~arts["article_id"].isin(using), ["article_id"]].assign(frame=OTHER, n_tokens=0.0, uses_frame=True)
    return arts, pd.concat([used, none], ignore_index=True) if len(none) else used


def _add_share(df: pd.DataFrame) -> pd.DataFrame:
    n, k = df["n_articles"].astype(float), df["n_articles_with_frame"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        df["share"] = np.where(n > 0, k / n, np.nan)
    df["share_low"], df["share_high"] = wilson_interval(k, n)
    return df


MATRIX_COLUMNS = ["outlet", "frame", "label", "n_articles", "n_articles_with_frame", "n_tokens", "share",
                  "share_low", "share_high"]
TREND_COLUMNS = ["outlet", "period", "frame", "label", "n_articles", "n_articles_with_frame", "n_tokens", "share",
                 "share_low", "share_high", "collected", "status"]


def frame_matrix(con: duckdb.DuckDBPyConnection, filters: Filters, method: str = "lexicon",
                 threshold: int | None = None) -> pd.DataFrame:
    """Share of articles using each frame, per outlet, over the whole selection.

    Parameters
    ----------
    filters : sidebar filters; for ``method="lexicon"`` tokens count in ``filters.voice``.
    method : ``"lexicon"`` or ``"model"``; only articles with rows of that method count.
    threshold : tokens needed (lexicon); None: the store's (:func:`stored_threshold`).

    Returns
    -------
    DataFrame with :data:`MATRIX_COLUMNS`, one row per selected outlet × scored frame (zeros
    included; every frame for the lexicon, for the model only the frames it scores,
    :func:`scored_frames`), sorted by outlet then frame order: ``n_articles`` (the outlet's scored
    articles in the selection, the denominator), ``n_articles_with_frame``, ``n_tokens``
    (frame-lexicon tokens in the voice in those ``n_articles_with_frame`` articles, the lines
    :func:`evidence_spans` gives for the cell: tokens of articles below the threshold do not
    count; NaN for the model), ``share`` with a 95 % Wilson
    interval (``share_low``, ``share_high``).
    """
    arts, used = _frame_facts(con, filters, method, threshold)
    outlets = sorted(set(arts["outlet"]) | set(filters.outlets))
    grid = pd.MultiIndex.from_product([outlets, scored_frames(con, method)],
                                      names=["outlet", "frame"]).to_frame(index=False)
    den = arts.groupby("outlet").size().rename("n_articles")
    u = used.merge(arts[["article_id", "outlet"]], on="article_id")
    num = u.groupby(["outlet", "frame"]).agg(n_articles_with_frame=("uses_frame", "sum"),
                                             n_tokens=("n_tokens", lambda s: s.sum(min_count=1)))
    out = grid.merge(den, left_on="outlet", right_index=True, how="left").merge(
        num, left_on=["outlet", "frame"], right_index=True, how="left")
    out["n_articles"] = out["n_articles"].fillna(0).astype("int64")
    out["n_articles_with_frame"] = out["n_articles_with_frame"].fillna(0).astype("int64")
    out["n_tokens"] = out["n_tokens"].astype(float).fillna(0.0) if method == "lexicon" else np.nan
    out["label"] = out["frame"].map(FRAMES)
    return _add_share(out)[MATRIX_COLUMNS]


def frame_trend(con: duckdb.DuckDBPyConnection, filters: Filters, frame: str, granularity: str = "month",
                method: str = "lexicon", threshold: int | None = None) -> pd.DataFrame:
    """Share of articles using *frame* per outlet and period.

    Returns
    -------
    DataFrame with :data:`TREND_COLUMNS`, one row per outlet and period on a complete grid
    (as :func:`pipelines.rollups.trend`): a period without articles is a gap (share NaN,
    ``status`` ``no articles`` / ``not collected`` / ``no data``), never 0. ``n_tokens`` counts
    the frame's tokens in the articles using it, as in :func:`frame_matrix`.

    Raises
    ------
    ValueError
        For an unknown *frame*, *method* or *granularity*, or a frame the model does not
        score (:func:`scored_frames`).
    """
    if frame not in FRAMES:
        raise ValueError(f"frame must be one of {tuple(FRAMES)}, not {frame!r}")
    if method == "model" and frame not in scored_frames(con, method):
        raise ValueError(f"the frame model in this store does not score {frame!r} (it scores "
                         f"{', '.join(scored_frames(con, method)) or 'no frame'})")
    arts, used = _frame_facts(con, filters, method, threshold)
    cols = TREND_COLUMNS[:7]
    if arts.empty and not (filters.start and filters.end and filters.outlets):
        return _add_share(pd.DataFrame(columns=cols)).assign(collected=pd.NA, status=pd.Series(dtype=str))
    arts["period"] = _period_floor(arts["day"], granularity) if len(arts) else pd.Series(dtype="datetime64[us]")
    u = used[used["frame"] == frame].merge(arts[["article_id", "outlet", "period"]], on="article_id")
    agg = pd.DataFrame({"n_articles": arts.groupby(["outlet", "period"]).size()}).join(
        u.groupby(["outlet", "period"]).agg(n_articles_with_frame=("uses_frame", "sum"),
                                            n_tokens=("n_tokens", lambda s: s.sum(min_count=1)))).reset_index()
    first = pd.Timestamp(filters.start) if filters.start else arts["period"].min()
    last = pd.Timestamp(filters.end) if filters.end else arts["period"].max()
    periods = _period_grid(_period_floor(pd.Series([first]), granularity).iloc[0], last, granularity)
    outlets = sorted(set(filters.outlets) if filters.outlets else set(arts["outlet"]))
    grid = pd.MultiIndex.from_product([outlets, periods], names=["outlet", "period"]).to_frame(index=False)
    out = grid.merge(agg, on=["outlet", "period"], how="left")
    out["n_articles"] = out["n_articles"].fillna(0).astype("int64")
    out["n_articles_with_frame"] = out["n_articles_with_frame"].fillna(0).astype("int64")
    out["n_tokens"] = out["n_tokens"].astype(float).fillna(0.0) if method == "lexicon" else np.nan
    # Coverage statuses as for loaded wording (rollups' rule works on an ``n_mentions`` column).
    out = _apply_coverage(con, out.rename(columns={"n_tokens": "n_mentions"}), filters, granularity, False)
    out = out.rename(columns={"n_mentions": "n_tokens"})
    out.loc[out["n_articles"] == 0, "n_articles_with_frame"] = 0
    out["frame"], out["label"] = frame, FRAMES[frame]
    return _add_share(out)[TREND_COLUMNS].sort_values(["outlet", "period"], ignore_index=True)


# --- evidence -------------------------------------------------------------------------

def evidence_spans(con: duckdb.DuckDBPyConnection, filters: Filters, *, key: str | None = None,
                   outlet: str | None = None, start: date | None = None, end: date | None = None,
                   limit: int = KWIC_LIMIT) -> pd.DataFrame:
    """Frame-lexicon tokens behind a cell (concordance kind ``frame``).

    The tokens of *key* (a frame key; None: every frame) in the chosen voice, in exactly the
    articles that count as using that frame in that voice (at least the store's threshold of
    its tokens), so the lines are the evidence of the cell's numerator. ``other`` has no
    tokens (its articles are those with none), so it returns no rows.

    Returns
    -------
    DataFrame with :data:`pipelines.concordance.SPAN_COLUMNS`; ``label`` is the frame's
    codebook label and the term, e.g. ``Security & defense: missile``.

    Raises
    ------
    ValueError
        For an unknown frame *key*.
    """
    if key is not None and key not in FRAMES:
        raise ValueError(f"frame must be one of {tuple(FRAMES)}, not {key!r}")
    f = narrowed(filters, outlet, start, end)
    params: list = []
    sel = _selection_sql(dataclasses.replace(f, voice=ALL), params)
    where = ["TRUE"]
    if f.voice != ALL:
        where.append("fm.voice = ?")
        params.append(f.voice)
    if key is not None:
        where.append("fm.frame = ?")
        params.append(key)
    params += [stored_threshold(con), int(limit)]
    df = con.execute(
        f"WITH sel AS ({sel}), tok AS (SELECT fm.* FROM frame_mentions fm JOIN sel USING (article_id) "
        f"WHERE {' AND '.join(where)}), "
        "used AS (SELECT article_id, frame FROM tok GROUP BY 1, 2 HAVING count(*) >= ?) "
        "SELECT t.article_id, sel.outlet, sel.day, a.title, a.url, t.start_char, t.end_char, t.frame, t.term, "
        "t.voice, t.speaker FROM tok t JOIN used USING (article_id, frame) JOIN sel USING (article_id) "
        "JOIN articles a USING (article_id) ORDER BY sel.day, t.article_id, t.start_char LIMIT ?", params).df()
    df["label"] = [f"{FRAMES.get(fr, fr)}: {t}" for fr, t in zip(df["frame"], df["term"])]
    return df[SPAN_COLUMNS]
