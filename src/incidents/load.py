"""Load and validate the incident and vendor files.

Every problem is collected (not only the first) and reported with its file, line, column, what
is wrong and how to fix it, as an :class:`~incidents.errors.InputError`. A successful load
returns a typed table: UTC-aware timestamps, categoricals for the vocabularies, an integer
severity.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from incidents import config, schema
from incidents.errors import InputError, Problem

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_UTC_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
_OFFSET_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?[+-]\d{2}:?\d{2}$"
_NAIVE_PATTERN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?)?$"
_ZEROED_BELOW = {"hour": r":00:00Z$", "day": r"T00:00:00Z$", "month": r"-01T00:00:00Z$"}
MAX_PROBLEMS_PER_CHECK = 10_000
FUTURE_TOLERANCE = pd.Timedelta(hours=1)


# ---------------------------------------------------------------- reading the raw file


def _read_text(path: Path) -> str:
    """The file's text; a BOM is accepted (spreadsheets write one), other encodings are not."""
    name = str(path)
    if not path.exists():
        raise InputError([Problem(name, None, None, "the file does not exist",
                                  "check the path, or pass another file with DATA=...")])
    if path.is_dir():
        raise InputError([Problem(name, None, None, "this is a folder, not a CSV file",
                                  "give the path of the CSV file itself")])
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError([Problem(
            name, line, None, f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8",
            "save the file as UTF-8 (in Excel: 'CSV UTF-8 (Comma delimited)')")]) from None
    if not text.strip():
        raise InputError([Problem(name, None, None, "the file is empty",
                                  "restore the file from git, or write at least the header row")])
    return text


def _split_records(text: str, name: str, expected: tuple[str, ...]) -> tuple[
        list[str], list[list[str]], list[int], list[Problem]]:
    """Parse CSV text into header, records and the line each record starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    try:
        header = next(reader)
        start = reader.line_num + 1
        for record in reader:
            if record:
                records.append(record)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError([Problem(name, reader.line_num, None, f"the CSV is malformed ({exc})",
                                  "close the quote or remove the stray quote character")]) from None
    header = [h.strip() for h in header]
    problems += _header_problems(header, name, expected)
    width = len(header)
    for record, line in zip(records, lines, strict=True):
        if len(record) != width:
            problems.append(Problem(
                name, line, None, f"the row has {len(record)} fields where the header has {width}",
                "quote any field that contains a comma, and check for a missing or extra comma"))
    return header, records, lines, problems


def _header_problems(header: list[str], name: str, expected: tuple[str, ...]) -> list[Problem]:
    if len(header) == 1 and ";" in header[0]:
        raise InputError([Problem(name, 1, None, "the file uses ';' as its delimiter",
                                  "save it as comma-separated CSV (CSV UTF-8, comma delimited)")])
    problems = []
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    for col in missing:
        guess = difflib.get_close_matches(col, extra, n=1)
        hint = f"the header '{guess[0]}' looks like it; rename it to '{col}'" if guess else (
            f"add the column '{col}' to the header (see data/README.md)")
        problems.append(Problem(name, 1, col, "a required column is missing", hint))
    for col in extra:
        if not difflib.get_close_matches(col, missing, n=1):
            problems.append(Problem(name, 1, col, "this column is not part of the schema",
                                    "remove it, or rename it to one of: " + ", ".join(expected)))
    seen: set[str] = set()
    for col in header:
        if col in seen:
            problems.append(Problem(name, 1, col, "the column appears twice",
                                    "keep one of the two columns"))
        seen.add(col)
    return problems


def read_records(path: Path, columns: tuple[str, ...]) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV into a frame of stripped strings with a ``_line`` column.

    Raises :class:`InputError` when the file cannot be read as a table at all (missing, empty,
    not UTF-8, wrong delimiter, missing columns); other problems are returned.
    """
    name = str(path)
    text = _read_text(path)
    header, records, lines, problems = _split_records(text, name, columns)
    if any(p.line == 1 for p in problems):
        raise InputError(problems)
    if not records:
        raise InputError([Problem(name, None, None, "the file has a header but no rows",
                                  "add at least one incident row")])
    good = [r for r in records if len(r) == len(header)]
    good_lines = [line for r, line in zip(records, lines, strict=True) if len(r) == len(header)]
    frame = pd.DataFrame(good, columns=header, dtype=object)
    frame = frame.apply(lambda s: s.str.strip())[list(columns)]
    frame["_line"] = np.asarray(good_lines, dtype=np.int64)
    return frame, problems


# ---------------------------------------------------------------- per-column checks


def _problems_where(frame: pd.DataFrame, bad: pd.Series, name: str, column: str,
                    message: str, fix: str) -> list[Problem]:
    rows = frame.loc[bad.to_numpy(), ["_line", column]].head(MAX_PROBLEMS_PER_CHECK)
    return [Problem(name, int(line), column, message.format(value=_shorten(value)), fix)
            for line, value in rows.itertuples(index=False)]


def _shorten(value: object, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _check_column(frame: pd.DataFrame, col: schema.Column, name: str) -> list[Problem]:
    values = frame[col.name]
    empty = values.eq("")
    problems: list[Problem] = []
    if col.required:
        problems += _problems_where(frame, empty, name, col.name, "the value is empty",
                                    _fix_for_empty(col))
    too_long = values.str.len().gt(col.max_length)
    problems += _problems_where(frame, too_long, name, col.name,
                                f"the value is longer than {col.max_length} characters",
                                "shorten it; put long explanations in the notes")
    present = ~empty & ~too_long
    checker = _KIND_CHECKS.get(col.kind)
    if checker is not None:
        problems += checker(frame, present, col, name)
    return problems


def _fix_for_empty(col: schema.Column) -> str:
    if col.vocabulary:
        return "write one of: " + ", ".join(col.vocabulary)
    return f"fill in {col.name} (see data/README.md)"


def _check_category(frame: pd.DataFrame, present: pd.Series, col: schema.Column,
                    name: str) -> list[Problem]:
    bad = present & ~frame[col.name].isin(col.terms)
    return _problems_where(frame, bad, name, col.name, "'{value}' is not a known term",
                           "write one of: " + ", ".join(col.vocabulary))


def _check_multi(frame: pd.DataFrame, present: pd.Series, col: schema.Column,
                 name: str) -> list[Problem]:
    terms = frame.loc[present, col.name].str.split(";").explode().str.strip()
    unknown = terms[~terms.isin(col.terms)]
    bad = pd.Series(False, index=frame.index)
    bad.loc[unknown.index.unique()] = True
    return _problems_where(frame, bad, name, col.name, "'{value}' holds a term not in the "
                           "vocabulary", "use ';'-separated terms from: "
                           + ", ".join(col.vocabulary))


def _check_timestamp(frame: pd.DataFrame, present: pd.Series, col: schema.Column,
                     name: str) -> list[Problem]:
    values = frame[col.name]
    wrong = present & ~values.str.match(_UTC_PATTERN)
    offset = wrong & values.str.match(_OFFSET_PATTERN)
    naive = wrong & values.str.match(_NAIVE_PATTERN)
    other = wrong & ~offset & ~naive
    fmt = "write it as YYYY-MM-DDTHH:MM:SSZ in UTC, e.g. 2026-03-19T14:30:00Z"
    problems = _problems_where(frame, offset, name, col.name, "'{value}' carries a UTC offset",
                               "convert it to UTC and " + fmt)
    problems += _problems_where(frame, naive, name, col.name, "'{value}' has no time zone",
                                "convert it to UTC and " + fmt)
    problems += _problems_where(frame, other, name, col.name, "'{value}' is not a date", fmt)
    good = present & ~wrong
    parsed = pd.to_datetime(values.where(good), format=UTC_FORMAT, utc=True, errors="coerce")
    impossible = good & parsed.isna()
    problems += _problems_where(frame, impossible, name, col.name,
                                "'{value}' is not a real date or time", fmt)
    return problems


def _check_severity(frame: pd.DataFrame, present: pd.Series, col: schema.Column,
                    name: str) -> list[Problem]:
    bad = present & ~frame[col.name].isin(col.terms)
    return _problems_where(frame, bad, name, col.name, "'{value}' is not a severity",
                           "write a whole number from 1 to 5 (see the scale in data/README.md)")


def _check_fraction(frame: pd.DataFrame, present: pd.Series, col: schema.Column,
                    name: str) -> list[Problem]:
    numbers = pd.to_numeric(frame[col.name].where(present), errors="coerce")
    bad = present & ~numbers.between(0, 1)
    return _problems_where(frame, bad, name, col.name, "'{value}' is not a fraction between 0 "
                           "and 1", "write it as a decimal, e.g. 0.999 for 99.9%")


_KIND_CHECKS = {
    "category": _check_category,
    "precision": _check_category,
    "multi": _check_multi,
    "timestamp": _check_timestamp,
    "severity": _check_severity,
    "fraction": _check_fraction,
}


# ---------------------------------------------------------------- checks across columns


def _check_rows(frame: pd.DataFrame, name: str, now: pd.Timestamp,
                known_vendors: Iterable[str] | None) -> list[Problem]:
    start = _parse(frame["start_utc"])
    end = _parse(frame["end_utc"])
    has_end = frame["end_utc"].ne("")
    problems = _problems_where(
        frame, has_end & frame["end_precision"].eq(""), name, "end_precision",
        "end_utc is given but its precision is not", "write minute, hour, day or month")
    problems += _problems_where(
        frame, ~has_end & frame["end_precision"].ne(""), name, "end_precision",
        "a precision is given for an empty end_utc", "empty this cell, or fill in end_utc")
    problems += _problems_where(frame, end < start, name, "end_utc",
                                "'{value}' is before start_utc",
                                "check both times and their time zones; end must follow start")
    too_long = (end - start) > pd.Timedelta(days=schema.MAX_DURATION_DAYS)
    problems += _problems_where(frame, too_long, name, "end_utc",
                                f"'{{value}}' is over {schema.MAX_DURATION_DAYS} days after the "
                                "start", "check the year and month of both times")
    problems += _problems_where(frame, start > now + FUTURE_TOLERANCE, name, "start_utc",
                                "'{value}' is in the future",
                                "check the year; times are UTC")
    for stamp, precision in (("start_utc", "start_precision"), ("end_utc", "end_precision")):
        problems += _precision_problems(frame, stamp, precision, name)
    problems += _duplicate_problems(frame, name)
    problems += _url_problems(frame, name)
    if known_vendors is not None:
        unknown = ~frame["vendor"].isin(set(known_vendors)) & frame["vendor"].ne("")
        problems += _problems_where(frame, unknown, name, "vendor",
                                    "'{value}' is not in data/vendors.csv",
                                    "add a row for this vendor to data/vendors.csv, or correct "
                                    "the spelling")
    return problems


def _parse(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.where(values.str.match(_UTC_PATTERN)), format=UTC_FORMAT,
                          utc=True, errors="coerce")


def _precision_problems(frame: pd.DataFrame, stamp: str, precision: str,
                        name: str) -> list[Problem]:
    problems = []
    for level, pattern in _ZEROED_BELOW.items():
        bad = frame[precision].eq(level) & frame[stamp].ne("") & ~frame[stamp].str.contains(
            pattern, regex=True)
        problems += _problems_where(frame, bad, name, stamp,
                                    f"'{{value}}' has parts finer than its precision ({level})",
                                    "zero the parts below the precision, or choose a finer one")
    return problems


def _duplicate_problems(frame: pd.DataFrame, name: str) -> list[Problem]:
    keys = frame[["vendor", "incident_id"]]
    dup = keys.duplicated(keep=False) & frame["incident_id"].ne("")
    first_line = frame.loc[dup].groupby(["vendor", "incident_id"])["_line"].transform("min")
    rows = frame.loc[dup, ["_line", "incident_id"]].assign(first=first_line)
    return [Problem(name, int(line), "incident_id",
                    f"'{ident}' is used again (first on line {first})" if line != first else
                    f"'{ident}' is used more than once for this vendor",
                    "merge the rows into one, or give each incident its own id")
            for line, ident, first in rows.itertuples(index=False)]


def _url_problems(frame: pd.DataFrame, name: str) -> list[Problem]:
    urls = frame["source_urls"].str.split(";").explode().str.strip()
    bad_urls = urls[urls.ne("") & ~urls.str.match(r"^https?://[^\s<>\"']+$")]
    bad = pd.Series(False, index=frame.index)
    bad.loc[bad_urls.index.unique()] = True
    return _problems_where(frame, bad, name, "source_urls", "'{value}' is not a list of web "
                           "addresses", "write full https:// addresses separated by ';'")


# ---------------------------------------------------------------- typed tables


def _typed_incidents(frame: pd.DataFrame) -> pd.DataFrame:
    typed = frame.copy()
    for col in schema.INCIDENT_COLUMNS:
        if col.kind == "timestamp":
            typed[col.name] = _parse(typed[col.name])
        elif col.kind in ("category", "precision"):
            typed[col.name] = pd.Categorical(typed[col.name].replace("", pd.NA),
                                             categories=list(col.vocabulary))
        elif col.kind == "severity":
            typed[col.name] = typed[col.name].astype("int8")
    typed = typed.rename(columns={"_line": "source_line"})
    return typed.sort_values(["start_utc", "vendor", "incident_id"], kind="stable").reset_index(
        drop=True)


def load_vendors(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read and validate ``vendors.csv``; raises :class:`InputError` listing every problem."""
    file = config.vendors_path(path)
    frame, problems = read_records(file, schema.VENDOR_COLUMN_NAMES)
    for col in schema.VENDOR_COLUMNS:
        problems += _check_column(frame, col, str(file))
    dup = frame["vendor"].duplicated(keep="first")
    problems += _problems_where(frame, dup, str(file), "vendor", "'{value}' is listed twice",
                                "keep one row per vendor")
    if problems:
        raise InputError(problems)
    typed = frame.rename(columns={"_line": "source_line"})
    for col in ("sla_target", "dependence_weight"):
        typed[col] = pd.to_numeric(typed[col].replace("", np.nan))
    return typed.reset_index(drop=True)


def validate_incidents(path: str | os.PathLike[str] | None = None, *,
                       vendors: pd.DataFrame | None = None,
                       now: pd.Timestamp | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read the incident file and return its raw rows with every problem found in them."""
    file = config.incidents_path(path)
    frame, problems = read_records(file, schema.INCIDENT_COLUMN_NAMES)
    name = str(file)
    for col in schema.INCIDENT_COLUMNS:
        problems += _check_column(frame, col, name)
    known = None if vendors is None else vendors["vendor"]
    problems += _check_rows(frame, name, now or pd.Timestamp.now(tz="UTC"), known)
    problems.sort(key=lambda p: (p.line or 0, p.column or ""))
    return frame, problems


def load_incidents(path: str | os.PathLike[str] | None = None, *,
                   vendors: pd.DataFrame | None = None, skip_invalid: bool = False,
                   now: pd.Timestamp | None = None) -> pd.DataFrame:
    """Load the incident file as a typed, validated table sorted by start time.

    With ``skip_invalid`` rows with problems are left out and listed, with their problems, in
    ``table.attrs["skipped"]`` (the report prints them); otherwise any problem raises
    :class:`InputError`. ``now`` (default: the current time) is the limit for start times.
    """
    frame, problems = validate_incidents(path, vendors=vendors, now=now)
    whole_file = [p for p in problems if p.line is None or p.line == 1]
    if problems and (not skip_invalid or whole_file):
        raise InputError(problems)
    keep = ~frame["_line"].isin({p.line for p in problems})
    typed = _typed_incidents(frame.loc[keep])
    typed.attrs["skipped"] = [str(p) for p in problems]
    typed.attrs["source_file"] = str(config.incidents_path(path))
    return typed


def multi_values(values: pd.Series) -> pd.Series:
    """Explode a ``;``-separated column into one stripped term per row (index repeated)."""
    exploded = values.fillna("").str.split(";").explode().str.strip()
    return exploded[exploded.ne("")]


SLUG_PATTERN = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ``text`` with runs of other characters turned into single hyphens."""
    return SLUG_PATTERN.sub("-", text.lower()).strip("-")
