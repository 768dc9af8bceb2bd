"""The sender loop: claim ledger rows, send through the channel's Sender within its rate, record each outcome.

Senders plug in by channel name (a mapping channel → Sender, built by the application). A sender that can
write inside our transaction (`send_in`, e.g. the web outbox) gets exactly-once delivery: the message and the
`sent` mark commit together. For a platform API the outcome is committed right after each call, so a crash can
repeat at most the one message that was in flight (the platform accepted it, our commit did not happen). A call
whose answer timed out after it was written (`unconfirmed`) is recorded sent-unconfirmed and never retried, as the
platform may have accepted it: a retry there would be a second copy without any crash.

Claims carry a short lease that a heartbeat thread renews while the claiming process is alive, however slow the
platform; every loop hands back rows whose lease ran out (their process was killed), so they are taken over
within about a lease, by any process. `run_once(channels=[…])` lets each channel have a loop of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, NamedTuple, Protocol, cast, runtime_checkable

from sqlalchemy import Connection, Engine, update
from sqlalchemy.orm import Session, sessionmaker

from campaigns import content, ledger, links, templates
from campaigns.models import Campaign
from campaigns.residents import mark_unreachable
from campaigns.schedule import QuietHours
from campaigns.texts import TEST_PREFIX

log = logging.getLogger(__name__)
# where "unreachable" is for good (Telegram: blocked or never started); WeChat's closed 48 h window is not
PERMANENT_UNREACHABLE = frozenset({"telegram"})


class SendResultLike(Protocol):
    """bot.channels.base.SendResult, seen structurally (the domain does not import channel code)."""

    ok: bool
    reason: str
    retry_after: float | None
    unreachable: bool
    provider_id: str | None


class SenderLike(Protocol):
    """bot.channels.base.Sender, seen structurally."""

    channel: str

    def send(self, external_id: str, text: str, *, now: dt.datetime) -> Any:
        """Deliver one text; returns a SendResult."""


class TemplateSenderLike(Protocol):
    """The WeChat sender, which also takes a template message (`templates.render` output)."""

    def send(self, external_id: str, text: str, *, now: dt.datetime, template: Mapping[str, Any] | None = None) -> Any:
        """Deliver one text, or the template message when one is given; returns a SendResult."""


def _send(sender: SenderLike, channel: str, external_id: str, text: str, *, now: dt.datetime, template: Any) -> Any:
    """Call the sender; only WeChat gets the template keyword (other senders do not take it)."""
    if channel == "wechat" and template is not None:
        return cast(TemplateSenderLike, sender).send(external_id, text, now=now, template=template)
    return sender.send(external_id, text, now=now)


@runtime_checkable
class TransactionalSender(Protocol):
    """A sender that writes into our database, inside the caller's transaction (exactly-once)."""

    channel: str

    def send_in(
        self, session: Session, *, delivery_id: int | None, external_id: str, text: str, now: dt.datetime
    ) -> Any:
        """Store the message in `session`; returns a SendResult."""


class OutboxMessage(NamedTuple):
    """One push for a transactional sender's batch."""

    delivery_id: int | None
    external_id: str
    text: str
    now: dt.datetime


class BatchSender(Protocol):
    """A transactional sender that can also store a whole batch at once (one multi-row INSERT)."""

    def send_many_in(self, session: Session, messages: Sequence[OutboxMessage]) -> list[Any]:
        """Store the messages in `session`; one SendResult per message, in order."""


class RateLimiter:
    """Spaces sends on one channel to at most `rate` per second in this process; honours platform back-offs."""

    def __init__(self, rate: float, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.sleep = sleep
        self.next_at = 0.0
        self.blocked_until: dt.datetime | None = None
        self.lock = threading.Lock()

    def wait(self, sends: int = 1) -> None:
        """Block until the next send (or the next `sends` sends, back to back) may go."""
        with self.lock:
            now = time.monotonic()
            at = max(self.next_at, now)
            self.next_at = at + self.interval * sends
        if at > now:
            self.sleep(at - now)

    def block(self, until: dt.datetime) -> None:
        """The platform asked us to wait until `until`."""
        with self.lock:
            if self.blocked_until is None or until > self.blocked_until:
                self.blocked_until = until

    def blocked(self, now: dt.datetime) -> bool:
        """True while a platform back-off is in force."""
        return self.blocked_until is not None and now < self.blocked_until


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 60 s, 120 s … capped at an hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


class Heartbeat:
    """Renews the lease of the claims this process is still sending, every third of the lease, in a thread."""

    def __init__(self, factory: sessionmaker[Session], lease: dt.timedelta, clock: Callable[[], dt.datetime]) -> None:
        self.factory = factory
        self.lease = lease
        self.clock = clock
        self.tokens: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def hold(self, token: str) -> None:
        """Keep renewing `token`'s rows until `drop`; starts the thread on first use."""
        with self.lock:
            self.tokens[token] += 1
            if self.thread is None or not self.thread.is_alive():
                self.stopped.clear()
                self.thread = threading.Thread(target=self._run, name="delivery-heartbeat", daemon=True)
                self.thread.start()

    def drop(self, token: str) -> None:
        """`token`'s rows are all settled."""
        with self.lock:
            self.tokens[token] -= 1
            if self.tokens[token] <= 0:
                del self.tokens[token]

    def held(self) -> list[str]:
        """The claims being sent right now."""
        with self.lock:
            return list(self.tokens)

    def beat(self) -> int:
        """Renew the leases now; returns how many rows."""
        with self.lock:
            tokens = list(self.tokens)
        if not tokens:
            return 0
        with self.factory() as session, session.begin():
            return ledger.renew(session, tokens=tokens, now=self.clock(), lease=self.lease)

    def close(self) -> None:
        """Stop the thread (the process is stopping)."""
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None

    def _run(self) -> None:
        while not self.stopped.wait(max(self.lease.total_seconds() / 3, 0.05)):
            try:
                self.beat()
            except Exception:  # the database is briefly away: the lease has two more thirds to go
                log.warning("delivery heartbeat failed", exc_info=True)


class DeliveryLoop:
    """Claims small batches and sends them; safe to run in several processes, and in one thread per channel."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        senders: Mapping[str, SenderLike],
        *,
        worker: str,
        clock: Callable[[], dt.datetime],
        batch_size: int = 100,
        lease: dt.timedelta = dt.timedelta(seconds=15),
        max_attempts: int = 5,
        pause_after: int = 20,
        rates: Mapping[str, float] | None = None,
        quiet: QuietHours | None = None,
        sleep: Callable[[float], None] = time.sleep,
        link_base: str = "",
    ) -> None:
        self.factory = factory
        self.link_base = link_base  # public address for tracked links; "" leaves links as written
        self.senders = dict(senders)
        self.worker = worker
        self.clock = clock
        self.batch_size = batch_size
        self.lease = lease
        self.max_attempts = max_attempts
        self.pause_after = pause_after
        self.quiet = quiet
        self.limiters = {c: RateLimiter((rates or {}).get(c, 0.0), sleep=sleep) for c in self.senders}
        # decided once per sender: a runtime-checkable isinstance per row cost 18% of the web sender's time
        self.transactional = {c: isinstance(s, TransactionalSender) for c, s in self.senders.items()}
        self.heartbeat = Heartbeat(factory, lease, clock)
        self.recover_at: dt.datetime | None = None

    def run_once(self, channels: Collection[str] | None = None) -> int:
        """Claim one batch (of `channels`, default all) and send it; returns how many rows were handled (0 = none due)."""
        now = self.clock()
        if self.quiet is not None and self.quiet.contains(now):
            return 0
        self._recover(now)
        wanted = self.limiters if channels is None else [c for c in channels if c in self.limiters]
        channels = [c for c in wanted if not self.limiters[c].blocked(now)]
        if not channels:
            return 0
        # a loop of transactional channels only paces before its transaction, not inside it: on SQLite a transaction
        # sleeping between rows would hold the one write lock and starve the other channels' loops and heartbeat
        paced = all(self.transactional[c] for c in channels)
        if paced:
            for channel in channels:
                self.limiters[channel].wait(self.batch_size)
        in_db = [c for c in channels if self.transactional[c]]
        elsewhere = [c for c in channels if not self.transactional[c]]
        with self.factory() as session, session.begin():
            # transactional channels: picked and marked sent in one statement, stored and committed together
            bulk = ledger.claim_sent(session, worker=self.worker, now=now, limit=self.batch_size, channels=in_db)
            room = self.batch_size - len(bulk)
            platform = (
                ledger.claim(session, worker=self.worker, now=now, limit=room, lease=self.lease, channels=elsewhere)
                if elsewhere and room > 0
                else []
            )
            batch = bulk + platform
            if self.link_base:
                links.ensure(session, batch, now=now)
            started = time.monotonic()
            if bulk:
                self._send_in_db(session, bulk, paced=paced)
        if not batch:
            return 0
        if platform:
            # one autocommit connection for the batch: each `sent` mark is durable before the next message goes
            engine: Engine = self.factory.kw["bind"]
            self.heartbeat.hold(platform[0].token)  # a slow platform must not let the short lease run out
            try:
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    for row in platform:
                        self._send_one(row, conn)
            finally:
                self.heartbeat.drop(platform[0].token)
        log.info(
            "campaign batch: %d deliveries (%s) of campaign(s) %s in %.1f s",
            len(batch),
            ", ".join(f"{c} {n}" for c, n in sorted(Counter(r.channel for r in batch).items())),
            ", ".join(str(i) for i in sorted({r.campaign_id for r in batch})),
            time.monotonic() - started,
            extra={"event": "campaign_batch", "deliveries": len(batch)},
        )
        return len(batch)

    def drain(
        self, *, budget: float = 10.0, stop: threading.Event | None = None, channels: Collection[str] | None = None
    ) -> int:
        """Send batches (of `channels`, default all) until nothing is due, `budget` seconds passed or `stop` is set."""
        total, start = 0, time.monotonic()
        while time.monotonic() - start < budget and not (stop is not None and stop.is_set()):
            n = self.run_once(channels)
            if n == 0:
                break
            total += n
        return total

    def close(self) -> None:
        """Stop the heartbeat thread."""
        self.heartbeat.close()

    def _recover(self, now: dt.datetime) -> None:
        """Every half lease, hand back rows whose lease ran out (a killed process's), whichever process notices."""
        if self.recover_at is not None and now < self.recover_at:
            return
        self.recover_at = now + self.lease / 2
        with self.factory() as session, session.begin():
            recovered = ledger.recover_stale(session, now=now, keep=self.heartbeat.held())
        if recovered:
            log.warning("took over %d deliveries whose sender stopped", recovered, extra={"event": "recovered"})

    def _render(self, row: ledger.Claimed, shared: dict[tuple[Any, ...], str] | None = None) -> str:
        """The row's text; with `shared` (one batch's cache), rows of one campaign, channel and place render once
        unless the text holds a per-delivery placeholder."""
        key = None
        if shared is not None and not content.per_delivery(row.text, row.variants):
            p = row.profile
            key = (row.campaign_id, row.channel, p.get("township"), p.get("city"), p.get("community"))
            text = shared.get(key)
            if text is not None:
                return links.rewrite(text, row.links, self.link_base)
        text = content.render(
            row.text, link=row.link, variants=row.variants, channel=row.channel, profile=row.profile, stop_line=True
        )
        if key is not None and shared is not None:
            shared[key] = text
        return links.rewrite(text, row.links, self.link_base)

    def _template(self, row: ledger.Claimed) -> Any:
        """The WeChat template message of a row, its link and URL fields tracked like the text."""
        if row.channel != "wechat":
            return None
        link = links.rewrite(row.link, row.links, self.link_base) if row.link else row.link
        template = templates.render(row.variants, row.profile, link=link)
        if template is not None and row.links:
            template = {
                k: links.rewrite(v, row.links, self.link_base) if isinstance(v, str) else v for k, v in template.items()
            }
        return template

    def _send_in_db(self, session: Session, rows: list[ledger.Claimed], *, paced: bool = False) -> None:
        """Transactional senders: the rows are already marked sent (`ledger.claim_sent`); their messages are stored in
        the same transaction, and a refused one is handed back (`ledger.unsend`) and recorded; `paced`: the batch's
        rate slots were taken before the transaction."""
        refused: list[tuple[ledger.Claimed, Any, dt.datetime]] = []
        queued: dict[str, list[tuple[ledger.Claimed, OutboxMessage]]] = {}  # for senders that take a batch
        rendered: dict[tuple[Any, ...], str] = {}
        for row in rows:
            sender = cast(TransactionalSender, self.senders[row.channel])  # only rows of `transactional` come here
            if not paced:
                self.limiters[row.channel].wait()
            now = self.clock()
            message = OutboxMessage(row.id, row.external_id, self._render(row, rendered), now)
            if hasattr(sender, "send_many_in"):
                queued.setdefault(row.channel, []).append((row, message))
                continue
            result = sender.send_in(
                session, delivery_id=row.id, external_id=row.external_id, text=message.text, now=now
            )
            if not result.ok:
                refused.append((row, result, now))
        for channel, items in queued.items():
            # one multi-row INSERT for the batch instead of an ORM object per recipient
            results = cast(BatchSender, self.senders[channel]).send_many_in(session, [m for _, m in items])
            refused += [(row, r, m.now) for (row, m), r in zip(items, results, strict=True) if not r.ok]
        if refused:
            session.flush()
            ledger.unsend(session, [row for row, _, _ in refused], now=self.clock())
            for row, result, now in refused:
                self._record(session, row, result, now)
        gone = {row.id for row, _, _ in refused}
        if sent := {r.campaign_id for r in rows if r.id not in gone}:
            session.execute(
                update(Campaign)
                .execution_options(synchronize_session=False)
                .where(Campaign.id.in_(sent), Campaign.consecutive_failures != 0)
                .values(consecutive_failures=0)
            )

    def _send_one(self, row: ledger.Claimed, conn: Connection) -> None:
        sender = self.senders[row.channel]
        limiter = self.limiters[row.channel]
        if limiter.blocked(self.clock()) and limiter.blocked_until is not None:
            with self.factory() as session, session.begin():  # the platform said wait: hand the row back
                ledger.mark_retry(session, row, now=self.clock(), at=limiter.blocked_until, error="", count=False)
            return
        limiter.wait()
        try:
            template = self._template(row)
            result: Any = _send(
                sender, row.channel, row.external_id, self._render(row), now=self.clock(), template=template
            )
        except Exception as exc:  # a sender must not raise, but one bad sender must not stop the loop
            log.exception("sender %s raised", row.channel)
            result = _Failure(f"{type(exc).__name__}: {exc}")
        if result.ok:  # the common case: one round trip, no transaction to open
            if not ledger.mark_sent_now(conn, row, now=self.clock(), provider_id=result.provider_id):
                log.warning("delivery %s was sent after its claim was taken over", row.id)
            return
        with self.factory() as session, session.begin():
            self._record(session, row, result, self.clock())

    def _record(self, session: Session, row: ledger.Claimed, result: SendResultLike, now: dt.datetime) -> None:
        """A send that did not succeed: skip, retry later or give up, and count towards the auto-pause."""
        if getattr(result, "unconfirmed", False):  # may have arrived: never retried (no double push), counted as sent
            ledger.mark_unconfirmed(session, row, now=now, error=result.reason)
            # a platform that takes requests and never answers is down: a run of these still pauses the campaign
            self._count_failure(session, row.campaign_id, now=now, error=result.reason)
        elif result.unreachable:
            ledger.mark_skipped(session, row, now=now, reason="unreachable", error=result.reason)
            if row.channel in PERMANENT_UNREACHABLE:
                mark_unreachable(session, row.resident_id, now=now, reason=f"{row.channel}: {result.reason}")
        elif result.retry_after is not None:
            at = now + dt.timedelta(seconds=result.retry_after)
            self.limiters[row.channel].block(at)
            ledger.mark_retry(session, row, now=now, at=at, error=result.reason, count=False)
            if getattr(result, "outage", False):  # the platform is down: a run of these pauses the campaign
                self._count_failure(session, row.campaign_id, now=now, error=result.reason)
        else:
            if row.attempts >= self.max_attempts:
                ledger.mark_failed(session, row, now=now, error=result.reason)
            else:
                ledger.mark_retry(
                    session, row, now=now, at=now + backoff(row.attempts), error=result.reason, count=True
                )
            self._count_failure(session, row.campaign_id, now=now, error=result.reason)

    def _count_failure(self, session: Session, campaign_id: int, *, now: dt.datetime, error: str) -> None:
        campaign = session.get(Campaign, campaign_id, with_for_update=True)
        if campaign is None:
            return
        campaign.consecutive_failures += 1
        if campaign.consecutive_failures >= self.pause_after and campaign.state == "running":
            campaign.state = "paused"
            campaign.state_reason = (
                f"连续 {campaign.consecutive_failures} 次发送失败，已自动暂停（最近一次：{error[:100]}）"
            )
            campaign.updated_at = now
            log.warning("campaign %s paused after %s failures", campaign_id, campaign.consecutive_failures)


class _Failure:
    """A SendResult-shaped failure for a sender that raised."""

    def __init__(self, reason: str) -> None:
        self.ok = False
        self.reason = reason
        self.retry_after: float | None = None
        self.unreachable = False
        self.provider_id: str | None = None


def send_test(
    campaign: Campaign, staff: list[str], senders: Mapping[str, SenderLike], *, now: dt.datetime
) -> list[tuple[str, bool, str]]:
    """Send the campaign text (marked 【测试】) to staff identities "channel:id"; nothing goes into the ledger."""
    out: list[tuple[str, bool, str]] = []
    for identity in staff:
        channel, _, external_id = identity.partition(":")
        sender = senders.get(channel)
        if sender is None or not external_id:
            out.append((identity, False, "该渠道暂未接入"))
            continue
        text = TEST_PREFIX + content.render(
            campaign.text, link=campaign.link, variants=campaign.variants, channel=channel, profile={}, stop_line=True
        )
        template = templates.render(campaign.variants or {}, {}, link=campaign.link) if channel == "wechat" else None
        if template is not None and "data" in template:  # (a 图文-only WeChat extra has no template data)
            template["data"] = {
                k: TEST_PREFIX + v if i == 0 else v for i, (k, v) in enumerate(template["data"].items())
            }
        if template is not None and template.get("news_title"):
            template["news_title"] = TEST_PREFIX + str(template["news_title"])
        try:
            result = _send(sender, channel, external_id, text, now=now, template=template)
            out.append((identity, bool(result.ok), str(result.reason)))
        except Exception as exc:
            out.append((identity, False, f"{type(exc).__name__}: {exc}"))
    return out
