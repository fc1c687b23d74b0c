"""Poll-derived records: incidents rebuilt from snapshots of a status page's current state.

A public archive polled a Statuspage ``summary.json`` (or Slack's ``current`` API) every 15-60
minutes. Those endpoints list only unresolved incidents, so each line of the file holds the
incident object as the **last** snapshot that still listed it showed it, plus
``first_seen_at``, ``last_seen_at``, ``gone_by_at`` (the first later snapshot that no longer
listed it) and ``n_snapshots_seen``. Incidents opened and closed between two polls are
missing: the record is a lower bound.

* ``statuspage-polls``: the ``incident`` object is a Statuspage incident and is read by the
  Statuspage importer (:mod:`incidents.data.importers.statuspage`); the page is named by the
  incident's ``page_id`` (:data:`incidents.data.importers.mapping.STATUSPAGE_PAGES`: vendor, page
  name and address). Maintenance is skipped.
* ``slack-polls``: the ``incident`` object is Slack's own status API item (``id``,
  ``date_created``, ``title``, ``type`` incident/notice/outage, ``status``, ``url``,
  ``services[]``, ``notes[]``); impact and severity by ``type`` (mapping table). The
  ``incident_id`` is the id in the item's page address (``status.slack.com/2023-05/<id>``,
  the id curated rows use); Slack's sequence number goes into the notes. ``product`` is Slack
  (one product), ``service`` the item's services joined.
* Impact: as in the last unresolved state seen (a page may have raised or lowered it later).
* End: never an exact minute. ``end_utc`` is ``last_seen_at`` (the incident was still open
  then) and ``end_latest_utc`` is ``gone_by_at`` (it was over by then), rounded outwards to the
  minute; with no ``gone_by_at`` (still listed when the archive stopped) the end is empty and
  ``last_impact_utc`` is ``last_seen_at``. ``end_precision`` is ``minute`` for the bound. A
  post listed as unresolved for longer than the schema's longest plausible incident gets no
  end (noted in the row).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from incidents.data import schema
from incidents.data.importers import mapping, statuspage
from incidents.data.importers.common import (
    Finding,
    Row,
    RowBuilder,
    check_top_level,
    join_names,
    parse_time,
    read_time,
    rows_from_entries,
    utc_minute,
)
from incidents.data.importers.feedjson import Problems, Source, describe

LINE_FIX = ("each line needs 'incident' (the status page's incident object), 'last_seen_at' "
            "and 'gone_by_at' as the poll archive writes them")


def _poll_times(line: dict[str, Any], path: str, problems: Problems
                ) -> tuple[datetime | None, datetime | None]:
    last = read_time(problems, line, "last_seen_at", path, required=True)
    gone = read_time(problems, line, "gone_by_at", path)
    return last, gone


def _ceil_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


def apply_poll_end(row: Row, last_seen: datetime, gone_by: datetime | None) -> None:
    """Write the end bounds of a poll-derived row (see the module notes)."""
    start = parse_time(row["start_utc"])
    last = max(last_seen.replace(second=0, microsecond=0), start)
    if last - start > timedelta(days=schema.MAX_DURATION_DAYS):
        row.update(end_utc="", end_precision="", end_latest_utc="", last_impact_utc="")
        _add_note(row, f"Listed as unresolved for {(last - start).days} days (until "
                  f"{utc_minute(last)}): a post left open, not an outage that long; end "
                  "left empty.")
        return
    if gone_by is None:
        row.update(end_utc="", end_precision="", end_latest_utc="",
                   last_impact_utc=utc_minute(last))
        return
    row.update(end_utc=utc_minute(last), end_precision="minute",
               end_latest_utc=utc_minute(max(_ceil_minute(gone_by), last)), last_impact_utc="")


def _add_note(row: Row, sentence: str) -> None:
    row["notes"] = f"{row['notes']} {sentence}".strip() if sentence not in row["notes"] else (
        row["notes"])


POLL_NOTE = ("Rebuilt from polls of the status page: the end lies between end_utc (last poll "
             "still listing it) and end_latest_utc (first poll without it); impact as in the "
             "last unresolved state seen.")


# ---------------------------------------------------------------- Statuspage polls


def parse_statuspage(lines: Any, *, vendor: str | None = None,
                     source: Source | None = None) -> tuple[list[Row], list[Finding]]:
    """Rows and findings for the lines of a poll-derived Statuspage file."""
    source = source or Source()
    problems = Problems(source)
    check_top_level(lines, problems, "statuspage-polls", "poll-derived Statuspage", list,
                    LINE_FIX)
    by_page: dict[str, list[dict[str, Any]]] = {}
    times: dict[str, tuple[datetime, datetime | None]] = {}
    for index, line in enumerate(lines):
        path = f"$[{index}]"
        if not isinstance(line, dict):
            problems.add(lines, path, f"the line is {describe(line)}, not an object", LINE_FIX)
            continue
        incident = problems.require(line, "incident", path, (dict,), LINE_FIX)
        last, gone = _poll_times(line, path, problems)
        if incident is None or last is None:
            continue
        page_id = incident.get("page_id")
        if page_id not in mapping.STATUSPAGE_PAGES:
            problems.add(incident, f"{path}.incident.page_id", f"page id {page_id!r} is not a "
                         "known status page", "add the page (vendor, name, address) to "
                         "mapping.STATUSPAGE_PAGES")
            continue
        by_page.setdefault(page_id, []).append(incident)
        times[str(incident.get("id"))] = (last, gone)
    problems.raise_if_any()
    rows: list[Row] = []
    findings: list[Finding] = []
    for page_id, incidents in by_page.items():
        page_vendor, name, url = mapping.STATUSPAGE_PAGES[page_id]
        if vendor and vendor != page_vendor:
            findings.append(Finding("vendor", f"--vendor {vendor} ignored: page {page_id} is "
                                    f"{page_vendor}'s", "", "warning"))
        feed = {"page": {"name": name, "url": url}, "incidents": incidents}
        page_rows, page_findings = statuspage.parse(feed, vendor=page_vendor, source=source)
        findings += page_findings
        for row in page_rows:
            last, gone = times[row["incident_id"]]
            apply_poll_end(row, last, gone)
            _add_note(row, POLL_NOTE)
            rows.append(row)
    return rows, findings


# ---------------------------------------------------------------- Slack polls

SLACK_VENDOR = "Slack"
SLACK_FIX = ("each Slack item needs id, date_created, title and type as Slack's status API "
             "writes them")


def parse_slack(lines: Any, *, vendor: str = SLACK_VENDOR,
                source: Source | None = None) -> tuple[list[Row], list[Finding]]:
    """Rows and findings for the lines of a poll-derived Slack status file."""
    source = source or Source()
    problems = Problems(source)
    check_top_level(lines, problems, "slack-polls", "poll-derived Slack", list, LINE_FIX)
    return rows_from_entries(lines, lines, "$", problems, LINE_FIX, "line",
                             lambda line, path, found: _slack_row(line, path, vendor,
                                                                  problems, found))


def _slack_row(line: dict[str, Any], path: str, vendor: str, problems: Problems,
               findings: list[Finding]) -> Row | None:
    before = len(problems.items)
    item = problems.require(line, "incident", path, (dict,), LINE_FIX)
    last, gone = _poll_times(line, path, problems)
    if item is None:
        return None
    where = f"{path}.incident"
    ident = problems.require(item, "id", where, (int, str), SLACK_FIX)
    title = problems.require(item, "title", where, (str,), SLACK_FIX)
    kind = problems.optional(item, "type", where, (str,), SLACK_FIX)
    created = read_time(problems, item, "date_created", where, required=True)
    url = problems.optional(item, "url", where, (str,), SLACK_FIX)
    services = problems.optional(item, "services", where, (list,), SLACK_FIX) or []
    if len(problems.items) > before or ident is None or created is None or last is None:
        return None
    page_id = url.strip().rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else ""
    row = RowBuilder(page_id if re.fullmatch(r"[0-9a-f]{8,}", page_id) else f"slack-{ident}",
                     findings)
    row.note(f"Slack status API id {ident}")
    names = [s.strip() for s in services if isinstance(s, str) and s.strip()]
    row.set(vendor=vendor, product="Slack",
            service=join_names(names, schema.column("service").max_length) or "Slack",
            title=title, classification=mapping.SLACK_CLASSIFICATION.get(
                (kind or "").strip().casefold(), "incident"),
            regions=mapping.UNKNOWN_REGION, root_cause_category="unknown", root_cause="",
            mitigation="unknown", change_induced="unknown")
    impact = mapping.lookup(mapping.SLACK_IMPACT, kind)
    severity = mapping.severity(mapping.SLACK_SEVERITY, kind)
    if impact is None or severity is None:
        impact, severity = mapping.FALLBACK_IMPACT, mapping.FALLBACK_SEVERITY
        row.warn("unknown value", f"slack type {kind!r}; wrote {impact}, severity {severity}",
                 f"Slack type {kind!r} is not a known value; written as {impact}")
    else:
        row.mapped("impact", f"slack type '{kind.strip().casefold()}' -> {impact}, {severity}")
    row.set(impact=impact, severity=str(severity))
    row.times(created, None, created)
    clients, _ = mapping.clients_for(names)
    row.set(affected_clients=clients)
    if url and url.strip().startswith("https://"):
        row.set(source_urls=url.strip())
    else:
        row.set(source_urls=mapping.SLACK_STATUS_ROOT)
        row.mapped("source url", "no url: Slack's status page")
    finished = row.finish()
    apply_poll_end(finished, last, gone)
    _add_note(finished, POLL_NOTE)
    return finished


# ---------------------------------------------------------------- cross-posts

#: Vendors whose posts of one incident share an event (see the schema).
CROSS_POSTING_VENDORS = schema.CROSS_POSTING_VENDORS


def cross_post_key(row: Row) -> tuple[str, str]:
    """Rows with the same key are one incident cross-posted: the title (case and spacing
    ignored) and the hour the incident was created (``detected_utc``)."""
    return " ".join(row["title"].casefold().split()), row["detected_utc"][:13]


def group_cross_posts(rows: list[Row]) -> None:
    """Give rows of one cross-posted incident a shared ``event_id``
    (``<vendor>-<creation hour>-<title words>``); a row posted once keeps an empty one."""
    groups: dict[tuple[str, str, str], list[Row]] = {}
    for row in rows:
        if row["vendor"] in CROSS_POSTING_VENDORS and row["detected_utc"]:
            groups.setdefault((row["vendor"], *cross_post_key(row)), []).append(row)
    for (vendor, title, hour), group in groups.items():
        name = ""
        if len(group) > 1:
            words = "-".join("".join(c if c.isalnum() else " " for c in title).split())[:80]
            name = f"{vendor.casefold()}-{hour.replace(':', '')}-{words}".rstrip("-")
        for row in group:
            row["event_id"] = name
