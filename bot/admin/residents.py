"""Staff merging and splitting residents, audited: the one path `wufei residents` and the console's resident page share.

The work itself is `campaigns.binding.merge` / `split` (the same as a resident's own 绑定); this adds the audit entry
in the caller's transaction, so the entry commits with the change it describes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import handover  # noqa: F401  (registers its step before a merge)
from bot.admin import audit
from campaigns import binding
from campaigns.binding import MergeResult
from campaigns.models import ChannelIdentity, Resident


class ResidentRefused(ValueError):
    """A merge or split that cannot be done; the message is the Chinese reason shown to staff."""


def _labels(session: Session, resident_id: int) -> list[str]:
    rows = session.execute(
        select(ChannelIdentity.channel, ChannelIdentity.external_id)
        .where(ChannelIdentity.resident_id == resident_id)
        .order_by(ChannelIdentity.id)
    ).all()
    return [f"{c}:{e}" for c, e in rows]


def merge(
    session: Session, keep: Resident, drop: Resident, *, actor: str, salt: str, now: dt.datetime, via: str
) -> MergeResult:
    """Merge `drop` into `keep` (binding.merge) and audit it; ResidentRefused when they are the same resident."""
    if keep.id == drop.id:
        raise ResidentRefused("这两个是同一位居民，无需合并")
    identities = _labels(session, drop.id)
    result = binding.merge(session, keep, drop, salt=salt, now=now)
    audit.record(
        session, actor, "resident.merge", f"#{keep.id}", now=now, merged=f"#{drop.id}", identities=identities,
        dropped_responses=result.dropped_responses, via=via,
    )  # fmt: skip
    return result


def split(session: Session, identity: ChannelIdentity, *, actor: str, now: dt.datetime, via: str) -> Resident:
    """Move one channel account to a new resident (binding.split) and audit it; ResidentRefused for a resident's only
    account."""
    old = identity.resident_id
    label = f"{identity.channel}:{identity.external_id}"
    try:
        new = binding.split(session, identity, now=now)
    except ValueError as exc:
        raise ResidentRefused(str(exc)) from exc
    audit.record(session, actor, "resident.split", f"#{old}", now=now, identity=label, new=f"#{new.id}", via=via)
    return new
