"""The console's resident page (issue #14 §2): staff find a resident, merge two (after a confirm page showing both) and
split a channel account off, through the same functions as `wufei residents`; only the roles that may read 人工客服
conversations get in; every search, view, merge and split is audited; bad input gets a Chinese 4xx."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.admin.models import AuditEntry
from bot.config import Settings
from bot.db import dispose_engines, transaction
from bot.dialogue import Dialogue, IncomingMessage
from bot.models import ChatLog
from bot.web.app import create_app
from campaigns import cells
from campaigns.models import Cell, CellMember, ChannelIdentity, Resident, RosterEntry
from tests.support.admin import console_login, make_staff, staff_per_role

T0 = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)  # 09:00 in Beijing


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    yield
    dispose_engines()


def say(dialogue: Dialogue, channel: str, user: str, text: str, at: dt.datetime = T0) -> None:
    dialogue.handle(IncomingMessage(channel, user, text, at))


def resident_of(factory: sessionmaker[Session], channel: str, external_id: str) -> int:
    with transaction(factory) as session:
        return int(
            session.execute(
                select(ChannelIdentity.resident_id).where(
                    ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
                )
            ).scalar_one()
        )


def audited(factory: sessionmaker[Session], action: str) -> list[tuple[str, str, dict[str, object]]]:
    with transaction(factory) as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.target, AuditEntry.detail)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.id)
        ).all()
    return [(a, t, dict(d or {})) for a, t, d in rows]


def two_residents(factory: sessionmaker[Session], settings: Settings) -> tuple[int, int]:
    """A WeChat resident who joined a cell and is on its list as 张三丰, and a Telegram resident who chatted twice."""
    dialogue = Dialogue(factory, settings)
    say(dialogue, "wechat", "o_zhang", "电池扔哪")
    say(dialogue, "telegram", "4242", "纸巾扔哪", T0 + dt.timedelta(hours=1))
    say(dialogue, "telegram", "4242", "塑料袋扔哪", T0 + dt.timedelta(hours=2))
    wechat, telegram = resident_of(factory, "wechat", "o_zhang"), resident_of(factory, "telegram", "4242")
    with transaction(factory) as session:
        cells.import_rows(
            session, [{"类型": "学校", "名称": "新建路小学", "乡镇街道": "新建路街道"}], types=["学校"], now=T0
        )
        cell = session.scalars(select(Cell)).one()
        cells.join(session, cell, session.get(Resident, wechat), via="qr", now=T0)  # type: ignore[arg-type]
        session.add(RosterEntry(cell_id=cell.id, name="张三丰", channel="wechat", external_id="o_zhang", created_at=T0))
    return wechat, telegram


def test_roles_that_may_not_read_conversations_are_refused(settings: Settings, factory: sessionmaker[Session]) -> None:
    wechat, telegram = two_residents(factory, settings)
    staff = staff_per_role(factory)
    for role in ("office", "viewer"):
        with TestClient(create_app(settings)) as client:
            csrf = console_login(client, staff[role])
            assert 'href="/admin/residents"' not in client.get("/admin").text  # no menu entry
            for path in ("/admin/residents?q=o_zhang", f"/admin/residents/{wechat}"):
                r = client.get(path)
                assert r.status_code == 403 and "人工客服会话" in r.text, path
            r = client.post("/admin/residents/merge", data={"keep": wechat, "drop": telegram, "csrf_token": csrf})
            assert r.status_code == 403
    assert audited(factory, "resident.search") == [] and audited(factory, "resident.view") == []  # nothing was read
    assert audited(factory, "resident.merge") == []
    with TestClient(create_app(settings)) as client:
        console_login(client, staff["staff"])
        assert 'href="/admin/residents"' in client.get("/admin").text


def test_staff_find_and_merge_two_residents_after_a_confirm_page_and_it_is_audited(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    wechat, telegram = two_residents(factory, settings)
    user = make_staff(factory, "小李", "staff")
    with TestClient(create_app(settings)) as client:
        csrf = console_login(client, user)
        by_name = client.get("/admin/residents", params={"q": "三丰"}).text  # a name on the cell's list
        assert f'href="/admin/residents/{wechat}"' in by_name and f"#{telegram}<" not in by_name
        by_account = client.get("/admin/residents", params={"q": "telegram:4242"}).text
        assert f"#{telegram}<" in by_account and "#{wechat}<" not in by_account

        page = client.get(f"/admin/residents/{telegram}").text
        assert "telegram:4242" in page and "2026-06-05 11:00" in page  # last activity in Beijing time
        assert "本居民只有一个渠道账号" in page
        page = client.get(f"/admin/residents/{wechat}").text
        assert "新建路小学" in page and "张*丰" in page and "张三丰" not in page  # the list name stays masked

        confirm = client.get("/admin/residents/merge", params={"keep": str(wechat), "drop": "telegram:4242"})
        assert confirm.status_code == 200
        assert "wechat:o_zhang" in confirm.text and "telegram:4242" in confirm.text and "确认合并" in confirm.text
        with transaction(factory) as session:  # the confirm page changes nothing
            assert session.get(Resident, telegram) is not None

        done = client.post("/admin/residents/merge", data={"keep": wechat, "drop": telegram, "csrf_token": csrf})
        assert done.status_code == 200 and f"已把居民 #{telegram} 合并到 #{wechat}" in done.text
        assert "wechat:o_zhang" in done.text and "telegram:4242" in done.text  # landed on the kept resident's page

    with transaction(factory) as session:
        assert session.get(Resident, telegram) is None
        moved = session.scalars(select(ChannelIdentity.resident_id)).all()
        assert sorted(moved) == [wechat, wechat]
        history = session.scalar(select(func.count()).select_from(ChatLog).where(ChatLog.resident_id == wechat))
        assert history is not None and history >= 3  # all three questions are the kept resident's now
        assert session.scalar(select(func.count()).select_from(ChatLog).where(ChatLog.resident_id == telegram)) == 0
        assert session.scalars(select(CellMember.resident_id)).all() == [wechat]
    [(actor, target, detail)] = audited(factory, "resident.merge")
    assert (actor, target, detail["merged"], detail["identities"]) == (
        "小李",
        f"#{wechat}",
        f"#{telegram}",
        ["telegram:4242"],
    )
    assert detail["via"] == "管理后台"
    assert [d["query"] for _, _, d in audited(factory, "resident.search")] == ["三丰", "telegram:4242"]
    views = [t for _, t, _ in audited(factory, "resident.view")]
    assert views.count(f"#{wechat}") >= 3 and f"#{telegram}" in views

    admin = make_staff(factory, "管理员甲", "admin")
    with TestClient(create_app(settings)) as client:
        console_login(client, admin)
        log = client.get("/admin/audit").text
        assert "合并居民" in log and "查看居民资料" in log and "搜索居民" in log and "并入的居民" in log


def test_staff_split_a_channel_account_off_into_a_new_resident(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    wechat, telegram = two_residents(factory, settings)
    user = make_staff(factory, "小李", "staff")
    with TestClient(create_app(settings)) as client:
        csrf = console_login(client, user)
        client.post("/admin/residents/merge", data={"keep": wechat, "drop": telegram, "csrf_token": csrf})
        with transaction(factory) as session:
            tg = session.execute(select(ChannelIdentity.id).where(ChannelIdentity.channel == "telegram")).scalar_one()
        assert "拆分为新居民" in client.get(f"/admin/residents/{wechat}").text

        r = client.post(f"/admin/residents/{wechat}/split", data={"identity": tg, "csrf_token": csrf})
        new = resident_of(factory, "telegram", "4242")
        assert new != wechat  # (SQLite may reuse the merged-away number)
        assert r.status_code == 200 and f"拆分为新居民 #{new}" in r.text
        assert resident_of(factory, "wechat", "o_zhang") == wechat

        again = client.post(f"/admin/residents/{new}/split", data={"identity": tg, "csrf_token": csrf})
        assert again.status_code == 200 and "无需拆分" in again.text  # its only account now: nothing happens
        assert resident_of(factory, "telegram", "4242") == new
    [(actor, target, detail)] = audited(factory, "resident.split")
    assert (actor, target, detail["identity"], detail["new"]) == ("小李", f"#{wechat}", "telegram:4242", f"#{new}")


def test_bad_ids_and_forms_get_a_chinese_4xx(settings: Settings, factory: sessionmaker[Session]) -> None:
    wechat, telegram = two_residents(factory, settings)
    user = make_staff(factory, "小李", "staff")
    with TestClient(create_app(settings)) as client:
        csrf = console_login(client, user)
        r = client.get("/admin/residents/999999")
        assert r.status_code == 404 and "没有找到居民：999999" in r.text
        r = client.get("/admin/residents/abc")
        assert r.status_code == 422 and "请求格式不正确" in r.text
        r = client.get("/admin/residents/merge", params={"keep": str(wechat), "drop": "nobody:x"})
        assert r.status_code == 404 and "没有找到并入的居民：nobody:x" in r.text
        r = client.get("/admin/residents/merge", params={"keep": str(wechat), "drop": ""})
        assert r.status_code == 400 and "请填写并入的居民" in r.text
        r = client.get("/admin/residents/merge", params={"keep": str(wechat), "drop": "wechat:o_zhang"})
        assert r.status_code == 400 and "同一位居民" in r.text
        r = client.post("/admin/residents/merge", data={"keep": wechat, "drop": wechat, "csrf_token": csrf})
        assert r.status_code == 400 and "同一位居民" in r.text
        r = client.post("/admin/residents/merge", data={"keep": wechat, "drop": 2**31 - 1, "csrf_token": csrf})
        assert r.status_code == 404 and "没有找到并入的居民" in r.text
        r = client.post("/admin/residents/merge", data={"keep": wechat, "drop": "x", "csrf_token": csrf})
        assert r.status_code == 422 and "请求格式不正确" in r.text
        r = client.post("/admin/residents/merge", data={"keep": wechat, "drop": telegram})  # no CSRF token
        assert r.status_code == 403 and "CSRF" in r.text
        with transaction(factory) as session:
            tg = session.execute(select(ChannelIdentity.id).where(ChannelIdentity.channel == "telegram")).scalar_one()
        r = client.post(f"/admin/residents/{wechat}/split", data={"identity": tg, "csrf_token": csrf})
        assert r.status_code == 404 and "没有编号为" in r.text  # not this resident's account
        assert "没有找到“zz-nobody”对应的居民" in client.get("/admin/residents", params={"q": "zz-nobody"}).text
    assert resident_of(factory, "telegram", "4242") == telegram  # nothing changed
    assert audited(factory, "resident.merge") == [] and audited(factory, "resident.split") == []
