"""Keep webhook credentials out of access logs: signature, nonce, timestamp, echostr and openid values are masked.

uvicorn's access log prints each request's path with its query string. WeChat signs with (timestamp, nonce) in
that query string, so a log line reader could replay a plaintext signature; openid names a resident. The filter
rewrites the values in the record's arguments before any handler formats them. Headers (Telegram's secret token)
are never logged by uvicorn, and no code of ours logs them.
"""

from __future__ import annotations

import logging
import re

SENSITIVE = ("signature", "msg_signature", "timestamp", "nonce", "echostr", "openid")
_QUERY_VALUE = re.compile(r"(?<=[?&;])(" + "|".join(SENSITIVE) + r")=[^&;\s\"]*", re.IGNORECASE)
MASK = "***"
LOGGERS = ("uvicorn.access",)


def redact(text: str) -> str:
    """`text` with the values of the sensitive query parameters masked."""
    return _QUERY_VALUE.sub(lambda m: f"{m.group(1)}={MASK}", text) if "=" in text else text


class RedactQuery(logging.Filter):
    """Masks sensitive query values in a record's message and string arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; always keep it."""
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """Attach the filter to uvicorn's access logger once (idempotent; uvicorn's dictConfig keeps logger filters)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQuery) for f in logger.filters):
            logger.addFilter(RedactQuery())
