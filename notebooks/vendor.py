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
end: str = ""  # last day of the window (UTC, inclusive); empty means today
sla_target: float = 0.0  # availability objective; 0 uses the vendor's own SLA
min_incidents: int = 3  # below this count a rate or MTBF is shown as a bound only
weight_frequency: float = 0.30  # risk weight of incidents per year
weight_restore: float = 0.25  # risk weight of the median time to restore
weight_trend: float = 0.15  # risk weight of a rising incident rate (Laplace test)
weight_change: float = 0.10  # risk weight of the share caused by the vendor's own changes
weight_broad_impact: float = 0.20  # risk weight of the share of severe or global incidents
data_file: str = ""  # incident CSV; empty means data/incidents.csv
vendors_file: str = ""  # vendor CSV with SLAs and dependence; empty means data/vendors.csv
skip_invalid: bool = False  # leave out invalid rows (listed in the appendix) instead of failing

# %% tags=["remove-cell"]
from IPython.display import HTML, Markdown, display

from incidents import metrics, narrative, plots, report

weights = report.check_parameters(sla_target, min_incidents, {
    "frequency": weight_frequency, "restore": weight_restore, "trend": weight_trend,
    "change": weight_change, "broad_impact": weight_broad_impact})
everyone = report.prepare(data_file, vendors_file, start, end, skip_invalid)
data = report.prepare(data_file, vendors_file, start, end, skip_invalid, vendor=vendor)
plots.apply_style()
incidents = data.window_incidents
vendor_row = report.headline(data, "vendor", sla_target, min_incidents).iloc[0]
by_product = report.headline(data, "product", sla_target, min_incidents)
risk_table = report.portfolio_risk(everyone, weights)
rank = risk_table.loc[risk_table["vendor"] == vendor].iloc[0]

# %% [markdown]
# ## Executive summary

# %%
display(Markdown(f"## {narrative.text(vendor)}\n\n**Window:** {data.window.label()}. "
                 f"**{narrative.count(len(incidents), 'public incident')}**; "
                 f"{narrative.rank_sentence(rank, len(risk_table))}"))
display(Markdown("\n".join(f"- {line}" for line in [
    narrative.restore_sentence(vendor_row),
    narrative.mtbf_sentence(vendor_row, min_incidents),
    narrative.trend_sentence(vendor_row),
    narrative.change_sentence(vendor_row),
    f"Estimated availability over the window "
    f"{narrative.availability(vendor_row.get('availability'))} against an SLA of "
    f"{narrative.availability(vendor_row['sla_target'])} "
    f"({narrative.number(vendor_row.get('outage_hours'), 1)} outage hours).",
])))

# %%
display(HTML(narrative.table(by_product.sort_values("incidents", ascending=False), {
    "product": ("Product", narrative.plain),
    "incidents": ("Incidents", narrative.plain),
    "outage_hours": ("Outage hours", lambda v: narrative.number(v, 1)),
    "median": ("Median restore", narrative.hours),
    "availability": ("Est. availability", narrative.availability),
    "yes": ("Change-induced", narrative.plain),
}, caption="Per product")))

# %% [markdown]
# ## When incidents happened

# %%
plots.show(plots.incident_timeline(incidents, data.window.start, data.window.end, "product"),
           f"Timeline of {vendor} incidents by product, coloured by impact.")
plots.show(plots.monthly_frequency(metrics.monthly_counts(incidents, data.window, "product"),
                                   "product"),
           f"Stacked bars of {vendor} incidents per month by product with a rolling mean.")

# %% [markdown]
# ## How long until service returns

# %%
plots.show(plots.restore_time_distribution(incidents, "product"), f"Hours to restore for "
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

# %%
access = metrics.access_vector_matrix(incidents, "Q", data.window)
plots.show(plots.access_vector_heatmap(access),
           f"Heatmap of {vendor} client surfaces and protocols by quarter.")
plots.show(plots.cause_breakdown(metrics.breakdown(incidents, "root_cause_category"),
                                 metrics.breakdown(incidents, "mitigation", multi=True)),
           f"Bar charts of {vendor} incidents by root cause and by mitigation.")

# %%
blast = metrics.blast_radius(incidents)
pairs = metrics.co_failures(incidents)
display(Markdown(narrative.blast_sentence(blast, pairs)))
if len(pairs):
    display(HTML(narrative.table(pairs, {
        "id_a": ("Incident", narrative.plain), "service_a": ("Service", narrative.plain),
        "id_b": ("Overlapping incident", narrative.plain),
        "service_b": ("Service", narrative.plain)}, caption="Services that failed together")))

# %% [markdown]
# ## Availability against the SLA
#
# Public incidents are not a tenant's measured downtime: an estimate of exposure, not a
# service-credit claim. A degradation counts half an outage.

# %%
availability = metrics.monthly_availability(incidents, data.window, "vendor", data.vendors,
                                            sla_target)
plots.show(plots.availability_against_sla(availability), f"Estimated monthly availability "
           f"of {vendor} with its SLA target as a dashed line.")
below = availability.loc[availability["below_target"]]
display(HTML(narrative.table(below, {
    "month": ("Month", narrative.plain),
    "availability": ("Est. availability", narrative.availability),
    "budget_used": ("Error budget used", narrative.budget),
    "credit_percent": ("Credit tier (% of fee)", lambda v: narrative.number(v, 0)),
}, caption=f"Months below target: {len(below)}")))

# %% [markdown]
# ## Appendix: the incidents

# %%
display(HTML(narrative.table(incidents.sort_values("start_utc"), {
    "incident_id": ("Id", narrative.plain),
    "start_utc": ("Start (UTC)", lambda v: f"{v:%Y-%m-%d %H:%M}"),
    "start_precision": ("Known to", narrative.plain),
    "duration_hours": ("Duration", narrative.hours),
    "service": ("Service", narrative.plain),
    "title": ("Title", narrative.plain),
    "impact": ("Impact", narrative.plain),
    "root_cause_category": ("Cause", narrative.plain),
    "change_induced": ("Own change", narrative.plain),
}, caption="Every incident in the window (sources in data/incidents.csv)")))

# %% [markdown]
# ## Methods and caveats
#
# - Public incidents only, as the vendor and the press reported them; an incident that hit a
#   few customers counts as downtime of the whole service, so availability here is an
#   estimate of exposure, not a tenant's measured uptime or a service-credit claim.
# - Time to restore: Kaplan-Meier median with a log-transform 95% interval (as R's
#   `survfit`), open incidents censored, advisories and incidents with no published end left
#   out. A duration is the middle of the range its date precisions allow.
# - MTBF: chi-square 90% bounds for a time-terminated window (NIST/SEMATECH e-Handbook
#   8.4.5.1), no point estimate below the minimum count. Trend: Laplace test (e-Handbook
#   8.2.3.4) and the unbiased Crow-AMSAA shape.
# - Risk rank: the portfolio report explains the components and weights.

# %%
if data.skipped:
    display(Markdown("**Rows skipped as invalid:**\n\n" + "\n".join(
        f"- {narrative.text(problem)}" for problem in data.skipped)))
display(Markdown(report.provenance(data, {
    "vendor": vendor, "start": start, "end": end or "today", "sla_target": sla_target,
    "min_incidents": min_incidents, **weights})))
