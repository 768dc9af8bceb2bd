"""Finding residents for staff (by number, by channel account, by a name on a cell's resident list) and one
resident's card: channel accounts, cells, consent, last activity and survey responses. Used by `wufei residents`
and the console's resident page, so both find the same people the same way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from campaigns.models import Cell, CellMember, ChannelIdentity, Resident, RosterEntry
from campaigns.residents import consents
from campaigns.roster import mask
from surveys.models import SurveyResponse

SEARCH_LIMIT = 50
MIN_FRAGMENT = 2  # characters of a partial channel account or name before it is searched (no one-letter trawls)
STATUS_NAMES = {"active": "正常", "stopped": "已退订", "unreachable": "无法送达"}
CHANNEL_NAMES = {"web": "网页聊天", "wechat": "微信公众号", "telegram": "Telegram", "console": "命令行"}
VIA_NAMES = {"qr": "扫码", "link": "链接", "chat": "聊天", "import": "导入"}


@dataclass
class Identity:
    """One channel account of a resident."""

    id: int
    channel: str
    external_id: str
    created_at: dt.datetime

    @property
    def label(self) -> str:
        """ "wechat:o_abc", as the CLI takes it."""
        return f"{self.channel}:{self.external_id}"

    @property
    def channel_name(self) -> str:
        """The channel's Chinese name."""
        return CHANNEL_NAMES.get(self.channel, self.channel)


@dataclass
class Membership:
    """A cell the resident joined."""

    cell_id: int
    name: str
    township: str
    via: str
    joined_at: dt.datetime

    @property
    def via_name(self) -> str:
        """How they joined, in Chinese."""
        return VIA_NAMES.get(self.via, self.via)


@dataclass
class Card:
    """What staff see of one resident."""

    id: int
    status: str
    status_reason: str | None
    push_consent: bool
    consent_at: dt.datetime | None
    receives_pushes: bool
    consent_name: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    township: str | None
    community: str | None
    survey_responses: int
    identities: list[Identity] = field(default_factory=list)
    cells: list[Membership] = field(default_factory=list)
    roster_names: list[str] = field(default_factory=list)  # masked, from cell resident lists

    @property
    def status_name(self) -> str:
        """The status in Chinese."""
        return STATUS_NAMES.get(self.status, self.status)


def find(session: Session, who: str) -> Resident | None:
    """A resident by number ("12") or by one of their channel accounts ("wechat:o_abc")."""
    who = who.strip()
    channel, sep, external_id = who.partition(":")
    if not sep:
        return session.get(Resident, int(who)) if who.isdigit() and len(who) < 10 else None
    return session.execute(
        select(Resident)
        .join(ChannelIdentity)
        .where(ChannelIdentity.channel == channel.strip(), ChannelIdentity.external_id == external_id.strip())
    ).scalar_one_or_none()


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(session: Session, query: str, *, limit: int = SEARCH_LIMIT) -> list[Resident]:
    """Residents matching `query`: the number, an exact "渠道:账号", part of a channel account, or part of a name on
    a cell's resident list whose channel account is known; newest activity first."""
    query = query.strip()[:128]
    if not query:
        return []
    exact = find(session, query)
    found: dict[int, Resident] = {exact.id: exact} if exact is not None else {}
    if len(query) >= MIN_FRAGMENT:
        pattern = _like(query)
        by_account = select(ChannelIdentity.resident_id).where(ChannelIdentity.external_id.like(pattern, escape="\\"))
        by_name = (
            select(ChannelIdentity.resident_id)
            .join(
                RosterEntry,
                (RosterEntry.channel == ChannelIdentity.channel)
                & (RosterEntry.external_id == ChannelIdentity.external_id),
            )
            .where(RosterEntry.name.like(pattern, escape="\\"))
        )
        rows = session.scalars(
            select(Resident)
            .where(or_(Resident.id.in_(by_account), Resident.id.in_(by_name)))
            .order_by(Resident.last_seen_at.desc(), Resident.id.desc())
            .limit(limit)
        ).all()
        for row in rows:
            found.setdefault(row.id, row)
    return list(found.values())[:limit]


def _consent_name(resident: Resident, mode: str) -> str:
    if resident.status == "stopped" or (resident.consent_at is not None and not resident.push_consent):
        return "已退订"
    if resident.push_consent:
        return "已订阅"
    if mode == "opt_out":
        return "默认接收（关注或开始聊天即同意，可回复“退订”）"
    return "未同意（需回复“订阅”）"


def card(session: Session, resident: Resident, *, consent_mode: str) -> Card:
    """One resident's card (see `Card`)."""
    identities = [
        Identity(i.id, i.channel, i.external_id, i.created_at)
        for i in session.scalars(
            select(ChannelIdentity).where(ChannelIdentity.resident_id == resident.id).order_by(ChannelIdentity.id)
        )
    ]
    cells = [
        Membership(cell.id, cell.name, cell.township, member.via, member.joined_at)
        for member, cell in session.execute(
            select(CellMember, Cell)
            .join(Cell, Cell.id == CellMember.cell_id)
            .where(CellMember.resident_id == resident.id)
            .order_by(CellMember.joined_at)
        ).all()
    ]
    responses = session.scalar(
        select(func.count()).select_from(SurveyResponse).where(SurveyResponse.resident_id == resident.id)
    )
    names: list[str] = []
    if identities:
        pairs = [(i.channel, i.external_id) for i in identities]
        rows = session.scalars(
            select(RosterEntry.name).where(
                or_(*((RosterEntry.channel == c) & (RosterEntry.external_id == e) for c, e in pairs))
            )
        ).all()
        names = sorted({mask(n) for n in rows})
    return Card(
        id=resident.id,
        status=resident.status,
        status_reason=resident.status_reason,
        push_consent=bool(resident.push_consent),
        consent_at=resident.consent_at,
        receives_pushes=consents(resident, consent_mode),
        consent_name=_consent_name(resident, consent_mode),
        created_at=resident.created_at,
        last_seen_at=resident.last_seen_at,
        township=resident.township,
        community=resident.community,
        survey_responses=int(responses or 0),
        identities=identities,
        cells=cells,
        roster_names=names,
    )
