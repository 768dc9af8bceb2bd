"""Fixtures shared by the bot tests (channels and webhooks): the local fake WeChat API server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_wechat import FakeWechat, fake_wechat_server


@pytest.fixture
def fake() -> Iterator[FakeWechat]:
    """A fake WeChat API server on a local port, for one test."""
    with fake_wechat_server() as server:
        yield server
