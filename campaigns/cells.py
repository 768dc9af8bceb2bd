"""无废细胞: the registry (import from CSV/XLSX rows with a report of bad rows), status changes and members."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaigns.models import Cell, CellMember, Resident
from campaigns.residents import record_event
from campaigns.schedule import LOCAL
from campaigns.texts import CELL_STATUSES

# header spellings accepted in import files → our field
HEADERS = {
    "type": "type", "类型": "type", "细胞类型": "type",
    "name": "name", "名称": "name", "细胞名称": "name",
    "township": "township", "乡镇": "township", "乡镇街道": "township", "街道": "township", "乡镇/街道": "township",
    "status": "status", "状态": "status",
    "status_date": "status_date", "日期": "status_date", "状态日期": "status_date",
    "contact": "contact_name", "contact_name": "contact_name", "联系人": "contact_name",
    "phone": "contact_phone", "contact_phone": "contact_phone", "电话": "contact_phone", "联系电话": "contact_phone",
}  # fmt: skip


@dataclass
class ImportReport:
    """What an import did: rows added or updated, and each bad row with its line number and reason."""

    added: int = 0
    updated: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)


def _status_time(raw: str, now: dt.datetime) -> dt.datetime:
    if not raw:
        return now
    day = dt.date.fromisoformat(raw.replace("/", "-")[:10])
    return dt.datetime.combine(day, dt.time(0), tzinfo=LOCAL)


def import_rows(
    session: Session,
    rows: Iterable[Mapping[str, object]],
    *,
    types: Sequence[str],
    now: dt.datetime,
    first_line: int = 2,
) -> ImportReport:
    """Add or update cells from rows keyed by header; bad rows are reported, good ones kept (upsert by name+township)."""
    report = ImportReport()
    for line, raw in enumerate(rows, start=first_line):
        row = {
            HEADERS[k.strip().lower()]: ("" if v is None else str(v).strip())
            for k, v in raw.items()
            if k and k.strip().lower() in HEADERS
        }
        if not any(row.values()):
            continue
        problem = _check(row, types)
        if problem is None:
            try:
                at = _status_time(row.get("status_date", ""), now)
            except ValueError:
                problem = f"日期无法识别：{row.get('status_date')}"
        if problem is not None:
            report.bad.append((line, problem))
            continue
        existing = session.execute(
            select(Cell).where(Cell.name == row["name"], Cell.township == row["township"])
        ).scalar_one_or_none()
        if existing is None:
            session.add(
                Cell(
                    type=row["type"],
                    name=row["name"],
                    township=row["township"],
                    status=row.get("status") or CELL_STATUSES[0],
                    status_at=at,
                    history=[{"status": row.get("status") or CELL_STATUSES[0], "at": at.isoformat()}],
                    contact_name=row.get("contact_name") or None,
                    contact_phone=row.get("contact_phone") or None,
                    created_at=now,
                )
            )
            session.flush()
            report.added += 1
        else:
            existing.type = row["type"]
            existing.contact_name = row.get("contact_name") or existing.contact_name
            existing.contact_phone = row.get("contact_phone") or existing.contact_phone
            if row.get("status") and row["status"] != existing.status:
                set_status(existing, row["status"], at=at)
            report.updated += 1
    return report


def _check(row: Mapping[str, str], types: Sequence[str]) -> str | None:
    for name, label in (("name", "名称"), ("type", "类型"), ("township", "乡镇街道")):
        if not row.get(name):
            return f"缺少{label}"
    if row["type"] not in types:
        return f"未知的细胞类型：{row['type']}（可选：{'、'.join(types)}）"
    if row.get("status") and row["status"] not in CELL_STATUSES:
        return f"未知的状态：{row['status']}（可选：{' → '.join(CELL_STATUSES)}）"
    if len(row["name"]) > 128:
        return "名称过长"
    return None


def set_status(cell: Cell, status: str, *, at: dt.datetime) -> None:
    """Move a cell to a status (申报 → 创建中 → 已命名 → 复核; 复核 may repeat), keeping the dated history."""
    if status not in CELL_STATUSES:
        raise ValueError(f"未知的状态：{status}")
    cell.status, cell.status_at = status, at
    cell.history = [*cell.history, {"status": status, "at": at.isoformat()}]


def list_cells(session: Session) -> list[tuple[Cell, int]]:
    """Every cell with its member count, by township and name."""
    members = select(CellMember.cell_id, func.count().label("n")).group_by(CellMember.cell_id).subquery()
    rows = session.execute(
        select(Cell, func.coalesce(members.c.n, 0))
        .outerjoin(members, members.c.cell_id == Cell.id)
        .order_by(Cell.township, Cell.name)
    ).all()
    return [(cell, int(n)) for cell, n in rows]


def find(session: Session, key: str) -> Cell | None:
    """A cell by id ("12") or exact name."""
    if key.isdigit():
        return session.get(Cell, int(key))
    return session.execute(select(Cell).where(Cell.name == key).limit(1)).scalar_one_or_none()


def join(session: Session, cell: Cell, resident: Resident, *, via: str, now: dt.datetime) -> bool:
    """Add the resident to the cell; False when already a member."""
    exists = session.execute(
        select(CellMember.id).where(CellMember.cell_id == cell.id, CellMember.resident_id == resident.id)
    ).first()
    if exists:
        return False
    try:
        with session.begin_nested():
            session.add(CellMember(cell_id=cell.id, resident_id=resident.id, via=via, joined_at=now))
            session.flush()
    except IntegrityError:
        return False  # joined at the same moment from another worker
    record_event(session, resident, "cell_join", now=now, ref=str(cell.id))
    return True
