"""The Cython-compiled score-stage modules: the guard against a stale build, and the same
results as the Python source (``pipelines/_compiled.py``, ``setup.py``)."""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import pipelines
from pipelines import _compiled
from pipelines.demo import generate_demo_corpus
from tests.conftest import corpus_dir

ROOT = Path(pipelines.__file__).resolve().parent.parent
PKG = ROOT / "pipelines"
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def _fake_package(tmp_path: Path, built=(), manifest: dict | None = None) -> Path:
    """A package folder with the compiled modules' sources, a file for each module in *built*
    named as its compiled module would be, and *manifest* (None: no manifest file)."""
    d = tmp_path / "pkg"
    d.mkdir()
    for name in _compiled.COMPILED:
        shutil.copyfile(PKG / f"{name}.py", d / f"{name}.py")
    for name in built:
        (d / f"{name}{SUFFIX}").write_bytes(b"")
    if manifest is not None:
        (d / _compiled.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return d


def test_decide_says_how_each_module_is_imported(tmp_path):
    names = _compiled.COMPILED
    digests = {n: _compiled.source_digest(PKG / f"{n}.py") for n in names}
    d = _fake_package(tmp_path, built=names[:3], manifest=digests)
    with (d / f"{names[1]}.py").open("a", encoding="utf-8") as f:
        f.write("# edited after the build\n")
    got = _compiled.decide(d, environ={})
    assert got[names[0]] == "compiled"
    assert got[names[2]] == "compiled"
    assert got[names[1]].startswith("source: stale")
    assert all(got[n] == "source: not built" for n in names[3:])
    pure = _compiled.decide(d, environ={_compiled.PURE_PYTHON_ENV: "1"})
    assert pure[names[0]] == f"source: {_compiled.PURE_PYTHON_ENV} is set"
    assert _compiled.decide(d, environ={_compiled.PURE_PYTHON_ENV: "0"})[names[0]] == "compiled"


@pytest.mark.parametrize("manifest", [None, "not json", ["a", "list"]])
def test_a_missing_or_broken_manifest_makes_built_modules_stale(tmp_path, manifest):
    d = _fake_package(tmp_path, built=_compiled.COMPILED)
    if manifest is not None:
        (d / _compiled.MANIFEST).write_text(manifest if isinstance(manifest, str) else json.dumps(manifest))
    got = _compiled.decide(d, environ={})
    assert all(v.startswith("source: stale") for v in got.values()), got


def _built() -> bool:
    return all(_compiled._built_module(n, PKG) is not None for n in _compiled.COMPILED)


def test_the_compiled_modules_are_built_and_in_use():
    """``pip install -e .`` compiled every module and nothing was edited since: this process runs
    them compiled (``make test`` reinstalls when a compiled module's source changes)."""
    if os.environ.get(_compiled.PURE_PYTHON_ENV, "") not in ("", "0"):
        pytest.skip(f"{_compiled.PURE_PYTHON_ENV} is set: every module runs from its source")
    status = _compiled.status()
    assert status == {n: "compiled" for n in _compiled.COMPILED}, (
        f"{status}: run `pip install -e .` (or `make install`) to compile them")
    for name in _compiled.COMPILED:
        assert Path(importlib.import_module(f"pipelines.{name}").__file__).name == f"{name}{SUFFIX}"


def test_an_edited_module_runs_from_its_source(tmp_path):
    """A copy of the package whose quotes.py changed after the build: importing it gives the
    source's new definition, silently (nothing on standard error, which CLI users read); an
    unchanged module still loads compiled; the summary names the stale module."""
    if not _built():
        pytest.fail("the compiled modules are not built: run `pip install -e .`")
    copy = tmp_path / "pipelines"
    shutil.copytree(PKG, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with (copy / "quotes.py").open("a", encoding="utf-8") as f:
        f.write("\nEDITED_AFTER_THE_BUILD = 42\n")
    script = ("import pipelines.quotes as q, pipelines.text as t, pipelines._compiled as c;"
              "print(q.__file__); print(t.__file__); print(q.EDITED_AFTER_THE_BUILD); print(c.status()['quotes']);"
              "print(c.summary())")
    env = {k: v for k, v in os.environ.items() if k != _compiled.PURE_PYTHON_ENV}
    env["PYTHONPATH"] = str(tmp_path)
    r = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                       check=True)
    quotes_file, text_file, edited, how, summary = r.stdout.split("\n")[:5]
    assert Path(quotes_file) == copy / "quotes.py"
    assert Path(text_file) == copy / f"text{SUFFIX}"
    assert edited == "42"
    assert how.startswith("source: stale")
    assert r.stderr == ""
    assert summary.startswith("compiled: ") and "; from source: " in summary
    assert "quotes (stale (pipelines/quotes.py changed since it was compiled))" in summary
    assert "text (" not in summary


# ---- the compiled modules give the source's results -------------------------------------------

_SCORE_SCRIPT = """
import sys
import pandas as pd
import pipelines._compiled as c
from pipelines.lexicon import LexiconMatcher, load_lexicon
from pipelines.score import score_articles
from pipelines.topics import TopicMatcher, read_topics
articles = pd.read_parquet(sys.argv[1])
lexicon, _ = load_lexicon()
result = score_articles(articles, lexicon, TopicMatcher(read_topics()).fit(), matcher=LexiconMatcher(lexicon).fit(),
                        outlet_names={o: (o,) for o in articles["outlet"].unique()})
for name in ("mentions", "quotes", "article_topics", "article_scores"):
    getattr(result, name).to_pickle(f"{sys.argv[2]}-{name}.pkl")
print(sorted(set(c.status().values())))
"""


def _score_both_ways(articles: pd.DataFrame, tmp_path: Path) -> None:
    if not _built():
        pytest.fail("the compiled modules are not built: run `pip install -e .`")
    src = tmp_path / "articles.parquet"
    articles.to_parquet(src)
    env = {k: v for k, v in os.environ.items() if k != _compiled.PURE_PYTHON_ENV}
    env["PYTHONPATH"] = str(ROOT)
    outs = {}
    for how, extra in (("compiled", {}), ("source", {_compiled.PURE_PYTHON_ENV: "1"})):
        r = subprocess.run([sys.executable, "-c", _SCORE_SCRIPT, str(src), str(tmp_path / how)],
                           cwd=ROOT, env={**env, **extra}, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        outs[how] = r.stdout.strip()
    assert outs["compiled"] == "['compiled']"
    assert outs["source"] == f"['source: {_compiled.PURE_PYTHON_ENV} is set']"
    for name in ("mentions", "quotes", "article_topics", "article_scores"):
        a = pd.read_pickle(tmp_path / f"compiled-{name}.pkl")
        b = pd.read_pickle(tmp_path / f"source-{name}.pkl")
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert len(pd.read_pickle(tmp_path / "compiled-mentions.pkl")) > 0
    assert len(pd.read_pickle(tmp_path / "compiled-quotes.pkl")) > 0


def test_compiled_and_source_score_the_demo_corpus_alike(tmp_path):
    corpus = generate_demo_corpus(tmp_path / "demo", n_articles=600)
    rows = [json.loads(line) for line in (tmp_path / "demo" / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    assert corpus is not None and rows
    articles = pd.DataFrame({
        "article_id": [f"a{i}" for i in range(len(rows))],
        "title": [r.get("title") or "" for r in rows],
        "text": [r.get("body") or "" for r in rows],
        "topics_raw": [None] * len(rows),
        "outlet": [r.get("outlet") or "" for r in rows],
    })
    _score_both_ways(articles, tmp_path)


@pytest.mark.parametrize("corpus, file, columns", [
    ("kcna_2024", "kcna_articles.csv", {"headline": "title", "story_text": "text", "topics": "topics_raw", "outlet": "outlet"}),
    ("ruwa_ukraine_war_2022", "ruwa_dev.csv",
     {"title": "title", "desc": "text", "event": "topics_raw", "outlet_domain": "outlet"}),
])
def test_compiled_and_source_score_real_corpora_alike(tmp_path, corpus, file, columns):
    df = pd.read_csv(corpus_dir(corpus) / file, dtype=str, keep_default_na=False)
    articles = df[list(columns)].rename(columns=columns)
    articles.insert(0, "article_id", [f"a{i}" for i in range(len(df))])
    _score_both_ways(articles, tmp_path)
