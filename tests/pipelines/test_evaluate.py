"""Validation (``pipelines.evaluate``): alignment and metrics on tiny hand-made gold sets, the
gold loaders on the real files, and ``framewatch evaluate`` end to end.

Every expected value is worked out by hand in the comments next to it.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.errors import ConfigError
from pipelines.evaluate import (GoldSet, GoldText, VALIDATION_COLUMNS, bootstrap_f1, evaluate_lexicon, f1,
                                frame_metrics, locate_words, proportion, read_babe, read_basil, read_frames_gold,
                                read_mbic, render_markdown, roc_auc, run_evaluation, score_gold, validation_display,
                                validation_summary, validation_table, word_spans)
from pipelines.lexicon import Entry, LexiconMatcher, build_lexicon
from tests.conftest import corpus_dir


def _lexicon():
    lex, _ = build_lexicon([Entry("regime", "delegitimising_label"), Entry("war games", "militarised_language"),
                            Entry("massacre", "victimhood")])
    return lex


# Three gold sentences, each its own item:
#   A  "The regime held war games."  gold: regime, war
#      hits: regime (inside gold: overlap and strict), war games (overlap on 'war', not strict)
#   B  "A massacre was reported, and bizarre claims grew."  gold: bizarre
#      hit: massacre (off the gold)
#   C  '"The regime lies," the minister said.'  gold: none
#      hit: regime inside a quotation (voice 'quoted'): off the gold, and not an outlet-voice hit
A = "The regime held war games."
B = "A massacre was reported, and bizarre claims grew."
C = '"The regime lies," the minister said.'
GOLD = GoldSet(name="tiny", title="Tiny", source="tiny.csv", unit="sentence", texts=[
    GoldText("a", A, ((4, 10), (16, 19))),
    GoldText("b", B, ((29, 36),)),
    GoldText("c", C, ()),
])


def test_word_spans_are_the_matching_copy_words_with_offsets():
    text = "War-games, regime\u2019s"
    assert word_spans(text) == [(0, 3, "war"), (4, 9, "games"), (11, 17, "regime"), (18, 19, "s")]
    assert word_spans("") == []


def test_locate_words_finds_every_whole_word_occurrence_and_counts_the_missing():
    text = "The regime and the Regime's regimen, anti-Americanism."
    spans, missing = locate_words(text, ["regime", "regime", "anti-Americanism", "absent"])
    # 'regime' twice (not inside 'regimen'); the hyphenated word as two folded tokens; 'absent' missing.
    assert spans == [(4, 10), (19, 25), (37, 53)]
    assert missing == 1


def test_gold_spans_in_the_tiny_set_are_the_words_meant():
    assert [A[s:e] for s, e in GOLD.texts[0].spans] == ["regime", "war"]
    assert [B[s:e] for s, e in GOLD.texts[1].spans] == ["bizarre"]


def test_score_gold_counts_every_voice():
    counts, hits = score_gold(GOLD, LexiconMatcher(_lexicon()).fit(), "all")
    by_item = counts.set_index("item")
    # A: 2 hits, both overlap, 1 strict; 2 gold spans, both touched; tokens pred {regime, war, games}, gold
    # {regime, war}, both 2.  B: 1 hit off the gold; 1 gold span not touched; 1 pred token, 1 gold token.
    # C: 1 hit (quoted) off the gold; no gold.
    assert by_item.loc["a"].tolist() == [2, 2, 1, 2, 2, 3, 2, 2]
    assert by_item.loc["b"].tolist() == [1, 0, 0, 1, 0, 1, 1, 0]
    assert by_item.loc["c"].tolist() == [1, 0, 0, 0, 0, 1, 0, 0]
    assert hits["term"].tolist() == ["regime", "war games", "massacre", "regime"]
    assert hits["voice"].tolist() == ["outlet", "outlet", "outlet", "quoted"]
    assert hits["overlap"].tolist() == [True, True, False, False]
    assert hits["strict"].tolist() == [True, False, False, False]


def test_score_gold_outlet_voice_drops_the_quoted_hit_but_keeps_every_gold_span():
    counts, hits = score_gold(GOLD, LexiconMatcher(_lexicon()).fit(), "outlet")
    assert counts["hits"].sum() == 3 and counts["gold"].sum() == 3
    assert "quoted" not in set(hits["voice"])
    with pytest.raises(ValueError, match="voice must be one of"):
        score_gold(GOLD, LexiconMatcher(_lexicon()).fit(), "quoted")


def test_evaluate_lexicon_figures_by_hand():
    res = evaluate_lexicon(GOLD, _lexicon(), n_boot=200)
    every, outlet = res["all"], res["outlet"]
    # All voices: 4 hits, 2 overlap, 1 strict; 3 gold spans, 2 touched.
    assert every["overlap"]["precision"]["value"] == pytest.approx(2 / 4)
    assert every["precision_strict"]["value"] == pytest.approx(1 / 4)
    assert every["overlap"]["recall"]["value"] == pytest.approx(2 / 3)
    # F1 = 2 * 0.5 * 0.6667 / 1.1667 = 0.5714
    assert every["overlap"]["f1"]["value"] == pytest.approx(4 / 7)
    # Tokens: predicted 5 (regime, war, games, massacre, regime), gold 3, both 2: P 0.4, R 0.6667, F1 0.5.
    assert every["token"]["precision"]["value"] == pytest.approx(0.4)
    assert every["token"]["recall"]["value"] == pytest.approx(2 / 3)
    assert every["token"]["f1"]["value"] == pytest.approx(0.5)
    # Outlet voice: 3 hits, 2 overlap: P = R = F1 = 2/3.
    assert outlet["overlap"]["precision"]["value"] == pytest.approx(2 / 3)
    assert outlet["overlap"]["f1"]["value"] == pytest.approx(2 / 3)
    # Per category, all voices: regime 1 of 2, war games 1 of 1, massacre 0 of 1.
    cats = {c["category"]: (c["k"], c["n"]) for c in every["by_category"]}
    assert cats == {"delegitimising_label": (1, 2), "militarised_language": (1, 1), "victimhood": (0, 1)}
    assert every["terms"][0] == {"term": "regime", "category": "delegitimising_label", "hits": 2, "correct": 1}
    assert res["n_items"] == 3 and every["n_hits"] == 4 and every["n_gold_spans"] == 3


def test_proportion_is_k_over_n_with_the_wilson_interval():
    # 8/10, z = 1.96: centre = (0.8 + 1.9208/10) / 1.38415 = 0.71674,
    # half = 1.96 * sqrt(0.016 + 0.0096037) / 1.38415 = 0.22658 -> (0.4902, 0.9433).
    p = proportion(8, 10)
    assert p["value"] == 0.8 and (p["k"], p["n"]) == (8, 10)
    assert p["low"] == pytest.approx(0.4902, abs=1e-4) and p["high"] == pytest.approx(0.9433, abs=1e-4)
    empty = proportion(0, 0)
    assert math.isnan(empty["value"]) and math.isnan(empty["low"])


def test_f1_is_the_harmonic_mean():
    assert f1(0.5, 1.0) == pytest.approx(2 / 3)
    assert f1(0.0, 0.0) == 0.0
    assert math.isnan(f1(float("nan"), 0.5))


def test_bootstrap_f1_of_one_repeated_item_is_that_items_f1_and_is_seeded():
    # One item: every resample is the item itself: P = 2/4, R = 2/3, F1 = 4/7 both ends.
    low, high = bootstrap_f1(np.array([[2, 4, 2, 3]]), n_boot=100, seed=1)
    assert low == pytest.approx(4 / 7) and high == pytest.approx(4 / 7)
    counts = np.array([[1, 1, 1, 2], [0, 2, 0, 1], [3, 3, 3, 3], [0, 1, 1, 4]])
    assert bootstrap_f1(counts, 300, seed=5) == bootstrap_f1(counts, 300, seed=5)
    lo, hi = bootstrap_f1(counts, 300, seed=5)
    assert 0 <= lo < hi <= 1
    assert all(math.isnan(x) for x in bootstrap_f1(np.empty((0, 4))))


def test_frame_metrics_and_baseline_by_hand():
    gold = np.array([True, True, False, False, True])
    predicted = np.array([True, False, True, False, True])
    scores = np.array([5, 1, 3, 0, 4])
    m = frame_metrics(gold, predicted, scores, n_boot=200)
    # TP 2, predicted 3, gold 3: P = R = F1 = 2/3. Prevalence 0.6: always-yes F1 = 1.2 / 1.6 = 0.75.
    assert m["precision"]["value"] == pytest.approx(2 / 3) and m["recall"]["value"] == pytest.approx(2 / 3)
    assert m["f1"]["value"] == pytest.approx(2 / 3)
    assert m["baseline_f1"] == pytest.approx(0.75) and m["prevalence"] == pytest.approx(0.6)
    # AUC: positive scores 5, 1, 4 against negative 3, 0: 5 of the 6 pairs ranked right.
    assert m["auc"]["value"] == pytest.approx(5 / 6)
    assert (m["n_articles"], m["n_gold"], m["n_predicted"]) == (5, 3, 3)


def test_roc_auc_counts_ties_half_and_needs_both_classes():
    assert roc_auc(np.array([True, False]), np.array([1.0, 1.0])) == 0.5
    assert math.isnan(roc_auc(np.array([True, True]), np.array([1.0, 2.0])))


def _tiny_report():
    res = evaluate_lexicon(GOLD, _lexicon(), n_boot=200)
    return {"generated_at": "2026-01-02T03:04:05Z", "code_version": "0.1.0", "lexicon_version": "lex-tiny",
            "command": "framewatch evaluate --corpora gold --out docs/validation.md",
            "settings": {"n_boot": 200, "seed": 1, "target_precision": 0.8}, "lexicon": [res], "skipped": [],
            "frames": None}


def test_render_markdown_holds_the_figures_the_command_and_the_definitions():
    md = render_markdown(_tiny_report())
    assert "framewatch evaluate --corpora gold --out docs/validation.md" in md
    assert "lex-tiny" in md and "2026-01-02T03:04:05Z" in md
    # Outlet voice row: 3 sentences, 3 gold spans, 3 hits, precision 0.67.
    assert "| Tiny | outlet's own voice | 3 sentences | 3 | 3 | 0.67 (" in md
    assert "| Tiny | all voices | 3 sentences | 3 | 4 | 0.50 (" in md
    # ... and, all voices, 3 gold tokens and 5 predicted tokens before the token figures (P 0.40).
    assert "| 3 | 5 | 0.40 (" in md
    assert "Not met on any gold set." in md
    assert "frame detection (`pipelines.frames`) is not available" in md


def test_validation_summary_and_table_for_the_dashboard():
    report = _tiny_report()
    text = validation_summary(report, "lexicon", "lex-other")
    assert text.startswith("**Validated** (2026-01-02, lexicon `lex-tiny`")
    assert "- Tiny (3 sentences): precision 0.67 (" in text and "of 3 outlet-voice hits" in text
    assert "Precision is below the 0.8 target on Tiny" in text
    assert "This store uses lexicon `lex-other`, not the one validated." in text
    assert "not the one validated" not in validation_summary(report, "lexicon", "lex-tiny")
    assert validation_summary(None, "lexicon") == "" and validation_summary(report, "frames") == ""
    table = validation_table(report)
    assert list(table.columns) == VALIDATION_COLUMNS
    assert table["compared"].tolist() == ["outlet-voice hits", "hits in all voices"]
    assert table["precision"].tolist() == pytest.approx([2 / 3, 0.5])
    assert table["n_predicted"].tolist() == [3, 4]
    assert validation_table(None).empty
    shown = validation_display(table)
    assert shown["items"].tolist() == ["3 sentences", "3 sentences"]
    assert shown["precision"][1] == "0.50 (" + f"{table['precision_low'][1]:.2f}–{table['precision_high'][1]:.2f})"
    assert list(table.columns) == VALIDATION_COLUMNS  # the table itself is left as it was


def test_run_evaluation_stops_on_a_folder_with_no_gold_set(tmp_path):
    with pytest.raises(ConfigError, match="no gold set found"):
        run_evaluation(tmp_path, _lexicon())
    with pytest.raises(ConfigError, match="gold-set folder not found"):
        run_evaluation(tmp_path / "absent", _lexicon())
    with pytest.raises(ConfigError, match="unknown gold set 'nope'"):
        run_evaluation(tmp_path, _lexicon(), sets=("nope",))


def _tiny_corpora(root):
    folder = root / "gold_babe_mbic"
    folder.mkdir(parents=True)
    (folder / "final_labels_SG2.csv").write_text(
        "text;news_link;outlet;topic;type;label_bias;label_opinion;biased_words\n"
        "The regime held war games.;u1;X;t;left;Biased;x;['regime', 'war']\n"
        "A massacre was reported, and bizarre claims grew.;u2;X;t;left;Biased;x;['bizarre']\n"
        "Nothing loaded here.;u3;X;t;left;Non-biased;x;[]\n", encoding="utf-8")
    return root


def test_framewatch_evaluate_writes_the_report_and_its_json(tmp_path):
    corpora = _tiny_corpora(tmp_path / "gold")
    out = tmp_path / "docs" / "validation.md"
    result = CliRunner().invoke(main, ["evaluate", "--corpora", str(corpora), "--out", str(out), "--boot", "200"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # Built-in lexicon: 'regime' (on gold), 'massacre' (off); 'war games' is in the lexicon too (overlaps 'war').
    report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    babe = report["lexicon"][0]
    assert babe["name"] == "babe" and babe["n_items"] == 3 and babe["all"]["n_gold_spans"] == 3
    assert babe["all"]["n_hits"] == 3 and babe["all"]["overlap"]["precision"]["k"] == 2
    assert [s["name"] for s in report["skipped"]] == ["mbic", "basil"] and report["frames"] is None
    md = out.read_text(encoding="utf-8")
    assert md.startswith("# Validation of framewatch's detectors")
    assert f"framewatch evaluate --corpora {corpora} --out {out} --boot 200" in md
    assert result.output.strip().endswith(f"wrote {out} and {out.with_suffix('.json')}")


def test_framewatch_evaluate_without_gold_sets_is_an_error(tmp_path):
    result = CliRunner().invoke(main, ["evaluate", "--corpora", str(tmp_path), "--out", str(tmp_path / "v.md")])
    assert result.exit_code == 1
    assert "no gold set found" in result.output and "Fix:" in result.output
    assert not (tmp_path / "v.md").exists()


# -- the real gold files (skipped when ../shared/corpora is absent) --------------------------

@pytest.mark.corpus
def test_babe_loader_reads_every_sentence():
    gold = read_babe(corpus_dir("gold_babe_mbic").parent)
    # SOURCE.md: 3,674 sentences; 1,849 with at least one annotated word.
    assert len(gold.texts) == 3674 and gold.n_items == 3674
    assert sum(bool(t.spans) for t in gold.texts) >= 1840
    assert gold.n_unlocated < 0.01 * gold.n_listed


@pytest.mark.corpus
def test_mbic_loader_reads_every_sentence():
    gold = read_mbic(corpus_dir("gold_babe_mbic").parent)
    assert len(gold.texts) == 1700  # SOURCE.md: 1,700 sentences


@pytest.mark.corpus
def test_basil_loader_places_the_lexical_spans():
    gold = read_basil(corpus_dir("gold_basil").parent)
    # SOURCE.md: 300 articles, 480 lexical spans; offsets locate all but a few spans.
    assert gold.n_items == 300 and gold.n_listed == 480
    assert sum(len(t.spans) for t in gold.texts) + gold.n_unlocated == 480 and gold.n_unlocated <= 3
    some = next(t for t in gold.texts if t.spans)
    assert all(some.text[s:e].strip() for s, e in some.spans)


@pytest.mark.corpus
def test_frames_gold_loader_counts_the_labels():
    gold = read_frames_gold(corpus_dir("gold_narrative_frames_climate").parent)
    # SOURCE.md: 428 articles; RE 191, HI 49, CO 268, MO 44, EC 127 true (the typo 'False)' read as false).
    assert len(gold) == 428
    assert {k: int(gold[k].sum()) for k in ("RE", "HI", "CO", "MO", "EC")} == {
        "RE": 191, "HI": 49, "CO": 268, "MO": 44, "EC": 127}
    assert int((gold["EC"] == False).sum()) == 300  # noqa: E712  (299 'False' and the 'False)' typo)


@pytest.mark.corpus
def test_evaluate_on_the_real_gold_sets(tmp_path):
    corpora = corpus_dir("gold_babe_mbic").parent
    out = tmp_path / "validation.md"
    result = CliRunner().invoke(main, ["evaluate", "--corpora", str(corpora), "--out", str(out), "--boot", "200"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert [r["name"] for r in report["lexicon"]] == ["babe", "mbic", "basil"]
    for r in report["lexicon"]:
        o = r["all"]["overlap"]
        assert r["all"]["n_hits"] > 30 and o["precision"]["low"] < o["precision"]["value"] < o["precision"]["high"]
        assert r["outlet"]["n_hits"] <= r["all"]["n_hits"]
    assert {f["gold"] for f in report["frames"]["frames"]} == {"EC", "MO", "RE", "CO", "HI"}
    assert "## Frames (frame lexicon)" in out.read_text(encoding="utf-8")
