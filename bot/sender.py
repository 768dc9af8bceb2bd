"""Who sent a message and what their turn reads before answering, in one statement (one round trip per message).

The resident behind (channel, external_id), their last minute's chat counts (the per-resident rate limit), their
conversation state, their open 人工客服 conversation, the knowledge version (the check that keeps the in-process
knowledge snapshot current) and whether any survey response exists under the given respondent keys (computed from
the resident id this process saw last for the sender; trusted only if the row's resident is that one) all come back in
one indexed row; a sender seen for the first time gets no row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, exists, select
from sqlalchemy.orm import Session

from bot import ratelimit
from bot.handover_models import HandoverConversation
from bot.models import ConversationState
from campaigns.models import ChannelIdentity, Resident
from knowledge.meta import VERSION_KEY
from knowledge.models import KbMeta
from surveys.models import SurveyResponse


@dataclass
class Sender:
    """A known resident and what their turn needs: the rate limit's verdict, state, open conversation, KB version."""

    resident: Resident
    verdict: ratelimit.Verdict | None
    state: ConversationState | None
    handover: HandoverConversation | None
    knowledge_version: str
    survey_keys_absent: frozenset[str]  # respondent keys known to have no survey response (empty: unknown)


_KB_VERSION = select(KbMeta.value).where(KbMeta.key == VERSION_KEY).scalar_subquery()
_ANY_RESPONSE = exists().where(SurveyResponse.respondent_key.in_(bindparam("survey_keys", expanding=True)))
# built once: the statement is compiled once per dialect and cached; the outer joins hit a primary key (conversation
# state) and a unique partial index (one open conversation per resident), so they never multiply the row
_SENDER = (
    select(
        Resident,
        ratelimit.since_count(None),
        ratelimit.since_count(ratelimit.LIMITED),
        ConversationState,
        HandoverConversation,
        _KB_VERSION,
        _ANY_RESPONSE,
    )
    .join(ChannelIdentity, ChannelIdentity.resident_id == Resident.id)
    .outerjoin(ConversationState, ConversationState.resident_id == Resident.id)
    .outerjoin(
        HandoverConversation,
        and_(HandoverConversation.resident_id == Resident.id, HandoverConversation.status == "open"),
    )
    .where(ChannelIdentity.channel == bindparam("channel"), ChannelIdentity.external_id == bindparam("external_id"))
)


def find(
    session: Session,
    *,
    channel: str,
    external_id: str,
    now: dt.datetime,
    per_minute: int,
    survey_keys: tuple[int, list[str]] | None = None,
) -> Sender | None:
    """The known sender with the per-resident limit's verdict (None when `per_minute` is 0 or under it); None if new.

    `survey_keys` is (resident id, that resident's respondent keys): when the sender turns out to be that resident and
    none of the keys has a response, `survey_keys_absent` holds them (the survey hook then needs no statement)."""
    resident_id, keys = survey_keys or (0, [])
    params = {"channel": channel, "external_id": external_id, "since": now - ratelimit.WINDOW, "survey_keys": keys}
    row = session.execute(_SENDER, params).first()
    if row is None:
        return None
    resident, answered, noticed, state, handover, version, any_response = row
    verdict = ratelimit.verdict(int(answered), int(noticed), per_minute) if per_minute > 0 else None
    absent = frozenset(keys) if keys and resident.id == resident_id and not any_response else frozenset()
    return Sender(resident, verdict, state, handover, version or "0", absent)
