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

DECLARE = "declare it ('# categories: {0}' above the header)"
NEW_CATEGORY = "write '{0}', or declare '{1}' ('# categories: {1}' above the header)"
EXPECTED_CATEGORY = ("expected a built-in category (pejorative_label, delegitimising_label and 8 more), 'loaded' "
                     "or a declared one")
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
        f"'pejorative_label'?; {EXPECTED_CATEGORY}; found 'pejoratve_label' on 2 lines (2, 8). Fix: "
        f"{NEW_CATEGORY.format('pejorative_label', 'pejoratve_label')}",
        f"Error: {path}, line 3, column 'category': unknown category 'militarised language': did you mean "
        f"'militarised_language'?; {EXPECTED_CATEGORY}; found 'militarised language' on line 3. Fix: "
        f"{NEW_CATEGORY.format('militarised_language', 'militarised language')}",
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
    assert check.stdout.startswith("ok: 2 terms in 2 categories (hegemony_talk, militarised_language)")
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
    assert result.stdout.startswith("ok: 3 terms in 3 categories (hegemony_talk, militarised_language, slurs)")
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


def test_a_declaration_covers_the_files_checked_and_run_with_it_in_any_order_and_option(tmp_path, articles):
    """What README, `lexicon check --help` and the docstrings say: a declaration is not its own file's."""
    decl = _write(tmp_path / "decl.yaml", "categories: [hegemony_talk]\nentries:\n  - term: hegemony\n"
                                          "    category: hegemony_talk\n")
    other = _write(tmp_path / "other.csv", "term,category\nhegemonic,hegemony_talk\nhegemon,hegemony_tlk\n")
    for paths in ([other, decl], [decl, other]):
        result = invoke("lexicon", "check", *paths)
        assert result.exit_code == 1 and result.stderr.splitlines()[0] == (
            f"Error: {other}, line 3, column 'category': unknown category 'hegemony_tlk': did you mean "
            f"'hegemony_talk'?; {EXPECTED_CATEGORY}; found 'hegemony_tlk' on "
            # a near miss of a category the other file declares
            f"line 3. Fix: {NEW_CATEGORY.format('hegemony_talk', 'hegemony_tlk')}")
    good = _write(tmp_path / "good.csv", "term,category\nhegemonic,hegemony_talk\n")
    assert invoke("lexicon", "check", good, decl).stderr == ""
    assert invoke("lexicon", "check", good).stderr.startswith(f"Warning: {good}, line 2, column 'category': "
                                                             "category 'hegemony_talk' is not a built-in one")
    store = tmp_path / "s.duckdb"   # --extra-lexicon's declaration covers a --lexicon file, and the reverse
    for options in (["--lexicon", good, "--extra-lexicon", decl], ["--lexicon", decl, "--extra-lexicon", good]):
        run = invoke("run", "--input", articles, "--store", store, "--fresh", *options)
        assert run.exit_code == 0 and "category" not in run.stderr, run.stderr   # (pairs of missing terms warn)
        with duckdb.connect(str(store), read_only=True) as con:
            assert con.execute("SELECT term, category FROM mentions").fetchall() == [("hegemony", "hegemony_talk")]


# Two new categories, neither declared, one a typo of the other (the reviewer's case), and a third
# new category that looks like neither.
ALIKE = ("term,category\n"
         "vermin,local_slur\n"          # 2
         "cockroaches,local_slur\n"     # 3
         "rats,locl_slur\n"             # 4: a typo of local_slur
         "hegemony,hegemony_talk\n")    # 5


def _alike(path, other_path=None):
    """The warning for local_slur (lines 2, 3 of *path*) and locl_slur (line 4, or line 2 of *other_path*)."""
    locl = "'locl_slur' on line 4" if other_path is None else f"'locl_slur' in {other_path} on line 2"
    return (f"{path}, line 2, column 'category': new categories 'local_slur' on 2 lines (2, 3) and {locl} look "
            f"alike: is one a typo of the other? Each is kept as its own category. If they are one, "
            f"write 'local_slur' for 'locl_slur', then declare 'local_slur'; if not, "
            f"declare both ('# categories: local_slur, locl_slur' above the header)")


def test_two_new_categories_that_look_alike_are_one_warning_naming_both_with_their_lines(tmp_path, articles):
    path = _write(tmp_path / "mine.csv", ALIKE)
    check = invoke("lexicon", "check", path)
    assert check.exit_code == 0 and check.stderr.splitlines() == [
        f"Warning: {_alike(path)}",
        f"Warning: {path}, line 5, column 'category': category 'hegemony_talk' is not a built-in one (line 5); kept "
        f"as a new category. If it is meant, {DECLARE.format('hegemony_talk')}"]
    lex, warnings, errors = check_lexicon_files([path])
    assert warnings == [_alike(path), check.stderr.splitlines()[1][len("Warning: "):]] and errors == [(str(path), [])]
    assert load_lexicon([path])[1] == warnings
    assert lex.categories == ["hegemony_talk", "local_slur", "locl_slur"]   # kept as they are: a warning only
    run = invoke("run", "--input", articles, "--store", tmp_path / "s.duckdb", "--lexicon", path)
    assert run.exit_code == 0 and run.stderr.splitlines()[0] == f"Warning: {_alike(path)}"
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        assert _alike(path) in json.loads(con.execute("SELECT warnings FROM runs").fetchone()[0])


def test_look_alike_categories_in_two_files_are_one_warning_and_each_fix_silences_it(tmp_path):
    first = _write(tmp_path / "a.csv", "term,category\nvermin,local_slur\ncockroaches,local_slur\n")
    second = _write(tmp_path / "b.csv", "term,category\nrats,locl_slur\n")
    _, warnings, _ = check_lexicon_files([first, second])
    assert warnings == [_alike(first, second)]
    # the fix "write 'local_slur' for 'locl_slur', then declare it": no warning
    declared = _write(tmp_path / "a2.csv", "# categories: local_slur\nterm,category\nvermin,local_slur\n")
    fixed = _write(tmp_path / "b2.csv", "term,category\nrats,local_slur\n")
    assert check_lexicon_files([declared, fixed])[1] == []
    # declaring one only: the other is then a near miss of a declared category, an error
    lex, _, [_, (_, [error])] = check_lexicon_files([declared, second])
    assert lex is None and error.what == "unknown category 'locl_slur': did you mean 'local_slur'?"
    # the other fix, both meant: declared, no warning, two categories
    both = _write(tmp_path / "both.csv", "# categories: local_slur, locl_slur\n" + ALIKE)
    lex, warnings, _ = check_lexicon_files([both])
    assert lex.categories == ["hegemony_talk", "local_slur", "locl_slur"] and len(warnings) == 1
    assert "'hegemony_talk' is not a built-in one" in warnings[0]


@pytest.mark.parametrize("names, alike", [
    (("local_slur", "locl_slur"), True), (("slur", "slurs"), True), (("Local Slur", "local_slur"), True),
    (("hegemony_talk", "hegemony_tlak"), True),
    (("frame_1", "frame_2"), False), (("level10", "level11"), False),   # a numbered series is meant
    (("slurs", "smears"), False), (("hegemony_talk", "local_slur"), False),
])
def test_which_new_categories_look_alike(tmp_path, names, alike):
    path = _write(tmp_path / "n.csv", "term,category\n" + "".join(f"t{i},{n}\n" for i, n in enumerate(names)))
    _, warnings, _ = check_lexicon_files([path])
    assert len(warnings) == (1 if alike else 2)
    assert all(f"'{n}'" in warnings[0] for n in names) == alike


def test_three_look_alike_categories_name_the_most_used_as_the_one_to_keep(tmp_path):
    path = _write(tmp_path / "three.csv", "term,category\nrats,locl_slur\nvermin,local_slur\n"
                                          "lice,local_slur\nflies,local_slurs\n")
    [warning] = check_lexicon_files([path])[1]
    assert warning.startswith(f"{path}, line 2, column 'category': new categories 'locl_slur' on line 2, 'local_slur' "
                              "on 2 lines (3, 4) and 'local_slurs' on line 5 look alike: is one of them a typo?")
    assert "write 'local_slur' for 'locl_slur' and 'local_slurs', then declare 'local_slur'" in warning
    assert warning.endswith("declare them all ('# categories: locl_slur, local_slur, local_slurs' above the header)")


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
