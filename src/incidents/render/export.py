"""Turning executed notebooks into pages: one self-contained HTML file each (no code, no script,
images embedded), printed to A4 PDF by headless Chromium.
"""

from __future__ import annotations

import itertools
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from incidents import config
from incidents.errors import (
    RenderError,
    terminal_text,
)
from incidents.render import stopwatch

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


HIDDEN_CELL_TAGS = ("injected-parameters", "parameters", "remove-cell")


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
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    class ReportHTMLExporter(HTMLExporter):
        """nbconvert's HTML exporter without its last step, which parses the whole page
        again with BeautifulSoup (about half of an export's time) to give an image without
        alt text a placeholder and every output a ``tabindex``: every chart of the report
        carries its own alt text (:func:`incidents.present.plots.show`) and every table its
        own focusable scroll region (:func:`incidents.present.narrative.table`), and the
        rest is plain text. The filters nbconvert registers first are registered the same
        way (nbconvert is pinned in ``requirements.txt``)."""

        def from_notebook_node(self, nb, resources=None, **kw):
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    settings = Config()
    settings.TagRemovePreprocessor.remove_cell_tags = set(HIDDEN_CELL_TAGS)
    settings.TagRemovePreprocessor.enabled = True
    exporter = ReportHTMLExporter(config=settings, template_name="report",
                                  extra_template_basedirs=[str(config.TEMPLATE_DIR)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    exporter.register_preprocessor(TagRemovePreprocessor(config=settings), enabled=True)
    return exporter


def export_html(executed: Path, target: Path, title: str,
                timing: stopwatch.Timing | None = None) -> Path:
    """Write the executed notebook as one self-contained HTML file (and note its cell time in
    ``timing``)."""
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    if timing is not None:
        timing.cells[target.stem] = stopwatch.cell_seconds(notebook)
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
