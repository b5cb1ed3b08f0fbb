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
