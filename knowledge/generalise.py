"""Generalisation for items the catalogue does not name: rules read from knowledge/data/generalise.yaml.

A name no catalogue entry matches is classified by, in order: a bin-deciding modifier ("一次性", "肯德基" before
纸盒), a vocabulary word it ends with (a fruit, a dish, a condiment, with its peel or pit), its ending ("…机", "…药",
"…剂" by use), the material named before it ("不锈钢…", "陶瓷…"), and finally endings typical of food. Modifiers and
small amounts are also checked when the catalogue does name the item, since they decide the bin ("一次性塑料碗").
Every rule carries a reason and a source, and is data staff can review.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from knowledge.answer import CATEGORIES
from knowledge.catalogue import CatalogueError, bundled_text

FILE = "generalise.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ten times faster, for the cold start
_NOT_FOOD = ("玩具", "模型", "仿真", "塑料", "玻璃", "陶瓷", "金属", "图案", "贴纸", "抱枕", "挂件", "摆件")


@dataclass(frozen=True)
class Rule:
    """One reviewable rule: what it says and why."""

    id: str
    category: str
    confidence: float
    reason: str
    source: str
    tip: str = ""
    unconfirmed: bool = False
    lower: bool = False  # only lowers the confidence of another answer (the state decides the bin)
    over_catalogue: bool = False  # a material that decides a vessel's bin over the catalogue's head ("不锈钢饭盒")
    over_named: bool = False  # ... even over a head the catalogue answers ("铝制锅盖": metal is recyclable)
    asks: tuple[str, ...] = ()  # the state decides between these bins: ask which, unless the phrase says it


@dataclass(frozen=True)
class Guess:
    """The bin a rule gives a name, with the rule and the word that decided it."""

    rule: Rule
    word: str
    span: int = 0  # characters at the end of the name the rule read

    @property
    def category(self) -> str:
        """The bin the rule says."""
        return self.rule.category


def _rule(data: Mapping[str, Any], default_id: str = "") -> Rule:
    rule_id = str(data.get("id") or default_id)
    category = data.get("category")
    if category not in CATEGORIES:
        raise CatalogueError(f"{FILE} {rule_id}: unknown category {category!r}")
    if not data.get("reason") or not data.get("source"):
        raise CatalogueError(f"{FILE} {rule_id}: every rule needs a reason and a source")
    return Rule(
        id=rule_id,
        category=str(category),
        confidence=float(data.get("confidence", 0.7)),
        reason=str(data["reason"]),
        source=str(data["source"]),
        tip=str(data.get("tip") or ""),
        unconfirmed=bool(data.get("unconfirmed")),
        lower=data.get("action") == "lower",
        over_catalogue=bool(data.get("over_catalogue")),
        over_named=bool(data.get("over_named")),
        asks=_asks(data, rule_id),
    )


def _asks(data: Mapping[str, Any], rule_id: str) -> tuple[str, ...]:
    asks = tuple(str(c) for c in data.get("asks") or ())
    if asks and (len(asks) != 2 or any(c not in CATEGORIES for c in asks) or data.get("category") not in asks):
        raise CatalogueError(f"{FILE} {rule_id}: asks names two bins, its category among them")
    return asks


def _words(value: Any) -> tuple[str, ...]:
    return tuple(str(w).lower() for w in (value or ()))


@dataclass(frozen=True)
class _Suffixed:
    rule: Rule
    suffixes: tuple[str, ...]
    needs: tuple[str, ...]
    unless: tuple[str, ...]

    def match(self, text: str) -> str | None:
        if not text.endswith(self.suffixes):  # one C call before the substring checks
            return None
        if any(u in text for u in self.unless) or (self.needs and not any(n in text for n in self.needs)):
            return None
        return next((s for s in self.suffixes if text.endswith(s)), None)


@dataclass(frozen=True)
class _Modifier:
    rule: Rule
    words: tuple[str, ...]
    heads: tuple[str, ...]
    unless: tuple[str, ...] = ()
    bare: bool = False  # also when nothing but the word is said ("怡宝": the brand stands for its bottle)
    whole: bool = False  # only the word and one head, nothing else ("青岛啤酒"; "青岛" alone is a city)
    before: bool = False  # only when said before the name ("不可回收的塑料", not "塑料瓶是不可回收的吗")


class Generaliser:
    """Classifies names the catalogue does not know; built once from the YAML and shared (read-only)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.modifiers = [
            _Modifier(
                _rule(m),
                _words(m.get("words")),
                tuple(sorted(_words(m.get("heads")), key=len, reverse=True)),
                _words(m.get("unless")),
                bool(m.get("bare")),
                bool(m.get("whole")),
                bool(m.get("before")),
            )
            for m in data.get("modifiers") or []
        ]
        words = sorted({w for m in self.modifiers for w in m.words}, key=len, reverse=True)
        self._any_modifier = re.compile("|".join(map(re.escape, words))) if words else None
        self.amounts = [
            (str(a["from"]), _words(a.get("words")), _words(a.get("heads")), _words(a.get("unless")), _rule(a))
            for a in data.get("amounts") or []
        ]
        self._amount_sources = frozenset(source for source, *_ in self.amounts)
        self.vocab: dict[str, tuple[Rule, bool]] = {}
        for group in data.get("vocab") or []:
            rule = _rule(group)
            for word in _words(group.get("words")):
                self.vocab.setdefault(word, (rule, bool(group.get("parts"))))
        self.food_part_set = frozenset(_words(data.get("food_parts")))
        self.part_sizes = sorted({len(p) for p in self.food_part_set}, reverse=True)
        self.special_parts: list[tuple[tuple[str, ...], tuple[str, ...], Rule]] = []
        for key in ("hard_parts", "big_bones", "wrapper_parts"):
            if data.get(key):
                section = data[key]
                self.special_parts.append((_words(section["words"]), _words(section["parts"]), _rule(section, key)))
        self.endings = [
            _Suffixed(
                _rule(e),
                tuple(sorted(_words(e.get("suffixes")), key=len, reverse=True)),
                _words(e.get("needs")),
                _words(e.get("unless")),
            )
            for e in data.get("endings") or []
        ]
        self.materials = [(_words(m.get("words")), _rule(m)) for m in data.get("materials") or []]
        food = data.get("food_endings")
        self.food_endings = (
            _Suffixed(
                _rule(food, "food_endings"),
                tuple(sorted(_words(food.get("suffixes")), key=len, reverse=True)),
                (),
                _words(food.get("unless")),
            )
            if food
            else None
        )
        self.max_vocab = max((len(w) for w in self.vocab), default=1)
        # a piece of furniture is bulky whatever it is made of ("铁艺餐桌", "铝合金折叠梯"): its vocabulary word
        # at the end of the name decides before a material word in front of it
        self._bulky = tuple(
            sorted((w for w, (r, _) in self.vocab.items() if r.category == "大件垃圾" and len(w) >= 2), key=len)[::-1]
        )
        # a material or power word before a food word makes it a thing, not food ("铜火锅", "电火锅", "塑料苹果")
        self.not_food = (*_NOT_FOOD, "电", *(w for words, _ in self.materials for w in words if len(w) >= 1))
        self._any_not_food = re.compile("|".join(map(re.escape, self.not_food)))  # most names hold none
        # a material token's rule (the first group listing it), and the longer material words in order
        self._material_of: dict[str, Rule] = {}
        for material_words, rule in self.materials:
            for word in material_words:
                self._material_of.setdefault(word, rule)
        self._long_materials = tuple((w, rule) for words, rule in self.materials for w in words if len(w) >= 2)
        self._long_material_words = tuple(w for w, _ in self._long_materials)

    # -- public -----------------------------------------------------------------------------------------------

    def classify(self, tokens: Sequence[str], phrase: str = "") -> Guess | None:
        """The bin of a name the catalogue does not know (the phrase around it may hold a deciding modifier)."""
        text = "".join(tokens).lower()
        if not text:
            return None
        return (
            self.modifier(text, phrase or text)
            or self._bulky_head(text)
            or self._vocab(text)
            or self._ending(text)
            or self._material(tokens, text)
            or self._food_ending(text)
        )

    def modifier(self, text: str, phrase: str) -> Guess | None:
        """A word in the phrase that decides the bin of the item named at its end ("一次性" … "碗")."""
        phrase = phrase.lower()
        if self._any_modifier is None or self._any_modifier.search(phrase) is None:
            return None  # most phrases hold none: one regex search instead of a hundred substring tests
        text = text.lower()
        for modifier in self.modifiers:
            word = next((w for w in modifier.words if w in phrase and not _negated(phrase, w)), None)
            if word is None or any(u in phrase for u in modifier.unless):
                continue
            if (
                modifier.before
                and text not in word
                and phrase.find(text) != -1
                and phrase.find(text) < phrase.find(word)
            ):
                continue  # said after the name: the resident's guess about it, not a word about the thing
            rest = text.split(word, 1)[-1] if word in text else text
            if (modifier.bare or modifier.whole) and (
                text.split(word, 1)[0] or (rest not in modifier.heads and (rest or not modifier.bare))
            ):
                continue  # the word alone ("怡宝") or with one of its heads ("青岛啤酒"), nothing else
            if not modifier.heads or modifier.bare or modifier.whole or any(rest.endswith(h) for h in modifier.heads):
                return Guess(modifier.rule, word)
        return None

    def longer(self, text: str, surface: str) -> Guess | None:
        """A vocabulary word or ending that reads more of the name than the catalogue's match ("樱桃核" vs 桃核)."""
        text = text.lower()
        guess = self._vocab(text) or self._ending(text)
        return guess if guess is not None and guess.span > len(surface) and not guess.rule.lower else None

    def prefix_decides(self, text: str, surface: str) -> Guess | None:
        """A word before the catalogue's name that decides the bin: a power or medical word ("电热|饭盒",
        "消炎|药膏") an ending rule needs, or a metal or glass material ("铝制|锅盖")."""
        text = text.lower()
        prefix = text[: len(text) - len(surface)] if text.endswith(surface) else ""
        if not prefix:
            return None
        if self._bulky_head(text) is not None:
            return None  # "铁艺|餐桌": still furniture, not scrap metal; the catalogue's head keeps its bin
        for ending in self.endings:
            if ending.needs and (suffix := ending.match(text)) and any(n in prefix for n in ending.needs):
                return Guess(ending.rule, suffix, len(suffix))
        for words, rule in self.materials:
            if rule.over_named and (word := next((w for w in words if len(w) >= 2 and w in prefix), None)):
                return Guess(rule, word)
        return None

    def amount(self, category: str, phrase: str, surface: str = "") -> Guess | None:
        """A small amount of a big stream goes in a household bin ("一块碎瓷砖" → 其他垃圾); `heads` limit a rule to
        the names it is about ("一丁点地沟油" is kitchen oil, "一点汽油" is not); `unless` words say a large amount
        ("家里好多树枝" is not the little 家里 suggests)."""
        if category not in self._amount_sources:
            return None  # most bins have no amount rule
        for source, words, heads, unless, rule in self.amounts:
            if source != category or (heads and not surface.endswith(heads)) or any(u in phrase for u in unless):
                continue
            if (word := next((w for w in words if w in phrase), None)) is not None:
                return Guess(rule, word)
        return None

    # -- pieces -----------------------------------------------------------------------------------------------

    def _vocab(self, text: str) -> Guess | None:
        # the first start whose prefix holds a material or power word: where a word's first occurrence ends
        thing = (
            min((at + len(w) for w in self.not_food if (at := text.find(w)) >= 0), default=len(text) + 1)
            if self._any_not_food.search(text) is not None
            else len(text) + 1
        )
        for start in range(max(0, len(text) - self.max_vocab - 2), len(text)):
            suffix = text[start:]
            if start >= thing:
                return None
            special = self._special(suffix)
            if special is not None:
                return special
            hit = self.vocab.get(suffix)
            if hit is not None and (start == 0 or len(suffix) > 1):  # "鸭" alone, not at the end of "小黄鸭"
                return Guess(hit[0], suffix, len(suffix))
            for size in self.part_sizes:
                stem = suffix[:-size]
                if (start > 0 and len(stem) < 2) or suffix[-size:] not in self.food_part_set:
                    continue
                if stem and (hit := self.vocab.get(stem)) and hit[1]:
                    return Guess(hit[0], stem, len(suffix))
        return None

    def _bulky_head(self, text: str) -> Guess | None:
        word = next((w for w in self._bulky if text.endswith(w)), None) if text.endswith(self._bulky) else None
        return Guess(self.vocab[word][0], word, len(word)) if word is not None else None

    def _special(self, suffix: str) -> Guess | None:
        """Hard shells, big pits, big bones and wrappers: food words whose part is not food waste."""
        for words, parts, rule in self.special_parts:
            if not suffix.endswith(parts):
                continue  # one C call before the tests per part
            for part in parts:
                if suffix.endswith(part) and suffix[: -len(part)].removesuffix("的") in words:
                    return Guess(rule, suffix, len(suffix))  # "果冻壳", "火腿肠的皮"
        return None

    def _ending(self, text: str) -> Guess | None:
        for ending in self.endings:
            suffix = ending.match(text)
            if suffix is not None:
                return Guess(ending.rule, suffix, len(suffix))
        return None

    def _material(self, tokens: Sequence[str], text: str) -> Guess | None:
        """A material token before the head ("不锈钢|勺子", "陶瓷|摆件"): the last one named decides."""
        heads = [t.lower() for t in tokens[:-1]]
        for token in reversed(heads):
            material = self._material_of.get(token)
            if material is not None:
                return Guess(material, token)
        # jieba may glue a material to the next word ("铁皮饼干盒"): a multi-character material at the start
        if text.startswith(self._long_material_words):
            for word, rule in self._long_materials:
                if text.startswith(word) and len(text) > len(word):
                    return Guess(rule, word)
        return None

    def _food_ending(self, text: str) -> Guess | None:
        if self.food_endings is None or len(text) > 8:
            return None
        suffix = self.food_endings.match(text)
        return Guess(self.food_endings.rule, suffix) if suffix is not None else None


def _negated(phrase: str, word: str) -> bool:
    """The word is said as absent ("不含汞", "无汞", "没有油")."""
    at = phrase.find(word)
    return phrase[max(0, at - 2) : at].endswith(("不", "无", "没", "没有", "非"))


def read_generaliser(text: str) -> Generaliser:
    """A generaliser from the YAML text."""
    data = yaml.load(text, Loader=_LOADER) or {}  # a safe loader (libyaml's when present)
    if not isinstance(data, dict):
        raise CatalogueError(f"{FILE} must be a YAML mapping")
    return Generaliser(data)


@cache
def bundled_generaliser() -> Generaliser:
    """The shipped rules, read once per process."""
    return read_generaliser(bundled_text(FILE))
