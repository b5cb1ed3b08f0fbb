"""Pause points for the crash tests: a run that stops at a named point so a test can kill it.

A few places in a run call :func:`pause_point` with a fixed name:

=====================  ============================================================
``ingest:read``        the first batch of records read and ingested in memory, nothing written yet
``write:<table>``      just before the first write of ``<table>`` through
                       :func:`pipelines.storage.write_table` (``write:articles``,
                       ``write:rejects``, ``write:mentions``, ``write:article_clusters``,
                       ``write:runs`` ...)
``aggregate:deleted``  ``daily`` emptied in the working copy, not yet rebuilt
``store:replace``      the working copy finished and checkpointed, not yet moved over
                       the store
=====================  ============================================================

When the environment variable ``FRAMEWATCH_TEST_PAUSE_AT`` names the point, the process
writes its pid to the file named by ``FRAMEWATCH_TEST_PAUSE_FILE`` and sleeps until it is
killed (``tests/reliability/test_crash.py`` sends SIGKILL). Without the variable -- always,
outside that test -- a pause point does nothing. The variable is read at each call, not at
import.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_AT = "FRAMEWATCH_TEST_PAUSE_AT"
PAUSE_FILE = "FRAMEWATCH_TEST_PAUSE_FILE"


def pause_point(name: str) -> None:
    """Sleep until killed when ``$FRAMEWATCH_TEST_PAUSE_AT`` is *name*; otherwise return at once."""
    if os.environ.get(PAUSE_AT) != name:
        return
    marker = os.environ.get(PAUSE_FILE)
    if marker:
        # written whole, then renamed into place: a test polling for the file never reads it empty
        part = Path(f"{marker}.part")
        part.write_text(str(os.getpid()))
        os.replace(part, marker)
    while True:
        time.sleep(3600)
