"""/admin/segments: saved 人群分组 in the console — list, create, preview (count and a few masked residents), edit.

The rules are typed as the CLI's `--where 字段=值` pairs, one per line, and read by `campaigns.segments.parse_rules`,
so a bad rule gets the same Chinese message as `wufei segments create`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.admin import audit
from bot.db import transaction, utcnow
from bot.web.admin_api import campaigns as core
from bot.web.admin_api import segments as segments_api
from bot.web.admin_api.core import RowId
from bot.web.admin_auth import ConsoleUser, console
from bot.web.console.pages import add_nav, back, messages, render
from campaigns import segments
from campaigns.models import ChannelIdentity, Resident, Segment
from campaigns.texts import RULE_NAMES

router = APIRouter(prefix="/admin", include_in_schema=False)
add_nav("segments", "人群分组", "/admin/segments", "campaigns")
SegmentsRead = Annotated[ConsoleUser, Depends(console("campaigns"))]
SegmentsWrite = Annotated[ConsoleUser, Depends(console("campaigns", True))]
SAMPLE = 5
MAX_LINES = 20
AREA_NAMES = {"urban": "城区", "rural": "农村"}
STATUS_NAMES = {"active": "正常", "stopped": "已退订", "unreachable": "无法送达"}


def _factory(request: Request) -> Any:
    return request.app.state.factory


def mask(external_id: str) -> str:
    """A channel address with its middle hidden ("oAbc…xyz9" → "oA***z9"), enough to tell two apart."""
    if len(external_id) <= 4:
        return external_id[:1] + "***"
    return f"{external_id[:2]}***{external_id[-2:]}"


def preview(request: Request, session: Session, rules: dict[str, Any], *, now: dt.datetime) -> dict[str, Any]:
    """Count, pushable count, unlinked responses and a few masked sample residents for these rules."""
    mode = request.app.state.settings.campaigns.consent
    found = segments.sample(session, rules, now=now, consent_mode=mode, limit=SAMPLE)
    channels: dict[int, list[str]] = {}
    if found:
        for rid, channel, external in session.execute(
            select(ChannelIdentity.resident_id, ChannelIdentity.channel, ChannelIdentity.external_id)
            .where(ChannelIdentity.resident_id.in_([r.id for r in found]))
            .order_by(ChannelIdentity.id)
        ).all():
            channels.setdefault(rid, []).append(f"{core.CHANNEL_NAMES.get(channel, channel)} {mask(external)}")
    return {
        "count": segments.count(session, rules, now=now, consent_mode=mode),
        "reachable": segments.count(
            session, {**rules, "consent": True, "status": "active"}, now=now, consent_mode=mode
        ),
        "unlinked": segments.unlinked_responses(session, rules),
        "samples": [_sample_row(r, channels.get(r.id, [])) for r in found],
    }


def _sample_row(r: Resident, channels: list[str]) -> dict[str, Any]:
    place = " ".join(p for p in (r.city, r.township, r.community) if p)
    return {
        "id": r.id,
        "place": place or "—",
        "area": AREA_NAMES.get(r.area or "", "—"),
        "age_band": r.age_band or "—",
        "status": STATUS_NAMES.get(r.status, r.status),
        "channels": "、".join(channels) or "—",
        "last_seen": core.local_time(r.last_seen_at),
    }


def _rules_of(where: str) -> dict[str, Any]:
    """The textarea (one 字段=值 a line, blank lines ignored) → validated rules; SegmentError with the CLI's message."""
    lines = [line.strip() for line in where.splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise segments.SegmentError(f"条件最多 {MAX_LINES} 条")
    return segments.parse_rules(lines)


def _page(
    request: Request,
    user: ConsoleUser,
    *,
    form: dict[str, str],
    segment: Segment | None = None,
    shown: dict[str, Any] | None = None,
    error: str | None = None,
) -> Response:
    now = utcnow()
    with transaction(_factory(request)) as session:
        rows = segments_api.segment_rows(session, now=now) if segment is None else []
    for row in rows:
        row["lines"] = segments.format_rules(row["rules"])
    return render(
        request,
        "segments.html" if segment is None else "segment.html",
        user,
        "segments",
        status=422 if error else 200,
        segments=rows,
        segment=segment,
        saved_lines=segments.format_rules(segment.rules) if segment is not None else [],
        form=form,
        shown=shown,
        rule_names=RULE_NAMES,
        can_write=user.can("campaigns", True),
        **(messages(request) | ({"error": error, "ok": None} if error else {})),
    )


def _get(session: Session, segment_id: int) -> Segment:
    found = session.get(Segment, segment_id)
    if found is None:
        raise HTTPException(404, f"没有编号为 {segment_id} 的分组")
    session.expunge(found)
    return found


@router.get("/segments", response_class=HTMLResponse)
def segments_page(request: Request, user: SegmentsRead) -> Response:
    """人群分组: the saved segments with their counts now, and the form for a new one."""
    return _page(request, user, form={"name": "", "where": ""})


@router.post("/segments", response_class=HTMLResponse)
def create_segment(
    request: Request,
    user: SegmentsWrite,
    name: Annotated[str, Form(max_length=200)] = "",
    where: Annotated[str, Form(max_length=4000)] = "",
    action: Annotated[str, Form(max_length=16)] = "save",
) -> Response:
    """预览 shows the count and samples without saving; 保存 creates the segment (a taken name is refused)."""
    form = {"name": name, "where": where}
    now = utcnow()
    try:
        rules = _rules_of(where)
    except segments.SegmentError as exc:
        return _page(request, user, form=form, error=str(exc))
    if action == "preview":
        with transaction(_factory(request)) as session:
            shown = preview(request, session, rules, now=now)
        return _page(request, user, form=form, shown=shown)
    name = name.strip()
    if not name or len(name) > 64:
        return _page(request, user, form=form, error="分组名称应为 1–64 个字")
    with transaction(_factory(request)) as session:
        if segments.get(session, name) is not None:
            return _page(request, user, form=form, error=f"已有名为“{name}”的分组，请换个名称，或在该分组的页面上修改")
        segment = segments.save(session, name, rules, now=now)
        audit.record(session, user.actor.name, "segment.save", name, now=now, rules=segment.rules)
        n = segments.count(session, segment.rules, now=now)
        segment_id = segment.id
    return back(f"/admin/segments/{segment_id}", ok=f"已保存分组“{name}”，当前 {n} 人")


@router.get("/segments/{segment_id}", response_class=HTMLResponse)
def segment_page(segment_id: RowId, request: Request, user: SegmentsRead) -> Response:
    """One segment: its rules, the preview (count, pushable, a few masked residents) and the edit form."""
    with transaction(_factory(request)) as session:
        segment = _get(session, segment_id)
        shown = preview(request, session, dict(segment.rules), now=utcnow())
    form = {"name": segment.name, "where": "\n".join(segments.format_rules(segment.rules))}
    return _page(request, user, form=form, segment=segment, shown=shown)


@router.post("/segments/{segment_id}", response_class=HTMLResponse)
def edit_segment(
    segment_id: RowId,
    request: Request,
    user: SegmentsWrite,
    name: Annotated[str, Form(max_length=200)] = "",
    where: Annotated[str, Form(max_length=4000)] = "",
    action: Annotated[str, Form(max_length=16)] = "save",
) -> Response:
    """预览 the edited rules without saving, or 保存 them (and a new name); campaigns keep pointing at the segment."""
    form = {"name": name, "where": where}
    now = utcnow()
    with transaction(_factory(request)) as session:
        segment = _get(session, segment_id)
    try:
        rules = _rules_of(where)
    except segments.SegmentError as exc:
        return _page(request, user, form=form, segment=segment, error=str(exc))
    if action == "preview":
        with transaction(_factory(request)) as session:
            shown = preview(request, session, rules, now=now)
        return _page(request, user, form=form, segment=segment, shown=shown)
    name = name.strip()
    if not name or len(name) > 64:
        return _page(request, user, form=form, segment=segment, error="分组名称应为 1–64 个字")
    with transaction(_factory(request)) as session:
        stored = session.get(Segment, segment_id)
        assert stored is not None
        taken = segments.get(session, name)
        if taken is not None and taken.id != segment_id:
            return _page(request, user, form=form, segment=segment, error=f"已有名为“{name}”的分组，请换个名称")
        before = {"name": stored.name, "rules": dict(stored.rules)}
        stored.name, stored.rules = name, segments.validate(rules)
        detail: dict[str, Any] = {"rules": stored.rules, "before": before["rules"]}
        if before["name"] != name:
            detail["renamed_from"] = before["name"]
        audit.record(session, user.actor.name, "segment.save", name, now=now, **detail)
        n = segments.count(session, stored.rules, now=now)
    return back(f"/admin/segments/{segment_id}", ok=f"已保存分组“{name}”，当前 {n} 人")
