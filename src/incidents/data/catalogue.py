"""What the incident file covers, written for ``data/README.md`` from the data itself.

A test compares the README with :func:`coverage_markdown` of the current file, so the counts,
the date range and the list of imprecise rows next to the data cannot go stale.
"""

from __future__ import annotations

import pandas as pd

from incidents.data import sources

COARSE = ("day", "month")


def coverage_markdown(incidents: pd.DataFrame) -> str:
    """Rows per vendor, the date range and the rows whose dates are known only coarsely."""
    counts = incidents["vendor"].value_counts()
    first, last = incidents["start_utc"].min(), incidents["start_utc"].max()
    start_coarse = incidents["start_precision"].isin(COARSE)
    end_coarse = incidents["end_precision"].isin(COARSE)
    no_end = incidents["end_utc"].isna()
    lines = [
        f"- {len(incidents)} incidents starting {first:%d %B %Y} to {last:%d %B %Y}, across "
        f"{len(counts)} vendors.",
        "",
        "| vendor | incidents | first | last | first source: vendor | press | other |",
        "|---|---|---|---|---|---|---|",
    ]
    spans = incidents.groupby("vendor")["start_utc"].agg(["min", "max"])
    quality = pd.Series([sources.row_quality(u, v) for u, v in zip(
        incidents["source_urls"], incidents["vendor"], strict=True)], index=incidents.index)
    shares = pd.crosstab(incidents["vendor"], quality)
    for vendor, n in counts.items():
        got = [int(shares.loc[vendor].get(q, 0)) for q in ("vendor", "press", "other")]
        lines.append(f"| {vendor} | {n} | {spans.loc[vendor, 'min']:%Y-%m-%d} | "
                     f"{spans.loc[vendor, 'max']:%Y-%m-%d} | {got[0]} | {got[1]} | {got[2]} |")
    lines += ["", "Rows whose start is known only to the day or month: "
              + _ids(incidents, start_coarse) + ".",
              "", "Rows whose end is known only to the day or month: "
              + _ids(incidents, end_coarse) + ".",
              "", "Rows with no published end: " + _ids(incidents, no_end) + "."]
    return "\n".join(lines) + "\n"


def _ids(incidents: pd.DataFrame, mask: pd.Series) -> str:
    chosen = incidents.loc[mask, "incident_id"].astype(str).tolist()
    return ", ".join(f"`{ident}`" for ident in chosen) if chosen else "none"


def records_markdown(incidents: pd.DataFrame, records: pd.DataFrame) -> str:
    """One line per record: vendor, kind, capture, period, rows, events and capture rate.

    ``incidents`` is the evidence base with its ``event`` column
    (:func:`incidents.evidence.records.load_evidence`); a record's events are the distinct
    events its
    rows belong to (an event shared with another record counts in both).
    """
    per = incidents.groupby("record_id", observed=True).agg(
        rows=("incident_id", "size"), events=("event", "nunique"))
    lines = ["| record | vendor | kind | capture | period | rows | events | capture rate |",
             "|---|---|---|---|---|---|---|---|"]
    for rec in records.sort_values(["vendor", "complete_from", "record_id"]).itertuples():
        rows = int(per["rows"].get(rec.record_id, 0))
        events = int(per["events"].get(rec.record_id, 0))
        rate = "" if pd.isna(rec.capture_rate) else f"{rec.capture_rate:.0%}"
        lines.append(f"| `{rec.record_id}` | {rec.vendor} | {rec.kind} | {rec.capture} | "
                     f"{rec.complete_from:%Y-%m-%d} to {rec.complete_to:%Y-%m-%d} | {rows} | "
                     f"{events} | {rate} |")
    total_events = incidents["event"].nunique()
    lines += ["", f"{len(incidents)} rows in {len(records)} records, {total_events} events "
              "(rows that share an event id or a confirmed link in `events.csv` are one "
              "event)."]
    return "\n".join(lines) + "\n"
