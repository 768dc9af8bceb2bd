"""The composition root: the database made ready on first use, and the shared knowledge snapshot."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from bot import migrate
from bot.config import Settings
from bot.db import session_factory, set_sqlite_synchronous, transaction, utcnow
from knowledge import plans, service
from knowledge.core import KnowledgeBase

log = logging.getLogger(__name__)


def ensure_ready(settings: Settings) -> sessionmaker[Session]:
    """Create or migrate the database and load the shipped knowledge when it changed; idempotent."""
    url = settings.db_url
    if url.startswith("sqlite"):
        set_sqlite_synchronous(url, settings.sqlite_synchronous)
    if not migrate.is_current(url):
        log.info("migrating database %s", _redacted(url))
        migrate.upgrade(url)
    factory = session_factory(url)
    with transaction(factory) as session:
        if service.load_bundled(session, now=utcnow()):
            log.info("loaded the bundled catalogue and FAQ")
        plans.ingest_bundled(session, now=utcnow())
    return factory


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@dataclass
class KnowledgeCache:
    """Keeps one KnowledgeBase per process and rebuilds it when the version in the database changes."""

    factory: sessionmaker[Session]
    _kb: KnowledgeBase | None = None
    _version: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, session: Session, *, version: str | None = None) -> KnowledgeBase:
        """The current snapshot (one cheap version read per call, none when the caller read `version` already)."""
        version = version if version is not None else service.current_version(session)
        if self._kb is not None and version == self._version:
            return self._kb
        with self._lock:
            if self._kb is None or version != self._version:
                self._kb = service.build_knowledge(session)
                self._version = version
        return self._kb
