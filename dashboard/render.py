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


def article_header_html(article: dict) -> str:
    """Title, outlet and date of an article as escaped HTML."""
    title = html.escape(_text(article.get("title")) or "(untitled)")
    outlet = html.escape(_text(article.get("outlet")))
    when = article.get("published_at")
    when = html.escape(pd.Timestamp(when).strftime("%d %b %Y %H:%M UTC")) if _text(when) and not pd.isna(when) else "undated"
    return (f'<h3 style="margin-bottom:0">{title}</h3>'
            f'<p style="color:#555;margin-top:2px">{outlet} · {when}</p>')
