"""The one schema of the incident and vendor files.

Everything else reads the columns, vocabularies and the severity scale from here: the loader
validates against it, the importers map feeds onto it and ``data/README.md`` is generated
from it (a test fails if the two drift apart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

Kind = Literal["text", "category", "multi", "timestamp", "precision", "severity", "fraction"]

#: Date precision, finest first. A value is written with the parts below its precision zeroed.
PRECISIONS: dict[str, str] = {
    "minute": "the time is known to the minute",
    "hour": "the time is known to the hour; minutes are written as 00",
    "day": "only the date is known; the time is written as 00:00:00",
    "month": "only the month is known; the date is written as the 1st at 00:00:00",
}

#: How long a stamp of each precision stands for: it may lie anywhere in that span after
#: the written time (a month is at most 31 days; the metrics use each month's own length).
PRECISION_SPANS: dict[str, timedelta] = {
    "minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1),
    "month": timedelta(days=31)}

VENDORS_EXAMPLE_NOTE = (
    "The dependence columns are an example portfolio: edit them to describe your organisation."
)

IMPACTS: dict[str, str] = {
    "outage": "the service was unusable for the affected users (a status page's major outage)",
    "partial-outage": "part of the service was unusable, or it was unusable for part of its "
                      "users (a status page's partial outage)",
    "degradation": "slow, intermittent or erroring but usable service (a status page's "
                   "degraded performance)",
    "advisory": "no or minimal user impact (a notice, a risk, a minor defect)",
}

#: Who an incident reached. Incidents limited to one customer or to administrators do not
#: count against users' availability; every other scope (``unknown`` included) does.
SCOPES: dict[str, str] = {
    "all-users": "broadly felt: most users of the service",
    "region": "the users of one or more regions or geographies",
    "subset": "a subset of users or tenants, or one feature",
    "one-customer": "a single customer (e.g. one customer's deleted deployment)",
    "administrators": "only administrators or an administrative feature",
    "unknown": "the sources do not say who was affected",
}

#: The kinds of list an incident row can be taken from (see ``data/records.csv``).
RECORD_KINDS: dict[str, str] = {
    "status-history": "every incident the vendor posted on its status page over a period "
                      "(complete, or a stated lower bound when rebuilt from polling)",
    "review-list": "the vendor's own list of major incidents (post-incident reviews, public "
                   "events): complete for what the vendor chose to review",
    "tenant": "the organisation's own service-health export (e.g. Microsoft Graph "
              "serviceAnnouncement issues): complete for this tenant from its first issue",
    "curated": "rows read from post-incident reviews and the press: never complete",
}

#: A record id is a name, never a path: it becomes the file name ``records/<record_id>.csv``
#: (and the ``<vendor>-curated`` ids derived from vendor names fit it too). The one rule the
#: ``--record`` option and the ``record_id`` cells of ``records.csv`` are checked against.
RECORD_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")
RECORD_ID_RULE = ("lower-case letters, digits and hyphens, starting with a letter or digit, at "
                  "most 120 characters (e.g. github-status-history)")


def is_record_id(value: object) -> bool:
    """Whether ``value`` is a record id by :data:`RECORD_ID_PATTERN` (the whole value)."""
    return isinstance(value, str) and RECORD_ID_PATTERN.fullmatch(value) is not None


def is_relative_file(value: object) -> bool:
    """Whether ``value`` names a file inside the data folder: relative, no ``..`` part, no
    drive (a record's ``file`` is read and written there, never elsewhere)."""
    if not isinstance(value, str) or not value or value.startswith(("/", "\\")) or ":" in value:
        return False
    return ".." not in value.replace("\\", "/").split("/")


#: How completely a record holds what it says it holds over its period.
CAPTURES: dict[str, str] = {
    "complete": "every incident of the record's kind in its period",
    "lower-bound": "a lower bound: incidents between two polls are missing (capture rate "
                   "stated)",
    "selection": "a selection (curated rows, or only what the vendor chose to review)",
}

CLASSIFICATIONS: dict[str, str] = {
    "incident": "the vendor logged it as an incident",
    "advisory": "the vendor logged it as an advisory (limited impact)",
    "outage": "the vendor called it an outage",
    "post-incident-review": "known from the vendor's post-incident review",
    "unknown": "the vendor's own label is not known",
}

SEVERITIES: dict[str, str] = {
    "5": "widespread outage of a core service for most customers or many regions",
    "4": "outage of a service or major feature for a large set of users or a whole region",
    "3": "significant degradation, or an outage of a secondary feature or subset of users",
    "2": "minor or intermittent degradation for a limited set of users",
    "1": "advisory, negligible impact",
}

#: How vendors' own terms map onto the 1-5 severity scale (used by the importers too).
SEVERITY_FROM_VENDOR_TERMS: dict[str, dict[str, int]] = {
    "statuspage impact": {"critical": 5, "major": 4, "minor": 2, "none": 1},
    "google cloud severity": {"high": 4, "medium": 3, "low": 2},
    "microsoft 365 classification": {"incident": 3, "advisory": 2},
    "slack type": {"outage": 4, "incident": 2, "notice": 1},
    "aws service health status": {"3": 4, "2": 3, "1": 2, "0": 1},
    "aws health severity (archive's mapping)": {"critical": 5, "major": 4, "minor": 2},
    "azure post-incident review": {"unavailable": 4, "review": 3},
}

CLIENTS: dict[str, str] = {
    "outlook-mobile": "Outlook for iOS and Android",
    "outlook-mac-new": "the new Outlook for Mac",
    "outlook-mac-classic": "the legacy Outlook for Mac",
    "outlook-desktop-classic": "classic Outlook for Windows (Win32)",
    "outlook-desktop-new": "the new Outlook for Windows",
    "outlook-web": "Outlook on the web (OWA)",
    "exchange-activesync": "Exchange ActiveSync (EAS) mobile mail clients",
    "imap4": "IMAP4 mail access",
    "pop3": "POP3 mail access",
    "smtp": "SMTP submission or relay",
    "ews": "Exchange Web Services",
    "mapi": "MAPI over HTTP",
    "graph-api": "Microsoft Graph API",
    "teams-desktop": "Teams desktop client",
    "teams-web": "Teams in the browser",
    "teams-mobile": "Teams mobile apps",
    "web": "the vendor's web application or portal",
    "mobile-app": "the vendor's mobile apps",
    "desktop-app": "the vendor's desktop apps",
    "api": "public API used by integrations",
    "sign-in": "authentication and sign-in",
    "admin-portal": "administration console",
    "email-delivery": "mail flow and delivery",
    "voice-video": "calls, meetings, voice or video",
    "git": "git operations (clone, push, pull)",
    "ci-cd": "build and deployment pipelines",
    "dns": "DNS resolution",
    "cdn": "content delivery and edge proxying",
    "network": "network connectivity",
    "storage": "object, file or block storage",
    "compute": "virtual machines, containers or functions",
    "database": "managed databases",
    "endpoint-agent": "software agents on customers' machines",
    "unknown": "the source does not say which clients broke",
}

#: Vendors that post one incident on several status pages (Atlassian: one per product) or
#: several times on one page (Cloudflare: once per data-centre location) under different ids;
#: the poll importer gives those posts one event, and the like-for-like table says so.
CROSS_POSTING_VENDORS = frozenset({"Atlassian", "Cloudflare"})

#: Ways in: the client surfaces and protocols users reach a service by, each a group of
#: ``CLIENTS`` terms (infrastructure terms such as dns or compute are not a way in).
WAYS_IN: dict[str, tuple[str, ...]] = {
    "web": ("outlook-web", "teams-web", "web"),
    "Windows desktop": ("outlook-desktop-classic", "outlook-desktop-new", "teams-desktop",
                        "desktop-app"),
    "Mac": ("outlook-mac-new", "outlook-mac-classic"),
    "mobile apps": ("outlook-mobile", "teams-mobile", "mobile-app"),
    "ActiveSync": ("exchange-activesync",),
    "IMAP/POP": ("imap4", "pop3"),
    "mail flow (SMTP)": ("smtp", "email-delivery"),
    "EWS/MAPI": ("ews", "mapi"),
    "APIs": ("graph-api", "api"),
    "sign-in": ("sign-in",),
    "admin console": ("admin-portal",),
    "calls and meetings": ("voice-video",),
    "git and CI/CD": ("git", "ci-cd"),
}


ROOT_CAUSE_CATEGORIES: dict[str, str] = {
    "change-deployment": "a code or feature change the vendor deployed",
    "configuration": "a configuration change or wrong configuration",
    "capacity-traffic": "load beyond capacity, traffic surges, attacks that exhaust capacity",
    "software-defect": "a latent defect, not tied to a recent change",
    "network": "network or routing failure",
    "power-hardware": "power, cooling or hardware failure",
    "third-party-dependency": "a supplier or upstream service failed",
    "security": "a breach or security response",
    "unknown": "not disclosed",
}

MITIGATIONS: dict[str, str] = {
    "rollback": "the change was reverted",
    "restart": "components were restarted",
    "config-fix": "configuration was corrected",
    "fix-forward": "a new fix was deployed",
    "failover": "traffic moved to healthy infrastructure",
    "capacity": "capacity was added or load shed",
    "traffic-rerouting": "traffic was rerouted or throttled",
    "manual-recovery": "data or systems were recovered by hand",
    "unknown": "not disclosed",
}

CHANGE_INDUCED: dict[str, str] = {
    "yes": "the vendor's own change or deployment caused it",
    "no": "not caused by a vendor change",
    "unknown": "not disclosed",
}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a data file: its meaning, whether it is required and its vocabulary."""

    name: str
    kind: Kind
    description: str
    required: bool = True
    vocabulary: dict[str, str] = field(default_factory=dict)
    max_length: int = 2000
    #: The header may leave this column out; its cells are then ``default``.
    header_optional: bool = False
    default: str = ""

    @property
    def terms(self) -> frozenset[str]:
        return frozenset(self.vocabulary)


INCIDENT_COLUMNS: tuple[Column, ...] = (
    Column("incident_id", "text", "The vendor's own id as written (e.g. `EX1256020`), "
           "or a stable slug `vendor-yyyy-mm-dd-words` where the vendor gave none. "
           "Unique per vendor.", max_length=120),
    Column("vendor", "text", "Vendor, exactly as named in `data/vendors.csv`.", max_length=80),
    Column("product", "text", "The vendor's product family (e.g. Exchange Online).",
           max_length=120),
    Column("service", "text", "The service or feature as the vendor names it.", max_length=160),
    Column("title", "text", "Short title, the vendor's own where it has one.", max_length=300),
    Column("classification", "category", "The vendor's own label.", vocabulary=CLASSIFICATIONS),
    Column("impact", "category", "What users experienced.", vocabulary=IMPACTS),
    Column("severity", "severity", "Severity on the project's 1-5 scale (see below).",
           vocabulary=SEVERITIES),
    Column("start_utc", "timestamp", "Start of user impact, UTC, `YYYY-MM-DDTHH:MM:SSZ`."),
    Column("start_precision", "precision", "How precise `start_utc` is.",
           vocabulary=PRECISIONS),
    Column("end_utc", "timestamp", "End of user impact (service restored), UTC; empty while "
           "ongoing or unknown.", required=False),
    Column("end_precision", "precision", "How precise `end_utc` is; empty when `end_utc` is.",
           required=False, vocabulary=PRECISIONS),
    Column("detected_utc", "timestamp", "When the vendor acknowledged it, UTC, if known.",
           required=False),
    Column("affected_clients", "multi", "Client surfaces and protocols that failed, "
           "`;`-separated.", vocabulary=CLIENTS),
    Column("regions", "text", "Regions affected, `;`-separated lowercase tokens "
           "(`global`, `europe`, `us-east-1`, `unknown`).", max_length=400),
    Column("root_cause_category", "category", "Kind of root cause.",
           vocabulary=ROOT_CAUSE_CATEGORIES),
    Column("root_cause", "text", "One sentence, from the sources; empty when not disclosed.",
           required=False),
    Column("mitigation", "multi", "How service was restored, `;`-separated, main one first.",
           vocabulary=MITIGATIONS),
    Column("change_induced", "category", "Whether the vendor's own change caused it.",
           vocabulary=CHANGE_INDUCED),
    Column("related_ids", "text", "Ids of related incidents (e.g. a re-logged follow-up), "
           "`;`-separated.", required=False, max_length=400),
    Column("source_urls", "text", "Public pages that state what the row says, `;`-separated "
           "web addresses; the vendor's post-incident review first where there is one.",
           max_length=4000),
    Column("notes", "text", "Conflicts between sources and which one was kept; how relative "
           "dates were resolved.", required=False, max_length=4000),
    Column("record_id", "text", "The record (a row of `data/records.csv`) the row was taken "
           "from. A file without this column is a curated list: its rows belong to the "
           "record `<vendor>-curated`; so does a row that leaves it empty.", required=False,
           header_optional=True, max_length=120),
    Column("event_id", "text", "Rows that share it describe one real-world event (e.g. one "
           "incident cross-posted on several status pages, or one event across regions); "
           "links across records are in `data/events.csv`. Empty: the row is an event of its "
           "own.", required=False, header_optional=True, max_length=160),
    Column("scope", "category", "Who the incident reached; `one-customer` and "
           "`administrators` do not count against users' availability; empty means `unknown`.",
           vocabulary=SCOPES, required=False, header_optional=True, default="unknown"),
    Column("end_latest_utc", "timestamp", "Latest the end can be, when the end is known only "
           "to lie between `end_utc` and this time (records rebuilt from polling: last seen "
           "open, first seen gone).", required=False, header_optional=True),
    Column("last_impact_utc", "timestamp", "For an incident with no published end: the last "
           "update that still reported impact (it counts at least until then).",
           required=False, header_optional=True),
)

VENDOR_COLUMNS: tuple[Column, ...] = (
    Column("vendor", "text", "Vendor name, as used in the incident files.", max_length=80),
    Column("services_used", "text", "The organisation's own choice: the vendor's services it "
           "uses, `;`-separated, as named in the incident rows' `product` (availability is shown "
           "for these). Empty: every service with incidents.", required=False,
           header_optional=True, max_length=1000),
    Column("business_functions", "text", "The organisation's own choice: business functions "
           "that depend on the vendor, `;`-separated.", required=False),
    Column("dependence_weight", "fraction", "The organisation's own choice: how much it "
           "depends on the vendor, 0 (not at all) to 1 (cannot work without it)."),
    Column("provider_group", "text", "The group the provider belongs to (e.g. Microsoft for "
           "Microsoft 365 and Microsoft Azure); empty: the vendor is its own group.",
           required=False, header_optional=True, max_length=80),
    Column("runs_on", "text", "Known subcontracting: components of other vendors this vendor "
           "runs on, `;`-separated `Vendor: Service` (e.g. `Microsoft Azure: Azure Front "
           "Door`); empty when none is known.", required=False, header_optional=True,
           max_length=1000),
    Column("notes", "text", "Anything a reader should know about the vendor.", required=False),
)

PERIODS: dict[str, str] = {
    "month": "uptime is measured per calendar month",
    "quarter": "uptime is measured per calendar quarter",
}

SLA_COLUMNS: tuple[Column, ...] = (
    Column("sla_id", "text", "Short stable id of the SLA, e.g. `ms-online-exchange`.",
           max_length=80),
    Column("vendor", "text", "Vendor, as named in `vendors.csv`.", max_length=80),
    Column("name", "text", "The SLA's name as the vendor writes it.", max_length=200),
    Column("services", "text", "The services it covers, `;`-separated, as named in the "
           "incident rows' `product`; an incident counts against the SLA only if its product "
           "is one of these.", max_length=1000),
    Column("target", "fraction", "The uptime it commits to, as a fraction (0.999); empty "
           "where the vendor's document was not found or commits to none.", required=False),
    Column("period", "category", "The period the SLA measures uptime over; empty with an "
           "empty target.", required=False, vocabulary=PERIODS),
    Column("credit_tiers", "text", "Service-credit tiers, `;`-separated `threshold:credit%` "
           "pairs: `0.999:25` means a period below 99.9% earns a 25% credit; empty where "
           "credits are not a percentage of the fee.", required=False),
    Column("claim_deadline", "text", "When a claim must be filed, in the SLA's words.",
           required=False),
    Column("source_url", "text", "The vendor's own SLA document.", required=False),
    Column("notes", "text", "What counts as downtime, plans covered, how it was read.",
           required=False),
)

MATCHES: dict[str, str] = {
    "exact": "the component's name exactly as the status page writes it",
    "pattern": "a regular expression the whole component name matches (e.g. every data "
               "centre, written `City, Country - (IATA)`)",
}

MAP_FIELDS: dict[str, str] = {
    "service": "the components a row lists in `service` (`;`-separated), as a status page "
               "lists what broke",
    "product": "the row's `product` as the record writes it (an older name of a service)",
}

SERVICE_MAP_COLUMNS: tuple[Column, ...] = (
    Column("vendor", "text", "Vendor, as named in `vendors.csv`.", max_length=80),
    Column("field", "category", "Which of a row's columns `component` is compared with.",
           vocabulary=MAP_FIELDS),
    Column("match", "category", "How `component` is compared with a row's components.",
           vocabulary=MATCHES),
    Column("component", "text", "A component of the vendor's status page as a record row "
           "lists it in `service`, or a product name as a row writes it in `product`.",
           max_length=300),
    Column("service", "text", "The service that row counts against (its `product` in the "
           "analysis), as `vendors.csv` and `slas.csv` name it; `*` for the matched component "
           "itself. A row no entry matches keeps its product.", max_length=200),
    Column("scope", "category", "Who the component's incidents reach, where the component "
           "itself says so (an admin console: `administrators`; one data centre: `region`); "
           "empty keeps the row's own.", required=False, vocabulary=SCOPES),
    Column("source_url", "text", "The status page that lists the component.",
           max_length=500),
    Column("notes", "text", "Why the component belongs to that service.", required=False),
)

RECORD_COLUMNS: tuple[Column, ...] = (
    Column("record_id", "text", "Stable id, e.g. `github-status-history`.", max_length=120),
    Column("vendor", "text", "Vendor, as named in `vendors.csv`.", max_length=80),
    Column("kind", "category", "What kind of list it is.", vocabulary=RECORD_KINDS),
    Column("capture", "category", "How completely it holds its kind over its period.",
           vocabulary=CAPTURES),
    Column("complete_from", "text", "First day (YYYY-MM-DD) the record covers; every row "
           "starts on or after it.", max_length=10),
    Column("complete_to", "text", "Last day (YYYY-MM-DD) the record covers; every row starts "
           "on or before it.", max_length=10),
    Column("capture_rate", "fraction", "Measured share of incidents lasting 60 minutes or "
           "more that the record holds, for lower-bound records.", required=False),
    Column("file", "text", "The incident file holding its rows, relative to `data/`.",
           max_length=200),
    Column("source_url", "text", "Where the vendor publishes the record (status page, feed); "
           "empty for curated records.", required=False, max_length=400),
    Column("archive", "text", "The archive it was read from: repository @ commit, path.",
           required=False, max_length=1000),
    Column("misses", "text", "What it misses, in words and numbers.", max_length=2000),
)

EVENT_LINK_COLUMNS: tuple[Column, ...] = (
    Column("event_id", "text", "The event's id: rows linked under one id are one event.",
           max_length=160),
    Column("record_id", "text", "The record of the linked row.", max_length=120),
    Column("incident_id", "text", "The linked row's incident id.", max_length=120),
    Column("status", "category", "A person's review of the proposed link.", vocabulary={
        "confirmed": "a person checked that the rows describe one event",
        "rejected": "a person checked: different events (the proposal is not made again)",
        "proposed": "proposed by `incidents events propose`, not yet reviewed"}),
    Column("reason", "text", "Why the rows are one event (id, time, title, shared cause).",
           max_length=1000),
)

PUBLISHED_UPTIME_COLUMNS: tuple[Column, ...] = (
    Column("vendor", "text", "Vendor, as named in `vendors.csv`.", max_length=80),
    Column("service", "text", "What the figure covers, in the vendor's words.", max_length=200),
    Column("period_start", "text", "First day of the period, YYYY-MM-DD.", max_length=10),
    Column("period_end", "text", "Last day of the period, YYYY-MM-DD.", max_length=10),
    Column("uptime", "fraction", "The uptime the vendor published, as a fraction."),
    Column("source_url", "text", "The page that publishes it.", max_length=400),
    Column("notes", "text", "How it was read.", required=False),
)

INCIDENT_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in INCIDENT_COLUMNS)
VENDOR_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in VENDOR_COLUMNS)
SLA_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in SLA_COLUMNS)
RECORD_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in RECORD_COLUMNS)
EVENT_LINK_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in EVENT_LINK_COLUMNS)
PUBLISHED_UPTIME_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in PUBLISHED_UPTIME_COLUMNS)
SERVICE_MAP_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in SERVICE_MAP_COLUMNS)

#: Availability weight of each impact: the convention status pages publish (Atlassian
#: Statuspage's uptime: a major outage counts in full, a partial outage at 30%, degraded
#: performance not at all).
IMPACT_WEIGHTS: dict[str, float] = {"outage": 1.0, "partial-outage": 0.3, "degradation": 0.0,
                                    "advisory": 0.0}
#: Scopes whose incidents count against users' availability.
USER_SCOPES: frozenset[str] = frozenset({"all-users", "region", "subset", "unknown"})

#: Longest plausible incident; anything longer is a data-entry error.
MAX_DURATION_DAYS = 180


def column(name: str) -> Column:
    """The incident column called ``name``."""
    for col in INCIDENT_COLUMNS:
        if col.name == name:
            return col
    raise KeyError(name)


_FILES: tuple[tuple[str, tuple[Column, ...]], ...] = (
    ("incidents.csv` and `records/*.csv", INCIDENT_COLUMNS),
    ("records.csv", RECORD_COLUMNS),
    ("events.csv", EVENT_LINK_COLUMNS),
    ("vendors.csv", VENDOR_COLUMNS),
    ("slas.csv", SLA_COLUMNS),
    ("published_uptime.csv", PUBLISHED_UPTIME_COLUMNS),
    ("service_map.csv", SERVICE_MAP_COLUMNS),
)


def _required(col: Column) -> str:
    if col.header_optional:
        return "no (the column may be left out)" if not col.required else (
            "yes (the column may be left out: " + (f"`{col.default}`" if col.default else
                                                   "see meaning") + ")")
    return "yes" if col.required else "no"


def data_dictionary_markdown() -> str:
    """The column and vocabulary reference of ``data/README.md``, generated from this module."""
    lines: list[str] = []
    for file, columns in _FILES:
        lines += [f"### `{file}` columns", "", "| column | required | meaning |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {_required(c)} | {c.description} |" for c in columns]
        lines += [""]
    for file, columns in _FILES:
        for col in columns:
            if (col.vocabulary and col.kind != "severity") or col.name == "severity":
                lines += [f"### Vocabulary of `{col.name}` (`{file.split('`')[0]}`)", "",
                          "| term | meaning |", "|---|---|"]
                lines += [f"| `{term}` | {meaning} |" for term, meaning in col.vocabulary.items()]
                lines += [""]
    lines += ["### How vendors' terms map onto severity", "", "| vendor term | severity |",
              "|---|---|"]
    for source, mapping in SEVERITY_FROM_VENDOR_TERMS.items():
        lines += [f"| {source} `{term}` | {level} |" for term, level in mapping.items()]
    lines += ["", "### Availability weight of each impact", "", "| impact | weight |", "|---|---|"]
    lines += [f"| `{impact}` | {weight:g} |" for impact, weight in IMPACT_WEIGHTS.items()]
    return "\n".join(lines) + "\n"
