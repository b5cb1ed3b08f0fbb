"""Lexicons: reading, validating, versioning and matching loaded-wording terms.

A lexicon is a list of plain records (:class:`Entry`): a term, its other spellings, a
category, and optionally the target it labels, a neutral counterpart and a note. Files are
CSV (a header row with at least ``term``; ``variants`` are ``|``-separated), YAML (a list
of mappings with the same keys, or ``{entries: [...]}``) or LIWC/quanteda ``.dic``
dictionaries. Columns framewatch does not know (``lang``, ...) are kept in ``extra``.

Semantics (the matcher, :class:`LexiconMatcher`):

* A term matches whole words of the matching copy (:mod:`pipelines.text`): case, hyphens
  and dashes, quotes and apostrophes, non-breaking and soft hyphens are folded, so
  ``war games`` matches "War-Games" and "war\\u00a0games"; ``regime`` does not match
  "regimen", and matches "regime's" (the possessive splits off) but not "regimes" unless
  that is listed as a variant.
* A trailing ``*`` makes a prefix term: ``imperialis*`` matches "imperialist",
  "imperialism".
* Terms are literal text, not regular expressions: a term holding one of
  :data:`NOT_IN_WORDS` (``( ) [ ] { } + ? | \\ ^ $``), which folding reads as a space, is an
  error that says what the matcher would look for (``(war games`` is matched as "war games",
  ``imperial[ists`` as the two words "imperial ists").
* A category must be one of :data:`BUILTIN_CATEGORIES` (or ``loaded``, the default) or be
  declared by one of the lexicon files loaded together (a declaration covers them all, whichever
  holds it; :func:`category_problems`): a near miss of a known one (``pejoratve_label``,
  ``militarised language``) is an error, any other new one a warning, and new ones that look
  alike (``local_slur``, ``locl_slur``) one warning together.
* Overlapping matches resolve longest first, then earliest (as spaCy's ``filter_spans``):
  "imperialists' lackeys" counts once, as that term, not also as "imperialists".
* A multi-word term never matches across a sentence end or a line break.
* Nothing matches inside a web address (``http://evil.example`` holds no "evil").
* An entry with ``ignore: true`` is a *stop phrase*: it takes part in the longest-match
  rule (so ``sanctions regime`` blocks ``regime``) and is then dropped.
* A term written in lower case that the text writes capitalised inside a run of capitalised
  words, not opening a sentence or clause and not in a title-case headline, is part of a proper
  name ("Young Thug", "Mark Savage", "Al-Aqsa Martyrs Hospital"): :func:`name_parts` finds such
  matches and the score stage does not count them (:func:`pipelines.score.score_text`). Terms
  written with a capital in the lexicon ("US imperialists", "neo-Nazis") always count.

The lexicon version is a content hash of its entries (:attr:`Lexicon.version`); every run
records it, so numbers from different lexicons are never mixed silently.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import io
import json
import operator
import re
import warnings
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick_rs
import numpy as np
import pandas as pd
import yaml

from .errors import (LexiconError, check_path, listed, plural, read_utf8, repeated_key_error,
                     repeated_yaml_keys)
from .text import CopyOffsets, _table16, crosses_sentence_end, fold, matching_copy, scan_overlapping

try:   # compiled by `pip install [-e] .` (setup.py); without it every text takes the Python path
    from . import _match
except ImportError as _exc:   # pragma: no cover - the tests assert the module is built
    _match = None
    _MATCH_IMPORT_ERROR: ImportError | None = _exc
else:
    _MATCH_IMPORT_ERROR = None

BUILTIN_LEXICON = Path(__file__).resolve().parent.parent / "data" / "lexicon" / "loaded_wording.csv"
DEFAULT_CATEGORY = "loaded"
KNOWN_COLUMNS = ("term", "variants", "category", "target", "counterpart", "note", "ignore")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_URL_KEYS = ("http", "www")
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f", ""}
BUILTIN_CATEGORIES = ("pejorative_label", "delegitimising_label", "militarised_language", "euphemism", "doubt_casting",
                      "glorifying", "victimhood", "conspiracy_framing", "dehumanising", "hyperbole")
"""The built-in lexicon's categories (``data/lexicon/README.md``); a test checks they are its file's."""
NOT_IN_WORDS = "()[]{}+?|\\^$"
"""Characters a user may write as regular-expression syntax. Folding reads each as a space (none is
a letter or digit), so a term holding one is an error (:func:`literal_problem`); ``*`` is handled on
its own (a trailing one makes a prefix term)."""
_CATEGORIES_COMMENT_RE = re.compile(r"#\s*categories\s*:(.*)", re.IGNORECASE)
_DIGITS_RE = re.compile(r"\d+")


@dataclass(frozen=True)
class Entry:
    """One lexicon record. ``line`` is the 1-based line of the record in ``source``."""

    term: str
    category: str = DEFAULT_CATEGORY
    variants: tuple[str, ...] = ()
    target: str | None = None
    counterpart: str | None = None
    note: str | None = None
    ignore: bool = False
    source: str = ""
    line: int = 0
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.term, *self.variants)


@dataclass(frozen=True)
class Lexicon:
    """A validated set of entries with its content hash."""

    entries: tuple[Entry, ...]
    sources: tuple[str, ...]

    @property
    def version(self) -> str:
        """``lex-`` and 12 hex digits of SHA-256 over the entries' content (not their files)."""
        rows = sorted(json.dumps([e.term, sorted(e.variants), e.category, e.target, e.counterpart, e.note,
                                  e.ignore], ensure_ascii=False) for e in self.entries)
        return "lex-" + hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()[:12]

    @property
    def categories(self) -> list[str]:
        return sorted({e.category for e in self.entries if not e.ignore})

    @property
    def n_terms(self) -> int:
        """Entries that are terms (counted when matched): every entry but the stop phrases."""
        return sum(1 for e in self.entries if not e.ignore)

    @property
    def n_stop_phrases(self) -> int:
        """Entries marked ``ignore`` (stop phrases: they block a shorter term inside them, never counted)."""
        return sum(1 for e in self.entries if e.ignore)

    @property
    def n_variants(self) -> int:
        """Other spellings of the terms (``variants``), stop phrases' not counted."""
        return sum(len(e.variants) for e in self.entries if not e.ignore)

    def counts_text(self) -> str:
        """The lexicon in numbers, as ``framewatch lexicon check`` says them: ``344 terms in 10 categories
        (conspiracy_framing, ...), with 325 variant spellings; 22 stop phrases (366 entries in all)``. A
        term is an entry that is counted when matched; a stop phrase is an entry that only blocks a
        shorter term inside it (``ignore: true``); entries are the lexicon's records, both kinds."""
        cats = self.categories
        text = (f"{plural(self.n_terms, 'term')} in {plural(len(cats), 'category', 'categories')} "
                f"({', '.join(cats) if len(cats) <= 10 else listed(cats, 10)})")
        if self.n_variants:
            text += f", with {plural(self.n_variants, 'variant spelling')}"
        if self.n_stop_phrases:
            text += (f"; {plural(self.n_stop_phrases, 'stop phrase')} "
                     f"({plural(len(self.entries), 'entry', 'entries')} in all)")
        return text

    def to_frame(self) -> pd.DataFrame:
        """The ``lexicon`` table."""
        return pd.DataFrame({
            "term": [e.term for e in self.entries],
            "variants": ["|".join(e.variants) or None for e in self.entries],
            "category": [e.category for e in self.entries],
            "target": [e.target for e in self.entries],
            "counterpart": [e.counterpart for e in self.entries],
            "note": [e.note for e in self.entries],
            "ignore": [e.ignore for e in self.entries],
            "source": [Path(e.source).name for e in self.entries],
            "extra": [json.dumps(e.extra, ensure_ascii=False) if e.extra else None for e in self.entries],
        })


def _clean(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _parse_bool(value, where: str) -> bool:
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise LexiconError("invalid value in column 'ignore'", where=where, expected="true or false (or empty)",
                       found=repr(value), fix="write true for a stop phrase, false or nothing otherwise")


def _spelling_problem(spelling: str, where: str) -> LexiconError | None:
    """What is wrong with one spelling (term or variant) of an entry, or None."""
    if "\n" in spelling or "\r" in spelling:
        return LexiconError("line break inside a term", where=where, expected="one term per line",
                            found=repr(spelling[:60]), fix="close the quotation mark opened on this line")
    core = spelling[:-1] if spelling.endswith("*") else spelling
    if "*" in core:
        return LexiconError("'*' inside a term", where=where, expected="'*' only at the end (prefix match)",
                            found=repr(spelling), fix="remove the '*' or move it to the end")
    if not fold(core):
        return LexiconError("term has no letters or digits", where=where,
                            expected="at least one letter or digit", found=repr(spelling),
                            fix="write the word itself; punctuation is ignored when matching")
    return literal_problem(spelling, where)


_ESCAPE_RE = re.compile(r"\\[bBs]")   # \b, \B, \s: the escapes a term list may carry ('\bregime\b')
_LETTER_ESCAPE_RE = re.compile(r"\\[^\W\d_]")   # a backslash before a letter: the letter stays
_NOT_IN_WORDS_RE = re.compile("[%s]" % re.escape(NOT_IN_WORDS))
_INSIDE_WORD_RE = re.compile(r"(?<=\w)[%s]+(?=\w)" % re.escape(NOT_IN_WORDS))   # imperial[ists


def literal_problem(spelling: str, where: str) -> LexiconError | None:
    """The error for a term (or variant) holding a character of :data:`NOT_IN_WORDS`, or None.

    Terms are literal: folding (:func:`pipelines.text.fold`) reads each such character as a space,
    so ``(war games`` is matched as "war games" and ``imperial[ists`` as the two words "imperial
    ists" (never "imperialists"). The message quotes what the matcher looks for and the term
    without the characters as the fix (``\\b``, ``\\B`` and ``\\s`` dropped whole: ``\\bregime\\b`` ->
    "regime").

    Parameters
    ----------
    spelling : a term or variant as written (a trailing ``*`` is a prefix mark, left out here).
    where : file, line and column, for the error.

    Returns
    -------
    LexiconError or None
    """
    prefix = spelling.endswith("*")
    core = spelling[:-1] if prefix else spelling
    chars = [c for c in dict.fromkeys(core) if c in NOT_IN_WORDS]
    if not chars:
        return None
    star = "*" if prefix else ""
    looked_for = fold(core) + star
    named = " and ".join(f"'{c}'" for c in chars)
    what = f"'{spelling}' is matched as '{looked_for}'"
    suggestion = " ".join(_NOT_IN_WORDS_RE.sub(" ", _INSIDE_WORD_RE.sub("", _ESCAPE_RE.sub(" ", core))).split()) + star
    if _INSIDE_WORD_RE.search(core) and not _ESCAPE_RE.search(core):   # it splits a word: say which it misses
        what += f", not '{fold(_INSIDE_WORD_RE.sub('', core))}{star}'"
    what += f": {named} {'is' if len(chars) == 1 else 'are'} not part of a word (the matcher reads "
    what += f"{'it' if len(chars) == 1 else 'each'} as a space; a term is literal text, not a regular expression)"
    if _LETTER_ESCAPE_RE.search(core):
        what += f"; after '\\' a letter is just that letter"
    if "|" in chars:
        fix = ("'|' separates spellings only in the 'variants' cell (CSV, or a YAML string): "
               "write one spelling here and the others there")
    elif suggestion and fold(suggestion.rstrip("*")):
        fix = f"write '{suggestion}'"
    else:
        fix = f"remove {named}"
    return LexiconError(what, where=where, found=repr(spelling), fix=fix,
                        expected="a literal term: words, without ( ) [ ] { } + ? | \\ ^ $")


def _make_entry(row: dict, source: str, line: int, where_col, problems: list | None = None) -> Entry | None:
    """The :class:`Entry` of one record; raises its first problem, or, given a *problems* list, appends
    every problem of the record (empty term, each bad spelling, a bad ``ignore``) and returns None."""
    found: list[LexiconError] = []
    term = _clean(row.get("term"))
    if term is None:
        found.append(LexiconError("empty term", where=where_col("term"), expected="a word or phrase",
                                  found="an empty cell", fix="fill in the term or delete the line"))
    variants_raw = row.get("variants")
    if isinstance(variants_raw, (list, tuple)):
        variants = tuple(v for v in (_clean(x) for x in variants_raw) if v)
    else:
        variants = tuple(v for v in (_clean(x) for x in (str(variants_raw or "")).split("|")) if v)
    for spelling, col in ([(term, "term")] if term is not None else []) + [(v, "variants") for v in variants]:
        problem = _spelling_problem(spelling, where_col(col))
        if problem is not None:
            found.append(problem)
    ignore = False
    try:
        ignore = _parse_bool(row.get("ignore"), where_col("ignore"))
    except LexiconError as exc:
        found.append(exc)
    if found:
        if problems is None:
            raise found[0]
        problems.extend(found)
        return None
    extra = {k: v for k, v in row.items() if k not in KNOWN_COLUMNS and k is not None and _clean(v) is not None}
    return Entry(term=term, category=_clean(row.get("category")) or DEFAULT_CATEGORY, variants=variants,
                 target=_clean(row.get("target")), counterpart=_clean(row.get("counterpart")),
                 note=_clean(row.get("note")), ignore=ignore,
                 source=source, line=line, extra={k: str(v) for k, v in extra.items()})


def check_header(header: list[str], path: Path, line: int) -> None:
    """Stop at a CSV header (of a lexicon, frame lexicon or pairs file) that names a column twice, or
    twice but for case (columns are read ignoring it): each record's cells are read by name, so the
    last column's cell would be read and the first's lost without a word.

    Raises
    ------
    LexiconError
        Naming the column, both column numbers and the header's line.
    """
    first: dict[str, int] = {}
    for i, name in enumerate(header):
        name = name.strip()
        j = first.setdefault(name.lower(), i) if name else i
        if j != i:
            given = header[j].strip()
            found = (f"'{given}' as columns {j + 1} and {i + 1}" if given == name else
                     f"'{given}' as column {j + 1} and '{name}' as column {i + 1} (columns are read ignoring case)")
            raise LexiconError(f"column '{given}' is given twice in the header", where=f"{path}, line {line}",
                               expected=f"each column once (only the last is read: column {j + 1}'s cells would "
                                        "be lost)", found=found,
                               fix="rename or delete one of the two columns")


def csv_records(reader, path: Path, problems: list | None = None):
    """``(line, cells)`` of each record of a ``csv.reader`` made with ``strict=True``, *line* its first line.

    With a *problems* list, a bad record (below) is appended to it as a :class:`LexiconError` and
    skipped, and reading goes on with the next line.

    Raises
    ------
    LexiconError
        Without *problems*: on a quote the reader cannot close, or a record that spans lines: a
        term, variant or category never holds a line break, so such a record is an unclosed quote
        that swallowed the lines after it.
    """
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            error = LexiconError("a quoted cell is not closed where it should be", where=f"{path}, line {line}",
                                 expected='a cell that starts with " to end with " before the delimiter or the line end',
                                 found=f"csv: {exc}",
                                 fix='close the quote, or double a quote inside a quoted cell ("")')
            if problems is None:
                raise error from None
            problems.append(error)
            line = reader.line_num + 1
            continue
        if reader.line_num > line and any("\n" in c or "\r" in c for c in row):
            error = LexiconError("a cell spans lines", where=f"{path}, lines {line}-{reader.line_num}",
                                 expected="one record per line", found=f"{reader.line_num - line + 1} lines in one record",
                                 fix=f"end the quoted cell on line {line} (a quote opened there closes later)")
            if problems is None:
                raise error
            problems.append(error)
        else:
            yield line, row
        line = reader.line_num + 1


def _read_csv(path: Path, problems: list | None = None, declared: dict | None = None) -> list[Entry]:
    raw = read_utf8(path, LexiconError, "lexicon file")
    raw, first = _leading_comments(raw, path, declared)
    try:
        dialect = csv.Sniffer().sniff(first or ",", delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(raw, newline=""), delimiter=delimiter, strict=True)
    rows = csv_records(reader, path, problems)
    header_line, header = next(((n, r) for n, r in rows if r), (0, None))   # after the '#' lines
    if header is None:
        raise LexiconError("empty lexicon file", where=str(path), expected="a header row with a 'term' column",
                           found="no lines", fix="add a header line 'term' and one term per line")
    check_header(header, path, header_line)
    header = [h.strip().lower() for h in header]
    if "term" not in header:
        raise LexiconError("no 'term' column", where=f"{path}, line {header_line}",
                           expected="a header row with a 'term' column",
                           found=f"the columns {listed(header, 6, quote=True)}", fix="name the column of terms 'term'")
    entries = []
    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        if _CATEGORIES_COMMENT_RE.match(row[0].strip()):
            error = LexiconError("a '# categories:' line after the header", where=f"{path}, line {line}",
                                 expected="the declaration before the header line", found=repr(delimiter.join(row)),
                                 fix="move the line above the header (after it, it would be read as a term)")
            if problems is None:
                raise error
            problems.append(error)
            continue
        if len(row) > len(header):
            error = LexiconError("more cells than header columns", where=f"{path}, line {line}",
                                 expected=f"{plural(len(header), 'cell')} ({listed(header, 6)})",
                                 found=plural(len(row), "cell"),
                                 fix="quote cells that contain the delimiter")
            if problems is None:
                raise error
            problems.append(error)
            continue
        record = dict(zip(header, row))
        entries.append(_make_entry(record, str(path), line, lambda c, line=line: f"{path}, line {line}, column '{c}'",
                                   problems))
    return [e for e in entries if e is not None]


def _leading_comments(raw: str, path: Path, declared: dict | None) -> tuple[str, str]:
    """A CSV lexicon's text with the ``#`` lines before its header blanked (line numbers kept), and
    its header line. A ``# categories: a, b`` line declares categories: added to *declared* (name ->
    file and line) when given."""
    lines = raw.split("\n")
    for i, line in enumerate(lines):
        text = line.strip()
        if text and not text.startswith("#"):
            return "\n".join([""] * i + lines[i:]), text
        m = _CATEGORIES_COMMENT_RE.match(text)
        if m and declared is not None:
            for name in filter(None, (c.strip() for c in m.group(1).split(","))):
                declared.setdefault(name, f"{path}, line {i + 1}")
    return "", ""


def _read_yaml(path: Path, problems: list | None = None, declared: dict | None = None) -> list[Entry]:
    text = read_utf8(path, LexiconError, "lexicon file")
    loader = yaml.SafeLoader(text)   # parsed once: the nodes give lines and repeated keys, then the document
    try:
        node = loader.get_single_node()
        nodes, merge_line = node, None   # merge_line: of a top-level '<<:', read before building removes it
        if isinstance(node, yaml.MappingNode):
            nodes = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == "entries"), node)
            merge_line = next((k.start_mark.line + 1 for k, _ in node.value if k.tag == "tag:yaml.org,2002:merge"), None)
        entry_nodes = nodes.value if isinstance(nodes, yaml.SequenceNode) else []
        # repeated keys are looked for before the document is built, which flattens merge keys into the nodes
        if repeats := repeated_yaml_keys(node, skip=entry_nodes):   # outside the entries: the whole file's problem
            raise repeated_key_error(repeats[0], path, LexiconError)
        trail = ("'entries'",) if nodes is not node else ()
        entry_repeats = [repeated_yaml_keys(n, fold=str.lower, trail=(*trail, f"item {i}"))   # keys ignoring case
                         for i, n in enumerate(entry_nodes, 1)]
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        raise LexiconError("not valid YAML", where=where, expected="a list of entries",
                           found=str(getattr(exc, "problem", exc)), fix="check indentation and quoting") from None
    finally:
        loader.dispose()
    items = data
    if isinstance(data, dict) and "entries" in data:
        if nodes is node:   # only a merge key gave it: no node of its own to take lines from
            raise LexiconError("'entries' given through a merge key", where=f"{path}, line {merge_line}",
                               expected="'entries:' written at the top of the file", found="'<<:' giving 'entries'",
                               fix="write 'entries:' and its list at the top level of the file")
        items = data["entries"]
        _declared_in_yaml(data, node, path, declared)
    if not isinstance(items, list):
        raise LexiconError("wrong YAML shape", where=str(path), expected="a list of entries or {entries: [...]}",
                           found=type(items).__name__, fix="put each entry under 'entries:' as '- term: ...'")
    entries = []
    for i, (item, n, repeats) in enumerate(zip(items, entry_nodes, entry_repeats), 1):
        line = n.start_mark.line + 1
        if isinstance(item, str):
            item = {"term": item}
        if not isinstance(item, dict):
            error = LexiconError("entry is not a mapping", where=f"{path}, line {line}", expected="term: ... mapping",
                                 found=repr(item), fix="write the entry as '- term: ...'")
            if problems is None:
                raise error
            problems.append(error)
            continue
        if repeats:
            error = repeated_key_error(repeats[0], path, LexiconError, ignoring_case=True)
            if problems is None:
                raise error
            problems.append(error)
            continue
        item = {str(k).lower(): v for k, v in item.items()}
        entries.append(_make_entry(item, str(path), line, lambda c, line=line: f"{path}, line {line}, key '{c}'",
                                   problems))
    return [e for e in entries if e is not None]


def _declared_in_yaml(data: dict, node, path: Path, declared: dict | None) -> None:
    """Add the ``categories:`` of a YAML lexicon (a list of names, or a mapping of name to
    description) to *declared* (name -> file and line)."""
    if "categories" not in data or declared is None:
        return
    names = data["categories"]
    # the last such key (once built, merged keys come first in the node; the last is the one read)
    line = next(k.start_mark.line + 1 for k, _ in reversed(node.value)
                if isinstance(k, yaml.ScalarNode) and k.value == "categories")
    if isinstance(names, str):
        names = names.split(",")
    if not isinstance(names, (list, dict)) or not all(isinstance(n, str) for n in names):
        raise LexiconError("wrong YAML shape", where=f"{path}, line {line}, key 'categories'",
                           expected="a list of category names", found=repr(names),
                           fix="write 'categories: [my_category, other_category]'")
    for name in names:
        if name.strip():
            declared.setdefault(name.strip(), f"{path}, line {line}")


def _read_dic(path: Path, problems: list | None = None, declared: dict | None = None) -> list[Entry]:
    """LIWC / quanteda ``.dic``: a ``%``-delimited block of ``id<TAB>category``, then ``term<TAB>ids``."""
    lines = read_utf8(path, LexiconError, "lexicon file").splitlines()
    marks = [i for i, line in enumerate(lines) if line.strip() == "%"]
    if len(marks) < 2:
        raise LexiconError("not a LIWC-style .dic file", where=str(path), expected="two lines holding only '%'",
                           found=f"{len(marks)}", fix="wrap the category block in '%' lines")
    cats = {}
    for i in range(marks[0] + 1, marks[1]):
        parts = lines[i].split()
        if len(parts) >= 2:
            cats[parts[0]] = parts[1]
            if declared is not None:   # a .dic declares every category it uses
                declared.setdefault(parts[1], f"{path}, line {i + 1}")
    entries = []
    for i in range(marks[1] + 1, len(lines)):
        parts = [p for p in lines[i].split("\t") if p.strip()] if "\t" in lines[i] else lines[i].split()
        if not parts:
            continue
        term, ids = parts[0].strip(), [p.strip() for p in parts[1:]]
        for cid in ids or [None]:
            if cid is not None and cid not in cats:
                error = LexiconError("unknown category id", where=f"{path}, line {i + 1}",
                                     expected=f"an id of the '%' block ({listed(sorted(cats), 6, quote=True)})",
                                     found=repr(cid),
                                     fix="declare the category in the '%' block")
                if problems is None:
                    raise error
                problems.append(error)
                continue
            entries.append(_make_entry({"term": term, "category": cats.get(cid)}, str(path), i + 1,
                                       lambda c, i=i: f"{path}, line {i + 1}", problems))
    return [e for e in entries if e is not None]


def read_lexicon(path: str | Path, problems: list[LexiconError] | None = None,
                 declared: dict[str, str] | None = None) -> list[Entry]:
    """Read one lexicon file (``.csv``, ``.tsv``, ``.txt``, ``.yaml``, ``.yml``, ``.dic``).

    Parameters
    ----------
    path : the file.
    problems : optional list. Given, every problem of a record (a bad cell, an unclosed quote, a
        record with too many cells, an entry that is not a mapping or gives a key twice, an unknown
        ``.dic`` category) is
        appended to it in file order, each record's problems in column order, and the record is left
        out; the entries of the good records are returned. A problem with the whole file (below)
        still raises, since nothing after it can be read.
    declared : optional dict. Given, the categories the file declares are added to it (name -> file
        and line): ``# categories: a, b`` lines before a CSV's header, ``categories: [a, b]`` beside a
        YAML's ``entries:``, a ``.dic`` file's ``%`` block. Pass one dict to the files read together
        (:func:`load_lexicon`, :func:`check_lexicon_files` do): :func:`category_problems` accepts its
        categories in every one of them, not only in the file that declares them.

    Returns
    -------
    list of :class:`Entry`, in file order.

    Raises
    ------
    LexiconError
        With file, line, column, what was expected and found: for the first problem, or, with
        *problems*, for a problem with the whole file (not found, not UTF-8, unsupported type,
        empty, no ``term`` column, not valid YAML or of the wrong shape, a YAML key given twice outside
        the entries, no ``%`` block). A YAML key given twice in one mapping is an error wherever it
        is (YAML would keep the last value without a word); in an entry, keys are read ignoring
        case, so ``Term:`` and ``term:`` are the same key.
    """
    path = Path(path)
    if not path.is_file():
        raise LexiconError("lexicon file not found", where=str(path), expected="a CSV, YAML or .dic file",
                           found="nothing at this path", fix="check the path given to --lexicon")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return _read_csv(path, problems, declared)
    if suffix in (".yaml", ".yml"):
        return _read_yaml(path, problems, declared)
    if suffix == ".dic":
        return _read_dic(path, problems, declared)
    raise LexiconError("unsupported lexicon file type", where=str(path), expected=".csv, .tsv, .yaml, .yml or .dic",
                       found=repr(suffix or "no extension"), fix="save the lexicon as CSV or YAML")


def build_lexicon(entries: list[Entry], problems: list[LexiconError] | None = None) -> tuple[Lexicon | None, list[str]]:
    """Check entries across files and build a :class:`Lexicon`.

    The same spelling (after folding) twice with the same category is kept once, with a
    warning; with different categories it is an error, because a mention must have one
    category.

    Parameters
    ----------
    entries : the entries of one or several files, in order.
    problems : optional list. Given, each spelling claimed by two categories is appended to it
        (named at the later entry, whose :attr:`~pipelines.errors.FramewatchError.where` is its
        file and line; the entry is left out), and so is an empty lexicon, instead of raising.

    Returns
    -------
    (lexicon, warnings)
        *lexicon* is None when, with *problems*, the entries hold no term that is not a stop phrase.

    Raises
    ------
    LexiconError
        Without *problems*: on a spelling claimed by two categories, or an empty lexicon.
    """
    seen: dict[str, Entry] = {}
    kept: list[Entry] = []
    warnings: list[str] = []
    for entry in entries:
        duplicate_of = None
        conflicts = []
        for spelling in entry.spellings:
            key = fold(spelling.rstrip("*")) + ("*" if spelling.endswith("*") else "")
            other = seen.get(key)
            if other is None:
                continue
            if other.category != entry.category or other.ignore != entry.ignore:
                conflicts.append(LexiconError(
                    f"'{spelling}' is listed twice with different categories",
                    where=f"{entry.source}, line {entry.line}",
                    expected="each term (after folding case, hyphens and apostrophes) in one category",
                    found=f"'{other.category}' at {other.source}, line {other.line} and '{entry.category}' here",
                    fix="keep one of the two lines"))
                if problems is None:
                    raise conflicts[0]
            duplicate_of = other
        if conflicts:
            problems.extend(conflicts)
            continue
        if duplicate_of is not None and fold(entry.term) == fold(duplicate_of.term):
            warnings.append(f"{entry.source}, line {entry.line}: '{entry.term}' repeats line {duplicate_of.line}; "
                            "kept once")
            continue
        for spelling in entry.spellings:
            seen.setdefault(fold(spelling.rstrip("*")) + ("*" if spelling.endswith("*") else ""), entry)
        kept.append(entry)
    if not any(not e.ignore for e in kept):
        error = LexiconError("the lexicon has no terms", expected="at least one entry that is not a stop phrase",
                             found=f"only {plural(len(kept), 'stop phrase')}" if kept else "no entries",
                             fix="add terms, one per line")
        if problems is None:
            raise error
        problems.append(error)
        return None, warnings
    return Lexicon(tuple(kept), tuple(sorted({e.source for e in kept}))), warnings


def _declare_how(names: str, source: str) -> str:
    """How to declare the categories *names* in a lexicon file like *source*: ``'# categories: a, b' above
    the header`` (CSV), ``'categories: [a, b]' beside 'entries:'`` (YAML). A declaration covers every
    lexicon file loaded with the one that holds it, whatever their order: the ``--lexicon`` and
    ``--extra-lexicon`` files of one command alike, and the files of one ``framewatch lexicon check``
    (its help says so; the messages stay short)."""
    if Path(source).suffix.lower() in (".yaml", ".yml"):
        return f"'categories: [{names}]' beside 'entries:'"
    return f"'# categories: {names}' above the header"


def _category_key(name: str) -> str:
    """A category name compared loosely: lower case, runs of spaces, hyphens and underscores as one '_'."""
    return re.sub(r"[\s_-]+", "_", name.strip().lower()).strip("_")


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    neighbours (Damerau 1964) cost 1 each."""
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


def near_category(name: str, known) -> str | None:
    """The *known* category *name* is most likely a misspelling of, or None: equal after
    :func:`_category_key` (case, spaces, hyphens, underscores), else within an edit distance of 1
    (names of fewer than 10 characters) or 2 (longer), the closest first, then the first in *known*."""
    key = _category_key(name)
    best = None
    for k in known:
        d = _edit_distance(key, _category_key(k))
        if d <= (1 if len(k) < 10 else 2) and (best is None or d < best[0]):
            best = (d, k)
    return best[1] if best else None


def _look_alike(a: str, b: str) -> bool:
    """Whether two new category names look like one name and a typo of it: :func:`near_category`
    either way (so the longer name sets the distance allowed), unless they differ only in their numbers
    (``frame_1``, ``frame_2``: a series meant as such)."""
    ka, kb = _category_key(a), _category_key(b)
    if ka != kb and _DIGITS_RE.sub("0", ka) == _DIGITS_RE.sub("0", kb):
        return False
    return near_category(a, (b,)) is not None or near_category(b, (a,)) is not None


def _uses_text(uses: list[Entry]) -> str:
    """The lines of a category's uses: ``line 3``, ``2 lines (9, 10)``, five at most."""
    lines = ", ".join(str(e.line) for e in uses[:5]) + (", ..." if len(uses) > 5 else "")
    return f"line {lines}" if len(uses) == 1 else f"{plural(len(uses), 'line')} ({lines})"


def _where(source: str, line: int) -> str:
    """A category cell's place: file, line and its column (CSV, .dic) or key (YAML)."""
    column = ", key 'category'" if Path(source).suffix.lower() in (".yaml", ".yml") else ", column 'category'"
    return f"{source}, line {line}{column}"


def _alike_warning(group: list[tuple[str, str]], unknown: dict[tuple[str, str], list[Entry]]) -> str:
    """One warning for new categories that look alike (:func:`_look_alike`): *group* is their
    ``(file, name)`` keys of *unknown* in order of first use. Names each with its lines (and its file
    when not the first's), and the fix: correct the less used names to the most used one (the first
    used, on a tie), or declare them all."""
    first = group[0][0]
    names = list(dict.fromkeys(name for _, name in group))
    count = {name: sum(len(unknown[key]) for key in group if key[1] == name) for name in names}
    keep = max(names, key=lambda name: count[name])   # max keeps the first of equals
    shown = []
    for source, name in group:
        uses = _uses_text(unknown[(source, name)])
        shown.append(f"'{name}' on {uses}" if source == first else f"'{name}' in {source} on {uses}")
    others = [name for name in names if name != keep]
    # Three names at most are written out (a group of many would make a line of hundreds of characters).
    few = len(names) <= 3
    alike = listed(shown, 3 if few else 2)
    for_others = " and ".join(repr(n) for n in others) if few else f"the {len(others)} others"
    declare = _declare_how(", ".join(names), first) if few else \
        _declare_how(", ".join(names[:2]) + f", ... ({len(names)} names)", first)
    return (f"{_where(first, unknown[group[0]][0].line)}: new categories {alike} look alike: is "
            f"{'one a typo of the other' if len(names) == 2 else 'one of them a typo'}? Each is kept as its own "
            f"category. If they are one, write '{keep}' for {for_others}, then declare '{keep}'; if not, "
            f"declare {'both' if len(names) == 2 else 'them all'} ({declare})")


def category_problems(entries: list[Entry], declared: dict[str, str] | None = None) -> tuple[list[LexiconError], list[str]]:
    """Check the entries' categories against the known ones: :data:`BUILTIN_CATEGORIES`,
    :data:`DEFAULT_CATEGORY` and those declared (*declared*, from :func:`read_lexicon`). A
    declaration covers every file of *entries*: the lexicon files loaded together, whichever of
    them holds it (:func:`load_lexicon`, :func:`check_lexicon_files`).

    A category is a name compared exactly, so a typo would be a category of its own with "ok".
    For each unknown category of each file (named at its first line, with how many lines use it):

    * an error when it is a near miss of a known one (:func:`near_category`: ``pejoratve_label``,
      ``militarised language``, ``Euphemism``), saying which;
    * otherwise a warning: users write categories of their own; declaring them silences it.
      New categories that look alike (``local_slur`` and ``locl_slur``: :func:`near_category` of
      each other, in one file or several; not names that differ only in a number, ``frame_1`` and
      ``frame_2``) get one warning together, naming each with its lines, that asks whether one is
      a typo and says both fixes: write one name for all, or declare each.

    Returns
    -------
    (errors, warnings)
        :class:`~pipelines.errors.LexiconError` s whose ``where`` is the file, line and column, and
        warning lines, in order of first use.
    """
    known = dict.fromkeys((*BUILTIN_CATEGORIES, DEFAULT_CATEGORY, *(declared or {})))
    unknown: dict[tuple[str, str], list[Entry]] = {}
    for e in entries:
        if e.category not in known:
            unknown.setdefault((e.source, e.category), []).append(e)
    errors: list[LexiconError] = []
    new: list[tuple[str, str]] = []
    for (source, name), uses in unknown.items():
        near = near_category(name, known)
        if near is None:
            new.append((source, name))
            continue
        errors.append(LexiconError(
            f"unknown category '{name}': did you mean '{near}'?", where=_where(source, uses[0].line),
            expected=f"a built-in category ({listed(BUILTIN_CATEGORIES, 2)}), '{DEFAULT_CATEGORY}' or a declared one",
            found=f"'{name}' on {_uses_text(uses)}",
            fix=f"write '{near}', or declare '{name}' ({_declare_how(name, source)})"))
    names = list(dict.fromkeys(name for _, name in new))
    parent = list(range(len(names)))   # look-alike names joined into groups (union-find), first use first

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if _look_alike(names[i], names[j]):
                a, b = sorted((root(i), root(j)))
                parent[b] = a
    group = {name: root(i) for i, name in enumerate(names)}
    groups: dict[int, list[tuple[str, str]]] = {}
    for key in new:
        groups.setdefault(group[key[1]], []).append(key)
    warns: list[str] = []
    said: set[int] = set()
    for source, name in new:
        g = group[name]
        if len({n for _, n in groups[g]}) > 1:
            if g not in said:
                said.add(g)
                warns.append(_alike_warning(groups[g], unknown))
            continue
        warns.append(f"{_where(source, unknown[(source, name)][0].line)}: category '{name}' is not a built-in one "
                     f"({_uses_text(unknown[(source, name)])}); kept as a new category. If it is meant, "
                     f"declare it ({_declare_how(name, source)})")
    return errors, warns


def load_lexicon(paths: list[str | Path] | None = None, extra: list[str | Path] | None = None) -> tuple[Lexicon, list[str]]:
    """Load lexicon files *instead of* the built-in one (*paths*) or *beside* it (*extra*).

    The files are checked together: a category declared in any of them is known in all of them
    (:func:`category_problems`), and a term may not take two categories across them
    (:func:`build_lexicon`).

    Returns
    -------
    (lexicon, warnings)
        The warnings: new categories (one per category and file, or one for new categories that
        look alike) and terms repeated in one category, as :func:`category_problems` and
        :func:`build_lexicon` word them.

    Raises
    ------
    LexiconError
        The first problem of the files (as :func:`read_lexicon` and :func:`build_lexicon` name it);
        when they hold more, its fix says how many and that ``framewatch lexicon check`` lists them all.
    """
    files = [Path(p) for p in paths] if paths else [BUILTIN_LEXICON]
    files += [Path(p) for p in extra or ()]
    entries: list[Entry] = []
    problems: list[LexiconError] = []
    declared: dict[str, str] = {}
    for f in files:
        entries.extend(read_lexicon(f, problems, declared))
    category_errors, warnings = category_problems(entries, declared)
    if category_errors:   # in file order, then line order, as lexicon check lists them
        order = {str(f): i for i, f in enumerate(files)}
        problems[:] = sorted(problems + category_errors,
                             key=lambda e: (order.get(re.split(r", lines? ", e.where or "")[0], len(order)), _line_of(e)))
    if entries or not problems:   # as lexicon check: no entry read past the problems is not one more
        lexicon, build_warnings = build_lexicon(entries, problems)
        warnings += build_warnings
    if problems:
        first = problems[0]
        if len(problems) > 1:
            more = (f"{len(problems) - 1} more problem{'s' if len(problems) > 2 else ''} in the lexicon files; "
                    f"`framewatch lexicon check {' '.join(str(f) for f in files)}` lists every one")
            raise LexiconError(first.what, where=first.where, expected=first.expected, found=first.found,
                               fix=f"{first.fix} ({more})" if first.fix else more)
        raise first
    return lexicon, warnings


def check_lexicon_files(paths: list[str | Path]) -> tuple[Lexicon | None, list[str], list[tuple[str, list[LexiconError]]]]:
    """Validate lexicon files as ``framewatch lexicon check`` does: every problem of every file, in one pass.

    Each file is read once (its path checked, then :func:`read_lexicon` collecting every bad
    record); the good records of all the files are then built once (:func:`build_lexicon`,
    collecting every term claimed by two categories, within a file or across files, named at
    the later line). The categories are checked once for all the files
    (:func:`category_problems`): a category declared in one of them is known in all of them. A
    problem with a whole file (not found, not UTF-8, no ``term`` column, broken YAML, ...) is
    that file's only error, as nothing after it can be read; a file with a header and no record
    is an error too.

    Returns
    -------
    (lexicon, warnings, errors)
        The lexicon of all the files (None when any error was found), the warnings (new
        categories, one for new categories that look alike, a term repeated in one category), and
        ``(file, problems)`` for each file given, in order:
        its :class:`~pipelines.errors.LexiconError` s in line order (an empty list for a good file).
        A lexicon of stop phrases only adds one error to the last file.
    """
    entries: list[Entry] = []
    errors: list[tuple[str, list[LexiconError]]] = []
    declared: dict[str, str] = {}
    for path in paths:
        problems: list[LexiconError] = []
        try:
            check_path(path, "the lexicon file", LexiconError, option="framewatch lexicon check",
                       example="my_terms.csv", write=False, exists=True)
            file_entries = read_lexicon(path, problems, declared)
        except LexiconError as exc:   # the whole file: nothing more to read
            errors.append((str(Path(path)), [*problems, exc]))
            continue
        if not file_entries and not problems:
            problems.append(LexiconError("the lexicon file has no terms", where=str(path),
                                         expected="a term on a line after the header", found="no entries",
                                         fix="add terms, one per line, or leave the file out"))
        errors.append((str(Path(path)), problems))   # as read_lexicon names the entries' source
        entries.extend(file_entries)
    if not entries:
        return None, [], errors
    conflicts, warnings = category_problems(entries, declared)
    lexicon, build_warnings = build_lexicon(entries, conflicts)
    warnings += build_warnings
    order = {source: i for i, (source, _) in enumerate(errors)}
    for error in conflicts:   # named at the later entry: its file's list, then each list in line order
        source = (error.where or "").rsplit(", line ", 1)[0]
        errors[order.get(source, len(errors) - 1)][1].append(error)
    for _, problems in errors:
        problems.sort(key=_line_of)
    return (None if any(p for _, p in errors) else lexicon), warnings, errors


def _line_of(error: LexiconError) -> int:
    """The first line a lexicon error's ``where`` names (``"file, line 7, column 'x'"``, ``"file,
    lines 3-5"``), 0 when it names none (a problem with the whole file)."""
    m = re.search(r", lines? (\d+)", error.where or "")
    return int(m.group(1)) if m else 0


@dataclass(slots=True, unsafe_hash=True)
class Match:
    """A lexicon hit: ``text[start:end]`` in the stored text; ``entry`` indexes the lexicon.

    Read-only by convention (equal and hashed by value): not ``frozen``, whose ``__init__``
    costs four times as much, a sixth of :meth:`LexiconMatcher.find` on long articles.
    """

    start: int
    end: int
    entry: int


class LexiconMatcher:
    """Find lexicon terms in texts with one Aho-Corasick automaton.

    Follows the estimator pattern: ``__init__`` stores the lexicon, :meth:`fit` compiles the
    padded keys ``keys_`` with their values ``values_`` (key length, entry index, prefix term?,
    multi-word?) into the automata :meth:`find` runs, and keeps ``lowercase_``, the entries
    written in lower case (:func:`lowercase_entries`, for :func:`name_parts`):

    * ``native_``: the compiled path (:mod:`pipelines._match`, our C module: fold, Aho-Corasick
      scan and resolve in one pass over the stored text; about 4x faster than the Python path,
      issue 4). It takes every text whose characters all lie in Unicode's Basic Multilingual
      Plane -- every synthetic text, English news with curly quotes and dashes, Cyrillic,
      Chinese (anything CPython stores with one or two bytes a character). None when the module
      is not built (a warning says so once) or the keys hold more than 252 distinct characters.
    * ``scanner_`` / ``byte_scanner_``: the Python path (ahocorasick-rs over the matching copy,
      bytes for an ASCII copy), for the other texts: those holding a character outside the BMP
      (emoji, rare scripts) or a lone surrogate.

    The automata do not pickle; a pickled matcher rebuilds them when loaded (Dask workers).

    Parameters
    ----------
    lexicon : Lexicon
    """

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon

    def fit(self) -> LexiconMatcher:
        claimed: dict[str, tuple] = {}
        for idx, entry in enumerate(self.lexicon.entries):
            for spelling in entry.spellings:
                prefix = spelling.endswith("*")
                key = " " + fold(spelling[:-1] if prefix else spelling) + ("" if prefix else " ")
                # The first entry claiming a key wins (build_lexicon forbids conflicts).
                claimed.setdefault(key, (len(key), idx, prefix, " " in key.strip()))
        # Unpadded keys that flag a copy holding "http" or "www" (as a text holding "http" or
        # "www." does): only then does find() look for web addresses in the text.
        for key in _URL_KEYS:
            claimed.setdefault(key, (0, -1, False, False))
        self.keys_, self.values_ = list(claimed), list(claimed.values())
        self._compile()
        self._ignored = frozenset(i for i, e in enumerate(self.lexicon.entries) if e.ignore)
        self.lowercase_ = lowercase_entries(self.lexicon.entries)
        return self

    def _compile(self) -> None:
        self.scanner_ = ahocorasick_rs.AhoCorasick(self.keys_)
        self.byte_scanner_ = ahocorasick_rs.BytesAhoCorasick([k.encode("utf-8") for k in self.keys_])
        self.native_ = _native_automaton(self.keys_, self.values_, self.lexicon.entries)

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("scanner_", "byte_scanner_", "native_")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "keys_" in state:
            self._compile()

    def _scan(self, copy: str) -> list[tuple[int, int, int]]:
        """Every occurrence of every key in the matching *copy* (overlapping), as ``(key index,
        start, end)`` by end, positions in characters: bytes scanned for an ASCII copy (one
        byte a character), the str otherwise."""
        return scan_overlapping(copy, self.scanner_, self.byte_scanner_)

    def find(self, text: str, copy: str | None = None, offsets=None) -> list[Match]:
        """All non-overlapping matches in *text*, sorted by start.

        Parameters
        ----------
        text : the stored article text.
        copy, offsets : its matching copy (:func:`pipelines.text.matching_copy`), if already built
            (*offsets* a :class:`pipelines.text.CopyOffsets` or an int64 array). The compiled
            path folds *text* itself and does not read them; the Python path does.

        Returns
        -------
        list of :class:`Match` (stop phrases removed), offsets into *text*. The compiled path
        (``native_``) answers for every text whose characters lie in the BMP, the Python path
        (:meth:`_find_python`) for the rest; both give the same matches.
        """
        native = self.native_
        if native is not None:
            found = native.find(text)
            if found is not None:
                return found
        return self._find_python(text, copy, offsets)

    def _find_python(self, text: str, copy: str | None = None, offsets=None) -> list[Match]:
        """:meth:`find` in Python over the matching copy: the path for texts the compiled one
        does not cover, and the reference the tests compare it with."""
        if copy is None:
            copy, offsets = matching_copy(text)
        found = self._scan(copy)
        if not found:
            return []
        if not isinstance(offsets, CopyOffsets):
            offsets = CopyOffsets(len(text), np.asarray(offsets))
        gaps = offsets.gap_list()   # copy position p -> text position p - 1 + bisect_right(gaps, p - 1)
        n_gaps = len(gaps)
        values = self.values_
        find_in_text = text.find
        spans = []
        url = False
        reach = 0   # the furthest end so far: a span starting before it may overlap an earlier one
        overlap = False
        for key, _, end in found:
            length, idx, prefix, multiword = values[key]
            if idx < 0:
                url = True
                continue
            s = end - length + 1  # first character of the word(s), after the padding space
            e = copy.find(" ", end) if prefix else end - 1  # end - 1: the trailing padding space
            i = bisect_right(gaps, s - 1)
            t_start = s - 1 + i
            if i < n_gaps and gaps[i] <= e - 2:
                # the copy dropped (or deleted) characters inside the span: map its end too; a
                # sentence end may hide there
                t_end = e - 1 + bisect_right(gaps, e - 2, i)
                if multiword and crosses_sentence_end(text, t_start, t_end):
                    continue
            else:
                # as long as its copy (one word, or one character between words): only a line break
                # there can end a sentence (a '.' must be followed by white space)
                t_end = t_start + e - s
                if multiword and find_in_text("\n", t_start, t_end) >= 0:
                    continue
            if s < reach:
                overlap = True
            elif e > reach:
                reach = e
            spans.append((s, e, idx, t_start, t_end))
        if url:
            spans = outside_urls(text, spans)
        if overlap and len(spans) > 1:   # (the web-address filter may have left fewer)
            spans = _longest_first_nonempty(spans)
        ignored = self._ignored
        return [Match(t_start, t_end, idx) for _, _, idx, t_start, t_end in spans if idx not in ignored]


def web_addresses(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each web address in *text* (``http://``, ``https://`` or ``www.`` and
    the non-space characters after it, any case), in text order."""
    return [(u.start(), u.end()) for u in _URL_RE.finditer(text)]


def outside_urls(text: str, spans: list[tuple]) -> list[tuple]:
    """The *spans* whose item 3 (start offset in *text*) is not inside a web address of *text*."""
    if not spans or not ("http" in text or "www." in text):
        return spans
    urls = web_addresses(text)
    starts = [u[0] for u in urls]
    return [sp for sp in spans if not ((i := bisect.bisect_right(starts, sp[3]) - 1) >= 0 and sp[3] < urls[i][1])]


def longest_first(spans: list[tuple]) -> list[tuple]:
    """Non-overlapping spans, longest first, then earliest (spaCy's ``filter_spans``), sorted by start.

    *spans* are tuples whose first two items are a start and an end (exclusive) in one text; the
    other items ride along. A span overlapping one already kept is dropped; of two equal spans
    the first in *spans* is kept.
    """
    if len(spans) < 2 or any(m[1] <= m[0] for m in spans):
        taken = []   # one span, or empty ones: the plain scan
        for sp in sorted(spans, key=lambda m: (-(m[1] - m[0]), m[0])):
            if not any(sp[0] < t[1] and t[0] < sp[1] for t in taken):
                taken.append(sp)
        return sorted(taken, key=lambda m: m[0])
    return _longest_first_nonempty(spans)


def _longest_first_nonempty(spans: list[tuple]) -> list[tuple]:
    """:func:`longest_first` for two or more non-empty spans.

    Sorted by start, the spans fall into clusters (a span starting before the furthest end of
    the spans before it joins their cluster); spans of different clusters never overlap, so
    each cluster is resolved on its own, and a cluster of one span (most of them) keeps it.
    The sort is stable, so equal spans keep their order in *spans*, as in the one-pass rule.
    """
    by_start = sorted(spans, key=_START)
    out: list[tuple] = []
    cluster = [by_start[0]]
    reach = by_start[0][1]
    for sp in by_start[1:]:
        if sp[0] < reach:
            cluster.append(sp)
            if sp[1] > reach:
                reach = sp[1]
            continue
        if len(cluster) == 1:
            out.append(cluster[0])
        else:
            out.extend(_resolve_cluster(cluster))
        cluster = [sp]
        reach = sp[1]
    if len(cluster) == 1:
        out.append(cluster[0])
    else:
        out.extend(_resolve_cluster(cluster))
    return out


def _resolve_cluster(spans: list[tuple]) -> list[tuple]:
    """Longest first, then earliest, over non-empty *spans*; the kept ones sorted by start.

    The kept spans are disjoint, so sorted by start their ends are sorted too: a span overlaps
    one of them iff the last kept span starting before its end reaches past its start (a
    bisection instead of a scan of every kept span).
    """
    starts: list[int] = []
    ends: list[int] = []
    taken: list[tuple] = []
    for sp in sorted(spans, key=_longest_then_earliest):
        k = bisect.bisect_left(starts, sp[1])
        if k and ends[k - 1] > sp[0]:
            continue
        starts.insert(k, sp[0])
        ends.insert(k, sp[1])
        taken.insert(k, sp)
    return taken


_START = operator.itemgetter(0)

_NOT_COVERED, _DELETED = 254, 255   # classes of pipelines._match's table beside the character classes
_MAX_ALPHABET = 252                 # 0 = space, 1..252 the keys' characters, 253 = any other kept character
_warned_no_native = False


def _native_automaton(keys: list[str], values: list[tuple], entries: tuple[Entry, ...]):
    """The compiled automaton (:class:`pipelines._match.Automaton`) of a matcher's padded *keys*
    and their *values*, or None (the Python path for every text) when the module is not built
    -- with a :class:`RuntimeWarning`, once a process -- or the keys hold more than 252 distinct
    characters.

    Every BMP code point gets a class from the fold table of :mod:`pipelines.text` (the one the
    matching copy is built with): 0 for a character that folds to a space, one class for each
    character of the keys, one for any other character the copy keeps, ``_DELETED`` for soft
    hyphens and zero-width characters, ``_NOT_COVERED`` for lone surrogates (the Python path
    raises on them). Keys holding a character outside the BMP are left out: only a text the
    compiled path does not cover can hold them. The two web-address keys (``http``, ``www``,
    entry -1) flag a copy holding one, as in the Python path.
    """
    global _warned_no_native
    if _match is None:
        if not _warned_no_native:
            _warned_no_native = True
            warnings.warn(f"the compiled lexicon matcher (pipelines._match) is not built ({_MATCH_IMPORT_ERROR}): "
                          "matching takes the slower Python path; reinstall with `pip install -e .`",
                          RuntimeWarning, stacklevel=3)
        return None
    alphabet = sorted({c for k in keys for c in k if c != " " and ord(c) < 0x10000})
    if len(alphabet) > _MAX_ALPHABET:
        return None
    other = len(alphabet) + 1
    of_folded = np.full(0x10000, other, dtype=np.uint8)
    of_folded[ord(" ")] = 0
    of_folded[0] = _DELETED   # the fold table's value for a character to delete
    of_folded[[ord(c) for c in alphabet]] = np.arange(1, other, dtype=np.uint8)
    lut = of_folded[_table16()]
    lut[0xD800:0xE000] = _NOT_COVERED
    code = {c: int(of_folded[ord(c)]) for c in " " + "".join(alphabet)}
    class_keys, info = [], []
    for key, (_, idx, prefix, multiword) in zip(keys, values):
        if any(c not in code for c in key):
            continue
        class_keys.append(bytes(code[c] for c in key))
        info.append((idx, prefix, multiword, idx >= 0 and entries[idx].ignore))
    return _match.Automaton(class_keys, info, lut.tobytes(), other + 1, crosses_sentence_end, web_addresses, Match)


def _longest_then_earliest(m: tuple) -> tuple[int, int]:
    return -(m[1] - m[0]), m[0]


# --------------------------------------------------------------------------------------
# Proper names: a lowercase term written as part of a name is not loaded wording

FUNCTION_WORDS = frozenset(
    "a an and are as at be but by for from in into is it its nor of off on onto or over per so than the to "
    "under up upon via vs v was with yet".split())
"""Words that title case may leave in lower case, and that make no name with a capitalised term."""
_NAME_WORD_RE = re.compile(r"[^\W\d_][\w'\u2019.-]*")
_WORD_BEFORE_RE = re.compile(r"([^\W\d_][\w'\u2019.-]*)[ \u00a0]+\Z")
_WORD_AFTER_RE = re.compile(r"[ \u00a0]+([^\W\d_][\w'\u2019.-]*)")
_CLAUSE_OPENERS = frozenset(":;\"\u201c\u2018'(\u00ab[\u2014\u2013-")
"""A capital right after one of these (and spaces) comes from the position: a clause or a quotation opens."""
TITLE_CASE_SHARE = 0.75
"""A sentence is in title case when at least this share of its words after the first, function words
left out (and at least two of them), begin with a capital."""


def lowercase_entries(entries) -> frozenset[int]:
    """Indices of the *entries* whose every spelling is written in lower case (no capital letter):
    the terms :func:`name_parts` may find inside a proper name. A term written with a capital
    ("US imperialists", "neo-Nazis", "Kyiv regime") was written so on purpose and always counts."""
    return frozenset(i for i, e in enumerate(entries)
                     if not any(c.isupper() for spelling in e.spellings for c in spelling))


def _capitalised(word: str) -> bool:
    """Begins with a capital and holds a lower-case letter ("Savage", "Al-Aqsa"; not "US", "NATO")."""
    return word[:1].isupper() and any(c.islower() for c in word)


def _opens_clause(text: str, sent_start: int, start: int) -> bool:
    """Is ``text[start]`` the first word of its sentence or of a clause or quotation in it?"""
    before = text[sent_start:start].rstrip(" \u00a0\t")
    return not any(c.isalnum() for c in before) or before[-1] in _CLAUSE_OPENERS


def in_title_case(sentence: str) -> bool:
    """Is *sentence* written in title case ("Palestinians Sue Biden for Failing to Prevent Genocide in
    Gaza")? At least :data:`TITLE_CASE_SHARE` of its words after the first, :data:`FUNCTION_WORDS` and
    all-capital words left out, begin with a capital, and there are at least two such words."""
    words = [w for w in _NAME_WORD_RE.findall(sentence)[1:] if w.lower() not in FUNCTION_WORDS and not w.isupper()]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= TITLE_CASE_SHARE * len(words)


def name_parts(text: str, matches: list[Match], lowercase: frozenset[int], sentences=None) -> list[bool]:
    """Which *matches* are part of a proper name, not loaded wording ("Young Thug", "Mark Savage",
    "Al-Aqsa Martyrs Hospital", "Center for Countering Disinformation", "the Barbarians' coach" is not
    caught: a capitalised word alone is not enough).

    A match is part of a name when all of these hold:

    1. its entry is written in lower case (*lowercase*, :func:`lowercase_entries`);
    2. it is written capitalised in the text: its first letter a capital, not all capitals
       ("SAVAGE" and acronyms count);
    3. it does not open its sentence, or a clause or quotation in it (after ``:``, ``;``, a dash, a
       quotation mark or a bracket), where a capital comes from the position;
    4. the word just before or just after it (spaces only between) is capitalised, not all
       capitals and not a function word (:data:`FUNCTION_WORDS`): a run of capitalised words;
    5. its sentence is not in title case (:func:`in_title_case`), as headlines are ("Israeli
       Propaganda", "Wreaths Laid at Martyrs Cemeteries" count).

    Parameters
    ----------
    text : the stored text; *matches* its :meth:`LexiconMatcher.find` matches.
    lowercase : entry indices written in lower case.
    sentences : a callable returning ``pipelines.quotes.sentence_spans(text)`` when the caller keeps
        them; None: computed here, only when a match passes the first two tests.

    Returns
    -------
    list of bool, one per match (True: a name part, not counted).
    """
    flags = [m.entry in lowercase and text[m.start].isupper() and not text[m.start:m.end].isupper()
             for m in matches]
    if not any(flags):
        return flags
    from .quotes import sentence_spans

    sents = sentences() if sentences is not None else sentence_spans(text)
    starts = [a for a, _ in sents]
    for k, m in enumerate(matches):
        if not flags[k]:
            continue
        i = bisect_right(starts, m.start) - 1
        a, b = sents[i] if i >= 0 else (0, len(text))
        b = max(b, m.end)
        if _opens_clause(text, a, m.start) or in_title_case(text[a:b]):
            flags[k] = False
            continue
        before = _WORD_BEFORE_RE.search(text, a, m.start)
        after = _WORD_AFTER_RE.match(text, m.end, b)
        flags[k] = any(w is not None and _capitalised(w.group(1)) and w.group(1).lower() not in FUNCTION_WORDS
                       for w in (before, after))
    return flags
