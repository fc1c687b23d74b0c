"""Render the report: papermill runs the notebooks, nbconvert writes HTML, Chromium prints PDF.

Everything is built in a private staging folder and moved into ``report/`` only when every
notebook has succeeded, so a failed or interrupted run leaves the last good report untouched.
A run publishes into one folder with its own ``index.html``, which says the window and when
the run was made: the full report into ``report/``, a one-vendor run into
``report/<vendor>/``, so files of different runs are never listed as one report. Every option
is checked before a kernel starts.
Notebooks run in parallel in one Python process (each in its own kernel); HTML export and the
PDF printing happen in the same process, which saves an interpreter start per step.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import html
import itertools
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from incidents import config
from incidents.data import companions, locking, read
from incidents.errors import IncidentsError, ParameterError, terminal_text
from incidents.present import parameters
from incidents.render import kernels

FORMATS = ("html", "pdf", "both")
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
HIDDEN_CELL_TAGS = ("injected-parameters", "parameters", "remove-cell")
PUBLISHED = (".html", ".pdf", ".csv")
#: In the output folder: the files the report wrote there (only those are ever removed).
MANIFEST = ".report-manifest.json"
PUBLISH_LOCK = ".report.lock"
#: First day of the window when none is given (the notebooks' own default).
DEFAULT_START = "2023-01-01"
#: Seconds one notebook cell may run before the report gives up on it.
CELL_TIMEOUT = 600


class RenderError(IncidentsError):
    """A notebook failed, or the PDF engine is missing or failed."""


class OutputFolderError(RenderError):
    """The output folder is one the report must not write into, or holds files of others."""

    usage = True  # the --out option names a folder the report must not use


class NotebookError(RenderError):
    """A notebook failed; the executed notebook is kept in the run's folder to look at."""


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
    weights: Mapping[str, float] = field(default_factory=dict)  # risk weights; others default
    verbose: bool = False  # list every notebook, page and file as it is done


@dataclass(frozen=True, slots=True)
class Run:
    """What one run covers, stated on its index page and in every file's title."""

    title: str  # "All vendors" or the vendor's name
    window: str  # "2025-01-01 to 2026-11-30", both days included
    window_slug: str  # "2025-01-01-to-2026-11-30", part of the attachment file names
    generated: str  # "2026-12-01 10:27 UTC"


# ---------------------------------------------------------------- planning


def check_options(options: Options) -> Options:
    """Check every option before anything starts; raise ParameterError with the fix.

    Returns the options with the vendor spelled as ``vendors.csv`` spells it (``"microsoft
    365"`` finds ``"Microsoft 365"``) and the full set of risk weights.
    """

    if options.fmt not in FORMATS:
        raise ParameterError(f"format {options.fmt!r} is not one of {', '.join(FORMATS)}: "
                             "write e.g. --format html (FORMAT=html)")
    if options.jobs < 0:
        raise ParameterError(f"jobs={options.jobs} must be 0 (one per core) or more (notebooks "
                             "run at once)")
    weights = parameters.check_parameters(options.sla_target, options.min_incidents,
                                      options.weights)
    parameters.resolve_window(options.start or DEFAULT_START, options.end)
    vendor = options.vendor
    if vendor:
        known = companions.load_vendors(options.vendors or None)["vendor"]
        vendor = parameters.check_vendor(vendor, known)
    return replace(options, vendor=vendor, weights=weights)


def plan_jobs(options: Options) -> list[Job]:
    """The notebooks to run: the portfolio, then a deep dive per vendor with enough incidents
    in the window.

    With ``options.vendor`` set only that vendor's deep dive runs.
    """
    return _plan(options)[0]


def _plan(options: Options):  # -> tuple[list[Job], report_data.ReportData]
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
    common.update({f"weight_{name}": float(value) for name, value in options.weights.items()})
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


def _share_prepared(workdir: Path) -> Path:
    """Write what :func:`_plan` prepared for the kernels to adopt (see
    :func:`incidents.report.save_prepared`); return the file."""
    from incidents.present import report

    shared = workdir / "prepared.pickle"
    report.save_prepared(shared)
    return shared


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


# ---------------------------------------------------------------- executing


class LocalNotebookFiles:
    """papermill's handler for local notebook files, without its change of directory.

    papermill's own handler changes the process's working directory around every read and
    write (to a folder it keeps in a shared attribute); with notebooks running in several
    threads those changes race and can leave the process in another folder. The report
    gives papermill absolute paths, so plain reads and writes do. Registered under
    papermill's ``local`` scheme (its documented way to plug in I/O handlers) by
    :func:`execute`.
    """

    def read(self, path: str) -> str:
        return Path(path).read_text(encoding="utf-8")

    def write(self, buf: str, path: str) -> None:
        target = Path(path)
        if not target.parent.is_dir():
            raise FileNotFoundError(f"output folder {target.parent} doesn't exist.")
        target.write_text(buf, encoding="utf-8")

    def listdir(self, path: str) -> list[str]:
        return [os.path.join(path, name) for name in os.listdir(path)]

    def pretty_path(self, path: str) -> str:
        return path

    def cwd(self, new_path: str | None) -> None:  # papermill sets it around each run
        return None


def execute(job: Job, workdir: Path, kernel=None, verbose: bool = True) -> Path:
    """Run one notebook with papermill into ``workdir``; raise :class:`RenderError` on failure.

    ``kernel`` is a started :class:`jupyter_client.KernelManager` to reuse (its namespace is
    reset first, its imports stay warm); without one papermill starts a fresh kernel.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from papermill.iorw import papermill_io

    if not isinstance(papermill_io.get_handler("local"), LocalNotebookFiles):
        papermill_io.register("local", LocalNotebookFiles())
    source = (config.NOTEBOOKS_DIR / f"{job.notebook}.ipynb").resolve()
    executed = (workdir / f"{job.stem}.ipynb").resolve()
    if verbose:
        print(terminal_text(f"  running {job.notebook}.ipynb for {job.title} ..."), flush=True)
    started = time.perf_counter()
    extra: dict[str, object] = {}
    if kernel is not None:
        # A warm kernel already runs in the notebooks folder. papermill's ``cwd`` would
        # chdir this whole process around the run, which threads running notebooks side by
        # side would undo for each other (leaving the process in the wrong folder).
        kernels.reset_namespace(kernel)
        extra["km"] = kernel
    else:
        extra["cwd"] = str(config.NOTEBOOKS_DIR)
    try:
        papermill.execute_notebook(
            str(source), str(executed), parameters=job.parameters, kernel_name="python3",
            progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            execution_timeout=CELL_TIMEOUT, **extra)
    except PapermillExecutionError as exc:
        raise NotebookError(_failure_message(job, executed, exc)) from None
    except Exception as exc:  # a dead kernel or a start-up failure
        raise NotebookError(f"notebook {job.notebook}.ipynb ({job.title}) could not run: "
                            f"{type(exc).__name__}: {exc}. The partial notebook is kept at "
                            f"{executed}") from None
    print(f"  done    {job.stem} in {time.perf_counter() - started:.1f} s", flush=True)
    return executed


def _failure_message(job: Job, executed: Path, exc: Exception) -> str:
    cell = getattr(exc, "exec_count", None)
    ename = getattr(exc, "ename", "Error")
    evalue = getattr(exc, "evalue", str(exc))
    return (f"notebook {job.notebook}.ipynb ({job.title}) failed in cell [{cell}]: {ename}: "
            f"{evalue}\n  The executed notebook with the error is kept at {executed}")


# ---------------------------------------------------------------- exporting


def html_exporter():  # -> nbconvert.HTMLExporter, imported lazily (slow import)
    """An HTML exporter: no code, no prompts, no parameter cells, no script, images inline.

    One for the process (compiling its template is most of an export's time); use it under
    :data:`_EXPORT_LOCK`, as :func:`export_html` does.
    """
    global _EXPORTER
    with _EXPORT_LOCK:
        if _EXPORTER is None:
            _EXPORTER = _new_html_exporter()
        return _EXPORTER


_EXPORT_LOCK = threading.RLock()
_EXPORTER = None


def warm_up_exporting() -> None:
    """Import papermill and compile the HTML template now, while the kernels start, so the
    first notebook does not wait for them."""
    import nbformat
    import papermill  # noqa: F401

    with _EXPORT_LOCK:
        html_exporter().from_notebook_node(nbformat.v4.new_notebook())


def _new_html_exporter():  # -> nbconvert.HTMLExporter
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    settings = Config()
    settings.TagRemovePreprocessor.remove_cell_tags = set(HIDDEN_CELL_TAGS)
    settings.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=settings, template_name="report",
                            extra_template_basedirs=[str(config.TEMPLATE_DIR)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    exporter.register_preprocessor(TagRemovePreprocessor(config=settings), enabled=True)
    return exporter


def export_html(executed: Path, target: Path, title: str,
                timing: Timing | None = None) -> Path:
    """Write the executed notebook as one self-contained HTML file (and note its cell time in
    ``timing``)."""
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    if timing is not None:
        timing.cells[target.stem] = cell_seconds(notebook)
    notebook.metadata["title"] = title
    written = drop_stderr(notebook)
    if written:
        print(terminal_text(f"  note: {target.stem} wrote to stderr (not in the page, kept in "
                            f"the executed notebook): {written[0][:200]}"), flush=True)
    with _EXPORT_LOCK:
        body, _ = html_exporter().from_notebook_node(notebook)
    target.write_text(body, encoding="utf-8")
    return target


def drop_stderr(notebook) -> list[str]:  # notebook: nbformat.NotebookNode
    """Remove what cells wrote to stderr (warnings, log lines: they carry local paths and
    are not for the reader) from ``notebook``; return the lines removed."""
    removed = []
    for cell in notebook.cells:
        outputs = cell.get("outputs", [])
        kept = [o for o in outputs if not (o.get("output_type") == "stream"
                                           and o.get("name") == "stderr")]
        for output in outputs:
            if output not in kept:
                removed += [line for line in str(output.get("text", "")).splitlines() if line]
        if len(kept) != len(outputs):
            cell["outputs"] = kept
    return removed


def find_chromium() -> str:
    """Path of a Chromium binary, or a :class:`RenderError` that says how to install one."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise RenderError("no Chromium found for the PDF: run 'make setup' (installs Debian's "
                      "chromium package) or use FORMAT=html")


def print_pdf(html_file: Path, pdf_file: Path, timeout: float = 120) -> Path:
    """Print ``html_file`` to an A4 PDF with headless Chromium (no network, fresh profile)."""
    chromium = find_chromium()
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--disable-extensions", "--no-pdf-header-footer",
                   f"--user-data-dir={profile}", f"--print-to-pdf={pdf_file}",
                   html_file.resolve().as_uri()]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                check=False)
    if result.returncode != 0 or not pdf_file.exists() or pdf_file.stat().st_size == 0:
        raise RenderError(f"Chromium could not print {html_file.name} to PDF "
                          f"(exit {result.returncode}): {result.stderr.strip()[-400:]}")
    return pdf_file


def print_pdfs(html_files: Iterable[Path], timeout: float = 120,
               verbose: bool = True) -> list[Path]:
    """Print each HTML file to an A4 PDF beside it, in one headless Chromium session.

    Playwright drives the system Chromium (it downloads no browser); without Playwright each
    file is printed by its own ``chromium --print-to-pdf`` run. ``html_files`` may be a
    generator: files are printed as it yields them.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [print_pdf(path, path.with_suffix(".pdf"), timeout) for path in html_files]
    chromium = find_chromium()
    files = iter(html_files)
    first = next(files, None)  # the browser starts when there is something to print
    if first is None:
        return []
    try:
        return _print_with_playwright(sync_playwright, chromium, first, files, timeout,
                                      verbose)
    except RenderError:
        raise
    except Exception as exc:  # Playwright's own errors: say what failed, not a traceback
        raise RenderError(f"Chromium could not start to print the PDF: "
                          f"{_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300] if text else ''}"


def _print_with_playwright(sync_playwright, chromium: str, first: Path,
                           files: Iterator[Path], timeout: float,
                           verbose: bool = True) -> list[Path]:
    printed = []
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
                ("file:", "data:")) else route.abort())
            for path in itertools.chain([first], files):
                if verbose:
                    print(f"  printing {path.with_suffix('.pdf').name}", flush=True)
                try:
                    page.goto(path.resolve().as_uri(), wait_until="load",
                              timeout=timeout * 1000)
                    page.pdf(path=str(path.with_suffix(".pdf")), format="A4",
                             print_background=True, prefer_css_page_size=True)
                except Exception as exc:
                    raise RenderError(f"Chromium could not print {path.name} to PDF: "
                                      f"{_first_line(exc)}") from None
                printed.append(path.with_suffix(".pdf"))
        finally:
            browser.close()
    return printed


class PdfPrinter:
    """Prints HTML files to PDF in a background thread while later notebooks still run.

    :meth:`submit` queues a file; :meth:`finish` waits for every queued file and raises the
    first printing error. Playwright's API stays in the one thread that made the browser.
    """

    def __init__(self, timeout: float = 120, verbose: bool = False) -> None:
        self.verbose = verbose
        self.queue: queue.SimpleQueue[Path | None] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.printed: list[Path] = []
        self.thread = threading.Thread(target=self._print_all, args=(timeout,), daemon=True)
        self.thread.start()

    def submit(self, html_file: Path) -> None:
        self.queue.put(html_file)

    def finish(self) -> list[Path]:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.printed

    def stop(self, wait: float = 30) -> None:
        """Print nothing more; let the page being printed end and the browser close."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put(None)
        self.thread.join(timeout=wait)

    def _print_all(self, timeout: float) -> None:
        try:
            self.printed = print_pdfs(iter(self.queue.get, None), timeout, self.verbose)
        except BaseException as exc:  # handed to the thread that calls finish()
            self.error = exc


ATTACHMENT_COLUMNS = ["vendor", "incident_id", "product", "service", "title", "impact",
                      "severity", "start_utc", "start_precision", "end_utc", "end_precision",
                      "duration_hours", "affected_clients", "root_cause_category",
                      "change_induced", "source_urls"]


def attachment_name(job: Job, run: Run) -> str:
    """The file name of a report's incident table; it names the window, since a spreadsheet
    travels without the report."""
    return f"{job.stem}-incidents-{run.window_slug}.csv"


def write_attachments(jobs: list[Job], options: Options, folder: Path,
                      run: Run | None = None) -> list[Path]:
    """Each report's incidents as a CSV for spreadsheets (formula-like cells neutralised)."""
    from incidents.present import report, safe

    data = report.prepare(options.data, options.vendors, options.start or DEFAULT_START,
                          options.end, options.skip_invalid)
    run = run or describe_run(options, data.window)
    table = data.window_incidents[ATTACHMENT_COLUMNS].sort_values(["start_utc", "vendor"])
    table = table.assign(duration_hours=table["duration_hours"].round(2))
    written = []
    for job in jobs:
        vendor = job.parameters.get("vendor")
        rows = table if vendor is None else table.loc[table["vendor"] == vendor]
        written.append(safe.write_spreadsheet_csv(rows, folder / attachment_name(job, run)))
    return written


def write_index(jobs: list[Job], folder: Path, formats: tuple[str, ...], run: Run,
                left_out: dict[str, int] | None = None, min_incidents: int = 3) -> Path:
    """The run's own page: what it covers, its window, when it was made, a link to each of
    its files (no script, no external URL).

    ``left_out`` maps each vendor with no deep dive to its incident count in the window,
    which is below ``min_incidents``.
    """
    items = []
    for job in jobs:
        links = " · ".join(f'<a href="{html.escape(job.stem)}.{ext}">{ext.upper()}</a>'
                           for ext in formats)
        links += (f' · <a href="{html.escape(attachment_name(job, run))}">incidents '
                  "(CSV)</a>")
        items.append(f"<li><strong>{html.escape(job.title)}</strong>: {links}</li>")
    scope = ("every vendor" if run.title == "All vendors"
             else f"{html.escape(run.title)} only")
    quiet = ""
    if left_out:
        names = ", ".join(f"{html.escape(name)} ({count} incident{'' if count == 1 else 's'})"
                          for name, count in left_out.items())
        quiet = (f"<p>No deep dive for vendors with fewer than {min_incidents} incidents in "
                 f"the window, too few for rates or a trend (the portfolio report shows them "
                 f"with bounds only): {names}.</p>")
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>Cloud vendor reliability report: {html.escape(run.title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;"
        "padding:0 1em;line-height:1.5}</style></head><body>"
        "<h1>Cloud vendor reliability report</h1>"
        f"<p>One run covering {scope}: incidents from <strong>{html.escape(run.window)}"
        f"</strong> (UTC, both days included), rendered {html.escape(run.generated)}. Every "
        "file below comes from this run.</p><ul>" + "".join(items) + "</ul>" + quiet
        + "</body></html>\n")
    target = folder / "index.html"
    target.write_text(page, encoding="utf-8")
    return target


# ---------------------------------------------------------------- publishing


def check_output_folder(out: Path, data: str = "", vendors: str = "") -> None:
    """Refuse an output folder that holds the project's own files.

    The project folder itself, ``data/``, ``src/``, ``notebooks/`` and ``.git/`` (or a folder
    inside one of them) and the folder of the incident or vendor file in use are refused with
    an :class:`OutputFolderError`, before any notebook runs.
    """
    target = out.resolve()
    root = config.PROJECT_ROOT.resolve()
    if target == root:
        raise OutputFolderError(_refusal(out, "is the project folder"))
    trees = {config.DATA_DIR: "data folder", config.PACKAGE_DIR.parent: "source folder",
             config.NOTEBOOKS_DIR: "notebooks folder", root / ".git": "git folder"}
    for tree, label in trees.items():
        tree = tree.resolve()
        if target == tree or tree in target.parents:
            raise OutputFolderError(_refusal(out, f"is in the project's {label} ({tree})"))
    for path in (config.incidents_path(data or None), config.vendors_path(vendors or None)):
        if target == path.resolve().parent:
            raise OutputFolderError(_refusal(out, f"holds the input file {path.name}"))


def _refusal(out: Path, why: str) -> str:
    return (f"--out {out} {why}: the report does not write into a folder of the project's "
            "data or code. Fix: choose a folder of its own, e.g. --out report (the default)")


def _report_names(name: str) -> bool:
    """A name the report writes (its pages, PDFs, attachments and index)."""
    return bool(re.fullmatch(r"(index\.html|portfolio(-incidents\.csv|\.html|\.pdf)"
                             r"|vendor-[a-z0-9-]+(-incidents\.csv|\.html|\.pdf))", name))


def earlier_outputs(out: Path) -> set[str]:
    """Names of the files an earlier run published in ``out``, from its manifest.

    Only plain names of regular files with a published suffix count (a manifest naming
    ``../data/incidents.csv`` names nothing). The project's own report folder from before
    manifests existed: its files with the report's names count as the report's.
    """
    manifest = out / MANIFEST
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
    except FileNotFoundError:
        listed = None
    except (OSError, ValueError, AttributeError):
        listed = []
    if listed is None:
        same = out.resolve() == config.REPORT_DIR.resolve()
        listed = [p.name for p in out.iterdir() if same and _report_names(p.name)]
    return {name for name in listed if isinstance(name, str) and name == Path(name).name
            and name not in ("", ".", "..") and Path(name).suffix in PUBLISHED
            and (out / name).is_file() and not (out / name).is_symlink()}


def _write_manifest(out: Path, names: Iterable[str]) -> None:
    text = json.dumps({"written_by": "python -m incidents report",
                       "files": sorted(names)}, indent=1) + "\n"
    temporary = out / f".{MANIFEST}.{os.getpid()}.tmp"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, out / MANIFEST)


def publish(staging: Path, out: Path, prune: bool = True) -> list[Path]:
    """Move every finished file from ``staging`` into ``out``.

    Each file is replaced atomically (``os.replace`` on one file system), so a reader never
    sees a half-written file. ``out/.report-manifest.json`` lists what the report wrote there:
    with ``prune`` (a full report) files an earlier run wrote that this run no longer makes,
    such as the deep dive of a vendor that fell below the minimum or an attachment of another
    window, are removed; a file the report did not write is never removed, nor replaced (the
    run stops with a message); folders (the one-vendor runs inside ``report/``) are left
    alone. One run publishes into a folder at a time (a lock beside the manifest; a second
    run waits, at most a minute).
    """
    out.mkdir(parents=True, exist_ok=True)
    with locking.exclusive(out / PUBLISH_LOCK, f"the report folder {out}"):
        earlier = earlier_outputs(out)
        produced = sorted(p for p in staging.iterdir() if p.suffix in PUBLISHED)
        names = {p.name for p in produced}
        foreign = sorted(n for n in names if n not in earlier and (
            (out / n).exists() or (out / n).is_symlink()))
        if foreign:
            raise OutputFolderError(
                f"{out} already has {', '.join(foreign[:5])}"
                f"{' ...' if len(foreign) > 5 else ''}, not written by an earlier report: "
                "nothing was published. Fix: move those files away, or choose another --out "
                "folder")
        _write_manifest(out, earlier | names)  # a crash below leaves every file accounted for
        moved = []
        for path in produced:
            target = out / path.name
            os.replace(path, target)
            moved.append(target)
        kept = names if prune else earlier | names
        for name in sorted(earlier - kept):
            (out / name).unlink(missing_ok=True)
        _write_manifest(out, kept)
    return moved


@dataclass
class Timing:
    """Where a report run spent its time (seconds), printed at its end."""

    kernels_ready: list[float] = field(default_factory=list)  # since the run started
    cells: dict[str, float] = field(default_factory=dict)  # per notebook, as papermill timed

    def summary(self) -> str:
        ready = f"kernels ready after {max(self.kernels_ready):.1f} s" if (
            self.kernels_ready) else "no kernel started"
        slowest = max(self.cells, key=self.cells.get) if self.cells else None
        cells = (f"; notebook cells {sum(self.cells.values()):.1f} s in all over "
                 f"{len(self.kernels_ready)} kernel(s), slowest {slowest} "
                 f"{self.cells[slowest]:.1f} s") if slowest else ""
        return ready + cells


def skip_unused_iri_grammar() -> None:
    """Keep jsonschema from compiling an RFC 3987 grammar that the report never uses.

    nbformat imports jsonschema's format checkers, and the optional ``rfc3987_syntax``
    (installed for JupyterLab's event schemas) builds a Lark parser as it is imported: about
    0.75 s at the start of a report run, while the two kernels start on a 2-core machine.
    nbformat's notebook schemas have no ``iri`` format and nbformat checks no formats, so
    marking the module absent for this process (jsonschema then leaves out its one ``iri``
    checker) changes no validation. A process that already imported jsonschema is left as it
    is.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]


def build(options: Options, timing: Timing | None = None) -> list[Path]:
    """Execute, export and publish the whole report; return the published files.

    ``timing``, when given, is filled in with where the time went. Options are checked
    first (:func:`check_options`): a refused run starts nothing and leaves nothing behind.
    """
    skip_unused_iri_grammar()
    timing = timing if timing is not None else Timing()
    options = check_options(options)  # before any kernel starts or any folder is made
    check_output_folder(options.out, options.data, options.vendors)
    config.BUILD_DIR.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=config.BUILD_DIR))
    try:
        published = _build_in(workdir, options, timing)
    except NotebookError:
        raise  # its message points at the executed notebook kept in ``workdir``
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    shutil.rmtree(workdir, ignore_errors=True)
    return published


def _build_in(workdir: Path, options: Options, timing: Timing) -> list[Path]:
    formats = ("html", "pdf") if options.fmt == "both" else (options.fmt,)
    staging = workdir / "publish"
    staging.mkdir()
    # Kernels start (about 2 s each) while this process loads the data and plans the jobs;
    # each exported page is printed to PDF while the next notebooks run.
    printer = PdfPrinter(verbose=options.verbose) if "pdf" in formats else None
    workers = worker_count(options.jobs, 1 if options.vendor else None)
    pool = Workers(workers, workdir, staging, timing,
                   on_exported=printer.submit if printer else None, verbose=options.verbose)
    try:
        options, originals = snapshot_inputs(options, workdir / "snapshot")
        with _named_as_given(originals):
            jobs, data = _plan(options)
        pool.adopt(_share_prepared(workdir))
        run = describe_run(options, data.window)
        if data.skipped_rows:
            rows = "row" if data.skipped_rows == 1 else "rows"
            print(f"skipped {data.skipped_rows} invalid {rows} (listed in the report's "
                  "appendix)", flush=True)
        print(terminal_text(f"Rendering {len(jobs)} notebook(s) into "
                            f"{shown(run_folder(options))}/ ..."), flush=True)
        note = jobs_note(options.jobs, min(workers, len(jobs)), len(jobs))
        if note:
            print(note, flush=True)
        pool.submit(jobs)
        warm_up_exporting()
        html_files = pool.wait(jobs)
    except BaseException:
        pool.close()
        if printer is not None:
            printer.stop()
        raise
    pool.close()
    if printer is not None:
        printer.finish()
    if options.keep_notebooks:
        options.keep_notebooks.mkdir(parents=True, exist_ok=True)
        for job in jobs:
            shutil.copy2(workdir / f"{job.stem}.ipynb", options.keep_notebooks)
    if "html" not in formats:
        for path in html_files:
            path.unlink()
    write_attachments(jobs, options, staging, run)
    write_index(jobs, staging, formats, run,
                None if options.vendor else left_out_vendors(options), options.min_incidents)
    return publish(staging, run_folder(options))


def shown(path: Path) -> str:
    """``path`` as a person types it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(path)


def snapshot_inputs(options: Options, folder: Path) -> tuple[Options, dict[str, str]]:
    """Copy the evidence into ``folder`` and point ``options`` at the copies.

    Copied: the incident file with the records and event links beside it and the record
    files ``records.csv`` lists (inside its folder), and the vendor file with the SLAs and
    published uptime beside it, each folder's layout kept. Every step of the run (planning,
    each notebook, the attachments, the provenance hash) reads the copies, so a file changed
    while the report runs changes nothing in it. Returns the new options and, per copy, the
    path the user gave. A path that is not a regular file is passed on as given, for the
    loader to explain.
    """
    folder.mkdir()
    originals: dict[str, str] = {}
    data = config.incidents_path(options.data or None)
    vendors = config.vendors_path(options.vendors or None)
    listed = _record_files(data.parent)
    root = folder / "data"
    outside = [name for name in listed
               if not os.path.normpath(root / name).startswith(str(folder) + os.sep)]
    if outside:  # the copies could not keep the layout: read the data side in place
        print(terminal_text(f"  note: {config.RECORDS_NAME} lists {outside[0]!r}, outside the "
                            "data's folder: the data files are read in place, not copied"),
              flush=True)
        data_copy = str(data)
    else:
        data_copy = _copy_input(data, root / data.name, originals)
    if data_copy != str(data):
        for name in (config.RECORDS_NAME, config.EVENTS_NAME, *listed):
            _copy_input(data.parent / name, root / name, originals)
    vendors_copy = _copy_input(vendors, folder / "vendors" / vendors.name, originals)
    if vendors_copy != str(vendors):
        for name in config.VENDOR_COMPANIONS:
            _copy_input(vendors.parent / name, folder / "vendors" / name, originals)
    return dataclasses.replace(options, data=data_copy, vendors=vendors_copy), originals


def _copy_input(given: Path, copy: Path, originals: dict[str, str]) -> str:
    """Copy ``given`` to ``copy`` when it is a regular file of a size the loader reads;
    return the path to read from then on (the copy, or ``given`` as it is)."""

    try:
        regular = given.is_file() and given.stat().st_size <= read.MAX_FILE_BYTES
    except OSError:
        regular = False
    if not regular:
        return str(given)
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(given, copy)
    originals[str(copy)] = str(given)
    return str(copy)


def _record_files(folder: Path) -> list[str]:
    """The record files ``records.csv`` in ``folder`` lists (relative names as written)."""
    import csv

    try:
        with (folder / config.RECORDS_NAME).open(encoding="utf-8-sig", newline="") as handle:
            return [row["file"] for row in csv.DictReader(handle) if row.get("file")]
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


@contextlib.contextmanager
def _named_as_given(originals: dict[str, str]) -> Iterator[None]:
    """Problems found in a snapshot copy are reported with the path the user gave."""
    from incidents.errors import InputError

    try:
        yield
    except InputError as exc:
        def named(text: str) -> str:
            for copy, given in originals.items():
                text = text.replace(copy, given)
            return text

        raise InputError([dataclasses.replace(p, file=named(p.file), message=named(p.message),
                                              fix=named(p.fix)) for p in exc.problems]) from None


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


def cell_seconds(notebook) -> float:  # notebook: nbformat.NotebookNode
    """Seconds papermill recorded for the notebook's code cells."""
    return sum(float(cell.get("metadata", {}).get("papermill", {}).get("duration") or 0)
               for cell in notebook.cells if cell.get("cell_type") == "code")


class Workers:
    """Threads that each start a warm kernel, then run and export notebooks from a queue.

    The kernels start as soon as the pool is made; :meth:`submit` hands out the jobs,
    :meth:`wait` waits for them and raises the first failure; :meth:`close` shuts every
    kernel down (also after Ctrl-C).
    """

    def __init__(self, count: int, workdir: Path, staging: Path,
                 timing: Timing | None = None,
                 on_exported: Callable[[Path], None] | None = None,
                 verbose: bool = False) -> None:
        self.workdir = workdir
        self.verbose = verbose
        self.staging = staging
        self.on_exported = on_exported
        self.timing = timing if timing is not None else Timing()
        self.started = time.perf_counter()
        self.queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.failures: list[BaseException] = []
        self.stopping = False  # set by close(): take no further job
        self.done: dict[str, Path] = {}
        self.kernels: list = []
        self.prepared: Path | None = None
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(count)]
        for thread in self.threads:
            thread.start()

    def adopt(self, prepared: Path) -> None:
        """Have each kernel adopt the data sets in ``prepared`` before its first notebook
        (call before :meth:`submit`)."""
        self.prepared = prepared

    def submit(self, jobs: list[Job]) -> None:
        """Queue every job (the workers take them as soon as their kernels are ready)."""
        for job in jobs:
            self.queue.put(job)
        self._stop_workers()

    def wait(self, jobs: list[Job]) -> list[Path]:
        """Wait for the submitted jobs; return their HTML files in the order of ``jobs``."""
        for thread in self.threads:
            thread.join()
        if self.failures:
            raise self.failures[0]
        return [self.done[job.stem] for job in jobs]

    def close(self) -> None:
        """Stop handing out jobs and shut every kernel down."""
        with self.lock:
            self.stopping = True
            kernels_now = list(self.kernels)
        self._stop_workers()
        for kernel in kernels_now:
            kernel.shutdown_kernel(now=True)
        for thread in self.threads:
            thread.join(timeout=30)

    def _stop_workers(self) -> None:
        for _ in self.threads:
            self.queue.put(None)

    def _work(self) -> None:
        kernel = None
        try:
            kernel = kernels.start_kernel(self.workdir)
            with self.lock:
                self.kernels.append(kernel)
                self.timing.kernels_ready.append(time.perf_counter() - self.started)
            adopted = False
            while (job := self.queue.get()) is not None:
                with self.lock:
                    if self.failures or self.stopping:
                        return
                if self.prepared is not None and not adopted:
                    kernels.run_code(kernel, "import incidents.present.report as report; "
                                     f"report.adopt_prepared({str(self.prepared)!r})")
                    adopted = True
                executed = execute(job, self.workdir, kernel, self.verbose)
                self.done[job.stem] = export_html(executed, self.staging / f"{job.stem}.html",
                                                  job.page_title or job.title, self.timing)
                if self.on_exported is not None:
                    self.on_exported(self.done[job.stem])
        except BaseException as exc:
            with self.lock:
                self.failures.append(exc)
        finally:
            if kernel is not None:
                with self.lock:
                    if kernel in self.kernels:
                        self.kernels.remove(kernel)
                kernel.shutdown_kernel(now=True)


# ---------------------------------------------------------------- command line


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
    parser.add_argument("--weights", type=parse_weights, default={}, metavar="NAME=W,...",
                        help="risk weights, e.g. frequency=0.4,restore=0.2 (components: "
                        "frequency, restore, trend, change, broad_impact; default: "
                        "frequency=0.3,restore=0.25,trend=0.15,change=0.1,broad_impact=0.2; "
                        "a component left out keeps its default)")
    parser.add_argument("--data", default="", metavar="PATH",
                        help="incident CSV (default: data/incidents.csv, or $INCIDENTS_DATA)")
    parser.add_argument("--vendors", default="", metavar="PATH",
                        help="vendor CSV (default: data/vendors.csv, or $INCIDENTS_VENDORS)")
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


def parse_weights(text: str) -> dict[str, float]:
    """``"frequency=0.4, restore=0.2"`` -> ``{"frequency": 0.4, "restore": 0.2}`` (empty: no
    change); the names and values are checked by :func:`incidents.report.check_weights`."""
    weights: dict[str, float] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        name, equals, value = (side.strip() for side in part.partition("="))
        if not equals or not name:
            raise argparse.ArgumentTypeError(
                f"{part!r} is not NAME=WEIGHT: write e.g. --weights frequency=0.4,restore=0.2")
        try:
            weights[name] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"weight {name}={value!r} is not a number: write e.g. {name}=0.2") from None
    return weights


def main(args: argparse.Namespace) -> int:
    """The ``report`` command: build the report from the parsed options, say where it is."""
    options = Options(vendor=args.vendor, start=args.start, end=args.end,
                      sla_target=args.sla_target, min_incidents=args.min_incidents,
                      data=args.data, vendors=args.vendors, fmt=args.fmt, out=args.out,
                      skip_invalid=args.skip_invalid, jobs=args.jobs,
                      keep_notebooks=args.keep_notebooks, weights=args.weights,
                      verbose=args.verbose)
    started = time.perf_counter()
    timing = Timing()
    published = build(options, timing)
    if options.verbose:
        for path in published:
            print(terminal_text(f"  wrote {shown(path)}"))
    print(f"Report ready in {time.perf_counter() - started:.1f} s ({timing.summary()}).")
    folder = published[0].parent if published else options.out
    print(f"{len(published)} files written to {shown(folder)}/: open "
          f"{shown(folder / 'index.html')}")
    return 0
