"""Sentences and tables a CIO reads, written from the numbers (never typed in).

Every text that comes from the data (vendor, service, titles, causes) is HTML-escaped here, so
a hostile title shows as text in the report. Numbers carry units and their uncertainty.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping

import pandas as pd

from incidents.present.safe import markdown_text

Formatter = Callable[[object], str]


def text(value: object) -> str:
    """Data text made safe for Markdown and HTML: shown as written, never as markup or a live
    link (:func:`incidents.present.safe.markdown_text`); ``None`` and NaN become empty."""
    return markdown_text(value)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _whole(value: object) -> int:
    """A count as an int; missing (None, NaN, NA) counts as 0."""
    return 0 if _missing(value) else int(value)  # type: ignore[call-overload]


def hours(value: object) -> str:
    """``0.4`` -> ``"24 min"``, ``9.46`` -> ``"9.5 h"``, ``50`` -> ``"2.1 days"``."""
    if _missing(value):
        return "n/a"
    number = float(value)  # type: ignore[arg-type]
    if math.isinf(number):
        return "unbounded"
    if number < 1:
        return f"{number * 60:.0f} min"
    if number < 48:
        return f"{number:.1f} h" if number < 10 else f"{number:.0f} h"
    return f"{number / 24:.1f} days"


def percent(value: object, digits: int = 1) -> str:
    """``0.123`` -> ``"12.3%"`` (``digits`` decimals); ``n/a`` when missing."""
    if _missing(value):
        return "n/a"
    return f"{float(value) * 100:.{digits}f}%"  # type: ignore[arg-type]


def budget(value: object) -> str:
    """Error budget used, always as a percentage of the budget: ``"45%"``, ``"204%"``,
    ``"59,810%"`` (one unit, so a column of them reads and sorts by eye)."""
    if _missing(value):
        return "n/a"
    return f"{float(value) * 100:,.0f}%"  # type: ignore[arg-type]


def availability(value: object) -> str:
    """Availability with enough nines to tell 99.9% from 99.99%; a text (``no reported
    event``, see :func:`incidents.present.services.quiet_services_marked`) is kept as written."""
    if isinstance(value, str):
        return value
    if _missing(value):
        return "n/a"
    number = float(value)  # type: ignore[arg-type]
    return f"{number * 100:.3f}%" if number < 1 else "100%"


def number(value: object, digits: int = 1) -> str:
    """A plain number with ``digits`` decimals; ``n/a`` when missing."""
    if _missing(value):
        return "n/a"
    return f"{float(value):.{digits}f}"  # type: ignore[arg-type]


def count(value: object, noun: str) -> str:
    """``count(1, "incident")`` -> ``"1 incident"``; ``count(2072, ...)`` ->
    ``"2,072 incidents"``."""
    whole = _whole(value)
    return f"{whole:,} {noun}{'' if whole == 1 else 's'}"


def value_range(low: object, high: object, formatter: Formatter = hours) -> str:
    """One value when both ends agree (``"9.5 h"``), else ``"2.0-9.5 h"`` (one unit when
    both ends share it, ``"30 min-2.0 h"`` when not); a bound prints as one: a missing high
    end (a median not reached) as ``"at least 2.0 h"``, a low end of zero (times known only
    to the day) as ``"up to 24 h"``."""
    if _missing(low):
        return "n/a"
    if _missing(high):
        return f"at least {formatter(low)}"
    left, right = formatter(low), formatter(high)
    if float(low) == 0 and left != right:  # known only to the day: a bound, not "0 min-24 h"
        return f"up to {right}"
    if left == right:
        return left
    unit_left, unit_right = left.rpartition(" ")[2], right.rpartition(" ")[2]
    if " " in left and unit_left == unit_right and not unit_left[:1].isdigit():
        return f"{left.rpartition(' ')[0]}-{right}"  # "2.5-2.6 days", one unit
    return f"{left}-{right}"


def durations(rows: pd.DataFrame) -> list[str]:
    """Each row's length as its times allow: ``"2.0 h"``, a range where a time is known only
    to the day (``"up to 24 h"``), ``"at least 3.5 days"`` for an event with no end but a last
    update with impact (or still open), ``"no published end"`` otherwise; never a midpoint."""
    out = []
    for row in rows.itertuples(index=False):
        if getattr(row, "resolved", False):
            out.append(value_range(row.duration_min_hours, row.duration_max_hours))
        elif getattr(row, "end_known", False) and not _missing(row.duration_hours):
            out.append(f"at least {hours(row.duration_hours)}")
        else:
            out.append("no published end")
    return out


def with_hours_range(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (an exposure table) with ``hours_range``: disruption hours a year as the range
    its events' times allow, one number where both ends print alike."""
    def one(value: object) -> str:
        return number(value, 1)

    return table.assign(hours_range=[value_range(low, high, one) for low, high in zip(
        table["hours_per_year_shortest"], table["hours_per_year_longest"], strict=True)])


def with_restore_range(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``median_range``: its median restore time, as a range where some times
    are known only to the day (:func:`incidents.analysis.time_to_restore.restore_times`)."""
    return table.assign(median_range=[value_range(low, high) for low, high in zip(
        table["median"], table["median_longest"], strict=True)])


def with_availability_range(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``availability`` written as the range its incidents' times allow
    (longest spans to shortest, :func:`incidents.analysis.availability.service_availability`)
    where the two ends print differently, so a day-precise time is never read as midday."""
    if "availability_longest" not in table:
        return table
    return table.assign(availability=[
        value_range(longest, shortest, availability) if not isinstance(shortest, str)
        else shortest for longest, shortest in zip(
            table["availability_longest"], table["availability"], strict=True)])


def interval(low: object, high: object, formatter: Formatter = hours) -> str:
    """``"4.0 h to 21 h"``, with "unbounded" or "not reached" for missing ends."""
    left = formatter(low) if not _missing(low) else "n/a"
    right = formatter(high) if not _missing(high) else "not reached"
    return f"{left} to {right}"


def p_value(value: object) -> str:
    """``p = 0.02``, ``p = 0.004`` or ``p < 0.001``."""
    if _missing(value):
        return "n/a"
    number = float(value)  # type: ignore[arg-type]
    return "p < 0.001" if number < 0.001 else f"p = {number:.3f}" if number < 0.01 else (
        f"p = {number:.2f}")


#: Tables with more rows than this, or more characters than :data:`LONG_TABLE_CHARS` in
#: their cells (a few rows of long titles), may break across printed pages (between rows,
#: the header repeated); smaller ones are kept whole on one page.
LONG_TABLE_ROWS = 15
LONG_TABLE_CHARS = 1000
#: From this many columns a table is marked wide: on a narrow screen it shows a hint that it
#: scrolls sideways.
WIDE_TABLE_COLUMNS = 6
#: A cell this short ("p = 0.84", "99.900%", "no trend") is kept on one line: a narrow
#: column then costs no second line on every row.
SHORT_CELL = 10
#: A cell with an unbroken run longer than this (an incident id, a URL) may wrap anywhere.
LONG_TOKEN = 18


#: Rows an HTML table shows at most; the caption says how many more there are.
TABLE_ROWS = 1_000


def table(frame: pd.DataFrame, columns: Mapping[str, tuple[str, Formatter]],
          caption: str = "", limit: int = TABLE_ROWS, compact: bool = False) -> str:
    """An HTML table of ``frame`` with labelled, formatted columns; every cell escaped.

    The table sits in its own scroll box (a narrow screen scrolls the table, not the page),
    under a caption outside that box, so the caption wraps to the screen's width. Classes
    tell the stylesheet how to print it: ``report-table-long`` (more than
    :data:`LONG_TABLE_ROWS` rows or :data:`LONG_TABLE_CHARS` characters) may break between
    rows, smaller tables stay whole;
    ``report-table-wide`` (:data:`WIDE_TABLE_COLUMNS` or more columns) shows a scroll hint on
    a narrow screen. At most ``limit`` rows are shown (the first ones); when rows are left
    out the caption says how many of how many. ``compact`` prints it in a smaller type (a
    page-one table that must fit the page with what follows it).
    """
    head = "".join(f'<th scope="col">{html.escape(label)}</th>'
                   for label, _ in columns.values())
    if len(frame) > limit:
        caption = (f"{caption} " if caption else "") + f"(first {limit:,} of {len(frame):,} rows)"
        frame = frame.head(limit)
    body = []
    characters = 0
    for _, row in frame.iterrows():
        values = [fmt(row[name]) for name, (_, fmt) in columns.items()]
        characters += sum(map(len, values))
        body.append(f"<tr>{''.join(map(_cell, values))}</tr>")
    kinds = ["report-table-block"]
    if len(frame) > LONG_TABLE_ROWS or characters > LONG_TABLE_CHARS:
        kinds.append("report-table-long")
    if len(columns) >= WIDE_TABLE_COLUMNS:
        kinds.append("report-table-wide")
    if compact:
        kinds.append("report-table-compact")
    label = html.escape(caption or "Table", quote=True)
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    hint = ('<p class="scroll-hint" aria-hidden="true">Scroll sideways for every column '
            "&#8594;</p>" if "report-table-wide" in kinds else "")
    return (f'<figure class="{" ".join(kinds)}">{cap}{hint}'
            f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}">'
            f'<table class="report-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div></figure>")


def _cell(value: str) -> str:
    """One ``<td>``: a short value is kept on one line; a long unbroken run (an id, a URL)
    may wrap anywhere instead of widening its column past the page."""
    if len(value) <= SHORT_CELL:
        attribute = ' class="nowrap"'
    elif any(len(word) > LONG_TOKEN for word in value.split()):
        attribute = ' class="wrap-anywhere"'
    else:
        attribute = ""
    return f"<td{attribute}>{html.escape(value)}</td>"


def plain(value: object) -> str:
    """Any value as plain text (used as a table formatter)."""
    return "" if _missing(value) else str(value)


def rank(value: object) -> str:
    """A rank as "3" (often held as a float beside missing ranks); a shared rank as "2.5"."""
    if _missing(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else f"{number:g}"


# ---------------------------------------------------------------- sentences


def restore_sentence(row: Mapping[str, object]) -> str:
    """"Median time to restore 9.5 h (95% CI 4.0 h to 21 h; 14 incidents, 2 still open)."""
    if _whole(row.get("n")) == 0:
        return "No incident with a known end: time to restore cannot be estimated."
    parts = [f"{count(row['n'], 'incident')}"]
    if _whole(row.get("ongoing")):
        parts.append(f"{_whole(row['ongoing'])} still open")
    if _whole(row.get("end_unknown")):
        parts.append(f"{_whole(row['end_unknown'])} with no published end left out")
    median, longest = row.get("median"), row.get("median_longest", row.get("median"))
    if _missing(median):
        return (f"Median time to restore not reached: fewer than half of the incidents are "
                f"restored ({'; '.join(parts)}).")
    imprecise = _whole(row.get("imprecise"))
    if imprecise and value_range(median, longest) != hours(median):
        dated = (f"; {count(imprecise, 'incident')} known only to the day, counted at the "
                 "shortest and the longest its dates allow")
        ends = (f"between {hours(median)} and {hours(longest)}" if not _missing(longest)
                else f"at least {hours(median)}")
        return (f"Median time to restore {ends} (95% CI "
                f"{interval(row.get('median_lower'), row.get('median_upper'))}; "
                f"{'; '.join(parts)}{dated}).")
    return (f"Median time to restore {hours(median)} (95% CI "
            f"{interval(row.get('median_lower'), row.get('median_upper'))}; "
            f"{'; '.join(parts)}).")


def mtbf_sentence(row: Mapping[str, object], min_incidents: int) -> str:
    """MTBF with bounds, or only the bound when there are too few incidents to estimate."""
    n = _whole(row.get("incidents"))
    lower, upper = row.get("mtbf_lower_hours"), row.get("mtbf_upper_hours")
    if n < min_incidents:
        return (f"Only {count(n, 'incident')} in the window, below the minimum of "
                f"{min_incidents} for a point estimate: the mean time between failures is at "
                f"least {hours(lower)} (90% lower bound).")
    return (f"Mean time between failures {hours(row.get('mtbf_hours'))} (90% CI "
            f"{interval(lower, upper)}, {count(n, 'incident')}).")


def trend_sentence(row: Mapping[str, object]) -> str:
    """The Laplace verdict in words, with the statistic, p-value and power-law shape."""
    verdict = row.get("verdict")
    verdict = verdict if isinstance(verdict, str) else "insufficient data"
    if verdict == "insufficient data":
        return "Too few incidents to test for a trend (3 or more needed)."
    if verdict == "not testable":
        return (f"Not testable for a trend: the {count(row.get('n'), 'incident')} start at "
                f"only {count(row.get('distinct_times'), 'distinct time')} (3 or more "
                "needed).")
    meaning = {"worsening": "incidents are becoming more frequent",
               "improving": "incidents are becoming less frequent",
               "no trend": "no significant change in incident frequency"}[verdict]
    beta = row.get("beta")
    shape = "" if _missing(beta) else f", power-law shape {float(beta):.2f}"  # type: ignore[arg-type]
    return (f"Trend: {meaning} (Laplace test U = {number(row.get('laplace_u'), 2)}, "
            f"{p_value(row.get('p_value'))}{shape}).")


def change_sentence(row: Mapping[str, object]) -> str:
    """How many incidents with a disclosed cause came from the vendor's own changes."""
    yes, no, unknown = (_whole(row.get(k)) for k in ("yes", "no", "unknown"))
    if yes + no == 0:
        return f"No disclosed cause says whether a vendor change was involved ({unknown} unknown)."
    return (f"{yes} of {yes + no} incidents with a disclosed cause came from the vendor's own "
            f"changes ({percent(row.get('share'), 0)}, 95% CI "
            f"{interval(row.get('share_lower'), row.get('share_upper'), percent)}); "
            f"{unknown} more undisclosed.")


def blast_sentence(blast: pd.DataFrame, pairs: pd.DataFrame) -> str:
    """How far incidents reached, from :func:`incidents.analysis.cofailure.blast_radius` and
    :func:`incidents.analysis.cofailure.co_failures` by service (or by product: the pair's two group
    columns come first)."""
    if blast.empty:
        return "**Blast radius.** No incident in the window."
    found = int(pairs.attrs.get("pairs", len(pairs)))
    together = ""
    if len(pairs):
        top = pairs.iloc[0]
        first, second = pairs.columns[:2]
        together = (f" The longest together: {text(top[first])} and "
                    f"{text(top[second])}, {hours(top['overlap_hours'])} in "
                    f"{count(top['incidents_a'] + top['incidents_b'], 'incident')}.")
    return (f"**Blast radius.** {int(blast['global'].sum())} of {len(blast)} incidents were "
            f"global; an incident named {number(blast['clients'].mean(), 1)} client surfaces on "
            f"average. {count(found, 'pair')} of services failed at the same time at least "
            f"once.{together}")


def co_failure_caption(pairs: pd.DataFrame, noun: str) -> str:
    """Caption of a :func:`incidents.analysis.cofailure.co_failures` table: what is shown of
    how much."""
    found = int(pairs.attrs.get("pairs", len(pairs)))
    caption = f"{noun.capitalize()} that failed at the same time"
    if found > len(pairs):
        caption += f": the {len(pairs)} pairs with the most hours together, of {found}"
    groups, compared = pairs.attrs.get("groups", 0), pairs.attrs.get("groups_compared", 0)
    if compared < groups:
        caption += (f" ({compared} {noun} with the most downtime compared, of "
                    f"{groups})")
    return caption


def sample_sizes(headline: pd.DataFrame, total: int, min_incidents: int) -> str:
    """Which vendors have too few incidents for point estimates."""
    few = headline.loc[headline["incidents"] < min_incidents, "vendor"]
    names = ", ".join(text(name) for name in few) or "none"
    return (f"**Sample sizes.** {total} incidents in the window; vendors with fewer than "
            f"{min_incidents} (rates and MTBF shown as bounds only): {names}.")


def recurrence_line(pairs: pd.DataFrame, most: int = 8) -> str:
    """The recurrences (:func:`incidents.analysis.recurrence.recurrences`) as one line, the
    latest first; a line saying none were found when the table is empty."""
    head = ("**Recurrences** (the same service broken again within six months by the same "
            "apparent cause, as DORA groups recurring incidents)")
    if pairs.empty:
        return head + ": none in the window among events whose cause is known."
    items = []
    for row in pairs.sort_values("second_start", ascending=False).head(most).itertuples():
        own = ", both the vendor's own changes" if row.change_induced == "yes" else ""
        items.append(f"{text(row.product)}: {text(row.first_id)} ({row.first_start:%d %b %Y}) "
                     f"then {text(row.second_id)} ({row.second_start:%d %b %Y}), "
                     f"{row.days_apart} days apart, {text(row.root_cause_category)}{own}")
    more = f"; {len(pairs) - most} more" if len(pairs) > most else ""
    return head + ": " + "; ".join(items) + more + "."


def cause_line(causes: pd.DataFrame, mitigations: pd.DataFrame) -> str:
    """Root-cause categories and ways service was restored
    (:func:`incidents.analysis.metrics.breakdown` tables, summed over their groups) as two
    lists in one paragraph, most frequent first: the counts a bar chart would show, read in
    a line (a term is written as the data spells it, hyphens as spaces)."""
    def listed(table: pd.DataFrame) -> str:
        if table.empty:
            return "none recorded"
        totals = table.groupby("term")["incidents"].sum()
        ordered = sorted(totals.items(), key=lambda item: (-item[1], str(item[0])))
        return ", ".join(f"{text(str(term).replace('-', ' '))} {int(n)}" for term, n in ordered)

    return (f"**Root cause** (events a person read): {listed(causes)}. "
            f"**How service was restored:** {listed(mitigations)}.")
