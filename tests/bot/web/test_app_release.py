"""A stopped app is freed: nothing process-wide keeps it, its knowledge snapshot and its engine alive.

FastAPI caches what it learns about every endpoint function in process-wide LRU caches (4,096 entries); an endpoint
that closes over the app kept every app ever built alive, and with it a knowledge snapshot each. In the test
process that grew the heap by about 33,000 objects per app until full garbage collections took seconds, long
enough to stall a WeChat passive reply past its 4-second recording deadline (a 503 in CI).
"""

from __future__ import annotations

import gc
import weakref

from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.config import Settings, WechatSettings
from bot.db import dispose_engines
from bot.web.app import create_app
from knowledge.core import KnowledgeBase


def _run_once(settings: Settings) -> tuple[weakref.ref[object], weakref.ref[KnowledgeBase]]:
    wechat = WechatSettings(token=SecretStr("t"), app_id="wx0", app_secret=SecretStr("s"))
    app = create_app(settings.model_copy(update={"wechat": wechat}))
    with TestClient(app) as client:
        for path in ("/healthz", "/metrics", "/docs", "/redoc", "/api/indicators"):
            client.get(path)
        kb = app.state.dialogue.knowledge._kb
        assert kb is not None  # warmed up at start-up (WeChat is on)
    dispose_engines()
    return weakref.ref(app), weakref.ref(kb)


def test_a_stopped_app_and_its_knowledge_snapshot_are_freed(settings: Settings) -> None:
    app, kb = _run_once(settings)
    gc.collect()
    assert app() is None, [type(r).__name__ for r in gc.get_referrers(app())]
    assert kb() is None
