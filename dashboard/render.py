"""Safe HTML and markdown for untrusted text (article text, titles, outlet names, speakers).

Everything that reaches ``st.markdown(..., unsafe_allow_html=True)`` is built here, from
:func:`html.escape`-d pieces only.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlparse

import pandas as pd

VOICE_STYLES = {
    "outlet": "background:rgba(230,159,0,0.30);border-bottom:3px solid #B86E00;",
    "quoted": "background:rgba(86,180,233,0.30);border-bottom:3px dashed #0072B2;",
    "attributed": "background:rgba(204,121,167,0.30);border-bottom:3px dotted #8E3E6E;",
}
"""Highlight per voice: an Okabe-Ito tint plus a distinct underline, so voice is not colour-only."""

VOICE_LABELS = {
    "outlet": "outlet's own words",
    "quoted": "quoted (inside a direct quotation)",
    "attributed": "attributed (reported speech)",
}

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:])")


def md_escape(text) -> str:
    """Text safe for ``st.markdown`` without HTML: markdown characters backslash-escaped, ``<>&`` as entities."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", "" if text is None else str(text)), quote=False)


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) or v is pd.NA else str(v)


def _escape_block(text: str) -> str:
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def highlight_html(text: str, mentions: pd.DataFrame) -> str:
    """Article text as HTML with every mention wrapped in a ``<mark>`` styled by its voice.

    Parameters
    ----------
    text : the canonical article text (``articles.text``).
    mentions : ``mentions`` rows of that article (``start_char``, ``end_char`` code-point
        offsets into *text*, ``term``, ``category``, ``voice``, ``speaker``). Mentions that
        overlap an earlier (or, at the same start, longer) one, or fall outside the text, are
        skipped, so the output is always well nested.

    Returns
    -------
    str
        Escaped HTML: text pieces through :func:`html.escape`, newlines as ``<br>``, each
        mark with a ``title`` (term · category · voice · speaker) for hover.
    """
    text = _text(text)
    rows = []
    if mentions is not None and len(mentions):
        m = mentions.sort_values(["start_char", "end_char"], ascending=[True, False])
        rows = m.to_dict("records")
    parts, pos = [], 0
    for r in rows:
        start, end = int(r["start_char"]), int(r["end_char"])
        if start < pos or start >= end or end > len(text) or start < 0:
            continue
        voice = _text(r.get("voice"))
        hover = " · ".join(p for p in (_text(r.get("term")), _text(r.get("category")),
                                       VOICE_LABELS.get(voice, voice), _text(r.get("speaker"))) if p)
        style = VOICE_STYLES.get(voice, "border-bottom:2px solid #000;")
        parts.append(_escape_block(text[pos:start]))
        parts.append(f'<mark class="fw-mention fw-{html.escape(voice)}" style="{style}color:inherit;'
                     f'padding:0 1px;" title="{html.escape(hover)}">{_escape_block(text[start:end])}</mark>')
        pos = end
    parts.append(_escape_block(text[pos:]))
    return '<div class="fw-article" style="line-height:1.7;">' + "".join(parts) + "</div>"


ARTICLE_CHAR_LIMIT = 100_000
"""Characters of an article the Articles page renders before asking: about 15,000 words, far more
than a news article. A scraped page with a runaway body (2 MB, 120,000 mentions) took over a
minute to render, and its page was 490,000 px tall."""


def clip_article(text: str, mentions: pd.DataFrame, limit: int = ARTICLE_CHAR_LIMIT) -> tuple[str, pd.DataFrame]:
    """The start of a long article and its mentions, for :func:`highlight_html`.

    Parameters
    ----------
    text : the canonical article text (``articles.text``).
    mentions : ``mentions`` rows of that article (``start_char``, ``end_char`` offsets into *text*).
    limit : characters to keep at most.

    Returns
    -------
    (str, DataFrame)
        *text* and *mentions* unchanged when *text* has at most *limit* characters; else the text
        up to its last line break within *limit* (or *limit* itself when there is none in its second
        half) and the mentions that end within it. Offsets stay those of the whole text.
    """
    text = _text(text)
    if len(text) <= limit:
        return text, mentions
    cut = text.rfind("\n", 0, limit + 1)
    cut = cut if cut >= limit // 2 else limit
    kept = mentions if mentions is None or not len(mentions) else mentions[mentions["end_char"] <= cut]
    return text[:cut], kept


def legend_html() -> str:
    """A small legend of the three voice styles (HTML)."""
    items = "".join(f'<span style="{VOICE_STYLES[v]}padding:0 4px;margin-right:12px;">'
                    f"{html.escape(VOICE_LABELS[v])}</span>" for v in VOICE_STYLES)
    return f'<div class="fw-legend" style="margin:4px 0 12px 0;">Voice: {items}</div>'


def safe_url(url) -> str | None:
    """*url* when it is an absolute http(s) URL, else ``None`` (no ``javascript:`` links)."""
    u = _text(url).strip()
    try:
        parsed = urlparse(u)
    except ValueError:
        return None
    return u if parsed.scheme in ("http", "https") and parsed.netloc else None


SYNTHETIC_BADGE = "synthetic (demo)"
"""Badge shown next to an article whose outlet has registry type ``synthetic``."""

_BADGE_STYLE = ("display:inline-block;margin-left:8px;padding:0 6px;border:1px solid #B86E00;"
                "border-radius:4px;color:#7A4A00;background:#FFF4DC;font-size:0.85em;")


def article_header_html(article: dict, synthetic: bool = False) -> str:
    """Title, outlet and date of an article as escaped HTML.

    With *synthetic* (the outlet has registry type ``synthetic``), a "synthetic (demo)" badge
    follows the outlet and date line.
    """
    title = html.escape(_text(article.get("title")) or "(untitled)")
    outlet = html.escape(_text(article.get("outlet")))
    when = article.get("published_at")
    when = _when(when)   # the same form as the tables and the "Also published by" line
    badge = (f'<span class="fw-synthetic" style="{_BADGE_STYLE}" title="This outlet is fictional: '
             f'generated by framewatch demo, not real news.">{SYNTHETIC_BADGE}</span>') if synthetic else ""
    return (f'<h3 style="margin-bottom:0">{title}</h3>'
            f'<p style="color:#555;margin-top:2px">{outlet} · {when}{badge}</p>')


def _when(value) -> str:
    """``"2026-03-05 08:20 UTC"``; the day alone at exactly 00:00:00 UTC, the time a source that gives only a
    date is stored at (the store does not record which did, so "00:00 UTC" would invent a time); ``"undated"``."""
    if not _text(value) or pd.isna(value):
        return "undated"
    t = pd.Timestamp(value)
    t = t.tz_convert("UTC") if t.tzinfo is not None else t
    return t.strftime("%Y-%m-%d") if (t.hour, t.minute, t.second, t.microsecond) == (0, 0, 0, 0) \
        else t.strftime("%Y-%m-%d %H:%M UTC")


def also_published_html(article_id: str, members: pd.DataFrame, limit: int = 8) -> str:
    """The other copies of an article as one escaped HTML line, or ``""`` when it has none.

    ``Also published by: Outlet B (2026-03-05 08:20 UTC), Outlet C (…) — first seen at
    Outlet A 2026-03-05 08:00 UTC (this article)`` when the article shown is the first copy.
    On a later copy the first copy is left out, since
    :func:`dashboard.republication.first_published_html` names it on a line of its own: the
    line names the other later copies only, and is ``""`` when there are none (so a copy's one
    other member is said once). At most *limit* copies are named, then "and N more".

    Parameters
    ----------
    article_id : the article shown.
    members : :func:`pipelines.rollups.cluster_members` of that article (earliest first).
    """
    if members is None or len(members) < 2:
        return ""
    first = members.iloc[0]
    shown_first = first["article_id"] == article_id
    others = members[(members["article_id"] != article_id) & (members["article_id"] != first["article_id"])]
    if others.empty and not shown_first:     # the one other member is the first copy, which has its own line
        return ""
    names = [f"{html.escape(_text(o))} ({_when(w)})" for o, w in zip(others["outlet"], others["published_at"])]
    more = f" and {len(names) - limit:,} more" if len(names) > limit else ""
    when_first = (f" — first seen at {html.escape(_text(first['outlet']))} {_when(first['published_at'])} "
                  "(this article)" if shown_first else "")
    wire = bool(members["syndicated"].any())
    title = ("Wire copy: the same text appears at another outlet or repeats with a wire dateline; "
             "'Leave wire copies out' drops it from every count." if wire else
             "Near-identical copy of another article in the store.")
    return (f'<p class="fw-cluster" style="margin:0 0 8px 0" title="{html.escape(title)}">'
            f"<strong>Also published by:</strong> {', '.join(names[:limit])}{more}{when_first}</p>")
