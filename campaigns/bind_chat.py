"""The chat side of binding: "绑定" gives a code, "绑定 123456" (or the bare code while one's own is open) merges."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from campaigns import binding
from campaigns import binding_texts as texts
from campaigns.models import ChannelIdentity, Resident
from knowledge.answer import Answer
from surveys.keys import resolve_salt

if TYPE_CHECKING:
    from bot.dialogue import Turn

BIND = re.compile(r"^(?:绑定|綁定)\s*[:：]?\s*([\d\s]{6,12})$")
BARE_CODE = re.compile(r"^\d{6}$")


def binding_hook(turn: Turn) -> Answer | None:
    """Handle 绑定 words and codes; None when the message is about something else."""
    if turn.message.kind != "text":
        return None
    text = unicodedata.normalize("NFKC", turn.text).strip().rstrip("。.!！ ")
    if text in texts.BIND_WORDS or text in texts.STAFF_BIND_WORDS:
        salt = resolve_salt(turn.settings.surveys.salt, turn.settings.data_dir)
        try:
            code = binding.issue_code(
                turn.session, turn.resident, channel=turn.message.channel, external_id=turn.message.user_id,
                salt=salt, now=turn.now,
            )  # fmt: skip
        except binding.BindRefused as exc:
            return Answer("command", str(exc), 1.0, "campaigns:bind")
        template = texts.STAFF_CODE_ISSUED if text in texts.STAFF_BIND_WORDS else texts.CODE_ISSUED
        return Answer("command", template.format(code=code), 1.0, "campaigns:bind")
    m = BIND.match(text)
    if m is None and BARE_CODE.match(text) and binding.has_open_code(turn.session, turn.resident_id, now=turn.now):
        m = BARE_CODE.match(text)
    if m is None:
        return None
    return _bind(turn, m.group(m.lastindex or 0), resolve_salt(turn.settings.surveys.salt, turn.settings.data_dir))


def _bind(turn: Turn, code: str, salt: str) -> Answer:
    session, resident = turn.session, turn.resident
    try:
        found = binding.use_code(session, code, who=f"resident:{resident.id}", salt=salt, now=turn.now)
    except binding.BindRefused as exc:
        return Answer("command", str(exc), 1.0, "campaigns:bind")
    if found.resident_id == resident.id:
        if found.channel == turn.message.channel and found.external_id == turn.message.user_id:
            found.used_at = None  # their own fresh code: keep it for the other channel
            return Answer("command", texts.SELF_CODE.format(code=binding.normalise_code(code)), 1.0, "campaigns:bind")
        return Answer("command", texts.ALREADY_BOUND, 1.0, "campaigns:bind")
    other = session.get(Resident, found.resident_id)
    if other is None:
        return Answer("command", texts.WRONG_CODE, 1.0, "campaigns:bind")
    # the sender is kept (this turn goes on writing its chat log under it); the merge takes the older created_at
    result = binding.merge(session, resident, other, salt=salt, now=turn.now)
    channels = session.query(ChannelIdentity.channel).filter(ChannelIdentity.resident_id == result.kept).all()
    names = "、".join(dict.fromkeys(texts.CHANNEL_NAMES.get(c, c) for (c,) in channels))
    reply = texts.BOUND.format(channels=names)
    if resident.status == "stopped":
        reply += texts.BOUND_STOPPED
    if result.dropped_responses:
        reply += texts.BOUND_DUPLICATE.format(waves="、".join(result.dropped_responses))
    return Answer("command", reply, 1.0, "campaigns:bind")
