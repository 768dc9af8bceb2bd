"""The staff console's page helpers: the templates, the menu, rendering, error pages and redirects with a message.

Each area has its own module of routes: account (login, password), dashboard, knowledge (and the 方案), users
(and the audit log), campaigns, cells, segments, residents, inbox, surveys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from bot.admin import audit_names
from bot.admin.roles import ROLE_NAMES
from bot.web.admin_auth import ConsoleUser

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))  # bot/web/templates
templates.env.filters["bjt"] = audit_names.beijing  # every time in the console is Beijing time
templates.env.globals["action_name"] = audit_names.action_name
templates.env.globals["describe"] = audit_names.describe


@dataclass(frozen=True)
class NavLink:
    """A console section added by a feature module."""

    key: str
    label: str
    href: str
    area: str


EXTRA_NAV: list[NavLink] = []


def add_nav(key: str, label: str, href: str, area: str) -> None:
    """Show another section in the console's menu (to users who may read `area`)."""
    if all(link.key != key for link in EXTRA_NAV):
        EXTRA_NAV.append(NavLink(key, label, href, area))


def render(
    request: Request, template: str, user: ConsoleUser | None, nav: str = "", *, status: int = 200, **ctx: Any
) -> Response:
    """A console page."""
    links = [link for link in EXTRA_NAV if user is not None and user.can(link.area)]
    context = {"user": user, "nav": nav, "role_names": ROLE_NAMES, "extra_nav": links, **ctx}
    return templates.TemplateResponse(request, f"admin/{template}", context, status_code=status)


ERROR_TITLES = {403: "没有权限", 404: "找不到页面", 405: "不支持的操作", 413: "文件过大", 422: "填写有误"}


def error_page(request: Request, status: int, detail: str) -> Response:
    """A console error as a page, not JSON."""
    title = ERROR_TITLES.get(status, "请求有误" if status < 500 else "服务器出错")
    return render(request, "error.html", None, status=status, title=title, detail=detail)


def back(path: str, *, ok: str | None = None, error: str | None = None) -> RedirectResponse:
    """Redirect after a POST, carrying a short message."""
    sep = "&" if "?" in path else "?"
    if ok:
        path += f"{sep}ok={quote(ok)}"
    elif error:
        path += f"{sep}error={quote(error)}"
    return RedirectResponse(path, status_code=303)


def messages(request: Request) -> dict[str, Any]:
    """The ok/error message a redirect carried."""
    return {"ok": request.query_params.get("ok"), "error": request.query_params.get("error")}
