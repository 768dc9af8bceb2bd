"""What a sync route costs by itself: the bare `async def` endpoint of load_bench against the same endpoint as `def`.

FastAPI runs a `def` route on a worker thread (anyio's thread pool) and an `async def` one on the event loop; the
chat route is `def` (its database work blocks), the bare baseline of load_bench is `async def`. Both bare apps
parse the JSON body and return the same fixed answer under one uvicorn worker each, loaded in turn by one closed-loop
sender (an asyncio httpx client in this process) for DURATION seconds per round, ROUNDS rounds interleaved.

    ROUNDS=3 DURATION=4 .venv/bin/python bench/sync_route_bench.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx
from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from serving import load_average, start, stop  # noqa: E402

REPLY: dict[str, object] = {"replies": [{"text": "用过的纸巾属于其他垃圾。", "choices": []}], "answer": None}
async_app = FastAPI()
sync_app = FastAPI()


@async_app.post("/api/chat")
async def async_chat(body: dict[str, str]) -> dict[str, object]:
    """The load_bench baseline: on the event loop."""
    return REPLY


@sync_app.post("/api/chat")
def sync_chat(body: dict[str, str]) -> dict[str, object]:
    """The same on a worker thread, as the chat route runs."""
    return REPLY


@async_app.get("/healthz")
@sync_app.get("/healthz")
def health() -> dict[str, str]:
    """Ready."""
    return {"status": "ok"}


async def load(base: str, seconds: float) -> tuple[float, float]:
    """One sender posting one question after another: (req/s, p50 ms)."""
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        stop_at = time.monotonic() + seconds
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            response = await client.post("/api/chat", json={"text": "电池"})
            response.raise_for_status()
            latencies.append(time.perf_counter() - started)
    return len(latencies) / seconds, statistics.median(latencies) * 1000


def main() -> None:
    """Interleave the two endpoints and print each round and the median ratio."""
    rounds, seconds = int(os.environ.get("ROUNDS", "3")), float(os.environ.get("DURATION", "4"))
    env = {**os.environ}
    here = ["--app-dir", str(ROOT / "bench")]
    on_loop, loop_base = start(["sync_route_bench:async_app", *here], env)
    on_thread, thread_base = start(["sync_route_bench:sync_app", *here], env)
    ratios = []
    try:
        print(f"# sync_route_bench: one sender, {seconds:g} s per point, load {load_average()} at the start")
        for i in range(rounds):
            a_rps, a_p50 = asyncio.run(load(loop_base, seconds))
            s_rps, s_p50 = asyncio.run(load(thread_base, seconds))
            ratios.append(a_rps / s_rps)
            print(
                f"round {i + 1}: async def {a_rps:.0f} req/s (p50 {a_p50:.2f} ms), def {s_rps:.0f} req/s "
                f"(p50 {s_p50:.2f} ms): the worker-thread hop costs {1000 / s_rps - 1000 / a_rps:.2f} ms a request"
            )
    finally:
        stop([on_loop, on_thread])
    print(
        f"async def ÷ def req/s: median {statistics.median(ratios):.2f}x of {rounds}; load {load_average()} at the end"
    )


if __name__ == "__main__":
    main()
