"""/admin/residents: find a resident, see their channel accounts, cells, consent and activity; merge two residents
(after a confirm page showing both) or split one channel account off. Residents' data is personal: only the roles
that may read 人工客服 conversations see it, and every search, view, merge and split is audited. The work is done by
`campaigns.directory` and `bot.admin.residents`, the same functions `wufei residents` uses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from bot.admin import audit
from bot.admin import residents as staff_ops
from bot.db import transaction, utcnow
from bot.web.admin_api.core import ID_MAX, RowId
from bot.web.admin_auth import ConsoleUser, console
from bot.web.console.pages import add_nav, back, messages, render
from campaigns import directory
from campaigns.models import ChannelIdentity, Resident
from surveys.keys import resolve_salt

router = APIRouter(prefix="/admin", include_in_schema=False)
add_nav("residents", "居民", "/admin/residents", "conversations")  # personal data: the roles that read conversations
ResidentsRead = Annotated[ConsoleUser, Depends(console("conversations"))]
ResidentsWrite = Annotated[ConsoleUser, Depends(console("conversations", True))]
VIA = "管理后台"


def _factory(request: Request) -> Any:
    return request.app.state.factory


def _mode(request: Request) -> str:
    return str(request.app.state.settings.campaigns.consent)


def _resident(session: Session, who: str, *, label: str = "居民") -> Resident:
    """A resident by number or "渠道:账号"; a Chinese 400/404 otherwise."""
    who = who.strip()
    if not who:
        raise HTTPException(400, f"请填写{label}的编号或“渠道:账号”")
    found = directory.find(session, who)
    if found is None:
        raise HTTPException(404, f"没有找到{label}：{who}（请填写居民编号，或写成 渠道:账号，例如 wechat:o_abc123）")
    return found


@router.get("/residents", response_class=HTMLResponse)
def residents_page(request: Request, user: ResidentsRead, q: Annotated[str, Query(max_length=128)] = "") -> Response:
    """The search form and its results (number, channel account, part of one, or a name on a cell list); audited."""
    q = q.strip()
    cards: list[directory.Card] = []
    with transaction(_factory(request)) as session:
        if q:
            found = directory.search(session, q)
            cards = [directory.card(session, r, consent_mode=_mode(request)) for r in found]
            audit.record(
                session, user.actor.name, "resident.search", q[:64], now=utcnow(), query=q,
                residents=[f"#{c.id}" for c in cards],
            )  # fmt: skip
    return render(
        request, "residents.html", user, "residents", q=q, cards=cards, limit=directory.SEARCH_LIMIT,
        min_fragment=directory.MIN_FRAGMENT, **messages(request),
    )  # fmt: skip


@router.get("/residents/merge", response_class=HTMLResponse)
def merge_confirm(
    request: Request,
    user: ResidentsWrite,
    keep: Annotated[str, Query(max_length=160)] = "",
    drop: Annotated[str, Query(max_length=160)] = "",
) -> Response:
    """The confirm step: both residents side by side, and the button that merges them; audited as a view."""
    with transaction(_factory(request)) as session:
        kept = _resident(session, keep, label="保留的居民")
        dropped = _resident(session, drop, label="并入的居民")
        if kept.id == dropped.id:
            raise HTTPException(400, "这两个是同一位居民，无需合并")
        cards = [directory.card(session, r, consent_mode=_mode(request)) for r in (kept, dropped)]
        audit.record(
            session, user.actor.name, "resident.view", f"#{kept.id}", now=utcnow(), merged=f"#{dropped.id}",
            via="合并确认页",
        )  # fmt: skip
    return render(request, "resident_merge.html", user, "residents", keep=cards[0], drop=cards[1])


@router.post("/residents/merge")
def merge(
    request: Request,
    user: ResidentsWrite,
    keep: Annotated[int, Form(ge=1, le=ID_MAX)],
    drop: Annotated[int, Form(ge=1, le=ID_MAX)],
) -> Response:
    """Merge `drop` into `keep` (history, cells, survey responses, ledger; the stricter consent wins); audited."""
    settings = request.app.state.settings
    salt = resolve_salt(settings.surveys.salt, settings.data_dir)
    with transaction(_factory(request)) as session:
        kept = _resident(session, str(keep), label="保留的居民")
        dropped = _resident(session, str(drop), label="并入的居民")
        try:
            result = staff_ops.merge(session, kept, dropped, actor=user.actor.name, salt=salt, now=utcnow(), via=VIA)
        except staff_ops.ResidentRefused as exc:
            raise HTTPException(400, str(exc)) from exc
    note = f"已把居民 #{drop} 合并到 #{keep}"
    if result.dropped_responses:
        note += f"；两人都答过的问卷只保留较早完成的一份：{'、'.join(result.dropped_responses)}"
    return back(f"/admin/residents/{keep}", ok=note)


@router.get("/residents/{resident_id}", response_class=HTMLResponse)
def resident_page(resident_id: RowId, request: Request, user: ResidentsRead) -> Response:
    """One resident: channel accounts, cells, consent, last activity, survey responses; merge and split; audited."""
    with transaction(_factory(request)) as session:
        resident = _resident(session, str(resident_id))
        card = directory.card(session, resident, consent_mode=_mode(request))
        audit.record(session, user.actor.name, "resident.view", f"#{resident.id}", now=utcnow())
    return render(
        request, "resident.html", user, "residents", c=card, can_write=user.can("conversations", True),
        **messages(request),
    )  # fmt: skip


@router.post("/residents/{resident_id}/split")
def split(
    resident_id: RowId,
    request: Request,
    user: ResidentsWrite,
    identity: Annotated[int, Form(ge=1, le=ID_MAX)],
) -> Response:
    """Move one channel account of this resident to a new resident (profile and consent copied); audited."""
    page = f"/admin/residents/{resident_id}"
    with transaction(_factory(request)) as session:
        row = session.get(ChannelIdentity, identity)
        if row is None or row.resident_id != resident_id:
            raise HTTPException(
                404, f"居民 #{resident_id} 没有编号为 {identity} 的渠道账号（可能已被拆分或合并，请刷新页面）"
            )
        label = f"{row.channel}:{row.external_id}"
        try:
            new = staff_ops.split(session, row, actor=user.actor.name, now=utcnow(), via=VIA)
        except staff_ops.ResidentRefused as exc:
            return back(page, error=str(exc))
        new_id = new.id
    return back(f"/admin/residents/{new_id}", ok=f"已把 {label} 从居民 #{resident_id} 拆分为新居民 #{new_id}")
