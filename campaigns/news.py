"""图文 (news) cards: a campaign's article (title, description, picture URL, link), checked and shown per channel.

A campaign keeps it in `variants["news"]`. WeChat sends it as a 客服消息 of type `news` inside the 48-hour window
(otherwise the text, which carries the article as lines); Telegram gets those lines, whose link shows a preview; the web
chat shows a card (GET /api/chat/inbox adds it to the push). The link is tracked like any link of the push; the picture
URL is not (WeChat fetches it itself, which is no resident's click)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Campaign, Delivery, TrackedLink

KEY = "news"
FIELDS = ("title", "description", "picurl", "url")
MAX_TITLE = 64  # WeChat shows about two lines of title in a card; Telegram and the web card the same text
MAX_DESCRIPTION = 120
MAX_URL = 512
LABELS = {"title": "标题", "description": "摘要", "picurl": "图片地址", "url": "链接"}


class NewsError(ValueError):
    """An article that cannot be sent (message in Chinese, shown to staff)."""


def _url(value: str, field: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise NewsError(f"图文{LABELS[field]}应以 http:// 或 https:// 开头，且不能有空格：{value[:80]}")
    if len(value) > MAX_URL:
        raise NewsError(f"图文{LABELS[field]}过长（最多 {MAX_URL} 个字符）")
    return value


def validate(raw: Mapping[str, Any]) -> dict[str, str]:
    """Check an article; returns a normalised copy (empty optional fields left out)."""
    unknown = set(raw) - set(FIELDS)
    if unknown:
        raise NewsError(f"图文只能有 标题、摘要、图片地址、链接 四项，多了：{'、'.join(sorted(unknown))}")
    values = {k: str(raw.get(k) or "").strip() for k in FIELDS}
    if not values["title"]:
        raise NewsError("图文缺少标题")
    if not values["url"]:
        raise NewsError("图文缺少链接（居民点开图文后打开的网址）")
    if len(values["title"]) > MAX_TITLE:
        raise NewsError(f"图文标题过长（最多 {MAX_TITLE} 个字）")
    if len(values["description"]) > MAX_DESCRIPTION:
        raise NewsError(f"图文摘要过长（最多 {MAX_DESCRIPTION} 个字）")
    for field in ("title", "description"):
        if "{" in values[field] or "}" in values[field]:
            raise NewsError(f"图文{LABELS[field]}不能使用占位符（花括号）")
    out = {"title": values["title"], "url": _url(values["url"], "url")}
    if values["description"]:
        out["description"] = values["description"]
    if values["picurl"]:
        out["picurl"] = _url(values["picurl"], "picurl")
    return out


def from_fields(title: str, description: str, picurl: str, url: str) -> dict[str, str] | None:
    """An article from four form fields; None when all are empty."""
    if not any(v.strip() for v in (title, description, picurl, url)):
        return None
    return validate({"title": title, "description": description, "picurl": picurl, "url": url})


def of(variants: Mapping[str, Any]) -> Mapping[str, str] | None:
    """The campaign's article, if any."""
    article = variants.get(KEY)
    return article if isinstance(article, Mapping) and article.get("title") and article.get("url") else None


def text_lines(article: Mapping[str, Any]) -> str:
    """The article as lines under a text push (Telegram shows a preview of the link; WeChat outside the window)."""
    description = f"\n{article['description']}" if article.get("description") else ""
    return f"\n\n【{article['title']}】{description}\n{article['url']}"


def cards(session: Session, delivery_ids: list[int], base_url: str) -> dict[int, dict[str, str]]:
    """The web chat's card per delivery that carries an article, its link the delivery's tracked link when there is
    one (so a click on the card counts like a click on the text)."""
    if not delivery_ids:
        return {}
    found: dict[int, dict[str, str]] = {}
    for delivery_id, variants in session.execute(
        select(Delivery.id, Campaign.variants)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Delivery.id.in_(delivery_ids))
    ).all():
        article = of(variants or {})
        if article is not None:
            found[delivery_id] = {k: str(article[k]) for k in FIELDS if article.get(k)}
    if found and base_url:
        from campaigns.links import tracked_url

        for delivery_id, url, token in session.execute(
            select(TrackedLink.delivery_id, TrackedLink.url, TrackedLink.token).where(
                TrackedLink.delivery_id.in_(list(found))
            )
        ).all():
            if found[delivery_id]["url"] == url:
                found[delivery_id]["url"] = tracked_url(base_url, token)
    return found
