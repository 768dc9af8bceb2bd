"""The /admin console: login, cookies, CSRF, lockout, roles, and knowledge curation through the forms."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from bot.config import Settings
from bot.db import session_factory
from bot.web.app import create_app
from tests.support.admin import Staff, console_login, csrf_of, staff_per_role


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def staff(settings: Settings, client: TestClient) -> dict[str, Staff]:
    return staff_per_role(session_factory(settings.db_url))


def test_pages_need_a_login_and_come_back_after_it(client: TestClient, staff: dict[str, Staff]) -> None:
    r = client.get("/admin/knowledge?q=电池", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/login?next=%2Fadmin%2Fknowledge")
    page = client.get(r.headers["location"])
    token = csrf_of(page.text)
    r = client.post(
        "/admin/login",
        data={
            "name": "staff-user",
            "password": staff["staff"].password,
            "csrf_token": token,
            "next": "/admin/knowledge?q=电池",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and unquote(r.headers["location"]) == "/admin/knowledge?q=电池"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/admin" in cookie
    assert "电池" in client.get("/admin/knowledge?q=电池").text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/admin", "/api/admin/users"])
def test_login_does_not_redirect_elsewhere(client: TestClient, staff: dict[str, Staff], target: str) -> None:
    token = csrf_of(client.get("/admin/login").text)
    r = client.post(
        "/admin/login",
        data={"name": "viewer-user", "password": staff["viewer"].password, "csrf_token": token, "next": target},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/admin"


def test_wrong_passwords_then_the_client_is_refused_with_the_same_words(
    client: TestClient, staff: dict[str, Staff]
) -> None:
    for _ in range(5):
        token = csrf_of(client.get("/admin/login").text)
        r = client.post("/admin/login", data={"name": "office-user", "password": "nope", "csrf_token": token})
        assert r.status_code == 401 and "用户名或密码错误，或尝试过于频繁，请稍后再试" in r.text
    token = csrf_of(client.get("/admin/login").text)
    r = client.post(
        "/admin/login", data={"name": "office-user", "password": staff["office"].password, "csrf_token": token}
    )
    assert r.status_code == 429 and "用户名或密码错误，或尝试过于频繁，请稍后再试" in r.text
    assert int(r.headers["retry-after"]) == 60


def test_login_form_without_its_csrf_cookie_is_refused(client: TestClient, staff: dict[str, Staff]) -> None:
    r = client.post(
        "/admin/login", data={"name": "admin-user", "password": staff["admin"].password, "csrf_token": "forged"}
    )
    assert "登录页面已过期" in r.text and "wufei_admin" not in client.cookies


def test_forms_need_the_session_csrf_token(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["staff"])
    r = client.post("/admin/knowledge/items/筋膜枪", data={"category": "可回收物"})
    assert r.status_code == 403 and "CSRF" in r.text and "<html" in r.text
    r = client.post("/admin/knowledge/items/筋膜枪", data={"category": "可回收物", "csrf_token": csrf})
    assert r.status_code == 200 and "已保存“筋膜枪”" in r.text


def test_viewer_reads_but_cannot_change(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["viewer"])
    assert client.get("/admin/plans").status_code == 200
    r = client.post("/admin/knowledge/items/筋膜枪", data={"category": "可回收物", "csrf_token": csrf})
    assert r.status_code == 403 and "无权修改知识库" in r.text
    assert client.get("/admin/users").status_code == 403
    assert "编辑</a>" not in client.get("/admin/knowledge?q=纸巾").text


def test_curating_the_queue_in_the_console_teaches_the_bot(client: TestClient, staff: dict[str, Staff]) -> None:
    assert client.post("/api/chat", json={"text": "坏了的卡林巴扔哪里"}).json()["answer"]["intent"] == "unknown"
    csrf = console_login(client, staff["staff"])
    page = client.get("/admin/knowledge").text
    assert "卡林巴" in page
    from bot.db import transaction
    from knowledge import curation

    with transaction(client.app.state.factory) as session:  # type: ignore[attr-defined]
        qid = next(q.id for q in curation.unanswered(session) if "卡林巴" in q.text)
    r = client.post(
        f"/admin/knowledge/unanswered/{qid}",
        data={"csrf_token": csrf, "action": "map", "alias": "卡林巴", "item": "废旧家电"},
    )
    assert "已把“卡林巴”归入“废旧家电”" in r.text
    reply = client.post("/api/chat", json={"text": "坏了的卡林巴扔哪里"}).json()
    assert "可回收物" in reply["replies"][0]["text"]


def test_faq_edit_and_plan_upload_through_forms(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["staff"])
    r = client.post(
        "/admin/knowledge/faq",
        data={
            "csrf_token": csrf,
            "key": "station_hours",
            "title": "回收站开放时间",
            "keywords": "回收站 几点\n回收站 开门",
            "answer": "再生资源回收站每天 8:00–18:00 开放，电话 12319。",
        },
    )
    assert "已保存常见问题" in r.text
    reply = client.post("/api/chat", json={"text": "回收站几点开门"}).json()
    assert "12319" in reply["replies"][0]["text"]
    r = client.post(
        "/admin/plans/upload", data={"csrf_token": csrf}, files={"file": ("x.txt", b"\xff\xfe", "text/plain")}
    )
    assert "无法读取" in r.text


def test_admin_creates_users_and_sees_the_password_once(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["admin"])
    r = client.post("/admin/users", data={"csrf_token": csrf, "name": "新同事", "role": "office"})
    assert "初始密码" in r.text and r.headers["cache-control"] == "no-store"
    assert "初始密码" not in client.get("/admin/users").text
    audit = client.get("/admin/audit").text
    assert "user.create" in audit and "新同事" in audit
    row = audit.split('id="audit"')[1].split("</tr>")[1]  # the newest entry
    # readable fields, not raw JSON or role codes
    assert "新建用户" in row and "角色：办公室（问卷与指标）" in row and "{" not in row
    shown = re.search(r"<td>(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)</td>", row)
    assert shown is not None and "时间（北京时间）" in audit
    beijing = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    assert abs((dt.datetime.fromisoformat(shown.group(1)) - beijing).total_seconds()) < 300
    assert '<option value="user.create" >新建用户</option>' in audit  # filter by a named action
    csv = client.get("/admin/audit.csv")
    assert csv.headers["content-type"].startswith("text/csv") and "新同事" in csv.text


def test_logout_ends_the_session(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["admin"])
    cookie = client.cookies.get("wufei_admin")
    r = client.post("/admin/logout", data={"csrf_token": csrf})
    assert "已退出登录" in r.text
    client.cookies.set("wufei_admin", cookie or "", path="/admin")
    assert client.get("/admin", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "path", ["/admin/campaigns/9223372036854775808", "/admin/cells/0", "/admin/audit?before_id=-1"]
)
def test_out_of_range_ids_are_a_clear_422_page(client: TestClient, staff: dict[str, Staff], path: str) -> None:
    console_login(client, staff["admin"])
    r = client.get(path)
    assert r.status_code == 422 and "<html" in r.text


def test_a_formula_planted_through_the_login_form_is_escaped_in_the_audit_csv(
    client: TestClient, staff: dict[str, Staff]
) -> None:
    planted = '=HYPERLINK("http://x","y")'
    outsider = TestClient(client.app)  # no account, no session: only the login form
    token = csrf_of(outsider.get("/admin/login").text)
    r = outsider.post("/admin/login", data={"name": planted, "password": "guess", "csrf_token": token})
    assert r.status_code == 401
    console_login(client, staff["admin"])
    api = client.get("/api/admin/audit?format=csv", headers=staff["admin"].headers)
    for export in (client.get("/admin/audit.csv"), api):
        rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"), newline="")))
        failed = [row for row in rows if row["操作"] == "login.failed"]
        assert [row["操作人"] for row in failed] == ["'" + planted]
        assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


def test_a_reset_password_must_be_changed_at_the_next_login(
    client: TestClient, staff: dict[str, Staff], settings: Settings
) -> None:
    csrf = console_login(client, staff["admin"])
    page = client.post(f"/admin/users/{staff['viewer'].name}", data={"csrf_token": csrf, "action": "password"}).text
    one_time = re.search(r'id="secret">([^<]+)<', page)
    assert one_time is not None
    client.cookies.clear()

    viewer = Staff(staff["viewer"].name, "viewer", one_time.group(1), staff["viewer"].token)
    csrf = console_login(client, viewer)  # the login lands on the password page, not the dashboard
    landed = client.get("/admin", follow_redirects=False)
    assert landed.status_code == 303 and landed.headers["location"] == "/admin/password"
    assert client.get("/admin/surveys", follow_redirects=False).headers["location"] == "/admin/password"
    assert 'id="forced"' in client.get("/admin/password").text

    def change(current: str, new: str, confirm: str | None = None) -> str:
        form = {"csrf_token": csrf, "current": current, "new": new, "confirm": confirm or new}
        return unquote(client.post("/admin/password", data=form, follow_redirects=False).headers["location"])

    assert "当前密码不正确" in change("wrong-password", "a-new-secret-42")
    assert "至少 10 位" in change(one_time.group(1), "short")
    assert "不一致" in change(one_time.group(1), "a-new-secret-42", "a-new-secret-43")
    assert change(one_time.group(1), "a-new-secret-42").startswith("/admin?ok=密码已修改")
    assert client.get("/admin", follow_redirects=False).status_code == 200  # the console is open again
    client.cookies.clear()
    console_login(client, Staff(viewer.name, "viewer", "a-new-secret-42", viewer.token))
    client.cookies.clear()
    csrf = console_login(client, staff["admin"])
    assert "修改自己的密码" in client.get("/admin/audit").text
