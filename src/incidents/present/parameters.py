"""The report's parameters checked before anything runs: window, SLA target, minimum incidents,
and vendor, each refused with a sentence that says the fix.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from datetime import datetime

import pandas as pd

from incidents.analysis import metrics
from incidents.data import load
from incidents.errors import ParameterError

#: How a day is written in the window parameters.
DATE_FORMAT = "%Y-%m-%d"


#: Years a window may reach: no status page is older, and later years are typing errors.
FIRST_YEAR, LAST_YEAR = 1990, 2199
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_day(value: str, name: str) -> pd.Timestamp:
    """``value`` as written (four-digit year, two-digit month and day: never a year read
    another way, as ``0010-03-04`` once became 2004-10-03) within the years the evidence can
    reach."""
    fix = "write it as YYYY-MM-DD, e.g. 2025-01-01"
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ParameterError(f"parameter {name}={value!r} is not a date: {fix}")
    try:
        day = datetime.strptime(value, DATE_FORMAT)
    except ValueError:
        raise ParameterError(f"parameter {name}={value!r} is not a date: {fix}") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ParameterError(f"parameter {name}={value!r} lies outside the years "
                             f"{FIRST_YEAR}-{LAST_YEAR}: {fix}")
    return pd.Timestamp(day, tz="UTC")


def resolve_window(start: str, end: str, today: pd.Timestamp | None = None,
                   cutoff: pd.Timestamp | None = None) -> tuple[metrics.Window, str]:
    """The analysis window from the ``start``/``end`` parameters, and a note when it was cut.

    An empty ``end`` means the data cut-off (the last day the records cover), not today: a
    window past the data would read quiet months as improvement. An ``end`` after the cut-off
    is cut there, with a note saying so.
    """
    today = (today or pd.Timestamp.now(tz="UTC")).normalize()
    last_day = min(cutoff.normalize(), today) if cutoff is not None else today
    first = _parse_day(start, "start")
    last = _parse_day(end, "end") if end else last_day
    note = ""
    if last > last_day:
        note = (f"The window was asked to end on {last:%d %b %Y}, after the data cut-off "
                f"({last_day:%d %b %Y}); it ends at the cut-off.")
        last = last_day
    if last < first:
        if first > last_day:
            raise ParameterError(f"the window starts ({first:%Y-%m-%d}) after the data ends "
                                 f"({last_day:%Y-%m-%d}): choose an earlier start")
        raise ParameterError(f"the window ends ({last:%Y-%m-%d}) before it starts "
                             f"({first:%Y-%m-%d}): swap start and end")
    return metrics.Window.from_dates(f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"), note


def check_parameters(sla_target: float, min_incidents: int) -> None:
    """Check the numeric parameters; raise ParameterError with the fix."""
    check_sla_target(sla_target)
    check_min_incidents(min_incidents)


def check_sla_target(sla_target: float) -> float:
    """``sla_target`` if it is 0 or a fraction 0 < x < 1; a percentage is refused with the
    fraction to write instead."""
    try:
        value = float(sla_target)
    except (TypeError, ValueError):
        raise ParameterError(f"SLA target {sla_target!r} is not a number: write a fraction "
                             "such as 0.999, or 0 to use each vendor's own SLA") from None
    if 1 <= value <= 100:
        raise ParameterError(f"SLA target {value:g} looks like a percentage: write "
                             f"{value / 100:g} (a fraction below 1), or 0 to use each vendor's "
                             "own SLA")
    if math.isnan(value) or not 0 <= value < 1:
        raise ParameterError(f"SLA target {value:g} must be a fraction between 0 and 1 such "
                             "as 0.999, or 0 to use each vendor's own SLA")
    return value


def check_min_incidents(min_incidents: int) -> int:
    """``min_incidents`` if it is a whole number of at least 1."""
    whole = isinstance(min_incidents, numbers.Integral) and not isinstance(min_incidents, bool)
    if not whole or min_incidents < 1:
        raise ParameterError(f"minimum incident count {min_incidents!r} must be a whole "
                             "number of at least 1, e.g. 3")
    return min_incidents


def check_vendor(vendor: str, known: pd.Series) -> str:
    """The vendor's name as the data spells it (matched as
    :func:`incidents.data.load.fold_name` compares: case,
    Unicode normalisation and spaces aside);
    otherwise a ParameterError suggesting the closest name and listing the known ones."""
    names = sorted(known.astype(str).unique())
    if vendor in names:
        return vendor
    folded = {load.fold_name(name): name for name in names}
    wanted = load.fold_name(vendor)
    if wanted in folded:
        return folded[wanted]
    close = difflib.get_close_matches(wanted, list(folded), n=1, cutoff=0.6)
    hint = f" Did you mean {folded[close[0]]!r}?" if close else ""
    raise ParameterError(f"unknown vendor {vendor!r}.{hint} Known vendors: {', '.join(names)}")
