"""Benchmark of the answer core and of the cold start of `wufei ask`.

Answer core: 10,000 questions in one process; the ratio of the answer core's CPU time to `jieba.lcut` alone (jieba's
global dictionary, HMM on) on the same questions, measured in alternating rounds (jieba, answers, jieba, answers …)
and quoted as the median round, so that load from other processes hits both alike; p50/p99 latency of one round.
Cold start: a fresh `python -m bot.cli ask QUESTION` process against a process that only imports jieba and segments
the same question, alternating, each figure the median of several runs (CPU seconds of the child process from
`wait4`, and wall seconds); once with the on-disk knowledge snapshot warm (the steady state of a data folder) and once
with an empty cache folder per run (every run builds the knowledge). Peak RSS of the `ask` processes and of one batch
`wufei ask --json` process answering all questions from stdin.
Usage: python bench/answer_bench.py [--n 10000] [--rounds 5] [--runs 7]
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
QUESTION = "电池是什么垃圾"


def questions(n: int) -> list[str]:
    """The eval questions, cycled to n."""
    rows: list[str] = []
    for name in ("tricky_questions.tsv", "generated_questions.tsv"):
        path = ROOT / "eval" / name
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                rows.extend(r["question"] for r in csv.DictReader(fh, delimiter="\t"))
    return [rows[i % len(rows)] for i in range(n)]


def run_child(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds, peak RSS (MB) and stdout of one child, reaped here with wait4."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as feed:
        feed.write(stdin or "")
        feed.seek(0)
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdin=feed, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} exited {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def cold_start(folder: Path, runs: int, *, warm: bool) -> dict[str, float]:
    """Medians of `wufei ask` against the jieba-only process, alternating; with or without the snapshot cache."""
    env = {**os.environ, "WUFEI_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "WUFEI_LOG_LEVEL": "WARNING"}
    ask = [sys.executable, "-m", "bot.cli", "ask", QUESTION]
    bare = [sys.executable, "-c", f"import jieba; jieba.lcut({QUESTION!r})"]
    cache = folder / "cache"
    ask_env = {**env, "WUFEI_CACHE_DIR": str(cache)}
    if warm:
        for _ in range(2):  # the first run marks the knowledge as seen, the second writes the snapshot
            run_child(ask, ask_env)
    a_wall, a_cpu, a_rss, b_wall, b_cpu, ratios_cpu, ratios_wall = [], [], [], [], [], [], []
    for i in range(runs):
        if not warm:
            ask_env = {**env, "WUFEI_CACHE_DIR": str(folder / f"cold-{i}")}
        w, c, r, _ = run_child(ask, ask_env)
        bw, bc, _, _ = run_child(bare, env)
        a_wall.append(w)
        a_cpu.append(c)
        a_rss.append(r)
        b_wall.append(bw)
        b_cpu.append(bc)
        ratios_cpu.append(c / bc)
        ratios_wall.append(w / bw)
    med = statistics.median
    return {
        "ask_cpu": med(a_cpu),
        "ask_wall": med(a_wall),
        "ask_rss": max(a_rss),
        "bare_cpu": med(b_cpu),
        "bare_wall": med(b_wall),
        "ratio_cpu": med(ratios_cpu),
        "ratio_wall": med(ratios_wall),
    }


def main() -> None:
    """Run and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="wufei-bench-"))
    os.environ["WUFEI_CACHE_DIR"] = str(folder / "inproc-cache")  # this process builds; its children use cache/

    qs = questions(args.n)
    # the child processes first: a child's peak RSS as the kernel reports it starts from this process's size at fork
    db_env = {**os.environ, "WUFEI_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "WUFEI_LOG_LEVEL": "WARNING"}
    run_child([sys.executable, "-m", "bot.cli", "init"], db_env)
    warm = cold_start(folder, args.runs, warm=True)
    cold = cold_start(folder, max(3, args.runs // 2), warm=False)
    batch_env = {**os.environ, "WUFEI_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "WUFEI_LOG_LEVEL": "WARNING"}
    batch_env["WUFEI_CACHE_DIR"] = str(folder / "cache")
    batch_wall, _, batch_rss, out = run_child(
        [sys.executable, "-m", "bot.cli", "ask", "--json"], batch_env, stdin="\n".join(qs) + "\n"
    )
    assert len(out.splitlines()) == len(qs)
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

    import jieba

    jieba.initialize()
    for q in qs[:200]:  # warm both paths (the pinyin index is built lazily on the first typo)
        kb.answer(q)
        jieba.lcut(q)

    ratios: list[float] = []
    latencies: list[float] = []
    for round_ in range(args.rounds):
        start = time.process_time()
        for q in qs:
            jieba.lcut(q)
        jieba_cpu = time.process_time() - start
        start = time.process_time()
        if round_ == 0:
            for q in qs:
                t = time.perf_counter_ns()
                kb.answer(q)
                latencies.append((time.perf_counter_ns() - t) / 1e6)
        else:
            for q in qs:
                kb.answer(q)
        answer_cpu = time.process_time() - start
        ratios.append(answer_cpu / jieba_cpu)
        print(f"round {round_ + 1}: jieba.lcut {jieba_cpu:.3f} s, answers {answer_cpu:.3f} s CPU: {ratios[-1]:.2f}x")
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f", load average {os.getloadavg()[0]:.1f} at the end"
    )
    print(f"questions: {len(qs)}")
    print(f"answer latency (round 1): p50 {p50:.3f} ms  p99 {p99:.3f} ms  max {latencies[-1]:.3f} ms")
    print(
        f"answer core CPU time / jieba.lcut CPU time: median {statistics.median(ratios):.2f}x of {len(ratios)} rounds"
        f" (min {min(ratios):.2f}x, max {max(ratios):.2f}x; goal <= 2x)"
    )
    print(f"knowledge build + first answer in this process: {snapshot_s:.2f} s")
    for label, fig in (("snapshot cache warm", warm), ("no snapshot (built every run)", cold)):
        print(
            f"cold start `ask` vs jieba-only process, {label}: CPU {fig['ask_cpu']:.2f} s vs {fig['bare_cpu']:.2f} s"
            f" (ratio median {fig['ratio_cpu']:.2f}x), wall {fig['ask_wall']:.2f} s vs {fig['bare_wall']:.2f} s"
            f" (ratio median {fig['ratio_wall']:.2f}x); peak RSS of `ask` {fig['ask_rss']:.0f} MB"
        )
    print(
        f"batch `wufei ask --json` of {len(qs)} lines from stdin: {batch_wall:.2f} s wall, peak RSS {batch_rss:.0f} MB"
    )
    print(f"peak RSS of this benchmark process (also holds jieba's global dictionary): {rss_mb:.0f} MB")
    print("goals: answer core <= 2x jieba.lcut; cold start <= 1.4x the jieba-only process; peak RSS <= 250 MB")


if __name__ == "__main__":
    main()
