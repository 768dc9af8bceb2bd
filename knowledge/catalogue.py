"""Catalogue entries: the imported item list plus the 郑州 local-rule layer that wins over it."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

import yaml

from knowledge.answer import CATEGORIES

IMPORT_SOURCE = "import"
LOCAL_SOURCE = "local"
RULE_SOURCE = "rule"  # built into the matcher (e.g. leftover food)
IMPORT_REF = "导入清单 huihu-garbage-sort-miniprogram（MIT，上海2019规则）"


@dataclass(frozen=True)
class Option:
    """One kind of an ambiguous item (电池 → 干电池 / 充电电池)."""

    label: str
    category: str
    words: tuple[str, ...] = ()
    tip: str = ""


@dataclass(frozen=True)
class Condition:
    """A state of the item that decides the bin (干净 / 有油污)."""

    when: str
    category: str
    words: tuple[str, ...] = ()
    tip: str = ""
    default: bool = False


@dataclass(frozen=True)
class Part:
    """A part of an item that goes somewhere else (奶茶: 饮料 / 珍珠 / 杯子)."""

    part: str
    category: str | None = None
    action: str = ""


@dataclass(frozen=True)
class Entry:
    """One catalogue item with everything needed to answer about it."""

    name: str
    category: str
    source: str = IMPORT_SOURCE
    aliases: tuple[str, ...] = ()
    tip: str = ""
    reason: str = ""
    ref: str = ""
    unconfirmed: bool = False
    kinds_question: str = ""
    kinds: tuple[Option, ...] = ()
    conditions: tuple[Condition, ...] = ()
    parts: tuple[Part, ...] = ()
    imported_category: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    asks_state: bool = False  # kinds made from the conditions when the state is unsaid (not stored with the rule)
    keep_default: str = ""  # why this rule answers its default condition instead of asking (decisions, Round 15)
    hedge: str = ""  # why an unsettled rule's usual bin is offered only as "郑州未明确", not stated (Round 15 unconf15)
    # why the household bin's colour is left out of the answer: the item goes to a licensed collector, not a household
    # bin ("饭店的剩菜": 餐厨垃圾); the tip names the colour where it says what to do at home (Round 16 parts17)
    no_colour: str = ""

    @property
    def surfaces(self) -> tuple[str, ...]:
        """The name and every alias."""
        return (self.name, *self.aliases)

    @property
    def default_condition(self) -> Condition | None:
        """The condition assumed when the question does not say."""
        return next((c for c in self.conditions if c.default), None)


class CatalogueError(ValueError):
    """The catalogue data is invalid (bad category, two defaults …)."""


_PAREN = re.compile(r"[（(]([^）)]*)[）)]")
_QUESTION_TAIL = re.compile(r"(属于|是)(什么|哪类|哪一类)垃圾$")


def split_imported_name(raw: str) -> tuple[str, list[str]]:
    """Turn a raw imported name like "报纸、纸皮" or "塑料碗（盆）" into a name and aliases."""
    raw = _QUESTION_TAIL.sub("", raw.strip())  # a few rows are questions ("衣服是什么垃圾")
    aliases: list[str] = []
    inner = _PAREN.findall(raw)
    base = _PAREN.sub("", raw).strip()
    for text in inner:
        # "塑料碗（盆）": a one-character alternative replaces the last character; notes like "如：猪腿骨" are dropped
        if len(text) == 1 and base:
            aliases.append(base[:-1] + text)
    parts = [p.strip() for p in re.split(r"[、，,]", base) if p.strip()]
    if not parts:
        return raw, aliases
    name, rest = parts[0].replace(" ", "") if not parts[0].isascii() else parts[0], parts[1:]
    aliases.extend(p.replace(" ", "") for p in rest)
    return name, [a for a in aliases if a and a != name]


def read_imported(text: str) -> list[Entry]:
    """Entries from the imported TSV (item<TAB>category with a header)."""
    entries: list[Entry] = []
    seen: set[str] = set()
    reader = csv.reader(text.splitlines(), delimiter="\t")
    next(reader, None)
    for row in reader:
        if len(row) < 2 or not row[0].strip():
            continue
        name, aliases = split_imported_name(row[0])
        if name in seen:
            continue  # the first row of a name wins
        seen.add(name)
        category = row[1].strip()
        if category not in CATEGORIES:
            raise CatalogueError(f"imported item {row[0]!r}: unknown category {category!r}")
        entries.append(Entry(name=name, category=category, aliases=tuple(aliases), ref=IMPORT_REF))
    return entries


def _words(value: Any) -> tuple[str, ...]:
    return tuple(str(w) for w in (value or ()))


def _check_category(name: str, category: Any) -> str:
    if category not in CATEGORIES:
        raise CatalogueError(f"{name}: unknown category {category!r}")
    return str(category)


# The question of an unsettled rule whose state decides the bin; {query} is the name the resident used.
STATE_QUESTION = "“{query}”是哪种情况？（郑州暂无明确规定，按实际情况投）"
# The same for a settled rule: the bin depends on a state, amount or setting the message did not say.
SETTLED_STATE_QUESTION = "“{query}”要看情况，您的是哪种？"
STATE_QUESTIONS = (STATE_QUESTION, SETTLED_STATE_QUESTION)


def entry_from_rule(data: Mapping[str, Any], *, source: str = LOCAL_SOURCE) -> Entry:
    """Build and validate an Entry from one local-rule mapping (YAML or the database's JSON)."""
    name = str(data.get("name") or "").strip()
    if not name:
        raise CatalogueError(f"rule without a name: {data!r}")
    category = _check_category(name, data.get("category"))
    kinds_data = data.get("kinds") or {}
    kinds = tuple(
        Option(
            label=str(o["label"]),
            category=_check_category(name, o.get("category")),
            words=_words(o.get("words")),
            tip=str(o.get("tip") or ""),
        )
        for o in kinds_data.get("options", [])
    )
    conditions = tuple(
        Condition(
            when=str(c["when"]),
            category=_check_category(name, c.get("category")),
            words=_words(c.get("words")),
            tip=str(c.get("tip") or ""),
            default=bool(c.get("default")),
        )
        for c in data.get("conditions") or []
    )
    if conditions and sum(c.default for c in conditions) != 1:
        raise CatalogueError(f"{name}: conditions need exactly one default")
    question = str(kinds_data.get("question") or "")
    keep_default = str(data.get("keep_default") or "").strip()
    if not kinds and not keep_default and len({c.category for c in conditions}) > 1:
        # the state decides the bin and the message may not say it: ask which state rather than assume the default
        # (Round 15); a rule keeps its default only with a written reason (`keep_default`)
        kinds = tuple(Option(label=c.when, category=c.category, words=c.words, tip=c.tip) for c in conditions)
        question = STATE_QUESTION if data.get("unconfirmed") else SETTLED_STATE_QUESTION
    parts = tuple(
        Part(
            part=str(p["part"]),
            category=_check_category(name, p["category"]) if p.get("category") else None,
            action=str(p.get("action") or ""),
        )
        for p in data.get("parts") or []
    )
    return Entry(
        name=name,
        category=category,
        source=source,
        aliases=tuple(a for a in _words(data.get("aliases")) if a != name),
        tip=str(data.get("tip") or ""),
        reason=str(data.get("reason") or ""),
        ref=str(data.get("source") or ""),
        unconfirmed=bool(data.get("unconfirmed")),
        kinds_question=question,
        asks_state=question in STATE_QUESTIONS,
        keep_default=keep_default,
        hedge=str(data.get("hedge") or "").strip(),
        no_colour=str(data.get("no_colour") or "").strip(),
        kinds=kinds,
        conditions=conditions,
        parts=parts,
    )


def read_local_rules(text: str) -> list[Entry]:
    """Entries from the local-rule YAML."""
    data = yaml.safe_load(text) or []
    if not isinstance(data, list):
        raise CatalogueError("local rules must be a YAML list")
    return [entry_from_rule(item) for item in data]


def merge(imported: Iterable[Entry], local: Iterable[Entry]) -> list[Entry]:
    """The catalogue: local rules win over imported rows with the same name or alias, and over compounds of them."""
    local = list(local)
    claimed = {s for e in local for s in e.surfaces}
    by_name = {e.name: e for e in local}
    with_kinds = sorted(((s, e) for e in local if e.kinds for s in e.surfaces), key=lambda p: -len(p[0]))
    with_conditions = sorted(((s, e) for e in local if e.conditions for s in e.surfaces), key=lambda p: -len(p[0]))
    merged: list[Entry] = []
    for entry in imported:
        if entry.name in claimed:
            rule = by_name.get(entry.name)
            if rule is not None and rule.imported_category is None:
                by_name[entry.name] = replace(rule, imported_category=entry.category)
            continue
        aliases = tuple(a for a in entry.aliases if a not in claimed)
        entry = entry if aliases == entry.aliases else replace(entry, aliases=aliases)
        merged.append(_conditioned(_governed(entry, with_kinds), with_conditions))
    merged.extend(by_name.values())
    return merged


def _governed(entry: Entry, with_kinds: list[tuple[str, Entry]]) -> Entry:
    """An imported compound of an ambiguous local item ("5号电池" of 电池) takes the kind its words select."""
    for surface, rule in with_kinds:
        if entry.name.endswith(surface) and entry.name != surface:
            named = [o for o in rule.kinds if any(w in entry.name for w in o.words)]
            if len({o.category for o in named}) != 1:
                return entry  # no kind named, or words of two kinds ("鸡腿骨头": 鸡 and 腿骨): the row's own label
            option = named[0]
            if option.category == entry.category:
                return entry
            return replace(
                entry,
                category=option.category,
                source=LOCAL_SOURCE,
                tip=option.tip,
                reason=f"按本地规则“{rule.name}”：{option.label}",
                ref=rule.ref,
                unconfirmed=rule.unconfirmed,
                imported_category=entry.category,
            )
    return entry


def _conditioned(entry: Entry, with_conditions: list[tuple[str, Entry]]) -> Entry:
    """An imported phrase naming a local item and its condition ("干净的塑料袋") takes the local condition's bin."""
    if entry.source == LOCAL_SOURCE:
        return entry
    for surface, rule in with_conditions:
        if surface in entry.name and entry.name != surface:
            stated = [c for c in rule.conditions if any(w in entry.name for w in c.words)]
            if not stated:
                return entry
            condition = ([c for c in stated if not c.default] or stated)[0]
            if condition.category == entry.category:
                return entry
            return replace(
                entry,
                category=condition.category,
                source=LOCAL_SOURCE,
                tip=condition.tip or rule.tip,
                reason=f"按本地规则“{rule.name}”：{condition.when}",
                ref=rule.ref,
                unconfirmed=rule.unconfirmed,
                imported_category=entry.category,
            )
    return entry


def bundled_text(name: str) -> str:
    """A data file shipped in knowledge/data."""
    return resources.files("knowledge").joinpath("data", name).read_text(encoding="utf-8")


BUNDLED_FILES = ("sorting-items.tsv", "local_rules.yaml", "faq.yaml")
MERGE_VERSION = "3"  # bump when merge() changes, so databases loaded by an older merge reload the catalogue


def bundled_digest() -> str:
    """A hash of the shipped knowledge files, cheap enough to check on every start."""
    texts = [MERGE_VERSION, *(bundled_text(name) for name in BUNDLED_FILES)]
    return hashlib.sha256("\0".join(texts).encode()).hexdigest()[:16]


def bundled_catalogue() -> tuple[list[Entry], str]:
    """The shipped catalogue and a hash of the shipped files (to reload only when they change)."""
    tsv = bundled_text("sorting-items.tsv")
    rules = bundled_text("local_rules.yaml")
    return merge(read_imported(tsv), read_local_rules(rules)), bundled_digest()
