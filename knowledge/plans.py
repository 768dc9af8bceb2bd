"""The 方案 as knowledge: ingest a plan's text into documents, sections, tasks and targets, and query them."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from knowledge.meta import bump_version
from knowledge.plan_models import PlanDocument, PlanSection, PlanTarget, PlanTask
from knowledge.plan_parser import Fragment, parse_plan, render_target

BUNDLED = Path(__file__).with_name("data") / "plans"
UNIT_SHORT_NAMES = Path(__file__).with_name("data") / "unit_short_names.yaml"


def _short_names(path: Path = UNIT_SHORT_NAMES) -> list[tuple[str, str]]:
    """The reviewable (long, short) unit names, in file order."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(str(r["long"]), str(r["short"])) for r in rows]


SHORT_NAMES = _short_names()


def unit_key(name: str) -> str:
    """One spelling for a unit's long and short names: "县供销合作社" and "县供销社" -> "县供销社"."""
    for long, short in SHORT_NAMES:
        if long in name:
            return name.replace(long, short)
    return name


class PlanFormatError(ValueError):
    """The text holds no recognisable plan (no numbered sections and no targets)."""


@dataclass
class IngestReport:
    """What one ingestion stored, and what it could not parse."""

    document_id: int
    title: str
    city: str | None
    source_name: str
    sections: int
    tasks: int
    units: int  # distinct unit names across all tasks
    targets: int
    unparsed: list[Fragment] = field(default_factory=list)
    replaced: int = 0  # earlier versions of the same document removed
    skipped: bool = False  # content unchanged since the last ingestion

    def summary(self) -> str:
        """One line for the console."""
        return (
            f"{self.title}（{self.city or '未知城市'}）：章节 {self.sections}，任务 {self.tasks}，"
            f"单位 {self.units}，目标 {self.targets}，未识别 {len(self.unparsed)}"
        )


def content_hash(text: str) -> str:
    """The SHA-256 of a plan's text (used to skip unchanged bundled plans)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def short_city(city: str | None) -> str:
    """Shorten "新郑市" to "新郑", for comparing city names written either way."""
    city = (city or "").strip()
    return city[:-1] if len(city) > 2 and city[-1] in "市县区" else city


def same_city(a: str | None, b: str | None) -> bool:
    """Whether two city names mean the same city."""
    return bool(a) and bool(b) and short_city(a) == short_city(b)


def delete_document(session: Session, document_id: int) -> None:
    """Remove a document and everything parsed from it."""
    for model in (PlanTarget, PlanTask, PlanSection):
        session.execute(delete(model).where(model.document_id == document_id))
    session.execute(delete(PlanDocument).where(PlanDocument.id == document_id))


def ingest(session: Session, *, text: str, source_name: str, city: str | None = None, now: dt.datetime) -> IngestReport:
    """Parse a plan and store it, replacing an earlier version (same source, same content, or same city and title)."""
    parsed = parse_plan(text, city=city)
    if not parsed.sections and not parsed.targets:
        raise PlanFormatError("没有识别出任何编号章节或目标，这看起来不是一份方案文本")
    digest = content_hash(text)
    clauses = [PlanDocument.source_name == source_name, PlanDocument.content_hash == digest]
    if parsed.city:
        clauses.append((PlanDocument.city == parsed.city) & (PlanDocument.title == parsed.title))
    old_ids = list(session.scalars(select(PlanDocument.id).where(or_(*clauses))))
    for old in old_ids:
        delete_document(session, old)

    doc = PlanDocument(
        city=parsed.city,
        title=parsed.title[:256],
        doc_no=parsed.doc_no,
        issuer=parsed.issuer,
        issued_on=parsed.date,
        source_name=source_name[:256],
        content_hash=digest,
        facts=parsed.facts,
        ingested_at=now,
    )
    session.add(doc)
    session.flush()
    sections: list[PlanSection] = []
    for s in parsed.sections:
        row = PlanSection(
            document_id=doc.id,
            label=s.label[:64],
            level=s.level,
            title=s.title[:256],
            text=s.text,
            position=s.index,
            parent=sections[s.parent] if s.parent is not None else None,
        )
        sections.append(row)
        session.add(row)
    session.flush()
    tasks: list[PlanTask] = []
    for i, t in enumerate(parsed.tasks):
        task = PlanTask(
            document_id=doc.id,
            section_id=sections[t.section].id,
            label=t.label[:64],
            title=t.title[:256],
            text=t.text,
            lead_units=t.lead,
            responsible_units=t.responsible,
            position=i,
        )
        tasks.append(task)
        session.add(task)
    session.flush()
    for i, g in enumerate(parsed.targets):
        session.add(
            PlanTarget(
                document_id=doc.id,
                section_id=sections[g.section].id if g.section is not None else None,
                task_id=tasks[g.task].id if g.task is not None else None,
                city=parsed.city,
                indicator=g.indicator[:128],
                comparator=g.comparator[:32],
                value=g.value,
                unit=g.unit[:16],
                year=g.year,
                sentence=g.sentence,
                position=i,
            )
        )
    session.flush()
    bump_version(session)  # every process rebuilds its knowledge snapshot with the new plan
    units = {u for t in parsed.tasks for u in t.lead + t.responsible}
    return IngestReport(
        document_id=doc.id,
        title=doc.title,
        city=doc.city,
        source_name=source_name,
        sections=len(parsed.sections),
        tasks=len(parsed.tasks),
        units=len(units),
        targets=len(parsed.targets),
        unparsed=parsed.unparsed,
        replaced=len(old_ids),
    )


def ingest_bundled(session: Session, *, now: dt.datetime, folder: Path = BUNDLED) -> list[IngestReport]:
    """Ingest the plans shipped in knowledge/data/plans, skipping any whose content is already stored."""
    known = set(session.scalars(select(PlanDocument.content_hash)))
    reports = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if content_hash(text) in known:
            continue
        reports.append(ingest(session, text=text, source_name=path.name, now=now))
    return reports


def unit_matches(query: str, name: str) -> bool:
    """Whether a unit name asked for ("城管局", "市城管局") names this unit."""
    q, n = unit_key(query.strip()).removeprefix("市"), unit_key(name).removeprefix("市")
    return bool(q) and (q == n or q in n)


def list_tasks(session: Session, *, city: str | None = None, unit: str | None = None) -> list[PlanTask]:
    """Tasks in plan order, optionally of one city and naming one unit (as lead or responsible)."""
    stmt = select(PlanTask).join(PlanDocument).order_by(PlanDocument.id, PlanTask.position)
    rows = [t for t in session.scalars(stmt) if city is None or same_city(t.document.city, city)]
    if unit:
        rows = [t for t in rows if any(unit_matches(unit, u) for u in t.lead_units + t.responsible_units)]
    return rows


def list_targets(session: Session, *, city: str | None = None, unit: str | None = None) -> list[PlanTarget]:
    """Targets in plan order, optionally of one city, or of the tasks naming one unit."""
    stmt = select(PlanTarget).order_by(PlanTarget.document_id, PlanTarget.position)
    rows = [g for g in session.scalars(stmt) if city is None or same_city(g.city, city)]
    if unit:
        rows = [
            g
            for g in rows
            if g.task and any(unit_matches(unit, u) for u in g.task.lead_units + g.task.responsible_units)
        ]
    return rows


def task_json(task: PlanTask) -> dict[str, Any]:
    """A task as JSON for `wufei kb tasks --json`."""
    return {
        "city": task.document.city,
        "document": task.document.title,
        "label": task.label,
        "title": task.title,
        "lead": task.lead_units,
        "responsible": task.responsible_units,
        "text": task.text,
    }


def target_json(target: PlanTarget) -> dict[str, Any]:
    """A target as JSON (the shape policy answers use, plus the phrase and the sentence)."""
    return {
        "indicator": target.indicator,
        "comparator": target.comparator,
        "value": target.value,
        "unit": target.unit,
        "year": target.year,
        "city": target.city,
        "section": target.section.label if target.section else None,
        "text": render_target(target.indicator, target.comparator, target.value, target.unit),
        "sentence": target.sentence,
    }
