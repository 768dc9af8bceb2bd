"""Shared pieces of the fault scripts: throwaway databases, a real `wufei serve` subprocess, verdicts."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.db import dispose_engine  # noqa: E402
from bot.runtime import ensure_ready  # noqa: E402

PG_ENV = "WUFEI_TEST_POSTGRES_URL"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def sqlite_database() -> Iterator[tuple[str, Path]]:
    """A migrated SQLite database in a temporary folder: (url, data_dir)."""
    with tempfile.TemporaryDirectory(prefix="wufei-fault-") as tmp:
        data = Path(tmp)
        url = f"sqlite:///{data / 'wufei.db'}"
        ensure_ready(Settings(database_url=url, data_dir=data))
        dispose_engine(url)
        yield url, data


@contextlib.contextmanager
def postgres_database(server_url: str) -> Iterator[tuple[str, Path]]:
    """A new migrated database on the server of `server_url` (never the database named there), dropped afterwards."""
    name = f"wufei_fault_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)  # survives a restart
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory(prefix="wufei-fault-") as tmp:
            ensure_ready(Settings(database_url=url, data_dir=Path(tmp)))
            dispose_engine(url)
            yield url, Path(tmp)
    finally:
        dispose_engine(url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def databases() -> list[tuple[str, Callable[[], contextlib.AbstractContextManager[tuple[str, Path]]]]]:
    """SQLite always, PostgreSQL when WUFEI_TEST_POSTGRES_URL is set."""
    out: list[tuple[str, Callable[[], contextlib.AbstractContextManager[tuple[str, Path]]]]] = [
        ("sqlite", sqlite_database)
    ]
    pg = os.environ.get(PG_ENV)
    if pg:
        out.append(("postgresql", lambda: postgres_database(pg)))
    return out


@dataclass
class Server:
    """One `wufei serve` subprocess on a free port, its output appended to `log`."""

    url: str
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    log: Path | None = None
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0
    preexec: Callable[[], None] | None = None  # run in the child before exec (resource limits, signals)

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 60.0) -> float:
        """Start and wait for /healthz; returns the seconds it took."""
        self.port = free_port()
        env = {
            **os.environ,
            "WUFEI_DATABASE_URL": self.url,
            "WUFEI_DATA_DIR": str(self.data_dir),
            "WUFEI_PORT": str(self.port),
            "WUFEI_LOG_LEVEL": "WARNING",
            **self.env,
        }
        log = self.log or self.data_dir / "serve.log"
        t0 = time.monotonic()
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=out,
                preexec_fn=self.preexec,
            )
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                break
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - t0
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not start: {log.read_text(errors='replace')[-3000:]}")

    def kill9(self) -> None:
        """SIGKILL, no clean-up of any kind."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 20 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wait_for(condition: Callable[[], bool], *, timeout: float = 90.0, every: float = 0.1) -> bool:
    """Poll `condition` until true (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def verdict(ok: bool, message: str) -> int:
    """Print the one-line verdict; the exit status to return."""
    print(("PASS: " if ok else "FAIL: ") + message, flush=True)
    return 0 if ok else 1
