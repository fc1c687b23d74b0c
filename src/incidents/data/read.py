"""Reading the project's CSV files defensively: size and encoding checks, a BOM accepted, quoted
fields that never close found, every record with the line it starts on.
"""

from __future__ import annotations

import csv
import difflib
import io
from pathlib import Path

import numpy as np
import pandas as pd

from incidents.data import schema
from incidents.errors import InputError, Problem

#: Largest input file read (bytes): a CSV of a million incidents is about 600 MB.
MAX_FILE_BYTES = 1024 * 2**20

_DELIMITERS = {";": "';'", "\t": "a tab", "|": "'|'"}


def _read_text(path: Path, option: str = "DATA") -> str:
    """The file's text; a BOM is accepted (spreadsheets write one), other encodings are not.

    Only a regular file is read (a FIFO, a device such as /dev/zero or a socket would never
    end), and at most :data:`MAX_FILE_BYTES`. ``option`` is the make variable that names the
    file, for the fix of a missing one.
    """
    name = str(path)
    if not path.exists():
        raise InputError([Problem(name, None, None, "the file does not exist",
                                  f"check the path, or pass another file with {option}=...")])
    if path.is_dir():
        raise InputError([Problem(name, None, None, "this is a folder, not a CSV file",
                                  "give the path of the CSV file itself")])
    if not path.is_file():
        raise InputError([Problem(name, None, None, "this is not a regular file (a pipe, a "
                                  "device or a socket)", "give the path of the CSV file itself; "
                                  "save a stream to a file first")])
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise InputError([Problem(name, None, None, f"the file is larger than "
                                      f"{MAX_FILE_BYTES // 2**20} MB",
                                      "check that this is the incident or vendor CSV")])
    except OSError as exc:
        raise InputError([Problem(name, None, None,
                                  f"the file cannot be read ({exc.strerror or exc})",
                                  "check that the file is readable by you")]) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError([Problem(name, None, None, "the file is saved as UTF-16 "
                                  "('Unicode Text'), not UTF-8",
                                  "save the file as UTF-8 (in Excel: 'CSV UTF-8 (Comma "
                                  "delimited)')")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([_encoding_problem(name, data, exc.start)]) from None
    if not text.strip():
        raise InputError([Problem(name, None, None, "the file is empty",
                                  "restore the file from git, or write at least the header row")])
    return text


def _encoding_problem(name: str, data: bytes, offset: int) -> Problem:
    """The first byte that is not UTF-8: its line, its column and what it probably is."""
    line = data[:offset].count(b"\n") + 1
    column = None
    if line > 1:  # the column is a best guess: the line may continue a quoted field
        first = data.split(b"\n", 1)[0].decode("utf-8-sig", "replace")
        before = data[data.rfind(b"\n", 0, offset) + 1:offset].decode("utf-8", "replace")
        try:
            header = next(csv.reader(io.StringIO(first, newline="")), [])
            index = len(next(csv.reader(io.StringIO(before + "x", newline="")), [])) - 1
        except csv.Error:
            header, index = [], -1
        column = header[index].strip() if 0 <= index < len(header) else None
    guess = data[offset:offset + 1].decode("cp1252", "replace")
    return Problem(name, line, column,
                   f"byte 0x{data[offset]:02x} at offset {offset} is not UTF-8 (in Windows-1252 "
                   f"it is '{guess}'; the file seems to be saved in another encoding)",
                   "save the file as UTF-8 (in Excel: 'CSV UTF-8 (Comma delimited)')")


def _open_quote_column(text: str, line: int, header: list[str]) -> str | None:
    """The column whose quoted field, in the record starting on ``line``, is never closed."""
    rest = "".join(io.StringIO(text, newline="").readlines()[line - 1:])  # lines as csv counts
    field, opened, quoted, at_start, i = 0, None, False, True, 0
    while i < len(rest):
        char = rest[i]
        if quoted:
            if char == '"' and rest[i + 1:i + 2] == '"':
                i += 1
            elif char == '"':
                quoted = False
        elif char == '"' and at_start:
            quoted, opened = True, field
        elif char == ",":
            field += 1
        elif char in "\r\n":
            field = 0
        at_start = not quoted and char in ",\r\n"
        i += 1
    if opened is None or not quoted or opened >= len(header):
        return None
    return header[opened].strip()


def _split_records(text: str, name: str, expected: tuple[str, ...],
                   optional: frozenset[str] = frozenset()) -> tuple[
        list[str], list[list[str]], list[int], list[Problem]]:
    """Parse CSV text into header, records and the line each record starts on."""
    # A field can be as long as the file: the length checks, not the csv module's default
    # limit (128 KiB), report an over-long value, with its line and column.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    header: list[str] = []
    start = 1
    try:
        header = next(reader)
        if not header:
            raise InputError([Problem(name, 1, None, "the first line is blank; it must be the "
                                      "header", "delete the blank lines above the header")])
        start = reader.line_num + 1
        for record in reader:
            if record:
                records.append(record)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError([_csv_problem(name, text, exc, start, reader.line_num,
                                       header)]) from None
    header = [h.strip() for h in header]
    problems += _header_problems(header, name, expected, optional)
    width = len(header)
    for record, line in zip(records, lines, strict=True):
        if len(record) != width:
            problems.append(Problem(
                name, line, None, f"the row has {len(record)} fields where the header has {width}",
                "quote any field that contains a comma, and check for a missing or extra comma"))
    return header, records, lines, problems


def _csv_problem(name: str, text: str, exc: csv.Error, start: int, line: int,
                 header: list[str]) -> Problem:
    if "unexpected end of data" in str(exc):
        column = _open_quote_column(text, start, header)
        return Problem(name, start, column, "a quoted field opened on this line is never closed "
                       "(the rest of the file was read into it)",
                       'add the closing " at the end of the field, or remove the opening "')
    if "expected after" in str(exc):
        return Problem(name, line, None, f"a quoted field has text after its closing quote ({exc})",
                       'put the whole field in quotes and write each " inside it twice ("")')
    return Problem(name, line, None, f"the CSV is malformed ({exc})",
                   "check the quotes on this line: a quoted field must be closed, and a quote "
                   'inside it written twice ("")')


def _header_problems(header: list[str], name: str, expected: tuple[str, ...],
                     optional: frozenset[str] = frozenset()) -> list[Problem]:
    if len(header) == 1:
        for delimiter, label in _DELIMITERS.items():
            if delimiter in header[0]:
                raise InputError([Problem(
                    name, 1, None, f"the file uses {label} as its delimiter, not ','",
                    "save it as comma-separated CSV (CSV UTF-8, comma delimited)")])
    problems = []
    missing = [c for c in expected if c not in header and c not in optional]
    extra = [c for c in header if c not in expected]
    for col in missing:
        guess = difflib.get_close_matches(col, extra, n=1)
        hint = f"the header '{guess[0]}' looks like it; rename it to '{col}'" if guess else (
            f"add the column '{col}' to the header (see data/README.md)")
        problems.append(Problem(name, 1, col, "a required column is missing", hint))
    for col in extra:
        if not col:
            problems.append(Problem(name, 1, None, "the header has a column with no name "
                                    "(an extra comma?)", "remove the extra comma from the header "
                                    "and from the rows, or name the column"))
        elif not difflib.get_close_matches(col, missing, n=1):
            problems.append(Problem(name, 1, col, "this column is not part of the schema",
                                    "remove it, or rename it to one of: " + ", ".join(expected)))
    seen: set[str] = set()
    for col in header:
        if col and col in seen:
            problems.append(Problem(name, 1, col, "the column appears twice",
                                    "keep one of the two columns"))
        seen.add(col)
    return problems


def read_records(path: Path, columns: tuple[str, ...],
                 defaults: dict[str, str] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV into a frame of stripped strings with a ``_line`` column.

    ``defaults`` names the columns the header may leave out, with the value their cells then
    take. Raises :class:`InputError` when the file cannot be read as a table at all (missing,
    empty, not UTF-8, wrong delimiter, missing columns); other problems are returned.
    """
    name = str(path)
    defaults = defaults or {}
    text = _read_text(path, "VENDORS" if columns == schema.VENDOR_COLUMN_NAMES else "DATA")
    header, records, lines, problems = _split_records(text, name, columns,
                                                      frozenset(defaults))
    if any(p.line == 1 for p in problems):
        raise InputError(problems)
    if not records:
        raise InputError([Problem(name, None, None, "the file has a header but no rows",
                                  "add at least one data row below the header")])
    good = [r for r in records if len(r) == len(header)]
    good_lines = [line for r, line in zip(records, lines, strict=True) if len(r) == len(header)]
    frame = pd.DataFrame(good, columns=header, dtype=object)
    frame = frame.apply(lambda s: s.str.strip())
    for col, value in defaults.items():
        if col not in frame.columns:
            frame[col] = value
    frame = frame[list(columns)]
    frame["_line"] = np.asarray(good_lines, dtype=np.int64)
    return frame, problems
