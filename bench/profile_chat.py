"""Profile the hottest path, one chat message through the dialogue core (matcher, state, database), with pyinstrument.

The HTTP layer is left out (the route runs in a worker thread pyinstrument does not follow); its cost is the ratio to the
bare endpoint in bench/load_bench.py.

Usage: `python bench/profile_chat.py [N]` (default 2,000 messages on a fresh SQLite database; `DB=postgresql+psycopg://…`
for PostgreSQL). Prints the call tree of the slowest parts, the time per message and the SQL statements per message
(counted by an engine event listener here in the bench, not in the product).
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
from pyinstrument import Profiler  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.db import utcnow  # noqa: E402
from bot.dialogue import IncomingMessage  # noqa: E402
from bot.web.app import create_app  # noqa: E402

QUESTIONS = [line.split("\t")[0] for line in (ROOT / "eval/tricky_questions.tsv").read_text("utf-8").splitlines()[1:]]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    db = os.environ.get("DB") or f"sqlite:///{tempfile.mkdtemp()}/profile.db"
    settings = Settings(database_url=db)
    os.environ["WUFEI_CAMPAIGNS__TICK_SECONDS"] = "3600"  # keep the scheduler out of the profile
    with TestClient(create_app(settings)) as client:
        for i in range(20):  # warm-up: knowledge snapshot, jieba, connection pool
            client.post("/api/chat", json={"text": QUESTIONS[i % len(QUESTIONS)]})
        dialogue = client.app.state.dialogue  # type: ignore[attr-defined]
        statements = [0]
        engine = dialogue.factory.kw["bind"]

        def count(*_: object) -> None:
            statements[0] += 1

        event.listen(engine, "before_cursor_execute", count)  # SQL round trips (BEGIN/COMMIT are not counted)
        profiler = Profiler(interval=0.0005)
        start = time.perf_counter()
        profiler.start()
        for i in range(n):
            dialogue.handle(IncomingMessage("web", f"p{i % 200}", QUESTIONS[i % len(QUESTIONS)], utcnow()))
        profiler.stop()
        wall = time.perf_counter() - start
        event.remove(engine, "before_cursor_execute", count)
        shown: list[str] = []

        def show(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            shown.append(" ".join(statement.split())[:160])

        event.listen(engine, "before_cursor_execute", show)  # the statements of one more message of a known resident
        dialogue.handle(IncomingMessage("web", "p0", QUESTIONS[0], utcnow()))
        event.remove(engine, "before_cursor_execute", show)
    print(f"{n} messages in {wall:.2f} s: {1000 * wall / n:.2f} ms per message ({db.split(':')[0]})")
    print(f"{statements[0] / n:.2f} SQL statements per message (200 residents, each asked about {n // 200} times)")
    print("statements of one message of a known resident:", *shown, sep="\n  ")
    print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=True))


if __name__ == "__main__":
    main()
