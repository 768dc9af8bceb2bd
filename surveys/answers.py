"""Turning what a respondent wrote into option codes or values: by number, by option text, or by close wording.

Close wording ("比较满意了", "还行吧") is matched through the options' labels and aliases, but only where a match
lines up with jieba's word boundaries and is not negated by a 不/没 just before it; anything unclear is refused,
so the flow asks again showing the options.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from knowledge.segment import shared_tokenizer
from surveys import texts
from surveys.definition import Option, Question

SEPARATORS = re.compile(r"[┋|,，、;；/\s]+|和|及|与|还有|以及")
STRICT_SEPARATORS = re.compile(r"\s*[┋|,，、;；]\s*")  # files and forms: only explicit separators
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
PARTICLES = "了吧啊呀呢哦嘛的哈呗吗。！!？?～~…．.　 "
NEGATIONS = ("不", "没", "未", "无")


@dataclass
class Parsed:
    """The outcome: values to store, a skip, or an error to show before asking again."""

    values: list[str] = field(default_factory=list)
    skipped: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the answer can be stored (a skip included)."""
        return self.error is None


def clean(text: str) -> str:
    """Full-width to half-width, trimmed of spaces and trailing particles."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    return text.strip(PARTICLES).strip()


def parse(question: Question, text: str, *, fuzzy: bool = True) -> Parsed:
    """Parse one answer; `fuzzy=False` (imports, web form) accepts only codes, labels and option numbers."""
    value = clean(text)
    if not value or (value.lower() in texts.SKIP_WORDS and not _is_option_text(question, value)):
        return Parsed(error=texts.REQUIRED) if question.required else Parsed(skipped=True)
    if question.type == "number":
        return _number(question, value)
    if question.type == "text":
        if len(value) > question.max_length:
            return Parsed(error=texts.TEXT_TOO_LONG.format(max=question.max_length))
        return Parsed(values=[value])
    if question.type == "multiple":
        return _multiple(question, value, fuzzy=fuzzy)
    code = _single(question, value, fuzzy=fuzzy)
    if code is None:
        return Parsed(error=texts.UNCLEAR_CHOICE)
    return Parsed(values=[code])


def _is_option_text(question: Question, value: str) -> bool:
    return any(value == o.label or value in o.aliases for o in question.options)


def _number(question: Question, value: str) -> Parsed:
    found = NUMBER.search(value)
    if found is None:
        return Parsed(error=texts.NOT_A_NUMBER)
    number = float(found.group())
    if question.integer and not number.is_integer():
        return Parsed(error=texts.NOT_INTEGER)
    if question.min is not None and number < question.min:
        return Parsed(error=texts.NUMBER_TOO_SMALL.format(min=question.min))
    if question.max is not None and number > question.max:
        return Parsed(error=texts.NUMBER_TOO_LARGE.format(max=question.max))
    return Parsed(values=[str(int(number)) if number.is_integer() else str(number)])


def _exact(question: Question, value: str) -> str | None:
    """An option by its number, code or label (or an alias written exactly)."""
    if value.isdigit():
        index = int(value)
        return question.options[index - 1].code if 1 <= index <= len(question.options) else None
    folded = value.casefold()
    for option in question.options:
        if folded in (option.code.casefold(), option.label.casefold()):
            return option.code
    for option in question.options:
        if value in option.aliases:
            return option.code
    return None


def _single(question: Question, value: str, *, fuzzy: bool) -> str | None:
    code = _exact(question, value)
    if code is not None or not fuzzy:
        return code
    codes = close_matches(question.options, value)
    if not codes and len(value) >= 2:  # a part of a label: "和庄镇" for "新郑·和庄镇"
        codes = [o.code for o in question.options if value in o.label]
    return codes[0] if len(codes) == 1 else None


def _multiple(question: Question, value: str, *, fuzzy: bool) -> Parsed:
    splitter = SEPARATORS if fuzzy else STRICT_SEPARATORS
    parts = [p for p in splitter.split(value) if p and p.strip(PARTICLES)]
    if len(parts) == 1 and value.isdigit() and len(value) > 1 and len(question.options) < 10:
        parts = list(value)  # "135" = options 1, 3 and 5
    codes: list[str] = []
    for part in parts:
        part = clean(part)
        code = _exact(question, part)
        if code is not None:
            codes.append(code)
            continue
        if not fuzzy:
            return Parsed(error=texts.UNKNOWN_VALUE.format(value=part))
        found = close_matches(question.options, part)
        if not found:
            found = close_matches(question.options, value) if len(parts) > 1 else []
            if not found:
                return Parsed(error=texts.UNCLEAR_CHOICE)
        codes.extend(found)
    unique = list(dict.fromkeys(codes))
    if not unique:
        return Parsed(error=texts.UNCLEAR_CHOICE)
    for option in question.options:
        if option.exclusive and option.code in unique and len(unique) > 1:
            return Parsed(error=texts.EXCLUSIVE_MIXED.format(label=option.label))
    order = [o.code for o in question.options]
    return Parsed(values=sorted(unique, key=order.index))


def close_matches(options: tuple[Option, ...], value: str) -> list[str]:
    """Option codes whose label or alias occurs in `value` on jieba word boundaries, longest phrases first."""
    words = shared_tokenizer().lcut(value)
    bounds = {0}
    position = 0
    for word in words:
        position += len(word)
        bounds.add(position)
    phrases = sorted(
        ((phrase, option.code) for option in options for phrase in (option.label, *option.aliases) if phrase),
        key=lambda pc: -len(pc[0]),
    )
    taken = [False] * len(value)
    found: list[str] = []
    for aligned_only in (True, False):
        for phrase, code in phrases:
            start = value.find(phrase)
            while start >= 0:
                end = start + len(phrase)
                aligned = start in bounds and end in bounds
                if (aligned or not aligned_only) and not any(taken[start:end]):
                    for i in range(start, end):
                        taken[i] = True
                    negated = not phrase.startswith(NEGATIONS) and any(
                        n in value[max(0, start - 2) : start] for n in NEGATIONS
                    )
                    found.append("" if negated else code)
                start = value.find(phrase, start + 1)
        if found:
            break
    if "" in found:
        return []  # "不是很满意": a negated positive phrase is not an answer we can map
    return list(dict.fromkeys(found))
