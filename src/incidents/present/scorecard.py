"""Page one: one row per vendor the organisation uses, in the order of what should worry it,
and what changed since the last report.

The order is dependence x expected hours of full outages a year on the like-for-like basis
for vendors with a figure, then the others by dependence x what public reports show: one
ranking on page one. A cell that cannot hold a figure says why in two
words; a vendor is never left out.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from incidents.analysis import basis
from incidents.present import narrative
from incidents.present.report_data import ReportData

#: The published state's file name, in the report folder beside the pages.
STATE_NAME = "report-state.json"
#: How far back "the last 12 months" reach from each vendor's own cut-off.
RECENT = pd.Timedelta(days=365)

COLUMNS = {
    "order": ("#", narrative.plain),
    "vendor_dependence": ("Vendor (dependence)", narrative.plain),
    "evidence": ("Evidence", narrative.plain),
    "outages": ("Major outages a year", narrative.plain),
    "restore": ("Median restore", narrative.plain),
    "worst": ("Worst outage, last 12 months", narrative.plain),
    "trend": ("Trend", narrative.plain),
    "sla": ("SLA months below (last 12)", narrative.plain),
    "disruption": ("Disruption h/yr", narrative.plain),
    "cutoff": ("Data to", narrative.plain),
}


def evidence_word(row: pd.Series) -> str:
    """The vendor's evidence in a word or two: a complete record, a polled lower bound, or
    public reports only."""
    if not bool(row.get("ranked", False)):
        return "public only"
    return "complete" if bool(row.get("complete_basis", False)) else "lower bound"


def outages_cell(row: pd.Series) -> str:
    """Like-for-like events a year with their 95% interval, or "at least N" without a rate
    record."""
    if not bool(row.get("ranked", False)):
        seen = int(row.get("at_least", 0) or 0)
        return f"at least {seen}" if seen else "none reported"
    rate, low, high = (row.get(c) for c in ("basis_per_year", "basis_per_year_lower",
                                            "basis_per_year_upper"))
    if rate is None or pd.isna(rate):
        return "n/a: record short"
    return f"{narrative.number(rate, 1)} ({narrative.number(low, 1)}-{narrative.number(high, 1)})"


def trend_cell(verdict: object) -> str:
    """The trend verdict in plain words ("not tested: record too short")."""
    words = {"rising": "rising", "falling": "falling", "no change": "no clear change",
             "no complete record": "public only",
             "record does not cover the window": "record short"}
    text = str(verdict) if isinstance(verdict, str) else ""
    return words.get(text, text or "not tested")


def worst_events(data: ReportData, ends: pd.Series) -> pd.Series:
    """Per vendor, the worst outage or partial outage of the 12 months before its own
    cut-off, in the order the largest-outages line uses
    (:func:`incidents.analysis.basis.largest_first`: severity, breadth, then length): date,
    id and duration (a range where times are known only to the day)."""
    rows = data.window_incidents
    major = rows.loc[rows["impact"].astype("object").isin(["outage", "partial-outage"])]
    if major.empty:
        return pd.Series(dtype=object)
    since = major["vendor"].astype("object").map(ends) - RECENT
    recent = major.loc[major["start_utc"] >= since]
    if recent.empty:
        return pd.Series(dtype=object)
    top = basis.largest_first(recent).drop_duplicates("vendor")
    lengths = narrative.durations(top)
    return pd.Series([worst_text(r, length)
                      for (_, r), length in zip(top.iterrows(), lengths, strict=True)],
                     index=top["vendor"].astype("object").to_numpy())


def sla_cells(sla_periods: pd.DataFrame, ends: pd.Series) -> pd.Series:
    """Per vendor: how many whole SLA months public reports alone put below target, and how
    many of those fall in its last 12 months; "no target read" where no SLA has one."""
    if sla_periods.empty:
        return pd.Series(dtype=object)
    judged = sla_periods.loc[sla_periods["complete"].astype(bool)]
    below = judged.loc[judged["below_target"].astype(bool)]
    out = {}
    for vendor in judged["vendor"].unique():
        mine = below.loc[below["vendor"].eq(vendor)].drop_duplicates("period")
        if mine.empty:
            out[vendor] = "none found"
            continue
        starts = mine["period"].map(lambda p: pd.Period(str(p)).start_time.tz_localize("UTC"))
        recent = starts >= ends.get(vendor, pd.NaT) - RECENT
        out[vendor] = f"{len(mine)} ({int(recent.sum())} recent)"
    return pd.Series(out, dtype=object)


def disruption_cell(row: pd.Series) -> str:
    """Expected disruption hours a year: full outages at their shortest, to outages and
    partial outages (at the status pages' 30%) at their longest; or why there is no figure."""
    why = str(row.get("why_no_rank") or "")
    if why.startswith("no complete"):
        return "public only"
    if why:
        return "too few events"
    low, high = row.get("outage_hours"), row.get("hours_per_year_longest")
    if low is None or pd.isna(low):
        return "0"
    if pd.isna(high) or round(high, 1) <= round(low, 1):
        return narrative.number(low, 1)
    return f"{narrative.number(low, 1)}-{narrative.number(high, 1)}"


def worst_text(row: pd.Series, length: str) -> str:
    """An event as page one names it: its month and how long it lasted (the deep dive names
    it in full)."""
    return f"{row['start_utc']:%b %Y}, {length}"


def page_one(data: ReportData, sla_target: float = 0.0, min_incidents: int = 3,
             min_events: int = basis.MIN_EVENTS) -> pd.DataFrame:
    """The scorecard of this report's numbers (:func:`scorecard`), ordered by full outages."""
    from incidents.analysis import risk
    from incidents.present import report

    headline = report.headline(data, "vendor", sla_target, min_incidents)
    rows, years = report.exposure_inputs(data)
    outages = risk.exposure(rows, years, data.vendors, min_events, rule="major-only", rounds=0)
    return scorecard(data, headline, report.exposure_table(data, min_events),
                     report.sla_table(data, sla_target),
                     outages.set_index("vendor")["hours_per_year_shortest"])


def scorecard(data: ReportData, headline: pd.DataFrame, exposure: pd.DataFrame,
              sla_periods: pd.DataFrame, outage_hours: pd.Series) -> pd.DataFrame:
    """One row per vendor in the report, in the order of what should worry the organisation:
    dependence x expected hours of full outages a year (``outage_hours``, per vendor, on the
    like-for-like basis) for vendors with a figure, then the others by dependence x the
    events public reports show. Partial outages widen the disruption cell, not the order: a
    vendor that leaves feature-level partial-outage posts open for days is not put above
    one whose service went down. ``rank`` is the exposure rank (NaN without a figure)."""
    ends = data.vendor_ends
    card = data.vendors[["vendor", "dependence_weight"]].merge(
        headline, on="vendor", how="left").merge(
        exposure[["vendor", "exposure", "rank", "why_no_rank", "hours_per_year_shortest",
                  "hours_per_year_longest"]], on="vendor", how="left")
    card["at_least"] = card["at_least"].fillna(0)
    card["outage_hours"] = card["vendor"].map(outage_hours)
    worst, sla = worst_events(data, ends), sla_cells(sla_periods, ends)
    restore = narrative.with_restore_range(card.loc[card["incidents"].fillna(0) > 0])
    card["restore"] = card["vendor"].map(restore.set_index("vendor")["median_range"]).fillna(
        "no events")
    card["evidence"] = [evidence_word(r) for _, r in card.iterrows()]
    card["outages"] = [outages_cell(r) for _, r in card.iterrows()]
    card["trend"] = card["verdict"].map(trend_cell)
    card["worst"] = card["vendor"].map(worst).fillna("none")
    card["sla"] = card["vendor"].map(sla).fillna("no target read")
    card["disruption"] = [disruption_cell(r) for _, r in card.iterrows()]
    cutoff = ends - pd.Timedelta(days=1)
    card["cutoff"] = card["vendor"].map(lambda v: f"{cutoff[v]:%Y-%m-%d}")
    card["dependence"] = card["dependence_weight"].map(lambda v: narrative.number(v, 1))
    card["vendor_dependence"] = card["vendor"] + " (" + card["dependence"] + ")"
    card["_worry"] = (card["dependence_weight"] * card["outage_hours"]).where(
        card["why_no_rank"].fillna("").eq("")).fillna(-1.0)
    card["_secondary"] = card["dependence_weight"].fillna(0) * card["at_least"]
    card = card.sort_values(["_worry", "_secondary", "dependence_weight"],
                            ascending=False).reset_index(drop=True)
    card["order"] = np.arange(1, len(card) + 1)
    return card[[*COLUMNS, "vendor", "dependence", "rank", "exposure"]]


def state(data: ReportData, card: pd.DataFrame, prepared: pd.Timestamp | None = None) -> dict:
    """What the next report compares with: per vendor its cut-off, place on the scorecard,
    trend, SLA cell and event count (JSON-safe)."""
    ends = data.vendor_ends - pd.Timedelta(days=1)
    counts = data.window_incidents["vendor"].astype("object").value_counts()
    return {"prepared_utc": f"{(prepared or pd.Timestamp.now(tz='UTC')):%Y-%m-%dT%H:%M:%SZ}",
            "window": data.window.label(),
            "vendors": {str(r["vendor"]): {
                "cutoff": f"{ends[r['vendor']]:%Y-%m-%d}", "order": int(r["order"]),
                "trend": str(r["trend"]), "sla": str(r["sla"]),
                "events": int(counts.get(r["vendor"], 0))} for _, r in card.iterrows()}}


def save_state(path: str | Path, current: dict) -> None:
    """Write ``current`` to ``path`` (the run's copy, published with the pages)."""
    Path(path).write_text(json.dumps(current, indent=1, sort_keys=True), encoding="utf-8")


def compared_state(path: str | Path) -> str:
    """What of the state at ``path`` the portfolio's "what changed" section shows: all of it
    but the time of day it was prepared (the page names the day). A page key built on this
    lets a portfolio be reused when the last report is the same but for the time it ran."""
    found = load_state(path)
    if found is None:
        return ""
    return json.dumps({**found, "prepared_utc": str(found.get("prepared_utc", ""))[:10]},
                      sort_keys=True)


def load_state(path: str | Path) -> dict | None:
    """The last published report's state, or None when there is none or it is unreadable."""
    if not path:
        return None
    try:
        found = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and isinstance(found.get("vendors"), dict) else None


def changes(previous: dict | None, current: dict, data: ReportData) -> list[str]:
    """What changed since the last report: new events per vendor after the previous run's
    cut-off for it, and vendors whose place, trend or SLA cell changed. The first run says
    it has nothing to compare with."""
    if previous is None:
        return ["First report in this folder: nothing to compare with yet. The next run "
                "compares with this one."]
    before = previous.get("vendors", {})
    rows = data.window_incidents
    lines = []
    for vendor, now in current["vendors"].items():
        old = before.get(vendor)
        if not isinstance(old, dict):
            lines.append(f"{narrative.text(vendor)}: new in the report.")
            continue
        parts = []
        since = pd.Timestamp(str(old.get("cutoff", "1900-01-01")), tz="UTC") + pd.Timedelta(
            days=1)
        mine = rows.loc[rows["vendor"].astype("object").eq(vendor) & (rows["start_utc"] >= since)]
        if len(mine):
            major = int(basis.is_major(mine).sum())
            parts.append(f"{narrative.count(len(mine), 'new event')} since "
                         f"{since - pd.Timedelta(days=1):%d %b %Y} ({major} outages or partial "
                         "outages of severity 4-5)")
        for key, label in (("order", "place"), ("trend", "trend"), ("sla", "SLA months")):
            if str(old.get(key)) != str(now.get(key)):
                parts.append(f"{label} {old.get(key)} -> {now.get(key)}")
        if parts:
            lines.append(f"{narrative.text(vendor)}: " + "; ".join(parts) + ".")
    gone = sorted(set(before) - set(current["vendors"]))
    if gone:
        lines.append("No longer in the report: " + ", ".join(narrative.text(v) for v in gone)
                     + ".")
    prepared = str(previous.get("prepared_utc", ""))[:10]
    head = f"Since the report of {prepared}" if prepared else "Since the last report"
    return [f"{head}: " + ("nothing changed." if not lines else f"{len(lines)} vendor(s) "
                           "changed."), *lines]


def function_table(data: ReportData, min_events: int = basis.MIN_EVENTS
                   ) -> tuple[pd.DataFrame, str]:
    """Exposure per business function from the services that serve it
    (:func:`incidents.analysis.function_exposure.function_exposure`), and a sentence with the
    portfolio total and how much of the functions' sum is the same hours counted twice."""
    from incidents.analysis import function_exposure
    from incidents.data import organisation
    from incidents.evidence import service_hits
    from incidents.present import report

    org = data.evidence.organisation if data.evidence is not None else None
    if org is None:
        return pd.DataFrame(columns=function_exposure.COLUMNS), ""
    rows, years = report.exposure_inputs(data)
    found = data.evidence
    reached = service_hits.service_rows(rows, data.vendors, found.service_map)
    exposure = report.exposure_table(data, min_events)
    ranked = set(exposure.loc[exposure["why_no_rank"].fillna("").eq(""), "vendor"])
    table, totals = function_exposure.function_exposure(
        reached, years, organisation.service_functions(org), org.functions,
        data.vendors.set_index("vendor")["dependence_weight"], ranked)
    line = (f"**Portfolio total** (each event once): {_span(totals, 'total')} hours a year x "
            f"dependence; the functions' sum exceeds it by {_span(totals, 'overlap')}, the "
            "hours in which one event stopped several functions at once.")
    return table, line


def _span(totals: dict[str, float], key: str) -> str:
    low, high = totals[f"{key}_shortest"], totals[f"{key}_longest"]
    if round(low, 1) == round(high, 1):
        return narrative.number(low, 1)
    return f"{narrative.number(low, 1)}-{narrative.number(high, 1)}"
