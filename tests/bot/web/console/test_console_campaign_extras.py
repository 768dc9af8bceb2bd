"""The console's campaign form: per-channel text and the WeChat template, stored and refused exactly as the admin API does."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.config import Settings
from bot.db import session_factory
from bot.web.app import create_app
from tests.bot.web.admin_api.test_admin_campaigns import console_settings
from tests.support.admin import Staff, console_login, staff_per_role

FORM = {
    "name": "环境日",
    "text": "{township}的居民：6月5日环境日，来社区换绿植",
    "channels": ["wechat", "web", "telegram"],
    "kind": "now",
}
API = {"name": "环境日", "text": FORM["text"], "channels": FORM["channels"]}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(console_settings(settings))) as c:
        yield c


@pytest.fixture
def staff(settings: Settings, client: TestClient) -> dict[str, Staff]:
    return staff_per_role(session_factory(settings.db_url))


def _id_of(url: str) -> int:
    found = re.search(r"/admin/campaigns/(\d+)", url)
    assert found, url
    return int(found.group(1))


def test_per_channel_text_and_a_wechat_template_are_saved_like_the_api(
    client: TestClient, staff: dict[str, Staff]
) -> None:
    csrf = console_login(client, staff["staff"])
    page = client.get("/admin/campaigns/new").text
    assert 'name="template_id"' in page and 'name="variant_telegram"' in page and "/admin/segments" in page
    extras = {
        "variant_telegram": "{township}的居民：环境日见！",
        "variant_web": "",
        "template_id": "TPL-ENV-0605",
        "template_fields": "first={township}的居民您好\n\nkeyword1=环境日换绿植\nremark=回复退订不再接收",
        "template_url": "https://wufei.example.cn/env",
    }
    r = client.post("/admin/campaigns", data={**FORM, **extras, "csrf_token": csrf})
    assert r.status_code == 200, r.text
    cid = _id_of(str(r.url))
    shown = html.unescape(r.text)
    assert "Telegram专用文字" in shown and "{township}的居民：环境日见！" in shown
    assert "模板 ID TPL-ENV-0605" in shown and "keyword1</code>：环境日换绿植" in shown
    assert "网页专用文字" not in shown  # an empty variant is not stored

    mine = client.get(f"/api/admin/campaigns/{cid}", headers=staff["staff"].headers).json()
    body = {
        **API,
        "variants": {"telegram": extras["variant_telegram"]},
        "wechat_template": {
            "template_id": "TPL-ENV-0605",
            "url": "https://wufei.example.cn/env",
            "data": {"first": "{township}的居民您好", "keyword1": "环境日换绿植", "remark": "回复退订不再接收"},
        },
    }
    theirs = client.post("/api/admin/campaigns", json=body, headers=staff["staff"].headers).json()
    assert mine["variants"] == theirs["variants"] == {"telegram": "{township}的居民：环境日见！"}
    assert mine["wechat_template"] == theirs["wechat_template"]


@pytest.mark.parametrize(
    ("form", "api", "reason"),
    [
        ({"template_fields": "first=您好"}, {"wechat_template": {"data": {"first": "您好"}}}, "缺少 template_id"),
        ({"template_id": "T1"}, {"wechat_template": {"template_id": "T1", "data": {}}}, "data"),
        (
            {"template_id": "T1", "template_fields": "first=您好 {名字}"},
            {"wechat_template": {"template_id": "T1", "data": {"first": "您好 {名字}"}}},
            "模板字段 first：",
        ),
        (
            {"template_id": "T1", "template_fields": "first=您好", "channels": ["web"]},
            {"wechat_template": {"template_id": "T1", "data": {"first": "您好"}}, "channels": ["web"]},
            "渠道里没有微信",
        ),
        ({"variant_wechat": "您好 {名字}"}, {"variants": {"wechat": "您好 {名字}"}}, "未知的占位符"),
    ],
)
def test_a_bad_template_or_channel_text_is_refused_with_the_apis_reason(
    client: TestClient, staff: dict[str, Staff], form: dict[str, Any], api: dict[str, Any], reason: str
) -> None:
    refused = client.post("/api/admin/campaigns", json={**API, **api}, headers=staff["staff"].headers)
    assert refused.status_code == 422 and reason in refused.json()["detail"]
    csrf = console_login(client, staff["staff"])
    r = client.post("/admin/campaigns", data={**FORM, **form, "csrf_token": csrf})
    assert r.status_code == 422
    shown = html.unescape(r.text)
    assert refused.json()["detail"] in shown
    for value in form.values():  # what was typed is kept
        if isinstance(value, str):
            assert value in shown
    assert "还没有宣传活动" in client.get("/admin/campaigns").text


def test_the_template_line_without_equals_gets_the_clis_message(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["staff"])
    r = client.post(
        "/admin/campaigns", data={**FORM, "template_id": "T1", "template_fields": "first", "csrf_token": csrf}
    )
    assert r.status_code == 422 and "模板字段应写成 字段=内容：first" in r.text
