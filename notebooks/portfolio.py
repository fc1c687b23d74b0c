# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Cloud vendor reliability: the portfolio
#
# How often each vendor the business depends on fails, how long until service returns, and
# what to do; every figure says what evidence it rests on and how sure it is.

# %% tags=["parameters"]
start: str = "2023-01-01"  # first day of the analysis window (UTC, inclusive), YYYY-MM-DD
end: str = ""  # last day of the window (UTC, inclusive); empty means the data cut-off
sla_target: float = 0.0  # replaces the target of every SLA that has one; 0 keeps the SLAs'
min_incidents: int = 3  # below this count a rate or MTBF is shown as a bound only
min_events: int = 10  # fewest like-for-like events for a trend verdict or an exposure rank
data_file: str = ""  # incident CSV; empty means data/incidents.csv and the records beside it
vendors_file: str = ""  # vendor CSV (dependence); empty means data/vendors.csv
skip_invalid: bool = False  # leave out invalid rows (listed in the appendix) instead of failing
previous_state: str = ""  # the last published report's state file; empty: nothing to compare
state_out: str = ""  # where this report's state is written for the next one; empty: nowhere
annex_out: str = ""  # folder for the annex attachments (CSV, JSON); empty: not written
window_slug: str = ""  # the window in the attachments' names, e.g. 2023-01-01-to-2026-11-30

# %% tags=["remove-cell"]
from pathlib import Path

from IPython.display import HTML, Markdown, display

from incidents.analysis import metrics, risk
from incidents.evidence import event_model
from incidents.present import (
    findings,
    narrative,
    parameters,
    plots,
    report,
    scorecard,
    services,
)

parameters.check_parameters(sla_target, min_incidents)
data = report.prepare(data_file, vendors_file, start, end, skip_invalid)
plots.apply_style()
incidents = data.window_incidents
headline = report.headline(data, "vendor", sla_target, min_incidents)
exposure = report.exposure_table(data, min_events)

# %% [markdown]
# ## Executive summary

# %%
display(Markdown(report.prepared_line(data)))
display(Markdown(report.window_line(data)))
card = scorecard.page_one(data, sla_target, min_incidents, min_events)
display(HTML(narrative.table(card, scorecard.COLUMNS, caption=(
    "Most worrying first (dependence x hours of full outages a year; vendors with public "
    "reports only follow). Major outages: outages and partial outages of severity 4-5 a "
    "year, 95% interval. Disruption: full outages to outages and partial outages."),
    compact=True)))
largest = findings.largest_outages_line(data)
if largest:
    display(Markdown(largest))
current = scorecard.state(data, card)
if state_out:
    scorecard.save_state(state_out, current)
display(Markdown("**What changed since the last report:**\n\n" + "\n".join(
    f"- {line}" for line in scorecard.changes(scorecard.load_state(previous_state), current,
                                             data))))
display(Markdown("**Recommended actions** (most pressing first; the rules are in the methods "
                 "appendix):\n\n" + "\n".join(
                     f"- {line}" for line in report.recommended_actions(data, sla_target))))

# %%
display(Markdown("**Findings:**\n\n" + "\n".join(f"- {line}" for line in findings.findings(
    headline, exposure, data, min_incidents))))

# %%
by_function, function_total = scorecard.function_table(data, min_events)
with_figure = by_function["without_figure"].ne(by_function["vendors"])
display(HTML(narrative.table(by_function.loc[with_figure].assign(
        critical=by_function["critical"].map({True: "critical", False: ""})), {
    "function": ("Business function", narrative.plain),
    "critical": ("", narrative.plain),
    "vendors": ("Depends on", narrative.plain),
    "events": ("Events on its services", narrative.plain),
    "hours_shortest": ("Disruption h/yr x dependence, shortest", lambda v: narrative.number(v, 1)),
    "hours_longest": ("longest", lambda v: narrative.number(v, 1)),
    "without_figure": ("No figure for", narrative.plain),
}, caption="Exposure by business function, from the services that serve it (organisation "
           "file): each event once per function, at the shortest and longest its times allow")))
if function_total:
    display(Markdown(function_total))
no_figure = by_function.loc[~with_figure, "function"]
if len(no_figure):
    display(Markdown("**No figure** (every vendor behind it lacks a complete record or enough "
                     "events for a rank): "
                     + ", ".join(narrative.text(f) for f in no_figure) + "."))

# %% [markdown]
# ## Like for like: how often each vendor fails
#
# Counts from different kinds of record are not comparable: a vendor that posts every blip
# looks worse than one that posts only disasters. The rate below counts only
# **outages and partial outages of severity 4-5 in the vendor's complete status history (or
# one captured at 95% or more), per year of covered time**; degradations and advisories never
# count. A vendor without such a record is "at least N" and is not ranked.

# %%
display(HTML(narrative.table(report.events_cell(headline).sort_values(
        ["ranked", "basis_per_year"], ascending=[False, False]), {
    "vendor": ("Vendor", narrative.plain),
    "basis": ("Basis", narrative.plain),
    "events_shown": ("Major events", narrative.plain),
    "basis_per_year": ("Per year", lambda v: narrative.number(v, 1)),
    "basis_per_year_lower": ("95% CI low", lambda v: narrative.number(v, 1)),
    "basis_per_year_upper": ("95% CI high", lambda v: narrative.number(v, 1)),
    "years_text": ("Per whole year", narrative.plain),
    "verdict": ("Trend", narrative.plain),
}, caption=report.rate_caption(headline))))

# %% [markdown]
# ## When incidents happened

# %%
plots.show(plots.incident_timeline(incidents, data.window.start, data.window.end, "vendor"),
           "Timeline of the events in the window, one row per vendor, coloured by impact.")


# %% [markdown]
# ## How long until service returns
#
# Kaplan-Meier median per vendor: incidents still open, or without an end but with a last
# update still reporting impact, count as "at least this long". A duration known only to the
# day enters at the shortest and at the longest its dates allow, so the median is a range
# where such incidents weigh on it (never a midpoint).

# %%
plots.show(plots.restore_time_distribution(incidents, "vendor"), "Hours to restore for each "
           "incident by vendor on a log scale, with box plots; open incidents marked.")

# %%
display(HTML(narrative.table(narrative.with_restore_range(
        headline.loc[headline["incidents"] > 0].sort_values("vendor")), {
    "vendor": ("Vendor", narrative.plain),
    "median_range": ("Median restore", narrative.plain),
    "median_lower": ("95% CI low", narrative.hours),
    "median_upper": ("95% CI high", narrative.hours),
    "p90": ("90th percentile", narrative.hours),
    "n": ("Incidents", narrative.plain),
    "ongoing": ("Still open", narrative.plain),
    "end_unknown": ("No end (left out)", narrative.plain),
    "imprecise": ("Known to the day (as a range)", narrative.plain),
}, caption="Time to restore: Kaplan-Meier median with its 95% interval, every record")))

# %% [markdown]
# ## Which ways in break, and why
#
# Causes, clients and protocols come from curated rows (status histories rarely say); the
# counts include the unknowns.

# %%
access = metrics.access_vector_matrix(report.enriched(incidents), "Q", data.window)
plots.show(plots.access_vector_heatmap(access),
           "Heatmap of client surfaces and protocols by quarter, counting incidents that "
           "broke each.")

# %%
display(Markdown(narrative.cause_line(
    metrics.breakdown(report.enriched(incidents), "root_cause_category"),
    metrics.breakdown(report.enriched(incidents), "mitigation", multi=True))))
changes = metrics.change_induced_share(report.enriched(incidents), "vendor")
display(HTML(narrative.table(changes.loc[(changes["yes"] + changes["no"]) > 0], {
    "vendor": ("Vendor", narrative.plain),
    "yes": ("Own change", narrative.plain),
    "no": ("Other cause", narrative.plain),
    "unknown": ("Undisclosed", narrative.plain),
    "share": ("Share of disclosed", lambda v: narrative.percent(v, 0)),
    "share_lower": ("95% CI low", lambda v: narrative.percent(v, 0)),
    "share_upper": ("95% CI high", lambda v: narrative.percent(v, 0)),
}, caption="Incidents caused by the vendor's own changes, among curated incidents (where "
           "causes are read); Clopper-Pearson 95% intervals")))

# %% [markdown]
# ## Availability per service, against the SLA that covers it
#
# An incident counts against the service it names. Impact is weighted as status pages do:
# a major outage in full, a partial outage at 30%, degraded performance not at all; an
# incident limited to one customer or to administrators does not count. The columns beside
# show only full outages, and every incident as a full outage, as the sensitivity. Public
# incidents are not a tenant's measured downtime: this is an estimate, not a credit claim.

# %%
per_service = services.availability_table(data)
display(HTML(narrative.table(services.availability_cells(
        data, per_service.sort_values(["vendor", "availability"])), {
    "vendor": ("Vendor", narrative.plain),
    "product": ("Service", narrative.plain),
    "incidents": ("Events", narrative.plain),
    "availability": ("Availability", narrative.availability),
    "availability_major_only": ("Full outages only", narrative.availability),
    "availability_every_incident": ("Every incident", narrative.availability),
    "no_end": ("No end", narrative.plain),
}, caption="Estimated availability over the window per service the organisation uses (a "
           "range where times are known only to the hour or day: longest to shortest spans)")))
basis_note = services.availability_basis_line(data)
if basis_note:
    display(Markdown(basis_note))

# %%
verdicts, other_slas = report.sla_verdicts_used(data, sla_target)
display(HTML(narrative.table(
    verdicts, {"vendor": ("Vendor", narrative.plain), **report.SLA_VERDICT_COLUMNS},
    caption="Each SLA that covers a service the organisation uses, judged in its own period "
            "on the services it covers, with partial outages at 30% and on full outages "
            "alone; a period is judged met only where the vendor's status history covers it "
            f"(whole periods only; {other_slas} other SLAs not shown)")))
missing = report.slas_without_target(data)
if len(missing):
    display(Markdown("**No verdict** (the vendor's SLA document was not found or commits to "
                     "no figure): " + "; ".join(
                         f"{narrative.text(vendor)} ({count})"
                         for vendor, count in missing.items()) + " SLAs."))
latest = report.published_uptime_latest(data, periods=2)
if len(latest):
    display(HTML(narrative.table(latest, {
        "vendor": ("Vendor", narrative.plain), "service": ("Covers", narrative.plain),
        "period_start": ("From", lambda v: f"{v:%Y-%m-%d}"),
        "period_end": ("To", lambda v: f"{v:%Y-%m-%d}"),
        "uptime": ("Published uptime", narrative.availability),
    }, caption="Uptime the vendors published themselves (the latest two periods read)")))

# %% [markdown]
# ## Exposure
#
# Expected disruption hours per year on the like-for-like basis (each major event's
# duration times its impact weight), times **the dependence the organisation set** in
# `data/vendors.csv` (an input, not a measurement). Intervals and rank intervals come from
# resampling each vendor's events. A vendor with no complete record, or too few events, gets
# no rank: nothing is imputed.

# %%
display(HTML(narrative.table(narrative.with_hours_range(
        exposure.loc[exposure["rank"].notna()]), {
    **report.RANK_COLUMNS,
    "vendor": ("Vendor", narrative.plain),
    "dependence_weight": ("Dependence (set)", lambda v: narrative.number(v, 1)),
    "events": ("Major events", narrative.plain),
    "hours_range": ("Disruption h/yr", narrative.plain),
    "hours_low": ("90% low", lambda v: narrative.number(v, 1)),
    "hours_high": ("90% high", lambda v: narrative.number(v, 1)),
    "exposure": ("Exposure", lambda v: narrative.number(v, 1)),
}, caption="Exposure = dependence x disruption hours per year, with 90% intervals")))
unranked = exposure.loc[exposure["rank"].isna()]
if len(unranked):
    display(Markdown("**Not ranked:** " + "; ".join(
        f"{narrative.text(r['vendor'])} ({r['why_no_rank']})" for _, r in unranked.iterrows())
        + "."))

# %%
rows, years = report.exposure_inputs(data)
sensitivity = risk.exposure_sensitivity(rows, years, data.vendors, min_events)
columns = {c: (c, narrative.rank) for c in sensitivity.columns}
columns["vendor"] = ("Vendor", narrative.plain)
columns["base"] = ("Rank", narrative.rank)
display(HTML(narrative.table(sensitivity.loc[sensitivity["base"].notna()], columns,
                             caption="Rank under other impact rules and dependences")))

# %% [markdown]
# ## Shared dependencies: events that touched several vendors

# %%
shared = event_model.event_table(incidents)
shared = shared.loc[shared["vendor_count"] > 1]
display(Markdown("No event in the window is linked to more than one vendor." if shared.empty
                 else "\n".join(f"- {r['start_utc']:%d %b %Y}: {narrative.text(r['title'])} "
                                f"({narrative.text(r['vendors'])})"
                                for _, r in shared.iterrows())))

# %% [markdown]
# Vendors failing at the same time (major events), whether or not an event links them, against
# the overlap two independent vendors failing that long would have by chance: a ratio well
# above 1 suggests a shared cause (a cloud region, a network provider) worth asking about.

# %%
together = report.major_co_failures(data, "vendor")
display(HTML(narrative.table(together, {
    "vendor_a": ("Vendor", narrative.plain), "vendor_b": ("and vendor", narrative.plain),
    "incidents_a": ("Its events that overlapped", narrative.plain),
    "incidents_b": ("The other's", narrative.plain),
    "overlap_hours": ("Time failing together", narrative.hours),
    "expected_hours": ("Expected by chance", narrative.hours),
    "ratio": ("Observed / expected", lambda v: narrative.number(v, 1)),
}, caption=narrative.co_failure_caption(together, "vendors"))))

# %% [markdown]
# ## Methods and caveats
#
# - **Evidence.** Every row belongs to a record: a vendor's status history (complete, or a
#   lower bound when rebuilt from polling), its list of post-incident reviews, a tenant's
#   service-health export, or curated public reports. Rows that describe one real-world
#   event are linked and counted once; curated rows add causes and clients to the event.
# - **Like for like.** Rates, trends and ranks use only outages and partial outages of
#   severity 4-5 in complete records, per year of covered time (no duration leg: a long
#   advisory is not a failure); each year-on-year finding lists everything the vendor posted
#   by impact beside it. The window ends at the data cut-off.
# - **Frequency.** Exact (Garwood) Poisson 95% intervals, quasi-Poisson where monthly counts
#   are overdispersed; a year-on-year change is a rate ratio with the exact conditional interval.
# - **Trend.** Laplace test (NIST/SEMATECH e-Handbook 8.2.3.4) on complete records covering
#   the whole window with enough events, Holm-corrected when several vendors are tested.
# - **Time to restore.** Kaplan-Meier median, log-transform 95% interval (as R's `survfit`);
#   open incidents censored at their last update with impact; a day-precise duration enters
#   at its shortest and its longest, so the median is a range, never a midpoint.
# - **Availability.** Per service, an event counting against every service it names;
#   status-page weights (outage 1, partial 0.3, degraded 0); one-customer and admin-only
#   incidents excluded; day-precise times as ranges; SLAs judged per period on certain downtime.
# - **Exposure.** Dependence (set by the organisation) x disruption hours per year on the
#   basis; Poisson-bootstrap intervals (1,000 rounds, fixed seed).
# - **Actions.** Generated by rules (`incidents.present.actions`): no complete record -> import one;
#   most disclosed causes are the vendor's changes -> change-notification and staged-rollout
#   terms; one client or protocol keeps breaking -> an alternative access path; an event
#   across vendors -> they are one dependency; an SLA period below target -> check and claim;
#   no SLA figure -> ask for the document.

# %%
display(Markdown("**What the evidence is, per vendor:**\n\n" + "\n".join(
    f"- {line}" for line in findings.evidence_lines(data))))

# %%
from incidents.present import glossary, provenance

display(Markdown(glossary.markdown(glossary.PORTFOLIO_TERMS)))

# %%
display(Markdown(narrative.sample_sizes(headline, len(incidents), min_incidents)))
if data.skipped:
    display(Markdown("**Rows skipped as invalid:**\n\n" + "\n".join(
        f"- {narrative.text(problem)}" for problem in data.skipped)))

# %%
display(Markdown(provenance.provenance(data, {
    "start": start, "end": end or "data cut-off", "sla_target": sla_target,
    "min_incidents": min_incidents, "min_events": min_events})))

# %% [markdown]
# ## Annex: third-party risk (candidates for the organisation's own classification)
#
# For the risk and compliance staff who classify ICT-related incidents under DORA and keep
# the register of information: the vendor events that may have been major incidents for this
# organisation, because they made a service behind a critical or important function
# unavailable for too long, with the facts the classification and the report template ask for
# (times, downtime, functions hit, the provider chain, the vendor's own page). It is a list of
# candidates, not a classification: whether an incident was major is the organisation's
# decision, on evidence this report cannot see (clients and transactions affected, data lost,
# cost), and the organisation owns it. The attachments (CSV and JSON) hold every candidate
# with every field.

# %%
from incidents.present import annex

display(Markdown(annex.rule_line()))
display(Markdown(annex.coverage_line(data)))

# %% tags=["remove-cell"]
if annex_out:  # the attachments: every candidate, with every field
    annex.write_annex(data, Path(annex_out), window_slug)

# %%
candidates_shown, candidates_total = annex.candidates_shown(data)
display(HTML(narrative.table(candidates_shown, annex.CANDIDATE_COLUMNS,
                             caption=annex.candidates_caption(len(candidates_shown),
                                                              candidates_total),
                             compact=True)))

# %% [markdown]
# ### Recurring incidents
#
# Events on one vendor's service within six months with the same apparent root cause, or the
# same incident logged again by the vendor: the regulation has them assessed as one incident.

# %%
display(Markdown(annex.recurrence_markdown(data)))

# %% [markdown]
# ### Where the dependence concentrates
#
# Per provider group (vendors under one owner), the services used, the critical functions
# they support, the candidates that reached them and the expected disruption in hours a year;
# then the components several vendors run on, where one failure reaches them all.

# %%
providers, shared_components = annex.concentration_tables(data)
display(HTML(narrative.table(providers, annex.PROVIDER_COLUMNS,
                             caption="Dependence per provider group")))
display(HTML(narrative.table(shared_components, annex.COMPONENT_COLUMNS,
                             caption="Components other vendors run on (as the vendor table's "
                                     "runs_on names them)")))

# %% [markdown]
# ### Evidence for the register of information
#
# Per vendor: the functions it supports, how often its outages outlasted the strictest
# recovery time objective of those functions, its longest outage, its recurrence groups, its
# least available service and its SLA record over the window.

# %%
display(HTML(narrative.table(annex.register_shown(data), annex.REGISTER_COLUMNS,
                             caption="Register-of-information evidence per vendor")))
