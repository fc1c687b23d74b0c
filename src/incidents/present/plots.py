"""Matplotlib figures in one style, shown as PNG images with alt text.

Each function takes a table from :mod:`incidents.analysis.metrics` or
:mod:`incidents.analysis.risk` and returns
a matplotlib Figure; :func:`show` displays it in a notebook as an embedded PNG carrying its
alt text (the report's HTML template writes it into the ``alt`` attribute). The backend is
left alone: forcing ``agg`` inside a notebook would hide every inline figure.
"""

from __future__ import annotations

import colorsys
import io
from collections.abc import Iterable

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cbook import boxplot_stats
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

from incidents.analysis import basis
from incidents.data import schema

#: One colour per impact level of the schema, partial outages included.
IMPACT_COLOURS = {"outage": "#67000d", "partial-outage": "#e34a33", "degradation": "#fdae61",
                  "advisory": "#7f8c8d"}
#: Inches: about the text width of an A4 page (186 mm), so that a chart prints at its own
#: size and its 10-point labels stay 10 points on paper.
WIDTH = 7.0
#: Inches: no chart is taller than this, so at the A4 width it stays under half a page and
#: keeping it whole never leaves more than half a page empty before it.
MAX_HEIGHT = 4.1
DPI = 110
#: Incidents a timeline draws at most (the most severe and longest); beyond that the bars
#: only pile on one another and drawing grows with the table.
TIMELINE_MOST = 2_000
#: Incidents the restore-time chart draws as points at most (a fixed-seed sample; the boxes
#: are computed from every incident).
POINTS_MOST = 3_000

#: One colour per vendor (or product), 19 in all: seaborn's colour-blind palette, then nine
#: picked one at a time from tab20, Kelly's and Set1 colours as the farthest (CIELAB) from
#: those already chosen. No two of the first 16 are closer than 20 CIELAB units (the closest
#: pair is the colour-blind palette's own pink and lilac); no dark grey, which the charts use
#: for lines and text.
GROUP_PALETTE = (
    "#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#fbafe4", "#949494",
    "#ece133", "#56b4e9", "#be0032", "#b2df8a", "#2ca02c", "#6a3d9a", "#8c564b", "#8db600",
    "#ff9896", "#b3446c", "#006374")

#: The rc settings of seaborn 0.13's ``set_theme(style="whitegrid", palette="colorblind",
#: context="notebook")``, written out: the same look without importing seaborn (and the
#: scipy.stats it pulls in) in every notebook kernel. Grey text and light grey frame and grid
#: behind the data, no tick marks, the "notebook" line widths, tick sizes and font sizes (the
#: font sizes are overridden in :func:`apply_style`) and the colour-blind colour cycle (the
#: first ten of :data:`GROUP_PALETTE`). Seaborn's default colour map ("rocket") is left out:
#: only seaborn registers it, and every chart here names its own.
THEME = {
    # whitegrid style
    "figure.facecolor": "white", "axes.facecolor": "white", "axes.edgecolor": ".8",
    "axes.grid": True, "axes.axisbelow": True, "axes.labelcolor": ".15", "text.color": ".15",
    "xtick.color": ".15", "ytick.color": ".15", "xtick.direction": "out",
    "ytick.direction": "out", "xtick.bottom": False, "ytick.left": False, "xtick.top": False,
    "ytick.right": False, "grid.color": ".8", "grid.linestyle": "-",
    "axes.spines.left": True, "axes.spines.bottom": True, "axes.spines.right": True,
    "axes.spines.top": True, "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans",
                        "sans-serif"],
    "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
    # notebook context
    "axes.linewidth": 1.25, "grid.linewidth": 1, "lines.linewidth": 1.5,
    "lines.markersize": 6, "patch.linewidth": 1, "xtick.major.width": 1.25,
    "ytick.major.width": 1.25, "xtick.minor.width": 1, "ytick.minor.width": 1,
    "xtick.major.size": 6, "ytick.major.size": 6, "xtick.minor.size": 4,
    "ytick.minor.size": 4, "font.size": 12, "axes.labelsize": 12, "axes.titlesize": 12,
    "xtick.labelsize": 11, "ytick.labelsize": 11, "legend.fontsize": 11,
    "legend.title_fontsize": 12,
    # colorblind palette
    "axes.prop_cycle": cycler(color=list(GROUP_PALETTE[:10])),
}


def apply_style() -> None:
    """The report's one style: white grid, colour-blind palette, sizes readable in print.

    Text sizes are points on a chart :data:`WIDTH` inches wide, which is what they measure on
    an A4 page.
    """
    matplotlib.rcParams.update({
        **THEME, "figure.dpi": DPI, "savefig.dpi": DPI, "axes.titleweight": "bold",
        "axes.titlesize": 12.5, "axes.labelsize": 11, "font.size": 11, "xtick.labelsize": 10,
        "ytick.labelsize": 10, "legend.fontsize": 9.5, "legend.title_fontsize": 10,
        "svg.hashsalt": "report", "text.usetex": False,
        # Titles just above the frame, where matplotlib's automatic placement puts them when
        # no tick labels sit on top (none do here); placing them itself, it measures every
        # tick label of the y axis again for each title at each layout pass and draw.
        "axes.titley": 1.0})


def group_colours(names: Iterable[object]) -> dict[str, str]:
    """A colour for each name: the names sorted, then :data:`GROUP_PALETTE` in order.

    The same set of names always gets the same colours, and every chart of a report passes
    all of its groups (the monthly tables carry zero rows for quiet vendors), so a vendor has
    one colour throughout. Past the palette's 19 colours, evenly spaced hues at one lightness
    and saturation follow (distinct, though closer to each other).
    """
    ordered = sorted({str(name) for name in names})
    extra = max(0, len(ordered) - len(GROUP_PALETTE))
    hues = [to_hex(colorsys.hls_to_rgb((0.01 + i / extra) % 1, 0.6, 0.65))
            for i in range(extra)]
    return dict(zip(ordered, [*GROUP_PALETTE, *hues], strict=False))


def _legend_below(ax: plt.Axes, handles: list, title: str | None = None,
                  columns: int = 4) -> None:
    """A legend under the chart in ``columns`` columns: the plot keeps the full width, which
    matters on a phone, where the chart is scaled to the screen. The figure needs the
    constrained layout, which makes room for it below the axis labels."""
    ax.figure.legend(handles=handles, title=title, loc="outside lower center", frameon=False,
                     ncol=min(columns, max(1, len(handles))))


def label(value: object) -> str:
    """Text from the data (a vendor, service or term) as a chart label that is drawn as
    written: matplotlib reads text between two ``$`` as mathtext (``$x^2$`` would be drawn as
    x squared, and a stray ``\\frac`` stops the chart), and shows ``\\$`` as a plain ``$``.

    Every label that comes from the data goes through here (after any shortening, so an
    escape is never cut in half).
    """
    return str(value).replace("$", r"\$")


#: Groups (e.g. products) a deep-dive chart draws one by one at most; the rest share one row.
MOST_GROUPS = 12


def fold_rare_groups(incidents: pd.DataFrame, column: str, most: int = MOST_GROUPS
                     ) -> pd.DataFrame:
    """``incidents`` with ``column`` kept for its ``most - 1`` groups with most incidents
    and the rest relabelled as one group, "N other <column>s", when there are more than
    ``most`` groups (ties in count go by name).

    A chart with a row or a legend entry per group stays readable: Google Cloud's status
    history alone names about a hundred products in three years, and 96 rows in a chart
    four inches tall are neither legible nor cheap to draw. Tables keep every group.
    """
    values = incidents[column].astype(str)
    counts = values.value_counts()
    if len(counts) <= most:
        return incidents
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = {name for name, _ in ranked[: most - 1]}
    other = f"{len(counts) - len(kept)} other {column.replace('_', ' ')}s"
    return incidents.assign(**{column: values.where(values.isin(kept), other)})


def _labels(values: pd.Series) -> pd.Series:
    return values.astype(str).map(label)


def show(figure: plt.Figure, alt: str) -> None:
    """Display ``figure`` as a PNG with ``alt`` text, then close it."""
    from IPython.display import Image, display

    data = _png(figure)
    plt.close(figure)
    display(Image(data=data), metadata={"image/png": {"alt": alt}})


def _png(figure: plt.Figure) -> bytes:
    """``figure`` as PNG bytes at its own dpi: its whole canvas when everything drawn lies
    inside it, else cropped to what is drawn (with savefig's padding), which may reach past
    the canvas (a title wider than the figure, a legend beside the chart), as
    ``bbox_inches="tight"`` does.

    ``bbox_inches="tight"`` alone goes through the figure twice: a pass that lays it out and
    goes through every artist without drawing, then the drawing, on a new canvas of the cropped
    size where every text is measured again. Here the layout is run on its own, what is drawn
    is measured on the canvas it will be drawn on, and a figure that fits is drawn on that same
    canvas. The figure is left without its layout engine: it is laid out, ready to be closed.
    """
    if not isinstance(figure.canvas, FigureCanvasAgg):  # the PNG canvas, whatever the backend
        FigureCanvasAgg(figure)
    if (engine := figure.get_layout_engine()) is not None:
        engine.execute(figure)  # a constrained layout
        figure.set_layout_engine(None)  # or savefig would lay the figure out again
    drawn = figure.get_tightbbox(figure.canvas.get_renderer())
    frame = figure.bbox_inches
    fits = (drawn.x0 >= frame.x0 and drawn.y0 >= frame.y0 and drawn.x1 <= frame.x1
            and drawn.y1 <= frame.y1)
    buffer = io.BytesIO()
    # Fast zlib level: the encoder took a tenth of a chart's time at the default level, for
    # files about 10% smaller.
    figure.savefig(buffer, format="png", dpi=figure.dpi, metadata={"Software": None},
                   bbox_inches=None if fits else drawn.padded(
                       matplotlib.rcParams["savefig.pad_inches"]),
                   pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _height(rows: int, per_row: float = 0.32, minimum: float = 2.6) -> float:
    """Inches for ``rows`` rows of labels, between ``minimum`` and :data:`MAX_HEIGHT`."""
    return min(MAX_HEIGHT, max(minimum, per_row * rows + 1.4))


def _padded(start: pd.Timestamp, end: pd.Timestamp, share: float = 0.015
            ) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The window widened by ``share`` of its length on each side, so that an incident on
    its first or last day is drawn inside the frame, not on it."""
    pad = (end - start) * share
    return start - pad, end + pad


def incident_timeline(incidents: pd.DataFrame, window_start: pd.Timestamp,
                      window_end: pd.Timestamp, by: str = "service") -> plt.Figure:
    """Each incident as a bar from start to end (a dot when it is short), one row per group.

    At most :data:`TIMELINE_MOST` incidents are drawn, chosen as the tables count: major
    events first (:func:`incidents.analysis.basis.is_major`), then by impact, severity and
    longest span; the title says so when some are left out (every group keeps its row).
    """
    frame = incidents.sort_values("start_mid")
    title = "Incident timeline"
    if len(frame) > TIMELINE_MOST:
        rank = {impact: i for i, impact in enumerate(schema.IMPACTS)}
        drawn = frame.assign(
            _major=basis.is_major(frame), _impact=-frame["impact"].astype("object").map(
                rank).fillna(len(rank)), _hours=frame["duration_max_hours"].fillna(0)
            if "duration_max_hours" in frame else frame["duration_hours"].fillna(0)
        ).sort_values(["_major", "_impact", "severity", "_hours"], ascending=False,
                      kind="stable").head(TIMELINE_MOST)
        frame_all, frame = frame, frame.loc[frame.index.isin(drawn.index)]
        title += (f" (the {TIMELINE_MOST:,} most severe and longest of {len(frame_all):,} "
                  "incidents drawn, major events first)")
        groups_from = frame_all
    else:
        groups_from = frame
    groups = list(dict.fromkeys(groups_from[by].astype(str)))
    fig, ax = plt.subplots(figsize=(WIDTH, _height(len(groups), 0.28)))
    positions = {g: i for i, g in enumerate(groups)}
    for impact, colour in IMPACT_COLOURS.items():
        part = frame[frame["impact"].astype("object") == impact]
        if part.empty:
            continue
        y = part[by].astype(str).map(positions)
        ax.scatter(part["start_mid"].dt.tz_localize(None), y, color=colour, s=28, label=impact,
                   zorder=3)
        ends = part["end_mid"].fillna(part["start_mid"])
        ax.hlines(y, part["start_mid"].dt.tz_localize(None), ends.dt.tz_localize(None),
                  color=colour, linewidth=5, alpha=0.6)
    ax.set_yticks(range(len(groups)), [label(_short(g)) for g in groups])
    ax.set_xlim(*_padded(window_start.tz_localize(None), window_end.tz_localize(None)))
    ax.set_ylim(len(groups) - 0.4, -0.6)
    ax.set_xticks(*_date_ticks(window_start.tz_localize(None), window_end.tz_localize(None)))
    ax.set_xlabel("Date (UTC)")
    ax.set_ylabel(by.replace("_", " ").capitalize())
    ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:  # an empty window draws no incident
        ax.legend(title="Impact", loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def _date_ticks(start: pd.Timestamp, end: pd.Timestamp, most: int = 10
                ) -> tuple[pd.DatetimeIndex, list[str]]:
    """Tick dates inside the window, at most ``most``, and their labels: first days of every
    n-th month (or days, for a window shorter than two months).

    Computed once here: matplotlib's automatic date locator recomputes its rules on every
    layout pass, a noticeable share of drawing a timeline.
    """
    months = (end.year - start.year) * 12 + end.month - start.month
    if months >= 2:
        step = next(n for n in (1, 3, 6, 12, 24, 60, 120) if months / n <= most or n == 120)
        ticks = pd.date_range(pd.Timestamp(year=start.year, month=1, day=1), end,
                              freq=f"{step}MS")
        fmt = "%b %Y"
    else:
        days = max(1, (end - start).days)
        step = next(n for n in (1, 2, 7, 14, 28) if days / n <= most or n == 28)
        ticks = pd.date_range(start.normalize(), end, freq=f"{step}D")
        fmt = "%d %b %Y"
    ticks = ticks[(ticks >= start) & (ticks <= end)]
    return ticks, [f"{tick:{fmt}}" for tick in ticks]


def _month_ticks(ax: plt.Axes, labels: list[str], positions: list | None = None,
                 offset: float = 0.0) -> None:
    """At most about twelve month labels along the x axis, slanted."""
    step = max(1, len(labels) // 12)
    where = positions if positions is not None else np.arange(len(labels)) + offset
    ax.set_xticks(list(where)[::step], labels[::step], rotation=45, ha="right")


def _short(label: str, limit: int = 38) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def monthly_frequency(counts: pd.DataFrame, by: str = "vendor") -> plt.Figure:
    """Incidents per month (bars) with the rolling mean (line), stacked by group; by
    ``impact``, the most severe at the bottom in the impact colours of every chart."""
    table = counts.pivot_table(index="month", columns=by, values="incidents", aggfunc="sum",
                               fill_value=0, observed=True)
    rolling = counts.groupby("month")["incidents"].sum().rolling(3, min_periods=1).mean()
    fig, ax = plt.subplots(figsize=(WIDTH, 4.0), layout="constrained")
    if by == "impact":
        table.columns = table.columns.astype(str)
        table = table[[level for level in IMPACT_COLOURS if level in table.columns]]
        colours = IMPACT_COLOURS
    else:
        colours = group_colours(table.columns)
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    handles = []
    for column in table.columns:
        colour = colours[str(column)]
        heights = table[column].to_numpy(dtype=float)
        _stacked_bars(ax, x, bottom, heights, colour)
        handles.append(Patch(facecolor=colour, label=label(column)))
        bottom += heights
    ax.set_xlim(-0.6, len(table) - 0.4)
    ax.set_ylim(0, max(1.0, float(bottom.max(initial=0))) * 1.1)
    line, = ax.plot(x, rolling.reindex(table.index), color="black", linewidth=1.5,
                    label="3-month mean")
    _month_ticks(ax, list(table.index))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Month")
    ax.set_ylabel("Incidents per month")
    ax.set_title("Monthly incident count")
    _legend_below(ax, [*handles, line], "Impact" if by == "impact" else None, columns=5)
    return fig


def _stacked_bars(ax: plt.Axes, x: np.ndarray, bottom: np.ndarray, heights: np.ndarray,
                  colour: tuple[float, float, float], width: float = 0.8) -> None:
    """One layer of a stacked bar chart as a single collection (one artist, not one per bar;
    months with nothing in this layer draw nothing)."""
    drawn = heights > 0
    left, low, high = x[drawn] - width / 2, bottom[drawn], bottom[drawn] + heights[drawn]
    corners = np.stack([np.column_stack([left, low]), np.column_stack([left + width, low]),
                        np.column_stack([left + width, high]), np.column_stack([left, high])],
                       axis=1)
    ax.add_collection(PolyCollection(corners, facecolors=[colour], edgecolors="none"),
                      autolim=False)


def _hours_label(value: float, _position: int) -> str:
    """A log-axis tick in plain words (1 min, 1 h, 10 h, 100 h), not a power of ten."""
    if value < 1:
        return f"{value * 60:g} min"
    return f"{value:g} h"


def restore_time_distribution(incidents: pd.DataFrame, by: str = "vendor") -> plt.Figure:
    """Hours to restore per incident on a log scale over a box plot per group; red markers
    are incidents still open (censored). Points are spread vertically by a fixed-seed jitter,
    so the same data always gives the same picture. A duration known only to the day is a
    range, not a point: those incidents are not drawn (the title counts them; the restore
    table carries them as ranges)."""
    restorable = incidents.loc[incidents["end_known"] & (incidents["impact"].astype("object")
                                                         != "advisory")]
    fine = ["minute", "hour"]
    to_the_hour = restorable["start_precision"].isin(fine) & (
        restorable["end_precision"].isin(fine) | restorable["end_utc"].isna())
    frame = restorable.loc[to_the_hour].copy()
    dated = int((~to_the_hour).sum())
    frame["hours"] = frame["duration_hours"].clip(lower=1 / 60)
    frame[by] = _labels(frame[by])  # the group names, drawn as tick labels
    order = frame.groupby(by)["hours"].median().sort_values().index.tolist()
    fig, ax = plt.subplots(figsize=(WIDTH, _height(len(order), 0.3) + 0.3),
                           layout="constrained")
    if not frame.empty:
        _boxes(ax, frame.groupby(by)["hours"], order)
        rng = np.random.default_rng(0)
        points = frame if len(frame) <= POINTS_MOST else frame.iloc[np.sort(rng.choice(
            len(frame), POINTS_MOST, replace=False))]
        row = points[by].map({name: i for i, name in enumerate(order)}).to_numpy(dtype=float)
        jitter = rng.uniform(-0.22, 0.22, len(points))
        for state, colour, restored in (("restored", "#1f4e79", True),
                                        ("still open (censored)", "#c0392b", False)):
            chosen = points["resolved"].to_numpy(dtype=bool) == restored
            if chosen.any():
                ax.scatter(points["hours"].to_numpy()[chosen], row[chosen] + jitter[chosen],
                           s=16, color=colour, alpha=0.85, label=state, zorder=3,
                           edgecolors="white", linewidths=0.4)
        handles, _ = ax.get_legend_handles_labels()
        if handles:
            _legend_below(ax, handles)
        ax.invert_yaxis()  # the first group on top; the limits still fit the boxes and points
    ax.margins(x=0.04)
    ax.xaxis.set_major_formatter(FuncFormatter(_hours_label))
    # The style draws no tick marks and grid lines at major ticks only: a minor tick would
    # draw nothing, and computing them on a log axis is a noticeable share of the chart's time.
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("Hours to restore (log scale)")
    ax.set_ylabel(by.replace("_", " ").capitalize())
    notes = ([f"{POINTS_MOST:,} of {len(frame):,} drawn as points; boxes from all"]
             if len(frame) > POINTS_MOST else [])
    if dated:
        notes.append(f"{dated:,} known only to the day not drawn")
    ax.set_title("Time to restore service" + (f" ({'; '.join(notes)})" if notes else ""))
    return fig


#: The boxes' fill and lines: a light blue-grey, its lines a mid grey (0.6 times the fill's
#: lightness), as seaborn draws a box plot of that colour.
BOX_FILL, BOX_LINE = "#e1e6ec", "#8a8a8a"


def _boxes(ax: plt.Axes, hours: pd.api.typing.SeriesGroupBy, order: list[str]) -> None:
    """One horizontal box per group in ``order`` at rows 0, 1, ...: quartiles, and whiskers
    to the furthest value within 1.5 times the interquartile range, computed on the logarithm
    of the hours as the log axis shows them; no outlier markers (the points show them). The
    x axis becomes logarithmic; the row names are the y tick labels, with no grid lines along
    the rows."""
    ax.set_xscale("log")
    stats, rows = [], []
    for row, name in enumerate(order):
        logs = np.log10(hours.get_group(name).to_numpy(dtype=float))
        logs = logs[np.isfinite(logs)]
        if len(logs):
            box = boxplot_stats(logs, whis=1.5)[0]
            stats.append({key: 10 ** box[key] for key in ("med", "q1", "q3", "whislo",
                                                          "whishi")})
            rows.append(row)
    ax.bxp(stats, rows, widths=0.6, capwidths=0.3, orientation="horizontal",
           patch_artist=True, showfliers=False, manage_ticks=False,
           boxprops={"facecolor": BOX_FILL, "edgecolor": BOX_LINE},
           medianprops={"color": BOX_LINE, "solid_capstyle": "butt"},
           whiskerprops={"color": BOX_LINE, "solid_capstyle": "butt"},
           capprops={"color": BOX_LINE})
    ax.set_yticks(range(len(order)), order)
    ax.yaxis.grid(False)


#: A heatmap with more rows than this is drawn as two panels side by side, so that its rows
#: stay tall enough for 9-point labels within :data:`MAX_HEIGHT`.
HEATMAP_PANEL_ROWS = 16


def access_vector_heatmap(matrix: pd.DataFrame) -> plt.Figure:
    """Client surface or protocol (rows) by period (columns): incidents that broke it.

    Zero cells stay blank: the eye finds the failures, and far fewer labels are drawn. More
    than :data:`HEATMAP_PANEL_ROWS` rows are split into two panels (first half left), which
    share one colour scale.
    """
    panels = 2 if len(matrix) > HEATMAP_PANEL_ROWS else 1
    per_panel = -(-len(matrix) // panels)
    # A constrained layout leaves room for the second panel's row names between the panels.
    fig, axes = plt.subplots(1, panels, figsize=(WIDTH, _height(per_panel, 0.2)),
                             squeeze=False, layout="constrained")
    axes = list(axes[0])
    counts_all = matrix.to_numpy(dtype=float)
    top = max(1.0, counts_all.max()) if matrix.size else 1.0
    mesh = None
    for number, ax in enumerate(axes):
        part = matrix.iloc[number * per_panel:(number + 1) * per_panel]
        if part.size:
            counts = part.to_numpy(dtype=float)
            mesh = _grid(ax, np.ma.masked_equal(counts, 0), part, "Reds", 0, top, "#eeeeee",
                         0.5)
            for (row, column), value in np.ndenumerate(counts):
                if value:
                    ax.text(column + 0.5, row + 0.5, f"{value:.0f}", ha="center",
                            va="center", fontsize=8 if panels > 1 else 9,
                            color="white" if value > top / 2 else "black",
                            in_layout=False)  # inside its cell: nothing for a layout to do
            if panels > 1:
                ax.tick_params(axis="x", labelsize=8)
        ax.set_xlabel("Quarter")
    if mesh is not None:
        colorbar = fig.colorbar(mesh, ax=axes, label="Incidents", fraction=0.04, pad=0.01)
        colorbar.locator = MaxNLocator(integer=True)
        colorbar.update_ticks()
    axes[0].set_ylabel("Client surface or protocol")
    axes[0].set_title("Which ways in failed")
    if panels > 1:
        axes[1].set_title("(continued)", fontweight="normal")
    return fig


def _grid(ax: plt.Axes, values: np.ndarray, frame: pd.DataFrame, cmap: str, vmin: float,
          vmax: float, line_colour: str, line_width: float):  # -> QuadMesh
    """A heatmap of ``values`` with ``frame``'s row and column labels, first row at the top."""
    mesh = ax.pcolormesh(values, cmap=cmap, vmin=vmin, vmax=vmax, edgecolors=line_colour,
                         linewidth=line_width)
    ax.set_xlim(0, values.shape[1])
    ax.set_ylim(values.shape[0], 0)
    ax.set_yticks(np.arange(values.shape[0]) + 0.5, [label(v) for v in frame.index])
    ax.set_xticks(np.arange(values.shape[1]) + 0.5, [label(v) for v in frame.columns],
                  rotation=90)
    ax.grid(False)
    ax.set_facecolor("white")
    for spine in ax.spines.values():
        spine.set_visible(False)
    return mesh


def availability_against_sla(table: pd.DataFrame, by: str = "vendor", period: str = "month",
                             target: str = "sla_target", xlabel: str = "Month",
                             legend: str = "") -> plt.Figure:
    """Estimated availability per period (``period`` labels, e.g. months or
    :func:`incidents.analysis.availability.sla_periods`' quarters) against each group's SLA target
    (``target``; a group without one draws no target line): lines for a few groups, else a
    grid of the error budget used. ``legend`` titles the legend (default: ``by``)."""
    if table[by].nunique() > 4:
        return availability_grid(table, by, period, target, xlabel)
    frame = table.assign(percent=table["availability"] * 100).sort_values(period)
    fig, ax = plt.subplots(figsize=(WIDTH, 3.8), layout="constrained")
    periods = sorted(frame[period].unique())
    position = {label_: i for i, label_ in enumerate(periods)}
    colours = group_colours(frame[by].unique())
    for name, part in frame.groupby(by, observed=True, sort=True):
        ax.plot(part[period].map(position), part["percent"], marker="o", markersize=4,
                color=colours[str(name)], label=label(name))
    targets = frame.dropna(subset=[target]).groupby(by)[target].first()
    for value in sorted(set(targets.to_numpy())):
        ax.axhline(value * 100, linestyle="--", color="grey", linewidth=1)
        # Beside the frame, where no period's point can cover it.
        ax.annotate(f"SLA {value * 100:g}%", (1.01, value * 100),
                    xycoords=("axes fraction", "data"), fontsize=9, color="grey", va="center",
                    annotation_clip=False)
    low = min(99.0, float(frame["percent"].min())) if len(frame) else 99.0
    pad = (100 - low) * 0.06  # a period at 100% or at the lowest value is not on the frame
    ax.set_ylim(low - pad, 100 + pad)
    ax.set_xlim(-0.5, len(periods) - 0.5)
    _month_ticks(ax, periods)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Availability (%)")
    ax.set_title("Estimated availability from public incidents")
    handles, _ = ax.get_legend_handles_labels()
    if handles:  # an empty window draws no line
        _legend_below(ax, handles, legend or by.replace("_", " ").capitalize())
    return fig


def availability_grid(table: pd.DataFrame, by: str = "vendor", period: str = "month",
                      target: str = "sla_target", xlabel: str = "Month") -> plt.Figure:
    """Periods (columns) by group (rows): share of the period's error budget used, capped at
    200%; cells over 100% are periods below the SLA target. A group without a target has no
    error budget: its cells stay empty (no target is assumed)."""
    allowed = 1 - table[target]
    used = ((1 - table["availability"]) / allowed.where(allowed > 0)).clip(upper=2.0) * 100
    grid = table.assign(used=used).pivot_table(index=by, columns=period, values="used",
                                               aggfunc="max", observed=True, dropna=False)
    fig, ax = plt.subplots(figsize=(WIDTH, _height(len(grid), 0.32)))
    mesh = _grid(ax, np.ma.masked_invalid(grid.to_numpy(dtype=float)), grid, "RdYlGn_r", 0,
                 200, "white", 0.3)
    fig.colorbar(mesh, ax=ax, label="Error budget used (%), capped at 200")
    _month_ticks(ax, list(grid.columns), offset=0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_title("Error budget used against each SLA (over 100% = below target)")
    return fig
