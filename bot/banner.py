"""What `wufei serve` (and so `make run`) prints once the server listens: where to chat, where to log in, the first admin."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.admin.models import StaffUser

FIRST_ADMIN = ".venv/bin/wufei user create 姓名 --role admin"


def has_admin(session: Session) -> bool:
    """Whether an enabled admin exists (if not, the banner says how to create one)."""
    query = select(func.count()).select_from(StaffUser).where(StaffUser.role == "admin", StaffUser.disabled.is_(False))
    return bool(session.scalar(query))


def public_host(host: str) -> str:
    """The host to show in a URL: a wildcard bind address is reachable at 127.0.0.1 on this machine."""
    if host in {"0.0.0.0", "", "::"}:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def banner(host: str, port: int, *, admin_exists: bool) -> str:
    """The lines printed when the server is up (Chinese, for the office's staff)."""
    base = f"http://{public_host(host)}:{port}"
    lines = [
        "无废城市小助手已启动：",
        f"  居民聊天页面：{base}/",
        f"  管理后台：    {base}/admin",
    ]
    if host in {"0.0.0.0", "::"}:
        lines.append("  （已监听所有网卡，其他电脑请把 127.0.0.1 换成本机的 IP 地址或域名）")
    if admin_exists:
        lines.append("  用已有的管理员账号登录管理后台。")
    else:
        lines.append(f"  还没有管理员：另开一个终端，在本目录运行 {FIRST_ADMIN}")
        lines.append("  （会打印一次性初始密码，第一次登录后须修改）")
    lines.append("  按 Ctrl+C 停止服务。")
    return "\n".join(lines)
