"""Vendor risk: a transparent score, its components, rank uncertainty and weight sensitivity.

For each vendor five reliability components are measured on the incidents in the window and
scaled to 0-1 across the vendors compared:

* ``frequency``: incidents per year, divided by the largest vendor's rate;
* ``restore``: median hours to restore (Kaplan-Meier, outages and degradations), divided by
  the largest median; a vendor with no restore data gets the portfolio median;
* ``trend``: the Laplace statistic through the normal CDF (0.5 is no trend, near 1 worsening);
* ``change``: share of incidents with a known cause that the vendor's own change caused
  (vendors with none known get the portfolio share);
* ``broad_impact``: share of incidents of severity 4-5 or marked ``global``.

``reliability = sum(w_i * c_i) / sum(w_i)`` with the weights below (parameters), and
``score = dependence_weight * reliability``, where the dependence weight comes from the
organisation's portfolio in ``data/vendors.csv``. Everything is shown: no hidden term.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from incidents.analysis import metrics, time_to_restore, trend_tests

COMPONENTS = ("frequency", "restore", "trend", "change", "broad_impact")
DEFAULT_WEIGHTS: dict[str, float] = {
    "frequency": 0.30, "restore": 0.25, "trend": 0.15, "change": 0.10, "broad_impact": 0.20}
BOOTSTRAP_ROUNDS = 200
SEED = 20260319


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights for every component, non-negative, not all zero; raises ValueError otherwise."""
    unknown = set(weights) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown risk weight(s) {sorted(unknown)}; known: {list(COMPONENTS)}")
    full = {name: float(weights.get(name, DEFAULT_WEIGHTS[name])) for name in COMPONENTS}
    if any(value < 0 for value in full.values()) or sum(full.values()) <= 0:
        raise ValueError(f"risk weights must be >= 0 and not all zero, got {full}")
    return full


def raw_components(incidents: pd.DataFrame, window: metrics.Window,
                   vendors: pd.DataFrame) -> pd.DataFrame:
    """Unscaled components per vendor (one row for every vendor in ``vendors``)."""
    names = vendors[["vendor", "dependence_weight"]]
    table = names.merge(metrics.frequency(incidents, window, "vendor", groups=names)[
        ["vendor", "incidents", "per_year"]], on="vendor", how="left")
    restore = time_to_restore.restore_times(incidents, "vendor")[["vendor", "median"]]
    table = table.merge(restore.rename(columns={"median": "restore_hours"}), on="vendor",
                        how="left")
    trends = trend_tests.trend(incidents, window, "vendor")[["vendor", "laplace_u"]]
    table = table.merge(trends, on="vendor", how="left")
    change = metrics.change_induced_share(incidents, "vendor")[["vendor", "share"]]
    table = table.merge(change.rename(columns={"share": "change_share"}), on="vendor",
                        how="left")
    table = table.merge(_broad_impact(incidents), on="vendor", how="left")
    table["incidents"] = table["incidents"].fillna(0).astype(int)
    return table


def _broad_impact(incidents: pd.DataFrame) -> pd.DataFrame:
    regions = incidents["regions"].astype("object").fillna("")
    broad = (incidents["severity"] >= 4) | regions.str.contains(r"\bglobal\b", regex=True)
    return incidents[["vendor"]].assign(broad=broad).groupby("vendor")["broad"].mean().rename(
        "broad_share").reset_index()


def scale(raw: pd.DataFrame) -> pd.DataFrame:
    """Components on 0-1 as the module docstring defines them.

    A ``round`` column (bootstrap resamples) scales each round on its own.
    """
    from scipy.special import ndtr

    table = raw.copy()
    rounds = table["round"] if "round" in table else pd.Series(0, index=table.index)
    by_round = table.groupby(rounds)
    table["frequency"] = _share_of_max(table["per_year"].fillna(0), rounds)
    restore = table["restore_hours"].fillna(by_round["restore_hours"].transform("median"))
    table["restore"] = _share_of_max(restore.fillna(0), rounds)
    table["trend"] = ndtr(table["laplace_u"].fillna(0).to_numpy(dtype=float))
    change = table["change_share"].fillna(by_round["change_share"].transform("mean"))
    table["change"] = change.fillna(0)
    table["broad_impact"] = table["broad_share"].fillna(0)
    return table


def _share_of_max(values: pd.Series, rounds: pd.Series) -> pd.Series:
    top = values.groupby(rounds).transform("max")
    return (values / top.where(top > 0)).fillna(0.0)


def score(scaled: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Weighted components, the reliability sub-score, the risk score and the rank."""
    full = check_weights(weights)
    total = sum(full.values())
    table = scaled.copy()
    dependence = table["dependence_weight"].fillna(0)
    for name in COMPONENTS:
        table[f"weighted_{name}"] = dependence * full[name] * table[name] / total
    table["reliability"] = sum(full[n] * table[n] for n in COMPONENTS) / total
    table["score"] = dependence * table["reliability"]
    rounds = table["round"] if "round" in table else pd.Series(0, index=table.index)
    table["rank"] = table.groupby(rounds)["score"].rank(ascending=False, method="min").astype(
        int)
    return table.sort_values(["rank", "vendor"]).reset_index(drop=True)


def vendor_risk(incidents: pd.DataFrame, window: metrics.Window, vendors: pd.DataFrame,
                weights: Mapping[str, float] | None = None,
                rounds: int = BOOTSTRAP_ROUNDS, seed: int = SEED) -> pd.DataFrame:
    """The risk table: components, score, rank and a 90% rank interval by resampling.

    Rank interval: each round redraws every vendor's incident count from Poisson(n) and its
    incidents with replacement, recomputes all components and ranks; ``rank_low`` and
    ``rank_high`` are the 5th and 95th percentiles (fixed seed, so reruns agree).
    """
    weights = check_weights(weights or DEFAULT_WEIGHTS)
    table = score(scale(raw_components(incidents, window, vendors)), weights)
    ranks = bootstrap_ranks(incidents, window, vendors, weights, rounds, seed)
    low = ranks.quantile(0.05).round().astype(int)
    high = ranks.quantile(0.95).round().astype(int)
    table["rank_low"] = table["vendor"].map(low)
    table["rank_high"] = table["vendor"].map(high)
    return table


def bootstrap_ranks(incidents: pd.DataFrame, window: metrics.Window, vendors: pd.DataFrame,
                    weights: Mapping[str, float], rounds: int, seed: int) -> pd.DataFrame:
    """Ranks of every vendor in ``rounds`` resampled data sets (rows: rounds).

    Each round draws a vendor's count from Poisson(n) and that many of its incidents with
    replacement. For speed the resampled restore component is the plain median of restored
    incidents (the full table uses Kaplan-Meier); the other components are computed exactly.
    """
    rng = np.random.default_rng(seed)
    per_incident = _per_incident_components(incidents, window)
    names = list(vendors["vendor"])
    codes = incidents["vendor"].to_numpy()
    parts = [_resampled_raw(per_incident, np.flatnonzero(codes == name), rounds, rng, window
                            ).assign(vendor=name) for name in names]
    raw = pd.concat(parts, ignore_index=True).merge(
        vendors[["vendor", "dependence_weight"]], on="vendor")
    ranked = score(scale(raw), weights)
    return ranked.pivot(index="round", columns="vendor", values="rank")[names]


_RAW_KEYS = ("per_year", "restore_hours", "laplace_u", "change_share", "broad_share")


def _per_incident_components(incidents: pd.DataFrame, window: metrics.Window) -> dict[str,
                                                                                      np.ndarray]:
    impact = incidents["impact"].astype("object")
    restorable = incidents["resolved"] & impact.ne("advisory")
    change = incidents["change_induced"].astype("object")
    regions = incidents["regions"].astype("object").fillna("")
    return {
        "t": trend_tests.event_hours(incidents, window).to_numpy(dtype=float),
        "restore": incidents["duration_hours"].where(restorable).to_numpy(dtype=float),
        "change": np.where(change.eq("yes"), 1.0, np.where(change.eq("no"), 0.0, np.nan)),
        "broad": ((incidents["severity"] >= 4) | regions.str.contains(
            r"\bglobal\b", regex=True)).to_numpy(dtype=float),
    }


def _resampled_raw(arrays: dict[str, np.ndarray], idx: np.ndarray, rounds: int,
                   rng: np.random.Generator, window: metrics.Window) -> pd.DataFrame:
    """One vendor's raw components in each of ``rounds`` resamples (one row per round).

    All rounds at once: the counts are drawn together, the incidents of every round in one
    draw, and each component is a sum or a median per round over that long array.
    """
    sizes = rng.poisson(len(idx), rounds) if len(idx) else np.zeros(rounds, dtype=int)
    pick = rng.choice(idx, size=int(sizes.sum()), replace=True) if sizes.sum() else (
        np.array([], dtype=int))
    round_of = np.repeat(np.arange(rounds), sizes)
    horizon = window.hours
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_t = _per_round_sum(round_of, arrays["t"][pick], rounds) / sizes
        laplace = (mean_t - horizon / 2) / (horizon * np.sqrt(1 / (12 * sizes)))
        broad = _per_round_sum(round_of, arrays["broad"][pick], rounds) / sizes
    return pd.DataFrame({
        "round": np.arange(rounds),
        "per_year": sizes / window.years,
        "restore_hours": _per_round_nanmedian(round_of, arrays["restore"][pick], rounds),
        "laplace_u": np.where(sizes >= 3, laplace, np.nan),
        "change_share": _per_round_nanmean(round_of, arrays["change"][pick], rounds),
        "broad_share": np.where(sizes > 0, broad, np.nan),
    })


def _per_round_sum(round_of: np.ndarray, values: np.ndarray, rounds: int) -> np.ndarray:
    return np.bincount(round_of, weights=values, minlength=rounds)


def _per_round_nanmean(round_of: np.ndarray, values: np.ndarray, rounds: int) -> np.ndarray:
    """Mean of the finite values of each round (NaN for a round with none)."""
    finite = np.isfinite(values)
    count = np.bincount(round_of[finite], minlength=rounds)
    total = _per_round_sum(round_of[finite], values[finite], rounds)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _per_round_nanmedian(round_of: np.ndarray, values: np.ndarray, rounds: int) -> np.ndarray:
    """Median of the finite values of each round (NaN for a round with none)."""
    finite = np.isfinite(values)
    group, value = round_of[finite], values[finite]
    order = np.lexsort((value, group))
    value = value[order]
    count = np.bincount(group, minlength=rounds)
    start = np.cumsum(count) - count
    low = np.minimum(start + (count - 1) // 2, max(len(value) - 1, 0))
    high = np.minimum(start + count // 2, max(len(value) - 1, 0))
    if len(value) == 0:
        return np.full(rounds, np.nan)
    return np.where(count > 0, (value[low] + value[high]) / 2, np.nan)


def weight_sensitivity(incidents: pd.DataFrame, window: metrics.Window,
                       vendors: pd.DataFrame, weights: Mapping[str, float] | None = None
                       ) -> pd.DataFrame:
    """Rank of each vendor when one weight is dropped to zero or doubled.

    Columns: ``vendor``, ``base`` rank, then ``no_<component>`` and ``double_<component>``.
    A vendor whose rank barely moves is ranked for robust reasons.
    """
    base_weights = check_weights(weights or DEFAULT_WEIGHTS)
    scaled = scale(raw_components(incidents, window, vendors))
    table = score(scaled, base_weights)[["vendor", "rank"]].rename(columns={"rank": "base"})
    for name in COMPONENTS:
        for label, factor in (("no", 0.0), ("double", 2.0)):
            changed = dict(base_weights, **{name: base_weights[name] * factor})
            if sum(changed.values()) <= 0:
                continue
            ranks = score(scaled, changed).set_index("vendor")["rank"]
            table[f"{label}_{name}"] = table["vendor"].map(ranks)
    return table


# ---------------------------------------------------------------- exposure (the ranked figure)

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
