"""Third-party tests: which vendor events may be major incidents for the organisation, which
recur, where the dependence concentrates, and the evidence the register of information asks
for.

Nothing here classifies an incident: the organisation classifies its own incidents and owns
that decision. This module lists *candidates* from the vendors' public and tenant records, on
the criteria of Commission Delegated Regulation (EU) 2024/1772 (RTS on classification):
Art. 9 (service downtime longer than 2 hours for ICT services that support critical or
important functions) and Art. 8(2) (incidents recurring at least twice within six months with
the same apparent root cause are assessed as one).

Input ``rows`` are event rows, one per (event, service reached), as the report builds them:
``vendor``, ``product`` (the service reached), ``incident_id``, ``event``, ``ids_in_event``,
``title``, ``impact``, ``scope``, ``start_utc``/``end_utc`` (UTC), their precisions,
``duration_min_hours``/``duration_max_hours`` (the shortest and longest duration the
precisions allow, NaN without an end), ``root_cause_category``, ``change_induced``,
``related_ids``, ``source_urls`` and ``record_kind``. Rows are taken to be already limited to
the report's window.

Columns of :func:`candidate_major_incidents` and the field of the major-incident template of
Commission Implementing Regulation (EU) 2025/302 (Annex I) each one prefills:

=====================  ==================================================================
``vendor``             2.8 originates from a third-party provider (the provider's name)
``vendors_hit``        2.8, with every provider the event reached through subcontracting
``incident_id``        the vendor's reference, for 2.10 other relevant information
``incident_ids``       every id the vendor gave the event (2.10)
``source_url``         the vendor's own page on the event (2.10)
``description``        2.4 description of the incident (the vendor's title)
``occurred_utc``       3.2 date and time of occurrence (``occurred_precision``: its grain)
``recovered_utc``      3.3 date and time services were recovered (``recovered_precision``)
``duration_min_hours`` duration and service downtime, shortest the records allow (hours)
``duration_max_hours`` duration and service downtime, longest the records allow (hours)
``services_hit``       affected infrastructure components ("Vendor: Service")
``functions_hit``      affected functional areas and business processes
``via``                2.8, the subcontracting chain ("Vendor: Component -> Dependant")
``scope``              who was reached, towards clients affected and geographical spread
``impact``             the kind of unavailability (outage or partial outage)
``root_cause_category``  high-level classification of root causes (final report)
``change_induced``     whether the root cause was the provider's own change
``recurrence_group``   information about recurring incidents (RTS Art. 8(2))
``test_met``           2.5 classification criteria that triggered the candidacy
``threshold_hours``    the downtime threshold the test used (hours)
``tenant_affected``    whether the organisation's own tenant recorded it
``event``              the report's event key (internal, to join other tables)
=====================  ==================================================================
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable

import numpy as np
import pandas as pd

from incidents.analysis import recurrence

#: RTS 2024/1772 Art. 9: downtime above this many hours of a service supporting a critical
#: or important function meets the criterion (a function's own RTO replaces it when set).
DOWNTIME_THRESHOLD_HOURS = 2.0
#: Impacts that make a service unavailable (downtime in the RTS's sense, Art. 3).
OUTAGE_IMPACTS = ("outage", "partial-outage")
#: Scopes broad enough that an event of unknown length is listed anyway.
BROAD_SCOPES = ("all-users", "region")
EXCEEDS, MAY_EXCEED, UNKNOWN_BROAD = "exceeds", "may exceed", "unknown length, broad scope"
#: Strongest test first: the one an event is listed under when several of its rows pass.
TEST_RANK = {EXCEEDS: 0, MAY_EXCEED: 1, UNKNOWN_BROAD: 2}
TENANT_YES, TENANT_TO_CONFIRM = "yes: in the tenant's record", "to be confirmed"
CHAIN = " -> "

CANDIDATE_COLUMNS = [
    "vendor", "vendors_hit", "incident_id", "incident_ids", "source_url", "description",
    "occurred_utc", "occurred_precision", "recovered_utc", "recovered_precision",
    "duration_min_hours", "duration_max_hours", "services_hit", "functions_hit", "via",
    "scope", "impact", "root_cause_category", "change_induced", "recurrence_group",
    "test_met", "second_criterion", "threshold_hours", "tenant_affected", "event"]
GROUP_COLUMNS = ["group", "vendor", "service", "root_cause_category", "events", "ids",
                 "first_utc", "last_utc", "change_induced_all", "sentence"]
PROVIDER_COLUMNS = ["provider_group", "vendors", "services", "critical_functions",
                    "candidates", "expected_disruption_hours_a_year",
                    "vendors_without_figure"]
COMPONENT_COLUMNS = ["component", "component_vendor", "dependants", "dependant_count",
                     "events", "candidates"]
REGISTER_COLUMNS = ["vendor", "provider_group", "functions_supported", "critical_functions",
                    "events", "events_restore_known", "strictest_rto_hours",
                    "outages_assessed", "over_rto_count", "over_rto_share", "over_rto",
                    "longest_outage_id", "longest_outage_hours", "recurrence_groups"]


# --- small readers ----------------------------------------------------------------------
def _split(value: object, sep: str = ";") -> list[str]:
    """The non-empty, stripped parts of a separated text cell ('' and NaN give none)."""
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(sep) if part.strip()]


def _joined(values: Iterable[object], sep: str = "; ") -> str:
    """Distinct non-empty texts in first-seen order, joined."""
    return sep.join(dict.fromkeys(str(v) for v in values if isinstance(v, str) and v))


def _component(vendor: str, service: str) -> str:
    """The key of a "Vendor: Service" component, as ``runs_on`` names them (case-blind)."""
    return f"{vendor.strip()}: {service.strip()}".casefold()


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as plain Python objects (categories and string dtypes compare alike)."""
    return (frame[column].astype("object") if column in frame
            else pd.Series("", index=frame.index, dtype="object"))


def _is_critical(functions: pd.DataFrame) -> np.ndarray:
    """Whether each function is critical or important (a missing flag reads as not)."""
    return functions["critical"].eq(True).to_numpy(dtype=bool)


def _with_event(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with an ``event`` key (the incident id where the table has none)."""
    return rows if "event" in rows else rows.assign(event=rows["incident_id"])


def provider_groups(vendors: pd.DataFrame) -> dict[str, str]:
    """Vendor -> provider group (``provider_group``, or the vendor itself when empty)."""
    group = _text(vendors, "provider_group")
    return {v: (g.strip() if isinstance(g, str) and g.strip() else v)
            for v, g in zip(vendors["vendor"], group, strict=True)}


def components(vendors: pd.DataFrame) -> dict[str, list[str]]:
    """Each "Vendor: Service" named in a ``runs_on`` (as first spelled) -> the vendors whose
    ``runs_on`` names it, in table order (names compare case-blind)."""
    found: dict[str, list[str]] = {}
    spelled: dict[str, str] = {}
    for vendor, runs_on in zip(vendors["vendor"], _text(vendors, "runs_on"), strict=True):
        for part in _split(runs_on):
            comp_vendor, _, service = part.partition(":")
            name = spelled.setdefault(_component(comp_vendor, service),
                                      f"{comp_vendor.strip()}: {service.strip()}")
            found.setdefault(name, []).append(vendor)
    return found


def _services_of(service_functions: pd.DataFrame) -> dict[str, list[str]]:
    """Vendor -> its services the organisation uses, in table order."""
    return {vendor: list(dict.fromkeys(services)) for vendor, services in
            service_functions.groupby("vendor", sort=False)["service"]}


def reached(vendor: str, service: str, needs: dict[str, list[str]],
            services: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    """Every (vendor, service, via) an event on ``vendor``'s ``service`` reaches: the service
    itself (via '') and, through the subcontracting chain, every service of each vendor whose
    ``runs_on`` names a reached component, transitively (each vendor once, so cycles end).
    ``via`` reads "Vendor: Component -> Dependant -> ...". Register of information: Implementing
    Regulation (EU) 2024/2956 (the chain of ICT subcontractors)."""
    hits = [(vendor, service, "")]
    seen = {vendor}
    queue = deque([(vendor, service, f"{vendor}: {service}")])
    while queue:
        comp_vendor, comp_service, chain = queue.popleft()
        for dependant in needs.get(_component(comp_vendor, comp_service), []):
            if dependant in seen:
                continue
            seen.add(dependant)
            via = f"{chain}{CHAIN}{dependant}"
            for own in services.get(dependant, []):
                hits.append((dependant, own, via))
                queue.append((dependant, own, via))
    return hits


def _reach_table(rows: pd.DataFrame, functions: pd.DataFrame,
                 service_functions: pd.DataFrame, vendors: pd.DataFrame) -> pd.DataFrame:
    """(vendor, product) of ``rows`` -> each function reached, with ``critical``,
    ``rto_hours``, the reached vendor and service and ``via``."""
    needs = {name.casefold(): needing for name, needing in components(vendors).items()}
    services = _services_of(service_functions)
    keys = rows[["vendor", "product"]].astype("object").drop_duplicates()
    hits = [(v, p, rv, rs, via) for v, p in keys.itertuples(index=False)
            for rv, rs, via in reached(v, p, needs, services)]
    table = pd.DataFrame(hits, columns=["vendor", "product", "reached_vendor",
                                        "reached_service", "via"], dtype="object")
    served = service_functions[["vendor", "service", "function"]].astype("object").rename(
        columns={"vendor": "reached_vendor", "service": "reached_service"})
    table = table.merge(served, on=["reached_vendor", "reached_service"])
    wanted = pd.DataFrame({"function": functions["function"].astype("object"),
                           "critical": _is_critical(functions),
                           "rto_hours": functions["rto_hours"].astype(float)})
    return table.merge(wanted, on="function")


# --- 1. candidate major incidents -------------------------------------------------------
#: What the sources say about a second criterion of RTS 2024/1772 Art. 8(1) besides downtime.
CLIENTS_BROAD = "clients: all users reached"
SPREAD_BROAD = "geographical spread: several regions"


def second_criterion(scope: object, regions: object) -> str:
    """The breadth the sources show, a second criterion beside downtime (RTS 2024/1772
    Art. 8(1) needs two besides critical services): all users reached (towards "clients
    affected", Art. 1), or several regions or a global incident (towards "geographical
    spread", Art. 4); "" when they show neither (one location, a subset, or unknown)."""
    if str(scope) == "all-users":
        return CLIENTS_BROAD
    places = [p.strip() for p in str(regions or "").split(";")
              if p.strip() and p.strip() != "unknown"]
    if "global" in places or len(places) >= 2:
        return SPREAD_BROAD
    return ""


def downtime_test(impact: pd.Series, scope: pd.Series, shortest: pd.Series,
                  longest: pd.Series, threshold: pd.Series) -> pd.Series:
    """Which downtime test each row meets ('' for none); hours throughout.

    Only outages and partial outages count (RTS 2024/1772 Art. 3: downtime is the service
    fully or partly unavailable). "exceeds": the shortest duration the records allow is above
    the threshold; "may exceed": only the longest is (day-precision stamps straddling it);
    "unknown length, broad scope": no end known (unresolved or ongoing) and the scope is
    all users or a region. Threshold: RTS 2024/1772 Art. 9, 2 hours for services supporting
    critical or important functions, or the function's own RTO where that is shorter (a longer
    RTO never hides an outage the regulation's 2 hours would list).
    """
    outage = impact.astype("object").isin(OUTAGE_IMPACTS).to_numpy()
    broad = scope.astype("object").isin(BROAD_SCOPES).to_numpy()
    low, high = shortest.to_numpy(float), longest.to_numpy(float)
    limit = threshold.to_numpy(float)
    with np.errstate(invalid="ignore"):
        test = np.select([outage & (low > limit), outage & (high > limit),
                          outage & np.isnan(low) & broad],
                         [EXCEEDS, MAY_EXCEED, UNKNOWN_BROAD], default="")
    return pd.Series(test, index=impact.index, dtype="object")


def _first_url(urls: Iterable[object]) -> str | None:
    """The first URL of the first cell that has one (the vendor's page comes first)."""
    return next((parts[0] for cell in urls if (parts := _split(cell))), None)


def candidate_major_incidents(rows: pd.DataFrame, functions: pd.DataFrame,
                              service_functions: pd.DataFrame, vendors: pd.DataFrame,
                              threshold_hours: float = DOWNTIME_THRESHOLD_HOURS,
                              ) -> pd.DataFrame:
    """One row per event that may be a major incident for the organisation (hours, UTC).

    An event is a candidate when one of its rows reaches, directly or through the
    subcontracting chain (:func:`reached`), a service serving a critical or important function
    and meets :func:`downtime_test` against that function's threshold (the shorter of its
    ``rto_hours`` and ``threshold_hours``). Criteria: RTS 2024/1772 Art. 9 (downtime of
    services supporting
    critical functions); columns prefill the template of ITS 2025/302 (module docstring). The
    row meeting the strongest test (then the lowest threshold, then the longest outage) gives
    the times, scope and cause; services, functions and chains are those of every row that
    passed. ``tenant_affected`` is "yes" when any row of the event comes from the tenant's own
    record. Sorted by occurrence; empty (with the columns) when nothing qualifies.
    """
    if rows.empty:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    given = rows
    rows = _with_event(rows).reset_index(drop=True)
    pairs = (rows.assign(_row=np.arange(len(rows)), vendor=_text(rows, "vendor"),
                         product=_text(rows, "product"))
             .merge(_reach_table(rows, functions, service_functions, vendors),
                    on=["vendor", "product"]))
    pairs = pairs.loc[pairs["critical"]].copy()
    pairs["threshold_hours"] = np.fmin(pairs["rto_hours"].to_numpy(float),
                                       threshold_hours)
    pairs["test_met"] = downtime_test(pairs["impact"], pairs["scope"],
                                      pairs["duration_min_hours"],
                                      pairs["duration_max_hours"], pairs["threshold_hours"])
    met = pairs.loc[pairs["test_met"] != ""].assign(
        _rank=lambda f: f["test_met"].map(TEST_RANK))
    if met.empty:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    groups = recurrence_group_of_event(given)
    order = met.sort_values(["_rank", "threshold_hours", "duration_max_hours"],
                            ascending=[True, True, False], kind="stable")
    chosen = rows.loc[rows["event"].isin(set(order["event"]))]
    every = {column: _text(chosen, column).to_numpy() for column in (
        "vendor", "incident_id", "ids_in_event", "source_urls", "record_kind", "scope",
        "regions")}
    passed = {column: order[column].astype("object").to_numpy() for column in (
        "reached_vendor", "reached_service", "function", "via")}
    rows_of = chosen.groupby("event", sort=False).indices
    met_of = order.groupby("event", sort=False).indices
    out = [_candidate(lead, every, rows_of[lead.event], passed, met_of[lead.event],
                      groups.get(lead.event, ""))
           for lead in order.drop_duplicates("event").itertuples(index=False)]
    table = pd.DataFrame(out, columns=CANDIDATE_COLUMNS)
    return table.sort_values("occurred_utc", kind="stable").reset_index(drop=True)


def _candidate(lead, every: dict[str, np.ndarray], mine: np.ndarray,
               passed: dict[str, np.ndarray], hits: np.ndarray, group: str) -> dict:
    """One candidate's row: ``lead`` (the pair meeting the strongest test) gives times, scope
    and cause; ``every[...][mine]`` are all the event's rows, ``passed[...][hits]`` the pairs
    of it that met a test (plain arrays: this runs once per candidate)."""
    has_end = pd.notna(lead.end_utc)
    ids = [*every["incident_id"][mine],
           *(one for cell in every["ids_in_event"][mine] for one in _split(cell))]
    return {
        "vendor": lead.vendor,
        "vendors_hit": _joined([*every["vendor"][mine], *passed["reached_vendor"][hits]]),
        "incident_id": lead.incident_id, "incident_ids": _joined(ids, sep=";"),
        "source_url": _first_url([getattr(lead, "source_urls", None),
                                  *every["source_urls"][mine]]),
        "description": getattr(lead, "title", None),
        "occurred_utc": lead.start_utc, "occurred_precision": lead.start_precision,
        "recovered_utc": lead.end_utc if has_end else pd.NaT,
        "recovered_precision": lead.end_precision if has_end else None,
        "duration_min_hours": lead.duration_min_hours,
        "duration_max_hours": lead.duration_max_hours,
        "services_hit": _joined(f"{v}: {s}" for v, s in zip(
            passed["reached_vendor"][hits], passed["reached_service"][hits], strict=True)),
        "functions_hit": _joined(passed["function"][hits]),
        "via": _joined(passed["via"][hits]),
        "scope": lead.scope, "impact": lead.impact,
        "root_cause_category": lead.root_cause_category,
        "change_induced": lead.change_induced, "recurrence_group": group,
        "test_met": lead.test_met,
        "second_criterion": max((second_criterion(scope, regions) for scope, regions in zip(
            every["scope"][mine], every["regions"][mine], strict=True)), key=len, default=""),
        "threshold_hours": float(lead.threshold_hours),
        "tenant_affected": (TENANT_YES if (every["record_kind"][mine] == "tenant").any()
                            else TENANT_TO_CONFIRM),
        "event": lead.event,
    }


# --- 2. recurrence groups ---------------------------------------------------------------
def _find(parent: dict, node: tuple) -> tuple:
    """Root of ``node`` in a union-find forest, halving the path on the way."""
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def _relog_links(base: pd.DataFrame) -> list[tuple[tuple, tuple]]:
    """Node pairs (vendor, service, event) linked as re-logs: one event's id (or any id in
    its ``ids_in_event``) in another's ``related_ids``, on the same vendor; on each service
    both reach, or between every service of the two when they share none."""
    ids: dict[tuple[str, str], set[str]] = {}
    related: dict[tuple[str, str], set[str]] = {}
    products: dict[tuple[str, str], list[str]] = {}
    for row in base.itertuples(index=False):
        key = (row.vendor, row.event)
        ids.setdefault(key, set()).update([str(row.incident_id), *_split(row.ids_in_event)])
        related.setdefault(key, set()).update(_split(row.related_ids))
        products.setdefault(key, []).append(row.product)
    owner: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for (vendor, event), own in ids.items():
        for one in own:
            owner.setdefault((vendor, one), set()).add((vendor, event))
    links = []
    for (vendor, event), wanted in related.items():
        for other in sorted({o for one in wanted for o in owner.get((vendor, one), ())}):
            if other == (vendor, event):
                continue
            mine, theirs = products[(vendor, event)], products[other]
            shared = [p for p in mine if p in theirs]
            links += ([((vendor, p, event), (vendor, p, other[1])) for p in shared] if shared
                      else [((vendor, p, event), (vendor, q, other[1]))
                            for p in mine for q in theirs])
    return links


def recurrence_sentence(service: str, ids: list[str], starts: list[pd.Timestamp],
                        change_induced_all: bool, category: str) -> str:
    """One plain sentence on a recurrence group, e.g. "Exchange Online broken twice in 63
    days by the vendor's own changes (EX1 on 12 Jan 2026, EX2 on 16 Mar 2026)." Days are
    whole days between the first and last start; an unknown or mixed cause reads as re-logs."""
    days = (max(starts) - min(starts)).days
    span = f"in {days} day{'s' if days != 1 else ''}" if days else "on one day"
    times = {2: "twice", 3: "three times"}.get(len(ids), f"{len(ids)} times")
    listed = ", ".join(f"{i} on {t:%d %b %Y}" for i, t in zip(ids, starts, strict=True))
    if change_induced_all:
        how = "by the vendor's own changes"
    elif category not in ("", "unknown") and ";" not in category:
        how = f"by the same apparent root cause ({category})"
    else:  # re-logs: no known cause, or the records give several
        cause = "cause not known" if category in ("", "unknown") else f"causes given: {category}"
        return f"{service} incident logged {times} {span} as re-logs, {cause} ({listed})."
    return f"{service} broken {times} {span} {how} ({listed})."


#: The last table :func:`_groups` was asked about and its answer (the annex asks three times:
#: for the candidates' groups, the groups themselves and the register's counts).
_LAST_GROUPS: list = []


def _groups(rows: pd.DataFrame, within: pd.Timedelta) -> list[dict]:
    """Recurrence groups as dicts of :data:`GROUP_COLUMNS` plus ``_events`` (event keys);
    the same table asked again (the same object, unchanged in length) is answered from the
    last call."""
    if _LAST_GROUPS and _LAST_GROUPS[0] is rows and _LAST_GROUPS[1] == (within, len(rows)):
        return _LAST_GROUPS[2]
    found = _grouped(rows, within)
    _LAST_GROUPS[:] = [rows, (within, len(rows)), found]
    return found


def _grouped(rows: pd.DataFrame, within: pd.Timedelta) -> list[dict]:
    if rows.empty:
        return []
    rows = _with_event(rows)
    base = rows.assign(**{c: _text(rows, c) for c in
                          ["vendor", "product", "root_cause_category", "change_induced",
                           "ids_in_event", "related_ids"]})
    base = base.sort_values("start_utc", kind="stable").drop_duplicates(
        ["vendor", "product", "event"]).reset_index(drop=True)
    nodes = list(zip(base["vendor"], base["product"], base["event"], strict=True))
    parent = {node: node for node in nodes}
    event_of = {(v, p, i): e for v, p, i, e in zip(
        base["vendor"], base["product"], base["incident_id"], base["event"], strict=True)}
    pairs = recurrence.recurrences(base, within)
    links = [((v, p, event_of[(v, p, a)]), (v, p, event_of[(v, p, b)]))
             for v, p, a, b in pairs[["vendor", "product", "first_id", "second_id"]]
             .itertuples(index=False)]
    for one, two in [*links, *_relog_links(base)]:
        parent[_find(parent, one)] = _find(parent, two)
    base["_root"] = [_find(parent, node) for node in nodes]
    sizes = base["_root"].map(base["_root"].value_counts())
    out = []
    for _, members in base.loc[sizes > 1].groupby("_root", sort=False):
        if members["event"].nunique() < 2:
            continue
        first = members.iloc[0]
        service = _joined(members["product"])
        known = [c for c in members["root_cause_category"] if c and c != "unknown"]
        category = _joined(known) or "unknown"
        own = bool(members["change_induced"].eq("yes").all())
        ids = [str(i) for i in members["incident_id"]]
        starts = list(members["start_utc"])
        out.append({
            "group": f"{first['vendor']}/{service}/{first['incident_id']}",
            "vendor": first["vendor"], "service": service, "root_cause_category": category,
            "events": int(members["event"].nunique()), "ids": ";".join(ids),
            "first_utc": min(starts), "last_utc": max(starts), "change_induced_all": own,
            "sentence": recurrence_sentence(service, ids, starts, own, category),
            "_events": list(dict.fromkeys(members["event"]))})
    return out


def recurrence_groups(rows: pd.DataFrame,
                      within: pd.Timedelta = recurrence.WITHIN) -> pd.DataFrame:
    """Groups of events on one vendor's service assessed as one recurring incident.

    Two events join when :func:`incidents.analysis.recurrence.recurrences` pairs them (same
    vendor and service, same known root-cause category, the second starting at most
    ``within`` after the first; default 183 days), chained transitively, or when one is a
    re-log of the other (its id in the other's ``related_ids``, same vendor), whatever the
    cause. RTS 2024/1772 Art. 8(2): recurring incidents within six months with the same
    apparent root cause are assessed as one. Only groups of two or more events are listed;
    ``group`` is "<vendor>/<service>/<first id>". Sorted by vendor then first start.
    """
    found = [{k: v for k, v in g.items() if k != "_events"} for g in _groups(rows, within)]
    if not found:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    return (pd.DataFrame(found, columns=GROUP_COLUMNS)
            .sort_values(["vendor", "first_utc"]).reset_index(drop=True))


def recurrence_group_of_event(rows: pd.DataFrame,
                              within: pd.Timedelta = recurrence.WITHIN) -> dict[str, str]:
    """Event key -> the :func:`recurrence_groups` ids it belongs to ("; "-joined; an event on
    two services can recur on each). Events in no group are absent."""
    found: dict[str, list[str]] = {}
    for group in _groups(rows, within):
        for event in group["_events"]:
            found.setdefault(event, []).append(group["group"])
    return {event: "; ".join(groups) for event, groups in found.items()}


# --- 3. concentration -------------------------------------------------------------------
def _critical_functions(functions: pd.DataFrame) -> set[str]:
    """Names of the critical or important functions."""
    return set(functions.loc[_is_critical(functions), "function"])


def _candidate_vendors(candidates: pd.DataFrame) -> list[set[str]]:
    """The providers each candidate reached (its own and those hit through the chain)."""
    if candidates.empty:
        return []
    return [set(_split(cell)) | {vendor} for cell, vendor in
            zip(_text(candidates, "vendors_hit"), candidates["vendor"], strict=True)]


def concentration(rows: pd.DataFrame, candidates: pd.DataFrame, exposure_hours: pd.Series,
                  vendors: pd.DataFrame, functions: pd.DataFrame,
                  service_functions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where the dependence concentrates: per provider group, and per shared component.

    Provider groups (``provider_group``, else the vendor alone): their vendors, the count of
    services used, the critical or important functions they support, the candidate major
    incidents that reached any of their vendors (distinct events), and the expected
    disruption in hours a year (the sum of ``exposure_hours``, a Series by vendor; NaN when no
    vendor of the group has a figure; ``vendors_without_figure`` counts those left out).
    Components: every "Vendor: Service" named in a ``runs_on``, with the vendors depending on
    it and the distinct events (and candidates among them) on it in ``rows``. Concentration
    risk at entity level: Implementing Regulation (EU) 2024/2956 (register of information).
    """
    group_of = provider_groups(vendors)
    names = list(dict.fromkeys([*vendors["vendor"], *service_functions["vendor"]]))
    critical = _critical_functions(functions)
    reached_by = _candidate_vendors(candidates)
    providers = []
    for group in dict.fromkeys(group_of.get(v, v) for v in names):
        members = [v for v in names if group_of.get(v, v) == group]
        used = service_functions.loc[service_functions["vendor"].isin(members)]
        figures = pd.to_numeric(exposure_hours.reindex(members), errors="coerce")
        providers.append({
            "provider_group": group, "vendors": "; ".join(members),
            "services": len(used[["vendor", "service"]].drop_duplicates()),
            "critical_functions": _joined(f for f in used["function"] if f in critical),
            "candidates": sum(bool(hit & set(members)) for hit in reached_by),
            "expected_disruption_hours_a_year": (float(figures.sum()) if figures.notna().any()
                                                 else math.nan),
            "vendors_without_figure": int(figures.isna().sum())})
    rows = _with_event(rows)
    keys = pd.Series([_component(str(v), str(p)) for v, p in
                      zip(rows["vendor"], rows["product"], strict=True)], index=rows.index)
    candidate_events = set(candidates["event"]) if "event" in candidates else set()
    shared = []
    for part, needing in components(vendors).items():
        events = set(rows.loc[keys == part.casefold(), "event"])
        shared.append({
            "component": part, "component_vendor": part.partition(":")[0],
            "dependants": "; ".join(needing), "dependant_count": len(needing),
            "events": len(events), "candidates": len(events & candidate_events)})
    return (pd.DataFrame(providers, columns=PROVIDER_COLUMNS),
            pd.DataFrame(shared, columns=COMPONENT_COLUMNS).sort_values(
                ["dependant_count", "component"], ascending=[False, True], ignore_index=True))


# --- 4. register evidence ---------------------------------------------------------------
def _hours_range(low: float, high: float) -> str:
    """"2.5-3.0 h", or "2.5 h" when both ends agree."""
    return f"{low:.1f} h" if round(low, 1) == round(high, 1) else f"{low:.1f}-{high:.1f} h"


def register_evidence(rows: pd.DataFrame, functions: pd.DataFrame,
                      service_functions: pd.DataFrame, vendors: pd.DataFrame, *,
                      availability: pd.DataFrame | None = None,
                      sla: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per provider, the evidence the register of information's assessment draws on
    (Implementing Regulation (EU) 2024/2956): functions supported (critical ones apart),
    distinct events and those with a known restore time, and how often an outage or partial
    outage outlasted the strictest RTO of the functions the vendor serves: ``over_rto_count``
    of ``outages_assessed`` (those with a known end) whose shortest duration (hours) exceeded
    it, ``over_rto_share`` (NaN, "n/a" in ``over_rto``, without an RTO or an assessable
    outage). The longest outage is the one with the longest possible duration. ``availability``
    and ``sla`` (vendor plus one text column each) are merged in as given, named after the
    argument.
    """
    groups = recurrence_groups(rows)
    rows = _with_event(rows)
    critical = _critical_functions(functions)
    rto = functions.set_index("function")["rto_hours"].astype(float)
    group_of = provider_groups(vendors)
    out = []
    for vendor in dict.fromkeys([*vendors["vendor"], *service_functions["vendor"]]):
        served = list(dict.fromkeys(
            service_functions.loc[service_functions["vendor"] == vendor, "function"]))
        own = rows.loc[rows["vendor"] == vendor]
        outages = own.loc[_text(own, "impact").isin(OUTAGE_IMPACTS)].sort_values(
            "duration_min_hours", ascending=False).drop_duplicates("event")
        assessed = outages.loc[outages["duration_min_hours"].notna()]
        limits = rto.reindex(served).dropna()
        strictest = float(limits.min()) if len(limits) else math.nan
        over = int((assessed["duration_min_hours"] > strictest).sum())
        share = over / len(assessed) if len(assessed) and not math.isnan(strictest) else math.nan
        longest = assessed.sort_values("duration_max_hours", ascending=False).head(1)
        out.append({
            "vendor": vendor, "provider_group": group_of.get(vendor, vendor),
            "functions_supported": "; ".join(served),
            "critical_functions": "; ".join(f for f in served if f in critical),
            "events": int(own["event"].nunique()),
            "events_restore_known": int(own.loc[own["duration_min_hours"].notna(), "event"]
                                        .nunique()),
            "strictest_rto_hours": strictest, "outages_assessed": len(assessed),
            "over_rto_count": over, "over_rto_share": share,
            "over_rto": ("n/a" if math.isnan(share) else
                         f"{over} of {len(assessed)} ({share:.0%})"),
            "longest_outage_id": longest["incident_id"].iloc[0] if len(longest) else None,
            "longest_outage_hours": (_hours_range(longest["duration_min_hours"].iloc[0],
                                                  longest["duration_max_hours"].iloc[0])
                                     if len(longest) else None),
            "recurrence_groups": int((groups["vendor"] == vendor).sum())})
    table = pd.DataFrame(out, columns=REGISTER_COLUMNS)
    for name, extra in (("availability", availability), ("sla", sla)):
        if extra is not None:
            others = [c for c in extra.columns if c != "vendor"]
            named = extra.rename(columns={others[0]: name}) if len(others) == 1 else extra
            table = table.merge(named, on="vendor", how="left")
    return table
