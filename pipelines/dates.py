"""Publication dates: one column of one outlet's values to UTC instants, with reasons.

:func:`parse_dates` reads every date form framewatch accepts and returns timezone-aware UTC
instants, one per value, with a human-readable note for each value it could not read or had to
read under an assumption, and column-level warnings.

Rules (each one is a fix for a real bug report, see ``../shared/cases`` C02, C03, C05):

- **ISO 8601** (``2026-03-05``, ``2026-03-05T10:00:00Z``, ``2026-03-05 10:00:00.5+02:00``)
  always parses, whatever the numeric order; offsets are honoured.
- **RFC 822 / 2822** (``Mon, 02 Mar 2026 00:30:00 +0200``, ``... +02:00``, ``... EST``, ``... GMT``): the named
  zones RFC 822 defines (UT, GMT, Z, EST/EDT, CST/CDT, MST/MDT, PST/PDT) plus a few unambiguous
  ones (CET, CEST, EET, EEST, WET, WEST, MSK, JST, KST). Any other zone name makes the value
  invalid rather than silently UTC.
- **Numeric D/M/Y or M/D/Y** (``29/01/2026``, ``01.02.26``, ``3-4-2026``): ONE order per column.
  A declared ``order`` applies to every row. Without one, a first part > 12 proves DMY and a
  second part > 12 proves MDY; the majority wins and the rows that contradict it are invalid;
  when nothing proves an order, ``default_order`` applies to all rows and a warning says so.
  Rows of one column are never parsed under different orders, and impossible dates
  (``31/04/2026``) are invalid, never rolled over into the next month. A value no order can
  read (``13/13/2024``: month 13 either way) is invalid with that reason; it neither proves
  an order nor counts as ambiguous.
- **Month names** (``Jan 22, 2020 09:15 PM``, ``22 January 2020``), optionally after a label
  (``Published: ... Updated: ...`` takes the published date), via :mod:`dateutil`.
- **Epoch numbers** (int, float or digit string): 10 digits are seconds, 13 milliseconds;
  an 8-digit number is read as ``YYYYMMDD``.
- **Naive values** (a time without an offset) are read in ``assume_tz`` (default ``"UTC"``) and
  converted to UTC; a column warning counts them. **Date-only values** (no time) are stored as
  00:00 UTC of that calendar day whatever ``assume_tz`` is, so the day an outlet printed is the
  day it is charted under.
- The machine's local time zone is never used: output is the same under any ``TZ``.

Examples
--------
>>> r = parse_dates(["29/01/2026", "01/02/2026", "31/04/2026"], order="DMY")
>>> [d.date().isoformat() if d else None for d in r.instants]
['2026-01-29', '2026-02-01', None]
>>> r.notes[2]
"invalid date '31/04/2026': day 31 is out of range for April (order DMY)"
"""

from __future__ import annotations

import calendar
import math
import re
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from numbers import Integral, Real
from typing import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as _du_parser

from .errors import ConfigError, plural as _plural

__all__ = ["ParsedDates", "parse_dates", "naive_warning", "check_zone", "is_utc", "ORDERS", "UNREADABLE_HINT", "UNDATED_REASONS",
           "undated_reason", "count_undated_reasons", "undated_reasons_text"]

ORDERS = ("DMY", "MDY")
"""Numeric date orders: day/month/year and month/day/year."""

UNREADABLE_HINT = ("not a date format framewatch reads (ISO 8601, RFC 2822, D/M/Y or M/D/Y "
                   "with a declared order, or month names)")

# Named zones: RFC 822 section 5 (US zones, UT/GMT/Z) plus a few abbreviations that have one
# meaning in news feeds. Offsets in seconds east of UTC.
ZONE_OFFSETS: dict[str, int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
    "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
    "MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
    "WET": 0, "WEST": 3600, "CET": 3600, "CEST": 2 * 3600, "EET": 2 * 3600, "EEST": 3 * 3600,
    "MSK": 3 * 3600, "JST": 9 * 3600, "KST": 9 * 3600,
}
_TZINFOS = {name: off for name, off in ZONE_OFFSETS.items()}

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")

# Numeric D/M/Y or M/D/Y, same separator twice, optional time and zone.
_NUMERIC = re.compile(
    r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})"
    r"(?:(?:[ T]|,\s*)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*([AaPp]\.?[Mm]\.?)?"
    r"\s*(Z|[A-Za-z]{2,5}|[+-]\d{2}:?\d{2})?)?$"
)
# Year first with slashes or dots: 2026/03/05 (unambiguous).
_YMD_SLASH = re.compile(r"^(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})(?:[ T](.*))?$")
_RFC2822 = re.compile(
    r"^(?:[A-Za-z]{3,9},?\s+)?\d{1,2}\s+[A-Za-z]{3,9}\.?\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s+(\S+))?\s*(?:\([^)]*\))?$"
)
_DIGITS = re.compile(r"^\d+(?:\.\d+)?$")
_LABEL = re.compile(
    r"^\s*(?:first\s+|originally\s+)?(?:published|posted|updated|last\s+updated|modified|"
    r"date|dated|created|issued)(?:\s+(?:on|at))?\s*[:\-\u2013\u2014]?\s*",
    re.IGNORECASE,
)
_LATER_LABEL = re.compile(
    r"\s*[|,;/\u2013\u2014-]?\s*\b(?:last\s+)?(?:updated|modified|edited|published|posted)\b.*$",
    re.IGNORECASE | re.DOTALL,
)
_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
_MONTH_NAME = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?![a-z])",
                         re.IGNORECASE)

# Cached dateutil defaults: two different ones reveal fields the string did not give.
_DEFAULT_A = datetime(2000, 1, 1)
_DEFAULT_B = datetime(2001, 2, 2)


@dataclass
class ParsedDates:
    """Result of :func:`parse_dates` for one column of one outlet.

    Attributes
    ----------
    instants : list of (datetime or None), length n_values
        Timezone-aware instants with ``tzinfo=timezone.utc``; None when missing or invalid.
    notes : list of (str or None), length n_values
        None when the value was read cleanly; otherwise why it is missing, invalid or was
        read under an assumption. Meant for ``articles.date_note`` / ``rejects.detail``.
    order : {"DMY", "MDY"} or None
        Numeric-date order applied to the column; None when the column held no numeric dates.
    warnings : list of str
        Column-level warnings (ambiguous order and the default applied, mixed orders, naive
        times read in ``assume_tz``), each naming the column and ``where``.
    naive : list of bool, length n_values
        True for each date-time value without a UTC offset, read in ``assume_tz``, so a caller
        can note it on that article.
    """

    instants: list[datetime | None]
    notes: list[str | None]
    order: str | None = None
    warnings: list[str] = field(default_factory=list)
    naive: list[bool] = field(default_factory=list)

    @property
    def n_naive(self) -> int:
        """Date-time values without a UTC offset, read in ``assume_tz`` (the true ones of :attr:`naive`);
        when above 0 the last warning is :func:`naive_warning` of it (so a caller that parses one
        column in parts, as the ingest's batches do, sums the counts and says it once)."""
        return sum(self.naive)


@dataclass
class _Numeric:
    """A numeric date waiting for the column's order: parts as written, time, zone."""

    first: int
    second: int
    year: int
    hms: tuple[int, int, int, int]
    zone: str | None


class _Invalid(Exception):
    """A value that is not a date; the message is the reason (without the value)."""


def parse_dates(values: Sequence[object], *, order: str | None = None, default_order: str = "MDY",
                assume_tz: str = "UTC", not_after: datetime | None = None, allowance: timedelta = timedelta(0),
                bound: str = "crawl/ingest time", column: str | None = "published", where: str = "") -> ParsedDates:
    """Parse one date column of one outlet into UTC instants under one numeric order.

    Parameters
    ----------
    values : sequence of object, length n_values
        str, datetime/date, pandas.Timestamp, numpy datetime64, int/float epoch (10 digits =
        seconds, 13 = milliseconds; also digit strings), or None/NaN/NaT/"" for missing.
    order : {"DMY", "MDY"}, optional
        Declared order of numeric dates (``29/01/2026`` is DMY). Applied to every row. When
        None, one order is inferred for the whole column (see module docstring).
    default_order : {"DMY", "MDY"}, default "MDY"
        Order used when nothing in the column proves one; a warning is added.
    assume_tz : str, default "UTC"
        IANA zone in which naive date-times (no offset) are read. Date-only values are always
        00:00 UTC of their day.
    not_after : datetime, optional
        Upper bound (crawl or ingest time); instants more than *allowance* later are dropped
        with a note naming it as *bound* (e.g. ``"date 2031-01-01T00:00:00Z is more than a day
        after the ingest time 2026-...; not stored"``). A naive value is taken as UTC.
    allowance : timedelta, default 0
        How much later than *not_after* a date may be (a source's clock or time zone).
    bound : str, default "crawl/ingest time"
        What *not_after* is, in the note.
    column, where : str
        Column name (as the input names it) and place (file, outlet) used in notes and
        warnings. ``column=None``: the input has no date column; a missing date's note says so.

    Returns
    -------
    ParsedDates
        ``instants`` and ``notes`` of length n_values, the order applied, column warnings.

    Raises
    ------
    ConfigError
        If ``order``/``default_order`` is not "DMY"/"MDY" or ``assume_tz`` is not a known zone.
        Bad values never raise: they get None and a note.
    """
    place = _place(column, where)
    missing = (f"missing date in column '{column}'" if column is not None else
               "missing date: the input has no date column (name one with --map published=COLUMN)")
    if order is not None:
        order = _check_order(order, "order", place)
    default_order = _check_order(default_order, "default_order", place)
    tz = _zone(assume_tz, place)
    if not_after is not None and not_after.tzinfo is None:
        not_after = not_after.replace(tzinfo=timezone.utc)

    n = len(values)
    instants: list[datetime | None] = [None] * n
    notes: list[str | None] = [None] * n
    naive_at = [False] * n
    numeric: dict[int, _Numeric] = {}
    cache: dict[str, tuple] = {}

    for i, value in enumerate(values):
        if isinstance(value, str):
            s = value.strip()
            hit = cache.get(s)
            if hit is None:
                hit = cache[s] = _classify_string(s, tz)
            kind = hit[0]
            if kind == "ok":
                instants[i] = hit[1]
                naive_at[i] = hit[2]
            elif kind == "num":
                numeric[i] = hit[1]
            elif kind == "missing":
                notes[i] = missing
            else:
                notes[i] = f"invalid date {_quote(value)}: {hit[1]}"
            continue
        try:
            got = _classify_other(value, tz)
        except _Invalid as exc:
            notes[i] = f"invalid date {_quote(value)}: {exc}"
            continue
        if got is None:
            notes[i] = missing
        else:
            instants[i], naive_at[i] = got

    warns: list[str] = []
    applied = None
    if numeric:
        applied = order or _infer_order(values, numeric, notes, default_order, place, warns)
        for i, num in numeric.items():
            if notes[i] is not None:  # contradicts the inferred order
                continue
            try:
                instants[i], naive_at[i] = _numeric_instant(num, applied, tz)
            except _Invalid as exc:
                notes[i] = f"invalid date {_quote(values[i])}: {exc} (order {applied})"
    n_naive = sum(naive_at)
    if n_naive:
        warns.append(naive_warning(n_naive, assume_tz, column=column, where=where))
    if not_after is not None:
        limit = not_after.astimezone(timezone.utc)
        later = f"more than {_span(allowance)} after" if allowance else "after"
        for i, inst in enumerate(instants):
            if inst is not None and inst > limit + allowance:
                instants[i] = None
                notes[i] = f"date {_iso(inst)} is {later} the {bound} {_iso(limit)}; not stored"
    return ParsedDates(instants=instants, notes=notes, order=applied, warnings=warns, naive=naive_at)


RERUN_FRESH = ("and run again with --fresh (a new store of only the inputs given): without it the articles "
               "already stored keep their times, as a rerun folds them into the stored copies")
"""When ``--assume-tz`` takes effect for ``run`` and ``ingest`` (:func:`naive_warning`'s default *then*)."""


def naive_warning(n_naive: int, assume_tz: str, *, column: str = "published", where: str = "",
                  place: str | None = None, then: str = RERUN_FRESH) -> str:
    """The column warning of :func:`parse_dates` for *n_naive* date-time values without a UTC offset
    read in *assume_tz* (a zone name as given), naming the column and ``where``; *place*, when
    given, says where the values were instead (a feed's items, pages' metadata); *then*, how the
    flag takes effect (run and ingest: :data:`RERUN_FRESH`; collect: from the next collect on, as it
    skips the items it has stored)."""
    values = "1 date-time value had" if n_naive == 1 else f"{n_naive:,} date-time values had"
    return (f"{place or _place(column, where)}: {values} no UTC offset and {'was' if n_naive == 1 else 'were'} read in "
            f"{assume_tz} (--assume-tz {assume_tz}); if the outlet wrote them in another time zone, give it with "
            f"--assume-tz ZONE (an IANA name, e.g. --assume-tz Europe/Moscow) {then}.")


UNDATED_REASONS = ("invalid date", "no date found", "date after the crawl or ingest", "other reason",
                   "no reason recorded")
"""Kinds of reason an undated article's ``articles.date_note`` gives (:func:`undated_reason`), in the
order summaries list them."""

# The note's clauses (joined by "; " when a source and the ingest both said something), each
# recognised by how the writers of date notes begin it: parse_dates, the ingest's crawl-time
# bound, the HTML page and feed readers (pipelines.sources).
_REASON_STARTS = (
    (re.compile(r"invalid date\b"), "invalid date"),
    (re.compile(r"(?:missing date\b|no publication date\b)"), "no date found"),
    (re.compile(r"(?:URL path )?date \S+ is (?:more than .+? )?after the (?:crawl|ingest)"),
     "date after the crawl or ingest"),
)


def undated_reason(note: str | None) -> str:
    """The kind of reason an undated article's date note gives, one of :data:`UNDATED_REASONS`.

    Parameters
    ----------
    note : str or None
        ``articles.date_note`` of an article whose ``published_at`` is NULL.

    Returns
    -------
    str
        ``"invalid date"`` (a value that is not a date: ``invalid date '2024-13-45': month 13 is
        out of range``), ``"no date found"`` (an empty cell, a page or feed item without one),
        ``"date after the crawl or ingest"`` (a date later than the crawl or ingest, not stored),
        ``"other reason"`` for a note none of these begins, ``"no reason recorded"`` for None.
        The first clause (``; ``-separated) that names a kind decides.

    Examples
    --------
    >>> undated_reason("invalid date 'yesterday-ish': " + UNREADABLE_HINT)
    'invalid date'
    >>> undated_reason("missing date in column 'published'")
    'no date found'
    """
    if not isinstance(note, str) or not note.strip():
        return "no reason recorded"
    for clause in note.split("; "):
        clause = clause.strip()
        for pattern, kind in _REASON_STARTS:
            if pattern.match(clause):
                return kind
    return "other reason"


def count_undated_reasons(notes: Sequence[str | None], weights: Sequence[int] | None = None) -> dict[str, int]:
    """Undated articles by kind of reason: ``{kind: n}`` in the order of :data:`UNDATED_REASONS`,
    kinds with no article left out. *notes* are the ``date_note`` values of undated articles;
    *weights*, if given, how many articles hold each note (one each otherwise)."""
    counts = dict.fromkeys(UNDATED_REASONS, 0)
    for note, n in zip(notes, weights if weights is not None else [1] * len(notes)):
        counts[undated_reason(note)] += n
    return {kind: n for kind, n in counts.items() if n}


def undated_reasons_text(counts: dict[str, int]) -> str:
    """``"2 invalid dates, 1 no date found"`` from :func:`count_undated_reasons`' counts."""
    return ", ".join(f"{n:,} {_PLURALS.get(kind, kind) if n > 1 else kind}" for kind, n in counts.items() if n)


_PLURALS = {"invalid date": "invalid dates", "date after the crawl or ingest": "dates after the crawl or ingest"}


# --------------------------------------------------------------------------------------------
# classification of single values


def _classify_string(s: str, tz) -> tuple:
    """Classify one stripped string: ("ok", instant, naive) | ("num", _Numeric) |
    ("missing",) | ("bad", reason). Independent of the column order, so it can be cached."""
    try:
        return _classify_string_unchecked(s, tz)
    except _Invalid as exc:          # e.g. a time zone offset out of range, found while converting to UTC
        return ("bad", str(exc))


def _classify_string_unchecked(s: str, tz) -> tuple:
    """:func:`_classify_string`, which may raise :class:`_Invalid`."""
    if not s or s.lower() in ("nan", "nat", "none", "null"):
        return ("missing",)
    c0 = s[0]
    if c0.isdigit():
        # Fast path: ISO 8601 (and YYYYMMDD).
        if len(s) >= 8 and s[4] in "-W" or (len(s) == 8 and s.isdigit()):
            try:
                dt = datetime.fromisoformat(s)
            except ValueError as exc:
                if _ISO_START.match(s):
                    return _iso_fallback(s, tz, str(exc))
            else:
                return ("ok",) + _to_utc(dt, tz, date_only=len(s) <= 10)
        if _DIGITS.match(s):
            try:
                return ("ok", _epoch(float(s) if "." in s else int(s), s), False)
            except _Invalid as exc:
                return ("bad", str(exc))
        m = _NUMERIC.match(s)
        if m:
            return _numeric_parts(m)
        m = _YMD_SLASH.match(s)
        if m:
            rest = m.group(5)
            iso = f"{m.group(1)}-{int(m.group(3)):02d}-{int(m.group(4)):02d}"
            if rest:
                return _classify_string(f"{iso}T{rest.strip()}", tz)
            return _classify_string(iso, tz)
    if _RFC2822.match(s):
        return _rfc2822(s, tz)
    return _textual(s, tz)


def _iso_fallback(s: str, tz, reason: str) -> tuple:
    """ISO-looking strings ``fromisoformat`` refuses: try dateutil's strict ISO parser."""
    y, mo, d = int(s[0:4]), int(s[5:7]), int(s[8:10])
    if not 1 <= mo <= 12:
        return ("bad", f"month {mo} is out of range")
    if not 1 <= d <= calendar.monthrange(y, mo)[1]:
        what = f"{_MONTHS[mo - 1]} {y}" if mo == 2 else _MONTHS[mo - 1]
        return ("bad", f"day {d} is out of range for {what}")
    try:
        dt = _du_parser.isoparse(s)
    except (ValueError, OverflowError):
        try:  # e.g. "2026-03-05 10:00:00 GMT": year-month-day first, so no order question
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                dt = _du_parser.parse(s, tzinfos=_TZINFOS)
        except (ValueError, OverflowError, TypeError):
            return ("bad", f"not a valid ISO 8601 date-time ({reason})")
    return ("ok",) + _to_utc(dt, tz, date_only=False)


def _numeric_parts(m: re.Match) -> tuple:
    first, second, ys = int(m.group(1)), int(m.group(3)), m.group(4)
    year = int(ys)
    if len(ys) == 2:  # POSIX strptime pivot: 69-99 -> 1900s, 00-68 -> 2000s
        year += 1900 if year >= 69 else 2000
    hms = (0, 0, 0, 0)
    zone = None
    if m.group(5) is not None:
        hour, minute = int(m.group(5)), int(m.group(6))
        sec = int(m.group(7) or 0)
        micro = int((m.group(8) or "0").ljust(6, "0")[:6])
        ampm = m.group(9)
        if ampm:
            if not 1 <= hour <= 12:
                return ("bad", f"hour {hour} is not a 12-hour clock hour")
            hour = hour % 12 + (12 if ampm[0] in "Pp" else 0)
        hms = (hour, minute, sec, micro)
        zone = m.group(10)
    if not (_day_month(first, second) or _day_month(second, first)):  # e.g. 13/13/2024: no order makes a date
        dmy, mdy = _why_not(first, second), _why_not(second, first)
        return ("bad", f"{dmy} in either order (DMY or MDY)" if dmy == mdy
                else f"{dmy} (order DMY), {mdy} (order MDY)")
    return ("num", _Numeric(first, second, year, hms, zone))


def _day_month(day: int, month: int) -> bool:
    """Whether the parts can be a day (1-31) and a month (1-12); the month's length is checked later."""
    return 1 <= month <= 12 and 1 <= day <= 31


def _why_not(day: int, month: int) -> str:
    return f"month {month} is out of range" if not 1 <= month <= 12 else f"day {day} is out of range"


def _numeric_instant(num: _Numeric, order: str, tz) -> tuple[datetime, bool]:
    day, month = (num.first, num.second) if order == "DMY" else (num.second, num.first)
    if not 1 <= month <= 12:
        raise _Invalid(f"month {month} is out of range")
    last = calendar.monthrange(num.year, month)[1]
    if not 1 <= day <= last:
        what = f"{_MONTHS[month - 1]} {num.year}" if month == 2 else _MONTHS[month - 1]
        raise _Invalid(f"day {day} is out of range for {what}")
    hour, minute, sec, micro = num.hms
    try:
        dt = datetime(num.year, month, day, hour, minute, sec, micro)
    except ValueError as exc:
        raise _Invalid(str(exc)) from None
    if num.zone is None:
        has_time = num.hms != (0, 0, 0, 0)
        return _to_utc(dt, tz, date_only=not has_time)
    return _to_utc(dt.replace(tzinfo=_zone_from_token(num.zone)), tz, date_only=False)


MAX_OFFSET_HOURS = 23
"""Largest hour of a numeric time zone offset (ISO 8601 and RFC 2822 both allow hh 00-23, mm 00-59;
real zones lie between -12:00 and +14:00)."""


def _offset_text(seconds: float) -> str:
    sign, m = ("-" if seconds < 0 else "+"), int(abs(seconds)) // 60
    return f"{sign}{m // 60:02d}:{m % 60:02d}"


def _offset_out_of_range(token: str) -> _Invalid:
    return _Invalid(f"time zone offset {token} is out of range (an offset is at most "
                    f"±{MAX_OFFSET_HOURS}:59; real zones lie between -12:00 and +14:00)")


def _check_offset(token: str, hours: int, minutes: int) -> None:
    """Raise :class:`_Invalid` for a numeric offset that no clock has (``+25:00``, ``+0199``)."""
    if hours > MAX_OFFSET_HOURS or minutes > 59:
        raise _offset_out_of_range(token)


def _zone_from_token(token: str) -> timezone:
    up = token.upper()
    if up in ZONE_OFFSETS:
        return timezone(timedelta(seconds=ZONE_OFFSETS[up]))
    if token[0] in "+-":
        digits = token[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        _check_offset(token, hours, minutes)
        off = timedelta(hours=hours, minutes=minutes)
        return timezone(-off if token[0] == "-" else off)
    raise _unknown_zone(token)


def _unknown_zone(token: str) -> _Invalid:
    return _Invalid(f"time zone '{token}' is not one framewatch reads (use a numeric offset "
                    "such as +0200, or UTC/GMT/EST/EDT/CST/CDT/MST/MDT/PST/PDT)")


def _rfc2822(s: str, tz) -> tuple:
    """RFC 822/2822 dates; numeric offsets (``+0200``, or ``+02:00`` as some feeds write it) and the
    named zones of :data:`ZONE_OFFSETS` read from the zone itself, never silently UTC; a comment after
    the zone (``(CET)``) is left out."""
    import email.utils

    m = _RFC2822.match(s)
    zone = m.group(1)
    if zone is not None:
        try:
            if zone[0] in "+-" and not re.fullmatch(r"[+-]\d{2}:?\d{2}", zone):
                raise _unknown_zone(zone)
            offset = _zone_from_token(zone).utcoffset(None).total_seconds()
        except _Invalid as exc:
            return ("bad", str(exc))
        s = s[: m.start(1)].rstrip()   # the date and time alone: the zone is read above
    try:
        t = email.utils.parsedate_tz(s)
    except (ValueError, TypeError, IndexError):
        t = None
    if t is None:
        return ("bad", UNREADABLE_HINT)
    try:
        naive = datetime(*t[:6])
    except ValueError as exc:
        return ("bad", str(exc))
    if zone is None:  # no zone at all: read in assume_tz (parsedate_tz gives 0, not None, for a missing zone)
        return ("ok",) + _to_utc(naive, tz, date_only=False)
    return ("ok", (naive - timedelta(seconds=offset)).replace(tzinfo=timezone.utc), False)


def _textual(s: str, tz) -> tuple:
    """Month-name dates via dateutil (non-fuzzy, after removing a leading label)."""
    text = _LABEL.sub("", s, count=1)
    if text != s or _LATER_LABEL.search(text):
        text = _LATER_LABEL.sub("", text).strip(" ,;|")
    if text != s and text:  # after removing a label the rest may be ISO / RFC / numeric
        inner = _classify_string(text, tz)
        if inner[0] != "bad":
            return inner
    if not _MONTH_NAME.search(text):
        # Without a month name dateutil would guess day/month order per value: never.
        return ("bad", UNREADABLE_HINT)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = _du_parser.parse(text, default=_DEFAULT_A, tzinfos=_TZINFOS)
            b = _du_parser.parse(text, default=_DEFAULT_B, tzinfos=_TZINFOS)
    except (ValueError, OverflowError, TypeError):
        return ("bad", UNREADABLE_HINT)
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):
        missing = [n for n, x, y in (("year", a.year, b.year), ("month", a.month, b.month),
                                     ("day", a.day, b.day)) if x != y]
        return ("bad", f"incomplete date (no {' or '.join(missing)})")
    date_only = (a.hour, a.minute, a.second, a.microsecond) == (0, 0, 0, 0) and ":" not in text
    return ("ok",) + _to_utc(a, tz, date_only=date_only)


def _classify_other(value: object, tz) -> tuple[datetime, bool] | None:
    """Non-string values: None for missing, (instant, naive) when read, _Invalid otherwise."""
    if value is None:
        return None
    mod = type(value).__module__
    if mod.startswith("pandas"):
        import pandas as pd

        if value is pd.NaT or value is pd.NA:
            return None
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
    elif mod == "numpy":
        import numpy as np

        if isinstance(value, np.datetime64):
            if np.isnat(value):
                return None
            import pandas as pd

            value = pd.Timestamp(value).to_pydatetime()
        elif isinstance(value, np.generic):
            value = value.item()
    if isinstance(value, bool):
        raise _Invalid("a true/false value is not a date")
    if isinstance(value, datetime):
        return _to_utc(value, tz, date_only=False)
    if isinstance(value, date):
        return _to_utc(datetime.combine(value, time()), tz, date_only=True)
    if isinstance(value, Integral):
        return _epoch(int(value), str(value)), False
    if isinstance(value, Real):
        x = float(value)
        if math.isnan(x):
            return None
        if math.isinf(x):
            raise _Invalid("not a finite number")
        return _epoch(int(x) if x.is_integer() else x, repr(x)), False
    raise _Invalid(f"a {type(value).__name__} is not a date")


def _epoch(x: int | float, text: str) -> datetime:
    """Epoch seconds (10 digits) or milliseconds (13 digits); 8 digits = YYYYMMDD."""
    digits = len(str(int(abs(x))))
    if digits == 8 and isinstance(x, int):
        try:
            return datetime.strptime(str(x), "%Y%m%d").replace(tzinfo=timezone.utc)
        except ValueError:
            raise _Invalid("an 8-digit number is read as YYYYMMDD, and this is not a valid date")
    if digits == 10:
        seconds = x
    elif digits == 13:
        seconds = x / 1000
    else:
        raise _Invalid(f"a number with {digits} digits is not a date (epoch seconds have 10 "
                       "digits, milliseconds 13)")
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=seconds)


def _to_utc(dt: datetime, tz, *, date_only: bool) -> tuple[datetime, bool]:
    """(UTC instant, was_naive_with_time). Date-only values are 00:00 UTC of their day.

    Raises :class:`_Invalid` for an offset of a day or more (``+25:00``), which a parser may accept
    and Python's datetime refuses to apply."""
    try:
        offset = dt.utcoffset() if dt.tzinfo is not None else None
    except ValueError:
        try:
            token = _offset_text(dt.tzinfo.utcoffset(None).total_seconds())
        except Exception:            # noqa: BLE001 - only for the message
            token = str(dt.tzinfo)
        raise _offset_out_of_range(token) from None
    if offset is not None:
        return dt.astimezone(timezone.utc), False
    if date_only:
        return dt.replace(tzinfo=timezone.utc), False
    if tz is timezone.utc:
        return dt.replace(tzinfo=timezone.utc), True
    return dt.replace(tzinfo=tz).astimezone(timezone.utc), True


# --------------------------------------------------------------------------------------------
# the column's numeric order


def _infer_order(values, numeric: dict[int, _Numeric], notes: list, default_order: str,
                 place: str, warns: list[str]) -> str:
    """One order for the whole column; marks rows that contradict it in ``notes``."""
    dmy = [i for i, v in numeric.items() if v.first > 12 and v.second <= 12]
    mdy = [i for i, v in numeric.items() if v.second > 12 and v.first <= 12]
    if dmy and mdy:
        if len(dmy) == len(mdy):
            chosen = default_order
            warns.append(
                f"{place}: numeric dates prove both orders equally ({len(dmy):,} only day-first, "
                f"{len(mdy):,} only month-first); read as {default_order} (the default) and the "
                f"{_plural(len(mdy) if chosen == 'DMY' else len(dmy), 'value')} that contradict it are "
                "invalid. Set the order explicitly (date_order: DMY or MDY).")
        else:
            chosen = "DMY" if len(dmy) > len(mdy) else "MDY"
            warns.append(
                f"{place}: numeric dates are mostly {_long(chosen)} ({_plural(max(len(dmy), len(mdy)), 'value')} "
                f"prove it) but {min(len(dmy), len(mdy)):,} only read the other way; "
                f"{'it is' if min(len(dmy), len(mdy)) == 1 else 'those are'} invalid. Set the order explicitly "
                f"(date_order: {chosen}) and check them.")
        for i in (mdy if chosen == "DMY" else dmy):
            notes[i] = (f"invalid date {_quote(values[i])}: only reads as "
                        f"{'MDY' if chosen == 'DMY' else 'DMY'}, but {place} is {chosen} (the "
                        "order most of its dates prove)")
        return chosen
    if dmy:
        return "DMY"
    if mdy:
        return "MDY"
    warns.append(   # every date left is ambiguous: one part above 12 decides the order, two make it bad
        f"{place}: {_plural(len(numeric), 'numeric date')} {'is' if len(numeric) == 1 else 'are'} ambiguous "
        f"(day and month both 12 or less) and nothing in the column shows "
        f"{'its order; it was' if len(numeric) == 1 else 'their order; all were'} read as {default_order} "
        f"({_long(default_order)}, the default). If this outlet writes "
        f"{_long('DMY' if default_order == 'MDY' else 'MDY')}, declare it: "
        + ("run with --dayfirst, or give the outlet {\"date_order\": \"DMY\"} in --source-config."
           if default_order == "MDY" else "give the outlet {\"date_order\": \"MDY\"} in --source-config."))
    return default_order


# --------------------------------------------------------------------------------------------
# helpers


def _span(delta: timedelta) -> str:
    """``"a day"``, ``"2 days"``, ``"6 hours"``: an allowance in words."""
    hours = delta.total_seconds() / 3600
    if hours % 24 == 0:
        return "a day" if hours == 24 else f"{hours / 24:g} days"
    return "an hour" if hours == 1 else f"{hours:g} hours"


def _long(order: str) -> str:
    return "day first" if order == "DMY" else "month first"


def _place(column: str | None, where: str) -> str:
    col = f"column '{column}'" if column is not None else "no date column"
    return f"{where}, {col}" if where else col


def _check_order(order: str, name: str, place: str) -> str:
    up = str(order).upper()
    if up not in ORDERS:
        raise ConfigError(f"unknown date order for {name}", where=place,
                          expected="'DMY' or 'MDY'", found=repr(order),
                          fix="declare date_order: DMY (29/01/2026) or MDY (01/29/2026)")
    return up


def _zone(name: str, place: str):
    return check_zone(name, where=place)


UTC_NAMES = ("UTC", "Z", "GMT", "ETC/UTC")
"""Zone names read as UTC itself (compared in upper case), without asking the zone database."""


def is_utc(name: object) -> bool:
    """True when *name* is one of :data:`UTC_NAMES`, in any case (``utc``, ``Etc/UTC``)."""
    return isinstance(name, str) and name.upper() in UTC_NAMES


def check_zone(name: str, option: str = "--assume-tz", where: str | None = None):
    """The time zone named *name* (an IANA name such as ``Europe/Moscow``; ``UTC``, ``Z`` and ``GMT`` are UTC).

    Called when the options are read (:class:`pipelines.ingest.IngestOptions`), so a bad name stops
    a run before any work, not when the first date without an offset needs it.

    Raises
    ------
    ConfigError
        Naming *option* (or *where*), the name found, the closest IANA names and how to list them all.
    """
    if is_utc(name):
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        pass
    import difflib
    from zoneinfo import available_timezones

    zones = sorted(available_timezones())
    folded = {z.casefold(): z for z in zones}
    text = str(name)
    near = ([folded[text.casefold()]] if text.casefold() in folded else
            difflib.get_close_matches(text, zones, n=3, cutoff=0.6)
            or [z for z in zones if "/" in z and z.rsplit("/", 1)[1].casefold() == text.casefold().replace(" ", "_")])
    hint = f"did you mean {' or '.join(repr(z) for z in near)}? Write" if near else "write"
    raise ConfigError("unknown time zone", where=where or option,
                      expected="an IANA time zone name such as 'UTC', 'Europe/Moscow' or 'Asia/Pyongyang' "
                               "(the zone in which dates without a UTC offset are read)",
                      found=repr(name),
                      fix=f"{hint} e.g. {option} {near[0] if near else 'Europe/Moscow'}; `python -c \"import zoneinfo; "
                          "print(*sorted(zoneinfo.available_timezones()))\"` lists every name") from None


def _quote(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return "'" + text + "'"


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
