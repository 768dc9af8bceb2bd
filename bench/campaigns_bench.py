"""Benchmark of campaign delivery: a 100,000-resident audience materialised and pushed through a no-op Sender.

Prints materialisation time, recipients per second through the sender loop (a no-op platform sender: each outcome
committed on its own, one statement; and the web outbox sender: one commit per batch), each as ours ÷ a plain bulk
insert of the same ledger rows on the same database in the same run (two floors, bench/ledger_floor.py: a bare copy
of the table and one with the ledger's indexes and keys), and RSS sampled while sending (flat = good).
Usage: python bench/campaigns_bench.py [--n 100000] [--url postgresql+psycopg://…] [--skip-noop]   (default: a temporary SQLite)
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
sys.path.insert(0, str(ROOT / "bench"))

import ledger_floor  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from bot.channels.base import SendResult  # noqa: E402
from bot.channels.web_outbox import WebOutboxSender  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import transaction  # noqa: E402
from campaigns import lifecycle, runs  # noqa: E402
from campaigns.delivery import DeliveryLoop  # noqa: E402
from campaigns.models import ChannelIdentity, Resident  # noqa: E402

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


def main() -> int:
    """Run and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--url", default=None)
    parser.add_argument(
        "--skip-noop", action="store_true", help="leave out the no-op platform sender (minutes at 100k)"
    )
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
    # --skip-noop: no Telegram campaign at all (its 100,000 pending rows would sit in the web outbox's way)
    m1 = campaign(factory, "web" if args.skip_noop else "telegram")
    print(f"materialise (INSERT … SELECT, {n:,} rows): {m1:.2f} s  ({n / m1:,.0f} rows/s)")
    noop_s, noop_rss = push(factory, {"telegram": NoopSender()}, n) if not args.skip_noop else (0.0, [])
    m2 = campaign(factory, "web") if not args.skip_noop else m1
    web_s, web_rss = push(factory, {"web": WebOutboxSender(factory)}, n)
    rows = ledger_floor.ledger_rows(n, channel="telegram", state="sent", t0=T0, external_id=lambda i: f"x{i}")
    floor = {v: ledger_floor.bulk_insert(factory, rows, v) for v in ledger_floor.VARIANTS}
    for v, seconds in floor.items():
        print(
            f"floor: bulk insert of {n:,} ledger rows into the {v} copy: {seconds:.2f} s  ({n / seconds:,.0f} rows/s)"
        )

    def ratios(seconds: float) -> str:
        return ", ".join(f"{seconds / floor[v]:.2f}× the {v} floor" for v in ledger_floor.VARIANTS)

    print("(ratios are ours ÷ floor: our time over the same-run bulk insert's time, as bench/scaling_bench.py prints)")
    print(f"materialise (INSERT … SELECT): {m1:.2f} s and {m2:.2f} s; ours ÷ floor: {ratios(m1)}")
    if noop_s:
        print(f"no-op platform sender (commit per recipient): {noop_s:.2f} s  {n / noop_s:,.0f} recipients/s; "
              f"ours ÷ floor: {ratios(noop_s)}")  # fmt: skip
    print(f"web outbox sender (commit per batch of 500): {web_s:.2f} s  {n / web_s:,.0f} recipients/s; "
          f"ours ÷ floor: {ratios(web_s)}")  # fmt: skip
    samples = noop_rss + web_rss
    print(f"RSS while sending: start {base_rss:.0f} MiB, min {min(samples):.0f}, max {max(samples):.0f} MiB "
          f"over {len(samples)} samples")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
