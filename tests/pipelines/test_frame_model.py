"""The supervised frame model: reading labelled articles, cross-validated metrics, saving with
skops (and refusing untrusted files), and writing ``model`` rows into ``article_frames``.

The labelled set :data:`SEPARABLE` is built so that each frame is perfectly separable: an
article uses ``economic`` exactly when it says "tariffs budget", ``security_defense`` exactly
when it says "troops missiles", and ``other`` exactly when it says neither (then "festival
poetry"), so cross-validated precision, recall and F1 are 1 by construction.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import duckdb
import hypothesis
import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.errors import ConfigError
from pipelines.frame_model import (FRAMES, METRIC_COLUMNS, MODEL_FORMAT, apply_frame_model,
                                   frame_key, frame_metrics, indicator_matrix, iterative_folds,
                                   latest_model_card, load_frame_model, min_examples,
                                   read_labelled, save_frame_model, sidecar_paths, train_frame_model)
from pipelines.run import run_pipeline

FILLER = ["the ministry said on monday", "officials spoke to reporters", "a statement was issued today",
          "the agency reported in the morning", "a spokesman told the press"]
GROUPS = [("tariffs budget", "Economic"), ("troops missiles", "security & defense"),
          ("tariffs budget troops missiles", "economic; Security_Defense"), ("festival poetry", "other")]


def _separable_rows(per_group: int = 15) -> list[dict]:
    rows = []
    for words, label in GROUPS:
        for i in range(per_group):
            rows.append({"title": f"Report {len(rows) + 1}", "text": f"{FILLER[i % 5]} {words} number{i}",
                         "frames": label})
    return rows


SEPARABLE = _separable_rows()
"""60 articles: 15 economic, 15 security_defense, 15 both, 15 other (calibration on fewer
articles is honestly unsure, and its probabilities may not cross 0.5)."""


def _write(tmp_path: Path, rows: list[dict], name: str = "labelled.csv") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def separable(tmp_path_factory) -> Path:
    return _write(tmp_path_factory.mktemp("labelled"), SEPARABLE)


@pytest.fixture(scope="module")
def trained(separable):
    return train_frame_model(read_labelled(separable), folds=5)


# --------------------------------------------------------------------------- reading labels

@pytest.mark.parametrize("label, key", [
    ("Economic", "economic"), ("ECONOMIC", "economic"), ("security_defense", "security_defense"),
    ("Security & Defence", "security_defense"), ("security and defense", "security_defense"),
    ("Legality, constitutionality & jurisprudence", "legality"), ("Policy prescription & evaluation", "policy"),
    ("Quality of life", "quality_of_life"), ("External regulation & reputation", "external_regulation"),
    ("7", "crime_punishment"), ("15.0", "other"), (" Public   Opinion ", "public_opinion"),
    ("conflict", None), ("econ", None), ("16", None),
])
def test_frame_key_reads_keys_labels_codes_and_common_spellings(label, key):
    assert frame_key(label) == key


def test_every_frame_is_reached_by_its_key_and_its_label():
    assert {frame_key(k) for k in FRAMES} == set(FRAMES)
    assert {frame_key(v) for v in FRAMES.values()} == set(FRAMES)


def test_label_cells_split_on_semicolon_and_bar_title_joins_text_and_unusable_rows_are_listed(tmp_path):
    path = _write(tmp_path, [
        {"title": "Tariffs rise", "text": "Budget talks.", "frames": "Economic; Security & defense"},
        {"title": "", "text": "Troops moved.", "frames": "security_defense|economic|Economic"},
        {"title": "", "text": "", "frames": "economic"},
        {"title": "Festival", "text": "Poetry.", "frames": "  "},
        {"title": "Court", "text": "A ruling.", "frames": "legality"},
    ])
    data = read_labelled(path)
    assert data.texts == ["Tariffs rise\n\nBudget talks.", "Troops moved.", "Court\n\nA ruling."]
    assert data.labels == [("economic", "security_defense"), ("security_defense", "economic"), ("legality",)]
    assert data.frames == ["economic", "legality", "security_defense"]  # FRAMES order
    assert data.rows == [1, 2, 5]
    assert data.skipped == [(3, "no text in column 'text'"), (4, "no frame in column 'frames' (unlabelled)")]
    assert data.scheme == "mfc" and data.text_columns == ["title", "text"] and len(data.sha256) == 64


def test_an_unknown_frame_stops_with_file_row_column_expected_found_and_fix(tmp_path):
    path = _write(tmp_path, [{"text": "a", "frames": "economic"}, {"text": "b", "frames": "economic;Conflict"}])
    with pytest.raises(ConfigError) as err:
        read_labelled(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}, row 2, column 'frames': unknown frame 'Conflict'; expected one of the 15 "
                          "Media Frames Corpus frames")
    assert "found 'Conflict'" in msg and msg.endswith("pass --any-labels to train on your own frame scheme")


@pytest.mark.parametrize("rows, kwargs, what", [
    ([{"body": "a", "frames": "economic"}], {}, "no column 'text'; expected a header with the column 'text' "
                                                "(named by --text-column); found columns ['body', 'frames']"),
    ([{"text": "a", "label": "economic"}], {}, "no column 'frames'"),
    ([{"text": "a", "RE": "true"}], {"indicator_columns": ["RE", "CO"], "any_labels": True}, "no column 'CO'"),
    ([{"text": "a", "frames": "economic"}], {"title_column": "headline"}, "no column 'headline'"),
    ([{"text": "", "frames": "economic"}, {"text": "b", "frames": ""}], {}, "no labelled article in the file"),
])
def test_bad_files_stop_with_a_config_error(tmp_path, rows, kwargs, what):
    with pytest.raises(ConfigError, match="Fix: ") as err:
        read_labelled(_write(tmp_path, rows), **kwargs)
    assert what in str(err.value)


def test_an_empty_file_stops(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("text,frames\n")
    for name in ("empty.csv", "header.csv"):
        with pytest.raises(ConfigError, match="the labelled file is empty"):
            read_labelled(tmp_path / name)


def test_any_labels_keeps_the_users_names_and_merges_case(tmp_path):
    path = _write(tmp_path, [{"text": "a", "frames": "Conflict; Human interest"},
                             {"text": "b", "frames": "conflict|Economic"}])
    data = read_labelled(path, any_labels=True)
    assert data.scheme == "custom"
    assert data.labels == [("Conflict", "Human interest"), ("Conflict", "Economic")]
    assert data.frames == ["Conflict", "Human interest", "Economic"]


def test_indicator_columns_read_true_false_and_skip_rows_they_cannot_read(tmp_path):
    path = tmp_path / "gold.tsv"
    path.write_text("ID\ttext\tRE\tCO\n1\tone\tTrue\tFalse\n2\ttwo\t0\tyes\n3\tthree\tFalse)\tTrue\n"
                    "4\tfour\t\tTrue\n5\tfive\tfalse\tno\n", encoding="utf-8")
    data = read_labelled(path, indicator_columns=["RE", "CO"], any_labels=True)
    assert data.labels == [("RE",), ("CO",), ()]
    assert data.rows == [1, 2, 5]
    assert data.skipped == [(3, "column 'RE' holds 'False)', not true/false"), (4, "no value in column 'RE'")]
    assert data.frames == ["RE", "CO"] and data.label_columns == ["RE", "CO"]


def test_indicator_column_names_must_be_frames_without_any_labels(tmp_path):
    path = _write(tmp_path, [{"text": "a", "RE": "true"}])
    with pytest.raises(ConfigError, match=r"header, column 'RE': unknown frame 'RE'"):
        read_labelled(path, indicator_columns=["RE"])


def test_jsonl_lists_of_frames_are_read(tmp_path):
    path = tmp_path / "labelled.jsonl"
    path.write_text('{"text": "a", "frames": ["Economic", "Political"]}\n{"text": "b", "frames": "other"}\n')
    assert read_labelled(path).labels == [("economic", "political"), ("other",)]


# --------------------------------------------------------------------------- metrics

def test_metrics_worked_by_hand():
    # 4 articles, frames A and B.  A: labels 1,1,0,0  predicted 1,0,1,0 -> tp 1, P 1/2, R 1/2, F1 1/2.
    # B: labels 1,0,0,0  predicted 1,1,0,0 -> tp 1, P 1/2, R 1, F1 2/3.
    Y = np.array([[1, 1], [1, 0], [0, 0], [0, 0]])
    pred = np.array([[1, 1], [0, 1], [1, 0], [0, 0]])
    m = frame_metrics(Y, pred, ["A", "B"]).set_index("frame")
    assert list(m.reset_index().columns) == METRIC_COLUMNS
    assert m.loc["A", ["support", "predicted"]].tolist() == [2, 2]
    assert m.loc["A", ["precision", "recall", "f1"]].tolist() == pytest.approx([0.5, 0.5, 0.5])
    assert m.loc["B", ["precision", "recall", "f1"]].tolist() == pytest.approx([0.5, 1.0, 2 / 3])
    # Labelling every article: A on 2 of 4 (p = 1/2) -> 2p/(1+p) = 2/3; B on 1 of 4 -> 2/5.
    assert m.loc["A", "baseline_f1"] == pytest.approx(2 / 3) and m.loc["B", "baseline_f1"] == pytest.approx(0.4)
    # Micro: tp 2 of 4 predicted and 3 labelled -> P 1/2, R 2/3, F1 4/7.  Macro: means.
    assert m.loc["(micro)", ["precision", "recall", "f1"]].tolist() == pytest.approx([0.5, 2 / 3, 4 / 7])
    assert m.loc["(macro)", ["precision", "recall", "f1"]].tolist() == pytest.approx([0.5, 0.75, 7 / 12])
    assert m.loc["(macro)", "baseline_f1"] == pytest.approx((2 / 3 + 0.4) / 2)
    assert m.loc["A", "precision_low"] < 0.5 < m.loc["A", "precision_high"]
    assert np.isnan(m.loc["(macro)", "precision_low"])


def test_iterative_folds_spread_every_frame_evenly():
    # 60 articles: A on 30, B on 30 (15 with both), C on 15 (with neither A nor B), D on 7 of the A-only.
    Y = indicator_matrix([tuple(s.split("+")) for s in ["A"] * 15 + ["B"] * 15 + ["A+B"] * 15 + ["C"] * 15], "ABC")
    Y = np.column_stack([Y, np.isin(np.arange(60), [0, 2, 4, 6, 8, 10, 12]).astype(int)])
    fold = iterative_folds(Y, 5, seed=3)
    # Frames first, sizes second (the algorithm's order): every frame exactly spread, sizes 12 within 2.
    assert np.bincount(fold, minlength=5).sum() == 60 and (abs(np.bincount(fold, minlength=5) - 12) <= 2).all()
    per_fold = np.array([Y[fold == j].sum(axis=0) for j in range(5)])  # (folds, frames)
    assert per_fold[:, :3].tolist() == [[6, 6, 3]] * 5
    assert sorted(per_fold[:, 3]) == [1, 1, 1, 2, 2]
    np.testing.assert_array_equal(iterative_folds(Y, 5, seed=3), fold)


@hypothesis.given(st.lists(st.booleans(), min_size=2, max_size=80), st.integers(2, 6), st.integers(0, 99))
@hypothesis.settings(max_examples=80, deadline=None)
def test_iterative_folds_balance_one_frame_and_the_sizes_within_one(labels, folds, seed):
    # With one frame, its articles go round the folds first, then the others fill the smallest folds.
    Y = np.array(labels, dtype=int)[:, None]
    fold = iterative_folds(Y, folds, seed)
    assert set(fold) <= set(range(folds)) and len(fold) == len(Y)
    with_frame, size = np.bincount(fold[Y[:, 0] == 1], minlength=folds), np.bincount(fold, minlength=folds)
    assert with_frame.max() - with_frame.min() <= 1 and size.max() - size.min() <= 1


def test_a_frame_thin_in_some_training_part_is_named():
    from pipelines.frame_model import _thin_in_training

    Y = np.array([[1, 1], [1, 0], [1, 1], [1, 0], [0, 1], [0, 0], [0, 1], [0, 0], [1, 1], [0, 0]])
    splits = [(np.arange(5, 10), np.arange(0, 5)), (np.arange(0, 5), np.arange(5, 10))]
    # Frame A: the first training part (rows 5-9) holds 1 article with it; B holds 2 with and 3 without in each.
    assert _thin_in_training(Y, ["A", "B"], splits, 2) == {
        "A": "a training part of the 2-fold split holds only 1 article(s) with it; calibration needs 2"}
    assert _thin_in_training(Y, ["A", "B"], splits, 3) == {
        "A": "a training part of the 2-fold split holds only 1 article(s) with it; calibration needs 3",
        "B": "a training part of the 2-fold split holds only 2 article(s) with it; calibration needs 3"}


@pytest.mark.parametrize("folds, need", [(2, 7), (3, 6), (5, 5), (10, 10)])
def test_min_examples_leave_three_per_calibration_fold(folds, need):
    assert min_examples(folds) == need


# --------------------------------------------------------------------------- training

def test_perfectly_separable_frames_score_one(trained):
    m = trained.metrics.set_index("frame")
    assert list(m.index) == ["economic", "security_defense", "other", "(micro)", "(macro)"]
    assert m["f1"].tolist() == pytest.approx([1.0] * 5)
    assert m.loc["economic", ["support", "predicted"]].tolist() == [30, 30]
    assert m.loc["other", ["support", "predicted"]].tolist() == [15, 15]
    # economic on 30 of 60 articles: labelling all of them gives 2 * 0.5 / 1.5.
    assert m.loc["economic", "baseline_f1"] == pytest.approx(2 / 3)
    assert trained.skipped_frames == {} and trained.warnings == []


def test_the_final_model_separates_new_articles(trained):
    proba = trained.model.predict_proba(["the council met tariffs budget", "troops missiles on the border",
                                         "festival poetry in the park"])
    assert trained.model.frames_ == ["economic", "security_defense", "other"]
    assert (proba >= 0.5).tolist() == [[True, False, False], [False, True, False], [False, False, True]]


def test_the_card_says_what_the_model_was_trained_on(trained, separable):
    card = trained.card
    assert card["format"] == MODEL_FORMAT and card["scheme"] == "mfc"
    assert card["training_file"] == "labelled.csv" and len(card["training_file_sha256"]) == 64
    assert card["n_articles"] == 60 and card["n_rows_skipped"] == 0
    assert card["label_counts"] == {"economic": 30, "security_defense": 30, "other": 15}
    assert card["threshold"] == 0.5 and card["cross_validation"]["folds"] == 5
    assert card["cross_validation"]["macro_f1"] == 1.0
    assert {"framewatch", "scikit-learn", "skops", "numpy", "scipy"} <= set(card["versions"])
    json.dumps(card)  # the card is plain JSON


def test_a_frame_too_rare_for_the_folds_is_left_out_and_said_so(tmp_path):
    rows = [dict(r) for r in SEPARABLE]
    for r in rows[:3]:
        r["frames"] += ";morality"
    trained = train_frame_model(read_labelled(_write(tmp_path, rows)), folds=5)
    assert trained.skipped_frames == {
        "morality": "3 labelled articles; 5-fold cross-validation with calibration needs at least 5"}
    assert "morality" not in trained.model.frames_ and "morality" not in set(trained.metrics["frame"])
    assert trained.warnings == ["frame 'morality' left out of the model: 3 labelled articles; 5-fold "
                                "cross-validation with calibration needs at least 5"]
    assert trained.card["frames_skipped"] == trained.skipped_frames
    assert trained.card["label_counts"]["morality"] == 3


def test_no_frame_with_enough_articles_stops(tmp_path):
    data = read_labelled(_write(tmp_path, SEPARABLE[:8]))  # 8 economic articles, none without it
    with pytest.raises(ConfigError, match="no frame has enough labelled articles") as err:
        train_frame_model(data, folds=5)
    assert "found economic: only 0 articles without it; 5-fold cross-validation with calibration needs at " \
           "least 5. Fix: label more articles, or use fewer --folds" in str(err.value)


@pytest.mark.parametrize("folds", [1, 61])
def test_folds_outside_two_to_n_stop(separable, folds):
    with pytest.raises(ConfigError, match=r"--folds: the number of cross-validation folds"):
        train_frame_model(read_labelled(separable), folds=folds)


def test_the_same_file_gives_the_same_metrics(separable, trained):
    again = train_frame_model(read_labelled(separable), folds=5)
    np.testing.assert_array_equal(again.probabilities, trained.probabilities)


# --------------------------------------------------------------------------- saving and loading

def test_save_and_load_round_trip(trained, tmp_path):
    out = tmp_path / "models" / "frames.skops"
    paths = save_frame_model(trained, out)
    metrics_path, card_path = sidecar_paths(out)
    assert paths == [out, metrics_path, card_path]
    assert metrics_path.name == "frames.skops.metrics.csv" and card_path.name == "frames.skops.card.json"
    model, card = load_frame_model(out)
    texts = ["tariffs budget", "troops missiles", "festival poetry"]
    np.testing.assert_allclose(model.predict_proba(texts), trained.model.predict_proba(texts))
    assert model.frames_ == trained.model.frames_ and model.threshold == 0.5
    assert card == json.loads(card_path.read_text(encoding="utf-8")) == trained.card
    saved = pd.read_csv(metrics_path, encoding="utf-8-sig")
    assert list(saved.columns) == METRIC_COLUMNS and saved["f1"].tolist() == pytest.approx([1.0] * 5)
    assert not list(out.parent.glob("*.tmp-*"))


def test_a_file_naming_an_untrusted_type_is_refused(trained, tmp_path):
    import skops.io as sio
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    evil = tmp_path / "evil.skops"
    payload = {"format": MODEL_FORMAT, "frames": ["economic"], "threshold": 0.5, "card": "{}",
               "pipeline": make_pipeline(FunctionTransformer(os.system), trained.model.pipeline_)}
    sio.dump(payload, evil)
    assert any(t.endswith(".system") for t in sio.get_untrusted_types(file=evil))
    with pytest.raises(ConfigError, match=r"names types that could run code when loaded, so it was not loaded; "
                                          r"expected only scikit-learn, NumPy and SciPy types; found \w+\.system"):
        load_frame_model(evil)


def test_pickle_files_and_other_skops_files_are_refused(tmp_path):
    import skops.io as sio

    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps({"format": MODEL_FORMAT}))
    with pytest.raises(ConfigError, match="not a skops model file.*never loads pickle"):
        load_frame_model(pickled)
    other = tmp_path / "other.skops"
    sio.dump({"weights": [1, 2]}, other)
    with pytest.raises(ConfigError, match="not a framewatch frame model"):
        load_frame_model(other)
    with pytest.raises(ConfigError, match="no frame model at this path"):
        load_frame_model(tmp_path / "missing.skops")


# --------------------------------------------------------------------------- applying to a store

STORE_ARTICLES = [
    ("S1", "Alpha", "2026-01-05", "Tariffs", "the council said tariffs budget would rise"),
    ("S2", "Alpha", "2026-01-06", "Border", "troops missiles moved to the border"),
    ("S3", "Beta", "2026-01-07", "Weekend", "festival poetry filled the square"),
]


@pytest.fixture
def store(tmp_path) -> Path:
    corpus = tmp_path / "articles.csv"
    pd.DataFrame(STORE_ARTICLES, columns=["id", "outlet", "published", "title", "text"]).to_csv(corpus, index=False)
    path = tmp_path / "store.duckdb"
    run_pipeline(path, [corpus], fresh=True)
    return path


def _rows(store: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_apply_writes_one_model_row_per_article_and_frame_and_replaces_them(trained, tmp_path, store):
    model_path = save_frame_model(trained, tmp_path / "frames.skops")[0]
    n_lexicon = _rows(store, "SELECT count(*) FROM article_frames WHERE method = 'lexicon'")[0][0]
    first = apply_frame_model(store, model_path)
    second = apply_frame_model(store, model_path)
    assert first.n_articles == second.n_articles == 3 and second.n_rows == 9
    assert second.uses == {"economic": 1, "security_defense": 1, "other": 1}
    rows = _rows(store, "SELECT a.source_id, f.frame, f.score, f.uses_frame FROM article_frames f "
                        "JOIN articles a USING (article_id) WHERE f.method = 'model' ORDER BY 1, 2")
    assert len(rows) == 9
    used = {(sid, frame) for sid, frame, _, uses in rows if uses}
    assert used == {("S1", "economic"), ("S2", "security_defense"), ("S3", "other")}
    assert all((score >= 0.5) == uses and 0 <= score <= 1 for _, _, score, uses in rows)
    assert _rows(store, "SELECT count(*) FROM article_frames WHERE method = 'lexicon'")[0][0] == n_lexicon
    runs = _rows(store, "SELECT stage, n_input, settings FROM runs WHERE stage = 'frames apply'")
    assert len(runs) == 2 and runs[0][1] == 3
    settings = json.loads(runs[0][2])
    assert settings["card"]["frames"] == ["economic", "security_defense", "other"] and len(settings["model_sha256"]) == 64
    con = duckdb.connect(str(store), read_only=True)
    try:
        assert latest_model_card(con)["n_articles"] == 60
    finally:
        con.close()


def test_apply_in_chunks_gives_the_same_rows(trained, tmp_path, store):
    model_path = save_frame_model(trained, tmp_path / "frames.skops")[0]
    sql = "SELECT article_id, frame, score, uses_frame FROM article_frames WHERE method = 'model' ORDER BY 1, 2"
    whole = apply_frame_model(store, model_path)
    rows = _rows(store, sql)
    chunked = apply_frame_model(store, model_path, chunk=2)  # 3 articles: chunks of 2 and 1
    assert (chunked.n_rows, chunked.uses) == (whole.n_rows, whole.uses)
    assert [r[:2] + (round(r[2], 12), r[3]) for r in _rows(store, sql)] == [r[:2] + (round(r[2], 12), r[3])
                                                                          for r in rows]


def test_a_custom_scheme_model_writes_a_file_not_the_store(tmp_path, store):
    rows = [dict(r, frames=r["frames"].replace("security & defense", "Conflict")) for r in SEPARABLE]
    trained = train_frame_model(read_labelled(_write(tmp_path, rows), any_labels=True), folds=5)
    assert trained.model.frames_[:2] == ["Economic", "Conflict"]
    model_path = save_frame_model(trained, tmp_path / "custom.skops")[0]
    with pytest.raises(ConfigError, match="pass --out predictions.csv"):
        apply_frame_model(store, model_path)
    out = tmp_path / "predictions.csv"
    summary = apply_frame_model(store, model_path, out=out)
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert list(table.columns) == ["article_id", "outlet", "day", "frame", "method", "score", "uses_frame"]
    assert len(table) == summary.n_rows == 3 * len(trained.model.frames_)
    assert _rows(store, "SELECT count(*) FROM article_frames WHERE method = 'model'")[0][0] == 0


# --------------------------------------------------------------------------- command line

def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_cli_train_prints_the_table_and_writes_three_files(separable, tmp_path, store):
    out = tmp_path / "m" / "frames.skops"
    result = _invoke("frames", "train", separable, "--out", out, "--folds", "5")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["frame", "support", "predicted", "precision", "recall", "f1", "baseline_f1"]
    assert lines[1].split() == ["economic", "30", "30", "1.000", "1.000", "1.000", "0.667"]
    # Baseline macro F1: economic and security_defense on 1/2 of the articles (2/3), other on 1/4 (2/5).
    assert lines[-1].startswith("trained on 60 articles, 3 frames, 5-fold macro F1 1.000 (labelling every article: "
                                "0.578); wrote ")
    assert all(p.exists() for p in (out, *sidecar_paths(out)))
    applied = _invoke("frames", "apply", "--model", out, "--store", store)
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.startswith("applied the frame model to 3 articles: 9 rows (article_frames in store.duckdb)")


def test_cli_stops_on_bad_input_with_the_message(tmp_path):
    path = _write(tmp_path, [{"text": "a", "frames": "Conflict"}])
    result = _invoke("frames", "train", path, "--out", tmp_path / "x.skops")
    assert result.exit_code == 1
    assert "Error: " in result.stderr and "unknown frame 'Conflict'" in result.stderr
    assert not (tmp_path / "x.skops").exists()


def test_the_method_note_states_the_threshold_and_the_minimum_of_the_code():
    from dashboard.notes import ALL_NOTES, FRAMES_MODEL
    from pipelines.frame_model import DEFAULT_FOLDS, THRESHOLD

    assert FRAMES_MODEL in ALL_NOTES
    assert f"calibrated probability is at least {THRESHOLD}" in FRAMES_MODEL
    assert f"fewer than {min_examples(DEFAULT_FOLDS)} labelled articles (at {DEFAULT_FOLDS} folds)" in FRAMES_MODEL


# --------------------------------------------------------------------------- articles added after `frames apply`

NEW_ARTICLES = [
    ("S4", "Beta", "2026-01-08", "Budget", "parliament debated tariffs budget again"),
    ("S5", "Alpha", "2026-01-09", "Drills", "troops missiles were seen near the coast"),
]
MODEL_ROWS = ("SELECT a.source_id, f.article_id, f.frame, f.score, f.uses_frame FROM article_frames f "
              "JOIN articles a USING (article_id) WHERE f.method = 'model' ORDER BY 1, 3")


def _add_articles(tmp_path: Path, store: Path, rows=NEW_ARTICLES):
    corpus = tmp_path / "new_articles.csv"
    pd.DataFrame(rows, columns=["id", "outlet", "published", "title", "text"]).to_csv(corpus, index=False)
    return run_pipeline(store, [corpus])


def test_articles_added_by_a_run_get_the_rows_a_full_apply_gives_them(trained, tmp_path, store, monkeypatch):
    (tmp_path / "m").mkdir()
    save_frame_model(trained, tmp_path / "m" / "frames.skops")
    monkeypatch.chdir(tmp_path)
    apply_frame_model(store, Path("m") / "frames.skops")  # a relative path, as a user types it
    before = _rows(store, MODEL_ROWS)
    monkeypatch.chdir(tmp_path / "m")                    # the next run starts elsewhere
    summary = _add_articles(tmp_path, store)
    assert summary.n_model_articles == 2 and not summary.warnings
    assert "frame model applied to 2 new articles" in summary.line()
    kept = _rows(store, MODEL_ROWS)
    assert len(kept) == 5 * 3 and set(before) <= set(kept)                # the old rows are untouched
    assert {(sid, f) for sid, _, f, _, uses in kept if uses and sid in ("S4", "S5")} == {
        ("S4", "economic"), ("S5", "security_defense")}
    monkeypatch.chdir(tmp_path)
    full = apply_frame_model(store, Path("m") / "frames.skops")
    assert full.n_articles == 5
    assert _rows(store, MODEL_ROWS) == kept                               # exactly what a full apply writes
    # Nothing new: the next run applies the model to nothing.
    assert _add_articles(tmp_path, store).n_model_articles == 0
    assert len(_rows(store, MODEL_ROWS)) == 15


def test_a_rescore_of_every_article_keeps_the_model_rows_and_fills_the_new_ones(trained, tmp_path, store):
    from pipelines.run import ScoreOptions, run_ingest, run_score

    model_path = save_frame_model(trained, tmp_path / "frames.skops")[0]
    apply_frame_model(store, model_path)
    corpus = tmp_path / "more.csv"
    pd.DataFrame(NEW_ARTICLES, columns=["id", "outlet", "published", "title", "text"]).to_csv(corpus, index=False)
    run_ingest(store, [corpus])
    assert len(_rows(store, MODEL_ROWS)) == 9                            # ingest alone scores nothing
    extra = tmp_path / "extra.csv"
    extra.write_text("term,category\nparliament,test\n")
    summary = run_score(store, ScoreOptions(extra_lexicons=[extra]))
    assert summary.n_articles == 5 and summary.n_model_articles == 2
    assert len(_rows(store, MODEL_ROWS)) == 15


def test_a_model_file_gone_or_changed_keeps_the_rows_and_says_how_many_articles_they_cover(trained, tmp_path, store):
    model_path = save_frame_model(trained, tmp_path / "frames.skops")[0]
    apply_frame_model(store, model_path)
    before = _rows(store, MODEL_ROWS)
    model_path.write_bytes(model_path.read_bytes() + b"\0")            # another file under the same name
    changed = _add_articles(tmp_path, store, NEW_ARTICLES[:1])
    assert changed.n_model_articles == 0
    assert changed.warnings == [f"model rows cover 3 of 4 articles (the model file {model_path} has changed since "
                                f"it wrote them); run `framewatch frames apply --model {model_path} --store PATH` "
                                "to score the rest"]
    model_path.unlink()
    gone = _add_articles(tmp_path, store, NEW_ARTICLES[1:])
    assert gone.n_model_articles == 0
    assert gone.warnings == [f"model rows cover 3 of 5 articles (the model file {model_path} is not found); run "
                             f"`framewatch frames apply --model {model_path} --store PATH` to score the rest"]
    assert _rows(store, MODEL_ROWS) == before
    runs = _rows(store, "SELECT warnings FROM runs WHERE stage = 'run' ORDER BY started_at DESC LIMIT 1")
    assert "model rows cover 3 of 5 articles" in runs[0][0]
    con = duckdb.connect(str(store), read_only=True)
    try:
        assert latest_model_card(con)["coverage"] == [3, 5]
    finally:
        con.close()


def test_a_store_without_model_rows_gets_none(tmp_path, store):
    summary = _add_articles(tmp_path, store)
    assert summary.n_model_articles == 0 and not summary.warnings
    assert _rows(store, "SELECT count(*) FROM article_frames WHERE method = 'model'") == [(0,)]


def test_apply_to_new_articles_counts_what_it_scored_and_what_the_rows_cover(trained, tmp_path, store):
    from pipelines.frame_model import ModelCoverage, apply_to_new_articles
    from pipelines.run import run_ingest
    from pipelines.storage import writing

    def apply_new() -> ModelCoverage | None:
        with writing(store) as con:
            return apply_to_new_articles(con)

    def ingest(rows) -> None:                                            # ingest only: no scoring, no model rows
        corpus = tmp_path / "ingest.csv"
        pd.DataFrame(rows, columns=["id", "outlet", "published", "title", "text"]).to_csv(corpus, index=False)
        run_ingest(store, [corpus])

    assert apply_new() is None                                            # no model rows: nothing to keep in step
    model_path = save_frame_model(trained, tmp_path / "frames.skops")[0]
    apply_frame_model(store, model_path)
    assert apply_new() == ModelCoverage(0, 3, 3)
    ingest(NEW_ARTICLES)
    assert apply_new() == ModelCoverage(2, 5, 5)
    assert len(_rows(store, MODEL_ROWS)) == 5 * 3
    assert apply_new() == ModelCoverage(0, 5, 5)
    model_path.unlink()
    ingest([("S6", "Beta", "2026-01-10", "Talks", "ministers met for talks on the budget")])
    gone = apply_new()
    assert (gone.n_scored, gone.n_covered, gone.n_articles) == (0, 5, 6)
    assert gone.warning.startswith("model rows cover 5 of 6 articles (the model file ")
