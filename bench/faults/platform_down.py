"""Fault: the WeChat and Telegram APIs slow (longer than our timeouts) and then down, while a campaign sends.

A real `wufei serve` talks to the fake WeChat API and the fake Telegram Bot API through a switchable proxy
(in this process): `ok` forwards, `slow` sleeps longer than our HTTP timeouts before forwarding, `down` closes the
listening socket (connection refused). Residents keep chatting over /wechat (signed XML, as WeChat posts it) the
whole time. Recorded per phase: the /wechat reply times (WeChat gives up after 5 s), the sends that reached the
fakes, the ledger and the campaign state; then how long after the APIs came back the campaign finished, and
whether any resident got a push twice (a send whose answer came after the timeout is `unconfirmed`, never resent).
Usage: python bench/faults/platform_down.py [--n 20] [--slow 30] [--down 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import socketserver
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faultkit
import httpx
from sqlalchemy import func, select

from bot.db import dispose_engine, session_factory, transaction, utcnow
from campaigns import lifecycle
from campaigns.models import Campaign, Delivery
from tests.support.campaigns import add_residents
from tests.support.fake_telegram import TOKEN as TG_TOKEN
from tests.support.fake_telegram import running_fake_telegram
from tests.support.fake_wechat import APP_ID, TOKEN, fake_wechat_server, message_xml, signed_query

SLOW_SECONDS = 12.0  # longer than the push timeouts this probe sets (SEND_TIMEOUT below)
SEND_TIMEOUT = "5"  # WUFEI_*__SEND_TIMEOUT_SECONDS for both platforms (default 30 s), so "slow" means "timed out"
socketserver.BaseServer.handle_error = lambda self, request, client_address: None  # type: ignore[method-assign]


class Proxy:
    """An HTTP proxy to `target` on a fixed local port: mode "ok", "slow" or "down" (nothing listening)."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.mode = "ok"
        self.port = faultkit.free_port()
        self.server: ThreadingHTTPServer | None = None
        self.forwarded: Counter[str] = Counter()
        self.up()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        """Forward one request, after a sleep in "slow" mode."""
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if proxy.mode == "slow":
                    time.sleep(SLOW_SECONDS)
                    self.close_connection = True
                headers = {"Content-Type": self.headers.get("Content-Type", "application/octet-stream")}
                r = httpx.request(self.command, proxy.target + self.path, content=body, headers=headers, timeout=30)
                proxy.forwarded[proxy.mode] += 1
                self.send_response(r.status_code)
                self.send_header("Content-Type", r.headers.get("content-type", "application/json"))
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            do_GET = forward
            do_POST = forward

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def up(self) -> None:
        """Listen (again) on our port."""
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler())
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.server = server

    def down(self) -> None:
        """Stop listening: new connections are refused."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def set(self, mode: str) -> None:
        """Switch to "ok", "slow" or "down"."""
        if mode == "down":
            self.down()
        elif self.server is None:
            self.up()
        self.mode = mode


class Chatter:
    """Residents messaging the official account over /wechat, timing each passive reply."""

    def __init__(self, base: str, openids: list[str]) -> None:
        self.base = base
        self.openids = openids
        self.ids = itertools.count(9_000_000)
        self.times: list[tuple[float, float, int, str]] = []  # (at, seconds, status, body head)
        self.stop = threading.Event()

    def say(self, client: httpx.Client, openid: str, text: str) -> tuple[int, str]:
        """One signed text message; returns status and body."""
        xml = message_xml(openid, "text", create_time=int(time.time()), Content=text, MsgId=next(self.ids))
        t0 = time.monotonic()
        try:
            r = client.post(self.base + "/wechat", params=signed_query(), content=xml.encode(), timeout=15)
            status, body = r.status_code, r.text
        except httpx.HTTPError as exc:
            status, body = 0, type(exc).__name__
        self.times.append((time.time(), time.monotonic() - t0, status, body[:60]))
        return status, body

    def run(self) -> None:
        """Questions round-robin until stopped, two a second."""
        questions = itertools.cycle(["电池扔哪个桶", "剩饭剩菜是什么垃圾", "旧衣服怎么处理"])
        with httpx.Client() as client:
            for openid in itertools.cycle(self.openids):
                if self.stop.is_set():
                    return
                self.say(client, openid, next(questions))
                time.sleep(0.5)

    def summary(self, start: float, end: float) -> str:
        """Reply times and statuses between two instants."""
        picked = [t for t in self.times if start <= t[0] < end]
        seconds = [t[1] for t in picked]
        passive = sum(1 for t in picked if t[2] == 200 and "<xml>" in t[3])
        return (
            f"{len(picked)} messages, {passive} answered in the reply, statuses {dict(Counter(t[2] for t in picked))},"
            f" p50 {faultkit.percentile(seconds, 50):.2f} s, max {max(seconds or [0]):.2f} s"
        )


def ledger(url: str, campaign_id: int) -> tuple[dict[str, int], str, str | None]:
    """Rows per channel/state, the campaign's state and its reason."""
    with transaction(session_factory(url)) as session:
        rows = session.execute(
            select(Delivery.channel, Delivery.state, func.count())
            .where(Delivery.campaign_id == campaign_id)
            .group_by(Delivery.channel, Delivery.state)
        ).all()
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        return {f"{c}:{s}": int(n) for c, s, n in rows}, campaign.state, campaign.state_reason


def unconfirmed_count(url: str, campaign_id: int) -> int:
    """Rows recorded sent but unconfirmed (the platform's answer came after the timeout)."""
    with transaction(session_factory(url)) as session:
        query = select(func.count()).where(Delivery.campaign_id == campaign_id, Delivery.reason == "unconfirmed")
        return int(session.execute(query).scalar_one())


def main() -> int:
    """Phases ok → slow → down → ok on SQLite; exit 1 if chat stops answering in time or the campaign never ends."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="residents per channel")
    parser.add_argument("--slow", type=float, default=30.0, help="seconds of the slow phase")
    parser.add_argument("--down", type=float, default=30.0, help="seconds of the down phase")
    args = parser.parse_args()
    with (
        faultkit.sqlite_database() as (url, data),
        fake_wechat_server() as wx,
        running_fake_telegram() as tg,
    ):
        wx_proxy, tg_proxy = Proxy(wx.base_url.removesuffix("/cgi-bin/")), Proxy(f"http://127.0.0.1:{tg.port}")
        env = {
            "WUFEI_CAMPAIGNS__TICK_SECONDS": "1",
            "WUFEI_CAMPAIGNS__QUIET_HOURS": "off",
            "WUFEI_CAMPAIGNS__BATCH_SIZE": "10",
            "WUFEI_CAMPAIGNS__RATES": '{"wechat": 5, "telegram": 5}',
            "WUFEI_CHAT__RATE_PER_MINUTE": "0",
            "WUFEI_WECHAT__TOKEN": TOKEN,
            "WUFEI_WECHAT__APP_ID": APP_ID,
            "WUFEI_WECHAT__APP_SECRET": "fault-secret",
            "WUFEI_WECHAT__API_BASE_URL": f"http://127.0.0.1:{wx_proxy.port}/cgi-bin/",
            "WUFEI_TELEGRAM__TOKEN": TG_TOKEN,
            "WUFEI_TELEGRAM__BASE_URL": f"http://127.0.0.1:{tg_proxy.port}/bot",
            "WUFEI_WECHAT__SEND_TIMEOUT_SECONDS": SEND_TIMEOUT,
            "WUFEI_TELEGRAM__SEND_TIMEOUT_SECONDS": SEND_TIMEOUT,
        }
        server = faultkit.Server(url, data, env=env)
        server.start()
        openids = [f"oFault{i:04d}" for i in range(args.n)]
        chatter = Chatter(server.base, openids)
        with httpx.Client() as client:
            for openid in openids:  # 订阅: consent to pushes, and the 48 h customer-service window opens
                chatter.say(client, openid, "订阅")
        add_residents(session_factory(url), args.n, now=utcnow(), channel="telegram", prefix="6100")
        worker = threading.Thread(target=chatter.run, daemon=True)
        marks: dict[str, float] = {"ok": time.time()}
        worker.start()
        time.sleep(3)
        for proxy in (wx_proxy, tg_proxy):
            proxy.set("slow")
        marks["slow"] = time.time()
        with transaction(session_factory(url)) as session:
            c = lifecycle.create(
                session, name="停机演练", text="6·5 环境日", now=utcnow(), channels=["wechat", "telegram"]
            )
            lifecycle.start(session, c, now=utcnow(), quiet=None, grace=dt.timedelta(hours=2))
            campaign_id = c.id
        print(f"campaign {campaign_id}: {args.n} WeChat followers (window open) + {args.n} Telegram chats")
        for phase, seconds in (("slow", args.slow), ("down", args.down)):
            if phase == "down":
                for proxy in (wx_proxy, tg_proxy):
                    proxy.set("down")
                marks["down"] = time.time()
            for _ in range(int(seconds // 10)):
                time.sleep(10)
                rows, state, reason = ledger(url, campaign_id)
                print(
                    f"  {phase:4s} +{time.time() - marks[phase]:3.0f} s: ledger {rows}; campaign {state}"
                    f"{' (' + reason + ')' if reason else ''}; reached the fakes: WeChat {len(wx.sent())},"
                    f" Telegram {len(tg.calls_to('sendMessage'))}"
                )
        for proxy in (wx_proxy, tg_proxy):
            proxy.set("ok")
        marks["back"] = time.time()
        rows, state, reason = ledger(url, campaign_id)
        if state == "paused":
            print(f"  campaign auto-paused: {reason}; resuming it as staff would")
            with transaction(session_factory(url)) as session:
                campaign = session.get(Campaign, campaign_id)
                assert campaign is not None
                lifecycle.resume(session, campaign, now=utcnow())
        finished = faultkit.wait_for(lambda: ledger(url, campaign_id)[0].get("wechat:sent", 0) >= args.n
                                     and ledger(url, campaign_id)[0].get("telegram:sent", 0) >= args.n,
                                     timeout=240, every=1)  # fmt: skip
        took = time.time() - marks["back"]
        chatter.stop.set()
        worker.join(timeout=20)
        marks["end"] = time.time()
        rows, state, reason = ledger(url, campaign_id)
        twice = {k: n for k, n in Counter(str(c.body.get("touser")) for c in wx.sent()).items() if n > 1}
        twice |= {
            k: n for k, n in Counter(str(c.params.get("chat_id")) for c in tg.calls_to("sendMessage")).items() if n > 1
        }
        unconfirmed = unconfirmed_count(url, campaign_id)
        server.stop()
        dispose_engine(url)
        log = (data / "serve.log").read_text(errors="replace")
    print(f"chat, APIs ok:   {chatter.summary(marks['ok'], marks['slow'])}")
    print(f"chat, APIs slow: {chatter.summary(marks['slow'], marks['down'])}")
    print(f"chat, APIs down: {chatter.summary(marks['down'], marks['back'])}")
    print(f"chat, back:      {chatter.summary(marks['back'], marks['end'])}")
    print(f"after the APIs came back: campaign finished={finished} in {took:.0f} s; ledger {rows}; state {state}")
    print(f"proxy forwarded: WeChat {dict(wx_proxy.forwarded)}, Telegram {dict(tg_proxy.forwarded)}")
    print(f"server log: {log.count('Traceback')} tracebacks")
    print(f"pushes received twice: {twice or 'none'}; recorded unconfirmed: {unconfirmed}")
    slowest = max((t[1] for t in chatter.times), default=0.0)
    ok = finished and slowest < 5.0 and all(t[2] == 200 for t in chatter.times) and not twice
    return faultkit.verdict(
        ok,
        f"APIs slow {args.slow:.0f} s then down {args.down:.0f} s: chat answered every message, slowest"
        f" {slowest:.2f} s (WeChat allows 5 s); campaign {'finished' if finished else 'NOT finished'}"
        f" {took:.0f} s after the APIs came back; {len(twice)} residents got a push twice",
    )


if __name__ == "__main__":
    raise SystemExit(main())
