"""Campaign text per resident and channel: simple placeholders ({township}, {city}, {community}), a link, variants."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from campaigns import news
from campaigns.texts import LINK_LINE, STOP_LINE

PLACEHOLDER = re.compile(r"\{(township|city|community|问卷链接)\}")
FALLBACK = {
    "township": "您所在的乡镇（街道）",
    "city": "本市",
    "community": "您的社区",
    "问卷链接": "（回复“问卷”即可参加调查）",
}
# Placeholders filled per delivery (profile["delivery_id"]) by a function the application installs, e.g. the
# personal survey link of surveys.links; without one (or without a delivery, as in test sends) FALLBACK is used.
PER_DELIVERY: dict[str, Callable[[int], str]] = {}


def per_delivery(text: str, variants: Mapping[str, Any]) -> bool:
    """True when the text or a variant holds a placeholder filled per delivery (its render cannot be shared)."""
    if not PER_DELIVERY:
        return False
    bodies = [text, *(v for v in variants.values() if isinstance(v, str))]
    return any(f"{{{name}}}" in body for name in PER_DELIVERY for body in bodies)


def check(text: str) -> None:
    """Refuse a text with unknown placeholders (so staff see the typo before launch)."""
    for name in re.findall(r"\{([^{}]*)\}", text):
        if name not in FALLBACK:
            raise ValueError(f"未知的占位符 {{{name}}}（可用：{{township}} {{city}} {{community}} {{问卷链接}}）")


def render(
    text: str,
    *,
    link: str | None,
    variants: Mapping[str, Any],
    channel: str | None,
    profile: Mapping[str, str | None],
    stop_line: bool = False,
) -> str:
    """The text one resident gets on one channel: the channel's variant if any, placeholders filled, link appended,
    and (for pushes) the one line on how to stop."""
    variant = variants.get(channel or "")
    body = variant if isinstance(variant, str) and variant else text
    body = PLACEHOLDER.sub(lambda m: _value(m.group(1), profile), body)
    article = news.of(variants)
    if article is not None and channel != "web":  # the web chat shows the article as a card instead
        body += news.text_lines(article)
    return body + (LINK_LINE.format(link=link) if link else "") + (STOP_LINE if stop_line else "")


def _value(name: str, profile: Mapping[str, str | None]) -> str:
    make, delivery = PER_DELIVERY.get(name), profile.get("delivery_id")
    if make is not None and delivery:
        return make(int(delivery))
    return profile.get(name) or FALLBACK[name]
