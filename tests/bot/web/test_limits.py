"""Request bodies are capped while they stream in (chunked or not), and /metrics, the docs and /api/indicators are
public only by setting."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.types import Message, Receive, Scope, Send

from bot.config import CampaignSettings, Settings
from bot.db import session_factory
from bot.web.app import create_app
from bot.web.limits import BodyLimit
from tests.support.admin import csrf_of, make_staff
from tests.support.processes import ROOT
from tests.support.server import free_port, wait_healthy

KiB, MiB = 1024, 1024 * 1024
LOCAL = ("127.0.0.1", 50000)  # a TestClient that looks like a request made on the server itself
REASON = "请求体过大（上限 64 KiB）"


def chunks(total: int, size: int = 64 * KiB) -> Iterator[bytes]:
    """`total` bytes in pieces of `size`, made as they are sent: an httpx body without Content-Length (chunked)."""
    piece = b"x" * size
    sent = 0
    while sent < total:
        yield piece
        sent += size


# --- the middleware on its own --------------------------------------------------------------------------------------


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Read the whole body and answer its length."""
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def call(path: str, pieces: list[int], headers: list[tuple[bytes, bytes]] | None = None) -> tuple[int, bytes, int]:
    """Send a body of `pieces` (sizes) through BodyLimit(echo); the status, the answer and how many pieces were read."""
    pulled = 0
    answer: list[Message] = []

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        if pulled > len(pieces):
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": b"x" * pieces[pulled - 1], "more_body": pulled < len(pieces)}

    async def send(message: Message) -> None:
        answer.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": headers or []}
    asyncio.run(BodyLimit(echo)(scope, receive, send))
    return answer[0]["status"], b"".join(m.get("body", b"") for m in answer[1:]), pulled


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_cap() -> None:
    status, body, pulled = call("/api/chat", [16 * KiB] * 640)  # 10 MiB, no Content-Length
    assert status == 413 and REASON in body.decode()
    assert pulled == 5  # 80 KiB read, then refused: the other 9.9 MiB never leave the socket


def test_a_content_length_that_lies_is_no_way_around_the_cap() -> None:
    status, body, pulled = call("/survey/public", [16 * KiB] * 64, [(b"content-length", b"10")])
    assert status == 413 and REASON in body.decode() and pulled == 5


@pytest.mark.parametrize(
    ("length", "status", "reason"),
    [(b"10485760", 413, REASON), (b"abc", 400, "Content-Length 无效"), (b"-1", 400, "Content-Length 无效")],
)
def test_a_declared_oversize_or_malformed_length_is_refused_before_reading(
    length: bytes, status: int, reason: str
) -> None:
    got, body, pulled = call("/api/chat", [16 * KiB], [(b"content-length", length)])
    assert got == status and reason in body.decode() and pulled == 0


def test_only_the_upload_routes_get_the_larger_cap() -> None:
    assert call("/api/admin/surveys/public/import", [64 * KiB] * 32)[:2] == (200, str(2 * MiB).encode())
    assert call("/admin/plans/upload", [64 * KiB] * 32)[:2] == (200, str(2 * MiB).encode())
    status, body, _ = call("/api/admin/plans", [MiB] * 9)
    assert status == 413 and "上限 8 MiB" in body.decode()
    for path in ("/admin/login", "/api/admin/users", "/admin/plans/upload/x"):  # anyone may post to the login form
        status, body, _ = call(path, [16 * KiB] * 5)
        assert status == 413 and REASON in body.decode(), path
    assert call("/api/chat", [32 * KiB, 32 * KiB])[:2] == (200, str(64 * KiB).encode())  # exactly the cap is fine


def test_a_refusal_wrapped_in_a_task_group_is_still_a_413() -> None:
    async def grouped(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await echo(scope, receive, send)
        except Exception as exc:
            raise ExceptionGroup("task group", [exc]) from None

    answer: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"x" * (65 * KiB), "more_body": True}

    async def send(message: Message) -> None:
        answer.append(message)

    asyncio.run(BodyLimit(grouped)({"type": "http", "path": "/api/chat", "headers": []}, receive, send))
    assert answer[0]["status"] == 413


# --- the application ------------------------------------------------------------------------------------------------


@pytest.fixture
def quiet(settings: Settings) -> Settings:
    """No scheduler: nothing but these requests in the counters."""
    return settings.model_copy(update={"campaigns": CampaignSettings(scheduler=False)})


@pytest.fixture
def client(quiet: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(quiet)) as c:
        yield c


def test_chunked_bodies_to_chat_and_the_survey_form_get_413_with_a_reason(client: TestClient) -> None:
    for path, kind in (("/api/chat", "application/json"), ("/survey/public", "application/x-www-form-urlencoded")):
        r = client.post(path, content=chunks(10 * MiB), headers={"content-type": kind})
        assert r.status_code == 413 and r.json() == {"detail": REASON}, path
    metrics = TestClient(client.app, client=LOCAL).get("/metrics").text
    assert 'wufei_http_requests_total{method="POST",route="/api/chat",status="413"} 1.0' in metrics
    assert 'wufei_http_requests_total{method="POST",route="/survey/{survey_id}",status="413"} 1.0' in metrics


def test_an_oversize_console_upload_gets_the_console_error_page(client: TestClient, quiet: Settings) -> None:
    staff = make_staff(session_factory(quiet.db_url), "上传员", "staff")
    token = csrf_of(client.get("/admin/login").text)
    form = {"name": staff.name, "password": staff.password, "csrf_token": token}
    login = client.post("/admin/login", data=form, follow_redirects=False)
    assert login.status_code == 303 and login.headers["location"] == "/admin", login.headers
    streamed = client.post(
        "/admin/plans/upload", content=chunks(9 * MiB), headers={"content-type": "multipart/form-data; boundary=b"}
    )
    declared = client.post("/admin/plans/upload", content=b"x" * (9 * MiB))
    for r in (streamed, declared):
        assert r.status_code == 413 and "<html" in r.text and "文件过大" in r.text and "上限 8 MiB" in r.text


def test_an_upload_route_without_a_live_login_keeps_the_small_cap(client: TestClient, quiet: Settings) -> None:
    kind = {"content-type": "multipart/form-data; boundary=b"}
    for headers in ({}, {"authorization": "Bearer wf_not-a-token"}, {"cookie": "wufei_admin=forged"}):
        r = client.post("/api/admin/plans", content=chunks(9 * MiB), headers={**kind, **headers})
        assert r.status_code == 413 and REASON in r.text, headers  # the 64 KiB cap, not the uploads' 8 MiB
        small = client.post("/api/admin/plans", content=b"--b--", headers={**kind, **headers})
        assert small.status_code == 401, headers  # a small body reaches the route, which asks for a login
    staff = make_staff(session_factory(quiet.db_url), "接口员", "staff")
    r = client.post("/api/admin/plans", content=chunks(2 * MiB), headers={**kind, **staff.headers})
    assert r.status_code != 413, r.text  # a live token gets the upload cap (the body itself is not a plan: 4xx)


def test_a_two_mib_plan_with_a_picture_still_uploads(client: TestClient, quiet: Settings, tmp_path: Path) -> None:
    import docx
    from PIL import Image

    picture = tmp_path / "photo.png"
    Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3)).save(picture)  # noise: does not compress
    document = docx.Document()
    for line in ("新郑市无废城市建设示范工作实施方案", "一、主要目标", "到2025年，快递绿色包装使用率达到95%。"):
        document.add_paragraph(line)
    document.add_picture(str(picture))
    buffer = io.BytesIO()
    document.save(buffer)
    assert 64 * KiB * 25 < len(buffer.getvalue()) < 2 * MiB  # far over the 64 KiB of other routes
    staff = make_staff(session_factory(quiet.db_url), "方案员", "staff")
    r = client.post(
        "/api/admin/plans",
        files={"file": ("带图方案.docx", buffer.getvalue(), "application/octet-stream")},
        params={"city": "测试市"},
        headers=staff.headers,
    )
    assert r.status_code == 201, r.text


# --- a real server: memory while a chunked body streams in ----------------------------------------------------------


@contextmanager
def wufei_serve(settings: Settings, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`wufei serve` in its own process (its memory is what we measure); waits up to 3 minutes on a busy machine."""
    port = free_port()
    env = {**os.environ, "WUFEI_DATABASE_URL": settings.db_url, "WUFEI_DATA_DIR": str(settings.data_dir),
           "WUFEI_PORT": str(port), "WUFEI_LOG_LEVEL": "WARNING", "WUFEI_CAMPAIGNS__SCHEDULER": "false"}  # fmt: skip
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_healthy(base, timeout=180), log.read_text(errors="replace")[-2000:]
        yield proc, base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _status(pid: int, field: str) -> int:
    """A VmRSS/VmHWM figure of a process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_a_chunked_10_mib_body_costs_the_server_no_memory(settings: Settings, tmp_path: Path) -> None:
    with wufei_serve(settings, tmp_path / "serve.log") as (proc, base), httpx.Client(timeout=60) as http:
        http.post(base + "/api/chat", json={"user": "warm", "text": "电池"})  # first request: lazy imports
        http.post(base + "/survey/public", data={"publicity": "aware"})
        for path in ("/api/chat", "/survey/public"):
            Path(f"/proc/{proc.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS now
            before = _status(proc.pid, "VmRSS")
            r = http.post(base + path, content=chunks(10 * MiB), headers={"content-type": "application/json"})
            growth = _status(proc.pid, "VmHWM") - before
            assert r.status_code == 413 and r.json() == {"detail": REASON}, path
            assert growth < 20 * 1000 * 1000, f"{path}: peak RSS grew by {growth / 1e6:.1f} MB"
        assert http.get(base + "/healthz").status_code == 200


# --- public or not ---------------------------------------------------------------------------------------------------

PRIVATE = ("/metrics", "/docs", "/redoc", "/openapi.json", "/api/indicators")


def test_metrics_docs_and_indicators_are_private_by_default(client: TestClient) -> None:
    for path in PRIVATE:
        r = client.get(path)  # TestClient's address is "testclient": not this machine
        assert r.status_code == 403 and "未公开" in r.json()["detail"], path
        assert TestClient(client.app, client=LOCAL).get(path).status_code == 200, path
    forwarded = TestClient(client.app, client=LOCAL).get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert forwarded.status_code == 403  # came through the proxy on someone else's behalf
    assert "WUFEI_PUBLIC_INDICATORS" in client.get("/api/indicators").json()["detail"]
    assert client.get("/healthz").status_code == 200 and client.get("/").status_code == 200


def test_each_route_can_be_made_public_and_metrics_read_with_a_token(quiet: Settings) -> None:
    opened = quiet.model_copy(
        update={"public_docs": True, "public_indicators": True, "metrics_token": SecretStr("s3cret")}
    )
    with TestClient(create_app(opened)) as c:
        for path in ("/docs", "/openapi.json", "/api/indicators"):
            assert c.get(path).status_code == 200, path
        assert c.get("/metrics").status_code == 403
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert c.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    with TestClient(create_app(quiet.model_copy(update={"public_metrics": True}))) as c:
        assert c.get("/metrics").status_code == 200
        assert c.get("/docs").status_code == 403
