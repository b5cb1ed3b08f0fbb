"""Tests for pipelines.sources: HTML pages and fragments, text files, folders, feeds."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipelines.dates import undated_reason
from pipelines.sources import (html_to_text, read_feed, read_folder, read_html_file,
                               read_html_string, read_text_file)
from tests.conftest import case_dir

REPO = Path(__file__).resolve().parents[2]
UTC = timezone.utc

TWO_PARAGRAPHS = (
    "The naval exercise off the northern coast ended on Tuesday after five days, the defence "
    "ministry said.\n"
    "Fishing boats were asked to stay clear of the area until Wednesday morning."
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# html_to_text


@pytest.mark.parametrize("fragment, expected", [
    ("plain text", "plain text"),
    ("  two  spaces\tand tab  ", "two spaces and tab"),
    ("line one\r\nline two\n\n\nline three", "line one\nline two\nline three"),
    ("Fish &amp; chips", "Fish & chips"),
    ("<p>The navy holds war&nbsp;games.</p>", "The navy holds war\u00a0games."),
    ("<p>The navy holds war\n      games.</p>", "The navy holds war games."),
    ("<p>One</p><p>Two</p>", "One\nTwo"),
    ("First<br>second<br/>third", "First\nsecond\nthird"),
    ("<p>Text <img src='x.png'> more <script>var x = 1;</script>end</p>", "Text more end"),
    ("<div><style>p {}</style>Styled <b>bold</b> <i>it</i></div>", "Styled bold it"),
    ("<ul><li>a</li><li>b</li></ul>", "a\nb"),
    ("<p>unclosed <b>bold", "unclosed bold"),
    ("<!-- comment -->Visible", "Visible"),
    ("", ""),
    (None, ""),
    (float("nan"), ""),
])
def test_html_to_text(fragment, expected):
    assert html_to_text(fragment) == expected


# ---------------------------------------------------------------------------------------------
# HTML pages: text, title, boilerplate


def test_html_string_title_body_and_noise_blocks():
    page = """<html lang="en"><head><title>Talks resume | Daily Example</title>
    <meta name="description" content="Talks  resumed."></head><body>
    <article><h1>Talks resume</h1>
    <p>Delegations met again on Monday to discuss the ceasefire terms in detail.</p>
    <div class="share-bar">Share on X</div>
    <p>Both sides said progress was slow but steady, according to the mediators.</p>
    <div id="newsletter-signup">Sign up for our newsletter about regime change</div>
    </article>
    <div class="promo">Subscribe now</div></body></html>"""
    rec = read_html_string(page, url="https://daily.example/talks")
    assert rec["title"] == "Talks resume"
    assert rec["lead"] == "Talks resumed."
    assert rec["lang"] == "en"
    assert rec["url"] == "https://daily.example/talks"
    assert rec["body"] == (
        "Delegations met again on Monday to discuss the ceasefire terms in detail.\n"
        "Both sides said progress was slow but steady, according to the mediators.")


@pytest.mark.parametrize("html, expected", [
    # C08-style fragments that trafilatura declines go through html_to_text
    ("<p>The navy holds war&nbsp;games.</p>", {"The navy holds war\u00a0games.",
                                               "The navy holds war games."}),
    ("<p>The navy holds war\n      games.</p>", {"The navy holds war games."}),
    ("Just a sentence.", {"Just a sentence."}),
])
def test_html_fragments(html, expected):
    rec = read_html_string(html)
    assert rec["body"] in expected
    assert rec["published"] is None
    assert rec["date_note"] == "no publication date found"


@pytest.mark.parametrize("html", ["", "   ", "<html><body><script>x=1</script></body></html>"])
def test_html_without_text_is_a_reject(html):
    assert read_html_string(html)["_reject"][0] == "no_text"


# ---------------------------------------------------------------------------------------------
# HTML pages: publication date (C05 rules on hand-written pages)


def _page(head: str = "", body: str = "<article><p>Some text of the article.</p></article>") -> str:
    return f"<html><head><title>T</title>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize("head, body, url, expected, source", [
    ('<meta property="article:published_time" content="2026-03-12T08:15:00+02:00">', None, None,
     utc(2026, 3, 12, 6, 15), "metadata"),
    ('<meta name="parsely-pub-date" content="2026-03-12T08:15:00Z">', None, None,
     utc(2026, 3, 12, 8, 15), "metadata"),
    ('<meta name="DC.date" content="2026-03-12">', None, None, utc(2026, 3, 12), "metadata"),
    ('<meta itemprop="datePublished" content="2026-03-12T08:15:00Z">', None, None,
     utc(2026, 3, 12, 8, 15), "metadata"),
    ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
     '{"@type": "WebPage", "datePublished": "2020-01-01"},'
     '{"@type": "NewsArticle", "datePublished": "2026-03-12T08:15:00-05:00"}]}</script>', None,
     None, utc(2026, 3, 12, 13, 15), "metadata"),
    ("", '<article><time itemprop="datePublished" datetime="2026-03-12T08:15Z">12 March</time>'
         "<p>Some text of the article.</p></article>", None, utc(2026, 3, 12, 8, 15), "metadata"),
    ("", '<article><time pubdate datetime="2026-03-12">12 March</time>'
         "<p>Some text of the article.</p></article>", None, utc(2026, 3, 12), "metadata"),
    ('<link rel="canonical" href="https://x.example/news/20260310/item">', None, None,
     utc(2026, 3, 10), "url"),
    ('<meta property="og:url" content="https://x.example/2026-03-10/item">', None, None,
     utc(2026, 3, 10), "url"),
    ("", None, "https://x.example/2026/03/10/item.html", utc(2026, 3, 10), "url"),
    # a script literal and a sidebar time are never the publication date
    ('<script>var c = {"published": "2026-01-31"};</script>',
     '<article><p>Some text of the article.</p></article>'
     '<aside><time datetime="2026-02-27">27 Feb</time> Other story</aside>', None, None, None),
])
def test_html_publication_date_sources(head, body, url, expected, source):
    rec = read_html_string(_page(head, body) if body else _page(head), url=url)
    assert rec["published"] == expected
    assert rec.get("date_source") == source
    if source == "url":
        assert rec["date_note"] == "low confidence: date from the URL path"
    if source is None:
        assert rec["date_note"] == "no publication date found"


def test_metadata_after_fetch_time_falls_through_to_the_url():
    head = ('<meta property="article:published_time" content="2027-01-31T00:00:00Z">'
            '<link rel="canonical" href="https://x.example/2026/03/10/item">')
    rec = read_html_string(_page(head), fetched_at=utc(2026, 3, 13, 10))
    assert rec["published"] == utc(2026, 3, 10)
    assert rec["date_source"] == "url"
    assert rec["fetched_at"] == utc(2026, 3, 13, 10)


def test_naive_metadata_time_is_read_as_utc_with_a_note():
    rec = read_html_string(_page('<meta property="article:published_time" '
                                 'content="2026-03-12T08:15:00">'))
    assert rec["published"] == utc(2026, 3, 12, 8, 15)
    assert "has no UTC offset; read as UTC" in rec["date_note"]



@pytest.mark.parametrize("head, naive", [
    ('<meta property="article:published_time" content="2026-03-12T08:15:00">', True),
    ('<meta property="article:published_time" content="2026-03-12T08:15:00+03:00">', False),
    ('<meta property="article:published_time" content="2026-03-12">', False),
    ('<link rel="canonical" href="https://x.example/2026/03/10/item">', False),
    ("", False)])
def test_a_pages_date_without_an_offset_is_flagged_by_the_date_reader_not_by_its_notes_words(head, naive):
    """read_html_string set _naive_date by looking for 'has no UTC offset' in the note: a note
    reworded would have stopped the warning's count without a word."""
    import lxml.html

    from pipelines.sources import _page_date

    tree = lxml.html.document_fromstring(_page(head))
    assert _page_date(tree, ["https://x.example/2026/03/10/item"], None, "Asia/Tokyo")[3] is naive
    assert read_html_string(_page(head), assume_tz="Asia/Tokyo").get("_naive_date", False) is naive


# ---------------------------------------------------------------------------------------------
# HTML files


def test_html_file_with_cp1252_bytes_and_base_meta(tmp_path):
    page = _page(body="<article><p>Caf\xe9 owners \u201cprotest\u201d new rules today.</p></article>")
    path = write(tmp_path / "a.html", page.encode("cp1252"))
    rec = read_html_file(path, base_meta={"outlet": "Daily Example", "fetched_at":
                                          "2026-03-13T10:00:00Z", "section": "Business"})
    assert rec["body"] == "Caf\xe9 owners \u201cprotest\u201d new rules today."
    assert rec["encoding_note"] == "not valid UTF-8; decoded as cp1252 (Windows-1252)"
    assert rec["outlet"] == "Daily Example"
    assert rec["section"] == "Business"
    assert rec["fetched_at"] == utc(2026, 3, 13, 10)
    assert rec["_source_file"] == str(path) and rec["_source_row"] is None


@pytest.mark.parametrize("content, reason", [
    (b"", "no_text"),
    (b"<html><body><div class='related'>Only related links</div></body></html>", "no_text"),
])
def test_broken_html_files_are_rejects(tmp_path, content, reason):
    path = write(tmp_path / "broken.html", content)
    rec = read_html_file(path)
    assert rec["_reject"][0] == reason
    assert rec["_source_file"] == str(path)


def test_truncated_html_still_gives_its_text(tmp_path):
    path = write(tmp_path / "cut.html", "<html><body><article><p>The talks were cut short by")
    assert read_html_file(path)["body"] == "The talks were cut short by"


def test_missing_html_file_is_unreadable(tmp_path):
    rec = read_html_file(tmp_path / "nope.html")
    assert rec["_reject"][0] == "unreadable_file"
    assert "nope.html" in rec["_reject"][1]


# ---------------------------------------------------------------------------------------------
# text files


def test_text_file_with_front_matter(tmp_path):
    path = write(tmp_path / "a.txt", "---\noutlet: Daily Example\ndate: 2026-03-05\n"
                                     "title: Ports reopen\nauthor: A. Writer\n---\n\n"
                                     "First paragraph.\r\nSecond paragraph.\n")
    rec = read_text_file(path)
    assert rec == {"outlet": "Daily Example", "published": "2026-03-05",
                   "date_source": "front matter", "title": "Ports reopen", "author": "A. Writer",
                   "body": "First paragraph.\nSecond paragraph.", "_source_file": str(path),
                   "_source_row": None}


@pytest.mark.parametrize("name, content", [
    ("a.json", '{"outlet": "Daily Example", "published": "05/03/2026", "url": "https://d.example/a"}'),
    ("a.meta.json", '{"outlet": "Daily Example", "published": "05/03/2026", "url": "https://d.example/a"}'),
    ("a.yaml", "outlet: Daily Example\npublished: 05/03/2026\nlink: https://d.example/a\n"),
])
def test_text_file_with_sidecar(tmp_path, name, content):
    write(tmp_path / name, content)
    path = write(tmp_path / "a.txt", "Headline-looking first line\nBody text.")
    rec = read_text_file(path)
    assert rec["outlet"] == "Daily Example"
    assert rec["published"] == "05/03/2026"  # raw: the caller applies the outlet's order
    assert rec["date_source"] == "sidecar"
    assert rec["url"] == "https://d.example/a"
    assert "title" not in rec  # the first line is not taken as the title
    assert rec["body"] == "Headline-looking first line\nBody text."


def test_text_file_without_metadata_and_in_cp1252(tmp_path):
    path = write(tmp_path / "b.txt", "\ufeffPlain body.\n".encode("utf-8"))
    assert read_text_file(path) == {"body": "Plain body.", "_source_file": str(path),
                                    "_source_row": None}
    path = write(tmp_path / "c.txt", "Caf\xe9 talk.".encode("cp1252"))
    rec = read_text_file(path)
    assert rec["body"] == "Caf\xe9 talk."
    assert rec["encoding_note"].startswith("not valid UTF-8")


@pytest.mark.parametrize("files, reason", [
    ({"a.txt": "---\ntitle: [unclosed\n---\nBody"}, "bad_front_matter"),
    ({"a.txt": "---\n- a list\n---\nBody"}, "bad_front_matter"),
    ({"a.txt": "Body", "a.json": "{not json"}, "bad_sidecar"),
])
def test_bad_text_metadata_is_a_reject(tmp_path, files, reason):
    for name, content in files.items():
        write(tmp_path / name, content)
    rec = read_text_file(tmp_path / "a.txt")
    assert rec["_reject"][0] == reason
    assert rec["_source_file"] == str(tmp_path / "a.txt")


# ---------------------------------------------------------------------------------------------
# folders


def test_folder_reads_sorted_recursive_with_fetch_json_and_sidecars(tmp_path):
    write(tmp_path / "fetch.json", '{"fetched_at": "2026-03-13T10:00:00Z", "outlet": "Daily Example"}')
    write(tmp_path / "b.txt", "---\ndate: 2026-03-02\n---\nText B.")
    write(tmp_path / "a.html", _page('<meta property="article:published_time" '
                                     'content="2026-03-12T08:15:00Z">'))
    write(tmp_path / "a.meta.json", '{"title": "Sidecar title", "outlet": "Other Outlet"}')
    write(tmp_path / "sub" / "c.htm", _page('<meta property="article:published_time" '
                                            'content="2027-01-31T00:00:00Z">'))
    write(tmp_path / "sub" / "notes.pdf", b"%PDF-1.4")
    write(tmp_path / "sub" / "orphan.json", "{}")
    write(tmp_path / ".hidden.txt", "not an article")
    write(tmp_path / ".git" / "x.txt", "not an article")

    records = list(read_folder(tmp_path))
    names = [Path(r["_source_file"]).name for r in records]
    assert names == ["a.html", "b.txt", "c.htm", "notes.pdf", "orphan.json"]

    a, b, c, pdf, orphan = records
    assert a["title"] == "Sidecar title" and a["outlet"] == "Other Outlet"  # sidecar wins
    assert a["published"] == utc(2026, 3, 12, 8, 15) and a["date_source"] == "metadata"
    assert a["fetched_at"] == utc(2026, 3, 13, 10)
    assert b["outlet"] == "Daily Example" and b["published"] == "2026-03-02"
    assert b["date_source"] == "front matter" and b["fetched_at"] == utc(2026, 3, 13, 10)
    assert c["published"] is None  # after fetched_at: discarded
    assert c["date_note"].startswith("no publication date found")
    assert pdf["_reject"][0] == "unsupported_file" and orphan["_reject"][0] == "unsupported_file"
    assert all(r["_source_row"] is None for r in records)


def test_folder_that_does_not_exist_is_one_reject(tmp_path):
    records = list(read_folder(tmp_path / "missing"))
    assert len(records) == 1 and records[0]["_reject"][0] == "unreadable_file"


def test_bad_fetch_json_is_reported_and_files_still_read(tmp_path):
    write(tmp_path / "fetch.json", "{broken")
    write(tmp_path / "a.txt", "Text.")
    records = list(read_folder(tmp_path))
    assert [r.get("_reject", ("ok",))[0] for r in records] == ["ok", "bad_sidecar"]
    assert records[0]["body"] == "Text."


# ---------------------------------------------------------------------------------------------
# feeds


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>Atom Example</title>
<id>urn:x</id><updated>2026-03-02T10:00:00Z</updated>
<entry><title>One</title><id>urn:1</id><link href="https://atom.example/1"/>
<updated>2026-03-02T10:00:00+09:00</updated>
<summary type="html">&lt;p&gt;Short &amp;amp; sweet.&lt;/p&gt;</summary>
<content type="html">&lt;p&gt;Para one.&lt;/p&gt;&lt;p&gt;Para two.&lt;/p&gt;</content></entry>
<entry><title>Two</title><id>urn:2</id></entry>
</feed>"""


def test_atom_feed(tmp_path):
    path = write(tmp_path / "feed.atom", ATOM)
    one, two = read_feed(path)
    assert one["outlet"] == "Atom Example"
    assert one["published"] == utc(2026, 3, 2, 1)
    assert one["date_note"] == "the item has no published date; its updated date is used"
    assert one["lead"] == "Short & sweet."
    assert one["body"] == "Para one.\nPara two."
    assert one["url"] == "https://atom.example/1" and one["id"] == "urn:1"
    assert (one["_source_file"], one["_source_row"]) == (str(path), 1)
    assert two["published"] is None
    assert two["date_note"] == "no publication date in the feed item"
    assert two["_source_row"] == 2


RSS_FOREIGN_DATES = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Dates Example</title><link>https://dates.example/</link>
<item><title>Korean</title><link>https://dates.example/1</link><pubDate>2004-05-25 오 후 11:23:17</pubDate></item>
<item><title>Hungarian</title><link>https://dates.example/2</link><pubDate>2004-július-13T9:15+02:00</pubDate></item>
<item><title>Plain</title><link>https://dates.example/3</link><pubDate>Wed, 02 Dec 2026 10:00:00 KST</pubDate></item>
<item><title>Colon</title><link>https://dates.example/4</link><pubDate>Wed, 02 Dec 2026 10:00:00 +01:00</pubDate></item>
</channel></rss>"""


def test_a_feed_date_only_feedparser_reads_is_not_stored_and_the_note_says_what_it_read(tmp_path):
    # feedparser reads these without a word: the Korean afternoon time is dropped (midnight), the
    # Hungarian month name is skipped and the current month and the 1st filled in
    korean, hungarian, plain, colon = read_feed(write(tmp_path / "feed.rss", RSS_FOREIGN_DATES))
    assert korean["published"] is None and hungarian["published"] is None
    assert korean["date_note"].startswith("invalid date '2004-05-25 오 후 11:23:17'")
    assert "; feedparser read it as 2004-05-25 00:00 UTC, not used (framewatch cannot check" in korean["date_note"]
    assert "updated" not in korean["date_note"]   # an RSS item has no updated date (feedparser's get gives pubDate)
    assert hungarian["date_note"].startswith("invalid date '2004-július-13T9:15+02:00'")
    assert re.search(r"; feedparser read it as 2004-\d\d-01 00:00 UTC, not used", hungarian["date_note"])
    assert {undated_reason(r["date_note"]) for r in (korean, hungarian)} == {"invalid date"}
    assert plain["published"] == utc(2026, 12, 2, 1) and "date_note" not in plain
    assert colon["published"] == utc(2026, 12, 2, 9) and "date_note" not in colon   # +01:00 is read by framewatch


ATOM_UNREAD_PUBLISHED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Dates</title><id>urn:d</id><updated>2026-12-01T10:00:00Z</updated>
<entry><title>One</title><id>urn:d1</id><link href="https://atom.example/d1"/>
<published>2004-05-25 오 후 11:23:17</published><updated>2026-12-01T10:00:00Z</updated></entry>
<entry><title>Two</title><id>urn:d2</id><link href="https://atom.example/d2"/>
<published>2004-05-25 오 후 11:23:17</published><updated>2004-05-26 오 전 09:00:00</updated></entry>
<entry><title>Three</title><id>urn:d3</id><link href="https://atom.example/d3"/>
<updated>2004-05-26 오 전 09:00:00</updated></entry>
</feed>"""


def test_an_unreadable_published_date_gives_way_to_a_readable_updated_one(tmp_path):
    one, two, three = read_feed(write(tmp_path / "feed.atom", ATOM_UNREAD_PUBLISHED))
    assert one["published"] == utc(2026, 12, 1, 10)
    assert one["date_note"].startswith("the item's published date: invalid date '2004-05-25 오 후 11:23:17'")
    assert one["date_note"].endswith("; its updated date is used")
    # neither read: undated, counted as an invalid date, the note naming both
    assert two["published"] is None and undated_reason(two["date_note"]) == "invalid date"
    assert "; it is the item's published date; its updated date: invalid date '2004-05-26 오 전 09:00:00'" \
        in two["date_note"]
    assert two["date_note"].count("framewatch cannot check") == 1
    assert three["published"] is None and "; it is the item's updated date (framewatch cannot check" in three["date_note"]
    assert undated_reason(three["date_note"]) == "invalid date"


@pytest.mark.parametrize("content", [b"this is not a feed <<<", b"\x00\x01\x02"])
def test_unreadable_feed_is_one_reject(tmp_path, content):
    path = write(tmp_path / "bad.xml", content)
    records = list(read_feed(path))
    assert len(records) == 1
    assert records[0]["_reject"][0] == "unreadable_file"
    assert records[0]["_source_file"] == str(path) and records[0]["_source_row"] is None


def test_missing_feed_file_is_one_reject(tmp_path):
    records = list(read_feed(tmp_path / "missing.xml"))
    assert len(records) == 1 and records[0]["_reject"][0] == "unreadable_file"


# ---------------------------------------------------------------------------------------------
# shared failure cases


def test_c03_feed_offsets_and_daily_utc_buckets():
    records = list(read_feed(case_dir("C03") / "feed.xml"))
    got = {r["id"]: r["published"] for r in records}
    assert got == {"a1": utc(2026, 3, 1, 22, 30), "a2": utc(2026, 3, 3, 4, 45),
                   "a3": utc(2026, 3, 2, 15), "a4": utc(2026, 3, 2, 12)}
    assert all(r["published"].tzinfo is UTC and r["date_source"] == "feed" for r in records)
    assert {r["outlet"] for r in records} == {"Example Wire"}
    days = Counter(r["published"].date().isoformat() for r in records)
    assert days == {"2026-03-01": 1, "2026-03-02": 2, "2026-03-03": 1}


_C03_SCRIPT = """
import sys
from pipelines.sources import read_feed
for r in read_feed(sys.argv[1]):
    print(r["id"], r["published"].isoformat())
"""


def test_c03_stored_instants_do_not_depend_on_the_machine_time_zone():
    feed = case_dir("C03") / "feed.xml"
    outputs = []
    for tz in ("UTC", "Asia/Tokyo"):
        env = {"TZ": tz, "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
        done = subprocess.run([sys.executable, "-c", _C03_SCRIPT, str(feed)], env=env, cwd=REPO,
                              capture_output=True, text=True, check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert "a1 2026-03-01T22:30:00+00:00" in outputs[0]


# Ingest additionally applies the outlet registry's boilerplate patterns
# (pipelines.outlets.strip_boilerplate) after this reader; this test checks the reader alone.
@pytest.mark.parametrize("name", ["article.html", "article_inline_related.html"])
def test_c04_body_is_exactly_the_two_paragraphs(name):
    rec = read_html_file(case_dir("C04") / name)
    assert rec["title"] == "Coastal exercise concludes"
    assert rec["body"] == TWO_PARAGRAPHS
    for banned in ("Related stories", "Most read", "Read more", "mirror", "alternate addresses",
                   "\u00a9", "2026 Example Times"):
        assert banned not in rec["body"]
    lexicon = ["imperialists", "regime", "war games", "hegemonic policy"]
    assert not any(term in rec["body"].lower() for term in lexicon)


def _c05_fetched_at() -> datetime:
    data = json.loads((case_dir("C05") / "fetch.json").read_text())
    return datetime.fromisoformat(data["fetched_at"])


@pytest.mark.parametrize("name, published, source, note", [
    ("article.html", utc(2026, 3, 12, 8, 15), "metadata", None),
    ("article_nometa.html", utc(2026, 3, 10), "url", "low confidence: date from the URL path"),
    ("article_futureonly.html", None, None, "no publication date found"),
])
def test_c05_publication_date_from_metadata_then_url_bounded_by_crawl(name, published, source,
                                                                       note):
    rec = read_html_file(case_dir("C05") / name, fetched_at=_c05_fetched_at())
    assert rec["published"] == published
    assert rec.get("date_source") == source
    assert rec.get("date_note") == note
    if published is not None:
        assert published.date().isoformat() not in ("2026-03-20", "2027-01-31", "2026-02-27")


def test_c05_folder_with_fetch_json():
    folder = case_dir("C05")
    by_name = {Path(r["_source_file"]).name: r for r in read_folder(folder)}
    assert by_name["article.html"]["published"] == utc(2026, 3, 12, 8, 15)
    assert by_name["article_nometa.html"]["date_source"] == "url"
    assert by_name["article_futureonly.html"]["published"] is None
    assert by_name["article_futureonly.html"]["fetched_at"] == utc(2026, 3, 13, 10)
    assert by_name["EXPECTED.md"]["_reject"][0] == "unsupported_file"
    assert "fetch.json" not in by_name
    fetched = _c05_fetched_at()
    assert all(r["published"] <= fetched for r in by_name.values() if r.get("published"))


@pytest.mark.parametrize("item_id, expected", [
    ("h6", {"The navy holds war\u00a0games.", "The navy holds war games."}),
    ("h7", {"The navy holds war games."}),
])
def test_c08_html_fragments(item_id, expected):
    lines = (case_dir("C08") / "texts.jsonl").read_text(encoding="utf-8").splitlines()
    item = next(json.loads(line) for line in lines if json.loads(line)["id"] == item_id)
    assert read_html_string(item["html"])["body"] in expected
    assert html_to_text(item["html"]) in expected


def test_outlet_from_og_site_name():
    from pipelines.sources import read_html_string
    html = ('<html><head><meta property="og:site_name" content="RT"><title>T</title></head>'
            '<body><article><p>The first paragraph of the story is long enough to count as text here.</p>'
            '<p>A second paragraph follows with more words in it.</p></article></body></html>')
    assert read_html_string(html)["outlet"] == "RT"
