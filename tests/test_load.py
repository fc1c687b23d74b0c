"""The loader on small valid files: what a successful load returns, and what it accepts."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pandas as pd
import pytest

from incidents import config
from incidents.data import companions, load, read, schema
from incidents.errors import InputError

NOW = pd.Timestamp("2026-01-01T00:00:00Z")
VENDOR = "Acme Cloud"

#: Values for the required text columns the checks look into; other text columns get a filler.
TEXT_VALUES = {"vendor": VENDOR, "incident_id": "INC-1", "regions": "global",
               "source_urls": "https://status.example.com/inc-1"}
TIME_VALUES = {"start_utc": "2025-01-10T10:00:00Z", "end_utc": "2025-01-10T12:00:00Z"}


def valid_row(**changes: str) -> dict[str, str]:
    """A valid incident row built from the schema's columns, with ``changes`` applied."""
    row: dict[str, str] = {}
    for col in schema.INCIDENT_COLUMNS:
        if col.kind == "timestamp":
            value = TIME_VALUES.get(col.name, "")
        elif col.kind == "precision":
            value = "minute" if col.name.replace("_precision", "_utc") in TIME_VALUES else ""
        elif col.kind == "severity":
            value = "3"
        elif col.vocabulary:  # category or multi
            value = next(iter(col.vocabulary))
        elif col.required:
            value = TEXT_VALUES.get(col.name, f"{col.name} value")
        else:
            value = ""
        row[col.name] = value
    unknown = set(changes) - set(row)
    assert not unknown, f"not columns: {unknown}"
    row.update(changes)
    return row


def csv_text(rows: list[dict[str, str]], columns: tuple[str, ...] = schema.INCIDENT_COLUMN_NAMES,
             newline: str = "\n") -> str:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator=newline)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_incidents(tmp_path: Path, rows: list[dict[str, str]], *, newline: str = "\n",
                    bom: bool = False, name: str = "incidents.csv") -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + csv_text(rows, newline=newline).encode())
    return path


def write_vendors(tmp_path: Path, names: tuple[str, ...] = (VENDOR,), **changes: str) -> Path:
    rows = [{"vendor": name, "services_used": "", "business_functions": "email",
             "dependence_weight": "0.5", "notes": "",
             **changes} for name in names]
    path = tmp_path / "vendors.csv"
    path.write_text(csv_text(rows, schema.VENDOR_COLUMN_NAMES), encoding="utf-8")
    return path


def load_rows(tmp_path: Path, rows: list[dict[str, str]], **kwargs: object) -> pd.DataFrame:
    vendors = companions.load_vendors(write_vendors(tmp_path))
    return load.load_incidents(write_incidents(tmp_path, rows), vendors=vendors, now=NOW,
                               **kwargs)


def problems_of(tmp_path: Path, rows: list[dict[str, str]]) -> list[tuple[int | None, str | None]]:
    with pytest.raises(InputError) as raised:
        load_rows(tmp_path, rows)
    return [(p.line, p.column) for p in raised.value.problems]


TWO_ROWS = [valid_row(incident_id="LATE", start_utc="2025-02-01T08:00:00Z",
                      end_utc="2025-02-01T09:00:00Z"),
            valid_row(incident_id="EARLY")]


# ---------------------------------------------------------------- the typed table


def test_the_helper_row_is_valid_for_the_current_schema(tmp_path: Path) -> None:
    table = load_rows(tmp_path, [valid_row()])
    assert list(table["incident_id"]) == ["INC-1"]


def test_every_schema_column_is_in_the_table_plus_the_source_line(tmp_path: Path) -> None:
    table = load_rows(tmp_path, TWO_ROWS)
    assert list(table.columns) == [*schema.INCIDENT_COLUMN_NAMES, "source_line"]


def test_timestamp_columns_are_utc_aware_datetimes(tmp_path: Path) -> None:
    table = load_rows(tmp_path, TWO_ROWS)
    for col in (c.name for c in schema.INCIDENT_COLUMNS if c.kind == "timestamp"):
        assert isinstance(table[col].dtype, pd.DatetimeTZDtype), col
        assert str(table[col].dt.tz) == "UTC", col


def test_timestamps_keep_their_exact_value(tmp_path: Path) -> None:
    table = load_rows(tmp_path, [valid_row(start_utc="2025-01-10T10:07:00Z")])
    assert table.loc[0, "start_utc"] == pd.Timestamp("2025-01-10 10:07", tz="UTC")
    assert table.loc[0, "end_utc"] == pd.Timestamp("2025-01-10 12:00", tz="UTC")


def test_vocabulary_columns_are_categoricals_with_the_schema_terms(tmp_path: Path) -> None:
    table = load_rows(tmp_path, TWO_ROWS)
    for col in schema.INCIDENT_COLUMNS:
        if col.kind in ("category", "precision"):
            assert isinstance(table[col.name].dtype, pd.CategoricalDtype), col.name
            assert list(table[col.name].cat.categories) == list(col.vocabulary), col.name


def test_severity_is_an_integer_column(tmp_path: Path) -> None:
    table = load_rows(tmp_path, [valid_row(severity="5")])
    assert pd.api.types.is_integer_dtype(table["severity"])
    assert table.loc[0, "severity"] == 5


def test_rows_are_sorted_by_start(tmp_path: Path) -> None:
    table = load_rows(tmp_path, TWO_ROWS)
    assert list(table["incident_id"]) == ["EARLY", "LATE"]
    assert table["start_utc"].is_monotonic_increasing


def test_source_line_is_the_line_of_the_row_in_the_file(tmp_path: Path) -> None:
    table = load_rows(tmp_path, TWO_ROWS)
    assert dict(zip(table["incident_id"], table["source_line"], strict=True)) == {
        "LATE": 2, "EARLY": 3}


def test_multi_valued_cells_keep_their_text(tmp_path: Path) -> None:
    table = load_rows(tmp_path, [valid_row(affected_clients="imap4;smtp")])
    assert table.loc[0, "affected_clients"] == "imap4;smtp"


def test_attrs_name_the_source_file_and_no_skipped_rows(tmp_path: Path) -> None:
    table = load_rows(tmp_path, TWO_ROWS)
    assert table.attrs["source_file"] == str(tmp_path / "incidents.csv")
    assert table.attrs["skipped"] == []


# ---------------------------------------------------------------- what the file may look like


def test_a_bom_is_accepted(tmp_path: Path) -> None:
    path = write_incidents(tmp_path, TWO_ROWS, bom=True)
    table = load.load_incidents(path, now=NOW)
    assert table.columns[0] == "incident_id"
    assert len(table) == 2


def test_crlf_line_endings_are_accepted(tmp_path: Path) -> None:
    last = "notes"  # a free-text column: a CR must not stick to its value
    rows = [{**row, last: "in the last column"} for row in TWO_ROWS]
    path = write_incidents(tmp_path, rows, newline="\r\n")
    assert path.read_bytes().count(b"\r\n") == 3
    table = load.load_incidents(path, now=NOW)
    assert sorted(table["incident_id"]) == ["EARLY", "LATE"]
    assert list(table[last]) == ["in the last column"] * 2


def test_spaces_around_values_are_stripped(tmp_path: Path) -> None:
    table = load_rows(tmp_path, [valid_row(impact=" outage ", severity=" 2",
                                           vendor=f"{VENDOR} ")])
    assert table.loc[0, "impact"] == "outage"
    assert table.loc[0, "severity"] == 2
    assert table.loc[0, "vendor"] == VENDOR


def test_a_quoted_comma_and_newline_stay_in_one_field(tmp_path: Path) -> None:
    table = load_rows(tmp_path, [valid_row(title='Mail, calendar\nand "contacts"')])
    assert table.loc[0, "title"] == 'Mail, calendar\nand "contacts"'


def test_lines_after_a_multiline_field_are_numbered_as_in_an_editor(tmp_path: Path) -> None:
    rows = [valid_row(incident_id="A", notes="one\ntwo\nthree"), valid_row(incident_id="B")]
    table = load_rows(tmp_path, rows)
    assert dict(zip(table["incident_id"], table["source_line"], strict=True)) == {"A": 2, "B": 5}


def test_blank_lines_between_rows_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "incidents.csv"
    text = csv_text(TWO_ROWS)
    head, first, second = text.splitlines(keepends=True)
    path.write_text(head + first + "\n\n" + second, encoding="utf-8")
    table = load.load_incidents(path, now=NOW)
    assert sorted(table["source_line"]) == [2, 5]


def test_the_same_id_for_two_vendors_is_allowed(tmp_path: Path) -> None:
    vendors = companions.load_vendors(write_vendors(tmp_path, (VENDOR, "Other")))
    rows = [valid_row(), valid_row(vendor="Other")]
    table = load.load_incidents(write_incidents(tmp_path, rows), vendors=vendors, now=NOW)
    assert sorted(table["vendor"]) == [VENDOR, "Other"]


def test_without_a_vendor_table_any_vendor_is_accepted(tmp_path: Path) -> None:
    path = write_incidents(tmp_path, [valid_row(vendor="Not Listed Anywhere")])
    assert list(load.load_incidents(path, now=NOW)["vendor"]) == ["Not Listed Anywhere"]


def test_the_path_comes_from_the_environment_when_not_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_incidents(tmp_path, TWO_ROWS, name="elsewhere.csv")
    monkeypatch.setenv(config.DATA_ENV, str(path))
    assert load.load_incidents(now=NOW).attrs["source_file"] == str(path)


# ---------------------------------------------------------------- end and precision


def test_an_empty_end_with_an_empty_precision_is_allowed(tmp_path: Path) -> None:
    table = load_rows(tmp_path, [valid_row(end_utc="", end_precision="")])
    assert pd.isna(table.loc[0, "end_utc"])
    assert pd.isna(table.loc[0, "end_precision"])


def test_an_empty_end_with_a_precision_is_rejected(tmp_path: Path) -> None:
    assert problems_of(tmp_path, [valid_row(end_utc="", end_precision="minute")]) == [
        (2, "end_precision")]


def test_an_end_equal_to_the_start_is_allowed(tmp_path: Path) -> None:
    table = load_rows(tmp_path, [valid_row(end_utc=TIME_VALUES["start_utc"])])
    assert table.loc[0, "end_utc"] == table.loc[0, "start_utc"]


def test_a_duration_of_exactly_the_maximum_is_allowed(tmp_path: Path) -> None:
    end = pd.Timestamp(TIME_VALUES["start_utc"]) + pd.Timedelta(days=schema.MAX_DURATION_DAYS)
    table = load_rows(tmp_path, [valid_row(end_utc=end.strftime(load.UTC_FORMAT))])
    assert len(table) == 1


def test_a_duration_one_minute_over_the_maximum_is_rejected(tmp_path: Path) -> None:
    end = (pd.Timestamp(TIME_VALUES["start_utc"])
           + pd.Timedelta(days=schema.MAX_DURATION_DAYS, minutes=1))
    assert problems_of(tmp_path, [valid_row(end_utc=end.strftime(load.UTC_FORMAT))]) == [
        (2, "end_utc")]


def test_day_precision_requires_a_zeroed_time(tmp_path: Path) -> None:
    row = valid_row(start_utc="2025-01-10T10:00:00Z", start_precision="day")
    assert problems_of(tmp_path, [row]) == [(2, "start_utc")]


def test_day_precision_with_a_zeroed_time_is_accepted(tmp_path: Path) -> None:
    row = valid_row(start_utc="2025-01-10T00:00:00Z", start_precision="day")
    assert str(load_rows(tmp_path, [row]).loc[0, "start_precision"]) == "day"


def test_hour_precision_requires_zeroed_minutes(tmp_path: Path) -> None:
    row = valid_row(end_utc="2025-01-10T12:30:00Z", end_precision="hour")
    assert problems_of(tmp_path, [row]) == [(2, "end_utc")]


def test_month_precision_requires_the_first_of_the_month(tmp_path: Path) -> None:
    row = valid_row(start_utc="2025-01-10T00:00:00Z", start_precision="month")
    assert problems_of(tmp_path, [row]) == [(2, "start_utc")]


def test_month_precision_on_the_first_of_the_month_is_accepted(tmp_path: Path) -> None:
    row = valid_row(start_utc="2025-01-01T00:00:00Z", start_precision="month")
    assert len(load_rows(tmp_path, [row])) == 1


def test_a_start_within_the_future_tolerance_is_accepted(tmp_path: Path) -> None:
    start = NOW + load.FUTURE_TOLERANCE - pd.Timedelta(minutes=1)
    row = valid_row(start_utc=start.strftime(load.UTC_FORMAT), end_utc="", end_precision="")
    assert len(load_rows(tmp_path, [row])) == 1


def test_a_start_beyond_the_future_tolerance_is_rejected(tmp_path: Path) -> None:
    start = NOW + load.FUTURE_TOLERANCE + pd.Timedelta(minutes=1)
    row = valid_row(start_utc=start.strftime(load.UTC_FORMAT), end_utc="", end_precision="")
    assert problems_of(tmp_path, [row]) == [(2, "start_utc")]


def test_an_optional_detected_time_is_parsed(tmp_path: Path) -> None:
    table = load_rows(tmp_path, [valid_row(detected_utc="2025-01-10T10:30:00Z")])
    assert table.loc[0, "detected_utc"] == pd.Timestamp("2025-01-10 10:30", tz="UTC")


# ---------------------------------------------------------------- validate, vendors, helpers


def test_validate_returns_every_problem_sorted_by_line_without_raising(tmp_path: Path) -> None:
    rows = [valid_row(incident_id="A"), valid_row(incident_id="B", impact="x", severity="0"),
            valid_row(incident_id="C", title="")]
    _, problems = load.validate_incidents(write_incidents(tmp_path, rows), now=NOW)
    assert [(p.line, p.column) for p in problems] == [(3, "impact"), (3, "severity"),
                                                      (4, "title")]


def test_read_records_returns_stripped_strings_and_line_numbers(tmp_path: Path) -> None:
    path = write_incidents(tmp_path, [valid_row(title="  padded  ")])
    frame, problems = read.read_records(path, schema.INCIDENT_COLUMN_NAMES)
    assert problems == []
    assert frame.loc[0, "title"] == "padded"
    assert list(frame["_line"]) == [2]


def test_load_vendors_returns_the_dependence_as_a_float(tmp_path: Path) -> None:
    path = write_vendors(tmp_path, (VENDOR, "Other"))
    vendors = companions.load_vendors(path)
    assert vendors["dependence_weight"].dtype == "float64"
    assert vendors["dependence_weight"].iloc[0] == 0.5
    assert vendors.attrs["source_file"] == str(path)


def test_load_vendors_rejects_a_vendor_listed_twice(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        companions.load_vendors(write_vendors(tmp_path, (VENDOR, VENDOR)))
    assert [(p.line, p.column) for p in raised.value.problems] == [(3, "vendor")]


def test_a_vendor_spelled_another_way_is_named_with_the_vendor_file(tmp_path: Path) -> None:
    vendors = companions.load_vendors(write_vendors(tmp_path))
    path = write_incidents(tmp_path, [valid_row(vendor=VENDOR.upper())])
    with pytest.raises(InputError) as raised:
        load.load_incidents(path, vendors=vendors, now=NOW)
    (problem,) = raised.value.problems
    assert problem.message == (f"'{VENDOR.upper()}' is spelled differently from '{VENDOR}' in "
                               f"{tmp_path / 'vendors.csv'}")
    assert problem.fix == f"write '{VENDOR}' exactly"


def test_a_vendor_the_organisation_does_not_use_is_evidence_not_a_problem(
        tmp_path: Path) -> None:
    vendors = companions.load_vendors(write_vendors(tmp_path))
    path = write_incidents(tmp_path, [valid_row(vendor="Other Cloud")])
    table = load.load_incidents(path, vendors=vendors, now=NOW)
    assert list(table["vendor"]) == ["Other Cloud"]
    assert load.unused_vendors(table, [VENDOR]) == {"Other Cloud": ""}


def test_multi_values_explodes_and_strips_and_drops_empty_terms() -> None:
    values = pd.Series(["a; b", "", None, "c;;"])
    exploded = load.multi_values(values)
    assert list(exploded) == ["a", "b", "c"]
    assert list(exploded.index) == [0, 0, 3]


@pytest.mark.parametrize(("text", "expected"), [
    ("Microsoft 365", "microsoft-365"), ("  AWS / EC2 ", "aws-ec2"), ("---", "")])
def test_slug_is_lowercase_ascii_with_single_hyphens(text: str, expected: str) -> None:
    assert load.slug(text) == expected


@pytest.mark.parametrize(("vendor", "page"), [
    ("Microsoft 365", "vendor-microsoft-365"), ("Zürich Cloud", "vendor-zurich-cloud"),
    ("🚀", "vendor-" + hashlib.sha1("🚀".encode()).hexdigest()[:10]),
    # The hash is of the name as names are compared (case folded), so case never splits pages.
    ("阿里云 Cloud", "vendor-" + hashlib.sha1("阿里云 cloud".encode()).hexdigest()[:10]),
    ("阿里云 CLOUD", "vendor-" + hashlib.sha1("阿里云 cloud".encode()).hexdigest()[:10]),
    ("Straße", "vendor-strasse")])
def test_page_name_is_the_ascii_slug_or_a_hash_of_the_name(vendor: str, page: str) -> None:
    assert load.page_name(vendor) == page


def test_names_without_letters_get_distinct_page_names() -> None:
    names = ["🚀", "🔥", "***", "—", "🚀🚀"]
    assert len({load.page_name(name) for name in names}) == len(names)


def test_vendors_without_an_ascii_name_get_curated_records_of_their_own() -> None:
    assert load.curated_record_id("Microsoft 365") == "microsoft-365-curated"
    assert load.curated_record_id("🚀") != load.curated_record_id("🔥")
