"""The report's methods in plain words, for a reader who is not a statistician.

:data:`GLOSSARY` maps each term the report names to a short explanation: what it tells the
reader, and where it can mislead. :func:`markdown` renders it as the table the notebooks show
at their end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

GLOSSARY: Mapping[str, str] = {
    "Mean time between failures (MTBF)":
        "The average time from one incident to the next: the window's length divided by the "
        "number of incidents in it. With few incidents it is very uncertain, so the report "
        "gives a range and, below the minimum count, only the lower end of that range.",
    "Exact Poisson interval":
        "The range of yearly incident rates that fits the count actually seen. It treats "
        "incidents as arriving at random at a steady rate and is computed exactly rather "
        "than by an approximation, so it stays honest for counts as small as 0, 1 or 2.",
    "Quasi-Poisson interval":
        "An exact Poisson interval widened because the incidents cluster: when the monthly "
        "counts vary more than a steady random process would allow (one bad month, a run of "
        "follow-up incidents), a count says less about the underlying rate, and the range "
        "grows with the measured spread.",
    "Kaplan-Meier median":
        "The time by which half of the incidents were over. Incidents still unfinished at "
        "the end of the window are not dropped and not treated as over: they count as "
        "'lasted at least this long so far'. If fewer than half have ended, the median is "
        "'not reached'.",
    "Laplace test":
        "A check of whether incidents are bunching towards the end of the window (getting "
        "more frequent) or towards its start (getting rarer), compared with incidents "
        "spread evenly. A p-value below 0.05 is read as a real change, not chance.",
    "Crow-AMSAA (power-law) trend":
        "A reliability-growth model in which the incident rate rises or falls as a power of "
        "time. Its shape number says which: above 1 incidents come faster over time, below "
        "1 slower, and 1 means a steady rate.",
    "Holm correction":
        "When the same test is run for many vendors, a few will look significant by chance. "
        "Holm's method raises the bar step by step, strictest for the smallest p-value, so "
        "that the chance of any false alarm across all vendors stays at 5%.",
    "Error budget":
        "The downtime an SLA allows in a month: for a 99.9% target, 0.1% of the month, "
        "about 43 minutes. 'Error budget used' is the estimated downtime as a share of that "
        "allowance; over 100% means the month was below the target.",
    "Rank interval":
        "How sure a vendor's risk rank is. The incidents are resampled many times and the "
        "ranking recomputed; the interval holds the middle 90% of the ranks seen. An "
        "interval of 2-6 means the data cannot tell rank 2 from rank 6.",
    "Like-for-like basis":
        "Vendors are compared only on the same basis: the same kind of record (a complete "
        "status history, not a selection of press reports), the same impact (outages with "
        "outages) and what the SLA covers, so that a vendor which publishes more does not "
        "look worse merely for publishing more.",
    "Lower-bound record":
        "A list known to miss some incidents, such as a status page read at intervals, where "
        "an incident that began and ended between two readings is missing. Its counts are "
        "at least the true number (the share it captures is stated), not an estimate of it.",
}


#: The terms the portfolio names (it shows no MTBF, growth curve or error budget).
PORTFOLIO_TERMS = ("Exact Poisson interval", "Quasi-Poisson interval", "Kaplan-Meier median",
                   "Laplace test", "Holm correction", "Rank interval", "Like-for-like basis",
                   "Lower-bound record")


def markdown(terms: Iterable[str] | None = None, heading: str = "## Glossary") -> str:
    """The glossary (or the given ``terms`` of it, in that order) as a Markdown table under
    ``heading`` (none when empty). An unknown term raises ``KeyError``."""
    chosen = list(GLOSSARY) if terms is None else list(terms)
    rows = [f"| {_cell(term)} | {_cell(GLOSSARY[term])} |" for term in chosen]
    table = "\n".join(["| Term | In plain words |", "| --- | --- |", *rows])
    return f"{heading}\n\n{table}\n" if heading else table + "\n"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (a pipe would end the cell)."""
    return text.replace("|", "\\|").replace("\n", " ")
