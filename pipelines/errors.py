"""Errors that stop a run.

A bad record never stops a run (it goes to the ``rejects`` table); a bad lexicon, topic
definition, registry or option does, because every number downstream would be wrong.
Each error says what failed, where, what was expected, what was found and how to fix it.
"""

from __future__ import annotations


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
                        expected=f"a folder ('{parent}') this user can create files in", found=exc.strerror or str(exc),
                        fix=f"choose a {option} path in a folder you can write, e.g. {option} {example}") from None
        os.close(fd)
        os.unlink(probe)
    return path
