"""Staff users, passwords (argon2), API tokens (stored as SHA-256), console sessions and lockout."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.admin.models import ApiToken, ConsoleSession, StaffUser
from bot.admin.roles import ROLES

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_TTL = dt.timedelta(hours=12)
TOKEN_PREFIX = "wf_"
_hasher = PasswordHasher()
# verified against when the user does not exist, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    """A refused account operation, with a message staff can read."""


@dataclass(frozen=True)
class Actor:
    """Who is making a request."""

    user_id: int
    name: str
    role: str


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
    user = StaffUser(name=name, role=role, password_hash=_hasher.hash(password), created_at=now)
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
    user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None


def reset_password(session: Session, user: StaffUser) -> str:
    """Give the user a new random password (shown once) and end their sessions."""
    password = secrets.token_urlsafe(12)
    user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    return password


def authenticate(session: Session, name: str, password: str, *, now: dt.datetime) -> StaffUser:
    """Check a password; counts failures and locks the account for a while after too many."""
    user = find_user(session, name.strip())
    if user is None or user.password_hash is None:
        _verify(_DUMMY_HASH, password)
        raise AccountError("用户名或密码不正确")
    if user.disabled:
        raise AccountError("该账号已停用，请联系管理员")
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise AccountError(f"登录失败次数过多，请 {minutes} 分钟后再试")
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            raise AccountError(f"登录失败次数过多，账号已锁定 {int(LOCKOUT.total_seconds() // 60)} 分钟")
        raise AccountError("用户名或密码不正确")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
    return Actor(user.id, user.name, user.role), row.csrf_token


def close_session(session: Session, cookie: str) -> None:
    """Log out: forget the session."""
    session.execute(delete(ConsoleSession).where(ConsoleSession.id_hash == _sha256(cookie)))


def list_users(session: Session) -> list[StaffUser]:
    """All users by name."""
    return list(session.scalars(select(StaffUser).order_by(StaffUser.name)))
