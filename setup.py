"""Build of framewatch's compiled modules (the project's metadata is in pyproject.toml).

Every ``pip install [-e] .`` compiles, with the C compiler Python was built with:

* ``pipelines/_match.c`` -- fold, Aho-Corasick scan and resolve of lexicon matching in one pass
  (:class:`pipelines.lexicon.LexiconMatcher`), our own C; it needs only the Python headers.
* the score stages' Python modules (:data:`pipelines._compiled.COMPILED`: text, quotes, lexicon,
  topics, prepared, score, frames, tone, wordchoice, syndication), compiled unchanged by Cython (a build requirement in pyproject.toml),
  the generated C kept under ``build/cython``. Beside them the build writes
  ``pipelines/_compiled.json``, the SHA-256 of each source it compiled, so that a module edited
  after the build runs from its ``.py`` (:func:`pipelines._compiled.install`).

``language_level=3`` and ``annotation_typing=False``: annotations stay documentation, as in
CPython (an ``int`` annotation does not turn away a NumPy integer).
"""

import json
import os
import runpy

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
_GUARD = runpy.run_path(os.path.join(HERE, "pipelines", "_compiled.py"))  # standard library only
COMPILED = _GUARD["COMPILED"]


class BuildWithManifest(build_ext):
    """build_ext that also writes ``pipelines/_compiled.json`` beside the compiled modules
    (in the build directory, and in the source tree for an editable or in-place build)."""

    def run(self):
        super().run()
        manifest = json.dumps(DIGESTS, indent=1, sort_keys=True)
        dirs = {os.path.join(self.build_lib, "pipelines")}
        if self.inplace or getattr(self, "editable_mode", False):
            dirs.add(os.path.join(HERE, "pipelines"))
        for d in dirs:
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, _GUARD["MANIFEST"]), "w", encoding="utf-8") as f:
                f.write(manifest + "\n")


# the sources' digests are taken before Cython reads them: a file edited during the build is stale
DIGESTS = {name: _GUARD["source_digest"](os.path.join(HERE, "pipelines", f"{name}.py")) for name in COMPILED}
compiled = cythonize(
    [Extension(f"pipelines.{name}", [f"pipelines/{name}.py"]) for name in COMPILED],
    build_dir="build/cython",
    compiler_directives={"language_level": 3, "annotation_typing": False},
    quiet=True,
)

setup(
    ext_modules=[Extension("pipelines._match", sources=["pipelines/_match.c"]), *compiled],
    cmdclass={"build_ext": BuildWithManifest},
)
