"""Storing plans: ingestion of both seeds, replacement, idempotent bundled loading, queries and the kb commands."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import plans as cli_plans
from bot.db import dispose_engines, session_factory, transaction
from bot.migrate import upgrade
from knowledge import plans
from knowledge.plan_models import PlanDocument, PlanSection, PlanTarget, PlanTask
from tests.knowledge.conftest import FIXTURES, NOW


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_ingest_bundled_stores_both_seeds(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        reports = {r.city: r for r in plans.ingest_bundled(session, now=NOW)}
    xz, xm = reports["新郑市"], reports["新密市"]
    assert (xz.sections, xz.tasks, xz.units) == (60, 40, 29)
    assert xz.targets >= 35 and xz.unparsed == []
    assert (xm.tasks, xm.targets) == (6, 12)  # with the 绿色工厂 baseline (在…基础上) and 新建一座焚烧发电设施
    with factory() as session:
        doc = session.scalars(select(PlanDocument).where(PlanDocument.city == "新郑市")).one()
        assert doc.doc_no == "新政〔2023〕6号"
        assert doc.facts["leadership"]["leaders"][0]["name"] == "杨晋"
        task = next(t for t in plans.list_tasks(session, city="新郑") if t.label == "四（五）1")
        assert task.lead_units == ["市城管局"]
        assert task.section.parent is not None and task.section.parent.label == "四（五）"


def test_ingest_bundled_skips_unchanged_plans(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        assert len(plans.ingest_bundled(session, now=NOW)) == 2
    with transaction(factory) as session:
        assert plans.ingest_bundled(session, now=NOW) == []
        assert _count(session, PlanDocument) == 2


def test_reingesting_replaces_the_document(factory: sessionmaker[Session]) -> None:
    text = (FIXTURES / "zhengzhou-inline.txt").read_text(encoding="utf-8")
    with transaction(factory) as session:
        first = plans.ingest(session, text=text, source_name="zz.txt", now=NOW)
    with transaction(factory) as session:
        again = plans.ingest(session, text=text + "\n", source_name="zz.txt", now=NOW)
    assert again.replaced == 1
    with factory() as session:
        assert _count(session, PlanDocument) == 1
        assert _count(session, PlanTask) == first.tasks
        assert _count(session, PlanTarget) == first.targets
        assert _count(session, PlanSection) == first.sections


def test_queries_filter_by_city_and_unit(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        assert len(plans.list_tasks(session)) == 46
        assert {t.document.city for t in plans.list_tasks(session, unit="城管局")} == {"新郑市"}
        assert len(plans.list_tasks(session, unit="市城管局")) == 17
        assert len(plans.list_targets(session, city="新密市")) == 12  # with the 绿色工厂 baseline and 新建一座…
        assert all(g.city == "新郑市" for g in plans.list_targets(session, city="新郑"))
        assert plans.target_json(plans.list_targets(session, city="新郑市")[0])["section"] == "四（一）9"


def test_non_plan_text_is_refused(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session, pytest.raises(plans.PlanFormatError):
        plans.ingest(session, text="你好，这不是方案。", source_name="x.txt", now=NOW)


def _ns(**kw: object) -> argparse.Namespace:
    base: dict[str, object] = {"city": None, "unit": None, "json": False}
    base.update(kw)
    return argparse.Namespace(**base)


def test_cli_ingest_prints_summary(factory: sessionmaker[Session], capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_plans.cmd_ingest(_ns(file=str(FIXTURES / "pagebreak.txt"), city="某县"), factory)
    out = capsys.readouterr().out
    assert code == 0
    assert "任务 3" in out and "目标 8" in out


def test_cli_ingest_errors_in_chinese(
    factory: sessionmaker[Session], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_plans.cmd_ingest(_ns(file=str(tmp_path / "missing.txt")), factory) != 0
    assert "找不到文件" in capsys.readouterr().err
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("一、重点任务".encode("gbk"))
    assert cli_plans.cmd_ingest(_ns(file=str(gbk)), factory) != 0
    assert "UTF-8" in capsys.readouterr().err
    assert cli_plans.cmd_ingest(_ns(file=str(tmp_path)), factory) != 0
    assert "文件夹" in capsys.readouterr().err


def test_cli_ingests_a_word_document(
    factory: sessionmaker[Session], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import docx

    document = docx.Document()
    for line in (FIXTURES / "pagebreak.txt").read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    path = tmp_path / "plan.docx"
    document.save(str(path))
    assert cli_plans.cmd_ingest(_ns(file=str(path), city="某县"), factory) == 0
    assert "任务 3" in capsys.readouterr().out
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip")
    assert cli_plans.cmd_ingest(_ns(file=str(broken)), factory) != 0
    assert ".docx" in capsys.readouterr().err


def test_cli_tasks_and_targets_json(seeded: sessionmaker[Session], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_plans.cmd_tasks(_ns(city="新郑市", unit="市农委", json=True), seeded) == 0
    tasks = json.loads(capsys.readouterr().out)
    assert {t["label"] for t in tasks} >= {"四（六）1", "四（六）4", "四（七）2"}
    assert cli_plans.cmd_targets(_ns(city="新密市", json=True), seeded) == 0
    targets = json.loads(capsys.readouterr().out)
    assert {(t["indicator"], t["value"]) for t in targets} >= {("农膜回收率", 97.0), ("城区生活垃圾分类覆盖率", 99.5)}
    assert cli_plans.cmd_targets(_ns(), seeded) == 0
    assert "共" in capsys.readouterr().out


def test_register_adds_subcommands() -> None:
    parser = argparse.ArgumentParser()
    cli_plans.register(parser.add_subparsers())
    args = parser.parse_args(["tasks", "--unit", "市城管局", "--json"])
    assert args.handler is cli_plans.cmd_tasks and args.json


@pytest.mark.postgres
def test_migration_and_ingest_on_postgres() -> None:
    url = os.environ.get("WUFEI_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("WUFEI_TEST_POSTGRES_URL not set")
    upgrade(url)
    factory = session_factory(url)
    with transaction(factory) as session:
        for doc_id in session.scalars(select(PlanDocument.id)):
            plans.delete_document(session, doc_id)
    with transaction(factory) as session:
        assert len(plans.ingest_bundled(session, now=NOW)) == 2
    with transaction(factory) as session:
        plans.ingest(session, text=(plans.BUNDLED / "xinzheng-2023.txt").read_text(), source_name="again", now=NOW)
        assert _count(session, PlanDocument) == 2
    dispose_engines()
