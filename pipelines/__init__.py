"""framewatch: media-framing analytics.

The library is the product; the ``framewatch`` command line (:mod:`pipelines.cli`) and the
Streamlit dashboard (:mod:`dashboard`) are thin clients of the plain functions here.

Stages (each a pure core plus one wiring function that reads and writes the store):

* :mod:`pipelines.ingest` -- sources to ``articles`` and ``rejects``
* :mod:`pipelines.score` -- ``mentions``, ``quotes``, ``article_topics``, ``article_scores``
* :mod:`pipelines.aggregate` -- ``daily``
* :mod:`pipelines.rollups` -- rates per 1,000 words and shares of articles for any grouping
"""

__version__ = "0.1.0"

from . import _compiled

_compiled.install()  # before any other module: a module compiled from an older source runs its .py
