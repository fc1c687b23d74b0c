"""Notebooks: committed without outputs, paired with their .py, parameters documented."""

from __future__ import annotations

import json

import jupytext
import pytest

from incidents import config

NOTEBOOKS = ["portfolio", "vendor"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_without_outputs(name):
    notebook = json.loads((config.NOTEBOOKS_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        assert cell.get("outputs", []) == []
        assert cell.get("execution_count") is None


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_matches_its_paired_script(name):
    paired = jupytext.read(config.NOTEBOOKS_DIR / f"{name}.py")
    notebook = jupytext.read(config.NOTEBOOKS_DIR / f"{name}.ipynb")
    assert [c.source for c in paired.cells] == [c.source for c in notebook.cells], (
        f"notebooks/{name}.ipynb differs from {name}.py: run `make sync`")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_cell_is_plain_values_with_comments(name):
    notebook = jupytext.read(config.NOTEBOOKS_DIR / f"{name}.py")
    cells = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    for line in cells[0].source.splitlines():
        assert ": " in line and " = " in line and "  # " in line, line


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_computes_no_metric_itself(name):
    source = (config.NOTEBOOKS_DIR / f"{name}.py").read_text(encoding="utf-8")
    for forbidden in (".groupby(", ".agg(", "np.", "scipy", ".mean()", ".median()"):
        assert forbidden not in source, forbidden
