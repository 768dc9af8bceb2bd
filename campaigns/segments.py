"""Segments: saved, named queries over resident fields, cell membership and history, previewable with a count.

Rules are a flat mapping, every rule must hold (AND); a list value means "any of" (IN):
  city, township, community, area, age_band, status: field equals
  consent: true/false (may get pushes under the consent mode)   channel: has an identity on that channel
  cell_type, cell_id, cell_name: member of such a cell
  inactive_days: N               no message for N days ("近30天未互动")
  active_days: N                 a message within N days
  with_event / without_event: K  has / has not a resident event of kind K (e.g. cell_join, subscribe)
  not_sent_campaign: ID          was not reached by that campaign
  opened / not_opened: ID        opened / did not open a tracked link of that campaign's pushes
  not_surveyed: SURVEY[/WAVE]    no completed response of theirs to that survey (wave) ("未参加满意度调查的居民");
                                 anonymous-mode and imported responses name nobody, so their respondents still match
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, true
from sqlalchemy.orm import Session

from campaigns.models import (
    Cell,
    CellMember,
    ChannelIdentity,
    Delivery,
    Resident,
    ResidentEvent,
    Segment,
    TrackedLink,
)
from campaigns.residents import effective_consent
from surveys.models import COMPLETED, SurveyResponse

FIELDS = {
    "city": Resident.city,
    "township": Resident.township,
    "community": Resident.community,
    "area": Resident.area,
    "age_band": Resident.age_band,
    "status": Resident.status,
}
INT_RULES = ("inactive_days", "active_days", "not_sent_campaign", "cell_id", "opened", "not_opened")
RULES = (
    *FIELDS,
    "consent",
    "channel",
    "cell_type",
    "cell_name",
    "with_event",
    "without_event",
    "not_surveyed",
    *INT_RULES,
)


class SegmentError(ValueError):
    """A rule that cannot be understood (message in Chinese)."""


def parse_rules(pairs: Sequence[str]) -> dict[str, Any]:
    """["township=新建路街道", "cell_type=学校,医院", "inactive_days=30"] → a rules mapping (validated)."""
    rules: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise SegmentError(f"条件应写成 字段=值：{pair}")
        values = [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
        rules[key] = values if len(values) > 1 else values[0]
    return validate(rules)


def validate(rules: Mapping[str, Any]) -> dict[str, Any]:
    """Check the rule names and value types; returns a normalised copy."""
    out: dict[str, Any] = {}
    for key, value in rules.items():
        if key not in RULES:
            raise SegmentError(f"未知的条件：{key}（可用：{', '.join(RULES)}）")
        if key in INT_RULES:
            try:
                out[key] = [int(v) for v in value] if isinstance(value, list) else int(value)
            except (TypeError, ValueError) as exc:
                raise SegmentError(f"{key} 需要整数：{value}") from exc
        elif key == "consent":
            out[key] = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "是")
        else:
            out[key] = value
    return out


def _in(column: Any, value: Any) -> ColumnElement[bool]:
    cond: ColumnElement[bool] = column.in_(value) if isinstance(value, list) else column == value
    return cond


def where(rules: Mapping[str, Any], *, now: dt.datetime, consent_mode: str = "opt_out") -> ColumnElement[bool]:
    """The SQL condition on `residents` for these rules."""
    conds: list[ColumnElement[bool]] = []
    for key, value in rules.items():
        if key in FIELDS:
            conds.append(_in(FIELDS[key], value))
        elif key == "consent":
            ok = effective_consent(consent_mode)
            conds.append(ok if value else ~ok)
        elif key == "channel":
            conds.append(
                exists().where(ChannelIdentity.resident_id == Resident.id, _in(ChannelIdentity.channel, value))
            )
        elif key in ("cell_type", "cell_name", "cell_id"):
            column = {"cell_type": Cell.type, "cell_name": Cell.name, "cell_id": Cell.id}[key]
            conds.append(
                exists().where(CellMember.resident_id == Resident.id, CellMember.cell_id == Cell.id, _in(column, value))
            )
        elif key == "inactive_days":
            conds.append(Resident.last_seen_at < now - dt.timedelta(days=int(value)))
        elif key == "active_days":
            conds.append(Resident.last_seen_at >= now - dt.timedelta(days=int(value)))
        elif key in ("with_event", "without_event"):
            has = exists().where(ResidentEvent.resident_id == Resident.id, _in(ResidentEvent.kind, value))
            conds.append(has if key == "with_event" else ~has)
        elif key == "not_surveyed":
            conds.append(~exists().where(SurveyResponse.resident_id == Resident.id, _surveyed(value)))
        elif key == "not_sent_campaign":
            conds.append(
                ~exists().where(
                    Delivery.resident_id == Resident.id, _in(Delivery.campaign_id, value), Delivery.state == "sent"
                )
            )
        elif key in ("opened", "not_opened"):
            clicked = exists().where(
                Delivery.resident_id == Resident.id,
                TrackedLink.delivery_id == Delivery.id,
                _in(TrackedLink.campaign_id, value),
                TrackedLink.clicked_at.is_not(None),
            )
            conds.append(clicked if key == "opened" else ~clicked)
    return and_(true(), *conds)


def _surveyed(value: Any) -> ColumnElement[bool]:
    """Completed responses to any of the named surveys ("public" or "public/2025")."""
    ors = []
    for item in value if isinstance(value, list) else [value]:
        survey_id, _, wave = str(item).partition("/")
        cond = SurveyResponse.survey_id == survey_id.strip()
        ors.append(and_(cond, SurveyResponse.wave == wave.strip()) if wave.strip() else cond)
    return and_(SurveyResponse.status == COMPLETED, or_(*ors))


def format_rules(rules: Mapping[str, Any]) -> list[str]:
    """The rules as the "字段=值" lines `parse_rules` reads (lists joined by commas, consent as 是/否)."""
    lines = []
    for key, value in rules.items():
        if isinstance(value, bool):
            text = "是" if value else "否"
        elif isinstance(value, list):
            text = ",".join(str(v) for v in value)
        else:
            text = str(value)
        lines.append(f"{key}={text}")
    return lines


def sample(
    session: Session, rules: Mapping[str, Any], *, now: dt.datetime, consent_mode: str = "opt_out", limit: int = 5
) -> list[Resident]:
    """A few matching residents, most recently seen first (for a preview)."""
    query = (
        select(Resident)
        .where(where(rules, now=now, consent_mode=consent_mode))
        .order_by(Resident.last_seen_at.desc(), Resident.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def unlinked_responses(session: Session, rules: Mapping[str, Any]) -> int:
    """Completed responses of the `not_surveyed` surveys that name no resident (anonymous mode, imports)."""
    value = rules.get("not_surveyed")
    if not value:
        return 0
    query = select(func.count()).where(SurveyResponse.resident_id.is_(None), _surveyed(value))
    return int(session.execute(query).scalar_one())


def audience(rules: Mapping[str, Any], *, now: dt.datetime) -> Select[int]:
    """SELECT residents.id for the rules (used to materialise a campaign's audience)."""
    return select(Resident.id).where(where(rules, now=now))


def count(session: Session, rules: Mapping[str, Any], *, now: dt.datetime, consent_mode: str = "opt_out") -> int:
    """How many residents match right now."""
    cond = where(rules, now=now, consent_mode=consent_mode)
    return int(session.execute(select(func.count()).select_from(Resident).where(cond)).scalar_one())


def save(session: Session, name: str, rules: Mapping[str, Any], *, now: dt.datetime) -> Segment:
    """Create or replace the named segment."""
    checked = validate(rules)
    segment = session.execute(select(Segment).where(Segment.name == name)).scalar_one_or_none()
    if segment is None:
        segment = Segment(name=name, rules=checked, created_at=now)
        session.add(segment)
    else:
        segment.rules = checked
    session.flush()
    return segment


def get(session: Session, name: str) -> Segment | None:
    """The segment called `name`."""
    return session.execute(select(Segment).where(Segment.name == name)).scalar_one_or_none()
