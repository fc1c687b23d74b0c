"""Per-service tables: which services an event reaches, the services shown, availability by
way in, and how availability cells read (ranges, bounds, quiet services).
"""

from __future__ import annotations

import pandas as pd

from incidents.analysis import availability, recurrence
from incidents.evidence import service_hits
from incidents.present import narrative
from incidents.present.report_data import ReportData, remembered, store


def upper_bound_vendors(data: ReportData, vendors) -> dict[str, float]:
    """Of ``vendors``, those whose availability is only an upper bound, with the share of the
    window their status history covers: less than :data:`RECORDED_ENOUGH`, or none."""
    share = availability.recorded_share(data.records, data.window)
    covered = {vendor: float(share.get(vendor, 0.0)) for vendor in vendors}
    return {vendor: part for vendor, part in covered.items() if part < RECORDED_ENOUGH}


def upper_bounds_marked(data: ReportData, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (per vendor and service) with the headline availability of a vendor of
    :func:`upper_bound_vendors` written "at most ...": public reports miss incidents, so the
    figure is an upper bound, and the cell says so (at the shortest spans: the highest the
    evidence allows)."""
    weak = upper_bound_vendors(data, set(table["vendor"]))
    marked = table.copy()
    marked["availability"] = [f"at most {narrative.availability(v)}" if vendor in weak and not
                              isinstance(v, str) else v for v, vendor in zip(
                                  marked["availability"], marked["vendor"], strict=True)]
    return marked


def availability_cells(data: ReportData, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (:func:`incidents.analysis.availability.service_availability`) as its cells
    read: "at most" for an upper bound, a range where times are known only to the day, "none
    reported" for a service with no event. One place, in the order that keeps each right."""
    return quiet_services_marked(narrative.with_availability_range(
        upper_bounds_marked(data, table)))


def availability_table(data: ReportData, shown: pd.DataFrame | None = None) -> pd.DataFrame:
    """Availability per service shown (:func:`services_shown`, or ``shown``), each vendor
    measured over its own evidence: from the window's start to its own cut-off
    (:attr:`ReportData.vendor_ends`), so new data about one vendor never moves another's."""
    return availability.service_availability(
        service_rows(data), data.window, services_shown(data) if shown is None else shown,
        ends=data.vendor_ends)


def service_rows(data: ReportData) -> pd.DataFrame:
    """The window's event rows, one per service each reaches
    (:func:`incidents.evidence.service_hits.service_rows`): what per-service tables count.
    Remembered per data set: treat the table as read-only."""
    def compute() -> pd.DataFrame:
        found = getattr(data, "evidence", None)
        vendors = getattr(data, "vendors", None)
        if vendors is None:
            vendors = pd.DataFrame({"vendor": [], "services_used": []})
        return service_hits.service_rows(data.window_incidents, vendors,
                                         found.service_map if found is not None else None)

    return remembered(_SERVICE_ROWS, data, (), compute)


_SERVICE_ROWS = store('service_rows')


def services_shown(data: ReportData) -> pd.DataFrame:
    """``vendor, product`` pairs to show availability for: the services the organisation
    uses (``services_used``) and, where any event reached it, the vendor's suite-wide line;
    for a vendor that lists none, every service with an incident in the window."""
    used = data.vendors[["vendor", "services_used"]].assign(
        product=data.vendors["services_used"].str.split(";")).explode("product")
    used["product"] = used["product"].fillna("").str.strip()
    listed = used.loc[used["product"].ne(""), ["vendor", "product"]]
    reached = service_rows(data)
    suites = reached.loc[reached["vendor"].isin(listed["vendor"]) & reached["product"].eq(
        reached["vendor"].map(service_hits.suite_line)), ["vendor", "product"]]
    listed = pd.concat([listed, suites.drop_duplicates()], ignore_index=True)
    others = reached.loc[~reached["vendor"].isin(listed["vendor"])]
    rest = (others.groupby(["vendor", "product"], observed=True).size().rename("n")
            .reset_index().sort_values(["vendor", "n"], ascending=[True, False])
            .groupby("vendor").head(SERVICES_PER_VENDOR)[["vendor", "product"]])
    return pd.concat([listed, rest], ignore_index=True)


#: Services shown per vendor that names none in ``services_used`` (those with most events).
SERVICES_PER_VENDOR = 5


def used_rows(data: ReportData, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows that reach a service the organisation uses, or its vendor's suite-wide line
    (every row of a vendor that lists none)."""
    used = services_shown(data)
    listed = set(data.vendors.loc[data.vendors["services_used"].fillna("").str.strip().ne(""),
                                  "vendor"])
    found = getattr(data, "evidence", None)
    reached = service_hits.service_rows(rows, data.vendors,
                                        found.service_map if found is not None else None)
    hit = pd.MultiIndex.from_frame(reached[["vendor", "product"]].astype(str)).isin(
        pd.MultiIndex.from_frame(used.astype(str)))
    keep = ~rows["vendor"].isin(listed) | rows.index.isin(reached.index[hit])
    return rows.loc[keep]


#: Below this share of the window covered by a full record, availability is an upper bound.
RECORDED_ENOUGH = 0.9


def availability_basis_line(data: ReportData) -> str:
    """Which vendors' availability is only an upper bound (:func:`upper_bound_vendors`).
    Public reports miss incidents, so downtime read from them is too low and availability too
    high. Empty when every vendor shown has a full record."""
    shown = set(data.window_incidents["vendor"]) | set(services_shown(data)["vendor"])
    weak = [f"{narrative.text(vendor)} (" + (
        f"its status history covers {covered:.0%} of the window" if covered > 0
        else "no status history") + ")"
        for vendor, covered in sorted(upper_bound_vendors(data, shown).items())]
    if not weak:
        return ""
    return ("**Upper bounds.** For these vendors availability rests, for all or part of the "
            "window, on public reports, which miss incidents, so it reads too high: "
            + "; ".join(weak) + ".")


#: The command that gives a vendor a complete record of its own where no public one exists.
TENANT_COMMANDS = {"Microsoft 365": "python -m incidents fetch msgraph --record "
                                    "microsoft-365-tenant"}


def tenant_line(data: ReportData, vendor: str) -> str:
    """For a vendor whose complete record can only be the organisation's own (Microsoft 365)
    and who has none in the window: every figure here is a floor, and the one command that
    replaces it. Empty otherwise."""
    command = TENANT_COMMANDS.get(vendor)
    if command is None or vendor not in upper_bound_vendors(data, [vendor]):
        return ""
    return (f"**{narrative.text(vendor)} publishes no history:** these figures rest on public "
            "reports, which miss incidents, so every count is a floor (at least) and every "
            "availability a ceiling (at most). The tenant's own service health replaces them "
            f"with a complete record: `{command}` (set-up in the README), then `make report`.")


def recurrences(data: ReportData) -> pd.DataFrame:
    """:func:`incidents.analysis.recurrence.recurrences` on the services each event reaches."""
    return recurrence.recurrences(service_rows(data))


def ways_in(data: ReportData) -> pd.DataFrame:
    """Availability by way in (:func:`incidents.analysis.availability.way_in_hours`) on the
    services shown, with ``broken``: the hours each way in was reported broken, as the range
    its incidents' times allow, and ``share`` of the window at the shortest."""
    table = availability.way_in_hours(service_rows(data), data.window, data.vendor_ends)
    shown = services_shown(data)
    table = table.merge(shown.drop_duplicates(), on=["vendor", "product"])
    return table.assign(broken=[
        narrative.value_range(low, high) + (" or more" if missing else "")
        for low, high, missing in zip(table["hours"], table["hours_longest"],
                                      table["no_end"].gt(0), strict=True)])


#: What a service with no event in the window shows instead of an availability.
NO_EVENT = "none\u00a0reported"  # one unbroken cell: it never wraps in a narrow column
#: What the other availability columns show for such a service (the headline says why).
NO_EVENT_OTHERS = "-"
AVAILABILITY_COLUMNS = ("availability", "availability_major_only", "availability_every_incident")


def quiet_services_marked(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the availability of a service that had no event in the window (its
    ``incidents`` is 0) replaced by :data:`NO_EVENT` (the other availability columns by
    :data:`NO_EVENT_OTHERS`): "100%" there would read as measured
    perfection where it only means that nothing was reported (a public report misses
    incidents, and a service nobody reported on has no evidence either way)."""
    marked = table.copy()
    quiet = marked["incidents"].eq(0).to_numpy()
    for column in AVAILABILITY_COLUMNS:
        if column in marked:
            shown = NO_EVENT if column == AVAILABILITY_COLUMNS[0] else NO_EVENT_OTHERS
            marked[column] = marked[column].astype("object").where(~quiet, shown)
    return marked


def service_table(by_product: pd.DataFrame, services: pd.DataFrame) -> pd.DataFrame:
    """The services the organisation uses with their availability and, where they had
    incidents, events, restore times and own-change counts (quiet services show 0 events)."""
    table = services.merge(by_product, on="product", how="left", suffixes=("", "_events"))
    for column in ("incidents", "yes"):
        if column in table:
            table[column] = table[column].fillna(0).astype(int)
    return table.sort_values("incidents", ascending=False).reset_index(drop=True)


#: The reference level where a vendor's SLA figure could not be read (three nines).
REFERENCE_LEVEL = 0.999


def months_below_target(data: ReportData, vendor: str) -> tuple[pd.DataFrame, str]:
    """Per service of ``vendor`` the organisation uses, the whole months public reports alone
    put below its SLA target (or :data:`REFERENCE_LEVEL` where the vendor's figure was not
    read), with the events behind each and the claim deadline where the SLA states one as
    "the end of the calendar month following" the incident's; and a sentence saying which
    level was used. Only the tenant's own record can show a month above target."""
    slas = data.slas.loc[data.slas["vendor"].eq(vendor)] if len(data.slas) else data.slas
    covered = availability.sla_services(slas) if len(slas) else pd.DataFrame(
        columns=["sla_id", "vendor", "product"])
    targets = covered.merge(slas[["sla_id", "target", "claim_deadline"]], on="sla_id")
    shown = services_shown(data)
    mine = shown.loc[shown["vendor"].eq(vendor)]
    rows = service_rows(data).merge(mine, on=["vendor", "product"])
    read = targets.dropna(subset=["target"]).groupby("product")["target"].min()
    level_of = {product: float(read.get(product, REFERENCE_LEVEL)) for product in mine["product"]}
    table = availability.months_below(rows, data.window, max(level_of.values(), default=1.0),
                                      data.vendor_ends)
    table["level"] = table["product"].map(level_of)
    table = table.loc[table["availability"] < table["level"]].reset_index(drop=True)
    unread = sorted(set(mine["product"]) - set(read.index))
    basis = ("Each service against its SLA target where the vendor's own document gave one"
             + (f"; {', '.join(narrative.text(u) for u in unread)} against "
                f"{narrative.percent(REFERENCE_LEVEL, 1)}, a reference level and not the "
                "vendor's figure ("
                + ("its SLA document could not be read)" if len(slas) else
                   "no SLA of the vendor is recorded)") if unread else "")
             + ". Availability is at most the figure shown (public reports miss incidents): "
             "only the tenant's own service-health record can show a month above target or "
             "settle a claim.")
    deadline_text = " ".join(targets["claim_deadline"].dropna().astype(str))
    if "end of the calendar month following" in deadline_text:
        table["claim_by"] = (table["e"] + pd.offsets.MonthEnd(1)).dt.normalize()
        now = pd.Timestamp.now(tz="UTC").normalize()
        table["claim"] = [f"by {d:%d %b %Y}" + (" (passed)" if d < now else " (open)")
                          for d in table["claim_by"]]
    else:
        table["claim"] = "deadline not read"
    return table, basis


def change_stories(data: ReportData, most: int = 2) -> list[str]:
    """The vendor's own changes that broke named ways in, told as a CIO needs them (longest
    first, at most ``most``): which clients broke and for how long, the cause in the sources'
    words, how service came back, whether it came back again (a re-logged follow-up), and the
    ways in the sources did not report broken (what users could switch to, as far as the
    sources say)."""
    from incidents.data import load, schema

    rows = data.window_incidents
    chosen = rows.loc[rows["change_induced"].astype("object").eq("yes")
                      & rows["affected_clients"].astype("object").fillna("").str.strip().ne("")]
    chosen = chosen.sort_values("duration_max_hours", ascending=False).head(most)
    stories = []
    for _, row in chosen.iterrows():
        clients = [c for c in str(row["affected_clients"]).split(";") if c.strip()]
        named = ", ".join(schema.CLIENTS.get(c.strip(), c.strip()) for c in clients)
        length = narrative.durations(row.to_frame().T)[0]
        everything = data.incidents
        follow = everything.loc[everything["incident_id"].astype(str).isin(
            [i.strip() for i in str(row.get("related_ids") or "").split(";") if i.strip()])
            & (everything["start_utc"] > row["start_utc"])].drop_duplicates("incident_id")
        same = rows.loc[rows["vendor"].eq(row["vendor"]) & rows["product"].eq(row["product"])]
        known = set(load.multi_values(same["affected_clients"].astype("object")))
        back = "; ".join(f"it came back as {r['incident_id']} from {r['start_utc']:%d %b %Y}"
                         + ("" if pd.notna(r["end_utc"]) else " (no end published)")
                         for _, r in follow.iterrows())
        others = sorted(known - set(clients) - {"unknown"} & {
            "outlook-web", "outlook-desktop-classic", "outlook-desktop-new",
            "exchange-activesync", "teams-web", "web", "desktop-app"})
        spare = (" Not reported broken (what users could switch to, as far as the sources "
                 "say): " + ", ".join(schema.CLIENTS[c] for c in others) + "." if others
                 else "")
        stories.append(
            f"**{narrative.text(row['incident_id'])}** ({narrative.text(row['product'])}, from "
            f"{row['start_utc']:%d %b %Y}, {length}): {narrative.text(named)} broke. Cause, "
            f"the vendor's own change: {narrative.text(row['root_cause'] or 'not disclosed')} "
            f"Restored by: {narrative.text(str(row['mitigation']).replace(';', ', '))}"
            + (f"; {narrative.text(back)}." if back else ".") + spare)
    return stories
