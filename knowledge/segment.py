"""The process-wide jieba tokenizer, shared by the matcher and the plan index.

jieba's main dictionary takes about a second and tens of megabytes to load, so it is loaded once per process
into our own `jieba.Tokenizer` (the global `jieba` instance is left alone). User words (catalogue names, plan
vocabulary) are added to it; the frequency a word had before we raised it is kept so that "is this an ordinary
word?" still has jieba's own answer.

A process that starts from a compiled snapshot (knowledge/compiled.py) does not load the dictionary at all: the
snapshot holds the dictionary as it was after the knowledge was built, in parts by first character, and a part is
read the first time a text containing that character is segmented. Every lookup jieba makes while segmenting a text
is of a substring of that text, so the parts of its characters are all it needs.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

import jieba

_shared: Tokenizer | None = None
_original: dict[str, int] = {}
_added: list[tuple[str, int]] = []  # every add_word of this process in order: with jieba's dictionary, the state
_lock = threading.Lock()
jieba.setLogLevel(logging.WARNING)

Parts = Callable[[str], dict[str, int]]  # the dictionary words starting with one character
# Route memo (Tokenizer._route): a piece's log probability, or one of these for a piece that is only a prefix of
# dictionary words or is not in the dictionary at all (log probabilities are never above 0).
_PREFIX = 1.0
_ABSENT = 2.0
MEMO_LIMIT = 50_000  # pieces remembered before the memo starts again (a few MB at most)
_HAN = re.compile("[\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+")  # jieba's blocks cut by the dictionary (re_han_default)
_LATIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")  # jieba's re_eng


class Tokenizer(jieba.Tokenizer):
    """jieba's tokenizer whose dictionary may be read part by part (by first character) from a snapshot."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: Parts | None = None  # None: the whole dictionary is in FREQ
        self._read: set[str] = set()
        self._parts_lock = threading.Lock()
        # piece -> log(freq / total), _PREFIX or _ABSENT, for the dictionary (FREQ) and total it was computed from
        self._memo: dict[str, float] = {}
        self._memo_of: tuple[int, int] = (0, 0)

    def prime(self, text: str) -> None:
        """Read the dictionary parts of the characters of `text` that are not in memory yet."""
        if self._parts is None:
            return
        missing = set(text).difference(self._read)
        if not missing:
            return
        with self._parts_lock:
            for ch in missing:
                if ch not in self._read:
                    self.FREQ.update(self._parts(ch))  # no key starting with ch is in FREQ before its part
                    self._read.add(ch)
            self._memo = {}  # pieces remembered absent may be in the part just read

    def cut(self, sentence: Any, *args: Any, **kwargs: Any) -> Any:
        """jieba's cut (lcut, cut_for_search, suggest_freq and tokenize all call it) after priming the text."""
        if self._parts is not None:
            self.prime(jieba.strdecode(sentence))
        return super().cut(sentence, *args, **kwargs)

    def words(self, text: str) -> list[str]:
        """`lcut(text, HMM=False)` without the white-space tokens: the same dictionary route, computed in one pass."""
        if self._parts is not None:
            self.prime(text)
        elif not self.initialized:
            self.initialize()
        out: list[str] = []
        if _HAN.fullmatch(text) is not None:  # most messages are one block
            self._route(text, out)
            return out
        pos = 0
        for block in _HAN.finditer(text):
            start, end = block.span()
            if start > pos:
                out.extend(ch for ch in text[pos:start] if not ch.isspace())  # jieba: one token per character
            self._route(text[start:end], out)
            pos = end
        if pos < len(text):
            out.extend(ch for ch in text[pos:] if not ch.isspace())
        return out

    def _logp(self, piece: str) -> float:
        """The memo's value for a piece: log(freq / total), _PREFIX or _ABSENT, computed from FREQ and remembered."""
        f = self.FREQ.get(piece)
        value = _ABSENT if f is None else math.log(f) - math.log(self.total) if f else _PREFIX
        if len(self._memo) >= MEMO_LIMIT:
            self._memo = {}
        self._memo[piece] = value
        return value

    def _route(self, block: str, out: list[str]) -> None:
        """jieba's get_DAG, calc and __cut_DAG_NO_HMM over one block, appending its words to `out`.

        jieba's log(freq) - log(total) of each piece is remembered (the memo is dropped when the dictionary or its
        total changes), so a piece seen before costs one lookup.
        """
        if self._memo_of != (id(self.FREQ), self.total):
            self._memo, self._memo_of = {}, (id(self.FREQ), self.total)
        memo = self._memo
        logp = self._logp
        n = len(block)
        score = [0.0] * (n + 1)
        ends = [0] * n
        for k in range(n - 1, -1, -1):
            best = -math.inf
            best_end = k
            found = False
            i = k
            piece = block[k]
            p = memo.get(piece)
            if p is None:
                p = logp(piece)
            while p != _ABSENT:
                if p != _PREFIX:
                    found = True
                    value = p + score[i + 1]
                    if value >= best:  # jieba takes the max of (value, end): a tie goes to the longer word
                        best, best_end = value, i
                i += 1
                if i >= n:
                    break
                piece = block[k : i + 1]
                p = memo.get(piece)
                if p is None:
                    p = logp(piece)
            if not found:
                f = self.FREQ.get(block[k]) or 1
                best, best_end = math.log(f) - math.log(self.total) + score[k + 1], k
            score[k] = best
            ends[k] = best_end
        x = 0
        latin = ""
        while x < n:
            y = ends[x] + 1
            if y - x == 1 and block[x] in _LATIN:
                latin += block[x]
            else:
                if latin:
                    out.append(latin)
                    latin = ""
                out.append(block[x:y])
            x = y
        if latin:
            out.append(latin)

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """jieba's add_word, after reading the part the word belongs to."""
        self.prime(word)
        super().add_word(word, freq, tag)
        self._memo = {}

    def suggest_freq(self, segment: Any, tune: bool = False) -> int:
        """jieba's suggest_freq, after priming the whole word."""
        self.prime(segment if isinstance(segment, str) else "".join(segment))
        return int(super().suggest_freq(segment, tune))


def shared_tokenizer() -> Tokenizer:
    """The initialised tokenizer of this process."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                tokenizer = Tokenizer()
                tokenizer.initialize()
                _shared = tokenizer
    return _shared


def started() -> bool:
    """True once this process has a tokenizer (loaded or restored)."""
    return _shared is not None


def restore(total: int, original: dict[str, int], parts: Parts, added: list[tuple[str, int]]) -> bool:
    """Start this process's tokenizer from a snapshot's dictionary instead of jieba's; False if one is running."""
    global _shared
    with _lock:
        if _shared is not None:
            return False
        tokenizer = Tokenizer()
        tokenizer.FREQ, tokenizer.total, tokenizer._parts = {}, total, parts
        tokenizer.initialized = True
        _original.update(original)
        _added.extend(added)
        _shared = tokenizer
        return True


def state() -> tuple[dict[str, int], int, dict[str, int], list[tuple[str, int]]]:
    """The whole dictionary, its total, the words' frequencies before we raised them, and the words added."""
    tokenizer = shared_tokenizer()
    if isinstance(tokenizer, Tokenizer) and tokenizer._parts is not None:
        raise ValueError("the dictionary was restored part by part: it is not all in memory")
    return tokenizer.FREQ, int(tokenizer.total), dict(_original), list(_added)


def state_key() -> str:
    """A digest of the words added to jieba's dictionary in this process, in order (with it, the dictionary)."""
    digest = hashlib.blake2b(digest_size=16)
    for word, value in _added:
        digest.update(f"{word}\t{value}\n".encode())
    return digest.hexdigest()


def add_words(words: Iterable[str], *, freq: int | None = None, floor: int = 0, only_new: bool = False) -> None:
    """Make `words` segment as whole words: a fixed `freq`, or jieba's suggestion raised to at least `floor`."""
    tokenizer = shared_tokenizer()
    with _lock:
        for word in words:
            if len(word) < 2 or (only_new and base_frequency(word) > 0):
                continue
            if word in _original and freq is None and _freq(tokenizer, word) >= floor:
                continue  # added by an earlier build of the knowledge (snapshots are rebuilt after edits)
            _original.setdefault(word, _freq(tokenizer, word))
            value = freq if freq is not None else max(tokenizer.suggest_freq(word, False), floor)
            tokenizer.add_word(word, freq=value)
            _added.append((word, value))


def _freq(tokenizer: jieba.Tokenizer, word: str) -> int:
    if isinstance(tokenizer, Tokenizer):
        tokenizer.prime(word)
    return int(tokenizer.FREQ.get(word, 0))


def base_frequency(word: str) -> int:
    """jieba's own frequency of `word` (0 when its dictionary does not have it)."""
    if word in _original:
        return _original[word]
    return _freq(shared_tokenizer(), word)


def is_common_word(word: str) -> bool:
    """True when jieba's own dictionary knows `word`."""
    return base_frequency(word) > 0
