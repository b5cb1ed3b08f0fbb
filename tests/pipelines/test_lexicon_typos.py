"""Lexicon typos must not pass: misspelt categories and regular-expression-like terms.

A new user's misspelt category (``pejoratve_label``, "militarised language") became a category
of its own with "ok", and ``(war games`` or ``imperial[ists`` were accepted as terms. Each case
is written as a real lexicon file and checked through ``framewatch lexicon check`` and ``run``.
"""

from __future__ import annotations

import csv
import json

import duckdb
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.errors import LexiconError
from pipelines.lexicon import (BUILTIN_CATEGORIES, BUILTIN_LEXICON, NOT_IN_WORDS, Entry, Lexicon, LexiconMatcher,
                               check_lexicon_files, load_lexicon, near_category, read_lexicon)
from pipelines.text import fold

DECLARE = ("declare it in its file: a line '# categories: {0}' before a CSV's header, or 'categories: [{0}]' "
           "beside 'entries:' in YAML")
EXPECTED_CATEGORY = ("expected a built-in category (pejorative_label, delegitimising_label, militarised_language, "
                     "euphemism, doubt_casting, glorifying, victimhood, conspiracy_framing, dehumanising, hyperbole), "
                     "'loaded' or one the file declares; categories are compared exactly")
EXPECTED_LITERAL = "expected a literal term: words, without ( ) [ ] { } + ? | \\ ^ $"
NOT_A_WORD = "is not part of a word (the matcher reads it as a space; a term is literal text, not a regular expression)"

# The new user's file: two misspelt categories (one on two lines), two regex-like terms, the
# faults that already had good errors ('*puppet', an empty term), a repeated term, a new category.
TYPOS = ("term,category\n"
         "warmongers,pejoratve_label\n"           # 2: misspelt category
         "war games,militarised language\n"       # 3: a space for the underscore
         "(war games,militarised_language\n"      # 4: a regex-like term
         "imperial[ists,pejorative_label\n"       # 5: a regex-like term that splits a word
         "*puppet,delegitimising_label\n"         # 6: '*' inside a term (as before)
         ",euphemism\n"                           # 7: empty term (as before)
         "bullies,pejoratve_label\n"              # 8: the same misspelt category again
         "hegemony,hegemony_talk\n"               # 9: a new category: a warning only
         "hegemony,hegemony_talk\n")              # 10: a repeated term: a warning (as before)


def invoke(*args):
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:   # click 8.2+ keeps stderr apart always
        runner = CliRunner()
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def articles(tmp_path):
    path = tmp_path / "articles.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("outlet", "published", "title", "body"),
                                 ("Harbour Herald", "2024-03-01T09:00:00Z", "Drills",
                                  "The war games went on. Critics spoke of hegemony.")])
    return path


def test_lexicon_check_flags_each_typo_with_file_line_found_and_fix(tmp_path):
    path = _write(tmp_path / "typos.csv", TYPOS)
    result = invoke("lexicon", "check", path)
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[:2] == [
        f"Warning: {path}, line 9, column 'category': category 'hegemony_talk' is not a built-in one (2 lines (9, "
        f"10)); kept as a new category. If it is meant, {DECLARE.format('hegemony_talk')}",
        f"Warning: {path}, line 10: 'hegemony' repeats line 9; kept once"]
    assert lines[2:-1] == [
        f"Error: {path}, line 2, column 'category': unknown category 'pejoratve_label': did you mean "
        f"'pejorative_label'?; {EXPECTED_CATEGORY}; found 'pejoratve_label' on 2 lines (2, 8). Fix: write "
        f"'pejorative_label'; if 'pejoratve_label' is meant as a category of its own, {DECLARE.format('pejoratve_label')}",
        f"Error: {path}, line 3, column 'category': unknown category 'militarised language': did you mean "
        f"'militarised_language'?; {EXPECTED_CATEGORY}; found 'militarised language' on line 3. Fix: write "
        f"'militarised_language'; if 'militarised language' is meant as a category of its own, "
        f"{DECLARE.format('militarised language')}",
        f"Error: {path}, line 4, column 'term': '(war games' is matched as 'war games': '(' {NOT_A_WORD}; "
        f"{EXPECTED_LITERAL}; found '(war games'. Fix: write 'war games'",
        f"Error: {path}, line 5, column 'term': 'imperial[ists' is matched as 'imperial ists', not 'imperialists': "
        f"'[' {NOT_A_WORD}; {EXPECTED_LITERAL}; found 'imperial[ists'. Fix: write 'imperialists'",
        f"Error: {path}, line 6, column 'term': '*' inside a term; expected '*' only at the end (prefix match); "
        "found '*puppet'. Fix: remove the '*' or move it to the end",
        f"Error: {path}, line 7, column 'term': empty term; expected a word or phrase; found an empty cell. "
        "Fix: fill in the term or delete the line"]
    assert lines[-1] == "6 errors in 1 of 1 lexicon file; nothing was changed"


def test_run_stops_at_the_first_typo_in_line_order_and_counts_the_rest(tmp_path, articles):
    path = _write(tmp_path / "typos.csv", TYPOS)
    store = tmp_path / "s.duckdb"
    result = invoke("run", "--input", articles, "--store", store, "--lexicon", path)
    assert result.exit_code == 1 and not store.exists()
    assert result.stderr.startswith(f"Error: {path}, line 2, column 'category': unknown category 'pejoratve_label': "
                                    "did you mean 'pejorative_label'?;")
    assert f"(5 more problems in the lexicon files; `framewatch lexicon check {path}` lists every one)" in result.stderr
    # beside the built-in lexicon too (the two misspelt lines also clash with its terms' categories)
    result = invoke("run", "--input", articles, "--store", store, "--extra-lexicon", path)
    assert result.exit_code == 1 and not store.exists()
    assert result.stderr.startswith(f"Error: {path}, line 2, column 'category': unknown category 'pejoratve_label'")


def test_a_new_category_is_a_warning_in_check_and_in_run_and_its_runs_row(tmp_path, articles):
    path = _write(tmp_path / "mine.csv", "term,category\nwar games,militarised_language\nhegemony,hegemony_talk\n")
    warning = (f"{path}, line 3, column 'category': category 'hegemony_talk' is not a built-in one (line 3); kept as "
               f"a new category. If it is meant, {DECLARE.format('hegemony_talk')}")
    check = invoke("lexicon", "check", path)
    assert check.exit_code == 0 and check.stderr == f"Warning: {warning}\n"
    assert check.stdout.startswith("ok: 2 entries in 2 categories (hegemony_talk, militarised_language)")
    store = tmp_path / "s.duckdb"
    run = invoke("run", "--input", articles, "--store", store, "--lexicon", path)
    assert run.exit_code == 0, run.stderr
    assert run.stderr.splitlines()[0] == f"Warning: {warning}"
    con = duckdb.connect(str(store), read_only=True)
    try:
        assert warning in json.loads(con.execute("SELECT warnings FROM runs").fetchone()[0])
        assert con.execute("SELECT category, count(*) FROM mentions GROUP BY 1 ORDER BY 1").fetchall() == [
            ("hegemony_talk", 1), ("militarised_language", 1)]
    finally:
        con.close()


@pytest.mark.parametrize("name, text", [
    ("mine.csv", "# Our own categories, beside the built-in ones\n# categories: hegemony_talk, slurs\n"
                 "term,category\nhegemony,hegemony_talk\nvermin,slurs\nwar games,militarised_language\n"),
    ("mine.yaml", "categories: [hegemony_talk, slurs]\nentries:\n  - term: hegemony\n    category: hegemony_talk\n"
                  "  - term: vermin\n    category: slurs\n  - term: war games\n    category: militarised_language\n"),
    ("mine.dic", "%\n1\thegemony_talk\n2\tslurs\n3\tmilitarised_language\n%\nhegemony\t1\nvermin\t2\nwar games\t3\n"),
])
def test_declared_categories_are_accepted_and_their_near_misses_are_errors(tmp_path, name, text):
    path = _write(tmp_path / name, text)
    result = invoke("lexicon", "check", path)
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    assert result.stdout.startswith("ok: 3 entries in 3 categories (hegemony_talk, militarised_language, slurs)")
    assert [e.line for e in read_lexicon(path)] == ([4, 5, 6] if name.endswith(".csv") else
                                                    [3, 5, 7] if name.endswith(".yaml") else [6, 7, 8])
    if name.endswith(".dic"):
        return   # a .dic names each category once, in its % block
    typo = _write(tmp_path / f"typo{path.suffix}", text.replace("category: slurs", "category: slur")
                  .replace("vermin,slurs", "vermin,slur"))
    lex, _, [(_, [error])] = check_lexicon_files([typo])
    column = "key" if name.endswith(".yaml") else "column"
    assert lex is None and error.where == f"{typo}, line 5, {column} 'category'"
    assert error.what == "unknown category 'slur': did you mean 'slurs'?"


def test_a_declaration_in_one_file_covers_the_files_loaded_with_it(tmp_path):
    decl = _write(tmp_path / "decl.csv", "# categories: hegemony_talk\nterm,category\nhegemony,hegemony_talk\n")
    other = _write(tmp_path / "other.csv", "term,category\nhegemonic,hegemony_talk\n")
    lexicon, warnings = load_lexicon([other, decl])
    assert warnings == [] and lexicon.categories == ["hegemony_talk"]
    assert load_lexicon([other])[1][0].startswith(f"{other}, line 2, column 'category': category 'hegemony_talk'")


def test_a_comment_line_before_the_header_keeps_line_numbers_and_a_bad_declaration_is_an_error(tmp_path):
    path = _write(tmp_path / "c.csv", "# notes\n\n# more notes\nterm;category\nregime;delegitimising_label\n;x\n")
    _, _, [(_, [error])] = check_lexicon_files([path])
    assert error.where == f"{path}, line 6, column 'term'"
    assert [(e.term, e.line) for e in read_lexicon(_write(tmp_path / "d.csv", "# x\nterm\nregime\n"))] == [("regime", 3)]
    late = _write(tmp_path / "late.csv", "term,category\n# categories: slurs, other\nvermin,slurs\n")
    _, warnings, [(_, [error])] = check_lexicon_files([late])
    assert (error.what, error.where) == ("a '# categories:' line after the header", f"{late}, line 2")
    assert error.fix.startswith("move the line above the header") and "'slurs' is not a built-in one" in warnings[0]
    with pytest.raises(LexiconError) as err:
        read_lexicon(_write(tmp_path / "only.csv", "# categories: a\n"))
    assert err.value.what == "empty lexicon file"
    yaml_path = _write(tmp_path / "bad.yaml", "categories: [1, 2]\nentries:\n  - term: regime\n")
    with pytest.raises(LexiconError) as err:
        load_lexicon([yaml_path])
    assert (err.value.what, err.value.where) == ("wrong YAML shape", f"{yaml_path}, line 1, key 'categories'")


@pytest.mark.parametrize("name, near", [
    ("pejoratve_label", "pejorative_label"), ("militarised language", "militarised_language"),
    ("Militarised-Language", "militarised_language"), ("Euphemism", "euphemism"), ("euphemisms", "euphemism"),
    ("dehumanizing", "dehumanising"), ("doubtcasting", "doubt_casting"), ("victimhod", "victimhood"),
    ("glorifiyng", "glorifying"), ("LOADED", "loaded"),
    ("hyperbolic", None), ("glorified", None), ("conspiracy", None), ("slurs", None), ("hegemony_talk", None),
])
def test_near_category_finds_misspellings_of_a_known_category_only(name, near):
    assert near_category(name, (*BUILTIN_CATEGORIES, "loaded")) == near


@pytest.mark.parametrize("char", list(NOT_IN_WORDS))
def test_each_regex_like_character_is_an_error_that_says_truthfully_what_is_matched(tmp_path, char):
    """For each character: at a word's edge and inside a word. The message quotes the folded term,
    and a matcher built from the raw term (bypassing the check) finds exactly that."""
    edge, inside = f"{char}war games", f"war gam{char}es"
    path = _write(tmp_path / "t.yaml", f"- term: {json.dumps(edge)}\n- term: {json.dumps(inside)}\n")
    lex, _, [(_, errors)] = check_lexicon_files([path])
    assert lex is None and [e.where for e in errors] == [f"{path}, line 1, key 'term'", f"{path}, line 2, key 'term'"]
    escape = "; after '\\' a letter is just that letter" if char == "\\" else ""   # '\w' is a regex escape
    assert errors[0].what == f"'{edge}' is matched as 'war games': '{char}' {NOT_A_WORD}{escape}"
    assert errors[1].what.startswith(f"'{inside}' is matched as 'war gam es', not 'war games': '{char}' ")
    assert all(e.found == repr(s) for e, s in zip(errors, (edge, inside)))
    if char == "|":
        assert errors[0].fix.startswith("'|' separates spellings only in the 'variants' cell")
    else:
        assert [e.fix for e in errors] == ["write 'war games'", "write 'war games'"]
    text = "The war games began. Then war gam es, a misprint."
    for term, found in ((edge, "war games"), (inside, "war gam es")):
        assert fold(term) == found
        matcher = LexiconMatcher(Lexicon((Entry(term=term),), ())).fit()
        assert [text[m.start:m.end] for m in matcher.find(text)] == [found]


def test_a_regex_escape_and_a_prefix_term_are_explained(tmp_path):
    path = _write(tmp_path / "t.csv", "term,variants\n\\bregime\\b,\nimperial(*,\nwar games,war|games\n")
    _, _, [(_, errors)] = check_lexicon_files([path])
    assert [(e.what.split(":")[0], e.fix) for e in errors] == [
        ("'\\bregime\\b' is matched as 'bregime b'", "write 'regime'"),
        ("'imperial(*' is matched as 'imperial*'", "write 'imperial*'")]
    assert "after '\\' a letter is just that letter" in errors[0].what
    # '|' in the variants cell separates variants, as before
    assert [e.spellings for e in read_lexicon(_write(tmp_path / "v.csv", "term,variants\nwar games,war drills|wargames\n"))] == [
        ("war games", "war drills", "wargames")]


def test_builtin_lexicon_and_frames_pass_with_no_warning():
    assert sorted(BUILTIN_CATEGORIES) == sorted({e.category for e in read_lexicon(BUILTIN_LEXICON)})
    result = invoke("lexicon", "check", BUILTIN_LEXICON)
    assert result.exit_code == 0 and result.stderr == ""
    assert load_lexicon()[1] == []
    from pipelines.frames import read_frames_lexicon

    assert read_frames_lexicon()[1] == []
