"""What the incident file covers, written for ``data/README.md`` from the data itself.

A test compares the README with :func:`coverage_markdown` of the current file, so the counts,
the date range and the list of imprecise rows next to the data cannot go stale.
"""

from __future__ import annotations

import pandas as pd

from incidents import sources

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
