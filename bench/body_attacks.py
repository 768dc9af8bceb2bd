"""Attacks on request bodies and uploaded files, measured: status, seconds and memory of the process under attack.

A chunked body (no Content-Length) of --mib MiB to /api/chat and /survey/public of a real `wufei serve` (peak RSS
growth of the server while it streams), and a 400 KB .xlsx / .docx that inflate to 100 MB of XML fed to
`wufei survey import` and `wufei kb ingest` (wall time and peak RSS, killed after --timeout seconds).
--src runs another checkout (e.g. an export of the commit before the fix) with this virtualenv.

Usage: python bench/body_attacks.py [--src DIR] [--mib 100] [--timeout 400] [--only server|files]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.bombs import docx_bomb, xlsx_bomb  # noqa: E402
from tests.support.server import free_port, wait_healthy  # noqa: E402

MiB = 1024 * 1024


def chunks(total: int, size: int = 64 * 1024) -> object:
    """The body, made while it is sent."""
    piece = b"x" * size
    for _ in range(total // size):
        yield piece


def status_field(pid: int, field: str) -> int:
    """VmRSS / VmHWM in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def server_attacks(src: Path, data: Path, mib: int) -> None:
    """Chunked bodies against a real server; prints one line per route."""
    port = free_port()
    env = {**os.environ, "WUFEI_DATA_DIR": str(data), "WUFEI_PORT": str(port), "WUFEI_LOG_LEVEL": "WARNING",
           "WUFEI_CAMPAIGNS__SCHEDULER": "false"}  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=src, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_healthy(base, timeout=300):
            raise SystemExit("server did not start")
        with httpx.Client(timeout=600) as http:
            http.post(base + "/api/chat", json={"user": "warm", "text": "电池"})
            http.post(base + "/survey/public", data={"publicity": "aware"})
            for path in ("/api/chat", "/survey/public"):
                Path(f"/proc/{proc.pid}/clear_refs").write_text("5")
                before = status_field(proc.pid, "VmRSS")
                start = time.perf_counter()
                try:
                    r = http.post(base + path, content=chunks(mib * MiB), headers={"content-type": "application/json"})
                    outcome = str(r.status_code)
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                took = time.perf_counter() - start
                peak = status_field(proc.pid, "VmHWM") - before
                held = status_field(proc.pid, "VmRSS") - before
                print(f"chunked {mib} MiB → {path}: {outcome} in {took:.2f} s; server peak RSS +{peak / 1e6:.0f} MB, "
                      f"held after +{held / 1e6:.0f} MB")  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def file_attacks(src: Path, data: Path, timeout: float) -> None:
    """Bomb files through the CLI; prints one line per file."""
    env = {**os.environ, "WUFEI_DATA_DIR": str(data), "WUFEI_LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "bot.cli", "init"], cwd=src, env=env, check=True, capture_output=True)
    header = ["publicity", "satisfaction", "township"]
    xlsx = xlsx_bomb(data / "bomb.xlsx", header, ["aware", "satisfied", "xz_hezhuang"])
    docx = docx_bomb(data / "bomb.docx")
    for path, argv in ((xlsx, ["survey", "import", "public"]), (docx, ["kb", "ingest"])):
        command = ["/usr/bin/time", "-f", "%M", "timeout", str(timeout), sys.executable, "-m", "bot.cli", *argv]
        start = time.perf_counter()
        done = subprocess.run([*command, str(path)], cwd=src, env=env, capture_output=True, text=True)
        took = time.perf_counter() - start
        lines = done.stderr.strip().splitlines()
        peak_kib = int(lines[-1]) if lines and lines[-1].isdigit() else 0
        said = next((line for line in reversed(lines[:-1]) if "错误" in line), lines[-2] if len(lines) > 1 else "")
        outcome = "killed at the time limit" if done.returncode == 124 else f"exit {done.returncode}"
        print(f"{path.name} ({path.stat().st_size / 1e3:.0f} KB) → wufei {' '.join(argv)}: {outcome} in {took:.1f} s, "
              f"peak RSS {peak_kib / 1e3:.0f} MB; {said[:120]}")  # fmt: skip


def main() -> None:
    """Run the attacks against --src."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", type=Path, default=ROOT)
    parser.add_argument("--mib", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=400)
    parser.add_argument("--only", choices=["server", "files"], default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wufei-attacks-") as tmp:
        if args.only in (None, "server"):
            (Path(tmp) / "server").mkdir()
            server_attacks(args.src.resolve(), Path(tmp) / "server", args.mib)
        if args.only in (None, "files"):
            (Path(tmp) / "files").mkdir()
            file_attacks(args.src.resolve(), Path(tmp) / "files", args.timeout)


if __name__ == "__main__":
    main()
