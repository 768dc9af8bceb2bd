"""`wufei cells`, `wufei segments` and `wufei campaign` end to end (in process, real database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot import cli
from bot.config import Settings, get_settings
from bot.db import utcnow
from tests.support.campaigns import add_residents


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("WUFEI_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("WUFEI_CAMPAIGNS__STAFF", '["web:staff1"]')
    get_settings.cache_clear()
    yield settings  # type: ignore[misc]
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cells_import_reports_bad_rows_and_keeps_good_ones(
    env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cells.csv"
    path.write_text(
        "类型,名称,乡镇街道,状态,日期,联系人\n学校,新建路小学,新建路街道,已命名,2025-06-05,王老师\n"
        "火星站,某处,城关乡,申报,,\n医院,,城关乡,申报,,\n商超,丹尼斯,城关乡,不存在,,\n社区,金水社区,城关乡,申报,2025/13/01,\n",
        encoding="utf-8-sig",
    )
    code, out, _ = run(capsys, "cells", "import", str(path), "--json")
    report = json.loads(out)
    assert code == 1 and report["added"] == 1
    assert [b["line"] for b in report["bad"]] == [3, 4, 5, 6]
    book = Workbook()
    sheet = book.active
    sheet.append(["type", "name", "township", "status"])  # type: ignore[union-attr]
    sheet.append(["学校", "新建路小学", "新建路街道", "复核"])  # type: ignore[union-attr]
    sheet.append(["公园", "轩辕湖公园", "新建路街道", None])  # type: ignore[union-attr]
    book.save(tmp_path / "cells.xlsx")
    code, out, _ = run(capsys, "cells", "import", str(tmp_path / "cells.xlsx"), "--json")
    assert code == 0 and json.loads(out) == {"added": 1, "updated": 1, "bad": []}
    code, out, _ = run(capsys, "cells", "list", "--json")
    listed = {c["name"]: c for c in json.loads(out)}
    assert listed["新建路小学"]["status"] == "复核" and listed["轩辕湖公园"]["status"] == "申报"
    code, _, err = run(capsys, "cells", "import", str(tmp_path / "missing.csv"))
    assert code == 2 and "找不到文件" in err


def test_campaign_create_preview_start_status_and_ledger(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.runtime import ensure_ready

    factory = ensure_ready(env)
    add_residents(factory, 3, now=utcnow(), township="新建路街道")
    add_residents(factory, 2, now=utcnow(), township="城关乡", prefix="o")
    assert run(capsys, "segments", "create", "新建路", "--where", "township=新建路街道")[0] == 0
    code, out, _ = run(capsys, "segments", "preview", "新建路", "--json")
    assert json.loads(out)["count"] == 3
    code, out, _ = run(
        capsys,
        "campaign",
        "create",
        "--name",
        "环境日",
        "--text",
        "{township}你好",
        "--segment",
        "新建路",
        "--channels",
        "web",
    )
    cid = out.strip()
    assert code == 0 and cid.isdigit()
    code, out, _ = run(capsys, "campaign", "preview", cid, "--json")
    assert json.loads(out)["would_send"] == 3
    code, out, _ = run(capsys, "campaign", "test", cid, "--json")
    assert code == 0 and json.loads(out)[0]["ok"]
    code, out, _ = run(capsys, "campaign", "start", cid, "--json")
    assert json.loads(out)["state"] == "scheduled"
    code, out, _ = run(capsys, "campaign", "status", cid, "--json")
    data = json.loads(out)
    assert {"state", "targeted", "pending", "sent", "failed", "skipped"} <= set(data)
    code, _, err = run(capsys, "campaign", "resume", cid)
    assert code == 2 and "不能" in err
    code, _, err = run(capsys, "campaign", "create", "--name", "x", "--text", "y", "--lunar", "13-01")
    assert code == 2 and "农历" in err
    code, _, err = run(capsys, "campaign", "create", "--name", "x", "--text", "y", "--segment", "nope")
    assert code == 2 and "分组" in err
    code, out, _ = run(
        capsys, "campaign", "create", "--name", "拜祖", "--text", "y", "--lunar", "03-03", "--time", "09:00"
    )
    assert code == 0
    code, out, _ = run(capsys, "campaign", "ledger", cid, "--json")
    assert json.loads(out) == []  # nothing materialised before the scheduler ticks
