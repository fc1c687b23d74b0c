"""Charts: every figure has a title and labelled axes; show() embeds a PNG with alt text."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from incidents.analysis import metrics, trend_tests
from incidents.present import plots

WINDOW = metrics.Window.from_dates("2025-01-01", "2025-03-31")


@pytest.fixture
def incidents(make_table):
    rows = [{"start_utc": f"2025-0{m}-10T08:00:00Z", "end_utc": f"2025-0{m}-10T1{m}:00:00Z",
             "affected_clients": "outlook-web;imap4"} for m in (1, 2, 3)]
    rows.append({"vendor": "Beta Chat", "service": "Chat", "start_utc": "2025-02-02T10:00:00Z",
                 "end_utc": "2025-02-02T11:00:00Z", "impact": "degradation"})
    return metrics.in_window(make_table(*rows), WINDOW)


def monthly_availability(names) -> pd.DataFrame:
    """A per-month availability frame as the availability chart draws it."""
    return pd.DataFrame({"vendor": [n for n in names for _ in range(3)],
                         "month": ["2025-01", "2025-02", "2025-03"] * len(names),
                         "availability": [0.9995, 0.998, 1.0] * len(names),
                         "sla_target": [0.999] * 3 * len(names)})


def figures(incidents, names=("Acme Mail", "Beta Chat")):
    monthly = monthly_availability(names)
    return {
        "timeline": plots.incident_timeline(incidents, WINDOW.start, WINDOW.end, "vendor"),
        "frequency": plots.monthly_frequency(trend_tests.monthly_counts(incidents, WINDOW)),
        "restore": plots.restore_time_distribution(incidents),
        "heatmap": plots.access_vector_heatmap(metrics.access_vector_matrix(incidents)),
        "availability": plots.availability_against_sla(monthly),
    }


def test_every_chart_has_a_title_and_axis_labels(incidents):
    plots.apply_style()
    for name, figure in figures(incidents).items():
        main = figure.axes[0]
        assert main.get_title(), name
        assert main.get_xlabel(), name
        plt.close(figure)


def test_show_embeds_a_png_with_its_alt_text(incidents, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, metadata=None: shown.append((obj, metadata)))
    plots.show(plots.monthly_frequency(trend_tests.monthly_counts(incidents, WINDOW)), "Bars.")
    image, metadata = shown[0]
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert metadata == {"image/png": {"alt": "Bars."}}


def test_many_vendors_get_a_grid_instead_of_lines(incidents):
    frame = pd.DataFrame({"vendor": [f"V{i}" for i in range(6) for _ in range(2)],
                          "month": ["2025-01", "2025-02"] * 6, "availability": 0.9995,
                          "sla_target": 0.999})
    figure = plots.availability_against_sla(frame)
    assert "Error budget" in figure.axes[0].get_title()
    plt.close(figure)


@pytest.mark.parametrize(("start", "end"), [
    ("2023-01-01", "2026-11-29"), ("2025-01-01", "2025-03-31"), ("2025-01-15", "2025-01-20"),
    ("2025-01-01", "2025-02-01"), ("2010-01-01", "2026-01-01")])
def test_timeline_date_ticks_are_few_inside_the_window_and_labelled(start, end):
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    ticks, labels = plots._date_ticks(first, last)
    assert 2 <= len(ticks) <= 10
    assert ticks.min() >= first and ticks.max() <= last
    assert len(set(labels)) == len(labels) == len(ticks)


def cielab(colour) -> np.ndarray:
    """sRGB (D65) to CIELAB, the textbook formulas."""
    from matplotlib.colors import to_rgb

    rgb = np.array(to_rgb(colour))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def bar_colours(figure) -> list[str]:
    from matplotlib.colors import to_hex

    return [to_hex(layer.get_facecolor()[0]) for layer in figure.axes[0].collections]


def fifteen_vendors_monthly() -> pd.DataFrame:
    names = [f"Vendor {chr(65 + i)}" for i in range(15)]
    return pd.DataFrame({"vendor": [n for n in names for _ in range(2)],
                         "month": ["2025-01", "2025-02"] * 15, "incidents": 1,
                         "rolling_mean": 1.0})


def test_fifteen_vendors_in_one_chart_get_fifteen_distinct_colours():
    figure = plots.monthly_frequency(fifteen_vendors_monthly())
    colours = bar_colours(figure)
    plt.close(figure)
    assert len(colours) == 15 and len(set(colours)) == 15
    lab = np.array([cielab(c) for c in colours])
    distances = np.sqrt(((lab[:, None] - lab[None]) ** 2).sum(-1))[np.triu_indices(15, 1)]
    assert distances.min() >= 15  # CIELAB units: about where two colours stop looking alike


def test_a_vendor_has_the_same_colour_in_the_bars_and_the_lines():
    monthly = pd.DataFrame({"vendor": ["Gamma", "Alpha", "Beta"] * 2,
                            "month": ["2025-01"] * 3 + ["2025-02"] * 3, "incidents": 1,
                            "rolling_mean": 1.0, "availability": 0.9995, "sla_target": 0.999})
    bars = plots.monthly_frequency(monthly)
    lines = plots.availability_against_sla(monthly)
    from matplotlib.colors import to_hex

    by_line = {line.get_label(): to_hex(line.get_color()) for line in lines.axes[0].lines
               if line.get_label() in {"Alpha", "Beta", "Gamma"}}
    assert dict(zip(["Alpha", "Beta", "Gamma"], bar_colours(bars), strict=True)) == by_line
    plt.close(bars)
    plt.close(lines)


def test_group_colours_depend_only_on_the_set_of_names():
    assert plots.group_colours(["b", "a", "c"]) == plots.group_colours(["c", "b", "a", "a"])
    assert len(set(plots.group_colours([f"v{i}" for i in range(25)]).values())) == 25


def test_an_incident_on_the_first_day_is_drawn_inside_the_frame(incidents):
    figure = plots.incident_timeline(incidents, WINDOW.start, WINDOW.end, "vendor")
    left, right = figure.axes[0].get_xlim()
    plt.close(figure)
    import matplotlib.dates as mdates

    assert left < mdates.date2num(WINDOW.start.tz_localize(None))
    assert right > mdates.date2num(WINDOW.end.tz_localize(None))


def test_no_chart_is_taller_than_half_an_a4_page():
    many = pd.DataFrame(1, index=[f"surface-{i}" for i in range(40)],
                        columns=[f"2025Q{q}" for q in range(1, 5)])
    figure = plots.access_vector_heatmap(many)
    width, height = figure.get_size_inches()
    plt.close(figure)
    assert len(figure.axes) == 3  # two panels of 20 rows and the colour bar
    assert height <= plots.MAX_HEIGHT and height / width < 0.7


MATH = "$x^2$"


def drawn_texts(figure) -> list[str]:
    """Every text of a drawn figure as matplotlib renders it (math flag, shown string)."""
    from matplotlib.text import Text

    figure.canvas.draw()
    return [text._preprocess_math(text.get_text()) for text in figure.findobj(Text)
            if text.get_text() and text.get_visible()]


def test_names_with_dollar_signs_are_drawn_as_written(incidents):
    plots.apply_style()
    marked = incidents.assign(vendor=incidents["vendor"].astype(str).replace(
        {"Acme Mail": f"{MATH} Mail"}), service=f"{MATH} \\frac")
    charts = figures(marked, (f"{MATH} Mail", "Beta Chat"))
    charts["timeline by service"] = plots.incident_timeline(marked, WINDOW.start, WINDOW.end,
                                                            "service")
    charts["restore by service"] = plots.restore_time_distribution(marked, "service")
    charts["heatmap"] = plots.access_vector_heatmap(pd.DataFrame({"2025Q1": [1]}, index=[MATH]))
    grid = pd.DataFrame({"vendor": [f"{MATH} {i}" for i in range(6)], "month": "2025-01",
                         "availability": 0.999, "sla_target": 0.999})
    charts["availability grid"] = plots.availability_against_sla(grid)
    for name, figure in charts.items():
        texts = drawn_texts(figure)
        assert not any(math for _, math in texts), name
        assert any(MATH in shown for shown, _ in texts), (name, texts)
        plt.close(figure)


def test_timeline_draws_at_most_its_cap_and_says_so(incidents, monkeypatch):
    from matplotlib.collections import PathCollection

    monkeypatch.setattr(plots, "TIMELINE_MOST", 2)
    figure = plots.incident_timeline(incidents, WINDOW.start, WINDOW.end, "vendor")
    ax = figure.axes[0]
    drawn = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
    assert drawn == 2
    assert ("(the 2 most severe and longest of 4 incidents drawn, major events first)"
            in ax.get_title())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Acme Mail", "Beta Chat"]
    plt.close(figure)


def test_restore_chart_draws_a_sample_of_points_and_says_so(incidents, monkeypatch):
    from matplotlib.collections import PathCollection

    monkeypatch.setattr(plots, "POINTS_MOST", 2)
    figure = plots.restore_time_distribution(incidents)
    ax = figure.axes[0]
    drawn = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
    assert drawn == 2
    assert "2 of 4 drawn as points" in ax.get_title()
    plt.close(figure)


def test_restore_chart_never_draws_a_day_precise_duration_as_a_point(incidents):
    from matplotlib.collections import PathCollection

    dated = incidents.copy()
    first = dated.index[0]
    dated.loc[first, ["start_precision", "end_precision"]] = "day"
    figure = plots.restore_time_distribution(dated)
    ax = figure.axes[0]
    drawn = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
    assert drawn == 3 and "1 known only to the day not drawn" in ax.get_title()
    plt.close(figure)


def test_fold_rare_groups_keeps_the_largest_and_pools_the_rest():
    frame = pd.DataFrame({"product": ["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["d", "e", "f"]})
    folded = plots.fold_rare_groups(frame, "product", most=4)
    assert folded["product"].value_counts().to_dict() == {"a": 5, "b": 4, "c": 3,
                                                          "3 other products": 3}
    assert len(folded) == len(frame)
    assert plots.fold_rare_groups(frame, "product", most=6) is frame  # few enough: unchanged


def test_fold_rare_groups_breaks_ties_by_name():
    frame = pd.DataFrame({"service": ["z", "y", "x", "w"]})
    folded = plots.fold_rare_groups(frame, "service", most=3)
    assert set(folded["service"]) == {"w", "x", "2 other services"}


def test_sla_periods_chart_per_quarter_and_no_target_assumed():
    periods = pd.DataFrame({"name": ["Legacy SLA"] * 2 + ["No-figure SLA"] * 2,
                            "period": ["2025-Q1", "2025-Q2"] * 2,
                            "availability": [0.9985, 1.0, 0.99, 1.0],
                            "target": [0.999, 0.999, np.nan, np.nan]})
    figure = plots.availability_against_sla(periods, by="name", period="period",
                                            target="target", xlabel="Quarter")
    axis = figure.axes[0]
    assert axis.get_xlabel() == "Quarter"
    assert [t.get_text() for t in axis.get_xticklabels()] == ["2025-Q1", "2025-Q2"]
    assert [t.get_text() for t in axis.texts] == ["SLA 99.9%"]  # one target line only
    plt.close(figure)
    many = pd.concat([periods.assign(name=f"SLA {i}") for i in range(5)], ignore_index=True)
    many.loc[many["name"] == "SLA 0", "target"] = np.nan
    grid = plots.availability_grid(many, by="name", period="period", target="target")
    cells = grid.axes[0].collections[0].get_array()
    assert np.ma.count_masked(cells) >= 2  # the SLA without a target: empty, not 99.9%
    plt.close(grid)


def test_every_impact_level_has_a_colour():
    from incidents.data import schema

    assert set(plots.IMPACT_COLOURS) == set(schema.IMPACTS)


def test_a_partial_outage_is_drawn_on_the_timeline_with_its_own_label(make_table):
    rows = [{"vendor": "Acme Mail", "service": "Mail", "start_utc": "2025-03-02T10:00:00Z",
             "end_utc": "2025-03-02T14:00:00Z", "impact": "partial-outage"}]
    figure = plots.incident_timeline(metrics.in_window(make_table(*rows), WINDOW),
                                     WINDOW.start, WINDOW.end, "vendor")
    labels = figure.axes[0].get_legend_handles_labels()[1]
    plt.close(figure)
    assert labels == ["partial-outage"]


def test_the_charts_module_imports_neither_seaborn_nor_scipy_stats():
    """Seaborn would pull scipy.stats into every notebook kernel's start-up."""
    import subprocess
    import sys

    code = ("import sys, incidents.present.plots; "
            "print(sorted(m for m in ('seaborn', 'scipy.stats') if m in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout
    assert shown.strip() == "[]"


def test_the_style_is_a_white_grid_with_the_colour_blind_cycle():
    from matplotlib.colors import to_hex

    plots.apply_style()
    figure, ax = plt.subplots()
    cycle = [to_hex(c["color"]) for c in plt.rcParams["axes.prop_cycle"]]
    assert cycle == list(plots.GROUP_PALETTE[:10])
    assert ax.xaxis.get_gridlines()[0].get_visible() and ax.get_axisbelow() is True
    assert to_hex(ax.spines["left"].get_edgecolor()) == "#cccccc"  # light grey frame
    plt.close(figure)


def test_restore_chart_draws_one_box_per_group_named_in_order_top_down(incidents):
    from matplotlib.colors import to_hex
    from matplotlib.patches import PathPatch

    plots.apply_style()
    figure = plots.restore_time_distribution(incidents)
    ax = figure.axes[0]
    boxes = [patch for patch in ax.patches if isinstance(patch, PathPatch)]
    # Beta Chat's one incident took 1 h; Acme Mail's took 3, 4 and 5 h (median 4 h).
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Beta Chat", "Acme Mail"]
    assert list(ax.get_yticks()) == [0, 1]
    assert [round(float(box.get_path().vertices[:, 1].mean())) for box in boxes] == [0, 1]
    assert ax.yaxis_inverted() and ax.get_xscale() == "log"
    assert {to_hex(box.get_facecolor()) for box in boxes} == {plots.BOX_FILL}
    # The medians: the lines drawn over the boxes (whiskers and caps lie under them).
    medians = sorted(line.get_xdata()[0] for line in ax.lines if line.get_zorder() > 2)
    assert medians == pytest.approx([1.0, 4.0])
    plt.close(figure)


def test_group_colours_are_distinct_for_thirty_names():
    colours = plots.group_colours([f"name {i}" for i in range(30)])
    values = list(colours.values())
    assert len(values) == len(set(values)) == 30
    assert all(len(value) == 7 and value.startswith("#") for value in values)
    assert colours == plots.group_colours(reversed(list(colours)))
    extra = np.array([cielab(c) for c in values[len(plots.GROUP_PALETTE):]])
    distances = np.sqrt(((extra[:, None] - extra[None]) ** 2).sum(-1))
    assert distances[np.triu_indices(len(extra), 1)].min() >= 15


def saved(figure) -> np.ndarray:
    """The PNG that show() would display, as an RGB array."""
    import io

    from PIL import Image

    data = plots._png(figure)
    plt.close(figure)
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_every_saved_chart_keeps_all_it_draws_inside_the_image(incidents, monkeypatch):
    """Nothing is cut at an edge: the outermost pixels are blank, also for a legend beside the
    chart (the timeline), a title wider than the chart and row names far longer than the chart
    is wide."""
    plots.apply_style()
    long_names = pd.DataFrame({"vendor": [f"SLA of a service with a long name, part {i}"
                                          for i in range(6)], "month": "2025-01",
                               "availability": 0.999, "sla_target": 0.999})
    charts = figures(incidents)
    charts["availability grid"] = plots.availability_against_sla(long_names)
    monkeypatch.setattr(plots, "TIMELINE_MOST", 2)  # a title that says so, wider than the chart
    charts["timeline, capped"] = plots.incident_timeline(incidents, WINDOW.start, WINDOW.end)
    charts["heatmap, two panels"] = plots.access_vector_heatmap(pd.DataFrame(
        np.arange(80).reshape(20, 4) % 3, index=[f"surface-{i}" for i in range(20)],
        columns=[f"2025Q{q}" for q in range(1, 5)]))
    for name, figure in charts.items():
        image = saved(figure)
        edges = np.concatenate([image[:2].reshape(-1, 3), image[-2:].reshape(-1, 3),
                                image[:, :2].reshape(-1, 3), image[:, -2:].reshape(-1, 3)])
        assert (edges == 255).all(), name


def test_a_chart_that_fits_its_canvas_is_saved_at_the_canvas_size(incidents):
    """Only a figure that reaches past its canvas is cropped (and grown) to what it draws."""
    plots.apply_style()
    figure = plots.monthly_frequency(trend_tests.monthly_counts(incidents, WINDOW))
    width, height = figure.get_size_inches() * figure.dpi
    assert saved(figure).shape[:2] == (round(height), round(width))
    timeline = plots.incident_timeline(incidents, WINDOW.start, WINDOW.end, "vendor")
    canvas_width = timeline.get_size_inches()[0] * timeline.dpi
    assert saved(timeline).shape[1] > canvas_width  # its legend sits beside the chart


def test_monthly_bars_by_impact_stack_the_most_severe_first_in_the_impact_colours(incidents):
    plots.apply_style()
    figure = plots.monthly_frequency(trend_tests.monthly_counts(incidents, WINDOW, "impact"),
                                     "impact")
    legend = figure.legends[0]
    names = [text.get_text() for text in legend.get_texts()]
    levels = [name for name in names if name in plots.IMPACT_COLOURS]
    assert levels == [level for level in plots.IMPACT_COLOURS if level in levels]
    assert levels and names[-1] == "3-month mean"
    assert legend.get_title().get_text() == "Impact"
    layers = [c for c in figure.axes[0].collections]
    assert [matplotlib.colors.to_hex(c.get_facecolor()[0]) for c in layers] == [
        plots.IMPACT_COLOURS[level] for level in levels]
    plt.close(figure)
