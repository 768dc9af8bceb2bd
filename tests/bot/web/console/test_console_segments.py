"""The /admin/segments console: preview without saving, create, edit, the CLI's messages for bad rules, the audit log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.admin.models import AuditEntry
from bot.config import Settings
from bot.db import session_factory, transaction, utcnow
from bot.web.app import create_app
from bot.web.console.segments import mask
from campaigns import segments
from campaigns.models import Segment
from tests.bot.web.admin_api.test_admin_campaigns import console_settings
from tests.support.admin import Staff, console_login, staff_per_role
from tests.support.campaigns import add_residents


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(console_settings(settings))) as c:
        yield c


@pytest.fixture
def staff(settings: Settings, client: TestClient) -> dict[str, Staff]:
    return staff_per_role(session_factory(settings.db_url))


def test_mask_hides_the_middle_of_an_address() -> None:
    assert mask("oAbcdefgh1234xyz9") == "oA***z9"
    assert mask("abc") == "a***"
    assert "cdefgh" not in mask("oAbcdefgh1234xyz9")


def test_preview_create_and_edit_a_segment(settings: Settings, client: TestClient, staff: dict[str, Staff]) -> None:
    factory = session_factory(settings.db_url)
    now = utcnow()
    add_residents(factory, 3, now=now, prefix="openid-xinjianlu-", township="新建路街道", channel="wechat")
    add_residents(factory, 2, now=now, prefix="tg-hezhuang-", township="和庄镇", channel="telegram")
    csrf = console_login(client, staff["staff"])
    assert "人群分组" in client.get("/admin/campaigns").text  # in the menu

    where = "township=新建路街道\n\n"
    r = client.post("/admin/segments", data={"csrf_token": csrf, "name": "", "where": where, "action": "preview"})
    assert r.status_code == 200
    assert re.search(r'id="preview-count">3<', r.text) and re.search(r'id="preview-reachable">3<', r.text)
    assert "openid-xinjianlu-0" not in r.text and "微信 op***-0" in r.text  # masked sample residents
    assert "和庄镇" not in r.text.split('id="preview"')[1]
    with transaction(factory) as session:
        assert session.scalars(select(Segment)).first() is None  # a preview saves nothing

    r = client.post("/admin/segments", data={"csrf_token": csrf, "name": "新建路居民", "where": where})
    assert r.status_code == 200 and "已保存分组“新建路居民”，当前 3 人" in unquote(str(r.url))
    assert "township=新建路街道" in r.text and re.search(r'id="preview-count">3<', r.text)
    segment_id = int(re.search(r"/admin/segments/(\d+)", str(r.url)).group(1))  # type: ignore[union-attr]
    assert "新建路居民" in client.get("/admin/segments").text

    r = client.post("/admin/segments", data={"csrf_token": csrf, "name": "新建路居民", "where": where})
    assert r.status_code == 422 and "已有名为“新建路居民”的分组" in r.text

    edit = {"csrf_token": csrf, "name": "两个镇的居民", "where": "township=新建路街道,和庄镇\nconsent=是"}
    r = client.post(f"/admin/segments/{segment_id}", data={**edit, "action": "preview"})
    assert re.search(r'id="preview-count">5<', r.text)
    with transaction(factory) as session:
        assert session.get(Segment, segment_id).rules == {"township": "新建路街道"}  # type: ignore[union-attr]
    r = client.post(f"/admin/segments/{segment_id}", data=edit)
    assert "已保存分组“两个镇的居民”，当前 5 人" in unquote(str(r.url))
    assert "township=新建路街道,和庄镇" in r.text and "consent=是" in r.text
    with transaction(factory) as session:
        saved = segments.get(session, "两个镇的居民")
        assert saved is not None and saved.rules == {"township": ["新建路街道", "和庄镇"], "consent": True}
        logged = session.scalars(select(AuditEntry).where(AuditEntry.action == "segment.save")).all()
    assert [e.actor for e in logged] == ["staff-user", "staff-user"]
    assert logged[1].detail["before"] == {"township": "新建路街道"} and logged[1].detail["renamed_from"] == "新建路居民"

    admin_csrf = console_login(client, staff["admin"])
    assert admin_csrf
    audit_page = client.get("/admin/audit").text
    assert "保存人群" in audit_page and "原名称：新建路居民" in audit_page and "乡镇（街道） 新建路街道" in audit_page


@pytest.mark.parametrize(
    ("where", "cli_pairs"),
    [
        ("cell_kind=学校", ["cell_kind=学校"]),
        ("inactive_days=三十", ["inactive_days=三十"]),
        ("township", ["township"]),
    ],
)
def test_a_bad_rule_gets_the_clis_message(
    client: TestClient, staff: dict[str, Staff], where: str, cli_pairs: list[str]
) -> None:
    with pytest.raises(segments.SegmentError) as cli:
        segments.parse_rules(cli_pairs)
    csrf = console_login(client, staff["staff"])
    for action in ("preview", "save"):
        r = client.post(
            "/admin/segments", data={"csrf_token": csrf, "name": "坏分组", "where": where, "action": action}
        )
        assert r.status_code == 422 and 'class="msg err"' in r.text
        assert str(cli.value) in r.text.replace("&#34;", '"').replace("&#39;", "'")
        assert where in r.text  # the form keeps what was typed


def test_segments_need_the_right_role(client: TestClient, staff: dict[str, Staff]) -> None:
    csrf = console_login(client, staff["viewer"])
    page = client.get("/admin/segments")
    assert page.status_code == 200 and 'id="segment-form"' not in page.text
    r = client.post("/admin/segments", data={"csrf_token": csrf, "name": "x", "where": "township=a"})
    assert r.status_code == 403
    assert client.get("/admin/segments/999999").status_code == 404
    csrf = console_login(client, staff["office"])
    r = client.post("/admin/segments", data={"csrf_token": csrf, "name": "x", "where": "township=a"})
    assert r.status_code == 403
