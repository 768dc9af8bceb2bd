"""/admin/cells: the console pages for 无废细胞 (on top of bot.web.admin_api.cells)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from bot.admin import audit
from bot.db import transaction, utcnow
from bot.web.admin_api import campaigns as core
from bot.web.admin_api import cells as cells_api
from bot.web.admin_api.core import Offset, RowId
from bot.web.admin_auth import ConsoleUser, console
from bot.web.console.pages import add_nav, back, messages, render
from campaigns import cells, roster
from campaigns.texts import CELL_STATUSES

router = APIRouter(prefix="/admin", include_in_schema=False)
add_nav("cells", "无废细胞", "/admin/cells", "cells")  # after 宣传活动: bot.web.app imports campaigns first
MEMBERS_PAGE = 100
ROSTER_PAGE = 500
CellsRead = Annotated[ConsoleUser, Depends(console("cells"))]
CellsWrite = Annotated[ConsoleUser, Depends(console("cells", True))]


def _factory(request: Request) -> Any:
    return request.app.state.factory


@router.get("/cells", response_class=HTMLResponse)
def cells_page(request: Request, user: CellsRead, township: str = "", status: str = "", type: str = "") -> Response:
    """无废细胞: the list (filtered by township, status, type), create and import."""
    with transaction(_factory(request)) as session:
        every = [cells_api.cell_json(c, n) for c, n in cells.list_cells(session)]
    rows = [
        c
        for c in every
        if (not township or c["township"] == township)
        and (not status or c["status"] == status)
        and (not type or c["type"] == type)
    ]
    for row in rows:
        row["status_local"] = core.local_time(row["status_at"])[:10]
    counts = {s: sum(1 for c in every if c["status"] == s) for s in CELL_STATUSES}
    return render(
        request,
        "cells.html",
        user,
        "cells",
        cells=rows,
        total=len(every),
        counts=counts,
        townships=sorted({c["township"] for c in every}),
        township=township,
        status_filter=status,
        type=type,
        statuses=CELL_STATUSES,
        types=request.app.state.settings.campaigns.cell_types,
        can_write=user.can("cells", True),
        **messages(request),
    )


@router.post("/cells")
def create_cell(
    request: Request,
    user: CellsWrite,
    type: Annotated[str, Form(max_length=16)] = "",
    name: Annotated[str, Form(max_length=128)] = "",
    township: Annotated[str, Form(max_length=64)] = "",
    status: Annotated[str, Form(max_length=16)] = "",
    contact_name: Annotated[str, Form(max_length=64)] = "",
    contact_phone: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Add one cell."""
    now = utcnow()
    try:
        body = cells_api.CellIn(
            type=type,
            name=name,
            township=township,
            status=status or None,
            contact_name=contact_name or None,
            contact_phone=contact_phone or None,
        )
    except ValidationError:
        return back("/admin/cells", error="请填写细胞的类型、名称和乡镇（街道）")
    try:
        with transaction(_factory(request)) as session:
            cell = cells_api.create_cell(request, session, body, now=now)
            audit.record(
                session, user.actor.name, "cell.create", cell.name, now=now, id=cell.id, township=cell.township
            )
            cell_id, cell_name = cell.id, cell.name
    except HTTPException as exc:
        return back("/admin/cells", error=str(exc.detail))
    return back(f"/admin/cells/{cell_id}", ok=f"已添加无废细胞“{cell_name}”")


@router.post("/cells/import")
async def import_cells(request: Request, user: CellsWrite, file: UploadFile) -> Response:
    """Import cells from an uploaded CSV/XLSX; the message lists the bad rows by line."""
    data = await file.read(cells_api.MAX_IMPORT_BYTES + 1)
    try:
        report = cells_api.import_cells(request, data, file.filename or "upload.csv", user.actor)
    except HTTPException as exc:
        return back("/admin/cells", error=str(exc.detail))
    summary = "导入完成：" + cells_api.import_summary(report)
    return back("/admin/cells", error=summary) if report.bad else back("/admin/cells", ok=summary)


@router.get("/cells/{cell_id}", response_class=HTMLResponse)
def cell_page(
    cell_id: RowId, request: Request, user: CellsRead, offset: Offset = 0, roster_state: str = ""
) -> Response:
    """One cell: details, status history, status change, members (paged), the resident list (joined or not)."""
    offset = max(0, offset)
    roster_state = roster_state if roster_state in roster.STATE_NAMES else ""
    with transaction(_factory(request)) as session:
        cell = cells_api.get_cell(session, cell_id)
        total = cells_api.member_count(session, cell.id)
        info = cells_api.cell_json(cell, total)
        member_rows = cells_api.members(session, cell.id, offset=offset, limit=MEMBERS_PAGE)
        roster_counts = roster.summary(session, cell.id)
        roster_rows = roster.entries(session, cell.id, state=roster_state, limit=ROSTER_PAGE)
    history = [{"status": h.get("status"), "at": core.local_time(h.get("at"))} for h in info["history"]]
    position = CELL_STATUSES.index(info["status"]) if info["status"] in CELL_STATUSES else -1
    next_status = CELL_STATUSES[position + 1] if 0 <= position < len(CELL_STATUSES) - 1 else None
    return render(
        request,
        "cell.html",
        user,
        "cells",
        cell=info,
        history=history,
        members=member_rows,
        offset=offset,
        page=MEMBERS_PAGE,
        channel_names=core.CHANNEL_NAMES,
        statuses=CELL_STATUSES,
        next_status=next_status,
        roster=roster_counts,
        roster_rows=roster_rows,
        roster_state=roster_state,
        roster_states=roster.STATE_NAMES,
        roster_page=ROSTER_PAGE,
        can_write=user.can("cells", True),
        **messages(request),
    )


@router.post("/cells/{cell_id}/roster/clear")
def clear_roster(cell_id: RowId, request: Request, user: CellsWrite) -> Response:
    """Delete the cell's resident list (audited)."""
    now = utcnow()
    with transaction(_factory(request)) as session:
        cell = cells_api.get_cell(session, cell_id)
        n = roster.clear(session, cell.id)
        audit.record(session, user.actor.name, "cell.roster_clear", cell.name, now=now, id=cell.id, removed=n)
    return back(f"/admin/cells/{cell_id}", ok=f"已删除居民名单（{n} 人）")


@router.post("/cells/{cell_id}/roster")
async def import_roster(cell_id: RowId, request: Request, user: CellsWrite, file: UploadFile) -> Response:
    """Import the cell's resident list from an uploaded CSV/XLSX; the message lists the bad rows by line."""
    path = f"/admin/cells/{cell_id}"
    data = await file.read(cells_api.MAX_IMPORT_BYTES + 1)
    try:
        report = cells_api.import_roster(request, cell_id, data, file.filename or "upload.csv", user.actor)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return back(path, error=str(exc.detail))
    summary = f"名单导入完成：新增 {report.added} 人，已在名单上 {report.updated} 人"
    if report.bad:
        shown = "；".join(f"第 {n} 行：{r}" for n, r in report.bad[:10])
        more = f"（另有 {len(report.bad) - 10} 行）" if len(report.bad) > 10 else ""
        return back(path, error=f"{summary}，有问题的行 {len(report.bad)} 个：{shown}{more}")
    return back(path, ok=summary)


@router.post("/cells/{cell_id}/status")
def cell_status(
    cell_id: RowId, request: Request, user: CellsWrite, status: Annotated[str, Form(max_length=16)] = ""
) -> Response:
    """Move a cell to a status."""
    path = f"/admin/cells/{cell_id}"
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            cell = cells_api.get_cell(session, cell_id)
            before = cell.status
            cells_api.change_cell_status(session, cell, status.strip(), now=now)
            audit.record(
                session, user.actor.name, "cell.status", cell.name, now=now, id=cell.id, before=before,
                after=cell.status,
            )  # fmt: skip
            name = cell.name
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return back(path, error=str(exc.detail))
    return back(path, ok=f"“{name}”的状态已改为：{status.strip()}")


@router.get("/cells/{cell_id}/print", response_class=HTMLResponse)
def cell_print(cell_id: RowId, request: Request, user: CellsRead) -> Response:
    """A printable sheet: the WeChat QR code (when created) and the other ways to join the cell."""
    with transaction(_factory(request)) as session:
        info = cells_api.join_info(request, session, cells_api.get_cell(session, cell_id))
    return render(
        request,
        "cell_print.html",
        user,
        "cells",
        j=info,
        cell=info["cell"],
        can_write=user.can("cells", True),
        **messages(request),
    )


@router.post("/cells/{cell_id}/qrcode")
def cell_qrcode(cell_id: RowId, request: Request, user: CellsWrite) -> Response:
    """Create the cell's permanent WeChat QR code and come back to the print view."""
    path = f"/admin/cells/{cell_id}/print"
    try:
        cells_api.create_qrcode(request, cell_id, user.actor)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return back(path, error=str(exc.detail))
    return back(path, ok="已生成微信二维码（永久有效，扫码即加入本细胞）")
