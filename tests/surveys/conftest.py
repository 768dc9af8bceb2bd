"""Survey tests create a database each; give its pooled connections back after every test (PostgreSQL has a cap)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.db import dispose_engines


@pytest.fixture(autouse=True)
def _release_connections() -> Iterator[None]:
    yield
    dispose_engines()
