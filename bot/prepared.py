"""Core statements compiled once per dialect and run on the driver through a Connection (the chat path's writes).

`Connection.execute` of a Core statement looks its compiled form up in the statement cache, sets up an execution
context and a result on every call; the few plain writes of every message need none of that. `Prepared` compiles its
statement once per dialect and driver, keeps the SQL, the parameter order (positional drivers), the values SQLAlchemy
binds itself and each parameter's type processing, and runs on a cursor of the same Connection (`run` below): the same connection,
transaction and engine events (the SQLite write turn) as before, the same SQL and the same values on the wire
(`tests/bot/test_prepared.py` compares them with Core's on SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.sql.expression import Executable


@dataclass(frozen=True)
class _Compiled:
    """One statement compiled for one dialect: its SQL and, per parameter in the driver's order, how to bind it."""

    sql: str
    positional: bool  # a positional driver (a tuple of values) or a named one (a dict)
    # (name, bind processing or None, given by the caller, the value SQLAlchemy binds itself when not given)
    steps: tuple[tuple[str, Callable[[Any], Any] | None, bool, Any], ...]

    @classmethod
    def of(cls, statement: Any, dialect: Dialect, names: frozenset[str]) -> _Compiled:
        """Compile `statement` for `dialect`; `names` are the parameters the caller gives."""
        compiled = statement.compile(dialect=dialect)
        defaults = compiled.construct_params(dict.fromkeys(names))
        # named drivers: the names in the SQL (`binds` also holds an anonymous parameter's unresolved key, such as
        # a CASE's literal, next to its name in the SQL)
        order = (
            list(compiled.positiontup or ())
            if compiled.positional
            else list(dict.fromkeys(compiled.bind_names.values()))
        )
        steps = []
        for name in order:
            processor = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)  # as Core's execution
            if name in names:
                steps.append((name, processor, True, None))
            else:  # a literal value written in the statement (e.g. a status): bound once, processed once
                value = defaults[name]
                steps.append((name, None, False, processor(value) if processor is not None else value))
        return cls(compiled.string, bool(compiled.positional), tuple(steps))

    def params(self, values: Mapping[str, Any]) -> dict[str, Any] | tuple[Any, ...]:
        """The driver's parameters for one execution (each value through its type's bind processing)."""
        bound = [
            (p(values[n]) if p is not None else values[n]) if given else fixed for n, p, given, fixed in self.steps
        ]
        if self.positional:
            return tuple(bound)
        return {step[0]: value for step, value in zip(self.steps, bound, strict=True)}


class Prepared:
    """A Core INSERT/UPDATE/DELETE (no RETURNING, no expanding or literal parameters, no Python-side column defaults
    left to fill) run with its SQL compiled once per dialect and driver."""

    def __init__(self, statement: Executable, names: frozenset[str]) -> None:
        self.statement = statement
        self.names = names  # the parameters every execution gives
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        """The statement compiled for `dialect` (once)."""
        key = (dialect.name, dialect.driver)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled.setdefault(key, _Compiled.of(self.statement, dialect, self.names))
        return found

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> None:
        """Run the statement once on `connection` (inside its transaction) with `params` (exactly `names`)."""
        compiled = self.compiled(connection.dialect)
        run(connection, compiled.sql, compiled.params(params)).close()


def run(connection: Connection, sql: str, params: Any) -> Any:
    """Execute driver SQL on a DBAPI cursor of `connection` and return the cursor (the caller fetches and closes it).

    SQLAlchemy's own path for its special-case statements (`Connection._cursor_execute`): the engine's
    before/after_cursor_execute events, logging and error translation (handle_error, invalidation on a disconnect)
    as for any statement, without setting up an execution context and a result for each one (`exec_driver_sql`
    built the result's column metadata from the cursor on every call: most of a lookup's time on SQLite)."""
    cursor = connection.connection.cursor()
    try:
        connection._cursor_execute(cursor, sql, params)
    except BaseException:
        cursor.close()
        raise
    return cursor


_PREPARED: dict[int, tuple[Executable, Prepared]] = {}  # id(statement) -> it and its Prepared (module-level statements)


def prepared(statement: Executable, names: frozenset[str]) -> Prepared:
    """The one `Prepared` of a long-lived statement (made on first use)."""
    found = _PREPARED.get(id(statement))
    if found is None or found[0] is not statement:
        found = _PREPARED[id(statement)] = (statement, Prepared(statement, names))
    return found[1]
