"""The project's own error types: every problem names its file, row, column and the fix."""

from __future__ import annotations

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
