"""Staff accounts: argon2 passwords, lockout, hashed tokens, sessions and the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import accounts, audit
from bot.admin.accounts import AccountError
from bot.admin.models import ApiToken, StaffUser
from bot.admin.roles import Permission
from bot.db import transaction

NOW = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)


def test_password_is_hashed_with_argon2_and_checked(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        user, password = accounts.create_user(session, "王五", "staff", now=NOW)
        assert user.password_hash is not None and user.password_hash.startswith("$argon2")
        assert password not in user.password_hash
    with transaction(factory) as session:
        assert accounts.authenticate(session, "王五", password, now=NOW).name == "王五"
        with pytest.raises(AccountError, match=accounts.REFUSED):
            accounts.authenticate(session, "王五", password + "x", now=NOW)
        with pytest.raises(AccountError, match=accounts.REFUSED):
            accounts.authenticate(session, "nobody", password, now=NOW)


@pytest.mark.parametrize(("name", "role", "message"), [("", "staff", "不能为空"), ("a", "boss", "角色必须是")])
def test_bad_users_are_refused(factory: sessionmaker[Session], name: str, role: str, message: str) -> None:
    with transaction(factory) as session, pytest.raises(AccountError, match=message):
        accounts.create_user(session, name, role, now=NOW)


def test_duplicate_name_is_refused(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        accounts.create_user(session, "dup", "viewer", now=NOW)
    with transaction(factory) as session, pytest.raises(AccountError, match="已存在"):
        accounts.create_user(session, "dup", "viewer", now=NOW)


def _try(factory: sessionmaker[Session], name: str, password: str, now: dt.datetime) -> str:
    """Log in the way the console does: a refusal is caught inside the transaction, so the counter is kept."""
    with transaction(factory) as session:
        try:
            return accounts.authenticate(session, name, password, now=now).name
        except AccountError as exc:
            return str(exc)


def test_five_failures_lock_the_account_and_each_further_lock_lasts_longer(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        _, password = accounts.create_user(session, "lock", "staff", now=NOW)
    for _ in range(accounts.MAX_FAILURES):
        assert _try(factory, "lock", "wrong", NOW) == accounts.REFUSED
    later = NOW + dt.timedelta(minutes=5)
    assert _try(factory, "lock", password, later) == accounts.REFUSED  # even the right password waits
    assert _try(factory, "lock", password, NOW + accounts.LOCKOUT) == "lock"
    assert _try(factory, "lock", "wrong", NOW + accounts.LOCKOUT) == accounts.REFUSED  # a success resets the count
    with transaction(factory) as session:
        user = accounts.find_user(session, "lock")
        assert user is not None and user.failed_logins == 1 and user.locked_until is None
        user.failed_logins = 2 * accounts.MAX_FAILURES - 1
    assert _try(factory, "lock", "wrong", NOW) == accounts.REFUSED
    with transaction(factory) as session:
        user = accounts.find_user(session, "lock")
        assert user is not None and user.locked_until == NOW + 2 * accounts.LOCKOUT  # the second lock: twice as long


def test_a_known_device_passes_a_lock_that_an_admin_can_also_lift(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        _, password = accounts.create_user(session, "dev", "admin", now=NOW)
    with transaction(factory) as session:
        attempt = accounts.begin_login(session, "dev", device=None, now=NOW)
        _, device = accounts.login_succeeded(session, attempt, password, now=NOW)
    for _ in range(accounts.MAX_FAILURES):
        _try(factory, "dev", "wrong", NOW)
    assert _try(factory, "dev", password, NOW) == accounts.REFUSED
    with transaction(factory) as session:
        assert accounts.authenticate(session, "dev", password, now=NOW, device=device).name == "dev"
        assert accounts.authenticate(session, "dev", password, now=NOW, device="forged").name == "dev"  # lock lifted
    for _ in range(accounts.MAX_FAILURES):
        _try(factory, "dev", "wrong", NOW)
    with transaction(factory) as session:
        user = accounts.find_user(session, "dev")
        assert user is not None and accounts.is_locked(user, now=NOW)
        assert accounts.unlock(user)
    assert _try(factory, "dev", password, NOW) == "dev"


def test_a_device_cookie_is_forgotten_after_three_wrong_passwords(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        _, password = accounts.create_user(session, "thief", "admin", now=NOW)
        attempt = accounts.begin_login(session, "thief", device=None, now=NOW)
        _, device = accounts.login_succeeded(session, attempt, password, now=NOW)
    for _ in range(accounts.DEVICE_MAX_FAILURES):
        with transaction(factory) as session:
            assert accounts.begin_login(session, "thief", device=device, now=NOW).trusted
        with transaction(factory) as session, pytest.raises(AccountError):
            accounts.authenticate(session, "thief", "guess", now=NOW, device=device)
    with transaction(factory) as session:
        assert not accounts.begin_login(session, "thief", device=device, now=NOW).trusted


def test_tokens_are_stored_hashed_and_stop_with_the_user(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        user, _ = accounts.create_user(session, "api", "office", now=NOW)
        token = accounts.create_token(session, user, now=NOW)
    with transaction(factory) as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
        assert token not in stored and len(stored[0]) == 64
        actor = accounts.actor_for_token(session, token, now=NOW)
        assert actor is not None and (actor.name, actor.role) == ("api", "office")
        assert accounts.actor_for_token(session, token + "x", now=NOW) is None
        session.scalars(select(StaffUser)).one().disabled = True
    with transaction(factory) as session:
        assert accounts.actor_for_token(session, token, now=NOW) is None


def test_sessions_expire_and_close(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        user, _ = accounts.create_user(session, "web", "viewer", now=NOW)
        cookie, csrf = accounts.open_session(session, user, now=NOW)
    with transaction(factory) as session:
        found = accounts.session_for_cookie(session, cookie, now=NOW + dt.timedelta(hours=1))
        assert found is not None and found[1] == csrf
        assert accounts.session_for_cookie(session, cookie, now=NOW + accounts.SESSION_TTL) is None
        accounts.close_session(session, cookie)
    with transaction(factory) as session:
        assert accounts.session_for_cookie(session, cookie, now=NOW) is None


def test_roles_read_and_write() -> None:
    assert Permission("campaigns", True).allowed() == {"admin", "staff"}
    assert Permission("surveys", True).allowed() == {"admin", "office"}
    assert Permission("users").allowed() == {"admin"}
    assert Permission("knowledge").allows("viewer")
    assert not Permission("knowledge", True).allows("viewer")


def test_audit_entries_filter_page_and_export(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        for i in range(5):
            audit.record(session, "甲" if i % 2 else "乙", "campaign.start", f"活动{i}", now=NOW, n=i)
    with transaction(factory) as session:
        newest = audit.entries(session, limit=2)
        assert [e.target for e in newest] == ["活动4", "活动3"]
        older = audit.entries(session, limit=10, before_id=newest[-1].id)
        assert [e.target for e in older] == ["活动2", "活动1", "活动0"]
        assert [e.target for e in audit.entries(session, actor="甲")] == ["活动3", "活动1"]
        text = audit.export_csv(audit.entries(session))
    assert text.startswith("\ufeff") and "活动0" in text and '{""n"": 0}' in text
