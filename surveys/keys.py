"""Salted one-way keys: one response per respondent without storing who it was (anonymous mode), and message keys
that let a redelivered chat message be recognised."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

SALT_FILE = "survey.salt"
_SALTS: dict[Path, tuple[int, int, str]] = {}  # path -> (mtime_ns, inode, salt): one stat per message, not a read


@lru_cache(maxsize=16_384)  # pure: each chat message asks twice per survey for the same resident
def respondent_key(salt: str, survey_id: str, subject: str) -> str:
    """The key of one respondent of one survey (subject e.g. "resident:12" or "web:<cookie>")."""
    return hmac.new(salt.encode(), f"{survey_id}\x1f{subject}".encode(), hashlib.sha256).hexdigest()


def message_key(*parts: object) -> str:
    """A short fingerprint of one incoming message (channel, user, time, text …)."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def resolve_salt(configured: str, data_dir: Path) -> str:
    """The configured salt, or a random one created once in `data_dir` and reused by every process."""
    if configured:
        return configured
    path = data_dir / SALT_FILE
    try:
        return _read_salt(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{SALT_FILE}.{secrets.token_hex(4)}")
    tmp.write_text(secrets.token_hex(32), encoding="ascii")
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, path)  # atomic: fails when another process got there first, and then we read theirs
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text(encoding="ascii").strip()


def _read_salt(path: Path) -> str:
    """The salt file's content, read again only when the file was replaced or changed."""
    stat = os.stat(path)
    cached = _SALTS.get(path)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_ino):
        return cached[2]
    salt = path.read_text(encoding="ascii").strip()
    _SALTS[path] = (stat.st_mtime_ns, stat.st_ino, salt)
    return salt
