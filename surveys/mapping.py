"""Column and value mappings for imports of foreign files (问卷星, paper forms typed up elsewhere): YAML or JSON.

    columns:                       # foreign header → question id (or wave / submitted_at)
      "1、您是否接触过": publicity    # a key matches a header equal to it or starting with it ("1、" matches "1、您…")
      "提交答卷时间": submitted_at
    values:                        # per question id: foreign option text → our option code or label
      satisfaction: {"非常满意": satisfied, "说不好": unsure}

Multiple-choice cells are split on ┋ | , before each part is mapped, and joined again with ┋.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from surveys.definition import Survey

SPLIT = re.compile(r"\s*[┋|,，、;；]\s*")
EXTRA_TARGETS = ("wave", "submitted_at")


@dataclass(frozen=True)
class ImportMap:
    """Foreign header keys → our column names, and per-column foreign value → our value."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def rename(self, header: list[str]) -> dict[str, str]:
        """Foreign header → our column for every header a key matches; ValueError when a key is ambiguous."""
        renamed: dict[str, str] = {}
        for key, target in self.columns.items():
            exact = [h for h in header if _norm(h) == _norm(key)]
            found = exact or [h for h in header if _norm(h).startswith(_norm(key))]
            if len(found) > 1:
                raise ValueError(f"映射里的列名“{key}”对应了多个表头：{'、'.join(found)}")
            if found:
                renamed[found[0]] = target
        targets = list(renamed.values())
        doubled = sorted({t for t in targets if targets.count(t) > 1})
        if doubled:
            raise ValueError(f"映射后有重复的列：{'、'.join(doubled)}")
        return renamed

    def value(self, column: str, text: str, *, multiple: bool) -> str:
        """The cell with the column's value mapping applied (each part of a multiple choice)."""
        table = self.values.get(column)
        if not table or not text:
            return text
        if not multiple:
            return table.get(text.strip(), text)
        parts = [p for p in SPLIT.split(text) if p]
        return "┋".join(table.get(p, p) for p in parts)


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def load_map(path: Path, survey: Survey) -> ImportMap:
    """Read and check a mapping file against the survey; ValueError with the reason."""
    try:
        raw_text = path.read_text(encoding="utf-8-sig")
        data = json.loads(raw_text) if path.suffix.lower() == ".json" else yaml.safe_load(raw_text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"{path.name}: 无法读取映射文件（{exc}）") from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("columns", {}), Mapping):
        raise ValueError(f"{path.name}: 映射文件应有 columns（外部表头 → 题目编号）和可选的 values")
    known = {q.id for q in survey.questions} | set(EXTRA_TARGETS)
    columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
    unknown = sorted({v for v in columns.values() if v not in known})
    if unknown:
        raise ValueError(f"{path.name}: columns 指向了问卷里没有的题目：{'、'.join(unknown)}")
    values: dict[str, dict[str, str]] = {}
    for qid, table in (data.get("values") or {}).items():
        if str(qid) not in known or not isinstance(table, Mapping):
            raise ValueError(f"{path.name}: values 的“{qid}”不是题目编号，或不是“外部选项: 我们的选项”的对照表")
        values[str(qid)] = {str(k).strip(): str(v) for k, v in table.items()}
    return ImportMap(columns, values)
