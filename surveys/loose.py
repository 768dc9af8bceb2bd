"""Reading real exports: headers matched to questions and option labels matched loosely, but only when unambiguous.

Exports from 问卷星, 腾讯问卷 or a county's own spreadsheet write the same answer in many ways: "新建路街道" for
"新郑·新建路街道", "18-29" for "18–29岁", "60以上" for "60岁及以上", full-width digits, "(空)" for an empty cell. A
value is matched loosely only when exactly one option fits; every loose match is reported so staff can check it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from surveys.definition import Option, Question, Survey

EMPTY_MARKERS = frozenset({"(空)", "(跳过)", "(未填)", "(未作答)", "(无)", "空", "-", "--", "—", "n/a", "N/A"})
CITY_PREFIX = re.compile(r"^(新郑|新密|郑州)(市)?[·・.\-—\s]*")
DASHES = re.compile(r"[-–—~～〜至到]+")
HEADER_NUMBER = re.compile(r"^\s*(?:第\s*\d+\s*题|[QqＱ]?\d+)\s*[、.．:：)）]?\s*")
HEADER_TAIL = re.compile(r"[\(（【\[][^)）】\]]*(?:题|选|必答|选答)[^)）】\]]*[\)）】\]]\s*$")
PUNCTUATION = re.compile(r"[\s“”\"'‘’？?！!。，,：:；;、（）()【】\[\]《》]+")


def is_empty_marker(value: str) -> bool:
    """True for the placeholders exports write into an unanswered cell."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    return not text or text in EMPTY_MARKERS


def _key(text: str) -> str:
    """A comparison key: NFKC, no spaces, one kind of dash, 岁/以上/及 spelled out the same way."""
    text = unicodedata.normalize("NFKC", text).strip().casefold()
    text = re.sub(r"\s+", "", text)
    text = DASHES.sub("-", text)
    text = text.replace("周岁", "").replace("岁", "")
    text = re.sub(r"(及|或)?以上$", "+", text)
    text = re.sub(r"(及|或)?以下$", "<", text)
    return text


def _qualified(text: str) -> tuple[str | None, str]:
    """(the city a label or value names, or None; the rest)."""
    text = unicodedata.normalize("NFKC", text).strip()
    found = CITY_PREFIX.match(text)
    if found is None or found.end() == len(text):
        return None, text
    return found.group(1), text[found.end() :]


def option_keys(option: Option) -> set[str]:
    """Every loose spelling of an option: its label (city-qualified and bare) and its aliases."""
    city, bare = _qualified(option.label)
    keys = {_key(bare), *(_key(a) for a in option.aliases)}
    if city is not None:
        keys.add(f"{city}:{_key(bare)}")
    return {k for k in keys if k}


def value_keys(value: str) -> set[str]:
    """The key a written value stands for: city-qualified when it names a city, so 新密… never matches 新郑…."""
    city, bare = _qualified(value)
    key = _key(bare)
    if not key:
        return set()
    return {f"{city}:{key}"} if city is not None else {key}


def loose_option(question: Question, value: str) -> tuple[Option | None, list[Option]]:
    """(the one option the value loosely names, or None; every option it could name when ambiguous)."""
    wanted = value_keys(value)
    hits = [o for o in question.options if option_keys(o) & wanted]
    if len(hits) == 1:
        return hits[0], hits
    return None, hits


def _header_key(header: str) -> str:
    text = unicodedata.normalize("NFKC", header)
    text = HEADER_NUMBER.sub("", text)
    text = HEADER_TAIL.sub("", text)
    return PUNCTUATION.sub("", text).casefold()


def match_headers(survey: Survey, header: list[str]) -> dict[str, str]:
    """Foreign header → question id, for headers that are a question's id or (unambiguously) its wording."""
    ids = {q.id for q in survey.questions}
    if ids & set(header):
        return {}  # a file with our own ids: nothing to guess
    by_text = {_header_key(q.text): q.id for q in survey.questions}
    found: dict[str, str] = {}
    for column in header:
        key = _header_key(column)
        if len(key) < 4:
            continue
        targets = {qid for text, qid in by_text.items() if text and (key == text or key in text or text in key)}
        if len(targets) == 1:
            found[column] = targets.pop()
    counts = Counter(found.values())
    return {column: qid for column, qid in found.items() if counts[qid] == 1}


@dataclass
class LooseLog:
    """What an import matched loosely: (column as written, value as written, option label) → rows."""

    matches: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    headers: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """One readable line per loose match, for the import report."""
        out = [f"表头“{column}”按题目文字对应到题目 {qid}" for column, qid in self.headers.items()]
        for (column, value, label), n in sorted(self.matches.items()):
            out.append(f"列“{column}”的“{value}”按“{label}”导入（{n} 行）")
        return out
