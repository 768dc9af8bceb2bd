"""Every audit action the code records has a Chinese name, so the audit log never shows a bare code to staff."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.admin.audit_names import ACTION_NAMES, action_name, describe

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("bot", "campaigns", "surveys", "knowledge")


def recorded_actions() -> dict[str, str]:
    """action code → file, for every `audit.record(session, actor, "<code>", …)` with a literal code."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                if node.func.attr != "record" or not isinstance(node.func.value, ast.Name):
                    continue
                if node.func.value.id != "audit" or len(node.args) < 3:
                    continue
                code = node.args[2]
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    found.setdefault(code.value, str(path.relative_to(ROOT)))
    return found


def test_every_recorded_action_has_a_chinese_name() -> None:
    actions = recorded_actions()
    assert {"resident.merge", "resident.split", "resident.view", "resident.search", "conversation.read"} <= set(actions)
    missing = {code: where for code, where in actions.items() if code not in ACTION_NAMES}
    assert missing == {}, "add these to bot/admin/audit_names.ACTION_NAMES"
    assert action_name("resident.view") == "查看居民资料" and action_name("x.unknown") == "x（x.unknown）"


def test_coded_values_read_as_names() -> None:
    detail = {"role": "office", "format": "xlsx", "wave": None, "by": ["township", "age_band"], "weighted": True}
    assert (
        describe(detail)
        == "角色：办公室（问卷与指标）；格式：xlsx；批次：全部批次；分组：乡镇（街道）、年龄段；加权：是"
    )
    assert describe({"wave": "2026", "role": "nobody"}) == "批次：2026；角色：nobody"  # unknown codes stay as written
