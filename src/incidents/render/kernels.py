"""Warm notebook kernels for the report: started once, reused for several notebooks.

A kernel costs about two seconds to start and import pandas and matplotlib; the
report runs a dozen notebooks, so each worker keeps one kernel and resets its namespace
between notebooks. Two details keep the per-notebook overhead in milliseconds:

- :class:`ReadyKernelClient` checks that a kernel is ready by waiting for the ``idle`` status
  of its own ``kernel_info`` request on IOPub, instead of jupyter_client's fixed 0.2 s drain
  of IOPub (paid by every papermill run and every reset otherwise).
- :func:`reset_namespace` runs ``%reset -f`` through that client.

Kernels talk over Unix sockets in a private folder, not TCP ports on localhost.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import KernelManager

from incidents import config
from incidents.errors import IncidentsError

#: Imports every report notebook needs, run once when a kernel starts; the objects they
#: create are then frozen out of the garbage collector's sweeps (they live as long as the
#: kernel), which keeps each collection during a notebook short.
NOTEBOOK_MODULES = ("IPython.display", "incidents.analysis.availability",
                    "incidents.analysis.cofailure", "incidents.analysis.metrics",
                    "incidents.analysis.risk", "incidents.analysis.trend_tests",
                    "incidents.evidence.event_model", "incidents.present.findings",
                    "incidents.present.glossary", "incidents.present.narrative",
                    "incidents.present.parameters", "incidents.present.plots",
                    "incidents.present.services", "incidents.present.annex",
                    "incidents.present.scorecard",
                    "incidents.present.provenance", "incidents.present.report")
WARM_UP = f"import gc, {', '.join(NOTEBOOK_MODULES)}; gc.collect(); gc.freeze()"
#: Kernel options: no input history, and no output cache (``Out``, ``_1``...), whose flush
#: on every namespace reset forces a full garbage collection.
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False", "--InteractiveShell.cache_size=0"]
#: Seconds to wait for one reply on a channel before asking again.
POLL = 1.0
#: Longest socket prefix used as given (the kernel appends "-<port>"; Linux allows 107).
MAX_SOCKET_PREFIX = 90


class KernelError(IncidentsError):
    """A kernel did not start, did not answer, or failed to run set-up code."""


class ReadyKernelClient(AsyncKernelClient):
    """An asynchronous kernel client whose readiness check costs a round trip, not 0.2 s.

    Asynchronous because nbclient polls through it: with the default blocking client a
    kernel that dies mid-cell would leave the run waiting for output for ever.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Return once the kernel answered ``kernel_info`` on shell and went idle on IOPub."""
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            request = self.kernel_info()
            if await self._reply_and_idle(request, deadline):
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

    async def _reply_and_idle(self, request: str, deadline: float) -> bool:
        """True once the shell reply and the IOPub ``idle`` status of ``request`` arrived.

        Seeing the idle status proves the IOPub subscription is live (a subscriber can miss
        messages sent before it connected) and leaves no stale message of ours on IOPub.
        """
        replied = idle = False
        while not (replied and idle):
            if time.monotonic() > deadline:
                return False
            try:
                if not replied:
                    message = await self.shell_channel.get_msg(timeout=POLL)
                    replied = _answers(message, request)
                    if replied:
                        self._handle_kernel_info_reply(message)
                else:
                    message = await self.iopub_channel.get_msg(timeout=POLL)
                    idle = _answers(message, request) and (
                        message["content"].get("execution_state") == "idle")
            except Empty:
                return False
        return True


def _answers(message: dict[str, Any], request: str) -> bool:
    return message.get("parent_header", {}).get("msg_id") == request


def start_kernel(socket_folder: Path) -> KernelManager:
    """A python3 kernel in the notebooks folder with the report's modules imported.

    Its Unix sockets live in ``socket_folder`` (the run's private build folder).
    """
    # Each kernel gets its own socket prefix: two managers choosing socket numbers at the
    # same moment under one prefix could pick the same ones and cross their messages.
    prefix = socket_folder / f"kernel-{uuid.uuid4().hex[:8]}"
    if len(str(prefix)) > MAX_SOCKET_PREFIX:  # a Unix socket path has room for ~107 bytes
        short = tempfile.mkdtemp(prefix="incidents-")
        atexit.register(shutil.rmtree, short, ignore_errors=True)  # every way out removes it
        prefix = Path(short) / "kernel"
    manager = KernelManager(kernel_name="python3", transport="ipc", ip=str(prefix),
                            client_class="incidents.render.kernels.ReadyKernelClient")
    try:
        manager.start_kernel(cwd=str(config.NOTEBOOKS_DIR),
                             extra_arguments=KERNEL_ARGUMENTS)
        _yield_to_the_report(manager)
        run_code(manager, WARM_UP)
    except Exception as exc:
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
        raise KernelError(f"the notebook kernel did not start: {type(exc).__name__}: {exc}. "
                          "Run 'make setup' to repair the environment") from None
    return manager


#: ``nice`` steps a kernel runs below the report's own process while it starts. The kernels'
#: imports take about 1.7 s of processor each, and meanwhile the report's process loads and
#: checks the data they will then wait for: on two cores three processes share them, and the
#: data would come last. Once the data is handed over and every kernel has its one
#: notebook (a refresh), the report's process steps down to the kernels' level
#: (:func:`step_back`): from then on the notebooks come first.
KERNEL_NICENESS = 5
#: This process's niceness when the module was imported (the level the steps count from).
_BASE_NICENESS = os.getpriority(os.PRIO_PROCESS, 0)


def _yield_to_the_report(manager: KernelManager) -> None:
    """Run the kernel :data:`KERNEL_NICENESS` steps below this process's own level (a
    system that refuses it leaves the kernel as it is)."""
    pid = getattr(manager.provisioner, "pid", None)
    if pid:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, min(19, _BASE_NICENESS + KERNEL_NICENESS))


def step_back() -> None:
    """Run this process at the kernels' level (call once the data is handed over: it then
    mostly waits and exports, and the notebooks should not wait for it). Niceness only ever
    goes up for an ordinary user, so a second report in the same process starts its kernels
    level with it."""
    target = min(19, _BASE_NICENESS + KERNEL_NICENESS)
    with contextlib.suppress(OSError):
        if os.getpriority(os.PRIO_PROCESS, 0) < target:
            os.setpriority(os.PRIO_PROCESS, 0, target)


def reset_namespace(manager: KernelManager) -> None:
    """Forget every variable of the previous notebook; imported modules stay loaded."""
    run_code(manager, "get_ipython().run_line_magic('reset', '-f')")


def run_code(manager: KernelManager, code: str, timeout: float = 120) -> None:
    """Run ``code`` in the kernel and wait for it; :class:`KernelError` if it fails."""
    reply = asyncio.run(_execute(manager, code, timeout))
    if reply["content"].get("status") != "ok":
        raise KernelError(f"the notebook kernel could not run {code!r}: "
                          f"{reply['content'].get('evalue', 'unknown error')}")


async def _execute(manager: KernelManager, code: str, timeout: float) -> dict[str, Any]:
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=timeout)
        return await client.execute_interactive(code, timeout=timeout, store_history=False,
                                                output_hook=lambda _message: None)
    finally:
        client.stop_channels()
