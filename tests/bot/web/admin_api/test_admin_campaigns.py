"""/api/admin for 宣传活动 and 无废细胞: create and schedule, 409 transitions, preview, test-send, ledger, cells, QR codes.

Permissions of every route are proven by the route enumeration in test_admin_api.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from pydantic import SecretStr
from sqlalchemy import select

from bot.channels import web_outbox
from bot.config import Settings
from bot.db import session_factory, transaction, utcnow
from bot.web.app import create_app
from campaigns import cells, ledger, runs
from campaigns.models import Campaign, Resident
from campaigns.texts import STOP_LINE
from tests.support.admin import Staff, console_login, staff_per_role
from tests.support.campaigns import add_residents
from tests.support.fake_wechat import fake_wechat_server

API = "/api/admin"


def console_settings(settings: Settings, **campaigns: Any) -> Settings:
    """The test settings without the background scheduler (tests move campaigns themselves) and with staff."""
    cfg = settings.campaigns.model_copy(update={"scheduler": False, "staff": ["web:staff1"], **campaigns})
    return settings.model_copy(update={"campaigns": cfg})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(console_settings(settings))) as c:
        yield c


@pytest.fixture
def staff(settings: Settings, client: TestClient) -> dict[str, Staff]:
    return staff_per_role(session_factory(settings.db_url))


@pytest.fixture
def h(staff: dict[str, Staff]) -> dict[str, str]:
    return staff["staff"].headers


def _create(client: TestClient, h: dict[str, str], **body: Any) -> Any:
    return client.post(
        f"{API}/campaigns", json={"name": "测试活动", "text": "您好，{township}的居民", **body}, headers=h
    )


def _audit_actions(client: TestClient, staff: dict[str, Staff]) -> list[str]:
    return [e["action"] for e in client.get(f"{API}/audit", headers=staff["admin"].headers).json()]


# -- campaigns ------------------------------------------------------------------------------------------------------


def test_create_with_each_schedule_and_show(client: TestClient, h: dict[str, str]) -> None:
    lunar = _create(client, h, name="三月三", schedule={"lunar": "03-03", "time": "08:30"})
    assert lunar.status_code == 201, lunar.text
    data = lunar.json()
    assert data["state"] == "draft" and data["state_name"] == "草稿"
    assert data["schedule"] == {"kind": "lunar", "expr": "03-03", "time": "08:30", "text": "每年农历三月初三 08:30"}
    at = _create(client, h, schedule={"at": "2099-06-05T09:00"}, channels=["wechat", "web"], link="https://x.cn/a")
    assert at.json()["schedule"]["text"] == "一次：2099-06-05 09:00"  # read as Beijing time
    assert at.json()["channels"] == ["wechat", "web"] and at.json()["link"] == "https://x.cn/a"
    cron = _create(client, h, schedule={"cron": "0 9 * * 1"})
    assert cron.json()["schedule"]["kind"] == "cron"
    now = _create(client, h, schedule={})
    assert now.json()["schedule"]["text"] == "启动后立即发送"
    named = _create(client, h, schedule={"lunar": "农历腊月初八"})
    assert named.json()["schedule"]["text"] == "每年农历腊月初八 09:00"

    listed = client.get(f"{API}/campaigns", headers=h).json()
    assert [c["id"] for c in listed] == sorted((c["id"] for c in listed), reverse=True)
    assert listed[0]["progress"] == {"targeted": 0, "pending": 0, "sent": 0, "failed": 0, "skipped": 0}
    shown = client.get(f"{API}/campaigns/{lunar.json()['id']}", headers=h).json()
    assert shown["name"] == "三月三" and shown["text"] == "您好，{township}的居民"
    assert client.get(f"{API}/campaigns/99999", headers=h).status_code == 404
    drafts = client.get(f"{API}/campaigns", params={"state": "scheduled"}, headers=h).json()
    assert drafts == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"text": "您好 {name}"}, "未知的占位符"),
        ({"schedule": {"at": "2099-01-01T09:00", "cron": "0 9 * * *"}}, "只能选一种"),
        ({"schedule": {"cron": "0 9 * *"}}, "cron 表达式无效"),
        ({"schedule": {"at": "下周一"}}, "ISO 8601"),
        ({"schedule": {"lunar": "13-01"}}, "农历日期"),
        ({"schedule": {"lunar": "03-03", "time": "25:00"}}, "HH:MM"),
        ({"schedule": {"at": "2099-01-01T09:00", "time": "09:00"}}, "只和农历日期一起用"),
        ({"channels": ["wechat", "sms"]}, "未知的渠道"),
        ({"channels": []}, "未知的渠道"),
        ({"segment": "不存在的分组"}, "没有名为"),
        ({"link": "javascript:alert(1)"}, "http://"),
        ({"wechat_template": {"template_id": "T1", "data": {}}}, "data"),
        ({"wechat_template": {"template_id": "T1", "data": {"first": "x"}}, "channels": ["web"]}, "没有微信"),
        ({"variants": {"sms": "短信"}}, "未知的渠道"),
    ],
)
def test_create_refuses_with_a_chinese_reason(client: TestClient, h: dict[str, str], body: Any, reason: str) -> None:
    r = _create(client, h, **body)
    assert r.status_code == 422, r.text
    assert reason in r.json()["detail"]


def test_create_validates_required_fields(client: TestClient, h: dict[str, str]) -> None:
    assert client.post(f"{API}/campaigns", json={"text": "x"}, headers=h).status_code == 422
    assert client.post(f"{API}/campaigns", json={"name": "x", "text": ""}, headers=h).status_code == 422
    assert client.get(f"{API}/campaigns", headers=h).json() == []


def test_lifecycle_transitions_and_409s(client: TestClient, staff: dict[str, Staff], h: dict[str, str]) -> None:
    cid = _create(client, h, schedule={"at": "2099-06-05T09:00"}).json()["id"]
    r = client.post(f"{API}/campaigns/{cid}/pause", headers=h)
    assert r.status_code == 409 and r.json()["detail"].startswith("活动当前为“草稿”，不能暂停")
    assert client.post(f"{API}/campaigns/{cid}/resume", headers=h).status_code == 409
    r = client.post(f"{API}/campaigns/{cid}/start", headers=h)
    assert r.status_code == 200 and r.json()["state"] == "scheduled"
    assert r.json()["next_run_local"] == "2099-06-05 09:00"
    r = client.post(f"{API}/campaigns/{cid}/start", headers=h)
    assert r.status_code == 409 and "已排期" in r.json()["detail"] and "只有草稿" in r.json()["detail"]
    assert client.post(f"{API}/campaigns/{cid}/pause", headers=h).json()["state"] == "paused"
    assert client.post(f"{API}/campaigns/{cid}/resume", headers=h).json()["state"] == "scheduled"
    assert client.post(f"{API}/campaigns/{cid}/cancel", headers=h).json()["state"] == "cancelled"
    r = client.post(f"{API}/campaigns/{cid}/resume", headers=h)
    assert r.status_code == 409 and "已取消" in r.json()["detail"]
    assert client.post(f"{API}/campaigns/99999/start", headers=h).status_code == 404

    past = _create(client, h, schedule={"at": "2020-01-01T09:00"}).json()["id"]
    r = client.post(f"{API}/campaigns/{past}/start", headers=h)
    assert r.status_code == 409 and "已经过去" in r.json()["detail"]
    assert client.get(f"{API}/campaigns/{past}", headers=h).json()["state"] == "draft"  # nothing half-done

    actions = _audit_actions(client, staff)
    for action in ("campaign.create", "campaign.start", "campaign.pause", "campaign.resume", "campaign.cancel"):
        assert action in actions
    assert "campaign.start" in actions and actions.count("campaign.start") == 1  # refusals are not audited


def _materialise(client: TestClient) -> None:
    """Let the scheduler's tick fire the started campaign (its audience becomes ledger rows), then send two rows."""
    factory = client.app.state.factory  # type: ignore[attr-defined]
    now = utcnow() + dt.timedelta(seconds=1)
    with transaction(factory) as session:
        runs.tick(session, now=now, quiet=None, grace=dt.timedelta(hours=2))
    with transaction(factory) as session:
        claimed = ledger.claim(session, worker="t", now=now, limit=2, lease=dt.timedelta(minutes=1), channels=["web"])
        assert len(claimed) == 2
        ledger.mark_sent(session, claimed[0], now=now)
        ledger.mark_failed(session, claimed[1], now=now, error="HTTP 500")


def test_segments_preview_status_ledger_and_csv(
    client: TestClient, settings: Settings, staff: dict[str, Staff], h: dict[str, str]
) -> None:
    factory = client.app.state.factory  # type: ignore[attr-defined]
    now = utcnow()
    add_residents(factory, 5, now=now, township="新建路街道", community="幸福里")
    add_residents(factory, 2, now=now, prefix="n", consent=False, township="新建路街道")
    add_residents(factory, 3, now=now, prefix="o", township="城关镇")

    r = client.put(f"{API}/segments/新建路", json={"rules": {"township": "新建路街道"}}, headers=h)
    assert r.status_code == 200 and r.json()["count"] == 7
    assert client.put(f"{API}/segments/坏的", json={"rules": {"shoe_size": 42}}, headers=h).status_code == 422
    assert {s["name"]: s["count"] for s in client.get(f"{API}/segments", headers=h).json()} == {"新建路": 7}
    p = client.get(f"{API}/segments/preview", params={"name": "新建路"}, headers=h).json()
    assert (p["count"], p["reachable"]) == (7, 5)
    p = client.get(f"{API}/segments/preview", params={"where": ["township=新建路街道,城关镇"]}, headers=h).json()
    assert p["count"] == 10
    assert client.get(f"{API}/segments/preview", params={"where": ["oops"]}, headers=h).status_code == 422
    assert client.get(f"{API}/segments/preview", params={"name": "无"}, headers=h).status_code == 404

    cid = _create(client, h, segment="新建路", channels=["web"]).json()["id"]
    preview = client.get(f"{API}/campaigns/{cid}/preview", headers=h).json()
    assert preview["audience"] == 7 and preview["would_send"] == 5
    assert preview["would_skip"] == {"no_consent": 2} and preview["would_skip_names"] == {"未同意接收推送": 2}
    assert client.post(f"{API}/campaigns/{cid}/start", headers=h).status_code == 200
    _materialise(client)

    status = client.get(f"{API}/campaigns/{cid}/status", headers=h).json()
    assert status["state"] == "running" and status["state_name"] == "发送中"
    expected = {"targeted": 7, "pending": 3, "sent": 1, "failed": 1, "skipped": 2}
    assert {k: status[k] for k in expected} == expected
    assert status["skip_reason_names"] == {"未同意接收推送": 2}
    assert client.get(f"{API}/campaigns", headers=h).json()[0]["progress"] == expected

    page = client.get(f"{API}/campaigns/{cid}/ledger", params={"status": "skipped"}, headers=h).json()
    assert page["total"] == 2 and {r["reason_name"] for r in page["rows"]} == {"未同意接收推送"}
    both = client.get(f"{API}/campaigns/{cid}/ledger", params={"status": ["sent", "failed"]}, headers=h).json()
    assert sorted(r["state_name"] for r in both["rows"]) == ["失败", "已发送"]
    first = client.get(f"{API}/campaigns/{cid}/ledger", params={"limit": 4, "channel": "web"}, headers=h).json()
    assert first["total"] == 7 and len(first["rows"]) == 4 and first["next_after_id"] is not None
    rest = client.get(
        f"{API}/campaigns/{cid}/ledger",
        params={"limit": 4, "channel": "web", "after_id": first["next_after_id"]},
        headers=h,
    ).json()
    assert len(rest["rows"]) == 3 and rest["next_after_id"] is None
    assert rest["rows"][0]["id"] > first["rows"][-1]["id"] and rest["rows"][0]["channel_name"] == "网页"
    assert client.get(f"{API}/campaigns/{cid}/ledger", params={"channel": "telegram"}, headers=h).json()["total"] == 0
    assert client.get(f"{API}/campaigns/{cid}/ledger", params={"status": "lost"}, headers=h).status_code == 422
    assert client.get(f"{API}/campaigns/{cid}/ledger", params={"limit": 0}, headers=h).status_code == 422
    assert client.get(f"{API}/campaigns/99999/ledger", headers=h).status_code == 404

    r = client.get(f"{API}/campaigns/{cid}/ledger.csv", headers=staff["viewer"].headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.text.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(table) == 7 and {row["乡镇（街道）"] for row in table} == {"新建路街道"}
    assert sorted(row["状态"] for row in table).count("已跳过") == 2
    sent = list(
        csv.DictReader(io.StringIO(client.get(f"{API}/campaigns/{cid}/ledger.csv?status=sent", headers=h).text))
    )
    assert len(sent) == 1 and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:?\d*", sent[0]["发送时间"])
    assert "campaign.export" in _audit_actions(client, staff)


def test_test_send_reaches_the_staff_identities_only(client: TestClient, settings: Settings, h: dict[str, str]) -> None:
    cid = _create(client, h, text="三月三，{township}无废集市见", link="https://x.cn/m").json()["id"]
    r = client.post(f"{API}/campaigns/{cid}/test", headers=h)
    assert r.status_code == 200 and r.json() == [{"identity": "web:staff1", "ok": True, "reason": ""}]
    with transaction(client.app.state.factory) as session:  # type: ignore[attr-defined]
        texts = [m.text for m in web_outbox.fetch(session, "staff1")]
        assert session.scalar(select(Campaign.state).where(Campaign.id == cid)) == "draft"
    assert texts == ["【测试】三月三，您所在的乡镇（街道）无废集市见\n详情：https://x.cn/m" + STOP_LINE]
    assert client.get(f"{API}/campaigns/{cid}/status", headers=h).json()["targeted"] == 0  # not in the ledger
    assert client.post(f"{API}/campaigns/99999/test", headers=h).status_code == 404

    with TestClient(create_app(console_settings(settings, staff=[]))) as other:
        r = other.post(f"{API}/campaigns/{cid}/test", headers=h)
        assert r.status_code == 409 and "WUFEI_CAMPAIGNS__STAFF" in r.json()["detail"]


# -- cells ----------------------------------------------------------------------------------------------------------


def _cell(client: TestClient, h: dict[str, str], **body: Any) -> Any:
    return client.post(
        f"{API}/cells", json={"type": "学校", "name": "实验小学", "township": "新建路街道", **body}, headers=h
    )


def test_cells_create_status_and_members(client: TestClient, staff: dict[str, Staff], h: dict[str, str]) -> None:
    r = _cell(client, h, contact_name="王老师", contact_phone="13800000000")
    assert r.status_code == 201, r.text
    cell = r.json()
    assert cell["status"] == "申报" and cell["members"] == 0 and cell["scene"] == f"cell_{cell['id']}"
    dup = _cell(client, h)
    assert dup.status_code == 409 and "已有名为“实验小学”" in dup.json()["detail"]
    assert _cell(client, h, name="二中", type="太空站").status_code == 422
    assert "未知的细胞类型" in _cell(client, h, name="二中", type="太空站").json()["detail"]
    assert "未知的状态" in _cell(client, h, name="二中", status="完成").json()["detail"]
    assert client.post(f"{API}/cells", json={"type": "学校", "name": ""}, headers=h).status_code == 422
    assert _cell(client, h, name="实验小学", township="城关镇").status_code == 201  # same name, other township

    url = f"{API}/cells/{cell['id']}"
    r = client.post(f"{url}/status", json={"status": "创建中"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "创建中"
    assert [e["status"] for e in r.json()["history"]] == ["申报", "创建中"]
    bad = client.post(f"{url}/status", json={"status": "完成"}, headers=h)
    assert bad.status_code == 422 and "申报 → 创建中 → 已命名 → 复核" in bad.json()["detail"]
    assert client.post(f"{API}/cells/99999/status", json={"status": "复核"}, headers=h).status_code == 404

    factory = client.app.state.factory  # type: ignore[attr-defined]
    ids = add_residents(factory, 2, now=utcnow(), channel="telegram", township="新建路街道")
    with transaction(factory) as session:
        row = cells.find(session, str(cell["id"]))
        assert row is not None
        for rid, via in zip(ids, ("qr", "chat"), strict=True):
            resident = session.get(Resident, rid)
            assert resident is not None
            cells.join(session, row, resident, via=via, now=utcnow())
    members = client.get(f"{url}/members", headers=staff["viewer"].headers).json()
    assert members["total"] == 2 and {m["via_name"] for m in members["rows"]} == {"扫码", "聊天指令"}
    assert all(m["channels"] == ["telegram"] for m in members["rows"])
    assert len(client.get(f"{url}/members", params={"limit": 1, "offset": 1}, headers=h).json()["rows"]) == 1
    shown = client.get(url, headers=h).json()
    assert shown["members"] == 2 and shown["contact_name"] == "王老师"
    listed = client.get(f"{API}/cells", headers=h).json()
    assert {(c["township"], c["members"]) for c in listed} == {("城关镇", 0), ("新建路街道", 2)}
    assert {"cell.create", "cell.status"} <= set(_audit_actions(client, staff))


CSV_FILE = "类型,名称,乡镇街道,状态,日期,联系人,电话\n学校,一中,城关镇,已命名,2025-03-01,李,1390\n,无名,城关镇,,,,\n医院,人民医院,城关镇,外星,,,\n"


def test_cells_import_reports_bad_rows_and_keeps_good_ones(
    client: TestClient, staff: dict[str, Staff], h: dict[str, str]
) -> None:
    r = client.post(
        f"{API}/cells/import", files={"file": ("细胞.csv", CSV_FILE.encode("utf-8-sig"), "text/csv")}, headers=h
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert (data["added"], data["updated"]) == (1, 0)
    assert [b["line"] for b in data["bad"]] == [3, 4]
    assert "缺少类型" in data["bad"][0]["reason"] and "未知的状态" in data["bad"][1]["reason"]
    assert "第 3 行" in data["summary"]
    one = next(c for c in client.get(f"{API}/cells", headers=h).json() if c["name"] == "一中")
    assert one["status"] == "已命名" and one["status_at"].startswith("2025-02-28T16:00")  # 00:00 Beijing time

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["类型", "名称", "乡镇街道", "状态", "日期"])
    sheet.append(["学校", "一中", "城关镇", "复核", dt.datetime(2025, 6, 1)])
    sheet.append(["社区", "幸福里社区", "新建路街道", None, None])
    buf = io.BytesIO()
    book.save(buf)
    r = client.post(
        f"{API}/cells/import", files={"file": ("细胞.xlsx", buf.getvalue(), "application/octet-stream")}, headers=h
    )
    assert r.status_code == 200 and (r.json()["added"], r.json()["updated"], r.json()["bad"]) == (1, 1, [])
    one = next(c for c in client.get(f"{API}/cells", headers=h).json() if c["name"] == "一中")
    assert [e["status"] for e in one["history"]] == ["已命名", "复核"]

    r = client.post(f"{API}/cells/import", files={"file": ("x.txt", b"a,b", "text/plain")}, headers=h)
    assert r.status_code == 415
    r = client.post(f"{API}/cells/import", files={"file": ("x.csv", "类型\n学校".encode("gbk"), "text/csv")}, headers=h)
    assert r.status_code == 422 and "UTF-8" in r.json()["detail"]
    r = client.post(f"{API}/cells/import", files={"file": ("x.xlsx", b"not a zip", "text/plain")}, headers=h)
    assert r.status_code == 422 and "Excel" in r.json()["detail"]
    assert _audit_actions(client, staff).count("cell.import") == 2


def test_cell_join_info_and_qrcode_without_wechat(client: TestClient, h: dict[str, str]) -> None:
    cid = _cell(client, h).json()["id"]
    info = client.get(f"{API}/cells/{cid}/qrcode", headers=h).json()
    assert info["scene"] == f"cell_{cid}" and info["chat_command"] == f"加入无废细胞 {cid}"
    assert info["telegram_start"] == f"/start cell_{cid}"
    assert info["wechat"] is None and info["wechat_configured"] is False
    r = client.post(f"{API}/cells/{cid}/qrcode", headers=h)
    assert r.status_code == 409 and "未配置微信公众号" in r.json()["detail"]
    assert client.get(f"{API}/cells/99999/qrcode", headers=h).status_code == 404


def test_cell_qrcode_with_wechat_is_created_once(settings: Settings) -> None:
    with fake_wechat_server() as fake:
        wechat = settings.wechat.model_copy(
            update={"app_id": "wx1", "app_secret": SecretStr("s3cret"), "api_base_url": fake.base_url}
        )
        configured = console_settings(settings).model_copy(update={"wechat": wechat})
        with TestClient(create_app(configured)) as client:
            h = staff_per_role(session_factory(settings.db_url))["staff"].headers
            cid = _cell(client, h).json()["id"]
            r = client.post(f"{API}/cells/{cid}/qrcode", headers=h)
            assert r.status_code == 200, r.text
            code = r.json()["wechat"]
            assert fake.tickets[code["ticket"]] == f"cell_{cid}" and code["url"].endswith(code["ticket"])
            assert code["image_url"].endswith(f"showqrcode?ticket={code['ticket']}")
            again = client.post(f"{API}/cells/{cid}/qrcode", headers=h).json()["wechat"]
            assert again["ticket"] == code["ticket"] and len(fake.calls_to("qrcode/create")) == 1
            assert client.get(f"{API}/cells/{cid}/qrcode", headers=h).json()["wechat"] == code
            fake.fail_next("qrcode/create", 45009)
            other = _cell(client, h, name="二中").json()["id"]
            r = client.post(f"{API}/cells/{other}/qrcode", headers=h)
            assert r.status_code == 502 and "45009" in r.json()["detail"]


def test_a_formula_in_a_residents_field_is_escaped_in_the_ledger_csv(
    client: TestClient, staff: dict[str, Staff], h: dict[str, str]
) -> None:
    planted = '=HYPERLINK("http://x","y")'
    factory = client.app.state.factory  # type: ignore[attr-defined]
    add_residents(factory, 2, now=utcnow(), township="新建路街道", community=planted)
    segment = client.put(f"{API}/segments/新建路", json={"rules": {"township": "新建路街道"}}, headers=h)
    assert segment.status_code == 200
    cid = _create(client, h, segment="新建路", channels=["web"]).json()["id"]
    assert client.post(f"{API}/campaigns/{cid}/start", headers=h).status_code == 200
    _materialise(client)
    api = client.get(f"{API}/campaigns/{cid}/ledger.csv", headers=staff["viewer"].headers)
    console_login(client, staff["viewer"])
    for r in (api, client.get(f"/admin/campaigns/{cid}/ledger.csv")):
        assert r.status_code == 200 and r.text.startswith("\ufeff")
        table = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"), newline="")))
        assert len(table) == 2 and {row["社区"] for row in table} == {"'" + planted}


def fire_with_one_unconfirmed(client: TestClient, cid: int) -> None:
    """Fire the started campaign, then record one row sent and one sent-unconfirmed (its answer never came)."""
    factory = client.app.state.factory  # type: ignore[attr-defined]
    now = utcnow() + dt.timedelta(seconds=1)
    with transaction(factory) as session:
        runs.tick(session, now=now, quiet=None, grace=dt.timedelta(hours=2))
    with transaction(factory) as session:
        claimed = ledger.claim(session, worker="t", now=now, limit=2, lease=dt.timedelta(minutes=1), channels=["web"])
        assert len(claimed) == 2
        ledger.mark_sent(session, claimed[0], now=now)
        assert ledger.mark_unconfirmed(session, claimed[1], now=now, error="微信接口未在 30 秒内答复（ReadTimeout）")


def test_status_counts_unconfirmed_sends_with_their_chinese_name(client: TestClient, h: dict[str, str]) -> None:
    add_residents(client.app.state.factory, 3, now=utcnow())  # type: ignore[attr-defined]
    cid = _create(client, h, channels=["web"]).json()["id"]
    before = client.get(f"{API}/campaigns/{cid}/status", headers=h).json()
    assert before["unconfirmed"] == 0 and "可能已送达" in before["unconfirmed_name"]
    assert client.post(f"{API}/campaigns/{cid}/start", headers=h).status_code == 200
    fire_with_one_unconfirmed(client, cid)
    status = client.get(f"{API}/campaigns/{cid}/status", headers=h).json()
    assert (status["sent"], status["unconfirmed"], status["pending"]) == (2, 1, 1)  # unconfirmed is part of sent
    assert status["unconfirmed_name"] == "平台未确认收到（可能已送达；为免重复推送未重发）"
