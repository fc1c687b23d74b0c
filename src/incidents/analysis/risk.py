"""Exposure: expected disruption hours a year on the like-for-like basis, times the
organisation's dependence on each vendor, with bootstrap intervals, a rank interval and the
rank's sensitivity to the impact rule and to the dependence set.

Disruption hours of an event are its duration times its impact weight (the status pages'
convention, :mod:`incidents.analysis.availability`); a vendor with no complete record, or
too few events, gets no figure and no rank: nothing is imputed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20260319

EXPOSURE_ROUNDS = 1000


def event_hours(rows: pd.DataFrame, rule: str, ends: str = "") -> np.ndarray:
    """Each event's disruption hours under ``rule``; with ``ends`` "shortest" or "longest",
    a restored event's duration is the shortest or longest its times allow (not the middle)."""
    from incidents.analysis import availability

    hours = rows["duration_hours"].fillna(0).to_numpy(dtype=float)
    column = {"shortest": "duration_min_hours", "longest": "duration_max_hours"}.get(ends)
    if column and column in rows and "resolved" in rows:
        bound = rows[column].to_numpy(dtype=float, na_value=np.nan)
        hours = np.where(rows["resolved"].to_numpy(dtype=bool) & ~np.isnan(bound), bound, hours)
    return hours * availability.weights(rows, rule)


def exposure(basis_rows: pd.DataFrame, years: pd.Series, vendors: pd.DataFrame,
             min_events: int, rule: str = "status-page", rounds: int = EXPOSURE_ROUNDS,
             seed: int = SEED, dependence: pd.Series | None = None) -> pd.DataFrame:
    """Expected disruption hours per year on the like-for-like basis, times the organisation's
    dependence, with 90% intervals and a rank interval.

    ``basis_rows``: event rows on the basis (:func:`incidents.analysis.basis.on_basis`); ``years``:
    covered years per vendor. Disruption hours of an event = its duration x its impact weight
    (``rule``, see :mod:`incidents.analysis.availability`); ``hours_per_year_shortest`` and
    ``_longest`` give the range the events' times allow (a time known to the hour or day).
    Interval: each round redraws a vendor's event count from Poisson(n) and that many of its
    events with replacement (fixed seed).
    A vendor with no rate record, or fewer than ``min_events`` events, gets no figure and no
    rank (``why_no_rank`` says which): nothing is imputed.
    """
    rng = np.random.default_rng(seed)
    table = vendors[["vendor", "dependence_weight"]].copy()
    if dependence is not None:
        table["dependence_weight"] = table["vendor"].map(dependence).fillna(
            table["dependence_weight"])
    table["years"] = table["vendor"].map(years).fillna(0.0)
    hours = event_hours(basis_rows, rule)
    codes = basis_rows["vendor"].to_numpy()
    draws = np.full((len(table), rounds), np.nan)
    for i, (name, span) in enumerate(zip(table["vendor"], table["years"], strict=True)):
        mine = hours[codes == name]
        table.loc[i, "events"] = len(mine)
        table.loc[i, "hours_per_year"] = mine.sum() / span if span > 0 else np.nan
        if span > 0 and len(mine):
            counts = rng.poisson(len(mine), rounds)
            picks = rng.integers(0, len(mine), counts.sum())
            sums = np.bincount(np.repeat(np.arange(rounds), counts), weights=mine[picks],
                               minlength=rounds)
            draws[i] = sums / span
        elif span > 0:
            draws[i] = 0.0
    table["events"] = table["events"].fillna(0).astype(int)
    for ends in ("shortest", "longest"):  # the range the events' times allow
        bound = pd.Series(event_hours(basis_rows, rule, ends)).groupby(codes).sum()
        per_year = table["vendor"].map(bound).fillna(0.0) / table["years"].where(
            table["years"] > 0)
        table[f"hours_per_year_{ends}"] = per_year.where(table["events"] > 0)
    drawn = ~np.isnan(draws).all(axis=1) if rounds else np.zeros(len(table), bool)
    table["hours_low"] = table["hours_high"] = np.nan
    if drawn.any():
        table.loc[drawn, "hours_low"] = np.quantile(draws[drawn], 0.05, axis=1)
        table.loc[drawn, "hours_high"] = np.quantile(draws[drawn], 0.95, axis=1)
    dep = table["dependence_weight"].fillna(0).to_numpy()
    table["exposure"] = dep * table["hours_per_year"]
    table["exposure_low"] = dep * table["hours_low"]
    table["exposure_high"] = dep * table["hours_high"]
    table["why_no_rank"] = np.select(
        [table["years"] <= 0, table["events"] < min_events],
        ["no complete status history: publicly reported incidents only",
         f"fewer than {min_events} events on the basis"], default="")
    ranked = table["why_no_rank"].eq("").to_numpy()
    table["rank"] = np.nan
    table.loc[ranked, "rank"] = table.loc[ranked, "exposure"].rank(ascending=False,
                                                                   method="min")
    if ranked.sum():
        per_round = pd.DataFrame((dep[:, None] * draws)[ranked]).rank(ascending=False,
                                                                      method="min")
        table.loc[ranked, "rank_low"] = per_round.quantile(0.05, axis=1).round().to_numpy()
        table.loc[ranked, "rank_high"] = per_round.quantile(0.95, axis=1).round().to_numpy()
    else:
        table["rank_low"] = table["rank_high"] = np.nan
    return table.sort_values(["rank", "vendor"], na_position="last").reset_index(drop=True)


def exposure_sensitivity(basis_rows: pd.DataFrame, years: pd.Series, vendors: pd.DataFrame,
                         min_events: int) -> pd.DataFrame:
    """Rank under the headline rule beside: only full outages, every incident a full outage,
    equal dependence for every vendor, and each vendor's dependence halved in turn."""
    base = exposure(basis_rows, years, vendors, min_events, rounds=0)
    table = base[["vendor", "rank"]].rename(columns={"rank": "base"})
    variants = {
        "major outages only": dict(rule="major-only"),
        "every incident a full outage": dict(rule="every-incident"),
        "equal dependence": dict(dependence=pd.Series(1.0, index=vendors["vendor"])),
    }
    for label, options in variants.items():
        other = exposure(basis_rows, years, vendors, min_events, rounds=0, **options)
        table[label] = table["vendor"].map(other.set_index("vendor")["rank"])
    halved = {}
    for name in base.loc[base["rank"].notna(), "vendor"]:
        dep = vendors.set_index("vendor")["dependence_weight"].copy()
        dep[name] = dep[name] / 2
        other = exposure(basis_rows, years, vendors, min_events, rounds=0, dependence=dep)
        halved[name] = other.set_index("vendor").loc[name, "rank"]
    table["own dependence halved"] = table["vendor"].map(halved)
    return table
