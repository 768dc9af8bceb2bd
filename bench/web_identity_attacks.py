"""Attacks on the web chat identity and its rate limits, against the real app under uvicorn (one fresh SQLite database).

1. inbox: a stranger asks for a resident's inbox by id (`?user=<id>`, the only credential before the identity cookie).
2. hijack: a stranger sends "1" with the resident's id in the body while the resident has a question open.
3. flood: one client sends N messages, each with a new made-up id and no cookie (rotating identities).
4. overhead: M upserts of the per-client counter on SQLite, each in its own transaction as the route runs it.

Runs against whatever API the checkout has: with the identity cookie it uses cookies, and a body `user` field is sent
too (the old API honoured it). Usage: `python bench/web_identity_attacks.py [N] [M]` (default 300 and 300).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.channels.web_outbox import WebOutboxSender  # noqa: E402
from bot.config import CampaignSettings, Settings  # noqa: E402
from bot.db import session_factory, transaction, utcnow  # noqa: E402
from campaigns.models import ChannelIdentity  # noqa: E402
from tests.support.server import running_server  # noqa: E402

COOKIE = "wufei_chat"


def web_id(client: httpx.Client, fallback: str) -> str:
    """The id the server issued (the cookie's first part), or the self-chosen one of the old API."""
    cookie = client.cookies.get(COOKIE)
    return cookie.split(".")[0] if cookie else fallback


def residents(settings: Settings) -> int:
    with transaction(session_factory(settings.db_url)) as session:
        return int(session.scalar(select(func.count()).select_from(ChannelIdentity)) or 0)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    folder = Path(tempfile.mkdtemp())
    campaigns = CampaignSettings(scheduler=False)
    settings = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder, campaigns=campaigns)
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as victim:
        httpx.post(base + "/api/chat", json={"text": "你好"}, timeout=300)  # warm-up: the knowledge is built once
        victim.post("/api/chat", json={"user": "victim-1", "text": "电池"})  # a question left open
        vid = web_id(victim, "victim-1")
        WebOutboxSender(session_factory(settings.db_url)).send(vid, "您的专属问卷 https://x.cn/s/SECRET", now=utcnow())
        stolen = httpx.get(base + "/api/chat/inbox", params={"user": vid})
        print(f"inbox by id: HTTP {stolen.status_code}, push leaked: {'SECRET' in stolen.text}")
        hijack = httpx.post(base + "/api/chat", json={"user": vid, "text": "1"}).json()
        answered = (hijack.get("answer") or {}).get("intent") == "sorting"
        print(f"hijack by body id: the stranger's '1' answered the victim's question: {answered}")

        before = residents(settings)
        statuses: dict[int, int] = {}
        notices = 0
        took: dict[int, list[float]] = {}
        flood = httpx.Client(base_url=base, timeout=30)
        t0 = time.perf_counter()
        for i in range(n):
            flood.cookies.clear()  # a new identity every time
            t = time.perf_counter()
            r = flood.post("/api/chat", json={"user": f"flood-{i}", "text": "电池扔哪个桶"})
            took.setdefault(r.status_code, []).append(time.perf_counter() - t)
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            if r.status_code == 200 and any("太快" in x["text"] for x in r.json()["replies"]):
                notices += 1
        wall = time.perf_counter() - t0
        flood.close()
        made = residents(settings) - before
        medians = {k: f"{statistics.median(v) * 1000:.1f} ms" for k, v in sorted(took.items())}
        print(
            f"flood of {n} rotating ids from one client in {wall:.1f} s: {statuses} (notices {notices}), "
            f"residents created {made}, median per status {medians}"
        )

    # the counter's own cost: one upsert in its own transaction, as the route runs it
    try:
        from bot import ratelimit
    except ImportError:
        return
    check = getattr(ratelimit, "check_client", None)
    if check is None:
        return
    folder = Path(tempfile.mkdtemp())
    one = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder)
    from bot.runtime import ensure_ready

    factory = ensure_ready(one)
    times = []
    for i in range(m):
        t = time.perf_counter()
        with transaction(factory) as session:
            check(session, client=f"198.51.100.{i % 50}", now=utcnow(), per_minute=10**6)
        times.append(time.perf_counter() - t)
    times.sort()
    print(
        f"per-client counter, {m} upserts on SQLite: median {statistics.median(times) * 1000:.2f} ms, "
        f"p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
