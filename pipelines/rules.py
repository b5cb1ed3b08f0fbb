"""The version of the scoring rules: the code that turns the definitions into per-article scores.

The definitions (lexicon, word-choice pairs, topic queries, frame lexicon and threshold, targets)
are data with content-hash versions of their own (:func:`pipelines.incremental.definition_versions`).
The rules that apply them are code: whole-word matching and folding, the proper-name rule, voice
and speaker rules, sentence splitting, topic query semantics, frame counting, datelines, tone
(:func:`pipelines.engines.score_batch` and everything it calls). A change to those rules changes
the rows of ``mentions``, ``article_scores``, ``target_mentions``, ... for the same definitions, so
the store must know which rules its rows follow: :data:`RULES_VERSION` is recorded in every ``runs``
row that scores (``runs.rules_version``), and ``framewatch collect`` (``only_new``) scores every
stored article again when the store's last scoring recorded another version, or none (a store
written before the column: unknown rules).

We call it the *scoring rules* version, not the "method version": the project's documents already
name each such rule a rule (the proper-name rule, the speaker rules, the dateline rule), the stage
they belong to is the score stage, and "method" already means the dashboard's method notes (which
describe definitions and rules together) and ``article_frames.method`` (lexicon or model);
``code_version`` is the package version, which changes with any release and never with an
unreleased edit, so it cannot say whether stored scores are still valid.

How to bump: ``tests/pipelines/test_rules_version.py`` scores a small fixed corpus with fixed
definitions of its own and compares the digest of every table with :data:`RULES_DIGEST`. When a
change to the code changes those rows, it fails and prints the new digests: add a line to the
changelog below (commit, rule, tables changed), raise :data:`RULES_VERSION` and paste the digests.
A change that moves no row of that corpus but does change scores elsewhere needs the same bump
(and a sentence in the test corpus that shows it).

Changelog
---------
- ``r1``: the rules up to commit 7ebe146 (never recorded: stores of that time have no
  ``rules_version`` and read as None, unknown).
- ``r2``: eb0c535, a target named in a dateline ("Pyongyang, December 24 (KCNA) --",
  "BEIJING (Reuters) -") is no target (``target_mentions``).
- ``r3``: 38ceda6, a lower-case lexicon term written capitalised inside a capitalised name
  ("Young Thug", "Mark Savage") is not loaded wording (``mentions``, ``article_scores``, and so
  ``daily``).
"""

from __future__ import annotations

RULES_VERSION = "r3"
"""The version of the scoring rules (see the module's changelog); recorded as ``runs.rules_version``."""

RULES_DIGEST = {
    "mentions": "fdccade87fe7176c",
    "quotes": "d51019e95dc293bf",
    "article_topics": "2265a4ad956c7ab4",
    "article_scores": "c4e58943132f58b4",
    "pair_mentions": "795623b4ab86bf62",
    "article_frames": "75241d986df34ef8",
    "frame_mentions": "dd5d925e32e86ec4",
    "target_mentions": "ad008157696ed264",
}
"""Per table, the first 16 hex digits of SHA-256 over the rows :func:`pipelines.engines.score_batch`
gives for the fixed corpus of ``tests/pipelines/test_rules_version.py`` under :data:`RULES_VERSION`
(the test computes them from the code and prints them when they change)."""
