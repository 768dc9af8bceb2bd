"""Profile one HTTP request path in process with pyinstrument: the ASGI app, middleware, route and dialogue together.

The app runs on this thread's event loop (httpx's ASGI transport); FastAPI's worker-thread hop for sync routes is
replaced by a direct call here in the bench, so pyinstrument sees the route's own time as well as the framework's.

Usage: `python bench/profile_http.py [N] [PATH]` (default 2,000 requests to /api/chat, 200 web residents each with
its cookie; PATH=/wechat posts signed plaintext XML, 200 openids). `LIMITS=1` turns the per-resident and per-address
limits on, at a million a minute (their statements run, nothing is refused). `DB=postgresql+psycopg://…` for PostgreSQL
(a database of its own is created and dropped). Prints the wall and CPU time per request (a first pass, unprofiled; the CPU time of this process — client, app and
SQLite, not a PostgreSQL server — is the figure that holds on a loaded machine) and the call tree of a second pass.
"""

from __future__ import annotations

import asyncio
import os
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
from pyinstrument import Profiler  # noqa: E402
from serving import COOKIE, ITEM_QUESTIONS, QUIET_ENV, drop_pg, fresh_pg, load_average  # noqa: E402

import bot.web.resident.chat as web_chat  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.web.app import create_app  # noqa: E402
from tests.support.fake_wechat import AES_KEY, APP_ID, TOKEN, message_xml, signed_query  # noqa: E402


async def inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The route called on the loop's thread (the bench's stand-in for run_in_threadpool)."""
    return func(*args, **kwargs)


def settings_for(db: str, folder: str) -> Settings:
    """Rate limits and the scheduler off; WeChat configured for signed plaintext."""
    os.environ.update(
        {
            **QUIET_ENV,
            "WUFEI_WECHAT__TOKEN": TOKEN,
            "WUFEI_WECHAT__APP_ID": APP_ID,
            "WUFEI_WECHAT__ENCODING_AES_KEY": AES_KEY,
            "WUFEI_WECHAT__MODE": "compatible",
        }
    )
    if os.environ.get("LIMITS") == "1":  # both limits on (their reads and writes run), too high to refuse anything
        os.environ.update({"WUFEI_CHAT__RATE_PER_MINUTE": "1000000", "WUFEI_CHAT__CLIENT_RATE_PER_MINUTE": "1000000"})
    return Settings(database_url=db, data_dir=Path(folder))


async def run(n: int, path: str, db: str, folder: str) -> None:
    """Warm up, then profile n requests."""
    app = create_app(settings_for(db, folder))
    fastapi.routing.run_in_threadpool = inline
    web_chat.run_in_threadpool = inline  # the chat route's own hop (an async route since round 14)
    transport = httpx.ASGITransport(app=app)
    cookies: dict[int, str] = {}

    async def one(client: httpx.AsyncClient, i: int) -> None:
        if path == "/wechat":
            xml = message_xml(
                f"o_prof_{i % 200}", "text", Content=ITEM_QUESTIONS[i % len(ITEM_QUESTIONS)], MsgId=9_000_000 + i
            )
            response = await client.post("/wechat", params=signed_query(), content=xml.encode())
            assert response.status_code == 200 and "<Content>" in response.text, response.text
            return
        headers = {"cookie": f"{COOKIE}={cookies[i % 200]}"} if i % 200 in cookies else {}
        response = await client.post(
            "/api/chat", json={"text": ITEM_QUESTIONS[i % len(ITEM_QUESTIONS)]}, headers=headers
        )
        assert response.status_code == 200, response.text
        if COOKIE in response.cookies:
            cookies[i % 200] = response.cookies[COOKIE]

    # no cookie jar: each simulated resident sends its own cookie (a shared jar made all 200 one resident, whose
    # chat log then grew by every request and slowed the lookup's per-minute counts)
    no_jar = CookieJar(DefaultCookiePolicy(allowed_domains=[]))
    client = httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", cookies=no_jar)
    async with app.router.lifespan_context(app), client:
        for i in range(220):  # warm-up: snapshot, pool, and every resident's first contact
            await one(client, i)
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(220, 220 + n):  # timed without the profiler (its sampling slows every frame)
            await one(client, i)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        profiler = Profiler(interval=0.001, async_mode="disabled")
        profiler.start()
        for i in range(220 + n, 220 + 2 * n):
            await one(client, i)
        profiler.stop()
    print(
        f"{n} requests to {path} in {wall:.2f} s: {1000 * wall / n:.2f} ms per request, "
        f"{1000 * cpu / n:.2f} ms CPU of this process ({db.split(':')[0]}, unprofiled; load {load_average()})"
    )
    print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=True))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    path = sys.argv[2] if len(sys.argv) > 2 else "/api/chat"
    folder = tempfile.mkdtemp(prefix="wufei-profile-")
    server = os.environ.get("DB")
    db = fresh_pg(server) if server else f"sqlite:///{folder}/profile.db"
    try:
        asyncio.run(run(n, path, db, folder))
    finally:
        if server:
            drop_pg(server, db)


if __name__ == "__main__":
    main()
