"""When campaigns fire: once, cron-like, Chinese lunar dates, offsets from resident events; quiet hours; misfires.

Everything here is pure: `now`/`after` are passed in and aware; people's times are in Asia/Shanghai (no DST).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from croniter import croniter
from lunardate import LunarDate

LOCAL = ZoneInfo("Asia/Shanghai")
KINDS = ("now", "once", "cron", "lunar", "relative")
LUNAR_MONTHS = "正二三四五六七八九十冬腊"
LUNAR_DAYS = {f"初{d}": i + 1 for i, d in enumerate("一二三四五六七八九十")} | {
    "十一": 11, "十二": 12, "十三": 13, "十四": 14, "十五": 15, "十六": 16, "十七": 17, "十八": 18, "十九": 19,
    "二十": 20, "廿一": 21, "廿二": 22, "廿三": 23, "廿四": 24, "廿五": 25, "廿六": 26, "廿七": 27, "廿八": 28,
    "廿九": 29, "三十": 30,
}  # fmt: skip
RELATIVE = re.compile(r"^(?P<event>[a-z_]+)\+(?P<n>\d+)(?P<unit>[dhm])$")
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ScheduleError(ValueError):
    """A schedule expression that cannot be understood (the message says why, in Chinese)."""


@dataclass(frozen=True)
class Relative:
    """ "3 days after joining a cell": the event kind and the offset."""

    event: str
    offset: dt.timedelta


def parse_time(text: str) -> dt.time:
    """ "09:00" → time(9, 0)."""
    m = TIME.match(text.strip())
    if not m:
        raise ScheduleError(f"时间格式应为 HH:MM：{text}")
    return dt.time(int(m.group(1)), int(m.group(2)))


def parse_lunar(text: str) -> tuple[int, int, bool]:
    """ "03-03", "L04-15" (闰四月) or "农历三月初三" → (month, day, leap)."""
    s = text.strip().removeprefix("农历")
    m = re.match(r"^(L|闰)?(\d{1,2})-(\d{1,2})$", s)
    if m:
        month, day, leap = int(m.group(2)), int(m.group(3)), bool(m.group(1))
    else:
        m = re.match(rf"^(闰)?([{LUNAR_MONTHS}]|十一|十二)月(\S+)$", s)
        if not m or m.group(3) not in LUNAR_DAYS:
            raise ScheduleError(f"农历日期应写成 MM-DD 或“农历三月初三”：{text}")
        name = m.group(2)
        month = {"十一": 11, "十二": 12}.get(name) or LUNAR_MONTHS.index(name) + 1
        day, leap = LUNAR_DAYS[m.group(3)], bool(m.group(1))
    if not (1 <= month <= 12 and 1 <= day <= 30):
        raise ScheduleError(f"农历日期超出范围：{text}")
    return month, day, leap


def lunar_to_solar(year: int, month: int, day: int, leap: bool = False) -> dt.date | None:
    """The solar date of a lunar date in lunar year `year`; day 30 of a short month falls back to day 29.

    None when the year has no such leap month.
    """
    if leap and LunarDate.leap_month_for_year(year) != month:
        return None
    for d in (day, day - 1) if day == 30 else (day,):
        try:
            return LunarDate(year, month, d, leap).to_solar_date()
        except ValueError:
            continue
    return None


def parse_relative(text: str) -> Relative:
    """ "cell_join+3d" → Relative("cell_join", 3 days)."""
    m = RELATIVE.match(text.strip())
    if not m:
        raise ScheduleError(f"相对时间应写成 事件+天数，例如 cell_join+3d：{text}")
    n = int(m.group("n"))
    unit = {"d": dt.timedelta(days=n), "h": dt.timedelta(hours=n), "m": dt.timedelta(minutes=n)}[m.group("unit")]
    return Relative(m.group("event"), unit)


def validate(kind: str, expr: str, send_time: str | None) -> None:
    """Raise ScheduleError unless (kind, expr, send_time) describes a schedule."""
    if kind not in KINDS:
        raise ScheduleError(f"未知的时间安排：{kind}")
    if kind == "once":
        parse_at(expr)
    elif kind == "cron":
        if not croniter.is_valid(expr):
            raise ScheduleError(f"cron 表达式无效：{expr}")
    elif kind == "lunar":
        parse_lunar(expr)
        parse_time(send_time or "")
    elif kind == "relative":
        parse_relative(expr)


def parse_at(text: str) -> dt.datetime:
    """An ISO 8601 datetime; without an offset it is read as Asia/Shanghai."""
    try:
        at = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ScheduleError(f"时间应为 ISO 8601 格式，例如 2026-06-05T09:00+08:00：{text}") from exc
    return at if at.tzinfo else at.replace(tzinfo=LOCAL)


def next_occurrence(kind: str, expr: str, send_time: str | None, *, after: dt.datetime) -> dt.datetime | None:
    """The first firing strictly after `after` (UTC), or None when the schedule has no more (or is relative)."""
    if kind == "now":
        return None
    if kind == "once":
        at = parse_at(expr)
        return at.astimezone(dt.UTC) if at > after else None
    if kind == "cron":
        base = after.astimezone(LOCAL)
        nxt = croniter(expr, base).get_next(dt.datetime)
        return nxt.astimezone(dt.UTC)
    if kind == "lunar":
        month, day, leap = parse_lunar(expr)
        at_time = parse_time(send_time or "09:00")
        start = after.astimezone(LOCAL).year - 1  # the lunar year can begin in the previous solar year's range
        for year in range(start, start + 4):
            solar = lunar_to_solar(year, month, day, leap)
            if solar is None:
                continue
            fire = dt.datetime.combine(solar, at_time, tzinfo=LOCAL)
            if fire > after:
                return fire.astimezone(dt.UTC)
        return None
    return None  # relative: per resident, see campaigns.runs


@dataclass(frozen=True)
class QuietHours:
    """A nightly window (Asia/Shanghai) without pushes, e.g. 21:30–08:00; start == end means none."""

    start: dt.time
    end: dt.time

    @classmethod
    def parse(cls, text: str | None) -> QuietHours | None:
        """ "21:30-08:00" → QuietHours; "off" or "" → None."""
        if not text or text.strip().lower() in ("off", "none", "0"):
            return None
        parts = text.split("-")
        if len(parts) != 2:
            raise ScheduleError(f"免打扰时段应写成 21:30-08:00：{text}")
        return cls(parse_time(parts[0]), parse_time(parts[1]))

    def contains(self, at: dt.datetime) -> bool:
        """True when `at` falls inside the window."""
        t = at.astimezone(LOCAL).time()
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def release(self, at: dt.datetime) -> dt.datetime:
        """`at` itself outside the window, otherwise the window's end (UTC)."""
        if not self.contains(at):
            return at
        local = at.astimezone(LOCAL)
        end = dt.datetime.combine(local.date(), self.end, tzinfo=LOCAL)
        if end <= local:
            end += dt.timedelta(days=1)
        return end.astimezone(dt.UTC)


def effective_due(due: dt.datetime, quiet: QuietHours | None) -> dt.datetime:
    """When a firing may actually go out: after the quiet hours it falls into."""
    return quiet.release(due) if quiet else due


def deadline(due: dt.datetime, quiet: QuietHours | None, grace: dt.timedelta) -> dt.datetime:
    """The latest moment a firing may still go out; later it is marked missed."""
    return effective_due(due, quiet) + grace
