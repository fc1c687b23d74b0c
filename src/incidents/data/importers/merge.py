"""Merge imported rows into ``incidents.csv`` without losing what a person curated.

An incident is known when the file has a row with the same ``vendor`` and ``incident_id``.
New incidents are added; for a known one each column follows one rule:

===========================  ===============================================================
column                       rule
===========================  ===============================================================
title, product, service,     the vendor's word: the imported value replaces the file's,
regions                      unless it is empty or ``unknown``
classification               as above, but a file value ``post-incident-review`` (a person
                             read the vendor's review) is kept
impact, severity             the imported pair replaces the file's when the file's pair is
                             one an import of this format could have written; a pair no
                             import writes (a person's judgement, e.g. outage/4 on a
                             Microsoft 365 row) is kept
end_utc, end_precision       the imported end replaces the file's, unless it is empty (the
                             file's end is kept: reported) or coarser
start_utc, start_precision   the imported start replaces the file's only when it is earlier
                             (vendors revise starts earlier as they learn more, and a person's
                             correction from the post text is earlier too) or the same time
                             at a finer precision, and never when coarser; a later imported
                             start is reported, not applied
detected_utc                 the imported time replaces the file's when the file has none or
                             it is earlier
affected_clients,            curated: the imported value is used only where the file's is
root_cause_category,         empty or ``unknown``; a different curated value is kept
root_cause, mitigation,      (reported)
change_induced
source_urls, related_ids     the union: the file's entries first, in their order, then new
                             imported ones
notes                        the file's notes, followed by each imported sentence the notes
                             do not already contain
record_id, event_id          the imported value, unless it is empty
scope                        curated: the imported value only where the file's is empty or
                             ``unknown``
end_latest_utc,              follow the end: replaced together with ``end_utc`` (a poll
last_impact_utc              bound, or the last update still reporting impact)
===========================  ===============================================================

After the merge, an optional ``regroup`` function sees every row of the file and may set
``event_id`` (rows of one event: an incident cross-posted on several pages, one AWS event
across regions), so grouping never depends on which file was imported first.

Precision order: minute < hour < day < month ("coarser" means later in that order).

Writers take a lock (``fcntl.flock`` on ``.incidents.csv.lock`` beside the file) for the whole
read-merge-write, so two imports at once run one after the other; a read-only file is refused.
The file is rewritten atomically (a temporary file in the same folder, fsync, ``os.replace``)
only after the merged table passes :func:`incidents.data.load.validate_incidents`; on problems an
:class:`~incidents.errors.InputError` is raised and the file is left untouched. Rows are sorted
by ``start_utc, vendor, incident_id`` with the schema's column order; a row whose values did
not change keeps its exact original text, so ``git diff`` shows only what changed. Control
characters are removed from every cell (cells are *not* neutralised against spreadsheet
formulas: the file is data, not a spreadsheet export). Importing the same feed twice leaves
the file byte-identical.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incidents.data import companions, locking, read, schema
from incidents.data.importers.common import Finding, Row, clean
from incidents.errors import InputError, Problem

COLUMNS = schema.INCIDENT_COLUMN_NAMES
PRECISION_RANK = {name: rank for rank, name in enumerate(schema.PRECISIONS)}  # minute=0 ...
FEED_FIELDS = ("title", "product", "service", "regions", "classification")
CURATED_FIELDS = ("affected_clients", "root_cause_category", "root_cause", "mitigation",
                  "change_induced", "scope")
RECORD_FIELDS = ("record_id", "event_id")
UNION_FIELDS = ("source_urls", "related_ids")
KEPT = "merge kept the file's value"
_ZERO = {"minute": 16, "hour": 13, "day": 10, "month": 7}  # characters kept at each precision

Key = tuple[str, str]
_Keep = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class Change:
    """One cell of a known incident that the merge changes."""

    column: str
    old: str
    new: str

    def __str__(self) -> str:
        if self.old and self.new.startswith(self.old):  # a union or appended notes
            return f"{self.column}: + '{_short(self.new[len(self.old):].lstrip(' ;'))}'"
        return f"{self.column}: '{_short(self.old)}' -> '{_short(self.new)}'"


@dataclass
class MergeResult:
    """What a merge did (or, in a dry run, would do) to the file."""

    path: Path
    added: list[Key] = field(default_factory=list)
    changed: dict[Key, list[Change]] = field(default_factory=dict)
    unchanged: list[Key] = field(default_factory=list)
    kept: list[Finding] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False

    def diff_lines(self) -> list[str]:
        """The diff as text: added ids, then changed cells ``old -> new``."""
        lines = []
        for vendor, ident in self.added:
            lines.append(f"  + {vendor} / {ident}")
        for (vendor, ident), changes in self.changed.items():
            lines.append(f"  ~ {vendor} / {ident}")
            lines += [f"      {change}" for change in changes]
        return lines


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- merging rows


def _informative(value: str) -> bool:
    return value.strip() not in ("", "unknown")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _union(old: str, new: str) -> str:
    items = _split(old)
    items += [item for item in _split(new) if item not in items]
    return ";".join(items)


_SENTENCE = re.compile(r"(?<=\.)\s+(?=[A-Z0-9\"'(])")


def _merge_notes(old: str, new: str) -> str:
    if not old.strip():
        return new
    added = [s for s in _SENTENCE.split(new) if s.strip() and s.strip() not in old]
    return " ".join([old, *added]) if added else old


def _rank(precision: str) -> int:
    return PRECISION_RANK.get(precision, len(PRECISION_RANK))


def _truncate(stamp: str, precision: str) -> str:
    """``stamp`` cut to ``precision`` (for comparing times of different precision)."""
    return stamp[: _ZERO.get(precision, len(stamp))]


def merge_row(old: Row, new: Row, derivable: frozenset[tuple[str, str]] | None = None
              ) -> tuple[Row, list[Finding]]:
    """``old`` (the file's row) updated from ``new`` (the imported row) by the module's rules.

    ``derivable`` is the set of (impact, severity) pairs the importer can write; None lets
    the imported pair always win. Returns the merged row and the decisions where the file's
    value was kept over a different imported one.
    """
    merged = dict(old)
    kept: list[Finding] = []
    ident = old["incident_id"]

    def keep(column: str, reason: str) -> None:
        kept.append(Finding(KEPT, f"{column}: file '{_short(old[column], 40)}' kept, feed says "
                            f"'{_short(new[column], 40)}' ({reason})", ident, "warning"))

    for column in FEED_FIELDS:
        if not _informative(new[column]) or new[column] == old[column]:
            continue
        if column == "classification" and old[column] == "post-incident-review":
            keep(column, "a post-incident review is known")
            continue
        merged[column] = new[column]

    pair_old, pair_new = (old["impact"], old["severity"]), (new["impact"], new["severity"])
    if pair_new != pair_old and all(pair_new):
        if derivable is None or pair_old in derivable or not all(pair_old):
            merged["impact"], merged["severity"] = pair_new
        else:
            for column in ("impact", "severity"):
                if old[column] != new[column]:
                    keep(column, "judged by a person: no import writes this impact/severity")

    _merge_start(old, new, merged, keep)
    if new["detected_utc"] and (not old["detected_utc"] or new["detected_utc"] < old[
            "detected_utc"]):
        merged["detected_utc"] = new["detected_utc"]
    _merge_end(old, new, merged, keep)

    for column in CURATED_FIELDS:
        if _informative(old[column]):
            if _informative(new[column]) and new[column] != old[column]:
                keep(column, "curated")
        elif new[column].strip() and (new[column] != "unknown" or not old[column].strip()):
            merged[column] = new[column]

    for column in RECORD_FIELDS:
        if new[column].strip():
            merged[column] = new[column]
    for column in UNION_FIELDS:
        merged[column] = _union(old[column], new[column])
    merged["notes"] = _merge_notes(old["notes"], new["notes"])
    return merged, kept


def _merge_start(old: Row, new: Row, merged: Row, keep: _Keep) -> None:
    if not new["start_utc"] or (new["start_utc"] == old["start_utc"] and (
            new["start_precision"] == old["start_precision"])):
        return
    if not old["start_utc"]:
        merged["start_utc"], merged["start_precision"] = new["start_utc"], new["start_precision"]
        return
    rank_old, rank_new = _rank(old["start_precision"]), _rank(new["start_precision"])
    if rank_new > rank_old:
        keep("start_utc", "the imported start is coarser")
        return
    within = _truncate(new["start_utc"], old["start_precision"]) == _truncate(
        old["start_utc"], old["start_precision"])
    if new["start_utc"] < old["start_utc"] or (within and rank_new < rank_old):
        merged["start_utc"], merged["start_precision"] = new["start_utc"], new["start_precision"]
    elif new["start_utc"] != old["start_utc"]:
        keep("start_utc", "a start only moves earlier")


def _merge_end(old: Row, new: Row, merged: Row, keep: _Keep) -> None:
    if new["end_utc"] == old["end_utc"] and new["end_precision"] == old["end_precision"]:
        if new["end_utc"] and new["end_latest_utc"] != old["end_latest_utc"]:
            merged["end_latest_utc"] = new["end_latest_utc"]
        if not new["end_utc"] and new["last_impact_utc"] > old["last_impact_utc"]:
            merged["last_impact_utc"] = new["last_impact_utc"]
        return
    if not new["end_utc"]:
        keep("end_utc", "the feed says ongoing")
        return
    if old["end_utc"] and _rank(new["end_precision"]) > _rank(old["end_precision"]):
        keep("end_utc", "the imported end is coarser")
        return
    merged["end_utc"], merged["end_precision"] = new["end_utc"], new["end_precision"]
    merged["end_latest_utc"], merged["last_impact_utc"] = new["end_latest_utc"], ""


def sort_key(row: Row) -> tuple[str, str, str]:
    """Order of rows in the CSV: start time, then vendor, then id (stable diffs in git)."""
    return (row["start_utc"], row["vendor"], row["incident_id"])


def merge_rows(existing: Iterable[Row], imported: Iterable[Row],
               derivable: frozenset[tuple[str, str]] | None = None,
               regroup: Callable[[list[Row]], None] | None = None,
               ) -> tuple[list[Row], MergeResult]:
    """The merged, sorted rows and what changed (``MergeResult.path`` is left empty)."""
    result = MergeResult(Path())
    originals = [dict(row) for row in existing]
    current: dict[Key, Row] = {}
    for row in originals:
        current[(row["vendor"], row["incident_id"])] = {c: clean(row.get(c, "")) for c in COLUMNS}
    touched: set[Key] = set()
    for row in imported:
        new = {c: clean(row.get(c, "")) for c in COLUMNS}
        key = (new["vendor"], new["incident_id"])
        if key in current:
            merged, kept = merge_row(current[key], new, derivable)
            current[key] = merged
            result.kept += kept
        else:
            current[key] = new
            result.added.append(key)
        touched.add(key)
    if regroup is not None:
        regroup(list(current.values()))
    for row in originals:
        key = (row["vendor"], row["incident_id"])
        final = current[key]
        changes = [Change(c, row.get(c, ""), final[c]) for c in COLUMNS
                   if row.get(c, "") != final[c]]
        if changes:
            result.changed[key] = changes
        elif key in touched:
            result.unchanged.append(key)
    return sorted(current.values(), key=sort_key), result


# ---------------------------------------------------------------- the file


@dataclass
class _FileState:
    """The incident file as read: rows, each row's original text and the text's conventions."""

    rows: list[Row]
    raw: list[str]
    header_raw: str | None
    newline: str = "\n"
    bom: bool = False
    digest: str = ""


def _records_with_text(text: str) -> list[tuple[list[str], str]]:
    """CSV records of ``text`` with the exact text each came from (line ending included)."""
    stream = io.StringIO(text, newline="")
    consumed: list[str] = []

    def lines() -> Iterable[str]:
        for line in iter(stream.readline, ""):
            consumed.append(line)
            yield line

    out = []
    for record in csv.reader(lines(), strict=True):
        raw = "".join(consumed)
        consumed.clear()
        if record:
            out.append((record, raw))
    return out


def read_state(path: Path) -> _FileState:
    """Read ``path`` (absent: an empty table) with the loader's checks of its structure."""
    if not path.exists():
        return _FileState([], [], None)

    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
        records = _records_with_text(text) if text.strip() else []
    except (UnicodeDecodeError, csv.Error):
        read.read_records(path, COLUMNS)  # raises the loader's detailed error
        raise
    bom = data.startswith(b"\xef\xbb\xbf")
    if not records:  # empty, or a header without rows: start from scratch
        return _FileState([], [], None, bom=bom, digest=digest)
    header, header_raw = records[0]
    newline = "\r\n" if header_raw.endswith("\r\n") else "\n"
    if len(records) == 1 and [h.strip() for h in header] == list(COLUMNS):
        return _FileState([], [], header_raw, newline, bom, digest)
    frame, problems = read.read_records(path, COLUMNS)  # raises on a wrong header
    if problems:
        raise InputError(problems)
    rows = [{c: str(v) for c, v in zip(COLUMNS, values, strict=True)}
            for values in frame[list(COLUMNS)].itertuples(index=False, name=None)]
    raws = [raw for _, raw in records[1:]]
    if len(raws) != len(rows):  # cannot happen when read_records found no problem
        raws = [""] * len(rows)
    _check_duplicates(rows, frame["_line"].tolist(), path)
    reuse_header = header_raw if header == list(COLUMNS) else None
    return _FileState(rows, raws, reuse_header, newline, bom, digest)


def _check_duplicates(rows: list[Row], lines: list[int], path: Path) -> None:
    first: dict[Key, int] = {}
    problems = []
    for row, line in zip(rows, lines, strict=True):
        key = (row["vendor"], row["incident_id"])
        if key in first:
            problems.append(Problem(str(path), line, "incident_id",
                                    f"'{key[1]}' is used again (first on line {first[key]})",
                                    "merge the rows into one before importing"))
        first.setdefault(key, line)
    if problems:
        raise InputError(problems)


def _serialise(values: list[str], newline: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerow(values)
    return buffer.getvalue()


def render(rows: list[Row], state: _FileState) -> str:
    """The file's text for ``rows``: unchanged rows keep their original text."""
    original: dict[tuple[str, ...], str] = {}
    for row, raw in zip(state.rows, state.raw, strict=True):
        if not raw or state.header_raw is None:
            continue
        record = next(csv.reader(io.StringIO(raw, newline="")), [])
        if record == [row[c] for c in COLUMNS]:
            original[tuple(record)] = raw if raw.endswith(("\n", "\r")) else raw + state.newline
    header = state.header_raw or _serialise(list(COLUMNS), state.newline)
    if not header.endswith(("\n", "\r")):
        header += state.newline
    parts = ["\ufeff" if state.bom else "", header]
    for row in rows:
        values = [row[c] for c in COLUMNS]
        parts.append(original.get(tuple(values)) or _serialise(values, state.newline))
    return "".join(parts)


def merge_file(path: str | os.PathLike[str], imported: list[Row], *,
               derivable: frozenset[tuple[str, str]] | None = None,
               vendors_path: str | os.PathLike[str] | None = None,
               dry_run: bool = False, now: Any = None,
               imported_from: str = "the feed",
               regroup: Callable[[list[Row]], None] | None = None,
               records: Any = None) -> MergeResult:
    """Merge ``imported`` into the incident file at ``path`` (created when absent).

    The merged table is validated like a curated file (vendors checked against
    ``vendors_path`` when that file exists) before it replaces the original; a dry run
    validates and reports but writes nothing.
    """
    target = Path(path)
    check_target(target)

    def merge() -> MergeResult:
        return _merge_file(target, imported, derivable, vendors_path, dry_run, now,
                           imported_from, regroup, records)

    if dry_run:
        return merge()
    _check_writable(target)
    # Read, merge and replace under one lock: a second import waits for the first and then
    # merges into what the first wrote, instead of replacing it with its own older copy.
    with locking.exclusive(locking.lock_path_for(target), f"the incident file {target}"):
        return merge()


def check_target(target: Path) -> None:
    """Raise :class:`InputError` when :func:`target_problem` finds one."""
    problem = target_problem(target)
    if problem is not None:
        raise InputError([problem])


def target_problem(target: Path) -> Problem | None:
    """Why ``target`` cannot be the incident file an import writes, or ``None``: it must be a
    regular file or a new name in an existing folder. A FIFO or a device (``/dev/null``,
    ``/dev/zero``) would be read forever or swallow the merge, a folder cannot be replaced by
    a file, and a symbolic link would be replaced by a plain file (``os.replace`` does not
    follow it). Checked before anything reads or writes the target."""
    fix = ("pass --into the path of an incident CSV file, or a new file name inside an "
           "existing folder")
    try:
        mode = target.lstat().st_mode
    except FileNotFoundError:
        return None if target.parent.is_dir() else Problem(
            str(target), None, None, "its folder does not exist", fix)
    except OSError as exc:  # e.g. a path through a file (NotADirectoryError)
        return Problem(str(target), None, None, f"the path cannot be used "
                       f"({exc.strerror or exc})", fix)
    what = ("a symbolic link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode)
            else None if stat.S_ISREG(mode) else "not a regular file (a pipe, a device or a "
            "socket)")
    if what is None:
        return None
    return Problem(str(target), None, None, f"this is {what}; an import writes only a "
                   "regular file", fix)


def _check_writable(target: Path) -> None:
    """Refuse a missing folder, and a file its owner made read-only (``os.replace`` would
    silently put a writable file in its place)."""
    if not target.parent.is_dir():
        raise InputError([Problem(str(target), None, None, "its folder does not exist",
                                  "create the folder, or pass another --into path")])
    if target.exists() and (not target.stat().st_mode & 0o222 or not os.access(target, os.W_OK)):
        raise InputError([Problem(str(target), None, None, "the file is read-only",
                                  "make it writable (chmod u+w) if the import may change it, "
                                  "or pass --dry-run to see what it would do")])


def _merge_file(target: Path, imported: list[Row], derivable: frozenset[tuple[str, str]] | None,
                vendors_path: str | os.PathLike[str] | None, dry_run: bool, now: Any,
                imported_from: str, regroup: Callable[[list[Row]], None] | None,
                records: Any) -> MergeResult:
    state = read_state(target)
    rows, result = merge_rows(state.rows, imported, derivable, regroup)
    result.path, result.dry_run = target, dry_run
    data = render(rows, state).encode("utf-8")
    same = target.exists() and data == target.read_bytes()
    publish = not dry_run and not same and (bool(rows) or target.exists())
    _validate_and_publish(target, data, rows, set(result.added), vendors_path, now,
                          imported_from, publish=publish, state=state, records=records)
    result.written = publish
    return result


def _validate_and_publish(target: Path, data: bytes, rows: list[Row], added: set[Key],
                          vendors_path: str | os.PathLike[str] | None, now: Any,
                          imported_from: str, *, publish: bool, state: _FileState,
                          records: Any = None) -> None:
    """Write ``data`` next to ``target``, validate it and, with ``publish``, replace
    ``target`` by it (atomically); the temporary file never outlives the call."""
    from incidents import config
    from incidents.data import load

    vendors_file = config.vendors_path(vendors_path)
    vendors = companions.load_vendors(vendors_file) if vendors_file.exists() else None
    directory = target.parent
    if not directory.is_dir():
        raise InputError([Problem(str(target), None, None, "its folder does not exist",
                                  "create the folder, or pass another --into path")])
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=directory)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if rows:
            _, problems = load.validate_incidents(temp, vendors=vendors, now=now,
                                                  records=records)
            if problems:
                raise InputError(_relabel(problems, target, rows, added, imported_from))
        if not publish:
            return
        if target.exists():
            current = hashlib.sha256(target.read_bytes()).hexdigest()
            if current != state.digest:
                raise InputError([Problem(str(target), None, None,
                                          "the file changed while the import was running",
                                          "run the import again")])
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
        os.chmod(temp, mode)
        os.replace(temp, target)
        _fsync_directory(directory)
    finally:
        if temp.exists():
            temp.unlink()


def _relabel(problems: list[Problem], target: Path, rows: list[Row], added: set[Key],
             imported_from: str) -> list[Problem]:
    """Problems of the temporary merged file, named after the target and the incident."""
    out = []
    for problem in problems:
        message = problem.message
        if problem.line is not None and 2 <= problem.line < len(rows) + 2:
            row = rows[problem.line - 2]
            key = (row["vendor"], row["incident_id"])
            origin = f"imported from {imported_from}" if key in added else "in the file"
            message = f"{key[0]} {key[1]} ({origin}): {message}"
        out.append(Problem(f"{target} (as it would be after the import)", problem.line,
                           problem.column, message, problem.fix))
    return out


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
