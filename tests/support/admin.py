"""Staff users for tests: one per role with an API token, and a logged-in console client."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import accounts
from bot.admin.roles import ROLES
from bot.db import transaction, utcnow


@dataclass(frozen=True)
class Staff:
    """A test user's credentials."""

    name: str
    role: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header for the admin API."""
        return {"Authorization": f"Bearer {self.token}"}


def make_staff(factory: sessionmaker[Session], name: str, role: str) -> Staff:
    """Create a user with a token."""
    with transaction(factory) as session:
        user, password = accounts.create_user(session, name, role, now=utcnow())
        token = accounts.create_token(session, user, now=utcnow())
    return Staff(name, role, password, token)


def staff_per_role(factory: sessionmaker[Session]) -> dict[str, Staff]:
    """One user per role, named after it."""
    return {role: make_staff(factory, f"{role}-user", role) for role in ROLES}


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a console page carries."""
    found = CSRF.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


def console_login(client: TestClient, staff: Staff) -> str:
    """Log `client` into the console; returns the session's CSRF token."""
    token = csrf_of(client.get("/admin/login").text)
    r = client.post("/admin/login", data={"name": staff.name, "password": staff.password, "csrf_token": token})
    assert r.status_code == 200, r.text  # followed the redirect to the dashboard
    return csrf_of(r.text)
