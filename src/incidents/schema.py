"""The one schema of the incident and vendor files.

Everything else reads the columns, vocabularies and the severity scale from here: the loader
validates against it, the importers map feeds onto it and ``data/README.md`` is generated
from it (a test fails if the two drift apart).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["text", "category", "multi", "timestamp", "precision", "severity", "fraction"]

#: Date precision, finest first. A value is written with the parts below its precision zeroed.
PRECISIONS: dict[str, str] = {
    "minute": "the time is known to the minute",
    "hour": "the time is known to the hour; minutes are written as 00",
    "day": "only the date is known; the time is written as 00:00:00",
    "month": "only the month is known; the date is written as the 1st at 00:00:00",
}

VENDORS_EXAMPLE_NOTE = (
    "The dependence columns are an example portfolio: edit them to describe your organisation."
)

IMPACTS: dict[str, str] = {
    "outage": "the service was unusable for the affected users",
    "degradation": "partial, intermittent or slow service",
    "advisory": "no or minimal user impact (a notice, a risk, a minor defect)",
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
)

VENDOR_COLUMNS: tuple[Column, ...] = (
    Column("vendor", "text", "Vendor name, as used in `incidents.csv`.", max_length=80),
    Column("sla_target", "fraction", "Monthly uptime the vendor's SLA commits to, as a fraction "
           "(0.999); empty where the vendor publishes none.", required=False),
    Column("sla_scope", "text", "Which services or plans the SLA covers.", required=False),
    Column("sla_credit_tiers", "text", "Service-credit tiers, `;`-separated `threshold:credit%` "
           "pairs: `0.999:25` means a month below 99.9% earns a 25% credit.", required=False),
    Column("sla_source_url", "text", "The SLA document.", required=False),
    Column("business_functions", "text", "Example portfolio: business functions that depend "
           "on the vendor, `;`-separated.", required=False),
    Column("dependence_weight", "fraction", "Example portfolio: how much the organisation "
           "depends on the vendor, 0 (not at all) to 1 (cannot work without it)."),
    Column("notes", "text", "Anything a reader of the SLA should know.", required=False),
)

INCIDENT_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in INCIDENT_COLUMNS)
VENDOR_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in VENDOR_COLUMNS)

#: Longest plausible incident; anything longer is a data-entry error.
MAX_DURATION_DAYS = 180


def column(name: str) -> Column:
    """The incident column called ``name``."""
    for col in INCIDENT_COLUMNS:
        if col.name == name:
            return col
    raise KeyError(name)


def data_dictionary_markdown() -> str:
    """The column and vocabulary reference of ``data/README.md``, generated from this module."""
    lines = ["### `incidents.csv` columns", "", "| column | required | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {'yes' if c.required else 'no'} | {c.description} |"
              for c in INCIDENT_COLUMNS]
    lines += ["", "### `vendors.csv` columns", "", "| column | required | meaning |",
              "|---|---|---|"]
    lines += [f"| `{c.name}` | {'yes' if c.required else 'no'} | {c.description} |"
              for c in VENDOR_COLUMNS]
    for col in INCIDENT_COLUMNS:
        if col.vocabulary:
            lines += ["", f"### Vocabulary of `{col.name}`", "", "| term | meaning |", "|---|---|"]
            lines += [f"| `{term}` | {meaning} |" for term, meaning in col.vocabulary.items()]
    lines += ["", "### How vendors' terms map onto severity", "", "| vendor term | severity |",
              "|---|---|"]
    for source, mapping in SEVERITY_FROM_VENDOR_TERMS.items():
        lines += [f"| {source} `{term}` | {level} |" for term, level in mapping.items()]
    return "\n".join(lines) + "\n"
