"""Report options are checked before any kernel starts, with a message that says the fix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from incidents import cli, config
from incidents.errors import ParameterError
from incidents.present import parameters
from incidents.render import kernels, plan
from incidents.render import run as render
from tests.conftest import VENDOR_ROWS, incident_row, write_csv

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture
def files(tmp_path) -> dict[str, str]:
    from incidents.data import schema

    data = write_csv(tmp_path / "incidents.csv", [incident_row()], schema.INCIDENT_COLUMN_NAMES)
    vendors = write_csv(tmp_path / "vendors.csv", VENDOR_ROWS, schema.VENDOR_COLUMN_NAMES)
    return {"data": str(data), "vendors": str(vendors)}


@pytest.fixture
def no_kernels(monkeypatch):
    """Any kernel start fails the test: a refused run must start none."""
    def refuse(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(kernels, "start_kernel", refuse)


def test_percentage_sla_is_refused_with_the_fraction_to_write():
    with pytest.raises(ParameterError, match=r"99\.9 looks like a percentage: write 0\.999"):
        parameters.check_sla_target(99.9)


@pytest.mark.parametrize("value", [0, 0.0, 0.95, 0.999, 0.99999])
def test_fraction_or_zero_sla_is_accepted(value):
    assert parameters.check_sla_target(value) == value


@pytest.mark.parametrize("value", [-0.1, 1000.0, float("nan")])
def test_sla_outside_zero_to_one_is_refused(value):
    with pytest.raises(ParameterError, match=r"fraction between 0 and 1 such as 0\.999"):
        parameters.check_sla_target(value)


@pytest.mark.parametrize("value", [0, -2, 2.5, True])
def test_minimum_incident_count_must_be_a_positive_whole_number(value):
    with pytest.raises(ParameterError, match="whole number of at least 1"):
        parameters.check_min_incidents(value)


def test_vendor_is_matched_ignoring_case_and_spaces():
    known = pd.Series(["Microsoft 365", "GitHub"])
    assert parameters.check_vendor(" microsoft 365", known) == "Microsoft 365"


def test_misspelt_vendor_gets_a_suggestion_and_the_known_list():
    known = pd.Series(["Microsoft 365", "GitHub"])
    with pytest.raises(ParameterError, match=r"unknown vendor 'Microsoft 356'\. Did you mean "
                       r"'Microsoft 365'\? Known vendors: GitHub, Microsoft 365"):
        parameters.check_vendor("Microsoft 356", known)


@pytest.mark.parametrize(("options", "message"), [
    ({"sla_target": 99.9}, "looks like a percentage: write 0.999"),
    ({"min_incidents": 0}, "whole number of at least 1"),
    ({"fmt": "docx"}, "format 'docx' is not one of html, pdf, both"),
    ({"start": "2025-13-01"}, "is not a date: write it as YYYY-MM-DD"),
    ({"start": "2025-06-01", "end": "2025-01-01"}, "ends .* before it starts"),
    ({"vendor": "Acme Male"}, "Did you mean 'Acme Mail'"),
    ({"start": "0001-01-01"}, "outside the years 1990-2199"),
    ({"start": "0010-03-04"}, "outside the years 1990-2199"),
    ({"end": "9999-12-31"}, "outside the years 1990-2199"),
    ({"start": "2024-1-1"}, "is not a date: write it as YYYY-MM-DD"),
    ({"start": "２０２４-01-01"}, "is not a date: write it as YYYY-MM-DD"),
])
def test_bad_option_is_refused_before_any_kernel_starts_and_leaves_no_folder(
        files, no_kernels, tmp_path, options, message):
    before = set(config.BUILD_DIR.glob("run-*"))
    with pytest.raises(ParameterError, match=message):
        render.build(plan.Options(data=files["data"], vendors=files["vendors"],
                                  out=tmp_path / "out", **options))
    assert set(config.BUILD_DIR.glob("run-*")) == before
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("written, known", [
    ("STRASSE AG", "Straße AG"), ("straße ag", "STRASSE AG"), ("ﬁrm cloud", "Firm Cloud"),
    ("  acme   mail ", "Acme Mail")])
def test_vendor_names_match_across_case_folding_and_unicode_forms(written, known):
    assert parameters.check_vendor(written, pd.Series([known, "Other"])) == known


def test_vendor_names_that_fold_alike_are_refused_as_one_page(tmp_path):
    from incidents.data import companions, schema
    from incidents.errors import InputError

    rows = [{**VENDOR_ROWS[0], "vendor": "Straße AG"}, {**VENDOR_ROWS[1], "vendor": "STRASSE AG"}]
    path = write_csv(tmp_path / "vendors.csv", rows, schema.VENDOR_COLUMN_NAMES)
    with pytest.raises(InputError, match="differ only in case"):
        companions.load_vendors(path)


def test_checked_options_spell_the_vendor_as_the_data_does(files):
    checked = plan.check_options(plan.Options(vendor="ACME MAIL", vendors=files["vendors"]))
    assert checked.vendor == "Acme Mail"


def test_command_line_percentage_sla_exits_2_with_the_message(files, no_kernels, tmp_path,
                                                              capsys):
    code = cli.main(["report", "--sla-target", "99.9", "--data", files["data"], "--vendors",
                     files["vendors"], "--out", str(tmp_path / "out")])
    assert code == 2
    assert "SLA target 99.9 looks like a percentage: write 0.999" in capsys.readouterr().err


