"""Reads and writes the knowledge tables; the caller owns the session and the transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge import compiled, segment
from knowledge.catalogue import (
    IMPORT_SOURCE,
    LOCAL_SOURCE,
    Entry,
    bundled_catalogue,
    bundled_digest,
    bundled_text,
    entry_from_rule,
)
from knowledge.core import Faq, KnowledgeBase
from knowledge.meta import BUNDLE_KEY, bump_version, current_version, get_meta, set_meta
from knowledge.models import FaqEntry, Item, KbMeta, Unanswered
from knowledge.policy import PolicyIndex

__all__ = ["bump_version", "current_version"]
INSTANCE_KEY = "instance"  # a random id per database: with the version counter it names a knowledge snapshot


def rule_mapping(entry: Entry) -> dict[str, Any]:
    """The YAML/JSON form of an entry's rule (what `entry_from_rule` reads back)."""
    data: dict[str, Any] = {"tip": entry.tip, "reason": entry.reason, "source": entry.ref}
    if entry.unconfirmed:
        data["unconfirmed"] = True
    if entry.keep_default:
        data["keep_default"] = entry.keep_default
    if entry.hedge:
        data["hedge"] = entry.hedge
    if entry.no_colour:
        data["no_colour"] = entry.no_colour
    if entry.kinds and not entry.asks_state:  # state questions are made from the conditions when read back
        data["kinds"] = {
            "question": entry.kinds_question,
            "options": [dataclasses.asdict(o) | {"words": list(o.words)} for o in entry.kinds],
        }
    if entry.conditions:
        data["conditions"] = [dataclasses.asdict(c) | {"words": list(c.words)} for c in entry.conditions]
    if entry.parts:
        data["parts"] = [dataclasses.asdict(p) for p in entry.parts]
    return data


def entry_from_row(row: Item) -> Entry:
    """The in-memory entry for a catalogue row."""
    rule = dict(row.rule or {})
    entry = entry_from_rule(
        {**rule, "name": row.name, "category": row.category, "aliases": row.aliases}, source=row.source
    )
    return dataclasses.replace(entry, imported_category=row.imported_category)


def bundled_faqs() -> list[dict[str, Any]]:
    """The shipped FAQ entries."""
    return list(yaml.safe_load(bundled_text("faq.yaml")) or [])


def load_bundled(session: Session, *, now: dt.datetime, force: bool = False) -> bool:
    """Load the shipped catalogue and FAQ into the tables when they changed; staff edits are kept. True if loaded."""
    ensure_instance(session)
    digest = bundled_digest()
    if not force and get_meta(session, BUNDLE_KEY) == digest:
        return False
    entries, _ = bundled_catalogue()
    faqs = bundled_faqs()
    existing = {row.name: row for row in session.scalars(select(Item))}
    wanted = {e.name: e for e in entries}
    for name, row in existing.items():
        if row.source in (IMPORT_SOURCE, LOCAL_SOURCE) and name not in wanted:
            session.delete(row)
    for name, entry in wanted.items():
        found = existing.get(name)
        if found is not None and found.source not in (IMPORT_SOURCE, LOCAL_SOURCE):
            continue  # a staff edit wins over the shipped data
        row = found if found is not None else Item(name=name)
        if found is None:
            session.add(row)
        row.category = entry.category
        row.source = entry.source
        row.imported_category = entry.imported_category
        row.aliases = list(entry.aliases)
        row.rule = rule_mapping(entry) if entry.source == LOCAL_SOURCE else None
        row.updated_at = now
    keys = set()
    for data in faqs:
        key = str(data["key"])
        keys.add(key)
        faq = session.scalar(select(FaqEntry).where(FaqEntry.key == key))
        if faq is None:
            faq = FaqEntry(key=key)
            session.add(faq)
        faq.title = str(data.get("title") or key)
        faq.keywords = [list(map(str, words)) for words in data.get("keywords") or []]
        faq.answer = str(data["answer"]).strip()
        faq.source = str(data.get("source") or "")
        faq.updated_at = now
    session.execute(delete(FaqEntry).where(FaqEntry.key.not_in(keys)))
    set_meta(session, BUNDLE_KEY, digest)
    bump_version(session)
    return True


def ensure_instance(session: Session) -> str:
    """This database's knowledge instance id, created on first use (it keys the on-disk snapshots)."""
    value = get_meta(session, INSTANCE_KEY)
    if value is not None:
        return value
    try:
        with session.begin_nested():
            session.add(KbMeta(key=INSTANCE_KEY, value=uuid.uuid4().hex))
    except IntegrityError:  # another process created it first
        pass
    return get_meta(session, INSTANCE_KEY) or ""


def build_knowledge(session: Session) -> KnowledgeBase:
    """The in-memory snapshot of everything the bot knows; a fresh process reads it from the on-disk cache."""
    instance = get_meta(session, INSTANCE_KEY)
    key = compiled.snapshot_key(instance, current_version(session)) if instance else None
    if key is not None:
        cached = compiled.load(key)
        if cached is not None:
            return cached
    first = not segment.started()
    kb = _build_knowledge(session)
    if key is not None and first:
        compiled.save(key, kb)
    return kb


def _build_knowledge(session: Session) -> KnowledgeBase:
    """A fresh in-memory snapshot built from the tables."""
    entries = [entry_from_row(row) for row in session.scalars(select(Item))]
    faqs = [
        Faq(row.key, row.title, tuple(tuple(words) for words in row.keywords), row.answer, row.source)
        for row in session.scalars(select(FaqEntry))
    ]
    kb = KnowledgeBase(entries, faqs)
    # the plan index is built after the matcher has added the catalogue words to the shared tokenizer, so the
    # plan texts and later questions are segmented the same way
    kb.policy = PolicyIndex.load(session)
    return kb


def record_unanswered(session: Session, *, text: str, example: str, intent: str, now: dt.datetime) -> None:
    """Count a question the bot could not answer (by its normalized text)."""
    key = text[:200]
    row = session.scalar(select(Unanswered).where(Unanswered.text == key))
    if row is None:
        try:
            with session.begin_nested():
                session.add(
                    Unanswered(text=key, example=example[:500], intent=intent, count=1, first_seen=now, last_seen=now)
                )
            return
        except IntegrityError:  # another worker recorded it first
            row = session.scalar(select(Unanswered).where(Unanswered.text == key))
            if row is None:
                raise
    row.count += 1
    row.last_seen = now


def list_unanswered(session: Session, *, limit: int = 50) -> list[Unanswered]:
    """Open unanswered questions, most asked first."""
    query = (
        select(Unanswered)
        .where(Unanswered.resolved.is_(False))
        .order_by(Unanswered.count.desc(), Unanswered.last_seen.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def count_items(session: Session) -> dict[str, int]:
    """Catalogue rows per source."""
    rows = session.execute(select(Item.source, func.count()).group_by(Item.source))
    return {source: int(n) for source, n in rows}
