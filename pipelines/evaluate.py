"""Validation: the built-in detectors measured against gold sets (``framewatch evaluate``).

Gold sets are read from a folder laid out as ``../shared/corpora`` (each set described by
its ``SOURCE.md``); a set that is absent is left out of the report with a note.

* **BABE** (Spinde et al. 2021), ``gold_babe_mbic/final_labels_SG2.csv``: 3,674 sentences of
  US news, biased (loaded) words marked by expert annotators.
* **MBIC** (Spinde et al. 2021), ``gold_babe_mbic/final_labels_MBIC.xlsx``: 1,700 of those
  sentences with crowd-sourced biased words. (``final_labels_SG1.csv`` holds expert labels of
  the same 1,700 sentences and is not used: it would count those sentences twice.)
* **BASIL** (Fan et al. 2019), ``gold_basil/``: 300 Fox / NYT / HuffPost articles; the gold
  spans are the 480 *lexical bias* spans (``bias: "lex"``, loaded wording). Informational
  bias spans (selective facts) are not loaded wording and are not gold here.
* **Narrative frames** (Frermann et al. 2023), ``gold_narrative_frames_climate/``: 428
  climate-change articles with five binary frames; see :data:`FRAME_MAP` (used once
  :mod:`pipelines.frames` exists).

Loaded wording: units and definitions
-------------------------------------
The built-in lexicon is run with the real :class:`pipelines.lexicon.LexiconMatcher` on each
gold sentence, all voices counted (quotations included: the annotators marked them too).
Tokens are the words of the matcher's own matching copy (:mod:`pipelines.text`), so a
hyphenated word is two tokens on both sides. A BABE/MBIC annotated word has no position: it
is located as a whole-word token sequence in its sentence, and every occurrence counts as a
gold span; BASIL spans carry character offsets within their sentence.

* **Precision (overlap)** = lexicon hits that share at least one token with a gold span /
  all lexicon hits. **Precision (strict)**: every token of the hit lies in gold spans.
* **Recall (overlap)** = gold spans that share at least one token with a hit / all gold spans.
* **F1** = 2PR / (P + R) of the overlap precision and recall.
* **Token level**: predicted tokens (inside hits) against gold tokens (inside gold spans):
  P = |pred ∩ gold| / |pred|, R = |pred ∩ gold| / |gold|.

Precision and recall carry 95 % Wilson score intervals (each hit, gold span or token a
trial; hits bunch in sentences, so these are somewhat narrow); F1 carries a 95 % percentile
bootstrap interval, resampling sentences (BABE, MBIC) or articles (BASIL) with a fixed seed.
"""

from __future__ import annotations

import ast
import bisect
import json
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .errors import ConfigError
from .lexicon import Lexicon, LexiconMatcher
from .rollups import wilson_interval
from .text import fold, matching_copy

N_BOOT = 1000
"""Bootstrap resamples for the F1 intervals."""

SEED = 20260601
"""Seed of the bootstrap (the same seed gives the same intervals)."""

BABE_FILE = "gold_babe_mbic/final_labels_SG2.csv"
MBIC_FILE = "gold_babe_mbic/final_labels_MBIC.xlsx"
BASIL_DIR = "gold_basil"
FRAMES_FILE = "gold_narrative_frames_climate/articles_metadata.tsv"


@dataclass(frozen=True)
class GoldText:
    """One gold sentence: its *item* (the unit the bootstrap resamples), text and gold spans.

    ``spans`` are ``(start, end)`` character offsets into ``text`` (end exclusive) of loaded
    wording marked by the annotators.
    """

    item: str
    text: str
    spans: tuple[tuple[int, int], ...] = ()


@dataclass
class GoldSet:
    """A loaded-wording gold set: its texts and what could not be located in them."""

    name: str
    title: str
    source: str
    unit: str
    texts: list[GoldText]
    n_listed: int = 0
    n_unlocated: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def n_items(self) -> int:
        return len({t.item for t in self.texts})


# -- tokens and gold words ---------------------------------------------------------------

def word_spans(text: str) -> list[tuple[int, int, str]]:
    """The words of *text* as the lexicon matcher sees them.

    Returns
    -------
    list of ``(start, end, folded_word)``: character offsets into *text* (end exclusive) of
    each word of the matching copy (:func:`pipelines.text.matching_copy`), in order.
    """
    copy, offsets = matching_copy(text)
    out = []
    pos = 1
    for word in copy[1:-1].split(" "):
        if word:
            out.append((int(offsets[pos]), int(offsets[pos + len(word) - 1]) + 1, word))
        pos += len(word) + 1
    return out


def locate_words(text: str, words: list[str]) -> tuple[list[tuple[int, int]], int]:
    """Character spans of every whole-word occurrence of each of *words* in *text*.

    Words are folded as lexicon terms are ("anti-Americanism" is the two tokens
    ``anti americanism``); a word listed twice is looked up once.

    Returns
    -------
    (spans sorted by start, number of distinct words not found in *text*)
    """
    tokens = word_spans(text)
    folded = [t[2] for t in tokens]
    spans: set[tuple[int, int]] = set()
    missing = 0
    for seq in dict.fromkeys(tuple(fold(w).split()) for w in words):
        if not seq:
            continue
        found = False
        for i in range(len(folded) - len(seq) + 1):
            if tuple(folded[i:i + len(seq)]) == seq:
                spans.add((tokens[i][0], tokens[i + len(seq) - 1][1]))
                found = True
        missing += not found
    return sorted(spans), missing


def _word_list(cell) -> list[str]:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return []
    text = str(cell).strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = None
        if isinstance(value, list):
            return [str(v) for v in value if str(v).strip()]
    return [w.strip() for w in text.split("|") if w.strip()]


# -- gold loaders --------------------------------------------------------------------------

def _require(path: Path, what: str) -> Path:
    if not path.exists():
        raise ConfigError(f"{what} not found", where=str(path), expected=f"the {what} as described in its SOURCE.md",
                          found="nothing at this path", fix="point --corpora at the folder holding the gold sets")
    return path


def labelled_sentences(frame: pd.DataFrame, name: str, title: str, source: str,
                       text_column: str = "text", words_column: str = "biased_words") -> GoldSet:
    """A :class:`GoldSet` from a frame of sentences with their annotated (biased) words.

    *words_column* holds a Python-list string (``['bizarre', 'cult']``, as BABE/MBIC) or
    ``|``-separated words. Each sentence is its own bootstrap item.

    Raises
    ------
    ConfigError
        When a column is missing.
    """
    for col in (text_column, words_column):
        if col not in frame.columns:
            raise ConfigError(f"no '{col}' column", where=source, expected=f"columns '{text_column}' and "
                              f"'{words_column}'", found=f"columns {list(frame.columns)}",
                              fix="name the sentence column 'text' and the annotated words 'biased_words'")
    texts, n_listed, n_missing = [], 0, 0
    for i, (text, cell) in enumerate(zip(frame[text_column], frame[words_column])):
        if not isinstance(text, str) or not text.strip():
            continue
        words = _word_list(cell)
        spans, missing = locate_words(text, words)
        n_listed += len({tuple(fold(w).split()) for w in words} - {()})
        n_missing += missing
        texts.append(GoldText(item=f"{name}:{i}", text=text, spans=tuple(spans)))
    gold = GoldSet(name=name, title=title, source=source, unit="sentence", texts=texts, n_listed=n_listed,
                   n_unlocated=n_missing)
    gold.notes.append(f"{n_listed:,} distinct annotated words over {len(texts):,} sentences; {n_missing:,} not "
                      "found as whole words in their sentence (spelling differs) are left out of the gold.")
    return gold


def read_babe(corpora: Path) -> GoldSet:
    """BABE expert labels (``final_labels_SG2.csv``, ``;``-separated): 3,674 sentences."""
    path = _require(Path(corpora) / BABE_FILE, "BABE file")
    frame = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return labelled_sentences(frame, "babe", "BABE (expert annotators)", BABE_FILE)


def read_mbic(corpora: Path) -> GoldSet:
    """MBIC crowd labels (``final_labels_MBIC.xlsx``, needs openpyxl): 1,700 sentences."""
    import warnings

    path = _require(Path(corpora) / MBIC_FILE, "MBIC file")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl: "Unknown extension is not supported"
        frame = pd.read_excel(path, dtype=str, keep_default_na=False)
    return labelled_sentences(frame, "mbic", "MBIC (crowd annotators)", MBIC_FILE)


def read_basil(corpora: Path) -> GoldSet:
    """BASIL lexical-bias spans (``gold_basil/`` under *corpora*): see :func:`read_basil_folder`."""
    return read_basil_folder(Path(corpora) / BASIL_DIR)


def read_basil_folder(root: Path) -> GoldSet:
    """BASIL lexical-bias spans over its 300 articles, each article one text and one item.

    *root* holds ``articles/YYYY/*.json`` and ``annotations/YYYY/*_ann.json``.

    The article is its body sentences joined with a space, paragraphs with a blank line (so
    quotations over several sentences get their voice). A span's offsets are within the
    sentence that holds it (the sentence is not named): the first sentence whose
    ``[start:end]`` equals the span text is taken; failing that, the first sentence that
    contains the text.
    """
    root = _require(Path(root), "BASIL folder")
    if not any((root / "articles").glob("*/*.json")):
        raise ConfigError("no BASIL articles", where=str(root), expected="articles/YYYY/<uuid>_<n>.json files",
                          found="none", fix="point at the BASIL folder that holds articles/ and annotations/")
    texts: list[GoldText] = []
    n_lex = n_unlocated = n_by_text = 0
    for art_path in sorted((root / "articles").glob("*/*.json")):
        article = json.loads(art_path.read_text(encoding="utf-8"))
        ann_path = root / "annotations" / art_path.parent.name / f"{art_path.stem}_ann.json"
        ann = json.loads(ann_path.read_text(encoding="utf-8")) if ann_path.is_file() else {}
        sentences, starts, parts, pos = [], [], [], 0
        for para in article.get("body-paragraphs", []):
            if parts:
                parts.append("\n\n")
                pos += 2
            for j, sentence in enumerate(para):
                if j:
                    parts.append(" ")
                    pos += 1
                sentences.append(sentence)
                starts.append(pos)
                parts.append(sentence)
                pos += len(sentence)
        spans = set()
        for span in ann.get("phrase-level-annotations", []):
            if span.get("bias") != "lex":
                continue
            n_lex += 1
            txt, start, end = span.get("txt", ""), int(span.get("start", -1)), int(span.get("end", -1))
            where = next((i for i, s in enumerate(sentences) if s[start:end] == txt), None)
            if where is None and txt:
                where = next((i for i, s in enumerate(sentences) if txt in s), None)
                if where is not None:
                    start = sentences[where].index(txt)
                    end, n_by_text = start + len(txt), n_by_text + 1
            if where is None:
                n_unlocated += 1
                continue
            spans.add((starts[where] + start, starts[where] + end))
        texts.append(GoldText(item=art_path.stem, text="".join(parts), spans=tuple(sorted(spans))))
    gold = GoldSet(name="basil", title="BASIL (lexical-bias spans)", source=BASIL_DIR + "/", unit="article",
                   texts=texts, n_listed=n_lex, n_unlocated=n_unlocated)
    gold.notes.append(f"{n_lex:,} lexical-bias spans; {n_by_text:,} placed by their text because their offsets "
                      f"matched no sentence, {n_unlocated:,} not found and left out.")
    return gold


GOLD_READERS = {"babe": read_babe, "mbic": read_mbic, "basil": read_basil}
"""Loaded-wording gold sets by name, in report order."""

_GOLD_PATHS = {"babe": BABE_FILE, "mbic": MBIC_FILE, "basil": BASIL_DIR}


# -- scoring -------------------------------------------------------------------------------

HIT_COLUMNS = ["item", "term", "category", "match", "voice", "overlap", "strict"]
COUNT_COLUMNS = ["hits", "hits_overlap", "hits_strict", "gold", "gold_found", "pred_tokens", "gold_tokens",
                 "tp_tokens"]
VOICE_VIEWS = ("all", "outlet")
"""Hits counted: every hit (``all``), or only those in the outlet's own voice (the dashboard's default)."""


def score_gold(gold: GoldSet, matcher: LexiconMatcher, voice: str = "all") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every text of *gold* as the pipeline does and align the hits with the gold spans.

    Each text goes through :func:`pipelines.score.score_text` (lexicon hits, quotations and
    reported speech, the voice of each hit). With ``voice="outlet"`` only hits in the outlet's
    own voice count as predictions; the gold spans stay all of them.

    Returns
    -------
    counts : DataFrame, one row per item (``item`` and :data:`COUNT_COLUMNS`): hits, hits
        overlapping gold (overlap), hits wholly inside gold (strict), gold spans, gold spans
        touched by a hit, predicted tokens, gold tokens, tokens both predicted and gold.
    hits : DataFrame with :data:`HIT_COLUMNS`, one row per counted hit.

    Raises
    ------
    ValueError
        For a *voice* not in :data:`VOICE_VIEWS`.
    """
    from .score import score_text

    if voice not in VOICE_VIEWS:
        raise ValueError(f"voice must be one of {VOICE_VIEWS}, not {voice!r}")
    rows, hits = {}, []
    for t in gold.texts:
        tokens = word_spans(t.text)
        starts = [tok[0] for tok in tokens]

        def covered(s, e, tokens=tokens, starts=starts):
            i = max(bisect.bisect_right(starts, s) - 1, 0)
            out = set()
            while i < len(tokens) and tokens[i][0] < e:
                if s < tokens[i][1]:
                    out.add(i)
                i += 1
            return out

        gold_sets = [covered(s, e) for s, e in t.spans]
        gold_tok = set().union(*gold_sets)
        pred_tok, found = set(), [False] * len(gold_sets)
        c = rows.setdefault(t.item, dict.fromkeys(COUNT_COLUMNS, 0))
        mentions, _, _ = score_text(t.text, matcher)
        for m in mentions:
            if voice != "all" and m["voice"] != voice:
                continue
            tok = covered(m["start"], m["end"])
            pred_tok |= tok
            overlap = bool(tok & gold_tok)
            strict = bool(tok) and tok <= gold_tok
            for j, g in enumerate(gold_sets):
                found[j] = found[j] or bool(tok & g)
            hits.append((t.item, m["term"], m["category"], m["text"], m["voice"], overlap, strict))
            c["hits"] += 1
            c["hits_overlap"] += overlap
            c["hits_strict"] += strict
        c["gold"] += len(gold_sets)
        c["gold_found"] += sum(found)
        c["pred_tokens"] += len(pred_tok)
        c["gold_tokens"] += len(gold_tok)
        c["tp_tokens"] += len(pred_tok & gold_tok)
    counts = pd.DataFrame([{"item": k, **v} for k, v in rows.items()], columns=["item", *COUNT_COLUMNS])
    return counts, pd.DataFrame(hits, columns=HIT_COLUMNS)


# -- metrics -------------------------------------------------------------------------------

def proportion(k: int, n: int) -> dict:
    """``{"value", "low", "high", "k", "n"}``: k/n with its 95 % Wilson interval (NaN when n = 0)."""
    low, high = wilson_interval([k], [n])
    value = k / n if n else float("nan")
    return {"value": value, "low": float(low[0]), "high": float(high[0]), "k": int(k), "n": int(n)}


def f1(precision: float, recall: float) -> float:
    """Harmonic mean 2PR / (P + R); 0 when both are 0, NaN when either is NaN."""
    if np.isnan(precision) or np.isnan(recall):
        return float("nan")
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def bootstrap_f1(counts: np.ndarray, n_boot: int = N_BOOT, seed: int = SEED) -> tuple[float, float]:
    """95 % percentile bootstrap interval of F1, resampling items (rows) with replacement.

    Parameters
    ----------
    counts : array of shape (n_items, 4): per item, the precision numerator and denominator
        then the recall numerator and denominator.

    Returns
    -------
    (low, high); NaN when there are no items or no resample gives a defined F1.
    """
    counts = np.asarray(counts, dtype=float)
    if len(counts) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(counts), size=(n_boot, len(counts)))
    sums = counts[idx].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = sums[:, 0] / sums[:, 1]
        r = sums[:, 2] / sums[:, 3]
        f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    f = f[~(np.isnan(p) | np.isnan(r))]
    if len(f) == 0:
        return float("nan"), float("nan")
    low, high = np.percentile(f, [2.5, 97.5])
    return float(low), float(high)


def prf(counts: pd.DataFrame, p_cols: tuple[str, str], r_cols: tuple[str, str], n_boot: int = N_BOOT,
        seed: int = SEED) -> dict:
    """Precision, recall (Wilson) and F1 (bootstrap over the rows of *counts*) from count columns."""
    p = proportion(int(counts[p_cols[0]].sum()), int(counts[p_cols[1]].sum()))
    r = proportion(int(counts[r_cols[0]].sum()), int(counts[r_cols[1]].sum()))
    low, high = bootstrap_f1(counts[[*p_cols, *r_cols]].to_numpy(), n_boot, seed)
    return {"precision": p, "recall": r, "f1": {"value": f1(p["value"], r["value"]), "low": low, "high": high}}


def lexicon_metrics(counts: pd.DataFrame, hits: pd.DataFrame, n_boot: int = N_BOOT, seed: int = SEED) -> dict:
    """All loaded-wording figures of one gold set from :func:`score_gold`'s output.

    Returns
    -------
    dict with ``overlap`` and ``token`` (each precision / recall / F1),
    ``precision_strict``, ``by_category`` (precision of each lexicon category's hits) and
    ``terms`` (per lexicon term: hits and hits overlapping gold), most hits first.
    """
    out = {
        "overlap": prf(counts, ("hits_overlap", "hits"), ("gold_found", "gold"), n_boot, seed),
        "token": prf(counts, ("tp_tokens", "pred_tokens"), ("tp_tokens", "gold_tokens"), n_boot, seed),
        "precision_strict": proportion(int(counts["hits_strict"].sum()), int(counts["hits"].sum())),
    }
    by_cat = hits.groupby("category", sort=True)["overlap"].agg(["sum", "count"])
    out["by_category"] = [{"category": cat, **proportion(int(r["sum"]), int(r["count"]))}
                          for cat, r in by_cat.iterrows()]
    terms = (hits.groupby(["term", "category"])["overlap"].agg(["count", "sum"]).reset_index()
             .sort_values(["count", "term"], ascending=[False, True]))
    out["terms"] = [{"term": r.term, "category": r.category, "hits": int(r["count"]), "correct": int(r["sum"])}
                    for _, r in terms.iterrows()]
    return out


def evaluate_lexicon(gold: GoldSet, lexicon: Lexicon, n_boot: int = N_BOOT, seed: int = SEED) -> dict:
    """Score *lexicon* on *gold*: the gold set's sizes and notes, and :func:`lexicon_metrics`
    for each of :data:`VOICE_VIEWS` (keys ``all`` and ``outlet``)."""
    matcher = LexiconMatcher(lexicon).fit()
    result = {"name": gold.name, "title": gold.title, "source": gold.source, "unit": gold.unit,
              "n_items": gold.n_items, "n_texts": len(gold.texts), "notes": list(gold.notes)}
    for voice in VOICE_VIEWS:
        counts, hits = score_gold(gold, matcher, voice)
        result[voice] = {"n_gold_spans": int(counts["gold"].sum()), "n_gold_tokens": int(counts["gold_tokens"].sum()),
                         "n_hits": int(counts["hits"].sum()), "n_pred_tokens": int(counts["pred_tokens"].sum()),
                         **lexicon_metrics(counts, hits, n_boot, seed)}
    return result


# -- the report ----------------------------------------------------------------------------

TARGET_PRECISION = 0.8
"""Issue 3's target: precision of built-in loaded-wording hits on gold sets of loaded wording."""


def _code_version() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).resolve().parent,
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__} (commit {commit})" if commit else __version__


def run_evaluation(corpora: str | Path, lexicon: Lexicon, *, sets: tuple[str, ...] | None = None,
                   frames: bool = True, n_boot: int = N_BOOT, seed: int = SEED, command: str = "") -> dict:
    """Measure the detectors against every gold set found under *corpora*.

    Parameters
    ----------
    corpora : folder laid out as ``../shared/corpora`` (``gold_babe_mbic/``, ``gold_basil/``,
        ``gold_narrative_frames_climate/``).
    lexicon : the lexicon to evaluate (normally the built-in one).
    sets : names from :data:`GOLD_READERS` to run (default: all found).
    frames : also evaluate frame detection (when :mod:`pipelines.frames` is available).
    command : the command line to print in the report.

    Returns
    -------
    dict: ``generated_at`` (ISO 8601 UTC), ``code_version``, ``lexicon_version``,
    ``command``, ``settings``, ``lexicon`` (one :func:`evaluate_lexicon` result per gold
    set), ``skipped`` (gold sets not found, with the reason) and ``frames`` (or None).

    Raises
    ------
    ConfigError
        When *corpora* is not a folder, or holds none of the gold sets.
    """
    corpora = Path(corpora)
    if not corpora.is_dir():
        raise ConfigError("gold-set folder not found", where=str(corpora),
                          expected="a folder holding gold_babe_mbic/, gold_basil/, gold_narrative_frames_climate/",
                          found="nothing at this path" if not corpora.exists() else "a file",
                          fix="pass --corpora ../shared/corpora (or wherever the gold sets are)")
    unknown = [s for s in sets or () if s not in GOLD_READERS]
    if unknown:
        raise ConfigError(f"unknown gold set '{unknown[0]}'", expected=", ".join(GOLD_READERS), found=unknown[0],
                          fix="name one of the gold sets listed")
    report = {"generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "code_version": _code_version(), "lexicon_version": lexicon.version, "command": command,
              "settings": {"n_boot": n_boot, "seed": seed, "target_precision": TARGET_PRECISION},
              "lexicon": [], "skipped": [], "frames": None}
    for name in sets or GOLD_READERS:
        if not (corpora / _GOLD_PATHS[name]).exists():
            report["skipped"].append({"name": name, "reason": f"{_GOLD_PATHS[name]} not found"})
            continue
        report["lexicon"].append(evaluate_lexicon(GOLD_READERS[name](corpora), lexicon, n_boot, seed))
    if frames:
        report["frames"] = evaluate_frames_if_available(corpora, n_boot, seed)
    if not report["lexicon"] and not report["frames"]:
        raise ConfigError("no gold set found", where=str(corpora), expected=", ".join(_GOLD_PATHS.values()),
                          found="none of them", fix="pass --corpora ../shared/corpora (or wherever they are)")
    return report


def _num(x: float, digits: int = 2) -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{digits}f}"


def _ci(d: dict) -> str:
    return f"{_num(d['value'])} ({_num(d['low'])}–{_num(d['high'])})"


def _kn(d: dict) -> str:
    return f"{d['k']:,}/{d['n']:,}"


def _lexicon_rows(res: dict) -> list[str]:
    rows = []
    for voice, label in (("outlet", "outlet's own voice"), ("all", "all voices")):
        v = res[voice]
        o, t = v["overlap"], v["token"]
        rows.append(f"| {res['title']} | {label} | {res['n_items']:,} {res['unit']}s | {v['n_gold_spans']:,} | "
                    f"{v['n_hits']:,} | {_ci(o['precision'])} | {_ci(v['precision_strict'])} | "
                    f"{_ci(o['recall'])} | {_ci(o['f1'])} | {v['n_gold_tokens']:,} | {v['n_pred_tokens']:,} | "
                    f"{_ci(t['precision'])} | {_ci(t['recall'])} | {_ci(t['f1'])} |")
    return rows


def render_markdown(report: dict) -> str:
    """docs/validation.md from a :func:`run_evaluation` report (pure)."""
    s = report["settings"]
    out = ["# Validation of framewatch's detectors", "",
           f"Generated {report['generated_at']} by `framewatch evaluate`, framewatch {report['code_version']}, "
           f"lexicon version `{report['lexicon_version']}`. This file and `validation.json` beside it are written "
           "by the command; do not edit them by hand. To reproduce:", "",
           "```", report["command"] or "framewatch evaluate --corpora ../shared/corpora --out docs/validation.md",
           "```", "",
           "Intervals are 95 %: Wilson score intervals for precision and recall (each hit, gold span or article "
           "a trial; hits in one BASIL article are not independent, so those are somewhat narrow), percentile "
           f"bootstrap ({s['n_boot']:,} resamples of whole sentences or articles, seed {s['seed']}) for F1. "
           "The gold sets are described in `../shared/corpora/*/SOURCE.md`; the code is `pipelines/evaluate.py`.", ""]
    if report["skipped"]:
        out += ["Not evaluated: " + "; ".join(f"{x['name']} ({x['reason']})" for x in report["skipped"]) + ".", ""]
    if report["lexicon"]:
        out += _render_lexicon(report)
    out += _render_frames(report.get("frames"))
    return "\n".join(out).rstrip() + "\n"


def _render_lexicon(report: dict) -> list[str]:
    target = report["settings"]["target_precision"]
    out = ["## Loaded wording (built-in lexicon)", "",
           "**What is measured.** The lexicon is run as `framewatch run` runs it (the real matcher, then the voice "
           "of each hit from the quotation and reported-speech rules) on every gold sentence (BABE, MBIC) or "
           "article (BASIL). A *hit* is one lexicon mention. Tokens are the words of the matcher's folded copy "
           "(a hyphenated word is two tokens on both sides).", "",
           "- **Precision (overlap)**: hits that share at least one token with an annotated word or span / all "
           "hits. **Precision (strict)**: hits whose every token is annotated.",
           "- **Recall (overlap)**: annotated words or spans that share a token with a hit / all annotated words "
           "or spans. BABE and MBIC list annotated words without positions: every whole-word occurrence of a "
           "listed word in its sentence is a gold span.",
           "- **F1** = 2PR/(P+R) of the overlap precision and recall. **Token P/R/F1**: predicted tokens against "
           "annotated tokens.",
           "- **Outlet's own voice** counts only hits outside quotations and reported speech, as the dashboard "
           "does by default; **all voices** counts every hit. Recall is always over all gold spans.", "",
           "| gold set | hits counted | items | gold spans | hits | precision (overlap) | precision (strict) | "
           "recall (overlap) | F1 | gold tokens | predicted tokens | token precision | token recall | token F1 |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for res in report["lexicon"]:
        out += _lexicon_rows(res)
    met = [r["title"] for r in report["lexicon"] if r["outlet"]["overlap"]["precision"]["value"] >= target]
    out += ["", f"**Target** (issue 3): precision of at least {target} for built-in loaded-wording hits. "
            + (f"Met on: {', '.join(met)}." if met else "Not met on any gold set.")
            + " Read the precision with its interval and its n: these are US partisan news sentences "
            "and articles (BABE, MBIC: 2017–2020; BASIL: 2010–2019), while the lexicon was written for "
            "international-politics and state-media coverage (KCNA, RT, TASS, Xinhua beside Reuters and BBC).", "",
           "**Why recall is low.** The annotators marked every word they found biased in US domestic news "
           "(\"slammed\", \"radical\", \"illegal aliens\", \"claimed\", \"bizarre\"); the lexicon holds about "
           "350 labels of international-politics framing. Most annotated words are outside its scope, so a "
           "recall of a few per cent is expected and is not a defect the lexicon should be tuned away from: "
           "framewatch counts the listed labels exactly and says which ones (see the Concordance page). "
           "`framewatch lexicon suggest` ranks candidate terms from labelled data for a person to review.", "",
           "**Reading the precision.** A hit off the gold is not always a wrong hit. BABE and MBIC annotators "
           "judged whether a word is biased *in US domestic news*, where \"massacre\" (a mass shooting), "
           "\"regime\" (Iran's, Cuba's) and \"dictator\" (Assad) are the ordinary words, while framewatch counts "
           "them because the choice between \"regime\" and \"government\" is itself a framing choice in coverage "
           "of other states. BASIL marks only wording slanted toward a named entity of the story (each of its "
           "lexical spans names its target), so a loaded word aimed at no one counts as a false positive there; "
           "its precision is a lower bound. The per-term tables below show which terms the gold agrees with.", ""]
    for res in report["lexicon"]:
        out += [f"### {res['title']}", "", f"Source: `{res['source']}`. " + " ".join(res["notes"]), ""]
        out += ["Precision by lexicon category (outlet's own voice; all voices):", "",
                "| category | precision, outlet voice | hits | precision, all voices | hits |", "|---|---|---|---|---|"]
        outlet_cat = {c["category"]: c for c in res["outlet"]["by_category"]}
        for c in res["all"]["by_category"]:
            o = outlet_cat.get(c["category"])
            out.append(f"| {c['category']} | {_ci(o) if o else '–'} | {o['n'] if o else 0:,} | {_ci(c)} | "
                       f"{c['n']:,} |")
        terms = [t for t in res["all"]["terms"] if t["hits"] >= 2][:20]
        if terms:
            out += ["", "Terms with two or more hits (all voices): hits overlapping gold / hits.", "",
                    "| term | category | correct / hits |", "|---|---|---|"]
            out += [f"| {t['term']} | {t['category']} | {t['correct']}/{t['hits']} |" for t in terms]
        out.append("")
    return out


def _render_frames(frames: dict | None) -> list[str]:
    if frames is None:
        return ["## Frames", "", "Not evaluated: frame detection (`pipelines.frames`) is not available in this "
                "version.", ""]
    return render_frames_section(frames)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return None if np.isnan(obj) else round(float(obj), 4)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def write_report(report: dict, out: str | Path) -> tuple[Path, Path]:
    """Write the report as Markdown at *out* and as JSON beside it (same name, ``.json``).

    Returns
    -------
    (markdown path, JSON path)
    """
    md = Path(out)
    md.parent.mkdir(parents=True, exist_ok=True)
    js = md.with_suffix(".json")
    md.write_text(render_markdown(report), encoding="utf-8")
    js.write_text(json.dumps(_jsonable(report), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return md, js


# -- figures for the dashboard -------------------------------------------------------------

VALIDATION_JSON = Path(__file__).resolve().parent.parent / "docs" / "validation.json"
"""Where the dashboard looks for the current figures."""


def read_validation(path: str | Path = VALIDATION_JSON) -> dict | None:
    """The report written by :func:`write_report`, or None when there is none (or it is unreadable)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _fmt(d: dict) -> str:
    return f"{_num(d['value'])} ({_num(d['low'])}–{_num(d['high'])})"


def validation_summary(report: dict | None, measure: str, lexicon_version: str | None = None) -> str:
    """One Markdown paragraph with the current figures for *measure* (``"lexicon"`` or ``"frames"``).

    Empty when *report* is None or holds no figures for *measure*. When *lexicon_version*
    (the store's loaded-wording lexicon, or for ``"frames"`` its frame lexicon,
    :func:`pipelines.frames.frames_version`) differs from the evaluated one, the paragraph
    says so.
    """
    if not report:
        return ""
    date = str(report.get("generated_at", ""))[:10]
    if measure == "lexicon" and report.get("lexicon"):
        lines = [f"- {r['title'].split(' (')[0]} ({r['n_items']:,} {r['unit']}s): precision "
                 f"{_fmt(r['outlet']['overlap']['precision'])} of {r['outlet']['n_hits']:,} outlet-voice hits; "
                 f"recall {_fmt(r['outlet']['overlap']['recall'])} of {r['outlet']['n_gold_spans']:,} annotated "
                 "words or spans" for r in report["lexicon"]]
        text = (f"**Validated** ({date}, lexicon `{report['lexicon_version']}`, docs/validation.md) against human "
                "annotations of biased wording in US news. Precision: share of hits on an annotated word; recall: "
                "share of annotated words found; 95 % Wilson intervals.\n\n" + "\n".join(lines) + "\n\n"
                "Recall is low because most annotated words are outside this lexicon's scope.")
        target = report.get("settings", {}).get("target_precision", TARGET_PRECISION)
        below = [r["title"].split(" (")[0] for r in report["lexicon"]
                 if not r["outlet"]["overlap"]["precision"]["value"] >= target]
        if below:
            text += (f" Precision is below the {target} target on {', '.join(below)}, partly because US news uses "
                     "some listed words (\"regime\", \"massacre\") as ordinary news language.")
        if lexicon_version and lexicon_version != report["lexicon_version"]:
            text += f" This store uses lexicon `{lexicon_version}`, not the one validated."
        return text
    if measure == "frames" and report.get("frames"):
        return frames_summary(report["frames"], date, lexicon_version)
    return ""


# -- frames --------------------------------------------------------------------------------

FRAME_MAP: dict[str, tuple[str | None, str, str]] = {
    "EC": ("economic", "direct", "Economic consequences ↔ Economic: the same frame in both codebooks."),
    "MO": ("morality", "direct", "Moral ↔ Morality: religious or ethical prescriptions in both."),
    "RE": ("policy", "close", "Resolution (a solution or action to address the problem) ↔ Policy prescription "
                              "& evaluation (policies proposed to address an issue and whether they work)."),
    "CO": ("political", "partial", "Conflict (disagreement between parties, individuals or countries) ↔ "
                                   "Political (partisan manoeuvring, political actors in dispute); conflict "
                                   "outside politics (e.g. scientists against sceptics) has no MFC frame."),
    "HI": ("quality_of_life", "partial", "Human interest (a human face, personal stories) ↔ Quality of life "
                                         "(effects on people's lives); human interest is a style of telling "
                                         "rather than a policy dimension, so the match is loose."),
}
"""Gold frame of the Narrative Frames Corpus (Frermann et al. 2023, after Semetko & Valkenburg
2000) -> (our Media Frames Corpus frame key, strength of the match, why). The other MFC frames
(capacity & resources, fairness & equality, legality, crime & punishment, security & defense,
health & safety, cultural identity, public opinion, external regulation & reputation) have no
counterpart among the five gold frames and are not evaluated."""

_FALSE_TYPO = "False)"  # one EC cell in articles_metadata.tsv (documented in its SOURCE.md)


def read_frames_gold(corpora: Path) -> pd.DataFrame:
    """The Narrative Frames Corpus articles and their five binary frame labels.

    Returns
    -------
    DataFrame with ``ID``, ``source``, ``text`` and one column per key of :data:`FRAME_MAP`
    (nullable boolean: ``<NA>`` where the label is missing or unreadable).
    """
    path = _require(Path(corpora) / FRAMES_FILE, "Narrative Frames file")
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    out = frame[["ID", "source", "text"]].copy()
    for key in FRAME_MAP:
        out[key] = pd.array([{"true": True, "false": False, _FALSE_TYPO.lower(): False}.get(v.strip().lower())
                             for v in frame[key]], dtype="boolean")
    return out


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann–Whitney U / (n_pos · n_neg), ties counted half); NaN without both classes."""
    from scipy.stats import rankdata

    labels = np.asarray(labels, dtype=bool)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def frame_metrics(gold: np.ndarray, predicted: np.ndarray, scores: np.ndarray, n_boot: int = N_BOOT,
                  seed: int = SEED) -> dict:
    """Precision, recall, F1 and AUC of binary frame predictions against gold labels, with a baseline.

    Parameters
    ----------
    gold, predicted : bool arrays of shape (n_articles,).
    scores : frame-lexicon tokens per article, shape (n_articles,), for the AUC.

    Returns
    -------
    dict: ``n_articles``, ``n_gold`` (articles labelled with the frame), ``n_predicted``,
    ``precision`` and ``recall`` (Wilson), ``f1`` (bootstrap over articles), ``auc``
    (bootstrap interval), ``baseline_f1``: F1 of predicting the frame for every article,
    2p / (1 + p) with p the prevalence (precision p, recall 1).
    """
    gold = np.asarray(gold, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    tp = gold & predicted
    counts = np.column_stack([tp, predicted, tp, gold]).astype(float)
    p = proportion(int(tp.sum()), int(predicted.sum()))
    r = proportion(int(tp.sum()), int(gold.sum()))
    low, high = bootstrap_f1(counts, n_boot, seed)
    rng = np.random.default_rng(seed)
    aucs = [roc_auc(gold[i], scores[i]) for i in rng.integers(0, len(gold), size=(n_boot, len(gold)))]
    aucs = np.array([a for a in aucs if not np.isnan(a)])
    prevalence = gold.mean() if len(gold) else float("nan")
    return {"n_articles": int(len(gold)), "n_gold": int(gold.sum()), "n_predicted": int(predicted.sum()),
            "precision": p, "recall": r,
            "f1": {"value": f1(p["value"], r["value"]), "low": low, "high": high},
            "auc": {"value": roc_auc(gold, scores),
                    "low": float(np.percentile(aucs, 2.5)) if len(aucs) else float("nan"),
                    "high": float(np.percentile(aucs, 97.5)) if len(aucs) else float("nan")},
            "prevalence": float(prevalence),
            "baseline_f1": float(2 * prevalence / (1 + prevalence)) if len(gold) else float("nan")}


def evaluate_frames(corpora: Path, n_boot: int = N_BOOT, seed: int = SEED) -> dict:
    """Frame detection (:func:`pipelines.frames.score_frame_texts`, built-in frame lexicon,
    every token counted) against the Narrative Frames Corpus, per :data:`FRAME_MAP` row.

    Returns
    -------
    dict: ``source``, ``n_articles``, ``threshold``, ``frames_version`` (the frame lexicon's
    version) and ``frames``: one :func:`frame_metrics` dict per gold frame, with ``gold``,
    ``ours``, ``label``, ``match`` and ``why``.
    """
    from . import frames as fr

    gold = read_frames_gold(corpora)
    lexicon, _ = fr.read_frames_lexicon()
    scores = fr.score_frame_texts(gold["text"].tolist(), lexicon)
    results = []
    for key, (ours, match, why) in FRAME_MAP.items():
        mine = scores[scores["frame"] == ours].set_index("doc").reindex(range(len(gold)))
        known = gold[key].notna().to_numpy()
        m = frame_metrics(gold[key].to_numpy(dtype=bool, na_value=False)[known],
                          mine["uses_frame"].to_numpy(dtype=bool)[known], mine["score"].to_numpy()[known],
                          n_boot, seed)
        results.append({"gold": key, "ours": ours, "label": fr.FRAMES[ours], "match": match, "why": why, **m})
    return {"source": FRAMES_FILE, "n_articles": len(gold), "threshold": fr.FRAME_THRESHOLD,
            "frames_version": fr.frames_version(lexicon), "frames": results}


def evaluate_frames_if_available(corpora: Path, n_boot: int = N_BOOT, seed: int = SEED) -> dict | None:
    """:func:`evaluate_frames`, or None when the gold set is missing."""
    if not (Path(corpora) / FRAMES_FILE).is_file():
        return None
    return evaluate_frames(Path(corpora), n_boot, seed)


_GOLD_NAMES = {"RE": "Resolution", "HI": "Human interest", "CO": "Conflict", "MO": "Moral", "EC": "Economic"}


def render_frames_section(frames: dict) -> list[str]:
    """The frames section of docs/validation.md (Markdown lines)."""
    out = ["## Frames (frame lexicon)", "",
           f"Gold: `{frames['source']}` (Frermann et al. 2023), {frames['n_articles']:,} climate-change articles "
           "from 36 outlets, five binary frames aggregated over annotators (an article whose label for a frame "
           "is missing is left out of that frame's row). Ours: the frame lexicon "
           f"(`{frames['frames_version']}`) scored on each full text with every token counted (no voice), an "
           f"article using a frame at {frames['threshold']} or more frame-lexicon tokens (Field et al. 2018).", "",
           "**Mapping.** The gold frames follow Semetko & Valkenburg (2000); ours are the 15 Media Frames Corpus "
           "frames (Boydstun et al. 2014). Each gold frame is compared with one of ours:", "",
           "| gold frame | our frame | match | why |", "|---|---|---|---|"]
    out += [f"| {_GOLD_NAMES[r['gold']]} ({r['gold']}) | {r['label']} | {r['match']} | {r['why']} |"
            for r in frames["frames"]]
    out += ["", "Our frames with no gold counterpart (not evaluated): capacity & resources, fairness & equality, "
            "legality, crime & punishment, security & defense, health & safety, cultural identity, public opinion, "
            "external regulation & reputation, other.", "",
            "| gold frame → ours | articles | gold yes | predicted yes | precision | recall | F1 | "
            "baseline F1 (always yes) | AUC of the token count |", "|---|---|---|---|---|---|---|---|---|"]
    for r in frames["frames"]:
        out.append(f"| {_GOLD_NAMES[r['gold']]} → {r['label']} | {r['n_articles']:,} | {r['n_gold']:,} | "
                   f"{r['n_predicted']:,} | {_ci(r['precision'])} | {_ci(r['recall'])} | {_ci(r['f1'])} | "
                   f"{_num(r['baseline_f1'])} | {_ci(r['auc'])} |")
    out += ["", "Precision and recall with 95 % Wilson intervals, F1 and AUC with 95 % bootstrap intervals over "
            "articles. The baseline marks every article as using the frame (precision = prevalence, recall 1): "
            "a detector is useful where its F1 is above it. The AUC (0.5 = chance) says how well the token count "
            "ranks articles whatever the threshold.", ""]
    return out


def frames_summary(frames: dict, date: str, frames_version: str | None = None) -> str:
    """The dashboard's summary of the frame figures (Markdown: a sentence and a list); when
    *frames_version* (the store's frame lexicon) is not the validated one, a last sentence says so."""
    lines = [f"- {r['label']} (gold: {_GOLD_NAMES[r['gold']].lower()}, {r['match']} match): precision "
             f"{_fmt(r['precision'])}, recall {_fmt(r['recall'])}, F1 {_num(r['f1']['value'])} (always-yes: "
             f"{_num(r['baseline_f1'])})" for r in frames["frames"]]
    text = (f"**Validated** ({date}, frame lexicon `{frames['frames_version']}`, docs/validation.md) against "
            f"{frames['n_articles']:,} climate-change articles with human frame labels (Frermann et al. 2023), "
            "whole text, every voice; 95 % Wilson intervals. The gold frames only partly match the Media Frames "
            "Corpus frames (see the mapping there).\n\n" + "\n".join(lines))
    if frames_version and frames_version != frames["frames_version"]:
        text += f"\n\nThis store uses frame lexicon `{frames_version}`, not the one validated."
    return text


VALIDATION_COLUMNS = ["measure", "gold_set", "compared", "n_items", "unit", "n_gold", "n_predicted", "precision",
                      "precision_low", "precision_high", "recall", "recall_low", "recall_high", "f1", "f1_low",
                      "f1_high"]
"""Columns of :func:`validation_table`."""


def validation_table(report: dict | None) -> pd.DataFrame:
    """The headline figures of a report, one row per gold set and view (pure).

    Returns
    -------
    DataFrame with :data:`VALIDATION_COLUMNS`: ``measure`` (``loaded wording`` or ``frame``),
    ``gold_set``, ``compared`` (hits counted, or the gold frame against ours), items and their
    ``unit``, ``n_gold`` (gold spans or articles with the frame), ``n_predicted`` (hits or
    articles predicted), and precision, recall (overlap) and F1 with their 95 % bounds.
    Empty (with these columns) for no report.
    """
    rows = []

    def row(measure, gold_set, compared, n_items, unit, n_gold, n_pred, m):
        return {"measure": measure, "gold_set": gold_set, "compared": compared, "n_items": n_items, "unit": unit,
                "n_gold": n_gold, "n_predicted": n_pred,
                **{f"{k}{suffix}": m[k][part] for k in ("precision", "recall", "f1")
                   for suffix, part in (("", "value"), ("_low", "low"), ("_high", "high"))}}

    for r in (report or {}).get("lexicon") or []:
        for voice, label in (("outlet", "outlet-voice hits"), ("all", "hits in all voices")):
            v = r[voice]
            rows.append(row("loaded wording", r["title"], label, r["n_items"], r["unit"] + "s", v["n_gold_spans"],
                            v["n_hits"], v["overlap"]))
    frames = (report or {}).get("frames") or {}
    for f in frames.get("frames", []):
        rows.append(row("frame", "Narrative Frames (climate)", f"{_GOLD_NAMES[f['gold']]} → {f['label']}",
                        f["n_articles"], "articles", f["n_gold"], f["n_predicted"], f))
    return pd.DataFrame(rows, columns=VALIDATION_COLUMNS)


def validation_display(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`validation_table` for reading: items with their unit, each figure as ``0.60 (0.53–0.66)``.

    Returns
    -------
    DataFrame with ``gold_set, compared, items, n_gold, n_predicted, precision, recall, f1`` (items
    and the figures as text); a new frame, *table* is not modified.
    """
    out = table[["gold_set", "compared"]].copy()
    out["items"] = [f"{n:,} {unit}" for n, unit in zip(table["n_items"], table["unit"])]
    out["n_gold"] = table["n_gold"]
    out["n_predicted"] = table["n_predicted"]
    for k in ("precision", "recall", "f1"):
        out[k] = [_fmt({"value": v, "low": lo, "high": hi})
                  for v, lo, hi in zip(table[k], table[f"{k}_low"], table[f"{k}_high"])]
    return out
