"""The sidebar filters, mirrored in the URL so a view can be shared by link.

URL keys: ``outlet`` (repeated), ``topic`` (repeated), ``from``, ``to`` (ISO dates),
``granularity``, ``voice``, ``category`` (repeated), ``copies`` (``once``: count each story
once, as its first copy; ``none``: leave wire copies out; absent: count every copy; the older
``nowire=1`` still reads as ``copies=none``), and two chart options kept here so a shared link
shows the same chart: ``measure`` (``rate`` or ``share``, on Trends and Outlets × categories) and ``pool`` (``1``: pool
the selected outlets on Trends; absent: one line per outlet). The URL is read on the first run
of a session (invalid values are ignored with a warning) and written back on every run.

The list filters (outlets, topics, lexicon categories) start empty, and **empty means all**, as in
Media Cloud or GDELT: the box says so ("All 5 outlets") and a chip is a narrowing choice, so the
sidebar shows what is left out instead of one chip per value (a store whose topics come from its
data can have hundreds). Absent from the URL means all; a link that lists every value (links
written before this, when every value started as a chip) opens as all, the same selection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from dashboard.charts import MEASURE_LABELS, MEASURES, category_label
from dashboard.links import PAGE_KEYS
from dashboard.tables import count_label, store_copies_text
from pipelines.rollups import COPY_MODES, GRANULARITIES, Filters
from pipelines.schemas import ALL, VOICES

VOICE_OPTIONS = (*VOICES, ALL)
VOICE_LABELS = {"outlet": "Outlet's own words", "quoted": "Quoted (direct quotation)",
                "attributed": "Attributed (reported speech)", ALL: "All voices"}
COPY_LABELS = {"every": "Count every copy", "once": "Count each story once",
               "none": "Leave wire copies out"}
WIRE_HELP = ("Near-identical copies of one text (a wire story republished by several outlets, or an outlet "
             "repeating its own text). 'Count each story once' keeps only the first copy of each (the earliest "
             "published), wherever it is. 'Leave wire copies out' drops every article whose text also appears at "
             "another outlet, or that repeats with a wire dateline such as '(Reuters) -', the first copy "
             "included, so republished copy does not count as coverage.")
NOWIRE_VALUES = {"1": True, "true": True, "0": False, "false": False}
"""Values of the ``nowire`` and ``pool`` URL keys; the app writes ``1`` when on and omits the key otherwise."""
MONTHLY_AFTER_DAYS = 548
"""Default to monthly periods when the store spans more than ~18 months."""

_K = dict(outlet="fw_outlet", topic="fw_topic", start="fw_from", end="fw_to", granularity="fw_granularity",
          voice="fw_voice", category="fw_category", copies="fw_copies", measure="fw_measure", pool="fw_pool")
"""Session keys of the values mirrored in the URL. ``fw_measure`` and ``fw_pool`` are not widget keys:
they outlive the page whose widgets set them (Streamlit drops the state of widgets not drawn)."""
_LOADED = "fw_url_loaded"


@dataclass(frozen=True)
class Selection:
    """The sidebar's result.

    Parameters
    ----------
    filters : the rollup filters. An empty list filter, or one holding every option, is passed
        as ``()`` ("all"); any other list as a sorted tuple, so one set of outlets, topics or
        categories is one cache key whatever the order of its chips.
    granularity : ``"day"``, ``"week"`` or ``"month"``.
    """

    filters: Filters
    granularity: str


def all_placeholder(n: int, noun: str, plural: str | None = None) -> str:
    """What an empty list filter's box says: ``"All 5 outlets"`` (``"All 1 topic"``), since empty means all."""
    return "All " + count_label(n, noun, plural)


def default_granularity(first: date | None, last: date | None) -> str:
    """``"month"`` for ranges longer than ~18 months, else ``"week"``."""
    if first and last and (last - first).days > MONTHLY_AFTER_DAYS:
        return "month"
    return "week"


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _clamp(d: date, lo: date, hi: date) -> date:
    return min(max(d, lo), hi)


def _read_url(summary: dict) -> tuple[list[str], list[str]]:
    """Initial widget values from ``st.query_params``.

    Returns
    -------
    (ignored, clamped)
        Sentences for the sidebar's warnings: the values ignored (the default used instead), and the
        dates outside the store's span, moved to its nearest end (not ignored: the default range
        is not what is shown).
    """
    qp = st.query_params
    notes: list[str] = []
    clamped: list[str] = []
    first, last = summary["first_day"], summary["last_day"]

    def listed(key: str, options: list[str], what: str) -> list[str]:
        asked = qp.get_all(key)
        good = list(dict.fromkeys(v for v in asked if v in options))
        bad = [v for v in asked if v not in options]
        if bad:
            notes.append(f"unknown {what} {', '.join(repr(b) for b in bad)}")
        return [] if set(good) == set(options) else good     # every value listed (older links): all, shown empty

    st.session_state[_K["outlet"]] = listed("outlet", summary["outlets"], "outlet")
    st.session_state[_K["topic"]] = listed("topic", summary["topics"], "topic")
    st.session_state[_K["category"]] = listed("category", summary["categories"], "category")
    for key, wkey, default in (("from", "start", first), ("to", "end", last)):
        raw = qp.get(key)
        d = _parse_date(raw)
        if raw and d is None:
            notes.append(f"invalid date {key}={raw!r}")
        elif d is not None and first and last and not first <= d <= last:
            d = _clamp(d, first, last)
            clamped.append(f"{key}={raw} is outside the store's dates ({first} to {last}), so {key} is {d}")
        st.session_state[_K[wkey]] = d or default
    g = qp.get("granularity")
    if g and g not in GRANULARITIES:
        notes.append(f"unknown granularity {g!r}")
    st.session_state[_K["granularity"]] = g if g in GRANULARITIES else default_granularity(first, last)
    v = qp.get("voice")
    if v and v not in VOICE_OPTIONS:
        notes.append(f"unknown voice {v!r}")
    st.session_state[_K["voice"]] = v if v in VOICE_OPTIONS else "outlet"
    c = qp.get("copies")
    if c and c not in COPY_MODES:
        notes.append(f"copies={c!r} (use copies=once or copies=none)")
    legacy = "none" if _flag(qp.get("nowire"), "nowire", notes) else "every"   # links made before copies=
    st.session_state[_K["copies"]] = c if c in COPY_MODES else legacy
    m = qp.get("measure")
    if m and m not in MEASURES:
        notes.append(f"unknown measure {m!r} (use measure=rate or measure=share)")
    st.session_state[_K["measure"]] = m if m in MEASURES else "rate"
    st.session_state[_K["pool"]] = _flag(qp.get("pool"), "pool", notes)
    return notes, clamped


def _flag(raw: str | None, key: str, notes: list[str]) -> bool:
    """An on/off URL value (:data:`NOWIRE_VALUES`); anything else is noted and read as off."""
    if raw and raw.lower() not in NOWIRE_VALUES:
        notes.append(f"{key}={raw!r} (use {key}=1)")
    return NOWIRE_VALUES.get((raw or "").lower(), False)


def _sanitise_state(summary: dict) -> list[str]:
    """Keep widget values valid when the store changed under a running session.

    Returns
    -------
    list of str
        A sentence for each list filter that lost chosen values the store no longer has (for the sidebar's
        warning), saying when nothing chosen is left, which means all: the selection widened.
    """
    notes = []
    for key, what in (("outlet", "outlets"), ("topic", "topics"), ("category", "categories")):
        options = summary[what]
        chosen = st.session_state.get(_K[key], [])
        kept = [v for v in chosen if v in options]
        gone = [v for v in chosen if v not in options]
        if gone:
            notes.append(f"{key} {', '.join(repr(v) for v in gone)} no longer in the store"
                         + ("" if kept else f": showing all {what}"))
        st.session_state[_K[key]] = kept
    first, last = summary["first_day"], summary["last_day"]
    for key, default in (("start", first), ("end", last)):
        d = st.session_state.get(_K[key]) or default
        st.session_state[_K[key]] = _clamp(d, first, last) if first and last else d
    if st.session_state.get(_K["measure"]) not in MEASURES:
        st.session_state[_K["measure"]] = "rate"
    st.session_state[_K["pool"]] = bool(st.session_state.get(_K["pool"], False))
    return notes


def _write_url(values: dict) -> None:
    """Write the filters to the URL, keeping the pages' own keys (:data:`dashboard.links.PAGE_KEYS`)."""
    want = {k: v for k, v in values.items() if v not in (None, [], "")}
    want.update({k: st.query_params.get_all(k) for k in PAGE_KEYS if k in st.query_params})
    have = {k: st.query_params.get_all(k) for k in st.query_params}
    norm = {k: (v if isinstance(v, list) else [v]) for k, v in want.items()}
    if have != norm:
        st.query_params.from_dict(want)


def sidebar_filters(summary: dict) -> Selection:
    """Draw the sidebar filters and return the selection.

    Parameters
    ----------
    summary : the dict of :func:`dashboard.loaders.load_store_summary`.

    Returns
    -------
    Selection
        An empty list filter is "all" (``()`` in :class:`pipelines.rollups.Filters`), as is one
        holding every option.
    """
    notes, clamped = ([], []) if st.session_state.get(_LOADED) else _read_url(summary)
    st.session_state[_LOADED] = True
    changed = _sanitise_state(summary)
    first, last = summary["first_day"], summary["last_day"]
    sb = st.sidebar
    sb.header("Filters")
    if notes:
        sb.warning("Ignored in the link: " + "; ".join(notes) + ".", icon="⚠️")
    if clamped:
        sb.warning("Moved to the store's dates: " + "; ".join(clamped) + ".", icon="⚠️")
    if changed:
        sb.warning("The store changed: " + "; ".join(changed) + ".", icon="⚠️")
    outlets = sb.multiselect("Outlets", summary["outlets"], key=_K["outlet"],
                             placeholder=all_placeholder(len(summary["outlets"]), "outlet"))
    topics = sb.multiselect("Topics", summary["topics"], key=_K["topic"],
                            placeholder=all_placeholder(len(summary["topics"]), "topic"),
                            help="An article with several selected topics is counted once.")
    start = sb.date_input("From", key=_K["start"], min_value=first, max_value=last, format="YYYY-MM-DD")
    end = sb.date_input("To", key=_K["end"], min_value=first, max_value=last, format="YYYY-MM-DD")
    granularity = sb.radio("Period", GRANULARITIES, key=_K["granularity"], horizontal=True,
                           format_func=str.capitalize, help="Weeks start on Monday (ISO 8601).")
    voice = sb.radio("Voice", VOICE_OPTIONS, key=_K["voice"], format_func=VOICE_LABELS.get,
                     help="Whose words are counted: the outlet's own, direct quotations, or reported speech.")
    categories = sb.multiselect("Lexicon categories", summary["categories"], key=_K["category"],
                                placeholder=all_placeholder(len(summary["categories"]), "category", "categories"),
                                format_func=category_label)
    copies = sb.radio("Republished copies", COPY_MODES, key=_K["copies"], format_func=COPY_LABELS.get,
                      help=WIRE_HELP + f" This store (all of it): {store_copies_text(summary)}.")
    _write_url({"outlet": list(outlets), "topic": list(topics),
                "from": start.isoformat() if start else None, "to": end.isoformat() if end else None,
                "granularity": granularity, "voice": voice, "category": list(categories),
                "copies": None if copies == "every" else copies, "measure": st.session_state[_K["measure"]],
                "pool": "1" if st.session_state[_K["pool"]] else None})
    if start and end and start > end:
        sb.warning("'From' is after 'To': the dates were swapped.")
        start, end = end, start

    def as_filter(chosen, options):     # sorted: the same set in another chip order is the same cache key
        return () if not chosen or set(chosen) == set(options) else tuple(sorted(chosen))

    filters = Filters(outlets=as_filter(outlets, summary["outlets"]), topics=as_filter(topics, summary["topics"]),
                      start=start, end=end, voice=voice,
                      categories=as_filter(categories, summary["categories"]), copies=copies)
    return Selection(filters, granularity)


def _keep(widget_key: str, url_key: str) -> None:
    st.session_state[_K[url_key]] = st.session_state[widget_key]


def measure_radio(container, key: str) -> str:
    """The page's "Measure" radio (``"rate"`` or ``"share"``), mirrored in the URL as ``measure``.

    Every page with a measure shows the same one: the widget starts from the value kept in
    the session (read from the URL on the first run) and a change is kept there before the
    rerun, so the sidebar writes it to the URL in that same run.
    """
    st.session_state[key] = st.session_state.get(_K["measure"], "rate")
    return container.radio("Measure", list(MEASURES), format_func=MEASURE_LABELS.get, horizontal=True, key=key,
                           on_change=_keep, args=(key, "measure"))


def pool_toggle(container, key: str) -> bool:
    """The "Pool selected outlets" toggle, mirrored in the URL as ``pool=1`` (see :func:`measure_radio`)."""
    st.session_state[key] = bool(st.session_state.get(_K["pool"], False))
    return container.toggle("Pool selected outlets", key=key, on_change=_keep, args=(key, "pool"),
                            help="Sum numerators and denominators over the selected outlets (not a mean of their shares).")
