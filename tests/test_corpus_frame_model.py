"""The frame model on a real gold set: ``framewatch frames train`` on the climate narrative
frames corpus (Frermann et al. 2023; 428 articles, 5 frames of its own scheme, one true/false
column per frame), run as a real process.

The metrics file must hold sane numbers for every frame, supports that match the gold labels
counted here, and a macro F1 above what text-blind baselines reach on the same labels
(majority class, and scikit-learn's stratified dummy, both cross-validated here). Skipped when
../shared/corpora is absent. Takes about 10-30 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import corpus_dir

pytestmark = pytest.mark.corpus

FRAMEWATCH = Path(sys.executable).with_name("framewatch")
CLIMATE_FRAMES = ["RE", "HI", "CO", "MO", "EC"]


@pytest.fixture(scope="module")
def climate(tmp_path_factory):
    source = corpus_dir("gold_narrative_frames_climate") / "articles_metadata.tsv"
    out = tmp_path_factory.mktemp("climate") / "climate.skops"
    proc = subprocess.run([str(FRAMEWATCH), "frames", "train", str(source), "--out", str(out), "--indicator-columns",
                           ",".join(CLIMATE_FRAMES), "--any-labels", "--folds", "5"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return source, out, proc


def _gold(source: Path) -> pd.DataFrame:
    """The gold labels of the rows whose five frame cells all read True or False."""
    df = pd.read_csv(source, sep="\t", dtype=str, keep_default_na=False)
    ok = df[CLIMATE_FRAMES].apply(lambda c: c.str.strip().str.lower().isin(["true", "false"])).all(axis=1)
    return df.loc[ok & (df["text"].str.strip() != ""), CLIMATE_FRAMES].apply(lambda c: c.str.lower() == "true")


def test_metrics_file_has_every_frame_with_sane_numbers(climate):
    source, out, proc = climate
    metrics = pd.read_csv(out.with_name(out.name + ".metrics.csv"), encoding="utf-8-sig").set_index("frame")
    assert list(metrics.index) == [*CLIMATE_FRAMES, "(micro)", "(macro)"]
    for col in ("precision", "recall", "f1", "baseline_f1"):
        values = metrics[col].dropna()
        assert ((values >= 0) & (values <= 1)).all(), col
    gold = _gold(source)
    assert metrics.loc[CLIMATE_FRAMES, "support"].tolist() == gold.sum().tolist()
    assert (metrics.loc[CLIMATE_FRAMES, "precision_low"] <= metrics.loc[CLIMATE_FRAMES, "precision"]).all()
    card = json.loads(out.with_name(out.name + ".card.json").read_text(encoding="utf-8"))
    assert card["n_articles"] == len(gold) and card["scheme"] == "custom"
    assert card["n_rows_skipped"] == 428 - len(gold)
    assert "5-fold macro F1" in proc.stdout and "Warning: 2 row(s) not used" in proc.stderr


def test_macro_f1_beats_text_blind_baselines(climate):
    from sklearn.dummy import DummyClassifier
    from sklearn.metrics import f1_score
    from sklearn.model_selection import KFold, cross_val_predict

    source, out, _ = climate
    metrics = pd.read_csv(out.with_name(out.name + ".metrics.csv"), encoding="utf-8-sig").set_index("frame")
    Y = _gold(source).to_numpy().astype(int)
    X = np.zeros((len(Y), 1))
    cv = KFold(5, shuffle=True, random_state=0)
    baselines = {}
    for strategy in ("most_frequent", "stratified"):
        f1s = [f1_score(Y[:, j], cross_val_predict(DummyClassifier(strategy=strategy, random_state=0), X, Y[:, j],
                                                   cv=cv), zero_division=0) for j in range(Y.shape[1])]
        baselines[strategy] = float(np.mean(f1s))
    model_f1 = metrics.loc["(macro)", "f1"]
    assert model_f1 > max(baselines.values()), (model_f1, baselines)
    assert metrics.loc["(macro)", "f1"] > metrics.loc["(macro)", "baseline_f1"]
