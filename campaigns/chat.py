"""The chat side of campaigns: 订阅 / 退订 / TD / 停止推送, the unsubscribe event, and joins by QR code, deep link or
command (a join is also a 订阅: the resident asked for that cell's or campaign's pushes).

Scenes look like "cell_12" or "campaign_3" (WeChat may prefix "qrscene_"). A join on a subscribe/start event
is silent (returns None) so onboarding still greets the resident.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from campaigns import cells, residents, texts
from campaigns.models import Campaign, Cell
from knowledge.answer import Answer

if TYPE_CHECKING:
    from bot.dialogue import Turn

log = logging.getLogger(__name__)
SCENE = re.compile(r"^(?:qrscene_)?(cell|campaign)_(\d{1,9})$")
JOIN_COMMAND = re.compile(r"^(?:加入|参加)(?:无废)?细胞\s*[:：]?\s*(\S.{0,63})$")
SILENT_EVENTS = ("subscribe", "start")


def _word(text: str) -> str:
    return text.strip().lower().rstrip("。.!！ ").replace("“", "").replace("”", "").replace('"', "")


def subscription_hook(turn: Turn) -> Answer | None:
    """Handle push consent words and scene joins; None when the message is about something else."""
    message = turn.message
    if message.kind == "event":
        return _event(turn)
    word = _word(turn.text)
    if word in texts.SUBSCRIBE_WORDS:
        if turn.resident.push_consent and turn.resident.status == "active":
            return Answer("command", texts.ALREADY_SUBSCRIBED, 1.0, "campaigns:subscribe")
        residents.subscribe(turn.session, turn.resident, now=turn.now)
        return Answer("command", texts.SUBSCRIBED, 1.0, "campaigns:subscribe")
    if word in texts.UNSUBSCRIBE_WORDS:
        residents.unsubscribe(
            turn.session, turn.resident, now=turn.now, reason=f"{message.channel}: {turn.text.strip()[:32]}"
        )
        return Answer("command", texts.UNSUBSCRIBED, 1.0, "campaigns:unsubscribe")
    m = JOIN_COMMAND.match(turn.text.strip())
    if m:
        cell = cells.find(turn.session, m.group(1).strip().removeprefix("cell_"))
        return _join_cell(turn, cell, via="chat", silent=False)
    return None


def _event(turn: Turn) -> Answer | None:
    message = turn.message
    if message.event == "unsubscribe":
        residents.unsubscribe(turn.session, turn.resident, now=turn.now, reason=f"{message.channel}: unsubscribe event")
        return Answer("command", texts.UNSUBSCRIBED, 1.0, "campaigns:unsubscribe")
    if message.event not in ("subscribe", "start", "scan"):
        return None
    scene = str(message.data.get("scene") or "")
    m = SCENE.match(scene)
    if not m:
        return None
    silent = message.event in SILENT_EVENTS
    via = "qr" if message.channel == "wechat" else "link"
    if m.group(1) == "cell":
        return _join_cell(turn, turn.session.get(Cell, int(m.group(2))), via=via, silent=silent)
    campaign = turn.session.get(Campaign, int(m.group(2)))
    if campaign is None:
        return None if silent else Answer("command", texts.CELL_NOT_FOUND, 1.0, "campaigns:join")
    residents.record_event(turn.session, turn.resident, "campaign_join", now=turn.now, ref=str(campaign.id))
    if not turn.resident.push_consent or turn.resident.status != "active":
        residents.subscribe(turn.session, turn.resident, now=turn.now)  # scanning a campaign code is the opt-in
    return (
        None if silent else Answer("command", texts.CAMPAIGN_JOINED.format(name=campaign.name), 1.0, "campaigns:join")
    )


def _join_cell(turn: Turn, cell: Cell | None, *, via: str, silent: bool) -> Answer | None:
    if cell is None:
        log.info("join of an unknown cell by resident %s", turn.resident.id)
        return None if silent else Answer("command", texts.CELL_NOT_FOUND, 1.0, "campaigns:join")
    added = cells.join(turn.session, cell, turn.resident, via=via, now=turn.now)
    if not turn.resident.push_consent or turn.resident.status != "active":
        residents.subscribe(turn.session, turn.resident, now=turn.now)  # joining a cell is asking for its pushes
    if silent:
        return None
    template = texts.CELL_JOINED if added else texts.CELL_ALREADY
    return Answer("command", template.format(name=cell.name), 1.0, "campaigns:join")
