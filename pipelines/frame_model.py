"""A supervised frame model trained on the user's own labelled articles.

``framewatch frames train`` reads a file of labelled articles (one article a row, its text,
and its frames: one cell holding one or several frames separated by ``;`` or ``|``, or one
true/false column per frame), cross-validates a TF-IDF + linear classifier, prints per-frame
precision, recall and F1, and saves the model with skops beside its metrics and card.
``framewatch frames apply`` predicts every stored article and writes ``article_frames`` rows
with ``method = 'model'``; articles added later get the same model's rows when they are scored
(:func:`apply_to_new_articles`), while the model file it recorded is unchanged.

The model (Card et al. 2015 trained such classifiers on the Media Frames Corpus) is a
scikit-learn ``Pipeline``: ``TfidfVectorizer`` (word 1-2-grams, sublinear tf) →
``OneVsRestClassifier`` of ``CalibratedClassifierCV(LinearSVC, method='sigmoid')`` (Platt
scaling on held-out folds), one binary classifier per frame, so an article can use several
frames. ``score`` is the calibrated probability that the article uses the frame, and an article
uses it when that probability is at least :data:`THRESHOLD` (0.5).

Cross-validation uses iterative multi-label stratification (Sechidis, Tsoumakas & Vlahavas
2011; :func:`iterative_folds`) with a fixed seed, so each fold holds about the same share of
every frame; the metrics are those of out-of-fold predictions.

Models are saved with :func:`skops.io.dump` and loaded with :func:`skops.io.load`, trusting
only the types that :func:`skops.io.get_untrusted_types` reports *and* that belong to
scikit-learn, NumPy or SciPy (:data:`TRUSTED_MODULES`); a file naming any other type is
refused before anything in it is built. Nothing is ever pickled.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import re
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .errors import ConfigError, StoreError
from .frames import FRAMES

THRESHOLD = 0.5
"""An article uses a frame when the model's calibrated probability is at least this."""

DEFAULT_FOLDS = 5
"""Cross-validation folds of ``framewatch frames train``."""

CALIBRATION_FOLDS = 3
"""Folds inside each training set that fit the Platt (sigmoid) calibration."""

SEED = 0
"""Seed of the cross-validation split and the classifiers: the same file gives the same metrics."""

MODEL_FORMAT = "framewatch-frame-model/1"
"""Written into every model file; a file without it is not a framewatch frame model."""

TRUSTED_MODULES = ("sklearn.", "numpy.", "scipy.")
"""Types a model file may name beyond skops's own safe defaults: those of these packages."""

LABEL_SEPARATORS = re.compile(r"[;|]")
"""Separators between frames in a label cell."""

SCHEMES = ("mfc", "custom")
"""``mfc``: labels are the 15 Media Frames Corpus frames (stored by their keys in ``FRAMES``);
``custom``: the user's own frame names, kept as written (``--any-labels``)."""

_TRUE = frozenset({"1", "true", "t", "yes", "y", "1.0"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "0.0"})
_EXTRA_SPELLINGS = {
    "economic": ("economy", "economics"),
    "capacity_resources": ("capacity", "resources", "capacity and resource"),
    "morality": ("moral", "morals", "ethics"),
    "fairness_equality": ("fairness", "equality", "fairness and equity"),
    "legality": ("legal", "constitutionality", "jurisprudence", "legality constitutionality jurisprudence",
                 "legality and jurisprudence"),
    "policy": ("policy prescription", "policy evaluation", "policy prescription evaluation"),
    "crime_punishment": ("crime", "punishment"),
    "security_defense": ("security", "defense", "defence", "security and defence", "security defence"),
    "health_safety": ("health", "safety"),
    "quality_of_life": ("qol",),
    "cultural_identity": ("culture", "cultural", "identity"),
    "public_opinion": ("opinion", "public sentiment"),
    "political": ("politics",),
    "external_regulation": ("external regulation", "reputation", "external", "external regulation reputation"),
    "other": (),
}


def _fold_label(label: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", label.casefold().replace("&", " and ").replace("_", " ")).split())


def _frame_spellings() -> dict[str, str]:
    spellings: dict[str, str] = {}
    for code, (key, label) in enumerate(FRAMES.items(), start=1):
        # The MFC codebook numbers the frames 1-15 in this order (1.0 = Economic ... 15.0 = Other).
        for name in (key, label, str(code), f"{code} 0", *_EXTRA_SPELLINGS.get(key, ())):
            spellings[_fold_label(name)] = key
    return spellings


FRAME_SPELLINGS: dict[str, str] = _frame_spellings()
"""Accepted spellings of the 15 frames (case-, ``&``/``and``- and punctuation-folded) → key:
the key, the MFC label, the MFC code (``1``-``15``, ``1.0``-``15.0``) and common short forms."""


def frame_key(label: str) -> str | None:
    """The ``FRAMES`` key that *label* names (e.g. ``"Security & Defence"`` → ``security_defense``),
    or None when it names none of the 15 frames."""
    return FRAME_SPELLINGS.get(_fold_label(label))


# --------------------------------------------------------------------------- labelled articles

@dataclass
class LabelledSet:
    """Labelled articles read by :func:`read_labelled`.

    Attributes
    ----------
    texts : list of n_articles article texts (title and text joined by a blank line).
    labels : list of n_articles tuples of frame names (keys for the ``mfc`` scheme).
    frames : every frame name seen, in ``FRAMES`` order (``mfc``) or first-seen order (``custom``).
    rows : 1-based data row of each article in the file.
    skipped : (row, reason) of each row not used: no text, no label, or an unreadable label value.
    scheme : ``mfc`` or ``custom``.
    source : the file; sha256 its content hash.
    """

    texts: list[str]
    labels: list[tuple[str, ...]]
    frames: list[str]
    rows: list[int]
    skipped: list[tuple[int, str]]
    scheme: str
    source: Path
    sha256: str
    text_columns: list[str]
    label_columns: list[str]


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".ndjson"):
            df = pd.read_json(path, lines=True, dtype=False)
        elif suffix in (".parquet", ".pq"):
            df = pd.read_parquet(path)
        else:
            df = pd.read_csv(path, sep="\t" if suffix in (".tsv", ".tab") else ",", dtype=str,
                             keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        df = pd.DataFrame()
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ConfigError("cannot read the labelled file", where=str(path),
                          expected="UTF-8 CSV (TSV for .tsv), JSONL or Parquet, one article a row",
                          found=" ".join(str(exc).split())[:200],
                          fix="check the file's format and encoding") from None
    # JSON lists of frames become one cell; missing values become empty cells.
    return df.map(lambda v: ";".join(map(str, v)) if isinstance(v, (list, tuple))
                  else "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))


def _require_columns(df: pd.DataFrame, path: Path, columns: Iterable[str], option: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ConfigError(f"the labelled file has no column '{missing[0]}'", where=str(path),
                          expected=f"a header with the column '{missing[0]}' (named by {option})",
                          found=f"columns {list(df.columns)}",
                          fix=f"name the right column with {option}, as it is written in the header")


def _frame_name(label: str, scheme: str, where: str) -> str:
    if scheme == "custom":
        return " ".join(label.split())
    key = frame_key(label)
    if key is None:
        raise ConfigError(f"unknown frame '{label}'", where=where,
                          expected="one of the 15 Media Frames Corpus frames, by key or label: "
                                   + ", ".join(FRAMES),
                          found=repr(label),
                          fix="correct the spelling, or pass --any-labels to train on your own frame scheme")
    return key


def read_labelled(path: str | Path, *, text_column: str = "text", title_column: str | None = "title",
                  label_column: str = "frames", indicator_columns: Sequence[str] | None = None,
                  any_labels: bool = False) -> LabelledSet:
    """Read labelled articles from a CSV, TSV, JSONL or Parquet file.

    Parameters
    ----------
    path : the file, one article a row, with a header.
    text_column : column with the article text (required).
    title_column : column with the headline, put before the text when the file has it.
    label_column : column whose cell holds the article's frames, separated by ``;`` or ``|``.
    indicator_columns : instead of *label_column*, one column per frame holding true/false
        (also 1/0, yes/no); the column name is the frame.
    any_labels : keep frame names as written (a custom scheme; scheme ``custom``) instead of
        requiring the 15 MFC frames (scheme ``mfc``). Names that differ only in case are merged.

    Returns
    -------
    LabelledSet
        Rows without text, with an empty label cell (unlabelled) or with a value that is not
        true/false in an indicator column are left out and listed in ``skipped``.

    Raises
    ------
    ConfigError
        When the file cannot be read or is empty, a named column is missing, no row is
        labelled, or (scheme ``mfc``) a label names none of the 15 frames.
    """
    path = Path(path)
    df = _read_table(path)
    if not len(df.columns) or not len(df):
        raise ConfigError("the labelled file is empty", where=str(path),
                          expected="a header and one row per labelled article", found="no rows",
                          fix="check that this is the right file")
    _require_columns(df, path, [text_column], "--text-column")
    if indicator_columns:
        _require_columns(df, path, indicator_columns, "--indicator-columns")
        label_columns = list(indicator_columns)
    else:
        _require_columns(df, path, [label_column], "--label-column")
        label_columns = [label_column]
    if title_column and title_column != "title":
        _require_columns(df, path, [title_column], "--title-column")
    use_title = bool(title_column) and title_column in df.columns
    scheme = "custom" if any_labels else "mfc"
    canonical: dict[str, str] = {}  # custom scheme: case-folded name -> first spelling

    def name(label: str, where: str) -> str:
        found = _frame_name(label, scheme, where)
        return canonical.setdefault(found.casefold(), found) if scheme == "custom" else found

    indicator_frames = ([name(c, f"{path}, header, column '{c}'") for c in label_columns]
                        if indicator_columns else [])
    texts, labels, rows, skipped = [], [], [], []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        title = rec[title_column].strip() if use_title else ""
        body = rec[text_column].strip()
        if not body and not title:
            skipped.append((i, f"no text in column '{text_column}'"))
            continue
        if indicator_columns:
            values = [rec[c].strip().casefold() for c in label_columns]
            bad = [(c, rec[c]) for c, v in zip(label_columns, values) if v not in _TRUE | _FALSE]
            if bad:
                column, value = bad[0]
                skipped.append((i, f"column '{column}' holds {value!r}, not true/false"
                                if value.strip() else f"no value in column '{column}'"))
                continue
            frames = tuple(f for f, v in zip(indicator_frames, values) if v in _TRUE)
        else:
            parts = [p.strip() for p in LABEL_SEPARATORS.split(rec[label_column]) if p.strip()]
            if not parts:
                skipped.append((i, f"no frame in column '{label_column}' (unlabelled)"))
                continue
            frames = tuple(dict.fromkeys(name(p, f"{path}, row {i}, column '{label_column}'") for p in parts))
        texts.append(f"{title}\n\n{body}" if title and body else title or body)
        labels.append(frames)
        rows.append(i)
    if not texts:
        raise ConfigError("no labelled article in the file", where=str(path),
                          expected="rows with a text and at least one frame (or true/false indicator values)",
                          found=f"{len(skipped)} rows, none usable; first: row {skipped[0][0]}, {skipped[0][1]}",
                          fix="check --text-column and --label-column (or --indicator-columns)")
    seen = dict.fromkeys(f for fs in labels for f in fs)
    if scheme == "mfc":
        frames_order = [k for k in FRAMES if k in seen or k in indicator_frames]
    else:
        frames_order = list(dict.fromkeys([*indicator_frames, *seen]))
    return LabelledSet(texts, labels, frames_order, rows, skipped, scheme, path, _file_sha256(path),
                       [c for c in (title_column if use_title else None, text_column) if c], label_columns)


# --------------------------------------------------------------------------- the model

class FrameModel:
    """TF-IDF → one-vs-rest calibrated linear SVM over frames (scikit-learn estimator pattern).

    Parameters
    ----------
    threshold : probability at or above which an article uses a frame.
    C : inverse regularisation strength of each ``LinearSVC``.
    ngram_range, min_df, max_df : of the ``TfidfVectorizer`` (word n-grams, sublinear tf).
    calibration_folds : folds of ``CalibratedClassifierCV`` (sigmoid / Platt scaling).
    seed : random state of the classifiers.

    Attributes
    ----------
    frames_ : list of the frame names, in the order of the probability columns.
    pipeline_ : the fitted scikit-learn ``Pipeline``.
    """

    def __init__(self, threshold: float = THRESHOLD, C: float = 1.0, ngram_range: tuple[int, int] = (1, 2),
                 min_df: int | float = 2, max_df: float = 0.95, calibration_folds: int = CALIBRATION_FOLDS,
                 seed: int = SEED):
        self.threshold = threshold
        self.C = C
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.calibration_folds = calibration_folds
        self.seed = seed

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("threshold", "C", "ngram_range", "min_df", "max_df",
                                              "calibration_folds", "seed")}

    def build_pipeline(self):
        """The unfitted scikit-learn ``Pipeline``."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import Pipeline
        from sklearn.svm import LinearSVC

        svm = LinearSVC(C=self.C, class_weight="balanced", random_state=self.seed)
        return Pipeline([
            ("tfidf", TfidfVectorizer(sublinear_tf=True, ngram_range=tuple(self.ngram_range), min_df=self.min_df,
                                      max_df=self.max_df, strip_accents="unicode", dtype=np.float32)),
            ("clf", OneVsRestClassifier(CalibratedClassifierCV(svm, method="sigmoid", cv=self.calibration_folds))),
        ])

    def fit(self, texts: Sequence[str], labels: Sequence[Iterable[str]], frames: Sequence[str] | None = None):
        """Fit on *texts* (n_articles) and their frame names; *frames* fixes the column order.

        Raises
        ------
        ConfigError
            When the texts leave no term after the vectorizer's pruning.
        """
        frames = list(frames) if frames is not None else sorted({f for fs in labels for f in fs})
        Y = indicator_matrix(labels, frames)
        pipeline = self.build_pipeline()
        try:
            pipeline.fit(list(texts), Y)
        except ValueError as exc:
            if "no terms remain" not in str(exc) and "empty vocabulary" not in str(exc):
                raise
            raise ConfigError("the labelled texts have no term left to learn from", expected=(
                f"words that occur in at least {self.min_df} articles"), found=str(exc),
                fix="train on more (or longer) articles") from None
        self.frames_, self.pipeline_ = frames, pipeline
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, array of shape (n_articles, n_frames) in ``frames_`` order."""
        proba = self.pipeline_.predict_proba(list(texts))
        return np.asarray(proba, dtype=float).reshape(len(texts), len(self.frames_))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Boolean array of shape (n_articles, n_frames): probability ≥ ``threshold``."""
        return self.predict_proba(texts) >= self.threshold


def indicator_matrix(labels: Sequence[Iterable[str]], frames: Sequence[str]) -> np.ndarray:
    """0/1 array of shape (n_articles, n_frames): article *i* is labelled with ``frames[j]``."""
    from sklearn.preprocessing import MultiLabelBinarizer

    return MultiLabelBinarizer(classes=list(frames)).fit_transform([set(fs) & set(frames) for fs in labels])


def min_examples(folds: int, calibration_folds: int = CALIBRATION_FOLDS) -> int:
    """Fewest positive (and negative) articles a frame needs for *folds*-fold cross-validation:
    every training part must hold at least *calibration_folds* of them (one spare for uneven
    folds), and every fold at least one."""
    return max(folds, math.ceil(calibration_folds * folds / (folds - 1)) + 1)


def iterative_folds(Y: np.ndarray, folds: int, seed: int = SEED) -> np.ndarray:
    """Fold of each article by iterative stratification (Sechidis, Tsoumakas & Vlahavas 2011, Algorithm 1).

    The frame with the fewest articles still to place goes first; each of its articles goes to
    the fold that most lacks that frame (ties: the fold that most lacks articles, then at
    random); articles with no frame fill the folds that most lack articles. Each fold thus gets
    ``support / folds`` articles of every frame, within about one.

    (The ``iterative-stratification`` package implements the same, but its wheel installs a
    top-level ``tests`` package that hides this repository's own.)

    Parameters
    ----------
    Y : 0/1 array of shape (n_articles, n_frames).

    Returns
    -------
    int array of shape (n_articles,): fold numbers 0 .. folds-1.
    """
    rng = np.random.default_rng(seed)
    Y = np.asarray(Y, dtype=bool)
    n = len(Y)
    want_articles = np.full(folds, n / folds)
    want_frame = np.tile(Y.sum(axis=0) / folds, (folds, 1))
    fold = np.full(n, -1)
    left = np.ones(n, dtype=bool)

    def best(scores: list[np.ndarray]) -> int:
        cand = np.arange(folds)
        for score in scores:
            cand = cand[score[cand] == score[cand].max()]
        return int(rng.choice(cand))

    while left.any():
        counts = Y[left].sum(axis=0)
        if not counts.any():
            for i in rng.permutation(np.flatnonzero(left)):
                j = best([want_articles])
                fold[i], left[i] = j, False
                want_articles[j] -= 1
            break
        rarest = np.flatnonzero(counts == counts[counts > 0].min())
        frame = int(rng.choice(rarest))
        for i in rng.permutation(np.flatnonzero(left & Y[:, frame])):
            j = best([want_frame[:, frame], want_articles])
            fold[i], left[i] = j, False
            want_frame[j] -= Y[i]
            want_articles[j] -= 1
    return fold


def _splits(Y: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    fold = iterative_folds(Y, folds, seed)
    return [(np.flatnonzero(fold != j), np.flatnonzero(fold == j)) for j in range(folds)]


def frames_too_rare(Y: np.ndarray, frames: Sequence[str], folds: int,
                    calibration_folds: int = CALIBRATION_FOLDS) -> dict[str, str]:
    """Frames that cannot be cross-validated with calibration: frame → reason in words."""
    need = min_examples(folds, calibration_folds)
    out = {}
    for j, frame in enumerate(frames):
        pos, neg = int(Y[:, j].sum()), int(len(Y) - Y[:, j].sum())
        if pos < need:
            out[frame] = (f"{pos} labelled article{'s' if pos != 1 else ''}; {folds}-fold cross-validation "
                          f"with calibration needs at least {need}")
        elif neg < need:
            out[frame] = (f"only {neg} article{'s' if neg != 1 else ''} without it; {folds}-fold "
                          f"cross-validation with calibration needs at least {need}")
    return out


METRIC_COLUMNS = ["frame", "support", "predicted", "precision", "precision_low", "precision_high", "recall",
                  "recall_low", "recall_high", "f1", "baseline_f1"]
"""Columns of the metrics table (:func:`frame_metrics`, ``<model>.metrics.csv``).

``support``: articles labelled with the frame; ``predicted``: articles the model gives it;
``precision``/``recall``/``f1`` of out-of-fold predictions (0 when undefined, as scikit-learn's
``zero_division=0``), with 95 % Wilson intervals for precision and recall; ``baseline_f1``: F1 of
giving every article the frame (2p/(1+p) for a frame on a share p of the articles), the best
F1 a classifier that ignores the text can reach. The rows ``(micro)`` and ``(macro)`` pool the
frames (micro: over all article × frame decisions; macro: the mean over frames)."""


def frame_metrics(Y: np.ndarray, predicted: np.ndarray, frames: Sequence[str]) -> pd.DataFrame:
    """Per-frame, micro and macro precision, recall and F1 (table :data:`METRIC_COLUMNS`).

    Parameters
    ----------
    Y, predicted : 0/1 arrays of shape (n_articles, n_frames): labels and predictions.
    """
    from sklearn.metrics import precision_recall_fscore_support

    from .rollups import wilson_interval

    Y, predicted = np.asarray(Y, dtype=int), np.asarray(predicted, dtype=int)
    p, r, f, support = precision_recall_fscore_support(Y, predicted, average=None, zero_division=0)
    tp = (Y & predicted).sum(axis=0)
    n_pred = predicted.sum(axis=0)
    share = support / max(len(Y), 1)
    table = pd.DataFrame({"frame": list(frames), "support": support, "predicted": n_pred, "precision": p,
                          "recall": r, "f1": f, "baseline_f1": 2 * share / (1 + share)})
    table["precision_low"], table["precision_high"] = wilson_interval(tp, n_pred)
    table["recall_low"], table["recall_high"] = wilson_interval(tp, support)
    mp, mr, mf, _ = precision_recall_fscore_support(Y, predicted, average="micro", zero_division=0)
    mlo_p, mhi_p = wilson_interval([tp.sum()], [n_pred.sum()])
    mlo_r, mhi_r = wilson_interval([tp.sum()], [support.sum()])
    pooled = pd.DataFrame([
        {"frame": "(micro)", "support": int(support.sum()), "predicted": int(n_pred.sum()), "precision": mp,
         "recall": mr, "f1": mf, "precision_low": mlo_p[0], "precision_high": mhi_p[0], "recall_low": mlo_r[0],
         "recall_high": mhi_r[0], "baseline_f1": np.nan},
        {"frame": "(macro)", "support": int(support.sum()), "predicted": int(n_pred.sum()),
         "precision": float(p.mean()), "recall": float(r.mean()), "f1": float(f.mean()),
         "baseline_f1": float(table["baseline_f1"].mean())},
    ])
    return pd.concat([table, pooled], ignore_index=True)[METRIC_COLUMNS]


@dataclass
class TrainedFrames:
    """Result of :func:`train_frame_model`.

    Attributes
    ----------
    model : the :class:`FrameModel` fitted on every labelled article.
    metrics : cross-validated metrics (:data:`METRIC_COLUMNS`).
    probabilities : out-of-fold probabilities, array of shape (n_articles, n_frames).
    skipped_frames : frame → why it was left out of the model.
    card : what the model was trained on and how (saved as ``<model>.card.json``).
    """

    model: FrameModel
    metrics: pd.DataFrame
    probabilities: np.ndarray
    skipped_frames: dict[str, str]
    card: dict
    warnings: list[str] = field(default_factory=list)


def train_frame_model(labelled: LabelledSet, *, folds: int = DEFAULT_FOLDS, seed: int = SEED,
                      threshold: float = THRESHOLD, model: FrameModel | None = None) -> TrainedFrames:
    """Cross-validate a :class:`FrameModel` on *labelled*, then fit it on every article.

    Frames with too few labelled articles for *folds*-fold cross-validation with calibration
    (:func:`min_examples`; 5 at 5 folds), or too few articles without them, are left out of the
    model and listed in ``skipped_frames`` and the warnings: the other frames are still
    worth a model, and a frame the model cannot learn must not get a silent score of 0.

    Raises
    ------
    ConfigError
        When *folds* is below 2 or above the number of articles, or no frame has enough
        labelled articles.
    """
    n = len(labelled.texts)
    if folds < 2 or folds > n:
        raise ConfigError("the number of cross-validation folds does not fit the data", where="--folds",
                          expected=f"an integer from 2 to the number of labelled articles ({n})", found=str(folds),
                          fix="choose --folds 5 (or 10 for large files)")
    model = model or FrameModel(threshold=threshold, seed=seed)
    Y_all = indicator_matrix(labelled.labels, labelled.frames)
    skipped = frames_too_rare(Y_all, labelled.frames, folds, model.calibration_folds)
    kept = [f for f in labelled.frames if f not in skipped]
    counts = dict(zip(labelled.frames, Y_all.sum(axis=0).tolist()))
    if not kept:
        raise ConfigError("no frame has enough labelled articles to train on", where=str(labelled.source),
                          expected=f"at least {min_examples(folds, model.calibration_folds)} articles with and "
                                   f"as many without each frame, for {folds}-fold cross-validation",
                          found="; ".join(f"{f}: {why}" for f, why in skipped.items()),
                          fix="label more articles, or use fewer --folds")
    Y = Y_all[:, [labelled.frames.index(f) for f in kept]]
    splits = _splits(Y, folds, seed)
    # With several frames per article the split spreads each frame only about evenly: check that
    # every training part still holds what calibration needs, with and without each frame.
    uneven = _thin_in_training(Y, kept, splits, model.calibration_folds)
    if uneven:
        skipped.update(uneven)
        keep = [j for j, f in enumerate(kept) if f not in uneven]
        kept, Y = [kept[j] for j in keep], Y[:, keep]
    if not kept:
        raise ConfigError("no frame has enough labelled articles in every training part", where=str(labelled.source),
                          expected=f"at least {model.calibration_folds} articles with and without each frame in "
                                   "each training part", found="; ".join(f"{f}: {w}" for f, w in uneven.items()),
                          fix="label more articles, or use fewer --folds")
    proba = np.zeros(Y.shape, dtype=float)
    for train_idx, test_idx in splits:
        fold_model = FrameModel(**model.get_params()).fit([labelled.texts[i] for i in train_idx],
                                                           _labels_of(Y[train_idx], kept), kept)
        proba[test_idx] = fold_model.predict_proba([labelled.texts[i] for i in test_idx])
    metrics = frame_metrics(Y, proba >= model.threshold, kept)
    model.fit(labelled.texts, labelled.labels, kept)
    warnings = [f"frame '{f}' left out of the model: {why}" for f, why in skipped.items()]
    dupes = n - len(set(labelled.texts))
    if dupes:
        warnings.append(f"{dupes} article text(s) occur more than once; copies may fall in different folds "
                        "and flatter the cross-validated scores")
    if labelled.skipped:
        warnings.append(f"{len(labelled.skipped)} row(s) not used; first: row {labelled.skipped[0][0]}, "
                        f"{labelled.skipped[0][1]}")
    card = _card(labelled, model, metrics, counts, skipped, folds, seed, warnings)
    return TrainedFrames(model, metrics, proba, skipped, card, warnings)


def _thin_in_training(Y: np.ndarray, frames: Sequence[str], splits, need: int) -> dict[str, str]:
    """Frames that some training part of *splits* holds fewer than *need* articles with (or without)."""
    out = {}
    for j, frame in enumerate(frames):
        pos = min(int(Y[tr, j].sum()) for tr, _ in splits)
        neg = min(int(len(tr) - Y[tr, j].sum()) for tr, _ in splits)
        if min(pos, neg) < need:
            which, fewest = ("with", pos) if pos < need else ("without", neg)
            out[frame] = (f"a training part of the {len(splits)}-fold split holds only {fewest} article(s) {which} "
                          f"it; calibration needs {need}")
    return out


def _labels_of(Y: np.ndarray, frames: Sequence[str]) -> list[tuple[str, ...]]:
    """Frame names of each row of a 0/1 array of shape (n_articles, n_frames)."""
    return [tuple(f for f, v in zip(frames, row) if v) for row in np.asarray(Y)]


def _versions() -> dict[str, str]:
    out = {"framewatch": __version__, "python": platform.python_version()}
    for dist in ("scikit-learn", "skops", "numpy", "scipy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _card(labelled: LabelledSet, model: FrameModel, metrics: pd.DataFrame, counts: dict, skipped: dict,
          folds: int, seed: int, warnings: list[str]) -> dict:
    pooled = metrics.set_index("frame")
    return {
        "format": MODEL_FORMAT,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "training_file": labelled.source.name,
        "training_file_sha256": labelled.sha256,
        "text_columns": labelled.text_columns,
        "label_columns": labelled.label_columns,
        "scheme": labelled.scheme,
        "n_articles": len(labelled.texts),
        "n_rows_skipped": len(labelled.skipped),
        "rows_skipped": [{"row": r, "reason": why} for r, why in labelled.skipped[:100]],
        "label_counts": {f: int(c) for f, c in counts.items()},
        "frames": list(model.frames_),
        "frames_skipped": skipped,
        "threshold": model.threshold,
        "cross_validation": {
            "folds": folds, "seed": seed, "split": "iterative multi-label stratification (Sechidis et al. 2011)",
            "micro_f1": round(float(pooled.loc["(micro)", "f1"]), 4),
            "macro_f1": round(float(pooled.loc["(macro)", "f1"]), 4),
            "macro_baseline_f1": round(float(pooled.loc["(macro)", "baseline_f1"]), 4),
        },
        "model": {"pipeline": "TfidfVectorizer(sublinear_tf, word n-grams) -> OneVsRestClassifier("
                              "CalibratedClassifierCV(LinearSVC(class_weight='balanced'), method='sigmoid'))",
                  "params": {k: list(v) if isinstance(v, tuple) else v for k, v in model.get_params().items()}},
        "versions": _versions(),
        "warnings": warnings,
    }


# --------------------------------------------------------------------------- saving and loading

def sidecar_paths(out: str | Path) -> tuple[Path, Path]:
    """``<out>.metrics.csv`` and ``<out>.card.json``, saved beside the model file *out*."""
    out = Path(out)
    return out.with_name(out.name + ".metrics.csv"), out.with_name(out.name + ".card.json")


def save_frame_model(trained: TrainedFrames, out: str | Path) -> list[Path]:
    """Write the model (skops), its metrics (CSV) and its card (JSON); return the three paths.

    Each file is written to a temporary name and renamed, so an interrupted save leaves no
    half-written model.
    """
    import skops.io as sio

    from .csvsafe import to_csv_bytes

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    metrics_path, card_path = sidecar_paths(out)
    payload = {"format": MODEL_FORMAT, "frames": list(trained.model.frames_),
               "threshold": float(trained.model.threshold), "pipeline": trained.model.pipeline_,
               "card": json.dumps(trained.card, ensure_ascii=False)}
    blobs = [(out, sio.dumps(payload)), (metrics_path, to_csv_bytes(trained.metrics)),
             (card_path, (json.dumps(trained.card, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))]
    for path, blob in blobs:
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        tmp.write_bytes(blob)
        os.replace(tmp, path)
    return [path for path, _ in blobs]


def _trusted(type_name: str) -> bool:
    return type_name.startswith(TRUSTED_MODULES)


def load_frame_model(path: str | Path) -> tuple[FrameModel, dict]:
    """Load a model saved by :func:`save_frame_model`: the fitted :class:`FrameModel` and its card.

    The file's types are read first (:func:`skops.io.get_untrusted_types`); only those of
    scikit-learn, NumPy and SciPy (:data:`TRUSTED_MODULES`) are trusted, and the file is
    loaded with exactly that list. Nothing is unpickled.

    Raises
    ------
    ConfigError
        When the file is missing, is not a skops file, names a type outside the trusted
        packages, or is not a framewatch frame model.
    """
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise ConfigError("no frame model at this path", where=str(path), expected="a .skops file written by "
                          "`framewatch frames train`", found="nothing", fix="train one with `framewatch frames train`")
    if not zipfile.is_zipfile(path):
        raise ConfigError("not a skops model file", where=str(path), expected="a skops (zip) file written by "
                          "`framewatch frames train`", found="another kind of file",
                          fix="framewatch never loads pickle or joblib files; retrain with `framewatch frames train`")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises several kinds on a damaged archive
        raise ConfigError("cannot read the model file", where=str(path), expected="a skops file",
                          found=" ".join(str(exc).split())[:200], fix="retrain with `framewatch frames train`") from None
    refused = sorted(t for t in untrusted if not _trusted(t))
    if refused:
        raise ConfigError("the model file names types that could run code when loaded, so it was not loaded",
                          where=str(path), expected="only scikit-learn, NumPy and SciPy types",
                          found=", ".join(refused[:5]) + (f" and {len(refused) - 5} more" if len(refused) > 5 else ""),
                          fix="use a model written by `framewatch frames train`")
    payload = sio.load(path, trusted=list(untrusted))
    if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
        raise ConfigError("not a framewatch frame model", where=str(path), expected=f"format {MODEL_FORMAT}",
                          found=repr(payload.get("format") if isinstance(payload, dict) else type(payload).__name__),
                          fix="use a model written by `framewatch frames train`")
    card = json.loads(payload["card"])
    params = card.get("model", {}).get("params", {})
    model = FrameModel(**{k: tuple(v) if isinstance(v, list) else v for k, v in params.items()})
    model.threshold = float(payload["threshold"])
    model.frames_, model.pipeline_ = list(payload["frames"]), payload["pipeline"]
    return model, card


# --------------------------------------------------------------------------- applying to the store

@dataclass
class ApplySummary:
    """Counts of ``framewatch frames apply``."""

    run_id: str
    n_articles: int = 0
    n_rows: int = 0
    uses: dict[str, int] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    def line(self) -> str:
        """One line: articles, rows, articles using each frame, where they went, elapsed."""
        uses = ", ".join(f"{f} {n}" for f, n in self.uses.items())
        return (f"applied the frame model to {self.n_articles} articles: {self.n_rows} rows "
                f"({', '.join(self.written)}); articles using each frame: {uses or 'none'}; "
                f"elapsed {self.elapsed_s:.1f}s")


ARTICLE_TEXT_SQL = ("CASE WHEN text_origin = 'title+lead' OR coalesce(title, '') = '' THEN text "
                    "ELSE title || chr(10) || chr(10) || text END")
"""An article's text as the model sees it: headline, blank line, body (the text alone when the
stored text is already headline + lead), as :func:`read_labelled` joins title and text."""

PREDICTION_COLUMNS = ["article_id", "outlet", "day", "frame", "method", "score", "uses_frame"]
"""Columns of the predictions file (``frames apply --out``): the ``article_frames`` columns
with the article's outlet and UTC day."""


def frame_rows(model: FrameModel, articles: pd.DataFrame) -> pd.DataFrame:
    """Rows of the model's frames for *articles* (columns ``article_id``, ``text``, and any
    others, repeated): one per article × model frame, ``method = 'model'``, ``score`` the
    calibrated probability, ``uses_frame`` = ``score >= threshold``."""
    k = len(model.frames_)
    proba = model.predict_proba(articles["text"].tolist()) if len(articles) else np.zeros((0, k))
    out = articles.drop(columns="text").loc[articles.index.repeat(k)].reset_index(drop=True)
    out["frame"] = np.tile(np.asarray(model.frames_, dtype=object), len(articles))
    out["method"] = "model"
    out["score"] = proba.ravel()
    out["uses_frame"] = out["score"] >= model.threshold
    return out


def _predict_store(con, model: FrameModel, step: int):
    """Yield the prediction rows (:data:`PREDICTION_COLUMNS`) of the store's articles, *step* at a
    time, in article_id order (the order of the predictions file)."""
    ids = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY article_id").fetchall()]
    for start in range(0, len(ids), step):
        part = con.execute(f"SELECT article_id, outlet, day, {ARTICLE_TEXT_SQL} AS text FROM articles "
                           "WHERE article_id IN (SELECT unnest(?)) ORDER BY article_id", [ids[start:start + step]]).df()
        yield frame_rows(model, part)[PREDICTION_COLUMNS]


def apply_frame_model(store: str | Path, model_path: str | Path, *, out: str | Path | None = None,
                      chunk: int | None = None) -> ApplySummary:
    """Predict every stored article with the frame model.

    A model of the 15 MFC frames replaces the ``model`` rows of ``article_frames``: one row per
    article × frame of the model (frames the model was not trained on get no row: unknown is
    not 0), ``score`` the calibrated probability, ``uses_frame`` = ``score >= threshold`` (0.5).
    Lexicon rows are left as they are. The store is replaced only when every article is done,
    and a ``runs`` row (stage ``frames apply``) records the model file, its hash and its card.
    Articles added later (``run``, ``score``, ``collect``) get rows of the same model from
    :func:`apply_to_new_articles` while that file is unchanged.
    A model of the user's own frames (trained with ``any_labels``) is not written to the store,
    whose ``article_frames.frame`` holds MFC keys: its predictions go to *out* only.

    Parameters
    ----------
    out : also (custom scheme: only) write the predictions to this CSV file
        (:data:`PREDICTION_COLUMNS`).
    chunk : articles predicted at a time (default ``SCORE_CHUNK``).

    Raises
    ------
    ConfigError
        When the model file cannot be trusted or read (:func:`load_frame_model`), or a
        custom-scheme model is given no *out*.
    StoreError
        When the store is missing.
    """
    from .csvsafe import to_csv_bytes
    from .run import SCORE_CHUNK, RunSummary, _record_run, _require_store, new_run_id
    from .storage import connect, write_table, writing

    model, card = load_frame_model(model_path)
    to_store = card.get("scheme", "mfc") == "mfc"
    if not to_store and out is None:
        raise ConfigError("this model predicts frames of your own scheme, which the store's article_frames "
                          "(the 15 Media Frames Corpus frames) cannot hold", where=str(model_path),
                          expected="a model trained without --any-labels, or --out", found=(
                          f"frames {', '.join(model.frames_)}"),
                          fix="pass --out predictions.csv to write its predictions to a file")
    if to_store:
        _require_article_frames()
    _require_store(store)
    summary = ApplySummary(new_run_id())
    t0, started = time.perf_counter(), datetime.now(timezone.utc)
    step, parts = chunk or SCORE_CHUNK, []

    def consume(rows: pd.DataFrame) -> pd.DataFrame:
        summary.n_articles += len(rows) // max(len(model.frames_), 1)
        summary.n_rows += len(rows)
        for frame, n in rows.groupby("frame", sort=False)["uses_frame"].sum().items():
            summary.uses[frame] = summary.uses.get(frame, 0) + int(n)
        if out is not None:
            parts.append(rows)
        return rows

    if to_store:
        with writing(store) as con:
            con.execute("DELETE FROM article_frames WHERE method = 'model'")
            for rows in _predict_store(con, model, step):
                write_table(con, "article_frames", consume(rows).drop(columns=["outlet", "day"]))
            summary.written.append(f"article_frames in {Path(store).name}")
            summary.elapsed_s = time.perf_counter() - t0
            settings = {"model": str(model_path), "model_resolved": str(Path(model_path).resolve()),
                        "model_sha256": _file_sha256(Path(model_path)), "card": card,
                        "articles_using_each_frame": summary.uses}
            _record_run(con, summary.run_id, "frames apply", started, summary.elapsed_s, settings,
                        RunSummary(summary.run_id, n_input=summary.n_articles), None)
    else:
        con = connect(store)
        try:
            for rows in _predict_store(con, model, step):
                consume(rows)
        finally:
            con.close()
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=PREDICTION_COLUMNS)
        tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
        tmp.write_bytes(to_csv_bytes(table))
        os.replace(tmp, out)
        summary.written.append(str(out))
    summary.elapsed_s = time.perf_counter() - t0
    return summary


@dataclass
class ModelCoverage:
    """What :func:`apply_to_new_articles` did: ``n_scored`` articles given model rows now,
    ``n_covered`` of ``n_articles`` stored articles with model rows after it, and ``warning``
    (None when every article is covered)."""

    n_scored: int
    n_covered: int
    n_articles: int
    warning: str | None = None


def model_coverage(con) -> tuple[int, int]:
    """(articles with ``model`` rows in ``article_frames``, stored articles)."""
    return con.execute("SELECT (SELECT count(DISTINCT article_id) FROM article_frames WHERE method = 'model'), "
                       "(SELECT count(*) FROM articles)").fetchall()[0]


class CoverageWarning(str):
    """The warning of :func:`coverage_warning`: a plain ``str`` wherever a warning goes (printed,
    stored as JSON in ``runs.warnings``) whose type says what it is, so a caller picks it out of
    a run's warnings with ``isinstance`` (``collect`` does), not by its wording."""

    __slots__ = ()


def coverage_warning(n_covered: int, n_articles: int, model: str = "MODEL", why: str = "") -> CoverageWarning:
    """The sentence said when model rows do not cover every article (run summary and Frames page)."""
    return CoverageWarning(f"model rows cover {n_covered:,} of {n_articles:,} articles{why}; run "
                           f"`framewatch frames apply --model {model} --store PATH` to score the rest")


def apply_to_new_articles(con, chunk: int | None = None) -> ModelCoverage | None:
    """Keep a store's ``model`` rows in step with its articles after new ones are scored.

    When the store has ``model`` rows and some articles have none (added by ``run``, ``score``
    or ``collect`` after ``framewatch frames apply``), the model file that the last
    ``frames apply`` run recorded (``runs.settings``: its resolved path, else the path as given)
    is loaded with :func:`load_frame_model` (skops, trusted types only) if it is still there with
    the recorded sha256, and applied to those articles only: the same rows (:func:`frame_rows`)
    a full ``frames apply`` gives them, nothing else is touched. If the file is gone, changed or
    refused, the existing rows are kept and ``warning`` says how many articles they cover.

    Parameters
    ----------
    con : an open, writable connection to the store (inside :func:`pipelines.storage.writing`).
    chunk : articles predicted at a time (default ``SCORE_CHUNK``).

    Returns
    -------
    ModelCoverage, or None when the store has no ``model`` rows (nothing to keep in step).
    """
    from .engines import plan_batches, read_batch
    from .run import SCORE_CHUNK
    from .storage import write_table

    # one query: the counts of model_coverage, and the rowids of the articles without model rows
    # (none listed when there are no model rows at all: then nothing is kept in step)
    n_covered, n_articles, missing = con.execute(
        "WITH m AS (SELECT DISTINCT article_id FROM article_frames WHERE method = 'model') "
        "SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM articles), "
        "(SELECT list(rowid ORDER BY rowid) FROM articles "
        " WHERE EXISTS (SELECT 1 FROM m) AND article_id NOT IN (SELECT article_id FROM m))").fetchall()[0]
    if not n_covered:
        return None
    if not missing:
        return ModelCoverage(0, n_covered, n_articles)
    settings = _last_apply_settings(con) or {}
    given = str(settings.get("model") or "")
    candidates = [Path(p) for p in (settings.get("model_resolved"), given) if p]
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        why = f" (the model file {given or 'of the last frames apply'} is not found)"
    elif _file_sha256(found) != settings.get("model_sha256"):
        why = f" (the model file {found} has changed since it wrote them)"
    else:
        try:
            model, _ = load_frame_model(found)
        except ConfigError as exc:
            why = f" (the model file {found} was not loaded: {exc.what})"
        else:
            # read in store order by rowid range, as the score stage does: new articles sit at the
            # end of the store, and a filter on article_id would read every stored text per chunk
            for batch in plan_batches(np.asarray(missing, dtype=np.int64), chunk or SCORE_CHUNK):
                part = read_batch(con, batch, ("article_id", "outlet", "day", f"{ARTICLE_TEXT_SQL} AS text"))
                write_table(con, "article_frames", frame_rows(model, part)[PREDICTION_COLUMNS].drop(
                    columns=["outlet", "day"]))
            return ModelCoverage(len(missing), n_covered + len(missing), n_articles)
    return ModelCoverage(0, n_covered, n_articles, coverage_warning(n_covered, n_articles, given or "MODEL", why))


def _last_apply_settings(con) -> dict | None:
    """The settings (model file, its resolved path and sha256, card) recorded by the last
    ``frames apply`` run, or None when there was none."""
    rows = con.execute("SELECT settings FROM runs WHERE stage = 'frames apply' ORDER BY started_at DESC LIMIT 1"
                       ).fetchall()
    return json.loads(rows[0][0]) if rows else None


def latest_model_card(con) -> dict | None:
    """The card of the model whose rows are in ``article_frames`` (the last ``frames apply`` run), or None.

    The card is the one saved with the model (:func:`train_frame_model`), plus ``model_file``
    (the model file's name, no directory) and ``model_sha256`` (its hash) from that run, and
    ``coverage`` (articles with model rows, stored articles: :func:`model_coverage`).
    """
    settings = _last_apply_settings(con)
    if settings is None:
        return None
    card = settings.get("card")
    if card is None:
        return None
    return {**card, "model_file": Path(str(settings.get("model", ""))).name or None,
            "model_sha256": settings.get("model_sha256"), "coverage": list(model_coverage(con))}


def _require_article_frames() -> None:
    from .schemas import TABLES

    if "article_frames" not in TABLES:
        raise StoreError("this framewatch declares no article_frames table", expected="a store table for frames",
                         found="none declared", fix="update framewatch")
