"""Personal survey links (/s/<token>): one resident, one survey wave, an expiry, used once.

Two kinds of token, both unguessable and both stored only as a SHA-256 hash:
- issued: random, stored when issued (`issue`);
- of a campaign push: derived from the delivery id with an HMAC under the survey salt (`delivery_token`), so
  rendering needs no database write and a re-send of the same delivery carries the same link; the row is
  stored when the link is first opened, with the delivery's resident and an expiry counted from the delivery.

The one-response rule is the chat's: a link answers under the resident's respondent key, so a resident who
answered in chat cannot answer again on the web, and the other way round.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaigns.models import Delivery
from surveys import flow
from surveys.definition import Survey
from surveys.keys import respondent_key
from surveys.models import COMPLETED, SurveyAnswer, SurveyLink, SurveyResponse

DELIVERY_TOKEN = re.compile(r"^d(\d{1,18})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{1,32})$")
OK, INVALID, EXPIRED, USED = "ok", "invalid", "expired", "used"
PLACEHOLDER = "问卷链接"  # {问卷链接} in campaign text (campaigns.content)


@dataclass
class Opened:
    """What a token leads to: a state (ok, invalid, expired, used), and the link and survey when known."""

    state: str
    link: SurveyLink | None = None
    survey: Survey | None = None


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def delivery_token(salt: str, delivery_id: int, survey_id: str) -> str:
    """The token carried by one campaign delivery (the same every time it is rendered)."""
    mac = hmac.new(salt.encode(), f"survey-link\x1f{delivery_id}\x1f{survey_id}".encode(), hashlib.sha256).digest()
    return f"d{delivery_id}.{base64.urlsafe_b64encode(mac[:16]).decode().rstrip('=')}.{survey_id}"


def url(base_url: str, token: str) -> str:
    """The link as residents see it."""
    return f"{base_url.rstrip('/')}/s/{token}"


def issue(session: Session, survey: Survey, *, resident_id: int, now: dt.datetime, ttl: dt.timedelta) -> str:
    """A new random link for one resident (e.g. for staff to send by hand); returns the token."""
    token = secrets.token_urlsafe(24)
    session.add(
        SurveyLink(
            token_hash=token_hash(token),
            survey_id=survey.id,
            version=survey.version,
            wave=survey.wave,
            resident_id=resident_id,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    return token


def open_link(
    session: Session,
    token: str,
    surveys: Mapping[str, Survey],
    *,
    salt: str,
    now: dt.datetime,
    ttl: dt.timedelta,
    lock: bool = False,
) -> Opened:
    """Find (or, for a valid delivery token, store) the link, and say whether it can be answered now."""
    if not token or len(token) > 80:
        return Opened(INVALID)
    query = select(SurveyLink).where(SurveyLink.token_hash == token_hash(token))
    link = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if link is None:
        link = _from_delivery(session, token, surveys, salt=salt, ttl=ttl, now=now)
        if link is None:
            return Opened(INVALID)
    survey = surveys.get(link.survey_id)
    if survey is None:
        return Opened(INVALID, link)
    if link.used_at is not None or _completed(session, survey, link, salt):
        return Opened(USED, link, survey)
    if now >= link.expires_at or (survey.version, survey.wave) != (link.version, link.wave):
        return Opened(EXPIRED, link, survey)
    return Opened(OK, link, survey)


def _from_delivery(
    session: Session, token: str, surveys: Mapping[str, Survey], *, salt: str, ttl: dt.timedelta, now: dt.datetime
) -> SurveyLink | None:
    found = DELIVERY_TOKEN.match(token)
    if found is None:
        return None
    delivery_id, survey_id = int(found.group(1)), found.group(3)
    if not hmac.compare_digest(delivery_token(salt, delivery_id, survey_id), token):
        return None
    survey = surveys.get(survey_id)
    delivery = session.get(Delivery, delivery_id)
    if survey is None or delivery is None:
        return None
    link = SurveyLink(
        token_hash=token_hash(token),
        survey_id=survey.id,
        version=survey.version,
        wave=survey.wave,
        resident_id=delivery.resident_id,
        delivery_id=delivery_id,
        created_at=now,
        expires_at=delivery.created_at + ttl,
    )
    try:
        with session.begin_nested():
            session.add(link)
            session.flush()
    except IntegrityError:  # opened twice at once: the other request stored it
        return session.execute(
            select(SurveyLink).where(SurveyLink.token_hash == token_hash(token))
        ).scalar_one_or_none()
    return link


def _key(salt: str, survey: Survey, link: SurveyLink) -> str:
    return respondent_key(salt, survey.id, f"resident:{link.resident_id}")


def _completed(session: Session, survey: Survey, link: SurveyLink, salt: str) -> bool:
    if (survey.version, survey.wave) != (link.version, link.wave):
        return False
    response = flow.find(session, survey, _key(salt, survey, link))
    return response is not None and response.status == COMPLETED


def submit(
    session: Session,
    opened: Opened,
    answers: Mapping[str, list[str]],
    *,
    salt: str,
    now: dt.datetime,
) -> SurveyResponse | None:
    """Store a validated submission through an open link; None when the resident has already answered.

    A partial chat response of the same resident is completed with the web answers rather than duplicated.
    """
    link, survey = opened.link, opened.survey
    assert opened.state == OK and link is not None and survey is not None
    key = _key(salt, survey, link)
    existing = flow.find(session, survey, key, lock=True)
    if existing is not None and existing.status == COMPLETED:
        return None
    if existing is None:
        response = flow.submit(
            session, survey, answers, key=key, resident_id=link.resident_id, channel="web", source="link", now=now
        )
        if response is None:
            return None
    else:
        response = existing
        session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
        session.expire(response, ["answers"])
        for question in survey.questions:
            if question.id in answers:
                flow.store(session, response, question, answers[question.id])
        response.channel, response.source = "web", "link"
        response.status = COMPLETED
        response.current_question = None
        response.completed_at = now
        response.updated_at = now
    session.flush()
    link.used_at = now
    link.response_id = response.id
    return response
