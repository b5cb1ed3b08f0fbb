"""Checks on the built-in lexicon file ``data/lexicon/loaded_wording.csv``.

These tests read the CSV with the standard library only, so they hold whatever
the lexicon loader (``pipelines.lexicon``) does: they pin the file's contract.
"""

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

LEXICON_PATH = Path(__file__).resolve().parents[2] / "data" / "lexicon" / "loaded_wording.csv"

COLUMNS = ["term", "variants", "category", "target", "counterpart", "note", "ignore"]

MIN_ENTRIES = 260
MIN_CATEGORIES = 8
MIN_PER_CATEGORY = 15

# Terms the synthetic demo corpus uses; each must be a term or a variant.
REQUIRED_TERMS = [
    "imperialists",
    "imperialists' lackeys",
    "hegemonic policy",
    "hegemonism",
    "puppet regime",
    "puppet",
    "regime",
    "war games",
    "so-called",
    "warmongers",
    "gangsters",
    "traitors",
    "special military operation",
    "terrorists",
    "reunification",
    "junta",
    "aggression",
    "provocation",
    "baseless allegations",
    "smear campaign",
    "fake news",
    "heroic",
    "invincible",
    "martyrs",
    "genocide",
    "orchestrated by",
    "colour revolution",
    "orcs",
    "rogue state",
    "axis of evil",
    "Kyiv regime",
    "neo-Nazis",
    "war maniacs",
    "lackeys",
    "stooges",
    "liberated",
    "collateral damage",
    "hostile forces",
    "nuclear blackmail",
    "saber-rattling",
]

# Counterparts allowed to coincide with a lexicon term (explicit both-sides pairs).
# Keep this small: a counterpart is meant to be the neutral form of a word-choice pair.
COUNTERPART_ALLOWED_TERMS: set[str] = set()

SNAKE_CASE = re.compile(r"[a-z]+(_[a-z]+)*")


def fold(text):
    """Lowercase, turn every non-alphanumeric character into a space, collapse spaces."""
    return " ".join(re.sub(r"[^0-9a-z]", " ", text.lower()).split())


def read_rows():
    with LEXICON_PATH.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [dict(zip(header, values)) | {"_line": reader.line_num} for values in reader]
    return header, rows


HEADER, ROWS = read_rows()
ENTRIES = [row for row in ROWS if row["ignore"] == "false"]
STOP_PHRASES = [row for row in ROWS if row["ignore"] == "true"]


def forms(row):
    """The term and its variants, as written."""
    return [row["term"]] + [v for v in row["variants"].split("|") if v]


ENTRY_FORMS = {fold(form) for row in ENTRIES for form in forms(row)}


def row_id(row):
    return f"line{row['_line']}:{row['term']}"


def test_header_is_exactly_the_seven_columns():
    assert HEADER == COLUMNS


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_row_has_every_column(row):
    assert None not in row and all(row[column] is not None for column in COLUMNS), (
        f"line {row['_line']}: expected {len(COLUMNS)} fields"
    )


def test_at_least_260_entries():
    assert len(ENTRIES) >= MIN_ENTRIES


def test_at_least_8_categories_with_15_entries_each():
    counts = Counter(row["category"] for row in ENTRIES)
    big = [category for category, n in counts.items() if n >= MIN_PER_CATEGORY]
    assert len(big) >= MIN_CATEGORIES, counts
    small = {category: n for category, n in counts.items() if n < MIN_PER_CATEGORY}
    assert not small, f"categories with fewer than {MIN_PER_CATEGORY} entries: {small}"


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_row_has_term_note_and_snake_case_category(row):
    assert row["term"].strip() == row["term"] and row["term"], f"line {row['_line']}: bad term"
    assert row["note"].strip(), f"line {row['_line']}: note is empty"
    assert SNAKE_CASE.fullmatch(row["category"]), (
        f"line {row['_line']}: category {row['category']!r} is not snake_case"
    )


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_ignore_is_true_or_false(row):
    assert row["ignore"] in {"true", "false"}, f"line {row['_line']}: ignore={row['ignore']!r}"


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_prefix_star_only_at_the_end_of_a_term(row):
    for form in forms(row):
        assert "*" not in form[:-1], f"line {row['_line']}: '*' inside {form!r}"
    assert not any(v.endswith("*") for v in forms(row)[1:]), (
        f"line {row['_line']}: '*' is allowed on the term only"
    )


def test_no_duplicate_terms_or_variants_after_folding():
    seen = {}
    duplicates = []
    for row in ROWS:
        for form in forms(row):
            key = fold(form)
            if key in seen:
                duplicates.append(f"{form!r} (line {row['_line']}) = line {seen[key]}")
            seen.setdefault(key, row["_line"])
    assert not duplicates, duplicates


@pytest.mark.parametrize("term", REQUIRED_TERMS)
def test_required_term_is_present(term):
    assert fold(term) in ENTRY_FORMS


def test_stop_phrase_categories_are_entry_categories():
    entry_categories = {row["category"] for row in ENTRIES}
    assert {row["category"] for row in STOP_PHRASES} <= entry_categories


@pytest.mark.parametrize("row", STOP_PHRASES, ids=row_id)
def test_stop_phrase_blocks_an_entry_and_has_no_target_or_counterpart(row):
    assert row["target"] == "" and row["counterpart"] == ""
    for form in forms(row):
        padded = f" {fold(form)} "
        assert any(f" {entry} " in padded for entry in ENTRY_FORMS), (
            f"line {row['_line']}: stop phrase {form!r} contains no lexicon term"
        )


@pytest.mark.parametrize("row", [r for r in ENTRIES if r["counterpart"]], ids=row_id)
def test_counterpart_is_not_itself_a_lexicon_term(row):
    counterpart = fold(row["counterpart"])
    assert counterpart not in ENTRY_FORMS or counterpart in COUNTERPART_ALLOWED_TERMS, (
        f"line {row['_line']}: counterpart {row['counterpart']!r} is a lexicon term"
    )
