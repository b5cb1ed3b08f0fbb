"""No file the tool loads can execute code, and the dashboard server stays on loopback with XSRF on.

Loaders are checked two ways: the source of ``pipelines/`` and ``dashboard/`` is searched for
the calls that run code from data (pickle and its relatives, unsafe YAML, eval/exec), and the
two places that could look like it are tried with hostile input.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pipelines.cli import dashboard_command, main

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for d in ("pipelines", "dashboard") for p in (REPO / d).rglob("*.py"))

FORBIDDEN = re.compile(
    r"\bimport (?:pickle|cPickle|dill|cloudpickle|shelve|marshal)\b|\bfrom (?:pickle|dill|cloudpickle|shelve|joblib)\b"
    r"|\bpickle\.loads?\(|\bjoblib\.load\(|\bread_pickle\(|\ballow_pickle\s*=\s*True|\byaml\.unsafe_load\("
    r"|\byaml\.load\((?!.*Loader=_PlainLoader)|\btorch\.load\(|\bmarshal\.loads?\(|\bshelve\.open\(|\bexec\(")
EVAL = re.compile(r"(?<![\w.])eval\(")
EVAL_ALLOWED = {("pipelines/topics.py", "compile_query")}
"""The one eval: a topic query compiled to a lambda whose only literals are repr()'d folded words."""


def _functions_with(pattern: re.Pattern, path: Path) -> set[str]:
    found, current = set(), "<module>"
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*def (\w+)", line)
        if m:
            current = m.group(1)
        code = line.split("#", 1)[0]
        if pattern.search(code):
            found.add(current)
    return found


def test_the_search_finds_what_it_looks_for():
    for line in ("import pickle", "x = pickle.load(fh)", "pd.read_pickle(p)", "np.load(p, allow_pickle=True)",
                 "yaml.load(text)", "yaml.unsafe_load(t)", "joblib.load(p)", "exec(code)"):
        assert FORBIDDEN.search(line), line
    for line in ("yaml.safe_load(text)", "yaml.load(t, Loader=_PlainLoader)", "skops.io.load(p, trusted=t)",
                 "saves with skops (never pickle)"):
        assert not FORBIDDEN.search(line), line


def test_no_loader_can_run_code_from_data():
    assert len(SOURCES) > 40
    hits = [f"{p.relative_to(REPO)}:{n}: {line.strip()}" for p in SOURCES
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if FORBIDDEN.search(line.split("#", 1)[0])]
    assert hits == []
    evals = {(p.relative_to(REPO).as_posix(), f) for p in SOURCES for f in _functions_with(EVAL, p)}
    assert evals == EVAL_ALLOWED


def test_front_matter_loader_is_a_safe_loader():
    from pipelines.sources import _PlainLoader

    assert issubclass(_PlainLoader, yaml.SafeLoader)
    with pytest.raises(yaml.YAMLError):
        yaml.load("!!python/object/apply:os.system ['true']", Loader=_PlainLoader)  # noqa: S506


def test_a_topic_query_holding_python_is_only_words(tmp_path):
    from pipelines.text import matching_copy
    from pipelines.topics import TopicMatcher, read_topics

    marker = tmp_path / "ran"
    payload = f"\"x') or __import__('os').system('touch {marker}') or ('\" OR nato"
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump({"topics": [{"name": "T", "query": payload}]}))
    matcher = TopicMatcher(read_topics(path)).fit()
    assert not marker.exists()
    assert matcher.topics_of(matching_copy("NATO met today.")[0]) == ["T"]
    assert matcher.topics_of(matching_copy("Talks in Geneva.")[0]) == []
    assert not marker.exists()


def test_the_dashboard_binds_loopback_and_keeps_xsrf_protection_on():
    host = next(p for p in main.commands["dashboard"].params if p.name == "host")
    assert host.default == "127.0.0.1"
    cmd = dashboard_command("s.duckdb", 8501)
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    # Passed on the command line, so no .streamlit/config.toml can turn it off.
    assert cmd[cmd.index("--server.enableXsrfProtection") + 1] == "true"
    assert "--server.enableCORS" not in cmd
