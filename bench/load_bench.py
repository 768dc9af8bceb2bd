"""Load POST /api/chat (the real app under uvicorn) beside a bare FastAPI endpoint in the same run.

At 1, 10, 50 and 200 concurrent senders (an asyncio httpx client, one connection per sender), with SQLite and, when
PG=postgresql+psycopg://… is set, PostgreSQL, and with 1 and 2 uvicorn worker processes: throughput, p50 and p99
latency of each, and the ratio real/bare. Each point runs DURATION seconds (default 10).

    .venv/bin/python bench/load_bench.py                      # SQLite only
    PG=postgresql+psycopg://postgres@127.0.0.1:5432/test DURATION=5 .venv/bin/python bench/load_bench.py

Rate limiting is switched off (WUFEI_CHAT__RATE_PER_MINUTE=0): this measures the answer path, not the limiter.
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
import tempfile
import time
import uuid
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import httpx
from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from serving import APP, BARE_CHAT, COOKIE, QUESTIONS, QUIET_ENV, drop_pg, fresh_pg, init, start  # noqa: E402
from serving import stop as stop_servers  # noqa: E402

NO_JAR = CookieJar(DefaultCookiePolicy(allowed_domains=[]))  # the shared client keeps none: each resident sends its own
SENDERS = [int(n) for n in os.environ.get("SENDERS", "1,10,50,200").split(",")]
DURATION = float(os.environ.get("DURATION", "10"))
WORKERS = [int(n) for n in os.environ.get("WORKERS", "1,2").split(",")]

bare_app = FastAPI()
REPLY: dict[str, object] = {"replies": [{"text": "用过的纸巾属于其他垃圾。", "choices": []}], "answer": None}


@bare_app.post("/api/chat")
async def bare_chat(body: dict[str, str]) -> dict[str, object]:
    """The baseline: parse JSON, return a fixed answer."""
    return REPLY


@bare_app.get("/healthz")
def bare_health() -> dict[str, str]:
    """Ready."""
    return {"status": "ok"}


async def load(base: str, senders: int) -> tuple[int, int, list[float]]:
    """Every sender posts one question after another for DURATION seconds: (ok, errors, latencies)."""
    latencies: list[float] = []
    ok = errors = 0
    stop = time.monotonic() + DURATION
    run = uuid.uuid4().hex[:6]
    limits = httpx.Limits(max_connections=senders, max_keepalive_connections=senders)
    identities: dict[str, str] = {}  # simulated resident → the identity cookie the server issued it
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits, cookies=NO_JAR) as client:

        async def sender(i: int) -> None:
            nonlocal ok, errors
            n = 0
            while time.monotonic() < stop:
                user = f"{run}-{i}-{n // 10}"  # a new resident every 10 questions
                body = {"text": QUESTIONS[(i + n) % len(QUESTIONS)]}
                headers = {"cookie": f"{COOKIE}={identities[user]}"} if user in identities else {}
                started = time.perf_counter()
                try:
                    response = await client.post("/api/chat", json=body, headers=headers)
                    if response.cookies.get(COOKIE):
                        identities[user] = response.cookies[COOKIE]
                    good = response.status_code == 200 and bool(response.json()["replies"])
                except httpx.HTTPError:
                    good = False
                latencies.append(time.perf_counter() - started)
                ok, errors = ok + good, errors + (not good)
                n += 1

        await asyncio.gather(*(sender(i) for i in range(senders)))
    return ok, errors, latencies


def warm_up(base: str) -> None:
    """Build each worker's knowledge snapshot before measuring (the first answer of a process takes seconds)."""

    async def burst() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            body = {"text": "电池"}
            await asyncio.gather(*(client.post("/api/chat", json=body) for _ in range(16)))

    for _ in range(3):
        asyncio.run(burst())


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def measure(base: str, senders: int) -> dict[str, float]:
    """One point: throughput, p50, p99, errors."""
    ok, errors, latencies = asyncio.run(load(base, senders))
    return {
        "rps": ok / DURATION,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "errors": errors,
    }


def main() -> None:
    """Run every point and print a Markdown table."""
    backends = {"sqlite": ""}
    if os.environ.get("PG"):
        backends["postgres"] = os.environ["PG"]
    print(
        f"# load_bench: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {DURATION:g} s per point"
    )
    print()
    print(
        "| db | workers | senders | app req/s | app p50 ms | app p99 ms | errors | bare req/s | bare p50 | bare p99 | bare/app req/s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for backend, url in backends.items():
        for workers in WORKERS:
            folder = Path(tempfile.mkdtemp(prefix="wufei-load-"))
            db = url or f"sqlite:///{folder / 'bench.db'}"
            if backend == "postgres":
                db = fresh_pg(url)
            env = {
                **os.environ,
                "WUFEI_DATABASE_URL": db,
                "WUFEI_DATA_DIR": str(folder),
                "WUFEI_LOG_LEVEL": "WARNING",
                **QUIET_ENV,
            }
            init(env)
            app, app_base = start(APP, env, workers)
            bare, bare_base = start(BARE_CHAT, env, workers)
            try:
                warm_up(app_base)
                for senders in SENDERS:
                    real = measure(app_base, senders)
                    base = measure(bare_base, senders)
                    ratio = base["rps"] / real["rps"] if real["rps"] else float("inf")
                    print(
                        f"| {backend} | {workers} | {senders} | {real['rps']:.0f} | {real['p50']:.1f} | "
                        f"{real['p99']:.1f} | {real['errors']:.0f} | {base['rps']:.0f} | {base['p50']:.1f} | "
                        f"{base['p99']:.1f} | {ratio:.1f}× |",
                        flush=True,
                    )
            finally:
                stop_servers([app, bare])
                if backend == "postgres":
                    drop_pg(url, db)


if __name__ == "__main__":
    main()
