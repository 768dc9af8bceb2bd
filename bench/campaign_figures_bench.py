"""Benchmark of a campaign's figures per day (issue #14 §3): what the daily table and chart add to the campaign page.

Seeds one finished campaign to n residents over 14 days (90% delivered, 10% skipped, a link per delivery of which 30%
were opened), then times `campaigns.figures.daily` against `campaigns.ledger.status` (the counts the page already showed
before, the same-run baseline) on the same database. Prints the median of the runs of each and the ratio. Usage:
  python bench/campaign_figures_bench.py [--n 100000] [--runs 5] [--url postgresql+psycopg://…/empty_db]
  (default: temporary SQLite)
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.db import transaction  # noqa: E402
from campaigns import figures, ledger  # noqa: E402
from campaigns.models import Campaign, CampaignRun, Delivery, Resident, TrackedLink  # noqa: E402

T0 = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)
DAYS = 14


def seed(factory, n: int) -> int:  # type: ignore[no-untyped-def]
    """One finished campaign with n ledger rows and n tracked links; returns its id."""
    spread = DAYS * 24 * 60
    with transaction(factory) as s:
        first = s.scalar(select(Resident.id).order_by(Resident.id.desc()).limit(1)) or 0
        s.execute(insert(Resident), [{"created_at": T0, "last_seen_at": T0, "status": "active"} for _ in range(n)])
        c = Campaign(name="bench", text="t", channels=["web"], schedule_kind="now", state="finished", created_at=T0,
                     updated_at=T0, variants={})  # fmt: skip
        s.add(c)
        s.flush()
        run = CampaignRun(campaign_id=c.id, due_at=T0, state="done", created_at=T0)
        s.add(run)
        s.flush()
        rows = []
        for i in range(n):
            at = T0 + dt.timedelta(minutes=i % spread)
            sent = i % 10 != 0
            rows.append(
                {"campaign_id": c.id, "run_id": run.id, "resident_id": first + i + 1, "channel": "web",
                 "state": "sent" if sent else "skipped", "reason": None if sent else "no_consent", "attempts": 1,
                 "next_attempt_at": at, "created_at": T0, "sent_at": at if sent else None, "updated_at": at}
            )  # fmt: skip
        s.execute(insert(Delivery), rows)
        ids = list(s.scalars(select(Delivery.id).where(Delivery.campaign_id == c.id).order_by(Delivery.id)))
        s.execute(
            insert(TrackedLink),
            [
                {"token": secrets.token_urlsafe(16), "delivery_id": d, "campaign_id": c.id, "url": "https://a.cn/x",
                 "created_at": T0, "clicked_at": T0 + dt.timedelta(minutes=j % spread + 30) if j % 10 < 3 else None,
                 "click_channel": "web" if j % 10 < 3 else None}
                for j, d in enumerate(ids)
            ],
        )  # fmt: skip
        return int(c.id)


def timed(factory, runs: int, fn) -> float:  # type: ignore[no-untyped-def]
    """Median seconds of `fn(session)` over `runs` runs, each in its own transaction."""
    spent = []
    for _ in range(runs):
        with transaction(factory) as s:
            start = time.perf_counter()
            fn(s)
            spent.append(time.perf_counter() - start)
    return statistics.median(spent)


def main() -> int:
    """Seed, time both, print the medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    from bot.runtime import ensure_ready

    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    factory = ensure_ready(Settings(database_url=url))
    cid = seed(factory, args.n)
    now = T0 + dt.timedelta(days=DAYS + 1)
    with transaction(factory) as s:
        days = figures.daily(s, cid, now=now)
        assert sum(d["sent"] for d in days) == args.n - (args.n + 9) // 10, "the figures must count every delivery"
    daily = timed(factory, args.runs, lambda s: figures.daily(s, cid, now=now))
    status = timed(factory, args.runs, lambda s: ledger.status(s, s.get(Campaign, cid)))
    backend = url.split(":", 1)[0]
    print(f"{backend}: n={args.n}, {len(days)} days, median of {args.runs} runs")
    print(f"  figures.daily   {daily * 1000:8.1f} ms")
    print(f"  ledger.status   {status * 1000:8.1f} ms  (the page's counts before, same run)")
    print(f"  ratio daily/status: {daily / status:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
