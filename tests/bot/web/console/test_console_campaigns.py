"""The /admin console for 宣传活动 and 无废细胞 through its forms: create (农历 dates), start, ledger, cells, print view."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from bot.config import Settings
from bot.db import session_factory, transaction, utcnow
from bot.web.app import create_app
from campaigns import ledger, runs
from tests.bot.web.admin_api.test_admin_campaigns import console_settings, fire_with_one_unconfirmed
from tests.support.admin import Staff, console_login, staff_per_role
from tests.support.campaigns import add_residents

LUNAR_FORM = {
    "name": "三月三无废集市",
    "text": "{township}的居民：三月三无废集市欢迎您",
    "link": "",
    "segment": "",
    "channels": ["web", "telegram"],
    "kind": "lunar",
    "lunar_month": "3",
    "lunar_day": "3",
    "lunar_time": "08:30",
}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(console_settings(settings))) as c:
        yield c


@pytest.fixture
def staff(settings: Settings, client: TestClient) -> dict[str, Staff]:
    return staff_per_role(session_factory(settings.db_url))


def _id_of(url: str) -> int:
    found = re.search(r"/admin/(?:campaigns|cells)/(\d+)", url)
    assert found, url
    return int(found.group(1))


def test_create_a_lunar_campaign_start_it_and_see_it_listed(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["staff"])
    form = client.get("/admin/campaigns/new").text
    assert "每年农历某日" in form and "三月" in form and "初三" in form and 'name="csrf_token"' in form

    r = client.post("/admin/campaigns", data={**LUNAR_FORM, "csrf_token": csrf})
    assert r.status_code == 200 and "已创建草稿" in unquote(str(r.url)) + r.text
    cid = _id_of(str(r.url))
    assert "每年农历三月初三 08:30" in r.text and "草稿" in r.text
    assert "网页 → Telegram" in r.text
    assert 'id="action-start"' in r.text and 'id="action-pause"' not in r.text

    r = client.post(f"/admin/campaigns/{cid}/start", data={"csrf_token": csrf})
    assert "已启动，当前状态：已排期，将于" in r.text and "08:30（北京时间）发送" in r.text
    assert 'id="action-pause"' in r.text and 'id="action-start"' not in r.text
    assert "每 5 秒自动刷新" in r.text  # live progress while scheduled

    r = client.post(f"/admin/campaigns/{cid}/start", data={"csrf_token": csrf})
    assert "不能启动" in r.text and 'class="msg err"' in r.text

    listing = client.get("/admin/campaigns").text
    assert "三月三无废集市" in listing and "已排期" in listing and "每年农历三月初三 08:30" in listing
    assert "三月三无废集市" not in client.get("/admin/campaigns?state=draft").text

    live = client.get(f"/admin/campaigns/{cid}/status.json").json()
    assert live["state_name"] == "已排期" and live["next_run_local"].endswith("08:30")

    r = client.post(f"/admin/campaigns/{cid}/cancel", data={"csrf_token": csrf})
    assert "已取消" in r.text and "每 5 秒自动刷新" not in r.text
    assert client.post(f"/admin/campaigns/{cid}/explode", data={"csrf_token": csrf}).status_code == 404


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"kind": "cron", "cron": "every monday"}, "cron 表达式无效"),
        ({"kind": "once", "at": ""}, "请填写发送时间"),
        ({"kind": "once", "at": "明天上午"}, "ISO 8601"),
        ({"kind": "lunar", "lunar_time": "9点"}, "HH:MM"),
        ({"text": "您好 {名字}"}, "未知的占位符"),
        ({"channels": []}, "请至少选择一个渠道"),
        ({"name": " "}, "不能为空"),
        ({"segment": "没有的分组"}, "没有名为"),
    ],
)
def test_a_wrong_form_comes_back_filled_in_with_the_reason(
    client: TestClient, staff: dict[str, Staff], change: dict[str, object], reason: str
) -> None:
    csrf = console_login(client, staff["staff"])
    r = client.post("/admin/campaigns", data={**LUNAR_FORM, **change, "csrf_token": csrf})
    assert r.status_code == 422 and reason in r.text
    assert "{township}的居民：三月三无废集市欢迎您" in r.text or "{名字}" in r.text  # what was typed is kept
    assert "还没有宣传活动" in client.get("/admin/campaigns").text


def test_a_datetime_campaign_in_the_past_cannot_start(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["staff"])
    data = {**LUNAR_FORM, "kind": "once", "at": "2020-01-01T09:00", "csrf_token": csrf}
    cid = _id_of(str(client.post("/admin/campaigns", data=data).url))
    r = client.post(f"/admin/campaigns/{cid}/start", data={"csrf_token": csrf})
    assert "发送时间已经过去" in r.text and "草稿" in r.text


def test_preview_test_send_ledger_filters_and_csv(client: TestClient, staff: dict[str, Staff]) -> None:
    factory = client.app.state.factory  # type: ignore[attr-defined]
    add_residents(factory, 3, now=utcnow(), township="城关镇")
    add_residents(factory, 1, now=utcnow(), prefix="n", consent=False, township="城关镇")
    csrf = console_login(client, staff["staff"])
    cid = _id_of(str(client.post("/admin/campaigns", data={**LUNAR_FORM, "kind": "now", "csrf_token": csrf}).url))

    page = client.get(f"/admin/campaigns/{cid}?preview=1").text
    assert re.search(r'id="would-send">3<', page) and "未同意接收推送 1" in page

    r = client.post(f"/admin/campaigns/{cid}/test", data={"csrf_token": csrf})
    assert "测试消息已发给 1 个账号：web:staff1" in r.text

    client.post(f"/admin/campaigns/{cid}/start", data={"csrf_token": csrf})
    now = utcnow() + dt.timedelta(seconds=1)
    with transaction(factory) as session:
        runs.tick(session, now=now, quiet=None, grace=dt.timedelta(hours=1))
    with transaction(factory) as session:
        claimed = ledger.claim(session, worker="t", now=now, limit=1, lease=dt.timedelta(minutes=1), channels=["web"])
        ledger.mark_sent(session, claimed[0], now=now)

    page = client.get(f"/admin/campaigns/{cid}").text
    assert re.search(r'id="targeted">4<', page) and re.search(r'id="sent">1<', page)
    assert "共 4 行" in page and page.count("<tr><td>") >= 4
    skipped = client.get(f"/admin/campaigns/{cid}?status=skipped").text
    assert "共 1 行" in skipped and "未同意接收推送" in skipped
    assert f'href="/admin/campaigns/{cid}/ledger.csv?status=skipped"' in skipped
    assert client.get(f"/admin/campaigns/{cid}?status=bogus").status_code == 422

    csv_text = client.get(f"/admin/campaigns/{cid}/ledger.csv?status=sent").text
    lines = csv_text.lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("台账编号,") and len(lines) == 2 and "已发送" in lines[1]
    assert len(client.get(f"/admin/campaigns/{cid}/ledger.csv").text.strip().splitlines()) == 5


def test_viewer_reads_campaigns_and_cells_but_cannot_change_them(client: TestClient, staff: dict[str, Staff]) -> None:
    staff_csrf = console_login(client, staff["staff"])
    cid = _id_of(str(client.post("/admin/campaigns", data={**LUNAR_FORM, "csrf_token": staff_csrf}).url))
    client.post("/admin/logout", data={"csrf_token": staff_csrf})

    csrf = console_login(client, staff["viewer"])
    home = client.get("/admin").text
    assert 'href="/admin/campaigns"' in home and 'href="/admin/cells"' in home
    listing = client.get("/admin/campaigns").text
    assert "三月三无废集市" in listing and "新建活动" not in listing
    detail = client.get(f"/admin/campaigns/{cid}").text
    assert "预览人数" in detail and 'id="action-start"' not in detail and "测试发送" not in detail
    r = client.post(f"/admin/campaigns/{cid}/start", data={"csrf_token": csrf})
    assert r.status_code == 403 and "无权修改宣传活动" in r.text
    assert client.get("/admin/campaigns/new").status_code == 403
    assert "添加无废细胞" not in client.get("/admin/cells").text
    r = client.post("/admin/cells", data={"csrf_token": csrf, "type": "学校", "name": "x", "township": "y"})
    assert r.status_code == 403 and "无权修改无废细胞" in r.text


def test_forms_without_the_csrf_token_are_refused(client: TestClient, staff: dict[str, Staff]) -> None:
    console_login(client, staff["staff"])
    r = client.post("/admin/campaigns", data=LUNAR_FORM)
    assert r.status_code == 403 and "CSRF" in r.text


def test_cells_create_status_import_members_and_print_view(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["staff"])
    r = client.post(
        "/admin/cells",
        data={"csrf_token": csrf, "type": "学校", "name": "实验小学", "township": "新建路街道", "status": "申报"},
    )
    assert "已添加无废细胞“实验小学”" in r.text
    cell_id = _id_of(str(r.url))
    assert 'id="next-status"' in r.text and "进入下一步：创建中" in r.text
    dup = client.post(
        "/admin/cells", data={"csrf_token": csrf, "type": "学校", "name": "实验小学", "township": "新建路街道"}
    )
    assert "已有名为“实验小学”" in dup.text
    assert "请填写" in client.post("/admin/cells", data={"csrf_token": csrf, "type": "学校"}).text

    r = client.post(f"/admin/cells/{cell_id}/status", data={"csrf_token": csrf, "status": "创建中"})
    assert "状态已改为：创建中" in r.text and "进入下一步：已命名" in r.text
    history = re.search(r'<table id="history">(.*?)</table>', r.text, re.S)
    assert history and history.group(1).count("<tr><td>") == 2
    r = client.post(f"/admin/cells/{cell_id}/status", data={"csrf_token": csrf, "status": "完成"})
    assert "未知的状态" in r.text

    upload = "类型,名称,乡镇街道\n社区,幸福里社区,新建路街道\n商超,,新建路街道\n".encode()
    r = client.post("/admin/cells/import", data={"csrf_token": csrf}, files={"file": ("cells.csv", upload, "text/csv")})
    assert "新增 1 个" in r.text and "第 3 行：缺少名称" in r.text
    listing = client.get("/admin/cells").text
    assert "幸福里社区" in listing and "实验小学" in listing
    only = client.get("/admin/cells?status=创建中").text
    assert "实验小学" in only and "幸福里社区" not in only

    printed = client.get(f"/admin/cells/{cell_id}/print").text
    assert f"加入无废细胞 {cell_id}" in printed and f"/start cell_{cell_id}" in printed
    assert "未配置微信公众号" in printed and 'id="make-qr"' not in printed
    r = client.post(f"/admin/cells/{cell_id}/qrcode", data={"csrf_token": csrf})
    assert "未配置微信公众号" in r.text
    assert client.get("/admin/cells/99999").status_code == 404

    audit = client.get("/api/admin/audit", headers=staff["admin"].headers).json()
    assert {"cell.create", "cell.status", "cell.import"} <= {e["action"] for e in audit}


def test_the_campaign_page_shows_unconfirmed_sends_and_what_they_mean(
    client: TestClient, staff: dict[str, Staff]
) -> None:
    factory = client.app.state.factory  # type: ignore[attr-defined]
    add_residents(factory, 3, now=utcnow())
    csrf = console_login(client, staff["staff"])
    cid = _id_of(str(client.post("/admin/campaigns", data={**LUNAR_FORM, "kind": "now", "csrf_token": csrf}).url))
    page = client.get(f"/admin/campaigns/{cid}").text
    assert re.search(r'id="unconfirmed">0<', page) and re.search(r'id="unconfirmed-name" hidden>', page)
    client.post(f"/admin/campaigns/{cid}/start", data={"csrf_token": csrf})
    fire_with_one_unconfirmed(client, cid)
    page = client.get(f"/admin/campaigns/{cid}").text
    assert re.search(r'id="sent">2<', page) and re.search(r'id="unconfirmed">1<', page)
    assert re.search(r'id="unconfirmed-name">平台未确认收到（可能已送达；为免重复推送未重发）<', page)
    live = client.get(f"/admin/campaigns/{cid}/status.json").json()
    assert live["unconfirmed"] == 1 and live["unconfirmed_name"] == "平台未确认收到（可能已送达；为免重复推送未重发）"
    unconfirmed_row = client.get(f"/admin/campaigns/{cid}?status=sent").text
    assert "微信接口未在 30 秒内答复" in unconfirmed_row  # the ledger row keeps the timeout as its last error
