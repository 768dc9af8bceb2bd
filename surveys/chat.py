"""The survey hook of the chat core: starts a survey on 调查/问卷/满意度, /survey or a menu click, takes the
answers of a survey in progress, and lets everything else pass to the next hook."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select

from knowledge.answer import Answer, Choice
from surveys import flow, texts, verification
from surveys.definition import DefinitionError, Survey, load_surveys
from surveys.keys import message_key, resolve_salt, respondent_key
from surveys.models import COMPLETED, EXPIRED, IN_PROGRESS, SurveyResponse

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.dialogue import Turn

log = logging.getLogger(__name__)
DEFAULT_SURVEY = "public"
START_EVENTS = frozenset({"click", "scan", "start", "subscribe"})
# built once: building the statement on every message cost a third of the hook (bench/profile_chat.py)
_RESPONSES = (
    select(SurveyResponse)
    .where(SurveyResponse.respondent_key.in_(bindparam("keys", expanding=True)))
    .order_by(SurveyResponse.updated_at.desc())
    .with_for_update()
)


# the last (settings, second of `now`) asked about and its answer: every message of that second shares it
_LAST: dict[str, tuple[tuple[object, ...], dict[str, Survey], str]] = {}


def current_surveys(settings: Settings, now: dt.datetime) -> tuple[dict[str, Survey], str]:
    """The survey definitions in force at `now` and the salt ("" when there is no survey); DefinitionError when broken.

    Asked twice per message (respondent keys for the sender lookup, then the hook), by every message: the files are
    listed, stat-ed and read at most once per second of message time; the messages of one second share the answer.
    A calendar wave changes on a whole second (local midnight), so they share the wave too; a changed file is seen
    from the next second on."""
    key = (settings.surveys.extra_dir, settings.surveys.salt, settings.data_dir, now.timestamp() // 1)
    last = _LAST.get("last")
    if last is not None and last[0] == key:
        return last[1], last[2]
    surveys = load_surveys(settings.surveys.extra_dir, now=now)
    salt = resolve_salt(settings.surveys.salt, settings.data_dir) if surveys else ""
    _LAST["last"] = (key, surveys, salt)
    return surveys, salt


def survey_hook(turn: Turn) -> Answer | None:
    """Answer when a survey is in progress or being started; None otherwise."""
    message = turn.message
    try:
        surveys, salt = current_surveys(turn.settings, turn.now)
    except DefinitionError:
        log.exception("survey definitions are broken; surveys are off until they are fixed")
        return None
    if not surveys:
        return None
    subject = f"resident:{turn.resident_id}"
    if message.kind == "text" and turn.text.strip().strip("。！!？?").lower() in texts.CODE_WORDS:
        return _code(turn, surveys.get(DEFAULT_SURVEY) or next(iter(surveys.values())), salt, subject)
    keyed = {respondent_key(salt, s.id, subject): s for s in surveys.values()}
    if keyed.keys() <= turn.survey_keys_absent:  # read with the resident (bot/sender.py): no response, nothing to lock
        rows: Sequence[SurveyResponse] = []
    else:
        rows = turn.session.execute(_RESPONSES, {"keys": list(keyed)}).scalars().all()
    current = [r for r in rows if _is_current(r, keyed[r.respondent_key or ""])]
    started = _wanted_survey(turn, surveys)
    if not current and started is None:
        return None  # no survey in progress or asked for (most messages): nothing to fingerprint
    fingerprint = message_key(
        message.channel, message.user_id, message.received_at.isoformat(), message.kind, message.event, turn.text
    )
    for response in current:
        if response.last_message_key == fingerprint:  # the same message delivered again: say the same, store nothing
            return _answer(flow.current_prompt(turn.session, keyed[response.respondent_key or ""], response))
    active = next((r for r in current if r.status == IN_PROGRESS), None)
    max_age = dt.timedelta(hours=turn.settings.surveys.expire_hours)
    if active is not None and flow.is_stale(active, turn.now, max_age):
        active.status = EXPIRED  # partial answers kept; the next 问卷 resumes it
        active = None
    if active is not None and started is None:
        if message.kind != "text":
            return None
        survey = keyed[active.respondent_key or ""]
        active.last_message_key = fingerprint
        if turn.text.strip() in texts.STOP_WORDS:
            return _answer(flow.stop(active, turn.now))
        return _answer(flow.take_answer(turn.session, survey, active, turn.text, turn.now))
    if started is None:
        return None
    key = respondent_key(salt, started.id, subject)
    existing = next((r for r in current if r.respondent_key == key), None)
    if existing is None:
        response = flow.begin(
            turn.session,
            started,
            key=key,
            resident_id=turn.resident_id,
            channel=message.channel,
            source="chat",
            now=turn.now,
        )
        response.last_message_key = fingerprint
        if response.status == COMPLETED:
            return _answer(flow.Prompt(texts.ALREADY_DONE.format(title=started.title), done=True))
        return _answer(flow.current_prompt(turn.session, started, response, lead=started.intro))
    response = existing
    response.last_message_key = fingerprint
    if response.status == COMPLETED:
        return _answer(flow.Prompt(texts.ALREADY_DONE.format(title=started.title), done=True))
    if response.status == IN_PROGRESS:
        return _answer(flow.current_prompt(turn.session, started, response))
    return _answer(flow.resume(turn.session, started, response, turn.now))


def respondent_keys(settings: Settings, resident_id: int, now: dt.datetime) -> list[str]:
    """The resident's respondent keys of every current survey, as `survey_hook` computes them; [] if surveys are off."""
    try:
        surveys, salt = current_surveys(settings, now)
    except DefinitionError:
        return []  # the hook logs it
    return [respondent_key(salt, s.id, f"resident:{resident_id}") for s in surveys.values()]


def _code(turn: Turn, survey: Survey, salt: str, subject: str) -> Answer:
    """A one-time code for the web form (问卷验证码), from accountable channels only."""
    if turn.message.channel not in turn.settings.surveys.code_channels:
        return Answer("command", texts.CODE_NOT_HERE, 1.0, "survey")
    done = flow.find(turn.session, survey, respondent_key(salt, survey.id, subject))
    if done is not None and done.status == COMPLETED:
        return Answer("command", texts.CODE_ALREADY.format(title=survey.title), 1.0, "survey")
    code = verification.issue_code(
        turn.session, survey_id=survey.id, resident_id=turn.resident_id, salt=salt, now=turn.now
    )
    minutes = int(verification.CODE_TTL.total_seconds() // 60)
    return Answer("command", texts.CODE_GIVEN.format(code=code, minutes=minutes, title=survey.title), 1.0, "survey")


def _is_current(response: SurveyResponse, survey: Survey) -> bool:
    return response.version == survey.version and response.wave == survey.wave


def _wanted_survey(turn: Turn, surveys: dict[str, Survey]) -> Survey | None:
    """The survey the message asks to start, if any."""
    message = turn.message
    if message.kind == "text":
        word = turn.text.strip().strip("。！!？?").lower()
        if word in texts.START_WORDS:
            return surveys.get(DEFAULT_SURVEY) or next(iter(surveys.values()))
        if word.startswith("/survey "):
            return surveys.get(word.split(maxsplit=1)[1].strip())
        return None
    if message.event not in START_EVENTS:
        return None
    for value in message.data.values():
        tag = str(value).strip().lower()
        if tag.startswith("qrscene_"):
            tag = tag[len("qrscene_") :]
        if tag == "survey":
            return surveys.get(DEFAULT_SURVEY)
        for prefix in ("survey_", "survey:"):
            if tag.startswith(prefix):
                return surveys.get(tag[len(prefix) :])
    return None


def _answer(prompt: flow.Prompt) -> Answer:
    choices = [Choice(key, label) for key, label in prompt.options]
    extra = {"survey_question": prompt.question} if prompt.question else {}
    return Answer("command", prompt.text, 1.0, "survey", choices=choices, extra=extra)
