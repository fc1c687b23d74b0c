"""The third-party-risk annex: candidate major incidents, recurrences, concentration and the
evidence for the register of information, on the report's data, and its attachments.

It is written for the organisation's risk and compliance staff preparing DORA incident
classification and the register of information. It lists *candidates*: the organisation
classifies its own incidents and owns that decision (see :data:`ANNEX_NOTE`). The tests
themselves live in :mod:`incidents.analysis.third_party`; this module feeds them the report's
event rows and the organisation's functions, remembers their tables per data set, words them
for the notebook, and writes the CSV and JSON attachments
(``schemas/third-party-annex.schema.json`` describes the JSON).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from incidents.analysis import availability, recurrence, third_party
from incidents.data import organisation as profile
from incidents.present import narrative, report, safe, services
from incidents.present.report_data import ReportData, remembered, store

ANNEX_NOTE = (
    "A list of candidates, not a classification: each row is a vendor event that may meet "
    "the criteria of Delegated Regulation (EU) 2024/1772 for the organisation's critical or "
    "important functions. The organisation completes and owns the classification of its "
    "incidents and the report under Implementing Regulation (EU) 2025/302.")

#: Candidates the notebook's table shows at most (the attachments hold every one).
SHOWN_CANDIDATES = 25
#: What the availability and SLA cells say when there is nothing to show.
NO_EVENT_TEXT = "no event reported"
NO_SLA_TEXT = "no SLA target read"
SERVICE_FUNCTION_COLUMNS = ["vendor", "service", "function"]
#: How an occurrence time reads at each precision (UTC).
OCCURRED_FORMATS = {"minute": "%d %b %Y %H:%M UTC", "hour": "%d %b %Y %H:00 UTC (hour)",
                    "day": "%d %b %Y (day only)", "month": "%b %Y (month only)"}


# --- JSON -------------------------------------------------------------------------------
def json_value(value: object) -> object:
    """A cell as JSON: UTC timestamps as ISO-8601 with 'Z', None for any missing value
    (NaN, NaT, None), numpy numbers and booleans as Python ones."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        stamp = value.tz_localize("UTC") if value.tzinfo is None else value.tz_convert("UTC")
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    return value


def annex_records(table: pd.DataFrame) -> list[dict]:
    """Rows of a table (the candidates) as JSON-safe dicts (see :func:`json_value`)."""
    return [{column: json_value(value) for column, value in row.items()}
            for row in table.astype("object").to_dict("records")]


def annex_document(window_start: pd.Timestamp, window_end: pd.Timestamp,
                   candidates: pd.DataFrame, recurrences: pd.DataFrame,
                   concentration: pd.DataFrame, generated: pd.Timestamp) -> dict:
    """The third-party annex as one JSON-safe document, as described by
    ``schemas/third-party-annex.schema.json``: when it was generated, the window, the note that
    this lists candidates for the organisation to classify, the candidates
    (:func:`incidents.analysis.third_party.candidate_major_incidents`), the recurrence groups
    and the provider-group concentration table."""
    return {"generated_utc": json_value(pd.Timestamp(generated)),
            "window": {"start": json_value(pd.Timestamp(window_start)),
                       "end": json_value(pd.Timestamp(window_end))},
            "note": ANNEX_NOTE, "candidates": annex_records(candidates),
            "recurrences": annex_records(recurrences),
            "concentration": annex_records(concentration)}


# --- the tables, on a data set ----------------------------------------------------------
def annex_inputs(data: ReportData) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame,
                                            pd.DataFrame]:
    """What every test of the annex reads: (event rows one per service reached
    (:func:`incidents.present.services.service_rows`), the organisation's functions
    (``function, critical, rto_hours, cost_per_hour, services``), which service serves which
    function (``vendor, service, function``), the vendor table). Without an organisation
    file both middle tables are empty (with their columns), and nothing can be a candidate."""
    rows = services.service_rows(data)
    found = data.evidence.organisation if data.evidence is not None else None
    if found is None:
        functions = pd.DataFrame(columns=profile.FUNCTION_COLUMNS)
        served = pd.DataFrame(columns=SERVICE_FUNCTION_COLUMNS)
    else:
        functions, served = found.functions, profile.service_functions(found)
    return rows, functions, served, data.vendors


def critical_functions(data: ReportData) -> list[str]:
    """Names of the critical or important functions the organisation file describes."""
    functions = annex_inputs(data)[1]
    return [str(f) for f in functions.loc[functions["critical"].eq(True), "function"]]


def candidates(data: ReportData) -> pd.DataFrame:
    """:func:`incidents.analysis.third_party.candidate_major_incidents` on the report's window
    (hours, UTC), remembered per data set: treat the table as read-only."""
    return remembered(_CANDIDATES, data, (), lambda: third_party.candidate_major_incidents(
        *annex_inputs(data)))


_CANDIDATES = store('candidates')


def recurrences(data: ReportData) -> pd.DataFrame:
    """:func:`incidents.analysis.third_party.recurrence_groups` on the window's event rows
    (RTS 2024/1772 Art. 8(2)), remembered per data set: treat the table as read-only."""
    return remembered(_RECURRENCES, data, (), lambda: third_party.recurrence_groups(
        services.service_rows(data)))


_RECURRENCES = store('recurrences')


def exposure_hours(data: ReportData) -> pd.Series:
    """Expected disruption per vendor, hours a year on the like-for-like basis
    (``hours_per_year`` of :func:`incidents.present.report.exposure_table`), by vendor; NaN
    where the vendor has no figure."""
    table = report.exposure_table(data)
    return table.set_index("vendor")["hours_per_year"].astype(float)


def concentration_tables(data: ReportData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per provider group, per shared component):
    :func:`incidents.analysis.third_party.concentration` with :func:`exposure_hours`,
    remembered per data set: treat the tables as read-only."""
    def compute() -> tuple[pd.DataFrame, pd.DataFrame]:
        rows, functions, served, vendors = annex_inputs(data)
        return third_party.concentration(rows, candidates(data), exposure_hours(data),
                                         vendors, functions, served)

    return remembered(_CONCENTRATION, data, (), compute)


_CONCENTRATION = store('concentration')


def lowest_availability(data: ReportData) -> pd.DataFrame:
    """Per vendor (``vendor, availability``), its service of lowest availability over the
    window as text, e.g. "Exchange Online 99.970%": a range where times known only to the
    day allow several values (longest spans first), "at most" where the figure rests on
    public reports that miss incidents (:func:`incidents.present.services.upper_bound_vendors`),
    :data:`NO_EVENT_TEXT` where no event reached any of its services shown."""
    table = services.availability_table(data)
    weak = services.upper_bound_vendors(data, set(table["vendor"]))
    out = []
    for vendor in data.vendors["vendor"]:
        mine = table.loc[(table["vendor"] == vendor) & table["incidents"].gt(0)]
        if mine.empty:
            out.append((vendor, NO_EVENT_TEXT))
            continue
        worst = mine.loc[mine["availability"].astype(float).idxmin()]
        shown = narrative.value_range(worst.get("availability_longest", worst["availability"]),
                                      worst["availability"], narrative.availability)
        out.append((vendor, f"{worst['product']} {'at most ' if vendor in weak else ''}"
                            f"{shown}"))
    return pd.DataFrame(out, columns=["vendor", "availability"])


def sla_summary(data: ReportData) -> pd.DataFrame:
    """Per vendor (``vendor, sla``): "N of M judged months below target", the whole periods
    (months or quarters) of its SLA with most periods below target under the SLA's own target
    (:func:`incidents.analysis.availability.sla_verdicts`), and how many of those periods rest
    on public reports only (they can show a miss, never a month met); :data:`NO_SLA_TEXT`
    where no SLA with a target covers a service the organisation uses."""
    if data.slas.empty:
        return pd.DataFrame({"vendor": data.vendors["vendor"], "sla": NO_SLA_TEXT})
    verdicts = availability.sla_verdicts(report.sla_table(data, 0.0))
    covering = availability.sla_services(data.slas).merge(services.services_shown(data),
                                                          on=["vendor", "product"])
    verdicts = verdicts.loc[verdicts["sla_id"].isin(covering["sla_id"])]
    out = []
    for vendor in data.vendors["vendor"]:
        mine = verdicts.loc[verdicts["vendor"] == vendor]
        if mine.empty:
            out.append((vendor, NO_SLA_TEXT))
            continue
        worst = mine.loc[mine["below"].astype(int).idxmax()]
        judged = int(worst["periods"]) + int(worst["unrecorded"])
        unit = f"{worst['measured_per']}{'' if judged == 1 else 's'}"
        text = f"{int(worst['below'])} of {judged} judged {unit} below target"
        if int(worst["unrecorded"]):
            text += f" ({int(worst['unrecorded'])} on public reports only)"
        if len(mine) > 1:
            text += f", the worst of {len(mine)} SLAs"
        out.append((vendor, text))
    return pd.DataFrame(out, columns=["vendor", "sla"])


def register_table(data: ReportData) -> pd.DataFrame:
    """:func:`incidents.analysis.third_party.register_evidence` per vendor, with
    :func:`lowest_availability` and :func:`sla_summary` merged in as ``availability`` and
    ``sla``; remembered per data set: treat the table as read-only."""
    def compute() -> pd.DataFrame:
        rows, functions, served, vendors = annex_inputs(data)
        return third_party.register_evidence(rows, functions, served, vendors,
                                             availability=lowest_availability(data),
                                             sla=sla_summary(data))

    return remembered(_REGISTER, data, (), compute)


_REGISTER = store('register')


# --- words ------------------------------------------------------------------------------
def rule_line() -> str:
    """The rule the candidates follow and its legal sources, in one paragraph."""
    hours = third_party.DOWNTIME_THRESHOLD_HOURS
    months = round(recurrence.WITHIN / pd.Timedelta(days=30.5))
    return (
        "**The rule.** A vendor event is listed when it made a service that supports a "
        "critical or important function unavailable (an outage or partial outage, reached "
        f"directly or through a provider the service runs on) for longer than {hours:g} "
        "hours, or than the function's recovery time objective where that is shorter "
        "(Commission Delegated Regulation (EU) 2024/1772, Art. 9: service downtime); an event "
        "whose length is unknown is listed when it reached all users or a whole region. "
        f"Events that recur on one service within {months} months with the same apparent "
        "root cause, or that the vendor logged again as re-logs, form one recurrence group "
        "(Art. 8(2): assessed as one incident). The columns prefill fields of the "
        "major-incident template of Commission Implementing Regulation (EU) 2025/302. These "
        "are candidates for the organisation's own classification, never a classification.")


def coverage_line(data: ReportData) -> str:
    """Which critical or important functions the candidates were tested against, or that no
    organisation file describes any (then nothing can be a candidate)."""
    named = critical_functions(data)
    if not named:
        return ("**No organisation file describes critical or important functions**, so no "
                "event can be a candidate: describe them (whether each is critical, its "
                "recovery time objective, the services that serve it) in the organisation "
                "file and run the report again.")
    found = candidates(data)
    return (f"**Tested against** {narrative.count(len(named), 'critical or important function')}"
            f" of the organisation file ({', '.join(narrative.text(n) for n in named)}): "
            f"{narrative.count(len(found), 'candidate')} in {data.window.label()}.")


def occurred_text(stamp: object, precision: object) -> str:
    """An occurrence time as its precision allows: "29 Oct 2025 15:41 UTC",
    "11 Sep 2025 (day only)"; "" when missing."""
    if stamp is None or stamp is pd.NaT or (isinstance(stamp, float) and math.isnan(stamp)):
        return ""
    chosen = OCCURRED_FORMATS.get(str(precision), OCCURRED_FORMATS["minute"])
    return pd.Timestamp(stamp).tz_convert("UTC").strftime(chosen)


def duration_text(shortest: object, longest: object) -> str:
    """A candidate's downtime as the range its times allow ("8.4 h", "up to 24 h"), or
    "no known end"."""
    if pd.isna(shortest) and pd.isna(longest):
        return "no known end"
    return narrative.value_range(shortest, longest)


def candidates_shown(data: ReportData, limit: int = SHOWN_CANDIDATES
                     ) -> tuple[pd.DataFrame, int]:
    """At most ``limit`` candidates for the notebook's table, and how many there are.

    One vendor can hold most of the list (a status page posting every regional incident), so
    the rows are chosen in rounds: each vendor's longest outage (longest possible duration,
    unknown lengths last), then each one's second longest, and so on; shown by occurrence.
    Adds ``occurred`` (:func:`occurred_text`) and ``duration`` (:func:`duration_text`).
    """
    found = candidates(data)
    # Events with a second criterion besides downtime (breadth) first: a candidate on
    # downtime alone (one location, or who was reached unknown) is the weaker case.
    found = found.assign(_weak=found["second_criterion"].fillna("").eq(""))
    ranked = found.assign(_longest=found["duration_max_hours"].astype(float)).sort_values(
        "_longest", ascending=False, na_position="last", kind="stable")
    ranked = ranked.assign(_round=ranked.groupby("vendor", sort=False).cumcount())
    chosen = ranked.sort_values(["_weak", "_round", "_longest"],
                                ascending=[True, True, False], na_position="last",
                                kind="stable").head(limit)
    chosen = chosen.sort_values("occurred_utc", kind="stable").drop(columns=["_longest",
                                                                             "_round", "_weak"])
    return chosen.assign(
        occurred=[occurred_text(s, p) for s, p in zip(
            chosen["occurred_utc"], chosen["occurred_precision"], strict=True)],
        duration=[duration_text(lo, hi) for lo, hi in zip(
            chosen["duration_min_hours"], chosen["duration_max_hours"], strict=True)],
    ).reset_index(drop=True), len(found)


def candidates_caption(shown: int, total: int, window_slug: str = "") -> str:
    """The candidates table's caption: how many are shown of how many, and where the rest
    are."""
    files = (f"third-party-annex-{window_slug}.csv and .json" if window_slug
             else "the third-party annex attachments (CSV and JSON)")
    if total == 0:
        return "No candidate major incident in the window"
    if shown >= total:
        return (f"All {narrative.count(total, 'candidate major incident')}; {files} hold "
                "every field")
    return (f"{shown} of {narrative.count(total, 'candidate major incident')} (those whose "
            "sources show breadth first, then each vendor's longest, in rounds); "
            f"{files} hold all {total:,} with every field")


def recurrence_lines(data: ReportData) -> list[str]:
    """One Markdown line per recurrence group: the vendor, then the group's sentence
    (data text escaped)."""
    groups = recurrences(data)
    return [f"**{narrative.text(vendor)}:** {narrative.text(sentence)}"
            for vendor, sentence in zip(groups["vendor"], groups["sentence"], strict=True)]


def recurrence_markdown(data: ReportData) -> str:
    """:func:`recurrence_lines` as a Markdown list, or one sentence when nothing recurred."""
    lines = recurrence_lines(data)
    if not lines:
        return ("No event recurred on one service within six months with the same apparent "
                "root cause, and none was logged again as a re-log.")
    return "\n".join(f"- {line}" for line in lines)


#: How the notebook shows each annex table (``narrative.table`` columns).
CANDIDATE_COLUMNS: dict[str, tuple[str, narrative.Formatter]] = {
    "vendor": ("Vendor", narrative.plain),
    "incident_id": ("Incident", narrative.plain),
    "occurred": ("Occurred", narrative.plain),
    "duration": ("Downtime", narrative.plain),
    "functions_hit": ("Critical functions hit", narrative.plain),
    "via": ("Through", narrative.plain),
    "test_met": ("Downtime test", narrative.plain),
    "second_criterion": ("Breadth", narrative.plain),
    "recurrence_group": ("Recurrence group", narrative.plain),
    "tenant_affected": ("Tenant hit", narrative.plain),
}
PROVIDER_COLUMNS: dict[str, tuple[str, narrative.Formatter]] = {
    "provider_group": ("Provider group", narrative.plain),
    "vendors": ("Vendors", narrative.plain),
    "services": ("Services used", narrative.plain),
    "critical_functions": ("Critical functions supported", narrative.plain),
    "candidates": ("Candidates", narrative.plain),
    "expected_disruption_hours_a_year": ("Expected disruption h/yr",
                                         lambda v: narrative.number(v, 1)),
    "vendors_without_figure": ("Vendors without a figure", narrative.plain),
}
COMPONENT_COLUMNS: dict[str, tuple[str, narrative.Formatter]] = {
    "component": ("Shared component", narrative.plain),
    "dependants": ("Vendors running on it", narrative.plain),
    "events": ("Events on it", narrative.plain),
    "candidates": ("Candidates among them", narrative.plain),
}
REGISTER_COLUMNS: dict[str, tuple[str, narrative.Formatter]] = {
    "vendor": ("Vendor", narrative.plain),
    "functions_supported": ("Functions", narrative.plain),
    "critical_functions": ("Critical functions", narrative.plain),
    "over_rto": ("Outages over the strictest RTO", narrative.plain),
    "longest_outage": ("Longest outage", narrative.plain),
    "recurrence_groups": ("Recurrence groups", narrative.plain),
    "availability": ("Lowest service availability", narrative.plain),
    "sla": ("SLA", narrative.plain),
}


def register_shown(data: ReportData) -> pd.DataFrame:
    """:func:`register_table` with ``longest_outage``: "<id> (<hours>)", or "-"."""
    table = register_table(data)
    return table.assign(longest_outage=[
        f"{i} ({h})" if isinstance(i, str) and i else "-"
        for i, h in zip(table["longest_outage_id"], table["longest_outage_hours"],
                        strict=True)])


# --- attachments ------------------------------------------------------------------------
def annex_name(window_slug: str, suffix: str) -> str:
    """The file name of an annex attachment: it names the window, since it travels alone."""
    return f"third-party-annex-{window_slug}{suffix}"


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its durations rounded to 2 decimals (hours)."""
    return table.assign(duration_min_hours=table["duration_min_hours"].astype(float).round(2),
                        duration_max_hours=table["duration_max_hours"].astype(float).round(2))


def annex_document_of(data: ReportData, generated: pd.Timestamp | None = None) -> dict:
    """:func:`annex_document` of ``data``'s window, generated at ``generated`` (now)."""
    providers, _ = concentration_tables(data)
    return annex_document(data.window.start, data.window.end, _rounded(candidates(data)),
                          recurrences(data), providers,
                          generated if generated is not None else pd.Timestamp.now(tz="UTC"))


def write_annex(data: ReportData, folder: Path, window_slug: str) -> list[Path]:
    """Write the annex beside the report: ``third-party-annex-<window_slug>.csv`` (the
    candidates, durations rounded to 2 decimals, formula-like cells neutralised by
    :func:`incidents.present.safe.write_spreadsheet_csv`) and ``...json``
    (:func:`annex_document`, generated now; the tests check it against its schema). Returns
    both paths."""
    csv_path = safe.write_spreadsheet_csv(_rounded(candidates(data)),
                                          folder / annex_name(window_slug, ".csv"))
    json_path = folder / annex_name(window_slug, ".json")
    json_path.write_text(json.dumps(annex_document_of(data), indent=1, ensure_ascii=False)
                         + "\n", encoding="utf-8")
    return [csv_path, json_path]
