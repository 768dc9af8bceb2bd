"""无废细胞 resident lists: import who is expected in a cell, and see who has joined and who has not yet.

A listed resident counts as joined when the channel account on the list belongs to a resident (after any binding
merge) who is a member of the cell. Without a channel account on the list we cannot tell who is who, so such rows are
shown as "无法核对" and the cell's member count beside the list is the only figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from campaigns.models import Cell, CellMember, ChannelIdentity, RosterEntry

# header spellings accepted in import files → our field
HEADERS = {
    "姓名": "name", "名字": "name", "name": "name",
    "细胞编号": "cell", "细胞": "cell", "cell": "cell", "cell_id": "cell",
    "渠道": "channel", "channel": "channel",
    "渠道账号": "external_id", "账号": "external_id", "openid": "external_id", "external_id": "external_id",
    "account": "external_id",
}  # fmt: skip
CHANNELS = {
    "微信": "wechat", "wechat": "wechat", "公众号": "wechat",
    "telegram": "telegram", "tg": "telegram", "电报": "telegram",
    "网页": "web", "web": "web",
}  # fmt: skip
STATE_NAMES = {"joined": "已加入", "not_joined": "未加入", "unknown": "无法核对（名单上没有渠道账号）"}
MAX_NAME = 64
MAX_ACCOUNT = 128


@dataclass
class RosterReport:
    """What a list import did: rows added or already there, and each bad row with its line number and reason."""

    added: int = 0
    updated: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)


def mask(name: str) -> str:
    """A name as lists show it: the family name and the last character (张*明, 李*); personal data stays minimal."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def import_rows(
    session: Session,
    rows: Iterable[Mapping[str, object]],
    *,
    cell: Cell | None,
    now: dt.datetime,
    first_line: int = 2,
) -> RosterReport:
    """Add listed residents (to `cell`, or to the cell each row names); bad rows are reported, good ones kept.
    Re-importing the same list adds nothing: a row is the same person by channel account, or by name without one."""
    report = RosterReport()
    cache: dict[str, Cell | None] = {}
    for line, raw in enumerate(rows, start=first_line):
        row = {
            HEADERS[k.strip().lower()]: ("" if v is None else str(v).strip())
            for k, v in raw.items()
            if k and k.strip().lower() in HEADERS
        }
        if not any(row.values()):
            continue
        target, problem = _target(session, row.get("cell", ""), cell, cache)
        if problem is None:
            problem = _check(row)
        if problem is not None or target is None:
            report.bad.append((line, problem or "缺少细胞编号"))
            continue
        name, account = row["name"], row.get("external_id") or None
        channel = CHANNELS[row["channel"].lower()] if account else None
        query = select(RosterEntry).where(RosterEntry.cell_id == target.id)
        if account:
            query = query.where(RosterEntry.channel == channel, RosterEntry.external_id == account)
        else:
            query = query.where(RosterEntry.name == name, RosterEntry.external_id.is_(None))
        existing = session.execute(query.limit(1)).scalar_one_or_none()
        if existing is not None:
            existing.name = name
            report.updated += 1
            continue
        session.add(RosterEntry(cell_id=target.id, name=name, channel=channel, external_id=account, created_at=now))
        session.flush()
        report.added += 1
    return report


def _target(
    session: Session, key: str, cell: Cell | None, cache: dict[str, Cell | None]
) -> tuple[Cell | None, str | None]:
    if cell is not None:
        if key and key not in (str(cell.id), cell.name):
            return None, f"细胞编号 {key} 与本细胞（编号 {cell.id}）不符"
        return cell, None
    if not key:
        return None, "缺少细胞编号"
    if key not in cache:
        cache[key] = session.get(Cell, int(key)) if key.isdigit() else None
    found = cache[key]
    return (found, None) if found is not None else (None, f"没有编号为 {key} 的无废细胞")


def _check(row: Mapping[str, str]) -> str | None:
    if not row.get("name"):
        return "缺少姓名"
    if len(row["name"]) > MAX_NAME:
        return f"姓名过长（最多 {MAX_NAME} 个字）"
    account, channel = row.get("external_id", ""), row.get("channel", "")
    if account and not channel:
        return "填写了渠道账号但没有填写渠道（微信、Telegram 或 网页）"
    if account and channel.lower() not in CHANNELS:
        return f"未知的渠道：{channel}（可选：微信、Telegram、网页）"
    if len(account) > MAX_ACCOUNT:
        return "渠道账号过长"
    return None


def _rows(cell_id: int) -> Any:
    """The list with, per row, the member id when its channel account belongs to a member of the cell."""
    member = and_(CellMember.cell_id == cell_id, CellMember.resident_id == ChannelIdentity.resident_id)
    return (
        select(RosterEntry, CellMember.id.label("member_id"))
        .outerjoin(
            ChannelIdentity,
            and_(
                ChannelIdentity.channel == RosterEntry.channel, ChannelIdentity.external_id == RosterEntry.external_id
            ),
        )
        .outerjoin(CellMember, member)
        .where(RosterEntry.cell_id == cell_id)
    )


def _state(entry: RosterEntry, member_id: int | None) -> str:
    if member_id is not None:
        return "joined"
    return "not_joined" if entry.external_id else "unknown"


def summary(session: Session, cell_id: int) -> dict[str, int]:
    """Counts for a cell: listed, joined, not yet joined, unverifiable, and members who are not on the list."""
    counts = {"listed": 0, "joined": 0, "not_joined": 0, "unknown": 0}
    for entry, member_id in session.execute(_rows(cell_id)).all():
        counts["listed"] += 1
        counts[_state(entry, member_id)] += 1
    members = int(session.execute(select(func.count()).where(CellMember.cell_id == cell_id)).scalar_one())
    counts["members"] = members
    counts["members_not_listed"] = max(0, members - counts["joined"])
    return counts


def entries(
    session: Session, cell_id: int, *, state: str = "", offset: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    """A page of the list (names masked), optionally only one state (joined / not_joined / unknown), by name."""
    found = session.execute(_rows(cell_id).order_by(RosterEntry.name, RosterEntry.id)).all()
    rows = [
        {
            "id": e.id,
            "name": mask(e.name),
            "channel": e.channel,
            "has_account": bool(e.external_id),
            "state": _state(e, m),
            "state_name": STATE_NAMES[_state(e, m)],
        }
        for e, m in found
    ]
    if state:
        rows = [r for r in rows if r["state"] == state]
    return rows[offset : offset + limit]


def clear(session: Session, cell_id: int) -> int:
    """Delete the cell's resident list (the names are personal data: keep them only while needed); returns how many."""
    result = session.execute(delete(RosterEntry).where(RosterEntry.cell_id == cell_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
