"""Incident files checked once: a file's validated table is kept until the file changes.

Reading an incident file and checking every cell (:func:`incidents.data.load.load_incidents`)
costs most of a report run's start on the real evidence base (about 2.5 s for a dozen record
files), and a monthly refresh changes one or two files. :func:`load_checked` keeps each
file's typed table in ``.build/checked/`` under a SHA-256 of the file's bytes and of the
loader's code (every module of :mod:`incidents.data`, the Python and pandas versions), so an
unchanged file is read from there and a changed one is checked again.

A check also depends on three things outside the file; a kept table records what it needs to
judge each, and is used only while all three still hold:

- the time now (a start more than an hour in the future is refused): the table's latest start
  must not be in the future now. Time moves on, so a table checked once stays valid.
- the vendor table (a vendor listed there but spelled another way in a row is refused): none
  of the table's vendor names may be such a variant of a name listed now.
- ``records.csv`` (a row names a record of its vendor and starts inside its period): the
  digest of the record rows the table names must be the one it was checked against.

Only a file without any problem is kept: a file with problems is checked afresh every run,
so its messages always come from the current files. Chosen over ``joblib.Memory``, which
keys on a function's arguments (tables here) and would hash every input table on every call:
the key here is the file's bytes, hashed once, and the conditions are checked explicitly.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import platform
import stat
import sys
import tempfile
from pathlib import Path

import pandas as pd

from incidents import config
from incidents.data import load, read

#: The folder in the build folder where checked tables are kept.
CACHE_NAME = "checked"
#: Tables kept at most; the least recently used go first.
MOST_KEPT = 200
#: What a kept entry is: a version, so that an entry of another layout is never read.
LAYOUT = 1
#: Columns of ``records.csv`` a row's check reads.
RECORD_COLUMNS = ("vendor", "kind", "complete_from", "complete_to")


def cache_dir() -> Path:
    """Where checked tables are kept (read when called: the build folder can move)."""
    return config.BUILD_DIR / CACHE_NAME


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """The loader's code: every module of :mod:`incidents.data` and the versions of Python
    and pandas (a kept table is a pickle of pandas objects)."""
    digest = hashlib.sha256(f"{LAYOUT} {sys.version} {platform.machine()} "
                            f"{pd.__version__}".encode())
    folder = Path(load.__file__).parent
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def load_checked(path: str | os.PathLike[str], *, vendors: pd.DataFrame | None = None,
                 records: pd.DataFrame | None = None, skip_invalid: bool = False,
                 now: pd.Timestamp | None = None, cache: Path | None = None) -> pd.DataFrame:
    """:func:`incidents.data.load.load_incidents` of ``path``, taken from ``cache`` when the
    same bytes were checked before and the conditions outside the file still hold (see the
    module's docstring); a clean result is kept there for the next run. Without ``cache``
    the file is always checked."""
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    key = _file_key(Path(path)) if cache is not None else None
    if key is not None:
        entry = _read_entry(cache / f"{key}.pickle")
        if entry is not None and _still_valid(entry, vendors, records, now):
            table = entry["table"]
            table.attrs.update(skipped=[], skipped_problems=[], source_file=str(
                config.incidents_path(path)))
            return table
    table = load.load_incidents(path, vendors=vendors, records=records,
                                skip_invalid=skip_invalid, now=now)
    if key is not None and not table.attrs.get("skipped"):
        _write_entry(cache, key, {
            "layout": LAYOUT, "table": table, "vendors": sorted(
                set(table["vendor"].astype(str))),
            "latest_start": table["start_utc"].max() if len(table) else None,
            "records": _records_digest(table, records)})
    return table


def _file_key(path: Path) -> str | None:
    """The key of ``path``'s bytes under the current code; ``None`` when it is not a
    regular file of a size the loader reads (the loader then says what is wrong)."""
    try:
        if not path.is_file() or path.stat().st_size > read.MAX_FILE_BYTES:
            return None
        content = path.read_bytes()
    except OSError:
        return None
    return hashlib.sha256(code_digest().encode() + hashlib.sha256(content).digest()
                          ).hexdigest()


def _still_valid(entry: dict, vendors: pd.DataFrame | None, records: pd.DataFrame | None,
                 now: pd.Timestamp) -> bool:
    """Whether what the kept table was checked against outside its file still holds."""
    latest = entry["latest_start"]
    if latest is not None and pd.notna(latest) and latest > now + load.FUTURE_TOLERANCE:
        return False
    if vendors is not None:
        listed = set(vendors["vendor"].astype(str))
        folded = {load.fold_name(name) for name in listed}
        if any(name not in listed and load.fold_name(name) in folded
               for name in entry["vendors"]):
            return False
    return entry["records"] == _records_digest(entry["table"], records)


def _records_digest(table: pd.DataFrame, records: pd.DataFrame | None) -> str:
    """A digest of the rows of ``records`` that ``table``'s rows name (or of their absence),
    as the row checks read them; a fixed text without ``records`` (nothing is checked)."""
    if records is None:
        return "no records"
    named = sorted(set(table["record_id"].astype(str))) if len(table) else []
    known = records.drop_duplicates("record_id").set_index("record_id")
    rows = known.reindex(named)[list(RECORD_COLUMNS)].astype(str)
    listed = pd.Index(named).isin(known.index)
    lines = [f"{record}\t" + ("\t".join(values) if present else "(not listed)")
             for record, values, present in zip(named, rows.to_numpy().tolist(), listed,
                                                strict=True)]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _read_entry(path: Path) -> dict | None:
    """The entry kept at ``path``, or ``None`` when there is none or it is not one of ours
    (a link or another file type is never followed; an unreadable entry is checked again)."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(handle, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                return None
            entry = pickle.load(file)  # written by this package into its own build folder
    except Exception:  # a truncated or foreign file: check the incident file again
        return None
    if not isinstance(entry, dict) or entry.get("layout") != LAYOUT:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # the least recently used entries are the ones pruned
    return entry


def _write_entry(folder: Path, key: str, entry: dict) -> None:
    """Keep ``entry`` as ``folder/<key>.pickle`` (written whole, then renamed into place, so
    a run reading at the same time sees the old entry or the new one); prune old entries.
    A build folder that cannot be written only costs the next run the check."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".entry-", dir=folder)
        with os.fdopen(handle, "wb") as file:
            pickle.dump(entry, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, folder / f"{key}.pickle")
    except OSError:
        return
    _prune(folder)


def _prune(folder: Path, most: int = MOST_KEPT) -> None:
    try:
        kept = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in kept[most:]:
        old.unlink(missing_ok=True)
