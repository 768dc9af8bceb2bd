"""One cache of computed indicator reports, shared by the console dashboard, the 问卷与指标 page, the printable report,
the chart and every export, so the indicators are not recomputed on each page view.

A report is kept per process, keyed by what it was asked for (survey definition, wave, breakdowns, weights, trend) and
checked on every use against a cheap version of the survey's responses read from the database (one aggregate: how many,
the highest id, the latest update). Another process that adds, changes or deletes a response changes that version, so
no process serves figures older than the database. The version is read before the report is computed in the same
transaction: a report may be newer than its version (then it is computed once more next time), never older.

The campaign reach shown beside the indicators comes from the delivery ledger, not from responses: it is read fresh.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys import report
from surveys.definition import Survey
from surveys.models import SurveyResponse
from surveys.reach import reach
from surveys.weights import Population

T = TypeVar("T")
MAX_ENTRIES = 64  # reports kept per process (a few surveys × waves × breakdowns); the oldest used is dropped

_ENTRIES: OrderedDict[str, tuple[tuple[Any, ...], Any]] = OrderedDict()  # key → (responses version, value)
_LOCK = threading.Lock()
_COMPUTING: dict[str, threading.Lock] = {}  # one lock per key: concurrent views of the same figures compute once


def version(session: Session, survey_id: str) -> tuple[Any, ...]:
    """What changes whenever a response of the survey is added, changed or deleted (one cheap aggregate)."""
    row = session.execute(
        select(func.count(), func.max(SurveyResponse.id), func.max(SurveyResponse.updated_at)).where(
            SurveyResponse.survey_id == survey_id
        )
    ).one()
    return tuple(row)


def clear() -> None:
    """Forget every kept report (tests and benches)."""
    with _LOCK:
        _ENTRIES.clear()
        _COMPUTING.clear()


def _key(*parts: Any) -> str:
    """A key for the figures asked for; the definition is part of it, so an edited questionnaire is a new key."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _database(session: Session) -> str:
    """The database the session reads (another database in the same process, as in tests, is kept apart)."""
    bind = session.get_bind()
    return str(bind.engine.url)


def _cached(key: str, stamp: tuple[Any, ...], compute: Callable[[], T]) -> T:
    with _LOCK:
        found = _ENTRIES.get(key)
        if found is not None and found[0] == stamp:
            _ENTRIES.move_to_end(key)
            return found[1]
        guard = _COMPUTING.setdefault(key, threading.Lock())
    with guard:
        with _LOCK:  # another thread may have computed it while this one waited
            found = _ENTRIES.get(key)
            if found is not None and found[0] == stamp:
                return found[1]
        value = compute()
        with _LOCK:
            _ENTRIES[key] = (stamp, value)
            _ENTRIES.move_to_end(key)
            while len(_ENTRIES) > MAX_ENTRIES:
                dropped, _ = _ENTRIES.popitem(last=False)
                _COMPUTING.pop(dropped, None)
    return value


def build(
    session: Session,
    survey: Survey,
    *,
    wave: str | None,
    by: Sequence[str] = (),
    weights: Population | None = None,
    weights_source: str | None = None,
    with_reach: bool = True,
    with_trend: bool = False,
) -> dict[str, Any]:
    """surveys.report.build, computed once per version of the survey's responses and reused (a copy is returned)."""
    # each breakdown dimension is kept on its own, so the page's township view and a download by township, age band
    # and identity share the township part; the overall figures are the same whatever the breakdown
    stamp = version(session, survey.id)
    where = _database(session)

    def part(dims: list[str]) -> dict[str, Any]:
        key = _key("report", where, survey, wave, dims, weights, weights_source)
        return _cached(
            key,
            stamp,
            lambda: report.build(
                session, survey, wave=wave, by=dims, weights=weights, weights_source=weights_source, with_reach=False
            ),
        )

    parts = [part([dim]) for dim in dict.fromkeys(by)] or [part([])]
    data: dict[str, Any] = copy.deepcopy(parts[0])
    for other in parts[1:]:
        data["breakdown"].update(copy.deepcopy(other["breakdown"]))
    if with_reach:
        data["reach"] = reach(session)
    if with_trend:
        data["trend"] = trend(session, survey, stamp=stamp)
    return data


def trend(session: Session, survey: Survey, *, stamp: tuple[Any, ...] | None = None) -> list[dict[str, Any]]:
    """surveys.report.trend (every wave with its intervals), computed once per version of the responses."""
    stamp = stamp if stamp is not None else version(session, survey.id)
    key = _key("trend", _database(session), survey)
    return copy.deepcopy(_cached(key, stamp, lambda: report.trend(session, survey)))
