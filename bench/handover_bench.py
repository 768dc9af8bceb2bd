"""What the 人工客服 handover costs per chat message: the dialogue core with and without its two steps, same run.

The handover adds a regex on every text message (the request words) and one indexed SELECT of the resident's open
conversation after every knowledge answer (plus one chat-log read when the answer is unknown). This measures
`Dialogue.handle` over the eval's tricky questions from 200 residents, with the steps in place and with them replaced by
no-ops (the baseline), alternating, and reports the median of the rounds and the ratio. One open conversation in ten
residents, so some answers also get the waiting line.

Usage: `python bench/handover_bench.py [N] [ROUNDS]` (default 1,000 messages, 5 rounds, fresh SQLite; `DB=postgresql+psycopg://…`
for PostgreSQL, an empty database). Load: one thread, no HTTP.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from bot import handover, hooks  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import utcnow  # noqa: E402
from bot.dialogue import IncomingMessage  # noqa: E402
from bot.web.app import create_app  # noqa: E402

QUESTIONS = [line.split("\t")[0] for line in (ROOT / "eval/tricky_questions.tsv").read_text("utf-8").splitlines()[1:]]


def run(dialogue: Any, n: int, offset: int) -> float:
    """Seconds for n messages."""
    start = time.perf_counter()
    for i in range(n):
        q = QUESTIONS[(i + offset) % len(QUESTIONS)]
        dialogue.handle(IncomingMessage("web", f"h{i % 200}", q, utcnow()))
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    db = os.environ.get("DB") or f"sqlite:///{tempfile.mkdtemp()}/handover.db"
    os.environ["WUFEI_CAMPAIGNS__TICK_SECONDS"] = "3600"
    settings = Settings(database_url=db)
    settings = settings.model_copy(
        update={"chat": settings.chat.model_copy(update={"rate_per_minute": 0})}
    )  # the rate limit would silence the 200 residents
    real_after, real_hooks = handover.after_answer, hooks.before_knowledge
    without = [h for h in real_hooks() if h is not handover.handover_hook]
    with TestClient(create_app(settings)) as client:
        dialogue = client.app.state.dialogue  # type: ignore[attr-defined]
        for i in range(0, 200, 10):  # one resident in ten waits for a person
            dialogue.handle(IncomingMessage("web", f"h{i}", "转人工", utcnow()))
        run(dialogue, 200, 0)  # warm-up
        timings: dict[str, list[float]] = {"baseline": [], "handover": []}
        for r in range(rounds):
            for name in ("baseline", "handover") if r % 2 == 0 else ("handover", "baseline"):
                if name == "baseline":
                    handover.after_answer = lambda turn, answer: answer  # type: ignore[assignment]
                    hooks.before_knowledge = lambda: without  # type: ignore[assignment]
                else:
                    handover.after_answer, hooks.before_knowledge = real_after, real_hooks  # type: ignore[assignment]
                timings[name].append(run(dialogue, n, r * n))
        handover.after_answer, hooks.before_knowledge = real_after, real_hooks  # type: ignore[assignment]
    base, with_it = statistics.median(timings["baseline"]), statistics.median(timings["handover"])
    print(f"{db.split(':')[0]}: {n} messages x {rounds} rounds, median")
    print(f"  baseline  {1000 * base / n:.3f} ms/message")
    print(f"  handover  {1000 * with_it / n:.3f} ms/message")
    print(f"  ratio     {with_it / base:.3f}")


if __name__ == "__main__":
    main()
