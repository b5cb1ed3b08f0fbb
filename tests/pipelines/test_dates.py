"""Tests for pipelines.dates.parse_dates: one order per column, offsets kept, UTC out."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.dates import UNREADABLE_HINT, naive_warning, parse_dates
from pipelines.errors import ConfigError
from tests.conftest import case_dir

REPO = Path(__file__).resolve().parents[2]
UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# single values that do not depend on the column's order


@pytest.mark.parametrize("value, expected", [
    ("2026-03-05", utc(2026, 3, 5)),
    ("2026-03-05T10:00:00Z", utc(2026, 3, 5, 10)),
    ("2026-03-05 10:00:00", utc(2026, 3, 5, 10)),
    ("2026-03-05T10:00:00+02:00", utc(2026, 3, 5, 8)),
    ("2026-03-05T10:00:00.250-05:00", utc(2026, 3, 5, 15, 0, 0, 250000)),
    ("20260305", utc(2026, 3, 5)),
    ("2026/03/05", utc(2026, 3, 5)),
    ("  2026-03-05T23:59:59Z  ", utc(2026, 3, 5, 23, 59, 59)),
    ("Mon, 02 Mar 2026 00:30:00 +0200", utc(2026, 3, 1, 22, 30)),
    ("Mon, 02 Mar 2026 23:45:00 -0500", utc(2026, 3, 3, 4, 45)),
    ("Wed, 02 Dec 2026 10:00:00 +01:00", utc(2026, 12, 2, 9)),        # the offset with a colon, as some feeds write it
    ("Wed, 02 Dec 2026 10:00:00 -03:30 (NST)", utc(2026, 12, 2, 13, 30)),
    ("Wed, 02 Dec 2026 10:00:00 +05:30 (IST +05:30)", utc(2026, 12, 2, 4, 30)),   # the zone, not its copy in the comment
    ("Mon, 02 Mar 2026 10:00:00 EST (EST)", utc(2026, 3, 2, 15)),
    ("Mon, 02 Mar 2026 10:00:00 EST", utc(2026, 3, 2, 15)),
    ("Mon, 02 Mar 2026 10:00:00 EDT", utc(2026, 3, 2, 14)),
    ("Mon, 02 Mar 2026 10:00:00 PST", utc(2026, 3, 2, 18)),
    ("Mon, 02 Mar 2026 12:00:00 GMT", utc(2026, 3, 2, 12)),
    ("02 Mar 2026 12:00:00 UT", utc(2026, 3, 2, 12)),
    ("Mon, 02 Mar 2026 12:00:00 CET", utc(2026, 3, 2, 11)),
    ("Jan 22, 2020 09:15 PM", utc(2020, 1, 22, 21, 15)),
    ("22 January 2020", utc(2020, 1, 22)),
    ("Published: Jan 22, 2020 09:15 PM Updated: Feb 14, 2022 09:10 AM", utc(2020, 1, 22, 21, 15)),
    ("Updated 2026-03-05T10:00Z", utc(2026, 3, 5, 10)),
    (1767225600, utc(2026, 1, 1)),
    (1767225600000, utc(2026, 1, 1)),
    ("1767225600", utc(2026, 1, 1)),
    (1767225600.5, utc(2026, 1, 1, 0, 0, 0, 500000)),
    (np.int64(1767225600), utc(2026, 1, 1)),
    (datetime(2026, 3, 5, 10, 0), utc(2026, 3, 5, 10)),
    (datetime(2026, 3, 5, 10, 0, tzinfo=timezone(timedelta(hours=9))), utc(2026, 3, 5, 1)),
    (date(2026, 3, 5), utc(2026, 3, 5)),
    (pd.Timestamp("2026-03-05T10:00:00+01:00"), utc(2026, 3, 5, 9)),
    (np.datetime64("2026-03-05T10:00"), utc(2026, 3, 5, 10)),
])
def test_order_independent_values(value, expected):
    for order in (None, "DMY", "MDY"):
        got = parse_dates([value], order=order)
        assert got.instants == [expected]
        assert got.notes == [None]
        assert got.instants[0].tzinfo is UTC


@pytest.mark.parametrize("value, note", [
    ("yesterday", f"invalid date 'yesterday': {UNREADABLE_HINT}"),
    ("n/a", f"invalid date 'n/a': {UNREADABLE_HINT}"),
    # numeric with extra words: never handed to dateutil to guess an order for this one value
    ("01/02/2026 at 10am", f"invalid date '01/02/2026 at 10am': {UNREADABLE_HINT}"),
    ("2026-04-31", "invalid date '2026-04-31': day 31 is out of range for April"),
    ("2026-02-29", "invalid date '2026-02-29': day 29 is out of range for February 2026"),
    ("March 2020", "invalid date 'March 2020': incomplete date (no day)"),
    ("12345", "invalid date '12345': a number with 5 digits is not a date (epoch seconds have 10 "
              "digits, milliseconds 13)"),
    ("Mon, 02 Mar 2026 12:00:00 XYZ", "invalid date 'Mon, 02 Mar 2026 12:00:00 XYZ': time zone "
     "'XYZ' is not one framewatch reads (use a numeric offset such as +0200, or "
     "UTC/GMT/EST/EDT/CST/CDT/MST/MDT/PST/PDT)"),
    ("Wed, 02 Dec 2026 10:00:00 +25:00", "invalid date 'Wed, 02 Dec 2026 10:00:00 +25:00': time zone offset "
     "+25:00 is out of range (an offset is at most ±23:59; real zones lie between -12:00 and +14:00)"),
    (True, "invalid date 'True': a true/false value is not a date"),
    ("", "missing date in column 'published'"),
    (None, "missing date in column 'published'"),
    (float("nan"), "missing date in column 'published'"),
    (pd.NaT, "missing date in column 'published'"),
    (pd.NA, "missing date in column 'published'"),
])
def test_unreadable_and_missing_values_get_none_and_a_note(value, note):
    got = parse_dates([value])
    assert got.instants == [None]
    assert got.notes == [note]


OFFSET_RANGE = "(an offset is at most ±23:59; real zones lie between -12:00 and +14:00)"


@pytest.mark.parametrize("value, offset", [
    ("2024-01-02T10:00:00+25:00", "+25:00"),            # fromisoformat takes it; datetime cannot apply it
    ("2024-01-02T10:00:00+24:00", "+24:00"),
    ("2024-01-02T10:00:00-24:00", "-24:00"),
    ("2024-01-02 10:00 +2500", "+25:00"),               # dateutil's reading
    ("Tue, 02 Jan 2024 10:00:00 +2500", "+2500"),       # RFC 2822: was stored as 2024-01-01 09:00 UTC
    ("Tue, 02 Jan 2024 10:00:00 +0199", "+0199"),       # 99 minutes
    ("2 January 2024 10:00 +2500", "+2500"),
    ("01/02/2024 10:00 +2500", "+2500"),                # a numeric date: the column's order is applied first
])
def test_an_offset_no_clock_has_is_an_invalid_date_not_a_crash(value, offset):
    """A time zone offset of a day or more (or over 59 minutes) made the run stop with a ValueError traceback
    (ISO forms) or stored a wrong instant (RFC 2822); it is an invalid date: the article is kept, undated."""
    got = parse_dates([value, "2024-01-03T10:00:00+02:00"])
    assert got.instants == [None, utc(2024, 1, 3, 8)]
    assert got.notes[0].startswith(f"invalid date '{value}': time zone offset {offset} is out of range {OFFSET_RANGE}")
    assert got.notes[1] is None


@pytest.mark.parametrize("value, expected", [
    ("2024-01-02T10:00:00+14:00", utc(2024, 1, 1, 20)), ("2024-01-02T10:00:00-12:00", utc(2024, 1, 2, 22)),
    ("2024-01-02T10:00:00+23:59", utc(2024, 1, 1, 10, 1)), ("Tue, 02 Jan 2024 10:00:00 -2359", utc(2024, 1, 3, 9, 59)),
])
def test_offsets_up_to_23_59_are_read(value, expected):
    assert parse_dates([value]).instants == [expected]


# ---------------------------------------------------------------------------------------------
# numeric orders


@pytest.mark.parametrize("values, order, expected, applied", [
    (["29/01/2026", "01/02/2026"], "DMY", [utc(2026, 1, 29), utc(2026, 2, 1)], "DMY"),
    (["01/29/2026", "02/01/2026"], "MDY", [utc(2026, 1, 29), utc(2026, 2, 1)], "MDY"),
    (["29.01.26", "1-2-2026"], "DMY", [utc(2026, 1, 29), utc(2026, 2, 1)], "DMY"),
    (["29/01/2026 21:15", "01/02/2026 09:15 PM"], "DMY",
     [utc(2026, 1, 29, 21, 15), utc(2026, 2, 1, 21, 15)], "DMY"),
    (["29/01/2026 21:15 +0200"], "DMY", [utc(2026, 1, 29, 19, 15)], "DMY"),
    (["01/02/69"], "DMY", [utc(1969, 2, 1)], "DMY"),
    # inferred: one value proves the order for every row
    (["01/02/2026", "13/03/2026"], None, [utc(2026, 2, 1), utc(2026, 3, 13)], "DMY"),
    (["01/02/2026", "03/13/2026"], None, [utc(2026, 1, 2), utc(2026, 3, 13)], "MDY"),
    (["2026-03-05"], "DMY", [utc(2026, 3, 5)], None),  # no numeric dates: no order applied
])
def test_numeric_dates_follow_one_order(values, order, expected, applied):
    got = parse_dates(values, order=order)
    assert got.instants == expected
    assert got.notes == [None] * len(values)
    assert got.order == applied
    assert not any("order" in w for w in got.warnings)  # naive times may add an assume_tz note


def test_declared_order_applies_to_every_row_and_reports_impossible_ones():
    got = parse_dates(["13/03/2026", "03/04/2026"], order="MDY")
    assert got.instants == [None, utc(2026, 3, 4)]
    assert got.notes[0] == "invalid date '13/03/2026': month 13 is out of range (order MDY)"


def test_majority_order_wins_and_minority_rows_are_invalid():
    got = parse_dates(["13/03/2026", "14/03/2026", "03/15/2026", "02/03/2026"], where="f.csv")
    assert got.order == "DMY"
    assert got.instants == [utc(2026, 3, 13), utc(2026, 3, 14), None, utc(2026, 3, 2)]
    assert got.notes[2] == ("invalid date '03/15/2026': only reads as MDY, but f.csv, column "
                            "'published' is DMY (the order most of its dates prove)")
    assert len(got.warnings) == 1 and "mostly day first" in got.warnings[0]


def test_ambiguous_column_gets_the_default_order_and_a_warning():
    got = parse_dates(["03/04/2026", "04/03/2026"], default_order="DMY", column="date",
                      where="news.csv, outlet 'X'")
    assert got.order == "DMY"
    assert got.instants == [utc(2026, 4, 3), utc(2026, 3, 4)]
    assert got.warnings == [
        "news.csv, outlet 'X', column 'date': 2 numeric dates are ambiguous (day and month both "
        "12 or less) and nothing in the column shows their order; all were read as DMY (day "
        "first, the default). If this outlet writes month first, declare it: give the outlet "
        "{\"date_order\": \"MDY\"} in --source-config."]


@pytest.mark.parametrize("kwargs, match", [
    ({"order": "YMD"}, "unknown date order for order"),
    ({"default_order": "dmy?"}, "unknown date order for default_order"),
    ({"assume_tz": "Mars/Olympus"}, "unknown time zone.*found 'Mars/Olympus'"),
])
def test_bad_settings_raise_config_error(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        parse_dates(["2026-03-05"], **kwargs)


def test_lowercase_order_is_accepted():
    assert parse_dates(["01/02/2026"], order="dmy").instants == [utc(2026, 2, 1)]


# ---------------------------------------------------------------------------------------------
# time zones and bounds


def test_naive_times_are_read_in_assume_tz_and_counted_but_dates_stay_on_their_day():
    got = parse_dates(["2026-03-05T10:00:00", "2026-03-05", "2026-03-05T10:00:00Z"],
                      assume_tz="Asia/Tokyo")
    assert got.instants == [utc(2026, 3, 5, 1), utc(2026, 3, 5), utc(2026, 3, 5, 10)]
    assert got.warnings == [
        "column 'published': 1 date-time value had no UTC offset and was read in Asia/Tokyo "
        "(--assume-tz Asia/Tokyo); if the outlet wrote them in another time zone, give it with --assume-tz ZONE "
        "(an IANA name, e.g. --assume-tz Europe/Moscow) and run again with --fresh "
              "(a new store of only the inputs given): without it the articles already stored keep their times, as a rerun "
              "folds them into the stored copies."]
    assert got.n_naive == 1


@pytest.mark.parametrize("name, utc_itself", [("UTC", True), ("utc", True), ("Etc/UTC", True), ("GMT", True),
                                              ("Z", True), ("Europe/London", False), ("Asia/Tokyo", False)])
def test_one_list_of_utc_names_serves_the_zone_check_and_the_readers_date_notes(name, utc_itself):
    """sources' date notes kept their own copy of check_zone's UTC names (dates.is_utc now)."""
    from pipelines.dates import check_zone, is_utc
    from pipelines.sources import read_in

    assert is_utc(name) is utc_itself
    assert (check_zone(name) is timezone.utc) is utc_itself
    assert read_in(name) == ("read as UTC" if utc_itself else f"read in {name}")


def test_the_naive_warnings_advice_says_when_the_flag_works_for_collect():
    """collect wrote the advice of naive_warning out again; it gives its own *place* and *then*."""
    said = naive_warning(2, "UTC", place="RT feed https://x.example/rss, the new items' dates",
                         then="from the next collect on")
    assert said == ("RT feed https://x.example/rss, the new items' dates: 2 date-time values had no UTC offset and "
                    "were read in UTC (--assume-tz UTC); if the outlet wrote them in another time zone, give it with "
                    "--assume-tz ZONE (an IANA name, e.g. --assume-tz Europe/Moscow) from the next collect on.")


def test_n_naive_counts_the_naive_values_and_the_last_warning_says_it():
    """The ingest sums ``n_naive`` over a column's batches and says it once with naive_warning."""
    got = parse_dates(["01/02/2026 10:00", "03/02/2026 11:00", "2026-03-05T10:00:00", "2026-03-05",
                       "Mar 5, 2026 9:15 PM", "Mon, 02 Mar 2026 00:30:00 +0200"], where="f.csv, outlet 'X'")
    assert got.n_naive == 4  # two numeric, one ISO, one month-name date-time; the date and RFC 2822 ones are not
    assert got.warnings[-1] == naive_warning(4, "UTC", where="f.csv, outlet 'X'")
    assert got.warnings[-1].startswith("f.csv, outlet 'X', column 'published': 4 date-time values had no UTC "
                                       "offset and were read in UTC (--assume-tz UTC)")
    assert len(got.warnings) == 2  # the ambiguous order, then the naive times
    clean = parse_dates(["2026-03-05T10:00:00Z", "2026-03-05"])
    assert (clean.n_naive, clean.warnings) == (0, [])


def test_not_after_drops_later_instants_with_a_note():
    got = parse_dates(["2026-03-12T08:15:00Z", "2027-01-31"], not_after=utc(2026, 3, 13, 10))
    assert got.instants == [utc(2026, 3, 12, 8, 15), None]
    assert got.notes[1] == ("date 2027-01-31T00:00:00Z is after the crawl/ingest time "
                            "2026-03-13T10:00:00Z; not stored")


_TZ_SCRIPT = """
import json, sys
from pipelines.dates import parse_dates
values = ["Mon, 02 Mar 2026 00:30:00 +0200", "2026-03-02T10:00:00", "02/03/2026 23:30",
          1767225600, "Jan 22, 2020 09:15 PM", "2026-03-05"]
got = parse_dates(values, order="DMY")
print(json.dumps([d.isoformat() if d else None for d in got.instants]))
"""


def test_output_is_identical_whatever_the_machine_time_zone():
    outputs = []
    for tz in ("UTC", "Asia/Tokyo", "America/New_York"):
        env = {"TZ": tz, "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
        done = subprocess.run([sys.executable, "-c", _TZ_SCRIPT], env=env, cwd=REPO,
                              capture_output=True, text=True, check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert json.loads(outputs[0])[:3] == ["2026-03-01T22:30:00+00:00", "2026-03-02T10:00:00+00:00",
                                          "2026-03-02T23:30:00+00:00"]


def test_many_iso_strings_parse_exactly():
    # Speed is measured in benchmarks/, not here: timed unit tests are flaky on shared machines.
    base = utc(2020, 1, 1)
    values = [(base + timedelta(minutes=7 * i)).isoformat() for i in range(20_000)]
    got = parse_dates(values)
    assert got.instants[-1] == base + timedelta(minutes=7 * 19_999)
    assert all(n is None for n in got.notes)


# ---------------------------------------------------------------------------------------------
# shared failure case C02: day-first dates


def _read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_c02_outlet_a_declared_day_first():
    folder = case_dir("C02")
    config = json.loads((folder / "source_config.json").read_text())
    rows = _read_csv(folder / "dates_dayfirst.csv")
    assert {r["outlet"] for r in rows} == {"Outlet A"}
    got = parse_dates([r["published"] for r in rows],
                      order=config["Outlet A"].get("date_order"), where="dates_dayfirst.csv")
    assert got.order == "DMY"
    assert got.instants[:4] == [utc(2026, 1, 29), utc(2026, 2, 1), utc(2026, 3, 2),
                                utc(2026, 3, 13)]
    # row 5 (31/04/2026) does not exist: invalid, never 1 May, never month-first
    assert got.instants[4] is None
    assert got.notes[4] == "invalid date '31/04/2026': day 31 is out of range for April (order DMY)"
    months = Counter(d.strftime("%Y-%m") for d in got.instants if d is not None)
    assert months == {"2026-01": 1, "2026-02": 1, "2026-03": 2}


def test_c02_outlet_a_inferred_without_the_config_gives_the_same_days():
    rows = _read_csv(case_dir("C02") / "dates_dayfirst.csv")
    got = parse_dates([r["published"] for r in rows])
    assert got.order == "DMY"  # 29/01 and 13/03 prove it
    assert got.instants[:4] == [utc(2026, 1, 29), utc(2026, 2, 1), utc(2026, 3, 2),
                                utc(2026, 3, 13)]
    assert got.instants[4] is None


def test_c02_outlet_b_ambiguous_gets_one_order_and_a_warning():
    folder = case_dir("C02")
    config = json.loads((folder / "source_config.json").read_text())
    rows = _read_csv(folder / "dates_ambiguous.csv")
    got = parse_dates([r["published"] for r in rows], order=config["Outlet B"].get("date_order"),
                      where="dates_ambiguous.csv, outlet 'Outlet B'")
    assert got.order == "MDY"  # the documented default
    assert got.instants == [utc(2026, 3, 4), utc(2026, 4, 3)]  # both month-first
    assert len(got.warnings) == 1
    warning = got.warnings[0]
    for part in ("dates_ambiguous.csv", "Outlet B", "column 'published'", "2 numeric dates are",
                 "read as MDY", "date_order"):
        assert part in warning


def test_c02_iso_values_mixed_into_a_day_first_column():
    rows = _read_csv(case_dir("C02") / "dates_dayfirst.csv")
    values = [r["published"] for r in rows] + ["2026-03-05"]
    got = parse_dates(values, order="DMY")
    assert got.instants[-1] == utc(2026, 3, 5)
    assert got.instants[1] == utc(2026, 2, 1)


@pytest.mark.parametrize("value, note", [
    ("13/13/2024", "month 13 is out of range in either order (DMY or MDY)"),
    ("0/5/2024", "day 0 is out of range (order DMY), month 0 is out of range (order MDY)"),
    ("5/40/2024", "month 40 is out of range (order DMY), day 40 is out of range (order MDY)"),
])
@pytest.mark.parametrize("order", [None, "DMY", "MDY"])
def test_a_numeric_date_no_order_can_read_is_invalid_and_not_ambiguous(value, note, order):
    got = parse_dates([value, "03/04/2026"], order=order, default_order="DMY")
    assert got.instants[0] is None and got.notes[0] == f"invalid date '{value}': {note}"
    assert got.instants[1] == (utc(2026, 4, 3) if order in (None, "DMY") else utc(2026, 3, 4))
    if order is None:  # only the second value is ambiguous, and the warning says 1
        assert len(got.warnings) == 1 and ": 1 numeric date is ambiguous" in got.warnings[0]
    else:
        assert got.warnings == []


@pytest.mark.parametrize("value", [
    "Fri, 01 Mar 2024 10:00:00",               # RFC 822 without a zone (email.utils gives it offset 0)
    "01 Mar 2024 10:00",                       # RFC 822 without the weekday or the seconds
    "Published: Fri, 01 Mar 2024 10:00:00",    # after a label
    "2024-03-01T10:00:00",                     # ISO 8601
    "2024/03/01 10:00",                        # year first with slashes
    "March 1, 2024 10:00 AM",                  # free text with a month name
    "01/03/2024 10:00",                        # numeric, order DMY
])
def test_every_date_time_without_an_offset_is_read_in_assume_tz_and_flagged(value):
    """An RFC 822 date without a zone was stored as UTC whatever --assume-tz said, and not counted."""
    got = parse_dates([value, "Fri, 01 Mar 2024 10:00:00 +0300", "1 March 2024"], order="DMY", assume_tz="Asia/Tokyo")
    assert got.instants == [utc(2024, 3, 1, 1), utc(2024, 3, 1, 7), utc(2024, 3, 1)]
    assert got.naive == [True, False, False] and got.n_naive == 1


@pytest.mark.parametrize("value, hour", [("Fri, 01 Mar 2024 10:00:00 GMT", 10), ("Fri, 01 Mar 2024 10:00:00 -0000", 10),
                                         ("Fri, 01 Mar 2024 10:00:00 EST", 15), ("Fri, 01 Mar 2024 10:00:00 +0900", 1)])
def test_an_rfc_822_zone_or_offset_is_honoured_whatever_assume_tz_says(value, hour):
    got = parse_dates([value], assume_tz="Europe/Moscow")
    assert got.instants == [utc(2024, 3, 1, hour)] and got.naive == [False] and got.n_naive == 0
