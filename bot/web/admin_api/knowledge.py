"""/api/admin: knowledge curation (items, aliases, unanswered questions, FAQ) and the 方案 (plans) uploads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from bot.admin import audit
from bot.admin.accounts import Actor
from bot.archives import ArchiveRefused
from bot.db import transaction, utcnow
from bot.documents import DocxError, docx_text
from bot.web.admin_api.core import RowId
from bot.web.admin_auth import api
from knowledge import curation, plans
from knowledge.answer import CATEGORIES
from knowledge.curation import CurationError
from knowledge.plan_models import PlanDocument

router = APIRouter(prefix="/api/admin", tags=["admin"])
MAX_PLAN_BYTES = 2 * 1024 * 1024


def _factory(request: Request) -> Any:
    return request.app.state.factory


@router.get("/knowledge/items")
def search_items(
    request: Request,
    actor: Annotated[Actor, Depends(api("knowledge"))],
    q: Annotated[str, Query(max_length=32)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    """Catalogue items whose name or alias contains `q`."""
    with transaction(_factory(request)) as session:
        return [v.to_json() for v in curation.search_items(session, q, limit=limit)]


class ItemIn(BaseModel):
    """An item as staff set it."""

    category: str = Field(description="、".join(CATEGORIES))
    aliases: list[str] | None = Field(default=None, max_length=50)
    tip: str | None = Field(default=None, max_length=200)
    rule: str | None = Field(
        default=None, max_length=8000, description="YAML with kinds / conditions / parts, as in local_rules.yaml"
    )


@router.put("/knowledge/items/{name}")
def save_item(
    name: str, body: ItemIn, request: Request, actor: Annotated[Actor, Depends(api("knowledge", True))]
) -> dict[str, Any]:
    """Create or change an item (takes effect in every process on the next message)."""
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            row = curation.save_item(
                session, name, body.category, now=now, aliases=body.aliases, tip=body.tip, rule_yaml=body.rule
            )
            audit.record(session, actor.name, "knowledge.item", row.name, now=now, **body.model_dump(exclude_none=True))
            return curation.view(row).to_json()
    except CurationError as exc:
        raise HTTPException(422, str(exc)) from None


class AliasIn(BaseModel):
    """Another word for an item."""

    alias: str = Field(min_length=1, max_length=32)


@router.post("/knowledge/items/{name}/aliases")
def add_alias(
    name: str, body: AliasIn, request: Request, actor: Annotated[Actor, Depends(api("knowledge", True))]
) -> dict[str, Any]:
    """Add an alias to an item."""
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            row = curation.add_alias(session, name, body.alias, now=now)
            audit.record(session, actor.name, "knowledge.alias", row.name, now=now, alias=body.alias)
            return curation.view(row).to_json()
    except CurationError as exc:
        raise HTTPException(404 if "没有名为" in str(exc) else 422, str(exc)) from None


@router.get("/knowledge/unanswered")
def list_unanswered(
    request: Request,
    actor: Annotated[Actor, Depends(api("knowledge"))],
    include_resolved: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """The unanswered-questions queue, most asked first, with a suggested item word."""
    with transaction(_factory(request)) as session:
        return [
            {
                "id": q.id,
                "text": q.text,
                "example": q.example,
                "count": q.count,
                "last_seen": q.last_seen.isoformat(),
                "resolved": q.resolved,
                "suggested_word": curation.suggest_word(q.text),
            }
            for q in curation.unanswered(session, include_resolved=include_resolved, limit=limit)
        ]


class ResolveIn(BaseModel):
    """Map a queued question to an item (new items need a category), or dismiss it (no item)."""

    item: str | None = Field(default=None, max_length=32)
    alias: str | None = Field(default=None, max_length=32)
    category: str | None = None


@router.post("/knowledge/unanswered/{question_id}/resolve")
def resolve(
    question_id: RowId, body: ResolveIn, request: Request, actor: Annotated[Actor, Depends(api("knowledge", True))]
) -> dict[str, Any]:
    """Close a queued question."""
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            q = curation.resolve_unanswered(
                session, question_id, now=now, item_name=body.item, alias=body.alias, category=body.category
            )
            audit.record(
                session, actor.name, "knowledge.resolve", q.text, now=now, **body.model_dump(exclude_none=True)
            )
            return {"id": q.id, "resolved": q.resolved}
    except CurationError as exc:
        raise HTTPException(404 if "没有这条" in str(exc) else 422, str(exc)) from None


@router.get("/knowledge/faq")
def list_faq(request: Request, actor: Annotated[Actor, Depends(api("knowledge"))]) -> list[dict[str, Any]]:
    """All FAQ entries."""
    with transaction(_factory(request)) as session:
        return [
            {"key": f.key, "title": f.title, "keywords": f.keywords, "answer": f.answer, "source": f.source}
            for f in curation.faqs(session)
        ]


class FaqIn(BaseModel):
    """An FAQ entry: every word of one keyword group must appear in the question."""

    title: str = Field(min_length=1, max_length=128)
    keywords: list[list[str]] = Field(min_length=1, max_length=20)
    answer: str = Field(min_length=1, max_length=2000)


@router.put("/knowledge/faq/{key}")
def save_faq(
    key: str, body: FaqIn, request: Request, actor: Annotated[Actor, Depends(api("knowledge", True))]
) -> dict[str, Any]:
    """Create or change an FAQ entry."""
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            row = curation.save_faq(session, key, body.title, body.keywords, body.answer, now=now)
            audit.record(session, actor.name, "knowledge.faq", row.key, now=now, title=row.title)
            return {"key": row.key, "title": row.title, "keywords": row.keywords, "answer": row.answer}
    except CurationError as exc:
        raise HTTPException(422, str(exc)) from None


@router.delete("/knowledge/faq/{key}", status_code=204)
def delete_faq(key: str, request: Request, actor: Annotated[Actor, Depends(api("knowledge", True))]) -> Response:
    """Remove an FAQ entry."""
    with transaction(_factory(request)) as session:
        if not curation.delete_faq(session, key):
            raise HTTPException(404, f"没有编号为 {key} 的常见问题")
        audit.record(session, actor.name, "knowledge.faq_delete", key, now=utcnow())
    return Response(status_code=204)


# -- the 方案 ---------------------------------------------------------------------------------------------------------


@router.get("/plans")
def list_plans(request: Request, actor: Annotated[Actor, Depends(api("knowledge"))]) -> list[dict[str, Any]]:
    """The ingested plan documents."""
    with transaction(_factory(request)) as session:
        return [
            {
                "id": d.id,
                "city": d.city,
                "title": d.title,
                "doc_no": d.doc_no,
                "source_name": d.source_name,
                "ingested_at": d.ingested_at.isoformat(),
            }
            for d in session.scalars(select(PlanDocument).order_by(PlanDocument.id))
        ]


@router.get("/plans/targets")
def plan_targets(
    request: Request,
    actor: Annotated[Actor, Depends(api("knowledge"))],
    city: str | None = None,
    unit: str | None = None,
) -> list[dict[str, Any]]:
    """Dated targets, optionally for one city or responsible unit."""
    with transaction(_factory(request)) as session:
        return [plans.target_json(t) for t in plans.list_targets(session, city=city, unit=unit)]


@router.get("/plans/tasks")
def plan_tasks(
    request: Request,
    actor: Annotated[Actor, Depends(api("knowledge"))],
    city: str | None = None,
    unit: str | None = None,
) -> list[dict[str, Any]]:
    """Tasks with their lead and responsible units."""
    with transaction(_factory(request)) as session:
        return [plans.task_json(t) for t in plans.list_tasks(session, city=city, unit=unit)]


@router.post("/plans", status_code=201)
async def upload_plan(
    request: Request,
    file: UploadFile,
    actor: Annotated[Actor, Depends(api("knowledge", True))],
    city: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    """Ingest a 方案 (.txt in UTF-8 or .docx); replaces an earlier version of the same document."""
    data = await file.read(MAX_PLAN_BYTES + 1)
    name = file.filename or "upload.txt"
    report = ingest_upload(request, data, name, city, actor)
    return {
        "document_id": report.document_id,
        "title": report.title,
        "city": report.city,
        "sections": report.sections,
        "tasks": report.tasks,
        "targets": report.targets,
        "unparsed": len(report.unparsed),
        "summary": report.summary(),
    }


def ingest_upload(request: Request, data: bytes, name: str, city: str | None, actor: Actor) -> plans.IngestReport:
    """Decode an uploaded plan and ingest it; 413/415/422 with a reason when it cannot be read."""
    if len(data) > MAX_PLAN_BYTES:
        raise HTTPException(413, f"文件过大（上限 {MAX_PLAN_BYTES // 1024 // 1024} MB）")
    try:
        text = docx_text(data) if name.lower().endswith(".docx") else data.decode("utf-8-sig")
    except (UnicodeDecodeError, DocxError):
        raise HTTPException(415, "无法读取：请上传 UTF-8 编码的 .txt 或 Word 的 .docx 文件") from None
    except ArchiveRefused as exc:  # a zip bomb: refused before python-docx inflated it
        raise HTTPException(422, f"{name[:80]}: {exc}") from None
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            report = plans.ingest(session, text=text, source_name=name[:256], city=city or None, now=now)
            audit.record(session, actor.name, "plans.ingest", report.title, now=now, source=name, city=report.city)
    except plans.PlanFormatError as exc:
        raise HTTPException(422, str(exc)) from None
    return report
