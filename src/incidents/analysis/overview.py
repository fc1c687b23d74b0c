"""The per-group summary table: frequency, MTBF bounds, restore times, downtime and trend in one
row per group.
"""

from __future__ import annotations

import pandas as pd

from incidents.analysis import metrics, time_to_restore, trend_tests


def summary_table(incidents: pd.DataFrame, window: metrics.Window, by: str | list[str] = "vendor",
                  min_incidents: int = 3,
                  partial_weight: float = metrics.PARTIAL_WEIGHT) -> pd.DataFrame:
    """One row per group: frequency, MTBF bounds, restore-time summary, downtime and trend.

    The rows are grouped once and every metric reuses that grouping (the columns are those
    of :func:`frequency`, :func:`mtbf`, :func:`restore_times`, :func:`downtime` and
    :func:`trend`, with ``restore_`` before the restore-time columns).
    """
    found = metrics.grouping(incidents, by)
    keys = list(found.keys)
    parts = [
        metrics.frequency(incidents, window, found),
        metrics.mtbf(incidents, window, found, min_incidents=min_incidents).drop(
            columns=[*keys, "incidents"]),
        time_to_restore.restore_times(incidents, found).drop(columns=keys).add_prefix("restore_"),
        metrics.downtime(incidents, window, found, partial_weight).drop(
            columns=[*keys, "end_unknown"]),
        trend_tests.trend(incidents, window, found).drop(columns=[*keys, "n"]),
    ]
    return pd.concat(parts, axis=1)
