"""Ingest sources that are not tables: HTML pages, text files, folders of them, RSS/Atom feeds.

Each reader turns one input into plain records (dicts) with the canonical keys below, so
:mod:`pipelines.ingest` treats them like rows of a CSV:

``outlet``, ``published`` (a tz-aware UTC ``datetime``, or the raw string for
:func:`pipelines.dates.parse_dates`), ``date_source`` ("metadata" | "url" | "feed" |
"front matter" | "sidecar" | "crawl time"), ``date_note``, ``title``, ``lead``, ``body``,
``url``, ``id``, ``lang``, ``fetched_at`` (tz-aware UTC datetime of the crawl, when known),
``encoding_note``, any other metadata as extra keys, and the provenance keys ``_source_file``
(the path as given) and ``_source_row`` (1-based item number, or None for one-article files).
A key the input does not have is left out.

Nothing raises for bad input: a record that cannot be read is
``{"_source_file": ..., "_source_row": ..., "_reject": (reason_code, detail)}`` with reason
codes ``unreadable_file``, ``unsupported_file``, ``no_text``, ``bad_front_matter``,
``bad_sidecar``, ``unreadable_item`` and ``repeated_key`` (a page's JSON-LD date key given twice
with different values). A key that front matter, a sidecar or ``fetch.json`` gives twice (or twice
but for case) keeps every value (``title``, ``title_2``) and is marked in ``_repeated_keys``, so the
ingest rejects the record (``repeated_key``) when a field is read from it and the values differ, as
for a JSON record's key.

HTML main text comes from trafilatura (``favor_precision=True``) after elements whose class or
id marks them as related/read-more/most-read/share/newsletter/promo blocks are removed, and a
few unmistakable boilerplate lines ("Read more: ...", "© 2026 ...", mirror/alternate-address
footers) are dropped. Ingest applies the outlet registry's patterns
(:func:`pipelines.outlets.strip_boilerplate`) afterwards; this module does not depend on them.

The publication date of a page is taken, in order, from structured metadata, then from the URL
path (low confidence), never from script literals or sidebar ``<time>`` elements; with
``fetched_at`` any candidate later than the crawl is discarded (case C05).
"""

from __future__ import annotations

import calendar
import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import lxml.html
import yaml
from lxml import etree

from .dates import is_utc, parse_dates

__all__ = ["read_html_file", "read_html_string", "read_text_file", "read_folder", "read_feed",
           "html_to_text", "HTML_SUFFIXES", "TEXT_SUFFIXES", "SIDECAR_SUFFIXES"]

HTML_SUFFIXES = (".html", ".htm")
TEXT_SUFFIXES = (".txt",)
SIDECAR_SUFFIXES = (".json", ".meta.json", ".yaml", ".yml")
FOLDER_META = "fetch.json"

# Elements that are not text.
_DROP_TAGS = frozenset({"script", "style", "noscript", "template", "img", "picture", "svg",
                        "iframe", "object", "embed", "video", "audio", "canvas", "head",
                        "title", "meta", "link", "button", "select", "input", "textarea"})
# Elements that start a new line when rendered.
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3",
                         "h4", "h5", "h6", "blockquote", "pre", "table", "tr", "td", "th",
                         "section", "article", "aside", "header", "footer", "nav", "main",
                         "figure", "figcaption", "hr", "address", "form", "fieldset", "body",
                         "html", "center", "details", "summary"})
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML inter-element whitespace; NBSP is not in it
_LINE_SPACE = re.compile(r"[ \t\f\v]+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)

# Class/id tokens of blocks that are not the article (removed before extraction).
_NOISE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:related|read-?more|most-?read|most-?popular|more-?stories|share|sharing|"
    r"share-?bar|newsletter|promo|promotion|subscribe|recommended)(?:$|[\s_-])",
    re.IGNORECASE,
)
_NEVER_PRUNE = frozenset({"html", "body", "main", "article"})

# Whole lines that are never article text, wherever they sit.
_BOILERPLATE_LINE = re.compile(
    r"""^(?:
        (?:read|see)\s+(?:more|also)\b.*
      | (?:related|more)\s*(?:stories|articles|news|coverage|content|on\s+this\s+story)?\s*:?
      | most\s+(?:read|popular|viewed|shared)\s*:?
      | (?:\u00a9|\(c\)\s|copyright\b).*
      | .*\b(?:also\s+(?:be\s+)?(?:available|reached|accessible|found)\s+at|alternate|alternative|mirror)\b
        .*\baddress(?:es)?\b.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_TITLE_SUFFIX = re.compile(r"\s+(?:\||\u2013|\u2014|::|\u00bb)\s+[^|\u2013\u2014]{1,60}$")

# Structured publication-date metadata, in the order of preference (case C05).
_META_NAMES = ("pubdate", "publishdate", "date", "dc.date", "dcterms.created", "sailthru.date",
               "parsely-pub-date", "dc.date.issued", "dcterms.issued", "article.published")
_META_PROPERTIES = ("article:published_time", "og:article:published_time",
                    "og:published_time")
_ARTICLE_TYPES = re.compile(r"article|posting|report", re.IGNORECASE)
_URL_DATE = (
    re.compile(r"(?<!\d)((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?=/|$|[-_.])"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})(?=/|$|[-_.])"),
)

# Metadata keys of sidecars and front matter mapped to canonical record keys.
_ALIASES = {
    "date": "published", "pubdate": "published", "pub_date": "published",
    "published_at": "published", "publication_date": "published", "datetime": "published",
    "date_published": "published", "datepublished": "published",
    "link": "url", "headline": "title", "summary": "lead", "description": "lead",
    "publisher": "outlet", "site_name": "outlet", "publication": "outlet",
    "language": "lang",
}


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates and times as strings (dates are parsed by parse_dates)."""


_PlainLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _RepeatedKeys(dict):
    """A JSON object that gives a key more than once: the standard parser's dict (the last value of
    each key) with ``pairs``, every (key, value) as written, so no value is lost (:func:`_object_pairs`)."""

    __slots__ = ("pairs",)


def _object_pairs(pairs: list[tuple[str, object]]) -> dict:
    """``object_pairs_hook`` of every JSON parse of records and metadata: a plain dict, or -- only when
    a key is given twice, which the parser would settle silently by keeping the last value -- a
    :class:`_RepeatedKeys` holding every pair. One ``dict()`` and one length compare an object."""
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    out = _RepeatedKeys(obj)
    out.pairs = pairs
    return out


def _load_meta(text: str, kind: str) -> tuple[object, dict[str, list[tuple[str, object]]]]:
    """The document of a sidecar, ``fetch.json`` or front matter (*kind* ``"json"`` or ``"yaml"``; YAML
    dates stay strings), and the keys its top-level mapping gives more than once, or more than once
    but for case (``Title``, ``title``): key folded -> [(key as written, value)], in order. JSON and
    YAML readers keep the last value of such a key silently (:func:`_mark_repeated` says so)."""
    if kind == "json":
        data = json.loads(text, object_pairs_hook=_object_pairs)
        pairs = data.pairs if type(data) is _RepeatedKeys else data.items() if isinstance(data, dict) else ()
    else:
        loader = _PlainLoader(text)
        try:
            node = loader.get_single_node()
            pairs = [(loader.construct_object(k, deep=True), loader.construct_object(v, deep=True))
                     for k, v in node.value if k.tag != "tag:yaml.org,2002:merge"
                     ] if isinstance(node, yaml.MappingNode) else []
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    groups: dict[str, list[tuple[str, object]]] = {}
    for key, value in pairs:
        groups.setdefault(str(key).strip().casefold(), []).append((str(key).strip(), value))
    return data, {folded: group for folded, group in groups.items() if len(group) > 1}


def _mark_repeated(record: dict, repeated: dict[str, list[tuple[str, object]]], where: str,
                   given_in: str) -> None:
    """Keep every value of each key of *repeated* (:func:`_load_meta`) in *record*: the first under the
    key's record name (``title``), the later ones as ``title_2``, ``title_3``; and mark each key in
    ``_repeated_keys`` (key -> (the names its values are kept under with the key as written,
    *where*: its place, for the message, *given_in*: what to give the key once in)), so the ingest
    rejects the record (``repeated_key``) when a field is read from such a key and its values differ,
    and otherwise keeps one value (equal values) or each in the article's extra, with a warning.
    Each key keeps its own place: a page's front matter and its ``fetch.json`` may both repeat keys."""
    if not repeated:
        return
    marks = dict(record.get("_repeated_keys") or {})
    for group in repeated.values():
        name = _canonical_key(group[0][0])
        kept = []
        for k, (written, value) in enumerate(group, 1):
            given = name if k == 1 else f"{name}_{k}"
            while k > 1 and given in record:
                given += "_"
            record[given] = value
            kept.append((given, written))
        marks[group[0][0]] = (kept, where, given_in)
    record["_repeated_keys"] = marks


# --------------------------------------------------------------------------------------------
# HTML fragments


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a CSV cell, an RSS summary), as a browser renders it.

    Entities are decoded (``&nbsp;`` becomes U+00A0 and is kept), tags, images, scripts and
    styles are dropped, whitespace inside a line collapses to one space (``war\\n  games`` ->
    ``war games``), block elements and ``<br>`` become line breaks, empty lines are dropped and
    lines are stripped. Input without ``<`` and ``&`` takes a fast path that keeps its line
    breaks and collapses spaces and tabs only.

    Parameters
    ----------
    fragment : str
        HTML fragment or plain text. None and NaN give "".

    Returns
    -------
    str
        Lines joined with "\\n".
    """
    if not isinstance(fragment, str):
        return ""
    if "<" not in fragment:
        if "&" in fragment:
            import html

            fragment = html.unescape(fragment)
        return _tidy_lines(fragment.replace("\r\n", "\n").replace("\r", "\n"))
    try:
        root = lxml.html.fragment_fromstring(_XML_DECL.sub("", fragment), create_parent="div")
    except (etree.ParserError, ValueError):
        return _tidy_lines(re.sub(r"<[^>]*>", " ", fragment))
    return _tree_text(root)


def _tidy_lines(text: str) -> str:
    lines = (_LINE_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _tree_text(root) -> str:
    """Rendered text of an lxml element: block breaks as "\\n", HTML whitespace collapsed."""
    parts: list[str] = []

    def add(text: str | None, pre: bool) -> None:
        if text:
            parts.append(text if pre else _HTML_SPACE.sub(" ", text))

    def walk(el, pre: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None or tag.lower() in _DROP_TAGS:  # comments, PIs, non-text elements
            return
        tag = tag.lower()
        block = tag in _BLOCK_TAGS
        inner_pre = pre or tag == "pre"
        if block:
            parts.append("\n")
        add(el.text, inner_pre)
        for child in el:
            walk(child, inner_pre)
            add(child.tail, inner_pre)
        if block:
            parts.append("\n")

    walk(root, False)
    lines = ("".join(parts)).split("\n")
    return "\n".join(s for s in (_LINE_SPACE.sub(" ", line.replace("\r", " ")).strip(" ")
                                 for line in lines) if s.strip())


# --------------------------------------------------------------------------------------------
# HTML pages


def read_html_string(html: str, *, url: str | None = None,
                     fetched_at: datetime | None = None, assume_tz: str = "UTC", date_given: bool = False) -> dict:
    """Read one HTML page (or fragment) into a record: title, body, publication date, URL.

    Parameters
    ----------
    html : str
        The page or fragment. A leading XML declaration is ignored.
    url : str, optional
        The page's URL (used for the record's ``url`` and as a last-resort date source).
    fetched_at : datetime, optional
        Crawl time (tz-aware; naive is taken as UTC). Date candidates later than it are
        discarded and the next source is tried.
    assume_tz : str, default "UTC"
        Zone in which a date-time without a UTC offset is read (``collect --assume-tz``); the
        record then carries ``_naive_date`` and a note.
    date_given : bool, default False
        The publication date comes from elsewhere (a sidecar): the page's own is not needed, so a
        JSON-LD ``datePublished`` given twice does not reject the page.

    Returns
    -------
    dict
        Record with ``title``, ``body`` ("\\n"-joined paragraphs, title line removed),
        ``lead`` (meta description), ``url``, ``lang``, ``published`` (UTC datetime or None),
        ``date_source`` ("metadata" | "url"), ``date_note``, ``fetched_at``; or
        ``{"_reject": ("no_text", detail)}`` when the page has no text, ``("repeated_key", detail)``
        when its date would be read from a JSON-LD ``datePublished`` given twice (that record keeps
        what was read, its dates as given in ``published``, ``published_2`` ...). No provenance keys.
    """
    if fetched_at is not None and fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=timezone.utc)
    text = _XML_DECL.sub("", html or "")
    if not text.strip():
        return {"_reject": ("no_text", "the HTML is empty")}
    try:
        tree = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        return {"_reject": ("no_text", f"the HTML could not be parsed: {exc}")}

    record: dict = {}
    canonical = _first(tree.xpath("//link[@rel='canonical']/@href"))
    og_url = _first(tree.xpath("//meta[@property='og:url']/@content"))
    page_url = url or canonical or og_url
    if page_url:
        record["url"] = page_url
    lang = _first(tree.xpath("/html/@lang"))
    if lang:
        record["lang"] = lang
    site = _first(tree.xpath("//meta[@property='og:site_name']/@content")) or _first(
        tree.xpath("//meta[@name='application-name']/@content"))
    if site and site.strip():
        record["outlet"] = site.strip()  # the registry canonicalises it; a sidecar still wins
    title = _page_title(tree)
    if title:
        record["title"] = title
    lead = _first(tree.xpath("//meta[@name='description']/@content")) or _first(
        tree.xpath("//meta[@property='og:description']/@content"))
    if lead:
        record["lead"] = _tidy_lines(lead)

    repeated = None
    try:
        published, source, note, naive = _page_date(tree, [canonical, og_url, url], fetched_at, assume_tz)
    except _RepeatedDateError as exc:
        if not date_given:   # rejected below, keeping the body and every value, as a front matter's repeat is
            repeated = exc
        published, source, note, naive = None, None, None, False
    if repeated is not None:
        body = _main_text(tree, title)
        dates = {"published" if k == 1 else f"published_{k}": v for k, v in enumerate(repeated.values, 1)}
        return {**record, **dates, **({"body": body} if body else {}), "_reject": ("repeated_key", str(repeated))}
    record["published"] = published
    if naive:
        record["_naive_date"] = True
    if source:
        record["date_source"] = source
    if note:
        record["date_note"] = note
    if fetched_at is not None:
        record["fetched_at"] = fetched_at.astimezone(timezone.utc)

    body = _main_text(tree, title)
    if not body:
        return {**record, "_reject": ("no_text", "no article text found in the HTML")}
    record["body"] = body
    return record


def read_html_file(path: Path, *, fetched_at: datetime | None = None,
                   base_meta: dict | None = None, assume_tz: str = "UTC") -> dict:
    """Read one saved HTML page into a record (see :func:`read_html_string`).

    Parameters
    ----------
    path : Path
        The .html/.htm file. Bytes are decoded as UTF-8 (BOM allowed), else as the page's
        declared charset, else cp1252 (with ``encoding_note``).
    fetched_at : datetime, optional
        Crawl time; overrides ``base_meta["fetched_at"]``.
    base_meta : dict, optional
        Metadata from a sidecar or ``fetch.json``: ``outlet``, ``published`` (kept as given,
        date_source "sidecar"), ``title``, ``url``, ``fetched_at`` (ISO string or datetime),
        ``id``, ``lang`` and extras. Sidecar values win over what the page says.
    assume_tz : str, default "UTC"
        Zone in which the page's date-time without a UTC offset is read (``--assume-tz``; see
        :func:`read_html_string`).

    Returns
    -------
    dict
        A record with ``_source_file`` and ``_source_row`` (None), or a ``_reject`` record
        (``unreadable_file`` when the file cannot be read, ``no_text`` when it has no text,
        ``repeated_key`` with what was read, *base_meta* applied, when its date is in a JSON-LD key
        given twice).
    """
    prov = {"_source_file": str(path), "_source_row": None}
    try:
        meta = _canonical_meta(base_meta or {})
        if fetched_at is None and meta.get("fetched_at") is not None:
            fetched_at = _instant(meta["fetched_at"])
        raw = Path(path).read_bytes()
        text, enc_note = _decode(raw, html=True)
        record = read_html_string(text, url=meta.get("url"), fetched_at=fetched_at, assume_tz=assume_tz,
                                  date_given=meta.get("published") is not None)
    except Exception as exc:  # one bad file never stops a run
        return {**prov, "_reject": ("unreadable_file", f"{type(exc).__name__}: {exc}")}
    if "_reject" in record and record["_reject"][0] != "repeated_key":
        return {**prov, "_reject": record["_reject"]}
    if enc_note:
        record["encoding_note"] = enc_note
    _apply_meta(record, meta, date_source="sidecar")
    record.update(prov)
    return record


def _page_title(tree) -> str | None:
    og = _first(tree.xpath("//meta[@property='og:title']/@content"))
    if og and og.strip():
        return _HTML_SPACE.sub(" ", og).strip()
    for h1 in tree.xpath("//article//h1 | //main//h1 | //h1"):
        text = _HTML_SPACE.sub(" ", h1.text_content()).strip()
        if text:
            return text
    t = _first(tree.xpath("//title/text()"))
    if t and t.strip():
        t = _HTML_SPACE.sub(" ", t).strip()
        stripped = _TITLE_SUFFIX.sub("", t)
        return stripped or t
    return None


def _prune_noise(tree) -> None:
    """Remove blocks whose class/id marks them as related/read-more/promo (never the article)."""
    for el in tree.xpath("//*[@class or @id]"):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in _NEVER_PRUNE:
            continue
        marks = f"{el.get('class', '')} {el.get('id', '')}"
        if _NOISE_CLASS.search(marks) and not el.xpath(".//article | .//main"):
            parent = el.getparent()
            if parent is not None:
                _remove_keep_tail(el)
    for el in tree.xpath("//script | //style | //noscript | //template"):
        _remove_keep_tail(el)


def _remove_keep_tail(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _main_text(tree, title: str | None) -> str:
    import trafilatura

    _prune_noise(tree)
    text = None
    try:
        text = trafilatura.extract(tree, favor_precision=True, include_comments=False,
                                   include_tables=False, with_metadata=False, output_format="txt")
    except Exception:  # trafilatura failures fall back to rendered text
        text = None
    if not text:
        body = tree.find("body")
        text = _tree_text(body if body is not None else tree)
    lines = [_LINE_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    lines = [line for line in lines if line and not _BOILERPLATE_LINE.match(line)]
    if lines and title and _fold(lines[0]) == _fold(title):
        lines = lines[1:]
    return "\n".join(lines)


def _fold(text: str) -> str:
    return _HTML_SPACE.sub(" ", text.replace("\u00a0", " ")).strip().casefold()


def _page_date(tree, urls: list[str | None], fetched_at: datetime | None, assume_tz: str = "UTC"
               ) -> tuple[datetime | None, str | None, str | None, bool]:
    """(published, date_source, date_note, naive) from metadata, then the URL path (case C05); a
    date-time without a UTC offset is read in *assume_tz*, and *naive* is True (as :func:`_feed_date`'s)."""
    discarded: list[str] = []
    for origin, raw in _metadata_dates(tree):
        if type(raw) is _RepeatedDate:
            raise _RepeatedDateError(raw)
        parsed = parse_dates([raw], not_after=fetched_at, assume_tz=assume_tz)
        inst, note = parsed.instants[0], parsed.notes[0]
        if inst is None:
            discarded.append(f"{origin} {note}")
            continue
        if parsed.n_naive:   # what the parser did, so the note cannot claim a zone it did not apply
            return inst, "metadata", f"{origin} '{raw}' has no UTC offset; {read_in(assume_tz)}", True
        return inst, "metadata", None, False
    for candidate in urls:
        if not candidate:
            continue
        found = _url_date(candidate)
        if found is None:
            continue
        if fetched_at is not None and found > fetched_at:
            discarded.append(f"URL path date {found.date().isoformat()} is after the crawl time "
                             f"{fetched_at.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ}")
            continue
        return found, "url", "low confidence: date from the URL path", False
    note = "no publication date found"
    if discarded:
        note += " (discarded: " + "; ".join(discarded) + ")"
    return None, None, note, False


def _metadata_dates(tree) -> Iterator[tuple[str, str]]:
    """Publication-date candidates from structured metadata, in order of preference."""
    metas = tree.xpath("//meta[@content]")
    for prop in _META_PROPERTIES:
        for m in metas:
            if (m.get("property") or m.get("name") or "").strip().lower() == prop:
                yield f"meta {prop}", m.get("content").strip()
    for name in _META_NAMES:
        for m in metas:
            if (m.get("name") or "").strip().lower() == name:
                yield f"meta {name}", m.get("content").strip()
    for el in tree.xpath("//meta[@itemprop='datePublished'][@content]"):
        yield "meta itemprop=datePublished", el.get("content").strip()
    for value in _jsonld_dates(tree):
        yield "JSON-LD datePublished", value
    for el in tree.xpath("//time[@itemprop='datePublished'] | //*[@itemprop='datePublished']"
                         "[not(self::meta)][@datetime or @content]"):
        value = el.get("datetime") or el.get("content")
        if value:
            yield "time itemprop=datePublished", value.strip()
    for el in tree.xpath("//time[@pubdate][@datetime]"):
        yield "time pubdate", el.get("datetime").strip()


def _jsonld_dates(tree) -> list[str]:
    """``datePublished`` of JSON-LD objects (top level and @graph); article types first."""
    objects: list[dict] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "", strict=False, object_pairs_hook=_object_pairs)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        for obj in stack:
            if not isinstance(obj, dict):
                continue
            objects.append(obj)
            graph = obj.get("@graph")
            if isinstance(graph, list):
                objects.extend(o for o in graph if isinstance(o, dict))

    def is_article(obj: dict) -> bool:
        types = obj.get("@type")
        types = types if isinstance(types, list) else [types]
        return any(isinstance(t, str) and _ARTICLE_TYPES.search(t) for t in types)

    ordered = [o for o in objects if is_article(o)] + [o for o in objects if not is_article(o)]
    return [_RepeatedDate(values) if len(values := _published_values(o)) > 1 and len(set(map(_json_text, values))) > 1
            else o["datePublished"].strip() for o in ordered if isinstance(o.get("datePublished"), str)]


def _published_values(obj: dict) -> list:
    """Every ``datePublished`` a JSON-LD object gives, as written (more than one only when repeated)."""
    if type(obj) is _RepeatedKeys:
        return [v for k, v in obj.pairs if k == "datePublished"]
    return [obj["datePublished"]]


def _json_text(value: object) -> str:
    """A JSON value written one way (keys sorted), so values given twice compare as written: ``1`` is
    not ``true`` nor ``1.0``, ``{"a": 1, "b": 2}`` is ``{"b": 2, "a": 1}``."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class _RepeatedDate(list):
    """The differing values of a JSON-LD object's ``datePublished`` given more than once (JSON readers
    keep the last silently): the page is a ``repeated_key`` reject when its date would be read from
    them. The same value given twice is that value (CMS and SEO plugins write such repeats)."""

    def detail(self) -> str:
        """The reject's detail: the key, its values, why and the fix."""
        values = ", ".join(json.dumps(v, ensure_ascii=False) for v in self)
        return (f"JSON-LD: the key 'datePublished' is given {'twice' if len(self) == 2 else f'{len(self)} times'} "
                f"in one object with different values ({values}); the publication date is read from it, and "
                "framewatch cannot tell which of them is the publication date; give the key once in the page's "
                "JSON-LD")


class _RepeatedDateError(ValueError):
    """The date a page's metadata gives is in a key given more than once (:class:`_RepeatedDate`): its
    message is the reject's detail, ``values`` the values as given, kept in the reject's record."""

    def __init__(self, values: _RepeatedDate):
        super().__init__(values.detail())
        self.values = list(values)


def _url_date(url: str) -> datetime | None:
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    for rx in _URL_DATE:
        m = rx.search(path)
        if m:
            try:
                return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)),
                                tzinfo=timezone.utc)
            except ValueError:
                continue
    return None


# --------------------------------------------------------------------------------------------
# text files


def read_text_file(path: Path) -> dict:
    """Read one .txt article, with metadata from YAML front matter or a sidecar file.

    Front matter is a YAML mapping between a ``---`` line at the very top and the next
    ``---`` (or ``...``) line; dates in it stay strings (for :func:`parse_dates`). Without front
    matter, a sidecar next to the file gives the metadata: ``x.json``, ``x.meta.json``,
    ``x.yaml``/``x.yml`` (or ``x.txt.json`` ...). The first line is never taken as the title.

    Parameters
    ----------
    path : Path
        The .txt file. Decoded as UTF-8 (BOM allowed), else cp1252 with ``encoding_note``.

    Returns
    -------
    dict
        Record with ``body`` (newlines normalised to "\\n", leading and trailing blank lines
        removed, otherwise as written), metadata keys (aliases such as ``date`` mapped to
        ``published``, which stays the raw value), ``date_source`` ("front matter" |
        "sidecar") when a date was given, and provenance; or a ``_reject`` record
        (``unreadable_file``, ``bad_front_matter``, ``bad_sidecar``).
    """
    path = Path(path)
    prov = {"_source_file": str(path), "_source_row": None}
    try:
        text, enc_note = _decode(path.read_bytes(), html=False)
    except Exception as exc:
        return {**prov, "_reject": ("unreadable_file", f"{type(exc).__name__}: {exc}")}
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta: dict = {}
    origin = None
    marks: tuple = ({}, "", "")
    fm = re.match(r"---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.DOTALL)
    if fm:
        try:
            loaded, repeated = _load_meta(fm.group(1) or "", "yaml")
        except yaml.YAMLError as exc:
            return {**prov, "_reject": ("bad_front_matter", f"the YAML front matter does not "
                                        f"parse: {_one_line(exc)}")}
        if loaded is not None and not isinstance(loaded, dict):
            return {**prov, "_reject": ("bad_front_matter", "the front matter must be a "
                                        f"mapping of keys to values; found a "
                                        f"{type(loaded).__name__}")}
        meta, origin = loaded or {}, "front matter"
        marks = (repeated, "the front matter", "the front matter")
        text = text[fm.end():]
    else:
        sidecar = _sidecar_for(path)
        if sidecar is not None:
            try:
                meta, repeated = _read_meta_file(sidecar)
            except Exception as exc:
                return {**prov, "_reject": ("bad_sidecar", f"{sidecar}: {_one_line(exc)}")}
            origin = "sidecar"
            marks = (repeated, f"the sidecar {sidecar.name}", "the sidecar")
    record: dict = {"body": text.strip("\n")}
    if enc_note:
        record["encoding_note"] = enc_note
    _apply_meta(record, _canonical_meta(meta), date_source=origin)
    _mark_repeated(record, *marks)
    record.update(prov)
    return record


# --------------------------------------------------------------------------------------------
# folders


def read_folder(path: Path, *, assume_tz: str = "UTC") -> Iterator[dict]:
    """Read every article file under a folder, recursively, in sorted path order.

    ``.html``/``.htm`` go through :func:`read_html_file`, ``.txt`` through
    :func:`read_text_file`. A ``fetch.json`` in a folder gives metadata (``fetched_at``,
    ``outlet`` ...) for every file in it and below (the nearest one wins per key); a sidecar
    ``<name>.json``/``<name>.meta.json``/``<name>.yaml`` gives metadata for one file. Sidecars,
    ``fetch.json`` and hidden files/folders are not articles. Any other file gives a
    ``_reject`` record ``unsupported_file``.

    Parameters
    ----------
    path : Path
        The folder.
    assume_tz : str, default "UTC"
        Zone in which an HTML page's date-time without a UTC offset is read (:func:`read_html_file`).

    Yields
    ------
    dict
        One record (or ``_reject`` record) per article file; a single ``unreadable_file``
        reject when the folder cannot be listed.
    """
    root = Path(path)
    if not root.is_dir():
        yield {"_source_file": str(root), "_source_row": None,
               "_reject": ("unreadable_file", f"{root} is not a folder")}
        return
    try:
        files = sorted((p for p in root.rglob("*") if p.is_file()),
                       key=lambda p: p.relative_to(root).parts)
    except OSError as exc:
        yield {"_source_file": str(root), "_source_row": None,
               "_reject": ("unreadable_file", f"{type(exc).__name__}: {exc}")}
        return
    files = [p for p in files if not any(part.startswith(".") for part in p.relative_to(root).parts)]
    articles = {p for p in files if p.suffix.lower() in HTML_SUFFIXES + TEXT_SUFFIXES}
    sidecars = {s for p in articles if (s := _sidecar_for(p)) is not None}
    folder_meta: dict[Path, dict] = {}
    # folder -> record name -> (the fetch.json, its key given more than once: [(as written, value)])
    folder_repeated: dict[Path, dict[str, tuple[Path, list]]] = {}

    def meta_for(folder: Path) -> dict:
        if folder not in folder_meta:
            parent = {} if folder == root else meta_for(folder.parent)
            repeated = {} if folder == root else folder_repeated[folder.parent]
            own: dict = {}
            fetch = folder / FOLDER_META
            if fetch.is_file():
                try:
                    data, twice = _read_meta_file(fetch)
                    own = _canonical_meta(data)
                except Exception:
                    own, twice = {}, {}  # reported once, when the file itself comes up in the listing
                repeated = {**{k: v for k, v in repeated.items() if k not in own},
                            **{_canonical_key(group[0][0]): (fetch, group) for group in twice.values()}}
            folder_meta[folder] = {**parent, **own}
            folder_repeated[folder] = repeated
        return folder_meta[folder]

    def mark_fetch_repeated(record: dict, folder: Path, taken) -> None:
        """Mark the keys a fetch.json gives more than once that *record* took from it (:func:`_mark_repeated`)."""
        for name, (fetch, group) in folder_repeated[folder].items():
            if taken(name):
                _mark_repeated(record, {name: group}, str(fetch), "that fetch.json")

    for file in files:
        prov = {"_source_file": str(file), "_source_row": None}
        if file.name == FOLDER_META:
            try:
                _read_meta_file(file)
            except Exception as exc:
                yield {**prov, "_reject": ("bad_sidecar", f"{file}: {_one_line(exc)}; its "
                                           "metadata was not applied")}
            continue
        if file in sidecars:
            continue
        base = meta_for(file.parent)
        suffix = file.suffix.lower()
        if suffix in HTML_SUFFIXES:
            meta = dict(base)
            own, twice = {}, {}
            sidecar = _sidecar_for(file)
            if sidecar is not None:
                try:
                    data, twice = _read_meta_file(sidecar)
                except Exception as exc:
                    yield {**prov, "_reject": ("bad_sidecar", f"{sidecar}: {_one_line(exc)}")}
                    continue
                own = _canonical_meta(data)
                meta.update(own)
            record = read_html_file(file, base_meta=meta, assume_tz=assume_tz)
            if "_reject" not in record:
                mark_fetch_repeated(record, file.parent, lambda name: name not in own)
                if twice:
                    _mark_repeated(record, twice, f"the sidecar {sidecar.name}", "the sidecar")
            yield record
        elif suffix in TEXT_SUFFIXES:
            record = read_text_file(file)
            if "_reject" not in record:
                before = {k for k, v in record.items() if v is not None}
                _apply_meta(record, base, date_source="sidecar", override=False)
                mark_fetch_repeated(record, file.parent, lambda name: name not in before)
            yield record
        else:
            yield {**prov, "_reject": ("unsupported_file", f"{file.name}: framewatch reads .html, "
                                       ".htm and .txt files in folders (sidecars are named "
                                       "<article>.json, .meta.json or .yaml)")}


# --------------------------------------------------------------------------------------------
# feeds


def read_in(assume_tz: str) -> str:
    """How a date-time without a UTC offset was read, for its note: ``read as UTC`` or ``read in Europe/Moscow``."""
    return "read as UTC" if is_utc(assume_tz) else f"read in {assume_tz}"


def read_feed(path: Path | str, *, data: bytes | None = None, base_url: str | None = None,
              assume_tz: str = "UTC") -> Iterator[dict]:
    """Read an RSS or Atom feed into one record per item (case C03).

    Parameters
    ----------
    path : Path or str
        A local file, or an ``http(s)://`` URL string that feedparser fetches; with *data*,
        only the name recorded as ``_source_file``.
    data : bytes, optional
        The feed's bytes, already fetched (``framewatch collect``).
    base_url : str, optional
        URL relative links in *data* are resolved against (default *path*).
    assume_tz : str, default "UTC"
        Zone in which an item's date-time without a UTC offset is read (``collect --assume-tz``).

    Yields
    ------
    dict
        Records with ``outlet`` (the channel title), ``title``, ``lead`` (summary as text),
        ``body`` (content:encoded / Atom content as text, when present), ``url``, ``id``,
        ``lang``, ``published`` (UTC datetime or None), ``date_source`` "feed",
        ``date_note``, ``_source_row`` = 1-based item number, and ``_naive_date`` True when the
        date had no UTC offset (read in *assume_tz*, with a note). A feed that cannot be read gives
        one ``unreadable_file`` reject.
    """
    import feedparser

    source = str(path)
    prov_file = {"_source_file": source, "_source_row": None}
    try:
        if data is not None:
            feed = feedparser.parse(io.BytesIO(data), response_headers={"content-location": base_url or source})
        elif isinstance(path, str) and re.match(r"^https?://", path, re.IGNORECASE):
            feed = feedparser.parse(path)
        else:
            feed = feedparser.parse(Path(path).read_bytes())
    except Exception as exc:
        yield {**prov_file, "_reject": ("unreadable_file", f"{type(exc).__name__}: {exc}")}
        return
    if feed.get("bozo") and not feed.entries:
        exc = feed.get("bozo_exception")
        yield {**prov_file, "_reject": ("unreadable_file", f"not an RSS/Atom feed: "
                                        f"{_one_line(exc) if exc else 'no items'}")}
        return
    channel = feed.get("feed", {})
    outlet = _tidy_lines(channel.get("title") or "") or None
    lang = channel.get("language")
    for row, entry in enumerate(feed.entries, start=1):
        prov = {"_source_file": source, "_source_row": row}
        try:
            record = _feed_record(entry, outlet, lang, assume_tz)
        except Exception as exc:
            yield {**prov, "_reject": ("unreadable_item", f"{type(exc).__name__}: {exc}")}
            continue
        record.update(prov)
        yield record


def _feed_record(entry, outlet: str | None, lang: str | None, assume_tz: str = "UTC") -> dict:
    record: dict = {}
    if outlet:
        record["outlet"] = outlet
    if lang:
        record["lang"] = lang
    title = html_to_text(entry.get("title") or "")
    if title:
        record["title"] = title
    summary = html_to_text(entry.get("summary") or "")
    if summary:
        record["lead"] = summary
    contents = entry.get("content") or []
    body = "\n".join(t for t in (html_to_text(c.get("value") or "") for c in contents) if t)
    if body:
        record["body"] = body
    if entry.get("link"):
        record["url"] = entry["link"]
    if entry.get("id"):
        record["id"] = entry["id"]
    published, note, naive = _feed_date(entry, assume_tz)
    record["published"] = published
    record["date_source"] = "feed"
    if note:
        record["date_note"] = note
    if naive:
        record["_naive_date"] = True
    return record


def _feed_date(entry, assume_tz: str = "UTC") -> tuple[datetime | None, str | None, bool]:
    """The item's date, the note on it, and whether it had no UTC offset (then read in *assume_tz*).

    The raw string (``published``, else ``updated``) is read by :func:`pipelines.dates.parse_dates`.
    A ``published`` it cannot read gives way to a readable ``updated``, the note saying so; with
    neither readable the item is undated ("invalid date ..."), the note giving feedparser's reading,
    which is not used: feedparser reads forms framewatch does not without a word on what it left
    out (``2004-05-25 오 후 11:23:17`` -> midnight; ``2004-július-13T9:15+02:00`` -> the 1st of the
    current month of 2004), so its right readings of such forms are dropped with its wrong ones.
    feedparser's UTC struct is used only for an item without a raw string."""
    unread: dict[str, str] = {}   # key -> why its raw string could not be read
    for key in ("published", "updated"):
        # dict.get: feedparser's own get answers 'updated' with the published date when there is none
        raw, parsed_struct = dict.get(entry, key), dict.get(entry, f"{key}_parsed")
        if raw:
            parsed = parse_dates([raw], assume_tz=assume_tz)
            inst, naive = parsed.instants[0], parsed.n_naive > 0
            if inst is None:
                unread[key] = parsed.notes[0]
                if parsed_struct:
                    unread[key] += f"; feedparser read it as {_struct_utc(parsed_struct):%Y-%m-%d %H:%M} UTC, not used"
                continue
        elif parsed_struct:
            inst, naive = _struct_utc(parsed_struct), False
        else:
            continue
        notes = []
        if key == "updated":
            notes.append(f"the item's published date: {_unchecked(unread['published'])}; its updated date is used"
                         if unread else "the item has no published date; its updated date is used")
        if naive:
            notes.append(f"the feed's date '{raw.strip()}' has no UTC offset; {read_in(assume_tz)}")
        return inst, "; ".join(notes) or None, naive
    if not unread:
        return None, "no publication date in the feed item", False
    # undated: the note begins with the reason (pipelines.dates.undated_reason)
    if len(unread) == 2:
        note = f"{unread['published']}; it is the item's published date; its updated date: {unread['updated']}"
    else:
        note = unread.get("published") or f"{unread['updated']}; it is the item's updated date"
    return None, _unchecked(note), False


def _struct_utc(parsed_struct) -> datetime:
    """feedparser's UTC ``time.struct_time`` as an aware datetime."""
    return datetime.fromtimestamp(calendar.timegm(parsed_struct), tz=timezone.utc)


def _unchecked(note: str) -> str:
    """*note*, with why feedparser's reading is not used when it gives one (once)."""
    if "; feedparser read it as " not in note:
        return note
    return (f"{note} (framewatch cannot check feedparser's readings: it may drop a time or zone it does not know, "
            "or put the current month for a month name it does not know)")


# --------------------------------------------------------------------------------------------
# shared helpers


def _first(values: list) -> str | None:
    for v in values:
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())


def _decode(raw: bytes, *, html: bool) -> tuple[str, str | None]:
    """Text of a file: UTF-8 (BOM allowed), else a declared charset (HTML), else cp1252."""
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    if html:
        m = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", raw[:4096],
                      re.IGNORECASE)
        if m:
            charset = m.group(1).decode("ascii")
            try:
                return raw.decode(charset), None
            except (LookupError, UnicodeDecodeError):
                pass
    return (raw.decode("cp1252", errors="replace"),
            "not valid UTF-8; decoded as cp1252 (Windows-1252)")


def _sidecar_for(path: Path) -> Path | None:
    stem, name = path.with_suffix(""), path.name
    for candidate in (*(stem.with_name(stem.name + s) for s in SIDECAR_SUFFIXES),
                      *(path.with_name(name + s) for s in SIDECAR_SUFFIXES)):
        if candidate != path and candidate.is_file():
            return candidate
    return None


def _read_meta_file(path: Path) -> tuple[dict, dict[str, list[tuple[str, object]]]]:
    """A sidecar's or ``fetch.json``'s mapping, and its keys given more than once (:func:`_load_meta`)."""
    text = path.read_bytes().decode("utf-8-sig")
    data, repeated = _load_meta(text, "json" if path.suffix.lower() == ".json" else "yaml")
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise ValueError(f"expected a mapping of keys to values, found a {type(data).__name__}")
    return data, repeated


def _canonical_key(key: object) -> str:
    """A metadata key's record name: ``date`` -> ``published``, ``Title`` -> ``title``; others as written."""
    k = str(key).strip()
    return _ALIASES.get(k.lower(), k.lower() if k.lower() in _CANONICAL else k)


def _canonical_meta(meta: dict) -> dict:
    """Metadata with alias keys mapped to canonical ones (an explicit canonical key wins)."""
    out: dict = {}
    for key, value in meta.items():
        k = str(key).strip()
        canon = _canonical_key(k)
        if canon in out and canon != k:
            continue
        out[canon] = value
    if "outlet" not in out and isinstance(meta.get("source"), str):
        out["outlet"] = meta["source"]
    return out


_CANONICAL = frozenset({"outlet", "published", "date_source", "date_note", "title", "lead", "body",
                        "url", "id", "lang", "fetched_at"})


def _apply_meta(record: dict, meta: dict, *, date_source: str | None,
                override: bool = True) -> None:
    """Copy metadata into a record; ``published`` from metadata sets ``date_source``."""
    for key, value in meta.items():
        if key.startswith("_") or value is None:
            continue
        if not override and record.get(key) is not None:
            continue
        if key == "published":
            record["published"] = value
            record["date_source"] = date_source or "sidecar"
            record.pop("date_note", None)
            record.pop("_naive_date", None)   # the page's date is not used
        elif key == "fetched_at":
            inst = _instant(value)
            record["fetched_at"] = inst if inst is not None else value
        else:
            record[key] = value


def _instant(value: object) -> datetime | None:
    parsed = parse_dates([value])
    return parsed.instants[0]
