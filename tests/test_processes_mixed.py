"""Three `wufei serve` processes on one PostgreSQL, all at once: residents chatting over /api/chat (round-robin over
the three), some taking the `public` survey to the end in chat, and a web campaign sending. Afterwards: every chat
request got a 200 with a reply, every finished survey has exactly one completed response with exactly the expected
answers, every targeted resident got exactly one push, and exactly one process held the scheduler's lock throughout.
"""

from __future__ import annotations

import csv
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import transaction
from bot.web.resident.identity import COOKIE
from campaigns.models import ChannelIdentity
from surveys.flow import answers_of
from surveys.models import COMPLETED, SurveyResponse
from tests.support.processes import (
    LEADERS,
    ROOT,
    assert_exactly_once,
    delivery_count,
    outbox_count,
    serve,
    start_campaign,
    wait_for,
)

PUSHED = 300  # residents the campaign targets; 3 processes x 3 per second keep it sending through the chat
CHATTERS = 24
QUESTIONS_EACH = 8
# (messages, expected answers) — the dialogs of tests/surveys/test_chat_flow.py
SURVEYS = [
    (
        ["问卷", "2", "1，3", "比较满意了", "和庄镇", "30–44岁", "居民", "多设几个回收点"],
        {
            "publicity": ["aware"],
            "participation": ["sorting", "reuse"],
            "satisfaction": ["fairly_satisfied"],
            "township": ["xz_hezhuang"],
            "age_band": ["a30_44"],
            "identity": ["resident"],
            "comment": ["多设几个回收点"],
        },
    ),
    (
        ["满意度", "没听说过", "都没有", "还行吧", "新密·青屏街道", "5", "学生", "跳过"],
        {
            "publicity": ["none"],
            "participation": ["none"],
            "satisfaction": ["neutral"],
            "township": ["xm_qingping"],
            "age_band": ["a60p"],
            "identity": ["student"],
        },
    ),
]
SURVEY_TAKERS = 12


def questions() -> list[str]:
    """Sorting, policy and small-talk questions from the tricky evaluation set (no commands)."""
    with (ROOT / "eval" / "tricky_questions.tsv").open(encoding="utf-8") as f:
        return [row["question"] for row in csv.DictReader(f, delimiter="\t") if row["expected"] != "command"]


def survey_results(factory: sessionmaker[Session], user: str) -> list[tuple[str, dict[str, list[str]]]]:
    """(status, answers) of every survey response of web user `user`."""
    with transaction(factory) as session:
        rows = (
            session.execute(
                select(SurveyResponse)
                .join(ChannelIdentity, ChannelIdentity.resident_id == SurveyResponse.resident_id)
                .where(ChannelIdentity.channel == "web", ChannelIdentity.external_id == user)
            )
            .scalars()
            .all()
        )
        return [(r.status, answers_of(session, r)) for r in rows]


def test_three_processes_chat_survey_and_campaign_at_once(
    factory: sessionmaker[Session], settings: Settings, db_url: str, tmp_path: Path
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes need PostgreSQL")
    asked = questions()
    log = tmp_path / "serve.log"
    one_client = {"WUFEI_CHAT__CLIENT_RATE_PER_MINUTE": "0"}  # every resident here comes from 127.0.0.1
    with (
        serve(settings, rate=3, log=log, **one_client) as (_p1, base1),
        serve(settings, rate=3, log=log, **one_client) as (_p2, base2),
        serve(settings, rate=3, log=log, **one_client) as (_p3, base3),
    ):
        bases = itertools.cycle([base1, base2, base3])
        lock = threading.Lock()
        failures: list[str] = []
        requests = 0
        web_ids: dict[str, str] = {}  # resident name → the identity the server issued (its cookie, one client each)

        def chat(client: httpx.Client, user: str, said: str) -> str:
            nonlocal requests
            with lock:
                base = next(bases)
                requests += 1
            try:
                r = client.post(base + "/api/chat", json={"text": said}, timeout=60)
            except httpx.HTTPError as exc:
                failures.append(f"{user} {said!r}: {exc!r}")
                return ""
            issued = client.cookies.get(COOKIE)
            if issued:
                web_ids[user] = issued.split(".")[0]
            replies = r.json().get("replies") if r.status_code == 200 else None
            if not replies or not all(reply["text"] for reply in replies):
                failures.append(f"{user} {said!r} via {base}: {r.status_code} {r.text[:200]}")
                return ""
            return "\n".join(reply["text"] for reply in replies)

        def chatter(i: int) -> Callable[[httpx.Client], None]:
            def run(client: httpx.Client) -> None:
                for k in range(QUESTIONS_EACH):
                    chat(client, f"chat{i}", asked[(i * QUESTIONS_EACH + k) % len(asked)])

            return run

        def survey_taker(i: int) -> Callable[[httpx.Client], None]:
            def run(client: httpx.Client) -> None:
                said, _expected = SURVEYS[i % len(SURVEYS)]
                last = ""
                for message in said:  # one resident answers one question after the other
                    last = chat(client, f"survey{i}", message)
                if "感谢" not in last:
                    failures.append(f"survey{i} did not reach the end: {last[:200]!r}")

            return run

        start_campaign(factory, PUSHED)  # all three are up before there is anything to send
        wait_for(lambda: delivery_count(factory) == PUSHED)  # the audience is fixed before anyone else chats
        # and sending has begun: the chat (a few seconds) must overlap the sending, not end before its first tick
        wait_for(lambda: outbox_count(factory) > 0)
        jobs = [survey_taker(i) for i in range(SURVEY_TAKERS)] + [chatter(i) for i in range(CHATTERS)]
        leaders_seen: list[int] = []
        sent_before = outbox_count(factory)

        def own_client(job: Callable[[httpx.Client], None]) -> None:
            with httpx.Client() as client:  # one browser per resident: its cookie jar holds its identity
                job(client)

        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(own_client, job) for job in jobs]
            while not all(f.done() for f in futures):
                with transaction(factory) as session:
                    leaders_seen.append(int(session.execute(LEADERS).scalar_one()))
                wait(futures, timeout=1)
            for f in futures:
                f.result()
        sent_after = outbox_count(factory)
        wait_for(lambda: outbox_count(factory) >= PUSHED, timeout=180)
        time.sleep(1.5)  # a late duplicate would show up now
        with transaction(factory) as session:
            leaders_seen.append(int(session.execute(LEADERS).scalar_one()))

    print(
        f"\n{requests} chat requests; pushes {sent_before} → {sent_after} while chatting; leader samples {leaders_seen}"
    )
    assert not failures, "\n".join(failures[:20])
    assert requests == SURVEY_TAKERS * len(SURVEYS[0][0]) + CHATTERS * QUESTIONS_EACH
    assert sent_before < PUSHED and sent_after > sent_before, "the campaign must be sending while residents chat"
    assert set(leaders_seen) == {1}
    assert_exactly_once(factory, PUSHED)
    for i in range(SURVEY_TAKERS):
        expected = [(COMPLETED, SURVEYS[i % len(SURVEYS)][1])]
        assert survey_results(factory, web_ids[f"survey{i}"]) == expected, f"survey{i}"
    for i in range(CHATTERS):
        assert survey_results(factory, web_ids[f"chat{i}"]) == []
