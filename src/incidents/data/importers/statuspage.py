"""Atlassian Statuspage ``GET /api/v2/incidents.json`` -> incident rows.

The feed is ``{"page": {"name", "url", "time_zone", ...}, "incidents": [...]}``; each incident
has ``id, name, status, impact, created_at, started_at, resolved_at, updated_at, shortlink,
components[] {name}, incident_updates[] {status, body, created_at, display_at}``.

* Times carry the page's own offset (``2024-05-01T10:02:31.123-08:00``): they are converted to
  UTC and written at minute precision. A time without an offset is read in the page's
  ``time_zone`` (and reported).
* Start of impact: ``started_at`` when the page gives it; otherwise the earliest credible time
  among the incident's ``created_at`` and its updates' ``created_at``/``display_at``. An
  update's ``display_at`` may be earlier than its ``created_at`` (the update was backdated);
  that is noted in the row. A ``display_at`` more than :data:`MAX_BACKDATE` before the
  incident was posted is not credible and is ignored (reported).
* End: ``resolved_at`` when the status is ``resolved`` or ``postmortem``; empty (ongoing)
  otherwise.
* ``product`` is the page's name, ``service`` the components' names (the page's name when
  the incident lists none), ``affected_clients`` the components mapped by
  :mod:`incidents.data.importers.mapping`, ``regions`` ``unknown`` (Statuspage does not say).
* Source: the incident's own page (the page's URL + ``/incidents/`` + id), then its
  ``shortlink`` (a Statuspage redirect, not the vendor's own host).
* Scheduled maintenance (``impact`` ``maintenance``) is not an incident: dropped.
* Root cause, mitigation and whether a change caused it are not in the feed: ``unknown``.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta, tzinfo
from typing import Any

from incidents.data import schema
from incidents.data.importers import mapping
from incidents.data.importers.common import (
    Finding,
    Row,
    RowBuilder,
    check_top_level,
    join_names,
    read_time,
    rows_from_entries,
    text_value,
    utc_minute,
)
from incidents.data.importers.feedjson import Problems, Source, describe

#: An update shown more than this long before the incident was posted is not believed.
MAX_BACKDATE = timedelta(days=7)

SHAPE_FIX = ("give the Statuspage feed itself: GET https://<status page>/api/v2/incidents.json "
             "returns an object with 'page' and 'incidents'")
INCIDENT_FIX = ("each entry of 'incidents' needs id, name, status and created_at as Statuspage "
                "writes them")


def parse(feed: Any, *, vendor: str, source: Source | None = None) -> tuple[list[Row],
                                                                            list[Finding]]:
    """Rows and findings for a parsed Statuspage ``incidents.json``.

    ``vendor`` is the vendor's name as in ``data/vendors.csv`` (the feed does not say it).
    Raises :class:`~incidents.errors.InputError` listing every shape problem of the feed.
    """
    source = source or Source()
    problems = Problems(source)
    check_top_level(feed, problems, "statuspage", "Statuspage", dict, SHAPE_FIX)
    page = problems.require(feed, "page", "$", (dict,), SHAPE_FIX)
    incidents = problems.require(feed, "incidents", "$", (list,), SHAPE_FIX)
    page_name = page_url = None
    zone: tzinfo | None = None
    if page is not None:
        page_name = problems.require(page, "name", "$.page", (str,), SHAPE_FIX)
        page_url = problems.require(page, "url", "$.page", (str,), SHAPE_FIX)
        zone = _zone(page.get("time_zone"))
    problems.raise_if_any()
    context = _Page(vendor=vendor, name=page_name.strip(), url=page_url.strip().rstrip("/"),
                    zone=zone, time_zone=text_value(page, "time_zone"))
    return rows_from_entries(
        incidents, incidents, "$.incidents", problems, INCIDENT_FIX, "entry",
        lambda incident, path, findings: _row(incident, path, context, problems, findings))


class _Page:
    def __init__(self, *, vendor: str, name: str, url: str, zone: tzinfo | None,
                 time_zone: str) -> None:
        self.vendor, self.name, self.url, self.zone, self.time_zone = (
            vendor, name, url, zone, time_zone)


def _zone(name: object) -> tzinfo | None:
    if not isinstance(name, str) or not name.strip():
        return None
    try:
        return zoneinfo.ZoneInfo(name.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _row(incident: dict[str, Any], path: str, page: _Page, problems: Problems,
         findings: list[Finding]) -> Row | None:
    before = len(problems.items)
    ident = problems.require(incident, "id", path, (str,), INCIDENT_FIX)
    title = problems.require(incident, "name", path, (str,), INCIDENT_FIX)
    status = problems.optional(incident, "status", path, (str,), INCIDENT_FIX)
    impact = problems.optional(incident, "impact", path, (str,), INCIDENT_FIX)
    times = {key: read_time(problems, incident, key, path, required=key == "created_at",
                            zone=page.zone)
             for key in ("created_at", "started_at", "resolved_at", "updated_at")}
    updates = _updates(incident, path, page, problems)
    components = problems.optional(incident, "components", path, (list,), INCIDENT_FIX)
    shortlink = problems.optional(incident, "shortlink", path, (str,), INCIDENT_FIX)
    if len(problems.items) > before or ident is None or times["created_at"] is None:
        return None

    if (impact or "").strip().casefold() == mapping.STATUSPAGE_MAINTENANCE:
        findings.append(Finding("dropped", "scheduled maintenance is not an incident",
                                ident.strip(), "dropped"))
        return None
    row = RowBuilder(ident.strip(), findings)
    _naive_times(incident, updates, page, row)
    row.set(vendor=page.vendor, product=page.name, title=title, classification="incident",
            regions=mapping.UNKNOWN_REGION, root_cause_category="unknown", root_cause="",
            mitigation="unknown", change_induced="unknown")
    _impact(impact, row)
    start = _start(times, updates, row)
    end = _end(status, times, updates, row)
    row.times(start, end, times["created_at"])
    _components(components, page, row)
    url = page.url + mapping.STATUSPAGE_INCIDENT_PATH + row.incident_id
    if shortlink and shortlink.strip().lower().startswith(("https://", "http://")):
        row.set(source_urls=f"{url};{shortlink.strip()}")
    else:
        row.set(source_urls=url)
        row.mapped("source url", "no shortlink: page url + /incidents/ + id only")
    return row.finish()


def _updates(incident: dict[str, Any], path: str, page: _Page,
             problems: Problems) -> list[dict[str, Any]]:
    """The incident's updates as ``{status, created, display}`` with parsed times."""
    raw = problems.optional(incident, "incident_updates", path, (list,), INCIDENT_FIX) or []
    updates = []
    for index, update in enumerate(raw):
        where = f"{path}.incident_updates[{index}]"
        if not isinstance(update, dict):
            problems.add(raw, where, f"the update is {describe(update)}, not an object",
                         INCIDENT_FIX)
            continue
        updates.append({
            "status": text_value(update, "status").casefold(),
            "created": read_time(problems, update, "created_at", where, zone=page.zone),
            "display": read_time(problems, update, "display_at", where, zone=page.zone),
            "raw": update,
        })
    return updates


def _naive_times(incident: dict[str, Any], updates: list[dict[str, Any]], page: _Page,
                 row: RowBuilder) -> None:
    """Report times that had no offset and were read in the page's time zone."""
    values = [incident.get(k) for k in ("created_at", "started_at", "resolved_at")]
    values += [u["raw"].get(k) for u in updates for k in ("created_at", "display_at")]
    if page.zone is not None and any(isinstance(v, str) and _is_naive(v) for v in values):
        row.warn("time without offset", f"read in the page's time zone {page.time_zone}",
                 f"Some feed times had no UTC offset; read in the page's time zone "
                 f"{page.time_zone}")


def _is_naive(value: str) -> bool:
    try:
        return datetime.fromisoformat(value.strip()).tzinfo is None
    except ValueError:
        return False


def _impact(raw: str | None, row: RowBuilder) -> None:
    term = (raw or "").strip().casefold()
    impact = mapping.lookup(mapping.STATUSPAGE_IMPACT, raw)
    severity = mapping.severity(mapping.STATUSPAGE_SEVERITY, raw)
    if impact is None or severity is None:
        impact, severity = mapping.FALLBACK_IMPACT, mapping.FALLBACK_SEVERITY
        shown = f"'{raw}'" if raw is not None else "missing"
        row.warn("unknown value", f"statuspage impact {shown}; wrote {impact}, severity "
                 f"{severity}", f"Statuspage impact {shown} is not a known value; written as "
                 f"{impact}, severity {severity}: check the incident")
    else:
        row.mapped("impact", f"statuspage impact '{term}' -> {impact}")
        row.mapped("severity", f"statuspage impact '{term}' -> {severity}")
    row.set(impact=impact, severity=str(severity))


#: Impact and severity of a Statuspage ``impact`` term (also used by the archive importers).
impact_and_severity = _impact


def _start(times: dict[str, datetime | None], updates: list[dict[str, Any]],
           row: RowBuilder) -> datetime:
    created = times["created_at"]
    assert created is not None
    backdated = [u for u in updates if u["display"] and u["created"]
                 and u["display"] < u["created"] - timedelta(minutes=1)]
    if backdated:
        first = min(backdated, key=lambda u: u["display"])
        row.warn("backdated update", f"{len(backdated)} update(s) shown before they were "
                 "posted", f"{len(backdated)} update(s) backdated: shown at "
                 f"{utc_minute(first['display'])} but posted at {utc_minute(first['created'])}")
    shown = []
    for update in updates:
        for moment in (update["display"], update["created"]):
            if moment is None:
                continue
            if moment < created - MAX_BACKDATE:
                row.warn("implausible update time", f"{utc_minute(moment)} is more than "
                         f"{MAX_BACKDATE.days} days before the incident was posted; ignored",
                         f"An update time {utc_minute(moment)} is more than "
                         f"{MAX_BACKDATE.days} days before the incident was posted "
                         f"({utc_minute(created)}); not used")
            else:
                shown.append(moment)
    if times["started_at"] is not None:
        start = times["started_at"]
        row.mapped("start", "started_at")
        earlier = [m for m in shown if m < start - timedelta(minutes=1)]
        if earlier:
            row.warn("update before start", f"an update is shown at {utc_minute(min(earlier))}, "
                     f"before started_at {utc_minute(start)}; kept started_at",
                     f"An update is shown at {utc_minute(min(earlier))}, before the page's "
                     f"started_at {utc_minute(start)}; start_utc keeps started_at")
        return start
    start = min([created, *shown])
    if start < created - timedelta(minutes=1):
        row.mapped("start", "earliest update time (backdated), no started_at")
        row.note(f"Start taken from the earliest update time shown, {utc_minute(start)}, "
                 f"before the incident was posted at {utc_minute(created)}")
    else:
        row.mapped("start", "created_at, no started_at")
    return start


def _end(status: str | None, times: dict[str, datetime | None],
         updates: list[dict[str, Any]], row: RowBuilder) -> datetime | None:
    term = (status or "").strip().casefold()
    if term in mapping.STATUSPAGE_RESOLVED_STATUSES:
        if times["resolved_at"] is not None:
            row.mapped("end", f"status '{term}' -> resolved_at")
            return times["resolved_at"]
        closing = [u["display"] or u["created"] for u in updates
                   if u["status"] in mapping.STATUSPAGE_RESOLVED_STATUSES
                   and (u["display"] or u["created"])]
        if closing:
            end = min(closing)
            row.warn("end without resolved_at", "taken from the resolving update",
                     f"resolved_at is missing; end taken from the resolving update "
                     f"({utc_minute(end)})")
            return end
        row.warn("end without resolved_at", "no resolving update either; end left empty",
                 "The incident is resolved but the feed gives no time for it; end left empty")
        return None
    if term in mapping.STATUSPAGE_OPEN_STATUSES:
        row.mapped("end", f"status '{term}' -> ongoing")
        return None
    shown = f"'{status}'" if status is not None else "missing"
    row.warn("unknown value", f"statuspage status {shown}; treated as ongoing",
             f"Statuspage status {shown} is not a known value; treated as ongoing")
    return None


def _components(components: list[Any] | None, page: _Page, row: RowBuilder) -> None:
    names = [c["name"].strip() for c in components or []
             if isinstance(c, dict) and isinstance(c.get("name"), str) and c["name"].strip()]
    limit = schema.column("service").max_length
    if not names:
        row.set(service=page.name)
        row.mapped("service", "no components listed: service = page name")
    else:
        service = join_names(names, limit)
        row.set(service=service)
        if service != "; ".join(names):
            row.mapped("shortened to the schema's limit", "service (components after the first "
                       "few written as '+N more')")
    clients, _unmatched = mapping.clients_for(names)
    row.set(affected_clients=clients)
    for name in names:
        client = mapping.client_for(name)
        if client is not None:
            row.mapped("clients", f"component '{name}' -> {client}")
    if clients == mapping.UNKNOWN_CLIENT:
        row.mapped("clients", "fallback to unknown (no component names a client)")
