"""无废细胞 resident lists: import (CSV/XLSX, bad rows by line), joined / not yet joined, merged residents, CLI, console."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy.orm import Session, sessionmaker

from bot import cli
from bot.config import Settings, get_settings
from bot.db import session_factory, transaction, utcnow
from bot.web.app import create_app
from campaigns import binding, cells, roster
from campaigns.models import Cell, Resident
from tests.bot.web.admin_api.test_admin_campaigns import console_settings
from tests.support.admin import console_login, staff_per_role
from tests.support.campaigns import add_residents

LIST = (
    "姓名,细胞编号,渠道,渠道账号\n"
    "张小明,{cell},微信,u0\n"
    "李四,{cell},Telegram,u1\n"
    "王五,{cell},,\n"
    ",{cell},,\n"
    "赵六,{cell},短信,138\n"
    "钱七,9999,,\n"
)


def _cell(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        report = cells.import_rows(
            session, [{"类型": "社区", "名称": "幸福里社区", "乡镇街道": "新建路街道"}], types=["社区"], now=utcnow()
        )
        assert report.added == 1
        found = cells.find(session, "幸福里社区")
        assert found is not None
        return found.id


def _join(factory: sessionmaker[Session], cell_id: int, resident_id: int) -> None:
    with transaction(factory) as session:
        cell, resident = session.get(Cell, cell_id), session.get(Resident, resident_id)
        assert cell is not None and resident is not None
        cells.join(session, cell, resident, via="qr", now=utcnow())


def test_mask_keeps_little_of_a_name() -> None:
    assert [roster.mask(n) for n in ("张", "李四", "张小明", "欧阳娜娜")] == ["张", "李*", "张*明", "欧**娜"]


def test_import_reports_bad_rows_and_counts_who_joined(factory: sessionmaker[Session], tmp_path: Path) -> None:
    cell_id = _cell(factory)
    wechat = add_residents(factory, 1, now=utcnow(), channel="wechat")  # u0 on WeChat: listed, will join
    telegram = add_residents(factory, 2, now=utcnow(), channel="telegram")  # u1 listed, has not joined; u0 not listed
    _join(factory, cell_id, wechat[0])
    _join(factory, cell_id, telegram[0])  # a member who is not on the list
    rows = list(csv.DictReader(io.StringIO(LIST.format(cell=cell_id))))
    with transaction(factory) as session:
        report = roster.import_rows(session, rows, cell=None, now=utcnow())
    assert (report.added, report.updated) == (3, 0)
    assert [n for n, _ in report.bad] == [5, 6, 7]
    reasons = [r for _, r in report.bad]
    assert reasons[0] == "缺少姓名" and "未知的渠道：短信" in reasons[1] and "没有编号为 9999" in reasons[2]

    with transaction(factory) as session:
        assert roster.summary(session, cell_id) == {
            "listed": 3, "joined": 1, "not_joined": 1, "unknown": 1, "members": 2, "members_not_listed": 1,
        }  # fmt: skip
        listed = roster.entries(session, cell_id)
        assert {(r["name"], r["state"]) for r in listed} == {
            ("张*明", "joined"), ("李*", "not_joined"), ("王*", "unknown"),
        }  # fmt: skip
        assert [r["name"] for r in roster.entries(session, cell_id, state="not_joined")] == ["李*"]
        # the same list again adds nobody; a row naming another cell is refused when importing into one cell
        again = roster.import_rows(session, rows[:3], cell=None, now=utcnow())
        assert (again.added, again.updated) == (0, 3)
        other = roster.import_rows(
            session, [{"姓名": "孙八", "细胞编号": "9999"}], cell=session.get(Cell, cell_id), now=utcnow()
        )
        assert "与本细胞" in other.bad[0][1]

    # 李四 binds Telegram u1 to a web identity that already joined: the merged resident counts as joined
    web = add_residents(factory, 1, now=utcnow(), channel="web", prefix="w")
    _join(factory, cell_id, web[0])
    with transaction(factory) as session:
        keep, drop = session.get(Resident, web[0]), session.get(Resident, telegram[1])
        assert keep is not None and drop is not None
        binding.merge(session, keep, drop, salt="s", now=utcnow())
    with transaction(factory) as session:
        counts = roster.summary(session, cell_id)
    assert (counts["joined"], counts["not_joined"], counts["members_not_listed"]) == (2, 0, 1)


def test_cli_imports_an_xlsx_list_and_lists_who_is_missing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("WUFEI_DATABASE_URL", settings.db_url)
    get_settings.cache_clear()
    try:
        factory = session_factory(settings.db_url)
        cell_id = _cell(factory)
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["姓名", "渠道", "渠道账号"])
        sheet.append(["张小明", "微信", "u0"])
        sheet.append(["李四", "wechat", 12345])
        book.save(tmp_path / "名单.xlsx")
        add_residents(factory, 1, now=utcnow(), channel="wechat")
        code = cli.main(["cells", "members", "import", str(tmp_path / "名单.xlsx"), "--cell", str(cell_id), "--json"])
        out = capsys.readouterr().out
        assert code == 0 and json.loads(out)["added"] == 2
        code = cli.main(["cells", "members", "list", "幸福里社区", "--missing"])
        out = capsys.readouterr().out
        assert code == 0 and "名单 2 人，已加入 0，未加入 2" in out and "张*明  未加入" in out and "张小明" not in out
        assert cli.main(["cells", "members", "clear", str(cell_id)]) == 0
        assert "已删除“幸福里社区”的居民名单（2 人）" in capsys.readouterr().out
        assert cli.main(["cells", "members", "list", "没有这个"]) == 2
        assert "没有找到无废细胞" in capsys.readouterr().err
        assert cli.main(["cells", "members", "import", str(tmp_path / "缺.csv"), "--cell", str(cell_id)]) != 0
        assert "找不到文件" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


def test_console_cell_page_shows_the_list_and_imports_it(settings: Settings) -> None:
    with TestClient(create_app(console_settings(settings))) as client:
        factory = session_factory(settings.db_url)
        staff = staff_per_role(factory)
        cell_id = _cell(factory)
        wechat = add_residents(factory, 1, now=utcnow(), channel="wechat")
        _join(factory, cell_id, wechat[0])
        csrf = console_login(client, staff["staff"])
        upload = f"姓名,细胞编号,渠道,渠道账号\n张小明,{cell_id},微信,u0\n李四,,,\n王五,77,,\n".encode()
        r = client.post(
            f"/admin/cells/{cell_id}/roster",
            data={"csrf_token": csrf},
            files={"file": ("名单.csv", upload, "text/csv")},
        )
        assert "新增 2 人" in r.text and "第 4 行：细胞编号 77 与本细胞" in r.text
        assert 'id="roster-joined">1<' in r.text and 'id="roster-unknown">1<' in r.text
        assert "张*明" in r.text and "张小明" not in r.text
        page = client.get(f"/admin/cells/{cell_id}?roster_state=unknown").text
        table = page.split('id="roster"')[1].split("</table>")[0]
        assert "李*" in table and "张*明" not in table
        bad = client.post(
            f"/admin/cells/{cell_id}/roster", data={"csrf_token": csrf}, files={"file": ("x.txt", b"a", "text/plain")}
        )
        assert "只支持 .csv 和 .xlsx 文件" in bad.text
        viewer = TestClient(client.app)
        console_login(viewer, staff["viewer"])
        assert 'id="roster-import"' not in viewer.get(f"/admin/cells/{cell_id}").text
        r = client.post(f"/admin/cells/{cell_id}/roster/clear", data={"csrf_token": csrf})
        assert (
            "已删除居民名单（2 人）" in r.text and "还没有导入居民名单" in r.text and 'id="roster-clear"' not in r.text
        )
        audit = client.get("/api/admin/audit", headers=staff["admin"].headers).json()
        assert {"cell.roster_import", "cell.roster_clear"} <= {e["action"] for e in audit}


def test_admin_api_imports_and_lists_the_roster(settings: Settings) -> None:
    with TestClient(create_app(console_settings(settings))) as client:
        factory = session_factory(settings.db_url)
        staff = staff_per_role(factory)
        cell_id = _cell(factory)
        _join(factory, cell_id, add_residents(factory, 1, now=utcnow(), channel="telegram")[0])
        upload = "姓名,渠道,渠道账号\n张小明,Telegram,u0\n李四,,\n".encode()
        url = f"/api/admin/cells/{cell_id}/roster"
        viewer = staff["viewer"].headers
        assert client.post(url, files={"file": ("a.csv", upload, "text/csv")}, headers=viewer).status_code == 403
        r = client.post(url, files={"file": ("a.csv", upload, "text/csv")}, headers=staff["staff"].headers)
        assert r.status_code == 200 and (r.json()["added"], r.json()["bad"]) == (2, [])
        got = client.get(url, params={"state": "joined"}, headers=viewer).json()
        assert (got["listed"], got["joined"], got["unknown"]) == (2, 1, 1)
        assert [row["name"] for row in got["rows"]] == ["张*明"]
        assert client.get(url, params={"state": "nobody"}, headers=viewer).status_code == 422
        assert client.get("/api/admin/cells/99999/roster", headers=viewer).status_code == 404
