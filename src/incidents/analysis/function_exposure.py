"""Exposure per business function, from the services that serve each function.

A function's exposure counts the like-for-like events that reached one of its services
(a suite-wide event reaches every service of its vendor): each event once per function, its
hours weighted by impact (status-page weights) at the shortest and at the longest its times
allow, divided by the vendor's covered years and multiplied by the organisation's dependence
on the vendor. A service that serves two functions counts under both, as it should (an hour
without the CDN is an hour without the web firewall too); the portfolio total counts every
event once, so ``overlap = sum over functions - total`` says how much the functions share.
Vendors without a figure (no complete record, or too few events for a rank) are named, not
counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from incidents.analysis import risk
from incidents.evidence import service_hits

COLUMNS = ["function", "critical", "vendors", "events", "hours_shortest", "hours_longest",
           "without_figure"]


def _serves(rows: pd.DataFrame, served: pd.DataFrame) -> np.ndarray:
    """Which ``rows`` (vendor, product reached) reach one of the ``served`` (vendor,
    service) pairs; an empty service, or the vendor's suite-wide line, is the whole vendor."""
    whole = set(served.loc[served["service"].eq(""), "vendor"])
    pairs = set(zip(served["vendor"], served["service"], strict=True))
    vendor = rows["vendor"].astype("object").to_numpy()
    product = rows["product"].astype("object").to_numpy()
    return np.array([v in whole or (v, p) in pairs
                     or (p == service_hits.suite_line(v) and v in set(served["vendor"]))
                     for v, p in zip(vendor, product, strict=True)], dtype=bool)


def _hours(rows: pd.DataFrame, years: pd.Series, dependence: pd.Series, ends: str) -> float:
    """Dependence-weighted disruption hours a year of ``rows`` (one per event)."""
    if rows.empty:
        return 0.0
    hours = pd.Series(risk.event_hours(rows, "status-page", ends), index=rows.index)
    per_vendor = hours.groupby(rows["vendor"].astype("object").to_numpy()).sum()
    return float((per_vendor / years.reindex(per_vendor.index)
                  * dependence.reindex(per_vendor.index)).sum())


def function_exposure(reached: pd.DataFrame, years: pd.Series, service_functions: pd.DataFrame,
                      functions: pd.DataFrame, dependence: pd.Series,
                      ranked: set[str]) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per business function: its vendors, the events on its services, and its exposure
    (``hours_shortest``/``hours_longest``, dependence x hours a year), over the ``ranked``
    vendors; and the portfolio's ``total_shortest``/``total_longest`` (each event once) with
    ``overlap_shortest``/``overlap_longest``.

    ``reached``: like-for-like event rows, one per service reached (``vendor``, ``product``,
    ``event`` and the duration columns); ``years``: covered years per vendor;
    ``service_functions``: ``vendor, service, function``; ``functions``: ``function,
    critical``; ``dependence``: weight per vendor.
    """
    counted = reached.loc[reached["vendor"].isin(ranked)]
    critical = dict(zip(functions["function"], functions["critical"].astype(bool),
                        strict=True))
    out, chosen = [], []
    for name, served in service_functions.groupby("function", sort=True):
        mine = counted.loc[_serves(counted, served)].drop_duplicates(["vendor", "event"])
        chosen.append(mine)
        vendors = sorted(set(served["vendor"]))
        out.append({"function": name, "critical": critical.get(name, False),
                    "vendors": "; ".join(vendors), "events": len(mine),
                    "hours_shortest": _hours(mine, years, dependence, "shortest"),
                    "hours_longest": _hours(mine, years, dependence, "longest"),
                    "without_figure": "; ".join(v for v in vendors if v not in ranked)})
    table = pd.DataFrame(out, columns=COLUMNS)
    every = (pd.concat(chosen).drop_duplicates(["vendor", "event"]) if chosen
             else counted.iloc[:0])
    totals = {f"total_{e}": _hours(every, years, dependence, e) for e in ("shortest", "longest")}
    for ends in ("shortest", "longest"):
        totals[f"overlap_{ends}"] = float(table[f"hours_{ends}"].sum()) - totals[f"total_{ends}"]
    table = table.sort_values(["hours_longest", "function"], ascending=[False, True])
    return table.reset_index(drop=True), totals
