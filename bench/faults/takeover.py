"""Fault: two `wufei serve` on PostgreSQL share a campaign's sends; one is killed; how soon its rows go out again.

The campaign goes to N Telegram chats (the fake Bot API in this process records every accepted sendMessage), each
process paced at `--rate` a second, batches of 10, the default claim lease (WUFEI_CAMPAIGNS__LEASE_SECONDS, renewed
by a heartbeat every third of it). Once both processes have sent, the one holding claimed (`sending`) rows is killed
with SIGKILL. Printed: how the sends were shared before the kill, how long after the kill the killed process's rows
were taken over and sent by the other, and per chat: gaps (nothing) and repeats (allowed: at most one per kill).
Usage: WUFEI_TEST_POSTGRES_URL=postgresql+psycopg://… python bench/faults/takeover.py [--n 200] [--rate 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faultkit
from sqlalchemy import func, select

from bot.db import session_factory, transaction, utcnow
from campaigns import lifecycle
from campaigns.models import Delivery
from tests.support.campaigns import add_residents
from tests.support.fake_telegram import TOKEN, FakeTelegram, running_fake_telegram


def by_worker(url: str, state: str) -> dict[str, int]:
    """Ledger rows in `state` per claiming process."""
    with transaction(session_factory(url)) as session:
        rows = session.execute(
            select(Delivery.claimed_by, func.count()).where(Delivery.state == state).group_by(Delivery.claimed_by)
        ).all()
    return {str(k): int(v) for k, v in rows}


def sending_ids(url: str, worker: str) -> set[int]:
    """The rows `worker` had claimed and not yet settled."""
    with transaction(session_factory(url)) as session:
        query = select(Delivery.id).where(Delivery.state == "sending", Delivery.claimed_by == worker)
        return set(session.execute(query).scalars())


def sent_at(url: str, ids: set[int]) -> list[dt.datetime]:
    """When those rows were marked sent (only the ones that are)."""
    with transaction(session_factory(url)) as session:
        query = select(Delivery.sent_at).where(Delivery.id.in_(ids), Delivery.state == "sent")
        return [t for t in session.execute(query).scalars() if t is not None]


def run(url: str, data: Path, n: int, rate: float) -> bool:
    """Two servers, one kill; True when nobody got nothing and nobody more than two."""
    with running_fake_telegram(FakeTelegram()) as fake:
        env = {
            "WUFEI_CAMPAIGNS__TICK_SECONDS": "0.5",
            "WUFEI_CAMPAIGNS__BATCH_SIZE": "10",
            "WUFEI_CAMPAIGNS__QUIET_HOURS": "off",
            "WUFEI_CAMPAIGNS__RATES": f'{{"web": 100, "telegram": {rate}}}',
            "WUFEI_TELEGRAM__TOKEN": TOKEN,
            "WUFEI_TELEGRAM__BASE_URL": fake.base_url,
        }
        servers = [faultkit.Server(url, data, env=env) for _ in range(2)]
        for server in servers:
            server.start()
        factory = session_factory(url)
        add_residents(factory, n, now=utcnow(), channel="telegram", prefix="7100")
        with transaction(factory) as session:
            c = lifecycle.create(session, name="接管", text="周六环境日", now=utcnow(), channels=["telegram"])
            lifecycle.start(session, c, now=utcnow(), quiet=None, grace=dt.timedelta(hours=2))
        try:
            faultkit.wait_for(lambda: len(by_worker(url, "sent")) >= 2 and min(by_worker(url, "sent").values()) >= 5)
            workers = {f"{s.proc.pid}": s for s in servers if s.proc is not None}
            claims = by_worker(url, "sending")
            victim_name = max(claims, key=lambda k: claims[k]) if claims else next(iter(by_worker(url, "sent")))
            victim = next(s for pid, s in workers.items() if victim_name.endswith(":" + pid))
            shared = by_worker(url, "sent")
            orphans = sending_ids(url, victim_name)
            victim.kill9()
            killed_at = utcnow()
            print(f"before the kill, sent per process: {shared}; killed {victim_name} holding {len(orphans)} claims")
            faultkit.wait_for(lambda: len(sent_at(url, orphans)) == len(orphans), timeout=300)
            times = sorted((t - killed_at).total_seconds() for t in sent_at(url, orphans))
            if times:
                print(f"its rows sent again {times[0]:.1f} s (first) to {times[-1]:.1f} s (last) after the kill")
            faultkit.wait_for(lambda: sum(by_worker(url, "sent").values()) >= n, timeout=180)
            time.sleep(1.0)
        finally:
            for server in servers:
                server.stop()
        counts = Counter(str(c.params["chat_id"]) for c in fake.calls_to("sendMessage") if c.result is not None)
    gaps = [f"7100{i}" for i in range(n) if counts[f"7100{i}"] == 0]
    repeats = {k: v for k, v in counts.items() if v > 1}
    print(f"{len(counts)} of {n} chats reached; gaps {len(gaps)}; repeats {repeats or 0}")
    return not gaps and all(v <= 2 for v in counts.values()) and len(repeats) <= 1 and bool(times)


def main() -> int:
    """Parse the options, run once on a new PostgreSQL database."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5.0)
    args = parser.parse_args()
    pg = os.environ.get(faultkit.PG_ENV)
    if not pg:
        return faultkit.verdict(False, f"set {faultkit.PG_ENV}: several processes need PostgreSQL")
    with faultkit.postgres_database(pg) as (url, data):
        ok = run(url, data, args.n, args.rate)
    return faultkit.verdict(ok, "no gap, at most one repeat for the one kill" if ok else "gap or extra repeats")


if __name__ == "__main__":
    sys.exit(main())
