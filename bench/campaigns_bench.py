"""Benchmark of campaign delivery: a 100,000-resident audience materialised and pushed through a no-op Sender.

Prints materialisation time, recipients per second through the sender loop (a no-op platform sender: each outcome
committed on its own, one statement; and the web outbox sender: one commit per batch), the ratio to a plain bulk
insert of the same ledger rows on the same database in the same run, and RSS sampled while sending (flat = good).
Usage: python bench/campaigns_bench.py [--n 100000] [--url postgresql+psycopg://…]   (default: a temporary SQLite)
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bot.channels.base import SendResult  # noqa: E402
from bot.channels.web_outbox import WebOutboxSender  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import transaction  # noqa: E402
from campaigns import lifecycle, runs  # noqa: E402
from campaigns.delivery import DeliveryLoop  # noqa: E402
from campaigns.models import ChannelIdentity, Delivery, Resident  # noqa: E402

T0 = dt.datetime(2026, 6, 5, 2, 0, tzinfo=dt.UTC)


class NoopSender:
    """Accepts everything instantly."""

    channel = "telegram"

    def send(self, external_id: str, text: str, *, now: dt.datetime) -> SendResult:
        return SendResult(ok=True)


def rss_mb() -> float:
    """Current resident set size in MiB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(factory, n: int, channel: str) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as session:
        conn = session.connection()
        start = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM residents")).scalar_one()) + 1
        for lo in range(0, n, 10_000):
            ids = range(start + lo, start + min(lo + 10_000, n))
            conn.execute(
                insert(Resident),
                [{"id": i, "created_at": T0, "last_seen_at": T0, "push_consent": True, "status": "active",
                  "township": "新建路街道"} for i in ids],
            )  # fmt: skip
            conn.execute(
                insert(ChannelIdentity),
                [{"resident_id": i, "channel": channel, "external_id": f"{channel}{i}", "created_at": T0} for i in ids],
            )


def campaign(factory, channel: str) -> float:  # type: ignore[no-untyped-def]
    """Create, start and materialise; returns the seconds the tick took."""
    with transaction(factory) as session:
        c = lifecycle.create(session, name=f"bench-{channel}", text="{township}：6·5环境日", now=T0, channels=[channel])
        lifecycle.start(session, c, now=T0, quiet=None, grace=dt.timedelta(hours=2))
    t = time.perf_counter()
    with transaction(factory) as session:
        runs.tick(session, now=T0, quiet=None, grace=dt.timedelta(hours=2))
    return time.perf_counter() - t


def push(factory, senders, n: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    loop = DeliveryLoop(factory, senders, worker="bench", clock=lambda: T0, batch_size=500)
    samples: list[float] = []
    sent, t = 0, time.perf_counter()
    while True:
        k = loop.run_once()
        if k == 0:
            break
        sent += k
        if sent % 5_000 < 500:
            samples.append(rss_mb())
    elapsed = time.perf_counter() - t
    assert sent == n, (sent, n)
    return elapsed, samples


def bulk_insert(factory, n: int) -> float:  # type: ignore[no-untyped-def]
    """The same n ledger rows with one executemany per 10,000, in one transaction (the floor to compare with)."""
    with transaction(factory) as session:
        conn = session.connection()
        conn.execute(text("CREATE TABLE bench_ledger AS SELECT * FROM deliveries WHERE 1 = 0"))
        rows = [
            {"campaign_id": 1, "run_id": 1, "resident_id": i, "channel": "telegram", "external_id": f"x{i}",
             "state": "sent", "attempts": 1, "next_attempt_at": T0, "created_at": T0, "updated_at": T0, "id": i}
            for i in range(1, n + 1)
        ]  # fmt: skip
    table = Delivery.__table__.to_metadata(__import__("sqlalchemy").MetaData(), name="bench_ledger")
    t = time.perf_counter()
    with transaction(factory) as session:
        conn = session.connection()
        for lo in range(0, n, 10_000):
            conn.execute(insert(table), rows[lo : lo + 10_000])
    return time.perf_counter() - t


def main() -> int:
    """Run and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    from bot.runtime import ensure_ready

    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    factory = ensure_ready(Settings(database_url=url))
    n = args.n
    print(f"database: {factory.kw['bind'].dialect.name}, recipients: {n:,}")
    seed(factory, n, "telegram")
    seed(factory, n, "web")
    if factory.kw["bind"].dialect.name == "postgresql":
        # right after a bulk load PostgreSQL has no statistics yet (autovacuum analyses later); without them it
        # plans the per-resident identity lookup through the channel index, which is quadratic
        with factory.kw["bind"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE residents, channel_identities"))
    base_rss = rss_mb()
    m1 = campaign(factory, "telegram")
    print(f"materialise (INSERT … SELECT, {n:,} rows): {m1:.2f} s  ({n / m1:,.0f} rows/s)")
    noop_s, noop_rss = push(factory, {"telegram": NoopSender()}, n)
    m2 = campaign(factory, "web")
    web_s, web_rss = push(factory, {"web": WebOutboxSender(factory)}, n)
    bulk_s = bulk_insert(factory, n)
    print(f"plain bulk insert of {n:,} ledger rows: {bulk_s:.2f} s  ({n / bulk_s:,.0f} rows/s)")
    print(
        f"no-op platform sender (commit per recipient): {noop_s:.2f} s  {n / noop_s:,.0f} recipients/s"
        f"  ratio to bulk insert {(n / noop_s) / (n / bulk_s):.2f}"
    )
    print(
        f"web outbox sender (commit per batch of 500): {web_s:.2f} s  {n / web_s:,.0f} recipients/s"
        f"  ratio to bulk insert {(n / web_s) / (n / bulk_s):.2f}   (materialise {m2:.2f} s)"
    )
    samples = noop_rss + web_rss
    print(f"RSS while sending: start {base_rss:.0f} MiB, min {min(samples):.0f}, max {max(samples):.0f} MiB "
          f"over {len(samples)} samples")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
