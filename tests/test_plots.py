"""Charts: every figure has a title and labelled axes; show() embeds a PNG with alt text."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from incidents import metrics, plots, risk

WINDOW = metrics.Window.from_dates("2025-01-01", "2025-03-31")


@pytest.fixture
def incidents(make_table):
    rows = [{"start_utc": f"2025-0{m}-10T08:00:00Z", "end_utc": f"2025-0{m}-10T1{m}:00:00Z",
             "affected_clients": "outlook-web;imap4"} for m in (1, 2, 3)]
    rows.append({"vendor": "Beta Chat", "service": "Chat", "start_utc": "2025-02-02T10:00:00Z",
                 "end_utc": "2025-02-02T11:00:00Z", "impact": "degradation"})
    return metrics.in_window(make_table(*rows), WINDOW)


def figures(incidents):
    vendors = pd.DataFrame({"vendor": ["Acme Mail", "Beta Chat"], "dependence_weight": [1, .5],
                            "sla_target": [0.999, 0.9999], "sla_credit_tiers": ["", ""]})
    monthly = metrics.monthly_availability(incidents, WINDOW, "vendor", vendors)
    return {
        "timeline": plots.incident_timeline(incidents, WINDOW.start, WINDOW.end, "vendor"),
        "frequency": plots.monthly_frequency(metrics.monthly_counts(incidents, WINDOW)),
        "restore": plots.restore_time_distribution(incidents),
        "heatmap": plots.access_vector_heatmap(metrics.access_vector_matrix(incidents)),
        "causes": plots.cause_breakdown(metrics.breakdown(incidents, "root_cause_category"),
                                        metrics.breakdown(incidents, "mitigation", multi=True)),
        "availability": plots.availability_against_sla(monthly),
        "risk": plots.risk_components(risk.vendor_risk(incidents, WINDOW, vendors, rounds=20),
                                      list(risk.COMPONENTS)),
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
    plots.show(plots.monthly_frequency(metrics.monthly_counts(incidents, WINDOW)), "Bars.")
    image, metadata = shown[0]
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert metadata == {"image/png": {"alt": "Bars."}}


def test_many_vendors_get_a_grid_instead_of_lines(incidents):
    frame = pd.DataFrame({"vendor": [f"V{i}" for i in range(6) for _ in range(2)],
                          "month": ["2025-01", "2025-02"] * 6, "availability": 0.9995,
                          "sla_target": 0.999})
    figure = plots.availability_against_sla(frame)
    assert "error budget" in figure.axes[0].get_title()
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
