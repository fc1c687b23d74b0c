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
# # Cloud vendor reliability: a deep dive on one vendor
#
# How often this vendor failed, service by service; how long until service returned; whether
# it is getting worse; which clients and protocols broke; how many failures came from the
# vendor's own changes; and the months its public incidents put it below its SLA.

# %% tags=["parameters"]
vendor: str = "Microsoft 365"  # vendor to analyse, as named in data/vendors.csv
start: str = "2023-01-01"  # first day of the analysis window (UTC, inclusive), YYYY-MM-DD
end: str = ""  # last day of the window (UTC, inclusive); empty means the data cut-off
sla_target: float = 0.0  # replaces the target of every SLA that has one; 0 keeps the SLAs'
min_incidents: int = 3  # below this count a rate or MTBF is shown as a bound only
min_events: int = 10  # fewest like-for-like events for a trend verdict or an exposure rank
data_file: str = ""  # incident CSV; empty means data/incidents.csv and the records beside it
vendors_file: str = ""  # vendor CSV (dependence); empty means data/vendors.csv
skip_invalid: bool = False  # leave out invalid rows (listed in the appendix) instead of failing

# %% tags=["remove-cell"]
import pandas as pd
from IPython.display import HTML, Markdown, display

from incidents.analysis import availability, cofailure, metrics, trend_tests
from incidents.present import findings, narrative, parameters, plots, report, services

parameters.check_parameters(sla_target, min_incidents)
everyone = report.prepare(data_file, vendors_file, start, end, skip_invalid)
data = report.prepare(data_file, vendors_file, start, end, skip_invalid, vendor=vendor)
plots.apply_style()
incidents = data.window_incidents
vendor_row = report.headline(data, "vendor", sla_target, min_incidents).iloc[0]
by_product = report.headline(data, "product", sla_target, min_incidents)
exposure = report.exposure_table(everyone, min_events)
mine = exposure.loc[exposure["vendor"] == vendor].iloc[0]
rank_text = (f"exposure rank {int(mine['rank'])} of {int(exposure['rank'].notna().sum())} "
             f"ranked vendors (rank {int(mine['rank_low'])}-{int(mine['rank_high'])} in 90% "
             "of resamples)" if pd.notna(mine["rank"]) else
             f"not ranked on exposure: {mine['why_no_rank']}")

# %% [markdown]
# ## Executive summary

# %%
display(Markdown(f"## {narrative.text(vendor)}\n\n**Window:** {data.window.label()}. "
                 f"Its data cut-off {data.vendor_ends[vendor] - pd.Timedelta(days=1):%d %b %Y} "
                 f"(its figures end there). {data.window_note} "
                 f"**{narrative.count(len(incidents), 'event')}**; {rank_text}."))
display(Markdown("**What the evidence is:** " + " ".join(findings.evidence_lines(data))))
basis_text = (f"{int(vendor_row['basis_events'])} major events on the like-for-like "
              f"basis ({vendor_row['basis']}): "
              f"{narrative.number(vendor_row['basis_per_year'], 1)} a year (95% CI "
              f"{narrative.number(vendor_row['basis_per_year_lower'], 1)}-"
              f"{narrative.number(vendor_row['basis_per_year_upper'], 1)}); by whole year "
              f"{narrative.text(vendor_row['years_text'])}; trend: {vendor_row['verdict']}."
              if vendor_row.get("ranked") else
              f"At least {narrative.number(vendor_row['at_least'], 0)} major incidents "
              f"({narrative.text(vendor_row['basis'])}; no rate, no trend verdict).")
display(Markdown("\n".join(f"- {line}" for line in [
    basis_text,
    narrative.restore_sentence(vendor_row),
    narrative.change_sentence(vendor_row),
])))

# %%
per_service = services.availability_table(data)
table = narrative.with_restore_range(services.service_table(
    by_product, services.availability_cells(data, per_service)[[
        "product", "availability", "availability_major_only", "availability_every_incident"]]))
display(HTML(narrative.table(table, {
    "product": ("Service", narrative.plain),
    "incidents": ("Events", narrative.plain),
    "median_range": ("Median restore", narrative.plain),
    "availability": ("Availability", narrative.availability),
    "availability_major_only": ("Full outages only", narrative.availability),
    "yes": ("Own change", narrative.plain),
}, caption="Per service the organisation uses (availability: status-page impact weights, "
           "users' scopes only)")))
basis_note = " ".join(part for part in (services.availability_basis_line(data),
                                         services.tenant_line(data, vendor)) if part)
if basis_note:
    display(Markdown(basis_note))

# %% [markdown]
# ## When incidents happened
#
# The timeline draws the products with most incidents one by one; past a dozen, the rest
# share one row ("N other products"); the service table above lists every product. The
# monthly bars show what each month held by impact, outages at the bottom: a month of
# advisories is not a bad month.

# %%
charted = plots.fold_rare_groups(incidents, "product")
plots.show(plots.incident_timeline(charted, data.window.start, data.window.end, "product"),
           f"Timeline of {vendor} incidents by product, coloured by impact.")
plots.show(plots.monthly_frequency(trend_tests.monthly_counts(incidents, data.window, "impact"),
                                   "impact"),
           f"Stacked bars of {vendor} incidents per month by impact with a rolling mean.")

# %% [markdown]
# ## How long until service returns

# %%
plots.show(plots.restore_time_distribution(charted, "product"), f"Hours to restore for "
           f"each {vendor} incident by product on a log scale.")
display(Markdown(
    f"If every imprecise time were at its earliest or latest, the plain median restore time "
    f"would be {narrative.hours(vendor_row.get('median_if_earliest'))} or "
    f"{narrative.hours(vendor_row.get('median_if_latest'))}; "
    f"{narrative.count(vendor_row.get('imprecise'), 'incident')} have a start or end known "
    f"only to the day or month. Mean (skewed, for reference only): "
    f"{narrative.hours(vendor_row.get('mean_hours'))}."))

# %% [markdown]
# ## Which clients and protocols break, and why
#
# Availability by way in: a degradation that stops every mobile user is not "available" for
# them, so each client surface or protocol (web, Windows desktop, Mac, mobile apps,
# ActiveSync, IMAP/POP, APIs, ...) gets the hours in which a report named it broken, whatever
# the impact label. Clients come from the reports a person read; status histories rarely name
# them.

# %%
curated = report.enriched(incidents)
if curated.empty:
    display(Markdown(f"No curated report of {narrative.text(vendor)} in the window: its status "
                     "history names the services that failed, not the clients, protocols or "
                     "causes, so this section has nothing to show."))
else:
    access = metrics.access_vector_matrix(curated, "Q", data.window)
    plots.show(plots.access_vector_heatmap(access),
               f"Heatmap of {vendor} client surfaces and protocols by quarter.")
    ways = services.ways_in(data)
    display(HTML(narrative.table(ways.loc[ways["hours_longest"] > 0], {
        "product": ("Service", narrative.plain), "way_in": ("Way in", narrative.plain),
        "events": ("Events", narrative.plain),
        "broken": ("Hours reported broken", narrative.plain),
        "share": ("Share of window", lambda v: narrative.number(100 * v, 2) + "%"),
    }, caption="Availability by way in: hours each client surface or protocol was reported "
               "broken, whatever the impact label (a range where times are known only to "
               "the day; 'or more' where an event has no end)")))
    display(Markdown(narrative.recurrence_line(services.recurrences(data))))
    display(Markdown(narrative.cause_line(
        metrics.breakdown(curated, "root_cause_category"),
        metrics.breakdown(curated, "mitigation", multi=True))))

# %%
# Services as the report counts them (the product of each row, the service table's rows), not
# the component lists status pages write.
# Pairs count major events only (outages and partial outages of severity 4-5), against the
# overlap two independent services failing that long would have by chance.
blast = cofailure.blast_radius(incidents, by="product")
pairs = report.major_co_failures(data, "product")
display(Markdown(narrative.blast_sentence(blast, pairs)))
if len(pairs):
    display(HTML(narrative.table(pairs, {
        "product_a": ("Service", narrative.plain), "product_b": ("and service", narrative.plain),
        "incidents_a": ("Its events that overlapped", narrative.plain),
        "incidents_b": ("The other's", narrative.plain),
        "overlap_hours": ("Time failing together", narrative.hours),
        "expected_hours": ("Expected by chance", narrative.hours),
        "ratio": ("Observed / expected", lambda v: narrative.number(v, 1)),
    }, caption=narrative.co_failure_caption(pairs, "services") + " (major events)")))

# %% [markdown]
# ## Against the SLAs that cover these services
#
# Each SLA is judged on the services it covers, in its own period (month or quarter); a
# service no SLA covers gets no verdict. Each SLA defines its own downtime (Atlassian's, for
# one, is a minute with an error rate above 5%), and a public "partial outage" may or may not
# reach it, while a full outage does: so the periods below target are counted with partial
# outages at 30% (the status pages' convention) and on full outages alone. A period can be
# judged met only where the vendor's own status history covers it: public reports alone can
# put a period below target, never above it (the table counts those periods apart, and the
# chart leaves them out). Public incidents
# are not a tenant's measured downtime: credits, where shown, are indicative only, for a
# tenant that was affected and filed a claim by the SLA's deadline.

# %%
verdicts, other_slas = report.sla_verdicts_used(data, sla_target)
display(HTML(narrative.table(
    verdicts, report.SLA_VERDICT_COLUMNS,
    caption=f"SLA verdicts per period ({other_slas} SLAs of services not used not shown)")))
for measured_per, part in report.sla_periods_used(data, sla_target):
    plots.show(plots.availability_against_sla(part, by="name", period="period", target="target",
                                              xlabel=measured_per.capitalize(), legend="SLA"),
               f"{vendor}'s estimated availability per {measured_per} on the worst covered "
               "service, against each SLA target.")
uncovered = availability.uncovered_services(services.service_rows(data), data.slas)
if len(uncovered):
    display(Markdown("**No SLA with a target covers:** " + ", ".join(
        narrative.text(p) for p in uncovered["product"]) + "."))

# %%
below, below_basis = services.months_below_target(data, vendor)
if len(below):
    display(HTML(narrative.table(below, {
        "product": ("Service", narrative.plain),
        "period": ("Month", narrative.plain),
        "downtime_hours": ("Certain downtime", narrative.hours),
        "availability": ("Availability at most", narrative.availability),
        "level": ("Against", narrative.availability),
        "ids": ("Events behind it", narrative.plain),
        "claim": ("Claim deadline", narrative.plain),
    }, caption="Months public reports alone put below target, per service used")))
else:
    display(Markdown("No whole month in the window is below target on public reports alone."))
display(Markdown(below_basis))

# %% [markdown]
# ## When the vendor's own change broke a way in
#
# The longest incidents the sources attribute to the vendor's own change and that name the
# clients that broke: what broke and for how long, why, how it was fixed, whether it came
# back, and which ways in were not reported broken.

# %%
stories = services.change_stories(data)
display(Markdown("\n\n".join(stories) if stories else
                 "No incident in the window is attributed to the vendor's own change with the "
                 "clients it broke named."))

# %% [markdown]
# ## Appendix: the incidents

# %%
listed, left_out = report.appendix_rows(data)
display(HTML(narrative.table(listed, {
    "incident_id": ("Id", narrative.plain),
    "start_utc": ("Start (UTC)", lambda v: f"{v:%Y-%m-%d %H:%M}"),
    "start_precision": ("Known to", narrative.plain),
    "duration": ("Duration", narrative.plain),
    "product": ("Service", narrative.plain),
    "title": ("Title", narrative.plain),
    "impact": ("Impact", narrative.plain),
    "change_induced": ("Own change", narrative.plain),
    "first_source": ("Source", narrative.plain),
}, caption=f"Curated rows, then the longest major events, latest first ({left_out} more "
           "events are in the spreadsheet attachment and the data files)")))
split_line = report.disagreement_line(data)
if split_line:
    display(Markdown(split_line))

# %% [markdown]
# ## Methods and caveats
#
# - Evidence: the vendor's own records where it publishes them, curated public reports
#   otherwise (the evidence line above says which). Availability is per service, weighted as
#   status pages do (outage 1, partial outage 0.3, degraded 0), leaving out incidents limited
#   to one customer or to administrators: an estimate, not a tenant's measured uptime. An event
#   counts against every service it names; times known only to the day are ranges.
# - Time to restore: Kaplan-Meier median with a log-transform 95% interval (as R's
#   `survfit`), open incidents censored, advisories and incidents with no published end left
#   out. A duration known only to the day enters at its shortest and at its longest, so the
#   median is a range there, never the middle of the day.
# - Rates and trend: like-for-like basis only (outages and partial outages of severity 4-5,
#   in a complete record, per year covered); Laplace test (e-Handbook 8.2.3.4) on this
#   vendor alone. The portfolio tests every vendor at once and corrects for that (Holm), so
#   its verdict for this vendor can be the more cautious one.
# - Exposure: the portfolio report explains it; the dependence is the organisation's input.

# %%
from incidents.present import glossary, provenance

display(Markdown(glossary.markdown()))

# %%
if data.skipped:
    display(Markdown("**Rows skipped as invalid:**\n\n" + "\n".join(
        f"- {narrative.text(problem)}" for problem in data.skipped)))
display(Markdown(provenance.provenance(data, {
    "vendor": vendor, "start": start, "end": end or "data cut-off", "sla_target": sla_target,
    "min_incidents": min_incidents, "min_events": min_events})))
