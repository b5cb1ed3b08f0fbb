"""Text normalisers: the matching copy of an article and its map back to the stored text.

The stored text (``articles.text``) is never rewritten for matching. Matching runs on a
*matching copy* built by :func:`matching_copy`, in this documented order:

1. Fold each character on its own (a lookup table over code points): lower case (the first
   character of the lower-case form, so 'İ' stays one character); letters, digits and
   combining marks are kept; every other character -- spaces of every kind (NBSP, narrow
   NBSP), hyphens and dashes (``-``, U+2010, U+2011, U+2012, en and em dash), straight and
   curly quotes and apostrophes (U+2018, U+2019, and the modifier letters U+02B9-U+02BF
   and U+02C8, which Unicode counts as letters), punctuation -- becomes one space.
2. Delete soft hyphens (U+00AD) and zero-width characters, so ``hege\\u00admonic`` is
   ``hegemonic``.
3. Collapse every run of spaces into one, and pad the copy with one space at each end.

A lexicon term is folded by the same function, so ``war-games``, ``war\\u00a0games``,
``War Games`` and ``war  games`` all read `` war games `` and ``regime’s`` reads
`` regime s `` (which contains `` regime ``). Position ``i`` of the copy maps to position
``offsets[i]`` of the stored text; a match ``[i, j)`` in the copy is
``[offsets[i], offsets[j - 1] + 1)`` in the text. ``offsets`` is a :class:`CopyOffsets`:
it answers as that int64 array does, but for most texts keeps only the mask of the kept
characters and maps the few positions a matcher needs (:meth:`CopyOffsets.take_inner`,
:meth:`CopyOffsets.gap_list`) without building the array (issue 4: the array cost a third of
the copy).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

import numpy as np

try:   # compiled by `pip install [-e] .` (setup.py); without it the numpy path below folds every text
    from ._match import fold_copy as _fold_copy
except ImportError:   # pragma: no cover - the tests assert the module is built
    _fold_copy = None

WORD_RE = re.compile(r"\w+")
"""A word, for word counts: a run of letters, digits or underscores (Unicode-aware)."""

_DELETE = {0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}
# Modifier letters used as apostrophes or primes are letters to Unicode but not to a reader.
_APOSTROPHE_LETTERS = {0x02B9, 0x02BA, 0x02BB, 0x02BC, 0x02BD, 0x02BE, 0x02BF, 0x02C8}
_SPACE = 32
_BMP = 0x10000


def _build_table() -> np.ndarray:
    table = np.empty(_BMP, dtype=np.uint32)
    for cp in range(_BMP):
        ch = chr(cp)
        if cp in _DELETE:
            table[cp] = 0
        elif cp in _APOSTROPHE_LETTERS:
            table[cp] = _SPACE
        elif ch.isalnum() or unicodedata.category(ch).startswith("M"):
            low = ch.lower()
            table[cp] = ord(low[0]) if low else cp
        else:
            table[cp] = _SPACE
    return table


_TABLE: np.ndarray | None = None


def _table() -> np.ndarray:
    global _TABLE
    if _TABLE is None:
        _TABLE = _build_table()
    return _TABLE


_TABLE16: np.ndarray | None = None
_TABLE16_BYTES: bytes | None = None


def _table16() -> np.ndarray:
    """:func:`_table` as uint16 (a BMP character folds to a BMP character): half the memory traffic."""
    global _TABLE16
    if _TABLE16 is None:
        _TABLE16 = _table().astype(np.uint16)
    return _TABLE16


def _table16_bytes() -> bytes:
    """:func:`_table16` as native-order bytes, the table ``pipelines._match.fold_copy`` reads."""
    global _TABLE16_BYTES
    if _TABLE16_BYTES is None:
        _TABLE16_BYTES = _table16().tobytes()
    return _TABLE16_BYTES


def _matching_copy_general(text: str) -> tuple[str, np.ndarray]:
    """:func:`matching_copy` for any text (deleted characters, code points outside the BMP),
    with the offsets as an int64 array of shape ``(len(copy),)``."""
    table = _table()
    if text.isascii():
        # Fast path (most news text): one byte per character, a 128-entry table.
        arr = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        folded = _ascii_table()[arr]
        kind, width = np.uint8, "ascii"
    else:
        arr = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        big = arr >= _BMP
        if big.any():
            folded = table[np.minimum(arr, _BMP - 1)]
            # Code points outside the BMP (emoji, rare scripts): letters stay, symbols become spaces.
            for i in np.flatnonzero(big):
                ch = chr(int(arr[i]))
                folded[i] = ord(ch.lower()[0]) if ch.isalnum() else _SPACE
        else:
            folded = table[arr]
        kind, width = np.uint32, "utf-32-le"
    space = folded == _SPACE
    deleted = folded == 0
    # A space is kept only when the previous *kept* character is not a space (runs collapse,
    # a leading space is dropped: the copy gets its own padding). Deleted characters (soft
    # hyphens) are skipped when looking back.
    if deleted.any():
        kept_idx = np.flatnonzero(~deleted)
        kept_space = space[kept_idx]
    else:
        kept_idx = None
        kept_space = space
    drop = np.empty_like(kept_space)
    if len(kept_space):
        drop[0] = kept_space[0]
        np.logical_and(kept_space[1:], kept_space[:-1], out=drop[1:])
    keep_local = np.flatnonzero(~drop)
    sel = keep_local if kept_idx is None else kept_idx[keep_local]
    if len(sel) and folded[sel[-1]] == _SPACE:
        sel = sel[:-1]
    body = folded[sel].astype(kind, copy=False)
    copy = " " + body.tobytes().decode(width) + " "
    offsets = np.empty(len(sel) + 2, dtype=np.int64)
    offsets[0] = -1
    offsets[1:-1] = sel
    offsets[-1] = len(text)
    return copy, offsets


def _fold_flat(text: str) -> np.ndarray | None:
    """The code points of *text* folded one for one (step 1; a character to delete is 0), or
    None when a code point outside the BMP (an emoji) needs the general path."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii").translate(_ascii_bytes()), dtype=np.uint8)
    try:
        return _table16().take(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32))
    except IndexError:   # cheaper than looking for the largest code point first
        return None


def matching_copy(text: str) -> tuple[str, CopyOffsets]:
    """Build the matching copy of *text* (see the module docstring).

    Returns
    -------
    copy : str
        `` word word ... `` -- lower case, single spaces, padded with one space each side.
    offsets : CopyOffsets, length ``len(copy)``
        ``offsets[i]`` is the index in *text* of the character that gave ``copy[i]``
        (the padding spaces map to -1 and ``len(text)``); it indexes like an int64 array
        (ints, slices, integer arrays; ``np.asarray(offsets)`` gives the array) and maps
        many positions at once with :meth:`CopyOffsets.take`.

    Most texts (no soft hyphen or zero-width character, nothing outside the BMP) are folded
    one character for one and the space runs collapsed with one mask of the kept characters
    (a character is kept unless it and the one before it are both spaces), the offsets kept
    implicit in that mask; the rest take the general path, which builds the offsets array
    outright. Both give the same copy and offsets. The one-for-one fold and the mask are computed
    in C (``pipelines._match.fold_copy``, one pass over the text) when the module is built; numpy
    computes the same otherwise.
    """
    if _fold_copy is not None:
        r = _fold_copy(text, _table16_bytes())
        if r is not None:
            return r[0], CopyOffsets(len(text), kept=np.frombuffer(r[1], dtype=np.bool_), n=len(r[0]))
    return _matching_copy_numpy(text)


def _matching_copy_numpy(text: str) -> tuple[str, CopyOffsets]:
    """:func:`matching_copy` computed with numpy (without the compiled module, and the reference
    the tests hold the compiled fold to)."""
    folded = _fold_flat(text)
    if folded is None:
        copy, offsets = _matching_copy_general(text)
        return copy, CopyOffsets(len(text), offsets)
    letter = folded != _SPACE
    kept = np.empty_like(letter)
    if len(letter):
        kept[0] = letter[0]
        np.logical_or(letter[1:], letter[:-1], out=kept[1:])
    if folded.dtype == np.uint8:
        body = folded[kept].tobytes().decode("ascii")
    else:
        body = folded[kept].tobytes().decode("utf-16-le")
        if "\x00" in body:   # a character to delete (soft hyphen, zero-width): 0 is never a space, so kept
            copy, offsets = _matching_copy_general(text)
            return copy, CopyOffsets(len(text), offsets)
    # A trailing run of spaces keeps its first space: the padding takes its place.
    copy = " " + body if body[-1:] == " " else " " + body + " "
    return copy, CopyOffsets(len(text), kept=kept, n=len(copy))


def scan_overlapping(text: str, scanner, byte_scanner) -> list[tuple[int, int, int]]:
    """Every occurrence of an Aho-Corasick automaton's patterns in *text*, overlapping ones too,
    as ``(pattern index, start, end)`` in characters (ahocorasick-rs ``find_matches_as_indexes``).

    *byte_scanner* (``ahocorasick_rs.BytesAhoCorasick`` over the patterns' UTF-8) scans an ASCII
    *text*, whose bytes are its characters (about 0.6x the time of the str scanner); *scanner*
    (``ahocorasick_rs.AhoCorasick`` over the same patterns in the same order) any other text."""
    if text.isascii():
        return byte_scanner.find_matches_as_indexes(text.encode("ascii"), overlapping=True)
    return scanner.find_matches_as_indexes(text, overlapping=True)


def matching_copy_text(text: str) -> str:
    """``matching_copy(text)[0]``: the copy alone, without its offsets (topic queries read only
    the copy). An ASCII text is folded by one ``bytes.translate`` with the ASCII rows of the
    folding table and its space runs collapsed by ``str.split`` (the folded text holds no white
    space but the space), without numpy: a title costs about a fifth of :func:`matching_copy`."""
    if text.isascii():
        return " " + " ".join(text.encode("ascii").translate(_ascii_bytes()).decode("ascii").split()) + " "
    return matching_copy(text)[0]


class CopyOffsets:
    """The map from positions of a matching copy to positions of its text (see :func:`matching_copy`).

    Behaves as the int64 array ``offsets`` of shape ``(len(copy),)``: ``len``, indexing (an
    int, a slice or an integer array, as the array would answer), ``==``, iteration and
    ``np.asarray``. Built from the mask of the characters the copy kept (*kept*, one flag per
    character of the text; a trailing space it flags is the copy's end padding) it keeps only
    that mask, answers :meth:`take`, :meth:`take_inner` and :meth:`gap_list` from the
    positions of the dropped characters, and builds the full array on first use of the array
    interface. Built from an *array* it is that array.
    """

    __slots__ = ("n_text", "_array", "_kept", "_n", "_gaps", "_gap_list")
    __hash__ = None

    def __init__(self, n_text: int, array: np.ndarray | None = None, kept: np.ndarray | None = None,
                 n: int | None = None):
        self.n_text = n_text
        self._array = array
        self._kept = kept
        self._n = len(array) if array is not None else n
        self._gaps: np.ndarray | None = None
        self._gap_list: list[int] | None = None

    def take(self, positions) -> np.ndarray:
        """``offsets[positions]`` for a sequence of copy positions, as an int64 array.

        Raises IndexError for a position outside ``0 .. len(copy) - 1``.
        """
        pos = np.asarray(positions, dtype=np.int64)
        if self._array is not None:
            return self._array[pos]
        if not len(pos):
            return pos
        low, high = pos.min(), pos.max()
        if low < 0 or high >= self._n:
            raise IndexError(f"copy position out of range 0..{self._n - 1}")
        kept = pos - 1
        out = kept + np.searchsorted(self._gap_counts(), kept, side="right")
        if low == 0 or high == self._n - 1:
            out[pos == 0] = -1
            out[pos == self._n - 1] = self.n_text
        return out

    def take_inner(self, positions: list[int]) -> list[int]:
        """:meth:`take` for positions of the copy's words (never a padding space), as a list:
        no range checks, fewer numpy calls."""
        if self._array is not None:
            return self._array[positions].tolist()
        kept = np.array(positions, dtype=np.int64) - 1
        return (kept + np.searchsorted(self._gap_counts(), kept, side="right")).tolist()

    def gap_list(self) -> list[int]:
        """The map as a sorted list *g*: copy position ``p`` (not a padding space) is text
        position ``p - 1 + bisect.bisect_right(g, p - 1)``. For a matcher mapping a few
        positions one at a time (a C bisection each, no numpy call per text beyond this one).

        ``g[j]`` is how many kept characters precede the j-th character the copy dropped.
        """
        if self._gap_list is None:
            if self._array is not None and self._gaps is None:
                dropped = np.ones(self.n_text, dtype=bool)
                dropped[self._array[1:-1]] = False
                dropped = np.flatnonzero(dropped)
                self._gaps = dropped - np.arange(len(dropped))
            self._gap_list = self._gap_counts().tolist()
        return self._gap_list

    def _gap_counts(self) -> np.ndarray:
        """gaps[j]: how many kept characters precede the j-th dropped one (non-decreasing), so the
        k-th kept character is at ``k + #(gaps <= k)``."""
        if self._gaps is None:
            dropped = (~self._kept).nonzero()[0]
            dropped -= np.arange(len(dropped))
            self._gaps = dropped
        return self._gaps

    def _full(self) -> np.ndarray:
        if self._array is None:
            kept = np.flatnonzero(self._kept)[:self._n - 2]
            array = np.empty(len(kept) + 2, dtype=np.int64)
            array[0] = -1
            array[1:-1] = kept
            array[-1] = self.n_text
            self._array = array
        return self._array

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, key):
        return self._full()[key]

    def __iter__(self):
        return iter(self._full())

    def __array__(self, dtype=None, copy=None):
        array = self._full()
        return array if dtype is None else array.astype(dtype)

    def __eq__(self, other):
        return self._full() == np.asarray(other)

    def __repr__(self) -> str:
        return f"CopyOffsets({self._full()!r})"


_ASCII: np.ndarray | None = None
_ASCII_BYTES: bytes | None = None


def _ascii_bytes() -> bytes:
    """:func:`_ascii_table` as a 256-byte table for ``bytes.translate`` (ASCII input only)."""
    global _ASCII_BYTES
    if _ASCII_BYTES is None:
        _ASCII_BYTES = _ascii_table().tobytes() + bytes(range(128, 256))
    return _ASCII_BYTES



def _ascii_table() -> np.ndarray:
    global _ASCII
    if _ASCII is None:
        _ASCII = _table()[:128].astype(np.uint8)
    return _ASCII


def fold(phrase: str) -> str:
    """Fold a lexicon term or query phrase exactly as text is folded, without the padding.

    >>> fold("Imperialists’ lackeys")
    'imperialists lackeys'
    >>> fold("war\\u2011games")
    'war games'
    """
    copy, _ = matching_copy(phrase)
    return copy.strip()


_ASCII_WORD_MARKS = bytes(0x61 if chr(i).isalnum() or i == 0x5F else 0x20 for i in range(256))
"""``bytes.translate`` table: an ASCII word character (``\\w``: letter, digit, ``_``) to ``a``, any other to a space."""

_UTF8_WORD_MARKS = _ASCII_WORD_MARKS[:128] + b" " * 128
"""``bytes.translate`` table for UTF-8 bytes: an ASCII word character to ``a``, any other byte to a space."""

_UTF8_CONTINUATION = bytes(range(0x80, 0xC0))
"""``bytes.translate`` deletions: UTF-8 continuation bytes (what is left is one byte a character)."""


@functools.cache
def _word_code_points() -> np.ndarray:
    """Bool of shape (0x110000,): is code point i a word character of :data:`WORD_RE`
    (built once, from the regex itself, when the first text that is not ASCII comes)."""
    every = np.arange(0x110000, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
    table = np.zeros(len(every), dtype=bool)
    for m in WORD_RE.finditer(every):
        table[m.start():m.end()] = True
    return table


def word_mask(text: str) -> bytes:
    """One byte per character of *text*: ``a`` where :data:`WORD_RE` (``\\w``) matches, else a space.

    ``bytes.translate`` for an ASCII text, and for a mostly-ASCII one whose other characters are no
    word characters (curly quotes, dashes: its UTF-8 without continuation bytes, one byte a
    character), a code-point table in numpy otherwise (lone surrogates included: they are not word
    characters). ``mask.count(b" a")`` and ``mask[i]`` then count and
    find word starts between any offsets (:func:`count_words`, :func:`pipelines.quotes.count_words_by_voice`)."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_WORD_MARKS)
    data = text.encode("utf-8", "surrogatepass")
    if _mostly_ascii(text, data) and WORD_RE.search(outside_ascii(data)) is None:
        # no word character outside ASCII (curly quotes, dashes): without its continuation bytes
        # each such character is one lead byte, a space to the table, so the offsets hold
        return data.translate(_UTF8_WORD_MARKS, _UTF8_CONTINUATION)
    word = _word_code_points()[np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")]
    return np.where(word, np.uint8(0x61), np.uint8(0x20)).tobytes()


def count_words(text: str) -> int:
    """Number of words (:data:`WORD_RE` matches, runs of ``\\w``) in *text*: the word starts of
    its :func:`word_mask` (bytes for ASCII and mostly-ASCII English, the code-point table
    otherwise), without a list of the words. The tests check it equals
    ``len(WORD_RE.findall(text))`` on every code point."""
    mask = word_mask(text)
    return mask.count(b" a") + mask.startswith(b"a")


def _mostly_ascii(text: str, data: bytes) -> bool:
    """Whether the UTF-8 *data* of *text* holds at most one byte in eight more than its characters: a text
    mostly in ASCII (English with curly quotes), worth a look at its other characters for a byte path; a
    text in another script goes to the character path at once (the look would cost more than it saves)."""
    return (len(data) - len(text)) * 8 <= len(text)


def _byte_word_count(data: bytes) -> int:
    """Word starts of UTF-8 *data* whose characters outside ASCII are no word characters (the
    ingest's path, which has the UTF-8 already): every byte of such a character marks a space."""
    mask = data.translate(_UTF8_WORD_MARKS)
    return mask.count(b" a") + mask.startswith(b"a")


ASCII_CODES = bytes(range(128))
"""``bytes.translate`` deletions: every ASCII byte (what is left of UTF-8 are the characters outside ASCII)."""


def outside_ascii(data: bytes) -> str:
    """The characters outside ASCII of the UTF-8 (``surrogatepass``) *data*, in order."""
    return data.translate(None, ASCII_CODES).decode("utf-8", "surrogatepass")
_COMMON_BYTES = bytes(range(0x1C)) + bytes(range(0x20, 0x80))
"""``bytes.translate`` deletions: every ASCII byte except ``\\x1c``-``\\x1f`` (white space to ``str.split``, not to ``bytes.split``)."""
_HASH_FOLD = bytes(c + 32 if 0x41 <= c <= 0x5A else 0x20 if c in b" \t\n\r\x0b\x0c" else c for c in range(256))
"""``bytes.translate`` table: ASCII upper case to lower case, the white space of ``bytes.split`` to a space."""


def text_hash(text: str) -> str:
    """SHA-1 (hex, 16 chars) of *text* with white space folded to one space, stripped and
    case-folded: equal texts hash equal.

    ``str.split()`` breaks on exactly the characters the regular expression ``\\s`` matches
    (both use Python's Unicode white-space test), so joining its words with one space is the fold
    and the strip in one pass, without the regular expression.

    Most texts take a shorter path on their UTF-8 bytes: when every character outside ASCII
    (and ``\\x1c``-``\\x1f``) is neither white space nor changed by ``casefold`` (curly quotes,
    dashes, accented lower-case letters), the white space left is ASCII and case folding is
    ASCII lower-casing, so one byte table lowers the letters and turns white space into spaces,
    and a mask keeps a space only after a character that is not one (the runs collapse) -- the
    same bytes as ``" ".join(text.split()).casefold().encode("utf-8")``.

    Raises
    ------
    UnicodeEncodeError
        When *text* holds a lone surrogate (the ingest rejects such records first)."""
    data = text.encode("utf-8")
    return _text_hash(text, data, _rare(text, data))


def text_hash_and_count(text: str) -> tuple[str, int]:
    """``(text_hash(text), count_words(text))`` from one UTF-8 encoding of *text* (the ingest needs both).

    Raises
    ------
    UnicodeEncodeError
        As :func:`text_hash`."""
    data = text.encode("utf-8")
    rare = _rare(text, data)
    n_words = count_words(text) if rare is None or WORD_RE.search(rare) else _byte_word_count(data)
    return _text_hash(text, data, rare), n_words


def _rare(text: str, data: bytes) -> str | None:
    """The characters of *text* outside ASCII and ``\\x1c``-``\\x1f``, in order, from its UTF-8 *data*;
    None for a text not mostly in ASCII (:func:`_mostly_ascii`)."""
    return data.translate(None, _COMMON_BYTES).decode("utf-8") if _mostly_ascii(text, data) else None


def _text_hash(text: str, data: bytes, rare: str | None) -> str:
    """:func:`text_hash` of *text*, given its UTF-8 *data* and :func:`_rare` characters."""
    if rare is None or (rare and (rare.casefold() != rare or "".join(rare.split()) != rare)):
        return hashlib.sha1(" ".join(text.split()).casefold().encode("utf-8")).hexdigest()[:16]
    folded = np.frombuffer(data.translate(_HASH_FOLD), dtype=np.uint8)
    other = folded != _SPACE
    kept = other.copy()
    kept[1:] |= other[:-1]
    return hashlib.sha1(folded[kept].tobytes().strip(b" ")).hexdigest()[:16]


_SENTENCE_END_RE = re.compile(r"[.!?]+[\"'”’»)\]]*(?=\s|$)|\n")
_SENTENCE_MARK_RE = re.compile(r"[.!?\n]")
"""A character every match of ``_SENTENCE_END_RE`` holds: searched first, in C, to skip most spans."""
_ABBREV_RE = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Col|Lt|Sgt|Prof|Rev|Gov|Sen|Rep|No|vs|etc|Jan|Feb|Mar|"
                        r"Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|U\.S|U\.K|U\.N|E\.U))\.$")


def crosses_sentence_end(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` holds a sentence end or a line break between its words.

    A sentence end is ``.``, ``!`` or ``?`` (with any closing quotes or brackets) followed
    by white space, unless the period closes a common abbreviation or an initial
    (``U.S.``, ``Mr.``, ``J.``). Used so that a multi-word term never matches across
    sentences ("the war. Games resume" is not *war games*).
    """
    if not _SENTENCE_MARK_RE.search(text, start, end):
        return False
    for m in _SENTENCE_END_RE.finditer(text, start, end):
        if m.end() >= end:
            break
        if m.group() == "\n":
            return True
        if _ABBREV_RE.search(text, max(0, m.start() - 5), m.start() + 1):
            continue
        return True
    return False


# --------------------------------------------------------------------------------------
# Datelines

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?"
          r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE = rf"{_MONTH}[ \u00a0]\d{{1,2}}(?:,[ \u00a0]\d{{4}})?"
_PLACE_WORD = r"[A-Z][A-Za-z.'\u2019-]*"
_PLACE = rf"{_PLACE_WORD}(?:[ \u00a0]{_PLACE_WORD}){{0,3}}(?:,[ \u00a0]{_PLACE_WORD}(?:[ \u00a0]{_PLACE_WORD}){{0,2}})?"
_CAPS_PLACE = r"[A-Z][A-Z'\u2019-]{2,}(?:[ \u00a0][A-Z][A-Z'\u2019-]+){0,3}"
_DATELINE_DASH = r"(?:--?|\u2013|\u2014)"
DATELINE_RE = re.compile(
    r"^[ \t\u00a0]*(?:"
    rf"{_PLACE}(?:,[ \u00a0]{_DATE})?[ \u00a0]*\([A-Z][^()\n]{{0,30}}\)[ \u00a0]*{_DATELINE_DASH}"   # PLACE[, DATE] (AGENCY) --
    rf"|{_PLACE},[ \u00a0]{_DATE}[ \u00a0]*{_DATELINE_DASH}"                                         # PLACE, Month Day --
    rf"|{_CAPS_PLACE}(?:,[ \u00a0]{_PLACE_WORD}(?:[ \u00a0]{_PLACE_WORD}){{0,2}})?[ \u00a0]+{_DATELINE_DASH}(?=[ \u00a0])"
    r")[ \t\u00a0]*",                                                                                # CAPITAL PLACE[, Region] --
    re.MULTILINE)
"""A dateline at the start of the text or of a line (paragraph): ``Pyongyang, December 24 (KCNA) --``,
``BEIJING, March 5 (Xinhua) --``, ``SAN DIEGO (AP) —``, ``WASHINGTON, Oct. 5 —``, ``ADIYAMAN, Turkey —``,
``JERUSALEM —``. A place (capitalised words, an optional ``, Region``) followed by an agency in
parentheses (and optionally a date before it), or by a month-and-day date, or a place in capitals
alone; then a dash, double hyphen, en or em dash. The match takes the spaces after the dash."""


def dateline_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each dateline (:data:`DATELINE_RE`) opening *text* or one of its lines, in
    text order; *end* is after the dash and the spaces after it.

    A dateline says where a story was filed, not what it is about, so a place named in it is no
    mention of that place (:mod:`pipelines.tone`).

    >>> dateline_spans("Pyongyang, December 24 (KCNA) -- Japan continues discharging water.")
    [(0, 33)]
    >>> dateline_spans("Talks in Pyongyang (KCNA) -- no.\\nBEIJING — Bill Gates says")
    [(33, 43)]
    """
    if "(" not in text and "-" not in text and "\u2013" not in text and "\u2014" not in text:
        return []
    return [(m.start(), m.end()) for m in DATELINE_RE.finditer(text) if m.end() > m.start()]
