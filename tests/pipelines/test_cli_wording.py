"""Wording a new user tripped on: "1 words", a raw ``[Errno 2] ...`` inside a sentence, "366 entries"
where the README says 344 terms, and lexicon error lines of ~800 characters.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest

from pipelines.errors import describe_os_error, listed, plural
from pipelines.lexicon import BUILTIN_CATEGORIES
from tests.pipelines.test_cli import invoke

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"


@pytest.mark.parametrize("n, noun, many, expected", [
    (0, "word", None, "0 words"), (1, "word", None, "1 word"), (2, "word", None, "2 words"),
    (1, "entry", "entries", "1 entry"), (1200, "entry", "entries", "1,200 entries"),
])
def test_plural(n, noun, many, expected):
    assert plural(n, noun, many) == expected


@pytest.mark.parametrize("items, limit, expected", [
    ([], 5, ""), (["a"], 5, "a"), (["a", "b"], 5, "a and b"), (["a", "b", "c"], 5, "a, b and c"),
    (list("abcdefg"), 3, "a, b, c and 4 more"),
])
def test_listed_names_a_few_and_counts_the_rest(items, limit, expected):
    assert listed(items, limit) == expected


@pytest.mark.parametrize("code, sentence", [
    (errno.ENOENT, "nothing is there (no such file or folder)"),
    (errno.EACCES, "this user may not open it (permission denied)"),
    (errno.EISDIR, "it is a folder, not a file"),
    (errno.ENOSPC, "the disk is full"),
])
def test_an_os_error_is_a_plain_phrase_without_errno_or_path(code, sentence):
    exc = OSError(code, "whatever the C library says", "/some/where.csv")
    assert describe_os_error(exc) == sentence
    assert "Errno" not in str(describe_os_error(exc)) and "/some/where" not in describe_os_error(exc)


def test_no_message_puts_a_count_before_a_noun_without_choosing_its_number():
    """The fault's kind, in the source: an f-string writing ``{n} words`` says "1 words" for one. Every such
    count in the CLI's modules goes through ``plural`` (or writes its noun's number out); this lists any left."""
    count = re.compile(r"\{(?:len\([^{}]*\)|[a-z_.]*\bn(?:_[a-z_]+)?|[a-z_.]*n_[a-z_]+)(?::,)?\} "
                       r"(words|mentions|articles|entries|records|files|rows|terms|categories|topics|errors|pairs|"
                       r"texts|frames|lines|cells|values|dates|pages)\b")
    found = [f"{path.name}:{k}: {line.strip()}" for path in sorted(PIPELINES.glob("*.py"))
             if path.name in ("cli.py", "run.py", "explain.py", "ingest.py", "dates.py", "lexicon.py", "errors.py")
             for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if count.search(line)]
    assert found == []


def test_lexicon_check_counts_terms_and_stop_phrases_apart(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("term,variants,category,ignore\nregime,regimes|regime's,loaded,\n"
                    "sanctions regime,,loaded,true\nwar games,,loaded,\n", encoding="utf-8")
    result = invoke("lexicon", "check", path)
    assert result.exit_code == 0, result.stderr
    assert re.fullmatch(r"ok: 2 terms in 1 category \(loaded\), with 2 variant spellings; 1 stop phrase "
                        r"\(3 entries in all\), version lex-[0-9a-f]{12}\n", result.stdout), result.stdout


LONG_LINE = 400
"""The longest lexicon message line allowed, its file's path not counted: what, where, expected, found and fix
fit in it, with a few names of a list and how many more (the category error was ~800 characters)."""


def test_every_lexicon_message_line_stays_readable(tmp_path):
    many = [f"col{k}" for k in range(40)]
    wide = tmp_path / "wide.csv"            # no 'term' among 40 columns; a row with more cells than those
    wide.write_text(",".join(many) + "\n", encoding="utf-8")
    cells = tmp_path / "cells.csv"
    cells.write_text(",".join(["term", *many]) + "\n" + ",".join(["x"] * 60) + "\n", encoding="utf-8")
    typos = tmp_path / "typos.csv"          # near misses of built-in categories, new ones that look alike
    typos.write_text("term,category\n" + "".join(f"w{k},{c[:-1]}x\n" for k, c in enumerate(BUILTIN_CATEGORIES))
                     + "".join(f"v{k},local_slur{'s' * (k % 6)}\n" for k in range(12)), encoding="utf-8")
    dic = tmp_path / "bad.dic"              # an unknown id among 30 declared
    dic.write_text("%\n" + "".join(f"{k}\tcat{k}\n" for k in range(30)) + "%\nword\t99\n", encoding="utf-8")
    result = invoke("lexicon", "check", "--max-errors", "0", wide, cells, typos, dic)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) > 12
    assert max(len(line.replace(str(tmp_path), "")) for line in lines) <= LONG_LINE, max(lines, key=len)
    assert any("found the columns 'col0', 'col1', 'col2', 'col3', 'col4', 'col5' and 34 more" in line for line in lines)
    assert any("expected a built-in category (pejorative_label, delegitimising_label and 8 more)" in line
               for line in lines)
