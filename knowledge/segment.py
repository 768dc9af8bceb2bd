"""The process-wide jieba tokenizer, shared by the matcher and the plan index.

jieba's main dictionary takes about a second and tens of megabytes to load, so it is loaded once per process
into our own `jieba.Tokenizer` (the global `jieba` instance is left alone). User words (catalogue names, plan
vocabulary) are added to it; the frequency a word had before we raised it is kept so that "is this an ordinary
word?" still has jieba's own answer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import jieba

_shared: jieba.Tokenizer | None = None
_original: dict[str, int] = {}
_lock = threading.Lock()
jieba.setLogLevel(logging.WARNING)


def shared_tokenizer() -> jieba.Tokenizer:
    """The initialised tokenizer of this process."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _shared = tokenizer
    return _shared


def add_words(words: Iterable[str], *, freq: int | None = None, floor: int = 0, only_new: bool = False) -> None:
    """Make `words` segment as whole words: a fixed `freq`, or jieba's suggestion raised to at least `floor`."""
    tokenizer = shared_tokenizer()
    with _lock:
        for word in words:
            if len(word) < 2 or (only_new and base_frequency(word) > 0):
                continue
            if word in _original and freq is None and tokenizer.FREQ.get(word, 0) >= floor:
                continue  # added by an earlier build of the knowledge (snapshots are rebuilt after edits)
            _original.setdefault(word, tokenizer.FREQ.get(word, 0))
            value = freq if freq is not None else max(tokenizer.suggest_freq(word, False), floor)
            tokenizer.add_word(word, freq=value)


def base_frequency(word: str) -> int:
    """jieba's own frequency of `word` (0 when its dictionary does not have it)."""
    if word in _original:
        return _original[word]
    return int(shared_tokenizer().FREQ.get(word, 0))


def is_common_word(word: str) -> bool:
    """True when jieba's own dictionary knows `word`."""
    return base_frequency(word) > 0
