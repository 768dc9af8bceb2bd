"""Campaign text per resident and channel: simple placeholders ({township}, {city}, {community}), a link, variants."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from campaigns.texts import LINK_LINE

PLACEHOLDER = re.compile(r"\{(township|city|community)\}")
FALLBACK = {"township": "您所在的乡镇（街道）", "city": "本市", "community": "您的社区"}


def check(text: str) -> None:
    """Refuse a text with unknown placeholders (so staff see the typo before launch)."""
    for name in re.findall(r"\{([^{}]*)\}", text):
        if name not in FALLBACK:
            raise ValueError(f"未知的占位符 {{{name}}}（可用：{{township}} {{city}} {{community}}）")


def render(
    text: str, *, link: str | None, variants: Mapping[str, Any], channel: str | None, profile: Mapping[str, str | None]
) -> str:
    """The text one resident gets on one channel: the channel's variant if any, placeholders filled, link appended."""
    variant = variants.get(channel or "")
    body = variant if isinstance(variant, str) and variant else text
    body = PLACEHOLDER.sub(lambda m: profile.get(m.group(1)) or FALLBACK[m.group(1)], body)
    return body + (LINK_LINE.format(link=link) if link else "")
