"""Errors that stop a run.

A bad record never stops a run (it goes to the ``rejects`` table); a bad lexicon, topic
definition, registry or option does, because every number downstream would be wrong.
Each error says what failed, where, what was expected, what was found and how to fix it.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class FramewatchError(Exception):
    """An error that stops a run, with a message a user can act on.

    Parameters
    ----------
    what : str
        What failed, e.g. ``"invalid lexicon entry"``.
    where : str, optional
        File and position, e.g. ``"lexicon.csv, line 7, column 'category'"``.
    expected, found : str, optional
        What the input should have held, and what it held.
    fix : str, optional
        How to fix it.
    """

    def __init__(self, what: str, *, where: str | None = None, expected: str | None = None,
                 found: str | None = None, fix: str | None = None):
        self.what, self.where, self.expected, self.found, self.fix = what, where, expected, found, fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [f"{self.where}: {self.what}" if self.where else self.what]
        if self.expected is not None:
            parts.append(f"expected {self.expected}")
        if self.found is not None:
            parts.append(f"found {self.found}")
        text = "; ".join(parts) + "."
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class LexiconError(FramewatchError):
    """A lexicon file cannot be used as it is."""


class TopicError(FramewatchError):
    """A topic definition cannot be parsed."""


class ConfigError(FramewatchError):
    """An option, mapping, registry or source configuration is wrong."""


class StoreError(FramewatchError):
    """The store is missing, from another version, or lacks a table."""


class GazetteerError(FramewatchError):
    """A gazetteer of targets (``data/targets.yaml`` or ``--targets``) cannot be used as it is."""


def read_utf8(path, error: type[FramewatchError], kind: str) -> str:
    """Text of a definition file (lexicon, topics, frames, pairs, targets, outlets): UTF-8, BOM allowed.

    Raises
    ------
    FramewatchError
        *error* (the caller's subclass) when the file is not UTF-8, naming the file, the line
        and the byte found.
    """
    from pathlib import Path

    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(f"{kind} is not UTF-8 text", where=f"{path}, line {line}", expected="UTF-8 text",
                    found=f"byte 0x{data[exc.start]:02x} ({exc.reason})",
                    fix="save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8')") from None


class RepeatedKey(NamedTuple):
    """A key given twice in one mapping of a definition file: as first written (*key*) on *line*, and
    as written again (*again*: the same, or the same but for case where keys are read ignoring it) on
    *again_line*; *trail* is where the mapping is (``("'outlets'", "item 3")``; empty at the top)."""

    key: str
    line: int
    again: str
    again_line: int
    trail: tuple[str, ...]


def repeated_yaml_keys(node, *, fold=None, skip=(), trail: tuple[str, ...] = ()) -> list[RepeatedKey]:
    """Every key given twice in one mapping of a YAML document, at any depth, in file order.

    PyYAML keeps the last value of such a key without a word. *node* is the document as composed
    (``loader.get_single_node()`` or ``yaml.compose``), before it is constructed: constructing
    flattens merge keys into the mappings, and a key a mapping gives beside ``<<: *base`` overrides
    the base's key, which is not a repeat (nor are the merge keys themselves). Keys are compared as
    constructed (``'RT'`` is ``RT``; ``true`` is ``True``), after *fold* (e.g. ``str.lower``) where
    the reader ignores case. A mapping reached twice through an alias is looked at once; the
    nodes of *skip* are not looked into; *trail* is where *node* is, for the messages.
    """
    import yaml
    from yaml.constructor import SafeConstructor

    constructor = SafeConstructor()
    out: list[RepeatedKey] = []
    seen = {id(n) for n in skip}

    def key_of(k):
        try:
            value = constructor.construct_object(k, deep=True)
        except yaml.YAMLError:
            value = k.value
        return fold(value) if fold is not None and isinstance(value, str) else value

    def walk(n, trail: tuple[str, ...]) -> None:
        if id(n) in seen:
            return
        seen.add(id(n))
        if isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value, 1):
                walk(item, (*trail, f"item {i}"))
        elif isinstance(n, yaml.MappingNode):
            first: dict = {}
            for k, v in n.value:
                if k.tag == "tag:yaml.org,2002:merge":
                    walk(v, trail)
                    continue
                if isinstance(k, yaml.ScalarNode):
                    key = key_of(k)
                    try:
                        before = first.setdefault(key, k)
                    except TypeError:   # an unhashable key, which PyYAML refuses when constructing
                        before = k
                    if before is not k:
                        out.append(RepeatedKey(before.value, before.start_mark.line + 1, k.value,
                                               k.start_mark.line + 1, trail))
                walk(v, (*trail, f"'{k.value}'" if isinstance(k, yaml.ScalarNode) else "a complex key"))

    if node is not None:
        walk(node, trail)
    return out


def parse_yaml(text: str, path, error: type[FramewatchError]):
    """The composed node (for line numbers) and the document of a definition file's YAML *text*,
    parsed once with PyYAML's safe loader; a key given twice in one mapping raises *error* (the
    caller's subclass, :func:`repeated_key_error`) before the document is built.

    Returns
    -------
    (yaml.Node or None, object)
        The node (merge keys flattened into it once built) and the document; ``(None, None)`` for
        an empty file.

    Raises
    ------
    yaml.YAMLError
        When the text is not YAML (a character YAML refuses, a syntax error, an unknown tag): for
        the caller to word, as each file's expected shape differs.
    """
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if repeats := repeated_yaml_keys(node):   # before building, which flattens merge keys
            raise repeated_key_error(repeats[0], path, error)
        return node, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]')


def repeated_json_keys(text: str) -> list[RepeatedKey]:
    """Every key given twice in one object of a JSON text, at any depth, in file order (``json``
    keeps the last value of such a key without a word). *text* must be JSON that ``json.loads``
    has read: a string followed by ``:`` is then a key."""
    import json

    out: list[RepeatedKey] = []
    # each open object or array: [key -> offset (None for an array), item number, trail]
    stack: list[list] = []
    string = key = None
    for m in _JSON_TOKEN.finditer(text):
        token = m.group()
        if token[0] == '"':
            string = m
        elif token in "{[":
            parent = stack[-1] if stack else None
            label = () if parent is None else (f"'{key}'",) if parent[0] is not None else (f"item {parent[1]}",)
            stack.append([{} if token == "{" else None, 1, (parent[2] if parent else ()) + label])
        elif token in "}]":
            stack.pop()
        elif token == ",":
            stack[-1][1] += 1
        else:   # ":" after a key
            key = json.loads(string.group())
            keys, _, trail = stack[-1]
            if key in keys:
                out.append(RepeatedKey(key, text.count("\n", 0, keys[key]) + 1, key,
                                       text.count("\n", 0, string.start()) + 1, trail))
            else:
                keys[key] = string.start()
    return out


def repeated_key_error(repeat: RepeatedKey, path, error: type[FramewatchError], language: str = "YAML",
                       ignoring_case: bool = False) -> FramewatchError:
    """The *error* (the caller's subclass) for a key given twice: the key, both lines, where the
    mapping is, and the fix (:func:`repeated_yaml_keys`, :func:`repeated_json_keys`). *language*:
    ``"YAML"`` or ``"JSON"`` (an object, not a mapping); *ignoring_case*: the reader reads keys
    ignoring case (said when the two are written differently)."""
    key, line, again, again_line, trail = repeat
    mapping = "an object" if language == "JSON" else "a mapping"
    case = ignoring_case and again != key
    if case:
        found = f"'{key}' on line {line} and '{again}' on line {again_line} (keys are read ignoring case)"
    else:
        found = f"'{key}' on lines {line} and {again_line}" if line != again_line else f"'{key}' twice on line {line}"
    place = f"under {' > '.join(trail)}" if trail else "at the top level"
    why = "only the last is read" if case else f"{language} keeps only the last value"
    lost = f"line {line}'s would be lost" if line != again_line else "the first would be lost"
    return error(f"key '{key}' is given twice", where=f"{path}, line {again_line}",
                 expected=f"each key once in {mapping} ({why}: {lost})", found=f"{found}, {place}",
                 fix=f"keep one '{key}' (merge what the two give into it) and delete the other")


def check_path(path, what: str, error: type[FramewatchError], *, option: str, example: str,
               folder: bool | None = False, write: bool = True, exists: bool = False):
    """Check, before any work, that *path* can be *what* (e.g. ``"the store"``): a file path (a folder
    path with *folder*, either with ``folder=None``) whose existing part is of the right kind, that,
    with *exists*, is there (an input), and, with *write*, is in a folder this user can create files
    in. Creates nothing (the write probe is removed at once).

    *option* and *example* (a good path, e.g. ``data/store/news.duckdb``) go into the fix.

    Returns
    -------
    pathlib.Path
        *path*.

    Raises
    ------
    FramewatchError
        *error* (the caller's subclass) when the path is a folder where a file is wanted (or the
        other way round), a folder in it is a file, with *exists* nothing is there, or, with
        *write*, its folder cannot be written.
    """
    import os
    import tempfile
    from pathlib import Path

    path = Path(path)
    if path.exists() and folder is not None and path.is_dir() != folder:
        want, other = ("folder", "file") if folder else ("file", "folder")
        raise error(f"{what} path is a {other}", where=str(path), expected=f"the path of a {want}",
                    found=f"a {other}", fix=f"name a file in it, e.g. {option} {path / Path(example).name}"
                    if not folder else f"choose another {option} path, e.g. {option} {example}")
    parent = next((a for a in path.parents if a.exists()), Path("."))  # every path has an existing ancestor
    if not parent.is_dir():
        raise error(f"a folder in {what}'s path is a file", where=str(path), expected=f"'{parent}' to be a folder",
                    found=f"'{parent}' is a file",
                    fix=f"choose a {option} path whose folders are folders, e.g. {option} {example}")
    if exists and not path.exists():
        want = {None: "file or folder", True: "folder", False: "file"}[folder]
        raise error(f"{what} was not found", where=str(path), expected=f"an existing {want}",
                    found="nothing" + ("" if path.is_absolute() else f" (relative paths start in {Path.cwd()})"),
                    fix=f"check the spelling and the folder, e.g. {option} {example}")
    if write:
        try:
            fd, probe = tempfile.mkstemp(prefix=".framewatch-probe-", dir=parent)
        except OSError as exc:
            raise error(f"cannot write {what} there", where=str(path),
                        expected=f"a folder ('{parent}') this user can create files in", found=describe_os_error(exc),
                        fix=f"choose a {option} path in a folder you can write, e.g. {option} {example}") from None
        os.close(fd)
        os.unlink(probe)
    return path


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by a signal (SIGTERM, SIGHUP): raised in the main thread by
    :func:`raise_on_stop_signals`'s handler, and handled like Ctrl-C (a ``KeyboardInterrupt``:
    every ``finally`` and ``except BaseException`` runs, so a store being written is left as it
    was), but the command ends with status 128 + *signum* (143 for SIGTERM), as a shell reports a
    process the signal ended."""

    def __init__(self, signum: int):
        import signal

        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(f"stopped by {self.name}")

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


def raise_on_stop_signals() -> dict:
    """Make SIGTERM and SIGHUP raise :class:`Terminated` in the main thread (the first one; later
    ones are ignored while the command cleans up). A signal this process was started ignoring
    (``nohup`` ignores SIGHUP) stays ignored. Returns the handlers replaced, to restore; empty
    outside the main thread, where Python cannot set handlers."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    signals = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]

    def handler(signum, frame):
        for s in signals:
            signal.signal(s, signal.SIG_IGN)
        raise Terminated(signum)

    return {s: signal.signal(s, handler) for s in signals if signal.getsignal(s) is not signal.SIG_IGN}


def plural(n: int, noun: str, many: str | None = None) -> str:
    """*n* and *noun*, in the plural unless *n* is 1: ``plural(1, "word")`` is ``"1 word"``,
    ``plural(1200, "entry", "entries")`` is ``"1,200 entries"``."""
    return f"{n:,} {noun if n == 1 else (many or noun + 's')}"


def listed(items, limit: int = 5, quote: bool = False) -> str:
    """Up to *limit* of *items*, comma-separated, then how many more: ``"a, b, c and 7 more"``, so a
    message naming the columns or categories of a file stays one readable line. *quote*: each
    item in single quotes."""
    items = [f"'{i}'" if quote else str(i) for i in items]
    if len(items) <= limit:
        return ", ".join(items) if len(items) < 2 else ", ".join(items[:-1]) + " and " + items[-1]
    return ", ".join(items[:limit]) + f" and {len(items) - limit:,} more"


_ERRNO_SENTENCES = {
    "ENOENT": "nothing is there (no such file or folder)",
    "EACCES": "this user may not open it (permission denied)",
    "EPERM": "this user may not do that there (operation not permitted)",
    "EISDIR": "it is a folder, not a file",
    "ENOTDIR": "a part of the path is a file, not a folder",
    "ENOSPC": "the disk is full",
    "EDQUOT": "this user's disk quota is used up",
    "EROFS": "the file system there is read-only",
    "ENAMETOOLONG": "the path is too long",
    "ELOOP": "the path loops through symbolic links",
    "EMFILE": "this process has too many files open",
    "EIO": "the disk could not be read or written (input/output error)",
    "EEXIST": "something is already there",
    "EBUSY": "it is in use by another program",
    "ETXTBSY": "it is in use by another program",
}


def describe_os_error(exc: OSError) -> str:
    """What an ``OSError`` means, as a phrase to put in a sentence: ``"nothing is there (no such file
    or folder)"``, never Python's ``[Errno 2] No such file or directory: 'x'`` (the path is said
    where the sentence names the place)."""
    import errno

    name = errno.errorcode.get(exc.errno or -1)
    if name in _ERRNO_SENTENCES:
        return _ERRNO_SENTENCES[name]
    text = exc.strerror or exc.__class__.__name__
    return text[:1].lower() + text[1:]
