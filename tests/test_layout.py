"""The report as a reader sees it: the A4 PDF pages and the HTML on a phone and a desktop.

Rendered once from the project's own data over a fixed window (the layout problems show on a
real portfolio of a dozen vendors, not on a two-vendor fixture). The checks measure the output
itself: words in the PDF text, word boxes on the page, dark pixels on rendered pages, element
boxes in a real browser.
"""

from __future__ import annotations

import collections
import html
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from incidents import config
from incidents.render import plan
from incidents.render import run as render

pytestmark = [pytest.mark.report,
              pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("pdftotext")
                                      and shutil.which("pdftoppm")),
                                 reason="needs Chromium and poppler-utils")]

START, END = "2023-01-01", "2026-06-30"
#: The stylesheet's A4 page: 210 x 297 mm with 12 mm side, 14 mm top and 16 mm bottom margins.
PAGE_MM = (210.0, 297.0)
MARGIN_MM = {"top": 14.0, "right": 12.0, "bottom": 16.0, "left": 12.0}
#: CSS pixels across the printed text column (96 px to the inch).
PRINT_WIDTH_PX = (PAGE_MM[0] - MARGIN_MM["left"] - MARGIN_MM["right"]) / 25.4 * 96
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("layout") / "out"
    render.build(plan.Options(start=START, end=END, fmt="both", out=out, jobs=2))
    return out


def pdfs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pdf"))


def words(text: str) -> list[str]:
    """Words split at spaces and hyphens (a header may wrap after "Change-")."""
    return [w for w in re.split(r"[\s\-‐‑]+", text) if w]


def pdf_words(pdf: Path) -> list[str]:
    """The PDF's words as drawn (``-bbox``: plain ``pdftotext`` joins a word broken at a
    hyphen across two lines, "change-" + "deployment", into one)."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout
    return words(" ".join(html.unescape(w) for w in re.findall(r"<word [^>]*>([^<]*)</word>",
                                                               boxes)))


def print_media_page(play, html_file: Path):
    """A browser page laid out as Chromium prints it: print media, the A4 text width."""
    browser = play.chromium.launch(executable_path=shutil.which("chromium"), args=BROWSER_ARGS)
    page = browser.new_page(viewport={"width": round(PRINT_WIDTH_PX), "height": 1100})
    page.emulate_media(media="print")
    page.goto(html_file.as_uri(), wait_until="load")
    return browser, page


def test_every_word_of_every_table_header_is_in_the_pdf(published):
    from playwright.sync_api import sync_playwright

    # Each header word must occur in the PDF at least as often as the printed page shows it
    # (headers and prose alike): a column cut off at the page edge loses its header's words.
    with sync_playwright() as play:
        for pdf in pdfs(published):
            browser, page = print_media_page(play, pdf.with_suffix(".html"))
            headers = page.eval_on_selector_all("th", "cells => cells.map(c => c.innerText)")
            shown = collections.Counter(words(page.inner_text("body")))
            browser.close()
            assert headers, pdf.name
            printed = collections.Counter(pdf_words(pdf))
            for word in {w for header in headers for w in words(header)}:
                assert printed[word] >= shown[word], (pdf.name, word)


def test_no_table_or_chart_is_wider_than_the_printed_page(published):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        for pdf in pdfs(published):
            browser, page = print_media_page(play, pdf.with_suffix(".html"))
            widest = page.evaluate("""() => Math.max(
                document.documentElement.scrollWidth,
                ...[...document.querySelectorAll('table, img, figure, .table-scroll')]
                    .map(e => Math.max(e.getBoundingClientRect().right, e.scrollWidth)))""")
            browser.close()
            assert widest <= PRINT_WIDTH_PX + 1, pdf.name


def test_no_printed_word_runs_past_the_right_margin(published):
    right_margin_pt = (PAGE_MM[0] - MARGIN_MM["right"]) / 25.4 * 72
    for pdf in pdfs(published):
        boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                               text=True, check=True).stdout
        ends = [float(x) for x in re.findall(r'<word xMin="[^"]+" yMin="[^"]+" xMax="([^"]+)"',
                                             boxes)]
        assert ends and max(ends) <= right_margin_pt + 1, pdf.name


def last_content_row(image: np.ndarray) -> float:
    """Where the page's content ends, as a share of the page height: the last row with a
    dark pixel between the top and bottom margins (the page number below is not content)."""
    height = image.shape[0]
    top = int(height * MARGIN_MM["top"] / PAGE_MM[1])
    bottom = int(height * (PAGE_MM[1] - MARGIN_MM["bottom"]) / PAGE_MM[1])
    dark = np.flatnonzero((image[top:bottom] < 200).any(axis=1))
    return (top + dark.max()) / height if dark.size else 0.0


def test_no_page_but_the_last_ends_above_its_middle(published, tmp_path):
    from PIL import Image

    for pdf in pdfs(published):
        folder = tmp_path / pdf.stem
        folder.mkdir()
        subprocess.run(["pdftoppm", "-png", "-gray", "-r", "30", str(pdf), str(folder / "p")],
                       check=True)
        pages = sorted(folder.glob("p-*.png"))
        ends = [last_content_row(np.asarray(Image.open(p).convert("L"))) for p in pages]
        half_empty = [number for number, end in enumerate(ends[:-1], 1) if end < 0.5]
        assert half_empty == [], f"{pdf.name}: pages {half_empty} end above the middle {ends}"


def test_the_portfolio_body_prints_on_at_most_fourteen_pages(published):
    """Page one and the analysis fit 14 pages; the appendices (methods, glossary, the
    third-party annex) follow."""
    pdf = published / "portfolio.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    first_appendix = next(
        number for number in range(1, pages + 1)
        if "Methods and caveats" in subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"],
            capture_output=True, text=True, check=True).stdout)
    assert first_appendix - 1 <= 14
    assert pages <= 22


def test_page_one_holds_the_scorecard_the_actions_and_what_changed(published):
    from incidents.data import organisation

    text = " ".join(subprocess.run(["pdftotext", "-l", "1", str(published / "portfolio.pdf"),
                                    "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    org = organisation.load_organisation(config.ORGANISATION_TOML)
    assert f"Prepared for {org.name}" in text
    for vendor in org.used["vendor"]:
        assert vendor in text, vendor
    assert "Recommended actions" in text and "What changed since the last report" in text


def test_pdf_titles_name_the_subject_and_the_window(published):
    info = subprocess.run(["pdfinfo", str(published / "vendor-microsoft-365.pdf")],
                          capture_output=True, text=True, check=True).stdout
    assert f"Title:           Microsoft 365: reliability, {START} to {END}" in info


# Elements that stick out of the page's width without a scroll box of their own around them,
# and scroll boxes whose content overflows but that show no cue (a shadow or a hint).
OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const inScrollBox = e => {
    for (let a = e.parentElement; a; a = a.parentElement) {
      if (scrolls(a)) return a.getBoundingClientRect().right <= width + 1;
    }
    return false;
  };
  const name = e => e.tagName + (e.className ? '.' + String(e.className).split(' ')[0] : '')
    + ' ' + (e.innerText || e.alt || '').slice(0, 40);
  const problems = [];
  if (document.documentElement.scrollWidth > width + 1) problems.push('page scrolls sideways');
  for (const e of document.body.querySelectorAll('*')) {
    const box = e.getBoundingClientRect();
    if (box.width === 0) continue;
    if (box.right > width + 1 && !inScrollBox(e)) problems.push('sticks out: ' + name(e));
    if (e.tagName === 'IMG' && box.width > width) problems.push('image too wide: ' + name(e));
    if (e.tagName === 'TABLE' && !inScrollBox(e)) problems.push('no scroll box: ' + name(e));
    if (scrolls(e) && e.scrollWidth > e.clientWidth + 1) {
      const cue = getComputedStyle(e).backgroundImage.includes('gradient');
      if (!cue) problems.push('overflows without a cue: ' + name(e));
    }
    if (e.tagName === 'FIGCAPTION' && e.scrollWidth > e.clientWidth + 1)
      problems.push('caption cut: ' + name(e));
  }
  return problems;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_nothing_overflows_its_box_on_a_phone_or_a_desktop(published, tmp_path, width):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=shutil.which("chromium"),
                                       args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": width, "height": 844})
        found = {}
        for html_file in ["index.html", "portfolio.html", "vendor-microsoft-365.html"]:
            page.goto((published / html_file).as_uri(), wait_until="load")
            shot = tmp_path / f"{Path(html_file).stem}-{width}.png"
            page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 5_000
            found[html_file] = page.evaluate(OVERFLOW_SCRIPT)
        browser.close()
    assert found == {name: [] for name in found}


@pytest.mark.browser
def test_wide_tables_on_a_phone_scroll_inside_their_box_with_a_hint(published):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=shutil.which("chromium"),
                                       args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto((published / "vendor-microsoft-365.html").as_uri(), wait_until="load")
        boxes = page.evaluate("""() => [...document.querySelectorAll('.report-table-wide')]
            .map(f => [f.querySelector('.table-scroll').scrollWidth >
                       f.querySelector('.table-scroll').clientWidth,
                       getComputedStyle(f.querySelector('.scroll-hint')).display])""")
        browser.close()
    assert boxes and any(scrolls for scrolls, _ in boxes)  # the appendix is wider than a phone
    assert all(hint == "block" for _, hint in boxes)
