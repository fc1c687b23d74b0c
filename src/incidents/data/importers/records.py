"""Imports into a record (``import FORMAT FILE --record RECORD_ID``).

A record's rows live in their own file, ``data/records/<record_id>.csv``, listed in
``data/records.csv`` beside the incident file. An import with ``--record`` merges into that
file and checks every row against the record's vendor and period. A Microsoft 365 tenant
export (``msgraph``) may name a record that is not listed yet: it becomes a ``tenant``
record, complete from the export's first issue to the last day the export shows (its latest
start, end or post); a later export of the same tenant extends that period. Other formats
need the record to be listed first (its period, capture and misses are a person's statement).

Rows of the feed that start outside the record's period are not imported into it (reported as
dropped): a feed can span two records, e.g. a poll file whose later years were polled more
slowly, or Google Cloud's feed before and after it narrowed to multi-product incidents. Import
the same file again with the other record's id for those rows.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from incidents import config
from incidents.data import companions, load, schema
from incidents.data.importers.common import Row
from incidents.errors import ImportUsageError

TENANT_FORMATS = frozenset({"msgraph"})
GRAPH_ISSUES_URL = "https://graph.microsoft.com/v1.0/admin/serviceAnnouncement/issues"
TENANT_MISSES = ("only what this tenant's service health showed: complete for the tenant "
                 "from its first issue; Microsoft may re-log an issue under a new id or "
                 "change its classification (incident to advisory) between updates")
RECORD_FILE_FOLDER = "records"


def check_record_id(record: object) -> str:
    """``record`` when it is a record id (:data:`schema.RECORD_ID_PATTERN`); otherwise an
    :class:`ImportUsageError`. The id becomes a file name, so this runs before any file or
    folder is touched: ``../x`` or ``/etc/x`` must never reach a path."""
    if schema.is_record_id(record):
        return str(record)
    shown = load.shorten(record) if isinstance(record, str) else repr(record)
    raise ImportUsageError(f"--record '{shown}' is not a record id: it must be "
                           f"{schema.RECORD_ID_RULE}. Fix: pass the id as data/records.csv "
                           "lists it, e.g. --record github-status-history")


def _record_target(folder: Path, records_path: Path, record: str, file: str) -> Path:
    """The record's file, ``file`` relative to ``folder``; refused when ``records.csv`` names
    an absolute path or one that climbs out of the folder (``..``)."""
    if not schema.is_relative_file(file):
        raise ImportUsageError(
            f"{records_path}: record '{record}' names the file '{load.shorten(file)}', which is "
            f"not a path inside {folder}. Fix: set its file to {record_file(record)}")
    return folder / file


def record_file(record_id: str) -> str:
    """The file of a record, relative to ``data/``."""
    return f"{RECORD_FILE_FOLDER}/{record_id}.csv"


def _days(rows: list[Row]) -> tuple[str, str]:
    first = min(row["start_utc"][:10] for row in rows)
    stamps = [row[c][:10] for row in rows for c in ("start_utc", "end_utc", "detected_utc")
              if row[c]]
    return first, max(stamps)


def _render(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(schema.RECORD_COLUMN_NAMES)
    for values in frame[list(schema.RECORD_COLUMN_NAMES)].itertuples(index=False, name=None):
        writer.writerow(["" if pd.isna(v) else str(v) for v in values])
    return buffer.getvalue()


def _raw_records(path: Path) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=list(schema.RECORD_COLUMN_NAMES))
    return pd.read_csv(path, dtype=str, keep_default_na=False)[list(schema.RECORD_COLUMN_NAMES)]


def _typed(text: str, folder: Path, vendors: pd.DataFrame | None) -> pd.DataFrame:
    handle, name = tempfile.mkstemp(prefix=".records.", suffix=".csv", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        table = companions.load_records(name, vendors)
    finally:
        Path(name).unlink(missing_ok=True)
    table.attrs["source_file"] = str(folder / config.RECORDS_NAME)
    return table


def prepare(record: str, fmt: str, rows: list[Row], main: Path, *,
            vendors: str | os.PathLike[str] | None = None
            ) -> tuple[Path, pd.DataFrame, str, Callable[[], None], list[Row]]:
    """The record's file, the records table to validate against, a note for the summary, a
    function that writes ``records.csv`` when the record was created or extended (call it
    after the merge succeeded; it does nothing otherwise) and the rows that start outside the
    record's period (removed from ``rows``)."""

    check_record_id(record)
    folder = main.parent
    records_path = folder / config.RECORDS_NAME
    vendors_file = config.vendors_path(vendors)
    vendor_table = companions.load_vendors(vendors_file) if vendors_file.exists() else None
    raw = _raw_records(records_path)
    listed = raw["record_id"].eq(record)
    note = ""
    changed = False
    if listed.any():
        index = raw.index[listed][0]
        if raw.at[index, "kind"] == "tenant" and fmt in TENANT_FORMATS and rows:
            first, last = _days(rows)
            new_from = min(first, raw.at[index, "complete_from"])
            new_to = max(last, raw.at[index, "complete_to"])
            if (new_from, new_to) != (raw.at[index, "complete_from"],
                                      raw.at[index, "complete_to"]):
                raw.loc[index, ["complete_from", "complete_to"]] = [new_from, new_to]
                note = f"tenant record {record} now covers {new_from} to {new_to}"
                changed = True
    elif fmt in TENANT_FORMATS:
        if not rows:
            raise ImportUsageError(f"the export holds no issue: tenant record '{record}' "
                                   "cannot start. Fix: export again once the tenant has issues")
        first, last = _days(rows)
        vendor = rows[0]["vendor"]
        raw = pd.concat([raw, pd.DataFrame([{
            "record_id": record, "vendor": vendor, "kind": "tenant", "capture": "complete",
            "complete_from": first, "complete_to": last, "capture_rate": "",
            "file": record_file(record), "source_url": GRAPH_ISSUES_URL, "archive": "",
            "misses": TENANT_MISSES}])], ignore_index=True)
        note = f"tenant record {record} created in {records_path}: {first} to {last}"
        changed = True
    else:
        raise ImportUsageError(
            f"record '{record}' is not in {records_path}. Fix: add its row (vendor, kind, "
            "capture, period, file records/<record_id>.csv, misses) first, or import a "
            "tenant export with FORMAT msgraph")
    index = raw.index[raw["record_id"].eq(record)][0]
    target = _record_target(folder, records_path, record, raw.at[index, "file"])
    first_day, last_day = raw.at[index, "complete_from"], raw.at[index, "complete_to"]
    outside = [row for row in rows if not first_day <= row["start_utc"][:10] <= last_day]
    rows[:] = [row for row in rows if first_day <= row["start_utc"][:10] <= last_day]
    text = _render(raw)
    table = _typed(text, folder, vendor_table)

    def commit() -> None:
        if not changed:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".records.", suffix=".tmp", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(name, records_path)

    target.parent.mkdir(parents=True, exist_ok=True)
    return target, table, note, commit, outside
