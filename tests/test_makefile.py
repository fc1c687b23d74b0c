"""The Makefile: self-documenting, and make variables reach commands as data, never as code."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from incidents import config

pytestmark = pytest.mark.skipif(not shutil.which("make"), reason="make not installed")


def run_make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "-s", *args], cwd=config.PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120, check=False)


def test_help_is_the_default_goal_and_lists_the_two_commands():
    result = run_make()
    assert result.returncode == 0
    assert "report" in result.stdout and "test" in result.stdout and "setup" in result.stdout


def test_hostile_make_variable_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    hostile = (f'x$(shell touch {marker}1)"; touch {marker}2; "`touch {marker}3`'
               f"$(touch {marker}4)")
    result = run_make("validate", f"DATA={hostile}", f"VENDORS={hostile}")
    assert result.returncode != 0
    assert "does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_report_takes_data_and_vendor_paths_with_spaces(tmp_path):
    folder = tmp_path / "my data"
    folder.mkdir()
    data, vendors = folder / "incidents 2025.csv", folder / "vendors.csv"
    data.write_text("x", encoding="utf-8")
    vendors.write_text("x", encoding="utf-8")
    result = run_make("-n", "report", "FORMAT=html", f"DATA={data}", f"VENDORS={vendors}")
    assert result.returncode == 0, result.stderr
    assert "No rule to make target" not in result.stderr
    assert '--data "$REPORT_DATA"' in result.stdout
