"""Google Cloud status ``incidents.json`` -> incident rows.

The feed is a JSON array of incidents: ``id, number, begin, created, end, modified,
external_desc, severity (low|medium|high), status_impact (SERVICE_INFORMATION|
SERVICE_DISRUPTION|SERVICE_OUTAGE), service_key, service_name, affected_products[] {title, id},
updates[] {created, modified, when, text, status, affected_locations[]}, most_recent_update,
currently_affected_locations[], previously_affected_locations[] {title, id}, uri``
(``number``, ``service_key`` and ``service_name`` are deprecated).

* One row per incident. ``product`` is the first affected product's title; ``service`` all
  affected products' titles joined with "; " (as many as fit the schema's limit, then
  "+N more"); ``affected_clients`` the union of the products' clients
  (:mod:`incidents.data.importers.mapping`). The deprecated ``service_name`` is used only when
  ``affected_products`` is missing or empty (reported).
* ``title`` is ``external_desc``; severity and impact by the mapping tables; classification
  ``incident``.
* Start is ``begin``, end ``end`` (empty while ongoing), ``detected_utc`` ``created``; all at
  minute precision in UTC.
* ``regions``: the location ids of ``previously_affected_locations`` and
  ``currently_affected_locations`` (else those of the updates), lower case; ``unknown`` when
  none is listed (Google lists ``global`` itself when an incident is global). A list longer
  than the schema allows is collapsed to geographies (see ``mapping.regions_cell``).
* Source: ``https://status.cloud.google.com/`` + ``uri``.
"""

from __future__ import annotations

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
from incidents.data.importers.feedjson import Problems, Source, describe

SHAPE_FIX = ("give Google Cloud's feed itself: https://status.cloud.google.com/incidents.json "
             "is a JSON array of incidents")
INCIDENT_FIX = "each incident needs id, begin and external_desc as Google Cloud writes them"


def parse(feed: Any, *, vendor: str = mapping.GCLOUD_VENDOR,
          source: Source | None = None) -> tuple[list[Row], list[Finding]]:
    """Rows and findings for a parsed Google Cloud ``incidents.json``.

    Raises :class:`~incidents.errors.InputError` listing every shape problem of the feed.
    """
    return parse_entry_list(feed, vendor, source, "gcloud", "Google Cloud", SHAPE_FIX,
                            INCIDENT_FIX, "entry", _row)


def _row(incident: dict[str, Any], path: str, vendor: str, problems: Problems,
         findings: list[Finding]) -> Row | None:
    before = len(problems.items)
    ident = problems.require(incident, "id", path, (str,), INCIDENT_FIX)
    title = problems.require(incident, "external_desc", path, (str,), INCIDENT_FIX)
    begin = read_time(problems, incident, "begin", path, required=True)
    end = read_time(problems, incident, "end", path)
    created = read_time(problems, incident, "created", path)
    severity = problems.optional(incident, "severity", path, (str,), INCIDENT_FIX)
    status_impact = problems.optional(incident, "status_impact", path, (str,), INCIDENT_FIX)
    products = _named(incident, "affected_products", path, problems)
    locations = (_named(incident, "previously_affected_locations", path, problems)
                 + _named(incident, "currently_affected_locations", path, problems))
    updates = problems.optional(incident, "updates", path, (list,), INCIDENT_FIX) or []
    uri = problems.optional(incident, "uri", path, (str,), INCIDENT_FIX)
    if len(problems.items) > before or ident is None or begin is None:
        return None

    row = RowBuilder(ident.strip(), findings)
    row.set(vendor=vendor, title=title, classification="incident", root_cause_category="unknown",
            root_cause="", mitigation="unknown", change_induced="unknown")
    _products(products, text_value(incident, "service_name"), row)
    _impact_and_severity(severity, status_impact, row)
    end = _end(end, incident, row)
    row.times(begin, end, created)
    _regions(locations, updates, row)
    if uri and uri.strip():
        row.set(source_urls=mapping.GCLOUD_STATUS_ROOT + uri.strip().lstrip("/"))
    else:
        row.set(source_urls=f"{mapping.GCLOUD_STATUS_ROOT}incidents/{row.incident_id}")
        row.mapped("source url", "no uri: incidents/ + id")
    return row.finish()


def _named(incident: dict[str, Any], key: str, path: str,
           problems: Problems) -> list[dict[str, str]]:
    """The ``{title, id}`` entries of ``incident[key]`` (entries without either are skipped)."""
    items = problems.optional(incident, key, path, (list,), INCIDENT_FIX) or []
    named = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.add(items, f"{path}.{key}[{index}]",
                         f"the entry is {describe(item)}, not an object", INCIDENT_FIX)
            continue
        entry = {"title": text_value(item, "title"), "id": text_value(item, "id")}
        if entry["title"] or entry["id"]:
            named.append(entry)
    return named


def _products(products: list[dict[str, str]], service_name: str, row: RowBuilder) -> None:
    titles = [p["title"] or p["id"] for p in products]
    if not titles and service_name:
        titles = [service_name]
        row.warn("deprecated field used", "no affected_products: product from service_name")
    if not titles:
        titles = ["Google Cloud"]
        row.warn("no product", "no affected_products nor service_name: product 'Google Cloud'",
                 "The feed names no affected product")
    service = join_names(titles, schema.column("service").max_length)
    row.set(product=titles[0], service=service)
    if service != "; ".join(titles):
        row.mapped("shortened to the schema's limit", "service (products after the first few "
                   "written as '+N more')")
    if len(titles) > 1:
        row.mapped("product", "first of several affected products")
    clients, _ = mapping.clients_for(titles)
    row.set(affected_clients=clients)
    for title in titles:
        client = mapping.client_for(title)
        if client is not None:
            row.mapped("clients", f"product '{title}' -> {client}")
    if clients == mapping.UNKNOWN_CLIENT:
        row.mapped("clients", "fallback to unknown (no product names a client)")


def _impact_and_severity(severity_term: str | None, impact_term: str | None,
                         row: RowBuilder) -> None:
    impact = mapping.lookup(mapping.GCLOUD_IMPACT, impact_term)
    severity = mapping.severity(mapping.GCLOUD_SEVERITY, severity_term)
    sev_shown = f"'{severity_term}'" if severity_term is not None else "missing"
    imp_shown = f"'{impact_term}'" if impact_term is not None else "missing"
    if impact is not None:
        row.mapped("impact", f"google cloud status_impact '{impact_term.upper()}' -> {impact}")
    if severity is not None:
        row.mapped("severity", f"google cloud severity '{severity_term.lower()}' -> {severity}")
    if impact is None and severity is None:
        impact, severity = mapping.FALLBACK_IMPACT, mapping.FALLBACK_SEVERITY
        row.warn("unknown value", f"google cloud severity {sev_shown} and status_impact "
                 f"{imp_shown}; wrote {impact}, severity {severity}",
                 f"Google Cloud severity {sev_shown} and status_impact {imp_shown} are not "
                 f"known values; written as {impact}, severity {severity}: check the incident")
    elif impact is None:
        assert severity is not None
        impact = mapping.IMPACT_FROM_SEVERITY[severity]
        row.warn("unknown value", f"google cloud status_impact {imp_shown}; impact {impact} "
                 "from the severity", f"Google Cloud status_impact {imp_shown} is not a known "
                 f"value; impact {impact} derived from the severity")
    elif severity is None:
        severity = mapping.SEVERITY_FROM_IMPACT[impact]
        row.warn("unknown value", f"google cloud severity {sev_shown}; severity {severity} "
                 "from the impact", f"Google Cloud severity {sev_shown} is not a known value; "
                 f"severity {severity} derived from the impact")
    row.set(impact=impact, severity=str(severity))


def _end(end: Any, incident: dict[str, Any], row: RowBuilder) -> Any:
    if end is not None:
        row.mapped("end", "end")
        return end
    latest = incident.get("most_recent_update")
    status = text_value(latest, "status") if isinstance(latest, dict) else ""
    if status.upper() == "AVAILABLE":
        row.warn("end missing", "latest update says AVAILABLE but there is no end; end left "
                 "empty", "The latest update says the service is available but the feed gives "
                 "no end; end left empty")
    else:
        row.mapped("end", "no end: ongoing")
    return None


def _regions(locations: list[dict[str, str]], updates: list[Any], row: RowBuilder) -> None:
    ids = [loc["id"] or loc["title"] for loc in locations]
    origin = "affected locations"
    if not ids:
        origin = "updates' affected locations"
        for update in updates:
            if isinstance(update, dict) and isinstance(update.get("affected_locations"), list):
                ids += [loc.get("id") or loc.get("title") or ""
                        for loc in update["affected_locations"] if isinstance(loc, dict)]
    ids = [i for i in ids if isinstance(i, str) and i.strip()]
    cell, collapsed = mapping.regions_cell(ids)
    row.set(regions=cell)
    if not ids:
        row.mapped("regions", "no locations listed -> unknown")
    elif collapsed:
        row.mapped("regions", "too many locations: collapsed to geographies")
        row.note(f"Regions collapsed to geographies: the feed lists {len(set(ids))} locations")
    else:
        row.mapped("regions", f"from {origin}")
