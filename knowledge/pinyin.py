"""Toneless pinyin of a string, for homophone typos ("塑料代" → su liao dai → 塑料袋).

Reads pypinyin's per-character table directly: importing the pypinyin package also loads its 40 MB phrase
dictionary, which a typo check does not need.
"""

from __future__ import annotations

import importlib.util
import json
import unicodedata
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
