"""The store: one DuckDB file holding every table of :mod:`pipelines.schemas`.

Only this module opens the store. Writes are atomic at the file level: a stage works on a
copy of the store (``<store>.tmp-<pid>``) and, when it has finished, the copy replaces the
store with :func:`os.replace`. A run that is killed or fails leaves the last good store
untouched, and a dashboard reading the store never sees a half-written table.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd

from .errors import StoreError, check_path
from .faults import pause_point
from .schemas import TABLES, check_frame, column_names, ddl

DEFAULT_STORE = Path("data/store/framewatch.duckdb")
"""Where the store lives unless ``--store`` says otherwise (relative to the working directory)."""


def _configure(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    # Instants are stored as TIMESTAMPTZ; reading them must not depend on the machine's zone.
    con.execute("SET TimeZone = 'UTC'")
    # DuckDB's buffer pool defaults to 80 % of RAM; the tables here are small next to the
    # article texts that the pipeline holds, and DuckDB spills to disk beyond the limit.
    con.execute("SET memory_limit = '512MB'")
    return con


class CheckedStore(type(Path())):
    """A store path :func:`check_store` has accepted, and for what: checking it again for that returns it
    at once. A command's ``--store`` is checked as it is parsed; :func:`connect` and :func:`writing`, given
    that path, do not check it again. A path derived from it (``with_name``, ``Path(...)``, a pickled copy)
    is not marked, so it is checked like any other.

    Attributes
    ----------
    readable : bool
        It held a DuckDB store when it was checked (for reading, or for writing).
    writable : bool
        It was checked for writing: its folder can be made and written.
    """

    readable = False
    writable = False


def check_store(path: str | Path, *, write: bool) -> CheckedStore:
    """Check, before any work, that *path* can be the store; every command taking ``--store`` calls it.

    A store is a file whose header is DuckDB's (bytes 8-11 ``DUCK``, DuckDB's storage format);
    with *write* it may also not exist yet, when its folder can be made and written.
    Creates nothing (the write probe in the folder is removed at once). A :class:`CheckedStore`
    already checked for as much (for writing, or with a store there) comes back unchecked.

    Returns
    -------
    CheckedStore
        *path*, marked with what the check found.

    Raises
    ------
    StoreError
        The path is a folder; a folder in it is a file; the file exists but is not a DuckDB
        database (never replaced, even with ``--fresh``); without *write*, nothing is there;
        with *write*, this user cannot create files in the folder.
    """
    if isinstance(path, CheckedStore) and (path.writable if write else path.readable):
        return path
    path = check_path(path, "the store", StoreError, option="--store", example="data/store/news.duckdb", write=write)
    checked = CheckedStore(path)
    checked.writable = write
    if path.exists():
        try:
            with open(path, "rb") as fh:
                head = fh.read(12)
        except OSError as exc:
            raise StoreError("cannot read the store", where=str(path), expected="a file this user can read",
                             found=exc.strerror or str(exc), fix="check the file's permissions") from None
        if head[8:12] != b"DUCK":
            raise StoreError("the file is not a DuckDB store", where=str(path),
                             expected="a DuckDB database file written by framewatch",
                             found=f"{path.stat().st_size:,} bytes that are not DuckDB's (a file that is not a "
                                   "store is never replaced)",
                             fix="give --store the path of a .duckdb store, or a new path to build one there "
                                 "(articles go in with --input)")
        checked.readable = True
    elif not write:
        raise StoreError(
            "no store at this path", where=str(path), expected="a DuckDB file written by framewatch",
            found="nothing", fix="build one with `framewatch run --input FILE --store PATH` or `framewatch demo`",
        )
    return checked


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return _configure(duckdb.connect(str(path), read_only=read_only))
    except duckdb.Error as exc:
        raise StoreError("DuckDB cannot open the store", where=str(path),
                         expected=f"a database DuckDB {duckdb.__version__} can open",
                         found=str(exc).splitlines()[0],
                         fix="rebuild the store with `framewatch run --fresh`, or use the framewatch that wrote it"
                         ) from None


def connect(path: str | Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the store at *path*.

    Raises
    ------
    StoreError
        When *read_only* and :func:`check_store` refuses the path (not checked again when it is a
        :class:`CheckedStore` with a store there), or DuckDB cannot open it.
    """
    if read_only:
        path = check_store(path, write=False)
    return _open(Path(path), read_only)


@contextlib.contextmanager
def writing(path: str | Path, fresh: bool = False,
            notes: list[str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a writable copy of the store; replace the store with it only on success.

    Parameters
    ----------
    path : path of the store; created (with its folder) when missing.
    fresh : start from an empty store instead of a copy of the current one.
    notes : optional list (a run's warnings). When the last command that wrote the store never
        ended (killed: its lock file has no ``ended`` line), a sentence saying so, naming it, is
        appended, and whether the working copy it left was removed.

    Raises
    ------
    StoreError
        :func:`check_store` refuses the path (not checked again when it is a :class:`CheckedStore`
        checked for writing), another writer holds the store, or DuckDB cannot open it.
    """
    path = check_store(path, write=True)
    with _folders(path), _writer_lock(path) as unfinished:
        removed = _remove_stale_copies(path)
        if unfinished and notes is not None:
            notes.append(f"the last command that wrote this store ({_holder_text(unfinished)}) never ended "
                         "(killed?); the store is the last good one it found"
                         + ("; the working copy it left was removed" if removed else ""))
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        con = None
        try:
            if path.exists() and not fresh:
                shutil.copyfile(path, tmp)
            con = _open(tmp, read_only=False)
            # DuckDB checkpoints when the WAL passes 16 MB by default, and each checkpoint
            # recompresses the row groups appended since: at a million articles the writer spent
            # most of its time there and the workers waited (benchmarks/RESULTS.md, G.3.2). The
            # working copy is checkpointed once more before it replaces the store, so a larger
            # threshold changes no row, only how often the copy is compacted on the way.
            con.execute("SET checkpoint_threshold = '1GB'")
            ensure_tables(con)
            yield con
            con.execute("CHECKPOINT")
            con.close()
            pause_point("store:replace")
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(Exception):
                if con is not None:
                    con.close()
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
            shutil.rmtree(tmp.with_name(tmp.name + ".tmp"), ignore_errors=True)     # DuckDB's spill folder
            raise


@contextlib.contextmanager
def _folders(path: Path) -> Iterator[None]:
    """Make the store's missing folders; remove them again (those left empty) when no store was written."""
    made = [folder for folder in path.parents if not folder.exists()]  # deepest first
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield
    finally:
        if made and not path.exists():
            for folder in made:
                with contextlib.suppress(OSError):
                    folder.rmdir()


LOCK_NOTE = ("This file stays beside the store by design; it is not a sign of a crash. A framewatch command\n"
             "that writes the store holds an OS lock (flock) on it while it works, so that two never write\n"
             "the store at once; the OS releases that lock when the command ends, however it ends, so a\n"
             "killed run never leaves the store locked. The lines below name the last command that held it.\n"
             "Safe to leave; do not delete it while a framewatch command is writing this store.\n")
"""The explanation at the top of every ``<store>.lock`` file (:func:`_writer_lock`)."""


def lock_holder(text: str) -> dict[str, str]:
    """The ``key: value`` lines of a lock file's *text* (``pid``, ``host``, ``command``, ``started``,
    ``ended`` once released); a lock file of an older framewatch holds only the pid."""
    text = text.strip()
    if text.isdigit():
        return {"pid": text}
    pairs = (line.split(": ", 1) for line in text.splitlines() if ": " in line)
    # ("finished" is what the lock files of one earlier version called "ended")
    return {("ended" if key == "finished" else key): value for key, value in pairs
            if key in ("pid", "host", "command", "started", "ended", "finished")}


def _holder_text(holder: dict[str, str]) -> str:
    """Who holds or held the lock, in words: pid, host, command and start."""
    pid = holder.get("pid", "")
    text = f"pid {pid or '?'}"
    if holder.get("host"):
        text += f" on {holder['host']}"
    details = [d for d in (holder.get("command"), holder.get("started") and f"started {holder['started']}") if d]
    if details:
        text += f" ({', '.join(details)})"
    return text


def _gone(holder: dict[str, str]) -> bool:
    """Whether the pid of a lock file's *holder* ran on this host and is no longer running."""
    import socket

    pid = holder.get("pid", "")
    return (pid.isdigit() and holder.get("host", socket.gethostname()) == socket.gethostname()
            and not _alive(int(pid)))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # another user's process
        return True
    return True


def _stamp() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextlib.contextmanager
def _writer_lock(path: Path) -> Iterator[dict[str, str] | None]:
    """One writer per store: a second run on the same store stops at once instead of
    silently replacing the first run's work when it finishes.

    The lock is an OS lock (``flock``) on ``<store>.lock``, released by the OS when the process
    ends, however it ends. The file stays beside the store; it holds :data:`LOCK_NOTE` and who
    holds or last held it (``pid``, ``host``, ``command``, ``started``, and ``ended`` once
    released), which the error of a second writer quotes (:func:`lock_holder`), saying so when that
    pid is no longer running while a process it started holds the lock. Yields the last holder when
    it never ended (no ``ended`` line: killed), else None. A lock file left
    without a store (a first run that failed) is removed while still held; a writer that locked such
    a removed file meanwhile sees it is no longer at the path and locks again."""
    import socket
    import sys

    lock_path = path.with_name(path.name + ".lock")
    while True:
        fh = open(lock_path, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = lock_holder(fh.read())
            fh.close()
            found = "a lock held by " + _holder_text(holder)
            if _gone(holder):
                found += (f"; pid {holder['pid']} is no longer running, so a process it started (e.g. a Dask "
                          "worker) still holds the lock")
            raise StoreError("the store is being written by another framewatch run", where=str(path),
                             expected="one writer at a time", found=found,
                             fix=f"wait for that run to finish, or use another --store ({lock_path.name} is "
                                 "released when it ends; do not delete it)") from None
        try:
            if os.stat(lock_path).st_ino == os.fstat(fh.fileno()).st_ino:
                break
        except FileNotFoundError:
            pass
        fh.close()
    argv = [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv and sys.argv[0] else ["python"]
    held = (f"{LOCK_NOTE}\npid: {os.getpid()}\nhost: {socket.gethostname()}\n"
            f"command: {' '.join(argv)}\nstarted: {_stamp()}\n")
    with fh:
        fh.seek(0)
        before = fh.read()
        last = lock_holder(before)
        unfinished = last if before.startswith(LOCK_NOTE) and "pid" in last and "ended" not in last else None
        fh.seek(0)
        fh.truncate()
        fh.write(held)
        fh.flush()
        try:
            yield unfinished
        finally:
            if not path.exists():
                lock_path.unlink(missing_ok=True)
            else:
                with contextlib.suppress(OSError):
                    fh.write(f"ended: {_stamp()} (the lock is free)\n")
                    fh.flush()
            fcntl.flock(fh, fcntl.LOCK_UN)


def _remove_stale_copies(path: Path) -> None:
    """Delete working copies (``<store>.tmp-<pid>``, their ``.wal``) left by runs that were killed,
    and DuckDB's spill folders of those copies (``<store>.tmp-<pid>.tmp``, made when a query
    spills to disk; a killed run leaves it behind, and it had made the next run fail).

    Called while holding the writer lock, so no live run of this store owns one. Returns how many
    were deleted."""
    removed = 0
    for stale in path.parent.glob(path.name + ".tmp-*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
        removed += 1
    return removed


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every declared table that does not exist yet, and add to an existing table the
    declared nullable columns it lacks (a store written by an older framewatch; its rows get NULL).
    A missing NOT NULL column is not added (no value could be given to the rows): writing that table fails."""
    have: dict[str, set[str]] = {}
    for table, column in con.execute("SELECT table_name, column_name FROM information_schema.columns").fetchall():
        have.setdefault(table, set()).add(column)
    for name in TABLES:
        if name not in have:
            con.execute(ddl(name))
            continue
        for col in TABLES[name]:
            if col.nullable and col.name not in have[name]:
                con.execute(f'ALTER TABLE "{name}" ADD COLUMN "{col.name}" {col.sql}')


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the writes of the ``with`` block in one DuckDB transaction: one commit for all of
    them (each statement outside a transaction commits on its own), rolled back on an error.

    Used for the tables of one score batch. A run killed inside it leaves the working copy
    without the batch, and the store as it was (:func:`writing`).

    Raises
    ------
    duckdb.TransactionException
        When *con* is already inside a transaction (DuckDB does not nest them).
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def write_table(con: duckdb.DuckDBPyConnection, name: str, df: pd.DataFrame, *, replace: bool = False) -> int:
    """Check *df* against table *name* and append it (or replace the table's rows).

    Returns the number of rows written.
    """
    df = check_frame(df, name)
    pause_point(f"write:{name}")
    if replace:
        con.execute(f'DELETE FROM "{name}"')
    if len(df):
        con.register("_fw_frame", df)
        try:
            cols = ", ".join(f'"{c}"' for c in column_names(name))
            con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM _fw_frame')
        finally:
            con.unregister("_fw_frame")
    return len(df)


def _arrow_fits(sql: str, arrow_type) -> bool:
    """Whether a Parquet column of *arrow_type* is what a frame of the same kind would hold
    for a column declared *sql* (an all-null column is written with Arrow's null type; an
    integer column with missing values as floats, which the INSERT casts as it would a frame's)."""
    import pyarrow.types as pt

    if pt.is_null(arrow_type):
        return True
    if sql == "VARCHAR":
        return pt.is_string(arrow_type) or pt.is_large_string(arrow_type)
    if sql in ("INTEGER", "BIGINT", "DOUBLE"):
        return pt.is_integer(arrow_type) or pt.is_floating(arrow_type)
    if sql == "BOOLEAN":
        return pt.is_boolean(arrow_type)
    if sql in ("DATE", "TIMESTAMPTZ"):
        return pt.is_timestamp(arrow_type) or pt.is_date(arrow_type)
    return False


def append_parquet(con: duckdb.DuckDBPyConnection, name: str, path: str | Path | list) -> int:
    """Append the rows of the local Parquet file *path* (or of each file of a list, in its order)
    to table *name*, read by DuckDB itself (no frame in between: :func:`write_table`'s checks on
    the files' schemas instead).

    Each file's columns must be the declared ones (any order), each of a kind that fits its
    SQL type (text, number, boolean, time; all-null columns, and any column of a file without
    rows, fit any), and NOT NULL columns
    without nulls (the row groups' statistics; the table enforces it too). Consecutive files of
    the same Arrow schema are read by one ``INSERT`` (``read_parquet`` of the list keeps the
    files' order and their rows' order). Returns the number of rows written.

    Raises
    ------
    StoreError
        When *name* is not a table, a file's columns or their types do not match it, or a
        NOT NULL column holds nulls (nothing is written then).
    """
    if name not in TABLES:
        raise StoreError(f"unknown table {name!r}", expected=", ".join(TABLES), found=name)
    runs: list[tuple] = []   # (schema, [files]): consecutive files with rows and the same schema
    n_rows = 0
    for one in ([path] if isinstance(path, (str, os.PathLike)) else path):
        schema, num_rows = _checked_parquet(name, one)
        n_rows += num_rows
        if not num_rows:
            continue
        if runs and runs[-1][0].equals(schema):
            runs[-1][1].append(str(one))
        else:
            runs.append((schema, [str(one)]))
    pause_point(f"write:{name}")
    cols = ", ".join(f'"{c.name}"' for c in TABLES[name])
    for _, files in runs:
        con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM read_parquet(?)', [files])
    return n_rows


def _checked_parquet(name: str, path: str | Path) -> tuple:
    """The Arrow schema and row count of the Parquet file *path*, after :func:`append_parquet`'s
    checks against table *name* (raises its StoreError)."""
    import pyarrow.parquet as pq

    meta = pq.read_metadata(path)
    schema = meta.schema.to_arrow_schema()
    have = {f.name: f.type for f in schema}
    want = {c.name: c.sql for c in TABLES[name]}
    # A file without rows adds nothing whatever its types: a batch with no quotes gives pandas'
    # empty columns, which are float64, not the text the table holds.
    wrong = [f"{c} {have[c]}" for c, sql in want.items()
             if c in have and meta.num_rows and not _arrow_fits(sql, have[c])]
    if set(have) != set(want) or wrong:
        raise StoreError(
            f"Parquet file does not match table {name!r}", where=str(path),
            expected=f"columns {list(want)} of types {list(want.values())}",
            found=f"missing {[c for c in want if c not in have]}, extra {[c for c in have if c not in want]}, "
                  f"wrong type {wrong}",
            fix="this is a bug in framewatch (or a worker of another version): please report it with the command you ran",
        )
    not_null = {c.name for c in TABLES[name] if not c.nullable}
    for i, col in enumerate(schema.names):   # the NOT NULL check of check_frame, from the row groups' statistics
        if col not in not_null:
            continue
        stats = [meta.row_group(g).column(i).statistics for g in range(meta.num_row_groups)]
        n_null = sum(st.null_count for st in stats if st is not None and st.has_null_count)
        if n_null:
            raise StoreError(f"null values in NOT NULL column {name}.{col}", where=str(path),
                             expected="a value on every row", found=f"{n_null} nulls",
                             fix="this is a bug in framewatch: please report it with the command you ran")
    return schema, meta.num_rows


def read_table(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """Whole table *name* as a frame (columns as declared; empty where an older store lacks one, :func:`columns_sql`;
    no rows where it lacks the table, e.g. ``article_counts`` before it existed)."""
    if name not in TABLES:
        raise StoreError(f"unknown table {name!r}", expected=", ".join(TABLES), found=name)
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[0]:
        return con.execute(f'SELECT {columns_sql(con, name)} LIMIT 0').df()
    return con.execute(f'SELECT {columns_sql(con, name)} FROM "{name}"').df()


def columns_sql(con: duckdb.DuckDBPyConnection, name: str, names=None) -> str:
    """A select list of the columns *names* (default: every declared one) of table *name*, with
    ``CAST(NULL AS type)`` for those that a store written by an older framewatch lacks: a read-only
    connection cannot add them (the next write does, :func:`ensure_tables`)."""
    have = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                                      [name]).fetchall()}
    sql = {c.name: c.sql for c in TABLES[name]}
    return ", ".join(f'"{n}"' if n in have else f'CAST(NULL AS {sql[n]}) AS "{n}"' for n in (names or sql))
