"""What the report notebooks call: parameter checks, the prepared data, findings, provenance.

Notebooks stay thin: one call per cell, the numbers come from :mod:`incidents.metrics` and
:mod:`incidents.risk`, the sentences from here and :mod:`incidents.narrative`.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from incidents import __version__, config, load, metrics, narrative, risk
from incidents.errors import ParameterError

DATE_FORMAT = "%Y-%m-%d"


@dataclass(frozen=True)
class ReportData:
    """Everything a report notebook works on, loaded and checked once."""

    incidents: pd.DataFrame
    vendors: pd.DataFrame
    window: metrics.Window
    window_incidents: pd.DataFrame
    data_file: Path
    skipped: list[str] = field(default_factory=list)


def _parse_day(value: str, name: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(pd.to_datetime(value, format=DATE_FORMAT), tz="UTC")
    except (ValueError, TypeError):
        raise ParameterError(f"parameter {name}={value!r} is not a date: write it as "
                             "YYYY-MM-DD, e.g. 2025-01-01") from None


def resolve_window(start: str, end: str, today: pd.Timestamp | None = None) -> metrics.Window:
    """The analysis window from the ``start``/``end`` parameters (empty ``end`` = today)."""
    today = (today or pd.Timestamp.now(tz="UTC")).normalize()
    first = _parse_day(start, "start")
    last = _parse_day(end, "end") if end else today
    if last < first:
        raise ParameterError(f"the window ends ({last:%Y-%m-%d}) before it starts "
                             f"({first:%Y-%m-%d}): swap start and end")
    return metrics.Window.from_dates(f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}")


def check_parameters(sla_target: float, min_incidents: int,
                     weights: Mapping[str, float]) -> dict[str, float]:
    """Check the numeric parameters; return the full weight set or raise ParameterError."""
    if not 0 <= sla_target < 1:
        raise ParameterError(f"sla_target={sla_target} must be a fraction below 1 such as "
                             "0.999, or 0 to use each vendor's own SLA")
    if min_incidents < 1:
        raise ParameterError(f"min_incidents={min_incidents} must be at least 1")
    try:
        return risk.check_weights(weights)
    except ValueError as exc:
        raise ParameterError(str(exc)) from None


def check_vendor(vendor: str, known: pd.Series) -> str:
    """``vendor`` if it is in the data; otherwise a ParameterError listing the known ones."""
    names = sorted(known.astype(str).unique())
    if vendor not in names:
        raise ParameterError(f"unknown vendor {vendor!r}. Known vendors: {', '.join(names)}")
    return vendor


def prepare(data_file: str, vendors_file: str, start: str, end: str,
            skip_invalid: bool = False, vendor: str = "") -> ReportData:
    """Load and validate the data, resolve the window, keep one vendor if asked.

    Results are remembered for the life of the process, keyed on the parameters and on each
    file's size and modification time, so the notebooks of one report run (which share a
    warm kernel) load and check the files once. Treat the returned tables as read-only.
    """
    key = (_file_key(config.incidents_path(data_file or None)),
           _file_key(config.vendors_path(vendors_file or None)), start, end, skip_invalid,
           vendor, pd.Timestamp.now(tz="UTC").normalize())
    if key not in _PREPARED:
        if len(_PREPARED) >= _REMEMBERED:
            _PREPARED.pop(next(iter(_PREPARED)))
        if vendor:  # one vendor's slice of the (remembered) whole: the files are read once
            everyone = prepare(data_file, vendors_file, start, end, skip_invalid)
            _PREPARED[key] = _one_vendor(everyone, vendor)
        else:
            _PREPARED[key] = _prepare(data_file, vendors_file, start, end, skip_invalid)
    return _PREPARED[key]


_REMEMBERED = 8
_PREPARED: dict[tuple, ReportData] = {}
_RISK: dict[tuple, tuple[ReportData, pd.DataFrame]] = {}


def portfolio_risk(data: ReportData, weights: Mapping[str, float]) -> pd.DataFrame:
    """:func:`incidents.risk.vendor_risk` of every vendor in ``data``, remembered per data set
    and weights (the resampling is the slowest step of a notebook; the tables are
    read-only)."""
    key = (id(data), tuple(sorted(weights.items())))
    hit = _RISK.get(key)
    if hit is not None and hit[0] is data:
        return hit[1]
    table = risk.vendor_risk(data.window_incidents, data.window, data.vendors, weights)
    if len(_RISK) >= _REMEMBERED:
        _RISK.pop(next(iter(_RISK)))
    _RISK[key] = (data, table)
    return table


def _file_key(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def _prepare(data_file: str, vendors_file: str, start: str, end: str,
             skip_invalid: bool) -> ReportData:
    vendors = load.load_vendors(vendors_file or None)
    incidents = load.load_incidents(data_file or None, vendors=vendors,
                                    skip_invalid=skip_invalid)
    window = resolve_window(start, end)
    return ReportData(incidents, vendors.reset_index(drop=True), window,
                      metrics.in_window(incidents, window),
                      config.incidents_path(data_file or None),
                      list(incidents.attrs.get("skipped", [])))


def _one_vendor(data: ReportData, vendor: str) -> ReportData:
    check_vendor(vendor, data.vendors["vendor"])
    return replace(
        data, incidents=data.incidents.loc[data.incidents["vendor"] == vendor],
        vendors=data.vendors.loc[data.vendors["vendor"] == vendor].reset_index(drop=True),
        window_incidents=data.window_incidents.loc[data.window_incidents["vendor"] == vendor])


# ---------------------------------------------------------------- headline figures


def headline(data: ReportData, by: str | list[str], sla_target: float, min_incidents: int
             ) -> pd.DataFrame:
    """One row per group: incidents, outage hours, median restore, availability, trend."""
    keys = [by] if isinstance(by, str) else list(by)
    inc = data.window_incidents
    groups = data.vendors[["vendor"]] if keys == ["vendor"] else None
    table = metrics.frequency(inc, data.window, keys, groups=groups)
    table = table.merge(metrics.mtbf(inc, data.window, keys, min_incidents=min_incidents,
                                     groups=groups)[[*keys, "mtbf_hours", "mtbf_lower_hours",
                                                     "mtbf_upper_hours", "enough_data"]],
                        on=keys, how="left")
    table = table.merge(metrics.restore_times(inc, keys), on=keys, how="left")
    table = table.merge(metrics.downtime(inc, data.window, keys), on=keys, how="left",
                        suffixes=("", "_downtime"))
    table = table.merge(metrics.trend(inc, data.window, keys).drop(columns="n"), on=keys,
                        how="left")
    table = table.merge(metrics.change_induced_share(inc, keys), on=keys, how="left")
    sla = data.vendors.set_index("vendor")["sla_target"]
    if "vendor" in keys:
        table["sla_target"] = table["vendor"].map(sla)
    else:
        table["sla_target"] = sla.iloc[0] if len(sla) else float("nan")
    if sla_target > 0:
        table["sla_target"] = sla_target
    return table


def findings(table: pd.DataFrame, risk_table: pd.DataFrame | None, data: ReportData,
             min_incidents: int, by: str = "vendor") -> list[str]:
    """Three to five findings, each generated from the numbers in ``table``."""
    months = data.window.months
    rows = table.loc[table["incidents"] > 0].copy()
    if rows.empty:
        return [f"No incident in the window ({data.window.label()})."]
    out = []
    if risk_table is not None and len(risk_table):
        top = risk_table.iloc[0]
        row = rows.set_index("vendor").loc[top["vendor"]] if top["vendor"] in set(
            rows["vendor"]) else None
        if row is not None:
            spread = ("ranked first in at least 90% of resamples"
                      if top["rank_high"] == 1 else
                      f"rank {top['rank_low']}-{top['rank_high']} in 90% of resamples")
            out.append(_group_finding(top["vendor"], row, months,
                                      f"highest risk score, {spread}"))
    already = {risk_table.iloc[0]["vendor"]} if risk_table is not None and len(
        risk_table) else set()
    busiest = rows.sort_values(["incidents", by], ascending=[False, True]).iloc[0]
    if busiest[by] not in already:
        out.append(_group_finding(busiest[by], busiest, months, "most incidents"))
    restored = rows.dropna(subset=["median"]) if "median" in rows else rows.iloc[0:0]
    restored = restored.loc[restored["n"] >= min_incidents] if len(restored) else restored
    if len(restored):
        slow = restored.sort_values("median", ascending=False).iloc[0]
        noun = by if isinstance(by, str) else "group"
        out.append(f"Slowest to restore among {noun}s with {min_incidents} or more incidents: "
                   f"{narrative.text(slow[by])}, median "
                   f"{narrative.hours(slow['median'])} (95% CI "
                   f"{narrative.interval(slow['median_lower'], slow['median_upper'])}).")
    worsening = rows.loc[rows.get("verdict", pd.Series(dtype=object)) == "worsening"]
    if len(worsening):
        names = ", ".join(f"{narrative.text(r[by])} ({narrative.p_value(r['p_value'])})"
                          for _, r in worsening.iterrows())
        out.append(f"Incident rate rising (Laplace test, 5% level): {names}.")
    else:
        out.append("No group shows a statistically significant rise in incident rate "
                   "(Laplace test, 5% level).")
    if "availability" in rows:
        below = rows.loc[rows["availability"] < rows["sla_target"]]
        if len(below):
            worst = below.sort_values("availability").iloc[0]
            noun = by if isinstance(by, str) else "group"
            verb = "is" if len(below) == 1 else "are"
            out.append(f"{narrative.count(len(below), noun)} {verb} below the SLA target over the "
                       f"whole window on public incidents alone; lowest "
                       f"{narrative.text(worst[by])} at "
                       f"{narrative.availability(worst['availability'])} against "
                       f"{narrative.availability(worst['sla_target'])}.")
    if {"yes", "no"} <= set(rows.columns):
        yes, known = int(rows["yes"].sum()), int(rows["yes"].sum() + rows["no"].sum())
        if known:
            out.append(f"Across the portfolio, {yes} of {known} incidents with a disclosed cause "
                       f"({narrative.percent(yes / known, 0)}) came from the vendor's own "
                       "changes: change management at the vendor is the largest single "
                       "lever." if yes * 2 > known else
                       f"Across the portfolio, {yes} of {known} incidents with a disclosed cause "
                       f"({narrative.percent(yes / known, 0)}) came from the vendor's own "
                       "changes.")
    return out[:5]


def _group_finding(name: object, row: pd.Series, months: float, why: str) -> str:
    parts = [f"{narrative.text(name)} ({why}): "
             f"{narrative.count(row['incidents'], 'incident')} in {months:.0f} months"]
    if "yes" in row and not pd.isna(row.get("yes")):
        parts.append(f"{int(row['yes'])} caused by the vendor's own changes")
    if not pd.isna(row.get("median", float("nan"))):
        parts.append(f"restore time median {narrative.hours(row['median'])}")
    verdict = row.get("verdict")
    if isinstance(verdict, str) and verdict != "insufficient data":
        word = {"worsening": "rate rising", "improving": "rate falling",
                "no trend": "no significant trend"}[verdict]
        parts.append(f"{word} (Laplace {narrative.p_value(row.get('p_value'))})")
    return "; ".join(parts) + "."


# ---------------------------------------------------------------- provenance


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file (the provenance footer shows its start)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_commit() -> str:
    """The repository's commit (with ``+changes`` when the tree is dirty), or ``unknown``."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"],
                                cwd=config.PROJECT_ROOT, capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=config.PROJECT_ROOT, capture_output=True, text=True,
                               timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+changes" if dirty else "")


def provenance(data: ReportData, parameters: Mapping[str, object]) -> str:
    """Markdown footer: data hash, rows, parameters, package version, commit, time."""
    params = "; ".join(f"{k} = {narrative.text(v)}" for k, v in parameters.items())
    generated = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")
    return (f"**Provenance.** Data file `{narrative.text(data.data_file.name)}` "
            f"(SHA-256 `{file_sha256(data.data_file)[:16]}…`), "
            f"{len(data.incidents)} incidents loaded, {len(data.window_incidents)} in the "
            f"window {data.window.label()}. Parameters: {params}. Package incidents "
            f"{__version__}, commit `{git_commit()}`. Generated {generated}.")
