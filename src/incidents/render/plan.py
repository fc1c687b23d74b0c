"""What a report run will do, decided before any kernel starts: the options and their checks, the
run's window and folder, and the notebooks to execute.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from incidents import config
from incidents.data import companions
from incidents.errors import (
    ParameterError,
)
from incidents.present import parameters

FORMATS = ("html", "pdf", "both")


#: First day of the window when none is given (the notebooks' own default).
DEFAULT_START = "2023-01-01"


@dataclass(frozen=True, slots=True)
class Job:
    """One notebook execution: which notebook, with which parameters, into which file stem."""

    notebook: str
    stem: str
    title: str
    parameters: dict[str, object] = field(default_factory=dict)
    #: The page's title (HTML ``<title>``, so the PDF's too): what and which window.
    page_title: str = ""


@dataclass(frozen=True, slots=True)
class Options:
    """What the user asked for (from ``make report`` variables or the command line)."""

    vendor: str = ""
    start: str = ""
    end: str = ""
    sla_target: float = 0.0
    min_incidents: int = 3
    data: str = ""
    vendors: str = ""
    fmt: str = "both"
    out: Path = config.REPORT_DIR
    skip_invalid: bool = False
    jobs: int = 0  # notebooks at once; 0 = one per core
    keep_notebooks: Path | None = None
    verbose: bool = False  # list every notebook, page and file as it is done


@dataclass(frozen=True, slots=True)
class Run:
    """What one run covers, stated on its index page and in every file's title."""

    title: str  # "All vendors" or the vendor's name
    window: str  # "2025-01-01 to 2026-11-30", both days included
    window_slug: str  # "2025-01-01-to-2026-11-30", part of the attachment file names
    generated: str  # "2026-12-01 10:27 UTC"


def check_options(options: Options) -> Options:
    """Check every option before anything starts; raise ParameterError with the fix.

    Returns the options with the vendor spelled as ``vendors.csv`` spells it (``"microsoft
    365"`` finds ``"Microsoft 365"``).
    """

    if options.fmt not in FORMATS:
        raise ParameterError(f"format {options.fmt!r} is not one of {', '.join(FORMATS)}: "
                             "write e.g. --format html (FORMAT=html)")
    if options.jobs < 0:
        raise ParameterError(f"jobs={options.jobs} must be 0 (one per core) or more (notebooks "
                             "run at once)")
    parameters.check_parameters(options.sla_target, options.min_incidents)
    parameters.resolve_window(options.start or DEFAULT_START, options.end)
    vendor = options.vendor
    if vendor:
        known = companions.load_vendors(options.vendors or None)["vendor"]
        vendor = parameters.check_vendor(vendor, known)
    return replace(options, vendor=vendor)


def plan_jobs(options: Options) -> list[Job]:
    """The notebooks to run: the portfolio, then a deep dive per vendor with enough incidents
    in the window.

    With ``options.vendor`` set only that vendor's deep dive runs.
    """
    return prepare_jobs(options)[0]


def describe_run(options: Options, window) -> Run:  # window: metrics.Window
    """The run's title, window and time, as its index page states them."""
    span = _span(window)
    return Run(options.vendor or "All vendors", span, span.replace(" ", "-"),
               time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))


def _span(window) -> str:  # window: metrics.Window
    import pandas as pd

    last = window.end - pd.Timedelta(days=1)
    return f"{window.start:%Y-%m-%d} to {last:%Y-%m-%d}"


def run_folder(options: Options) -> Path:
    """Where a run publishes: ``out`` for the full report, ``out/<vendor>`` for one vendor."""
    if not options.vendor:
        return options.out
    from incidents.data import load

    return options.out / load.page_name(options.vendor).removeprefix("vendor-")


def left_out_vendors(options: Options) -> dict[str, int]:
    """Vendors with fewer than ``options.min_incidents`` incidents in the window (so no deep
    dive), with their counts, in the vendor file's order."""
    from incidents.present import report

    data = report.prepare(options.data, options.vendors, options.start or DEFAULT_START,
                          options.end, options.skip_invalid)
    counts = data.window_incidents["vendor"].value_counts()
    return {str(name): int(counts.get(name, 0)) for name in data.vendors["vendor"]
            if counts.get(name, 0) < options.min_incidents}


def worker_count(requested: int, notebooks: int | None = None) -> int:
    """Notebooks run at once: ``requested`` (0: one per core), but at most the cores this
    process may use and the notebooks to run (each runs in its own kernel: a kernel beyond
    the cores only competes for them)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    wanted = requested if requested > 0 else cores
    return max(1, min(wanted, cores, notebooks or wanted))


def jobs_note(requested: int, used: int, notebooks: int) -> str:
    """What the run says when it runs fewer notebooks at once than ``--jobs`` asked."""
    if requested <= used:
        return ""

    def plural(count: int, noun: str) -> str:
        return f"{count} {noun}{'' if count == 1 else 's'}"

    limit = (plural(notebooks, "notebook") + " to run" if used == notebooks else
             plural(used, "core") + " to run on")
    return f"  --jobs {requested} capped to {used} at a time: {limit}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``report`` command's options (the Makefile passes its variables through these)."""
    parser.add_argument("--vendor", default="", metavar="NAME",
                        help="render only this vendor's deep dive, into OUT/<vendor>/ with its "
                        "own index (matched ignoring case; default: the full report, every "
                        "vendor with at least --min-incidents incidents)")
    parser.add_argument("--start", default=DEFAULT_START, metavar="YYYY-MM-DD",
                        help="first day of the window, UTC, inclusive")
    parser.add_argument("--end", default="", metavar="YYYY-MM-DD",
                        help="last day of the window, UTC, inclusive (default: the last day the "
                        "data covers; a later end is cut there)")
    parser.add_argument("--sla-target", type=float, default=0.0, metavar="FRACTION",
                        help="availability objective for every vendor as a fraction, e.g. "
                        "0.999; 0 uses each vendor's own SLA")
    parser.add_argument("--min-incidents", type=int, default=3, metavar="N",
                        help="below this count rates are shown as bounds only")
    parser.add_argument("--data", default="", metavar="PATH",
                        help="incident CSV (default: data/incidents.csv, or $INCIDENTS_DATA)")
    parser.add_argument("--org", "--vendors", dest="vendors", default="", metavar="PATH",
                        help="organisation file, or a bare vendor CSV (default: "
                             "data/organisation.toml, or $INCIDENTS_VENDORS)")
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="both",
                        type=str.lower, help="html, pdf (A4, printed by Chromium) or both")
    parser.add_argument("--out", type=Path, default=config.REPORT_DIR, metavar="FOLDER",
                        help="folder the report is published into (default: report/ in the "
                        "project)")
    parser.add_argument("--skip-invalid", action="store_true",
                        help="leave out invalid rows and list them in the report's appendix "
                        "(default: refuse invalid data)")
    parser.add_argument("--jobs", type=int, default=0, metavar="N",
                        help="notebooks run at once, one warm kernel each (default 0: one per "
                        "core; never more than the cores or the notebooks)")
    parser.add_argument("--keep-notebooks", type=Path, default=None, metavar="FOLDER",
                        help="also keep the executed notebooks (with outputs) in FOLDER "
                        "(default: not kept)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list every notebook, page and file as it is done (default: a "
                        "line per notebook and a summary)")


def prepare_jobs(options: Options):  # -> tuple[list[Job], report_data.ReportData]
    """The notebooks to run and the data they read, loaded and checked once (an invalid file is
    refused here, before any kernel starts)."""
    from incidents.analysis import metrics
    from incidents.data import load
    from incidents.present import report

    common: dict[str, object] = {
        "data_file": options.data,
        "vendors_file": options.vendors,
        "sla_target": float(options.sla_target),
        "min_incidents": int(options.min_incidents),
        "skip_invalid": bool(options.skip_invalid),
    }
    if options.start:
        common["start"] = options.start
    if options.end:
        common["end"] = options.end
    # The data is loaded and checked here for one vendor too, so that an invalid file is
    # refused before any notebook runs.
    data = report.prepare(options.data, options.vendors, options.start or DEFAULT_START,
                          options.end, options.skip_invalid)
    span = _span(data.window)
    if options.vendor:
        vendors = [parameters.check_vendor(options.vendor, data.vendors["vendor"])]
        jobs: list[Job] = []
    else:
        vendors = metrics.vendors_with_enough_incidents(data.window_incidents,
                                                        options.min_incidents)
        jobs = [Job("portfolio", "portfolio", "All vendors", dict(common),
                    f"Cloud vendor portfolio: reliability, {span}")]
    for vendor in vendors:
        params = dict(common, vendor=vendor)
        jobs.append(Job("vendor", load.page_name(vendor), vendor, params,
                        f"{vendor}: reliability, {span}"))
    return jobs, data
