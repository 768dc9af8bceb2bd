"""Count what one `/wechat` message costs the database: SQL statements and transactions (commits), and its time.

Runs the real route in process (FastAPI TestClient, signed plaintext XML, one openid per 20 messages, the chat limit
off) and counts with engine event listeners here in the bench, not in the product. Counts do not depend on the
machine's load; the time per message does (state the load with it).

Usage: `python bench/wechat_statements.py [N]` (default 500 messages, fresh SQLite; `DB=postgresql+psycopg://…`).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bot.config import ChatSettings, Settings, WechatSettings  # noqa: E402
from bot.web.app import create_app  # noqa: E402
from tests.support.fake_wechat import APP_ID, TOKEN, message_xml, signed_query  # noqa: E402

QUESTIONS = ["用过的纸巾", "过期药品", "电池", "外卖餐盒", "快递纸箱", "大骨头", "奶茶", "旧衣服", "灯管", "帮助"]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    db = os.environ.get("DB") or f"sqlite:///{tempfile.mkdtemp()}/wechat.db"
    os.environ["WUFEI_CAMPAIGNS__TICK_SECONDS"] = "3600"  # keep the scheduler out of the counts
    wechat = WechatSettings(token=SecretStr(TOKEN), app_id=APP_ID, mode="plaintext")
    settings = Settings(database_url=db, wechat=wechat, chat=ChatSettings(rate_per_minute=0))
    with TestClient(create_app(settings)) as client:

        def post(i: int) -> str:
            xml = message_xml(f"o_{i // 20}", "text", Content=QUESTIONS[i % len(QUESTIONS)], MsgId=i, create_time=i)
            return client.post("/wechat", params=signed_query(), content=xml.encode()).text

        for i in range(20):  # warm-up: knowledge snapshot, jieba, connection pool
            post(10_000_000 + i)
        engine = client.app.state.factory.kw["bind"]  # type: ignore[attr-defined]
        counts = {"statements": 0, "commits": 0}

        kinds: dict[str, int] = {}

        def statement(_conn: object, _cursor: object, sql: str, *_: object) -> None:
            counts["statements"] += 1
            kind = " ".join(sql.split()[:4])[:60]
            kinds[kind] = kinds.get(kind, 0) + 1

        def commit(*_: object) -> None:
            counts["commits"] += 1

        event.listen(engine, "before_cursor_execute", statement)  # round trips (BEGIN/COMMIT not counted here)
        event.listen(engine, "commit", commit)
        answered, start = 0, time.perf_counter()
        for i in range(n):
            answered += "<Content>" in post(i)
        wall = time.perf_counter() - start
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    print(
        f"{n} messages ({answered} answered) in {wall:.2f} s: {1000 * wall / n:.2f} ms per message ({db.split(':')[0]})"
    )
    print(f"{counts['statements'] / n:.2f} SQL statements and {counts['commits'] / n:.2f} commits per message")
    if os.environ.get("SHOW") == "1":  # each statement's first words, per message
        for kind, count in sorted(kinds.items(), key=lambda item: -item[1]):
            print(f"  {count / n:.2f}  {kind}")


if __name__ == "__main__":
    main()
