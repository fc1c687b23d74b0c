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
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from incidents import config
from incidents.data import inputs, read
from incidents.errors import (
    NotebookError,
    terminal_text,
)
from incidents.render import execute, export, kernels, plan, publish, reuse, stopwatch

# ---------------------------------------------------------------- planning


def _share_prepared(workdir: Path) -> Path:
    """Write what :func:`plan.prepare_jobs` prepared for the kernels to adopt (see
    :func:`incidents.present.report.save_prepared`); return the file."""
    from incidents.present import report

    shared = workdir / "prepared.pickle"
    report.save_prepared(shared)
    return shared


# ---------------------------------------------------------------- executing


# ---------------------------------------------------------------- exporting


# ---------------------------------------------------------------- publishing


def build(options: plan.Options, timing: stopwatch.Timing | None = None) -> list[Path]:
    """Execute, export and publish the whole report; return the published files.

    ``timing``, when given, is filled in with where the time went. Options are checked
    first (:func:`check_options`): a refused run starts nothing and leaves nothing behind.
    """
    execute.skip_unused_iri_grammar()
    timing = timing if timing is not None else stopwatch.Timing()
    options = plan.check_options(options)  # before any kernel starts or any folder is made
    publish.check_output_folder(options.out, options.data, options.vendors)
    config.BUILD_DIR.mkdir(parents=True, exist_ok=True)
    prune_old_runs(config.BUILD_DIR)
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


#: A run folder left in the build folder (a killed run, or a failed notebook kept for its
#: message) is removed by the first run this much later.
OLD_RUN = 24 * 3600.0


def prune_old_runs(build: Path, older_than: float = OLD_RUN) -> list[Path]:
    """Remove ``run-*`` folders in ``build`` last changed more than ``older_than`` seconds
    ago (a run in progress changes its folder all the time); return what was removed."""
    import time

    removed = []
    now = time.time()
    for folder in build.glob("run-*"):
        try:
            if folder.is_dir() and not folder.is_symlink() and (
                    now - folder.stat().st_mtime) > older_than:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        except OSError:
            continue
    return removed


def _build_in(workdir: Path, options: plan.Options, timing: stopwatch.Timing) -> list[Path]:
    formats = ("html", "pdf") if options.fmt == "both" else (options.fmt,)
    staging = workdir / "publish"
    staging.mkdir()
    # Kernels start (about 2 s each) while this process loads the data and plans the jobs;
    # each exported page is printed to PDF while the next notebooks run.
    printer = export.PdfPrinter(verbose=options.verbose) if "pdf" in formats else None
    workers = plan.worker_count(options.jobs, 1 if options.vendor else None)
    pool = execute.Workers(workers, workdir, staging, timing,
                           on_exported=printer.submit if printer else None, verbose=options.verbose)
    try:
        options, originals = snapshot_inputs(options, workdir / "snapshot")
        with _named_as_given(originals):
            jobs, data = plan.prepare_jobs(options)
        run = plan.describe_run(options, data.window)
        _hand_over_state(jobs, plan.run_folder(options), workdir, staging, run)
        for note in (data.evidence.notes if data.evidence is not None else ()):
            print(terminal_text(f"note: {note}"), flush=True)
        if data.skipped_rows:
            rows = "row" if data.skipped_rows == 1 else "rows"
            print(f"skipped {data.skipped_rows} invalid {rows} (listed in the report's "
                  "appendix)", flush=True)
        keys = _page_keys(jobs, data, options)
        pool.adopt(_share_prepared(workdir))  # with the tables the page keys computed
        reused = _take_kept_pages(jobs, keys, staging, formats)
        to_run = [job for job in jobs if job.stem not in reused]
        print(terminal_text(f"Rendering {len(to_run)} notebook(s) into "
                            f"{shown(plan.run_folder(options))}/ ..."
                            + (f" ({len(reused)} page(s) reused: nothing they read changed)"
                               if reused else "")), flush=True)
        note = plan.jobs_note(options.jobs, min(workers, len(to_run)), len(to_run))
        if note and to_run:
            print(note, flush=True)
        pool.submit(to_run)
        if len(to_run) <= workers:
            # A notebook per kernel at most (a refresh): nothing more to hand over, so this
            # process's own chores (the exporter's start, the attachments) wait for the
            # notebooks. With more notebooks than kernels it keeps its priority: it hands
            # each kernel its next notebook, and a kernel should not wait for that.
            kernels.step_back()
        export.warm_up_exporting()
        # The incident tables read only the prepared data: written while the notebooks run
        # (the portfolio notebook writes the annex's).
        publish.write_attachments(jobs, options, staging, run)
        html_files = pool.wait(to_run)
    except BaseException:
        pool.close()
        if printer is not None:
            printer.stop()
        raise
    pool.close()
    if printer is not None:
        printer.finish()
    for job in to_run:
        reuse.keep(job.stem, keys[job.stem], staging, _page_files(job, ("html", "pdf")))
    if options.keep_notebooks:
        options.keep_notebooks.mkdir(parents=True, exist_ok=True)
        for job in to_run:
            shutil.copy2(workdir / f"{job.stem}.ipynb", options.keep_notebooks)
    if "html" not in formats:
        for path in html_files:
            path.unlink()
    left_out = None if options.vendor else plan.left_out_vendors(options)
    publish.write_index(jobs, staging, formats, run, left_out, options.min_incidents, reused)
    return publish.publish(staging, plan.run_folder(options))


def _page_files(job: plan.Job, formats: tuple[str, ...]) -> list[str]:
    """The files a page is: its HTML and PDF as asked, and the portfolio's state file and
    third-party annex (CSV and JSON), which the portfolio notebook writes itself."""
    from incidents.present import annex, scorecard

    names = [f"{job.stem}.{fmt}" for fmt in formats]
    if job.notebook != "portfolio":
        return names
    slug = str(job.parameters.get("window_slug") or "")
    return names + [scorecard.STATE_NAME] + (
        [annex.annex_name(slug, ".csv"), annex.annex_name(slug, ".json")] if slug else [])


def _page_keys(jobs: list[plan.Job], data, options: plan.Options) -> dict[str, str]:
    """Each page's key (:mod:`incidents.render.reuse`): its code, parameters and evidence."""
    from incidents.data import inputs
    from incidents.present import report, scorecard

    codes = {job.notebook: reuse.code_digest(job.notebook) for job in jobs}
    digests: dict[str, str] = {}
    if any(job.notebook == "vendor" for job in jobs):
        digests = reuse.vendor_digests(data, report.exposure_table(data))
    keys = {}
    for job in jobs:
        if job.notebook == "portfolio":
            files = inputs.input_files(options.data, options.vendors)
            compared = scorecard.compared_state(str(job.parameters.get("previous_state") or ""))
            evidence = reuse.evidence_digest(files) + reuse.digest_text(compared)
        else:
            evidence = digests.get(str(job.parameters.get("vendor")), "")
        keys[job.stem] = reuse.page_key(job.parameters, codes[job.notebook], evidence)
    return keys


def _take_kept_pages(jobs: list[plan.Job], keys: dict[str, str], staging: Path,
                     formats: tuple[str, ...]) -> dict[str, str]:
    """Copy into ``staging`` every page kept under its current key; return each taken
    page's stem with when it was rendered."""
    taken = {}
    for job in jobs:
        folder = reuse.kept_page(job.stem, keys[job.stem], tuple(f".{f}" for f in formats))
        if folder is not None:
            reuse.take(folder, staging, _page_files(job, formats))
            taken[job.stem] = reuse.rendered_at(folder) or "an earlier run"
    return taken


def _hand_over_state(jobs: list[plan.Job], out: Path, workdir: Path, staging: Path,
                     run: plan.Run) -> None:
    """Point the portfolio at the last published report's state (a copy, taken now: the
    published folder may change while this run works) and at where to write its own, which
    is published with the pages for the next run to compare with; and at where to write the
    third-party annex (it computes the annex's tables for its own page anyway)."""
    from incidents.present import scorecard

    previous = out / scorecard.STATE_NAME
    copy = workdir / f"previous-{scorecard.STATE_NAME}"
    try:
        if previous.is_file() and not previous.is_symlink():
            shutil.copyfile(previous, copy)
    except OSError:
        pass  # no previous state: the page says it has nothing to compare with
    for job in jobs:
        if job.notebook == "portfolio":
            job.parameters["previous_state"] = str(copy) if copy.is_file() else ""
            job.parameters["state_out"] = str(staging / scorecard.STATE_NAME)
            job.parameters["annex_out"] = str(staging)
            job.parameters["window_slug"] = run.window_slug


def shown(path: Path) -> str:
    """``path`` as a person types it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(path)


def snapshot_inputs(options: plan.Options, folder: Path) -> tuple[plan.Options, dict[str, str]]:
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
    listed = inputs.record_names(data.parent)
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
        for name in (config.RECORDS_NAME, config.EVENTS_NAME, *config.VENDOR_COMPANIONS,
                     *listed):
            _copy_input(data.parent / name, root / name, originals)
    vendors_copy = _copy_input(vendors, folder / "vendors" / vendors.name, originals)
    if vendors_copy != str(vendors):  # the organisation file and the vendor table it names
        for beside in inputs.organisation_files(str(vendors))[1:]:
            _copy_input(beside, folder / "vendors" / beside.name, originals)
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


# ---------------------------------------------------------------- command line


def main(args: argparse.Namespace) -> int:
    """The ``report`` command: build the report from the parsed options, say where it is."""
    options = plan.Options(vendor=args.vendor, start=args.start, end=args.end,
                           sla_target=args.sla_target, min_incidents=args.min_incidents,
                           data=args.data, vendors=args.vendors, fmt=args.fmt, out=args.out,
                           skip_invalid=args.skip_invalid, jobs=args.jobs,
                           keep_notebooks=args.keep_notebooks,
                           verbose=args.verbose)
    started = time.perf_counter()
    timing = stopwatch.Timing()
    published = build(options, timing)
    if options.verbose:
        for path in published:
            print(terminal_text(f"  wrote {shown(path)}"))
    print(f"Report ready in {time.perf_counter() - started:.1f} s ({timing.summary()}).")
    folder = published[0].parent if published else options.out
    print(f"{len(published)} files written to {shown(folder)}/: open "
          f"{shown(folder / 'index.html')}")
    return 0
