"""About page: every run with the versions of the definitions it scored with, also on a store
written before runs recorded them (read as it is; the next run adds the columns)."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from app_pages import open_page
from dashboard.tables import PLACEHOLDER
from pipelines import storage
from pipelines.incremental import VERSION_COLUMNS
from pipelines.rules import RULES_VERSION
from store_factory import LEXICON_VERSION, PAIRS_VERSION


def _runs_table(at):
    return next(d for d in at.dataframe if "run_id" in d.value.columns).value


def test_about_page_lists_each_runs_definition_versions(store_path):
    at = open_page(store_path, "views/about.py")
    assert not at.exception
    runs = _runs_table(at)
    assert runs[["lexicon_version", "pairs_version"]].values.tolist() == [[LEXICON_VERSION, PAIRS_VERSION]]
    assert runs["frame_threshold"].tolist() == [3]                    # a number, so that it sorts as one
    assert runs["rules_version"].tolist() == [RULES_VERSION]
    assert (runs[["topics_version", "frames_version", "targets_version"]] == PLACEHOLDER).all().all()


def test_a_store_from_before_the_version_columns_opens_and_is_migrated_by_the_next_write(store_path, tmp_path):
    old = tmp_path / "old.duckdb"
    shutil.copyfile(store_path, old)
    with duckdb.connect(str(old)) as con:   # the runs table as framewatch wrote it before these columns
        for name in VERSION_COLUMNS:
            con.execute(f'ALTER TABLE runs DROP COLUMN "{name}"')
    at = open_page(old, "views/about.py")   # read-only: the page reads the store as it is
    assert not at.exception
    runs = _runs_table(at)
    assert runs["lexicon_version"].tolist() == [LEXICON_VERSION]
    assert (runs[list(VERSION_COLUMNS)] == PLACEHOLDER).all().all()
    with storage.writing(old) as con:       # any write adds the missing columns, empty on the old rows
        pass
    with duckdb.connect(str(old), read_only=True) as con:
        columns = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                             "WHERE table_name = 'runs'").fetchall()]
        assert columns[-len(VERSION_COLUMNS):] == list(VERSION_COLUMNS)
        assert con.execute(f"SELECT lexicon_version, {', '.join(VERSION_COLUMNS)} FROM runs").fetchall() == [
            (LEXICON_VERSION, *[None] * len(VERSION_COLUMNS))]


MAIN_WIDTH = 938
"""Pixels a table has in the main column of a 1,400-pixel window beside the sidebar (measured in chromium:
``.dvn-scroller`` clientWidth); a table whose columns are wider scrolls sideways."""


def test_the_runs_tables_show_which_run_when_engine_counts_and_versions_and_fit_the_page(store_path, tmp_path):
    import json

    store = tmp_path / "engine.duckdb"
    shutil.copyfile(store_path, store)
    with duckdb.connect(str(store)) as con:   # the test store's run has no engine in its settings; give it one
        settings = json.loads(con.execute("SELECT settings FROM runs").fetchone()[0])
        settings["score"] = {"engine": {"name": "dask", "scheduler": None, "n_workers": 2, "overlap": True}}
        con.execute("UPDATE runs SET settings = ?", [json.dumps(settings)])
    at = open_page(store, "views/about.py")
    assert not at.exception
    what, versions = at.dataframe[0], at.dataframe[1]
    assert list(what.proto.column_order) == ["started_at", "stage", "engine", "n_input", "n_ingested", "n_duplicates",
                                             "n_rejected", "n_mentions", "n_name_hits", "elapsed_s"]
    assert what.value["n_name_hits"].tolist() == [2]     # the hits left out as parts of names (a number: it sorts)
    assert list(versions.proto.column_order) == ["started_at", "lexicon_version", "pairs_version", "topics_version",
                                                 "frames_version", "frame_threshold", "targets_version", "rules_version",
                                                 "code_version"]
    assert what.value["engine"].tolist() == ["dask, 2 local workers"]
    assert versions.value[["lexicon_version", "pairs_version"]].values.tolist() == [[LEXICON_VERSION, PAIRS_VERSION]]
    for table in (what, versions):   # every shown column has a width, and together they fit beside the sidebar
        config = json.loads(table.proto.columns)
        widths = [config[c].get("width") for c in table.proto.column_order]
        assert all(isinstance(w, int) for w in widths), widths
        assert sum(widths) <= MAIN_WIDTH, sum(widths)
    assert "Download runs (CSV)" in [b.proto.label for b in at.get("download_button")]


@pytest.mark.parametrize("settings, expected", [
    ('{"score": {"engine": {"name": "local", "n_workers": 2}}}', "local"),
    ('{"score": {"engine": {"name": "dask", "scheduler": null, "n_workers": 2}}}', "dask, 2 local workers"),
    ('{"score": {"engine": {"name": "dask", "scheduler": "tcp://10.0.0.5:8786", "n_workers": 2}}}',
     "dask, tcp://10.0.0.5:8786"),
    ('{"inputs": ["a.csv"], "fresh": false}', None),        # an ingest run scored nothing
    ('{"score": {"lexicons": []}}', None),                   # written before runs recorded the engine
    ("not json", None), (None, None)])
def test_engine_label_reads_the_runs_settings(settings, expected):
    from dashboard.tables import engine_label

    assert engine_label(settings) == expected


@pytest.mark.parametrize("old", ["NULL", "no column"])
def test_a_run_without_a_count_of_hits_left_out_as_names_is_missing_and_explained(store_path, tmp_path, old):
    """An ingest (NULL: it scored nothing), or a store written before the columns (read as it is)."""
    store = tmp_path / "old.duckdb"
    shutil.copyfile(store_path, store)
    with duckdb.connect(str(store)) as con:
        con.execute("UPDATE runs SET n_name_hits = NULL" if old == "NULL" else
                    "ALTER TABLE runs DROP COLUMN n_name_hits; ALTER TABLE runs DROP COLUMN name_hit_terms")
    at = open_page(store, "views/about.py")
    assert not at.exception
    assert _runs_table(at)["n_name_hits"].isna().tolist() == [True]     # a number column: Streamlit shows None
    config = json.loads(next(d for d in at.dataframe if "run_id" in d.value.columns).proto.columns)["n_name_hits"]
    assert config["type_config"] == {"type": "number", "format": "localized"}
    assert "None: the run scored nothing" in config["help"]
