"""What every channel shares: the outbound Sender interface and its result.

Inbound, a channel adapter turns a platform message into `bot.dialogue.IncomingMessage` and renders the
`list[Reply]` it gets back. Outbound (campaign pushes, late replies), it implements `Sender`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send attempt.

    ok: delivered to the platform. retry_after: seconds to wait before trying again (rate limit, transient error).
    unreachable: the recipient can never be reached this way (blocked, never started, outside the platform's
    window); `reason` says why in a form staff can read; `provider_id` is the platform's message id.
    outage: the platform could not be reached or failed (network, 5xx, token or whitelist errors), as opposed to flow
    control (rate limits, quotas); a run of outages pauses the campaign instead of retrying forever.
    unconfirmed: the request reached the platform but its answer did not come back in time (a read timeout): it may
    well have been delivered, so it is never retried (a retry could push it twice); the ledger records it as such.
    """

    ok: bool
    reason: str = ""
    retry_after: float | None = None
    unreachable: bool = False
    provider_id: str | None = None
    outage: bool = False
    unconfirmed: bool = False


class Sender(Protocol):
    """Sends a text to one channel identity; implementations respect the platform's rules and rate limits."""

    channel: str

    def send(self, external_id: str, text: str, *, now: dt.datetime) -> SendResult:
        """Try to deliver `text` to `external_id`; never raises for platform errors, returns them instead."""
