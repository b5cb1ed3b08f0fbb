"""Highlighted article HTML: escaped, exact offsets, overlap-safe, newlines kept."""

import pandas as pd
import pytest

from dashboard.render import also_published_html, article_header_html, highlight_html, md_escape, safe_url


def _m(*rows):
    return pd.DataFrame([dict(start_char=s, end_char=e, term=t, category="pejorative label", voice=v, speaker=sp)
                         for s, e, t, v, sp in rows])


def test_offsets_and_voice_classes():
    text = 'The regime said "puppet" today.'
    html = highlight_html(text, _m((4, 10, "regime", "outlet", None), (17, 23, "puppet", "quoted", "Minister Vale")))
    assert 'fw-outlet' in html and 'fw-quoted' in html
    assert '>regime</mark>' in html and '>puppet</mark>' in html
    assert 'title="puppet · pejorative label · quoted (inside a direct quotation) · Minister Vale"' in html
    assert "dashed" in html and "solid" in html          # not colour-only


def test_everything_escaped():
    text = "<script>alert(1)</script> regime & <b>bold</b>"
    html = highlight_html(text, _m((26, 32, "regime", "attributed", '"><img src=x onerror=alert(1)>')))
    assert "<script>" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&amp;" in html
    assert "&quot;&gt;&lt;img" in html                   # the speaker inside the title attribute


def test_overlaps_and_bad_offsets_are_skipped():
    text = "war games and games"
    html = highlight_html(text, _m((0, 9, "war games", "outlet", None), (4, 9, "games", "outlet", None),
                                   (14, 19, "games", "outlet", None), (15, 40, "x", "outlet", None),
                                   (3, 3, "empty", "outlet", None)))
    assert html.count("<mark") == 2
    assert ">war games</mark>" in html
    # the visible text is unchanged
    import re
    assert re.sub(r"<[^>]+>", "", html) == text


def test_newlines_become_breaks():
    html = highlight_html("one\n\ntwo\r\nthree", _m())
    assert "one<br><br>two<br>three" in html


def test_no_mentions_and_missing_text():
    assert "plain" in highlight_html("plain", pd.DataFrame())
    assert highlight_html(None, None).startswith("<div")


@pytest.mark.parametrize("url, ok", [("https://example.org/a", True), ("http://x.y", True),
                                     ("javascript:alert(1)", False), ("//evil.example", False),
                                     ("", False), (None, False), ("data:text/html,hi", False)])
def test_safe_url(url, ok):
    assert (safe_url(url) is not None) is ok
    if ok:
        assert safe_url(url) == url


def test_md_escape():
    out = md_escape("**bold** [link](x) <script> :red[x]")
    assert "<script>" not in out and "\\*\\*bold\\*\\*" in out and "\\[link\\]" in out and "\\:red" in out


def test_header_escaped():
    html = article_header_html({"title": "<script>x</script>", "outlet": "O'Reilly", "published_at": None})
    assert "<script>" not in html and "undated" in html and "O&#x27;Reilly" in html


def test_synthetic_badge_only_when_asked():
    article = {"title": "T", "outlet": "Capital Ledger", "published_at": pd.Timestamp("2026-03-02 09:30", tz="UTC")}
    assert "synthetic (demo)" not in article_header_html(article)
    html = article_header_html(article, synthetic=True)
    line = html.split("<p", 1)[1]
    assert "Capital Ledger · 2026-03-02 09:30 UTC" in line and "synthetic (demo)</span>" in line


def _members(*rows):
    return pd.DataFrame([dict(article_id=a, outlet=o, published_at=pd.Timestamp(t, tz="UTC") if t else pd.NaT,
                              is_first=i == 0, syndicated=True) for i, (a, o, t) in enumerate(rows)])


C11 = _members(("w1", "Outlet A", "2026-03-05 08:00"), ("w2", "Outlet B", "2026-03-05 08:20"),
               ("w3", "Outlet C", "2026-03-05 09:05"))


@pytest.mark.parametrize("article_id, expected", [
    ("w1", "Outlet B (2026-03-05 08:20 UTC), Outlet C (2026-03-05 09:05 UTC) — first seen at "
           "Outlet A 2026-03-05 08:00 UTC (this article)"),
    ("w2", "Outlet C (2026-03-05 09:05 UTC)</p>"),   # the first copy has its own line (first_published_html)
])
def test_also_published_names_the_other_copies(article_id, expected):
    html = also_published_html(article_id, C11)
    assert html.startswith('<p class="fw-cluster"') and "Also published by:</strong> " + expected in html


def test_a_copy_whose_only_other_member_is_the_first_has_no_also_published_line():
    assert also_published_html("w2", C11.iloc[:2]) == ""     # "First published by Outlet A" says it once
    assert "Outlet B (2026-03-05 08:20 UTC) — first seen at Outlet A" in also_published_html("w1", C11.iloc[:2])


def test_also_published_is_empty_without_copies_and_escaped_and_capped():
    assert also_published_html("o1", C11.iloc[:0]) == "" and also_published_html("w1", C11.iloc[:1]) == ""
    hostile = _members(("a", "<script>x</script>", "2026-03-05 08:00"), ("b", "O'Reilly & <b>Co</b>", None))
    html = also_published_html("a", hostile)
    assert "<script>" not in html and "<b>" not in html
    assert "O&#x27;Reilly &amp; &lt;b&gt;Co&lt;/b&gt; (undated)" in html
    many = _members(*[(f"a{i}", f"Outlet {i}", f"2026-03-05 08:{i:02d}") for i in range(12)])
    html = also_published_html("a0", many, limit=8)
    assert "Outlet 8 (" in html and "Outlet 9 (" not in html and " and 3 more — first seen at Outlet 0" in html
