"""framewatch collect against a loopback HTTP server (127.0.0.1 only; no test reaches the internet).

The server (:class:`Site`) serves RSS 2.0 and Atom feeds with odd dates, relative links,
duplicate items and tracking parameters, a malformed feed, scripted 500 answers,
robots.txt, ETag / Last-Modified with 304 answers and article pages, and records every
request, so politeness is checked by counting requests. Waits go through a fake clock whose
``sleep`` only advances it: the rate limit is counted, never timed.
"""

from __future__ import annotations

import gzip
import http.server
import json
import statistics
import threading
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.collect import (CollectOptions, Feed, PoliteClient, collect_feeds, parse_since, read_feeds,
                               token_f1)
from pipelines.errors import ConfigError
from pipelines.run import ScoreOptions
from pipelines.sources import read_html_string
from pipelines.storage import connect
from tests.conftest import corpus_dir


class Site:
    """A loopback HTTP server: ``add`` routes, read ``requests`` (path, status, headers)."""

    def __init__(self):
        self.routes: dict[str, dict] = {}
        self.requests: list[tuple[str, int, dict]] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                route = site.routes.get(self.path) or site.routes.get(self.path.split("?")[0])
                status, body, headers = site.answer(route, self.headers)
                site.requests.append((self.path, status, dict(self.headers)))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def add(self, path: str, body: str | bytes, ctype: str = "text/html; charset=utf-8", *, etag: str | None = None,
            last_modified: str | None = None, fail: tuple[int, ...] = (), retry_after: str | None = None) -> None:
        self.routes[path] = {"body": body.encode("utf-8") if isinstance(body, str) else body, "ctype": ctype,
                             "etag": etag, "last_modified": last_modified, "fail": list(fail),
                             "retry_after": retry_after}

    @staticmethod
    def answer(route, headers) -> tuple[int, bytes, dict]:
        if route is None:
            return 404, b"not found", {"Content-Type": "text/plain"}
        if route["fail"]:
            extra = {"Retry-After": route["retry_after"]} if route["retry_after"] else {}
            return route["fail"].pop(0), b"server error", {"Content-Type": "text/plain", **extra}
        validators = {k: v for k, v in (("ETag", route["etag"]), ("Last-Modified", route["last_modified"])) if v}
        if (route["etag"] and headers.get("If-None-Match") == route["etag"]) or (
                route["last_modified"] and headers.get("If-Modified-Since") == route["last_modified"]):
            return 304, b"", validators
        return 200, route["body"], {"Content-Type": route["ctype"], **validators}

    def count(self, path: str, status: int | None = None) -> int:
        return sum(1 for p, s, _ in self.requests if p == path and (status is None or s == status))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeClock:
    """Monotonic clock for the client: ``sleep`` advances it and is recorded."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def site():
    s = Site()
    s.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    yield s
    s.close()


def client(clock: FakeClock | None = None, interval: float = 0.5) -> PoliteClient:
    clock = clock or FakeClock()
    return PoliteClient(min_interval=interval, timeout=5, attempts=3, backoff=0.25, clock=clock, sleep=clock.sleep)


def page(title: str, body: list[str], canonical: str | None = None) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paras = "".join(f"<p>{p}</p>" for p in body)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | Test Wire</title>{link}'
            f'<meta property="og:site_name" content="Test Wire"></head><body><nav><a href="/">Home</a> '
            f'<a href="/world">World</a></nav><article><h1>{title}</h1>{paras}</article>'
            f'<footer>\u00a9 2026 Test Wire</footer></body></html>')


def rss(items: list[tuple[str, str, str, str]]) -> str:
    """RSS 2.0 with (title, link, pubDate, description) items."""
    body = "".join(f"<item><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate>"
                   f"<description>{desc}</description></item>" for t, link, d, desc in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test Wire</title>'
            f"<link>http://example.invalid/</link><description>test</description>{body}</channel></rss>")


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Test Atom</title><id>urn:test:atom</id>
<updated>2026-03-03T08:00:00+09:00</updated>
<entry><title>Gamma talks</title><link href="gamma.html"/><id>urn:test:gamma</id>
<updated>2026-03-03T08:00:00+09:00</updated><summary>The puppet regime held talks on Tuesday.</summary></entry>
<entry><title>Delta drills</title><link href="/feeds/delta.html?utm_campaign=atom"/><id>urn:test:delta</id>
<published>2026-03-04T12:00:00-03:30</published><summary>War games began near the border.</summary></entry>
</feed>"""

RSS_ITEMS = [
    ("Alpha offensive", "/news/alpha.html?utm_source=rss&amp;utm_medium=feed", "Sun, 01 Mar 2026 23:30:00 -0500",
     "The regime launched an offensive, officials said."),
    ("Beta summit", "BASE/news/beta.html", "Mon, 02 Mar 2026 10:00:00 EST", "Leaders met at a summit on trade."),
    ("Alpha offensive", "/news/alpha.html?fbclid=abc", "Sun, 01 Mar 2026 23:30:00 -0500",
     "The regime launched an offensive, officials said."),
]


def serve_feeds(site: Site, items=RSS_ITEMS) -> list[Feed]:
    base = site.url("")
    site.add("/news/rss.xml", rss([(t, link.replace("BASE", base), d, s) for t, link, d, s in items]),
             "application/rss+xml", etag='"rss-v1"')
    site.add("/feeds/atom.xml", ATOM, "application/atom+xml", last_modified="Tue, 03 Mar 2026 00:00:00 GMT")
    return [Feed("RT", site.url("/news/rss.xml")), Feed("TASS", site.url("/feeds/atom.xml"))]


def articles(store) -> list[dict]:
    con = connect(store)
    try:
        df = con.execute("SELECT article_id, outlet, published_at, title, text, url, url_norm, extra, n_copies "
                         "FROM articles ORDER BY published_at").df()
    finally:
        con.close()
    return df.to_dict("records")


def query(store, sql: str) -> list[tuple]:
    con = connect(store)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# the feeds file


def test_builtin_feeds_file_links_every_feed_to_a_registry_outlet():
    feeds = read_feeds()
    outlets = {f.outlet for f in feeds}
    for name in ("Press TV", "RT", "TASS", "Xinhua", "CGTN", "Global Times", "KCNA", "Sputnik",
                 "Reuters", "AP", "BBC News", "Al Jazeera English", "Deutsche Welle", "France 24"):
        assert name in outlets
    assert all(f.url.startswith("https://") for f in feeds)
    assert len({f.url for f in feeds}) == len(feeds)


@pytest.mark.parametrize("entry, message", [
    ("  - outlet: Pravda Daily\n    url: https://example.org/rss\n", "line 5: unknown outlet 'Pravda Daily'"),
    ("  - outlet: Russia Today\n    url: https://example.org/rss\n", "write 'RT' (its registry name)"),
    ("  - outlet: TASS\n    url: ftp://example.org/rss\n", "line 5: a feed URL is missing or not http(s)"),
    ("  - outlet: TASS\n    url: https://example.org/a.xml\n", "line 5: a feed URL is listed twice"),
    ("  - outlet: TASS\n    url: https://example.org/b\n    full_text: yes please\n", "'full_text' is not true"),
    ("  - outlet: TASS\n    link: https://example.org/b\n", "unknown key 'link'"),
])
def test_bad_feed_entry_stops_with_file_and_line(tmp_path, entry, message):
    path = tmp_path / "feeds.yaml"
    path.write_text("# my feeds\nfeeds:\n  - outlet: BBC News\n    url: https://example.org/a.xml\n" + entry)
    with pytest.raises(ConfigError) as err:
        read_feeds(path)
    assert f"{path}, " in str(err.value) and message in str(err.value)


def test_since_must_be_a_date():
    assert parse_since("2026-03-02") == datetime(2026, 3, 2, tzinfo=timezone.utc)
    with pytest.raises(ConfigError, match="--since is not a date"):
        parse_since("last tuesday-ish")


# ---------------------------------------------------------------------------------------------
# feeds: exactly once, dates, links, 304


def test_items_collected_once_with_offsets_honoured_and_304_on_the_second_run(site, tmp_path):
    store = tmp_path / "s.duckdb"
    feeds = serve_feeds(site)
    first = collect_feeds(store, feeds, client=client())
    assert (first.feeds_ok, first.feeds_failed, first.feeds_not_modified) == (2, 0, 0)
    assert (first.items_new, first.items_duplicate) == (4, 1)  # the fbclid copy of Alpha
    assert query(store, "SELECT stage, n_input, n_ingested, n_duplicates, n_rejected FROM runs") == [
        ("collect", 5, 4, 1, 0)]
    rows = articles(store)
    got = {r["title"]: (r["outlet"], r["published_at"].isoformat(), r["url_norm"]) for r in rows}
    host = f"127.0.0.1:{site.port}"
    assert got == {
        "Alpha offensive": ("RT", "2026-03-02T04:30:00+00:00", f"{host}/news/alpha.html"),  # -0500
        "Beta summit": ("RT", "2026-03-02T15:00:00+00:00", f"{host}/news/beta.html"),  # EST
        "Gamma talks": ("TASS", "2026-03-02T23:00:00+00:00", f"{host}/feeds/gamma.html"),  # +09:00, relative link
        "Delta drills": ("TASS", "2026-03-04T15:30:00+00:00", f"{host}/feeds/delta.html"),  # -03:30
    }
    second = collect_feeds(store, feeds, client=client())
    assert (second.feeds_ok, second.feeds_not_modified, second.items_new) == (0, 2, 0)
    assert len(articles(store)) == 4
    assert site.count("/news/rss.xml", 200) == 1 and site.count("/news/rss.xml", 304) == 1
    assert site.count("/feeds/atom.xml", 200) == 1 and site.count("/feeds/atom.xml", 304) == 1
    sent = [h for p, s, h in site.requests if p == "/news/rss.xml"]
    assert "If-None-Match" not in sent[0] and sent[1]["If-None-Match"] == '"rss-v1"'
    assert all(h["User-Agent"].startswith("framewatch/") for _, _, h in site.requests)
    state = dict(query(store, "SELECT feed_url, last_status FROM feed_state"))
    assert state == {feeds[0].url: "304", feeds[1].url: "304"}


def test_a_changed_feed_gives_only_its_new_items_and_only_they_are_scored(site, tmp_path):
    store = tmp_path / "s.duckdb"
    feeds = serve_feeds(site)
    first = collect_feeds(store, feeds, client=client())
    assert first.articles_scored == 4 and not first.full_rescore
    mentions_before = query(store, "SELECT article_id, start_char, term FROM mentions ORDER BY ALL")
    items = RSS_ITEMS + [("Epsilon", "/news/epsilon.html", "Thu, 05 Mar 2026 09:00:00 GMT",
                          "Puppet forces shelled the town, the ministry said.")]
    site.add("/news/rss.xml", rss([(t, link.replace("BASE", site.url("")), d, s) for t, link, d, s in items]),
             "application/rss+xml", etag='"rss-v2"')
    second = collect_feeds(store, feeds, client=client())
    assert (second.items_new, second.items_duplicate, second.articles_scored) == (1, 3, 1)
    assert not second.full_rescore
    assert query(store, "SELECT count(*), count(DISTINCT article_id) FROM article_scores") == [(15, 5)]
    mentions_after = query(store, "SELECT article_id, start_char, term FROM mentions ORDER BY ALL")
    assert set(mentions_before) < set(mentions_after)
    daily = query(store, "SELECT sum(n_articles) FROM daily WHERE topic = '(all topics)' AND category = 'all' "
                         "AND voice = 'all'")
    assert daily == [(5,)]
    # An extra lexicon changes the definitions: every article is scored again.
    extra = tmp_path / "extra.csv"
    extra.write_text("term,category\nsummit,test\n")
    third = collect_feeds(store, feeds, client=client(), score_options=ScoreOptions(extra_lexicons=[extra]))
    assert third.full_rescore and third.articles_scored == 5
    assert "; scored 5 (all: lexicon changed); " in third.line()
    lexicons = query(store, "SELECT lexicon_version, pairs_version FROM runs WHERE stage = 'collect' ORDER BY started_at")
    assert lexicons[-1][0] != lexicons[-2][0] and lexicons[-1][1] == lexicons[-2][1]   # the lexicon changed, the pairs not
    assert query(store, "SELECT count(*) FROM mentions WHERE term = 'summit'") == [(2,)]  # Beta's title and lead
    # ... and the next collect keeps that lexicon (taken from the store's last run), scoring nothing.
    fourth = collect_feeds(store, feeds, client=client())
    assert (fourth.articles_scored, fourth.full_rescore) == (0, False)
    assert query(store, "SELECT count(*) FROM mentions WHERE term = 'summit'") == [(2,)]  # Beta's title and lead


@pytest.mark.parametrize("recorded", ["r2", None, "no column"])
def test_a_store_scored_under_other_or_unknown_rules_is_scored_again_once(site, tmp_path, recorded):
    """A store whose last scoring recorded older scoring rules (r2), none (NULL) or has no rules_version
    column (written before it) holds rows that may follow other rules: collect scores every article."""
    import duckdb

    from pipelines.rules import RULES_VERSION

    store = tmp_path / "s.duckdb"
    feeds = serve_feeds(site)
    assert collect_feeds(store, feeds, client=client()).articles_scored == 4
    with duckdb.connect(str(store)) as con:
        if recorded == "no column":
            con.execute("ALTER TABLE runs DROP COLUMN rules_version")
        else:
            con.execute("UPDATE runs SET rules_version = ?", [recorded])
    items = RSS_ITEMS + [("Epsilon", "/news/epsilon.html", "Thu, 05 Mar 2026 09:00:00 GMT",
                          "Puppet forces shelled the town, the ministry said.")]
    site.add("/news/rss.xml", rss([(t, link.replace("BASE", site.url("")), d, s) for t, link, d, s in items]),
             "application/rss+xml", etag='"rss-v2"')
    second = collect_feeds(store, feeds, client=client())
    assert (second.items_new, second.articles_scored, second.full_rescore) == (1, 5, True)
    old = recorded if recorded == "r2" else "unknown"
    assert f"; scored 5 (all: scoring rules changed ({old} -> {RULES_VERSION})); " in second.line()
    assert query(store, "SELECT rules_version FROM runs WHERE stage = 'collect' ORDER BY started_at") == [
        (recorded if recorded == "r2" else None,), (RULES_VERSION,)]
    assert query(store, "SELECT count(DISTINCT article_id) FROM article_scores") == [(5,)]
    # The store now says its rules: the next collect scores only its new article.
    items.append(("Zeta", "/news/zeta.html", "Fri, 06 Mar 2026 09:00:00 GMT", "The regime met the envoy."))
    site.add("/news/rss.xml", rss([(t, link.replace("BASE", site.url("")), d, s) for t, link, d, s in items]),
             "application/rss+xml", etag='"rss-v3"')
    third = collect_feeds(store, feeds, client=client())
    assert (third.items_new, third.articles_scored, third.full_rescore) == (1, 1, False)
    assert "(all:" not in third.line()
    assert query(store, "SELECT count(DISTINCT article_id) FROM article_scores") == [(6,)]


def test_since_and_max_items(site, tmp_path):
    store = tmp_path / "s.duckdb"
    feeds = serve_feeds(site)
    opts = CollectOptions(since=parse_since("2026-03-02T12:00:00Z"), max_items=1)
    first = collect_feeds(store, feeds, opts, client=client())
    # RSS: Alpha (04:30) is before --since; Beta new; TASS: Gamma 23:00 new, Delta left for later.
    assert (first.items_before_since, first.items_new, first.items_over_max) == (2, 2, 1)
    assert sorted(r["title"] for r in articles(store)) == ["Beta summit", "Gamma talks"]
    # The Atom feed was not finished, so its Last-Modified was not kept: the next run reads it again.
    second = collect_feeds(store, feeds, opts, client=client())
    assert (second.items_new, second.feeds_not_modified) == (1, 1)
    assert site.count("/feeds/atom.xml", 200) == 2
    assert sorted(r["title"] for r in articles(store)) == ["Beta summit", "Delta drills", "Gamma talks"]


# ---------------------------------------------------------------------------------------------
# failures: reported, in rejects, never stopping the others


def test_retry_after_500_then_success_and_a_feed_that_keeps_failing(site, tmp_path):
    store = tmp_path / "s.duckdb"
    feeds = serve_feeds(site)
    site.routes["/news/rss.xml"]["fail"] = [500]
    site.add("/down.xml", "never", "application/rss+xml", fail=(503, 500, 502))
    clock = FakeClock()
    summary = collect_feeds(store, [*feeds, Feed("Sputnik", site.url("/down.xml"))], client=client(clock))
    assert (summary.feeds_ok, summary.feeds_failed, summary.items_new) == (2, 1, 4)
    assert [s for p, s, _ in site.requests if p == "/news/rss.xml"] == [500, 200]
    assert [s for p, s, _ in site.requests if p == "/down.xml"] == [503, 500, 502]  # 3 attempts, then given up
    assert 0.25 in clock.sleeps and 0.5 in clock.sleeps  # exponential backoff: 0.25, then 0.5
    rejects = query(store, "SELECT source_file, reason, detail FROM rejects")
    assert rejects == [(site.url("/down.xml"), "feed_failed", "http_error: HTTP 502 Bad Gateway after 3 attempts")]
    assert any("/down.xml" in f and "HTTP 502" in f for f in summary.failures)
    assert query(store, "SELECT last_status, last_error FROM feed_state WHERE outlet = 'Sputnik'") == [
        ("502", "HTTP 502 Bad Gateway after 3 attempts")]


def test_retry_after_of_a_429_is_waited_for(site):
    site.add("/busy.xml", "ok", "text/plain", fail=(429, 503), retry_after="7")
    clock = FakeClock()
    answer = client(clock).get(site.url("/busy.xml"))
    assert (answer.status, answer.attempts, answer.content) == (200, 3, b"ok")
    # The host's interval after robots.txt (0.5 s), then Retry-After (7 s) twice, longer than the
    # backoff (0.25 s, 0.5 s); after a 7 s wait the 0.5 s interval has passed.
    assert clock.sleeps == [0.5, 7.0, 7.0]


def test_a_malformed_feed_is_reported_and_the_others_go_on(site, tmp_path):
    store = tmp_path / "s.duckdb"
    feeds = serve_feeds(site)
    site.add("/broken.xml", "<html><body>Maintenance: back soon", "text/html")
    summary = collect_feeds(store, [Feed("CGTN", site.url("/broken.xml")), *feeds], client=client())
    assert (summary.feeds_failed, summary.feeds_ok, summary.items_new) == (1, 2, 4)
    [(reason, detail)] = query(store, "SELECT reason, detail FROM rejects")
    assert reason == "feed_failed" and detail.startswith("not_a_feed: not an RSS/Atom feed")


def test_full_text_pages_robots_canonical_and_failed_pages(site, tmp_path):
    store = tmp_path / "s.duckdb"
    paragraphs = ["Officials described the offensive as the largest this year, and said that more troops would "
                  "arrive within days to hold the line near the river crossing.",
                  "Residents of the town said shelling continued through the night and that the power station "
                  "had been hit twice since the start of the week, leaving thousands without heat.",
                  "The ministry said in a statement that talks could resume only after the fighting stopped."]
    site.add("/news/alpha.html", page("Alpha offensive", paragraphs))
    site.add("/news/beta.html", page("Beta summit", ["Leaders met at a summit on trade and agreed to meet again "
                                                     "in the spring, a joint statement said on Monday evening.",
                                                     *paragraphs[1:]], canonical="/news/2026/beta-summit"))
    items = [RSS_ITEMS[0], ("Beta summit", "/news/beta.html?ref=rss", "Mon, 02 Mar 2026 10:00:00 EST", "Summit."),
             ("Secret", "/private/secret.html", "Mon, 02 Mar 2026 11:00:00 GMT", "Disallowed page."),
             ("Gone", "/news/gone.html", "Mon, 02 Mar 2026 12:00:00 GMT", "A page that is not there.")]
    feeds = [Feed("RT", site.url("/news/rss.xml"), full_text=True)]
    site.add("/news/rss.xml", rss(items), "application/rss+xml", etag='"v1"')
    summary = collect_feeds(store, feeds, client=client())
    assert (summary.items_new, summary.pages_fetched, summary.pages_failed) == (2, 2, 2)
    assert site.count("/private/secret.html") == 0  # robots.txt disallows /private/
    assert site.count("/robots.txt") == 1  # read once per host
    by_title = {r["title"]: r for r in articles(store)}
    assert by_title["Alpha offensive"]["text"] == "\n".join(paragraphs)
    beta = by_title["Beta summit"]
    assert beta["url"] == site.url("/news/2026/beta-summit")  # the page's canonical URL
    assert json.loads(beta["extra"])["feed_link"] == site.url("/news/beta.html?ref=rss")
    rejects = sorted(query(store, "SELECT reason, detail FROM rejects"))
    assert rejects == [("page_failed", "http_error: HTTP 404 Not Found"),
                       ("page_failed", f"robots_disallowed: http://127.0.0.1:{site.port}/robots.txt disallows "
                                       "/private/secret.html for framewatch")]
    assert query(store, "SELECT etag FROM feed_state") == [(None,)]  # failed pages: the feed is read again
    # Another link to the Beta story (its page names the same canonical URL) is a duplicate, not a failure.
    site.add("/amp/beta.html", page("Beta summit", ["Same story, AMP copy, with enough words to be extracted "
                                                    "as the main text of the page by the extractor."],
                                    canonical="/news/2026/beta-summit"))
    items.append(("Beta summit (AMP)", "/amp/beta.html", "Mon, 02 Mar 2026 10:05:00 EST", "Summit."))
    site.add("/news/rss.xml", rss(items), "application/rss+xml", etag='"v2"')
    again = collect_feeds(store, feeds, client=client())
    assert (again.items_new, again.items_duplicate, again.pages_fetched, again.pages_failed) == (0, 3, 1, 2)
    assert site.count("/amp/beta.html") == 1
    assert site.count("/news/beta.html?ref=rss") == 1  # known items are not fetched again
    assert site.count("/news/alpha.html?utm_source=rss&utm_medium=feed") == 1
    assert site.count("/news/gone.html") == 2  # the failed page is retried


def test_a_page_giving_its_json_ld_date_twice_is_stored_with_the_feeds_date_and_fails_only_undated(site, tmp_path):
    """collect read every page as if its date were needed: a JSON-LD datePublished given twice (with
    different values) failed the page although the feed gave the item's date, and the next collect
    fetched and failed it again."""
    twice = ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2026-03-01T08:00:00Z", '
             '"datePublished": "2026-02-27T08:00:00Z"}</script></head>')
    for name in ("dated", "undated"):
        site.add(f"/n/{name}.html", page(name.title(), [f"The {name} story went on at length, the harbour master "
                                                        "said on Monday."] * 3).replace("</head>", twice))
    site.add("/feed.xml", rss([("Dated", "/n/dated.html", "Mon, 02 Mar 2026 10:00:00 +0000", "Dated."),
                               ("Undated", "/n/undated.html", "", "Undated.")]), "application/rss+xml", etag='"v1"')
    feeds = [Feed("RT", site.url("/feed.xml"), full_text=True)]
    store = tmp_path / "s.duckdb"
    summary = collect_feeds(store, feeds, client=client())
    assert (summary.items_new, summary.pages_fetched, summary.pages_failed) == (1, 2, 1)
    assert query(store, "SELECT title, strftime(published_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') FROM articles") == [
        ("Dated", "2026-03-02 10:00")]
    assert query(store, "SELECT reason, detail LIKE 'repeated_key: JSON-LD: the key ''datePublished'' is given twice%' "
                        "FROM rejects") == [("page_failed", True)]
    again = collect_feeds(store, feeds, client=client())
    assert (again.items_new, again.pages_fetched, again.pages_failed) == (0, 1, 1)
    assert site.count("/n/dated.html") == 1 and site.count("/n/undated.html") == 2   # only the failed page again


# ---------------------------------------------------------------------------------------------
# politeness: counted, not timed


def test_rate_limit_is_per_host_and_counted_on_the_clock(site, tmp_path):
    for name in "abcd":
        site.add(f"/p/{name}.html", "x")
    clock = FakeClock()
    http = client(clock, interval=2.0)
    for name in "abcd":
        http.get(site.url(f"/p/{name}.html"))
        http.get(site.url(f"/p/{name}.html", host="localhost"))
    by_host: dict[str, list[float]] = {}
    for host, at, _ in http.log:
        by_host.setdefault(host, []).append(at)
    assert sorted(by_host) == [f"127.0.0.1:{site.port}", f"localhost:{site.port}"]
    for times in by_host.values():
        assert len(times) == 5  # robots.txt + 4 pages
        assert all(b - a >= 2.0 for a, b in zip(times, times[1:]))
    # Each host waits for itself only: while one host waits, the other's interval runs out, so the
    # 10 requests take 5 waits (10 s) where one queue for both hosts would take 9 (18 s).
    assert clock.sleeps == [2.0] * 5
    assert len(site.requests) == 10


def test_crawl_delay_of_robots_txt_wins_over_a_shorter_interval(site):
    site.add("/robots.txt", "User-agent: framewatch\nCrawl-delay: 5\nDisallow:\n", "text/plain")
    site.add("/p.html", "x")
    clock = FakeClock()
    http = client(clock, interval=0.5)
    for _ in range(3):
        http.get(site.url("/p.html"))
    times = [at for _, at, _ in http.log]
    assert [round(b - a, 6) for a, b in zip(times, times[1:])] == [0.5, 5.0, 5.0]  # robots.txt, then the pages


def test_robots_txt_that_fails_keeps_the_host_uncrawled(tmp_path):
    s = Site()
    try:
        s.add("/robots.txt", "", "text/plain", fail=(500, 500, 500))
        s.add("/feed.xml", rss([]), "application/rss+xml")
        summary = collect_feeds(tmp_path / "s.duckdb", [Feed("RT", s.url("/feed.xml"))], client=client())
        assert summary.feeds_failed == 1 and s.count("/feed.xml") == 0
        assert "robots.txt could not be read" in summary.failures[0]
    finally:
        s.close()


# ---------------------------------------------------------------------------------------------
# interruption


class InterruptingClient(PoliteClient):
    """Stops (as Ctrl-C would) when asked for one URL."""

    def __init__(self, stop_at: str, **kw):
        super().__init__(**kw)
        self.stop_at = stop_at

    def get(self, url, headers=None):
        if url == self.stop_at:
            raise KeyboardInterrupt
        return super().get(url, headers)


def test_interrupted_collection_resumes_without_duplicates(site, tmp_path):
    store = tmp_path / "s.duckdb"
    feeds = serve_feeds(site)
    clock = FakeClock()
    stopper = InterruptingClient(feeds[1].url, min_interval=0.5, clock=clock, sleep=clock.sleep)
    with pytest.raises(KeyboardInterrupt):
        collect_feeds(store, feeds, CollectOptions(batch_size=1), client=stopper)
    # The first feed's batch was written (with its ETag), not yet scored.
    assert sorted(r["title"] for r in articles(store)) == ["Alpha offensive", "Beta summit"]
    assert query(store, "SELECT count(*) FROM article_scores") == [(0,)]
    summary = collect_feeds(store, feeds, CollectOptions(batch_size=1), client=client())
    assert (summary.feeds_not_modified, summary.feeds_ok, summary.items_new) == (1, 1, 2)
    assert summary.articles_scored == 4  # the two left unscored and the two new
    rows = articles(store)
    assert len(rows) == 4 and len({r["url_norm"] for r in rows}) == 4 and all(r["n_copies"] == 1 for r in rows)
    assert query(store, "SELECT count(DISTINCT article_id) FROM article_scores") == [(4,)]


# ---------------------------------------------------------------------------------------------
# CLI


def test_cli_collect_prints_one_summary_line(site, tmp_path):
    serve_feeds(site)
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(f"feeds:\n  - outlet: RT\n    url: {site.url('/news/rss.xml')}\n"
                          f"  - outlet: TASS\n    url: {site.url('/gone.xml')}\n")
    result = CliRunner().invoke(main, ["collect", "--feeds", str(feeds_file), "--store", str(tmp_path / "s.duckdb"),
                                       "--rate", "0", "--timeout", "5"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1].startswith(
        "feeds ok 1, failed 1, not modified 0; items new 2, duplicate 1, rejected 0; pages fetched 0, failed 0; "
        "scored 2; mentions ")
    assert f"Failed: TASS feed {site.url('/gone.xml')}: HTTP 404 Not Found" in result.stderr


def test_collected_articles_get_rows_of_the_stores_frame_model_until_its_file_changes(site, tmp_path, monkeypatch):
    import pandas as pd

    from pipelines import frame_model
    from pipelines.frame_model import (CoverageWarning, apply_frame_model, read_labelled, save_frame_model,
                                       train_frame_model)
    from tests.pipelines.test_frame_model import SEPARABLE

    labelled = tmp_path / "labelled.csv"
    pd.DataFrame(SEPARABLE).to_csv(labelled, index=False)
    model_path = save_frame_model(train_frame_model(read_labelled(labelled), folds=5), tmp_path / "frames.skops")[0]
    store = tmp_path / "s.duckdb"
    feeds = serve_feeds(site)
    assert collect_feeds(store, feeds, client=client()).model_scored == 0      # no model rows yet: none made
    apply_frame_model(store, model_path)
    rows_sql = "SELECT article_id, frame, score, uses_frame FROM article_frames WHERE method = 'model' ORDER BY 1, 2"
    before = query(store, rows_sql)
    assert len(before) == 4 * 3

    def add_item(title: str, etag: str) -> None:
        items = RSS_ITEMS + [(title, f"/news/{title.split()[0].lower()}.html", "Thu, 05 Mar 2026 09:00:00 GMT",
                              "Puppet forces shelled the town, the ministry said.")]
        site.add("/news/rss.xml", rss([(t, link.replace("BASE", site.url("")), d, s) for t, link, d, s in items]),
                 "application/rss+xml", etag=etag)

    add_item("Epsilon shelling", '"rss-v2"')
    second = collect_feeds(store, feeds, client=client())
    assert (second.articles_scored, second.model_scored, second.warnings) == (1, 1, [])
    assert "frame model applied to 1" in second.line()
    after = query(store, rows_sql)
    assert len(after) == 5 * 3 and set(before) < set(after)
    apply_frame_model(store, model_path)
    assert query(store, rows_sql) == after                                     # what a full apply writes
    model_path.unlink()
    add_item("Zeta shelling", '"rss-v3"')
    third = collect_feeds(store, feeds, client=client())
    assert (third.articles_scored, third.model_scored) == (1, 0)
    assert [w for w in third.warnings if "model rows cover 5 of 6 articles" in w and "is not found" in w]
    assert [type(w) for w in third.warnings] == [CoverageWarning]             # picked by its kind, not its words
    assert query(store, rows_sql) == after
    reworded = "Only 5 of 7 articles have rows of the frame model"               # a later wording of the warning
    monkeypatch.setattr(frame_model, "coverage_warning", lambda *args: CoverageWarning(reworded))
    add_item("Eta shelling", '"rss-v4"')
    assert collect_feeds(store, feeds, client=client()).warnings == [reworded]


# ---------------------------------------------------------------------------------------------
# extraction quality


@pytest.mark.parametrize("extracted, gold, expected", [
    ("the cat sat", "the cat sat on the mat", (1.0, 0.5, 2 / 3)),
    ("the the the", "The cat", (1 / 3, 1 / 2, 0.4)),  # bags: 'the' counts once in both
    ("", "", (1.0, 1.0, 1.0)),
    ("", "some gold", (0.0, 0.0, 0.0)),
])
def test_token_f1_by_hand(extracted, gold, expected):
    assert token_f1(extracted, gold) == pytest.approx(expected)


@pytest.mark.corpus
def test_benchmark_pages_collected_with_full_text_match_their_gold(site, tmp_path):
    folder = corpus_dir("html_extraction_benchmark")
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = sorted(truth)[:12]
    for n, key in enumerate(pages):
        site.add(f"/b/{n}.html", gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()))
    items = [(f"Page {n}", f"/b/{n}.html", "Mon, 02 Mar 2026 10:00:00 GMT", "summary") for n in range(len(pages))]
    site.add("/b/feed.xml", rss(items), "application/rss+xml")
    summary = collect_feeds(tmp_path / "s.duckdb", [Feed("Reuters", site.url("/b/feed.xml"), full_text=True)],
                            client=client())
    assert summary.pages_fetched == len(pages)
    stored = {r["url"] if "feed_link" not in (r["extra"] or "") else json.loads(r["extra"])["feed_link"]: r["text"]
              for r in articles(tmp_path / "s.duckdb")}
    scores = []
    for n, key in enumerate(pages):
        text = stored.get(site.url(f"/b/{n}.html"))
        if text is None:  # a page whose canonical URL was taken instead
            text = next(t for u, t in stored.items() if u.endswith(f"/b/{n}.html"))
        scores.append(token_f1(text, truth[key]["articleBody"])[2])
    assert statistics.median(scores) >= 0.9
    # The stored text is exactly what the page extraction gives for the page.
    raw = gzip.decompress((folder / "html" / f"{pages[0]}.html.gz").read_bytes()).decode("utf-8", "replace")
    assert read_html_string(raw)["body"] in stored.values()


def test_a_collect_records_and_says_the_hits_its_new_articles_left_out_as_parts_of_names(site, tmp_path):
    """Only the articles a collect scores count (the new one), as its mentions do."""
    store = tmp_path / "s.duckdb"
    feeds = serve_feeds(site)
    first = collect_feeds(store, feeds, client=client())
    assert first.articles_scored == 4 and "left out" not in first.line()
    items = RSS_ITEMS + [("Epsilon", "/news/epsilon.html", "Thu, 05 Mar 2026 09:00:00 GMT",
                          "Officials said Mark Savage met the envoy of the regime.")]
    site.add("/news/rss.xml", rss([(t, link.replace("BASE", site.url("")), d, s) for t, link, d, s in items]),
             "application/rss+xml", etag='"rss-v2"')
    second = collect_feeds(store, feeds, client=client())
    assert second.articles_scored == 1
    assert "; mentions 1; left out as parts of names 1 (savage 1); elapsed" in second.line()
    third = collect_feeds(store, feeds, client=client())     # nothing new: scores nothing, records NULL, not 0
    assert third.articles_scored == 0 and "left out" not in third.line()
    assert query(store, "SELECT n_name_hits, name_hit_terms FROM runs WHERE stage = 'collect' ORDER BY started_at") == [
        (0, "{}"), (1, '{"savage": 1}'), (None, None)]


def test_the_time_zone_warning_names_collects_own_assume_tz_and_its_advice_works(site, tmp_path):
    """The warning told a collect user to give --assume-tz, which collect did not have; now it has it,
    checked before any request, for the feeds' and the pages' dates."""
    items = [("Alpha offensive", "/n/alpha.html", "2026-03-01 10:00:00", "The regime launched an offensive."),
             ("Beta summit", "/n/beta.html", "2026-03-01T11:30:00", "Leaders met at a summit on trade.")]
    site.add("/naive.xml", rss(items), "application/rss+xml")
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(f"feeds:\n  - outlet: RT\n    url: {site.url('/naive.xml')}\n")
    store = tmp_path / "s.duckdb"

    def collect(*extra):
        result = CliRunner().invoke(main, ["collect", "--feeds", str(feeds_file), "--store", str(store),
                                           "--rate", "0", *extra])
        assert result.exit_code == 0, result.output
        return [line for line in result.stderr.splitlines() if "UTC offset" in line]

    warned = collect()
    assert warned == [
        f"Warning: RT feed {site.url('/naive.xml')}, the new items' dates: 2 date-time values had no UTC offset and "
        "were read in UTC (--assume-tz UTC); if the outlet wrote them in another time zone, give it with --assume-tz "
        "ZONE (an IANA name, e.g. --assume-tz Europe/Moscow) from the next collect on; the items stored now keep "
        "their times (a later collect skips items already stored)."]
    # The advice, followed: the next collect reads a new item's date in the zone given (UTC+3).
    site.add("/naive.xml", rss(items + [("Gamma talks", "/n/gamma.html", "2026-03-02 09:15:00", "Talks began.")]),
             "application/rss+xml")
    assert collect("--assume-tz", "Europe/Moscow") == [
        f"Warning: RT feed {site.url('/naive.xml')}, the new items' dates: 1 date-time value had no UTC offset and "
        "was read in Europe/Moscow (--assume-tz Europe/Moscow); if the outlet wrote them in another time zone, give "
        "it with --assume-tz ZONE (an IANA name, e.g. --assume-tz Europe/Moscow) from the next collect on; the items "
        "stored now keep their times (a later collect skips items already stored)."]
    assert query(store, "SELECT title, strftime(published_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M'), date_note "
                        "FROM articles ORDER BY title") == [
        ("Alpha offensive", "2026-03-01 10:00", "the feed's date '2026-03-01 10:00:00' has no UTC offset; read as UTC"),
        ("Beta summit", "2026-03-01 11:30", "the feed's date '2026-03-01T11:30:00' has no UTC offset; read as UTC"),
        ("Gamma talks", "2026-03-02 06:15",
         "the feed's date '2026-03-02 09:15:00' has no UTC offset; read in Europe/Moscow")]
    assert json.loads(query(store, "SELECT settings FROM runs ORDER BY started_at DESC LIMIT 1")[0][0])[
        "collect"]["assume_tz"] == "Europe/Moscow"


def test_collect_reads_a_pages_date_without_offset_in_assume_tz_and_an_offset_needs_no_warning(site, tmp_path):
    site.add("/feed.xml", rss([("Delta drills", "/n/delta.html", "", "War games began."),
                               ("Echo port", "/n/echo.html", "Mon, 02 Mar 2026 10:00:00 +0000", "The port reopened.")]),
             "application/rss+xml")
    site.add("/n/delta.html", page("Delta drills", ["War games began near the border on Monday."] * 3).replace(
        "</head>", '<meta property="article:published_time" content="2026-03-01T08:00:00"></head>'))
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(f"feeds:\n  - outlet: RT\n    url: {site.url('/feed.xml')}\n    full_text: true\n")
    store = tmp_path / "s.duckdb"
    site.add("/n/echo.html", page("Echo port", ["The port reopened on Monday after the storm."] * 3))
    result = CliRunner().invoke(main, ["collect", "--feeds", str(feeds_file), "--store", str(store), "--rate", "0",
                                       "--assume-tz", "Asia/Tokyo"])
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if "UTC offset" in line] == [
        f"Warning: RT feed {site.url('/feed.xml')}, the new items' dates: 1 date-time value had no UTC offset and was "
        "read in Asia/Tokyo (--assume-tz Asia/Tokyo); if the outlet wrote them in another time zone, give it with "
        "--assume-tz ZONE (an IANA name, e.g. --assume-tz Europe/Moscow) from the next collect on; the items stored "
        "now keep their times (a later collect skips items already stored)."]
    assert query(store, "SELECT title, strftime(published_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') FROM articles "
                        "ORDER BY title") == [("Delta drills", "2026-02-28 23:00"), ("Echo port", "2026-03-02 10:00")]


def test_a_bad_assume_tz_stops_collect_before_any_request_and_the_flag_is_in_its_help(site, tmp_path):
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(f"feeds:\n  - outlet: RT\n    url: {site.url('/news/rss.xml')}\n")
    result = CliRunner().invoke(main, ["collect", "--feeds", str(feeds_file), "--store", str(tmp_path / "s.duckdb"),
                                       "--assume-tz", "Moscow"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --assume-tz: unknown time zone; ")
    assert "did you mean 'Europe/Moscow'? Write e.g. --assume-tz Europe/Moscow" in result.stderr
    assert site.requests == [] and not (tmp_path / "s.duckdb").exists()
    with pytest.raises(ConfigError, match="unknown time zone"):
        CollectOptions(assume_tz="Mars/Olympus")
    assert "--assume-tz TEXT Time zone of feed and page dates without an offset" in " ".join(
        CliRunner().invoke(main, ["collect", "--help"]).stdout.split())


def test_collect_reads_an_rfc_822_date_without_a_zone_in_assume_tz_in_feeds_and_pages(site, tmp_path):
    """'Fri, 01 Mar 2024 10:00:00' was stored at 10:00 UTC whatever --assume-tz said: a feed item with no
    note and left out of the warning's count, a page with a note claiming it was read in the zone."""
    site.add("/feed.xml", rss([("Alpha offensive", "/n/alpha.html", "Fri, 01 Mar 2024 10:00:00", "The offensive."),
                               ("Delta drills", "/n/delta.html", "", "War games began.")]), "application/rss+xml")
    site.add("/n/alpha.html", page("Alpha offensive", ["The offensive began on Friday, officials said."] * 3))
    site.add("/n/delta.html", page("Delta drills", ["War games began near the border on Monday."] * 3).replace(
        "</head>", '<meta name="date" content="Sat, 02 Mar 2024 10:00:00"></head>'))
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(f"feeds:\n  - outlet: RT\n    url: {site.url('/feed.xml')}\n    full_text: true\n")
    store = tmp_path / "s.duckdb"
    result = CliRunner().invoke(main, ["collect", "--feeds", str(feeds_file), "--store", str(store), "--rate", "0",
                                       "--assume-tz", "Asia/Tokyo"])
    assert result.exit_code == 0, result.output
    assert query(store, "SELECT title, strftime(published_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M'), date_note "
                        "FROM articles ORDER BY title") == [
        ("Alpha offensive", "2024-03-01 01:00",
         "the feed's date 'Fri, 01 Mar 2024 10:00:00' has no UTC offset; read in Asia/Tokyo"),
        ("Delta drills", "2024-03-02 01:00", "meta date 'Sat, 02 Mar 2024 10:00:00' has no UTC offset; read in Asia/Tokyo")]
    assert f"RT feed {site.url('/feed.xml')}, the new items' dates: 2 date-time values had no UTC offset and were " \
           "read in Asia/Tokyo" in result.stderr
