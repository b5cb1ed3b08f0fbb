"""A later run on a store keeps what earlier runs stored: outlet details (and the demo banner),
topics taken from an input column, the copy counts, the rejects.

Each case runs twice on a real DuckDB store and compares counts and values with a store built once.
"""

from __future__ import annotations

import csv
import shutil

import duckdb
import pytest

from dashboard.loaders import load_store_summary
from pipelines.demo import generate_demo_corpus
from pipelines.ingest import IngestOptions
from pipelines.run import ScoreOptions, run_pipeline, run_score

COLUMNS = ["id", "outlet", "published", "url", "title", "text", "topics"]
KOREA_ROWS = [  # a topic column; texts that the built-in queries would put under North Korea and NATO too
    ["k1", "Foo News", "2024-03-01", "https://foo.example/k1", "Talks", "Pyongyang said the NATO drills were "
     "war games. North Korea fired a missile.", "Politics"],
    ["k1", "Foo News", "2024-03-01", "https://foo.example/k1", "Talks", "Pyongyang said the NATO drills were "
     "war games. North Korea fired a missile.", "Diplomacy"],      # the same story listed under a second section
    ["k2", "Foo News", "2024-03-02", "https://foo.example/k2", "Farms", "The harvest in Pyongyang was rich.", ""],
    ["k3", "Foo News", "2024-03-03", "https://foo.example/k3", "", "", ""],   # no text: rejected
]
OTHER_ROWS = [  # no topic column
    ["b1", "Bar Daily", "2024-03-04", "https://bar.example/b1", "Summit", "NATO leaders met in Vilnius.", None],
    ["b2", "Bar Daily", "2024-03-05", "https://bar.example/b2", "Kim", "North Korea tested a rocket.", None],
]
REGISTRY = """outlets:
  - name: Foo News
    aliases: [foo]
    country: XX
    type: commercial
"""


def write_csv(path, rows, topic_column: bool = True):
    cols = COLUMNS if topic_column else COLUMNS[:-1]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(cols)
        w.writerows(r[:len(cols)] for r in rows)
    return path


def rows(path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def tables(path) -> dict[str, list]:
    """Every table but ``runs`` (one row a run), sorted, without ``run_id`` (which run wrote a row)."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        out = {}
        for t in names:
            cols = [c for (c,) in con.execute("SELECT column_name FROM information_schema.columns "
                                              "WHERE table_name = ? ORDER BY ordinal_position", [t]).fetchall()]
            if t != "runs":
                select = ", ".join(f'"{c}"' for c in cols if c != "run_id")
                out[t] = sorted(con.execute(f'SELECT {select} FROM "{t}"').fetchall(), key=repr)
        return out


@pytest.fixture()
def inputs(tmp_path):
    (tmp_path / "my.yaml").write_text(REGISTRY, encoding="utf-8")
    return (write_csv(tmp_path / "korea.csv", KOREA_ROWS), write_csv(tmp_path / "other.csv", OTHER_ROWS, False),
            tmp_path / "my.yaml")


def topics_of(path) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list] = {}
    for source_id, topic, source in rows(path, "SELECT a.source_id, t.topic, t.source FROM article_topics t "
                                               "JOIN articles a USING (article_id) ORDER BY 1, 2"):
        out.setdefault(source_id, []).append((topic, source))
    return out


def test_the_same_input_run_twice_changes_no_table_but_runs(tmp_path, inputs):
    korea, _, registry = inputs
    once, twice = tmp_path / "once.duckdb", tmp_path / "twice.duckdb"
    options = IngestOptions(topic_column="topics", outlets=[registry])
    first = run_pipeline(once, [korea], options, ScoreOptions(topic_queries=False), fresh=True)
    run_pipeline(twice, [korea], options, ScoreOptions(topic_queries=False), fresh=True)
    again = run_pipeline(twice, [korea], IngestOptions(topic_column="topics"), ScoreOptions(topic_queries=False))
    assert (first.n_ingested, first.n_duplicates, first.n_rejected) == (2, 1, 1)
    assert (again.n_ingested, again.n_duplicates, again.n_rejected) == (0, 3, 1)   # the run's own counts
    assert "the whole store, scored again" in again.line()
    assert tables(twice) == tables(once)
    assert rows(twice, "SELECT source_id, n_copies FROM articles ORDER BY 1") == [("k1", 2), ("k2", 1)]
    assert rows(twice, "SELECT count(*) FROM rejects") == [(1,)]                    # listed once, not twice
    assert rows(twice, "SELECT outlet, country, type, in_registry FROM outlets") == [("Foo News", "XX", "commercial",
                                                                                       True)]


def test_a_copy_read_by_a_later_run_merges_its_topics_but_is_no_new_copy(tmp_path, inputs):
    store = tmp_path / "s.duckdb"
    first = write_csv(tmp_path / "first.csv", KOREA_ROWS[:1] + KOREA_ROWS[2:3])
    run_pipeline(store, [first], IngestOptions(topic_column="topics"), ScoreOptions(topic_queries=False), fresh=True)
    later = write_csv(tmp_path / "later.csv", KOREA_ROWS[1:2])      # k1 listed under Diplomacy, read later
    summary = run_pipeline(store, [later], IngestOptions(topic_column="topics"), ScoreOptions(topic_queries=False))
    assert (summary.n_ingested, summary.n_duplicates) == (0, 1)
    assert rows(store, "SELECT source_id, n_copies, topics_raw FROM articles ORDER BY 1") == [
        ("k1", 1, "Politics; Diplomacy"), ("k2", 1, None)]
    assert topics_of(store)["k1"] == [("Diplomacy", "column"), ("Politics", "column")]


def test_a_run_without_the_registry_keeps_the_stored_outlets(tmp_path, inputs):
    korea, other, registry = inputs
    store = tmp_path / "s.duckdb"
    run_pipeline(store, [korea], IngestOptions(topic_column="topics", outlets=[registry]),
                 ScoreOptions(topic_queries=False), fresh=True)
    summary = run_pipeline(store, [other], IngestOptions())
    assert rows(store, "SELECT outlet, country, type, in_registry FROM outlets ORDER BY 1") == [
        ("Bar Daily", None, None, False), ("Foo News", "XX", "commercial", True)]
    assert not [w for w in summary.warnings if "outlet registry" in w]
    # A registry that says otherwise updates the outlets it names, and the run says so.
    (tmp_path / "new.yaml").write_text(REGISTRY.replace("commercial", "non-profit"), encoding="utf-8")
    summary = run_pipeline(store, [other], IngestOptions(outlets=[tmp_path / "new.yaml"]))
    assert rows(store, "SELECT outlet, country, type FROM outlets ORDER BY 1") == [
        ("Bar Daily", None, None), ("Foo News", "XX", "non-profit")]
    assert [w for w in summary.warnings if "outlet registry" in w] == [
        f"outlet registry {tmp_path / 'new.yaml'} changed the stored outlet 'Foo News': type 'commercial' -> "
        "'non-profit'"]


def test_the_demo_store_keeps_its_synthetic_outlets_and_banner_after_another_run(tmp_path):
    corpus = generate_demo_corpus(tmp_path / "corpus", n_articles=120)
    store = tmp_path / "demo.duckdb"
    run_pipeline(store, [corpus.articles_path], IngestOptions(outlets=[corpus.outlets_path]), fresh=True)
    once = tables(store)
    summary = run_pipeline(store, [corpus.articles_path], IngestOptions())   # no registry: as `framewatch run` does
    assert summary.n_ingested == 0 and summary.n_duplicates == 120
    assert tables(store) == once
    assert {t for (t,) in rows(store, "SELECT DISTINCT type FROM outlets")} == {"synthetic"}
    assert load_store_summary(str(store), 0)["synthetic"] is True


@pytest.mark.parametrize("order", ["column first", "queries first"])
def test_topics_from_a_column_stay_and_queries_apply_to_the_other_articles(tmp_path, inputs, order):
    korea, other, _ = inputs
    store = tmp_path / "s.duckdb"
    runs = [(korea, IngestOptions(topic_column="topics"), ScoreOptions(topic_queries=False)),
            (other, IngestOptions(), ScoreOptions())]
    for k, (path, ingest, score) in enumerate(runs if order == "column first" else runs[::-1]):
        last = run_pipeline(store, [path], ingest, score, fresh=k == 0)
    topics = topics_of(store)
    assert topics["k1"] == [("Diplomacy", "column"), ("Politics", "column")]   # not North Korea or NATO
    assert topics["k2"] == [("(no topic)", "none")]          # an empty cell of a topic column stays without topic
    assert topics["b1"] == [("NATO", "query")]
    assert topics["b2"] == [("North Korea", "query")]
    if order == "column first":   # the store had no query topics before: the line says why all were scored again
        assert "(the whole store, scored again; changed since its last scoring: topics)" in last.line()
    # Scoring again with the store's settings keeps each article's topics.
    run_score(store)
    assert topics_of(store) == topics


def test_score_with_topic_queries_applies_them_to_every_article(tmp_path, inputs):
    korea, other, _ = inputs
    store = tmp_path / "s.duckdb"
    run_pipeline(store, [korea], IngestOptions(topic_column="topics"), ScoreOptions(topic_queries=False), fresh=True)
    run_score(store, ScoreOptions(topic_queries=True))
    assert topics_of(store)["k1"] == [("Diplomacy", "column"), ("Military exercises", "query"), ("NATO", "query"),
                                      ("North Korea", "query"), ("Politics", "column")]
    run_score(store, ScoreOptions(topic_queries=False))
    assert topics_of(store)["k1"] == [("Diplomacy", "column"), ("Politics", "column")]


def test_the_dask_engine_keeps_column_topics_as_the_local_one_does(tmp_path, inputs):
    """The Dask engine's overlapped run on a store with column-only articles writes the local run's rows."""
    pytest.importorskip("distributed")
    from pipelines.engines import EngineOptions

    korea, other, _ = inputs
    local, dask = tmp_path / "local.duckdb", tmp_path / "dask.duckdb"
    run_pipeline(local, [korea], IngestOptions(topic_column="topics"), ScoreOptions(topic_queries=False), fresh=True)
    shutil.copyfile(local, dask)
    run_pipeline(local, [other], IngestOptions(), ScoreOptions())
    run_pipeline(dask, [other], IngestOptions(), ScoreOptions(engine=EngineOptions("dask", n_workers=1)))
    assert topics_of(dask) == topics_of(local)
    assert tables(dask) == tables(local)
