"""What the report notebooks call: parameter checks, the prepared data, findings, provenance.

Notebooks stay thin: one call per cell, the numbers come from :mod:`incidents.analysis.metrics` and
:mod:`incidents.analysis.risk`, the sentences from here and :mod:`incidents.present.narrative`.
"""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pandas as pd

from incidents import config
from incidents.analysis import (
    availability,
    basis,
    cofailure,
    metrics,
    risk,
    time_to_restore,
)
from incidents.errors import Problem
from incidents.evidence import event_model
from incidents.evidence import records as evidence_module
from incidents.present import narrative, parameters, services
from incidents.present.report_data import ReportData, remembered, store


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
    """Write the data sets this process has prepared, with the tables it computed from them
    (:func:`incidents.present.report_data.remembered`: the exposure ranking, for one), to
    ``path`` (a pickle in the run's private build folder), for the report's kernels to adopt
    instead of loading and checking the same files and computing the same tables again."""
    from incidents.present import report_data

    with open(path, "wb") as file:
        pickle.dump({"prepared": dict(_PREPARED), "tables": report_data.shared_tables()},
                    file, protocol=pickle.HIGHEST_PROTOCOL)


def adopt_prepared(path: str) -> None:
    """Remember the data sets and tables :func:`save_prepared` wrote to ``path``.

    Each data set is keyed on its files' sizes and modification times, so an entry whose
    files have changed since is never used. A missing or unreadable file is ignored:
    :func:`prepare` then loads the files itself.
    """
    from incidents.present import report_data

    try:
        with open(path, "rb") as file:
            found = pickle.load(file)  # written by this run, in its own private folder
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return
    if not isinstance(found, dict) or "prepared" not in found:
        return
    for key, data in found["prepared"].items():
        if key not in _PREPARED and len(_PREPARED) < _REMEMBERED:
            _PREPARED[key] = data
    report_data.adopt_tables(found.get("tables", {}))


def _evidence_key(data_file: str, vendors_file: str) -> tuple[tuple[str, int, int], ...]:
    """Size and modification time of every file the evidence base reads
    (:func:`incidents.data.inputs.input_files`)."""
    from incidents.data import inputs

    return tuple(_file_key(path) for path in inputs.input_files(data_file or None,
                                                                 vendors_file or None))


def _file_key(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def _prepare(data_file: str, vendors_file: str, start: str, end: str,
             skip_invalid: bool) -> ReportData:
    from incidents.data import checked

    found = evidence_module.load_evidence(data_file or None, vendors_file or None,
                                          skip_invalid=skip_invalid,
                                          cache=checked.cache_dir())
    window, note = parameters.resolve_window(start, end, cutoff=found.cutoff)
    rows = event_model.event_rows(found.incidents)
    vendors_source = found.vendors.attrs.get("source_file")
    problems = found.skipped_problems
    ends = found.vendor_cutoffs + pd.Timedelta(days=1)
    return ReportData(found.incidents, found.vendors.reset_index(drop=True), window,
                      metrics.in_window(rows, window, ends),
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
    """One vendor's slice of ``data``, over its own window: from the window's start to its
    own cut-off (:attr:`ReportData.vendor_ends`), so that new data about another vendor,
    which may move the portfolio's cut-off, never changes this vendor's page."""
    vendor = parameters.check_vendor(vendor, data.vendors["vendor"])
    own_end = pd.Timestamp(data.vendor_ends.get(vendor, data.window.end))
    window = (metrics.Window(data.window.start, own_end)
              if data.window.start < own_end < data.window.end else data.window)
    found = data.evidence
    if found is not None:
        found = replace(found, records=found.records.loc[found.records["vendor"] == vendor],
                        slas=found.slas.loc[found.slas["vendor"] == vendor])
    return replace(
        data, evidence=found, window=window,
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
    for column in ("mix_a", "mix_b"):
        table[column] = pd.Series(pd.NA, index=table.index, dtype=object)
    for vendor, group in last_two.groupby("vendor"):
        if len(group) == 2:
            (y1, n1), (y2, n2) = group[["year", "events"]].itertuples(index=False)
            ratio, low, high = basis.rate_ratio(int(n2), int(n1))
            mask = table["vendor"] == vendor
            table.loc[mask, ["year_a", "count_a", "year_b", "count_b", "ratio", "ratio_low",
                             "ratio_high"]] = [y1, n1, y2, n2, ratio, low, high]
            first, second = (impact_mix(row) for _, row in group.iterrows())
            index = table.index[mask][0]
            table.at[index, "mix_a"], table.at[index, "mix_b"] = first, second
    return table


def events_cell(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (the like-for-like headline) with ``events_shown``: the count of major events
    on the basis, or, for a vendor with no rate record, "at least N" (its publicly reported
    major events): a bound prints as one, in the cell itself."""
    shown = [f"{int(n):,}" if ranked else (f"at least {int(low):,}" if pd.notna(low) else "n/a")
             for n, ranked, low in zip(table["basis_events"].fillna(0),
                                       table["ranked"].fillna(False).astype(bool),
                                       table["at_least"], strict=True)]
    return table.assign(events_shown=shown)


def rate_caption(table: pd.DataFrame) -> str:
    """The like-for-like table's caption: which interval each rate carries (exact Poisson, or
    quasi-Poisson where monthly counts are overdispersed, naming the vendors and how much
    their counts spread) and how the trend was tested (Holm only when several were)."""
    widened = table.loc[table.get("interval_method", pd.Series(dtype=object)).astype(str)
                        .str.startswith("quasi")]
    interval = "exact Poisson 95% intervals"
    if len(widened):
        named = ", ".join(f"{narrative.text(v)} ({d:.1f}x)" for v, d in zip(
            widened["vendor"], widened["dispersion"], strict=True))
        interval += (f", quasi-Poisson where monthly counts vary more than a Poisson "
                     f"process allows (variance over mean): {named}")
    tested = int(table.get("tested", pd.Series(dtype=bool)).fillna(False).astype(bool).sum())
    trend = ("Laplace test corrected for the vendors tested (Holm)" if tested > 1
             else "Laplace test")
    return f"Major incidents per year on the like-for-like basis, {interval}; trend: {trend}"


def impact_mix(year: pd.Series) -> str:
    """What a vendor posted in one year by impact, any severity: "151 in 2024 (20 outages /
    8 partial / 42 degraded / 81 advisories)" (a row of
    :func:`incidents.analysis.basis.yearly_counts`)."""
    names = {"outage": ("outage", "outages"), "partial-outage": ("partial", "partial"),
             "degradation": ("degraded", "degraded"), "advisory": ("advisory", "advisories")}
    total = sum(int(year[impact]) for impact in names)
    parts = [f"{int(year[impact]):,} {one if int(year[impact]) == 1 else many}"
             for impact, (one, many) in names.items()]
    return f"{total:,} in {int(year['year'])} ({' / '.join(parts)})"


def headline(data: ReportData, by: str | list[str], sla_target: float, min_incidents: int
             ) -> pd.DataFrame:
    """One row per group: events in the window (every record, each event once), restore
    times, change-induced share; per vendor also the like-for-like rate and trend. By
    ``product``, an event counts against every service it reaches (:func:`service_rows`).
    Remembered per data set (page one and the findings read the same table): read-only."""
    keys = [by] if isinstance(by, str) else list(by)
    return remembered(_HEADLINES, data, (tuple(keys), sla_target, min_incidents),
                      lambda: _headline(data, keys, min_incidents))


_HEADLINES = store("headlines")


def _headline(data: ReportData, keys: list[str], min_incidents: int) -> pd.DataFrame:
    inc = services.service_rows(data) if "product" in keys else data.window_incidents
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
    """Every SLA period judged (see :func:`incidents.analysis.availability.sla_periods`) under the
    impact ``rule``; a positive ``sla_target`` replaces the target of every SLA that has one
    (never adds one). Remembered per data set: treat the table as read-only."""

    def compute() -> pd.DataFrame:
        slas = data.slas.copy()
        if sla_target > 0 and len(slas):
            slas.loc[slas["target"].notna(), "target"] = sla_target
        records = getattr(data, "records", None)
        return availability.sla_periods(services.service_rows(data), data.window, slas, rule,
                                        records if records is not None and len(
                                            records.columns) else None,
                                        ends=_vendor_ends(data))

    return remembered(_SLA_TABLES, data, (sla_target, rule), compute)


_SLA_TABLES = store('sla_tables')


def _vendor_ends(data: ReportData) -> pd.Series | None:
    """Where each vendor's figures end (:attr:`ReportData.vendor_ends`); None for a stand-in
    data object without a vendor table."""
    return data.vendor_ends if isinstance(data, ReportData) else None


def sla_verdicts_both_ways(data: ReportData, sla_target: float = 0.0) -> pd.DataFrame:
    """One line per SLA (:func:`incidents.analysis.availability.sla_verdicts`), with the periods
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
    deadlines = (data.slas.set_index("sla_id")["claim_deadline"] if "claim_deadline" in
                 data.slas else pd.Series(dtype=object))
    table["claim_deadline"] = table["sla_id"].map(deadlines).astype(object).fillna("")
    return table


def enriched(rows: pd.DataFrame) -> pd.DataFrame:
    """Events whose cause, clients and mitigation a person read: those with a curated row
    (status histories rarely say why an incident happened, and a cross-posted status
    incident is not a curated one)."""
    return rows.loc[rows["curated_in_event"]]


def exposure_inputs(data: ReportData) -> tuple[pd.DataFrame, pd.Series]:
    """Basis event rows and covered years per vendor, the inputs of the exposure table."""
    spans = basis.covered_spans(data.records, data.window)
    rows = basis.on_basis(data.window_incidents, spans)
    return services.used_rows(data, rows), spans.groupby("vendor")["years"].sum()


_EXPOSURE = store('exposure')


def exposure_table(data: ReportData, min_events: int = basis.MIN_EVENTS) -> pd.DataFrame:
    """:func:`incidents.analysis.risk.exposure` of every vendor in ``data``, remembered per data set
    (each deep dive shows its vendor's rank among all; the tables are read-only)."""
    def compute() -> pd.DataFrame:
        rows, years = exposure_inputs(data)
        return risk.exposure(rows, years, data.vendors, min_events)

    return remembered(_EXPOSURE, data, (min_events,), compute)


# ---------------------------------------------------------------- provenance


APPENDIX_LIMIT = 60


def appendix_rows(data: ReportData) -> tuple[pd.DataFrame, int]:
    """The incidents a deep dive lists: curated rows first, then the longest major events, at
    most :data:`APPENDIX_LIMIT`, latest first; and how many events were left out (all of them
    are in the data files and the spreadsheet attachment)."""
    rows = data.window_incidents
    keep = rows["record_kind"].eq("curated") | basis.is_major(rows)
    ranked = rows.loc[keep].assign(_curated=rows["record_kind"].ne("curated")).sort_values(
        ["_curated", "duration_max_hours"], ascending=[True, False], na_position="last")
    chosen = ranked.head(APPENDIX_LIMIT).drop(columns="_curated").sort_values(
        "start_utc", ascending=False)
    chosen = chosen.assign(first_source=chosen["source_urls"].str.split(";").str[0],
                           duration=narrative.durations(chosen))
    return chosen, len(rows) - len(chosen)


def disagreement_line(data: ReportData, most: int = 12) -> str:
    """Where the rows of one event read it differently (a person's reading against the
    vendor's record): one line naming each event and the fields, latest first, at most
    ``most`` (the attachment's ``disagreement`` column has every value); "" when none."""
    rows = data.window_incidents
    split = rows.loc[rows["disagreement"].fillna("").ne("")].sort_values(
        "start_utc", ascending=False)
    if split.empty:
        return ""
    fields = [", ".join(f.replace("_utc", "") for f in event_model.DISAGREEMENT_FIELDS
                        if f"{f}: " in text) for text in split["disagreement"]]
    items = [f"{narrative.text(i)} ({start:%d %b %Y}: {what})" for i, start, what in zip(
        split["incident_id"], split["start_utc"], fields, strict=True)][:most]
    more = f"; {len(split) - most} more in the attachment" if len(split) > most else ""
    return ("**Where the rows of one event disagree** (the person's reading of the vendor's "
            "review is shown, a time from the vendor's record where it is finer; both values are "
            "in the attachment's disagreement column): " + "; ".join(items) + more + ".")


def published_uptime_latest(data: ReportData, periods: int = 4) -> pd.DataFrame:
    """The latest ``periods`` uptime figures each vendor published per service it names."""
    uptime = data.evidence.published_uptime if data.evidence is not None else pd.DataFrame()
    if uptime.empty:
        return uptime
    mine = uptime.loc[uptime["vendor"].isin(data.vendors["vendor"])]
    return mine.sort_values("period_end").groupby(["vendor", "service"]).tail(periods)


def recommended_actions(data: ReportData, sla_target: float = 0.0) -> list[str]:
    """:func:`incidents.present.actions.recommended` on this report's numbers."""
    from incidents.present import actions

    rows = data.window_incidents
    rates = basis.comparable_rates(rows, data.records, data.window, data.vendors["vendor"])
    unrecorded = sorted(set(rates.loc[~rates["ranked"], "vendor"]) & set(rows["vendor"]))
    events = event_model.event_table(rows)
    shared = events.loc[events["vendor_count"] > 1]
    used = services.services_shown(data)
    return actions.recommended(
        unrecorded_vendors=unrecorded,
        changes=metrics.change_induced_share(enriched(rows), "vendor"),
        incidents=enriched(rows), shared=shared,
        verdicts=sla_verdicts_both_ways(data, sla_target),
        uncovered=_named_services(availability.uncovered_services(
            services.service_rows(data).merge(used, on=["vendor", "product"]), data.slas)))


def _named_services(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without the vendors' suite-wide lines (no SLA covers "a suite", so asking
    for one would be no action)."""
    from incidents.evidence import service_hits

    if table.empty:
        return table
    suite = table["vendor"].map(service_hits.suite_line)
    return table.loc[table["product"].ne(suite)].reset_index(drop=True)


def sla_verdicts_used(data: ReportData, sla_target: float = 0.0) -> tuple[pd.DataFrame, int]:
    """SLA verdicts for the SLAs that cover a service the organisation uses, and how many
    other SLAs with a target were left out of the table."""
    verdicts = sla_verdicts_both_ways(data, sla_target)
    used = services.services_shown(data)
    covering = availability.sla_services(data.slas).merge(used, on=["vendor", "product"])
    shown = verdicts.loc[verdicts["sla_id"].isin(covering["sla_id"])]
    return shown.reset_index(drop=True), len(verdicts) - len(shown)


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
    """Whose portfolio this is and when the page was made (page one states both): the
    organisation's name and note from its file; "example" only while the shipped example
    is in use."""
    made = pd.Timestamp.now(tz="UTC").strftime("%d %b %Y")
    org = data.evidence.organisation if data.evidence is not None else None
    source = Path(data.vendors.attrs.get("source_file", config.VENDORS_CSV)).name
    if org is None:
        return f"**Portfolio:** as set in {narrative.text(source)}. **Prepared** {made}."
    name = narrative.text(org.name) if org.name else "the organisation"
    note = f" {narrative.text(org.note)}" if org.note else ""
    example = (f" The shipped example: edit {narrative.text(org.file.name)} to describe "
               "yours." if org.is_example else "")
    return f"**Prepared for {name}**, {made}.{note}{example}"


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


#: Pairs of vendors or services a co-failure table shows at most.
CO_FAILURE_ROWS = 10


def major_co_failures(data: ReportData, by: str = "vendor") -> pd.DataFrame:
    """:func:`incidents.analysis.cofailure.co_failures` of the window's major events (the
    like-for-like basis's outages and partial outages), against the overlap independence
    would give over the window."""
    rows = data.window_incidents
    return cofailure.co_failures(rows.loc[basis.is_major(rows)], by, limit=CO_FAILURE_ROWS,
                                 window_hours=data.window.hours)


def window_line(data: ReportData) -> str:
    """The window, its cut-off, and how many events it holds, in two short sentences (each
    vendor's own cut-off is on the scorecard), with any note on what was not loaded."""
    rows = data.window_incidents
    return (f"**Window:** {data.window.label()}, data to {data.cutoff:%d %b %Y}; each "
            f"vendor's figures end at its own cut-off. {data.window_note} {len(rows):,} "
            f"events across {narrative.count(rows['vendor'].nunique(), 'vendor')}, each once."
            + "".join(f" **Note:** {narrative.text(n)}" for n in (
                data.evidence.notes if data.evidence is not None else ())))


#: How both notebooks show an SLA verdict (``narrative.table`` columns).
#: The rank columns of the exposure table: the rank and its 90% interval.
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
