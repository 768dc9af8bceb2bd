"""Record the SQL an engine sends while a block runs (statement counts and shapes in tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker


@contextmanager
def statements(factory: sessionmaker[Session]) -> Iterator[list[tuple[str, Any]]]:
    """(SQL, parameters) of every statement sent while the block runs, as the engine's events see them."""
    engine = factory.kw["bind"]
    seen: list[tuple[str, Any]] = []

    def listen(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)
