"""What the report notebooks call: parameter checks, the prepared data, findings, provenance.

Notebooks stay thin: one call per cell, the numbers come from :mod:`incidents.metrics` and
:mod:`incidents.risk`, the sentences from here and :mod:`incidents.narrative`.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import numbers
import pickle
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from incidents import __version__, config
from incidents.analysis import availability, basis, metrics, risk, time_to_restore
from incidents.errors import ParameterError, Problem
from incidents.evidence import records as evidence_module
from incidents.present import narrative

DATE_FORMAT = "%Y-%m-%d"


@dataclass(frozen=True)
class ReportData:
    """Everything a report notebook works on, loaded and checked once.

    ``incidents`` holds every row of every record; ``window_incidents`` one row per event and
    vendor in the window (:func:`incidents.evidence.event_rows`), which every count uses.
    """

    incidents: pd.DataFrame
    vendors: pd.DataFrame
    window: metrics.Window
    window_incidents: pd.DataFrame
    data_file: Path
    skipped: list[str] = field(default_factory=list)  # one plain sentence per problem
    evidence: evidence_module.Evidence | None = None
    window_note: str = ""
    skipped_rows: int = 0  # rows left out as invalid (a row may have several problems)

    @property
    def records(self) -> pd.DataFrame:
        return self.evidence.records if self.evidence is not None else pd.DataFrame()

    @property
    def slas(self) -> pd.DataFrame:
        return self.evidence.slas if self.evidence is not None else pd.DataFrame()

    @property
    def cutoff(self) -> pd.Timestamp:
        return self.evidence.cutoff if self.evidence is not None else self.window.end


def _parse_day(value: str, name: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(pd.to_datetime(value, format=DATE_FORMAT), tz="UTC")
    except (ValueError, TypeError):
        raise ParameterError(f"parameter {name}={value!r} is not a date: write it as "
                             "YYYY-MM-DD, e.g. 2025-01-01") from None


def resolve_window(start: str, end: str, today: pd.Timestamp | None = None,
                   cutoff: pd.Timestamp | None = None) -> tuple[metrics.Window, str]:
    """The analysis window from the ``start``/``end`` parameters, and a note when it was cut.

    An empty ``end`` means the data cut-off (the last day the records cover), not today: a
    window past the data would read quiet months as improvement. An ``end`` after the cut-off
    is cut there, with a note saying so.
    """
    today = (today or pd.Timestamp.now(tz="UTC")).normalize()
    last_day = min(cutoff.normalize(), today) if cutoff is not None else today
    first = _parse_day(start, "start")
    last = _parse_day(end, "end") if end else last_day
    note = ""
    if last > last_day:
        note = (f"The window was asked to end on {last:%d %b %Y}, after the data cut-off "
                f"({last_day:%d %b %Y}); it ends at the cut-off.")
        last = last_day
    if last < first:
        if first > last_day:
            raise ParameterError(f"the window starts ({first:%Y-%m-%d}) after the data ends "
                                 f"({last_day:%Y-%m-%d}): choose an earlier start")
        raise ParameterError(f"the window ends ({last:%Y-%m-%d}) before it starts "
                             f"({first:%Y-%m-%d}): swap start and end")
    return metrics.Window.from_dates(f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"), note


def check_parameters(sla_target: float, min_incidents: int,
                     weights: Mapping[str, float]) -> dict[str, float]:
    """Check the numeric parameters; return the full weight set or raise ParameterError.

    ``weights`` may name some components only (the others keep their default weight).
    """
    check_sla_target(sla_target)
    check_min_incidents(min_incidents)
    return check_weights(weights)


def check_sla_target(sla_target: float) -> float:
    """``sla_target`` if it is 0 or a fraction 0 < x < 1; a percentage is refused with the
    fraction to write instead."""
    try:
        value = float(sla_target)
    except (TypeError, ValueError):
        raise ParameterError(f"SLA target {sla_target!r} is not a number: write a fraction "
                             "such as 0.999, or 0 to use each vendor's own SLA") from None
    if 1 <= value <= 100:
        raise ParameterError(f"SLA target {value:g} looks like a percentage: write "
                             f"{value / 100:g} (a fraction below 1), or 0 to use each vendor's "
                             "own SLA")
    if math.isnan(value) or not 0 <= value < 1:
        raise ParameterError(f"SLA target {value:g} must be a fraction between 0 and 1 such "
                             "as 0.999, or 0 to use each vendor's own SLA")
    return value


def check_min_incidents(min_incidents: int) -> int:
    """``min_incidents`` if it is a whole number of at least 1."""
    whole = isinstance(min_incidents, numbers.Integral) and not isinstance(min_incidents, bool)
    if not whole or min_incidents < 1:
        raise ParameterError(f"minimum incident count {min_incidents!r} must be a whole "
                             "number of at least 1, e.g. 3")
    return min_incidents


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Every risk weight: the given ones (checked), the rest at their defaults."""
    known = list(risk.COMPONENTS)
    for name, value in weights.items():
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]}?" if close else ""
            raise ParameterError(f"unknown risk weight {name!r}.{hint} The weights are "
                                 f"{', '.join(known)}")
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
            raise ParameterError(f"risk weight {name}={value!r} is not a number: write e.g. "
                                 f"{name}={risk.DEFAULT_WEIGHTS[name]:g}")
    try:
        return risk.check_weights(weights)
    except ValueError:
        full = {name: float(weights.get(name, risk.DEFAULT_WEIGHTS[name])) for name in known}
        shown = ", ".join(f"{name}={value:g}" for name, value in full.items())
        raise ParameterError(f"risk weights must be 0 or more and not all 0; got {shown}"
                             ) from None


def check_vendor(vendor: str, known: pd.Series) -> str:
    """The vendor's name as the data spells it (matched ignoring case and surrounding spaces);
    otherwise a ParameterError suggesting the closest name and listing the known ones."""
    names = sorted(known.astype(str).unique())
    if vendor in names:
        return vendor
    folded = {name.casefold(): name for name in names}
    wanted = vendor.strip().casefold()
    if wanted in folded:
        return folded[wanted]
    close = difflib.get_close_matches(wanted, list(folded), n=1, cutoff=0.6)
    hint = f" Did you mean {folded[close[0]]!r}?" if close else ""
    raise ParameterError(f"unknown vendor {vendor!r}.{hint} Known vendors: {', '.join(names)}")


def prepare(data_file: str, vendors_file: str, start: str, end: str,
            skip_invalid: bool = False, vendor: str = "") -> ReportData:
    """Load and validate the data, resolve the window, keep one vendor if asked.

    Results are remembered for the life of the process, keyed on the parameters and on the
    size and modification time of every file of the evidence base, so the notebooks of one
    report run (which share a warm kernel) load and check the files once; a report run also
    hands its kernels what it prepared (:func:`save_prepared`, :func:`adopt_prepared`).
    Treat the returned tables as read-only.
    """
    key = (_evidence_key(data_file, vendors_file), start, end, skip_invalid, vendor,
           pd.Timestamp.now(tz="UTC").normalize())
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


def save_prepared(path: Path) -> None:
    """Write the data sets this process has prepared to ``path`` (a pickle in the run's
    private build folder), for the report's kernels to adopt instead of loading and checking
    the same files again (about a second each on the real evidence base)."""
    with open(path, "wb") as file:
        pickle.dump(dict(_PREPARED), file, protocol=pickle.HIGHEST_PROTOCOL)


def adopt_prepared(path: str) -> None:
    """Remember the data sets :func:`save_prepared` wrote to ``path``.

    Each is keyed on its files' sizes and modification times, so an entry whose files have
    changed since is never used. A missing or unreadable file is ignored: :func:`prepare`
    then loads the files itself.
    """
    try:
        with open(path, "rb") as file:
            found = pickle.load(file)  # written by this run, in its own private folder
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return
    for key, data in found.items():
        if key not in _PREPARED and len(_PREPARED) < _REMEMBERED:
            _PREPARED[key] = data


def _evidence_key(data_file: str, vendors_file: str) -> tuple[tuple[str, int, int], ...]:
    """Size and modification time of the incident and vendor files and of every file beside
    them that the evidence base reads (records, event links, SLAs, published uptime, and the
    imported records' incident files)."""
    main = config.incidents_path(data_file or None)
    vendors = config.vendors_path(vendors_file or None)
    beside = [main.parent / name for name in (config.RECORDS_NAME, config.EVENTS_NAME)]
    beside += [vendors.parent / name for name in config.VENDOR_COMPANIONS]
    imported = sorted((main.parent / config.RECORDS_DIR.name).glob("*.csv"))
    return tuple(_file_key(path) for path in [main, vendors, *beside, *imported])


def _file_key(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def _prepare(data_file: str, vendors_file: str, start: str, end: str,
             skip_invalid: bool) -> ReportData:
    found = evidence_module.load_evidence(data_file or None, vendors_file or None,
                                          skip_invalid=skip_invalid)
    window, note = resolve_window(start, end, cutoff=found.cutoff)
    rows = evidence_module.event_rows(found.incidents)
    vendors_source = found.vendors.attrs.get("source_file")
    problems = found.skipped_problems
    return ReportData(found.incidents, found.vendors.reset_index(drop=True), window,
                      metrics.in_window(rows, window),
                      config.incidents_path(data_file or None),
                      [skipped_row(p, vendors_source) for p in problems], found, note,
                      skipped_rows=len({(p.file, p.line) for p in problems}))


def skipped_row(problem: Problem, vendors_file: str | None = None) -> str:
    """A problem as the report's reader sees it: the file as the project names it (no
    machine path), the line and column, what is wrong, and no repair instructions (those are
    for whoever keeps the data: ``make validate`` prints them)."""
    message = problem.message
    for path in (problem.file, vendors_file):
        if path:
            message = message.replace(str(path), display_path(path))
    where = f"Line {problem.line} of {display_path(problem.file)}" if problem.line else (
        display_path(problem.file))
    column = f", column {problem.column}" if problem.column else ""
    return f"{where}{column}: {message}."


def display_path(path: str | Path) -> str:
    """``path`` relative to the project when it is inside it, else its file name."""
    resolved = Path(path).resolve()
    if resolved.is_relative_to(Path(config.BUILD_DIR).resolve()):
        return resolved.name  # the run's snapshot of a file: the reader knows it by its name
    try:
        return resolved.relative_to(config.PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return resolved.name


def _one_vendor(data: ReportData, vendor: str) -> ReportData:
    vendor = check_vendor(vendor, data.vendors["vendor"])
    found = data.evidence
    if found is not None:
        found = replace(found, records=found.records.loc[found.records["vendor"] == vendor],
                        slas=found.slas.loc[found.slas["vendor"] == vendor])
    return replace(
        data, evidence=found,
        incidents=data.incidents.loc[data.incidents["vendor"] == vendor],
        vendors=data.vendors.loc[data.vendors["vendor"] == vendor].reset_index(drop=True),
        window_incidents=data.window_incidents.loc[data.window_incidents["vendor"] == vendor])


# ---------------------------------------------------------------- headline figures


def comparable(data: ReportData, min_events: int = basis.MIN_EVENTS) -> pd.DataFrame:
    """Per vendor on the like-for-like basis: rate with interval, trend verdict (Holm), the
    last two whole years' counts and their rate ratio; vendors without a rate record as
    "at least N"."""
    rows = data.window_incidents
    rates = basis.comparable_rates(rows, data.records, data.window, data.vendors["vendor"],
                                   min_events=min_events)
    trends = basis.trend_verdicts(rows, data.records, data.window, min_events)
    table = rates.merge(trends[["vendor", "laplace_u", "p_value", "p_holm", "verdict",
                                "tested"]], on="vendor", how="left")
    years = basis.yearly_counts(rows, data.records, data.window)
    table["years_text"] = table["vendor"].map(
        years.groupby("vendor").apply(lambda g: ", ".join(
            f"{y}: {n}" for y, n in zip(g["year"], g["events"], strict=True)),
            include_groups=False) if len(years) else pd.Series(dtype=str))
    last_two = years.sort_values("year").groupby("vendor").tail(2)
    for vendor, group in last_two.groupby("vendor"):
        if len(group) == 2:
            (y1, n1), (y2, n2) = group[["year", "events"]].itertuples(index=False)
            ratio, low, high = basis.rate_ratio(int(n2), int(n1))
            mask = table["vendor"] == vendor
            table.loc[mask, ["year_a", "count_a", "year_b", "count_b", "ratio", "ratio_low",
                             "ratio_high"]] = [y1, n1, y2, n2, ratio, low, high]
    return table


def headline(data: ReportData, by: str | list[str], sla_target: float, min_incidents: int
             ) -> pd.DataFrame:
    """One row per group: events in the window (every record, each event once), restore
    times, change-induced share; per vendor also the like-for-like rate and trend."""
    keys = [by] if isinstance(by, str) else list(by)
    inc = data.window_incidents
    groups = data.vendors[["vendor"]] if keys == ["vendor"] else None
    table = metrics.frequency(inc, data.window, keys, groups=groups)
    table = table.merge(metrics.mtbf(inc, data.window, keys, min_incidents=min_incidents,
                                     groups=groups)[[*keys, "mtbf_hours", "mtbf_lower_hours",
                                                     "mtbf_upper_hours", "enough_data"]],
                        on=keys, how="left")
    table = table.merge(time_to_restore.restore_times(inc, keys), on=keys, how="left")
    table = table.merge(metrics.change_induced_share(inc, keys), on=keys, how="left")
    if keys == ["vendor"]:
        table = table.merge(comparable(data).rename(columns={
            "events": "basis_events", "per_year": "basis_per_year",
            "per_year_lower": "basis_per_year_lower",
            "per_year_upper": "basis_per_year_upper"}), on="vendor", how="left")
    return table


def sla_table(data: ReportData, sla_target: float = 0.0,
              rule: str = "status-page") -> pd.DataFrame:
    """Every SLA period judged (see :func:`incidents.availability.sla_periods`) under the
    impact ``rule``; a positive ``sla_target`` replaces the target of every SLA that has one
    (never adds one). Remembered per data set: treat the table as read-only."""

    def compute() -> pd.DataFrame:
        slas = data.slas.copy()
        if sla_target > 0 and len(slas):
            slas.loc[slas["target"].notna(), "target"] = sla_target
        records = getattr(data, "records", None)
        return availability.sla_periods(data.window_incidents, data.window, slas, rule,
                                        records if records is not None and len(
                                            records.columns) else None)

    return _remembered(_SLA_TABLES, data, (sla_target, rule), compute)


_SLA_TABLES: dict[tuple, tuple[ReportData, pd.DataFrame]] = {}


def sla_verdicts_both_ways(data: ReportData, sla_target: float = 0.0) -> pd.DataFrame:
    """One line per SLA (:func:`incidents.availability.sla_verdicts`), with the periods
    below target counted two ways: ``below`` under the status-page weights (a partial outage
    at 30%), and ``below_outages_only`` on full outages alone.

    An SLA defines its own downtime (Atlassian's: a minute with an error rate above 5%), and
    a public "partial outage" may or may not reach it; a full outage does. So
    ``below_outages_only`` is the periods the public record puts below target on its own,
    and ``below`` the estimate under the status pages' own convention.
    """
    verdicts = availability.sla_verdicts(sla_table(data, sla_target))
    strict = availability.sla_verdicts(sla_table(data, sla_target, "major-only"))
    below = strict.set_index("sla_id")["below"] if len(strict) else pd.Series(dtype=int)
    table = verdicts.assign(below_outages_only=verdicts["sla_id"].map(below).fillna(0)
                            .astype(int))
    table["below_both"] = [f"{int(a)} ({int(b)})" for a, b in zip(
        table["below"], table["below_outages_only"], strict=True)]
    table["periods_both"] = [f"{int(a)} ({int(b)})" for a, b in zip(
        table["periods"], table["unrecorded"], strict=True)]
    return table


def services_shown(data: ReportData) -> pd.DataFrame:
    """``vendor, product`` pairs to show availability for: the services the organisation
    uses (``services_used``), else every service with an incident in the window."""
    used = data.vendors[["vendor", "services_used"]].assign(
        product=data.vendors["services_used"].str.split(";")).explode("product")
    used["product"] = used["product"].fillna("").str.strip()
    listed = used.loc[used["product"].ne(""), ["vendor", "product"]]
    others = data.window_incidents.loc[~data.window_incidents["vendor"].isin(listed["vendor"])]
    rest = (others.groupby(["vendor", "product"], observed=True).size().rename("n")
            .reset_index().sort_values(["vendor", "n"], ascending=[True, False])
            .groupby("vendor").head(SERVICES_PER_VENDOR)[["vendor", "product"]])
    return pd.concat([listed, rest], ignore_index=True)


#: Services shown per vendor that names none in ``services_used`` (those with most events).
SERVICES_PER_VENDOR = 5


def enriched(rows: pd.DataFrame) -> pd.DataFrame:
    """Events whose cause, clients and mitigation a person read: those with a curated row
    (status histories rarely say why an incident happened, and a cross-posted status
    incident is not a curated one)."""
    return rows.loc[rows["curated_in_event"]]


def used_rows(data: ReportData, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows on the services the organisation uses (every row of a vendor that lists none)."""
    used = services_shown(data)
    listed = set(data.vendors.loc[data.vendors["services_used"].fillna("").str.strip().ne(""),
                                  "vendor"])
    keep = ~rows["vendor"].isin(listed) | pd.MultiIndex.from_frame(
        rows[["vendor", "product"]].astype(str)).isin(
        pd.MultiIndex.from_frame(used.astype(str)))
    return rows.loc[keep]


def exposure_inputs(data: ReportData) -> tuple[pd.DataFrame, pd.Series]:
    """Basis event rows and covered years per vendor, the inputs of the exposure table."""
    spans = basis.covered_spans(data.records, data.window)
    rows = basis.on_basis(data.window_incidents, spans)
    return used_rows(data, rows), spans.groupby("vendor")["years"].sum()


_EXPOSURE: dict[tuple, tuple[ReportData, pd.DataFrame]] = {}


def _remembered(store: dict, data: ReportData, key: tuple, compute) -> pd.DataFrame:
    """``compute()`` once per data set and ``key`` (the data object is kept beside the result,
    so a new data set at a reused ``id`` is never served another's table)."""
    full_key = (id(data), *key)
    hit = store.get(full_key)
    if hit is not None and hit[0] is data:
        return hit[1]
    table = compute()
    if len(store) >= _REMEMBERED:
        store.pop(next(iter(store)))
    store[full_key] = (data, table)
    return table


def exposure_table(data: ReportData, min_events: int = basis.MIN_EVENTS) -> pd.DataFrame:
    """:func:`incidents.risk.exposure` of every vendor in ``data``, remembered per data set
    (each deep dive shows its vendor's rank among all; the tables are read-only)."""
    def compute() -> pd.DataFrame:
        rows, years = exposure_inputs(data)
        return risk.exposure(rows, years, data.vendors, min_events)

    return _remembered(_EXPOSURE, data, (min_events,), compute)


def evidence_lines(data: ReportData) -> list[str]:
    """One short line per vendor: the records its figures rest on, and its source quality."""
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
            "; no complete record in the window: public reports only")
        out.append(f"**{narrative.text(vendor)}**: " + "; ".join(parts) + note
                   + f"; sources {good.get(vendor, 0):.0%} vendor or press.")
    return out


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
    """Three to five findings, each generated from the numbers, with its basis."""
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
            out.append(f"{narrative.text(r['vendor'])}: {int(r['count_b'])} major events "
                       f"(major or critical, or an hour or more) in {int(r['year_b'])} against "
                       f"{int(r['count_a'])} "
                       f"in {int(r['year_a'])} (rate ratio {r['ratio']:.1f}, exact 95% CI "
                       f"{r['ratio_low']:.1f}-{r['ratio_high']:.1f}); {r['basis']}"
                       + ("." if r["complete_basis"] else
                          "; counts are lower bounds and follow what the vendor posts."))
    if "verdict" in rows:
        moving = rows.loc[rows["verdict"].isin(["rising", "falling"])]
        tested = int(rows["tested"].fillna(False).sum())
        untested = ("only its record covers at least 90% of the window, so no other vendor "
                    "is tested" if tested == 1 else
                    "vendors whose record covers less than 90% of the window are not tested")
        if len(moving) and tested == 1:
            out.append(f"Trend (Laplace test, 5% level; {untested}): " + ", ".join(
                f"{narrative.text(r['vendor'])} {r['verdict']} "
                f"({narrative.p_value(r['p_holm'])})" for _, r in moving.iterrows()) + ".")
        elif len(moving):
            out.append("Trend after correcting for testing " + narrative.count(
                tested, "vendor") + f" (Holm, 5% level; {untested}): " + ", ".join(
                f"{narrative.text(r['vendor'])} {r['verdict']} (adjusted "
                f"{narrative.p_value(r['p_holm'])})" for _, r in moving.iterrows()) + ".")
        elif tested:
            out.append(f"No vendor's rate of major incidents changed significantly over the "
                       f"window once {narrative.count(tested, 'vendor')} tested together are "
                       "corrected for (Holm, 5% level); vendors without a complete record "
                       "are not tested.")
    if risk_table is not None and len(risk_table) and risk_table["rank"].notna().any():
        top = risk_table.iloc[0]
        out.append(f"Largest exposure: {narrative.text(top['vendor'])}, about "
                   f"{narrative.number(top['hours_per_year'], 0)} disruption hours a year "
                   f"(90% interval {narrative.number(top['hours_low'], 0)}-"
                   f"{narrative.number(top['hours_high'], 0)}) times the dependence the "
                   f"organisation set ({narrative.number(top['dependence_weight'], 1)}); "
                   f"rank {int(top['rank_low'])}-{int(top['rank_high'])} in 90% of "
                   "resamples.")
    public = rows.loc[rows.get("ranked", pd.Series(True, index=rows.index)).eq(False)]
    if len(public):
        out.append("Publicly reported incidents only (no complete record, not ranked): "
                   + ", ".join(f"{narrative.text(r['vendor'])} at least "
                               f"{int(r['at_least'])} major" for _, r in public.sort_values(
                                   "at_least", ascending=False).head(4).iterrows()) + ".")
    changes = metrics.change_induced_share(enriched(data.window_incidents), "vendor")
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


def evidence_hash(data: ReportData) -> str:
    """SHA-256 over every data file the report read (incident files in order, then records,
    links, SLAs), so any change to any of them changes the stamp."""
    digest = hashlib.sha256()
    files = list(data.evidence.files) if data.evidence is not None else [data.data_file]
    folder = data.data_file.parent
    for name in (config.RECORDS_NAME, config.EVENTS_NAME):
        files.append(folder / name)
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def provenance(data: ReportData, parameters: Mapping[str, object]) -> str:
    """Markdown footer: data hash, rows, records, parameters, package version, commit, time."""
    params = "; ".join(f"{k} = {narrative.text(v)}" for k, v in parameters.items())
    generated = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")
    records = data.records
    used = records.loc[records["record_id"].isin(data.incidents["record_id"])] if len(
        records) else records
    # Names as escaped text, not code spans (which would show the escapes).
    listed = ", ".join(narrative.text(r) for r in used["record_id"])
    return (f"**Provenance.** Data {narrative.text(data.data_file.name)} and the records "
            f"beside it (SHA-256 `{evidence_hash(data)[:16]}…`), "
            f"{len(data.incidents)} rows loaded, {len(data.window_incidents)} events in the "
            f"window {data.window.label()}; data cut-off {data.cutoff:%d %b %Y}. Records "
            f"(sources in data/README.md): "
            f"{listed}. Parameters: {params}. Package incidents "
            f"{__version__}, commit `{git_commit()}`. Generated {generated}.")


APPENDIX_LIMIT = 60


def appendix_rows(data: ReportData) -> tuple[pd.DataFrame, int]:
    """The incidents a deep dive lists: curated rows first, then the longest major events, at
    most :data:`APPENDIX_LIMIT`, latest first; and how many events were left out (all of them
    are in the data files and the spreadsheet attachment)."""
    rows = data.window_incidents
    keep = rows["record_kind"].eq("curated") | basis.is_major(rows)
    ranked = rows.loc[keep].assign(_curated=rows["record_kind"].ne("curated")).sort_values(
        ["_curated", "duration_hours"], ascending=[True, False], na_position="last")
    chosen = ranked.head(APPENDIX_LIMIT).drop(columns="_curated").sort_values(
        "start_utc", ascending=False)
    chosen = chosen.assign(first_source=chosen["source_urls"].str.split(";").str[0])
    return chosen, len(rows) - len(chosen)


def published_uptime_latest(data: ReportData, periods: int = 4) -> pd.DataFrame:
    """The latest ``periods`` uptime figures each vendor published per service it names."""
    uptime = data.evidence.published_uptime if data.evidence is not None else pd.DataFrame()
    if uptime.empty:
        return uptime
    mine = uptime.loc[uptime["vendor"].isin(data.vendors["vendor"])]
    return mine.sort_values("period_end").groupby(["vendor", "service"]).tail(periods)


def recommended_actions(data: ReportData, sla_target: float = 0.0) -> list[str]:
    """:func:`incidents.actions.recommended` on this report's numbers."""
    from incidents.present import actions

    rows = data.window_incidents
    rates = basis.comparable_rates(rows, data.records, data.window, data.vendors["vendor"])
    unrecorded = sorted(set(rates.loc[~rates["ranked"], "vendor"]) & set(rows["vendor"]))
    events = evidence_module.event_table(rows)
    shared = events.loc[events["vendor_count"] > 1]
    used = services_shown(data)
    return actions.recommended(
        unrecorded_vendors=unrecorded,
        changes=metrics.change_induced_share(enriched(rows), "vendor"),
        incidents=enriched(rows), shared=shared,
        verdicts=sla_verdicts_both_ways(data, sla_target),
        uncovered=availability.uncovered_services(rows.merge(used, on=["vendor", "product"]),
                                                  data.slas))


def sla_verdicts_used(data: ReportData, sla_target: float = 0.0) -> tuple[pd.DataFrame, int]:
    """SLA verdicts for the SLAs that cover a service the organisation uses, and how many
    other SLAs with a target were left out of the table."""
    verdicts = sla_verdicts_both_ways(data, sla_target)
    used = services_shown(data)
    covering = availability.sla_services(data.slas).merge(used, on=["vendor", "product"])
    shown = verdicts.loc[verdicts["sla_id"].isin(covering["sla_id"])]
    return shown.reset_index(drop=True), len(verdicts) - len(shown)


#: Below this share of the window covered by a full record, availability is an upper bound.
RECORDED_ENOUGH = 0.9


def availability_basis_line(data: ReportData) -> str:
    """Which vendors' availability is only an upper bound: those whose status history covers
    less than :data:`RECORDED_ENOUGH` of the window, or none of it. Public reports miss
    incidents, so downtime read from them is too low and availability too high. Empty when
    every vendor shown has a full record."""
    share = availability.recorded_share(data.records, data.window)
    shown = sorted(set(data.window_incidents["vendor"]) | set(services_shown(data)["vendor"]))
    weak = []
    for vendor in shown:
        covered = float(share.get(vendor, 0.0))
        if covered < RECORDED_ENOUGH:
            weak.append(f"{narrative.text(vendor)} ("
                        + (f"its status history covers {covered:.0%} of the window"
                           if covered > 0 else "no status history") + ")")
    if not weak:
        return ""
    return ("**Upper bounds.** For these vendors availability rests, for all or part of the "
            "window, on public reports, which miss incidents, so it reads too high: "
            + "; ".join(weak) + ".")


def sla_periods_used(data: ReportData, sla_target: float = 0.0
                     ) -> list[tuple[str, pd.DataFrame]]:
    """The whole periods a full record covers, of the SLAs :func:`sla_verdicts_used` shows,
    one table per measurement period (``month``, ``quarter``), for a chart of each against
    its target (a period on public reports only could show a dip, never a level)."""
    shown, _ = sla_verdicts_used(data, sla_target)
    judged = sla_table(data, sla_target)
    judged = judged.loc[judged["complete"] & judged["recorded"].astype(bool)
                        & judged["sla_id"].isin(shown["sla_id"])]
    return [(str(per), part) for per, part in judged.groupby("measured_per")]


def slas_without_target(data: ReportData) -> pd.Series:
    """How many SLAs per vendor have no target (document not found, or no figure in it)."""
    slas = data.slas
    if slas.empty:
        return pd.Series(dtype=int)
    return slas.loc[slas["target"].isna()].groupby("vendor").size()


def prepared_line(data: ReportData) -> str:
    """Whose portfolio this is and when the page was made (page one states both)."""
    made = pd.Timestamp.now(tz="UTC").strftime("%d %b %Y")
    source = Path(data.vendors.attrs.get("source_file", config.VENDORS_CSV)).name
    return (f"**Portfolio:** the organisation's dependences as set in {narrative.text(source)} "
            f"(the shipped file is an example: edit it to describe your organisation). "
            f"**Prepared** {made}.")


def client_groups(rows: pd.DataFrame) -> pd.DataFrame:
    """Curated events per group of clients and protocols a CIO recognises (mobile apps,
    desktop clients, web, sync and mail protocols, sign-in, ...), with the terms seen."""
    from incidents.data import load
    from incidents.present import actions

    chosen = enriched(rows)
    terms = load.multi_values(chosen["affected_clients"].astype("object"))
    terms = terms[terms.ne("unknown")]
    if terms.empty:
        return pd.DataFrame(columns=["group", "events", "clients"])
    frame = pd.DataFrame({"group": [actions.client_group(t) for t in terms], "term": terms,
                          "row": terms.index})
    table = frame.groupby("group").agg(events=("row", "nunique"), clients=(
        "term", lambda t: ", ".join(sorted(set(t))))).reset_index()
    return table.sort_values("events", ascending=False).reset_index(drop=True)


def service_table(by_product: pd.DataFrame, services: pd.DataFrame) -> pd.DataFrame:
    """The services the organisation uses with their availability and, where they had
    incidents, events, restore times and own-change counts (quiet services show 0 events)."""
    table = services.merge(by_product, on="product", how="left", suffixes=("", "_events"))
    for column in ("incidents", "yes"):
        if column in table:
            table[column] = table[column].fillna(0).astype(int)
    return table.sort_values("incidents", ascending=False).reset_index(drop=True)


def composite_risk(data: ReportData, weights: Mapping[str, float],
                   min_events: int = basis.MIN_EVENTS) -> pd.DataFrame:
    """The weighted composite score of :mod:`incidents.risk`, computed only where it can be
    defended: on the like-for-like basis events of the vendors that get an exposure rank
    (complete records, enough events), so no component stands on a curated sample."""
    rows, _ = exposure_inputs(data)
    ranked = exposure_table(data, min_events).dropna(subset=["rank"])["vendor"]
    vendors = data.vendors.loc[data.vendors["vendor"].isin(ranked)].reset_index(drop=True)
    if vendors.empty:
        return pd.DataFrame(columns=["vendor", "score", "rank", "rank_low", "rank_high"])
    return risk.vendor_risk(rows.loc[rows["vendor"].isin(ranked)], data.window, vendors,
                            weights)


def window_line(data: ReportData) -> str:
    """The window, what sets its end, and how many events it holds, with why they are not
    comparable across vendors."""
    rows = data.window_incidents
    return (f"**Window:** {data.window.label()}. **Data cut-off** {data.cutoff:%d %b %Y} (the "
            f"latest record or report; each vendor's rates stop where its record ends). "
            f"{data.window_note} {len(rows):,} events posted or reported across "
            f"{narrative.count(rows['vendor'].nunique(), 'vendor')}, each event once; vendors "
            "post at different grain, so compare them only in the like-for-like table.")


#: How both notebooks show an SLA verdict (``narrative.table`` columns).
#: The rank columns of the exposure and composite tables: the rank and its 90% interval.
RANK_COLUMNS: dict[str, tuple[str, narrative.Formatter]] = {
    "rank": ("Rank", narrative.rank),
    "rank_low": ("Rank 5%", narrative.rank),
    "rank_high": ("Rank 95%", narrative.rank),
}

SLA_VERDICT_COLUMNS: dict[str, tuple[str, narrative.Formatter]] = {
    "name": ("SLA", narrative.plain),
    "services": ("Covers", narrative.plain),
    "measured_per": ("Per", narrative.plain),
    "target": ("Target", narrative.availability),
    "periods_both": ("Periods on a record (on reports only)", narrative.plain),
    "below_both": ("Below target (on full outages alone)", narrative.plain),
    "lowest": ("Lowest", narrative.availability),
    "lowest_period": ("In", narrative.plain),
    "lowest_service": ("On", narrative.plain),
}
