"""`wufei cells`, `wufei segments` and `wufei campaign` end to end (in process, real database)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

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
    assert json.loads(out) == {"total": 0, "next_after_id": None, "rows": []}  # nothing before the scheduler ticks


def test_campaign_ledger_pages_filters_and_exports_csv(
    env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels.web_outbox import WebOutboxSender
    from bot.db import transaction
    from bot.runtime import ensure_ready
    from campaigns import runs
    from campaigns.delivery import DeliveryLoop

    monkeypatch.setenv("WUFEI_CAMPAIGNS__QUIET_HOURS", "off")  # the test must not depend on the hour it runs at
    get_settings.cache_clear()
    factory = ensure_ready(env)
    now = utcnow()
    add_residents(factory, 3, now=now, township="新建路街道")
    add_residents(factory, 2, now=now, township="新建路街道", prefix="n", consent=False)
    assert run(capsys, "segments", "create", "新建路", "--where", "township=新建路街道")[0] == 0
    code, out, _ = run(
        capsys, "campaign", "create", "--name", "n", "--text", "t", "--segment", "新建路", "--channels", "web"
    )
    cid = out.strip()
    assert run(capsys, "campaign", "start", cid)[0] == 0
    now = utcnow()
    with transaction(factory) as session:
        runs.tick(session, now=now, quiet=None, grace=dt.timedelta(hours=2))
    assert DeliveryLoop(factory, {"web": WebOutboxSender(factory)}, worker="t", clock=lambda: now).drain() == 3

    def ledger(*extra: str) -> dict[str, Any]:
        code, out, _ = run(capsys, "campaign", "ledger", cid, "--json", *extra)
        assert code == 0
        return json.loads(out)  # type: ignore[no-any-return]

    first = ledger("--limit", "2")
    assert first["total"] == 5 and len(first["rows"]) == 2 and first["next_after_id"] == first["rows"][1]["id"]
    second = ledger("--limit", "2", "--after-id", str(first["next_after_id"]))
    third = ledger("--limit", "2", "--after-id", str(second["next_after_id"]))
    assert third["next_after_id"] is None
    ids = [r["id"] for page in (first, second, third) for r in page["rows"]]
    assert len(ids) == 5 == len(set(ids)) and ids == sorted(ids)
    assert [r["id"] for r in ledger("--offset", "4")["rows"]] == ids[4:]
    skipped = ledger("--status", "skipped")
    assert skipped["total"] == 2 and {r["reason"] for r in skipped["rows"]} == {"no_consent"}
    assert ledger("--status", "sent", "--status", "skipped")["total"] == 5
    assert ledger("--channel", "wechat")["total"] == 0
    assert {r["township"] for r in first["rows"]} == {"新建路街道"}
    code, out, _ = run(capsys, "campaign", "ledger", cid)
    assert "共 5 行" in out and "已发送" in out and "未同意接收推送" in out

    path = tmp_path / "ledger.csv"
    code, _, err = run(capsys, "campaign", "ledger", cid, "--csv", str(path))
    assert code == 0 and "5 行" in err
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese correctly
    with path.open(encoding="utf-8-sig", newline="") as fh:
        exported = list(csv.DictReader(fh))
    assert [int(r["台账编号"]) for r in exported] == ids
    assert sorted(r["状态"] for r in exported) == ["已发送"] * 3 + ["已跳过"] * 2
    assert {r["原因"] for r in exported if r["状态"] == "已跳过"} == {"未同意接收推送"}
    assert all(r["发送时间"] for r in exported if r["状态"] == "已发送")
    code, _, _ = run(capsys, "campaign", "ledger", cid, "--csv", str(path), "--status", "sent", "--limit", "2")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        assert [r["状态"] for r in csv.DictReader(fh)] == ["已发送"] * 2

    code, out, _ = run(capsys, "campaign", "status", cid, "--json")
    status = json.loads(out)
    assert (status["targeted"], status["sent"], status["skipped"], status["reached"]) == (5, 3, 2, 3)
    assert status["skip_reasons"] == {"no_consent": 2}
    code, out, _ = run(capsys, "campaign", "reach", "--segment", "新建路", "--json")
    assert json.loads(out) | {"skip_reasons": None} == {
        "segment": "新建路",
        "targeted": 5,
        "pending": 0,
        "sent": 3,
        "unconfirmed": 0,
        "failed": 0,
        "skipped": 2,
        "unreachable": 0,
        "reached": 3,
        "skip_reasons": None,
    }
    code, _, err = run(capsys, "campaign", "ledger", "999")
    assert code == 2 and "999" in err


def test_campaign_create_with_a_wechat_template(
    env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("campaign", "create", "--name", "n", "--text", "t", "--channels", "wechat,web")
    code, out, _ = run(
        capsys,
        *base,
        "--template-id",
        "TM1",
        "--template-field",
        "first={township}您好",
        "--template-field",
        "remark=谢谢",
    )
    assert code == 0
    code, out, _ = run(capsys, "campaign", "show", out.strip(), "--json")
    assert json.loads(out)["wechat_template"] == {
        "template_id": "TM1",
        "data": {"first": "{township}您好", "remark": "谢谢"},
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"template_id": "TM2", "url": "https://x.example", "data": {"first": "好"}}), "utf-8")
    code, out, _ = run(capsys, *base, "--wechat-template", str(path), "--json")
    cid = json.loads(out)["id"]
    code, out, _ = run(capsys, "campaign", "show", str(cid), "--json")
    assert json.loads(out)["wechat_template"]["url"] == "https://x.example"
    code, _, err = run(capsys, *base, "--template-field", "first=x")
    assert code == 2 and "--template-id" in err
    code, _, err = run(capsys, *base, "--template-id", "T", "--template-field", "first={town}")
    assert code == 2 and "占位符" in err
    code, _, err = run(
        capsys, "campaign", "create", "--name", "n", "--text", "t", "--channels", "web", "--template-id", "T",
        "--template-field", "first=x",
    )  # fmt: skip
    assert code == 2 and "wechat" in err


def test_segment_preview_warns_about_responses_that_name_nobody(
    env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    import dataclasses

    from bot.db import transaction
    from bot.runtime import ensure_ready
    from surveys import flow
    from surveys.definition import load_surveys

    factory = ensure_ready(env)
    ids = add_residents(factory, 3, now=utcnow())
    survey = load_surveys()["public"]
    with transaction(factory) as session:
        for i, rid in enumerate(ids[:2]):
            flow.submit(
                session, dataclasses.replace(survey, anonymous=i == 1), {}, key=f"k{i}", resident_id=rid,
                channel="web", source="chat", now=utcnow(), wave="2026",
            )  # fmt: skip
    out = run(capsys, "segments", "preview", "--where", "not_surveyed=public/2026", "--json")[1]
    assert json.loads(out) | {"rules": None} == {
        "count": 2,
        "reachable": 2,
        "unlinked_responses": 1,
        "rules": None,
    }
    out = run(capsys, "segments", "preview", "--where", "not_surveyed=public/2026")[1]
    assert "2 人" in out and "1 份" in out and "匿名" in out


def test_campaign_ledger_csv_escapes_a_formula_in_a_residents_field(
    env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels.web_outbox import WebOutboxSender
    from bot.db import transaction
    from bot.runtime import ensure_ready
    from campaigns import runs
    from campaigns.delivery import DeliveryLoop

    monkeypatch.setenv("WUFEI_CAMPAIGNS__QUIET_HOURS", "off")
    get_settings.cache_clear()
    factory = ensure_ready(env)
    planted = "@SUM(A1)"
    add_residents(factory, 2, now=utcnow(), township="新建路街道", community=planted)
    assert run(capsys, "segments", "create", "新建路", "--where", "township=新建路街道")[0] == 0
    code, out, _ = run(
        capsys, "campaign", "create", "--name", "n", "--text", "t", "--segment", "新建路", "--channels", "web"
    )
    cid = out.strip()
    assert run(capsys, "campaign", "start", cid)[0] == 0
    now = utcnow()
    with transaction(factory) as session:
        runs.tick(session, now=now, quiet=None, grace=dt.timedelta(hours=2))
    assert DeliveryLoop(factory, {"web": WebOutboxSender(factory)}, worker="t", clock=lambda: now).drain() == 2
    path = tmp_path / "ledger.csv"
    assert run(capsys, "campaign", "ledger", cid, "--csv", str(path))[0] == 0
    code, out, _ = run(capsys, "campaign", "ledger", cid, "--csv", "-")
    assert code == 0 and out.startswith("\ufeff")
    for text in (path.read_text(encoding="utf-8"), out):
        table = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
        assert len(table) == 2 and {row["社区"] for row in table} == {"'" + planted}
