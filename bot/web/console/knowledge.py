"""/admin: knowledge curation (unanswered questions, items, FAQ) and the 方案 (plans) uploads."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from bot.admin import audit
from bot.db import transaction, utcnow
from bot.web.admin_api import knowledge as admin_api
from bot.web.admin_api.core import RowId
from bot.web.admin_auth import (
    ConsoleUser,
    console,
)
from bot.web.console.pages import back, messages, render
from knowledge import curation, plans
from knowledge.answer import CATEGORIES
from knowledge.curation import SOURCE_NAMES, CurationError
from knowledge.plan_models import PlanDocument

router = APIRouter(prefix="/admin", include_in_schema=False)


def _factory(request: Request) -> Any:
    return request.app.state.factory


@router.get("/knowledge", response_class=HTMLResponse)
def knowledge_page(
    request: Request, user: Annotated[ConsoleUser, Depends(console("knowledge"))], q: str = ""
) -> Response:
    """Search the catalogue and work the unanswered queue."""
    q = q[:32]
    with transaction(_factory(request)) as session:
        items = curation.search_items(session, q) if q else []
        queue = curation.unanswered(session, limit=100)
        rows = [{"id": r.id, "text": r.text, "example": r.example, "count": r.count} for r in queue]
    return render(
        request,
        "knowledge.html",
        user,
        "knowledge",
        q=q,
        items=items,
        queue=rows,
        suggestions={r["id"]: curation.suggest_word(str(r["text"])) for r in rows},
        categories=CATEGORIES,
        source_names=SOURCE_NAMES,
        can_write=user.can("knowledge", True),
        common_items=[],
        **messages(request),
    )


@router.post("/knowledge/unanswered/{question_id}")
def resolve_question(
    question_id: RowId,
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("knowledge", True))],
    action: Annotated[str, Form()] = "map",
    item: Annotated[str, Form(max_length=32)] = "",
    alias: Annotated[str, Form(max_length=32)] = "",
    category: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Map a queued question to an item (adding the resident's word as an alias), or dismiss it."""
    now = utcnow()
    if action == "map" and not item.strip():
        return back("/admin/knowledge#queue", error="请填写要归入的物品名")
    try:
        with transaction(_factory(request)) as session:
            q = curation.resolve_unanswered(
                session,
                question_id,
                now=now,
                item_name=item.strip() if action == "map" else None,
                alias=alias.strip() or None,
                category=category or None,
            )
            audit.record(session, user.actor.name, "knowledge.resolve", q.text, now=now, item=item, alias=alias)
    except CurationError as exc:
        return back("/admin/knowledge#queue", error=str(exc))
    done = f"已把“{alias or q.text}”归入“{item}”，小助手马上就能回答" if action == "map" else "已忽略"
    return back("/admin/knowledge", ok=done)


@router.get("/knowledge/items/{name}", response_class=HTMLResponse)
def item_page(
    name: str, request: Request, user: Annotated[ConsoleUser, Depends(console("knowledge", True))]
) -> Response:
    """Edit (or create) one item."""
    with transaction(_factory(request)) as session:
        row = curation.get_item(session, name)
        item = curation.view(row) if row is not None else None
    return render(
        request,
        "item.html",
        user,
        "knowledge",
        name=name[:32],
        item=item,
        categories=CATEGORIES,
        source_names=SOURCE_NAMES,
        **messages(request),
    )


@router.post("/knowledge/items/{name}")
def save_item(
    name: str,
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("knowledge", True))],
    category: Annotated[str, Form(max_length=16)],
    aliases: Annotated[str, Form(max_length=2000)] = "",
    tip: Annotated[str, Form(max_length=200)] = "",
    rule: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """Save an item."""
    now = utcnow()
    words = [w.strip() for w in aliases.replace("、", "\n").replace(",", "\n").splitlines() if w.strip()]
    try:
        with transaction(_factory(request)) as session:
            row = curation.save_item(session, name, category, now=now, aliases=words, tip=tip, rule_yaml=rule)
            audit.record(
                session, user.actor.name, "knowledge.item", row.name, now=now, category=category, aliases=words
            )
    except CurationError as exc:
        return back(f"/admin/knowledge/items/{quote(name)}", error=str(exc))
    return back(f"/admin/knowledge?q={quote(row.name)}", ok=f"已保存“{row.name}”")


@router.get("/knowledge/faq", response_class=HTMLResponse)
def faq_page(
    request: Request, user: Annotated[ConsoleUser, Depends(console("knowledge"))], edit: str | None = None
) -> Response:
    """FAQ entries, with an edit form."""
    with transaction(_factory(request)) as session:
        rows = [
            {"key": f.key, "title": f.title, "keywords": f.keywords, "answer": f.answer} for f in curation.faqs(session)
        ]
    current = next((r for r in rows if r["key"] == edit), None)
    return render(
        request,
        "faq.html",
        user,
        "knowledge",
        faqs=rows,
        edit=current,
        can_write=user.can("knowledge", True),
        **messages(request),
    )


@router.post("/knowledge/faq")
def save_faq(
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("knowledge", True))],
    key: Annotated[str, Form(max_length=64)],
    title: Annotated[str, Form(max_length=128)],
    keywords: Annotated[str, Form(max_length=2000)],
    answer: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Save an FAQ entry."""
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            row = curation.save_faq(session, key, title, curation.parse_keywords(keywords), answer, now=now)
            audit.record(session, user.actor.name, "knowledge.faq", row.key, now=now, title=row.title)
    except CurationError as exc:
        return back("/admin/knowledge/faq", error=str(exc))
    return back("/admin/knowledge/faq", ok=f"已保存常见问题“{title}”")


@router.post("/knowledge/faq/{key}/delete")
def delete_faq(
    key: str, request: Request, user: Annotated[ConsoleUser, Depends(console("knowledge", True))]
) -> Response:
    """Delete an FAQ entry."""
    with transaction(_factory(request)) as session:
        found = curation.delete_faq(session, key)
        if found:
            audit.record(session, user.actor.name, "knowledge.faq_delete", key, now=utcnow())
    return back("/admin/knowledge/faq", ok="已删除" if found else None, error=None if found else "没有这条常见问题")


# -- the 方案 ---------------------------------------------------------------------------------------------------------


@router.get("/plans", response_class=HTMLResponse)
def plans_page(
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("knowledge"))],
    city: str = "",
    unit: str = "",
) -> Response:
    """The ingested plans: documents, targets and tasks, filtered by city and unit."""
    with transaction(_factory(request)) as session:
        documents = list(session.scalars(select(PlanDocument).order_by(PlanDocument.id)))
        cities = sorted({d.city for d in documents if d.city})
        targets = [plans.target_json(t) for t in plans.list_targets(session, city=city or None, unit=unit or None)]
        tasks = [plans.task_json(t) for t in plans.list_tasks(session, city=city or None, unit=unit or None)]
        docs = [
            {
                "city": d.city,
                "title": d.title,
                "doc_no": d.doc_no,
                "source_name": d.source_name,
                "ingested_at": d.ingested_at,
            }
            for d in documents
        ]
    return render(
        request,
        "plans.html",
        user,
        "plans",
        documents=docs,
        cities=cities,
        city=city,
        unit=unit,
        targets=targets,
        tasks=tasks,
        can_write=user.can("knowledge", True),
        **messages(request),
    )


@router.post("/plans/upload")
async def upload_plan(
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("knowledge", True))],
    file: UploadFile,
    city: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Ingest an uploaded plan."""
    data = await file.read(admin_api.MAX_PLAN_BYTES + 1)
    try:
        report = admin_api.ingest_upload(request, data, file.filename or "upload.txt", city or None, user.actor)
    except HTTPException as exc:
        return back("/admin/plans", error=str(exc.detail))
    return back("/admin/plans", ok=report.summary())
