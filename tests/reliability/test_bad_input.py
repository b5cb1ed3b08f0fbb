"""Bad input: malformed records are ingested correctly or rejected with their reason, and bad
definition files stop the run with a message naming file, line, expected and found.

Every input here is written by the test into ``tmp_path``; the expected values were worked
out by hand from the bytes written.
"""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pandas as pd
import pytest

from pipelines.errors import ConfigError, FramewatchError, GazetteerError, LexiconError, TopicError
from pipelines.frames import read_frames_lexicon
from pipelines.ingest import IngestOptions, ingest_files
from pipelines.lexicon import load_lexicon
from pipelines.outlets import read_registry
from pipelines.run import run_pipeline
from pipelines.storage import connect
from pipelines.tone import read_gazetteer
from pipelines.topics import read_topics
from pipelines.wordchoice import read_pairs

BIG_WORDS = 800_000
"""Words in the 5 MB article ("word " x 800,000 + a last word = 4.8 MB + 4 bytes)."""


def _big_article() -> bytes:
    return b"outlet,date,text\nBig Outlet,2024-05-01,\"" + b"word " * BIG_WORDS + b"end\"\n"


def _junk() -> bytes:
    rng = random.Random(5)
    return bytes(rng.randrange(256) for _ in range(4000))


# name, bytes, expected articles (outlet, day or None, text), expected rejects (source_row, reason)
CASES = [
    ("latin1.csv", "outlet,date,text\nLe Monde,2024-03-01,Café crème à Genève\n".encode("latin-1"),
     [("Le Monde", "2024-03-01", "Café crème à Genève")], []),
    ("cp1252.csv", "outlet,date,text\nA,2024-03-01,\u201cRegime\u201d costs \u20ac5 \u2014 said\n".encode("cp1252"),
     [("A", "2024-03-01", "\u201cRegime\u201d costs \u20ac5 \u2014 said")], []),
    # A UTF-8 export with one Windows-1252 row appended: each row keeps its own characters.
    ("mixed.csv", "outlet,date,text\nA,2024-03-01,Zürich talks\n".encode() + "B,2024-03-02,Café talks\n".encode("cp1252"),
     [("A", "2024-03-01", "Zürich talks"), ("B", "2024-03-02", "Café talks")], []),
    ("bom8.csv", codecs.BOM_UTF8 + "outlet,date,text\nA,2024-03-01,Grüße\n".encode(),
     [("A", "2024-03-01", "Grüße")], []),
    ("bom16.csv", "outlet,date,text\nA,2024-03-01,Grüße aus Köln\n".encode("utf-16"),
     [("A", "2024-03-01", "Grüße aus Köln")], []),
    ("bom8.jsonl", codecs.BOM_UTF8 + b'{"outlet": "A", "date": "2024-03-01", "text": "Hi there"}\n',
     [("A", "2024-03-01", "Hi there")], []),
    ("truncated.jsonl", b'{"outlet": "A", "date": "2024-03-01", "text": "ok"}\n{"outlet": "B", "te\n'
                        b'not json\n[1, 2]\n{"outlet": "C", "text": "cut',
     [("A", "2024-03-01", "ok")], [(2, "bad_json"), (3, "bad_json"), (4, "not_an_object"), (5, "bad_json")]),
    ("ragged.csv", b'outlet,date,text\nA,2024-01-01,"line one\nline two"\nB,2024-01-01,x,extra\nC,2024-01-01\n'
                   b'D,2024-01-02,"a, b\r\nc"\n',
     [("A", "2024-01-01", "line one\nline two"), ("D", "2024-01-02", "a, b\nc")], [(2, "bad_row"), (3, "bad_row")]),
    ("empty.csv", b'outlet,date,text\nA,2024-01-01,   \nB,2024-01-01,"\t\n"\n,,\n',
     [], [(1, "no_text"), (2, "no_text"), (3, "empty_row")]),
    ("html.csv", b'outlet,date,text\nA,2024-01-01,"<div><script>alert(1)</script><p>Hello <b>world</b></p></div>"\n'
                 b'B,2024-01-01,"<br><div></div>"\n',
     [("A", "2024-01-01", "Hello world")], [(2, "no_text")]),
    ("junk.csv", b"\x00" + _junk(), [], [(None, "unreadable_file")]),
    ("junk.parquet", _junk(), [], [(None, "unreadable_file")]),
    ("nooutlet.csv", b"outlet,url,text\n,,no outlet here\n,https://www.rt.com/news/1,from url\n",
     [("RT", None, "from url")], [(1, "no_outlet")]),
    # The same id with two texts is two articles; the same id with the same text is a copy.
    ("dupid.csv", b"outlet,id,text\nA,1,first text\nA,1,second text\nA,1,first text\n",
     [("A", None, "first text"), ("A", None, "second text")], []),
]


def _ingest(tmp_path: Path, name: str, data: bytes, **options):
    path = tmp_path / name
    path.write_bytes(data)
    return ingest_files([path], IngestOptions(**options), "run-1")


def _reconciles(result) -> bool:
    return result.n_input == result.n_ingested + result.n_duplicates + result.n_rejected


@pytest.mark.parametrize("name, data, articles, rejects", CASES, ids=[c[0] for c in CASES])
def test_each_bad_file_is_ingested_right_or_rejected_with_its_reason(tmp_path, name, data, articles, rejects):
    result = _ingest(tmp_path, name, data)
    got = [(r.outlet, r.published_at.date().isoformat() if pd.notna(r.published_at) else None, r.text)
           for r in result.articles.itertuples()]
    assert got == articles
    assert [(None if pd.isna(r.source_row) else int(r.source_row), r.reason)
            for r in result.rejects.itertuples()] == rejects
    assert all(result.rejects["detail"].str.len() > 0)
    assert _reconciles(result)


def test_duplicate_of_the_same_id_and_text_is_counted_as_a_copy(tmp_path):
    result = _ingest(tmp_path, "dupid.csv", CASES[-1][1])
    assert (result.n_input, result.n_ingested, result.n_duplicates, result.n_rejected) == (3, 2, 1, 0)
    assert sorted(result.articles["n_copies"]) == [1, 2]


def test_non_utf8_files_say_so_in_a_warning(tmp_path):
    result = _ingest(tmp_path, "mixed.csv", CASES[2][1])
    # 17 header bytes + 27 of row A ("ü" is two) + 16 of "B,2024-03-02,Caf": the cp1252 "é" is byte 60.
    assert len(result.warnings) == 1
    assert "mixed.csv: not UTF-8 (invalid continuation byte at byte 60)" in result.warnings[0]


def test_a_5_mb_article_is_stored_whole(tmp_path):
    result = _ingest(tmp_path, "big.csv", _big_article())
    (article,) = result.articles.itertuples()
    assert len(article.text) == 5 * BIG_WORDS + 3
    assert article.n_words == BIG_WORDS + 1
    assert article.text.endswith("word end")


@pytest.mark.parametrize("value, day, note", [
    ("2999-01-01", None, "is more than a day after the ingest time"),
    ("1850-06-01", "1850-06-01", None),
    ("", None, "missing date in column 'date'"),
    ("yesterday-ish", None, "'yesterday-ish'"),
])
def test_dates_in_the_future_before_1900_missing_or_unreadable(tmp_path, value, day, note):
    result = _ingest(tmp_path, "dates.csv", f"outlet,date,text\nA,{value},text\n".encode())
    (article,) = result.articles.itertuples()
    assert (article.published_at.date().isoformat() if pd.notna(article.published_at) else None) == day
    if note:
        assert note in article.date_note
    else:
        assert article.date_note is None or pd.isna(article.date_note)


def test_an_ambiguous_date_column_gets_one_order_and_a_warning(tmp_path):
    result = _ingest(tmp_path, "amb.csv", b"outlet,date,text\nA,03/04/2024,one\nA,05/06/2024,two\n")
    assert [d.isoformat() for d in result.articles["published_at"].dt.date] == ["2024-03-04", "2024-05-06"]
    assert any("ambiguous" in w and "--dayfirst" in w for w in result.warnings)
    dayfirst = _ingest(tmp_path, "amb.csv", b"outlet,date,text\nA,03/04/2024,one\n", date_order="DMY")
    assert dayfirst.articles["published_at"].dt.date.iloc[0].isoformat() == "2024-04-03"


def test_the_run_goes_on_through_every_bad_file_and_stores_what_it_counts(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data, _, _ in CASES:
        (folder / name).write_bytes(data)
    (folder / "big.csv").write_bytes(_big_article())
    store = tmp_path / "s.duckdb"
    summary = run_pipeline(store, [folder])
    n_articles = sum(len(c[2]) for c in CASES) + 1
    n_rejects = sum(len(c[3]) for c in CASES)
    assert (summary.n_ingested, summary.n_duplicates, summary.n_rejected) == (n_articles, 1, n_rejects)
    assert summary.n_input == summary.n_ingested + summary.n_duplicates + summary.n_rejected
    con = connect(store)
    try:
        stored = dict(con.execute("SELECT source_file, count(*) FROM articles GROUP BY 1").fetchall())
        assert {Path(k).name: v for k, v in stored.items()} == {
            name: len(arts) for name, _, arts, _ in CASES + [("big.csv", b"", [1], [])] if arts}
        assert con.execute("SELECT count(*) FROM rejects").fetchall()[0][0] == n_rejects
        # Texts survive the store byte for byte, dates before 1900 included.
        assert con.execute("SELECT text FROM articles WHERE outlet = 'A' AND source_file LIKE '%mixed.csv'"
                           ).fetchall() == [("Zürich talks",)]
        assert con.execute("SELECT max(length(text)) FROM articles").fetchall()[0][0] == 5 * BIG_WORDS + 3
        (row,) = con.execute("SELECT n_input, n_ingested, n_duplicates, n_rejected FROM runs").fetchall()
        assert row == (summary.n_input, n_articles, 1, n_rejects)
    finally:
        con.close()


# -- definition files: a bad one stops the run, naming file, line, expected and found --

def _load_lexicon(path):
    return load_lexicon([path])


def _load_registry(path):
    return read_registry([path])


BAD_DEFINITIONS = [
    ("lexicon.csv", "term,category\nrégime,label\n".encode("cp1252"), _load_lexicon, LexiconError,
     "line 2", "UTF-8 text", "byte 0xe9"),
    ("lexicon.csv", b"term,category,ignore\nregime,label,maybe\n", _load_lexicon, LexiconError,
     "line 2, column 'ignore'", "true or false", "'maybe'"),
    ("lexicon.csv", b"word,cat\nregime,x\n", _load_lexicon, LexiconError,
     "line 1", "a 'term' column", "the columns 'word' and 'cat'"),
    ("lexicon.csv", b"term,category\nregime,label,extra\n", _load_lexicon, LexiconError,
     "line 2", "2 cells", "3 cells"),
    ("lexicon.csv", b"term,category\nre*gime,label\n", _load_lexicon, LexiconError,
     "line 2, column 'term'", "only at the end", "'re*gime'"),
    ("lexicon.yaml", b"- term: [\n", _load_lexicon, LexiconError, "line 2", "a list of entries", "stream end"),
    ("topics.yaml", "topics:\n  - name: Café\n    query: nato\n".encode("cp1252"), read_topics, TopicError,
     "line 2", "UTF-8 text", "byte 0xe9"),
    ("topics.yaml", b"topics:\n  - name: X\n   query: : [\n", read_topics, TopicError,
     "line 3", "topics: [{name, query}]", "block collection"),
    ("topics.yaml", b"topics:\n  - name: X\n    query: '(nato AND'\n", read_topics, TopicError,
     "topic 'X', character 10", "a word", "end of query"),
    ("frames.csv", b"term,variants,frame\neconomy,,not_a_frame\n", read_frames_lexicon, LexiconError,
     "line 2, column 'frame'", "one of economic", "'not_a_frame'"),
    ("frames.csv", "term,frame\nrégime,economic\n".encode("cp1252"), read_frames_lexicon, LexiconError,
     "line 2", "UTF-8 text", "byte 0xe9"),
    ("pairs.csv", b"pair_id,concept,loaded\nx,,\n", read_pairs, LexiconError,
     "line 1", "pair_id, loaded, counterpart", "['pair_id', 'concept', 'loaded']"),
    ("targets.yaml", b"targets:\n  - target: US\n    kind: planet\n    names: [USA]\n", read_gazetteer,
     GazetteerError, "line 3, key 'kind'", "country, bloc", "'planet'"),
    ("targets.yaml", b"targets: [\n", read_gazetteer, GazetteerError, "line 2", "targets: [{target", "stream end"),
    ("outlets.yaml", "outlets:\n  - name: Café\n".encode("cp1252"), _load_registry, ConfigError,
     "line 2", "UTF-8 text", "byte 0xe9"),
]


@pytest.mark.parametrize("name, data, load, error, where, expected, found", BAD_DEFINITIONS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_DEFINITIONS)])
def test_a_bad_definition_file_names_file_line_expected_and_found(tmp_path, name, data, load, error, where,
                                                                   expected, found):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(error) as info:
        load(path)
    exc = info.value
    assert exc.where.startswith(str(path)) and where in exc.where
    assert expected in exc.expected
    assert found in exc.found
    assert exc.fix


def test_a_bad_lexicon_stops_the_run_before_the_store_is_touched(tmp_path):
    from pipelines.run import ScoreOptions

    data = tmp_path / "a.csv"
    data.write_text("outlet,date,text\nA,2024-01-01,The regime said so.\n")
    store = tmp_path / "s.duckdb"
    run_pipeline(store, [data])
    before = store.read_bytes()
    lexicon = tmp_path / "lexicon.csv"
    lexicon.write_bytes("term,category\nrégime,label\n".encode("cp1252"))
    with pytest.raises(FramewatchError, match="line 2: lexicon file is not UTF-8"):
        run_pipeline(store, [data], score_options=ScoreOptions(lexicons=[lexicon]))
    assert store.read_bytes() == before
    assert not list(tmp_path.glob("s.duckdb.tmp-*"))


def test_cli_prints_the_message_not_a_traceback(tmp_path):
    from click.testing import CliRunner

    from pipelines.cli import main

    data = tmp_path / "a.csv"
    data.write_text("outlet,date,text\nA,2024-01-01,x\n")
    topics = tmp_path / "topics.yaml"
    topics.write_bytes("topics:\n  - name: Café\n    query: nato\n".encode("cp1252"))
    result = CliRunner().invoke(main, ["run", "--input", str(data), "--store", str(tmp_path / "s.duckdb"),
                                       "--topics", str(topics)])
    assert result.exit_code != 0
    assert f"{topics}, line 2: topics file is not UTF-8 text" in result.output
    assert "Traceback" not in result.output
