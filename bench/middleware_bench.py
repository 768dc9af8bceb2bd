"""What each middleware of the app costs a `/api/chat` message: the same app with one middleware left out, in process.

One app, one database and one lifespan; for each variant the middleware stack is built again without one layer
(FastAPI's own layers included) and `/api/chat` is posted through httpx's ASGI transport, the sync route called on
the loop's thread as in `profile_http.py` (no worker-thread hop). Variants run interleaved, `N` messages each per
round, `ROUNDS` rounds; the figure is the median over rounds of the CPU time of this process per message, and of
each variant's difference from the full stack measured in the same round.

Usage: `ROUNDS=5 N=400 python bench/middleware_bench.py` (`DB=postgresql+psycopg://…` for PostgreSQL: a database
of its own is created and dropped).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fastapi.routing  # noqa: E402
import httpx  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from profile_http import inline, settings_for  # noqa: E402
from serving import COOKIE, ITEM_QUESTIONS, drop_pg, fresh_pg, load_average  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.types import ASGIApp, Message, Receive, Scope, Send  # noqa: E402

from bot.web.app import create_app  # noqa: E402

# FastAPI's routes read what these put in the scope (the exit stack, the exception handlers): never left out
REQUIRED = ("ExceptionMiddleware", "AsyncExitStackMiddleware")


def layers(app: FastAPI) -> list[Middleware]:
    """The app's whole middleware stack, outermost first, as FastAPI builds it."""
    saved = app.build_middleware_stack
    found: list[Middleware] = []

    class Recorder:
        def __init__(self, cls: Any, *args: Any, **kwargs: Any) -> None:
            found.append(Middleware(cls, *args, **kwargs))

    import fastapi.applications as applications

    original = applications.Middleware
    applications.Middleware = Recorder  # type: ignore[misc,assignment]
    try:
        saved()
    except Exception:
        pass
    finally:
        applications.Middleware = original  # type: ignore[misc]
    # FastAPI's own layers were recorded (its build stops at unpacking them); the user's sit between its outer and inner
    inner = ("ExceptionMiddleware", "AsyncExitStackMiddleware")
    head = [m for m in found if m.cls.__name__ not in inner]
    return head + list(app.user_middleware) + [m for m in found if m.cls.__name__ in inner]


def stack(app: FastAPI, middleware: list[Middleware]) -> ASGIApp:
    """The router wrapped in `middleware` (outermost first)."""
    wrapped: ASGIApp = app.router
    for cls, args, kwargs in reversed(middleware):
        wrapped = cls(wrapped, *args, **kwargs)

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = app  # what Starlette's own __call__ sets before its stack
        await wrapped(scope, receive, send)

    return asgi


async def run(rounds: int, n: int, db: str, folder: str) -> None:
    """Warm up every variant, then time them interleaved."""
    app = create_app(settings_for(db, folder))
    fastapi.routing.run_in_threadpool = inline
    async with app.router.lifespan_context(app):
        full = layers(app)
        names = [m.cls.__name__ for m in full]
        assert len(set(names)) == len(names), names
        variants: dict[str, ASGIApp] = {"full stack": stack(app, full)}
        needed = [m for m in full if m.cls.__name__ in REQUIRED]
        for name in names:
            if name not in REQUIRED:
                variants[f"without {name}"] = stack(app, [m for m in full if m.cls.__name__ != name])
        variants["only " + " + ".join(REQUIRED)] = stack(app, needed)
        cookies: dict[int, str] = {}
        no_jar = CookieJar(DefaultCookiePolicy(allowed_domains=[]))
        clients = {
            name: httpx.AsyncClient(
                transport=httpx.ASGITransport(app=asgi), base_url="http://127.0.0.1", cookies=no_jar
            )
            for name, asgi in variants.items()
        }
        counter = 0

        async def one(client: httpx.AsyncClient) -> None:
            nonlocal counter
            i, counter = counter, counter + 1
            headers = {"cookie": f"{COOKIE}={cookies[i % 200]}"} if i % 200 in cookies else {}
            response = await client.post(
                "/api/chat", json={"text": ITEM_QUESTIONS[i % len(ITEM_QUESTIONS)]}, headers=headers
            )
            assert response.status_code == 200, response.text
            if COOKIE in response.cookies:
                cookies[i % 200] = response.cookies[COOKIE]

        for client in clients.values():
            for _ in range(220):
                await one(client)
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(rounds):
            for name, client in clients.items():
                started = time.process_time()
                for _ in range(n):
                    await one(client)
                cpu[name].append(1e6 * (time.process_time() - started) / n)
        for client in clients.values():
            await client.aclose()
        per_layer = await layer_costs(app, full, 20_000)
    base = cpu["full stack"]
    print(f"{rounds} rounds × {n} /api/chat messages per variant ({db.split(':')[0]}, load {load_average()})")
    print("| variant | µs CPU per message (median) | saved against the full stack, same round (median) |")
    print("|---|---|---|")
    for name, values in cpu.items():
        saved = statistics.median(b - v for b, v in zip(base, values, strict=True))
        print(f"| {name} | {statistics.median(values):.0f} | {saved:+.0f} |")
    print("\nEach layer alone around a no-op app (a POST /api/chat scope, 200 B body), µs CPU per call, median of 5:")
    print("| layer | µs |")
    print("|---|---|")
    for name, cost in per_layer.items():
        print(f"| {name} | {cost:.2f} |")


async def layer_costs(app: FastAPI, full: list[Middleware], calls: int) -> dict[str, float]:
    """Each layer's own cost: it alone around an app that reads the body and answers, less that app alone."""
    body = b'{"text": "' + "塑料瓶".encode() * 20 + b'"}'
    headers = [
        (b"host", b"127.0.0.1"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cookie", b"x=" + b"a" * 80),
    ]

    async def noop(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        return None

    async def timed(asgi: ASGIApp) -> float:
        runs = []
        for _ in range(5):
            started = time.process_time()
            for _ in range(calls):
                scope = {
                    "type": "http",
                    "method": "POST",
                    "path": "/api/chat",
                    "headers": headers,
                    "app": app,
                    "client": ("127.0.0.1", 5000),
                    "query_string": b"",
                    "root_path": "",
                }
                await asgi(scope, receive, send)
            runs.append(1e6 * (time.process_time() - started) / calls)
        return statistics.median(runs)

    bare = await timed(noop)
    costs = {}
    for middleware in full:
        if middleware.cls.__name__ == "ExceptionMiddleware":
            continue  # it needs the app's router state; its cost shows in the variants above only as a whole
        cls, args, kwargs = middleware
        costs[middleware.cls.__name__] = await timed(cls(noop, *args, **kwargs)) - bare
    costs["(the no-op app itself)"] = bare
    return costs


def main() -> None:
    rounds = int(os.environ.get("ROUNDS", "5"))
    n = int(os.environ.get("N", "400"))
    folder = tempfile.mkdtemp(prefix="wufei-middleware-")
    server = os.environ.get("DB")
    db = fresh_pg(server) if server else f"sqlite:///{folder}/middleware.db"
    try:
        asyncio.run(run(rounds, n, db, folder))
    finally:
        if server:
            drop_pg(server, db)


if __name__ == "__main__":
    main()
