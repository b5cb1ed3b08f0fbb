"""Build of framewatch's one compiled module (the project's metadata is in pyproject.toml).

``pipelines/_match.c`` -- fold, Aho-Corasick scan and resolve of lexicon matching in one pass
(:class:`pipelines.lexicon.LexiconMatcher`) -- is compiled by every ``pip install [-e] .`` with the
C compiler Python was built with; it needs only the Python headers.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("pipelines._match", sources=["pipelines/_match.c"])])
