"""/api/admin: every route checks its token and role; users, audit, dashboard, knowledge curation and the 方案."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.admin.roles import ROLES
from bot.config import Settings
from bot.db import session_factory
from bot.web.admin_auth import ApiAccess
from bot.web.app import create_app
from tests.support.admin import Staff, staff_per_role
from tests.support.routes import api_routes

PLAN = """新郑市"无废城市"建设示范工作实施方案
一、总体要求
（一）主要目标
到2025年，快递绿色包装使用率达到95%。
二、主要任务
（一）推进快递包装减量
1.推广可循环快递箱。（责任单位：市邮政管理局）
"""


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def staff(settings: Settings, client: TestClient) -> dict[str, Staff]:
    return staff_per_role(session_factory(settings.db_url))


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_admin_route_refuses_no_token_and_the_wrong_role(client: TestClient, staff: dict[str, Staff]) -> None:
    checked = 0
    for path, route in api_routes(client.app.routes):  # type: ignore[attr-defined]
        if not path.startswith("/api/admin"):
            continue
        guards = [d.call for d in route.dependant.dependencies if isinstance(d.call, ApiAccess)]
        assert len(guards) == 1, f"{path} has no role check"
        permission = guards[0].permission
        for method in route.methods:
            url = _concrete(path)
            r = client.request(method, url)
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.headers["www-authenticate"] == "Bearer" and r.json()["detail"]
            r = client.request(method, url, headers={"Authorization": "Bearer wf_not-a-token"})
            assert r.status_code == 401, (method, path)
            for role in ROLES:
                r = client.request(method, url, headers=staff[role].headers)
                if permission.allows(role):
                    assert r.status_code not in (401, 403), (method, path, role, r.text)
                else:
                    assert r.status_code == 403, (method, path, role, r.status_code)
                    assert "无权" in r.json()["detail"]
            checked += 1
    assert checked >= 15


def test_admin_routes_are_in_the_openapi_schema_with_bearer_auth(client: TestClient) -> None:
    local = TestClient(client.app, client=("127.0.0.1", 50000))  # the API docs answer this machine only by default
    paths = local.get("/openapi.json").json()["paths"]
    assert "/api/admin/users" in paths and "/api/admin/knowledge/unanswered" in paths
    assert not any(p.startswith("/admin") for p in paths)  # console pages are HTML, not API


def test_users_created_by_an_admin_can_use_their_token(client: TestClient, staff: dict[str, Staff]) -> None:
    admin = staff["admin"].headers
    r = client.post("/api/admin/users", json={"name": "赵六", "role": "office"}, headers=admin)
    assert r.status_code == 201 and len(r.json()["password"]) >= 12
    assert client.post("/api/admin/users", json={"name": "赵六", "role": "office"}, headers=admin).status_code == 422
    assert client.post("/api/admin/users", json={"name": "x", "role": "boss"}, headers=admin).status_code == 422
    assert client.post("/api/admin/users", json={"role": "staff"}, headers=admin).status_code == 422
    token = client.post("/api/admin/users/赵六/token", headers=admin).json()["token"]
    assert client.get("/api/admin/me", headers={"Authorization": f"Bearer {token}"}).json() == {
        "name": "赵六",
        "role": "office",
    }
    r = client.patch("/api/admin/users/赵六", json={"disabled": True}, headers=admin)
    assert r.json()["disabled"] is True
    assert client.get("/api/admin/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.patch("/api/admin/users/admin-user", json={"disabled": True}, headers=admin).status_code == 409
    assert client.post("/api/admin/users/nobody/token", headers=admin).status_code == 404
    names = [u["name"] for u in client.get("/api/admin/users", headers=admin).json()]
    assert "赵六" in names


def test_audit_log_records_who_did_what_and_exports_csv(client: TestClient, staff: dict[str, Staff]) -> None:
    admin = staff["admin"].headers
    client.put("/api/admin/knowledge/items/旧暖手宝", json={"category": "其他垃圾"}, headers=staff["staff"].headers)
    entries = client.get("/api/admin/audit", headers=admin).json()
    assert entries[0]["actor"] == "staff-user" and entries[0]["action"] == "knowledge.item"
    assert entries[0]["target"] == "旧暖手宝"
    r = client.get("/api/admin/audit?format=csv", headers=admin)
    assert r.headers["content-type"].startswith("text/csv") and "旧暖手宝" in r.text
    assert client.get("/api/admin/audit?format=xml", headers=admin).status_code == 422


def test_unanswered_question_mapped_to_an_item_is_answered_at_once(client: TestClient, staff: dict[str, Staff]) -> None:
    first = client.post("/api/chat", json={"text": "旧的尤克里里扔哪里？"}).json()
    assert first["answer"]["intent"] == "unknown"
    h = staff["staff"].headers
    queue = client.get("/api/admin/knowledge/unanswered", headers=h).json()
    question = next(q for q in queue if "尤克里" in q["text"])
    assert "尤克里" in question["suggested_word"]
    r = client.post(f"/api/admin/knowledge/unanswered/{question['id']}/resolve", json={"item": "尤克里里"}, headers=h)
    assert r.status_code == 422 and "分类" in r.json()["detail"]  # a new item needs its category
    r = client.post(
        f"/api/admin/knowledge/unanswered/{question['id']}/resolve",
        json={"item": "尤克里里", "category": "可回收物"},
        headers=h,
    )
    assert r.status_code == 200
    again = client.post("/api/chat", json={"text": "旧的尤克里里扔哪里？"}).json()
    assert again["answer"]["intent"] == "sorting" and "尤克里里属于可回收物" in again["replies"][0]["text"]
    assert all("尤克里" not in q["text"] for q in client.get("/api/admin/knowledge/unanswered", headers=h).json())
    assert client.post("/api/admin/knowledge/unanswered/99999/resolve", json={}, headers=h).status_code == 404


def test_items_aliases_and_faq_edits_take_effect(client: TestClient, staff: dict[str, Staff]) -> None:
    h = staff["staff"].headers
    found = client.get("/api/admin/knowledge/items", params={"q": "纸巾"}, headers=h).json()
    assert found[0]["name"] == "纸巾"
    before = client.post("/api/chat", json={"text": "坏了的卡林巴扔哪里"}).json()
    assert before["answer"]["intent"] == "unknown"
    r = client.post("/api/admin/knowledge/items/废旧家电/aliases", json={"alias": "卡林巴"}, headers=h)
    assert r.status_code == 200 and "卡林巴" in r.json()["aliases"]
    reply = client.post("/api/chat", json={"text": "坏了的卡林巴扔哪里"}).json()
    assert "可回收物" in reply["replies"][0]["text"]
    assert (
        client.post("/api/admin/knowledge/items/不存在的东西/aliases", json={"alias": "x"}, headers=h).status_code
        == 404
    )
    bad = client.put("/api/admin/knowledge/items/电视机", json={"category": "蓝色垃圾"}, headers=h)
    assert bad.status_code == 422 and "分类必须是" in bad.json()["detail"]
    faq = {
        "title": "回收站开放时间",
        "keywords": [["回收站", "几点"]],
        "answer": "再生资源回收站每天 8:00–18:00 开放。",
    }
    assert client.put("/api/admin/knowledge/faq/recycle_hours", json=faq, headers=h).status_code == 200
    reply = client.post("/api/chat", json={"text": "回收站几点开门"}).json()
    assert "8:00–18:00" in reply["replies"][0]["text"]
    assert client.put("/api/admin/knowledge/faq/bad key", json=faq, headers=h).status_code == 422
    assert client.delete("/api/admin/knowledge/faq/recycle_hours", headers=h).status_code == 204
    assert client.delete("/api/admin/knowledge/faq/recycle_hours", headers=h).status_code == 404
    assert "recycle_hours" not in {f["key"] for f in client.get("/api/admin/knowledge/faq", headers=h).json()}


def test_plans_browse_and_upload(client: TestClient, staff: dict[str, Staff]) -> None:
    h = staff["staff"].headers
    docs = client.get("/api/admin/plans", headers=h).json()
    assert {d["city"] for d in docs} >= {"新郑市", "新密市"}
    targets = client.get("/api/admin/plans/targets", params={"city": "新郑市"}, headers=h).json()
    assert any(t["value"] == 95 for t in targets)
    tasks = client.get("/api/admin/plans/tasks", params={"city": "新郑市"}, headers=h).json()
    assert tasks and all("lead" in t for t in tasks)
    r = client.post(
        "/api/admin/plans",
        files={"file": ("测试方案.txt", PLAN.encode(), "text/plain")},
        params={"city": "测试市"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["targets"] >= 1
    r = client.post("/api/admin/plans", files={"file": ("x.txt", "无编号的一句话".encode(), "text/plain")}, headers=h)
    assert r.status_code == 422 and "方案" in r.json()["detail"]
    r = client.post("/api/admin/plans", files={"file": ("x.txt", b"\xff\xfe\x00bad", "text/plain")}, headers=h)
    assert r.status_code == 415
    r = client.post("/api/admin/plans", files={"file": ("x.docx", b"not a zip", "application/octet-stream")}, headers=h)
    assert r.status_code == 415


def test_overview_counts_questions_and_unanswered(client: TestClient, staff: dict[str, Staff]) -> None:
    client.post("/api/chat", json={"text": "电池扔哪"})
    client.post("/api/chat", json={"text": "呜啦啦是什么垃圾"})
    data = client.get("/api/admin/overview", headers=staff["viewer"].headers).json()
    assert data["questions_today"] >= 2 and data["unanswered_queue"]["questions"] >= 1
    assert 0 < data["unanswered_rate_week"] < 1


RULE = """conditions:
  - when: 有油污
    words: [油, 脏]
    category: 其他垃圾
    default: true
  - when: 洗干净的
    words: [洗干净, 干净]
    category: 可回收物
"""


def test_local_rule_conditions_edited_as_yaml_are_validated_and_used(
    client: TestClient, staff: dict[str, Staff]
) -> None:
    h = staff["staff"].headers
    r = client.put("/api/admin/knowledge/items/硅胶饭盒", json={"category": "其他垃圾", "rule": RULE}, headers=h)
    assert r.status_code == 200, r.text
    assert [c["when"] for c in r.json()["rule"]["conditions"]] == ["有油污", "洗干净的"]
    clean = client.post("/api/chat", json={"text": "洗干净的硅胶饭盒扔哪"}).json()
    assert "可回收物" in clean["replies"][0]["text"]
    dirty = client.post("/api/chat", json={"text": "硅胶饭盒扔哪"}).json()
    assert "其他垃圾" in dirty["replies"][0]["text"]
    two_defaults = RULE.replace("category: 可回收物", "category: 可回收物\n    default: true")
    for bad, reason in [("conditions: [", "YAML"), ("colour: red", "只能包含"), (two_defaults, "规则有误")]:
        r = client.put("/api/admin/knowledge/items/硅胶饭盒", json={"category": "其他垃圾", "rule": bad}, headers=h)
        assert r.status_code == 422 and reason in r.json()["detail"], (bad, r.text)
