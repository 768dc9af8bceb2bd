"""Benchmark of fan-out with tracked links (issue #14 §5): the same audience pushed with and without per-delivery links.

For each run: a campaign to n residents (Telegram, a no-op sender) whose text carries two links, sent once with link
tracking (`link_base` set: two tracked_links rows per recipient, made at claim, text rewritten) and once without; and a
plain bulk insert of the same n ledger rows plus 2n link rows in the same run (the floor). Prints the median of the runs:
recipients/s of each and the ratios. Usage:
  python bench/tracked_links_bench.py [--n 100000] [--runs 3] [--url postgresql+psycopg://…]   (default: temporary SQLite)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from campaigns_bench import NoopSender, seed  # noqa: E402
from sqlalchemy import Column, MetaData, Table, insert, text  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.db import transaction  # noqa: E402
from campaigns import lifecycle, runs  # noqa: E402
from campaigns.delivery import DeliveryLoop  # noqa: E402
from campaigns.models import Delivery, TrackedLink  # noqa: E402

T0 = dt.datetime(2026, 6, 5, 2, 0, tzinfo=dt.UTC)
TEXT = "6·5环境日：报名 https://example.org/signup?from=push ，活动介绍 https://example.org/about 。"


def fire(factory, name: str) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as session:
        c = lifecycle.create(session, name=name, text=TEXT, now=T0, channels=["telegram"])
        lifecycle.start(session, c, now=T0, quiet=None, grace=dt.timedelta(hours=2))
    with transaction(factory) as session:
        runs.tick(session, now=T0, quiet=None, grace=dt.timedelta(hours=2))


def send(factory, n: int, link_base: str) -> float:  # type: ignore[no-untyped-def]
    loop = DeliveryLoop(
        factory, {"telegram": NoopSender()}, worker="bench", clock=lambda: T0, batch_size=500, link_base=link_base
    )
    sent, t = 0, time.perf_counter()
    while (k := loop.run_once()) > 0:
        sent += k
    elapsed = time.perf_counter() - t
    assert sent == n, (sent, n)
    return elapsed


def bulk(factory, n: int, run: int) -> float:  # type: ignore[no-untyped-def]
    """n ledger rows and 2n link rows into copies of the tables, 10,000 per executemany, one transaction."""
    meta = MetaData()  # plain copies: same columns, no indexes or foreign keys (the floor)
    ledger = Table(f"bench_ledger_{run}", meta, *[Column(c.name, c.type) for c in Delivery.__table__.columns])
    links = Table(f"bench_links_{run}", meta, *[Column(c.name, c.type) for c in TrackedLink.__table__.columns])
    meta.create_all(factory.kw["bind"])
    rows = [
        {"id": i, "campaign_id": 1, "run_id": 1, "resident_id": i, "channel": "telegram", "external_id": f"x{i}",
         "state": "sent", "attempts": 1, "next_attempt_at": T0, "created_at": T0, "updated_at": T0}
        for i in range(1, n + 1)
    ]  # fmt: skip
    link_rows = [
        {
            "id": 2 * i + j,
            "token": secrets.token_urlsafe(16),
            "delivery_id": i,
            "campaign_id": 1,
            "url": url,
            "created_at": T0,
        }
        for i in range(1, n + 1)
        for j, url in enumerate(("https://example.org/signup?from=push", "https://example.org/about"))
    ]
    t = time.perf_counter()
    with transaction(factory) as session:
        conn = session.connection()
        for lo in range(0, n, 10_000):
            conn.execute(insert(ledger), rows[lo : lo + 10_000])
        for lo in range(0, 2 * n, 10_000):
            conn.execute(insert(links), link_rows[lo : lo + 10_000])
    return time.perf_counter() - t


def main() -> int:
    """Run and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    from bot.runtime import ensure_ready

    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    factory = ensure_ready(Settings(database_url=url))
    n = args.n
    print(f"database: {factory.kw['bind'].dialect.name}, recipients: {n:,}, runs: {args.runs}, "
          f"load average at start: {os.getloadavg()[0]:.1f}")  # fmt: skip
    seed(factory, n, "telegram")
    if factory.kw["bind"].dialect.name == "postgresql":
        with factory.kw["bind"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE residents, channel_identities"))
    plain, tracked, floor = [], [], []
    for run in range(args.runs):
        fire(factory, f"plain-{run}")
        plain.append(send(factory, n, ""))
        fire(factory, f"tracked-{run}")
        tracked.append(send(factory, n, "https://wufei.example.cn"))
        floor.append(bulk(factory, n, run))
        print(f"run {run + 1}: without links {plain[-1]:.2f} s, with tracked links {tracked[-1]:.2f} s, "
              f"bulk insert of the same rows {floor[-1]:.2f} s", flush=True)  # fmt: skip
    with transaction(factory) as session:
        made = session.scalar(text("SELECT count(*) FROM tracked_links"))
    p, k, b = (statistics.median(x) for x in (plain, tracked, floor))
    print(f"tracked_links rows made: {made:,} (2 per recipient per tracked run)")
    print(f"median without links:   {p:.2f} s  {n / p:,.0f} recipients/s")
    print(f"median with links:      {k:.2f} s  {n / k:,.0f} recipients/s  ({k / p:.2f}× the time without)")
    print(f"median bulk insert:     {b:.2f} s  {n / b:,.0f} recipients/s (n ledger + 2n link rows)")
    print(f"ratio, tracked fan-out to bulk insert (recipients/s): {(n / k) / (n / b):.3f}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
