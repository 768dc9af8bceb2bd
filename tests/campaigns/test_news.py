"""图文 (news) campaigns (issue #14 §3): checked fields, WeChat `news` inside the window (text outside it), Telegram the
link for a preview, the web inbox a card — all with the delivery's tracked link; the console form's four fields."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import cli
from bot.channels.telegram_sender import TelegramSender
from bot.channels.web_outbox import WebOutboxSender
from bot.config import Settings, get_settings
from bot.db import dispose_engines, session_factory, transaction
from bot.runtime import ensure_ready
from bot.web.app import create_app
from campaigns import lifecycle, news
from campaigns.delivery import DeliveryLoop, send_test
from campaigns.models import Campaign, Resident, TrackedLink
from tests.bot.channels.test_telegram_sender import with_telegram
from tests.bot.channels.test_wechat_outbound import make_sender, opened
from tests.bot.web.admin_api.test_admin_campaigns import console_settings
from tests.campaigns.test_links import BASE, T0, fire
from tests.support.admin import console_login, staff_per_role
from tests.support.campaigns import FakeTemplateSender, add_residents
from tests.support.fake_telegram import running_fake_telegram
from tests.support.fake_wechat import fake_wechat_server
from tests.support.server import running_server
from tests.support.webchat import WebResidents

ARTICLE = {
    "title": "三月三无废集市",
    "description": "带上闲置物品来换购",
    "picurl": "https://img.example.cn/fair.jpg",
    "url": "https://news.example.cn/fair",
}


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    yield
    dispose_engines()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({**ARTICLE, "url": "javascript:alert(1)"}, "链接应以 http:// 或 https:// 开头"),
        ({**ARTICLE, "picurl": "ftp://img.example.cn/a.jpg"}, "图片地址应以 http:// 或 https:// 开头"),
        ({**ARTICLE, "url": "https://a.cn/x y"}, "不能有空格"),
        ({**ARTICLE, "title": ""}, "缺少标题"),
        ({**ARTICLE, "url": ""}, "缺少链接"),
        ({**ARTICLE, "title": "长" * 65}, "标题过长"),
        ({**ARTICLE, "description": "长" * 121}, "摘要过长"),
        ({**ARTICLE, "url": "https://a.cn/" + "x" * 600}, "链接过长"),
        ({**ARTICLE, "title": "{township}集市"}, "不能使用占位符"),
        ({**ARTICLE, "author": "我"}, "多了：author"),
    ],
)
def test_bad_articles_are_refused_with_a_chinese_reason(raw: dict[str, str], reason: str) -> None:
    with pytest.raises(news.NewsError, match=reason):
        news.validate(raw)


def test_a_good_article_is_normalised() -> None:
    assert news.validate({"title": " 集市 ", "url": "http://a.cn", "description": "", "picurl": ""}) == {
        "title": "集市",
        "url": "http://a.cn",
    }
    assert news.from_fields("", " ", "", "") is None


def test_wechat_sends_news_inside_the_window_and_the_text_outside(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 2, now=T0, channel="wechat", prefix="o")
    opened(factory, "o0", at=T0)  # o0 wrote an hour ago; o1 last wrote three days ago
    opened(factory, "o1", at=T0 - dt.timedelta(days=3))
    fire(factory, ["wechat"], text="三月三来集市", variants={news.KEY: news.validate(ARTICLE)})
    with fake_wechat_server() as fake:
        sender = make_sender(factory, fake, subscribe_template_id="SUB", subscribe_fields={"thing1": "{text}"})
        loop = DeliveryLoop(
            factory, {"wechat": sender}, worker="t", clock=lambda: T0, sleep=lambda s: None, link_base=BASE
        )
        loop.drain()
        [call] = fake.sent("message/custom/send")
        [sub] = fake.sent("message/subscribe/bizsend")
    assert call.body["touser"] == "o0" and call.body["msgtype"] == "news"
    [article] = call.body["news"]["articles"]
    assert article["title"] == "三月三无废集市" and article["picurl"] == ARTICLE["picurl"]  # the picture is not tracked
    assert article["description"] == "带上闲置物品来换购\n回复“退订”不再接收"
    with transaction(factory) as session:
        tokens = dict(session.execute(select(TrackedLink.token, TrackedLink.url)).all())
    assert article["url"].startswith(BASE + "l/") and tokens[article["url"].rsplit("/", 1)[1]] == ARTICLE["url"]
    assert set(tokens.values()) == {ARTICLE["url"]}
    assert sub.body["touser"] == "o1" and "【三月三无废集市】" in sub.body["data"]["thing1"]["value"]


def test_telegram_gets_the_article_with_its_link_for_a_preview(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    add_residents(factory, 1, now=T0, channel="telegram", prefix="42")
    fire(factory, ["telegram"], text="三月三来集市", variants={news.KEY: news.validate(ARTICLE)})
    with running_fake_telegram() as fake:
        sender = TelegramSender(with_telegram(settings, fake.base_url), factory)
        try:
            DeliveryLoop(
                factory, {"telegram": sender}, worker="t", clock=lambda: T0, sleep=lambda s: None, link_base=BASE
            ).drain()
        finally:
            sender.close()
        [call] = fake.calls_to("sendMessage")
    text = call.params["text"]
    assert text.startswith("三月三来集市\n\n【三月三无废集市】\n带上闲置物品来换购\nhttps://wufei.example.cn/l/"), text
    assert "news.example.cn" not in text and "img.example.cn" not in text
    assert not call.params.get("disable_web_page_preview") and "link_preview_options" not in call.params


def test_the_web_inbox_carries_the_card_with_the_tracked_link(settings: Settings) -> None:
    factory = ensure_ready(settings)
    quiet = settings.model_copy(
        update={
            "campaigns": settings.campaigns.model_copy(update={"scheduler": False}),
            "surveys": settings.surveys.model_copy(update={"base_url": BASE}),
        }
    )
    with running_server(quiet) as base, httpx.Client() as client:
        people = WebResidents(client, base)
        people.ask("alice", "你好")
        with transaction(factory) as session:
            session.execute(update(Resident).values(push_consent=True))
        fire(factory, ["web"], text="三月三来集市", variants={news.KEY: news.validate(ARTICLE)})
        loop = DeliveryLoop(
            factory,
            {"web": WebOutboxSender(factory)},
            worker="t",
            clock=lambda: T0,
            sleep=lambda s: None,
            link_base=BASE,
        )
        assert loop.drain() == 1
        [message] = people.inbox("alice").json()["messages"]
    assert message["text"].startswith("三月三来集市") and "【" not in message["text"]  # the card shows the article
    card = message["card"]
    assert (card["title"], card["description"], card["picurl"]) == (
        ARTICLE["title"], ARTICLE["description"], ARTICLE["picurl"],
    )  # fmt: skip
    assert card["url"].startswith(BASE + "l/")
    with transaction(factory) as session:
        [(url, clicked)] = session.execute(select(TrackedLink.url, TrackedLink.clicked_at)).all()
    assert url == ARTICLE["url"] and clicked is None


FORM = {
    "name": "三月三", "text": "三月三来集市", "channels": ["web", "wechat"], "kind": "now",
    "news_title": ARTICLE["title"], "news_description": ARTICLE["description"], "news_picurl": ARTICLE["picurl"],
    "news_url": ARTICLE["url"],
}  # fmt: skip


def test_console_form_takes_the_four_fields_and_refuses_a_bad_url(settings: Settings) -> None:
    with TestClient(create_app(console_settings(settings))) as client:
        factory = session_factory(settings.db_url)
        csrf = console_login(client, staff_per_role(factory)["staff"])
        assert 'name="news_picurl"' in client.get("/admin/campaigns/new").text
        bad = client.post("/admin/campaigns", data={**FORM, "news_url": "javascript:alert(1)", "csrf_token": csrf})
        assert "图文链接应以 http:// 或 https:// 开头" in bad.text and 'value="三月三无废集市"' in bad.text
        r = client.post("/admin/campaigns", data={**FORM, "csrf_token": csrf})
        assert "已创建草稿" in r.text and 'id="news-card"' in r.text and "带上闲置物品来换购" in r.text
        with transaction(factory) as session:
            variants = session.scalars(select(Campaign.variants)).one()
        assert variants == {news.KEY: ARTICLE}


def test_cli_create_takes_the_article_and_refuses_a_bad_picture(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WUFEI_DATABASE_URL", settings.db_url)
    get_settings.cache_clear()
    try:
        base = ["campaign", "create", "--name", "三月三", "--text", "来集市", "--news-title", ARTICLE["title"]]
        assert cli.main([*base, "--news-url", ARTICLE["url"], "--news-picurl", "data:image/png;base64,AA"]) == 2
        assert "图文图片地址应以 http:// 或 https:// 开头" in capsys.readouterr().err
        assert cli.main([*base, "--news-url", ARTICLE["url"], "--json"]) == 0
        cid = json.loads(capsys.readouterr().out)["id"]
        assert cli.main(["campaign", "show", str(cid), "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["news"] == {"title": ARTICLE["title"], "url": ARTICLE["url"]}
    finally:
        get_settings.cache_clear()


def test_a_test_send_marks_the_article_title(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        campaign = lifecycle.create(
            session, name="n", text="来集市", channels=["wechat"], variants={news.KEY: news.validate(ARTICLE)}, now=T0
        )
        wechat = FakeTemplateSender()
        [(_, ok, _)] = send_test(campaign, ["wechat:staff"], {"wechat": wechat}, now=T0)
    [(_, extra)] = wechat.templates
    assert ok and extra is not None and extra["news_title"] == "【测试】三月三无废集市" and "template_id" not in extra
    assert "【三月三无废集市】" in wechat.sent[0][1]  # the text (used outside the window) carries the article


def test_telegrams_preview_fetch_is_not_a_click(settings: Settings) -> None:
    factory = ensure_ready(settings)
    add_residents(factory, 1, now=T0, channel="telegram", prefix="42")
    fire(factory, ["telegram"], text="三月三来集市", variants={news.KEY: news.validate(ARTICLE)})
    DeliveryLoop(
        factory, {"telegram": FakeTemplateSender(channel="telegram")}, worker="t", clock=lambda: T0,
        sleep=lambda s: None, link_base=BASE,
    ).drain()  # fmt: skip
    with transaction(factory) as session:
        token = session.scalars(select(TrackedLink.token)).one()
    with TestClient(create_app(console_settings(settings))) as client:
        preview = client.get(
            f"/l/{token}", headers={"User-Agent": "TelegramBot (like TwitterBot)"}, follow_redirects=False
        )
        assert preview.status_code == 302 and preview.headers["location"] == ARTICLE["url"]
        with transaction(factory) as session:
            assert session.scalars(select(TrackedLink.clicked_at)).one() is None
        person = client.get(f"/l/{token}", headers={"User-Agent": "Mozilla/5.0 (iPhone)"}, follow_redirects=False)
        assert person.status_code == 302
        with transaction(factory) as session:
            assert session.scalars(select(TrackedLink.clicked_at)).one() is not None
