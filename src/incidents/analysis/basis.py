"""Like-for-like figures: rates, trends and comparisons on a stated common basis.

A vendor that posts every blip looks worse than one that posts only disasters, and a
hand-picked sample measures attention, not failure. So frequency, MTBF and trend are compared
across vendors only on one basis, stated beside every figure:

* **events** (rows of one real-world event count once, see :mod:`incidents.evidence.records`),
* that were **outages or partial outages** (a service, or part of it, unusable: not a
  degradation, not an advisory) **of severity 4 or 5** on the project's scale (Statuspage's
  ``major``/``critical``, Google's ``high``); no duration leg, since a long advisory or a
  slow page left open for days is not a failure,
* in a **rate record**: a status history or tenant export that is complete, or a lower bound
  with a stated capture of at least 95%,
* **per year of the record's covered time inside the window** (never past the data cut-off).

A vendor with only curated or review-list rows gets "at least N publicly reported major
incidents" and no rate: it is not ranked against complete records.

Trend verdicts need a rate record covering the whole window and at least ``min_events``
events; p-values of the vendors tested are corrected together (Holm), and the year-by-year
counts stand beside the verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from incidents.analysis import metrics, stats, trend_tests
from incidents.data import schema
from incidents.evidence import records as evidence

MAJOR_SEVERITY = 4
#: Impacts that count on the basis: the service, or part of it, was unusable.
MAJOR_IMPACTS = ("outage", "partial-outage")
#: Fewest events on the basis for a trend verdict (and a rate point estimate).
MIN_EVENTS = 10

BASIS_TEXT = ("outages and partial outages of severity 4 or 5, in the vendor's complete status "
              "history (or one captured at 95% or more), per year of covered time")


def is_major(rows: pd.DataFrame) -> pd.Series:
    """An outage or partial outage (:data:`MAJOR_IMPACTS`) of severity 4-5; degradations and
    advisories never count, however long or severe the vendor called them."""
    unusable = rows["impact"].astype("object").isin(MAJOR_IMPACTS)
    return unusable & (rows["severity"].astype(int) >= MAJOR_SEVERITY)


def largest_outages(rows: pd.DataFrame, since: pd.Timestamp, until: pd.Timestamp,
                    most: int = 3) -> pd.DataFrame:
    """The ``most`` largest major events (:func:`is_major`) that started in ``[since, until)``,
    from every record (a public report counts as much as a status history here: the question
    is what happened, not how often): highest severity first, then the broadest scope (the
    order of :data:`incidents.data.schema.SCOPES`), then the longest (best estimate). An event
    felt through several vendors is listed once, under its first vendor, with ``also`` naming
    the others."""
    inside = rows.loc[(rows["start_utc"] >= since) & (rows["start_utc"] < until)]
    major = inside.loc[is_major(inside)]
    if major.empty:
        return major.assign(also=pd.Series(dtype=object))
    ranked = largest_first(major)
    vendors = ranked.groupby("event", sort=False)["vendor"].agg(list)
    first = ranked.drop_duplicates("event").head(most).copy()
    first["also"] = [", ".join(v for v in vendors[event] if v != vendor)
                     for event, vendor in zip(first["event"], first["vendor"], strict=True)]
    return first.reset_index(drop=True)


def largest_first(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with the largest first: highest severity, then the broadest scope (the order
    of :data:`incidents.data.schema.SCOPES`), then the longest (the longest its times allow),
    then the earliest. Every "largest" or "worst" the report names uses this order."""
    breadth = {scope: rank for rank, scope in enumerate(schema.SCOPES)}
    hours = (rows["duration_max_hours"].fillna(rows["duration_hours"])
             if "duration_max_hours" in rows else rows["duration_hours"])
    order = rows.assign(
        _severity=rows["severity"].astype(int),
        _breadth=rows["scope"].astype("object").map(breadth).fillna(len(breadth)),
        _hours=hours.fillna(0.0)).sort_values(
        ["_severity", "_breadth", "_hours", "start_utc"],
        ascending=[False, True, False, True], kind="stable")
    return order.drop(columns=["_severity", "_breadth", "_hours"])


def covered_spans(records: pd.DataFrame, window: metrics.Window) -> pd.DataFrame:
    """Each rate record's period clipped to the window: ``record_id, vendor, s, e, years``."""
    rate = evidence.rate_records(records)
    usable = records.loc[records["record_id"].map(rate).fillna(False).astype(bool)].copy()
    usable["s"] = usable["complete_from"].clip(lower=window.start)
    usable["e"] = (usable["complete_to"] + pd.Timedelta(days=1)).clip(upper=window.end)
    usable = usable.loc[usable["e"] > usable["s"]]
    usable["years"] = (usable["e"] - usable["s"]) / pd.Timedelta(hours=metrics.HOURS_PER_YEAR)
    return usable[["record_id", "vendor", "kind", "capture", "capture_rate", "s", "e", "years",
                   "complete_from", "complete_to"]].reset_index(drop=True)


def describe_record(row: pd.Series) -> str:
    """'complete status history 24 Mar 2022 to 20 Aug 2026' and the like."""
    if row["kind"] == "curated":
        return "curated public reports (a selection, never complete)"
    period = f"{row['complete_from']:%d %b %Y} to {row['complete_to']:%d %b %Y}"
    kind = {"status-history": "status history", "tenant": "tenant service-health export",
            "review-list": "list of post-incident reviews", "curated": "curated public reports"
            }.get(row["kind"], row["kind"])
    if row["capture"] == "complete":
        return f"complete {kind} {period}"
    if row["capture"] == "lower-bound":
        rate = row.get("capture_rate")
        captured = f": {rate:.0%} of hour-long incidents captured" if not pd.isna(
            rate) else ""
        cross = ("; repeat posts counted once"
                 if row.get("vendor") in schema.CROSS_POSTING_VENDORS else "")
        return f"{kind} polled {period} (lower bound{captured}{cross})"
    return f"{kind} {period} (a selection)"


def in_rate_records(rows: pd.DataFrame, spans: pd.DataFrame) -> pd.DataFrame:
    """Event rows (one per event and vendor) of a rate record, inside its covered span,
    whatever their impact."""
    inside = rows.merge(spans[["record_id", "s", "e"]], on="record_id", how="inner")
    inside = inside.loc[(inside["start_utc"] >= inside["s"]) & (inside["start_utc"] < inside["e"])]
    return inside.drop(columns=["s", "e"])


def on_basis(rows: pd.DataFrame, spans: pd.DataFrame) -> pd.DataFrame:
    """Event rows that count on the basis: in a rate record, inside its covered span, an
    outage or partial outage of severity 4-5 (:func:`is_major`)."""
    inside = in_rate_records(rows, spans)
    return inside.loc[is_major(inside)]


def unrated_basis(records: pd.DataFrame, vendor: str, window: metrics.Window) -> str:
    """What a vendor without a rate record in the window rests on: its own status history
    where it has one that overlaps the window but cannot give a rate (polled below the capture
    threshold, or a selection), else public reports. A vendor's own history is never called
    "publicly reported"."""
    mine = records.loc[records["vendor"].eq(vendor) & records["kind"].isin(
        evidence.HISTORY_KINDS)]
    overlapping = mine.loc[(mine["complete_from"] < window.end)
                           & (mine["complete_to"] + pd.Timedelta(days=1) > window.start)]
    if overlapping.empty:
        return "publicly reported incidents only (curated or review list)"
    rates = overlapping["capture_rate"].dropna()
    why = (f"captured at {rates.min():.0%}, below the {evidence.MIN_CAPTURE:.0%} a rate needs"
           if len(rates) else "a selection, not every incident")
    return f"its own status history, not a rate: {why} (counts are lower bounds)"


def comparable_rates(rows: pd.DataFrame, records: pd.DataFrame, window: metrics.Window,
                     vendors: pd.Series | None = None, confidence: float = 0.95,
                     min_events: int = MIN_EVENTS) -> pd.DataFrame:
    """Per vendor: the basis, covered years, major events and the yearly rate with its
    interval: exact (Garwood) Poisson, or quasi-Poisson where the record's monthly counts are
    overdispersed (:func:`monthly_dispersion`; ``interval_method`` says which, ``dispersion``
    gives the factor); vendors without a rate record get ``at_least`` (the publicly reported
    major events) and ``ranked`` False.

    ``rows`` are event rows in the window (:func:`incidents.evidence.records.event_rows` after
    :func:`incidents.analysis.metrics.in_window`).
    """
    spans = covered_spans(records, window)
    names = sorted(set(rows["vendor"]) | set(spans["vendor"]) | set(
        vendors if vendors is not None else []))
    basis_rows = on_basis(rows, spans)
    table = pd.DataFrame({"vendor": pd.Series(names, dtype=object)})
    years = spans.groupby("vendor")["years"].sum()
    counts = basis_rows.groupby("vendor").size()
    table["years"] = table["vendor"].map(years).fillna(0.0)
    table["events"] = table["vendor"].map(counts).fillna(0).astype(int)
    describe = spans.assign(text=[describe_record(row) for _, row in spans.iterrows()])
    described = describe.groupby("vendor")["text"].agg("; ".join) if len(describe) else {}
    has_rate = table["years"] > 0
    table["basis"] = np.where(has_rate, table["vendor"].map(described).astype(object),
                              table["vendor"].map(lambda v: unrated_basis(records, v, window)))
    rate, lower, upper = stats.poisson_rate_bounds_array(
        table["events"].to_numpy(), np.where(has_rate, table["years"], 1.0), confidence)
    dispersion = monthly_dispersion(basis_rows, spans, window)
    table = table.merge(dispersion, on="vendor", how="left")
    widened = has_rate & table["overdispersed"].fillna(False).astype(bool)
    for i in np.flatnonzero(widened.to_numpy()):
        _, lower[i], upper[i] = stats.quasi_poisson_rate_bounds(
            int(table.at[i, "events"]), float(table.at[i, "years"]),
            float(table.at[i, "dispersion"]), confidence)
    table["interval_method"] = np.where(
        ~has_rate, "", np.where(widened, "quasi-Poisson (monthly counts overdispersed)",
                                "exact Poisson"))
    table["per_year"] = np.where(has_rate & (table["events"] >= 3), rate, np.nan)
    table["per_year_lower"] = np.where(has_rate, lower, np.nan)
    table["per_year_upper"] = np.where(has_rate, upper, np.nan)
    public = rows.loc[is_major(rows)].groupby("vendor").size()
    table["at_least"] = np.where(has_rate, np.nan, table["vendor"].map(public).fillna(0))
    table["ranked"] = has_rate.to_numpy()
    complete = spans.assign(full=spans["capture"].eq("complete")).groupby("vendor")["full"].all()
    table["complete_basis"] = table["vendor"].map(complete).fillna(False).astype(bool)
    table["enough_events"] = table["events"] >= min_events
    return table


#: Fewest whole months of a rate record for a test of overdispersion.
MIN_DISPERSION_MONTHS = 6
#: Below this p-value the monthly counts are read as overdispersed.
DISPERSION_ALPHA = 0.05


def monthly_dispersion(basis_rows: pd.DataFrame, spans: pd.DataFrame, window: metrics.Window
                       ) -> pd.DataFrame:
    """Per vendor with rate records: basis events per calendar month its records cover whole,
    their Pearson dispersion (variance over mean, :func:`stats.dispersion_test`), its p-value,
    the months used and ``overdispersed`` (at least :data:`MIN_DISPERSION_MONTHS` months and
    p below :data:`DISPERSION_ALPHA`): then the rate interval is quasi-Poisson, since incidents
    that cluster make exact Poisson intervals too narrow."""
    columns = ["vendor", "months", "dispersion", "dispersion_p", "overdispersed"]
    if spans.empty:
        return pd.DataFrame(columns=columns)
    grid = pd.date_range(window.start.normalize().replace(day=1), window.end, freq="MS")
    month_start = grid.to_numpy()[:, None]
    month_end = (grid + pd.offsets.MonthBegin(1)).to_numpy()[:, None]
    labels = grid.tz_localize(None).to_period("M")
    out = []
    for vendor, group in spans.groupby("vendor"):
        covered = ((group["s"].to_numpy()[None, :] <= month_start)
                   & (group["e"].to_numpy()[None, :] >= month_end)).any(axis=1)
        whole = labels[covered]
        starts = basis_rows.loc[basis_rows["vendor"] == vendor, "start_utc"]
        months = starts.dt.tz_localize(None).dt.to_period("M").value_counts()
        counts = months.reindex(whole, fill_value=0).astype(int).tolist()
        phi, p = stats.dispersion_test(counts) if len(counts) >= 2 else (np.nan, np.nan)
        out.append({"vendor": vendor, "months": len(whole), "dispersion": phi,
                    "dispersion_p": p, "overdispersed": bool(
                        len(whole) >= MIN_DISPERSION_MONTHS and p < DISPERSION_ALPHA)})
    return pd.DataFrame(out, columns=columns)


def yearly_counts(rows: pd.DataFrame, records: pd.DataFrame, window: metrics.Window
                  ) -> pd.DataFrame:
    """Major events per vendor and calendar year that its rate records cover completely
    (whole years inside the window only): ``vendor, year, events``, and what the vendor posted
    that year in those records by impact (any severity): one column per impact of
    :data:`incidents.data.schema.IMPACTS`, so a change in what is posted shows beside a
    change in what failed."""
    spans = covered_spans(records, window)
    posted = in_rate_records(rows, spans)
    basis_rows = posted.loc[is_major(posted)]
    out = []
    for vendor, group in spans.groupby("vendor"):
        years = [y for y in range(group["s"].min().year, group["e"].max().year + 1)
                 if any((s <= pd.Timestamp(f"{y}-01-01", tz="UTC")) and
                        (e >= pd.Timestamp(f"{y + 1}-01-01", tz="UTC"))
                        for s, e in zip(group["s"], group["e"], strict=True))]
        mine = basis_rows.loc[basis_rows["vendor"] == vendor, "start_utc"].dt.year
        counts = mine.value_counts()
        theirs = posted.loc[posted["vendor"] == vendor]
        by_impact = pd.crosstab(theirs["start_utc"].dt.year,
                                theirs["impact"].astype("object")) if len(theirs) else None
        for y in years:
            entry = {"vendor": vendor, "year": y, "events": int(counts.get(y, 0))}
            for impact in schema.IMPACTS:
                found = by_impact is not None and y in by_impact.index and impact in by_impact
                entry[impact] = int(by_impact.at[y, impact]) if found else 0
            out.append(entry)
    return pd.DataFrame(out, columns=["vendor", "year", "events", *schema.IMPACTS])


def rate_ratio(later: int, earlier: int, confidence: float = 0.95
               ) -> tuple[float, float, float]:
    """Ratio of two yearly counts (equal exposure) with the exact conditional interval.

    Given the total ``n = later + earlier``, ``later`` is binomial(n, p) with p = r / (1 + r);
    the Clopper-Pearson interval for p maps to one for r (Ulm 1990).
    """
    from scipy.special import betaincinv  # the beta quantile (``scipy.stats`` imports slowly)

    n = later + earlier
    if n == 0 or earlier == 0:
        return (float("nan"), float("nan"), float("nan"))
    tail = (1 - confidence) / 2
    low = float(betaincinv(later, earlier + 1, tail)) if later > 0 else 0.0
    high = float(betaincinv(later + 1, earlier, 1 - tail))
    return (later / earlier, low / (1 - low), high / (1 - high) if high < 1 else float("inf"))


def holm(p_values: pd.Series) -> pd.Series:
    """Holm's step-down adjusted p-values (family-wise error over the tests given)."""
    p = p_values.dropna()
    if p.empty:
        return p_values.astype(float)
    order = np.argsort(p.to_numpy(), kind="stable")
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, (m - rank) * p.iloc[index])
        adjusted[index] = min(1.0, running)
    return pd.Series(adjusted, index=p.index).reindex(p_values.index)


#: Share of the window a vendor's rate records must cover (from the window start) for a
#: trend verdict: the test then runs over the covered span, ending at the vendor's cut-off.
MIN_TREND_COVER = 0.9


def trend_verdicts(rows: pd.DataFrame, records: pd.DataFrame, window: metrics.Window,
                   min_events: int = MIN_EVENTS, alpha: float = 0.05) -> pd.DataFrame:
    """Laplace trend test per vendor on the basis, only where rate records cover the window
    from its start (to at least 90% of its length, the test then ending at the records' end)
    and there are at least ``min_events`` events; Holm-corrected across the vendors tested.
    ``verdict`` says why no verdict is given otherwise."""
    spans = covered_spans(records, window)
    basis_rows = on_basis(rows, spans)
    names = sorted(set(rows["vendor"]) | set(spans["vendor"]))
    out = []
    for vendor in names:
        mine = spans.loc[spans["vendor"] == vendor]
        entry = {"vendor": vendor, "n": 0, "distinct_times": 0, "laplace_u": np.nan,
                 "p_value": np.nan,
                 "beta": np.nan, "covers_window": False, "tested_to": pd.NaT}
        if len(mine):
            start, end = mine["s"].min(), mine["e"].max()
            entry["covers_window"] = bool(start <= window.start and (end - window.start)
                                          >= MIN_TREND_COVER * (window.end - window.start))
            span = metrics.Window(window.start, end)
            events = basis_rows.loc[(basis_rows["vendor"] == vendor)
                                    & (basis_rows["start_utc"] < end)]
            entry["n"] = len(events)
            if entry["covers_window"] and len(events):
                tested = trend_tests.trend(events, span, "vendor").iloc[0]
                entry.update(distinct_times=tested.get("distinct_times", len(events)),
                             laplace_u=tested["laplace_u"], p_value=tested["p_value"],
                             beta=tested["beta"], tested_to=end - pd.Timedelta(days=1))
        out.append(entry)
    table = pd.DataFrame(out, columns=["vendor", "n", "distinct_times", "laplace_u", "p_value",
                                       "beta", "covers_window", "tested_to"]).astype(
        {"vendor": object, "covers_window": bool, "n": int, "distinct_times": int})
    testable = table["covers_window"] & (table["n"] >= min_events) & table["p_value"].notna()
    table["p_holm"] = holm(table["p_value"].where(testable))
    table["verdict"] = np.select(
        [~table["vendor"].isin(spans["vendor"]), ~table["covers_window"],
         table["n"] < min_events,
         table["distinct_times"] < 3,  # events at one instant: no test of their spacing
         testable & (table["p_holm"] < alpha) & (table["laplace_u"] > 0),
         testable & (table["p_holm"] < alpha) & (table["laplace_u"] < 0)],
        ["no complete record", "record does not cover the window",
         f"fewer than {min_events} events", "not testable: fewer than 3 distinct start times",
         "rising", "falling"], default="no significant trend")
    table["tested"] = testable
    return table
