"""Azure's post-incident reviews, as an archive listed them -> incident rows.

The file is a JSON array of reviews ``{id ("azure-<tracking id>"), title, description (the
review's summary), severity, startedAt, resolvedAt, affectedServices[] {serviceName,
regions[]}, updates[], sourceUrl}``. Azure reviews only incidents of broad impact: the record
is Azure's own selection, complete for what it chose to review.

* ``incident_id`` is Azure's tracking id (``VSG1-B90``).
* The impact window is read from the summary, which usually states it in words: "Between
  07:05 UTC and 12:43 UTC on 25 January 2023", "Between 11:30 UTC on 24 April and 00:15 UTC on
  25 April 2026", "Between 16:22 and 18:37 UTC on 3 March 2025" (:func:`stated_window`;
  times in UTC only), or only its start ("Starting at approximately 10:30 UTC on 30 August
  2023": :func:`stated_start`, end empty). Where it states none, the start is the day of
  ``startedAt`` (day
  precision: early entries carry dates only, and the archive's ``startedAt`` is sometimes the
  end of the window) and the end is empty.
* Impact and severity: see :data:`incidents.data.importers.mapping.AZURE_OUTAGE_WORDS`; the
  archive's ``severity`` is its author's keyword guess and is not used. ``classification`` is
  ``post-incident-review``.
* ``product`` the first affected service, ``service`` all of them, ``regions`` theirs (lower
  case, hyphenated); scope ``region`` when regions are listed.
* Source: Azure's status history page for the tracking id,
  ``https://azure.status.microsoft/en-us/status/history/?trackingid=<id>`` (the archive gives
  only the history page itself).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from incidents.data import schema
from incidents.data.importers import mapping
from incidents.data.importers.common import (
    Finding,
    Row,
    RowBuilder,
    join_names,
    parse_entry_list,
    read_time,
    text_value,
)
from incidents.data.importers.feedjson import Problems, Source

VENDOR = "Microsoft Azure"
REVIEW_FIX = "each review needs id, title, description and startedAt as the archive writes them"
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_MONTH = r"(?:" + "|".join(m[:3] + f"(?:{m[3:]})?" for m in _MONTH_NAMES) + r")\.?"
_TIME = r"(\d{1,2}):(\d{2})\s*UTC"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?\s+(" + _MONTH + r")"
_WINDOW = re.compile(
    r"\bbetween\s+(?:approximately\s+)?(\d{1,2}):(\d{2})(?:\s*UTC)?(?:\s+on\s+" + _DAY
    + r"(?:,?\s+(\d{4}))?)?,?\s+and\s+(?:until\s+)?(?:approximately\s+)?" + _TIME
    + r"\s+on\s+" + _DAY + r",?\s+(\d{4})", re.IGNORECASE)
_START_ONLY = re.compile(r"\b(?:starting|beginning)\s+(?:at\s+)?(?:approximately\s+)?" + _TIME
                         + r"\s+on\s+" + _DAY + r",?\s+(\d{4})", re.IGNORECASE)
_OUTAGE = re.compile("|".join(mapping.AZURE_OUTAGE_WORDS), re.IGNORECASE)


def _month(name: str) -> int:
    return next(i for i, m in enumerate(_MONTH_NAMES, 1) if m.startswith(name[:3].lower()))


def stated_start(text: str) -> datetime | None:
    """The UTC start of impact a summary states without an end ("Starting at approximately
    10:30 UTC on 30 August 2023"), or None."""
    match = _START_ONLY.search(text or "")
    if match is None:
        return None
    hour, minute, day, month, year = match.groups()
    try:
        return datetime(int(year), _month(month), int(day), int(hour), int(minute), tzinfo=UTC)
    except ValueError:
        return None


def stated_window(text: str) -> tuple[datetime, datetime] | None:
    """The UTC impact window a review's summary states, or None."""
    match = _WINDOW.search(text or "")
    if match is None:
        return None
    (h1, m1, d1, mo1, y1, h2, m2, d2, mo2, y2) = match.groups()
    try:
        end = datetime(int(y2), _month(mo2), int(d2), int(h2), int(m2), tzinfo=UTC)
        if d1:
            year = int(y1) if y1 else end.year - (1 if _month(mo1) > end.month else 0)
            start = datetime(year, _month(mo1), int(d1), int(h1), int(m1), tzinfo=UTC)
        else:
            start = end.replace(hour=int(h1), minute=int(m1))
    except ValueError:
        return None
    return (start, end) if start <= end else None


def parse(feed: Any, *, vendor: str = VENDOR,
          source: Source | None = None) -> tuple[list[Row], list[Finding]]:
    """Rows and findings for the archive's list of Azure post-incident reviews."""
    return parse_entry_list(feed, vendor, source, "azure-pir", "Azure post-incident review",
                            REVIEW_FIX, REVIEW_FIX, "review", _row)


def _row(review: dict[str, Any], path: str, vendor: str, problems: Problems,
         findings: list[Finding]) -> Row | None:
    before = len(problems.items)
    ident = problems.require(review, "id", path, (str,), REVIEW_FIX)
    title = problems.require(review, "title", path, (str,), REVIEW_FIX)
    started = read_time(problems, review, "startedAt", path, required=True)
    services = problems.optional(review, "affectedServices", path, (list,), REVIEW_FIX) or []
    if len(problems.items) > before or ident is None or started is None:
        return None
    tracking = re.sub(r"^azure-", "", ident.strip())
    row = RowBuilder(tracking, findings)
    names = [text_value(s, "serviceName") for s in services if isinstance(s, dict)]
    names = [n for n in names if n]
    regions = [r for s in services if isinstance(s, dict) for r in (s.get("regions") or [])
               if isinstance(r, str) and r.strip()]
    cell, _ = mapping.regions_cell(regions)
    summary = text_value(review, "description")
    title_text = re.sub(
        r"^\s*(?:preliminary\s+)?(?:post incident review \(pir\)|pir|rca)\s*[-–]\s*",
        "", title, flags=re.IGNORECASE)
    row.set(vendor=vendor, product=names[0] if names else "Azure",
            service=join_names(names, schema.column("service").max_length) or "Azure",
            title=title_text or title, classification="post-incident-review", regions=cell,
            scope="region" if regions else "unknown", root_cause_category="unknown",
            root_cause="", mitigation="unknown", change_induced="unknown",
            source_urls=f"{mapping.AZURE_HISTORY_URL}?trackingid={tracking}")
    outage = bool(_OUTAGE.search(summary))
    term = "unavailable" if outage else "review"
    severity = mapping.severity(mapping.AZURE_SEVERITY, term)
    row.set(impact="outage" if outage else "degradation", severity=str(severity))
    row.mapped("impact", f"azure review summary -> {'outage' if outage else 'degradation'}, "
               f"{severity}")
    window = stated_window(summary)
    start_only = stated_start(summary) if window is None else None
    if window is not None:
        row.times(window[0], window[1], None)
        row.mapped("times", "window stated in the summary")
    elif start_only is not None:
        row.times(start_only, None, None)
        row.mapped("times", "start stated in the summary, no end")
        row.note("The review's summary states when impact began but no end")
    else:
        day = started.replace(hour=0, minute=0, second=0, microsecond=0)
        row.cells.update(start_utc=day.strftime("%Y-%m-%dT00:00:00Z"), start_precision="day")
        row.mapped("times", "no window in the summary: the day of startedAt, no end")
        row.note("The review's summary states no impact window in UTC: start is the archive's "
                 "date, end unknown")
    clients, _ = mapping.clients_for(names)
    row.set(affected_clients=clients)
    return row.finish()
