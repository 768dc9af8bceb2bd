"""jieba tokenizers: jieba's main dictionary is read once per process and copied into each new tokenizer."""

from __future__ import annotations

import logging
import threading

import jieba

_base: jieba.Tokenizer | None = None
_lock = threading.Lock()
jieba.setLogLevel(logging.WARNING)


def new_tokenizer() -> jieba.Tokenizer:
    """A fresh, initialised tokenizer that can take its own user words without touching jieba's global one."""
    global _base
    with _lock:
        if _base is None:
            _base = jieba.Tokenizer()
            _base.initialize()
        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ = dict(_base.FREQ)
        tokenizer.total = _base.total
        tokenizer.initialized = True
    return tokenizer


def is_common_word(word: str) -> bool:
    """True when jieba's own dictionary knows `word` (before any user words were added)."""
    if _base is None:
        new_tokenizer()
    assert _base is not None
    return _base.FREQ.get(word, 0) > 0
