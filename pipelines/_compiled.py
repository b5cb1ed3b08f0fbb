"""Which pipeline modules run compiled, and the guard that keeps a stale build from running.

``pip install [-e] .`` compiles the per-article stages' modules (:data:`COMPILED`) with Cython
(``setup.py``): the same Python source, the same behaviour, about 1.3-1.5x less CPU. Beside
the compiled modules the build writes :data:`MANIFEST`, the SHA-256 of each source file it
compiled. Python prefers a compiled module (``quotes.cpython-311-*.so``) to its ``quotes.py``,
so a module edited after the build would silently run its old code; :func:`install` (run by
``pipelines/__init__.py`` before any other module is imported) checks each compiled module
against its source and sends the import of a stale one to its ``.py``. That costs speed, never
correctness, so it is silent (a warning would reach every command's error output); :func:`status`
says how each module runs, :func:`summary` in one line (the benchmarks print it), and
``tests/pipelines/test_compiled.py`` fails until ``pip install -e .`` or ``make`` compiles again.

Set the environment variable ``FRAMEWATCH_PURE_PYTHON=1`` to run every module from its
source (benchmarks compare the two; the tests compare their outputs).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from pathlib import Path

COMPILED = ("text", "quotes", "lexicon", "topics", "prepared", "score", "frames", "tone", "wordchoice", "syndication")
"""Modules of :mod:`pipelines` that ``setup.py`` compiles (each from ``pipelines/<name>.py``)."""

MANIFEST = "_compiled.json"
"""Written by the build beside the compiled modules: ``{"quotes": "<sha256 of quotes.py>", ...}``."""

PURE_PYTHON_ENV = "FRAMEWATCH_PURE_PYTHON"

_PACKAGE_DIR = Path(__file__).resolve().parent
_status: dict[str, str] = {}


def source_digest(path: str | os.PathLike) -> str:
    """SHA-256 (hex) of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _built_module(name: str, package_dir: Path) -> Path | None:
    """The compiled file of module *name* in *package_dir*, if there is one."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        p = package_dir / f"{name}{suffix}"
        if p.exists():
            return p
    return None


def decide(package_dir: Path = _PACKAGE_DIR, environ=os.environ) -> dict[str, str]:
    """How each module of :data:`COMPILED` should be imported.

    Returns
    -------
    dict of str to str
        module name -> ``"compiled"``, ``"source: not built"``, ``"source: FRAMEWATCH_PURE_PYTHON is set"``
        or ``"source: stale ..."`` (compiled from another version of the ``.py``, or with no
        manifest entry). Never raises: an unreadable manifest makes every built module stale.
    """
    pure = environ.get(PURE_PYTHON_ENV, "") not in ("", "0")
    try:
        built = json.loads((package_dir / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(built, dict):
            built = {}
    except (OSError, ValueError):
        built = {}
    out = {}
    for name in COMPILED:
        if _built_module(name, package_dir) is None:
            out[name] = "source: not built"
        elif pure:
            out[name] = f"source: {PURE_PYTHON_ENV} is set"
        elif (package_dir / f"{name}.py").exists() and built.get(name) != source_digest(package_dir / f"{name}.py"):
            out[name] = f"source: stale (pipelines/{name}.py changed since it was compiled)"
        else:
            out[name] = "compiled"
    return out


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Imports the listed ``pipelines`` modules from their ``.py`` files."""

    def __init__(self, sources: dict[str, Path]):
        self.sources = sources

    def find_spec(self, fullname, path=None, target=None):
        p = self.sources.get(fullname)
        if p is None:
            return None
        return importlib.util.spec_from_file_location(fullname, p)


def install() -> None:
    """Decide (:func:`decide`) and route the imports of the modules that must run from source."""
    _status.update(decide())
    sources = {f"pipelines.{name}": _PACKAGE_DIR / f"{name}.py"
               for name, how in _status.items() if how != "compiled"}
    if sources and not any(isinstance(f, _SourceFirst) for f in sys.meta_path):
        sys.meta_path.insert(0, _SourceFirst(sources))


def status() -> dict[str, str]:
    """Module name -> how it was imported (see :func:`decide`), as decided when :mod:`pipelines`
    was imported; ``{}`` before."""
    return dict(_status)


def summary() -> str:
    """One line for people: ``"compiled: all N modules"`` or ``"compiled: K of N; from source: score
    (stale ...), text (...)"`` (N = ``len(COMPILED)``)."""
    st = status()
    if not st:
        return "compiled: not decided (pipelines/__init__.py did not run the check)"
    src = [f"{n} ({how.removeprefix('source: ')})" for n, how in st.items() if how != "compiled"]
    if not src:
        return f"compiled: all {len(st)} modules"
    return f"compiled: {len(st) - len(src)} of {len(st)}; from source: " + ", ".join(src)
