"""Toneless pinyin of a string, for homophone typos ("塑料代" → su liao dai → 塑料袋) and pinyin input.

Reads pypinyin's per-character table directly: importing the pypinyin package also loads its 40 MB phrase
dictionary, which a typo check does not need.
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pypinyin is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
    raw: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return {int(code): _toneless(readings.split(",")[0]) for code, readings in raw.items()}


def _toneless(reading: str) -> str:
    decomposed = unicodedata.normalize("NFKD", reading).replace("u\u0308", "v")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def pinyin_key(text: str) -> str:
    """Space-separated toneless readings; characters without a reading stand for themselves."""
    table = _table()
    return " ".join(table.get(ord(ch), ch) for ch in text)


# Words besides item names that residents spell in pinyin ("kou zhao reng na", "na pi ne").
_QUESTION_WORDS = (
    "和 扔哪 扔哪里 扔到哪 放哪 放哪里 哪个桶 什么桶 什么垃圾 是什么垃圾 属于什么 怎么扔 怎么处理 怎么办 垃圾 的 呢 吗 啊 那 这 "
    "那个 这个 是 用过 用完 用过的 用完的 吃剩的 旧的 过期 过期的 坏了 坏的 皮 壳 核 瓶子 袋子 盒子 一次性 "
    "碎了 打碎了 摔碎了 破了 烂了 没电了 洗过的 洗干净的 了 过期了 用完了 "
    "请问 问下 问一下 想问 我想问 我想问下 我想问一下 我想知道 "
    "放哪个桶 扔哪个桶 丢哪 丢哪里 我家 我家的 我们家 我们家的 家里 家里的"
).split()
# Spellings residents type for those words without the final g ("ren na" for 扔哪): read as the word meant.
_MISSPELT = {"renna": "扔哪", "rennali": "扔哪里", "rendaona": "扔到哪"}
_LATIN_RUN = re.compile(r"[a-z][a-z ]*[a-z]|[a-z]")
# letters right next to characters, without a space: a word the keyboard converted only in part ("电chi")
_HALF_TYPED = re.compile(
    r"(?P<before>[\u4e00-\u9fff]{0,3})(?<![a-z])(?P<letters>[a-z]{2,8})(?![a-z])(?P<after>[\u4e00-\u9fff]{0,3})"
)


class PinyinReader:
    """Reads pinyin typed in Latin letters ("suliaoping", "kou zhao reng na") as the Chinese words it spells."""

    def __init__(self, names: Iterable[str], rank: Callable[[str], float], kind: Callable[[str], str | None]) -> None:
        groups: dict[str, list[str]] = {}
        table = _table()
        for name in [*names, *_QUESTION_WORDS]:
            # a name with Latin letters in it ("led灯", "aa电池") is spelt with those letters as they are ("led deng")
            if name.isascii() or not all(ord(ch) in table or (ch.isascii() and ch.isalnum()) for ch in name):
                continue
            groups.setdefault("".join(table.get(ord(ch), ch) for ch in name), []).append(name)
        index: dict[str, str] = {}
        for key, spelled in groups.items():
            top, *others = sorted(dict.fromkeys(spelled), key=lambda n: (-rank(n), n))
            # "xiangjiao" is 香蕉 or 橡胶: a spelling shared by things in different bins is read only when one
            # of them is far better known
            if all(kind(n) == kind(top) or rank(n) * 10 <= rank(top) for n in others):
                index[key] = top
        for key, word in _MISSPELT.items():
            index.setdefault(key, word)
        self.index = index
        self.longest = max((len(k) for k in index), default=1)

    def read(self, text: str) -> str:
        """The text with every run of letters that spells known words in pinyin replaced by those words."""
        if _HALF_TYPED.search(text) is not None:
            text = _HALF_TYPED.sub(self._half, text)
        return _LATIN_RUN.sub(self._run, text)

    def _half(self, match: re.Match[str]) -> str:
        """ "电chi", "烟tou": a word typed half in characters, half in the pinyin the keyboard did not convert; the
        word whose reading the characters and letters spell together, when it holds the characters typed."""
        before, letters, after = match.group("before"), match.group("letters"), match.group("after")
        if self._segment(letters) is not None:
            return match.group()  # "xiaomi手环": the letters are words of their own
        for i in range(len(before)):  # the fewest characters before the letters first
            head = before[len(before) - 1 - i :]
            word = self.index.get(pinyin_key(head).replace(" ", "") + letters)
            if word is not None and word.startswith(head):
                return before[: len(before) - 1 - i] + word + after
        for j in range(1, len(after) + 1):
            tail = after[:j]
            word = self.index.get(letters + pinyin_key(tail).replace(" ", ""))
            if word is not None and word.endswith(tail):
                return before + word + after[j:]
        return match.group()

    def _run(self, match: re.Match[str]) -> str:
        words = self._segment(match.group().replace(" ", ""))
        if words is not None:
            return "".join(words)
        # not all of it spells known words ("suliaoping xyz"): read the space-separated pieces that do
        pieces = match.group().split(" ")
        read = [self._segment(piece) for piece in pieces]
        return " ".join("".join(r) if r is not None else piece for r, piece in zip(read, pieces, strict=True))

    def _segment(self, letters: str) -> list[str] | None:
        """The fewest known words spelling `letters` exactly, or None."""
        n = len(letters)
        best: list[list[str] | None] = [[]] + [None] * n
        for end in range(1, n + 1):
            for start in range(max(0, end - self.longest), end):
                before = best[start]
                word = self.index.get(letters[start:end])
                if before is None or word is None:
                    continue
                current = best[end]
                if current is None or len(before) + 1 < len(current):
                    best[end] = [*before, word]
        return best[n]
