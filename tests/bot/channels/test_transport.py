"""Which failed HTTP calls may have reached the platform (never retried) and which sent nothing (safe to retry)."""

from __future__ import annotations

import httpx
import pytest
import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from bot.channels.transport import maybe_sent_httpx, maybe_sent_requests, timed_out_httpx, timed_out_requests

REQ = httpx.Request("POST", "http://127.0.0.1/botT/sendMessage")


@pytest.mark.parametrize(
    ("exc", "maybe"),
    [
        (httpx.ConnectError("refused", request=REQ), False),
        (httpx.ConnectTimeout("slow handshake", request=REQ), False),
        (httpx.PoolTimeout("no free connection", request=REQ), False),
        (httpx.ReadTimeout("no answer", request=REQ), True),
        (httpx.WriteTimeout("half written", request=REQ), True),
        (httpx.ReadError("reset", request=REQ), True),
        (httpx.WriteError("broken pipe", request=REQ), True),
        (httpx.RemoteProtocolError("closed without answer", request=REQ), True),
        (RuntimeError("unknown"), True),  # not known to be safe: counted as maybe sent
    ],
)
def test_httpx_errors(exc: BaseException, maybe: bool) -> None:
    assert maybe_sent_httpx(exc) is maybe


def test_only_timeouts_are_described_as_timeouts() -> None:
    assert timed_out_httpx(httpx.ReadTimeout("x", request=REQ))
    assert not timed_out_httpx(httpx.RemoteProtocolError("x", request=REQ))


def _gave_up(reason: Exception) -> requests.ConnectionError:
    return requests.ConnectionError(MaxRetryError(None, "/cgi-bin/message/custom/send", reason))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "maybe"),
    [
        (_gave_up(NewConnectionError(None, "Connection refused")), False),  # type: ignore[arg-type]
        (_gave_up(NameResolutionError("api.weixin.qq.com", None, OSError("no name"))), False),  # type: ignore[arg-type]
        (requests.ConnectTimeout(_gave_up(ConnectTimeoutError())), False),
        (requests.exceptions.InvalidURL("bad"), False),
        (requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError())), True),
        (requests.ConnectionError(ProtocolError("Connection aborted.", OSError("closed"))), True),
        (requests.exceptions.ChunkedEncodingError(ProtocolError("IncompleteRead")), True),
        (requests.ReadTimeout("no answer"), True),
        (requests.ConnectionError(ReadTimeoutError(None, "/x", "read timed out")), True),  # type: ignore[arg-type]
        (requests.exceptions.SSLError(_gave_up(OSError("tls"))), True),  # handshake or mid-stream: cannot tell
    ],
)
def test_requests_errors(exc: requests.RequestException, maybe: bool) -> None:
    assert maybe_sent_requests(exc) is maybe


def test_a_read_timeout_inside_a_connection_error_is_a_timeout() -> None:
    assert timed_out_requests(requests.ConnectionError(ReadTimeoutError(None, "/x", "t")))  # type: ignore[arg-type]
    assert not timed_out_requests(requests.ConnectionError(ProtocolError("Connection aborted.", OSError())))
