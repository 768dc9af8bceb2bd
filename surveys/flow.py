"""The survey conversation and submissions: one question at a time, progress kept on the response row.

Every step reads and writes `survey_responses` / `survey_answers` in the caller's session, so whichever worker
gets the next message continues where the last one stopped. The same functions validate whole submissions
(web form, imports) with the same skip logic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from surveys import texts
from surveys.answers import parse
from surveys.definition import Question, Survey
from surveys.models import COMPLETED, DIMENSIONS, EXPIRED, IN_PROGRESS, STOPPED, SurveyAnswer, SurveyResponse


@dataclass
class Prompt:
    """What to say next: the text and, for choice questions, the options as (key, label) buttons."""

    text: str
    options: list[tuple[str, str]] = field(default_factory=list)
    question: str | None = None
    done: bool = False


def find(session: Session, survey: Survey, key: str, *, lock: bool = False) -> SurveyResponse | None:
    """The respondent's response to the survey's current version and wave."""
    query = select(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id,
        SurveyResponse.version == survey.version,
        SurveyResponse.wave == survey.wave,
        SurveyResponse.respondent_key == key,
    )
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def begin(
    session: Session,
    survey: Survey,
    *,
    key: str,
    resident_id: int | None,
    channel: str | None,
    source: str,
    now: dt.datetime,
) -> SurveyResponse:
    """Create the respondent's response (or return the one a concurrent worker just created)."""
    response = SurveyResponse(
        survey_id=survey.id,
        version=survey.version,
        wave=survey.wave,
        respondent_key=key,
        resident_id=None if survey.anonymous else resident_id,
        source=source,
        channel=channel,
        status=IN_PROGRESS,
        reasks=0,
        started_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
    except IntegrityError:
        existing = find(session, survey, key, lock=True)
        if existing is None:
            raise
        return existing
    return response


def answers_of(session: Session, response: SurveyResponse) -> dict[str, list[str]]:
    """The stored answers of a response, by question id."""
    rows = session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.value)
        .where(SurveyAnswer.response_id == response.id)
        .order_by(SurveyAnswer.id)
    )
    found: dict[str, list[str]] = {}
    for question_id, value in rows:
        found.setdefault(question_id, []).append(value)
    return found


def store(session: Session, response: SurveyResponse, question: Question, values: Sequence[str]) -> None:
    """Replace the answer to one question (and copy demographic answers onto the response)."""
    if response.id is not None:
        session.execute(
            delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id, SurveyAnswer.question_id == question.id)
        )
    for value in values:
        response.answers.append(SurveyAnswer(question_id=question.id, value=value))
    if question.id in DIMENSIONS:
        setattr(response, question.id, values[0] if values else None)


def ask(survey: Survey, question: Question, *, error: str | None = None, lead: str = "") -> Prompt:
    """The prompt for one question (after an error, the error first and the options again)."""
    position = [q.id for q in survey.questions].index(question.id) + 1
    lines = [lead] if lead else []
    if error:
        lines.append(error)
    lines.append(texts.PROGRESS.format(n=position, total=len(survey.questions)) + question.text)
    options = [(str(i), o.label) for i, o in enumerate(question.options, 1)]
    lines.extend(f"{key}. {label}" for key, label in options)
    hint = {
        "multiple": texts.HINT_MULTIPLE,
        "number": texts.HINT_NUMBER,
        "text": texts.HINT_TEXT,
    }.get(question.type, texts.HINT_SINGLE)
    if not question.required:
        hint += texts.HINT_OPTIONAL
    lines.append(hint + texts.HINT_STOP)
    return Prompt("\n".join(lines), options, question.id)


def current_prompt(session: Session, survey: Survey, response: SurveyResponse, *, lead: str = "") -> Prompt:
    """Ask the question the response is waiting for (the first one when none yet)."""
    if response.status == COMPLETED:
        return Prompt(texts.THANKS, done=True)
    if response.status == STOPPED:
        return Prompt(texts.STOPPED, done=True)
    question = _waiting_for(session, survey, response)
    if question is None:
        return _complete(response, response.updated_at)
    return ask(survey, question, lead=lead)


def _waiting_for(session: Session, survey: Survey, response: SurveyResponse) -> Question | None:
    if response.current_question is not None:
        try:
            return survey.question(response.current_question)
        except KeyError:
            pass
    question = survey.next_question(None, answers_of(session, response))
    response.current_question = question.id if question is not None else None
    return question


def take_answer(session: Session, survey: Survey, response: SurveyResponse, text: str, now: dt.datetime) -> Prompt:
    """Store the answer to the waiting question and ask the next, or ask again showing why."""
    question = _waiting_for(session, survey, response)
    response.updated_at = now
    if question is None:
        return _complete(response, now)
    parsed = parse(question, text)
    if not parsed.ok:
        response.reasks += 1
        return ask(survey, question, error=parsed.error)
    response.reasks = 0
    store(session, response, question, parsed.values)
    session.flush()
    following = survey.next_question(question.id, answers_of(session, response))
    if following is None:
        return _complete(response, now)
    response.current_question = following.id
    return ask(survey, following)


def _complete(response: SurveyResponse, now: dt.datetime) -> Prompt:
    response.status = COMPLETED
    response.current_question = None
    response.completed_at = now
    response.updated_at = now
    return Prompt(texts.THANKS, done=True)


def stop(response: SurveyResponse, now: dt.datetime) -> Prompt:
    """The respondent left (退出): keep the partial answers."""
    response.status = STOPPED
    response.updated_at = now
    return Prompt(texts.STOPPED, done=True)


def resume(session: Session, survey: Survey, response: SurveyResponse, now: dt.datetime) -> Prompt:
    """Continue a stopped or expired response where it was left."""
    response.status = IN_PROGRESS
    response.updated_at = now
    return current_prompt(session, survey, response, lead=texts.RESUME)


def is_stale(response: SurveyResponse, now: dt.datetime, max_age: dt.timedelta) -> bool:
    """True when an unfinished chat response has waited longer than `max_age`."""
    return response.status == IN_PROGRESS and now - response.updated_at > max_age


def expire_stale(session: Session, *, now: dt.datetime, max_age: dt.timedelta) -> int:
    """Mark every unfinished response idle for longer than `max_age` as expired (answers kept); returns how many."""
    stale = session.execute(
        select(SurveyResponse).where(SurveyResponse.status == IN_PROGRESS, SurveyResponse.updated_at < now - max_age)
    ).scalars()
    count = 0
    for response in stale:
        response.status = EXPIRED
        count += 1
    return count


def validate(
    survey: Survey, raw: Mapping[str, str | Sequence[str]], *, fuzzy: bool = False
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Check a whole submission with the skip logic: (answers by question, errors by question)."""
    answers: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for question in survey.questions:
        if not survey.visible(question, answers):
            continue
        given = raw.get(question.id)
        text = given or "" if isinstance(given, str) or given is None else "┋".join(v for v in given if v)
        parsed = parse(question, text, fuzzy=fuzzy)
        if parsed.error is not None:
            errors[question.id] = parsed.error.rstrip("：:")
        elif parsed.values:
            answers[question.id] = parsed.values
    return answers, errors


def submit(
    session: Session,
    survey: Survey,
    answers: Mapping[str, list[str]],
    *,
    key: str | None,
    resident_id: int | None,
    channel: str | None,
    source: str,
    now: dt.datetime,
    import_batch: str | None = None,
    wave: str | None = None,
    submitted_at: dt.datetime | None = None,
    verification: str | None = None,
) -> SurveyResponse | None:
    """Store a validated, complete submission; None when this respondent already has a response."""
    submitted_at = submitted_at or now
    response = SurveyResponse(
        survey_id=survey.id,
        version=survey.version,
        wave=wave or survey.wave,
        respondent_key=key,
        resident_id=None if survey.anonymous else resident_id,
        source=source,
        verification=verification,
        channel=channel,
        status=COMPLETED,
        reasks=0,
        import_batch=import_batch,
        started_at=submitted_at,
        updated_at=now,
        completed_at=submitted_at,
    )
    for question in survey.questions:
        if question.id in answers:
            store(session, response, question, answers[question.id])
    if key is None:  # imports: no respondent to check, and no flush per row
        session.add(response)
        return response
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
    except IntegrityError:
        return None
    return response
