"""What the feed parsers share: findings, UTC conversion, cell cleaning and row assembly.

A parser turns a feed into rows: dicts of every incident column (in the schema's order) holding
strings exactly as they will be written to ``incidents.csv``. Alongside it reports
:class:`Finding` objects: which mapping each row needed, what looked wrong, what was dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal

from incidents.data import schema
from incidents.data.importers.feedjson import Problems, Source, describe, guess_format

Level = Literal["mapping", "warning", "dropped"]
Row = dict[str, str]

MINUTE_FORMAT = "%Y-%m-%dT%H:%M:00Z"
TIME_FIX = ("write it as an ISO 8601 time with its UTC offset, e.g. 2024-05-01T10:02:31-08:00 "
            "or 2024-05-01T18:02:31Z")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the import summary reports about a row or the feed.

    ``topic`` groups findings in the summary ("severity", "unknown value", ...); ``detail``
    says what exactly ("google cloud severity 'medium' -> 3"); ``level`` is ``mapping`` for a
    mapping that was used, ``warning`` for something a person should look at and ``dropped``
    for a feed item that was not imported.
    """

    topic: str
    detail: str
    incident_id: str = ""
    level: Level = "mapping"

    def __str__(self) -> str:
        who = f"{self.incident_id}: " if self.incident_id else ""
        return f"{who}{self.topic}: {self.detail}"


# ---------------------------------------------------------------- times


#: Times a feed may hold: a status page older than this, or later, is a corrupt time (and
#: pandas' nanosecond timestamps end in 2262).
FIRST_YEAR, LAST_YEAR = 1990, 2199


def parse_time(text: str, zone: tzinfo | None = None) -> datetime:
    """An ISO 8601 time as an aware UTC datetime.

    A time without an offset is read in ``zone``; without ``zone`` it raises ``ValueError``.
    """
    raw = text.strip()
    moment = datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", raw))
    if moment.tzinfo is None:
        if zone is None:
            raise ValueError("it has no UTC offset")
        moment = moment.replace(tzinfo=zone)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:30+02:00, 9999-12-31T23:30-02:00
        raise ValueError(f"it lies outside the years {FIRST_YEAR}-{LAST_YEAR}") from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"it lies outside the years {FIRST_YEAR}-{LAST_YEAR}")
    return moment


def utc_minute(moment: datetime) -> str:
    """``moment`` in the schema's UTC format at minute precision (seconds dropped)."""
    return moment.astimezone(UTC).strftime(MINUTE_FORMAT)


def floor_minute(moment: datetime) -> datetime:
    """``moment`` with seconds and microseconds dropped (the schema's finest precision)."""
    return moment.replace(second=0, microsecond=0)


def read_time(problems: Problems, obj: dict[str, Any], key: str, path: str, *,
              required: bool = False, zone: tzinfo | None = None) -> datetime | None:
    """``obj[key]`` parsed as a time; a problem is recorded when it is required or malformed."""
    if required:
        value = problems.require(obj, key, path, (str,), TIME_FIX)
    else:
        value = problems.optional(obj, key, path, (str,), TIME_FIX)
    if value is None or not value.strip():
        return None
    try:
        return parse_time(value, zone)
    except ValueError as exc:
        reason = str(exc) if ("offset" in str(exc) or "years" in str(exc)) else (
            "it is not an ISO 8601 time")
        problems.add(obj, f"{path}.{key}", f"'{value}' cannot be read: {reason}", TIME_FIX)
        return None


# ---------------------------------------------------------------- cells

_SPACING_CONTROLS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
_OTHER_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u200e\u200f\u202a-\u202e"
                             r"\u2066-\u2069\ufeff]")


def clean(value: object) -> str:
    """``value`` as a one-line cell: line breaks and tabs become spaces, other control and
    bidirectional-override characters are removed, surrounding space is stripped (the loader
    strips cells too, so a re-import compares equal)."""
    text = "" if value is None else str(value)
    text = _SPACING_CONTROLS.sub(" ", text)
    return _OTHER_CONTROLS.sub("", text).strip()


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, ending with '…'."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def join_names(names: list[str], limit: int, separator: str = "; ") -> str:
    """``names`` joined; when too long, as many as fit followed by '+N more'."""
    names = [clean(n) for n in names if clean(n)]
    joined = separator.join(names)
    if len(joined) <= limit:
        return joined
    for keep in range(len(names) - 1, 0, -1):
        candidate = separator.join(names[:keep]) + f"{separator}+{len(names) - keep} more"
        if len(candidate) <= limit:
            return candidate
    return shorten(names[0], limit)


def text_value(obj: dict[str, Any], key: str) -> str:
    """``obj[key]`` as a cleaned string; empty for absent, null or non-string values."""
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return clean(value)


# ---------------------------------------------------------------- rows


class RowBuilder:
    """Collects one row's cells, notes and findings; :meth:`finish` returns the row."""

    def __init__(self, incident_id: str, findings: list[Finding]) -> None:
        self.incident_id = incident_id
        self.cells: Row = dict.fromkeys(schema.INCIDENT_COLUMN_NAMES, "")
        self.cells["incident_id"] = incident_id
        self.cells["scope"] = "unknown"
        self.notes: list[str] = []
        self.findings = findings
        self.start: datetime | None = None
        self.end: datetime | None = None

    def mapped(self, topic: str, detail: str) -> None:
        self.findings.append(Finding(topic, detail, self.incident_id, "mapping"))

    def warn(self, topic: str, detail: str, note: str | None = None) -> None:
        """Report a warning; ``note`` (a sentence) also goes into the row's notes."""
        self.findings.append(Finding(topic, detail, self.incident_id, "warning"))
        if note:
            self.note(note)

    def note(self, sentence: str) -> None:
        sentence = clean(sentence)
        if not sentence.endswith("."):
            sentence += "."
        if sentence not in self.notes:
            self.notes.append(sentence)

    def set(self, **cells: object) -> None:
        for key, value in cells.items():
            if key not in self.cells:
                raise KeyError(key)
            self.cells[key] = clean(value)

    def times(self, start: datetime, end: datetime | None, detected: datetime | None) -> None:
        """Set the start, end and detection times at minute precision."""
        self.start, self.end = floor_minute(start), end and floor_minute(end)
        self.cells["start_utc"] = utc_minute(start)
        self.cells["start_precision"] = "minute"
        if end is not None:
            self.cells["end_utc"] = utc_minute(end)
            self.cells["end_precision"] = "minute"
        if detected is not None:
            self.cells["detected_utc"] = utc_minute(detected)

    def finish(self) -> Row:
        """The row: times checked, notes joined, every cell cleaned and fitted to the schema."""
        self._check_times()
        self.cells["notes"] = " ".join(self.notes)
        for col in schema.INCIDENT_COLUMNS:
            value = clean(self.cells[col.name])
            if len(value) > col.max_length:
                value = shorten(value, col.max_length)
                self.mapped("shortened to the schema's limit", f"{col.name} ({col.max_length} "
                            "characters)")
            self.cells[col.name] = value
        return dict(self.cells)

    def _check_times(self) -> None:
        if self.start is None or self.end is None:
            return
        if self.end < self.start:
            self.warn("end before start", f"end {utc_minute(self.end)} is before start "
                      f"{utc_minute(self.start)}; end left empty",
                      f"The feed's end {utc_minute(self.end)} is before its start "
                      f"{utc_minute(self.start)}; end left empty, check the vendor's page")
            self._clear_end()
        elif self.end - self.start > timedelta(days=schema.MAX_DURATION_DAYS):
            days = (self.end - self.start).days
            self.warn("implausible duration", f"{days} days; end left empty",
                      f"The feed's end {utc_minute(self.end)} is {days} days after the start; "
                      "end left empty, check the vendor's page")
            self._clear_end()

    def _clear_end(self) -> None:
        self.end = None
        self.cells["end_utc"] = ""
        self.cells["end_precision"] = ""


def rows_from_entries(entries: list[Any], container: Any, base: str, problems: Problems,
                      fix: str, noun: str,
                      build: Callable[[dict[str, Any], str, list[Finding]], Row | None]
                      ) -> tuple[list[Row], list[Finding]]:
    """Build one row per feed entry with ``build``; the later of two entries with one id wins.

    Entries that are not JSON objects are reported at their JSON path; every problem found
    is raised together at the end (:meth:`Problems.raise_if_any`).
    """
    findings: list[Finding] = []
    rows: dict[str, Row] = {}
    for index, entry in enumerate(entries):
        path = f"{base}[{index}]"
        if not isinstance(entry, dict):
            problems.add(container, path, f"the {noun} is {describe(entry)}, not an object", fix)
            continue
        row = build(entry, path, findings)
        if row is None:
            continue
        if row["incident_id"] in rows:
            findings.append(Finding("duplicate id in the feed", "the later entry was kept",
                                    row["incident_id"], "warning"))
        rows[row["incident_id"]] = row
    problems.raise_if_any()
    return list(rows.values()), findings


#: Builds one row from a feed entry: (entry, its JSON path, vendor, problems, findings).
RowFunction = Callable[[dict[str, Any], str, str, Problems, list[Finding]], Row | None]


def parse_entry_list(feed: Any, vendor: str, source: Source | None, fmt: str, label: str,
                     shape_fix: str, entry_fix: str, noun: str, build: RowFunction
                     ) -> tuple[list[Row], list[Finding]]:
    """Rows and findings for a feed that is a JSON array of entries, one row each: the feed
    is checked for its format and shape (:func:`check_top_level`), then every entry goes
    through ``build`` (:func:`rows_from_entries`); every problem is raised together."""
    problems = Problems(source or Source())
    check_top_level(feed, problems, fmt, label, list, shape_fix)
    return rows_from_entries(feed, feed, "$", problems, entry_fix, noun,
                             lambda entry, path, found: build(entry, path, vendor, problems,
                                                              found))


def check_top_level(feed: Any, problems: Problems, fmt: str, label: str,
                    shape: type[list] | type[dict], fix: str) -> None:
    """Refuse a feed of another format (naming the right one) or of the wrong JSON shape."""
    guess = guess_format(feed)
    if guess not in (None, fmt):
        problems.add(feed, "$", f"this is not a {label} feed: it looks like a {guess} feed",
                     f"import it with FORMAT {guess}")
    elif not isinstance(feed, shape):
        kind = "an array" if shape is list else "an object"
        problems.add(feed, "$", f"the top level is {describe(feed)}, not {kind}", fix)
    problems.raise_if_any()
