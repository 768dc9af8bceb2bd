"""How cost grows with the database (issue #18): chat latency against residents, fan-out against recipients.

`chat`: for each size (residents, each with a web identity and two chat-log rows of history, seeded in SQL, not through
the API) a fresh database, the app as `wufei serve` builds it (`bot.web.app:create_app`) under one uvicorn worker and the
bare FastAPI endpoint of bench/load_bench.py beside it; every message comes from a random seeded resident (signed
cookie), so each lookup lands somewhere in the whole table. Per run and sender count: app then bare, DURATION seconds
each; prints every run and the medians. Then one message in this process with its SQL captured, each SELECT explained
(PostgreSQL), so a sequential scan on a big table shows.

`fanout`: for each size (recipients) a fresh PostgreSQL database seeded in SQL; per run: materialise a web campaign's
ledger (`runs.tick`, INSERT … SELECT), send it through the web outbox sender loop (claim, outbox rows and sent marks per
batch of 500), then bulk-insert the same n ledger rows (executemany of 10,000, one transaction) as the floor, twice:
into a bare copy of the table (CREATE TABLE AS: no index, no key) and into a copy with the ledger's own keys, indexes
and foreign keys (bench/ledger_floor.py); ratios are ours ÷ floor. The tables are emptied between runs.

    .venv/bin/python bench/scaling_bench.py chat --url postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        --sizes 1000,100000,1000000 [--senders 1,10] [--runs 3] [--duration 5]
    .venv/bin/python bench/scaling_bench.py chat --sqlite --sizes 1000,100000
    .venv/bin/python bench/scaling_bench.py fanout --url postgresql+psycopg://… --sizes 10000,100000,1000000 [--runs 3]

Databases are created as `<prefix>_chat_<n>` / `<prefix>_fanout_<n>` (default prefix h18s) and dropped at the end.
Rate limits: the per-resident limit is kept on (set very high) so its query runs; the per-client limit is off (every
sender is 127.0.0.1). The load average (os.getloadavg) is printed with each run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
import ledger_floor  # noqa: E402
from load_bench import NO_JAR, percentile, warm_up  # noqa: E402
from serving import APP, BARE_CHAT, COOKIE, QUESTIONS, drop_pg, fresh_pg, init, start  # noqa: E402
from serving import load_average as load  # noqa: E402
from serving import stop as stop_servers  # noqa: E402
from sqlalchemy import create_engine, event, insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

T0 = dt.datetime(2026, 6, 5, 2, 0, tzinfo=dt.UTC)


def web_id(i: int) -> str:
    """The seeded web identity of resident i (22 URL-safe characters, like bot.web.resident.identity.new_id)."""
    return "w" + str(i).zfill(21)


# ---------------------------------------------------------------- databases


def seed_pg(engine: Engine, n: int, history: int) -> None:
    """n residents, a web identity each and `history` chat-log rows each, in three INSERT … SELECT generate_series."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO residents (id, created_at, last_seen_at, push_consent, status, township) "
                "SELECT i, :t0 - make_interval(days => i % 365), :t0 - make_interval(mins => i % 10000), true, "
                "'active', '新建路街道' FROM generate_series(1, :n) AS i"
            ),
            {"t0": T0, "n": n},
        )
        conn.execute(
            text(
                "INSERT INTO channel_identities (resident_id, channel, external_id, created_at) "
                "SELECT i, 'web', 'w' || lpad(i::text, 21, '0'), :t0 FROM generate_series(1, :n) AS i"
            ),
            {"t0": T0, "n": n},
        )
        conn.execute(
            text(
                "INSERT INTO chat_log (resident_id, channel, text, intent, confidence, created_at, reply) "
                "SELECT g % :n + 1, 'web', '电池是什么垃圾', 'answer', 0.9, :t0 - make_interval(mins => g), "
                "'废电池属于有害垃圾。' FROM generate_series(1, :rows) AS g"
            ),
            {"t0": T0, "n": n, "rows": n * history},
        )
        conn.execute(text("SELECT setval(pg_get_serial_sequence('residents', 'id'), :n)"), {"n": n})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE residents, channel_identities, chat_log"))


def seed_sqlite(engine: Engine, n: int, history: int) -> None:
    """The same rows on SQLite, executemany of 10,000."""
    from bot.models import ChatLog
    from campaigns.models import ChannelIdentity, Resident

    with engine.begin() as conn:
        for lo in range(1, n + 1, 10_000):
            ids = range(lo, min(lo + 10_000, n + 1))
            conn.execute(
                insert(Resident),
                [{"id": i, "created_at": T0 - dt.timedelta(days=i % 365), "last_seen_at": T0, "push_consent": True,
                  "status": "active", "township": "新建路街道"} for i in ids],
            )  # fmt: skip
            conn.execute(
                insert(ChannelIdentity),
                [{"resident_id": i, "channel": "web", "external_id": web_id(i), "created_at": T0} for i in ids],
            )
        for lo in range(1, n * history + 1, 10_000):
            conn.execute(
                insert(ChatLog),
                [{"resident_id": g % n + 1, "channel": "web", "text": "电池是什么垃圾", "intent": "answer",
                  "confidence": 0.9, "created_at": T0 - dt.timedelta(minutes=g), "reply": "废电池属于有害垃圾。"}
                 for g in range(lo, min(lo + 10_000, n * history + 1))],
            )  # fmt: skip
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))


# ---------------------------------------------------------------- chat


async def drive(base: str, senders: int, cookies: list[str], duration: float) -> tuple[int, int, list[float]]:
    """Closed loop: each sender posts as soon as it has its reply, each message from a random seeded resident."""
    latencies: list[float] = []
    ok = errors = 0
    stop = time.monotonic() + duration
    limits = httpx.Limits(max_connections=senders, max_keepalive_connections=senders)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits, cookies=NO_JAR) as client:

        async def sender(i: int) -> None:
            nonlocal ok, errors
            rng = random.Random(i)
            n = 0
            while time.monotonic() < stop:
                headers = {"cookie": f"{COOKIE}={rng.choice(cookies)}"} if cookies else {}
                started = time.perf_counter()
                try:
                    response = await client.post("/api/chat", json={"text": QUESTIONS[(i + n) % 10]}, headers=headers)
                    good = response.status_code == 200 and bool(response.json()["replies"])
                except httpx.HTTPError:
                    good = False
                latencies.append(time.perf_counter() - started)
                ok, errors = ok + good, errors + (not good)
                n += 1

        await asyncio.gather(*(sender(i) for i in range(senders)))
    return ok, errors, latencies


def point(base: str, senders: int, cookies: list[str], duration: float) -> dict[str, float]:
    """One measured point: messages/s, p50, p99 (ms), errors."""
    ok, errors, latencies = asyncio.run(drive(base, senders, cookies, duration))
    return {"rps": ok / duration, "p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "errors": errors}


def cookies_for(env: dict[str, str], n: int, k: int = 5000) -> list[str]:
    """Signed cookies of k random seeded residents (the key the app derives from the salt in its data dir)."""
    from bot.config import Settings
    from bot.web.resident.identity import sign, signing_key

    key = signing_key(Settings(database_url=env["WUFEI_DATABASE_URL"], data_dir=Path(env["WUFEI_DATA_DIR"])))
    rng = random.Random(n)
    return [sign(key, web_id(rng.randint(1, n))) for _ in range(min(k, n))]


def explain_one_message(env: dict[str, str], n: int) -> None:
    """Handle one message in this process, capture its SQL, EXPLAIN (ANALYZE) each SELECT on PostgreSQL."""
    from bot.config import Settings
    from bot.db import utcnow
    from bot.dialogue import IncomingMessage
    from bot.runtime import ensure_ready
    from bot.web.app import create_app

    settings = Settings(database_url=env["WUFEI_DATABASE_URL"], data_dir=Path(env["WUFEI_DATA_DIR"]))
    ensure_ready(settings)
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings)) as client:
        client.post("/api/chat", json={"text": "电池"})  # warm: knowledge snapshot, caches
        dialogue = client.app.state.dialogue  # type: ignore[attr-defined]
        engine = dialogue.factory.kw["bind"]
        seen: list[tuple[str, Any]] = []

        def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            seen.append((statement, parameters))

        times = []
        for i in range(31):  # the last one with its SQL captured
            if i == 30:
                event.listen(engine, "before_cursor_execute", capture)
            t = time.perf_counter()
            dialogue.handle(IncomingMessage("web", web_id(random.randint(1, n)), QUESTIONS[i % 10], utcnow()))
            times.append(time.perf_counter() - t)
        event.remove(engine, "before_cursor_execute", capture)
        print(
            f"  in-process (Dialogue.handle, bench process), 31 messages of random seeded residents: median "
            f"{1000 * statistics.median(times):.1f} ms; {len(seen)} statements in the last one"
        )
        if engine.dialect.name != "postgresql":
            return
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement, parameters in seen:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    words = statement.split()
                    print(f"   - {' '.join(words[:3] if words[0].upper() == 'INSERT' else words[:2])} …")
                    continue
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) " + statement, parameters)
                plan = [row[0] for row in cursor.fetchall()]
                scans = [line.strip() for line in plan if "Scan" in line]
                total = next((line for line in plan if line.startswith("Execution Time")), "")
                head = " ".join(statement.split())[:110]
                print(f"   - {head} … | {total} | {'; '.join(scans)[:300]}")
            raw.rollback()
        finally:
            raw.close()


def prepare(args: argparse.Namespace, n: int) -> tuple[dict[str, str], list[str]]:
    """A fresh database of n seeded residents: its server environment and signed cookies of its residents."""
    folder = Path(tempfile.mkdtemp(prefix="wufei-scaling-"))
    url = f"sqlite:///{folder / 'bench.db'}" if args.sqlite else fresh_pg(args.url, f"{args.prefix}_chat_{n}")
    env = {
        **os.environ,
        "WUFEI_DATABASE_URL": url,
        "WUFEI_DATA_DIR": str(folder),
        "WUFEI_LOG_LEVEL": "WARNING",
        "WUFEI_CHAT__RATE_PER_MINUTE": "1000000",  # on, so its query runs, but never reached
        "WUFEI_CHAT__CLIENT_RATE_PER_MINUTE": "0",  # every sender is 127.0.0.1
        "WUFEI_CAMPAIGNS__SCHEDULER": "false",
    }
    init(env)
    engine = create_engine(url)
    t = time.perf_counter()
    (seed_sqlite if args.sqlite else seed_pg)(engine, n, args.history)
    with engine.connect() as conn:
        counts = [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ("residents", "chat_log")]
    engine.dispose()
    print(f"## {n:,} residents ({counts[0]:,} rows, chat_log {counts[1]:,} rows), "
          f"seeded in {time.perf_counter() - t:.1f} s, load {load()}", flush=True)  # fmt: skip
    return env, cookies_for(env, n)


def chat(args: argparse.Namespace) -> None:
    """Chat latency against the number of residents: one server per size, the sizes interleaved in every run."""
    senders = [int(s) for s in args.senders.split(",")]
    sizes = [int(s) for s in args.sizes.split(",")]
    backend = "sqlite" if args.sqlite else "postgres"
    print(f"# scaling_bench chat: {backend}, {os.cpu_count()} cores, {args.duration:g} s per point, {args.runs} runs")
    os.environ.update({"WUFEI_CAMPAIGNS__SCHEDULER": "false", "WUFEI_CHAT__RATE_PER_MINUTE": "1000000"})
    prepared: dict[int, tuple[dict[str, str], list[str]]] = {}
    servers: dict[int | str, tuple[subprocess.Popen[bytes], str]] = {}
    apps: dict[int, list[dict[str, float]]] = {}
    bares: dict[int, list[dict[str, float]]] = {s: [] for s in senders}
    try:
        for n in sizes:
            prepared[n] = prepare(args, n)
        for n in sizes:
            servers[n] = start(APP, prepared[n][0])
            warm_up(servers[n][1])
        servers["bare"] = start(BARE_CHAT, prepared[sizes[0]][0])
        for run in range(args.runs):
            for s in senders:
                for n in sizes:  # interleaved: a load swing on the shared machine hits every size alike
                    real = point(servers[n][1], s, prepared[n][1], args.duration)
                    apps.setdefault(n * 1000 + s, []).append(real)
                    print(f"  run {run + 1} senders {s:>2} {n:>9,} residents: app {real['rps']:.0f}/s "
                          f"p50 {real['p50']:.1f} p99 {real['p99']:.1f} err {real['errors']:.0f} | load {load()}",
                          flush=True)  # fmt: skip
                base = point(servers["bare"][1], s, [], args.duration)
                bares[s].append(base)
                print(f"  run {run + 1} senders {s:>2} bare endpoint: {base['rps']:.0f}/s p50 {base['p50']:.1f} "
                      f"p99 {base['p99']:.1f} | load {load()}", flush=True)  # fmt: skip
    finally:
        stop_servers([process for process, _ in servers.values()])
    summary = []
    for n in sizes:
        env = prepared[n][0]
        with create_engine(env["WUFEI_DATABASE_URL"]).connect() as conn:
            grown = conn.execute(text("SELECT count(*) FROM residents")).scalar_one() - n
        print(f"\n## {n:,} residents: {grown} created during the run (the warm-up's 48 messages carry no cookie; "
              "more would mean the load's cookies were refused)")  # fmt: skip
        for s in senders:
            med = {k: statistics.median(r[k] for r in apps[n * 1000 + s]) for k in ("rps", "p50", "p99", "errors")}
            bmed = {k: statistics.median(r[k] for r in bares[s]) for k in ("rps", "p50", "p99")}
            summary.append(
                f"| {backend} | {n:,} | {s} | {med['rps']:.0f} | {med['p50']:.1f} | {med['p99']:.1f} | "
                f"{med['errors']:.0f} | {bmed['rps']:.0f} | {bmed['p50']:.1f} | {bmed['p99']:.1f} | "
                f"{med['p50'] / bmed['p50']:.1f}× |"
            )
        try:
            explain_one_message(env, n)
        finally:
            if not args.sqlite and not args.keep:
                drop_pg(args.url, f"{args.prefix}_chat_{n}")
    print("\n| db | residents | senders | app msg/s | app p50 ms | app p99 ms | errors | bare req/s | bare p50 | "
          "bare p99 | p50 app/bare |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(summary))


# ---------------------------------------------------------------- fan-out


def seed_recipients(engine: Engine, n: int) -> None:
    """n residents with push consent and a web identity each (INSERT … SELECT generate_series)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO residents (id, created_at, last_seen_at, push_consent, status, township) "
                "SELECT i, :t0, :t0, true, 'active', '新建路街道' FROM generate_series(1, :n) AS i"
            ),
            {"t0": T0, "n": n},
        )
        conn.execute(
            text(
                "INSERT INTO channel_identities (resident_id, channel, external_id, created_at) "
                "SELECT i, 'web', 'w' || lpad(i::text, 21, '0'), :t0 FROM generate_series(1, :n) AS i"
            ),
            {"t0": T0, "n": n},
        )
        conn.execute(text("SELECT setval(pg_get_serial_sequence('residents', 'id'), :n)"), {"n": n})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE residents, channel_identities"))


def empty_ledger(engine: Engine) -> None:
    """Forget every campaign, ledger row, outbox row and the floors' tables (between runs)."""
    with engine.begin() as conn:
        ledger_floor.drop(conn)
        conn.execute(text("TRUNCATE web_outbox, deliveries, campaign_runs, campaigns RESTART IDENTITY CASCADE"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE deliveries, web_outbox"))


def fanout_run(factory: Any, n: int) -> dict[str, float]:
    """Materialise, send through the web outbox, bulk-insert both floors: seconds of each."""
    from bot.channels.web_outbox import WebOutboxSender
    from bot.db import transaction
    from campaigns import lifecycle, runs
    from campaigns.delivery import DeliveryLoop

    grace = dt.timedelta(hours=2)
    with transaction(factory) as session:
        c = lifecycle.create(session, name="scaling", text="{township}：6·5环境日", now=T0, channels=["web"])
        lifecycle.start(session, c, now=T0, quiet=None, grace=grace)
    t = time.perf_counter()
    with transaction(factory) as session:
        runs.tick(session, now=T0, quiet=None, grace=grace)
    materialise = time.perf_counter() - t
    loop = DeliveryLoop(factory, {"web": WebOutboxSender(factory)}, worker="bench", clock=lambda: T0, batch_size=500)
    sent, t = 0, time.perf_counter()
    while k := loop.run_once():
        sent += k
    outbox = time.perf_counter() - t
    assert sent == n, (sent, n)
    rows = ledger_floor.ledger_rows(n, channel="web", state="pending", t0=T0, external_id=web_id)
    bare = ledger_floor.bulk_insert(factory, rows, "bare")
    indexed = ledger_floor.bulk_insert(factory, rows, "indexed")
    return {"materialise": materialise, "outbox": outbox, "bare": bare, "indexed": indexed}


def fanout(args: argparse.Namespace) -> None:
    """Fan-out against the number of recipients, PostgreSQL."""
    from bot.config import Settings
    from bot.runtime import ensure_ready

    print(f"# scaling_bench fanout: postgres, {os.cpu_count()} cores, {args.runs} runs per size")
    summary: list[str] = []
    for n in [int(s) for s in args.sizes.split(",")]:
        name = f"{args.prefix}_fanout_{n}"
        url = fresh_pg(args.url, name)
        try:
            factory = ensure_ready(Settings(database_url=url))
            engine = factory.kw["bind"]
            t = time.perf_counter()
            seed_recipients(engine, n)
            print(f"\n## {n:,} recipients, seeded in {time.perf_counter() - t:.1f} s, load {load()}", flush=True)
            results = []
            for run in range(args.runs if n < 1_000_000 else args.runs_1m):
                empty_ledger(engine)
                before = load()
                r = fanout_run(factory, n)
                results.append(r)
                print(f"  run {run + 1}: materialise {r['materialise']:.2f} s, web outbox {r['outbox']:.2f} s, "
                      f"floor bare {r['bare']:.2f} s, floor indexed {r['indexed']:.2f} s | load {before} → {load()}",
                      flush=True)  # fmt: skip
            med = {k: statistics.median(r[k] for r in results) for k in ("materialise", "outbox", "bare", "indexed")}
            line = f"| {n:,} | {len(results)} |"
            for k in ("materialise", "outbox"):
                line += f" {med[k]:.2f} s ({n / med[k]:,.0f}/s) | {med[k] / med['bare']:.2f}× | "
                line += f"{med[k] / med['indexed']:.2f}× |"
            for k in ("bare", "indexed"):
                line += f" {med[k]:.2f} s ({n / med[k]:,.0f}/s) |"
            summary.append(line)
            print(line, flush=True)
            engine.dispose()
        finally:
            if not args.keep:
                drop_pg(args.url, name)
    print("\n(ratios are ours ÷ floor: the time of ours over the same-run bulk insert of the same rows)")
    print("| recipients | runs | materialise | ÷ bare floor | ÷ indexed floor | web outbox send | ÷ bare floor | "
          "÷ indexed floor | floor: bare copy | floor: indexed copy |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(summary))


def main() -> None:
    """Parse the command line and run one benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    for what in ("chat", "fanout"):
        p = sub.add_parser(what)
        p.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
        p.add_argument("--sizes", required=True)
        p.add_argument("--runs", type=int, default=3)
        p.add_argument("--prefix", default="h18s")
        p.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    chat_p = sub.choices["chat"]
    chat_p.add_argument("--sqlite", action="store_true")
    chat_p.add_argument("--senders", default="1,10")
    chat_p.add_argument("--duration", type=float, default=5.0)
    chat_p.add_argument("--history", type=int, default=2, help="chat-log rows per resident")
    sub.choices["fanout"].add_argument("--runs-1m", type=int, default=1, help="runs at 1,000,000 recipients")
    args = parser.parse_args()
    chat(args) if args.what == "chat" else fanout(args)


if __name__ == "__main__":
    main()
