"""Every mapping from a vendor feed's terms onto the incident schema, in one place.

The importers never invent a mapping of their own: they look terms up here, and every lookup
is reported (a :class:`~incidents.data.importers.common.Finding`) so the import summary can say how
many rows needed which mapping. Vendor terms are matched case-insensitively (Microsoft's
documentation samples write ``ServiceRestored`` where Graph v1.0 returns ``serviceRestored``).

Severity comes from :data:`incidents.data.schema.SEVERITY_FROM_VENDOR_TERMS`, the table the data
dictionary publishes; this module only adds the vendor-specific *impact* and *status* tables,
the client vocabulary rules and the fallbacks used when a feed carries a term nobody has mapped.

Choices, and why:

* **Statuspage** ``impact``: ``critical`` -> outage, ``major`` -> partial-outage, ``minor``
  -> degradation, ``none`` -> advisory; severity by the schema table (critical 5, major 4,
  minor 2, none 1). Statuspage derives an incident's impact from the worst status of its
  components (major outage -> critical, partial outage -> major, degraded performance ->
  minor), so the impact reads back as the component status. ``maintenance`` is not an
  incident: the importers skip it. ``status`` ``resolved`` and ``postmortem`` end the incident
  (``resolved_at``); every other status leaves it ongoing. The same table serves GitHub's
  archived history (its ``impact`` was read from the incident pages) and the poll-derived
  records (there the impact is the one of the last unresolved state seen: a page can raise or
  lower it later, so it may differ from the final one).
* **Poll-derived records** (a Statuspage ``summary.json`` or Slack's ``current`` API polled
  every 15-60 minutes): the end lies between the last poll that still listed the incident
  (``last_seen_at`` -> ``end_utc``) and the first that no longer did (``gone_by_at`` ->
  ``end_latest_utc``). The page a poll line came from is named by its ``page_id``
  (:data:`STATUSPAGE_PAGES`: vendor, page name, address).
* **Slack** ``type``: ``outage`` -> outage (severity 4), ``incident`` -> degradation (2),
  ``notice`` -> advisory (1) (Slack's own status API: an outage is Slack being down for
  users, an incident a problem with some feature, a notice information).
* **AWS Service Health Dashboard** (the old ``data.json``, to April 2023) ``status``:
  ``3`` -> outage (service disruption, severity 4), ``2`` -> degradation (performance issues,
  3), ``1`` -> degradation (informational message on a problem, 2), ``0`` -> advisory (service
  operating normally: a resolved or informational entry, 1). The codes arrive as numbers or as
  strings; both are read.
* **AWS Health Dashboard** (the archive's events, 2025-2026): ``severity`` is the archive's
  author's mapping, not AWS's term: ``critical`` -> outage (5), ``major`` -> partial-outage
  (4), ``minor`` -> degradation (2); rows say so in their notes.
* **Azure post-incident reviews**: Azure reviews only broad-impact incidents and gives no
  severity; the archive's ``severity`` is its author's keyword guess and is not used. A
  review is ``classification`` post-incident-review, impact degradation and severity 3 unless
  its summary says the service was unavailable or down (-> outage, 4): see
  :data:`AZURE_OUTAGE_WORDS`.
* **Microsoft 365** (Graph ``serviceHealthIssue``): ``classification`` is the vendor's label
  (``incident``/``advisory``; ``unknownFutureValue`` -> ``unknown``) and gives the severity by
  the schema table (incident 3, advisory 2; an unknown label gets an incident's 3). The
  impact is read from the issue's words first (:mod:`incidents.data.importers.msgraph_reading`:
  "users can't" an outage, and then severity 4; "some users", "intermittently" a partial
  outage; "delays" a degradation; an advisory an advisory), then from the ``status``
  (``serviceInterruption`` -> outage), else ``degradation``.
  ``falsePositive`` issues are dropped. The issue is over when ``isResolved`` is true (or,
  without that flag, when the status is one of :data:`MSGRAPH_RESOLVED_STATUSES`).
* **Google Cloud**: ``severity`` by the schema table (high 4, medium 3, low 2);
  ``status_impact`` gives the impact (SERVICE_OUTAGE -> outage, SERVICE_DISRUPTION ->
  degradation, SERVICE_INFORMATION -> advisory). Google lists ``global`` as a location when
  an incident is global, and older incidents list no locations at all (even one limited to a
  single Geneva interconnect), so an empty location list becomes ``unknown``, not ``global``.
* **Clients**: a product, component or feature name is matched against :data:`CLIENT_RULES`
  (first matching rule per name; a row gets the union over its names, in the vocabulary's
  order). A name no rule matches falls back to ``unknown``; so does a generic group such as
  Microsoft's "Teams Components" or an ambiguous name ("Outlook for Mac": new or legacy?).
* **Unknown terms** are never fatal: the row is kept with the fallback below, the raw term is
  written into the row's notes and reported as a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from incidents.data import schema

# ---------------------------------------------------------------- severity and impact

#: Keys into :data:`incidents.data.schema.SEVERITY_FROM_VENDOR_TERMS`.
STATUSPAGE_SEVERITY = "statuspage impact"
GCLOUD_SEVERITY = "google cloud severity"
MSGRAPH_SEVERITY = "microsoft 365 classification"
SLACK_SEVERITY = "slack type"
AWS_SHD_SEVERITY = "aws service health status"
AWS_HEALTH_SEVERITY = "aws health severity (archive's mapping)"
AZURE_SEVERITY = "azure post-incident review"

#: Atlassian Statuspage ``impact`` -> schema impact (the component status it derives from).
STATUSPAGE_IMPACT: dict[str, str] = {
    "none": "advisory",
    "minor": "degradation",
    "major": "partial-outage",
    "critical": "outage",
}
#: Statuspage ``impact`` of scheduled maintenance: not an incident, skipped.
STATUSPAGE_MAINTENANCE = "maintenance"

#: Statuspage ``status`` values that end an incident (its ``resolved_at`` is the end).
STATUSPAGE_RESOLVED_STATUSES = frozenset({"resolved", "postmortem"})
#: Statuspage ``status`` values of an incident still in progress.
STATUSPAGE_OPEN_STATUSES = frozenset({"investigating", "identified", "monitoring"})

#: Statuspage pages of the poll-derived records, by ``page_id``: (vendor, page name, page
#: address as the vendor serves it today). Atlassian runs one page per product; the old
#: Jira Service Desk and Jira Core pages are now Jira Service Management and Jira Work
#: Management; Atlassian Access is now Guard (its old address still serves the page).
STATUSPAGE_PAGES: dict[str, tuple[str, str, str]] = {
    "yh6f0r4529hb": ("Cloudflare", "Cloudflare", "https://www.cloudflarestatus.com"),
    "s2k7tnzlhrpw": ("DigitalOcean", "DigitalOcean", "https://status.digitalocean.com"),
    "w4cz49tckxhp": ("DigitalOcean", "DigitalOcean", "https://status.digitalocean.com"),
    "kctbh9vrtdwd": ("GitHub", "GitHub", "https://www.githubstatus.com"),
    "7yh3h3y0c0x1": ("Atlassian", "Jira", "https://jira-software.status.atlassian.com"),
    "pv54g7ltsc24": ("Atlassian", "Jira Service Management",
                     "https://jira-service-management.status.atlassian.com"),
    "s6f0gm5gcpmy": ("Atlassian", "Jira Work Management",
                     "https://jira-work-management.status.atlassian.com"),
    "jrg4crndtsgz": ("Atlassian", "Jira Align", "https://jira-align.status.atlassian.com"),
    "4g2my7tbhjsq": ("Atlassian", "Confluence", "https://confluence.status.atlassian.com"),
    "bqlf8qjztdtr": ("Atlassian", "Bitbucket", "https://bitbucket.status.atlassian.com"),
    "h5frqhb041yq": ("Atlassian", "Trello", "https://trello.status.atlassian.com"),
    "t05vdsszxwtq": ("Atlassian", "Opsgenie", "https://opsgenie.status.atlassian.com"),
    "5qmgwsxwsz78": ("Atlassian", "Atlassian Access", "https://access.status.atlassian.com"),
    "y2j98763l56x": ("Atlassian", "Statuspage", "https://metastatuspage.com"),
    "3tbw4lb9t3qp": ("Atlassian", "Atlassian Support", "https://support.status.atlassian.com"),
    "tfc0vzc0cq1n": ("Atlassian", "Atlassian Partners",
                     "https://partners.status.atlassian.com"),
    "n8766lc3ybbs": ("Atlassian", "Atlassian Developer",
                     "https://developer.status.atlassian.com"),
}

#: Slack status API ``type`` -> schema impact and the vendor's label.
SLACK_IMPACT: dict[str, str] = {"outage": "outage", "incident": "degradation",
                                "notice": "advisory"}
SLACK_CLASSIFICATION: dict[str, str] = {"outage": "outage", "incident": "incident",
                                        "notice": "advisory"}
SLACK_STATUS_ROOT = "https://status.slack.com/"

#: Old AWS Service Health Dashboard ``status`` code -> schema impact (codes as strings).
AWS_SHD_IMPACT: dict[str, str] = {"3": "outage", "2": "degradation", "1": "degradation",
                                  "0": "advisory"}
#: The old dashboard's history page: its entries have no page of their own.
AWS_SHD_HISTORY_URL = "https://health.aws.amazon.com/health/status"
#: Entries with the same summary posted within this many hours of an event's first entry
#: are one event (one entry per service and region).
AWS_SHD_EVENT_HOURS = 3
#: The archive's severity of an AWS Health Dashboard event -> schema impact.
AWS_HEALTH_IMPACT: dict[str, str] = {"critical": "outage", "major": "partial-outage",
                                     "minor": "degradation"}

#: Azure post-incident reviews: wording in a review's summary that says users could not use
#: the service at all (-> outage, the table's ``unavailable``); otherwise a degradation.
AZURE_OUTAGE_WORDS = (r"\bunavailab", r"\boutage\b", r"\bunable to (access|connect|reach|use)",
                      r"\bcould not (access|connect|reach)", r"\bwas down\b")
AZURE_HISTORY_URL = "https://azure.status.microsoft/en-us/status/history/"

#: Google Cloud ``status_impact`` -> schema impact.
GCLOUD_IMPACT: dict[str, str] = {
    "service_outage": "outage",
    "service_disruption": "degradation",
    "service_information": "advisory",
}

#: Microsoft Graph ``classification`` -> the schema's classification (the vendor's label).
MSGRAPH_CLASSIFICATION: dict[str, str] = {
    "incident": "incident",
    "advisory": "advisory",
    "unknownfuturevalue": "unknown",
}

#: Microsoft Graph ``status`` values, grouped. Keys are lower case.
MSGRAPH_RESOLVED_STATUSES = frozenset({
    "serviceoperational", "servicerestored", "postincidentreviewpublished", "resolved",
    "resolvedexternal", "mitigated", "mitigatedexternal", "investigationsuspended",
})
MSGRAPH_OPEN_STATUSES = frozenset({
    "investigating", "restoringservice", "verifyingservice", "servicedegradation",
    "serviceinterruption", "extendedrecovery", "confirmed", "reported",
})
#: Issues Microsoft withdrew: not incidents at all, dropped from the import.
MSGRAPH_DROPPED_STATUSES = frozenset({"falsepositive"})
#: Statuses known to Graph that carry no meaning (reported as an unknown value).
MSGRAPH_PLACEHOLDER_STATUSES = frozenset({"unknownfuturevalue"})
#: Statuses that say more about the impact than the classification does.
MSGRAPH_IMPACT_FROM_STATUS: dict[str, str] = {
    "serviceinterruption": "outage",
    "servicedegradation": "degradation",
}
#: Impacts the words of a Microsoft 365 issue can give (``msgraph_reading``), and the
#: severity of an incident read as an outage of users at large.
MSGRAPH_READ_IMPACTS = frozenset({"outage", "partial-outage", "degradation", "advisory"})
MSGRAPH_OUTAGE_SEVERITY = 4
#: Impact of a Microsoft 365 issue whose status does not say (see the module notes).
MSGRAPH_DEFAULT_IMPACT = "degradation"
#: Severity of a Microsoft 365 issue whose classification is unknown: that of an incident.
MSGRAPH_UNKNOWN_SEVERITY = schema.SEVERITY_FROM_VENDOR_TERMS[MSGRAPH_SEVERITY]["incident"]

# ---------------------------------------------------------------- fallbacks

#: Impact written when a feed's impact term is unknown and nothing else says.
FALLBACK_IMPACT = "degradation"
#: Severity written when a feed's severity term is unknown and the impact does not say.
FALLBACK_SEVERITY = 3
#: Severity derived from the impact when the feed's own severity term is unknown.
SEVERITY_FROM_IMPACT: dict[str, int] = {"outage": 4, "partial-outage": 4, "degradation": 3,
                                        "advisory": 1}
#: Impact derived from the severity when the feed's own impact term is unknown.
IMPACT_FROM_SEVERITY: dict[int, str] = {
    5: "outage", 4: "partial-outage", 3: "degradation", 2: "degradation", 1: "advisory"}


def lookup(table: dict[str, str], term: object) -> str | None:
    """``table[term]`` matched case-insensitively (keys are lower case); None when unknown."""
    if not isinstance(term, str):
        return None
    return table.get(term.strip().casefold())


def severity(source: str, term: object) -> int | None:
    """The 1-5 severity of a vendor term from the schema's table, or None when unknown."""
    if not isinstance(term, str):
        return None
    table = {k.casefold(): v for k, v in schema.SEVERITY_FROM_VENDOR_TERMS[source].items()}
    return table.get(term.strip().casefold())


# ---------------------------------------------------------------- client vocabulary


@dataclass(frozen=True, slots=True)
class ClientRule:
    """A product, component or feature name matching ``pattern`` means ``client``."""

    pattern: re.Pattern[str]
    client: str


def _rule(pattern: str, client: str) -> ClientRule:
    if client not in schema.CLIENTS:  # guard against typos: the vocabulary is the schema's
        raise ValueError(f"{client!r} is not in schema.CLIENTS")
    return ClientRule(re.compile(pattern, re.IGNORECASE), client)


#: Ordered rules, most specific first; the first match decides a name's client. Names that
#: only say "which product" (Exchange Online, Google BigQuery) match nothing on purpose unless
#: the product is itself a kind of client surface (a database, storage, compute, ...).
CLIENT_RULES: tuple[ClientRule, ...] = (
    # Microsoft 365 features (Graph ``feature`` / ``featureGroup``)
    _rule(r"\boutlook (for )?(ios|android)\b|\boutlook mobile\b|\bmobile outlook\b",
          "outlook-mobile"),
    _rule(r"\bnew outlook for mac\b", "outlook-mac-new"),
    _rule(r"\b(legacy|classic) outlook for mac\b", "outlook-mac-classic"),
    _rule(r"\bnew outlook for windows\b|\bnew outlook\b", "outlook-desktop-new"),
    _rule(r"\bclassic outlook\b|\boutlook desktop\b|\boutlook for windows \(classic\)|"
          r"\boutlook \(win32\)|\bwin32 outlook\b", "outlook-desktop-classic"),
    _rule(r"\boutlook on the web\b|\boutlook web( app| access)?\b|\bowa\b", "outlook-web"),
    _rule(r"\b(exchange )?activesync\b|\beas\b", "exchange-activesync"),
    _rule(r"\bimap4?\b", "imap4"),
    _rule(r"\bpop3?\b", "pop3"),
    _rule(r"\bsmtp\b", "smtp"),
    _rule(r"\bexchange web services\b|\bews\b", "ews"),
    _rule(r"\bmapi\b", "mapi"),
    _rule(r"\b(microsoft )?graph( api)?\b", "graph-api"),
    _rule(r"\bteams (desktop|for (windows|mac)|client)\b", "teams-desktop"),
    _rule(r"\bteams (web|in the browser|on the web)\b", "teams-web"),
    _rule(r"\bteams (mobile|for (ios|android))\b", "teams-mobile"),
    _rule(r"\bmail ?flow\b|\be-?mail (delivery|notifications?)\b|\bmessage delivery\b",
          "email-delivery"),
    _rule(r"\bsign[- ]?in\b|\blog[- ]?in\b|\bauthentication\b|\bmulti-factor\b|\bmfa\b|"
          r"\bsso\b|\bsingle sign-on\b", "sign-in"),
    _rule(r"\badmin(istration)? (center|centre|portal|console)\b|\bcloud console\b|"
          r"\bmanagement and provisioning\b", "admin-portal"),
    _rule(r"\bcalling\b|\bcalls?\b|\bmeetings?\b|\bvoice\b|\bvideo\b|\baudio conferencing\b",
          "voice-video"),
    # developer platforms (Statuspage components)
    _rule(r"\bgit operations\b|\bgit\b", "git"),
    _rule(r"\bactions\b|\bpipelines?\b|\bci/cd\b|\bbuilds?\b|\bcloud build\b|"
          r"\bdeveloper tools\b|\bdeployments?\b", "ci-cd"),
    _rule(r"\bapis?\b|\bapi requests\b|\bwebhooks?\b|\bapigee\b|\bcloud endpoints\b", "api"),
    # infrastructure (Google Cloud products, Statuspage components)
    _rule(r"\bdns\b", "dns"),
    _rule(r"\bcdn\b|\bedge (network|proxy|caching|locations?)\b", "cdn"),
    _rule(r"\bnetwork(ing)?\b|\bconnectivity\b|\binterconnect\b|\bvpn\b|\bload balanc",
          "network"),
    _rule(r"\bstorage\b|\bpersistent disk\b|\bfilestore\b|\bbuckets?\b|\bs3\b", "storage"),
    _rule(r"\bdatabases?\b|\bsql\b|\bspanner\b|\bbigtable\b|\bbigquery\b|\bfirestore\b|"
          r"\bdatastore\b|\bmemorystore\b|\bredis\b|\bpostgres(ql)?\b|\bmysql\b", "database"),
    _rule(r"\bcompute\b|\bvirtual machines?\b|\bvms?\b|\bkubernetes\b|\bcontainer instances\b|"
          r"\bcloud functions\b|\bapp engine\b|\bcloud run\b|\bvmware engine\b|\bcodespaces\b",
          "compute"),
    _rule(r"\bagents?\b|\bsensors?\b", "endpoint-agent"),
    # generic surfaces last
    _rule(r"\bmobile apps?\b|\bios\b|\bandroid\b", "mobile-app"),
    _rule(r"\bdesktop apps?\b", "desktop-app"),
    _rule(r"\bwebsite\b|\bweb app(lication)?\b|\bweb ui\b|\bdashboard\b|\bportal\b|\bpages\b",
          "web"),
)

UNKNOWN_CLIENT = "unknown"
_CLIENT_ORDER = {name: index for index, name in enumerate(schema.CLIENTS)}


def client_for(name: object) -> str | None:
    """The client term a product/component/feature ``name`` names, or None."""
    if not isinstance(name, str) or not name.strip():
        return None
    for rule in CLIENT_RULES:
        if rule.pattern.search(name):
            return rule.client
    return None


def clients_for(names: list[str]) -> tuple[str, list[str]]:
    """The ``affected_clients`` cell for ``names`` and the names that matched no rule.

    The cell is the union of the names' clients in the vocabulary's order, ``unknown`` when
    none matched.
    """
    found: set[str] = set()
    unmatched: list[str] = []
    for name in names:
        client = client_for(name)
        if client is None:
            unmatched.append(name)
        else:
            found.add(client)
    if not found:
        return UNKNOWN_CLIENT, unmatched
    return ";".join(sorted(found, key=_CLIENT_ORDER.__getitem__)), unmatched


# ---------------------------------------------------------------- regions

#: Above the schema's limit for ``regions`` a list of locations is collapsed to geographies:
#: the part of each location id before the first hyphen (``us-central1`` -> ``us``,
#: ``europe-west4`` -> ``europe``), which keeps the cell short and still truthful.
REGIONS_MAX_LENGTH = schema.column("regions").max_length
UNKNOWN_REGION = "unknown"


def regions_cell(ids: list[str]) -> tuple[str, bool]:
    """The ``regions`` cell for location ``ids`` and whether they had to be collapsed."""
    tokens = sorted({re.sub(r"\s+", "-", i.strip().lower()) for i in ids if i and i.strip()})
    if not tokens:
        return UNKNOWN_REGION, False
    cell = ";".join(tokens)
    if len(cell) <= REGIONS_MAX_LENGTH:
        return cell, False
    geographies = sorted({t.split("-", 1)[0] for t in tokens})
    return ";".join(geographies)[:REGIONS_MAX_LENGTH], True


# ---------------------------------------------------------------- source addresses

STATUSPAGE_INCIDENT_PATH = "/incidents/"
GCLOUD_STATUS_ROOT = "https://status.cloud.google.com/"
#: The Microsoft 365 admin center page of an issue: only a tenant's admins can open it.
MSGRAPH_ISSUE_URL = "https://admin.microsoft.com/adminportal/home#/servicehealth/:/alerts/"

#: Vendor names the fixed-vendor importers write (must match ``data/vendors.csv``).
MSGRAPH_VENDOR = "Microsoft 365"
GCLOUD_VENDOR = "Google Cloud"


# ---------------------------------------------------------------- what an import can write


def _pairs(impacts: set[str], severities: set[int]) -> frozenset[tuple[str, str]]:
    return frozenset((i, str(s)) for i in impacts for s in severities)


def _fallback_pairs() -> frozenset[tuple[str, str]]:
    pairs = {(FALLBACK_IMPACT, str(FALLBACK_SEVERITY))}
    pairs |= {(impact, str(sev)) for impact, sev in SEVERITY_FROM_IMPACT.items()}
    pairs |= {(impact, str(sev)) for sev, impact in IMPACT_FROM_SEVERITY.items()}
    return frozenset(pairs)


def _table_severities(source: str) -> set[int]:
    return set(schema.SEVERITY_FROM_VENDOR_TERMS[source].values())


#: Every (impact, severity) pair an import of each format can write. A row in the file whose
#: pair is not in its format's set was judged by a person, and a merge keeps it
#: (see :mod:`incidents.data.importers.merge`).
DERIVABLE_IMPACT_SEVERITY: dict[str, frozenset[tuple[str, str]]] = {
    "statuspage": frozenset(
        (STATUSPAGE_IMPACT[t], str(s))
        for t, s in schema.SEVERITY_FROM_VENDOR_TERMS[STATUSPAGE_SEVERITY].items())
    | _fallback_pairs(),
    "gcloud": _pairs(set(GCLOUD_IMPACT.values()), _table_severities(GCLOUD_SEVERITY))
    | _fallback_pairs(),
    "msgraph": _pairs({MSGRAPH_DEFAULT_IMPACT, *MSGRAPH_IMPACT_FROM_STATUS.values(),
                       *MSGRAPH_READ_IMPACTS},
                      _table_severities(MSGRAPH_SEVERITY) | {MSGRAPH_UNKNOWN_SEVERITY,
                                                             MSGRAPH_OUTAGE_SEVERITY}),
}


def _table_pairs(impacts: dict[str, str], source: str) -> frozenset[tuple[str, str]]:
    levels = {k.casefold(): v for k, v in schema.SEVERITY_FROM_VENDOR_TERMS[source].items()}
    return frozenset((impact, str(levels[term])) for term, impact in impacts.items()
                     if term in levels) | _fallback_pairs()


DERIVABLE_IMPACT_SEVERITY.update({
    "github-history": DERIVABLE_IMPACT_SEVERITY["statuspage"],
    "statuspage-polls": DERIVABLE_IMPACT_SEVERITY["statuspage"],
    "slack-polls": _table_pairs(SLACK_IMPACT, SLACK_SEVERITY),
    "aws-shd": _table_pairs(AWS_SHD_IMPACT, AWS_SHD_SEVERITY),
    "aws-health": _table_pairs(AWS_HEALTH_IMPACT, AWS_HEALTH_SEVERITY),
    "azure-pir": frozenset({("outage", "4"), ("degradation", "3")}) | _fallback_pairs(),
})
