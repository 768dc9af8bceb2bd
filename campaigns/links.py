"""Tracked links: each http/https link of a push becomes /l/<token> for that delivery; the first click is recorded.

Tokens are 128 random bits (URL-safe base64, 22 characters), stored in `tracked_links` with the original URL and
the ledger row, created when a row is claimed for sending (a retry reuses them). The redirect target is only ever
the stored URL, so /l/ cannot be used as an open redirect. Links are rewritten only when the public address is
configured (WUFEI_SURVEYS__BASE_URL): a relative /l/ link would not open from WeChat or Telegram.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from campaigns.models import Delivery, TrackedLink
from surveys.models import COMPLETED, SurveyLink, SurveyResponse

if TYPE_CHECKING:
    from campaigns.ledger import Claimed

URL = re.compile(r"https?://[^\s<>\"'，。！？、；：（）【】《》“”‘’]+")
TRAILING = ".,;:!?)]}'\""
MAX_URL = 512
TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")


def is_web_url(value: str) -> bool:
    """True for an absolute http(s) address with a host and no spaces, at most 512 characters: the only kind a
    campaign may store as its link, and the only kind /l/ redirects to."""
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and value.startswith(("http://", "https://"))
        and not any(c.isspace() or ord(c) < 32 for c in value)
        and "\\" not in value
        and len(value) <= MAX_URL
    )


def _clean(url: str) -> str:
    return url.rstrip(TRAILING)


def urls_in(texts: Iterable[str | None]) -> list[str]:
    """The distinct http(s) URLs in these texts, in order (trailing punctuation left out; over 512 chars or not
    `is_web_url` skipped: those are sent as they are, untracked)."""
    found: dict[str, None] = {}
    for text in texts:
        for m in URL.finditer(text or ""):
            url = _clean(m.group(0))
            if is_web_url(url):
                found[url] = None
    return list(found)


def campaign_urls(text: str, link: str | None, variants: Mapping[str, Any]) -> list[str]:
    """Every URL a campaign can put in a push: its text, per-channel texts, its link and template fields."""
    pieces: list[str | None] = [text, link]
    for value in variants.values():
        if isinstance(value, str):
            pieces.append(value)
        elif isinstance(value, Mapping):  # a 图文 picture is fetched by WeChat, not clicked: not tracked
            pieces += [v for k, v in value.items() if isinstance(v, str) and k != "picurl"]
            pieces += [v for d in value.values() if isinstance(d, Mapping) for v in d.values() if isinstance(v, str)]
    return urls_in(pieces)


def ensure(session: Session, rows: list[Claimed], *, now: dt.datetime) -> None:
    """Fill `row.links` (URL → token) for claimed rows, creating the tokens a row does not have yet."""
    wanted: dict[int, list[str]] = {}
    for row in rows:
        urls = campaign_urls(row.text, row.link, row.variants)
        if urls:
            wanted[row.id] = urls
    if not wanted:
        return
    have: dict[int, dict[str, str]] = {}
    for delivery_id, url, token in session.execute(
        select(TrackedLink.delivery_id, TrackedLink.url, TrackedLink.token).where(
            TrackedLink.delivery_id.in_(list(wanted))
        )
    ):
        have.setdefault(delivery_id, {})[url] = token
    new: list[dict[str, Any]] = []
    for row in rows:
        known = have.setdefault(row.id, {})
        for url in wanted.get(row.id, []):
            if url not in known:
                known[url] = secrets.token_urlsafe(16)
                new.append(
                    {"token": known[url], "delivery_id": row.id, "campaign_id": row.campaign_id, "url": url,
                     "created_at": now}
                )  # fmt: skip
        row.links.update(known)
    if new:
        session.execute(insert(TrackedLink), new)


def rewrite(text: str, links: Mapping[str, str], base_url: str) -> str:
    """Replace each known URL in `text` with its tracked address."""
    if not links:
        return text

    def swap(m: re.Match[str]) -> str:
        raw = m.group(0)
        url = _clean(raw)
        token = links.get(url)
        return f"{tracked_url(base_url, token)}{raw[len(url) :]}" if token else raw

    return URL.sub(swap, text)


def tracked_url(base_url: str, token: str) -> str:
    """The public address of one tracked link."""
    return f"{base_url.rstrip('/')}/l/{token}"


# Link-preview fetchers: Telegram fetches a push's link to show its preview (so do chat apps when a resident forwards
# it); that is no resident's click, so such requests are redirected without being recorded.
PREVIEW_AGENTS = re.compile(
    r"TelegramBot|Twitterbot|facebookexternalhit|WhatsApp|Slackbot|Discordbot|LinkedInBot|SkypeUriPreview|"
    r"vkShare|redditbot|Googlebot|bingbot|Baiduspider|YandexBot",
    re.IGNORECASE,
)


def is_preview(user_agent: str | None) -> bool:
    """True for a link-preview fetcher or crawler (its request is not a resident's click)."""
    return bool(user_agent) and PREVIEW_AGENTS.search(user_agent or "") is not None


def click(session: Session, token: str, *, now: dt.datetime, record: bool = True) -> str | None:
    """The target of a tracked link (None when unknown); the first click is recorded with the delivery's channel
    (not when `record` is False: a link-preview fetcher)."""
    if not TOKEN.match(token):
        return None
    found = session.execute(
        select(TrackedLink.id, TrackedLink.url, TrackedLink.clicked_at, Delivery.channel)
        .join(Delivery, Delivery.id == TrackedLink.delivery_id)
        .where(TrackedLink.token == token)
    ).first()
    if found is None or not is_web_url(str(found.url)):  # only ever a stored http(s) address: never an open redirect
        return None
    if found.clicked_at is None and record:  # the WHERE makes two simultaneous first clicks record one time
        session.execute(
            update(TrackedLink)
            .where(TrackedLink.id == found.id, TrackedLink.clicked_at.is_(None))
            .values(clicked_at=now, click_channel=found.channel)
            .execution_options(synchronize_session=False)
        )
    return str(found.url)


def counts(session: Session, campaign_id: int) -> dict[str, int]:
    """Deliveries whose link was opened, and completed survey responses that came through the campaign's pushes."""
    clicked = session.scalar(
        select(func.count(func.distinct(TrackedLink.delivery_id))).where(
            TrackedLink.campaign_id == campaign_id, TrackedLink.clicked_at.is_not(None)
        )
    )
    responses = session.scalar(
        select(func.count(func.distinct(SurveyLink.response_id)))
        .join(Delivery, Delivery.id == SurveyLink.delivery_id)
        .join(SurveyResponse, SurveyResponse.id == SurveyLink.response_id)
        .where(Delivery.campaign_id == campaign_id, SurveyResponse.status == COMPLETED)
    )
    return {"clicked": int(clicked or 0), "survey_responses": int(responses or 0)}
