"""The one place that registers scheduled jobs: a single campaigns tick, rebuilt at start with a stable id.

APScheduler 3.x only ticks; the truth is in our tables. With several processes on PostgreSQL exactly one
of them schedules (it holds a session-level advisory lock on a dedicated connection; when it dies the
connection closes and another process takes over at its next tick); all of them send, claiming ledger rows
with FOR UPDATE SKIP LOCKED. On SQLite run one process.

Once started, every process sends with one thread per channel, each at its channel's configured rate, so a slow
platform (WeChat answering in seconds) never holds another (Telegram); the tick wakes them when it has
materialised new rows. `tick()` called on its own (tests, tools) sends what is due itself, as before.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import Sender
from bot.channels.web_outbox import WebOutboxSender
from bot.config import Settings
from bot.db import transaction, utcnow
from campaigns import runs
from campaigns.delivery import DeliveryLoop
from campaigns.schedule import QuietHours

log = logging.getLogger(__name__)
JOB_ID = "campaigns-tick"
LOCK_KEY = 0x77756665_69636D70  # "wufeicmp": the campaigns scheduler's advisory lock
PURGE_EVERY = dt.timedelta(hours=1)  # how often the leader forgets old WeChat deliveries (dedupe table)
SURVEY_EXPIRY_EVERY = dt.timedelta(minutes=10)  # how often the leader expires idle chat surveys


def build_senders(settings: Settings, factory: sessionmaker[Session]) -> dict[str, Sender]:
    """The Sender of every configured channel: web always, WeChat and Telegram when their credentials are set."""
    senders: dict[str, Sender] = {"web": WebOutboxSender(factory)}
    if settings.telegram.token:
        try:
            from bot.channels.telegram_sender import TelegramSender

            senders["telegram"] = TelegramSender(settings, factory)
        except Exception:
            log.exception("Telegram sender unavailable")
    if settings.wechat.app_id and settings.wechat.app_secret.get_secret_value():
        try:
            from bot.channels.wechat_api import WechatSender

            senders["wechat"] = WechatSender(settings.wechat, factory)
        except Exception:
            log.exception("WeChat sender unavailable")
    return senders


def install_survey_links(settings: Settings) -> None:
    """Let campaign texts carry {问卷链接}: each delivery renders its resident's personal survey link."""
    from campaigns import content
    from surveys import links
    from surveys.keys import resolve_salt

    cfg = settings.surveys
    salt: list[str] = []  # read on first use: no salt file is made for texts without the placeholder

    def make(delivery_id: int) -> str:
        if not salt:
            salt.append(resolve_salt(cfg.salt, settings.data_dir))
        return links.url(cfg.base_url, links.delivery_token(salt[0], delivery_id, cfg.link_survey))

    content.PER_DELIVERY[links.PLACEHOLDER] = make


def _skip_overlap_warning(record: logging.LogRecord) -> bool:
    """Drop APScheduler's "maximum number of running instances reached" (a tick outlasting its interval is by design)."""
    return "maximum number of running instances" not in record.getMessage()


class Leadership:
    """Who schedules: on PostgreSQL the holder of an advisory lock; on SQLite this (single) process."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.engine = factory.kw["bind"]
        self.conn: Connection | None = None
        self.announced = False

    def acquire(self) -> bool:
        """True while this process is the scheduler (cheap when already held)."""
        if self.engine.dialect.name != "postgresql":
            if not self.announced:
                self.announced = True
                log.info("this process runs the campaigns scheduler (SQLite: one process)", extra={"event": "elected"})
            return True
        if self.conn is not None:
            try:
                self.conn.execute(text("SELECT 1"))
                return True
            except Exception:
                log.warning("lost the scheduler lock connection", extra={"event": "lost_leadership"})
                self.release()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar():
            self.conn = conn
            log.info("this process now runs the campaigns scheduler", extra={"event": "elected"})
            return True
        conn.close()
        return False

    def release(self) -> None:
        """Give the lock up (closing the connection releases it)."""
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                log.debug("closing the lock connection failed", exc_info=True)
            self.conn = None


class CampaignScheduler:
    """Runs the tick: the leader turns due firings into ledger rows; every process sends."""

    def __init__(
        self,
        settings: Settings,
        factory: sessionmaker[Session],
        *,
        senders: Mapping[str, Sender] | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        cfg = settings.campaigns
        self.settings = settings
        self.factory = factory
        self.clock = clock
        self.quiet = QuietHours.parse(cfg.quiet_hours)
        self.grace = dt.timedelta(minutes=cfg.misfire_grace_minutes)
        self.senders = dict(senders) if senders is not None else build_senders(settings, factory)
        self.loop = DeliveryLoop(
            factory,
            self.senders,
            worker=f"{socket.gethostname()}:{os.getpid()}",
            clock=clock,
            batch_size=cfg.batch_size,
            lease=dt.timedelta(seconds=cfg.lease_seconds),
            max_attempts=cfg.max_attempts,
            pause_after=cfg.pause_after_failures,
            rates=cfg.rates,
            quiet=self.quiet,
            link_base=settings.surveys.base_url,
        )
        self.leadership = Leadership(factory)
        self.stopping = threading.Event()
        self.scheduler: BackgroundScheduler | None = None
        self.purge_due: dt.datetime | None = None
        self.survey_expiry_due: dt.datetime | None = None
        self.channel_loops: dict[str, threading.Thread] = {}  # one sending thread per channel, once started
        self.wake = {channel: threading.Event() for channel in self.senders}
        install_survey_links(settings)

    def tick(self) -> None:
        """One tick: schedule (if leader), then send what is due for a bounded time; never raises."""
        try:
            if self.leadership.acquire():
                with transaction(self.factory) as session:
                    report = runs.tick(
                        session, now=self.clock(), quiet=self.quiet, grace=self.grace, channels_available=self.senders,
                        consent=self.settings.campaigns.consent, own_claims=self.loop.heartbeat.held(),
                    )  # fmt: skip
                if report.runs or report.missed or report.finished:
                    log.info("campaigns tick: %s", report, extra={"event": "campaign_runs"})
                else:
                    log.debug("campaigns tick: nothing due")
                self.purge_wechat()
                self.expire_surveys()
            if self.scheduler is not None:  # started: the channel loops send; wake them for what is new
                self.start_channel_loops()
                for event in self.wake.values():
                    event.set()
                return
            budget = max(self.settings.campaigns.tick_seconds * 2, 10.0)
            self.loop.drain(budget=budget, stop=self.stopping)
        except Exception:
            log.exception("campaigns tick failed")

    def start_channel_loops(self) -> None:
        """Start (or restart, had one died) the sending thread of each channel."""
        for channel in self.senders:
            thread = self.channel_loops.get(channel)
            if thread is None or not thread.is_alive():
                thread = threading.Thread(
                    target=self.send_channel, args=(channel,), name=f"send-{channel}", daemon=True
                )
                self.channel_loops[channel] = thread
                thread.start()

    def send_channel(self, channel: str) -> None:
        """One channel's loop: send its due rows batch after batch; when none are due, wait for the tick."""
        idle = max(self.settings.campaigns.tick_seconds, 0.1)
        while not self.stopping.is_set():
            self.wake[channel].clear()
            try:
                sent = self.loop.run_once([channel])
            except Exception:
                log.exception("campaign sending on %s failed", channel)
                sent = 0
            if not sent:
                self.wake[channel].wait(idle)

    def purge_wechat(self) -> None:
        """Forget WeChat deliveries and nonces and Telegram updates older than two days, once per PURGE_EVERY."""
        now = self.clock()
        if self.purge_due is not None and now < self.purge_due:
            return
        self.purge_due = now + PURGE_EVERY
        try:
            from bot.channels.telegram_updates import purge_updates
            from bot.channels.wechat import purge_dedupe
            from bot.ratelimit import purge_clients
            from surveys.verification import purge_form_clients

            with transaction(self.factory) as session:
                removed = purge_dedupe(session, now) + purge_updates(session, now)
                clients = purge_clients(session, now=now)  # web chat addresses not seen for a day
                clients += purge_form_clients(session, now=now)  # survey form addresses not seen for 8 days
            if removed or clients:
                log.info("forgot %s old WeChat deliveries and Telegram updates, %s chat clients", removed, clients)
        except Exception:
            log.exception("purging the WeChat dedupe table failed")

    def expire_surveys(self) -> None:
        """Expire chat surveys idle past WUFEI_SURVEYS__EXPIRE_HOURS (answers kept), every 10 minutes; never raises."""
        now = self.clock()
        if self.survey_expiry_due is not None and now < self.survey_expiry_due:
            return
        self.survey_expiry_due = now + SURVEY_EXPIRY_EVERY
        try:
            from surveys.flow import expire_stale

            max_age = dt.timedelta(hours=self.settings.surveys.expire_hours)
            with transaction(self.factory) as session:
                expired = expire_stale(session, now=now, max_age=max_age)
            if expired:
                log.info("expired %s unfinished survey responses", expired)
        except Exception:
            log.exception("expiring stale survey responses failed")

    def start(self) -> None:
        """Register the tick job (stable id, replacing any earlier one) and start ticking."""
        logging.getLogger("apscheduler.scheduler").addFilter(_skip_overlap_warning)
        scheduler = BackgroundScheduler(timezone=dt.UTC)
        seconds = self.settings.campaigns.tick_seconds
        scheduler.add_job(
            self.tick,
            "interval",
            seconds=seconds,
            id=JOB_ID,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(int(seconds * 2), 1),
            next_run_time=dt.datetime.now(dt.UTC),
        )
        self.scheduler = scheduler  # before the first tick: it starts the channel loops
        scheduler.start()

    def stop(self) -> None:
        """Stop ticking; a batch being sent is finished first."""
        self.stopping.set()
        for event in self.wake.values():
            event.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None
        for thread in self.channel_loops.values():
            thread.join(timeout=30)
        self.channel_loops.clear()
        self.loop.close()
        self.leadership.release()


def start(settings: Settings, factory: sessionmaker[Session]) -> CampaignScheduler | None:
    """Start the campaigns scheduler when enabled (WUFEI_CAMPAIGNS__SCHEDULER)."""
    if not settings.campaigns.scheduler:
        return None
    scheduler = CampaignScheduler(settings, factory)
    scheduler.start()
    return scheduler
