"""`make bench`: re-measure every speed goal of issue #18 that has a quick benchmark and print one table of ratios.

Each row runs one of the benchmark scripts below as a child process (the same script and arguments the table names,
so a figure can be re-run alone), reads the ratio it prints and compares it with the goal. The chat and WeChat rows
run `--runs` times (default 3) and report the median with every run in brackets; the answer bench has its own
alternating rounds; fan-out and the Telegram loop run once (100,000 recipients take minutes). The load average is
printed before and after each row: the machine is shared, so read the ratios, not the seconds.

PostgreSQL rows need a server URL (`--pg`, default the `PG` variable, else the local test server if it answers);
without one they are skipped and say so. What this does not re-run (minutes to hours each): several processes
(`bench/processes_bench.py`), cost against database size (`bench/scaling_bench.py`) and the kill tests
(`bench/faults/`); BENCHMARKS.md gives their commands.

    .venv/bin/python bench/goals.py [--runs 3] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--quick]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serving import drop_pg, fresh_pg, load_average  # noqa: E402

PY = sys.executable
LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Row:
    """One goal: what was measured, the figures of every run, and the goal as a comparison."""

    goal: str
    command: str
    unit: str  # "×" (a ratio) or "ms" or "/s"
    target: float
    at_most: bool = True
    runs: list[float] = field(default_factory=list)
    note: str = ""

    def median(self) -> float | None:
        """The median of the runs (None when nothing was measured)."""
        return statistics.median(self.runs) if self.runs else None

    def verdict(self) -> str:
        """met / not met / not measured."""
        m = self.median()
        if m is None:
            return "not measured"
        return "met" if (m <= self.target if self.at_most else m >= self.target) else "**not met**"

    def cells(self) -> list[str]:
        """The Markdown cells of this row."""
        m = self.median()
        fmt = "{:.2f}" if self.unit == "×" else "{:.1f}"
        figure = "–" if m is None else (fmt.format(m) + self.unit)
        if len(self.runs) > 1:
            figure += " (" + " / ".join(fmt.format(r) for r in self.runs) + ")"
        sign = "≤" if self.at_most else "≥"
        return [self.goal, f"{sign}{self.target:g}{self.unit}", figure, self.verdict(), f"`{self.command}`", self.note]


def run(command: list[str], env: dict[str, str] | None = None, timeout: float = 1800) -> str:
    """Run one benchmark script from the repository root; its stdout (a failure exits with its stderr)."""
    started = time.monotonic()
    print(f"  running {' '.join(command)} (load {load_average()})", file=sys.stderr, flush=True)
    done = subprocess.run(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    print(f"    {time.monotonic() - started:.0f} s, load after {load_average()}", file=sys.stderr, flush=True)
    return done.stdout


def grab(pattern: str, text: str) -> float:
    """The first number `pattern` captures in `text` (exits naming the pattern when the script printed no match)."""
    found = re.search(pattern, text)
    if found is None:
        sys.exit(f"no figure matching {pattern!r} in:\n{text[-2000:]}")
    return float(found.group(1))


def load_rows(text: str, db: str) -> dict[int, list[str]]:
    """The Markdown rows bench/load_bench.py printed for `db`, by sender count."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 11 and cells[0] == db and cells[1] == "1":
            rows[int(cells[2])] = cells
    return rows


def answer_core(rows: dict[str, Row], quick: bool) -> None:
    """Answer core ÷ jieba.lcut, cold start ÷ the jieba-only process, peak RSS (bench/answer_bench.py)."""
    args = ["--n", "10000", "--rounds", "3" if quick else "5", "--runs", "3" if quick else "5"]
    out = run([PY, "bench/answer_bench.py", *args])
    rows["core"].runs.append(grab(r"median ([\d.]+)x of \d+ rounds", out))
    rows["cold"].runs.append(grab(r"snapshot cache warm: .*?ratio median ([\d.]+)x\), wall", out))
    rss = [grab(r"snapshot cache warm: .*peak RSS of `ask` (\d+) MB", out)]
    rss.append(grab(r"batch `wufei ask --json` .* peak RSS (\d+) MB", out))
    rows["rss"].runs.append(max(rss))


def chat(rows: dict[str, Row], pg: str | None, duration: float) -> None:
    """`/api/chat` at 1 and 10 senders, one worker, against the bare endpoint, SQLite then PostgreSQL if given
    (bench/load_bench.py)."""
    env = {"SENDERS": "1,10", "WORKERS": "1", "DURATION": f"{duration:g}", "PG": pg or ""}
    out = run([PY, "bench/load_bench.py"], env)
    for db in ("sqlite", "postgres") if pg else ("sqlite",):
        found = load_rows(out, db)
        rows[f"chat1-{db}"].runs.append(float(found[1][10].rstrip("×")))
        rows[f"chat10-{db}"].runs.append(float(found[10][5]))


def wechat(rows: dict[str, Row], encrypted: bool) -> None:
    """`/wechat`, one sender, against the bare fixed-XML endpoint (bench/wechat_bench.py)."""
    env = {"SENDERS": "1", "PER": "300", "THINK": "0", "ENCRYPTED": "1" if encrypted else ""}
    out = run([PY, "bench/wechat_bench.py"], env)
    rows["wechat-enc" if encrypted else "wechat"].runs.append(grab(r"cost ([\d.]+)x bare", out))


def fanout(rows: dict[str, Row], pg: str) -> None:
    """Ledger materialisation and the web outbox at 100,000 recipients ÷ a bulk insert (bench/campaigns_bench.py)."""
    url = fresh_pg(pg)
    try:
        out = run([PY, "bench/campaigns_bench.py", "--n", "100000", "--url", url, "--skip-noop"])
    finally:
        drop_pg(pg, url)
    for key, line in (("materialise", r"materialise \(INSERT … SELECT\):"), ("outbox", r"web outbox sender")):
        rows[key].runs.append(grab(line + r".*?([\d.]+)× the bare floor", out))
        indexed = grab(line + r".*?([\d.]+)× the indexed floor", out)
        rows[key].note = f"÷ the indexed floor (the ledger's own keys and indexes): {indexed:.2f}×"


def telegram_loop(rows: dict[str, Row]) -> None:
    """Telegram's configured 30/s reached while WeChat answers in 1 s (bench/channel_loops_bench.py)."""
    out = run([PY, "bench/channel_loops_bench.py", "--telegram", "300", "--rate", "30"])
    rows["telegram"].runs.append(grab(r"= ([\d.]+)/s \(configured", out))


def pg_reachable(url: str) -> bool:
    """True when a PostgreSQL server answers at `url`."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def goals() -> dict[str, Row]:
    """Every goal this script measures, in the order of the table."""
    chat = "SENDERS=1,10 WORKERS=1 DURATION={d} PG=… python bench/load_bench.py"
    rows = {
        "core": Row("answer core ÷ bare `jieba.lcut`, 10,000 questions", "python bench/answer_bench.py", "×", 2.0),
        "cold": Row("cold start of `wufei ask` ÷ a jieba-only process (CPU, snapshot warm)", "(same run)", "×", 1.4),
        "rss": Row("peak RSS of `wufei ask` (one question, and a batch of 10,000)", "(same run)", " MB", 250),
        "chat1-sqlite": Row("`/api/chat`, SQLite, 1 sender: bare ÷ app req/s", chat, "×", 2.5),
        "chat10-sqlite": Row("`/api/chat`, SQLite, 10 senders: app p99", "(same run)", " ms", 150),
        "chat1-postgres": Row("`/api/chat`, PostgreSQL, 1 sender: bare ÷ app req/s", "(same run)", "×", 2.5),
        "chat10-postgres": Row("`/api/chat`, PostgreSQL, 10 senders: app p99", "(same run)", " ms", 150),
        "wechat": Row(
            "`/wechat`, SQLite, 1 sender, signed plaintext: bare ÷ app msgs/s",
            "SENDERS=1 PER=300 THINK=0 python bench/wechat_bench.py",
            "×",
            2.5,
        ),
        "wechat-enc": Row(
            "`/wechat`, SQLite, 1 sender, encrypted (安全 mode): bare ÷ app msgs/s",
            "SENDERS=1 PER=300 THINK=0 ENCRYPTED=1 python bench/wechat_bench.py",
            "×",
            2.5,
        ),
        "materialise": Row(
            "fan-out, PostgreSQL, 100,000 recipients: ledger materialised ÷ bulk insert (bare floor)",
            "python bench/campaigns_bench.py --n 100000 --url <fresh db> --skip-noop",
            "×",
            2.0,
        ),
        "outbox": Row("fan-out, same run: web outbox send ÷ bulk insert (bare floor)", "(same run)", "×", 3.0),
        "telegram": Row(
            "Telegram send loop against the local fake Bot API while WeChat takes 1 s a send",
            "python bench/channel_loops_bench.py --telegram 300 --rate 30",
            "/s",
            28.5,
            at_most=False,
            note="configured 30/s; first to last arrival, (n−1) ÷ span; met at ≥95% of it",
        ),
    }
    return rows


def main() -> int:
    """Measure, then print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="runs of the chat and WeChat rows (median reported)")
    parser.add_argument("--pg", default=os.environ.get("PG"), help="PostgreSQL server URL for the PostgreSQL rows")
    parser.add_argument("--quick", action="store_true", help="shorter points (5 s) and fewer answer rounds")
    args = parser.parse_args()
    pg = args.pg or (LOCAL_PG if pg_reachable(LOCAL_PG) else None)
    duration = 5.0 if args.quick else 8.0
    rows = goals()
    rows["chat1-sqlite"].command = rows["chat1-sqlite"].command.format(d=f"{duration:g}")
    started, load_before = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load_average()
    answer_core(rows, args.quick)
    for _ in range(args.runs):  # interleaved, so a load swing hits every row alike
        chat(rows, pg, duration)
        wechat(rows, encrypted=False)
        wechat(rows, encrypted=True)
    if pg:
        fanout(rows, pg)
    else:
        for key in ("chat1-postgres", "chat10-postgres", "materialise", "outbox"):
            rows[key].note = "skipped: no PostgreSQL server (set PG or --pg)"
    telegram_loop(rows)
    print(f"# make bench: {started}, {os.cpu_count()} cores, load average {load_before} before, {load_average()} after")
    print()
    print("| goal (issue #18) | goal | median (runs) | verdict | script | note |")
    print("|---|---|---|---|---|---|")
    for row in rows.values():
        print("| " + " | ".join(row.cells()) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
