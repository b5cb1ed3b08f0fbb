"""Explain one article: its cleaned text, every mention with its voice and speaker, and the
lexicon hits left out as parts of proper names ("Young Thug").

This is the same scoring as the batch pipeline (:func:`pipelines.score.score_text`) on a
single article, for checking a result by eye or from a script.
"""

from __future__ import annotations

import codecs
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from . import dates as dates_mod
from . import sources
from .errors import ConfigError, describe_os_error, plural
from .ingest import binary_content, canonical_text
from .lexicon import LexiconMatcher, load_lexicon
from .outlets import read_registry, strip_boilerplate
from .score import score_text
from .text import count_words

VOICE_MARKS = {"outlet": ("[", "]", "\033[1;31m"), "quoted": ("{", "}", "\033[1;34m"),
               "attributed": ("<", ">", "\033[1;33m")}
_NAME_WORD_RE = re.compile(r"[^\W_][\w'\u2019.-]*")
"""A word of a name as :func:`name_around` reads it: letters and digits, with inner hyphens,
apostrophes and dots ("Al-Aqsa", "O'Brien", "St.")."""


def _read_source(source: str) -> dict:
    if source == "-":
        # Bytes, decoded as a file is (UTF-8 with its BOM dropped, else the page's charset or
        # cp1252): the text layer of stdin would keep a BOM in the text, shifting every offset,
        # and stop on (or smuggle surrogates out of) a pipe that is not UTF-8.
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        html = data.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"<")   # a page, as its .html path is read
        raw, _ = sources._decode(data, html=html)
        return sources.read_html_string(raw) if html else {"body": raw}
    path = Path(source)
    if not path.is_file():
        raise ConfigError("article file not found", where=source, expected="a .txt or .html file, or '-' for stdin",
                          found="nothing at this path", fix="check the path")
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise ConfigError("cannot read the article", where=source, expected="a .txt or .html file this user can read",
                          found=describe_os_error(exc), fix="check the file's permissions") from None
    binary = binary_content(path, head)
    if binary is not None:
        raise ConfigError("the article is not a text file", where=source,
                          expected="a .txt or .html file (text)", found=binary[0], fix=binary[1])
    rec = sources.read_html_file(path) if path.suffix.lower() in (".html", ".htm") else sources.read_text_file(path)
    if "_reject" in rec:
        raise ConfigError("cannot read the article", where=source, expected="a readable .txt or .html file",
                          found=rec["_reject"][1], fix="check the file's encoding and format")
    return rec


def explain_article(source: str, outlet: str | None = None, date: str | None = None,
                    lexicons: list[Path] | None = None, extra_lexicons: list[Path] | None = None) -> dict:
    """Score one article.

    Parameters
    ----------
    source : path of a .txt (front matter allowed) or .html file, or ``"-"`` for stdin.
    outlet, date : override what the file says.

    Returns
    -------
    dict with ``outlet``, ``published_at`` (ISO 8601 UTC or None), ``n_words``, ``text``
    (the cleaned text), ``mentions``: a list of ``{start, end, text, term, category,
    voice, speaker}`` with character offsets into ``text``, and ``name_hits``: the lexicon hits
    left out as parts of proper names (:func:`pipelines.lexicon.name_parts`; not counted), a list
    of ``{start, end, text, term, category, name}``, ``name`` the run of capitalised words around
    the hit (:func:`name_around`).

    Raises
    ------
    ConfigError
        The file is missing or unreadable, it or stdin holds no article text, or ``--date`` cannot be read.
    LexiconError
        A lexicon file cannot be used.
    """
    lexicon, _ = load_lexicon(lexicons or None, extra_lexicons)
    rec = _read_source(source)
    registry = read_registry()
    name, _ = registry.canonical(outlet or rec.get("outlet"), rec.get("url"))
    body = rec.get("body") or "\n".join(p for p in (rec.get("title"), rec.get("lead")) if p) or ""
    text = canonical_text(strip_boilerplate(canonical_text(body), registry.boilerplate_patterns(name)))
    if not text.strip():
        stdin = source == "-"
        raise ConfigError("no article text to explain", where="stdin ('-')" if stdin else source,
                          expected="the text of an article: plain text or an HTML page",
                          found="nothing" if not body.strip() else "only boilerplate lines",
                          fix="pipe the article in, e.g. framewatch explain - < article.txt" if stdin else
                          "check the file (an HTML page needs a main text; a .txt its body after the front matter)")
    published = date or rec.get("published")
    instant = None
    if published not in (None, ""):
        parsed = dates_mod.parse_dates([published], not_after=datetime.now(timezone.utc).replace(year=9999))
        instant = parsed.instants[0]
        if date and (instant is None or parsed.warnings):
            # A date the user typed is never dropped or order-guessed in silence.
            found = parsed.notes[0] if instant is None else "an ambiguous day/month order"
            raise ConfigError("cannot read --date", where=f"--date {date!r}",
                              expected="an ISO 8601 date or instant, e.g. 2024-07-08 or 2024-07-08T09:30:00+09:00",
                              found=found, fix="write the date as YYYY-MM-DD")
    name_hits: list[dict] = []
    mentions, _, _ = score_text(text, LexiconMatcher(lexicon).fit(), outlet_names=registry.names_of(name),
                                name_hits=name_hits)
    return {
        "outlet": name,
        "published_at": instant.isoformat().replace("+00:00", "Z") if instant else None,
        "n_words": count_words(text),
        "text": text,
        "mentions": [{k: m[k] for k in ("start", "end", "text", "term", "category", "voice", "speaker")}
                     for m in mentions],
        "name_hits": [{**h, "name": name_around(text, h["start"], h["end"])} for h in name_hits],
    }


def name_around(text: str, start: int, end: int) -> str:
    """The run of capitalised words (spaces between, on one line) around ``text[start:end]``, a hit
    :func:`pipelines.lexicon.name_parts` found inside a proper name: "Young Thug", "Al-Aqsa Martyrs
    Hospital". A lower-case word ends the run ("Center for Countering Disinformation" gives
    "Countering Disinformation" for its last word)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    words = [(w.start(), w.end()) for w in _NAME_WORD_RE.finditer(text, line_start,
                                                                  len(text) if line_end < 0 else line_end)]
    first = next((k for k, (a, b) in enumerate(words) if b > start), len(words))
    last = max(first, next((k for k, (a, b) in enumerate(words) if b >= end), len(words) - 1))
    if first >= len(words):
        return text[start:end]

    def joined(k: int, j: int) -> bool:   # words k and j (= k + 1) are next to each other, spaces between
        return not text[words[k][1]:words[j][0]].strip(" \u00a0")

    while first > 0 and joined(first - 1, first) and text[words[first - 1][0]].isupper():
        first -= 1
    while last + 1 < len(words) and joined(last, last + 1) and text[words[last + 1][0]].isupper():
        last += 1
    name_end = max(_word_end(text, *words[last]), end)
    return text[min(words[first][0], start):name_end]


_ABBREVIATION_RE = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W\d_]\.|"
                              r"(?:St|Jr|Sr|Dr|Mr|Mrs|Ms|Mt|Ft|Gen|Col|Lt|Sgt|Capt|Gov|Sen|Rep|Rev|Prof|"
                              r"Co|Corp|Inc|Ltd|Bros|No)\.")
"""A word that ends in a dot of its own: initials and letters with dots ("U.S.", "J."), and the
usual abbreviations of names and titles ("St.", "Jr.", "Inc.")."""


def _word_end(text: str, a: int, b: int) -> int:
    """The end of the word ``text[a:b]`` of a name without the punctuation after it: a dot that ends
    the sentence ("... said Young Thug." gives "Thug"), a hyphen or an apostrophe that closes it
    ("Thugs'"), unless the word is an abbreviation whose dot is its own ("St.", "U.S.")."""
    word = text[a:b]
    if word.endswith(".") and _ABBREVIATION_RE.fullmatch(word):
        return b
    return a + len(word.rstrip(".-'\u2019")) if word.rstrip(".-'\u2019") else b


def render_explanation(result: dict, color: bool = False) -> str:
    """The article with each mention marked by voice, then one line per mention, then one line per
    hit left out as part of a name (with the name), when there are some.

    Marks: ``[outlet's own]``, ``{quoted}``, ``<attributed>`` (and colours on a terminal); a hit
    left out is not marked in the text.
    """
    text, out, pos = result["text"], [], 0
    for m in result["mentions"]:
        left, right, ansi = VOICE_MARKS[m["voice"]]
        out.append(text[pos:m["start"]])
        out.append(f"{ansi}{left}{text[m['start']:m['end']]}{right}\033[0m" if color
                   else f"{left}{text[m['start']:m['end']]}{right}")
        pos = m["end"]
    out.append(text[pos:])
    names = result.get("name_hits") or []
    head = (f"{result['outlet'] or '(unknown outlet)'} · {result['published_at'] or 'undated'} · "
            f"{plural(result['n_words'], 'word')} · {plural(len(result['mentions']), 'mention')}"
            + (f" · {len(names):,} left out as {'part of a name' if len(names) == 1 else 'parts of names'}"
               if names else ""))
    legend = "marks: [outlet's own voice]  {quoted}  <attributed>"
    lines = [head, legend, "", "".join(out), ""]
    for m in result["mentions"]:
        who = f" — {m['speaker']}" if m["speaker"] else ""
        lines.append(f"{m['start']:>6}-{m['end']:<6} {m['voice']:<10} {m['category']:<22} {m['term']}{who}")
    if names:
        lines += ["", "left out as parts of names (not counted; the term written capitalised inside a name):"]
        lines += [f"{h['start']:>6}-{h['end']:<6} {'name':<10} {h['category']:<22} {h['term']} — in "
                  f"\u201c{h['name']}\u201d" for h in names]
    return "\n".join(lines)
