"""Executing notebooks: papermill on warm kernels, worker threads that run and export notebooks as
they come, and the time each step took.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from incidents import config
from incidents.errors import (
    NotebookError,
    terminal_text,
)
from incidents.render import export, kernels, plan, stopwatch

#: Seconds one notebook cell may run before the report gives up on it.
CELL_TIMEOUT = 600


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


def execute(job: plan.Job, workdir: Path, kernel=None, verbose: bool = True) -> Path:
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


def _failure_message(job: plan.Job, executed: Path, exc: Exception) -> str:
    cell = getattr(exc, "exec_count", None)
    ename = getattr(exc, "ename", "Error")
    evalue = getattr(exc, "evalue", str(exc))
    return (f"notebook {job.notebook}.ipynb ({job.title}) failed in cell [{cell}]: {ename}: "
            f"{evalue}\n  The executed notebook with the error is kept at {executed}")


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


class Workers:
    """Threads that each start a warm kernel, then run and export notebooks from a queue.

    The kernels start as soon as the pool is made; :meth:`submit` hands out the jobs,
    :meth:`wait` waits for them and raises the first failure; :meth:`close` shuts every
    kernel down (also after Ctrl-C).
    """

    def __init__(self, count: int, workdir: Path, staging: Path,
                 timing: stopwatch.Timing | None = None,
                 on_exported: Callable[[Path], None] | None = None,
                 verbose: bool = False) -> None:
        self.workdir = workdir
        self.verbose = verbose
        self.staging = staging
        self.on_exported = on_exported
        self.timing = timing if timing is not None else stopwatch.Timing()
        self.started = time.perf_counter()
        self.queue: queue.SimpleQueue[plan.Job | None] = queue.SimpleQueue()
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

    def submit(self, jobs: list[plan.Job]) -> None:
        """Queue every job (the workers take them as soon as their kernels are ready)."""
        for job in jobs:
            self.queue.put(job)
        self._stop_workers()

    def wait(self, jobs: list[plan.Job]) -> list[Path]:
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
                page = self.staging / f"{job.stem}.html"
                self.done[job.stem] = export.export_html(executed, page,
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
