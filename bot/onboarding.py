"""Onboarding: on the first contact (WeChat subscribe, Telegram /start, "设置"), welcome the resident and ask
city, township/street and urban/rural, one question at a time, with the state in conversation_states."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from bot import texts
from bot.models import ConversationState
from knowledge.answer import Answer, Choice
from knowledge.normalize import normalize

if TYPE_CHECKING:
    from bot.dialogue import Turn

KIND = "onboarding"
TTL = dt.timedelta(hours=24)
START_EVENTS = frozenset({"subscribe", "start"})
RESTART_WORDS = frozenset({"设置", "重新设置", "修改信息", "我的信息", "设置地区"})
SKIP_WORDS = frozenset({"跳过", "不想说", "不告诉你", "略过", "算了", "skip"})
CITIES = ("新郑市", "新密市", "郑州市其他区县", "其他地方")
AREAS = (("urban", "城区（城市、县城、镇区小区）"), ("rural", "农村"))


def onboarding_hook(turn: Turn) -> Answer | None:
    """Greets on subscribe/start, then takes the answers to the three profile questions."""
    message = turn.message
    if message.kind == "event" and message.event in START_EVENTS:
        return _ask(turn, "city", welcome=True)
    text = normalize(turn.text)
    if message.kind == "text" and text in RESTART_WORDS:
        return _ask(turn, "city", welcome=False)
    state = turn.state()
    if state is None or state.kind != KIND or state.expires_at <= turn.now or message.kind != "text":
        return None
    step = str(state.payload.get("step"))
    if text in SKIP_WORDS:
        return _next(turn, step)
    if step == "city":
        city = _pick(text, list(CITIES))
        if city is None:
            return _give_up(turn)
        turn.resident.city = city if city in ("新郑市", "新密市") else None
        return _next(turn, step)
    if step == "township":
        if not 2 <= len(text) <= 20 or text.isdigit():
            return _give_up(turn)
        turn.resident.township = turn.text.strip()[:64]
        return _next(turn, step)
    if step == "area":
        labels = [label for _, label in AREAS]
        picked = _pick(
            text, labels, aliases={"城区": 0, "城市": 0, "城里": 0, "县城": 0, "农村": 1, "村里": 1, "乡下": 1}
        )
        if picked is None:
            return _give_up(turn)
        turn.resident.area = AREAS[labels.index(picked)][0]
        return _next(turn, step)
    return None


ORDER = ("city", "township", "area")


def _next(turn: Turn, step: str) -> Answer:
    position = ORDER.index(step) + 1 if step in ORDER else len(ORDER)
    if position < len(ORDER):
        return _ask(turn, ORDER[position], welcome=False)
    _clear(turn)
    rural = turn.resident.area == "rural"
    return Answer("command", texts.ONBOARDING_DONE_RURAL if rural else texts.ONBOARDING_DONE, 1.0, "onboarding:done")


def _ask(turn: Turn, step: str, *, welcome: bool) -> Answer:
    _clear(turn)
    turn.session.add(
        ConversationState(
            resident_id=turn.resident_id,
            kind=KIND,
            payload={"step": step},
            updated_at=turn.now,
            expires_at=turn.now + TTL,
        )
    )
    choices: list[Choice] = []
    if step == "city":
        choices = [Choice(str(i), city) for i, city in enumerate(CITIES, 1)]
        question = texts.ASK_CITY
    elif step == "township":
        question = texts.ASK_TOWNSHIP
    else:
        choices = [Choice(str(i), label) for i, (_, label) in enumerate(AREAS, 1)]
        question = texts.ASK_AREA
    consent = texts.WELCOME_CONSENT.get(turn.settings.campaigns.consent, "")
    lines = [texts.WELCOME.format(consent=consent)] if welcome else []
    lines.append(question)
    lines.extend(f"{c.key} {c.label}" for c in choices)
    if choices:
        lines.append(texts.ONBOARDING_SKIP)
    extra: dict[str, Any] = {"command": "onboarding", "step": step}
    return Answer("command", "\n".join(lines), 1.0, f"onboarding:{step}", choices=choices, extra=extra)


def _give_up(turn: Turn) -> Answer | None:
    """The reply is not an answer (likely a question): stop asking and let the knowledge answer it."""
    _clear(turn)
    return None


def _clear(turn: Turn) -> None:
    turn.drop_state()


def _pick(text: str, labels: list[str], aliases: dict[str, int] | None = None) -> str | None:
    """An option chosen by number, by its text, or by an alias."""
    if text.isdigit() and 1 <= int(text) <= len(labels):
        return labels[int(text) - 1]
    for label in labels:
        if text and (text in label or label.rstrip("市") in text):
            return label
    for word, index in (aliases or {}).items():
        if word in text:
            return labels[index]
    return None
