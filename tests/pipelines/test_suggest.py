"""``framewatch lexicon suggest``: candidate terms ranked by the log-odds of being annotated.

The four-sentence labelled set below is worked out by hand (Monroe et al. 2008, eqs. 16-22,
prior α_w = the word's count over the whole set):

    "bizarre regime"   annotated: bizarre
    "bizarre claims"   annotated: bizarre
    "claims regime"    annotated: (none)
    "bizarre claims"   annotated: claims

    annotated:   bizarre 2, claims 1            n_a = 3
    unannotated: bizarre 1, claims 2, regime 2  n_u = 5     α: bizarre 3, claims 3, regime 2; α_0 = 8

    δ_bizarre = ln(5 / (3+8-2-3)) - ln(4 / (5+8-1-3)) = ln(5/6) - ln(4/9) = 0.62861,
                σ² = 1/5 + 1/4 = 0.45, z = 0.93708
    δ_claims  = ln(4 / 7) - ln(5 / 8) = -0.08961, σ² = 0.45, z = -0.13359
    δ_regime  = ln(2 / 9) - ln(4 / 9) = -0.69315, σ² = 1/2 + 1/4, z = -0.80039 (never annotated)
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.errors import ConfigError
from pipelines.lexicon import BUILTIN_LEXICON, Entry, build_lexicon, read_lexicon
from pipelines.suggest import SUGGESTION_COLUMNS, count_annotated, guess_format, read_labelled, suggest_terms
from tests.conftest import corpus_dir

ROWS = [("bizarre regime", "bizarre"), ("bizarre claims", "bizarre"), ("claims regime", ""),
        ("bizarre claims", "claims")]


@pytest.fixture
def labelled(tmp_path):
    path = tmp_path / "labelled.csv"
    pd.DataFrame(ROWS, columns=["text", "biased_words"]).to_csv(path, index=False)
    return path


def _lexicon(*terms):
    lex, _ = build_lexicon([Entry(t, "hyperbole") for t in terms])
    return lex


def test_counts_inside_and_outside_the_annotations(labelled):
    inside, outside = count_annotated(read_labelled(labelled))
    assert dict(inside) == {"bizarre": 2, "claims": 1}
    assert dict(outside) == {"bizarre": 1, "claims": 2, "regime": 2}


def test_ranking_and_z_by_hand(labelled):
    table = suggest_terms(read_labelled(labelled), _lexicon("orcs"), top=10, min_annotated=1)
    assert list(table.columns) == SUGGESTION_COLUMNS
    # 'regime' is never annotated: below min_annotated=1, not listed.
    assert table["term"].tolist() == ["bizarre", "claims"]
    assert table["log_odds"].tolist() == pytest.approx([0.629, -0.090], abs=1e-3)
    assert table["z"].tolist() == pytest.approx([0.94, -0.13], abs=1e-2)
    assert table["n_annotated"].tolist() == [2, 1] and table["n_unannotated"].tolist() == [1, 2]
    assert (table["category"] == "").all() and (table["in_lexicon"] == "").all()


def test_terms_already_in_the_lexicon_are_flagged_not_proposed(labelled):
    table = suggest_terms(read_labelled(labelled), _lexicon("bizarre*"), top=1, min_annotated=1)
    # The one new candidate is 'claims' (z -0.13); 'bizarre' ranks above it and is flagged.
    assert table["term"].tolist() == ["bizarre", "claims"]
    assert table["in_lexicon"].tolist() == ["bizarre*", ""]
    assert suggest_terms(read_labelled(labelled), _lexicon("orcs"), min_annotated=3).empty


def test_guess_format_and_bad_inputs(tmp_path, labelled):
    assert guess_format(labelled) == "csv" and guess_format(tmp_path) == "basil"
    babe = tmp_path / "b.csv"
    babe.write_text("text;biased_words\nbizarre regime;['bizarre']\n", encoding="utf-8")
    assert guess_format(babe) == "babe"
    assert read_labelled(babe).texts[0].spans == ((0, 7),)
    with pytest.raises(ConfigError, match="labelled data not found"):
        read_labelled(tmp_path / "absent.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence,words\nx,y\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no 'text' column"):
        read_labelled(bad)


def test_cli_writes_a_reviewable_lexicon_csv_and_never_touches_the_lexicon(tmp_path, labelled):
    lexicon = tmp_path / "mine.csv"
    lexicon.write_text("term,category,note\nbizarre,hyperbole,test\n", encoding="utf-8")
    before = hashlib.sha256(lexicon.read_bytes()).hexdigest()
    builtin_before = hashlib.sha256(BUILTIN_LEXICON.read_bytes()).hexdigest()
    out = tmp_path / "candidates.csv"
    result = CliRunner().invoke(main, ["lexicon", "suggest", str(labelled), "--lexicon", str(lexicon), "--top", "5",
                                       "--min-annotated", "1", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 candidate term (1 already in the lexicon, flagged) from 4 texts" in result.output
    assert "the lexicon was not changed" in result.output
    assert hashlib.sha256(lexicon.read_bytes()).hexdigest() == before
    assert hashlib.sha256(BUILTIN_LEXICON.read_bytes()).hexdigest() == builtin_before
    # The output is itself a valid lexicon file (category empty -> a person fills it in).
    entries = read_lexicon(out)
    assert [e.term for e in entries] == ["bizarre", "claims"]
    assert entries[0].extra["in_lexicon"] == "bizarre" and not any(e.ignore for e in entries)
    written = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert written["category"].tolist() == ["", ""] and written["in_lexicon"].tolist() == ["bizarre", ""]


def test_cli_prints_the_ranking_without_out(labelled):
    result = CliRunner().invoke(main, ["lexicon", "suggest", str(labelled), "--min-annotated", "1"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["term", "n_annotated", "n_unannotated", "log_odds", "z", "in_lexicon"]
    assert lines[1].split()[0] == "bizarre" and lines[2].split()[0] == "claims"


@pytest.mark.corpus
def test_suggest_on_babe_ranks_annotated_words_and_flags_lexicon_terms():
    path = corpus_dir("gold_babe_mbic") / "final_labels_SG2.csv"
    table = suggest_terms(read_labelled(path), build_lexicon(read_lexicon(BUILTIN_LEXICON))[0], top=50)
    new = table[table["in_lexicon"] == ""]
    assert len(new) == 50
    assert (new["z"].diff().dropna() <= 0).all()
    # Words BABE's annotators mark most often and the lexicon does not hold rank near the top.
    assert {"claiming", "aliens"} <= set(new["term"].head(10))
    assert "propaganda" in set(table.loc[table["in_lexicon"] != "", "term"])
