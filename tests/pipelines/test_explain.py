"""``framewatch explain``: the name around a hit left out, its head line's counts, and a file it cannot read.

A new user saw "Young Thug." as the name (the sentence's full stop taken into it), "1 words" and
"1 mentions" in the head line.
"""

from __future__ import annotations

import gzip
import json

import pytest

from pipelines.explain import name_around, render_explanation
from tests.pipelines.test_cli import invoke


@pytest.mark.parametrize("text, hit, name", [
    ("The crowd cheered for Young Thug.", "Thug", "Young Thug"),                 # a full stop ends the sentence
    ("Fans of Young Thug... waited.", "Thug", "Young Thug"),
    ("They said Young Thug, then left.", "Thug", "Young Thug"),                  # (a comma never was in a word)
    ("We met Young Thugs' lawyers.", "Thugs", "Young Thugs"),                    # a closing apostrophe
    ("They mourned at Al-Aqsa Martyrs Hospital.", "Martyrs", "Al-Aqsa Martyrs Hospital"),
    ("A gift from Thug Inc. arrived.", "Thug", "Thug Inc."),                     # an abbreviation keeps its dot
    ("The Thug Brothers of the U.S.", "Thug", "The Thug Brothers"),
    ("He wrote to the Savage U.S. office.", "Savage", "Savage U.S."),             # letters with dots keep theirs
    ("Charges against Young Thug Jr. were dropped.", "Thug", "Young Thug Jr."),
])
def test_the_name_around_a_hit_leaves_out_the_punctuation_after_it(text, hit, name):
    start = text.index(hit)
    assert name_around(text, start, start + len(hit)) == name


def test_explain_names_the_name_without_the_full_stop_and_counts_in_words(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Prosecutors named Young Thug.", encoding="utf-8")
    data = json.loads(invoke("explain", path, "--json").stdout)
    assert [(h["text"], h["name"]) for h in data["name_hits"]] == [("Thug", "Young Thug")]
    head = invoke("explain", path).stdout.splitlines()[0]
    assert head == "(unknown outlet) · undated · 4 words · 0 mentions · 1 left out as part of a name"


@pytest.mark.parametrize("n_words, mentions, names, expected", [
    (1, 1, 0, "1 word · 1 mention"),
    (2, 0, 2, "2 words · 0 mentions · 2 left out as parts of names"),
    (1200, 3, 1, "1,200 words · 3 mentions · 1 left out as part of a name"),
])
def test_the_head_line_says_each_count_with_its_noun_in_the_right_number(n_words, mentions, names, expected):
    mention = {"start": 0, "end": 1, "text": "x", "term": "x", "category": "c", "voice": "outlet", "speaker": None}
    hit = {"start": 0, "end": 1, "text": "x", "term": "x", "category": "c", "name": "X"}
    result = {"outlet": "A", "published_at": None, "n_words": n_words, "text": "x",
              "mentions": [mention] * mentions, "name_hits": [hit] * names}
    assert render_explanation(result).splitlines()[0] == f"A · undated · {expected}"


def test_a_binary_article_stops_with_what_it_is_and_the_fix(tmp_path):
    path = tmp_path / "article.txt"
    path.write_bytes(gzip.compress(b"The puppet regime held war games.", mtime=0))
    result = invoke("explain", path)
    assert result.exit_code == 1
    out = tmp_path / "article.decompressed.txt"
    assert result.stderr == (f"Error: {path}: the article is not a text file; expected a .txt or .html file (text); "
                             f"found a gzip-compressed file (it starts with the bytes 1f 8b). Fix: decompress it "
                             f"first (gzip -dc {path} > {out}), then give {out}\n")
