"""Ingest: sources to the ``articles`` and ``rejects`` tables.

Sources are CSV/TSV (any delimiter, with or without a byte-order mark), JSONL / JSON,
Parquet, RSS/Atom files, and folders of ``.txt`` / ``.html`` files (see
:mod:`pipelines.sources`). Column names are mapped to framewatch's fields by
:data:`FIELD_NAMES` (first match wins) unless ``--map FIELD=COLUMN`` says otherwise.

For each record, in this order:

1. map columns to fields; a field of the wrong type (an outlet, title, lead, text, URL or lang
   that is not a string, an id that is not a string or number, a topic cell that is not a
   string, number or list of them) rejects the record as ``wrong_type``, a JSON key a field is
   read from that the record gives twice (or twice but for case) as ``repeated_key``; HTML in a
   text field is reduced to its text;
2. canonicalise the outlet through the outlet registry (:mod:`pipelines.outlets`), or keep
   it as given; no outlet (and no URL to take one from) rejects the record;
3. build the canonical text: the body, or -- when there is none -- title and lead
   together; remove the registry's boilerplate lines; normalise line ends and Unicode
   (NFC). No text rejects the record;
4. parse the date per source file and outlet with one date order for the whole column
   (:mod:`pipelines.dates`); a missing or invalid date keeps the article, undated, with a
   note (it is left out of time charts, which say how many were left out);
5. fold exact duplicates: the same normalised URL, or the same outlet, id, day, title and
   text, is stored once with ``n_copies`` counting the copies (also against articles
   already in the store: a copy of one stored by an earlier run is a duplicate that adds its
   topic labels but no copy, :func:`pipelines.run.write_ingest`).

Every record read is counted once: ``n_input = n_ingested + n_duplicates + n_rejected``.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
import pandas as pd

from . import dates as dates_mod
from . import sources
from .errors import ConfigError, FramewatchError, describe_os_error, listed, plural
from .faults import pause_point
from .outlets import _CUT, Registry, read_registry, strip_boilerplate
from .sources import _json_text, _object_pairs, _RepeatedKeys
from .text import outside_ascii, text_hash_and_count

FIELDS = ("outlet", "published", "title", "lead", "body", "url", "id", "lang", "topic")

FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "outlet": ("outlet", "outlet_name", "source", "source_name", "publisher", "media", "media_name", "site",
               "site_name", "outlet_domain", "domain", "newspaper", "channel", "feed_title"),
    "published": ("published_at", "published", "published_utc", "publish_date", "publication_date", "pub_date",
                  "pubdate", "date", "datetime", "timestamp", "time", "created_at"),
    "title": ("title", "headline", "heading", "head"),
    "lead": ("lead", "desc", "description", "summary", "summary_html", "abstract", "dek", "standfirst",
             "subtitle", "subheading", "teaser", "snippet"),
    "body": ("body", "text", "content", "story_text", "article", "article_text", "full_text", "fulltext",
             "maintext", "body_text", "story", "content_html", "body_html"),
    "url": ("url", "link", "href", "canonical_url", "article_url", "permalink", "source_url", "src"),
    "id": ("id", "article_id", "guid", "doc_id", "uid", "item_id"),
    "lang": ("lang", "language"),
}
"""Column names recognised for each field, in order of preference (case-insensitive)."""

TABULAR = {".csv", ".tsv", ".tab", ".jsonl", ".ndjson", ".json", ".parquet", ".pq"}
FEEDS = {".xml", ".rss", ".atom"}
PAGES = {".html", ".htm", ".txt"}
DOCS = {".md", ".rst", ".pdf", ".docx"}
"""Documentation files (README.md, SOURCE.md ...) that folders are skipped over, not rejected."""
TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|ref|ref_src|cmpid|"
                             r"ocid|icid|at_medium|at_campaign|smid|sr_share|rss|feed)$", re.I)
_HTML_RE = re.compile(r"<[a-zA-Z/!][^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_RECORD_MAX = 2000
INGEST_BATCH = 10_000
"""Records ingested and written per batch by default (``IngestOptions.batch_size``): about 40 MB
of text for 600-word articles."""


@dataclass
class IngestOptions:
    """Settings of an ingest.

    Parameters
    ----------
    mapping : field -> input column, overriding auto-detection (``--map``).
    topic_column : input column holding topic labels (``--topic-column``). It and *mapping*'s columns
        must be in a CSV's header; a JSON record may leave such a key out (no value there), but at
        least one record of each JSON file must give it.
    date_order : ``"DMY"`` or ``"MDY"`` for every source (``--dayfirst`` sets DMY); None: infer.
    source_config : outlet -> {"date_order": "DMY"|"MDY"} (``--source-config``).
    assume_tz : zone for dates without an offset (default UTC; ``--assume-tz``), checked here
        (:func:`pipelines.dates.check_zone`), before any record is read.
    outlets : extra outlet registry files.
    coverage : coverage files (outlet, date, collected[, articles_fetched]).
    default_outlet : outlet for records that name none (``--outlet``), e.g. a folder of one site's pages.
    batch_size : records read, checked and written to the store per batch (``--ingest-batch``;
        :func:`ingest_batches`); bounds the texts held in memory whatever the input's size.
    """

    mapping: dict[str, str] = field(default_factory=dict)
    topic_column: str | None = None
    date_order: str | None = None
    source_config: dict[str, dict] = field(default_factory=dict)
    assume_tz: str = "UTC"
    outlets: list[Path] = field(default_factory=list)
    coverage: list[Path] = field(default_factory=list)
    default_outlet: str | None = None
    batch_size: int = INGEST_BATCH

    def __post_init__(self) -> None:
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ConfigError("the ingest batch size must be a positive whole number", where="--ingest-batch",
                              expected="an integer of 1 or more", found=repr(self.batch_size),
                              fix=f"use e.g. --ingest-batch {INGEST_BATCH}")
        bad = [f for f in self.mapping if f not in FIELDS]
        if bad:
            raise ConfigError(f"unknown field in --map: {bad[0]!r}", expected=f"one of {', '.join(FIELDS)}",
                              found=bad[0], fix="write --map FIELD=COLUMN, e.g. --map body=story_text")
        dates_mod.check_zone(self.assume_tz)
        if self.date_order not in (None, "DMY", "MDY"):
            raise ConfigError("unknown date order", expected="DMY or MDY", found=repr(self.date_order),
                              fix="use --dayfirst for day-first dates")


@dataclass
class IngestResult:
    """What an ingest produced: the new ``articles`` and ``rejects`` rows and its counts."""

    articles: pd.DataFrame
    rejects: pd.DataFrame
    duplicates_of_stored: dict[str, int]
    coverage: pd.DataFrame
    n_input: int = 0
    n_duplicates: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def n_ingested(self) -> int:
        return len(self.articles)

    @property
    def n_rejected(self) -> int:
        return len(self.rejects)

    @property
    def n_undated(self) -> int:
        return int(self.articles["published_at"].isna().sum()) if len(self.articles) else 0


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["body=story_text", ...]`` to ``{"body": "story_text"}``.

    Raises
    ------
    ConfigError
        On a pair without ``=`` or an unknown field.
    """
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise ConfigError("malformed --map", expected="FIELD=COLUMN", found=repr(pair),
                              fix="e.g. --map outlet=outlet_domain")
        key, value = (p.strip() for p in pair.split("=", 1))
        out[key.lower()] = value
    IngestOptions(mapping=out)
    return out


def normalise_url(url: str | None) -> str | None:
    """URL for duplicate detection: lower-case host without ``www.``, no fragment, no
    tracking parameters (``utm_*``, ``fbclid``, ...), no trailing slash; scheme dropped."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    host = parts.netloc.lower()
    host = host[4:] if host.startswith("www.") else host
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not TRACKING_PARAMS.match(k))) if parts.query else ""
    path = parts.path.rstrip("/") or ""
    return urlunsplit(("", host, path, query, "")).lstrip("/") or None


# -- reading sources -------------------------------------------------------------------

def _utf16_encoding(head: bytes) -> str | None:
    """``"utf-16"`` when *head* starts with a UTF-16 byte-order mark (Excel's "Unicode text")."""
    return "utf-16" if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else None


def _decode_line(line: bytes) -> tuple[str, bool]:
    """One line as UTF-8, or -- when it is not valid UTF-8 -- as Windows-1252 (True)."""
    try:
        return line.decode("utf-8"), False
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace"), True


def _decode_lines(data: bytes) -> str:
    text = "".join(_decode_line(line)[0] for line in data.splitlines(keepends=True))
    return text[1:] if text.startswith("\ufeff") else text


class _LineDecoder(io.TextIOBase):
    """A binary file read as text line by line: UTF-8 lines as UTF-8, the others as Windows-1252.

    A file that mixes encodings (UTF-8 rows appended to a Windows-1252 export) keeps both
    right; a file that is all Windows-1252 reads as before. Line ends are kept as they are
    (like ``newline=""``), so quoted CSV cells with embedded newlines still parse.
    """

    def __init__(self, path: Path):
        self._fh = path.open("rb")
        self._first = True

    def readable(self) -> bool:
        return True

    def readline(self, size: int = -1) -> str:
        text, _ = _decode_line(self._fh.readline(size))
        if self._first:
            self._first = False
            text = text.removeprefix("\ufeff")
        return text

    def read(self, size: int = -1) -> str:
        text = _decode_lines(self._fh.read(size))
        self._first = False
        return text

    def seek(self, offset: int, whence: int = 0) -> int:
        self._first = offset == 0 and whence == 0
        return self._fh.seek(offset, whence)

    def close(self) -> None:
        self._fh.close()
        super().close()


def _decode(path: Path) -> tuple[str, str | None]:
    data = path.read_bytes()
    if enc := _utf16_encoding(data):
        return data.decode(enc, errors="replace"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return _decode_lines(data), (f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}); "
                                     "lines that are not UTF-8 read as Windows-1252")


def _utf8_scan(path: Path) -> tuple[str | None, bool]:
    """Check the whole of *path* as UTF-8 in 1 MB chunks, without holding it in memory.

    Returns the note on its first byte that is not UTF-8 (None when there is none) and whether the
    file is UTF-8 to its last byte (False also for a file that ends inside a character, which the
    note does not mention: the chunks are decoded as a stream that may go on)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return (f"{path}: not UTF-8 ({exc.reason} at byte {offset + exc.start}); "
                        "lines that are not UTF-8 read as Windows-1252"), False
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None, False
    return None, True


def _open_text(path: Path, scan: tuple[str | None, bool] | None = None) -> tuple[io.TextIOBase, str | None]:
    """Open *path* for streaming: UTF-16 with a byte-order mark, UTF-8 (with or without BOM),
    else line by line -- UTF-8 lines as UTF-8, the others as Windows-1252 -- with a note.

    The whole file is checked in 1 MB chunks first (:func:`_utf8_scan`), so a bad byte deep in a
    large file is found before any record is read, without holding the file in memory. *scan*:
    that check's result when the caller has made it already (the file is then not read twice).
    """
    with path.open("rb") as fh:
        if enc := _utf16_encoding(fh.read(2)):
            return path.open("r", encoding=enc, errors="replace", newline=""), None
    note, _ = scan or _utf8_scan(path)
    if note:
        return _LineDecoder(path), note
    return path.open("r", encoding="utf-8-sig", newline=""), None


def _clean_header(name: str) -> str:
    return name.replace("\ufeff", "").strip().strip('"').strip("'").strip()


csv.field_size_limit(2**31 - 1)  # a long transcript in one cell is still one record


def _unique_header(names: list[str]) -> tuple[list[str], dict[str, list[tuple[int, str, str]]]]:
    """Header names made unique (``text``, ``text_2``...) so no column is silently dropped, and the
    names given to more than one column (compared ignoring case, as columns are mapped to fields;
    unnamed columns left out) -> ``(position, name as written, name given)`` of each such column,
    position counted from 1 at the left. :meth:`_IngestState.row` stops on such a name when a field
    is read from it (which column would it be?) and warns of the others (:func:`_repeated_columns`)."""
    seen: dict[str, int] = {}
    positions: dict[str, list[tuple[int, str, str]]] = {}
    out = []
    for k, name in enumerate(names, 1):
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
        if name:
            positions.setdefault(name.casefold(), []).append((k, name, out[-1]))
    return out, {cols[0][1]: cols for cols in positions.values() if len(cols) > 1}


def _read_csv(path: Path, warnings: list[str]) -> Iterator[dict]:
    fh, note = _open_text(path)
    if note:
        warnings.append(note)
    with fh:
        yield from _csv_rows(path, fh, warnings)


def _blank(row: list[str]) -> bool:
    """A CSV line with nothing on it but spaces: not a record (a row of empty cells, ``,,``, is one)."""
    return not row or (len(row) == 1 and not row[0].strip())


def _csv_rows(path: Path, fh, warnings: list[str]) -> Iterator[dict]:
    """The records of a CSV/TSV file. Blank lines are not records: skipped, before the header too
    (``source_row`` counts the data rows, header and blank lines not counted; each record carries
    ``_source_lines``, the file lines it spans, for its reject's detail)."""
    first = fh.read(8192)
    fh.seek(0)
    if path.suffix.lower() in (".tsv", ".tab"):
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(first.lstrip("\r\n \t").split("\n", 1)[0],
                                            delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(fh, delimiter=delimiter)
    raw_header = next((row for row in reader if not _blank(row)), None)
    if raw_header is None:
        what = "the file is empty" if reader.line_num == 0 else f"only blank lines ({plural(reader.line_num, 'line')})"
        warnings.append(f"{path}: {what}; no records read")
        return
    header, repeated = _unique_header([_clean_header(h) for h in raw_header])
    n = 0
    end = reader.line_num  # file line where the previous row ended
    for row in reader:
        start, end = end + 1, reader.line_num
        if _blank(row):
            continue
        n += 1
        lines = (start, end)
        if not any(cell.strip() for cell in row):
            yield {"_source_file": str(path), "_source_row": n, "_source_lines": lines,
                   "_reject": ("empty_row", "the row has no values")}
            continue
        if len(row) != len(header):
            quote = ""
            if len(row) < len(header) and start != end and any("\n" in cell for cell in row):   # lines swallowed
                quote = (f"; a cell runs from file line {start} to {end}: a quote opened there is probably not "
                         "closed, and the lines after it were read into that cell (close the quote; a quote "
                         "inside a cell is written twice, \"\")")
            yield {"_source_file": str(path), "_source_row": n, "_source_lines": lines,
                   "_reject": ("bad_row", f"{plural(len(row), 'cell')} where the header has {len(header)} "
                                          f"({file_lines_text(lines)}){quote}"), "_raw": row}
            continue
        rec = dict(zip(header, row))
        rec["_source_file"], rec["_source_row"], rec["_source_lines"] = str(path), n, lines
        if repeated:
            rec["_repeated"] = repeated
        yield rec
    if n == 0:
        warnings.append(f"{path}: only a header row; no records read")


def file_lines_text(lines: tuple[int, int]) -> str:
    """``file line 7`` or ``file lines 7-9`` (a CSV record whose quoted cell spans lines)."""
    start, end = lines
    return f"file line {start}" if start == end else f"file lines {start}-{end}"


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(value) -> bool:
    """True when a string of a parsed JSON value (keys too) holds a lone UTF-16 surrogate."""
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def _loads(text: str):
    """:func:`json.loads` of records, with :func:`_object_pairs` marking an object that repeats a key."""
    return json.loads(text, object_pairs_hook=_object_pairs)


def _keep_repeated(pairs, where: str) -> dict:
    """The raw record of an object some key of which is given more than once (as written, or once its
    name is cleaned: ``"text"`` and ``" text"``): every value kept, the first under its name, the
    later ones as ``text_2``, ``text_3`` (a name not taken), as a CSV header's repeated column is;
    ``_repeated_keys`` is name -> (the names its values are kept under with the name, *where*,
    None: give it once in the record), which :meth:`_IngestState.row` rejects (``repeated_key``)
    when a field is read from the key and its values differ, and otherwise keeps with a warning."""
    names = [_clean_header(str(k)) for k, _ in pairs]
    taken = set(names)
    rec: dict = {}
    repeated: dict[str, list[str]] = {}
    for name, (_, value) in zip(names, pairs):
        if name not in rec:
            rec[name] = value
            continue
        given = repeated.setdefault(name, [name])
        k = len(given) + 1
        while f"{name}_{k}" in taken:
            k += 1
        taken.add(f"{name}_{k}")
        given.append(f"{name}_{k}")
        rec[given[-1]] = value
    rec["_repeated_keys"] = {name: ([(given, name) for given in names], where, None)
                             for name, names in repeated.items()}
    return rec


def _object_record(obj, path: Path, n: int, where: str, escapes: str | None = None) -> dict:
    """A JSON value as a raw record: an object's keys cleaned, anything else a reject.

    *escapes*: the JSON text of the value when it may hold ``\\ud800``-style escapes; a value with
    a lone surrogate (not text: it cannot be hashed or stored) is rejected as ``bad_json``. An
    object that gives a key twice (:class:`_RepeatedKeys`, or two names the same once cleaned)
    keeps every value (:func:`_keep_repeated`)."""
    if not isinstance(obj, dict):
        return {"_source_file": str(path), "_source_row": n,
                "_reject": ("not_an_object", f"{where} holds a {type(obj).__name__}, not an object"), "_raw": obj}
    if escapes is not None and _has_surrogate(obj):
        return {"_source_file": str(path), "_source_row": n,
                "_reject": ("bad_json", f"{where}: a lone UTF-16 surrogate escape (\\ud800-\\udfff), not text"),
                "_raw": escapes}
    pairs = obj.pairs if type(obj) is _RepeatedKeys else obj.items()
    rec = {_clean_header(str(k)): v for k, v in pairs}
    if len(rec) != len(pairs):
        rec = _keep_repeated(pairs, where)
    rec["_source_file"], rec["_source_row"] = str(path), n
    return rec


def _read_jsonl(path: Path, warnings: list[str]) -> Iterator[dict]:
    with path.open("rb") as fh:
        utf16 = _utf16_encoding(fh.read(2))
    scan = None if utf16 else _utf8_scan(path)
    if scan and scan[1]:
        yield from _jsonl_utf8_rows(path)
        return
    fh, note = _open_text(path, scan)   # one scan: a file that is not UTF-8 throughout is not checked again
    if note:
        warnings.append(note)
    with fh:
        yield from _jsonl_rows(path, fh)


def _jsonl_rows(path: Path, lines) -> Iterator[dict]:
    for n, line in enumerate(lines, 1):
        rec = _jsonl_record(path, line, n)
        if rec is not None:
            yield rec


def _jsonl_record(path: Path, line: str, n: int) -> dict | None:
    """Line *n* of a JSON-lines file as a raw record (a reject when it is not a JSON object); None when blank."""
    if not line.strip():
        return None
    try:
        obj = _loads(line)
    except json.JSONDecodeError as exc:
        return {"_source_file": str(path), "_source_row": n, "_reject": ("bad_json", f"line {n}: {exc.msg}"),
                "_raw": line}
    return _object_record(obj, path, n, f"line {n}", line if "\\ud" in line or "\\uD" in line else None)


_KEY_END = re.compile(rb'"[ \t\r\n]*:')
"""The end of an object's key: its closing quote and colon. A line holds one for each key it gives
(and one for each '":' inside a value), so a line with no more of them than its parsed object has
keys gives no key twice."""
_TEXT_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
"""A line as a text file opened with ``newline=""`` cuts it: up to ``\\n``, ``\\r\\n`` or a lone ``\\r``."""
_FLAT = (str, int, bool, type(None))


def _jsonl_utf8_rows(path: Path) -> Iterator[dict]:
    """:func:`_jsonl_rows` of a file that is UTF-8 to its last byte (:func:`_utf8_scan`), read as bytes.

    A line is parsed by orjson from its bytes (no text decoding, no look for ``\\ud`` escapes:
    orjson refuses a lone surrogate, and invalid UTF-8) when it holds one JSON object whose values
    are strings, integers, booleans or nulls -- the values the standard parser gives alike (orjson
    turns an integer beyond 64 bits into a float, so floats, lists and objects are not taken from
    it); any other line, and any line orjson refuses, goes through :func:`_jsonl_record` as text,
    so rejects and their messages are the standard parser's. Lines are cut as a text file opened
    with ``newline=""`` cuts them (a lone ``\\r`` ends one too), the byte-order mark is dropped."""
    n = 0
    with path.open("rb") as fh:
        for k, raw in enumerate(fh):
            if k == 0 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            cr = raw.find(b"\r")
            if cr != -1 and not (cr == len(raw) - 2 and raw.endswith(b"\r\n")):
                for line in _TEXT_LINE_RE.findall(raw.decode("utf-8")):
                    n += 1
                    if (rec := _jsonl_record(path, line, n)) is not None:
                        yield rec
                continue
            n += 1
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError:
                obj = None
            # orjson keeps the last value of a key given twice, unseen: a line that may give one (more
            # key ends than keys; a value holding '":' is one too) is parsed again by _jsonl_record.
            if type(obj) is dict and all(type(v) in _FLAT for v in obj.values()) \
                    and len(_KEY_END.findall(raw)) == len(obj):
                yield _object_record(obj, path, n, f"line {n}")
            elif (rec := _jsonl_record(path, raw.decode("utf-8"), n)) is not None:
                yield rec


def _read_json(path: Path, warnings: list[str]) -> Iterator[dict]:
    text, note = _decode(path)
    if note:
        warnings.append(note)
    stripped = text.lstrip()
    if not stripped.startswith("[") and not stripped.startswith("{"):
        yield from _jsonl_rows(path, text.splitlines())
        return
    try:
        data = _loads(text)
    except json.JSONDecodeError:
        yield from _jsonl_rows(path, text.splitlines())
        return
    if isinstance(data, dict):
        lists = [v for _, v in (data.pairs if type(data) is _RepeatedKeys else data.items()) if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else [data]
    escapes = "\\ud" in text or "\\uD" in text
    for n, obj in enumerate(data, 1):   # the item's JSON text only for an item that will be rejected for it
        yield _object_record(obj, path, n, f"item {n}", json.dumps(obj, ensure_ascii=True)[:_RECORD_MAX]
                             if escapes and isinstance(obj, dict) and _has_surrogate(obj) else None)


def _read_parquet(path: Path, warnings: list[str]) -> Iterator[dict]:
    import pyarrow.parquet as pq

    n = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
        for rec in batch.to_pylist():
            n += 1
            rec = {_clean_header(str(k)): v for k, v in rec.items()}
            rec["_source_file"], rec["_source_row"] = str(path), n
            yield rec


FILE_REJECTS = ("unreadable_file", "unsupported_file")
"""Reject reasons of a whole file (``source_row`` NULL): its detail says what the file is and how to fix it."""

_SIGNATURES: tuple[tuple[int, bytes, str, str | None], ...] = (
    # (offset, signature, what the file is, the command that gives the file inside: {path} -> {out})
    (0, b"\x1f\x8b", "a gzip-compressed file", "gzip -dc {path} > {out}"),
    (0, b"BZh", "a bzip2-compressed file", "bzip2 -dc {path} > {out}"),
    (0, b"\xfd7zXZ\x00", "an xz-compressed file", "xz -dc {path} > {out}"),
    (0, b"(\xb5/\xfd", "a zstd-compressed file", "zstd -dc {path} -o {out}"),
    (0, b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or OpenDocument sheet is one too)", None),
    (0, b"PK\x05\x06", "an empty ZIP archive", None),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", None),
    (0, b"Rar!\x1a\x07", "a RAR archive", None),
    (257, b"ustar", "a tar archive", None),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (e.g. an Excel .xls sheet)", None),
    (0, b"%PDF-", "a PDF document", None),
    (0, b"\x89PNG\r\n\x1a\n", "a PNG image", None),
    (0, b"\xff\xd8\xff", "a JPEG image", None),
    (0, b"GIF87a", "a GIF image", None),
    (0, b"GIF89a", "a GIF image", None),
    (0, b"PAR1", "a Parquet file", None),
    (0, b"SQLite format 3\x00", "an SQLite database", None),
    (8, b"DUCK", "a DuckDB database (a framewatch store is one)", None),
)
"""Signatures ("magic numbers") of the binary files most often given by mistake where framewatch
reads text (:func:`binary_content`): compressed files and archives, office files, images, databases."""

_TEXT_KINDS = {".csv": "a CSV file (text)", ".tsv": "a TSV file (text)", ".tab": "a TSV file (text)",
               ".jsonl": "JSON lines (text)", ".ndjson": "JSON lines (text)", ".json": "JSON (text)",
               ".xml": "an RSS/Atom feed (XML text)", ".rss": "an RSS feed (XML text)",
               ".atom": "an Atom feed (XML text)", ".html": "an HTML page (text)", ".htm": "an HTML page (text)",
               ".txt": "a text file"}
"""What framewatch expects in a file, by its suffix: text, never binary (:func:`binary_content`)."""
_COMPRESSED = {".gz", ".bz2", ".xz", ".zst"}


def binary_content(path: Path, head: bytes) -> tuple[str, str] | None:
    """What a file is when its first bytes (*head*, 8 KB) show it is not text, with how to fix it; None for text.

    A known signature (:data:`_SIGNATURES`: gzip, ZIP/xlsx, PDF, PNG, Parquet ...) names the kind
    of file and the bytes that show it; any other file holding a NUL byte (no text does, but
    UTF-16, which starts with its byte-order mark) is binary data, named by the byte's place.

    Returns
    -------
    (found, fix) or None
        *found*: ``"a gzip-compressed file (it starts with the bytes 1f 8b)"``;
        *fix*: e.g. ``"decompress it first (gzip -dc a.csv > a.decompressed.csv), then give a.decompressed.csv"``.
    """
    for offset, signature, what, command in _SIGNATURES:
        if head[offset:offset + len(signature)] == signature:
            at = "it starts with" if offset == 0 else f"at byte {offset} it holds"
            found = f"{what} ({at} the bytes {signature.hex(' ')})"
            if command:
                inner = path.with_suffix("") if path.suffix.lower() in _COMPRESSED else \
                    path.with_name(f"{path.stem}.decompressed{path.suffix}")
                return found, f"decompress it first ({command.format(path=path, out=inner)}), then give {inner}"
            if signature == b"PAR1":
                return found, f"name it .parquet ({path.with_suffix('.parquet').name}) so it is read as Parquet"
            if signature.startswith(b"PK") or signature.startswith(b"\xd0\xcf"):
                return found, ("unzip it and give the file inside, or, for a sheet, save it from the spreadsheet "
                               "as 'CSV UTF-8'")
            if signature.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8", b"GIF")):
                return found, "give the articles' text instead: a CSV or JSON lines file, or the text as .txt"
            if signature in (b"DUCK", b"SQLite format 3\x00"):
                return found, "give the articles' file with --input; a framewatch store is named with --store"
            return found, "extract it and give the files inside (a folder works)"
    if _utf16_encoding(head) is None and (nul := head.find(b"\x00")) != -1:
        return (f"binary data: a NUL byte at byte {nul} (text holds none)",
                "give the articles as text (CSV or JSON lines, UTF-8); a UTF-16 text file needs its byte-order "
                "mark (Excel's 'Unicode text' has one), or save it as UTF-8")
    return None


def _not_text_detail(path: Path, expected: str) -> str | None:
    """The reject detail of a file that is binary where *expected* text is read, or None when it is text."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    binary = binary_content(path, head)
    if binary is None:
        return None
    found, fix = binary
    return FramewatchError("not a text file", expected=expected, found=found, fix=fix).message


def _read_file(path: Path, warnings: list[str], assume_tz: str = "UTC") -> Iterator[dict]:
    """The records of one input file (a reject for the whole file when it cannot be read: one
    unreadable file never stops the run), and a warning naming the file when it holds none. A feed's
    or HTML page's date-time without a UTC offset is read in *assume_tz* (``--assume-tz``)."""
    suffix = path.suffix.lower()
    n = 0
    said = len(warnings)
    try:
        if suffix in _TEXT_KINDS or suffix in (".parquet", ".pq"):
            detail = _not_text_detail(path, _TEXT_KINDS[suffix]) if suffix in _TEXT_KINDS else _not_parquet(path)
            if detail:
                yield {"_source_file": str(path), "_source_row": None, "_reject": ("unreadable_file", detail)}
                return
        if suffix in (".csv", ".tsv", ".tab"):
            records = _read_csv(path, warnings)
        elif suffix in (".jsonl", ".ndjson"):
            records = _read_jsonl(path, warnings)
        elif suffix == ".json":
            records = _read_json(path, warnings)
        elif suffix in (".parquet", ".pq"):
            records = _read_parquet(path, warnings)
        elif suffix in FEEDS:
            records = sources.read_feed(path, assume_tz=assume_tz)
        elif suffix in (".html", ".htm"):
            records = iter([sources.read_html_file(path, assume_tz=assume_tz)])
        elif suffix == ".txt":
            records = iter([sources.read_text_file(path)])
        else:
            detail = f"framewatch does not read '{suffix or path.name}' files"
            with path.open("rb") as fh:
                binary = binary_content(path, fh.read(8192))
            if binary is not None:   # say what it is; a compressed file: how to get the file inside
                detail += f": this is {binary[0]}" + (f"; {binary[1]}" if binary[1].startswith("decompress") else "")
            yield {"_source_file": str(path), "_source_row": None, "_reject": ("unsupported_file", detail)}
            return
        for rec in records:
            n += 1
            yield rec
    except OSError as exc:  # one unreadable file never stops the run
        yield {"_source_file": str(path), "_source_row": None,
               "_reject": ("unreadable_file", f"cannot read the file: {describe_os_error(exc)}")}
        return
    except Exception as exc:  # noqa: BLE001 - as above
        yield {"_source_file": str(path), "_source_row": None,
               "_reject": ("unreadable_file", f"{type(exc).__name__}: {exc}")}
        return
    if n == 0 and len(warnings) == said:   # the CSV reader says why itself
        warnings.append(f"{path}: {_why_no_records(path)}; no records read")


_PLACE_WORDS = {".csv": "row", ".tsv": "row", ".tab": "row", ".parquet": "row", ".pq": "row",
                ".jsonl": "line", ".ndjson": "line", ".json": "item", ".xml": "item", ".rss": "item", ".atom": "item"}


def record_place(source_file: str, source_row) -> str:
    """Where a stored record (an article or a reject) was read, in words, as ``framewatch rejects``
    lists it: ``a.csv row 3`` (the 3rd data row of a CSV/TSV or Parquet file: header and blank lines
    not counted; a CSV reject's detail gives its file line), ``b.jsonl line 7`` (the file line of
    a JSON-lines file), ``c.json item 2`` (of a JSON list or a feed), or the file alone (a page,
    or a whole file that was not read). Never ``a.csv:3``, which reads as a file line."""
    if source_row is None or pd.isna(source_row):
        return str(source_file)
    suffix = Path(str(source_file).split("?", 1)[0]).suffix.lower()
    word = _PLACE_WORDS.get(suffix, "item" if "://" in str(source_file) else "record")
    return f"{source_file} {word} {int(source_row)}"


def _not_parquet(path: Path) -> str | None:
    """The reject detail of a ``.parquet`` file that is not one (no ``PAR1`` at its start), or None."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if head.startswith(b"PAR1"):
        return None
    binary = binary_content(path, head)
    found = binary[0] if binary else ("text" if head.strip() else "an empty file" if not head else "only blank lines")
    fix = binary[1] if binary and "PAR1" not in binary[0] else "give a Parquet file, or name the file for what it holds"
    return FramewatchError("not a Parquet file", found=found, fix=fix,
                           expected="a Parquet file (it starts with the bytes 50 41 52 31, 'PAR1')").message


def _why_no_records(path: Path) -> str:
    """Why an input file gave no record, in words: ``the file is empty``, ``only blank lines (3 lines)``,
    ``no records in it`` (an empty JSON list, a feed without items)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if not head:
        return "the file is empty"
    if not head.strip() and len(head) < 1 << 16:
        n = len(head.splitlines())
        return f"only blank lines ({plural(n, 'line')})"
    return "no records in it"


def _is_sidecar(p: Path) -> bool:
    """fetch.json, or metadata (x.json / x.meta.json / x.yaml) beside a page x.txt / x.html."""
    if p.name == "fetch.json":
        return True
    if p.suffix.lower() not in (".json", ".yaml", ".yml"):
        return False
    stem = p.name.split(".")[0]
    return any(p.with_name(stem + ext).exists() for ext in (".txt", ".html", ".htm"))


def iter_records(inputs: list[Path], warnings: list[str], assume_tz: str = "UTC") -> Iterator[dict]:
    """Raw records from files and folders (folders recursively, in sorted order); a feed's or HTML
    page's date-time without a UTC offset is read in *assume_tz* (the others are read by the ingest).

    Yields dicts of input columns plus ``_source_file`` / ``_source_row`` (and ``_reject``
    for records that could not be read).
    """
    for inp in inputs:
        inp = Path(inp)
        if inp.is_dir():
            files = sorted(p for p in inp.rglob("*") if p.is_file() and not p.name.startswith(".")
                           and p.suffix.lower() not in DOCS and not p.name.upper().startswith("LICENSE"))
            if any(p.suffix.lower() in PAGES for p in files):
                # Pages, with their sidecars and fetch.json, are read by the folder reader.
                for rec in sources.read_folder(inp, assume_tz=assume_tz):
                    src = Path(str(rec.get("_source_file", "")))
                    if "_reject" in rec and (src.suffix.lower() in TABULAR | FEEDS | DOCS or _is_sidecar(src)
                                             or src.name.upper().startswith("LICENSE")):
                        continue
                    yield rec
                files = [p for p in files if p.suffix.lower() in TABULAR | FEEDS and not _is_sidecar(p)]
            for p in files:
                yield from _read_file(p, warnings, assume_tz)
        elif inp.is_file():
            yield from _read_file(inp, warnings, assume_tz)
        else:
            yield {"_source_file": str(inp), "_source_row": None,
                   "_reject": ("unreadable_file", "no file or folder at this path")}


# -- mapping and cleaning ----------------------------------------------------------------

def detect_mapping(columns: list[str], override: dict[str, str], topic_column: str | None,
                   keep_missing: bool = False) -> dict[str, str]:
    """Field -> column for one source's columns: *override* first, then :data:`FIELD_NAMES`.

    *keep_missing*: an *override* column not among *columns* is mapped as given, so the field has
    no value (a JSON record without the key, as an empty CSV cell), rather than found by name."""
    lower = {c.lower(): c for c in columns}
    mapping: dict[str, str] = {}
    for fld, col in override.items():
        if col in columns:
            mapping[fld] = col
        elif col.lower() in lower:
            mapping[fld] = lower[col.lower()]
        elif keep_missing:
            mapping[fld] = col
    used = set(mapping.values()) | ({topic_column} if topic_column else set())
    for fld, names in FIELD_NAMES.items():
        if fld in mapping:
            continue
        for name in names:
            col = lower.get(name)
            if col is not None and col not in used:
                mapping[fld] = col
                used.add(col)
                break
    if topic_column:   # as the input writes it (matched ignoring case, as --map's columns are)
        mapping["topic"] = lower.get(topic_column.lower(), topic_column)
    return mapping


JSON_KINDS = {".jsonl", ".ndjson", ".json"}
"""Inputs whose records each give their own keys: a key --map or --topic-column names may be left
out of some records (that record has no value there, as an empty CSV cell); only a key no record
of the file gives stops the run: at the file's first record when its bytes cannot hold the key
(:func:`_check_keys_written`), else once it is read (:meth:`_IngestState.check_named_keys`)."""


def _named_columns(options: IngestOptions) -> list[tuple[str, str]]:
    """(the option as given, the column it names) of every --map and --topic-column."""
    named = [(f"--map {fld}={col}", col) for fld, col in options.mapping.items()]
    if options.topic_column:
        named.append((f"--topic-column {options.topic_column}", options.topic_column))
    return named


def _check_named_columns(rec: dict, cols: tuple[str, ...], options: IngestOptions) -> None:
    """A column named by --map or --topic-column must exist in a table it is applied to (a CSV's
    header, a Parquet file's schema: every row has the same columns). JSON records are checked
    per file, once it has been read (:meth:`_IngestState.check_named_keys`).

    Raises
    ------
    ConfigError
        Naming the file, the option, the missing column and the columns there are.
    """
    src = str(rec.get("_source_file", ""))
    suffix = Path(src).suffix.lower()
    if suffix not in TABULAR or suffix in JSON_KINDS:
        return
    lower = {c.lower() for c in cols}
    for option, col in _named_columns(options):
        if col.lower() not in lower:
            raise ConfigError(f"{option} names a column the input does not have", where=src,
                              expected=f"one of its columns: {', '.join(cols)}", found=repr(col),
                              fix="check the spelling, or run files with different columns separately")


def _missing_key_error(src: str, option: str, col: str, n_records: int | None, keys: list[str]) -> ConfigError:
    """The error for a key --map or --topic-column names that no record of the JSON file *src* gives;
    *n_records* None: found before the file was read (:func:`keys_nowhere`), *keys* its first record's."""
    shown = keys if len(keys) <= 30 else keys[:30] + [f"... ({len(keys) - 30} more)"]
    if n_records is None:
        expected = (f"a key at least one of its records gives (a record without it has no value there), such as its "
                    f"first record's {', '.join(shown)}")
        found = f"{col!r} nowhere in the file"
    else:
        expected = (f"a key at least one of its {plural(n_records, 'record')} gives (a record without it has no value "
                    f"there), one of {', '.join(shown)}")
        found = f"{col!r} in none of them"
    return ConfigError(f"{option} names a key no record of the file gives", where=src, expected=expected, found=found,
                       fix="check the spelling (keys are matched ignoring case), or run files with different keys "
                           "separately")


_SCAN_CHUNK = 1 << 24
"""Bytes of a file :func:`keys_nowhere` reads at a time (16 MB), each chunk searched with the last
:data:`_SCAN_OVERLAP` bytes of the one before, so a key cut by a chunk's end is found."""
_SCAN_OVERLAP = 1 << 16
# What _clean_header strips around a key, as a JSON file may write it: whitespace (str.isspace, raw in
# UTF-8 or Windows-1252, or escaped), a byte-order mark, quotes.
_KEY_PAD = (rb"(?:[\s'\x85\xa0]|\xc2[\x85\xa0]|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]|\xe2\x81\x9f"
            rb"|\xe3\x80\x80|\xef\xbb\xbf|\\[tnrfb\"]|\\u[0-9a-f]{4})*")


def _written_char(c: str, variants: dict[str, list[str]]) -> bytes:
    """A pattern for one character of a key folded to lower case, as a JSON file may write it: any
    character whose lower case it is (``T``, the Kelvin sign for ``k``), raw in UTF-8 or Windows-1252
    or as a ``\\u`` escape (a surrogate pair beyond the BMP), or a short escape (``\\/``)."""
    forms: set[bytes] = set()
    for x in (c, *variants.get(c, ())):
        forms.add(re.escape(x.encode("utf-8")))
        try:
            forms.add(re.escape(x.encode("cp1252")))
        except UnicodeEncodeError:
            pass
        units = x.encode("utf-16-be")
        forms.add(re.escape(b"".join(b"\\u%02x%02x" % (units[i], units[i + 1]) for i in range(0, len(units), 2))))
        short = {"/": b"\\/", '"': b'\\"', "\\": b"\\\\", "\b": b"\\b", "\f": b"\\f", "\n": b"\\n",
                 "\r": b"\\r", "\t": b"\\t"}.get(x)
        if short:
            forms.add(re.escape(short))
    return b"(?:" + b"|".join(sorted(forms)) + b")"


_LOWER_OF: dict[str, list[str]] = {}


def _upper_forms() -> dict[str, list[str]]:
    """Character -> the other characters whose lower case it is (``k``: ``K`` and the Kelvin sign),
    built once, when a key is first looked for (a quarter of a second)."""
    if not _LOWER_OF:
        for i in range(0x110000):
            lower = chr(i).lower()
            if len(lower) == 1 and lower != chr(i):
                _LOWER_OF.setdefault(lower, []).append(chr(i))
    return _LOWER_OF


def keys_nowhere(path: Path, cols: list[str]) -> list[str]:
    """The keys of *cols* that the JSON or JSON-lines file *path* cannot give, from a scan of its bytes
    before it is read: no string in it is the key as a record's key could be written (in any case, as
    keys are matched; raw or escaped; with the blanks and quotes the reader strips around it). A key
    found may still be only a value's text: the exact check comes when the file has been read
    (:meth:`_IngestState.check_named_keys`).

    One pass, 16 MB at a time, stopping when every key is found: a misspelt key costs a read of
    the whole file (about 1 s a GB from the page cache), a key its first records give almost
    nothing. A UTF-16 file, or a key whose lower case holds U+0307 (from ``İ``), is not scanned
    (nothing is reported). Raises OSError when the file cannot be read."""
    pending = {}
    for col in dict.fromkeys(cols):
        folded = col.lower()
        if "\u0307" in folded:
            continue
        chars = b"".join(_written_char(c, _upper_forms()) for c in folded)
        pending[col] = re.compile(b'"' + _KEY_PAD + chars + _KEY_PAD + b'"', re.IGNORECASE)
    if not pending:
        return []
    with Path(path).open("rb") as fh:
        chunk = fh.read(_SCAN_CHUNK)
        if _utf16_encoding(chunk):
            return []
        tail = b""
        while chunk and pending:
            window = tail + chunk
            for col in [c for c, rx in pending.items() if rx.search(window)]:
                del pending[col]
            tail = window[-_SCAN_OVERLAP:]
            chunk = fh.read(_SCAN_CHUNK)
    return list(pending)


def _check_keys_written(src: str, cols: tuple[str, ...], options: IngestOptions) -> None:
    """At a JSON file's first record, before the rest is read (and, under ``run``, scored): stop
    when a key --map or --topic-column names, not in that record, is nowhere in the file's bytes
    (:func:`keys_nowhere`). A misspelt key stopped the run only once the whole file had been read.

    Raises
    ------
    ConfigError
        :func:`_missing_key_error`, naming the first record's keys.
    """
    given = {c.lower() for c in cols}
    named = [(option, col) for option, col in _named_columns(options) if col.lower() not in given]
    if not named or not Path(str(src)).is_file():
        return
    try:
        nowhere = keys_nowhere(Path(str(src)), [col for _, col in named])
    except OSError:   # the reader says so; the check at the file's end still comes
        return
    for option, col in named:
        if col in nowhere:
            raise _missing_key_error(str(src), option, col, None, list(cols))


_TEXT_FIELDS = ("outlet", "title", "lead", "body", "url", "lang")
"""Fields whose value must be text: a string (or missing). A number, list, object or boolean rejects the record."""


def _kind(value) -> str:
    """What a value that is not text is, in the words of JSON: a list, an object, a number, a boolean."""
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, (list, tuple)):
        return f"a list ({json.dumps(value, ensure_ascii=False, default=str)[:60]})"
    if isinstance(value, dict):
        return f"an object ({json.dumps(value, ensure_ascii=False, default=str)[:60]})"
    return f"a {type(value).__name__} ({str(value)[:60]})"


def _wrong_types(get: dict, mapping: dict[str, str]) -> str | None:
    """The reject detail of a record whose fields hold values of the wrong type, or None.

    The text fields (:data:`_TEXT_FIELDS`) take a string; ``id`` a string or a number; the topic
    column a string, a number or a list of them (the list's items are its labels). A missing
    value (None, NaN) is not a wrong type. Columns are named as the input names them."""
    wrong = []
    for fld in _TEXT_FIELDS:
        value = get.get(fld)
        if value is not None and type(value) is not str and not (type(value) is float and value != value):
            wrong.append((fld, value, "text (a string)"))
    value = get.get("id")
    if value is not None and type(value) is not str and (isinstance(value, bool) or not isinstance(value, (int, float))):
        wrong.append(("id", value, "a string or a number"))
    value = get.get("topic")
    if value is not None and type(value) is not str and not _labels(value):
        wrong.append(("topic", value, "a string, a number or a list of them"))
    if not wrong:
        return None
    named = [(f"field '{mapping[fld]}' ({fld})" if mapping.get(fld, fld) != fld else f"field '{fld}'", value, expected)
             for fld, value, expected in wrong]
    return "; ".join(f"{name} holds {_kind(value)}, expected {expected}" for name, value, expected in named) + (
        "; give it as text (in JSON: a string in double quotes)")


def _labels(value) -> bool:
    """True when a topic cell that is not a string is a number or a list of strings and numbers."""
    items = value if isinstance(value, list) else [value]
    return all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in items)


def _topic_value(value) -> str | None:
    """The topic cell as text: a list's items joined with ';' (a label separator), else :func:`_text_value`."""
    if isinstance(value, list):
        value = ";".join(str(v) for v in value if v is not None and str(v).strip())
    return _text_value(value)


def _text_value(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
    if not text or text.isspace():  # (as "not text.strip()", without the stripped copy)
        return None
    if ("<" in text or "&" in text) and _HTML_RE.search(text):
        text = sources.html_to_text(text)
    return text


def canonical_text(text: str) -> str:
    """Line ends to ``\\n``, Unicode NFC, outer blank space removed (the stored form)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


def _stripped(raw: str, strip: BoilerplateScreen) -> str:
    """``canonical_text(strip_boilerplate(canonical_text(raw), patterns))``, the second
    ``canonical_text`` only when a line was removed (the function is idempotent)."""
    text = canonical_text(raw)
    cut = strip(text)
    return text if cut is text else canonical_text(cut)


def _record_json(rec: dict) -> str:
    raw = rec.get("_raw")
    if raw is None:
        raw = {k: v for k, v in rec.items() if not k.startswith("_")}
    try:
        text = json.dumps(raw, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(raw)
    return text[:_RECORD_MAX]


def _stable_id(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


# -- the per-article work, each done in one pass in C where it can be ------------------

def _required_literal(pattern: re.Pattern) -> str | None:
    """The longest run of literal characters (3 or more) that every match of *pattern* holds, or None.

    Read from the parsed pattern: literals in sequence, through groups (a group matches its
    contents in place); anything else (alternatives, repeats, classes, anchors, look-arounds,
    groups with their own flags) ends a run."""
    from re import _parser as sre_parse

    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - no screen, the pattern is searched on every line as before
        return None
    runs: list[str] = []
    run: list[str] = []

    def walk(items) -> None:
        for op, arg in items:
            if op is sre_parse.LITERAL:
                run.append(chr(arg))
            elif op is sre_parse.SUBPATTERN and not arg[1] and not arg[2]:
                walk(arg[3])
            else:
                runs.append("".join(run))
                run.clear()

    walk(parsed)
    runs.append("".join(run))
    best = max(runs, key=len)
    return best if len(best) >= 3 else None


_ASCII_LOOKALIKES = ("\u0130", "\u0131", "\u017f", "\u212a")
"""The only characters outside ASCII that match an ASCII character under ``re.IGNORECASE`` (``İ``,
``ı``, ``ſ`` and the Kelvin sign ``K``; found by trying every code point against every ASCII
character, ``tests/pipelines/test_ingest_fastpaths.py``). In a text without them, an ASCII run
matches somewhere ignoring case exactly when its ``lower()`` is in the text's UTF-8 bytes with
their ASCII letters lowered (``bytes.lower``): every character of such a match is ASCII. (Nor is it
elsewhere in ``text.lower()``: the lower case of every other character is no ASCII letter but for
``K`` and ``İ``'s first character, both characters that match an ASCII letter anyway.)"""


class BoilerplateScreen:
    """:func:`pipelines.outlets.strip_boilerplate` with *patterns*, after a cheap look at the whole text.

    A pattern that holds a run of literal characters (``read `` in the RSS footer pattern
    ``(?:^|\\s+)read (?:the )?full (?:article|story) ...``) cannot match a line of a text
    that lacks that run (a line is a piece of the text, and a literal matches the same wherever
    it is), so it is searched line by line only when the text holds the run: ``in`` on the text,
    or, for a pattern that ignores case, on the text's UTF-8 bytes with ASCII letters lowered
    (``text.lower()`` for a text mostly in another script; an ASCII run, and a text without the
    characters of :data:`_ASCII_LOOKALIKES`; else the run is searched with the pattern's flags).
    A pattern after one that may cut part of a line (a ``cut`` group) is always kept, since the
    cut may join a run that no line held. The patterns kept go to ``strip_boilerplate`` in their
    order, so the same text comes out as with every pattern. (The footer pattern's ``(?:^|\\s+)`` is
    tried at every space of every line: the "row" part of ``benchmarks/bench_ingest.py`` shows what
    the screen saves.)
    """

    def __init__(self, patterns: list[re.Pattern]):
        self.patterns = list(patterns)
        # (literal, ignores case, the literal as a regex, its lower() for an ASCII run that ignores case: str, bytes)
        self.screens: list[tuple[str, bool, re.Pattern, str | None, bytes | None] | None] = []
        for pattern in self.patterns:
            literal = _required_literal(pattern)
            if literal is None:
                self.screens.append(None)
                continue
            ignore_case = bool(pattern.flags & re.IGNORECASE)
            flags = pattern.flags & ~(re.VERBOSE | re.MULTILINE | re.DOTALL)
            lowered = literal.lower() if ignore_case and literal.isascii() else None
            self.screens.append((literal, ignore_case, re.compile(re.escape(literal), flags), lowered,
                                 lowered.encode("ascii") if lowered is not None else None))
        self.lowers = any(s is not None and s[3] is not None for s in self.screens)

    def __call__(self, text: str) -> str:
        """*text* without its boilerplate lines; *text* itself when nothing matched."""
        if not self.patterns:
            return text
        folded: str | bytes | None = None
        if self.lowers:
            data = text.encode("utf-8", "surrogatepass")
            if (len(data) - len(text)) * 8 <= len(text):  # mostly ASCII: its bytes, ASCII letters lowered
                rare = outside_ascii(data)
                if not any(c in rare for c in _ASCII_LOOKALIKES):
                    folded = data.lower()
            elif not any(c in text for c in _ASCII_LOOKALIKES):  # another script: str.lower is cheaper
                folded = text.lower()
        keep = []
        may_cut = False
        for pattern, screen in zip(self.patterns, self.screens):
            if not may_cut and screen is not None:
                literal, ignore_case, regex, lowered, lowered_bytes = screen
                if not ignore_case:
                    present = literal in text
                elif lowered is not None and folded is not None:
                    present = (lowered_bytes if isinstance(folded, bytes) else lowered) in folded
                else:
                    present = regex.search(text) is not None
                if not present:
                    continue
            keep.append(pattern)
            may_cut = may_cut or _CUT in pattern.groupindex
        return strip_boilerplate(text, keep) if keep else text


def ingest_records(records: Iterator[dict], options: IngestOptions, registry: Registry, run_id: str,
                   existing_keys: dict[str, str] | None = None,
                   now: datetime | None = None) -> IngestResult:
    """Turn raw records into ``articles`` and ``rejects`` rows (pure: no store access), all at once.

    Parameters
    ----------
    records : raw records from :func:`iter_records`.
    existing_keys : duplicate keys of articles already stored -> their article_id.
    now : the ingest time (dates more than a day after it are refused as future dates).

    Duplicates of stored articles are returned in ``duplicates_of_stored`` as
    ``article_id -> (copies, merged topic cell)``. Every article is held in memory; a large
    input goes through :func:`ingest_batches` instead, which gives the same rows.

    Returns
    -------
    IngestResult
    """
    return list(ingest_batches(records, options, registry, run_id, existing_keys, now, batch_size=None))[-1]


def ingest_batches(records: Iterator[dict], options: IngestOptions, registry: Registry, run_id: str,
                   existing_keys: dict[str, str] | None = None, now: datetime | None = None,
                   batch_size: int | None = -1, read_warnings: list[str] | None = None) -> Iterator[IngestResult]:
    """Ingest *records* batch by batch: one :class:`IngestResult` per batch, to be written before the next.

    Gives the rows :func:`ingest_records` gives for the whole input, cut into batches: the
    duplicate keys of every earlier batch are kept (a copy of an article of an earlier batch is
    reported in ``duplicates_of_stored``, as a copy of a stored article, so it must be written
    before the next batch is read), rejects come with the batch they were read in, and the
    last result (possibly without rows) carries the coverage and the warnings, in the order a
    whole-input ingest gives them.

    A date column's numeric order (``29/01`` vs ``01/29``) is the whole column's
    (:func:`pipelines.dates.parse_dates`): when a batch holds numeric dates of a source and outlet
    without a declared order (``--dayfirst``, ``--source-config``), its rows and every later
    row are held until the input ends, so the order is inferred from the whole column as
    before. ISO, RFC 2822, month-name and epoch dates, and declared orders, stream.

    Parameters
    ----------
    batch_size : records per batch; -1: ``options.batch_size``; None: the whole input in one.
    read_warnings : warnings of the reader (:func:`iter_records`), put first in the last result.

    Yields
    ------
    IngestResult
        ``n_input = n_ingested + n_duplicates + n_rejected`` holds for each.
    """
    state = _IngestState(options, registry, run_id, existing_keys, now or datetime.now(timezone.utc))
    if batch_size is None:
        state.read(records, hold=True)
    else:
        size = options.batch_size if batch_size == -1 else batch_size
        batch: list[dict] = []
        for rec in records:
            batch.append(rec)
            if len(batch) >= size:
                state.read(batch)
                batch = []
                yield state.drain()
        state.read(batch)
    final = state.drain(final=True)
    final.warnings[:0] = read_warnings or []
    yield final


class _IngestState:
    """What an ingest carries from batch to batch: column mappings, duplicate keys, date warnings
    per source and outlet, and the rows held for a column's date order (:func:`ingest_batches`)."""

    def __init__(self, options: IngestOptions, registry: Registry, run_id: str,
                 existing_keys: dict[str, str] | None, now: datetime):
        self.options, self.registry, self.run_id, self.now = options, registry, run_id, now
        self.coverage = read_coverage(options.coverage, registry) if options.coverage else _empty_coverage()
        # columns (with --map: and whether of a JSON file) -> field -> column, and the unmapped columns
        self.mappings: dict[tuple, dict[str, str]] = {}
        self.extras: dict[tuple, tuple[str, ...]] = {}
        self.boilerplate: dict[str | None, BoilerplateScreen] = {}  # outlet -> its patterns, screened
        self.key_to_id = dict(existing_keys or {})
        self.taken: set[str] = set()
        self.dates: dict[tuple[str, str], list] = {}  # (file, outlet) -> [order warnings, naive count]
        self.date_columns: dict[str, str | None] = {}  # file -> its date column as named there (None: none)
        self.kept_files: set[str] = set()  # files with a record taken (an article or a duplicate)
        self.rejected_files: dict[str, tuple[list[str], dict[str, int]]] = {}  # file -> its columns, rejects by reason
        self.column_warnings: list[str] = []  # columns named twice that no field uses, said at the end
        self.case_keys: dict[tuple, dict[str, list[str]]] = {}  # columns -> names the same ignoring case
        # (file, key, its values all the same) -> [first place, records, names], said at the end
        self.kept_keys: dict[tuple[str, str, bool], list] = {}
        self.file_rejects: dict[str, tuple[str, str]] = {}  # file -> the reason and detail of its whole-file reject
        # JSON files when --map or --topic-column name keys: file -> [records, their key sets in order], checked
        # once the file is read (check_named_keys)
        self.named_files: dict[str, list] = {}
        self.json_files: dict[str, bool] = {}  # file -> a JSON file (asked only with --map)
        self.naive_read: dict[str, int] = {}  # feed or page file -> its dates read in --assume-tz (by its reader or the ingest)
        self.naive_kept: dict[str, int] = {}  # file -> its dates without an offset whose articles were stored before this run
        self.held: list[dict] | None = None
        self.rejects: list[dict] = []
        self.articles: list[pd.DataFrame] = []
        self.n_input = self.n_dup = 0
        self.dup_stored: dict[str, tuple] = {}

    def reject(self, rec, reason, detail):
        src = str(rec.get("_source_file", ""))
        cols, reasons = self.rejected_files.setdefault(src, ([k for k in rec if not k.startswith("_")], {}))
        reasons[reason] = reasons.get(reason, 0) + 1
        if reason in FILE_REJECTS and rec.get("_source_row") is None:
            self.file_rejects[src] = (reason, detail)
        lines = rec.get("_source_lines")
        if lines is not None and "file line" not in detail:   # a CSV record: where it is in the file
            detail = f"{detail} ({file_lines_text(lines)})"
        self.rejects.append({"run_id": self.run_id, "source_file": str(rec.get("_source_file", "")),
                             "source_row": rec.get("_source_row"), "reason": reason, "detail": detail,
                             "record": _record_json(rec)})

    def read(self, records, hold: bool = False) -> None:
        """Turn *records* into rows; fold them now, or hold them until the input ends."""
        rows = []
        for rec in records:
            self.n_input += 1
            row = self.row(rec)
            if row is not None:
                rows.append(row)
        if self.held is None and not hold and self.parse_dates(rows, final=False):
            self.fold(rows)
        else:
            self.held = self.held if self.held is not None else []
            self.held.extend(rows)

    def drain(self, final: bool = False) -> IngestResult:
        """The rows and counts since the last drain; *final*: the held rows too, with coverage and warnings."""
        warnings: list[str] = []
        if final:
            self.check_named_keys()
            if self.held:
                self.parse_dates(self.held, final=True)
                self.fold(self.held)
            self.held = None
            for (src, outlet), (order_warnings, n_naive) in self.dates.items():
                warnings += order_warnings
                if n_naive:  # counted over the whole column, said once at the end
                    warnings.append(dates_mod.naive_warning(n_naive, self.options.assume_tz,
                                                            column=self.date_columns.get(src, "published"),
                                                            where=_date_place(src, outlet)))
            warnings += _naive_read_warnings(self.naive_read, self.options.assume_tz)
            warnings += _naive_kept_warning(self.naive_kept)
            warnings += self.column_warnings
            warnings += [_kept_keys_warning(src, name, *seen, same=same)
                         for (src, name, same), seen in self.kept_keys.items()]
            # Input files only: a feed or page URL that failed is reported by collect itself.
            nothing = [(src, cols, reasons) for src, (cols, reasons) in self.rejected_files.items()
                       if src not in self.kept_files and "://" not in src]
            warnings += [f"{src}: not read ({self.file_rejects[src][0]}): {self.file_rejects[src][1]}"
                         if src in self.file_rejects else _nothing_taken(src, cols, reasons)
                         for src, cols, reasons in nothing if src in self.file_rejects or not _is_page(src)]
            warnings += _pages_not_taken([(src, reasons) for src, _, reasons in nothing
                                          if _is_page(src) and src not in self.file_rejects])
        articles = self.articles[0] if len(self.articles) == 1 else _fold_frame([], self.run_id)
        rejects_df = pd.DataFrame(self.rejects, columns=["run_id", "source_file", "source_row", "reason", "detail",
                                                         "record"])
        rejects_df["source_row"] = rejects_df["source_row"].astype("Int64")
        result = IngestResult(articles=articles, rejects=rejects_df, duplicates_of_stored=self.dup_stored,
                              coverage=self.coverage if final else _empty_coverage(), n_input=self.n_input,
                              n_duplicates=self.n_dup, warnings=warnings)
        self.articles, self.rejects, self.dup_stored = [], [], {}
        self.n_input = self.n_dup = 0
        return result

    def row(self, rec: dict) -> dict | None:
        """One raw record as an ``articles`` row without date, keys or id; None when rejected."""
        options, registry, reject = self.options, self.registry, self.reject
        if "_reject" in rec:
            reason, detail = rec["_reject"]
            reject(rec, reason, detail)
            return None
        cols = tuple(k for k in rec if not k.startswith("_"))
        src = rec.get("_source_file", "")
        key = cols
        if options.mapping:   # a JSON record's columns are mapped apart: a key --map names may be missing
            json_keys = self.json_files.get(src)
            if json_keys is None:
                json_keys = self.json_files[src] = Path(str(src)).suffix.lower() in JSON_KINDS
            key = (cols, json_keys)
        mapping = self.mappings.get(key)
        if mapping is None:
            _check_named_columns(rec, cols, options)
            # A JSON record without a key --map names has no value there (its file is checked at its end).
            mapping = self.mappings[key] = detect_mapping(list(cols), options.mapping, options.topic_column,
                                                          keep_missing=key is not cols and key[1])
            # The unmapped columns, kept in the row's "extra" JSON, in their order.
            self.extras[key] = tuple(k for k in cols if k not in mapping.values() and k not in FIELDS
                                      and k not in ("date_source", "date_note", "fetched_at"))
            # Keys the same but for case ('Title', 'title'): which is the title? (A CSV header's are
            # checked with the header, _repeated_columns.) Looked for once a set of columns.
            self.case_keys[key] = {} if "_repeated" in rec else _same_ignoring_case(cols)
        get = {fld: rec.get(col) for fld, col in mapping.items()}
        if src not in self.date_columns:  # the date column as the file names it, for date notes
            self.date_columns[src] = mapping.get("published") or ("published" if "published" in rec else None)
            if "_repeated" in rec:   # once per file: a column name the header gives twice
                self.column_warnings += _repeated_columns(src, rec["_repeated"], mapping)
            if options.mapping or options.topic_column:
                self.check_named_keys()   # the JSON file read before this one
                if Path(str(src)).suffix.lower() in JSON_KINDS:
                    self.named_files[src] = [0, {}]
                    _check_keys_written(src, cols, options)
        if self.named_files and (seen := self.named_files.get(src)) is not None:
            seen[0] += 1
            seen[1][cols] = None
        # Records from pages and feeds already carry canonical keys.
        for fld in FIELDS:
            if fld not in mapping and fld in rec:
                get[fld] = rec[fld]
        kept_keys = None
        if "_repeated_keys" in rec or self.case_keys[key]:
            kept_keys = _repeated_keys(rec, self.case_keys[key], mapping)
            if isinstance(kept_keys, str):
                reject(rec, "repeated_key", kept_keys)
                return None
        wrong = _wrong_types(get, mapping)
        if wrong is not None:
            reject(rec, "wrong_type", wrong)
            return None
        url = _text_value(get.get("url"))
        outlet_raw = _text_value(get.get("outlet")) or options.default_outlet
        outlet, _in_registry = registry.canonical(outlet_raw, url)
        if not outlet:
            page = Path(str(rec.get("_source_file", ""))).suffix.lower() in PAGES | FEEDS
            reject(rec, "no_outlet",
                   "no outlet: the page names none and has no URL; give one with --outlet NAME or a sidecar file"
                   if page else
                   "no outlet: the outlet field is empty and there is no URL to take one from"
                   if "outlet" in mapping else
                   f"no outlet column found among {list(cols)}; name one with --map outlet=COLUMN")
            return None
        title = _text_value(get.get("title"))
        title = canonical_text(title).replace("\n", " ") if title else None
        body = _text_value(get.get("body"))
        lead = _text_value(get.get("lead"))
        strip = self.boilerplate.get(outlet)
        if strip is None:
            strip = self.boilerplate[outlet] = BoilerplateScreen(registry.boilerplate_patterns(outlet))
        # Stripped once; canonical_text is idempotent, so a text with no boilerplate is not redone.
        stripped = _stripped(body, strip) if body else None
        if stripped:
            text, origin = stripped, "body"
        else:
            parts = [p for p in (title, lead and _stripped(lead, strip)) if p]
            text, origin = "\n".join(parts), "title+lead"
        if not text.strip():
            reject(rec, "no_text", "no text: body, title and lead are all empty"
                   + ("" if {"body", "title", "lead"} & set(mapping) or "body" in rec else
                      f"; no text column found among {list(cols)}, name one with --map body=COLUMN"))
            return None
        extra = {k: rec[k] for k in self.extras[key]}
        for name, where, names, same in kept_keys or ():   # said once a file and key, at the end
            if same:   # one value: the one a field reads, else the first, is all the extra keeps
                keep = next((given for given in names if given not in extra), names[0])
                for given in names:
                    if given != keep:
                        extra.pop(given, None)
            seen = self.kept_keys.setdefault((src, name, same), [where, 0, names])
            seen[1] += 1
        naive_at = None
        if rec.get("_naive_date") and "://" not in src:   # collect says so itself, a feed at a time
            self.naive_read[src] = self.naive_read.get(src, 0) + 1
            naive_at = ("read", src)
        return {"_naive_at": naive_at,
            "outlet": outlet, "outlet_raw": outlet_raw, "published_raw": get.get("published"),
            "date_source": rec.get("date_source") or ("column" if get.get("published") not in (None, "") else None),
            "date_note": rec.get("date_note"), "fetched_at": rec.get("fetched_at"), "title": title, "text": text, "text_origin": origin,
            "url": url, "source_id": _text_value(get.get("id")),
            "source_file": str(rec.get("_source_file", "")), "source_row": rec.get("_source_row"),
            "topics_raw": _topic_value(get.get("topic")), "lang": _text_value(get.get("lang")),
            "extra": json.dumps(extra, ensure_ascii=False, default=str)[:_RECORD_MAX] if extra else None,
        }

    def check_named_keys(self) -> None:
        """Stop the run when a key --map or --topic-column names is given by no record of a JSON file
        read so far (a record without it is an article without that value); each file is checked once.

        Raises
        ------
        ConfigError
            Naming the file, the option, the key and the keys its records give (:func:`_missing_key_error`).
        """
        named = _named_columns(self.options)
        for src, (n_records, key_sets) in self.named_files.items():
            given = {key.lower() for keys in key_sets for key in keys}
            for option, col in named:
                if col.lower() not in given:
                    keys = list(dict.fromkeys(key for keys in key_sets for key in keys))
                    raise _missing_key_error(src, option, col, n_records, keys)
        self.named_files.clear()

    def parse_dates(self, rows: list[dict], final: bool) -> bool:
        """Parse the dates of *rows* per source file and outlet, one date order per column.

        Unless *final*, returns False (rows untouched) when a column holds numeric dates
        without a declared order: the order is then the whole column's, known at its end."""
        options = self.options
        groups: dict[tuple[str, str], list[int]] = {}
        for i, row in enumerate(rows):
            groups.setdefault((row["source_file"], row["outlet"]), []).append(i)
        self.kept_files.update(src for src, _ in groups)
        parsed_groups = []
        for (src, outlet), idx in groups.items():
            declared = options.source_config.get(outlet) or options.source_config.get(rows[idx[0]]["outlet_raw"]) or {}
            order = options.date_order or declared.get("date_order")
            parsed = dates_mod.parse_dates([rows[i]["published_raw"] for i in idx], order=order,
                                           assume_tz=options.assume_tz, not_after=self.now,
                                           allowance=timedelta(days=1), bound="ingest time",
                                           column=self.date_columns.get(src, "published"),
                                           where=_date_place(src, outlet))
            if not final and order is None and parsed.order is not None:
                return False
            parsed_groups.append(((src, outlet), idx, parsed))
        for key, idx, parsed in parsed_groups:
            state = self.dates.setdefault(key, [[], 0])
            # The naive-time warning (the last, when n_naive) is said once for the column, in drain();
            # a page's front matter or sidecar date is counted with the pages' dates, one warning for all.
            state[0] += parsed.warnings[:-1] if parsed.n_naive else parsed.warnings
            page = _is_page(key[0])
            for i, instant, note, naive in zip(idx, parsed.instants, parsed.notes, parsed.naive):
                row = rows[i]
                if naive:
                    if page:
                        self.naive_read[key[0]] = self.naive_read.get(key[0], 0) + 1
                        row["_naive_at"] = ("read", key[0])
                        note = (f"{row['date_source'] or 'the page'}'s date '{str(row['published_raw']).strip()}' "
                                f"has no UTC offset; {sources.read_in(options.assume_tz)}")
                    else:
                        state[1] += 1
                        row["_naive_at"] = ("column", key)
                elif note and row.get("date_note") and row["published_raw"] in (None, ""):
                    note = None   # the reader said why there is no date (a page, a feed item): not a column's
                fetched = row.get("fetched_at")
                if instant is not None and isinstance(fetched, datetime) and instant > fetched:
                    instant, note = None, (f"date {instant.isoformat()} is after the crawl time "
                                           f"{fetched.isoformat()}; not stored")
                row["published_at"] = instant
                if note:
                    row["date_note"] = f"{row['date_note']}; {note}" if row.get("date_note") else note
                if instant is None:
                    row["date_source"] = row["date_source"] if row["published_raw"] not in (None, "") else None
        return True

    def uncount_naive(self, naive_at: tuple) -> None:
        """Take a date without a UTC offset out of its warning's count (``("column", (file, outlet))`` or
        ``("read", file)``): its article was stored before this run and keeps the time it was stored with."""
        kind, key = naive_at
        if kind == "column":
            self.dates[key][1] -= 1
        else:
            self.naive_read[key] -= 1
        src = key[0] if kind == "column" else key
        self.naive_kept[src] = self.naive_kept.get(src, 0) + 1

    def fold(self, rows: list[dict]) -> None:
        """Fold exact duplicates of *rows* (against the store, earlier batches and each other) and
        keep the new articles as a frame."""
        kept: dict[str, dict] = {}
        key_to_id = self.key_to_id
        for row in rows:
            naive_at = row.pop("_naive_at", None)
            row["url_norm"] = normalise_url(row["url"])
            row["text_hash"], n_words = text_hash_and_count(row["text"])
            day = row["published_at"].date().isoformat() if row["published_at"] is not None else ""
            text_key = "t:" + _stable_id(row["outlet"], row["source_id"] or "", day,
                                         (row["title"] or "").casefold(), row["text_hash"])
            url_key = "u:" + row["url_norm"] if row["url_norm"] else None
            found = (key_to_id.get(url_key) if url_key else None) or key_to_id.get(text_key)
            if found:
                self.n_dup += 1
                if found in kept:
                    kept[found]["n_copies"] += 1
                    # A copy listed under another section keeps that topic label too.
                    kept[found]["topics_raw"] = merge_topic_cells(kept[found]["topics_raw"], row["topics_raw"])
                else:  # stored, or written with an earlier batch
                    if naive_at is not None and found not in self.taken:   # stored before: keeps its time
                        self.uncount_naive(naive_at)
                    count, topics = self.dup_stored.get(found, (0, None))
                    self.dup_stored[found] = (count + 1, merge_topic_cells(topics, row["topics_raw"]))
                continue
            article_id = _stable_id(row["outlet"], url_key or text_key)
            while article_id in self.taken:  # distinct records whose ids collide: keep both
                article_id = _stable_id(article_id, "again")
            self.taken.add(article_id)
            row["article_id"] = article_id
            row["n_copies"] = 1
            row["n_words"] = n_words
            kept[article_id] = row
            key_to_id[text_key] = article_id
            if url_key:
                key_to_id[url_key] = article_id
        rows.clear()
        self.articles.append(_fold_frame(list(kept.values()), self.run_id))


def _times(n: int) -> str:
    return "twice" if n == 2 else f"{n} times"


def _repeated_columns(src: str, repeated: dict[str, list[tuple[int, str, str]]],
                      mapping: dict[str, str]) -> list[str]:
    """Check the column names a CSV header gives more than once (:func:`_unique_header`; compared
    ignoring case). pandas would read them as ``title`` and ``title.1`` and go on; here a name
    that a field is read from is an error, since framewatch cannot know which column holds the
    field, and the others (no field reads them) are kept, each in the article's ``extra`` under
    the name it is given (``notes``, ``notes_2``), with a warning.

    Returns
    -------
    list of str
        The warnings, one a repeated name no field reads.

    Raises
    ------
    ConfigError
        Naming the file, the column, its positions (counted from 1 at the left) and the field.
    """
    field_of = {col.casefold(): fld for fld, col in mapping.items()}
    out = []
    for name, columns in repeated.items():
        where_cols = f"columns {listed([k for k, _, _ in columns])}"
        written = {raw for _, raw, _ in columns}
        fld = next((field_of[given.casefold()] for _, _, given in columns if given.casefold() in field_of), None)
        if fld is not None:
            raise ConfigError(f"the header names the column '{name}' {_times(len(columns))}", where=f"{src}, header",
                              expected=f"each column name once (ignoring case): the {fld} is read from the column "
                                       f"named '{name}', and framewatch cannot tell which of them holds it",
                              found=f"'{name}' as {where_cols} (counted from 1 at the left)"
                                    + ("" if len(written) == 1 else
                                       f", written {listed([raw for _, raw, _ in columns], quote=True)}"),
                              fix=f"rename or delete all but one of the {where_cols} in the file's header")
        out.append(f"{src}: the header names the column '{name}' {_times(len(columns))} ({where_cols}); no field is "
                   "read from it, so each is kept in the article's extra, as "
                   f"{listed([given for _, _, given in columns], quote=True)}")
    return out


def _same_ignoring_case(cols: tuple[str, ...]) -> dict[str, list[str]]:
    """The names in *cols* that are one name ignoring case (``Title``, ``title``): the first -> all of
    them, as written. Fields are read from keys matched ignoring case, so which one holds the title
    is not known."""
    groups: dict[str, list[str]] = {}
    for col in cols:
        if not col.startswith("_"):
            groups.setdefault(col.casefold(), []).append(col)
    return {names[0]: names for names in groups.values() if len(names) > 1}


def _repeated_keys(rec: dict, case_keys: dict[str, list[str]],
                   mapping: dict[str, str]) -> str | list[tuple[str, str, list[str], bool]]:
    """Check the keys a JSON record gives more than once (``_repeated_keys``, :func:`_keep_repeated`:
    the standard parser would keep the last value silently) or twice but for case (*case_keys*,
    :func:`_same_ignoring_case`).

    ``_repeated_keys`` is key -> ([(the name a value is kept under, the key as written)], its place,
    what to give the key once in), from :func:`_keep_repeated` or, for a page's front matter,
    sidecar or ``fetch.json``, :func:`pipelines.sources._mark_repeated`: each key has its own place.

    Returns
    -------
    str or list
        The ``repeated_key`` reject's detail when a field is read from such a key and its values
        differ (which value holds the title is not framewatch's to guess); else each such key as
        (name, place, the names its values are kept under, whether the values are all the same:
        one is kept), for the warning.
    """
    row = rec.get("_source_row")
    suffix = Path(str(rec.get("_source_file", ""))).suffix.lower()
    place = f"{_PLACE_WORDS.get(suffix, 'record')} {row}" if row is not None else "the record"
    # key folded -> [[(the name its value is kept under, the name as written)], place, give it once in]
    groups: dict[str, list] = {}
    for name, (kept, where, given_in) in (rec.get("_repeated_keys") or {}).items():
        groups[name.casefold()] = [list(kept), where or place, given_in or "the record"]
    for names in case_keys.values():
        group = groups.setdefault(names[0].casefold(), [[], place, "the record"])[0]
        group += [(name, name) for name in names if all(given != name for given, _ in group)]
    read = {col.casefold(): fld for fld, col in mapping.items()}
    for fld in FIELDS:   # a page's or feed's canonical keys are read as they are
        read.setdefault(fld, fld)
    for key in ("date_source", "date_note", "fetched_at"):
        read.setdefault(key, key.replace("_", " "))
    kept = []
    for group, where, given_in in groups.values():
        written = [raw for _, raw in group]
        name = written[0]
        same = len({_json_text(rec.get(given)) for given, _ in group}) == 1
        fld = next((read[given.casefold()] for given, _ in group if given.casefold() in read), None)
        if fld is None or same:
            kept.append((name, where, [given for given, _ in group], same))
            continue
        how = (f"the key '{name}' is given {_times(len(group))} with different values" if len(set(written)) == 1 else
               f"the key '{name}' is given {_times(len(group))} with different values, written "
               f"{listed(written, quote=True)} (keys are matched ignoring case)")
        what = _FIELD_WORDS.get(fld, fld)
        return (f"{where}: {how}; the {what} is read from it, and framewatch cannot tell which of them is the "
                f"{what}; give the key once in {given_in}")
    return kept


_FIELD_WORDS = {"published": "publication date", "url": "URL", "lang": "language"}
"""Fields by the words messages use for them, where these are not the field's name."""


def _kept_keys_warning(src: str, name: str, where: str, n: int, names: list[str], same: bool = False) -> str:
    """The warning for a key that records of *src* give more than once (:func:`_repeated_keys`): with
    the same value each time (*same*: one value is kept, read by a field or not), or with values no
    field reads (each kept in the article's extra)."""
    records = where if n == 1 else f"{plural(n, 'record')} (the first: {where})"
    if same:
        return (f"{src}: the key '{name}' is given {_times(len(names))} with the same value in {records}; the value "
                "is kept once")
    return (f"{src}: the key '{name}' is given {_times(len(names))} in {records}; no field is read from it, so "
            f"each value is kept in the article's extra, as {listed(names, quote=True)}")


_EXPECTED = {
    "no_text": ("a text column: body ({body}), title ({title}) or lead ({lead})",
                "name yours with --map body=COLUMN (or --map title=COLUMN)"),
    "no_outlet": ("an outlet column ({outlet}), a URL, or --outlet NAME",
                  "name yours with --map outlet=COLUMN, or give --outlet NAME"),
}


def _nothing_taken(src: str, cols: list[str], reasons: dict[str, int]) -> str:
    """The warning for an input file none of whose records could be ingested: its columns, the
    reasons, what a record needs and the ``--map`` that names it."""
    n = sum(reasons.values())
    text = (f"{src}: none of its {n:,} record{'s' if n > 1 else ''} could be ingested ("
            + ", ".join(f"{reason} {k:,}" for reason, k in reasons.items()) + ")")
    top = max(reasons, key=reasons.get)
    if top in _EXPECTED:
        names = {fld: ", ".join(FIELD_NAMES[fld][:4]) + ", ..." for fld in ("body", "title", "lead", "outlet")}
        expected, fix = _EXPECTED[top]
        text += (f"; its columns: {', '.join(cols) or 'none'}; expected {expected.format(**names)}; {fix}")
    return text + "; `framewatch rejects` lists them"


_PAGE_EXPECTED = {
    "no_text": ("a main text (an HTML page's article, a .txt file's words after its front matter)",
                "check the pages"),
    "no_outlet": ("an outlet: 'outlet:' in a page's front matter or sidecar (name.json), an HTML page's "
                  "og:site_name or URL, or --outlet NAME",
                  "give --outlet NAME, or add 'outlet:' to each page's front matter or sidecar"),
}


def _is_page(src: str) -> bool:
    """Whether *src* is a page of a folder input (.txt or .html): one record, no columns."""
    return Path(src).suffix.lower() in sources.HTML_SUFFIXES + sources.TEXT_SUFFIXES


def _pages_not_taken(pages: list[tuple[str, dict[str, int]]]) -> list[str]:
    """The warnings for pages (.txt, .html) none of whose records could be ingested: one a folder,
    with the reasons and what a page needs, not one a page naming a "column" and ``--map``
    (a folder of 1,000 pages without an outlet gave 20 such lines and "... and 980 more")."""
    by_folder: dict[str, dict[str, int]] = {}
    for src, reasons in pages:
        counts = by_folder.setdefault(str(Path(src).parent), {})
        for reason, k in reasons.items():
            counts[reason] = counts.get(reason, 0) + k
    out = []
    for folder, reasons in by_folder.items():
        n = sum(reasons.values())
        text = (f"{folder}: {n:,} page{'s' if n > 1 else ''} could not be ingested ("
                + ", ".join(f"{reason} {k:,}" for reason, k in reasons.items()) + ")")
        top = max(reasons, key=reasons.get)
        if top in _PAGE_EXPECTED:
            expected, fix = _PAGE_EXPECTED[top]
            text += f"; expected {expected}; {fix}"
        out.append(text + "; `framewatch rejects` lists them")
    return out


def _naive_read_warnings(naive_read: dict[str, int], assume_tz: str) -> list[str]:
    """The warnings for dates a feed or HTML page gave without a UTC offset, read in *assume_tz* by
    the reader (:mod:`pipelines.sources`): one a feed file, one for all pages (the first named)."""
    feeds = [(src, n) for src, n in naive_read.items() if n and Path(src).suffix.lower() in FEEDS]
    pages = [src for src, n in naive_read.items() if n and Path(src).suffix.lower() not in FEEDS]
    out = [dates_mod.naive_warning(n, assume_tz, place=f"{src}, the items' dates") for src, n in feeds]
    if pages:
        more = f" and {plural(len(pages) - 1, 'more page')}" if len(pages) > 1 else ""
        place = f"{pages[0]}{more}, " + ("the pages' publication dates" if more else "the page's publication date")
        out.append(dates_mod.naive_warning(sum(naive_read[src] for src in pages), assume_tz, place=place))
    return out


def _naive_kept_warning(naive_kept: dict[str, int]) -> list[str]:
    """The warning for dates without a UTC offset whose articles were already stored (the input
    read again): they keep the times they were stored with, whatever ``--assume-tz`` says now."""
    files = [src for src, n in naive_kept.items() if n]
    if not files:
        return []
    n = sum(naive_kept[src] for src in files)
    more = f" and {plural(len(files) - 1, 'more file')}" if len(files) > 1 else ""
    return [f"{files[0]}{more}: {plural(n, 'date-time value')} without a UTC offset belong to articles already "
            f"in the store, which keep the times they were stored with (they were not read in --assume-tz now); "
            "to read them in a time zone, run again with --assume-tz ZONE --fresh (a new store of only the "
            "inputs given)."]


def _is_page(src: str) -> bool:
    """Whether *src* is an HTML or text page read from disk (its dates are the page's, not a column's)."""
    return "://" not in src and Path(src).suffix.lower() in PAGES


def _date_place(src: str, outlet: str) -> str:
    """Where a date column is, in date notes and warnings: its file and outlet."""
    return f"{src}, outlet '{outlet}'"


def _fold_frame(rows: list[dict], run_id: str) -> pd.DataFrame:
    """Kept rows as an ``articles`` frame (dates, counts and run id typed)."""
    # Object columns hold the rows' own str objects: no second copy of every text in Arrow.
    out = pd.DataFrame(rows, dtype=object)
    rows.clear()
    if out.empty:
        out = pd.DataFrame(columns=["article_id", "outlet", "published_at", "text", "n_words", "n_copies"])
    out["published_at"] = pd.to_datetime(out.get("published_at"), utc=True) if len(out) else pd.Series(
        dtype="datetime64[us, UTC]")
    out["day"] = out["published_at"].dt.date if len(out) else pd.Series(dtype=object)
    out["n_words"] = out["n_words"].astype("int64")
    out["n_copies"] = out["n_copies"].astype("int64")
    out["run_id"] = run_id
    if "source_row" in out:
        out["source_row"] = out["source_row"].astype("Int64")
    return out


def merge_topic_cells(a: str | None, b: str | None) -> str | None:
    """Union of two topic-column cells (split on ``;`` / ``|``), in first-seen order, ``; ``-joined."""
    from .topics import split_topic_cell

    parts = list(dict.fromkeys(split_topic_cell(a) + split_topic_cell(b)))
    return "; ".join(parts) or None


def duplicate_keys(articles: pd.DataFrame) -> dict[str, str]:
    """Duplicate keys (as :func:`ingest_records` builds them) of stored articles -> article_id."""
    keys: dict[str, str] = {}
    for row in articles.itertuples(index=False):
        day = row.published_at.date().isoformat() if pd.notna(row.published_at) else ""
        keys["t:" + _stable_id(row.outlet, row.source_id or "", day, (row.title or "").casefold()
                               if isinstance(row.title, str) else "", row.text_hash)] = row.article_id
        if isinstance(row.url_norm, str) and row.url_norm:
            keys["u:" + row.url_norm] = row.article_id
    return keys


def _empty_coverage() -> pd.DataFrame:
    return pd.DataFrame({"outlet": pd.Series(dtype=str), "day": pd.Series(dtype=object),
                         "collected": pd.Series(dtype=bool), "articles_fetched": pd.Series(dtype="Int64"),
                         "source_file": pd.Series(dtype=str)})


def read_coverage(paths: list[Path], registry: Registry) -> pd.DataFrame:
    """Read coverage files: which outlet-days the collector ran (CSV: outlet, date, collected).

    Returns
    -------
    DataFrame shaped as the ``coverage`` table.

    Raises
    ------
    ConfigError
        On a missing column or a value that is not a date or a boolean, naming file and line.
    """
    frames = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise ConfigError("coverage file not found", where=str(path), expected="a CSV file", found="nothing",
                              fix="check the path given to --coverage")
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        df.columns = [_clean_header(c).lower() for c in df.columns]
        for col in ("outlet", "date", "collected"):
            if col not in df.columns:
                raise ConfigError(f"coverage file lacks column '{col}'", where=f"{path}, line 1",
                                  expected="columns outlet, date, collected[, articles_fetched]",
                                  found=str(list(df.columns)), fix="rename the header")
        rows = []
        for n, r in enumerate(df.to_dict("records"), 2):
            try:
                day = datetime.fromisoformat(r["date"].strip()).date()
            except ValueError:
                raise ConfigError("coverage date is not ISO 8601", where=f"{path}, line {n}, column 'date'",
                                  expected="YYYY-MM-DD", found=repr(r["date"]), fix="write dates as 2026-03-01") from None
            flag = r["collected"].strip().lower()
            if flag not in ("true", "false", "1", "0", "yes", "no"):
                raise ConfigError("coverage flag is not a boolean", where=f"{path}, line {n}, column 'collected'",
                                  expected="true or false", found=repr(r["collected"]), fix="write true or false")
            fetched = r.get("articles_fetched", "").strip()
            rows.append({"outlet": registry.canonical(r["outlet"])[0] or r["outlet"].strip(), "day": day,
                         "collected": flag in ("true", "1", "yes"),
                         "articles_fetched": int(fetched) if fetched.isdigit() else None,
                         "source_file": str(path)})
        frames.append(pd.DataFrame(rows))
    out = pd.concat(frames, ignore_index=True) if frames else _empty_coverage()
    out["articles_fetched"] = out["articles_fetched"].astype("Int64")
    return out


def ingest_files(inputs: list[Path], options: IngestOptions, run_id: str,
                 existing_keys: dict[str, str] | None = None, registry: Registry | None = None,
                 progress: bool = False) -> IngestResult:
    """Read *inputs* and ingest them all at once (no store access; see :func:`pipelines.run.run_ingest`)."""
    return list(ingest_file_batches(inputs, options, run_id, existing_keys, registry, progress, batch_size=None))[-1]


def ingest_file_batches(inputs: list[Path], options: IngestOptions, run_id: str,
                        existing_keys: dict[str, str] | None = None, registry: Registry | None = None,
                        progress: bool = False, batch_size: int | None = -1) -> Iterator[IngestResult]:
    """Read *inputs* and ingest them :func:`ingest_batches`-wise (``options.batch_size`` records at a
    time; *batch_size* None: all at once); each result must be written before the next is asked for."""
    registry = registry or read_registry(options.outlets or None)
    warnings: list[str] = []
    records = iter_records(inputs, warnings, options.assume_tz)
    if progress:
        from tqdm import tqdm
        records = tqdm(records, desc="ingest", unit=" records", file=sys.stderr, leave=False)
    for k, result in enumerate(ingest_batches(records, options, registry, run_id, existing_keys,
                                              batch_size=batch_size, read_warnings=warnings)):
        if k == 0:
            pause_point("ingest:read")
        yield result
