"""Pushes per second per channel while another platform is slow: Telegram's rate with WeChat answering in 1 s.

In process: a real CampaignScheduler (started, as in `wufei serve`) sends one campaign to W WeChat followers (the
fake WeChat API holds each customer-service send for `--wechat-delay` s) and T Telegram chats (the fake Bot API),
Telegram configured at `--rate` a second. Printed: Telegram messages per second (first to last arrival at the fake)
and how many WeChat sends had gone out by the time Telegram finished. SQLite by default, `DB=postgresql+psycopg://…`
(a fresh, empty database: it is migrated here).
Usage: python bench/channel_loops_bench.py [--telegram 300] [--wechat 20] [--rate 30] [--wechat-delay 1.0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from bot.channels.wechat_api import open_window  # noqa: E402
from bot.config import CampaignSettings, Settings, TelegramSettings, WechatSettings  # noqa: E402
from bot.db import transaction, utcnow  # noqa: E402
from bot.runtime import ensure_ready  # noqa: E402
from bot.scheduler import CampaignScheduler  # noqa: E402
from campaigns import lifecycle  # noqa: E402
from tests.support.campaigns import add_residents  # noqa: E402
from tests.support.fake_telegram import TOKEN, running_fake_telegram  # noqa: E402
from tests.support.fake_wechat import APP_ID, fake_wechat_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--telegram", type=int, default=300)
    parser.add_argument("--wechat", type=int, default=20)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--wechat-delay", type=float, default=1.0)
    parser.add_argument("--margin", type=float, default=TelegramSettings().margin_seconds, help="added to each window")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    db = os.environ.get("DB") or f"sqlite:///{tmp}/loops.db"
    with fake_wechat_server() as wechat, running_fake_telegram() as telegram:
        wechat.send_delay = args.wechat_delay
        settings = Settings(
            database_url=db,
            data_dir=tmp,
            wechat=WechatSettings(app_id=APP_ID, app_secret=SecretStr("s"), api_base_url=wechat.base_url),
            telegram=TelegramSettings(
                token=TOKEN, base_url=telegram.base_url, per_second=int(args.rate), margin_seconds=args.margin
            ),
            campaigns=CampaignSettings(
                quiet_hours="off", tick_seconds=0.5, rates={"web": 500.0, "wechat": 50.0, "telegram": args.rate}
            ),
        )
        factory = ensure_ready(settings)
        now = utcnow()
        add_residents(factory, args.wechat, now=now, channel="wechat", prefix="o_b")
        add_residents(factory, args.telegram, now=now, channel="telegram", prefix="7200")
        with transaction(factory) as session:
            for i in range(args.wechat):
                open_window(session, openid=f"o_b{i}", kind="message", now=now)
            c = lifecycle.create(session, name="速率", text="周六环境日", now=now, channels=["wechat", "telegram"])
            lifecycle.start(session, c, now=now, quiet=None, grace=dt.timedelta(hours=2))
        scheduler = CampaignScheduler(settings, factory)
        started = time.time()
        scheduler.start()
        try:
            calls = telegram.wait_for("sendMessage", args.telegram, timeout=600)
            wechat_by_then = len(wechat.sent())
            deadline = time.monotonic() + 600
            while len(wechat.sent()) < args.wechat and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            scheduler.stop()
    at = sorted(c.at for c in calls)
    span = at[-1] - at[0]
    print(f"db: {db.split(':')[0]}; Telegram {len(at)} messages in {span:.2f} s = {(len(at) - 1) / span:.1f}/s "
          f"(configured {args.rate:g}/s, margin {args.margin:g} s), the last {at[-1] - started:.1f} s after the start; WeChat sends done by "
          f"then: {wechat_by_then} of {args.wechat} ({args.wechat_delay:g} s each)")  # fmt: skip


if __name__ == "__main__":
    main()
