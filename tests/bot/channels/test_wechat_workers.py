"""Two real worker processes on one database: a message WeChat delivers to both is answered once, alike."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import httpx
import pytest
import xmltodict
from sqlalchemy import func, select

from bot.channels.wechat_models import WechatInbound
from bot.config import Settings
from bot.db import dispose_engines, session_factory, transaction
from bot.models import ChatLog
from bot.runtime import ensure_ready
from tests.support.fake_wechat import AES_KEY, APP_ID, TOKEN, message_xml, signed_query
from tests.support.server import free_port, wait_healthy


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    """Each test has its own database: close its pooled connections so PostgreSQL does not run out of slots."""
    yield
    dispose_engines()


@contextmanager
def worker(settings: Settings) -> Iterator[str]:
    """`uvicorn --factory bot.web.app:create_app` in its own process, configured only through WUFEI_* variables."""
    port = free_port()
    env = {
        **os.environ,
        "WUFEI_DATABASE_URL": settings.db_url,
        "WUFEI_DATA_DIR": str(settings.data_dir),
        "WUFEI_WECHAT__TOKEN": TOKEN,
        "WUFEI_WECHAT__APP_ID": APP_ID,
        "WUFEI_WECHAT__ENCODING_AES_KEY": AES_KEY,
        "WUFEI_WECHAT__MODE": "compatible",
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "bot.web.app:create_app",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_healthy(base):
            raise RuntimeError("worker did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_concurrent_deliveries_to_two_workers_are_answered_once(settings: Settings) -> None:
    ensure_ready(settings)  # migrate once up front, as the deploy step does
    xml = message_xml("o_twice", "text", Content="用过的纸巾", MsgId=9_000_001).encode()
    with ExitStack() as stack:
        bases = [stack.enter_context(worker(settings)) for _ in range(2)]

        def deliver(i: int) -> httpx.Response:
            return httpx.post(bases[i % 2] + "/wechat", params=signed_query(), content=xml, timeout=10)

        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(deliver, range(8)))
    assert all(r.status_code == 200 for r in responses)
    contents = {xmltodict.parse(r.text)["xml"]["Content"] for r in responses if r.text != "success"}
    assert len(contents) == 1 and "其他垃圾" in contents.pop()
    with transaction(session_factory(settings.db_url)) as session:
        assert session.execute(select(func.count()).select_from(ChatLog)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(WechatInbound)).scalar_one() == 1
