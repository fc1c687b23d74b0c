"""Availability per service, and against each SLA as the vendor wrote it.

Rules, stated once (the report's methods appendix repeats them):

* **Per service.** An incident counts against the service it names (its ``product``), never
  against the vendor as a whole.
* **Times as ranges.** An incident counts over its shortest span (the downtime that
  certainly happened: SLA periods below target, the headline) and, beside it, its longest;
  a time known only to the day is never read as its midday.
* **Impact weights** follow the convention status pages publish (Atlassian Statuspage's
  uptime): a major outage counts in full, a partial outage at 30%, degraded performance and
  advisories not at all (:data:`incidents.data.schema.IMPACT_WEIGHTS`). Where incidents overlap,
  each instant counts at the heaviest weight in force. Two other rules are shown beside it as
  the sensitivity, never as the headline: ``major-only`` (only full outages count) and
  ``every-incident`` (every incident a full outage, whoever it reached).
* **Scope.** An incident limited to one customer or to administrators does not count against
  users' availability (it is still an incident).
* **Unfinished.** An incident with no published end counts until its last update that still
  reported impact, when there is one; otherwise it is left out, and counted (``no_end``), so
  availability is an upper bound.
* **SLAs as written.** An incident counts against an SLA only if the SLA covers its service,
  and each covered service is measured on its own (the period shows its worst service);
  the verdict is given per the SLA's own period (month or quarter); a service no SLA covers,
  or an SLA with no target, gets no verdict. Credits are indicative only.
* **Met needs a record.** A period can be judged met only where a status history or tenant
  record of the vendor covers it whole; public reports alone can put a period below target
  (the downtime they show happened) but never above it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from incidents.analysis import metrics
from incidents.data import schema
from incidents.evidence import records as evidence

RULES: dict[str, dict[str, float]] = {
    "status-page": dict(schema.IMPACT_WEIGHTS),
    "major-only": {"outage": 1.0, "partial-outage": 0.0, "degradation": 0.0, "advisory": 0.0},
    "every-incident": {"outage": 1.0, "partial-outage": 1.0, "degradation": 1.0,
                       "advisory": 1.0},
}


def weights(rows: pd.DataFrame, rule: str = "status-page") -> np.ndarray:
    """Each row's weight in downtime under ``rule`` (scope included, except for
    ``every-incident``)."""
    table = RULES[rule]
    weight = rows["impact"].astype("object").map(table).fillna(0.0).to_numpy(dtype=float)
    if rule != "every-incident":
        users = rows["scope"].astype("object").fillna("unknown").isin(schema.USER_SCOPES)
        weight = np.where(users.to_numpy(), weight, 0.0)
    return weight


#: The two ends of what an incident's times allow: its shortest and its longest span.
ENDS = ("shortest", "longest")


def _spans(rows: pd.DataFrame, rule: str, ends: str = "shortest") -> pd.DataFrame:
    """Rows with a usable interval and a positive weight: ``w``, ``s``, ``e``.

    A time known only to the hour or the day is a range, never a midpoint: ``shortest``
    starts an incident at the end of its start's range and ends it at its published end
    (downtime that certainly happened); ``longest`` starts it at the start of the range and
    ends it at the latest end its precision (or a poll) allows. An incident with no end but a
    last update with impact, or still open, runs until then either way.
    """
    if ends not in ENDS:
        raise ValueError(f"ends must be one of {ENDS}, got {ends!r}")
    spans = rows.assign(w=weights(rows, rule))
    spans = spans.loc[spans["end_known"] & (spans["w"] > 0) & spans["end_mid"].notna()]
    start = spans["start_utc"]
    latest_start = start + 2 * (spans["start_mid"] - start)
    resolved = spans["resolved"].to_numpy(dtype=bool)
    hour = pd.Timedelta(hours=1)
    if ends == "shortest":
        begin = latest_start
        finish = np.where(resolved, latest_start + spans["duration_min_hours"].fillna(0) * hour,
                          np.maximum(spans["end_mid"], latest_start))
    else:
        begin = start
        finish = np.where(resolved, start + spans["duration_max_hours"].fillna(0) * hour,
                          spans["end_mid"])
    return spans.assign(s=begin, e=pd.to_datetime(pd.Series(finish, index=spans.index),
                                                  utc=True))


def weighted_hours(pieces: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Per group of ``keys``: sum over weight levels of (union at that weight or more minus
    union at the next heavier level) x weight, so overlaps count once at the heaviest."""
    if pieces.empty:
        return pd.Series(dtype=float)
    levels = sorted(pieces["w"].unique(), reverse=True)
    total, heavier = None, None
    for level in levels:
        chosen = pieces.loc[pieces["w"] >= level]
        union = metrics.union_hours(chosen[keys], chosen["s"], chosen["e"])
        part = union if heavier is None else union.sub(heavier, fill_value=0.0)
        total = part * level if total is None else total.add(part * level, fill_value=0.0)
        heavier = union
    return total


def periods(window: metrics.Window, period: str) -> pd.DataFrame:
    """Calendar months or quarters overlapping the window: ``period``, ``s``, ``e``,
    ``complete`` (the whole period lies inside the window)."""
    freq = {"month": "MS", "quarter": "QS"}[period]
    start = pd.Timestamp(window.start)
    month = (start.month - 1) // 3 * 3 + 1 if period == "quarter" else start.month
    first = pd.Timestamp(year=start.year, month=month, day=1, tz="UTC")
    starts = pd.date_range(first, window.end, freq=freq, inclusive="left")
    ends = starts + (pd.offsets.QuarterBegin(1, startingMonth=1) if period == "quarter"
                     else pd.offsets.MonthBegin(1))
    label = [f"{s.year}-Q{(s.month - 1) // 3 + 1}" if period == "quarter" else f"{s:%Y-%m}"
             for s in starts]
    table = pd.DataFrame({"period": label, "s": np.maximum(starts, window.start),
                          "e": np.minimum(ends, window.end)})
    table["complete"] = (starts >= window.start) & (ends <= window.end)
    return table


def _clip_to_periods(spans: pd.DataFrame, keys: list[str], grid: pd.DataFrame) -> pd.DataFrame:
    pieces = spans[[*keys, "w", "s", "e"]].merge(
        grid.rename(columns={"s": "ps", "e": "pe"}), how="cross")
    pieces = pieces.loc[(pieces["s"] < pieces["pe"]) & (pieces["e"] > pieces["ps"])]
    return pieces.assign(s=pieces[["s", "ps"]].max(axis=1), e=pieces[["e", "pe"]].min(axis=1))


def clipped(spans: pd.DataFrame, window: metrics.Window, ends: pd.Series | None
            ) -> pd.DataFrame:
    """``spans`` (``s``, ``e``) cut to the window and, with ``ends`` (vendor -> timestamp),
    to each vendor's own end."""
    stop = (spans["vendor"].map(ends).fillna(window.end) if ends is not None and len(spans)
            else window.end)
    return spans.assign(s=spans["s"].clip(lower=window.start).clip(upper=stop),
                        e=spans["e"].clip(lower=window.start).clip(upper=stop))


def covered_hours(vendors: pd.Series, window: metrics.Window, ends: pd.Series | None
                  ) -> np.ndarray:
    """Hours from the window's start to each vendor's end (``ends``; the window's end
    without one): the denominator of its availability."""
    if ends is None:
        return np.full(len(vendors), window.hours)
    stop = pd.to_datetime(vendors.map(ends), utc=True).fillna(window.end)
    return ((stop - window.start) / pd.Timedelta(hours=1)).clip(lower=1e-9).to_numpy(
        dtype=float)


def service_availability(rows: pd.DataFrame, window: metrics.Window,
                         services: pd.DataFrame | None = None,
                         ends: pd.Series | None = None) -> pd.DataFrame:
    """Availability over the window per vendor and service (``product``) under each rule.

    ``services`` (``vendor``, ``product``) lists the services to show, quiet ones at 100%;
    by default every service with an incident. Columns: ``availability`` (status-page
    weights, the headline, with every incident at its shortest span: the downtime that
    certainly happened), ``availability_longest`` (the same with every incident at its
    longest span: the two differ where times are known only to the hour or day, and the
    truth lies between), ``downtime_hours`` and ``downtime_longest_hours``,
    ``availability_major_only``, ``availability_every_incident``, ``incidents``, ``no_end``
    (left out: no end and no last update with impact). With ``ends`` (vendor -> timestamp)
    each vendor is measured from the window's start to its own end (``covered_hours``).
    """
    keys = ["vendor", "product"]
    shown = rows[keys].drop_duplicates() if services is None else services[keys]
    table = shown.drop_duplicates().reset_index(drop=True)
    table["covered_hours"] = covered_hours(table["vendor"], window, ends)
    for rule, which, column in (("status-page", "shortest", "availability"),
                               ("status-page", "longest", "availability_longest"),
                               ("major-only", "shortest", "availability_major_only"),
                               ("every-incident", "shortest", "availability_every_incident")):
        spans = clipped(_spans(rows, rule, which), window, ends)
        hours = weighted_hours(spans, keys)
        lost = pd.MultiIndex.from_frame(table[keys]).map(
            lambda k, h=hours: h.get(k, 0.0)).to_numpy(dtype=float) if len(hours) else 0.0
        table[column] = 1 - np.asarray(lost) / table["covered_hours"].to_numpy()
        if rule == "status-page":
            table["downtime_hours" if which == "shortest" else "downtime_longest_hours"] = lost
    counts = rows.groupby(keys, observed=True).size()
    no_end = rows.loc[~rows["end_known"]].groupby(keys, observed=True).size()
    index = pd.MultiIndex.from_frame(table[keys])
    table["incidents"] = counts.reindex(index).fillna(0).astype(int).to_numpy()
    table["no_end"] = no_end.reindex(index).fillna(0).astype(int).to_numpy()
    return table


def way_in_hours(rows: pd.DataFrame, window: metrics.Window, ends: pd.Series | None = None
                 ) -> pd.DataFrame:
    """Availability by way in: per vendor, service and way in (:data:`schema.WAYS_IN`), the
    hours in which that way in was reported broken, whatever the impact label.

    A degradation that stops every mobile user is an outage for that way in: every row that
    names a client of the group counts in full, over its shortest span (``hours``) and its
    longest (``hours_longest``); overlapping incidents count once. ``events`` counts the rows,
    ``no_end`` those with no end and no last update with impact (left out of the hours, so
    those are lower bounds there). ``share`` is ``hours`` over the window. Rows that name no
    client (status histories rarely do) are not in the table.
    """
    columns = ["vendor", "product", "way_in", "events", "no_end", "hours", "hours_longest",
               "share"]
    group_of = {term: way for way, terms in schema.WAYS_IN.items() for term in terms}
    rows = rows.reset_index(drop=True)  # a row per service reached repeats an index
    ways = metrics.multi_values(rows["affected_clients"].astype("object")).map(
        group_of).dropna()
    if ways.empty:
        return pd.DataFrame(columns=columns)
    pairs = pd.DataFrame({"row": ways.index, "way_in": ways.to_numpy()}).drop_duplicates()
    expanded = rows.loc[pairs["row"]].assign(way_in=pairs["way_in"].to_numpy())
    keys = ["vendor", "product", "way_in"]
    table = expanded.groupby(keys, observed=True).agg(
        events=("end_known", "size"), no_end=("end_known", lambda k: int((~k).sum())))
    for which, column in (("shortest", "hours"), ("longest", "hours_longest")):
        spans = clipped(_spans(expanded, "every-incident", which), window, ends)
        table[column] = metrics.union_hours(spans[keys], spans["s"], spans["e"]).reindex(
            table.index).fillna(0.0) if len(spans) else 0.0
    table["share"] = table["hours"] / covered_hours(
        table.index.get_level_values("vendor").to_series(), window, ends)
    return table.reset_index().sort_values(["vendor", "product", "hours_longest"], ascending=[
        True, True, False]).reset_index(drop=True)[columns]


def sla_services(slas: pd.DataFrame) -> pd.DataFrame:
    """One row per SLA and service it covers: ``sla_id, vendor, product``."""
    pairs = slas[["sla_id", "vendor", "services"]].assign(
        product=slas["services"].str.split(";")).explode("product")
    pairs["product"] = pairs["product"].str.strip()
    return pairs.loc[pairs["product"].ne("")].drop(columns="services")


def full_records(records: pd.DataFrame) -> pd.DataFrame:
    """The vendors' status histories and tenant records that hold every incident they saw
    (complete, or a stated lower bound; not a selection): ``vendor, complete_from,
    complete_to``."""
    if records.empty:
        return pd.DataFrame(columns=["vendor", "complete_from", "complete_to"])
    chosen = records["kind"].isin(evidence.HISTORY_KINDS) & records["capture"].ne("selection")
    return records.loc[chosen, ["vendor", "complete_from", "complete_to"]]


def recorded_share(records: pd.DataFrame, window: metrics.Window) -> pd.Series:
    """Per vendor with a full record (:func:`full_records`): the share of the window its
    records cover (overlapping records count once)."""
    full = full_records(records)
    if full.empty:
        return pd.Series(dtype=float)
    spans = full.assign(
        s=lambda f: f["complete_from"].clip(lower=window.start),
        e=lambda f: (f["complete_to"] + pd.Timedelta(days=1)).clip(upper=window.end))
    spans = spans.loc[spans["e"] > spans["s"]]
    if spans.empty:
        return pd.Series(dtype=float)
    hours = metrics.union_hours(spans[["vendor"]], spans["s"], spans["e"])
    return (hours / window.hours).clip(upper=1.0).rename_axis("vendor")


def recorded_periods(periods_table: pd.DataFrame, records: pd.DataFrame) -> np.ndarray:
    """For each row (``vendor``, ``s``, ``e``): whether one of the vendor's status histories
    or tenant records (complete, or a lower bound; not a selection) covers the whole period,
    from its ``complete_from`` to the end of its ``complete_to`` day. Only then can a period
    with few public incidents be called met: a curated selection or a review list can show a
    period below target, never one above."""
    if periods_table.empty or records.empty:
        return np.zeros(len(periods_table), dtype=bool)
    history = full_records(records)
    pairs = periods_table[["vendor", "s", "e"]].reset_index().merge(history, on="vendor")
    inside = (pairs["complete_from"] <= pairs["s"]) & (
        pairs["complete_to"] + pd.Timedelta(days=1) >= pairs["e"])
    covered = pairs.loc[inside, "index"].unique()
    return periods_table.index.isin(covered)


def sla_periods(rows: pd.DataFrame, window: metrics.Window, slas: pd.DataFrame,
                rule: str = "status-page", records: pd.DataFrame | None = None,
                ends: pd.Series | None = None) -> pd.DataFrame:
    """Availability per SLA and SLA period, from the incidents on the services it covers.

    Only SLAs with a target are judged; each covered service is measured on its own and the
    period's ``availability`` is that of its worst service (``worst_service``). Columns:
    ``sla_id, vendor, name, services, period, complete`` (the whole period lies inside the
    window), ``recorded`` (a status history or tenant record of the vendor covers the whole
    period, :func:`recorded_periods`; every period when ``records`` is not given),
    ``availability``, ``target``, ``below_target`` (only for complete periods),
    ``credit_percent`` (indicative), ``incidents``. With ``ends`` (vendor -> timestamp) a
    period after a vendor's own end is not complete (its evidence stops before it ends).
    """
    judged = slas.loc[slas["target"].notna() & slas["period"].isin(["month", "quarter"])]
    out = []
    covered = sla_services(judged)
    spans = _spans(rows, rule).merge(covered, on=["vendor", "product"], how="inner")
    for period, group in judged.groupby("period"):
        grid = periods(window, period)
        frame = group[["sla_id"]].merge(grid, how="cross")
        pieces = _clip_to_periods(spans.loc[spans["sla_id"].isin(group["sla_id"])],
                                  ["sla_id", "product"], grid)
        # Each covered service is measured on its own (an SLA's uptime is per service); the
        # period's figure is its worst service, named in ``worst_service``.
        per_service = weighted_hours(pieces, ["sla_id", "period", "product"])
        index = pd.MultiIndex.from_frame(frame[["sla_id", "period"]])
        if len(per_service):
            worst = per_service.rename("hours").reset_index().sort_values(
                "hours", ascending=False).drop_duplicates(["sla_id", "period"]).set_index(
                ["sla_id", "period"])
            frame["downtime_hours"] = worst["hours"].reindex(index).fillna(0.0).to_numpy()
            frame["worst_service"] = worst["product"].reindex(index).fillna("").to_numpy()
        else:
            frame["downtime_hours"], frame["worst_service"] = 0.0, ""
        count = pieces.groupby(["sla_id", "period"]).size()
        frame["incidents"] = count.reindex(index).fillna(0).astype(int).to_numpy() if len(
            count) else 0
        out.append(frame)
    if not out:
        return pd.DataFrame(columns=["sla_id", "vendor", "name", "services", "period",
                                     "period_end", "complete", "downtime_hours",
                                     "worst_service",
                                     "incidents", "target", "measured_per", "recorded",
                                     "availability", "below_target", "credit_percent"])
    table = pd.concat(out, ignore_index=True).merge(
        judged[["sla_id", "vendor", "name", "services", "target", "credit_tiers",
                "period"]].rename(columns={"period": "measured_per"}), on="sla_id")
    if ends is not None:
        stop = pd.to_datetime(table["vendor"].map(ends), utc=True).fillna(window.end)
        table["complete"] = table["complete"] & (table["e"] <= stop)
    length = (table["e"] - table["s"]) / pd.Timedelta(hours=1)
    table["recorded"] = (recorded_periods(table, records) if records is not None
                         else np.ones(len(table), dtype=bool))
    table["availability"] = 1 - table["downtime_hours"] / length
    table["below_target"] = table["complete"] & (table["availability"] < table["target"])
    table["credit_percent"] = [
        metrics.credit_for(a, tiers) if tiers else np.nan
        for a, tiers in zip(table["availability"], table["credit_tiers"], strict=True)]
    return table.drop(columns=["s", "credit_tiers"]).rename(columns={
        "e": "period_end"}).sort_values(["vendor", "sla_id", "period"]).reset_index(drop=True)


def sla_verdicts(periods_table: pd.DataFrame) -> pd.DataFrame:
    """One line per SLA: ``periods``, the whole periods a status history or tenant record
    covers (only those can be judged met); ``unrecorded``, the other whole periods (public
    reports only); ``below``, whole periods below target, recorded or not (public incidents
    alone put them there); the lowest of those periods that are recorded or below target, and
    the covered service that set it (empty when there is none); ``latest_below`` and
    ``latest_below_end``, the last period below target and when it ended (a credit claim is
    due within a deadline counted from there)."""
    done = periods_table.loc[periods_table["complete"]]
    if done.empty:
        return pd.DataFrame(columns=["sla_id", "vendor", "name", "services", "measured_per",
                                     "target", "periods", "unrecorded", "below", "lowest",
                                     "lowest_period", "lowest_service", "latest_below",
                                     "latest_below_end"])
    done = done.assign(unrecorded=~done["recorded"].astype(bool))
    grouped = done.groupby(["sla_id", "vendor", "name", "services", "measured_per", "target"])
    table = grouped.agg(periods=("recorded", "sum"), unrecorded=("unrecorded", "sum"),
                        below=("below_target", "sum")).reset_index()
    # The lowest period, among those the evidence can speak for: recorded ones, and the
    # ones public reports alone put below target (a quiet unrecorded period says nothing).
    telling = done.loc[done["recorded"].astype(bool) | done["below_target"].astype(bool)]
    lowest = telling.loc[telling.groupby("sla_id")["availability"].idxmin(),
                         ["sla_id", "availability", "period", "worst_service"]]
    table = table.merge(lowest.rename(columns={
        "availability": "lowest", "period": "lowest_period",
        "worst_service": "lowest_service"}), on="sla_id", how="left")
    below = done.loc[done["below_target"].astype(bool)]
    if "period_end" in below and len(below):
        latest = below.sort_values("period_end").drop_duplicates("sla_id", keep="last")
        return table.merge(latest[["sla_id", "period", "period_end"]].rename(columns={
            "period": "latest_below", "period_end": "latest_below_end"}), on="sla_id",
            how="left")
    return table.assign(latest_below=pd.NA, latest_below_end=pd.NaT)


def uncovered_services(rows: pd.DataFrame, slas: pd.DataFrame) -> pd.DataFrame:
    """Services with incidents that no SLA with a target covers (they get no verdict)."""
    judged = sla_services(slas.loc[slas["target"].notna()])
    seen = rows[["vendor", "product"]].drop_duplicates()
    merged = seen.merge(judged, on=["vendor", "product"], how="left")
    return merged.loc[merged["sla_id"].isna(), ["vendor", "product"]].reset_index(drop=True)


def months_below(rows: pd.DataFrame, window: metrics.Window, level: float,
                 ends: pd.Series | None = None) -> pd.DataFrame:
    """Whole calendar months in which the downtime that certainly happened (status-page
    weights, every incident at its shortest span) already puts a service below ``level``
    (a fraction): public reports can put a month below a target, never above it, so each
    such month is "at least below". Months after a vendor's own end (``ends``) are left out.

    Columns: ``vendor, product, period, s, e, downtime_hours, availability`` (an upper
    bound) and ``ids`` (the incidents behind it, ``;``-joined), worst months first.
    """
    columns = ["vendor", "product", "period", "s", "e", "downtime_hours", "availability",
               "ids"]
    spans = clipped(_spans(rows, "status-page", "shortest"), window, ends)
    grid = periods(window, "month")
    grid = grid.loc[grid["complete"]].drop(columns="complete")
    if spans.empty or grid.empty:
        return pd.DataFrame(columns=columns)
    keys = ["vendor", "product"]
    pieces = _clip_to_periods(spans, [*keys, "incident_id"], grid)
    hours = weighted_hours(pieces, [*keys, "period"])
    if hours.empty:
        return pd.DataFrame(columns=columns)
    table = hours.rename("downtime_hours").reset_index().merge(grid, on="period")
    table["availability"] = 1 - table["downtime_hours"] / (
        (table["e"] - table["s"]) / pd.Timedelta(hours=1))
    if ends is not None:
        stop = pd.to_datetime(table["vendor"].map(ends), utc=True).fillna(window.end)
        table = table.loc[table["e"] <= stop]
    table = table.loc[table["availability"] < level]
    ids = pieces.groupby([*keys, "period"])["incident_id"].agg(
        lambda v: ";".join(dict.fromkeys(map(str, v))))
    table["ids"] = [ids.get(tuple(k), "") for k in table[[*keys, "period"]].itertuples(
        index=False)]
    return table[columns].sort_values("availability").reset_index(drop=True)
