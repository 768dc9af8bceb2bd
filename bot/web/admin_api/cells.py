"""/api/admin: 无废细胞 (cells): create, import, status, members, rosters and QR codes."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.admin import audit
from bot.admin.accounts import Actor
from bot.db import transaction, utcnow
from bot.documents import read_table
from bot.web.admin_api.campaigns import local_time
from bot.web.admin_api.core import Offset, RowId
from bot.web.admin_auth import api
from campaigns import cells, roster
from campaigns.cells import ImportReport
from campaigns.models import Cell, CellMember, ChannelIdentity, Resident
from campaigns.texts import CELL_STATUSES

router = APIRouter(prefix="/api/admin", tags=["admin: 宣传活动与无废细胞"])
MAX_IMPORT_BYTES = 5 * 1024 * 1024
VIA_NAMES = {"qr": "扫码", "link": "链接", "chat": "聊天指令", "import": "导入"}


def _factory(request: Request) -> Any:
    return request.app.state.factory


def cell_json(cell: Cell, members: int | None = None) -> dict[str, Any]:
    """A cell as JSON."""
    return {
        "id": cell.id,
        "type": cell.type,
        "name": cell.name,
        "township": cell.township,
        "status": cell.status,
        "status_at": cell.status_at.isoformat(),
        "history": list(cell.history or []),
        "contact_name": cell.contact_name,
        "contact_phone": cell.contact_phone,
        "scene": f"cell_{cell.id}",
        "created_at": cell.created_at.isoformat(),
        **({"members": members} if members is not None else {}),
    }


def get_cell(session: Session, cell_id: int) -> Cell:
    """The cell, or HTTP 404."""
    cell = session.get(Cell, cell_id)
    if cell is None:
        raise HTTPException(404, f"没有编号为 {cell_id} 的无废细胞")
    return cell


def member_count(session: Session, cell_id: int) -> int:
    """How many residents joined the cell."""
    return int(session.execute(select(func.count()).where(CellMember.cell_id == cell_id)).scalar_one())


@router.get("/cells")
def list_cells(request: Request, actor: Annotated[Actor, Depends(api("cells"))]) -> list[dict[str, Any]]:
    """Every cell with its status and member count, by township and name."""
    with transaction(_factory(request)) as session:
        return [cell_json(c, n) for c, n in cells.list_cells(session)]


class CellIn(BaseModel):
    """A new 无废细胞."""

    type: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=128)
    township: str = Field(min_length=1, max_length=64)
    status: str | None = Field(default=None, description=" → ".join(CELL_STATUSES))
    contact_name: str | None = Field(default=None, max_length=64)
    contact_phone: str | None = Field(default=None, max_length=32)


def create_cell(request: Request, session: Session, body: CellIn, *, now: dt.datetime) -> Cell:
    """Add one cell (checked like an imported row); HTTP 409 when it exists, 422 when a field is wrong."""
    name, township = body.name.strip(), body.township.strip()
    exists = session.execute(select(Cell.id).where(Cell.name == name, Cell.township == township)).first()
    if exists:
        raise HTTPException(409, f"{township}已有名为“{name}”的无废细胞（编号 {exists[0]}）")
    row = {"类型": body.type, "名称": name, "乡镇街道": township, "状态": body.status or ""}
    row |= {"联系人": body.contact_name or "", "电话": body.contact_phone or ""}
    report = cells.import_rows(session, [row], types=request.app.state.settings.campaigns.cell_types, now=now)
    if report.bad:
        raise HTTPException(422, report.bad[0][1])
    return session.execute(select(Cell).where(Cell.name == name, Cell.township == township)).scalar_one()


@router.post("/cells", status_code=201)
def create_cell_route(
    body: CellIn, request: Request, actor: Annotated[Actor, Depends(api("cells", True))]
) -> dict[str, Any]:
    """Create a cell (status 申报 unless given)."""
    now = utcnow()
    with transaction(_factory(request)) as session:
        cell = create_cell(request, session, body, now=now)
        audit.record(session, actor.name, "cell.create", cell.name, now=now, id=cell.id, township=cell.township)
        return cell_json(cell, 0)


def import_roster(request: Request, cell_id: int, data: bytes, filename: str, actor: Actor) -> roster.RosterReport:
    """Import a cell's resident list (bad rows reported, good rows kept); 404/413/415/422 as for cells."""
    if len(data) > MAX_IMPORT_BYTES:
        raise HTTPException(413, f"文件过大（上限 {MAX_IMPORT_BYTES // 1024 // 1024} MB）")
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise HTTPException(415, "只支持 .csv 和 .xlsx 文件")
    now = utcnow()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            with transaction(_factory(request)) as session:
                cell = get_cell(session, cell_id)
                report = roster.import_rows(session, read_table(path), cell=cell, now=now)
                audit.record(
                    session, actor.name, "cell.roster_import", cell.name, now=now, id=cell.id,
                    added=report.added, updated=report.updated, bad=len(report.bad),
                )  # fmt: skip
        except ValueError as exc:  # unreadable file: nothing is kept
            raise HTTPException(422, str(exc) or "无法读取文件") from None
    return report


def import_cells(request: Request, data: bytes, filename: str, actor: Actor) -> ImportReport:
    """Import an uploaded CSV/XLSX (bad rows reported, good rows kept); 413/415/422 when the file cannot be read."""
    if len(data) > MAX_IMPORT_BYTES:
        raise HTTPException(413, f"文件过大（上限 {MAX_IMPORT_BYTES // 1024 // 1024} MB）")
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise HTTPException(415, "只支持 .csv 和 .xlsx 文件")
    now = utcnow()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            with transaction(_factory(request)) as session:
                report = cells.import_rows(
                    session, read_table(path), types=request.app.state.settings.campaigns.cell_types, now=now
                )
                audit.record(
                    session, actor.name, "cell.import", filename[:128], now=now,
                    added=report.added, updated=report.updated, bad=len(report.bad),
                )  # fmt: skip
        except ValueError as exc:  # unreadable file: nothing is kept
            raise HTTPException(422, str(exc) or "无法读取文件") from None
    return report


def import_summary(report: ImportReport) -> str:
    """ "新增 3 个，更新 1 个，有问题的行 1 个：第 4 行：缺少名称"."""
    text = f"新增 {report.added} 个，更新 {report.updated} 个，有问题的行 {len(report.bad)} 个"
    if report.bad:
        text += "：" + "；".join(f"第 {n} 行：{r}" for n, r in report.bad[:20])
        text += "……" if len(report.bad) > 20 else ""
    return text


@router.post("/cells/import")
async def import_route(
    request: Request, file: UploadFile, actor: Annotated[Actor, Depends(api("cells", True))]
) -> dict[str, Any]:
    """Import cells from CSV/XLSX (列：类型、名称、乡镇街道、状态、日期、联系人、电话); upsert by name + township."""
    data = await file.read(MAX_IMPORT_BYTES + 1)
    report = import_cells(request, data, file.filename or "upload.csv", actor)
    return {
        "added": report.added,
        "updated": report.updated,
        "bad": [{"line": n, "reason": r} for n, r in report.bad],
        "summary": import_summary(report),
    }


@router.get("/cells/{cell_id}")
def show_cell(cell_id: RowId, request: Request, actor: Annotated[Actor, Depends(api("cells"))]) -> dict[str, Any]:
    """One cell with its status history and member count."""
    with transaction(_factory(request)) as session:
        cell = get_cell(session, cell_id)
        return cell_json(cell, member_count(session, cell.id))


class CellStatusIn(BaseModel):
    """A cell's new status."""

    status: str = Field(description=" → ".join(CELL_STATUSES))


def change_cell_status(session: Session, cell: Cell, status: str, *, now: dt.datetime) -> None:
    """Move a cell to a status; HTTP 422 for an unknown one."""
    if status not in CELL_STATUSES:
        raise HTTPException(422, f"未知的状态：{status}（可选：{' → '.join(CELL_STATUSES)}）")
    cells.set_status(cell, status, at=now)


@router.post("/cells/{cell_id}/status")
def cell_status(
    cell_id: RowId, body: CellStatusIn, request: Request, actor: Annotated[Actor, Depends(api("cells", True))]
) -> dict[str, Any]:
    """Change a cell's status (申报 → 创建中 → 已命名 → 复核); the dated history keeps every change."""
    now = utcnow()
    with transaction(_factory(request)) as session:
        cell = get_cell(session, cell_id)
        before = cell.status
        change_cell_status(session, cell, body.status.strip(), now=now)
        audit.record(
            session, actor.name, "cell.status", cell.name, now=now, id=cell.id, before=before, after=cell.status
        )
        return cell_json(cell, member_count(session, cell.id))


def members(session: Session, cell_id: int, *, offset: int, limit: int) -> list[dict[str, Any]]:
    """A page of a cell's members, newest first, with their channels (names only) and push consent."""
    found = session.execute(
        select(CellMember, Resident)
        .join(Resident, Resident.id == CellMember.resident_id)
        .where(CellMember.cell_id == cell_id)
        .order_by(CellMember.joined_at.desc(), CellMember.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [r.id for _, r in found]
    channels: dict[int, list[str]] = {}
    if ids:
        for rid, channel in session.execute(
            select(ChannelIdentity.resident_id, ChannelIdentity.channel)
            .where(ChannelIdentity.resident_id.in_(ids))
            .order_by(ChannelIdentity.id)
        ).all():
            channels.setdefault(rid, []).append(channel)
    return [
        {
            "resident_id": r.id,
            "township": r.township,
            "community": r.community,
            "via": m.via,
            "via_name": VIA_NAMES.get(m.via, m.via),
            "joined_at": m.joined_at.isoformat(),
            "joined_local": local_time(m.joined_at),
            "channels": channels.get(r.id, []),
            "push_consent": r.push_consent,
            "status": r.status,
        }
        for m, r in found
    ]


@router.get("/cells/{cell_id}/members")
def cell_members(
    cell_id: RowId,
    request: Request,
    actor: Annotated[Actor, Depends(api("cells"))],
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The cell's members, newest first."""
    with transaction(_factory(request)) as session:
        get_cell(session, cell_id)
        return {
            "total": member_count(session, cell_id),
            "rows": members(session, cell_id, offset=offset, limit=limit),
        }


@router.get("/cells/{cell_id}/roster")
def cell_roster(
    cell_id: RowId,
    request: Request,
    actor: Annotated[Actor, Depends(api("cells"))],
    state: Annotated[str, Query(pattern="^(|joined|not_joined|unknown)$")] = "",
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The cell's resident list (names masked): counts, and a page of rows with joined / not_joined / unknown."""
    with transaction(_factory(request)) as session:
        get_cell(session, cell_id)
        counts = roster.summary(session, cell_id)
        return {**counts, "rows": roster.entries(session, cell_id, state=state, offset=max(0, offset), limit=limit)}


@router.post("/cells/{cell_id}/roster")
async def cell_roster_import(
    cell_id: RowId, request: Request, file: UploadFile, actor: Annotated[Actor, Depends(api("cells", True))]
) -> dict[str, Any]:
    """Import the cell's resident list from CSV/XLSX (列：姓名、细胞编号、渠道、渠道账号); bad rows by line."""
    data = await file.read(MAX_IMPORT_BYTES + 1)
    report = import_roster(request, cell_id, data, file.filename or "upload.csv", actor)
    return {"added": report.added, "updated": report.updated, "bad": [{"line": n, "reason": r} for n, r in report.bad]}


def join_info(request: Request, session: Session, cell: Cell) -> dict[str, Any]:
    """How residents join the cell: the scene, the chat command, Telegram's /start payload, a stored WeChat code."""
    from bot.channels.wechat_models import WechatQrcode

    settings = request.app.state.settings
    scene = f"cell_{cell.id}"
    code = session.execute(
        select(WechatQrcode)
        .where(WechatQrcode.scene == scene, WechatQrcode.permanent.is_(True))
        .order_by(WechatQrcode.id)
        .limit(1)
    ).scalar_one_or_none()
    wechat = None
    if code is not None:
        image = settings.wechat.qrcode_image_url
        wechat = {"ticket": code.ticket, "url": code.url, "image_url": f"{image}?ticket={_quote(code.ticket)}"}
    return {
        "cell": cell_json(cell),
        "scene": scene,
        "chat_command": f"加入无废细胞 {cell.id}",
        "telegram_start": f"/start {scene}",
        "wechat_configured": bool(settings.wechat.app_id and settings.wechat.app_secret.get_secret_value()),
        "wechat": wechat,
    }


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


@router.get("/cells/{cell_id}/qrcode")
def cell_qrcode(cell_id: RowId, request: Request, actor: Annotated[Actor, Depends(api("cells"))]) -> dict[str, Any]:
    """How to join the cell, with its permanent WeChat QR code once one was created (POST the same path)."""
    with transaction(_factory(request)) as session:
        return join_info(request, session, get_cell(session, cell_id))


def create_qrcode(request: Request, cell_id: int, actor: Actor) -> dict[str, Any]:
    """Create (or reuse) the cell's permanent WeChat QR code; 409 without WeChat credentials, 502 when WeChat fails."""
    import requests
    from wechatpy.exceptions import WeChatClientException

    from bot.channels import wechat_admin

    settings = request.app.state.settings
    with transaction(_factory(request)) as session:
        get_cell(session, cell_id)
    client = wechat_admin.client_for(settings.wechat)
    if client is None:
        raise HTTPException(409, "未配置微信公众号（WUFEI_WECHAT__APP_ID 与 APP_SECRET），无法生成微信二维码")
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            cell = get_cell(session, cell_id)
            wechat_admin.qrcode(session, client, scene=f"cell_{cell.id}", expire_seconds=None, now=now)
            audit.record(session, actor.name, "cell.qrcode", cell.name, now=now, id=cell.id)
    except WeChatClientException as exc:
        raise HTTPException(502, f"微信接口返回错误：{exc.errcode} {str(exc.errmsg or '')[:100]}") from None
    except requests.RequestException as exc:
        raise HTTPException(502, f"连接微信接口失败：{type(exc).__name__}") from None
    with transaction(_factory(request)) as session:
        return join_info(request, session, get_cell(session, cell_id))


@router.post("/cells/{cell_id}/qrcode")
def cell_qrcode_create(
    cell_id: RowId, request: Request, actor: Annotated[Actor, Depends(api("cells", True))]
) -> dict[str, Any]:
    """Create the cell's permanent WeChat QR code (reused when it exists)."""
    return create_qrcode(request, cell_id, actor)
