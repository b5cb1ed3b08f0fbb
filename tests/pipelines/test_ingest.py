import json
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from pipelines.errors import ConfigError
from pipelines.ingest import IngestOptions, detect_mapping, ingest_files, normalise_url, parse_mapping
from pipelines.lexicon import LexiconMatcher, load_lexicon
from pipelines.score import score_text
from tests.conftest import case_dir


def ingest(paths, **opts):
    return ingest_files([Path(p) for p in paths], IngestOptions(**opts), "test-run")


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


@pytest.mark.parametrize("name", ["input_bom.csv", "input_plain.csv", "input_bom.jsonl"])
def test_c01_byte_order_mark_never_leaks_into_field_names(name):
    case = case_dir("C01")
    result = ingest([case / name])
    assert result.n_input == 1 and result.n_ingested == 1 and result.n_rejected == 0
    art = result.articles.iloc[0]
    assert art["outlet"] == "Daily Example"
    assert art["title"] == "Drills near the strait"
    assert art["published_at"] == datetime(2026, 3, 2, tzinfo=timezone.utc)
    lex, _ = load_lexicon()
    mentions, _, _ = score_text(art["text"], LexiconMatcher(lex).fit())
    assert [(m["term"], m["voice"]) for m in mentions] == [("war games", "outlet")]


def test_c01_header_cleaning_with_quotes_and_bom(tmp_path):
    p = write(tmp_path, "x.csv", '\ufeff"outlet","published","title","body"\r\n"A","2026-03-02","t","b"\r\n')
    result = ingest([p])
    assert result.n_ingested == 1 and result.articles.iloc[0]["outlet"] == "A"


def test_c02_declared_day_first_order_per_outlet():
    case = case_dir("C02")
    config = json.loads((case / "source_config.json").read_text())
    result = ingest([case / "dates_dayfirst.csv", case / "dates_ambiguous.csv"], source_config=config)
    a = result.articles[result.articles["outlet"] == "Outlet A"].sort_values("source_row")
    days = [d.isoformat() if pd.notna(d) else None for d in a["published_at"].dt.date]
    assert days == ["2026-01-29", "2026-02-01", "2026-03-02", "2026-03-13", None]
    assert "invalid date '31/04/2026'" in a.iloc[4]["date_note"]
    months = a["published_at"].dropna().dt.month.value_counts().sort_index().to_dict()
    assert months == {1: 1, 2: 1, 3: 2}
    b = result.articles[result.articles["outlet"] == "Outlet B"].sort_values("source_row")
    # No declared order, every value ambiguous: one documented default for both rows, and a warning.
    assert [d.isoformat() for d in b["published_at"].dt.date] == ["2026-03-04", "2026-04-03"]
    assert any("Outlet B" in w and "ambiguous" in w.lower() for w in result.warnings)
    assert result.n_undated == 1  # the invalid date is counted, the article kept


def test_c02_iso_values_mixed_into_a_day_first_column(tmp_path):
    p = write(tmp_path, "d.csv", "outlet,published,body\nA,13/03/2026,x y\nA,2026-03-05,y z\nA,02/03/2026,z w\n")
    result = ingest([p], date_order="DMY")
    assert sorted(result.articles["published_at"].dt.date.astype(str)) == ["2026-03-02", "2026-03-05", "2026-03-13"]


def test_c11_tracking_parameters_fold_a_repeated_url():
    result = ingest([case_dir("C11") / "articles.csv"])
    assert result.n_input == 5 and result.n_duplicates == 1 and result.n_ingested == 4
    counts = result.articles["outlet"].value_counts().to_dict()
    assert counts == {"Outlet A": 1, "Outlet B": 1, "Outlet C": 1, "Outlet D": 1}
    assert result.articles.set_index("source_id").loc["w1", "n_copies"] == 2


def test_c12_identical_rows_with_distinct_ids_are_distinct_articles():
    result = ingest([case_dir("C12") / "articles.csv"])
    assert result.n_ingested == 18 and result.n_duplicates == 0


@pytest.mark.parametrize("url, expected", [
    ("https://www.Example.org/a/b/?utm_source=rss&id=3#top", "example.org/a/b?id=3"),
    ("http://example.org/a/b", "example.org/a/b"),
    ("https://a.example/story/drills?utm_source=rss&utm_medium=feed", "a.example/story/drills"),
    (None, None),
])
def test_normalise_url(url, expected):
    assert normalise_url(url) == expected


def test_rejects_keep_file_row_and_reason_and_counts_reconcile(tmp_path):
    csv = write(tmp_path, "a.csv", "outlet,date,title,body\nA,2026-01-01,T,body text\nA,2026-01-01,,\n"
                                   ",2026-01-01,T2,text\nA,2026-01-02,T3\nA,2026-01-01,T,body text\n")
    jsonl = write(tmp_path, "b.jsonl", '{"outlet": "B", "text": "hello world"}\n{not json}\n[1, 2]\n')
    result = ingest([csv, jsonl, tmp_path / "missing.csv"])
    rows = [None if pd.isna(r) else int(r) for r in result.rejects["source_row"]]
    reasons = sorted(zip(result.rejects["source_file"].map(lambda s: Path(s).name), rows, result.rejects["reason"]),
                     key=lambda t: (t[0], t[1] or 0))
    assert reasons == [("a.csv", 2, "no_text"), ("a.csv", 3, "no_outlet"), ("a.csv", 4, "bad_row"),
                       ("b.jsonl", 2, "bad_json"), ("b.jsonl", 3, "not_an_object"),
                       ("missing.csv", None, "unreadable_file")]
    assert result.n_input == result.n_ingested + result.n_duplicates + result.n_rejected
    assert (result.n_ingested, result.n_duplicates, result.n_rejected) == (2, 1, 6)
    assert result.rejects["detail"].str.len().min() > 10


def test_a_lone_surrogate_escape_rejects_its_record_and_the_run_goes_on(tmp_path):
    """json.loads reads "\\ud800" as a lone surrogate, which cannot be hashed or stored: one bad
    record, not a crash of the whole ingest (it raised UnicodeEncodeError before)."""
    jsonl = write(tmp_path, "s.jsonl", '{"outlet": "X", "text": "bad \\ud800 text"}\n'
                                       '{"outlet": "X", "text": "Korean \\ud55c is text, a pair \\ud83d\\ude00 too"}\n'
                                       '{"outlet": "X", "title": "\\uDFFF", "text": "bad title"}\n')
    array = write(tmp_path, "s.json", '[{"outlet": "Y", "text": "fine"}, {"outlet": "Y", "text": "\\udc00"}]')
    result = ingest([jsonl, array])
    assert result.articles["text"].tolist() == ["Korean \ud55c is text, a pair \U0001f600 too", "fine"]
    assert [(Path(f).name, int(r), reason) for f, r, reason in
            result.rejects[["source_file", "source_row", "reason"]].itertuples(index=False)] == [
        ("s.jsonl", 1, "bad_json"), ("s.jsonl", 3, "bad_json"), ("s.json", 2, "bad_json")]
    assert result.rejects["detail"].iloc[0] == "line 1: a lone UTF-16 surrogate escape (\\ud800-\\udfff), not text"
    assert "\\ud800" in result.rejects["record"].iloc[0]  # the line as read, escapes kept
    assert "\\udc00" in result.rejects["record"].iloc[2]


def test_mapping_detection_and_override(tmp_path):
    cols = ["outlet_domain", "date", "event", "title", "desc", "url"]
    assert detect_mapping(cols, {}, "event") == {"outlet": "outlet_domain", "published": "date", "title": "title",
                                                  "lead": "desc", "url": "url", "topic": "event"}
    assert detect_mapping(["source", "story_text", "headline"], {"body": "headline"}, None)["body"] == "headline"
    assert parse_mapping(["body=story_text", "outlet = site"]) == {"body": "story_text", "outlet": "site"}
    with pytest.raises(ConfigError, match="unknown field in --map: 'bdy'"):
        parse_mapping(["bdy=story_text"])
    with pytest.raises(ConfigError, match="FIELD=COLUMN"):
        parse_mapping(["story_text"])


def test_title_and_lead_are_the_text_when_there_is_no_body(tmp_path):
    p = write(tmp_path, "h.csv", "outlet,date,title,desc\nrt.com,2022-03-01,Headline here,<p>Lead &amp; more</p>\n"
                                 "reuters.com,2022-03-01,Only a headline,\n")
    arts = ingest([p]).articles.sort_values("source_row")
    assert arts["text"].tolist() == ["Headline here\nLead & more", "Only a headline"]
    assert arts["text_origin"].tolist() == ["title+lead", "title+lead"]
    assert arts["outlet"].tolist() == ["RT", "Reuters"]  # canonicalised through the registry


def test_delimiters_and_parquet(tmp_path):
    semi = write(tmp_path, "s.csv", "outlet;date;body\nA;2026-01-01;one two\n")
    tsv = write(tmp_path, "t.tsv", "outlet\tdate\tbody\nB\t2026-01-01\tthree four\n")
    pq = tmp_path / "p.parquet"
    pd.DataFrame({"outlet": ["C"], "published": ["2026-01-01T10:00:00+02:00"], "text": ["five six"]}).to_parquet(pq)
    arts = ingest([semi, tsv, pq]).articles.set_index("outlet")
    assert arts.loc["A", "text"] == "one two" and arts.loc["B", "text"] == "three four"
    assert arts.loc["C", "published_at"] == datetime(2026, 1, 1, 8, tzinfo=timezone.utc)


def test_c04_boilerplate_inside_the_article_is_removed():
    case = case_dir("C04")
    result = ingest([case / "article.html", case / "article_inline_related.html"], default_outlet="Example Times")
    assert result.n_ingested == 2
    lex, _ = load_lexicon([case / "lexicon.csv"])
    matcher = LexiconMatcher(lex).fit()
    for text in result.articles["text"]:
        assert text.count("\n") == 1  # exactly the two paragraphs
        for banned in ("Related stories", "Most read", "Read more", "mirror", "alternate addresses", "©"):
            assert banned not in text
        assert matcher.find(text) == []


def test_folder_of_text_files_with_front_matter(tmp_path):
    d = tmp_path / "pages"
    d.mkdir()
    (d / "one.txt").write_text("---\noutlet: Press TV\npublished: 2024-05-01T10:00:00+03:30\ntitle: T\n---\n\n"
                               "The regime said so.\n", encoding="utf-8")
    (d / "README.md").write_text("docs are skipped, not rejected")
    result = ingest([d])
    assert result.n_input == 1 and result.n_ingested == 1
    art = result.articles.iloc[0]
    assert art["outlet"] == "Press TV" and art["text"] == "The regime said so."
    assert art["published_at"] == datetime(2024, 5, 1, 6, 30, tzinfo=timezone.utc)


def test_a_mapped_column_that_does_not_exist_stops_the_run(tmp_path):
    p = write(tmp_path, "k.csv", "outlet,date,story_text\nKCNA,2024-01-01,text here\n")
    with pytest.raises(ConfigError, match=r"--map body=story_txt names a column the input does not have.*"
                                          r"found 'story_txt'"):
        ingest([p], mapping={"body": "story_txt"})
    with pytest.raises(ConfigError, match="--topic-column topic names a column"):
        ingest([p], topic_column="topic")


def test_a_json_record_without_the_topic_key_is_an_article_without_column_topics_as_an_empty_csv_cell_is(
        tmp_path):
    jsonl = write(tmp_path, "a.jsonl", '{"outlet": "A", "text": "one", "section": "War"}\n'
                                       '{"outlet": "A", "text": "two"}\n'
                                       '{"outlet": "A", "text": "three", "section": ""}\n')
    items = write(tmp_path, "b.json", '[{"outlet": "B", "text": "four"}, {"outlet": "B", "text": "five", '
                                      '"Section": "Trade"}]')
    csv = write(tmp_path, "c.csv", "outlet,text,Section\nC,six,War\nC,seven,\n")
    result = ingest([jsonl, items, csv], topic_column="section")
    assert result.n_ingested == 7 and result.n_rejected == 0 and result.warnings == []
    topics = dict(zip(result.articles["text"], result.articles["topics_raw"]))
    assert topics == {"one": "War", "two": None, "three": None, "four": None, "five": "Trade", "six": "War",
                      "seven": None}


def test_a_json_record_without_the_key_map_names_has_no_value_there_not_another_keys(tmp_path):
    p = write(tmp_path, "a.jsonl", '{"outlet": "A", "title": "T1", "story": "the story"}\n'
                                   '{"outlet": "A", "title": "T2", "text": "not the story"}\n')
    result = ingest([p], mapping={"body": "story"})
    assert result.n_ingested == 2
    arts = result.articles.sort_values("source_row")
    assert arts["text"].tolist() == ["the story", "T2"]
    assert arts["text_origin"].tolist() == ["body", "title+lead"]


@pytest.mark.parametrize("option, found", [({"topic_column": "topics"}, "--topic-column topics"),
                                           ({"mapping": {"body": "story"}}, "--map body=story")])
def test_a_key_no_json_record_of_a_file_gives_stops_the_run_naming_the_file(tmp_path, option, found):
    good = write(tmp_path, "good.jsonl", '{"outlet": "A", "text": "one", "topics": "War", "story": "s"}\n')
    assert ingest([good], **option).n_ingested == 1
    key = found.rsplit("=", 1)[-1].split()[-1]
    # The key's text nowhere in the file: it stops at the file's first record (keys_nowhere).
    bad = write(tmp_path, "bad.jsonl", '{"outlet": "A", "text": "two"}\n{"outlet": "A", "title": "t", "text": "3"}\n')
    with pytest.raises(ConfigError) as err:
        ingest([good, bad], **option)
    assert str(err.value) == (
        f"{bad}: {found} names a key no record of the file gives; expected a key at least one of its records gives "
        f"(a record without it has no value there), such as its first record's outlet, text; found '{key}' nowhere "
        "in the file. Fix: check the spelling (keys are matched ignoring case), or run files with different keys "
        "separately")
    # Only as a value, not a key: the scan cannot tell, the check once the file is read does.
    valued = write(tmp_path, "valued.jsonl", '{"outlet": "A", "text": "two"}\n'
                                             f'{{"outlet": "A", "title": "{key}", "text": "3"}}\n')
    with pytest.raises(ConfigError) as err:
        ingest([good, valued], **option)
    assert str(err.value) == (
        f"{valued}: {found} names a key no record of the file gives; expected a key at least one of its 2 records "
        f"gives (a record without it has no value there), one of outlet, text, title; found '{key}' in none of "
        "them. Fix: check the spelling (keys are matched ignoring case), or run files with different keys "
        "separately")
    # The last file of the input too, and a JSON list.
    items = write(tmp_path, "items.json", f'[{{"outlet": "A", "text": "x", "title": "{key}"}}]')
    with pytest.raises(ConfigError, match=f"^{items}: {found} names a key no record of the file gives; expected a "
                                          "key at least one of its 1 record gives"):
        ingest([good, items], **option)


def test_a_key_nowhere_in_a_json_file_stops_at_its_first_record_before_the_rest_is_read(tmp_path):
    """A misspelt --topic-column on JSON lines was found only once the whole file had been read (and,
    under run, scored): minutes for a million lines."""
    from pipelines.ingest import ingest_records, iter_records
    from pipelines.outlets import read_registry

    p = write(tmp_path, "a.jsonl", "".join(f'{{"outlet": "A", "text": "article {i}", "section": "War"}}\n'
                                           for i in range(50)))
    pulled = []

    def records():
        for rec in iter_records([p], []):
            pulled.append(rec)
            yield rec

    with pytest.raises(ConfigError, match="found 'sectoin' nowhere in the file"):
        ingest_records(records(), IngestOptions(topic_column="sectoin"), read_registry(), "run-1")
    assert len(pulled) == 1
    result = ingest_records(records(), IngestOptions(topic_column="SECTION"), read_registry(), "run-2")
    assert result.n_ingested == 50 and set(result.articles["topics_raw"]) == {"War"}


@pytest.mark.parametrize("text, col, nowhere", [
    ('{"outlet": "A", "Topic": "x"}', "topic", False),               # keys are matched ignoring case
    ('{"outlet": "A", "\\u0054opic": "x"}', "topic", False),          # an escape
    ('{"outlet": "A", " topic ": "x"}', "topic", False),             # blanks the reader strips
    ('{"outlet": "A", "\\ufeff\u00a0topic": "x"}', "topic", False),  # a byte-order mark, a no-break space
    ('{"outlet": "A", "\u212aey": "x"}', "key", False),              # the Kelvin sign: 'key' ignoring case
    ('{"outlet": "A", "\\u0422\\u0435\\u043C\\u0430": "x"}', "тема", False),   # Cyrillic as escapes
    ('{"outlet": "A", "Тема": "x"}', "тема", False),
    ('{"outlet": "A", "a\\/b": "x"}', "a/b", False),
    ('{"outlet": "A", "tags": "x"}', "tag", True),                    # a longer key is not the key
    ('{"outlet": "A", "text": "a topic here"}', "topic", True),       # nor a word of a value
])
def test_the_byte_scan_finds_a_key_however_a_json_file_writes_it(tmp_path, text, col, nowhere):
    from pipelines.ingest import keys_nowhere

    assert keys_nowhere(write(tmp_path, "k.jsonl", text + "\n"), [col]) == ([col] if nowhere else [])
    assert keys_nowhere(write(tmp_path, "k16.jsonl", (text + "\n").encode("utf-16")), [col]) == []   # not scanned


def test_the_byte_scan_finds_a_key_a_chunks_end_cuts(tmp_path, monkeypatch):
    from pipelines import ingest as ingest_mod

    monkeypatch.setattr(ingest_mod, "_SCAN_CHUNK", 16)
    monkeypatch.setattr(ingest_mod, "_SCAN_OVERLAP", 40)
    lines = "".join(f'{{"outlet": "A", "text": "{i}"}}\n' for i in range(20)) + '{"outlet": "A", "section": "x"}\n'
    p = write(tmp_path, "cut.jsonl", lines)
    for shift in range(16):   # the key at every offset against the chunks
        p.write_text(" " * shift + lines)
        assert ingest_mod.keys_nowhere(p, ["section", "sectoin"]) == ["sectoin"]


def test_the_topic_column_is_matched_ignoring_case_as_it_is_checked(tmp_path):
    p = write(tmp_path, "k.csv", "outlet,text,Topic\nA,one,War\n")
    assert ingest([p], topic_column="topic").articles["topics_raw"].tolist() == ["War"]


NAIVE_FEED = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Harbour Herald</title>
<item><title>Talks</title><link>https://hh.example/a</link><description>The talks went on.</description>
<pubDate>2026-03-01 10:00:00</pubDate></item>
<item><title>Drills</title><link>https://hh.example/b</link><description>The drills went on.</description>
<pubDate>Sun, 01 Mar 2026 10:00:00 +0000</pubDate></item>
</channel></rss>"""


def _naive_page(published: str) -> str:
    return ('<html><head><title>Port</title><meta property="og:site_name" content="Harbour Herald">'
            f'<meta property="article:published_time" content="{published}"></head><body><article><p>The boats '
            'stayed in the port all day, the harbour master said.</p></article></body></html>')


@pytest.mark.parametrize("zone, hour", [(None, 10), ("UTC", 10), ("Europe/Moscow", 7), ("Asia/Tokyo", 1)])
def test_feed_and_page_dates_without_an_offset_are_read_in_assume_tz_with_a_warning_naming_it(tmp_path, zone, hour):
    feed = write(tmp_path, "feed.xml", NAIVE_FEED)
    page = write(tmp_path, "page.html", _naive_page("2026-03-01T10:00:00"))
    folder = tmp_path / "site"
    folder.mkdir()
    write(folder, "a.html", _naive_page("2026-03-02T10:00:00"))
    write(folder, "b.html", _naive_page("2026-03-03T10:00:00+00:00").replace("boats", "ships"))
    write(folder, "c.html", _naive_page("2026-03-04T10:00:00").replace("boats", "gulls"))
    write(folder, "c.json", '{"published": "2026-03-04T10:00:00"}')   # the sidecar's date: read by the ingest
    result = ingest([feed, page, folder], **({"assume_tz": zone} if zone else {}))
    assert result.n_ingested == 6 and result.n_rejected == 0
    got = dict(zip(result.articles["title"] + " " + result.articles["source_file"].map(lambda f: Path(f).name),
                   result.articles["published_at"]))
    assert got == {"Talks feed.xml": datetime(2026, 3, 1, hour, tzinfo=timezone.utc),
                   "Drills feed.xml": datetime(2026, 3, 1, 10, tzinfo=timezone.utc),
                   "Port page.html": datetime(2026, 3, 1, hour, tzinfo=timezone.utc),
                   "Port a.html": datetime(2026, 3, 2, hour, tzinfo=timezone.utc),
                   "Port b.html": datetime(2026, 3, 3, 10, tzinfo=timezone.utc),
                   "Port c.html": datetime(2026, 3, 4, hour, tzinfo=timezone.utc)}
    zone = zone or "UTC"
    advice = (f"had no UTC offset and was read in {zone} (--assume-tz {zone}); if the outlet wrote them in another "
              "time zone, give it with --assume-tz ZONE (an IANA name, e.g. --assume-tz Europe/Moscow) and run again with --fresh "
              "(a new store of only the inputs given): without it the articles already stored keep their times, as a rerun "
              "folds them into the stored copies.")
    assert [w for w in result.warnings if "--assume-tz" in w] == [   # a sidecar's date is counted with its page's
        f"{feed}, the items' dates: 1 date-time value {advice}",
        f"{page} and 2 more pages, the pages' publication dates: 3 date-time values {advice}".replace(
            "was read", "were read")]
    read = "read as UTC" if zone == "UTC" else f"read in {zone}"
    notes = dict(zip(result.articles["title"] + " " + result.articles["source_file"].map(lambda f: Path(f).name),
                     result.articles["date_note"]))
    assert notes["Talks feed.xml"] == f"the feed's date '2026-03-01 10:00:00' has no UTC offset; {read}"
    assert notes["Port c.html"] == f"sidecar's date '2026-03-04T10:00:00' has no UTC offset; {read}"



RFC_NAIVE = "Fri, 01 Mar 2024 10:00:00"   # RFC 822 without a zone: email.utils reads its offset as 0


@pytest.mark.parametrize("name, content", [
    ("a.csv", f'outlet,title,text,published\nTASS,Talks,The talks went on.,"{RFC_NAIVE}"\n'),
    ("a.jsonl", json.dumps({"outlet": "TASS", "title": "Talks", "text": "The talks went on.", "published": RFC_NAIVE})),
    ("a.xml", NAIVE_FEED.replace("2026-03-01 10:00:00", RFC_NAIVE).replace("Harbour Herald", "TASS")),
    ("a.html", _naive_page(RFC_NAIVE).replace("Harbour Herald", "TASS").replace("<title>Port", "<title>Talks")),
    ("a.txt", f"---\noutlet: TASS\ntitle: Talks\npublished: {RFC_NAIVE}\n---\nThe talks went on.\n"),
])
@pytest.mark.parametrize("zone, hour", [("UTC", 10), ("Asia/Tokyo", 1)])
def test_an_rfc_822_date_without_a_zone_is_stored_in_assume_tz_from_every_input(tmp_path, name, content, zone, hour):
    """It was stored at 10:00 UTC whatever --assume-tz said; a page's note even claimed it was read in the zone."""
    result = ingest([write(tmp_path, name, content)], assume_tz=zone)
    row = result.articles.set_index("title").loc["Talks"]
    assert row["published_at"] == datetime(2024, 3, 1, hour, tzinfo=timezone.utc)
    read = "read as UTC" if zone == "UTC" else f"read in {zone}"
    if name.endswith((".csv", ".jsonl")):   # a column: no note on each article, the column's warning
        assert row["date_note"] is None
    else:
        assert row["date_note"].endswith(f"'{RFC_NAIVE}' has no UTC offset; {read}")
    assert [w for w in result.warnings if "no UTC offset" in w] == [
        [w for w in result.warnings if "no UTC offset" in w][0]]   # exactly one
    assert f"1 date-time value had no UTC offset and was read in {zone} (--assume-tz {zone})" in " ".join(
        result.warnings)


def test_pages_dates_without_an_offset_are_one_warning_for_all_pages_each_noted(tmp_path):
    """Each .txt page with such a date had its own warning, worded as a CSV column ('column published'),
    and no date note; an undated page's note named a column too."""
    for name in ("p6.txt", "p7.txt"):
        write(tmp_path, name, f"---\noutlet: TASS\ntitle: {name}\npublished: 2024-03-01 10:00\n---\nThe talks {name}.\n")
    write(tmp_path, "p8.html", '<html><head><title>Undated</title><meta property="og:site_name" content="TASS">'
                               "</head><body><article><p>The boats stayed in the port all day.</p></article></body></html>")
    result = ingest([tmp_path], assume_tz="Europe/Moscow")
    notes = dict(zip(result.articles["title"], result.articles["date_note"]))
    times = dict(zip(result.articles["title"], result.articles["published_at"]))
    assert times["p6.txt"] == times["p7.txt"] == datetime(2024, 3, 1, 7, tzinfo=timezone.utc)
    assert notes["p6.txt"] == "front matter's date '2024-03-01 10:00' has no UTC offset; read in Europe/Moscow"
    assert notes["Undated"] == "no publication date found"
    warned = [w for w in result.warnings if "UTC offset" in w]
    assert len(warned) == 1 and "column" not in warned[0]
    assert warned[0].startswith(f"{tmp_path / 'p6.txt'} and 1 more page, the pages' publication dates: 2 date-time "
                                "values had no UTC offset and were read in Europe/Moscow")


GIVE_ONCE = "and framewatch cannot tell which of them is the {0}; give the key once in {1}"


@pytest.mark.parametrize("files, detail, record", [
    ({"a.txt": "---\noutlet: Harbour Herald\ntitle: First\ntitle: Second\n---\nThe talks went on.\n"},
     "the front matter: the key 'title' is given twice with different values; the title is read from it, "
     + GIVE_ONCE.format("title", "the front matter"),
     {"title": "First", "title_2": "Second"}),
    ({"a.txt": "---\noutlet: Harbour Herald\nDate: 2026-03-01\ndate: 2026-03-02\n---\nThe talks went on.\n"},
     "the front matter: the key 'Date' is given twice with different values, written 'Date' and 'date' (keys are "
     "matched ignoring case); "
     "the publication date is read from it, " + GIVE_ONCE.format("publication date", "the front matter"),
     {"published": "2026-03-01", "published_2": "2026-03-02"}),
    ({"a.txt": "The talks went on.\n", "a.json": '{"outlet": "Harbour Herald", "outlet": "Northern Courier"}'},
     "the sidecar a.json: the key 'outlet' is given twice with different values; the outlet is read from it, "
     + GIVE_ONCE.format("outlet", "the sidecar"),
     {"outlet": "Harbour Herald", "outlet_2": "Northern Courier"}),
    ({"a.html": "<html><body><p>The talks went on and on.</p></body></html>",
      "a.yaml": "outlet: Harbour Herald\nurl: https://hh.example/a\nurl: https://hh.example/b\n"},
     "the sidecar a.yaml: the key 'url' is given twice with different values; the URL is read from it, "
     + GIVE_ONCE.format("URL", "the sidecar"),
     {"url": "https://hh.example/a", "url_2": "https://hh.example/b"}),
    ({"a.txt": "The talks went on.\n", "fetch.json": '{"outlet": "Harbour Herald", "outlet": "Northern Courier"}'},
     "{folder}/fetch.json: the key 'outlet' is given twice with different values; the outlet is read from it, "
     + GIVE_ONCE.format("outlet", "that fetch.json"),
     {"outlet": "Harbour Herald", "outlet_2": "Northern Courier"}),
    ({"a.html": '<html><head><meta property="og:site_name" content="Harbour Herald"><script type="application/ld+json">'
                '{"@type": "NewsArticle", "datePublished": "2026-03-01", "datePublished": "2026-03-02"}</script>'
                '</head><body><p>The talks went on and on.</p></body></html>'},
     'JSON-LD: the key \'datePublished\' is given twice in one object with different values ("2026-03-01", '
     '"2026-03-02"); the publication date is read from it, ' + GIVE_ONCE.format("publication date", "the page's JSON-LD"),
     # it kept nothing ('{}'): the body, outlet and both dates are kept as for the other places (round 15, item 4)
     {"published": "2026-03-01", "published_2": "2026-03-02", "outlet": "Harbour Herald",
      "body": "The talks went on and on."}),
    # Front matter and fetch.json both repeat keys: each key is reported with its own place (the title was
    # said to be 'in that fetch.json', the outlet 'in the front matter; .../fetch.json').
    ({"a.txt": "---\ntitle: First\ntitle: Second\n---\nThe talks went on.\n",
      "fetch.json": '{"outlet": "Harbour Herald", "outlet": "Northern Courier"}'},
     "the front matter: the key 'title' is given twice with different values; the title is read from it, "
     + GIVE_ONCE.format("title", "the front matter"),
     {"title": "First", "title_2": "Second", "outlet": "Harbour Herald", "outlet_2": "Northern Courier"}),
    ({"a.txt": "---\ntag: x\ntag: y\n---\nThe talks went on.\n",
      "fetch.json": '{"outlet": "Harbour Herald", "outlet": "Northern Courier"}'},
     "{folder}/fetch.json: the key 'outlet' is given twice with different values; the outlet is read from it, "
     + GIVE_ONCE.format("outlet", "that fetch.json"),
     {"tag": "x", "tag_2": "y", "outlet": "Harbour Herald", "outlet_2": "Northern Courier"}),
], ids=["front-matter", "front-matter-case", "json-sidecar", "yaml-sidecar", "fetch-json", "json-ld",
        "front-matter-and-fetch-json", "fetch-json-after-front-matter"])
def test_a_page_metadata_key_a_field_reads_given_twice_rejects_the_page_and_the_run_goes_on(tmp_path, files, detail,
                                                                                              record):
    """PyYAML and json keep the last value of a key given twice, silently: the title was 'Second'."""
    folder = tmp_path / "site"
    folder.mkdir()
    for name, text in files.items():
        write(folder, name, text)
    write(folder, "b.txt", "---\noutlet: Harbour Herald\n---\nThe drills went on.\n")
    result = ingest([folder])
    assert result.n_ingested == 1 and result.articles["text"].tolist() == ["The drills went on."]
    assert result.rejects[["reason", "detail"]].values.tolist() == [["repeated_key", detail.format(folder=folder)]]
    kept = json.loads(result.rejects["record"].iloc[0])
    assert {k: kept.get(k) for k in record} == record


def test_page_metadata_keys_given_twice_that_no_field_reads_are_kept_with_a_warning(tmp_path):
    folder = tmp_path / "site"
    (folder / "sub").mkdir(parents=True)
    write(folder, "a.txt", "---\noutlet: Harbour Herald\ntag: x\ntag: y\n---\nThe talks went on.\n")
    write(folder, "fetch.json", '{"outlet": "Harbour Herald", "outlet": "Northern Courier"}')
    # Its own outlet wins over fetch.json's, which it does not read; a nearer fetch.json gives the key once.
    write(folder, "b.txt", "---\noutlet: Harbour Herald\n---\nThe drills went on.\n")
    write(folder / "sub", "fetch.json", '{"outlet": "Northern Courier"}')
    write(folder / "sub", "c.txt", "The boats stayed.\n")
    # A JSON-LD date given twice that is not read: the sidecar gives the date.
    write(folder, "d.html", '<html><head><script type="application/ld+json">{"datePublished": "2026-03-01", '
                            '"datePublished": "2026-03-02"}</script></head><body><p>The gulls flew.</p></body></html>')
    write(folder, "d.json", '{"outlet": "Harbour Herald", "published": "2026-03-05"}')
    result = ingest([folder])
    assert result.n_rejected == 0 and result.n_ingested == 4
    arts = result.articles.set_index("text")
    assert arts.loc["The talks went on.", "extra"] == '{"tag": "x", "tag_2": "y"}'
    assert arts.loc["The boats stayed.", "outlet"] == "Northern Courier"
    assert arts.loc["The gulls flew.", "published_at"] == datetime(2026, 3, 5, tzinfo=timezone.utc)
    assert (f"{folder / 'a.txt'}: the key 'tag' is given twice in the front matter; no field is read from it, so "
            "each value is kept in the article's extra, as 'tag' and 'tag_2'") in result.warnings


def test_page_metadata_keys_given_twice_with_the_same_value_are_read_once_with_a_warning(tmp_path):
    """The same value given twice left framewatch nothing to choose, yet rejected the page."""
    folder = tmp_path / "site"
    (folder / "sub").mkdir(parents=True)
    write(folder, "a.txt", "---\noutlet: Harbour Herald\ntitle: Port\nTitle: Port\n---\nThe talks went on.\n")
    write(folder, "c.html", '<html><head><meta property="og:site_name" content="Harbour Herald"><script type='
                            '"application/ld+json">{"@type": "NewsArticle", "datePublished": "2026-03-01T08:00:00Z", '
                            '"datePublished": "2026-03-01T08:00:00Z"}</script></head><body><p>The gulls flew.</p>'
                            '</body></html>')
    write(folder / "sub", "fetch.json", '{"outlet": "Northern Courier", "outlet": "Northern Courier"}')
    write(folder / "sub", "d.txt", "The boats stayed.\n")
    result = ingest([folder])
    assert result.n_rejected == 0 and result.n_ingested == 3
    arts = result.articles.set_index("text")
    assert (arts.loc["The talks went on.", "title"], arts.loc["The talks went on.", "extra"]) == ("Port", None)
    assert arts.loc["The gulls flew.", "published_at"] == datetime(2026, 3, 1, 8, tzinfo=timezone.utc)
    assert (arts.loc["The boats stayed.", "outlet"], arts.loc["The boats stayed.", "extra"]) == ("Northern Courier", None)
    assert [w for w in result.warnings if "is given" in w] == [
        f"{folder / 'a.txt'}: the key 'title' is given twice with the same value in the front matter; the value is "
        "kept once",
        f"{folder / 'sub' / 'd.txt'}: the key 'outlet' is given twice with the same value in "
        f"{folder / 'sub' / 'fetch.json'}; the value is kept once"]


def test_keys_that_only_look_repeated_in_page_metadata_are_read_as_they_are(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    # A YAML merge key overridden, a nested mapping, a value holding the key's name.
    write(folder, "a.txt", "---\nbase: &b {outlet: Northern Courier}\n<<: *b\noutlet: Harbour Herald\n"
                           "author: {name: A}\ntitle: 'title: title'\n---\nThe talks went on.\n")
    result = ingest([folder])
    assert result.n_rejected == 0 and result.warnings == []
    art = result.articles.iloc[0]
    assert (art["outlet"], art["title"]) == ("Harbour Herald", "title: title")


def test_long_cells_binary_files_empty_files_and_repeated_headers(tmp_path):
    long = write(tmp_path, "long.csv", "outlet,date,body\n" + "".join(f"A,2026-01-01,short {i}\n" for i in range(3))
                 + "A,2026-01-02," + "word " * 60_000 + "\nA,2026-01-03,after\n")
    junk = write(tmp_path, "junk.csv", b"\x01\x02\x00binary\xff" * 100)
    empty = write(tmp_path, "empty.csv", "")
    header = write(tmp_path, "header.csv", "outlet,date,body\n")
    twice = write(tmp_path, "twice.csv", "outlet,text,notes,Notes\nA,first,one,two\n")
    result = ingest([long, junk, empty, header, twice])
    assert result.n_input == result.n_ingested + result.n_duplicates + result.n_rejected
    assert result.n_ingested == 4 + 1 + 1  # no row after the long cell is lost
    assert result.rejects["detail"].tolist() == [
        "not a text file; expected a CSV file (text); found binary data: a NUL byte at byte 2 (text holds none). "
        "Fix: give the articles as text (CSV or JSON lines, UTF-8); a UTF-16 text file needs its byte-order mark "
        "(Excel's 'Unicode text' has one), or save it as UTF-8"]
    assert f"{junk}: not read (unreadable_file): not a text file; " in " ".join(result.warnings)
    assert any("empty.csv: the file is empty" in w for w in result.warnings)
    assert any("header.csv: only a header row" in w for w in result.warnings)
    # a name given twice that no field reads: both kept, each under its own name, and said
    row = result.articles[result.articles["source_file"].str.endswith("twice.csv")].iloc[0]
    assert row["text"] == "first" and json.loads(row["extra"]) == {"notes": "one", "Notes": "two"}
    assert (f"{twice}: the header names the column 'notes' twice (columns 3 and 4); no field is read from it, so "
            "each is kept in the article's extra, as 'notes' and 'Notes'") in result.warnings


@pytest.mark.parametrize("header, column, times, positions, written", [
    ("outlet,title,title,body", "title", "twice", "2 and 3", ""),
    ("outlet,Title,body,title", "Title", "twice", "2 and 4", ", written 'Title' and 'title'"),   # fields ignore case
    ("outlet,text,title,text,text", "text", "3 times", "2, 4 and 5", ""),
])
def test_a_column_a_field_is_read_from_given_twice_stops_naming_it_and_its_positions(tmp_path, header, column, times,
                                                                                     positions, written):
    """pandas reads the second as 'title.1' and goes on; which of them holds the title is not ours to guess."""
    p = write(tmp_path, "dup.csv", header + "\n" + ",".join(["A"] + ["some words"] * (header.count(",")))
              + "\n")
    with pytest.raises(ConfigError) as err:
        ingest([p])
    field = {"title": "title", "text": "body"}[column.lower()]
    assert str(err.value) == (
        f"{p}, header: the header names the column '{column}' {times}; expected each column name once (ignoring case): "
        f"the {field} is read from the column named '{column}', and framewatch cannot tell which of them holds it; "
        f"found '{column}' as columns {positions} (counted from 1 at the left){written}. Fix: rename or delete all "
        f"but one of the columns {positions} in the file's header")
    # named by --map instead: the other field is not read from the repeated name, so the file is read
    if column == "title":
        assert ingest([p], mapping={"title": "outlet"}).n_ingested == 1


_TWICE = '{"outlet": "RT", "title": "A", "text": "first", "text": "second"}'
_ONCE = '{"outlet": "RT", "title": "B", "text": "kept"}'


@pytest.mark.parametrize("name, content, place", [
    ("a.jsonl", f"{_ONCE}\n{_TWICE}\n", "line 2"),                          # UTF-8 throughout: read as bytes (orjson)
    ("b.jsonl", f"{_ONCE}\n{_TWICE}\n".encode() + b'{"outlet": "RT", "text": "caf\xe9"}\n', "line 2"),  # as text
    ("c.json", f"[{_ONCE}, {_TWICE}]", "item 2"),                            # a JSON array
    ("d.json", f'{{"articles": [{_ONCE}, {_TWICE}]}}', "item 2"),            # a list inside an object
    ("e.jsonl", f'{_ONCE}\n{{"outlet": "RT", "text" : "first", "title": "A", "text" : "second"}}\n', "line 2"),
    ("f.jsonl", f'{_ONCE}\n{{"outlet": "RT", "text": "first", " text": "second"}}\n', "line 2"),  # once cleaned
])
def test_a_key_a_field_is_read_from_given_twice_rejects_its_record_and_the_run_goes_on(tmp_path, name, content,
                                                                                       place):
    """json keeps the last of a key given twice ('second'), silently: which value holds the body is not
    ours to guess, so the record is a reject naming the key and its place, holding both values."""
    result = ingest([write(tmp_path, name, content)])
    assert "kept" in result.articles["text"].tolist() and "second" not in result.articles["text"].tolist()
    assert "first" not in result.articles["text"].tolist()
    rejects = result.rejects[result.rejects["reason"] == "repeated_key"]
    assert len(rejects) == 1 and int(rejects["source_row"].iloc[0]) == int(place.split()[1])
    assert rejects["detail"].iloc[0] == (
        f"{place}: the key 'text' is given twice with different values; the body is read from it, and framewatch "
        "cannot tell which of them is the body; give the key once in the record")
    record = json.loads(rejects["record"].iloc[0])
    assert (record["text"], record["text_2"]) == ("first", "second")
    assert result.n_input == result.n_ingested + result.n_duplicates + result.n_rejected


def test_keys_the_same_but_for_case_that_a_field_reads_reject_and_other_repeated_keys_are_kept_with_a_warning(
        tmp_path):
    lines = write(tmp_path, "k.jsonl", '{"outlet": "RT", "Title": "Big", "title": "small", "text": "a"}\n'
                                       '{"outlet": "RT", "text": "b", "tag": 1, "tag": 2, "tag": 3}\n'
                                       '{"outlet": "RT", "text": "c", "tag": 4, "tag": 5, "tag": 6}\n'
                                       '{"outlet": "RT", "text": "d", "Note": "x", "note": "y"}\n')
    result = ingest([lines])
    assert result.rejects[["reason", "detail"]].values.tolist() == [[
        "repeated_key", "line 1: the key 'Title' is given twice with different values, written 'Title' and 'title' "
                        "(keys are matched ignoring case); the title is read from it, and framewatch cannot tell which "
                        "of them is the title; give the key once in the record"]]
    extra = dict(zip(result.articles["text"], result.articles["extra"].map(json.loads)))
    assert extra == {"b": {"tag": 1, "tag_2": 2, "tag_3": 3}, "c": {"tag": 4, "tag_2": 5, "tag_3": 6},
                     "d": {"Note": "x", "note": "y"}}
    assert [w for w in result.warnings if "is given" in w] == [
        f"{lines}: the key 'tag' is given 3 times in 2 records (the first: line 2); no field is read from it, so "
        "each value is kept in the article's extra, as 'tag', 'tag_2' and 'tag_3'",
        f"{lines}: the key 'Note' is given twice in line 4; no field is read from it, so each value is kept in the "
        "article's extra, as 'Note' and 'note'"]


def test_a_key_given_twice_with_the_same_value_is_read_once_with_a_warning_and_only_differing_values_reject(
        tmp_path):
    """{"text": "same", "text": "same"} was rejected: 'framewatch cannot tell which value holds the body'."""
    lines = write(tmp_path, "s.jsonl", '{"outlet": "RT", "text": "same", "text": "same"}\n'
                                       '{"outlet": "RT", "Title": "T", "title": "T", "text": "b"}\n'
                                       '{"outlet": "RT", "text": "c", "tag": [1, {"a": 2, "b": 3}], '
                                       '"tag": [1, {"b": 3, "a": 2}]}\n'
                                       '{"outlet": "RT", "text": "d", "n": 1, "n": true}\n'
                                       '{"outlet": "RT", "text": "e", "text": "e "}\n'
                                       '{"outlet": "RT", "text": "same", "text": "same"}\n')
    result = ingest([lines])
    assert result.rejects[["source_row", "reason"]].values.tolist() == [[5, "repeated_key"]]   # 'e' and 'e '
    assert result.n_ingested == 4 and result.n_duplicates == 1
    arts = result.articles.set_index("text")
    assert arts.loc["b", "title"] == "T"
    assert {t: json.loads(e) if e else None for t, e in arts["extra"].items()} == {
        "same": None, "b": None, "c": {"tag": [1, {"a": 2, "b": 3}]}, "d": {"n": 1, "n_2": True}}
    assert [w for w in result.warnings if "is given" in w] == [
        f"{lines}: the key 'text' is given twice with the same value in 2 records (the first: line 1); the value is "
        "kept once",
        f"{lines}: the key 'Title' is given twice with the same value in line 2; the value is kept once",
        f"{lines}: the key 'tag' is given twice with the same value in line 3; the value is kept once",
        f"{lines}: the key 'n' is given twice in line 4; no field is read from it, so each value is kept in the "
        "article's extra, as 'n' and 'n_2'"]


@pytest.mark.parametrize("line", [
    '{"outlet": "RT", "title": "say \\":\\" twice", "text": "a \\": b \\":"}',   # '":' inside values, no key twice
    '{"outlet" : "RT", "title":"T",\t"text"\t:\t"spaced"}',
])
def test_a_line_that_only_looks_like_it_repeats_a_key_is_read_as_it_is(tmp_path, line):
    result = ingest([write(tmp_path, "l.jsonl", line + "\n")])
    assert result.n_rejected == 0 and result.n_ingested == 1 and not result.warnings
    assert result.articles["extra"].isna().all()


def test_a_binary_file_is_named_for_what_it_is_with_the_fix(tmp_path):
    """A gzip or PNG given as a CSV was read as text: 'only a header row', or a reject of NUL bytes only."""
    import gzip

    text = b"outlet,date,body\nA,2026-01-01,some words\n"
    packed = write(tmp_path, "news.csv", gzip.compress(text, mtime=0))
    sheet = write(tmp_path, "sheet.csv", b"PK\x03\x04" + b"\x14" * 40)
    png = write(tmp_path, "lines.jsonl", b"\x89PNG\r\n\x1a\n" + b"\x11" * 40)
    parquet = write(tmp_path, "table.parquet", text)
    result = ingest([packed, sheet, png, parquet])
    assert result.n_ingested == 0 and result.n_rejected == 4
    details = dict(zip(result.rejects["source_file"].map(lambda f: Path(f).name), result.rejects["detail"]))
    assert details["news.csv"] == (
        "not a text file; expected a CSV file (text); found a gzip-compressed file (it starts with the bytes 1f 8b). "
        f"Fix: decompress it first (gzip -dc {packed} > {tmp_path / 'news.decompressed.csv'}), then give "
        f"{tmp_path / 'news.decompressed.csv'}")
    assert "found a ZIP archive (an Excel .xlsx or OpenDocument sheet is one too) (it starts with the bytes 50 4b 03 " \
           "04). Fix: unzip it and give the file inside, or, for a sheet, save it from the spreadsheet as 'CSV UTF-8'" \
        in details["sheet.csv"]
    assert details["lines.jsonl"].startswith("not a text file; expected JSON lines (text); found a PNG image")
    assert details["table.parquet"].startswith("not a Parquet file; expected a Parquet file (it starts with the "
                                               "bytes 50 41 52 31, 'PAR1'); found text.")
    assert set(result.rejects["reason"]) == {"unreadable_file"} and result.rejects["source_row"].isna().all()
    # the fix works: the decompressed file is read
    unpacked = write(tmp_path, "news.decompressed.csv", gzip.decompress(packed.read_bytes()))
    assert ingest([unpacked]).n_ingested == 1


def test_a_compressed_file_framewatch_does_not_read_says_how_to_get_the_file_inside(tmp_path):
    import gzip

    packed = write(tmp_path, "news.csv.gz", gzip.compress(b"outlet,body\nA,words\n", mtime=0))
    result = ingest([packed])
    assert result.rejects["detail"].tolist() == [
        f"framewatch does not read '.gz' files: this is a gzip-compressed file (it starts with the bytes 1f 8b); "
        f"decompress it first (gzip -dc {packed} > {tmp_path / 'news.csv'}), then give {tmp_path / 'news.csv'}"]


@pytest.mark.parametrize("name, content, why", [
    ("blank.csv", "\n\n  \n", "only blank lines (3 lines)"),
    ("blank.jsonl", "\n\n", "only blank lines (2 lines)"),
    ("crlf.tsv", "\r\n\r\n", "only blank lines (2 lines)"),
    ("empty.jsonl", "", "the file is empty"),
    ("list.json", "[]", "no records in it"),
])
def test_blank_lines_are_not_records_and_a_file_of_them_is_an_empty_input(tmp_path, name, content, why):
    p = write(tmp_path, name, content)
    result = ingest([p])
    assert (result.n_input, result.n_rejected) == (0, 0)
    assert result.warnings == [f"{p}: {why}; no records read"]


def test_blank_lines_between_and_before_csv_records_are_skipped_and_rows_count_records(tmp_path):
    p = write(tmp_path, "gaps.csv", "\n\noutlet,date,body\n\nA,2026-01-01,one\n   \n\nA,2026-01-02,\n,,\n")
    result = ingest([p])
    assert (result.n_input, result.n_ingested, result.n_rejected) == (3, 1, 2)
    assert result.articles["source_row"].tolist() == [1]
    # a row of empty cells is a record with no values, not a blank line; each reject names its file line
    assert list(zip(result.rejects["source_row"], result.rejects["reason"], result.rejects["detail"])) == [
        (2, "no_text", "no text: body, title and lead are all empty (file line 8)"),
        (3, "empty_row", "the row has no values (file line 9)")]


@pytest.mark.parametrize("zone, hint", [
    ("Europe/Moskow", "did you mean 'Europe/Moscow'"),
    ("europe/moscow", "did you mean 'Europe/Moscow'? Write e.g. --assume-tz Europe/Moscow"),
    ("Moscow", "did you mean 'Europe/Moscow'"),
    ("Mars/Olympus", "write e.g. --assume-tz Europe/Moscow"),
])
def test_a_bad_assume_tz_stops_when_the_options_are_made_not_when_a_date_needs_it(tmp_path, zone, hint):
    with pytest.raises(ConfigError) as err:
        IngestOptions(assume_tz=zone)
    assert str(err.value).startswith(f"--assume-tz: unknown time zone; expected an IANA time zone name such as "
                                     f"'UTC', 'Europe/Moscow' or 'Asia/Pyongyang' (the zone in which dates without a "
                                     f"UTC offset are read); found '{zone}'. Fix: ")
    assert hint in str(err.value)
    assert IngestOptions(assume_tz="Asia/Pyongyang").assume_tz == "Asia/Pyongyang"


def test_duplicate_copies_keep_their_topic_labels(tmp_path):
    p = write(tmp_path, "k.csv", "outlet,date,topics,headline,story_text\n"
                                 "KCNA,2024-07-14,Latest News,Statement,Same text.\n"
                                 "KCNA,2024-07-14,External; Top News,Statement,Same text.\n")
    result = ingest([p], topic_column="topics")
    assert result.n_ingested == 1 and result.n_duplicates == 1
    assert result.articles.iloc[0]["topics_raw"] == "Latest News; External; Top News"


def _stored(store: Path, table: str, order: str) -> pd.DataFrame:
    """Table *table* of a real store, rows in *order*, without the columns that name the run or the file."""
    from pipelines.storage import connect, read_table

    con = connect(store)
    try:
        df = read_table(con, table)
    finally:
        con.close()
    return df.drop(columns=["run_id", "source_file"]).sort_values(order, ignore_index=True)


def test_a_windows_1252_jsonl_is_scanned_once_and_stores_what_its_utf8_twin_stores(tmp_path, monkeypatch):
    """A JSON-lines file with a Windows-1252 line past the first 1 MB: its encoding is checked once
    (it was checked twice, by _read_jsonl and again by _open_text), and the store holds the same
    articles and rejects as the same lines saved as UTF-8, with the note naming the first bad byte."""
    import pipelines.ingest as ingest_module
    from pipelines.run import run_ingest

    lines = [json.dumps({"outlet": "Le Monde", "date": f"2024-03-{1 + i % 28:02d}", "id": f"a{i}",
                         "text": f"Article {i}: " + "talks went on " * 300}) for i in range(300)]
    lines += ['{"outlet": "Le Monde", "date": "2024-03-02", "id": "cafe", "text": "Café crème à Genève, '
              '“regime” costs €5 — said"}', '{"outlet": "Le Monde", "text": "broken é', '["é"]', '']
    text = "\n".join(lines)
    head = "\n".join(lines[:300]).encode("utf-8")
    assert len(head) > 1 << 20   # the bad byte is in the scan's second chunk
    legacy = write(tmp_path, "legacy.jsonl", head + "\n".join([""] + lines[300:]).encode("cp1252"))
    utf8 = write(tmp_path, "utf8.jsonl", text)
    scanned = []

    def counting_scan(path):
        scanned.append(Path(path).name)
        return real_scan(path)

    real_scan = ingest_module._utf8_scan
    monkeypatch.setattr(ingest_module, "_utf8_scan", counting_scan)
    legacy_run = run_ingest(tmp_path / "legacy.duckdb", [legacy])
    utf8_run = run_ingest(tmp_path / "utf8.duckdb", [utf8])
    assert scanned == ["legacy.jsonl", "utf8.jsonl"]
    bad_byte = len(head) + 1 + len('{"outlet": "Le Monde", "date": "2024-03-02", "id": "cafe", "text": "Caf')
    assert legacy_run.warnings == [f"{legacy}: not UTF-8 (invalid continuation byte at byte {bad_byte}); "
                                   "lines that are not UTF-8 read as Windows-1252"]
    assert utf8_run.warnings == []
    for table, order in (("articles", "article_id"), ("rejects", "source_row")):
        pd.testing.assert_frame_equal(_stored(tmp_path / "legacy.duckdb", table, order),
                                      _stored(tmp_path / "utf8.duckdb", table, order))
    articles = _stored(tmp_path / "legacy.duckdb", "articles", "source_row")
    assert len(articles) == 301
    assert articles["text"].iloc[-1] == "Café crème à Genève, “regime” costs €5 — said"
    rejects = _stored(tmp_path / "legacy.duckdb", "rejects", "source_row")
    assert rejects[["source_row", "reason"]].values.tolist() == [[302, "bad_json"], [303, "not_an_object"]]
    assert json.loads(rejects["record"].iloc[0]) == '{"outlet": "Le Monde", "text": "broken é\n'
