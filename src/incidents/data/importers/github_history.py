"""GitHub's status history as archived from ``history.atom`` -> incident rows.

The file is JSON Lines, one incident per line, as the archive's author rebuilt it from saved
copies of githubstatus.com's ``history.atom`` and the incident pages: ``id`` (the Atom entry
number), ``title``, ``url`` (the incident's own page, ``https://www.githubstatus.com/incidents/
<statuspage id>``), ``started_at``, ``resolved_at``, ``impact`` (none/minor/major/critical/
maintenance, read from the incident page), ``components[]`` (names; absent on some),
``impact_window`` (a window a post-incident note states, with its ``context``), ``updates[]``
{``at``, ``status``, ``message``}.

* ``incident_id`` is the Statuspage id at the end of ``url`` (the id curated rows and a live
  Statuspage feed use), not the Atom number.
* ``maintenance`` is scheduled work, not an incident: skipped (counted in the summary).
* Impact and severity by the Statuspage table (:mod:`incidents.data.importers.mapping`); ``none``
  is kept, as an advisory.
* ``product`` is the first component (``GitHub`` when none is listed), ``service`` all
  components joined with "; ".
* Start ``started_at``, end ``resolved_at``, ``detected_utc`` the first update, all to the
  minute as the source gives them. A different window stated in a post-incident note is
  written into the row's notes, not applied.
* Source: the incident's own githubstatus.com page.
"""

from __future__ import annotations

from typing import Any

from incidents.data import schema
from incidents.data.importers import mapping, statuspage
from incidents.data.importers.common import (
    Finding,
    Row,
    RowBuilder,
    join_names,
    parse_entry_list,
    read_time,
    text_value,
    utc_minute,
)
from incidents.data.importers.feedjson import Problems, Source

VENDOR = "GitHub"
INCIDENT_FIX = ("each line needs id, title, url, started_at and impact as the GitHub status "
                "history archive writes them")


def parse(lines: Any, *, vendor: str = VENDOR,
          source: Source | None = None) -> tuple[list[Row], list[Finding]]:
    """Rows and findings for the parsed lines of a GitHub status history file."""
    return parse_entry_list(lines, vendor, source, "github-history", "GitHub status history",
                            INCIDENT_FIX, INCIDENT_FIX, "line", _row)


def _row(item: dict[str, Any], path: str, vendor: str, problems: Problems,
         findings: list[Finding]) -> Row | None:
    before = len(problems.items)
    url = problems.require(item, "url", path, (str,), INCIDENT_FIX)
    title = problems.require(item, "title", path, (str,), INCIDENT_FIX)
    impact_term = problems.optional(item, "impact", path, (str,), INCIDENT_FIX)
    start = read_time(problems, item, "started_at", path, required=True)
    end = read_time(problems, item, "resolved_at", path)
    components = problems.optional(item, "components", path, (list,), INCIDENT_FIX) or []
    updates = problems.optional(item, "updates", path, (list,), INCIDENT_FIX) or []
    if len(problems.items) > before or url is None or start is None:
        return None
    ident = url.rstrip("/").rsplit("/", 1)[-1]
    if (impact_term or "").strip().casefold() == mapping.STATUSPAGE_MAINTENANCE:
        findings.append(Finding("dropped", "scheduled maintenance is not an incident", ident,
                                "dropped"))
        return None
    row = RowBuilder(ident, findings)
    names = [c.strip() for c in components if isinstance(c, str) and c.strip()]
    service = join_names(names, schema.column("service").max_length) if names else VENDOR
    row.set(vendor=vendor, product=names[0] if names else VENDOR, service=service,
            title=title, classification="incident", regions=mapping.UNKNOWN_REGION,
            root_cause_category="unknown", root_cause="", mitigation="unknown",
            change_induced="unknown", source_urls=url.strip())
    if not names:
        row.mapped("product", "no components listed: product GitHub")
    elif len(names) > 1:
        row.mapped("product", "first of several components")
    statuspage.impact_and_severity(impact_term, row)
    first = [u.get("at") for u in updates if isinstance(u, dict) and isinstance(u.get("at"),
                                                                                str)]
    detected = None
    if first:
        detected = read_time(problems, {"at": min(first)}, "at", path)
    row.times(start, end, detected)
    clients, _ = mapping.clients_for(names)
    row.set(affected_clients=clients)
    window = item.get("impact_window")
    if isinstance(window, dict):
        stated = (text_value(window, "start_at"), text_value(window, "end_at"))
        given = (utc_minute(start), utc_minute(end) if end else "")
        if stated[0] and stated != given:
            row.note(f"A post-incident note states impact {stated[0]} to {stated[1] or '?'}; "
                     "start and end keep the page's started_at and resolved_at")
    return row.finish()

