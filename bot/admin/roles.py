"""Roles and what each may do: areas of the console, read or write."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("admin", "staff", "office", "viewer")
ROLE_NAMES = {"admin": "管理员", "staff": "宣传与知识库工作人员", "office": "办公室（问卷与指标）", "viewer": "只读"}
AREAS = ("knowledge", "campaigns", "cells", "surveys", "conversations", "users", "audit")
AREA_NAMES = {
    "knowledge": "知识库",
    "campaigns": "宣传活动",
    "cells": "无废细胞",
    "surveys": "问卷与指标",
    "conversations": "人工客服会话",
    "users": "用户",
    "audit": "操作日志",
}
# who may change each area; everyone but viewers of users/audit may read the others
WRITERS: dict[str, frozenset[str]] = {
    "knowledge": frozenset({"admin", "staff"}),
    "campaigns": frozenset({"admin", "staff"}),
    "cells": frozenset({"admin", "staff"}),
    "surveys": frozenset({"admin", "office"}),
    "conversations": frozenset({"admin", "staff"}),
    "users": frozenset({"admin"}),
    "audit": frozenset({"admin"}),
}
READERS: dict[str, frozenset[str]] = {
    # residents' own messages are personal data: only the roles that answer them may read them
    "conversations": frozenset({"admin", "staff"}),
    "users": frozenset({"admin"}),
    "audit": frozenset({"admin"}),
}


@dataclass(frozen=True)
class Permission:
    """What a route needs: an area and whether it changes things."""

    area: str
    write: bool = False

    def allowed(self) -> frozenset[str]:
        """The roles that pass."""
        if self.write:
            return WRITERS[self.area]
        return READERS.get(self.area, frozenset(ROLES))

    def allows(self, role: str) -> bool:
        """True if `role` passes."""
        return role in self.allowed()
