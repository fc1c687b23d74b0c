"""The project's own error types: every problem names its file, row, column and the fix."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file.

    ``line`` is the 1-based line of the file as a text editor or spreadsheet shows it
    (the header is line 1); ``None`` when the problem concerns the whole file.
    """

    file: str
    line: int | None
    column: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}. Fix: {self.fix}"


class IncidentsError(Exception):
    """Base class of every error the project reports to a user (never shown as a traceback).

    ``usage`` is true for errors in how a command was called (the command line exits 2 for
    them, 1 for every other error).
    """

    usage = False


class InputError(IncidentsError):
    """An input file is unusable; ``problems`` lists everything found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        head = f"{count} problem{'s' if count != 1 else ''} found"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in problems))


class ParameterError(IncidentsError):
    """A report parameter has a value the report cannot use."""

    usage = True


_TERMINAL_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e"
                              r"\u2066-\u2069]")


class ImportUsageError(IncidentsError):
    """The command was called in a way that cannot work (e.g. no vendor for a Statuspage)."""

    usage = True


class RenderError(IncidentsError):
    """A notebook failed, or the PDF engine is missing or failed."""


class OutputFolderError(RenderError):
    """The output folder is one the report must not write into, or holds files of others."""

    usage = True  # the --out option names a folder the report must not use


class NotebookError(RenderError):
    """A notebook failed; the executed notebook is kept in the run's folder to look at."""


def terminal_text(value: object) -> str:
    """``value`` safe to print on a terminal: control characters (ESC would start a terminal
    command, NUL or a carriage return hide what follows) and bidirectional controls (they
    reorder the text around them) are shown as their escape, ``\\x1b`` or ``\\u202e``;
    line breaks and tabs stay."""
    return _TERMINAL_UNSAFE.sub(lambda match: repr(match.group())[1:-1], str(value))
