"""Fault: PostgreSQL restarted (and stopped for a while) under chat and survey traffic on a real `wufei serve`.

A throwaway cluster (initdb + pg_ctl into a temporary folder, a free port, run as the `postgres` user when we are
root; the system cluster is never touched) serves one `wufei serve`. Client threads post questions and the public
survey's answers to /api/chat; in the middle the cluster gets `pg_ctl restart -m fast`, later `pg_ctl stop -m fast`,
a few seconds down, and `start`. Recorded: every response the clients saw during each phase, how long until the
first good answer after each event, and — afterwards — whether everything acknowledged is in the database.
An "acknowledged" message is a 200 whose reply is not the polite error; a client resends anything else.
Usage: python bench/faults/postgres_restart.py [--clients 6] [--down 5]
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faultkit
import httpx
from sqlalchemy import func, select

from bot import texts
from bot.db import dispose_engine, session_factory, transaction
from bot.models import ChatLog
from bot.web.resident.identity import COOKIE
from campaigns.models import ChannelIdentity
from surveys.flow import answers_of
from surveys.models import SurveyResponse

SURVEY = ["问卷", "2", "1，3", "比较满意了", "和庄镇", "30–44岁", "居民", "多设几个回收点"]
EXPECTED = {
    "publicity": ["aware"],
    "participation": ["sorting", "reuse"],
    "satisfaction": ["fairly_satisfied"],
    "township": ["xz_hezhuang"],
    "age_band": ["a30_44"],
    "identity": ["resident"],
    "comment": ["多设几个回收点"],
}
QUESTIONS = ["电池扔哪个桶", "用过的纸巾是什么垃圾", "过期药品怎么扔", "新郑市无废城市建设目标是什么", "旧衣服怎么处理"]


def pg_bin(name: str) -> str:
    """A PostgreSQL server program from /usr/lib/postgresql/*/bin (newest) or PATH."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} not found")
    return path


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary folder on a free port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "pgdata"
        self.port = faultkit.free_port()
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    def run(self, *args: str) -> None:
        """Run a server program (as `postgres` when we are root)."""
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def init(self) -> None:
        """initdb with trust authentication for local connections."""
        self.folder.chmod(0o755)
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self.run(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")

    def ctl(self, *action: str) -> float:
        """pg_ctl with our port and socket folder; returns the seconds it took."""
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        t0 = time.monotonic()
        self.run(pg_ctl(), "-D", str(self.data), "-w", "-l", str(self.folder / "pg.log"), "-o", opts, *action)
        return time.monotonic() - t0

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the `postgres` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


def pg_ctl() -> str:
    """The pg_ctl program."""
    return pg_bin("pg_ctl")


@contextmanager
def cluster() -> Iterator[Cluster]:
    """A started throwaway cluster, stopped and deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="wufei-pg-") as tmp:
        c = Cluster(Path(tmp))
        c.init()
        c.ctl("start")
        try:
            yield c
        finally:
            with suppress(subprocess.CalledProcessError):
                c.ctl("stop", "-m", "immediate")


@dataclass
class Seen:
    """What one request got back."""

    at: float
    user: str
    text: str
    status: str  # "200 ok", "200 polite error", "503 {...}", "conn refused" …
    ack: bool
    seconds: float


@dataclass
class Traffic:
    """Client threads and what they saw."""

    base: str
    seen: list[Seen] = field(default_factory=list)
    acked: Counter[str] = field(default_factory=Counter)  # user → acknowledged messages
    survey_acked: Counter[str] = field(default_factory=Counter)  # user → acknowledged survey answers (not "问卷")
    cookies: dict[str, str] = field(default_factory=dict)  # user → the identity cookie the server issued it
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def post(self, client: httpx.Client, user: str, text: str) -> bool:
        """One message; True when acknowledged."""
        t0 = time.monotonic()
        try:
            client.cookies.clear()  # one client per worker thread; each user sends its own cookie
            known = {"cookie": f"{COOKIE}={self.cookies[user]}"} if user in self.cookies else {}
            r = client.post(self.base + "/api/chat", json={"text": text}, headers=known, timeout=15)
            if r.cookies.get(COOKIE):
                with self.lock:
                    self.cookies[user] = r.cookies[COOKIE]
            body = r.text
            if r.status_code == 200:
                replies = [x["text"] for x in r.json()["replies"]]
                ack = texts.INTERNAL_ERROR not in replies
                status = "200 ok" if ack else f"200 polite error {replies}"
            else:
                ack = False
                status = f"{r.status_code} {r.headers.get('content-type', '')} {body[:120]!r}"
        except httpx.HTTPError as exc:
            ack, status = False, type(exc).__name__
        with self.lock:
            self.seen.append(Seen(time.time(), user, text, status, ack, time.monotonic() - t0))
            if ack:
                self.acked[user] += 1
        return ack

    def say(self, client: httpx.Client, user: str, text: str) -> bool:
        """Send until acknowledged (a resident repeats a message the bot did not take); False when stopping."""
        while not self.stop.is_set():
            if self.post(client, user, text):
                return True
            time.sleep(0.2)
        return False

    def surveys(self, worker: int) -> None:
        """Residents taking the public survey, one after another."""
        with httpx.Client() as client:
            k = 0
            while not self.stop.is_set():
                user = f"s{worker}-{k}"
                for step, text in enumerate(SURVEY):
                    if not self.say(client, user, text):
                        return
                    if step:
                        with self.lock:
                            self.survey_acked[user] += 1
                k += 1

    def inbox(self) -> None:
        """The web chat page polling for pushes (a read that does not go through the dialogue)."""
        with httpx.Client() as client:
            while not self.stop.is_set():
                t0 = time.monotonic()
                try:
                    with self.lock:
                        known = {"cookie": f"{COOKIE}={self.cookies['q1']}"} if "q1" in self.cookies else {}
                    if not known:  # q1 has not been answered yet: no identity to poll with
                        time.sleep(0.25)
                        continue
                    r = client.get(self.base + "/api/chat/inbox", headers=known, timeout=15)
                    status = f"inbox {r.status_code} {r.text[:80]}" if r.status_code != 200 else "inbox 200"
                except httpx.HTTPError as exc:
                    status = f"inbox {type(exc).__name__}"
                with self.lock:
                    self.seen.append(Seen(time.time(), "inbox", "", status, False, time.monotonic() - t0))
                time.sleep(0.25)

    def questions(self, worker: int) -> None:
        """A resident asking sorting and policy questions."""
        with httpx.Client() as client:
            i = 0
            while not self.stop.is_set():
                self.post(client, f"q{worker}", QUESTIONS[i % len(QUESTIONS)])
                i += 1
                time.sleep(0.05)


def summarise(seen: list[Seen], start: float, end: float) -> str:
    """Counts of what clients saw between two instants."""
    counts = Counter(s.status for s in seen if start <= s.at < end)
    return ", ".join(f"{n}× {k}" for k, n in counts.most_common()) or "nothing"


def recovered_after(seen: list[Seen], instant: float) -> float | None:
    """Seconds from `instant` until the first acknowledged request sent after it."""
    times = [s.at for s in seen if s.ack and s.at - s.seconds >= instant]
    return min(times) - instant if times else None


def check_database(url: str, traffic: Traffic) -> tuple[int, int, int]:
    """(acknowledged messages missing from the chat log, acknowledged survey answers missing, wrong answers)."""
    factory = session_factory(url)
    lost_chat = lost_answers = wrong = 0
    with transaction(factory) as session:
        logged = dict(
            session.execute(
                select(ChannelIdentity.external_id, func.count())
                .join(ChatLog, ChatLog.resident_id == ChannelIdentity.resident_id)
                .where(ChannelIdentity.channel == "web")
                .group_by(ChannelIdentity.external_id)
            ).all()
        )
        ids = {user: cookie.split(".")[0] for user, cookie in traffic.cookies.items()}
        for user, n in traffic.acked.items():
            lost_chat += max(0, n - int(logged.get(ids.get(user, ""), 0)))
        for user, n in traffic.survey_acked.items():
            resident = session.execute(
                select(ChannelIdentity.resident_id).where(
                    ChannelIdentity.channel == "web", ChannelIdentity.external_id == ids[user]
                )
            ).scalar_one()
            response = session.execute(
                select(SurveyResponse).where(SurveyResponse.resident_id == resident)
            ).scalar_one_or_none()
            stored = answers_of(session, response) if response is not None else {}
            lost_answers += max(0, n - len(stored))
            wrong += sum(1 for k, v in stored.items() if EXPECTED.get(k) != v)
    dispose_engine(url)
    return lost_chat, lost_answers, wrong


def main() -> int:
    """Run traffic, restart and stop/start the cluster, check the database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=6, help="half take the survey, half ask questions")
    parser.add_argument("--down", type=float, default=5.0, help="seconds the cluster stays stopped")
    args = parser.parse_args()
    with cluster() as pg, tempfile.TemporaryDirectory(prefix="wufei-fault-") as tmp:
        print(f"throwaway cluster on port {pg.port} in {pg.folder} (as postgres user: {pg.as_postgres})")
        with faultkit.postgres_database(pg.url) as (url, _):
            env = {
                "WUFEI_CAMPAIGNS__TICK_SECONDS": "1",
                "WUFEI_CHAT__RATE_PER_MINUTE": "0",  # no chat rate limits: the clients send faster than residents
                "WUFEI_CHAT__CLIENT_RATE_PER_MINUTE": "0",
            }
            server = faultkit.Server(url, Path(tmp), env=env)
            server.start()
            traffic = Traffic(server.base)
            workers = [
                threading.Thread(target=traffic.surveys if i % 2 == 0 else traffic.questions, args=(i,))
                for i in range(args.clients)
            ]
            workers.append(threading.Thread(target=traffic.inbox))
            t_begin = time.time()
            for w in workers:
                w.start()
            time.sleep(4)
            t_restart = time.time()
            restart_took = pg.ctl("restart", "-m", "fast")
            t_restarted = time.time()
            time.sleep(6)
            t_stop = time.time()
            pg.ctl("stop", "-m", "fast")
            time.sleep(args.down)
            t_start = time.time()
            pg.ctl("start")
            time.sleep(8)
            t_end = time.time()
            traffic.stop.set()
            for w in workers:
                w.join(timeout=30)
            health = httpx.get(server.base + "/healthz", timeout=5)
            server.stop()
            log = (Path(tmp) / "serve.log").read_text(errors="replace")
            lost_chat, lost_answers, wrong = check_database(url, traffic)
    seen = traffic.seen
    print(f"before:                       {summarise(seen, t_begin, t_restart)}")
    print(f"restart -m fast ({restart_took:.1f} s):       {summarise(seen, t_restart, t_restarted + 1)}")
    print(f"after the restart:            {summarise(seen, t_restarted + 1, t_stop)}")
    print(f"stopped {args.down:.0f} s:                   {summarise(seen, t_stop, t_start)}")
    print(f"after start:                  {summarise(seen, t_start, t_end + 30)}")
    r1, r2 = recovered_after(seen, t_restarted), recovered_after(seen, t_start)
    print(f"first acknowledged answer after the restart: {r1 if r1 is None else round(r1, 2)} s;"
          f" after the start: {r2 if r2 is None else round(r2, 2)} s")  # fmt: skip
    slow = max((s.seconds for s in seen), default=0.0)
    print(f"slowest request {slow:.2f} s; /healthz at the end: {health.status_code} {health.text}")
    tracebacks = log.count("Traceback")
    print(f"server log: {tracebacks} tracebacks, {log.count('OperationalError')} mentions of OperationalError")
    acked = sum(traffic.acked.values())
    completed = sum(1 for n in traffic.survey_acked.values() if n == len(SURVEY) - 1)
    print(
        f"acknowledged {acked} messages ({sum(traffic.survey_acked.values())} survey answers, {completed} surveys"
        f" completed); lost from the chat log {lost_chat}; survey answers lost {lost_answers}; wrong {wrong}"
    )
    raw = [s for s in seen if s.status.startswith("500") or "Traceback" in s.status]
    ok = lost_chat == 0 and lost_answers == 0 and wrong == 0 and r1 is not None and r2 is not None and not raw
    ok = ok and health.status_code == 200
    return faultkit.verdict(
        ok,
        f"PostgreSQL restart and {args.down:.0f} s stop under traffic: {len(raw)} raw 500s, recovered in"
        f" {r1 if r1 is None else round(r1, 1)} s / {r2 if r2 is None else round(r2, 1)} s,"
        f" {lost_chat + lost_answers} acknowledged messages lost",
    )


if __name__ == "__main__":
    raise SystemExit(main())
