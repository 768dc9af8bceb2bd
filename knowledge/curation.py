"""Staff edits to the knowledge: items, aliases, FAQ entries and the unanswered queue; every edit bumps the version."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.answer import CATEGORIES
from knowledge.catalogue import IMPORT_SOURCE, LOCAL_SOURCE, CatalogueError, entry_from_rule
from knowledge.lexicon import FILLER
from knowledge.meta import bump_version
from knowledge.models import FaqEntry, Item, Unanswered
from knowledge.normalize import normalize
from knowledge.segment import shared_tokenizer

STAFF_SOURCE = "staff"
SOURCE_NAMES = {IMPORT_SOURCE: "公开物品清单", LOCAL_SOURCE: "郑州本地规则", STAFF_SOURCE: "工作人员编辑"}
_PUNCT = re.compile(r"[\s\W_]+")


class CurationError(ValueError):
    """A refused edit, with a message staff can read."""


@dataclass(frozen=True)
class ItemView:
    """A catalogue item as staff see it."""

    id: int
    name: str
    category: str
    source: str
    aliases: list[str]
    tip: str
    reason: str
    rule_yaml: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON form for the admin API."""
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "source": self.source,
            "aliases": self.aliases,
            "tip": self.tip,
            "reason": self.reason,
            "rule": yaml.safe_load(self.rule_yaml) if self.rule_yaml else None,
        }


def view(row: Item) -> ItemView:
    """The staff view of a row."""
    rule = row.rule or {}
    return ItemView(
        row.id,
        row.name,
        row.category,
        row.source,
        list(row.aliases or []),
        str(rule.get("tip") or ""),
        str(rule.get("reason") or ""),
        rule_text(rule),
    )


RULE_KEYS = ("kinds", "conditions", "parts")


def rule_text(rule: dict[str, Any]) -> str:
    """The editable part of a rule (kinds, conditions, parts) as YAML; empty when it has none."""
    editable = {k: rule[k] for k in RULE_KEYS if rule.get(k)}
    return yaml.safe_dump(editable, allow_unicode=True, sort_keys=False) if editable else ""


def parse_rule(text: str, *, name: str, category: str, aliases: list[str]) -> dict[str, Any]:
    """Validate staff-written kinds/conditions/parts YAML the way the shipped local rules are validated."""
    if not text.strip():
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CurationError(f"规则不是有效的 YAML：{str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict) or set(data) - set(RULE_KEYS):
        raise CurationError("规则只能包含 kinds（追问种类）、conditions（按状态）、parts（拆开投放）三项")
    try:
        entry_from_rule({**data, "name": name, "category": category, "aliases": aliases}, source=STAFF_SOURCE)
    except (CatalogueError, KeyError, TypeError, AttributeError) as exc:
        raise CurationError(f"规则有误：{exc}") from None
    return {k: data[k] for k in RULE_KEYS if data.get(k)}


def search_items(session: Session, query: str, *, limit: int = 50) -> list[ItemView]:
    """Items whose name or alias contains `query` (exact names first); all staff-edited items for an empty query."""
    q = normalize(query).strip()
    if not q:
        staff = session.scalars(select(Item).where(Item.source == STAFF_SOURCE).order_by(Item.name).limit(limit))
        return [view(r) for r in staff]
    by_name = list(session.scalars(select(Item).where(Item.name.contains(q, autoescape=True)).limit(limit * 4)))
    seen = {r.id for r in by_name}
    # aliases are JSON; a few thousand rows, so filter them here rather than in database-specific JSON SQL
    by_alias = [
        r
        for r in session.scalars(select(Item).where(Item.id.not_in(seen) if seen else Item.id.is_not(None)))
        if any(q in alias for alias in r.aliases or [])
    ]
    rows = sorted(by_name, key=lambda r: (r.name != q, len(r.name), r.name)) + by_alias
    return [view(r) for r in rows[:limit]]


def get_item(session: Session, name: str) -> Item | None:
    """The item called `name`."""
    return session.scalar(select(Item).where(Item.name == name))


def _clean_word(word: str, what: str) -> str:
    word = normalize(word).strip()
    if not word or len(word) > 32 or _PUNCT.fullmatch(word):
        raise CurationError(f"{what}不能为空，且不超过 32 个字")
    return word


def save_item(
    session: Session,
    name: str,
    category: str,
    *,
    now: dt.datetime,
    aliases: list[str] | None = None,
    tip: str | None = None,
    rule_yaml: str | None = None,
) -> Item:
    """Create or change an item; it becomes a staff item, which later bundled-data updates leave alone."""
    name = _clean_word(name, "物品名")
    if category not in CATEGORIES:
        raise CurationError(f"分类必须是：{'、'.join(CATEGORIES)}")
    row = get_item(session, name)
    if row is None:
        row = Item(name=name, category=category, source=STAFF_SOURCE, aliases=[], rule=None, updated_at=now)
        session.add(row)
    row.category = category
    row.source = STAFF_SOURCE
    if aliases is not None:
        row.aliases = _aliases(session, name, aliases)
    if tip is not None or rule_yaml is not None:
        rule = dict(row.rule or {})
        if tip is not None:
            rule["tip"] = tip.strip()[:200]
        if rule_yaml is not None:
            parsed = parse_rule(rule_yaml, name=name, category=category, aliases=list(row.aliases or []))
            rule = {k: v for k, v in rule.items() if k not in RULE_KEYS} | parsed
        rule.setdefault("reason", "工作人员在管理后台编辑")
        rule.setdefault("source", "管理后台")
        row.rule = rule
    row.updated_at = now
    session.flush()
    bump_version(session)
    return row


def _aliases(session: Session, name: str, words: list[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        if not word.strip():
            continue
        alias = _clean_word(word, "别名")
        if alias == name or alias in out:
            continue
        other = get_item(session, alias)
        if other is not None:
            raise CurationError(f"“{alias}”已经是物品“{other.name}”，不能再作别名")
        out.append(alias)
    return out


def add_alias(session: Session, item_name: str, alias: str, *, now: dt.datetime) -> Item:
    """Teach the bot another word for an existing item."""
    row = get_item(session, item_name.strip())
    if row is None:
        raise CurationError(f"没有名为“{item_name}”的物品，请先新建")
    aliases = _aliases(session, row.name, [*(row.aliases or []), alias])
    row.aliases = aliases
    row.source = STAFF_SOURCE
    row.updated_at = now
    bump_version(session)
    return row


def suggest_word(text: str) -> str:
    """The likely item word in an unanswered question (question words and particles dropped)."""
    words = [w for w in shared_tokenizer().lcut(normalize(text)) if w.strip() and w not in FILLER]
    words = [w for w in words if not _PUNCT.fullmatch(w)]
    return "".join(words)[:32]


def unanswered(session: Session, *, include_resolved: bool = False, limit: int = 100) -> list[Unanswered]:
    """The queue, most asked first."""
    query = select(Unanswered).order_by(Unanswered.count.desc(), Unanswered.last_seen.desc()).limit(limit)
    if not include_resolved:
        query = query.where(Unanswered.resolved.is_(False))
    return list(session.scalars(query))


def unanswered_counts(session: Session) -> tuple[int, int]:
    """(open questions, times they were asked)."""
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(Unanswered.count), 0)).where(Unanswered.resolved.is_(False))
    ).one()
    return int(row[0]), int(row[1])


def resolve_unanswered(
    session: Session,
    question_id: int,
    *,
    now: dt.datetime,
    item_name: str | None = None,
    alias: str | None = None,
    category: str | None = None,
) -> Unanswered:
    """Close a queued question: map its word to an item (new items need a category), or just dismiss it."""
    question = session.get(Unanswered, question_id)
    if question is None:
        raise CurationError("没有这条待处理问题")
    if item_name:
        existing = get_item(session, item_name.strip())
        word = (alias or "").strip()
        if existing is None:
            if not category:
                raise CurationError(f"“{item_name}”还不在物品库里：新建时请选择分类")
            save_item(session, item_name, category, now=now, aliases=[word] if word else [])
        elif word and word != existing.name:
            add_alias(session, existing.name, word, now=now)
    question.resolved = True
    return question


def save_faq(
    session: Session, key: str, title: str, keywords: list[list[str]], answer: str, *, now: dt.datetime
) -> FaqEntry:
    """Create or change an FAQ entry; keywords are groups of words that must all appear."""
    key = key.strip()
    if not re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", key):
        raise CurationError("编号只能用字母、数字、下划线或连字符（1–64 位）")
    if not answer.strip() or not title.strip():
        raise CurationError("标题和回答都不能为空")
    groups = [[w.strip() for w in group if w.strip()] for group in keywords]
    groups = [g for g in groups if g]
    if not groups:
        raise CurationError("至少需要一组关键词")
    row = session.scalar(select(FaqEntry).where(FaqEntry.key == key))
    if row is None:
        row = FaqEntry(key=key, source="管理后台")
        session.add(row)
    row.title = title.strip()[:128]
    row.keywords = groups
    row.answer = answer.strip()
    row.updated_at = now
    session.flush()
    bump_version(session)
    return row


def parse_keywords(text: str) -> list[list[str]]:
    """One group per line, words separated by spaces or commas: "快递 包装\\n绿色包装"."""
    return [[w for w in re.split(r"[\s,，、]+", line) if w] for line in text.splitlines() if line.strip()]


def delete_faq(session: Session, key: str) -> bool:
    """Remove an FAQ entry; True if it existed."""
    row = session.scalar(select(FaqEntry).where(FaqEntry.key == key))
    if row is None:
        return False
    session.delete(row)
    bump_version(session)
    return True


def faqs(session: Session) -> list[FaqEntry]:
    """All FAQ entries by key."""
    return list(session.scalars(select(FaqEntry).order_by(FaqEntry.key)))


def count_staff_items(session: Session) -> int:
    """How many items staff have edited."""
    return int(session.scalar(select(func.count()).select_from(Item).where(Item.source == STAFF_SOURCE)) or 0)
