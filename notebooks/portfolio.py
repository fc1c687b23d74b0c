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
# How often each SaaS and cloud vendor the business depends on failed, how long service took
# to come back, whether it is getting worse, which ways in broke, how many failures came from
# the vendor's own changes, and how exposed the organisation is. Every figure below is
# computed from the public incident record in `data/incidents.csv`; every estimate carries
# its uncertainty.

# %% tags=["parameters"]
start: str = "2023-01-01"  # first day of the analysis window (UTC, inclusive), YYYY-MM-DD
end: str = ""  # last day of the window (UTC, inclusive); empty means today
sla_target: float = 0.0  # availability objective for every vendor; 0 uses each vendor's SLA
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

from incidents import metrics, narrative, plots, report, risk

weights = report.check_parameters(sla_target, min_incidents, {
    "frequency": weight_frequency, "restore": weight_restore, "trend": weight_trend,
    "change": weight_change, "broad_impact": weight_broad_impact})
data = report.prepare(data_file, vendors_file, start, end, skip_invalid)
plots.apply_style()
incidents = data.window_incidents
headline = report.headline(data, "vendor", sla_target, min_incidents)
risk_table = report.portfolio_risk(data, weights)
headline = headline.merge(risk_table[["vendor", "score", "rank", "rank_low", "rank_high"]],
                          on="vendor", how="left")

# %% [markdown]
# ## Executive summary

# %%
display(Markdown(
    f"**Window:** {data.window.label()} ({data.window.months:.0f} months). "
    f"**{narrative.count(len(incidents), 'public incident')}** across "
    f"{narrative.count(incidents['vendor'].nunique(), 'vendor')}."))
display(Markdown("\n".join(f"- {line}" for line in report.findings(
    headline, risk_table, data, min_incidents))))

# %%
display(HTML(narrative.table(headline.sort_values("rank"), {
    "vendor": ("Vendor", narrative.plain),
    "incidents": ("Incidents", narrative.plain),
    "per_year": ("Per year", lambda v: narrative.number(v, 1)),
    "outage_hours": ("Outage hours", lambda v: narrative.number(v, 1)),
    "median": ("Median restore", narrative.hours),
    "availability": ("Est. availability", narrative.availability),
    "sla_target": ("SLA", narrative.availability),
    "verdict": ("Trend", narrative.plain),
    "rank": ("Risk rank", narrative.plain),
}, caption="Headline figures per vendor (restore time: Kaplan-Meier median; availability "
           "from public incidents only)")))

# %% [markdown]
# ## When incidents happened

# %%
plots.show(plots.incident_timeline(incidents, data.window.start, data.window.end, "vendor"),
           "Timeline of every incident in the window, one row per vendor, coloured by impact.")

# %%
monthly = metrics.monthly_counts(incidents, data.window, "vendor")
plots.show(plots.monthly_frequency(monthly), "Stacked bars of incidents per month by vendor "
           "with a three-month rolling mean line.")

# %%
frequency = metrics.frequency(incidents, data.window, "vendor", groups=data.vendors)
display(HTML(narrative.table(frequency.sort_values("per_year", ascending=False), {
    "vendor": ("Vendor", narrative.plain),
    "incidents": ("Incidents", narrative.plain),
    "per_year": ("Per year", lambda v: narrative.number(v, 1)),
    "per_year_lower": ("95% CI low", lambda v: narrative.number(v, 1)),
    "per_year_upper": ("95% CI high", lambda v: narrative.number(v, 1)),
}, caption="Incidents per year with exact Poisson 95% intervals")))

# %% [markdown]
# ## How long until service returns

# %%
plots.show(plots.restore_time_distribution(incidents, "vendor"), "Hours to restore for each "
           "incident by vendor on a log scale, with box plots; open incidents marked.")

# %%
for _, row in headline.sort_values("vendor").iterrows():
    if row["incidents"] > 0:
        display(Markdown(f"**{narrative.text(row['vendor'])}.** "
                         f"{narrative.restore_sentence(row)} "
                         f"{narrative.mtbf_sentence(row, min_incidents)}"))

# %% [markdown]
# ## Is it getting worse?

# %%
trends = metrics.trend(incidents, data.window, "vendor")
outlook = metrics.outlook(incidents, data.window, "vendor")
display(HTML(narrative.table(trends.merge(outlook, on=["vendor", "n", "verdict"]), {
    "vendor": ("Vendor", narrative.plain),
    "n": ("Incidents", narrative.plain),
    "laplace_u": ("Laplace U", lambda v: narrative.number(v, 2)),
    "p_value": ("p-value", narrative.p_value),
    "beta": ("Power-law shape", lambda v: narrative.number(v, 2)),
    "verdict": ("Verdict", narrative.plain),
    "expected": ("Expected next quarter", lambda v: narrative.number(v, 1)),
    "lower": ("80% PI low", lambda v: narrative.number(v, 0)),
    "upper": ("80% PI high", lambda v: narrative.number(v, 0)),
}, caption="Trend tests over the window and expected incidents in the next 91 days")))

# %% [markdown]
# ## Which ways in break, and why

# %%
access = metrics.access_vector_matrix(incidents, "Q", data.window)
plots.show(plots.access_vector_heatmap(access),
           "Heatmap of client surfaces and protocols by quarter, counting incidents that "
           "broke each.")

# %%
plots.show(plots.cause_breakdown(metrics.breakdown(incidents, "root_cause_category"),
                                 metrics.breakdown(incidents, "mitigation", multi=True)),
           "Bar charts of incidents by root-cause category and by how service was restored.")
changes = metrics.change_induced_share(incidents, "vendor")
for _, row in changes.iterrows():
    display(Markdown(f"**{narrative.text(row['vendor'])}.** {narrative.change_sentence(row)}"))

# %% [markdown]
# ## Availability against the SLA
#
# Downtime is the union of incident intervals per vendor (overlaps count once); a degradation
# counts half an outage. Public incidents are not a tenant's measured downtime, so this is an
# estimate of exposure, not a service-credit claim.

# %%
availability = metrics.monthly_availability(incidents, data.window, "vendor", data.vendors,
                                            sla_target)
plots.show(plots.availability_against_sla(availability), "Grid of vendors by month coloured "
           "by the share of the SLA error budget used; red cells are months below target.")
below = availability.loc[availability["below_target"]].sort_values("availability")
display(HTML(narrative.table(below.head(15), {
    "vendor": ("Vendor", narrative.plain),
    "month": ("Month", narrative.plain),
    "availability": ("Est. availability", narrative.availability),
    "sla_target": ("SLA", narrative.availability),
    "budget_used": ("Error budget used", narrative.budget),
    "credit_percent": ("Credit tier (% of fee)", lambda v: narrative.number(v, 0)),
}, caption=f"Months below target: {len(below)} (worst 15 shown)")))

# %% [markdown]
# ## Vendor risk
#
# The score multiplies how much the organisation depends on a vendor (the example portfolio
# in `data/vendors.csv`) by a weighted mix of five reliability components, each scaled 0-1
# across vendors. The rank interval comes from resampling each vendor's incidents.

# %%
plots.show(plots.risk_components(risk_table, list(risk.COMPONENTS)), "Horizontal stacked "
           "bars of each vendor's risk score by component, beside its 90% rank interval.")
display(HTML(narrative.table(risk_table, {
    "rank": ("Rank", narrative.plain),
    "vendor": ("Vendor", narrative.plain),
    "dependence_weight": ("Dependence", lambda v: narrative.number(v, 1)),
    "frequency": ("Frequency", lambda v: narrative.number(v, 2)),
    "restore": ("Restore", lambda v: narrative.number(v, 2)),
    "trend": ("Trend", lambda v: narrative.number(v, 2)),
    "change": ("Change", lambda v: narrative.number(v, 2)),
    "broad_impact": ("Broad impact", lambda v: narrative.number(v, 2)),
    "score": ("Score", lambda v: narrative.number(v, 3)),
    "rank_low": ("Rank 5%", narrative.plain),
    "rank_high": ("Rank 95%", narrative.plain),
}, caption="Risk components (0-1), score and 90% rank interval")))

# %%
sensitivity = risk.weight_sensitivity(incidents, data.window, data.vendors, weights)
columns = {"vendor": ("Vendor", narrative.plain), "base": ("Rank", narrative.plain)}
columns.update({c: (c.replace("_", " "), narrative.plain) for c in sensitivity.columns
                if c.startswith(("no_", "double_"))})
display(HTML(narrative.table(sensitivity.sort_values("base"), columns,
                             caption="Rank when one weight is removed or doubled")))

# %% [markdown]
# ## Methods and caveats
#
# - **Data.** Public incidents only, as vendors and the press reported them; a vendor that
#   publishes more looks worse than one that publishes less, and an incident that hit a few
#   customers counts as downtime of the whole service. Times are UTC; a duration is the
#   middle of the range its date precisions allow (two stamps known to the same day give
#   12 h), and the medians at the extremes are kept beside the estimate.
# - **Frequency.** Incidents starting in the window divided by its length; exact (Garwood)
#   Poisson 95% intervals.
# - **MTBF.** Window hours divided by incidents, chi-square 90% bounds for a time-terminated
#   window (NIST/SEMATECH e-Handbook 8.4.5.1); not given as a point below the minimum count.
# - **Time to restore.** Kaplan-Meier median with a log-transform 95% interval (as R's
#   `survfit`), incidents still open censored; advisories and incidents whose end was never
#   published are left out. Means mislead on skewed durations and are not headline figures.
# - **Trend.** Laplace test for a time-terminated window (e-Handbook 8.2.3.4); power-law
#   (Crow-AMSAA) shape with the unbiased estimator.
# - **Availability.** Union of incident intervals per vendor, degradations weighted 0.5,
#   against the vendor's SLA target per calendar month.
# - **Risk.** See the vendor risk section: components, weights and dependence are all shown.

# %%
display(Markdown(narrative.sample_sizes(headline, len(incidents), min_incidents)))
if data.skipped:
    display(Markdown("**Rows skipped as invalid:**\n\n" + "\n".join(
        f"- {narrative.text(problem)}" for problem in data.skipped)))

# %%
display(Markdown(report.provenance(data, {
    "start": start, "end": end or "today", "sla_target": sla_target,
    "min_incidents": min_incidents, **weights})))
