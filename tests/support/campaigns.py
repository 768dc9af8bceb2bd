"""Helpers for campaign tests: residents in bulk, a recording fake Sender, a clock that moves when told."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import SendResult
from bot.db import transaction
from campaigns.models import ChannelIdentity, Resident


@dataclass
class Clock:
    """A settable clock."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


@dataclass
class FakeSender:
    """Records every send; answers with scripted results per external id (default: ok)."""

    channel: str = "telegram"
    results: dict[str, list[SendResult]] = field(default_factory=dict)
    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, external_id: str, text: str, *, now: dt.datetime) -> SendResult:
        script = self.results.get(external_id)
        result = script.pop(0) if script else SendResult(ok=True, provider_id=f"m{len(self.sent)}")
        if result.ok:
            self.sent.append((external_id, text))
        return result


@dataclass
class FakeTemplateSender(FakeSender):
    """A recording WeChat-like sender that also takes template messages (like WechatSender.send)."""

    channel: str = "wechat"
    templates: list[tuple[str, Mapping[str, Any] | None]] = field(default_factory=list)

    def send(  # type: ignore[override]
        self, external_id: str, text: str, *, now: dt.datetime, template: Mapping[str, Any] | None = None
    ) -> SendResult:
        self.templates.append((external_id, template))
        return super().send(external_id, text, now=now)


def add_residents(
    factory: sessionmaker[Session],
    n: int,
    *,
    now: dt.datetime,
    channel: str = "web",
    prefix: str = "u",
    consent: bool = True,
    **fields: object,
) -> list[int]:
    """Create n residents with one identity each on `channel`; returns their ids."""
    ids = []
    with transaction(factory) as session:
        for i in range(n):
            # consent=False is a recorded "no" (consent_at set): such residents are skipped under either consent mode
            r = Resident(
                created_at=now, last_seen_at=now, push_consent=consent, consent_at=None if consent else now,
                status="active", **fields,
            )  # fmt: skip
            session.add(r)
            session.flush()
            session.add(ChannelIdentity(resident_id=r.id, channel=channel, external_id=f"{prefix}{i}", created_at=now))
            ids.append(r.id)
    return ids
