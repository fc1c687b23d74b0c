"""The package's floors hold: each module imports only from its own floor or the floors below.

Floors, bottom to top: ``data`` (files, schema, importers), ``evidence`` (records, events),
``analysis`` (numbers), ``present`` (what notebooks call), ``render`` (papermill, HTML, PDF);
the face (``cli``, ``import_command``) sits on top, and ``config`` and ``errors`` underneath
everything. Imports are read from the source with :mod:`ast`, including those inside
functions, so a lazy import cannot hide a floor violation.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

from incidents import config

PACKAGE = config.PACKAGE_DIR
#: Floor of each folder (and face module); a module may import its own floor and below.
FLOORS = {"config": 0, "errors": 0, "__init__": 0, "data": 1, "evidence": 2, "analysis": 3,
          "present": 4, "render": 5, "cli": 6, "import_command": 6, "__main__": 6}
#: Statistics work on plain numbers: no incident table, no pandas.
NUMBERS_ONLY = {"incidents.analysis.stats", "incidents.analysis.survival",
                "incidents.analysis.growth"}
PICTURES = ("matplotlib", "seaborn", "IPython")
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports (``from a import b`` gives ``a.b`` when that is a module)."""
    known = modules()
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                names.add(full if full in known else node.module)
    return names


def floor(module: str) -> int:
    parts = module.split(".")
    return FLOORS[parts[1]] if len(parts) > 1 else 0


@functools.cache
def own_imports() -> dict[str, set[str]]:
    return {name: {m for m in imported(path) if m.startswith("incidents.") or m == "incidents"}
            for name, path in modules().items()}


def test_every_module_sits_on_a_known_floor():
    assert all(module.split(".")[1] in FLOORS for module in modules() if "." in module)


@pytest.mark.parametrize("module", sorted(modules()))
def test_no_module_imports_from_a_floor_above_it(module):
    above = {m for m in own_imports()[module] if floor(m) > floor(module)}
    assert not above, f"{module} (floor {floor(module)}) imports {sorted(above)}"


def test_no_modules_import_each_other_directly_or_round_a_cycle():
    graph = own_imports()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph or nxt == node:
                continue
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join([*path, nxt])
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_statistics_know_no_incident_table():
    for module in NUMBERS_ONLY:
        used = imported(modules()[module])
        assert "pandas" not in used, module
        assert {m for m in used if m.startswith("incidents.")} <= NUMBERS_ONLY, module


def test_numbers_and_data_know_no_pictures():
    for module, path in modules().items():
        if floor(module) <= FLOORS["analysis"]:
            drawn = {m for m in imported(path) if m.startswith(PICTURES)}
            assert not drawn, f"{module} imports {sorted(drawn)}"


def test_feeds_know_no_report():
    for module, path in modules().items():
        if module.startswith("incidents.data.importers"):
            assert all(floor(m) <= FLOORS["data"] for m in imported(path)
                       if m.startswith("incidents.")), module


def test_no_module_is_over_six_hundred_lines():
    long = {module: n for module, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long


def test_the_benchmark_lives_outside_the_package():
    assert not list(PACKAGE.rglob("bench*.py"))
    assert (config.PROJECT_ROOT / "benchmarks" / "bench.py").is_file()


def test_the_layer_rule_catches_an_upward_import(tmp_path):
    # The checker itself: a data module that imports the report is caught.
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from incidents.present import report\n")
    assert "incidents.present.report" in imported(bad)
    assert floor("incidents.present.report") > floor("incidents.data.load")
