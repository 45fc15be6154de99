from datetime import date

import pytest

from bot.record.dates import find_dates, parse_date, parse_time_range


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("20/09/23", date(2023, 9, 20)),
        ("22/06/2022", date(2022, 6, 22)),
        ("22.06.2022", date(2022, 6, 22)),
        ("1/2/24", date(2024, 2, 1)),  # day first, as UK reports write them
        ("13/13/23", None),
        ("16 August 2023", date(2023, 8, 16)),
        ("16th Aug 2023", date(2023, 8, 16)),
        ("16-Aug-23", date(2023, 8, 16)),
        ("August 16, 2023", date(2023, 8, 16)),
        ("2023-08-16", date(2023, 8, 16)),
        ("Due 20/09/23 (was 06/09/23)", date(2023, 9, 20)),
        ("31/02/23", None),
        ("32/01/23", None),
        ("TBC", None),
        ("ongoing", None),
        ("", None),
        (None, None),
    ],
)
def test_due_dates_as_reports_write_them(cell, expected):
    assert parse_date(cell) == expected


def test_every_date_in_a_sentence_in_reading_order():
    text = "Moved from 6 September 2023 to 20/09/23, then 2023-10-18"
    assert [day for day, _, _ in find_dates(text)] == [
        date(2023, 9, 6),
        date(2023, 9, 20),
        date(2023, 10, 18),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16 August 2023 1000-1130", ("10:00", "11:30")),
        ("10:00-10:45", ("10:00", "10:45")),
        ("2pm to 3.30pm", ("14:00", "15:30")),
    ],
)
def test_meeting_times(text, expected):
    assert parse_time_range(text) == expected
