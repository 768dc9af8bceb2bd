"""Staff users, passwords (argon2), API tokens (stored as SHA-256), console sessions and lockout."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.admin.models import ApiToken, ConsoleSession, StaffDevice, StaffUser
from bot.admin.roles import ROLES

MAX_FAILURES = 5  # wrong passwords before the account locks (and again after every further five)
LOCKOUT = dt.timedelta(minutes=15)  # the first lock; each further one lasts twice as long, up to MAX_LOCKOUT
MAX_LOCKOUT = dt.timedelta(hours=24)
SESSION_TTL = dt.timedelta(hours=12)
DEVICE_TTL = dt.timedelta(days=180)
DEVICE_MAX_FAILURES = 3  # wrong passwords sent with a device cookie before that device is forgotten
# argon2 checks at once per process: each takes 64 MiB and runs 4 lanes in parallel, so on a small host one at a time
# already uses every core
HASH_CONCURRENCY = 1 if (os.cpu_count() or 1) <= 4 else 2
HASH_WAIT = 10.0  # seconds a password check waits for its turn before the request is refused as busy
HASH_QUEUE = 8  # password checks that may wait for a turn per process; more are refused as busy at once
HASH_NICENESS = 10  # argon2 threads yield the CPU to requests (Linux thread niceness)
TOKEN_PREFIX = "wf_"
# one message for an unknown name, a wrong password, a locked or disabled account and a throttled client
REFUSED = "用户名或密码错误，或尝试过于频繁，请稍后再试"
BUSY = "登录请求较多，请稍后再试"
_hasher = PasswordHasher()
_hashing = threading.BoundedSemaphore(HASH_CONCURRENCY)
_T = TypeVar("_T")
# verified against when the user does not exist, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    """A refused account operation, with a message staff can read."""


class HashingBusy(AccountError):
    """Too many password checks are waiting: the request is refused before its turn (a flood queues, then sheds)."""

    def __init__(self) -> None:
        super().__init__(BUSY)


@dataclass(frozen=True)
class Actor:
    """Who is making a request."""

    user_id: int
    name: str
    role: str
    must_change_password: bool = False  # set by an admin's reset: the console asks for a new password first


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create_user(session: Session, name: str, role: str, *, now: dt.datetime) -> tuple[StaffUser, str]:
    """Create a user with a random one-time password; returns the user and the password (shown once)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise AccountError("用户名不能为空，且不超过 64 个字符")
    if role not in ROLES:
        raise AccountError(f"角色必须是 {' / '.join(ROLES)} 之一")
    if session.scalar(select(StaffUser).where(StaffUser.name == name)) is not None:
        raise AccountError(f"用户 {name} 已存在")
    password = secrets.token_urlsafe(12)
    user = StaffUser(name=name, role=role, password_hash=_hash(password), created_at=now)
    session.add(user)
    session.flush()
    return user, password


def find_user(session: Session, name: str) -> StaffUser | None:
    """The user called `name`, if any."""
    return session.scalar(select(StaffUser).where(StaffUser.name == name))


def set_password(session: Session, user: StaffUser, password: str) -> None:
    """Replace a user's password (at least 10 characters)."""
    if len(password) < 10:
        raise AccountError("密码至少 10 位")
    user.password_hash = _hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.must_change_password = False


def change_password(session: Session, user: StaffUser, *, current: str, new: str, confirm: str) -> None:
    """A user changes their own password: the current one checked, the new one long enough and new."""
    if user.password_hash is None or not _verify(user.password_hash, current):
        raise AccountError("当前密码不正确")
    if new != confirm:
        raise AccountError("两次输入的新密码不一致")
    if new == current:
        raise AccountError("新密码不能和当前密码相同")
    if new.casefold() == user.name.casefold():
        raise AccountError("新密码不能和用户名相同")
    set_password(session, user, new)


def reset_password(session: Session, user: StaffUser) -> str:
    """Give the user a new random password (shown once, to be changed at the next login), end their sessions and
    forget their devices."""
    password = secrets.token_urlsafe(12)
    user.password_hash = _hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.must_change_password = True
    session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    session.execute(delete(StaffDevice).where(StaffDevice.user_id == user.id))
    return password


def unlock(user: StaffUser) -> bool:
    """Lift a lock and forget the failures (an admin vouching for the user); True if the account was locked."""
    was_locked = user.locked_until is not None or user.failed_logins > 0
    user.failed_logins = 0
    user.locked_until = None
    return was_locked


def is_locked(user: StaffUser, *, now: dt.datetime) -> bool:
    """True while the account is locked after too many wrong passwords."""
    return user.locked_until is not None and user.locked_until > now


@dataclass(frozen=True)
class LoginAttempt:
    """What a login needs from the database before the (slow) password check, read in a short transaction."""

    name: str
    user_id: int | None  # None: no such user (checked against a dummy hash, so it takes as long)
    password_hash: str
    disabled: bool
    locked: bool
    device: str | None  # the device cookie, when it belongs to this user: it lets the right password through a lock

    @property
    def trusted(self) -> bool:
        """True when the browser has logged in as this user before."""
        return self.device is not None


def begin_login(session: Session, name: str, *, device: str | None, now: dt.datetime) -> LoginAttempt:
    """Look up the user and their device cookie; nothing is written."""
    name = name.strip()
    user = find_user(session, name)
    if user is None or user.password_hash is None:
        return LoginAttempt(name, None, _DUMMY_HASH, False, False, None)
    known = None
    if device:
        row = session.get(StaffDevice, _sha256(device))
        if row is not None and row.user_id == user.id and row.created_at + DEVICE_TTL > now:
            known = device
    return LoginAttempt(name, user.id, user.password_hash, user.disabled, is_locked(user, now=now), known)


def check_password(attempt: LoginAttempt, password: str) -> bool:
    """Verify the password with argon2 (slow on purpose; bounded process-wide; raises HashingBusy when the queue is full)."""
    return _verify(attempt.password_hash, password)


def admits(attempt: LoginAttempt, password_ok: bool) -> bool:
    """True when the password is right and the account may log in: not disabled, and not locked unless the device is known."""
    return (
        password_ok and attempt.user_id is not None and not attempt.disabled and (not attempt.locked or attempt.trusted)
    )


def login_failed(session: Session, attempt: LoginAttempt, *, password_ok: bool, now: dt.datetime) -> str:
    """Count a refused login on the account (atomically) and lock it every `MAX_FAILURES`; returns the reason for the audit."""
    if attempt.user_id is None:
        return "unknown_user"
    if attempt.device is not None and not password_ok:
        forget_device_after_failure(session, attempt.device)
    if password_ok:  # right password, but the account is locked or disabled: not a guess to count
        return "disabled" if attempt.disabled else "locked"
    failures = session.execute(
        update(StaffUser)
        .execution_options(synchronize_session=False)
        .where(StaffUser.id == attempt.user_id)
        .values(failed_logins=StaffUser.failed_logins + 1)
        .returning(StaffUser.failed_logins)
    ).scalar_one()
    if failures % MAX_FAILURES == 0:  # exactly one of several parallel failures sees each multiple
        length = min(MAX_LOCKOUT, LOCKOUT * 2 ** min(failures // MAX_FAILURES - 1, 16))
        session.execute(
            update(StaffUser)
            .execution_options(synchronize_session=False)
            .where(StaffUser.id == attempt.user_id)
            .values(locked_until=now + length)
        )
        return "wrong_password_locked"
    return "wrong_password"


def forget_device_after_failure(session: Session, device: str) -> None:
    """Count a wrong password sent with a device cookie; after `DEVICE_MAX_FAILURES` the device is no longer trusted."""
    key = _sha256(device)
    failures = session.execute(
        update(StaffDevice)
        .execution_options(synchronize_session=False)
        .where(StaffDevice.token_hash == key)
        .values(failures=StaffDevice.failures + 1)
        .returning(StaffDevice.failures)
    ).scalar_one_or_none()
    if failures is not None and failures >= DEVICE_MAX_FAILURES:
        session.execute(delete(StaffDevice).where(StaffDevice.token_hash == key))


def login_succeeded(
    session: Session, attempt: LoginAttempt, password: str, *, now: dt.datetime
) -> tuple[StaffUser, str]:
    """Reset the failures, lift any lock and remember the device; returns the user and the device cookie to set."""
    user = session.get(StaffUser, attempt.user_id)
    if user is None:
        raise AccountError(REFUSED)
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = _hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    device = attempt.device
    if device is not None:
        row = session.get(StaffDevice, _sha256(device))
        if row is not None:
            row.last_used_at = now
            row.failures = 0
        else:
            device = None
    if device is None:
        device = secrets.token_urlsafe(32)
        session.execute(
            delete(StaffDevice).where(StaffDevice.user_id == user.id, StaffDevice.created_at <= now - DEVICE_TTL)
        )
        session.add(
            StaffDevice(token_hash=_sha256(device), user_id=user.id, created_at=now, last_used_at=now, failures=0)
        )
    return user, device


def authenticate(
    session: Session, name: str, password: str, *, now: dt.datetime, device: str | None = None
) -> StaffUser:
    """Check a password in one go (no client throttle): counts failures, honours locks; raises AccountError(REFUSED)."""
    attempt = begin_login(session, name, device=device, now=now)
    ok = check_password(attempt, password)
    if not admits(attempt, ok):
        login_failed(session, attempt, password_ok=ok, now=now)
        raise AccountError(REFUSED)
    user, _ = login_succeeded(session, attempt, password, now=now)
    return user


def _yield_cpu() -> None:
    """Run this argon2 worker (and the lane threads argon2 starts from it) at a lower CPU priority than requests."""
    with suppress(AttributeError, OSError):  # not Linux, or not allowed: the queue alone still bounds the work
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


# argon2 runs only on these threads: a fixed number, niced, so a flood of logins waits here instead of taking
# every core and 64 MiB per attempt from the residents' requests
_workers = ThreadPoolExecutor(HASH_CONCURRENCY, thread_name_prefix="argon2", initializer=_yield_cpu)


def _on_worker(fn: Callable[[], _T]) -> _T:
    if not _hashing.acquire(timeout=HASH_WAIT):
        raise HashingBusy()
    try:
        return _workers.submit(fn).result()
    finally:
        _hashing.release()


def _hash(password: str) -> str:
    return _on_worker(lambda: _hasher.hash(password))


def _verify(password_hash: str, password: str) -> bool:
    return _on_worker(lambda: _verify_here(password_hash, password))


def _verify_here(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def start_check(attempt: LoginAttempt, password: str) -> Future[bool]:
    """Queue a password check on the argon2 workers, for a caller that waits without a thread (it bounds the queue)."""
    return _workers.submit(_verify_here, attempt.password_hash, password)


def create_token(session: Session, user: StaffUser, *, now: dt.datetime) -> str:
    """A new API token for `user` (shown once; only its hash is kept)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_sha256(token), prefix=token[:10], created_at=now))
    session.flush()
    return token


def actor_for_token(session: Session, token: str, *, now: dt.datetime) -> Actor | None:
    """The active user a bearer token belongs to, or None."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(token), ApiToken.revoked.is_(False)))
    if row is None:
        return None
    user = session.get(StaffUser, row.user_id)
    if user is None or user.disabled:
        return None
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        row.last_used_at = now
    return Actor(user.id, user.name, user.role)


def open_session(session: Session, user: StaffUser, *, now: dt.datetime) -> tuple[str, str]:
    """Start a console session; returns (cookie value, CSRF token)."""
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    session.add(
        ConsoleSession(
            id_hash=_sha256(cookie), user_id=user.id, csrf_token=csrf, created_at=now, expires_at=now + SESSION_TTL
        )
    )
    return cookie, csrf


def session_for_cookie(session: Session, cookie: str, *, now: dt.datetime) -> tuple[Actor, str] | None:
    """The actor and CSRF token of a live console session, or None."""
    row = session.get(ConsoleSession, _sha256(cookie))
    if row is None or row.expires_at <= now:
        return None
    user = session.get(StaffUser, row.user_id)
    if user is None or user.disabled:
        return None
    return Actor(user.id, user.name, user.role, user.must_change_password), row.csrf_token


def close_session(session: Session, cookie: str) -> None:
    """Log out: forget the session."""
    session.execute(delete(ConsoleSession).where(ConsoleSession.id_hash == _sha256(cookie)))


def list_users(session: Session) -> list[StaffUser]:
    """All users by name."""
    return list(session.scalars(select(StaffUser).order_by(StaffUser.name)))
