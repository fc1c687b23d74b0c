"""Broken input files: every one is reported by the loader and by ``validate``, never crashes.

The corpus is ``tests/fixtures/bad/`` (its README lists each case and the message expected);
a few cases that cannot be files in git (a 1 MB field, a folder, a missing file) are made in a
temporary folder. Each case goes through both :func:`incidents.data.load.load_incidents` (an
:class:`InputError` whose problems name the right line and column) and ``python -m incidents
validate`` (exit status 2, a message naming file, line, column and a fix, no traceback).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents import cli
from incidents.data import load, schema
from incidents.data.companions import load_vendors
from incidents.errors import InputError, Problem

FIXTURES = Path(__file__).parent / "fixtures" / "bad"
VENDORS = FIXTURES / "vendors.csv"
VALID = FIXTURES / "valid.csv"
#: "Now" for the loader: after every date in the corpus except the one set in the future.
NOW = pd.Timestamp("2026-01-01T00:00:00Z")
SRC = Path(__file__).resolve().parent.parent / "src"

UTC_FIX = "write it as YYYY-MM-DDTHH:MM:SSZ in UTC"
ENCODING_FIX = "save the file as UTF-8"


@dataclass(frozen=True)
class Expected:
    """One problem a case must report: where, a fragment of what and a fragment of the fix."""

    line: int | None
    column: str | None
    message: str
    fix: str


@dataclass(frozen=True)
class Case:
    """A broken input: how to get its path, and every problem it must give (no more)."""

    name: str
    make: Callable[[Path], Path]
    expected: tuple[Expected, ...]
    vendors_file: bool = False  # the broken file is the vendor file


def fixture(name: str) -> Callable[[Path], Path]:
    return lambda _tmp: FIXTURES / name


def huge_field(tmp: Path) -> Path:
    """valid.csv with a 1 MB note on line 3 (more than the csv module's 128 KiB field limit)."""
    with VALID.open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    rows[2][rows[0].index("notes")] = "x" * 1_000_000
    path = tmp / "huge_field.csv"
    with path.open("w", encoding="utf-8", newline="") as target:
        csv.writer(target).writerows(rows)
    return path


def folder(tmp: Path) -> Path:
    path = tmp / "incidents.csv"
    path.mkdir()
    return path


def missing_file(tmp: Path) -> Path:
    return tmp / "no-such-file.csv"


def case(name: str, *expected: Expected, make: Callable[[Path], Path] | None = None,
         vendors_file: bool = False) -> Case:
    return Case(name, make or fixture(name), expected, vendors_file)


E = Expected
NOTES_LIMIT = schema.column("notes").max_length
CASES: tuple[Case, ...] = (
    case("missing_column.csv", E(1, "impact", "a required column is missing",
                                 "add the column 'impact' to the header")),
    case("extra_column.csv", E(1, "owner", "this column is not part of the schema",
                               "remove it, or rename it to one of: incident_id")),
    case("renamed_header.csv", E(1, "start_utc", "a required column is missing",
                                 "the header 'start_time' looks like it; rename it to "
                                 "'start_utc'")),
    case("duplicate_header.csv", E(1, "title", "the column appears twice",
                                   "keep one of the two columns")),
    case("trailing_comma_header.csv", E(1, None, "the header has a column with no name",
                                        "remove the extra comma")),
    case("blank_first_line.csv", E(1, None, "the first line is blank; it must be the header",
                                   "delete the blank lines above the header")),
    case("empty_file.csv", E(None, None, "the file is empty", "write at least the header row")),
    case("header_only.csv", E(None, None, "the file has a header but no rows",
                              "add at least one data row")),
    case("semicolon_delimiter.csv", E(1, None, "the file uses ';' as its delimiter",
                                      "save it as comma-separated CSV")),
    case("tab_delimiter.csv", E(1, None, "the file uses a tab as its delimiter",
                                "save it as comma-separated CSV")),
    case("latin1.csv", E(3, "title", "byte 0xe9 at offset 631 is not UTF-8 (in Windows-1252 "
                                     "it is 'é'", ENCODING_FIX)),
    case("utf16.csv", E(None, None, "the file is saved as UTF-16", ENCODING_FIX)),
    case("unparseable_date.csv", E(3, "start_utc", "'12/06/2025 17:00' is not a date",
                                   UTC_FIX)),
    case("date_without_timezone.csv", E(2, "start_utc", "'2025-03-03T09:15:00' has no time zone",
                                        "convert it to UTC")),
    case("date_with_offset.csv", E(2, "end_utc", "'2025-03-03T12:40:00+01:00' carries a UTC "
                                   "offset", "convert it to UTC")),
    case("mixed_offsets.csv",
         E(2, "start_utc", "'2025-03-03T10:15:00+01:00' carries a UTC offset", "convert it to UTC"),
         E(3, "start_utc", "'2025-06-12T13:00:00-04:00' carries a UTC offset",
           "convert it to UTC")),
    case("impossible_date.csv", E(3, "end_utc", "'2025-06-31T20:00:00Z' is not a real date",
                                  UTC_FIX)),
    case("end_before_start.csv", E(2, "end_utc", "'2025-03-03T09:15:00Z' is before start_utc",
                                   "end must follow start")),
    case("negative_duration.csv", E(3, "end_utc", "'2025-06-11T20:00:00Z' is before start_utc",
                                    "end must follow start")),
    case("absurd_duration.csv", E(2, "end_utc", f"'2026-03-03T11:40:00Z' is over "
                                  f"{schema.MAX_DURATION_DAYS} days after the start",
                                  "check the year and month of both times")),
    case("start_in_future.csv", E(4, "start_utc", "'2999-09-01T00:00:00Z' is in the future",
                                  "check the year")),
    case("duplicate_ids.csv",
         E(4, "incident_id", "'GH-2025-09-01' is used more than once", "merge the rows"),
         E(5, "incident_id", "'GH-2025-09-01' is used again (first on line 4)",
           "merge the rows")),
    case("unknown_impact.csv", E(3, "impact", "'partial' is not a known term",
                                 "write one of: outage, partial-outage, degradation, advisory")),
    case("unknown_classification.csv", E(2, "classification", "'Incident' is not a known term",
                                         "write one of: incident, advisory")),
    case("unknown_client.csv", E(2, "affected_clients", "'outlook-ios' is not a known term (in "
                                 "'outlook-web;outlook-ios')",
                                 "use ';'-separated terms from: outlook-mobile")),
    case("unknown_mitigation.csv", E(4, "mitigation", "'reboot' is not a known term (in "
                                     "'rollback;reboot')",
                                     "use ';'-separated terms from: rollback")),
    case("empty_required.csv", E(3, "title", "the value is empty", "fill in title")),
    case("huge_field.csv", E(3, "notes", f"the value is longer than {NOTES_LIMIT} characters",
                             f"shorten it to at most {NOTES_LIMIT} characters"),
         make=huge_field),
    case("unknown_vendor.csv", E(4, "vendor", "'Github' is spelled differently from 'GitHub' "
                                 "in " + str(VENDORS), "write 'GitHub' exactly")),
    case("wrong_field_count.csv", E(4, None, "the row has 23 fields where the header has 22",
                                    "check for a missing or extra comma")),
    case("unclosed_quote.csv", E(3, "title", "a quoted field opened on this line is never "
                                 "closed", 'add the closing "')),
    case("text_after_quote.csv", E(4, None, "a quoted field has text after its closing quote",
                                   'write each " inside it twice')),
    case("severity_7.csv", E(2, "severity", "'7' is not a severity",
                             "write a whole number from 1 to 5")),
    case("severity_high.csv", E(4, "severity", "'high' is not a severity",
                                "google cloud severity 'high' is 4")),
    case("precision_not_zeroed.csv", E(4, "start_utc", "'2025-09-01T14:30:00Z' has parts finer "
                                       "than its precision (day)", "zero the parts below")),
    case("month_precision_not_zeroed.csv", E(4, "start_utc", "'2025-09-15T00:00:00Z' has parts "
                                             "finer than its precision (month)",
                                             "zero the parts below")),
    case("end_precision_without_end.csv", E(4, "end_precision", "a precision is given for an "
                                            "empty end_utc", "empty this cell")),
    case("end_without_precision.csv", E(2, "end_precision", "end_utc is given but its "
                                        "precision is not", "write minute, hour, day or month")),
    case("bad_url.csv", E(3, "source_urls", "'blog.example.com/status' is not a web address",
                          "write full https:// addresses")),
    case("three_bad_rows.csv",
         E(5, "severity", "'9' is not a severity", "write a whole number from 1 to 5"),
         E(6, "impact", "'broken' is not a known term", "write one of: outage"),
         E(7, "start_utc", "'2025-10-01' has no time zone", "convert it to UTC")),
    case("folder", E(None, None, "this is a folder, not a CSV file",
                     "give the path of the CSV file itself"), make=folder),
    case("no-such-file.csv", E(None, None, "the file does not exist", "check the path"),
         make=missing_file),
    case("vendors_bad_dependence.csv", E(2, "dependence_weight",
                                         "'90%' is not a fraction between 0 and 1",
                                         "write it as a decimal, e.g. 0.999"), vendors_file=True),
    case("control_characters.csv",
         E(2, "title", "'Users cannot send mail\\x00 from Outlook' contains a control "
           "character, U+0000 (NUL)", "delete it"),
         E(3, "root_cause", "'A storage supplier \\x1b[2Jfailed.' contains a control character, "
           "U+001B (ESC)", "delete it"),
         E(4, "service", "'Actions \\u202etxt.exe' contains a bidirectional control character, "
           "U+202E (RIGHT-TO-LEFT OVERRIDE)", "delete it")),
    case("every_row_invalid.csv", *(E(line, "severity", "'9' is not a severity",
                                      "write a whole number from 1 to 5") for line in (2, 3, 4))),
    case("vendors_same_page.csv",
         E(6, "vendor", "'acme-cloud' and 'Acme Cloud' (line 5) differ only in case, accents "
           "or punctuation: their reports would both be vendor-acme-cloud.html",
           "merge the two rows if they are one vendor"),
         E(7, "vendor", "'ACME_CLOUD' and 'Acme Cloud' (line 5) differ only in case",
           "name them apart by a letter or digit"), vendors_file=True),
)
ACCEPTED = ("valid.csv", "bom.csv", "crlf.csv")
#: Valid files whose names are markup to a renderer: mathtext, URLs, quotes, Markdown, emoji.
MARKUP = ("markup_names.csv", "markup_vendors.csv")
IDS = [c.name for c in CASES]


def load_case(path: Path, vendors_file: bool) -> pd.DataFrame:
    if vendors_file:
        return load_vendors(path)
    return load.load_incidents(path, vendors=load_vendors(VENDORS), now=NOW)


def where(path: Path, expected: Expected) -> str:
    """The location ``validate`` must print for ``expected``, spelled out independently."""
    text = str(path)
    if expected.line is not None:
        text += f", line {expected.line}"
    if expected.column is not None:
        text += f", column '{expected.column}'"
    return text + ": "


def run_validate(path: Path, vendors_file: bool) -> list[str]:
    """``validate`` arguments for a broken incident file, or a broken vendor file."""
    if vendors_file:
        return ["validate", str(VALID), "--vendors", str(path)]
    return ["validate", str(path), "--vendors", str(VENDORS)]


def assert_problems(problems: list[Problem], path: Path, expected: tuple[Expected, ...]) -> None:
    assert len(problems) == len(expected), "\n".join(map(str, problems))
    remaining = list(problems)
    for want in expected:
        match = [p for p in remaining if (p.line, p.column) == (want.line, want.column)
                 and want.message in p.message and want.fix in p.fix]
        assert match, f"no problem like {want} in:\n" + "\n".join(map(str, remaining))
        assert match[0].file == str(path)
        remaining.remove(match[0])


# ---------------------------------------------------------------- the corpus


@pytest.mark.parametrize("bad", CASES, ids=IDS)
def test_loader_raises_input_error_naming_line_and_column(bad: Case, tmp_path: Path) -> None:
    path = bad.make(tmp_path)
    with pytest.raises(InputError) as raised:
        load_case(path, bad.vendors_file)
    assert_problems(raised.value.problems, path, bad.expected)


@pytest.mark.parametrize("bad", CASES, ids=IDS)
def test_validate_exits_non_zero_naming_file_line_column_and_fix(
        bad: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = bad.make(tmp_path)
    status = cli.main(run_validate(path, bad.vendors_file))
    out, err = capsys.readouterr()
    assert status == 1
    assert err.startswith("error: ")
    assert "Traceback" not in out + err
    for want in bad.expected:
        line = next((x for x in err.splitlines() if where(path, want) + want.message in x), None)
        assert line is not None, f"{where(path, want)}{want.message} not in:\n{err}"
        assert re.search(r"\. Fix: \S", line), line
        assert want.fix in line.split(". Fix: ", 1)[1]


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_variants_load_all_rows(name: str) -> None:
    table = load.load_incidents(FIXTURES / name, vendors=load_vendors(VENDORS), now=NOW)
    assert list(table["incident_id"]) == ["EX1001", "CF-2025-06-12", "GH-2025-09-01"]


@pytest.mark.parametrize("name", ACCEPTED)
def test_validate_exits_zero_and_says_no_problems(
        name: str, capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["validate", str(FIXTURES / name), "--vendors", str(VENDORS)])
    out, err = capsys.readouterr()
    assert status == 0
    assert "no problems" in out
    assert err == ""


def test_names_that_are_markup_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    names, vendors = (FIXTURES / name for name in MARKUP)
    table = load.load_incidents(names, vendors=load_vendors(vendors), now=NOW)
    assert sorted(table["vendor"]) == ["$x^2$ Cloud", "O'Neil's \"Cloud\"", "https://x.example"]
    assert cli.main(["validate", str(names), "--vendors", str(vendors)]) == 0
    assert "no problems" in capsys.readouterr().out


def test_accepted_variants_really_have_a_bom_and_crlf() -> None:
    assert (FIXTURES / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (FIXTURES / "crlf.csv").read_bytes()
    assert b"\r" not in (FIXTURES / "valid.csv").read_bytes()


def test_every_fixture_is_tested_and_listed_in_the_readme() -> None:
    files = {p.name for p in FIXTURES.glob("*.csv")}
    tested = {c.name for c in CASES} | set(ACCEPTED) | set(MARKUP) | {"vendors.csv"}
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    assert files <= tested, f"fixtures without a case: {sorted(files - tested)}"
    assert [c.name for c in CASES if f"`{c.name}`" not in readme] == []
    assert [n for n in (*ACCEPTED, *MARKUP) if f"`{n}`" not in readme] == []
    assert len(files - set(ACCEPTED) - set(MARKUP) - {"vendors.csv"}) >= 30


def test_three_bad_rows_are_all_reported_in_one_run() -> None:
    with pytest.raises(InputError) as raised:
        load.load_incidents(FIXTURES / "three_bad_rows.csv", vendors=load_vendors(VENDORS),
                            now=NOW)
    assert [p.line for p in raised.value.problems] == [5, 6, 7]
    assert str(raised.value).startswith("3 problems found:")


def test_validate_reports_both_a_broken_vendor_file_and_a_broken_incident_file(
        capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["validate", str(FIXTURES / "three_bad_rows.csv"),
                       "--vendors", str(FIXTURES / "vendors_bad_dependence.csv")])
    err = capsys.readouterr().err
    assert status == 1
    assert "4 problems found" in err
    assert "vendors_bad_dependence.csv, line 2, column 'dependence_weight'" in err
    assert "three_bad_rows.csv, line 7, column 'start_utc'" in err


def test_validate_in_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [sys.executable, "-m", "incidents", "validate", str(FIXTURES / "unclosed_quote.csv"),
         "--vendors", str(VENDORS)], capture_output=True, text=True, env=env, cwd=tmp_path,
        timeout=120, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "unclosed_quote.csv, line 3, column 'title': a quoted field" in result.stderr


def test_control_characters_in_a_value_are_shown_escaped(tmp_path: Path) -> None:
    rows = read_rows(VALID)
    rows[1][rows[0].index("impact")] = "out\x1b[2J\nage"
    path = write_rows(tmp_path / "escape.csv", rows)
    with pytest.raises(InputError) as raised:
        load.load_incidents(path, vendors=load_vendors(VENDORS), now=NOW)
    assert "'out\\x1b[2J\\nage' is not a known term" in str(raised.value)
    assert "\x1b" not in str(raised.value)


def test_digits_of_other_scripts_do_not_make_a_date(tmp_path: Path) -> None:
    rows = read_rows(VALID)
    rows[1][rows[0].index("start_utc")] = "２０２５-03-03T09:15:00Z"
    path = write_rows(tmp_path / "fullwidth.csv", rows)
    with pytest.raises(InputError) as raised:
        load.load_incidents(path, vendors=load_vendors(VENDORS), now=NOW)
    assert [(p.line, p.column) for p in raised.value.problems] == [(2, "start_utc")]


# ---------------------------------------------------------------- skip_invalid


def test_skip_invalid_keeps_the_valid_rows() -> None:
    table = load.load_incidents(FIXTURES / "three_bad_rows.csv",
                                vendors=load_vendors(VENDORS), now=NOW, skip_invalid=True)
    assert sorted(table["incident_id"]) == ["CF-2025-06-12", "EX1001", "GH-2025-09-01"]
    assert list(table["source_line"]) == [2, 3, 4]


def test_skip_invalid_lists_every_skipped_row_with_its_problem() -> None:
    table = load.load_incidents(FIXTURES / "three_bad_rows.csv",
                                vendors=load_vendors(VENDORS), now=NOW, skip_invalid=True)
    skipped = table.attrs["skipped"]
    assert len(skipped) == 3
    for line, text in zip((5, 6, 7), skipped, strict=True):
        assert f"three_bad_rows.csv, line {line}, column '" in text
        assert ". Fix: " in text


def test_skip_invalid_refuses_a_file_where_every_row_is_invalid() -> None:
    with pytest.raises(InputError) as raised:
        load.load_incidents(FIXTURES / "every_row_invalid.csv",
                            vendors=load_vendors(VENDORS), now=NOW, skip_invalid=True)
    first = raised.value.problems[0]
    assert (first.line, first.column) == (None, None)
    assert first.message.startswith("every row is invalid (3 of 3)")
    assert [p.line for p in raised.value.problems[1:]] == [2, 3, 4]


def test_a_pipe_or_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    fifo = tmp_path / "incidents.csv"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    for path in (fifo, Path("/dev/zero")):
        with pytest.raises(InputError, match="this is not a regular file"):
            load.load_incidents(path, now=NOW)


def test_a_missing_vendor_file_suggests_vendors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        load_vendors(tmp_path / "vendors.csv")
    assert "VENDORS=" in raised.value.problems[0].fix


def test_terminal_output_shows_control_characters_in_a_path_escaped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["validate", str(tmp_path / "a\x1b[2Jb\u202ec.csv"), "--vendors",
                       str(VENDORS)])
    err = capsys.readouterr().err
    assert status == 1  # unusable input
    assert "\x1b" not in err and "\u202e" not in err
    assert "a\\x1b[2Jb\\u202ec.csv" in err


def test_skip_invalid_still_raises_for_a_problem_with_the_whole_file() -> None:
    with pytest.raises(InputError, match="a required column is missing"):
        load.load_incidents(FIXTURES / "missing_column.csv", vendors=load_vendors(VENDORS),
                            now=NOW, skip_invalid=True)


#: One way to break a row, per column, with a value the schema rejects.
BREAKAGES: dict[str, str] = {
    "severity": "7", "impact": "partial", "start_utc": "yesterday", "end_utc": "2025-13-01",
    "affected_clients": "outlook-ios", "source_urls": "ftp://x", "title": "",
    "start_precision": "second", "change_induced": "maybe",
}


@settings(max_examples=40, deadline=None)
@given(plan=st.lists(st.one_of(st.none(), st.sampled_from(sorted(BREAKAGES))), min_size=1,
                     max_size=8),
       skip_width=st.booleans())
def test_skip_invalid_never_drops_a_valid_row_silently(plan: list[str | None],
                                                       skip_width: bool) -> None:
    """Rows that are valid are kept; every other row is listed, with its line, as skipped."""
    template = read_rows(VALID)
    header, base = template[0], template[1]
    rows = [header]
    for number, broken in enumerate(plan):
        row = list(base)
        row[header.index("incident_id")] = f"EX-{number}"
        if broken is not None:
            row[header.index(broken)] = BREAKAGES[broken]
        rows.append(row)
    if skip_width:  # and a row with too many fields at the end
        rows.append([*base, "extra"])
    valid_ids = {f"EX-{n}" for n, broken in enumerate(plan) if broken is None}
    with tempfile.TemporaryDirectory() as folder:
        path = write_rows(Path(folder) / "mixed.csv", rows)
        if not valid_ids:  # nothing would be left: refused, not an empty table
            with pytest.raises(InputError, match="every row is invalid"):
                load.load_incidents(path, vendors=load_vendors(VENDORS), now=NOW,
                                    skip_invalid=True)
            return
        table = load.load_incidents(path, vendors=load_vendors(VENDORS), now=NOW,
                                    skip_invalid=True)
    bad_lines = {n + 2 for n, broken in enumerate(plan) if broken is not None}
    if skip_width:
        bad_lines.add(len(plan) + 2)
    assert set(table["incident_id"]) == valid_ids
    skipped_lines = {int(m) for text in table.attrs["skipped"]
                     for m in re.findall(r", line (\d+)", text)}
    assert skipped_lines == bad_lines


# ---------------------------------------------------------------- property: nothing leaks


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.reader(source))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as target:
        csv.writer(target).writerows(rows)
    return path


#: Any text a UTF-8 file can hold: unicode, control characters, commas, quotes, newlines.
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
tricky_text = st.text(st.sampled_from(list(',;"\'\n\r\t \x00\x1b=+-@Z:T0123456789é٣２')),
                      max_size=30)
dates = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31))
date_text = st.one_of(
    dates.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    dates.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S+01:00")),
    dates.map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
    dates.map(lambda d: d.strftime("%Y-%m-%d")),
    st.sampled_from(["0000-00-00T00:00:00Z", "9999-12-31T23:59:59Z", "2025-02-29T00:00:00Z",
                     "2025-01-01T24:00:00Z", "2025-01-01T10:00:60Z"]),
)
BASE_ROW = {col.name: col.default for col in schema.INCIDENT_COLUMNS} | dict(
    zip(*read_rows(VALID)[:2], strict=True))


def field(col: schema.Column) -> st.SearchStrategy[str]:
    choices = [st.just(BASE_ROW[col.name]), any_text, tricky_text, date_text,
               st.sampled_from(["", " ", ";", "-1", "0", "1e9", "nan", "None", "NULL"])]
    if col.vocabulary:
        terms = sorted(col.vocabulary)
        choices += [st.sampled_from(terms),
                    st.lists(st.sampled_from(terms), max_size=3).map(";".join)]
    return st.one_of(*choices)


random_row = st.tuples(*(field(c) for c in schema.INCIDENT_COLUMNS)).map(list)
ragged_row = st.lists(any_text, max_size=len(schema.INCIDENT_COLUMNS) + 2)


@st.composite
def nearly_valid_row(draw: st.DrawFn) -> list[str]:
    """The valid base row with one to three fields replaced: reaches the checks across columns
    and the typed table, which rows with many bad fields rarely do."""
    row = dict(BASE_ROW)
    for col in draw(st.lists(st.sampled_from(schema.INCIDENT_COLUMNS), min_size=1, max_size=3)):
        row[col.name] = draw(field(col))
    return [row[name] for name in schema.INCIDENT_COLUMN_NAMES]


#: More examples for a deeper search: FUZZ_EXAMPLES=2000 pytest -k random
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.one_of(random_row, nearly_valid_row(), nearly_valid_row(), ragged_row),
                     min_size=1,
                     max_size=5),
       skip_invalid=st.booleans())
def test_random_rows_are_loaded_or_rejected_with_input_error(rows: list[list[str]],
                                                             skip_invalid: bool) -> None:
    vendors = pd.DataFrame({"vendor": [BASE_ROW["vendor"]]})
    with tempfile.TemporaryDirectory() as folder:
        path = write_rows(Path(folder) / "random.csv", [list(schema.INCIDENT_COLUMN_NAMES),
                                                        *rows])
        try:
            table = load.load_incidents(path, vendors=vendors, now=NOW,
                                        skip_invalid=skip_invalid)
        except InputError as exc:
            assert exc.problems
            assert all(p.message and p.fix for p in exc.problems)
        else:
            assert len(table) <= len(rows)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(data=st.one_of(st.binary(max_size=300),
                      st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
                      tricky_text.map(lambda t: (",".join(schema.INCIDENT_COLUMN_NAMES) + "\n"
                                                 + t).encode("utf-8"))))
def test_random_bytes_are_loaded_or_rejected_with_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.csv"
        path.write_bytes(data)
        try:
            load.load_incidents(path, now=NOW)
        except InputError as exc:
            assert exc.problems
