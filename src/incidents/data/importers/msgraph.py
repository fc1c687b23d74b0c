"""Microsoft Graph service health ``GET /admin/serviceAnnouncement/issues`` -> incident rows.

The response is ``{"value": [serviceHealthIssue, ...]}``; an issue has ``id`` (``EX1256020``),
``title``, ``impactDescription``, ``classification``, ``status``, ``service``, ``feature``,
``featureGroup``, ``startDateTime``, ``endDateTime``, ``isResolved``, ``lastModifiedDateTime``
and ``posts[] {createdDateTime, postType, description {contentType, content}}``.

* Enum values are matched case-insensitively; ``falsePositive`` issues are dropped; unknown
  values are kept (the row gets a fallback, the raw value goes into its notes and the summary).
* ``vendor`` is "Microsoft 365", ``product`` the ``service``, ``service`` the ``feature`` (else
  the ``featureGroup``); ``affected_clients`` maps the feature, else the feature group, onto the
  client vocabulary (see :mod:`incidents.data.importers.mapping`), ``unknown`` when neither
  names one.
* Start is ``startDateTime``; end is ``endDateTime`` once ``isResolved``. The posts' text stays
  out of the CSV, but it is read for a stated start of impact ("Start time: Thursday, March 19,
  2026, at 3:00 PM UTC", "beginning at 3:00 PM UTC on ..."): when the latest such statement
  contradicts ``startDateTime`` the row gets a note and the summary a warning (the row keeps
  ``startDateTime``: a person checks the text and corrects it; a merge never moves a start
  later again). ``detected_utc`` is the first post's time.
* Issue ids mentioned in the title, impact description or posts (a re-logged issue: EX1268771
  follows EX1256020) become ``related_ids``, in both directions when both are in the feed.
* The source address is the Microsoft 365 admin center page of the issue, which only the
  tenant's admins can open: the row's notes say so.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from incidents.data.importers import mapping, msgraph_reading
from incidents.data.importers.common import (
    Finding,
    Row,
    RowBuilder,
    check_top_level,
    floor_minute,
    read_time,
    rows_from_entries,
    text_value,
    utc_minute,
)
from incidents.data.importers.feedjson import Problems, Source, describe

SHAPE_FIX = ("give the Graph response itself: GET https://graph.microsoft.com/v1.0/admin/"
             "serviceAnnouncement/issues returns an object with a 'value' array")
ISSUE_FIX = "each issue needs id, title, service and startDateTime as Microsoft Graph writes them"
TENANT_NOTE = ("Source is the Microsoft 365 admin center page of the issue: only this tenant's "
               "admins can open it")

#: Ids of service health issues (EX1256020, MO123456, TM..., SP...). Message-center posts (MC)
#: and knowledge-base articles (KB) look alike but are not incidents.
ISSUE_ID = re.compile(r"\b(?!MC|KB)[A-Z]{2,3}\d{5,8}\b")

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_DATE = re.compile(r"\b(?P<month>" + "|".join(m[:3] + f"(?:{m[3:]})?" for m in _MONTHS)
                   + r")\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b",
                   re.IGNORECASE)
_TIME = re.compile(r"\b(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*"
                   r"(?P<ampm>[ap]\.?\s?m\.?)?\s*(?:\(?\s*)(?P<zone>UTC|GMT|Z)\b", re.IGNORECASE)
_START_CUE = re.compile(r"\bstart(?:ed|ing)?\s+time\b|\bstart(?:ed|ing)\b|\bbegan\b|"
                        r"\bbeginning\b|\bbegun\b|\bcommenced\b|\bimpact\s+start\b",
                        re.IGNORECASE)
_END_CUE = re.compile(r"\bend\s+time\b|\bended\b|\bresolved\b|\brestored\b", re.IGNORECASE)
_CUE_WINDOW = 120
# A tag cannot contain "<": with "[^<>]" each "<" is tried once, so a post of a million "<"
# without a ">" takes linear time ("[^>]+" rescanned the rest of the text from every "<").
_TAGS = re.compile(r"<[^<>]+>")


def parse(feed: Any, *, vendor: str = mapping.MSGRAPH_VENDOR,
          source: Source | None = None) -> tuple[list[Row], list[Finding]]:
    """Rows and findings for a parsed Graph ``serviceAnnouncement/issues`` response.

    Raises :class:`~incidents.errors.InputError` listing every shape problem of the feed.
    """
    source = source or Source()
    problems = Problems(source)
    check_top_level(feed, problems, "msgraph", "Microsoft Graph", dict, SHAPE_FIX)
    issues = problems.require(feed, "value", "$", (list,), SHAPE_FIX)
    problems.raise_if_any()
    rows, findings = rows_from_entries(
        issues, issues, "$.value", problems, ISSUE_FIX, "issue",
        lambda issue, path, found: _row(issue, path, vendor, problems, found))
    _link_related(rows)
    return rows, findings


def _row(issue: dict[str, Any], path: str, vendor: str, problems: Problems,
         findings: list[Finding]) -> Row | None:
    before = len(problems.items)
    ident = problems.require(issue, "id", path, (str,), ISSUE_FIX)
    title = problems.require(issue, "title", path, (str,), ISSUE_FIX)
    service = problems.require(issue, "service", path, (str,), ISSUE_FIX)
    start = read_time(problems, issue, "startDateTime", path, required=True)
    end = read_time(problems, issue, "endDateTime", path)
    classification = problems.optional(issue, "classification", path, (str,), ISSUE_FIX)
    status = problems.optional(issue, "status", path, (str,), ISSUE_FIX)
    resolved = problems.optional(issue, "isResolved", path, (bool,), ISSUE_FIX)
    feature = problems.optional(issue, "feature", path, (str,), ISSUE_FIX)
    group = problems.optional(issue, "featureGroup", path, (str,), ISSUE_FIX)
    posts = _posts(issue, path, problems)
    if len(problems.items) > before or ident is None or start is None:
        return None
    ident = ident.strip()
    status_term = (status or "").strip().casefold()
    if status_term in mapping.MSGRAPH_DROPPED_STATUSES:
        findings.append(Finding("dropped", f"status '{status}' (Microsoft withdrew the issue)",
                                ident, "dropped"))
        return None

    row = RowBuilder(ident, findings)
    row.set(vendor=vendor, product=service, title=title,
            service=(feature or "").strip() or (group or "").strip() or service,
            regions=mapping.UNKNOWN_REGION, root_cause_category="unknown", root_cause="",
            mitigation="unknown", change_induced="unknown",
            source_urls=mapping.MSGRAPH_ISSUE_URL + ident)
    row.note(TENANT_NOTE)
    _classification(classification, row)
    reading = msgraph_reading.read_issue(
        title or "", text_value(issue, "impactDescription"),
        (classification or "").strip().casefold(), [p["text"] for p in posts])
    _impact(status_term, row, reading)
    if reading.impact == "outage" and row.cells["severity"] == "3":
        # Users at large unable to use a service: the scale's 4, not an incident's usual 3.
        row.set(severity=str(mapping.MSGRAPH_OUTAGE_SEVERITY))
        row.mapped("severity", f"microsoft 365 incident read as an outage -> "
                   f"{mapping.MSGRAPH_OUTAGE_SEVERITY}")
    _cause(reading, row)
    finished = _resolved(resolved, status, status_term, end, row)
    detected = min((p["created"] for p in posts if p["created"]), default=None)
    row.times(start, end if finished else None, detected)
    _clients(feature, group, row)
    _check_stated_start(posts, start, row)
    texts = [title, text_value(issue, "impactDescription"), *(p["text"] for p in posts)]
    related = sorted({m for text in texts for m in ISSUE_ID.findall(text)} - {ident})
    row.set(related_ids=";".join(related))
    if related:
        row.mapped("related ids", "ids mentioned in the issue's text")
    return row.finish()


def _posts(issue: dict[str, Any], path: str, problems: Problems) -> list[dict[str, Any]]:
    raw = problems.optional(issue, "posts", path, (list,), ISSUE_FIX) or []
    posts = []
    for index, post in enumerate(raw):
        where = f"{path}.posts[{index}]"
        if not isinstance(post, dict):
            problems.add(raw, where, f"the post is {describe(post)}, not an object", ISSUE_FIX)
            continue
        description = post.get("description")
        content = description.get("content") if isinstance(description, dict) else None
        kind = description.get("contentType") if isinstance(description, dict) else None
        posts.append({
            "created": read_time(problems, post, "createdDateTime", where),
            "text": post_text(content, kind),
        })
    posts.sort(key=lambda p: p["created"] or datetime.min.replace(tzinfo=UTC))
    return posts


def post_text(content: object, content_type: object = "text") -> str:
    """A post's description as plain text (HTML tags removed, entities decoded)."""
    if not isinstance(content, str):
        return ""
    text = content
    if (isinstance(content_type, str) and content_type.strip().casefold() == "html") or (
            "<" in text and ">" in text):
        text = _TAGS.sub(" ", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def _impact(term: str, row: RowBuilder, reading: msgraph_reading.Reading) -> None:
    """Impact by :mod:`incidents.data.importers.msgraph_reading`'s rules: the issue's words
    first, then its status, then the default."""
    impact = reading.impact or mapping.MSGRAPH_IMPACT_FROM_STATUS.get(term)
    if reading.impact:
        row.mapped("impact", f"microsoft 365 text {reading.impact_rule} -> {impact}")
    elif impact is not None:
        row.mapped("impact", f"microsoft 365 status '{term}' -> {impact}")
    else:
        impact = mapping.MSGRAPH_DEFAULT_IMPACT
        row.mapped("impact", f"microsoft 365 issue -> {impact} (neither text nor status says)")
    row.set(impact=impact)


def _cause(reading: msgraph_reading.Reading, row: RowBuilder) -> None:
    """Root cause, its category, own change and mitigation as the posts state them."""
    if reading.root_cause:
        row.set(root_cause=reading.root_cause)
        row.note(f"Root cause as the posts state it: {reading.root_cause}")
        row.mapped("root cause", "read from the posts")
    if reading.category:
        row.set(root_cause_category=reading.category)
        row.mapped("root cause category", f"posts -> {reading.category}")
    if reading.change_induced:
        row.set(change_induced=reading.change_induced)
        row.mapped("own change", f"posts -> {reading.change_induced}")
    if reading.mitigation:
        row.set(mitigation=";".join(reading.mitigation))
        row.mapped("mitigation", f"posts -> {';'.join(reading.mitigation)}")


def _classification(raw: str | None, row: RowBuilder) -> None:
    label = mapping.lookup(mapping.MSGRAPH_CLASSIFICATION, raw)
    term = (raw or "").strip().casefold()
    if label is None or label == "unknown":
        shown = f"'{raw}'" if raw is not None else "missing"
        severity = mapping.MSGRAPH_UNKNOWN_SEVERITY
        row.warn("unknown value", f"microsoft 365 classification {shown}; wrote unknown, "
                 f"severity {severity} (as an incident)",
                 f"Microsoft 365 classification {shown} is not a known value; written as "
                 f"unknown, severity {severity} as for an incident")
        row.set(classification="unknown", severity=str(severity))
        return
    severity = mapping.severity(mapping.MSGRAPH_SEVERITY, label)
    assert severity is not None  # the classification table and the schema table agree
    row.mapped("classification", f"microsoft 365 classification '{term}' -> {label}")
    row.mapped("severity", f"microsoft 365 classification '{term}' -> {severity}")
    row.set(classification=label, severity=str(severity))


def _resolved(flag: bool | None, status: str | None, term: str, end: datetime | None,
              row: RowBuilder) -> bool:
    """Whether the issue is over; reports unknown statuses and missing end times."""
    known = (mapping.MSGRAPH_RESOLVED_STATUSES | mapping.MSGRAPH_OPEN_STATUSES)
    if term not in known:
        shown = f"'{status}'" if status is not None else "missing"
        rule = "isResolved decides" if flag is not None else "treated as ongoing"
        row.warn("unknown value", f"microsoft 365 status {shown}; {rule}",
                 f"Microsoft 365 status {shown} is not a known value; {rule}")
    if flag is not None:
        finished = flag
        if term in known and finished != (term in mapping.MSGRAPH_RESOLVED_STATUSES):
            row.warn("status disagrees with isResolved", f"status '{status}', isResolved "
                     f"{str(flag).lower()}; isResolved kept")
    else:
        finished = term in mapping.MSGRAPH_RESOLVED_STATUSES
        row.mapped("end", "no isResolved: status decides")
    if finished and end is None:
        row.warn("end without endDateTime", "resolved but no endDateTime; end left empty",
                 "Microsoft marks the issue resolved but gives no endDateTime; end left empty")
    elif not finished and end is not None:
        row.mapped("end", "endDateTime of an unresolved issue ignored")
    return finished


def _clients(feature: str | None, group: str | None, row: RowBuilder) -> None:
    for name, what in ((feature, "feature"), (group, "featureGroup")):
        client = mapping.client_for(name)
        if client is not None:
            row.set(affected_clients=client)
            row.mapped("clients", f"{what} '{str(name).strip()}' -> {client}")
            return
    row.set(affected_clients=mapping.UNKNOWN_CLIENT)
    names = " / ".join(f"'{n.strip()}'" for n in (feature, group) if n and n.strip()) or "none"
    row.mapped("clients", f"fallback to unknown (feature/featureGroup {names})")


# ---------------------------------------------------------------- start times in post text


def stated_start(text: str) -> datetime | None:
    """The start of impact a post's text states in UTC, or None when it states none.

    Reads phrases like "Start time: Thursday, March 19, 2026, at 3:00 PM UTC" and "beginning
    at 3:00 PM UTC on Thursday, March 19, 2026"; times in other zones are not read.
    """
    found = None
    for cue in _START_CUE.finditer(text):
        window = text[cue.end(): cue.end() + _CUE_WINDOW]
        stop = _END_CUE.search(window)
        if stop:
            window = window[: stop.start()]
        time = _TIME.search(window)
        if time is None:
            continue
        date = _DATE.search(window)
        if date is None:  # "On March 19, 2026, beginning at 3:00 PM UTC"
            before = list(_DATE.finditer(text[max(0, cue.start() - 80): cue.start()]))
            date = before[-1] if before else None
        if date is None:
            continue
        moment = _moment(date, time)
        if moment is not None:
            found = moment
    return found


def _moment(date: re.Match[str], time: re.Match[str]) -> datetime | None:
    month = next(i for i, m in enumerate(_MONTHS, 1) if m.startswith(date["month"][:3].lower()))
    hour, minute = int(time["hour"]), int(time["minute"] or 0)
    ampm = (time["ampm"] or "").replace(".", "").replace(" ", "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif time["minute"] is None:
        return None  # a bare number ("3 UTC") is too ambiguous
    try:
        return datetime(int(date["year"]), month, int(date["day"]), hour, minute, tzinfo=UTC)
    except ValueError:
        return None


def _check_stated_start(posts: list[dict[str, Any]], start: datetime, row: RowBuilder) -> None:
    """Flag a start of impact stated in the latest post that says one, if it differs."""
    statements = [(p, stated_start(p["text"])) for p in posts]
    statements = [(p, s) for p, s in statements if s is not None]
    if not statements:
        return
    post, stated = statements[-1]
    if abs(stated - floor_minute(start)) < timedelta(minutes=1):
        row.mapped("post text", "states the same start as startDateTime")
        return
    relation = "earlier" if stated < start else "later"
    when = f" of {utc_minute(post['created'])}" if post["created"] else ""
    row.warn("start contradicted by post text",
             f"post says {utc_minute(stated)}, startDateTime {utc_minute(start)} ({relation})",
             f"The post{when} says impact began {utc_minute(stated)}, {relation} than "
             f"startDateTime {utc_minute(start)}; start_utc keeps startDateTime: check the "
             "post and correct it by hand")


def _link_related(rows: list[Row]) -> None:
    """Make ``related_ids`` symmetric between issues of the same feed."""
    by_id = {row["incident_id"]: row for row in rows}
    for row in rows:
        for other in filter(None, row["related_ids"].split(";")):
            target = by_id.get(other)
            if target is None:
                continue
            ids = set(filter(None, target["related_ids"].split(";"))) | {row["incident_id"]}
            target["related_ids"] = ";".join(sorted(ids))
