"""Soak: DURATION seconds of steady mixed load against one `wufei serve` subprocess, sampled every SAMPLE seconds.

The load, from SENDERS asyncio senders each pausing THINK seconds between requests:
  - chat questions from eval/tricky_questions.tsv over POST /api/chat (a new resident every 10 questions);
  - the `public` survey taken to the end in chat (the two dialogs of tests/surveys/test_chat_flow.py);
  - signed WeChat XML text messages to /wechat (plaintext mode, a fresh MsgId each);
  - and all along a web campaign sending at CAMPAIGN_RATE pushes per second to enough residents to last the run.
Every window reports the server's RSS, p50/p99 latency, requests, errors and pushes; the summary gives the memory
growth (MB and %) from the first to the last window, the latency drift first vs last window, and the error count.

    .venv/bin/python bench/soak.py                                   # 20 minutes on SQLite
    DURATION=60 .venv/bin/python bench/soak.py                       # a quick check
    PG=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/soak.py

An error is a connection failure, a status other than 200, a chat reply without text, a WeChat reply without
<Content>, or a survey dialog that does not end with the thank-you. Errors are printed (first 5) at the end.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bot.web.resident.identity import COOKIE  # noqa: E402
from tests.support.fake_wechat import APP_ID, TOKEN, message_xml, signed_query  # noqa: E402
from tests.support.server import free_port, wait_healthy  # noqa: E402

# the shared client keeps no cookies: each simulated resident sends the identity cookie the server issued it
NO_JAR = CookieJar(DefaultCookiePolicy(allowed_domains=[]))
IDENTITIES: dict[str, str] = {}

DURATION = float(os.environ.get("DURATION", "1200"))
SAMPLE = float(os.environ.get("SAMPLE", "30"))
SENDERS = int(os.environ.get("SENDERS", "4"))
THINK = float(os.environ.get("THINK", "0.1"))
CAMPAIGN_RATE = float(os.environ.get("CAMPAIGN_RATE", "5"))
MIX = {"chat": 0.6, "survey": 0.15, "wechat": 0.25}  # share of the senders' turns (a survey turn is 8 messages)
SURVEYS = [
    ["问卷", "2", "1，3", "比较满意了", "和庄镇", "30–44岁", "居民", "多设几个回收点"],
    ["满意度", "没听说过", "都没有", "还行吧", "新密·青屏街道", "5", "学生", "跳过"],
]


def questions() -> list[str]:
    """The tricky evaluation questions (commands left out)."""
    with (ROOT / "eval" / "tricky_questions.tsv").open(encoding="utf-8") as f:
        return [row["question"] for row in csv.DictReader(f, delimiter="\t") if row["expected"] != "command"]


@dataclass
class Window:
    """What happened since the last sample."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass
class Tally:
    """The current window and the run's totals."""

    window: Window = field(default_factory=Window)
    errors: int = 0
    requests: int = 0
    surveys_done: int = 0
    final_pushes: int = 0
    final_completed: int = 0
    examples: list[str] = field(default_factory=list)

    def record(self, kind: str, seconds: float, ok: bool, what: str = "") -> None:
        """One request."""
        self.window.latencies.append(seconds)
        self.window.by_kind[kind] = self.window.by_kind.get(kind, 0) + 1
        self.requests += 1
        if not ok:
            self.window.errors += 1
            self.errors += 1
            if len(self.examples) < 5:
                self.examples.append(f"{kind}: {what[:200]}")


def rss_mb(pid: int) -> float:
    """Resident memory of the process and its children, in MB (Linux /proc)."""
    total_kb = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def timed(client: httpx.AsyncClient, method: str, url: str, **kw: object) -> tuple[httpx.Response | None, float]:
    """One request and its latency; None on a connection error."""
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kw)  # type: ignore[arg-type]
    except httpx.HTTPError:
        return None, time.perf_counter() - started
    return response, time.perf_counter() - started


async def chat(client: httpx.AsyncClient, tally: Tally, kind: str, user: str, text: str) -> str:
    """POST /api/chat; returns the replies' text ("" on error)."""
    headers = {"cookie": f"{COOKIE}={IDENTITIES[user]}"} if user in IDENTITIES else {}
    response, seconds = await timed(client, "POST", "/api/chat", json={"text": text}, headers=headers)
    if response is not None and response.cookies.get(COOKIE):
        IDENTITIES[user] = response.cookies[COOKIE]  # the server issued this resident its identity
    replies = response.json().get("replies") if response is not None and response.status_code == 200 else None
    ok = bool(replies) and all(r["text"] for r in replies)
    status = response.status_code if response is not None else "connection error"
    tally.record(kind, seconds, ok, f"{user} {text!r} → {status}")
    return "\n".join(r["text"] for r in replies) if ok and replies else ""


async def sender(i: int, client: httpx.AsyncClient, tally: Tally, stop: float, asked: list[str]) -> None:
    """One simulated stream of residents until `stop`."""
    rng = random.Random(i)
    run = uuid.uuid4().hex[:6]
    n = 0
    while time.monotonic() < stop:
        n += 1
        kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        if kind == "chat":
            await chat(client, tally, "chat", f"soak-{run}-{i}-{n // 10}", rng.choice(asked))
        elif kind == "survey":
            user, last = f"soak-survey-{run}-{i}-{n}", ""
            for message in SURVEYS[n % len(SURVEYS)]:
                last = await chat(client, tally, "survey", user, message)
                await asyncio.sleep(THINK)
            if "感谢" in last:
                tally.surveys_done += 1
            else:
                tally.record("survey", 0.0, False, f"{user} did not reach the end: {last[:100]!r}")
        else:
            xml = message_xml(f"o_soak_{run}_{i}_{n // 10}", "text", Content=rng.choice(asked), MsgId=10**9 * i + n)
            response, seconds = await timed(client, "POST", "/wechat", params=signed_query(), content=xml.encode())
            ok = response is not None and response.status_code == 200 and "<Content>" in response.text
            status = response.status_code if response is not None else "connection error"
            tally.record("wechat", seconds, ok, f"→ {status} {response.text[:100] if response is not None else ''}")
        await asyncio.sleep(THINK)


def prepare(db_url: str, data_dir: Path) -> int:
    """Migrate and load the database, add residents and start a web campaign long enough for the run."""
    from bot.config import Settings
    from bot.db import dispose_engines, transaction, utcnow
    from bot.runtime import ensure_ready
    from campaigns import lifecycle
    from campaigns.models import ChannelIdentity, Resident

    factory = ensure_ready(Settings(database_url=db_url, data_dir=data_dir))
    n = int(CAMPAIGN_RATE * DURATION * 1.2) + 10
    now = utcnow()
    with transaction(factory) as session:
        residents = [Resident(created_at=now, last_seen_at=now, push_consent=True, status="active") for _ in range(n)]
        session.add_all(residents)
        session.flush()
        session.add_all(
            ChannelIdentity(resident_id=r.id, channel="web", external_id=f"soak-push-{k}", created_at=now)
            for k, r in enumerate(residents)
        )
        c = lifecycle.create(session, name="浸泡测试", text="6·5 环境日：一起减少一次性用品", now=now, channels=["web"])
        lifecycle.start(session, c, now=now, quiet=None, grace=dt.timedelta(hours=2))
    dispose_engines()
    return n


def db_counts(db_url: str) -> tuple[int, int]:
    """(web pushes written, completed survey responses) so far."""
    from sqlalchemy import func, select

    from bot.db import session_factory, transaction
    from campaigns.models import WebOutbox
    from surveys.models import COMPLETED, SurveyResponse

    with transaction(session_factory(db_url)) as session:
        pushes = session.execute(select(func.count()).select_from(WebOutbox)).scalar_one()
        completed = session.execute(
            select(func.count()).select_from(SurveyResponse).where(SurveyResponse.status == COMPLETED)
        ).scalar_one()
    return int(pushes), int(completed)


async def drive(base: str, pid: int, db_url: str) -> tuple[list[dict[str, float]], Tally]:
    """Run the load and sample every SAMPLE seconds."""
    asked = questions()
    tally = Tally()
    started = time.monotonic()
    stop = started + DURATION
    rows: list[dict[str, float]] = []
    limits = httpx.Limits(max_connections=SENDERS, max_keepalive_connections=SENDERS)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits, cookies=NO_JAR) as client:
        tasks = [asyncio.create_task(sender(i, client, tally, stop, asked)) for i in range(SENDERS)]
        pushes_before, _ = await asyncio.to_thread(db_counts, db_url)
        next_sample = started + SAMPLE
        while time.monotonic() < stop:
            await asyncio.sleep(max(0.0, min(next_sample, stop) - time.monotonic()))
            window, tally.window = tally.window, Window()
            pushes, completed = await asyncio.to_thread(db_counts, db_url)
            span = time.monotonic() - (next_sample - SAMPLE)
            rows.append(
                {
                    "t": time.monotonic() - started,
                    "rss": rss_mb(pid),
                    "requests": len(window.latencies),
                    "rps": len(window.latencies) / span,
                    "p50": percentile(window.latencies, 50),
                    "p99": percentile(window.latencies, 99),
                    "errors": window.errors,
                    "pushes": pushes - pushes_before,
                    "completed": completed,
                }
            )
            pushes_before = pushes
            print_row(rows[-1])
            next_sample += SAMPLE
        await asyncio.gather(*tasks)  # the senders finish the survey or request in hand
    tally.final_pushes, tally.final_completed = await asyncio.to_thread(db_counts, db_url)
    return rows, tally


def print_row(row: dict[str, float]) -> None:
    """One line of the Markdown table."""
    print(
        f"| {row['t']:6.0f} | {row['rss']:7.1f} | {row['requests']:6.0f} | {row['rps']:5.1f} | {row['p50']:7.1f} | "
        f"{row['p99']:7.1f} | {row['errors']:4.0f} | {row['pushes']:6.0f} |",
        flush=True,
    )


def main() -> None:
    """Start the server, soak it, print the table and the summary."""
    folder = Path(tempfile.mkdtemp(prefix="wufei-soak-"))
    pg = os.environ.get("PG")
    db_url = _fresh_pg(pg) if pg else f"sqlite:///{folder / 'soak.db'}"
    try:
        targeted = prepare(db_url, folder)
        port = free_port()
        env = {
            **os.environ,
            "WUFEI_DATABASE_URL": db_url,
            "WUFEI_DATA_DIR": str(folder),
            "WUFEI_PORT": str(port),
            "WUFEI_LOG_LEVEL": "WARNING",
            "WUFEI_WECHAT__TOKEN": TOKEN,
            "WUFEI_WECHAT__APP_ID": APP_ID,
            "WUFEI_CAMPAIGNS__QUIET_HOURS": "off",
            "WUFEI_CAMPAIGNS__TICK_SECONDS": "1",
            "WUFEI_CAMPAIGNS__RATES": f'{{"web": {CAMPAIGN_RATE}}}',
            "WUFEI_CHAT__CLIENT_RATE_PER_MINUTE": "0",  # every simulated resident comes from 127.0.0.1
        }
        log = folder / "serve.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env, stdout=out, stderr=out
            )
        base = f"http://127.0.0.1:{port}"
        try:
            if not wait_healthy(base, timeout=120):
                raise SystemExit(f"server did not start; see {log}")
            machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
            print(f"# soak: {DURATION:g} s on {db_url.split(':')[0]}, {SENDERS} senders (think {THINK:g} s), {machine}")
            print(f"# campaign: {targeted} residents at {CAMPAIGN_RATE:g}/s; server log {log}")
            print()
            print("|  t (s) | RSS MB  |  reqs  | req/s | p50 ms  | p99 ms  | errs | pushes |")
            print("|-------:|--------:|-------:|------:|--------:|--------:|-----:|-------:|")
            rows, tally = asyncio.run(drive(base, server.pid, db_url))
            alive = server.poll() is None
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        summarise(rows, tally, alive)
    finally:
        if pg:
            _drop_pg(pg, db_url)


def summarise(rows: list[dict[str, float]], tally: Tally, alive: bool) -> None:
    """Memory growth, latency drift and errors."""
    if not rows:
        print("no samples: DURATION shorter than SAMPLE?")
        return
    first, last = rows[0], rows[-1]
    growth = last["rss"] - first["rss"]
    print()
    print(
        f"memory: {first['rss']:.1f} MB → {last['rss']:.1f} MB, growth {growth:+.1f} MB ({growth / first['rss']:+.1%})"
    )
    print(
        f"latency drift, first vs last window: p50 {first['p50']:.1f} → {last['p50']:.1f} ms "
        f"({last['p50'] / first['p50']:.2f}×), p99 {first['p99']:.1f} → {last['p99']:.1f} ms "
        f"({last['p99'] / first['p99']:.2f}×)"
    )
    print(f"requests: {tally.requests}, errors: {tally.errors} ({tally.errors / max(tally.requests, 1):.3%})")
    print(
        f"surveys finished by the client: {tally.surveys_done}, completed in the database: {tally.final_completed}; "
        f"campaign pushes: {tally.final_pushes}"
    )
    print(f"server still running at the end: {'yes' if alive else 'NO'}")
    for example in tally.examples:
        print("  error:", example)


def _fresh_pg(server: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"wufei_soak_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _drop_pg(server: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bot.db import dispose_engines

    dispose_engines()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    main()
