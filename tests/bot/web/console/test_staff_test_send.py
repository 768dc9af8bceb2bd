"""Staff test-send to their own chat identity (issue #15 §4): "绑定工作人员" in the web chat gives a code, the staff
member enters it in the console, and the campaign's 测试发送 reaches that chat without a restart; audited, limited."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.admin.models import AuditEntry, StaffUser
from bot.config import Settings
from bot.db import session_factory, transaction, utcnow
from bot.web.app import create_app
from campaigns import binding, lifecycle
from campaigns import binding_texts as texts
from tests.bot.web.admin_api.test_admin_campaigns import console_settings
from tests.support.admin import console_login, make_staff
from tests.support.webchat import WebResidents


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(console_settings(settings, staff=[]))) as c:
        yield c


def test_a_staff_member_binds_their_chat_once_and_test_sends_reach_it(client: TestClient, settings: Settings) -> None:
    factory = session_factory(settings.db_url)
    staff = make_staff(factory, "li", "staff")
    with transaction(factory) as session:
        cid = lifecycle.create(session, name="集市", text="周六无废集市", now=utcnow(), channels=["web"]).id
    csrf = console_login(client, staff)
    page = client.get(f"/admin/campaigns/{cid}").text
    assert 'id="test-send" disabled' in page and "绑定工作人员" in page  # says how to get a recipient
    refused = client.post(f"/admin/campaigns/{cid}/test", data={"csrf_token": csrf})
    assert "绑定工作人员" in refused.text

    chat = WebResidents(client)
    reply = chat.ask("me", "绑定工作人员")["replies"][0]["text"]
    code = re.search(r"绑定码是 (\d{6})", reply).group(1)  # type: ignore[union-attr]
    assert "修改密码" in reply
    chat.client.cookies.clear()
    csrf = console_login(client, staff)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    r = client.post("/admin/chat-identity", data={"csrf_token": csrf, "code": wrong})
    assert texts.WRONG_CODE in r.text
    r = client.post("/admin/chat-identity", data={"csrf_token": csrf, "code": code})
    assert "已绑定聊天账号 web:" in r.text
    with transaction(factory) as session:
        bound = session.scalar(select(StaffUser.chat_identity).where(StaffUser.name == "li"))
        assert bound is not None and bound.startswith("web:")
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "li")).all()
    assert "user.chat_identity" in actions
    r = client.post("/admin/chat-identity", data={"csrf_token": csrf, "code": code})  # single use
    assert texts.WRONG_CODE in r.text

    r = client.post(f"/admin/campaigns/{cid}/test", data={"csrf_token": csrf})
    assert "测试消息已发给 1 个账号" in r.text
    chat.client.cookies.clear()
    pushes = chat.inbox("me").json()["messages"]
    assert [m["text"] for m in pushes] == ["【测试】周六无废集市\n回复“退订”不再接收"]


def test_console_code_guessing_is_limited_per_staff_member(client: TestClient, settings: Settings) -> None:
    factory = session_factory(settings.db_url)
    csrf = console_login(client, make_staff(factory, "wang", "viewer"))
    for _ in range(binding.FAILURES_PER_SENDER):
        r = client.post("/admin/chat-identity", data={"csrf_token": csrf, "code": "000000"})
        assert texts.WRONG_CODE in r.text
    r = client.post("/admin/chat-identity", data={"csrf_token": csrf, "code": "000001"})
    assert texts.TOO_MANY_FAILURES in r.text
