"""Key/value facts about the loaded knowledge: the bundled-data digest and the version counter for cache reloads."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.models import KbMeta

BUNDLE_KEY = "bundled_digest"
VERSION_KEY = "version"
# built once: read on every chat message, a plain column read costs a fraction of loading the row as an object
_VERSION = select(KbMeta.value).where(KbMeta.key == VERSION_KEY)


def get_meta(session: Session, key: str) -> str | None:
    """A value from kb_meta."""
    row = session.get(KbMeta, key)
    return row.value if row else None


def set_meta(session: Session, key: str, value: str) -> None:
    """Store a value in kb_meta."""
    row = session.get(KbMeta, key)
    if row is None:
        session.add(KbMeta(key=key, value=value))
    else:
        row.value = value


def bump_version(session: Session) -> str:
    """Mark the knowledge as changed so every process rebuilds its in-memory snapshot."""
    value = str(int(get_meta(session, VERSION_KEY) or "0") + 1)
    set_meta(session, VERSION_KEY, value)
    return value


def current_version(session: Session) -> str:
    """The knowledge version counter (one primary-key read)."""
    return session.scalar(_VERSION) or "0"
