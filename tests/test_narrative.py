"""Sentences and tables written from numbers: units, uncertainty, escaping."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from incidents.present import narrative


@pytest.mark.parametrize(("value", "expected"), [
    (0.4, "24 min"), (9.46, "9.5 h"), (12.0, "12 h"), (50.0, "2.1 days"),
    (math.nan, "n/a"), (math.inf, "unbounded")])
def test_hours_are_written_with_units(value, expected):
    assert narrative.hours(value) == expected


def test_interval_says_not_reached_for_a_missing_upper_bound():
    assert narrative.interval(4.0, math.nan) == "4.0 h to not reached"


def test_budget_is_a_percentage_however_far_over():
    # One unit per column: 2.04 and 21 times the budget read as 204% and 2,100%.
    assert narrative.budget(0.45) == "45%"
    assert narrative.budget(2.04) == "204%"
    assert narrative.budget(21.0) == "2,100%"


def test_data_text_is_escaped_for_markdown_and_html():
    text = narrative.text("<img src=x onerror=alert(1)> *bold* [link](x)")
    assert "<img" not in text and "&lt;img" in text
    assert "\\*bold\\*" in text and "\\[link\\]" in text


def test_table_escapes_every_cell():
    import pandas as pd

    frame = pd.DataFrame({"title": ["</script><script>alert(1)</script>"]})
    html = narrative.table(frame, {"title": ("Title", narrative.plain)})
    assert "<script>" not in html and "&lt;/script&gt;" in html


def test_mtbf_sentence_gives_only_a_bound_below_the_minimum():
    sentence = narrative.mtbf_sentence({"incidents": 2, "mtbf_lower_hours": 100.0,
                                        "mtbf_upper_hours": 5000.0}, 3)
    assert "at least 4.2 days" in sentence and "below the minimum of 3" in sentence


def test_restore_sentence_reports_open_and_unknown_incidents():
    sentence = narrative.restore_sentence({"n": 5, "median": 9.5, "median_lower": 4.0,
                                           "median_upper": 21.0, "ongoing": 2,
                                           "end_unknown": 1})
    assert sentence.startswith("Median time to restore 9.5 h (95% CI 4.0 h to 21 h")
    assert "2 still open" in sentence and "1 with no published end" in sentence


def test_trend_sentence_states_test_and_p_value():
    sentence = narrative.trend_sentence({"verdict": "worsening", "laplace_u": 2.3,
                                         "p_value": 0.021, "beta": 1.67})
    assert "more frequent" in sentence and "p = 0.02" in sentence and "1.67" in sentence


def test_table_sits_in_its_own_scroll_box_under_a_caption_outside_it():
    import pandas as pd

    html = narrative.table(pd.DataFrame({"a": [1]}), {"a": ("A", narrative.plain)},
                           caption="Per product")
    caption, rest = html.split("</figcaption>")
    assert "<figcaption>Per product" in caption and "<table" not in caption
    assert '<div class="table-scroll" role="region" tabindex="0" aria-label="Per product">' in rest
    assert rest.index("table-scroll") < rest.index("<table")


def test_many_rows_or_much_text_make_a_table_long_and_many_columns_wide():
    import pandas as pd

    few = pd.DataFrame({"a": range(3)})
    columns = {"a": ("A", narrative.plain)}
    assert "report-table-long" not in narrative.table(few, columns)
    assert "report-table-long" in narrative.table(pd.DataFrame({"a": range(16)}), columns)
    wordy = pd.DataFrame({"a": ["x" * 400] * 3})
    assert "report-table-long" in narrative.table(wordy, columns)
    six = {name: (name, narrative.plain) for name in "abcdef"}
    wide = narrative.table(pd.DataFrame({name: [1] for name in "abcdef"}), six)
    assert "report-table-wide" in wide and 'class="scroll-hint"' in wide
    assert "scroll-hint" not in narrative.table(few, columns)


def test_short_cells_stay_on_one_line_and_long_ids_may_wrap_anywhere():
    import pandas as pd

    html = narrative.table(pd.DataFrame({"a": ["p = 0.02", "ms365-2024-01-26-teams-failover",
                                               "Users could not sign in"]}),
                           {"a": ("A", narrative.plain)})
    assert '<td class="nowrap">p = 0.02</td>' in html
    assert '<td class="wrap-anywhere">ms365-2024-01-26-teams-failover</td>' in html
    assert "<td>Users could not sign in</td>" in html


NAMES = ["https://x.example/status", "HTTP://X.EXAMPLE", "O'Neil's \"Cloud\"", "~~gone~~",
         "*a* _b_ `c`", "[x](https://evil.example)", "# Heading", "1. first", "- item",
         "> quote", "a | b", "<https://x.example>", "a & b &amp; c", "back\\slash\\", "$x^2$",
         "<img src=x onerror=alert(1)>"]


@pytest.mark.parametrize("name", NAMES)
def test_names_render_as_their_text_in_the_report_markdown(name):
    from html.parser import HTMLParser

    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    rendered = markdown2html_mistune(f"**{narrative.text(name)}.** Median restore 2 h.")

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.tags: list[str] = []
            self.shown = ""

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)

        def handle_data(self, data):
            self.shown += data

    reader = Reader()
    reader.feed(rendered)
    assert reader.tags == ["p", "strong"], rendered
    assert reader.shown.strip() == f"{name}. Median restore 2 h.", rendered


def test_control_and_bidi_characters_in_names_are_shown_escaped():
    assert narrative.text("evil\u202etxt.exe\x1b[2J") == "evil\\\\u202etxt\\.exe\\\\x1b\\[2J"


def test_table_shows_at_most_its_limit_and_says_how_many_rows_there_are():
    import pandas as pd

    html = narrative.table(pd.DataFrame({"n": range(5)}), {"n": ("N", narrative.plain)},
                           caption="Numbers", limit=3)
    assert html.count("<tr>") == 4  # the header and three rows
    assert "<figcaption>Numbers (first 3 of 5 rows)</figcaption>" in html


def test_ranks_read_as_whole_numbers_and_shared_ranks_keep_their_half():
    assert [narrative.rank(v) for v in (1.0, 3, 2.5, float("nan"), None)] == [
        "1", "3", "2.5", "", ""]


def test_a_range_prints_its_unit_once_when_both_ends_share_it():
    assert narrative.value_range(2.0, 9.5) == "2.0-9.5 h"
    assert narrative.value_range(0.5, 2.0) == "30 min-2.0 h"
    assert narrative.value_range(0.0, 24.0) == "up to 24 h"  # known only to the day
    assert narrative.value_range(0.0, 0.0) == "0 min"
    assert narrative.value_range(3.0, 3.0) == "3.0 h"


def test_cause_line_lists_terms_most_frequent_first_summed_over_groups():
    causes = pd.DataFrame({"vendor": ["A", "B", "A"], "term": [
        "change-deployment", "change-deployment", "capacity"], "incidents": [2, 3, 4]})
    none = pd.DataFrame(columns=["vendor", "term", "incidents"])
    line = narrative.cause_line(causes, none)
    assert line == ("**Root cause** (events a person read): change deployment 5, capacity 4. "
                    "**How service was restored:** none recorded.")
