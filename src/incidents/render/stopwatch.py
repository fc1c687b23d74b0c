"""Where a report run spent its time: kernel start, cells, export and printing, said in one line at
its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Timing:
    """Where a report run spent its time (seconds), printed at its end."""

    kernels_ready: list[float] = field(default_factory=list)  # since the run started
    cells: dict[str, float] = field(default_factory=dict)  # per notebook, as papermill timed

    def summary(self) -> str:
        ready = f"kernels ready after {max(self.kernels_ready):.1f} s" if (
            self.kernels_ready) else "no kernel started"
        slowest = max(self.cells, key=self.cells.get) if self.cells else None
        cells = (f"; notebook cells {sum(self.cells.values()):.1f} s in all over "
                 f"{len(self.kernels_ready)} kernel(s), slowest {slowest} "
                 f"{self.cells[slowest]:.1f} s") if slowest else ""
        return ready + cells


def cell_seconds(notebook) -> float:  # notebook: nbformat.NotebookNode
    """Seconds papermill recorded for the notebook's code cells."""
    return sum(float(cell.get("metadata", {}).get("papermill", {}).get("duration") or 0)
               for cell in notebook.cells if cell.get("cell_type") == "code")
