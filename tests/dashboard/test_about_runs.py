"""About page: every run with the versions of the definitions it scored with, also on a store
written before runs recorded them (read as it is; the next run adds the columns)."""

from __future__ import annotations

import shutil

import duckdb

from app_pages import open_page
from pipelines import storage
from pipelines.incremental import VERSION_COLUMNS
from store_factory import LEXICON_VERSION, PAIRS_VERSION


def _runs_table(at):
    return next(d for d in at.dataframe if "run_id" in d.value.columns).value


def test_about_page_lists_each_runs_definition_versions(store_path):
    at = open_page(store_path, "views/about.py")
    assert not at.exception
    runs = _runs_table(at)
    assert runs[["lexicon_version", "pairs_version"]].values.tolist() == [[LEXICON_VERSION, PAIRS_VERSION]]
    assert runs["frame_threshold"].tolist() == [3]
    assert runs[["topics_version", "frames_version", "targets_version"]].isna().all().all()


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
    assert runs[list(VERSION_COLUMNS)].isna().all().all()
    with storage.writing(old) as con:       # any write adds the missing columns, empty on the old rows
        pass
    with duckdb.connect(str(old), read_only=True) as con:
        columns = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                             "WHERE table_name = 'runs'").fetchall()]
        assert columns[-len(VERSION_COLUMNS):] == list(VERSION_COLUMNS)
        assert con.execute(f"SELECT lexicon_version, {', '.join(VERSION_COLUMNS)} FROM runs").fetchall() == [
            (LEXICON_VERSION, None, None, None, None, None)]
