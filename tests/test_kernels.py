"""Warm kernels: readiness without lost output, namespace reset, clear failures."""

from __future__ import annotations

import asyncio
import os

import pytest

from incidents.render import kernels


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    manager = kernels.start_kernel(tmp_path_factory.mktemp("sockets"))
    yield manager
    manager.shutdown_kernel(now=True)


def test_warm_kernel_has_the_report_modules_imported(kernel):
    kernels.run_code(kernel, "import sys; assert 'incidents.present.plots' in sys.modules")


def test_a_kernel_starts_below_the_report_that_prepares_its_data(kernel):
    assert os.getpriority(os.PRIO_PROCESS, kernel.provisioner.pid) == min(
        19, kernels._BASE_NICENESS + kernels.KERNEL_NICENESS)


def test_the_report_steps_back_to_the_kernels_level_once(monkeypatch):
    levels = {"now": 0}
    monkeypatch.setattr(kernels, "_BASE_NICENESS", 0)
    monkeypatch.setattr(kernels.os, "getpriority", lambda which, who: levels["now"])
    monkeypatch.setattr(kernels.os, "setpriority",
                        lambda which, who, value: levels.update(now=value))
    kernels.step_back()
    kernels.step_back()
    assert levels["now"] == kernels.KERNEL_NICENESS


def test_reset_forgets_the_previous_notebook_variables(kernel):
    kernels.run_code(kernel, "leftover = 1")
    kernels.run_code(kernel, "assert leftover == 1")
    kernels.reset_namespace(kernel)
    with pytest.raises(kernels.KernelError, match="leftover"):
        kernels.run_code(kernel, "leftover")


def test_client_sees_every_output_of_its_first_request(kernel):
    outputs: list[str] = []

    async def first_request() -> None:
        client = kernel.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=30)
            await client.execute_interactive(
                "print('first output')", timeout=30,
                output_hook=lambda message: outputs.append(message["content"].get("text", "")))
        finally:
            client.stop_channels()

    for _ in range(5):
        outputs.clear()
        asyncio.run(first_request())
        assert "first output\n" in outputs


def test_failing_start_up_code_is_a_clear_error_and_leaves_no_kernel(tmp_path, monkeypatch):
    monkeypatch.setattr(kernels, "WARM_UP", "import module_that_does_not_exist")
    started = []
    real_manager = kernels.KernelManager

    def recording_manager(*args, **kwargs):
        manager = real_manager(*args, **kwargs)
        started.append(manager)
        return manager

    monkeypatch.setattr(kernels, "KernelManager", recording_manager)
    with pytest.raises(kernels.KernelError, match=r"did not start.*module_that_does_not_exist"):
        kernels.start_kernel(tmp_path)
    assert started and not started[0].has_kernel


def test_kernel_starts_when_the_build_folder_path_is_long(tmp_path):
    deep = tmp_path / ("a-long-folder-name-" * 6)
    deep.mkdir()
    manager = kernels.start_kernel(deep)
    try:
        kernels.run_code(manager, "assert 1 + 1 == 2")
    finally:
        manager.shutdown_kernel(now=True)


def test_the_warm_up_imports_every_module_the_notebooks_import():
    import ast

    from incidents import config

    needed = set()
    for script in config.NOTEBOOKS_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("incidents"):
                needed |= {f"{node.module}.{alias.name}" for alias in node.names}
    assert needed <= set(kernels.NOTEBOOK_MODULES)
