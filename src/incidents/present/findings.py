"""Page one's written findings and the one-line account of each vendor's evidence, generated from
the numbers with their basis.
"""

from __future__ import annotations

import pandas as pd

from incidents.analysis import basis, metrics
from incidents.present import narrative, report, services
from incidents.present.report_data import ReportData


def evidence_lines(data: ReportData) -> list[str]:
    """One short line per vendor: the records its figures rest on, and its source quality."""
    return [f"**{narrative.text(row.vendor)}**: {row.evidence}"
            for row in evidence_table(data).itertuples(index=False)]


def evidence_table(data: ReportData) -> pd.DataFrame:
    """Per vendor (``vendor``, ``evidence``): the records its figures rest on, with their
    rows and the share of the window each rate record covers, and its source quality where
    any source is neither the vendor's own page nor reputable press."""
    rows = data.incidents
    good = rows.groupby("vendor")["source_quality"].agg(
        lambda q: q.isin(["vendor", "press"]).mean())
    records = data.records
    counts = rows["record_id"].value_counts()
    spans = basis.covered_spans(records, data.window)
    share = (spans.set_index("record_id")["years"]
             / (data.window.hours / metrics.HOURS_PER_YEAR)).to_dict()
    for_rates = set(spans["record_id"])
    out = []
    for vendor in sorted(set(rows["vendor"])):
        mine = records.loc[(records["vendor"] == vendor) & records["record_id"].isin(
            rows["record_id"])]
        parts = []
        for _, record in mine.sort_values(["kind", "complete_from"]).iterrows():
            used = ""
            if record["record_id"] in for_rates:
                covered = share[record["record_id"]]
                used = " (basis of rates" + (
                    f", for {covered:.0%} of the window)" if covered < 0.9 else ")")
            parts.append(f"{_short_record(record)}: "
                         f"{narrative.count(counts[record['record_id']], 'row')}{used}")
        note = "" if mine["record_id"].isin(for_rates).any() else (
            "; no complete record: public reports only")
        # Sources are named only where some are not the vendor's own or reputable press.
        quality = good.get(vendor, 0)
        sources = "" if quality >= 1 else f"; sources {quality:.0%} vendor or press"
        out.append({"vendor": vendor, "evidence": "; ".join(parts) + note + sources + "."})
    return pd.DataFrame(out, columns=["vendor", "evidence"])


def _short_record(record: pd.Series) -> str:
    if record["kind"] == "curated":
        return "curated reports"
    kind = {"status-history": "status history", "tenant": "tenant export",
            "review-list": "review list"}.get(record["kind"], record["kind"])
    capture = {"complete": "complete", "lower-bound": "polled, lower bound",
               "selection": "selection"}[record["capture"]]
    return (f"{kind} {record['complete_from']:%b %Y}-{record['complete_to']:%b %Y} "
            f"({capture})")


def findings(table: pd.DataFrame, risk_table: pd.DataFrame | None, data: ReportData,
             min_incidents: int, by: str = "vendor") -> list[str]:
    """Three to five findings, each generated from the numbers, with its basis. The ranking
    is the page-one scorecard's (:mod:`incidents.present.scorecard`), never restated here, and
    the largest outages have their own line under it (:func:`largest_outages_line`);
    ``risk_table`` is kept for callers that pass it."""
    rows = table.loc[table["incidents"] > 0].copy()
    if rows.empty:
        return [f"No incident in the window ({data.window.label()})."]
    out = []
    if "ratio" in rows:
        # A year-on-year change is read from complete records first: a polled record's
        # capture moves with the polling, and counts there are lower bounds.
        yoy = rows.dropna(subset=["ratio"]).sort_values(["complete_basis", "count_b"],
                                                        ascending=[False, False])
        for _, r in yoy.head(2).iterrows():
            out.append(f"{narrative.text(r['vendor'])}: {int(r['count_b'])} outages and "
                       f"partial outages of severity 4-5 in {int(r['year_b'])} against "
                       f"{int(r['count_a'])} in {int(r['year_a'])} ({r['ratio']:.1f} times "
                       f"the rate; somewhere between {r['ratio_low']:.1f} and "
                       f"{r['ratio_high']:.1f} times, 95% sure); all it posted: {r['mix_b']}, "
                       "against "
                       f"{r['mix_a']}; {r['basis']}"
                       + ("." if r["complete_basis"] else
                          "; counts are lower bounds and follow what the vendor posts."))
    if "verdict" in rows:
        moving = rows.loc[rows["verdict"].isin(["rising", "falling"])]
        tested = int(rows["tested"].fillna(False).sum())
        untested = ("only its record covers at least 90% of the window, so no other vendor "
                    "is tested" if tested == 1 else
                    "vendors whose record covers less than 90% of the window are not tested")
        if len(moving) and tested == 1:
            out.append(f"Trend over the window (a test of a steady rate, 5% level; "
                       f"{untested}): " + ", ".join(
                f"{narrative.text(r['vendor'])} {r['verdict']} "
                f"({narrative.p_value(r['p_holm'])})" for _, r in moving.iterrows()) + ".")
        elif len(moving):
            out.append("Trend over the window, allowing for testing " + narrative.count(
                tested, "vendor") + f" at once (5% level; {untested}): " + ", ".join(
                f"{narrative.text(r['vendor'])} {r['verdict']} (adjusted "
                f"{narrative.p_value(r['p_holm'])})" for _, r in moving.iterrows()) + ".")
        elif tested:
            out.append(f"No vendor's rate of major incidents changed significantly over the "
                       f"window once {narrative.count(tested, 'vendor')} tested together are "
                       "allowed for (5% level); vendors without a complete record "
                       "are not tested.")
    public = rows.loc[rows.get("ranked", pd.Series(True, index=rows.index)).eq(False)]
    if len(public):
        out.append("Publicly reported incidents only (no complete record, not ranked): "
                   + ", ".join(f"{narrative.text(r['vendor'])} at least "
                               f"{int(r['at_least'])} major outages" for _, r in public.sort_values(
                                   "at_least", ascending=False).head(4).iterrows()) + ".")
    changes = metrics.change_induced_share(report.enriched(data.window_incidents), "vendor")
    if len(changes):
        yes, no, unknown = (int(changes[c].sum()) for c in ("yes", "no", "unknown"))
        total = yes + no + unknown
        if yes + no:
            out.append(f"Own changes (curated incidents, where causes are read): {yes} of "
                       f"{yes + no} with a disclosed cause "
                       f"({narrative.percent(yes / (yes + no), 0)}); counting the {unknown} "
                       f"undisclosed both ways, between {narrative.percent(yes / total, 0)} "
                       f"and {narrative.percent((yes + unknown) / total, 0)} of all.")
    return out[:5]


def largest_outages_line(data: ReportData, most: int = 3) -> str:
    """The largest outages of the 12 months before the data cut-off (or the window's end,
    when that comes first), whatever record they
    come from (the ones a reader remembers), each with its day, vendor, service, length,
    scope and the other vendors it took down; empty when there is none."""
    until = min(data.cutoff + pd.Timedelta(days=1), data.window.end)
    since = until - pd.DateOffset(months=12)
    largest = basis.largest_outages(data.window_incidents, since, until, most)
    if largest.empty:
        return ""
    reached = services.service_rows(data)
    items = []
    for (_, r), length in zip(largest.iterrows(), narrative.durations(largest), strict=True):
        also = f"; also {narrative.text(r['also'])}" if r["also"] else ""
        # The other services it reached (AWS's summary names EC2 and Lambda beside
        # DynamoDB), and the region, when it was one: what a reader remembers it by.
        others = reached.loc[reached["event"].eq(r["event"]) & reached["vendor"].eq(
            r["vendor"]) & reached["product"].ne(r["product"]), "product"].unique()
        broke = narrative.text(r["product"]) + (
            f" (with {', '.join(narrative.text(o) for o in others)})" if len(others) else "")
        where = (f"region {narrative.text(r['regions'].replace(';', ', '))}"
                 if r["scope"] == "region" and str(r.get("regions") or "") not in (
                     "", "unknown") else r["scope"])
        items.append(f"{r['start_utc']:%d %b %Y} {narrative.text(r['vendor'])}: "
                     f"{broke}, {r['impact']}, {length}, {where}{also}")
    last = until - pd.Timedelta(days=1)
    return (f"**Largest outages {since:%d %b %Y} to {last:%d %b %Y}** (severity, breadth, "
            "length): " + "; ".join(items) + ".")
