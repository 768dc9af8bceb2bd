"""Schedules with a fixed `now`: lunar dates across years, cron in Asia/Shanghai, quiet hours, misfire deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns.schedule import LOCAL, QuietHours, ScheduleError, deadline, next_occurrence, parse_lunar, validate


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (local(2025, 1, 1), local(2025, 3, 31, 9, 0)),
        (local(2022, 1, 1), local(2022, 4, 3, 9, 0)),
        (local(2025, 3, 31, 9, 0), local(2026, 4, 19, 9, 0)),  # strictly after: next year's 3/3
        (local(2024, 12, 31, 23, 59), local(2025, 3, 31, 9, 0)),
    ],
)
def test_lunar_third_of_third_month_lands_on_the_right_solar_day(after: dt.datetime, expected: dt.datetime) -> None:
    assert next_occurrence("lunar", "农历三月初三", "09:00", after=after) == expected
    assert next_occurrence("lunar", "03-03", "09:00", after=after) == expected


def test_lunar_leap_month_only_fires_in_years_that_have_it() -> None:
    # 2025 has a leap 6th month (闰六月); 2026 does not, the next one after that is years away
    first = next_occurrence("lunar", "L06-01", "09:00", after=local(2025, 1, 1))
    assert first is not None and first.astimezone(LOCAL).date() == dt.date(2025, 7, 25)
    later = next_occurrence("lunar", "L06-01", "09:00", after=local(2025, 8, 1))
    assert later is None or later.astimezone(LOCAL).year > 2026


def test_lunar_text_forms_and_errors() -> None:
    assert parse_lunar("农历三月初三") == (3, 3, False)
    assert parse_lunar("腊月廿三") == (12, 23, False)
    assert parse_lunar("闰四月十五") == (4, 15, True)
    with pytest.raises(ScheduleError):
        parse_lunar("十三月初一")
    with pytest.raises(ScheduleError):
        validate("lunar", "03-03", "25:00")


def test_cron_is_read_in_beijing_time() -> None:
    nxt = next_occurrence("cron", "0 9 5 6 *", None, after=local(2026, 1, 1))
    assert nxt == local(2026, 6, 5, 9, 0)
    assert nxt is not None and nxt.utcoffset() == dt.timedelta(0) and nxt.hour == 1  # stored as UTC
    with pytest.raises(ScheduleError):
        validate("cron", "61 * * * *", None)


def test_once_without_offset_is_beijing_time_and_fires_once() -> None:
    assert next_occurrence("once", "2026-03-30T09:00", None, after=local(2026, 1, 1)) == local(2026, 3, 30, 9, 0)
    assert next_occurrence("once", "2026-03-30T09:00", None, after=local(2026, 3, 30, 9, 0)) is None


def test_quiet_hours_postpone_to_the_morning_and_can_be_turned_off() -> None:
    quiet = QuietHours.parse("21:30-08:00")
    assert quiet is not None
    assert quiet.contains(local(2026, 6, 5, 22, 0)) and quiet.contains(local(2026, 6, 6, 7, 59))
    assert not quiet.contains(local(2026, 6, 5, 8, 0)) and not quiet.contains(local(2026, 6, 5, 21, 29))
    assert quiet.release(local(2026, 6, 5, 22, 0)) == local(2026, 6, 6, 8, 0)
    assert quiet.release(local(2026, 6, 6, 3, 0)) == local(2026, 6, 6, 8, 0)
    assert quiet.release(local(2026, 6, 5, 12, 0)) == local(2026, 6, 5, 12, 0)
    assert QuietHours.parse("off") is None and QuietHours.parse("") is None


def test_misfire_deadline_counts_from_the_end_of_quiet_hours() -> None:
    grace = dt.timedelta(hours=2)
    quiet = QuietHours.parse("21:30-08:00")
    assert deadline(local(2026, 6, 5, 9, 0), quiet, grace) == local(2026, 6, 5, 11, 0)
    assert deadline(local(2026, 6, 5, 23, 0), quiet, grace) == local(2026, 6, 6, 10, 0)
    assert deadline(local(2026, 6, 5, 23, 0), None, grace) == local(2026, 6, 6, 1, 0)
