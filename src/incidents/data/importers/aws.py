"""AWS's public health history -> incident rows, in its two published forms.

``aws-shd``: the old Service Health Dashboard's ``data.json`` (to April 2023), an object with
``archive[]`` entries ``{service_name, summary, date, status, description, service}``: one
entry per affected service and region, ``date`` the first post in epoch seconds (a string),
``status`` a code 0-3 (numbers or strings), ``description`` the HTML timeline of posts
("<span>8:39 AM PDT</span>&nbsp;We are investigating ..."), ``service`` the key
(``ec2-us-east-1``).

* ``incident_id`` is ``<service key>-<date>`` (the dashboard gave entries no id of their own).
* ``product`` is the service name without its location, ``service`` the name as written,
  ``regions`` the region at the end of the key (``unknown`` for a key without one); scope
  ``region`` when the region is known.
* Impact and severity by the status code (mapping table). ``title`` is the summary without its
  ``[RESOLVED]`` tag.
* Start: the window the last post states ("Between 6:35 AM and 11:00 AM PDT we experienced
  ...") when it states one, else the first post (``date``); end: the stated window's end, else
  the time of the last post (the resolution) -- the note says which. Post times are US
  Pacific (PDT = UTC-7, PST = UTC-8); a post without a date is on the day of the one before.
* Source: the dashboard's history page, https://health.aws.amazon.com/health/status (old
  entries have no page of their own).
* One event across services and regions: entries with the same summary whose first posts lie
  within :data:`~incidents.data.importers.mapping.AWS_SHD_EVENT_HOURS` hours of the event's first
  share an ``event_id`` (:func:`group_events`, applied to the whole record file after a merge).

``aws-health``: the public events of the new AWS Health Dashboard as an archive kept them (a
JSON array of ``{id, title, description, severity, status, startedAt, resolvedAt,
affectedServices[] {serviceName, regions[]}, sourceUrl}``). ``severity`` is the archive's
author's mapping, not AWS's (rows say so); the window stated in the description ("Between 3:58
AM and 4:40 AM PDT") is used as for the old dashboard, else ``startedAt``/``resolvedAt``.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from incidents.data import schema
from incidents.data.importers import mapping
from incidents.data.importers.common import (
    Finding,
    Row,
    RowBuilder,
    check_top_level,
    join_names,
    parse_entry_list,
    read_time,
    rows_from_entries,
    text_value,
)
from incidents.data.importers.feedjson import Problems, Source

VENDOR = "AWS"
SHD_FIX = ("give the dashboard's data.json: an object with 'archive', each entry with "
           "service_name, summary, date, status and service")
HEALTH_FIX = "each event needs id, title, startedAt and affectedServices as the archive writes"
_ZONES = {"PDT": timezone(timedelta(hours=-7)), "PST": timezone(timedelta(hours=-8))}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_CLOCK = r"(\d{1,2}):(\d{2})\s*([AP]M)"
_POST = re.compile(r"(?:(?P<month>[A-Z][a-z]{2})\s+(?P<day>\d{1,2}),?\s+)?" + _CLOCK
                   + r"\s*(?P<zone>PDT|PST)")
_WINDOW = re.compile(r"[Bb]etween\s+(?:approximately\s+)?" + _CLOCK
                     + r"(?:\s*(?P<z1>PDT|PST))?(?:\s+on\s+[A-Z][a-z]+\s+\d{1,2})?\s+and\s+"
                     r"(?:approximately\s+)?" + _CLOCK + r"\s*(?P<z2>PDT|PST)")
_REGION = re.compile(r"-((?:[a-z]{2}-)?(?:gov-)?[a-z]{2}-[a-z]+-\d)$")
_TAGS = re.compile(r"<[^>]+>")


def _clock(hour: str, minute: str, ampm: str) -> tuple[int, int]:
    h = int(hour) % 12 + (12 if ampm.upper() == "PM" else 0)
    return h, int(minute)


def _at(day: datetime, hour: int, minute: int, zone: timezone) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


def post_times(description: str, first: datetime) -> list[datetime]:
    """UTC times of the posts in an old-dashboard timeline; ``first`` is the first post."""
    text = html.unescape(_TAGS.sub(" ", description))
    times: list[datetime] = []
    day = first.astimezone(_ZONES["PDT"])
    for match in _POST.finditer(text):
        zone = _ZONES[match["zone"]]
        hour, minute = _clock(match[3], match[4], match[5])
        if match["month"] and match["month"].lower() in _MONTHS:
            month = _MONTHS.index(match["month"].lower()) + 1
            year = day.year + (1 if month < day.month - 6 else 0)
            try:
                day = datetime(year, month, int(match["day"]), tzinfo=zone)
            except ValueError:
                continue
        moment = _at(day, hour, minute, zone)
        if times and moment < times[-1] - timedelta(minutes=1):
            moment += timedelta(days=1)  # the timeline passed midnight Pacific
            day = moment.astimezone(zone)
        times.append(moment)
    return times


def stated_window(text: str, day: datetime) -> tuple[datetime, datetime] | None:
    """The impact window a post states in Pacific time ("Between 6:35 AM and 11:00 AM PDT"),
    on the Pacific day of ``day`` (the end the next day when it is earlier than the start)."""
    match = _WINDOW.search(html.unescape(_TAGS.sub(" ", text)))
    if match is None:
        return None
    zone = _ZONES[match["z2"]]
    local = day.astimezone(zone)
    start = _at(local, *_clock(match[1], match[2], match[3]), _ZONES[match["z1"] or match["z2"]])
    end = _at(local, *_clock(match[5], match[6], match[7]), zone)
    if start > day + timedelta(minutes=1):  # the window cannot begin after the first post
        start -= timedelta(days=1)
        end -= timedelta(days=1)
    if end < start:
        end += timedelta(days=1)
    return start, end


def _status_term(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


# ---------------------------------------------------------------- old Service Health Dashboard


def parse_shd(feed: Any, *, vendor: str = VENDOR,
              source: Source | None = None) -> tuple[list[Row], list[Finding]]:
    """Rows and findings for a parsed old AWS Service Health Dashboard ``data.json``."""
    source = source or Source()
    problems = Problems(source)
    check_top_level(feed, problems, "aws-shd", "AWS Service Health Dashboard", dict, SHD_FIX)
    archive = problems.require(feed, "archive", "$", (list,), SHD_FIX)
    problems.raise_if_any()
    return rows_from_entries(archive, archive, "$.archive", problems, SHD_FIX, "entry",
                             lambda entry, path, found: _shd_row(entry, path, vendor,
                                                                 problems, found))


def _shd_row(entry: dict[str, Any], path: str, vendor: str, problems: Problems,
             findings: list[Finding]) -> Row | None:
    before = len(problems.items)
    key = problems.require(entry, "service", path, (str,), SHD_FIX)
    name = problems.require(entry, "service_name", path, (str,), SHD_FIX)
    summary = problems.require(entry, "summary", path, (str,), SHD_FIX)
    date = problems.require(entry, "date", path, (str, int), SHD_FIX)
    if len(problems.items) > before or key is None or date is None:
        return None
    try:
        first = datetime.fromtimestamp(int(date), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        problems.add(entry, f"{path}.date", f"'{date}' is not epoch seconds", SHD_FIX)
        return None
    row = RowBuilder(f"{key.strip()}-{int(date)}", findings)
    region = _REGION.search(key.strip())
    product = re.sub(r"\s*\([^)]*\)\s*$", "", name).strip() or name
    title = re.sub(r"^\s*\[[^\]]+\]\s*", "", summary).strip() or summary
    row.set(vendor=vendor, product=product, service=name, title=title,
            classification="incident", regions=region[1] if region else mapping.UNKNOWN_REGION,
            scope="region" if region else "unknown", root_cause_category="unknown",
            root_cause="", mitigation="unknown", change_induced="unknown",
            source_urls=mapping.AWS_SHD_HISTORY_URL)
    term = _status_term(entry.get("status"))
    impact = mapping.lookup(mapping.AWS_SHD_IMPACT, term)
    severity = mapping.severity(mapping.AWS_SHD_SEVERITY, term)
    if impact is None or severity is None:
        impact, severity = mapping.FALLBACK_IMPACT, mapping.FALLBACK_SEVERITY
        row.warn("unknown value", f"aws status {entry.get('status')!r}; wrote {impact}",
                 f"AWS status {entry.get('status')!r} is not a known code; written as {impact}")
    else:
        row.mapped("impact", f"aws status '{term}' -> {impact}, {severity}")
    row.set(impact=impact, severity=str(severity))
    description = text_value(entry, "description") or ""
    times = post_times(entry.get("description") or "", first)
    window = stated_window(description, first)
    if window is not None:
        row.times(window[0], window[1], first)
        row.mapped("times", "window stated in the posts")
        row.note("Start and end as the posts state the window (US Pacific time converted to "
                 "UTC)")
    else:
        last = max(times) if times else None
        row.times(first, last if last and last >= first else None, first)
        row.mapped("times", "first post to last post")
        row.note("Start is the first post, end the last post (the resolution); the posts state "
                 "no window")
    row.note("The old AWS Service Health Dashboard gave entries no page of their own: the "
             "source is its history page")
    clients, _ = mapping.clients_for([product])
    row.set(affected_clients=clients)
    return row.finish()


def group_events(rows: list[Row]) -> None:
    """Give entries of one event (same title, first posts within the window) a shared
    ``event_id``: ``aws-<first entry's id>``; entries alone keep an empty one."""
    window = timedelta(hours=mapping.AWS_SHD_EVENT_HOURS)
    by_title: dict[str, list[Row]] = {}
    for row in rows:
        if row["vendor"] == VENDOR and row["source_urls"].startswith(
                mapping.AWS_SHD_HISTORY_URL) and row["detected_utc"]:
            by_title.setdefault(row["title"], []).append(row)
    for group in by_title.values():
        group.sort(key=lambda r: (r["detected_utc"], r["incident_id"]))
        events: list[list[Row]] = []
        for row in group:
            moment = datetime.fromisoformat(row["detected_utc"])
            if events and moment - datetime.fromisoformat(events[-1][0]["detected_utc"]) <= (
                    window):
                events[-1].append(row)
            else:
                events.append([row])
        for event in events:
            name = f"aws-{event[0]['incident_id']}" if len(event) > 1 else ""
            for row in event:
                row["event_id"] = name


# ---------------------------------------------------------------- new AWS Health Dashboard


def parse_health(feed: Any, *, vendor: str = VENDOR,
                 source: Source | None = None) -> tuple[list[Row], list[Finding]]:
    """Rows and findings for the archive's list of AWS Health Dashboard events."""
    return parse_entry_list(feed, vendor, source, "aws-health", "AWS Health Dashboard events",
                            HEALTH_FIX, HEALTH_FIX, "event", _health_row)


def _health_row(event: dict[str, Any], path: str, vendor: str, problems: Problems,
                findings: list[Finding]) -> Row | None:
    before = len(problems.items)
    ident = problems.require(event, "id", path, (str,), HEALTH_FIX)
    title = problems.require(event, "title", path, (str,), HEALTH_FIX)
    start = read_time(problems, event, "startedAt", path, required=True)
    end = read_time(problems, event, "resolvedAt", path)
    services = problems.optional(event, "affectedServices", path, (list,), HEALTH_FIX) or []
    if len(problems.items) > before or ident is None or start is None:
        return None
    row = RowBuilder(re.sub(r"^aws-", "", ident.strip()), findings)
    names = [text_value(s, "serviceName") for s in services if isinstance(s, dict)]
    names = [n for n in names if n]
    regions = sorted({r for s in services if isinstance(s, dict)
                      for r in (s.get("regions") or []) if isinstance(r, str)})
    cell, _ = mapping.regions_cell(regions)
    url = text_value(event, "sourceUrl") or mapping.AWS_SHD_HISTORY_URL
    row.set(vendor=vendor, product=names[0] if names else "AWS",
            service=join_names(names, schema.column("service").max_length) or "AWS",
            title=title, classification="incident", regions=cell,
            scope="region" if regions and "global" not in cell else "unknown",
            root_cause_category="unknown", root_cause="", mitigation="unknown",
            change_induced="unknown", source_urls=url)
    term = text_value(event, "severity").casefold()
    impact = mapping.lookup(mapping.AWS_HEALTH_IMPACT, term)
    severity = mapping.severity(mapping.AWS_HEALTH_SEVERITY, term)
    if impact is None or severity is None:
        impact, severity = mapping.FALLBACK_IMPACT, mapping.FALLBACK_SEVERITY
        row.warn("unknown value", f"archive severity {term!r}; wrote {impact}")
    else:
        row.mapped("impact", f"aws health archive severity '{term}' -> {impact}, {severity}")
    row.set(impact=impact, severity=str(severity))
    row.note("Severity is the archive's author's mapping of the event, not an AWS term")
    window = stated_window(text_value(event, "description"), start)
    if window is not None:
        row.times(window[0], window[1], start)
        row.mapped("times", "window stated in the description")
        row.note("Start and end as the description states the window (US Pacific time "
                 "converted to UTC)")
    else:
        row.times(start, end, start)
        row.mapped("times", "startedAt and resolvedAt")
    clients, _ = mapping.clients_for(names[:1])
    row.set(affected_clients=clients)
    return row.finish()
