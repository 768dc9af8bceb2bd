"""Benchmark of the answer core: 10,000 questions in one process.

Prints p50/p99 answer latency, the ratio of total answer time to `jieba.lcut` alone on the same questions,
cold start to first answer (a fresh `wufei ask` process, and in-process snapshot build), and peak RSS.
Usage: python bench/answer_bench.py [--n 10000]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def questions(n: int) -> list[str]:
    """The eval questions, cycled to n."""
    rows: list[str] = []
    for name in ("tricky_questions.tsv", "generated_questions.tsv"):
        path = ROOT / "eval" / name
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                rows.extend(r["question"] for r in csv.DictReader(fh, delimiter="\t"))
    return [rows[i % len(rows)] for i in range(n)]


def cold_start(folder: Path) -> float:
    """Seconds from starting a `wufei ask` process to its first answer, on an initialised database."""
    env = {**os.environ, "WUFEI_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "WUFEI_LOG_LEVEL": "WARNING"}
    cmd = [sys.executable, "-m", "bot.cli", "ask", "纸巾"]
    subprocess.run(cmd, env=env, capture_output=True, check=True, cwd=ROOT)  # first run migrates and loads
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - start)
    return best


def batch_cli(folder: Path, qs: list[str]) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of one `wufei ask --json` process answering all questions from stdin."""
    env = {**os.environ, "WUFEI_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "WUFEI_LOG_LEVEL": "WARNING"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--json"],
        input="\n".join(qs) + "\n",
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - start
    assert len(done.stdout.splitlines()) == len(qs)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def main() -> None:
    """Run and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="wufei-bench-"))

    from bot.config import Settings
    from bot.db import session_factory, transaction
    from bot.runtime import ensure_ready
    from knowledge.service import build_knowledge

    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}", data_dir=folder)
    ensure_ready(settings)
    t0 = time.perf_counter()
    with transaction(session_factory(settings.db_url)) as session:
        kb = build_knowledge(session)
    kb.answer("纸巾")
    snapshot_s = time.perf_counter() - t0

    qs = questions(args.n)
    import jieba

    jieba.initialize()
    for q in qs[:200]:  # warm both paths (the pinyin index is built lazily on the first typo)
        kb.answer(q)
        jieba.lcut(q)

    start = time.perf_counter()
    for q in qs:
        jieba.lcut(q)
    jieba_total = time.perf_counter() - start

    latencies: list[float] = []
    start = time.perf_counter()
    for q in qs:
        t = time.perf_counter_ns()
        kb.answer(q)
        latencies.append((time.perf_counter_ns() - t) / 1e6)
    answer_total = time.perf_counter() - start
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cold = cold_start(folder)
    batch_s, batch_rss = batch_cli(folder, qs)

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"questions: {len(qs)}")
    print(f"answer latency: p50 {p50:.3f} ms  p99 {p99:.3f} ms  max {latencies[-1]:.3f} ms  (goal p99 <= 1 ms)")
    print(
        f"total answer time {answer_total:.3f} s vs jieba.lcut alone {jieba_total:.3f} s: "
        f"ratio {answer_total / jieba_total:.2f}x  (goal <= 5x)"
    )
    print(f"snapshot build + first answer in process: {snapshot_s:.2f} s")
    print(f"cold start, fresh `wufei ask` process to first answer: {cold:.2f} s  (goal <= 3 s)")
    print(f"batch `wufei ask --json` of {len(qs)} lines from stdin: {batch_s:.2f} s wall, peak RSS {batch_rss:.0f} MB")
    print(
        f"peak RSS of this benchmark process (also holds jieba's global dictionary for the baseline): {rss_mb:.0f} MB"
    )
    print("goal: peak RSS <= 300 MB")


if __name__ == "__main__":
    main()
