"""Text clean-up before matching: full-width to half-width, traditional to simplified, emoji and noise removed."""

from __future__ import annotations

import re
import unicodedata

import zhconv
from zhconv.zhconv import getdict

# Characters that only occur in traditional text: most messages have none and skip the (slower) conversion.
_TRADITIONAL = frozenset(k for k, v in getdict("zh-cn").items() if len(k) == 1 and v != k)

MAX_CHARS = 500

# Separators between several items in one message ("电池和纸巾", "电池、纸巾") are kept as "，".
_KEEP = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff，,、;；/|.·%\s]")
_SEP = re.compile(r"[,;；/|]+")
# 河南 and other everyday spoken forms, mapped to the words the lexicon knows ("俺家的旧衣裳搁哪" → 我家…放哪)
_DIALECT = str.maketrans(
    {"啥": "什么", "咋": "怎么", "搁": "放", "俺": "我", "恁": "你", "哩": "的", "嘞": None, "捏": None}
)
_SPACES = re.compile(r"\s+")
_CJK_GAP = re.compile(r"([\u4e00-\u9fff]+) (?=([\u4e00-\u9fff]+))")


def _gap(match: re.Match[str]) -> str:
    """A space between two longer runs of Chinese separates clauses ("摔碎了 玻璃渣咋弄"); a short one is a typo."""
    left, right = match.group(1), match.group(2)
    return left + ("，" if len(left) >= 3 and len(right) >= 3 else "")


def normalize(text: str, *, limit: int = MAX_CHARS) -> str:
    """Clean a resident's message for matching; the result is lower-case Simplified Chinese without symbols."""
    text = unicodedata.normalize("NFKC", text[: limit * 2]).lower()
    if not text.isascii() and not _TRADITIONAL.isdisjoint(text):
        text = zhconv.convert(text, "zh-cn")
    text = text.translate(_DIALECT).replace("中不中", "行不行")
    text = _KEEP.sub(" ", text)
    text = _SEP.sub("，", text)
    text = _SPACES.sub(" ", text).strip()
    text = _CJK_GAP.sub(_gap, text)
    text = text.strip(" ，、.·")
    return text[:limit]
