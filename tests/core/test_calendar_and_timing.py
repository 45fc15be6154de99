"""The meeting calendar and when digests go out: cadence, known dates, bank holidays, clock changes."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.calendar.cadence import CalendarMeeting, build_calendar, nth_weekday, parse_cadence
from bot.calendar.clock import LONDON
from bot.digests.timing import slots_for, working_days_before
from storage.models import Group, Meeting

NOW = datetime(2023, 1, 1, tzinfo=LONDON)


def group(code="TMAG", week=3, weekday=2, **digest) -> Group:
    return Group(
        id=1,
        code=code,
        ref_prefix=code,
        cadence_week=week,
        cadence_weekday=weekday,
        cadence_time="10:00",
        **digest,
    )


def known(day: date, *, extraordinary=False, status="scheduled", start=None) -> Meeting:
    return Meeting(
        id=None,
        group_id=1,
        date=day,
        start=start,
        extraordinary=extraordinary,
        status=status,
        source="report",
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize(
    ("code", "week", "expected"),
    [
        ("TMAG", 3, date(2023, 8, 16)),
        ("PSG", 1, date(2023, 8, 2)),
        ("DAG", 2, date(2023, 8, 9)),
        ("CCAG", 4, date(2023, 8, 23)),
    ],
)
def test_each_groups_wednesday(code, week, expected):
    assert nth_weekday(2023, 8, week, 2) == expected
    dates = [m.date for m in build_calendar(group(code, week), [], date(2023, 8, 1), date(2023, 8, 31))]
    assert dates == [expected]


def test_the_third_wednesday_month_after_month():
    dates = [m.date for m in build_calendar(group(), [], date(2023, 9, 1), date(2023, 12, 31))]
    assert dates == [date(2023, 9, 20), date(2023, 10, 18), date(2023, 11, 15), date(2023, 12, 20)]
    assert all(
        m.start == "10:00" and m.source == "cadence"
        for m in build_calendar(group(), [], date(2023, 9, 1), date(2023, 9, 30))
    )


def test_a_known_date_beats_the_cadence_but_an_extraordinary_meeting_does_not():
    meetings = [known(date(2023, 9, 27)), known(date(2023, 10, 4), extraordinary=True)]
    found = build_calendar(group(), meetings, date(2023, 9, 1), date(2023, 10, 31))
    assert [(m.date, m.source, m.extraordinary) for m in found] == [
        (date(2023, 9, 27), "report", False),  # moved: the 20th is not listed
        (date(2023, 10, 4), "report", True),
        (date(2023, 10, 18), "cadence", False),  # the ordinary one still happens
    ]
    assert found[0].start == "10:00"  # no time stated: the usual one


def test_a_cancelled_meeting_is_gone_and_takes_the_cadence_with_it():
    found = build_calendar(
        group(), [known(date(2023, 9, 20), status="cancelled")], date(2023, 9, 1), date(2023, 9, 30)
    )
    assert found == []


def test_cadences_are_said_in_words():
    assert parse_cadence("third Wednesday 10:00") == (3, 2, "10:00")
    assert parse_cadence("last Thursdays at 14:30") == (-1, 3, "14:30")
    assert parse_cadence("whenever") is None


def meeting(day: date, start="10:00", extraordinary=False) -> CalendarMeeting:
    return CalendarMeeting("TMAG", day, start, None, extraordinary, None, "report", "scheduled")


def test_working_days_skip_weekends_and_bank_holidays():
    # Wednesday 3 January 2024: New Year's Day and the weekend are skipped.
    assert working_days_before(date(2024, 1, 3), 2) == date(2023, 12, 29)
    # Wednesday 30 August 2023: the Summer bank holiday (Monday 28th) is skipped.
    assert working_days_before(date(2023, 8, 30), 2) == date(2023, 8, 25)


def test_digest_and_reminder_times():
    slots = slots_for(group(), meeting(date(2024, 1, 3)))
    assert [(s.slot, s.at.isoformat()) for s in slots] == [
        ("digest", "2023-12-29T09:00:00+00:00"),
        ("reminder", "2024-01-03T08:30:00+00:00"),
    ]


def test_clock_changes_on_both_sides_keep_nine_oclock_london_time():
    summer = slots_for(group(), meeting(date(2023, 10, 18)))[0].at
    winter = slots_for(group(), meeting(date(2023, 11, 15)))[0].at
    assert summer.isoformat() == "2023-10-16T09:00:00+01:00"
    assert winter.isoformat() == "2023-11-13T09:00:00+00:00"
    assert (summer.hour, winter.hour) == (9, 9)


def test_nothing_is_scheduled_while_the_clocks_change():
    late = group(digest_time="01:30", reminder_time="02:15")
    slots = slots_for(late, meeting(date(2024, 3, 31), start="10:00"))  # the clocks go forward that night
    assert [s.at.strftime("%H:%M") for s in slots] == ["03:00", "03:00"]


def test_per_group_settings_and_no_reminder():
    custom = group(digest_days_before=5, digest_time="14:00", reminder_time=None)
    slots = slots_for(custom, meeting(date(2023, 11, 15)))
    assert [(s.slot, s.at.isoformat()) for s in slots] == [("digest", "2023-11-08T14:00:00+00:00")]
