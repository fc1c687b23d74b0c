"""Publishing a finished run: attachments and the index page written, the output folder checked,
and every file moved into place only when all of them are ready.
"""

from __future__ import annotations

import contextlib
import errno
import html
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from incidents import config
from incidents.data import locking
from incidents.errors import (
    OutputFolderError,
)
from incidents.render import plan

PUBLISHED = (".html", ".pdf", ".csv", ".json")


#: In the output folder: the files the report wrote there (only those are ever removed).
MANIFEST = ".report-manifest.json"


PUBLISH_LOCK = ".report.lock"


ATTACHMENT_COLUMNS = ["vendor", "incident_id", "ids_in_event", "product", "service", "title",
                      "impact", "severity", "start_utc", "start_precision", "end_utc",
                      "end_precision", "duration_min_hours", "duration_max_hours",
                      "last_impact_utc", "scope", "affected_clients", "root_cause_category",
                      "change_induced", "record_id", "source_urls", "disagreement"]


def attachment_name(job: plan.Job, run: plan.Run) -> str:
    """The file name of a report's incident table; it names the window, since a spreadsheet
    travels without the report."""
    return f"{job.stem}-incidents-{run.window_slug}.csv"


def annex_names(run: plan.Run) -> tuple[str, str]:
    """The file names of the portfolio's third-party annex (CSV, JSON); they name the window."""
    from incidents.present import annex

    return (annex.annex_name(run.window_slug, ".csv"), annex.annex_name(run.window_slug, ".json"))


def is_portfolio(job: plan.Job) -> bool:
    """Whether ``job`` is the portfolio report (it has no vendor of its own)."""
    return job.parameters.get("vendor") is None


def write_attachments(jobs: list[plan.Job], options: plan.Options, folder: Path,
                      run: plan.Run | None = None) -> list[Path]:
    """Each report's incidents as a CSV for spreadsheets (formula-like cells neutralised).
    The portfolio's third-party annex (CSV and JSON) is written by the portfolio notebook,
    from the tables it computes for its page (:func:`incidents.present.annex.write_annex`),
    and kept with the page when it is reused."""
    from incidents.present import report, safe

    data = report.prepare(options.data, options.vendors, options.start or plan.DEFAULT_START,
                          options.end, options.skip_invalid)
    run = run or plan.describe_run(options, data.window)
    table = data.window_incidents[ATTACHMENT_COLUMNS].sort_values(["start_utc", "vendor"])
    table = table.assign(duration_min_hours=table["duration_min_hours"].round(2),
                         duration_max_hours=table["duration_max_hours"].round(2))
    written = []
    for job in jobs:
        vendor = job.parameters.get("vendor")
        rows = table if vendor is None else table.loc[table["vendor"] == vendor]
        written.append(safe.write_spreadsheet_csv(rows, folder / attachment_name(job, run)))
    return written


def write_index(jobs: list[plan.Job], folder: Path, formats: tuple[str, ...], run: plan.Run,
                left_out: dict[str, int] | None = None, min_incidents: int = 3,
                reused: dict[str, str] | None = None) -> Path:
    """The run's own page: what it covers, its window, when it was made, a link to each of
    its files (no script, no external URL).

    ``left_out`` maps each vendor with no deep dive to its incident count in the window,
    which is below ``min_incidents``; ``reused`` maps each page taken from an earlier run
    (nothing it reads changed) to when that run rendered it.
    """
    items = []
    for job in jobs:
        links = " · ".join(f'<a href="{html.escape(job.stem)}.{ext}">{ext.upper()}</a>'
                           for ext in formats)
        links += (f' · <a href="{html.escape(attachment_name(job, run))}">incidents '
                  "(CSV)</a>")
        if is_portfolio(job):
            csv_name, json_name = annex_names(run)
            links += (f' · third-party annex (<a href="{html.escape(csv_name)}">CSV</a>, '
                      f'<a href="{html.escape(json_name)}">JSON</a>)')
        if reused and job.stem in reused:
            links += (f" (reused from the run of {html.escape(reused[job.stem])}: nothing it "
                      "reads changed since)")
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
                             r"|third-party-annex-[a-z0-9-]+\.(csv|json)"
                             r"|vendor-[a-z0-9-]+(-incidents\.csv|\.html|\.pdf))", name))


def earlier_outputs(out: Path) -> set[str]:
    """Names of the files an earlier run published in ``out`` (or found there, named like
    report pages, when no manifest said what wrote them): files this run may replace.

    Only plain names of regular files with a published suffix count (a manifest naming
    ``../data/incidents.csv`` names nothing). The project's own report folder without a
    manifest (a fresh clone, or the manifest lost): its files with the report's names count.
    """
    written, left = _manifest(out)
    if written is None:
        same = out.resolve() == config.REPORT_DIR.resolve()
        written = [p.name for p in out.iterdir() if same and _report_names(p.name)]
    return _plain_files(out, [*written, *left])


def prunable_outputs(out: Path) -> set[str]:
    """Names a full report may remove from ``out``: only files its manifest says an earlier
    report wrote. Without a manifest nothing is removed."""
    written, _ = _manifest(out)
    return _plain_files(out, written or [])


def _manifest(out: Path) -> tuple[list | None, list]:
    """(files the manifest says a report wrote, files it says were found and left), or
    ``(None, [])`` when there is no manifest (an unreadable one names nothing)."""
    try:
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, []
    except (OSError, ValueError):
        return [], []
    if not isinstance(listed, dict):
        return [], []
    files, left = listed.get("files", []), listed.get("left", [])
    return (files if isinstance(files, list) else []), (left if isinstance(left, list) else [])


def _plain_files(out: Path, names: Iterable[object]) -> set[str]:
    return {name for name in names if isinstance(name, str) and name == Path(name).name
            and name not in ("", ".", "..", MANIFEST) and Path(name).suffix in PUBLISHED
            and (out / name).is_file() and not (out / name).is_symlink()}


def _write_manifest(out: Path, names: Iterable[str], left: Iterable[str] = ()) -> None:
    """Write the manifest through a temporary file of an unpredictable name, created
    exclusively (never through a planted link), then renamed over the manifest."""
    text = json.dumps({"written_by": "python -m incidents report", "files": sorted(names),
                       "left": sorted(left)}, indent=1) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=f".{MANIFEST}.", suffix=".tmp", dir=out)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, out / MANIFEST)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


class InterruptedAfterPublishing(KeyboardInterrupt):
    """An interruption that arrived while the report was being published: it waited, and
    every file of the run is in place."""

    def __init__(self, out: Path) -> None:
        super().__init__(f"the report in {out} is complete (the interruption came while it "
                         "was being published, and waited for it)")
        self.out = out


HELD_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP for the ``with`` block: one that arrives meanwhile is
    noted, and raised as :class:`KeyboardInterrupt` once the block has finished (handlers
    can be set only from the main thread; elsewhere the block runs as it is)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def note(signum: int, _frame: object) -> None:
        received.append(signum)

    previous = {number: signal.signal(number, note) for number in HELD_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if received:
        raise KeyboardInterrupt(signal.Signals(received[0]).name)


def move_into(source: Path, target: Path) -> None:
    """Put ``source`` at ``target`` atomically: a rename, or, when ``target`` lies on another
    file system (a share, ``/dev/shm``: "Invalid cross-device link"), a copy into a
    temporary file of an unpredictable name beside ``target``, synced, then renamed over it."""
    try:
        os.replace(source, target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream, source.open("rb") as original:
            shutil.copyfileobj(original, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)
    source.unlink()


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
        prunable = prunable_outputs(out)
        left = earlier - prunable - names  # found without a manifest: never removed
        kept = names if prune else prunable | names
        try:
            # Ctrl-C, SIGTERM or SIGHUP wait until every file is in place: the folder then
            # holds one whole run, never a new index beside old deep dives.
            with signals_held():
                _write_manifest(out, prunable | names, left)  # a crash leaves all listed
                moved = []
                for path in produced:
                    target = out / path.name
                    move_into(path, target)
                    moved.append(target)
                for name in sorted(prunable - kept):
                    (out / name).unlink(missing_ok=True)
                _write_manifest(out, kept, left)
        except KeyboardInterrupt as exc:  # delivered as the signals were let through
            raise InterruptedAfterPublishing(out) from exc
        if prune and left:
            print(f"{out}: no manifest said an earlier report wrote "
                  f"{', '.join(sorted(left)[:5])}{' ...' if len(left) > 5 else ''}, so "
                  f"{'they were' if len(left) > 1 else 'it was'} left as found (remove by "
                  "hand what is no longer wanted)", flush=True)
    return moved
