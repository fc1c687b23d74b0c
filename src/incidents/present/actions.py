"""Recommended actions, generated from the findings by documented rules (none typed by hand).

Each rule reads the numbers the report already shows and, when its condition holds, writes
one action naming the vendor and the evidence. The rules, in the order they are listed:

1. **No complete record** (the vendor publishes no status history and no tenant export is
   loaded): import the organisation's own record; for Microsoft 365 the tenant's service
   health, with the command.
2. **Own changes dominate**: of the incidents with a disclosed cause, more than half (and at
   least :data:`MIN_KNOWN` known) came from the vendor's own changes: ask for change
   notification and staged-rollout terms.
3. **One way in keeps breaking**: one group of clients or protocols named in at least
   :data:`MIN_CLIENT_EVENTS` of the vendor's curated events and at least a third of those that
   name any: keep an alternative access path for it (the most frequent group per vendor).
4. **Shared dependency**: an event linked to several vendors the organisation uses: they fail
   together and are not independent fallbacks.
5. **SLA breached on the estimate**: an SLA period below target (status-page weights; how
   many of them full outages alone put there is said too): while the latest such period
   ended within the longest claim deadline of the SLAs read (:data:`LONGEST_CLAIM_DAYS`),
   check the tenant's own service health and claim now (first on the list); once every
   window has closed, take the record to the next renewal (last on the list).
6. **No SLA figure**: services the organisation uses that no SLA with a target covers: ask
   the vendor for its SLA document.
"""

from __future__ import annotations

import pandas as pd

from incidents.data import load
from incidents.present import narrative

MIN_KNOWN = 3
MIN_CLIENT_EVENTS = 3
MAX_ACTIONS = 3  # lines per rule: every rule reaches the page

#: Client terms grouped into what a CIO recognises.
CLIENT_GROUPS: dict[str, tuple[str, ...]] = {
    "mobile apps": ("outlook-mobile", "teams-mobile", "mobile-app"),
    "desktop clients": ("outlook-mac-new", "outlook-mac-classic", "outlook-desktop-classic",
                        "outlook-desktop-new", "teams-desktop", "desktop-app"),
    "web": ("outlook-web", "teams-web", "web"),
    "sync and mail protocols": ("exchange-activesync", "imap4", "pop3", "smtp", "ews", "mapi",
                                "email-delivery"),
    "sign-in": ("sign-in",),
    "APIs and integrations": ("graph-api", "api"),
    "admin console": ("admin-portal",),
}


def client_group(term: str) -> str:
    """The group a client term belongs to (``other`` for infrastructure terms)."""
    return next((group for group, terms in CLIENT_GROUPS.items() if term in terms), "other")


def _no_record(vendors: list[str]) -> list[str]:
    out = []
    if "Microsoft 365" in vendors:
        out.append("Microsoft 365 has no public status history: export the tenant's own "
                   "service health (Microsoft Graph `GET /admin/serviceAnnouncement/issues`, "
                   "permission `ServiceHealth.Read.All`) and import it with `python -m "
                   "incidents import msgraph issues.json --record microsoft-365-tenant`, so "
                   "its rates rest on a complete record.")
    others = [v for v in vendors if v != "Microsoft 365"]
    if others:
        out.append(", ".join(narrative.text(v) for v in others) + ": no complete incident "
                   "record was found: ask each for its incident history, or import its "
                   "status feed on a schedule (`python -m incidents fetch`), before comparing "
                   "them with the vendors that publish one.")
    return out


def _own_changes(changes: pd.DataFrame) -> list[str]:
    named = []
    for _, row in changes.sort_values("share", ascending=False).iterrows():
        known = int(row["yes"] + row["no"])
        if known >= MIN_KNOWN and row["yes"] * 2 > known:
            named.append(f"{narrative.text(row['vendor'])} ({int(row['yes'])} of {known})")
    if not named:
        return []
    return [", ".join(named) + ": most incidents with a disclosed cause came from the "
            "vendor's own changes: ask for advance change notification, staged-rollout (ring "
            "deployment) and rollback terms in the contract."]


def _one_way_in(incidents: pd.DataFrame) -> list[str]:
    clients = load.multi_values(incidents["affected_clients"].astype("object"))
    clients = clients[clients.ne("unknown")]
    if clients.empty:
        return []
    frame = pd.DataFrame({"vendor": incidents.loc[clients.index, "vendor"].to_numpy(),
                          "group": [client_group(t) for t in clients],
                          "row": clients.index})
    frame = frame.loc[frame["group"].ne("other")].drop_duplicates(["vendor", "group", "row"])
    naming = frame.groupby("vendor")["row"].nunique()
    counts = frame.groupby(["vendor", "group"]).size().reset_index(name="events")
    out = []
    counts = counts.sort_values("events", ascending=False).drop_duplicates("vendor")
    for _, row in counts.iterrows():
        total = naming[row["vendor"]]
        if row["events"] >= MIN_CLIENT_EVENTS and row["events"] * 3 >= total:
            out.append(f"{narrative.text(row['vendor'])}: {row['group']} broke in "
                       f"{int(row['events'])} of the {int(total)} incidents that name a "
                       "client: " + _alternative(frame, row["vendor"], row["group"]))
    return out


def _alternative(frame: pd.DataFrame, vendor: str, group: str) -> str:
    """The way in that kept working most often when ``group`` broke (one the vendor's
    incidents name elsewhere, so it is in use; sign-in failing stops every way in), with its
    evidence; or, where none held, that a fallback client would not have helped."""
    mine = frame.loc[frame["vendor"].eq(vendor)]
    broken = set(mine.loc[mine["group"].eq(group), "row"])
    signed_out = set(mine.loc[mine["group"].eq("sign-in"), "row"])
    best, kept = "", 0
    for other in sorted(set(mine["group"]) - {group, "sign-in", "admin console"}):
        also = set(mine.loc[mine["group"].eq(other), "row"])
        held = len(broken - also - signed_out)
        if held > kept:
            best, kept = other, held
    if not best:
        return ("in none of them did another way in the incidents name keep working (or "
                "sign-in failed too): plan for the service being down, not for a fallback "
                "client.")
    return (f"{best} kept working in {kept} of those {len(broken)}, as far as the incidents "
            f"say: keep it ready as the alternative and tell users when to switch.")


def _shared(shared: pd.DataFrame) -> list[str]:
    return [f"{narrative.text(row['vendors'])} failed together on "
            f"{row['start_utc']:%d %b %Y} ({narrative.text(row['title'])}): treat them as one "
            "dependency, not as fallbacks for each other." for _, row in shared.iterrows()]


#: The longest claim deadline of the SLAs read (``data/slas.csv``): DigitalOcean's "within
#: three months of the end of the billing cycle"; Microsoft's is the end of the following
#: month, Atlassian's 15 days, GitHub's and Google's 30 days.
LONGEST_CLAIM_DAYS = 92


def _claim_open(row: pd.Series, now: pd.Timestamp) -> bool:
    """Whether a credit claim for the SLA's latest period below target may still be in time:
    it ended within :data:`LONGEST_CLAIM_DAYS` (an SLA without that column counts as open)."""
    end = row.get("latest_below_end")
    if end is None or pd.isna(end):
        return True
    return (now - pd.Timestamp(end)) <= pd.Timedelta(days=LONGEST_CLAIM_DAYS)


def _claim_text(row: pd.Series, now: pd.Timestamp) -> str:
    """What to do about the periods below target: claim in time, or take them to the
    renewal when every claim window has closed."""
    end, latest = row.get("latest_below_end"), row.get("latest_below")
    deadline = str(row.get("claim_deadline") or "").strip()
    due = (f" (claims are due {narrative.text(deadline.split(' (')[0])})" if deadline
           else " (its claim deadline is not in the text read)")
    if end is None or pd.isna(end):
        return ("check the tenant's own service health for those periods and file any credit "
                "claim within the SLA's deadline" + due)
    when = f"the latest, {narrative.text(latest)}, ended {pd.Timestamp(end):%d %b %Y}"
    if _claim_open(row, now):
        return (f"{when}: check the tenant's own service health for it and file any credit "
                "claim now" + due)
    return (f"{when}, longer ago than any claim deadline of the SLAs read (three months at "
            "most): no credit can be claimed; put the record on the table at the next "
            "renewal")


def _sla(verdicts: pd.DataFrame, now: pd.Timestamp | None = None,
         claim_open: bool | None = None) -> list[str]:
    """One line per SLA with periods below target; with ``claim_open``, only those whose
    claim window may still be open (True) or has closed (False)."""
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    out = []
    for _, row in verdicts.loc[verdicts["below"] > 0].iterrows():
        if claim_open is not None and _claim_open(row, now) != claim_open:
            continue
        strict = row.get("below_outages_only")
        alone = ("" if strict is None or pd.isna(strict) else
                 f" ({int(strict)} of them on full outages alone, the others only with "
                 "partial outages counted at 30%)" if int(strict) < int(row["below"]) else
                 " (full outages alone put them there)")
        unrecorded = int(row.get("unrecorded", 0) or 0)
        total = int(row["periods"]) + unrecorded
        reports = (f"; {unrecorded} of the {total} rest on public reports only, which can put "
                   "a period below target but never show one met" if unrecorded else "")
        vendor, name = str(row["vendor"]), str(row["name"])
        named = name if name.startswith(vendor) else f"{vendor} {name}"  # a vendor named once
        out.append(f"{narrative.text(named)}: "
                   f"{int(row['below'])} of {total} {row['measured_per']}s below "
                   f"target on public incidents{alone}{reports}; {_claim_text(row, now)}.")
    return out


def _no_sla(uncovered: pd.DataFrame) -> list[str]:
    out = []
    for vendor, group in uncovered.groupby("vendor"):
        names = ", ".join(narrative.text(p) for p in group["product"].head(4))
        out.append(f"{narrative.text(vendor)}: no SLA figure was found for {names}: ask the "
                   "vendor for the SLA document that covers them.")
    return out


def recommended(*, unrecorded_vendors: list[str], changes: pd.DataFrame,
                incidents: pd.DataFrame, shared: pd.DataFrame, verdicts: pd.DataFrame,
                uncovered: pd.DataFrame, limit: int = MAX_ACTIONS,
                now: pd.Timestamp | None = None) -> list[str]:
    """The actions of the rules above, most pressing first: SLA claims whose window may still
    be open, then shared dependencies and own changes (what concentrates risk), then the
    rest, and last the SLA records whose claim windows have all closed (for the renewal);
    never cut in rule order (each rule keeps at most ``limit`` of its own lines)."""
    groups = (_sla(verdicts, now, claim_open=True), _shared(shared), _own_changes(changes),
              _one_way_in(incidents), _no_record(unrecorded_vendors), _no_sla(uncovered),
              _sla(verdicts, now, claim_open=False))
    return [line for group in groups for line in group[:limit]]
