"""Recurrences: the same service broken again, within six months, by the same apparent cause.

A regulator (DORA's RTS 2024/1772, Art. 8(2)) treats incidents that recur with the same
apparent root cause within six months as one; a CIO asks the same question of a vendor: did
it learn? Here two events recur when they reach the same service of the same vendor (an event
counts against every service it names), their apparent root cause is the same and known, and
the second starts at most :data:`WITHIN` after the first. Each pair of consecutive such events
is listed once.

The apparent root cause is the root-cause category, except that an event the sources
attribute to the vendor's own change (``change_induced`` yes) has the apparent cause
:data:`OWN_CHANGE` whatever its category: a faulty deployment and a faulty configuration
push on the same service are the same failure of the vendor's change process (Azure Front
Door behind Microsoft 365 on 9 and 29 October 2025).
"""

from __future__ import annotations

import pandas as pd

#: The longest gap between two events read as a recurrence.
WITHIN = pd.Timedelta(days=183)
#: The apparent root cause of every event caused by the vendor's own change.
OWN_CHANGE = "the vendor's own change"

COLUMNS = ["vendor", "product", "root_cause_category", "first_id", "first_start",
           "second_id", "second_start", "days_apart", "change_induced"]


def one_cause_per_event(rows: pd.DataFrame) -> pd.DataFrame:
    """An event has one cause: a row whose root-cause category or ``change_induced`` is
    unknown takes the known value of another row of the same ``event`` (a supplier's review
    read on the customer vendor's row, Azure Front Door's cause on Microsoft 365's)."""
    if "event" not in rows or rows.empty:
        return rows
    out = rows.copy()
    for column in ("root_cause_category", "change_induced"):
        values = out[column].astype("object")
        known = values.where(~values.isin(["unknown", ""]) & values.notna())
        first = known.groupby(out["event"].to_numpy()).transform("first")
        out[column] = known.fillna(first).fillna(values)
    return out


def recurrences(rows: pd.DataFrame, within: pd.Timedelta = WITHIN) -> pd.DataFrame:
    """Consecutive events of one vendor and service with the same known apparent root cause
    (the category, or :data:`OWN_CHANGE`) at most ``within`` apart; ``rows`` are event rows,
    one per service reached (``product``). ``change_induced`` is "yes" when both were the
    vendor's own changes."""
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = one_cause_per_event(rows)
    own = rows["change_induced"].astype("object").eq("yes")
    rows = rows.assign(root_cause_category=rows["root_cause_category"].astype("object").where(
        ~own, OWN_CHANGE))
    known = rows.loc[~rows["root_cause_category"].astype("object").isin(["unknown", ""])
                     & rows["root_cause_category"].notna()]
    keys = ["vendor", "product", "root_cause_category"]
    ordered = known.astype({"root_cause_category": "object"}).sort_values([*keys, "start_utc"])
    ordered = ordered.drop_duplicates([*keys, "event"]) if "event" in ordered else ordered
    ordered = ordered.reset_index(drop=True)  # a row per service reached repeats an index
    nxt = ordered.groupby(keys, sort=False).shift(-1)
    gap = nxt["start_utc"] - ordered["start_utc"]
    pairs = ordered.loc[gap.notna() & (gap <= within)]
    if pairs.empty:
        return pd.DataFrame(columns=COLUMNS)
    following = nxt.loc[pairs.index]
    both_own = (pairs["change_induced"].astype("object").eq("yes")
                & following["change_induced"].astype("object").eq("yes"))
    return pd.DataFrame({
        "vendor": pairs["vendor"].to_numpy(), "product": pairs["product"].to_numpy(),
        "root_cause_category": pairs["root_cause_category"].to_numpy(),
        "first_id": pairs["incident_id"].to_numpy(), "first_start": pairs["start_utc"].to_numpy(),
        "second_id": following["incident_id"].to_numpy(),
        "second_start": following["start_utc"].to_numpy(),
        "days_apart": (gap.loc[pairs.index] / pd.Timedelta(days=1)).round().astype(int)
        .to_numpy(),
        "change_induced": ["yes" if own else "" for own in both_own],
    }).sort_values(["vendor", "second_start"]).reset_index(drop=True)
