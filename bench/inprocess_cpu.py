"""CPU of this process and SQL statements per message through the ASGI app in process (httpx's ASGI transport).

The chat route's worker-thread hop is replaced by a direct call (`INLINE=0` keeps it), so the figure is the app's
own Python and SQLite work plus the client's, on one thread: the A/B figure between two trees on a loaded machine.
`/api/chat` cycles bench/load_bench.py's ten questions over 200 web residents; `/wechat` posts signed plaintext XML
from 200 openids. SQLite. `PROFILE=1` adds a pyinstrument pass.

Usage: `python bench/inprocess_cpu.py [N] [PATH] [ROUNDS]` (default 400 messages to /api/chat, 5 rounds).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fastapi.routing  # noqa: E402
import httpx  # noqa: E402
from serving import COOKIE, QUESTIONS, QUIET_ENV, load_average  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

import bot.web.resident.chat as web_chat  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.web.app import create_app  # noqa: E402
from tests.support.fake_wechat import AES_KEY, APP_ID, TOKEN, message_xml, signed_query  # noqa: E402

SENT = [0]


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_: object) -> None:
    SENT[0] += 1


async def inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The route called on the loop's thread (the bench's stand-in for run_in_threadpool)."""
    return func(*args, **kwargs)


async def run(n: int, path: str, rounds: int, folder: str) -> None:
    """Warm up, then `rounds` timed passes of n messages."""
    os.environ.update({**QUIET_ENV, "WUFEI_WECHAT__TOKEN": TOKEN, "WUFEI_WECHAT__APP_ID": APP_ID})
    os.environ.update({"WUFEI_WECHAT__ENCODING_AES_KEY": AES_KEY, "WUFEI_WECHAT__MODE": "compatible"})
    app = create_app(Settings(database_url=f"sqlite:///{folder}/bench.db", data_dir=Path(folder)))
    if os.environ.get("INLINE", "1") == "1":
        fastapi.routing.run_in_threadpool = inline
        web_chat.run_in_threadpool = inline
    cookies: dict[int, str] = {}

    async def one(client: httpx.AsyncClient, i: int) -> None:
        text = QUESTIONS[(i // 200 + i) % len(QUESTIONS)]
        if path == "/wechat":
            xml = message_xml(f"o_cpu_{i % 200}", "text", Content=text, MsgId=9_000_000 + i)
            response = await client.post("/wechat", params=signed_query(), content=xml.encode())
            assert response.status_code == 200, response.text
            return
        headers = {"cookie": f"{COOKIE}={cookies[i % 200]}"} if i % 200 in cookies else {}
        response = await client.post("/api/chat", json={"text": text}, headers=headers)
        assert response.status_code == 200, response.text
        if COOKIE in response.cookies:
            cookies[i % 200] = response.cookies[COOKIE]

    no_jar = CookieJar(DefaultCookiePolicy(allowed_domains=[]))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1", cookies=no_jar)
    runs: list[tuple[float, float]] = []
    async with app.router.lifespan_context(app), client:
        for i in range(220):  # snapshot, pool, every resident's first contact
            await one(client, i)
        start = 220
        for _ in range(rounds):
            SENT[0], cpu = 0, time.process_time()
            for i in range(start, start + n):
                await one(client, i)
            runs.append((1000 * (time.process_time() - cpu) / n, SENT[0] / n))
            start += n
        if os.environ.get("PROFILE") == "1":
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005, async_mode="disabled")
            profiler.start()
            for i in range(start, start + n):
                await one(client, i)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=True))
    print(" ".join(f"{c:.3f}" for c, _ in runs), f"ms CPU per message; {runs[0][1]:.2f} statements per message")
    print(f"median {statistics.median(c for c, _ in runs):.3f} ms ({path}, {n} × {rounds}, load {load_average()})")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    path = sys.argv[2] if len(sys.argv) > 2 else "/api/chat"
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    asyncio.run(run(n, path, rounds, tempfile.mkdtemp(prefix="wufei-cpu-")))


if __name__ == "__main__":
    main()
