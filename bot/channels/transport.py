"""Whether a failed HTTP call may have reached the platform: the line between a safe retry and a double push.

Nothing was sent when no connection was ever open (refused, unreachable host, name not resolved, connect timeout,
no pooled connection free, a proxy that refused the tunnel) or the request could not even be built. Once a
connection was open and the request was being written, the platform may have received it whole and acted on it,
whatever happened next: the answer timed out, the connection was reset or closed before or during the answer, a
write failed part-way. Those are "maybe sent" and never retried automatically (the platforms' push APIs take no
idempotency key). An error not recognised as one of the safe kinds counts as maybe sent.
"""

from __future__ import annotations

import httpx
import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError, ReadTimeoutError
from urllib3.exceptions import ProxyError as Urllib3ProxyError

# httpx (python-telegram-bot): raised before any byte of the request left
HTTPX_NOTHING_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.InvalidURL,
)
# requests (wechatpy): the request was never built
REQUESTS_NOT_BUILT = (
    requests.URLRequired,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidHeader,
    requests.exceptions.InvalidJSONError,
)


def maybe_sent_httpx(exc: BaseException | None) -> bool:
    """True unless the httpx error shows the request never left (a connection that never opened, no pool slot)."""
    return not isinstance(exc, HTTPX_NOTHING_SENT)


def maybe_sent_requests(exc: requests.RequestException) -> bool:
    """True unless the requests error shows the request never left (refused, unresolved, connect timeout)."""
    if isinstance(exc, (requests.ConnectTimeout, *REQUESTS_NOT_BUILT)):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):  # urllib3 gave up on the connection before sending (no retries set)
            reason = reason.reason
        return not isinstance(reason, (NewConnectionError, ConnectTimeoutError, Urllib3ProxyError))
    return True


def timed_out_httpx(exc: BaseException | None) -> bool:
    """The answer (or the rest of the request) did not come in time, as opposed to a broken connection."""
    return isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout))


def timed_out_requests(exc: requests.RequestException) -> bool:
    """The answer did not come in time (requests wraps a timeout while reading the body as a ConnectionError)."""
    if isinstance(exc, requests.ReadTimeout):
        return True
    return isinstance(exc, requests.ConnectionError) and any(isinstance(a, ReadTimeoutError) for a in exc.args)
