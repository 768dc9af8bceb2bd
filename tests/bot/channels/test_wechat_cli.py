"""`wufei wechat menu | qrcode | mass` run as real processes against the fake WeChat API over HTTP."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import xmltodict
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.wechat_models import WechatMassSend, WechatQrcode
from bot.config import Settings, WechatSettings
from bot.db import dispose_engines, transaction
from bot.web.app import create_app
from campaigns.models import Cell, CellMember
from tests.support.fake_wechat import AES_KEY, APP_ID, TOKEN, FakeWechat, fake_wechat_server, message_xml, signed_query

ROOT = Path(__file__).resolve().parents[3]
NOW = dt.datetime(2026, 6, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def fake() -> Iterator[FakeWechat]:
    with fake_wechat_server() as server:
        yield server
    dispose_engines()


def env_for(settings: Settings, fake: FakeWechat, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WUFEI_DATABASE_URL": settings.db_url,
        "WUFEI_DATA_DIR": str(settings.data_dir),
        "WUFEI_LOG_LEVEL": "WARNING",
        "WUFEI_WECHAT__APP_ID": APP_ID,
        "WUFEI_WECHAT__APP_SECRET": "cli-secret",
        "WUFEI_WECHAT__API_BASE_URL": fake.base_url,
        "WUFEI_WECHAT__QRCODE_IMAGE_URL": fake.base_url + "showqrcode",
    }
    env.update(extra)
    return env


def wufei(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "wechat", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )


def add_cell(factory: sessionmaker[Session], name: str = "新郑市第一中学") -> int:
    with transaction(factory) as session:
        cell = Cell(
            type="学校", name=name, township="新建路街道", status="创建中", status_at=NOW, history=[], created_at=NOW
        )
        session.add(cell)
        session.flush()
        return cell.id


def failed_cleanly(done: subprocess.CompletedProcess[str], message: str) -> bool:
    return (
        done.returncode == 2
        and done.stderr.startswith("错误：")
        and message in done.stderr
        and ("Traceback" not in done.stderr)
    )


# --- menu -------------------------------------------------------------------------------------------------------


def test_menu_publishes_the_configured_menu(settings: Settings, fake: FakeWechat) -> None:
    done = wufei(env_for(settings, fake), "menu")
    assert done.returncode == 0, done.stderr
    assert "已发布自定义菜单（5 个按钮）" in done.stdout
    [call] = fake.calls_to("menu/create")
    assert call.body == {"button": WechatSettings().menu}
    names = [b["name"] for b in call.body["button"]] + [s["name"] for s in call.body["button"][2]["sub_button"]]
    assert names == ["分类查询", "参与调查", "更多", "订阅宣传", "退订宣传", "帮助"]


def test_menu_dry_run_prints_it_without_calling_wechat(settings: Settings, fake: FakeWechat) -> None:
    if settings.db_url.startswith("postgresql"):
        pytest.skip("does not depend on the database")
    done = wufei(env_for(settings, fake, WUFEI_WECHAT__APP_SECRET=""), "menu", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["button"][0] == {"type": "click", "name": "分类查询", "key": "SORT"}
    assert fake.calls == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"WUFEI_WECHAT__APP_SECRET": ""}, "WUFEI_WECHAT__APP_SECRET"),
        ({"WUFEI_WECHAT__MENU": '[{"type": "click", "name": "乱按", "key": "NOPE"}]'}, "NOPE"),
        ({"WUFEI_WECHAT__MENU": '[{"type": "click", "name": "垃圾分类查询", "key": "SORT"}]'}, "过长"),
        ({"WUFEI_WECHAT__MENU": json.dumps([{"type": "click", "name": "帮助", "key": "HELP"}] * 4)}, "1 到 3"),
        ({"WUFEI_WECHAT__MENU": '[{"type": "view", "name": "官网", "url": "ftp://x"}]'}, "http"),
    ],
)
def test_menu_problems_are_explained_and_nothing_is_pushed(
    settings: Settings, fake: FakeWechat, extra: dict[str, str], message: str
) -> None:
    if settings.db_url.startswith("postgresql"):
        pytest.skip("configuration checks do not depend on the database")
    done = wufei(env_for(settings, fake, **extra), "menu")
    assert failed_cleanly(done, message), done.stderr
    assert fake.calls_to("menu/create") == []


def test_menu_api_errors_are_reported(settings: Settings, fake: FakeWechat) -> None:
    if settings.db_url.startswith("postgresql"):
        pytest.skip("does not depend on the database")
    fake.fail_next("menu/create", 40164)
    assert failed_cleanly(wufei(env_for(settings, fake), "menu"), "40164")
    unreachable = env_for(settings, fake, WUFEI_WECHAT__API_BASE_URL="http://127.0.0.1:9/cgi-bin/")
    assert failed_cleanly(wufei(unreachable, "menu"), "无法连接微信接口")


# --- QR codes ---------------------------------------------------------------------------------------------------


def test_qrcode_creates_a_permanent_code_saves_the_png_and_reuses_it(
    settings: Settings, factory: sessionmaker[Session], fake: FakeWechat, tmp_path: Path
) -> None:
    cell_id = add_cell(factory)
    out = tmp_path / "posters" / "一中.png"
    done = wufei(env_for(settings, fake), "qrcode", "--cell", str(cell_id), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "永久" in done.stdout and str(out) in done.stdout
    [call] = fake.calls_to("qrcode/create")
    assert call.body == {
        "action_name": "QR_LIMIT_STR_SCENE",
        "action_info": {"scene": {"scene_str": f"cell_{cell_id}"}},
    }
    png = out.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and f"cell_{cell_id}".encode() in png  # the fake's image of that code
    with transaction(factory) as session:
        [row] = session.execute(select(WechatQrcode)).scalars().all()
        assert (row.scene, row.permanent, row.expires_at) == (f"cell_{cell_id}", True, None)
        assert row.url.startswith("http://weixin.qq.com/q/")
    by_name = wufei(env_for(settings, fake), "qrcode", "--cell", "新郑市第一中学", "-o", str(tmp_path / "again.png"))
    assert by_name.returncode == 0, by_name.stderr
    assert len(fake.calls_to("qrcode/create")) == 1  # permanent codes are limited: the stored ticket is reused
    assert (tmp_path / "again.png").read_bytes() == png


def test_a_scan_of_the_cells_code_joins_the_resident_to_the_cell(
    settings: Settings, factory: sessionmaker[Session], fake: FakeWechat, tmp_path: Path
) -> None:
    cell_id = add_cell(factory)
    assert (
        wufei(env_for(settings, fake), "qrcode", "--cell", str(cell_id), "-o", str(tmp_path / "q.png")).returncode == 0
    )
    [scene] = fake.tickets.values()  # what WeChat puts in EventKey when the printed code is scanned
    config = WechatSettings(
        token=SecretStr(TOKEN), app_id=APP_ID, encoding_aes_key=SecretStr(AES_KEY), mode="compatible"
    )
    app = create_app(settings.model_copy(update={"wechat": config}))
    xml = message_xml("o_scan", "event", Event="subscribe", EventKey=f"qrscene_{scene}")
    with TestClient(app) as client:
        res = client.post("/wechat", params=signed_query(), content=xml.encode())
    assert res.status_code == 200 and xmltodict.parse(res.text)["xml"]["Content"]
    with transaction(factory) as session:
        members = session.execute(select(CellMember).where(CellMember.cell_id == cell_id)).scalars().all()
        assert [m.via for m in members] == ["qr"]


def test_qrcode_with_expiry_is_temporary(
    settings: Settings, factory: sessionmaker[Session], fake: FakeWechat, tmp_path: Path
) -> None:
    cell_id = add_cell(factory)
    args = ("qrcode", "--cell", str(cell_id), "--expire-seconds", "604800", "-o", str(tmp_path / "t.png"))
    done = wufei(env_for(settings, fake), *args)
    assert done.returncode == 0, done.stderr
    assert "临时（7 天后失效）" in done.stdout
    [call] = fake.calls_to("qrcode/create")
    assert call.body["action_name"] == "QR_STR_SCENE" and call.body["expire_seconds"] == 604800
    with transaction(factory) as session:
        row = session.execute(select(WechatQrcode)).scalar_one()
        assert not row.permanent and row.expires_at is not None


def test_qrcode_problems_are_explained(
    settings: Settings, factory: sessionmaker[Session], fake: FakeWechat, tmp_path: Path
) -> None:
    if settings.db_url.startswith("postgresql"):
        pytest.skip("argument and API checks do not depend on the database")
    cell_id = str(add_cell(factory))
    out = str(tmp_path / "x.png")
    env = env_for(settings, fake)
    assert failed_cleanly(wufei(env, "qrcode", "--cell", "9999", "-o", out), "找不到无废细胞：9999")
    assert failed_cleanly(wufei(env, "qrcode", "--campaign", "77", "-o", out), "找不到活动")
    no_secret = env_for(settings, fake, WUFEI_WECHAT__APP_SECRET="")
    assert failed_cleanly(wufei(no_secret, "qrcode", "--cell", cell_id, "-o", out), "WUFEI_WECHAT__APP_SECRET")
    assert failed_cleanly(wufei(env, "qrcode", "--cell", cell_id, "--expire-seconds", "5", "-o", out), "60")
    fake.fail_next("qrcode/create", 48001)
    assert failed_cleanly(wufei(env, "qrcode", "--cell", cell_id, "-o", out), "48001")
    broken_image = env_for(settings, fake, WUFEI_WECHAT__QRCODE_IMAGE_URL=fake.base_url + "nothing-here")
    done = wufei(broken_image, "qrcode", "--cell", cell_id, "-o", out)
    assert failed_cleanly(done, "下载图片失败") and "http://weixin.qq.com/q/" in done.stderr
    assert not Path(out).exists()


# --- 群发 -------------------------------------------------------------------------------------------------------


def test_mass_sends_to_a_tag_within_the_subscription_accounts_daily_quota(
    settings: Settings, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    env = env_for(settings, fake, WUFEI_WECHAT__ACCOUNT_TYPE="subscription")
    dry = wufei(env, "mass", "--tag", "101", "--text", "6月5日环境日，一起减塑", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "本日已群发 0/1 次" in dry.stdout and fake.calls == []
    done = wufei(env, "mass", "--tag", "101", "--text", "6月5日环境日，一起减塑")
    assert done.returncode == 0, done.stderr
    assert "本日已群发 1/1 次" in done.stdout
    [call] = fake.sent("message/mass/sendall")
    assert call.body["filter"] == {"is_to_all": False, "tag_id": 101}
    assert call.body["msgtype"] == "text" and call.body["text"] == {"content": "6月5日环境日，一起减塑"}
    assert call.body["clientmsgid"].startswith("wufei-")
    again = wufei(env, "mass", "--tag", "102", "--text", "另一条")
    assert failed_cleanly(again, "本日群发次数已用完（1 次，订阅号每天1次）")
    assert len(fake.calls_to("message/mass/sendall")) == 1
    with transaction(factory) as session:
        [row] = session.execute(select(WechatMassSend)).scalars().all()
        assert (row.status, row.slot, row.tag_id) == ("sent", 1, 101) and row.msg_id


def test_a_failed_mass_send_gives_its_quota_back(
    settings: Settings, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    if settings.db_url.startswith("postgresql"):
        pytest.skip("the concurrent quota test covers PostgreSQL")
    env = env_for(settings, fake, WUFEI_WECHAT__ACCOUNT_TYPE="subscription")
    fake.fail_next("message/mass/sendall", 40003)
    assert failed_cleanly(wufei(env, "mass", "--tag", "7", "--text", "环境日"), "40003")
    done = wufei(env, "mass", "--tag", "7", "--text", "环境日")
    assert done.returncode == 0, done.stderr
    assert failed_cleanly(wufei(env, "mass", "--tag", "7", "--text", "  "), "不能为空")
    with transaction(factory) as session:
        rows = session.execute(select(WechatMassSend).order_by(WechatMassSend.id)).scalars().all()
        assert [(r.status, r.slot) for r in rows] == [("failed", None), ("sent", 1)]
