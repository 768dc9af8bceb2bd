"""WeChat template variants: checked when the campaign is created, rendered per recipient, given only to WeChat."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db import transaction
from campaigns import lifecycle, runs, templates
from campaigns.delivery import DeliveryLoop, send_test
from campaigns.schedule import LOCAL
from campaigns.texts import STOP_LINE
from tests.support.campaigns import Clock, FakeSender, FakeTemplateSender, add_residents

T0 = dt.datetime(2026, 6, 5, 9, 0, tzinfo=LOCAL).astimezone(dt.UTC)
TEMPLATE = {
    "template_id": "TM-001",
    "data": {"first": "{township}的居民您好", "keyword1": "6·5环境日", "remark": "{community}见"},
}


def test_template_variants_are_checked() -> None:
    assert templates.validate({**TEMPLATE, "url": " https://x.example/a "})["url"] == "https://x.example/a"
    # WeChat's own {"value", "color"} form is accepted; the text is kept
    assert templates.validate({"template_id": "t", "data": {"first": {"value": "你好", "color": "#173177"}}}) == {
        "template_id": "t",
        "data": {"first": "你好"},
    }
    for bad, fragment in (
        ({"data": {"first": "x"}}, "template_id"),
        ({"template_id": "t", "data": {}}, "data"),
        ({"template_id": "t", "data": {"first": "{town}"}}, "first"),
        ({"template_id": "t", "data": {"first": ["x"]}}, "文字"),
        ({**TEMPLATE, "color": "red"}, "color"),
    ):
        with pytest.raises(templates.TemplateError, match=fragment):
            templates.validate(bad)
    assert templates.from_fields("t", ["first=你好=呀", "remark="]) == {
        "template_id": "t",
        "data": {"first": "你好=呀", "remark": ""},
    }
    with pytest.raises(templates.TemplateError, match="字段=内容"):
        templates.from_fields("t", ["first"])


def test_template_file_is_read_as_utf8_json(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(TEMPLATE, ensure_ascii=False), encoding="utf-8-sig")
    assert templates.from_file(path) == TEMPLATE
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(templates.TemplateError, match="JSON 对象"):
        templates.from_file(path)
    with pytest.raises(templates.TemplateError, match="找不到"):
        templates.from_file(tmp_path / "missing.json")


def test_template_is_rendered_per_resident_and_passed_only_to_wechat(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 1, now=T0, channel="wechat", prefix="oA", township="新建路街道", community="金水社区")
    add_residents(factory, 1, now=T0, channel="wechat", prefix="oB", township="城关乡")
    add_residents(factory, 1, now=T0, channel="telegram", prefix="t", township="城关乡")
    with transaction(factory) as session:
        campaign = lifecycle.create(
            session,
            name="环境日",
            text="{township}：6·5环境日",
            link="https://x.example/65",
            channels=["wechat", "telegram"],
            variants={templates.KEY: templates.validate(TEMPLATE)},
            now=T0,
        )
        lifecycle.start(session, campaign, now=T0, quiet=None, grace=dt.timedelta(hours=2))
        runs.tick(session, now=T0, quiet=None, grace=dt.timedelta(hours=2))
    wechat, telegram = FakeTemplateSender(), FakeSender()
    loop = DeliveryLoop(
        factory, {"wechat": wechat, "telegram": telegram}, worker="t", clock=Clock(T0), sleep=lambda s: None
    )
    assert loop.drain() == 3
    assert dict(wechat.templates) == {
        "oA0": {
            "template_id": "TM-001",
            "url": "https://x.example/65",  # no url of its own: the campaign link
            "data": {"first": "新建路街道的居民您好", "keyword1": "6·5环境日", "remark": "金水社区见"},
        },
        "oB0": {
            "template_id": "TM-001",
            "url": "https://x.example/65",
            "data": {"first": "城关乡的居民您好", "keyword1": "6·5环境日", "remark": "您的社区见"},
        },
    }
    assert [e for e, _ in wechat.sent] == ["oA0", "oB0"]  # the text still goes along (for the log, or a fallback)
    # the Telegram sender has no template parameter and was not given one
    assert telegram.sent == [("t0", "城关乡：6·5环境日\n详情：https://x.example/65" + STOP_LINE)]


def test_wechat_without_a_template_variant_gets_plain_text(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 1, now=T0, channel="wechat", prefix="o", township="城关乡")
    with transaction(factory) as session:
        campaign = lifecycle.create(session, name="n", text="{township}你好", channels=["wechat"], now=T0)
        lifecycle.start(session, campaign, now=T0, quiet=None, grace=dt.timedelta(hours=2))
        runs.tick(session, now=T0, quiet=None, grace=dt.timedelta(hours=2))
    wechat = FakeTemplateSender()
    DeliveryLoop(factory, {"wechat": wechat}, worker="t", clock=Clock(T0), sleep=lambda s: None).drain()
    assert wechat.templates == [("o0", None)] and wechat.sent == [("o0", "城关乡你好" + STOP_LINE)]


def test_test_send_marks_the_template_and_fills_fallbacks(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        campaign = lifecycle.create(
            session,
            name="n",
            text="{township}你好",
            channels=["wechat", "telegram"],
            variants={templates.KEY: templates.validate({**TEMPLATE, "url": "https://x.example/t"})},
            now=T0,
        )
        wechat, telegram = FakeTemplateSender(), FakeSender()
        results = send_test(campaign, ["wechat:staff", "telegram:9"], {"wechat": wechat, "telegram": telegram}, now=T0)
    assert [ok for _, ok, _ in results] == [True, True]
    assert wechat.templates == [
        (
            "staff",
            {
                "template_id": "TM-001",
                "url": "https://x.example/t",
                "data": {
                    "first": "【测试】您所在的乡镇（街道）的居民您好",
                    "keyword1": "6·5环境日",
                    "remark": "您的社区见",
                },
            },
        )
    ]
    assert telegram.sent == [("9", "【测试】您所在的乡镇（街道）你好" + STOP_LINE)]
