"""Chat throughput with 1, 2 and 3 `wufei serve` processes on one PostgreSQL database (issue #18, several processes).

One fresh database (`wufei init` once); per run and per N (interleaved, N = 1, 2, 3 in every run, so a load swing on the
shared machine hits every N alike): N `wufei serve --port` processes started on it (different ports, the product as
deployed, scheduler on), 50 concurrent senders spread round-robin over them (sender i always talks to process i mod N,
closed loop: a sender posts its next question as soon as it has its reply; a new resident every 10 questions, with the
identity cookie the server issued it) for DURATION seconds; then the same load against N bare FastAPI endpoints (the
bare endpoint of bench/load_bench.py, one uvicorn process each) as the same-run baseline of what N processes of the
web framework alone reach on this machine. The processes are stopped after each point.

    .venv/bin/python bench/processes_bench.py --url postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        [--processes 1,2,3] [--senders 50] [--runs 3] [--duration 8]

Prints every point with the load average, then the medians per N. The load generator (this process) runs on the same
cores as the servers and the database. Rate limits: per resident on but set high (its query runs, never reached);
per client off (every sender is 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from load_bench import NO_JAR, percentile, warm_up  # noqa: E402
from serving import BARE_CHAT, COOKIE, QUESTIONS, drop_pg, fresh_pg, init, load_average, start, start_serve  # noqa: E402
from serving import stop as stop_servers  # noqa: E402


async def drive(bases: list[str], senders: int, duration: float) -> tuple[int, int, list[float]]:
    """`senders` closed-loop senders, sender i on bases[i % len(bases)], for `duration` s: (ok, errors, latencies)."""
    latencies: list[float] = []
    ok = errors = 0
    run = uuid.uuid4().hex[:6]
    identities: dict[str, str] = {}
    per_base = -(-senders // len(bases))
    clients = [
        httpx.AsyncClient(
            base_url=base,
            timeout=60,
            cookies=NO_JAR,
            limits=httpx.Limits(max_connections=per_base, max_keepalive_connections=per_base),
        )
        for base in bases
    ]
    end = time.monotonic() + duration

    async def sender(i: int) -> None:
        nonlocal ok, errors
        client = clients[i % len(bases)]
        n = 0
        while time.monotonic() < end:
            user = f"{run}-{i}-{n // 10}"  # a new resident every 10 questions
            headers = {"cookie": f"{COOKIE}={identities[user]}"} if user in identities else {}
            started = time.perf_counter()
            try:
                response = await client.post(
                    "/api/chat", json={"text": QUESTIONS[(i + n) % len(QUESTIONS)]}, headers=headers
                )
                if response.cookies.get(COOKIE):
                    identities[user] = response.cookies[COOKIE]
                good = response.status_code == 200 and bool(response.json()["replies"])
            except httpx.HTTPError:
                good = False
            latencies.append(time.perf_counter() - started)
            ok, errors = ok + good, errors + (not good)
            n += 1

    try:
        await asyncio.gather(*(sender(i) for i in range(senders)))
    finally:
        for client in clients:
            await client.aclose()
    return ok, errors, latencies


def point(bases: list[str], senders: int, duration: float) -> dict[str, float]:
    """One measured point: messages/s, p50 and p99 (ms), errors."""
    ok, errors, latencies = asyncio.run(drive(bases, senders, duration))
    return {"rps": ok / duration, "p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "errors": errors}


def main() -> None:
    """Run every point and print the medians as a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--processes", default="1,2,3")
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8.0)
    args = parser.parse_args()
    counts = [int(n) for n in args.processes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="wufei-processes-"))
    url = fresh_pg(args.url, f"h4_processes_{uuid.uuid4().hex[:6]}")
    env = {
        **os.environ,
        "WUFEI_DATABASE_URL": url,
        "WUFEI_DATA_DIR": str(folder),  # shared: every process signs and accepts the same identity cookies
        "WUFEI_LOG_LEVEL": "WARNING",
        "WUFEI_CHAT__RATE_PER_MINUTE": "1000000",  # on, so its query runs, but never reached
        "WUFEI_CHAT__CLIENT_RATE_PER_MINUTE": "0",  # every sender is 127.0.0.1
    }
    print(
        f"# processes_bench: PostgreSQL, {os.cpu_count()} cores, {args.senders} senders, {args.duration:g} s per point"
    )
    apps: dict[int, list[dict[str, float]]] = {n: [] for n in counts}
    bares: dict[int, list[dict[str, float]]] = {n: [] for n in counts}
    try:
        init(env)
        for run in range(args.runs):
            for n in counts:
                servers = [start_serve(env) for _ in range(n)]
                try:
                    for _, base in servers:
                        warm_up(base)
                    real = point([base for _, base in servers], args.senders, args.duration)
                finally:
                    stop_servers([process for process, _ in servers])
                bare_servers = [start(BARE_CHAT, env) for _ in range(n)]
                try:
                    bare = point([base for _, base in bare_servers], args.senders, args.duration)
                finally:
                    stop_servers([process for process, _ in bare_servers])
                apps[n].append(real)
                bares[n].append(bare)
                print(
                    f"  run {run + 1} processes {n}: app {real['rps']:.0f}/s p50 {real['p50']:.1f} p99 "
                    f"{real['p99']:.1f} err {real['errors']:.0f} | bare {bare['rps']:.0f}/s p50 {bare['p50']:.1f} "
                    f"p99 {bare['p99']:.1f} | load {load_average()}",
                    flush=True,
                )
    finally:
        drop_pg(args.url, url)
    first = statistics.median(r["rps"] for r in apps[counts[0]])
    print(
        "\n| processes | app msg/s | app p50 ms | app p99 ms | errors | msg/s vs 1 | bare req/s | bare p50 | bare p99 "
        "| bare vs 1 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    bare_first = statistics.median(r["rps"] for r in bares[counts[0]])
    for n in counts:
        med = {k: statistics.median(r[k] for r in apps[n]) for k in ("rps", "p50", "p99", "errors")}
        bmed = {k: statistics.median(r[k] for r in bares[n]) for k in ("rps", "p50", "p99")}
        print(
            f"| {n} | {med['rps']:.0f} | {med['p50']:.1f} | {med['p99']:.1f} | {med['errors']:.0f} | "
            f"{med['rps'] / first:.2f}× | {bmed['rps']:.0f} | {bmed['p50']:.1f} | {bmed['p99']:.1f} | "
            f"{bmed['rps'] / bare_first:.2f}× |"
        )


if __name__ == "__main__":
    main()
