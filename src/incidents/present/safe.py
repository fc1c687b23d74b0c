"""Safe output of untrusted text: CSV files for spreadsheets, and text for the HTML report.

Incident titles, notes and ids come from vendors' public pages and feeds, so they are untrusted:
a title such as ``=HYPERLINK("https://evil.example","click")`` is run as a formula when a CSV
export is opened in a spreadsheet, and ``<script>`` in a note would run in the HTML report.
"""

from __future__ import annotations

import contextlib
import html
import numbers
import os
import re
import secrets
import string
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (OWASP, see below).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    """``value`` made safe to open in a spreadsheet: a text cell starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets a single quote in front, so Excel, LibreOffice
    and Google Sheets show it as text instead of evaluating it as a formula.

    This is the mitigation of the OWASP "CSV Injection" page
    (https://owasp.org/www-community/attacks/CSV_Injection): make sure no cell begins with one
    of those characters, by prepending a single quote; see also CWE-1236
    (https://cwe.mitre.org/data/definitions/1236.html). Quoting the cell and doubling the quotes
    inside it, which the same page asks for, is the CSV writer's job. Apply it to text cells
    only: a number such as -2 stored as a number is not text and must stay a number.
    """
    if not isinstance(value, str):
        raise TypeError(f"neutralise_cell takes text, not {type(value).__name__}: "
                        "leave numbers and dates unchanged")
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _safe_cell(value: object) -> object:
    """A cell of a text (object) column: text neutralised; numbers, dates and gaps kept."""
    if isinstance(value, str):
        return neutralise_cell(value)
    if value is None or isinstance(value, numbers.Number | date | datetime | timedelta
                                   | np.datetime64 | np.timedelta64):
        return value
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return value
    return neutralise_cell(str(value))  # anything else is written as its text


def _is_text_column(series: pd.Series) -> bool:
    dtype = series.dtype
    return (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
            or isinstance(dtype, pd.CategoricalDtype))


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name neutralised; numeric, boolean
    and date columns are left as they are."""
    safe = frame.copy()
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if _is_text_column(column):
            safe.isetitem(position, column.astype(object).map(_safe_cell))
    safe.columns = [neutralise_cell(str(name)) for name in safe.columns]
    return safe


def write_spreadsheet_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` (without its index) as a CSV meant to be opened in a spreadsheet.

    Every text cell and column name goes through :func:`neutralise_cell`; numbers stay numbers.
    The file is plain UTF-8 (no byte-order mark) with CRLF line ends (RFC 4180), and is written
    atomically: to a temporary file in the same folder, flushed to disk, then moved over
    ``path`` with :func:`os.replace`, so a reader never sees half a file and a failure leaves
    any previous file untouched. Returns ``path``.
    """
    target = Path(path)
    safe = neutralise_frame(frame)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    # 0o666 less the umask, as for any new file (tempfile.mkstemp would give 0o600)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            safe.to_csv(handle, index=False, lineterminator="\r\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    return target


def escape_text(value: object) -> str:
    """``value`` as text safe inside HTML elements and quoted attributes of the report.

    ``html.escape(..., quote=True)`` turns ``& < > " '`` into entities; ``None`` and missing
    values (NaN, NaT, ``pd.NA``) become an empty string. Not for inside ``<script>`` or
    ``<style>`` elements, nor for unquoted attributes or URLs.
    """
    if value is None:
        return ""
    if not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value):
        return ""
    return html.escape(str(value), quote=True)


#: ASCII punctuation a Markdown renderer may read as syntax (CommonMark lets a backslash escape
#: any of it); the HTML specials among it become entities instead.
_MARKDOWN_ESCAPES = {char: "\\" + char for char in string.punctuation}
_MARKDOWN_ESCAPES.update({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def markdown_text(value: object) -> str:
    """``value`` as Markdown that renders as exactly its text, inside HTML.

    Every ASCII punctuation character is backslash-escaped, so nothing in a vendor's or an
    incident's name becomes emphasis, a link, a heading, a list, strikethrough (``~~``) or
    table syntax, and a bare URL is not turned into a live link (``https\\://`` is no URL to
    the renderer's autolinker, and still shows as ``https://``). ``& < > " '`` become HTML
    entities (``&#39;``, not ``&#x27;``, which the notebook renderer shows as text). Line
    breaks and tabs become spaces; other control and bidirectional-override characters are
    shown as their escape (``\\u202e``) instead of reordering or hiding the text around them.
    ``None`` and missing values become an empty string. Not for inside code spans (`...`),
    where Markdown shows backslashes as written.
    """
    if value is None:
        return ""
    if not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value):
        return ""
    text = re.sub(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+", " ", str(value))
    text = _INVISIBLE.sub(lambda match: repr(match.group())[1:-1], text)
    return "".join(_MARKDOWN_ESCAPES.get(char, char) for char in text)

