"""Load and validate the incident and vendor files.

Every problem is collected (not only the first) and reported with its file, line, column, what
is wrong and how to fix it, as an :class:`~incidents.errors.InputError`. A successful load
returns a typed table: UTC-aware timestamps, categoricals for the vocabularies, an integer
severity.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from incidents import config
from incidents.data import read, schema, sources
from incidents.errors import InputError, Problem

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# ``[0-9]``, not ``\d`` (which also matches other scripts' digits, e.g. fullwidth ``２``), and
# ``\Z``, not ``$`` (which also matches before a final newline).
_UTC_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z"
_OFFSET_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(\.[0-9]+)?"
                   r"[+-][0-9]{2}:?[0-9]{2}\Z")
_NAIVE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(\.[0-9]+)?)?\Z"
_ZEROED_BELOW = {"minute": r":00Z\Z", "hour": r":00:00Z\Z", "day": r"T00:00:00Z\Z",
                 "month": r"-01T00:00:00Z\Z"}
MAX_PROBLEMS_PER_CHECK = 10_000
FUTURE_TOLERANCE = pd.Timedelta(hours=1)


# ---------------------------------------------------------------- reading the raw file


# ---------------------------------------------------------------- per-column checks


def problems_where(frame: pd.DataFrame, bad: pd.Series, name: str, column: str,
                   message: str, fix: str) -> list[Problem]:
    flags = bad.to_numpy(dtype=bool)
    if not flags.any():  # the usual case: skip building an empty selection
        return []
    rows = frame.loc[flags, ["_line", column]].head(MAX_PROBLEMS_PER_CHECK)
    return [Problem(name, int(line), column, message.format(value=shorten(value)), fix)
            for line, value in rows.itertuples(index=False)]


def shorten(value: object, limit: int = 60) -> str:
    """``value`` cut to ``limit`` characters, with control characters shown escaped."""
    text = str(value)
    text = text if len(text) <= limit else text[:limit] + "..."
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


#: Characters no cell may hold: C0 and C1 controls other than tab and line breaks, DEL,
#: and the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069),
#: which make text display in another order than it is stored (CVE-2021-42574).
_HIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_NAMES = {"\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL"}


def _hidden_problems(frame: pd.DataFrame, col: str, name: str) -> list[Problem]:
    found = frame[col].str.contains(_HIDDEN, regex=True).to_numpy(dtype=bool)
    if not found.any():
        return []
    rows = frame.loc[found, ["_line", col]].head(MAX_PROBLEMS_PER_CHECK)
    problems = []
    for line, value in rows.itertuples(index=False):
        char = _HIDDEN.search(value).group()
        label = _CONTROL_NAMES.get(char) or unicodedata.name(char, "control character")
        what = ("a bidirectional control character" if char >= "\u2000" else
                "a control character")
        problems.append(Problem(name, int(line), col, f"'{shorten(value)}' contains {what}, "
                                f"U+{ord(char):04X} ({label}), which would be hidden or reorder "
                                "the text around it on screen",
                                "delete it (retype the text around it in a plain editor)"))
    return problems


def _check_column(frame: pd.DataFrame, col: schema.Column, name: str) -> list[Problem]:
    values = frame[col.name]
    empty = values.eq("")
    problems: list[Problem] = _hidden_problems(frame, col.name, name)
    if col.required:
        problems += problems_where(frame, empty, name, col.name, "the value is empty",
                                   _fix_for_empty(col))
    too_long = values.str.len().gt(col.max_length)
    fix = f"shorten it to at most {col.max_length} characters" + (
        "; put long explanations in the notes" if col.name != "notes" else "")
    problems += problems_where(frame, too_long, name, col.name,
                               f"the value is longer than {col.max_length} characters", fix)
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
    return problems_where(frame, bad, name, col.name, "'{value}' is not a known term",
                          "write one of: " + ", ".join(col.vocabulary))


def _check_multi(frame: pd.DataFrame, present: pd.Series, col: schema.Column,
                 name: str) -> list[Problem]:
    terms = frame.loc[present, col.name].str.split(";").explode().str.strip()
    unknown = terms[~terms.isin(col.terms)]
    fix = "use ';'-separated terms from: " + ", ".join(col.vocabulary)
    problems = []
    for index, bad_terms in unknown.groupby(level=0, sort=False):
        distinct = list(dict.fromkeys(bad_terms))
        listed = ", ".join(f"'{shorten(term, 40)}'" for term in distinct)
        verb = "is not a known term" if len(distinct) == 1 else "are not known terms"
        problems.append(Problem(name, int(frame.at[index, "_line"]), col.name,
                                f"{listed} {verb} (in '{shorten(frame.at[index, col.name])}')",
                                fix))
    return problems[:MAX_PROBLEMS_PER_CHECK]


def _check_timestamp(frame: pd.DataFrame, present: pd.Series, col: schema.Column,
                     name: str) -> list[Problem]:
    values = frame[col.name]
    wrong = present & ~values.str.match(_UTC_PATTERN)
    offset = wrong & values.str.match(_OFFSET_PATTERN)
    naive = wrong & values.str.match(_NAIVE_PATTERN)
    other = wrong & ~offset & ~naive
    fmt = "write it as YYYY-MM-DDTHH:MM:SSZ in UTC, e.g. 2026-03-19T14:30:00Z"
    problems = problems_where(frame, offset, name, col.name, "'{value}' carries a UTC offset",
                              "convert it to UTC and " + fmt)
    problems += problems_where(frame, naive, name, col.name, "'{value}' has no time zone",
                               "convert it to UTC and " + fmt)
    problems += problems_where(frame, other, name, col.name, "'{value}' is not a date", fmt)
    good = present & ~wrong
    parsed = pd.to_datetime(values.where(good), format=UTC_FORMAT, utc=True, errors="coerce")
    impossible = good & parsed.isna()
    problems += problems_where(frame, impossible, name, col.name,
                               "'{value}' is not a real date or time", fmt)
    return problems


def _check_severity(frame: pd.DataFrame, present: pd.Series, col: schema.Column,
                    name: str) -> list[Problem]:
    bad = present & ~frame[col.name].isin(col.terms)
    fix = "write a whole number from 1 to 5 (see the scale in data/README.md)"
    problems = []
    for line, value in frame.loc[bad.to_numpy(), ["_line", col.name]].itertuples(index=False):
        hint = [f"{source} '{term}' is {level}"
                for source, mapping in schema.SEVERITY_FROM_VENDOR_TERMS.items()
                for term, level in mapping.items() if term == value.lower()]
        problems.append(Problem(name, int(line), col.name, f"'{shorten(value)}' is not a "
                                "severity", fix + ("; " + ", ".join(hint) if hint else "")))
    return problems[:MAX_PROBLEMS_PER_CHECK]


def _check_fraction(frame: pd.DataFrame, present: pd.Series, col: schema.Column,
                    name: str) -> list[Problem]:
    numbers = pd.to_numeric(frame[col.name].where(present), errors="coerce")
    bad = present & ~numbers.between(0, 1)
    return problems_where(frame, bad, name, col.name, "'{value}' is not a fraction between 0 "
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
                known_vendors: Iterable[str] | None,
                vendors_file: str = "data/vendors.csv") -> list[Problem]:
    start = _parse(frame["start_utc"])
    end = _parse(frame["end_utc"])
    has_end = frame["end_utc"].ne("")
    problems = problems_where(
        frame, has_end & frame["end_precision"].eq(""), name, "end_precision",
        "end_utc is given but its precision is not", "write minute, hour, day or month")
    problems += problems_where(
        frame, ~has_end & frame["end_precision"].ne(""), name, "end_precision",
        "a precision is given for an empty end_utc", "empty this cell, or fill in end_utc")
    # An end known to the day (or hour, month) may lie anywhere in it: only an end whose
    # whole precision interval precedes the start is wrong.
    end_width = pd.to_timedelta(frame["end_precision"].map(schema.PRECISION_SPANS)).fillna(
        pd.Timedelta(0))
    problems += problems_where(frame, end + end_width <= start, name, "end_utc",
                               "'{value}' is before start_utc",
                               "check both times and their time zones; end must follow start")
    too_long = (end - start) > pd.Timedelta(days=schema.MAX_DURATION_DAYS)
    problems += problems_where(frame, too_long, name, "end_utc",
                               f"'{{value}}' is over {schema.MAX_DURATION_DAYS} days after the "
                               "start", "check the year and month of both times")
    problems += problems_where(frame, start > now + FUTURE_TOLERANCE, name, "start_utc",
                               "'{value}' is in the future",
                               "check the year; times are UTC")
    for stamp, precision in (("start_utc", "start_precision"), ("end_utc", "end_precision")):
        problems += _precision_problems(frame, stamp, precision, name)
    problems += _end_bound_problems(frame, name, start, end)
    problems += _duplicate_problems(frame, name)
    problems += _url_problems(frame, name)
    if known_vendors is not None:
        problems += vendor_problems(frame, name, list(known_vendors), vendors_file)
    return problems


def _end_bound_problems(frame: pd.DataFrame, name: str, start: pd.Series,
                        end: pd.Series) -> list[Problem]:
    latest = _parse(frame["end_latest_utc"])
    has_latest = frame["end_latest_utc"].ne("")
    problems = problems_where(frame, has_latest & frame["end_utc"].eq(""), name,
                              "end_latest_utc", "a latest end is given without end_utc",
                              "write the earliest possible end in end_utc too")
    problems += problems_where(frame, latest < end, name, "end_latest_utc",
                               "'{value}' is before end_utc",
                               "end_utc is the earliest end, end_latest_utc the latest")
    last = _parse(frame["last_impact_utc"])
    problems += problems_where(frame, frame["last_impact_utc"].ne("") & frame["end_utc"].ne(""),
                               name, "last_impact_utc", "a last update with impact is given "
                               "for an incident that has an end",
                               "empty last_impact_utc: end_utc already says when it ended")
    problems += problems_where(frame, last < start, name, "last_impact_utc",
                               "'{value}' is before start_utc", "check both times")
    contradiction = frame["root_cause_category"].eq("software-defect") & frame[
        "change_induced"].eq("yes")
    problems += problems_where(frame, contradiction, name, "change_induced",
                               "'{value}' contradicts root_cause_category software-defect "
                               "(a latent defect, not tied to a recent change)",
                               "use change-deployment or configuration as the cause, or set "
                               "change_induced to no or unknown")
    return problems


def vendor_problems(frame: pd.DataFrame, name: str, known: list[str],
                    vendors_file: str) -> list[Problem]:
    """Rows naming a vendor of ``known`` spelled another way ("microsoft 365", "Microsoft
    365" with a non-breaking space): the row would silently fall out of the report. A vendor
    the vendor table does not list at all is evidence the organisation does not use: kept in
    the evidence base, not in the report, and no problem (:func:`unused_vendors` names it)."""
    folded = {fold_name(vendor): vendor for vendor in known}
    values = frame["vendor"].astype(str)
    unknown = ~values.isin(set(known)) & values.ne("")
    variant = unknown & values.map(lambda v: fold_name(v) in folded).astype(bool)
    problems = []
    rows = frame.loc[variant.to_numpy(), ["_line", "vendor"]].head(MAX_PROBLEMS_PER_CHECK)
    for line, value in rows.itertuples(index=False):
        guess = folded[fold_name(value)]
        problems.append(Problem(name, int(line), "vendor",
                                f"'{shorten(value)}' is spelled differently from '{guess}' in "
                                f"{vendors_file}", f"write '{guess}' exactly"))
    return problems


def unused_vendors(frame: pd.DataFrame, known: list[str]) -> dict[str, str]:
    """Vendors named in ``frame`` that ``known`` does not list, each with the closest name in
    ``known`` ("" when none is close): a note, not a problem (see :func:`vendor_problems`)."""
    named = pd.unique(frame["vendor"].astype(str))
    return {value: next(iter(difflib.get_close_matches(value, known, n=1, cutoff=0.8)), "")
            for value in named if value and value not in set(known)}


def _parse(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.where(values.str.match(_UTC_PATTERN)), format=UTC_FORMAT,
                          utc=True, errors="coerce")


def _precision_problems(frame: pd.DataFrame, stamp: str, precision: str,
                        name: str) -> list[Problem]:
    problems = []
    for level, pattern in _ZEROED_BELOW.items():
        well_formed = frame[stamp].str.match(_UTC_PATTERN)
        bad = frame[precision].eq(level) & well_formed & ~frame[stamp].str.contains(
            pattern, regex=True)
        problems += problems_where(frame, bad, name, stamp,
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


def _url_problems(frame: pd.DataFrame, name: str, column: str = "source_urls"
                  ) -> list[Problem]:
    urls = frame[column].str.split(";").explode().str.strip()
    bad_urls = urls[urls.ne("") & ~urls.str.match(r"^https?://[^\s<>\"']+\Z")]
    problems = []
    for index, bad in bad_urls.groupby(level=0, sort=False):
        distinct = list(dict.fromkeys(bad))
        listed = ", ".join(f"'{shorten(url)}'" for url in distinct)
        verb = "is not a web address" if len(distinct) == 1 else "are not web addresses"
        problems.append(Problem(name, int(frame.at[index, "_line"]), column,
                                f"{listed} {verb}",
                                "write full https:// addresses separated by ';'"))
    good = urls[urls.ne("") & urls.str.match(r"^https?://[^\s<>\"']+\Z")]
    for index, url in good.items():
        why = sources.why_not_a_source(url)
        if why:
            problems.append(Problem(name, int(frame.at[index, "_line"]), column,
                                    f"'{shorten(url)}' {why}: not a source", sources.FIX))
    return problems[:MAX_PROBLEMS_PER_CHECK]


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


def _defaults(columns: tuple[schema.Column, ...]) -> dict[str, str]:
    return {c.name: c.default for c in columns if c.header_optional}


def read_table(path: str | os.PathLike[str], columns: tuple[schema.Column, ...]
               ) -> tuple[pd.DataFrame, list[Problem]]:
    """Read any of the project's CSV files and check every cell against ``columns``."""
    file = Path(path)
    frame, problems = read.read_records(file, tuple(c.name for c in columns), _defaults(columns))
    for col in columns:
        problems += _check_column(frame, col, str(file))
    return frame, problems


def checked_days(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> list[Problem]:
    problems = []
    for col in columns:
        days = pd.to_datetime(frame[col], format="%Y-%m-%d", errors="coerce")
        bad = frame[col].ne("") & days.isna()
        problems += problems_where(frame, bad, name, col, "'{value}' is not a day",
                                   "write it as YYYY-MM-DD, e.g. 2025-01-31")
    return problems


def unique_problems(frame: pd.DataFrame, name: str, keys: list[str], what: str) -> list[Problem]:
    dup = frame.duplicated(keys, keep="first")
    return problems_where(frame, dup, name, keys[-1], "'{value}' is listed twice",
                          f"keep one row per {what}")


def curated_record_id(vendor: str) -> str:
    """The record of a curated row that names none: ``<vendor slug>-curated``, the slug of
    the vendor's :func:`page_name` (so vendors without an ASCII name, such as two named only
    in emoji, get records of their own)."""
    return f"{page_name(vendor).removeprefix('vendor-')}-curated"


def _fill_records(frame: pd.DataFrame) -> None:
    """Rows of a file without ``record_id`` belong to their vendor's curated record."""
    empty = frame["record_id"].eq("")
    if empty.any():
        frame.loc[empty, "record_id"] = frame.loc[empty, "vendor"].map(curated_record_id)


def _record_problems(frame: pd.DataFrame, name: str, records: pd.DataFrame,
                     records_file: str) -> list[Problem]:
    """Every row names a known record of its vendor and starts inside the record's period.

    A curated record is a selection that grows as reviews are read: a row may start after
    its ``complete_to`` (the vendor's cut-off then moves with it, and no other vendor's)."""
    known = records.set_index("record_id")
    curated = frame["record_id"].str.endswith("-curated") & ~frame["record_id"].isin(known.index)
    unknown = ~frame["record_id"].isin(known.index) & ~curated & frame["record_id"].ne("")
    problems = problems_where(frame, unknown, name, "record_id",
                              f"'{{value}}' is not a record in {records_file}",
                              f"add the record to {records_file}, or correct the id")
    listed = frame["record_id"].isin(known.index)
    vendor_of = frame["record_id"].map(known["vendor"])
    problems += problems_where(frame, listed & vendor_of.ne(frame["vendor"]), name, "vendor",
                               "'{value}' is not the vendor of the row's record",
                               f"correct the vendor, or the record_id ({records_file})")
    start = _parse(frame["start_utc"])
    first = frame["record_id"].map(known["complete_from"])
    last = frame["record_id"].map(known["complete_to"]) + pd.Timedelta(days=1)
    growing = frame["record_id"].map(known["kind"]).eq("curated")
    outside = listed & start.notna() & ((start < first) | ((start >= last) & ~growing))
    for record in frame.loc[outside, "record_id"].drop_duplicates():
        period = (f"{known.at[record, 'complete_from']:%Y-%m-%d} to "
                  f"{known.at[record, 'complete_to']:%Y-%m-%d}")
        problems += problems_where(
            frame, outside & frame["record_id"].eq(record), name, "start_utc",
            f"'{{value}}' is outside the period of the row's record '{shorten(record)}' "
            f"({period})", f"check the time, or, if that record really covers it, widen "
            f"complete_from/complete_to of record '{shorten(record)}' in {records_file}"
            + (f" (line {int(known.at[record, 'source_line'])})"
               if "source_line" in known and pd.notna(known.at[record, "source_line"])
               else ""))
    return problems


def validate_incidents(path: str | os.PathLike[str] | None = None, *,
                       vendors: pd.DataFrame | None = None,
                       records: pd.DataFrame | None = None,
                       now: pd.Timestamp | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read the incident file and return its raw rows with every problem found in them.

    With ``records`` (``records.csv``), every row must name one of them (or its vendor's
    curated record) and start inside that record's period.
    """
    file = config.incidents_path(path)
    frame, problems = read_table(file, schema.INCIDENT_COLUMNS)
    _fill_records(frame)
    name = str(file)
    known = None if vendors is None else vendors["vendor"]
    vendors_file = "data/vendors.csv" if vendors is None else vendors.attrs.get(
        "source_file", "data/vendors.csv")
    problems += _check_rows(frame, name, now or pd.Timestamp.now(tz="UTC"), known, vendors_file)
    if records is not None:
        problems += _record_problems(frame, name, records,
                                     records.attrs.get("source_file", "data/records.csv"))
    problems.sort(key=lambda p: (p.line or 0, p.column or ""))
    return frame, problems


def load_incidents(path: str | os.PathLike[str] | None = None, *,
                   vendors: pd.DataFrame | None = None, records: pd.DataFrame | None = None,
                   skip_invalid: bool = False, now: pd.Timestamp | None = None) -> pd.DataFrame:
    """Load the incident file as a typed, validated table sorted by start time.

    With ``skip_invalid`` rows with problems are left out and listed, with their problems, in
    ``table.attrs["skipped"]`` (the report prints them); otherwise any problem raises
    :class:`InputError`. ``now`` (default: the current time) is the limit for start times.
    The skipped :class:`Problem` objects are in ``attrs["skipped_problems"]``.
    """
    frame, problems = validate_incidents(path, vendors=vendors, records=records, now=now)
    whole_file = [p for p in problems if p.line is None or p.line == 1]
    if problems and (not skip_invalid or whole_file):
        raise InputError(problems)
    keep = ~frame["_line"].isin({p.line for p in problems})
    if problems and not keep.any():  # skipping would leave an empty, silent report
        raise InputError([Problem(str(config.incidents_path(path)), None, None,
                                  f"every row is invalid ({len(frame)} of {len(frame)}), so "
                                  "skipping invalid rows would leave none",
                                  "fix the problems listed here; run 'make validate'"),
                          *problems])
    typed = _typed_incidents(frame.loc[keep])
    typed.attrs["skipped"] = [str(p) for p in problems]
    typed.attrs["skipped_problems"] = list(problems)
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


def page_name(vendor: str) -> str:
    """The file name stem of a vendor's deep dive: ``vendor-`` and the vendor's :func:`slug`,
    accents dropped (``Zürich`` -> ``zurich``).

    A name with letters or digits no ASCII spelling keeps (``阿里云``, or only emoji) gets the
    first 10 hex digits of the SHA-1 of its UTF-8 text instead, stable and distinct per name.
    Names with the same page name are refused by :func:`load_vendors`.
    """
    folded = fold_name(vendor)
    ascii_text = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    plain = slug(ascii_text)
    if plain and len(re.findall(r"[^\W_]", folded)) == len(re.findall(r"[A-Za-z0-9]",
                                                                      ascii_text)):
        return "vendor-" + plain
    return "vendor-" + hashlib.sha1(folded.encode("utf-8", "replace")).hexdigest()[:10]


def fold_name(name: str) -> str:
    """A vendor name as names are compared everywhere (``VENDOR=``, ``--vendor``, page
    names): Unicode NFKC, case folded (``ß`` is ``ss``, ``ﬁ`` is ``fi``), surrounding spaces
    and inner runs of spaces ignored."""
    return " ".join(unicodedata.normalize("NFKC", str(name)).casefold().split())


def page_name_problems(frame: pd.DataFrame, name: str) -> list[Problem]:
    """Vendors whose deep dives would share a file (names that differ only in case, accents
    or punctuation, such as 'Acme Cloud' and 'ACME_CLOUD'): each later one, naming the first."""
    first: dict[str, tuple[int, str]] = {}
    problems = []
    for line, vendor in frame[["_line", "vendor"]].itertuples(index=False):
        if not vendor:
            continue
        page = page_name(vendor)
        if page in first and first[page][1] != vendor:
            line_1, vendor_1 = first[page]
            problems.append(Problem(
                name, int(line), "vendor", f"'{shorten(vendor)}' and '{shorten(vendor_1)}' "
                f"(line {line_1}) differ only in case, accents or punctuation: their reports "
                f"would both be {page}.html",
                "merge the two rows if they are one vendor, or name them apart by a letter or "
                "digit"))
        first.setdefault(page, (int(line), vendor))
    return problems[:MAX_PROBLEMS_PER_CHECK]
